/* u256 against GMP: every operation in u256.h runs on DURE_U256_ITERS
 * (default 1,000,000) operand sets from a fixed-seed PRNG and is compared with
 * the same operation computed by GMP on unbounded integers and reduced to
 * 256 bits; then hand-written EVM corner cases. */
#include "u256/u256.h"
#include "test.h"

#include <gmp.h>
#include <stdlib.h>

/* ---- deterministic operands: xoshiro256** seeded by splitmix64 ---- */

static uint64_t rng_s[4];

static void rng_seed(uint64_t seed)
{
	for (int i = 0; i < 4; i++) {
		uint64_t z = (seed += 0x9e3779b97f4a7c15u);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
		rng_s[i] = z ^ (z >> 31);
	}
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t rnd(void)
{
	uint64_t r = rotl(rng_s[1] * 5, 7) * 9, t = rng_s[1] << 17;
	rng_s[2] ^= rng_s[0];
	rng_s[3] ^= rng_s[1];
	rng_s[1] ^= rng_s[2];
	rng_s[0] ^= rng_s[3];
	rng_s[2] ^= t;
	rng_s[3] = rotl(rng_s[3], 45);
	return r;
}

static u256 uniform(void) { return (u256){{rnd(), rnd(), rnd(), rnd()}}; }

/* Uniform below 2^n, n <= 256. */
static u256 uniform_bits(unsigned n)
{
	u256 r = uniform();
	for (unsigned i = 0; i < 4; i++) {
		if (n <= 64 * i)
			r.w[i] = 0;
		else if (n < 64 * (i + 1))
			r.w[i] &= ((uint64_t)1 << (n - 64 * i)) - 1;
	}
	return r;
}

/* A mix of the shapes where 256-bit arithmetic goes wrong: carries across
 * every limb, single-limb fast paths, powers of two and their neighbours,
 * the sign boundary, and limb patterns (0, 1, all ones, top bit) that drive
 * the division's estimate-and-correct steps. */
static u256 gen(void)
{
	static const uint64_t pat[] = {0, 1, 2, UINT64_MAX, UINT64_MAX - 1,
	                               (uint64_t)1 << 63, ((uint64_t)1 << 63) - 1,
	                               ((uint64_t)1 << 63) + 1};
	u256 r = U256_ZERO, one = u256_from_u64(1);
	switch (rnd() % 11) {
	case 0:
	case 1:
		return uniform();
	case 2: /* below 2^64, often much smaller */
		return u256_from_u64(rnd() >> (rnd() % 64));
	case 3: { /* 2^k - 1, 2^k, 2^k + 1 */
		unsigned k = (unsigned)(rnd() % 256);
		r.w[k / 64] = (uint64_t)1 << (k % 64);
		int d = (int)(rnd() % 3);
		if (d == 0)
			r = u256_sub(&r, &one);
		else if (d == 2)
			r = u256_add(&r, &one);
		return r;
	}
	case 4: { /* all ones, or just below */
		u256 d = u256_from_u64(rnd() % 4);
		r = U256_MAX;
		return u256_sub(&r, &d);
	}
	case 5: /* uniform with random limbs zeroed */
		r = uniform();
		for (int i = 0; i < 4; i++)
			if (rnd() & 1)
				r.w[i] = 0;
		return r;
	case 6: { /* around 2^255, or a small negative number */
		if (rnd() & 1) {
			u256 d = u256_from_u64(rnd() % 3);
			r.w[3] = (uint64_t)1 << 63;
			return rnd() & 1 ? u256_add(&r, &d) : u256_sub(&r, &d);
		}
		u256 m = u256_from_u64(rnd() >> (rnd() % 64));
		return u256_sub(&r, &m);
	}
	case 7: /* zero or one */
		return u256_from_u64(rnd() & 1);
	case 8: /* limb patterns */
		for (int i = 0; i < 4; i++)
			r.w[i] = rnd() % 4 == 0 ? rnd() : pat[rnd() % 8];
		return r;
	case 9: /* uniform of a random bit length */
		return uniform_bits((unsigned)(rnd() % 257));
	default: { /* its negation */
		u256 z = U256_ZERO, x = uniform_bits((unsigned)(rnd() % 257));
		return u256_sub(&z, &x);
	}
	}
}

/* Shift amounts and byte indices: mostly 0..300, sometimes anything. */
static u256 gen_index(void)
{
	if (rnd() % 10 < 7)
		return u256_from_u64(rnd() % 301);
	return gen();
}

/* ---- GMP side ---- */

static mpz_t A, B, C, E, T;

static void to_mpz(mpz_t z, const u256 *a)
{
#if GMP_NUMB_BITS == 64
	mp_limb_t *p = mpz_limbs_write(z, 4);
	for (int i = 0; i < 4; i++)
		p[i] = a->w[i];
	mpz_limbs_finish(z, 4);
#else
	mpz_import(z, 4, -1, sizeof a->w[0], 0, 0, a->w);
#endif
}

/* Two's complement reading. */
static void to_mpz_signed(mpz_t z, const u256 *a)
{
	to_mpz(z, a);
	if (u256_is_neg(a)) {
		mpz_set_ui(T, 1);
		mpz_mul_2exp(T, T, 256);
		mpz_sub(z, z, T);
	}
}

/* z modulo 2^256 (floor, so negative z wraps as two's complement). */
static u256 from_mpz(const mpz_t z)
{
	mpz_fdiv_r_2exp(T, z, 256);
	u256 r = U256_ZERO;
#if GMP_NUMB_BITS == 64
	const mp_limb_t *p = mpz_limbs_read(T);
	for (size_t i = 0; i < mpz_size(T); i++)
		r.w[i] = p[i];
#else
	mpz_export(r.w, NULL, -1, sizeof r.w[0], 0, 0, T);
#endif
	return r;
}

static void show(const char *what, const u256 *a)
{
	char h[67];
	u256_to_hex(a, h);
	fprintf(stderr, "  %s = %s\n", what, h);
}

static unsigned long iters;

/* Counts a mismatch, printing the first few. */
static void mismatch(unsigned long *bad, const char *op, const u256 *in,
                     int nin, const u256 *got, const u256 *want)
{
	if ((*bad)++ >= 3)
		return;
	fprintf(stderr, "%s mismatch:\n", op);
	for (int i = 0; i < nin; i++)
		show(i == 0 ? "a" : i == 1 ? "b" : "c", &in[i]);
	show("got ", got);
	show("want", want);
}

static void report(const char *op, unsigned long n, unsigned long bad)
{
	printf("%-14s %lu operand sets checked, %lu mismatches\n", op, n, bad);
	CHECK_EQ_INT(bad, 0);
}

/* ---- unary and binary u256 -> u256 operations ---- */

typedef u256 (*binop)(const u256 *, const u256 *);
/* Oracles leave their exact result in C; the harness reduces it. */
typedef void (*binoracle)(const u256 *, const u256 *);

static void o_add(const u256 *a, const u256 *b) { to_mpz(A, a); to_mpz(B, b); mpz_add(C, A, B); }
static void o_sub(const u256 *a, const u256 *b) { to_mpz(A, a); to_mpz(B, b); mpz_sub(C, A, B); }
static void o_mul(const u256 *a, const u256 *b) { to_mpz(A, a); to_mpz(B, b); mpz_mul(C, A, B); }

static void o_div(const u256 *a, const u256 *b)
{
	to_mpz(A, a);
	to_mpz(B, b);
	if (mpz_sgn(B) == 0)
		mpz_set_ui(C, 0);
	else
		mpz_tdiv_q(C, A, B);
}

static void o_mod(const u256 *a, const u256 *b)
{
	to_mpz(A, a);
	to_mpz(B, b);
	if (mpz_sgn(B) == 0)
		mpz_set_ui(C, 0);
	else
		mpz_tdiv_r(C, A, B);
}

/* GMP's tdiv truncates toward zero and gives the remainder the dividend's
 * sign: exactly SDIV and SMOD. -2^255 / -1 = 2^255 wraps to -2^255. */
static void o_sdiv(const u256 *a, const u256 *b)
{
	to_mpz_signed(A, a);
	to_mpz_signed(B, b);
	if (mpz_sgn(B) == 0)
		mpz_set_ui(C, 0);
	else
		mpz_tdiv_q(C, A, B);
}

static void o_smod(const u256 *a, const u256 *b)
{
	to_mpz_signed(A, a);
	to_mpz_signed(B, b);
	if (mpz_sgn(B) == 0)
		mpz_set_ui(C, 0);
	else
		mpz_tdiv_r(C, A, B);
}

static void o_exp(const u256 *a, const u256 *b)
{
	to_mpz(A, a);
	to_mpz(B, b);
	mpz_set_ui(E, 1);
	mpz_mul_2exp(E, E, 256);
	mpz_powm(C, A, B, E);
}

/* Small index, or 2^64 standing in for "too big to matter". */
static unsigned long small_index(const u256 *i)
{
	return u256_fits_u64(i) && i->w[0] < 1000 ? (unsigned long)i->w[0] : 1000;
}

static void o_signextend(const u256 *b, const u256 *x)
{
	unsigned long k = small_index(b);
	to_mpz(C, x);
	if (k >= 31)
		return;
	unsigned long bits = 8 * k + 8;
	mpz_tdiv_r_2exp(C, C, bits);
	if (mpz_tstbit(C, bits - 1)) {
		mpz_set_ui(E, 1);
		mpz_mul_2exp(E, E, bits);
		mpz_sub(C, C, E);
	}
}

static void o_byte(const u256 *i, const u256 *x)
{
	unsigned long k = small_index(i);
	to_mpz(C, x);
	if (k >= 32) {
		mpz_set_ui(C, 0);
		return;
	}
	mpz_tdiv_q_2exp(C, C, 8 * (31 - k));
	mpz_tdiv_r_2exp(C, C, 8);
}

static void o_shl(const u256 *s, const u256 *x)
{
	unsigned long k = small_index(s);
	to_mpz(C, x);
	if (k >= 256)
		mpz_set_ui(C, 0);
	else
		mpz_mul_2exp(C, C, k);
}

static void o_shr(const u256 *s, const u256 *x)
{
	to_mpz(C, x);
	mpz_tdiv_q_2exp(C, C, small_index(s));
}

static void o_sar(const u256 *s, const u256 *x)
{
	/* Floor division by 2^k is the arithmetic shift, also past 256 bits. */
	to_mpz_signed(C, x);
	mpz_fdiv_q_2exp(C, C, small_index(s));
}

static void o_and(const u256 *a, const u256 *b) { to_mpz(A, a); to_mpz(B, b); mpz_and(C, A, B); }
static void o_or(const u256 *a, const u256 *b) { to_mpz(A, a); to_mpz(B, b); mpz_ior(C, A, B); }
static void o_xor(const u256 *a, const u256 *b) { to_mpz(A, a); to_mpz(B, b); mpz_xor(C, A, B); }

/* Exponents: half from the general mix, half 0..300. */
static u256 gen_exponent(void) { return rnd() & 1 ? u256_from_u64(rnd() % 301) : gen(); }

static void run_binop(const char *name, binop f, binoracle o, u256 (*gen_a)(void),
                      u256 (*gen_b)(void))
{
	unsigned long bad = 0;
	for (unsigned long n = 0; n < iters; n++) {
		u256 in[2];
		in[0] = gen_a();
		in[1] = gen_b();
		u256 got = f(&in[0], &in[1]);
		o(&in[0], &in[1]);
		u256 want = from_mpz(C);
		if (!u256_eq(&got, &want))
			mismatch(&bad, name, in, 2, &got, &want);
	}
	report(name, iters, bad);
}

static void test_binops(void)
{
	static const struct {
		const char *name;
		binop f;
		binoracle o;
		u256 (*gen_a)(void), (*gen_b)(void);
	} ops[] = {
		{"add", u256_add, o_add, gen, gen},
		{"sub", u256_sub, o_sub, gen, gen},
		{"mul", u256_mul, o_mul, gen, gen},
		{"div", u256_div, o_div, gen, gen},
		{"sdiv", u256_sdiv, o_sdiv, gen, gen},
		{"mod", u256_mod, o_mod, gen, gen},
		{"smod", u256_smod, o_smod, gen, gen},
		{"exp", u256_exp, o_exp, gen, gen_exponent},
		{"signextend", u256_signextend, o_signextend, gen_index, gen},
		{"byte", u256_byte, o_byte, gen_index, gen},
		{"shl", u256_shl, o_shl, gen_index, gen},
		{"shr", u256_shr, o_shr, gen_index, gen},
		{"sar", u256_sar, o_sar, gen_index, gen},
		{"and", u256_and, o_and, gen, gen},
		{"or", u256_or, o_or, gen, gen},
		{"xor", u256_xor, o_xor, gen, gen},
	};
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		run_binop(ops[i].name, ops[i].f, ops[i].o, ops[i].gen_a, ops[i].gen_b);
}

static void test_not(void)
{
	unsigned long bad = 0;
	for (unsigned long n = 0; n < iters; n++) {
		u256 a = gen(), got = u256_not(&a);
		to_mpz(A, &a);
		mpz_com(C, A);
		u256 want = from_mpz(C);
		if (!u256_eq(&got, &want))
			mismatch(&bad, "not", &a, 1, &got, &want);
	}
	report("not", iters, bad);
}

static void run_ternary(const char *name, u256 (*f)(const u256 *, const u256 *, const u256 *),
                        void (*combine)(mpz_t, const mpz_t, const mpz_t))
{
	unsigned long bad = 0;
	for (unsigned long n = 0; n < iters; n++) {
		u256 in[3] = {gen(), gen(), gen()};
		u256 got = f(&in[0], &in[1], &in[2]);
		to_mpz(A, &in[0]);
		to_mpz(B, &in[1]);
		to_mpz(E, &in[2]);
		if (mpz_sgn(E) == 0) {
			mpz_set_ui(C, 0);
		} else {
			combine(C, A, B);
			mpz_tdiv_r(C, C, E);
		}
		u256 want = from_mpz(C);
		if (!u256_eq(&got, &want))
			mismatch(&bad, name, in, 3, &got, &want);
	}
	report(name, iters, bad);
}

static void test_addmod_mulmod(void)
{
	run_ternary("addmod", u256_addmod, mpz_add);
	run_ternary("mulmod", u256_mulmod, mpz_mul);
}

/* ---- predicates and integer-valued functions ---- */

static int p_lt(const u256 *a, const u256 *b) { return u256_lt(a, b); }
static int p_gt(const u256 *a, const u256 *b) { return u256_gt(a, b); }
static int p_slt(const u256 *a, const u256 *b) { return u256_slt(a, b); }
static int p_sgt(const u256 *a, const u256 *b) { return u256_sgt(a, b); }
static int p_eq(const u256 *a, const u256 *b) { return u256_eq(a, b); }
static int p_cmp(const u256 *a, const u256 *b) { return u256_cmp(a, b); }

static int sign(int x) { return (x > 0) - (x < 0); }

static int q_lt(const u256 *a, const u256 *b) { to_mpz(A, a); to_mpz(B, b); return mpz_cmp(A, B) < 0; }
static int q_gt(const u256 *a, const u256 *b) { to_mpz(A, a); to_mpz(B, b); return mpz_cmp(A, B) > 0; }
static int q_slt(const u256 *a, const u256 *b) { to_mpz_signed(A, a); to_mpz_signed(B, b); return mpz_cmp(A, B) < 0; }
static int q_sgt(const u256 *a, const u256 *b) { to_mpz_signed(A, a); to_mpz_signed(B, b); return mpz_cmp(A, B) > 0; }
static int q_eq(const u256 *a, const u256 *b) { to_mpz(A, a); to_mpz(B, b); return mpz_cmp(A, B) == 0; }
static int q_cmp(const u256 *a, const u256 *b) { to_mpz(A, a); to_mpz(B, b); return sign(mpz_cmp(A, B)); }

static void test_predicates(void)
{
	static const struct {
		const char *name;
		int (*f)(const u256 *, const u256 *);
		int (*o)(const u256 *, const u256 *);
	} ops[] = {
		{"lt", p_lt, q_lt},   {"gt", p_gt, q_gt}, {"slt", p_slt, q_slt},
		{"sgt", p_sgt, q_sgt}, {"eq", p_eq, q_eq}, {"cmp", p_cmp, q_cmp},
	};
	for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
		unsigned long bad = 0;
		for (unsigned long n = 0; n < iters; n++) {
			u256 in[2] = {gen(), gen()};
			/* Equal operands are rare by chance and matter here. */
			if (rnd() % 8 == 0)
				in[1] = in[0];
			u256 got = u256_from_u64((uint64_t)(int64_t)ops[k].f(&in[0], &in[1]));
			u256 want = u256_from_u64((uint64_t)(int64_t)ops[k].o(&in[0], &in[1]));
			if (!u256_eq(&got, &want))
				mismatch(&bad, ops[k].name, in, 2, &got, &want);
		}
		report(ops[k].name, iters, bad);
	}
}

