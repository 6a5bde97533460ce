/* The state after past blocks (store/history.h) on a real chain: blocks
 * 1-3 under Shanghai, where SELFDESTRUCT deletes an account and wipes its
 * storage, then Cancun, where only an account created in the same
 * transaction dies. Over six blocks balances, nonces and code change, a
 * contract X is created by CREATE2 with two slots, gets a third, has one
 * set to zero, self-destructs, and is created again at the same address
 * with fresh storage; a contract Y is created and destroyed in one
 * transaction.
 *
 * Blocks are made here as the store sees them (the store layer sits below
 * the blockchain): the transactions run through the state transition over
 * the flat state, and store_apply writes the changes with their change
 * set, the header going in as the canonical head.
 *
 * Reference: for every block n, a second store that applied only blocks
 * 1..n holds the state after n as its head's flat state: every account
 * and slot read at n from the main store's history equals it, and the
 * slots of X equal the values its transactions wrote (by hand). */
/* nftw and its flags are X/Open. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "chain/block.h"
#include "chain/transition.h"
#include "crypto/keccak.h"
#include "crypto/secp.h"
#include "db/db.h"
#include "store/history.h"
#include "store/store.h"
#include "test.h"
#include "trie/trie.h"

#define NKEYS 3
#define NBLOCKS 6
#define GENESIS_TIME 0x1000
#define CANCUN_TIME (GENESIS_TIME + 4 * 12) /* block 4 on */

static uint8_t keys[NKEYS][32];
static address addrs[NKEYS];

/* CREATE2(0, calldata, salt 0) STOP: deploys its calldata as initcode. */
static const uint8_t FACTORY[] = {0x36, 0x60, 0x00, 0x60, 0x00, 0x37, 0x60,
                                  0x00, 0x36, 0x60, 0x00, 0x60, 0x00, 0xf5,
                                  0x00};
static address factory = {{[0] = 0xfa, [19] = 0x01}};
/* X's runtime: no calldata: SELFDESTRUCT(CALLER); else
 * SSTORE(calldata[0:32], calldata[32:64]). */
#define RUNTIME                                                               \
	0x36, 0x60, 0x06, 0x57, 0x33, 0xff, 0x5b, 0x60, 0x20, 0x35, 0x60, 0x00, \
	    0x35, 0x55, 0x00
static const uint8_t X_RUNTIME[] = {RUNTIME};
/* X's initcode: SSTORE(0, 0x11) SSTORE(1, 0x22), returns the runtime. */
static const uint8_t X_INIT[] = {
	0x60, 0x11, 0x60, 0x00, 0x55, 0x60, 0x22, 0x60, 0x01, 0x55, 0x60, 0x0f,
	0x60, 0x16, 0x60, 0x00, 0x39, 0x60, 0x0f, 0x60, 0x00, 0xf3, RUNTIME,
};
/* Y's initcode: SSTORE(0, 1) then SELFDESTRUCT(CALLER) while created. */
static const uint8_t Y_INIT[] = {0x60, 0x01, 0x60, 0x00, 0x55, 0x33, 0xff};

static address xaddr, yaddr;

typedef struct node {
	char dir[64];
	db *d;
	store *s;
} node;

static address create2_addr(const uint8_t *init, size_t n)
{
	uint8_t pre[85], h[32];
	pre[0] = 0xff;
	memcpy(pre + 1, factory.b, 20);
	memset(pre + 21, 0, 32);
	keccak256(init, n, pre + 53);
	keccak256(pre, sizeof pre, h);
	address a;
	memcpy(a.b, h + 12, 20);
	return a;
}

/* Writes the header of block `number` as the canonical head. */
static int put_head(node *n, db_txn *t, uint64_t number, const h256 *root)
{
	block b = {0};
	b.h.number = number;
	b.h.gas_limit = 30000000;
	b.h.state_root = *root;
	h256 hash = {{0}};
	hash.b[0] = 0xb1;
	hash.b[30] = (uint8_t)(number >> 8);
	hash.b[31] = (uint8_t)number;
	u256 td = U256_ZERO;
	int err = store_put_block(n->s, t, &b, &hash, &td);
	if (!err)
		err = store_set_canonical(n->s, t, &b, &hash);
	if (!err)
		err = store_set_head(n->s, t, &hash);
	return err;
}

