#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/hex.h"
#include "chain/block.h"
#include "chain/config.h"
#include "chain/genesis.h"
#include "rlp/rlp.h"
#include "state/state.h"
#include "fixture_walk.h"
#include "trie/trie.h"
#include "test.h"

/* ---- fork schedules ---- */

/* Ethereum mainnet's schedule (geth's params.MainnetChainConfig), with
 * the keys this reader ignores left in. */
static const char MAINNET[] =
	"{\"chainId\": 1, \"homesteadBlock\": 1150000, \"daoForkBlock\": 1920000,"
	" \"eip150Block\": 2463000, \"eip155Block\": 2675000,"
	" \"eip158Block\": 2675000, \"byzantiumBlock\": 4370000,"
	" \"constantinopleBlock\": 7280000, \"petersburgBlock\": 7280000,"
	" \"istanbulBlock\": 9069000, \"muirGlacierBlock\": 9200000,"
	" \"berlinBlock\": 12244000, \"londonBlock\": 12965000,"
	" \"arrowGlacierBlock\": 13773000, \"grayGlacierBlock\": 15050000,"
	" \"terminalTotalDifficulty\": \"58750000000000000000000\","
	" \"shanghaiTime\": 1681338455, \"cancunTime\": 1710338135,"
	" \"ethash\": {}}";

/* 58750000000000000000000 */
static const u256 MAINNET_TTD = {{0xd808a128d7380000ULL, 0xc70, 0, 0}};

static int config_from_string(const char *s, chain_config *c)
{
	json_error_t jerr;
	json_t *j = json_loads(s, 0, &jerr);
	if (!j) {
		fprintf(stderr, "bad test JSON: %s: %s\n", s, jerr.text);
		abort();
	}
	int err = chain_config_from_json(j, c);
	json_decref(j);
	return err;
}

static void test_mainnet_schedule(void)
{
	chain_config c;
	CHECK_EQ_INT(config_from_string(MAINNET, &c), DURE_OK);
	CHECK_EQ_INT(c.chain_id, 1);
	CHECK(c.has_ttd);
	CHECK(u256_eq(&c.ttd, &MAINNET_TTD));
	static const struct { uint64_t number; fork f; } by_number[] = {
		{0, FORK_FRONTIER}, {1149999, FORK_FRONTIER},
		{1150000, FORK_HOMESTEAD}, {2462999, FORK_HOMESTEAD},
		{2463000, FORK_TANGERINE}, {2674999, FORK_TANGERINE},
		{2675000, FORK_SPURIOUS}, {4370000, FORK_BYZANTIUM},
		{7279999, FORK_BYZANTIUM}, {7280000, FORK_PETERSBURG},
		{9069000, FORK_ISTANBUL}, {12243999, FORK_ISTANBUL},
		{12244000, FORK_BERLIN}, {12964999, FORK_BERLIN},
		{12965000, FORK_LONDON},
		/* The Merge block: by number alone it is still London. */
		{15537394, FORK_LONDON},
	};
	for (size_t i = 0; i < sizeof by_number / sizeof by_number[0]; i++)
		CHECK_EQ_INT(chain_config_fork(&c, by_number[i].number, 1663224162),
		             by_number[i].f);

	u256 below = u256_sub(&MAINNET_TTD, &(u256){{1, 0, 0, 0}});
	u256 above = u256_add(&MAINNET_TTD, &(u256){{1, 0, 0, 0}});
	CHECK_EQ_INT(chain_config_fork_td(&c, 15537393, 1663224150, &below),
	             FORK_LONDON);
	CHECK_EQ_INT(chain_config_fork_td(&c, 15537394, 1663224162,
	                                  &MAINNET_TTD), FORK_PARIS);
	CHECK_EQ_INT(chain_config_fork_td(&c, 17034869, 1681338443, &above),
	             FORK_PARIS);
	CHECK_EQ_INT(chain_config_fork_td(&c, 17034870, 1681338455, &above),
	             FORK_SHANGHAI);
	CHECK_EQ_INT(chain_config_fork_td(&c, 19426586, 1710338123, &above),
	             FORK_SHANGHAI);
	CHECK_EQ_INT(chain_config_fork_td(&c, 19426587, 1710338135, &above),
	             FORK_CANCUN);
	/* A late timestamp does not make a pre-merge block Shanghai. */
	CHECK_EQ_INT(chain_config_fork_td(&c, 15000000, 1710338135, &below),
	             FORK_LONDON);
	CHECK_EQ_INT(chain_config_fork(&c, 19426587, 1710338135), FORK_LONDON);
	/* Nor does a reached difficulty make a pre-London block Paris. */
	CHECK_EQ_INT(chain_config_fork_td(&c, 12964999, 1710338135, &above),
	             FORK_BERLIN);
}

