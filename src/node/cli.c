#include "node/cli.h"

#include <errno.h>
#include <stdlib.h>

bool cli_parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	if (*s < '0' || *s > '9')
		return false;
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (*end || errno == ERANGE || v > max)
		return false;
	*out = v;
	return true;
}
