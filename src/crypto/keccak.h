/* Keccak-256: the hash Ethereum calls "sha3" (original Keccak padding 0x01,
 * not the FIPS-202 SHA3-256 padding 0x06), rate 136 bytes, capacity 512 bits.
 *
 * Streaming use: keccak256_init, any number of keccak256_update, then
 * keccak256_final. The context is a plain value: copy it to snapshot a running
 * hash (the RLPx MACs do), and keccak256_final leaves it untouched so the
 * caller may keep absorbing after reading a digest. */
#ifndef DURE_CRYPTO_KECCAK_H
#define DURE_CRYPTO_KECCAK_H

#include <stddef.h>
#include <stdint.h>

typedef struct keccak_ctx {
	uint64_t st[25];  /* state lanes, little-endian byte order within a lane */
	size_t pos;       /* bytes absorbed into the current block (< 136) */
} keccak_ctx;

/* Starts a new hash in c. */
void keccak256_init(keccak_ctx *c);

/* Absorbs n bytes at p (p may be NULL when n is 0). */
void keccak256_update(keccak_ctx *c, const uint8_t *p, size_t n);

/* Writes the digest of everything absorbed so far to out; c is not modified. */
void keccak256_final(const keccak_ctx *c, uint8_t out[32]);

/* One-shot: out = keccak256(p[0..n)). out may alias p. */
void keccak256(const uint8_t *p, size_t n, uint8_t out[32]);

#endif
