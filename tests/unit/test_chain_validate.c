/* Header and body rules: EIP-1559 base fees and EIP-4844 excess blob gas
 * worked by hand from the EIPs' formulas, the gas limit bound at its
 * edges, each header rule broken alone, and every block of the
 * BlockchainTests fixtures (valid ones pass, those whose expected
 * exception names a header or body rule fail with that rule). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "chain/block.h"
#include "chain/config.h"
#include "chain/validate.h"
#include "fixture_walk.h"
#include "trie/trie.h"
#include "test.h"

/* Every fork from block 0 / time 0 up to and including `last`. */
static chain_config config_upto(fork last)
{
	chain_config c = {0};
	c.chain_id = 1;
	for (int f = 0; f < FORK_COUNT_; f++)
		c.activation[f] = f <= (int)last ? 0 : CHAIN_NEVER;
	return c;
}

/* A London parent at block 10 with a 20M gas limit (target 10M). */
static header london_parent(uint64_t gas_used, uint64_t base_fee)
{
	header p = {0};
	p.number = 10;
	p.timestamp = 1000;
	p.gas_limit = 20000000;
	p.gas_used = gas_used;
	p.has_base_fee = true;
	p.base_fee = u256_from_u64(base_fee);
	return p;
}

static void test_base_fee(void)
{
	chain_config c = config_upto(FORK_LONDON);
	struct {
		uint64_t used, fee, want;
	} cases[] = {
		/* Usage at the target keeps the fee. */
		{10000000, 1000000000, 1000000000},
		/* 1M below: 1e9 * 1M / 10M / 8 = 12.5M less. */
		{9000000, 1000000000, 987500000},
		/* 1M above: 12.5M more. */
		{11000000, 1000000000, 1012500000},
		/* Full block: +1/8. Empty block: -1/8. */
		{20000000, 1000000000, 1125000000},
		{0, 1000000000, 875000000},
		/* 7 * 1 / 10M / 8 rounds to 0: up by the minimum of 1. */
		{10000001, 7, 8},
		/* 7 * 10M / 10M / 8 rounds to 0: down by nothing. */
		{0, 7, 7},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		header p = london_parent(cases[i].used, cases[i].fee);
		u256 got;
		CHECK_EQ_INT(header_base_fee(&c, &p, &got), DURE_OK);
		CHECK(u256_fits_u64(&got));
		CHECK_EQ_INT(got.w[0], cases[i].want);
	}

	/* A fee whose product with the gas delta passes 256 bits: 2^255
	 * after an empty block falls by 1/8, to 2^255 - 2^252. */
	header p = london_parent(0, 0);
	p.base_fee = (u256){{0, 0, 0, 1ull << 63}};
	u256 got, want = {{0, 0, 0, (1ull << 63) - (1ull << 60)}};
	CHECK_EQ_INT(header_base_fee(&c, &p, &got), DURE_OK);
	CHECK(u256_eq(&got, &want));
	/* Going up from 2^256 - 1 cannot be represented. */
	p = london_parent(20000000, 0);
	p.base_fee = U256_MAX;
	CHECK_EQ_INT(header_base_fee(&c, &p, &got), DURE_ERANGE);
	CHECK(u256_is_zero(&got));

	/* The London fork block starts at 1 gwei whatever its parent did. */
	chain_config fb = config_upto(FORK_LONDON);
	fb.activation[FORK_LONDON] = 11;
	fb.activation[FORK_PARIS] = CHAIN_NEVER;
	header pre = {.number = 10, .gas_limit = 20000000, .gas_used = 20000000};
	CHECK_EQ_INT(header_base_fee(&fb, &pre, &got), DURE_OK);
	CHECK_EQ_INT(got.w[0], 1000000000);
	/* A London parent must carry a base fee. */
	pre.number = 11;
	CHECK_EQ_INT(header_base_fee(&fb, &pre, &got), DURE_EBLOCK_FIELDS);
}

