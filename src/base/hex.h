/* Strict hexadecimal encoding and decoding.
 *
 * Decoders accept an optional "0x"/"0X" prefix, and nothing else: an odd
 * number of digits or any non-hex character is an error, never truncated. */
#ifndef DURE_BASE_HEX_H
#define DURE_BASE_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

/* Value of one hex digit (either case), or -1 for any other character. */
int hex_digit(char c);

/* Decodes s[0..slen) and appends the bytes to out.
 * Returns DURE_OK, DURE_EHEX_ODD, DURE_EHEX_DIGIT or DURE_ENOMEM; on error
 * out keeps its previous length. */
DURE_WUR int hex_decode(const char *s, size_t slen, buf *out);

/* Decodes NUL-terminated s into exactly outlen bytes.
 * Returns DURE_OK, DURE_EHEX_ODD, DURE_EHEX_DIGIT, or DURE_EHEX_LENGTH when
 * the digits do not make exactly outlen bytes. On error out is zeroed. */
DURE_WUR int hex_decode_exact(const char *s, uint8_t *out, size_t outlen);

/* Writes 2n lowercase digits and a NUL to out (room for 2n+1 bytes). */
void hex_encode(const uint8_t *p, size_t n, char *out);

/* Returns a malloc'd "0x"-prefixed lowercase string, or NULL if out of
 * memory. The caller frees it. */
char *hex_encode_0x(const uint8_t *p, size_t n);

#endif
