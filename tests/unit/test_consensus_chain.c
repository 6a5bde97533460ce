/* The blockchain on a real LMDB store: reorgs and rejections.
 *
 * Reorgs: chain A (3 blocks) is imported, then branch B forking at A's
 * first block (3 blocks, other transfers, one creating storage that A
 * never has); the node unwinds A and follows B, then a fourth A block
 * takes it back. After each reorg the head's state root, the flat state
 * (recomputed from scratch by store_verify_state) and every account equal
 * those of a store that imported only the winning branch from genesis,
 * and the transaction lookup knows only the canonical transactions.
 *
 * Routes: across a fork at a1 between a1 a2 a3 and b2 b3 b4, the blocks
 * blockchain_route says left and joined the canonical chain are those
 * the fork was built with, oldest first, within the reorg limit.
 *
 * Rejections: a valid block is broken one rule at a time; each import
 * fails with that rule's code and leaves every table of the database
 * byte for byte as it was (a digest of all keys and values). */
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
#include "crypto/secp.h"
#include "db/db.h"
#include "store/store.h"
#include "store/tables.h"
#include "test.h"
#include "trie/trie.h"

#define NKEYS 4

static uint8_t keys[NKEYS][32];
static address addrs[NKEYS];

/* A storage-writing contract: SSTORE(CALLVALUE... no: slot 1 := CALLER's
 * low bytes), so a call leaves a slot behind. PUSH20-free: CALLER PUSH1 1
 * SSTORE STOP. */
static const uint8_t STORE_CODE[] = {0x33, 0x60, 0x01, 0x55, 0x00};
static address store_addr;

typedef struct node {
	char dir[64];
	db *d;
	store *s;
	blockchain *bc;
} node;

static char *genesis_json(void)
{
	json_t *alloc = json_object();
	for (int i = 0; i < NKEYS; i++) {
		char a[41];
		hex_encode(addrs[i].b, 20, a);
		json_object_set_new(alloc, a, json_pack("{s:s}", "balance",
		                                        "0x3635c9adc5dea00000"));
	}
	char sa[41], code[2 * sizeof STORE_CODE + 3] = "0x";
	hex_encode(store_addr.b, 20, sa);
	hex_encode(STORE_CODE, sizeof STORE_CODE, code + 2);
	json_object_set_new(alloc, sa, json_pack("{s:s}", "code", code));
	json_t *g = json_pack(
	    "{s:{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i},"
	    "s:o,s:s,s:s,s:s,s:s}",
	    "config", "chainId", 1337, "homesteadBlock", 0, "eip150Block", 0,
	    "eip155Block", 0, "eip158Block", 0, "byzantiumBlock", 0,
	    "constantinopleBlock", 0, "petersburgBlock", 0, "istanbulBlock", 0,
	    "berlinBlock", 0, "londonBlock", 0, "mergeNetsplitBlock", 0,
	    "terminalTotalDifficulty", 0, "shanghaiTime", 0, "cancunTime", 0,
	    "alloc", alloc, "gasLimit", "0x1c9c380", "difficulty", "0x0",
	    "baseFeePerGas", "0x3b9aca00", "timestamp", "0x1000");
	char *text = json_dumps(g, JSON_COMPACT);
	json_decref(g);
	return text;
}

/* The post-merge rules with a longest-chain fork choice: a side block
 * is kept without running until its branch is longer, as under proof of
 * work. */
static bool prefer_longer(void *ctx, const header *cur, const u256 *cur_td,
                          const header *cand, const u256 *cand_td)
{
	(void)ctx;
	(void)cur_td;
	(void)cand_td;
	return cand->number > cur->number;
}

static engine longest;

static bool node_open_with(node *n, uint64_t max_reorg, const engine *e);

static bool node_open(node *n, uint64_t max_reorg)
{
	return node_open_with(n, max_reorg, engine_merge());
}

