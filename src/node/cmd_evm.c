/* `dure evm run` and `dure evm bench`.
 *
 * Both run one call frame through the state transition's host
 * (transition_call) on a snapshot of a state that was set up once, and undo
 * it afterwards, so that every repetition starts from the same state and
 * only the execution is timed; the code is analysed once beforehand
 * (evm_code_new), as evmone's benchmarks do.
 *
 * `dure evm bench DIR` reads the layout of ../shared/evm-benchmarks:
 *   DIR/state-tests/benchmarks/{main,micro}/NAME.json   state tests
 *   DIR/legacy-raw/{main,micro}/NAME.bin-runtime        raw bytecode
 *   DIR/legacy-raw/{main,micro}/NAME.inputs             its cases
 * A state test's answer is checked by its post-state root through the real
 * transition (transition_apply); the timed frame must then agree with that
 * transaction in status, output and gas. A raw case's answer is checked
 * against its expected output. A wrong answer is reported and never timed
 * into the summary. */
#include "node/cli.h"
#include "node/cmd_evm.h"

#include <dirent.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "chain/receipt.h"
#include "chain/transition.h"
#include "chain/tx.h"
#include "evm/evm.h"
#include "tools/evmbench.h"
#include "tools/statetest.h"
#include "state/state.h"

#define CODE_MAX (1u << 24)      /* bytes of code or input we accept */
#define NAME_MAX_LEN 256         /* a file stem, or test/set prefix */
#define ROW_NAME_LEN (2 * NAME_MAX_LEN + 32)
#define RAW_GAS INT64_MAX        /* gas of raw runs, as evmone gives them */

static const char usage[] =
	"usage: dure evm run --code HEX|@FILE [--input HEX|@FILE] [--gas N]\n"
	"                    [--fork NAME] [--bench] [timing options]\n"
	"       dure evm bench [--run REGEX] [timing options] DIR\n"
	"  run: executes the code as a call against an empty state and prints\n"
	"       its output, gas used and status; --bench then repeats it and ends\n"
	"       with 'median_us=.. gas_used=.. mgas_per_s=..'\n"
	"  bench: runs the benchmarks of DIR (../shared/evm-benchmarks), checks\n"
	"       each answer and prints a table with the ratio to evmone\n"
	"timing options:\n"
	"  --warmup N        untimed runs first (default 2)\n"
	"  --min-runs N      at least N timed runs (default 10)\n"
	"  --min-time S      and at least S seconds of them (default 0.5)\n"
	"  --max-runs N      at most N timed runs (default 1000000)\n"
	"  --quick           one timed run, no warm-up (also DURE_BENCH_QUICK=1):\n"
	"                    checks the answers, the times mean nothing\n";

/* ---- one frame, repeated ---- */

/* A call frame ready to run over a set-up state. */
typedef struct frame {
	state *st;
	fork rev;
	block_env env;
	evm_tx_context txc;
	evm_message msg;
	evm_code *code;          /* owned */
	evm_result first;        /* outcome of the first run */
} frame;

/* Runs f once on a snapshot of its state, then reverts; *us is the time of
 * the execution alone. */
static evm_result frame_once(frame *f, double *us)
{
	size_t snap = state_snapshot(f->st);
	double t0 = evmbench_now_us();
	evm_result r = transition_call(f->st, f->rev, &f->env, &f->txc,
	                               &f->msg, f->code);
	*us = evmbench_now_us() - t0;
	state_revert(f->st, snap);
	return r;
}

static bool same_result(const evm_result *a, const evm_result *b)
{
	return a->status == b->status && a->gas_left == b->gas_left &&
	       a->gas_refund == b->gas_refund &&
	       a->output_size == b->output_size &&
	       (a->output_size == 0 ||
	        memcmp(a->output, b->output, a->output_size) == 0);
}

/* evmbench_run_fn: a run must give the first run's answer. */
static int frame_run(void *ctx, double *us)
{
	frame *f = ctx;
	evm_result r = frame_once(f, us);
	bool same = same_result(&r, &f->first);
	evm_result_release(&r);
	if (state_failed(f->st))
		return DURE_ENOMEM;
	return same ? DURE_OK : DURE_EBENCH_DIFF;
}

/* Gas the frame used; a failure other than REVERT burns it all. */
static uint64_t frame_gas_used(const frame *f)
{
	const evm_result *r = &f->first;
	int64_t left = r->status == EVM_SUCCESS || r->status == EVM_REVERT
	                   ? r->gas_left
	                   : 0;
	return (uint64_t)(f->msg.gas - left);
}

