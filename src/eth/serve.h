/* Answering a peer's GetBlockHeaders, GetBlockBodies and GetReceipts from
 * the chain store, as geth's eth/protocols/eth/handlers.go does.
 *
 * Each function appends one whole response payload, [req_id, [item...]],
 * to out, reading in t (any read transaction of s's db). A response holds
 * at most ETH_MAX_*_SERVE items and ends after the item that takes the
 * items' bytes past ETH_SOFT_RESPONSE_LIMIT (a run of consecutive headers
 * cannot reach it). Unknown blocks are left out (bodies, receipts; of
 * at most twice the item limit of hashes looked up) or end the walk
 * (headers). On failure nothing is appended (unless out's allocation
 * failed) and the error is returned: DURE_ENOMEM, DURE_EDB_CORRUPT or a
 * db error. */
#ifndef DURE_ETH_SERVE_H
#define DURE_ETH_SERVE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/bytes.h"
#include "base/err.h"
#include "db/db.h"
#include "eth/proto.h"
#include "store/store.h"

/* Headers for q, each as header_encode writes the stored header.
 *
 * By number, the walk follows the canonical chain: origin, origin +
 * (skip + 1), ... (down with reverse); a reverse run (skip 0) from above
 * the head serves those of its numbers that exist, from the head down,
 * as geth's GetHeadersFrom does. By hash it starts at that block,
 * canonical or not: with skip 0 a reverse walk follows parent hashes and
 * a forward one goes on (along the canonical chain) only from a canonical
 * origin; with a skip, each step backwards is the ancestor skip + 1
 * generations up (at most 100 steps off the canonical chain per query,
 * geth's maxNonCanonical), each step forwards the canonical block skip + 1
 * later, taken only when the block it steps from is canonical. A zero
 * hash counts as number 0, as in geth. amount is capped at
 * ETH_MAX_HEADERS_SERVE; a walk whose next number would leave 0..2^64-1
 * ends there. */
DURE_WUR int eth_serve_headers(store *s, db_txn *t, const eth_get_headers *q,
                               buf *out);

/* The bodies (eth_body_encode) of the known blocks among hashes[0..n). */
DURE_WUR int eth_serve_bodies(store *s, db_txn *t, uint64_t req_id,
                              const h256 *hashes, size_t n, buf *out);

/* The receipts (eth_receipts_put) of the blocks among hashes[0..n) that
 * were executed, and an empty list for a known block whose receipts root
 * is the empty trie's. */
DURE_WUR int eth_serve_receipts(store *s, db_txn *t, uint64_t req_id,
                                const h256 *hashes, size_t n, buf *out);

#endif