static void test_excess_blob_gas(void)
{
	struct {
		uint64_t excess, used, want;
	} cases[] = {
		{0, 0, 0},
		{0, 393216, 0},            /* exactly the target */
		{0, 786432, 393216},       /* six blobs: three over */
		{393216, 0, 0},
		{393216, 131072, 131072},
		{1000000, 262144, 868928}, /* 1262144 - 393216 */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		header p = {.has_blob_gas = true,
		            .excess_blob_gas = cases[i].excess,
		            .blob_gas_used = cases[i].used};
		uint64_t got = 1;
		CHECK_EQ_INT(header_excess_blob_gas(&p, &got), DURE_OK);
		CHECK_EQ_INT(got, cases[i].want);
	}
	/* A parent before Cancun counts as 0 and 0 whatever it holds. */
	header pre = {.excess_blob_gas = 5000000, .blob_gas_used = 786432};
	uint64_t got = 1;
	CHECK_EQ_INT(header_excess_blob_gas(&pre, &got), DURE_OK);
	CHECK_EQ_INT(got, 0);
	/* The sum passes 2^64 but the excess fits once the target is off. */
	header big = {.has_blob_gas = true, .excess_blob_gas = UINT64_MAX,
	              .blob_gas_used = 393216};
	CHECK_EQ_INT(header_excess_blob_gas(&big, &got), DURE_OK);
	CHECK(got == UINT64_MAX);
	big.blob_gas_used = 393217;
	CHECK_EQ_INT(header_excess_blob_gas(&big, &got), DURE_ERANGE);
	CHECK_EQ_INT(got, 0);
}

static void test_gas_limit_bound(void)
{
	/* 1024000 / 1024 = 1000: a change of 999 passes, 1000 does not. */
	CHECK_EQ_INT(header_check_gas_limit(1024000, 1024999), DURE_OK);
	CHECK_EQ_INT(header_check_gas_limit(1024000, 1025000),
	             DURE_EBLOCK_GAS_LIMIT);
	CHECK_EQ_INT(header_check_gas_limit(1024000, 1023001), DURE_OK);
	CHECK_EQ_INT(header_check_gas_limit(1024000, 1023000),
	             DURE_EBLOCK_GAS_LIMIT);
	CHECK_EQ_INT(header_check_gas_limit(1024000, 1024000), DURE_OK);
	/* 5000 / 1024 = 4 allows 4999, but the floor is 5000. */
	CHECK_EQ_INT(header_check_gas_limit(5000, 4999), DURE_EBLOCK_GAS_LIMIT);
	CHECK_EQ_INT(header_check_gas_limit(5000, 5003), DURE_OK);
	CHECK_EQ_INT(header_check_gas_limit(5000, 5004), DURE_EBLOCK_GAS_LIMIT);
	/* Below 1024 the bound is 0: not even the same limit passes. */
	CHECK_EQ_INT(header_check_gas_limit(1000, 1000), DURE_EBLOCK_GAS_LIMIT);
}

/* A Cancun parent and a child that passes every rule. */
static void cancun_pair(header *p, header *h)
{
	*p = london_parent(10000000, 1000000000);
	p->has_withdrawals_root = true;
	p->has_blob_gas = true;
	p->has_parent_beacon_root = true;
	p->blob_gas_used = 786432;
	p->excess_blob_gas = 0;
	*h = *p;
	h->number = 11;
	h->timestamp = 1012;
	h->gas_used = 0;
	h->blob_gas_used = 131072;
	h->excess_blob_gas = 393216;
}

