/* The eth engine: peers, Status, serving, and gossip (eth/handler.h). */
#include "eth/handler.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consensus/pool_env.h"
#include "crypto/keccak.h"
#include "eth/internal.h"
#include "eth/serve.h"
#include "rlp/rlp.h"

/* Bounds of what a peer makes us hold. */
#define PEER_ANN_MAX 4096       /* hashes it announced, waiting for a fetch */
#define OUT_TXS_SOFT (100u << 10) /* a Transactions message we send (geth's
                                  * maxTxPacketSize) */
#define TXS_MSG_MAX 16384        /* transactions in one message we read */

/* ---- hash sets ---- */

static uint64_t hkey(const hset *s, const h256 *h)
{
	uint64_t k;
	memcpy(&k, h->b, 8);
	k ^= s->seed;
	k *= 0x9e3779b97f4a7c15ull;
	k ^= k >> 29;
	return k ? k : 1;
}

int hset_init(hset *s, uint64_t seed)
{
	memset(s, 0, sizeof *s);
	s->seed = seed;
	s->t[0] = calloc(HSET_SLOTS, sizeof *s->t[0]);
	s->t[1] = calloc(HSET_SLOTS, sizeof *s->t[1]);
	if (!s->t[0] || !s->t[1]) {
		hset_free(s);
		return DURE_ENOMEM;
	}
	return DURE_OK;
}

void hset_free(hset *s)
{
	free(s->t[0]);
	free(s->t[1]);
	memset(s, 0, sizeof *s);
}

static bool table_has(const uint64_t *t, uint64_t k)
{
	for (size_t i = k & (HSET_SLOTS - 1);; i = (i + 1) & (HSET_SLOTS - 1)) {
		if (t[i] == k)
			return true;
		if (!t[i])
			return false;
	}
}

bool hset_has(const hset *s, const h256 *h)
{
	uint64_t k = hkey(s, h);
	return table_has(s->t[0], k) || table_has(s->t[1], k);
}

void hset_add(hset *s, const h256 *h)
{
	uint64_t k = hkey(s, h);
	if (table_has(s->t[0], k))
		return;
	if (s->n >= HSET_SLOTS / 2) {
		uint64_t *old = s->t[1];
		memset(old, 0, HSET_SLOTS * sizeof *old);
		s->t[1] = s->t[0];
		s->t[0] = old;
		s->n = 0;
	}
	size_t i = k & (HSET_SLOTS - 1);
	while (s->t[0][i])
		i = (i + 1) & (HSET_SLOTS - 1);
	s->t[0][i] = k;
	s->n++;
}

/* ---- basics ---- */

uint64_t eth_now(const eth *e) { return dure_clock_now(e->clock); }

void eth_log(const eth *e, int level, const char *fmt, ...)
{
	if (level > e->cfg.verbosity)
		return;
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	static const char *const names[] = {"", "ERROR", "WARN", "INFO", "DEBUG"};
	fprintf(stderr, "%-5s eth: %s\n", names[level < 1 ? 1 : level > 4 ? 4 : level],
	        line);
}

void eth_send(eth *e, eth_peer *p, uint64_t code, const buf *b)
{
	if (p->gone)
		return;
	if (buf_failed(b)) {
		eth_log(e, 2, "out of memory encoding message %llu for %s",
		        (unsigned long long)code, p->name);
		return;
	}
	if (e->tr.send(e->tr.ctx, p->link, code, b->data, b->len))
		eth_log(e, 4, "send of message %llu to %s failed",
		        (unsigned long long)code, p->name);
}

void eth_drop(eth *e, eth_peer *p, bool ban, const char *why)
{
	if (p->gone)
		return;
	eth_log(e, 3, "dropping %s: %s%s", p->name, why, ban ? " (banned)" : "");
	e->tr.drop(e->tr.ctx, p->link, ban, why);
	/* The transport may or may not have called eth_peer_remove. */
	eth_peer_remove(e, p);
}

int eth_head(eth *e, header *h, h256 *hash, u256 *td)
{
	store *s = blockchain_store(e->bc);
	db_txn *t;
	int err = db_begin_read(store_db(s), &t);
	if (err)
		return err;
	err = store_head(s, t, hash);
	if (!err)
		err = store_header(s, t, hash, h);
	if (!err)
		err = store_td(s, t, hash, td);
	db_abort(t);
	return err;
}

