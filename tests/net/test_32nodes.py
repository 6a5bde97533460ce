#!/usr/bin/env python3
"""32 `dure node` processes and one `dure bootnode` on loopback.

1. Every node's discovery table holds at least 90% of the other nodes, and
   every node has a peer, within 30 s. "Holds" counts the live nodes the
   table has verified (dure_discoveryTable.verifiedNodes): Kademlia buckets
   take 16 nodes each, so when 32 random ids split unevenly on their first
   bit, the fullest bucket of the smaller half turns live nodes away and
   the bucket entries alone cannot reach 90%; the test also prints the
   smallest bucket-entry count it saw.
2. The bootnode is killed; a new node joining through one of the nodes
   finds the network the same way (no single point of failure).

Prints the measured times. Usage: test_32nodes.py PATH-TO-dure"""

import math
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
from netlib import Cluster, dure_binary, free_port, node_id, read_enode, rpc, wait_rpc

N = 32
DEADLINE_S = 30


def start_node(cl, dure, label, bootnodes):
    port, rpc_port = free_port(), free_port()
    p = cl.start(label, [dure, "node", "--datadir", "%s/%s" % (cl.dir, label),
                         "--addr", "127.0.0.1", "--port", str(port),
                         "--rpc.port", str(rpc_port), "--bootnodes", bootnodes,
                         "--verbosity", "3"])
    p.enode = read_enode(p)
    p.rpc_port = rpc_port
    return p


def known_others(p, ids):
    table = rpc(p.rpc_port, "dure_discoveryTable")
    mine = node_id(p.enode)
    known = {node_id(url) for url in table["verifiedNodes"]}
    p.missing = ids - known - {mine}
    return len(ids & known - {mine})


def wait_converged(nodes, ids, others, deadline_s, t0):
    """Waits until every node in `nodes` knows `others` of ids and has a
    peer. Returns the elapsed seconds, or None after the deadline."""
    need = math.ceil(0.9 * others)
    while True:
        lagging = []
        for p in nodes:
            k = known_others(p, ids)
            peers = int(rpc(p.rpc_port, "net_peerCount"), 16)
            if k < need or peers == 0:
                lagging.append("%s(table %d, peers %d)" % (p.label, k, peers))
        elapsed = time.time() - t0
        if not lagging:
            return elapsed
        if elapsed > deadline_s:
            print("FAIL: after %.1f s, %d nodes below %d known nodes or without "
                  "peers: %s" % (elapsed, len(lagging), need, " ".join(lagging[:8])))
            missing = {}
            for p in nodes:
                for i in p.missing:
                    missing[i] = missing.get(i, 0) + 1
            print("nodes most often missing from tables: %s" % ", ".join(
                "%s... (%d tables)" % (i[:12], n) for i, n in
                sorted(missing.items(), key=lambda kv: -kv[1])[:6]))
            return None
        time.sleep(0.5)


def main():
    dure = dure_binary()
    cl = Cluster("32nodes")
    boot_port = free_port()
    boot = cl.start("bootnode", [dure, "bootnode", "--addr",
                                 "127.0.0.1:%d" % boot_port, "--verbosity", "3"])
    boot_url = read_enode(boot)

    t0 = time.time()
    nodes = [start_node(cl, dure, "node%02d" % i, boot_url) for i in range(N)]
    for p in nodes:
        wait_rpc(p.rpc_port)
    ids = {node_id(p.enode) for p in nodes}
    t = wait_converged(nodes, ids, N - 1, DEADLINE_S, t0)
    if t is None:
        return 1
    stats = [rpc(p.rpc_port, "dure_p2pStats") for p in nodes]
    print("ok: %d nodes, each knows >= 90%% of the others and has peers after "
          "%.1f s (peers min %d max %d; verified nodes min %d, bucket entries "
          "min %d)" %
          (N, t, min(s["peers"] for s in stats), max(s["peers"] for s in stats),
           min(s["verified"] for s in stats), min(s["table"] for s in stats)))

    cl.stop(boot)
    t1 = time.time()
    late = start_node(cl, dure, "late", nodes[N // 2].enode)
    wait_rpc(late.rpc_port)
    ids.add(node_id(late.enode))
    t = wait_converged([late], ids, N, DEADLINE_S, t1)
    if t is None:
        return 1
    print("ok: bootnode gone; a new node joining through %s knows >= 90%% of "
          "the network and has peers after %.1f s" % (nodes[N // 2].label, t))

    t2 = time.time()
    bad = [p.label for p in nodes + [late] if cl.stop(p, timeout=10) != 0]
    if bad:
        print("FAIL: unclean exit of %s" % " ".join(bad))
        return 1
    print("ok: all nodes shut down cleanly on SIGTERM in %.1f s" % (time.time() - t2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
