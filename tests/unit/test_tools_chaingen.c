/* The chain generator: its hand-written token against the ERC-20 behaviour
 * and Solidity's storage layout (balances at keccak256(pad32(a) ||
 * pad32(0)), the Transfer event's signature hash), run through the real
 * state transition; and a small generated chain that a fresh store,
 * initialised from the generated genesis file, imports block by block;
 * a --pow chain imports under the pow engine with the headers and config
 * chaingen.h promises, and not under the post-merge rules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/hex.h"
#include "chain/block.h"
#include "chain/genesis.h"
#include "chain/transition.h"
#include "chain/tx.h"
#include "consensus/blockchain.h"
#include "consensus/engine.h"
#include "consensus/pow.h"
#include "crypto/keccak.h"
#include "crypto/secp.h"
#include "db/db.h"
#include "rlp/rlp.h"
#include "state_helpers.h"
#include "store/store.h"
#include "test.h"
#include "tools/chaingen.h"

/* Solidity's slot of balances[a] for a mapping at slot 0, spelled out
 * here rather than through chaingen_balance_slot. */
static u256 solidity_slot(const address *a)
{
	uint8_t in[64] = {0}, h[32];
	memcpy(in + 12, a->b, 20);
	keccak256(in, 64, h);
	return u256_from_be32(h);
}

static address key_address(const uint8_t key[32])
{
	uint8_t pub[64];
	address a = {{0}};
	if (secp_pubkey_create(key, pub) != DURE_OK)
		abort();
	secp_pubkey_address(pub, &a);
	return a;
}

static void test_transfer_topic(void)
{
	static const char sig[] = "Transfer(address,address,uint256)";
	uint8_t h[32];
	keccak256((const uint8_t *)sig, sizeof sig - 1, h);
	CHECK_MEM(h, CHAINGEN_TRANSFER_TOPIC.b, 32);
	/* The code's PUSH32 at 0x60 carries the same topic. */
	CHECK(CHAINGEN_TOKEN_CODE_LEN > 0x81 && CHAINGEN_TOKEN_CODE[0x60] == 0x7f);
	CHECK_MEM(CHAINGEN_TOKEN_CODE + 0x61, h, 32);
}

static void test_key_derivation(void)
{
	/* keccak256(be64(7) || be64(3)): sixteen bytes hashed directly. */
	uint8_t in[16] = {0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 3};
	uint8_t want[32], got[32];
	keccak256(in, 16, want);
	chaingen_key(7, 3, got);
	CHECK_MEM(got, want, 32);
	h256 slot;
	address a = addr(0xabcdef);
	chaingen_balance_slot(&a, &slot);
	u256 s = solidity_slot(&a);
	uint8_t sb[32];
	u256_to_be(&s, sb);
	CHECK_MEM(slot.b, sb, 32);
}

typedef struct token_world {
	state *st;
	block_env env;
	uint8_t key[32];
	address holder;
	uint64_t nonce;
} token_world;

static void world_init(token_world *w)
{
	memset(w, 0, sizeof *w);
	w->st = fresh();
	chaingen_key(1, 0, w->key);
	w->holder = key_address(w->key);
	state_set_balance(w->st, &w->holder, UP(1000000000000000000ull));
	state_set_code(w->st, &CHAINGEN_TOKEN_ADDRESS, CHAINGEN_TOKEN_CODE,
	               CHAINGEN_TOKEN_CODE_LEN);
	state_set_nonce(w->st, &CHAINGEN_TOKEN_ADDRESS, 1);
	u256 slot = solidity_slot(&w->holder);
	state_set_storage(w->st, &CHAINGEN_TOKEN_ADDRESS, &slot, UP(1000));
	state_end_tx(w->st, true);
	w->env.coinbase = addr(0xc0b);
	w->env.number = 1;
	w->env.timestamp = 12;
	w->env.gas_limit = 30000000;
	w->env.base_fee = u256_from_u64(7);
	w->env.chain_id = CHAINGEN_CHAIN_ID;
}

/* Sends data to the token with `value` wei; returns the receipt and the
 * frame's output. */
