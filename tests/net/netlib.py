"""Helpers for the multi-process network tests: free loopback ports, starting
and always stopping `dure` processes, and JSON-RPC calls. Standard library
only; everything stays on 127.0.0.1."""

import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HOST = "127.0.0.1"
# Never through a proxy: the tests talk to loopback only.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def dure_binary():
    path = os.environ.get("DURE_BIN") or (sys.argv[1] if len(sys.argv) > 1 else "")
    if not path or not os.access(path, os.X_OK):
        sys.exit("usage: %s PATH-TO-dure (or DURE_BIN=...)" % sys.argv[0])
    return os.path.abspath(path)


def free_port():
    """A port free for both TCP and UDP on loopback right now."""
    while True:
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.bind((HOST, 0))
        port = t.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind((HOST, port))
            return port
        except OSError:
            continue
        finally:
            u.close()
            t.close()


class Cluster:
    """Processes and a scratch directory, torn down at exit or on a signal,
    whatever happens to the test."""

    def __init__(self, name):
        self.dir = tempfile.mkdtemp(prefix="dure-net-%s-" % name)
        self.procs = []
        atexit.register(self.close)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum, frame):
        self.close()
        sys.exit(128 + signum)

    def start(self, label, args):
        log = open(os.path.join(self.dir, label + ".log"), "wb")
        p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log,
                             stdin=subprocess.DEVNULL)
        p.label = label
        p.log = log
        self.procs.append(p)
        return p

    def stop(self, p, sig=signal.SIGTERM, timeout=5):
        if p.poll() is None:
            p.send_signal(sig)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        p.log.close()
        return p.returncode

    def log_text(self, label):
        with open(os.path.join(self.dir, label + ".log"), "rb") as f:
            return f.read().decode(errors="replace")

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
            if not p.log.closed:
                p.log.close()
        self.procs = []
        if os.environ.get("DURE_NET_KEEP"):
            print("kept logs in", self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


def read_enode(p, timeout=10):
    """The enode URL a dure process prints first on stdout."""
    deadline = time.time() + timeout
    line = b""
    os.set_blocking(p.stdout.fileno(), False)
    while time.time() < deadline:
        chunk = p.stdout.read()
        if chunk:
            line += chunk
            if b"\n" in line:
                return line.split(b"\n")[0].decode()
        if p.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError("%s printed no enode URL" % p.label)


def rpc(port, method, params=None, timeout=5):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method,
                       "params": params or []}).encode()
    req = urllib.request.Request("http://%s:%d" % (HOST, port), data=body,
                                 headers={"Content-Type": "application/json"})
    with _opener.open(req, timeout=timeout) as r:
        reply = json.load(r)
    if "error" in reply:
        raise RuntimeError("%s: %s" % (method, reply["error"]))
    return reply["result"]


def wait_rpc(port, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            return rpc(port, "web3_clientVersion", timeout=1)
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("no RPC on port %d" % port)


def node_id(url):
    return url[len("enode://"):].split("@")[0]


# keccak-256 (the pre-standard SHA-3 padding Ethereum uses), written out
# here so that the tests need no package for it: the nodes' own keccak is
# what they check, so they must not borrow it.
_RC = [0x0000000000000001, 0x0000000000008082, 0x800000000000808A,
       0x8000000080008000, 0x000000000000808B, 0x0000000080000001,
       0x8000000080008081, 0x8000000000008009, 0x000000000000008A,
       0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
       0x000000008000808B, 0x800000000000008B, 0x8000000000008089,
       0x8000000000008003, 0x8000000000008002, 0x8000000000000080,
       0x000000000000800A, 0x800000008000000A, 0x8000000080008081,
       0x8000000000008080, 0x0000000080000001, 0x8000000080008008]
_ROT = [[0, 36, 3, 41, 18], [1, 44, 10, 45, 2], [62, 6, 43, 15, 61],
        [28, 55, 25, 21, 56], [27, 20, 39, 8, 14]]
_M = (1 << 64) - 1


def _rol(v, n):
    return ((v << n) | (v >> (64 - n))) & _M if n else v


def _keccak_f(a):
    for rc in _RC:
        c = [a[x][0] ^ a[x][1] ^ a[x][2] ^ a[x][3] ^ a[x][4] for x in range(5)]
        d = [c[(x - 1) % 5] ^ _rol(c[(x + 1) % 5], 1) for x in range(5)]
        a = [[a[x][y] ^ d[x] for y in range(5)] for x in range(5)]
        b = [[0] * 5 for _ in range(5)]
        for x in range(5):
            for y in range(5):
                b[y][(2 * x + 3 * y) % 5] = _rol(a[x][y], _ROT[x][y])
        a = [[b[x][y] ^ (~b[(x + 1) % 5][y] & b[(x + 2) % 5][y]) for y in range(5)]
             for x in range(5)]
        a[0][0] ^= rc
    return a


def keccak256(data):
    rate = 136
    msg = bytearray(data) + b"\x01" + b"\x00" * ((-len(data) - 1) % rate)
    msg[-1] |= 0x80
    a = [[0] * 5 for _ in range(5)]
    for off in range(0, len(msg), rate):
        for i in range(rate // 8):
            a[i % 5][i // 5] ^= int.from_bytes(msg[off + 8 * i:off + 8 * i + 8], "little")
        a = _keccak_f(a)
    return b"".join(a[i % 5][i // 5].to_bytes(8, "little") for i in range(4))


KAD_K = 16          # entries per bucket (src/net/kad.h)
KAD_NBUCKETS = 17   # distances <= 256 - 16 share the first bucket


def kad_bucket(self_id, other_id):
    """The bucket of other_id in self_id's table: both are node ids in hex,
    the distance is the log distance of their keccak-256 hashes."""
    x = int.from_bytes(keccak256(bytes.fromhex(self_id)), "big") ^ \
        int.from_bytes(keccak256(bytes.fromhex(other_id)), "big")
    d = x.bit_length()
    shared = 256 - (KAD_NBUCKETS - 1)
    return 0 if d <= shared else d - shared


def kad_capacity(self_id, others):
    """The most entries of `others` a Kademlia table of self_id can hold:
    every bucket keeps at most KAD_K nodes."""
    per = {}
    for o in others:
        b = kad_bucket(self_id, o)
        per[b] = per.get(b, 0) + 1
    return sum(min(KAD_K, n) for n in per.values())
