/* The alt_bn128 (bn254) curve behind the EVM precompiles 0x06 (ECADD),
 * 0x07 (ECMUL) and 0x08 (pairing check), as specified by EIP-196 and EIP-197.
 *
 * Encodings are the EVM's, all big-endian, each coordinate 32 bytes:
 *
 *   G1 point (64 bytes)    | x | y |                 (0,0) is the point at infinity
 *   G2 point (128 bytes)   | x_im | x_re | y_im | y_re |   x = x_re + x_im*i;
 *                                                     all-zero is infinity
 *   scalar (32 bytes)      any 256-bit value, used as is (not reduced)
 *
 * A coordinate >= p, or a point that is not on its curve, is rejected with
 * DURE_EINVAL. The caller zero-pads short precompile input to the full length
 * before calling. All functions are pure: no state, no allocation, safe to
 * call from any thread. */
#ifndef DURE_CRYPTO_BN254_H
#define DURE_CRYPTO_BN254_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* EIP-196 ECADD. in is two G1 points P then Q; writes P + Q to out.
 * Returns 0, or DURE_EINVAL (out zeroed) if either point is invalid. */
DURE_WUR int bn254_add(const uint8_t in[128], uint8_t out[64]);

/* EIP-196 ECMUL. in is a G1 point P then a 32-byte scalar k; writes k*P to
 * out. Returns 0, or DURE_EINVAL (out zeroed) if P is invalid. */
DURE_WUR int bn254_mul(const uint8_t in[96], uint8_t out[64]);

/* EIP-197 pairing check. in holds n bytes: n/192 pairs, each a G1 point
 * (64 bytes) then a G2 point (128 bytes). n must be a multiple of 192 (the
 * caller checks; otherwise DURE_EINVAL). Sets *ok to whether the product of
 * the pairings e(P_i, Q_i) is 1 in GT; an empty input gives true. Returns 0,
 * or DURE_EINVAL (*ok false) for a coordinate >= p, a point not on its curve,
 * or a G2 point outside the order-r subgroup. */
DURE_WUR int bn254_pairing_check(const uint8_t *in, size_t n, bool *ok);

#endif