/* bitlen, bytelen, is_zero, fits_u64, is_neg in one pass. */
static void test_unary_ints(void)
{
	unsigned long bad[5] = {0};
	static const char *names[5] = {"bitlen", "bytelen", "is_zero", "fits_u64", "is_neg"};
	for (unsigned long n = 0; n < iters; n++) {
		u256 a = gen();
		to_mpz(A, &a);
		size_t bits = mpz_sgn(A) ? mpz_sizeinbase(A, 2) : 0;
		uint64_t got[5] = {u256_bitlen(&a), u256_bytelen(&a), u256_is_zero(&a),
		                   u256_fits_u64(&a), u256_is_neg(&a)};
		uint64_t want[5] = {bits, (bits + 7) / 8, bits == 0, bits <= 64, bits == 256};
		for (int k = 0; k < 5; k++) {
			if (got[k] != want[k]) {
				u256 g = u256_from_u64(got[k]), w = u256_from_u64(want[k]);
				mismatch(&bad[k], names[k], &a, 1, &g, &w);
			}
		}
	}
	for (int k = 0; k < 5; k++)
		report(names[k], iters, bad[k]);
}

/* ---- checked arithmetic ---- */

static void test_checked(void)
{
	static const char *names[3] = {"add_overflow", "sub_underflow", "mul_overflow"};
	unsigned long bad[3] = {0};
	for (unsigned long n = 0; n < iters; n++) {
		u256 in[2] = {gen(), gen()};
		to_mpz(A, &in[0]);
		to_mpz(B, &in[1]);
		for (int k = 0; k < 3; k++) {
			u256 r;
			bool flag;
			if (k == 0) {
				flag = u256_add_overflow(&r, &in[0], &in[1]);
				mpz_add(C, A, B);
			} else if (k == 1) {
				flag = u256_sub_underflow(&r, &in[0], &in[1]);
				mpz_sub(C, A, B);
			} else {
				flag = u256_mul_overflow(&r, &in[0], &in[1]);
				mpz_mul(C, A, B);
			}
			bool want_flag = mpz_sgn(C) < 0 || mpz_sizeinbase(C, 2) > 256;
			u256 want = from_mpz(C);
			if (flag != want_flag || !u256_eq(&r, &want)) {
				u256 g = r, w = want;
				g.w[0] ^= flag != want_flag; /* make a flag-only mismatch visible */
				mismatch(&bad[k], names[k], in, 2, &g, &w);
			}
		}
	}
	for (int k = 0; k < 3; k++)
		report(names[k], iters, bad[k]);
}

