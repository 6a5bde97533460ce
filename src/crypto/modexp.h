/* Big-integer modular exponentiation for the EIP-198 precompile (0x05),
 * backed by GMP. */
#ifndef DURE_CRYPTO_MODEXP_H
#define DURE_CRYPTO_MODEXP_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* Longest operand modexp takes, in bytes. GMP aborts the process when a number
 * outgrows its int-sized limb count, so we refuse well before that; the EVM's
 * gas rules keep real calls far below it. */
#define MODEXP_MAX_LEN ((size_t)1 << 28)

/* Writes base^exp mod mod, as mlen big-endian bytes, to out (left-padded with
 * zeros). The operands are big-endian byte strings of up to MODEXP_MAX_LEN
 * bytes (a length may be 0; a NULL pointer is allowed with length 0). When
 * mod is zero the result is all zeros, as EIP-198 specifies; 0^0 is 1.
 * out must not overlap the inputs. Time and memory grow with the lengths, so
 * the caller bounds them (the EVM charges gas first).
 * Returns 0, or DURE_ERANGE (out zeroed) when a length exceeds
 * MODEXP_MAX_LEN. */
DURE_WUR int modexp(const uint8_t *base, size_t blen, const uint8_t *exp,
                    size_t elen, const uint8_t *mod, size_t mlen, uint8_t *out);

#endif
