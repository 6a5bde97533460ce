/* secp256k1 keys, ECDSA signatures with public-key recovery, and ECDH, over
 * libsecp256k1.
 *
 * Public keys travel as 64 bytes x||y (big-endian coordinates, no SEC1 prefix
 * byte), the form Ethereum hashes into addresses and devp2p puts on the wire.
 * Signatures are 64 bytes r||s plus a recovery id 0..3. On failure every
 * output is zeroed. */
#ifndef DURE_CRYPTO_SECP_H
#define DURE_CRYPTO_SECP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/bytes.h"
#include "base/err.h"

/* Derives the public key of seckey. Returns 0, or DURE_EKEY when seckey is
 * zero or not below the group order n. */
DURE_WUR int secp_pubkey_create(const uint8_t seckey[32], uint8_t pub[64]);

/* Signs the 32-byte hash with seckey (RFC 6979 deterministic nonce). Writes
 * r||s with s normalised to the lower half of the order, and the recovery id
 * (0..3) to *recid. Returns 0, or DURE_EKEY for an invalid key. */
DURE_WUR int secp_sign(const uint8_t seckey[32], const uint8_t hash[32],
                       uint8_t sig[64], int *recid);

/* Recovers the public key that signed hash with sig = r||s and recid (0..3).
 * Rejects r or s equal to 0 or not below n, and recid outside 0..3, but
 * accepts s in the upper half: whether a high s is allowed is a rule of the
 * caller (transactions since Homestead forbid it, ecrecover allows it).
 * Returns 0, or DURE_ESIG when the signature is malformed or no key
 * recovers. */
DURE_WUR int secp_recover(const uint8_t hash[32], const uint8_t sig[64],
                          int recid, uint8_t pub[64]);

/* True when the big-endian scalar s is at most n/2. */
bool secp_s_is_low(const uint8_t s[32]);

/* The Ethereum address of pub: the last 20 bytes of keccak256(pub). */
void secp_pubkey_address(const uint8_t pub[64], address *out);

/* ECDH as RLPx uses it: writes the x coordinate of seckey * pub (no hashing).
 * Returns 0, DURE_EKEY when pub is not a point on the curve or seckey is
 * invalid. */
DURE_WUR int secp_ecdh_raw(const uint8_t pub[64], const uint8_t seckey[32],
                           uint8_t x[32]);

/* Parses a SEC1 public key: 33 bytes (0x02/0x03 || x) or 65 bytes
 * (0x04 || x || y), into the 64-byte form. Returns 0, or DURE_EKEY when the
 * encoding is wrong or the point is not on the curve. */
DURE_WUR int secp_pubkey_parse(const uint8_t *p, size_t n, uint8_t pub[64]);

/* Writes the 33-byte compressed SEC1 form of pub (0x02 or 0x03 by the parity
 * of y, then x). pub must be a valid point (for example one produced by this
 * module); its y parity is read directly without checking the curve. */
void secp_pubkey_compress(const uint8_t pub[64], uint8_t out[33]);

#endif