static void test_schedule_variants(void)
{
	chain_config c;
	/* geth: no petersburgBlock means Petersburg with Constantinople. */
	CHECK_EQ_INT(config_from_string(
		"{\"chainId\": \"0x539\", \"homesteadBlock\": 0, \"eip150Block\": 0,"
		" \"eip155Block\": 0, \"eip158Block\": 0, \"byzantiumBlock\": \"2\","
		" \"constantinopleBlock\": \"0x5\"}", &c), DURE_OK);
	CHECK_EQ_INT(c.chain_id, 1337);
	CHECK_EQ_INT(c.activation[FORK_PETERSBURG], 5);
	CHECK_EQ_INT(chain_config_fork(&c, 1, 0), FORK_SPURIOUS);
	CHECK_EQ_INT(chain_config_fork(&c, 4, 0), FORK_BYZANTIUM);
	CHECK_EQ_INT(chain_config_fork(&c, 5, 0), FORK_PETERSBURG);
	CHECK_EQ_INT(chain_config_fork(&c, 1000000, 0), FORK_PETERSBURG);
	CHECK(!c.has_ttd);

	CHECK_EQ_INT(config_from_string(
		"{\"chainId\": 1, \"homesteadBlock\": 0, \"eip150Block\": 0,"
		" \"eip155Block\": 0, \"eip158Block\": 0, \"byzantiumBlock\": 0,"
		" \"constantinopleBlock\": 5, \"petersburgBlock\": 10}", &c),
	             DURE_OK);
	CHECK_EQ_INT(chain_config_fork(&c, 7, 0), FORK_CONSTANTINOPLE);
	CHECK_EQ_INT(chain_config_fork(&c, 10, 0), FORK_PETERSBURG);

	/* mergeNetsplitBlock decides by number, whatever the difficulty. */
	static const char netsplit[] =
		"{\"chainId\": 1, \"homesteadBlock\": 0, \"eip150Block\": 0,"
		" \"eip155Block\": 0, \"eip158Block\": 0, \"byzantiumBlock\": 0,"
		" \"constantinopleBlock\": 0, \"petersburgBlock\": 0,"
		" \"istanbulBlock\": 0, \"berlinBlock\": 0, \"londonBlock\": 0,"
		" \"mergeNetsplitBlock\": 10, \"terminalTotalDifficulty\": 0,"
		" \"shanghaiTime\": 100}";
	CHECK_EQ_INT(config_from_string(netsplit, &c), DURE_OK);
	u256 big = u256_from_u64(1000);
	CHECK_EQ_INT(chain_config_fork_td(&c, 9, 200, &big), FORK_LONDON);
	CHECK_EQ_INT(chain_config_fork(&c, 9, 200), FORK_LONDON);
	CHECK_EQ_INT(chain_config_fork(&c, 10, 99), FORK_PARIS);
	CHECK_EQ_INT(chain_config_fork(&c, 10, 100), FORK_SHANGHAI);
	CHECK_EQ_INT(chain_config_fork(&c, 11, 100), FORK_SHANGHAI);

	/* A terminal difficulty of 0 is merged from genesis; hex ttd. */
	CHECK_EQ_INT(config_from_string(
		"{\"chainId\": 1, \"homesteadBlock\": 0, \"eip150Block\": 0,"
		" \"eip155Block\": 0, \"eip158Block\": 0, \"byzantiumBlock\": 0,"
		" \"constantinopleBlock\": 0, \"petersburgBlock\": 0,"
		" \"istanbulBlock\": 0, \"berlinBlock\": 0, \"londonBlock\": 0,"
		" \"terminalTotalDifficulty\": \"0x0\", \"shanghaiTime\": 0,"
		" \"cancunTime\": 0}", &c), DURE_OK);
	CHECK_EQ_INT(chain_config_fork(&c, 0, 0), FORK_CANCUN);
	CHECK_EQ_INT(c.activation[FORK_PARIS], CHAIN_NEVER);

	/* Nothing but a chain id: Frontier for ever. */
	CHECK_EQ_INT(config_from_string("{\"chainId\": 7}", &c), DURE_OK);
	CHECK_EQ_INT(chain_config_fork(&c, 100000000, 2000000000),
	             FORK_FRONTIER);
}

