#include "node/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/err.h"

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

static int make_one(const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0)
		return S_ISDIR(st.st_mode) ? DURE_OK : DURE_EIO;
	return mkdir(path, 0700) == 0 || errno == EEXIST ? DURE_OK : DURE_EIO;
}

int cli_make_dirs(const char *path)
{
	char tmp[4096];
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof tmp)
		return DURE_EINVAL;
	memcpy(tmp, path, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		int err = make_one(tmp);
		*p = '/';
		if (err)
			return err;
	}
	return make_one(tmp);
}
