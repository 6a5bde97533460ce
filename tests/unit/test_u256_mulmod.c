/* u256_mulmod and division by repeated divisors against GMP. A divisor
 * used again takes other paths than a fresh one (Barrett reduction for
 * MULMOD, cached reciprocals for the division), which random operand sets
 * rarely reach: here each modulus serves many products in a row, and
 * moduli alternate so that the caches change hands. Then the shapes that
 * take their own paths: the modulus 2^256 - 1, and divisors of each limb
 * count with dividends just above multiples of them. */
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
	/* just above 2^192 (the largest mu), and a top limb of 1 over ones */
	{{1, 0, 0, 1}},
	{{UINT64_MAX, UINT64_MAX, UINT64_MAX, 1}},
};

#define NMOD (sizeof moduli / sizeof moduli[0])

/* DIV and MOD of a by d (d != 0) against GMP. */
static void check_divmod(const u256 *a, const u256 *d, unsigned *bad)
{
	mpz_t A, D, Q, R;
	mpz_inits(A, D, Q, R, NULL);
	to_mpz(A, a);
	to_mpz(D, d);
	mpz_fdiv_qr(Q, R, A, D);
	u256 q = u256_div(a, d), r = u256_mod(a, d);
	if (!equals_mpz(&q, Q) || !equals_mpz(&r, R))
		(*bad)++;
	mpz_clears(A, D, Q, R, NULL);
}

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

/* Near 2^128, so that products land just below, at and just above 2^256. */
static u256 near_2_128(void)
{
	u256 r = {{0, 0, 0, 0}}, d = u256_from_u64(rnd() % 4);
	r.w[2] = 1;
	if (rnd() & 1)
		r.w[1] = UINT64_MAX, r.w[0] = UINT64_MAX - rnd() % 4, r.w[2] = 0;
	return rnd() & 1 ? u256_add(&r, &d) : r;
}

/* MULMOD by 2^256 - 1 (the modulus of the 512-bit mulDiv), which folds the
 * high half of the product onto the low half: products below, at and above
 * 2^256 - 1, both halves all ones, and a fold that carries. */
static void test_mulmod_all_ones(void)
{
	const u256 max = U256_MAX;
	unsigned bad = 0;
	for (int i = 0; i < 100000; i++) {
		u256 a, b;
		switch (i % 4) {
		case 0:
			a = operand(), b = operand();
			break;
		case 1:
			a = near_2_128(), b = near_2_128();
			break;
		case 2: /* all ones less a little, times something small or big */
			a = u256_sub(&max, &(u256){{rnd() % 3, 0, 0, 0}});
			b = rnd() & 1 ? u256_from_u64(rnd() % 5) : operand();
			break;
		default: /* one operand a power of two: the fold is a rotation */
			a = operand();
			b = U256_ZERO;
			b.w[rnd() % 4] = (uint64_t)1 << (rnd() % 64);
			break;
		}
		check_mulmod(&a, &b, &max, &bad);
	}
	/* (2^128 + 1)(2^128 - 1) = m, which must reduce to zero. */
	u256 p = {{1, 0, 1, 0}}, q = {{UINT64_MAX, UINT64_MAX, 0, 0}};
	check_mulmod(&p, &q, &max, &bad);
	u256 r = u256_mulmod(&p, &q, &max);
	CHECK(u256_is_zero(&r));
	CHECK_EQ_INT(bad, 0);
}

/* A divisor of exactly n limbs whose top limb is 1, all ones, the top bit
 * alone, or random, over lower limbs of random, zero or all ones. */
static u256 divisor_of_limbs(int n)
{
	static const uint64_t tops[] = {1, UINT64_MAX, (uint64_t)1 << 63, 0};
	u256 d = U256_ZERO;
	for (int i = 0; i < n - 1; i++) {
		uint64_t pick = rnd() % 4;
		d.w[i] = pick == 0 ? 0 : pick == 1 ? UINT64_MAX : rnd();
	}
	uint64_t top = tops[rnd() % 4];
	d.w[n - 1] = top ? top : rnd() | 1;
	return d;
}

/* DIV, MOD, MULMOD and ADDMOD by divisors of each length, with dividends
 * of every length (below the divisor too) and ones built as q * d + r
 * with r near 0 or near d, where the quotient estimate needs correcting. */
static void test_division_limb_shapes(void)
{
	unsigned bad = 0;
	mpz_t A, D, Q, R;
	mpz_inits(A, D, Q, R, NULL);
	for (int n = 1; n <= 4; n++) {
		for (int i = 0; i < 60000; i++) {
			u256 d = divisor_of_limbs(n), a = operand();
			int alen = 1 + (int)(rnd() % 4);
			for (int k = alen; k < 4; k++)
				a.w[k] = 0;
			if (i % 3 == 0) {
				/* a = q * d + off, off in {0, 1, 2} or {d - 3, d - 2, d - 1} */
				u256 q = operand(), qd, sum, off = u256_from_u64(rnd() % 3);
				for (int k = 4 - n + 1; k < 4; k++)
					q.w[k] = 0;
				if (rnd() & 1) {
					u256 one = u256_from_u64(1), dm = u256_sub(&d, &one);
					off = u256_sub(&dm, &off);
				}
				if (u256_lt(&off, &d) && !u256_mul_overflow(&qd, &q, &d) &&
				    !u256_add_overflow(&sum, &qd, &off))
					a = sum;
			}
			check_divmod(&a, &d, &bad);
			u256 b = operand();
			check_mulmod(&a, &b, &d, &bad);
			to_mpz(A, &a);
			to_mpz(D, &d);
			to_mpz(R, &b);
			mpz_add(Q, A, R);
			mpz_mod(Q, Q, D);
			u256 r = u256_addmod(&a, &b, &d);
			if (!equals_mpz(&r, Q))
				bad++;
		}
	}
	mpz_clears(A, D, Q, R, NULL);
	CHECK_EQ_INT(bad, 0);
}

/* DIV and MOD with a divisor kept across calls (its reciprocal is cached),
 * alternating between two so that the cache is replaced. */
static void test_division_repeated_divisor(void)
{
	unsigned bad = 0;
	for (int i = 0; i < 40000; i++) {
		u256 d = moduli[i % 2 ? 0 : 2];
		if (i % 3 == 0)
			d = (u256){{moduli[0].w[3] | 1, 0, 0, 0}}; /* one limb */
		u256 a = operand();
		check_divmod(&a, &d, &bad);
	}
	CHECK_EQ_INT(bad, 0);
}

TEST_MAIN(test_mulmod_same_modulus, test_mulmod_alternating_moduli,
          test_mulmod_all_ones, test_division_limb_shapes,
          test_division_repeated_divisor)
