/* The transaction pool's rules, one test each, with real transactions
 * signed by fixed keys (the secret keys 1..5, whose addresses are the
 * well-known 0x7e5f.., 0x2b5a.., 0x6813.., 0x1eff.., 0xe1ab..) and a fake
 * head state. Expected hashes are keccak256 of the bytes submitted; expected
 * orders and thresholds are worked out by hand in the comments. */
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "chain/tx.h"
#include "crypto/keccak.h"
#include "crypto/secp.h"
#include "test.h"
#include "txpool/txpool.h"

#define GWEI 1000000000ULL

/* ---- a fake head state ---- */

typedef struct fake_acct {
	address addr;
	uint64_t nonce;
	u256 balance;
	bool code;
} fake_acct;

typedef struct world {
	fake_acct v[8];
	size_t n;
	int fail;               /* returned by every read when nonzero */
} world;

static int fake_account(void *ctx, const address *a, uint64_t *nonce,
                        u256 *balance, bool *has_code)
{
	world *w = ctx;
	*nonce = 0;
	*balance = U256_ZERO;
	*has_code = false;
	if (w->fail)
		return w->fail;
	for (size_t i = 0; i < w->n; i++)
		if (address_eq(&w->v[i].addr, a)) {
			*nonce = w->v[i].nonce;
			*balance = w->v[i].balance;
			*has_code = w->v[i].code;
		}
	return DURE_OK;
}

static fake_acct *acct_of(world *w, const address *a)
{
	for (size_t i = 0; i < w->n; i++)
		if (address_eq(&w->v[i].addr, a))
			return &w->v[i];
	abort();
}

/* ---- keys ---- */

static uint8_t KEY[6][32];
static address ADDR[6];

static void keys_init(void)
{
	for (int i = 1; i <= 5; i++) {
		memset(KEY[i], 0, 32);
		KEY[i][31] = (uint8_t)i;
		uint8_t pub[64];
		if (secp_pubkey_create(KEY[i], pub) != DURE_OK)
			abort();
		secp_pubkey_address(pub, &ADDR[i]);
	}
}

static bool addr_is(const address *a, const char *hex)
{
	buf b = BUF_INIT;
	bool ok = hex_decode(hex, strlen(hex), &b) == DURE_OK && b.len == 20 &&
	          memcmp(b.data, a->b, 20) == 0;
	buf_free(&b);
	return ok;
}

static world W;

/* Every sender funded with 10 ether at nonce 0. */
static void world_reset(void)
{
	memset(&W, 0, sizeof W);
	for (int i = 1; i <= 5; i++) {
		W.v[W.n].addr = ADDR[i];
		W.v[W.n].balance = u256_from_u64(10000000000000000000ULL);
		W.n++;
	}
}

static txpool_env env_at(fork rev, uint64_t base_fee)
{
	txpool_env e = {0};
	e.rev = rev;
	e.chain_id = 1;
	e.base_fee = u256_from_u64(base_fee);
	e.gas_limit = 30000000;
	e.account = fake_account;
	e.ctx = &W;
	return e;
}

/* ---- transactions ---- */

/* A transfer of 1 wei: legacy and EIP-2930 bid cap as their gas price. */
static tx mk(uint8_t type, uint64_t nonce, uint64_t tip, uint64_t cap)
{
	tx t;
	memset(&t, 0, sizeof t);
	t.type = type;
	t.has_chain_id = true;
	t.chain_id = 1;
	t.nonce = nonce;
	if (type >= TX_DYNAMIC_FEE) {
		t.max_priority_fee = u256_from_u64(tip);
		t.max_fee = u256_from_u64(cap);
	} else {
		t.gas_price = u256_from_u64(cap);
	}
	t.gas_limit = 21000;
	t.has_to = true;
	memset(t.to.b, 0x33, 20);
	t.value = u256_from_u64(1);
	return t;
}

/* Signs t with key i and returns its network encoding. */
static buf sign_raw(tx *t, int i)
{
	buf b = BUF_INIT;
	if (tx_sign(t, KEY[i]) != DURE_OK || tx_encode(t, &b) != DURE_OK)
		abort();
	return b;
}

static h256 keccak_of(const buf *b)
{
	h256 h;
	keccak256(b->data, b->len, h.b);
	return h;
}

/* Signs, submits through txpool_add_raw, returns the code; *hash is
 * keccak256 of what was submitted. */
static int submit(txpool *p, const txpool_env *env, tx t, int key, h256 *hash,
                  txpool_result *res)
{
	buf b = sign_raw(&t, key);
	txpool_result r;
	if (hash)
		*hash = keccak_of(&b);
	int err = txpool_add_raw(p, env, b.data, b.len, res ? res : &r);
	buf_free(&b);
	tx_free(&t);
	return err;
}

static txpool *pool_with(size_t account_slots, size_t global_slots,
                         uint64_t min_tip)
{
	txpool_config c = {0};
	c.account_slots = account_slots;
	c.global_slots = global_slots;
	c.min_tip = u256_from_u64(min_tip);
	c.hash_seed = 0x5eed;
	txpool *p;
	if (txpool_new(&c, &p) != DURE_OK)
		abort();
	return p;
}

/* ---- what the pool looks like from outside ---- */

typedef struct snapshot {
	size_t pending, queued;
	h256 order[32];         /* block order at the snapshot's base fee */
	size_t norder;
} snapshot;

static snapshot snap(const txpool *p, uint64_t base_fee)
{
	snapshot s;
	memset(&s, 0, sizeof s);
	s.pending = txpool_pending_count(p);
	s.queued = txpool_queued_count(p);
	u256 bf = u256_from_u64(base_fee), blob = U256_ZERO;
	txpool_iter *it;
	if (txpool_iter_new(p, &bf, &blob, &it) != DURE_OK)
		abort();
	const txpool_entry *e;
	while ((e = txpool_iter_next(it)) && s.norder < 32)
		s.order[s.norder++] = e->hash;
	txpool_iter_free(it);
	return s;
}

