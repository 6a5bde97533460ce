/* The state transition: applies one transaction to the state under a block
 * environment, and implements the EVM's host over the journaled state.
 *
 * A transaction either is rejected (an error code, and the state is exactly
 * as before) or is included: the sender pays for gas, the message runs (and
 * may fail, which reverts its effects but not the payment), unused gas is
 * refunded, the coinbase receives the priority fee, the base fee and blob fee
 * are burned, and the end-of-transaction rules (self-destructs, EIP-161) are
 * applied. */
#ifndef DURE_CHAIN_TRANSITION_H
#define DURE_CHAIN_TRANSITION_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/bytes.h"
#include "base/err.h"
#include "chain/codecache.h"
#include "chain/receipt.h"
#include "chain/tx.h"
#include "evm/evm.h"
#include "evm/fork.h"
#include "evm/host.h"
#include "state/state.h"
#include "u256/u256.h"

/* The block a transaction executes in. */
typedef struct block_env {
	address coinbase;
	uint64_t number;
	uint64_t timestamp;
	uint64_t gas_limit;
	u256 base_fee;            /* London on */
	h256 prev_randao;         /* PREVRANDAO from Paris; before, the
	                             difficulty as a 32-byte big-endian value */
	uint64_t excess_blob_gas; /* Cancun on */
	uint64_t chain_id;
	bool unlimited_code_size; /* the chain config's: no EIP-170/3860 limits */
	/* The chain config's dev_rules: a sender with code may send (no
	 * EIP-3607), as Anvil and Hardhat let impersonated contracts send. */
	bool allow_sender_code;
	/* Analysed code kept across transactions (borrowed); NULL: each
	 * transaction analyses the code it runs. */
	code_cache *codes;
	/* Hash of an earlier block; called only for the 256 blocks before
	 * `number`. NULL reads every hash as zero. */
	h256 (*block_hash)(void *ctx, uint64_t number);
	void *block_hash_ctx;
} block_env;

/* EIP-4844 per-block blob gas cap and the gas of one blob. */
#define MAX_BLOB_GAS_PER_BLOCK 786432
#define GAS_PER_BLOB 131072

/* What the block's earlier transactions used. A transaction draws on the
 * block's gas pools: it is invalid when its gas limit exceeds
 * env->gas_limit - gas (DURE_ETR_BLOCK_GAS), or its blob gas exceeds
 * MAX_BLOB_GAS_PER_BLOCK - blob_gas (DURE_ETR_BLOB_GAS). A pool already
 * overdrawn counts as empty. Functions taking a `const block_gas *` read
 * NULL as the first transaction of the block. */
typedef struct block_gas {
	uint64_t gas;             /* sum of the receipts' gas_used */
	uint64_t blob_gas;        /* sum of the blob gas of blob txs */
} block_gas;

/* Optional per-instruction tracer (EIP-3155). */
typedef struct tx_tracer {
	void (*step)(void *ctx, const evm_trace_step *step);
	void *ctx;
} tx_tracer;

/* EIP-4844 blob base fee: fake_exponential(1, excess_blob_gas, 3338477),
 * saturating at 2^256-1. */
u256 blob_base_fee(uint64_t excess_blob_gas);

/* Applies t, sent by `sender` (recovered by the caller), to st.
 *
 * used is what the block's earlier transactions used (NULL for none): it
 * bounds the gas t may take, and used->gas is added into the receipt's
 * cumulative gas. tracer may be NULL. output, if not NULL, receives
 * the return (or revert) data of the transaction's frame.
 *
 * Returns DURE_OK when the transaction is included (out->success tells
 * whether its execution succeeded); a DURE_ETX_* or DURE_ETR_* code when it is
 * invalid, with the state unchanged; DURE_ENOMEM when memory ran out (the
 * state is then unusable). out is zeroed on failure and is the caller's to
 * free with receipt_free. */
DURE_WUR int transition_apply(state *st, fork rev, const block_env *env,
                              const tx *t, const address *sender,
                              const block_gas *used, const tx_tracer *tracer,
                              buf *output, receipt *out);

/* What a message that is not a block's transaction (eth_call,
 * eth_estimateGas, eth_createAccessList) is spared, and what its caller
 * watches, as geth's ApplyMessage runs it for the RPC. */
