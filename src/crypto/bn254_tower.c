/* Field tower arithmetic for bn254; see bn254_tower.h for the tower and the
 * representation. Fp multiplication is Montgomery's (CIOS, R = 2^256) over
 * four 64-bit limbs. */
#include "crypto/bn254_tower.h"

#include <string.h>

typedef unsigned __int128 u128;

/* p, little-endian limbs */
static const uint64_t P[4] = {0x3c208c16d87cfd47ULL, 0x97816a916871ca8dULL,
                              0xb85045b68181585dULL, 0x30644e72e131a029ULL};
/* -1/p mod 2^64 */
static const uint64_t PINV = 0x87d20782e4866389ULL;
/* R^2 mod p, to enter Montgomery form */
static const bn254_fp R2 = {{0xf32cfc5b538afa89ULL, 0xb5e71911d44501fbULL,
                          0x47ab1eff0a417ff6ULL, 0x06d89f71cab8351fULL}};

const bn254_fp bn254_fp_one = {{0xd35d438dc58f0d9dULL, 0x0a78eb28f5c70b3dULL,
                          0x666ea36f7879462cULL, 0x0e0a77c19a07df2fULL}};
const bn254_fp2 bn254_fp2_one = {{{0xd35d438dc58f0d9dULL, 0x0a78eb28f5c70b3dULL,
                                   0x666ea36f7879462cULL, 0x0e0a77c19a07df2fULL}},
                                 {{0}}};
/* 3 in Montgomery form */
const bn254_fp bn254_curve_b = {{0x7a17caa950ad28d7ULL, 0x1f6ac17ae15521b9ULL,
                                 0x334bea4e696bd284ULL, 0x2a1f6744ce179d8eULL}};

const bn254_fp2 bn254_twist_b = {{{0x3bf938e377b802a8ULL, 0x020b1b273633535dULL, 0x26b7edf049755260ULL, 0x2514c6324384a86dULL}},
	  {{0x38e7ecccd1dcff67ULL, 0x65f0b37d93ce0d3eULL, 0xd749d0dd22ac00aaULL, 0x0141b9ce4a688d4dULL}}};
