/* The chain the eth_ state and debug_ method tests serve from, in a
 * temporary LMDB store, with the namespace under test registered:
 *
 *   genesis: keys 1 and 2 funded; contract C with slot 0 = 5
 *   block 1: key 1 sends 1000 wei to key 2; key 1 calls C.set(7)
 *   block 2: key 2 calls C.set(9); key 1 sends 5 wei to key 2
 *
 * C dispatches on its first calldata byte: 0 returns SLOAD(0); 1 stores
 * calldata[1:33] in slot 0 and logs topic 0x77; 2 reverts with
 * Error("nope"). Call setup_keys() first. Include after test.h; needs
 * _XOPEN_SOURCE 700 for nftw. */
#ifndef DURE_TEST_C_CHAIN_H
#define DURE_TEST_C_CHAIN_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "base/hex.h"
#include "chain/genesis.h"
#include "consensus/builder.h"
#include "rpc/jsonrpc.h"

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

typedef struct chain chain;

/* Registers the namespace under test in c->reg (its state in c->ns) and
 * frees it. */
typedef struct c_chain_ns {
	int (*open)(chain *c);
	void (*free)(chain *c);
} c_chain_ns;

struct chain {
	char dir[64];
	db *d;
	store *s;
	blockchain *bc;
	api_ctx ctx;
	rpc_registry *reg;
	void *ns;
	const c_chain_ns *nsops;
	h256 txh[2][2];          /* the transactions of blocks 1 and 2 */
};

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

static bool chain_open(chain *c, const c_chain_ns *ns)
{
	memset(c, 0, sizeof *c);
	c->nsops = ns;
	strcpy(c->dir, "/tmp/dure-cchain-XXXXXX");
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
	if (rpc_registry_new(&c->reg) || ns->open(c))
		return false;
	tx b1[2] = {make_tx(0, 0, &key2, 1000, NULL, 0, 21000), set_tx(0, 1, 7)};
	tx b2[2] = {set_tx(1, 0, 9), make_tx(0, 2, &key2, 5, NULL, 0, 21000)};
	for (int i = 0; i < 2; i++)
		if (tx_hash(&b1[i], &c->txh[0][i]) || tx_hash(&b2[i], &c->txh[1][i]))
			return false;
	return grow(c, b1, 2) && grow(c, b2, 2);
}

static void chain_close(chain *c)
{
	rpc_registry_free(c->reg);
	c->nsops->free(c);
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

/* Whether the call's result is the string want. (Not every test that
 * includes this asks.) */
static __attribute__((unused)) bool is_str(chain *c, const char *method,
                                           const char *params,
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
	if (hex_decode_exact(&KEY1_ADDR[2], key1.b, 20) ||
	    hex_decode_exact(&KEY2_ADDR[2], key2.b, 20) ||
	    hex_decode_exact(&C_ADDR[2], caddr.b, 20))
		abort();
}

#endif
