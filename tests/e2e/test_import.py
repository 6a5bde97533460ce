"""`dure init`, `import`, `export` and `db verify` as a user runs them, on
chains whose every hash is known from elsewhere: an ethereum/tests
BlockchainTests fixture (its genesis hash, block hashes, last block hash and
state roots), or a `dure chaingen` chain whose block hashes are computed
here from the file's bytes.

usage: test_import.py PATH-TO-dure CASE
  valid      init (hash as the fixture's; again: same hash; another genesis:
             refused), import, export (bytes as the input, genesis as the
             fixture's genesisRLP), db verify ok, import again is a no-op
  truncated  a file cut inside block k: stops naming its offset, exit 1,
             head k-1; the whole file then resumes and finishes
  corrupt    a byte of a transaction of block k flipped: rejected with the
             rule, head k-1
  crash      a long import stopped by SIGTERM (between blocks, naming the
             head), then killed with SIGKILL at 10 random moments: the store
             opens and verifies after each, its head is a block of the
             file, and the import resumes to the end

The fixture directory is $DURE_FIXTURES (else ../shared/fixtures beside the
repository). A missing fixture fails the test; nothing is skipped."""

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURE = ("BlockchainTests/ValidBlocks/bcWalletTest/walletReorganizeOwners.json",
           "walletReorganizeOwners_Cancun")
# Every fork through Cancun from genesis, merged from genesis: the
# fixture's "Cancun" network as a geth-style config.
CANCUN_CONFIG = {"chainId": 1, "homesteadBlock": 0, "eip150Block": 0,
                 "eip155Block": 0, "eip158Block": 0, "byzantiumBlock": 0,
                 "constantinopleBlock": 0, "petersburgBlock": 0,
                 "istanbulBlock": 0, "berlinBlock": 0, "londonBlock": 0,
                 "mergeNetsplitBlock": 0, "terminalTotalDifficulty": 0,
                 "shanghaiTime": 0, "cancunTime": 0}


# ---- keccak-256, written from the Keccak reference (FIPS 202 with the
# original 0x01 padding), so block hashes are computed independently of dure.

def _round_constants():
    def bit(t):
        r = 1
        for _ in range(t % 255):
            r <<= 1
            if r & 0x100:
                r ^= 0x171
        return r & 1
    return [sum(bit(j + 7 * i) << ((1 << j) - 1) for j in range(7))
            for i in range(24)]