static void test_schedule_rejected(void)
{
	static const char *const bad[] = {
		/* out of order */
		"{\"chainId\": 1, \"homesteadBlock\": 10, \"eip150Block\": 5}",
		"{\"chainId\": 1, \"homesteadBlock\": 0, \"eip150Block\": 0,"
		" \"eip155Block\": 0, \"eip158Block\": 0, \"byzantiumBlock\": 10,"
		" \"constantinopleBlock\": 5}",
		/* a fork after a missing one */
		"{\"chainId\": 1, \"eip150Block\": 0}",
		"{\"chainId\": 1, \"homesteadBlock\": 0, \"londonBlock\": 0}",
		/* Spurious Dragon's two keys disagree, or one is missing */
		"{\"chainId\": 1, \"homesteadBlock\": 0, \"eip150Block\": 0,"
		" \"eip155Block\": 1, \"eip158Block\": 2}",
		"{\"chainId\": 1, \"homesteadBlock\": 0, \"eip150Block\": 0,"
		" \"eip158Block\": 2}",
		/* the Merge before London, Shanghai without the Merge */
		"{\"chainId\": 1, \"homesteadBlock\": 0, \"eip150Block\": 0,"
		" \"eip155Block\": 0, \"eip158Block\": 0, \"byzantiumBlock\": 0,"
		" \"constantinopleBlock\": 0, \"petersburgBlock\": 0,"
		" \"istanbulBlock\": 0, \"berlinBlock\": 0,"
		" \"terminalTotalDifficulty\": 0}",
		"{\"chainId\": 1, \"homesteadBlock\": 0, \"eip150Block\": 0,"
		" \"eip155Block\": 0, \"eip158Block\": 0, \"byzantiumBlock\": 0,"
		" \"constantinopleBlock\": 0, \"petersburgBlock\": 0,"
		" \"istanbulBlock\": 0, \"berlinBlock\": 0, \"londonBlock\": 5,"
		" \"mergeNetsplitBlock\": 4, \"terminalTotalDifficulty\": 0}",
		"{\"chainId\": 1, \"homesteadBlock\": 0, \"eip150Block\": 0,"
		" \"eip155Block\": 0, \"eip158Block\": 0, \"byzantiumBlock\": 0,"
		" \"constantinopleBlock\": 0, \"petersburgBlock\": 0,"
		" \"istanbulBlock\": 0, \"berlinBlock\": 0, \"londonBlock\": 0,"
		" \"shanghaiTime\": 0}",
		/* Cancun before or without Shanghai */
		"{\"chainId\": 1, \"homesteadBlock\": 0, \"eip150Block\": 0,"
		" \"eip155Block\": 0, \"eip158Block\": 0, \"byzantiumBlock\": 0,"
		" \"constantinopleBlock\": 0, \"petersburgBlock\": 0,"
		" \"istanbulBlock\": 0, \"berlinBlock\": 0, \"londonBlock\": 0,"
		" \"terminalTotalDifficulty\": 0, \"shanghaiTime\": 10,"
		" \"cancunTime\": 9}",
		"{\"chainId\": 1, \"homesteadBlock\": 0, \"eip150Block\": 0,"
		" \"eip155Block\": 0, \"eip158Block\": 0, \"byzantiumBlock\": 0,"
		" \"constantinopleBlock\": 0, \"petersburgBlock\": 0,"
		" \"istanbulBlock\": 0, \"berlinBlock\": 0, \"londonBlock\": 0,"
		" \"terminalTotalDifficulty\": 0, \"cancunTime\": 9}",
		/* bad values */
		"{\"homesteadBlock\": 0}",
		"{\"chainId\": -1}",
		"{\"chainId\": 1, \"homesteadBlock\": -1}",
		"{\"chainId\": 1, \"homesteadBlock\": 1.5}",
		"{\"chainId\": 1, \"homesteadBlock\": true}",
		"{\"chainId\": 1, \"homesteadBlock\": \"0xzz\"}",
		"{\"chainId\": 1, \"homesteadBlock\": \"\"}",
		"{\"chainId\": 1, \"homesteadBlock\": \"0x10000000000000000\"}",
		"{\"chainId\": 1, \"homesteadBlock\": \"0xffffffffffffffff\"}",
		"{\"chainId\": 1, \"homesteadBlock\": 0, \"eip150Block\": 0,"
		" \"eip155Block\": 0, \"eip158Block\": 0, \"byzantiumBlock\": 0,"
		" \"constantinopleBlock\": 0, \"petersburgBlock\": 0,"
		" \"istanbulBlock\": 0, \"berlinBlock\": 0, \"londonBlock\": 0,"
		" \"terminalTotalDifficulty\": \"0x1" "0000000000000000"
		"0000000000000000" "0000000000000000" "0000000000000000\"}",
		"{\"chainId\": 1, \"homesteadBlock\": 0, \"eip150Block\": 0,"
		" \"eip155Block\": 0, \"eip158Block\": 0, \"byzantiumBlock\": 0,"
		" \"constantinopleBlock\": 0, \"petersburgBlock\": 0,"
		" \"istanbulBlock\": 0, \"berlinBlock\": 0, \"londonBlock\": 0,"
		" \"terminalTotalDifficulty\": \"lots\"}",
		"[]",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		chain_config c;
		memset(&c, 0xa5, sizeof c);
		int err = config_from_string(bad[i], &c);
		if (err != DURE_EJSON)
			fprintf(stderr, "accepted: %s\n", bad[i]);
		CHECK_EQ_INT(err, DURE_EJSON);
		chain_config zero;
		memset(&zero, 0, sizeof zero);
		CHECK_MEM(&c, &zero, sizeof c);
	}
}

