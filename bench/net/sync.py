#!/usr/bin/env python3
"""Sync throughput benchmark: a fresh `dure node` syncing a proof-of-work
chain of ERC-20 transfers from 4 seeders, then from 1.

usage: bench/net/sync.py [--dure PATH] [--blocks B] [--txs-per-block T]
                         [--accounts N] [--seeders 4,1] [--timeout S]

The chain (default 10,000 blocks of 150 token transfers each, ~5.3 Mgas a
block, between 20,000 funded holders, one recipient in ten a new address)
is made once with `dure chaingen --pow --kind erc20` and cached under
bench/net/.cache/sync-<parameters>/ (genesis.json, chain.rlp, chain.json
with the chain's total gas and transactions), then imported once with
`dure init` + `dure import` into a seed data directory there (seed/). --blocks
2000 gives a quick run (its own cache entry).

For each seeder count K (4 and 1 by default) in a scratch directory: a
`dure bootnode`; K seeders, `dure node` (no mining) on copies of the seed
data directory (a closed LMDB file copied is the database K imports would
have written, without K imports' time; no node key is in it, so each
seeder makes its own), each joined through the bootnode; once they are
peered, a fresh node (`dure init` of the same genesis) joined through the
bootnode. Measured from the fresh node's start until eth_blockNumber
reports the last block: blocks/s and Mgas/s (the chain's gas over that
time), and how long it took to start syncing (its first "sync:
following" log line, seen by polling the log). The node's own "sync:
done at block N, ... Mgas/s; bodies from K peers: ..." lines are printed
as they are (the per-peer counts of bodies each gave). Then the ratio
of the two rates. A sync that makes no progress for --stall seconds, or
a node that exits, stops the run with the tail of its log.

Everything runs on loopback on this machine: the seeders share its cores
with the syncing node (the core count and the load average before and
after each sync are printed: other work on the machine shows there). Not a test: nothing here is
timed by CTest. Scratch directories are removed at exit (DURE_NET_KEEP=1
keeps them and their logs)."""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.join(REPO, "tests", "net"))
from netlib import Cluster, free_port, read_enode, rpc, wait_rpc  # noqa: E402

CACHE = os.path.join(HERE, ".cache")
SEED = 1


def run(cmd, what):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("%s failed (%d):\n%s" % (what, p.returncode,
                                          (p.stdout + p.stderr)[-3000:]))
    return p


def prepare(dure, a):
    """The cached chain and seed data directory; returns (dir, meta). The
    chain (chain.json: its gas and transactions) and the seed (seed.done)
    are cached apart, so that a failed import does not cost the chain."""
    key = "sync-b%d-t%d-a%d-s%d" % (a.blocks, a.txs_per_block, a.accounts, SEED)
    d = os.path.join(CACHE, key)
    gpath, cpath = os.path.join(d, "genesis.json"), os.path.join(d, "chain.rlp")
    mpath, seed = os.path.join(d, "chain.json"), os.path.join(d, "seed")
    if not os.path.exists(mpath):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        cmd = [dure, "chaingen", "--pow", "--kind", "erc20", "--out", cpath,
               "--genesis", gpath, "--accounts", str(a.accounts),
               "--blocks", str(a.blocks), "--txs-per-block",
               str(a.txs_per_block), "--seed", str(SEED)]
        print("generating: %s" % " ".join(cmd[1:]), flush=True)
        t0 = time.monotonic()
        p = run(cmd, "dure chaingen")
        gen_s = time.monotonic() - t0
        gas = sum(int(g) for g in re.findall(r"^block \d+: \d+ txs, (\d+) gas",
                                             p.stderr, re.M))
        txs = sum(int(t) for t in re.findall(r"^block \d+: (\d+) txs", p.stderr,
                                             re.M))
        print("generated in %.0f s: %s" % (gen_s, p.stderr.strip().splitlines()[-1]),
              flush=True)
        with open(mpath, "w") as f:
            json.dump({"blocks": a.blocks, "gas": gas, "txs": txs}, f)
    if not os.path.exists(os.path.join(d, "seed.done")):
        print("importing into the seed data directory", flush=True)
        shutil.rmtree(seed, ignore_errors=True)
        run([dure, "init", gpath, "--datadir", seed], "dure init")
        t0 = time.monotonic()
        p = run([dure, "import", cpath, "--datadir", seed], "dure import")
        imp = [l for l in p.stderr.splitlines() if re.match(r"import: \d+ blocks", l)]
        print("imported in %.0f s: %s" % (time.monotonic() - t0, imp[-1] if imp else "?"),
              flush=True)
        open(os.path.join(d, "seed.done"), "w").close()
    with open(mpath) as f:
        meta = json.load(f)
    return d, meta


def start_node(cl, dure, label, datadir, boot):
    port, rpc_port = free_port(), free_port()
    p = cl.start(label, [dure, "node", "--datadir", datadir, "--addr", "127.0.0.1",
                         "--port", str(port), "--rpc.port", str(rpc_port),
                         "--bootnodes", boot, "--verbosity", "3"])
    p.enode = read_enode(p)
    p.rpc_port = rpc_port
    return p


def head(p):
    try:
        return int(rpc(p.rpc_port, "eth_blockNumber", timeout=2), 16)
    except (OSError, RuntimeError, ValueError):
        return -1


def fail(cl, p, why):
    print("FAILED: %s" % why)
    print("--- last lines of %s's log:" % p.label)
    print("\n".join(cl.log_text(p.label).splitlines()[-40:]))
    os.environ["DURE_NET_KEEP"] = "1"
    sys.exit(1)