static bool node_open_with(node *n, uint64_t max_reorg, const engine *e)
{
	memset(n, 0, sizeof *n);
	strcpy(n->dir, "/tmp/dure-chain-XXXXXX");
	if (!mkdtemp(n->dir))
		return false;
	char *text = genesis_json();
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);
	genesis g = {0};
	h256 hash;
	blockchain_opts o = {max_reorg};
	bool ok = db_open(n->dir, &(db_options){.no_sync = true}, &n->d) == 0 &&
	          store_open(n->d, &n->s) == 0 && j &&
	          genesis_from_json(j, &g) == 0 &&
	          blockchain_init(n->s, &g, &hash) == 0 &&
	          blockchain_open(n->s, e, &o, &n->bc) == 0;
	genesis_free(&g);
	json_decref(j);
	free(text);
	return ok;
}

static int rm_entry(const char *p, const struct stat *sb, int flag,
                    struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(p);
}

static void node_close(node *n)
{
	blockchain_free(n->bc);
	store_free(n->s);
	db_close(n->d);
	nftw(n->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static tx transfer(int from, uint64_t nonce, const address *to,
                   uint64_t value, uint64_t gas)
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
	t.to = *to;
	t.value = u256_from_u64(value);
	if (tx_sign(&t, keys[from]) != DURE_OK)
		abort();
	return t;
}

/* Builds on n's head and imports the result into n. salt varies the
 * transfers so that branches differ. */
static bool grow(node *n, int salt, bool call_store, block *out)
{
	header head;
	h256 hh;
	if (blockchain_head(n->bc, &head, &hh))
		return false;
	tx txs[3];
	size_t nt = 0;
	db_txn *t;
	if (db_begin_read(n->d, &t))
		return false;
	state_account a0, a1;
	bool ok = store_account(n->s, t, &addrs[0], &a0) == 0 &&
	          store_account(n->s, t, &addrs[1], &a1) == 0;
	db_abort(t);
	if (!ok)
		return false;
	txs[nt++] = transfer(0, a0.nonce, &addrs[2 + salt % 2],
	                     1000 + (uint64_t)salt, 21000);
	txs[nt++] = transfer(1, a1.nonce, &addrs[3], 7 * (uint64_t)salt + 1,
	                     21000);
	if (call_store)
		txs[nt++] = transfer(0, a0.nonce + 1, &store_addr, 0, 60000);
	build_opts o = {0};
	o.coinbase.b[19] = (uint8_t)(0xc0 + salt);
	o.timestamp = head.timestamp + 12;
	o.prev_randao.b[0] = (uint8_t)salt;
	int err = blockchain_build(n->bc, &o, txs, nt, out, NULL);
	for (size_t i = 0; i < nt; i++)
		tx_free(&txs[i]);
	import_result r;
	return err == 0 && blockchain_import(n->bc, out, &r) == 0 && r.canonical;
}

static h256 head_hash(node *n)
{
	header h;
	h256 hash;
	if (blockchain_head(n->bc, &h, &hash))
		memset(&hash, 0, sizeof hash);
	return hash;
}

/* The head's state root, checked against a walk of the whole flat state. */
static h256 checked_root(node *n)
{
	header h;
	h256 hash, root = TRIE_EMPTY_ROOT, flat = TRIE_EMPTY_ROOT;
	size_t na, ns;
	db_txn *t;
	CHECK_EQ_INT(blockchain_head(n->bc, &h, &hash), 0);
	CHECK_EQ_INT(db_begin_read(n->d, &t), 0);
	CHECK_EQ_INT(store_state_root(n->s, t, &root), 0);
	CHECK_EQ_INT(store_verify_state(n->s, t, &flat, &na, &ns), 0);
	db_abort(t);
	CHECK(h256_eq(&root, &h.state_root));
	CHECK(h256_eq(&flat, &root));
	return root;
}

/* Every account of the test, and the contract's slot, read the same in
 * both stores. */
static void same_accounts(node *a, node *b)
{
	db_txn *ta, *tb;
	CHECK_EQ_INT(db_begin_read(a->d, &ta), 0);
	CHECK_EQ_INT(db_begin_read(b->d, &tb), 0);
	for (int i = 0; i < NKEYS; i++) {
		state_account x, y;
		CHECK_EQ_INT(store_account(a->s, ta, &addrs[i], &x), 0);
		CHECK_EQ_INT(store_account(b->s, tb, &addrs[i], &y), 0);
		CHECK(x.nonce == y.nonce && u256_eq(&x.balance, &y.balance));
	}
	u256 one = u256_from_u64(1), x, y;
	int ea = store_storage(a->s, ta, &store_addr, &one, &x);
	int eb = store_storage(b->s, tb, &store_addr, &one, &y);
	CHECK_EQ_INT(ea, eb);
	CHECK(u256_eq(&x, &y));
	db_abort(ta);
	db_abort(tb);
}

static bool tx_known(node *n, const block *b)
{
	h256 th;
	uint64_t num;
	uint32_t idx;
	db_txn *t;
	if (tx_hash(&b->txs[0], &th) || db_begin_read(n->d, &t))
		return false;
	int err = store_tx_lookup(n->s, t, &th, &num, &idx);
	db_abort(t);
	return err == 0 && num == b->h.number && idx == 0;
}

static void test_reorgs(void)
{
	node main, ref;
	CHECK(node_open(&main, 0));
	block a[4], b[4];
	memset(a, 0, sizeof a);
	memset(b, 0, sizeof b);
	/* A: a1 a2 a3 on main. */
	for (int i = 1; i <= 3; i++)
		CHECK(grow(&main, 0, false, &a[i]));
	h256 root_a3 = checked_root(&main);

	/* B forks at a1 and writes the contract's storage: built on a store
	 * that holds a1 only. */
	CHECK(node_open(&ref, 0));
	import_result r;
	CHECK_EQ_INT(blockchain_import(ref.bc, &a[1], &r), 0);
	for (int i = 2; i <= 3; i++)
		CHECK(grow(&ref, i, true, &b[i]));
	h256 root_b3 = checked_root(&ref);
	CHECK(!h256_eq(&root_a3, &root_b3));

	/* main follows B: b2 unwinds a3 and a2. */
	CHECK_EQ_INT(blockchain_import(main.bc, &b[2], &r), 0);
	CHECK(r.canonical);
	CHECK_EQ_INT(r.reorg_depth, 2);
	CHECK_EQ_INT(blockchain_import(main.bc, &b[3], &r), 0);
	CHECK(r.canonical && r.reorg_depth == 0);
	h256 hb = head_hash(&main), hr = head_hash(&ref);
	CHECK(h256_eq(&hb, &hr));
	h256 root = checked_root(&main);
	CHECK(h256_eq(&root, &root_b3));
	same_accounts(&main, &ref);
	CHECK(tx_known(&main, &b[2]) && tx_known(&main, &b[3]));
	CHECK(!tx_known(&main, &a[2]) && !tx_known(&main, &a[3]));
	CHECK(tx_known(&main, &a[1]));
	/* Importing a stored block again does nothing. */
	CHECK_EQ_INT(blockchain_import(main.bc, &a[2], &r), 0);
	CHECK(r.known && !r.canonical);
	node_close(&ref);

	/* Back to A: a4, built on a store that holds a1..a3, reorgs main by
	 * two (b3, b2) and applies a2 a3 a4. */
	CHECK(node_open(&ref, 0));
	for (int i = 1; i <= 3; i++)
		CHECK_EQ_INT(blockchain_import(ref.bc, &a[i], &r), 0);
	CHECK(grow(&ref, 9, false, &a[0]));
	CHECK_EQ_INT(blockchain_import(main.bc, &a[0], &r), 0);
	CHECK(r.canonical);
	CHECK_EQ_INT(r.reorg_depth, 2);
	hb = head_hash(&main);
	hr = head_hash(&ref);
	CHECK(h256_eq(&hb, &hr));
	h256 root_ref = checked_root(&ref);
	root = checked_root(&main);
	CHECK(h256_eq(&root, &root_ref));
	same_accounts(&main, &ref);
	CHECK(!tx_known(&main, &b[2]) && tx_known(&main, &a[2]));
	node_close(&ref);
	node_close(&main);

	/* A reorg deeper than allowed is refused. */
	CHECK(node_open(&main, 1));
	for (int i = 1; i <= 3; i++)
		CHECK_EQ_INT(blockchain_import(main.bc, &a[i], &r), 0);
	CHECK_EQ_INT(blockchain_import(main.bc, &b[2], &r),
	             DURE_EBLOCK_REORG_DEPTH);
	hb = head_hash(&main);
	header h3;
	CHECK_EQ_INT(header_hash(&a[3].h, &hr), 0);
	CHECK(h256_eq(&hb, &hr));
	(void)h3;
	node_close(&main);
	for (int i = 0; i < 4; i++) {
		block_free(&a[i]);
		block_free(&b[i]);
	}
}

/* Under a longest-chain rule: b2 and b3 of a side branch are only kept
 * (not run); b4 makes the branch longer, so the node unwinds a3 and a2
 * and runs b2, b3 and b4 in order. The state then equals a store that
 * imported b's branch alone. */
static void test_side_branch(void)
{
	longest = *engine_merge();
	longest.prefer = prefer_longer;
	node main, ref;
	CHECK(node_open_with(&main, 0, &longest));
	CHECK(node_open_with(&ref, 0, &longest));
	block a[4], b[5];
	memset(a, 0, sizeof a);
	memset(b, 0, sizeof b);
	for (int i = 1; i <= 3; i++)
		CHECK(grow(&main, 0, false, &a[i]));
	import_result r;
	CHECK_EQ_INT(blockchain_import(ref.bc, &a[1], &r), 0);
	for (int i = 2; i <= 4; i++)
		CHECK(grow(&ref, 20 + i, true, &b[i]));
	h256 head_a = head_hash(&main);
	for (int i = 2; i <= 3; i++) {
		CHECK_EQ_INT(blockchain_import(main.bc, &b[i], &r), 0);
		CHECK(!r.canonical && !r.known);
		h256 h = head_hash(&main);
		CHECK(h256_eq(&h, &head_a));
	}
	checked_root(&main);
	CHECK_EQ_INT(blockchain_import(main.bc, &b[4], &r), 0);
	CHECK(r.canonical);
	CHECK_EQ_INT(r.reorg_depth, 2);
	h256 hm = head_hash(&main), hr = head_hash(&ref);
	CHECK(h256_eq(&hm, &hr));
	h256 rm = checked_root(&main), rr = checked_root(&ref);
	CHECK(h256_eq(&rm, &rr));
	same_accounts(&main, &ref);
	CHECK(tx_known(&main, &b[2]) && tx_known(&main, &b[3]) &&
	      !tx_known(&main, &a[2]));
	node_close(&main);
	node_close(&ref);
	for (int i = 0; i < 4; i++)
		block_free(&a[i]);
	for (int i = 0; i < 5; i++)
		block_free(&b[i]);
}

/* Whether route r removed the nr hashes of want_r and added the na of
 * want_a, in that order. */
static bool route_is(const chain_route *r, const h256 *want_r, size_t nr,
                     const h256 *want_a, size_t na)
{
	if (r->nremoved != nr || r->nadded != na)
		return false;
	for (size_t i = 0; i < nr; i++)
		if (!h256_eq(&r->removed[i], &want_r[i]))
			return false;
	for (size_t i = 0; i < na; i++)
		if (!h256_eq(&r->added[i], &want_a[i]))
			return false;
	return true;
}

/* The route between two blocks of a known fork: a1 a2 a3 on main, and
 * b2 b3 b4 on a1 (built on a store that holds a1 only), imported into
 * main, whose reorg limit of 2 lets a route hold 3 blocks a side. */
static void test_route(void)
{
	node main, ref;
	CHECK(node_open(&main, 2));
	CHECK(node_open(&ref, 0));
	block a[4], b[5];
	memset(a, 0, sizeof a);
	memset(b, 0, sizeof b);
	h256 ha[4], hb[5];
	for (int i = 1; i <= 3; i++) {
		CHECK(grow(&main, 0, false, &a[i]));
		CHECK_EQ_INT(header_hash(&a[i].h, &ha[i]), 0);
	}
	ha[0] = a[1].h.parent_hash;
	import_result r;
	CHECK_EQ_INT(blockchain_import(ref.bc, &a[1], &r), 0);
	for (int i = 2; i <= 4; i++) {
		CHECK(grow(&ref, 40 + i, false, &b[i]));
		CHECK_EQ_INT(header_hash(&b[i].h, &hb[i]), 0);
	}
	hb[1] = ha[1];

	chain_route rt;
	CHECK_EQ_INT(blockchain_route(main.bc, &ha[2], &ha[3], &rt), 0);
	CHECK(route_is(&rt, NULL, 0, &ha[3], 1));
	blockchain_route_free(&rt);
	CHECK_EQ_INT(blockchain_route(main.bc, &ha[3], &ha[3], &rt), 0);
	CHECK(route_is(&rt, NULL, 0, NULL, 0));
	blockchain_route_free(&rt);

	/* b2 takes the head from a3: a2 a3 leave, b2 joins. */
	CHECK_EQ_INT(blockchain_import(main.bc, &b[2], &r), 0);
	CHECK(r.canonical && r.reorg_depth == 2);
	CHECK_EQ_INT(blockchain_route(main.bc, &ha[3], &hb[2], &rt), 0);
	CHECK(route_is(&rt, &ha[2], 2, &hb[2], 1));
	blockchain_route_free(&rt);
	for (int i = 3; i <= 4; i++)
		CHECK_EQ_INT(blockchain_import(main.bc, &b[i], &r), 0);
	CHECK_EQ_INT(blockchain_route(main.bc, &ha[3], &hb[4], &rt), 0);
	CHECK(route_is(&rt, &ha[2], 2, &hb[2], 3));
	blockchain_route_free(&rt);
	/* Either way round, canonical or not: the walk reads headers. */
	CHECK_EQ_INT(blockchain_route(main.bc, &hb[3], &ha[3], &rt), 0);
	CHECK(route_is(&rt, &hb[2], 2, &ha[2], 2));
	blockchain_route_free(&rt);
	/* To a descendant, and back to an ancestor. */
	CHECK_EQ_INT(blockchain_route(main.bc, &ha[1], &hb[3], &rt), 0);
	CHECK(route_is(&rt, NULL, 0, &hb[2], 2));
	blockchain_route_free(&rt);
	CHECK_EQ_INT(blockchain_route(main.bc, &hb[4], &ha[1], &rt), 0);
	CHECK(route_is(&rt, &hb[2], 3, NULL, 0));
	blockchain_route_free(&rt);

	/* A rewind's route, worked out after it: the blocks above. */
	CHECK_EQ_INT(blockchain_rewind(main.bc, 2), 0);
	h256 head = head_hash(&main);
	CHECK(h256_eq(&head, &hb[2]));
	CHECK_EQ_INT(blockchain_route(main.bc, &hb[4], &head, &rt), 0);
	CHECK(route_is(&rt, &hb[3], 2, NULL, 0));
	blockchain_route_free(&rt);

	/* Four blocks on a side pass the limit; an unknown block is not
	 * found. Both leave the route empty. */
	CHECK_EQ_INT(blockchain_route(main.bc, &ha[0], &hb[4], &rt),
	             DURE_EBLOCK_REORG_DEPTH);
	CHECK(rt.nremoved == 0 && rt.nadded == 0 && !rt.removed && !rt.added);
	CHECK_EQ_INT(blockchain_route(main.bc, &ha[0], &hb[3], &rt), 0);
	CHECK(route_is(&rt, NULL, 0, hb + 1, 3));
	blockchain_route_free(&rt);
	h256 unknown;
	memset(unknown.b, 0x3c, 32);
	CHECK_EQ_INT(blockchain_route(main.bc, &unknown, &ha[1], &rt),
	             DURE_ENOTFOUND);
	CHECK_EQ_INT(blockchain_route(main.bc, &ha[1], &unknown, &rt),
	             DURE_ENOTFOUND);
	CHECK(rt.nremoved == 0 && rt.nadded == 0);
	node_close(&main);
	node_close(&ref);
	for (int i = 0; i < 4; i++)
		block_free(&a[i]);
	for (int i = 0; i < 5; i++)
		block_free(&b[i]);
}

/* keccak of every key and value of every table, in order. */
static h256 db_digest(node *n)
{
	static const char *const names[T_COUNT_] = STORE_TABLE_NAMES;
	keccak_ctx kc;
	keccak256_init(&kc);
	db_txn *t;
	CHECK_EQ_INT(db_begin_read(n->d, &t), 0);
	for (int i = 0; i < T_COUNT_; i++) {
		db_table tab;
		CHECK_EQ_INT(db_table_open(n->d, names[i], &tab), 0);
		db_cursor *c;
		CHECK_EQ_INT(db_cursor_open(t, tab, &c), 0);
		const uint8_t *k, *v;
		size_t kl, vl;
		for (int e = db_cursor_seek(c, NULL, 0, &k, &kl, &v, &vl); !e;
		     e = db_cursor_next(c, &k, &kl, &v, &vl)) {
			uint8_t len[16];
			memcpy(len, &kl, 8);
			memcpy(len + 8, &vl, 8);
			keccak256_update(&kc, len, 16);
			keccak256_update(&kc, k, kl);
			keccak256_update(&kc, v, vl);
		}
		db_cursor_close(c);
	}
	db_abort(t);
	h256 out;
	keccak256_final(&kc, out.b);
	return out;
}

/* Breaks one rule of a block (a copy of a valid one). */
typedef void (*breaker)(block *b);

static void bad_state_root(block *b) { b->h.state_root.b[0] ^= 1; }
static void bad_receipts_root(block *b) { b->h.receipts_root.b[0] ^= 1; }
static void bad_bloom(block *b) { b->h.bloom[7] ^= 1; }
static void bad_gas_used(block *b) { b->h.gas_used += 1; }
static void bad_gas_over(block *b) { b->h.gas_used = b->h.gas_limit + 1; }
static void bad_tx_root(block *b) { b->h.tx_root.b[0] ^= 1; }
static void bad_number(block *b) { b->h.number += 1; }
static void bad_timestamp(block *b) { b->h.timestamp -= 12; }
static void bad_gas_limit(block *b) { b->h.gas_limit += b->h.gas_limit / 512; }
static void bad_base_fee(block *b) { b->h.base_fee.w[0] += 1; }
static void bad_extra(block *b) { b->h.extra_len = 33; }
static void bad_difficulty(block *b) { b->h.difficulty.w[0] = 1; }
static void bad_nonce(block *b) { b->h.nonce[7] = 1; }
static void bad_parent(block *b) { b->h.parent_hash.b[5] ^= 1; }
static void bad_excess_blob(block *b) { b->h.excess_blob_gas = 131072; }
static void bad_withdrawals_root(block *b) { b->h.withdrawals_root.b[3] ^= 1; }
static void bad_ommers_hash(block *b) { b->h.ommers_hash.b[3] ^= 1; }
static void bad_tx_nonce(block *b)
{
	/* Swapping the two transactions of one sender breaks nonce order. */
	tx t = b->txs[0];
	b->txs[0] = b->txs[2];
	b->txs[2] = t;
	if (block_tx_root(b->txs, b->ntxs, &b->h.tx_root))
		abort();
}
static void bad_no_fields(block *b) { b->h.has_parent_beacon_root = false; b->h.has_blob_gas = false; }

static void test_rejections(void)
{
	static const struct {
		const char *name;
		breaker fn;
		int want;
	} cases[] = {
		{"state root", bad_state_root, DURE_EBLOCK_STATE_ROOT},
		{"receipts root", bad_receipts_root, DURE_EBLOCK_RECEIPTS_ROOT},
		{"bloom", bad_bloom, DURE_EBLOCK_BLOOM},
		{"gas used", bad_gas_used, DURE_EBLOCK_GAS_USED},
		{"gas over limit", bad_gas_over, DURE_EBLOCK_GAS_USED_OVER},
		{"tx root", bad_tx_root, DURE_EBLOCK_TX_ROOT},
		{"number", bad_number, DURE_EBLOCK_NUMBER},
		{"timestamp", bad_timestamp, DURE_EBLOCK_TIMESTAMP},
		{"gas limit", bad_gas_limit, DURE_EBLOCK_GAS_LIMIT},
		{"base fee", bad_base_fee, DURE_EBLOCK_BASE_FEE},
		{"extra data", bad_extra, DURE_EBLOCK_EXTRA_DATA},
		{"difficulty", bad_difficulty, DURE_EBLOCK_DIFFICULTY},
		{"nonce", bad_nonce, DURE_EBLOCK_NONCE},
		{"unknown parent", bad_parent, DURE_EBLOCK_UNKNOWN_PARENT},
		{"excess blob gas", bad_excess_blob, DURE_EBLOCK_EXCESS_BLOB_GAS},
		{"withdrawals root", bad_withdrawals_root,
		 DURE_EBLOCK_WITHDRAWALS_ROOT},
		{"ommers hash", bad_ommers_hash, DURE_EBLOCK_OMMERS},
		{"tx nonce order", bad_tx_nonce, DURE_ETR_NONCE},
		{"missing Cancun fields", bad_no_fields, DURE_EBLOCK_FIELDS},
	};
	node n, ref;
	CHECK(node_open(&n, 0));
	CHECK(node_open(&ref, 0));
	block g1 = {0}, g2 = {0};
	CHECK(grow(&n, 1, false, &g1));
	import_result r;
	CHECK_EQ_INT(blockchain_import(ref.bc, &g1, &r), 0);
	CHECK(grow(&ref, 2, true, &g2));
	h256 before = db_digest(&n);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		buf enc = BUF_INIT;
		block b = {0};
		CHECK_EQ_INT(block_encode(&g2, &enc), 0);
		CHECK_EQ_INT(block_decode(enc.data, enc.len, &b), 0);
		buf_free(&enc);
		cases[i].fn(&b);
		int err = blockchain_import(n.bc, &b, &r);
		if (err != cases[i].want)
			fprintf(stderr, "%s: got '%s', want '%s'\n", cases[i].name,
			        dure_strerror(err), dure_strerror(cases[i].want));
		CHECK_EQ_INT(err, cases[i].want);
		h256 after = db_digest(&n);
		CHECK(h256_eq(&before, &after));
		block_free(&b);
	}
	/* The unbroken block still imports. */
	CHECK_EQ_INT(blockchain_import(n.bc, &g2, &r), 0);
	CHECK(r.canonical);
	h256 after = db_digest(&n);
	CHECK(!h256_eq(&before, &after));
	block_free(&g1);
	block_free(&g2);
	node_close(&ref);
	node_close(&n);
}

