/* 256-bit arithmetic; the contract is u256.h.
 *
 * Division is Knuth's algorithm D (TAOCP vol. 2, 4.3.1) over 64-bit limbs.
 * Each quotient digit comes from the 3-by-2 division by a precomputed
 * reciprocal of Möller and Granlund ("Improved division by invariant
 * integers", IEEE Trans. Computers, 2011), which is exact up to one
 * correction, so the loop runs no hardware divide and at most one add-back
 * per digit. The same core reduces the 512-bit product in mulmod. */
#include "u256/u256.h"

#include <string.h>

#include "base/hex.h"

typedef unsigned __int128 u128;

static inline uint64_t hi64(u128 x) { return (uint64_t)(x >> 64); }

static inline u256 neg(const u256 *a)
{
	u256 z = U256_ZERO;
	return u256_sub(&z, a);
}

/* Number of limbs of w[0..n-1] up to the most significant nonzero one. */
static inline int limbs(const uint64_t *w, int n)
{
	while (n > 0 && w[n - 1] == 0)
		n--;
	return n;
}

/* The products below are summed column by column (product scanning): every
 * x * y of one column goes into a three-limb accumulator (c2, c1, c0), which
 * then yields one limb of the result and shifts down. A column of up to five
 * products plus the carry from the one before stays below 2^192. */
static inline void mac(uint64_t x, uint64_t y, uint64_t *c0, uint64_t *c1,
                       uint64_t *c2)
{
#if defined(__x86_64__)
	/* gcc builds the carries of the portable form with setb and compares:
	 * twice the instructions of this mul/add/adc/adc. */
	uint64_t hi;
	__asm__("mulq %[y]\n\taddq %%rax, %[c0]\n\tadcq %%rdx, %[c1]\n\tadcq $0, %[c2]"
	        : [c0] "+&r"(*c0), [c1] "+&r"(*c1), [c2] "+&r"(*c2), "+&a"(x), "=&d"(hi)
	        : [y] "rm"(y)
	        : "cc");
#else
	u128 p = (u128)x * y;
	u128 t = (((u128)*c1 << 64) | *c0) + p;
	*c2 += t < p;
	*c0 = (uint64_t)t;
	*c1 = hi64(t);
#endif
}

/* Emits the finished column's limb and shifts the accumulator down. */
static inline uint64_t next_column(uint64_t *c0, uint64_t *c1, uint64_t *c2)
{
	uint64_t limb = *c0;
	*c0 = *c1;
	*c1 = *c2;
	*c2 = 0;
	return limb;
}

/* Full 512-bit product, least significant limb first. */
static inline void mul_wide(const u256 *a, const u256 *b, uint64_t p[8])
{
	uint64_t c0 = 0, c1 = 0, c2 = 0;
#pragma GCC unroll 7
	for (int k = 0; k < 7; k++) {
#pragma GCC unroll 4
		for (int i = k < 4 ? 0 : k - 3; i <= (k < 4 ? k : 3); i++)
			mac(a->w[i], b->w[k - i], &c0, &c1, &c2);
		p[k] = next_column(&c0, &c1, &c2);
	}
	p[7] = c0;
}

/* Low 256 bits of a * b: column 3 needs only the low halves of its
 * products, and higher columns are dropped. */
static inline u256 mul_lo(const u256 *a, const u256 *b)
{
	uint64_t r[3], c0 = 0, c1 = 0, c2 = 0;
#pragma GCC unroll 3
	for (int k = 0; k < 3; k++) {
#pragma GCC unroll 3
		for (int i = 0; i <= k; i++)
			mac(a->w[i], b->w[k - i], &c0, &c1, &c2);
		r[k] = next_column(&c0, &c1, &c2);
	}
	uint64_t r3 = c0 + a->w[0] * b->w[3] + a->w[1] * b->w[2] +
	              a->w[2] * b->w[1] + a->w[3] * b->w[0];
	return (u256){{r[0], r[1], r[2], r3}};
}

