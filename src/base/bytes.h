/* Fixed-size byte values used across layers: 32-byte hashes and 20-byte
 * account addresses. Plain structs so they copy by value and compare with
 * memcmp. */
#ifndef DURE_BASE_BYTES_H
#define DURE_BASE_BYTES_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef struct h256 { uint8_t b[32]; } h256;
typedef struct address { uint8_t b[20]; } address;

static inline bool h256_eq(const h256 *a, const h256 *b)
{
	return memcmp(a->b, b->b, 32) == 0;
}

static inline bool address_eq(const address *a, const address *b)
{
	return memcmp(a->b, b->b, 20) == 0;
}

#endif