static void frame_free(frame *f)
{
	evm_result_release(&f->first);
	evm_code_free(f->code);
	state_free(f->st);
	memset(f, 0, sizeof *f);
}

/* Sets up f to run code as a call from a fixed sender to a fixed account
 * on an empty state with a zero block environment. Takes no ownership of
 * input. Returns DURE_OK or DURE_ENOMEM; *setup_us is the set-up time. */
static int frame_empty(frame *f, fork rev, const uint8_t *code, size_t n,
                       const uint8_t *input, size_t input_size, int64_t gas,
                       double *setup_us)
{
	memset(f, 0, sizeof *f);
	double t0 = evmbench_now_us();
	evm_code *c;
	int err = state_new(&f->st);
	if (err)
		return err;
	err = evm_code_new(code, n, rev, &c);
	if (err) {
		frame_free(f);
		return err;
	}
	*setup_us = evmbench_now_us() - t0;
	f->code = c;
	f->rev = rev;
	const address sender = {{[0] = 0x5e, [19] = 0x01}};
	const address callee = {{[0] = 0xc0, [19] = 0x01}};
	f->txc.origin = sender;
	const tx bare = {.has_to = true, .to = callee};
	transition_warm(f->st, rev, &f->env, &bare, &sender);
	f->msg = (evm_message){
		.kind = EVM_CALL,
		.gas = gas,
		.recipient = callee,
		.sender = sender,
		.code_address = callee,
		.input = input,
		.input_size = input_size,
	};
	return DURE_OK;
}

static const char *status_name(evm_status s)
{
	switch (s) {
	case EVM_SUCCESS: return "success";
	case EVM_REVERT: return "revert";
	case EVM_OUT_OF_GAS: return "out of gas";
	case EVM_INVALID_INSTRUCTION: return "invalid instruction";
	case EVM_UNDEFINED_INSTRUCTION: return "undefined instruction";
	case EVM_STACK_OVERFLOW: return "stack overflow";
	case EVM_STACK_UNDERFLOW: return "stack underflow";
	case EVM_BAD_JUMP_DESTINATION: return "bad jump destination";
	case EVM_INVALID_MEMORY_ACCESS: return "invalid memory access";
	case EVM_CALL_DEPTH_EXCEEDED: return "call depth exceeded";
	case EVM_STATIC_MODE_VIOLATION: return "static mode violation";
	case EVM_PRECOMPILE_FAILURE: return "precompile failure";
	case EVM_CONTRACT_VALIDATION_FAILURE: return "contract validation failure";
	case EVM_ARGUMENT_OUT_OF_RANGE: return "argument out of range";
	case EVM_INSUFFICIENT_BALANCE: return "insufficient balance";
	case EVM_INTERNAL_ERROR: return "internal error";
	}
	return "unknown status";
}

/* ---- options ---- */

/* snprintf that says whether the result fit. A cut path would name another
 * file, so paths are checked; row names may be cut, they only label rows. */
__attribute__((format(printf, 3, 4)))
static bool fmt_fits(char *out, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(out, n, fmt, ap);
	va_end(ap);
	return len >= 0 && (size_t)len < n;
}

typedef struct opts {
	evmbench_opts timing;
	const char *run;         /* regex on benchmark names, or NULL */
} opts;

static bool parse_unsigned(const char *s, unsigned max, unsigned *out)
{
	unsigned long v;
	if (!cli_parse_ulong(s, max, &v))
		return false;
	*out = (unsigned)v;
	return true;
}

static bool parse_seconds(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (!*s || *end || !(v >= 0 && v <= 3600))
		return false;
	*out = v;
	return true;
}

static void quick(evmbench_opts *t)
{
	*t = (evmbench_opts){.warmup = 0, .min_runs = 1, .min_seconds = 0,
	                     .max_runs = 1};
}

/* Handles a timing option; returns false if c is not one or is bad. */
static bool timing_option(int c, const char *arg, evmbench_opts *t, bool *ok)
{
	*ok = true;
	switch (c) {
	case 'W': *ok = parse_unsigned(arg, 1000000, &t->warmup); return true;
	case 'N': *ok = parse_unsigned(arg, 100000000, &t->min_runs) &&
	                t->min_runs > 0;
		return true;
	case 'M': *ok = parse_unsigned(arg, 100000000, &t->max_runs) &&
	                t->max_runs > 0;
		return true;
	case 'T': *ok = parse_seconds(arg, &t->min_seconds); return true;
	case 'q': quick(t); return true;
	default: return false;
	}
}

