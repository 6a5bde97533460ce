/* Transaction tracers, as geth's debug_trace* methods print them: the
 * struct logger (the default), callTracer and prestateTracer, over the
 * EVM's step hook and the transition's frame hooks (transition.h's
 * tx_tracer and the on_enter/on_exit of transition_opts).
 *
 * The struct logger reports each instruction before it runs, with geth's
 * gasCost: the instruction's whole charge, cold accesses (EIP-2929), SSTORE
 * (EIP-2200/3529) and, for the CALL family, the gas handed to the callee
 * (without the stipend), as geth charges it before the callee starts. The
 * charge is read from the gas left at the frame's next instruction (or
 * where the frame ends), so it is the one the EVM made; for the step that
 * halts a frame exceptionally (out of gas, stack), which has no next
 * instruction, it is rebuilt from the interpreter's estimate, the access
 * costs probed before the step and, for SSTORE, EIP-2200's rules.
 *
 * Results are jansson values, the caller's to json_decref. A trace's
 * size is bounded (TRACE_MAX_BYTES of JSON, roughly): a larger one fails
 * with DURE_ERANGE. */
#ifndef DURE_CHAIN_TRACE_H
#define DURE_CHAIN_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "base/bytes.h"
#include "base/err.h"
#include "chain/block.h"
#include "chain/config.h"
#include "chain/receipt.h"
#include "chain/transition.h"
#include "chain/tx.h"
#include "evm/fork.h"
#include "state/state.h"

#define TRACE_MAX_BYTES (256u << 20)

typedef enum trace_kind {
	TRACE_STRUCT = 0,   /* geth's default struct logger */
	TRACE_CALL,         /* "callTracer" */
	TRACE_PRESTATE,     /* "prestateTracer" */
} trace_kind;

/* geth's TraceConfig and the tracerConfig of the native tracers. */
typedef struct trace_config {
	trace_kind kind;
	/* struct logger */
	bool disable_storage;
	bool disable_stack;
	bool enable_memory;
	bool enable_return_data;
	uint64_t limit;           /* most struct logs kept; 0: all */
	/* callTracer */
	bool only_top_call;
	bool with_log;
	/* prestateTracer */
	bool diff_mode;
} trace_config;

/* Applies t, from sender, to st as transition_apply_opts does (used and
 * opts as there; opts may be NULL), traced as cfg says. Returns what
 * transition_apply_opts returns, or DURE_ERANGE for a trace larger than
 * TRACE_MAX_BYTES (the state is then part-way and must be discarded).
 * On DURE_OK *result holds the tracer's result and *rc the receipt (free
 * with receipt_free); on failure both are zeroed. */
DURE_WUR int trace_tx(state *st, fork rev, const block_env *env,
                      const tx *t, const address *sender,
                      const block_gas *used, const transition_opts *opts,
                      const trace_config *cfg, json_t **result,
                      receipt *rc);

#endif
