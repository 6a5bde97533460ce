#include "base/buf.h"
#include "base/err.h"
#include "base/hex.h"
#include "test.h"

#include <stdlib.h>

static void test_hex_roundtrip(void)
{
	buf b = BUF_INIT;
	CHECK_EQ_INT(hex_decode("0xdeadBEEF", 10, &b), DURE_OK);
	CHECK_EQ_INT(b.len, 4);
	CHECK_MEM(b.data, "\xde\xad\xbe\xef", 4);
	char out[9];
	hex_encode(b.data, b.len, out);
	CHECK(strcmp(out, "deadbeef") == 0);
	char *s = hex_encode_0x(b.data, b.len);
	CHECK(s && strcmp(s, "0xdeadbeef") == 0);
	free(s);
	buf_free(&b);
}

static void test_hex_strict(void)
{
	buf b = BUF_INIT;
	CHECK_EQ_INT(hex_decode("abc", 3, &b), DURE_EHEX_ODD);
	CHECK_EQ_INT(hex_decode("0xzz", 4, &b), DURE_EHEX_DIGIT);
	CHECK_EQ_INT(hex_decode("0x", 2, &b), DURE_OK);
	CHECK_EQ_INT(hex_decode("12 4", 4, &b), DURE_EHEX_DIGIT);
	CHECK_EQ_INT(b.len, 0);
	uint8_t fixed[2] = {1, 2};
	CHECK_EQ_INT(hex_decode_exact("0x123456", fixed, 2), DURE_EHEX_LENGTH);
	CHECK(fixed[0] == 0 && fixed[1] == 0);
	CHECK_EQ_INT(hex_decode_exact("ABCD", fixed, 2), DURE_OK);
	CHECK(fixed[0] == 0xab && fixed[1] == 0xcd);
	buf_free(&b);
}

static void test_buf(void)
{
	buf b = BUF_INIT;
	for (int i = 0; i < 1000; i++)
		CHECK_EQ_INT(buf_push(&b, (uint8_t)i), DURE_OK);
	CHECK_EQ_INT(b.len, 1000);
	CHECK_EQ_INT(buf_insert(&b, 0, "ab", 2), DURE_OK);
	CHECK(b.data[0] == 'a' && b.data[2] == 0 && b.data[1001] == (uint8_t)999);
	CHECK_EQ_INT(buf_insert(&b, 5000, "x", 1), DURE_EINVAL);
	size_t n;
	uint8_t *p = buf_steal(&b, &n);
	CHECK(n == 1002 && b.data == NULL && b.len == 0);
	free(p);
}

static void test_strerror(void)
{
	CHECK(strcmp(dure_strerror(DURE_OK), "success") == 0);
	CHECK(strcmp(dure_strerror(-1), "unknown error") == 0);
	for (int e = 0; e < DURE_ERR_COUNT_; e++)
		CHECK(strcmp(dure_strerror(e), "unknown error") != 0);
}

TEST_MAIN(test_hex_roundtrip, test_hex_strict, test_buf, test_strerror)
