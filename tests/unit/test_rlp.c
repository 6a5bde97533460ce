#include "base/buf.h"
#include "base/err.h"
#include "base/hex.h"
#include "rlp/rlp.h"
#include "test.h"

#include <stdlib.h>

/* Decodes hex into b (emptied first); the tests' inputs are all valid hex. */
static void unhex(buf *b, const char *s)
{
	buf_reset(b);
	CHECK_EQ_INT(hex_decode(s, strlen(s), b), DURE_OK);
}

/* True if b holds exactly the bytes of hex string s. */
static bool holds(const buf *b, const char *s)
{
	buf want = BUF_INIT;
	unhex(&want, s);
	bool same = !b->failed && b->len == want.len &&
	            (want.len == 0 || memcmp(b->data, want.data, want.len) == 0);
	buf_free(&want);
	return same;
}

static void test_put_strings(void)
{
	buf b = BUF_INIT;
	rlp_put_bytes(&b, NULL, 0);
	CHECK(holds(&b, "80"));
	buf_reset(&b);
	rlp_put_bytes(&b, (const uint8_t *)"\x00", 1);
	CHECK(holds(&b, "00"));
	buf_reset(&b);
	rlp_put_bytes(&b, (const uint8_t *)"\x7f", 1);
	CHECK(holds(&b, "7f"));
	buf_reset(&b);
	rlp_put_bytes(&b, (const uint8_t *)"\x80", 1);
	CHECK(holds(&b, "8180"));
	buf_reset(&b);
	rlp_put_bytes(&b, (const uint8_t *)"dog", 3);
	CHECK(holds(&b, "83646f67"));

	/* 55 bytes is the last short form, 56 the first long one. */
	uint8_t big[1024];
	memset(big, 'a', sizeof big);
	buf_reset(&b);
	rlp_put_bytes(&b, big, 55);
	CHECK_EQ_INT(b.len, 56);
	CHECK_EQ_INT(b.data[0], 0xb7);
	buf_reset(&b);
	rlp_put_bytes(&b, big, 56);
	CHECK_EQ_INT(b.len, 58);
	CHECK_MEM(b.data, "\xb8\x38", 2);
	buf_reset(&b);
	rlp_put_bytes(&b, big, 1024);
	CHECK_EQ_INT(b.len, 1027);
	CHECK_MEM(b.data, "\xb9\x04\x00", 3);
	buf_free(&b);
}

static void test_put_ints(void)
{
	buf b = BUF_INIT;
	rlp_put_u64(&b, 0);
	CHECK(holds(&b, "80"));
	buf_reset(&b);
	rlp_put_u64(&b, 15);
	CHECK(holds(&b, "0f"));
	buf_reset(&b);
	rlp_put_u64(&b, 127);
	CHECK(holds(&b, "7f"));
	buf_reset(&b);
	rlp_put_u64(&b, 128);
	CHECK(holds(&b, "8180"));
	buf_reset(&b);
	rlp_put_u64(&b, 1024);
	CHECK(holds(&b, "820400"));
	buf_reset(&b);
	rlp_put_u64(&b, UINT64_MAX);
	CHECK(holds(&b, "88ffffffffffffffff"));

	u256 v = U256_ZERO;
	buf_reset(&b);
	rlp_put_u256(&b, &v);
	CHECK(holds(&b, "80"));
	v = (u256){{0x0102030405060708ull, 0, 0, 0x0a00000000000000ull}};
	buf_reset(&b);
	rlp_put_u256(&b, &v);
	CHECK(holds(&b, "a00a00000000000000000000000000000000000000000000000102030405060708"));
	v = u256_from_u64(0x100);
	buf_reset(&b);
	rlp_put_u256(&b, &v);
	CHECK(holds(&b, "820100"));
	buf_free(&b);
}

static void test_put_lists(void)
{
	buf b = BUF_INIT;
	size_t m = rlp_list_begin(&b);
	rlp_list_end(&b, m);
	CHECK(holds(&b, "c0"));

	/* [ [], [[]], [ [], [[]] ] ] */
	buf_reset(&b);
	size_t outer = rlp_list_begin(&b);
	rlp_list_end(&b, rlp_list_begin(&b));
	size_t l2 = rlp_list_begin(&b);
	rlp_list_end(&b, rlp_list_begin(&b));
	rlp_list_end(&b, l2);
	size_t l3 = rlp_list_begin(&b);
	rlp_list_end(&b, rlp_list_begin(&b));
	size_t l4 = rlp_list_begin(&b);
	rlp_list_end(&b, rlp_list_begin(&b));
	rlp_list_end(&b, l4);
	rlp_list_end(&b, l3);
	rlp_list_end(&b, outer);
	CHECK(holds(&b, "c7c0c1c0c3c0c1c0"));

	/* A list whose payload needs the long form, after a prefix. */
	buf_reset(&b);
	rlp_put_raw(&b, (const uint8_t *)"\x01", 1);
	m = rlp_list_begin(&b);
	for (int i = 0; i < 30; i++)
		rlp_put_u64(&b, 0x100);
	rlp_list_end(&b, m);
	CHECK_EQ_INT(b.len, 1 + 2 + 90);
	CHECK_MEM(b.data, "\x01\xf8\x5a\x82\x01\x00", 6);
	buf_free(&b);
}

