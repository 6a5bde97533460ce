/* Ethereum Node Records, "v4" identity scheme (see enr.h).
 *
 *   record  = rlp([signature, seq, k1, v1, k2, v2, ...])      <= 300 bytes
 *   content = rlp([seq, k1, v1, k2, v2, ...])
 *   signature = r || s (64 bytes) of secp256k1 over keccak256(content)
 *
 * The content list is rebuilt from the record's own bytes (everything after
 * the signature item) under a new list header, so the hash covers exactly
 * what the signer encoded, unknown pairs included. */
#include "net/enr.h"

#include <string.h>

#include "base/buf.h"
#include "crypto/keccak.h"
#include "crypto/secp.h"
#include "rlp/rlp.h"

static bool key_is(const uint8_t *k, size_t kn, const char *name)
{
	size_t n = strlen(name);
	return kn == n && memcmp(k, name, n) == 0;
}

/* Byte-wise order, a prefix before its extensions. */
static int key_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	if (c)
		return c;
	return an < bn ? -1 : an > bn;
}

/* keccak256(rlp_list(content bytes)) */
static int content_hash(const uint8_t *content, size_t n, uint8_t hash[32])
{
	buf b = BUF_INIT;
	size_t m = rlp_list_begin(&b);
	rlp_put_raw(&b, content, n);
	rlp_list_end(&b, m);
	if (buf_failed(&b)) {
		buf_free(&b);
		return DURE_ENOMEM;
	}
	keccak256(b.data, b.len, hash);
	buf_free(&b);
	return 0;
}