/* A genesis far larger than the map and its headroom: the write is
 * redone with a grown map, and the stored state's root is the one the
 * alloc gives in memory. */
static void test_map_growth(void)
{
	char dir[] = "/tmp/dure-chain-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	json_t *alloc = json_object();
	for (unsigned i = 0; i < 20000; i++) {
		char a[41];
		snprintf(a, sizeof a, "%040x", i + 1);
		json_object_set_new(alloc, a, json_pack("{s:s}", "balance", "0x1"));
	}
	json_t *j = json_pack("{s:{s:i,s:i},s:o,s:s}", "config", "chainId", 7,
	                      "homesteadBlock", 0, "alloc", alloc, "gasLimit",
	                      "0x1000000");
	char *text = json_dumps(j, JSON_COMPACT);
	genesis g = {0};
	CHECK_EQ_INT(genesis_from_json(j, &g), 0);
	db *d = NULL;
	store *s = NULL;
	db_options o = {.initial_map = 1u << 20, .headroom = 1u << 20,
	                .no_sync = true};
	CHECK_EQ_INT(db_open(dir, &o, &d), 0);
	CHECK_EQ_INT(store_open(d, &s), 0);
	h256 hash, want_root;
	CHECK_EQ_INT(blockchain_init(s, &g, &hash), 0);
	state *st;
	CHECK_EQ_INT(state_new(&st), 0);
	CHECK_EQ_INT(genesis_apply(&g, st), 0);
	CHECK_EQ_INT(state_root(st, &want_root), 0);
	state_free(st);
	db_txn *t;
	h256 root;
	size_t na = 0, ns = 0;
	CHECK_EQ_INT(db_begin_read(d, &t), 0);
	CHECK_EQ_INT(store_verify_state(s, t, &root, &na, &ns), 0);
	db_abort(t);
	CHECK(h256_eq(&root, &want_root));
	CHECK_EQ_INT(na, 20000);
	db_stat ds;
	CHECK_EQ_INT(db_stats(d, &ds), 0);
	CHECK(ds.map_size > (4u << 20));
	store_free(s);
	db_close(d);
	genesis_free(&g);
	json_decref(j);
	free(text);
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
	for (int i = 0; i < NKEYS; i++) {
		memset(keys[i], 0, 32);
		keys[i][31] = (uint8_t)(i + 1);
		uint8_t pub[64], h[32];
		if (secp_pubkey_create(keys[i], pub))
			abort();
		keccak256(pub, 64, h);
		memcpy(addrs[i].b, h + 12, 20);
	}
	memset(store_addr.b, 0x5e, 20);
}

TEST_MAIN(setup, test_reorgs, test_side_branch, test_route, test_rejections,
          test_map_growth)