static bool snap_eq(const snapshot *a, const snapshot *b)
{
	if (a->pending != b->pending || a->queued != b->queued ||
	    a->norder != b->norder)
		return false;
	for (size_t i = 0; i < a->norder; i++)
		if (!h256_eq(&a->order[i], &b->order[i]))
			return false;
	return true;
}

/* Submits t and checks it is refused with want and changes nothing. */
static void check_refused(txpool *p, const txpool_env *env, tx t, int key,
                          int want)
{
	snapshot before = snap(p, 0);
	h256 h;
	txpool_result r;
	memset(&r, 0xaa, sizeof r);
	CHECK_EQ_INT(submit(p, env, t, key, &h, &r), want);
	txpool_result zero;
	memset(&zero, 0, sizeof zero);
	CHECK(memcmp(&r, &zero, sizeof r) == 0);
	snapshot after = snap(p, 0);
	CHECK(snap_eq(&before, &after));
	if (want != DURE_EPOOL_KNOWN)
		CHECK(txpool_get(p, &h) == NULL);
}

/* ---- tests ---- */

static void test_keys(void)
{
	keys_init();
	CHECK(addr_is(&ADDR[1], "7e5f4552091a69125d5dfcb7b8c2659029395bdf"));
	CHECK(addr_is(&ADDR[2], "2b5ad5c4795c026514f8317c7a215e218dccd6cf"));
	CHECK(addr_is(&ADDR[3], "6813eb9362372eef6200f3b1dbc3f819671cba69"));
	CHECK(addr_is(&ADDR[4], "1eff47bc3a10a45d4b230b5d10e37751fe6aa718"));
	CHECK(addr_is(&ADDR[5], "e1ab8145f7e55dc933d51a18c793f901a3a0b276"));
}

static void test_types_accepted(void)
{
	world_reset();
	txpool *p = pool_with(0, 0, 1);
	txpool_env env = env_at(FORK_LONDON, 7 * GWEI);
	const uint8_t types[3] = {TX_LEGACY, TX_ACCESS_LIST, TX_DYNAMIC_FEE};
	for (int i = 0; i < 3; i++) {
		h256 h;
		txpool_result r;
		CHECK_EQ_INT(submit(p, &env, mk(types[i], 0, 2 * GWEI, 20 * GWEI), i + 1,
		                    &h, &r), DURE_OK);
		CHECK(h256_eq(&r.hash, &h));
		CHECK(address_eq(&r.sender, &ADDR[i + 1]));
		CHECK(r.pending);
		CHECK(!r.replaced);
		const txpool_entry *e = txpool_get(p, &h);
		CHECK(e != NULL);
		if (e) {
			CHECK_EQ_INT(e->tx.type, types[i]);
			CHECK(address_eq(&e->sender, &ADDR[i + 1]));
			CHECK(e->pending);
			h256 again;
			keccak256(e->raw, e->raw_len, again.b);
			CHECK(h256_eq(&again, &h));
		}
	}
	CHECK_EQ_INT(txpool_pending_count(p), 3);
	CHECK_EQ_INT(txpool_queued_count(p), 0);
	/* A legacy tx without EIP-155 runs on any chain. */
	tx t = mk(TX_LEGACY, 0, 0, 20 * GWEI);
	t.has_chain_id = false;
	t.chain_id = 0;
	CHECK_EQ_INT(submit(p, &env, t, 4, NULL, NULL), DURE_OK);
	txpool_free(p);
}

/* A blob tx paying exactly gas * max fee + value + blobs * 131072 * max
 * blob fee. */
static tx mk_blob(uint64_t nonce, uint64_t blob_fee, size_t nblobs)
{
	tx t = mk(TX_BLOB, nonce, 1 * GWEI, 10 * GWEI);
	t.max_fee_per_blob_gas = u256_from_u64(blob_fee);
	t.blob_hashes = calloc(nblobs, sizeof *t.blob_hashes);
	if (!t.blob_hashes)
		abort();
	t.blob_hashes_len = nblobs;
	for (size_t i = 0; i < nblobs; i++) {
		t.blob_hashes[i].b[0] = 0x01; /* EIP-4844's KZG version */
		t.blob_hashes[i].b[31] = (uint8_t)i;
	}
	return t;
}

static void test_blob(void)
{
	world_reset();
	txpool *p = pool_with(0, 0, 1);
	txpool_env london = env_at(FORK_LONDON, 1 * GWEI);
	check_refused(p, &london, mk_blob(0, 100, 1), 1, DURE_ETX_TYPE_FORK);

	txpool_env cancun = env_at(FORK_CANCUN, 1 * GWEI);
	cancun.blob_base_fee = u256_from_u64(50);
	/* 21000 * 10 gwei + 1 + 2 * 131072 * 100 = 210000000000000 + 1 + 26214400 */
	fake_acct *a = acct_of(&W, &ADDR[1]);
	a->balance = u256_from_u64(210000000000000ULL + 1 + 26214400 - 1);
	check_refused(p, &cancun, mk_blob(0, 100, 2), 1, DURE_ETR_FUNDS);
	a->balance = u256_from_u64(210000000000000ULL + 1 + 26214400);
	h256 h;
	CHECK_EQ_INT(submit(p, &cancun, mk_blob(0, 100, 2), 1, &h, NULL), DURE_OK);
	check_refused(p, &cancun, mk_blob(1, 100, 0), 1, DURE_ETX_BLOB_COUNT);

	/* Blocks: a blob fee cap of 100 pays a blob base fee of 100, not 101. */
	u256 bf = u256_from_u64(1 * GWEI), blob = u256_from_u64(100);
	txpool_iter *it;
	CHECK_EQ_INT(txpool_iter_new(p, &bf, &blob, &it), DURE_OK);
	const txpool_entry *e = txpool_iter_peek(it);
	CHECK(e && h256_eq(&e->hash, &h));
	txpool_iter_free(it);
	blob = u256_from_u64(101);
	CHECK_EQ_INT(txpool_iter_new(p, &bf, &blob, &it), DURE_OK);
	CHECK(txpool_iter_peek(it) == NULL);
	txpool_iter_free(it);
	txpool_free(p);
}

