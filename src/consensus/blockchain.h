/* The blockchain: imports blocks into the store under a consensus engine,
 * follows the engine's fork choice, and reorganises the canonical chain.
 *
 * Import of a block whose parent is known, in one write transaction:
 *   1. the fork's header rules (chain/validate.h) and the engine's,
 *      against the parent; the body against the header;
 *   2. when the parent is the head: execution over the flat state, the
 *      state root from the store's tries checked against the header, and
 *      the block, receipts, change set, canonical index, transaction
 *      lookup and head written;
 *   3. when the parent is not the head: the block is kept as a side
 *      block; if the engine prefers it to the head, the canonical blocks
 *      above the common ancestor are unwound with their change sets and
 *      the side branch is executed and made canonical, each of its blocks
 *      checked as in 2.
 * A block that breaks any rule aborts the transaction: the store is
 * exactly as before, and the error names the rule.
 *
 * A transaction that fills the database's map is redone with a larger
 * map (db.h), so a large genesis or block needs no sizing by the caller.
 *
 * A blockchain is used from one thread; it holds no transaction between
 * calls. */
#ifndef DURE_CONSENSUS_BLOCKCHAIN_H
#define DURE_CONSENSUS_BLOCKCHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/bytes.h"
#include "base/err.h"
#include "chain/block.h"
#include "chain/codecache.h"
#include "chain/config.h"
#include "chain/genesis.h"
#include "consensus/engine.h"
#include "store/store.h"

/* Reorgs deeper than this are refused by default. */
#define BLOCKCHAIN_MAX_REORG 4096

typedef struct blockchain blockchain;

typedef struct blockchain_opts {
	uint64_t max_reorg;      /* 0: BLOCKCHAIN_MAX_REORG */
} blockchain_opts;

/* Writes genesis g into the store, with its chain config (which later
 * runs read), and writes its hash to *hash. A store that already holds a
 * genesis is left alone when it is the same block (DURE_OK) and refused
 * otherwise (DURE_EBLOCK_GENESIS). Returns DURE_OK, DURE_EBLOCK_GENESIS,
 * or a db / trie error. */
DURE_WUR int blockchain_init(store *s, const genesis *g, h256 *hash);

/* Opens the chain held by s (initialised with blockchain_init) under
 * engine e (borrowed). opts may be NULL. Returns DURE_OK, DURE_ENOTFOUND
 * (no genesis), DURE_EDB_CORRUPT, DURE_ENOMEM. */
DURE_WUR int blockchain_open(store *s, const engine *e,
                             const blockchain_opts *opts, blockchain **out);
void blockchain_free(blockchain *bc);

const chain_config *blockchain_config(const blockchain *bc);
store *blockchain_store(const blockchain *bc);
const engine *blockchain_engine(const blockchain *bc);
/* The analysed code the chain's executions share (chain/codecache.h),
 * also for calls over its state (eth_call). */
code_cache *blockchain_code_cache(const blockchain *bc);

/* What an import did. */
typedef struct import_result {
	h256 hash;               /* the block's */
	bool known;              /* it was already stored: nothing done */
	bool canonical;          /* it is now the head */
	uint64_t reorg_depth;    /* canonical blocks unwound for it */
	uint64_t gas_used;
	size_t bad_tx;           /* index of the invalid tx, else SIZE_MAX */
	/* Where the time went (dure_monotonic_ns), for import statistics:
	 * executing transactions, writing the state and computing its root
	 * (store_apply, and unwinding in a reorg), committing to disk. */
	uint64_t exec_ns, root_ns, commit_ns;
} import_result;

/* Imports b (see above). res may be NULL. Returns DURE_OK, or the rule it
 * broke (DURE_EBLOCK_*, a transaction's DURE_ETX_* / DURE_ETR_* code with
 * res->bad_tx set), or a db error; on any error nothing changed. */
DURE_WUR int blockchain_import(blockchain *bc, const block *b,
                               import_result *res);

/* blockchain_import with the senders of b's transactions recovered
 * beforehand (one per transaction, e.g. on a worker thread while the
 * previous block imported); NULL recovers them during execution. */
DURE_WUR int blockchain_import_recovered(blockchain *bc, const block *b,
                                         const address *senders,
                                         import_result *res);

/* Checks b, a child of the head, by every rule its import would apply,
 * executing it and comparing its roots, in a write transaction that is
 * then aborted: nothing is stored, and the head stays (a BFT validator's
 * check of a proposed block before it votes for it). res may be NULL.
 * Returns DURE_OK (also for a block already stored: res->known), or
 * DURE_EINVAL when b's parent is not the head, or what blockchain_import
 * would return. */
DURE_WUR int blockchain_check(blockchain *bc, const block *b,
                              import_result *res);

/* Makes the canonical block at `number` the head again: unwinds every
 * canonical block above it with its change set, as a reorg does, in one
 * write transaction (a dev node's evm_revert). The unwound blocks stay
 * stored as side blocks. Returns DURE_OK (also when number is the head),
 * DURE_ENOTFOUND (number above the head), DURE_EBLOCK_REORG_DEPTH (more
 * blocks than the reorg limit), or a db error; on error nothing changed. */
DURE_WUR int blockchain_rewind(blockchain *bc, uint64_t number);

/* Whether the block with this hash is stored (canonical or not). Returns
 * DURE_OK with *known set, or a db error. */
DURE_WUR int blockchain_known(blockchain *bc, const h256 *hash, bool *known);

/* The head block's header and hash. */
DURE_WUR int blockchain_head(blockchain *bc, header *h, h256 *hash);

/* How the head moved: the blocks that left the canonical chain and the
 * ones that joined it. */
typedef struct chain_route {
	h256 *removed;           /* owned: ancestor+1 .. old, oldest first */
	size_t nremoved;
	h256 *added;             /* owned: ancestor+1 .. new, oldest first */
	size_t nadded;
} chain_route;

/* The route from old to new, two stored blocks (the head's hash before
 * and after an import or a rewind), through their common ancestor:
 * removed holds old's side of it, added new's side, each a run of
 * consecutive numbers. A child of old has removed empty; a rewind to an
 * ancestor has added empty. Each side holds at most the reorg limit plus
 * one block (a reorg unwinds at most the limit, and its branch may be
 * one block longer). Reads headers only, so it works before or after
 * the head moved: the blocks that left stay stored as side blocks.
 * *out is freed with blockchain_route_free; on error it is empty.
 * Returns DURE_OK, DURE_ENOTFOUND (old or new is not stored),
 * DURE_EBLOCK_REORG_DEPTH (a side would be longer), DURE_ENOMEM, or a db
 * error. */
DURE_WUR int blockchain_route(blockchain *bc, const h256 *old,
                              const h256 *new, chain_route *out);

/* Frees r's lists and empties it. */
void blockchain_route_free(chain_route *r);

#endif
