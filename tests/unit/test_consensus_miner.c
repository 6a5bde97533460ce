/* The miner on a real libuv loop and LMDB store: two worker threads mine
 * three blocks in a row on a proof-of-work chain (floor 20000), each
 * imported from on_sealed (blockchain_import checks its seal and
 * difficulty) before miner_restart builds the next; the first carries
 * the pooled transfer, every block the configured extra data and
 * coinbase, and the coinbase ends with three rewards and the tip. The
 * last on_sealed frees the miner, which joins its threads; the loop then
 * ends with every handle closed. */
/* nftw and its flags are X/Open. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "base/hex.h"
#include "chain/genesis.h"
#include "consensus/blockchain.h"
#include "consensus/miner.h"
#include "consensus/pool_env.h"
#include "consensus/pow.h"
#include "crypto/secp.h"
#include "db/db.h"
#include "store/store.h"
#include "test.h"
#include "txpool/txpool.h"

#define ETHER 1000000000000000000ull
#define GWEI 1000000000ull
#define BLOCKS 3
/* Far more than three blocks at this difficulty take. */
#define GUARD_MS 120000

static const char EXTRA[] = "dure-miner";

typedef struct fixture {
	char dir[64];
	db *d;
	store *s;
	pow *p;
	blockchain *bc;
	txpool *pool;
	uv_loop_t loop;
	uv_timer_t guard;
	miner *mn;
	uint8_t key[32];
	address sender, receiver, etherbase;
	int sealed;
	bool timed_out;
	uint64_t hashes;
	size_t ntxs[BLOCKS];
} fixture;

static int rm_entry(const char *path, const struct stat *sb, int flag,
                    struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(path);
}

static bool open_fixture(fixture *f)
{
	memset(f, 0, sizeof *f);
	memset(f->key, 0x11, 32);
	uint8_t pub[64];
	if (secp_pubkey_create(f->key, pub))
		return false;
	secp_pubkey_address(pub, &f->sender);
	memset(f->receiver.b, 0xcc, 20);
	memset(f->etherbase.b, 0xeb, 20);
	strcpy(f->dir, "/tmp/dure-miner-XXXXXX");
	if (!mkdtemp(f->dir))
		return false;
	char a[41];
	hex_encode(f->sender.b, 20, a);
	json_t *j = json_pack(
	    "{s:{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,"
	    "s:{s:i,s:i,s:s}},"
	    "s:{s:{s:s}},s:s,s:s,s:s,s:i}",
	    "config", "chainId", 1337, "homesteadBlock", 0, "eip150Block", 0,
	    "eip155Block", 0, "eip158Block", 0, "byzantiumBlock", 0,
	    "constantinopleBlock", 0, "petersburgBlock", 0, "istanbulBlock", 0,
	    "berlinBlock", 0, "londonBlock", 0, "mergeNetsplitBlock", 0,
	    "shanghaiTime", 0, "cancunTime", 0, "pow", "targetBlockTime", 5,
	    "minimumDifficulty", 20000, "blockReward", "2000000000000000000",
	    "alloc", a, "balance", "0x3635c9adc5dea00000",
	    "gasLimit", "0x1c9c380", "difficulty", "0x4e20",
	    "baseFeePerGas", "0x3b9aca00", "timestamp", 0x1000);
	genesis g = {0};
	h256 hash;
	bool ok = j &&
	          db_open(f->dir, &(db_options){.no_sync = true}, &f->d) == 0 &&
	          store_open(f->d, &f->s) == 0 &&
	          genesis_from_json(j, &g) == 0 &&
	          blockchain_init(f->s, &g, &hash) == 0 &&
	          pow_new(NULL, &f->p) == 0 &&
	          blockchain_open(f->s, pow_engine(f->p), NULL, &f->bc) == 0 &&
	          txpool_new(&(txpool_config){.hash_seed = 3}, &f->pool) == 0 &&
	          uv_loop_init(&f->loop) == 0;
	if (ok)
		pow_attach(f->p, f->bc);
	genesis_free(&g);
	json_decref(j);
	return ok;
}