static void test_networks(void)
{
	chain_config c;
	CHECK_EQ_INT(chain_config_for_network("Cancun", &c), DURE_OK);
	CHECK_EQ_INT(c.chain_id, 1);
	CHECK_EQ_INT(chain_config_fork(&c, 0, 0), FORK_CANCUN);
	CHECK_EQ_INT(chain_config_for_network("Frontier", &c), DURE_OK);
	CHECK_EQ_INT(chain_config_fork(&c, 1000, 1000), FORK_FRONTIER);
	CHECK_EQ_INT(chain_config_for_network("EIP150", &c), DURE_OK);
	CHECK_EQ_INT(chain_config_fork(&c, 1000, 0), FORK_TANGERINE);
	CHECK_EQ_INT(chain_config_for_network("ConstantinopleFix", &c), DURE_OK);
	CHECK_EQ_INT(chain_config_fork(&c, 0, 0), FORK_PETERSBURG);
	CHECK_EQ_INT(chain_config_for_network("London", &c), DURE_OK);
	CHECK_EQ_INT(chain_config_fork(&c, 0, 0), FORK_LONDON);
	CHECK(!c.has_ttd);
	CHECK_EQ_INT(chain_config_for_network("Merge", &c), DURE_OK);
	CHECK_EQ_INT(chain_config_fork(&c, 0, 0), FORK_PARIS);
	CHECK_EQ_INT(chain_config_fork(&c, 0, 2000000000), FORK_PARIS);

	static const struct {
		const char *name;
		uint64_t number, timestamp;
		fork f;
	} at[] = {
		{"FrontierToHomesteadAt5", 4, 0, FORK_FRONTIER},
		{"FrontierToHomesteadAt5", 5, 0, FORK_HOMESTEAD},
		{"HomesteadToEIP150At5", 0, 0, FORK_HOMESTEAD},
		{"HomesteadToEIP150At5", 5, 0, FORK_TANGERINE},
		{"HomesteadToDaoAt5", 0, 0, FORK_HOMESTEAD},
		{"HomesteadToDaoAt5", 6, 0, FORK_HOMESTEAD},
		{"EIP158ToByzantiumAt5", 4, 0, FORK_SPURIOUS},
		{"EIP158ToByzantiumAt5", 5, 0, FORK_BYZANTIUM},
		{"ByzantiumToConstantinopleFixAt5", 4, 0, FORK_BYZANTIUM},
		{"ByzantiumToConstantinopleFixAt5", 5, 0, FORK_PETERSBURG},
		{"BerlinToLondonAt5", 4, 0, FORK_BERLIN},
		{"BerlinToLondonAt5", 5, 0, FORK_LONDON},
		{"ArrowGlacierToParisAtDiffC0000", 100, 0, FORK_LONDON},
		{"ParisToShanghaiAtTime15k", 3, 14999, FORK_PARIS},
		{"ParisToShanghaiAtTime15k", 3, 15000, FORK_SHANGHAI},
		{"ShanghaiToCancunAtTime15k", 0, 0, FORK_SHANGHAI},
		{"ShanghaiToCancunAtTime15k", 2, 14999, FORK_SHANGHAI},
		{"ShanghaiToCancunAtTime15k", 2, 15000, FORK_CANCUN},
	};
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		CHECK_EQ_INT(chain_config_for_network(at[i].name, &c), DURE_OK);
		CHECK_EQ_INT(chain_config_fork(&c, at[i].number, at[i].timestamp),
		             at[i].f);
	}

	CHECK_EQ_INT(chain_config_for_network("ArrowGlacierToParisAtDiffC0000",
	                                      &c), DURE_OK);
	u256 td = u256_from_u64(0xBFFFF);
	CHECK_EQ_INT(chain_config_fork_td(&c, 3, 0, &td), FORK_LONDON);
	td = u256_from_u64(0xC0000);
	CHECK_EQ_INT(chain_config_fork_td(&c, 4, 0, &td), FORK_PARIS);

	memset(&c, 0xa5, sizeof c);
	CHECK_EQ_INT(chain_config_for_network("Prague", &c), DURE_EINVAL);
	CHECK_EQ_INT(chain_config_for_network("", &c), DURE_EINVAL);
}

/* ---- genesis files ---- */

static const char *fixtures(void)
{
	const char *d = getenv("DURE_FIXTURES");
	if (!d) {
		fprintf(stderr, "DURE_FIXTURES is not set\n");
		CHECK(d != NULL);
	}
	return d;
}

static json_t *load_json(const char *path)
{
	json_error_t jerr;
	json_t *j = json_load_file(path, 0, &jerr);
	if (!j)
		fprintf(stderr, "%s:%d: %s\n", path, jerr.line, jerr.text);
	CHECK(j != NULL);
	return j;
}

static int genesis_from_string(const char *s, genesis *g)
{
	json_error_t jerr;
	json_t *j = json_loads(s, 0, &jerr);
	if (!j) {
		fprintf(stderr, "bad test JSON: %s: %s\n", s, jerr.text);
		abort();
	}
	int err = genesis_from_json(j, g);
	json_decref(j);
	return err;
}

/* Builds g's state in memory and returns its header. */
static int build(const genesis *g, header *h)
{
	state *st;
	int err = state_new(&st);
	if (err)
		return err;
	h256 root;
	if (!(err = genesis_apply(g, st)) && !(err = state_root(st, &root)))
		*h = genesis_header(g, &root);
	state_free(st);
	return err;
}

/* GenesisTests: each case is a genesis file (with no config: Frontier)
 * plus "result", the RLP of the genesis block, whose header must be the
 * one we build, byte for byte. */