static void test_rejections(void)
{
	world_reset();
	txpool_config c = {0};
	c.max_tx_size = 300;
	c.min_tip = u256_from_u64(1 * GWEI);
	txpool *p;
	CHECK_EQ_INT(txpool_new(&c, &p), DURE_OK);
	txpool_env env = env_at(FORK_LONDON, 7 * GWEI);
	h256 h0;
	CHECK_EQ_INT(submit(p, &env, mk(TX_DYNAMIC_FEE, 0, 2 * GWEI, 20 * GWEI), 1,
	                    &h0, NULL), DURE_OK);
	CHECK_EQ_INT(submit(p, &env, mk(TX_DYNAMIC_FEE, 0, 2 * GWEI, 20 * GWEI), 2,
	                    NULL, NULL), DURE_OK);

	/* Size: 250 bytes of data put the encoding above 300 bytes. */
	tx t = mk(TX_DYNAMIC_FEE, 1, 2 * GWEI, 20 * GWEI);
	t.data = calloc(250, 1);
	t.data_size = 250;
	memset(t.data, 0xff, 250);
	t.gas_limit = 21000 + 250 * 16;
	check_refused(p, &env, t, 1, DURE_EPOOL_SIZE);

	/* Known: the same bytes again. */
	check_refused(p, &env, mk(TX_DYNAMIC_FEE, 0, 2 * GWEI, 20 * GWEI), 1,
	              DURE_EPOOL_KNOWN);
	CHECK(txpool_get(p, &h0) != NULL);

	t = mk(TX_DYNAMIC_FEE, 1, 2 * GWEI, 20 * GWEI);
	t.chain_id = 5;
	check_refused(p, &env, t, 1, DURE_ETX_CHAIN_ID);

	t = mk(TX_DYNAMIC_FEE, 1, 2 * GWEI, 20 * GWEI);
	t.gas_limit = 20999;
	check_refused(p, &env, t, 1, DURE_ETX_INTRINSIC_GAS);

	t = mk(TX_DYNAMIC_FEE, 1, 2 * GWEI, 20 * GWEI);
	t.gas_limit = 30000001;
	check_refused(p, &env, t, 1, DURE_EPOOL_GAS_LIMIT);
	t = mk(TX_DYNAMIC_FEE, 1, 2 * GWEI, 20 * GWEI);
	t.gas_limit = 30000000;
	CHECK_EQ_INT(submit(p, &env, t, 1, NULL, NULL), DURE_OK);

	/* Tip floor 1 gwei; the legacy gas price is its tip. */
	check_refused(p, &env, mk(TX_DYNAMIC_FEE, 2, 1 * GWEI - 1, 20 * GWEI), 1,
	              DURE_EPOOL_UNDERPRICED);
	check_refused(p, &env, mk(TX_LEGACY, 2, 0, 1 * GWEI - 1), 1,
	              DURE_EPOOL_UNDERPRICED);

	check_refused(p, &env, mk(TX_DYNAMIC_FEE, 2, 3 * GWEI, 2 * GWEI), 1,
	              DURE_ETX_TIP_ABOVE_MAX);

	/* A bad signature: r zero. */
	t = mk(TX_DYNAMIC_FEE, 2, 2 * GWEI, 20 * GWEI);
	if (tx_sign(&t, KEY[1]) != DURE_OK)
		abort();
	t.r = U256_ZERO;
	buf b = BUF_INIT;
	if (tx_encode(&t, &b) != DURE_OK)
		abort();
	txpool_result r;
	CHECK_EQ_INT(txpool_add_raw(p, &env, b.data, b.len, &r), DURE_ETX_SIG_RANGE);
	buf_free(&b);
	tx_free(&t);
	CHECK_EQ_INT(txpool_add_raw(p, &env, (const uint8_t *)"\xc0", 1, &r),
	             DURE_ETX_FORMAT);

	/* Nonce: the account is at 5 now. */
	acct_of(&W, &ADDR[3])->nonce = 5;
	check_refused(p, &env, mk(TX_DYNAMIC_FEE, 4, 2 * GWEI, 20 * GWEI), 3,
	              DURE_EPOOL_NONCE_LOW);
	/* Gap: the next nonce is 5; 5 + 64 is the furthest allowed. */
	check_refused(p, &env, mk(TX_DYNAMIC_FEE, 5 + 65, 2 * GWEI, 20 * GWEI), 3,
	              DURE_EPOOL_NONCE_GAP);
	txpool_result rq;
	CHECK_EQ_INT(submit(p, &env, mk(TX_DYNAMIC_FEE, 5 + 64, 2 * GWEI, 20 * GWEI),
	                    3, NULL, &rq), DURE_OK);
	CHECK(!rq.pending);

	/* EIP-3607. */
	acct_of(&W, &ADDR[4])->code = true;
	check_refused(p, &env, mk(TX_DYNAMIC_FEE, 0, 2 * GWEI, 20 * GWEI), 4,
	              DURE_ETR_SENDER_CODE);

	/* Funds: 21000 * 20 gwei + 1 wei of value = 420000000000001. */
	fake_acct *a5 = acct_of(&W, &ADDR[5]);
	a5->balance = u256_from_u64(420000000000000ULL);
	check_refused(p, &env, mk(TX_DYNAMIC_FEE, 0, 2 * GWEI, 20 * GWEI), 5,
	              DURE_ETR_FUNDS);
	/* A value that overflows 256 bits with the gas. */
	a5->balance = U256_MAX;
	t = mk(TX_DYNAMIC_FEE, 0, 2 * GWEI, 20 * GWEI);
	t.value = U256_MAX;
	check_refused(p, &env, t, 5, DURE_ETR_FUNDS);
	a5->balance = u256_from_u64(420000000000001ULL);
	CHECK_EQ_INT(submit(p, &env, mk(TX_DYNAMIC_FEE, 0, 2 * GWEI, 20 * GWEI), 5,
	                    NULL, NULL), DURE_OK);

	/* The account reader's error passes through. */
	W.fail = DURE_EDB;
	check_refused(p, &env, mk(TX_DYNAMIC_FEE, 0, 2 * GWEI, 20 * GWEI), 4,
	              DURE_EDB);
	W.fail = 0;

	CHECK_EQ_INT(txpool_pending_count(p), 4);
	CHECK_EQ_INT(txpool_queued_count(p), 1);
	txpool_free(p);
}

