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

#include "c_chain.h"

static int debug_open(chain *c)
{
	api_debug *ns;
	int err = api_debug_register(c->reg, &c->ctx, API_ETH_GAS_CAP, &ns);
	c->ns = ns;
	return err;
}

static void debug_free(chain *c)
{
	api_debug_free(c->ns);
}

static const c_chain_ns DEBUG_NS = {debug_open, debug_free};

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
	char *h = hash_hex(&c->txh[0][1]);
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
	char *h = hash_hex(&c->txh[1][1]);
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
	CHECK(chain_open(&c, &DEBUG_NS));
	test_trace_tx(&c);
	test_trace_block(&c);
	test_errors(&c);
	chain_close(&c);
}

TEST_MAIN(test_debug)
