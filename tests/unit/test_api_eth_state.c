/* The eth_ state methods through rpc_dispatch, over a small Cancun chain
 * in a temporary LMDB store:
 *
 *   genesis: keys 1 and 2 funded; contract C with slot 0 = 5
 *   block 1: key 1 sends 1000 wei to key 2; key 1 calls C.set(7)
 *   block 2: key 2 calls C.set(9); key 1 sends 5 wei to key 2
 *
 * C dispatches on its first calldata byte: 0 returns SLOAD(0); 1 stores
 * calldata[1:33] in slot 0 and logs topic 0x77; 2 reverts with
 * Error("nope"). Expected values come from outside the code under test:
 * the values each block wrote, the well-known addresses of secret keys 1
 * and 2, gas counted by hand from the yellow paper's costs, the
 * ABI encoding of Error(string), and proofs checked with
 * trie_verify_proof against the header's state root. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdlib.h>
#include <string.h>

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

typedef struct chain {
	char dir[64];
	db *d;
	store *s;
	blockchain *bc;
	api_ctx ctx;
	api_eth_state *es;
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
	strcpy(c->dir, "/tmp/dure-ethstate-XXXXXX");
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
	    api_eth_state_register(c->reg, &c->ctx, API_ETH_GAS_CAP, &c->es))
		return false;
	tx b1[2] = {make_tx(0, 0, &key2, 1000, NULL, 0, 21000), set_tx(0, 1, 7)};
	tx b2[2] = {set_tx(1, 0, 9), make_tx(0, 2, &key2, 5, NULL, 0, 21000)};
	return grow(c, b1, 2) && grow(c, b2, 2);
}

static void chain_close(chain *c)
{
	rpc_registry_free(c->reg);
	api_eth_state_free(c->es);
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
static bool is_str(chain *c, const char *method, const char *params,
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

static void test_reads(chain *c)
{
	/* key 2: funded 10^21 wei, +1000 in block 1. */
	CHECK(is_str(c, "eth_getBalance", "[\"" KEY2_ADDR "\", \"0x0\"]",
	             "0x3635c9adc5dea00000"));
	CHECK(is_str(c, "eth_getBalance", "[\"" KEY2_ADDR "\", \"0x1\"]",
	             "0x3635c9adc5dea003e8"));
	CHECK(is_str(c, "eth_getBalance", "[\"" C_ADDR "\", \"latest\"]", "0x0"));
	CHECK(is_str(c, "eth_getTransactionCount",
	             "[\"" KEY1_ADDR "\", \"earliest\"]", "0x0"));
	CHECK(is_str(c, "eth_getTransactionCount", "[\"" KEY1_ADDR "\", \"0x1\"]",
	             "0x2"));
	CHECK(is_str(c, "eth_getTransactionCount", "[\"" KEY1_ADDR "\"]", "0x3"));
	CHECK(is_str(c, "eth_getTransactionCount",
	             "[\"" KEY2_ADDR "\", \"pending\"]", "0x1"));
	CHECK(is_str(c, "eth_getCode", "[\"" C_ADDR "\", \"0x0\"]", C_CODE));
	CHECK(is_str(c, "eth_getCode", "[\"" C_ADDR "\", \"latest\"]", C_CODE));
	CHECK(is_str(c, "eth_getCode", "[\"" KEY1_ADDR "\", \"latest\"]", "0x"));
	/* Slot 0: 5, 7, 9; the slot as a quantity or as 32 bytes. */
	CHECK(is_str(c, "eth_getStorageAt", "[\"" C_ADDR "\", \"0x0\", \"0x0\"]",
	             WORD("05")));
	CHECK(is_str(c, "eth_getStorageAt", "[\"" C_ADDR "\", \"0x00\", \"0x1\"]",
	             WORD("07")));
	CHECK(is_str(c, "eth_getStorageAt",
	             "[\"" C_ADDR "\", \"" WORD("00") "\", \"latest\"]",
	             WORD("09")));
	CHECK(is_str(c, "eth_getStorageAt", "[\"" C_ADDR "\", \"0x1\"]",
	             WORD("00")));
	/* By hash: block 1's. */
	h256 hash;
	db_txn *t;
	CHECK_EQ_INT(db_begin_read(c->d, &t), 0);
	CHECK_EQ_INT(store_canonical(c->s, t, 1, &hash), 0);
	db_abort(t);
	char hex[67], params[256];
	hex[0] = '0';
	hex[1] = 'x';
	hex_encode(hash.b, 32, hex + 2);
	snprintf(params, sizeof params,
	         "[\"" C_ADDR "\", \"0x0\", {\"blockHash\": \"%s\"}]", hex);
	CHECK(is_str(c, "eth_getStorageAt", params, WORD("07")));

	/* Errors. */
	json_t *r = call(c, "eth_getBalance", "[\"0x12\", \"latest\"]");
	CHECK_EQ_INT(json_integer_value(json_object_get(
	                 json_object_get(r, "error"), "code")),
	             -32602);
	json_decref(r);
	CHECK(is_error(c, "eth_getBalance", "[\"" KEY1_ADDR "\", \"0x99\"]",
	               -32000, "header not found", NULL));
	CHECK(is_error(c, "eth_getStorageAt",
	               "[\"" C_ADDR "\", \"0x" "00000000000000000000000000000000"
	               "000000000000000000000000000000001\"]",
	               -32602,
	               "invalid argument 1: hex string too long, want at most 32 "
	               "bytes",
	               NULL));
}

