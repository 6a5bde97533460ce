/* Fuzz target for the bn254 precompile functions. The first byte picks the
 * operation, the rest is its input (zero-padded or cut to length):
 *   0: ECADD on raw bytes        1: ECMUL on raw bytes
 *   2: pairing check on raw bytes (at most 4 pairs)
 *   3: ECADD of k1*G and k2*G for two fuzzed scalars (valid points, so the
 *      arithmetic itself is reached), checked against ECMUL of k1 + k2
 * Every call must return an error or a result; ECADD must commute, and an
 * error must leave the output zeroed. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/bn254.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void take(uint8_t *dst, size_t n, const uint8_t *src, size_t avail)
{
	memset(dst, 0, n);
	memcpy(dst, src, avail < n ? avail : n);
}

static void check_add(const uint8_t in[128], uint8_t out[64])
{
	uint8_t swapped[128], out2[64];
	int err = bn254_add(in, out);
	memcpy(swapped, in + 64, 64);
	memcpy(swapped + 64, in, 64);
	int err2 = bn254_add(swapped, out2);
	if (err != err2 || memcmp(out, out2, 64) != 0)
		abort();
	if (err && memcmp(out, (uint8_t[64]){0}, 64) != 0)
		abort();
}

/* 32-byte big-endian a + b mod 2^256 */
static void add256(uint8_t r[32], const uint8_t a[32], const uint8_t b[32])
{
	unsigned carry = 0;
	for (int i = 31; i >= 0; i--) {
		unsigned s = (unsigned)a[i] + b[i] + carry;
		r[i] = (uint8_t)s;
		carry = s >> 8;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	uint8_t op = data[0] % 4;
	data++;
	size--;
	uint8_t in[128], out[64];
	switch (op) {
	case 0:
		take(in, 128, data, size);
		check_add(in, out);
		break;
	case 1:
		take(in, 96, data, size);
		if (bn254_mul(in, out) != DURE_OK &&
		    memcmp(out, (uint8_t[64]){0}, 64) != 0)
			abort();
		break;
	case 2: {
		size_t n = size - size % 192;
		if (n > 4 * 192)
			n = 4 * 192;
		bool ok = true;
		int err = bn254_pairing_check(data, n, &ok);
		if (err && ok)
			abort();
		break;
	}
	case 3: {
		/* scalars k1, k2 (64 bytes); G is (1, 2) */
		uint8_t k[64], m[96], sum[64];
		take(k, 64, data, size);
		memset(m, 0, 64);
		m[31] = 1;
		m[63] = 2;
		memcpy(m + 64, k, 32);
		if (bn254_mul(m, in) != DURE_OK)
			abort();
		memcpy(m + 64, k + 32, 32);
		if (bn254_mul(m, in + 64) != DURE_OK)
			abort();
		check_add(in, out);
		/* k1 G + k2 G = (k1 + k2) G, unless k1 + k2 wrapped past 2^256
		 * (2^256 is not a multiple of the group order) */
		add256(m + 64, k, k + 32);
		bool wrapped = memcmp(m + 64, k, 32) < 0;
		if (bn254_mul(m, sum) != DURE_OK)
			abort();
		if (!wrapped && memcmp(sum, out, 64) != 0)
			abort();
		break;
	}
	}
	return 0;
}
