/* The state transition: fees and refunds, rejections that leave the state
 * alone, calls with storage and logs, reverts, and contract creation. */
#include <stdlib.h>

#include "base/hex.h"
#include "chain/receipt.h"
#include "chain/transition.h"
#include "chain/tx.h"
#include "state/state.h"
#include "test.h"

#define UP(v) (&(u256){{(uint64_t)(v), 0, 0, 0}})

static const char *const KEY =
	"45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8";
static const char *const SENDER = "a94f5374fce5edbc8e2a8697c15331677e6ebf0b";

static address addr_hex(const char *s)
{
	address a;
	if (hex_decode_exact(s, a.b, 20) != DURE_OK)
		abort();
	return a;
}

static address addr(uint16_t n)
{
	address a = {{0}};
	a.b[18] = (uint8_t)(n >> 8);
	a.b[19] = (uint8_t)n;
	return a;
}

static block_env env(void)
{
	block_env e = {0};
	e.coinbase = addr(0xc0b);
	e.number = 1;
	e.timestamp = 1000;
	e.gas_limit = 30000000;
	e.base_fee = u256_from_u64(10);
	e.chain_id = 1;
	return e;
}

/* A state with a funded sender and two contracts: 0xc0de stores 42 at slot
 * 1 and logs topic 7; 0xbad stores then reverts. */
static state *world(void)
{
	state *st;
	if (state_new(&st) != DURE_OK)
		abort();
	address s = addr_hex(SENDER), c = addr(0xc0de), r = addr(0xbad);
	state_set_balance(st, &s, UP(1000000000));
	static const uint8_t store_log[] = {0x60, 0x2a, 0x60, 0x01, 0x55, 0x60,
	                                    0x07, 0x60, 0x00, 0x60, 0x00, 0xa1,
	                                    0x00};
	static const uint8_t reverts[] = {0x60, 0x01, 0x60, 0x01, 0x55,
	                                  0x60, 0x00, 0x60, 0x00, 0xfd};
	state_set_code(st, &c, store_log, sizeof store_log);
	state_set_nonce(st, &c, 1);
	state_set_code(st, &r, reverts, sizeof reverts);
	state_set_nonce(st, &r, 1);
	state_end_tx(st, true);
	return st;
}

static tx make_tx(const address *to, uint64_t nonce, uint64_t gas,
                  uint64_t price, uint64_t value)
{
	tx t = {0};
	t.type = TX_LEGACY;
	t.has_chain_id = true;
	t.chain_id = 1;
	t.nonce = nonce;
	t.gas_price = u256_from_u64(price);
	t.gas_limit = gas;
	t.has_to = to != NULL;
	if (to)
		t.to = *to;
	t.value = u256_from_u64(value);
	return t;
}

/* Signs t and applies it after earlier transactions that used `used`. */
static int apply_after(state *st, fork rev, const block_gas *used, tx *t,
                       receipt *rc)
{
	uint8_t key[32];
	if (hex_decode_exact(KEY, key, 32) != DURE_OK ||
	    tx_sign(t, key) != DURE_OK)
		abort();
	block_env e = env();
	address s = addr_hex(SENDER);
	return transition_apply(st, rev, &e, t, &s, used, NULL, NULL, rc);
}

static int apply_at(state *st, fork rev, tx *t, receipt *rc)
{
	return apply_after(st, rev, &(block_gas){.gas = 100}, t, rc);
}

static int apply(state *st, tx *t, receipt *rc)
{
	return apply_at(st, FORK_CANCUN, t, rc);
}

static void test_blob_base_fee(void)
{
	/* fake_exponential(1, x, 3338477), values from EIP-4844's formula. */
	CHECK_EQ_INT(blob_base_fee(0).w[0], 1);
	CHECK_EQ_INT(blob_base_fee(3338477).w[0], 2);
	CHECK_EQ_INT(blob_base_fee(33384770).w[0], 22026);
	CHECK_EQ_INT(blob_base_fee(39321600).w[0], 130392);
	u256 huge = blob_base_fee(UINT64_MAX);
	CHECK(u256_eq(&huge, &U256_MAX));
}

