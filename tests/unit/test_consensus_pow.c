/* The proof-of-work engine: difficulty values worked out by hand for
 * blocks faster than, at, slower than and far slower than the target, at
 * the floor and at the 2^128 bound; targets; the seal preimage S against
 * an RLP assembled byte by byte here, and the seal rule on hashes taken
 * over those bytes; each header rule on its own; and a real chain on
 * LMDB: two blocks built, sealed by brute force and imported pay the
 * coinbase the reward and the fees, and the fork choice follows the
 * heavier branch (two light blocks over one heavy one) and keeps the head
 * on a tie. */
/* nftw and its flags are X/Open. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/hex.h"
#include "chain/genesis.h"
#include "consensus/blockchain.h"
#include "consensus/builder.h"
#include "consensus/pow.h"
#include "crypto/keccak.h"
#include "crypto/secp.h"
#include "db/db.h"
#include "store/store.h"
#include "test.h"

#define ETHER 1000000000000000000ull
#define GWEI 1000000000ull
#define GENESIS_TS 0x1000
/* The engine's clock: far after every timestamp here. */
#define WALL_MS 1000000000000ull

static uint8_t key[32];
static address sender, receiver, etherbase;

/* ---- difficulty ---- */

static chain_config pow_config(uint64_t target, uint64_t min)
{
	chain_config c = {0};
	c.has_pow = true;
	c.pow.target_block_time = target;
	c.pow.min_difficulty = u256_from_u64(min);
	c.pow.block_reward = u256_from_u64(2 * ETHER);
	return c;
}

static uint64_t diff_at(const chain_config *c, uint64_t parent_diff,
                        uint64_t parent_ts, uint64_t ts)
{
	header p = {0};
	p.difficulty = u256_from_u64(parent_diff);
	p.timestamp = parent_ts;
	u256 d;
	if (pow_difficulty(c, &p, ts, &d) || !u256_fits_u64(&d))
		return 0;
	return d.w[0];
}

static void test_difficulty(void)
{
	chain_config c = pow_config(5, 100);
	/* parent 80000: step 10000. */
	CHECK_EQ_INT(diff_at(&c, 80000, 1000, 1001), 88000); /* +10000*4/5 */
	CHECK_EQ_INT(diff_at(&c, 80000, 1000, 1003), 84000); /* +10000*2/5 */
	CHECK_EQ_INT(diff_at(&c, 80000, 1000, 1005), 80000); /* dt = T */
	CHECK_EQ_INT(diff_at(&c, 80000, 1000, 1008), 74000); /* -10000*3/5 */
	CHECK_EQ_INT(diff_at(&c, 80000, 1000, 1013), 64000); /* -10000*8/5 */
	CHECK_EQ_INT(diff_at(&c, 80000, 1000, 1015), 60000); /* dt = 3T */
	CHECK_EQ_INT(diff_at(&c, 80000, 1000, 1100), 60000); /* capped at 2T */
	/* Rounding down: parent 1003, step 125. */
	CHECK_EQ_INT(diff_at(&c, 1003, 1000, 1002), 1078);   /* +125*3/5=75 */
	CHECK_EQ_INT(diff_at(&c, 1003, 1000, 1007), 953);    /* -125*2/5=50 */
	/* The floor: 110 - 13*10/5 = 84, raised to 100; from 100 up
	 * by 12*4/5 = 9. */
	CHECK_EQ_INT(diff_at(&c, 110, 1000, 1100), 100);
	CHECK_EQ_INT(diff_at(&c, 100, 1000, 1100), 100);
	CHECK_EQ_INT(diff_at(&c, 100, 1000, 1001), 109);
	/* A target near 2^63 and dt near 2^64: 2T does not fit 64 bits.
	 * 80000 - 10000 * (2^63 - 1) / 2^63 = 70001. */
	chain_config big = pow_config((uint64_t)1 << 63, 1);
	CHECK_EQ_INT(diff_at(&big, 80000, 0, UINT64_MAX), 70001);

	/* At the bound 2^128: 2^128 + 2^125 * 4 / 5. */
	header p = {0};
	p.difficulty = (u256){{0, 0, 1, 0}};
	p.timestamp = 1000;
	u256 d;
	CHECK_EQ_INT(pow_difficulty(&c, &p, 1001, &d), 0);
	CHECK(u256_eq(&d, &((u256){{0x9999999999999999ull, 0x1999999999999999ull,
	                            1, 0}})));
	p.difficulty.w[0] = 1; /* 2^128 + 1 */
	CHECK_EQ_INT(pow_difficulty(&c, &p, 1001, &d), DURE_EBLOCK_DIFFICULTY);
	CHECK(u256_is_zero(&d));
}

