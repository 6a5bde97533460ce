/* Runner for RLPTests (rlptest.json, invalidRLPTest.json, RandomRLPTests).
 *
 * Each case is {"in": X, "out": "0x..."}. X is a string (raw bytes), a
 * JSON integer, a big integer written as "#<decimal>", or an array of these;
 * or "INVALID" / "VALID", which say only whether "out" must decode.
 * A value case passes when encoding X gives "out" exactly and decoding
 * "out" gives back X. */
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "tools/fixtures.h"
#include "rlp/rlp.h"

/* Longest "#<decimal>" accepted: far beyond any fixture, and it bounds the
 * work and the buffer. */
#define BIG_DIGITS 200

/* Converts decimal digits to minimal big-endian bytes (none for zero) in
 * out, which holds BIG_DIGITS bytes. Returns the byte count, or -1 on a bad
 * digit or length. */
static int big_to_bytes(const char *dec, uint8_t *out)
{
	size_t nd = strlen(dec);
	if (nd == 0 || nd > BIG_DIGITS)
		return -1;
	memset(out, 0, BIG_DIGITS);
	for (size_t d = 0; d < nd; d++) {
		if (dec[d] < '0' || dec[d] > '9')
			return -1;
		unsigned carry = (unsigned)(dec[d] - '0');
		for (size_t i = BIG_DIGITS; i-- > 0;) {
			unsigned v = out[i] * 10u + carry;
			out[i] = (uint8_t)v;
			carry = v >> 8;
		}
	}
	size_t lead = 0;
	while (lead < BIG_DIGITS && out[lead] == 0)
		lead++;
	memmove(out, out + lead, BIG_DIGITS - lead);
	return (int)(BIG_DIGITS - lead);
}

static bool is_big(const json_t *j)
{
	return json_is_string(j) && json_string_value(j)[0] == '#';
}

/* Appends the encoding of j. Returns false for a shape we cannot encode. */
static bool encode(buf *b, const json_t *j)
{
	if (is_big(j)) {
		uint8_t be[BIG_DIGITS];
		int n = big_to_bytes(json_string_value(j) + 1, be);
		if (n < 0)
			return false;
		rlp_put_bytes(b, be, (size_t)n);
		return true;
	}
	if (json_is_string(j)) {
		rlp_put_bytes(b, (const uint8_t *)json_string_value(j),
		              json_string_length(j));
		return true;
	}
	if (json_is_integer(j)) {
		if (json_integer_value(j) < 0)
			return false;
		rlp_put_u64(b, (uint64_t)json_integer_value(j));
		return true;
	}
	if (json_is_array(j)) {
		size_t m = rlp_list_begin(b);
		size_t i;
		json_t *e;
		json_array_foreach(j, i, e) {
			if (!encode(b, e))
				return false;
		}
		rlp_list_end(b, m);
		return true;
	}
	return false;
}

/* Reads the next item from c and checks it equals j. Returns false on a
 * mismatch; decoding errors stay in c->err. */
static bool matches(rlp_cur *c, const json_t *j)
{
	if (is_big(j)) {
		uint8_t be[BIG_DIGITS];
		int n = big_to_bytes(json_string_value(j) + 1, be);
		const uint8_t *p;
		size_t len;
		rlp_cur_bytes(c, &p, &len);
		return n >= 0 && !c->err && len == (size_t)n &&
		       (n == 0 || memcmp(p, be, len) == 0);
	}
	if (json_is_string(j)) {
		const uint8_t *p;
		size_t len;
		rlp_cur_bytes(c, &p, &len);
		return !c->err && len == json_string_length(j) &&
		       (len == 0 || memcmp(p, json_string_value(j), len) == 0);
	}
	if (json_is_integer(j)) {
		uint64_t v = rlp_cur_u64(c);
		return !c->err && v == (uint64_t)json_integer_value(j);
	}
	if (json_is_array(j)) {
		rlp_cur sub;
		rlp_cur_list(c, &sub);
		size_t i;
		json_t *e;
		json_array_foreach(j, i, e) {
			if (!matches(&sub, e))
				return false;
		}
		return rlp_cur_close(c, &sub) == 0;
	}
	return false;
}

static void run_case(fx_ctx *ctx, const char *name, json_t *tc)
{
	json_t *in = json_object_get(tc, "in");
	const char *out_hex = json_string_value(json_object_get(tc, "out"));
	buf out = BUF_INIT, enc = BUF_INIT;
	if (!in || !out_hex) {
		fx_fail(ctx, name, "missing \"in\" or \"out\"");
		goto done;
	}
	int err = hex_decode(out_hex, strlen(out_hex), &out);
	if (err) {
		fx_fail(ctx, name, "bad \"out\": %s", dure_strerror(err));
		goto done;
	}
	const char *word = json_string_value(in);
	if (word && (strcmp(word, "INVALID") == 0 || strcmp(word, "VALID") == 0)) {
		bool want = word[0] == 'V';
		err = rlp_validate(out.data, out.len);
		if ((err == 0) == want)
			fx_pass(ctx, name);
		else if (want)
			fx_fail(ctx, name, "valid RLP rejected: %s", dure_strerror(err));
		else
			fx_fail(ctx, name, "invalid RLP accepted");
		goto done;
	}
	if (!encode(&enc, in)) {
		fx_fail(ctx, name, "cannot encode \"in\"");
		goto done;
	}
	if (buf_failed(&enc)) {
		fx_fail(ctx, name, "out of memory");
		goto done;
	}
	if (enc.len != out.len || (enc.len && memcmp(enc.data, out.data, enc.len))) {
		char *got = hex_encode_0x(enc.data, enc.len);
		fx_fail(ctx, name, "encoded %s", got ? got : "(out of memory)");
		free(got);
		goto done;
	}
	err = rlp_validate(out.data, out.len);
	if (err) {
		fx_fail(ctx, name, "decoding \"out\": %s", dure_strerror(err));
		goto done;
	}
	rlp_cur c;
	rlp_cur_init(&c, out.data, out.len);
	bool same = matches(&c, in);
	err = rlp_cur_finish(&c);
	if (err)
		fx_fail(ctx, name, "decoding \"out\": %s", dure_strerror(err));
	else if (!same)
		fx_fail(ctx, name, "decoded \"out\" differs from \"in\"");
	else
		fx_pass(ctx, name);
done:
	buf_free(&out);
	buf_free(&enc);
}

void fx_run_rlp(fx_ctx *ctx, json_t *root)
{
	const char *name;
	json_t *tc;
	json_object_foreach(root, name, tc) {
		if (fx_selected(ctx, name))
			run_case(ctx, name, tc);
	}
}