/* ---- conversions ---- */

static void test_be(void)
{
	unsigned long bad_from = 0, bad_to = 0;
	for (unsigned long n = 0; n < iters; n++) {
		uint8_t in[40];
		size_t len = (size_t)(rnd() % 41);
		for (size_t i = 0; i < len; i++)
			in[i] = (uint8_t)rnd();
		u256 got = u256_from_be(in, len);
		size_t keep = len > 32 ? 32 : len;
		mpz_import(C, keep, 1, 1, 0, 0, in + len - keep);
		u256 want = from_mpz(C);
		if (!u256_eq(&got, &want))
			mismatch(&bad_from, "from_be", &want, 0, &got, &want);

		u256 x = gen();
		uint8_t out[32], ref[32] = {0};
		size_t cnt;
		u256_to_be(&x, out);
		to_mpz(A, &x);
		uint8_t tmp[32];
		mpz_export(tmp, &cnt, 1, 1, 0, 0, A);
		memcpy(ref + 32 - cnt, tmp, cnt);
		if (memcmp(out, ref, 32) != 0) {
			u256 g = u256_from_be(out, 32);
			mismatch(&bad_to, "to_be", &x, 1, &g, &x);
		}
	}
	report("from_be", iters, bad_from);
	report("to_be", iters, bad_to);
}

