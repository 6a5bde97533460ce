/* EIP-712 hashStruct over jansson values.
 *
 * The types are checked once, up front: every type a member names must be
 * atomic, dynamic or a struct of "types", whether or not the message uses
 * it (as ethers and geth check), so that a type string never means
 * something different to the wallet that shows it and to us. Values are
 * then encoded member by member; an error names the path to the value
 * ("message.to[1].wallet"). */
#include "api/eip712.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/hex.h"
#include "crypto/keccak.h"
#include "u256/u256.h"

/* The most struct types a typed-data object may define. */
#define MAX_TYPES 256

typedef enum kind {
	K_UINT, K_INT, K_BOOL, K_ADDRESS, K_BYTESN, K_BYTES, K_STRING, K_STRUCT,
} kind;

typedef struct enc {
	const json_t *types;
	char path[256];
	size_t plen;
	int depth;
	char *why;
	size_t whylen;
} enc;

static int fail(enc *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(enc *e, const char *fmt, ...)
{
	if (!e->why || !e->whylen)
		return DURE_EJSON;
	/* A deep path keeps its end, where the fault is. */
	int n = 0;
	if (e->plen > 120)
		n = snprintf(e->why, e->whylen, "...%s: ", e->path + e->plen - 117);
	else if (e->plen)
		n = snprintf(e->why, e->whylen, "%s: ", e->path);
	if (n >= 0 && (size_t)n < e->whylen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->why + n, e->whylen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return DURE_EJSON;
}

/* Appends to the path; returns its length before, for path_pop. */
static size_t path_push(enc *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static size_t path_push(enc *e, const char *fmt, ...)
{
	size_t old = e->plen;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(e->path + old, sizeof e->path - old, fmt, ap);
	va_end(ap);
	if (n > 0)
		e->plen = old + (size_t)n < sizeof e->path ? old + (size_t)n
		                                           : sizeof e->path - 1;
	return old;
}

static void path_pop(enc *e, size_t old)
{
	e->plen = old;
	e->path[old] = '\0';
}

/* ---- type strings ---- */

/* A decimal number without leading zeros, at most max. */
static bool parse_dec(const char *s, size_t n, unsigned long max,
                      unsigned long *out)
{
	unsigned long v = 0;

	if (n == 0 || (s[0] == '0' && n > 1))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

/* Whether t[0..n) ends in "[]" or "[k]": then the element type is
 * t[0..*elem_len) and *count is k, or -1 for a dynamic array. Returns 1 for
 * an array, 0 for none, -1 for a malformed suffix. */
static int array_suffix(const char *t, size_t n, size_t *elem_len, long *count)
{
	unsigned long k;

	if (n == 0 || t[n - 1] != ']')
		return 0;
	size_t open = n - 1;
	while (open > 0 && t[open - 1] != '[')
		open--;
	if (open < 2)
		return -1;
	size_t digits = n - 1 - open;
	if (digits == 0)
		*count = -1;
	else if (parse_dec(t + open, digits, 1ul << 30, &k))
		*count = (long)k;
	else
		return -1;
	*elem_len = open - 1;
	return 1;
}

/* The kind of the non-array type t[0..n), and the N of bytesN, uintN and
 * intN. Returns false when t is neither atomic, dynamic nor a struct of
 * e->types. */
static bool base_kind(const enc *e, const char *t, size_t n, kind *k,
                      unsigned *width)
{
	unsigned long w;

	*width = 0;
	if (n == 4 && !memcmp(t, "bool", 4))
		*k = K_BOOL;
	else if (n == 7 && !memcmp(t, "address", 7))
		*k = K_ADDRESS;
	else if (n == 6 && !memcmp(t, "string", 6))
		*k = K_STRING;
	else if (n == 5 && !memcmp(t, "bytes", 5))
		*k = K_BYTES;
	else if (n > 5 && !memcmp(t, "bytes", 5) &&
	         parse_dec(t + 5, n - 5, 32, &w) && w >= 1)
		*k = K_BYTESN;
	else if (n > 4 && !memcmp(t, "uint", 4) &&
	         parse_dec(t + 4, n - 4, 256, &w) && w >= 8 && w % 8 == 0)
		*k = K_UINT;
	else if (n > 3 && !memcmp(t, "int", 3) &&
	         parse_dec(t + 3, n - 3, 256, &w) && w >= 8 && w % 8 == 0)
		*k = K_INT;
	else if (json_object_getn(e->types, t, n))
		*k = K_STRUCT;
	else
		return false;
	if (*k == K_BYTESN || *k == K_UINT || *k == K_INT)
		*width = (unsigned)w;
	return true;
}

/* The base type of t (t without its array suffixes), or -1 when a suffix
 * is malformed. */
static long strip_arrays(const char *t, size_t n)
{
	size_t elem;
	long count;
	int r;

	while ((r = array_suffix(t, n, &elem, &count)) == 1)
		n = elem;
	return r < 0 ? -1 : (long)n;
}

static bool is_identifier(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_' ||
	      *s == '$'))
		return false;
	for (s++; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '$'))
			return false;
	return true;
}

/* Checks every struct type of e->types. */
static int check_types(enc *e)
{
	const char *name;
	json_t *fields;

	if (!json_is_object(e->types))
		return fail(e, "types is not an object");
	if (json_object_size(e->types) > MAX_TYPES)
		return fail(e, "more than %d types", MAX_TYPES);
	json_object_foreach((json_t *)e->types, name, fields) {
		kind k;
		unsigned w;
		if (!is_identifier(name) || (base_kind(e, name, strlen(name), &k, &w) &&
		                             k != K_STRUCT))
			return fail(e, "type name '%s' is not a struct name", name);
		if (!json_is_array(fields) ||
		    json_array_size(fields) > EIP712_MAX_FIELDS)
			return fail(e, "type %s is not an array of at most %d members",
			            name, EIP712_MAX_FIELDS);
		for (size_t i = 0; i < json_array_size(fields); i++) {
			const json_t *f = json_array_get(fields, i);
			const char *fn = json_string_value(json_object_get(f, "name"));
			const char *ft = json_string_value(json_object_get(f, "type"));
			if (!fn || !ft || !is_identifier(fn))
				return fail(e, "type %s member %zu needs an identifier name "
				            "and a type", name, i);
			for (size_t j = 0; j < i; j++)
				if (!strcmp(fn, json_string_value(json_object_get(
				                    json_array_get(fields, j), "name"))))
					return fail(e, "type %s has two members named %s", name,
					            fn);
			long base = strip_arrays(ft, strlen(ft));
			if (base <= 0 || !base_kind(e, ft, (size_t)base, &k, &w))
				return fail(e, "type %s member %s: unknown type '%s'", name, fn,
				            ft);
		}
	}
	return DURE_OK;
}

typedef struct slice {
	const char *p;
	size_t n;
} slice;

static int slice_cmp(const void *a, const void *b)
{
	const slice *x = a, *y = b;
	int c = memcmp(x->p, y->p, x->n < y->n ? x->n : y->n);
	return c ? c : (x->n > y->n) - (x->n < y->n);
}

/* Appends "Name(type1 name1,...)" of the struct name[0..n) to out. */
static void type_string(const enc *e, const char *name, size_t n, buf *out)
{
	const json_t *fields = json_object_getn(e->types, name, n);

	buf_append(out, name, n);
	buf_push(out, '(');
	for (size_t i = 0; i < json_array_size(fields); i++) {
		const json_t *f = json_array_get(fields, i);
		const char *ft = json_string_value(json_object_get(f, "type"));
		const char *fn = json_string_value(json_object_get(f, "name"));
		if (i)
			buf_push(out, ',');
		buf_append(out, ft, strlen(ft));
		buf_push(out, ' ');
		buf_append(out, fn, strlen(fn));
	}
	buf_push(out, ')');
}

/* typeHash: keccak256 of encodeType, the struct followed by the structs it
 * references, directly or not, sorted by name. */
static int type_hash(const enc *e, const char *name, size_t n, uint8_t out[32])
{
	slice deps[MAX_TYPES];
	size_t count = 1;
	buf s = BUF_INIT;

	deps[0] = (slice){name, n};
	for (size_t d = 0; d < count; d++) {
		const json_t *fields = json_object_getn(e->types, deps[d].p, deps[d].n);
		for (size_t i = 0; i < json_array_size(fields); i++) {
			const char *ft = json_string_value(
				json_object_get(json_array_get(fields, i), "type"));
			slice b = {ft, (size_t)strip_arrays(ft, strlen(ft))};
			kind k;
			unsigned w;
			bool seen = false;
			if (!base_kind(e, b.p, b.n, &k, &w) || k != K_STRUCT)
				continue;
			for (size_t j = 0; j < count && !seen; j++)
				seen = slice_cmp(&deps[j], &b) == 0;
			if (!seen)
				deps[count++] = b;
		}
	}
	qsort(deps + 1, count - 1, sizeof deps[0], slice_cmp);
	for (size_t d = 0; d < count; d++)
		type_string(e, deps[d].p, deps[d].n, &s);
	int err = buf_failed(&s) ? DURE_ENOMEM : DURE_OK;
	if (!err)
		keccak256(s.data, s.len, out);
	buf_free(&s);
	return err;
}

/* ---- values ---- */

/* Parses an integer value into its sign and magnitude. */
static int parse_int(enc *e, const json_t *v, bool *neg, u256 *mag)
{
	static const double max_safe = 9007199254740991.0;   /* 2^53 - 1 */

	*neg = false;
	*mag = u256_from_u64(0);
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		*neg = i < 0;
		*mag = u256_from_u64(i < 0 ? (uint64_t)(-(i + 1)) + 1 : (uint64_t)i);
		return DURE_OK;
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (!(d >= -max_safe && d <= max_safe) || (double)(int64_t)d != d)
			return fail(e, "number %g is not an exact integer", d);
		int64_t i = (int64_t)d;
		*neg = i < 0;
		*mag = u256_from_u64(i < 0 ? (uint64_t)-i : (uint64_t)i);
		return DURE_OK;
	}
	const char *s = json_string_value(v);
	if (!s)
		return fail(e, "expected a number or a decimal or 0x-hex string");
	const char *p = s;
	if (*p == '-') {
		*neg = true;
		p++;
	}
	unsigned base = 10;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (!*p)
		return fail(e, "'%.80s' is not a number", s);
	u256 b = u256_from_u64(base);
	for (; *p; p++) {
		int d = base == 16 ? hex_digit(*p) : (*p >= '0' && *p <= '9') ? *p - '0' : -1;
		if (d < 0)
			return fail(e, "'%.80s' is not a number", s);
		u256 dv = u256_from_u64((uint64_t)d);
		if (u256_mul_overflow(mag, mag, &b) || u256_add_overflow(mag, mag, &dv))
			return fail(e, "'%.80s' does not fit 256 bits", s);
	}
	return DURE_OK;
}

