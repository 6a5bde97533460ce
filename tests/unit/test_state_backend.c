/* A state over a backend: what is loaded and how often, the block's
 * changes with their prior values, wiped storage, sticky backend errors,
 * and a random run checked against a state holding the same accounts in
 * memory. */
#include <stdlib.h>

#include "crypto/keccak.h"
#include "state/state.h"
#include "state_helpers.h"
#include "test.h"
#include "trie/trie.h"

/* keccak256(""), from the Yellow Paper (the code hash of no code). */
static const h256 empty_hash = {{
	0xc5, 0xd2, 0x46, 0x01, 0x86, 0xf7, 0x23, 0x3c, 0x92, 0x7e, 0x7d,
	0xb2, 0xdc, 0xc7, 0x03, 0xc0, 0xe5, 0x00, 0xb6, 0x53, 0xca, 0x82,
	0x27, 0x3b, 0x7b, 0xfa, 0xd8, 0x04, 0x5d, 0x85, 0xa4, 0x70,
}};

/* A root no empty storage has; the state only compares it with
 * TRIE_EMPTY_ROOT. */
static const h256 some_root = {{[0] = 0x11, [31] = 0x22}};

#define NKEYS 8
#define MAXACCTS 8
#define MAXCODE 8

/* The fake store: accounts with up to NKEYS slots each (keys 0..NKEYS-1,
 * zero meaning absent), and codes by hash. */
typedef struct fake_acct {
	address addr;
	bool exists;
	state_account sa;
	u256 slots[NKEYS];
} fake_acct;

typedef struct fake_code {
	h256 hash;
	uint8_t bytes[32];
	size_t len;
} fake_code;

typedef struct fake {
	fake_acct accts[MAXACCTS];
	size_t naccts;
	fake_code codes[MAXCODE];
	size_t ncodes;
	unsigned account_calls, storage_calls, code_calls;
	int fail_account, fail_storage, fail_code; /* returned when set */
} fake;

static fake_acct *fake_find(fake *f, const address *a)
{
	for (size_t i = 0; i < f->naccts; i++)
		if (address_eq(&f->accts[i].addr, a))
			return &f->accts[i];
	return NULL;
}

static int fake_account(void *ctx, const address *a, state_account *out)
{
	fake *f = ctx;
	f->account_calls++;
	if (f->fail_account)
		return f->fail_account;
	const fake_acct *e = fake_find(f, a);
	if (!e || !e->exists)
		return DURE_ENOTFOUND;
	*out = e->sa;
	return DURE_OK;
}

static int fake_storage(void *ctx, const address *a, const u256 *key,
                        u256 *out)
{
	fake *f = ctx;
	f->storage_calls++;
	if (f->fail_storage)
		return f->fail_storage;
	const fake_acct *e = fake_find(f, a);
	if (!e || !e->exists || key->w[1] || key->w[2] || key->w[3] ||
	    key->w[0] >= NKEYS || u256_is_zero(&e->slots[key->w[0]]))
		return DURE_ENOTFOUND;
	*out = e->slots[key->w[0]];
	return DURE_OK;
}

static int fake_code_get(void *ctx, const h256 *hash, const uint8_t **code,
                         size_t *len)
{
	fake *f = ctx;
	f->code_calls++;
	if (f->fail_code)
		return f->fail_code;
	for (size_t i = 0; i < f->ncodes; i++)
		if (h256_eq(&f->codes[i].hash, hash)) {
			*code = f->codes[i].bytes;
			*len = f->codes[i].len;
			return DURE_OK;
		}
	return DURE_ENOTFOUND;
}

static h256 code_hash_of(const uint8_t *code, size_t n)
{
	h256 h;
	keccak256(code, n, h.b);
	return h;
}

static void fake_put_code(fake *f, const uint8_t *code, size_t n)
{
	h256 h = code_hash_of(code, n);
	for (size_t i = 0; i < f->ncodes; i++)
		if (h256_eq(&f->codes[i].hash, &h))
			return;
	if (f->ncodes == MAXCODE || n > sizeof f->codes[0].bytes) {
		fprintf(stderr, "fake code table full\n");
		exit(1);
	}
	fake_code *c = &f->codes[f->ncodes++];
	c->hash = h;
	memcpy(c->bytes, code, n);
	c->len = n;
}

/* The storage root the fake reports: some_root when a slot is set. */
static void fake_fix_root(fake_acct *e)
{
	e->sa.storage_root = TRIE_EMPTY_ROOT;
	for (int k = 0; k < NKEYS; k++)
		if (!u256_is_zero(&e->slots[k]))
			e->sa.storage_root = some_root;
}

