/* The eth/68 engine (eth/handler.h) driven in memory: several engines, each
 * over its own LMDB store, blockchain and pool in a temporary directory,
 * wired to each other by a transport that queues every message (and keeps
 * it, for counting) and a pump that delivers the queue, then ticks every
 * engine, until nothing moves. Time is a fake clock that only the tests
 * advance. The chains run proof of work at difficulty 1 (every nonce
 * seals, total difficulty is the number of blocks + 1), and difficulty
 * 1000 where a seal must fail. Peers played by the test itself ("raw")
 * send hand-made messages.
 *
 *   status  peers after Status; another genesis, network or version is
 *           dropped without a ban; a message before Status, or a second
 *           Status, is banned; no Status within ETH_STATUS_MS is dropped,
 *           not one millisecond earlier
 *   sync    a fresh node with four peers of a 300-block chain reaches its
 *           head; bodies come from every peer, each non-empty body asked
 *           for once, no empty one asked for
 *   tamper  a body altered in flight bans its sender; the sync completes
 *           from the others, storing the real body
 *   timeout a body request swallowed in flight is given to other peers
 *           after ETH_REQUEST_MS + 1 ms, not at ETH_REQUEST_MS
 *   txs     a transaction reaches every pool of a mesh of five: 2 of the
 *           first node's 4 peers get it whole, 2 an announcement and fetch
 *           it; at most one delivery per link; a peer that connects later
 *           gets an announcement of the pool; a fetch that times out goes
 *           to another peer that announced the transaction
 *   blocks  a new head goes whole to 2 of 4 peers, as NewBlockHashes to 2,
 *           and becomes every peer's head; a bad seal or difficulty gets
 *           its sender banned and is not stored; a sibling of the head
 *           with equal total difficulty is not stored
 *   flood   ETH_ANN_BURST announced hashes pass, one more is banned; the
 *           bucket refills at ETH_ANN_RATE a second
 *   reorg   a lighter branch reorganises to a heavier one (eth_sync_status
 *           reporting the block reached on the way) and the transaction
 *           of its dropped blocks is pooled again
 *
 * Expected hashes are those blockchain_import returned on the chain the
 * blocks were made on; messages are read back with the proto.h decoders. */
/* nftw and its flags are X/Open. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/hex.h"
#include "chain/genesis.h"
#include "consensus/blockchain.h"
#include "consensus/builder.h"
#include "consensus/pool_env.h"
#include "consensus/pow.h"
#include "crypto/keccak.h"
#include "crypto/secp.h"
#include "db/db.h"
#include "eth/handler.h"
#include "eth/proto.h"
#include "rlp/rlp.h"
#include "store/store.h"
#include "test.h"
#include "txpool/txpool.h"

#define CHAIN_ID 1337
#define GENESIS_TS 0x1000
/* The pow engine's unix clock: far after every timestamp here. */
#define WALL_MS 1000000000000ull
#define GWEI 1000000000ull
#define NSWARM 300
#define MAX_NODES 16
#define MAX_CONNS 32
#define MAX_DROPS 32

static uint8_t keys[2][32];
static address addrs[2];
static dure_fake_clock clk;   /* the engines' monotonic clock */
static int verbosity;
static uint8_t next_id;

/* ---- nodes ---- */

typedef struct node {
	char dir[64];
	char name[8];
	uint8_t id[64];
	db *d;
	store *s;
	pow *pw;
	blockchain *bc;
	txpool *pool;
	eth *eth;
	uint64_t network_id;
	dure_fake_clock wall;
} node;

static int rm_entry(const char *p, const struct stat *sb, int flag,
                    struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(p);
}

static void name_node(node *n, const char *name)
{
	memset(n, 0, sizeof *n);
	snprintf(n->name, sizeof n->name, "%s", name);
	n->id[0] = ++next_id;
	n->network_id = CHAIN_ID;
}

/* A peer the test plays: no store, no engine. */
static void raw_open(node *n, const char *name) { name_node(n, name); }

/* Every fork through Cancun at genesis, proof of work with target 5 s and
 * floor `difficulty`, which the genesis has too (blocks 12 s apart then
 * stay at it); keys 1 and 2 funded, and with other_alloc one more
 * account, which makes another genesis. */
static bool node_open(node *n, const char *name, uint64_t difficulty,
                      bool other_alloc)
{
	name_node(n, name);
	strcpy(n->dir, "/tmp/dure-ethhandler-XXXXXX");
	if (!mkdtemp(n->dir))
		return false;
	json_t *alloc = json_object();
	for (int i = 0; i < 2; i++) {
		char a[41];
		hex_encode(addrs[i].b, 20, a);
		json_object_set_new(alloc, a, json_pack("{s:s}", "balance",
		                                        "0x3635c9adc5dea00000"));
	}
	static const char other[] = "00000000000000000000000000000000000000aa";
	if (other_alloc)
		json_object_set_new(alloc, other,
		                    json_pack("{s:s}", "balance", "0x1"));
	char diff[24];
	snprintf(diff, sizeof diff, "0x%llx", (unsigned long long)difficulty);
	json_t *j = json_pack(
	    "{s:{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,"
	    "s:{s:i,s:I,s:s}},s:o,s:s,s:s,s:s,s:i}",
	    "config", "chainId", CHAIN_ID, "homesteadBlock", 0, "eip150Block", 0,
	    "eip155Block", 0, "eip158Block", 0, "byzantiumBlock", 0,
	    "constantinopleBlock", 0, "petersburgBlock", 0, "istanbulBlock", 0,
	    "berlinBlock", 0, "londonBlock", 0, "mergeNetsplitBlock", 0,
	    "shanghaiTime", 0, "cancunTime", 0, "pow", "targetBlockTime", 5,
	    "minimumDifficulty", (json_int_t)difficulty, "blockReward",
	    "2000000000000000000", "alloc", alloc, "gasLimit", "0x1c9c380",
	    "difficulty", diff, "baseFeePerGas", "0x3b9aca00", "timestamp",
	    GENESIS_TS);
	genesis g = {0};
	h256 hash;
	dure_fake_clock_init(&n->wall, WALL_MS);
	txpool_config pc = {.hash_seed = 0x1234u + n->id[0]};
	bool ok = j &&
	          db_open(n->dir, &(db_options){.no_sync = true}, &n->d) == 0 &&
	          store_open(n->d, &n->s) == 0 &&
	          genesis_from_json(j, &g) == 0 && g.config.has_pow &&
	          blockchain_init(n->s, &g, &hash) == 0 &&
	          pow_new(&n->wall.clock, &n->pw) == 0 &&
	          blockchain_open(n->s, pow_engine(n->pw), NULL, &n->bc) == 0 &&
	          txpool_new(&pc, &n->pool) == 0;
	if (ok)
		pow_attach(n->pw, n->bc);
	genesis_free(&g);
	json_decref(j);
	return ok;
}