static void test_transfer(void)
{
	state *st = world();
	address s = addr_hex(SENDER), to = addr(0x1234), cb = addr(0xc0b);
	tx t = make_tx(&to, 0, 21000, 20, 555);
	receipt rc;
	CHECK_EQ_INT(apply(st, &t, &rc), DURE_OK);
	CHECK(rc.success);
	CHECK_EQ_INT(rc.gas_used, 21000);
	CHECK_EQ_INT(rc.cumulative_gas, 21100);
	CHECK_EQ_INT(state_balance(st, &to).w[0], 555);
	CHECK_EQ_INT(state_balance(st, &s).w[0], 1000000000 - 21000 * 20 - 555);
	/* Priority fee only: the base fee (10) is burned. */
	CHECK_EQ_INT(state_balance(st, &cb).w[0], 21000 * 10);
	CHECK_EQ_INT(state_nonce(st, &s), 1);
	receipt_free(&rc);
	tx_free(&t);
	state_free(st);
}

static void test_rejections(void)
{
	state *st = world();
	h256 before, after;
	CHECK_EQ_INT(state_root(st, &before), DURE_OK);
	address to = addr(0x1234);
	receipt rc;
	struct {
		tx t;
		int err;
	} cases[] = {
		{make_tx(&to, 1, 21000, 20, 0), DURE_ETR_NONCE},
		{make_tx(&to, 0, 21000, 20, 1000000000), DURE_ETR_FUNDS},
		{make_tx(&to, 0, 40000000, 20, 0), DURE_ETR_BLOCK_GAS},
		{make_tx(&to, 0, 21000, 9, 0), DURE_ETR_BASE_FEE},
		{make_tx(&to, 0, 20999, 20, 0), DURE_ETX_INTRINSIC_GAS},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		CHECK_EQ_INT(apply(st, &cases[i].t, &rc), cases[i].err);
		CHECK_EQ_INT(state_root(st, &after), DURE_OK);
		CHECK(h256_eq(&before, &after));
		tx_free(&cases[i].t);
	}

	/* EIP-3607: an account with code cannot send. */
	address s = addr_hex(SENDER);
	static const uint8_t stop[] = {0x00};
	state_set_code(st, &s, stop, 1);
	state_end_tx(st, true);
	CHECK_EQ_INT(state_root(st, &before), DURE_OK);
	tx t = make_tx(&to, 0, 21000, 20, 0);
	CHECK_EQ_INT(apply(st, &t, &rc), DURE_ETR_SENDER_CODE);
	CHECK_EQ_INT(state_root(st, &after), DURE_OK);
	CHECK(h256_eq(&before, &after));
	tx_free(&t);
	state_free(st);
}

static void test_call_storage_log(void)
{
	state *st = world();
	address c = addr(0xc0de);
	tx t = make_tx(&c, 0, 100000, 20, 0);
	receipt rc;
	CHECK_EQ_INT(apply(st, &t, &rc), DURE_OK);
	CHECK(rc.success);
	CHECK_EQ_INT(state_storage(st, &c, UP(1)).w[0], 42);
	CHECK_EQ_INT(rc.nlogs, 1);
	if (rc.nlogs == 1) {
		CHECK(address_eq(&rc.logs[0].addr, &c));
		CHECK_EQ_INT(rc.logs[0].ntopics, 1);
		CHECK_EQ_INT(rc.logs[0].topics[0].b[31], 7);
	}
	/* The exact cost is the EVM's business; the receipt must at least
	 * cover the cold SSTORE (22100) and the LOG1 (750). */
	CHECK(rc.gas_used > 21000 + 22100 + 750);
	int bits = 0;
	for (int i = 0; i < 256; i++)
		bits += __builtin_popcount(rc.bloom[i]);
	CHECK(bits >= 2 && bits <= 6);
	receipt_free(&rc);
	tx_free(&t);
	state_free(st);
}