static uint64_t rng_next(eth *e)
{
	uint64_t x = e->rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return e->rng = x;
}


/* How many peers of n get a thing whole: about sqrt(n), at least 1. */
static size_t push_count(size_t n)
{
	size_t k = 0;
	while ((k + 1) * (k + 1) <= n)
		k++;
	return k ? k : (n ? 1 : 0);
}

/* ---- lifecycle ---- */

int eth_new(blockchain *bc, txpool *pool, const eth_config *cfg,
            const eth_transport *tr, const eth_chain_ops *ops, eth **out)
{
	*out = NULL;
	eth *e = calloc(1, sizeof *e);
	if (!e)
		return DURE_ENOMEM;
	e->bc = bc;
	e->pool = pool;
	e->cfg = *cfg;
	e->clock = cfg->clock ? cfg->clock : dure_clock_system();
	e->tr = *tr;
	e->ops = *ops;
	e->rng = cfg->seed | 1;
	buf_init(&e->scratch);
	store *s = blockchain_store(bc);
	db_txn *t;
	int err = db_begin_read(store_db(s), &t);
	if (!err) {
		header g;
		err = store_genesis(s, t, &e->genesis);
		if (!err)
			err = store_header(s, t, &e->genesis, &g);
		if (!err)
			e->genesis_time = g.timestamp;
		db_abort(t);
	}
	if (!err)
		err = forkid_table_init(blockchain_config(bc), &e->genesis,
		                        e->genesis_time, &e->forks);
	if (!err)
		err = hset_init(&e->relayed, cfg->seed ^ 0x2);
	if (!err)
		err = sync_init(&e->sync);
	if (err) {
		eth_free(e);
		return err;
	}
	*out = e;
	return DURE_OK;
}

void eth_req_clear(eth_req *r)
{
	free(r->hashes);
	free(r->nums);
	memset(r, 0, sizeof *r);
}

static void peer_free(eth_peer *p)
{
	hset_free(&p->known_txs);
	hset_free(&p->known_blocks);
	free(p->ann);
	eth_req_clear(&p->hreq);
	eth_req_clear(&p->breq);
	eth_req_clear(&p->treq);
	buf_free(&p->out_txs);
	free(p->out_ann);
	free(p);
}

void eth_free(eth *e)
{
	if (!e)
		return;
	for (eth_peer *p = e->peers, *next; p; p = next) {
		next = p->next;
		peer_free(p);
	}
	hset_free(&e->relayed);
	sync_free(&e->sync);
	buf_free(&e->scratch);
	free(e);
}

static void send_status(eth *e, eth_peer *p)
{
	header h;
	h256 hash;
	u256 td;
	if (eth_head(e, &h, &hash, &td)) {
		eth_drop(e, p, false, "cannot read our head");
		return;
	}
	eth_status st = {
		.version = ETH_VERSION,
		.network_id = e->cfg.network_id,
		.td = td,
		.head = hash,
		.genesis = e->genesis,
	};
	forkid_at(&e->forks, h.number, h.timestamp, &st.fork);
	buf b;
	buf_init(&b);
	if (eth_status_encode(&st, &b) == DURE_OK)
		eth_send(e, p, ETH_STATUS, &b);
	buf_free(&b);
}

eth_peer *eth_peer_add(eth *e, void *link, const uint8_t id[64],
                       const char *name)
{
	eth_peer *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->ann = calloc(PEER_ANN_MAX, sizeof *p->ann);
	if (!p->ann || hset_init(&p->known_txs, rng_next(e)) ||
	    hset_init(&p->known_blocks, rng_next(e))) {
		peer_free(p);
		return NULL;
	}
	p->e = e;
	p->link = link;
	memcpy(p->id, id, 64);
	snprintf(p->name, sizeof p->name, "%s", name);
	p->added_ms = eth_now(e);
	p->next_req_id = rng_next(e) >> 16;
	buf_init(&p->out_txs);
	peer_bucket_init(&p->ann_rate, ETH_ANN_RATE, ETH_ANN_BURST, p->added_ms);
	p->next = e->peers;
	e->peers = p;
	send_status(e, p);
	return p->gone ? NULL : p;
}

void eth_peer_remove(eth *e, eth_peer *p)
{
	if (p->gone)
		return;
	p->gone = true;
	if (p->ready)
		e->npeers_ready--;
	sync_peer_gone(e, p);
}