static fake_acct *fake_add(fake *f, uint32_t a, uint64_t nonce,
                           uint64_t balance, const uint8_t *code, size_t n)
{
	if (f->naccts == MAXACCTS) {
		fprintf(stderr, "fake account table full\n");
		exit(1);
	}
	fake_acct *e = &f->accts[f->naccts++];
	memset(e, 0, sizeof *e);
	e->addr = addr(a);
	e->exists = true;
	e->sa.nonce = nonce;
	e->sa.balance = u256_from_u64(balance);
	e->sa.code_hash = empty_hash;
	if (n) {
		fake_put_code(f, code, n);
		e->sa.code_hash = code_hash_of(code, n);
	}
	fake_fix_root(e);
	return e;
}

static void fake_set_slot(fake_acct *e, int k, uint64_t v)
{
	e->slots[k] = u256_from_u64(v);
	fake_fix_root(e);
}

static state *backed(fake *f)
{
	state_backend b = {fake_account, fake_storage, fake_code_get, f};
	state *st;
	if (state_new_backed(&b, &st) != DURE_OK) {
		fprintf(stderr, "state_new_backed failed\n");
		exit(1);
	}
	return st;
}

static const state_change *change_of(const state_change *c, size_t n,
                                     uint32_t a)
{
	address x = addr(a);
	for (size_t i = 0; i < n; i++)
		if (address_eq(&c[i].addr, &x))
			return &c[i];
	return NULL;
}

static const state_slot_change *slot_of(const state_change *c, uint64_t k)
{
	for (size_t i = 0; i < c->nslots; i++)
		if (u256_eq(&c->slots[i].key, UP(k)))
			return &c->slots[i];
	return NULL;
}

static bool is_zero(u256 v) { return u256_is_zero(&v); }

static const uint8_t code1[] = {0x60, 0x01, 0x60, 0x00, 0x55, 0x00};

/* An account, a slot and a code are each asked for once, found or not;
 * the code hash needs no code, and storage that cannot be stored is not
 * asked for. */
static void test_loads_once(void)
{
	fake f = {0};
	fake_acct *fa = fake_add(&f, 0xa, 5, 100, code1, sizeof code1);
	fake_set_slot(fa, 1, 7);
	fake_add(&f, 0xc, 1, 1, NULL, 0);
	state *st = backed(&f);
	address a = addr(0xa), b = addr(0xb), c = addr(0xc);

	for (int i = 0; i < 3; i++) {
		CHECK(state_exists(st, &a));
		CHECK_EQ_INT(state_nonce(st, &a), 5);
		CHECK_EQ_INT(state_balance(st, &a).w[0], 100);
		CHECK(!state_is_empty(st, &a));
	}
	CHECK_EQ_INT(f.account_calls, 1);
	h256 want = code_hash_of(code1, sizeof code1);
	h256 got = state_code_hash(st, &a);
	CHECK(h256_eq(&got, &want));
	CHECK_EQ_INT(f.code_calls, 0);
	for (int i = 0; i < 2; i++) {
		size_t n;
		const uint8_t *p = state_code(st, &a, &n);
		CHECK_EQ_INT(n, sizeof code1);
		CHECK(p && memcmp(p, code1, sizeof code1) == 0);
	}
	CHECK_EQ_INT(f.code_calls, 1);

	CHECK(!state_exists(st, &b));
	CHECK(!state_exists(st, &b));
	CHECK(state_is_empty(st, &b));
	CHECK_EQ_INT(f.account_calls, 2);

	for (int i = 0; i < 3; i++) {
		CHECK_EQ_INT(state_storage(st, &a, UP(1)).w[0], 7);
		CHECK_EQ_INT(state_storage_original(st, &a, UP(1)).w[0], 7);
	}
	u256 v;
	CHECK(!state_load_slot(st, &a, UP(1), &v));
	CHECK_EQ_INT(v.w[0], 7);
	CHECK_EQ_INT(f.storage_calls, 1);
	CHECK(state_storage_original(st, &a, UP(2)).w[0] == 0);
	CHECK(!state_load_slot(st, &a, UP(2), &v));
	CHECK(u256_is_zero(&v));
	CHECK_EQ_INT(f.storage_calls, 2);

	/* c has an empty storage root, b does not exist. */
	CHECK(is_zero(state_storage(st, &c, UP(1))));
	state_set_storage(st, &b, UP(1), UP(3));
	CHECK_EQ_INT(state_storage(st, &b, UP(1)).w[0], 3);
	CHECK_EQ_INT(f.storage_calls, 2);
	CHECK_EQ_INT(f.account_calls, 3);
	CHECK(!state_failed(st));
	CHECK_EQ_INT(state_error(st), DURE_OK);
	h256 root;
	CHECK_EQ_INT(state_root(st, &root), DURE_EINVAL);
	CHECK(h256_eq(&root, &(h256){{0}}));
	state_free(st);
}

