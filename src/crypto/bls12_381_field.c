/* Arithmetic in the BLS12-381 tower Fp, Fp2, Fp6, Fp12 (see the header).
 * Fp multiplication is Montgomery's CIOS method over six 64-bit limbs with
 * 128-bit products; the extension fields use Karatsuba-style formulas. */
#include "crypto/bls12_381_field.h"

#include <string.h>

typedef unsigned __int128 u128;

/* p, little-endian limbs. */
static const uint64_t P[6] = {
	0xb9feffffffffaaab, 0x1eabfffeb153ffff, 0x6730d2a0f6b0f624,
	0x64774b84f38512bf, 0x4b1ba7b6434bacd7, 0x1a0111ea397fe69a,
};
/* -p^-1 mod 2^64. */
static const uint64_t P_INV = 0x89f3fffcfffcfffd;
/* 2^384 mod p (one in Montgomery form) and 2^768 mod p (to enter it). */
static const bls_fp R1 = {{
	0x760900000002fffd, 0xebf4000bc40c0002, 0x5f48985753c758ba,
	0x77ce585370525745, 0x5c071a97a256ec6d, 0x15f65ec3fa80e493,
}};
static const bls_fp R2 = {{
	0xf4df1f341c341746, 0x0a76e6a609d104f1, 0x8de5476c4c95b6d5,
	0x67eb88a9939d83c0, 0x9a793e85b519952d, 0x11988fe592cae3aa,
}};
/* (p-1)/2, p-2 and (p+1)/4, as plain integers. */
static const uint64_t P_HALF[6] = {
	0xdcff7fffffffd555, 0x0f55ffff58a9ffff, 0xb39869507b587b12,
	0xb23ba5c279c2895f, 0x258dd3db21a5d66b, 0x0d0088f51cbff34d,
};
static const uint64_t P_MINUS_2[6] = {
	0xb9feffffffffaaa9, 0x1eabfffeb153ffff, 0x6730d2a0f6b0f624,
	0x64774b84f38512bf, 0x4b1ba7b6434bacd7, 0x1a0111ea397fe69a,
};
static const uint64_t P_PLUS_1_DIV_4[6] = {
	0xee7fbfffffffeaab, 0x07aaffffac54ffff, 0xd9cc34a83dac3d89,
	0xd91dd2e13ce144af, 0x92c6e9ed90d2eb35, 0x0680447a8e5ff9a6,
};
/* gamma[k-1] = (u+1)^(k(p-1)/6) for k = 1..5, Montgomery form: the Frobenius
 * map sends w^k to gamma[k-1]·w^k (computed offline, checked by the unit test
 * against a^p by plain exponentiation). */
static const bls_fp2 FROB_GAMMA[5] = {
	{{{0x07089552b319d465, 0xc6695f92b50a8313, 0x97e83cccd117228f,
	   0xa35baecab2dc29ee, 0x1ce393ea5daace4d, 0x08f2220fb0fb66eb}},
	 {{0xb2f66aad4ce5d646, 0x5842a06bfc497cec, 0xcf4895d42599d394,
	   0xc11b9cba40a8e8d0, 0x2e3813cbe5a0de89, 0x110eefda88847faf}}},
	{{{0, 0, 0, 0, 0, 0}},
	 {{0xcd03c9e48671f071, 0x5dab22461fcda5d2, 0x587042afd3851b95,
	   0x8eb60ebe01bacb9e, 0x03f97d6e83d050d2, 0x18f0206554638741}}},
	{{{0x7bcfa7a25aa30fda, 0xdc17dec12a927e7c, 0x2f088dd86b4ebef1,
	   0xd1ca2087da74d4a7, 0x2da2596696cebc1d, 0x0e2b7eedbbfd87d2}},
	 {{0x7bcfa7a25aa30fda, 0xdc17dec12a927e7c, 0x2f088dd86b4ebef1,
	   0xd1ca2087da74d4a7, 0x2da2596696cebc1d, 0x0e2b7eedbbfd87d2}}},
	{{{0x890dc9e4867545c3, 0x2af322533285a5d5, 0x50880866309b7e2c,
	   0xa20d1b8c7e881024, 0x14e4f04fe2db9068, 0x14e56d3f1564853a}},
	 {{0, 0, 0, 0, 0, 0}}},
	{{{0x82d83cf50dbce43f, 0xa2813e53df9d018f, 0xc6f0caa53c65e181,
	   0x7525cf528d50fe95, 0x4a85ed50f4798a6b, 0x171da0fd6cf8eebd}},
	 {{0x3726c30af242c66c, 0x7c2ac1aad1b6fe70, 0xa04007fbba4b14a2,
	   0xef517c3266341429, 0x0095ba654ed2226b, 0x02e370eccc86f7dd}}},
};

