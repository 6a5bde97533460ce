/* The eth/68 protocol engine: the Status handshake, serving the chain and
 * the pool to peers, gossip of transactions and blocks, and the swarm
 * sync of a node that is behind. No sockets of its own: the node hands it
 * peers and their messages (from net/server.h's capability handler) and
 * gives it a transport to answer through, so two engines can be wired to
 * each other in memory by a test.
 *
 * Handshake: each side sends Status (version, network id, total
 * difficulty, head, genesis, EIP-2124 fork id) first; a peer whose Status
 * names another version, network, genesis or an incompatible fork is
 * dropped, so is one that sends anything else first, or nothing within
 * ETH_STATUS_MS.
 *
 * Transactions: a transaction that becomes pending in the pool (from a
 * client or a peer) goes whole to about sqrt(n) of the peers that do not
 * know it and as an announcement (NewPooledTransactionHashes, with type
 * and size) to the rest; announced transactions the pool lacks are
 * fetched with GetPooledTransactions, one request in flight per peer and
 * each hash asked of one peer at a time. A peer is sent a transaction or
 * its hash at most once (a bounded memory of what each peer knows).
 *
 * Blocks: a new head goes whole (NewBlock, with its total difficulty) to
 * about sqrt(n) peers and as NewBlockHashes to the rest. A NewBlock from a
 * peer whose parent we hold is checked first by the cheap rules (the
 * engine's: seal, difficulty, time; the body against the header), then
 * imported, and passed on only once the import accepted it. Relaying it
 * before the import would be faster by one execution per hop, but a block
 * with a valid seal and a wrong state root would then reach peers from
 * honest nodes, which could not be told from its maker: here a peer that
 * sends an invalid block made or chose it, and it is banned. A NewBlock
 * that would not become our head (no more total difficulty) is not
 * stored; when its branch outgrows ours, the sync fetches it.
 *
 * Sync: when a peer's total difficulty is above ours, the engine finds the
 * common ancestor with it, downloads headers from it in batches, each
 * checked by linkage and the engine's header rules as it arrives, and the
 * bodies of those headers from every peer at once: each peer has at most
 * one body request in flight, a request unanswered within ETH_REQUEST_MS
 * or answered in part goes to other peers, a body that does not match its
 * header gets the peer banned. Blocks are imported in order as their
 * bodies arrive, a bounded time per tick, so the node keeps serving.
 * Blocks with an empty body are not fetched. Receipts are not downloaded:
 * the node executes every block and checks its receipts root.
 *
 * Misbehaviour (malformed or oversized messages, more announced hashes
 * than ETH_ANN_RATE a second, invalid blocks or bodies) drops and bans
 * the peer.
 *
 * Everything runs on the loop thread. */
#ifndef DURE_ETH_HANDLER_H
#define DURE_ETH_HANDLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/clock.h"
#include "base/err.h"
#include "consensus/blockchain.h"
#include "txpool/txpool.h"

#define ETH_TICK_MS 50u        /* how often the node calls eth_tick */
#define ETH_STATUS_MS 5000u    /* for the peer's Status */
#define ETH_REQUEST_MS 5000u   /* for an answer to a request */
#define ETH_ANN_RATE 4096.0    /* announced hashes a second, per peer */
#define ETH_ANN_BURST 16384.0

typedef struct eth eth;
typedef struct eth_peer eth_peer;

/* How the engine reaches a peer (link is the node's handle for it). */
typedef struct eth_transport {
	/* Sends message `code` (eth-relative). Returns 0 or an error (the
	 * engine then treats the peer as gone once the node says so). */
	int (*send)(void *ctx, void *link, uint64_t code, const uint8_t *p,
	            size_t n);
	/* Disconnects the peer, banning it when ban is set; the node then
	 * calls eth_peer_remove (possibly before drop returns). */
	void (*drop)(void *ctx, void *link, bool ban, const char *why);
	void *ctx;
} eth_transport;

/* How the engine imports a block from a peer: the node's import, which
 * does blockchain_import and what follows a new head (the pool, the
 * miner, subscriptions, and eth_new_head). Returns as blockchain_import. */
typedef struct eth_chain_ops {
	int (*import)(void *ctx, const block *b, import_result *res);
	void *ctx;
} eth_chain_ops;

typedef struct eth_config {
	uint64_t network_id;
	const dure_clock *clock;  /* NULL: the system's */
	int verbosity;            /* 0 quiet, 2 warnings, 3 info, 4 debug */
	uint64_t seed;            /* keys the engine's hash sets (random) */
} eth_config;

/* Creates the engine over bc and pool (borrowed; pool may be NULL for a
 * node without one). The structs are copied. Returns DURE_OK,
 * DURE_ENOMEM, or a db error reading the genesis; *out NULL on failure. */
DURE_WUR int eth_new(blockchain *bc, txpool *pool, const eth_config *cfg,
                     const eth_transport *tr, const eth_chain_ops *ops,
                     eth **out);
/* Frees the engine and every peer state (after the node stopped calling
 * it). NULL is a no-op. */
void eth_free(eth *e);

/* A peer that shares eth/68: sends it our Status. name is for logs
 * (copied). Returns the peer's state, or NULL when out of memory. */
eth_peer *eth_peer_add(eth *e, void *link, const uint8_t id[64],
                       const char *name);
/* A message from p (code eth-relative, data valid for the call). */
void eth_peer_msg(eth *e, eth_peer *p, uint64_t code, const uint8_t *data,
                  size_t n);
/* p is gone; its state is freed by the engine (at once or at the next
 * tick), and the node must not use it again. */
void eth_peer_remove(eth *e, eth_peer *p);

/* Timeouts, sync steps, fetches; every ETH_TICK_MS. */
void eth_tick(eth *e);

/* b (hash, total difficulty td) became the head by a local import (mined,
 * or from a peer or the sync): gossips it to peers that do not know it. */
void eth_new_head(eth *e, const block *b, const h256 *hash, const u256 *td);

/* The pool's listener (txpool_set_listener): e became pending. The
 * gossip it makes is queued and goes out when the event that made it
 * ends (a peer's message, a tick) or at eth_flush. */
void eth_tx_pending(eth *e, const txpool_entry *t);

/* Sends the gossip queued outside a peer's message (a transaction from
 * the RPC): the node calls it on the loop's next turn. */
void eth_flush(eth *e);

/* What eth_syncing reports. */
typedef struct eth_sync_info {
	bool syncing;
	uint64_t start, current, highest;
} eth_sync_info;
void eth_sync_status(const eth *e, eth_sync_info *out);

/* Peers past the Status handshake. */
size_t eth_peer_count(const eth *e);

#endif