/* See bn254_tower.h. */
const bn254_fp2 bn254_frob[3][5] = {
	{
		{{{0xaf9ba69633144907ULL, 0xca6b1d7387afb78aULL, 0x11bded5ef08a2087ULL, 0x02f34d751a1f3a7cULL}},
		  {{0xa222ae234c492d72ULL, 0xd00f02a4565de15bULL, 0xdc2ff3a253dfc926ULL, 0x10a75716b3899551ULL}}},
		{{{0xb5773b104563ab30ULL, 0x347f91c8a9aa6454ULL, 0x7a007127242e0991ULL, 0x1956bcd8118214ecULL}},
		  {{0x6e849f1ea0aa4757ULL, 0xaa1c7b6d89f89141ULL, 0xb6e713cdfae0ca3aULL, 0x26694fbb4e82ebc3ULL}}},
		{{{0xe4bbdd0c2936b629ULL, 0xbb30f162e133bacbULL, 0x31a9d1b6f9645366ULL, 0x253570bea500f8ddULL}},
		  {{0xa1d77ce45ffe77c7ULL, 0x07affd117826d1dbULL, 0x6d16bd27bb7edc6bULL, 0x2c87200285defeccULL}}},
		{{{0x7361d77f843abe92ULL, 0xa5bb2bd3273411fbULL, 0x9c941f314b3e2399ULL, 0x15df9cddbb9fd3ecULL}},
		  {{0x5dddfd154bd8c949ULL, 0x62cb29a5a4445b60ULL, 0x37bc870a0c7dd2b9ULL, 0x24830a9d3171f0fdULL}}},
		{{{0xc970692f41690fe7ULL, 0xe240342127694b0bULL, 0x32bee66b83c459e8ULL, 0x12aabced0ab08841ULL}},
		  {{0x0d485d2340aebfa9ULL, 0x05193418ab2fcc57ULL, 0xd3b0a40b8a4910f5ULL, 0x2f21ebb535d2925aULL}}},
	},
	{
		{{{0xca8d800500fa1bf2ULL, 0xf0c5d61468b39769ULL, 0x0e201271ad0d4418ULL, 0x04290f65bad856e6ULL}},
		  {{0x0000000000000000ULL, 0x0000000000000000ULL, 0x0000000000000000ULL, 0x0000000000000000ULL}}},
		{{{0x3350c88e13e80b9cULL, 0x7dce557cdb5e56b9ULL, 0x6001b4b8b615564aULL, 0x2682e617020217e0ULL}},
		  {{0x0000000000000000ULL, 0x0000000000000000ULL, 0x0000000000000000ULL, 0x0000000000000000ULL}}},
		{{{0x68c3488912edefaaULL, 0x8d087f6872aabf4fULL, 0x51e1a24709081231ULL, 0x2259d6b14729c0faULL}},
		  {{0x0000000000000000ULL, 0x0000000000000000ULL, 0x0000000000000000ULL, 0x0000000000000000ULL}}},
		{{{0x71930c11d782e155ULL, 0xa6bb947cffbe3323ULL, 0xaa303344d4741444ULL, 0x2c3b3f0d26594943ULL}},
		  {{0x0000000000000000ULL, 0x0000000000000000ULL, 0x0000000000000000ULL, 0x0000000000000000ULL}}},
		{{{0x08cfc388c494f1abULL, 0x19b315148d1373d4ULL, 0x584e90fdcb6c0213ULL, 0x09e1685bdf2f8849ULL}},
		  {{0x0000000000000000ULL, 0x0000000000000000ULL, 0x0000000000000000ULL, 0x0000000000000000ULL}}},
	},
	{
		{{{0x365316184e46d97dULL, 0x0af7129ed4c96d9fULL, 0x659da72fca1009b5ULL, 0x08116d8983a20d23ULL}},
		  {{0xb1df4af7c39c1939ULL, 0x3d9f02878a73bf7fULL, 0x9b2220928caf0ae0ULL, 0x26684515eff054a6ULL}}},
		{{{0xc9af22f716ad6badULL, 0xb311782a4aa662b2ULL, 0x19eeaf64e248c7f4ULL, 0x20273e77e3439f82ULL}},
		  {{0xacc02860f7ce93acULL, 0x3933d5817ba76b4cULL, 0x69e6188b446c8467ULL, 0x0a46036d4417cc55ULL}}},
		{{{0x5764af0aaf46471eULL, 0xdc50792e873e0fc1ULL, 0x86a673ff881d04f6ULL, 0x0b2eddb43c30a74cULL}},
		  {{0x9a490f32787e8580ULL, 0x8fd16d7ff04af8b1ULL, 0x4b39888ec6027bf2ULL, 0x03dd2e705b52a15dULL}}},
		{{{0x448a93a57b6762dfULL, 0xbfd62df528fdeadfULL, 0xd858f5d00e9bd47aULL, 0x06b03d4d3476ec58ULL}},
		  {{0x2b19daf4bcc936d1ULL, 0xa1a54e7a56f4299fULL, 0xb533eee05adeaef1ULL, 0x170c812b84dda0b2ULL}}},
		{{{0xe0bc4b2275cf559fULL, 0xc238b945c154e60fULL, 0x803982a5929a7d5eULL, 0x15ce052df7e4a37eULL}},
		  {{0x2d28efbdbf3799a7ULL, 0x9b097e3c1ad60773ULL, 0x982d4113af4a535bULL, 0x24e18991e3056063ULL}}},
	},
};

/* ---- Fp ---- */

/* Carry-propagating limb steps; gcc turns these into add/adc and mul. */
static inline uint64_t adc(uint64_t *carry, uint64_t a, uint64_t b)
{
	u128 t = (u128)a + b + *carry;
	*carry = (uint64_t)(t >> 64);
	return (uint64_t)t;
}

static inline uint64_t sbb(uint64_t *borrow, uint64_t a, uint64_t b)
{
	u128 t = (u128)a - b - *borrow;
	*borrow = (uint64_t)(t >> 64) & 1;
	return (uint64_t)t;
}

/* returns the low limb of a*b + c + *carry, the high limb goes to *carry */
static inline uint64_t mac(uint64_t *carry, uint64_t a, uint64_t b, uint64_t c)
{
	u128 t = (u128)a * b + c + *carry;
	*carry = (uint64_t)(t >> 64);
	return (uint64_t)t;
}