static void test_header_rules(void)
{
	chain_config c = config_upto(FORK_CANCUN);
	header p, h;
	cancun_pair(&p, &h);
	CHECK_EQ_INT(header_validate(&c, FORK_CANCUN, &p, &h), DURE_OK);

	header x;
#define BROKEN(stmt, want)                                                \
	do {                                                                  \
		x = h;                                                            \
		stmt;                                                             \
		CHECK_EQ_INT(header_validate(&c, FORK_CANCUN, &p, &x), want);     \
	} while (0)
	BROKEN(x.has_parent_beacon_root = false, DURE_EBLOCK_FIELDS);
	BROKEN(x.has_blob_gas = false, DURE_EBLOCK_FIELDS);
	BROKEN(x.has_withdrawals_root = false, DURE_EBLOCK_FIELDS);
	BROKEN(x.has_base_fee = false, DURE_EBLOCK_FIELDS);
	BROKEN(x.extra_len = 32, DURE_OK);
	BROKEN(x.extra_len = 33, DURE_EBLOCK_EXTRA_DATA);
	BROKEN(x.number = 12, DURE_EBLOCK_NUMBER);
	BROKEN(x.number = 10, DURE_EBLOCK_NUMBER);
	BROKEN(x.timestamp = 1000, DURE_EBLOCK_TIMESTAMP);
	BROKEN(x.timestamp = 999, DURE_EBLOCK_TIMESTAMP);
	BROKEN(x.timestamp = 1001, DURE_OK);
	BROKEN(x.gas_limit = 0x8000000000000000ull, DURE_EBLOCK_GAS_LIMIT);
	BROKEN(x.gas_used = x.gas_limit + 1, DURE_EBLOCK_GAS_USED_OVER);
	BROKEN(x.gas_used = x.gas_limit, DURE_OK);
	/* 20M / 1024 = 19531.25: 19531 is the first change refused. */
	BROKEN(x.gas_limit = 20000000 + 19530, DURE_OK);
	BROKEN(x.gas_limit = 20000000 + 19531, DURE_EBLOCK_GAS_LIMIT);
	BROKEN(x.gas_limit = 20000000 - 19531, DURE_EBLOCK_GAS_LIMIT);
	BROKEN(x.base_fee = u256_from_u64(999999999), DURE_EBLOCK_BASE_FEE);
	BROKEN(x.blob_gas_used = 786432, DURE_OK);
	BROKEN(x.blob_gas_used = 786432 + 131072, DURE_EBLOCK_BLOB_GAS_USED);
	BROKEN(x.blob_gas_used = 131071, DURE_EBLOCK_BLOB_GAS_USED);
	BROKEN(x.excess_blob_gas = 0, DURE_EBLOCK_EXCESS_BLOB_GAS);
	/* A dev chain's producer sets gas limit and base fee: the bound and
	 * EIP-1559 no longer apply, the absolute bounds and the rest do. */
	c.dev_rules = true;
	BROKEN(x.gas_limit = 20000000 + 19531, DURE_OK);
	BROKEN(x.gas_limit = 5000, DURE_OK);
	BROKEN(x.gas_limit = 4999, DURE_EBLOCK_GAS_LIMIT);
	BROKEN(x.gas_limit = 0x8000000000000000ull, DURE_EBLOCK_GAS_LIMIT);
	BROKEN(x.base_fee = u256_from_u64(0), DURE_OK);
	BROKEN(x.gas_used = x.gas_limit + 1, DURE_EBLOCK_GAS_USED_OVER);
	BROKEN(x.excess_blob_gas = 0, DURE_EBLOCK_EXCESS_BLOB_GAS);
	BROKEN(x.timestamp = 1000, DURE_EBLOCK_TIMESTAMP);
	c.dev_rules = false;
#undef BROKEN

	/* Before London a base fee is a field too many; before Cancun so
	 * are the blob fields. */
	chain_config b = config_upto(FORK_BERLIN);
	header bp = {.number = 5, .timestamp = 10, .gas_limit = 1024000};
	header bh = bp;
	bh.number = 6;
	bh.timestamp = 11;
	CHECK_EQ_INT(header_validate(&b, FORK_BERLIN, &bp, &bh), DURE_OK);
	bh.has_base_fee = true;
	CHECK_EQ_INT(header_validate(&b, FORK_BERLIN, &bp, &bh),
	             DURE_EBLOCK_FIELDS);
	bh.has_base_fee = false;
	bh.gas_limit = 1025000;
	CHECK_EQ_INT(header_validate(&b, FORK_BERLIN, &bp, &bh),
	             DURE_EBLOCK_GAS_LIMIT);
	chain_config s = config_upto(FORK_SHANGHAI);
	x = h;
	CHECK_EQ_INT(header_validate(&s, FORK_SHANGHAI, &p, &x),
	             DURE_EBLOCK_FIELDS);
}

/* At the London fork block the parent's gas limit counts double (the
 * target stays where the limit was) and the base fee starts at 1 gwei. */
static void test_london_fork_block(void)
{
	chain_config c = config_upto(FORK_LONDON);
	c.activation[FORK_LONDON] = 5;
	c.activation[FORK_PARIS] = CHAIN_NEVER;
	header p = {.number = 4, .timestamp = 100, .gas_limit = 1024000,
	            .gas_used = 1024000};
	header h = {.number = 5, .timestamp = 101, .gas_limit = 2048000,
	            .has_base_fee = true,
	            .base_fee = u256_from_u64(1000000000)};
	CHECK_EQ_INT(header_validate(&c, FORK_LONDON, &p, &h), DURE_OK);
	/* 2048000 / 1024 = 2000 around the doubled limit. */
	h.gas_limit = 2048000 + 1999;
	CHECK_EQ_INT(header_validate(&c, FORK_LONDON, &p, &h), DURE_OK);
	h.gas_limit = 2048000 + 2000;
	CHECK_EQ_INT(header_validate(&c, FORK_LONDON, &p, &h),
	             DURE_EBLOCK_GAS_LIMIT);
	/* The undoubled limit is now far outside the bound. */
	h.gas_limit = 1024000;
	CHECK_EQ_INT(header_validate(&c, FORK_LONDON, &p, &h),
	             DURE_EBLOCK_GAS_LIMIT);
	h.gas_limit = 2048000;
	h.base_fee = u256_from_u64(875000000);
	CHECK_EQ_INT(header_validate(&c, FORK_LONDON, &p, &h),
	             DURE_EBLOCK_BASE_FEE);

	/* The block after it: no doubling, the fee follows EIP-1559. */
	header p2 = h;
	p2.base_fee = u256_from_u64(1000000000);
	p2.gas_used = 0;
	header h2 = p2;
	h2.number = 6;
	h2.timestamp = 102;
	h2.base_fee = u256_from_u64(875000000);
	CHECK_EQ_INT(header_validate(&c, FORK_LONDON, &p2, &h2), DURE_OK);
	h2.gas_limit = 4096000;
	CHECK_EQ_INT(header_validate(&c, FORK_LONDON, &p2, &h2),
	             DURE_EBLOCK_GAS_LIMIT);
}

