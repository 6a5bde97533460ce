/* The BLS12-381 groups and their pairing.
 *
 *   G1: y^2 = x^3 + 4          over Fp,  points of order r
 *   G2: y^2 = x^3 + 4(u + 1)   over Fp2, points of order r (the M-type
 *       sextic twist of the curve over Fp12)
 *   r = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001
 *
 * Points are kept in Jacobian coordinates (x = X/Z^2, y = Y/Z^3); Z = 0 is
 * the point at infinity. Decoding checks the curve equation and membership
 * of the order-r subgroup, so a point obtained from the decoders is always a
 * group element. Nothing here is constant-time (public inputs only).
 *
 * Compressed encodings (the ZCash format used by Ethereum):
 *
 *   G1, 48 bytes:  | c i s x(381 bits, big-endian) |
 *   G2, 96 bytes:  | c i s x.c1(381 bits) | x.c0(384 bits) |
 *
 *   c (0x80 of byte 0): compressed, must be set
 *   i (0x40): point at infinity; then s and every other bit must be zero
 *   s (0x20): y is the larger of y and -y (bls_fp_is_lexmax / fp2 rule)
 *   each coordinate must be below p. */
#ifndef DURE_CRYPTO_BLS12_381_H
#define DURE_CRYPTO_BLS12_381_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "crypto/bls12_381_field.h"

typedef struct bls_g1 {
	bls_fp x, y, z;
} bls_g1;
typedef struct bls_g2 {
	bls_fp2 x, y, z;
} bls_g2;

/* The standard generators. */
void bls_g1_generator(bls_g1 *r);
void bls_g2_generator(bls_g2 *r);

void bls_g1_set_inf(bls_g1 *r);
bool bls_g1_is_inf(const bls_g1 *p);
/* True if p and q are the same point (any Z). */
bool bls_g1_eq(const bls_g1 *p, const bls_g1 *q);
/* True if p satisfies the curve equation (infinity included). */
bool bls_g1_on_curve(const bls_g1 *p);
/* True if [r]p is infinity; p must be on the curve. */
bool bls_g1_in_subgroup(const bls_g1 *p);
void bls_g1_neg(bls_g1 *r, const bls_g1 *p);
void bls_g1_dbl(bls_g1 *r, const bls_g1 *p);
void bls_g1_add(bls_g1 *r, const bls_g1 *p, const bls_g1 *q);
/* r = [k]p for the big-endian scalar k[0..len-1] (any length). */
void bls_g1_mul(bls_g1 *r, const bls_g1 *p, const uint8_t *k, size_t len);
/* Decodes a compressed G1 point. Returns DURE_EINVAL (r set to infinity) for
 * a non-canonical encoding, an x with no point, or a point outside the
 * subgroup. */
DURE_WUR int bls_g1_decompress(bls_g1 *r, const uint8_t in[48]);
void bls_g1_compress(uint8_t out[48], const bls_g1 *p);

void bls_g2_set_inf(bls_g2 *r);
bool bls_g2_is_inf(const bls_g2 *p);
bool bls_g2_eq(const bls_g2 *p, const bls_g2 *q);
bool bls_g2_on_curve(const bls_g2 *p);
bool bls_g2_in_subgroup(const bls_g2 *p);
void bls_g2_neg(bls_g2 *r, const bls_g2 *p);
void bls_g2_dbl(bls_g2 *r, const bls_g2 *p);
void bls_g2_add(bls_g2 *r, const bls_g2 *p, const bls_g2 *q);
void bls_g2_mul(bls_g2 *r, const bls_g2 *p, const uint8_t *k, size_t len);
/* As bls_g1_decompress, for the 96-byte G2 format. */
DURE_WUR int bls_g2_decompress(bls_g2 *r, const uint8_t in[96]);
void bls_g2_compress(uint8_t out[96], const bls_g2 *p);

/* r = e(p, q)^3, the optimal ate pairing raised to the third power: the hard
 * part of the final exponentiation uses the exponent 3(p^4 - p^2 + 1)/r,
 * which is cheaper and still a non-degenerate bilinear map. p and q must be
 * subgroup points (as decoded); infinity on either side gives 1. */
void bls_pairing(bls_fp12 *r, const bls_g1 *p, const bls_g2 *q);
/* True if e(p[0], q[0]) · ... · e(p[n-1], q[n-1]) == 1, sharing one Miller
 * loop and one final exponentiation across the pairs. */
bool bls_pairing_check(const bls_g1 *p, const bls_g2 *q, size_t n);

#endif