static void test_replacement(void)
{
	world_reset();
	txpool *p = pool_with(0, 0, 1);
	txpool_env env = env_at(FORK_LONDON, 7 * GWEI);
	h256 h0, h1;
	CHECK_EQ_INT(submit(p, &env, mk(TX_DYNAMIC_FEE, 0, 10 * GWEI, 100 * GWEI),
	                    1, &h0, NULL), DURE_OK);
	/* +10% is 110 gwei cap and 11 gwei tip; one short of either fails. */
	check_refused(p, &env, mk(TX_DYNAMIC_FEE, 0, 11 * GWEI, 109 * GWEI), 1,
	              DURE_EPOOL_REPLACE);
	check_refused(p, &env, mk(TX_DYNAMIC_FEE, 0, 11 * GWEI - 1, 110 * GWEI), 1,
	              DURE_EPOOL_REPLACE);
	check_refused(p, &env, mk(TX_DYNAMIC_FEE, 0, 10900000000ULL, 200 * GWEI), 1,
	              DURE_EPOOL_REPLACE);
	CHECK(txpool_get(p, &h0) != NULL);
	txpool_result r;
	CHECK_EQ_INT(submit(p, &env, mk(TX_DYNAMIC_FEE, 0, 11 * GWEI, 110 * GWEI),
	                    1, &h1, &r), DURE_OK);
	CHECK(r.replaced);
	CHECK(h256_eq(&r.replaced_hash, &h0));
	CHECK(r.pending);
	CHECK(txpool_get(p, &h0) == NULL);
	CHECK(txpool_get(p, &h1) != NULL);
	CHECK_EQ_INT(txpool_pending_count(p), 1);
	CHECK_EQ_INT(txpool_queued_count(p), 0);

	/* Legacy: 100 gwei -> 109 refused, 110 taken; a type change is fine. */
	CHECK_EQ_INT(submit(p, &env, mk(TX_LEGACY, 0, 0, 100 * GWEI), 2, NULL, NULL),
	             DURE_OK);
	check_refused(p, &env, mk(TX_LEGACY, 0, 0, 109 * GWEI), 2,
	              DURE_EPOOL_REPLACE);
	CHECK_EQ_INT(submit(p, &env, mk(TX_ACCESS_LIST, 0, 0, 110 * GWEI), 2, NULL,
	                    &r), DURE_OK);
	CHECK(r.replaced);

	/* Wei-level fees: 10 * 1.1 rounds to 11, and 1 wei must still rise. */
	CHECK_EQ_INT(submit(p, &env, mk(TX_DYNAMIC_FEE, 1, 1, 8 * GWEI), 1, NULL,
	                    NULL), DURE_OK);
	check_refused(p, &env, mk(TX_DYNAMIC_FEE, 1, 1, 9 * GWEI), 1,
	              DURE_EPOOL_REPLACE);
	CHECK_EQ_INT(submit(p, &env, mk(TX_DYNAMIC_FEE, 1, 2, 9 * GWEI), 1, NULL,
	                    &r), DURE_OK);
	CHECK(r.replaced);
	CHECK_EQ_INT(txpool_pending_count(p), 3);
	txpool_free(p);
}

typedef struct heard {
	h256 h[16];
	size_t n;
} heard;

static void on_pending(void *ctx, const txpool_entry *e)
{
	heard *l = ctx;
	if (l->n < 16)
		l->h[l->n++] = e->hash;
}

static void test_gap_and_promotion(void)
{
	world_reset();
	txpool *p = pool_with(0, 0, 1);
	heard l = {0};
	txpool_set_listener(p, on_pending, &l);
	txpool_env env = env_at(FORK_LONDON, 7 * GWEI);
	h256 h0, h1, h2, h3;
	txpool_result r;
	CHECK_EQ_INT(submit(p, &env, mk(TX_DYNAMIC_FEE, 0, GWEI, 20 * GWEI), 1, &h0,
	                    &r), DURE_OK);
	CHECK(r.pending);
	CHECK_EQ_INT(submit(p, &env, mk(TX_DYNAMIC_FEE, 2, GWEI, 20 * GWEI), 1, &h2,
	                    &r), DURE_OK);
	CHECK(!r.pending);
	CHECK_EQ_INT(submit(p, &env, mk(TX_DYNAMIC_FEE, 3, GWEI, 20 * GWEI), 1, &h3,
	                    &r), DURE_OK);
	CHECK_EQ_INT(txpool_pending_count(p), 1);
	CHECK_EQ_INT(txpool_queued_count(p), 2);
	CHECK_EQ_INT(l.n, 1);
	CHECK(h256_eq(&l.h[0], &h0));
	uint64_t next;
	CHECK_EQ_INT(txpool_next_nonce(p, &env, &ADDR[1], &next), DURE_OK);
	CHECK_EQ_INT(next, 1);
	CHECK_EQ_INT(txpool_next_nonce(p, &env, &ADDR[2], &next), DURE_OK);
	CHECK_EQ_INT(next, 0);

	/* Nonce 1 fills the gap: 1, 2, 3 are heard, in nonce order. */
	CHECK_EQ_INT(submit(p, &env, mk(TX_DYNAMIC_FEE, 1, GWEI, 20 * GWEI), 1, &h1,
	                    &r), DURE_OK);
	CHECK(r.pending);
	CHECK_EQ_INT(txpool_pending_count(p), 4);
	CHECK_EQ_INT(txpool_queued_count(p), 0);
	CHECK_EQ_INT(l.n, 4);
	CHECK(h256_eq(&l.h[1], &h1));
	CHECK(h256_eq(&l.h[2], &h2));
	CHECK(h256_eq(&l.h[3], &h3));
	CHECK_EQ_INT(txpool_next_nonce(p, &env, &ADDR[1], &next), DURE_OK);
	CHECK_EQ_INT(next, 4);
	const txpool_entry *e = txpool_get(p, &h2);
	CHECK(e && e->pending);

	/* Dropping nonce 1 sends 2 and 3 back to the queue, unheard. */
	CHECK_EQ_INT(txpool_remove(p, &h1), DURE_OK);
	CHECK_EQ_INT(txpool_remove(p, &h1), DURE_ENOTFOUND);
	CHECK_EQ_INT(txpool_pending_count(p), 1);
	CHECK_EQ_INT(txpool_queued_count(p), 2);
	e = txpool_get(p, &h2);
	CHECK(e && !e->pending);
	CHECK_EQ_INT(txpool_next_nonce(p, &env, &ADDR[1], &next), DURE_OK);
	CHECK_EQ_INT(next, 1);
	CHECK_EQ_INT(l.n, 4);
	W.fail = DURE_EIO;
	CHECK_EQ_INT(txpool_next_nonce(p, &env, &ADDR[1], &next), DURE_EIO);
	CHECK_EQ_INT(next, 0);
	W.fail = 0;
	txpool_free(p);
}

