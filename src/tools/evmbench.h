/* Pieces of the EVM benchmark harness (`dure evm run --bench`,
 * `dure evm bench`): the benchmark programs' hex notation, their input
 * files, timing of repeated runs, and evmone's reference figures.
 *
 * Timing follows evmone: set-up (loading state, analysing code) happens
 * once and is not timed; each run times only the execution, after warm-up
 * runs, and the figure reported is the median run. */
#ifndef DURE_TOOLS_EVMBENCH_H
#define DURE_TOOLS_EVMBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

/* Decodes benchmark hex s[0, n) and appends the bytes to out: hex digits,
 * with an optional "0x" prefix, whitespace ignored, and "(Kxhh..)" standing
 * for the hex string hh.. repeated K times (K decimal). Stops with
 * DURE_ERANGE rather than let out grow past max bytes. Returns DURE_OK,
 * DURE_EHEX_ODD, DURE_EHEX_DIGIT (also for a malformed repeat), DURE_ERANGE
 * or DURE_ENOMEM; on error out keeps its previous length. */
DURE_WUR int evmbench_hex_decode(const char *s, size_t n, size_t max,
                                 buf *out);

/* One case of a legacy-raw ".inputs" file. */
typedef struct evmbench_input {
	char *name;           /* owned, NUL-terminated, never empty */
	uint8_t *input;       /* owned; NULL when empty */
	size_t input_size;
	uint8_t *expected;    /* owned; NULL when empty (output not checked) */
	size_t expected_size;
} evmbench_input;

/* Parses an ".inputs" file: groups of three lines (case name, input hex,
 * expected output hex, the last two possibly empty), separated by blank
 * lines. Each decoded field is capped at max bytes. Returns DURE_OK with
 * *out (free with evmbench_inputs_free) and *count, or DURE_EINVAL for a
 * file without cases or with a NUL byte, a hex error, DURE_ERANGE or
 * DURE_ENOMEM, with *out NULL and *count 0. */
DURE_WUR int evmbench_inputs_parse(const char *text, size_t n, size_t max,
                                   evmbench_input **out, size_t *count);

/* Frees what evmbench_inputs_parse returned; NULL is allowed. */
void evmbench_inputs_free(evmbench_input *in, size_t count);

/* CLOCK_MONOTONIC, in microseconds. */
double evmbench_now_us(void);

/* How long to measure: warmup untimed runs, then timed runs until there are
 * at least min_runs and they took min_seconds in all, but never more than
 * max_runs. */
typedef struct evmbench_opts {
	unsigned warmup;
	unsigned min_runs;      /* at least 1 */
	double min_seconds;
	unsigned max_runs;      /* at least min_runs */
} evmbench_opts;

/* One run: does its own untimed set-up and tear-down, and stores in *us the
 * time of the part being measured (take it with evmbench_now_us). Returns
 * DURE_OK, or an error that stops the measurement. */
typedef int (*evmbench_run_fn)(void *ctx, double *us);

/* The outcome of a measurement. */
typedef struct evmbench_stats {
	double median_us;
	double min_us;
	unsigned runs;          /* timed runs */
} evmbench_stats;

/* Calls run as opts says and reports the median of the timed runs.
 * Returns DURE_OK, DURE_EINVAL for bad opts, DURE_ENOMEM, or the first
 * error of run; *out is zeroed on failure. */
DURE_WUR int evmbench_measure(const evmbench_opts *opts, evmbench_run_fn run,
                              void *ctx, evmbench_stats *out);

/* evmone's baseline interpreter on the reference machine: µs per run and
 * gas used, for benchmarks named like "main/snailtracer/benchmark".
 * Returns false for a benchmark without a reference figure. */
bool evmbench_baseline(const char *name, double *us, uint64_t *gas);

#endif
