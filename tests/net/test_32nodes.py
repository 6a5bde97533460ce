#!/usr/bin/env python3
"""32 `dure node` processes and one `dure bootnode` on loopback.

1. Within 30 s every node's Kademlia table (dure_discoveryTable.nodes,
   the bucket entries) holds at least 90% of the other nodes it can hold:
   buckets take 16 nodes each, so when many ids fall at one distance the
   table cannot take them all; the test computes each table's capacity
   from the nodes' ids (keccak-256 log distance, as kad.c buckets them)
   and compares with that. Every node also has at least MIN_PEERS peers
   (each dials up to 50/3 of the others, so a node with fewer is not
   dialling).
2. The bootnode is killed; a new node joining through one of the nodes
   finds the network the same way (no single point of failure).

Prints the measured times. Usage: test_32nodes.py PATH-TO-dure"""

import math
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
from netlib import (Cluster, dure_binary, free_port, kad_capacity, node_id,
                    read_enode, rpc, wait_rpc)

N = 32
DEADLINE_S = 30
MIN_PEERS = 8


def start_node(cl, dure, label, bootnodes):
    port, rpc_port = free_port(), free_port()
    p = cl.start(label, [dure, "node", "--datadir", "%s/%s" % (cl.dir, label),
                         "--addr", "127.0.0.1", "--port", str(port),
                         "--rpc.port", str(rpc_port), "--bootnodes", bootnodes,
                         "--verbosity", "3"])
    p.enode = read_enode(p)
    p.rpc_port = rpc_port
    return p


def table_others(p, ids):
    """How many of the other nodes in ids p's Kademlia table holds, and how
    many it could hold."""
    table = rpc(p.rpc_port, "dure_discoveryTable")
    mine = node_id(p.enode)
    others = ids - {mine}
    held = {node_id(url) for url in table["nodes"]} & others
    p.missing = others - held
    return len(held), kad_capacity(mine, others)


def wait_converged(nodes, ids, deadline_s, t0):
    """Waits until every node in `nodes` holds 90% of what its table can
    hold of ids and has MIN_PEERS peers. Returns the elapsed seconds, or
    None after the deadline."""
    while True:
        lagging = []
        for p in nodes:
            held, cap = table_others(p, ids)
            peers = int(rpc(p.rpc_port, "net_peerCount"), 16)
            p.held, p.cap, p.peers = held, cap, peers
            if held < math.ceil(0.9 * cap) or peers < min(MIN_PEERS, len(ids) - 1):
                lagging.append("%s(table %d of %d, peers %d)" % (p.label, held, cap, peers))
        elapsed = time.time() - t0
        if not lagging:
            return elapsed
        if elapsed > deadline_s:
            print("FAIL: after %.1f s, %d nodes below 90%% of their table's "
                  "capacity or with fewer than %d peers: %s" %
                  (elapsed, len(lagging), MIN_PEERS, " ".join(lagging[:8])))
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
    t = wait_converged(nodes, ids, DEADLINE_S, t0)
    if t is None:
        return 1
    print("ok: %d nodes, each table holds >= 90%% of what it can hold of the "
          "others after %.1f s (table min %d of capacity %d, capacity min %d; "
          "peers min %d max %d)" %
          (N, t, min(p.held for p in nodes), min(nodes, key=lambda p: p.held).cap,
           min(p.cap for p in nodes), min(p.peers for p in nodes),
           max(p.peers for p in nodes)))

    cl.stop(boot)
    t1 = time.time()
    late = start_node(cl, dure, "late", nodes[N // 2].enode)
    wait_rpc(late.rpc_port)
    ids.add(node_id(late.enode))
    t = wait_converged([late], ids, DEADLINE_S, t1)
    if t is None:
        return 1
    print("ok: bootnode gone; a new node joining through %s holds %d of the "
          "%d nodes its table can hold and has %d peers after %.1f s" %
          (nodes[N // 2].label, late.held, late.cap, late.peers, t))

    t2 = time.time()
    bad = [p.label for p in nodes + [late] if cl.stop(p, timeout=10) != 0]
    if bad:
        print("FAIL: unclean exit of %s" % " ".join(bad))
        return 1
    print("ok: all nodes shut down cleanly on SIGTERM in %.1f s" % (time.time() - t2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
