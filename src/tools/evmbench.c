/* Benchmark programs' notation and timing.
 *
 * Hex as the evmone benchmark files write it:
 *
 *   600f6000 (24556x5b) 8101   digits, blanks ignored; (Kxhh..) repeats hh..
 *
 * An ".inputs" file is groups of three lines, groups separated by blank
 * lines:
 *
 *   <case name>
 *   <input hex>        (may be empty)
 *   <expected output>  (may be empty: not checked)
 */
#include "tools/evmbench.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/hex.h"

#define REPEAT_MAX 1000000000ull  /* bound on K in (Kx..) before the size cap */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Parses "K x" after '(' at s[*i]; leaves *i on the 'x'. */
static int parse_repeat(const char *s, size_t n, size_t *i, uint64_t *k)
{
	uint64_t v = 0;
	size_t j = *i;
	for (; j < n && s[j] >= '0' && s[j] <= '9'; j++) {
		v = v * 10 + (uint64_t)(s[j] - '0');
		if (v > REPEAT_MAX)
			return DURE_ERANGE;
	}
	if (j == *i || j >= n || s[j] != 'x' || v == 0)
		return DURE_EHEX_DIGIT;
	*i = j;
	*k = v;
	return DURE_OK;
}

/* Appends k-1 more copies of out[from, len), keeping len - base <= max. */
static int repeat_tail(buf *out, size_t base, size_t from, uint64_t k,
                       size_t max)
{
	size_t unit = out->len - from;
	if (unit == 0 || k == 1)
		return DURE_OK;
	size_t used = out->len - base;
	if ((uint64_t)(max - used) / unit < k - 1)
		return DURE_ERANGE;
	size_t extra = unit * (size_t)(k - 1);
	if (buf_reserve(out, extra))
		return DURE_ENOMEM;
	for (uint64_t r = 1; r < k; r++) {
		memcpy(out->data + out->len, out->data + from, unit);
		out->len += unit;
	}
	return DURE_OK;
}