/* Code replaced in a frame before it was ever loaded comes back with the
 * revert, still to be loaded, and counts as code all along. */
static void test_code_revert(void)
{
	static const uint8_t other[] = {0x00};
	fake f = {0};
	fake_add(&f, 0xa, 0, 0, code1, sizeof code1);
	state *st = backed(&f);
	address a = addr(0xa);
	h256 old_hash = code_hash_of(code1, sizeof code1);
	h256 new_hash = code_hash_of(other, sizeof other);

	CHECK(!state_is_empty(st, &a));
	size_t snap = state_snapshot(st);
	state_set_code(st, &a, other, sizeof other);
	h256 h = state_code_hash(st, &a);
	CHECK(h256_eq(&h, &new_hash));
	state_revert(st, snap);
	CHECK(!state_is_empty(st, &a));
	h = state_code_hash(st, &a);
	CHECK(h256_eq(&h, &old_hash));
	CHECK_EQ_INT(f.code_calls, 0);
	size_t n;
	const uint8_t *p = state_code(st, &a, &n);
	CHECK(n == sizeof code1 && p && memcmp(p, code1, n) == 0);
	CHECK_EQ_INT(f.code_calls, 1);

	/* Kept, the new code is listed with the change. */
	state_set_code(st, &a, other, sizeof other);
	state_end_tx(st, true);
	const state_change *ch;
	CHECK_EQ_INT(state_changes(st, &ch, &n), DURE_OK);
	CHECK_EQ_INT(n, 1);
	if (n == 1) {
		CHECK(h256_eq(&ch[0].prior.code_hash, &old_hash));
		CHECK(h256_eq(&ch[0].code_hash, &new_hash));
		CHECK(ch[0].code_len == sizeof other && ch[0].code &&
		      ch[0].code[0] == other[0]);
		CHECK_EQ_INT(ch[0].nslots, 0);
	}
	state_free(st);
}

/* Only what changed over the block is listed, with the values it had at
 * the start of the block; the second transaction keeps those priors. */
static void test_changes_priors(void)
{
	fake f = {0};
	fake_acct *fa = fake_add(&f, 0xa, 5, 100, code1, sizeof code1);
	fake_set_slot(fa, 1, 7);
	fake_set_slot(fa, 2, 8);
	fake_add(&f, 0xc, 1, 1, NULL, 0);
	state *st = backed(&f);
	address a = addr(0xa), b = addr(0xb), c = addr(0xc), d = addr(0xd);

	/* Read only: c, d (missing), a's slot 2 and a's code. */
	CHECK_EQ_INT(state_balance(st, &c).w[0], 1);
	CHECK(!state_exists(st, &d));
	state_warm_account(st, &d);
	CHECK_EQ_INT(state_storage(st, &a, UP(2)).w[0], 8);
	size_t n;
	state_code(st, &a, &n);
	/* Touched but not changed, then changed and changed back. */
	state_touch(st, &c);
	state_set_balance(st, &a, UP(200));
	state_set_storage(st, &a, UP(1), UP(9));
	state_set_storage(st, &a, UP(3), UP(4));
	state_set_balance(st, &b, UP(1));
	state_end_tx(st, true);
	state_set_storage(st, &a, UP(3), UP(0));
	u256 orig, cur;
	state_store_slot(st, &a, UP(1), UP(10), &orig, &cur);
	CHECK_EQ_INT(orig.w[0], 9);
	CHECK_EQ_INT(cur.w[0], 9);
	CHECK_EQ_INT(state_storage_original(st, &a, UP(1)).w[0], 9);
	state_end_tx(st, true);

	const state_change *ch;
	CHECK_EQ_INT(state_changes(st, &ch, &n), DURE_OK);
	CHECK_EQ_INT(n, 2);
	const state_change *ca = change_of(ch, n, 0xa);
	const state_change *cb = change_of(ch, n, 0xb);
	CHECK(ca && cb);
	if (ca) {
		CHECK(ca->existed && ca->exists && !ca->storage_wiped);
		CHECK_EQ_INT(ca->prior.nonce, 5);
		CHECK_EQ_INT(ca->prior.balance.w[0], 100);
		CHECK(h256_eq(&ca->prior.storage_root, &some_root));
		CHECK(h256_eq(&ca->prior.code_hash, &fa->sa.code_hash));
		CHECK_EQ_INT(ca->nonce, 5);
		CHECK_EQ_INT(ca->balance.w[0], 200);
		CHECK(h256_eq(&ca->code_hash, &fa->sa.code_hash));
		CHECK(ca->code == NULL);
		CHECK_EQ_INT(ca->nslots, 1);
		const state_slot_change *s = slot_of(ca, 1);
		CHECK(s && s->prior.w[0] == 7 && s->value.w[0] == 10);
	}
	if (cb) {
		CHECK(!cb->existed && cb->exists);
		CHECK_EQ_INT(cb->balance.w[0], 1);
		CHECK_EQ_INT(cb->nonce, 0);
		CHECK(h256_eq(&cb->code_hash, &empty_hash));
		CHECK(cb->code == NULL && cb->nslots == 0);
	}
	state_free(st);
}