/* Low 256 bits of a * b for a one-limb b. */
static inline u256 mul_lo_u64(const u256 *a, uint64_t b)
{
	u128 t = (u128)a->w[0] * b;
	uint64_t r0 = (uint64_t)t;
	t = (u128)a->w[1] * b + hi64(t);
	uint64_t r1 = (uint64_t)t;
	t = (u128)a->w[2] * b + hi64(t);
	return (u256){{r0, r1, (uint64_t)t, a->w[3] * b + hi64(t)}};
}

/* Low 256 bits of a^2: each cross product a_i * a_j (i < j) is computed
 * once and doubled, six multiplies instead of ten. */
static inline u256 sqr_lo(const u256 *a)
{
	const uint64_t a0 = a->w[0], a1 = a->w[1], a2 = a->w[2], a3 = a->w[3];
	uint64_t x1, x2, x3, r0, r1, r2, r3;
	u128 t;
	/* Cross terms a0a1, a0a2, (a0a3 + a1a2) at columns 1..3. */
	t = (u128)a0 * a1;
	x1 = (uint64_t)t;
	t = (u128)a0 * a2 + hi64(t);
	x2 = (uint64_t)t;
	x3 = a0 * a3 + a1 * a2 + hi64(t);
	/* Double them; the bit shifted out of column 3 is beyond 2^256. */
	x3 = x3 << 1 | x2 >> 63;
	x2 = x2 << 1 | x1 >> 63;
	x1 <<= 1;
	/* Add the squares a0^2 (columns 0, 1) and a1^2 (columns 2, 3). */
	t = (u128)a0 * a0;
	r0 = (uint64_t)t;
	t = (u128)x1 + hi64(t);
	r1 = (uint64_t)t;
	u128 s1 = (u128)a1 * a1;
	t = (u128)x2 + (uint64_t)s1 + hi64(t);
	r2 = (uint64_t)t;
	r3 = x3 + hi64(s1) + hi64(t);
	return (u256){{r0, r1, r2, r3}};
}

u256 u256_mul(const u256 *a, const u256 *b)
{
	if (u256_fits_u64(a) && u256_fits_u64(b)) {
		u128 p = (u128)a->w[0] * b->w[0];
		return (u256){{(uint64_t)p, hi64(p), 0, 0}};
	}
	return mul_lo(a, b);
}

bool u256_mul_overflow(u256 *r, const u256 *a, const u256 *b)
{
	if (u256_fits_u64(a) && u256_fits_u64(b)) {
		u128 p = (u128)a->w[0] * b->w[0];
		*r = (u256){{(uint64_t)p, hi64(p), 0, 0}};
		return false;
	}
	uint64_t p[8];
	mul_wide(a, b, p);
	memcpy(r->w, p, sizeof r->w);
	return (p[4] | p[5] | p[6] | p[7]) != 0;
}

/* floor((2^128 - 1) / d) - 2^64 for d with its top bit set. */
static inline uint64_t reciprocal_2by1(uint64_t d)
{
	return (uint64_t)((((u128)~d << 64) | UINT64_MAX) / d);
}

/* floor((2^192 - 1) / (d1, d0)) - 2^64 for d1 with its top bit set. */
static uint64_t reciprocal_3by2(uint64_t d1, uint64_t d0)
{
	uint64_t v = reciprocal_2by1(d1);
	uint64_t p = d1 * v + d0;
	if (p < d0) {
		v--;
		if (p >= d1) {
			v--;
			p -= d1;
		}
		p -= d1;
	}
	u128 t = (u128)v * d0;
	p += hi64(t);
	if (p < hi64(t)) {
		v--;
		if (p > d1 || (p == d1 && (uint64_t)t >= d0))
			v--;
	}
	return v;
}

/* Each reciprocal costs a hardware division, slower than the rest of a
 * MULMOD, and EVM code divides by the same few values over and over (a
 * field prime, a fixed-point scale): the last divisor of each kind and its
 * reciprocal stay per thread. A normalized divisor has its top bit set, so
 * the initial zeros never match. */
static _Thread_local uint64_t rcp1_d, rcp1_v;
static _Thread_local uint64_t rcp2_d1, rcp2_d0, rcp2_v;