/* A uintN or intN value as its 32-byte two's complement word. */
static int encode_int(enc *e, const json_t *v, bool is_signed, unsigned width,
                      uint8_t out[32])
{
	bool neg;
	u256 mag;
	int err = parse_int(e, v, &neg, &mag);

	if (err)
		return err;
	if (u256_is_zero(&mag))
		neg = false;
	unsigned bits = u256_bitlen(&mag);
	bool ok;
	if (!is_signed) {
		ok = !neg && bits <= width;
	} else if (!neg) {
		ok = bits < width;
	} else {
		/* -2^(width-1) is the one negative of width bits. */
		u256 one = u256_from_u64(1), sh = u256_from_u64(width - 1);
		u256 min = u256_shl(&sh, &one);
		ok = bits < width || u256_eq(&mag, &min);
	}
	if (!ok)
		return fail(e, "value out of range for %sint%u", is_signed ? "" : "u",
		            width);
	if (neg) {
		u256 zero = u256_from_u64(0);
		mag = u256_sub(&zero, &mag);
	}
	u256_to_be(&mag, out);
	return DURE_OK;
}

static int hash_struct(enc *e, const char *name, size_t n, const json_t *v,
                       uint8_t out[32]);

/* encodeData of one member value of type t[0..n): 32 bytes. */
static int encode_value(enc *e, const char *t, size_t n, const json_t *v,
                        uint8_t out[32])
{
	size_t elem;
	long count;
	kind k;
	unsigned width;
	int err = DURE_OK;

	memset(out, 0, 32);
	if (array_suffix(t, n, &elem, &count) == 1) {
		if (!json_is_array(v))
			return fail(e, "expected an array for %.*s", (int)n, t);
		if (count >= 0 && json_array_size(v) != (size_t)count)
			return fail(e, "expected %ld elements for %.*s, got %zu", count,
			            (int)n, t, json_array_size(v));
		if (e->depth >= EIP712_MAX_DEPTH)
			return fail(e, "nested deeper than %d", EIP712_MAX_DEPTH);
		e->depth++;
		buf cat = BUF_INIT;
		for (size_t i = 0; i < json_array_size(v) && !err; i++) {
			uint8_t w[32];
			size_t old = path_push(e, "[%zu]", i);
			err = encode_value(e, t, elem, json_array_get(v, i), w);
			path_pop(e, old);
			buf_append(&cat, w, 32);
		}
		e->depth--;
		if (!err && buf_failed(&cat))
			err = DURE_ENOMEM;
		if (!err)
			keccak256(cat.data, cat.len, out);
		buf_free(&cat);
		return err;
	}

	/* check_types saw every member type. */
	if (!base_kind(e, t, n, &k, &width))
		return fail(e, "unknown type %.*s", (int)n, t);
	switch (k) {
	case K_STRUCT:
		return hash_struct(e, t, n, v, out);
	case K_BOOL:
		if (!json_is_boolean(v))
			return fail(e, "expected true or false");
		out[31] = json_is_true(v);
		return DURE_OK;
	case K_ADDRESS: {
		const char *s = json_string_value(v);
		if (!s || hex_decode_exact(s, out + 12, 20) != DURE_OK)
			return fail(e, "address must be 20 bytes of 0x-hex");
		return DURE_OK;
	}
	case K_BYTESN: {
		const char *s = json_string_value(v);
		if (!s || hex_decode_exact(s, out, width) != DURE_OK)
			return fail(e, "bytes%u must be %u bytes of 0x-hex", width, width);
		return DURE_OK;
	}
	case K_BYTES: {
		const char *s = json_string_value(v);
		buf b = BUF_INIT;
		if (!s)
			return fail(e, "bytes must be a 0x-hex string");
		err = hex_decode(s, strlen(s), &b);
		if (err == DURE_ENOMEM) {
			buf_free(&b);
			return err;
		}
		if (err) {
			buf_free(&b);
			return fail(e, "bytes must be a 0x-hex string");
		}
		keccak256(b.data, b.len, out);
		buf_free(&b);
		return DURE_OK;
	}
	case K_STRING:
		if (!json_is_string(v))
			return fail(e, "expected a string");
		keccak256((const uint8_t *)json_string_value(v), json_string_length(v),
		          out);
		return DURE_OK;
	case K_UINT:
	case K_INT:
		return encode_int(e, v, k == K_INT, width, out);
	}
	return DURE_EJSON;
}