static void default_timing(evmbench_opts *t)
{
	*t = (evmbench_opts){.warmup = 2, .min_runs = 10, .min_seconds = 0.5,
	                     .max_runs = 1000000};
	const char *q = getenv("DURE_BENCH_QUICK");
	if (q && *q && strcmp(q, "0") != 0)
		quick(t);
}

/* Reads a whole file, refusing more than max bytes. */
static int read_file(const char *path, size_t max, buf *out)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return DURE_EIO;
	char chunk[65536];
	size_t n;
	int err = DURE_OK;
	while (!err && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (out->len + n > max)
			err = DURE_ERANGE;
		else
			err = buf_append(out, chunk, n);
	}
	if (!err && ferror(f))
		err = DURE_EIO;
	fclose(f);
	return err;
}

/* HEX or @FILE (whose contents are hex) into out. */
static int hex_arg(const char *arg, buf *out)
{
	if (arg[0] != '@')
		return evmbench_hex_decode(arg, strlen(arg), CODE_MAX, out);
	buf text = BUF_INIT;
	int err = read_file(arg + 1, 4 * (size_t)CODE_MAX, &text);
	if (!err)
		err = evmbench_hex_decode((const char *)text.data, text.len,
		                          CODE_MAX, out);
	buf_free(&text);
	return err;
}

/* ---- dure evm run ---- */

static void print_hex_line(const char *label, const uint8_t *p, size_t n)
{
	printf("%s0x", label);
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	putchar('\n');
}

static int run_code(const buf *code, const buf *input, int64_t gas, fork rev,
                    bool bench, const evmbench_opts *timing)
{
	frame f;
	double setup_us, us;
	int err = frame_empty(&f, rev, code->data, code->len, input->data,
	                      input->len, gas, &setup_us);
	if (err) {
		fprintf(stderr, "dure evm run: %s\n", dure_strerror(err));
		return 1;
	}
	f.first = frame_once(&f, &us);
	uint64_t used = frame_gas_used(&f);
	print_hex_line("output: ", f.first.output, f.first.output_size);
	printf("gas_used: %" PRIu64 "\n", used);
	printf("status: %s\n", status_name(f.first.status));
	int rc = 0;
	if (bench) {
		evmbench_stats s;
		err = evmbench_measure(timing, frame_run, &f, &s);
		if (err) {
			fprintf(stderr, "dure evm run: %s\n", dure_strerror(err));
			rc = 1;
		} else {
			printf("median_us=%.3f gas_used=%" PRIu64
			       " mgas_per_s=%.1f\n",
			       s.median_us, used,
			       s.median_us > 0 ? (double)used / s.median_us : 0);
		}
	}
	frame_free(&f);
	return rc;
}

/* The timing options both subcommands take; timing_option reads them. */
#define TIMING_LONGOPTS                                                       \
	{"warmup", required_argument, NULL, 'W'},                                 \
	{"min-runs", required_argument, NULL, 'N'},                               \
	{"max-runs", required_argument, NULL, 'M'},                               \
	{"min-time", required_argument, NULL, 'T'},                               \
	{"quick", no_argument, NULL, 'q'},

