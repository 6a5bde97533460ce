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

bool cli_parse_seconds_ms(const char *s, unsigned long max_ms,
                          unsigned long *out)
{
	char whole[24];
	const char *dot = strchr(s, '.');
	size_t wn = dot ? (size_t)(dot - s) : strlen(s);
	unsigned long sec, frac = 0;
	if (wn == 0 || wn >= sizeof whole)
		return false;
	memcpy(whole, s, wn);
	whole[wn] = 0;
	if (!cli_parse_ulong(whole, max_ms / 1000, &sec))
		return false;
	if (dot) {
		size_t fn = strlen(dot + 1);
		if (fn == 0 || fn > 3 || !cli_parse_ulong(dot + 1, 999, &frac))
			return false;
		for (; fn < 3; fn++)
			frac *= 10;
	}
	if (sec * 1000 + frac > max_ms)
		return false;
	*out = sec * 1000 + frac;
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
