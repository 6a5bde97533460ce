/* ECIES over secp256k1 as RLPx uses it (devp2p rlpx.md, "ECIES Encryption").
 *
 * A message to the holder of public key K is
 *
 *   0x04 || R (64) || iv (16) || c (n) || d (32)          n + 113 bytes
 *
 * where R = r*G for a fresh key r, S = x(r*K), kE || kM = the NIST SP 800-56
 * concatenation KDF over sha256 of S (32 bytes, no other info),
 * c = AES-128-CTR(kE, iv, m) and d = HMAC-SHA256(sha256(kM), iv || c || s2).
 * s2 is "shared MAC data": bytes both sides know but that are not sent in
 * the message (EIP-8 handshakes authenticate their 2-byte size prefix this
 * way). Decryption checks d before it decrypts anything. */
#ifndef DURE_CRYPTO_ECIES_H
#define DURE_CRYPTO_ECIES_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

/* Bytes ECIES adds to a plaintext. */
#define ECIES_OVERHEAD 113

/* Encrypts m[0..n) to pub (64 bytes x||y) and appends the n + 113 byte
 * message to out. The ephemeral key and IV come from the system CSPRNG.
 * s2[0..s2n) is the shared MAC data (s2 may be NULL when s2n is 0).
 * Returns 0, DURE_EKEY if pub is not on the curve, DURE_ENOMEM, or DURE_EIO
 * if the CSPRNG or libcrypto fails. On failure out is as it was. */
DURE_WUR int ecies_encrypt(const uint8_t pub[64], const uint8_t *m, size_t n,
                           const uint8_t *s2, size_t s2n, buf *out);

/* As ecies_encrypt, with the ephemeral key r and IV chosen by the caller:
 * for reproducible tests and fuzzing. Never reuse r with real traffic.
 * Returns DURE_EKEY also when r is not a valid secret key. */
DURE_WUR int ecies_encrypt_seeded(const uint8_t pub[64], const uint8_t r[32],
                                  const uint8_t iv[16], const uint8_t *m,
                                  size_t n, const uint8_t *s2, size_t s2n,
                                  buf *out);

/* Decrypts the message c[0..n) with seckey and appends the n - 113 byte
 * plaintext to out. Returns 0, DURE_EECIES_FORMAT if c is shorter than 113
 * bytes or does not start with 0x04, DURE_EKEY if R is not on the curve,
 * DURE_EECIES_MAC if the tag does not verify (nothing decrypted), or
 * DURE_ENOMEM / DURE_EIO. On failure out is as it was. */
DURE_WUR int ecies_decrypt(const uint8_t seckey[32], const uint8_t *c,
                           size_t n, const uint8_t *s2, size_t s2n, buf *out);

/* Fills p[0..n) from the system CSPRNG. Returns 0 or DURE_EIO. */
DURE_WUR int crypto_random(uint8_t *p, size_t n);

#endif