static void test_target(void)
{
	u256 t, d;
	uint8_t be[32], want[32];
	d = u256_from_u64(1);
	pow_target(&d, &t);
	u256_to_be(&t, be);
	memset(want, 0xff, 32);
	CHECK_MEM(be, want, 32);
	d = u256_from_u64(2); /* 2^255 */
	pow_target(&d, &t);
	u256_to_be(&t, be);
	memset(want, 0, 32);
	want[0] = 0x80;
	CHECK_MEM(be, want, 32);
	d = u256_from_u64(3); /* 2^256 = 3 * 0x55..55 + 1 */
	pow_target(&d, &t);
	u256_to_be(&t, be);
	memset(want, 0x55, 32);
	CHECK_MEM(be, want, 32);
	d = u256_from_u64(256); /* 2^248 */
	pow_target(&d, &t);
	u256_to_be(&t, be);
	memset(want, 0, 32);
	want[0] = 1;
	CHECK_MEM(be, want, 32);
	d = (u256){{0, 0, 0, 1ull << 63}}; /* 2^255: 2 */
	pow_target(&d, &t);
	CHECK(u256_eq(&t, &((u256){{2, 0, 0, 0}})));
}

/* ---- the seal ---- */

/* A Cancun header with distinct bytes in every field, and a mix hash
 * and nonce that S must leave out. */
static header seal_header(const u256 *difficulty)
{
	header h = {0};
	memset(h.parent_hash.b, 0x11, 32);
	h.ommers_hash = EMPTY_OMMERS_HASH;
	memset(h.coinbase.b, 0x22, 20);
	memset(h.state_root.b, 0x33, 32);
	memset(h.tx_root.b, 0x44, 32);
	memset(h.receipts_root.b, 0x55, 32);
	h.bloom[0] = 0x66;
	h.bloom[255] = 0x77;
	h.difficulty = *difficulty;
	h.number = 1;
	h.gas_limit = 30000000;
	h.gas_used = 0;
	h.timestamp = 0x1000;
	h.extra[0] = 'd';
	h.extra[1] = 'u';
	h.extra_len = 2;
	memset(h.mix_hash.b, 0x99, 32);
	memset(h.nonce, 0xaa, 8);
	h.has_base_fee = true;
	h.base_fee = u256_from_u64(7);
	h.has_withdrawals_root = true;
	memset(h.withdrawals_root.b, 0xbb, 32);
	h.has_blob_gas = true;
	h.blob_gas_used = 0x20000;
	h.excess_blob_gas = 0;
	h.has_parent_beacon_root = true;
	memset(h.parent_beacon_root.b, 0xcc, 32);
	return h;
}

static size_t put_str32(uint8_t *p, uint8_t byte)
{
	p[0] = 0x80 + 32;
	memset(p + 1, byte, 32);
	return 33;
}

/* The RLP of seal_header's fields but the mix hash and nonce, written
 * here byte by byte; diff holds the difficulty's own encoding. */