/* A self-destruct (the pre-Cancun rule: mark, then end the transaction)
 * wipes the stored storage: later misses read zero without the backend,
 * and the change says so and lists only what was written after. */
static void test_selfdestruct_wipe(void)
{
	fake f = {0};
	fake_acct *fa = fake_add(&f, 0xa, 1, 50, code1, sizeof code1);
	fake_set_slot(fa, 1, 7);
	fake_set_slot(fa, 2, 8);
	state *st = backed(&f);
	address a = addr(0xa);

	CHECK(state_has_storage(st, &a));
	CHECK_EQ_INT(state_storage(st, &a, UP(1)).w[0], 7);
	CHECK(state_mark_selfdestruct(st, &a));
	state_end_tx(st, false);
	CHECK(!state_exists(st, &a));
	CHECK(!state_has_storage(st, &a));
	unsigned calls = f.storage_calls;

	state_set_storage(st, &a, UP(3), UP(5));
	CHECK(state_exists(st, &a));
	CHECK(is_zero(state_storage(st, &a, UP(1))));
	CHECK(is_zero(state_storage(st, &a, UP(2))));
	u256 v;
	state_load_slot(st, &a, UP(2), &v);
	CHECK(u256_is_zero(&v));
	CHECK(state_has_storage(st, &a));
	CHECK_EQ_INT(f.storage_calls, calls);
	state_end_tx(st, false);

	const state_change *ch;
	size_t n;
	CHECK_EQ_INT(state_changes(st, &ch, &n), DURE_OK);
	CHECK_EQ_INT(n, 1);
	const state_change *ca = change_of(ch, n, 0xa);
	if (ca) {
		CHECK(ca->existed && ca->exists && ca->storage_wiped);
		CHECK_EQ_INT(ca->prior.balance.w[0], 50);
		CHECK_EQ_INT(ca->nonce, 0);
		CHECK(u256_is_zero(&ca->balance));
		CHECK(h256_eq(&ca->code_hash, &empty_hash));
		CHECK_EQ_INT(ca->nslots, 1);
		const state_slot_change *s = slot_of(ca, 3);
		CHECK(s && u256_is_zero(&s->prior) && s->value.w[0] == 5);
	}
	/* Zeroing the one slot written since leaves no storage. */
	state_set_storage(st, &a, UP(3), UP(0));
	CHECK(!state_has_storage(st, &a));
	CHECK_EQ_INT(f.storage_calls, calls);
	state_free(st);
}

/* A stored storage root counts as storage before any slot is loaded. */
static void test_has_storage_root(void)
{
	fake f = {0};
	fake_acct *fa = fake_add(&f, 0xa, 0, 0, NULL, 0);
	fake_set_slot(fa, 4, 1);
	fake_add(&f, 0xc, 1, 0, NULL, 0);
	state *st = backed(&f);
	address a = addr(0xa), b = addr(0xb), c = addr(0xc);
	CHECK(state_has_storage(st, &a));
	CHECK(!state_has_storage(st, &b));
	CHECK(!state_has_storage(st, &c));
	CHECK_EQ_INT(f.storage_calls, 0);
	/* An empty account with storage goes when touched (EIP-161). */
	state_touch(st, &a);
	state_end_tx(st, true);
	CHECK(!state_exists(st, &a));
	CHECK(!state_has_storage(st, &a));
	const state_change *ch;
	size_t n;
	CHECK_EQ_INT(state_changes(st, &ch, &n), DURE_OK);
	CHECK_EQ_INT(n, 1);
	if (n == 1) {
		CHECK(ch[0].existed && !ch[0].exists && ch[0].storage_wiped);
		CHECK_EQ_INT(ch[0].nslots, 0);
	}
	CHECK_EQ_INT(f.storage_calls, 0);
	state_free(st);
}

/* A creation over an account with storage wipes it inside the frame; a
 * revert brings back every slot, including those first read while wiped,
 * which the backend is then asked for. */