static inline uint64_t reciprocal_2by1_cached(uint64_t d)
{
	if (d != rcp1_d) {
		rcp1_v = reciprocal_2by1(d);
		rcp1_d = d;
	}
	return rcp1_v;
}

static inline uint64_t reciprocal_3by2_cached(uint64_t d1, uint64_t d0)
{
	if (d1 != rcp2_d1 || d0 != rcp2_d0) {
		rcp2_v = reciprocal_3by2(d1, d0);
		rcp2_d1 = d1;
		rcp2_d0 = d0;
	}
	return rcp2_v;
}

/* (u1, u0) / d for normalized d and u1 < d, with v = reciprocal_2by1(d). */
static inline uint64_t divrem_2by1(uint64_t u1, uint64_t u0, uint64_t d,
                                   uint64_t v, uint64_t *rem)
{
	u128 q = (u128)v * u1 + (((u128)u1 << 64) | u0);
	uint64_t q1 = hi64(q) + 1, q0 = (uint64_t)q;
	uint64_t r = u0 - q1 * d;
	/* This correction goes either way at random: keep it branch-free. The
	 * second one is rare. */
	uint64_t mask = -(uint64_t)(r > q0);
	q1 += mask;
	r += d & mask;
	if (__builtin_expect(r >= d, 0)) {
		q1++;
		r -= d;
	}
	*rem = r;
	return q1;
}

/* (u2, u1, u0) / (d1, d0) for normalized d1 and (u2, u1) < (d1, d0), with
 * v = reciprocal_3by2(d1, d0). */
static inline uint64_t divrem_3by2(uint64_t u2, uint64_t u1, uint64_t u0,
                                   uint64_t d1, uint64_t d0, uint64_t v,
                                   u128 *rem)
{
	u128 q = (u128)v * u2 + (((u128)u2 << 64) | u1);
	uint64_t q1 = hi64(q), q0 = (uint64_t)q;
	uint64_t r1 = u1 - q1 * d1;
	u128 d = ((u128)d1 << 64) | d0;
	u128 r = (((u128)r1 << 64) | u0) - (u128)d0 * q1 - d;
	/* As in divrem_2by1: a branch-free first correction, a rare second. */
	uint64_t mask = -(uint64_t)(hi64(r) >= q0);
	q1 += 1 + mask;
	r += d & (((u128)mask << 64) | mask);
	if (__builtin_expect(r >= d, 0)) {
		q1++;
		r -= d;
	}
	*rem = r;
	return q1;
}

/* w[0..n-1] -= q * d[0..n-1]; returns the borrow out of the top limb. */
static inline uint64_t submul(uint64_t *w, const uint64_t *d, int n, uint64_t q)
{
	uint64_t borrow = 0;
#pragma GCC unroll 4
	for (int i = 0; i < n; i++) {
		u128 p = (u128)q * d[i] + borrow;
		uint64_t x = w[i];
		w[i] = x - (uint64_t)p;
		borrow = hi64(p) + (x < (uint64_t)p);
	}
	return borrow;
}

/* Divides u (ulen <= 8 limbs) by d (1 <= dlen <= 4 limbs, top limb nonzero,
 * dlen <= ulen). Writes ulen - dlen + 1 quotient limbs to q unless q is NULL,
 * and dlen remainder limbs to r. Always inlined so that a caller passing
 * constant sizes gets loops the compiler can unroll; divrem() is the
 * out-of-line version for the rest. */
