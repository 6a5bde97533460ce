/* RLP encoding and strict decoding.
 *
 * An item is a string (bytes) or a list (of items). The first byte says
 * which, and how long:
 *
 *   first byte   item                           layout
 *   0x00..0x7f   string of that one byte        [b]
 *   0x80..0xb7   string of 0..55 bytes          [0x80+len] [payload]
 *   0xb8..0xbf   string of 56+ bytes            [0xb7+ll] [len: ll bytes BE] [payload]
 *   0xc0..0xf7   list, payload 0..55 bytes      [0xc0+len] [items...]
 *   0xf8..0xff   list, payload 56+ bytes        [0xf7+ll] [len: ll bytes BE] [items...]
 *
 * Integers are strings holding the minimal big-endian bytes: 0 is the empty
 * string 0x80, 15 is 0x0f, 1024 is 0x82 0x04 0x00.
 *
 * Canonical form, enforced by the decoder: a single byte below 0x80 is never
 * wrapped (0x81 0x05 is invalid), the long form is used only for 56+ bytes,
 * a length has no leading zero byte, an integer has no leading zero byte,
 * and nothing follows the last item. */
#include "rlp/rlp.h"

#include <string.h>

/* One parsed item header. */
typedef struct rlp_item {
	bool list;
	const uint8_t *start;    /* first header byte */
	const uint8_t *payload;
	size_t plen;
	size_t total;            /* header + payload */
} rlp_item;

/* Parses the header at p, with avail bytes readable. Every length is
 * compared against what is left rather than added to a pointer, so a huge
 * length cannot wrap around. */
static int parse_item(const uint8_t *p, size_t avail, rlp_item *it)
{
	memset(it, 0, sizeof *it);
	if (avail == 0)
		return DURE_ERLP_END;
	uint8_t b = p[0];
	size_t hlen, len;
	bool list = b >= 0xc0;
	if (b < 0x80) {
		it->start = it->payload = p;
		it->plen = it->total = 1;
		return DURE_OK;
	}
	uint8_t base = list ? 0xc0 : 0x80;
	if (b - base <= 55) {
		hlen = 1;
		len = (size_t)(b - base);
		if (len > avail - 1)
			return DURE_ERLP_TRUNCATED;
		if (!list && len == 1 && p[1] < 0x80)
			return DURE_ERLP_SINGLE_BYTE;
	} else {
		size_t ll = (size_t)(b - base - 55);
		if (ll > avail - 1)
			return DURE_ERLP_TRUNCATED;
		if (p[1] == 0)
			return DURE_ERLP_LEN_ZERO;
		if (ll > sizeof(size_t))
			return DURE_ERLP_TRUNCATED;
		len = 0;
		for (size_t i = 0; i < ll; i++)
			len = (len << 8) | p[1 + i];
		if (len < 56)
			return DURE_ERLP_NONMINIMAL;
		hlen = 1 + ll;
		if (len > avail - hlen)
			return DURE_ERLP_TRUNCATED;
	}
	it->list = list;
	it->start = p;
	it->payload = p + hlen;
	it->plen = len;
	it->total = hlen + len;
	return DURE_OK;
}

/* Encoding */

static void put_header(buf *b, uint8_t base, size_t len)
{
	uint8_t hdr[1 + sizeof(size_t)];
	size_t n = 0;
	if (len < 56) {
		hdr[n++] = (uint8_t)(base + len);
	} else {
		size_t ll = 0;
		for (size_t v = len; v; v >>= 8)
			ll++;
		hdr[n++] = (uint8_t)(base + 55 + ll);
		for (size_t i = ll; i-- > 0;)
			hdr[n++] = (uint8_t)(len >> (8 * i));
	}
	buf_append(b, hdr, n);
}

void rlp_put_bytes(buf *b, const uint8_t *p, size_t n)
{
	if (n == 1 && p[0] < 0x80) {
		buf_push(b, p[0]);
		return;
	}
	put_header(b, 0x80, n);
	buf_append(b, p, n);
}

