/* BLS12-381 groups G1 and G2, their compressed encodings, and the optimal
 * ate pairing (see the header for the curves and the byte formats). */
#include "crypto/bls12_381.h"

#include <string.h>

/* r, the order of G1 and G2, big-endian. */
static const uint8_t GROUP_ORDER[32] = {
	0x73, 0xed, 0xa7, 0x53, 0x29, 0x9d, 0x7d, 0x48, 0x33, 0x39, 0xd8,
	0x08, 0x09, 0xa1, 0xd8, 0x05, 0x53, 0xbd, 0xa4, 0x02, 0xff, 0xfe,
	0x5b, 0xfe, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01,
};

/* |x| for the curve parameter x = -0xd201000000010000 that drives the Miller
 * loop and the final exponentiation. */
static const uint64_t X_ABS = 0xd201000000010000;

/* Curve constants in Montgomery form (computed offline; the unit test
 * checks the generators against their published compressed encodings). */
#define FOUR_LIMBS                                               \
	{{0xaa270000000cfff3, 0x53cc0032fc34000a, 0x478fe97a6b0a807f, \
	  0xb1d37ebee6ba24d7, 0x8ec9733bbf78ab2f, 0x09d645513d83de7e}}
static const bls_fp B_G1 = FOUR_LIMBS;             /* 4 */
static const bls_fp2 B_G2 = {FOUR_LIMBS, FOUR_LIMBS}; /* 4(u + 1) */
#undef FOUR_LIMBS

static const bls_g1 G1_GEN = {
	{{0x5cb38790fd530c16, 0x7817fc679976fff5, 0x154f95c7143ba1c1,
	  0xf0ae6acdf3d0e747, 0xedce6ecc21dbf440, 0x120177419e0bfb75}},
	{{0xbaac93d50ce72271, 0x8c22631a7918fd8e, 0xdd595f13570725ce,
	  0x51ac582950405194, 0x0e1c8c3fad0059c0, 0x0bbc3efc5008a26a}},
	{{0x760900000002fffd, 0xebf4000bc40c0002, 0x5f48985753c758ba,
	  0x77ce585370525745, 0x5c071a97a256ec6d, 0x15f65ec3fa80e493}},
};
static const bls_g2 G2_GEN = {
	{{{0xf5f28fa202940a10, 0xb3f5fb2687b4961a, 0xa1a893b53e2ae580,
	   0x9894999d1a3caee9, 0x6f67b7631863366b, 0x058191924350bcd7}},
	 {{0xa5a9c0759e23f606, 0xaaa0c59dbccd60c3, 0x3bb17e18e2867806,
	   0x1b1ab6cc8541b367, 0xc2b6ed0ef2158547, 0x11922a097360edf3}}},
	{{{0x4c730af860494c4a, 0x597cfa1f5e369c5a, 0xe7e6856caa0a635a,
	   0xbbefb5e96e0d495f, 0x07d3a975f0ef25a2, 0x0083fd8e7e80dae5}},
	 {{0xadc0fc92df64b05d, 0x18aa270a2b1461dc, 0x86adac6a3be4eba0,
	   0x79495c4ec93da33a, 0xe7175850a43ccaed, 0x0b2bc2a163de1bf2}}},
	{{{0x760900000002fffd, 0xebf4000bc40c0002, 0x5f48985753c758ba,
	   0x77ce585370525745, 0x5c071a97a256ec6d, 0x15f65ec3fa80e493}},
	 {{0, 0, 0, 0, 0, 0}}},
};

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)

#define PT bls_g1
#define FE bls_fp
#define FN(op) CAT(bls_fp_, op)
#define GN(op) CAT(bls_g1_, op)
#define CURVE_B (&B_G1)
#include "crypto/bls12_381_curve.inc"
#undef PT
#undef FE
#undef FN
#undef GN
#undef CURVE_B

#define PT bls_g2
#define FE bls_fp2
#define FN(op) CAT(bls_fp2_, op)
#define GN(op) CAT(bls_g2_, op)
#define CURVE_B (&B_G2)
#include "crypto/bls12_381_curve.inc"
#undef PT
#undef FE
#undef FN
#undef GN
#undef CURVE_B

void bls_g1_generator(bls_g1 *r)
{
	*r = G1_GEN;
}

void bls_g2_generator(bls_g2 *r)
{
	*r = G2_GEN;
}

/* ---- compressed encodings ---- */

enum {
	FLAG_COMPRESSED = 0x80,
	FLAG_INFINITY = 0x40,
	FLAG_SIGN = 0x20,
	FLAG_MASK = 0xe0,
};

/* Checks the flag byte and, for infinity, that every other bit is zero.
 * Returns DURE_OK with *inf set, or DURE_EINVAL. */
