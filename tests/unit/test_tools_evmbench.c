/* The benchmark harness's pieces: hex with repeats, .inputs files, the
 * median of repeated runs, the reference table. */
#include <stdlib.h>
#include <string.h>

#include "tools/evmbench.h"
#include "test.h"

static int hex(const char *s, size_t max, buf *out)
{
	return evmbench_hex_decode(s, strlen(s), max, out);
}

static void test_hex_plain_and_repeats(void)
{
	buf b = BUF_INIT;
	CHECK_EQ_INT(hex("600f (3x5b) 81\n", 100, &b), DURE_OK);
	static const uint8_t want[] = {0x60, 0x0f, 0x5b, 0x5b, 0x5b, 0x81};
	CHECK_EQ_INT(b.len, sizeof want);
	CHECK_MEM(b.data, want, sizeof want);

	buf_reset(&b);
	CHECK_EQ_INT(hex("0x(2x01 02)ff", 100, &b), DURE_OK);
	static const uint8_t want2[] = {1, 2, 1, 2, 0xff};
	CHECK_EQ_INT(b.len, sizeof want2);
	CHECK_MEM(b.data, want2, sizeof want2);

	/* Appends after what is there, and an empty string adds nothing. */
	CHECK_EQ_INT(hex("", 100, &b), DURE_OK);
	CHECK_EQ_INT(hex("AB", 100, &b), DURE_OK);
	CHECK_EQ_INT(b.len, sizeof want2 + 1);
	CHECK_EQ_INT(b.data[b.len - 1], 0xab);
	buf_free(&b);
}

static void test_hex_errors_leave_out_unchanged(void)
{
	static const struct {
		const char *s;
		size_t max;
		int err;
	} bad[] = {
		{"abc", 100, DURE_EHEX_ODD},
		{"(2x5)", 100, DURE_EHEX_ODD},
		{"5(2x00)", 100, DURE_EHEX_ODD},
		{"zz", 100, DURE_EHEX_DIGIT},
		{"(2x00", 100, DURE_EHEX_DIGIT},
		{"00)", 100, DURE_EHEX_DIGIT},
		{"((2x00))", 100, DURE_EHEX_DIGIT},
		{"(0x00)", 100, DURE_EHEX_DIGIT},
		{"(x00)", 100, DURE_EHEX_DIGIT},
		{"(3x00)", 2, DURE_ERANGE},
		{"000000", 2, DURE_ERANGE},
		{"(99999999999x00)", 1u << 30, DURE_ERANGE},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		buf b = BUF_INIT;
		CHECK_EQ_INT(buf_push(&b, 0x42), DURE_OK);
		CHECK_EQ_INT(hex(bad[i].s, bad[i].max, &b), bad[i].err);
		CHECK_EQ_INT(b.len, 1);
		buf_free(&b);
	}
	/* Exactly at the cap is fine. */
	buf b = BUF_INIT;
	CHECK_EQ_INT(hex("(2x00)", 2, &b), DURE_OK);
	CHECK_EQ_INT(b.len, 2);
	buf_free(&b);
}

static void test_inputs_parse(void)
{
	static const char text[] = "first\n01(2x02)\n0a\n\nsecond\n\n\n"
	                           "\r\nthird\r\nff\r\n";
	evmbench_input *in;
	size_t n;
	CHECK_EQ_INT(evmbench_inputs_parse(text, sizeof text - 1, 100, &in, &n),
	             DURE_OK);
	CHECK_EQ_INT(n, 3);
	if (n == 3) {
		CHECK(strcmp(in[0].name, "first") == 0);
		CHECK_EQ_INT(in[0].input_size, 3);
		CHECK_MEM(in[0].input, "\x01\x02\x02", 3);
		CHECK_EQ_INT(in[0].expected_size, 1);
		CHECK_EQ_INT(in[0].expected[0], 0x0a);
		CHECK(strcmp(in[1].name, "second") == 0);
		CHECK_EQ_INT(in[1].input_size, 0);
		CHECK(in[1].expected == NULL);
		CHECK(strcmp(in[2].name, "third") == 0);
		CHECK_EQ_INT(in[2].input_size, 1);
		CHECK_EQ_INT(in[2].expected_size, 0);
	}
	evmbench_inputs_free(in, n);

	static const char empty[] = "\n\n";
	in = (evmbench_input *)1;
	CHECK_EQ_INT(evmbench_inputs_parse(empty, sizeof empty - 1, 100, &in, &n),
	             DURE_EINVAL);
	CHECK(in == NULL);
	CHECK_EQ_INT(n, 0);

	static const char badhex[] = "a\n0g\n\n";
	CHECK_EQ_INT(evmbench_inputs_parse(badhex, sizeof badhex - 1, 100, &in,
	                                   &n),
	             DURE_EHEX_DIGIT);
	CHECK(in == NULL);
	static const char nul[] = "\0a\n00\n\n";
	CHECK_EQ_INT(evmbench_inputs_parse(nul, sizeof nul - 1, 100, &in, &n),
	             DURE_EINVAL);
	CHECK(in == NULL);
		static const char big[] = "a\n(5x00)\n\n";
	CHECK_EQ_INT(evmbench_inputs_parse(big, sizeof big - 1, 4, &in, &n),
	             DURE_ERANGE);
	CHECK(in == NULL);
}

