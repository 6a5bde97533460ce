/* The debug_ tracing methods through rpc_dispatch, over a small Cancun
 * chain in a temporary LMDB store (the chain of test_api_eth_state.c):
 *
 *   genesis: keys 1 and 2 funded; contract C with slot 0 = 5
 *   block 1: key 1 sends 1000 wei to key 2; key 1 calls C.set(7)
 *   block 2: key 2 calls C.set(9); key 1 sends 5 wei to key 2
 *
 * Expected values are worked out by hand: intrinsic gas (21000 + 16 per
 * nonzero calldata byte + 4 per zero one), EIP-2929/2200 SSTORE costs, and
 * the values each block wrote. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdlib.h>
#include <string.h>

#include "api/debug.h"
#include "api/eth_state.h"
#include "api/ethjson.h"
#include "base/hex.h"
#include "chain/genesis.h"
#include "consensus/builder.h"
#include "crypto/keccak.h"
#include "rlp/rlp.h"
#include "test.h"
#include "trie/trie.h"

#define KEY1_ADDR "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf"
#define KEY2_ADDR "0x2b5ad5c4795c026514f8317c7a215e218dccd6cf"
#define C_ADDR "0xcccccccccccccccccccccccccccccccccccccccc"
/* "nope" as Error(string): selector, offset 32, length 4, the bytes. */
#define NOPE_ABI                                                              \
	"08c379a0"                                                                \
	"0000000000000000000000000000000000000000000000000000000000000020"        \
	"0000000000000000000000000000000000000000000000000000000000000004"        \
	"6e6f706500000000000000000000000000000000000000000000000000000000"
#define C_CODE                                                                \
	"0x600035" "60f81c" "80" "600114" "601e57" "600214" "602e57"              \
	"600054" "600052" "60206000f3"                                            \
	"5b50" "600135" "600055" "6077" "60006000" "a1" "00"                      \
	"5b" "6064" "603b" "6000" "39" "60646000fd" NOPE_ABI
#define WORD(x) "0x00000000000000000000000000000000000000000000000000000000000000" x

static uint8_t keys[2][32];
static address key1, key2, caddr;
static h256 set7_hash, send5_hash;

typedef struct chain {
	char dir[64];
	db *d;
	store *s;
	blockchain *bc;
	api_ctx ctx;
	api_debug *dbg;
	rpc_registry *reg;
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
	    "s:{s:{s:s},s:{s:s},s:{s:s,s:{s:s}}},s:s,s:s,s:s,s:s}",
	    "config", "chainId", 1337, "homesteadBlock", 0, "eip150Block", 0,
	    "eip155Block", 0, "eip158Block", 0, "byzantiumBlock", 0,
	    "constantinopleBlock", 0, "petersburgBlock", 0, "istanbulBlock", 0,
	    "berlinBlock", 0, "londonBlock", 0, "mergeNetsplitBlock", 0,
	    "terminalTotalDifficulty", 0, "shanghaiTime", 0, "cancunTime", 0,
	    "alloc", KEY1_ADDR, "balance", "0x3635c9adc5dea00000", KEY2_ADDR,
	    "balance", "0x3635c9adc5dea00000", C_ADDR, "code", C_CODE, "storage",
	    WORD("00"), WORD("05"), "gasLimit", "0x1c9c380", "difficulty", "0x0",
	    "baseFeePerGas", "0x3b9aca00", "timestamp", "0x1000");
	char *text = json_dumps(g, JSON_COMPACT);
	json_decref(g);
	return text;
}

static tx make_tx(int key, uint64_t nonce, const address *to, uint64_t value,
                  const uint8_t *data, size_t n, uint64_t gas)
{
	tx t = {0};
	t.type = TX_DYNAMIC_FEE;
	t.has_chain_id = true;
	t.chain_id = 1337;
	t.nonce = nonce;
	t.max_priority_fee = u256_from_u64(1000000000);
	t.max_fee = u256_from_u64(100000000000ull);
	t.gas_limit = gas;
	t.has_to = true;
	t.to = *to;
	t.value = u256_from_u64(value);
	if (n) {
		t.data = malloc(n);
		memcpy(t.data, data, n);
		t.data_size = n;
	}
	if (tx_sign(&t, keys[key]) != DURE_OK)
		abort();
	return t;
}

static tx set_tx(int key, uint64_t nonce, uint8_t v)
{
	uint8_t d[33] = {1};
	d[32] = v;
	return make_tx(key, nonce, &caddr, 0, d, sizeof d, 100000);
}

static bool grow(chain *c, tx *txs, size_t n)
{
	header head;
	h256 hh;
	block b = {0};
	bool ok = blockchain_head(c->bc, &head, &hh) == 0;
	build_opts o = {0};
	o.timestamp = head.timestamp + 12;
	o.prev_randao.b[0] = 0x5a;
	int err = ok ? blockchain_build(c->bc, &o, txs, n, &b, NULL) : -1;
	import_result r;
	ok = err == 0 && blockchain_import(c->bc, &b, &r) == 0 && r.canonical;
	for (size_t i = 0; i < n; i++)
		tx_free(&txs[i]);
	block_free(&b);
	return ok;
}