static void test_decode(void)
{
	buf b = BUF_INIT;
	unhex(&b, "cc83646f67c48203e8c0820400");
	rlp_cur c, sub, inner;
	rlp_cur_init(&c, b.data, b.len);
	CHECK(rlp_cur_is_list(&c));
	rlp_cur_list(&c, &sub);
	const uint8_t *p;
	size_t n;
	rlp_cur_bytes(&sub, &p, &n);
	CHECK(n == 3 && memcmp(p, "dog", 3) == 0);
	CHECK(rlp_cur_is_list(&sub));
	rlp_cur_list(&sub, &inner);
	CHECK_EQ_INT(rlp_cur_u64(&inner), 1000);
	rlp_cur_raw(&inner, &p, &n);
	CHECK(n == 1 && p[0] == 0xc0);
	CHECK(rlp_cur_at_end(&inner));
	CHECK_EQ_INT(rlp_cur_close(&sub, &inner), 0);
	u256 v = rlp_cur_u256(&sub);
	CHECK(u256_fits_u64(&v) && v.w[0] == 1024);
	CHECK_EQ_INT(rlp_cur_close(&c, &sub), 0);
	CHECK_EQ_INT(rlp_cur_finish(&c), 0);

	uint8_t h[4];
	unhex(&b, "84deadbeef");
	rlp_cur_init(&c, b.data, b.len);
	rlp_cur_fixed(&c, h, 4);
	CHECK_EQ_INT(rlp_cur_finish(&c), 0);
	CHECK_MEM(h, "\xde\xad\xbe\xef", 4);
	buf_free(&b);
}

/* The first error sticks: later reads return zero and do not overwrite it. */
static void test_sticky(void)
{
	buf b = BUF_INIT;
	unhex(&b, "c20102");
	rlp_cur c;
	rlp_cur_init(&c, b.data, b.len);
	CHECK_EQ_INT(rlp_cur_u64(&c), 0);
	CHECK_EQ_INT(c.err, DURE_ERLP_EXPECTED_STRING);
	rlp_cur_skip(&c);
	const uint8_t *p;
	size_t n;
	rlp_cur_bytes(&c, &p, &n);
	CHECK(p == NULL && n == 0);
	CHECK(rlp_cur_at_end(&c));
	CHECK_EQ_INT(rlp_cur_finish(&c), DURE_ERLP_EXPECTED_STRING);

	rlp_cur sub;
	unhex(&b, "820400");
	rlp_cur_init(&c, b.data, b.len);
	rlp_cur_list(&c, &sub);
	CHECK_EQ_INT(c.err, DURE_ERLP_EXPECTED_LIST);
	CHECK(sub.err != 0 && rlp_cur_at_end(&sub));

	/* Items left in a list are an error when it is closed. */
	unhex(&b, "c20102");
	rlp_cur_init(&c, b.data, b.len);
	rlp_cur_list(&c, &sub);
	CHECK_EQ_INT(rlp_cur_u64(&sub), 1);
	CHECK_EQ_INT(rlp_cur_close(&c, &sub), DURE_ERLP_TRAILING);

	/* Reading past the end of a list. */
	rlp_cur_init(&c, b.data, b.len);
	rlp_cur_list(&c, &sub);
	rlp_cur_skip(&sub);
	rlp_cur_skip(&sub);
	rlp_cur_skip(&sub);
	CHECK_EQ_INT(rlp_cur_close(&c, &sub), DURE_ERLP_END);

	/* Trailing bytes after the top-level item. */
	unhex(&b, "0102");
	rlp_cur_init(&c, b.data, b.len);
	CHECK_EQ_INT(rlp_cur_u64(&c), 1);
	CHECK_EQ_INT(rlp_cur_finish(&c), DURE_ERLP_TRAILING);

	/* A wrong fixed size zeroes the output. */
	uint8_t h[4] = {1, 2, 3, 4};
	unhex(&b, "83010203");
	rlp_cur_init(&c, b.data, b.len);
	rlp_cur_fixed(&c, h, 4);
	CHECK_EQ_INT(rlp_cur_finish(&c), DURE_ERLP_SIZE);
	CHECK_MEM(h, "\0\0\0\0", 4);
	buf_free(&b);
}

