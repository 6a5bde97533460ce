/* SHA-256 and RIPEMD-160 (the EVM's precompiles 0x02 and 0x03, and general
 * use), backed by OpenSSL's libcrypto. */
#ifndef DURE_CRYPTO_HASH_H
#define DURE_CRYPTO_HASH_H

#include <stddef.h>
#include <stdint.h>

/* out = SHA-256(p[0..n)). p may be NULL when n is 0. */
void sha256(const uint8_t *p, size_t n, uint8_t out[32]);

/* out = RIPEMD-160(p[0..n)). p may be NULL when n is 0. */
void ripemd160(const uint8_t *p, size_t n, uint8_t out[20]);

#endif
