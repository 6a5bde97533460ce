/* The dev engine and producer over a real LMDB store and pool: automined
 * blocks pay exactly what a transfer costs, state edits land in the next
 * block with a state root that a recomputation from the flat state
 * agrees with, snapshots rewind the chain and the edits, the head function
 * hears of every block mined and every rewind, and timestamps
 * follow the fake wall clock, evm_increaseTime and
 * evm_setNextBlockTimestamp while always rising. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/hex.h"
#include "chain/genesis.h"
#include "consensus/blockchain.h"
#include "consensus/dev.h"
#include "consensus/pool_env.h"
#include "crypto/secp.h"
#include "db/db.h"
#include "store/store.h"
#include "test.h"
#include "txpool/txpool.h"

/* The wall clock reads this (ms); blocks get timestamps from it. */
#define WALL_MS 2000000000000ull
#define GENESIS_TS 0x1000
#define GWEI 1000000000ull

typedef struct fixture {
	char dir[64];
	db *d;
	store *s;
	blockchain *bc;
	txpool *pool;
	dev *dv;
	dure_fake_clock wall;
	uint8_t key[32];
	address sender, receiver;
} fixture;

static int rm_entry(const char *p, const struct stat *sb, int flag,
                    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static bool open_fixture_rules(fixture *f, bool dev_rules);

static bool open_fixture(fixture *f)
{
	return open_fixture_rules(f, true);
}

static bool open_fixture_rules(fixture *f, bool dev_rules)
{
	memset(f, 0, sizeof *f);
	memset(f->key, 0x11, 32);
	uint8_t pub[64];
	if (secp_pubkey_create(f->key, pub))
		return false;
	secp_pubkey_address(pub, &f->sender);
	memset(f->receiver.b, 0xcc, 20);
	char a[41];
	hex_encode(f->sender.b, 20, a);
	json_t *j = json_pack(
	    "{s:{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i},"
	    "s:{s:{s:s}},s:s,s:s,s:s,s:i}",
	    "config", "chainId", 31337, "homesteadBlock", 0, "eip150Block", 0,
	    "eip155Block", 0, "eip158Block", 0, "byzantiumBlock", 0,
	    "constantinopleBlock", 0, "petersburgBlock", 0, "istanbulBlock", 0,
	    "berlinBlock", 0, "londonBlock", 0, "mergeNetsplitBlock", 0,
	    "terminalTotalDifficulty", 0, "shanghaiTime", 0, "cancunTime", 0,
	    "alloc", a, "balance", "0x3635c9adc5dea00000", /* 1000 ether */
	    "gasLimit", "0x1c9c380", "difficulty", "0x0",
	    "baseFeePerGas", "0x3b9aca00", "timestamp", GENESIS_TS);
	if (j && dev_rules)
		json_object_set_new(json_object_get(j, "config"), "dureDevChain",
		                    json_true());
	strcpy(f->dir, "/tmp/dure-dev-test-XXXXXX");
	genesis g = {0};
	h256 hash;
	dure_fake_clock_init(&f->wall, WALL_MS);
	dev_opts o = {.wall = &f->wall.clock, .automine = true};
	memset(o.coinbase.b, 0xcb, 20);
	txpool_config pc = {.hash_seed = 7};
	bool ok = j && mkdtemp(f->dir) &&
	          db_open(f->dir, &(db_options){.no_sync = true}, &f->d) == 0 &&
	          store_open(f->d, &f->s) == 0 &&
	          genesis_from_json(j, &g) == 0 &&
	          blockchain_init(f->s, &g, &hash) == 0 &&
	          dev_new(&o, &f->dv) == 0 &&
	          blockchain_open(f->s, dev_engine(f->dv),
	                          &(blockchain_opts){.max_reorg = UINT64_MAX},
	                          &f->bc) == 0 &&
	          txpool_new(&pc, &f->pool) == 0;
	ok = ok && dev_attach(f->dv, f->bc, f->pool) == DURE_OK;
	genesis_free(&g);
	json_decref(j);
	return ok;
}

static void close_fixture(fixture *f)
{
	txpool_free(f->pool);
	blockchain_free(f->bc);
	dev_free(f->dv);
	store_free(f->s);
	db_close(f->d);
	nftw(f->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static header head_of(fixture *f)
{
	header h;
	h256 hash;
	if (blockchain_head(f->bc, &h, &hash))
		memset(&h, 0, sizeof h);
	return h;
}

static u256 balance_of(fixture *f, const address *a)
{
	db_txn *t;
	state_account acc;
	u256 v = u256_from_u64(0);
	if (db_begin_read(f->d, &t))
		return v;
	if (!store_account(f->s, t, a, &acc))
		v = acc.balance;
	db_abort(t);
	return v;
}

/* A signed EIP-1559 transfer of value wei, tip 1 gwei, cap 10 gwei. */
static int pool_transfer(fixture *f, uint64_t nonce, uint64_t value,
                         txpool_result *r)
{
	tx t = {
		.type = TX_DYNAMIC_FEE,
		.has_chain_id = true,
		.chain_id = 31337,
		.nonce = nonce,
		.max_priority_fee = u256_from_u64(GWEI),
		.max_fee = u256_from_u64(10 * GWEI),
		.gas_limit = 21000,
		.has_to = true,
		.to = f->receiver,
		.value = u256_from_u64(value),
	};
	int err = tx_sign(&t, f->key);
	buf enc = BUF_INIT;
	if (!err)
		err = tx_encode(&t, &enc);
	db_txn *txn;
	if (!err)
		err = db_begin_read(f->d, &txn);
	if (err) {
		buf_free(&enc);
		return err;
	}
	store_view v = {f->s, txn};
	state_backend flat, be;
	state_overlay scratch;
	store_view_backend(&v, &flat);
	dev_overlay(f->dv, &flat, &scratch, &be);
	header h = head_of(f);
	txpool_env env;
	err = blockchain_pool_env(f->bc, &h, &be, &env);
	if (!err)
		err = txpool_add_raw(f->pool, &env, enc.data, enc.len, r);
	db_abort(txn);
	buf_free(&enc);
	return err;
}

static void verify_root(fixture *f)
{
	db_txn *t;
	h256 root;
	size_t na, ns;
	CHECK_EQ_INT(db_begin_read(f->d, &t), 0);
	CHECK_EQ_INT(store_verify_state(f->s, t, &root, &na, &ns), 0);
	db_abort(t);
	header h = head_of(f);
	CHECK(h256_eq(&root, &h.state_root));
}

/* One pooled transfer, one block: the receiver gets the value, the sender
 * pays value + 21000 * (base fee + 1 gwei tip), the coinbase the tip. */
static void test_mine_transfer(void)
{
	fixture f;
	CHECK(open_fixture(&f));
	txpool_result r;
	u256 before = balance_of(&f, &f.sender);
	CHECK_EQ_INT(pool_transfer(&f, 0, 1000, &r), 0);
	CHECK(r.pending);
	h256 hash;
	CHECK_EQ_INT(dev_mine(f.dv, 0, &hash), 0);
	header h = head_of(&f);
	CHECK(h.number == 1);
	CHECK(h.gas_used == 21000);
	/* The genesis base fee, 1 gwei, falls by 1/8 under an empty parent:
	 * EIP-1559 gives 875000000 for block 1. */
	CHECK(u256_eq(&h.base_fee, &(u256){{875000000, 0, 0, 0}}));
	u256 got = balance_of(&f, &f.receiver);
	CHECK(u256_eq(&got, &(u256){{1000, 0, 0, 0}}));
	u256 paid = u256_sub(&before, &(u256){{1000 + 21000 * (875000000 + GWEI), 0, 0, 0}});
	u256 now = balance_of(&f, &f.sender);
	CHECK(u256_eq(&now, &paid));
	address cb;
	memset(cb.b, 0xcb, 20);
	u256 tip = balance_of(&f, &cb);
	CHECK(u256_eq(&tip, &(u256){{21000 * GWEI, 0, 0, 0}}));
	CHECK(txpool_pending_count(f.pool) == 0);
	/* Timestamps: the fake wall clock's second, above the genesis'. */
	CHECK(h.timestamp == WALL_MS / 1000);
	verify_root(&f);
	close_fixture(&f);
}

/* Edits are read through the overlay at once and carried by the next
 * block, whose root a recomputation from the flat state confirms. */
static void test_edits(void)
{
	fixture f;
	CHECK(open_fixture(&f));
	address c;
	memset(c.b, 0x77, 20);
	u256 five = u256_from_u64(5000000000000000000ull);
	static const uint8_t code[] = {0x60, 0x2a, 0x60, 0x00, 0x55, 0x00};
	u256 key = u256_from_u64(3), val = u256_from_u64(99);
	CHECK_EQ_INT(dev_set_balance(f.dv, &c, &five), 0);
	CHECK_EQ_INT(dev_set_nonce(f.dv, &c, 7), 0);
	CHECK_EQ_INT(dev_set_code(f.dv, &c, code, sizeof code), 0);
	CHECK_EQ_INT(dev_set_storage(f.dv, &c, &key, &val), 0);

	db_txn *t;
	CHECK_EQ_INT(db_begin_read(f.d, &t), 0);
	store_view v = {f.s, t};
	state_backend flat, be;
	state_overlay scratch;
	store_view_backend(&v, &flat);
	dev_overlay(f.dv, &flat, &scratch, &be);
	state_account acc;
	CHECK_EQ_INT(flat.account(flat.ctx, &c, &acc), DURE_ENOTFOUND);
	CHECK_EQ_INT(be.account(be.ctx, &c, &acc), 0);
	CHECK(u256_eq(&acc.balance, &five) && acc.nonce == 7);
	u256 sv;
	CHECK_EQ_INT(be.storage(be.ctx, &c, &key, &sv), 0);
	CHECK(u256_eq(&sv, &val));
	const uint8_t *cp;
	size_t cl;
	CHECK_EQ_INT(be.code(be.ctx, &acc.code_hash, &cp, &cl), 0);
	CHECK(cl == sizeof code && !memcmp(cp, code, cl));
	/* Through a state, as eth_call reads: the account had no storage,
	 * so the state asks the backend for its slots only because the
	 * overlay says it has some. */
	state *st;
	CHECK_EQ_INT(state_new_backed(&be, &st), 0);
	u256 via = state_storage(st, &c, &key);
	CHECK(u256_eq(&via, &val));
	state_free(st);
	db_abort(t);

	CHECK_EQ_INT(dev_mine(f.dv, 0, NULL), 0);
	CHECK_EQ_INT(db_begin_read(f.d, &t), 0);
	CHECK_EQ_INT(store_account(f.s, t, &c, &acc), 0);
	CHECK(u256_eq(&acc.balance, &five) && acc.nonce == 7);
	CHECK_EQ_INT(store_storage(f.s, t, &c, &key, &sv), 0);
	CHECK(u256_eq(&sv, &val));
	db_abort(t);
	verify_root(&f);

	/* Zeroing the sender's balance drops its pooled transaction. */
	txpool_result r;
	CHECK_EQ_INT(pool_transfer(&f, 0, 1, &r), 0);
	CHECK(txpool_pending_count(f.pool) == 1);
	u256 zero = u256_from_u64(0);
	CHECK_EQ_INT(dev_set_balance(f.dv, &f.sender, &zero), 0);
	CHECK(txpool_pending_count(f.pool) == 0);
	close_fixture(&f);
}

/* A revert rewinds the chain, restores the edits pending at the
 * snapshot, and forgets that snapshot and later ones. */
static void test_snapshots(void)
{
	fixture f;
	CHECK(open_fixture(&f));
	txpool_result r;
	CHECK_EQ_INT(pool_transfer(&f, 0, 10, &r), 0);
	CHECK_EQ_INT(dev_mine(f.dv, 0, NULL), 0);
	address c;
	memset(c.b, 0x55, 20);
	u256 one = u256_from_u64(1), two = u256_from_u64(2);
	CHECK_EQ_INT(dev_set_balance(f.dv, &c, &one), 0);
	uint64_t s1, s2;
	CHECK_EQ_INT(dev_snapshot(f.dv, &s1), 0);
	CHECK(s1 == 1);
	CHECK_EQ_INT(dev_set_balance(f.dv, &c, &two), 0);
	CHECK_EQ_INT(pool_transfer(&f, 1, 20, &r), 0);
	CHECK_EQ_INT(dev_mine(f.dv, 0, NULL), 0);
	CHECK_EQ_INT(dev_snapshot(f.dv, &s2), 0);
	CHECK(s2 == 2);
	CHECK_EQ_INT(dev_mine(f.dv, 0, NULL), 0);
	CHECK(head_of(&f).number == 3);
	u256 got = balance_of(&f, &f.receiver);
	CHECK(u256_eq(&got, &(u256){{30, 0, 0, 0}}));

	bool found;
	CHECK_EQ_INT(dev_revert(f.dv, s1, &found), 0);
	CHECK(found);
	CHECK(head_of(&f).number == 1);
	got = balance_of(&f, &f.receiver);
	CHECK(u256_eq(&got, &(u256){{10, 0, 0, 0}}));
	verify_root(&f);
	/* The edit pending at the snapshot (balance 1) is back; the later
	 * one (2) is gone; the next block carries it. */
	CHECK_EQ_INT(dev_mine(f.dv, 0, NULL), 0);
	got = balance_of(&f, &c);
	CHECK(u256_eq(&got, &one));
	/* s2 came after s1: forgotten with it. */
	CHECK_EQ_INT(dev_revert(f.dv, s2, &found), 0);
	CHECK(!found);
	CHECK_EQ_INT(dev_revert(f.dv, s1, &found), 0);
	CHECK(!found);
	close_fixture(&f);
}

/* What the head function was told last, and how often. */
typedef struct heard {
	unsigned calls;
	h256 removed[8], added[8];
	size_t nremoved, nadded;
} heard;

static void on_head(void *ctx, const chain_route *r)
{
	heard *h = ctx;
	h->calls++;
	h->nremoved = r->nremoved < 8 ? r->nremoved : 8;
	h->nadded = r->nadded < 8 ? r->nadded : 8;
	for (size_t i = 0; i < h->nremoved; i++)
		h->removed[i] = r->removed[i];
	for (size_t i = 0; i < h->nadded; i++)
		h->added[i] = r->added[i];
}

static bool heard_is(const heard *h, const h256 *removed, size_t nr,
                     const h256 *added, size_t na)
{
	if (h->nremoved != nr || h->nadded != na)
		return false;
	for (size_t i = 0; i < nr; i++)
		if (!h256_eq(&h->removed[i], &removed[i]))
			return false;
	for (size_t i = 0; i < na; i++)
		if (!h256_eq(&h->added[i], &added[i]))
			return false;
	return true;
}

/* A block mined is the one added; a revert removes the blocks above the
 * snapshot, oldest first, and adds none; a reset removes every block
 * above genesis. */
static void test_head_route(void)
{
	fixture f;
	CHECK(open_fixture(&f));
	heard h = {0};
	dev_on_head(f.dv, on_head, &h);
	h256 b[4];
	CHECK_EQ_INT(dev_mine(f.dv, 0, &b[1]), 0);
	CHECK_EQ_INT(h.calls, 1);
	CHECK(heard_is(&h, NULL, 0, &b[1], 1));
	uint64_t id;
	CHECK_EQ_INT(dev_snapshot(f.dv, &id), 0);
	for (int i = 2; i <= 3; i++) {
		CHECK_EQ_INT(dev_mine(f.dv, 0, &b[i]), 0);
		CHECK(heard_is(&h, NULL, 0, &b[i], 1));
	}
	CHECK_EQ_INT(h.calls, 3);
	bool found;
	CHECK_EQ_INT(dev_revert(f.dv, id, &found), 0);
	CHECK(found);
	CHECK_EQ_INT(h.calls, 4);
	CHECK(heard_is(&h, &b[2], 2, NULL, 0));
	h256 again;
	CHECK_EQ_INT(dev_mine(f.dv, 0, &again), 0);
	CHECK(!h256_eq(&again, &b[2]));
	CHECK(heard_is(&h, NULL, 0, &again, 1));
	CHECK_EQ_INT(dev_reset(f.dv), 0);
	CHECK_EQ_INT(h.calls, 6);
	CHECK(heard_is(&h, (h256[]){b[1], again}, 2, NULL, 0));
	/* An unknown snapshot moves nothing and tells nothing. */
	CHECK_EQ_INT(dev_revert(f.dv, id, &found), 0);
	CHECK(!found);
	CHECK_EQ_INT(h.calls, 6);
	close_fixture(&f);
}

static void test_timestamps(void)
{
	fixture f;
	CHECK(open_fixture(&f));
	uint64_t wall = WALL_MS / 1000;
	CHECK_EQ_INT(dev_mine(f.dv, 0, NULL), 0);
	CHECK(head_of(&f).timestamp == wall);
	/* The clock has not moved: the next block still gets a later second. */
	CHECK_EQ_INT(dev_mine(f.dv, 0, NULL), 0);
	CHECK(head_of(&f).timestamp == wall + 1);
	/* That block ran a second ahead of the clock, which counts on from
	 * it: the offset is 1 before the increase. */
	CHECK(dev_increase_time(f.dv, 1000) == 1001);
	CHECK_EQ_INT(dev_mine(f.dv, 0, NULL), 0);
	CHECK(head_of(&f).timestamp == wall + 1001);
	CHECK_EQ_INT(dev_set_next_timestamp(f.dv, wall + 1001), DURE_EINVAL);
	CHECK_EQ_INT(dev_set_next_timestamp(f.dv, wall + 5000), 0);
	CHECK_EQ_INT(dev_mine(f.dv, 0, NULL), 0);
	CHECK(head_of(&f).timestamp == wall + 5000);
	/* Time counts on from the set timestamp. */
	f.wall.now += 3000;
	CHECK_EQ_INT(dev_mine(f.dv, 0, NULL), 0);
	CHECK(head_of(&f).timestamp == wall + 5003);
	/* A snapshot restores the clock's offset; the block after a revert
	 * is still later than its parent. */
	uint64_t id;
	bool found;
	CHECK_EQ_INT(dev_snapshot(f.dv, &id), 0);
	CHECK(dev_increase_time(f.dv, 100000) > 100000);
	CHECK_EQ_INT(dev_mine(f.dv, 0, NULL), 0);
	CHECK_EQ_INT(dev_revert(f.dv, id, &found), 0);
	CHECK(found);
	CHECK_EQ_INT(dev_mine(f.dv, 0, NULL), 0);
	CHECK(head_of(&f).timestamp == wall + 5004);
	/* An explicit timestamp not after the head's is refused. */
	CHECK_EQ_INT(dev_mine(f.dv, wall, NULL), DURE_EINVAL);
	close_fixture(&f);
}

/* The producer's gas limit and base fee on a dev chain: the blocks carry
 * them and import (their roots confirmed); a chain without dev rules
 * refuses them. A reset goes back to genesis. */
static void test_producer_settings(void)
{
	fixture f;
	CHECK(open_fixture(&f));
	CHECK_EQ_INT(dev_set_gas_limit(f.dv, 4999), DURE_EINVAL);
	CHECK_EQ_INT(dev_set_gas_limit(f.dv, 50000000), 0);
	u256 zero = u256_from_u64(0);
	CHECK_EQ_INT(dev_set_next_base_fee(f.dv, &zero), 0);
	h256 r;
	memset(r.b, 0x42, 32);
	dev_set_next_randao(f.dv, &r);
	CHECK_EQ_INT(dev_mine(f.dv, 0, NULL), 0);
	header h = head_of(&f);
	CHECK(h.gas_limit == 50000000);
	CHECK(u256_is_zero(&h.base_fee));
	CHECK(h256_eq(&h.mix_hash, &r));
	verify_root(&f);
	/* The base fee was for one block: EIP-1559 from a zero parent with an
	 * empty block stays zero; the gas limit stays. The mix hash is new. */
	CHECK_EQ_INT(dev_mine(f.dv, 0, NULL), 0);
	h = head_of(&f);
	CHECK(h.gas_limit == 50000000);
	CHECK(u256_is_zero(&h.base_fee));
	CHECK(!h256_eq(&h.mix_hash, &r));
	/* Mined, then reset away: the sender's balance is the genesis' again,
	 * and a transaction pooled since stays (its nonce is still next). */
	u256 before = balance_of(&f, &f.sender);
	txpool_result res;
	CHECK_EQ_INT(pool_transfer(&f, 0, 5, &res), 0);
	CHECK_EQ_INT(dev_mine(f.dv, 0, NULL), 0);
	CHECK_EQ_INT(pool_transfer(&f, 1, 5, &res), 0);
	CHECK_EQ_INT(dev_reset(f.dv), 0);
	CHECK(txpool_pending_count(f.pool) == 0);
	CHECK(txpool_queued_count(f.pool) == 1);
	CHECK(head_of(&f).number == 0);
	CHECK(head_of(&f).gas_limit == 30000000);
	u256 now = balance_of(&f, &f.sender);
	CHECK(u256_eq(&now, &before));
	verify_root(&f);
	close_fixture(&f);

	CHECK(open_fixture_rules(&f, false));
	CHECK_EQ_INT(dev_set_gas_limit(f.dv, 50000000), DURE_EINVAL);
	CHECK_EQ_INT(dev_set_next_base_fee(f.dv, &zero), DURE_EINVAL);
	close_fixture(&f);
}

/* An impersonated contract sends on a dev chain (no EIP-3607): its
 * transaction carries a placeholder signature, the pool and the block
 * take the sender as given, and the value arrives. */
static void test_impersonated_contract(void)
{
	fixture f;
	CHECK(open_fixture(&f));
	address c;
	memset(c.b, 0xc0, 20);
	static const uint8_t code[] = {0x00};
	u256 bal = u256_from_u64(1000000000000000000ull);
	CHECK_EQ_INT(dev_set_code(f.dv, &c, code, sizeof code), 0);
	CHECK_EQ_INT(dev_set_balance(f.dv, &c, &bal), 0);
	tx t = {
		.type = TX_DYNAMIC_FEE, .has_chain_id = true, .chain_id = 31337,
		.max_priority_fee = u256_from_u64(GWEI),
		.max_fee = u256_from_u64(10 * GWEI), .gas_limit = 21000,
		.has_to = true, .to = f.receiver, .value = u256_from_u64(77),
		.r = u256_from_u64(1), .s = u256_from_u64(1),
	};
	db_txn *txn;
	CHECK_EQ_INT(db_begin_read(f.d, &txn), 0);
	store_view v = {f.s, txn};
	state_backend flat, be;
	state_overlay scratch;
	store_view_backend(&v, &flat);
	dev_overlay(f.dv, &flat, &scratch, &be);
	header h = head_of(&f);
	txpool_env env;
	CHECK_EQ_INT(dev_pool_env(f.dv, &h, &be, &env), 0);
	txpool_result r;
	CHECK_EQ_INT(txpool_add(f.pool, &env, &t, &c, NULL, 0, &r), 0);
	db_abort(txn);
	CHECK_EQ_INT(dev_mine(f.dv, 0, NULL), 0);
	CHECK(head_of(&f).gas_used == 21000);
	u256 got = balance_of(&f, &f.receiver);
	CHECK(u256_eq(&got, &(u256){{77, 0, 0, 0}}));
	verify_root(&f);
	close_fixture(&f);
}

/* Opens a second dev over f's store, as a restart does. */
static bool reopen(fixture *f)
{
	txpool_free(f->pool);
	blockchain_free(f->bc);
	dev_free(f->dv);
	f->pool = NULL;
	f->bc = NULL;
	dev_opts o = {.wall = &f->wall.clock, .automine = true};
	memset(o.coinbase.b, 0xcb, 20);
	txpool_config pc = {.hash_seed = 7};
	return dev_new(&o, &f->dv) == 0 &&
	       blockchain_open(f->s, dev_engine(f->dv),
	                       &(blockchain_opts){.max_reorg = UINT64_MAX},
	                       &f->bc) == 0 &&
	       txpool_new(&pc, &f->pool) == 0 &&
	       dev_attach(f->dv, f->bc, f->pool) == DURE_OK;
}

/* Edits not yet mined survive a restart; once a block carries them the
 * record is empty; a record that does not decode is refused. */
static void test_edits_kept(void)
{
	fixture f;
	CHECK(open_fixture(&f));
	address c;
	memset(c.b, 0x99, 20);
	u256 v = u256_from_u64(123456), key = u256_from_u64(9), val = u256_from_u64(4);
	static const uint8_t code[] = {0x60, 0x01, 0x00};
	CHECK_EQ_INT(dev_set_balance(f.dv, &c, &v), 0);
	CHECK_EQ_INT(dev_set_code(f.dv, &c, code, sizeof code), 0);
	CHECK_EQ_INT(dev_set_storage(f.dv, &c, &key, &val), 0);
	CHECK(reopen(&f));
	h256 carried;
	CHECK_EQ_INT(dev_mine(f.dv, 0, &carried), 0);
	u256 got = balance_of(&f, &c);
	CHECK(u256_eq(&got, &v));
	/* A replay of that block gets the edits it carried. */
	state *st;
	block b = {0};
	CHECK_EQ_INT(state_new(&st), 0);
	CHECK_EQ_INT(dev_replay_begin(f.dv, st, &b, &carried), 0);
	u256 rb = state_balance(st, &c), rs = state_storage(st, &c, &key);
	CHECK(u256_eq(&rb, &v) && u256_eq(&rs, &val));
	state_free(st);
	db_txn *t;
	u256 sv;
	const uint8_t *cp;
	size_t cl;
	state_account acc;
	CHECK_EQ_INT(db_begin_read(f.d, &t), 0);
	CHECK_EQ_INT(store_storage(f.s, t, &c, &key, &sv), 0);
	CHECK(u256_eq(&sv, &val));
	CHECK_EQ_INT(store_account(f.s, t, &c, &acc), 0);
	CHECK_EQ_INT(store_code(f.s, t, &acc.code_hash, &cp, &cl), 0);
	CHECK(cl == sizeof code && !memcmp(cp, code, cl));
	db_abort(t);
	verify_root(&f);
	/* Carried: a restart and a block add nothing more, and that block
	 * replays with nothing before its transactions. */
	CHECK(reopen(&f));
	h256 plain;
	CHECK_EQ_INT(dev_mine(f.dv, 0, &plain), 0);
	CHECK(head_of(&f).number == 2);
	CHECK_EQ_INT(state_new(&st), 0);
	CHECK_EQ_INT(dev_replay_begin(f.dv, st, &b, &plain), 0);
	CHECK(!state_exists(st, &c));
	state_free(st);

	static const uint8_t junk[] = {0xc3, 0x01, 0x02};
	CHECK_EQ_INT(db_begin_write(f.d, &t), 0);
	CHECK_EQ_INT(store_put_meta(f.s, t, "dev_edits", junk, sizeof junk), 0);
	CHECK_EQ_INT(db_commit(t), 0);
	CHECK(!reopen(&f));
	close_fixture(&f);
}

/* The pending state: the pool's transfers applied over the head's, the
 * chain itself unchanged. */
static void test_pending_state(void)
{
	fixture f;
	CHECK(open_fixture(&f));
	txpool_result r;
	CHECK_EQ_INT(pool_transfer(&f, 0, 40, &r), 0);
	CHECK_EQ_INT(pool_transfer(&f, 1, 2, &r), 0);
	db_txn *t;
	CHECK_EQ_INT(db_begin_read(f.d, &t), 0);
	store_view v = {f.s, t};
	state_backend flat;
	store_view_backend(&v, &flat);
	state *st;
	CHECK_EQ_INT(dev_pending_state(f.dv, &flat, &st), 0);
	u256 got = state_balance(st, &f.receiver);
	CHECK(u256_eq(&got, &(u256){{42, 0, 0, 0}}));
	CHECK(state_nonce(st, &f.sender) == 2);
	state_free(st);
	db_abort(t);
	CHECK(head_of(&f).number == 0);
	got = balance_of(&f, &f.receiver);
	CHECK(u256_is_zero(&got));
	close_fixture(&f);
}

TEST_MAIN(test_mine_transfer, test_edits, test_snapshots, test_head_route,
          test_timestamps,
          test_producer_settings, test_impersonated_contract, test_edits_kept,
          test_pending_state)