static void test_revert_wipe(void)
{
	fake f = {0};
	fake_acct *fa = fake_add(&f, 0xa, 0, 9, NULL, 0);
	fake_set_slot(fa, 1, 7);
	fake_set_slot(fa, 2, 11);
	state *st = backed(&f);
	address a = addr(0xa);

	CHECK_EQ_INT(state_storage(st, &a, UP(1)).w[0], 7);
	CHECK_EQ_INT(f.storage_calls, 1);
	size_t snap = state_snapshot(st);
	state_create_account(st, &a);
	state_mark_created(st, &a);
	CHECK(!state_has_storage(st, &a));
	CHECK(is_zero(state_storage(st, &a, UP(1))));
	CHECK(is_zero(state_storage_original(st, &a, UP(1))));
	u256 v;
	CHECK(!state_load_slot(st, &a, UP(2), &v));
	CHECK(u256_is_zero(&v));
	state_set_storage(st, &a, UP(2), UP(3));
	CHECK_EQ_INT(f.storage_calls, 1);
	state_revert(st, snap);

	CHECK(state_has_storage(st, &a));
	CHECK(!state_created_in_tx(st, &a));
	CHECK_EQ_INT(state_storage(st, &a, UP(1)).w[0], 7);
	CHECK_EQ_INT(state_storage_original(st, &a, UP(1)).w[0], 7);
	CHECK_EQ_INT(state_storage(st, &a, UP(2)).w[0], 11);
	CHECK_EQ_INT(state_storage_original(st, &a, UP(2)).w[0], 11);
	CHECK_EQ_INT(f.storage_calls, 2);
	/* The warm mark of the SLOAD went with the frame. */
	CHECK(!state_load_slot(st, &a, UP(2), &v));
	CHECK_EQ_INT(v.w[0], 11);
	state_end_tx(st, true);
	const state_change *ch;
	size_t n;
	CHECK_EQ_INT(state_changes(st, &ch, &n), DURE_OK);
	CHECK_EQ_INT(n, 0);

	/* The same wipe, kept, is a change of the account's storage alone. */
	state_create_account(st, &a);
	state_mark_created(st, &a);
	state_end_tx(st, true);
	CHECK(is_zero(state_storage(st, &a, UP(2))));
	CHECK_EQ_INT(state_changes(st, &ch, &n), DURE_OK);
	CHECK_EQ_INT(n, 1);
	if (n == 1) {
		CHECK(ch[0].existed && ch[0].exists && ch[0].storage_wiped);
		CHECK_EQ_INT(ch[0].balance.w[0], 9);
		CHECK_EQ_INT(ch[0].nslots, 0);
	}
	state_free(st);
}

/* The first backend error stays; what failed reads as absent. */
static void test_sticky_error(void)
{
	fake f = {0};
	fake_acct *fa = fake_add(&f, 0xa, 3, 4, code1, sizeof code1);
	fake_set_slot(fa, 1, 7);
	state *st = backed(&f);
	address a = addr(0xa), b = addr(0xb);
	CHECK_EQ_INT(state_nonce(st, &a), 3);
	f.fail_storage = DURE_EIO;
	CHECK(is_zero(state_storage(st, &a, UP(1))));
	CHECK(state_failed(st));
	CHECK_EQ_INT(state_error(st), DURE_EIO);
	f.fail_account = DURE_ERANGE;
	CHECK(!state_exists(st, &b));
	CHECK_EQ_INT(state_error(st), DURE_EIO);
	const state_change *ch;
	size_t n = 1;
	CHECK_EQ_INT(state_changes(st, &ch, &n), DURE_EIO);
	CHECK(ch == NULL && n == 0);
	state_free(st);

	/* A code the account names but the backend lacks is an error too. */
	f = (fake){0};
	fa = fake_add(&f, 0xa, 3, 4, code1, sizeof code1);
	f.ncodes = 0;
	st = backed(&f);
	CHECK(state_exists(st, &a));
	CHECK(!state_failed(st));
	state_code(st, &a, &n);
	CHECK_EQ_INT(n, 0);
	CHECK_EQ_INT(state_error(st), DURE_ENOTFOUND);
	state_free(st);
}

/* In memory alone every account is new to the block: the changes are the
 * whole state, as a genesis alloc is written. */
static void test_memory_changes(void)
{
	state *st = fresh();
	address a = addr(1), b = addr(2), c = addr(3);
	state_set_balance(st, &a, UP(10));
	state_set_code(st, &b, code1, sizeof code1);
	state_set_storage(st, &b, UP(1), UP(2));
	state_set_storage(st, &b, UP(5), UP(0));
	state_warm_account(st, &c);
	state_end_tx(st, false);
	const state_change *ch;
	size_t n;
	CHECK_EQ_INT(state_changes(st, &ch, &n), DURE_OK);
	CHECK_EQ_INT(n, 2);
	const state_change *ca = change_of(ch, n, 1), *cb = change_of(ch, n, 2);
	CHECK(ca && cb);
	if (ca && cb) {
		CHECK(!ca->existed && ca->exists && ca->balance.w[0] == 10);
		CHECK(ca->code == NULL && ca->nslots == 0);
		h256 want = code_hash_of(code1, sizeof code1);
		CHECK(!cb->existed && h256_eq(&cb->code_hash, &want));
		CHECK(cb->code_len == sizeof code1 && cb->code &&
		      memcmp(cb->code, code1, sizeof code1) == 0);
		CHECK_EQ_INT(cb->nslots, 1);
		const state_slot_change *s = slot_of(cb, 1);
		CHECK(s && u256_is_zero(&s->prior) && s->value.w[0] == 2);
	}
	state_free(st);
}

