/* The BLAKE2b compression function F (RFC 7693 section 3.2) with a
 * caller-chosen number of rounds, as exposed by the EIP-152 precompile
 * (0x09). */
#ifndef DURE_CRYPTO_BLAKE2F_H
#define DURE_CRYPTO_BLAKE2F_H

#include <stdbool.h>
#include <stdint.h>

/* Compresses message block m into state h in place, with offset counter t
 * and final-block flag last, running `rounds` rounds (0 is allowed: then only
 * the feed-forward is applied). Words are host integers; the EIP-152 caller
 * converts from its little-endian encoding. Cost is linear in rounds, so the
 * caller charges gas first. */
void blake2f(uint32_t rounds, uint64_t h[8], const uint64_t m[16],
             const uint64_t t[2], bool last);

#endif
