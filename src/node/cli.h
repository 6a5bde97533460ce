/* Helpers shared by the subcommands' option parsing. */
#ifndef DURE_NODE_CLI_H
#define DURE_NODE_CLI_H

#include <stdbool.h>

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

#endif