/* hashStruct(v) for the struct name[0..n). */
static int hash_struct(enc *e, const char *name, size_t n, const json_t *v,
                       uint8_t out[32])
{
	const json_t *fields = json_object_getn(e->types, name, n);
	size_t nf = json_array_size(fields);
	uint8_t w[32];
	buf data = BUF_INIT;

	memset(out, 0, 32);
	if (!json_is_object(v))
		return fail(e, "expected an object for %.*s", (int)n, name);
	if (e->depth >= EIP712_MAX_DEPTH)
		return fail(e, "nested deeper than %d", EIP712_MAX_DEPTH);
	int err = type_hash(e, name, n, w);
	buf_append(&data, w, 32);
	e->depth++;
	for (size_t i = 0; i < nf && !err; i++) {
		const json_t *f = json_array_get(fields, i);
		const char *fn = json_string_value(json_object_get(f, "name"));
		const char *ft = json_string_value(json_object_get(f, "type"));
		const json_t *fv = json_object_get(v, fn);
		size_t old = path_push(e, ".%s", fn);
		if (!fv)
			err = fail(e, "missing (a %s)", ft);
		else
			err = encode_value(e, ft, strlen(ft), fv, w);
		path_pop(e, old);
		buf_append(&data, w, 32);
	}
	e->depth--;
	/* Every member is present and their names are distinct: more keys
	 * means a key the type does not have. */
	if (!err && json_object_size(v) > nf) {
		const char *key;
		json_t *val;
		json_object_foreach((json_t *)v, key, val) {
			bool known = false;
			for (size_t i = 0; i < nf && !known; i++)
				known = !strcmp(key, json_string_value(json_object_get(
				                         json_array_get(fields, i), "name")));
			if (!known) {
				err = fail(e, "'%.64s' is not a member of %.*s", key, (int)n,
				           name);
				break;
			}
		}
	}
	if (!err && buf_failed(&data))
		err = DURE_ENOMEM;
	if (!err)
		keccak256(data.data, data.len, out);
	buf_free(&data);
	return err;
}