static void test_eviction(void)
{
	world_reset();
	txpool *p = pool_with(0, 3, 1);
	txpool_env env = env_at(FORK_LONDON, 0);
	/* Legacy prices at base fee 0 are the tips. Sender 2's cheapest (1
	 * gwei) is not its last, so sender 1's 3 gwei goes first. */
	h256 a0, b0, b1, c0;
	CHECK_EQ_INT(submit(p, &env, mk(TX_LEGACY, 0, 0, 1 * GWEI), 2, &b0, NULL),
	             DURE_OK);
	CHECK_EQ_INT(submit(p, &env, mk(TX_LEGACY, 1, 0, 4 * GWEI), 2, &b1, NULL),
	             DURE_OK);
	CHECK_EQ_INT(submit(p, &env, mk(TX_LEGACY, 0, 0, 3 * GWEI), 1, &a0, NULL),
	             DURE_OK);
	/* Paying the same as the cheapest is not enough. */
	check_refused(p, &env, mk(TX_LEGACY, 0, 0, 3 * GWEI), 3, DURE_EPOOL_FULL);
	txpool_result r;
	CHECK_EQ_INT(submit(p, &env, mk(TX_LEGACY, 0, 0, 3 * GWEI + 1), 3, &c0, &r),
	             DURE_OK);
	CHECK(r.pending);
	CHECK(txpool_get(p, &a0) == NULL);
	CHECK(txpool_get(p, &b0) != NULL);
	CHECK(txpool_get(p, &b1) != NULL);
	CHECK(txpool_get(p, &c0) != NULL);
	CHECK_EQ_INT(txpool_pending_count(p), 3);
	uint64_t next;
	CHECK_EQ_INT(txpool_next_nonce(p, &env, &ADDR[1], &next), DURE_OK);
	CHECK_EQ_INT(next, 0);
	/* Now the cheapest last is c0 at 3 gwei + 1. */
	check_refused(p, &env, mk(TX_LEGACY, 0, 0, 3 * GWEI), 1, DURE_EPOOL_FULL);
	/* A replacement needs no slot. */
	CHECK_EQ_INT(submit(p, &env, mk(TX_LEGACY, 1, 0, 5 * GWEI), 2, NULL, &r),
	             DURE_OK);
	CHECK(r.replaced);
	txpool_free(p);

	/* A sender's own earlier tx is never evicted for its later one, even
	 * when it is the cheapest: that would leave the newcomer behind a gap. */
	world_reset();
	p = pool_with(0, 2, 1);
	h256 x0, y0;
	CHECK_EQ_INT(submit(p, &env, mk(TX_LEGACY, 0, 0, 1 * GWEI), 1, &x0, NULL),
	             DURE_OK);
	CHECK_EQ_INT(submit(p, &env, mk(TX_LEGACY, 0, 0, 5 * GWEI), 2, &y0, NULL),
	             DURE_OK);
	check_refused(p, &env, mk(TX_LEGACY, 1, 0, 3 * GWEI), 1, DURE_EPOOL_FULL);
	CHECK(txpool_get(p, &x0) != NULL);
	CHECK_EQ_INT(submit(p, &env, mk(TX_LEGACY, 1, 0, 6 * GWEI), 1, NULL, &r),
	             DURE_OK);
	CHECK(r.pending);
	CHECK(txpool_get(p, &y0) == NULL);
	txpool_free(p);

	/* Two slots per sender: a full sender takes a nonce it needs before its
	 * last one (which goes), never one after. */
	world_reset();
	p = pool_with(2, 0, 1);
	h256 n0, n2, n1;
	CHECK_EQ_INT(submit(p, &env, mk(TX_LEGACY, 0, 0, GWEI), 1, &n0, NULL),
	             DURE_OK);
	CHECK_EQ_INT(submit(p, &env, mk(TX_LEGACY, 2, 0, GWEI), 1, &n2, NULL),
	             DURE_OK);
	check_refused(p, &env, mk(TX_LEGACY, 3, 0, 100 * GWEI), 1, DURE_EPOOL_FULL);
	CHECK_EQ_INT(submit(p, &env, mk(TX_LEGACY, 1, 0, GWEI), 1, &n1, &r), DURE_OK);
	CHECK(r.pending);
	CHECK(txpool_get(p, &n2) == NULL);
	CHECK_EQ_INT(txpool_pending_count(p), 2);
	CHECK_EQ_INT(txpool_queued_count(p), 0);
	txpool_free(p);
}