/* r = t - p if t = hi*2^256 + (t0..t3) is at least p, else t; t < 2p. */
static inline void fp_reduce_once(bn254_fp *r, uint64_t t0, uint64_t t1,
                                  uint64_t t2, uint64_t t3, uint64_t hi)
{
	uint64_t b = 0;
	uint64_t s0 = sbb(&b, t0, P[0]);
	uint64_t s1 = sbb(&b, t1, P[1]);
	uint64_t s2 = sbb(&b, t2, P[2]);
	uint64_t s3 = sbb(&b, t3, P[3]);
	/* t >= p exactly when the subtraction did not borrow past hi */
	uint64_t keep = 0 - (uint64_t)(b & (hi ^ 1)); /* all ones: keep t */
	r->l[0] = (t0 & keep) | (s0 & ~keep);
	r->l[1] = (t1 & keep) | (s1 & ~keep);
	r->l[2] = (t2 & keep) | (s2 & ~keep);
	r->l[3] = (t3 & keep) | (s3 & ~keep);
}

static inline bool fp_is_zero(const bn254_fp *a)
{
	return (a->l[0] | a->l[1] | a->l[2] | a->l[3]) == 0;
}

static inline bool fp_eq(const bn254_fp *a, const bn254_fp *b)
{
	return ((a->l[0] ^ b->l[0]) | (a->l[1] ^ b->l[1]) | (a->l[2] ^ b->l[2]) |
	        (a->l[3] ^ b->l[3])) == 0;
}

static inline void fp_add(bn254_fp *r, const bn254_fp *a, const bn254_fp *b)
{
	uint64_t c = 0;
	uint64_t t0 = adc(&c, a->l[0], b->l[0]);
	uint64_t t1 = adc(&c, a->l[1], b->l[1]);
	uint64_t t2 = adc(&c, a->l[2], b->l[2]);
	uint64_t t3 = adc(&c, a->l[3], b->l[3]);
	fp_reduce_once(r, t0, t1, t2, t3, c);
}

static inline void fp_sub(bn254_fp *r, const bn254_fp *a, const bn254_fp *b)
{
	uint64_t bw = 0;
	uint64_t t0 = sbb(&bw, a->l[0], b->l[0]);
	uint64_t t1 = sbb(&bw, a->l[1], b->l[1]);
	uint64_t t2 = sbb(&bw, a->l[2], b->l[2]);
	uint64_t t3 = sbb(&bw, a->l[3], b->l[3]);
	/* went below zero: add p back (the final carry cancels the borrow) */
	uint64_t mask = 0 - bw, c = 0;
	r->l[0] = adc(&c, t0, P[0] & mask);
	r->l[1] = adc(&c, t1, P[1] & mask);
	r->l[2] = adc(&c, t2, P[2] & mask);
	r->l[3] = adc(&c, t3, P[3] & mask);
}

static inline void fp_neg(bn254_fp *r, const bn254_fp *a)
{
	static const bn254_fp zero;
	fp_sub(r, &zero, a);
}

/* Montgomery product a*b/2^256 mod p, coarsely integrated (CIOS). With
 * a, b < p the running value stays below 2p + 2^64 p < 2^320, so five limbs
 * hold it and the top one never carries out. */
static inline void fp_mul(bn254_fp *r, const bn254_fp *a, const bn254_fp *b)
{
	uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0;
#pragma GCC unroll 4
	for (int i = 0; i < 4; i++) {
		uint64_t y = b->l[i], c = 0;
		t0 = mac(&c, a->l[0], y, t0);
		t1 = mac(&c, a->l[1], y, t1);
		t2 = mac(&c, a->l[2], y, t2);
		t3 = mac(&c, a->l[3], y, t3);
		t4 += c;

		/* add m*p so that the low limb becomes zero, then drop it */
		uint64_t m = t0 * PINV;
		c = 0;
		(void)mac(&c, m, P[0], t0);
		t0 = mac(&c, m, P[1], t1);
		t1 = mac(&c, m, P[2], t2);
		t2 = mac(&c, m, P[3], t3);
		uint64_t hi = 0;
		t3 = adc(&hi, t4, c);
		t4 = hi;
	}
	fp_reduce_once(r, t0, t1, t2, t3, t4);
}

static inline void fp_sqr(bn254_fp *r, const bn254_fp *a)
{
	fp_mul(r, a, a);
}

