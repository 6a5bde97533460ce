/* Journaled state: reads, snapshots and reverts, per-transaction marks,
 * EIP-161 deletion, self-destruct, and the state root. */
#include <stdlib.h>

#include "base/hex.h"
#include "state/state.h"
#include "state_helpers.h"
#include "test.h"
#include "trie/trie.h"

static u256 U(uint64_t v) { return u256_from_u64(v); }

static void test_empty_root(void)
{
	state *st = fresh();
	h256 root;
	CHECK_EQ_INT(state_root(st, &root), DURE_OK);
	CHECK(h256_eq(&root, &TRIE_EMPTY_ROOT));
	/* An account that was only read or warmed does not exist. */
	address a = addr(1);
	CHECK(!state_warm_account(st, &a));
	CHECK(!state_exists(st, &a));
	CHECK(state_is_empty(st, &a));
	CHECK_EQ_INT(state_root(st, &root), DURE_OK);
	CHECK(h256_eq(&root, &TRIE_EMPTY_ROOT));
	state_free(st);
}

/* The pre-state of ethereum/tests stSpecialTest/eoaEmptyParis, whose root
 * the fixture states (a rejected case leaves the pre-state unchanged). */
static void test_known_root(void)
{
	static const struct {
		uint32_t a;
		uint64_t balance, nonce;
		const char *code;
	} pre[] = {
		{0xbad1, 1, 0, ""},
		{0xbad2, 0, 1, ""},
		{0xbad3, 1, 1, ""},
		{0xbad4, 10, 0, ""},
		{0xc0de, 0, 1,
		 "32806000558031603155803b603b55803f603f55600181013f61013f5561bad13f"
		 "61bad15561bad23f61bad25561bad33f61bad35561bad43f61bad45561bad53f61"
		 "bad55560008080805a94600435905af1505a900360f1555a60008080808061dead"
		 "5af1505a900360ff5500"},
		{0xdead, 0x2710, 1, "32ff"},
	};
	state *st = fresh();
	for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++) {
		address a = addr(pre[i].a);
		u256 bal = U(pre[i].balance);
		state_create_account(st, &a);
		state_set_balance(st, &a, &bal);
		state_set_nonce(st, &a, pre[i].nonce);
		buf code = BUF_INIT;
		CHECK_EQ_INT(hex_decode(pre[i].code, strlen(pre[i].code), &code),
		             DURE_OK);
		if (code.len)
			state_set_code(st, &a, code.data, code.len);
		buf_free(&code);
	}
	address bad4 = addr(0xbad4);
	u256 k = U(0xdead), v = U(0xbeef);
	state_set_storage(st, &bad4, &k, &v);
	address eoa;
	CHECK_EQ_INT(hex_decode_exact("a94f5374fce5edbc8e2a8697c15331677e6ebf0b",
	                              eoa.b, 20), DURE_OK);
	u256 bal = U(0x3b9aca00);
	state_set_balance(st, &eoa, &bal);
	state_end_tx(st, false);

	h256 root, want;
	CHECK_EQ_INT(hex_decode_exact("c601c9ea84c29e00a812de5a2d544aa64473d4a1d2"
	                              "bc4821ea5bd3f16ee3ad98", want.b, 32),
	             DURE_OK);
	CHECK_EQ_INT(state_root(st, &root), DURE_OK);
	CHECK(h256_eq(&root, &want));
	/* A slot set to zero leaves the storage trie; restoring it restores
	 * the root. */
	u256 zero = U(0);
	state_set_storage(st, &bad4, &k, &zero);
	h256 root2;
	CHECK_EQ_INT(state_root(st, &root2), DURE_OK);
	CHECK(!h256_eq(&root2, &want));
	state_set_storage(st, &bad4, &k, &v);
	CHECK_EQ_INT(state_root(st, &root2), DURE_OK);
	CHECK(h256_eq(&root2, &want));
	CHECK(!state_failed(st));
	state_free(st);
}

static void test_snapshot_revert(void)
{
	state *st = fresh();
	address a = addr(7), b = addr(8);
	u256 ten = U(10), k = U(1), v = U(42);
	state_set_balance(st, &a, &ten);
	state_end_tx(st, true);
	h256 before;
	CHECK_EQ_INT(state_root(st, &before), DURE_OK);

	size_t s0 = state_snapshot(st);
	CHECK(state_sub_balance(st, &a, UP(3)));
	CHECK(state_add_balance(st, &b, UP(3)));
	state_set_nonce(st, &a, 5);
	state_set_storage(st, &a, &k, &v);
	static const uint8_t code[] = {0x60, 0x00};
	state_set_code(st, &a, code, sizeof code);
	state_set_transient(st, &a, &k, &v);
	CHECK(!state_warm_account(st, &b));
	CHECK(!state_warm_slot(st, &a, &k));
	h256 topic = {{1}};
	state_add_log(st, &a, &topic, 1, code, sizeof code);

	size_t s1 = state_snapshot(st);
	state_set_storage(st, &a, &k, UP(43));
	CHECK(!state_sub_balance(st, &a, UP(100)));
	state_revert(st, s1);
	CHECK_EQ_INT(state_storage(st, &a, &k).w[0], 42);
	CHECK_EQ_INT(state_balance(st, &a).w[0], 7);
	CHECK_EQ_INT(state_balance(st, &b).w[0], 3);
	size_t nlogs;
	state_logs(st, &nlogs);
	CHECK_EQ_INT(nlogs, 1);

	state_revert(st, s0);
	CHECK_EQ_INT(state_balance(st, &a).w[0], 10);
	CHECK(!state_exists(st, &b));
	CHECK_EQ_INT(state_nonce(st, &a), 0);
	CHECK_EQ_INT(state_storage(st, &a, &k).w[0], 0);
	size_t len;
	CHECK(state_code(st, &a, &len) == NULL && len == 0);
	CHECK_EQ_INT(state_transient(st, &a, &k).w[0], 0);
	CHECK(!state_warm_account(st, &b));   /* un-warmed by the revert */
	CHECK(!state_warm_slot(st, &a, &k));
	state_logs(st, &nlogs);
	CHECK_EQ_INT(nlogs, 0);
	h256 after;
	CHECK_EQ_INT(state_root(st, &after), DURE_OK);
	CHECK(h256_eq(&before, &after));
	state_free(st);
}