size_t eth_peer_count(const eth *e) { return e->npeers_ready; }

/* ---- flushing gossip ---- */

static void flush_peer(eth *e, eth_peer *p)
{
	if (p->out_ntxs) {
		buf b;
		buf_init(&b);
		size_t m = rlp_list_begin(&b);
		rlp_put_raw(&b, p->out_txs.data, p->out_txs.len);
		rlp_list_end(&b, m);
		eth_send(e, p, ETH_TRANSACTIONS, &b);
		buf_free(&b);
		buf_reset(&p->out_txs);
		p->out_ntxs = 0;
	}
	if (p->out_nann) {
		buf b;
		buf_init(&b);
		if (eth_tx_anns_encode(p->out_ann, p->out_nann, &b) == DURE_OK)
			eth_send(e, p, ETH_NEW_POOLED_TX_HASHES, &b);
		buf_free(&b);
		p->out_nann = 0;
	}
}

static void flush_all(eth *e)
{
	for (eth_peer *p = e->peers; p; p = p->next)
		if (eth_live(p))
			flush_peer(e, p);
}

void eth_flush(eth *e) { flush_all(e); }

/* ---- transactions ---- */

static void queue_tx_full(eth *e, eth_peer *p, const txpool_entry *t)
{
	eth_put_tx(&p->out_txs, t->raw, t->raw_len);
	p->out_ntxs++;
	if (p->out_txs.len >= OUT_TXS_SOFT)
		flush_peer(e, p);
}

static void queue_tx_ann(eth *e, eth_peer *p, const txpool_entry *t)
{
	if (p->out_nann == p->out_cap) {
		size_t nc = p->out_cap ? p->out_cap * 2 : 64;
		if (nc > ETH_MAX_ANNOUNCE) {
			flush_peer(e, p);
			nc = p->out_cap;
		}
		if (nc != p->out_cap) {
			eth_tx_ann *g = realloc(p->out_ann, nc * sizeof *g);
			if (!g)
				return;
			p->out_ann = g;
			p->out_cap = nc;
		}
	}
	eth_tx_ann *a = &p->out_ann[p->out_nann++];
	a->type = (uint8_t)t->tx.type;
	a->size = (uint32_t)t->raw_len;
	a->hash = t->hash;
}

void eth_tx_pending(eth *e, const txpool_entry *t)
{
	size_t n = 0;
	for (eth_peer *p = e->peers; p; p = p->next)
		if (eth_live(p) && !hset_has(&p->known_txs, &t->hash))
			n++;
	if (!n)
		return;
	/* Blob transactions are only announced (eth/68). */
	size_t full = t->tx.type == TX_BLOB ? 0 : push_count(e->npeers_ready);
	size_t start = (size_t)(rng_next(e) % n), i = 0;
	for (eth_peer *p = e->peers; p; p = p->next) {
		if (!eth_live(p) || hset_has(&p->known_txs, &t->hash))
			continue;
		hset_add(&p->known_txs, &t->hash);
		size_t pos = (i++ + n - start) % n;
		if (pos < full)
			queue_tx_full(e, p, t);
		else
			queue_tx_ann(e, p, t);
	}
}

/* The pool's view of the head, for adding transactions from peers. */
typedef struct head_env {
	db_txn *t;
	store_view v;
	state_backend be;
	txpool_env env;
} head_env;

static int head_env_open(eth *e, head_env *he)
{
	store *s = blockchain_store(e->bc);
	memset(he, 0, sizeof *he);
	int err = db_begin_read(store_db(s), &he->t);
	if (err)
		return err;
	h256 hash;
	header h;
	err = store_head(s, he->t, &hash);
	if (!err)
		err = store_header(s, he->t, &hash, &h);
	he->v = (store_view){s, he->t};
	store_view_backend(&he->v, &he->be);
	if (!err)
		err = blockchain_pool_env(e->bc, &h, &he->be, &he->env);
	if (err) {
		db_abort(he->t);
		he->t = NULL;
	}
	return err;
}

static void head_env_close(head_env *he)
{
	if (he->t)
		db_abort(he->t);
	he->t = NULL;
}

/* A transaction that does not decode or whose signature does not
 * recover: only a broken or hostile peer sends that. The pool's other
 * refusals (underpriced, nonce too low, another chain) are ordinary
 * disagreements between pools. */