static int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"code", required_argument, NULL, 'c'},
		{"input", required_argument, NULL, 'i'},
		{"gas", required_argument, NULL, 'g'},
		{"fork", required_argument, NULL, 'f'},
		{"bench", no_argument, NULL, 'b'},
		TIMING_LONGOPTS
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	const char *code_arg = NULL, *input_arg = "", *gas_arg = NULL;
	fork rev = FORK_CANCUN;
	bool bench = false, ok;
	evmbench_opts timing;
	default_timing(&timing);
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (timing_option(c, optarg, &timing, &ok)) {
			if (ok)
				continue;
			fprintf(stderr, "dure evm run: bad value for an option\n");
			return 2;
		}
		switch (c) {
		case 'c': code_arg = optarg; break;
		case 'i': input_arg = optarg; break;
		case 'g': gas_arg = optarg; break;
		case 'b': bench = true; break;
		case 'f':
			if (fork_from_name(optarg, &rev)) {
				fprintf(stderr, "dure evm run: unknown fork %s\n",
				        optarg);
				return 2;
			}
			break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (!code_arg || optind != argc) {
		fputs(usage, stderr);
		return 2;
	}
	int64_t gas = RAW_GAS;
	if (gas_arg) {
		char *end;
		long long g = strtoll(gas_arg, &end, 0);
		if (!*gas_arg || *end || g < 0) {
			fprintf(stderr, "dure evm run: bad --gas %s\n", gas_arg);
			return 2;
		}
		gas = g;
	}
	buf code = BUF_INIT, input = BUF_INIT;
	int err = hex_arg(code_arg, &code);
	const char *what = "--code", *arg = code_arg;
	if (!err) {
		what = "--input";
		arg = input_arg;
		err = hex_arg(input_arg, &input);
	}
	int rc = 2;
	if (err)
		fprintf(stderr, "dure evm run: %s %.64s: %s\n", what, arg,
		        dure_strerror(err));
	else
		rc = run_code(&code, &input, gas, rev, bench, &timing);
	buf_free(&code);
	buf_free(&input);
	return rc;
}

/* ---- dure evm bench: the table ---- */

typedef struct suite {
	opts o;
	regex_t re;
	bool has_re;
	unsigned ran, failed;
	double log_ratio_sum;    /* over the main set */
	unsigned nratios;
	unsigned nmain_ref;      /* main benchmarks with a reference figure */
} suite;

static bool selected(const suite *s, const char *name)
{
	return !s->has_re || regexec(&s->re, name, 0, NULL, 0) == 0;
}

static void print_header(void)
{
	printf("%-44s %11s %10s %11s %8s %9s %10s %7s  %s\n",
	       "benchmark/input", "gas_used", "setup_us", "median_us", "runs",
	       "Mgas/s", "evmone_us", "ratio", "check");
}

/* Reports a case whose answer was wrong or that could not run. */
static void row_fail(suite *s, const char *name, const char *why)
{
	s->ran++;
	s->failed++;
	printf("%-44s %11s %10s %11s %8s %9s %10s %7s  FAIL: %s\n", name, "-",
	       "-", "-", "-", "-", "-", "-", why);
	fflush(stdout);
}

static void row_ok(suite *s, const char *name, uint64_t gas,
                   double setup_us, const evmbench_stats *st)
{
	double ref_us;
	uint64_t ref_gas;
	bool has_ref = evmbench_baseline(name, &ref_us, &ref_gas);
	char ref[32] = "-", ratio[32] = "-", note[64] = "ok";
	if (has_ref) {
		double q = st->median_us / ref_us;
		snprintf(ref, sizeof ref, "%.2f", ref_us);
		snprintf(ratio, sizeof ratio, "%.3f", q);
		if (strncmp(name, "main/", 5) == 0 && q > 0) {
			s->log_ratio_sum += log(q);
			s->nratios++;
		}
		if (gas != ref_gas)
			snprintf(note, sizeof note, "ok (evmone gas %" PRIu64 ")",
			         ref_gas);
	}
	s->ran++;
	printf("%-44s %11" PRIu64 " %10.1f %11.2f %8u %9.1f %10s %7s  %s\n",
	       name, gas, setup_us, st->median_us, st->runs,
	       st->median_us > 0 ? (double)gas / st->median_us : 0, ref, ratio,
	       note);
	fflush(stdout);
}

/* Measures f (whose first run is done and checked) and prints its row. */
static void measure_row(suite *s, const char *name, frame *f,
                        double setup_us)
{
	evmbench_stats st;
	int err = evmbench_measure(&s->o.timing, frame_run, f, &st);
	if (err)
		row_fail(s, name, dure_strerror(err));
	else
		row_ok(s, name, frame_gas_used(f), setup_us, &st);
}

/* ---- state tests ---- */

/* The transaction's answer through the real transition. */
typedef struct real_tx {
	receipt rc;
	buf output;
} real_tx;

/* Applies t to a fresh pre-state and checks the post-state root and logs.
 * Returns NULL when right, else why not. */
