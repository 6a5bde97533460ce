#include "node/cli.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/hex.h"

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

/* One item of a --unlock list, s[0..n) without blanks: geth's order, an
 * address before an index, so 40 decimal digits are an address. */
static bool parse_account(const char *s, size_t n, cli_account_ref *out)
{
	char item[64];
	if (n >= sizeof item)
		return false;
	memcpy(item, s, n);
	item[n] = 0;
	*out = (cli_account_ref){0};
	bool prefixed = n >= 2 && item[0] == '0' &&
	                (item[1] == 'x' || item[1] == 'X');
	if (n - (prefixed ? 2 : 0) == 40 &&
	    hex_decode_exact(item, out->addr.b, sizeof out->addr.b) == 0)
		return true;
	out->is_index = true;
	return cli_parse_ulong(item, ULONG_MAX, &out->index);
}

int cli_parse_accounts(const char *list, cli_account_ref *out, size_t max,
                       size_t *n)
{
	size_t got = 0;
	int err = DURE_OK;
	*n = 0;
	for (const char *p = list; !err; p++) {
		size_t len = strcspn(p, ",");
		const char *a = p, *b = p + len;
		while (a < b && isspace((unsigned char)*a))
			a++;
		while (b > a && isspace((unsigned char)b[-1]))
			b--;
		if (b > a && got == max)
			err = DURE_ERANGE;
		else if (b > a && !parse_account(a, (size_t)(b - a), &out[got++]))
			err = DURE_EINVAL;
		p += len;
		if (!*p)
			break;
	}
	if (!err && !got)
		err = DURE_EINVAL;
	if (err) {
		memset(out, 0, got * sizeof *out);
		return err;
	}
	*n = got;
	return DURE_OK;
}

bool cli_ip_is_loopback(const char *ip)
{
	static const uint8_t v6_loopback[16] = {[15] = 1};
	static const uint8_t v4_mapped[12] = {[10] = 0xff, [11] = 0xff};
	uint8_t a[16];
	if (inet_pton(AF_INET, ip, a) == 1)
		return a[0] == 127;
	if (inet_pton(AF_INET6, ip, a) != 1)
		return false;
	return !memcmp(a, v6_loopback, sizeof a) ||
	       (!memcmp(a, v4_mapped, sizeof v4_mapped) && a[12] == 127);
}

size_t cli_password_line(const char *text, size_t len, size_t i,
                         const char **line, size_t *line_len)
{
	size_t start = 0;
	for (size_t k = 0;; k++) {
		const char *nl = memchr(text + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - text) : len;
		if (k == i || !nl || end + 1 == len) {
			if (end > start && text[end - 1] == '\r')
				end--;
			*line = text + start;
			*line_len = end - start;
			return k;
		}
		start = end + 1;
	}
}