/* ---- a random run against the same accounts in memory ---- */

#define NADDR 6

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

static const uint8_t codes[][4] = {{0x60, 0x00}, {0x5b, 0x5b, 0x00}, {0xfe}};
static const size_t code_lens[] = {2, 3, 1};

static u256 rnd_value(void)
{
	static const uint64_t vals[] = {0, 0, 1, 2, 3, 7, 8, 1000};
	u256 v = u256_from_u64(vals[rnd(8)]);
	if (rnd(8) == 0)
		v.w[3] = 1;
	return v;
}

/* The block-start accounts, in the fake and as a model to apply changes
 * to: 0x100 has code and storage, 0x101 storage, 0x102 is empty with
 * storage, 0x103 is empty, 0x104 and 0x105 do not exist. */
static void make_block_start(fake *f)
{
	*f = (fake){0};
	fake_acct *e = fake_add(f, 0x100, 1, 1000, codes[0], code_lens[0]);
	fake_set_slot(e, 0, 5);
	fake_set_slot(e, 3, 6);
	e = fake_add(f, 0x101, 2, 50, NULL, 0);
	fake_set_slot(e, 1, 1);
	fake_set_slot(e, 7, 2);
	e = fake_add(f, 0x102, 0, 0, NULL, 0);
	fake_set_slot(e, 2, 9);
	fake_add(f, 0x103, 0, 0, NULL, 0);
	f->accts[4].addr = addr(0x104);
	f->accts[5].addr = addr(0x105);
	f->naccts = NADDR;
}

static const fake_code *code_by_hash(const fake *f, const h256 *h)
{
	for (size_t i = 0; i < f->ncodes; i++)
		if (h256_eq(&f->codes[i].hash, h))
			return &f->codes[i];
	return NULL;
}

static void preload(state *st, const fake *f)
{
	for (size_t i = 0; i < f->naccts; i++) {
		const fake_acct *e = &f->accts[i];
		if (!e->exists)
			continue;
		state_create_account(st, &e->addr);
		state_set_nonce(st, &e->addr, e->sa.nonce);
		state_set_balance(st, &e->addr, &e->sa.balance);
		const fake_code *c = code_by_hash(f, &e->sa.code_hash);
		if (c)
			state_set_code(st, &e->addr, c->bytes, c->len);
		for (uint64_t k = 0; k < NKEYS; k++)
			state_set_storage(st, &e->addr, UP(k), &e->slots[k]);
	}
	state_end_tx(st, false);
}

/* Every read of (a, k) agrees between x and y; returns false if not. */
static bool same_reads(state *x, state *y, const address *a, uint64_t k)
{
	bool ok = state_exists(x, a) == state_exists(y, a);
	ok &= state_is_empty(x, a) == state_is_empty(y, a);
	ok &= state_nonce(x, a) == state_nonce(y, a);
	u256 bx = state_balance(x, a), by = state_balance(y, a);
	ok &= u256_eq(&bx, &by);
	h256 hx = state_code_hash(x, a), hy = state_code_hash(y, a);
	ok &= h256_eq(&hx, &hy);
	size_t nx, ny;
	const uint8_t *cx = state_code(x, a, &nx), *cy = state_code(y, a, &ny);
	ok &= nx == ny && (nx == 0 || memcmp(cx, cy, nx) == 0);
	u256 sx = state_storage(x, a, UP(k)), sy = state_storage(y, a, UP(k));
	ok &= u256_eq(&sx, &sy);
	sx = state_storage_original(x, a, UP(k));
	sy = state_storage_original(y, a, UP(k));
	ok &= u256_eq(&sx, &sy);
	sx = state_transient(x, a, UP(k));
	sy = state_transient(y, a, UP(k));
	ok &= u256_eq(&sx, &sy);
	ok &= state_created_in_tx(x, a) == state_created_in_tx(y, a);
	ok &= state_selfdestructed(x, a) == state_selfdestructed(y, a);
	/* The stored root may count as storage after its slots are zeroed. */
	ok &= !state_has_storage(y, a) || state_has_storage(x, a);
	return ok;
}