static int decode(const char *s, size_t n, size_t max, buf *out)
{
	const size_t base = out->len;
	size_t i = 0, group = SIZE_MAX;
	uint64_t k = 0;
	int hi = -1;
	while (i < n && is_blank(s[i]))
		i++;
	if (n - i >= 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X'))
		i += 2;
	for (; i < n; i++) {
		char c = s[i];
		if (is_blank(c))
			continue;
		if (c == '(' || c == ')') {
			if (hi >= 0)
				return DURE_EHEX_ODD;
			if ((c == '(') != (group == SIZE_MAX))
				return DURE_EHEX_DIGIT;
		}
		if (c == '(') {
			i++;
			int err = parse_repeat(s, n, &i, &k);
			if (err)
				return err;
			group = out->len;
			continue;
		}
		if (c == ')') {
			int err = repeat_tail(out, base, group, k, max);
			if (err)
				return err;
			group = SIZE_MAX;
			continue;
		}
		int v = hex_digit(c);
		if (v < 0)
			return DURE_EHEX_DIGIT;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (out->len - base >= max)
			return DURE_ERANGE;
		if (buf_push(out, (uint8_t)(hi << 4 | v)))
			return DURE_ENOMEM;
		hi = -1;
	}
	if (group != SIZE_MAX)
		return DURE_EHEX_DIGIT;
	return hi >= 0 ? DURE_EHEX_ODD : DURE_OK;
}

int evmbench_hex_decode(const char *s, size_t n, size_t max, buf *out)
{
	size_t base = out->len;
	int err = decode(s, n, max, out);
	if (err)
		out->len = base;
	return err;
}

/* ---- .inputs files ---- */

typedef struct line {
	const char *p;
	size_t n;
} line;

/* The next line of text[*pos, n), without its line ending. */
static bool next_line(const char *text, size_t n, size_t *pos, line *out)
{
	if (*pos >= n)
		return false;
	const char *start = text + *pos;
	const char *nl = memchr(start, '\n', n - *pos);
	size_t len = nl ? (size_t)(nl - start) : n - *pos;
	*pos += len + (nl ? 1 : 0);
	while (len && is_blank(start[len - 1]))
		len--;
	while (len && is_blank(*start)) {
		start++;
		len--;
	}
	*out = (line){start, len};
	return true;
}

static int take_hex(const line *l, size_t max, uint8_t **data, size_t *size)
{
	buf b = BUF_INIT;
	int err = evmbench_hex_decode(l->p, l->n, max, &b);
	if (err) {
		buf_free(&b);
		return err;
	}
	*data = buf_steal(&b, size);
	return DURE_OK;
}

static int parse_case(const char *text, size_t n, size_t *pos,
                      const line *name, size_t max, evmbench_input *c)
{
	line in = {"", 0}, want = {"", 0};
	if (next_line(text, n, pos, &in))
		next_line(text, n, pos, &want);
	c->name = strndup(name->p, name->n);
	if (!c->name)
		return DURE_ENOMEM;
	int err = take_hex(&in, max, &c->input, &c->input_size);
	if (!err)
		err = take_hex(&want, max, &c->expected, &c->expected_size);
	return err;
}

int evmbench_inputs_parse(const char *text, size_t n, size_t max,
                          evmbench_input **out, size_t *count)
{
	*out = NULL;
	*count = 0;
	evmbench_input *v = NULL;
	size_t len = 0, cap = 0, pos = 0;
	line name;
	/* A text file has no NUL, and a name cut at one would lie. */
	int err = memchr(text, 0, n) ? DURE_EINVAL : DURE_OK;
	while (!err && next_line(text, n, &pos, &name)) {
		if (name.n == 0)
			continue;
		if (len == cap) {
			size_t ncap = cap ? 2 * cap : 8;
			evmbench_input *nv = realloc(v, ncap * sizeof *nv);
			if (!nv) {
				err = DURE_ENOMEM;
				break;
			}
			v = nv;
			cap = ncap;
		}
		memset(&v[len], 0, sizeof v[len]);
		err = parse_case(text, n, &pos, &name, max, &v[len]);
		len++;
	}
	if (!err && len == 0)
		err = DURE_EINVAL;
	if (err) {
		evmbench_inputs_free(v, len);
		return err;
	}
	*out = v;
	*count = len;
	return DURE_OK;
}

void evmbench_inputs_free(evmbench_input *in, size_t count)
{
	for (size_t i = 0; i < count && in; i++) {
		free(in[i].name);
		free(in[i].input);
		free(in[i].expected);
	}
	free(in);
}

/* ---- timing ---- */

double evmbench_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int evmbench_measure(const evmbench_opts *opts, evmbench_run_fn run,
                     void *ctx, evmbench_stats *out)
{
	memset(out, 0, sizeof *out);
	if (opts->min_runs == 0 || opts->max_runs < opts->min_runs)
		return DURE_EINVAL;
	double us;
	for (unsigned w = 0; w < opts->warmup; w++) {
		int err = run(ctx, &us);
		if (err)
			return err;
	}
	double *t = malloc(opts->min_runs * sizeof *t);
	if (!t)
		return DURE_ENOMEM;
	size_t n = 0, cap = opts->min_runs;
	double total = 0, goal = opts->min_seconds * 1e6;
	while (n < opts->max_runs && (n < opts->min_runs || total < goal)) {
		if (n == cap) {
			double *nt = realloc(t, 2 * cap * sizeof *t);
			if (!nt) {
				free(t);
				return DURE_ENOMEM;
			}
			t = nt;
			cap *= 2;
		}
		int err = run(ctx, &t[n]);
		if (err) {
			free(t);
			return err;
		}
		total += t[n++];
	}
	qsort(t, n, sizeof *t, cmp_double);
	out->median_us = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
	out->min_us = t[0];
	out->runs = (unsigned)n;
	free(t);
	return DURE_OK;
}

/* ---- reference figures ---- */

/* evmone baseline (2 cores, 2.6 GHz), from the task that set the target. */
static const struct {
	const char *name;
	double us;
	uint64_t gas;
} baseline[] = {
	{"main/snailtracer/benchmark", 27545, 234915768},
	{"main/blake2b_huff/8415nulls", 714, 879923},
	{"main/blake2b_shifts/8415nulls", 6429, 12043105},
	{"main/sha1_divs/5311", 3175, 3000286},
	{"main/sha1_shifts/5311", 1726, 2898473},
	{"main/structarray_alloc/nfts_rank", 262, 1737676},
	{"main/weierstrudel/15", 1392, 598273},
	{"main/swap_math/received", 2.18, 3505},
	{"micro/jump_around/empty", 12.3, 49153},
	{"micro/loop_with_many_jumpdests/empty", 6616, 7987882},
	{"micro/memory_grow_mstore/by32", 59.4, 106505},
	{"micro/signextend/one", 42.2, 96066},
};

bool evmbench_baseline(const char *name, double *us, uint64_t *gas)
{
	for (size_t i = 0; i < sizeof baseline / sizeof baseline[0]; i++) {
		if (strcmp(baseline[i].name, name) == 0) {
			*us = baseline[i].us;
			*gas = baseline[i].gas;
			return true;
		}
	}
	*us = 0;
	*gas = 0;
	return false;
}
