#include "base/hex.h"

#include <stdlib.h>
#include <string.h>

int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void strip_prefix(const char **s, size_t *slen)
{
	if (*slen >= 2 && (*s)[0] == '0' && ((*s)[1] == 'x' || (*s)[1] == 'X')) {
		*s += 2;
		*slen -= 2;
	}
}

/* Decodes an even number of digits into out[0..slen/2). */
static int decode_into(const char *s, size_t slen, uint8_t *out)
{
	if (slen % 2)
		return DURE_EHEX_ODD;
	for (size_t i = 0; i < slen; i += 2) {
		int hi = hex_digit(s[i]), lo = hex_digit(s[i + 1]);
		if (hi < 0 || lo < 0)
			return DURE_EHEX_DIGIT;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return DURE_OK;
}

int hex_decode(const char *s, size_t slen, buf *out)
{
	strip_prefix(&s, &slen);
	if (slen % 2)
		return DURE_EHEX_ODD;
	int err = buf_reserve(out, slen / 2);
	if (err)
		return err;
	err = decode_into(s, slen, out->data ? out->data + out->len : NULL);
	if (err)
		return err;
	out->len += slen / 2;
	return DURE_OK;
}

int hex_decode_exact(const char *s, uint8_t *out, size_t outlen)
{
	size_t slen = strlen(s);
	strip_prefix(&s, &slen);
	int err = DURE_OK;
	if (slen % 2)
		err = DURE_EHEX_ODD;
	else if (slen / 2 != outlen)
		err = DURE_EHEX_LENGTH;
	else
		err = decode_into(s, slen, out);
	if (err)
		memset(out, 0, outlen);
	return err;
}

void hex_encode(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

char *hex_encode_0x(const uint8_t *p, size_t n)
{
	if (n > (SIZE_MAX - 3) / 2)
		return NULL;
	char *s = malloc(2 * n + 3);
	if (!s)
		return NULL;
	s[0] = '0';
	s[1] = 'x';
	hex_encode(p, n, s + 2);
	return s;
}