static inline __attribute__((always_inline)) void
divrem_inline(uint64_t *q, uint64_t *r, const uint64_t *u, int ulen,
              const uint64_t *d, int dlen)
{
	/* Shift both so the divisor's top bit is set; the quotient is unchanged
	 * and the remainder comes out shifted by the same amount. */
	int s = __builtin_clzll(d[dlen - 1]);
	uint64_t un[9], dn[4];
	/* A limb shifted right by 64 - s, spelled (x >> 1) >> (63 - s) so that
	 * s = 0 needs no branch (a shift by 64 is undefined in C). */
#pragma GCC unroll 4
	for (int i = dlen - 1; i > 0; i--)
		dn[i] = d[i] << s | (d[i - 1] >> 1) >> (63 - s);
	dn[0] = d[0] << s;
	un[ulen] = (u[ulen - 1] >> 1) >> (63 - s);
#pragma GCC unroll 8
	for (int i = ulen - 1; i > 0; i--)
		un[i] = u[i] << s | (u[i - 1] >> 1) >> (63 - s);
	un[0] = u[0] << s;

	if (dlen == 1) {
		uint64_t v = reciprocal_2by1_cached(dn[0]), rem = un[ulen];
		for (int j = ulen - 1; j >= 0; j--) {
			uint64_t qj = divrem_2by1(rem, un[j], dn[0], v, &rem);
			if (q)
				q[j] = qj;
		}
		r[0] = rem >> s;
		return;
	}

	uint64_t d1 = dn[dlen - 1], d0 = dn[dlen - 2];
	uint64_t v = reciprocal_3by2_cached(d1, d0);
	for (int j = ulen - dlen; j >= 0; j--) {
		uint64_t *w = un + j, qhat;
		if (w[dlen] == d1 && w[dlen - 1] == d0) {
			/* Outside divrem_3by2's domain. With W = w[0..dlen] and
			 * T = (d1, d0) >= 2^127: W >= T * 2^(64(dlen-1)) and
			 * dn < (T + 1) * 2^(64(dlen-2)), so W / dn > 2^64 - 1, while
			 * W < 2^64 * dn holds throughout: the digit is exactly 2^64 - 1
			 * and the subtraction leaves the top limb zero. */
			qhat = UINT64_MAX;
			w[dlen] -= submul(w, dn, dlen, qhat);
		} else {
			/* The 3-by-2 step takes qhat times the top two divisor limbs off
			 * the top three limbs, leaving rem; take qhat times the rest off
			 * the limbs below and carry their borrow into rem. */
			u128 rem;
			qhat = divrem_3by2(w[dlen], w[dlen - 1], w[dlen - 2], d1, d0, v, &rem);
			uint64_t borrow = submul(w, dn, dlen - 2, qhat);
			uint64_t r0 = (uint64_t)rem, r1 = hi64(rem);
			uint64_t b0 = r0 < borrow;
			r0 -= borrow;
			uint64_t b1 = r1 < b0;
			r1 -= b0;
			w[dlen - 2] = r0;
			w[dlen - 1] = r1;
			w[dlen] = 0;
			if (b1) {
				/* qhat was one too large: add the divisor back. The carry
				 * out of the top cancels the borrow and is dropped. */
				qhat--;
				uint64_t carry = 0;
#pragma GCC unroll 4
				for (int i = 0; i < dlen; i++)
					w[i] = u256_addc_(w[i], dn[i], &carry);
			}
		}
		if (q)
			q[j] = qhat;
	}
#pragma GCC unroll 4
	for (int i = 0; i < dlen; i++)
		r[i] = un[i] >> s | (un[i + 1] << 1) << (63 - s);
}

/* divrem_inline with the divisor's length made a constant, so that the
 * loops over the divisor unroll. */
static void divrem(uint64_t *q, uint64_t *r, const uint64_t *u, int ulen,
                   const uint64_t *d, int dlen)
{
	switch (dlen) {
	case 1:
		divrem_inline(q, r, u, ulen, d, 1);
		break;
	case 2:
		divrem_inline(q, r, u, ulen, d, 2);
		break;
	case 3:
		divrem_inline(q, r, u, ulen, d, 3);
		break;
	default:
		divrem_inline(q, r, u, ulen, d, 4);
		break;
	}
}

