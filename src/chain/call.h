/* Messages run as eth_call, eth_estimateGas and eth_createAccessList run
 * them: geth's internal/ethapi DoCall (core.ApplyMessage with the nonce
 * and EOA checks skipped and NoBaseFee), its eth/gasestimator, and its
 * access-list loop.
 *
 * A message is a transaction nobody signed. It runs through the state
 * transition (transition_apply_opts) as a transaction whose nonce is the
 * sender's current one, from any sender (a contract too), with a gas
 * limit the RPC's gas cap bounds rather than the block's. A message that
 * names no price at all (or a zero one) pays nothing for gas and runs
 * with a zero base fee, as geth lowers it, so that BASEFEE reads 0.
 *
 * Each run starts from a fresh state over the caller's backend, with the
 * state overrides applied first, and throws it away after: nothing a
 * message does is kept. */
#ifndef DURE_CHAIN_CALL_H
#define DURE_CHAIN_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/bytes.h"
#include "base/err.h"
#include "chain/receipt.h"
#include "chain/transition.h"
#include "chain/tx.h"
#include "evm/fork.h"
#include "evm/host.h"
#include "state/state.h"
#include "u256/u256.h"

/* The message (geth's TransactionArgs after parsing). Pointers are
 * borrowed. gas_price excludes max_fee and max_priority_fee (the caller
 * refuses both, as geth does: DURE_EINVAL here). A nonce is not part of
 * it: geth skips the nonce check and runs at the sender's nonce. */
typedef struct msgcall {
	address from;              /* the zero address when not given */
	bool has_to;               /* false: a creation */
	address to;
	bool has_gas;              /* false: the block's gas limit */
	uint64_t gas;
	bool has_gas_price;
	u256 gas_price;
	bool has_max_fee;
	u256 max_fee;
	bool has_max_priority_fee;
	u256 max_priority_fee;
	u256 value;
	const uint8_t *data;
	size_t data_size;
	const tx_access *access_list;
	size_t access_list_len;
} msgcall;

/* A state override of one account (geth's OverrideAccount). With
 * replace_storage ("state") every stored slot reads zero but those in
 * slots; without it ("stateDiff") the slots are patched over the stored
 * ones. Pointers are borrowed. */
typedef struct msgcall_slot {
	u256 key;
	u256 value;
} msgcall_slot;

typedef struct msgcall_account {
	address addr;
	bool has_balance;
	u256 balance;
	bool has_nonce;
	uint64_t nonce;
	bool has_code;
	const uint8_t *code;
	size_t code_len;
	bool replace_storage;
	const msgcall_slot *slots;
	size_t nslots;
} msgcall_account;

/* A block override (geth's BlockOverrides): number, time, gasLimit,
 * feeRecipient, prevRandao, baseFeePerGas, blobBaseFee. */
typedef struct msgcall_block {
	bool has_number;
	uint64_t number;
	bool has_time;
	uint64_t time;
	bool has_gas_limit;
	uint64_t gas_limit;
	bool has_coinbase;
	address coinbase;
	bool has_random;
	h256 random;
	bool has_base_fee;
	u256 base_fee;
	bool has_blob_base_fee;
	u256 blob_base_fee;
} msgcall_block;

/* Where and how messages run. Pointers are borrowed. */
typedef struct msgcall_env {
	const state_backend *base;    /* the state before the message */
	const msgcall_account *overrides;
	size_t noverrides;
	block_env block;              /* msgcall_override_block patches it */
	bool has_blob_fee;            /* a blobBaseFee override */
	u256 blob_fee;
	fork rev;                     /* the caller's, for the (overridden)
	                                 number and time */
	uint64_t gas_cap;             /* the RPC's gas cap; 0: none */
} msgcall_env;

/* How a run ended. output is the return data, the revert data, or, for
 * a creation that succeeded, the code it deployed (geth returns the init
 * code's output); contract is the address a creation deploys to. rc
 * holds the gas used (after the refund, as a receipt), the logs and
 * the success bit. Free with msgcall_result_free. */