static bool breaks_protocol(int err)
{
	return (err >= DURE_ERLP_TRUNCATED && err <= DURE_ERLP_END) ||
	       err == DURE_ETX_TYPE || err == DURE_ETX_FORMAT ||
	       err == DURE_ETX_TO_SIZE || err == DURE_ETX_V ||
	       err == DURE_ETX_SIG_RANGE || err == DURE_ESIG;
}

/* Adds transactions a peer sent (Transactions, PooledTransactions). A
 * transaction that does not decode breaks the protocol; one the pool
 * refuses (underpriced, nonce too low, ...) is ordinary. */
static void add_peer_txs(eth *e, eth_peer *p, const eth_slice *txs, size_t n)
{
	if (!e->pool || !n)
		return;
	head_env he;
	if (head_env_open(e, &he))
		return;
	for (size_t i = 0; i < n && !p->gone; i++) {
		h256 hash;
		keccak256(txs[i].p, txs[i].n, hash.b);
		hset_add(&p->known_txs, &hash);
		if (txpool_get(e->pool, &hash))
			continue;
		txpool_result r;
		int err = txpool_add_raw(e->pool, &he.env, txs[i].p, txs[i].n, &r);
		if (err == DURE_ENOMEM)
			break;
		if (breaks_protocol(err)) {
			char why[96];
			snprintf(why, sizeof why, "invalid transaction: %s",
			         dure_strerror(err));
			head_env_close(&he);
			eth_drop(e, p, true, why);
			return;
		}
	}
	head_env_close(&he);
}

/* A list of at most max transactions from p (Transactions, the list of
 * PooledTransactions): decoded and added, or p dropped. */
static void take_txs(eth *e, eth_peer *p, const uint8_t *d, size_t n,
                     size_t max)
{
	eth_slice *txs = max ? malloc(max * sizeof *txs) : NULL;
	size_t count = 0;
	if (max && !txs)
		return;
	int err = eth_txs_decode(d, n, txs, max, &count);
	if (err)
		eth_drop(e, p, true, dure_strerror(err));
	else
		add_peer_txs(e, p, txs, count);
	free(txs);
}

static void on_transactions(eth *e, eth_peer *p, const uint8_t *d, size_t n)
{
	take_txs(e, p, d, n, TXS_MSG_MAX);
}

static void on_tx_anns(eth *e, eth_peer *p, const uint8_t *d, size_t n)
{
	eth_tx_ann *a = malloc(ETH_MAX_ANNOUNCE * sizeof *a);
	size_t count = 0;
	if (!a)
		return;
	int err = eth_tx_anns_decode(d, n, a, ETH_MAX_ANNOUNCE, &count);
	if (err) {
		free(a);
		eth_drop(e, p, true, dure_strerror(err));
		return;
	}
	uint64_t now = eth_now(e);
	for (size_t i = 0; i < count; i++) {
		if (!peer_bucket_take(&p->ann_rate, now)) {
			free(a);
			eth_drop(e, p, true, "flood of transaction announcements");
			return;
		}
		hset_add(&p->known_txs, &a[i].hash);
		if ((e->pool && txpool_get(e->pool, &a[i].hash)) ||
		    p->ann_n == PEER_ANN_MAX)
			continue;
		p->ann[(p->ann_head + p->ann_n++) % PEER_ANN_MAX] = a[i].hash;
	}
	free(a);
}

/* Whether some live peer is being asked for h now. */
static bool tx_in_flight(const eth *e, const h256 *h)
{
	for (const eth_peer *q = e->peers; q; q = q->next) {
		if (!eth_live(q) || q->treq.kind != REQ_POOLED_TXS)
			continue;
		for (size_t i = 0; i < q->treq.nhashes; i++)
			if (h256_eq(&q->treq.hashes[i], h))
				return true;
	}
	return false;
}

/* Asks p for announced transactions no other peer is being asked for;
 * those another peer is asked for go back to the end of p's queue, so
 * that p is asked should that request fail. */
