/* modexp: the EIP-198 examples, its edge rules (zero modulus, empty
 * operands, padding), a differential check against a plain 64-bit
 * square-and-multiply for small operands, and algebraic identities on large
 * ones (Fermat on Mersenne primes, a^(2x) = (a^x)^2). */
#include <stdlib.h>

#include "base/hex.h"
#include "crypto/modexp.h"
#include "test.h"

/* The EIP-198 examples: modulus p = 2^256 - 2^32 - 977, exponent p - 1. */
static void test_eip198_examples(void)
{
	uint8_t p[32], e[32], three = 3, out[32], want[32] = {0};

	CHECK_EQ_INT(hex_decode_exact(
		"fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f",
		p, 32), DURE_OK);
	CHECK_EQ_INT(hex_decode_exact(
		"fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2e",
		e, 32), DURE_OK);
	CHECK_EQ_INT(modexp(&three, 1, e, 32, p, 32, out), DURE_OK);
	want[31] = 1;                               /* Fermat: 3^(p-1) = 1 */
	CHECK_MEM(out, want, 32);

	/* Base length 0 means base 0, and 0^(p-1) = 0. */
	memset(out, 0xee, sizeof out);
	CHECK_EQ_INT(modexp(NULL, 0, e, 32, p, 32, out), DURE_OK);
	memset(want, 0, 32);
	CHECK_MEM(out, want, 32);
}

static void test_edge_rules(void)
{
	uint8_t two = 2, ten = 10, zero2[2] = {0, 0}, one = 1;
	uint8_t m1000[2] = {0x03, 0xe8}, out[4], want[4];

	/* 2^10 mod 1000 = 24, written in mlen = 2 bytes. */
	CHECK_EQ_INT(modexp(&two, 1, &ten, 1, m1000, 2, out), DURE_OK);
	CHECK(out[0] == 0 && out[1] == 24);

	/* A zero modulus (of any length) gives mlen zero bytes. */
	memset(out, 0xee, sizeof out);
	CHECK_EQ_INT(modexp(&two, 1, &ten, 1, zero2, 2, out), DURE_OK);
	CHECK(out[0] == 0 && out[1] == 0 && out[2] == 0xee);

	/* mod 1 is always 0, even 0^0. */
	memset(out, 0xee, sizeof out);
	CHECK_EQ_INT(modexp(NULL, 0, NULL, 0, &one, 1, out), DURE_OK);
	CHECK_EQ_INT(out[0], 0);

	/* 0^0 = 1 (the empty exponent is 0), padded to mlen. */
	uint8_t m4[4] = {0, 0, 0, 7};
	CHECK_EQ_INT(modexp(NULL, 0, NULL, 0, m4, 4, out), DURE_OK);
	memset(want, 0, 4);
	want[3] = 1;
	CHECK_MEM(out, want, 4);

	/* Leading zeros in any operand change nothing. */
	uint8_t b3[3] = {0, 0, 2}, e2[2] = {0, 10}, m5[5] = {0, 0, 0, 0x03, 0xe8};
	uint8_t out5[5], want5[5] = {0, 0, 0, 0, 24};
	CHECK_EQ_INT(modexp(b3, 3, e2, 2, m5, 5, out5), DURE_OK);
	CHECK_MEM(out5, want5, 5);

	/* mlen = 0: nothing to write, still a success. */
	CHECK_EQ_INT(modexp(&two, 1, &ten, 1, NULL, 0, NULL), DURE_OK);

	/* A base larger than the modulus is reduced first: 1002^10 mod 1000. */
	uint8_t b1002[2] = {0x03, 0xea};
	CHECK_EQ_INT(modexp(b1002, 2, &ten, 1, m1000, 2, out), DURE_OK);
	CHECK(out[0] == 0 && out[1] == 24);

	/* Lengths beyond MODEXP_MAX_LEN are refused before any read. */
	memset(out, 0xee, sizeof out);
	CHECK_EQ_INT(modexp(&two, MODEXP_MAX_LEN + 1, &ten, 1, m4, 4, out),
	             DURE_ERANGE);
	CHECK_MEM(out, want5, 4);   /* zeroed: want5 starts with four zeros */
}

static uint64_t mulmod64(uint64_t a, uint64_t b, uint64_t m)
{
	return (uint64_t)((unsigned __int128)a * b % m);
}

static uint64_t powmod64(uint64_t b, uint64_t e, uint64_t m)
{
	uint64_t r = 1 % m;

	b %= m;
	for (; e; e >>= 1) {
		if (e & 1)
			r = mulmod64(r, b, m);
		b = mulmod64(b, b, m);
	}
	return r;
}

