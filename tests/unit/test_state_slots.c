/* Storage slots under growth and revert, the one-lookup SLOAD and SSTORE
 * paths (state_load_slot, state_store_slot) and state_transfer. */
#include <stdlib.h>

#include "state/state.h"
#include "state_helpers.h"
#include "test.h"

/* Key i of a mix of shapes a contract produces or an attacker might:
 * small integers, words that differ only in one high limb, and
 * pseudo-random (keccak-like) keys. */
static u256 key(uint32_t i)
{
	u256 k = U256_ZERO;
	uint64_t x = (uint64_t)i * 0x9e3779b97f4a7c15ULL + 1;
	switch (i % 4) {
	case 0:
		k.w[0] = i;
		break;
	case 1:
		k.w[1 + i / 4 % 3] = i;
		break;
	case 2:
		k.w[0] = (uint64_t)i << 40;
		break;
	default:
		for (int w = 0; w < 4; w++) {
			x ^= x >> 31;
			x *= 0xbf58476d1ce4e5b9ULL;
			k.w[w] = x;
		}
	}
	return k;
}

#define NKEYS 3000

/* Slots keep their values while the table grows under a live journal, a
 * revert undoes writes made before and after the growth, and the state
 * root does not depend on the order slots were added in. */
static void test_growth_and_revert(void)
{
	state *st = fresh();
	address a = addr(1);
	state_set_balance(st, &a, UP(1));
	for (uint32_t i = 0; i < NKEYS / 2; i++) {
		u256 k = key(i);
		state_set_storage(st, &a, &k, UP(i + 1));
	}
	state_end_tx(st, true);

	size_t snap = state_snapshot(st);
	for (uint32_t i = 0; i < NKEYS; i++) {
		u256 k = key(i);
		state_set_storage(st, &a, &k, UP(i + 1000000));
	}
	bool ok = true;
	for (uint32_t i = 0; i < NKEYS; i++) {
		u256 k = key(i);
		ok &= state_storage(st, &a, &k).w[0] == i + 1000000;
		ok &= state_storage_original(st, &a, &k).w[0] ==
		      (i < NKEYS / 2 ? i + 1 : 0);
	}
	CHECK(ok);
	state_revert(st, snap);
	ok = true;
	for (uint32_t i = 0; i < NKEYS; i++) {
		u256 k = key(i);
		ok &= state_storage(st, &a, &k).w[0] == (i < NKEYS / 2 ? i + 1 : 0);
	}
	CHECK(ok);

	/* Write every key, then commit: the values become the originals. */
	for (uint32_t i = 0; i < NKEYS; i++) {
		u256 k = key(i);
		state_set_storage(st, &a, &k, UP(i + 7));
	}
	state_end_tx(st, true);
	ok = true;
	for (uint32_t i = 0; i < NKEYS; i++) {
		u256 k = key(i);
		ok &= state_storage_original(st, &a, &k).w[0] == i + 7;
	}
	CHECK(ok);

	state *other = fresh();
	state_set_balance(other, &a, UP(1));
	for (uint32_t i = NKEYS; i-- > 0;) {
		u256 k = key(i);
		state_set_storage(other, &a, &k, UP(i + 7));
	}
	state_end_tx(other, true);
	h256 r1, r2;
	CHECK_EQ_INT(state_root(st, &r1), DURE_OK);
	CHECK_EQ_INT(state_root(other, &r2), DURE_OK);
	CHECK(h256_eq(&r1, &r2));
	CHECK(!state_failed(st) && !state_failed(other));
	state_free(other);
	state_free(st);
}

static void test_load_slot(void)
{
	state *st = fresh();
	address a = addr(1), b = addr(2), none = addr(3);
	state_set_balance(st, &a, UP(1));   /* not empty, so kept (EIP-161) */
	state_set_balance(st, &b, UP(1));
	state_set_storage(st, &a, UP(5), UP(50));
	state_set_storage(st, &b, UP(5), UP(51));
	state_end_tx(st, true);

	u256 v;
	size_t snap = state_snapshot(st);
	CHECK(!state_load_slot(st, &a, UP(5), &v));   /* cold */
	CHECK_EQ_INT(v.w[0], 50);
	CHECK(state_load_slot(st, &a, UP(5), &v));    /* warm now */
	CHECK_EQ_INT(v.w[0], 50);
	/* Another account's slot of the same key is cold and its own. */
	CHECK(!state_load_slot(st, &b, UP(5), &v));
	CHECK_EQ_INT(v.w[0], 51);
	CHECK(state_load_slot(st, &a, UP(5), &v));
	CHECK_EQ_INT(v.w[0], 50);
	/* A write is seen by the next load. */
	state_set_storage(st, &a, UP(5), UP(52));
	CHECK(state_load_slot(st, &a, UP(5), &v));
	CHECK_EQ_INT(v.w[0], 52);
	/* A missing slot or account reads zero and is warmed all the same. */
	CHECK(!state_load_slot(st, &a, UP(6), &v));
	CHECK(u256_is_zero(&v));
	CHECK(!state_load_slot(st, &none, UP(5), &v));
	CHECK(u256_is_zero(&v));
	CHECK(state_load_slot(st, &none, UP(5), &v));
	CHECK(!state_exists(st, &none));

	state_revert(st, snap);
	CHECK(!state_load_slot(st, &a, UP(5), &v));   /* cold again */
	CHECK_EQ_INT(v.w[0], 50);
	CHECK(!state_warm_slot(st, &none, UP(5)));
	state_end_tx(st, true);
	CHECK(!state_load_slot(st, &a, UP(5), &v));   /* a new transaction */
	state_free(st);
}

