/* GeneralStateTests runner.
 *
 * A file maps test names to
 *   {env, pre: {addr: {balance, nonce, code, storage}},
 *    transaction: {data[], gasLimit[], value[], nonce, to, secretKey, sender,
 *                  gasPrice | maxFeePerGas + maxPriorityFeePerGas,
 *                  accessLists[], blobVersionedHashes, maxFeePerBlobGas},
 *    post: {Fork: [{indexes: {data, gas, value}, hash, logs,
 *                   expectException?}]}}.
 * Each post entry of the selected fork is one case: a fresh pre-state, the
 * transaction picked by its indexes, then the state root and the hash of
 * the logs compared. A case with expectException passes only if the
 * transaction is rejected (and the root is then the pre-state's). */
#include "node/fixtures.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "chain/receipt.h"
#include "chain/transition.h"
#include "chain/tx.h"
#include "crypto/keccak.h"
#include "evm/opcodes.h"
#include "state/state.h"

#define ENTRY_NAME_MAX 512

/* A field that could not be read: its name, for the failure message. */
typedef struct bad {
	const char *field;
	int err;
} bad;

static int fail_field(bad *b, const char *field, int err)
{
	b->field = field;
	b->err = err;
	return err;
}

/* Numbers are hex or decimal strings; "0x:bigint 0x..." marks one that may
 * be too large for any field. Well-formed but above 2^256-1 is ERANGE. */
static int num_u256(json_t *v, u256 *out)
{
	*out = U256_ZERO;
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = u256_from_u64((uint64_t)json_integer_value(v));
		return DURE_OK;
	}
	if (!json_is_string(v))
		return DURE_EJSON;
	const char *s = json_string_value(v);
	static const char bigint[] = "0x:bigint ";
	if (strncmp(s, bigint, sizeof bigint - 1) == 0)
		s += sizeof bigint - 1;
	if (u256_from_string(s, out) == 0)
		return DURE_OK;
	*out = U256_ZERO;
	bool is_hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	const char *digits = is_hex ? s + 2 : s;
	size_t n = strlen(digits);
	if (n == 0 || strspn(digits, is_hex ? "0123456789abcdefABCDEF"
	                                   : "0123456789") != n)
		return DURE_EJSON;
	return DURE_ERANGE;
}

/* Numbers too large for their field are ERANGE, not malformed: some
 * fixtures give them on purpose, expecting the transaction to be rejected. */
static int num_u64(json_t *v, uint64_t *out)
{
	u256 x;
	int err = num_u256(v, &x);
	if (err)
		return err;
	if (!u256_fits_u64(&x))
		return DURE_ERANGE;
	*out = x.w[0];
	return DURE_OK;
}

static int field_u256(json_t *o, const char *key, u256 *out, bad *b)
{
	int err = num_u256(json_object_get(o, key), out);
	return err ? fail_field(b, key, err) : DURE_OK;
}

static int field_u64(json_t *o, const char *key, uint64_t *out, bad *b)
{
	int err = num_u64(json_object_get(o, key), out);
	return err ? fail_field(b, key, err) : DURE_OK;
}

static int str_bytes(json_t *v, buf *out)
{
	if (!json_is_string(v))
		return DURE_EJSON;
	const char *s = json_string_value(v);
	return hex_decode(s, strlen(s), out);
}

static int str_fixed(json_t *v, uint8_t *out, size_t n)
{
	if (!json_is_string(v))
		return DURE_EJSON;
	return hex_decode_exact(json_string_value(v), out, n);
}

static int field_fixed(json_t *o, const char *key, uint8_t *out, size_t n,
                       bad *b)
{
	int err = str_fixed(json_object_get(o, key), out, n);
	return err ? fail_field(b, key, err) : DURE_OK;
}

/* ---- env and pre ---- */

