/* Fuzz target for the RLP decoder.
 *
 * Checks that arbitrary bytes never crash the validator or the cursor, that
 * both agree on what is valid, and that every valid input is canonical: re-
 * encoding what the cursor read gives back the input byte for byte. Integers
 * read with rlp_cur_u64 / rlp_cur_u256 must also re-encode to their item. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "fuzz.h"
#include "rlp/rlp.h"

static void same_or_abort(const buf *b, const uint8_t *p, size_t n)
{
	if (b->failed)
		return;
	if (b->len != n || (n && memcmp(b->data, p, n) != 0))
		abort();
}

/* Re-reads the string at *c as integers: a success must re-encode to it. */
static void check_ints(const rlp_cur *c)
{
	const uint8_t *raw;
	size_t rn;
	rlp_cur probe = *c;
	rlp_cur_raw(&probe, &raw, &rn);

	buf b = BUF_INIT;
	probe = *c;
	uint64_t v = rlp_cur_u64(&probe);
	if (!probe.err) {
		rlp_put_u64(&b, v);
		same_or_abort(&b, raw, rn);
	}
	buf_reset(&b);
	probe = *c;
	u256 w = rlp_cur_u256(&probe);
	if (!probe.err) {
		rlp_put_u256(&b, &w);
		same_or_abort(&b, raw, rn);
	}
	buf_free(&b);
}

/* Reads every item of c into out, recursing into lists. */
static void walk(rlp_cur *c, buf *out, unsigned depth)
{
	while (!rlp_cur_at_end(c)) {
		if (rlp_cur_is_list(c)) {
			if (depth >= RLP_MAX_DEPTH) {
				c->err = DURE_ERLP_DEPTH;
				return;
			}
			rlp_cur sub;
			rlp_cur_list(c, &sub);
			size_t m = rlp_list_begin(out);
			walk(&sub, out, depth + 1);
			rlp_list_end(out, m);
			rlp_cur_close(c, &sub);
		} else {
			check_ints(c);
			const uint8_t *p;
			size_t n;
			rlp_cur_bytes(c, &p, &n);
			if (!c->err)
				rlp_put_bytes(out, p, n);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int verr = rlp_validate(data, size);

	/* The cursor reads one top-level item, as rlp_validate does. */
	rlp_cur c;
	rlp_cur_init(&c, data, size);
	buf out = BUF_INIT;
	const uint8_t *item;
	size_t n;
	rlp_cur probe = c;
	rlp_cur_raw(&probe, &item, &n);
	if (!probe.err) {
		rlp_cur one;
		rlp_cur_init(&one, item, n);
		walk(&one, &out, 0);
		c = probe;
		if (one.err)
			c.err = one.err;
	} else {
		c.err = probe.err;
	}
	int cerr = rlp_cur_finish(&c);
	if ((verr == 0) != (cerr == 0))
		abort();
	if (verr == 0)
		same_or_abort(&out, data, size);
	buf_free(&out);
	return 0;
}