void rlp_put_u64(buf *b, uint64_t v)
{
	uint8_t be[8];
	size_t n = 0;
	for (int i = 7; i >= 0; i--) {
		uint8_t byte = (uint8_t)(v >> (8 * i));
		if (n || byte)
			be[n++] = byte;
	}
	rlp_put_bytes(b, be, n);
}

void rlp_put_u256(buf *b, const u256 *v)
{
	uint8_t be[32];
	size_t n = 0;
	for (int i = 31; i >= 0; i--) {
		uint8_t byte = (uint8_t)(v->w[i / 8] >> (8 * (i % 8)));
		if (n || byte)
			be[n++] = byte;
	}
	rlp_put_bytes(b, be, n);
}

void rlp_put_raw(buf *b, const uint8_t *p, size_t n)
{
	buf_append(b, p, n);
}

size_t rlp_list_begin(buf *b)
{
	return b->len;
}

void rlp_list_end(buf *b, size_t mark)
{
	if (b->failed || mark > b->len)
		return;
	/* Encode the header at the end, then rotate it into place. */
	size_t len = b->len - mark;
	size_t at = b->len;
	put_header(b, 0xc0, len);
	if (b->failed)
		return;
	uint8_t hdr[1 + sizeof(size_t)];
	size_t hl = b->len - at;
	memcpy(hdr, b->data + at, hl);
	b->len = at;
	buf_insert(b, mark, hdr, hl);
}

/* Decoding */

static void cur_fail(rlp_cur *c, int err)
{
	if (!c->err)
		c->err = err;
	c->p = c->end;
}

/* Takes the next item into *it; false (with it zeroed) if it cannot. */
static bool cur_next(rlp_cur *c, rlp_item *it)
{
	if (c->err) {
		memset(it, 0, sizeof *it);
		return false;
	}
	int err = parse_item(c->p, (size_t)(c->end - c->p), it);
	if (err) {
		cur_fail(c, err);
		return false;
	}
	c->p += it->total;
	return true;
}

/* Takes the next item, which must be a string. */
static bool cur_string(rlp_cur *c, rlp_item *it)
{
	if (!cur_next(c, it))
		return false;
	if (it->list) {
		cur_fail(c, DURE_ERLP_EXPECTED_STRING);
		memset(it, 0, sizeof *it);
		return false;
	}
	return true;
}

void rlp_cur_init(rlp_cur *c, const uint8_t *p, size_t n)
{
	c->p = p;
	c->end = p ? p + n : p;
	c->err = 0;
}

bool rlp_cur_at_end(const rlp_cur *c)
{
	return c->err || c->p == c->end;
}

bool rlp_cur_is_list(const rlp_cur *c)
{
	return !rlp_cur_at_end(c) && c->p[0] >= 0xc0;
}

void rlp_cur_list(rlp_cur *c, rlp_cur *sub)
{
	rlp_item it;
	if (!cur_next(c, &it)) {
		*sub = (rlp_cur){NULL, NULL, c->err};
		return;
	}
	if (!it.list) {
		cur_fail(c, DURE_ERLP_EXPECTED_LIST);
		*sub = (rlp_cur){NULL, NULL, c->err};
		return;
	}
	rlp_cur_init(sub, it.payload, it.plen);
}

void rlp_cur_bytes(rlp_cur *c, const uint8_t **p, size_t *n)
{
	rlp_item it;
	cur_string(c, &it);
	*p = it.payload;
	*n = it.plen;
}

void rlp_cur_fixed(rlp_cur *c, uint8_t *out, size_t n)
{
	rlp_item it;
	if (cur_string(c, &it) && it.plen != n)
		cur_fail(c, DURE_ERLP_SIZE);
	if (c->err)
		memset(out, 0, n);
	else
		memcpy(out, it.payload, n);
}

