/* Consensus engines behind one interface.
 *
 * The chain's own rules (chain/validate.h: numbers, timestamps, gas, fees,
 * roots) hold under every engine; an engine adds the rules of its kind of
 * agreement: what difficulty, nonce, mix hash and extra data a header must
 * carry, whether ommers are allowed, what a block pays its producer, and
 * which of two heads the node follows.
 *
 * An engine is a table of functions and the state they share (ctx). The
 * functions run on the loop thread and must not block; sealing, which
 * can take long, reports back through a callback (later engines). */
#ifndef DURE_CONSENSUS_ENGINE_H
#define DURE_CONSENSUS_ENGINE_H

#include <stdbool.h>

#include "base/err.h"
#include "chain/block.h"
#include "chain/config.h"
#include "evm/fork.h"
#include "state/state.h"
#include "u256/u256.h"

typedef struct engine {
	const char *name;
	/* The engine's header rules for h, a child of parent under fork rev.
	 * Returns DURE_OK or a DURE_EBLOCK_* code. */
	int (*verify_header)(void *ctx, const chain_config *c, fork rev,
	                     const header *parent, const header *h);
	/* The engine's rules for b's ommers (count, their headers). Returns
	 * DURE_OK or a DURE_EBLOCK_* code. */
	int (*verify_ommers)(void *ctx, const chain_config *c, fork rev,
	                     const block *b);
	/* Sets what the engine decides in a header being built on parent
	 * (difficulty, nonce, mix hash when it is not the caller's). */
	void (*prepare)(void *ctx, const chain_config *c, fork rev,
	                const header *parent, header *h);
	/* Changes the state before the block's system calls and transactions
	 * (a dev node's edits); NULL for engines that change nothing there.
	 * Returns DURE_OK or an error that fails the block. */
	int (*begin)(void *ctx, state *st, const block *b, fork rev);
	/* Pays the block's rewards into st after its transactions and
	 * withdrawals. Returns DURE_OK or an error that fails the block. */
	int (*finalize)(void *ctx, state *st, const block *b, fork rev);
	/* True when the node should follow cand (total difficulty cand_td)
	 * rather than its head cur (cur_td). */
	bool (*prefer)(void *ctx, const header *cur, const u256 *cur_td,
	               const header *cand, const u256 *cand_td);
	void *ctx;
} engine;

/* The post-merge engine (Paris on), the rules a beacon-chain driven
 * Ethereum block follows: difficulty 0, nonce 0, no ommers, extra data of
 * at most 32 bytes, no block reward; its fork choice follows the newest
 * valid block, the way an execution client follows forkchoiceUpdated (the
 * ethereum/tests BlockchainTests import chains this way). Static; never
 * NULL. */
const engine *engine_merge(void);

#endif
