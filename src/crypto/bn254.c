/* bn254 curve groups and the optimal ate pairing (EIP-196, EIP-197).
 *
 * Byte formats (all big-endian, 32 bytes per Fp coordinate):
 *
 *   G1:  | x | y |                       (0,0) = infinity
 *   G2:  | x_im | x_re | y_im | y_re |   all zero = infinity
 *   ECADD input:    | P (G1) | Q (G1) |           128 bytes
 *   ECMUL input:    | P (G1) | k (32 bytes) |      96 bytes
 *   pairing input:  n times | P_i (G1) | Q_i (G2) |, 192 bytes each
 *
 * G1 is E: y^2 = x^3 + 3 over Fp (cofactor 1); G2 is the order-r subgroup of
 * the D-type twist E': y^2 = x^3 + 3/xi over Fp2, mapped into E(Fp12) by
 * (x, y) -> (x w^2, y w^3). Group arithmetic uses Jacobian coordinates and
 * is written once for both groups in bn254_curve.inc; the Miller loop keeps
 * its running point in homogeneous projective coordinates, whose doubling
 * and addition give the line coefficients almost for free. */
#include "crypto/bn254.h"

#include <string.h>

#include "crypto/bn254_tower.h"

/* ---- G1 and the twist ---- */

typedef struct g1 { bn254_fp x, y, z; } g1;  /* Jacobian; z = 0 is infinity */
typedef struct g2 { bn254_fp2 x, y, z; } g2; /* the same, on the twist */

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)

#define PT g1
#define FE bn254_fp
#define FN(op) CAT(bn254_fp_, op)
#define GN(op) CAT(g1_, op)
#define FE_ONE (&bn254_fp_one)
#define CURVE_B (&bn254_curve_b)
#include "crypto/bn254_curve.inc"

#define PT g2
#define FE bn254_fp2
#define FN(op) CAT(bn254_fp2_, op)
#define GN(op) CAT(g2_, op)
#define FE_ONE (&bn254_fp2_one)
#define CURVE_B (&bn254_twist_b)
#include "crypto/bn254_curve.inc"

/* Parses a G1 point; false if a coordinate is >= p or it is off the curve. */
static bool g1_from_bytes(g1 *out, const uint8_t in[64])
{
	memset(out, 0, sizeof *out);
	bn254_fp x, y;
	if (!bn254_fp_from_bytes(&x, in) || !bn254_fp_from_bytes(&y, in + 32))
		return false;
	if (bn254_fp_is_zero(&x) && bn254_fp_is_zero(&y))
		return true;
	if (!g1_on_curve(&x, &y))
		return false;
	out->x = x;
	out->y = y;
	out->z = bn254_fp_one;
	return true;
}

/* Writes the affine encoding of a, (0,0) for infinity. */
static void g1_to_bytes(uint8_t out[64], const g1 *a)
{
	if (bn254_fp_is_zero(&a->z)) {
		memset(out, 0, 64);
		return;
	}
	g1 n;
	g1_normalize(&n, a);
	bn254_fp_to_bytes(out, &n.x);
	bn254_fp_to_bytes(out + 32, &n.y);
}

/* For an affine twist point Q = (x, y): the Frobenius image
 * pi(Q) = (conj(x) g12, conj(y) g13) into (x1, y1), and the x coordinate of
 * -pi^2(Q) = (x g22, y) into x2 (g_kj = bn254_frob[k-1][j-1]). */
static void twist_frob(bn254_fp2 *x1, bn254_fp2 *y1, bn254_fp2 *x2,
                       const bn254_fp2 *x, const bn254_fp2 *y)
{
	bn254_fp2_conj(x1, x);
	bn254_fp2_mul(x1, x1, &bn254_frob[0][1]);
	bn254_fp2_conj(y1, y);
	bn254_fp2_mul(y1, y1, &bn254_frob[0][2]);
	bn254_fp2_mul(x2, x, &bn254_frob[1][1]);
}

/* Whether the affine twist point Q = (x, y) has order r: points of E'(Fp2)
 * off G2 exist (the cofactor is about p), and the pairing is not defined on
 * them. The endomorphism psi (the twisted Frobenius pi of twist_frob)
 * satisfies psi^2 - t psi + p = 0 on all of E'(Fp2), with trace
 * t = 6u^2 + 1 and r = p - 6u^2, so
 *   [r]Q = [6u^2](psi(Q) - Q) + psi(Q) - psi^2(Q),
 * which needs a 127-bit multiplication instead of a 254-bit one, of a point
 * normalized once so that its additions are the cheaper mixed ones. */
