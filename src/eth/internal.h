/* What the eth engine's files share: the engine and peer structs, the
 * bounded hash sets, and the calls between gossip (handler.c) and the
 * downloader (sync.c). Not a public API. */
#ifndef DURE_ETH_INTERNAL_H
#define DURE_ETH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "eth/forkid.h"
#include "eth/handler.h"
#include "eth/proto.h"
#include "net/peer.h"

/* A set of hashes that forgets the oldest half when full: two tables of
 * HSET_SLOTS 64-bit keys (a keyed digest of the hash; 0 is "empty"), the
 * newer taking inserts; when it holds HSET_SLOTS / 2 the older is
 * cleared and they swap. Membership is "in either". */
#define HSET_SLOTS 16384u
typedef struct hset {
	uint64_t *t[2];
	size_t n;        /* keys in t[0], the newer */
	uint64_t seed;
} hset;

DURE_WUR int hset_init(hset *s, uint64_t seed);
void hset_free(hset *s);
bool hset_has(const hset *s, const h256 *h);
void hset_add(hset *s, const h256 *h);

/* A request we sent and await. */
typedef enum req_kind {
	REQ_NONE,
	REQ_HEADERS,     /* the sync's ancestor probe or header batch */
	REQ_BODIES,
	REQ_POOLED_TXS,
} req_kind;

#define SYNC_BODIES_PER_REQ 128
#define POOLED_PER_REQ 256

typedef struct eth_req {
	req_kind kind;
	uint64_t id;
	uint64_t sent_ms;
	uint64_t amount;       /* REQ_HEADERS: how many asked for */
	uint64_t *nums;        /* REQ_BODIES: numbers of the blocks (owned) */
	h256 *hashes;          /* REQ_POOLED_TXS: asked for (owned) */
	size_t nhashes;        /* of nums or hashes */
} eth_req;

struct eth_peer {
	eth *e;
	eth_peer *next;
	void *link;
	uint8_t id[64];
	char name[64];
	bool gone;             /* removed; freed at the next tick */
	bool ready;            /* its Status was good */
	uint64_t added_ms;
	u256 td;               /* its head's, as it last told us */
	h256 head;
	uint64_t head_number;  /* 0 until an announcement names one */
	hset known_txs, known_blocks;
	/* Announced transactions to fetch (ring, oldest first). */
	h256 *ann;
	size_t ann_head, ann_n;
	peer_bucket ann_rate;
	eth_req hreq, breq, treq; /* one of each kind in flight */
	uint64_t next_req_id;
	uint64_t bodies_given; /* bodies it delivered to the sync */
	uint64_t body_bar_ms;  /* not asked for bodies before this time */
	int strikes;           /* timeouts; too many and it is dropped */
	/* Outgoing transaction gossip, flushed after every event. */
	buf out_txs;           /* encoded items of a Transactions list */
	size_t out_ntxs;
	eth_tx_ann *out_ann;
	size_t out_nann, out_cap;
};

/* One block of the sync queue. */
typedef struct sync_slot {
	header h;
	h256 hash;
	bool have_body;
	bool asked;            /* in a body request now */
	u256 td;               /* the chain's total difficulty at this block */
	block b;               /* the whole block once have_body */
} sync_slot;

#define SYNC_QUEUE 2048
#define SYNC_HEADERS_PER_REQ 192
#define SYNC_ANCESTOR_SPAN 64

typedef struct eth_sync {
	bool active;
	bool probing;          /* looking for the common ancestor */
	eth_peer *master;      /* whose chain we follow */
	uint64_t probe_from;
	uint64_t probe_span;
	uint64_t next_number;  /* of the next header to ask for */
	h256 last_hash;        /* of the last header queued (or ancestor) */
	header last;
	u256 last_td;
	bool headers_done;     /* the master had no more */
	sync_slot *q;          /* SYNC_QUEUE slots, q_n used from q_head;
	                        * consecutive block numbers */
	size_t q_head, q_n;
	uint64_t start, highest; /* our head when it began; the best seen */
	uint64_t ancestor;     /* the common ancestor's number */
	uint64_t started_ms, last_log_ms, imported, gas;
} eth_sync;

struct eth {
	blockchain *bc;
	txpool *pool;
	eth_config cfg;
	const dure_clock *clock;
	eth_transport tr;
	eth_chain_ops ops;
	h256 genesis;
	uint64_t genesis_time;
	forkid_table forks;
	eth_peer *peers;
	size_t npeers_ready;
	hset relayed;           /* heads we pushed whole (once each) */
	eth_sync sync;
	uint64_t rng;
	buf scratch;
};

uint64_t eth_now(const eth *e);
/* Sends to a live peer; failures are the transport's to act on. */
void eth_send(eth *e, eth_peer *p, uint64_t code, const buf *b);
/* Drops a peer for misbehaviour (ban) or uselessness. */
void eth_drop(eth *e, eth_peer *p, bool ban, const char *why);
__attribute__((format(printf, 3, 4)))
void eth_log(const eth *e, int level, const char *fmt, ...);
/* The head's header, hash and total difficulty. */
DURE_WUR int eth_head(eth *e, header *h, h256 *hash, u256 *td);

void eth_req_clear(eth_req *r);
static inline bool eth_live(const eth_peer *p) { return !p->gone && p->ready; }

/* sync.c */
DURE_WUR int sync_init(eth_sync *s);
void sync_free(eth_sync *s);
/* Starts following p when it is ahead of us and no sync runs. */
void sync_consider(eth *e, eth_peer *p);
void sync_tick(eth *e);
void sync_on_headers(eth *e, eth_peer *p, const eth_slice *items,
                     size_t n);
void sync_on_bodies(eth *e, eth_peer *p, const eth_slice *items, size_t n);
void sync_peer_gone(eth *e, eth_peer *p);
/* A request of p's timed out. */
void sync_timeout(eth *e, eth_peer *p, req_kind kind);

#endif