/* ---- Fp ---- */

/* Compares plain limb arrays: -1, 0 or 1. */
static int limbs_cmp(const uint64_t *a, const uint64_t *b)
{
	for (int i = 5; i >= 0; i--) {
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	}
	return 0;
}

/* r = a - b over six limbs; returns the borrow. */
static uint64_t limbs_sub(uint64_t *r, const uint64_t *a, const uint64_t *b)
{
	uint64_t borrow = 0;
	_Pragma("GCC unroll 6")
	for (int i = 0; i < 6; i++) {
		u128 d = (u128)a[i] - b[i] - borrow;
		r[i] = (uint64_t)d;
		borrow = (uint64_t)(d >> 64) & 1;
	}
	return borrow;
}

/* r = a + b over six limbs; returns the carry. */
static uint64_t limbs_add(uint64_t *r, const uint64_t *a, const uint64_t *b)
{
	uint64_t carry = 0;
	_Pragma("GCC unroll 6")
	for (int i = 0; i < 6; i++) {
		u128 s = (u128)a[i] + b[i] + carry;
		r[i] = (uint64_t)s;
		carry = (uint64_t)(s >> 64);
	}
	return carry;
}

void bls_fp_zero(bls_fp *r)
{
	memset(r, 0, sizeof *r);
}

void bls_fp_one(bls_fp *r)
{
	*r = R1;
}

bool bls_fp_is_zero(const bls_fp *a)
{
	return (a->l[0] | a->l[1] | a->l[2] | a->l[3] | a->l[4] | a->l[5]) == 0;
}

bool bls_fp_eq(const bls_fp *a, const bls_fp *b)
{
	return memcmp(a->l, b->l, sizeof a->l) == 0;
}

void bls_fp_add(bls_fp *r, const bls_fp *a, const bls_fp *b)
{
	/* a + b < 2p < 2^382: no carry out of the top limb. */
	limbs_add(r->l, a->l, b->l);
	if (limbs_cmp(r->l, P) >= 0)
		limbs_sub(r->l, r->l, P);
}

void bls_fp_sub(bls_fp *r, const bls_fp *a, const bls_fp *b)
{
	if (limbs_sub(r->l, a->l, b->l))
		limbs_add(r->l, r->l, P);
}

void bls_fp_neg(bls_fp *r, const bls_fp *a)
{
	if (bls_fp_is_zero(a))
		bls_fp_zero(r);
	else
		limbs_sub(r->l, P, a->l);
}

void bls_fp_dbl(bls_fp *r, const bls_fp *a)
{
	bls_fp_add(r, a, a);
}

/* r = a/2: add p first when odd so the shift is exact (the Montgomery factor
 * commutes with halving). */
static void fp_half(bls_fp *r, const bls_fp *a)
{
	uint64_t t[6], carry = 0;
	if (a->l[0] & 1)
		carry = limbs_add(t, a->l, P);
	else
		memcpy(t, a->l, sizeof t);
	for (int i = 0; i < 5; i++)
		r->l[i] = (t[i] >> 1) | (t[i + 1] << 63);
	r->l[5] = (t[5] >> 1) | (carry << 63);
}