static bool g2_in_subgroup(const bn254_fp2 *x, const bn254_fp2 *y)
{
	/* 6u^2, big-endian */
	static const uint8_t K[16] = {0x6f, 0x4d, 0x82, 0x48, 0xee, 0xb8,
	                              0x59, 0xfb, 0xf8, 0x3e, 0x96, 0x82,
	                              0xe8, 0x7c, 0xfd, 0x46};
	g2 q = {*x, *y, bn254_fp2_one}, psi = q, npsi2 = q, acc;
	twist_frob(&psi.x, &psi.y, &npsi2.x, x, y);
	bn254_fp2_neg(&q.y, &q.y);
	g2_add_affine(&acc, &psi, &q); /* psi(Q) - Q */
	g2_mul(&acc, &acc, K, sizeof K);
	g2_add_affine(&acc, &acc, &psi);
	g2_add_affine(&acc, &acc, &npsi2);
	return bn254_fp2_is_zero(&acc.z);
}

/* Parses a G2 point (imaginary parts first) into affine x, y; *inf says it is
 * the point at infinity. False for a coordinate >= p, a point off the twist,
 * or a point outside G2. */
static bool g2_from_bytes(bn254_fp2 *x, bn254_fp2 *y, bool *inf,
                          const uint8_t in[128])
{
	memset(x, 0, sizeof *x);
	memset(y, 0, sizeof *y);
	*inf = false;
	if (!bn254_fp_from_bytes(&x->c1, in) ||
	    !bn254_fp_from_bytes(&x->c0, in + 32) ||
	    !bn254_fp_from_bytes(&y->c1, in + 64) ||
	    !bn254_fp_from_bytes(&y->c0, in + 96))
		return false;
	if (bn254_fp2_is_zero(x) && bn254_fp2_is_zero(y)) {
		*inf = true;
		return true;
	}
	return g2_on_curve(x, y) && g2_in_subgroup(x, y);
}

/* ---- Miller loop ---- */

/* One pair of the multi-pairing: the running point T = (X : Y : Z) in
 * homogeneous coordinates on the twist, Q = (qx, qy), and P's coordinates
 * pre-shaped for the line formulas. */
typedef struct pair {
	bn254_fp2 X, Y, Z;
	bn254_fp2 qx, qy;
	bn254_fp px3;                    /* 3 x_P */
	bn254_fp npx;                    /* -x_P */
	bn254_fp py;                     /* y_P */
	bn254_fp npy;                    /* -y_P */
} pair;

/* 6u + 2 in non-adjacent form, most significant digit first. */
static const int8_t ATE_NAF[] = {
	1, 0, -1, 0, 1, 0, 0, 0, -1, 0, -1, 0, 0, 0, -1, 0, 1, 0, -1, 0, 0, -1,
	0, 0, 0, 0, 0, 1, 0, 0, -1, 0, 1, 0, 0, -1, 0, 0, 0, 0, -1, 0, 1, 0,
	0, 0, -1, 0, -1, 0, 0, 1, 0, 0, 0, -1, 0, 0, -1, 0, 1, 0, 1, 0, 0, 0};

/* T = 2T, f *= the tangent line at T evaluated at P.
 * In affine terms the tangent at T = (x, y) on E(Fp12) is
 * y_P - y w^3 - lambda w (x_P - x w^2) with lambda = 3x^2/(2y); scaled by
 * -2YZ (an Fp2 factor, which the final exponentiation removes) it becomes
 * -H y_P + 3 X^2 x_P w + (3b'Z^2 - Y^2) w^3 with H = 2YZ. */
static void miller_dbl(bn254_fp12 *f, pair *s, const bn254_fp2 *b3)
{
	bn254_fp2 A, B, C, E, F, G, H, I, J, t;
	bn254_fp2_mul(&A, &s->X, &s->Y);
	bn254_fp2_half(&A, &A);
	bn254_fp2_sqr(&B, &s->Y);
	bn254_fp2_sqr(&C, &s->Z);
	bn254_fp2_mul(&E, &C, b3);
	bn254_fp2_dbl(&F, &E);
	bn254_fp2_add(&F, &F, &E);
	bn254_fp2_add(&G, &B, &F);
	bn254_fp2_half(&G, &G);
	bn254_fp2_add(&H, &s->Y, &s->Z);
	bn254_fp2_sqr(&H, &H);
	bn254_fp2_sub(&H, &H, &B);
	bn254_fp2_sub(&H, &H, &C);
	bn254_fp2_sub(&I, &E, &B);
	bn254_fp2_sqr(&J, &s->X);

	bn254_fp2_sub(&t, &B, &F);
	bn254_fp2_mul(&s->X, &A, &t);
	bn254_fp2_sqr(&G, &G);
	bn254_fp2_sqr(&t, &E);
	bn254_fp2_sub(&G, &G, &t);
	bn254_fp2_dbl(&t, &t);
	bn254_fp2_sub(&s->Y, &G, &t);
	bn254_fp2_mul(&s->Z, &B, &H);

	bn254_fp2 la, lb;
	bn254_fp2_mul_fp(&la, &H, &s->npy);
	bn254_fp2_mul_fp(&lb, &J, &s->px3);
	bn254_fp12_mul_line(f, &la, &lb, &I);
}

