/* Push subscriptions over WebSocket, as geth serves them:
 *
 *   eth_subscribe("newHeads")
 *       each new canonical head's header: the block object of
 *       eth_getBlockByNumber without transactions, uncles, withdrawals,
 *       size and totalDifficulty (geth's RPCMarshalHeader)
 *   eth_subscribe("logs", criteria)
 *       each log of each new canonical block that criteria matches, one
 *       notification per log, with removed false. Matching is eth_getLogs'
 *       (address, topics, their limits); a numeric fromBlock or toBlock
 *       bounds the blocks, a tag bounds nothing, blockHash is ignored
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
 * Blocks a reorg (or a dev revert) removes are not reported as removed
 * logs, as the polling filters do not report them either. A notification
 * that cannot be built (memory ran out) is skipped. */
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

/* The node calls this when the head changes, with the hashes of the new
 * canonical blocks, oldest first (api_filters_on_head's arguments): newHeads
 * and logs subscriptions get their notifications, read from the store. */
void api_subs_on_head(api_subs *s, const h256 *hashes, size_t n);

/* The node calls this for every transaction its pool accepts, while the
 * pool holds it (full transaction objects are read from ctx->pool). */
void api_subs_on_pending_tx(api_subs *s, const h256 *hash);

#endif
