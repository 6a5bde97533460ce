/* The eth_ chain methods through rpc_dispatch, over a small Cancun chain
 * in a temporary LMDB store:
 *
 *   block 1: key 1 calls LOG_A (value 1), key 2 calls LOG_B (value 2)
 *   block 2: key 1 sends ether to key 2 (no logs)
 *   block 3: key 1 calls LOG_A (value 3), key 2 creates an empty contract
 *
 * LOG_A and LOG_B run the same code: MSTORE(0, 42), LOG2(0, 32, 0x77,
 * CALLVALUE), so a log's second topic is the value sent. Log filters then
 * follow the head across a reorg and a rewind (blockchain_rewind, a dev
 * revert): the removed logs come first, marked removed, with their
 * block's hash, in geth's order. Expected values come from outside the
 * code under test: the
 * senders are the well-known addresses of secret keys 1 and 2, gas is
 * counted by hand from the yellow paper's costs, base fees follow
 * EIP-1559's formula, hashes are the import's. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdlib.h>
#include <string.h>

#include "api/eth_chain.h"
#include "api/ethjson.h"
#include "base/hex.h"
#include "chain/genesis.h"
#include "consensus/builder.h"
#include "crypto/keccak.h"
#include "test.h"
#include "log_contract.h"


static uint8_t keys[2][32];
static address log_a, log_b, key1, key2;

typedef struct chain {
	char dir[64];
	db *d;
	store *s;
	blockchain *bc;
	api_ctx ctx;
	api_eth_chain *ec;
	rpc_registry *reg;
	dure_fake_clock clock;
	h256 hashes[4];          /* of blocks 0..3 */
	h256 txh[3][2];          /* txh[n-1][i]: tx i of block n */
} chain;

static int rm_entry(const char *p, const struct stat *sb, int flag,
                    struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(p);
}

static char *genesis_json(void)
{
	json_t *g = json_pack(
	    "{s:{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i},"
	    "s:{s:{s:s},s:{s:s},s:{s:s},s:{s:s}},s:s,s:s,s:s,s:s}",
	    "config", "chainId", 1337, "homesteadBlock", 0, "eip150Block", 0,
	    "eip155Block", 0, "eip158Block", 0, "byzantiumBlock", 0,
	    "constantinopleBlock", 0, "petersburgBlock", 0, "istanbulBlock", 0,
	    "berlinBlock", 0, "londonBlock", 0, "mergeNetsplitBlock", 0,
	    "terminalTotalDifficulty", 0, "shanghaiTime", 0, "cancunTime", 0,
	    "alloc", KEY1_ADDR, "balance", "0x3635c9adc5dea00000", KEY2_ADDR,
	    "balance", "0x3635c9adc5dea00000", LOG_A, "code", LOG_CODE, LOG_B,
	    "code", LOG_CODE, "gasLimit", "0x1c9c380", "difficulty", "0x0",
	    "baseFeePerGas", "0x3b9aca00", "timestamp", "0x1000");
	char *text = json_dumps(g, JSON_COMPACT);
	json_decref(g);
	return text;
}

static tx call_tx(int key, uint64_t nonce, const address *to,
                  uint64_t value, uint64_t gas)
{
	tx t = {0};
	t.type = TX_DYNAMIC_FEE;
	t.has_chain_id = true;
	t.chain_id = 1337;
	t.nonce = nonce;
	t.max_priority_fee = u256_from_u64(1000000000);
	t.max_fee = u256_from_u64(100000000000ull);
	t.gas_limit = gas;
	t.has_to = to != NULL;
	if (to)
		t.to = *to;
	t.value = u256_from_u64(value);
	if (tx_sign(&t, keys[key]) != DURE_OK)
		abort();
	return t;
}

/* Builds a block of txs (taken) on the head and imports it. */
static bool grow(chain *c, tx *txs, size_t n, h256 *hash, h256 *txh)
{
	header head;
	h256 hh;
	block b = {0};
	bool ok = blockchain_head(c->bc, &head, &hh) == 0;
	build_opts o = {0};
	o.timestamp = head.timestamp + 12;
	int err = ok ? blockchain_build(c->bc, &o, txs, n, &b, NULL) : -1;
	import_result r;
	ok = err == 0 && blockchain_import(c->bc, &b, &r) == 0 && r.canonical;
	if (ok)
		*hash = r.hash;
	for (size_t i = 0; i < n; i++) {
		if (txh && tx_hash(&txs[i], &txh[i]))
			ok = false;
		tx_free(&txs[i]);
	}
	block_free(&b);
	return ok;
}

static bool chain_open(chain *c)
{
	memset(c, 0, sizeof *c);
	strcpy(c->dir, "/tmp/dure-ethchain-XXXXXX");
	if (!mkdtemp(c->dir))
		return false;
	char *text = genesis_json();
	json_t *j = json_loads(text, 0, NULL);
	genesis g = {0};
	bool ok = db_open(c->dir, &(db_options){.no_sync = true}, &c->d) == 0 &&
	          store_open(c->d, &c->s) == 0 && j &&
	          genesis_from_json(j, &g) == 0 &&
	          blockchain_init(c->s, &g, &c->hashes[0]) == 0 &&
	          blockchain_open(c->s, engine_merge(), NULL, &c->bc) == 0;
	genesis_free(&g);
	json_decref(j);
	free(text);
	if (!ok)
		return false;
	dure_fake_clock_init(&c->clock, 1000);
	c->ctx.bc = c->bc;
	c->ctx.client_version = "dure/test";
	return api_eth_chain_new(&c->ctx, &c->clock.clock, &c->ec) == 0 &&
	       rpc_registry_new(&c->reg) == 0 &&
	       api_eth_chain_register(c->reg, c->ec) == 0;
}

