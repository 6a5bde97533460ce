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
