/* eth_subscribe / eth_unsubscribe over fake sessions (rpc_session with a
 * transport that records what it is sent), on a small Cancun chain in a
 * temporary LMDB store, grown one block at a time with api_subs_on_head
 * called after each, as the node does:
 *
 *   block 1: key 1 calls LOG_A (value 1), key 2 calls LOG_B (value 2)
 *   block 2: key 1 sends ether to key 2 (no logs)
 *   block 3: key 1 calls LOG_A (value 3)
 *
 * LOG_A and LOG_B run MSTORE(0, 42), LOG2(0, 32, 0x77, CALLVALUE), so a
 * log's second topic is the value sent. Then a reorg replaces block 4 with
 * 4' and 5', and a rewind (a dev revert) takes those back: the removed
 * logs are pushed first, marked removed, oldest block first, as geth
 * pushes them, and newHeads gets every new block. Expected values come
 * from outside
 * the code under test: the senders are the well-known addresses of secret
 * keys 1 and 2, gas is counted by hand from the yellow paper's costs,
 * hashes are the import's, error messages are geth's; the pushed header
 * is held against eth_getBlockByNumber's object and the pushed logs
 * against eth_getLogs'. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdlib.h>
#include <string.h>

#include "api/eth_chain.h"
#include "api/ethjson.h"
#include "api/subscribe.h"
#include "base/hex.h"
#include "chain/genesis.h"
#include "consensus/builder.h"
#include "test.h"
#include "log_contract.h"
#include "txpool/txpool.h"

#define TOPIC_V2 "0x0000000000000000000000000000000000000000000000000000000000000002"

static uint8_t keys[2][32];
static address log_a, log_b, key2;

/* ---- a session that records its notifications ---- */

#define SENT_MAX 256

typedef struct fake_conn {
	rpc_session *s;
	json_t *sent[SENT_MAX]; /* notifications, parsed */
	size_t nsent;
	unsigned sends;         /* calls of fake_send */
	bool full;              /* refuse everything, as a full queue does */
} fake_conn;

static int fake_send(void *arg, const uint8_t *msg, size_t len)
{
	fake_conn *c = arg;
	c->sends++;
	if (c->full || c->nsent == SENT_MAX)
		return DURE_EBUSY;
	c->sent[c->nsent++] = json_loadb((const char *)msg, len, 0, NULL);
	return DURE_OK;
}

static void conn_open(fake_conn *c)
{
	memset(c, 0, sizeof *c);
	if (rpc_session_new(fake_send, c, &c->s) != DURE_OK)
		abort();
}

static void conn_clear(fake_conn *c)
{
	for (size_t i = 0; i < c->nsent; i++)
		json_decref(c->sent[i]);
	c->nsent = 0;
}

static void conn_close(fake_conn *c)
{
	rpc_session_close(c->s);
	c->s = NULL;
	conn_clear(c);
}

/* The results pushed to subscription id, in order, into out (borrowed
 * from c); returns their count. */
static size_t results_of(const fake_conn *c, const char *id, json_t **out,
                         size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i < c->nsent; i++) {
		json_t *p = json_object_get(c->sent[i], "params");
		const char *sid = json_string_value(json_object_get(p, "subscription"));
		if (sid && strcmp(sid, id) == 0 && k < cap)
			out[k++] = json_object_get(p, "result");
	}
	return k;
}

static size_t count_of(const fake_conn *c, const char *id)
{
	json_t *r[SENT_MAX];
	return results_of(c, id, r, SENT_MAX);
}

/* ---- the chain ---- */