/* T = T + (x2, y2), f *= the line through T and (x2, y2) evaluated at P.
 * With theta = Y - y2 Z and lam = X - x2 Z the chord is (scaled by lam)
 * lam y_P - theta x_P w + (theta x2 - lam y2) w^3. */
static void miller_add(bn254_fp12 *f, pair *s, const bn254_fp2 *x2,
                       const bn254_fp2 *y2)
{
	bn254_fp2 theta, lam, C, D, E, F, G, H, t;
	bn254_fp2_mul(&t, y2, &s->Z);
	bn254_fp2_sub(&theta, &s->Y, &t);
	bn254_fp2_mul(&t, x2, &s->Z);
	bn254_fp2_sub(&lam, &s->X, &t);
	bn254_fp2_sqr(&C, &theta);
	bn254_fp2_sqr(&D, &lam);
	bn254_fp2_mul(&E, &lam, &D);
	bn254_fp2_mul(&F, &s->Z, &C);
	bn254_fp2_mul(&G, &s->X, &D);
	bn254_fp2_add(&H, &E, &F);
	bn254_fp2_sub(&H, &H, &G);
	bn254_fp2_sub(&H, &H, &G);

	bn254_fp2_mul(&s->X, &lam, &H);
	bn254_fp2_sub(&t, &G, &H);
	bn254_fp2_mul(&t, &t, &theta);
	bn254_fp2_mul(&s->Y, &s->Y, &E);
	bn254_fp2_sub(&s->Y, &t, &s->Y);
	bn254_fp2_mul(&s->Z, &s->Z, &E);

	bn254_fp2 la, lb, lc;
	bn254_fp2_mul_fp(&la, &lam, &s->py);
	bn254_fp2_mul_fp(&lb, &theta, &s->npx);
	bn254_fp2_mul(&lc, &theta, x2);
	bn254_fp2_mul(&t, &lam, y2);
	bn254_fp2_sub(&lc, &lc, &t);
	bn254_fp12_mul_line(f, &la, &lb, &lc);
}

/* f *= the product of the optimal ate Miller functions f_{6u+2,Q}(P) times
 * the two Frobenius lines, for the n pairs in s (consumed). The pairs share
 * f's squarings. */