/* Builds a string for x in one of several spellings and says whether
 * u256_from_string must accept it (and then yield x). */
static bool make_string(const u256 *x, char *s)
{
	static const char bad_chars[] = " g-+./:@`G\t";
	int form = (int)(rnd() % 6);
	to_mpz(A, x);
	if (form == 4) { /* above 2^256 - 1 */
		mpz_set_ui(E, 1);
		mpz_mul_2exp(E, E, 256 + rnd() % 8);
		mpz_add(A, A, E);
	}
	bool hex = form == 0 || form == 1 || (form >= 4 && (rnd() & 1));
	char *p = s;
	if (hex) {
		*p++ = '0';
		*p++ = rnd() & 1 ? 'x' : 'X';
	}
	for (unsigned z = (unsigned)(rnd() % 4); z > 0; z--)
		*p++ = '0';
	mpz_get_str(p, hex ? (form == 1 ? -16 : 16) : 10, A);
	if (form == 5) { /* one character that is no digit, anywhere */
		size_t len = strlen(s), at = (size_t)(rnd() % (len + 1));
		memmove(s + at + 1, s + at, len - at + 1);
		s[at] = bad_chars[rnd() % (sizeof bad_chars - 1)];
		return false;
	}
	return form != 4;
}

static void test_strings(void)
{
	unsigned long bad_from = 0, bad_to = 0;
	for (unsigned long n = 0; n < iters; n++) {
		u256 x = gen();
		char s[200];
		bool ok = make_string(&x, s);
		u256 got = u256_from_u64(7);
		int rc = u256_from_string(s, &got);
		u256 want = ok ? x : U256_ZERO;
		if ((rc == 0) != ok || !u256_eq(&got, &want)) {
			if (bad_from < 3)
				fprintf(stderr, "from_string(\"%s\") returned %d\n", s, rc);
			mismatch(&bad_from, "from_string", &x, 1, &got, &want);
		}

		char h[67], ref[70] = "0x";
		u256_to_hex(&x, h);
		to_mpz(A, &x);
		mpz_get_str(ref + 2, 16, A);
		if (strcmp(h, ref) != 0) {
			if (bad_to < 3)
				fprintf(stderr, "to_hex gave %s, want %s\n", h, ref);
			bad_to++;
		}
	}
	report("from_string", iters, bad_from);
	report("to_hex", iters, bad_to);
}