static h256 fixture_block_hash(void *ctx, uint64_t number)
{
	/* The hash the fixtures were filled with: keccak of the decimal
	 * block number. */
	char dec[24];
	int n = snprintf(dec, sizeof dec, "%" PRIu64, number);
	h256 h;
	keccak256((const uint8_t *)dec, (size_t)n, h.b);
	return h;
}

static int load_env(json_t *env, fork rev, block_env *out, bad *b)
{
	memset(out, 0, sizeof *out);
	out->chain_id = 1;
	out->block_hash = fixture_block_hash;
	int err;
	if ((err = field_fixed(env, "currentCoinbase", out->coinbase.b, 20, b)) ||
	    (err = field_u64(env, "currentNumber", &out->number, b)) ||
	    (err = field_u64(env, "currentTimestamp", &out->timestamp, b)) ||
	    (err = field_u64(env, "currentGasLimit", &out->gas_limit, b)))
		return err;
	if (json_object_get(env, "currentBaseFee") &&
	    (err = field_u256(env, "currentBaseFee", &out->base_fee, b)))
		return err;
	if (json_object_get(env, "currentExcessBlobGas") &&
	    (err = field_u64(env, "currentExcessBlobGas", &out->excess_blob_gas,
	                     b)))
		return err;
	if (rev >= FORK_PARIS && json_object_get(env, "currentRandom"))
		return field_fixed(env, "currentRandom", out->prev_randao.b, 32, b);
	u256 diff;
	if ((err = field_u256(env, "currentDifficulty", &diff, b)))
		return err;
	u256_to_be(&diff, out->prev_randao.b);
	return DURE_OK;
}

/* Loads the pre-state into a fresh state and commits it. */
static int load_pre(json_t *pre, state **out, bad *b)
{
	state *st;
	int err = state_new(&st);
	if (err)
		return err;
	if (!json_is_object(pre)) {
		state_free(st);
		return fail_field(b, "pre", DURE_EJSON);
	}
	buf code = BUF_INIT;
	const char *key;
	json_t *acct;
	json_object_foreach(pre, key, acct) {
		address a;
		u256 bal;
		uint64_t nonce;
		err = hex_decode_exact(key, a.b, 20);
		if (err) {
			fail_field(b, "pre address", err);
			break;
		}
		buf_reset(&code);
		if ((err = field_u256(acct, "balance", &bal, b)) ||
		    (err = field_u64(acct, "nonce", &nonce, b)))
			break;
		if ((err = str_bytes(json_object_get(acct, "code"), &code))) {
			fail_field(b, "code", err);
			break;
		}
		state_create_account(st, &a);
		state_set_balance(st, &a, &bal);
		state_set_nonce(st, &a, nonce);
		if (code.len)
			state_set_code(st, &a, code.data, code.len);
		json_t *storage = json_object_get(acct, "storage");
		const char *skey;
		json_t *sval;
		json_object_foreach(storage, skey, sval) {
			u256 k, v;
			if (u256_from_string(skey, &k) || num_u256(sval, &v)) {
				err = fail_field(b, "storage", DURE_EJSON);
				break;
			}
			state_set_storage(st, &a, &k, &v);
		}
		if (err)
			break;
	}
	buf_free(&code);
	state_end_tx(st, false);
	if (!err && state_failed(st))
		err = DURE_ENOMEM;
	if (err) {
		state_free(st);
		return err;
	}
	*out = st;
	return DURE_OK;
}

/* ---- the transaction ---- */