/* Unsigned a / b and a % b for nonzero b. */
static void udivmod(const u256 *a, const u256 *b, u256 *q, u256 *r)
{
	if (u256_fits_u64(a)) {
		/* b nonzero and a < 2^64: b either fits or exceeds a. */
		if (u256_fits_u64(b)) {
			*q = u256_from_u64(a->w[0] / b->w[0]);
			*r = u256_from_u64(a->w[0] % b->w[0]);
		} else {
			*q = U256_ZERO;
			*r = *a;
		}
		return;
	}
	if (u256_lt(a, b)) {
		*q = U256_ZERO;
		*r = *a;
		return;
	}
	if ((a->w[2] | a->w[3]) == 0 && u256_fits_u64(b)) {
		/* Fixed-point arithmetic's usual shape (a 128-bit product over a
		 * 64-bit scale): the hardware divides it in one or two steps. */
		u128 x = (u128)a->w[1] << 64 | a->w[0], qq = x / b->w[0];
		*q = (u256){{(uint64_t)qq, hi64(qq), 0, 0}};
		*r = u256_from_u64((uint64_t)(x - qq * b->w[0]));
		return;
	}
	/* Division by 2^k, common in compiled code (shifts before EIP-145). */
	u256 one = u256_from_u64(1), bm1 = u256_sub(b, &one), low = u256_and(b, &bm1);
	if (u256_is_zero(&low)) {
		u256 k = u256_from_u64(u256_bitlen(b) - 1);
		*q = u256_shr(&k, a);
		*r = u256_and(a, &bm1);
		return;
	}
	*q = U256_ZERO;
	*r = U256_ZERO;
	divrem(q->w, r->w, a->w, limbs(a->w, 4), b->w, limbs(b->w, 4));
}

u256 u256_div(const u256 *a, const u256 *b)
{
	if (u256_is_zero(b))
		return U256_ZERO;
	u256 q, r;
	udivmod(a, b, &q, &r);
	return q;
}

u256 u256_mod(const u256 *a, const u256 *b)
{
	if (u256_is_zero(b))
		return U256_ZERO;
	u256 q, r;
	udivmod(a, b, &q, &r);
	return r;
}

/* EVM SDIV truncates toward zero, so it is the unsigned quotient of the
 * magnitudes with the sign of a * b. -2^255 / -1 overflows back to -2^255,
 * which the magnitude arithmetic gives for free. */
u256 u256_sdiv(const u256 *a, const u256 *b)
{
	if (u256_is_zero(b))
		return U256_ZERO;
	bool an = u256_is_neg(a), bn = u256_is_neg(b);
	u256 ua = an ? neg(a) : *a, ub = bn ? neg(b) : *b, q, r;
	udivmod(&ua, &ub, &q, &r);
	return an != bn ? neg(&q) : q;
}

/* EVM SMOD: the remainder takes the sign of the dividend. */
u256 u256_smod(const u256 *a, const u256 *b)
{
	if (u256_is_zero(b))
		return U256_ZERO;
	bool an = u256_is_neg(a);
	u256 ua = an ? neg(a) : *a, ub = u256_is_neg(b) ? neg(b) : *b, q, r;
	udivmod(&ua, &ub, &q, &r);
	return an ? neg(&r) : r;
}

u256 u256_addmod(const u256 *a, const u256 *b, const u256 *m)
{
	if (u256_is_zero(m))
		return U256_ZERO;
	uint64_t s[5], carry = 0;
	for (int i = 0; i < 4; i++)
		s[i] = u256_addc_(a->w[i], b->w[i], &carry);
	s[4] = carry;
	if (u256_lt(a, m) && u256_lt(b, m)) {
		/* The sum is below 2m: one conditional subtraction reduces it. */
		u256 sum = {{s[0], s[1], s[2], s[3]}};
		if (carry || !u256_lt(&sum, m))
			sum = u256_sub(&sum, m);
		return sum;
	}
	/* a >= m or b >= m, so the sum has at least as many limbs as m. */
	u256 r = U256_ZERO;
	divrem(NULL, r.w, s, limbs(s, 5), m->w, limbs(m->w, 4));
	return r;
}

