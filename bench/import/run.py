#!/usr/bin/env python3
"""Block import benchmark: `dure init` + `dure import` of generated chains.

usage: bench/import/run.py [--dure PATH] [--verify] [--scale F] [CASE...]

Cases (all by default):
  erc20-1m     1,000,000 funded accounts, a token with 1,000,000 holders,
               100 blocks of token transfers filling the 30M gas limit
  transfer-1m  1,000,000 funded accounts, 100 blocks of ether transfers
  erc20-100k   100,000 accounts and holders, 100 blocks of token transfers:
               against erc20-1m, how the state's size moves the cost of
               the state root and of the database writes

--scale F multiplies the account and holder counts (0.01 for a quick run).
Chains are generated once with `dure chaingen` and cached under
build/bench-chains/<case>-<parameters>/ (genesis.json, chain.rlp); each run
imports into a fresh data directory there, under /usr/bin/time -v.
Reported per case: the generator's time (when it ran), init time and peak
RSS, import Mgas/s, blocks/s, txs/s (dure import's closing line), the
state root's ms per block over all blocks and over the file's second half
(once caches and mapped pages are warm), import wall time and peak RSS,
and the data directory's size after the import.
--verify also runs `dure db verify` (a walk of the whole state) and
reports its time. The table goes to stdout and to
build/bench-chains/results.md."""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CACHE = os.path.join(REPO, "build", "bench-chains")

CASES = {
    "erc20-1m": dict(kind="erc20", accounts=1000000, holders=1000000, blocks=100),
    "transfer-1m": dict(kind="transfer", accounts=1000000, holders=0, blocks=100),
    "erc20-100k": dict(kind="erc20", accounts=100000, holders=100000, blocks=100),
}
SEED = 1


def timed(cmd, log):
    """Runs cmd under /usr/bin/time -v; returns (rc, wall s, peak RSS KiB,
    stderr text)."""
    t0 = time.monotonic()
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
    wall = time.monotonic() - t0
    with open(log, "a") as f:
        f.write("$ %s\n%s%s\n" % (" ".join(cmd), p.stdout, p.stderr))
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    return p.returncode, wall, int(m.group(1)) if m else 0, p.stderr


def du(path):
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            total += os.stat(os.path.join(root, name)).st_blocks * 512
    return total


def generate(dure, name, c, log):
    key = "%s-%s-a%d-h%d-b%d-s%d" % (name, c["kind"], c["accounts"], c["holders"],
                                     c["blocks"], SEED)
    d = os.path.join(CACHE, key)
    gpath, cpath = os.path.join(d, "genesis.json"), os.path.join(d, "chain.rlp")
    if os.path.exists(os.path.join(d, "done")):
        return d, gpath, cpath, None
    os.makedirs(d, exist_ok=True)
    cmd = [dure, "chaingen", "--out", cpath, "--genesis", gpath, "--kind", c["kind"],
           "--accounts", str(c["accounts"]), "--blocks", str(c["blocks"]),
           "--seed", str(SEED)]
    if c["holders"]:
        cmd += ["--holders", str(c["holders"])]
    print("%s: generating (%s)" % (name, " ".join(cmd[1:])), flush=True)
    rc, wall, rss, err = timed(cmd, log)
    if rc != 0:
        sys.exit("%s: chaingen failed:\n%s" % (name, err[-2000:]))
    open(os.path.join(d, "done"), "w").close()
    return d, gpath, cpath, (wall, rss)