def _rotations():
    rot = [0] * 25
    x, y = 1, 0
    for t in range(24):
        rot[x + 5 * y] = ((t + 1) * (t + 2) // 2) % 64
        x, y = y, (2 * x + 3 * y) % 5
    return rot


_RC = _round_constants()
_ROT = _rotations()
_M64 = (1 << 64) - 1


def _keccak_f(a):
    for rc in _RC:
        c = [a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20] for x in range(5)]
        d = [c[(x - 1) % 5] ^ (((c[(x + 1) % 5] << 1) | (c[(x + 1) % 5] >> 63)) & _M64)
             for x in range(5)]
        b = [0] * 25
        for x in range(5):
            for y in range(5):
                v = a[x + 5 * y] ^ d[x]
                r = _ROT[x + 5 * y]
                b[y + 5 * ((2 * x + 3 * y) % 5)] = ((v << r) | (v >> (64 - r))) & _M64 if r else v
        a = [b[i] ^ (~b[(i % 5 + 1) % 5 + i // 5 * 5] & b[(i % 5 + 2) % 5 + i // 5 * 5])
             for i in range(25)]
        a[0] ^= rc
    return a


def keccak256(data):
    rate = 136
    msg = bytearray(data) + b"\x01"
    msg += b"\x00" * (-len(msg) % rate)
    msg[-1] |= 0x80
    a = [0] * 25
    for off in range(0, len(msg), rate):
        for i in range(rate // 8):
            a[i] ^= int.from_bytes(msg[off + 8 * i:off + 8 * i + 8], "little")
        a = _keccak_f(a)
    return b"".join(a[i].to_bytes(8, "little") for i in range(4))


# ---- just enough RLP to walk a chain file

def rlp_item(data, off):
    """(start, end, is_list, payload_start) of the item at off."""
    b = data[off]
    if b < 0x80:
        return off, off + 1, False, off
    if b < 0xb8:
        return off, off + 1 + b - 0x80, False, off + 1
    if b < 0xc0:
        ll = b - 0xb7
        n = int.from_bytes(data[off + 1:off + 1 + ll], "big")
        return off, off + 1 + ll + n, False, off + 1 + ll
    if b < 0xf8:
        return off, off + 1 + b - 0xc0, True, off + 1
    ll = b - 0xf7
    n = int.from_bytes(data[off + 1:off + 1 + ll], "big")
    return off, off + 1 + ll + n, True, off + 1 + ll


def rlp_children(data, start, end):
    """The items of the list data[start:end]."""
    _, e, _, p = rlp_item(data, start)
    assert e == end
    out = []
    while p < end:
        item = rlp_item(data, p)
        out.append(item)
        p = item[1]
    return out


def split_blocks(data):
    """[(offset, length)] of each block of a chain file."""
    out, off = [], 0
    while off < len(data):
        _, end, is_list, _ = rlp_item(data, off)
        assert is_list and end <= len(data)
        out.append((off, end - off))
        off = end
    return out


def block_number(blk):
    header = rlp_children(blk, 0, len(blk))[0]
    num = rlp_children(blk, header[0], header[1])[8]
    return int.from_bytes(blk[num[3]:num[1]], "big")


def block_hash(blk):
    header = rlp_children(blk, 0, len(blk))[0]
    return "0x" + keccak256(blk[header[0]:header[1]]).hex()


# ---- running dure

class Env:
    def __init__(self, dure, name):
        self.dure = dure
        self.dir = tempfile.mkdtemp(prefix="dure-e2e-%s-" % name)
        self.datadir = os.path.join(self.dir, "data")

    def path(self, name):
        return os.path.join(self.dir, name)

    def run(self, *args, timeout=120):
        p = subprocess.run([self.dure] + list(args) + ["--datadir", self.datadir],
                           stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=timeout)
        return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")

    def start(self, *args):
        return subprocess.Popen([self.dure] + list(args) + ["--datadir", self.datadir],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)

    def close(self):
        if os.environ.get("DURE_E2E_KEEP"):
            print("kept", self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


def check(cond, what, *detail):
    if not cond:
        print("FAIL:", what)
        for d in detail:
            print(d)
        sys.exit(1)


def verify(env):
    """`dure db verify`: (exit code, head number, head hash hex, stdout)."""
    rc, out, err = env.run("db", "verify")
    m = re.search(r"^head (\d+) (0x[0-9a-f]{64})$", out, re.M)
    check(m is not None, "db verify prints the head", out, err)
    return rc, int(m.group(1)), m.group(2), out + err


def verify_ok(env, what):
    rc, number, head, text = verify(env)
    check(rc == 0 and re.search(r"^ok$", text, re.M), what + ": db verify ok", text)
    return number, head


def init(env, genesis_path, expect_hash):
    rc, out, err = env.run("init", genesis_path)
    check(rc == 0, "init exits 0", out, err)
    check(out.strip() == "genesis " + expect_hash,
          "init prints the genesis hash " + expect_hash, out, err)


# ---- the fixture chain

def fixtures_dir():
    d = os.environ.get("DURE_FIXTURES") or os.path.join(REPO, "..", "shared", "fixtures")
    check(os.path.isdir(d), "fixtures directory %s exists" % d)
    return d


def load_fixture():
    path = os.path.join(fixtures_dir(), FIXTURE[0])
    with open(path) as f:
        case = json.load(f)[FIXTURE[1]]
    g = case["genesisBlockHeader"]
    genesis = {"config": CANCUN_CONFIG, "alloc": case["pre"]}
    for ours, theirs in (("gasLimit", "gasLimit"), ("difficulty", "difficulty"),
                         ("baseFeePerGas", "baseFeePerGas"), ("extraData", "extraData"),
                         ("timestamp", "timestamp"), ("mixHash", "mixHash"),
                         ("nonce", "nonce"), ("coinbase", "coinbase"),
                         ("parentHash", "parentHash"), ("number", "number"),
                         ("gasUsed", "gasUsed"), ("excessBlobGas", "excessBlobGas"),
                         ("blobGasUsed", "blobGasUsed")):
        genesis[ours] = g[theirs]
    blocks = [bytes.fromhex(b["rlp"][2:]) for b in case["blocks"]]
    headers = [b["blockHeader"] for b in case["blocks"]]
    # The chain is linear: each block's parent is the one before it.
    prev = g["hash"]
    for h in headers:
        check(h["parentHash"] == prev, "fixture chain is linear")
        prev = h["hash"]
    check(prev == case["lastblockhash"], "fixture's last block is its head")
    return {"genesis": genesis, "genesis_hash": g["hash"],
            "genesis_rlp": bytes.fromhex(case["genesisRLP"][2:]),
            "blocks": blocks, "headers": headers}


def write_fixture_files(env, fx):
    gpath = env.path("genesis.json")
    with open(gpath, "w") as f:
        json.dump(fx["genesis"], f)
    cpath = env.path("chain.rlp")
    with open(cpath, "wb") as f:
        f.write(b"".join(fx["blocks"]))
    return gpath, cpath


def case_valid(env):
    fx = load_fixture()
    gpath, cpath = write_fixture_files(env, fx)
    n = len(fx["blocks"])
    last = fx["headers"][-1]

    init(env, gpath, fx["genesis_hash"])
    init(env, gpath, fx["genesis_hash"])
    other = dict(fx["genesis"], timestamp=hex(int(fx["genesis"]["timestamp"], 16) + 1))
    opath = env.path("other.json")
    with open(opath, "w") as f:
        json.dump(other, f)
    rc, out, err = env.run("init", opath)
    check(rc == 1 and "another chain" in err and fx["genesis_hash"] in err,
          "init of another genesis is refused, naming the one there", out, err)

    rc, out, err = env.run("import", cpath)
    check(rc == 0, "import exits 0", out, err)
    check(re.search(r"import: %d blocks \(0 known\), number %d," % (n, n), err),
          "import's last progress line counts %d new blocks" % n, err)
    number, head = verify_ok(env, "after import")
    check(number == int(last["number"], 16) and head == last["hash"],
          "head is the fixture's last block %s" % last["hash"], number, head)
    rc, out, err = env.run("db", "verify")
    check(("state root " + last["stateRoot"]) in out,
          "verified root is the fixture's %s" % last["stateRoot"], out)

    epath = env.path("export.rlp")
    rc, out, err = env.run("export", epath, "1")
    check(rc == 0, "export 1.. exits 0", out, err)
    with open(epath, "rb") as f, open(cpath, "rb") as g:
        check(f.read() == g.read(), "export 1..head equals the imported file")
    rc, out, err = env.run("export", epath)
    check(rc == 0, "export exits 0", out, err)
    with open(epath, "rb") as f:
        data = f.read()
    check(data == fx["genesis_rlp"] + b"".join(fx["blocks"]),
          "export 0..head is the fixture's genesisRLP and blocks")
    rc, out, err = env.run("export", epath, "10", "20")
    with open(epath, "rb") as f:
        check(rc == 0 and f.read() == b"".join(fx["blocks"][9:20]),
              "export 10 20 writes blocks 10..20", err)
    os.remove(epath)
    rc, out, err = env.run("export", epath, "10", str(n + 1))
    check(rc == 1 and not os.path.exists(epath),
          "export past the head fails and leaves no file", err)

    rc, out, err = env.run("import", cpath)
    check(rc == 0 and re.search(r"import: %d blocks \(%d known\)" % (n, n), err),
          "import again: every block known", out, err)
    check(verify_ok(env, "after import again") == (number, head),
          "import again leaves the head")


def case_truncated(env):
    fx = load_fixture()
    gpath, cpath = write_fixture_files(env, fx)
    k = 100                      # block number k is blocks[k - 1]
    cut = sum(len(b) for b in fx["blocks"][:k - 1])
    tpath = env.path("truncated.rlp")
    with open(tpath, "wb") as f:
        f.write(b"".join(fx["blocks"][:k - 1]) + fx["blocks"][k - 1][:len(fx["blocks"][k - 1]) // 2])
    init(env, gpath, fx["genesis_hash"])
    rc, out, err = env.run("import", tpath)
    check(rc == 1, "truncated import exits 1", rc, err)
    check(re.search(r"bad block at offset %d \(after block %d\): rlp: length past end"
                    % (cut, k - 1), err),
          "the message names block %d's offset %d and the truncation" % (k, cut), err)
    number, head = verify_ok(env, "after truncated import")
    check(number == k - 1 and head == fx["headers"][k - 2]["hash"],
          "head is block %d" % (k - 1), number, head)
    rc, out, err = env.run("import", cpath)
    check(rc == 0 and re.search(r"\(%d known\), number %d," % (k - 1, len(fx["blocks"])), err),
          "the whole file resumes after the known blocks", out, err)
    number, head = verify_ok(env, "after resume")
    check(head == fx["headers"][-1]["hash"], "resumed to the last block", number, head)


def case_corrupt(env):
    fx = load_fixture()
    gpath, _ = write_fixture_files(env, fx)
    k = 50
    blk = bytearray(fx["blocks"][k - 1])
    items = rlp_children(blk, 0, len(blk))
    txs = rlp_children(blk, items[1][0], items[1][1])
    check(len(txs) > 0, "block %d has a transaction" % k)
    # The last byte of the first transaction is the low byte of its
    # signature's s: flipping its low bit keeps every length, so the block
    # still decodes, but its transactions root no longer matches.
    blk[txs[0][1] - 1] ^= 0x01
    bpath = env.path("corrupt.rlp")
    with open(bpath, "wb") as f:
        f.write(b"".join(fx["blocks"][:k - 1]) + bytes(blk) + b"".join(fx["blocks"][k:]))
    init(env, gpath, fx["genesis_hash"])
    rc, out, err = env.run("import", bpath)
    check(rc == 1, "corrupt import exits 1", rc, err)
    check(re.search(r"block %d \(0x[0-9a-f]{64}\) rejected: block: transactions root "
                    r"differs from the body" % k, err),
          "the message names block %d and the rule" % k, err)
    number, head = verify_ok(env, "after corrupt import")
    check(number == k - 1 and head == fx["headers"][k - 2]["hash"],
          "head is block %d" % (k - 1), number, head)


# ---- the crash test

def has_chaingen(dure):
    p = subprocess.run([dure, "help"], capture_output=True, timeout=10)
    return re.search(rb"^  chaingen\b", p.stdout, re.M) is not None


def crash_chain(env):
    """(genesis path, chain path, expected genesis hash or None, longest
    wait before a kill in s): a chaingen chain when dure has the command,
    else the fixture's (a second or two of import)."""
    if has_chaingen(env.dure):
        gpath, cpath = env.path("genesis.json"), env.path("chain.rlp")
        p = subprocess.run([env.dure, "chaingen", "--out", cpath, "--genesis", gpath,
                            "--kind", "transfer", "--accounts", "64",
                            "--blocks", "1500", "--txs-per-block", "8",
                            "--seed", "7", "--quiet"],
                           capture_output=True, timeout=120)
        check(p.returncode == 0, "chaingen exits 0", p.stderr.decode(errors="replace"))
        print("chain from dure chaingen")
        return gpath, cpath, None, 0.5
    fx = load_fixture()
    gpath, cpath = write_fixture_files(env, fx)
    print("chain from the fixture (no dure chaingen)")
    return gpath, cpath, fx["genesis_hash"], 0.15


def case_crash(env):
    gpath, cpath, genesis_hash, max_wait = crash_chain(env)
    with open(cpath, "rb") as f:
        data = f.read()
    blocks = {}
    for off, n in split_blocks(data):
        blk = data[off:off + n]
        blocks[block_number(blk)] = blk
    first_number, last_number = min(blocks), max(blocks)
    check(len(blocks) == last_number - first_number + 1,
          "the chain file holds consecutive blocks")
    if genesis_hash:
        init(env, gpath, genesis_hash)
    else:
        rc, out, err = env.run("init", gpath)
        check(rc == 0, "init exits 0", out, err)

    # SIGTERM stops the import between blocks, naming the last one, which
    # is then the head.
    p = env.start("import", cpath)
    time.sleep(min(0.4, max_wait))
    p.send_signal(signal.SIGTERM)
    err = p.communicate(timeout=30)[1].decode(errors="replace")
    m = re.search(r"^dure import: interrupted after block (\d+)$", err, re.M)
    check(p.returncode == 1 and m, "SIGTERM: exit 1 naming the last block", p.returncode, err)
    number, h = verify_ok(env, "after SIGTERM")
    check(number == int(m.group(1)), "SIGTERM: the head is the block named", number, err)

    seed = int(os.environ.get("DURE_E2E_SEED") or time.time())
    rnd = random.Random(seed)
    print("seed", seed)
    head = number
    kills = advanced = 0
    # Blocks a second, as seen so far (the SIGTERM run's rate to start
    # with): the waits shrink so that the ten kills land before the end
    # however fast the machine imports today.
    rate = max(100.0, (number - first_number + 1) / min(0.4, max_wait))
    while kills < 10:
        room = (last_number - head) / (10 - kills) / 2 / rate
        wait = rnd.uniform(0.01, max(0.02, min(max_wait, room)))
        p = env.start("import", cpath)
        time.sleep(wait)
        if p.poll() is not None:
            err = p.stderr.read().decode(errors="replace")
            check(p.returncode == 0, "import ran to the end", err)
            break
        p.send_signal(signal.SIGKILL)
        p.wait()
        p.stderr.close()
        kills += 1
        number, h = verify_ok(env, "after kill %d" % kills)
        check(number >= head, "the head never goes back (%d, was %d)" % (number, head))
        if number >= first_number:
            check(h == block_hash(blocks[number]),
                  "head %d %s is the file's block %d" % (number, h, number))
        rate = max(rate, (number - head) / wait)
        advanced += number > head
        head = number
        print("kill %d after %.3f s: head %d" % (kills, wait, number))
    check(kills == 10, "10 kills before the import finished (got %d)" % kills)
    # Kills that land while the import is still skipping the blocks it
    # has would test nothing: most must stop it in the middle of new ones.
    check(advanced >= 6, "the head advanced between most kills (%d of 10)" % advanced)
    rc, out, err = env.run("import", cpath)
    check(rc == 0, "the import resumes to the end", out, err)
    number, h = verify_ok(env, "at the end")
    check(number == last_number and h == block_hash(blocks[last_number]),
          "head is the file's last block", number, h)
    epath = env.path("export.rlp")
    rc, out, err = env.run("export", epath, str(first_number))
    with open(epath, "rb") as f:
        check(rc == 0 and f.read() == data, "export equals the imported file", err)


CASES = {"valid": case_valid, "truncated": case_truncated,
         "corrupt": case_corrupt, "crash": case_crash}


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in CASES:
        sys.exit("usage: %s PATH-TO-dure %s" % (sys.argv[0], "|".join(CASES)))
    dure = os.path.abspath(sys.argv[1])
    check(os.access(dure, os.X_OK), "%s is executable" % dure)
    check(keccak256(b"").hex() ==
          "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
          "keccak256 of the empty string")
    env = Env(dure, sys.argv[2])
    try:
        t0 = time.time()
        CASES[sys.argv[2]](env)
        print("ok: %s (%.1f s)" % (sys.argv[2], time.time() - t0))
    finally:
        env.close()


if __name__ == "__main__":
    main()