static int call_token(token_world *w, const uint8_t *data, size_t n,
                      uint64_t value, receipt *r, buf *output)
{
	tx t = {0};
	t.type = TX_DYNAMIC_FEE;
	t.has_chain_id = true;
	t.chain_id = CHAINGEN_CHAIN_ID;
	t.nonce = w->nonce;
	t.max_priority_fee = u256_from_u64(1);
	t.max_fee = u256_from_u64(100);
	t.gas_limit = 100000;
	t.has_to = true;
	t.to = CHAINGEN_TOKEN_ADDRESS;
	t.value = u256_from_u64(value);
	t.data = malloc(n);
	if (!t.data)
		abort();
	memcpy(t.data, data, n);
	t.data_size = n;
	if (tx_sign(&t, w->key) != DURE_OK)
		abort();
	buf_reset(output);
	int err = transition_apply(w->st, FORK_CANCUN, &w->env, &t, &w->holder,
	                           NULL, NULL, output, r);
	if (err == DURE_OK)
		w->nonce++;
	tx_free(&t);
	return err;
}

static size_t transfer_data(uint8_t out[68], const address *to,
                            uint64_t amount)
{
	static const uint8_t sel[4] = {0xa9, 0x05, 0x9c, 0xbb};
	memset(out, 0, 68);
	memcpy(out, sel, 4);
	memcpy(out + 16, to->b, 20);
	u256 v = u256_from_u64(amount);
	u256_to_be(&v, out + 36);
	return 68;
}

static u256 balance_of(token_world *w, const address *a)
{
	uint8_t data[36] = {0x70, 0xa0, 0x82, 0x31};
	memcpy(data + 16, a->b, 20);
	receipt r;
	buf out = BUF_INIT;
	u256 v = u256_from_u64(UINT64_MAX);
	if (call_token(w, data, sizeof data, 0, &r, &out) == DURE_OK &&
	    r.success && out.len == 32)
		v = u256_from_be32(out.data);
	receipt_free(&r);
	buf_free(&out);
	return v;
}

static void test_token_transfer(void)
{
	token_world w;
	world_init(&w);
	address to = addr(0x1234);
	uint8_t data[68];
	receipt r;
	buf out = BUF_INIT;
	CHECK_EQ_INT(call_token(&w, data, transfer_data(data, &to, 300), 0, &r,
	                        &out), DURE_OK);
	CHECK(r.success);
	/* Returns true as one ABI word. */
	uint8_t one[32] = {0};
	one[31] = 1;
	CHECK(out.len == 32 && !memcmp(out.data, one, 32));
	/* Transfer(holder, to, 300) from the token. */
	CHECK_EQ_INT(r.nlogs, 1);
	if (r.nlogs == 1) {
		const state_log *l = &r.logs[0];
		CHECK(address_eq(&l->addr, &CHAINGEN_TOKEN_ADDRESS));
		CHECK_EQ_INT(l->ntopics, 3);
		uint8_t word[32] = {0};
		CHECK_MEM(l->topics[0].b, CHAINGEN_TRANSFER_TOPIC.b, 32);
		memcpy(word + 12, w.holder.b, 20);
		CHECK_MEM(l->topics[1].b, word, 32);
		memcpy(word + 12, to.b, 20);
		CHECK_MEM(l->topics[2].b, word, 32);
		u256 v = u256_from_u64(300);
		u256_to_be(&v, word);
		CHECK(l->data_size == 32 && !memcmp(l->data, word, 32));
	}
	receipt_free(&r);
	u256 s_from = solidity_slot(&w.holder), s_to = solidity_slot(&to);
	u256 v = state_storage(w.st, &CHAINGEN_TOKEN_ADDRESS, &s_from);
	CHECK(u256_eq(&v, UP(700)));
	v = state_storage(w.st, &CHAINGEN_TOKEN_ADDRESS, &s_to);
	CHECK(u256_eq(&v, UP(300)));
	v = balance_of(&w, &to);
	CHECK(u256_eq(&v, UP(300)));
	v = balance_of(&w, &w.holder);
	CHECK(u256_eq(&v, UP(700)));

	/* To oneself: the balance stays. */
	CHECK_EQ_INT(call_token(&w, data, transfer_data(data, &w.holder, 200),
	                        0, &r, &out), DURE_OK);
	CHECK(r.success);
	receipt_free(&r);
	v = balance_of(&w, &w.holder);
	CHECK(u256_eq(&v, UP(700)));

	/* More than the balance, call value, short calldata, a dirty
	 * address word, an unknown selector: each reverts and moves nothing. */
	CHECK_EQ_INT(call_token(&w, data, transfer_data(data, &to, 701), 0, &r,
	                        &out), DURE_OK);
	CHECK(!r.success && r.nlogs == 0);
	receipt_free(&r);
	CHECK_EQ_INT(call_token(&w, data, transfer_data(data, &to, 1), 5, &r,
	                        &out), DURE_OK);
	CHECK(!r.success);
	receipt_free(&r);
	CHECK_EQ_INT(call_token(&w, data, 67, 0, &r, &out), DURE_OK);
	CHECK(!r.success);
	receipt_free(&r);
	transfer_data(data, &to, 1);
	data[4] = 1;
	CHECK_EQ_INT(call_token(&w, data, 68, 0, &r, &out), DURE_OK);
	CHECK(!r.success);
	receipt_free(&r);
	transfer_data(data, &to, 1);
	data[0] = 0xaa;
	CHECK_EQ_INT(call_token(&w, data, 68, 0, &r, &out), DURE_OK);
	CHECK(!r.success);
	receipt_free(&r);
	v = balance_of(&w, &to);
	CHECK(u256_eq(&v, UP(300)));
	v = balance_of(&w, &w.holder);
	CHECK(u256_eq(&v, UP(700)));
	buf_free(&out);
	state_free(w.st);
}