/* r = a/2: a is halved exactly if even, else a + p (even) is. */
static void fp_half(bn254_fp *r, const bn254_fp *a)
{
	uint64_t mask = 0 - (a->l[0] & 1), t[4], carry = 0;
	#pragma GCC unroll 4
	for (int j = 0; j < 4; j++) {
		u128 s = (u128)a->l[j] + (P[j] & mask) + carry;
		t[j] = (uint64_t)s;
		carry = (uint64_t)(s >> 64);
	}
	#pragma GCC unroll 4
	for (int j = 0; j < 3; j++)
		r->l[j] = (t[j] >> 1) | (t[j + 1] << 63);
	r->l[3] = (t[3] >> 1) | (carry << 63);
}

static void fp_inv(bn254_fp *r, const bn254_fp *a)
{
	/* Fermat: a^(p-2), square-and-multiply from the top bit */
	uint64_t e[4] = {P[0] - 2, P[1], P[2], P[3]};
	bn254_fp acc = bn254_fp_one, base = *a;
	for (int i = 255; i >= 0; i--) {
		fp_sqr(&acc, &acc);
		if ((e[i / 64] >> (i % 64)) & 1)
			fp_mul(&acc, &acc, &base);
	}
	*r = acc;
}

bool bn254_fp_from_bytes(bn254_fp *out, const uint8_t in[32])
{
	bn254_fp t;
	#pragma GCC unroll 4
	for (int j = 0; j < 4; j++) {
		uint64_t v = 0;
		for (int k = 0; k < 8; k++)
			v = (v << 8) | in[(3 - j) * 8 + k];
		t.l[j] = v;
	}
	#pragma GCC unroll 4
	for (int j = 3; j >= 0; j--) {
		if (t.l[j] != P[j]) {
			if (t.l[j] > P[j])
				break;
			fp_mul(out, &t, &R2);
			return true;
		}
	}
	memset(out, 0, sizeof *out);
	return false;
}

void bn254_fp_to_bytes(uint8_t out[32], const bn254_fp *a)
{
	static const bn254_fp raw_one = {{1, 0, 0, 0}};
	bn254_fp t;
	fp_mul(&t, a, &raw_one); /* leaves Montgomery form */
	#pragma GCC unroll 4
	for (int j = 0; j < 4; j++)
		for (int k = 0; k < 8; k++)
			out[(3 - j) * 8 + k] = (uint8_t)(t.l[j] >> (56 - 8 * k));
}


/* Exported Fp operations for bn254.c; inside this file the inline forms are
 * used. */
bool bn254_fp_is_zero(const bn254_fp *a)
{
	return fp_is_zero(a);
}

bool bn254_fp_eq(const bn254_fp *a, const bn254_fp *b)
{
	return fp_eq(a, b);
}

void bn254_fp_add(bn254_fp *r, const bn254_fp *a, const bn254_fp *b)
{
	fp_add(r, a, b);
}

void bn254_fp_sub(bn254_fp *r, const bn254_fp *a, const bn254_fp *b)
{
	fp_sub(r, a, b);
}

void bn254_fp_neg(bn254_fp *r, const bn254_fp *a)
{
	fp_neg(r, a);
}

void bn254_fp_mul(bn254_fp *r, const bn254_fp *a, const bn254_fp *b)
{
	fp_mul(r, a, b);
}

void bn254_fp_sqr(bn254_fp *r, const bn254_fp *a)
{
	fp_mul(r, a, a);
}

void bn254_fp_inv(bn254_fp *r, const bn254_fp *a)
{
	fp_inv(r, a);
}

/* ---- Fp2 ---- */

bool bn254_fp2_is_zero(const bn254_fp2 *a)
{
	return fp_is_zero(&a->c0) && fp_is_zero(&a->c1);
}

bool bn254_fp2_eq(const bn254_fp2 *a, const bn254_fp2 *b)
{
	return fp_eq(&a->c0, &b->c0) && fp_eq(&a->c1, &b->c1);
}

void bn254_fp2_add(bn254_fp2 *r, const bn254_fp2 *a, const bn254_fp2 *b)
{
	fp_add(&r->c0, &a->c0, &b->c0);
	fp_add(&r->c1, &a->c1, &b->c1);
}

void bn254_fp2_sub(bn254_fp2 *r, const bn254_fp2 *a, const bn254_fp2 *b)
{
	fp_sub(&r->c0, &a->c0, &b->c0);
	fp_sub(&r->c1, &a->c1, &b->c1);
}

