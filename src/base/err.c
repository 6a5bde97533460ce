#include "base/err.h"

static const char *const messages[DURE_ERR_COUNT_] = {
	[DURE_OK] = "success",
	[DURE_ENOMEM] = "out of memory",
	[DURE_EINVAL] = "invalid argument",
	[DURE_EIO] = "input/output error",
	[DURE_ENOTFOUND] = "not found",
	[DURE_ERANGE] = "value out of range",
	[DURE_EHEX_ODD] = "hex: odd number of digits",
	[DURE_EHEX_DIGIT] = "hex: invalid digit",
	[DURE_EHEX_LENGTH] = "hex: wrong length",
	[DURE_EJSON] = "json: malformed or missing field",
	[DURE_ESIG] = "invalid signature",
	[DURE_EKEY] = "invalid key",
	[DURE_ERLP_TRUNCATED] = "rlp: length past end of input",
	[DURE_ERLP_SINGLE_BYTE] = "rlp: single byte below 0x80 wrapped as string",
	[DURE_ERLP_NONMINIMAL] = "rlp: non-minimal length prefix",
	[DURE_ERLP_LEN_ZERO] = "rlp: leading zero in length",
	[DURE_ERLP_TRAILING] = "rlp: trailing bytes",
	[DURE_ERLP_EXPECTED_LIST] = "rlp: expected list",
	[DURE_ERLP_EXPECTED_STRING] = "rlp: expected string",
	[DURE_ERLP_INT_ZERO] = "rlp: integer with leading zero",
	[DURE_ERLP_INT_SIZE] = "rlp: integer too large",
	[DURE_ERLP_SIZE] = "rlp: string of wrong size",
	[DURE_ERLP_DEPTH] = "rlp: nesting too deep",
	[DURE_ERLP_END] = "rlp: read past end of list",
	[DURE_ETX_TYPE] = "tx: unsupported transaction type",
	[DURE_ETX_FORMAT] = "tx: malformed transaction",
};

const char *dure_strerror(int err)
{
	if (err < 0 || err >= DURE_ERR_COUNT_ || !messages[err])
		return "unknown error";
	return messages[err];
}