static void test_basic_genesis_tests(void)
{
	const char *dir = fixtures();
	if (!dir)
		return;
	char path[4096];
	snprintf(path, sizeof path, "%s/GenesisTests/basic_genesis_tests.json",
	         dir);
	json_t *file = load_json(path);
	if (!file)
		return;
	size_t ncases = 0;
	const char *name;
	json_t *tc;
	json_object_foreach(file, name, tc) {
		ncases++;
		buf want = BUF_INIT, got = BUF_INIT;
		const char *result = json_string_value(json_object_get(tc, "result"));
		CHECK(result != NULL);
		if (!result || hex_decode(result, strlen(result), &want)) {
			CHECK(!"result is hex");
			continue;
		}
		rlp_cur c, blk;
		rlp_cur_init(&c, want.data, want.len);
		rlp_cur_list(&c, &blk);
		const uint8_t *hp;
		size_t hn;
		rlp_cur_raw(&blk, &hp, &hn);
		CHECK_EQ_INT(blk.err, DURE_OK);

		genesis g;
		header h;
		CHECK_EQ_INT(genesis_from_json(tc, &g), DURE_OK);
		CHECK_EQ_INT(build(&g, &h), DURE_OK);
		CHECK_EQ_INT(header_encode(&h, &got), DURE_OK);
		bool same = got.len == hn && memcmp(got.data, hp, hn) == 0;
		if (!same)
			fprintf(stderr, "GenesisTests %s: header differs\n", name);
		CHECK(same);
		header want_h;
		CHECK_EQ_INT(header_decode(hp, hn, &want_h), DURE_OK);
		CHECK(h256_eq(&h.state_root, &want_h.state_root));
		genesis_free(&g);
		buf_free(&want);
		buf_free(&got);
	}
	CHECK_EQ_INT(ncases, 3);
	json_decref(file);
}

/* geth's names of the keys chain_config_from_json reads, per fork. */
static const char *const FORK_KEYS[FORK_COUNT_] = {
	[FORK_HOMESTEAD] = "homesteadBlock",
	[FORK_TANGERINE] = "eip150Block",
	[FORK_SPURIOUS] = "eip158Block",
	[FORK_BYZANTIUM] = "byzantiumBlock",
	[FORK_CONSTANTINOPLE] = "constantinopleBlock",
	[FORK_PETERSBURG] = "petersburgBlock",
	[FORK_ISTANBUL] = "istanbulBlock",
	[FORK_BERLIN] = "berlinBlock",
	[FORK_LONDON] = "londonBlock",
	[FORK_PARIS] = "mergeNetsplitBlock",
	[FORK_SHANGHAI] = "shanghaiTime",
	[FORK_CANCUN] = "cancunTime",
};

static json_t *config_json(const chain_config *c)
{
	json_t *o = json_object();
	json_object_set_new(o, "chainId", json_integer((json_int_t)c->chain_id));
	for (int f = FORK_HOMESTEAD; f < FORK_COUNT_; f++)
		if (c->activation[f] != CHAIN_NEVER)
			json_object_set_new(o, FORK_KEYS[f],
			                    json_integer((json_int_t)c->activation[f]));
	if (c->activation[FORK_SPURIOUS] != CHAIN_NEVER)
		json_object_set_new(o, "eip155Block", json_integer(
			(json_int_t)c->activation[FORK_SPURIOUS]));
	if (c->has_ttd) {
		char hex[67];
		u256_to_hex(&c->ttd, hex);
		json_object_set_new(o, "terminalTotalDifficulty", json_string(hex));
	}
	return o;
}

/* The genesis a BlockchainTests case describes: its network's config,
 * its pre-state, and the header fields of genesisBlockHeader. */
static json_t *blockchain_genesis(json_t *tc)
{
	static const char *const fields[] = {
		"gasLimit", "difficulty", "baseFeePerGas", "extraData", "timestamp",
		"mixHash", "nonce", "coinbase", "parentHash", "number", "gasUsed",
		"blobGasUsed", "excessBlobGas",
	};
	const char *network = json_string_value(json_object_get(tc, "network"));
	chain_config c;
	if (!network || chain_config_for_network(network, &c))
		return NULL;
	json_t *gh = json_object_get(tc, "genesisBlockHeader");
	json_t *g = json_object();
	json_object_set_new(g, "config", config_json(&c));
	json_object_set(g, "alloc", json_object_get(tc, "pre"));
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		json_t *v = json_object_get(gh, fields[i]);
		if (v)
			json_object_set(g, fields[i], v);
	}
	return g;
}

static void check_blockchain_case(const char *name, json_t *tc)
{
	json_t *gj = blockchain_genesis(tc);
	CHECK(gj != NULL);
	if (!gj) {
		fprintf(stderr, "%s: no genesis\n", name);
		return;
	}
	json_t *gh = json_object_get(tc, "genesisBlockHeader");
	h256 want_root, want_hash, hash;
	CHECK_EQ_INT(hex_decode_exact(json_string_value(json_object_get(
		gh, "stateRoot")), want_root.b, 32), DURE_OK);
	CHECK_EQ_INT(hex_decode_exact(json_string_value(json_object_get(
		gh, "hash")), want_hash.b, 32), DURE_OK);

	genesis g;
	header h;
	int err = genesis_from_json(gj, &g);
	if (!err)
		err = build(&g, &h);
	if (!err)
		err = header_hash(&h, &hash);
	CHECK_EQ_INT(err, DURE_OK);
	if (!err) {
		bool root_ok = h256_eq(&h.state_root, &want_root);
		bool hash_ok = h256_eq(&hash, &want_hash);
		if (!root_ok || !hash_ok)
			fprintf(stderr, "%s: %s differs\n", name,
			        root_ok ? "hash" : "state root");
		CHECK(root_ok);
		CHECK(hash_ok);
	}
	genesis_free(&g);
	json_decref(gj);
}

static void count_blockchain_case(const char *name, json_t *tc, void *arg)
{
	check_blockchain_case(name, tc);
	(*(size_t *)arg)++;
}