static bool read_port(rlp_cur *c, uint16_t *port)
{
	uint64_t v = rlp_cur_u64(c);
	if (c->err || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

/* Reads the pairs after seq; fills the known fields of r. */
static int read_pairs(rlp_cur *l, enr *r, uint8_t sec1[33], bool *has_key)
{
	const uint8_t *prev = NULL;
	size_t prevn = 0;
	bool has_id = false;
	while (!rlp_cur_at_end(l)) {
		const uint8_t *k;
		size_t kn;
		rlp_cur_bytes(l, &k, &kn);
		if (l->err || rlp_cur_at_end(l))
			return DURE_EENR;
		if (prev && key_cmp(prev, prevn, k, kn) >= 0)
			return DURE_EENR;
		prev = k;
		prevn = kn;
		bool ok = true;
		if (key_is(k, kn, "id")) {
			const uint8_t *v;
			size_t vn;
			rlp_cur_bytes(l, &v, &vn);
			ok = !l->err && vn == 2 && memcmp(v, "v4", 2) == 0;
			has_id = true;
		} else if (key_is(k, kn, "secp256k1")) {
			rlp_cur_fixed(l, sec1, 33);
			*has_key = true;
		} else if (key_is(k, kn, "ip")) {
			rlp_cur_fixed(l, r->ip4, 4);
			r->has_ip4 = true;
		} else if (key_is(k, kn, "ip6")) {
			rlp_cur_fixed(l, r->ip6, 16);
			r->has_ip6 = true;
		} else if (key_is(k, kn, "tcp")) {
			ok = read_port(l, &r->tcp);
		} else if (key_is(k, kn, "udp")) {
			ok = read_port(l, &r->udp);
		} else if (key_is(k, kn, "tcp6")) {
			ok = read_port(l, &r->tcp6);
		} else if (key_is(k, kn, "udp6")) {
			ok = read_port(l, &r->udp6);
		} else {
			rlp_cur_skip(l);
		}
		if (!ok || l->err)
			return DURE_EENR;
	}
	return has_id ? 0 : DURE_EENR;
}

static int verify(const uint8_t hash[32], const uint8_t sig[64],
                  const uint8_t pub[64])
{
	if (!secp_s_is_low(sig + 32))
		return DURE_ESIG;
	for (int recid = 0; recid < 4; recid++) {
		uint8_t got[64];
		if (secp_recover(hash, sig, recid, got) == 0 &&
		    memcmp(got, pub, 64) == 0)
			return 0;
	}
	return DURE_ESIG;
}

static int decode(const uint8_t *p, size_t n, enr *r)
{
	if (n > ENR_MAX_SIZE)
		return DURE_EENR;
	rlp_cur c, l;
	rlp_cur_init(&c, p, n);
	rlp_cur_list(&c, &l);
	if (rlp_cur_finish(&c))
		return DURE_EENR;
	uint8_t sig[64];
	rlp_cur_fixed(&l, sig, 64);
	const uint8_t *content = l.p;
	size_t content_len = (size_t)(l.end - l.p);
	r->seq = rlp_cur_u64(&l);
	if (l.err)
		return DURE_EENR;
	uint8_t sec1[33];
	bool has_key = false;
	int err = read_pairs(&l, r, sec1, &has_key);
	if (err)
		return err;
	if (!has_key || secp_pubkey_parse(sec1, 33, r->pub))
		return DURE_EENR;
	uint8_t hash[32];
	err = content_hash(content, content_len, hash);
	if (err)
		return err;
	err = verify(hash, sig, r->pub);
	if (err)
		return err;
	memcpy(r->raw, p, n);
	r->raw_len = n;
	return 0;
}

int enr_decode(const uint8_t *p, size_t n, enr *out)
{
	memset(out, 0, sizeof *out);
	int err = decode(p, n, out);
	if (err)
		memset(out, 0, sizeof *out);
	return err;
}

static void put_str(buf *b, const char *s)
{
	rlp_put_bytes(b, (const uint8_t *)s, strlen(s));
}

/* Appends seq and the sorted pairs for ep and pub. */
static void put_content(buf *b, uint64_t seq, const net_endpoint *ep,
                        const uint8_t sec1[33])
{
	rlp_put_u64(b, seq);
	put_str(b, "id");
	put_str(b, "v4");
	if (ep->ip_len == 4) {
		put_str(b, "ip");
		rlp_put_bytes(b, ep->ip, 4);
	} else if (ep->ip_len == 16) {
		put_str(b, "ip6");
		rlp_put_bytes(b, ep->ip, 16);
	}
	put_str(b, "secp256k1");
	rlp_put_bytes(b, sec1, 33);
	if (ep->tcp) {
		put_str(b, "tcp");
		rlp_put_u64(b, ep->tcp);
	}
	if (ep->udp) {
		put_str(b, "udp");
		rlp_put_u64(b, ep->udp);
	}
}

static int build(const uint8_t seckey[32], uint64_t seq,
                 const net_endpoint *ep, enr *out)
{
	uint8_t pub[64], sec1[33];
	int err = secp_pubkey_create(seckey, pub);
	if (err)
		return err;
	secp_pubkey_compress(pub, sec1);

	buf content = BUF_INIT, rec = BUF_INIT;
	size_t m = rlp_list_begin(&content);
	put_content(&content, seq, ep, sec1);
	rlp_list_end(&content, m);
	err = buf_failed(&content) ? DURE_ENOMEM : 0;
	uint8_t hash[32], sig[64];
	int recid;
	if (!err) {
		keccak256(content.data, content.len, hash);
		err = secp_sign(seckey, hash, sig, &recid);
	}
	if (!err) {
		m = rlp_list_begin(&rec);
		rlp_put_bytes(&rec, sig, 64);
		put_content(&rec, seq, ep, sec1);
		rlp_list_end(&rec, m);
		if (buf_failed(&rec))
			err = DURE_ENOMEM;
		else if (rec.len > ENR_MAX_SIZE)
			err = DURE_EENR;
	}
	if (!err)
		err = enr_decode(rec.data, rec.len, out);
	buf_free(&content);
	buf_free(&rec);
	return err;
}

int enr_build(const uint8_t seckey[32], uint64_t seq, const net_endpoint *ep,
              enr *out)
{
	memset(out, 0, sizeof *out);
	int err = build(seckey, seq, ep, out);
	if (err)
		memset(out, 0, sizeof *out);
	return err;
}

static const char b64url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int enr_to_text(const enr *r, char *out, size_t cap)
{
	size_t need = 4 + (r->raw_len * 4 + 2) / 3 + 1;
	if (cap < need) {
		if (cap)
			out[0] = 0;
		return DURE_ERANGE;
	}
	memcpy(out, "enr:", 4);
	size_t o = 4;
	for (size_t i = 0; i < r->raw_len; i += 3) {
		uint32_t v = (uint32_t)r->raw[i] << 16;
		size_t left = r->raw_len - i;
		if (left > 1)
			v |= (uint32_t)r->raw[i + 1] << 8;
		if (left > 2)
			v |= r->raw[i + 2];
		out[o++] = b64url[(v >> 18) & 63];
		out[o++] = b64url[(v >> 12) & 63];
		if (left > 1)
			out[o++] = b64url[(v >> 6) & 63];
		if (left > 2)
			out[o++] = b64url[v & 63];
	}
	out[o] = 0;
	return 0;
}

static int b64_digit(char ch)
{
	const char *p = ch ? strchr(b64url, ch) : NULL;
	return p ? (int)(p - b64url) : -1;
}

int enr_from_text(const char *text, enr *out)
{
	memset(out, 0, sizeof *out);
	if (strncmp(text, "enr:", 4) != 0)
		return DURE_EENR;
	const char *s = text + 4;
	size_t n = strlen(s);
	if (n % 4 == 1 || n > (ENR_MAX_SIZE * 4 + 2) / 3)
		return DURE_EENR;
	uint8_t raw[ENR_MAX_SIZE + 2];
	size_t o = 0;
	uint32_t acc = 0;
	unsigned bits = 0;
	for (size_t i = 0; i < n; i++) {
		int d = b64_digit(s[i]);
		if (d < 0)
			return DURE_EENR;
		acc = (acc << 6) | (uint32_t)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			raw[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* Leftover bits must be zero padding, so each record has one text. */
	if (acc != 0)
		return DURE_EENR;
	return enr_decode(raw, o, out);
}

int enr_enode(const enr *r, enode *out)
{
	memset(out, 0, sizeof *out);
	memcpy(out->id, r->pub, 64);
	if (r->has_ip4 && r->udp) {
		memcpy(out->ep.ip, r->ip4, 4);
		out->ep.ip_len = 4;
		out->ep.udp = r->udp;
		out->ep.tcp = r->tcp;
		return 0;
	}
	if (r->has_ip6 && (r->udp6 || r->udp)) {
		memcpy(out->ep.ip, r->ip6, 16);
		out->ep.ip_len = 16;
		out->ep.udp = r->udp6 ? r->udp6 : r->udp;
		out->ep.tcp = r->tcp6 ? r->tcp6 : r->tcp;
		return 0;
	}
	memset(out, 0, sizeof *out);
	return DURE_ENOTFOUND;
}