static void close_fixture(fixture *f)
{
	CHECK_EQ_INT(uv_loop_close(&f->loop), 0);
	txpool_free(f->pool);
	blockchain_free(f->bc);
	pow_free(f->p);
	store_free(f->s);
	db_close(f->d);
	nftw(f->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* A transfer of 5 wei, tip 1 gwei, into the pool. */
static int pool_transfer(fixture *f)
{
	tx t = {
		.type = TX_DYNAMIC_FEE,
		.has_chain_id = true,
		.chain_id = 1337,
		.max_priority_fee = u256_from_u64(GWEI),
		.max_fee = u256_from_u64(100 * GWEI),
		.gas_limit = 21000,
		.has_to = true,
		.to = f->receiver,
		.value = u256_from_u64(5),
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
	state_backend be;
	store_view_backend(&v, &be);
	header h;
	h256 hh;
	txpool_env env;
	txpool_result r;
	err = blockchain_head(f->bc, &h, &hh);
	if (!err)
		err = blockchain_pool_env(f->bc, &h, &be, &env);
	if (!err)
		err = txpool_add_raw(f->pool, &env, enc.data, enc.len, &r);
	db_abort(txn);
	buf_free(&enc);
	return err;
}

static void on_closed(uv_handle_t *h) { (void)h; }

static void finish(fixture *f)
{
	f->hashes = miner_hashes(f->mn);
	miner_free(f->mn);
	f->mn = NULL;
	uv_close((uv_handle_t *)&f->guard, on_closed);
}

static void on_sealed(void *ctx, const block *b)
{
	fixture *f = ctx;
	header old;
	h256 old_hash;
	CHECK_EQ_INT(blockchain_head(f->bc, &old, &old_hash), 0);
	CHECK(h256_eq(&b->h.parent_hash, &old_hash));
	CHECK_EQ_INT(b->h.number, old.number + 1);
	CHECK(b->h.timestamp > old.timestamp);
	CHECK(!memcmp(b->h.coinbase.b, f->etherbase.b, 20));
	CHECK(b->h.extra_len == strlen(EXTRA) &&
	      !memcmp(b->h.extra, EXTRA, strlen(EXTRA)));
	CHECK_EQ_INT(pow_check_seal(&b->h), 0);
	import_result r;
	CHECK_EQ_INT(blockchain_import(f->bc, b, &r), 0);
	CHECK(r.canonical);
	CHECK_EQ_INT(blockchain_pool_sync(f->bc, f->pool, &old_hash), 0);
	if (f->sealed < BLOCKS)
		f->ntxs[f->sealed] = b->ntxs;
	if (++f->sealed < BLOCKS)
		CHECK_EQ_INT(miner_restart(f->mn), 0);
	else
		finish(f);
}

static void on_guard(uv_timer_t *t)
{
	fixture *f = t->data;
	f->timed_out = true;
	finish(f);
}

static void test_mine_three(void)
{
	fixture f;
	CHECK(open_fixture(&f));
	CHECK_EQ_INT(pool_transfer(&f), 0);
	CHECK_EQ_INT(txpool_pending_count(f.pool), 1);
	miner_config mc = {
		.threads = 2,
		.etherbase = f.etherbase,
		.extra = (const uint8_t *)EXTRA,
		.extra_len = strlen(EXTRA),
	};
	CHECK_EQ_INT(miner_new(&f.loop, f.bc, f.pool, &mc, on_sealed, &f,
	                       &f.mn), 0);
	/* A stopped miner does nothing on restart. */
	CHECK_EQ_INT(miner_restart(f.mn), 0);
	CHECK_EQ_INT(uv_timer_init(&f.loop, &f.guard), 0);
	f.guard.data = &f;
	CHECK_EQ_INT(uv_timer_start(&f.guard, on_guard, GUARD_MS, 0), 0);
	CHECK_EQ_INT(miner_start(f.mn), 0);
	/* Transactions arriving: cheap, deferred rebuilds. */
	for (int i = 0; i < 100; i++)
		CHECK_EQ_INT(miner_restart(f.mn), 0);
	CHECK_EQ_INT(uv_run(&f.loop, UV_RUN_DEFAULT), 0);
	CHECK(!f.timed_out);
	CHECK_EQ_INT(f.sealed, BLOCKS);
	/* Three blocks at difficulty 20000 and more: some tens of
	 * thousands of hashes. */
	CHECK(f.hashes > 0);
	CHECK_EQ_INT(f.ntxs[0], 1);
	CHECK_EQ_INT(f.ntxs[1], 0);
	CHECK_EQ_INT(txpool_pending_count(f.pool), 0);
	header h;
	h256 hh;
	CHECK_EQ_INT(blockchain_head(f.bc, &h, &hh), 0);
	CHECK_EQ_INT(h.number, BLOCKS);
	db_txn *t;
	state_account acc = {0};
	CHECK_EQ_INT(db_begin_read(f.d, &t), 0);
	CHECK_EQ_INT(store_account(f.s, t, &f.etherbase, &acc), 0);
	db_abort(t);
	u256 want = u256_from_u64(BLOCKS * 2 * ETHER + 21000 * GWEI);
	CHECK(u256_eq(&acc.balance, &want));
	close_fixture(&f);
}

/* Options the miner refuses, and a chain it cannot mine. */
static void test_refusals(void)
{
	fixture f;
	CHECK(open_fixture(&f));
	miner *m = NULL;
	miner_config mc = {.threads = 0};
	CHECK_EQ_INT(miner_new(&f.loop, f.bc, f.pool, &mc, on_sealed, &f, &m),
	             DURE_EINVAL);
	CHECK(!m);
	mc.threads = MINER_THREADS_MAX + 1;
	CHECK_EQ_INT(miner_new(&f.loop, f.bc, f.pool, &mc, on_sealed, &f, &m),
	             DURE_EINVAL);
	mc.threads = 1;
	mc.extra_len = 33;
	mc.extra = (const uint8_t *)"0123456789abcdef0123456789abcdefX";
	CHECK_EQ_INT(miner_new(&f.loop, f.bc, f.pool, &mc, on_sealed, &f, &m),
	             DURE_EINVAL);
	/* The post-merge engine gives blocks no difficulty. */
	blockchain *merged;
	CHECK_EQ_INT(blockchain_open(f.s, engine_merge(), NULL, &merged), 0);
	mc.extra_len = 0;
	CHECK_EQ_INT(miner_new(&f.loop, merged, NULL, &mc, on_sealed, &f, &m), 0);
	CHECK_EQ_INT(miner_start(m), DURE_EINVAL);
	CHECK_EQ_INT(miner_restart(m), 0);
	miner_free(m);
	CHECK_EQ_INT(uv_run(&f.loop, UV_RUN_DEFAULT), 0);
	blockchain_free(merged);
	close_fixture(&f);
}

TEST_MAIN(test_mine_three, test_refusals)
