/* The dev engine and block producer of a development node (`dure dev`),
 * which runs a local chain the way Anvil and Hardhat Network do: blocks
 * are produced on request (automine: one block as soon as a transaction
 * is pending; evm_mine; an interval timer the node drives), time can be
 * moved forward, the chain can be snapshotted and reverted, and the state
 * edited directly (anvil_setBalance and kin).
 *
 * Header rules are the post-merge ones (difficulty 0, nonce 0, no ommers,
 * extra data of at most 32 bytes); the mix hash is a fresh pseudo-random
 * value per block, as PREVRANDAO would be.
 *
 * State edits are kept here, on top of the head's state, until the next
 * block: that block applies them before its transactions (the engine's
 * `begin`), so its state root covers them and the store stays one
 * consistent chain. Reads of the latest state see them through
 * dev_overlay.
 *
 * A dev is created before the blockchain (blockchain_open takes its
 * engine), then attached to it. Everything runs on one thread. */
#ifndef DURE_CONSENSUS_DEV_H
#define DURE_CONSENSUS_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/err.h"
#include "chain/block.h"
#include "consensus/blockchain.h"
#include "consensus/engine.h"
#include "consensus/pool_env.h"
#include "state/state.h"
#include "txpool/txpool.h"
#include "u256/u256.h"

/* Snapshots one dev node keeps at most; evm_snapshot beyond it fails. */
#define DEV_SNAPSHOTS_MAX 4096
/* Accounts with pending edits at most. */
#define DEV_EDITS_MAX 4096
/* Transactions one block takes from the pool at most. */
#define DEV_BLOCK_TXS_MAX 4096

typedef struct dev dev;

typedef struct dev_opts {
	address coinbase;
	/* Unix time in milliseconds; NULL: the system's (dure_unix_ms). */
	const dure_clock *wall;
	bool automine;           /* initial automine setting */
} dev_opts;

/* Called after the head moved: after each block the dev produces, and
 * after each rewind (dev_revert, dev_reset), with the route of the head
 * (blockchain_route: a block produced is the one added; a rewind's
 * blocks are removed, none added), valid during the call only. */
typedef void (*dev_head_fn)(void *ctx, const chain_route *route);

/* Creates a dev with opts (copied). Returns DURE_OK or DURE_ENOMEM. */
DURE_WUR int dev_new(const dev_opts *opts, dev **out);
void dev_free(dev *d);

/* The engine to open the blockchain with; valid while d lives. */
const engine *dev_engine(dev *d);

/* Attaches the blockchain opened with dev_engine(d) and the pool blocks
 * are filled from (both borrowed; pool may be NULL), and takes up the
 * edits a previous run left on the head (the store keeps them until a
 * block carries them). Returns DURE_OK, DURE_EDB_CORRUPT for a record
 * that does not decode, or a store error. */
DURE_WUR int dev_attach(dev *d, blockchain *bc, txpool *pool);

/* Sets the function told about every move of the head (NULL for
 * none). */
void dev_on_head(dev *d, dev_head_fn fn, void *ctx);

bool dev_automine(const dev *d);
void dev_set_automine(dev *d, bool on);

/* Produces one block on the head from the pool's best pending
 * transactions (as many as fit its gas limit) and imports it. timestamp
 * 0 takes the next one (dev_next_timestamp). Transactions the block
 * cannot take (invalid on the head's state) are dropped from the pool.
 * Writes the new head's hash to *hash (may be NULL). Returns DURE_OK,
 * DURE_EINVAL (a timestamp not after the head's), or an import error. */
DURE_WUR int dev_mine(dev *d, uint64_t timestamp, h256 *hash);

/* The timestamp the next block gets: the one set by
 * dev_set_next_timestamp, else the wall clock plus the offset built by
 * dev_increase_time, and never less than the head's + 1. */
DURE_WUR int dev_next_timestamp(dev *d, uint64_t *out);

/* Moves the clock forward by secs; returns the total offset in seconds
 * (which also holds what the chain ran ahead of the wall clock: a set
 * timestamp, or blocks mined faster than one a second). */
int64_t dev_increase_time(dev *d, uint64_t secs);

/* The next block gets timestamp ts, and later blocks count on from it.
 * Returns DURE_OK or DURE_EINVAL when ts is not after the head's. */
DURE_WUR int dev_set_next_timestamp(dev *d, uint64_t ts);