static void fetch_txs(eth *e, eth_peer *p)
{
	if (!e->pool || p->treq.kind != REQ_NONE || !p->ann_n)
		return;
	h256 *want = malloc(POOLED_PER_REQ * sizeof *want);
	if (!want)
		return;
	size_t n = 0;
	for (size_t left = p->ann_n; left && n < POOLED_PER_REQ; left--) {
		h256 h = p->ann[p->ann_head];
		p->ann_head = (p->ann_head + 1) % PEER_ANN_MAX;
		p->ann_n--;
		if (txpool_get(e->pool, &h))
			continue;
		if (tx_in_flight(e, &h)) {
			p->ann[(p->ann_head + p->ann_n++) % PEER_ANN_MAX] = h;
			continue;
		}
		want[n++] = h;
	}
	if (!n) {
		free(want);
		return;
	}
	buf b;
	buf_init(&b);
	uint64_t id = p->next_req_id++;
	if (eth_hashes_req_encode(id, want, n, &b) == DURE_OK) {
		p->treq = (eth_req){.kind = REQ_POOLED_TXS, .id = id,
		                    .sent_ms = eth_now(e), .hashes = want,
		                    .nhashes = n};
		want = NULL;
		eth_send(e, p, ETH_GET_POOLED_TXS, &b);
	}
	buf_free(&b);
	free(want);
}

static void on_pooled_txs(eth *e, eth_peer *p, const uint8_t *d, size_t n)
{
	uint64_t id;
	const uint8_t *body;
	size_t blen;
	int err = eth_request_split(d, n, &id, &body, &blen);
	if (err) {
		eth_drop(e, p, true, dure_strerror(err));
		return;
	}
	if (p->treq.kind != REQ_POOLED_TXS || p->treq.id != id)
		return; /* late, after a timeout: harmless */
	size_t max = p->treq.nhashes;
	eth_req_clear(&p->treq);
	take_txs(e, p, body, blen, max);
}

static void serve_pooled(eth *e, eth_peer *p, const uint8_t *d, size_t n)
{
	h256 *hashes = malloc(ETH_MAX_POOLED_TX_SERVE * sizeof *hashes);
	if (!hashes)
		return;
	uint64_t id;
	size_t count = 0;
	int err = eth_hashes_req_decode(d, n, &id, hashes,
	                                ETH_MAX_POOLED_TX_SERVE, &count);
	if (err) {
		free(hashes);
		eth_drop(e, p, true, dure_strerror(err));
		return;
	}
	buf b;
	buf_init(&b);
	size_t inner;
	size_t outer = eth_response_begin(&b, id, &inner);
	for (size_t i = 0; i < count && b.len < ETH_SOFT_RESPONSE_LIMIT; i++) {
		const txpool_entry *t = e->pool ? txpool_get(e->pool, &hashes[i])
		                                : NULL;
		if (t) {
			eth_put_tx(&b, t->raw, t->raw_len);
			hset_add(&p->known_txs, &t->hash);
		}
	}
	eth_response_end(&b, outer, inner);
	eth_send(e, p, ETH_POOLED_TXS, &b);
	buf_free(&b);
	free(hashes);
}

/* ---- blocks ---- */

static void send_new_block(eth *e, eth_peer *p, const block *b,
                           const h256 *hash, const u256 *td)
{
	buf m;
	buf_init(&m);
	if (eth_new_block_encode(b, td, &m) == DURE_OK)
		eth_send(e, p, ETH_NEW_BLOCK, &m);
	buf_free(&m);
	hset_add(&p->known_blocks, hash);
}

static void send_block_hash(eth *e, eth_peer *p, const block *b,
                            const h256 *hash)
{
	eth_block_ann a = {.hash = *hash, .number = b->h.number};
	buf m;
	buf_init(&m);
	if (eth_new_block_hashes_encode(&a, 1, &m) == DURE_OK)
		eth_send(e, p, ETH_NEW_BLOCK_HASHES, &m);
	buf_free(&m);
	hset_add(&p->known_blocks, hash);
}

/* Sends b whole to sqrt(n) of the peers that do not know it. */
static void push_block(eth *e, const block *b, const h256 *hash,
                       const u256 *td)
{
	size_t n = 0;
	for (eth_peer *p = e->peers; p; p = p->next)
		if (eth_live(p) && !hset_has(&p->known_blocks, hash))
			n++;
	size_t full = push_count(e->npeers_ready);
	if (!n)
		return;
	size_t start = (size_t)(rng_next(e) % n), i = 0;
	for (eth_peer *p = e->peers; p; p = p->next) {
		if (!eth_live(p) || hset_has(&p->known_blocks, hash))
			continue;
		if ((i++ + n - start) % n < full)
			send_new_block(e, p, b, hash, td);
	}
}