static const char *check_state(json_t *test, json_t *entry, fork rev,
                               const block_env *env, const tx *t,
                               const address *sender, real_tx *out)
{
	statetest_bad b = {0};
	h256 want_root, want_logs, root, logs;
	if (statetest_field_fixed(entry, "hash", want_root.b, 32, &b) ||
	    statetest_field_fixed(entry, "logs", want_logs.b, 32, &b))
		return "post entry without hash or logs";
	if (json_object_get(entry, "expectException"))
		return "the transaction is expected to fail: not a benchmark";
	state *st;
	if (statetest_pre(json_object_get(test, "pre"), &st, &b))
		return "bad pre-state";
	const char *why = NULL;
	int err = transition_apply(st, rev, env, t, sender, NULL, NULL,
	                           &out->output, &out->rc);
	if (err)
		why = dure_strerror(err);
	else if (state_root(st, &root) || logs_hash(out->rc.logs,
	                                            out->rc.nlogs, &logs))
		why = "out of memory hashing the state";
	else if (!h256_eq(&root, &want_root))
		why = "post-state root mismatch";
	else if (!h256_eq(&logs, &want_logs))
		why = "logs hash mismatch";
	state_free(st);
	return why;
}

/* Sets f up as t's frame over a freshly loaded pre-state, after the
 * transaction's own prelude (transition_begin), so the frame sees the state
 * the real one saw. */
static const char *frame_state(frame *f, json_t *test, fork rev,
                               const block_env *env, const tx *t,
                               const address *sender, double *setup_us)
{
	statetest_bad b = {0};
	memset(f, 0, sizeof *f);
	double t0 = evmbench_now_us();
	if (statetest_pre(json_object_get(test, "pre"), &f->st, &b))
		return "bad pre-state";
	size_t n;
	const uint8_t *code = state_code(f->st, &t->to, &n);
	evm_code *c;
	if (evm_code_new(code, n, rev, &c)) {
		frame_free(f);
		return "out of memory";
	}
	*setup_us = evmbench_now_us() - t0;
	f->code = c;
	f->rev = rev;
	f->env = *env;
	tx_frame tf;
	if (transition_begin(f->st, rev, env, t, sender, NULL, &tf) != DURE_OK) {
		frame_free(f);
		return "the transaction is invalid";
	}
	f->txc = tf.txc;
	f->msg = tf.msg;
	return NULL;
}

/* The timed frame must be the transaction's frame: same status, output,
 * and the gas the receipt shows once intrinsic gas and refunds are in. */
static const char *agree(const frame *f, const tx *t, const real_tx *real)
{
	const evm_result *r = &f->first;
	if ((r->status == EVM_SUCCESS) != real->rc.success)
		return "frame status differs from the transaction's";
	if (r->output_size != real->output.len ||
	    (r->output_size &&
	     memcmp(r->output, real->output.data, r->output_size) != 0))
		return "frame output differs from the transaction's";
	if (transition_gas_used(t->gas_limit, r, f->rev) != real->rc.gas_used)
		return "frame gas differs from the transaction's";
	return NULL;
}

static void bench_state_case(suite *s, const char *name, json_t *test,
                             json_t *entry, fork rev, const block_env *env)
{
	statetest_bad b = {0};
	json_t *idx = json_object_get(entry, "indexes");
	uint64_t d, g, v;
	if (statetest_field_u64(idx, "data", &d, &b) ||
	    statetest_field_u64(idx, "gas", &g, &b) ||
	    statetest_field_u64(idx, "value", &v, &b)) {
		row_fail(s, name, "bad post indexes");
		return;
	}
	json_t *jt = json_object_get(test, "transaction");
	tx t;
	address sender;
	real_tx real = {.output = BUF_INIT};
	frame f = {0};
	double setup_us = 0, us;
	const char *why = NULL;
	if (statetest_tx(jt, rev, d, g, v, &t, &b) ||
	    statetest_sender(jt, &t, &sender))
		why = "bad transaction";
	else if (!t.has_to)
		why = "a contract creation: not a benchmark";
	if (!why)
		why = check_state(test, entry, rev, env, &t, &sender, &real);
	if (!why)
		why = frame_state(&f, test, rev, env, &t, &sender, &setup_us);
	if (!why) {
		f.first = frame_once(&f, &us);
		why = agree(&f, &t, &real);
	}
	if (why)
		row_fail(s, name, why);
	else
		measure_row(s, name, &f, setup_us);
	frame_free(&f);
	receipt_free(&real.rc);
	buf_free(&real.output);
	tx_free(&t);
}