void bls_fp_mul(bls_fp *r, const bls_fp *a, const bls_fp *b)
{
	uint64_t t[8] = {0};
	/* Unrolled: the loop counters cost a third of the time otherwise. */
	_Pragma("GCC unroll 6")
	for (int i = 0; i < 6; i++) {
		u128 c = 0;
		_Pragma("GCC unroll 6")
		for (int j = 0; j < 6; j++) {
			c += (u128)a->l[j] * b->l[i] + t[j];
			t[j] = (uint64_t)c;
			c >>= 64;
		}
		c += t[6];
		t[6] = (uint64_t)c;
		t[7] = (uint64_t)(c >> 64);

		uint64_t m = t[0] * P_INV;
		c = ((u128)m * P[0] + t[0]) >> 64;
		_Pragma("GCC unroll 6")
		for (int j = 1; j < 6; j++) {
			c += (u128)m * P[j] + t[j];
			t[j - 1] = (uint64_t)c;
			c >>= 64;
		}
		c += t[6];
		t[5] = (uint64_t)c;
		t[6] = t[7] + (uint64_t)(c >> 64);
	}
	/* The result is below 2p, so one conditional subtraction reduces it. */
	if (t[6] || limbs_cmp(t, P) >= 0)
		limbs_sub(t, t, P);
	memcpy(r->l, t, sizeof r->l);
}

void bls_fp_sqr(bls_fp *r, const bls_fp *a)
{
	bls_fp_mul(r, a, a);
}

void bls_fp_pow(bls_fp *r, const bls_fp *a, const uint64_t *e, size_t n)
{
	bls_fp acc = R1, base = *a;
	for (size_t i = n; i-- > 0;) {
		for (int bit = 63; bit >= 0; bit--) {
			bls_fp_sqr(&acc, &acc);
			if ((e[i] >> bit) & 1)
				bls_fp_mul(&acc, &acc, &base);
		}
	}
	*r = acc;
}

void bls_fp_inv(bls_fp *r, const bls_fp *a)
{
	bls_fp_pow(r, a, P_MINUS_2, 6);
}

bool bls_fp_sqrt(bls_fp *r, const bls_fp *a)
{
	/* p = 3 mod 4, so a^((p+1)/4) is a root whenever one exists. */
	bls_fp s, check;
	bls_fp_pow(&s, a, P_PLUS_1_DIV_4, 6);
	bls_fp_sqr(&check, &s);
	if (!bls_fp_eq(&check, a)) {
		bls_fp_zero(r);
		return false;
	}
	*r = s;
	return true;
}

/* Leaves Montgomery form: r = a / 2^384 as a plain integer. */
static void fp_to_plain(uint64_t r[6], const bls_fp *a)
{
	static const bls_fp one_plain = {{1, 0, 0, 0, 0, 0}};
	bls_fp t;
	bls_fp_mul(&t, a, &one_plain);
	memcpy(r, t.l, sizeof t.l);
}

bool bls_fp_is_lexmax(const bls_fp *a)
{
	uint64_t v[6];
	fp_to_plain(v, a);
	return limbs_cmp(v, P_HALF) > 0;
}

int bls_fp_from_bytes(bls_fp *r, const uint8_t in[48])
{
	bls_fp v;
	for (int i = 0; i < 6; i++) {
		uint64_t w = 0;
		for (int j = 0; j < 8; j++)
			w = (w << 8) | in[(5 - i) * 8 + j];
		v.l[i] = w;
	}
	if (limbs_cmp(v.l, P) >= 0) {
		bls_fp_zero(r);
		return DURE_EINVAL;
	}
	bls_fp_mul(r, &v, &R2);
	return DURE_OK;
}