void eth_new_head(eth *e, const block *b, const h256 *hash, const u256 *td)
{
	/* Blocks the sync brings in are old news to the network. */
	if (e->sync.active && b->h.number + 1 < e->sync.highest)
		return;
	if (!hset_has(&e->relayed, hash)) {
		hset_add(&e->relayed, hash);
		push_block(e, b, hash, td);
	}
	for (eth_peer *p = e->peers; p; p = p->next)
		if (eth_live(p) && !hset_has(&p->known_blocks, hash))
			send_block_hash(e, p, b, hash);
	flush_all(e);
}

/* The engine's header rules for h against its stored parent, and the body
 * against the header; the total difficulty b would have to *td.
 * DURE_ENOTFOUND: the parent is unknown. */
static int check_block(eth *e, const block *b, u256 *td)
{
	store *s = blockchain_store(e->bc);
	db_txn *t;
	int err = db_begin_read(store_db(s), &t);
	if (err)
		return err;
	header parent;
	u256 ptd;
	err = store_header(s, t, &b->h.parent_hash, &parent);
	if (!err)
		err = store_td(s, t, &b->h.parent_hash, &ptd);
	db_abort(t);
	if (err)
		return err;
	const chain_config *c = blockchain_config(e->bc);
	const engine *en = blockchain_engine(e->bc);
	fork rev = chain_config_fork_td(c, b->h.number, b->h.timestamp, &ptd);
	if (b->h.number != parent.number + 1)
		return DURE_EBLOCK_NUMBER;
	err = en->verify_header(en->ctx, c, rev, &parent, &b->h);
	if (!err)
		err = eth_body_check(b);
	if (!err && u256_add_overflow(td, &ptd, &b->h.difficulty))
		err = DURE_EBLOCK_DIFFICULTY;
	return err;
}

static void on_new_block(eth *e, eth_peer *p, const uint8_t *d, size_t n)
{
	block b;
	u256 td;
	int err = eth_new_block_decode(d, n, &b, &td);
	if (err) {
		eth_drop(e, p, true, dure_strerror(err));
		return;
	}
	h256 hash;
	if (header_hash(&b.h, &hash)) {
		block_free(&b);
		return;
	}
	hset_add(&p->known_blocks, &hash);
	if (u256_lt(&p->td, &td)) {
		p->td = td;
		p->head = hash;
		p->head_number = b.h.number;
	}
	bool known = false;
	if (blockchain_known(e->bc, &hash, &known) || known) {
		block_free(&b);
		return;
	}
	u256 btd;
	err = check_block(e, &b, &btd);
	if (err == DURE_ENOTFOUND) {
		block_free(&b);
		sync_consider(e, p);
		return;
	}
	if (err) {
		char why[96];
		snprintf(why, sizeof why, "invalid block #%llu: %s",
		         (unsigned long long)b.h.number, dure_strerror(err));
		block_free(&b);
		eth_drop(e, p, true, why);
		return;
	}
	/* A block that would not be our head is not stored: unexecuted, its
	 * state could not be vouched for, and side blocks cost an attacker
	 * only the seal. Should its branch outgrow ours, the sync fetches it
	 * again from the peer that has it. */
	header head;
	h256 head_hash;
	u256 head_td;
	const engine *en = blockchain_engine(e->bc);
	if (eth_head(e, &head, &head_hash, &head_td) ||
	    !en->prefer(en->ctx, &head, &head_td, &b.h, &btd)) {
		block_free(&b);
		return;
	}
	/* Header and seal hold; the import checks the rest, and only a block
	 * that passed all of it goes on (eth_new_head, from the import), so a
	 * peer that sends an invalid block is never an honest relay. */
	import_result r;
	err = e->ops.import(e->ops.ctx, &b, &r);
	if (err && !p->gone) {
		char why[96];
		snprintf(why, sizeof why, "block #%llu does not import: %s",
		         (unsigned long long)b.h.number, dure_strerror(err));
		eth_drop(e, p, true, why);
	}
	block_free(&b);
}