static bool chain_open(chain *c)
{
	memset(c, 0, sizeof *c);
	strcpy(c->dir, "/tmp/dure-debug-XXXXXX");
	if (!mkdtemp(c->dir))
		return false;
	char *text = genesis_json();
	json_t *j = json_loads(text, 0, NULL);
	genesis g = {0};
	h256 gh;
	bool ok = db_open(c->dir, &(db_options){.no_sync = true}, &c->d) == 0 &&
	          store_open(c->d, &c->s) == 0 && j &&
	          genesis_from_json(j, &g) == 0 &&
	          blockchain_init(c->s, &g, &gh) == 0 &&
	          blockchain_open(c->s, engine_merge(), NULL, &c->bc) == 0;
	genesis_free(&g);
	json_decref(j);
	free(text);
	if (!ok)
		return false;
	c->ctx.bc = c->bc;
	c->ctx.client_version = "dure/test";
	if (rpc_registry_new(&c->reg) ||
	    api_debug_register(c->reg, &c->ctx, API_ETH_GAS_CAP, &c->dbg))
		return false;
	tx b1[2] = {make_tx(0, 0, &key2, 1000, NULL, 0, 21000), set_tx(0, 1, 7)};
	tx b2[2] = {set_tx(1, 0, 9), make_tx(0, 2, &key2, 5, NULL, 0, 21000)};
	if (tx_hash(&b1[1], &set7_hash) || tx_hash(&b2[1], &send5_hash))
		return false;
	return grow(c, b1, 2) && grow(c, b2, 2);
}