/* Runs body over n's flat state in one write transaction and stores its
 * changes as block `number`. */
static bool commit_block(node *n, uint64_t number,
                         bool (*body)(state *st, uint64_t number))
{
	db_txn *t;
	if (db_begin_write(n->d, &t))
		return false;
	store_view v = {n->s, t};
	state_backend b;
	store_view_backend(&v, &b);
	state *st;
	const state_change *c;
	size_t nc;
	h256 root;
	bool ok = state_new_backed(&b, &st) == 0 && body(st, number) &&
	          state_changes(st, &c, &nc) == 0 &&
	          store_apply(n->s, t, number, c, nc, number > 0, &root) == 0 &&
	          put_head(n, t, number, &root) == 0;
	state_free(st);
	if (!ok) {
		db_abort(t);
		return false;
	}
	return db_commit(t) == 0;
}

static bool genesis_body(state *st, uint64_t number)
{
	(void)number;
	u256 bal = u256_from_u64(1000000000000000000ull);
	for (int i = 0; i < NKEYS; i++)
		state_set_balance(st, &addrs[i], &bal);
	state_set_code(st, &factory, FACTORY, sizeof FACTORY);
	state_set_nonce(st, &factory, 1);
	state_end_tx(st, true);
	return !state_failed(st);
}

static bool empty_body(state *st, uint64_t number)
{
	(void)st;
	(void)number;
	return true;
}

