/* u256_mulmod and division by repeated divisors against GMP. A divisor
 * used again takes other paths than a fresh one (Barrett reduction for
 * MULMOD, cached reciprocals for the division), which random operand sets
 * rarely reach: here each modulus serves many products in a row, and
 * moduli alternate so that the caches change hands. */
#include "u256/u256.h"
#include "test.h"

#include <gmp.h>

static uint64_t rng_state = 0x243f6a8885a308d3u;

/* splitmix64: deterministic, good enough for operands. */
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* Uniform limbs, with each limb now and then forced to 0 or all ones, so
 * that products and remainders hit the correction steps. */
static u256 operand(void)
{
	u256 r = {{rnd(), rnd(), rnd(), rnd()}};
	for (int i = 0; i < 4; i++) {
		uint64_t pick = rnd() % 8;
		if (pick == 0)
			r.w[i] = 0;
		else if (pick == 1)
			r.w[i] = UINT64_MAX;
	}
	return r;
}

static void to_mpz(mpz_t z, const u256 *a)
{
	mpz_import(z, 4, -1, sizeof a->w[0], 0, 0, a->w);
}

static bool equals_mpz(const u256 *a, const mpz_t z)
{
	mpz_t t;
	mpz_init(t);
	to_mpz(t, a);
	bool eq = mpz_cmp(t, z) == 0;
	mpz_clear(t);
	return eq;
}

static const u256 moduli[] = {
	/* bn254 base field prime and group order */
	{{0x3c208c16d87cfd47u, 0x97816a916871ca8du, 0xb85045b68181585du,
	  0x30644e72e131a029u}},
	{{0x43e1f593f0000001u, 0x2833e84879b97091u, 0xb85045b68181585du,
	  0x30644e72e131a029u}},
	/* secp256k1 field prime */
	{{0xfffffffefffffc2fu, UINT64_MAX, UINT64_MAX, UINT64_MAX}},
	/* all ones, a top limb of 1, a single set low limb */
	{{UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX}},
	{{0x1234567890abcdefu, 0, 0, 1}},
	{{1, 0, 0, 0x8000000000000000u}},
	/* 2^192 exactly: Barrett does not apply, the division must */
	{{0, 0, 0, 1}},
};

#define NMOD (sizeof moduli / sizeof moduli[0])

static void check_mulmod(const u256 *a, const u256 *b, const u256 *m,
                         unsigned *bad)
{
	mpz_t A, B, M, R;
	mpz_inits(A, B, M, R, NULL);
	to_mpz(A, a);
	to_mpz(B, b);
	to_mpz(M, m);
	mpz_mul(R, A, B);
	mpz_mod(R, R, M);
	u256 r = u256_mulmod(a, b, m);
	if (!equals_mpz(&r, R))
		(*bad)++;
	mpz_clears(A, B, M, R, NULL);
}

static void test_mulmod_same_modulus(void)
{
	for (size_t k = 0; k < NMOD; k++) {
		unsigned bad = 0;
		for (int i = 0; i < 20000; i++) {
			u256 a = operand(), b = operand();
			check_mulmod(&a, &b, &moduli[k], &bad);
		}
		/* The largest product, and operands at and around m. */
		u256 max = U256_MAX, one = u256_from_u64(1);
		u256 mm1 = u256_sub(&moduli[k], &one);
		check_mulmod(&max, &max, &moduli[k], &bad);
		check_mulmod(&moduli[k], &max, &moduli[k], &bad);
		check_mulmod(&mm1, &mm1, &moduli[k], &bad);
		CHECK_EQ_INT(bad, 0);
	}
}

static void test_mulmod_alternating_moduli(void)
{
	unsigned bad = 0;
	for (int i = 0; i < 30000; i++) {
		/* Runs of one to three uses before the modulus changes. */
		const u256 *m = &moduli[rnd() % NMOD];
		int run = 1 + (int)(rnd() % 3);
		for (int j = 0; j < run; j++) {
			u256 a = operand(), b = operand();
			check_mulmod(&a, &b, m, &bad);
		}
	}
	CHECK_EQ_INT(bad, 0);
}

/* DIV and MOD with a divisor kept across calls (its reciprocal is cached),
 * alternating between two so that the cache is replaced. */
static void test_division_repeated_divisor(void)
{
	unsigned bad = 0;
	mpz_t A, D, Q, R;
	mpz_inits(A, D, Q, R, NULL);
	for (int i = 0; i < 40000; i++) {
		u256 d = moduli[i % 2 ? 0 : 2];
		if (i % 3 == 0)
			d = (u256){{moduli[0].w[3] | 1, 0, 0, 0}}; /* one limb */
		u256 a = operand();
		to_mpz(A, &a);
		to_mpz(D, &d);
		mpz_fdiv_qr(Q, R, A, D);
		u256 q = u256_div(&a, &d), r = u256_mod(&a, &d);
		if (!equals_mpz(&q, Q) || !equals_mpz(&r, R))
			bad++;
	}
	mpz_clears(A, D, Q, R, NULL);
	CHECK_EQ_INT(bad, 0);
}

TEST_MAIN(test_mulmod_same_modulus, test_mulmod_alternating_moduli,
          test_division_repeated_divisor)