static void test_blockchain_genesis(void)
{
	const char *dir = fixtures();
	if (!dir)
		return;
	char path[4096];
	snprintf(path, sizeof path, "%s/BlockchainTests", dir);
	size_t ncases = 0;
	fixture_walk(path, count_blockchain_case, &ncases);
	CHECK_EQ_INT(ncases, 573);
}

/* ---- defaults, bounds and the file reader ---- */

#define CANCUN_CONFIG \
	"{\"chainId\": 1, \"homesteadBlock\": 0, \"eip150Block\": 0," \
	" \"eip155Block\": 0, \"eip158Block\": 0, \"byzantiumBlock\": 0," \
	" \"constantinopleBlock\": 0, \"petersburgBlock\": 0," \
	" \"istanbulBlock\": 0, \"berlinBlock\": 0, \"londonBlock\": 0," \
	" \"terminalTotalDifficulty\": 0, \"shanghaiTime\": 0, \"cancunTime\": 0}"

static void test_defaults(void)
{
	genesis g;
	/* geth's defaults before the Merge: gas limit 4712388, difficulty
	 * 131072; London brings the 1 gwei initial base fee. */
	CHECK_EQ_INT(genesis_from_string(
		"{\"config\": {\"chainId\": 1, \"homesteadBlock\": 0,"
		" \"eip150Block\": 0, \"eip155Block\": 0, \"eip158Block\": 0,"
		" \"byzantiumBlock\": 0, \"constantinopleBlock\": 0,"
		" \"istanbulBlock\": 0, \"berlinBlock\": 0, \"londonBlock\": 0},"
		" \"nonce\": \"0x42\", \"alloc\": {}}", &g), DURE_OK);
	CHECK_EQ_INT(g.h.gas_limit, 4712388);
	CHECK(u256_eq(&g.h.difficulty, &(u256){{131072, 0, 0, 0}}));
	CHECK(g.h.has_base_fee);
	CHECK(u256_eq(&g.h.base_fee, &(u256){{1000000000, 0, 0, 0}}));
	CHECK(!g.h.has_withdrawals_root);
	CHECK(!g.h.has_blob_gas);
	CHECK_MEM(g.h.nonce, "\0\0\0\0\0\0\0\x42", 8);
	CHECK(h256_eq(&g.h.ommers_hash, &EMPTY_OMMERS_HASH));
	CHECK(h256_eq(&g.h.tx_root, &TRIE_EMPTY_ROOT));
	CHECK(h256_eq(&g.h.receipts_root, &TRIE_EMPTY_ROOT));
	genesis_free(&g);

	/* Merged at genesis: no default difficulty; Shanghai and Cancun
	 * fields; the file's base fee and blob gas. */
	CHECK_EQ_INT(genesis_from_string(
		"{\"config\": " CANCUN_CONFIG ", \"gasLimit\": 30000000,"
		" \"baseFeePerGas\": \"7\", \"excessBlobGas\": \"0x20000\","
		" \"alloc\": {}}", &g), DURE_OK);
	CHECK_EQ_INT(g.h.gas_limit, 30000000);
	CHECK(u256_is_zero(&g.h.difficulty));
	CHECK(u256_eq(&g.h.base_fee, &(u256){{7, 0, 0, 0}}));
	CHECK(g.h.has_withdrawals_root);
	CHECK(h256_eq(&g.h.withdrawals_root, &TRIE_EMPTY_ROOT));
	CHECK(g.h.has_blob_gas);
	CHECK_EQ_INT(g.h.blob_gas_used, 0);
	CHECK_EQ_INT(g.h.excess_blob_gas, 0x20000);
	CHECK(g.h.has_parent_beacon_root);
	genesis_free(&g);

	/* Shanghai's fields come by the genesis timestamp. */
	CHECK_EQ_INT(genesis_from_string(
		"{\"config\": {\"chainId\": 1, \"homesteadBlock\": 0,"
		" \"eip150Block\": 0, \"eip155Block\": 0, \"eip158Block\": 0,"
		" \"byzantiumBlock\": 0, \"constantinopleBlock\": 0,"
		" \"istanbulBlock\": 0, \"berlinBlock\": 0, \"londonBlock\": 0,"
		" \"terminalTotalDifficulty\": 0, \"shanghaiTime\": 100},"
		" \"timestamp\": \"99\"}", &g), DURE_OK);
	CHECK(!g.h.has_withdrawals_root);
	genesis_free(&g);
	CHECK_EQ_INT(genesis_from_string(
		"{\"config\": {\"chainId\": 1, \"homesteadBlock\": 0,"
		" \"eip150Block\": 0, \"eip155Block\": 0, \"eip158Block\": 0,"
		" \"byzantiumBlock\": 0, \"constantinopleBlock\": 0,"
		" \"istanbulBlock\": 0, \"berlinBlock\": 0, \"londonBlock\": 0,"
		" \"terminalTotalDifficulty\": 0, \"shanghaiTime\": 100},"
		" \"timestamp\": \"0x64\"}", &g), DURE_OK);
	CHECK(g.h.has_withdrawals_root);
	CHECK(!g.h.has_blob_gas);
	genesis_free(&g);
}