static size_t hand_seal_rlp(const uint8_t *diff, size_t diff_len,
                            uint8_t *out)
{
	uint8_t body[1024];
	size_t n = 0;
	n += put_str32(body + n, 0x11);               /* parent hash */
	body[n++] = 0xa0;                             /* ommers hash */
	memcpy(body + n, EMPTY_OMMERS_HASH.b, 32);
	n += 32;
	body[n++] = 0x94;                             /* coinbase */
	memset(body + n, 0x22, 20);
	n += 20;
	n += put_str32(body + n, 0x33);               /* state root */
	n += put_str32(body + n, 0x44);               /* tx root */
	n += put_str32(body + n, 0x55);               /* receipts root */
	body[n++] = 0xb9;                             /* bloom, 256 bytes */
	body[n++] = 0x01;
	body[n++] = 0x00;
	memset(body + n, 0, 256);
	body[n] = 0x66;
	body[n + 255] = 0x77;
	n += 256;
	memcpy(body + n, diff, diff_len);             /* difficulty */
	n += diff_len;
	body[n++] = 0x01;                             /* number 1 */
	static const uint8_t gas[] = {0x84, 0x01, 0xc9, 0xc3, 0x80};
	memcpy(body + n, gas, sizeof gas);            /* gas limit 30000000 */
	n += sizeof gas;
	body[n++] = 0x80;                             /* gas used 0 */
	body[n++] = 0x82;                             /* timestamp 0x1000 */
	body[n++] = 0x10;
	body[n++] = 0x00;
	body[n++] = 0x82;                             /* extra "du" */
	body[n++] = 'd';
	body[n++] = 'u';
	body[n++] = 0x07;                             /* base fee 7 */
	n += put_str32(body + n, 0xbb);               /* withdrawals root */
	body[n++] = 0x83;                             /* blob gas 0x20000 */
	body[n++] = 0x02;
	body[n++] = 0x00;
	body[n++] = 0x00;
	body[n++] = 0x80;                             /* excess blob gas 0 */
	n += put_str32(body + n, 0xcc);               /* parent beacon root */
	/* A list of 256 to 65535 bytes: f9 and a two-byte length. */
	out[0] = 0xf9;
	out[1] = (uint8_t)(n >> 8);
	out[2] = (uint8_t)n;
	memcpy(out + 3, body, n);
	return n + 3;
}

/* keccak256(S || the header's nonce bytes), over the hand bytes. */
static void hand_seal_hash(const uint8_t *s, size_t n, const uint8_t nonce[8],
                           uint8_t out[32])
{
	uint8_t in[1100];
	memcpy(in, s, n);
	memcpy(in + n, nonce, 8);
	keccak256(in, n + 8, out);
}

static void test_seal(void)
{
	/* Difficulty 1: S and its hash; every hash passes. */
	u256 one = u256_from_u64(1);
	header h = seal_header(&one);
	uint8_t want[1100], hash[32], mine[32];
	static const uint8_t d1[] = {0x01};
	size_t wn = hand_seal_rlp(d1, sizeof d1, want);
	CHECK_EQ_INT(wn, 3 + 531);
	buf s = BUF_INIT;
	CHECK_EQ_INT(pow_seal_rlp(&h, &s), 0);
	CHECK_EQ_INT(s.len, wn);
	CHECK(s.len == wn && memcmp(s.data, want, wn) == 0);
	buf_free(&s);
	hand_seal_hash(want, wn, h.nonce, hash);
	CHECK_EQ_INT(pow_seal_hash(&h, mine), 0);
	CHECK_MEM(mine, hash, 32);
	CHECK_EQ_INT(pow_check_seal(&h), 0);
	pow_work w;
	uint64_t nonce = 0;
	CHECK_EQ_INT(pow_work_init(&h, &w), 0);
	CHECK(pow_work_search(&w, 12345, 1, &nonce) && nonce == 12345);

	/* Difficulty 2^255: the target is 2, and this hash (checked over
	 * the hand bytes) is far above it. */
	u256 big = {{0, 0, 0, 1ull << 63}};
	h = seal_header(&big);
	uint8_t dbig[33] = {0xa0, 0x80};
	wn = hand_seal_rlp(dbig, sizeof dbig, want);
	s = (buf)BUF_INIT;
	CHECK_EQ_INT(pow_seal_rlp(&h, &s), 0);
	CHECK(s.len == wn && memcmp(s.data, want, wn) == 0);
	buf_free(&s);
	hand_seal_hash(want, wn, h.nonce, hash);
	static const uint8_t zero31[31];
	CHECK(memcmp(hash, zero31, 31) != 0);  /* so the hash is above 2 */
	CHECK_EQ_INT(pow_seal_hash(&h, mine), 0);
	CHECK_MEM(mine, hash, 32);
	CHECK_EQ_INT(pow_check_seal(&h), DURE_EBLOCK_SEAL);
	CHECK_EQ_INT(pow_work_init(&h, &w), 0);
	CHECK(!pow_work_search(&w, 0, 1000, &nonce));

	/* Optional fields out of order are refused, as header_encode. */
	h.has_withdrawals_root = false;
	s = (buf)BUF_INIT;
	CHECK_EQ_INT(pow_seal_rlp(&h, &s), DURE_EBLOCK_FORMAT);
	buf_free(&s);
}