static void test_tx_boundary(void)
{
	state *st = fresh();
	address a = addr(9);
	u256 k = U(2);
	state_set_balance(st, &a, UP(1));
	state_set_storage(st, &a, &k, UP(5));
	state_end_tx(st, true);

	/* Original is the value at the start of the transaction. */
	state_set_storage(st, &a, &k, UP(6));
	state_set_storage(st, &a, &k, UP(7));
	CHECK_EQ_INT(state_storage_original(st, &a, &k).w[0], 5);
	CHECK_EQ_INT(state_storage(st, &a, &k).w[0], 7);
	state_set_transient(st, &a, &k, UP(9));
	CHECK(!state_warm_account(st, &a));
	CHECK(state_warm_account(st, &a));
	state_mark_created(st, &a);
	CHECK(state_created_in_tx(st, &a));
	state_end_tx(st, true);

	CHECK_EQ_INT(state_storage_original(st, &a, &k).w[0], 7);
	CHECK_EQ_INT(state_transient(st, &a, &k).w[0], 0);
	CHECK(!state_warm_account(st, &a));
	CHECK(!state_created_in_tx(st, &a));
	state_free(st);
}

static void test_eip161_and_selfdestruct(void)
{
	state *st = fresh();
	address empty = addr(1), kept = addr(2), gone = addr(3);
	/* Pre-state may hold empty accounts; they stay until touched. */
	state_create_account(st, &empty);
	state_create_account(st, &kept);
	state_set_balance(st, &gone, UP(5));
	state_set_storage(st, &gone, UP(1), UP(1));
	state_end_tx(st, true);
	CHECK(!state_exists(st, &empty));   /* created = touched: deleted */

	state_create_account(st, &empty);
	state_end_tx(st, false);             /* no EIP-161 (pre-Spurious) */
	CHECK(state_exists(st, &empty));
	state_end_tx(st, true);              /* not touched this time */
	CHECK(state_exists(st, &empty));

	state_touch(st, &empty);
	CHECK(state_mark_selfdestruct(st, &gone));
	CHECK(!state_mark_selfdestruct(st, &gone));
	CHECK(state_selfdestructed(st, &gone));
	state_end_tx(st, true);
	CHECK(!state_exists(st, &empty));
	CHECK(!state_exists(st, &gone));
	CHECK_EQ_INT(state_storage(st, &gone, UP(1)).w[0], 0);
	CHECK(!state_has_storage(st, &gone));
	CHECK(!state_selfdestructed(st, &gone));
	state_free(st);
}

/* A revert un-touches every account except RIPEMD-160's precompile. */
static void test_ripemd_touch(void)
{
	state *st = fresh();
	address ripemd = addr(3), other = addr(4);
	state_create_account(st, &ripemd);
	state_create_account(st, &other);
	state_end_tx(st, false);
	size_t s = state_snapshot(st);
	state_touch(st, &ripemd);
	state_touch(st, &other);
	state_revert(st, s);
	state_end_tx(st, true);
	CHECK(!state_exists(st, &ripemd));
	CHECK(state_exists(st, &other));
	state_free(st);
}

static void test_many_accounts(void)
{
	state *st = fresh();
	for (uint32_t i = 0; i < 5000; i++) {
		address a = addr(i * 7919);
		state_set_balance(st, &a, UP(i + 1));
		state_set_storage(st, &a, UP(i), UP(i + 1));
	}
	state_end_tx(st, true);
	bool ok = true;
	for (uint32_t i = 0; i < 5000; i++) {
		address a = addr(i * 7919);
		ok &= state_balance(st, &a).w[0] == i + 1;
		ok &= state_storage(st, &a, UP(i)).w[0] == i + 1;
		ok &= state_storage(st, &a, UP(i + 1)).w[0] == 0;
	}
	CHECK(ok);
	CHECK(!state_failed(st));
	state_free(st);
}

TEST_MAIN(test_empty_root, test_known_root, test_snapshot_revert,
          test_tx_boundary, test_eip161_and_selfdestruct, test_ripemd_touch,
          test_many_accounts)