void bn254_fp2_neg(bn254_fp2 *r, const bn254_fp2 *a)
{
	fp_neg(&r->c0, &a->c0);
	fp_neg(&r->c1, &a->c1);
}

void bn254_fp2_dbl(bn254_fp2 *r, const bn254_fp2 *a)
{
	bn254_fp2_add(r, a, a);
}

void bn254_fp2_half(bn254_fp2 *r, const bn254_fp2 *a)
{
	fp_half(&r->c0, &a->c0);
	fp_half(&r->c1, &a->c1);
}

void bn254_fp2_conj(bn254_fp2 *r, const bn254_fp2 *a)
{
	r->c0 = a->c0;
	fp_neg(&r->c1, &a->c1);
}

void bn254_fp2_mul(bn254_fp2 *r, const bn254_fp2 *a, const bn254_fp2 *b)
{
	/* Karatsuba: (a0 + a1 i)(b0 + b1 i) with i^2 = -1 */
	bn254_fp t0, t1, s0, s1;
	fp_mul(&t0, &a->c0, &b->c0);
	fp_mul(&t1, &a->c1, &b->c1);
	fp_add(&s0, &a->c0, &a->c1);
	fp_add(&s1, &b->c0, &b->c1);
	fp_mul(&s0, &s0, &s1);
	fp_sub(&r->c0, &t0, &t1);
	fp_sub(&s0, &s0, &t0);
	fp_sub(&r->c1, &s0, &t1);
}

void bn254_fp2_mul_fp(bn254_fp2 *r, const bn254_fp2 *a, const bn254_fp *b)
{
	fp_mul(&r->c0, &a->c0, b);
	fp_mul(&r->c1, &a->c1, b);
}

void bn254_fp2_sqr(bn254_fp2 *r, const bn254_fp2 *a)
{
	/* (a0 + a1 i)^2 = (a0 + a1)(a0 - a1) + 2 a0 a1 i */
	bn254_fp s, d, m;
	fp_add(&s, &a->c0, &a->c1);
	fp_sub(&d, &a->c0, &a->c1);
	fp_mul(&m, &a->c0, &a->c1);
	fp_mul(&r->c0, &s, &d);
	fp_add(&r->c1, &m, &m);
}

void bn254_fp2_inv(bn254_fp2 *r, const bn254_fp2 *a)
{
	/* 1/(a0 + a1 i) = (a0 - a1 i)/(a0^2 + a1^2) */
	bn254_fp n, t;
	fp_sqr(&n, &a->c0);
	fp_sqr(&t, &a->c1);
	fp_add(&n, &n, &t);
	fp_inv(&n, &n);
	fp_mul(&r->c0, &a->c0, &n);
	fp_mul(&t, &a->c1, &n);
	fp_neg(&r->c1, &t);
}

/* r = a * xi = (9 a0 - a1) + (a0 + 9 a1) i */
static void fp2_mul_xi(bn254_fp2 *r, const bn254_fp2 *a)
{
	bn254_fp2 t;
	bn254_fp2_dbl(&t, a);
	bn254_fp2_dbl(&t, &t);
	bn254_fp2_dbl(&t, &t);
	bn254_fp2_add(&t, &t, a);
	bn254_fp c0;
	fp_sub(&c0, &t.c0, &a->c1);
	fp_add(&r->c1, &t.c1, &a->c0);
	r->c0 = c0;
}

/* ---- Fp6 ---- */

static void fp6_add(bn254_fp6 *r, const bn254_fp6 *a, const bn254_fp6 *b)
{
	bn254_fp2_add(&r->c0, &a->c0, &b->c0);
	bn254_fp2_add(&r->c1, &a->c1, &b->c1);
	bn254_fp2_add(&r->c2, &a->c2, &b->c2);
}

static void fp6_sub(bn254_fp6 *r, const bn254_fp6 *a, const bn254_fp6 *b)
{
	bn254_fp2_sub(&r->c0, &a->c0, &b->c0);
	bn254_fp2_sub(&r->c1, &a->c1, &b->c1);
	bn254_fp2_sub(&r->c2, &a->c2, &b->c2);
}

static void fp6_neg(bn254_fp6 *r, const bn254_fp6 *a)
{
	bn254_fp2_neg(&r->c0, &a->c0);
	bn254_fp2_neg(&r->c1, &a->c1);
	bn254_fp2_neg(&r->c2, &a->c2);
}