/* A fake run: hands out the next of a list of times, counting calls. */
typedef struct fake {
	const double *times;
	size_t n, calls;
	size_t fail_at;          /* call number that fails; 0 never */
} fake;

static int fake_run(void *ctx, double *us)
{
	fake *f = ctx;
	f->calls++;
	if (f->calls == f->fail_at)
		return DURE_EIO;
	*us = f->times[(f->calls - 1) % f->n];
	return DURE_OK;
}

static void test_measure(void)
{
	/* Two warm-up runs are not counted: the timed ones are 5, 1, 3. */
	static const double t1[] = {100, 100, 5, 1, 3};
	fake f = {t1, 5, 0, 0};
	evmbench_opts o = {.warmup = 2, .min_runs = 3, .max_runs = 3};
	evmbench_stats s;
	CHECK_EQ_INT(evmbench_measure(&o, fake_run, &f, &s), DURE_OK);
	CHECK_EQ_INT(f.calls, 5);
	CHECK_EQ_INT(s.runs, 3);
	CHECK(s.median_us == 3);
	CHECK(s.min_us == 1);

	/* An even count takes the mean of the middle two. */
	static const double t2[] = {4, 1, 3, 2};
	f = (fake){t2, 4, 0, 0};
	o = (evmbench_opts){.min_runs = 4, .max_runs = 100};
	CHECK_EQ_INT(evmbench_measure(&o, fake_run, &f, &s), DURE_OK);
	CHECK_EQ_INT(s.runs, 4);
	CHECK(s.median_us == 2.5);

	/* Runs go on until min_seconds of timed runs, within max_runs. */
	static const double t3[] = {1e6};
	f = (fake){t3, 1, 0, 0};
	o = (evmbench_opts){.min_runs = 1, .min_seconds = 2.5, .max_runs = 100};
	CHECK_EQ_INT(evmbench_measure(&o, fake_run, &f, &s), DURE_OK);
	CHECK_EQ_INT(s.runs, 3);
	f = (fake){t3, 1, 0, 0};
	o = (evmbench_opts){.min_runs = 1, .min_seconds = 60, .max_runs = 4};
	CHECK_EQ_INT(evmbench_measure(&o, fake_run, &f, &s), DURE_OK);
	CHECK_EQ_INT(s.runs, 4);

	/* More runs than the first allocation holds. */
	f = (fake){t2, 4, 0, 0};
	o = (evmbench_opts){.min_runs = 1, .min_seconds = 1, .max_runs = 1000};
	CHECK_EQ_INT(evmbench_measure(&o, fake_run, &f, &s), DURE_OK);
	CHECK_EQ_INT(s.runs, 1000);
	CHECK(s.median_us == 2.5);

	/* A failing run stops the measurement, in warm-up or timed. */
	f = (fake){t2, 4, 0, 2};
	o = (evmbench_opts){.warmup = 3, .min_runs = 1, .max_runs = 1};
	CHECK_EQ_INT(evmbench_measure(&o, fake_run, &f, &s), DURE_EIO);
	CHECK(s.runs == 0 && s.median_us == 0);
	f = (fake){t2, 4, 0, 3};
	o = (evmbench_opts){.min_runs = 5, .max_runs = 5};
	CHECK_EQ_INT(evmbench_measure(&o, fake_run, &f, &s), DURE_EIO);
	CHECK_EQ_INT(f.calls, 3);

	o = (evmbench_opts){.min_runs = 0, .max_runs = 5};
	CHECK_EQ_INT(evmbench_measure(&o, fake_run, &f, &s), DURE_EINVAL);
	o = (evmbench_opts){.min_runs = 5, .max_runs = 4};
	CHECK_EQ_INT(evmbench_measure(&o, fake_run, &f, &s), DURE_EINVAL);
}

static void test_clock_and_baseline(void)
{
	double a = evmbench_now_us(), b = evmbench_now_us();
	CHECK(a > 0 && b >= a);

	double us;
	uint64_t gas;
	CHECK(evmbench_baseline("main/snailtracer/benchmark", &us, &gas));
	CHECK(us == 27545);
	CHECK_EQ_INT(gas, 234915768);
	CHECK(evmbench_baseline("micro/signextend/one", &us, &gas));
	CHECK(us == 42.2);
	CHECK(!evmbench_baseline("main/snailtracer", &us, &gas));
	CHECK(us == 0 && gas == 0);
}

TEST_MAIN(test_hex_plain_and_repeats, test_hex_errors_leave_out_unchanged,
          test_inputs_parse, test_measure, test_clock_and_baseline)