/* MULMOD by a modulus used twice in a row (elliptic-curve code reduces by
 * one field prime throughout) goes through Barrett reduction (Handbook of
 * Applied Cryptography, 14.42) with b = 2^64 and k = 4 limbs:
 *
 *   mu = floor(2^512 / m)                 once per modulus, kept per thread
 *   q3 = floor(floor(x / 2^192) * mu / 2^320)  (q3 <= x / m)
 *   r  = (x - q3 * m) mod 2^320,  then r -= m while r >= m (at most twice)
 *
 * which takes multiplications only, no division (barrett_reduce skips a few
 * low products of q3 at the price of a possible third subtraction). It needs m's top limb
 * nonzero; mu is computed as floor((2^512 - 1) / m), the same unless m
 * divides 2^512, which a four-limb m with a nonzero lower limb does not. */
static _Thread_local u256 bar_m;           /* last modulus; zero: none */
static _Thread_local bool bar_has_mu;      /* bar_mu belongs to bar_m */
static _Thread_local uint64_t bar_mu[5];

/* True if mu is ready for m: a modulus seen for the first time is only
 * remembered, so that code with ever-changing moduli pays no extra
 * division for mu. */
static bool barrett_ready(const u256 *m)
{
	if (!u256_eq(m, &bar_m)) {
		bar_m = *m;
		bar_has_mu = false;
		return false;
	}
	if (!bar_has_mu) {
		uint64_t ones[8], r[4];
		memset(ones, 0xff, sizeof ones);
		divrem(bar_mu, r, ones, 8, m->w, 4);
		bar_has_mu = true;
	}
	return true;
}

/* x mod m for the 512-bit x, with bar_mu ready for m. */
static u256 barrett_reduce(const uint64_t x[8], const u256 *m)
{
	const uint64_t *q1 = x + 3; /* floor(x / 2^192), five limbs */
	/* q3 = floor(q1 * mu / 2^320), less at most one: columns 3 and 4 only
	 * carry into it, and columns 0 to 2 are skipped. Their six products sum
	 * to less than 6 * 2^256 < 2^320, so skipping them lowers q3 by at most
	 * one: q3 >= floor(x / m) - 3, and r below is less than 4m. */
	uint64_t q3[5], c0 = 0, c1 = 0, c2 = 0;
#pragma GCC unroll 6
	for (int k = 3; k < 9; k++) {
#pragma GCC unroll 5
		for (int i = k < 5 ? 0 : k - 4; i <= (k < 5 ? k : 4); i++)
			mac(q1[i], bar_mu[k - i], &c0, &c1, &c2);
		uint64_t limb = next_column(&c0, &c1, &c2);
		if (k >= 5)
			q3[k - 5] = limb;
	}
	q3[4] = c0;
	/* q3 * m, only the five limbs below 2^320; the top one needs only the
	 * low halves of its products. */
	uint64_t r2[5];
	c0 = c1 = c2 = 0;
#pragma GCC unroll 4
	for (int k = 0; k < 4; k++) {
#pragma GCC unroll 4
		for (int i = 0; i <= k; i++)
			mac(q3[i], m->w[k - i], &c0, &c1, &c2);
		r2[k] = next_column(&c0, &c1, &c2);
	}
	r2[4] = c0 + q3[1] * m->w[3] + q3[2] * m->w[2] + q3[3] * m->w[1] +
	        q3[4] * m->w[0];
	uint64_t r[5], borrow = 0;
#pragma GCC unroll 5
	for (int i = 0; i < 5; i++)
		r[i] = u256_subb_(x[i], r2[i], &borrow);
	/* r < 4m < 2^320, so r is exact: at most three subtractions. r >= m
	 * while r[4] is set or the low four limbs are not below m. */
	for (int k = 0; k < 3; k++) {
		u256 low = {{r[0], r[1], r[2], r[3]}};
		if (r[4] == 0 && u256_lt(&low, m))
			break;
		borrow = 0;
#pragma GCC unroll 4
		for (int i = 0; i < 4; i++)
			r[i] = u256_subb_(r[i], m->w[i], &borrow);
		r[4] -= borrow;
	}
	return (u256){{r[0], r[1], r[2], r[3]}};
}

