/* TransactionTests runner. Each case holds "txbytes" and, per fork, either
 * the expected {hash, sender, intrinsicGas} or an {exception}. Every
 * (case, fork) pair is one result named "case/Fork". The fixtures are
 * filled for chain id 1. */
#include "tools/fixtures.h"

#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/hex.h"
#include "chain/tx.h"

#define FIXTURE_CHAIN_ID 1

/* Everything our code says about the tx at one fork. */
typedef struct tx_outcome {
	int err;             /* first rejection, DURE_OK if accepted */
	h256 hash;
	address sender;
	uint64_t intrinsic_gas;
} tx_outcome;

static void judge(const tx *t, int decode_err, fork rev, tx_outcome *o)
{
	memset(o, 0, sizeof *o);
	o->err = decode_err;
	if (o->err == DURE_OK)
		o->err = tx_validate(t, rev);
	if (o->err == DURE_OK)
		o->err = tx_check_chain_id(t, FIXTURE_CHAIN_ID);
	if (o->err == DURE_OK)
		o->err = tx_sender(t, &o->sender);
	if (o->err == DURE_OK)
		o->err = tx_hash(t, &o->hash);
	if (o->err == DURE_OK)
		o->err = tx_intrinsic_gas(t, rev, &o->intrinsic_gas);
}

/* Compares an accepted tx with the expected {hash, sender, intrinsicGas}. */
static void check_success(fx_ctx *ctx, const char *name, json_t *want,
                          const tx_outcome *o)
{
	const char *hash = json_string_value(json_object_get(want, "hash"));
	const char *sender = json_string_value(json_object_get(want, "sender"));
	const char *gas = json_string_value(json_object_get(want, "intrinsicGas"));
	h256 want_hash;
	address want_sender;
	u256 want_gas;
	if (!hash || !sender || !gas ||
	    hex_decode_exact(hash, want_hash.b, sizeof want_hash.b) != DURE_OK ||
	    hex_decode_exact(sender, want_sender.b, sizeof want_sender.b) != DURE_OK ||
	    u256_from_string(gas, &want_gas) != 0) {
		fx_fail(ctx, name, "malformed expectation");
		return;
	}
	if (o->err != DURE_OK) {
		fx_fail(ctx, name, "expected valid, rejected: %s",
		        dure_strerror(o->err));
		return;
	}
	if (!h256_eq(&o->hash, &want_hash)) {
		fx_fail(ctx, name, "hash mismatch");
		return;
	}
	if (!address_eq(&o->sender, &want_sender)) {
		fx_fail(ctx, name, "sender mismatch");
		return;
	}
	if (!u256_fits_u64(&want_gas) || want_gas.w[0] != o->intrinsic_gas) {
		fx_fail(ctx, name, "intrinsic gas %llu, expected %s",
		        (unsigned long long)o->intrinsic_gas, gas);
		return;
	}
	fx_pass(ctx, name);
}

static void run_fork(fx_ctx *ctx, const char *name, const char *fork_str,
                     json_t *want, const tx *t, int decode_err)
{
	fork rev;
	if (fork_from_name(fork_str, &rev) != 0) {
		fx_fail(ctx, name, "unknown fork %s", fork_str);
		return;
	}
	tx_outcome o;
	judge(t, decode_err, rev, &o);
	const char *exception = json_string_value(json_object_get(want, "exception"));
	if (!exception) {
		check_success(ctx, name, want, &o);
		return;
	}
	if (o.err == DURE_OK) {
		fx_fail(ctx, name, "expected %s, accepted", exception);
		return;
	}
	/* Our reason need not match the fixture's wording; show both on
	 * request to help read a run. */
	if (fx_options(ctx)->trace)
		fprintf(stderr, "%s: expected %s, rejected: %s\n", name, exception,
		        dure_strerror(o.err));
	fx_pass(ctx, name);
}

static void run_case(fx_ctx *ctx, const char *case_name, json_t *c)
{
	json_t *results = json_object_get(c, "result");
	const char *hex = json_string_value(json_object_get(c, "txbytes"));
	if (!json_is_object(results) || !hex) {
		fx_fail(ctx, case_name, "missing txbytes or result");
		return;
	}
	buf raw = BUF_INIT;
	tx t;
	memset(&t, 0, sizeof t);
	/* Bad hex is a broken fixture, not an invalid tx: it must not pass as
	 * an expected rejection. */
	int hex_err = hex_decode(hex, strlen(hex), &raw);
	int decode_err = hex_err ? hex_err : tx_decode(raw.data, raw.len, &t);
	const char *fork_str;
	json_t *want;
	json_object_foreach(results, fork_str, want) {
		char name[512];
		snprintf(name, sizeof name, "%s/%s", case_name, fork_str);
		if (!fx_selected(ctx, name))
			continue;
		if (hex_err)
			fx_fail(ctx, name, "txbytes: %s", dure_strerror(hex_err));
		else
			run_fork(ctx, name, fork_str, want, &t, decode_err);
	}
	tx_free(&t);
	buf_free(&raw);
}

void fx_run_tx(fx_ctx *ctx, json_t *root)
{
	const char *case_name;
	json_t *c;
	json_object_foreach(root, case_name, c) {
		if (json_is_object(c))
			run_case(ctx, case_name, c);
		else
			fx_fail(ctx, case_name, "case is not an object");
	}
}
