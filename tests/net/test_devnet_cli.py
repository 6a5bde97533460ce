#!/usr/bin/env python3
"""`dure devnet`'s mechanics: its files, children, table and shutdown.

1. `dure devnet -n 2 --miners 0` starts a bootnode and two nodes, writes
   the genesis (chain id 1337, pow parameters, the ten dev accounts with
   10000 ether) and prints a table: both RPC URLs, the bootnode's and each
   node's enode URL (each equal to what that child printed itself and to
   what its admin_nodeInfo says), Hardhat's well-known account 0 and its
   key, and "devnet: 2 nodes running". Both nodes answer JSON-RPC and find
   each other through the bootnode.
2. A node killed with SIGKILL is reported ("[node2] was killed by signal
   9") and devnet and node1 run on; SIGTERM then makes devnet exit 0 with
   none of its children left.
3. Another -n with the same directory is refused (exit 2); so is
   --consensus dev.
4. A second run on the directory resumes the same network (the same node
   ids); SIGKILL of devnet takes its children with it (PR_SET_PDEATHSIG).
5. `dure devnet -n 3 --consensus bft --validators 2 --bft.block-time 0.5`
   makes a key DIR/node<i>/bftkey (64 hex digits, mode 0600) for nodes 1
   and 2 only, and a genesis whose config.bft names exactly their
   addresses (derived here by ethers' computeAddress) and has no "pow";
   devnet.json says consensus bft, validators 2; nodes 1 and 2 run with
   --bft.key of their own key, node 3 with none, all with
   --bft.block-time 0.5 and none with --mine; the table names the
   validators. Refused with exit 2: --miners, --miner.threads or
   --pow.target-block-time with bft, --validators with pow (also on the
   resumed pow network of 1-4), and on the bft network another
   --validators or --consensus pow. A resumed run keeps the keys and the
   genesis file as they were.

Mining and block production are left out (--miners 0, and nothing waits
for a BFT block): they need the chain of `dure node`. Usage:
test_devnet_cli.py PATH-TO-dure"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
from netlib import HOST, Cluster, dure_binary, free_port, rpc

# Hardhat's and Anvil's account 0 of the test mnemonic, as they print it.
ACCOUNT0 = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
KEY0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
ENODE_RE = re.compile(r"enode://([0-9a-f]{128})@127\.0\.0\.1:(\d+)")
START_S = 45


def port_block(count):
    """A base port such that base..base+count-1 are free for TCP and UDP."""
    for _ in range(100):
        base = free_port()
        if base + count > 65535:
            continue
        socks = []
        try:
            for p in range(base, base + count):
                for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                    s = socket.socket(socket.AF_INET, kind)
                    socks.append(s)
                    s.bind((HOST, p))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no block of %d free ports" % count)


def read_until(p, marker, timeout):
    """devnet's stdout up to and including the line that starts with
    marker."""
    deadline = time.time() + timeout
    out = b""
    os.set_blocking(p.stdout.fileno(), False)
    while time.time() < deadline:
        chunk = p.stdout.read()
        if chunk:
            out += chunk
            for line in out.decode(errors="replace").splitlines(True):
                if line.startswith(marker) and line.endswith("\n"):
                    return out.decode(errors="replace")
        if p.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError("devnet printed no '%s' (exit %s); stdout:\n%s" %
                       (marker, p.poll(), out.decode(errors="replace")))


def children(pid):
    """The pids whose parent is pid."""
    kids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                stat = f.read()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after ')'
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            kids.append(int(d))
    return kids


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_gone(pids, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        left = [p for p in pids if alive(p)]
        if not left:
            return []
        time.sleep(0.1)
    return [p for p in pids if alive(p)]


def check(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)


def log_enode(path):
    """The first enode URL a child printed, from its devnet log."""
    with open(path) as f:
        for line in f:
            if line.startswith("enode://"):
                return line.strip()
    return None


def bft_addresses(keys):
    """The addresses of secp256k1 secret keys (hex), by ethers."""
    script = ("const {computeAddress} = require('ethers');"
              "for (const k of process.argv.slice(1))"
              " console.log(computeAddress('0x' + k).toLowerCase());")
    r = subprocess.run(["node", "-e", script] + keys, capture_output=True,
                       text=True, timeout=30,
                       cwd=os.path.dirname(os.path.abspath(__file__)))
    check(r.returncode == 0, "ethers computeAddress: %s" % r.stderr)
    return r.stdout.split()


def refused(args, what, needle):
    """args exits 2 and says needle on stderr."""
    r = subprocess.run(args, capture_output=True, text=True, timeout=20)
    check(r.returncode == 2 and needle in r.stderr,
          "%s refused with exit 2: %d %s" % (what, r.returncode, r.stderr))


def test_bft(dure, cl, pow_args):
    base = port_block(7)
    port, rpc_port = base, base + 4
    ddir = os.path.join(cl.dir, "bft")
    common = ["--datadir", ddir, "--port", str(port), "--rpc.port",
              str(rpc_port)]
    args = [dure, "devnet", "-n", "3", "--consensus", "bft",
            "--validators", "2", "--bft.block-time", "0.5"] + common

    # flags of the other consensus, before any network exists
    fresh = ["--datadir", os.path.join(cl.dir, "fresh")]
    bft = [dure, "devnet", "-n", "3", "--consensus", "bft"] + fresh
    refused(bft + ["--miners", "1"], "--miners with bft", "--miners")
    refused(bft + ["--miner.threads", "2"], "--miner.threads with bft",
            "--miner.threads")
    refused(bft + ["--pow.target-block-time", "3"],
            "--pow.target-block-time with bft", "--pow.target-block-time")
    refused([dure, "devnet", "--consensus", "pow", "--validators", "1"] +
            fresh, "--validators with pow", "--validators")
    refused(pow_args + ["--validators", "1"],
            "--validators on the resumed pow network", "--validators")
    refused(bft + ["--validators", "4"], "more validators than nodes",
            "--validators 4")
    refused(bft + ["--bft.block-time", "0"], "--bft.block-time 0",
            "--bft.block-time")

    p = cl.start("bft1", args)
    table = read_until(p, "devnet: 3 nodes running", START_S)
    keys = []
    for i in (1, 2):
        path = os.path.join(ddir, "node%d" % i, "bftkey")
        check(os.stat(path).st_mode & 0o777 == 0o600,
              "node%d/bftkey mode 0600" % i)
        with open(path) as f:
            key = f.read().strip()
        check(re.fullmatch(r"[0-9a-f]{64}", key),
              "node%d/bftkey is 64 hex digits" % i)
        keys.append(key)
    check(keys[0] != keys[1], "two different validator keys")
    check(not os.path.exists(os.path.join(ddir, "node3", "bftkey")),
          "node3, a follower, has no bftkey")
    addrs = bft_addresses(keys)
    check(len(addrs) == 2, "two addresses from ethers: %s" % addrs)
    gpath = os.path.join(ddir, "genesis.json")
    with open(gpath, "rb") as f:
        graw = f.read()
    g = json.loads(graw)
    cfg = g["config"]
    check("pow" not in cfg, "a bft genesis has no pow object")
    vals = cfg.get("bft", {}).get("validators")
    check(isinstance(vals, list) and
          [v.lower() if isinstance(v, str) else v for v in vals] == addrs,
          "config.bft.validators %s are the keys' addresses %s" %
          (vals, addrs))
    check(cfg["chainId"] == 1337 and len(g["alloc"]) == 10 and
          int(g["alloc"][ACCOUNT0]["balance"], 16) == 10000 * 10**18,
          "chain id and the dev accounts as for pow")
    with open(os.path.join(ddir, "devnet.json")) as f:
        st = json.load(f)
    check(st.get("consensus") == "bft" and st.get("validators") == 2 and
          st.get("n") == 3, "devnet.json %s" % st)

    nodes = {}
    for k in children(p.pid):
        m = re.search(r"/node(\d) ", cmdline(k))
        if m:
            nodes[int(m.group(1))] = cmdline(k).split()
    check(sorted(nodes) == [1, 2, 3], "three node processes: %s" % nodes)
    for i, argv in nodes.items():
        keyarg = (argv[argv.index("--bft.key") + 1]
                  if "--bft.key" in argv else None)
        want = os.path.join(ddir, "node%d" % i, "bftkey") if i <= 2 else None
        check(keyarg == want, "node%d --bft.key %s, not %s" %
              (i, keyarg, want))
        check("--bft.block-time" in argv and
              argv[argv.index("--bft.block-time") + 1] == "0.5",
              "node%d gets --bft.block-time 0.5: %s" % (i, argv))
        check("--mine" not in argv and "--etherbase" not in argv,
              "node%d does not mine" % i)
    check(re.search(r"Validators: +node1\.\.node2\b", table),
          "the table names the validators:\n" + table)
    for i in (1, 2):
        check(re.search(r"node%d .*validator %s" % (i, addrs[i - 1]), table),
              "node%d's row says validator %s" % (i, addrs[i - 1]))
    check(re.search(r"node3 .*follows", table) and
          not re.search(r"node3 .*validator 0x", table),
          "node3's row says it follows")
    rc = cl.stop(p, signal.SIGTERM, timeout=15)
    check(rc == 0, "bft devnet exits 0 after SIGTERM, got %s" % rc)

    # a resumed bft network: its own consensus and validators only
    refused([dure, "devnet", "--validators", "3"] + common,
            "another --validators on resume", "--validators 2")
    refused([dure, "devnet", "--consensus", "pow"] + common,
            "--consensus pow on a bft network", "--consensus bft")
    refused([dure, "devnet", "--miners", "1"] + common,
            "--miners on a resumed bft network", "--miners")

    p = cl.start("bft2", [dure, "devnet"] + common)
    table = read_until(p, "devnet: 3 nodes running", START_S)
    check(re.search(r"node1 .*validator %s" % addrs[0], table),
          "the resumed network has the same validators")
    with open(gpath, "rb") as f:
        check(f.read() == graw, "the genesis is reused as written")
    rc = cl.stop(p, signal.SIGTERM, timeout=15)
    check(rc == 0, "resumed bft devnet exits 0 after SIGTERM, got %s" % rc)


def main():
    dure = dure_binary()
    cl = Cluster("devnet")
    base = port_block(5)
    port, rpc_port = base, base + 3
    ddir = os.path.join(cl.dir, "dn")
    args = [dure, "devnet", "-n", "2", "--miners", "0", "--datadir", ddir,
            "--port", str(port), "--rpc.port", str(rpc_port)]

    # 1. start, table, files
    p = cl.start("devnet1", args)
    table = read_until(p, "devnet: 2 nodes running", START_S)
    kids = children(p.pid)
    check(len(kids) == 3, "3 children (bootnode, 2 nodes), got %d" % len(kids))
    for r in (rpc_port, rpc_port + 1):
        check("http://127.0.0.1:%d" % r in table, "RPC URL of port %d" % r)
    enodes = ENODE_RE.findall(table)
    check(len(enodes) == 3, "3 enode URLs in the table, got %d" % len(enodes))
    ports = sorted(int(e[1]) for e in enodes)
    check(ports == [port, port + 1, port + 2], "enode ports %s" % ports)
    boot = "enode://%s@127.0.0.1:%s" % next(e for e in enodes
                                             if int(e[1]) == port)
    check(log_enode(os.path.join(ddir, "boot.log")) == boot,
          "the bootnode printed the URL devnet computed from its key")
    ids1 = {}
    for i in (1, 2):
        url = "enode://%s@127.0.0.1:%s" % next(e for e in enodes
                                                if int(e[1]) == port + i)
        check(log_enode(os.path.join(ddir, "node%d.log" % i)) == url,
              "node%d's URL is the one it printed" % i)
        info = rpc(rpc_port + i - 1, "admin_nodeInfo")
        check(info["enode"].split("?")[0] == url,
              "node%d's admin_nodeInfo enode %s" % (i, info["enode"]))
        ids1[i] = url
    check("(0) " + ACCOUNT0 in table and "(0) " + KEY0 in table,
          "dev account 0 and its key in the table")
    check("does not mine" in table, "the table says who mines")
    with open(os.path.join(ddir, "genesis.json")) as f:
        g = json.load(f)
    check(g["config"]["chainId"] == 1337, "chainId 1337")
    check(g["config"]["pow"] == {"targetBlockTime": 5,
                                 "minimumDifficulty": 131072,
                                 "blockReward": "2000000000000000000"},
          "pow parameters %s" % g["config"]["pow"])
    check("terminalTotalDifficulty" not in g["config"], "no TTD")
    check(len(g["alloc"]) == 10 and
          int(g["alloc"][ACCOUNT0]["balance"], 16) == 10000 * 10**18,
          "ten accounts with 10000 ether")
    check(int(g["gasLimit"], 16) == 30000000 and
          int(g["difficulty"], 16) == 131072 and
          int(g["baseFeePerGas"], 16) == 10**9, "gas limit, difficulty, fee")
    with open(os.path.join(ddir, "devnet.json")) as f:
        check(json.load(f)["n"] == 2, "devnet.json n")
    key = os.path.join(ddir, "bootnode.key")
    check(os.stat(key).st_mode & 0o777 == 0o600, "bootnode.key mode 0600")
    with open(key) as f:
        check(re.fullmatch(r"[0-9a-f]{64}", f.read().strip()),
              "bootnode.key is 64 hex digits")
    deadline = time.time() + 20
    while True:
        counts = [int(rpc(r, "net_peerCount"), 16)
                  for r in (rpc_port, rpc_port + 1)]
        if min(counts) >= 1:
            break
        check(time.time() < deadline,
              "the nodes found each other through the bootnode: peers %s" %
              counts)
        time.sleep(0.5)

    # a node that dies is reported; the others run on
    node2 = next(k for k in kids if "/node2 " in cmdline(k))
    os.kill(node2, signal.SIGKILL)
    deadline = time.time() + 10
    while "[node2] was killed by signal 9" not in cl.log_text("devnet1"):
        check(time.time() < deadline, "devnet reported node2's death")
        time.sleep(0.1)
    check(p.poll() is None, "devnet runs on without node2")
    rpc(rpc_port, "web3_clientVersion")

    # 2. SIGTERM stops everything
    rc = cl.stop(p, signal.SIGTERM, timeout=15)
    check(rc == 0, "exit 0 after SIGTERM, got %s" % rc)
    check(not wait_gone(kids, 1), "no child left after SIGTERM")
    log = cl.log_text("devnet1")
    check("[node1] exited with status 0" in log, "node1 exited cleanly")

    # 3. refusals
    r = subprocess.run(args[:2] + ["-n", "3"] + args[4:],
                       capture_output=True, text=True, timeout=20)
    check(r.returncode == 2 and "-n 2" in r.stderr,
          "another -n refused: %d %s" % (r.returncode, r.stderr))
    r = subprocess.run(args + ["--consensus", "dev"], capture_output=True,
                       text=True, timeout=20)
    check(r.returncode == 2 and "not available yet" in r.stderr,
          "--consensus dev refused: %s" % r.stderr)

    # 4. resume, then SIGKILL: the children follow devnet
    p = cl.start("devnet2", [dure, "devnet", "--datadir", ddir, "--port",
                             str(port), "--rpc.port", str(rpc_port)])
    table = read_until(p, "devnet: 2 nodes running", START_S)
    for i, url in ids1.items():
        check(url in table, "node%d resumed with the same id" % i)
    kids = children(p.pid)
    check(len(kids) == 3, "3 children on resume, got %d" % len(kids))
    p.kill()
    p.wait()
    left = wait_gone(kids, 15)
    check(not left, "children %s outlived a killed devnet" % left)

    # 5. bft
    test_bft(dure, cl, [dure, "devnet", "--datadir", ddir, "--port",
                        str(port), "--rpc.port", str(rpc_port)])
    print("ok: devnet table, files, SIGTERM, refusals, resume, no orphans, "
          "bft")


if __name__ == "__main__":
    main()