static int load_access_list(json_t *list, tx *t, bad *b)
{
	size_t n = json_array_size(list);
	if (!json_is_array(list))
		return fail_field(b, "accessLists", DURE_EJSON);
	if (n == 0)
		return DURE_OK;
	t->access_list = calloc(n, sizeof *t->access_list);
	if (!t->access_list)
		return DURE_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(list, i);
		tx_access *acc = &t->access_list[i];
		t->access_list_len = i + 1;
		if (str_fixed(json_object_get(e, "address"), acc->addr.b, 20))
			return fail_field(b, "accessLists address", DURE_EJSON);
		json_t *keys = json_object_get(e, "storageKeys");
		size_t nk = json_array_size(keys);
		if (nk == 0)
			continue;
		acc->keys = calloc(nk, sizeof *acc->keys);
		if (!acc->keys)
			return DURE_ENOMEM;
		acc->nkeys = nk;
		for (size_t k = 0; k < nk; k++)
			if (str_fixed(json_array_get(keys, k), acc->keys[k].b, 32))
				return fail_field(b, "storageKeys", DURE_EJSON);
	}
	return DURE_OK;
}

static int load_blobs(json_t *jt, tx *t, bad *b)
{
	json_t *hashes = json_object_get(jt, "blobVersionedHashes");
	size_t n = json_array_size(hashes);
	int err = field_u256(jt, "maxFeePerBlobGas", &t->max_fee_per_blob_gas, b);
	if (err || n == 0)
		return err;
	t->blob_hashes = calloc(n, sizeof *t->blob_hashes);
	if (!t->blob_hashes)
		return DURE_ENOMEM;
	t->blob_hashes_len = n;
	for (size_t i = 0; i < n; i++)
		if (str_fixed(json_array_get(hashes, i), t->blob_hashes[i].b, 32))
			return fail_field(b, "blobVersionedHashes", DURE_EJSON);
	return DURE_OK;
}

/* Builds the transaction for indexes (d, g, v). DURE_ERANGE means the
 * transaction cannot be represented (a value too large for its field, a
 * shape that cannot be encoded): it is invalid, which some cases expect. */
static int load_tx(json_t *jt, fork rev, size_t d, size_t g, size_t v, tx *t,
                   bad *b)
{
	memset(t, 0, sizeof *t);
	int err;
	json_t *data = json_array_get(json_object_get(jt, "data"), d);
	json_t *gas = json_array_get(json_object_get(jt, "gasLimit"), g);
	json_t *value = json_array_get(json_object_get(jt, "value"), v);
	if (!data)
		return fail_field(b, "data", DURE_EJSON);
	if ((err = num_u64(gas, &t->gas_limit)))
		return fail_field(b, "gasLimit", err);
	if ((err = num_u256(value, &t->value)))
		return fail_field(b, "value", err);
	if ((err = field_u64(jt, "nonce", &t->nonce, b)))
		return err;
	buf bytes = BUF_INIT;
	err = str_bytes(data, &bytes);
	if (err) {
		buf_free(&bytes);
		return fail_field(b, "data", err);
	}
	t->data = buf_steal(&bytes, &t->data_size);
	json_t *to = json_object_get(jt, "to");
	if (!json_is_string(to))
		return fail_field(b, "to", DURE_EJSON);
	t->has_to = json_string_length(to) > 0;
	if (t->has_to && (err = str_fixed(to, t->to.b, 20)))
		return fail_field(b, "to", err);

	json_t *lists = json_object_get(jt, "accessLists");
	json_t *list = json_array_get(lists, d);
	if (json_object_get(jt, "blobVersionedHashes") ||
	    json_object_get(jt, "maxFeePerBlobGas"))
		t->type = TX_BLOB;
	else if (json_object_get(jt, "maxFeePerGas"))
		t->type = TX_DYNAMIC_FEE;
	else if (list && !json_is_null(list))
		t->type = TX_ACCESS_LIST;
	else
		t->type = TX_LEGACY;
	if (t->type >= TX_DYNAMIC_FEE) {
		if ((err = field_u256(jt, "maxFeePerGas", &t->max_fee, b)) ||
		    (err = field_u256(jt, "maxPriorityFeePerGas",
		                      &t->max_priority_fee, b)))
			return err;
	} else if ((err = field_u256(jt, "gasPrice", &t->gas_price, b))) {
		return err;
	}
	if (list && !json_is_null(list) && (err = load_access_list(list, t, b)))
		return err;
	if (t->type == TX_BLOB && (err = load_blobs(jt, t, b)))
		return err;
	t->has_chain_id = t->type != TX_LEGACY || rev >= FORK_SPURIOUS;
	t->chain_id = 1;
	uint8_t key[32];
	if ((err = field_fixed(jt, "secretKey", key, 32, b)))
		return err;
	err = tx_sign(t, key);
	memset(key, 0, sizeof key);
	if (err == DURE_EKEY)
		return fail_field(b, "secretKey", err);
	/* Any other refusal to sign is a transaction that cannot exist on the
	 * wire (say, a blob tx without recipient): invalid, not malformed. */
	return err ? DURE_ERANGE : DURE_OK;
}