static void on_block_hashes(eth *e, eth_peer *p, const uint8_t *d, size_t n)
{
	eth_block_ann a[64];
	size_t count = 0;
	int err = eth_new_block_hashes_decode(d, n, a, 64, &count);
	if (err) {
		eth_drop(e, p, true, dure_strerror(err));
		return;
	}
	uint64_t now = eth_now(e);
	bool behind = false;
	header h;
	h256 hh;
	u256 td;
	if (eth_head(e, &h, &hh, &td))
		return;
	for (size_t i = 0; i < count; i++) {
		if (!peer_bucket_take(&p->ann_rate, now)) {
			eth_drop(e, p, true, "flood of block announcements");
			return;
		}
		hset_add(&p->known_blocks, &a[i].hash);
		bool known = false;
		if (blockchain_known(e->bc, &a[i].hash, &known) == DURE_OK && !known &&
		    a[i].number > h.number) {
			behind = true;
			if (a[i].number > p->head_number) {
				p->head_number = a[i].number;
				p->head = a[i].hash;
			}
		}
	}
	if (behind)
		sync_consider(e, p);
}

/* ---- serving ---- */

static void serve(eth *e, eth_peer *p, uint64_t code, const uint8_t *d,
                  size_t n)
{
	store *s = blockchain_store(e->bc);
	buf b;
	buf_init(&b);
	int err = DURE_OK;
	uint64_t reply = 0;
	h256 *hashes = NULL;
	db_txn *t = NULL;
	if (code == ETH_GET_BLOCK_HEADERS) {
		eth_get_headers q;
		err = eth_get_headers_decode(d, n, &q);
		if (!err && !(err = db_begin_read(store_db(s), &t)))
			err = eth_serve_headers(s, t, &q, &b);
		reply = ETH_BLOCK_HEADERS;
	} else {
		size_t max = code == ETH_GET_BLOCK_BODIES ? ETH_MAX_BODIES_SERVE
		                                           : ETH_MAX_RECEIPTS_SERVE;
		hashes = malloc(max * sizeof *hashes);
		uint64_t id;
		size_t count = 0;
		err = hashes ? eth_hashes_req_decode(d, n, &id, hashes, max, &count)
		             : DURE_ENOMEM;
		if (!err && !(err = db_begin_read(store_db(s), &t)))
			err = code == ETH_GET_BLOCK_BODIES
			    ? eth_serve_bodies(s, t, id, hashes, count, &b)
			    : eth_serve_receipts(s, t, id, hashes, count, &b);
		reply = code == ETH_GET_BLOCK_BODIES ? ETH_BLOCK_BODIES
		                                     : ETH_RECEIPTS;
	}
	if (t)
		db_abort(t);
	free(hashes);
	if (err == DURE_EETH_MSG || err == DURE_EETH_TOO_MANY)
		eth_drop(e, p, true, dure_strerror(err));
	else if (!err)
		eth_send(e, p, reply, &b);
	else
		eth_log(e, 2, "serving %s: %s", p->name, dure_strerror(err));
	buf_free(&b);
}

/* ---- responses to our requests ---- */

static void on_response(eth *e, eth_peer *p, uint64_t code, const uint8_t *d,
                        size_t n)
{
	eth_req *r = code == ETH_BLOCK_HEADERS ? &p->hreq : &p->breq;
	size_t max = code == ETH_BLOCK_HEADERS ? SYNC_HEADERS_PER_REQ + 1
	                                       : SYNC_BODIES_PER_REQ;
	uint64_t id;
	const uint8_t *body;
	size_t blen;
	int err = eth_request_split(d, n, &id, &body, &blen);
	if (err) {
		eth_drop(e, p, true, dure_strerror(err));
		return;
	}
	if (r->kind == REQ_NONE || r->id != id)
		return; /* late, after a timeout */
	eth_slice *items = malloc(max * sizeof *items);
	size_t count = 0;
	if (!items)
		return;
	err = eth_response_decode(d, n, &id, items, max, &count);
	if (err) {
		free(items);
		eth_drop(e, p, true, dure_strerror(err));
		return;
	}
	if (code == ETH_BLOCK_HEADERS)
		sync_on_headers(e, p, items, count);
	else
		sync_on_bodies(e, p, items, count);
	free(items);
}

/* ---- dispatch ---- */

/* A new peer hears of every pending transaction, as geth tells it: a
 * node that was away would otherwise hold later transactions of a sender
 * queued behind the ones it missed. */
static int announce_pooled(void *ctx, const txpool_entry *t)
{
	eth_peer *p = ctx;
	if (!hset_has(&p->known_txs, &t->hash)) {
		hset_add(&p->known_txs, &t->hash);
		queue_tx_ann(p->e, p, t);
	}
	return 0;
}