static void test_ordering(void)
{
	world_reset();
	txpool *p = pool_with(0, 0, 1);
	txpool_env env = env_at(FORK_LONDON, 10 * GWEI);
	h256 a0, a1, b0, c0, c1, d0, e0;
	/* Effective tips at base fee 10 gwei:
	 *   A0 min(3, 20-10) = 3, A1 min(9, 30-10) = 9
	 *   B0 min(5, 12-10) = 2
	 *   C0 16-10 = 6 (legacy), C1 11-10 = 1
	 *   D0 cap 9 < 10: out, and D1 behind it
	 *   E0 = 3, after A0 */
	CHECK_EQ_INT(submit(p, &env, mk(TX_DYNAMIC_FEE, 0, 3 * GWEI, 20 * GWEI), 1,
	                    &a0, NULL), DURE_OK);
	CHECK_EQ_INT(submit(p, &env, mk(TX_DYNAMIC_FEE, 1, 9 * GWEI, 30 * GWEI), 1,
	                    &a1, NULL), DURE_OK);
	CHECK_EQ_INT(submit(p, &env, mk(TX_DYNAMIC_FEE, 0, 5 * GWEI, 12 * GWEI), 2,
	                    &b0, NULL), DURE_OK);
	CHECK_EQ_INT(submit(p, &env, mk(TX_LEGACY, 0, 0, 16 * GWEI), 3, &c0, NULL),
	             DURE_OK);
	CHECK_EQ_INT(submit(p, &env, mk(TX_LEGACY, 1, 0, 11 * GWEI), 3, &c1, NULL),
	             DURE_OK);
	/* Below the base fee: accepted, pending, but not for this block. */
	txpool_result r;
	CHECK_EQ_INT(submit(p, &env, mk(TX_DYNAMIC_FEE, 0, 2 * GWEI, 9 * GWEI), 4,
	                    &d0, &r), DURE_OK);
	CHECK(r.pending);
	CHECK_EQ_INT(submit(p, &env, mk(TX_DYNAMIC_FEE, 1, 50 * GWEI, 100 * GWEI),
	                    4, NULL, NULL), DURE_OK);
	CHECK_EQ_INT(submit(p, &env, mk(TX_DYNAMIC_FEE, 0, 3 * GWEI, 20 * GWEI), 5,
	                    &e0, NULL), DURE_OK);

	snapshot s = snap(p, 10 * GWEI);
	CHECK_EQ_INT(s.norder, 6);
	const h256 *want[6] = {&c0, &a0, &a1, &e0, &b0, &c1};
	for (size_t i = 0; i < 6 && i < s.norder; i++)
		CHECK(h256_eq(&s.order[i], want[i]));

	/* C0 fails: C1 goes with it. */
	u256 bf = u256_from_u64(10 * GWEI), blob = U256_ZERO;
	txpool_iter *it;
	CHECK_EQ_INT(txpool_iter_new(p, &bf, &blob, &it), DURE_OK);
	const txpool_entry *e = txpool_iter_peek(it);
	CHECK(e && h256_eq(&e->hash, &c0));
	txpool_iter_skip_sender(it);
	const h256 *rest[4] = {&a0, &a1, &e0, &b0};
	for (size_t i = 0; i < 4; i++) {
		e = txpool_iter_next(it);
		CHECK(e && h256_eq(&e->hash, rest[i]));
	}
	CHECK(txpool_iter_peek(it) == NULL);
	CHECK(txpool_iter_next(it) == NULL);
	txpool_iter_skip_sender(it);
	txpool_iter_free(it);

	/* At base fee 9 gwei: A0 3, A1 9, B0 min(5, 3) = 3, C0 7, C1 2,
	 * D0 min(2, 0) = 0 (now in), D1 50 behind it, E0 3. Ties of 3 go by
	 * arrival: A0, B0, E0. */
	s = snap(p, 9 * GWEI);
	CHECK_EQ_INT(s.norder, 8);
	const h256 *want9[7] = {&c0, &a0, &a1, &b0, &e0, &c1, &d0};
	for (size_t i = 0; i < 7 && i < s.norder; i++)
		CHECK(h256_eq(&s.order[i], want9[i]));

	/* A change to the pool ends a walk. */
	CHECK_EQ_INT(txpool_iter_new(p, &bf, &blob, &it), DURE_OK);
	CHECK(txpool_iter_peek(it) != NULL);
	CHECK_EQ_INT(txpool_remove(p, &b0), DURE_OK);
	CHECK(txpool_iter_peek(it) == NULL);
	CHECK(txpool_iter_next(it) == NULL);
	txpool_iter_free(it);
	txpool_free(p);
}

typedef struct walk {
	address who[16];
	uint64_t nonce[16];
	size_t n;
	size_t stop_at;         /* stop after this many; 0: never */
} walk;

static int walk_fn(void *ctx, const txpool_entry *e)
{
	walk *w = ctx;
	if (w->n < 16) {
		w->who[w->n] = e->sender;
		w->nonce[w->n] = e->tx.nonce;
	}
	w->n++;
	return w->stop_at && w->n == w->stop_at ? 7 : 0;
}

static void test_foreach(void)
{
	world_reset();
	txpool *p = pool_with(0, 0, 1);
	txpool_env env = env_at(FORK_LONDON, 0);
	/* Address order: 0x2b5a (key 2) < 0x6813 (key 3) < 0x7e5f (key 1). */
	CHECK_EQ_INT(submit(p, &env, mk(TX_LEGACY, 1, 0, GWEI), 1, NULL, NULL), DURE_OK);
	CHECK_EQ_INT(submit(p, &env, mk(TX_LEGACY, 0, 0, GWEI), 1, NULL, NULL), DURE_OK);
	CHECK_EQ_INT(submit(p, &env, mk(TX_LEGACY, 0, 0, GWEI), 3, NULL, NULL), DURE_OK);
	CHECK_EQ_INT(submit(p, &env, mk(TX_LEGACY, 0, 0, GWEI), 2, NULL, NULL), DURE_OK);
	CHECK_EQ_INT(submit(p, &env, mk(TX_LEGACY, 5, 0, GWEI), 2, NULL, NULL), DURE_OK);
	CHECK_EQ_INT(submit(p, &env, mk(TX_LEGACY, 3, 0, GWEI), 2, NULL, NULL), DURE_OK);
	walk w = {0};
	CHECK_EQ_INT(txpool_foreach_pending(p, walk_fn, &w), DURE_OK);
	CHECK_EQ_INT(w.n, 4);
	const int who[4] = {2, 3, 1, 1};
	const uint64_t nonce[4] = {0, 0, 0, 1};
	for (size_t i = 0; i < 4; i++) {
		CHECK(address_eq(&w.who[i], &ADDR[who[i]]));
		CHECK_EQ_INT(w.nonce[i], nonce[i]);
	}
	memset(&w, 0, sizeof w);
	CHECK_EQ_INT(txpool_foreach_queued(p, walk_fn, &w), DURE_OK);
	CHECK_EQ_INT(w.n, 2);
	CHECK_EQ_INT(w.nonce[0], 3);
	CHECK_EQ_INT(w.nonce[1], 5);
	memset(&w, 0, sizeof w);
	w.stop_at = 2;
	CHECK_EQ_INT(txpool_foreach_pending(p, walk_fn, &w), 7);
	CHECK_EQ_INT(w.n, 2);
	txpool_free(p);
}