static void test_calls(chain *c)
{
	CHECK(is_str(c, "eth_call", "[{\"to\": \"" C_ADDR "\", \"data\": \"0x00\"}]",
	             WORD("09")));
	CHECK(is_str(c, "eth_call",
	             "[{\"to\": \"" C_ADDR "\", \"input\": \"0x00\"}, \"0x1\"]",
	             WORD("07")));
	CHECK(is_str(c, "eth_call", "[{\"to\": \"" C_ADDR "\"}, \"earliest\"]",
	             WORD("05")));
	/* Revert: code 3, the reason decoded, the bytes as data. */
	CHECK(is_error(c, "eth_call",
	               "[{\"to\": \"" C_ADDR "\", \"data\": \"0x02\"}]", 3,
	               "execution reverted: nope", "0x" NOPE_ABI));
	/* Overrides: stateDiff of slot 0, then the code (RETURN of
	 * BALANCE(key 1)) with key 1's balance overridden. */
	CHECK(is_str(c, "eth_call",
	             "[{\"to\": \"" C_ADDR "\"}, \"latest\", {\"" C_ADDR
	             "\": {\"stateDiff\": {\"" WORD("00") "\": \"" WORD("2a")
	             "\"}}}]",
	             WORD("2a")));
	CHECK(is_str(c, "eth_call",
	             "[{\"to\": \"" C_ADDR "\"}, \"latest\", {\"" C_ADDR
	             "\": {\"code\": \"0x737e5f4552091a69125d5dfcb7b8c265902939"
	             "5bdf3160005260206000f3\"}, \"" KEY1_ADDR
	             "\": {\"balance\": \"0x1234\"}}]",
	             "0x0000000000000000000000000000000000000000000000000000000000001234"));
	CHECK(is_error(c, "eth_call",
	               "[{\"to\": \"" C_ADDR "\"}, \"latest\", {\"" C_ADDR
	               "\": {\"state\": {}, \"stateDiff\": {}}}]",
	               -32602,
	               "invalid argument 2: account " C_ADDR
	               " has both 'state' and 'stateDiff'",
	               NULL));
	/* Block override: C returns slot 0 whatever the block, so check
	 * one field a contract sees through code: NUMBER. */
	CHECK(is_str(c, "eth_call",
	             "[{\"to\": \"" C_ADDR "\"}, \"latest\", {\"" C_ADDR
	             "\": {\"code\": \"0x4360005260206000f3\"}}, {\"number\": "
	             "\"0x777\"}]",
	             "0x0000000000000000000000000000000000000000000000000000000000000777"));
	CHECK(is_str(c, "eth_call",
	             "[{\"to\": \"" C_ADDR "\"}, \"0x1\", {\"" C_ADDR
	             "\": {\"code\": \"0x4360005260206000f3\"}}]",
	             WORD("01")));
}