void bls_fp_to_bytes(uint8_t out[48], const bls_fp *a)
{
	uint64_t v[6];
	fp_to_plain(v, a);
	for (int i = 0; i < 6; i++) {
		for (int j = 0; j < 8; j++)
			out[(5 - i) * 8 + j] = (uint8_t)(v[i] >> (56 - 8 * j));
	}
}

void bls_fp_set_u64(bls_fp *r, uint64_t v)
{
	bls_fp plain = {{v, 0, 0, 0, 0, 0}};
	bls_fp_mul(r, &plain, &R2);
}

/* ---- Fp2 ---- */

void bls_fp2_zero(bls_fp2 *r)
{
	memset(r, 0, sizeof *r);
}

void bls_fp2_one(bls_fp2 *r)
{
	r->c0 = R1;
	bls_fp_zero(&r->c1);
}

bool bls_fp2_is_zero(const bls_fp2 *a)
{
	return bls_fp_is_zero(&a->c0) && bls_fp_is_zero(&a->c1);
}

bool bls_fp2_eq(const bls_fp2 *a, const bls_fp2 *b)
{
	return bls_fp_eq(&a->c0, &b->c0) && bls_fp_eq(&a->c1, &b->c1);
}

void bls_fp2_add(bls_fp2 *r, const bls_fp2 *a, const bls_fp2 *b)
{
	bls_fp_add(&r->c0, &a->c0, &b->c0);
	bls_fp_add(&r->c1, &a->c1, &b->c1);
}

void bls_fp2_sub(bls_fp2 *r, const bls_fp2 *a, const bls_fp2 *b)
{
	bls_fp_sub(&r->c0, &a->c0, &b->c0);
	bls_fp_sub(&r->c1, &a->c1, &b->c1);
}

void bls_fp2_neg(bls_fp2 *r, const bls_fp2 *a)
{
	bls_fp_neg(&r->c0, &a->c0);
	bls_fp_neg(&r->c1, &a->c1);
}

void bls_fp2_dbl(bls_fp2 *r, const bls_fp2 *a)
{
	bls_fp_dbl(&r->c0, &a->c0);
	bls_fp_dbl(&r->c1, &a->c1);
}

void bls_fp2_conj(bls_fp2 *r, const bls_fp2 *a)
{
	r->c0 = a->c0;
	bls_fp_neg(&r->c1, &a->c1);
}

void bls_fp2_mul(bls_fp2 *r, const bls_fp2 *a, const bls_fp2 *b)
{
	bls_fp t0, t1, s0, s1, m;
	bls_fp_mul(&t0, &a->c0, &b->c0);
	bls_fp_mul(&t1, &a->c1, &b->c1);
	bls_fp_add(&s0, &a->c0, &a->c1);
	bls_fp_add(&s1, &b->c0, &b->c1);
	bls_fp_mul(&m, &s0, &s1);
	bls_fp_sub(&r->c0, &t0, &t1);
	bls_fp_sub(&m, &m, &t0);
	bls_fp_sub(&r->c1, &m, &t1);
}

void bls_fp2_mul_fp(bls_fp2 *r, const bls_fp2 *a, const bls_fp *b)
{
	bls_fp_mul(&r->c0, &a->c0, b);
	bls_fp_mul(&r->c1, &a->c1, b);
}

void bls_fp2_sqr(bls_fp2 *r, const bls_fp2 *a)
{
	/* (a0 + a1 u)^2 = (a0 + a1)(a0 - a1) + 2 a0 a1 u */
	bls_fp s, d, m;
	bls_fp_add(&s, &a->c0, &a->c1);
	bls_fp_sub(&d, &a->c0, &a->c1);
	bls_fp_mul(&m, &a->c0, &a->c1);
	bls_fp_mul(&r->c0, &s, &d);
	bls_fp_dbl(&r->c1, &m);
}