/* r = a * v: the coefficients shift up and v^3 = xi wraps around */
static void fp6_mul_v(bn254_fp6 *r, const bn254_fp6 *a)
{
	bn254_fp2 t;
	fp2_mul_xi(&t, &a->c2);
	r->c2 = a->c1;
	r->c1 = a->c0;
	r->c0 = t;
}

static void fp6_mul(bn254_fp6 *r, const bn254_fp6 *a, const bn254_fp6 *b)
{
	/* Karatsuba over the three coefficients, v^3 = xi */
	bn254_fp2 t0, t1, t2, s, u, c0, c1, c2;
	bn254_fp2_mul(&t0, &a->c0, &b->c0);
	bn254_fp2_mul(&t1, &a->c1, &b->c1);
	bn254_fp2_mul(&t2, &a->c2, &b->c2);

	bn254_fp2_add(&s, &a->c1, &a->c2);
	bn254_fp2_add(&u, &b->c1, &b->c2);
	bn254_fp2_mul(&s, &s, &u);
	bn254_fp2_sub(&s, &s, &t1);
	bn254_fp2_sub(&s, &s, &t2);
	fp2_mul_xi(&s, &s);
	bn254_fp2_add(&c0, &s, &t0);

	bn254_fp2_add(&s, &a->c0, &a->c1);
	bn254_fp2_add(&u, &b->c0, &b->c1);
	bn254_fp2_mul(&s, &s, &u);
	bn254_fp2_sub(&s, &s, &t0);
	bn254_fp2_sub(&s, &s, &t1);
	fp2_mul_xi(&u, &t2);
	bn254_fp2_add(&c1, &s, &u);

	bn254_fp2_add(&s, &a->c0, &a->c2);
	bn254_fp2_add(&u, &b->c0, &b->c2);
	bn254_fp2_mul(&s, &s, &u);
	bn254_fp2_sub(&s, &s, &t0);
	bn254_fp2_sub(&s, &s, &t2);
	bn254_fp2_add(&c2, &s, &t1);

	r->c0 = c0;
	r->c1 = c1;
	r->c2 = c2;
}

/* r = a * b for b = b0 + b1 v (b2 = 0): five Fp2 products instead of six */
static void fp6_mul_01(bn254_fp6 *r, const bn254_fp6 *a, const bn254_fp2 *b0,
                       const bn254_fp2 *b1)
{
	bn254_fp2 t0, t1, s, u, c0, c1, c2;
	bn254_fp2_mul(&t0, &a->c0, b0);
	bn254_fp2_mul(&t1, &a->c1, b1);

	bn254_fp2_mul(&s, &a->c2, b1);
	fp2_mul_xi(&s, &s);
	bn254_fp2_add(&c0, &s, &t0);

	bn254_fp2_add(&s, &a->c0, &a->c1);
	bn254_fp2_add(&u, b0, b1);
	bn254_fp2_mul(&s, &s, &u);
	bn254_fp2_sub(&s, &s, &t0);
	bn254_fp2_sub(&c1, &s, &t1);

	bn254_fp2_mul(&s, &a->c2, b0);
	bn254_fp2_add(&c2, &s, &t1);

	r->c0 = c0;
	r->c1 = c1;
	r->c2 = c2;
}

static void fp6_mul_fp2(bn254_fp6 *r, const bn254_fp6 *a, const bn254_fp2 *b)
{
	bn254_fp2_mul(&r->c0, &a->c0, b);
	bn254_fp2_mul(&r->c1, &a->c1, b);
	bn254_fp2_mul(&r->c2, &a->c2, b);
}

static void fp6_inv(bn254_fp6 *r, const bn254_fp6 *a)
{
	/* adjugate over the norm: t0 = a0^2 - xi a1 a2, t1 = xi a2^2 - a0 a1,
	 * t2 = a1^2 - a0 a2, n = a0 t0 + xi (a2 t1 + a1 t2) */
	bn254_fp2 t0, t1, t2, s, n;
	bn254_fp2_sqr(&t0, &a->c0);
	bn254_fp2_mul(&s, &a->c1, &a->c2);
	fp2_mul_xi(&s, &s);
	bn254_fp2_sub(&t0, &t0, &s);

	bn254_fp2_sqr(&t1, &a->c2);
	fp2_mul_xi(&t1, &t1);
	bn254_fp2_mul(&s, &a->c0, &a->c1);
	bn254_fp2_sub(&t1, &t1, &s);

	bn254_fp2_sqr(&t2, &a->c1);
	bn254_fp2_mul(&s, &a->c0, &a->c2);
	bn254_fp2_sub(&t2, &t2, &s);

	bn254_fp2_mul(&n, &a->c2, &t1);
	bn254_fp2_mul(&s, &a->c1, &t2);
	bn254_fp2_add(&n, &n, &s);
	fp2_mul_xi(&n, &n);
	bn254_fp2_mul(&s, &a->c0, &t0);
	bn254_fp2_add(&n, &n, &s);
	bn254_fp2_inv(&n, &n);

	bn254_fp2_mul(&r->c0, &t0, &n);
	bn254_fp2_mul(&r->c1, &t1, &n);
	bn254_fp2_mul(&r->c2, &t2, &n);
}

