/* Serving GetBlockHeaders, GetBlockBodies and GetReceipts from a real
 * chain in a temporary LMDB store, under a longest-chain rule:
 *
 *   canonical: genesis, 1..12 (1, 2 and 5 carry transfers; 6 carries one
 *              transaction with 100 kB of calldata), later grown to 1030
 *   side:      s4 (a transfer), s5 (empty) on block 3, stored but never
 *              run (their branch is shorter)
 *
 * Header queries (forward, reverse, skips, by hash on and off the
 * canonical chain, amount 0, beyond the head, skips that would overflow
 * near 2^64, the 1024 cap) are checked against the hashes import gave for
 * each block; bodies and receipts for known, unknown and side blocks
 * against the transactions each block was built with; the caps by
 * repeated hashes; the 2 MiB soft limit by the large block's body. */
/* nftw and its flags are X/Open. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "chain/genesis.h"
#include "consensus/blockchain.h"
#include "consensus/builder.h"
#include "consensus/engine.h"
#include "crypto/keccak.h"
#include "db/db.h"
#include "eth/proto.h"
#include "eth/serve.h"
#include "store/store.h"
#include "test.h"
#include "trie/trie.h"

#define NMAIN 12
#define NLONG 1030
#define BIG_DATA 100000

static uint8_t keys[2][32];
static address addrs[2];

typedef struct node {
	char dir[64];
	db *d;
	store *s;
	blockchain *bc;
} node;

/* What the test knows of each block it made. */
typedef struct made {
	h256 hash;
	size_t ntxs;
	h256 txh[2];
} made;

static made canon[NLONG + 1];
static made side[6];     /* side[4], side[5] */

static bool prefer_longer(void *ctx, const header *cur, const u256 *cur_td,
                          const header *cand, const u256 *cand_td)
{
	(void)ctx;
	(void)cur_td;
	(void)cand_td;
	return cand->number > cur->number;
}

static engine longest;

static int rm_entry(const char *p, const struct stat *sb, int flag,
                    struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(p);
}

static bool node_open(node *n)
{
	memset(n, 0, sizeof *n);
	strcpy(n->dir, "/tmp/dure-ethserve-XXXXXX");
	if (!mkdtemp(n->dir))
		return false;
	json_t *alloc = json_object();
	for (int i = 0; i < 2; i++) {
		char a[41];
		hex_encode(addrs[i].b, 20, a);
		json_object_set_new(alloc, a, json_pack("{s:s}", "balance",
		                                        "0x3635c9adc5dea00000"));
	}
	json_t *j = json_pack(
	    "{s:{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i},"
	    "s:o,s:s,s:s,s:s,s:s}",
	    "config", "chainId", 1337, "homesteadBlock", 0, "eip150Block", 0,
	    "eip155Block", 0, "eip158Block", 0, "byzantiumBlock", 0,
	    "constantinopleBlock", 0, "petersburgBlock", 0, "istanbulBlock", 0,
	    "berlinBlock", 0, "londonBlock", 0, "mergeNetsplitBlock", 0,
	    "terminalTotalDifficulty", 0, "shanghaiTime", 0, "cancunTime", 0,
	    "alloc", alloc, "gasLimit", "0x1c9c380", "difficulty", "0x0",
	    "baseFeePerGas", "0x3b9aca00", "timestamp", "0x1000");
	genesis g = {0};
	h256 hash;
	bool ok = j && db_open(n->dir, &(db_options){.no_sync = true}, &n->d) == 0 &&
	          store_open(n->d, &n->s) == 0 &&
	          genesis_from_json(j, &g) == 0 &&
	          blockchain_init(n->s, &g, &hash) == 0 &&
	          blockchain_open(n->s, &longest, NULL, &n->bc) == 0;
	genesis_free(&g);
	json_decref(j);
	return ok;
}