void bls_fp2_mul_xi(bls_fp2 *r, const bls_fp2 *a)
{
	/* (a0 + a1 u)(1 + u) = (a0 - a1) + (a0 + a1) u */
	bls_fp t;
	bls_fp_sub(&t, &a->c0, &a->c1);
	bls_fp_add(&r->c1, &a->c0, &a->c1);
	r->c0 = t;
}

void bls_fp2_inv(bls_fp2 *r, const bls_fp2 *a)
{
	/* 1/(a0 + a1 u) = (a0 - a1 u) / (a0^2 + a1^2) */
	bls_fp n, t;
	bls_fp_sqr(&n, &a->c0);
	bls_fp_sqr(&t, &a->c1);
	bls_fp_add(&n, &n, &t);
	bls_fp_inv(&n, &n);
	bls_fp_mul(&r->c0, &a->c0, &n);
	bls_fp_mul(&t, &a->c1, &n);
	bls_fp_neg(&r->c1, &t);
}

bool bls_fp2_sqrt(bls_fp2 *r, const bls_fp2 *a)
{
	bls_fp2 x;
	if (bls_fp_is_zero(&a->c1)) {
		/* -1 is not a square in Fp, so exactly one of a0, -a0 is. */
		bls_fp na0;
		bls_fp_zero(&x.c1);
		if (!bls_fp_sqrt(&x.c0, &a->c0)) {
			bls_fp_neg(&na0, &a->c0);
			if (!bls_fp_sqrt(&x.c1, &na0))
				goto fail;
		}
	} else {
		/* x = x0 + x1 u with x0^2 - x1^2 = a0 and 2 x0 x1 = a1; the norm
		 * a0^2 + a1^2 must be a square s^2, and x0^2 = (a0 ± s)/2. */
		bls_fp n, t, s, half;
		bls_fp_sqr(&n, &a->c0);
		bls_fp_sqr(&t, &a->c1);
		bls_fp_add(&n, &n, &t);
		if (!bls_fp_sqrt(&s, &n))
			goto fail;
		bls_fp_add(&t, &a->c0, &s);
		fp_half(&half, &t);
		if (!bls_fp_sqrt(&x.c0, &half)) {
			bls_fp_sub(&t, &a->c0, &s);
			fp_half(&half, &t);
			if (!bls_fp_sqrt(&x.c0, &half))
				goto fail;
		}
		bls_fp_dbl(&t, &x.c0);
		bls_fp_inv(&t, &t);
		bls_fp_mul(&x.c1, &a->c1, &t);
	}
	bls_fp2 check;
	bls_fp2_sqr(&check, &x);
	if (!bls_fp2_eq(&check, a))
		goto fail;
	*r = x;
	return true;
fail:
	bls_fp2_zero(r);
	return false;
}

bool bls_fp2_is_lexmax(const bls_fp2 *a)
{
	if (!bls_fp_is_zero(&a->c1))
		return bls_fp_is_lexmax(&a->c1);
	return bls_fp_is_lexmax(&a->c0);
}

/* ---- Fp6 ---- */

void bls_fp6_add(bls_fp6 *r, const bls_fp6 *a, const bls_fp6 *b)
{
	bls_fp2_add(&r->c0, &a->c0, &b->c0);
	bls_fp2_add(&r->c1, &a->c1, &b->c1);
	bls_fp2_add(&r->c2, &a->c2, &b->c2);
}

void bls_fp6_sub(bls_fp6 *r, const bls_fp6 *a, const bls_fp6 *b)
{
	bls_fp2_sub(&r->c0, &a->c0, &b->c0);
	bls_fp2_sub(&r->c1, &a->c1, &b->c1);
	bls_fp2_sub(&r->c2, &a->c2, &b->c2);
}

void bls_fp6_neg(bls_fp6 *r, const bls_fp6 *a)
{
	bls_fp2_neg(&r->c0, &a->c0);
	bls_fp2_neg(&r->c1, &a->c1);
	bls_fp2_neg(&r->c2, &a->c2);
}