/* The gas limit of every later block (evm_setBlockGasLimit); 0: each
 * block keeps its parent's. The next block's base fee in place of
 * EIP-1559's (anvil_setNextBlockBaseFeePerGas), and its mix hash
 * (hardhat_setPrevRandao). The first two need a chain with dev_rules
 * (chain/config.h) and return DURE_EINVAL otherwise, or for a gas limit
 * below 5000 or above 2^63-1, or a base fee before London. */
DURE_WUR int dev_set_gas_limit(dev *d, uint64_t gas_limit);
DURE_WUR int dev_set_next_base_fee(dev *d, const u256 *fee);
void dev_set_next_randao(dev *d, const h256 *randao);

/* The pool's view of the block after head (blockchain_pool_env with the
 * gas limit and base fee the dev will give it). The shape of
 * api_ctx.pool_env, with d as its context. */
DURE_WUR int dev_pool_env(void *d, const header *head,
                          const state_backend *accounts, txpool_env *out);

/* The header fields the next block will carry: number, timestamp
 * (dev_next_timestamp), gas limit, base fee, coinbase, the mix hash if
 * one was set, excess blob gas; the roots and the rest zero. The shape of
 * api_ctx.next_header, with d as its context. Returns DURE_OK or a store
 * error. */
DURE_WUR int dev_next_header(void *d, header *out);

/* The block dev_mine would seal now, not imported (eth_getBlockByNumber
 * at "pending"): the pool's transactions on the head. *out is freed with
 * block_free, *senders (one per transaction) with free. The shape of
 * api_ctx.pending_block, with d as its context. Returns DURE_OK, a
 * transaction's error when the pool holds one the chain refuses, or a
 * store error. */
DURE_WUR int dev_pending_block(void *d, block *out, address **senders);

void dev_set_coinbase(dev *d, const address *a);
const address *dev_coinbase(const dev *d);

/* Takes a snapshot of the chain, the edits and the clock; *id is its
 * number (1, 2, ...). Returns DURE_OK, DURE_ERANGE when
 * DEV_SNAPSHOTS_MAX are held, or DURE_ENOMEM. */
DURE_WUR int dev_snapshot(dev *d, uint64_t *id);

/* Goes back to snapshot id: the chain is rewound to its head, the edits
 * and the clock restored; that snapshot and every later one are
 * forgotten. *found is false (and nothing changes) for an unknown id.
 * Returns DURE_OK or a rewind error. */
DURE_WUR int dev_revert(dev *d, uint64_t id, bool *found);

/* Takes the chain back to its genesis (anvil_reset): every block after
 * it unwound, edits, snapshots, the clock's offset and what was set for
 * the next blocks dropped, the pool emptied of what no longer applies.
 * Returns DURE_OK or a rewind error. */
DURE_WUR int dev_reset(dev *d);

/* Edits of the head's state, carried by the next block; the pool is
 * re-validated against the edited state. Each returns DURE_OK, DURE_ERANGE
 * (DEV_EDITS_MAX accounts edited, or too many slots), DURE_ENOMEM, or a
 * store error from the pool's re-validation. set_code copies code. */
DURE_WUR int dev_set_balance(dev *d, const address *a, const u256 *v);
DURE_WUR int dev_set_nonce(dev *d, const address *a, uint64_t nonce);
DURE_WUR int dev_set_code(dev *d, const address *a, const uint8_t *code,
                          size_t len);
DURE_WUR int dev_set_storage(dev *d, const address *a, const u256 *key,
                             const u256 *value);

/* The state after the pool's transactions run, in pool order, in the
 * next block (dev_next_header's environment; BLOCKHASH reads zero), over
 * below (the head's state with the edits; it must outlive *out):
 * what "pending" reads. A transaction the state refuses is left out.
 * *out is freed with state_free. The shape of api_ctx.pending_state,
 * with d as its context. Returns DURE_OK, DURE_ENOMEM or a store error
 * (*out NULL). */
DURE_WUR int dev_pending_state(void *d, const state_backend *below,
                               state **out);

/* Applies to st the edits the block b (hash) carried, which replaying it
 * needs before its transactions (debug_trace*): the dev keeps them per
 * block. Nothing for a block that carried none. The shape of
 * api_ctx.replay_begin, with d as its context. Returns DURE_OK,
 * DURE_EDB_CORRUPT or a store error. */
DURE_WUR int dev_replay_begin(void *d, state *st, const block *b,
                              const h256 *hash);

/* Wraps below (the head's state) into *out, which reads the pending edits
 * first, working from *scratch (the caller's; it must outlive *out). The
 * shape of api_ctx.head_overlay, with d as its context. */
void dev_overlay(void *d, const state_backend *below, state_overlay *scratch,
                 state_backend *out);

#endif
