/* The BFT engine of a running node: the round state machine
 * (consensus/bft/machine.h) on the node's libuv loop, over its blockchain,
 * pool and peers.
 *
 * Heights. When the head is block h (by the machine's decision, a peer's
 * commit, or the sync), the machine starts height h + 1 once the block
 * time since then has passed (at once for a head that did not come from
 * the machine: the node is catching up) and the wall clock has left h's
 * timestamp's second, since a child's timestamp must be later. With
 * wait_txs a height starts only once the pool has a pending transaction
 * or a peer sends a message of that height.
 *
 * Proposing: the proposer builds the head's child from the pool
 * (blockchain_build_from_pool) with its address as coinbase, the
 * timestamp max(now, parent's + 1), and the head's commit as extra data
 * (consensus/bft/rules.h). Validating a proposed block: blockchain_check
 * (executes it on the head, stores nothing), and a timestamp at most
 * BFT_MAX_FUTURE_S ahead of the wall clock. Deciding: the block is
 * imported through the node's import (ops), the commit written to the
 * store as the tip commit (meta "bft.commit": rlp [height, hash,
 * commit]) and sent to every peer; a validator then syncs the database,
 * and only then prunes its WAL below the next height, so a crash at any
 * point leaves either the block durable or the WAL records that would
 * re-sign it.
 *
 * Import (bft_driver_import, what the eth engine and sync call): a block
 * becomes canonical only with a proof that the validators committed it:
 * a commit the node decided or received (verified), or the extra data of
 * a child. A child of the head without one is held (up to BFT_HELD_MAX
 * of them, the oldest forgotten first) until its commit or its child
 * arrives; a child whose extra data is a held block's commit proves that
 * block, which is imported then (so blocks that come in order, as the
 * sync delivers them, each prove the one before). So an uncommitted
 * block, however well formed, never becomes the head, and sync checks
 * commits instead of total difficulty.
 *
 * Peers speak the bft/1 capability (consensus/bft/wire.h): on connect
 * each side sends its Status, the commit of its head and every proposal
 * and vote of its current height; afterwards every message the machine
 * takes as new (DURE_OK) is relayed to every other peer, so gossip stops
 * at nodes that have seen it. A validator sends its own proposal and
 * votes of the current round again each time they have been out
 * BFT_REGOSSIP_MS, until the round or the height ends: a node that was not yet at that height dropped them, and
 * the rules wait for them (without, a few lost votes can hold a round at
 * a step that has no timeout). A peer whose message does not decode, or
 * whose signature or signer is wrong, is dropped and banned.
 *
 * Everything runs on the loop thread. */
#ifndef DURE_CONSENSUS_BFT_DRIVER_H
#define DURE_CONSENSUS_BFT_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "base/err.h"
#include "consensus/bft/machine.h"
#include "consensus/bft/rules.h"
#include "consensus/blockchain.h"
#include "txpool/txpool.h"

#define BFT_HELD_MAX 64
#define BFT_MAX_FUTURE_S 15
#define BFT_EVIDENCE_MAX 64
#define BFT_REGOSSIP_MS 1000
/* Default timeouts (CometBFT's): propose 3 s, prevote and precommit 1 s,
 * each 0.5 s longer a round. */
#define BFT_TIMEOUT_PROPOSE_MS 3000
#define BFT_TIMEOUT_VOTE_MS 1000
#define BFT_TIMEOUT_DELTA_MS 500

typedef struct bft_driver bft_driver;
typedef struct bft_peer bft_peer;

typedef struct bft_driver_config {
	const uint8_t *key;       /* validator key (32 bytes, copied), or NULL
	                           * to follow */
	const char *wal_path;     /* required with a key */
	uint64_t block_time_ms;   /* 0: 1000 */
	bool wait_txs;
	const bft_timeouts *timeouts; /* NULL: the defaults above */
	int verbosity;            /* 0 quiet, 2 warnings, 3 info, 4 debug */
} bft_driver_config;