static void remove_tree(const char *dir)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

/* What a pow chain's headers must hold, checked as they import. */
typedef struct pow_seen {
	bool bad_header;         /* a header off the chaingen.h pow rules */
	chain_config cfg;        /* of the importing chain */
} pow_seen;

/* Imports every block of the file at path into a store initialised from
 * the genesis at gpath, under the pow engine when seen is not NULL (and
 * then checks each header), else the merge engine; returns the number
 * imported and the total txs. */
static int import_file(const char *dir, const char *gpath, const char *path,
                       pow_seen *seen, size_t *nblocks, size_t *ntxs,
                       uint64_t *gas)
{
	*nblocks = *ntxs = 0;
	*gas = 0;
	db *d = NULL;
	store *s = NULL;
	blockchain *bc = NULL;
	pow *pw = NULL;
	genesis g;
	buf text = BUF_INIT;
	int err = db_open(dir, NULL, &d);
	if (!err)
		err = store_open(d, &s);
	if (!err)
		err = genesis_load(gpath, &g);
	if (err)
		goto out;
	FILE *f = fopen(gpath, "rb");
	if (f) {
		char chunk[4096];
		size_t n;
		while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
			(void)buf_append(&text, chunk, n);
		fclose(f);
	}
	h256 ghash;
	err = blockchain_init(s, &g, &ghash);
	genesis_free(&g);
	if (!err && seen)
		err = pow_new(NULL, &pw);
	if (!err)
		err = blockchain_open(s, seen ? pow_engine(pw) : engine_merge(),
		                      NULL, &bc);
	if (err)
		goto out;
	if (seen) {
		pow_attach(pw, bc);
		seen->cfg = *blockchain_config(bc);
	}
	buf raw = BUF_INIT;
	f = fopen(path, "rb");
	if (f) {
		char chunk[4096];
		size_t n;
		while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
			(void)buf_append(&raw, chunk, n);
		fclose(f);
	}
	rlp_cur c;
	rlp_cur_init(&c, raw.data, raw.len);
	while (!err && !rlp_cur_at_end(&c)) {
		const uint8_t *p;
		size_t len;
		rlp_cur_raw(&c, &p, &len);
		block b;
		if ((err = c.err) || (err = block_decode(p, len, &b)))
			break;
		/* Difficulty 1, nonce 0, mix hash 0, 12 s a block from time
		 * 0: the pow chain chaingen.h describes. */
		static const uint8_t zero[32];
		if (seen && (!u256_eq(&b.h.difficulty, UP(1)) ||
		             memcmp(b.h.nonce, zero, 8) != 0 ||
		             memcmp(b.h.mix_hash.b, zero, 32) != 0 ||
		             b.h.timestamp != 12 * b.h.number))
			seen->bad_header = true;
		import_result ir;
		err = blockchain_import(bc, &b, &ir);
		if (!err && ir.canonical) {
			++*nblocks;
			*ntxs += b.ntxs;
			*gas += b.h.gas_used;
		}
		block_free(&b);
	}
	buf_free(&raw);
out:
	buf_free(&text);
	blockchain_free(bc);
	pow_free(pw);
	store_free(s);
	db_close(d);
	return err;
}