static void test_revert(void)
{
	state *st = world();
	address r = addr(0xbad), s = addr_hex(SENDER);
	tx t = make_tx(&r, 0, 100000, 20, 77);
	receipt rc;
	CHECK_EQ_INT(apply(st, &t, &rc), DURE_OK);
	CHECK(!rc.success);
	CHECK_EQ_INT(rc.nlogs, 0);
	CHECK_EQ_INT(state_storage(st, &r, UP(1)).w[0], 0);
	CHECK_EQ_INT(state_balance(st, &r).w[0], 0);
	/* The gas is paid and the nonce moves even though the call failed;
	 * REVERT hands back what it did not use. */
	CHECK_EQ_INT(state_nonce(st, &s), 1);
	CHECK(rc.gas_used < 100000);
	CHECK_EQ_INT(state_balance(st, &s).w[0], 1000000000 - rc.gas_used * 20);
	receipt_free(&rc);
	tx_free(&t);
	state_free(st);
}

static void test_create(void)
{
	state *st = world();
	/* Initcode returning the two-byte runtime code 0x6000. */
	static const uint8_t init[] = {0x61, 0x60, 0x00, 0x60, 0x00, 0x52,
	                               0x60, 0x02, 0x60, 0x1e, 0xf3};
	tx t = make_tx(NULL, 0, 200000, 20, 5);
	t.data = malloc(sizeof init);
	memcpy(t.data, init, sizeof init);
	t.data_size = sizeof init;
	receipt rc;
	CHECK_EQ_INT(apply(st, &t, &rc), DURE_OK);
	CHECK(rc.success);
	/* The address from (sender, nonce 0): the well-known first contract
	 * of the ethereum/tests sender a94f...0b. */
	address made = addr_hex("6295ee1b4f6dd65047762f924ecd367c17eabf8f");
	size_t n;
	const uint8_t *code = state_code(st, &made, &n);
	CHECK_EQ_INT(n, 2);
	CHECK(code && code[0] == 0x60 && code[1] == 0x00);
	CHECK_EQ_INT(state_nonce(st, &made), 1);
	CHECK_EQ_INT(state_balance(st, &made).w[0], 5);
	receipt_free(&rc);
	tx_free(&t);
	state_free(st);
}

/* EIP-6780: from Cancun a contract not created in the same transaction
 * only hands its balance over; before, it is deleted. */
static void test_selfdestruct(void)
{
	static const uint8_t code[] = {0x61, 0xbe, 0xef, 0xff}; /* to 0xbeef */
	for (int cancun = 0; cancun < 2; cancun++) {
		state *st = world();
		address d = addr(0xdead), ben = addr(0xbeef);
		state_set_code(st, &d, code, sizeof code);
		state_set_balance(st, &d, UP(100));
		state_set_storage(st, &d, UP(1), UP(1));
		state_end_tx(st, true);
		tx t = make_tx(&d, 0, 100000, 20, 0);
		receipt rc;
		CHECK_EQ_INT(apply_at(st, cancun ? FORK_CANCUN : FORK_SHANGHAI, &t,
		                      &rc), DURE_OK);
		CHECK(rc.success);
		CHECK_EQ_INT(state_balance(st, &ben).w[0], 100);
		CHECK_EQ_INT(state_balance(st, &d).w[0], 0);
		CHECK(state_exists(st, &d) == (cancun == 1));
		CHECK_EQ_INT(state_storage(st, &d, UP(1)).w[0], cancun ? 1 : 0);
		receipt_free(&rc);
		tx_free(&t);
		state_free(st);
	}
}

/* Creating over an address that has storage fails and burns the gas
 * (EIP-7610); the sender's nonce still moves. */