static void test_body_rules(void)
{
	block b = {0};
	b.h.tx_root = TRIE_EMPTY_ROOT;
	b.h.ommers_hash = EMPTY_OMMERS_HASH;
	CHECK_EQ_INT(body_validate(FORK_PARIS, &b), DURE_OK);
	CHECK_EQ_INT(body_validate(FORK_SHANGHAI, &b), DURE_EBLOCK_WITHDRAWALS);
	b.has_withdrawals = true;
	CHECK_EQ_INT(body_validate(FORK_PARIS, &b), DURE_EBLOCK_WITHDRAWALS);
	CHECK_EQ_INT(body_validate(FORK_SHANGHAI, &b),
	             DURE_EBLOCK_WITHDRAWALS_ROOT);
	b.h.has_withdrawals_root = true;
	b.h.withdrawals_root = TRIE_EMPTY_ROOT;
	CHECK_EQ_INT(body_validate(FORK_SHANGHAI, &b), DURE_OK);
	b.h.tx_root.b[0] ^= 1;
	CHECK_EQ_INT(body_validate(FORK_SHANGHAI, &b), DURE_EBLOCK_TX_ROOT);
	b.h.tx_root = TRIE_EMPTY_ROOT;
	b.h.ommers_hash = TRIE_EMPTY_ROOT;
	CHECK_EQ_INT(body_validate(FORK_SHANGHAI, &b), DURE_EBLOCK_OMMERS_HASH);
}

/* ---- BlockchainTests ---- */

/* The rule an expected exception names, for those this module checks;
 * -1 for others. */
static int rule_of(const char *exc)
{
	static const struct {
		const char *name;
		int err;
	} rules[] = {
		{"BlockException.INVALID_GASLIMIT", DURE_EBLOCK_GAS_LIMIT},
		{"BlockException.GASLIMIT_TOO_BIG", DURE_EBLOCK_GAS_LIMIT},
		{"BlockException.INVALID_BLOCK_TIMESTAMP_OLDER_THAN_PARENT",
		 DURE_EBLOCK_TIMESTAMP},
		{"BlockException.EXTRA_DATA_TOO_BIG", DURE_EBLOCK_EXTRA_DATA},
		{"BlockException.INVALID_BLOCK_NUMBER", DURE_EBLOCK_NUMBER},
		{"BlockException.INVALID_BASEFEE_PER_GAS", DURE_EBLOCK_BASE_FEE},
		{"BlockException.GAS_USED_OVERFLOW", DURE_EBLOCK_GAS_USED_OVER},
		{"BlockException.INVALID_EXCESS_BLOB_GAS",
		 DURE_EBLOCK_EXCESS_BLOB_GAS},
		{"BlockException.INCORRECT_BLOB_GAS_USED",
		 DURE_EBLOCK_BLOB_GAS_USED},
		{"BlockException.INVALID_TRANSACTIONS_ROOT", DURE_EBLOCK_TX_ROOT},
		{"BlockException.INVALID_UNCLES_HASH", DURE_EBLOCK_OMMERS_HASH},
		{"BlockException.INVALID_WITHDRAWALS_ROOT",
		 DURE_EBLOCK_WITHDRAWALS_ROOT},
	};
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		size_t n = strlen(rules[i].name);
		for (const char *p = strstr(exc, rules[i].name); p;
		     p = strstr(p + 1, rules[i].name))
			if ((p == exc || p[-1] == '|') &&
			    (p[n] == '\0' || p[n] == '|'))
				return rules[i].err;
	}
	return -1;
}

typedef struct fx_counts {
	unsigned files, cases, valid, rejected, expected_rejected, undecoded;
} fx_counts;