static void test_on_head(void)
{
	world_reset();
	txpool *p = pool_with(0, 0, 1);
	heard l = {0};
	txpool_set_listener(p, on_pending, &l);
	txpool_env env = env_at(FORK_LONDON, 0);
	h256 a[5];
	for (uint64_t n = 0; n < 4; n++)
		CHECK_EQ_INT(submit(p, &env, mk(TX_LEGACY, n, 0, GWEI), 1, &a[n], NULL),
		             DURE_OK);
	/* Sender 3: 1 and 2, queued behind a missing 0. */
	h256 c1, c2;
	CHECK_EQ_INT(submit(p, &env, mk(TX_LEGACY, 1, 0, GWEI), 3, &c1, NULL), DURE_OK);
	CHECK_EQ_INT(submit(p, &env, mk(TX_LEGACY, 2, 0, GWEI), 3, &c2, NULL), DURE_OK);
	CHECK_EQ_INT(txpool_pending_count(p), 4);
	CHECK_EQ_INT(txpool_queued_count(p), 2);
	l.n = 0;

	/* A block mined sender 1's 0 and 1 and sender 3's 0 (sent elsewhere);
	 * sender 2's tx b0 sat in an old block that left the chain, and so did
	 * sender 1's nonce-1 tx, which the new chain also holds. a[2], also
	 * in the dropped list, is already pooled. */
	acct_of(&W, &ADDR[1])->nonce = 2;
	acct_of(&W, &ADDR[3])->nonce = 1;
	tx b0 = mk(TX_LEGACY, 0, 0, GWEI);
	tx a1 = mk(TX_LEGACY, 1, 0, GWEI);
	tx a2 = mk(TX_LEGACY, 2, 0, GWEI);
	/* Signing is deterministic (RFC 6979), so a2 is a[2]'s bytes. */
	buf rb = sign_raw(&b0, 2), ra2 = sign_raw(&a2, 1);
	if (tx_sign(&a1, KEY[1]) != DURE_OK)
		abort();
	h256 hb0 = keccak_of(&rb), ha2 = keccak_of(&ra2);
	CHECK(h256_eq(&ha2, &a[2]));
	const tx *dropped[3] = {&b0, &a1, &a2};
	address senders[3] = {ADDR[2], ADDR[1], ADDR[1]};
	CHECK_EQ_INT(txpool_on_head(p, &env, dropped, senders, 3), DURE_OK);
	CHECK(txpool_get(p, &a[0]) == NULL);
	CHECK(txpool_get(p, &a[1]) == NULL);
	CHECK(txpool_get(p, &a[2]) != NULL);
	CHECK(txpool_get(p, &hb0) != NULL);
	CHECK_EQ_INT(txpool_pending_count(p), 5); /* a2 a3 b0 c1 c2 */
	CHECK_EQ_INT(txpool_queued_count(p), 0);
	/* Heard: c1, c2 (promoted) and b0 (back); not a2 or a3 again. */
	CHECK_EQ_INT(l.n, 3);
	bool got_b0 = false, got_c1 = false, got_c2 = false;
	for (size_t i = 0; i < l.n; i++) {
		got_b0 |= h256_eq(&l.h[i], &hb0);
		got_c1 |= h256_eq(&l.h[i], &c1);
		got_c2 |= h256_eq(&l.h[i], &c2);
	}
	CHECK(got_b0 && got_c1 && got_c2);
	buf_free(&rb);
	buf_free(&ra2);
	tx_free(&b0);
	tx_free(&a1);
	tx_free(&a2);

	/* Sender 1's balance falls to 49999 gwei: a2 and a3 cost 21000 gwei
	 * + 1 each, a4 (gas 50000) 50000 gwei + 1, so a4 goes. */
	tx big = mk(TX_LEGACY, 4, 0, GWEI);
	big.gas_limit = 50000;
	h256 a4;
	CHECK_EQ_INT(submit(p, &env, big, 1, &a4, NULL), DURE_OK);
	acct_of(&W, &ADDR[1])->balance = u256_from_u64(49999ULL * GWEI);
	CHECK_EQ_INT(txpool_on_head(p, &env, NULL, NULL, 0), DURE_OK);
	CHECK(txpool_get(p, &a[2]) != NULL);
	CHECK(txpool_get(p, &a[3]) != NULL);
	CHECK(txpool_get(p, &a4) == NULL);
	/* One wei short of 21000 gwei + 1: a2 and a3 go, and the sender. */
	acct_of(&W, &ADDR[1])->balance = u256_from_u64(21000ULL * GWEI);
	CHECK_EQ_INT(txpool_on_head(p, &env, NULL, NULL, 0), DURE_OK);
	CHECK(txpool_get(p, &a[2]) == NULL);
	CHECK(txpool_get(p, &a[3]) == NULL);
	CHECK_EQ_INT(txpool_pending_count(p), 3); /* b0 c1 c2 */
	CHECK_EQ_INT(txpool_queued_count(p), 0);

	/* A lower gas limit removes what no longer fits a block; the sender's
	 * later tx waits behind the gap it leaves. */
	tx heavy = mk(TX_LEGACY, 3, 0, GWEI);
	heavy.gas_limit = 100000;
	h256 c3, c4;
	CHECK_EQ_INT(submit(p, &env, heavy, 3, &c3, NULL), DURE_OK);
	CHECK_EQ_INT(submit(p, &env, mk(TX_LEGACY, 4, 0, GWEI), 3, &c4, NULL),
	             DURE_OK);
	CHECK_EQ_INT(txpool_pending_count(p), 5);
	env.gas_limit = 99999;
	CHECK_EQ_INT(txpool_on_head(p, &env, NULL, NULL, 0), DURE_OK);
	CHECK(txpool_get(p, &c3) == NULL);
	CHECK(txpool_get(p, &c2) != NULL);
	const txpool_entry *e4 = txpool_get(p, &c4);
	CHECK(e4 && !e4->pending);
	CHECK_EQ_INT(txpool_pending_count(p), 3);
	CHECK_EQ_INT(txpool_queued_count(p), 1);
	uint64_t next;
	CHECK_EQ_INT(txpool_next_nonce(p, &env, &ADDR[3], &next), DURE_OK);
	CHECK_EQ_INT(next, 3);

	/* A reader that fails leaves the pool as it was, and says so. */
	W.fail = DURE_EIO;
	CHECK_EQ_INT(txpool_on_head(p, &env, NULL, NULL, 0), DURE_EIO);
	W.fail = 0;
	CHECK_EQ_INT(txpool_pending_count(p), 3);
	txpool_free(p);
}

