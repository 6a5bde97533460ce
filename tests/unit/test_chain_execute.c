/* Block execution over an in-memory state: the gas pool across
 * transactions, receipts' cumulative gas, withdrawals in gwei, the
 * EIP-4788 beacon roots call (with the contract's code as the
 * BlockchainTests pre-states deploy it), pre-recovered senders, the
 * intermediate state roots of pre-Byzantium receipts; and every linear
 * chain of valid blocks in BlockchainTests/ValidBlocks, executed from its
 * pre-state to each block's state root. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/hex.h"
#include "chain/block.h"
#include "chain/config.h"
#include "chain/execute.h"
#include "chain/tx.h"
#include "fixture_walk.h"
#include "state_helpers.h"
#include "test.h"

static const char *const KEY =
	"45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8";
static const char *const SENDER = "a94f5374fce5edbc8e2a8697c15331677e6ebf0b";

/* EIP-4788's contract, from the pre-state of
 * InvalidBlocks/bcUncleSpecialTests/futureUncleTimestamp2.json. */
static const char *const BEACON_CODE =
	"3373fffffffffffffffffffffffffffffffffffffffe14604d57602036146024575f"
	"5ffd5b5f35801560495762001fff810690815414603c575f5ffd5b62001fff01545f"
	"5260205ff35b5f5ffd5b62001fff42064281555f359062001fff015500";

static address sender(void)
{
	address a;
	if (hex_decode_exact(SENDER, a.b, 20) != DURE_OK)
		abort();
	return a;
}

static chain_config config_upto(fork last)
{
	chain_config c = {0};
	c.chain_id = 1;
	for (int f = 0; f < FORK_COUNT_; f++)
		c.activation[f] = f <= (int)last ? 0 : CHAIN_NEVER;
	return c;
}

static state *world(bool beacon_contract)
{
	state *st = fresh();
	address s = sender();
	state_set_balance(st, &s, UP(1000000000000000000ull));
	if (beacon_contract) {
		buf code = BUF_INIT;
		if (hex_decode(BEACON_CODE, strlen(BEACON_CODE), &code) != DURE_OK)
			abort();
		state_set_code(st, &BEACON_ROOTS_ADDRESS, code.data, code.len);
		state_set_nonce(st, &BEACON_ROOTS_ADDRESS, 1);
		buf_free(&code);
	}
	state_end_tx(st, true);
	return st;
}

/* A signed legacy transfer of `value` wei at gas price 10. */
static tx transfer(uint64_t nonce, uint64_t gas, uint32_t to, uint64_t value)
{
	tx t = {0};
	t.type = TX_LEGACY;
	t.has_chain_id = true;
	t.chain_id = 1;
	t.nonce = nonce;
	t.gas_price = u256_from_u64(10);
	t.gas_limit = gas;
	t.has_to = true;
	t.to = addr(to);
	t.value = u256_from_u64(value);
	uint8_t key[32];
	if (hex_decode_exact(KEY, key, 32) != DURE_OK ||
	    tx_sign(&t, key) != DURE_OK)
		abort();
	return t;
}

/* A Cancun block at number 1, timestamp 1001, with a 50000 gas limit, a
 * base fee of 7, and the transactions and withdrawals given (moved into
 * the block, which owns them after). */
static block cancun_block(tx *txs, size_t ntxs, const withdrawal *w,
                          size_t nw)
{
	block b = {0};
	b.h.coinbase = addr(0xc0b);
	b.h.number = 1;
	b.h.timestamp = 1001;
	b.h.gas_limit = 50000;
	b.h.has_base_fee = true;
	b.h.base_fee = u256_from_u64(7);
	b.h.has_withdrawals_root = true;
	b.h.has_blob_gas = true;
	b.h.has_parent_beacon_root = true;
	memset(b.h.parent_beacon_root.b, 0x11, 32);
	b.txs = calloc(ntxs ? ntxs : 1, sizeof *b.txs);
	b.withdrawals = calloc(nw ? nw : 1, sizeof *b.withdrawals);
	if (!b.txs || !b.withdrawals)
		abort();
	if (ntxs)
		memcpy(b.txs, txs, ntxs * sizeof *txs);
	b.ntxs = ntxs;
	if (nw)
		memcpy(b.withdrawals, w, nw * sizeof *w);
	b.nwithdrawals = nw;
	b.has_withdrawals = true;
	return b;
}