static void miller_loop(bn254_fp12 *f, pair *s, size_t n)
{
	bn254_fp2 b3, nqy;
	bn254_fp2_dbl(&b3, &bn254_twist_b);
	bn254_fp2_add(&b3, &b3, &bn254_twist_b);

	bn254_fp12 acc;
	bn254_fp12_set_one(&acc);
	for (size_t k = 1; k < sizeof ATE_NAF; k++) {
		bn254_fp12_sqr(&acc, &acc);
		for (size_t i = 0; i < n; i++) {
			miller_dbl(&acc, &s[i], &b3);
			if (ATE_NAF[k] == 1) {
				miller_add(&acc, &s[i], &s[i].qx, &s[i].qy);
			} else if (ATE_NAF[k] == -1) {
				bn254_fp2_neg(&nqy, &s[i].qy);
				miller_add(&acc, &s[i], &s[i].qx, &nqy);
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		/* Q1 = pi(Q), Q2 = -pi^2(Q) */
		bn254_fp2 x1, y1, x2;
		twist_frob(&x1, &y1, &x2, &s[i].qx, &s[i].qy);
		miller_add(&acc, &s[i], &x1, &y1);
		miller_add(&acc, &s[i], &x2, &s[i].qy);
	}
	bn254_fp12_mul(f, f, &acc);
}

/* ---- final exponentiation ---- */

/* r = a^u for the curve parameter u (a unitary) */
static void fp12_pow_u(bn254_fp12 *r, const bn254_fp12 *a)
{
	static const uint64_t U = 0x44e992b44a6909f1ULL;
	bn254_fp12 acc = *a;
	for (int i = 61; i >= 0; i--) {
		bn254_fp12_cyclo_sqr(&acc, &acc);
		if ((U >> i) & 1)
			bn254_fp12_mul(&acc, &acc, a);
	}
	*r = acc;
}

/* f = f^((p^12 - 1)/r * m) with m = 2u(6u^2 + 3u + 1), which is prime to r,
 * so f maps to 1 exactly when f^((p^12-1)/r) does.
 * Easy part: f^((p^6 - 1)(p^2 + 1)). Hard part (Fuentes-Castaneda et al.):
 * f^(l0 + l1 p + l2 p^2 + l3 p^3) with, for L = 4u + 6u^2 + 12u^3,
 * l0 = L + 1 + 2u + 6u^2, l1 = L, l2 = L + 2u, l3 = L - 1. */
static void final_exp(bn254_fp12 *f)
{
	bn254_fp12 t, a, b, c, L, fu, e;
	bn254_fp12_inv(&t, f);
	bn254_fp12_conj(f, f);
	bn254_fp12_mul(f, f, &t);
	bn254_fp12_frob(&t, f, 2);
	bn254_fp12_mul(f, f, &t);

	fp12_pow_u(&fu, f);
	bn254_fp12_cyclo_sqr(&a, &fu);   /* f^(2u) */
	fp12_pow_u(&fu, &fu);            /* f^(u^2) */
	bn254_fp12_cyclo_sqr(&t, &fu);
	bn254_fp12_cyclo_sqr(&b, &t);
	bn254_fp12_mul(&b, &b, &t);      /* f^(6u^2) */
	fp12_pow_u(&fu, &fu);            /* f^(u^3) */
	bn254_fp12_cyclo_sqr(&t, &fu);
	bn254_fp12_cyclo_sqr(&t, &t);
	bn254_fp12_cyclo_sqr(&c, &t);
	bn254_fp12_mul(&c, &c, &t);      /* f^(12u^3) */
	bn254_fp12_cyclo_sqr(&L, &a);
	bn254_fp12_mul(&L, &L, &b);
	bn254_fp12_mul(&L, &L, &c);      /* f^L */

	bn254_fp12_mul(&e, &L, f);
	bn254_fp12_mul(&e, &e, &a);
	bn254_fp12_mul(&e, &e, &b);
	bn254_fp12_frob(&t, &L, 1);
	bn254_fp12_mul(&e, &e, &t);
	bn254_fp12_mul(&t, &L, &a);
	bn254_fp12_frob(&t, &t, 2);
	bn254_fp12_mul(&e, &e, &t);
	bn254_fp12_conj(&t, f);
	bn254_fp12_mul(&t, &t, &L);
	bn254_fp12_frob(&t, &t, 3);
	bn254_fp12_mul(f, &e, &t);
}

/* ---- public API ---- */

int bn254_add(const uint8_t in[128], uint8_t out[64])
{
	g1 a, b;
	if (!g1_from_bytes(&a, in) || !g1_from_bytes(&b, in + 64)) {
		memset(out, 0, 64);
		return DURE_EINVAL;
	}
	if (!bn254_fp_is_zero(&b.z)) /* else the sum is a */
		g1_add_affine(&a, &a, &b);
	g1_to_bytes(out, &a);
	return DURE_OK;
}

int bn254_mul(const uint8_t in[96], uint8_t out[64])
{
	g1 a;
	if (!g1_from_bytes(&a, in)) {
		memset(out, 0, 64);
		return DURE_EINVAL;
	}
	g1_mul(&a, &a, in + 64, 32);
	g1_to_bytes(out, &a);
	return DURE_OK;
}

/* Pairs that share one Miller loop; bounds the stack, not the input. */
#define BATCH 8

int bn254_pairing_check(const uint8_t *in, size_t n, bool *ok)
{
	*ok = false;
	if (n % 192 != 0)
		return DURE_EINVAL;
	bn254_fp12 f;
	bn254_fp12_set_one(&f);
	pair s[BATCH];
	size_t used = 0;
	for (size_t off = 0; off < n; off += 192) {
		g1 p;
		bn254_fp2 qx, qy;
		bool qinf;
		if (!g1_from_bytes(&p, in + off) ||
		    !g2_from_bytes(&qx, &qy, &qinf, in + off + 64))
			return DURE_EINVAL;
		/* a factor with either point at infinity is 1 */
		if (qinf || bn254_fp_is_zero(&p.z))
			continue;
		pair *e = &s[used++];
		e->X = qx;
		e->Y = qy;
		e->Z = bn254_fp2_one;
		e->qx = qx;
		e->qy = qy;
		bn254_fp_add(&e->px3, &p.x, &p.x);
		bn254_fp_add(&e->px3, &e->px3, &p.x);
		bn254_fp_neg(&e->npx, &p.x);
		e->py = p.y;
		bn254_fp_neg(&e->npy, &p.y);
		if (used == BATCH) {
			miller_loop(&f, s, used);
			used = 0;
		}
	}
	if (used)
		miller_loop(&f, s, used);
	final_exp(&f);
	*ok = bn254_fp12_is_one(&f);
	return DURE_OK;
}
