/* Error codes shared by every layer.
 *
 * Functions that can fail return one of these (0 is success) and write their
 * results through out-parameters. The set is one enum so that a code can travel
 * up through layers unchanged and still print a precise message.
 * Add new codes to the section of their module, and a message to err.c. */
#ifndef DURE_BASE_ERR_H
#define DURE_BASE_ERR_H

#define DURE_WUR __attribute__((warn_unused_result))

typedef enum dure_err {
	DURE_OK = 0,

	/* base */
	DURE_ENOMEM,          /* allocation failed */
	DURE_EINVAL,          /* invalid argument */
	DURE_EIO,             /* read or write failed */
	DURE_ENOTFOUND,       /* key or item not present */
	DURE_ERANGE,          /* value out of range for its destination */
	DURE_EHEX_ODD,        /* hex string has an odd number of digits */
	DURE_EHEX_DIGIT,      /* hex string has a non-hex character */
	DURE_EHEX_LENGTH,     /* hex string decodes to the wrong length */
	DURE_EJSON,           /* malformed JSON or missing field */

	/* crypto */
	DURE_ESIG,            /* signature invalid or not recoverable */
	DURE_EKEY,            /* private or public key invalid */

	/* rlp */
	DURE_ERLP_TRUNCATED,  /* a length runs past the end of the input */
	DURE_ERLP_SINGLE_BYTE,/* a single byte below 0x80 encoded as a string */
	DURE_ERLP_NONMINIMAL, /* long form used for a short payload */
	DURE_ERLP_LEN_ZERO,   /* length of length has a leading zero byte */
	DURE_ERLP_TRAILING,   /* bytes left after the item or list */
	DURE_ERLP_EXPECTED_LIST,
	DURE_ERLP_EXPECTED_STRING,
	DURE_ERLP_INT_ZERO,   /* integer with a leading zero byte */
	DURE_ERLP_INT_SIZE,   /* integer too large for its type */
	DURE_ERLP_SIZE,       /* string of the wrong fixed size */
	DURE_ERLP_DEPTH,      /* nesting deeper than the decoder allows */
	DURE_ERLP_END,        /* read past the end of a list */

	/* chain / transactions */
	DURE_ETX_TYPE,        /* unknown or unsupported transaction type */
	DURE_ETX_FORMAT,      /* wrong number or shape of fields */

	DURE_ERR_COUNT_
} dure_err;

/* Returns a static, human-readable message for err (never NULL). */
const char *dure_strerror(int err);

#endif