static void test_gas_pool_exhausted(void)
{
	chain_config c = config_upto(FORK_CANCUN);
	state *st = world(true);
	/* 50000 - 21000 leaves 29000: a second tx asking 29001 is invalid. */
	tx txs[2] = {transfer(0, 21000, 0x1234, 1),
	             transfer(1, 29001, 0x5678, 1)};
	block b = cancun_block(txs, 2, NULL, 0);
	block_result r;
	CHECK_EQ_INT(block_run(st, &c, FORK_CANCUN, &b, NULL, &r),
	             DURE_ETR_BLOCK_GAS);
	CHECK_EQ_INT(r.bad_tx, 1);
	CHECK(r.receipts == NULL && r.nreceipts == 0 && r.gas_used == 0);
	block_free(&b);
	state_free(st);
}

static void test_block(void)
{
	chain_config c = config_upto(FORK_CANCUN);
	state *st = world(true);
	address s = sender(), a = addr(0x1234), z = addr(0x2e0), w1 = addr(0x771);
	tx txs[2] = {transfer(0, 21000, 0x1234, 1),
	             transfer(1, 29000, 0x1234, 2)};
	withdrawal w[2] = {
		{.index = 0, .validator = 1, .addr = w1, .amount_gwei = 5},
		{.index = 1, .validator = 2, .addr = z, .amount_gwei = 0},
	};
	block b = cancun_block(txs, 2, w, 2);
	block_result r;
	CHECK_EQ_INT(block_run(st, &c, FORK_CANCUN, &b, NULL, &r), DURE_OK);
	CHECK_EQ_INT(r.bad_tx, SIZE_MAX);
	CHECK_EQ_INT(r.nreceipts, 2);
	if (r.nreceipts == 2) {
		CHECK(r.receipts[0].success && r.receipts[1].success);
		CHECK(!r.receipts[0].has_post_state);
		CHECK_EQ_INT(r.receipts[0].cumulative_gas, 21000);
		CHECK_EQ_INT(r.receipts[1].gas_used, 21000);
		CHECK_EQ_INT(r.receipts[1].cumulative_gas, 42000);
	}
	CHECK_EQ_INT(r.gas_used, 42000);
	CHECK_EQ_INT(r.blob_gas_used, 0);
	uint8_t zero[256] = {0};
	CHECK_MEM(r.bloom, zero, 256);

	CHECK_EQ_INT(state_balance(st, &a).w[0], 3);
	CHECK_EQ_INT(state_nonce(st, &s), 2);
	/* Tip 10 - 7 per gas to the coinbase. */
	address cb = addr(0xc0b);
	CHECK_EQ_INT(state_balance(st, &cb).w[0], 42000 * 3);
	/* 5 gwei is 5 * 10^9 wei; a zero withdrawal leaves no account. */
	CHECK_EQ_INT(state_balance(st, &w1).w[0], 5000000000ull);
	CHECK(!state_exists(st, &z));

	/* EIP-4788: timestamp % 8191 holds the timestamp, 8191 slots on
	 * the root; the system address is not left behind. */
	u256 ts = state_storage(st, &BEACON_ROOTS_ADDRESS, UP(1001));
	CHECK_EQ_INT(ts.w[0], 1001);
	u256 root = state_storage(st, &BEACON_ROOTS_ADDRESS, UP(1001 + 8191));
	uint8_t rb[32];
	u256_to_be(&root, rb);
	CHECK_MEM(rb, b.h.parent_beacon_root.b, 32);
	CHECK(!state_exists(st, &SYSTEM_ADDRESS));
	CHECK_EQ_INT(state_nonce(st, &BEACON_ROOTS_ADDRESS), 1);

	/* The header checks, in their order. */
	header h = b.h;
	h.gas_used = 42001;
	CHECK_EQ_INT(block_result_check(&r, &h), DURE_EBLOCK_GAS_USED);
	h.gas_used = 42000;
	h.blob_gas_used = 131072;
	CHECK_EQ_INT(block_result_check(&r, &h), DURE_EBLOCK_BLOB_GAS_USED);
	h.blob_gas_used = 0;
	CHECK_EQ_INT(block_result_check(&r, &h), DURE_EBLOCK_RECEIPTS_ROOT);
	h.receipts_root = r.receipts_root;
	CHECK_EQ_INT(block_result_check(&r, &h), DURE_OK);
	h.bloom[9] = 1;
	CHECK_EQ_INT(block_result_check(&r, &h), DURE_EBLOCK_BLOOM);
	block_result_free(&r);
	block_free(&b);
	state_free(st);
}

