#!/usr/bin/env python3
"""`dure chaingen` end to end: a generated chain imports into a fresh data
directory and verifies, and its files say what was asked, checked here
independently of dure (keccak and RLP from test_import.py).

usage: test_chaingen.py PATH-TO-dure

For each kind (erc20, transfer), 3 blocks of 5 transactions over 100
accounts: chaingen exits 0; the genesis has chain id 1337, Cancun from 0,
the 100 funded accounts and, for erc20, the token whose storage holds one
slot per account at Solidity's mapping slot keccak256(pad32(a) || pad32(0));
the chain file is 3 blocks numbered 1..3, each with 5 transactions and each
naming the previous one's hash as its parent; `dure init` + `dure import`
into a fresh directory end with the head at block 3 whose hash is the last
block's header hash; `dure db verify` says ok. The same seed gives the same
bytes again. A run that fails after writing its blocks leaves no chain file
(the file is written under a .partial name and renamed when whole)."""

import hashlib
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_import import (Env, block_hash, block_number, check, init,  # noqa: E402
                         keccak256, rlp_children, split_blocks, verify_ok)

TOKEN = "0x00000000000000000000000000000000000ec20c"


def generate(env, kind, tag):
    gpath, cpath = env.path("genesis-%s.json" % tag), env.path("chain-%s.rlp" % tag)
    p = subprocess.run([env.dure, "chaingen", "--out", cpath, "--genesis", gpath,
                        "--kind", kind, "--accounts", "100", "--blocks", "3",
                        "--txs-per-block", "5", "--seed", "9", "--quiet"],
                       capture_output=True, timeout=120)
    check(p.returncode == 0, "%s: chaingen exits 0" % kind,
          p.stderr.decode(errors="replace"))
    return gpath, cpath


def check_genesis(kind, gpath):
    with open(gpath) as f:
        g = json.load(f)
    c = g["config"]
    check(c["chainId"] == 1337 and c["cancunTime"] == 0 and c["shanghaiTime"] == 0
          and c["terminalTotalDifficulty"] == 0, "%s: chain id 1337, Cancun at 0" % kind, c)
    alloc = {k.lower(): v for k, v in g["alloc"].items()}
    funded = [a for a in alloc if a != TOKEN]
    check(len(funded) == 100, "%s: 100 funded accounts" % kind, len(funded))
    if kind == "transfer":
        check(TOKEN not in alloc, "transfer: no token")
        return
    check(TOKEN in alloc, "erc20: the token is in the alloc")
    tok = alloc[TOKEN]
    check(tok["code"].startswith("0x34") and len(tok["code"]) > 200,
          "erc20: the token has code", tok["code"][:20])
    want = set()
    for a in funded:
        pre = bytes(12) + bytes.fromhex(a[2:]) + bytes(32)
        want.add("0x" + keccak256(pre).hex())
    got = {k.lower() for k in tok["storage"]}
    check(got == want, "erc20: one balance slot per holder at keccak(pad(a) . pad(0))",
          sorted(got - want)[:3], sorted(want - got)[:3])


def check_chain(kind, cpath):
    with open(cpath, "rb") as f:
        data = f.read()
    blocks = [data[o:o + n] for o, n in split_blocks(data)]
    check([block_number(b) for b in blocks] == [1, 2, 3],
          "%s: blocks 1..3" % kind, [block_number(b) for b in blocks])
    prev = None
    for b in blocks:
        parts = rlp_children(b, 0, len(b))
        check(len(rlp_children(b, parts[1][0], parts[1][1])) == 5,
              "%s: block %d has 5 transactions" % (kind, block_number(b)))
        header = rlp_children(b, parts[0][0], parts[0][1])
        parent = "0x" + b[header[0][3]:header[0][1]].hex()
        if prev is not None:
            check(parent == prev, "%s: block %d's parent is block %d" %
                  (kind, block_number(b), block_number(b) - 1), parent, prev)
        prev = block_hash(b)
    return data, prev


def case(dure, kind):
    env = Env(dure, "chaingen-" + kind)
    try:
        gpath, cpath = generate(env, kind, "a")
        check_genesis(kind, gpath)
        data, last = check_chain(kind, cpath)
        rc, out, err = env.run("init", gpath)
        check(rc == 0 and out.startswith("genesis 0x"), "%s: init exits 0" % kind, out, err)
        rc, out, err = env.run("import", cpath)
        check(rc == 0, "%s: import exits 0" % kind, out, err)
        number, head = verify_ok(env, kind)
        check(number == 3 and head == last, "%s: head is block 3" % kind, number, head, last)
        g2, c2 = generate(env, kind, "b")
        with open(gpath, "rb") as f1, open(g2, "rb") as f2:
            check(hashlib.sha256(f1.read()).digest() == hashlib.sha256(f2.read()).digest(),
                  "%s: the same genesis again" % kind)
        with open(c2, "rb") as f:
            check(f.read() == data, "%s: the same chain again" % kind)
        print("%s: ok" % kind)
    finally:
        env.close()


def failed_run(dure):
    """A run that fails once its blocks are written (its --out is a
    directory, so the finished file cannot take that name) exits non-zero
    and leaves no chain file behind, whole or cut short."""
    env = Env(dure, "chaingen-fail")
    try:
        out = env.path("taken")
        os.mkdir(out)
        p = subprocess.run([dure, "chaingen", "--out", out, "--genesis",
                            env.path("genesis.json"), "--kind", "transfer",
                            "--accounts", "10", "--blocks", "2",
                            "--txs-per-block", "3"],
                           capture_output=True, timeout=120)
        err = p.stderr.decode(errors="replace") + p.stdout.decode(errors="replace")
        check(p.returncode != 0 and "block 2: 3 txs" in err and "taken" in err,
              "fail: both blocks are made, then chaingen exits non-zero naming "
              "the output", p.returncode, err)
        check(os.path.isdir(out) and not os.listdir(out),
              "fail: the directory in the way is untouched")
        left = [n for n in os.listdir(os.path.dirname(out)) if n.startswith("taken")]
        check(left == ["taken"], "fail: no partial chain file is left", left)
        print("fail: ok")
    finally:
        env.close()


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    for kind in ("erc20", "transfer"):
        case(sys.argv[1], kind)
    failed_run(sys.argv[1])
    print("all ok")


if __name__ == "__main__":
    main()
