/* Helpers shared by the subcommands' option parsing. */
#ifndef DURE_NODE_CLI_H
#define DURE_NODE_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "base/bytes.h"
#include "base/err.h"

/* Parses a decimal number with nothing before or after it (no sign, no
 * spaces) into *out. Returns false, leaving *out alone, when s is not such
 * a number or is above max. */
bool cli_parse_ulong(const char *s, unsigned long max, unsigned long *out);

/* Parses seconds as a decimal with at most three digits after a point
 * ("1", "0.5", "2.250") into milliseconds. Returns false, leaving *out
 * alone, for anything else or above max_ms. */
bool cli_parse_seconds_ms(const char *s, unsigned long max_ms,
                          unsigned long *out);

/* mkdir -p: creates path and its missing parents with mode 0700 (a data
 * directory holds keys). Returns 0 (also when it exists as a directory),
 * DURE_EINVAL (empty or too long), or DURE_EIO (a part exists and is not
 * a directory, or mkdir failed). */
int cli_make_dirs(const char *path);

/* An item of --unlock: an address, or an index into the keystore's
 * accounts in the order `dure account list` numbers them. */
typedef struct cli_account_ref {
	bool is_index;
	unsigned long index;
	address addr;
} cli_account_ref;

/* Parses a comma-separated list of accounts as geth's --unlock takes it:
 * each item 40 hex digits (an address, "0x" optional) or else a decimal
 * index, blanks around an item and empty items ignored. Writes the items,
 * in order, to out[0..*n). Returns 0, DURE_EINVAL (an item that is
 * neither, or no item at all) or DURE_ERANGE (more than max items); *n is
 * 0 on failure. */
DURE_WUR int cli_parse_accounts(const char *list, cli_account_ref *out,
                                size_t max, size_t *n);

/* Whether ip, an IPv4 or IPv6 literal, can only be reached from this host
 * (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104). Anything else, a literal that
 * does not parse included, is false. */
bool cli_ip_is_loopback(const char *ip);

/* The password of the i-th account in a password file's text[0..len), by
 * geth's rule: line i, or the last line when there are fewer, so that one
 * line serves every account. Lines end at "\n" (one at the very end ends
 * the last line, it does not start an empty one) and lose a trailing
 * "\r"; an empty text is one empty line. Points *line into text, *line_len
 * bytes long, and returns the line's number from 0. */
size_t cli_password_line(const char *text, size_t len, size_t i,
                         const char **line, size_t *line_len);

#endif