/* ---- the header rules ---- */

static void test_rules(void)
{
	dure_fake_clock fc;
	dure_fake_clock_init(&fc, 2000 * 1000 + 999);  /* 2000.999 s */
	pow *p;
	CHECK_EQ_INT(pow_new(&fc.clock, &p), 0);
	const engine *e = pow_engine(p);
	chain_config c = pow_config(5, 1);
	header parent = {0};
	parent.difficulty = u256_from_u64(1);
	parent.timestamp = 1000;
	header h = {0};
	memset(h.nonce, 0x5a, 8);
	memset(h.mix_hash.b, 0x5a, 32);
	h.ommers_hash.b[0] = 1;
	h.timestamp = 1001;
	/* prepare: the difficulty, and the seal fields cleared. */
	e->prepare(e->ctx, &c, FORK_CANCUN, &parent, &h);
	CHECK(u256_eq(&h.difficulty, &((u256){{1, 0, 0, 0}})));
	static const uint8_t zero[32];
	CHECK_MEM(h.nonce, zero, 8);
	CHECK_MEM(h.mix_hash.b, zero, 32);
	CHECK(h256_eq(&h.ommers_hash, &EMPTY_OMMERS_HASH));
	/* Difficulty 1: any nonce seals. */
	memset(h.nonce, 0x5a, 8);
	CHECK_EQ_INT(e->verify_header(e->ctx, &c, FORK_CANCUN, &parent, &h), 0);

	header b = h;
	chain_config merged = c;
	merged.has_pow = false;
	CHECK_EQ_INT(e->verify_header(e->ctx, &merged, FORK_CANCUN, &parent, &b),
	             DURE_EBLOCK_FIELDS);
	b.extra_len = 33;
	CHECK_EQ_INT(e->verify_header(e->ctx, &c, FORK_CANCUN, &parent, &b),
	             DURE_EBLOCK_EXTRA_DATA);
	b = h;
	b.extra_len = 32;
	CHECK_EQ_INT(e->verify_header(e->ctx, &c, FORK_CANCUN, &parent, &b), 0);
	/* The clock reads 2000 s: 2015 is in time, 2016 too far ahead. */
	b = h;
	b.timestamp = 2015;
	CHECK_EQ_INT(e->verify_header(e->ctx, &c, FORK_CANCUN, &parent, &b), 0);
	b.timestamp = 2016;
	CHECK_EQ_INT(e->verify_header(e->ctx, &c, FORK_CANCUN, &parent, &b),
	             DURE_EBLOCK_FUTURE);
	fc.now += 1000;
	CHECK_EQ_INT(e->verify_header(e->ctx, &c, FORK_CANCUN, &parent, &b), 0);
	b = h;
	b.ommers_hash.b[31] ^= 1;
	CHECK_EQ_INT(e->verify_header(e->ctx, &c, FORK_CANCUN, &parent, &b),
	             DURE_EBLOCK_OMMERS);
	block ob = {0};
	ob.h = h;
	CHECK_EQ_INT(e->verify_ommers(e->ctx, &c, FORK_CANCUN, &ob), 0);
	header ommer = parent;
	ob.ommers = &ommer;
	ob.nommers = 1;
	CHECK_EQ_INT(e->verify_ommers(e->ctx, &c, FORK_CANCUN, &ob),
	             DURE_EBLOCK_OMMERS);
	b = h;
	b.mix_hash.b[0] = 1;
	CHECK_EQ_INT(e->verify_header(e->ctx, &c, FORK_CANCUN, &parent, &b),
	             DURE_EBLOCK_SEAL);
	b = h;
	b.difficulty = u256_from_u64(2);
	CHECK_EQ_INT(e->verify_header(e->ctx, &c, FORK_CANCUN, &parent, &b),
	             DURE_EBLOCK_DIFFICULTY);
	b.difficulty = (u256){{1, 0, 1, 0}};
	CHECK_EQ_INT(e->verify_header(e->ctx, &c, FORK_CANCUN, &parent, &b),
	             DURE_EBLOCK_DIFFICULTY);
	/* A parent above the bound has no valid child. */
	header huge = parent;
	huge.difficulty = (u256){{1, 0, 1, 0}};
	b = h;
	CHECK_EQ_INT(e->verify_header(e->ctx, &c, FORK_CANCUN, &huge, &b),
	             DURE_EBLOCK_DIFFICULTY);
	e->prepare(e->ctx, &c, FORK_CANCUN, &huge, &b);
	CHECK(u256_is_zero(&b.difficulty));
	/* Difficulty 2^100 (the floor; dt = T keeps it): a nonce passes
	 * with odds 2^-100. */
	chain_config hard = c;
	hard.pow.min_difficulty = (u256){{0, 1ull << 36, 0, 0}};
	header hp = parent;
	hp.difficulty = hard.pow.min_difficulty;
	b = h;
	b.timestamp = 1005;
	b.difficulty = hard.pow.min_difficulty;
	CHECK_EQ_INT(e->verify_header(e->ctx, &hard, FORK_CANCUN, &hp, &b),
	             DURE_EBLOCK_SEAL);

	/* Fork choice: strictly more work only. */
	u256 td10 = u256_from_u64(10), td11 = u256_from_u64(11);
	CHECK(e->prefer(e->ctx, &parent, &td10, &h, &td11));
	CHECK(!e->prefer(e->ctx, &parent, &td11, &h, &td11));
	CHECK(!e->prefer(e->ctx, &parent, &td11, &h, &td10));
	/* Not attached to a chain: no block runs without its reward. */
	CHECK_EQ_INT(e->finalize(e->ctx, NULL, &ob, FORK_CANCUN), DURE_EINVAL);
	pow_free(p);
}

