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
# The network tests drive our node from python3 and from node.js (with
# @ethereumjs/devp2p from npm); use the machine's node if it has one.
command -v python3 >/dev/null 2>&1 || missing="$missing python3"
command -v node >/dev/null 2>&1 || missing="$missing nodejs npm"

[ -z "$missing" ] && exit 0

echo "deps: installing$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing </dev/null