u256 u256_mulmod(const u256 *a, const u256 *b, const u256 *m)
{
	if (u256_is_zero(m))
		return U256_ZERO;
	if (u256_fits_u64(a) && u256_fits_u64(b) && u256_fits_u64(m))
		return u256_from_u64((uint64_t)((u128)a->w[0] * b->w[0] % m->w[0]));
	uint64_t p[8];
	mul_wide(a, b, p);
	u256 r;
	if ((m->w[0] & m->w[1] & m->w[2] & m->w[3]) == UINT64_MAX) {
		/* m = 2^256 - 1, as in the usual 512-bit mulDiv: 2^256 = 1 (mod m),
		 * so the product reduces to hi + lo with the carry wrapped around.
		 * A carry means hi + lo <= 2^257 - 2, so adding it back cannot carry
		 * again; m itself is then the one unreduced value left. */
		uint64_t carry = 0;
#pragma GCC unroll 4
		for (int i = 0; i < 4; i++)
			r.w[i] = u256_addc_(p[i], p[i + 4], &carry);
#pragma GCC unroll 4
		for (int i = 0; i < 4; i++)
			r.w[i] = u256_addc_(r.w[i], 0, &carry);
		return u256_eq(&r, m) ? U256_ZERO : r;
	}
	int plen = limbs(p, 8), mlen = limbs(m->w, 4);
	if (plen < mlen) {
		memcpy(r.w, p, sizeof r.w);
		return r;
	}
	if (mlen == 4 && (m->w[0] | m->w[1] | m->w[2]) != 0 && barrett_ready(m))
		return barrett_reduce(p, m);
	r = U256_ZERO;
	if (plen == 8 && mlen == 4) /* the usual shape in elliptic-curve code */
		divrem_inline(NULL, r.w, p, 8, m->w, 4);
	else
		divrem(NULL, r.w, p, plen, m->w, mlen);
	return r;
}

/* base^e for base, e < 2^64 while the result stays below 2^64; false once it
 * would not. */
static bool exp_u64(uint64_t base, uint64_t e, uint64_t *out)
{
	uint64_t r = 1;
	for (;;) {
		if ((e & 1) && __builtin_mul_overflow(r, base, &r))
			return false;
		e >>= 1;
		if (e == 0)
			break;
		/* Some bit of e remains, so the result is at least this square. */
		if (__builtin_mul_overflow(base, base, &base))
			return false;
	}
	*out = r;
	return true;
}

u256 u256_exp(const u256 *base, const u256 *exponent)
{
	if (u256_is_zero(exponent))
		return u256_from_u64(1);
	if (u256_fits_u64(base) && base->w[0] <= 1)
		return *base;
	/* base = 2^t * odd, so base^e is a multiple of 2^(t*e), which wraps to
	 * zero once t*e >= 256. */
	unsigned t = 0;
	while (base->w[t / 64] == 0)
		t += 64;
	t += (unsigned)__builtin_ctzll(base->w[t / 64]);
	if (t > 0 && (!u256_fits_u64(exponent) || exponent->w[0] >= 256 ||
	              t * exponent->w[0] >= 256))
		return U256_ZERO;
	if (u256_bitlen(base) == t + 1) {
		/* base = 2^t (lowest and highest set bit coincide; t > 0 as base
		 * > 1), so t * e < 256 was checked above. */
		u256 sh = u256_from_u64(t * exponent->w[0]), one = u256_from_u64(1);
		return u256_shl(&sh, &one);
	}
	uint64_t small;
	if (u256_fits_u64(base) && u256_fits_u64(exponent) &&
	    exp_u64(base->w[0], exponent->w[0], &small))
		return u256_from_u64(small);
	/* Left-to-right square and multiply from the top set bit. */
	u256 r = *base;
	bool one_limb = u256_fits_u64(base); /* such as 10 in 10 ** decimals */
	for (unsigned i = u256_bitlen(exponent) - 1; i-- > 0;) {
		r = sqr_lo(&r);
		if ((exponent->w[i / 64] >> (i % 64)) & 1)
			r = one_limb ? mul_lo_u64(&r, base->w[0]) : mul_lo(&r, base);
	}
	return r;
}