static void test_estimate(chain *c)
{
	/* set(11) from key 1: 21000 + calldata (2 non-zero bytes at 16, 31
	 * zero bytes at 4) + 5805 of execution (34 to the jump, 12 to the
	 * SSTORE, 5000 for a cold non-zero -> non-zero SSTORE, 9 of pushes,
	 * 750 for LOG1): 26961, with no refund, so it is also the least
	 * limit that succeeds. */
#define SET11 "\"0x01000000000000000000000000000000000000000000000000000000000000000b\""
	CHECK(is_str(c, "eth_estimateGas",
	             "[{\"from\": \"" KEY1_ADDR "\", \"to\": \"" C_ADDR
	             "\", \"data\": " SET11 "}]",
	             "0x6951"));
	CHECK(is_str(c, "eth_call",
	             "[{\"from\": \"" KEY1_ADDR "\", \"to\": \"" C_ADDR
	             "\", \"gas\": \"0x6951\", \"data\": " SET11 "}]",
	             "0x"));
	CHECK(is_error(c, "eth_call",
	               "[{\"from\": \"" KEY1_ADDR "\", \"to\": \"" C_ADDR
	               "\", \"gas\": \"0x6950\", \"data\": " SET11 "}]",
	               -32000, "out of gas", NULL));
	CHECK(is_error(c, "eth_estimateGas",
	               "[{\"to\": \"" C_ADDR "\", \"data\": \"0x02\"}]", 3,
	               "execution reverted: nope", "0x" NOPE_ABI));
	/* A code that loops: override C with JUMPDEST PUSH1 0 JUMP. */
	CHECK(is_error(c, "eth_estimateGas",
	               "[{\"to\": \"" C_ADDR "\"}, \"latest\", {\"" C_ADDR
	               "\": {\"code\": \"0x5b600056\"}}]",
	               -32000, "gas required exceeds allowance (30000000)", NULL));
	CHECK(is_error(c, "eth_estimateGas",
	               "[{\"from\": \"" C_ADDR "\", \"to\": \"" KEY1_ADDR
	               "\", \"value\": \"0x1\", \"gasPrice\": \"0x1\"}]",
	               -32000, "insufficient funds for transfer", NULL));
	CHECK(is_str(c, "eth_estimateGas",
	             "[{\"from\": \"" KEY1_ADDR "\", \"to\": \"" KEY2_ADDR
	             "\", \"value\": \"0x1\"}]",
	             "0x5208"));
}

static void test_access_list(chain *c)
{
	json_t *r = call(c, "eth_createAccessList",
	                 "[{\"from\": \"" KEY1_ADDR "\", \"to\": \"" C_ADDR
	                 "\", \"data\": \"0x00\"}]");
	json_t *res = json_object_get(r, "result");
	json_t *list = json_object_get(res, "accessList");
	CHECK_EQ_INT(json_array_size(list), 1);
	json_t *e = json_array_get(list, 0);
	const char *a = json_string_value(json_object_get(e, "address"));
	CHECK(a && !strcmp(a, C_ADDR));
	json_t *ks = json_object_get(e, "storageKeys");
	CHECK_EQ_INT(json_array_size(ks), 1);
	const char *k = json_string_value(json_array_get(ks, 0));
	CHECK(k && !strcmp(k, WORD("00")));
	/* 21000 + 2400 + 1900 (the list) + 4 (one zero byte) + 34 + 19 (the
	 * two selector tests) + 3 + 100 (warm SLOAD) + 3 + 6 (MSTORE and its
	 * memory) + 3 + 3 + 0 (RETURN) = 25475. */
	const char *g = json_string_value(json_object_get(res, "gasUsed"));
	CHECK(g && !strcmp(g, "0x6383"));
	CHECK(!json_object_get(res, "error"));
	json_decref(r);
}

/* Decodes a JSON array of hex nodes into p. */
static bool proof_from_json(const json_t *a, trie_proof *p)
{
	memset(p, 0, sizeof *p);
	size_t n = json_array_size(a);
	p->nodes = calloc(n ? n : 1, sizeof *p->nodes);
	p->lens = calloc(n ? n : 1, sizeof *p->lens);
	if (!p->nodes || !p->lens)
		return false;
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(a, i));
		buf b = BUF_INIT;
		if (!s || strncmp(s, "0x", 2) ||
		    hex_decode(s + 2, strlen(s) - 2, &b)) {
			buf_free(&b);
			return false;
		}
		p->nodes[i] = b.data;
		p->lens[i] = b.len;
		p->n = i + 1;
	}
	return true;
}