static int check_flags(const uint8_t *in, size_t len, bool *inf)
{
	*inf = false;
	if (!(in[0] & FLAG_COMPRESSED))
		return DURE_EINVAL;
	if (!(in[0] & FLAG_INFINITY))
		return DURE_OK;
	if (in[0] != (FLAG_COMPRESSED | FLAG_INFINITY))
		return DURE_EINVAL;
	for (size_t i = 1; i < len; i++) {
		if (in[i])
			return DURE_EINVAL;
	}
	*inf = true;
	return DURE_OK;
}

int bls_g1_decompress(bls_g1 *r, const uint8_t in[48])
{
	bool inf;
	bls_g1_set_inf(r);
	if (check_flags(in, 48, &inf) != DURE_OK)
		return DURE_EINVAL;
	if (inf)
		return DURE_OK;

	uint8_t xb[48];
	memcpy(xb, in, 48);
	xb[0] &= (uint8_t)~FLAG_MASK;
	bls_g1 p;
	if (bls_fp_from_bytes(&p.x, xb) != DURE_OK)
		return DURE_EINVAL;
	bls_fp rhs;
	bls_fp_sqr(&rhs, &p.x);
	bls_fp_mul(&rhs, &rhs, &p.x);
	bls_fp_add(&rhs, &rhs, &B_G1);
	if (!bls_fp_sqrt(&p.y, &rhs))
		return DURE_EINVAL;
	if (bls_fp_is_lexmax(&p.y) != !!(in[0] & FLAG_SIGN))
		bls_fp_neg(&p.y, &p.y);
	bls_fp_one(&p.z);
	if (!bls_g1_in_subgroup(&p))
		return DURE_EINVAL;
	*r = p;
	return DURE_OK;
}

void bls_g1_compress(uint8_t out[48], const bls_g1 *p)
{
	memset(out, 0, 48);
	if (bls_g1_is_inf(p)) {
		out[0] = FLAG_COMPRESSED | FLAG_INFINITY;
		return;
	}
	bls_fp x, y;
	bls_g1_to_affine(&x, &y, p);
	bls_fp_to_bytes(out, &x);
	out[0] |= FLAG_COMPRESSED;
	if (bls_fp_is_lexmax(&y))
		out[0] |= FLAG_SIGN;
}

int bls_g2_decompress(bls_g2 *r, const uint8_t in[96])
{
	bool inf;
	bls_g2_set_inf(r);
	if (check_flags(in, 96, &inf) != DURE_OK)
		return DURE_EINVAL;
	if (inf)
		return DURE_OK;

	uint8_t xb[48];
	memcpy(xb, in, 48);
	xb[0] &= (uint8_t)~FLAG_MASK;
	bls_g2 p;
	if (bls_fp_from_bytes(&p.x.c1, xb) != DURE_OK ||
	    bls_fp_from_bytes(&p.x.c0, in + 48) != DURE_OK)
		return DURE_EINVAL;
	bls_fp2 rhs;
	bls_fp2_sqr(&rhs, &p.x);
	bls_fp2_mul(&rhs, &rhs, &p.x);
	bls_fp2_add(&rhs, &rhs, &B_G2);
	if (!bls_fp2_sqrt(&p.y, &rhs))
		return DURE_EINVAL;
	if (bls_fp2_is_lexmax(&p.y) != !!(in[0] & FLAG_SIGN))
		bls_fp2_neg(&p.y, &p.y);
	bls_fp2_one(&p.z);
	if (!bls_g2_in_subgroup(&p))
		return DURE_EINVAL;
	*r = p;
	return DURE_OK;
}

void bls_g2_compress(uint8_t out[96], const bls_g2 *p)
{
	memset(out, 0, 96);
	if (bls_g2_is_inf(p)) {
		out[0] = FLAG_COMPRESSED | FLAG_INFINITY;
		return;
	}
	bls_fp2 x, y;
	bls_g2_to_affine(&x, &y, p);
	bls_fp_to_bytes(out, &x.c1);
	bls_fp_to_bytes(out + 48, &x.c0);
	out[0] |= FLAG_COMPRESSED;
	if (bls_fp2_is_lexmax(&y))
		out[0] |= FLAG_SIGN;
}

/* ---- pairing ----
 *
 * The twist maps (x', y') on G2 to (x'/w^2, y'/w^3) on the curve over Fp12.
 * A line through points of G2 with slope l', evaluated at P = (xp, yp) of G1
 * and multiplied by w^3 (which lies in Fp4, so the final exponentiation
 * removes it), is
 *     (l' x' - y') + (-l' xp) v + yp v w
 * for any point (x', y') on the line. Each step below scales this by an
 * Fp2 factor that clears the denominators (also removed by the final
 * exponentiation), so a line is three Fp2 values placed at 1, v and v w. */