/* An impersonated sender (a dev node's): no signature at all. */
static void test_add_unsigned(void)
{
	world_reset();
	txpool *p = pool_with(0, 0, 0);
	txpool_env env = env_at(FORK_LONDON, 7 * GWEI);
	tx t = mk(TX_DYNAMIC_FEE, 0, 0, 20 * GWEI);
	buf b = BUF_INIT;
	if (tx_encode(&t, &b) != DURE_OK)
		abort();
	h256 want = keccak_of(&b);
	txpool_result r;
	CHECK_EQ_INT(txpool_add(p, &env, &t, &ADDR[4], NULL, 0, &r), DURE_OK);
	CHECK(h256_eq(&r.hash, &want));
	CHECK(address_eq(&r.sender, &ADDR[4]));
	CHECK(r.pending);
	const txpool_entry *e = txpool_get(p, &want);
	CHECK(e && e->raw_len == b.len && memcmp(e->raw, b.data, b.len) == 0);
	CHECK_EQ_INT(txpool_add(p, &env, &t, &ADDR[4], b.data, b.len, &r),
	             DURE_EPOOL_KNOWN);
	buf_free(&b);

	/* The other rules still hold. */
	t.nonce = 1;
	t.gas_limit = 20000;
	CHECK_EQ_INT(txpool_add(p, &env, &t, &ADDR[4], NULL, 0, &r),
	             DURE_ETX_INTRINSIC_GAS);
	t.gas_limit = 21000;
	txpool_env berlin = env_at(FORK_BERLIN, 0);
	CHECK_EQ_INT(txpool_add(p, &berlin, &t, &ADDR[4], NULL, 0, &r),
	             DURE_ETX_TYPE_FORK);
	t.chain_id = 2;
	CHECK_EQ_INT(txpool_add(p, &env, &t, &ADDR[4], NULL, 0, &r),
	             DURE_ETX_CHAIN_ID);
	t.chain_id = 1;
	/* An EIP-155 legacy tx before Spurious Dragon is refused. */
	tx l = mk(TX_LEGACY, 1, 0, 20 * GWEI);
	txpool_env homestead = env_at(FORK_HOMESTEAD, 0);
	CHECK_EQ_INT(txpool_add(p, &homestead, &l, &ADDR[4], NULL, 0, &r),
	             DURE_ETX_V);
	CHECK_EQ_INT(txpool_add(p, &env, &l, &ADDR[4], NULL, 0, &r), DURE_OK);
	CHECK_EQ_INT(txpool_pending_count(p), 2);
	tx_free(&t);
	tx_free(&l);
	txpool_free(p);
}

/* A dev node's pool refuses a fee cap below the next base fee (7 gwei
 * here): one wei short is refused, exactly the base fee is taken; the
 * legacy gas price is its fee cap. */
static void test_base_fee_floor(void)
{
	world_reset();
	txpool_config c = {0};
	c.refuse_below_base_fee = true;
	txpool *p;
	CHECK_EQ_INT(txpool_new(&c, &p), DURE_OK);
	txpool_env env = env_at(FORK_LONDON, 7 * GWEI);
	check_refused(p, &env, mk(TX_DYNAMIC_FEE, 0, 1, 7 * GWEI - 1), 1,
	              DURE_ETR_BASE_FEE);
	check_refused(p, &env, mk(TX_LEGACY, 0, 0, 7 * GWEI - 1), 1,
	              DURE_ETR_BASE_FEE);
	CHECK_EQ_INT(submit(p, &env, mk(TX_DYNAMIC_FEE, 0, 1, 7 * GWEI), 1, NULL,
	                    NULL), DURE_OK);
	CHECK_EQ_INT(submit(p, &env, mk(TX_LEGACY, 0, 0, 7 * GWEI), 2, NULL,
	                    NULL), DURE_OK);
	/* A dev chain also lets a sender with code send (impersonated
	 * contracts). */
	acct_of(&W, &ADDR[4])->code = true;
	check_refused(p, &env, mk(TX_DYNAMIC_FEE, 0, 1, 7 * GWEI), 4,
	              DURE_ETR_SENDER_CODE);
	env.allow_sender_code = true;
	CHECK_EQ_INT(submit(p, &env, mk(TX_DYNAMIC_FEE, 0, 1, 7 * GWEI), 4, NULL,
	                    NULL), DURE_OK);
	txpool_free(p);
}

static void test_config(void)
{
	txpool *p = (txpool *)&p;
	txpool_config c = {0};
	c.global_slots = TXPOOL_MAX_GLOBAL_SLOTS + 1;
	CHECK_EQ_INT(txpool_new(&c, &p), DURE_EINVAL);
	CHECK(p == NULL);
	CHECK_EQ_INT(txpool_new(NULL, &p), DURE_OK);
	CHECK_EQ_INT(txpool_pending_count(p), 0);
	txpool_free(p);
	txpool_free(NULL);
	txpool_iter_free(NULL);
}

TEST_MAIN(test_keys, test_types_accepted, test_blob, test_rejections,
          test_replacement, test_gap_and_promotion, test_eviction,
          test_ordering, test_foreach, test_on_head, test_add_unsigned,
          test_config, test_base_fee_floor)