/* One random operation on both states; false if their answers differ. */
static bool random_op(state *x, state *y, size_t *snaps, size_t *nsnaps,
                      bool delete_empty)
{
	address a = addr(0x100 + rnd(NADDR)), b = addr(0x100 + rnd(NADDR));
	u256 k = u256_from_u64(rnd(NKEYS)), v = rnd_value();
	u256 o1, c1, o2, c2;
	state *both[2] = {x, y};
	bool r[2] = {false, false};
	switch (rnd(17)) {
	case 0:
		for (int i = 0; i < 2; i++)
			state_set_balance(both[i], &a, &v);
		return true;
	case 1:
		v = u256_from_u64(rnd(20));
		for (int i = 0; i < 2; i++)
			r[i] = state_add_balance(both[i], &a, &v);
		return r[0] == r[1];
	case 2:
		v = u256_from_u64(rnd(20));
		for (int i = 0; i < 2; i++)
			r[i] = state_sub_balance(both[i], &a, &v);
		return r[0] == r[1];
	case 3:
		v = u256_from_u64(rnd(30));
		for (int i = 0; i < 2; i++)
			r[i] = state_transfer(both[i], &a, &b, &v);
		return r[0] == r[1];
	case 4: {
		uint64_t n = rnd(3);
		for (int i = 0; i < 2; i++)
			state_set_nonce(both[i], &a, n);
		return true;
	}
	case 5: {
		uint32_t c = rnd(4);
		for (int i = 0; i < 2; i++)
			state_set_code(both[i], &a, c < 3 ? codes[c] : NULL,
			               c < 3 ? code_lens[c] : 0);
		return true;
	}
	case 6:
	case 7:
		for (int i = 0; i < 2; i++)
			state_set_storage(both[i], &a, &k, &v);
		return true;
	case 8:
		state_store_slot(x, &a, &k, &v, &o1, &c1);
		state_store_slot(y, &a, &k, &v, &o2, &c2);
		return u256_eq(&o1, &o2) && u256_eq(&c1, &c2);
	case 9:
		r[0] = state_load_slot(x, &a, &k, &o1);
		r[1] = state_load_slot(y, &a, &k, &o2);
		return r[0] == r[1] && u256_eq(&o1, &o2);
	case 10: {
		bool slot = rnd(2);
		for (int i = 0; i < 2; i++)
			r[i] = slot ? state_warm_slot(both[i], &a, &k)
			            : state_warm_account(both[i], &a);
		return r[0] == r[1];
	}
	case 11:
		for (int i = 0; i < 2; i++)
			state_set_transient(both[i], &a, &k, &v);
		return true;
	case 12:
		for (int i = 0; i < 2; i++)
			state_touch(both[i], &a);
		return true;
	case 13:
		for (int i = 0; i < 2; i++)
			r[i] = state_mark_selfdestruct(both[i], &a);
		return r[0] == r[1];
	case 14:
		/* A creation where EIP-7610 allows one (test_revert_wipe
		 * creates over storage). */
		if (state_has_storage(x, &a) || state_has_storage(y, &a))
			return true;
		for (int i = 0; i < 2; i++) {
			state_create_account(both[i], &a);
			state_mark_created(both[i], &a);
		}
		return true;
	case 15:
		if (*nsnaps < 16) {
			snaps[2 * *nsnaps] = state_snapshot(x);
			snaps[2 * *nsnaps + 1] = state_snapshot(y);
			++*nsnaps;
		}
		return true;
	default:
		if (rnd(3) == 0) {
			state_end_tx(x, delete_empty);
			state_end_tx(y, delete_empty);
			*nsnaps = 0;
		} else if (*nsnaps) {
			size_t i = rnd((uint32_t)*nsnaps);
			state_revert(x, snaps[2 * i]);
			state_revert(y, snaps[2 * i + 1]);
			*nsnaps = i;
		}
		return true;
	}
}

/* Applies changes to the block-start accounts in f, checking each prior
 * against what f held; returns false on a wrong prior. */