/* Without the contract the beacon roots call changes nothing. */
static void test_no_beacon_contract(void)
{
	chain_config c = config_upto(FORK_CANCUN);
	state *st = world(false);
	h256 before, after;
	CHECK_EQ_INT(state_root(st, &before), DURE_OK);
	block b = cancun_block(NULL, 0, NULL, 0);
	block_result r;
	CHECK_EQ_INT(block_run(st, &c, FORK_CANCUN, &b, NULL, &r), DURE_OK);
	CHECK(!state_exists(st, &BEACON_ROOTS_ADDRESS));
	CHECK(!state_exists(st, &SYSTEM_ADDRESS));
	CHECK_EQ_INT(state_root(st, &after), DURE_OK);
	CHECK(h256_eq(&before, &after));
	/* An empty block: no gas, the empty trie's receipts root. */
	h256 empty;
	CHECK_EQ_INT(hex_decode_exact("56e81f171bcc55a6ff8345e692c0f86e5b48e0"
	                              "1b996cadc001622fb5e363b421",
	                              empty.b, 32),
	             DURE_OK);
	CHECK(h256_eq(&r.receipts_root, &empty));
	CHECK_EQ_INT(r.gas_used, 0);
	block_result_free(&r);

	/* Withdrawals belong to Shanghai on, and a Cancun header needs its
	 * parent beacon root. */
	b.has_withdrawals = false;
	CHECK_EQ_INT(block_run(st, &c, FORK_CANCUN, &b, NULL, &r),
	             DURE_EBLOCK_WITHDRAWALS);
	CHECK_EQ_INT(r.bad_tx, SIZE_MAX);
	b.has_withdrawals = true;
	b.h.has_parent_beacon_root = false;
	CHECK_EQ_INT(block_run(st, &c, FORK_CANCUN, &b, NULL, &r),
	             DURE_EBLOCK_FIELDS);
	block_free(&b);
	state_free(st);
}

/* Senders handed in are used as they are: a wrong one is the tx's
 * problem (its nonce is the fresh account's 0, not 1), at its index. */
static void test_given_senders(void)
{
	chain_config c = config_upto(FORK_CANCUN);
	state *st = world(true);
	tx txs[2] = {transfer(0, 21000, 0x1234, 1),
	             transfer(1, 21000, 0x1234, 1)};
	block b = cancun_block(txs, 2, NULL, 0);
	address from[2] = {sender(), addr(0xdead)};
	block_exec_opts o = {.senders = from};
	block_result r;
	CHECK_EQ_INT(block_run(st, &c, FORK_CANCUN, &b, &o, &r), DURE_ETR_NONCE);
	CHECK_EQ_INT(r.bad_tx, 1);
	block_free(&b);
	state_free(st);
}

static int fake_root(void *ctx, state *st, h256 *out)
{
	(void)st;
	memset(out->b, 0, 32);
	out->b[31] = (uint8_t)++*(int *)ctx;
	return DURE_OK;
}

/* A backed state whose only account is the funded sender. */
static int b_account(void *ctx, const address *a, state_account *out)
{
	address s = sender();
	if (!address_eq(a, &s))
		return DURE_ENOTFOUND;
	memset(out, 0, sizeof *out);
	out->balance = u256_from_u64(1000000000000000000ull);
	static const char empty_code[] = "c5d2460186f7233c927e7db2dcc703c0e500b6"
	                                 "53ca82273b7bfad8045d85a470";
	static const char empty_trie[] = "56e81f171bcc55a6ff8345e692c0f86e5b48e0"
	                                 "1b996cadc001622fb5e363b421";
	if (hex_decode_exact(empty_code, out->code_hash.b, 32) != DURE_OK ||
	    hex_decode_exact(empty_trie, out->storage_root.b, 32) != DURE_OK)
		abort();
	return DURE_OK;
}

static int b_storage(void *ctx, const address *a, const u256 *key, u256 *out)
{
	return DURE_ENOTFOUND;
}

static int b_code(void *ctx, const h256 *hash, const uint8_t **code,
                  size_t *len)
{
	return DURE_ENOTFOUND;
}