typedef struct chain {
	char dir[64];
	db *d;
	store *s;
	blockchain *bc;
	txpool *pool;
	api_ctx ctx;
	api_eth_chain *ec;
	api_subs *subs;
	rpc_registry *reg;
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
static bool seal(chain *c, tx *txs, size_t n, h256 *hash, h256 *txh)
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

/* seal, then tells the subscriptions, as the node does after each sealed
 * block. */
static bool grow(chain *c, tx *txs, size_t n, h256 *hash, h256 *txh)
{
	if (!seal(c, txs, n, hash, txh))
		return false;
	api_subs_on_head(c->subs, NULL, 0, hash, 1);
	return true;
}

/* Tells the subscriptions how the head moved from old (blockchain_route). */
static void moved(chain *c, const h256 *old)
{
	header h;
	h256 head;
	chain_route r;
	CHECK_EQ_INT(blockchain_head(c->bc, &h, &head), 0);
	CHECK_EQ_INT(blockchain_route(c->bc, old, &head, &r), 0);
	api_subs_on_head(c->subs, r.removed, r.nremoved, r.added, r.nadded);
	blockchain_route_free(&r);
}

static bool chain_open(chain *c)
{
	memset(c, 0, sizeof *c);
	strcpy(c->dir, "/tmp/dure-subs-XXXXXX");
	if (!mkdtemp(c->dir))
		return false;
	char *text = genesis_json();
	json_t *j = json_loads(text, 0, NULL);
	genesis g = {0};
	txpool_config pc = {.hash_seed = 7};
	bool ok = db_open(c->dir, &(db_options){.no_sync = true}, &c->d) == 0 &&
	          store_open(c->d, &c->s) == 0 && j &&
	          genesis_from_json(j, &g) == 0 &&
	          blockchain_init(c->s, &g, &c->hashes[0]) == 0 &&
	          blockchain_open(c->s, engine_merge(), NULL, &c->bc) == 0 &&
	          txpool_new(&pc, &c->pool) == 0;
	genesis_free(&g);
	json_decref(j);
	free(text);
	if (!ok)
		return false;
	c->ctx.bc = c->bc;
	c->ctx.pool = c->pool;
	c->ctx.client_version = "dure/test";
	return api_eth_chain_new(&c->ctx, NULL, &c->ec) == 0 &&
	       api_subs_new(&c->ctx, &c->subs) == 0 &&
	       rpc_registry_new(&c->reg) == 0 &&
	       api_eth_chain_register(c->reg, c->ec) == 0 &&
	       api_subs_register(c->reg, c->subs) == 0;
}

static void chain_close(chain *c)
{
	rpc_registry_free(c->reg);
	api_subs_free(c->subs);
	api_eth_chain_free(c->ec);
	txpool_free(c->pool);
	blockchain_free(c->bc);
	store_free(c->s);
	db_close(c->d);
	nftw(c->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* ---- calls ---- */

static void on_done(void *arg, int err, const uint8_t *resp, size_t len)
{
	json_t **out = arg;
	*out = err ? NULL : json_loadb((const char *)resp, len, 0, NULL);
}

/* Calls method with params (JSON text) over conn (NULL: no session, as
 * over HTTP) and returns the whole response object (owned). */
static json_t *call(chain *c, fake_conn *conn, const char *method,
                    const char *params)
{
	char body[4096];
	snprintf(body, sizeof body,
	         "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\",\"params\":%s}",
	         method, params);
	json_t *r = NULL;
	rpc_request *req;
	if (rpc_dispatch_start_session(c->reg, conn ? conn->s : NULL, body,
	                               strlen(body), on_done, &r, &req) != 0 ||
	    req)
		abort(); /* every method here answers synchronously */
	return r;
}

/* The result of a call, owned (NULL for an error). */
static json_t *result(chain *c, fake_conn *conn, const char *method,
                      const char *params)
{
	json_t *r = call(c, conn, method, params);
	json_t *v = json_object_get(r, "result");
	if (v)
		json_incref(v);
	json_decref(r);
	return v;
}

static bool is_error(chain *c, fake_conn *conn, const char *method,
                     const char *params, int code, const char *msg)
{
	json_t *r = call(c, conn, method, params);
	json_t *e = json_object_get(r, "error");
	const char *m = json_string_value(json_object_get(e, "message"));
	bool ok = e && json_integer_value(json_object_get(e, "code")) == code &&
	          m && strcmp(m, msg) == 0;
	if (!ok) {
		char *s = json_dumps(r, 0);
		fprintf(stderr, "%s %s: %s\n", method, params, s ? s : "(none)");
		free(s);
	}
	json_decref(r);
	return ok;
}

/* Subscribes over conn and copies the id into id; false on an error. */
static bool subscribe(chain *c, fake_conn *conn, const char *params,
                      char id[40])
{
	json_t *v = result(c, conn, "eth_subscribe", params);
	bool ok = json_is_string(v) && json_string_length(v) < 40;
	if (ok)
		strcpy(id, json_string_value(v));
	else
		fprintf(stderr, "eth_subscribe %s failed\n", params);
	json_decref(v);
	return ok;
}

/* geth's ids: a quantity of at most 16 bytes. */
static bool id_form(const char *id)
{
	size_t n = strlen(id);
	if (n < 3 || n > 34 || id[0] != '0' || id[1] != 'x' ||
	    (id[2] == '0' && n > 3))
		return false;
	for (size_t i = 2; i < n; i++)
		if (!strchr("0123456789abcdef", id[i]))
			return false;
	return true;
}

/* The pool's view of the head state: every account has nonce 1 and
 * plenty of ether. */
static int fake_account(void *ctx, const address *a, uint64_t *nonce,
                        u256 *balance, bool *has_code)
{
	*nonce = 1;
	*balance = u256_from_u64(UINT64_MAX);
	*has_code = false;
	return DURE_OK;
}

/* ---- tests ---- */

static void test_errors(chain *c)
{
	fake_conn conn;
	conn_open(&conn);
	CHECK(is_error(c, NULL, "eth_subscribe", "[\"newHeads\"]", -32601,
	               "notifications not supported"));
	CHECK(is_error(c, NULL, "eth_unsubscribe", "[\"0x1\"]", -32000,
	               "subscription not found"));
	CHECK(is_error(c, &conn, "eth_subscribe", "[\"newBlocks\"]", -32601,
	               "no \"newBlocks\" subscription in eth namespace"));
	CHECK(is_error(c, &conn, "eth_subscribe", "[1]", -32602,
	               "expected subscription name as first argument"));
	CHECK(is_error(c, &conn, "eth_subscribe", "[]", -32602,
	               "expected subscription name as first argument"));
	CHECK(is_error(c, &conn, "eth_subscribe", "{\"a\":1}", -32602,
	               "non-array args"));
	CHECK(is_error(c, &conn, "eth_subscribe", "[\"newHeads\", {}]", -32602,
	               "too many arguments, want at most 1"));
	CHECK(is_error(c, &conn, "eth_subscribe", "[\"logs\"]", -32602,
	               "missing value for required argument 1"));
	CHECK(is_error(c, &conn, "eth_subscribe", "[\"logs\", 5]", -32602,
	               "invalid argument 1: json: cannot unmarshal non-object "
	               "into Go value of type filters.FilterCriteria"));
	CHECK(is_error(c, &conn, "eth_subscribe",
	               "[\"logs\", {\"topics\": [1]}]", -32602,
	               "invalid argument 1: invalid topic(s)"));
	CHECK(is_error(c, &conn, "eth_subscribe",
	               "[\"newPendingTransactions\", true, 1]", -32602,
	               "too many arguments, want at most 2"));
	CHECK(is_error(c, &conn, "eth_unsubscribe", "[5]", -32602,
	               "invalid argument 0: json: cannot unmarshal non-string "
	               "into Go value of type rpc.ID"));
	CHECK(is_error(c, &conn, "eth_unsubscribe", "[]", -32602,
	               "missing value for required argument 0"));
	CHECK(is_error(c, &conn, "eth_unsubscribe", "[\"0x1\"]", -32000,
	               "subscription not found"));
	CHECK_EQ_INT(conn.nsent, 0);
	conn_close(&conn);
}

/* The pushed header against eth_getBlockByNumber's object of block n. */
static void check_head(chain *c, const json_t *pushed, int n)
{
	char q[64];
	snprintf(q, sizeof q, "[\"0x%x\", false]", n);
	json_t *b = result(c, NULL, "eth_getBlockByNumber", q);
	CHECK(b != NULL);
	static const char *const body_keys[] = {"transactions", "uncles",
	                                        "withdrawals", "size",
	                                        "totalDifficulty"};
	for (size_t i = 0; i < sizeof body_keys / sizeof body_keys[0]; i++) {
		CHECK(json_object_get(pushed, body_keys[i]) == NULL);
		json_object_del(b, body_keys[i]);
	}
	CHECK(json_equal(b, pushed));
	/* what the header of a Cancun block carries */
	CHECK(json_object_get(pushed, "withdrawalsRoot") != NULL);
	CHECK(json_object_get(pushed, "parentBeaconBlockRoot") != NULL);
	CHECK(json_object_get(pushed, "excessBlobGas") != NULL);
	char h[67];
	hex_of(&c->hashes[n], h);
	CHECK(str_is(json_object_get(pushed, "hash"), h));
	hex_of(&c->hashes[n - 1], h);
	CHECK(str_is(json_object_get(pushed, "parentHash"), h));
	json_decref(b);
}

/* Whether log (a pushed result) is the log eth_getLogs finds at index i
 * for criteria (JSON text). */
static bool log_is(chain *c, const json_t *log, const char *criteria,
                   size_t i)
{
	char q[512];
	snprintf(q, sizeof q, "[%s]", criteria);
	json_t *all = result(c, NULL, "eth_getLogs", q);
	bool ok = json_equal(json_array_get(all, i), log);
	json_decref(all);
	return ok;
}

static void test_events(chain *c)
{
	fake_conn a, b;
	conn_open(&a);
	conn_open(&b);
	char heads[40], by_addr[40], by_topic[40], any[40], from3[40],
	    pend[40], pend_full[40], b_any[40];
	CHECK(subscribe(c, &a, "[\"newHeads\"]", heads));
	CHECK(subscribe(c, &a, "[\"logs\", {\"address\": \"" LOG_A "\"}]",
	                by_addr));
	CHECK(subscribe(c, &a, "[\"logs\", {\"topics\": [\"" TOPIC0 "\", [\""
	                TOPIC_V2 "\"]]}]", by_topic));
	CHECK(subscribe(c, &a, "[\"logs\", {}]", any));
	CHECK(subscribe(c, &a, "[\"logs\", {\"fromBlock\": \"0x3\", "
	                "\"toBlock\": \"latest\"}]", from3));
	CHECK(subscribe(c, &a, "[\"newPendingTransactions\"]", pend));
	CHECK(subscribe(c, &a, "[\"newPendingTransactions\", true]", pend_full));
	CHECK(subscribe(c, &b, "[\"logs\", {\"address\": [\"" LOG_B "\"]}]",
	                b_any));
	const char *ids[] = {heads, by_addr, by_topic, any, from3, pend,
	                     pend_full, b_any};
	for (size_t i = 0; i < 8; i++) {
		CHECK(id_form(ids[i]));
		for (size_t k = 0; k < i; k++)
			CHECK(strcmp(ids[i], ids[k]) != 0);
	}
	CHECK_EQ_INT(a.nsent, 0);

	/* block 1: a head, LOG_A's log (index 0) and LOG_B's (index 1) */
	tx b1[2] = {call_tx(0, 0, &log_a, 1, 100000),
	            call_tx(1, 0, &log_b, 2, 100000)};
	CHECK(grow(c, b1, 2, &c->hashes[1], c->txh[0]));
	json_t *r[SENT_MAX];
	CHECK_EQ_INT(results_of(&a, heads, r, SENT_MAX), 1);
	check_head(c, r[0], 1);
	CHECK(str_is(json_object_get(r[0], "number"), "0x1"));
	CHECK(str_is(json_object_get(r[0], "gasUsed"), "0xaf08")); /* 2 * 22404 */
	for (size_t i = 0; i < a.nsent; i++) {
		CHECK(str_is(json_object_get(a.sent[i], "jsonrpc"), "2.0"));
		CHECK(str_is(json_object_get(a.sent[i], "method"), "eth_subscription"));
		CHECK(json_object_get(a.sent[i], "id") == NULL);
	}

	char h1[67], t0[67], t1[67];
	hex_of(&c->hashes[1], h1);
	hex_of(&c->txh[0][0], t0);
	hex_of(&c->txh[0][1], t1);
	char crit[256];
	snprintf(crit, sizeof crit, "{\"blockHash\": \"%s\"}", h1);
	CHECK_EQ_INT(results_of(&a, by_addr, r, SENT_MAX), 1);
	CHECK(str_is(json_object_get(r[0], "address"), LOG_A));
	CHECK(str_is(json_object_get(r[0], "transactionHash"), t0));
	CHECK(str_is(json_object_get(r[0], "logIndex"), "0x0"));
	CHECK(json_is_false(json_object_get(r[0], "removed")));
	CHECK(log_is(c, r[0], crit, 0));
	CHECK_EQ_INT(results_of(&a, by_topic, r, SENT_MAX), 1);
	CHECK(str_is(json_object_get(r[0], "address"), LOG_B));
	CHECK(str_is(json_object_get(r[0], "transactionHash"), t1));
	CHECK(str_is(json_object_get(r[0], "logIndex"), "0x1"));
	CHECK(str_is(json_object_get(r[0], "transactionIndex"), "0x1"));
	CHECK(log_is(c, r[0], crit, 1));
	CHECK_EQ_INT(results_of(&a, any, r, SENT_MAX), 2);
	CHECK(log_is(c, r[0], crit, 0) && log_is(c, r[1], crit, 1));
	CHECK_EQ_INT(count_of(&a, from3), 0);
	CHECK_EQ_INT(results_of(&b, b_any, r, SENT_MAX), 1);
	CHECK(str_is(json_object_get(r[0], "address"), LOG_B));
	CHECK_EQ_INT(a.nsent, 5); /* a head, 1 + 1 + 2 logs */
	CHECK_EQ_INT(b.nsent, 1);
	conn_clear(&a);
	conn_clear(&b);

	/* block 2: a head, no logs */
	tx b2[1] = {call_tx(0, 1, &key2, 5, 21000)};
	CHECK(grow(c, b2, 1, &c->hashes[2], c->txh[1]));
	CHECK_EQ_INT(results_of(&a, heads, r, SENT_MAX), 1);
	check_head(c, r[0], 2);
	CHECK_EQ_INT(a.nsent, 1);
	CHECK_EQ_INT(b.nsent, 0);
	conn_clear(&a);

	/* unsubscribing: true once, then not found; another connection's id
	 * is not found either, and stays live */
	char p[128];
	snprintf(p, sizeof p, "[\"%s\"]", by_addr);
	json_t *ok = result(c, &a, "eth_unsubscribe", p);
	CHECK(json_is_true(ok));
	json_decref(ok);
	CHECK(is_error(c, &a, "eth_unsubscribe", p, -32000,
	               "subscription not found"));
	snprintf(p, sizeof p, "[\"%s\"]", b_any);
	CHECK(is_error(c, &a, "eth_unsubscribe", p, -32000,
	               "subscription not found"));

	/* block 3: LOG_A again, now inside from3's range */
	tx b3[1] = {call_tx(0, 2, &log_a, 3, 100000)};
	CHECK(grow(c, b3, 1, &c->hashes[3], c->txh[2]));
	char h3[67];
	hex_of(&c->hashes[3], h3);
	snprintf(crit, sizeof crit, "{\"blockHash\": \"%s\"}", h3);
	CHECK_EQ_INT(count_of(&a, by_addr), 0);
	CHECK_EQ_INT(count_of(&a, by_topic), 0); /* value 3 */
	CHECK_EQ_INT(results_of(&a, any, r, SENT_MAX), 1);
	CHECK(log_is(c, r[0], crit, 0));
	CHECK_EQ_INT(results_of(&a, from3, r, SENT_MAX), 1);
	CHECK(str_is(json_object_get(r[0], "blockNumber"), "0x3"));
	CHECK(log_is(c, r[0], crit, 0));
	CHECK_EQ_INT(count_of(&a, heads), 1);
	CHECK_EQ_INT(b.nsent, 0);
	conn_clear(&a);

	/* a pending transaction: its hash, or its object from the pool */
	tx pt = call_tx(1, 1, &log_a, 9, 100000);
	buf raw = BUF_INIT;
	CHECK_EQ_INT(tx_encode(&pt, &raw), DURE_OK);
	txpool_env env = {.rev = FORK_CANCUN, .chain_id = 1337,
	                  .base_fee = u256_from_u64(1000000000),
	                  .gas_limit = 30000000};
	env.account = fake_account;
	txpool_result tr;
	int err = txpool_add_raw(c->pool, &env, raw.data, raw.len, &tr);
	buf_free(&raw);
	tx_free(&pt);
	CHECK_EQ_INT(err, DURE_OK);
	api_subs_on_pending_tx(c->subs, &tr.hash);
	char th[67];
	hex_of(&tr.hash, th);
	CHECK_EQ_INT(results_of(&a, pend, r, SENT_MAX), 1);
	CHECK(str_is(r[0], th));
	CHECK_EQ_INT(results_of(&a, pend_full, r, SENT_MAX), 1);
	CHECK(str_is(json_object_get(r[0], "hash"), th));
	CHECK(str_is(json_object_get(r[0], "from"), KEY2_ADDR));
	CHECK(str_is(json_object_get(r[0], "to"), LOG_A));
	CHECK(str_is(json_object_get(r[0], "nonce"), "0x1"));
	CHECK(str_is(json_object_get(r[0], "value"), "0x9"));
	CHECK(json_is_null(json_object_get(r[0], "blockHash")));
	CHECK(json_is_null(json_object_get(r[0], "blockNumber")));
	CHECK_EQ_INT(a.nsent, 2);
	conn_clear(&a);
	/* a hash the pool does not hold: hashes only */
	api_subs_on_pending_tx(c->subs, &c->hashes[3]);
	CHECK_EQ_INT(count_of(&a, pend), 1);
	CHECK_EQ_INT(count_of(&a, pend_full), 0);
	conn_clear(&a);

	/* a connection that closes takes its subscriptions along; the other
	 * one's go on */
	conn_close(&a);
	api_subs_on_head(c->subs, NULL, 0, &c->hashes[1], 1);
	CHECK_EQ_INT(count_of(&b, b_any), 1);
	conn_clear(&b);

	/* a connection that refuses what it is sent (its queue is full) gets
	 * nothing more pushed while it closes */
	b.full = true;
	b.sends = 0;
	api_subs_on_head(c->subs, NULL, 0, &c->hashes[1], 1);
	api_subs_on_head(c->subs, NULL, 0, &c->hashes[1], 1);
	CHECK_EQ_INT(b.sends, 1);
	CHECK_EQ_INT(b.nsent, 0);
	conn_close(&b);
}

/* Whether a removed log is the log eth_getLogs finds at index i of its
 * block (still stored, as a side block) but for removed. */
static bool same_as_stored(chain *c, const json_t *l, const h256 *hash,
                           size_t i)
{
	char p[128];
	block_logs_params(hash, p);
	return removed_copy_of(result(c, NULL, "eth_getLogs", p), i, l);
}

/* Whether head (a pushed header) is block (hash, number) on parent. */
static bool head_at(const json_t *head, const h256 *hash, const char *number,
                    const h256 *parent)
{
	char h[67], p[67];
	hex_of(hash, h);
	hex_of(parent, p);
	return str_is(json_object_get(head, "hash"), h) &&
	       str_is(json_object_get(head, "number"), number) &&
	       str_is(json_object_get(head, "parentHash"), p);
}

/* On head 3: block 4 (key 2 calls LOG_B with 4, key 1 LOG_A with 5) is
 * reorganised away for 4' (key 1 calls LOG_B with 6) and 5' (key 2 calls
 * LOG_A with 7); then 4' and 5' are rewound. */
static void test_reorg(chain *c)
{
	fake_conn a;
	conn_open(&a);
	char heads[40], any[40], by_b[40], from5[40];
	CHECK(subscribe(c, &a, "[\"newHeads\"]", heads));
	CHECK(subscribe(c, &a, "[\"logs\", {}]", any));
	CHECK(subscribe(c, &a, "[\"logs\", {\"address\": \"" LOG_B "\"}]",
	                by_b));
	CHECK(subscribe(c, &a, "[\"logs\", {\"fromBlock\": \"0x5\"}]", from5));

	h256 h4, t4[2];
	tx b4[2] = {call_tx(1, 1, &log_b, 4, 100000),
	            call_tx(0, 3, &log_a, 5, 100000)};
	CHECK(grow(c, b4, 2, &h4, t4));
	CHECK_EQ_INT(count_of(&a, any), 2);
	conn_clear(&a);

	/* The reorg: 4 leaves, 4' and 5' join. */
	h256 h4b, h5b, t4b[1], t5b[1];
	CHECK_EQ_INT(blockchain_rewind(c->bc, 3), 0);
	tx b4b[1] = {call_tx(0, 3, &log_b, 6, 100000)};
	tx b5b[1] = {call_tx(1, 1, &log_a, 7, 100000)};
	CHECK(seal(c, b4b, 1, &h4b, t4b));
	CHECK(seal(c, b5b, 1, &h5b, t5b));
	moved(c, &h4);
	json_t *r[SENT_MAX];
	CHECK_EQ_INT(results_of(&a, any, r, SENT_MAX), 4);
	CHECK(log_at(r[0], &h4, "0x4", &t4[0], "0x0", LOG_B, 4, true));
	CHECK(log_at(r[1], &h4, "0x4", &t4[1], "0x1", LOG_A, 5, true));
	CHECK(same_as_stored(c, r[0], &h4, 0));
	CHECK(same_as_stored(c, r[1], &h4, 1));
	CHECK(log_at(r[2], &h4b, "0x4", &t4b[0], "0x0", LOG_B, 6, false));
	CHECK(log_at(r[3], &h5b, "0x5", &t5b[0], "0x0", LOG_A, 7, false));
	CHECK_EQ_INT(results_of(&a, by_b, r, SENT_MAX), 2);
	CHECK(log_at(r[0], &h4, "0x4", &t4[0], "0x0", LOG_B, 4, true));
	CHECK(log_at(r[1], &h4b, "0x4", &t4b[0], "0x0", LOG_B, 6, false));
	/* fromBlock 5 bounds the removed logs too. */
	CHECK_EQ_INT(results_of(&a, from5, r, SENT_MAX), 1);
	CHECK(log_at(r[0], &h5b, "0x5", &t5b[0], "0x0", LOG_A, 7, false));
	CHECK_EQ_INT(results_of(&a, heads, r, SENT_MAX), 2);
	CHECK(head_at(r[0], &h4b, "0x4", &c->hashes[3]));
	CHECK(head_at(r[1], &h5b, "0x5", &h4b));
	CHECK_EQ_INT(a.nsent, 9);
	conn_clear(&a);

	/* A rewind (a dev revert): 4' and 5' leave, oldest first, and no
	 * header is pushed. */
	CHECK_EQ_INT(blockchain_rewind(c->bc, 3), 0);
	moved(c, &h5b);
	CHECK_EQ_INT(results_of(&a, any, r, SENT_MAX), 2);
	CHECK(log_at(r[0], &h4b, "0x4", &t4b[0], "0x0", LOG_B, 6, true));
	CHECK(log_at(r[1], &h5b, "0x5", &t5b[0], "0x0", LOG_A, 7, true));
	CHECK_EQ_INT(count_of(&a, by_b), 1);
	CHECK_EQ_INT(count_of(&a, from5), 1);
	CHECK_EQ_INT(count_of(&a, heads), 0);
	conn_close(&a);
}

static void test_limits(chain *c)
{
	fake_conn conns[API_SUBS_MAX / API_SUBS_PER_SESSION_MAX + 1];
	size_t nconns = sizeof conns / sizeof conns[0];
	char id[40];
	bool all = true;
	for (size_t k = 0; k < nconns - 1; k++) {
		conn_open(&conns[k]);
		for (int i = 0; i < API_SUBS_PER_SESSION_MAX; i++)
			all &= subscribe(c, &conns[k], "[\"newHeads\"]", id);
	}
	CHECK(all);
	CHECK(is_error(c, &conns[0], "eth_subscribe", "[\"newHeads\"]", -32005,
	               "too many subscriptions"));
	conn_open(&conns[nconns - 1]);
	CHECK(is_error(c, &conns[nconns - 1], "eth_subscribe", "[\"newHeads\"]",
	               -32005, "too many subscriptions"));
	/* room again once a connection has gone */
	conn_close(&conns[3]);
	CHECK(subscribe(c, &conns[nconns - 1], "[\"newHeads\"]", id));
	/* the table goes first; closing its sessions afterwards is safe */
	api_subs_free(c->subs);
	c->subs = NULL;
	for (size_t k = 0; k < nconns; k++)
		if (k != 3)
			conn_close(&conns[k]);
}

static void test_subscribe(void)
{
	chain c;
	CHECK(chain_open(&c));
	test_errors(&c);
	test_events(&c);
	test_reorg(&c);
	test_limits(&c);
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
	if (hex_decode_exact(KEY2_ADDR, key2.b, 20))
		abort();
}

TEST_MAIN(setup, test_subscribe)