static bool node_open(node *n)
{
	memset(n, 0, sizeof *n);
	strcpy(n->dir, "/tmp/dure-hist-XXXXXX");
	if (!mkdtemp(n->dir))
		return false;
	return db_open(n->dir, &(db_options){.no_sync = true}, &n->d) == 0 &&
	       store_open(n->d, &n->s) == 0 && commit_block(n, 0, genesis_body);
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
	store_free(n->s);
	db_close(n->d);
	nftw(n->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static uint64_t nonces[NKEYS];

/* A signed EIP-1559 tx from key `from` (nonce tracked here). */
static tx make_tx(int from, const address *to, uint64_t value,
                  const uint8_t *data, size_t n, uint64_t gas)
{
	tx t = {0};
	t.type = TX_DYNAMIC_FEE;
	t.has_chain_id = true;
	t.chain_id = 1337;
	t.nonce = nonces[from]++;
	t.max_priority_fee = u256_from_u64(1000000000);
	t.max_fee = u256_from_u64(100000000000ull);
	t.gas_limit = gas;
	t.has_to = true;
	t.to = *to;
	t.value = u256_from_u64(value);
	if (n) {
		t.data = malloc(n);
		memcpy(t.data, data, n);
		t.data_size = n;
	}
	if (tx_sign(&t, keys[from]) != DURE_OK)
		abort();
	return t;
}

static tx store_tx(int from, uint64_t key, uint64_t value)
{
	uint8_t d[64] = {0};
	u256 k = u256_from_u64(key), v = u256_from_u64(value);
	u256_to_be(&k, d);
	u256_to_be(&v, d + 32);
	return make_tx(from, &xaddr, 0, d, 64, 100000);
}

static uint64_t nonces[NKEYS];

/* The transactions of block `number` (1..NBLOCKS), signed by key from[i]
 * into txs; returns their count. Nonces follow from the blocks before. */
static size_t block_txs(uint64_t number, tx *txs, int *from)
{
	size_t nt = 0;
#define ADD(k, t) (from[nt] = (k), txs[nt++] = (t))
	switch (number) {
	case 1:
		ADD(0, make_tx(0, &addrs[1], 1000, NULL, 0, 21000));
		ADD(0, make_tx(0, &factory, 0, X_INIT, sizeof X_INIT, 200000));
		break;
	case 2:
		ADD(0, store_tx(0, 2, 0x33));
		ADD(1, store_tx(1, 0, 0)); /* a slot set to zero */
		ADD(2, make_tx(2, &addrs[0], 77, NULL, 0, 21000));
		break;
	case 3: /* Shanghai: X is deleted, its storage wiped */
		ADD(1, make_tx(1, &xaddr, 0, NULL, 0, 100000));
		ADD(0, make_tx(0, &addrs[2], 5, NULL, 0, 21000));
		break;
	case 4: /* Cancun: X again; Y lives only inside its tx */
		ADD(0, make_tx(0, &factory, 0, X_INIT, sizeof X_INIT, 200000));
		ADD(2, make_tx(2, &factory, 0, Y_INIT, sizeof Y_INIT, 200000));
		break;
	case 5:
		ADD(2, store_tx(2, 1, 0x44));
		ADD(1, make_tx(1, &addrs[2], 9, NULL, 0, 21000));
		break;
	default: /* Cancun: SELFDESTRUCT of an older X only moves its balance */
		ADD(0, make_tx(0, &xaddr, 3, NULL, 0, 100000));
		ADD(1, make_tx(1, &xaddr, 0, NULL, 0, 100000));
		break;
	}
#undef ADD
	return nt;
}

static bool block_body(state *st, uint64_t number)
{
	tx txs[4];
	int from[4];
	size_t nt = block_txs(number, txs, from);
	block_env env = {0};
	env.coinbase.b[19] = (uint8_t)(0xc0 + number);
	env.number = number;
	env.timestamp = GENESIS_TIME + 12 * number;
	env.gas_limit = 30000000;
	env.base_fee = u256_from_u64(7);
	env.chain_id = 1337;
	fork rev = env.timestamp >= CANCUN_TIME ? FORK_CANCUN : FORK_SHANGHAI;
	block_gas used = {0};
	bool ok = true;
	for (size_t i = 0; i < nt; i++) {
		receipt rc;
		ok = ok && transition_apply(st, rev, &env, &txs[i], &addrs[from[i]],
		                            &used, NULL, NULL, &rc) == 0;
		if (ok) {
			CHECK(rc.success);
			used.gas += rc.gas_used;
			receipt_free(&rc);
		}
		tx_free(&txs[i]);
	}
	return ok && !state_failed(st);
}

/* The accounts and slots compared. */
static address watched[NKEYS + 4 + NBLOCKS];
static size_t nwatched;

static void same_account(store_history *h, db_txn *t, uint64_t n,
                         node *ref, db_txn *rt, const address *a)
{
	state_account x, y;
	int ex = store_account_at(h, t, n, a, &x);
	int ey = store_account(ref->s, rt, a, &y);
	CHECK_EQ_INT(ex, ey);
	CHECK(x.nonce == y.nonce);
	CHECK(u256_eq(&x.balance, &y.balance));
	CHECK(h256_eq(&x.code_hash, &y.code_hash));
	CHECK(h256_eq(&x.storage_root, &y.storage_root));
	for (uint64_t k = 0; k < 4; k++) {
		u256 key = u256_from_u64(k), vx, vy;
		int sx = store_storage_at(h, t, n, a, &key, &vx);
		int sy = store_storage(ref->s, rt, a, &key, &vy);
		CHECK_EQ_INT(sx, sy);
		CHECK(u256_eq(&vx, &vy));
	}
}

/* X's slots 0..3 after each block, by hand from its transactions:
 * -1 for X absent. */
static const int64_t X_SLOTS[NBLOCKS + 1][4] = {
	{-1}, {0x11, 0x22, 0, 0}, {0, 0x22, 0x33, 0}, {-1},
	{0x11, 0x22, 0, 0}, {0x11, 0x44, 0, 0}, {0x11, 0x44, 0, 0},
};

static void check_x(store_history *h, db_txn *t, uint64_t n)
{
	state_account a;
	int err = store_account_at(h, t, n, &xaddr, &a);
	if (X_SLOTS[n][0] < 0) {
		CHECK_EQ_INT(err, DURE_ENOTFOUND);
	} else {
		CHECK_EQ_INT(err, DURE_OK);
		h256 ch;
		keccak256(X_RUNTIME, sizeof X_RUNTIME, ch.b);
		CHECK(h256_eq(&a.code_hash, &ch));
	}
	for (uint64_t k = 0; k < 4; k++) {
		u256 key = u256_from_u64(k), v;
		int e = store_storage_at(h, t, n, &xaddr, &key, &v);
		int64_t want = X_SLOTS[n][0] < 0 ? 0 : X_SLOTS[n][k];
		CHECK_EQ_INT(e, want ? DURE_OK : DURE_ENOTFOUND);
		CHECK_EQ_INT(v.w[0], want);
	}
	CHECK_EQ_INT(store_account_at(h, t, n, &yaddr, &a), DURE_ENOTFOUND);
}

static bool same_trie_proof(const trie_proof *x, const trie_proof *y)
{
	if (x->n != y->n)
		return false;
	for (size_t i = 0; i < x->n; i++)
		if (x->lens[i] != y->lens[i] ||
		    memcmp(x->nodes[i], y->nodes[i], x->lens[i]))
			return false;
	return true;
}

/* A proof of a at block n rebuilt from the change sets is node for node
 * the reference's proof of its head, and it holds against block n's
 * state root. */
static void same_proof(store_history *h, db_txn *t, uint64_t n, node *ref,
                       db_txn *rt, const address *a)
{
	u256 slots[4];
	for (uint64_t k = 0; k < 4; k++)
		slots[k] = u256_from_u64(k);
	store_proof x, y;
	CHECK_EQ_INT(store_prove_at(h, t, n, a, slots, 4, &x), DURE_OK);
	CHECK_EQ_INT(store_prove(ref->s, rt, a, slots, 4, &y), DURE_OK);
	CHECK(h256_eq(&x.state_root, &y.state_root));
	CHECK_EQ_INT(x.exists, y.exists);
	CHECK(x.account.nonce == y.account.nonce);
	CHECK(u256_eq(&x.account.balance, &y.account.balance));
	CHECK(h256_eq(&x.account.storage_root, &y.account.storage_root));
	CHECK(h256_eq(&x.account.code_hash, &y.account.code_hash));
	CHECK(same_trie_proof(&x.account_proof, &y.account_proof));
	for (size_t k = 0; k < 4; k++) {
		CHECK(same_trie_proof(&x.storage[k], &y.storage[k]));
		CHECK(u256_eq(&x.values[k], &y.values[k]));
	}
	h256 hash;
	header hd;
	CHECK_EQ_INT(store_canonical(ref->s, rt, n, &hash), DURE_OK);
	CHECK_EQ_INT(store_header(ref->s, rt, &hash, &hd), DURE_OK);
	uint8_t hk[32];
	keccak256(a->b, 20, hk);
	const uint8_t *v;
	size_t vl;
	CHECK_EQ_INT(trie_verify_proof(&hd.state_root, hk, 32, &x.account_proof,
	                               &v, &vl),
	             x.exists ? DURE_OK : DURE_ENOTFOUND);
	store_proof_free(&x);
	store_proof_free(&y);
}

/* Through the state_backend: a state over block n reads what the
 * reference's head holds, code included. */
static void same_through_state(store_history *h, db_txn *t, uint64_t n,
                               node *ref, db_txn *rt)
{
	store_history_view v;
	CHECK_EQ_INT(store_history_view_init(h, t, n, &v), DURE_OK);
	state_backend b;
	store_history_backend(&v, &b);
	store_view rv = {ref->s, rt};
	state_backend rb;
	store_view_backend(&rv, &rb);
	state *x, *y;
	CHECK_EQ_INT(state_new_backed(&b, &x), DURE_OK);
	CHECK_EQ_INT(state_new_backed(&rb, &y), DURE_OK);
	for (size_t i = 0; i < nwatched; i++) {
		const address *a = &watched[i];
		CHECK_EQ_INT(state_exists(x, a), state_exists(y, a));
		CHECK_EQ_INT(state_nonce(x, a), state_nonce(y, a));
		u256 bx = state_balance(x, a), by = state_balance(y, a);
		CHECK(u256_eq(&bx, &by));
		size_t lx, ly;
		const uint8_t *cx = state_code(x, a, &lx);
		const uint8_t *cy = state_code(y, a, &ly);
		CHECK_EQ_INT(lx, ly);
		CHECK(lx == ly && (lx == 0 || !memcmp(cx, cy, lx)));
		for (uint64_t k = 0; k < 4; k++) {
			u256 sx = state_storage(x, a, &(u256){{k, 0, 0, 0}});
			u256 sy = state_storage(y, a, &(u256){{k, 0, 0, 0}});
			CHECK(u256_eq(&sx, &sy));
		}
	}
	CHECK_EQ_INT(state_error(x), DURE_OK);
	state_free(x);
	state_free(y);
}

static void test_history(void)
{
	for (int i = 0; i < NKEYS; i++) {
		memset(keys[i], 0, 32);
		keys[i][31] = (uint8_t)(i + 1);
		uint8_t pub[64];
		if (secp_pubkey_create(keys[i], pub) != DURE_OK)
			abort();
		secp_pubkey_address(pub, &addrs[i]);
	}
	xaddr = create2_addr(X_INIT, sizeof X_INIT);
	yaddr = create2_addr(Y_INIT, sizeof Y_INIT);
	nwatched = 0;
	for (int i = 0; i < NKEYS; i++)
		watched[nwatched++] = addrs[i];
	watched[nwatched++] = factory;
	watched[nwatched++] = xaddr;
	watched[nwatched++] = yaddr;
	for (int b = 1; b <= NBLOCKS; b++) {
		address cb = {{0}};
		cb.b[19] = (uint8_t)(0xc0 + b);
		watched[nwatched++] = cb;
	}

	node main;
	CHECK(node_open(&main));
	memset(nonces, 0, sizeof nonces);
	for (uint64_t b = 1; b <= NBLOCKS; b++)
		CHECK(commit_block(&main, b, block_body));
	store_history *h;
	CHECK_EQ_INT(store_history_open(main.s, &h), DURE_OK);
	db_txn *t;
	CHECK_EQ_INT(db_begin_read(main.d, &t), DURE_OK);
	uint64_t head;
	CHECK_EQ_INT(store_history_head(h, t, &head), DURE_OK);
	CHECK_EQ_INT(head, NBLOCKS);

	for (uint64_t n = 0; n <= NBLOCKS; n++) {
		node ref;
		CHECK(node_open(&ref));
		memset(nonces, 0, sizeof nonces);
		for (uint64_t b = 1; b <= n; b++)
			CHECK(commit_block(&ref, b, block_body));
		db_txn *rt;
		CHECK_EQ_INT(db_begin_read(ref.d, &rt), DURE_OK);
		for (size_t i = 0; i < nwatched; i++)
			same_account(h, t, n, &ref, rt, &watched[i]);
		for (size_t i = 0; i < nwatched; i++)
			same_proof(h, t, n, &ref, rt, &watched[i]);
		same_through_state(h, t, n, &ref, rt);
		check_x(h, t, n);
		db_abort(rt);
		node_close(&ref);
	}
	/* Nonces and balances hand-checked at two points: after block 1,
	 * key 0 sent two txs; after block 3, key 2 received 5 wei. */
	state_account a;
	CHECK_EQ_INT(store_account_at(h, t, 1, &addrs[0], &a), DURE_OK);
	CHECK_EQ_INT(a.nonce, 2);
	CHECK_EQ_INT(store_account_at(h, t, 0, &addrs[0], &a), DURE_OK);
	CHECK_EQ_INT(a.nonce, 0);
	CHECK_EQ_INT(store_account_at(h, t, NBLOCKS + 1, &addrs[0], &a),
	             DURE_ERANGE);
	u256 v;
	CHECK_EQ_INT(store_storage_at(h, t, NBLOCKS + 1, &xaddr, &U256_ZERO, &v),
	             DURE_ERANGE);
	store_proof p;
	CHECK_EQ_INT(store_prove_at(h, t, NBLOCKS + 1, &xaddr, NULL, 0, &p),
	             DURE_ERANGE);
	db_abort(t);

	/* Proofs reach exactly STORE_PROOF_DEPTH_MAX blocks down. */
	for (uint64_t b = NBLOCKS + 1; b <= NBLOCKS + STORE_PROOF_DEPTH_MAX; b++)
		CHECK(commit_block(&main, b, empty_body));
	CHECK_EQ_INT(db_begin_read(main.d, &t), DURE_OK);
	CHECK_EQ_INT(store_prove_at(h, t, NBLOCKS, &xaddr, NULL, 0, &p), DURE_OK);
	CHECK(p.exists);
	store_proof_free(&p);
	CHECK_EQ_INT(store_prove_at(h, t, NBLOCKS - 1, &xaddr, NULL, 0, &p),
	             DURE_EPROOF_DEPTH);
	CHECK_EQ_INT(p.account_proof.n, 0);
	db_abort(t);
	store_history_free(h);
	node_close(&main);
}

TEST_MAIN(test_history)
