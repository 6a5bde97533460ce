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
#include "tools/fixtures.h"
#include "tools/statetest.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/hex.h"
#include "chain/receipt.h"
#include "chain/transition.h"
#include "chain/tx.h"
#include "evm/opcodes.h"
#include "state/state.h"

#define ENTRY_NAME_MAX 512

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
	statetest_bad b = {0};
	h256 want_root, want_logs;
	json_t *idx = json_object_get(entry, "indexes");
	json_t *expect = json_object_get(entry, "expectException");
	if (statetest_field_fixed(entry, "hash", want_root.b, 32, &b) ||
	    statetest_field_fixed(entry, "logs", want_logs.b, 32, &b)) {
		fx_fail(ctx, name, "field %s: %s", b.field, dure_strerror(b.err));
		return;
	}
	uint64_t d, g, v;
	if (statetest_field_u64(idx, "data", &d, &b) ||
	    statetest_field_u64(idx, "gas", &g, &b) ||
	    statetest_field_u64(idx, "value", &v, &b)) {
		fx_fail(ctx, name, "field indexes.%s: %s", b.field,
		        dure_strerror(b.err));
		return;
	}
	state *st;
	int err = statetest_pre(in->pre, &st, &b);
	if (err) {
		fx_fail(ctx, name, "field %s: %s", b.field ? b.field : "pre",
		        dure_strerror(err));
		return;
	}
	tx t;
	err = statetest_tx(in->tx, in->rev, d, g, v, &t, &b);
	if (err && err != DURE_ERANGE) {
		fx_fail(ctx, name, "field transaction.%s: %s", b.field,
		        dure_strerror(err));
		tx_free(&t);
		state_free(st);
		return;
	}
	address sender;
	if (!err)
		err = statetest_sender(in->tx, &t, &sender);
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
	                  : transition_apply(st, in->rev, &in->env, &t, &sender, NULL,
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
	statetest_bad b = {0};
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
	int err = statetest_env(json_object_get(c, "env"), in.rev, &in.env, &b);
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