/* ---- Fp12 ---- */

void bn254_fp12_set_one(bn254_fp12 *r)
{
	memset(r, 0, sizeof *r);
	r->c0.c0.c0 = bn254_fp_one;
}

bool bn254_fp12_is_one(const bn254_fp12 *a)
{
	bn254_fp12 one;
	bn254_fp12_set_one(&one);
	return memcmp(a, &one, sizeof one) == 0;
}

/* r = t0 + v t1 + (s - t0 - t1) w: the product (a0 + a1 w)(b0 + b1 w),
 * w^2 = v, from t0 = a0 b0, t1 = a1 b1 and s = (a0 + a1)(b0 + b1). t1 and
 * s are clobbered; r may alias anything else. */
static void fp12_karatsuba(bn254_fp12 *r, const bn254_fp6 *t0, bn254_fp6 *t1,
                           bn254_fp6 *s)
{
	fp6_sub(s, s, t0);
	fp6_sub(&r->c1, s, t1);
	fp6_mul_v(t1, t1);
	fp6_add(&r->c0, t0, t1);
}

void bn254_fp12_mul(bn254_fp12 *r, const bn254_fp12 *a, const bn254_fp12 *b)
{
	bn254_fp6 t0, t1, s, u;
	fp6_mul(&t0, &a->c0, &b->c0);
	fp6_mul(&t1, &a->c1, &b->c1);
	fp6_add(&s, &a->c0, &a->c1);
	fp6_add(&u, &b->c0, &b->c1);
	fp6_mul(&s, &s, &u);
	fp12_karatsuba(r, &t0, &t1, &s);
}

void bn254_fp12_sqr(bn254_fp12 *r, const bn254_fp12 *a)
{
	/* complex squaring: a0^2 + v a1^2 = (a0 + a1)(a0 + v a1) - t - v t with
	 * t = a0 a1, and the w part is 2t */
	bn254_fp6 t, s, u, vt;
	fp6_mul(&t, &a->c0, &a->c1);
	fp6_add(&s, &a->c0, &a->c1);
	fp6_mul_v(&u, &a->c1);
	fp6_add(&u, &u, &a->c0);
	fp6_mul(&s, &s, &u);
	fp6_sub(&s, &s, &t);
	fp6_mul_v(&vt, &t);
	fp6_sub(&r->c0, &s, &vt);
	fp6_add(&r->c1, &t, &t);
}

/* (a + b s)^2 in Fp4 = Fp2[s]/(s^2 - xi): (a^2 + xi b^2) + 2ab s */
static void fp4_sqr(bn254_fp2 *r0, bn254_fp2 *r1, const bn254_fp2 *a,
                    const bn254_fp2 *b)
{
	bn254_fp2 t0, t1, t;
	bn254_fp2_sqr(&t0, a);
	bn254_fp2_sqr(&t1, b);
	bn254_fp2_add(&t, a, b);
	bn254_fp2_sqr(&t, &t);
	bn254_fp2_sub(&t, &t, &t0);
	bn254_fp2_sub(r1, &t, &t1);
	fp2_mul_xi(&t1, &t1);
	bn254_fp2_add(r0, &t0, &t1);
}

/* r = 3x - 2y (sign = -1) or 3x + 2y (sign = +1) */
static void fp2_3x_2y(bn254_fp2 *r, const bn254_fp2 *x, const bn254_fp2 *y,
                      int sign)
{
	bn254_fp2 t;
	if (sign < 0)
		bn254_fp2_sub(&t, x, y);
	else
		bn254_fp2_add(&t, x, y);
	bn254_fp2_dbl(&t, &t);
	bn254_fp2_add(r, &t, x);
}