/* Before Byzantium a receipt carries the state root after its tx. */
static void test_pre_byzantium_roots(void)
{
	chain_config c = config_upto(FORK_SPURIOUS);
	state *st = world(false);
	tx txs[2] = {transfer(0, 21000, 0x1234, 1),
	             transfer(1, 21000, 0x5678, 1)};
	block b = {0};
	b.h.coinbase = addr(0xc0b);
	b.h.number = 1;
	b.h.timestamp = 1001;
	b.h.gas_limit = 50000;
	b.txs = txs;
	b.ntxs = 1;
	block_result r;
	CHECK_EQ_INT(block_run(st, &c, FORK_SPURIOUS, &b, NULL, &r), DURE_OK);
	h256 end;
	CHECK_EQ_INT(state_root(st, &end), DURE_OK);
	CHECK_EQ_INT(r.nreceipts, 1);
	if (r.nreceipts == 1) {
		CHECK(r.receipts[0].has_post_state);
		/* No rewards hook: the root after the only tx is the end's. */
		CHECK(h256_eq(&r.receipts[0].post_state, &end));
	}
	block_result_free(&r);
	state_free(st);

	/* A backed state has no state_root: it needs the callback. */
	state_backend be = {b_account, b_storage, b_code, NULL};
	CHECK_EQ_INT(state_new_backed(&be, &st), DURE_OK);
	b.ntxs = 2;
	CHECK_EQ_INT(block_run(st, &c, FORK_SPURIOUS, &b, NULL, &r), DURE_EINVAL);
	CHECK_EQ_INT(r.bad_tx, SIZE_MAX);
	state_free(st);
	CHECK_EQ_INT(state_new_backed(&be, &st), DURE_OK);
	int calls = 0;
	block_exec_opts o = {.intermediate_root = fake_root, .root_ctx = &calls};
	CHECK_EQ_INT(block_run(st, &c, FORK_SPURIOUS, &b, &o, &r), DURE_OK);
	CHECK_EQ_INT(calls, 2);
	CHECK_EQ_INT(r.nreceipts, 2);
	if (r.nreceipts == 2) {
		CHECK_EQ_INT(r.receipts[0].post_state.b[31], 1);
		CHECK_EQ_INT(r.receipts[1].post_state.b[31], 2);
		CHECK_EQ_INT(r.receipts[1].cumulative_gas, 42000);
	}
	block_result_free(&r);
	state_free(st);
	tx_free(&txs[0]);
	tx_free(&txs[1]);
}

/* The engine hook runs after the withdrawals, before the final EIP-161
 * sweep, and its error fails the block. */
static int reward(void *ctx, state *st, const block *b, fork rev)
{
	(void)rev;
	const u256 *amount = ctx;
	if (!amount)
		return DURE_EBLOCK_SEAL;
	return state_add_balance(st, &b->h.coinbase, amount) ? DURE_OK
	                                                      : DURE_ERANGE;
}

static void test_finalize_hook(void)
{
	chain_config c = config_upto(FORK_CANCUN);
	state *st = world(true);
	block b = cancun_block(NULL, 0, NULL, 0);
	u256 two_eth = u256_from_u64(2000000000000000000ull);
	block_exec_opts o = {.finalize = reward, .finalize_ctx = &two_eth};
	block_result r;
	CHECK_EQ_INT(block_run(st, &c, FORK_CANCUN, &b, &o, &r), DURE_OK);
	u256 got = state_balance(st, &b.h.coinbase);
	CHECK(u256_eq(&got, &two_eth));
	block_result_free(&r);
	o.finalize_ctx = NULL;
	CHECK_EQ_INT(block_run(st, &c, FORK_CANCUN, &b, &o, &r),
	             DURE_EBLOCK_SEAL);
	block_free(&b);
	state_free(st);
}

/* ---- BlockchainTests/ValidBlocks ---- */

#define MAX_CHAIN 512

typedef struct chain {
	h256 hash[MAX_CHAIN];    /* by number */
	size_t n;
} chain;

static h256 chain_hash(void *ctx, uint64_t number)
{
	const chain *c = ctx;
	return number < c->n ? c->hash[number] : (h256){{0}};
}

static const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static bool hex_field(json_t *o, const char *key, buf *out)
{
	const char *s = jstr(o, key);
	return s && hex_decode(s, strlen(s), out) == DURE_OK;
}

static bool hex_u256(const char *s, u256 *out)
{
	buf b = BUF_INIT;
	bool ok = s && hex_decode(s, strlen(s), &b) == DURE_OK && b.len <= 32;
	if (ok)
		*out = u256_from_be(b.data, b.len);
	buf_free(&b);
	return ok;
}

static bool load_pre(json_t *pre, state *st)
{
	const char *key;
	json_t *acc;
	json_object_foreach(pre, key, acc) {
		address a;
		u256 bal, nonce;
		buf code = BUF_INIT;
		bool ok = hex_decode_exact(key, a.b, 20) == DURE_OK &&
		          hex_u256(jstr(acc, "balance"), &bal) &&
		          hex_u256(jstr(acc, "nonce"), &nonce) &&
		          u256_fits_u64(&nonce) && hex_field(acc, "code", &code);
		if (ok) {
			state_create_account(st, &a);
			state_set_balance(st, &a, &bal);
			state_set_nonce(st, &a, nonce.w[0]);
			state_set_code(st, &a, code.data, code.len);
		}
		buf_free(&code);
		const char *slot;
		json_t *v;
		json_object_foreach(json_object_get(acc, "storage"), slot, v) {
			u256 k, val;
			ok = ok && hex_u256(slot, &k) &&
			     hex_u256(json_string_value(v), &val);
			if (ok)
				state_set_storage(st, &a, &k, &val);
		}
		if (!ok)
			return false;
	}
	state_end_tx(st, false);
	return !state_failed(st);
}