/* signextend, like the shifts in u256.h, builds its result in four
 * scalars, never indexing into a u256 in memory: a result assembled in
 * memory by 8-byte stores and then copied out as a struct is read back with
 * 16-byte loads, which stall until those stores retire. */

u256 u256_byte(const u256 *i, const u256 *x)
{
	if (!u256_fits_u64(i) || i->w[0] >= 32)
		return U256_ZERO;
	unsigned pos = 31 - (unsigned)i->w[0]; /* from the least significant */
	return u256_from_u64((x->w[pos / 8] >> (pos % 8 * 8)) & 0xff);
}

/* For negative x, sar(x) = ~shr(~x): the complement turns the sign-filled
 * high bits into the zeros a logical shift brings in. */
u256 u256_sar(const u256 *shift, const u256 *value)
{
	if (!u256_is_neg(value))
		return u256_shr(shift, value);
	u256 nv = u256_not(value), r = u256_shr(shift, &nv);
	return u256_not(&r);
}

unsigned u256_bitlen(const u256 *a)
{
	for (int i = 3; i >= 0; i--)
		if (a->w[i])
			return (unsigned)(64 * i + 64 - __builtin_clzll(a->w[i]));
	return 0;
}

unsigned u256_bytelen(const u256 *a) { return (u256_bitlen(a) + 7) / 8; }

u256 u256_from_be(const uint8_t *p, size_t n)
{
	uint8_t b[32] = {0};
	if (n > 32) {
		p += n - 32;
		n = 32;
	}
	if (n)
		memcpy(b + 32 - n, p, n);
	return u256_from_be32(b);
}

static int parse_hex(const char *s, u256 *out)
{
	if (*s == '\0')
		return -1;
	while (*s == '0')
		s++;
	size_t n = strlen(s);
	if (n > 64)
		return -1;
	u256 r = U256_ZERO;
	/* Digit k from the right is nibble k of the value. */
	for (size_t k = 0; k < n; k++) {
		int d = hex_digit(s[n - 1 - k]);
		if (d < 0)
			return -1;
		r.w[k / 16] |= (uint64_t)d << (k % 16 * 4);
	}
	*out = r;
	return 0;
}

static int parse_dec(const char *s, u256 *out)
{
	if (*s == '\0')
		return -1;
	u256 r = U256_ZERO;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		uint64_t carry = (uint64_t)(*s - '0');
		for (int i = 0; i < 4; i++) {
			u128 t = (u128)r.w[i] * 10 + carry;
			r.w[i] = (uint64_t)t;
			carry = hi64(t);
		}
		if (carry)
			return -1;
	}
	*out = r;
	return 0;
}

int u256_from_string(const char *s, u256 *out)
{
	*out = U256_ZERO;
	if (s == NULL)
		return -1;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return parse_hex(s + 2, out);
	return parse_dec(s, out);
}

void u256_to_hex(const u256 *a, char out[67])
{
	static const char digits[] = "0123456789abcdef";
	unsigned n = (u256_bitlen(a) + 3) / 4;
	if (n == 0)
		n = 1;
	out[0] = '0';
	out[1] = 'x';
	for (unsigned k = 0; k < n; k++)
		out[2 + n - 1 - k] = digits[(a->w[k / 16] >> (k % 16 * 4)) & 0xf];
	out[2 + n] = '\0';
}

void u256_to_dec(const u256 *a, char out[79])
{
	/* Nineteen digits at a time: 10^19 is the largest power of ten in a
	 * limb. */
	static const uint64_t chunk = 10000000000000000000ull;
	char tmp[80];
	size_t n = 0;
	u256 v = *a;
	u256 d = u256_from_u64(chunk);
	do {
		u256 q = u256_div(&v, &d);
		u256 qd = u256_mul(&q, &d);
		uint64_t r = u256_sub(&v, &qd).w[0];
		bool last = u256_is_zero(&q);
		for (int i = 0; i < 19 && (r || !last || i == 0); i++) {
			tmp[n++] = (char)('0' + r % 10);
			r /= 10;
		}
		v = q;
	} while (!u256_is_zero(&v));
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = 0;
}