typedef struct line {
	bls_fp2 a, b, c; /* a + b v + c v w */
} line;

/* Doubles t and returns the tangent line at the old t, evaluated at
 * (xp, yp): slope 3X^2/(2YZ), scaled by 2Y Z^3. */
static void line_dbl(line *l, bls_g2 *t, const bls_fp *xp, const bls_fp *yp)
{
	bls_fp2 A, B, C, D, E, F, zz, s, x3, y3, z3;
	bls_fp2_sqr(&A, &t->x);
	bls_fp2_sqr(&B, &t->y);
	bls_fp2_sqr(&C, &B);
	bls_fp2_add(&s, &t->x, &B);
	bls_fp2_sqr(&s, &s);
	bls_fp2_sub(&s, &s, &A);
	bls_fp2_sub(&s, &s, &C);
	bls_fp2_dbl(&D, &s);
	bls_fp2_dbl(&E, &A);
	bls_fp2_add(&E, &E, &A);
	bls_fp2_sqr(&F, &E);
	bls_fp2_sqr(&zz, &t->z);

	/* a = 3X^3 - 2Y^2, b = -3X^2 Z^2 xp, c = 2Y Z^3 yp */
	bls_fp2_mul(&l->a, &E, &t->x);
	bls_fp2_dbl(&s, &B);
	bls_fp2_sub(&l->a, &l->a, &s);
	bls_fp2_mul(&s, &E, &zz);
	bls_fp2_mul_fp(&s, &s, xp);
	bls_fp2_neg(&l->b, &s);
	bls_fp2_mul(&z3, &t->y, &t->z);
	bls_fp2_dbl(&z3, &z3);
	bls_fp2_mul(&s, &z3, &zz);
	bls_fp2_mul_fp(&l->c, &s, yp);

	bls_fp2_dbl(&s, &D);
	bls_fp2_sub(&x3, &F, &s);
	bls_fp2_sub(&s, &D, &x3);
	bls_fp2_mul(&y3, &E, &s);
	bls_fp2_dbl(&C, &C);
	bls_fp2_dbl(&C, &C);
	bls_fp2_dbl(&C, &C);
	bls_fp2_sub(&y3, &y3, &C);
	t->x = x3;
	t->y = y3;
	t->z = z3;
}

/* Sets t = t + q (q affine, t != ±q) and returns the line through them,
 * evaluated at (xp, yp): slope R/(Z H), scaled by Z H. */
static void line_add(line *l, bls_g2 *t, const bls_fp2 *qx, const bls_fp2 *qy,
		     const bls_fp *xp, const bls_fp *yp)
{
	bls_fp2 zz, u2, s2, h, rr, hh, hhh, v, s, x3, y3, z3;
	bls_fp2_sqr(&zz, &t->z);
	bls_fp2_mul(&u2, qx, &zz);
	bls_fp2_mul(&s, &zz, &t->z);
	bls_fp2_mul(&s2, qy, &s);
	bls_fp2_sub(&h, &u2, &t->x);
	bls_fp2_sub(&rr, &s2, &t->y);
	bls_fp2_mul(&z3, &t->z, &h);

	/* a = R qx - Z H qy, b = -R xp, c = Z H yp */
	bls_fp2_mul(&l->a, &rr, qx);
	bls_fp2_mul(&s, &z3, qy);
	bls_fp2_sub(&l->a, &l->a, &s);
	bls_fp2_mul_fp(&s, &rr, xp);
	bls_fp2_neg(&l->b, &s);
	bls_fp2_mul_fp(&l->c, &z3, yp);

	bls_fp2_sqr(&hh, &h);
	bls_fp2_mul(&hhh, &hh, &h);
	bls_fp2_mul(&v, &t->x, &hh);
	bls_fp2_sqr(&x3, &rr);
	bls_fp2_sub(&x3, &x3, &hhh);
	bls_fp2_dbl(&s, &v);
	bls_fp2_sub(&x3, &x3, &s);
	bls_fp2_sub(&s, &v, &x3);
	bls_fp2_mul(&y3, &rr, &s);
	bls_fp2_mul(&s, &t->y, &hhh);
	bls_fp2_sub(&y3, &y3, &s);
	t->x = x3;
	t->y = y3;
	t->z = z3;
}

/* f = f · (a + b v + c v w). A sparse product would save little over the
 * Karatsuba Fp12 product, so the line is widened to a full element. */
static void mul_by_line(bls_fp12 *f, const line *l)
{
	bls_fp12 m;
	memset(&m, 0, sizeof m);
	m.c0.c0 = l->a;
	m.c0.c1 = l->b;
	m.c1.c1 = l->c;
	bls_fp12_mul(f, f, &m);
}