static bool decode_block(json_t *o, const char *key, block *out)
{
	buf raw = BUF_INIT;
	bool ok = hex_field(o, key, &raw) &&
	          block_decode(raw.data, raw.len, out) == DURE_OK;
	buf_free(&raw);
	return ok;
}

typedef struct fx_counts {
	unsigned cases, blocks, ok;
} fx_counts;

/* Runs a case whose blocks are all valid, each the child of the one
 * before, checking each block's state root; a case with invalid blocks
 * or forks is left to the BlockchainTests runner. */
/* What a walk over the fixtures carries. */
typedef struct walk_ctx {
	fx_counts *n;
	chain *ch;
} walk_ctx;

static void run_case(const char *name, json_t *c, void *arg)
{
	fx_counts *n = ((walk_ctx *)arg)->n;
	chain *ch = ((walk_ctx *)arg)->ch;
	json_t *blocks = json_object_get(c, "blocks");
	size_t i;
	json_t *jb;
	json_array_foreach(blocks, i, jb)
		if (!json_object_get(jb, "blockHeader") ||
		    json_object_get(jb, "expectException"))
			return;
	chain_config cfg;
	const char *net = jstr(c, "network");
	block g;
	if (!net || chain_config_for_network(net, &cfg) != DURE_OK ||
	    !decode_block(c, "genesisRLP", &g))
		return;
	ch->n = 0;
	bool linked = header_hash(&g.h, &ch->hash[0]) == DURE_OK;
	ch->n = 1;
	block_free(&g);
	state *st = fresh();
	bool ok = linked && load_pre(json_object_get(c, "pre"), st);
	CHECK(ok);
	n->cases += ok;
	json_array_foreach(blocks, i, jb) {
		block b;
		if (!ok)
			break;
		ok = decode_block(jb, "rlp", &b);
		CHECK(ok);
		if (!ok)
			break;
		if (b.h.number != ch->n || ch->n >= MAX_CHAIN ||
		    !h256_eq(&b.h.parent_hash, &ch->hash[ch->n - 1])) {
			n->cases--;
			block_free(&b);
			break;
		}
		fork rev = chain_config_fork(&cfg, b.h.number, b.h.timestamp);
		block_exec_opts o = {.block_hash = chain_hash,
		                     .block_hash_ctx = ch};
		block_result r;
		int err = block_execute(st, &cfg, rev, &b, &o, &r);
		h256 root;
		if (err == DURE_OK)
			err = state_root(st, &root);
		if (err == DURE_OK && !h256_eq(&root, &b.h.state_root))
			err = DURE_EBLOCK_STATE_ROOT;
		if (err != DURE_OK)
			fprintf(stderr, "%s: block %zu: %s (tx %zu)\n", name, i,
			        dure_strerror(err), r.bad_tx);
		CHECK_EQ_INT(err, DURE_OK);
		n->blocks++;
		n->ok += err == DURE_OK;
		ok = err == DURE_OK &&
		     header_hash(&b.h, &ch->hash[ch->n]) == DURE_OK;
		ch->n++;
		block_result_free(&r);
		block_free(&b);
	}
	state_free(st);
}

static void test_fixtures(void)
{
	char dir[4096];
	if (!fixture_dir("BlockchainTests/ValidBlocks", dir, sizeof dir))
		return;
	fx_counts n = {0};
	chain *ch = malloc(sizeof *ch);
	CHECK(ch != NULL);
	if (!ch)
		return;
	walk_ctx w = {&n, ch};
	fixture_walk(dir, run_case, &w);
	free(ch);
	printf("ValidBlocks: %u linear chains, %u of %u blocks executed to "
	       "their state root\n", n.cases, n.ok, n.blocks);
	CHECK(n.cases > 0 && n.blocks > 0);
	CHECK_EQ_INT(n.ok, n.blocks);
}

TEST_MAIN(test_gas_pool_exhausted, test_block, test_no_beacon_contract,
          test_given_senders, test_pre_byzantium_roots, test_finalize_hook,
          test_fixtures)