/* ---- hand-written corner cases (Yellow Paper, EIP-145) ---- */

static u256 H(const char *s)
{
	u256 r;
	if (u256_from_string(s, &r) != 0) {
		fprintf(stderr, "bad literal %s\n", s);
		abort();
	}
	return r;
}

#define MIN_S "0x8000000000000000000000000000000000000000000000000000000000000000"
#define MAX_S "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define SMAX_S "0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"

#define CHECK_OP(op, a, b, want)                                              \
	do {                                                                      \
		u256 a_ = H(a), b_ = H(b), w_ = H(want), g_ = op(&a_, &b_);           \
		CHECK(u256_eq(&g_, &w_));                                             \
	} while (0)

static void test_evm_corners(void)
{
	/* Signed division: -2^255 / -1 overflows to itself; zero divisors give
	 * zero; SMOD takes the dividend's sign; SDIV truncates toward zero. */
	CHECK_OP(u256_sdiv, MIN_S, MAX_S, MIN_S);
	CHECK_OP(u256_sdiv, "5", "0", "0");
	CHECK_OP(u256_smod, "5", "0", "0");
	CHECK_OP(u256_div, "5", "0", "0");
	CHECK_OP(u256_mod, "5", "0", "0");
	CHECK_OP(u256_smod, MIN_S, MAX_S, "0");
	/* Power-of-two divisors take a shift-and-mask path. */
	CHECK_OP(u256_div, MAX_S, "0x10000000000000000", "0xffffffffffffffffffffffffffffffffffffffffffffffff");
	CHECK_OP(u256_mod, MAX_S, "0x10000000000000000", "0xffffffffffffffff");
	CHECK_OP(u256_div, MAX_S, MIN_S, "1");
	CHECK_OP(u256_mod, MAX_S, MIN_S, SMAX_S);
	CHECK_OP(u256_div, MIN_S, "1", MIN_S);
	CHECK_OP(u256_sdiv, MIN_S, "2", "0xc000000000000000000000000000000000000000000000000000000000000000");
	/* -7 / 2 = -3, -7 smod 3 = -1, 7 smod -3 = 1 */
	CHECK_OP(u256_sdiv, "0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff9", "2",
	         "0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffd");
	CHECK_OP(u256_smod, "0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff9", "3", MAX_S);
	CHECK_OP(u256_smod, "7", "0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffd", "1");

	/* EXP wraps modulo 2^256 and 0^0 = 1. */
	CHECK_OP(u256_exp, "0", "0", "1");
	CHECK_OP(u256_exp, "0", "1", "0");
	CHECK_OP(u256_exp, "2", "255", MIN_S);
	CHECK_OP(u256_exp, "2", "256", "0");
	CHECK_OP(u256_exp, "6", "256", "0");
	CHECK_OP(u256_exp, MAX_S, MAX_S, MAX_S); /* (-1)^odd */
	CHECK_OP(u256_exp, MAX_S, "2", "1");
	CHECK_OP(u256_exp, "3", "40", "12157665459056928801");

	/* ADDMOD and MULMOD keep the full intermediate. */
	CHECK_OP(u256_mul, MAX_S, MAX_S, "1");
	{
		u256 m = H(MAX_S), a = H(MAX_S), r = u256_addmod(&a, &a, &m);
		CHECK(u256_is_zero(&r));
		u256 seven = H("7");
		r = u256_addmod(&a, &a, &seven); /* 2^3 = 1 mod 7, so 2^257 - 2 = 4 - 2 */
		CHECK(u256_eq(&r, &(u256){{2, 0, 0, 0}}));
		u256 twelve = H("12");
		r = u256_mulmod(&a, &a, &twelve); /* 2^256 = 4, so (4-1)^2 = 9 mod 12 */
		CHECK(u256_eq(&r, &(u256){{9, 0, 0, 0}}));
		r = u256_mulmod(&a, &a, &m);
		CHECK(u256_is_zero(&r));
		u256 z = U256_ZERO;
		r = u256_mulmod(&a, &a, &z);
		CHECK(u256_is_zero(&r));
		r = u256_addmod(&a, &a, &z);
		CHECK(u256_is_zero(&r));
	}

	/* SIGNEXTEND */
	CHECK_OP(u256_signextend, "0", "0xff", MAX_S);
	CHECK_OP(u256_signextend, "0", "0x7f", "0x7f");
	CHECK_OP(u256_signextend, "0", "0x12345680", "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff80");
	CHECK_OP(u256_signextend, "1", "0xab7fff", "0x7fff");
	CHECK_OP(u256_signextend, "30", "0x0080000000000000000000000000000000000000000000000000000000000000",
	         "0xff80000000000000000000000000000000000000000000000000000000000000");
	CHECK_OP(u256_signextend, "31", "0x80", "0x80");
	CHECK_OP(u256_signextend, "0x10000000000000000", "0xff", "0xff");

	/* BYTE */
	CHECK_OP(u256_byte, "31", "0x1234", "0x34");
	CHECK_OP(u256_byte, "30", "0x1234", "0x12");
	CHECK_OP(u256_byte, "0", MIN_S, "0x80");
	CHECK_OP(u256_byte, "32", MAX_S, "0");
	CHECK_OP(u256_byte, "0x10000000000000000", MAX_S, "0");

	/* EIP-145 test vectors */
	CHECK_OP(u256_shl, "0", "1", "1");
	CHECK_OP(u256_shl, "1", "1", "2");
	CHECK_OP(u256_shl, "0xff", "1", MIN_S);
	CHECK_OP(u256_shl, "0x100", "1", "0");
	CHECK_OP(u256_shl, "0x101", "1", "0");
	CHECK_OP(u256_shl, "0", MAX_S, MAX_S);
	CHECK_OP(u256_shl, "1", MAX_S, "0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe");
	CHECK_OP(u256_shl, "0xff", MAX_S, MIN_S);
	CHECK_OP(u256_shl, "0x100", MAX_S, "0");
	CHECK_OP(u256_shl, "1", "0", "0");
	CHECK_OP(u256_shl, "1", SMAX_S, "0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe");
	CHECK_OP(u256_shr, "0", "1", "1");
	CHECK_OP(u256_shr, "1", "1", "0");
	CHECK_OP(u256_shr, "1", MIN_S, "0x4000000000000000000000000000000000000000000000000000000000000000");
	CHECK_OP(u256_shr, "0xff", MIN_S, "1");
	CHECK_OP(u256_shr, "0x100", MIN_S, "0");
	CHECK_OP(u256_shr, "0x101", MIN_S, "0");
	CHECK_OP(u256_shr, "0xff", MAX_S, "1");
	CHECK_OP(u256_shr, "0x100", MAX_S, "0");
	CHECK_OP(u256_shr, "1", "0", "0");
	CHECK_OP(u256_sar, "0", "1", "1");
	CHECK_OP(u256_sar, "1", "1", "0");
	CHECK_OP(u256_sar, "1", MIN_S, "0xc000000000000000000000000000000000000000000000000000000000000000");
	CHECK_OP(u256_sar, "0xff", MIN_S, MAX_S);
	CHECK_OP(u256_sar, "0x100", MIN_S, MAX_S);
	CHECK_OP(u256_sar, "0x101", MIN_S, MAX_S);
	CHECK_OP(u256_sar, "0", MAX_S, MAX_S);
	CHECK_OP(u256_sar, "1", MAX_S, MAX_S);
	CHECK_OP(u256_sar, "0xff", MAX_S, MAX_S);
	CHECK_OP(u256_sar, "0x100", MAX_S, MAX_S);
	CHECK_OP(u256_sar, "1", "0", "0");
	CHECK_OP(u256_sar, "0xfe", "0x4000000000000000000000000000000000000000000000000000000000000000", "1");
	CHECK_OP(u256_sar, "0xf8", SMAX_S, "0x7f");
	CHECK_OP(u256_sar, "0xfe", SMAX_S, "1");
	CHECK_OP(u256_sar, "0xff", SMAX_S, "0");
	CHECK_OP(u256_sar, "0x100", SMAX_S, "0");
	CHECK_OP(u256_shl, MAX_S, "1", "0");
	CHECK_OP(u256_sar, MAX_S, MIN_S, MAX_S);

	/* Signed comparison across the sign boundary. */
	u256 min = H(MIN_S), smax = H(SMAX_S), m1 = H(MAX_S), zero = U256_ZERO;
	CHECK(u256_slt(&min, &smax) && u256_gt(&min, &smax));
	CHECK(u256_slt(&m1, &zero) && u256_sgt(&zero, &m1) && !u256_slt(&m1, &m1));
	CHECK_EQ_INT(u256_cmp(&min, &smax), 1);
	CHECK_EQ_INT(u256_cmp(&zero, &m1), -1);
	CHECK_EQ_INT(u256_cmp(&m1, &m1), 0);
}