def sync_run(dure, a, d, meta, k):
    cl = Cluster("bench-sync%d" % k)
    boot_port = free_port()
    bp = cl.start("boot", [dure, "bootnode", "--addr", "127.0.0.1:%d" % boot_port])
    boot = read_enode(bp)
    seeders = []
    for i in range(k):
        dd = os.path.join(cl.dir, "seeder%d" % i)
        subprocess.run(["cp", "-r", "--sparse=always", os.path.join(d, "seed"), dd],
                       check=True)
        s = start_node(cl, dure, "seeder%d" % i, dd, boot)
        wait_rpc(s.rpc_port)
        seeders.append(s)
    for s in seeders:
        if head(s) != meta["blocks"]:
            fail(cl, s, "seeder head %d, not %d" % (head(s), meta["blocks"]))
    # The seeders find each other before the fresh node arrives, so that
    # it meets a settled network.
    deadline = time.monotonic() + 30
    while k > 1 and time.monotonic() < deadline:
        if all(int(rpc(s.rpc_port, "net_peerCount"), 16) >= k - 1 for s in seeders):
            break
        time.sleep(0.2)
    fresh_dir = os.path.join(cl.dir, "fresh")
    run([dure, "init", os.path.join(d, "genesis.json"), "--datadir", fresh_dir],
        "dure init")
    load0 = os.getloadavg()[0]
    t0 = time.monotonic()
    f = start_node(cl, dure, "fresh", fresh_dir, boot)
    t_follow = None
    last, last_t = 0, time.monotonic()
    while True:
        now = time.monotonic()
        if t_follow is None and "sync: following" in cl.log_text("fresh"):
            t_follow = now - t0
        h = head(f)
        if h >= meta["blocks"]:
            break
        if f.poll() is not None:
            fail(cl, f, "the fresh node exited (%d) at block %d" % (f.returncode, last))
        for s in seeders:
            if s.poll() is not None:
                fail(cl, s, "seeder %s exited (%d)" % (s.label, s.returncode))
        if h > last:
            last, last_t = h, now
        elif now - last_t > a.stall:
            fail(cl, f, "no progress for %d s at block %d" % (a.stall, last))
        if now - t0 > a.timeout:
            fail(cl, f, "not synced after %d s (at block %d)" % (a.timeout, last))
        time.sleep(0.1)
    secs = time.monotonic() - t0
    time.sleep(0.5)  # the done line follows the last import
    log = cl.log_text("fresh")
    sync_lines = [l for l in log.splitlines()
                  if "sync: done" in l or "sync: stopped" in l or "sync: following" in l]
    contributors = [int(m) for m in re.findall(r"bodies from (\d+) peers", log)]
    peers = [int(rpc(s.rpc_port, "net_peerCount"), 16) for s in seeders]
    r = {"seeders": k, "secs": secs, "follow_s": t_follow, "load": load0,
         "load_end": os.getloadavg()[0],
         "bps": meta["blocks"] / secs, "mgas": meta["gas"] / secs / 1e6,
         "tps": meta["txs"] / secs, "lines": sync_lines,
         "most_peers": max(contributors) if contributors else 0,
         "seeder_peers": peers}
    cl.close()
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dure", default=os.path.join(REPO, "build", "dure"))
    ap.add_argument("--blocks", type=int, default=10000)
    ap.add_argument("--txs-per-block", type=int, default=150)
    ap.add_argument("--accounts", type=int, default=20000)
    ap.add_argument("--seeders", default="4,1")
    ap.add_argument("--timeout", type=int, default=3600)
    ap.add_argument("--stall", type=int, default=60)
    a = ap.parse_args()
    dure = os.path.abspath(a.dure)
    if not os.access(dure, os.X_OK):
        sys.exit("no dure binary at %s (--dure PATH)" % dure)
    counts = [int(x) for x in a.seeders.split(",")]
    d, meta = prepare(dure, a)
    print("chain: %d blocks, %d txs, %.1f Mgas (%.2f Mgas a block); %d cores"
          % (meta["blocks"], meta["txs"], meta["gas"] / 1e6,
             meta["gas"] / 1e6 / meta["blocks"], os.cpu_count()), flush=True)
    results = []
    for k in counts:
        print("sync from %d seeder(s) ..." % k, flush=True)
        r = sync_run(dure, a, d, meta, k)
        results.append(r)
        print("  %d seeder(s): %.1f s (first sync line after %s s): %.1f blocks/s, "
              "%.1f Mgas/s, %.0f txs/s; bodies from at most %d peers; "
              "seeders' peer counts %s; load average %.1f before, %.1f after" % (
                  k, r["secs"], "%.1f" % r["follow_s"] if r["follow_s"] else "?",
                  r["bps"], r["mgas"], r["tps"], r["most_peers"], r["seeder_peers"],
                  r["load"], r["load_end"]))
        for l in r["lines"]:
            print("    " + l)
        sys.stdout.flush()
    if len(results) == 2:
        x, y = results
        print("ratio %d:%d seeders: %.2fx (Mgas/s %.1f vs %.1f)" % (
            x["seeders"], y["seeders"], x["mgas"] / y["mgas"], x["mgas"], y["mgas"]))
    print("rerun: %s" % " ".join([sys.argv[0]] + sys.argv[1:]))


if __name__ == "__main__":
    main()