static bool apply_changes(fake *f, const state_change *ch, size_t n)
{
	bool ok = true;
	for (size_t i = 0; i < n; i++) {
		const state_change *c = &ch[i];
		fake_acct *e = fake_find(f, &c->addr);
		if (!e)
			return false;
		ok &= c->existed == e->exists;
		if (c->existed) {
			ok &= c->prior.nonce == e->sa.nonce;
			ok &= u256_eq(&c->prior.balance, &e->sa.balance);
			ok &= h256_eq(&c->prior.code_hash, &e->sa.code_hash);
			ok &= h256_eq(&c->prior.storage_root, &e->sa.storage_root);
		}
		for (size_t s = 0; s < c->nslots; s++) {
			const state_slot_change *sc = &c->slots[s];
			if (sc->key.w[0] >= NKEYS || sc->key.w[1] ||
			    sc->key.w[2] || sc->key.w[3])
				return false;
			const u256 *was = &e->slots[sc->key.w[0]];
			ok &= u256_eq(&sc->prior, c->storage_wiped ? &U256_ZERO : was);
		}
		if (c->storage_wiped || !c->exists)
			memset(e->slots, 0, sizeof e->slots);
		e->exists = c->exists;
		if (!c->exists) {
			memset(&e->sa, 0, sizeof e->sa);
			continue;
		}
		e->sa.nonce = c->nonce;
		e->sa.balance = c->balance;
		if (c->code) {
			h256 h = code_hash_of(c->code, c->code_len);
			ok &= h256_eq(&h, &c->code_hash);
			fake_put_code(f, c->code, c->code_len);
		}
		ok &= c->code || h256_eq(&c->code_hash, &empty_hash) ||
		      (c->existed && h256_eq(&c->code_hash, &c->prior.code_hash));
		e->sa.code_hash = c->code_hash;
		for (size_t s = 0; s < c->nslots; s++)
			e->slots[c->slots[s].key.w[0]] = c->slots[s].value;
		fake_fix_root(e);
	}
	return ok;
}

/* The accounts f holds are those st holds, read by st's reads. */
static bool same_contents(const fake *f, state *st)
{
	bool ok = true;
	for (size_t i = 0; i < f->naccts; i++) {
		const fake_acct *e = &f->accts[i];
		const address *a = &e->addr;
		ok &= state_exists(st, a) == e->exists;
		if (!e->exists)
			continue;
		ok &= state_nonce(st, a) == e->sa.nonce;
		u256 bal = state_balance(st, a);
		ok &= u256_eq(&bal, &e->sa.balance);
		size_t n;
		const uint8_t *code = state_code(st, a, &n);
		h256 h = n ? code_hash_of(code, n) : empty_hash;
		ok &= h256_eq(&h, &e->sa.code_hash);
		for (uint64_t k = 0; k < NKEYS; k++) {
			u256 v = state_storage(st, a, UP(k));
			ok &= u256_eq(&v, &e->slots[k]);
		}
	}
	return ok;
}

/* The key test: a backed state and a state preloaded in memory with the
 * same accounts answer every read alike through a random block, and the
 * backed state's changes applied to its backend's accounts give what the
 * state in memory holds (and lists as its own changes) at the end. */
static void test_equivalence(void)
{
	int bad_reads = 0, bad_ops = 0, bad_apply = 0, bad_contents = 0;
	int bad_memory = 0, failed = 0, reloads = 0;
	for (uint64_t seed = 1; seed <= 300; seed++) {
		rng_state = seed * 0x9e3779b97f4a7c15ULL;
		bool delete_empty = seed % 4 != 0;
		fake f;
		make_block_start(&f);
		state *x = backed(&f), *y = fresh();
		preload(y, &f);
		size_t snaps[32], nsnaps = 0;
		for (int step = 0; step < 300; step++) {
			if (!random_op(x, y, snaps, &nsnaps, delete_empty))
				bad_ops++;
			address a = addr(0x100 + rnd(NADDR));
			if (!same_reads(x, y, &a, rnd(NKEYS)))
				bad_reads++;
		}
		state_end_tx(x, delete_empty);
		state_end_tx(y, delete_empty);
		failed += state_failed(x) || state_failed(y);
		reloads += f.account_calls > NADDR;

		const state_change *ch;
		size_t n;
		fake model = f;
		if (state_changes(x, &ch, &n) != DURE_OK ||
		    !apply_changes(&model, ch, n))
			bad_apply++;
		if (!same_contents(&model, y) || !same_contents(&model, x))
			bad_contents++;
		/* y's changes are its whole contents. */
		fake mem;
		make_block_start(&mem);
		for (size_t i = 0; i < mem.naccts; i++) {
			memset(mem.accts[i].slots, 0, sizeof mem.accts[i].slots);
			memset(&mem.accts[i].sa, 0, sizeof mem.accts[i].sa);
			mem.accts[i].exists = false;
		}
		if (state_changes(y, &ch, &n) != DURE_OK ||
		    !apply_changes(&mem, ch, n) || !same_contents(&mem, y))
			bad_memory++;
		state_free(x);
		state_free(y);
	}
	CHECK_EQ_INT(bad_ops, 0);
	CHECK_EQ_INT(bad_reads, 0);
	CHECK_EQ_INT(bad_apply, 0);
	CHECK_EQ_INT(bad_contents, 0);
	CHECK_EQ_INT(bad_memory, 0);
	CHECK_EQ_INT(failed, 0);
	CHECK_EQ_INT(reloads, 0);
}

TEST_MAIN(test_loads_once, test_code_revert, test_changes_priors, test_selfdestruct_wipe,
          test_has_storage_root, test_revert_wipe, test_sticky_error,
          test_memory_changes, test_equivalence)
