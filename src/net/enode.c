/* Node identity: nodekey file and enode URLs (see enode.h). */
#include "net/enode.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "base/hex.h"
#include "crypto/secp.h"

#define ENODE_PREFIX "enode://"
#define DISCPORT_PREFIX "?discport="

/* Reads a decimal port from s[0..n): digits only, no leading zero, at most
 * 65535, and at least `min`. */
static bool parse_port(const char *s, size_t n, unsigned min, uint16_t *out)
{
	if (n == 0 || n > 5 || (n > 1 && s[0] == '0'))
		return false;
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > 65535 || v < min)
		return false;
	*out = (uint16_t)v;
	return true;
}

static int parse_host(const char *h, size_t n, net_endpoint *ep)
{
	char tmp[INET6_ADDRSTRLEN + 1];
	if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
		if (n - 2 >= sizeof tmp)
			return DURE_EENODE;
		memcpy(tmp, h + 1, n - 2);
		tmp[n - 2] = 0;
		if (inet_pton(AF_INET6, tmp, ep->ip) != 1)
			return DURE_EENODE;
		ep->ip_len = 16;
		return 0;
	}
	if (n >= sizeof tmp)
		return DURE_EENODE;
	memcpy(tmp, h, n);
	tmp[n] = 0;
	if (inet_pton(AF_INET, tmp, ep->ip) != 1)
		return DURE_EENODE;
	ep->ip_len = 4;
	return 0;
}

static int parse_url(const char *url, enode *out)
{
	size_t plen = strlen(ENODE_PREFIX);
	if (strncmp(url, ENODE_PREFIX, plen) != 0)
		return DURE_EENODE;
	const char *id = url + plen;
	const char *at = strchr(id, '@');
	if (!at || at - id != 128)
		return DURE_EENODE;
	char idhex[129];
	memcpy(idhex, id, 128);
	idhex[128] = 0;
	if (idhex[0] == '0' && (idhex[1] == 'x' || idhex[1] == 'X'))
		return DURE_EENODE;
	if (hex_decode_exact(idhex, out->id, 64))
		return DURE_EENODE;
	uint8_t sec1[65], pub[64];
	sec1[0] = 4;
	memcpy(sec1 + 1, out->id, 64);
	if (secp_pubkey_parse(sec1, 65, pub))
		return DURE_EKEY;

	const char *host = at + 1;
	const char *q = strchr(host, '?');
	const char *end = q ? q : host + strlen(host);
	/* The port follows the last colon; an IPv6 literal's colons sit inside
	 * brackets before it. */
	const char *colon = NULL;
	for (const char *p = end; p > host; p--) {
		if (p[-1] == ':') {
			colon = p - 1;
			break;
		}
		if (p[-1] == ']')
			break;
	}
	if (!colon)
		return DURE_EENODE;
	int err = parse_host(host, (size_t)(colon - host), &out->ep);
	if (err)
		return err;
	if (!parse_port(colon + 1, (size_t)(end - colon - 1), 0, &out->ep.tcp))
		return DURE_EENODE;
	out->ep.udp = out->ep.tcp;
	if (q) {
		size_t dlen = strlen(DISCPORT_PREFIX);
		if (strncmp(q, DISCPORT_PREFIX, dlen) != 0)
			return DURE_EENODE;
		if (!parse_port(q + dlen, strlen(q + dlen), 1, &out->ep.udp))
			return DURE_EENODE;
	}
	return 0;
}

int enode_parse(const char *url, enode *out)
{
	memset(out, 0, sizeof *out);
	int err = url ? parse_url(url, out) : DURE_EENODE;
	if (err)
		memset(out, 0, sizeof *out);
	return err;
}

