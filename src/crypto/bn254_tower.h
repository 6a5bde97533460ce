/* The field tower under the bn254 pairing, internal to the bn254 module
 * (bn254.c is its only user; the public API is bn254.h).
 *
 *   Fp   integers mod p = 36u^4 + 36u^3 + 24u^2 + 6u + 1, u = 0x44e992b44a6909f1
 *   Fp2  = Fp[i]  / (i^2 + 1)
 *   Fp6  = Fp2[v] / (v^3 - xi),  xi = 9 + i
 *   Fp12 = Fp6[w] / (w^2 - v)
 *
 * An Fp element is kept in Montgomery form (a*2^256 mod p) in four 64-bit
 * little-endian limbs and is always fully reduced, so equal values have equal
 * limbs. Every operation allows its output to alias any input. */
#ifndef DURE_CRYPTO_BN254_TOWER_H
#define DURE_CRYPTO_BN254_TOWER_H

#include <stdbool.h>
#include <stdint.h>

typedef struct bn254_fp { uint64_t l[4]; } bn254_fp;
/* c0 + c1*i */
typedef struct bn254_fp2 { bn254_fp c0, c1; } bn254_fp2;
/* c0 + c1*v + c2*v^2 */
typedef struct bn254_fp6 { bn254_fp2 c0, c1, c2; } bn254_fp6;
/* c0 + c1*w */
typedef struct bn254_fp12 { bn254_fp6 c0, c1; } bn254_fp12;

/* 1 in Montgomery form, in Fp and in Fp2 */
extern const bn254_fp bn254_fp_one;
extern const bn254_fp2 bn254_fp2_one;
/* b = 3, the constant of E: y^2 = x^3 + b over Fp */
extern const bn254_fp bn254_curve_b;
/* b' = 3/xi, the constant of the twist E': y^2 = x^3 + b' */
extern const bn254_fp2 bn254_twist_b;

/* Reads a 32-byte big-endian integer into out; returns false (out zeroed) if
 * it is not below p. */
bool bn254_fp_from_bytes(bn254_fp *out, const uint8_t in[32]);
/* Writes a as a 32-byte big-endian integer in [0, p). */
void bn254_fp_to_bytes(uint8_t out[32], const bn254_fp *a);

bool bn254_fp_is_zero(const bn254_fp *a);
bool bn254_fp_eq(const bn254_fp *a, const bn254_fp *b);
void bn254_fp_add(bn254_fp *r, const bn254_fp *a, const bn254_fp *b);
void bn254_fp_sub(bn254_fp *r, const bn254_fp *a, const bn254_fp *b);
void bn254_fp_neg(bn254_fp *r, const bn254_fp *a);
void bn254_fp_mul(bn254_fp *r, const bn254_fp *a, const bn254_fp *b);
void bn254_fp_sqr(bn254_fp *r, const bn254_fp *a);
/* r = 1/a; a zero a gives zero. */
void bn254_fp_inv(bn254_fp *r, const bn254_fp *a);

bool bn254_fp2_is_zero(const bn254_fp2 *a);
bool bn254_fp2_eq(const bn254_fp2 *a, const bn254_fp2 *b);
void bn254_fp2_add(bn254_fp2 *r, const bn254_fp2 *a, const bn254_fp2 *b);
void bn254_fp2_sub(bn254_fp2 *r, const bn254_fp2 *a, const bn254_fp2 *b);
void bn254_fp2_neg(bn254_fp2 *r, const bn254_fp2 *a);
void bn254_fp2_dbl(bn254_fp2 *r, const bn254_fp2 *a);
/* r = a/2 */
void bn254_fp2_half(bn254_fp2 *r, const bn254_fp2 *a);
void bn254_fp2_conj(bn254_fp2 *r, const bn254_fp2 *a);
void bn254_fp2_mul(bn254_fp2 *r, const bn254_fp2 *a, const bn254_fp2 *b);
void bn254_fp2_mul_fp(bn254_fp2 *r, const bn254_fp2 *a, const bn254_fp *b);
void bn254_fp2_sqr(bn254_fp2 *r, const bn254_fp2 *a);
/* r = 1/a; a zero a gives zero. */
void bn254_fp2_inv(bn254_fp2 *r, const bn254_fp2 *a);

void bn254_fp12_set_one(bn254_fp12 *r);
bool bn254_fp12_is_one(const bn254_fp12 *a);
void bn254_fp12_mul(bn254_fp12 *r, const bn254_fp12 *a, const bn254_fp12 *b);
void bn254_fp12_sqr(bn254_fp12 *r, const bn254_fp12 *a);
/* r = a^2 for a in the cyclotomic subgroup (a^(p^6+1) = 1, as after the
 * easy part of the final exponentiation); wrong for any other a. */
void bn254_fp12_cyclo_sqr(bn254_fp12 *r, const bn254_fp12 *a);
/* r = a^(p^6): negates the w part; the inverse of a unitary element. */
void bn254_fp12_conj(bn254_fp12 *r, const bn254_fp12 *a);
/* r = 1/a; a zero a gives zero. */
void bn254_fp12_inv(bn254_fp12 *r, const bn254_fp12 *a);
/* r = a^(p^k) for k = 1, 2, 3. */
void bn254_fp12_frob(bn254_fp12 *r, const bn254_fp12 *a, int k);
/* f = f * (a + b*w + c*w^3): multiplies by the sparse value a Miller loop
 * line evaluates to. */
void bn254_fp12_mul_line(bn254_fp12 *f, const bn254_fp2 *a, const bn254_fp2 *b,
                      const bn254_fp2 *c);
/* bn254_frob[k-1][j-1] = xi^(j*(p^k-1)/6), the factor that w^j picks up under
 * x -> x^(p^k). The twist Frobenius uses two of them:
 * pi(x, y) = (conj(x)*bn254_frob[0][1], conj(y)*bn254_frob[0][2]) and
 * -pi^2(x, y) = (x*bn254_frob[1][1], y). */
extern const bn254_fp2 bn254_frob[3][5];

#endif