typedef struct msgcall_result {
	evm_status status;
	buf output;
	address contract;
	receipt rc;
} msgcall_result;

void msgcall_result_free(msgcall_result *r);

/* Applies block override o to e (the block values, and the blob base fee
 * the run reads in place of the one the excess blob gas gives). */
void msgcall_override_block(msgcall_env *e, const msgcall_block *o);

/* Applies the n state overrides o to st, as committed state (the next
 * transaction sees them as its original values). Returns DURE_OK, or
 * DURE_ENOMEM / the state's sticky error. */
DURE_WUR int msgcall_override_state(state *st, const msgcall_account *o,
                                    size_t n);

/* Runs m once in e. Returns DURE_OK when the message ran (out->status
 * says how it ended); a DURE_ETX_* / DURE_ETR_* code when the transition
 * rejects it (gas below the intrinsic gas, funds below gas * price +
 * value, a price below the base fee...); DURE_EINVAL for a gas price given
 * with fee-market fields; DURE_ENOMEM or a backend error. *out is zeroed
 * on failure. */
DURE_WUR int msgcall_run(const msgcall_env *e, const msgcall *m,
                         msgcall_result *out);

/* What msgcall_estimate found. */
typedef struct msgcall_estimate_result {
	uint64_t gas;         /* the least gas limit that succeeds */
	uint64_t allowance;   /* the highest one tried: the message's gas, the
	                         block's gas limit, the funds or the gas cap */
	/* EVM_SUCCESS, or how the run at the allowance ended: EVM_OUT_OF_GAS
	 * for geth's "gas required exceeds allowance", anything else with
	 * output its revert data. */
	evm_status status;
	buf output;
	/* Set with DURE_ETR_FUNDS when the value alone is at least the
	 * balance (geth's "insufficient funds for transfer"). */
	bool short_of_value;
} msgcall_estimate_result;

void msgcall_estimate_result_free(msgcall_estimate_result *r);

/* Binary-searches the least gas limit at which m succeeds, as geth's
 * gasestimator: the upper bound is m's gas (when at least 21000) or the
 * block's gas limit, lowered to what the sender's funds pay for at m's
 * fee cap and to the gas cap; a transfer to an account without code
 * tries 21000 first; the run at the upper bound must succeed; the lower
 * bound starts at its gas used less one, then a guess of 64/63 of the
 * gas used plus the call stipend is tried first. Runs the
 * search to the exact least limit (no error-ratio shortcut). Returns
 * DURE_OK (out->status tells whether an estimate was found), a
 * rejection of the run at the upper bound (as msgcall_run; DURE_ETR_FUNDS
 * with short_of_value), DURE_ENOMEM or a backend error. out is zeroed
 * on failure. */
DURE_WUR int msgcall_estimate(const msgcall_env *e, const msgcall *m,
                              msgcall_estimate_result *out);

/* The access list msgcall_access_list built, and its last run. */
typedef struct msgcall_access_result {
	tx_access *list;      /* owned, in order of first access */
	size_t n;
	msgcall_result run;   /* m run with the list */
} msgcall_access_result;

void msgcall_access_result_free(msgcall_access_result *r);

/* Most runs msgcall_access_list makes before it settles for the list it
 * has (each run's list holds the previous one, so it settles long
 * before on any real message). */
#define MSGCALL_ACCESS_RUNS 16

/* Builds m's access list as geth's eth_createAccessList: runs m with
 * m's own list, records every account and slot the EVM accesses (slots
 * of any account; accounts other than the sender, the recipient (or the
 * created contract) and the precompiles), and runs again with the
 * recorded list until a run records nothing new. Returns as msgcall_run,
 * with out->run the last run. out is zeroed on failure. */
DURE_WUR int msgcall_access_list(const msgcall_env *e, const msgcall *m,
                                 msgcall_access_result *out);

#endif