static void test_proof(chain *c)
{
	json_t *r = call(c, "eth_getProof",
	                 "[\"" C_ADDR "\", [\"0x0\", \"" WORD("01") "\"], "
	                 "\"latest\"]");
	json_t *res = json_object_get(r, "result");
	CHECK(res != NULL);
	header h;
	h256 hash;
	CHECK_EQ_INT(blockchain_head(c->bc, &h, &hash), 0);
	trie_proof p;
	CHECK(proof_from_json(json_object_get(res, "accountProof"), &p));
	uint8_t hk[32];
	keccak256(caddr.b, 20, hk);
	const uint8_t *v;
	size_t vl;
	CHECK_EQ_INT(trie_verify_proof(&h.state_root, hk, 32, &p, &v, &vl), 0);
	/* The leaf is rlp[nonce, balance, storageRoot, codeHash]; compare it
	 * with the JSON fields. */
	rlp_cur cur, l;
	rlp_cur_init(&cur, v, vl);
	rlp_cur_list(&cur, &l);
	uint64_t nonce = rlp_cur_u64(&l);
	u256 bal = rlp_cur_u256(&l);
	h256 sroot, chash;
	rlp_cur_fixed(&l, sroot.b, 32);
	rlp_cur_fixed(&l, chash.b, 32);
	CHECK_EQ_INT(l.err, 0);
	CHECK_EQ_INT(nonce, 0);
	CHECK(u256_is_zero(&bal));
	trie_proof_free(&p);
	h256 jroot, jcode;
	CHECK_EQ_INT(hex_decode_exact(json_string_value(json_object_get(
	                                  res, "storageHash")) + 2,
	                              jroot.b, 32),
	             0);
	CHECK_EQ_INT(hex_decode_exact(json_string_value(json_object_get(
	                                  res, "codeHash")) + 2,
	                              jcode.b, 32),
	             0);
	CHECK(h256_eq(&jroot, &sroot));
	CHECK(h256_eq(&jcode, &chash));
	buf code = BUF_INIT;
	CHECK_EQ_INT(hex_decode(C_CODE + 2, strlen(C_CODE) - 2, &code), 0);
	h256 want;
	keccak256(code.data, code.len, want.b);
	CHECK(h256_eq(&chash, &want));
	buf_free(&code);

	json_t *sp = json_object_get(res, "storageProof");
	CHECK_EQ_INT(json_array_size(sp), 2);
	for (size_t i = 0; i < json_array_size(sp); i++) {
		json_t *e = json_array_get(sp, i);
		CHECK(proof_from_json(json_object_get(e, "proof"), &p));
		uint8_t key[32] = {0};
		key[31] = (uint8_t)i;
		keccak256(key, 32, hk);
		int err = trie_verify_proof(&sroot, hk, 32, &p, &v, &vl);
		const char *val = json_string_value(json_object_get(e, "value"));
		const char *k = json_string_value(json_object_get(e, "key"));
		if (i == 0) {
			/* rlp(9) is the byte 9 itself. */
			CHECK_EQ_INT(err, 0);
			CHECK(vl == 1 && v[0] == 9);
			CHECK(val && !strcmp(val, "0x9"));
			CHECK(k && !strcmp(k, "0x0"));
		} else {
			CHECK_EQ_INT(err, DURE_ENOTFOUND);
			CHECK(val && !strcmp(val, "0x0"));
			CHECK(k && !strcmp(k, WORD("01")));
		}
		trie_proof_free(&p);
	}
	json_decref(r);
	if (getenv("DURE_PRINT_PROOF")) {
		r = call(c, "eth_getProof",
		         "[\"" C_ADDR "\", [\"0x0\", \"" WORD("01") "\"], \"latest\"]");
		char hx[67] = "0x";
		hex_encode(h.state_root.b, 32, hx + 2);
		json_object_set_new(r, "stateRoot", json_string(hx));
		char *s = json_dumps(r, JSON_COMPACT);
		printf("%s\n", s);
		free(s);
		json_decref(r);
	}
	/* An account that does not exist: the proof shows it absent. */
	r = call(c, "eth_getProof", "[\"0x00000000000000000000000000000000000000ee\", [], \"latest\"]");
	res = json_object_get(r, "result");
	CHECK(proof_from_json(json_object_get(res, "accountProof"), &p));
	address none = {{[19] = 0xee}};
	keccak256(none.b, 20, hk);
	CHECK_EQ_INT(trie_verify_proof(&h.state_root, hk, 32, &p, &v, &vl),
	             DURE_ENOTFOUND);
	trie_proof_free(&p);
	json_decref(r);
	CHECK(is_error(c, "eth_getProof", "[\"" C_ADDR "\", [], \"0x1\"]", -32000,
	               "proofs are served for the head block only (block 1 is "
	               "not the head)",
	               NULL));
}

static void test_eth_state(void)
{
	setup_keys();
	chain c;
	CHECK(chain_open(&c));
	test_reads(&c);
	test_calls(&c);
	test_estimate(&c);
	test_access_list(&c);
	test_proof(&c);
	chain_close(&c);
}

TEST_MAIN(test_eth_state)
