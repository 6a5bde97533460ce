/* Building a block on the head, as a producer does: the header from the
 * parent (the fork's base fee and excess blob gas, the engine's
 * difficulty and nonce), the transactions executed over the head's state,
 * and every field execution decides (gas used, roots, bloom, state root)
 * filled in. The block is not imported: hand it to blockchain_import (or
 * to a sealer first). */
#ifndef DURE_CONSENSUS_BUILDER_H
#define DURE_CONSENSUS_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/bytes.h"
#include "base/err.h"
#include "chain/block.h"
#include "chain/execute.h"
#include "consensus/blockchain.h"
#include "txpool/txpool.h"

typedef struct build_opts {
	address coinbase;
	uint64_t timestamp;      /* 0: the parent's + 1 */
	uint64_t gas_limit;      /* 0: the parent's */
	/* The base fee in place of EIP-1559's, which only a chain with
	 * dev_rules accepts (London on). */
	bool has_base_fee;
	u256 base_fee;
	h256 prev_randao;        /* the mix hash after the Merge */
	h256 parent_beacon_root; /* Cancun on */
	const uint8_t *extra;    /* at most header_extra_max bytes */
	size_t extra_len;
	const withdrawal *withdrawals; /* Shanghai on; copied */
	size_t nwithdrawals;
	/* The senders of txs, recovered beforehand; NULL: recovered here. */
	const address *senders;
} build_opts;

/* Builds the child of the head from txs (copied into the block) under
 * opts. Returns DURE_OK with *out filled (freed with block_free) and, when
 * res is not NULL, what execution produced (freed with block_result_free);
 * or an error with *out zeroed: a transaction's DURE_ETX_* / DURE_ETR_*
 * code (res->bad_tx names it; SIZE_MAX for every other error),
 * DURE_EINVAL for options the chain's rules refuse (a timestamp not after
 * the parent's, extra data over header_extra_max, withdrawals before
 * Shanghai), or a db / trie error. The store is not changed. */
DURE_WUR int blockchain_build(blockchain *bc, const build_opts *opts,
                              const tx *txs, size_t ntxs, block *out,
                              block_result *res);

/* The pool's best pending transactions (txpool_iter order at base_fee
 * and blob_fee, the next block's) whose gas limits fit gas_limit
 * together, so that none can fail on the block's gas pool: at most max
 * of them. A sender whose next transaction does not fit yields nothing
 * more. pool NULL gives none. Writes to *txs and *senders (one per
 * transaction) arrays the caller frees with free; the tx structs are
 * shallow copies that share the pool's memory, valid until the pool
 * changes (hand them to blockchain_build, which copies them, before
 * changing it). Returns DURE_OK, or DURE_ENOMEM with *txs and *senders
 * NULL and *n 0. */
DURE_WUR int blockchain_take_from_pool(const txpool *pool, uint64_t gas_limit,
                                       const u256 *base_fee,
                                       const u256 *blob_fee, size_t max,
                                       tx **txs, address **senders,
                                       size_t *n);

/* Builds the child of parent (the head's header) from the pool's best
 * pending transactions (blockchain_take_from_pool, at most max) under
 * opts, whose senders are ignored. A transaction the chain refuses is
 * removed from the pool and the block built again without it. Returns
 * as blockchain_build, with *out zeroed on failure. */
DURE_WUR int blockchain_build_from_pool(blockchain *bc, txpool *pool,
                                        const header *parent,
                                        const build_opts *opts, size_t max,
                                        block *out);

#endif