static void test_division_corners(void)
{
	/* Quotient digits whose first estimate is one too large, so algorithm D
	 * must add the divisor back (Knuth 4.3.1, exercise 21 and the
	 * Hacker's Delight divmnu test cases scaled to 64-bit limbs). */
	const uint64_t top = (uint64_t)1 << 63;
	const u256 cases[][2] = {
		{{{0, 0, top, top - 1}}, {{1, 0, top, 0}}},
		{{{0, 0, 0, top}}, {{1, 0, top, 0}}},
		{{{3, 0, top, 0}}, {{1, 0, top, 0}}},
		{{{0, UINT64_MAX - 1, 0, top}}, {{UINT64_MAX, 0, top, 0}}},
		{{{0, UINT64_MAX, UINT64_MAX - 1, top - 1}}, {{UINT64_MAX, top, 0, 0}}},
		{{{0, 0, top, top - 1}}, {{1, top, 0, 0}}},
		{{{UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX}}, {{UINT64_MAX, UINT64_MAX, UINT64_MAX, 1}}},
		{{{0, 0, 0, 1}}, {{1, 0, 0, 1}}},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const u256 *a = &cases[i][0], *b = &cases[i][1];
		u256 q = u256_div(a, b), r = u256_mod(a, b);
		o_div(a, b);
		u256 wq = from_mpz(C);
		o_mod(a, b);
		u256 wr = from_mpz(C);
		CHECK(u256_eq(&q, &wq));
		CHECK(u256_eq(&r, &wr));
		/* q * b + r == a exactly */
		u256 back, qb;
		CHECK(!u256_mul_overflow(&qb, &q, b));
		CHECK(!u256_add_overflow(&back, &qb, &r));
		CHECK(u256_eq(&back, a));
	}
}

