/* Fuzzes the execution-API parameter decoders and the eth_ chain methods.
 * The input is JSON text: every decoder of api/ethjson.h reads it (as a
 * value and, when it is an array, each element), and must either succeed
 * or refuse it with a NUL-terminated message and zeroed outputs. Then the
 * first byte picks a method of api/eth_chain.h, the rest is its params,
 * and the call goes through rpc_dispatch over a chain holding only a
 * genesis: the answer must be one JSON object with exactly one of
 * "result" and "error". */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/eth_chain.h"
#include "api/ethjson.h"
#include "chain/genesis.h"
#include "fuzz.h"

static const char *const methods[] = {
	"web3_sha3", "eth_feeHistory", "eth_getBlockByNumber",
	"eth_getBlockByHash", "eth_getBlockTransactionCountByNumber",
	"eth_getUncleByBlockNumberAndIndex", "eth_getTransactionByHash",
	"eth_getTransactionByBlockNumberAndIndex", "eth_getTransactionReceipt",
	"eth_getBlockReceipts", "eth_getLogs", "eth_newFilter",
	"eth_getFilterChanges", "eth_getFilterLogs", "eth_uninstallFilter",
	"eth_newBlockFilter", "eth_gasPrice", "eth_blockNumber",
};

static struct {
	char dir[64];
	db *d;
	store *s;
	blockchain *bc;
	api_ctx ctx;
	api_eth_chain *ec;
	rpc_registry *reg;
} g;

static int rm_entry(const char *p, const struct stat *sb, int flag,
                    struct FTW *f)
{
	return remove(p);
}

static void teardown(void)
{
	rpc_registry_free(g.reg);
	api_eth_chain_free(g.ec);
	blockchain_free(g.bc);
	store_free(g.s);
	db_close(g.d);
	nftw(g.dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
	static const char genesis_text[] =
		"{\"config\":{\"chainId\":1337,\"homesteadBlock\":0,"
		"\"eip150Block\":0,\"eip155Block\":0,\"eip158Block\":0,"
		"\"byzantiumBlock\":0,\"constantinopleBlock\":0,"
		"\"petersburgBlock\":0,\"istanbulBlock\":0,\"berlinBlock\":0,"
		"\"londonBlock\":0,\"mergeNetsplitBlock\":0,"
		"\"terminalTotalDifficulty\":0,\"shanghaiTime\":0,"
		"\"cancunTime\":0},\"alloc\":{},\"gasLimit\":\"0x1c9c380\","
		"\"difficulty\":\"0x0\",\"baseFeePerGas\":\"0x3b9aca00\"}";
	strcpy(g.dir, "/tmp/dure-fuzz-api-XXXXXX");
	json_t *j = json_loads(genesis_text, 0, NULL);
	genesis gen = {0};
	h256 hash;
	if (!mkdtemp(g.dir) || !j ||
	    db_open(g.dir, &(db_options){.no_sync = true}, &g.d) ||
	    store_open(g.d, &g.s) || genesis_from_json(j, &gen) ||
	    blockchain_init(g.s, &gen, &hash) ||
	    blockchain_open(g.s, engine_merge(), NULL, &g.bc))
		abort();
	genesis_free(&gen);
	json_decref(j);
	g.ctx.bc = g.bc;
	g.ctx.client_version = "dure/fuzz";
	if (api_eth_chain_new(&g.ctx, NULL, &g.ec) ||
	    rpc_registry_new(&g.reg) || api_eth_chain_register(g.reg, g.ec))
		abort();
	atexit(teardown);
}

static void check_msg(int err, const api_err *e)
{
	if (err && (err != DURE_EINVAL && err != DURE_ENOMEM))
		abort();
	if (err == DURE_EINVAL && memchr(e->msg, 0, sizeof e->msg) == NULL)
		abort();
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void decode_all(const json_t *v)
{
	api_err e;
	uint64_t x;
	u256 y;
	address a;
	h256 h;
	bool bo;
	api_block_id id;
	buf b = BUF_INIT;
	int err;
	check_msg(err = ethjson_get_u64(v, &x, &e), &e);
	if (err && x)
		abort();
	check_msg(err = ethjson_get_u256(v, &y, &e), &e);
	if (err && !u256_is_zero(&y))
		abort();
	check_msg(err = ethjson_get_data(v, 1024, &b, &e), &e);
	if (b.len > 1024)
		abort();
	buf_free(&b);
	check_msg(err = ethjson_get_address(v, &a, &e), &e);
	if (err && !all_zero(&a, sizeof a))
		abort();
	check_msg(err = ethjson_get_hash(v, &h, &e), &e);
	if (err && !all_zero(&h, sizeof h))
		abort();
	check_msg(ethjson_get_bool(v, &bo, &e), &e);
	check_msg(err = ethjson_get_block_number(v, &id, &e), &e);
	if (err && !all_zero(&id, sizeof id))
		abort();
	check_msg(err = ethjson_get_block_id(v, &id, &e), &e);
	if (err && !all_zero(&id, sizeof id))
		abort();
	if (!err && id.kind == API_BLOCK_NUMBER && id.number > INT64_MAX)
		abort();
	check_msg(ethjson_params(v, 1, 3, &e), &e);
}

static void dispatch(const uint8_t *data, size_t size)
{
	if (size < 1)
		return;
	const char *m = methods[data[0] % (sizeof methods / sizeof methods[0])];
	buf body = BUF_INIT, out = BUF_INIT;
	char head[128];
	int n = snprintf(head, sizeof head,
	                 "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\","
	                 "\"params\":", m);
	buf_append(&body, head, (size_t)n);
	buf_append(&body, data + 1, size - 1);
	buf_append(&body, "}", 1);
	if (buf_failed(&body))
		abort();
	int err = rpc_dispatch(g.reg, (const char *)body.data, body.len, &out);
	if (err == DURE_OK && out.len) {
		json_t *r = json_loadb((const char *)out.data, out.len, 0, NULL);
		bool has_result = json_object_get(r, "result") != NULL;
		bool has_error = json_object_get(r, "error") != NULL;
		if (!r || has_result == has_error)
			abort();
		json_decref(r);
	} else if (err != DURE_OK && err != DURE_ENOMEM)
		abort();
	buf_free(&body);
	buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!g.reg)
		setup();
	json_t *v = json_loadb((const char *)data, size,
	                       JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (v) {
		decode_all(v);
		for (size_t i = 0; json_is_array(v) && i < json_array_size(v); i++)
			decode_all(json_array_get(v, i));
		if (json_is_object(v))
			decode_all(json_object_get(v, "blockHash"));
		json_decref(v);
	}
	dispatch(data, size);
	return 0;
}