static int first_error(const char *hex)
{
	buf b = BUF_INIT;
	unhex(&b, hex);
	int err = rlp_validate(b.data, b.len);
	buf_free(&b);
	return err;
}

static int int_error(const char *hex, bool wide)
{
	buf b = BUF_INIT;
	unhex(&b, hex);
	rlp_cur c;
	rlp_cur_init(&c, b.data, b.len);
	if (wide)
		(void)rlp_cur_u256(&c);
	else
		(void)rlp_cur_u64(&c);
	int err = rlp_cur_finish(&c);
	buf_free(&b);
	return err;
}

static void test_invalid(void)
{
	CHECK_EQ_INT(first_error(""), DURE_ERLP_TRUNCATED);
	CHECK_EQ_INT(first_error("8100"), DURE_ERLP_SINGLE_BYTE);
	CHECK_EQ_INT(first_error("817f"), DURE_ERLP_SINGLE_BYTE);
	CHECK_EQ_INT(first_error("8180"), 0);
	CHECK_EQ_INT(first_error("b800"), DURE_ERLP_LEN_ZERO);
	CHECK_EQ_INT(first_error("b80100"), DURE_ERLP_NONMINIMAL);
	CHECK_EQ_INT(first_error("b837" "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"), DURE_ERLP_NONMINIMAL);
	CHECK_EQ_INT(first_error("f80180"), DURE_ERLP_NONMINIMAL);
	CHECK_EQ_INT(first_error("f90000"), DURE_ERLP_LEN_ZERO);
	CHECK_EQ_INT(first_error("83646f"), DURE_ERLP_TRUNCATED);
	CHECK_EQ_INT(first_error("c3c0c0"), DURE_ERLP_TRUNCATED);
	CHECK_EQ_INT(first_error("b9"), DURE_ERLP_TRUNCATED);
	CHECK_EQ_INT(first_error("b90100"), DURE_ERLP_TRUNCATED);
	/* Lengths near 2^64 must not wrap the end pointer. */
	CHECK_EQ_INT(first_error("bfffffffffffffffff00"), DURE_ERLP_TRUNCATED);
	CHECK_EQ_INT(first_error("ffffffffffffffffff00"), DURE_ERLP_TRUNCATED);
	CHECK_EQ_INT(first_error("bf0f000000000000021111"), DURE_ERLP_TRUNCATED);
	CHECK_EQ_INT(first_error("8000"), DURE_ERLP_TRAILING);
	CHECK_EQ_INT(first_error("c1c000"), DURE_ERLP_TRAILING);
	/* An invalid item deep inside a list. */
	CHECK_EQ_INT(first_error("c4c3c28100"), DURE_ERLP_SINGLE_BYTE);

	CHECK_EQ_INT(int_error("00", false), DURE_ERLP_INT_ZERO);
	CHECK_EQ_INT(int_error("820001", false), DURE_ERLP_INT_ZERO);
	CHECK_EQ_INT(int_error("89010000000000000000", false), DURE_ERLP_INT_SIZE);
	CHECK_EQ_INT(int_error("88ffffffffffffffff", false), 0);
	CHECK_EQ_INT(int_error("a1010000000000000000000000000000000000000000000000000000000000000000", true), DURE_ERLP_INT_SIZE);
	CHECK_EQ_INT(int_error("a0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", true), 0);
	CHECK_EQ_INT(int_error("c0", true), DURE_ERLP_EXPECTED_STRING);
}

static void test_depth(void)
{
	/* RLP_MAX_DEPTH nested lists are fine, one more is not. */
	buf b = BUF_INIT;
	for (int depth = RLP_MAX_DEPTH; depth <= RLP_MAX_DEPTH + 1; depth++) {
		buf_reset(&b);
		size_t *marks = malloc((size_t)depth * sizeof *marks);
		CHECK(marks != NULL);
		if (!marks)
			break;
		for (int i = 0; i < depth; i++)
			marks[i] = rlp_list_begin(&b);
		for (int i = depth; i-- > 0;)
			rlp_list_end(&b, marks[i]);
		free(marks);
		CHECK(!buf_failed(&b));
		CHECK_EQ_INT(rlp_validate(b.data, b.len),
		             depth <= RLP_MAX_DEPTH ? 0 : DURE_ERLP_DEPTH);
	}
	buf_free(&b);
}