void bls_fp6_mul(bls_fp6 *r, const bls_fp6 *a, const bls_fp6 *b)
{
	bls_fp2 t0, t1, t2, s, u, c0, c1, c2;
	bls_fp2_mul(&t0, &a->c0, &b->c0);
	bls_fp2_mul(&t1, &a->c1, &b->c1);
	bls_fp2_mul(&t2, &a->c2, &b->c2);

	/* c0 = t0 + xi((a1 + a2)(b1 + b2) - t1 - t2) */
	bls_fp2_add(&s, &a->c1, &a->c2);
	bls_fp2_add(&u, &b->c1, &b->c2);
	bls_fp2_mul(&c0, &s, &u);
	bls_fp2_sub(&c0, &c0, &t1);
	bls_fp2_sub(&c0, &c0, &t2);
	bls_fp2_mul_xi(&c0, &c0);
	bls_fp2_add(&c0, &c0, &t0);

	/* c1 = (a0 + a1)(b0 + b1) - t0 - t1 + xi t2 */
	bls_fp2_add(&s, &a->c0, &a->c1);
	bls_fp2_add(&u, &b->c0, &b->c1);
	bls_fp2_mul(&c1, &s, &u);
	bls_fp2_sub(&c1, &c1, &t0);
	bls_fp2_sub(&c1, &c1, &t1);
	bls_fp2_mul_xi(&s, &t2);
	bls_fp2_add(&c1, &c1, &s);

	/* c2 = (a0 + a2)(b0 + b2) - t0 - t2 + t1 */
	bls_fp2_add(&s, &a->c0, &a->c2);
	bls_fp2_add(&u, &b->c0, &b->c2);
	bls_fp2_mul(&c2, &s, &u);
	bls_fp2_sub(&c2, &c2, &t0);
	bls_fp2_sub(&c2, &c2, &t2);
	bls_fp2_add(&c2, &c2, &t1);

	r->c0 = c0;
	r->c1 = c1;
	r->c2 = c2;
}

void bls_fp6_mul_v(bls_fp6 *r, const bls_fp6 *a)
{
	/* (a0 + a1 v + a2 v^2) v = xi a2 + a0 v + a1 v^2 */
	bls_fp2 t;
	bls_fp2_mul_xi(&t, &a->c2);
	r->c2 = a->c1;
	r->c1 = a->c0;
	r->c0 = t;
}

void bls_fp6_inv(bls_fp6 *r, const bls_fp6 *a)
{
	/* The adjugate (A, B, C) with a·(A + B v + C v^2) = F in Fp2. */
	bls_fp2 A, B, C, t, F;
	bls_fp2_sqr(&A, &a->c0);
	bls_fp2_mul(&t, &a->c1, &a->c2);
	bls_fp2_mul_xi(&t, &t);
	bls_fp2_sub(&A, &A, &t);

	bls_fp2_sqr(&B, &a->c2);
	bls_fp2_mul_xi(&B, &B);
	bls_fp2_mul(&t, &a->c0, &a->c1);
	bls_fp2_sub(&B, &B, &t);

	bls_fp2_sqr(&C, &a->c1);
	bls_fp2_mul(&t, &a->c0, &a->c2);
	bls_fp2_sub(&C, &C, &t);

	bls_fp2_mul(&F, &a->c2, &B);
	bls_fp2_mul(&t, &a->c1, &C);
	bls_fp2_add(&F, &F, &t);
	bls_fp2_mul_xi(&F, &F);
	bls_fp2_mul(&t, &a->c0, &A);
	bls_fp2_add(&F, &F, &t);
	bls_fp2_inv(&F, &F);

	bls_fp2_mul(&r->c0, &A, &F);
	bls_fp2_mul(&r->c1, &B, &F);
	bls_fp2_mul(&r->c2, &C, &F);
}

/* ---- Fp12 ---- */