static void test_create_collision(void)
{
	state *st = world();
	address made = addr_hex("6295ee1b4f6dd65047762f924ecd367c17eabf8f");
	address s = addr_hex(SENDER);
	state_set_storage(st, &made, UP(1), UP(1));
	state_end_tx(st, false); /* keep it although EIP-161 empty */
	tx t = make_tx(NULL, 0, 100000, 20, 0);
	receipt rc;
	CHECK_EQ_INT(apply(st, &t, &rc), DURE_OK);
	CHECK(!rc.success);
	CHECK_EQ_INT(rc.gas_used, 100000);
	CHECK_EQ_INT(state_nonce(st, &s), 1);
	CHECK_EQ_INT(state_nonce(st, &made), 0);
	receipt_free(&rc);
	tx_free(&t);
	state_free(st);
}

/* EIP-161: a zero-value call touches an empty account, which is then
 * deleted at the end of the transaction. */
static void test_touch_deletes_empty(void)
{
	state *st = world();
	address e = addr(0xe);
	state_create_account(st, &e);
	state_end_tx(st, false);
	CHECK(state_exists(st, &e));
	tx t = make_tx(&e, 0, 21000, 20, 0);
	receipt rc;
	CHECK_EQ_INT(apply(st, &t, &rc), DURE_OK);
	CHECK(!state_exists(st, &e));
	receipt_free(&rc);
	tx_free(&t);
	state_free(st);
}

/* The block's gas pool: a tx may take what the earlier ones left of the
 * 30M gas limit, and no more. */
static void test_gas_pool(void)
{
	state *st = world();
	address to = addr(0x1234), s = addr_hex(SENDER);
	receipt rc;
	tx t = make_tx(&to, 0, 21000, 20, 0);
	CHECK_EQ_INT(apply_after(st, FORK_CANCUN,
	                         &(block_gas){.gas = 30000000 - 20999}, &t, &rc),
	             DURE_ETR_BLOCK_GAS);
	CHECK_EQ_INT(state_nonce(st, &s), 0);
	CHECK_EQ_INT(apply_after(st, FORK_CANCUN,
	                         &(block_gas){.gas = 31000000}, &t, &rc),
	             DURE_ETR_BLOCK_GAS);
	CHECK_EQ_INT(apply_after(st, FORK_CANCUN,
	                         &(block_gas){.gas = 30000000 - 21000}, &t, &rc),
	             DURE_OK);
	CHECK_EQ_INT(rc.cumulative_gas, 30000000);
	receipt_free(&rc);
	tx_free(&t);
	state_free(st);
}

static tx make_blob_tx(const address *to, size_t nblobs)
{
	tx t = {0};
	t.type = TX_BLOB;
	t.has_chain_id = true;
	t.chain_id = 1;
	t.max_fee = u256_from_u64(20);
	t.max_priority_fee = u256_from_u64(1);
	t.max_fee_per_blob_gas = u256_from_u64(1);
	t.gas_limit = 21000;
	t.has_to = true;
	t.to = *to;
	t.blob_hashes = calloc(nblobs, sizeof *t.blob_hashes);
	if (!t.blob_hashes)
		abort();
	t.blob_hashes_len = nblobs;
	for (size_t i = 0; i < nblobs; i++)
		t.blob_hashes[i].b[0] = 0x01; /* VERSIONED_HASH_VERSION_KZG */
	return t;
}

/* The block's blob gas pool: 786432 (six blobs of 131072) per block. */
static void test_blob_gas_pool(void)
{
	state *st = world();
	address to = addr(0x1234);
	receipt rc;
	const block_gas five = {.blob_gas = 5 * 131072};
	tx two = make_blob_tx(&to, 2), one = make_blob_tx(&to, 1);
	CHECK_EQ_INT(apply_after(st, FORK_CANCUN, &five, &two, &rc),
	             DURE_ETR_BLOB_GAS);
	CHECK_EQ_INT(apply_after(st, FORK_CANCUN, &five, &one, &rc), DURE_OK);
	CHECK(rc.success);
	receipt_free(&rc);
	tx_free(&two);
	tx_free(&one);
	state_free(st);
}

TEST_MAIN(test_blob_base_fee, test_transfer, test_rejections,
          test_call_storage_log, test_revert, test_create, test_selfdestruct,
          test_create_collision, test_touch_deletes_empty, test_gas_pool,
          test_blob_gas_pool)