/* ---- tracing ---- */

static void trace_step(void *ctx, const evm_trace_step *s)
{
	(void)ctx;
	char hex[67];
	const char *name = evm_op_name(s->op);
	fprintf(stderr, "{\"pc\":%" PRIu64 ",\"op\":%u,\"gas\":\"0x%" PRIx64
	        "\",\"gasCost\":\"0x%" PRIx64 "\",\"memSize\":%" PRIu64
	        ",\"stack\":[",
	        s->pc, s->op, (uint64_t)s->gas, (uint64_t)s->gas_cost, s->mem_size);
	for (size_t i = 0; i < s->stack_size; i++) {
		u256_to_hex(&s->stack[i], hex);
		fprintf(stderr, "%s\"%s\"", i ? "," : "", hex);
	}
	fprintf(stderr, "],\"depth\":%d,\"refund\":%" PRId64 ",\"opName\":\"%s\"}\n",
	        s->depth, s->refund, name ? name : "INVALID");
}

static void trace_summary(const h256 *root, const buf *output, uint64_t used,
                          bool pass)
{
	char r[65];
	hex_encode(root->b, 32, r);
	fprintf(stderr, "{\"stateRoot\":\"0x%s\",\"output\":\"", r);
	for (size_t i = 0; i < output->len; i++)
		fprintf(stderr, "%02x", output->data[i]);
	fprintf(stderr, "\",\"gasUsed\":\"0x%" PRIx64 "\",\"pass\":%s}\n", used,
	        pass ? "true" : "false");
}

/* ---- one case ---- */

typedef struct test_in {
	json_t *pre;
	json_t *tx;
	block_env env;
	fork rev;
} test_in;