/* The input's label from _info.labels, else "d<index>". */
static void case_name(json_t *test, json_t *entry, const char *prefix,
                      char *out, size_t size)
{
	json_t *labels = json_object_get(json_object_get(test, "_info"),
	                                 "labels");
	json_int_t d = json_integer_value(
		json_object_get(json_object_get(entry, "indexes"), "data"));
	char key[24];
	snprintf(key, sizeof key, "%" JSON_INTEGER_FORMAT, d);
	const char *label = json_string_value(json_object_get(labels, key));
	if (label)
		(void)fmt_fits(out, size, "%s/%s", prefix, label);
	else
		(void)fmt_fits(out, size, "%s/d%" JSON_INTEGER_FORMAT, prefix, d);
}

static void bench_state_test(suite *s, const char *set, const char *tname,
                             json_t *test)
{
	char prefix[NAME_MAX_LEN], name[ROW_NAME_LEN];
	(void)fmt_fits(prefix, sizeof prefix, "%s/%s", set, tname);
	json_t *post = json_object_get(test, "post");
	const char *fork_label;
	json_t *entries;
	json_object_foreach(post, fork_label, entries) {
		fork rev;
		block_env env;
		statetest_bad b = {0};
		if (fork_from_name(fork_label, &rev)) {
			row_fail(s, prefix, "unknown fork");
			continue;
		}
		if (statetest_env(json_object_get(test, "env"), rev, &env, &b)) {
			row_fail(s, prefix, "bad env");
			continue;
		}
		size_t i;
		json_t *entry;
		json_array_foreach(entries, i, entry) {
			case_name(test, entry, prefix, name, sizeof name);
			if (selected(s, name))
				bench_state_case(s, name, test, entry, rev, &env);
		}
	}
}

static void bench_state_file(suite *s, const char *set, const char *path)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr);
	if (!json_is_object(root)) {
		row_fail(s, path, root ? "not a state test" : jerr.text);
		json_decref(root);
		return;
	}
	const char *tname;
	json_t *test;
	json_object_foreach(root, tname, test)
		bench_state_test(s, set, tname, test);
	json_decref(root);
}

/* ---- raw bytecode ---- */

static void bench_raw_case(suite *s, const char *name, const buf *code,
                           const evmbench_input *in)
{
	frame f;
	double setup_us, us;
	if (frame_empty(&f, FORK_ISTANBUL, code->data, code->len, in->input,
	                in->input_size, RAW_GAS, &setup_us)) {
		row_fail(s, name, "out of memory");
		return;
	}
	f.first = frame_once(&f, &us);
	const evm_result *r = &f.first;
	if (r->status != EVM_SUCCESS)
		row_fail(s, name, status_name(r->status));
	else if (in->expected_size &&
	         (r->output_size != in->expected_size ||
	          memcmp(r->output, in->expected, r->output_size) != 0))
		row_fail(s, name, "output mismatch");
	else
		measure_row(s, name, &f, setup_us);
	frame_free(&f);
}

/* Runs DIR/legacy-raw/SET/STEM.bin-runtime on each case of STEM.inputs, or
 * once without input when there is no inputs file. */
static void bench_raw_file(suite *s, const char *set, const char *dir,
                           const char *stem)
{
	char path[4096], prefix[NAME_MAX_LEN], name[ROW_NAME_LEN];
	(void)fmt_fits(prefix, sizeof prefix, "raw/%s/%s", set, stem);
	buf text = BUF_INIT, code = BUF_INIT;
	evmbench_input *in = NULL, none = {.name = NULL};
	size_t n = 0;
	int err = DURE_OK;
	if (!fmt_fits(path, sizeof path, "%s/%s.bin-runtime", dir, stem))
		err = DURE_ERANGE;
	if (!err)
		err = read_file(path, 4 * (size_t)CODE_MAX, &text);
	if (!err)
		err = evmbench_hex_decode((const char *)text.data, text.len,
		                          CODE_MAX, &code);
	if (err) {
		row_fail(s, prefix, dure_strerror(err));
		goto done;
	}
	buf_reset(&text);
	/* Fits: the same length as the .bin-runtime path, which did. */
	(void)fmt_fits(path, sizeof path, "%s/%s.inputs", dir, stem);
	FILE *probe = fopen(path, "rb");
	if (probe) {
		fclose(probe);
		err = read_file(path, 4 * (size_t)CODE_MAX, &text);
		if (!err)
			err = evmbench_inputs_parse((const char *)text.data,
			                            text.len, CODE_MAX, &in, &n);
		if (err) {
			row_fail(s, prefix, dure_strerror(err));
			goto done;
		}
	}
	for (size_t i = 0; i < (in ? n : 1); i++) {
		const evmbench_input *c = in ? &in[i] : &none;
		if (in)
			(void)fmt_fits(name, sizeof name, "%s/%s", prefix, c->name);
		else
			(void)fmt_fits(name, sizeof name, "%s", prefix);
		if (selected(s, name))
			bench_raw_case(s, name, &code, c);
	}
done:
	evmbench_inputs_free(in, n);
	buf_free(&text);
	buf_free(&code);
}