static void node_close(node *n)
{
	eth_free(n->eth);
	txpool_free(n->pool);
	blockchain_free(n->bc);
	pow_free(n->pw);
	store_free(n->s);
	db_close(n->d);
	if (n->dir[0])
		nftw(n->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	memset(n, 0, sizeof *n);
}

static h256 head_hash(node *n, uint64_t *number)
{
	header h;
	h256 hash;
	if (blockchain_head(n->bc, &h, &hash)) {
		memset(&hash, 0, sizeof hash);
		h.number = UINT64_MAX;
	}
	if (number)
		*number = h.number;
	return hash;
}

static bool known(node *n, const h256 *hash)
{
	bool k = false;
	return blockchain_known(n->bc, hash, &k) == DURE_OK && k;
}

static tx transfer(int key, uint64_t nonce, uint64_t value)
{
	tx t = {0};
	t.type = TX_DYNAMIC_FEE;
	t.has_chain_id = true;
	t.chain_id = CHAIN_ID;
	t.nonce = nonce;
	t.max_priority_fee = u256_from_u64(GWEI);
	t.max_fee = u256_from_u64(100 * GWEI);
	t.gas_limit = 21000;
	t.has_to = true;
	t.to = addrs[1 - key];
	t.value = u256_from_u64(value);
	if (tx_sign(&t, keys[key]) != DURE_OK)
		abort();
	return t;
}

/* A nonce that seals b at its difficulty (any at difficulty 1). */
static bool seal(block *b)
{
	pow_work w;
	uint64_t nonce;
	if (pow_work_init(&b->h, &w) || !pow_work_search(&w, 0, 1u << 24, &nonce))
		return false;
	pow_put_nonce(nonce, b->h.nonce);
	return pow_check_seal(&b->h) == DURE_OK;
}

/* Builds and seals a child of n's head, 12 s after it, with txs; salt
 * tells siblings apart (the coinbase). Not imported. */
static bool build(node *n, const tx *txs, size_t ntx, uint8_t salt,
                  block *out)
{
	header head;
	h256 hh;
	if (blockchain_head(n->bc, &head, &hh))
		return false;
	build_opts o = {0};
	o.coinbase.b[0] = 0xcb;
	o.coinbase.b[19] = salt;
	o.timestamp = head.timestamp + 12;
	if (blockchain_build(n->bc, &o, txs, ntx, out, NULL))
		return false;
	return seal(out);
}

/* build, then blockchain_import (no engine involved); the hash to *hash. */
static bool grow(node *n, const tx *txs, size_t ntx, uint8_t salt,
                 h256 *hash)
{
	block b = {0};
	import_result r;
	bool ok = build(n, txs, ntx, salt, &b) &&
	          blockchain_import(n->bc, &b, &r) == 0 && r.canonical;
	if (ok && hash)
		*hash = r.hash;
	block_free(&b);
	return ok;
}

/* Adds a transaction in its network form to n's pool, as a client would. */
static int pool_add(node *n, const uint8_t *raw, size_t len)
{
	db_txn *t;
	int err = db_begin_read(n->d, &t);
	if (err)
		return err;
	h256 hash;
	header h;
	err = store_head(n->s, t, &hash);
	if (!err)
		err = store_header(n->s, t, &hash, &h);
	store_view v = {n->s, t};
	state_backend be;
	store_view_backend(&v, &be);
	txpool_env env;
	txpool_result r;
	if (!err)
		err = blockchain_pool_env(n->bc, &h, &be, &env);
	if (!err)
		err = txpool_add_raw(n->pool, &env, raw, len, &r);
	db_abort(t);
	return err;
}

/* ---- the chain ops: what node/netchain.c does around an import ---- */

static void new_head(node *n, const h256 *old_head)
{
	if (blockchain_pool_sync(n->bc, n->pool, old_head))
		fprintf(stderr, "%s: pool update failed\n", n->name);
	db_txn *t;
	if (db_begin_read(n->d, &t))
		return;
	h256 hash;
	block b = {0};
	u256 td;
	int err = store_head(n->s, t, &hash);
	if (!err)
		err = store_block(n->s, t, &hash, &b);
	if (!err)
		err = store_td(n->s, t, &hash, &td);
	db_abort(t);
	if (!err)
		eth_new_head(n->eth, &b, &hash, &td);
	block_free(&b);
}

static int chain_import(void *ctx, const block *b, import_result *res)
{
	node *n = ctx;
	header h;
	h256 old;
	int err = blockchain_head(n->bc, &h, &old);
	if (!err)
		err = blockchain_import(n->bc, b, res);
	if (!err && !res->known && res->canonical)
		new_head(n, &old);
	return err;
}

static void on_pending(void *ctx, const txpool_entry *t)
{
	node *n = ctx;
	eth_tx_pending(n->eth, t);
}

/* ---- the in-memory network ---- */

typedef struct conn conn;

/* One side's handle of a connection: the link its engine knows. */
typedef struct end {
	conn *c;
	int side;
	eth_peer *ep;
} end;

struct conn {
	node *n[2];
	end e[2];
	bool up;
	uint32_t swallow[2];     /* bit k: messages k sent by side i are lost */
};

typedef struct msg {
	conn *c;
	int from;                /* the side that sent it */
	uint64_t code;
	uint8_t *p;
	size_t n;
	bool lost;               /* never delivered */
} msg;

typedef struct drop_rec {
	conn *c;
	int by;
	bool ban;
	char why[128];
} drop_rec;

typedef struct net net;
struct net {
	node *nodes[MAX_NODES];  /* those with an engine, ticked */
	size_t nnodes;
	conn *conns[MAX_CONNS];
	size_t nconns;
	msg *log;                /* every message sent; log[next..] queued */
	size_t nlog, cap, next;
	drop_rec drops[MAX_DROPS];
	size_t ndrops;
	/* Sees each message as it is sent and may rewrite it. */
	void (*tamper)(net *nt, msg *m);
	void *tamper_ctx;
};

static node *msg_from(const msg *m) { return m->c->n[m->from]; }
static node *msg_to(const msg *m) { return m->c->n[1 - m->from]; }

static void net_post(net *nt, conn *c, int from, uint64_t code,
                     const uint8_t *p, size_t n)
{
	if (nt->nlog == nt->cap) {
		size_t nc = nt->cap ? nt->cap * 2 : 1024;
		msg *g = realloc(nt->log, nc * sizeof *g);
		if (!g)
			abort();
		nt->log = g;
		nt->cap = nc;
	}
	msg m = {c, from, code, malloc(n ? n : 1), n, false};
	if (!m.p)
		abort();
	memcpy(m.p, p, n);
	m.lost = code < 32 && (c->swallow[from] >> code & 1);
	if (nt->tamper)
		nt->tamper(nt, &m);
	nt->log[nt->nlog++] = m;
}

static int tr_send(void *ctx, void *link, uint64_t code, const uint8_t *p,
                   size_t n)
{
	end *e = link;
	if (!e->c->up)
		return DURE_EINVAL;
	net_post(ctx, e->c, e->side, code, p, n);
	return DURE_OK;
}

static void tr_drop(void *ctx, void *link, bool ban, const char *why)
{
	net *nt = ctx;
	end *e = link;
	conn *c = e->c;
	if (!c->up)
		return;
	if (nt->ndrops < MAX_DROPS) {
		drop_rec *d = &nt->drops[nt->ndrops++];
		d->c = c;
		d->by = e->side;
		d->ban = ban;
		snprintf(d->why, sizeof d->why, "%s", why);
	}
	c->up = false;
	for (int s = 0; s < 2; s++)
		if (c->n[s]->eth && c->e[s].ep) {
			eth_peer *ep = c->e[s].ep;
			c->e[s].ep = NULL;
			eth_peer_remove(c->n[s]->eth, ep);
		}
}

static void net_init(net *nt) { memset(nt, 0, sizeof *nt); }

/* Gives n its engine on nt. */
static bool net_join(net *nt, node *n)
{
	eth_config cfg = {
		.network_id = n->network_id,
		.clock = &clk.clock,
		.verbosity = verbosity,
		.seed = 0x9e3779b9u * (uint64_t)n->id[0],
	};
	eth_transport tr = {.send = tr_send, .drop = tr_drop, .ctx = nt};
	eth_chain_ops ops = {.import = chain_import, .ctx = n};
	if (nt->nnodes == MAX_NODES ||
	    eth_new(n->bc, n->pool, &cfg, &tr, &ops, &n->eth))
		return false;
	txpool_set_listener(n->pool, on_pending, n);
	nt->nodes[nt->nnodes++] = n;
	return true;
}

/* Connects a and b: each engine gets the other as a peer (a first). */
static conn *net_connect(net *nt, node *a, node *b)
{
	conn *c = calloc(1, sizeof *c);
	if (!c || nt->nconns == MAX_CONNS)
		abort();
	nt->conns[nt->nconns++] = c;
	c->n[0] = a;
	c->n[1] = b;
	c->up = true;
	for (int s = 0; s < 2; s++) {
		c->e[s] = (end){.c = c, .side = s};
		node *me = c->n[s], *peer = c->n[1 - s];
		if (me->eth && c->up)
			c->e[s].ep = eth_peer_add(me->eth, &c->e[s], peer->id, peer->name);
	}
	return c;
}

/* Delivers the oldest queued message; false when none is queued. */
static bool deliver(net *nt)
{
	if (nt->next == nt->nlog)
		return false;
	msg m = nt->log[nt->next++];
	int to = 1 - m.from;
	node *dst = m.c->n[to];
	if (m.c->up && !m.lost && dst->eth && m.c->e[to].ep)
		eth_peer_msg(dst->eth, m.c->e[to].ep, m.code, m.p, m.n);
	return true;
}

/* Delivers and ticks until a round sends nothing and moves no head. */
static void pump(net *nt)
{
	for (int round = 0; round < 100000; round++) {
		size_t before = nt->nlog;
		h256 heads[MAX_NODES];
		for (size_t i = 0; i < nt->nnodes; i++)
			heads[i] = head_hash(nt->nodes[i], NULL);
		while (deliver(nt))
			;
		for (size_t i = 0; i < nt->nnodes; i++)
			eth_tick(nt->nodes[i]->eth);
		while (deliver(nt))
			;
		bool moved = nt->nlog != before;
		for (size_t i = 0; i < nt->nnodes; i++) {
			h256 h = head_hash(nt->nodes[i], NULL);
			moved |= !h256_eq(&h, &heads[i]);
		}
		if (!moved)
			return;
	}
	CHECK(!"the network did not settle");
}

/* Lets ms of fake time pass, a tick at a time. */
static void pass_time(net *nt, uint64_t ms)
{
	for (uint64_t t = 0; t < ms; t += ETH_TICK_MS) {
		clk.now += ETH_TICK_MS;
		pump(nt);
	}
}

static void net_free(net *nt)
{
	for (size_t i = 0; i < nt->nnodes; i++) {
		node *n = nt->nodes[i];
		txpool_set_listener(n->pool, NULL, NULL);
		eth_free(n->eth);
		n->eth = NULL;
	}
	for (size_t i = 0; i < nt->nconns; i++)
		free(nt->conns[i]);
	for (size_t i = 0; i < nt->nlog; i++)
		free(nt->log[i].p);
	free(nt->log);
	memset(nt, 0, sizeof *nt);
}

static size_t count_msgs(const net *nt, size_t from_index, const node *from,
                         const node *to, uint64_t code)
{
	size_t k = 0;
	for (size_t i = from_index; i < nt->nlog; i++) {
		const msg *m = &nt->log[i];
		k += m->code == code && (!from || msg_from(m) == from) &&
		     (!to || msg_to(m) == to);
	}
	return k;
}

static size_t drops_on(const net *nt, const conn *c, const drop_rec **last)
{
	size_t k = 0;
	for (size_t i = 0; i < nt->ndrops; i++)
		if (nt->drops[i].c == c) {
			k++;
			if (last)
				*last = &nt->drops[i];
		}
	return k;
}

/* Checks that c was dropped once, by the side holding node `by` (NULL:
 * either), with ban and a reason that starts with why. */
static void expect_drop(const net *nt, const conn *c, const node *by,
                        bool ban, const char *why)
{
	const drop_rec *d = NULL;
	CHECK_EQ_INT(drops_on(nt, c, &d), 1);
	if (!d)
		return;
	if (by)
		CHECK(c->n[d->by] == by);
	CHECK(d->ban == ban);
	bool ok = !strncmp(d->why, why, strlen(why));
	if (!ok)
		fprintf(stderr, "dropped for \"%s\", want \"%s\"\n", d->why, why);
	CHECK(ok);
}

/* The raw side of c answers the engine's Status with the same one (same
 * genesis, network and fork id); version, when not 0, replaces its own. */
static void echo_status(net *nt, conn *c, int raw_side, uint64_t version)
{
	for (size_t i = 0; i < nt->nlog; i++) {
		const msg *m = &nt->log[i];
		if (m->c != c || m->from != 1 - raw_side || m->code != ETH_STATUS)
			continue;
		eth_status st;
		CHECK_EQ_INT(eth_status_decode(m->p, m->n, &st), DURE_OK);
		if (version)
			st.version = version;
		buf b = BUF_INIT;
		CHECK_EQ_INT(eth_status_encode(&st, &b), DURE_OK);
		net_post(nt, c, raw_side, ETH_STATUS, b.data, b.len);
		buf_free(&b);
		return;
	}
	CHECK(!"no Status to answer");
}

/* ---- reading messages back ---- */

static bool slice_is(const eth_slice *s, const h256 *h)
{
	uint8_t d[32];
	keccak256(s->p, s->n, d);
	return memcmp(d, h->b, 32) == 0;
}

/* How many of m's transactions (Transactions, PooledTransactions) or
 * hashes (NewPooledTransactionHashes, GetPooledTransactions) are h. */
static size_t names_tx(const msg *m, const h256 *h)
{
	size_t k = 0, n = 0;
	if (m->code == ETH_TRANSACTIONS || m->code == ETH_POOLED_TXS) {
		const uint8_t *p = m->p;
		size_t len = m->n;
		uint64_t id;
		if (m->code == ETH_POOLED_TXS)
			CHECK_EQ_INT(eth_request_split(p, len, &id, &p, &len), 0);
		eth_slice txs[64];
		CHECK_EQ_INT(eth_txs_decode(p, len, txs, 64, &n), DURE_OK);
		for (size_t i = 0; i < n; i++)
			k += slice_is(&txs[i], h);
	} else if (m->code == ETH_NEW_POOLED_TX_HASHES) {
		eth_tx_ann a[64];
		CHECK_EQ_INT(eth_tx_anns_decode(m->p, m->n, a, 64, &n), DURE_OK);
		for (size_t i = 0; i < n; i++)
			k += h256_eq(&a[i].hash, h);
	} else if (m->code == ETH_GET_POOLED_TXS) {
		h256 hs[64];
		uint64_t id;
		CHECK_EQ_INT(eth_hashes_req_decode(m->p, m->n, &id, hs, 64, &n),
		             0);
		for (size_t i = 0; i < n; i++)
			k += h256_eq(&hs[i], h);
	}
	return k;
}

/* Messages of `code` from -> to naming transaction h. */
static size_t count_tx(const net *nt, size_t from_index, const node *from,
                       const node *to, uint64_t code, const h256 *h)
{
	size_t k = 0;
	for (size_t i = from_index; i < nt->nlog; i++) {
		const msg *m = &nt->log[i];
		if (m->code == code && (!from || msg_from(m) == from) &&
		    (!to || msg_to(m) == to))
			k += names_tx(m, h) > 0;
	}
	return k;
}

/* The hashes of a GetBlockBodies (at most max) to out; their number. */
static size_t body_req(const msg *m, h256 *out, size_t max)
{
	uint64_t id;
	size_t n = 0;
	CHECK_EQ_INT(eth_hashes_req_decode(m->p, m->n, &id, out, max, &n), 0);
	return n;
}

/* ---- the swarm: four nodes holding the same NSWARM blocks ---- */

static node swarm[4];
static h256 swarm_hash[NSWARM + 1];
static h256 swarm_txh[NSWARM + 1];   /* zero for a block without one */
static bool swarm_full[NSWARM + 1];  /* the block carries a transaction */
static size_t swarm_nfull;

/* Every third block carries a transfer from key 1; A's chain is imported
 * into B, C and D. */
static bool swarm_setup(void)
{
	static const char *const names[4] = {"A", "B", "C", "D"};
	for (int i = 0; i < 4; i++)
		if (!node_open(&swarm[i], names[i], 1, false))
			return false;
	swarm_hash[0] = head_hash(&swarm[0], NULL);
	uint64_t nonce = 0;
	for (int i = 1; i <= NSWARM; i++) {
		tx t = transfer(0, nonce, (uint64_t)i);
		bool full = i % 3 == 1;
		block b = {0};
		import_result r;
		bool ok = build(&swarm[0], &t, full, (uint8_t)i, &b) &&
		          blockchain_import(swarm[0].bc, &b, &r) == 0 && r.canonical;
		if (ok && full) {
			ok = tx_hash(&t, &swarm_txh[i]) == 0;
			nonce++;
			swarm_nfull++;
		}
		swarm_full[i] = full;
		swarm_hash[i] = r.hash;
		for (int k = 1; ok && k < 4; k++)
			ok = blockchain_import(swarm[k].bc, &b, NULL) == 0;
		tx_free(&t);
		block_free(&b);
		if (!ok)
			return false;
	}
	return true;
}

static int swarm_number(const h256 *h)
{
	for (int i = 0; i <= NSWARM; i++)
		if (h256_eq(&swarm_hash[i], h))
			return i;
	return -1;
}

/* A fresh node f joined to nt with the swarm, connected to each of it
 * (c[i] to swarm[i], f on side 0). */
static bool swarm_net(net *nt, node *f, conn *c[4])
{
	net_init(nt);
	if (!node_open(f, "F", 1, false) || !net_join(nt, f))
		return false;
	for (int i = 0; i < 4; i++)
		if (!net_join(nt, &swarm[i]))
			return false;
	for (int i = 0; i < 4; i++)
		c[i] = net_connect(nt, f, &swarm[i]);
	return true;
}

static void expect_synced(node *f)
{
	uint64_t num;
	h256 h = head_hash(f, &num);
	CHECK_EQ_INT(num, NSWARM);
	CHECK(h256_eq(&h, &swarm_hash[NSWARM]));
	eth_sync_info si;
	eth_sync_status(f->eth, &si);
	CHECK(!si.syncing);
}

/* ---- 1. Status ---- */

static void test_status(void)
{
	net nt;
	net_init(&nt);
	node a, b, g, w, r1, r2, r3, r4;
	CHECK(node_open(&a, "A", 1, false) && node_open(&b, "B", 1, false));
	CHECK(node_open(&g, "G", 1, true) && node_open(&w, "W", 1, false));
	w.network_id = CHAIN_ID + 1;
	raw_open(&r1, "R1");
	raw_open(&r2, "R2");
	raw_open(&r3, "R3");
	raw_open(&r4, "R4");
	CHECK(net_join(&nt, &a) && net_join(&nt, &b) && net_join(&nt, &g) &&
	      net_join(&nt, &w));
	h256 ga = head_hash(&a, NULL), gg = head_hash(&g, NULL);
	CHECK(!h256_eq(&ga, &gg));

	conn *ab = net_connect(&nt, &a, &b);
	pump(&nt);
	CHECK_EQ_INT(eth_peer_count(a.eth), 1);
	CHECK_EQ_INT(eth_peer_count(b.eth), 1);
	CHECK_EQ_INT(nt.ndrops, 0);
	/* What A said: version 68, network 1337, td 1, head = genesis. */
	CHECK_EQ_INT(count_msgs(&nt, 0, &a, &b, ETH_STATUS), 1);
	for (size_t i = 0; i < nt.nlog; i++)
		if (nt.log[i].c == ab && nt.log[i].code == ETH_STATUS &&
		    msg_from(&nt.log[i]) == &a) {
			eth_status st;
			const msg *m = &nt.log[i];
			CHECK_EQ_INT(eth_status_decode(m->p, m->n, &st), 0);
			CHECK_EQ_INT(st.version, 68);
			CHECK_EQ_INT(st.network_id, CHAIN_ID);
			CHECK(u256_eq(&st.td, &((u256){{1, 0, 0, 0}})));
			CHECK(h256_eq(&st.head, &ga) && h256_eq(&st.genesis, &ga));
		}

	/* Another genesis, another network: dropped, not banned. */
	conn *ag = net_connect(&nt, &a, &g);
	pump(&nt);
	expect_drop(&nt, ag, NULL, false, dure_strerror(DURE_EETH_GENESIS));
	conn *aw = net_connect(&nt, &a, &w);
	pump(&nt);
	expect_drop(&nt, aw, NULL, false, dure_strerror(DURE_EETH_NETWORK));
	CHECK_EQ_INT(eth_peer_count(a.eth), 1);
	CHECK_EQ_INT(eth_peer_count(g.eth), 0);
	CHECK_EQ_INT(eth_peer_count(w.eth), 0);

	/* Another version: dropped, not banned. */
	conn *a4 = net_connect(&nt, &a, &r4);
	echo_status(&nt, a4, 1, 67);
	pump(&nt);
	expect_drop(&nt, a4, &a, false, dure_strerror(DURE_EETH_VERSION));

	/* Anything before Status: banned. */
	conn *a1 = net_connect(&nt, &a, &r1);
	static const uint8_t empty_list[] = {0xc0};
	net_post(&nt, a1, 1, ETH_TRANSACTIONS, empty_list, 1);
	pump(&nt);
	expect_drop(&nt, a1, &a, true, "message before Status");

	/* A good Status makes a peer; a second one is banned. */
	conn *a3 = net_connect(&nt, &a, &r3);
	echo_status(&nt, a3, 1, 0);
	pump(&nt);
	CHECK_EQ_INT(drops_on(&nt, a3, NULL), 0);
	CHECK_EQ_INT(eth_peer_count(a.eth), 2);
	echo_status(&nt, a3, 1, 0);
	pump(&nt);
	expect_drop(&nt, a3, &a, true, "second Status");
	CHECK_EQ_INT(eth_peer_count(a.eth), 1);

	/* Silence: dropped (no ban) once ETH_STATUS_MS has passed. */
	conn *a2 = net_connect(&nt, &a, &r2);
	pump(&nt);
	clk.now += ETH_STATUS_MS;
	pump(&nt);
	CHECK_EQ_INT(drops_on(&nt, a2, NULL), 0);
	clk.now += 1;
	pump(&nt);
	expect_drop(&nt, a2, &a, false, "no Status in time");
	/* The peer that spoke stays. */
	CHECK_EQ_INT(drops_on(&nt, ab, NULL), 0);
	CHECK_EQ_INT(eth_peer_count(a.eth), 1);
	CHECK_EQ_INT(eth_peer_count(b.eth), 1);
	net_free(&nt);
	node_close(&a);
	node_close(&b);
	node_close(&g);
	node_close(&w);
}

/* ---- 2. sync ---- */

static void test_sync(void)
{
	net nt;
	node f;
	conn *c[4];
	CHECK(swarm_net(&nt, &f, c));
	pump(&nt);
	expect_synced(&f);
	eth_sync_info si;
	eth_sync_status(f.eth, &si);
	CHECK_EQ_INT(si.start, 0);
	CHECK_EQ_INT(si.current, NSWARM);
	CHECK_EQ_INT(si.highest, NSWARM);
	CHECK_EQ_INT(eth_peer_count(f.eth), 4);
	CHECK_EQ_INT(nt.ndrops, 0);

	/* Which bodies were asked of whom, and who delivered. */
	static int asked[NSWARM + 1];
	memset(asked, 0, sizeof asked);
	int strays = 0;
	size_t peers_asked = 0, peers_gave = 0;
	for (int i = 0; i < 4; i++) {
		size_t reqs = 0, gave = 0;
		for (size_t k = 0; k < nt.nlog; k++) {
			const msg *m = &nt.log[k];
			if (m->code == ETH_GET_BLOCK_BODIES && msg_from(m) == &f &&
			    msg_to(m) == &swarm[i]) {
				h256 hs[256];
				size_t n = body_req(m, hs, 256);
				reqs++;
				for (size_t j = 0; j < n; j++) {
					int num = swarm_number(&hs[j]);
					if (num > 0)
						asked[num]++;
					else
						strays++;
				}
			}
			if (m->code == ETH_BLOCK_BODIES && msg_from(m) == &swarm[i] &&
			    msg_to(m) == &f) {
				eth_slice items[256];
				uint64_t id;
				size_t n = 0;
				CHECK_EQ_INT(eth_response_decode(m->p, m->n, &id, items, 256,
				                                 &n), 0);
				gave += n > 0;
			}
		}
		peers_asked += reqs > 0;
		peers_gave += gave > 0;
	}
	CHECK(peers_asked >= 2);
	CHECK_EQ_INT(peers_gave, 4);
	CHECK_EQ_INT(strays, 0);
	/* Each non-empty body once, no empty one. */
	int wrong = 0;
	size_t total = 0;
	for (int i = 1; i <= NSWARM; i++) {
		wrong += asked[i] != (swarm_full[i] ? 1 : 0);
		total += (size_t)asked[i];
	}
	CHECK_EQ_INT(wrong, 0);
	CHECK_EQ_INT(total, swarm_nfull);
	CHECK_EQ_INT(swarm_nfull, NSWARM / 3);
	/* A block's body as F stored it. */
	db_txn *t;
	block b = {0};
	CHECK_EQ_INT(db_begin_read(f.d, &t), 0);
	CHECK_EQ_INT(store_block(f.s, t, &swarm_hash[NSWARM - 2], &b), 0);
	db_abort(t);
	h256 th;
	CHECK(b.ntxs == 1 && tx_hash(&b.txs[0], &th) == 0 &&
	      h256_eq(&th, &swarm_txh[NSWARM - 2]));
	block_free(&b);
	net_free(&nt);
	node_close(&f);
}

/* ---- 3. a body tampered with in flight ---- */

typedef struct tamper_ctx {
	node *f, *liar;
	bool done;
	size_t at;               /* log index of the tampered message */
	h256 hashes[256];        /* what the tampered answer was for */
	size_t nhashes;
} tamper_ctx;

/* Raises the value of the first transaction of the liar's first answer
 * to f (its signature kept: only the transactions root can tell). */
static void tamper_body(net *nt, msg *m)
{
	tamper_ctx *tc = nt->tamper_ctx;
	if (tc->done || m->code != ETH_BLOCK_BODIES || msg_from(m) != tc->liar ||
	    msg_to(m) != tc->f)
		return;
	const msg *req = NULL;
	for (size_t i = nt->nlog; i-- > 0;)
		if (nt->log[i].code == ETH_GET_BLOCK_BODIES &&
		    msg_from(&nt->log[i]) == tc->f &&
		    msg_to(&nt->log[i]) == tc->liar) {
			req = &nt->log[i];
			break;
		}
	if (!req)
		return;
	tc->nhashes = body_req(req, tc->hashes, 256);
	eth_slice items[256];
	uint64_t id;
	size_t n = 0;
	CHECK_EQ_INT(eth_response_decode(m->p, m->n, &id, items, 256, &n), 0);
	if (!n || n != tc->nhashes)
		return;
	db_txn *t;
	header h;
	block b;
	CHECK_EQ_INT(db_begin_read(tc->liar->d, &t), 0);
	CHECK_EQ_INT(store_header(tc->liar->s, t, &tc->hashes[0], &h), 0);
	db_abort(t);
	CHECK_EQ_INT(eth_body_decode(items[0].p, items[0].n, &h, &b), 0);
	CHECK(b.ntxs > 0);
	if (!b.ntxs) {
		block_free(&b);
		return;
	}
	b.txs[0].value.w[0] += 1;
	buf out = BUF_INIT;
	size_t inner;
	size_t outer = eth_response_begin(&out, id, &inner);
	CHECK_EQ_INT(eth_body_encode(&b, &out), 0);
	for (size_t i = 1; i < n; i++)
		rlp_put_raw(&out, items[i].p, items[i].n);
	eth_response_end(&out, outer, inner);
	block_free(&b);
	CHECK(!buf_failed(&out));
	free(m->p);
	m->p = buf_steal(&out, &m->n);
	tc->done = true;
	tc->at = nt->nlog;
}

static void test_tamper(void)
{
	net nt;
	node f;
	conn *c[4];
	CHECK(swarm_net(&nt, &f, c));
	tamper_ctx tc = {.f = &f, .liar = &swarm[3]};
	nt.tamper = tamper_body;
	nt.tamper_ctx = &tc;
	pump(&nt);
	CHECK(tc.done);
	expect_drop(&nt, c[3], &f, true, "bad block body");
	CHECK_EQ_INT(nt.ndrops, 1);
	expect_synced(&f);
	CHECK_EQ_INT(eth_peer_count(f.eth), 3);
	/* Every body of the tampered answer was asked of another peer
	 * afterwards, and F holds the real one. */
	int missing = 0;
	for (size_t j = 0; j < tc.nhashes; j++) {
		bool again = false;
		for (size_t k = tc.at; k < nt.nlog && !again; k++) {
			const msg *m = &nt.log[k];
			if (m->code != ETH_GET_BLOCK_BODIES || msg_from(m) != &f ||
			    msg_to(m) == tc.liar)
				continue;
			h256 hs[256];
			size_t n = body_req(m, hs, 256);
			for (size_t i = 0; i < n; i++)
				again |= h256_eq(&hs[i], &tc.hashes[j]);
		}
		missing += !again;
	}
	CHECK(tc.nhashes > 0);
	CHECK_EQ_INT(missing, 0);
	int num = tc.nhashes ? swarm_number(&tc.hashes[0]) : -1;
	CHECK(num > 0);
	db_txn *t;
	block b = {0};
	CHECK_EQ_INT(db_begin_read(f.d, &t), 0);
	CHECK_EQ_INT(store_block(f.s, t, &tc.hashes[0], &b), 0);
	db_abort(t);
	h256 th;
	CHECK(num > 0 && b.ntxs == 1 && tx_hash(&b.txs[0], &th) == 0 &&
	      h256_eq(&th, &swarm_txh[num]));
	block_free(&b);
	net_free(&nt);
	node_close(&f);
}

/* ---- 4. a body request left unanswered ---- */

static void test_timeout(void)
{
	net nt;
	node f;
	conn *c[4];
	CHECK(swarm_net(&nt, &f, c));
	node *slow = &swarm[3];
	c[3]->swallow[0] = 1u << ETH_GET_BLOCK_BODIES;
	pump(&nt);
	/* F waits for the lost request's first block. */
	h256 lost[256];
	size_t nlost = 0, nreq = 0;
	int first = NSWARM + 1;
	for (size_t k = 0; k < nt.nlog; k++) {
		const msg *m = &nt.log[k];
		if (m->code != ETH_GET_BLOCK_BODIES || msg_from(m) != &f ||
		    msg_to(m) != slow)
			continue;
		nreq++;
		CHECK(m->lost);
		nlost = body_req(m, lost, 256);
		for (size_t i = 0; i < nlost; i++) {
			int num = swarm_number(&lost[i]);
			if (num > 0 && num < first)
				first = num;
		}
	}
	CHECK_EQ_INT(nreq, 1);
	CHECK(nlost > 0);
	uint64_t num;
	head_hash(&f, &num);
	CHECK_EQ_INT(num, first - 1);
	eth_sync_info si;
	eth_sync_status(f.eth, &si);
	CHECK(si.syncing);

	/* At ETH_REQUEST_MS the request still stands; 1 ms later it goes to
	 * the others. */
	size_t asked = count_msgs(&nt, 0, &f, NULL, ETH_GET_BLOCK_BODIES);
	clk.now += ETH_REQUEST_MS;
	pump(&nt);
	CHECK_EQ_INT(count_msgs(&nt, 0, &f, NULL, ETH_GET_BLOCK_BODIES), asked);
	head_hash(&f, &num);
	CHECK_EQ_INT(num, first - 1);
	size_t mark = nt.nlog;
	clk.now += 1;
	pump(&nt);
	expect_synced(&f);
	int missing = 0;
	for (size_t j = 0; j < nlost; j++) {
		bool again = false;
		for (size_t k = mark; k < nt.nlog && !again; k++) {
			const msg *m = &nt.log[k];
			if (m->code != ETH_GET_BLOCK_BODIES || msg_from(m) != &f ||
			    msg_to(m) == slow)
				continue;
			h256 hs[256];
			size_t n = body_req(m, hs, 256);
			for (size_t i = 0; i < n; i++)
				again |= h256_eq(&hs[i], &lost[j]);
		}
		missing += !again;
	}
	CHECK_EQ_INT(missing, 0);
	/* One timeout is no reason to drop. */
	CHECK_EQ_INT(nt.ndrops, 0);
	CHECK_EQ_INT(eth_peer_count(f.eth), 4);
	net_free(&nt);
	node_close(&f);
}

/* ---- 5. transactions ---- */

/* In test_txs: messages `code` from -> to since mark naming h. */
#define TXN(from, to, code) count_tx(&nt, mark, from, to, ETH_##code, &h)

static void test_txs(void)
{
	net nt;
	net_init(&nt);
	node t[5], late;
	static const char *const names[5] = {"A", "B", "C", "D", "E"};
	for (int i = 0; i < 5; i++)
		CHECK(node_open(&t[i], names[i], 1, false));
	for (int i = 0; i < 5; i++)
		CHECK(net_join(&nt, &t[i]));
	for (int i = 0; i < 5; i++)
		for (int j = i + 1; j < 5; j++)
			net_connect(&nt, &t[i], &t[j]);
	pump(&nt);
	for (int i = 0; i < 5; i++)
		CHECK_EQ_INT(eth_peer_count(t[i].eth), 4);

	tx x = transfer(0, 0, 777);
	buf raw = BUF_INIT;
	CHECK_EQ_INT(tx_encode(&x, &raw), 0);
	tx_free(&x);
	h256 h;
	keccak256(raw.data, raw.len, h.b);
	size_t mark = nt.nlog;
	CHECK_EQ_INT(pool_add(&t[0], raw.data, raw.len), 0);
	pump(&nt);
	for (int i = 1; i < 5; i++)
		CHECK(txpool_get(t[i].pool, &h) != NULL);

	/* A: whole to 2 of its 4 peers, announced to the other 2, who fetch
	 * it from A; the announcement names its type and size. */
	size_t full = 0, ann = 0;
	for (int i = 1; i < 5; i++) {
		size_t fi = TXN(&t[0], &t[i], TRANSACTIONS);
		size_t ai = TXN(&t[0], &t[i], NEW_POOLED_TX_HASHES);
		CHECK_EQ_INT(fi + ai, 1);
		full += fi;
		ann += ai;
		size_t gi = TXN(&t[i], &t[0], GET_POOLED_TXS);
		size_t pi = TXN(&t[0], &t[i], POOLED_TXS);
		CHECK_EQ_INT(gi, ai);
		CHECK_EQ_INT(pi, ai);
	}
	CHECK_EQ_INT(full, 2);
	CHECK_EQ_INT(ann, 2);
	for (size_t k = mark; k < nt.nlog; k++) {
		const msg *m = &nt.log[k];
		if (m->code != ETH_NEW_POOLED_TX_HASHES || msg_from(m) != &t[0])
			continue;
		eth_tx_ann a[64];
		size_t n = 0;
		CHECK_EQ_INT(eth_tx_anns_decode(m->p, m->n, a, 64, &n), 0);
		CHECK(n == 1 && a[0].type == TX_DYNAMIC_FEE &&
		      a[0].size == raw.len && h256_eq(&a[0].hash, &h));
	}
	/* Nobody hears of it twice over one link, nor asks for it twice. */
	int twice = 0;
	for (int i = 0; i < 5; i++) {
		size_t gets = TXN(&t[i], NULL, GET_POOLED_TXS);
		twice += gets > 1;
		for (int j = 0; j < 5; j++) {
			if (i == j)
				continue;
			size_t d = TXN(&t[i], &t[j], TRANSACTIONS) +
			           TXN(&t[i], &t[j], NEW_POOLED_TX_HASHES);
			twice += d > 1;
		}
	}
	CHECK_EQ_INT(twice, 0);
	/* A, who had it first, was never sent it. */
	CHECK_EQ_INT(TXN(NULL, &t[0], TRANSACTIONS), 0);
	CHECK_EQ_INT(TXN(NULL, &t[0], NEW_POOLED_TX_HASHES), 0);

	/* A peer that connects later hears of the pool by announcement, after
	 * A's Status, and fetches it. */
	CHECK(node_open(&late, "L", 1, false) && net_join(&nt, &late));
	mark = nt.nlog;
	conn *cl = net_connect(&nt, &t[0], &late);
	pump(&nt);
	CHECK(txpool_get(late.pool, &h) != NULL);
	CHECK_EQ_INT(TXN(&t[0], &late, NEW_POOLED_TX_HASHES), 1);
	CHECK_EQ_INT(TXN(&t[0], &late, TRANSACTIONS), 0);
	CHECK_EQ_INT(TXN(&late, &t[0], GET_POOLED_TXS), 1);
	size_t status_at = SIZE_MAX, ann_at = SIZE_MAX;
	for (size_t k = mark; k < nt.nlog; k++) {
		const msg *m = &nt.log[k];
		if (m->c != cl || msg_from(m) != &t[0])
			continue;
		if (m->code == ETH_STATUS && status_at == SIZE_MAX)
			status_at = k;
		if (m->code == ETH_NEW_POOLED_TX_HASHES && ann_at == SIZE_MAX)
			ann_at = k;
	}
	CHECK(status_at < ann_at && ann_at != SIZE_MAX);
	CHECK_EQ_INT(nt.ndrops, 0);

	/* Two peers announce it to X; X asks one of them, whose answer is
	 * lost, and not the other meanwhile; once the request has timed out
	 * the hash is asked of the other. */
	node xn;
	CHECK(node_open(&xn, "X", 1, false) && net_join(&nt, &xn));
	mark = nt.nlog;
	conn *cx[2];
	cx[0] = net_connect(&nt, &t[1], &xn);
	cx[1] = net_connect(&nt, &t[2], &xn);
	for (int i = 0; i < 2; i++)
		cx[i]->swallow[1] = 1u << ETH_GET_POOLED_TXS;
	pump(&nt);
	size_t gx[2];
	for (int i = 0; i < 2; i++) {
		CHECK_EQ_INT(TXN(cx[i]->n[0], &xn, NEW_POOLED_TX_HASHES), 1);
		gx[i] = TXN(&xn, cx[i]->n[0], GET_POOLED_TXS);
	}
	CHECK_EQ_INT(gx[0] + gx[1], 1);
	CHECK(txpool_get(xn.pool, &h) == NULL);
	conn *other = gx[0] ? cx[1] : cx[0];
	other->swallow[1] = 0;
	pass_time(&nt, 3 * ETH_REQUEST_MS);
	CHECK_EQ_INT(TXN(&xn, other->n[0], GET_POOLED_TXS), 1);
	CHECK(txpool_get(xn.pool, &h) != NULL);
	buf_free(&raw);
	net_free(&nt);
	for (int i = 0; i < 5; i++)
		node_close(&t[i]);
	node_close(&late);
	node_close(&xn);
}

/* ---- 6. blocks ---- */

/* Whether m is a NewBlock of the block with hash h and total difficulty
 * td. */
static bool is_new_block(const msg *m, const h256 *h, uint64_t td)
{
	block b;
	u256 t;
	h256 bh;
	if (m->code != ETH_NEW_BLOCK || eth_new_block_decode(m->p, m->n, &b, &t))
		return false;
	bool ok = header_hash(&b.h, &bh) == 0 && h256_eq(&bh, h) &&
	          u256_eq(&t, &((u256){{td, 0, 0, 0}}));
	block_free(&b);
	return ok;
}

static bool is_block_hash(const msg *m, const h256 *h, uint64_t number)
{
	eth_block_ann a[4];
	size_t n = 0;
	return m->code == ETH_NEW_BLOCK_HASHES &&
	       eth_new_block_hashes_decode(m->p, m->n, a, 4, &n) == 0 && n == 1 &&
	       h256_eq(&a[0].hash, h) && a[0].number == number;
}

static void post_new_block(net *nt, conn *c, int side, const block *b,
                           uint64_t td)
{
	buf m = BUF_INIT;
	CHECK_EQ_INT(eth_new_block_encode(b, &((u256){{td, 0, 0, 0}}), &m), 0);
	net_post(nt, c, side, ETH_NEW_BLOCK, m.data, m.len);
	buf_free(&m);
}

static void test_blocks(void)
{
	net nt;
	net_init(&nt);
	node a, p[4], r1, r2;
	static const char *const names[4] = {"B", "C", "D", "E"};
	CHECK(node_open(&a, "A", 1, false) && net_join(&nt, &a));
	for (int i = 0; i < 4; i++)
		CHECK(node_open(&p[i], names[i], 1, false));
	for (int i = 0; i < 4; i++)
		CHECK(net_join(&nt, &p[i]));
	for (int i = 0; i < 4; i++)
		net_connect(&nt, &a, &p[i]);
	pump(&nt);

	/* Block 1 with a transaction, and an empty sibling. */
	tx x = transfer(0, 0, 5);
	block b1 = {0}, s1 = {0};
	CHECK(build(&a, &x, 1, 1, &b1) && build(&a, NULL, 0, 2, &s1));
	tx_free(&x);
	size_t mark = nt.nlog;
	import_result r;
	CHECK_EQ_INT(chain_import(&a, &b1, &r), 0);
	CHECK(r.canonical);
	h256 h1 = r.hash;
	pump(&nt);
	size_t whole = 0, hashes = 0;
	for (int i = 0; i < 4; i++) {
		node *q = &p[i];
		h256 h = head_hash(q, NULL);
		CHECK(h256_eq(&h, &h1));
		size_t wi = 0, hi = 0, other = 0;
		for (size_t k = mark; k < nt.nlog; k++) {
			const msg *m = &nt.log[k];
			if (msg_from(m) != &a || msg_to(m) != q)
				continue;
			if (is_new_block(m, &h1, 2))
				wi++;
			else if (is_block_hash(m, &h1, 1))
				hi++;
			else if (m->code == ETH_NEW_BLOCK ||
			         m->code == ETH_NEW_BLOCK_HASHES)
				other++;
		}
		CHECK_EQ_INT(wi + hi, 1);
		CHECK_EQ_INT(other, 0);
		whole += wi;
		hashes += hi;
		/* One told only the hash fetched the header and body from A. */
		if (hi) {
			CHECK(count_msgs(&nt, mark, q, &a, ETH_GET_BLOCK_HEADERS) > 0);
			CHECK(count_msgs(&nt, mark, q, &a, ETH_GET_BLOCK_BODIES) > 0);
		}
		/* Those who had it whole pass it to nobody: A knows it. */
		CHECK_EQ_INT(count_msgs(&nt, mark, q, NULL, ETH_NEW_BLOCK), 0);
	}
	CHECK_EQ_INT(whole, 2);
	CHECK_EQ_INT(hashes, 2);
	CHECK_EQ_INT(nt.ndrops, 0);

	/* The sibling ties on total difficulty: not stored, no harm done. */
	raw_open(&r1, "R1");
	conn *c1 = net_connect(&nt, &a, &r1);
	echo_status(&nt, c1, 1, 0);
	h256 hs1;
	CHECK_EQ_INT(header_hash(&s1.h, &hs1), 0);
	post_new_block(&nt, c1, 1, &s1, 2);
	pump(&nt);
	CHECK(!known(&a, &hs1));
	h256 h = head_hash(&a, NULL);
	CHECK(h256_eq(&h, &h1));
	CHECK_EQ_INT(drops_on(&nt, c1, NULL), 0);
	/* The sibling at difficulty 2 would be heavier, but difficulty 2
	 * breaks the rule: banned, not stored. */
	block heavy = s1;         /* shares s1's (empty) lists: not freed */
	heavy.h.difficulty = u256_from_u64(2);
	h256 hh;
	CHECK_EQ_INT(header_hash(&heavy.h, &hh), 0);
	post_new_block(&nt, c1, 1, &heavy, 3);
	pump(&nt);
	expect_drop(&nt, c1, &a, true, "invalid block #1");
	CHECK(!known(&a, &hh));
	h = head_hash(&a, NULL);
	CHECK(h256_eq(&h, &h1));
	block_free(&b1);
	block_free(&s1);
	net_free(&nt);

	/* At difficulty 1000 a seal can fail. */
	net_init(&nt);
	node hard;
	CHECK(node_open(&hard, "Q", 1000, false) && net_join(&nt, &hard));
	raw_open(&r1, "R1");
	raw_open(&r2, "R2");
	c1 = net_connect(&nt, &hard, &r1);
	conn *c2 = net_connect(&nt, &hard, &r2);
	echo_status(&nt, c1, 1, 0);
	echo_status(&nt, c2, 1, 0);
	pump(&nt);
	CHECK_EQ_INT(eth_peer_count(hard.eth), 2);
	block good = {0};
	CHECK(build(&hard, NULL, 0, 1, &good));
	CHECK(u256_eq(&good.h.difficulty, &((u256){{1000, 0, 0, 0}})));
	block bad = good;         /* shares good's (empty) lists */
	for (uint64_t k = 0; pow_check_seal(&bad.h) != DURE_EBLOCK_SEAL; k++)
		pow_put_nonce(k, bad.h.nonce);
	h256 hbad, hgood;
	CHECK_EQ_INT(header_hash(&bad.h, &hbad), 0);
	CHECK_EQ_INT(header_hash(&good.h, &hgood), 0);
	post_new_block(&nt, c1, 1, &bad, 2000);
	pump(&nt);
	char why[96];
	snprintf(why, sizeof why, "invalid block #1: %s",
	         dure_strerror(DURE_EBLOCK_SEAL));
	expect_drop(&nt, c1, &hard, true, why);
	CHECK(!known(&hard, &hbad));
	uint64_t num;
	head_hash(&hard, &num);
	CHECK_EQ_INT(num, 0);
	/* The same block sealed: taken. */
	post_new_block(&nt, c2, 1, &good, 2000);
	pump(&nt);
	h = head_hash(&hard, &num);
	CHECK(num == 1 && h256_eq(&h, &hgood));
	CHECK_EQ_INT(drops_on(&nt, c2, NULL), 0);
	block_free(&good);
	net_free(&nt);
	node_close(&hard);
	node_close(&a);
	for (int i = 0; i < 4; i++)
		node_close(&p[i]);
}

/* ---- 7. an announcement flood ---- */

static void announce(net *nt, conn *c, int side, uint32_t salt, size_t n)
{
	eth_tx_ann *a = calloc(n, sizeof *a);
	if (!a)
		abort();
	for (size_t i = 0; i < n; i++) {
		a[i].type = TX_DYNAMIC_FEE;
		a[i].size = 110;
		memcpy(a[i].hash.b, &salt, 4);
		memcpy(a[i].hash.b + 4, &i, sizeof i);
		a[i].hash.b[31] = 0x77;
	}
	buf b = BUF_INIT;
	CHECK_EQ_INT(eth_tx_anns_encode(a, n, &b), 0);
	net_post(nt, c, side, ETH_NEW_POOLED_TX_HASHES, b.data, b.len);
	buf_free(&b);
	free(a);
}

static void test_flood(void)
{
	_Static_assert((size_t)ETH_ANN_BURST % ETH_MAX_ANNOUNCE == 0 &&
	               (size_t)ETH_ANN_RATE == ETH_MAX_ANNOUNCE,
	               "the flood is counted in whole announcements");
	net nt;
	net_init(&nt);
	node a, r1, r2;
	CHECK(node_open(&a, "A", 1, false) && net_join(&nt, &a));
	raw_open(&r1, "R1");
	raw_open(&r2, "R2");
	conn *c1 = net_connect(&nt, &a, &r1);
	conn *c2 = net_connect(&nt, &a, &r2);
	echo_status(&nt, c1, 1, 0);
	echo_status(&nt, c2, 1, 0);
	pump(&nt);
	CHECK_EQ_INT(eth_peer_count(a.eth), 2);
	const size_t per = ETH_MAX_ANNOUNCE;
	const uint32_t whole = (uint32_t)(ETH_ANN_BURST / ETH_MAX_ANNOUNCE);
	/* The burst in full passes, one hash more does not. */
	for (uint32_t k = 0; k < whole; k++) {
		announce(&nt, c1, 1, 100 + k, per);
		pump(&nt);
	}
	CHECK_EQ_INT(drops_on(&nt, c1, NULL), 0);
	/* Asked for what it announced. */
	CHECK(count_msgs(&nt, 0, &a, &r1, ETH_GET_POOLED_TXS) > 0);
	announce(&nt, c1, 1, 200, 1);
	pump(&nt);
	expect_drop(&nt, c1, &a, true, "flood of transaction announcements");
	/* A second later the bucket holds ETH_ANN_RATE hashes again. */
	for (uint32_t k = 0; k < whole; k++) {
		announce(&nt, c2, 1, 300 + k, per);
		pump(&nt);
	}
	clk.now += 1000;
	announce(&nt, c2, 1, 400, per);
	pump(&nt);
	CHECK_EQ_INT(drops_on(&nt, c2, NULL), 0);
	announce(&nt, c2, 1, 401, 1);
	pump(&nt);
	expect_drop(&nt, c2, &a, true, "flood of transaction announcements");
	CHECK_EQ_INT(eth_peer_count(a.eth), 0);
	net_free(&nt);
	node_close(&a);
}

/* ---- 8. reorg ---- */

typedef struct reorg_watch {
	node *b;
	bool seen;
	uint64_t head;
	eth_sync_info si;
} reorg_watch;

/* Notes B's head and sync status as it asks for its first body. */
static void watch_reorg(net *nt, msg *m)
{
	reorg_watch *w = nt->tamper_ctx;
	if (w->seen || m->code != ETH_GET_BLOCK_BODIES || msg_from(m) != w->b)
		return;
	w->seen = true;
	head_hash(w->b, &w->head);
	eth_sync_status(w->b->eth, &w->si);
}

static void test_reorg(void)
{
	net nt;
	net_init(&nt);
	node a, b;
	CHECK(node_open(&a, "A", 1, false) && node_open(&b, "B", 1, false));
	/* Blocks 1, 2 on both; then A: 3..7 (td 8), B: 3'..5' (td 6), 3'
	 * carrying a transfer A's chain lacks. */
	for (int i = 1; i <= 2; i++) {
		block blk = {0};
		CHECK(build(&a, NULL, 0, (uint8_t)i, &blk));
		CHECK_EQ_INT(blockchain_import(a.bc, &blk, NULL), 0);
		CHECK_EQ_INT(blockchain_import(b.bc, &blk, NULL), 0);
		block_free(&blk);
	}
	h256 ha, hb;
	for (int i = 3; i <= 6; i++)
		CHECK(grow(&a, NULL, 0, (uint8_t)(0x10 + i), &ha));
	tx y = transfer(1, 0, 42);
	CHECK(grow(&a, &y, 1, 0x17, &ha));
	tx_free(&y);
	tx x = transfer(0, 0, 99);
	h256 th;
	CHECK_EQ_INT(tx_hash(&x, &th), 0);
	CHECK(grow(&b, &x, 1, 0x23, &hb));
	tx_free(&x);
	for (int i = 4; i <= 5; i++)
		CHECK(grow(&b, NULL, 0, (uint8_t)(0x20 + i), &hb));
	CHECK(txpool_get(b.pool, &th) == NULL);

	CHECK(net_join(&nt, &a) && net_join(&nt, &b));
	reorg_watch w = {.b = &b};
	nt.tamper = watch_reorg;
	nt.tamper_ctx = &w;
	net_connect(&nt, &b, &a);
	pump(&nt);
	/* When B asked for block 7's body it stood at block 6, the first of
	 * A's branch to outweigh its own: what eth_syncing reports. */
	CHECK(w.seen);
	CHECK(w.si.syncing);
	CHECK_EQ_INT(w.head, 6);
	CHECK_EQ_INT(w.si.start, 5);
	CHECK_EQ_INT(w.si.highest, 7);
	CHECK_EQ_INT(w.si.current, 6);
	uint64_t num;
	h256 h = head_hash(&b, &num);
	CHECK_EQ_INT(num, 7);
	CHECK(h256_eq(&h, &ha));
	h = head_hash(&a, &num);
	CHECK(num == 7 && h256_eq(&h, &ha));
	CHECK(known(&b, &hb));
	const txpool_entry *t = txpool_get(b.pool, &th);
	CHECK(t != NULL && t->pending);
	/* Pending again, it is gossiped: A has it too. */
	CHECK(txpool_get(a.pool, &th) != NULL);
	eth_sync_info si;
	eth_sync_status(b.eth, &si);
	CHECK(!si.syncing);
	CHECK_EQ_INT(nt.ndrops, 0);
	net_free(&nt);
	node_close(&a);
	node_close(&b);
}

/* ---- the swarm's tests ---- */

static void swarm_tests(void)
{
	bool ok = swarm_setup();
	CHECK(ok);
	if (ok) {
		test_sync();
		test_tamper();
		test_timeout();
	}
	for (int i = 0; i < 4; i++)
		node_close(&swarm[i]);
}

static void setup(void)
{
	const char *v = getenv("DURE_TEST_VERBOSITY");
	verbosity = v ? atoi(v) : 0;
	dure_fake_clock_init(&clk, 1000000);
	for (int i = 0; i < 2; i++) {
		memset(keys[i], 0, 32);
		keys[i][31] = (uint8_t)(i + 1);
		uint8_t pub[64];
		if (secp_pubkey_create(keys[i], pub))
			abort();
		secp_pubkey_address(pub, &addrs[i]);
	}
}

TEST_MAIN(setup, test_status, swarm_tests, test_txs, test_blocks, test_flood,
          test_reorg)
