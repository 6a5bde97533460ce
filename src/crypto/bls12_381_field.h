/* The tower of fields under BLS12-381:
 *
 *   Fp   integers mod p (381 bits), six 64-bit limbs, little-endian limb
 *        order, kept in Montgomery form (a·2^384 mod p)
 *   Fp2  = Fp[u]  / (u^2 + 1)         c0 + c1·u
 *   Fp6  = Fp2[v] / (v^3 - (u + 1))   c0 + c1·v + c2·v^2
 *   Fp12 = Fp6[w] / (w^2 - v)         c0 + c1·w
 *
 * Every operation takes fully reduced inputs and returns fully reduced
 * outputs; outputs may alias inputs. Nothing here is constant-time: the only
 * user is signature-free verification of public data. */
#ifndef DURE_CRYPTO_BLS12_381_FIELD_H
#define DURE_CRYPTO_BLS12_381_FIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct bls_fp {
	uint64_t l[6];
} bls_fp;
typedef struct bls_fp2 {
	bls_fp c0, c1;
} bls_fp2;
typedef struct bls_fp6 {
	bls_fp2 c0, c1, c2;
} bls_fp6;
typedef struct bls_fp12 {
	bls_fp6 c0, c1;
} bls_fp12;

/* Fp. */
void bls_fp_zero(bls_fp *r);
void bls_fp_one(bls_fp *r);
bool bls_fp_is_zero(const bls_fp *a);
bool bls_fp_eq(const bls_fp *a, const bls_fp *b);
void bls_fp_add(bls_fp *r, const bls_fp *a, const bls_fp *b);
void bls_fp_sub(bls_fp *r, const bls_fp *a, const bls_fp *b);
void bls_fp_neg(bls_fp *r, const bls_fp *a);
void bls_fp_dbl(bls_fp *r, const bls_fp *a);
void bls_fp_mul(bls_fp *r, const bls_fp *a, const bls_fp *b);
void bls_fp_sqr(bls_fp *r, const bls_fp *a);
/* r = a^e for the little-endian limbs e[0..n-1]. */
void bls_fp_pow(bls_fp *r, const bls_fp *a, const uint64_t *e, size_t n);
/* r = 1/a; the inverse of zero is zero. */
void bls_fp_inv(bls_fp *r, const bls_fp *a);
/* Sets r to a square root of a and returns true, or returns false (r zeroed)
 * if a is not a square. */
bool bls_fp_sqrt(bls_fp *r, const bls_fp *a);
/* True if a > (p-1)/2 as an integer: the "lexicographically largest" of a
 * and -a, which the compressed point formats record in their sign bit. */
bool bls_fp_is_lexmax(const bls_fp *a);
/* Reads 48 big-endian bytes. Returns DURE_EINVAL (r zeroed) if the value is
 * not below p. */
DURE_WUR int bls_fp_from_bytes(bls_fp *r, const uint8_t in[48]);
/* Writes a as 48 big-endian bytes. */
void bls_fp_to_bytes(uint8_t out[48], const bls_fp *a);
/* r = the small integer v. */
void bls_fp_set_u64(bls_fp *r, uint64_t v);

/* Fp2. */
void bls_fp2_zero(bls_fp2 *r);
void bls_fp2_one(bls_fp2 *r);
bool bls_fp2_is_zero(const bls_fp2 *a);
bool bls_fp2_eq(const bls_fp2 *a, const bls_fp2 *b);
void bls_fp2_add(bls_fp2 *r, const bls_fp2 *a, const bls_fp2 *b);
void bls_fp2_sub(bls_fp2 *r, const bls_fp2 *a, const bls_fp2 *b);
void bls_fp2_neg(bls_fp2 *r, const bls_fp2 *a);
void bls_fp2_dbl(bls_fp2 *r, const bls_fp2 *a);
void bls_fp2_conj(bls_fp2 *r, const bls_fp2 *a);
void bls_fp2_mul(bls_fp2 *r, const bls_fp2 *a, const bls_fp2 *b);
void bls_fp2_mul_fp(bls_fp2 *r, const bls_fp2 *a, const bls_fp *b);
void bls_fp2_sqr(bls_fp2 *r, const bls_fp2 *a);
/* r = a·(u + 1), the non-residue that defines Fp6. */
void bls_fp2_mul_xi(bls_fp2 *r, const bls_fp2 *a);
/* r = 1/a; the inverse of zero is zero. */
void bls_fp2_inv(bls_fp2 *r, const bls_fp2 *a);
/* Sets r to a square root of a and returns true, or returns false (r zeroed)
 * if a is not a square in Fp2. */
bool bls_fp2_sqrt(bls_fp2 *r, const bls_fp2 *a);
/* The sign rule of the compressed G2 format: c1 decides unless it is zero,
 * then c0 (see bls_fp_is_lexmax). */
bool bls_fp2_is_lexmax(const bls_fp2 *a);

/* Fp6. */
void bls_fp6_add(bls_fp6 *r, const bls_fp6 *a, const bls_fp6 *b);
void bls_fp6_sub(bls_fp6 *r, const bls_fp6 *a, const bls_fp6 *b);
void bls_fp6_neg(bls_fp6 *r, const bls_fp6 *a);
void bls_fp6_mul(bls_fp6 *r, const bls_fp6 *a, const bls_fp6 *b);
/* r = a·v. */
void bls_fp6_mul_v(bls_fp6 *r, const bls_fp6 *a);
void bls_fp6_inv(bls_fp6 *r, const bls_fp6 *a);

/* Fp12. */
void bls_fp12_one(bls_fp12 *r);
bool bls_fp12_is_one(const bls_fp12 *a);
bool bls_fp12_eq(const bls_fp12 *a, const bls_fp12 *b);
void bls_fp12_mul(bls_fp12 *r, const bls_fp12 *a, const bls_fp12 *b);
void bls_fp12_sqr(bls_fp12 *r, const bls_fp12 *a);
void bls_fp12_inv(bls_fp12 *r, const bls_fp12 *a);
/* r = a^2 for a in the cyclotomic subgroup (any power of an element raised
 * to (p^6 - 1)(p^2 + 1), as after the easy part of the final
 * exponentiation). Several times cheaper than bls_fp12_sqr; the result is
 * wrong for elements outside that subgroup. */
void bls_fp12_cyclotomic_sqr(bls_fp12 *r, const bls_fp12 *a);
/* r = a^(p^6): c0 - c1·w, the inverse of a unitary element. */
void bls_fp12_conj(bls_fp12 *r, const bls_fp12 *a);
/* r = a^p. */
void bls_fp12_frob(bls_fp12 *r, const bls_fp12 *a);
/* r = a^e for the little-endian limbs e[0..n-1]. */
void bls_fp12_pow(bls_fp12 *r, const bls_fp12 *a, const uint64_t *e, size_t n);

#endif