static bool chain_build(chain *c)
{
	tx b1[2] = {call_tx(0, 0, &log_a, 1, 100000),
	            call_tx(1, 0, &log_b, 2, 100000)};
	tx b2[1] = {call_tx(0, 1, &key2, 5, 21000)};
	tx b3[2] = {call_tx(0, 2, &log_a, 3, 100000),
	            call_tx(1, 1, NULL, 0, 100000)};
	return grow(c, b1, 2, &c->hashes[1], c->txh[0]) &&
	       grow(c, b2, 1, &c->hashes[2], c->txh[1]) &&
	       grow(c, b3, 2, &c->hashes[3], c->txh[2]);
}

static void chain_close(chain *c)
{
	rpc_registry_free(c->reg);
	api_eth_chain_free(c->ec);
	blockchain_free(c->bc);
	store_free(c->s);
	db_close(c->d);
	nftw(c->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Calls method with params (JSON text) and returns the whole response
 * object (owned). */
static json_t *call(chain *c, const char *method, const char *params)
{
	char body[4096];
	snprintf(body, sizeof body,
	         "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\",\"params\":%s}",
	         method, params);
	buf out = BUF_INIT;
	json_t *r = NULL;
	if (rpc_dispatch(c->reg, body, strlen(body), &out) == 0)
		r = json_loadb((const char *)out.data, out.len, 0, NULL);
	buf_free(&out);
	return r;
}

/* The result of a call, owned (NULL for an error or a JSON null). */
static json_t *result(chain *c, const char *method, const char *params)
{
	json_t *r = call(c, method, params);
	json_t *v = json_object_get(r, "result");
	if (v)
		json_incref(v);
	json_decref(r);
	if (json_is_null(v)) {
		json_decref(v);
		return NULL;
	}
	return v;
}

/* Whether the call answers exactly JSON null (not an error). */
static bool is_null_result(chain *c, const char *method, const char *params)
{
	json_t *r = call(c, method, params);
	bool ok = r && json_is_null(json_object_get(r, "result")) &&
	          !json_object_get(r, "error");
	json_decref(r);
	return ok;
}

/* Whether the call fails with code and a message equal to msg. */
static bool is_error(chain *c, const char *method, const char *params,
                     int code, const char *msg)
{
	json_t *r = call(c, method, params);
	json_t *e = json_object_get(r, "error");
	bool ok = e && json_integer_value(json_object_get(e, "code")) == code &&
	          strcmp(json_string_value(json_object_get(e, "message")), msg)
	              == 0;
	if (!ok) {
		char *s = json_dumps(r, 0);
		fprintf(stderr, "%s %s: %s\n", method, params, s ? s : "(none)");
		free(s);
	}
	json_decref(r);
	return ok;
}

static bool result_is(chain *c, const char *method, const char *params,
                      const char *want)
{
	json_t *v = result(c, method, params);
	bool ok = str_is(v, want);
	if (!ok)
		fprintf(stderr, "%s %s: got %s, want %s\n", method, params,
		        json_is_string(v) ? json_string_value(v) : "(non-string)",
		        want);
	json_decref(v);
	return ok;
}

static uint64_t q64(json_t *v)
{
	uint64_t x = UINT64_MAX;
	api_err e;
	if (ethjson_get_u64(v, &x, &e))
		return UINT64_MAX;
	return x;
}

static void test_simple(chain *c)
{
	CHECK(result_is(c, "web3_clientVersion", "[]", "dure/test"));
	CHECK(result_is(c, "web3_sha3", "[\"0x68656c6c6f20776f726c64\"]",
	                "0x47173285a8d7341e5e972fc677286384f802f8ef42a5ec5f03bbf"
	                "a254cb01fad"));
	CHECK(result_is(c, "net_version", "[]", "1337"));
	CHECK(result_is(c, "eth_chainId", "[]", "0x539"));
	CHECK(result_is(c, "eth_blockNumber", "[]", "0x3"));
	json_t *s = result(c, "eth_syncing", "[]");
	CHECK(json_is_false(s));
	json_decref(s);
	CHECK(is_error(c, "eth_blockNumber", "[1]", RPC_INVALID_PARAMS,
	               "too many arguments, want at most 0"));
	CHECK(is_error(c, "web3_sha3", "[\"0x1\"]", RPC_INVALID_PARAMS,
	               "invalid argument 0: json: cannot unmarshal hex string "
	               "of odd length into Go value of type hexutil.Bytes"));
}

static void test_blocks(chain *c)
{
	char h1[67], p[256];
	hex_of(&c->hashes[1], h1);
	json_t *bn = result(c, "eth_getBlockByNumber", "[\"0x1\", false]");
	snprintf(p, sizeof p, "[\"%s\", false]", h1);
	json_t *bh = result(c, "eth_getBlockByHash", p);
	CHECK(bn && json_equal(bn, bh));
	CHECK(str_is(json_object_get(bn, "hash"), h1));
	char h0[67];
	hex_of(&c->hashes[0], h0);
	CHECK(str_is(json_object_get(bn, "parentHash"), h0));
	CHECK_EQ_INT(q64(json_object_get(bn, "gasUsed")), 2 * LOG_CALL_GAS);
	/* EIP-1559: an empty genesis of 1 gwei drops the fee by 1/8. */
	CHECK(str_is(json_object_get(bn, "baseFeePerGas"), "0x342770c0"));
	json_t *txs = json_object_get(bn, "transactions");
	char t0[67];
	hex_of(&c->txh[0][0], t0);
	CHECK(json_array_size(txs) == 2 && str_is(json_array_get(txs, 0), t0));
	json_decref(bh);

	json_t *full = result(c, "eth_getBlockByNumber", "[\"0x1\", true]");
	json_t *ft = json_array_get(json_object_get(full, "transactions"), 1);
	CHECK(str_is(json_object_get(ft, "from"), KEY2_ADDR));
	CHECK(str_is(json_object_get(ft, "to"), LOG_B));
	/* 875000000 base fee + 1 gwei tip, under the 100 gwei cap */
	CHECK(str_is(json_object_get(ft, "gasPrice"), "0x6fc23ac0"));
	CHECK(str_is(json_object_get(ft, "blockHash"), h1));
	CHECK(str_is(json_object_get(ft, "transactionIndex"), "0x1"));
	json_decref(full);
	json_decref(bn);

	json_t *latest = result(c, "eth_getBlockByNumber", "[\"latest\", false]");
	char h3[67];
	hex_of(&c->hashes[3], h3);
	CHECK(str_is(json_object_get(latest, "hash"), h3));
	json_decref(latest);
	json_t *early = result(c, "eth_getBlockByNumber", "[\"earliest\", false]");
	CHECK(str_is(json_object_get(early, "hash"), h0));
	json_decref(early);

	CHECK(is_null_result(c, "eth_getBlockByNumber", "[\"0x4\", false]"));
	CHECK(is_null_result(c, "eth_getBlockByHash",
	                     "[\"0x00000000000000000000000000000000000000000000000"
	                     "00000000000000001\", false]"));
	CHECK(is_error(c, "eth_getBlockByNumber", "[\"1\", false]",
	               RPC_INVALID_PARAMS,
	               "invalid argument 0: hex string without 0x prefix"));
	CHECK(is_error(c, "eth_getBlockByNumber", "[\"0x1\"]", RPC_INVALID_PARAMS,
	               "missing value for required argument 1"));
	CHECK(is_error(c, "eth_getBlockByNumber", "[]", RPC_INVALID_PARAMS,
	               "missing value for required argument 0"));

	CHECK(result_is(c, "eth_getBlockTransactionCountByNumber", "[\"0x1\"]",
	                "0x2"));
	snprintf(p, sizeof p, "[\"%s\"]", h1);
	CHECK(result_is(c, "eth_getBlockTransactionCountByHash", p, "0x2"));
	CHECK(result_is(c, "eth_getBlockTransactionCountByNumber", "[\"0x2\"]",
	                "0x1"));
	CHECK(is_null_result(c, "eth_getBlockTransactionCountByNumber",
	                     "[\"0x9\"]"));
	CHECK(result_is(c, "eth_getUncleCountByBlockNumber", "[\"0x1\"]", "0x0"));
	CHECK(result_is(c, "eth_getUncleCountByBlockHash", p, "0x0"));
	CHECK(is_null_result(c, "eth_getUncleByBlockNumberAndIndex",
	                     "[\"0x1\", \"0x0\"]"));
}

static void test_transactions(chain *c)
{
	char th[67], p[256];
	hex_of(&c->txh[0][1], th);
	snprintf(p, sizeof p, "[\"%s\"]", th);
	json_t *t = result(c, "eth_getTransactionByHash", p);
	CHECK(str_is(json_object_get(t, "hash"), th));
	CHECK(str_is(json_object_get(t, "from"), KEY2_ADDR));
	CHECK(str_is(json_object_get(t, "blockNumber"), "0x1"));
	json_t *ti = result(c, "eth_getTransactionByBlockNumberAndIndex",
	                    "[\"0x1\", \"0x1\"]");
	CHECK(t && json_equal(t, ti));
	json_decref(ti);
	json_decref(t);
	CHECK(is_null_result(c, "eth_getTransactionByBlockNumberAndIndex",
	                     "[\"0x1\", \"0x2\"]"));
	CHECK(is_null_result(c, "eth_getTransactionByHash",
	                     "[\"0x00000000000000000000000000000000000000000000000"
	                     "00000000000000002\"]"));

	json_t *r = result(c, "eth_getTransactionReceipt", p);
	CHECK_EQ_INT(q64(json_object_get(r, "cumulativeGasUsed")),
	             2 * LOG_CALL_GAS);
	CHECK_EQ_INT(q64(json_object_get(r, "gasUsed")), LOG_CALL_GAS);
	CHECK(str_is(json_object_get(r, "status"), "0x1"));
	CHECK(str_is(json_object_get(r, "type"), "0x2"));
	CHECK(str_is(json_object_get(r, "from"), KEY2_ADDR));
	CHECK(json_is_null(json_object_get(r, "contractAddress")));
	CHECK(str_is(json_object_get(r, "effectiveGasPrice"), "0x6fc23ac0"));
	json_t *l = json_array_get(json_object_get(r, "logs"), 0);
	CHECK(str_is(json_object_get(l, "address"), LOG_B));
	CHECK(str_is(json_object_get(l, "logIndex"), "0x1"));
	CHECK(str_is(json_object_get(l, "transactionIndex"), "0x1"));
	CHECK(str_is(json_object_get(l, "data"), "0x0000000000000000000000000000"
	                                         "00000000000000000000000000000000"
	                                         "002a"));
	json_t *topics = json_object_get(l, "topics");
	CHECK(json_array_size(topics) == 2 &&
	      str_is(json_array_get(topics, 0), TOPIC0) &&
	      str_is(json_array_get(topics, 1), "0x0000000000000000000000000000"
	                                        "0000000000000000000000000000000"
	                                        "00002"));
	json_decref(r);

	/* The creation: its contract address holds an account (nonce 1 from
	 * EIP-161), and its gas is 21000 + 32000 with empty initcode. */
	hex_of(&c->txh[2][1], th);
	snprintf(p, sizeof p, "[\"%s\"]", th);
	r = result(c, "eth_getTransactionReceipt", p);
	CHECK_EQ_INT(q64(json_object_get(r, "gasUsed")), 53000);
	CHECK_EQ_INT(q64(json_object_get(r, "cumulativeGasUsed")),
	             LOG_CALL_GAS + 53000);
	CHECK(json_is_null(json_object_get(r, "to")));
	address ca;
	api_err e;
	CHECK_EQ_INT(ethjson_get_address(json_object_get(r, "contractAddress"),
	                                 &ca, &e), 0);
	db_txn *rt;
	state_account acct;
	CHECK_EQ_INT(db_begin_read(c->d, &rt), 0);
	CHECK_EQ_INT(store_account(c->s, rt, &ca, &acct), 0);
	CHECK_EQ_INT(acct.nonce, 1);
	db_abort(rt);
	json_decref(r);

	json_t *all = result(c, "eth_getBlockReceipts", "[\"0x3\"]");
	CHECK_EQ_INT(json_array_size(all), 2);
	CHECK(str_is(json_object_get(json_array_get(all, 1), "transactionHash"),
	             th));
	json_decref(all);
	all = result(c, "eth_getBlockReceipts", "[\"0x2\"]");
	CHECK_EQ_INT(json_array_size(all), 1);
	json_decref(all);
	CHECK(is_null_result(c, "eth_getBlockReceipts", "[\"0x7\"]"));
	all = result(c, "eth_getBlockReceipts", "[{\"blockNumber\":\"0x0\"}]");
	CHECK(json_is_array(all) && json_array_size(all) == 0);
	json_decref(all);
}

static size_t nlogs(chain *c, const char *filter)
{
	char p[1024];
	snprintf(p, sizeof p, "[%s]", filter);
	json_t *a = result(c, "eth_getLogs", p);
	size_t n = json_is_array(a) ? json_array_size(a) : 999;
	json_decref(a);
	return n;
}

static void test_logs(chain *c)
{
	CHECK_EQ_INT(nlogs(c, "{\"fromBlock\":\"0x0\"}"), 3);
	CHECK_EQ_INT(nlogs(c, "{}"), 1);   /* latest only: block 3 */
	CHECK_EQ_INT(nlogs(c, "{\"fromBlock\":\"earliest\",\"toBlock\":\"0x2\"}"),
	             2);
	CHECK_EQ_INT(nlogs(c, "{\"fromBlock\":\"0x2\",\"toBlock\":\"0x2\"}"), 0);
	CHECK_EQ_INT(nlogs(c, "{\"fromBlock\":\"0x0\",\"address\":\"" LOG_A
	                      "\"}"), 2);
	CHECK_EQ_INT(nlogs(c, "{\"fromBlock\":\"0x0\",\"address\":[\"" LOG_A
	                      "\",\"" LOG_B "\"]}"), 3);
	CHECK_EQ_INT(nlogs(c, "{\"fromBlock\":\"0x0\",\"address\":\"" KEY1_ADDR
	                      "\"}"), 0);
	CHECK_EQ_INT(nlogs(c, "{\"fromBlock\":\"0x0\",\"topics\":[\"" TOPIC0
	                      "\"]}"), 3);
	CHECK_EQ_INT(nlogs(c, "{\"fromBlock\":\"0x0\",\"topics\":[null,[\"0x000"
	                      "0000000000000000000000000000000000000000000000000"
	                      "000000000003\",\"0x00000000000000000000000000000"
	                      "00000000000000000000000000000000001\"]]}"), 2);
	CHECK_EQ_INT(nlogs(c, "{\"fromBlock\":\"0x0\",\"address\":\"" LOG_B
	                      "\",\"topics\":[null,\"0x000000000000000000000000"
	                      "0000000000000000000000000000000000000001\"]}"), 0);
	/* Three positions where the logs have two topics: no match. */
	CHECK_EQ_INT(nlogs(c, "{\"fromBlock\":\"0x0\",\"topics\":[null,null,"
	                      "null]}"), 0);

	char p[512], h1[67];
	hex_of(&c->hashes[1], h1);
	snprintf(p, sizeof p, "{\"blockHash\":\"%s\"}", h1);
	CHECK_EQ_INT(nlogs(c, p), 2);
	snprintf(p, sizeof p, "[{\"fromBlock\":\"0x0\",\"address\":\"" LOG_A
	                      "\"}]");
	json_t *a = result(c, "eth_getLogs", p);
	json_t *l = json_array_get(a, 1);
	char t[67], h3[67];
	hex_of(&c->txh[2][0], t);
	hex_of(&c->hashes[3], h3);
	CHECK(str_is(json_object_get(l, "transactionHash"), t));
	CHECK(str_is(json_object_get(l, "blockHash"), h3));
	CHECK(str_is(json_object_get(l, "blockNumber"), "0x3"));
	CHECK(str_is(json_object_get(l, "logIndex"), "0x0"));
	CHECK(json_is_false(json_object_get(l, "removed")));
	json_decref(a);

	CHECK(is_error(c, "eth_getLogs",
	               "[{\"fromBlock\":\"0x3\",\"toBlock\":\"0x1\"}]",
	               RPC_INVALID_PARAMS, "invalid block range params"));
	CHECK(is_error(c, "eth_getLogs",
	               "[{\"topics\":[null,null,null,null,null]}]",
	               RPC_INVALID_PARAMS, "invalid argument 0: exceed max topics"));
	CHECK(is_error(c, "eth_getLogs", "[{\"address\":\"0x12\"}]",
	               RPC_INVALID_PARAMS,
	               "invalid argument 0: invalid address: hex string has "
	               "length 2, want 40 for common.Address"));
	snprintf(p, sizeof p, "[{\"blockHash\":\"%s\",\"fromBlock\":\"0x1\"}]",
	         h1);
	CHECK(is_error(c, "eth_getLogs", p, RPC_INVALID_PARAMS,
	               "invalid argument 0: cannot specify both BlockHash and "
	               "FromBlock/ToBlock, choose one or the other"));
	CHECK(is_error(c, "eth_getLogs",
	               "[{\"blockHash\":\"0x000000000000000000000000000000000000"
	               "0000000000000000000000000009\"}]", -32000,
	               "unknown block"));
	/* A range is clamped to the head; past it there is nothing. */
	CHECK_EQ_INT(nlogs(c, "{\"fromBlock\":\"0x9\",\"toBlock\":\"0xa\"}"), 0);
}

/* The next block of the test chain (head 3) with a base fee of 7 wei. */
static int next_at_7(void *ctx, header *out)
{
	(void)ctx;
	memset(out, 0, sizeof *out);
	out->number = 4;
	out->has_base_fee = true;
	out->base_fee = u256_from_u64(7);
	return DURE_OK;
}

static void test_fees(chain *c)
{
	/* Block 3 used 22404 + 53000 of 30000000: its child's base fee goes
	 * down by (target - used) / target / 8 of its own. */
	json_t *b3 = result(c, "eth_getBlockByNumber", "[\"0x3\", false]");
	uint64_t bf = q64(json_object_get(b3, "baseFeePerGas"));
	json_decref(b3);
	uint64_t target = 30000000 / 2, used = LOG_CALL_GAS + 53000;
	uint64_t next = bf - bf * (target - used) / target / 8;
	json_t *gp = result(c, "eth_gasPrice", "[]");
	CHECK_EQ_INT(q64(gp), next + 1000000000);
	json_decref(gp);
	CHECK(result_is(c, "eth_maxPriorityFeePerGas", "[]", "0x3b9aca00"));
	CHECK(result_is(c, "eth_blobBaseFee", "[]", "0x1"));

	json_t *fh = result(c, "eth_feeHistory", "[\"0x2\", \"latest\", [25, 75]]");
	CHECK(str_is(json_object_get(fh, "oldestBlock"), "0x2"));
	json_t *base = json_object_get(fh, "baseFeePerGas");
	CHECK_EQ_INT(json_array_size(base), 3);
	CHECK_EQ_INT(q64(json_array_get(base, 1)), bf);
	CHECK_EQ_INT(q64(json_array_get(base, 2)), next);
	json_t *rw = json_object_get(fh, "reward");
	CHECK_EQ_INT(json_array_size(rw), 2);
	/* Every tx tips 1 gwei. */
	CHECK(str_is(json_array_get(json_array_get(rw, 1), 0), "0x3b9aca00"));
	CHECK(str_is(json_array_get(json_array_get(rw, 1), 1), "0x3b9aca00"));
	double ratio = json_real_value(json_array_get(
	    json_object_get(fh, "gasUsedRatio"), 1));
	CHECK(ratio > 0.00251 && ratio < 0.00252);
	CHECK_EQ_INT(json_array_size(json_object_get(fh, "baseFeePerBlobGas")), 3);
	json_decref(fh);
	/* More blocks than exist: from genesis. */
	fh = result(c, "eth_feeHistory", "[10, \"0x1\", []]");
	CHECK(str_is(json_object_get(fh, "oldestBlock"), "0x0"));
	CHECK(json_object_get(fh, "reward") == NULL);
	CHECK(str_is(json_array_get(json_object_get(fh, "baseFeePerGas"), 0),
	             "0x3b9aca00"));
	json_decref(fh);
	CHECK(is_error(c, "eth_feeHistory", "[\"0x1\", \"latest\", [50, 10]]",
	               RPC_INVALID_PARAMS, "invalid reward percentile: "
	               "#0:50.000000 >= #1:10.000000"));
	CHECK(is_error(c, "eth_feeHistory", "[\"0x1\", \"latest\", [101]]",
	               RPC_INVALID_PARAMS,
	               "invalid reward percentile: 101.000000"));
	CHECK(is_error(c, "eth_feeHistory", "[\"0x1\", \"0x9\"]", -32000,
	               "request beyond head block: requested 9, head 3"));

	/* A node that sets its next block's base fee (a dev node's
	 * setNextBlockBaseFeePerGas) is believed: 7 wei here. */
	c->ctx.next_header = next_at_7;
	c->ctx.next_header_ctx = c;
	gp = result(c, "eth_gasPrice", "[]");
	CHECK_EQ_INT(q64(gp), 7 + 1000000000);
	json_decref(gp);
	fh = result(c, "eth_feeHistory", "[\"0x1\", \"latest\", []]");
	CHECK_EQ_INT(q64(json_array_get(json_object_get(fh, "baseFeePerGas"), 1)),
	             7);
	json_decref(fh);
	c->ctx.next_header = NULL;
}

static char *filter_id(chain *c, const char *method, const char *params)
{
	json_t *v = result(c, method, params);
	char *id = json_is_string(v) ? strdup(json_string_value(v)) : NULL;
	json_decref(v);
	return id;
}

static size_t changes(chain *c, const char *id, json_t **out)
{
	char p[128];
	snprintf(p, sizeof p, "[\"%s\"]", id);
	json_t *a = result(c, "eth_getFilterChanges", p);
	size_t n = json_is_array(a) ? json_array_size(a) : 999;
	if (out)
		*out = a;
	else
		json_decref(a);
	return n;
}

static void test_filters(chain *c)
{
	char *blocks = filter_id(c, "eth_newBlockFilter", "[]");
	char *pending = filter_id(c, "eth_newPendingTransactionFilter", "[]");
	char *logs = filter_id(c, "eth_newFilter", "[{\"address\":\"" LOG_A
	                                           "\"}]");
	CHECK(blocks && pending && logs && strlen(logs) == 34);
	CHECK(strcmp(blocks, pending) != 0 && strcmp(pending, logs) != 0);
	CHECK_EQ_INT(changes(c, blocks, NULL), 0);
	CHECK_EQ_INT(changes(c, logs, NULL), 0);

	h256 b4, t4[1];
	tx b[1] = {call_tx(0, 3, &log_a, 9, 100000)};
	CHECK(grow(c, b, 1, &b4, t4));
	api_filters_on_head(c->ec, NULL, 0, &b4, 1);
	api_filters_on_pending_tx(c->ec, &t4[0]);
	json_t *a;
	char hex[67];
	hex_of(&b4, hex);
	CHECK_EQ_INT(changes(c, blocks, &a), 1);
	CHECK(str_is(json_array_get(a, 0), hex));
	json_decref(a);
	CHECK_EQ_INT(changes(c, blocks, NULL), 0);
	hex_of(&t4[0], hex);
	CHECK_EQ_INT(changes(c, pending, &a), 1);
	CHECK(str_is(json_array_get(a, 0), hex));
	json_decref(a);
	CHECK_EQ_INT(changes(c, logs, &a), 1);
	CHECK(str_is(json_object_get(json_array_get(a, 0), "transactionHash"),
	             hex));
	json_decref(a);
	CHECK_EQ_INT(changes(c, logs, NULL), 0);

	char p[128];
	snprintf(p, sizeof p, "[\"%s\"]", logs);
	json_t *all = result(c, "eth_getFilterLogs", p);
	CHECK_EQ_INT(json_array_size(all), 1);   /* latest only, no fromBlock */
	json_decref(all);
	snprintf(p, sizeof p, "[\"%s\"]", blocks);
	CHECK(is_error(c, "eth_getFilterLogs", p, -32000, "filter not found"));

	/* Polled just now: alive 5 minutes less 1 ms later, gone at 5. */
	c->clock.now += API_FILTER_TIMEOUT_MS - 1;
	CHECK_EQ_INT(changes(c, pending, NULL), 0);
	c->clock.now += 1;
	CHECK(is_error(c, "eth_getFilterChanges", p, -32000, "filter not found"));
	snprintf(p, sizeof p, "[\"%s\"]", pending);
	json_t *u = result(c, "eth_uninstallFilter", p);
	CHECK(json_is_true(u));
	json_decref(u);
	u = result(c, "eth_uninstallFilter", p);
	CHECK(json_is_false(u));
	json_decref(u);
	CHECK(is_error(c, "eth_getFilterChanges", "[\"0x1234\"]", -32000,
	               "filter not found"));

	char *more = filter_id(c, "eth_newFilter",
	                       "[{\"fromBlock\":\"0x0\",\"address\":\"" LOG_A
	                       "\"}]");
	snprintf(p, sizeof p, "[\"%s\"]", more);
	all = result(c, "eth_getFilterLogs", p);
	CHECK_EQ_INT(json_array_size(all), 3);
	json_decref(all);
	free(more);
	free(blocks);
	free(pending);
	free(logs);

	/* The table is bounded. */
	size_t made = 0;
	for (size_t i = 0; i < API_FILTERS_MAX + 1; i++) {
		char *id = filter_id(c, "eth_newBlockFilter", "[]");
		made += id != NULL;
		free(id);
	}
	CHECK(made < API_FILTERS_MAX + 1);
	CHECK(is_error(c, "eth_newBlockFilter", "[]", -32005,
	               "too many filters installed"));
}

/* Tells the filters how the head moved from old (blockchain_route). */
static void moved(chain *c, const h256 *old)
{
	header h;
	h256 head;
	chain_route r;
	CHECK_EQ_INT(blockchain_head(c->bc, &h, &head), 0);
	CHECK_EQ_INT(blockchain_route(c->bc, old, &head, &r), 0);
	api_filters_on_head(c->ec, r.removed, r.nremoved, r.added, r.nadded);
	blockchain_route_free(&r);
}

/* Whether a removed log is the log eth_getLogs finds at index i of its
 * block (still stored, as a side block) but for removed. */
static bool same_as_stored(chain *c, const json_t *l, const h256 *hash,
                           size_t i)
{
	char p[128];
	block_logs_params(hash, p);
	return removed_copy_of(result(c, "eth_getLogs", p), i, l);
}

/* On head 4: block 5 (key 2 calls LOG_B with 5, key 1 LOG_A with 6) is
 * reorganised away for 5' (key 1 calls LOG_B with 7) and 6' (key 2 calls
 * LOG_A with 8), then 5' and 6' are rewound as a dev revert does, and
 * 5'' (key 1 calls LOG_A with 10) takes height 5 again. */
static void test_reorg_logs(chain *c)
{
	/* test_filters filled the table: let those filters expire. */
	c->clock.now += API_FILTER_TIMEOUT_MS;
	char *any = filter_id(c, "eth_newFilter", "[{}]");
	char *idle = filter_id(c, "eth_newFilter", "[{}]");
	char *from6 = filter_id(c, "eth_newFilter", "[{\"fromBlock\":\"0x6\"}]");
	char *by_b = filter_id(c, "eth_newFilter",
	                       "[{\"address\":\"" LOG_B "\"}]");
	char *blocks = filter_id(c, "eth_newBlockFilter", "[]");
	CHECK(any && idle && from6 && by_b && blocks);
	if (!any || !idle || !from6 || !by_b || !blocks)
		goto out;

	h256 h4, h5, t5[2];
	header head;
	CHECK_EQ_INT(blockchain_head(c->bc, &head, &h4), 0);
	CHECK_EQ_INT(head.number, 4);
	tx b5[2] = {call_tx(1, 2, &log_b, 5, 100000),
	            call_tx(0, 4, &log_a, 6, 100000)};
	CHECK(grow(c, b5, 2, &h5, t5));
	moved(c, &h4);
	json_t *a;
	CHECK_EQ_INT(changes(c, any, &a), 2);
	CHECK(log_at(json_array_get(a, 0), &h5, "0x5", &t5[0], "0x0", LOG_B, 5,
	             false));
	CHECK(log_at(json_array_get(a, 1), &h5, "0x5", &t5[1], "0x1", LOG_A, 6,
	             false));
	json_decref(a);
	/* A filter installed now has not reported block 5, but geth reports
	 * a removed block sealed before it was installed too. */
	char *late = filter_id(c, "eth_newFilter", "[{}]");
	CHECK(late != NULL);
	CHECK_EQ_INT(changes(c, by_b, NULL), 1);
	CHECK_EQ_INT(changes(c, from6, NULL), 0);
	CHECK_EQ_INT(changes(c, blocks, NULL), 1);

	/* The reorg: 5 leaves, 5' and 6' join. */
	h256 h5b, h6b, t5b[1], t6b[1];
	CHECK_EQ_INT(blockchain_rewind(c->bc, 4), 0);
	tx b5b[1] = {call_tx(0, 4, &log_b, 7, 100000)};
	tx b6b[1] = {call_tx(1, 2, &log_a, 8, 100000)};
	CHECK(grow(c, b5b, 1, &h5b, t5b));
	CHECK(grow(c, b6b, 1, &h6b, t6b));
	moved(c, &h5);
	CHECK_EQ_INT(changes(c, any, &a), 4);
	CHECK(log_at(json_array_get(a, 0), &h5, "0x5", &t5[0], "0x0", LOG_B, 5,
	             true));
	CHECK(log_at(json_array_get(a, 1), &h5, "0x5", &t5[1], "0x1", LOG_A, 6,
	             true));
	CHECK(same_as_stored(c, json_array_get(a, 0), &h5, 0));
	CHECK(same_as_stored(c, json_array_get(a, 1), &h5, 1));
	CHECK(log_at(json_array_get(a, 2), &h5b, "0x5", &t5b[0], "0x0", LOG_B,
	             7, false));
	CHECK(log_at(json_array_get(a, 3), &h6b, "0x6", &t6b[0], "0x0", LOG_A,
	             8, false));
	json_decref(a);
	json_t *l;
	CHECK_EQ_INT(changes(c, late, &l), 4);
	CHECK(log_at(json_array_get(l, 0), &h5, "0x5", &t5[0], "0x0", LOG_B, 5,
	             true));
	CHECK(log_at(json_array_get(l, 3), &h6b, "0x6", &t6b[0], "0x0", LOG_A,
	             8, false));
	json_decref(l);
	/* Not polled since block 5 came: block 5 was never reported, so
	 * nothing is taken back; the new branch is reported. */
	CHECK_EQ_INT(changes(c, idle, &a), 2);
	CHECK(log_at(json_array_get(a, 0), &h5b, "0x5", &t5b[0], "0x0", LOG_B,
	             7, false));
	CHECK(log_at(json_array_get(a, 1), &h6b, "0x6", &t6b[0], "0x0", LOG_A,
	             8, false));
	json_decref(a);
	/* Polled past block 5, which is below its fromBlock 6: the removed
	 * block is not its to report. */
	CHECK_EQ_INT(changes(c, from6, &a), 1);
	CHECK(log_at(json_array_get(a, 0), &h6b, "0x6", &t6b[0], "0x0", LOG_A,
	             8, false));
	json_decref(a);
	CHECK_EQ_INT(changes(c, by_b, &a), 2);
	CHECK(log_at(json_array_get(a, 0), &h5, "0x5", &t5[0], "0x0", LOG_B, 5,
	             true));
	CHECK(log_at(json_array_get(a, 1), &h5b, "0x5", &t5b[0], "0x0", LOG_B,
	             7, false));
	json_decref(a);
	char hex[67];
	CHECK_EQ_INT(changes(c, blocks, &a), 2);
	hex_of(&h5b, hex);
	CHECK(str_is(json_array_get(a, 0), hex));
	hex_of(&h6b, hex);
	CHECK(str_is(json_array_get(a, 1), hex));
	json_decref(a);
	CHECK_EQ_INT(changes(c, any, NULL), 0);

	/* A rewind alone: 5' and 6' leave, oldest first; no block joins. */
	CHECK_EQ_INT(blockchain_rewind(c->bc, 4), 0);
	moved(c, &h6b);
	CHECK_EQ_INT(changes(c, any, &a), 2);
	CHECK(log_at(json_array_get(a, 0), &h5b, "0x5", &t5b[0], "0x0", LOG_B,
	             7, true));
	CHECK(log_at(json_array_get(a, 1), &h6b, "0x6", &t6b[0], "0x0", LOG_A,
	             8, true));
	json_decref(a);
	CHECK_EQ_INT(changes(c, blocks, NULL), 0);
	CHECK_EQ_INT(changes(c, any, NULL), 0);

	/* Height 5 again, told as `dure dev` tells it (no removed blocks):
	 * a filter that reported block 5 before reports 5''. */
	h256 h5c, t5c[1];
	tx b5c[1] = {call_tx(0, 4, &log_a, 10, 100000)};
	CHECK(grow(c, b5c, 1, &h5c, t5c));
	api_filters_on_head(c->ec, NULL, 0, &h5c, 1);
	CHECK_EQ_INT(changes(c, any, &a), 1);
	CHECK(log_at(json_array_get(a, 0), &h5c, "0x5", &t5c[0], "0x0", LOG_A,
	             10, false));
	json_decref(a);
	free(late);
out:
	free(any);
	free(idle);
	free(from6);
	free(by_b);
	free(blocks);
}

/* A pool lookup that knows one transaction. */
static h256 pool_hash;
static int pool_lookup(void *arg, const h256 *hash, tx *out, address *from)
{
	(void)arg;
	if (!h256_eq(hash, &pool_hash))
		return DURE_ENOTFOUND;
	*out = call_tx(0, 7, &key2, 1, 21000);
	*from = key1;
	return DURE_OK;
}

static void test_pool_lookup(chain *c)
{
	memset(pool_hash.b, 0x42, 32);
	api_eth_chain_set_pool_lookup(c->ec, pool_lookup, NULL);
	char hex[67], p[128];
	hex_of(&pool_hash, hex);
	snprintf(p, sizeof p, "[\"%s\"]", hex);
	json_t *t = result(c, "eth_getTransactionByHash", p);
	CHECK(str_is(json_object_get(t, "from"), KEY1_ADDR));
	CHECK(json_is_null(json_object_get(t, "blockHash")));
	CHECK(str_is(json_object_get(t, "nonce"), "0x7"));
	json_decref(t);
	api_eth_chain_set_pool_lookup(c->ec, NULL, NULL);
	CHECK(is_null_result(c, "eth_getTransactionByHash", p));
}

static void test_chain(void)
{
	chain c;
	bool ok = chain_open(&c);
	CHECK(ok);
	CHECK(ok && chain_build(&c));
	if (ok) {
		test_simple(&c);
		test_blocks(&c);
		test_transactions(&c);
		test_logs(&c);
		test_fees(&c);
		test_filters(&c);
		test_reorg_logs(&c);
		test_pool_lookup(&c);
	}
	chain_close(&c);
}

static void setup(void)
{
	for (int i = 0; i < 2; i++) {
		memset(keys[i], 0, 32);
		keys[i][31] = (uint8_t)(i + 1);
	}
	memset(log_a.b, 0xaa, 20);
	memset(log_b.b, 0xbb, 20);
	if (hex_decode_exact(KEY1_ADDR, key1.b, 20) ||
	    hex_decode_exact(KEY2_ADDR, key2.b, 20))
		abort();
}

TEST_MAIN(setup, test_chain)