int eip712_hash_why(const json_t *td, h256 *out, char *why, size_t whylen)
{
	enc e = {.why = why, .whylen = whylen};
	uint8_t msg[66] = {0x19, 0x01};

	memset(out, 0, sizeof *out);
	if (why && whylen)
		why[0] = '\0';
	if (!json_is_object(td))
		return fail(&e, "typed data is not an object");
	e.types = json_object_get(td, "types");
	int err = check_types(&e);
	if (err)
		return err;
	const char *primary = json_string_value(json_object_get(td, "primaryType"));
	if (!primary || !json_object_get(e.types, primary))
		return fail(&e, "primaryType is not a type of types");
	if (!json_object_get(e.types, "EIP712Domain"))
		return fail(&e, "types has no EIP712Domain");

	size_t old = path_push(&e, "domain");
	err = hash_struct(&e, "EIP712Domain", strlen("EIP712Domain"),
	                  json_object_get(td, "domain"), msg + 2);
	path_pop(&e, old);
	size_t n = 34;
	if (!err && strcmp(primary, "EIP712Domain") != 0) {
		old = path_push(&e, "message");
		err = hash_struct(&e, primary, strlen(primary),
		                  json_object_get(td, "message"), msg + 34);
		path_pop(&e, old);
		n = 66;
	}
	if (!err)
		keccak256(msg, n, out->b);
	return err;
}

int eip712_hash(const json_t *typed_data, h256 *out)
{
	return eip712_hash_why(typed_data, out, NULL, 0);
}

void eip191_hash(const uint8_t *msg, size_t n, h256 *out)
{
	static const char prefix[] = "\x19" "Ethereum Signed Message:\n";
	char len[24];
	keccak_ctx c;

	int ln = snprintf(len, sizeof len, "%zu", n);
	keccak256_init(&c);
	keccak256_update(&c, (const uint8_t *)prefix, sizeof prefix - 1);
	keccak256_update(&c, (const uint8_t *)len, (size_t)ln);
	keccak256_update(&c, msg, n);
	keccak256_final(&c, out->b);
}