/* ---- a real chain ---- */

typedef struct node {
	char dir[64];
	db *d;
	store *s;
	pow *p;
	blockchain *bc;
	dure_fake_clock wall;
} node;

static int rm_entry(const char *path, const struct stat *sb, int flag,
                    struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(path);
}

/* A chain with every fork through Cancun at genesis, proof of work with
 * target 5 s, floor min_diff, reward 2 ether; genesis difficulty 1000. */
static bool node_open(node *n, uint64_t min_diff)
{
	memset(n, 0, sizeof *n);
	strcpy(n->dir, "/tmp/dure-pow-XXXXXX");
	if (!mkdtemp(n->dir))
		return false;
	char a[41];
	hex_encode(sender.b, 20, a);
	json_t *j = json_pack(
	    "{s:{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,"
	    "s:{s:i,s:I,s:s}},"
	    "s:{s:{s:s}},s:s,s:s,s:s,s:i}",
	    "config", "chainId", 1337, "homesteadBlock", 0, "eip150Block", 0,
	    "eip155Block", 0, "eip158Block", 0, "byzantiumBlock", 0,
	    "constantinopleBlock", 0, "petersburgBlock", 0, "istanbulBlock", 0,
	    "berlinBlock", 0, "londonBlock", 0, "mergeNetsplitBlock", 0,
	    "shanghaiTime", 0, "cancunTime", 0, "pow", "targetBlockTime", 5,
	    "minimumDifficulty", (json_int_t)min_diff, "blockReward",
	    "2000000000000000000",
	    "alloc", a, "balance", "0x3635c9adc5dea00000", /* 1000 ether */
	    "gasLimit", "0x1c9c380", "difficulty", "0x3e8",
	    "baseFeePerGas", "0x3b9aca00", "timestamp", GENESIS_TS);
	genesis g = {0};
	h256 hash;
	dure_fake_clock_init(&n->wall, WALL_MS);
	bool ok = j &&
	          db_open(n->dir, &(db_options){.no_sync = true}, &n->d) == 0 &&
	          store_open(n->d, &n->s) == 0 &&
	          genesis_from_json(j, &g) == 0 && g.config.has_pow &&
	          blockchain_init(n->s, &g, &hash) == 0 &&
	          pow_new(&n->wall.clock, &n->p) == 0 &&
	          blockchain_open(n->s, pow_engine(n->p), NULL, &n->bc) == 0;
	if (ok)
		pow_attach(n->p, n->bc);
	genesis_free(&g);
	json_decref(j);
	return ok;
}