typedef struct transition_opts {
	/* EIP-3607 is not checked: a call may come from a contract
	 * (geth's SkipFromEOACheck). */
	bool skip_sender_code;
	/* The block's gas limit does not bound t's: the RPC's gas cap does,
	 * which the caller applies. */
	bool skip_block_gas;
	/* The blob base fee (BLOBBASEFEE, and the price of blob gas) in
	 * place of blob_base_fee(env->excess_blob_gas); NULL for that. */
	const u256 *blob_fee;
	/* Told of each account and slot the EVM accesses from Berlin on
	 * (BALANCE, EXTCODE*, the target of a CALL*, a SELFDESTRUCT's
	 * beneficiary; SLOAD and SSTORE of the running account), in failed
	 * frames too, which is what geth's access-list tracer records.
	 * Either may be NULL. */
	void (*on_account)(void *ctx, const address *a);
	void (*on_slot)(void *ctx, const address *a, const u256 *key);
	void *access_ctx;
	/* Told of each call frame (the debug tracers'); either may be NULL.
	 * on_enter: a frame starts (the transaction's own too, and calls of
	 * precompiles and of accounts without code), as msg; a create's msg
	 * has the new account's address as recipient and code_address, and
	 * the initcode as input. A CALL or CREATE that the interpreter
	 * refuses before the host runs it (depth, balance) starts no frame.
	 * on_exit: that frame ended with r, its effects already undone if it
	 * failed; r's output is the return or revert data, for a create that
	 * succeeded the code it deployed (r->gas_left is after the code
	 * deposit). */
	void (*on_enter)(void *ctx, const evm_message *msg);
	void (*on_exit)(void *ctx, const evm_message *msg, const evm_result *r);
	void *frame_ctx;
} transition_opts;

/* transition_apply with the relaxations and hooks of opts (NULL: none,
 * which is transition_apply). status, when not NULL, receives how the
 * top frame ended: EVM_SUCCESS, EVM_REVERT, or why it halted (zero when
 * the transaction is rejected). */
DURE_WUR int transition_apply_opts(state *st, fork rev, const block_env *env,
                                   const tx *t, const address *sender,
                                   const block_gas *used,
                                   const transition_opts *opts,
                                   const tx_tracer *tracer, buf *output,
                                   evm_status *status, receipt *out);

/* The effective gas price of t: its gas price, or for fee-market types
 * from London the base fee plus the priority fee capped at
 * max_fee - base_fee. Assumes max_fee >= base_fee, which transition_apply
 * checks before it uses the price. */
u256 transition_gas_price(const tx *t, fork rev, const block_env *env);

/* What the EVM reads of t in env (GASPRICE, ORIGIN, the block values, the
 * blob hashes, which stay owned by t). price is transition_gas_price's,
 * blob_fee is blob_base_fee(env->excess_blob_gas). */
evm_tx_context transition_tx_context(const tx *t, const block_env *env,
                                     const address *sender, const u256 *price,
                                     const u256 *blob_fee);

/* A transaction after its prelude, ready for its top frame. */
typedef struct tx_frame {
	evm_tx_context txc;      /* what the EVM reads of the tx and block */
	evm_message msg;         /* the top frame; input points into the tx */
	u256 price;              /* effective gas price */
} tx_frame;

/* Validates t against st, env and the gas left in the block after `used`
 * (NULL for none) and applies what a transaction does
 * before its frame runs: buys the gas (and blob gas), bumps the nonce,
 * warms the sender, recipient, precompiles, coinbase (EIP-3651) and access
 * list. Returns DURE_OK and fills *out, or a DURE_ETX_* / DURE_ETR_* code
 * with st unchanged and *out zeroed. transition_apply starts with it; tools
 * that time a frame alone (transition_call) use it to reach the same state. */
DURE_WUR int transition_begin(state *st, fork rev, const block_env *env,
                              const tx *t, const address *sender,
                              const block_gas *used, tx_frame *out);

/* Gas a transaction with gas_limit uses when its top frame ended with r:
 * everything unless it succeeded or reverted, less the refund capped at
 * 1/2 of it (1/5 from London, EIP-3529). */
uint64_t transition_gas_used(uint64_t gas_limit, const evm_result *r,
                             fork rev);

/* Marks warm (EIP-2929) what a transaction t from sender starts with: the
 * sender, t's recipient, the precompiles, the coinbase from Shanghai
 * (EIP-3651) and t's access list. transition_begin does it; a caller of
 * transition_call without a transaction passes a tx holding only `to`. */
void transition_warm(state *st, fork rev, const block_env *env, const tx *t,
                     const address *sender);

/* Runs msg as the top-level CALL frame of a transaction over st, without
 * the transaction around it: no checks, no gas purchase, no warming, no
 * refund, no state_end_tx. The caller prepares st first (transition_begin,
 * or transition_warm for a bare message), so that repeated runs measure the
 * frame alone. It moves the value and runs the code like any call. code, when not NULL, is
 * the code to run, analysed by evm_code_new, in place of the recipient's
 * code in st; txc is the transaction context the EVM reads. Every change
 * stays in st's journal: the caller takes a state_snapshot before and
 * state_reverts after (benchmarks, tools). The caller releases the result
 * with evm_result_release. */
evm_result transition_call(state *st, fork rev, const block_env *env,
                           const evm_tx_context *txc, const evm_message *msg,
                           const evm_code *code);

#endif