/* ---- walking DIR ---- */

static bool has_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), k = strlen(suffix);
	return n > k && strcmp(name + n - k, suffix) == 0;
}

/* Calls each for every file of dir ending in suffix, in name order, with
 * the name without the suffix. Returns false if dir cannot be read. */
static bool each_file(suite *s, const char *set, const char *dir,
                      const char *suffix,
                      void (*each)(suite *, const char *set, const char *dir,
                                   const char *stem))
{
	struct dirent **list;
	int n = scandir(dir, &list, NULL, alphasort);
	if (n < 0)
		return false;
	for (int i = 0; i < n; i++) {
		const char *fname = list[i]->d_name;
		if (has_suffix(fname, suffix)) {
			char stem[NAME_MAX_LEN];
			if (fmt_fits(stem, sizeof stem, "%.*s",
			             (int)(strlen(fname) - strlen(suffix)), fname))
				each(s, set, dir, stem);
			else
				row_fail(s, fname, "file name too long");
		}
		free(list[i]);
	}
	free(list);
	return true;
}

static void state_each(suite *s, const char *set, const char *dir,
                       const char *stem)
{
	char path[4096];
	if (!fmt_fits(path, sizeof path, "%s/%s.json", dir, stem)) {
		row_fail(s, stem, "path too long");
		return;
	}
	bench_state_file(s, set, path);
}

static const char *const sets[] = {"main", "micro"};

static int bench_dir(suite *s, const char *root)
{
	char dir[4096];
	print_header();
	for (size_t i = 0; i < 2; i++) {
		if (!fmt_fits(dir, sizeof dir, "%s/state-tests/benchmarks/%s",
		              root, sets[i]) ||
		    !each_file(s, sets[i], dir, ".json", state_each))
			row_fail(s, dir, "cannot read the directory");
	}
	for (size_t i = 0; i < 2; i++) {
		if (!fmt_fits(dir, sizeof dir, "%s/legacy-raw/%s", root, sets[i]) ||
		    !each_file(s, sets[i], dir, ".bin-runtime", bench_raw_file))
			row_fail(s, dir, "cannot read the directory");
	}
	printf("%u benchmarks, %u passed, %u failed\n", s->ran,
	       s->ran - s->failed, s->failed);
	if (s->nratios)
		printf("geomean_ratio_main=%.3f (%u main benchmarks with an "
		       "evmone figure)\n",
		       exp(s->log_ratio_sum / s->nratios), s->nratios);
	else
		printf("geomean_ratio_main=n/a (no main benchmark measured)\n");
	return s->failed || s->ran == 0 ? 1 : 0;
}

static int cmd_bench(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"run", required_argument, NULL, 'r'},
		TIMING_LONGOPTS
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	suite s = {0};
	default_timing(&s.o.timing);
	bool ok;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (timing_option(c, optarg, &s.o.timing, &ok)) {
			if (ok)
				continue;
			fprintf(stderr, "dure evm bench: bad value for an option\n");
			return 2;
		}
		switch (c) {
		case 'r': s.o.run = optarg; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind + 1 != argc || s.o.timing.max_runs < s.o.timing.min_runs) {
		fputs(usage, stderr);
		return 2;
	}
	if (s.o.run) {
		if (regcomp(&s.re, s.o.run, REG_EXTENDED | REG_NOSUB)) {
			fprintf(stderr, "dure evm bench: bad --run regex\n");
			return 2;
		}
		s.has_re = true;
	}
	int rc = bench_dir(&s, argv[optind]);
	if (s.has_re)
		regfree(&s.re);
	return rc;
}

int cmd_evm(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "bench"))
		return cmd_bench(argc - 1, argv + 1);
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help")) {
		fputs(usage, stdout);
		return 0;
	}
	fprintf(stderr, "dure evm: unknown action '%s'\n\n%s", argv[1], usage);
	return 2;
}