/* Encode-then-decode keeps every u64 and u256. */
static void test_int_roundtrip(void)
{
	buf b = BUF_INIT;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < 2000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint64_t v = x >> (i % 64);
		u256 w = {{x, x >> (i % 64), i % 3 ? x : 0, i % 5 ? x >> (i % 61) : 0}};
		buf_reset(&b);
		size_t m = rlp_list_begin(&b);
		rlp_put_u64(&b, v);
		rlp_put_u256(&b, &w);
		rlp_list_end(&b, m);
		CHECK_EQ_INT(rlp_validate(b.data, b.len), 0);
		rlp_cur c, sub;
		rlp_cur_init(&c, b.data, b.len);
		rlp_cur_list(&c, &sub);
		uint64_t v2 = rlp_cur_u64(&sub);
		u256 w2 = rlp_cur_u256(&sub);
		CHECK_EQ_INT(rlp_cur_close(&c, &sub), 0);
		CHECK_EQ_INT(rlp_cur_finish(&c), 0);
		CHECK(v2 == v && u256_eq(&w, &w2));
	}
	buf_free(&b);
}

/* Items counted by hand: "dog" (4 bytes with its header), 0x05 (1), the
 * empty list (1), [1, 2] (3), and a 60-byte string (62). */
static void test_count(void)
{
	uint8_t in[4 + 1 + 1 + 3 + 62];
	size_t o = 0;
	memcpy(in + o, "\x83" "dog", 4);
	o += 4;
	in[o++] = 0x05;
	in[o++] = 0xc0;
	memcpy(in + o, "\xc2\x01\x02", 3);
	o += 3;
	in[o++] = 0xb8;
	in[o++] = 60;
	memset(in + o, 'x', 60);
	o += 60;
	rlp_cur c;
	rlp_cur_init(&c, in, o);
	int err = -1;
	CHECK_EQ_INT(rlp_cur_count(&c, 0, &err), 5);
	CHECK_EQ_INT(err, 0);
	/* Not moved: the first item is still "dog". */
	const uint8_t *p;
	size_t n;
	rlp_cur probe = c;
	rlp_cur_bytes(&probe, &p, &n);
	CHECK(n == 3 && !memcmp(p, "dog", 3));
	/* min 3: "dog" counts, then 0x05 is short: counted, and counting
	 * stops there. */
	CHECK_EQ_INT(rlp_cur_count(&c, 3, &err), 2);
	CHECK_EQ_INT(err, 0);
	/* A length running past the end is an error. */
	uint8_t bad[] = {0x83, 'd', 'o'};
	rlp_cur_init(&c, bad, sizeof bad);
	rlp_cur_count(&c, 0, &err);
	CHECK_EQ_INT(err, DURE_ERLP_TRUNCATED);
}

typedef struct two {
	uint64_t a, b;
} two;

static int two_fields(rlp_cur *items, void *arg)
{
	two *t = arg;
	t->a = rlp_cur_u64(items);
	t->b = rlp_cur_u64(items);
	return 0;
}

static void test_decode_list(void)
{
	static const uint8_t ok[] = {0xc2, 0x01, 0x02};
	two t = {0, 0};
	CHECK_EQ_INT(rlp_decode_list(ok, sizeof ok, two_fields, &t), 0);
	CHECK(t.a == 1 && t.b == 2);
	static const uint8_t extra_item[] = {0xc3, 0x01, 0x02, 0x03};
	CHECK_EQ_INT(rlp_decode_list(extra_item, sizeof extra_item, two_fields,
	                             &t), DURE_ERLP_TRAILING);
	static const uint8_t after[] = {0xc2, 0x01, 0x02, 0x00};
	CHECK_EQ_INT(rlp_decode_list(after, sizeof after, two_fields, &t),
	             DURE_ERLP_TRAILING);
	static const uint8_t str[] = {0x82, 0x01, 0x02};
	CHECK_EQ_INT(rlp_decode_list(str, sizeof str, two_fields, &t),
	             DURE_ERLP_EXPECTED_LIST);
	static const uint8_t short_list[] = {0xc1, 0x01};
	CHECK_EQ_INT(rlp_decode_list(short_list, sizeof short_list, two_fields,
	                             &t), DURE_ERLP_END);
}

TEST_MAIN(test_put_strings, test_put_ints, test_put_lists, test_decode,
          test_sticky, test_invalid, test_depth, test_int_roundtrip,
          test_count, test_decode_list)