static void run_entry(fx_ctx *ctx, const test_in *in, json_t *entry,
                      const char *name)
{
	bad b = {0};
	h256 want_root, want_logs;
	json_t *idx = json_object_get(entry, "indexes");
	json_t *expect = json_object_get(entry, "expectException");
	if (field_fixed(entry, "hash", want_root.b, 32, &b) ||
	    field_fixed(entry, "logs", want_logs.b, 32, &b)) {
		fx_fail(ctx, name, "field %s: %s", b.field, dure_strerror(b.err));
		return;
	}
	uint64_t d, g, v;
	if (field_u64(idx, "data", &d, &b) || field_u64(idx, "gas", &g, &b) ||
	    field_u64(idx, "value", &v, &b)) {
		fx_fail(ctx, name, "field indexes.%s: %s", b.field,
		        dure_strerror(b.err));
		return;
	}
	state *st;
	int err = load_pre(in->pre, &st, &b);
	if (err) {
		fx_fail(ctx, name, "field %s: %s", b.field ? b.field : "pre",
		        dure_strerror(err));
		return;
	}
	tx t;
	err = load_tx(in->tx, in->rev, d, g, v, &t, &b);
	if (err && err != DURE_ERANGE) {
		fx_fail(ctx, name, "field transaction.%s: %s", b.field,
		        dure_strerror(err));
		tx_free(&t);
		state_free(st);
		return;
	}
	address sender;
	json_t *js = json_object_get(in->tx, "sender");
	if (!err && js && str_fixed(js, sender.b, 20))
		err = DURE_EJSON;
	else if (!err && !js)
		err = tx_sender(&t, &sender);
	if (err && err != DURE_ERANGE) {
		fx_fail(ctx, name, "field transaction.sender: %s",
		        dure_strerror(err));
		tx_free(&t);
		state_free(st);
		return;
	}

	receipt rc = {0};
	buf output = BUF_INIT;
	const fx_opts *opts = fx_options(ctx);
	tx_tracer tracer = {trace_step, NULL};
	int applied = err ? err
	                  : transition_apply(st, in->rev, &in->env, &t, &sender, 0,
	                                     opts->trace ? &tracer : NULL,
	                                     &output, &rc);
	h256 root, logs;
	int herr = state_root(st, &root);
	if (!herr)
		herr = logs_hash(rc.logs, rc.nlogs, &logs);
	bool pass = false;
	if (herr)
		fx_fail(ctx, name, "hashing: %s", dure_strerror(herr));
	else if (applied == DURE_ENOMEM)
		fx_fail(ctx, name, "out of memory");
	else if (expect && applied == DURE_OK)
		fx_fail(ctx, name, "expected exception %s, but the tx was included",
		        json_string_value(expect));
	else if (!expect && applied != DURE_OK)
		fx_fail(ctx, name, "tx rejected: %s", dure_strerror(applied));
	else if (!h256_eq(&root, &want_root))
		fx_fail(ctx, name, "state root mismatch");
	else if (!h256_eq(&logs, &want_logs))
		fx_fail(ctx, name, "logs hash mismatch");
	else
		pass = true;
	if (pass)
		fx_pass(ctx, name);
	if (opts->trace)
		trace_summary(&root, &output, rc.gas_used, pass);
	buf_free(&output);
	receipt_free(&rc);
	tx_free(&t);
	state_free(st);
}

static void run_test(fx_ctx *ctx, const char *test, json_t *c,
                     const char *fork_label)
{
	json_t *entries = json_object_get(json_object_get(c, "post"), fork_label);
	if (!entries)
		return;
	test_in in = {.pre = json_object_get(c, "pre"),
	              .tx = json_object_get(c, "transaction")};
	bad b = {0};
	if (fork_from_name(fork_label, &in.rev)) {
		fx_fail(ctx, test, "unknown fork %s", fork_label);
		return;
	}
	if (!json_is_array(entries) || !json_is_object(in.tx)) {
		fx_fail(ctx, test, "field %s: %s",
		        json_is_array(entries) ? "transaction" : "post",
		        dure_strerror(DURE_EJSON));
		return;
	}
	int err = load_env(json_object_get(c, "env"), in.rev, &in.env, &b);
	if (err) {
		fx_fail(ctx, test, "field env.%s: %s", b.field, dure_strerror(err));
		return;
	}
	size_t i;
	json_t *entry;
	json_array_foreach(entries, i, entry) {
		json_t *idx = json_object_get(entry, "indexes");
		char name[ENTRY_NAME_MAX];
		snprintf(name, sizeof name, "%s/%s/d%" JSON_INTEGER_FORMAT
		         "g%" JSON_INTEGER_FORMAT "v%" JSON_INTEGER_FORMAT,
		         test, fork_label,
		         json_integer_value(json_object_get(idx, "data")),
		         json_integer_value(json_object_get(idx, "gas")),
		         json_integer_value(json_object_get(idx, "value")));
		if (fx_selected(ctx, name))
			run_entry(ctx, &in, entry, name);
	}
}

void fx_run_state(fx_ctx *ctx, json_t *root)
{
	const char *fork_label = fx_options(ctx)->fork;
	if (!fork_label)
		fork_label = "Cancun";
	const char *test;
	json_t *c;
	json_object_foreach(root, test, c) {
		if (json_is_object(c))
			run_test(ctx, test, c, fork_label);
		else
			fx_fail(ctx, test, "test is not an object");
	}
}
