/* The debug_ tracing methods, as geth serves them (chain/trace.h's
 * tracers):
 *
 *   debug_traceTransaction(hash, opts?)         the tracer's result
 *   debug_traceCall(tx, block?, opts?)          the tracer's result
 *   debug_traceBlockByNumber(number, opts?)     [{txHash, result}]
 *   debug_traceBlockByHash(hash, opts?)         [{txHash, result}]
 *
 * opts: {tracer?: "callTracer" | "prestateTracer" (absent: the struct
 * logger), tracerConfig?: {onlyTopCall, withLog} | {diffMode},
 * disableStorage, disableStack, enableMemory, enableReturnData, limit,
 * timeout (accepted; a trace runs to its end)}.
 *
 * A mined transaction is replayed over the state after its block's
 * parent (store/history.h): what the block does first (the EIP-4788
 * call), then the block's earlier transactions, then it, traced. A dev
 * node's anvil_set* edits went into the block that followed them, before
 * its transactions, and the store keeps no record of them apart from the
 * block's changes: replaying such a block without them would trace
 * something other than what ran. So each replay first runs the whole
 * block untraced and checks its outcome against the store (the header's
 * gas used, receipts root and bloom, and the value after the block of
 * every account and slot the replay read); a block that does not
 * reproduce answers -32000 "block N cannot be replayed exactly: it
 * carries state edits made outside its transactions".
 *
 * debug_traceCall runs the message as eth_call does, in the environment
 * of the block named, over its state (the head's with a dev node's edits
 * for the tags naming the head). */
#ifndef DURE_API_DEBUG_H
#define DURE_API_DEBUG_H

#include <stdint.h>

#include "api/api.h"
#include "base/err.h"
#include "rpc/jsonrpc.h"

typedef struct api_debug api_debug;

/* Registers the methods above in reg, serving from ctx (borrowed; it must
 * outlive the registry), with gas_cap the most gas debug_traceCall gives
 * a message (0: none). Returns DURE_OK with *out (free with
 * api_debug_free after the registry), DURE_ENOMEM or an rpc_register
 * error; *out is NULL on failure. */
DURE_WUR int api_debug_register(rpc_registry *reg, api_ctx *ctx,
                                uint64_t gas_cap, api_debug **out);

/* NULL is allowed. */
void api_debug_free(api_debug *d);

#endif