/* How many pairs one Miller loop carries at once (their squarings of f are
 * shared); longer products run in chunks. */
enum { MILLER_CHUNK = 4 };

/* f = the product of the Miller functions f_{|x|,q[i]}(p[i]) for the n <=
 * MILLER_CHUNK pairs, skipping pairs with a point at infinity, then
 * conjugated because x is negative. */
static void miller_loop(bls_fp12 *f, const bls_g1 *p, const bls_g2 *q, size_t n)
{
	bls_fp px[MILLER_CHUNK], py[MILLER_CHUNK];
	bls_fp2 qx[MILLER_CHUNK], qy[MILLER_CHUNK];
	bls_g2 t[MILLER_CHUNK];
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (bls_g1_is_inf(&p[i]) || bls_g2_is_inf(&q[i]))
			continue;
		bls_g1_to_affine(&px[m], &py[m], &p[i]);
		bls_g2_to_affine(&qx[m], &qy[m], &q[i]);
		t[m].x = qx[m];
		t[m].y = qy[m];
		bls_fp2_one(&t[m].z);
		m++;
	}
	bls_fp12_one(f);
	if (m == 0)
		return;
	line l;
	for (int bit = 62; bit >= 0; bit--) {
		bls_fp12_sqr(f, f);
		for (size_t i = 0; i < m; i++) {
			line_dbl(&l, &t[i], &px[i], &py[i]);
			mul_by_line(f, &l);
		}
		if ((X_ABS >> bit) & 1) {
			for (size_t i = 0; i < m; i++) {
				line_add(&l, &t[i], &qx[i], &qy[i], &px[i], &py[i]);
				mul_by_line(f, &l);
			}
		}
	}
	bls_fp12_conj(f, f);
}

/* r = a^x for a in the cyclotomic subgroup, where the inverse is the
 * conjugate. */
static void exp_by_x(bls_fp12 *r, const bls_fp12 *a)
{
	bls_fp12 acc = *a;
	for (int bit = 62; bit >= 0; bit--) {
		bls_fp12_cyclotomic_sqr(&acc, &acc);
		if ((X_ABS >> bit) & 1)
			bls_fp12_mul(&acc, &acc, a);
	}
	bls_fp12_conj(r, &acc);
}

/* r = f^(3(p^12 - 1)/r). The easy part raises to (p^6 - 1)(p^2 + 1); the
 * hard part uses 3(p^4 - p^2 + 1)/r = (x-1)^2 (x+p) (x^2+p^2-1) + 3. */
static void final_exp(bls_fp12 *r, const bls_fp12 *f)
{
	bls_fp12 g, a, b, t, u;
	bls_fp12_conj(&t, f);
	bls_fp12_inv(&u, f);
	bls_fp12_mul(&g, &t, &u);
	bls_fp12_frob(&t, &g);
	bls_fp12_frob(&t, &t);
	bls_fp12_mul(&g, &t, &g);

	exp_by_x(&a, &g); /* a = g^(x-1) */
	bls_fp12_conj(&t, &g);
	bls_fp12_mul(&a, &a, &t);
	exp_by_x(&t, &a); /* a = a^(x-1) */
	bls_fp12_conj(&a, &a);
	bls_fp12_mul(&a, &t, &a);
	exp_by_x(&t, &a); /* b = a^(x+p) */
	bls_fp12_frob(&b, &a);
	bls_fp12_mul(&b, &t, &b);
	exp_by_x(&t, &b); /* t = b^(x^2 + p^2 - 1) */
	exp_by_x(&t, &t);
	bls_fp12_frob(&u, &b);
	bls_fp12_frob(&u, &u);
	bls_fp12_mul(&t, &t, &u);
	bls_fp12_conj(&u, &b);
	bls_fp12_mul(&t, &t, &u);
	bls_fp12_sqr(&u, &g); /* times g^3 */
	bls_fp12_mul(&u, &u, &g);
	bls_fp12_mul(r, &t, &u);
}

void bls_pairing(bls_fp12 *r, const bls_g1 *p, const bls_g2 *q)
{
	bls_fp12 f;
	miller_loop(&f, p, q, 1);
	final_exp(r, &f);
}

bool bls_pairing_check(const bls_g1 *p, const bls_g2 *q, size_t n)
{
	bls_fp12 f, chunk, r;
	bls_fp12_one(&f);
	for (size_t i = 0; i < n; i += MILLER_CHUNK) {
		size_t k = n - i < MILLER_CHUNK ? n - i : MILLER_CHUNK;
		miller_loop(&chunk, p + i, q + i, k);
		bls_fp12_mul(&f, &f, &chunk);
	}
	final_exp(&r, &f);
	return bls_fp12_is_one(&r);
}