static void node_close(node *n)
{
	blockchain_free(n->bc);
	store_free(n->s);
	db_close(n->d);
	nftw(n->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static tx transfer(int from, uint64_t nonce, uint64_t value, size_t data,
                   uint64_t gas)
{
	tx t = {0};
	t.type = TX_DYNAMIC_FEE;
	t.has_chain_id = true;
	t.chain_id = 1337;
	t.nonce = nonce;
	t.max_priority_fee = u256_from_u64(1000000000);
	t.max_fee = u256_from_u64(100000000000ull);
	t.gas_limit = gas;
	t.has_to = true;
	t.to = addrs[1 - from];
	t.value = u256_from_u64(value);
	if (data) {
		t.data = malloc(data);
		if (!t.data)
			abort();
		memset(t.data, 0x01, data);
		t.data_size = data;
	}
	if (tx_sign(&t, keys[from]) != DURE_OK)
		abort();
	return t;
}

static uint64_t nonce_of(node *n, int key)
{
	db_txn *t;
	state_account a;
	if (db_begin_read(n->d, &t))
		abort();
	int err = store_account(n->s, t, &addrs[key], &a);
	db_abort(t);
	return err ? 0 : a.nonce;
}

/* Builds on n's head with ntx transfers from key (one big one with
 * big set), imports it into n, and records it in *m (and the block in
 * *out when not NULL). */
static bool grow(node *n, int salt, int key, size_t ntx, bool big, made *m,
                 block *out)
{
	header head;
	h256 hh;
	if (blockchain_head(n->bc, &head, &hh))
		return false;
	tx txs[2];
	uint64_t nonce = nonce_of(n, key);
	for (size_t i = 0; i < ntx; i++)
		txs[i] = big ? transfer(key, nonce + i, 0, BIG_DATA, 2000000)
		             : transfer(key, nonce + i, 1000 + i, 0, 21000);
	memset(m, 0, sizeof *m);
	m->ntxs = ntx;
	for (size_t i = 0; i < ntx; i++)
		if (tx_hash(&txs[i], &m->txh[i]))
			return false;
	build_opts o = {0};
	o.coinbase.b[19] = (uint8_t)salt;
	o.timestamp = head.timestamp + 12;
	o.prev_randao.b[0] = (uint8_t)salt;
	o.prev_randao.b[1] = (uint8_t)(salt >> 8);
	block b = {0};
	int err = blockchain_build(n->bc, &o, txs, ntx, &b, NULL);
	for (size_t i = 0; i < ntx; i++)
		tx_free(&txs[i]);
	import_result r;
	bool ok = err == 0 && blockchain_import(n->bc, &b, &r) == 0;
	if (ok)
		m->hash = r.hash;
	if (out)
		*out = b;
	else
		block_free(&b);
	return ok;
}

static node main_node;

static bool setup(void)
{
	memset(keys, 0, sizeof keys);
	keys[0][31] = 1;
	keys[1][31] = 2;
	if (hex_decode_exact("7e5f4552091a69125d5dfcb7b8c2659029395bdf",
	                     addrs[0].b, 20) ||
	    hex_decode_exact("2b5ad5c4795c026514f8317c7a215e218dccd6cf",
	                     addrs[1].b, 20))
		return false;
	longest = *engine_merge();
	longest.prefer = prefer_longer;
	node *n = &main_node;
	if (!node_open(n))
		return false;
	header g;
	if (blockchain_head(n->bc, &g, &canon[0].hash))
		return false;
	block kept[4];
	for (int i = 1; i <= NMAIN; i++) {
		size_t ntx = i == 1 || i == 5 || i == 6 ? 1 : i == 2 ? 2 : 0;
		if (!grow(n, i, 0, ntx, i == 6, &canon[i], i <= 3 ? &kept[i] : NULL))
			return false;
	}
	/* The side branch, made on a store holding blocks 1..3 only. */
	node ref;
	bool ok = node_open(&ref);
	for (int i = 1; ok && i <= 3; i++)
		ok = blockchain_import(ref.bc, &kept[i], NULL) == 0;
	for (int i = 1; i <= 3; i++)
		block_free(&kept[i]);
	block s4, s5;
	ok = ok && grow(&ref, 104, 1, 1, false, &side[4], &s4) &&
	     grow(&ref, 105, 1, 0, false, &side[5], &s5);
	node_close(&ref);
	import_result r4, r5;
	ok = ok && blockchain_import(n->bc, &s4, &r4) == 0 &&
	     blockchain_import(n->bc, &s5, &r5) == 0 && !r4.canonical &&
	     !r5.canonical;
	block_free(&s4);
	block_free(&s5);
	return ok;
}

/* Serves q and checks the headers are want[0..n), by hash. */
static void expect_headers(const char *what, const eth_get_headers *q,
                           const h256 *const *want, size_t n)
{
	node *nd = &main_node;
	db_txn *t;
	CHECK_EQ_INT(db_begin_read(nd->d, &t), 0);
	buf out = BUF_INIT;
	int err = eth_serve_headers(nd->s, t, q, &out);
	db_abort(t);
	CHECK_EQ_INT(err, DURE_OK);
	uint64_t id;
	size_t cap = n + 2, count = 0;
	eth_slice *items = calloc(cap, sizeof *items);
	CHECK(items != NULL);
	CHECK_EQ_INT(eth_response_decode(out.data, out.len, &id, items, cap,
	                                 &count), DURE_OK);
	CHECK(id == q->req_id);
	bool ok = count == n;
	for (size_t i = 0; ok && i < n; i++) {
		uint8_t h[32];
		keccak256(items[i].p, items[i].n, h);
		ok = memcmp(h, want[i]->b, 32) == 0;
	}
	if (!ok)
		fprintf(stderr, "%s: %zu headers, want %zu (or a different one)\n",
		        what, count, n);
	CHECK(ok);
	free(items);
	buf_free(&out);
}

#define C(i) (&canon[i].hash)
#define S(i) (&side[i].hash)
#define EXPECT(what, q, ...)                                                  \
	do {                                                                      \
		const h256 *const w_[] = {__VA_ARGS__};                               \
		expect_headers(what, q, w_, sizeof w_ / sizeof w_[0]);                \
	} while (0)
#define EXPECT_NONE(what, q) expect_headers(what, q, NULL, 0)

static eth_get_headers by_number(uint64_t number, uint64_t amount,
                                 uint64_t skip, bool reverse)
{
	return (eth_get_headers){.req_id = 42, .number = number,
	                         .amount = amount, .skip = skip,
	                         .reverse = reverse};
}

static eth_get_headers by_hash(const h256 *h, uint64_t amount, uint64_t skip,
                               bool reverse)
{
	return (eth_get_headers){.req_id = 43, .by_hash = true, .hash = *h,
	                         .amount = amount, .skip = skip,
	                         .reverse = reverse};
}

static void headers_by_number(void)
{
	eth_get_headers q;
	q = by_number(0, 5, 0, false);
	EXPECT("forward", &q, C(0), C(1), C(2), C(3), C(4));
	q = by_number(10, 5, 0, false);
	EXPECT("past the head", &q, C(10), C(11), C(12));
	q = by_number(13, 5, 0, false);
	EXPECT_NONE("beyond the head", &q);
	q = by_number(5, 3, 0, true);
	EXPECT("reverse", &q, C(5), C(4), C(3));
	q = by_number(1, 5, 0, true);
	EXPECT("reverse to genesis", &q, C(1), C(0));
	/* 14 and 13 are not there; 12, 11, 10 are (geth's GetHeadersFrom). */
	q = by_number(14, 5, 0, true);
	EXPECT("reverse from past the head", &q, C(12), C(11), C(10));
	q = by_number(14, 2, 0, true);
	EXPECT_NONE("reverse wholly past the head", &q);
	q = by_number(UINT64_MAX, 5, 0, true);
	EXPECT_NONE("reverse from 2^64-1", &q);
	q = by_number(14, 5, 1, true);
	EXPECT_NONE("reverse skipping from past the head", &q);
	q = by_number(0, 4, 2, false);
	EXPECT("skip 2", &q, C(0), C(3), C(6), C(9));
	q = by_number(12, 10, 3, true);
	EXPECT("reverse skip 3", &q, C(12), C(8), C(4), C(0));
	q = by_number(11, 5, 1, true);
	EXPECT("reverse skip 1", &q, C(11), C(9), C(7), C(5), C(3));
	q = by_number(10, 5, 5, false);
	EXPECT("skip past the head", &q, C(10));
	q = by_number(3, 0, 0, false);
	EXPECT_NONE("amount 0", &q);
	q = by_number(3, 0, 4, true);
	EXPECT_NONE("amount 0 skipping", &q);
	q = by_number(0, 2000, 0, false);
	EXPECT("all", &q, C(0), C(1), C(2), C(3), C(4), C(5), C(6), C(7), C(8),
	       C(9), C(10), C(11), C(12));
	/* Overflow: the walk ends at the origin instead of wrapping. */
	q = by_number(5, 3, UINT64_MAX, false);
	EXPECT("skip 2^64-1", &q, C(5));
	q = by_number(5, 3, UINT64_MAX, true);
	EXPECT("reverse skip 2^64-1", &q, C(5));
	q = by_number(5, 3, UINT64_MAX - 1, false);
	EXPECT("skip 2^64-2", &q, C(5));
	q = by_number(5, 3, UINT64_MAX - 1, true);
	EXPECT("reverse skip 2^64-2", &q, C(5));
	q = by_number(UINT64_MAX - 1, 5, 0, false);
	EXPECT_NONE("origin near 2^64", &q);
	q = by_number(UINT64_MAX, 5, 7, false);
	EXPECT_NONE("skipping from 2^64-1", &q);
	/* A zero hash is number 0, as geth reads it. */
	q = by_hash(&(h256){{0}}, 2, 0, false);
	EXPECT("zero hash", &q, C(0), C(1));
}

static void headers_by_hash(void)
{
	eth_get_headers q;
	q = by_hash(C(3), 4, 0, false);
	EXPECT("forward", &q, C(3), C(4), C(5), C(6));
	q = by_hash(C(3), 10, 0, true);
	EXPECT("reverse", &q, C(3), C(2), C(1), C(0));
	q = by_hash(C(12), 5, 0, false);
	EXPECT("head forward", &q, C(12));
	q = by_hash(C(2), 4, 1, false);
	EXPECT("forward skip 1", &q, C(2), C(4), C(6), C(8));
	q = by_hash(C(9), 5, 2, true);
	EXPECT("reverse skip 2", &q, C(9), C(6), C(3), C(0));
	q = by_hash(C(12), 5, UINT64_MAX - 5, false);
	EXPECT("forward skip near 2^64", &q, C(12));
	q = by_hash(C(12), 5, UINT64_MAX, true);
	EXPECT("reverse skip 2^64-1", &q, C(12));
	q = by_hash(C(4), 0, 0, false);
	EXPECT_NONE("amount 0", &q);
	h256 unknown;
	memset(&unknown, 0x5a, sizeof unknown);
	q = by_hash(&unknown, 5, 0, false);
	EXPECT_NONE("unknown", &q);
	q = by_hash(&unknown, 5, 3, true);
	EXPECT_NONE("unknown skipping", &q);

	/* Off the canonical chain. */
	q = by_hash(S(5), 10, 0, true);
	EXPECT("side reverse", &q, S(5), S(4), C(3), C(2), C(1), C(0));
	q = by_hash(S(4), 3, 0, false);
	EXPECT("side forward", &q, S(4));
	q = by_hash(S(4), 3, 1, false);
	EXPECT("side forward skip", &q, S(4));
	q = by_hash(S(5), 5, 1, true);
	EXPECT("side reverse skip", &q, S(5), C(3), C(1));
	q = by_hash(S(4), 5, 2, true);
	EXPECT("side reverse skip 2", &q, S(4), C(1));
}

/* Serves bodies for hashes and returns the decoded items (owned). */
static eth_slice *serve_bodies(const h256 *hashes, size_t n, buf *out,
                               size_t *count)
{
	node *nd = &main_node;
	db_txn *t;
	CHECK_EQ_INT(db_begin_read(nd->d, &t), 0);
	*out = (buf)BUF_INIT;
	CHECK_EQ_INT(eth_serve_bodies(nd->s, t, 44, hashes, n, out), DURE_OK);
	db_abort(t);
	eth_slice *items = calloc(n + 1, sizeof *items);
	uint64_t id = 0;
	CHECK(items != NULL);
	CHECK_EQ_INT(eth_response_decode(out->data, out->len, &id, items, n + 1,
	                                 count), DURE_OK);
	CHECK_EQ_INT(id, 44);
	return items;
}

/* Body item against the block m it should be of. */
static void check_body(const eth_slice *item, const made *m)
{
	node *nd = &main_node;
	db_txn *t;
	header h;
	CHECK_EQ_INT(db_begin_read(nd->d, &t), 0);
	CHECK_EQ_INT(store_header(nd->s, t, &m->hash, &h), 0);
	db_abort(t);
	block b;
	CHECK_EQ_INT(eth_body_decode(item->p, item->n, &h, &b), DURE_OK);
	CHECK_EQ_INT(eth_body_check(&b), DURE_OK);
	CHECK(b.has_withdrawals && b.nommers == 0);
	CHECK_EQ_INT(b.ntxs, m->ntxs);
	for (size_t i = 0; i < b.ntxs && i < m->ntxs; i++) {
		h256 th;
		CHECK_EQ_INT(tx_hash(&b.txs[i], &th), 0);
		CHECK(h256_eq(&th, &m->txh[i]));
	}
	block_free(&b);
}

static void bodies(void)
{
	h256 unknown;
	memset(&unknown, 0x5a, sizeof unknown);
	const h256 hs[] = {canon[1].hash, unknown, canon[2].hash, side[4].hash,
	                   canon[3].hash, canon[5].hash};
	buf out;
	size_t n;
	eth_slice *items = serve_bodies(hs, 6, &out, &n);
	CHECK_EQ_INT(n, 5);
	if (n == 5) {
		check_body(&items[0], &canon[1]);
		check_body(&items[1], &canon[2]);
		check_body(&items[2], &side[4]);
		check_body(&items[3], &canon[3]);
		check_body(&items[4], &canon[5]);
	}
	free(items);
	buf_free(&out);

	/* None asked, none known. */
	items = serve_bodies(hs, 0, &out, &n);
	CHECK_EQ_INT(n, 0);
	free(items);
	buf_free(&out);
	items = serve_bodies(&unknown, 1, &out, &n);
	CHECK_EQ_INT(n, 0);
	free(items);
	buf_free(&out);

	/* At most 1024 bodies. */
	h256 *many = malloc(1100 * sizeof *many);
	CHECK(many != NULL);
	for (int i = 0; i < 1100; i++)
		many[i] = canon[2].hash;
	items = serve_bodies(many, 1100, &out, &n);
	CHECK_EQ_INT(n, ETH_MAX_BODIES_SERVE);
	free(items);
	buf_free(&out);
	free(many);
	/* At most 2048 hashes are looked up, known or not. */
	many = malloc(2100 * sizeof *many);
	CHECK(many != NULL);
	for (int i = 0; i < 2100; i++)
		many[i] = unknown;
	many[2047] = canon[2].hash;
	items = serve_bodies(many, 2100, &out, &n);
	CHECK_EQ_INT(n, 1);
	free(items);
	buf_free(&out);
	many[2047] = unknown;
	many[2048] = canon[2].hash;
	items = serve_bodies(many, 2100, &out, &n);
	CHECK_EQ_INT(n, 0);
	free(items);
	buf_free(&out);
	free(many);

	/* 2 MiB: the body that passes it is the last. */
	h256 big[40];
	for (int i = 0; i < 40; i++)
		big[i] = canon[6].hash;
	items = serve_bodies(big, 40, &out, &n);
	size_t len = n ? items[0].n : 0;
	CHECK(len > BIG_DATA);
	size_t want = (ETH_SOFT_RESPONSE_LIMIT + len - 1) / len;
	CHECK_EQ_INT(n, want);
	CHECK(n < 40 && (n - 1) * len < ETH_SOFT_RESPONSE_LIMIT &&
	      n * len >= ETH_SOFT_RESPONSE_LIMIT);
	if (n)
		check_body(&items[0], &canon[6]);
	free(items);
	buf_free(&out);
}

static void receipts(void)
{
	node *nd = &main_node;
	h256 unknown;
	memset(&unknown, 0x5a, sizeof unknown);
	/* s4 was never run and has a transaction: left out; s5 was never
	 * run either but has no transactions: an empty list. */
	const h256 hs[] = {canon[1].hash, canon[2].hash, unknown, side[4].hash,
	                   side[5].hash, canon[3].hash};
	db_txn *t;
	buf out = BUF_INIT;
	CHECK_EQ_INT(db_begin_read(nd->d, &t), 0);
	CHECK_EQ_INT(eth_serve_receipts(nd->s, t, 45, hs, 6, &out), DURE_OK);
	db_abort(t);
	uint64_t id;
	eth_slice items[8];
	size_t n;
	CHECK_EQ_INT(eth_response_decode(out.data, out.len, &id, items, 8, &n),
	             DURE_OK);
	CHECK_EQ_INT(id, 45);
	CHECK_EQ_INT(n, 4);
	static const size_t want_n[4] = {1, 2, 0, 0};
	for (size_t i = 0; i < n && i < 4; i++) {
		receipt r[3];
		size_t k;
		CHECK_EQ_INT(eth_receipts_decode(items[i].p, items[i].n, r, 3, &k),
		             DURE_OK);
		CHECK_EQ_INT(k, want_n[i]);
		for (size_t j = 0; j < k; j++) {
			CHECK(r[j].type == TX_DYNAMIC_FEE && r[j].success);
			CHECK_EQ_INT(r[j].cumulative_gas, 21000 * (j + 1));
			receipt_free(&r[j]);
		}
	}
	/* The receipts root of block 2 is that of what was served. */
	receipt r2[2];
	size_t k2;
	if (n > 1 &&
	    eth_receipts_decode(items[1].p, items[1].n, r2, 2, &k2) == 0) {
		header h;
		h256 root;
		CHECK_EQ_INT(db_begin_read(nd->d, &t), 0);
		CHECK_EQ_INT(store_header(nd->s, t, &canon[2].hash, &h), 0);
		db_abort(t);
		CHECK_EQ_INT(block_receipts_root(r2, k2, &root), 0);
		CHECK(h256_eq(&root, &h.receipts_root));
		for (size_t j = 0; j < k2; j++)
			receipt_free(&r2[j]);
	}
	buf_free(&out);

	/* At most 1024 blocks' receipts. */
	h256 *many = malloc(1100 * sizeof *many);
	CHECK(many != NULL);
	for (int i = 0; i < 1100; i++)
		many[i] = canon[1].hash;
	out = (buf)BUF_INIT;
	CHECK_EQ_INT(db_begin_read(nd->d, &t), 0);
	CHECK_EQ_INT(eth_serve_receipts(nd->s, t, 46, many, 1100, &out), 0);
	db_abort(t);
	eth_slice *its = calloc(1101, sizeof *its);
	CHECK(its != NULL);
	CHECK_EQ_INT(eth_response_decode(out.data, out.len, &id, its, 1101, &n),
	             DURE_OK);
	CHECK_EQ_INT(n, ETH_MAX_RECEIPTS_SERVE);
	free(its);
	free(many);
	buf_free(&out);
}

/* Responses are appended after what the buf already holds. */
static void appends(void)
{
	node *nd = &main_node;
	db_txn *t;
	buf out = BUF_INIT;
	buf_append(&out, "xy", 2);
	CHECK_EQ_INT(db_begin_read(nd->d, &t), 0);
	eth_get_headers q = by_number(0, 2, 0, false);
	CHECK_EQ_INT(eth_serve_headers(nd->s, t, &q, &out), DURE_OK);
	h256 one = canon[1].hash;
	CHECK_EQ_INT(eth_serve_bodies(nd->s, t, 7, &one, 1, &out), DURE_OK);
	db_abort(t);
	/* "xy", then two whole responses. */
	CHECK(out.len > 2 && memcmp(out.data, "xy", 2) == 0);
	rlp_cur c;
	rlp_cur_init(&c, out.data + 2, out.len - 2);
	rlp_cur_skip(&c);
	rlp_cur_skip(&c);
	CHECK_EQ_INT(rlp_cur_finish(&c), 0);
	buf_free(&out);
}

/* Past 1024 blocks: the header cap. */
static void header_cap(void)
{
	node *nd = &main_node;
	bool ok = true;
	for (int i = NMAIN + 1; ok && i <= NLONG; i++)
		ok = grow(nd, i, 0, 0, false, &canon[i], NULL);
	header head;
	h256 hh;
	CHECK(ok && blockchain_head(nd->bc, &head, &hh) == 0);
	if (!ok)
		return;
	CHECK_EQ_INT(head.number, NLONG);
	static const h256 *want[NLONG + 1];
	for (int i = 0; i < ETH_MAX_HEADERS_SERVE; i++)
		want[i] = C(i);
	eth_get_headers q = by_number(0, 5000, 0, false);
	expect_headers("cap forward", &q, want, ETH_MAX_HEADERS_SERVE);
	for (int i = 0; i < ETH_MAX_HEADERS_SERVE; i++)
		want[i] = C(NLONG - i);
	q = by_hash(C(NLONG), UINT64_MAX, 0, true);
	expect_headers("cap reverse by hash", &q, want, ETH_MAX_HEADERS_SERVE);
	q = by_number(NLONG, 1024, 1, true);
	for (int i = 0; i < 516; i++)
		want[i] = C(NLONG - 2 * i);
	expect_headers("skip 1 reverse", &q, want, 516);
	q = by_hash(C(0), 2000, 0, false);
	for (int i = 0; i < ETH_MAX_HEADERS_SERVE; i++)
		want[i] = C(i);
	expect_headers("cap forward by hash", &q, want, ETH_MAX_HEADERS_SERVE);
}

static void run(void)
{
	CHECK(setup());
	headers_by_number();
	headers_by_hash();
	bodies();
	receipts();
	appends();
	header_cap();
	node_close(&main_node);
}

TEST_MAIN(run)