static void test_store_slot(void)
{
	state *st = fresh();
	address a = addr(1), fresh_acct = addr(2);
	state_set_balance(st, &a, UP(1));
	state_set_storage(st, &a, UP(1), UP(10));
	state_end_tx(st, true);

	u256 orig, cur;
	size_t snap = state_snapshot(st);
	state_store_slot(st, &a, UP(1), UP(11), &orig, &cur);
	CHECK_EQ_INT(orig.w[0], 10);
	CHECK_EQ_INT(cur.w[0], 10);
	state_store_slot(st, &a, UP(1), UP(12), &orig, &cur);
	CHECK_EQ_INT(orig.w[0], 10);
	CHECK_EQ_INT(cur.w[0], 11);
	CHECK_EQ_INT(state_storage(st, &a, UP(1)).w[0], 12);
	/* Writing the current value again changes nothing to undo. */
	size_t before = state_snapshot(st);
	state_store_slot(st, &a, UP(1), UP(12), &orig, &cur);
	CHECK_EQ_INT(cur.w[0], 12);
	CHECK_EQ_INT(state_snapshot(st), before);

	/* A store makes the account exist, like state_set_storage. */
	state_store_slot(st, &fresh_acct, UP(3), UP(30), &orig, &cur);
	CHECK(u256_is_zero(&orig) && u256_is_zero(&cur));
	CHECK(state_exists(st, &fresh_acct));
	CHECK(state_has_storage(st, &fresh_acct));

	state_revert(st, snap);
	CHECK_EQ_INT(state_storage(st, &a, UP(1)).w[0], 10);
	CHECK(!state_exists(st, &fresh_acct));
	CHECK(!state_has_storage(st, &fresh_acct));
	state_free(st);
}

static void test_transfer(void)
{
	state *st = fresh();
	address a = addr(1), b = addr(2), c = addr(3), rich = addr(4);
	state_set_balance(st, &a, UP(10));
	state_set_balance(st, &rich, &U256_MAX);
	state_end_tx(st, true);

	size_t snap = state_snapshot(st);
	CHECK(state_transfer(st, &a, &b, UP(4)));
	CHECK_EQ_INT(state_balance(st, &a).w[0], 6);
	CHECK_EQ_INT(state_balance(st, &b).w[0], 4);
	/* Failures change nothing, not even the touch marks. */
	size_t mark = state_snapshot(st);
	CHECK(!state_transfer(st, &a, &c, UP(7)));
	CHECK(!state_transfer(st, &b, &rich, UP(1)));
	CHECK_EQ_INT(state_snapshot(st), mark);
	CHECK(!state_exists(st, &c));
	CHECK_EQ_INT(state_balance(st, &a).w[0], 6);
	/* To itself: the balance stays, even at the limit. */
	CHECK(state_transfer(st, &rich, &rich, UP(5)));
	u256 bal = state_balance(st, &rich);
	CHECK(u256_eq(&bal, &U256_MAX));
	CHECK(!state_transfer(st, &a, &a, UP(7)));
	state_revert(st, snap);
	CHECK_EQ_INT(state_balance(st, &a).w[0], 10);
	CHECK(!state_exists(st, &b));

	/* Zero moves nothing but touches both ends (EIP-161): an empty
	 * recipient is then deleted at the end of the transaction. */
	state_create_account(st, &c);
	state_end_tx(st, false);
	CHECK(state_exists(st, &c));
	CHECK(state_transfer(st, &a, &c, UP(0)));
	state_end_tx(st, true);
	CHECK(!state_exists(st, &c));
	CHECK_EQ_INT(state_balance(st, &a).w[0], 10);
	CHECK(!state_failed(st));
	state_free(st);
}

TEST_MAIN(test_growth_and_revert, test_load_slot, test_store_slot,
          test_transfer)