void bls_fp12_one(bls_fp12 *r)
{
	memset(r, 0, sizeof *r);
	r->c0.c0.c0 = R1;
}

bool bls_fp12_is_one(const bls_fp12 *a)
{
	bls_fp12 one;
	bls_fp12_one(&one);
	return bls_fp12_eq(a, &one);
}

bool bls_fp12_eq(const bls_fp12 *a, const bls_fp12 *b)
{
	return memcmp(a, b, sizeof *a) == 0;
}

void bls_fp12_mul(bls_fp12 *r, const bls_fp12 *a, const bls_fp12 *b)
{
	/* (a0 + a1 w)(b0 + b1 w) = (t0 + t1 v) + ((a0 + a1)(b0 + b1) - t0 - t1) w */
	bls_fp6 t0, t1, s, u;
	bls_fp6_mul(&t0, &a->c0, &b->c0);
	bls_fp6_mul(&t1, &a->c1, &b->c1);
	bls_fp6_add(&s, &a->c0, &a->c1);
	bls_fp6_add(&u, &b->c0, &b->c1);
	bls_fp6_mul(&s, &s, &u);
	bls_fp6_sub(&s, &s, &t0);
	bls_fp6_sub(&r->c1, &s, &t1);
	bls_fp6_mul_v(&t1, &t1);
	bls_fp6_add(&r->c0, &t0, &t1);
}

void bls_fp12_sqr(bls_fp12 *r, const bls_fp12 *a)
{
	/* c0 = (a0 + a1)(a0 + v a1) - t - v t, c1 = 2t, with t = a0 a1 */
	bls_fp6 t, vt, s, u;
	bls_fp6_mul(&t, &a->c0, &a->c1);
	bls_fp6_add(&s, &a->c0, &a->c1);
	bls_fp6_mul_v(&u, &a->c1);
	bls_fp6_add(&u, &u, &a->c0);
	bls_fp6_mul(&s, &s, &u);
	bls_fp6_mul_v(&vt, &t);
	bls_fp6_sub(&s, &s, &t);
	bls_fp6_sub(&r->c0, &s, &vt);
	bls_fp6_add(&r->c1, &t, &t);
}

void bls_fp12_inv(bls_fp12 *r, const bls_fp12 *a)
{
	/* 1/(a0 + a1 w) = (a0 - a1 w) / (a0^2 - v a1^2) */
	bls_fp6 n, t;
	bls_fp6_mul(&n, &a->c0, &a->c0);
	bls_fp6_mul(&t, &a->c1, &a->c1);
	bls_fp6_mul_v(&t, &t);
	bls_fp6_sub(&n, &n, &t);
	bls_fp6_inv(&n, &n);
	bls_fp6_mul(&r->c0, &a->c0, &n);
	bls_fp6_mul(&t, &a->c1, &n);
	bls_fp6_neg(&r->c1, &t);
}

/* (x + y t)^2 in Fp4 = Fp2[t]/(t^2 - (u+1)). */
static void fp4_sqr(bls_fp2 *rx, bls_fp2 *ry, const bls_fp2 *x, const bls_fp2 *y)
{
	bls_fp2 t0, t1, s;
	bls_fp2_sqr(&t0, x);
	bls_fp2_sqr(&t1, y);
	bls_fp2_add(&s, x, y);
	bls_fp2_sqr(&s, &s);
	bls_fp2_sub(&s, &s, &t0);
	bls_fp2_sub(ry, &s, &t1);
	bls_fp2_mul_xi(&t1, &t1);
	bls_fp2_add(rx, &t0, &t1);
}

/* r = 3z - 2g, or 3z + 2g when plus. */
static void three_z_two_g(bls_fp2 *r, const bls_fp2 *z, const bls_fp2 *g, bool plus)
{
	bls_fp2 t;
	if (plus)
		bls_fp2_add(&t, z, g);
	else
		bls_fp2_sub(&t, z, g);
	bls_fp2_dbl(&t, &t);
	bls_fp2_add(r, &t, z);
}