void bn254_fp12_cyclo_sqr(bn254_fp12 *r, const bn254_fp12 *a)
{
	/* Granger-Scott: view a as z0 + z1 w + z2 w^2 over Fp4 = Fp2[s],
	 * s = w^3, with z0 = c0 + c3 s, z1 = c1 + c4 s, z2 = c2 + c5 s (c_j the
	 * coefficient of w^j). For a of norm 1,
	 *   a^2 = (3 z0^2 - 2 conj(z0)) + (3 s z2^2 + 2 conj(z1)) w
	 *       + (3 z1^2 - 2 conj(z2)) w^2,  conj(x + y s) = x - y s. */
	bn254_fp2 A0, A1, B0, B1, C0, C1;
	fp4_sqr(&A0, &A1, &a->c0.c0, &a->c1.c1);
	fp4_sqr(&B0, &B1, &a->c0.c1, &a->c1.c2);
	fp4_sqr(&C0, &C1, &a->c1.c0, &a->c0.c2);
	fp2_mul_xi(&B1, &B1);

	fp2_3x_2y(&r->c0.c0, &A0, &a->c0.c0, -1);
	fp2_3x_2y(&r->c1.c1, &A1, &a->c1.c1, +1);
	fp2_3x_2y(&r->c1.c0, &B1, &a->c1.c0, +1);
	fp2_3x_2y(&r->c0.c2, &B0, &a->c0.c2, -1);
	fp2_3x_2y(&r->c0.c1, &C0, &a->c0.c1, -1);
	fp2_3x_2y(&r->c1.c2, &C1, &a->c1.c2, +1);
}

void bn254_fp12_conj(bn254_fp12 *r, const bn254_fp12 *a)
{
	r->c0 = a->c0;
	fp6_neg(&r->c1, &a->c1);
}

void bn254_fp12_inv(bn254_fp12 *r, const bn254_fp12 *a)
{
	/* 1/(a0 + a1 w) = (a0 - a1 w)/(a0^2 - v a1^2) */
	bn254_fp6 n, t;
	fp6_mul(&n, &a->c0, &a->c0);
	fp6_mul(&t, &a->c1, &a->c1);
	fp6_mul_v(&t, &t);
	fp6_sub(&n, &n, &t);
	fp6_inv(&n, &n);
	fp6_mul(&r->c0, &a->c0, &n);
	fp6_mul(&t, &a->c1, &n);
	fp6_neg(&r->c1, &t);
}

void bn254_fp12_frob(bn254_fp12 *r, const bn254_fp12 *a, int k)
{
	/* a = sum of c_j w^j with c_j in Fp2; the coefficient of w^j sits in
	 * slot[j]. (c w^j)^(p^k) = c^(p^k) xi^(j(p^k-1)/6) w^j, and c^(p^k) is
	 * conj(c) for odd k. */
	const bn254_fp2 *in[6] = {&a->c0.c0, &a->c1.c0, &a->c0.c1,
	                       &a->c1.c1, &a->c0.c2, &a->c1.c2};
	bn254_fp2 out[6];
	for (int j = 0; j < 6; j++) {
		if (k & 1)
			bn254_fp2_conj(&out[j], in[j]);
		else
			out[j] = *in[j];
		if (j > 0)
			bn254_fp2_mul(&out[j], &out[j], &bn254_frob[k - 1][j - 1]);
	}
	r->c0.c0 = out[0];
	r->c1.c0 = out[1];
	r->c0.c1 = out[2];
	r->c1.c1 = out[3];
	r->c0.c2 = out[4];
	r->c1.c2 = out[5];
}

void bn254_fp12_mul_line(bn254_fp12 *f, const bn254_fp2 *a, const bn254_fp2 *b,
                      const bn254_fp2 *c)
{
	/* the line is l0 + l1 w with l0 = a and l1 = b + c v */
	bn254_fp6 t0, t1, s;
	bn254_fp2 ab;
	fp6_mul_fp2(&t0, &f->c0, a);
	fp6_mul_01(&t1, &f->c1, b, c);
	fp6_add(&s, &f->c0, &f->c1);
	bn254_fp2_add(&ab, a, b);
	fp6_mul_01(&s, &s, &ab, c);
	fp12_karatsuba(f, &t0, &t1, &s);
}
