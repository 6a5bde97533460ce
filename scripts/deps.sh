#!/bin/sh
# Installs the Debian packages Dure builds and tests with. Idempotent: when
# every package is present it does nothing, and it never prompts.
set -eu

PKGS="build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev \
libsecp256k1-dev libssl-dev libgmp-dev liblmdb-dev libuv1-dev libjansson-dev \
libsnappy-dev libh2o-dev libwslay-dev"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
		|| missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "deps: installing$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing </dev/null