static void run_small(chaingen_kind kind, uint64_t txs, uint64_t gas,
                      bool use_pow)
{
	char dir[] = "/tmp/test_chaingen_XXXXXX";
	if (!mkdtemp(dir))
		abort();
	char out[600], gpath[600], ddir[600];
	snprintf(out, sizeof out, "%s/chain.rlp", dir);
	snprintf(gpath, sizeof gpath, "%s/genesis.json", dir);
	snprintf(ddir, sizeof ddir, "%s/data", dir);
	chaingen_opts o = {
		.out = out, .genesis_out = gpath, .kind = kind, .accounts = 50,
		.holders = 40, .blocks = 3, .txs_per_block = txs,
		.gas_per_block = gas, .seed = 42, .pow = use_pow,
	};
	CHECK_EQ_INT(chaingen_run(&o), DURE_OK);
	size_t nb, nt;
	uint64_t used;
	pow_seen seen = {0};
	CHECK_EQ_INT(import_file(ddir, gpath, out, use_pow ? &seen : NULL, &nb,
	                         &nt, &used), DURE_OK);
	CHECK_EQ_INT(nb, 3);
	if (use_pow) {
		CHECK(!seen.bad_header);
		CHECK(seen.cfg.has_pow && !seen.cfg.has_ttd);
		CHECK(seen.cfg.pow.target_block_time == 12);
		CHECK(u256_eq(&seen.cfg.pow.min_difficulty, UP(1)));
		CHECK(u256_is_zero(&seen.cfg.pow.block_reward));
		CHECK(seen.cfg.activation[FORK_CANCUN] == 0);
		/* The post-merge rules refuse a block of difficulty 1. */
		snprintf(ddir, sizeof ddir, "%s/merge", dir);
		size_t nb2, nt2;
		uint64_t used2;
		CHECK_EQ_INT(import_file(ddir, gpath, out, NULL, &nb2, &nt2,
		                         &used2), DURE_EBLOCK_DIFFICULTY);
		CHECK_EQ_INT(nb2, 0);
	}
	if (txs) {
		CHECK_EQ_INT(nt, 3 * txs);
	} else {
		/* Filled to the budget: within one transaction of it, but for
		 * the first block, whose fill is trimmed after one run. */
		CHECK(nt > 0 && used <= 3 * gas && used > 3 * gas - 3 * 60000);
	}
	/* The generator left its temporary store behind nowhere. */
	char cmd[700];
	snprintf(cmd, sizeof cmd, "ls -d '%s'/chain.rlp.chaingen-* 2>/dev/null",
	         dir);
	FILE *p = popen(cmd, "r");
	char line[16];
	CHECK(p && !fgets(line, sizeof line, p));
	if (p)
		pclose(p);
	remove_tree(dir);
}

static void test_generate_erc20(void)
{
	run_small(CHAINGEN_ERC20, 7, 0, false);
}
static void test_generate_transfer(void)
{
	run_small(CHAINGEN_TRANSFER, 5, 0, false);
}
static void test_generate_gas(void)
{
	run_small(CHAINGEN_ERC20, 0, 1000000, false);
}
static void test_generate_pow(void)
{
	run_small(CHAINGEN_ERC20, 7, 0, true);
	run_small(CHAINGEN_TRANSFER, 0, 1000000, true);
}

TEST_MAIN(test_transfer_topic, test_key_derivation, test_token_transfer,
          test_generate_erc20, test_generate_transfer, test_generate_gas,
          test_generate_pow)