static void on_status(eth *e, eth_peer *p, const uint8_t *d, size_t n)
{
	eth_status st;
	int err = eth_status_decode(d, n, &st);
	header h;
	h256 hash;
	u256 td;
	if (!err && st.version != ETH_VERSION)
		err = DURE_EETH_VERSION;
	if (!err && st.network_id != e->cfg.network_id)
		err = DURE_EETH_NETWORK;
	if (!err && !h256_eq(&st.genesis, &e->genesis))
		err = DURE_EETH_GENESIS;
	if (!err && !(err = eth_head(e, &h, &hash, &td)))
		err = forkid_check(&e->forks, h.number, h.timestamp, &st.fork);
	if (err) {
		eth_drop(e, p, err == DURE_EETH_MSG, dure_strerror(err));
		return;
	}
	p->ready = true;
	e->npeers_ready++;
	p->td = st.td;
	p->head = st.head;
	hset_add(&p->known_blocks, &st.head);
	if (e->pool && txpool_foreach_pending(e->pool, announce_pooled, p))
		eth_log(e, 2, "out of memory announcing the pool to %s", p->name);
	sync_consider(e, p);
}

void eth_peer_msg(eth *e, eth_peer *p, uint64_t code, const uint8_t *d,
                  size_t n)
{
	if (p->gone)
		return;
	if (n > ETH_MAX_MSG_SIZE) {
		eth_drop(e, p, true, "oversized message");
		return;
	}
	if (!p->ready) {
		if (code == ETH_STATUS)
			on_status(e, p, d, n);
		else
			eth_drop(e, p, true, "message before Status");
		flush_all(e);
		return;
	}
	switch (code) {
	case ETH_STATUS:
		eth_drop(e, p, true, "second Status");
		break;
	case ETH_NEW_BLOCK_HASHES:
		on_block_hashes(e, p, d, n);
		break;
	case ETH_TRANSACTIONS:
		on_transactions(e, p, d, n);
		break;
	case ETH_GET_BLOCK_HEADERS:
	case ETH_GET_BLOCK_BODIES:
	case ETH_GET_RECEIPTS:
		serve(e, p, code, d, n);
		break;
	case ETH_BLOCK_HEADERS:
	case ETH_BLOCK_BODIES:
		on_response(e, p, code, d, n);
		break;
	case ETH_NEW_BLOCK:
		on_new_block(e, p, d, n);
		break;
	case ETH_NEW_POOLED_TX_HASHES:
		on_tx_anns(e, p, d, n);
		fetch_txs(e, p);
		break;
	case ETH_GET_POOLED_TXS:
		serve_pooled(e, p, d, n);
		break;
	case ETH_POOLED_TXS:
		on_pooled_txs(e, p, d, n);
		if (!p->gone)
			fetch_txs(e, p);
		break;
	case ETH_RECEIPTS:
		break; /* we never ask for receipts; an unasked answer is dropped */
	default:
		eth_drop(e, p, true, "unknown eth message");
		break;
	}
	flush_all(e);
}

/* ---- tick ---- */

void eth_tick(eth *e)
{
	uint64_t now = eth_now(e);
	for (eth_peer **pp = &e->peers; *pp;) {
		eth_peer *p = *pp;
		if (p->gone && e->sync.master != p) {
			*pp = p->next;
			peer_free(p);
			continue;
		}
		pp = &p->next;
		if (p->gone)
			continue;
		if (!p->ready) {
			if (now - p->added_ms > ETH_STATUS_MS)
				eth_drop(e, p, false, "no Status in time");
			continue;
		}
		if (p->treq.kind != REQ_NONE && now - p->treq.sent_ms > ETH_REQUEST_MS)
			eth_req_clear(&p->treq);
		if (p->hreq.kind != REQ_NONE && now - p->hreq.sent_ms > ETH_REQUEST_MS)
			sync_timeout(e, p, REQ_HEADERS);
		if (!p->gone && p->breq.kind != REQ_NONE &&
		    now - p->breq.sent_ms > ETH_REQUEST_MS)
			sync_timeout(e, p, REQ_BODIES);
		if (!p->gone)
			fetch_txs(e, p);
	}
	sync_tick(e);
	flush_all(e);
}