#define MAX_KNOWN 512

/* The headers a case has accepted, its genesis first. */
typedef struct known {
	header h[MAX_KNOWN];
	h256 hash[MAX_KNOWN];
	size_t n;
} known;

static const header *find_parent(const known *k, const h256 *hash)
{
	for (size_t i = 0; i < k->n; i++)
		if (h256_eq(&k->hash[i], hash))
			return &k->h[i];
	return NULL;
}

static void remember(known *k, const header *h)
{
	if (k->n < MAX_KNOWN && header_hash(h, &k->hash[k->n]) == DURE_OK)
		k->h[k->n++] = *h;
}

static bool decode_hex_block(const char *hex, block *out)
{
	buf raw = BUF_INIT;
	bool ok = hex && hex_decode(hex, strlen(hex), &raw) == DURE_OK &&
	          block_decode(raw.data, raw.len, out) == DURE_OK;
	buf_free(&raw);
	return ok;
}

/* What a walk over the fixtures carries. */
typedef struct walk_ctx {
	fx_counts *n;
	known *k;
} walk_ctx;

static void check_case(const char *name, json_t *c, void *arg)
{
	fx_counts *n = ((walk_ctx *)arg)->n;
	known *k = ((walk_ctx *)arg)->k;
	chain_config cfg;
	const char *net = json_string_value(json_object_get(c, "network"));
	CHECK(net && chain_config_for_network(net, &cfg) == DURE_OK);
	if (!net || chain_config_for_network(net, &cfg) != DURE_OK)
		return;
	n->cases++;
	k->n = 0;
	block g;
	bool ok = decode_hex_block(
		json_string_value(json_object_get(c, "genesisRLP")), &g);
	CHECK(ok);
	if (!ok)
		return;
	remember(k, &g.h);
	block_free(&g);

	size_t i;
	json_t *jb;
	json_array_foreach(json_object_get(c, "blocks"), i, jb) {
		const char *exc =
			json_string_value(json_object_get(jb, "expectException"));
		block b;
		if (!decode_hex_block(
			    json_string_value(json_object_get(jb, "rlp")), &b)) {
			/* The block codec's to reject (its own tests). */
			CHECK(exc != NULL);
			n->undecoded++;
			continue;
		}
		const header *parent = find_parent(k, &b.h.parent_hash);
		if (!parent) {
			CHECK(exc != NULL);
			block_free(&b);
			continue;
		}
		fork rev = chain_config_fork(&cfg, b.h.number, b.h.timestamp);
		int err = header_validate(&cfg, rev, parent, &b.h);
		if (err == DURE_OK)
			err = body_validate(rev, &b);
		int want = exc ? rule_of(exc) : DURE_OK;
		if (!exc) {
			if (err != DURE_OK)
				fprintf(stderr, "%s: block %zu: %s\n", name, i,
				        dure_strerror(err));
			CHECK_EQ_INT(err, DURE_OK);
			n->valid += err == DURE_OK;
			remember(k, &b.h);
		} else if (want >= 0) {
			if (err != want)
				fprintf(stderr, "%s: block %zu (%s): %s\n", name, i,
				        exc, dure_strerror(err));
			CHECK_EQ_INT(err, want);
			n->expected_rejected++;
			n->rejected += err == want;
		}
		/* Other exceptions are other layers' rules (execution, the
		 * engine); their blocks often break these rules too, since
		 * the fillers build headers from the valid part alone. */
		block_free(&b);
	}
}

static void test_fixtures(void)
{
	char dir[4096];
	if (!fixture_dir("BlockchainTests", dir, sizeof dir))
		return;
	fx_counts n = {0};
	known *k = malloc(sizeof *k);
	CHECK(k != NULL);
	if (!k)
		return;
	walk_ctx w = {&n, k};
	n.files = fixture_walk(dir, check_case, &w);
	free(k);
	printf("BlockchainTests: %u files, %u cases, %u valid blocks pass, "
	       "%u of %u blocks breaking a header or body rule rejected by it, "
	       "%u undecodable skipped\n",
	       n.files, n.cases, n.valid, n.rejected, n.expected_rejected,
	       n.undecoded);
	CHECK(n.files > 0 && n.valid > 0 && n.expected_rejected > 0);
	CHECK_EQ_INT(n.rejected, n.expected_rejected);
}

TEST_MAIN(test_base_fee, test_excess_blob_gas, test_gas_limit_bound,
          test_header_rules, test_london_fork_block, test_body_rules,
          test_fixtures)