def run_case(dure, name, c, verify, log):
    d, gpath, cpath, gen = generate(dure, name, c, log)
    data = os.path.join(d, "data")
    shutil.rmtree(data, ignore_errors=True)
    r = {"case": name, "gen": gen,
         "genesis_mb": os.path.getsize(gpath) / 1e6,
         "chain_mb": os.path.getsize(cpath) / 1e6}
    print("%s: init" % name, flush=True)
    rc, r["init_s"], r["init_rss"], err = timed([dure, "init", gpath, "--datadir", data], log)
    if rc != 0:
        sys.exit("%s: init failed:\n%s" % (name, err[-2000:]))
    r["init_db"] = du(data)
    print("%s: import" % name, flush=True)
    rc, r["import_s"], r["import_rss"], err = timed(
        [dure, "import", cpath, "--datadir", data], log)
    if rc != 0:
        sys.exit("%s: import failed:\n%s" % (name, err[-2000:]))
    lines = [l for l in err.splitlines() if re.match(r"import: \d+ blocks", l)]
    m = re.search(r"import: (\d+) blocks .*?([\d.]+) Mgas/s, ([\d.]+) blocks/s, "
                  r"([\d.]+) txs/s", lines[-1] if lines else "")
    if not m:
        sys.exit("%s: no closing line from dure import:\n%s" % (name, err[-2000:]))
    r["blocks"] = int(m.group(1))
    r["mgas"], r["bps"], r["tps"] = (float(m.group(i)) for i in (2, 3, 4))
    # dure import's last line: where the time went, per phase.
    t = re.search(r"import: time: execute ([\d.]+) s \((\d+)%\), state root "
                  r"([\d.]+) s \((\d+)%\), commit ([\d.]+) s \((\d+)%\)", err)
    if not t:
        sys.exit("%s: no time line from dure import:\n%s" % (name, err[-2000:]))
    r["exec_s"], r["root_s"], r["commit_s"] = (float(t.group(i)) for i in (1, 3, 5))
    r["root_pct"], r["commit_pct"] = int(t.group(4)), int(t.group(6))
    # The state root's cost per block once the caches and the map's pages
    # are warm: over the blocks of the file's second half.
    w = re.search(r"import: state root: [\d.]+ ms/block over \d+ blocks, "
                  r"([\d.]+) ms/block over the \d+ blocks of the file's "
                  r"second half", err)
    r["root_warm"] = float(w.group(1)) if w else None
    r["db"] = du(data)
    if verify:
        print("%s: db verify" % name, flush=True)
        rc, r["verify_s"], r["verify_rss"], err = timed(
            [dure, "db", "verify", "--datadir", data], log)
        if rc != 0:
            sys.exit("%s: db verify failed:\n%s" % (name, err[-2000:]))
    return r


def table(results, verify):
    head = ["case", "genesis MB", "chain MB", "gen s", "init s", "init RSS MB",
            "Mgas/s", "blocks/s", "txs/s", "root ms/block",
            "root ms/block, 2nd half", "root %",
            "commit %", "import s", "import RSS MB", "db after init MB", "db MB"]
    if verify:
        head += ["verify s"]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        row = [r["case"], "%.0f" % r["genesis_mb"], "%.1f" % r["chain_mb"],
               "%.0f" % r["gen"][0] if r["gen"] else "cached",
               "%.1f" % r["init_s"], "%.0f" % (r["init_rss"] / 1024),
               "%.1f" % r["mgas"], "%.2f" % r["bps"], "%.0f" % r["tps"],
               "%.1f" % (1000 * r["root_s"] / max(1, r["blocks"])),
               "%.1f" % r["root_warm"] if r["root_warm"] is not None else "-",
               "%d" % r["root_pct"], "%d" % r["commit_pct"],
               "%.1f" % r["import_s"], "%.0f" % (r["import_rss"] / 1024),
               "%.0f" % (r["init_db"] / 1e6), "%.0f" % (r["db"] / 1e6)]
        if verify:
            row += ["%.1f" % r["verify_s"]]
        rows.append("| " + " | ".join(row) + " |")
    return "\n".join(rows) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dure", default=os.path.join(REPO, "build", "dure"))
    ap.add_argument("--verify", action="store_true")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("cases", nargs="*")
    a = ap.parse_args()
    names = a.cases or list(CASES)
    for n in names:
        if n not in CASES:
            sys.exit("unknown case %s (have: %s)" % (n, ", ".join(CASES)))
    os.makedirs(CACHE, exist_ok=True)
    log = os.path.join(CACHE, "log.txt")
    results = []
    for n in names:
        c = dict(CASES[n])
        c["accounts"] = max(2, int(c["accounts"] * a.scale))
        c["holders"] = max(2, int(c["holders"] * a.scale)) if c["holders"] else 0
        results.append(run_case(os.path.abspath(a.dure), n, c, a.verify, log))
    out = table(results, a.verify)
    sys.stdout.write(out)
    with open(os.path.join(CACHE, "results.md"), "w") as f:
        f.write(out)


if __name__ == "__main__":
    main()
