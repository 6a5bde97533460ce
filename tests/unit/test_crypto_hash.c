/* SHA-256 (FIPS 180-2 examples) and RIPEMD-160 (the test vectors published
 * with the algorithm by Dobbertin, Bosselaers and Preneel). */
#include <stdlib.h>

#include "base/hex.h"
#include "crypto/hash.h"
#include "test.h"

struct vector {
	const char *msg;
	const char *sha256;
	const char *ripemd160;
};

static const struct vector vectors[] = {
	{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	 "9c1185a5c5e9fc54612808977ee8f548b2258d31"},
	{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	 "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc"},
	{"message digest",
	 "f7846f55cf23e14eebeab5b4e1550cad5b509e3348fbc4efa3a1413d393cb650",
	 "5d0689ef49d2fae572b881b123a85ffa21595f36"},
	{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	 "12a053384a9c0c88e405a06c27dcf49ada62eb2b"},
};

static void check(const uint8_t *m, size_t n, const char *sha_hex,
                  const char *rmd_hex)
{
	uint8_t want_sha[32], got_sha[32], want_rmd[20], got_rmd[20];

	CHECK_EQ_INT(hex_decode_exact(sha_hex, want_sha, 32), DURE_OK);
	CHECK_EQ_INT(hex_decode_exact(rmd_hex, want_rmd, 20), DURE_OK);
	sha256(m, n, got_sha);
	ripemd160(m, n, got_rmd);
	CHECK_MEM(got_sha, want_sha, 32);
	CHECK_MEM(got_rmd, want_rmd, 20);
}

static void test_vectors(void)
{
	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++)
		check((const uint8_t *)vectors[i].msg, strlen(vectors[i].msg),
		      vectors[i].sha256, vectors[i].ripemd160);
}

static void test_empty_null(void)
{
	check(NULL, 0, vectors[0].sha256, vectors[0].ripemd160);
}

static void test_million_a(void)
{
	uint8_t *m = malloc(1000000);

	CHECK(m != NULL);
	if (!m)
		return;
	memset(m, 'a', 1000000);
	check(m, 1000000,
	      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	      "52783243c1697bdbe16d37f97f68f08325dc1528");
	free(m);
}

TEST_MAIN(test_vectors, test_empty_null, test_million_a)