static void test_alloc(void)
{
	genesis g;
	CHECK_EQ_INT(genesis_from_string(
		"{\"config\": " CANCUN_CONFIG ", \"alloc\": {"
		" \"0x00000000000000000000000000000000000000bb\": {"
		"   \"balance\": \"0x10\", \"nonce\": \"3\", \"code\": \"0x6000\","
		"   \"storage\": {\"0x01\": \"0x00\", \"02\": \"0x05\","
		"                 \"0x0000000000000000000000000000000000000000"
		"000000000000000000000003\": \"0x0100\"}},"
		" \"00000000000000000000000000000000000000aa\": {"
		"   \"balance\": 1000}}}", &g), DURE_OK);
	CHECK_EQ_INT(g.nalloc, 2);
	if (g.nalloc == 2) {
		genesis_account *a = &g.alloc[0], *b = &g.alloc[1];
		CHECK_EQ_INT(a->addr.b[19], 0xaa);
		CHECK(u256_eq(&a->balance, &(u256){{1000, 0, 0, 0}}));
		CHECK_EQ_INT(a->code_len, 0);
		CHECK_EQ_INT(b->addr.b[19], 0xbb);
		CHECK_EQ_INT(b->nonce, 3);
		CHECK(u256_eq(&b->balance, &(u256){{16, 0, 0, 0}}));
		CHECK_EQ_INT(b->code_len, 2);
		/* The zero slot is dropped; keys are hex even without 0x. */
		CHECK_EQ_INT(b->nstorage, 2);
		if (b->nstorage == 2) {
			CHECK(u256_eq(&b->storage[0].key, &(u256){{2, 0, 0, 0}}));
			CHECK(u256_eq(&b->storage[0].value, &(u256){{5, 0, 0, 0}}));
			CHECK(u256_eq(&b->storage[1].key, &(u256){{3, 0, 0, 0}}));
			CHECK(u256_eq(&b->storage[1].value,
			              &(u256){{0x100, 0, 0, 0}}));
		}
	}
	genesis_free(&g);
	CHECK_EQ_INT(g.nalloc, 0);
	CHECK(g.alloc == NULL);

	char extra[2 * HEADER_EXTRA_MAX + 200];
	memset(extra, 0, sizeof extra);
	strcpy(extra, "{\"extraData\": \"0x");
	memset(extra + strlen(extra), 'a', 2 * HEADER_EXTRA_MAX);
	strcat(extra, "\"}");
	CHECK_EQ_INT(genesis_from_string(extra, &g), DURE_OK);
	CHECK_EQ_INT(g.h.extra_len, HEADER_EXTRA_MAX);
	CHECK_EQ_INT(g.h.extra[HEADER_EXTRA_MAX - 1], 0xaa);
	genesis_free(&g);
	strcpy(extra + strlen(extra) - 2, "aa\"}");

	const char *const bad[] = {
		"[]",
		"{\"config\": 5}",
		"{\"config\": {\"chainId\": 1, \"eip150Block\": 0}}",
		"{\"gasLimit\": \"0x10000000000000000\"}",
		"{\"gasLimit\": -5}",
		"{\"nonce\": \"0x10000000000000000\"}",
		"{\"mixHash\": \"0x00\"}",
		"{\"coinbase\": \"0x12\"}",
		"{\"extraData\": \"0x123\"}",
		"{\"extraData\": 12}",
		"{\"alloc\": []}",
		"{\"alloc\": {\"0x12\": {}}}",
		"{\"alloc\": {\"00000000000000000000000000000000000000aa\": 1}}",
		"{\"alloc\": {\"00000000000000000000000000000000000000aa\":"
		" {\"balance\": \"0x1g\"}}}",
		"{\"alloc\": {\"00000000000000000000000000000000000000aa\":"
		" {\"code\": \"0x600\"}}}",
		"{\"alloc\": {\"00000000000000000000000000000000000000aa\":"
		" {\"storage\": {\"0x1\": 5}}}}",
		"{\"alloc\": {\"00000000000000000000000000000000000000aa\":"
		" {\"storage\": {\"0x" "00000000000000000000000000000000"
		"000000000000000000000000000000001\": \"0x1\"}}}}",
		/* two spellings of one address, of one slot */
		"{\"alloc\": {\"00000000000000000000000000000000000000aa\": {},"
		" \"0x00000000000000000000000000000000000000AA\": {}}}",
		"{\"alloc\": {\"00000000000000000000000000000000000000aa\":"
		" {\"storage\": {\"0x1\": \"0x1\", \"0x01\": \"0x0\"}}}}",
		extra,
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&g, 0xa5, sizeof g);
		int err = genesis_from_string(bad[i], &g);
		if (err == DURE_OK) {
			fprintf(stderr, "accepted: %.200s\n", bad[i]);
			genesis_free(&g);
		}
		CHECK(err != DURE_OK);
		genesis zero;
		memset(&zero, 0, sizeof zero);
		CHECK_MEM(&g, &zero, sizeof g);
	}
}

/* geth's files give the terminal difficulty as a bare integer beyond 64
 * bits, which the loader must read exactly; strings holding long digit
 * runs stay as they are. */