/* How the driver reaches a peer (link is the node's handle for it). */
typedef struct bft_transport {
	/* Sends bft/1 message `code`. Returns 0 or an error. */
	int (*send)(void *ctx, void *link, uint64_t code, const uint8_t *p,
	            size_t n);
	/* Disconnects the peer (banning it when ban is set); the node then
	 * calls bft_driver_peer_remove, possibly before drop returns. */
	void (*drop)(void *ctx, void *link, bool ban, const char *why);
	void *ctx;
} bft_transport;

/* The node's import: blockchain_import and what follows a new head (the
 * pool, gossip, subscriptions, and bft_driver_on_head). */
typedef struct bft_chain_ops {
	int (*import)(void *ctx, const block *b, import_result *res);
	void *ctx;
} bft_chain_ops;

/* A recorded equivocation: validator `signer` (index `index` of the set
 * of `height`) signed both messages (wire forms, consensus/bft/vote.h). */
typedef struct bft_evidence {
	uint64_t height;
	uint32_t round;
	uint8_t step;             /* BFT_STEP_* */
	uint32_t index;
	address signer;
	uint64_t seen_ms;         /* wall clock */
	uint8_t a[160], b[160];
	size_t a_len, b_len;
} bft_evidence;

/* A driver over bc (whose engine is rules'), rules and pool (borrowed).
 * The structs are copied. Opens the WAL when a key is given, reads the
 * tip commit from the store. Returns DURE_OK, DURE_EINVAL (a key without
 * a WAL path, a bad key), DURE_ENOMEM, the WAL's or the store's error;
 * *out NULL on failure. */
DURE_WUR int bft_driver_new(uv_loop_t *loop, blockchain *bc,
                            bft_rules *rules, txpool *pool,
                            const bft_driver_config *cfg,
                            const bft_transport *tr,
                            const bft_chain_ops *ops, bft_driver **out);

/* Frees d, after bft_driver_stop and after the loop closed its handles.
 * NULL is a no-op. */
void bft_driver_free(bft_driver *d);

/* Starts the machine at the head's next height. Returns DURE_OK or the
 * machine's error (DURE_EIO: the WAL cannot be trusted). */
DURE_WUR int bft_driver_start(bft_driver *d);

/* Closes the timers (their close callbacks run on the loop). */
void bft_driver_stop(bft_driver *d);

/* The gated import above; returns as blockchain_import (res->canonical
 * false for a held block). */
DURE_WUR int bft_driver_import(bft_driver *d, const block *b,
                               import_result *res);

/* The head became b (hash): tells the peers its commit, moves the machine
 * on. The node's import calls it. */
void bft_driver_on_head(bft_driver *d, const block *b, const h256 *hash);

/* A transaction became pending (wakes a height waiting for one). */
void bft_driver_tx_pending(bft_driver *d);

/* A peer that shares bft/1 (name for logs, copied). Returns its state, or
 * NULL when out of memory. */
bft_peer *bft_driver_peer_add(bft_driver *d, void *link, const char *name);
/* A bft/1 message from p (data valid for the call). */
void bft_driver_peer_msg(bft_driver *d, bft_peer *p, uint64_t code,
                         const uint8_t *data, size_t n);
/* p is gone; the driver frees its state. */
void bft_driver_peer_remove(bft_driver *d, bft_peer *p);

/* What dure_bftStatus reports. */
typedef struct bft_driver_status {
	bft_status m;             /* the machine's */
	bool validator;
	address self;             /* when validator */
	bft_valset set;           /* of m.height */
	bool has_commit;
	bft_commit commit;        /* the head's, when known */
	bft_valset commit_set;    /* of the commit's height (its indices) */
	size_t peers;
} bft_driver_status;

void bft_driver_status_get(const bft_driver *d, bft_driver_status *out);

/* The recorded equivocations, oldest first (at most BFT_EVIDENCE_MAX; the
 * oldest are forgotten first). Valid until the driver next runs. */
const bft_evidence *bft_driver_evidence(const bft_driver *d, size_t *n);

#endif