static void put_be64(uint64_t v, uint8_t out[8])
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = (uint8_t)v;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	/* xorshift64*: deterministic, so failures reproduce. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static void test_against_u64(void)
{
	unsigned bad = 0;

	for (int i = 0; i < 20000; i++) {
		/* Vary the magnitudes so that small, even and odd moduli all
		 * occur, including 0 and 1. */
		uint64_t b = rng() >> (rng() % 64);
		uint64_t e = rng() >> (rng() % 64);
		uint64_t m = rng() >> (rng() % 64);
		uint8_t bb[8], eb[8], mb[8], out[8], want[8];

		put_be64(b, bb);
		put_be64(e, eb);
		put_be64(m, mb);
		put_be64(m ? powmod64(b, e, m) : 0, want);
		bad += modexp(bb, 8, eb, 8, mb, 8, out) != DURE_OK ||
		       memcmp(out, want, 8) != 0;
	}
	CHECK_EQ_INT(bad, 0);
}

/* m = 2^k - 1 as a big-endian string of (k + 7) / 8 bytes. */
static void mersenne(unsigned k, uint8_t *m, size_t len)
{
	memset(m, 0xff, len);
	if (k % 8)
		m[0] = (uint8_t)((1u << (k % 8)) - 1);
}

static void test_large_identities(void)
{
	/* 2^521 - 1 and 2^4423 - 1 are prime: a^(m-1) = 1 for 0 < a < m. */
	static const unsigned primes[] = {521, 4423};
	unsigned bad = 0;

	for (size_t pi = 0; pi < 2; pi++) {
		size_t len = (primes[pi] + 7) / 8;
		uint8_t *m = malloc(len), *e = malloc(len), *a = malloc(len);
		uint8_t *out = malloc(len), *x = malloc(len), *y = malloc(len);
		uint8_t two = 2;

		CHECK(m && e && a && out && x && y);
		if (!(m && e && a && out && x && y)) {
			free(m), free(e), free(a), free(out), free(x), free(y);
			return;
		}
		mersenne(primes[pi], m, len);
		memcpy(e, m, len);
		e[len - 1] = 0xfe;                      /* m - 1 */
		for (int t = 0; t < 5; t++) {
			for (size_t i = 0; i < len; i++)
				a[i] = (uint8_t)rng();
			a[0] &= m[0] >> 1;                  /* 0 < a < m, almost surely */
			a[len - 1] |= 1;
			CHECK_EQ_INT(modexp(a, len, e, len, m, len, out), DURE_OK);
			for (size_t i = 0; i + 1 < len; i++)
				bad += out[i] != 0;
			bad += out[len - 1] != 1;

			/* a^(2x) = (a^x)^2 with a random x; 2x fits in len bytes
			 * because x < m / 2. */
			for (size_t i = 0; i < len; i++)
				x[i] = (uint8_t)rng();
			x[0] &= m[0] >> 2;
			CHECK_EQ_INT(modexp(a, len, x, len, m, len, out), DURE_OK);
			CHECK_EQ_INT(modexp(out, len, &two, 1, m, len, y), DURE_OK);
			unsigned carry = 0;
			for (size_t i = len; i-- > 0;) {
				unsigned v = (unsigned)x[i] * 2 + carry;
				x[i] = (uint8_t)v;
				carry = v >> 8;
			}
			CHECK_EQ_INT(modexp(a, len, x, len, m, len, out), DURE_OK);
			CHECK_MEM(out, y, len);
		}
		free(m), free(e), free(a), free(out), free(x), free(y);
	}
	CHECK_EQ_INT(bad, 0);
}

/* Degenerate inputs with a huge exponent return at once: base 1, base 0 and
 * a base that is a multiple of the modulus. */
static void test_huge_exponent_shortcuts(void)
{
	size_t elen = (size_t)8 << 20;
	uint8_t *e = malloc(elen);
	uint8_t one = 1, zero = 0, b[2] = {0x03, 0xe8}, m[2] = {0x01, 0xf4};
	uint8_t out[2];

	CHECK(e != NULL);
	if (!e)
		return;
	memset(e, 0xff, elen);
	CHECK_EQ_INT(modexp(&one, 1, e, elen, m, 2, out), DURE_OK);
	CHECK(out[0] == 0 && out[1] == 1);
	CHECK_EQ_INT(modexp(&zero, 1, e, elen, m, 2, out), DURE_OK);
	CHECK(out[0] == 0 && out[1] == 0);
	CHECK_EQ_INT(modexp(b, 2, e, elen, m, 2, out), DURE_OK);   /* 1000 % 500 */
	CHECK(out[0] == 0 && out[1] == 0);
	free(e);
}

TEST_MAIN(test_eip198_examples, test_edge_rules, test_against_u64,
          test_large_identities, test_huge_exponent_shortcuts)