int enode_format(const enode *n, char *out, size_t cap)
{
	if (cap)
		out[0] = 0;
	char ip[INET6_ADDRSTRLEN];
	if (n->ep.ip_len == 4)
		inet_ntop(AF_INET, n->ep.ip, ip, sizeof ip);
	else if (n->ep.ip_len == 16)
		inet_ntop(AF_INET6, n->ep.ip, ip, sizeof ip);
	else
		return DURE_EINVAL;
	char idhex[129];
	hex_encode(n->id, 64, idhex);
	const char *lb = n->ep.ip_len == 16 ? "[" : "";
	const char *rb = n->ep.ip_len == 16 ? "]" : "";
	int w;
	if (n->ep.udp == n->ep.tcp)
		w = snprintf(out, cap, "%s%s@%s%s%s:%u", ENODE_PREFIX, idhex, lb, ip,
		             rb, n->ep.tcp);
	else
		w = snprintf(out, cap, "%s%s@%s%s%s:%u%s%u", ENODE_PREFIX, idhex, lb,
		             ip, rb, n->ep.tcp, DISCPORT_PREFIX, n->ep.udp);
	if (w < 0 || (size_t)w >= cap) {
		if (cap)
			out[0] = 0;
		return DURE_ERANGE;
	}
	return 0;
}

bool net_is_loopback(const net_endpoint *ep)
{
	static const uint8_t v6_loop[16] = {[15] = 1};
	if (ep->ip_len == 4)
		return ep->ip[0] == 127;
	return ep->ip_len == 16 && memcmp(ep->ip, v6_loop, 16) == 0;
}

bool net_ip_eq(const net_endpoint *a, const net_endpoint *b)
{
	return a->ip_len == b->ip_len && memcmp(a->ip, b->ip, a->ip_len) == 0;
}

/* Longest nodekey file we read: 64 digits, "0x", whitespace. */
#define NODEKEY_FILE_MAX 128

int nodekey_load(const char *path, uint8_t seckey[32])
{
	memset(seckey, 0, 32);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? DURE_ENOTFOUND : DURE_EIO;
	char text[NODEKEY_FILE_MAX + 1];
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, text + n, sizeof text - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			close(fd);
			return DURE_EIO;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == sizeof text)
			break;
	}
	close(fd);
	if (n > NODEKEY_FILE_MAX)
		return DURE_ENODEKEY;
	size_t b = 0, e = n;
	while (b < e && (text[b] == ' ' || text[b] == '\t' || text[b] == '\n' ||
	                 text[b] == '\r'))
		b++;
	while (e > b && (text[e - 1] == ' ' || text[e - 1] == '\t' ||
	                 text[e - 1] == '\n' || text[e - 1] == '\r'))
		e--;
	text[e] = 0;
	uint8_t pub[64];
	int err = DURE_ENODEKEY;
	if (hex_decode_exact(text + b, seckey, 32) == 0 &&
	    secp_pubkey_create(seckey, pub) == 0)
		err = 0;
	memset(text, 0, sizeof text);
	if (err)
		memset(seckey, 0, 32);
	return err;
}

static int fill_random(uint8_t *p, size_t n)
{
	while (n) {
		ssize_t r = getrandom(p, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return DURE_EIO;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int nodekey_create(const char *path, uint8_t seckey[32])
{
	uint8_t pub[64];
	do {
		if (fill_random(seckey, 32))
			return DURE_EIO;
	} while (secp_pubkey_create(seckey, pub) != 0);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return DURE_EIO;
	char text[65];
	hex_encode(seckey, 32, text);
	size_t off = 0;
	int err = 0;
	while (off < 64) {
		ssize_t w = write(fd, text + off, 64 - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err = DURE_EIO;
			break;
		}
		off += (size_t)w;
	}
	memset(text, 0, sizeof text);
	if (!err && fsync(fd) != 0)
		err = DURE_EIO;
	if (close(fd) != 0 && !err)
		err = DURE_EIO;
	if (err)
		unlink(path);
	return err;
}

int nodekey_load_or_create(const char *datadir, uint8_t seckey[32])
{
	char path[4096];
	int w = snprintf(path, sizeof path, "%s/nodekey", datadir);
	memset(seckey, 0, 32);
	if (w < 0 || (size_t)w >= sizeof path)
		return DURE_EINVAL;
	int err = nodekey_load(path, seckey);
	if (err != DURE_ENOTFOUND)
		return err;
	err = nodekey_create(path, seckey);
	/* Another process may have created the file between our read and
	 * O_EXCL: use its key rather than fail. */
	if (err == DURE_EIO && errno == EEXIST)
		err = nodekey_load(path, seckey);
	if (err)
		memset(seckey, 0, 32);
	return err;
}
