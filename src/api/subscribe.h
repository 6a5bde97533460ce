/* Push subscriptions over WebSocket, as geth serves them:
 *
 *   eth_subscribe("newHeads")
 *       the header of each block that joins the canonical chain, oldest
 *       first (all of a reorg's new branch): the block object of
 *       eth_getBlockByNumber without transactions, uncles, withdrawals,
 *       size and totalDifficulty (geth's RPCMarshalHeader)
 *   eth_subscribe("logs", criteria)
 *       each log that criteria matches, one notification per log: when
 *       the head moves, first those of the blocks that left the canonical
 *       chain, with removed true, oldest block first (geth's order), then
 *       those of the blocks that joined it, with removed false. Matching
 *       is eth_getLogs' (address, topics, their limits); a numeric
 *       fromBlock or toBlock bounds the blocks, a tag bounds nothing,
 *       blockHash is ignored
 *   eth_subscribe("newPendingTransactions" [, full])
 *       the hash of each transaction the pool accepts, or with full true
 *       its transaction object (pending: null block fields)
 *   eth_unsubscribe(id)
 *       true; -32000 "subscription not found" for an id the connection
 *       does not hold
 *
 * A notification is {"jsonrpc":"2.0","method":"eth_subscription",
 * "params":{"subscription":ID,"result":...}}. An id is 16 random bytes
 * printed as a quantity ("0x" + at most 32 hex digits, no leading zero),
 * as geth prints them. Subscriptions belong to their connection and end
 * with it.
 *
 * Errors as geth's: over HTTP eth_subscribe answers -32601 "notifications
 * not supported"; an unknown kind -32601 `no "kind" subscription in eth
 * namespace`; a first argument that is not a string -32602 "expected
 * subscription name as first argument"; wrong arguments -32602 with
 * geth's messages. At most API_SUBS_PER_SESSION_MAX subscriptions per
 * connection and API_SUBS_MAX in all: -32005 "too many subscriptions".
 *
 * A notification that cannot be built (memory ran out) is skipped. */
#ifndef DURE_API_SUBSCRIBE_H
#define DURE_API_SUBSCRIBE_H

#include <stddef.h>

#include "api/api.h"
#include "base/bytes.h"
#include "base/err.h"
#include "rpc/jsonrpc.h"

#define API_SUBS_MAX 1024
#define API_SUBS_PER_SESSION_MAX 128

typedef struct api_subs api_subs;

/* Creates the subscription table over ctx (borrowed; it must outlive
 * *out). Returns DURE_OK or DURE_ENOMEM (*out NULL). */
DURE_WUR int api_subs_new(api_ctx *ctx, api_subs **out);

/* Frees s and its subscriptions, and unhooks it from their sessions, so
 * it may go before or after the server. NULL is a no-op. */
void api_subs_free(api_subs *s);

/* Registers eth_subscribe and eth_unsubscribe in reg, served from s (which
 * must outlive reg). Returns DURE_OK or an rpc_register error. */
DURE_WUR int api_subs_register(rpc_registry *reg, api_subs *s);

/* The node calls this when the head changes, with the route of the head
 * (api_filters_on_head's arguments: the blocks removed from and added to
 * the canonical chain, each oldest first): newHeads and logs
 * subscriptions get their notifications, read from the store. */
void api_subs_on_head(api_subs *s, const h256 *removed, size_t nremoved,
                      const h256 *added, size_t nadded);

/* The node calls this for every transaction its pool accepts, while the
 * pool holds it (full transaction objects are read from ctx->pool). */
void api_subs_on_pending_tx(api_subs *s, const h256 *hash);

#endif