/* Takes a canonical integer of at most max bytes. */
static bool cur_int(rlp_cur *c, size_t max, const uint8_t **p, size_t *n)
{
	rlp_item it;
	*p = NULL;
	*n = 0;
	if (!cur_string(c, &it))
		return false;
	if (it.plen > 0 && it.payload[0] == 0) {
		cur_fail(c, DURE_ERLP_INT_ZERO);
		return false;
	}
	if (it.plen > max) {
		cur_fail(c, DURE_ERLP_INT_SIZE);
		return false;
	}
	*p = it.payload;
	*n = it.plen;
	return true;
}

uint64_t rlp_cur_u64(rlp_cur *c)
{
	const uint8_t *p;
	size_t n;
	uint64_t v = 0;
	if (cur_int(c, 8, &p, &n))
		for (size_t i = 0; i < n; i++)
			v = (v << 8) | p[i];
	return v;
}

u256 rlp_cur_u256(rlp_cur *c)
{
	const uint8_t *p;
	size_t n;
	u256 v = U256_ZERO;
	if (cur_int(c, 32, &p, &n))
		for (size_t i = 0; i < n; i++)
			v.w[(n - 1 - i) / 8] |= (uint64_t)p[i] << (8 * ((n - 1 - i) % 8));
	return v;
}

void rlp_cur_raw(rlp_cur *c, const uint8_t **p, size_t *n)
{
	rlp_item it;
	cur_next(c, &it);
	*p = it.start;
	*n = it.total;
}

void rlp_cur_skip(rlp_cur *c)
{
	rlp_item it;
	cur_next(c, &it);
}

size_t rlp_cur_count(const rlp_cur *c, size_t min_item, int *err)
{
	rlp_cur tmp = *c;
	size_t n = 0;
	while (!rlp_cur_at_end(&tmp)) {
		const uint8_t *p;
		size_t len;
		rlp_cur_raw(&tmp, &p, &len);
		n++;
		if (!tmp.err && len < min_item)
			break;
	}
	*err = tmp.err;
	return n;
}

int rlp_cur_close(rlp_cur *c, rlp_cur *sub)
{
	if (!c->err) {
		if (sub->err)
			cur_fail(c, sub->err);
		else if (sub->p != sub->end)
			cur_fail(c, DURE_ERLP_TRAILING);
	}
	return c->err;
}

int rlp_cur_finish(rlp_cur *c)
{
	if (!c->err && c->p != c->end)
		return DURE_ERLP_TRAILING;
	return c->err;
}

int rlp_decode_list(const uint8_t *p, size_t n,
                    int (*fields)(rlp_cur *items, void *arg), void *arg)
{
	rlp_cur c, l;
	rlp_cur_init(&c, p, n);
	rlp_cur_list(&c, &l);
	int err = fields(&l, arg);
	int cerr = rlp_cur_close(&c, &l);
	if (err == DURE_OK)
		err = cerr;
	if (err == DURE_OK)
		err = rlp_cur_finish(&c);
	return err;
}

/* Checks the items filling p[0..n) exactly, recursing into lists. */
static int validate_seq(const uint8_t *p, size_t n, unsigned depth)
{
	if (depth > RLP_MAX_DEPTH)
		return DURE_ERLP_DEPTH;
	while (n > 0) {
		rlp_item it;
		int err = parse_item(p, n, &it);
		if (err)
			return err;
		if (it.list) {
			err = validate_seq(it.payload, it.plen, depth + 1);
			if (err)
				return err;
		}
		p += it.total;
		n -= it.total;
	}
	return DURE_OK;
}

int rlp_validate(const uint8_t *p, size_t n)
{
	rlp_item it;
	int err = parse_item(p, n, &it);
	if (err)
		return err == DURE_ERLP_END ? DURE_ERLP_TRUNCATED : err;
	if (it.total != n)
		return DURE_ERLP_TRAILING;
	return it.list ? validate_seq(it.payload, it.plen, 1) : DURE_OK;
}
