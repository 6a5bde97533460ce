/* KZG point-evaluation check of EIP-4844 (precompile 0x0a).
 *
 * Implements verify_kzg_proof of the consensus-specs polynomial commitments
 * (deneb/polynomial-commitments.md) on BLS12-381, against the G2 point
 * [tau]G2 of the Ethereum KZG ceremony's trusted setup. */
#ifndef DURE_CRYPTO_KZG_H
#define DURE_CRYPTO_KZG_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"

/* verify_kzg_proof of the EIP-4844 / consensus-specs polynomial-commitments:
 * checks that the polynomial committed to by `commitment` evaluates to y at z,
 * using the proof. z and y are big-endian field elements, which must be
 * < BLS_MODULUS (r = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001).
 * commitment and proof are compressed G1 points (ZCash format) that must
 * decode and lie in the subgroup.
 * Returns DURE_OK and sets *ok (true if the proof verifies), or DURE_EINVAL
 * for a malformed input (field element out of range, bad point encoding,
 * point not on curve or not in the subgroup); *ok is false on any error. */
DURE_WUR int kzg_verify_proof(const uint8_t commitment[48], const uint8_t z[32],
			      const uint8_t y[32], const uint8_t proof[48], bool *ok);

#endif
