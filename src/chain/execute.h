/* Block execution: a block's body applied to the state of its parent.
 *
 * In order:
 *   1. from Cancun, the EIP-4788 system call: SYSTEM_ADDRESS calls
 *      BEACON_ROOTS_ADDRESS with the header's parent beacon root as input
 *      and 30,000,000 gas, bought by no one, with no nonce change and no
 *      value, then the end-of-transaction rules (EIP-161), as geth's
 *      ProcessBeaconBlockRoot: an absent contract leaves the state as it
 *      was, and the system address is not left behind;
 *   2. every transaction, in order, drawing on the block's gas and blob
 *      gas pools; the first invalid one makes the block invalid;
 *   3. from Shanghai, the withdrawals (EIP-4895): each credits
 *      amount_gwei * 10^9 wei to its address, using no gas (a zero amount
 *      to an empty account leaves nothing);
 *   4. the consensus engine's finalisation (rewards), if any, then the
 *      end-of-transaction rules once more.
 *
 * The state root is not computed here: a backed state's root is the
 * store's to compute from state_changes, an in-memory one's is state_root
 * after block_execute. */
#ifndef DURE_CHAIN_EXECUTE_H
#define DURE_CHAIN_EXECUTE_H

#include <stddef.h>
#include <stdint.h>

#include "base/bytes.h"
#include "base/err.h"
#include "chain/block.h"
#include "chain/codecache.h"
#include "chain/config.h"
#include "chain/receipt.h"
#include "chain/transition.h"
#include "evm/fork.h"
#include "state/state.h"

/* The caller of the EIP-4788 call, and the beacon roots contract. */
extern const address SYSTEM_ADDRESS;       /* 0xff..fe */
extern const address BEACON_ROOTS_ADDRESS; /* 0x000F3df6...Beac02 */
#define BEACON_ROOTS_GAS 30000000

/* What the caller supplies to an execution; every member may be zero. */
typedef struct block_exec_opts {
	/* Hash of an earlier block, for BLOCKHASH; called only for the 256
	 * blocks before the one executing. NULL reads every hash as zero. */
	h256 (*block_hash)(void *ctx, uint64_t number);
	void *block_hash_ctx;
	/* The senders of the block's transactions, recovered beforehand (on
	 * a worker thread, say), one per transaction; NULL: recovered here. */
	const address *senders;
	/* The engine's changes before the block's system calls and
	 * transactions (a dev node's edits to the state); NULL for none.
	 * Returns DURE_OK or an error that makes block_execute fail with it. */
	int (*begin)(void *ctx, state *st, const block *b, fork rev);
	void *begin_ctx;
	/* The engine's finalisation (block and ommer rewards), run after the
	 * withdrawals; NULL for none. Returns DURE_OK or an error that makes
	 * block_execute fail with it. */
	int (*finalize)(void *ctx, state *st, const block *b, fork rev);
	void *finalize_ctx;
	/* The state root after each transaction, which pre-Byzantium receipts
	 * carry in place of their status. NULL: state_root, which only an
	 * in-memory state has; a backed state then cannot execute a
	 * pre-Byzantium block (DURE_EINVAL). */
	int (*intermediate_root)(void *ctx, state *st, h256 *out);
	void *root_ctx;
	/* Analysed code kept across transactions and blocks (borrowed);
	 * NULL: per transaction. */
	code_cache *codes;
} block_exec_opts;

/* What executing a block produced. */
typedef struct block_result {
	receipt *receipts;       /* owned, one per transaction */
	size_t nreceipts;
	address *senders;        /* owned, the sender of each of them */
	uint64_t gas_used;
	uint64_t blob_gas_used;
	uint8_t bloom[256];      /* of every receipt */
	h256 receipts_root;
	/* After block_run or block_execute: the index of the invalid
	 * transaction when they failed on one, else SIZE_MAX. The only
	 * member they leave set on failure. */
	size_t bad_tx;
} block_result;

/* Frees what r owns and zeroes it. Safe on a zeroed result. */
void block_result_free(block_result *r);

/* The environment of the transactions of a block with header h under
 * chain config c and fork rev, without a block hash source or code
 * cache (the caller sets those). Returns DURE_OK, or DURE_EBLOCK_FIELDS
 * (env zeroed) when the header lacks a field rev reads. */
DURE_WUR int block_env_init(const chain_config *c, fork rev, const header *h,
                            block_env *out);

/* EIP-4788, from Cancun: stores the parent beacon root in the beacon
 * roots contract, as a call from the system address that no one pays
 * for, which a block runs before its transactions. Returns DURE_OK or the
 * state's sticky error. */
DURE_WUR int block_beacon_root_call(state *st, fork rev, const block_env *env,
                                    const h256 *root);

/* Executes b over st (the parent's post-state) under chain config c and
 * fork rev (chain_config_fork's for b), without comparing the outcome with
 * b's header: what a block builder needs, whose header takes its gas used,
 * bloom and roots from the result. opts may be NULL.
 *
 * Returns DURE_OK and fills *out (the caller frees it with
 * block_result_free). On failure *out is zeroed but for bad_tx, and st is
 * left part-way through the block (the caller discards it):
 * - the DURE_ETX_* / DURE_ETR_* / DURE_ESIG code of the first invalid
 *   transaction, whose index is in out->bad_tx;
 * - DURE_EBLOCK_FIELDS when the header lacks a field rev needs (the base
 *   fee from London, the parent beacon root from Cancun),
 *   DURE_EBLOCK_WITHDRAWALS when the body's withdrawals are present or
 *   absent wrongly for rev, DURE_EINVAL as opts->intermediate_root says,
 *   DURE_ERANGE for a withdrawal that would overflow a balance;
 * - the error of opts->finalize, of the intermediate root, DURE_ENOMEM,
 *   or the state's sticky error. */
DURE_WUR int block_run(state *st, const chain_config *c, fork rev,
                       const block *b, const block_exec_opts *opts,
                       block_result *out);

/* Checks r against the header it executed: gas used
 * (DURE_EBLOCK_GAS_USED), blob gas used (DURE_EBLOCK_BLOB_GAS_USED; a
 * header without blob fields expects 0), receipts root
 * (DURE_EBLOCK_RECEIPTS_ROOT) and bloom (DURE_EBLOCK_BLOOM), in that
 * order. Returns DURE_OK or the first mismatch. */
DURE_WUR int block_result_check(const block_result *r, const header *h);

/* block_run, then block_result_check against b's header: the import path.
 * Returns what they return; on a mismatch *out is freed and zeroed (bad_tx
 * SIZE_MAX). The state root is left to the caller (see above). */
DURE_WUR int block_execute(state *st, const chain_config *c, fork rev,
                           const block *b, const block_exec_opts *opts,
                           block_result *out);

#endif