static void chain_close(chain *c)
{
	rpc_registry_free(c->reg);
	api_debug_free(c->dbg);
	blockchain_free(c->bc);
	store_free(c->s);
	db_close(c->d);
	nftw(c->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* The whole response to method(params), owned. */
static json_t *call(chain *c, const char *method, const char *params)
{
	char body[8192];
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

/* Whether the call's result is the string want. */
static __attribute__((unused)) bool is_str(chain *c, const char *method, const char *params,
                   const char *want)
{
	json_t *r = call(c, method, params);
	const char *s = json_string_value(json_object_get(r, "result"));
	bool ok = s && !strcmp(s, want);
	if (!ok)
		fprintf(stderr, "%s %s: got %s, want %s\n", method, params,
		        s ? s : json_dumps(r, JSON_COMPACT), want);
	json_decref(r);
	return ok;
}

/* Whether the call fails with code and message msg (and data, when not
 * NULL). */
static bool is_error(chain *c, const char *method, const char *params,
                     int code, const char *msg, const char *data)
{
	json_t *r = call(c, method, params);
	json_t *e = json_object_get(r, "error");
	const char *m = json_string_value(json_object_get(e, "message"));
	const char *d = json_string_value(json_object_get(e, "data"));
	bool ok = e && json_integer_value(json_object_get(e, "code")) == code &&
	          m && !strcmp(m, msg) && (!data || (d && !strcmp(d, data)));
	if (!ok) {
		char *t = json_dumps(r, JSON_COMPACT);
		fprintf(stderr, "%s %s: got %s\n", method, params, t);
		free(t);
	}
	json_decref(r);
	return ok;
}

static void setup_keys(void)
{
	memset(keys, 0, sizeof keys);
	keys[0][31] = 1;
	keys[1][31] = 2;
	if (hex_decode_exact(KEY1_ADDR + 2, key1.b, 20) ||
	    hex_decode_exact(KEY2_ADDR + 2, key2.b, 20) ||
	    hex_decode_exact(C_ADDR + 2, caddr.b, 20))
		abort();
}


static char *hash_hex(const h256 *h)
{
	return hex_encode_0x(h->b, 32);
}

/* The result of method(params), owned; NULL (with the response shown)
 * when it failed. */
static json_t *result(chain *c, const char *method, const char *params)
{
	json_t *r = call(c, method, params);
	json_t *res = json_incref(json_object_get(r, "result"));
	if (!res) {
		char *t = json_dumps(r, JSON_COMPACT);
		fprintf(stderr, "%s %s: %s\n", method, params, t);
		free(t);
	}
	json_decref(r);
	return res;
}

static const char *str_at(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static void test_trace_tx(chain *c)
{
	char *h = hash_hex(&set7_hash);
	char params[256];
	snprintf(params, sizeof params, "[\"%s\"]", h);
	json_t *r = result(c, "debug_traceTransaction", params);
	CHECK(r != NULL);
	CHECK(json_is_false(json_object_get(r, "failed")));
	json_t *logs = json_object_get(r, "structLogs");
	/* calldata 0x01 || 31 zeros || 0x07: 21000 + 2 * 16 + 31 * 4 */
	json_t *first = json_array_get(logs, 0);
	CHECK(strcmp(str_at(first, "op"), "PUSH1") == 0);
	CHECK_EQ_INT(json_integer_value(json_object_get(first, "gas")),
	             100000 - 21156);
	json_t *sstore = NULL;
	size_t i;
	json_t *e;
	json_array_foreach(logs, i, e)
		if (!strcmp(str_at(e, "op"), "SSTORE"))
			sstore = e;
	CHECK(sstore != NULL);
	/* slot 0, 5 -> 7, cold: 2100 + 2900 */
	CHECK_EQ_INT(json_integer_value(json_object_get(sstore, "gasCost")),
	             5000);
	json_t *st = json_object_get(sstore, "storage");
	CHECK(strcmp(str_at(st, "000000000000000000000000000000000000000000000"
	                        "0000000000000000000"),
	             "0000000000000000000000000000000000000000000000000000000000"
	             "000007") == 0);
	json_decref(r);

	snprintf(params, sizeof params,
	         "[\"%s\", {\"tracer\": \"callTracer\"}]", h);
	r = result(c, "debug_traceTransaction", params);
	CHECK(strcmp(str_at(r, "type"), "CALL") == 0);
	CHECK(strcmp(str_at(r, "from"), KEY1_ADDR) == 0);
	CHECK(strcmp(str_at(r, "to"), C_ADDR) == 0);
	CHECK(strcmp(str_at(r, "gas"), "0x186a0") == 0);
	CHECK(strcmp(str_at(r, "input"), "0x01" "0000000000000000000000000000000"
	                                 "000000000000000000000000000000007") == 0);
	json_decref(r);

	snprintf(params, sizeof params,
	         "[\"%s\", {\"tracer\": \"prestateTracer\"}]", h);
	r = result(c, "debug_traceTransaction", params);
	json_t *cs = json_object_get(json_object_get(r, C_ADDR), "storage");
	CHECK(strcmp(str_at(cs, WORD("00")), WORD("05")) == 0);
	json_decref(r);
	free(h);
}

static void test_trace_block(chain *c)
{
	json_t *r = result(c, "debug_traceBlockByNumber", "[\"0x2\"]");
	CHECK_EQ_INT(json_array_size(r), 2);
	json_t *second = json_array_get(r, 1);
	char *h = hash_hex(&send5_hash);
	CHECK(strcmp(str_at(second, "txHash"), h) == 0);
	json_t *res = json_object_get(second, "result");
	/* a plain transfer: 21000 and no instructions */
	CHECK_EQ_INT(json_integer_value(json_object_get(res, "gas")), 21000);
	CHECK_EQ_INT(json_array_size(json_object_get(res, "structLogs")), 0);
	free(h);
	json_decref(r);

	/* debug_traceCall reads slot 0 after block 2: 9 */
	r = result(c, "debug_traceCall",
	           "[{\"from\": \"" KEY1_ADDR "\", \"to\": \"" C_ADDR
	           "\", \"data\": \"0x00\"}, \"latest\", {\"tracer\": "
	           "\"callTracer\"}]");
	CHECK(strcmp(str_at(r, "output"), WORD("09")) == 0);
	json_decref(r);
	/* ... and 7 after block 1 */
	r = result(c, "debug_traceCall",
	           "[{\"to\": \"" C_ADDR "\", \"data\": \"0x00\"}, \"0x1\", "
	           "{\"tracer\": \"callTracer\"}]");
	CHECK(strcmp(str_at(r, "output"), WORD("07")) == 0);
	json_decref(r);
}

static void test_errors(chain *c)
{
	CHECK(is_error(c, "debug_traceTransaction", "[\"" WORD("ab") "\"]",
	               -32000, "transaction not found", NULL));
	CHECK(is_error(c, "debug_traceBlockByNumber", "[\"0x0\"]", -32000,
	               "genesis is not traceable", NULL));
	CHECK(is_error(c, "debug_traceBlockByNumber", "[\"0x9\"]", -32000,
	               "block not found", NULL));
	CHECK(is_error(c, "debug_traceBlockByNumber",
	               "[\"0x1\", {\"tracer\": \"4byteTracer\"}]", -32602,
	               "invalid argument 1: tracer 4byteTracer is not supported "
	               "(callTracer, prestateTracer, or none for the struct "
	               "logger)",
	               NULL));
	CHECK(is_error(c, "debug_traceTransaction", "[]", -32602,
	               "missing value for required argument 0", NULL));
}

static void test_debug(void)
{
	setup_keys();
	chain c;
	CHECK(chain_open(&c));
	test_trace_tx(&c);
	test_trace_block(&c);
	test_errors(&c);
	chain_close(&c);
}

TEST_MAIN(test_debug)