void bls_fp12_cyclotomic_sqr(bls_fp12 *r, const bls_fp12 *a)
{
	/* Granger-Scott: view a as A0 + A1 w + A2 w^2 over Fp4 = Fp2[t], t = w^3,
	 * with A0 = g0 + g3 t, A1 = g1 + g4 t, A2 = g2 + g5 t (g_k the
	 * coefficient of w^k). For a of norm 1 whose inverse is its p^6-power,
	 * the adjugate identities give
	 *   a^2 = (3 A0^2 - 2 ~A0) + (3 t A2^2 + 2 ~A1) w + (3 A1^2 - 2 ~A2) w^2
	 * where ~ negates the t part. */
	const bls_fp2 *g0 = &a->c0.c0, *g1 = &a->c1.c0, *g2 = &a->c0.c1;
	const bls_fp2 *g3 = &a->c1.c1, *g4 = &a->c0.c2, *g5 = &a->c1.c2;
	bls_fp2 a0x, a0y, a1x, a1y, a2x, a2y, xa2y;
	fp4_sqr(&a0x, &a0y, g0, g3);
	fp4_sqr(&a1x, &a1y, g1, g4);
	fp4_sqr(&a2x, &a2y, g2, g5);
	bls_fp2_mul_xi(&xa2y, &a2y);
	bls_fp12 t;
	three_z_two_g(&t.c0.c0, &a0x, g0, false);
	three_z_two_g(&t.c1.c1, &a0y, g3, true);
	three_z_two_g(&t.c1.c0, &xa2y, g1, true);
	three_z_two_g(&t.c0.c2, &a2x, g4, false);
	three_z_two_g(&t.c0.c1, &a1x, g2, false);
	three_z_two_g(&t.c1.c2, &a1y, g5, true);
	*r = t;
}

void bls_fp12_conj(bls_fp12 *r, const bls_fp12 *a)
{
	r->c0 = a->c0;
	bls_fp6_neg(&r->c1, &a->c1);
}

void bls_fp12_frob(bls_fp12 *r, const bls_fp12 *a)
{
	/* The coefficient of w^k is conjugated and scaled by gamma_k; in the
	 * tower, c0 holds w^0, w^2, w^4 and c1 holds w^1, w^3, w^5. */
	bls_fp12 t;
	bls_fp2_conj(&t.c0.c0, &a->c0.c0);
	bls_fp2_conj(&t.c0.c1, &a->c0.c1);
	bls_fp2_conj(&t.c0.c2, &a->c0.c2);
	bls_fp2_conj(&t.c1.c0, &a->c1.c0);
	bls_fp2_conj(&t.c1.c1, &a->c1.c1);
	bls_fp2_conj(&t.c1.c2, &a->c1.c2);
	bls_fp2_mul(&t.c0.c1, &t.c0.c1, &FROB_GAMMA[1]);
	bls_fp2_mul(&t.c0.c2, &t.c0.c2, &FROB_GAMMA[3]);
	bls_fp2_mul(&t.c1.c0, &t.c1.c0, &FROB_GAMMA[0]);
	bls_fp2_mul(&t.c1.c1, &t.c1.c1, &FROB_GAMMA[2]);
	bls_fp2_mul(&t.c1.c2, &t.c1.c2, &FROB_GAMMA[4]);
	*r = t;
}

void bls_fp12_pow(bls_fp12 *r, const bls_fp12 *a, const uint64_t *e, size_t n)
{
	bls_fp12 acc, base = *a;
	bls_fp12_one(&acc);
	for (size_t i = n; i-- > 0;) {
		for (int bit = 63; bit >= 0; bit--) {
			bls_fp12_sqr(&acc, &acc);
			if ((e[i] >> bit) & 1)
				bls_fp12_mul(&acc, &acc, &base);
		}
	}
	*r = acc;
}