static void test_load(void)
{
	char path[] = "/tmp/dure_genesis_XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	FILE *f = fdopen(fd, "w");
	fputs("{\"config\": {\"chainId\": 1, \"homesteadBlock\": 0,"
	      " \"eip150Block\": 0, \"eip155Block\": 0, \"eip158Block\": 0,"
	      " \"byzantiumBlock\": 0, \"constantinopleBlock\": 0,"
	      " \"istanbulBlock\": 0, \"berlinBlock\": 0, \"londonBlock\": 0,"
	      " \"terminalTotalDifficulty\": 58750000000000000000000},"
	      " \"extraData\": \"0x1234567890123456789012345678901234567890\","
	      " \"alloc\": {\"00000000000000000000000000000000000000aa\":"
	      " {\"balance\": \"100000000000000000000000\"}}}", f);
	fclose(f);
	genesis g;
	CHECK_EQ_INT(genesis_load(path, &g), DURE_OK);
	CHECK(g.config.has_ttd);
	CHECK(u256_eq(&g.config.ttd, &MAINNET_TTD));
	CHECK_EQ_INT(g.h.extra_len, 20);
	CHECK_EQ_INT(g.h.extra[19], 0x90);
	CHECK_EQ_INT(g.nalloc, 1);
	/* 100000 ether */
	CHECK(g.nalloc == 1 && u256_eq(&g.alloc[0].balance,
	      &(u256){{0x02c7e14af6800000ULL, 0x152d, 0, 0}}));
	genesis_free(&g);
	remove(path);

	memset(&g, 0xa5, sizeof g);
	CHECK_EQ_INT(genesis_load("/nonexistent/genesis.json", &g), DURE_EIO);
	genesis zero;
	memset(&zero, 0, sizeof zero);
	CHECK_MEM(&g, &zero, sizeof g);
}

/* chain_config_to_json writes what geth's files say: mainnet's keys
 * and values come back as in MAINNET (the ignored keys aside), and every
 * fixture network reads back to the same config. */
static void test_config_json(void)
{
	chain_config c, back;
	CHECK_EQ_INT(config_from_string(MAINNET, &c), DURE_OK);
	json_t *j = NULL;
	CHECK_EQ_INT(chain_config_to_json(&c, &j), DURE_OK);
	static const struct { const char *key; json_int_t v; } keys[] = {
		{"chainId", 1}, {"homesteadBlock", 1150000},
		{"eip150Block", 2463000}, {"eip155Block", 2675000},
		{"eip158Block", 2675000}, {"byzantiumBlock", 4370000},
		{"constantinopleBlock", 7280000}, {"petersburgBlock", 7280000},
		{"istanbulBlock", 9069000}, {"berlinBlock", 12244000},
		{"londonBlock", 12965000}, {"shanghaiTime", 1681338455},
		{"cancunTime", 1710338135},
	};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		CHECK_EQ_INT(json_integer_value(json_object_get(j, keys[i].key)),
		             keys[i].v);
	CHECK(json_object_get(j, "mergeNetsplitBlock") == NULL);
	CHECK(strcmp(json_string_value(json_object_get(
	                 j, "terminalTotalDifficulty")),
	             "0xc70d808a128d7380000") == 0);
	CHECK_EQ_INT(chain_config_from_json(j, &back), DURE_OK);
	CHECK(memcmp(&c, &back, sizeof c) == 0);
	json_decref(j);
	static const char *const nets[] = {
		"Frontier", "Homestead", "EIP150", "EIP158", "Byzantium",
		"ConstantinopleFix", "Istanbul", "Berlin", "London", "Paris",
		"Shanghai", "Cancun", "BerlinToLondonAt5", "ParisToShanghaiAtTime15k",
		"ShanghaiToCancunAtTime15k", "ArrowGlacierToParisAtDiffC0000",
	};
	for (size_t i = 0; i < sizeof nets / sizeof nets[0]; i++) {
		CHECK_EQ_INT(chain_config_for_network(nets[i], &c), DURE_OK);
		CHECK_EQ_INT(chain_config_to_json(&c, &j), DURE_OK);
		CHECK_EQ_INT(chain_config_from_json(j, &back), DURE_OK);
		CHECK(memcmp(&c, &back, sizeof c) == 0);
		json_decref(j);
	}
	/* A dev chain's two properties travel under their own keys, only
	 * when set, and only as booleans. */
	CHECK_EQ_INT(chain_config_for_network("Cancun", &c), DURE_OK);
	CHECK_EQ_INT(chain_config_to_json(&c, &j), DURE_OK);
	CHECK(json_object_get(j, "dureDevChain") == NULL);
	CHECK(json_object_get(j, "allowUnlimitedContractSize") == NULL);
	json_decref(j);
	c.dev_rules = c.unlimited_code_size = true;
	CHECK_EQ_INT(chain_config_to_json(&c, &j), DURE_OK);
	CHECK(json_is_true(json_object_get(j, "dureDevChain")));
	CHECK(json_is_true(json_object_get(j, "allowUnlimitedContractSize")));
	CHECK_EQ_INT(chain_config_from_json(j, &back), DURE_OK);
	CHECK(back.dev_rules && back.unlimited_code_size);
	json_object_set_new(j, "dureDevChain", json_integer(1));
	CHECK_EQ_INT(chain_config_from_json(j, &back), DURE_EJSON);
	json_decref(j);
}

TEST_MAIN(test_config_json, test_mainnet_schedule, test_schedule_variants,
          test_schedule_rejected, test_networks, test_basic_genesis_tests,
          test_blockchain_genesis, test_defaults, test_alloc, test_load)