static void test_string_corners(void)
{
	u256 r = u256_from_u64(5);
	CHECK_EQ_INT(u256_from_string("", &r), -1);
	CHECK(u256_is_zero(&r));
	CHECK_EQ_INT(u256_from_string("0x", &r), -1);
	CHECK_EQ_INT(u256_from_string(NULL, &r), -1);
	CHECK_EQ_INT(u256_from_string("0x00", &r), 0);
	CHECK(u256_is_zero(&r));
	CHECK_EQ_INT(u256_from_string("00", &r), 0);
	CHECK_EQ_INT(u256_from_string("0x" "000000000000000000000000000000000000000000"
	                              "000000000000000000000000000000000000000001", &r), 0);
	CHECK(u256_eq(&r, &(u256){{1, 0, 0, 0}}));
	CHECK_EQ_INT(u256_from_string("0x1" "0000000000000000000000000000000000000000"
	                              "000000000000000000000000", &r), -1);
	CHECK_EQ_INT(u256_from_string("1157920892373161954235709850086879078532699"
	                              "84665640564039457584007913129639935", &r), 0);
	CHECK(u256_eq(&r, &U256_MAX));
	CHECK_EQ_INT(u256_from_string("1157920892373161954235709850086879078532699"
	                              "84665640564039457584007913129639936", &r), -1);
	CHECK(u256_is_zero(&r));
	CHECK_EQ_INT(u256_from_string(MAX_S, &r), 0);
	CHECK(u256_eq(&r, &U256_MAX));
	CHECK_EQ_INT(u256_from_string("0xABCdef", &r), 0);
	CHECK(u256_eq(&r, &(u256){{0xabcdef, 0, 0, 0}}));
	static const char *bad[] = {" 1", "1 ", "-1", "+1", "0x-1", "1x", "0xg", "0x 1", "0b1", "1e3", "x1"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_EQ_INT(u256_from_string(bad[i], &r), -1);

	char h[67];
	u256 z = U256_ZERO;
	u256_to_hex(&z, h);
	CHECK(strcmp(h, "0x0") == 0);
	u256_to_hex(&U256_MAX, h);
	CHECK(strcmp(h, MAX_S) == 0);

	/* Decimal: zero, the chunk boundary 10^19 (inner zeros kept), and
	 * 2^256-1 as Python's str(2**256-1) prints it. */
	char d[79];
	u256_to_dec(&z, d);
	CHECK(strcmp(d, "0") == 0);
	u256 ten19 = u256_from_u64(10000000000000000000ull);
	u256_to_dec(&ten19, d);
	CHECK(strcmp(d, "10000000000000000000") == 0);
	u256 big = {{5, 1, 0, 0}}; /* 2^64 + 5 */
	u256_to_dec(&big, d);
	CHECK(strcmp(d, "18446744073709551621") == 0);
	u256_to_dec(&U256_MAX, d);
	CHECK(strcmp(d, "1157920892373161954235709850086879078532699846656405"
	                "64039457584007913129639935") == 0);

	uint8_t be[33] = {0};
	be[0] = 0xaa;
	be[32] = 0x01;
	u256 x = u256_from_be(be, 33); /* reads the last 32 bytes: the 0xaa drops */
	CHECK(u256_eq(&x, &(u256){{1, 0, 0, 0}}));
	x = u256_from_be(be, 0);
	CHECK(u256_is_zero(&x));
}

static void setup(void)
{
	const char *env = getenv("DURE_U256_ITERS");
	char *end;
	iters = 1000000;
	if (env && *env) {
		unsigned long v = strtoul(env, &end, 10);
		if (*end == '\0')
			iters = v;
	}
	mpz_inits(A, B, C, E, T, NULL);
	rng_seed(0x64757265u); /* "dure" */
}

static void teardown(void) { mpz_clears(A, B, C, E, T, NULL); }

TEST_MAIN(setup, test_evm_corners, test_division_corners, test_string_corners,
          test_binops, test_addmod_mulmod, test_not, test_predicates,
          test_unary_ints, test_checked, test_be, test_strings, teardown)