static void node_close(node *n)
{
	blockchain_free(n->bc);
	pow_free(n->p);
	store_free(n->s);
	db_close(n->d);
	nftw(n->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Counts nonces up from 0 (big-endian bytes) until the seal holds. */
static void seal(block *b)
{
	for (uint64_t n = 0;; n++) {
		for (int i = 0; i < 8; i++)
			b->h.nonce[i] = (uint8_t)(n >> (56 - 8 * i));
		if (pow_check_seal(&b->h) == DURE_OK)
			return;
	}
}

static tx transfer(uint64_t nonce, uint64_t value)
{
	tx t = {0};
	t.type = TX_DYNAMIC_FEE;
	t.has_chain_id = true;
	t.chain_id = 1337;
	t.nonce = nonce;
	t.max_priority_fee = u256_from_u64(GWEI);
	t.max_fee = u256_from_u64(100 * GWEI);
	t.gas_limit = 21000;
	t.has_to = true;
	t.to = receiver;
	t.value = u256_from_u64(value);
	if (tx_sign(&t, key) != DURE_OK)
		abort();
	return t;
}

/* Builds on n's head at head's timestamp + dt, with txs and extra. */
static bool build_on(node *n, uint64_t dt, const tx *txs, size_t ntxs,
                     const char *extra, block *out)
{
	header head;
	h256 hh;
	if (blockchain_head(n->bc, &head, &hh))
		return false;
	build_opts o = {0};
	o.coinbase = etherbase;
	o.timestamp = head.timestamp + dt;
	o.extra = (const uint8_t *)extra;
	o.extra_len = extra ? strlen(extra) : 0;
	return blockchain_build(n->bc, &o, txs, ntxs, out, NULL) == 0;
}

static u256 balance_of(node *n, const address *a)
{
	db_txn *t;
	state_account acc;
	u256 v = u256_from_u64(0);
	if (db_begin_read(n->d, &t))
		return v;
	if (!store_account(n->s, t, a, &acc))
		v = acc.balance;
	db_abort(t);
	return v;
}

static u256 head_td(node *n)
{
	header h;
	h256 hash;
	u256 td = u256_from_u64(0);
	db_txn *t;
	if (blockchain_head(n->bc, &h, &hash) || db_begin_read(n->d, &t))
		return td;
	if (store_td(n->s, t, &hash, &td))
		td = u256_from_u64(0);
	db_abort(t);
	return td;
}

static h256 head_hash(node *n)
{
	header h;
	h256 hash;
	if (blockchain_head(n->bc, &h, &hash))
		memset(&hash, 0, sizeof hash);
	return hash;
}

/* Two blocks, the first with a transfer, 12 s apart (difficulty stays
 * at the floor of 1000): the coinbase gets 2 rewards and the tip of
 * 21000 gas at 1 gwei. */
static void test_reward(void)
{
	node n;
	CHECK(node_open(&n, 1000));
	tx t = transfer(0, 5);
	block b1 = {0}, b2 = {0};
	CHECK(build_on(&n, 12, &t, 1, NULL, &b1));
	tx_free(&t);
	CHECK(u256_eq(&b1.h.difficulty, &((u256){{1000, 0, 0, 0}})));
	/* Unsealed: the first nonce that fails is refused as such. */
	for (uint64_t k = 0;; k++) {
		b1.h.nonce[7] = (uint8_t)k;
		if (pow_check_seal(&b1.h) == DURE_EBLOCK_SEAL)
			break;
	}
	import_result r;
	CHECK_EQ_INT(blockchain_import(n.bc, &b1, &r), DURE_EBLOCK_SEAL);
	seal(&b1);
	CHECK_EQ_INT(blockchain_import(n.bc, &b1, &r), 0);
	CHECK(r.canonical);
	CHECK(build_on(&n, 12, NULL, 0, "dure", &b2));
	seal(&b2);
	CHECK_EQ_INT(blockchain_import(n.bc, &b2, &r), 0);
	CHECK(r.canonical);
	header head;
	h256 hh;
	CHECK_EQ_INT(blockchain_head(n.bc, &head, &hh), 0);
	CHECK_EQ_INT(head.number, 2);
	/* 2 * 2 ether + 21000 * 1 gwei. */
	u256 want = u256_from_u64(4 * ETHER + 21000 * GWEI);
	u256 got = balance_of(&n, &etherbase);
	CHECK(u256_eq(&got, &want));
	u256 td = head_td(&n);
	CHECK(u256_eq(&td, &((u256){{3000, 0, 0, 0}})));
	block_free(&b1);
	block_free(&b2);
	node_close(&n);
}

/* Genesis 1000, floor 100. A1 after 1 s: 1000 + 125*4/5 = 1100. A1'
 * the same with other extra data: a tie, the head stays A1. B1 after
 * 100 s: 1000 - 125*10/5 = 750 (td 1750 < 2100: kept aside); B2 after
 * 100 s more: 750 - 93*10/5 = 564 (td 2314 > 2100): B is followed. */
static void test_fork_choice(void)
{
	node m, ref;
	CHECK(node_open(&m, 100));
	CHECK(node_open(&ref, 100));
	block a1 = {0}, a1x = {0}, b1 = {0}, b2 = {0};
	CHECK(build_on(&m, 1, NULL, 0, NULL, &a1));
	CHECK(build_on(&ref, 1, NULL, 0, "x", &a1x));
	CHECK(build_on(&ref, 100, NULL, 0, NULL, &b1));
	CHECK(u256_eq(&a1.h.difficulty, &((u256){{1100, 0, 0, 0}})));
	CHECK(u256_eq(&a1x.h.difficulty, &a1.h.difficulty));
	CHECK(u256_eq(&b1.h.difficulty, &((u256){{750, 0, 0, 0}})));
	seal(&a1);
	seal(&a1x);
	seal(&b1);
	import_result r;
	CHECK_EQ_INT(blockchain_import(ref.bc, &b1, &r), 0);
	CHECK(build_on(&ref, 100, NULL, 0, NULL, &b2));
	CHECK(u256_eq(&b2.h.difficulty, &((u256){{564, 0, 0, 0}})));
	seal(&b2);

	CHECK_EQ_INT(blockchain_import(m.bc, &a1, &r), 0);
	CHECK(r.canonical);
	h256 ha1 = r.hash;
	CHECK_EQ_INT(blockchain_import(m.bc, &a1x, &r), 0);
	CHECK(!r.canonical && !r.known);
	h256 h = head_hash(&m);
	CHECK(h256_eq(&h, &ha1));
	CHECK_EQ_INT(blockchain_import(m.bc, &b1, &r), 0);
	CHECK(!r.canonical);
	h = head_hash(&m);
	CHECK(h256_eq(&h, &ha1));
	CHECK_EQ_INT(blockchain_import(m.bc, &b2, &r), 0);
	CHECK(r.canonical);
	CHECK_EQ_INT(r.reorg_depth, 1);
	h = head_hash(&m);
	h256 hb2;
	CHECK_EQ_INT(header_hash(&b2.h, &hb2), 0);
	CHECK(h256_eq(&h, &hb2));
	u256 td = head_td(&m);
	CHECK(u256_eq(&td, &((u256){{2314, 0, 0, 0}})));
	/* Each of B's blocks paid its reward once A1's was unwound. */
	u256 want = u256_from_u64(4 * ETHER);
	u256 got = balance_of(&m, &etherbase);
	CHECK(u256_eq(&got, &want));
	block_free(&a1);
	block_free(&a1x);
	block_free(&b1);
	block_free(&b2);
	node_close(&m);
	node_close(&ref);
}

static void setup(void)
{
	memset(key, 0x11, 32);
	uint8_t pub[64];
	if (secp_pubkey_create(key, pub))
		abort();
	secp_pubkey_address(pub, &sender);
	memset(receiver.b, 0xcc, 20);
	memset(etherbase.b, 0xeb, 20);
}

TEST_MAIN(setup, test_difficulty, test_target, test_seal, test_rules,
          test_reward, test_fork_choice)
