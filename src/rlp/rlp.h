/* RLP (Recursive Length Prefix), the serialisation of Ethereum's wire
 * messages, blocks, transactions and trie nodes. Strict by default: the
 * decoder accepts only the one canonical encoding of each value, so that a
 * hash of decoded-then-encoded data equals the hash of what arrived.
 *
 * Encoding appends to a `buf`; allocation failures are sticky in the buf and
 * the caller checks buf_failed() once at the end.
 *
 * Decoding walks a cursor with sticky failure (as Core Lightning's
 * fromwire): the first error is kept in `err`, every later read returns
 * zero or empty, and the caller checks once (rlp_cur_finish / rlp_cur_close).
 * Pointers returned by the cursor point into the input, which the caller
 * keeps alive. */
#ifndef DURE_RLP_RLP_H
#define DURE_RLP_RLP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "u256/u256.h"

/* Deepest list nesting rlp_validate accepts. */
#define RLP_MAX_DEPTH 1024

/* Encoding: append to a buf; failures are sticky in the buf. */

/* Appends the string p[0..n). */
void rlp_put_bytes(buf *b, const uint8_t *p, size_t n);
/* Appends v as a minimal big-endian string; 0 -> 0x80. */
void rlp_put_u64(buf *b, uint64_t v);
/* Appends *v as a minimal big-endian string; 0 -> 0x80. */
void rlp_put_u256(buf *b, const u256 *v);
/* Appends an already-encoded item, copied as is. */
void rlp_put_raw(buf *b, const uint8_t *p, size_t n);
/* Starts a list: returns a mark to hand to rlp_list_end. */
size_t rlp_list_begin(buf *b);
/* Wraps everything appended since mark in a list header. Lists nest: end
 * the inner list before the outer one. */
void rlp_list_end(buf *b, size_t mark);

/* Decoding. */
typedef struct rlp_cur {
	const uint8_t *p;    /* next unread byte */
	const uint8_t *end;  /* one past the last byte of this cursor's items */
	int err;             /* first error (dure_err), 0 while all went well */
} rlp_cur;

/* Starts a cursor over the items in p[0..n) (a top-level sequence). */
void rlp_cur_init(rlp_cur *c, const uint8_t *p, size_t n);
/* True if no items are left (or the cursor failed). */
bool rlp_cur_at_end(const rlp_cur *c);
/* True if the next item is a list (false at the end or after failure). */
bool rlp_cur_is_list(const rlp_cur *c);
/* Takes the next item, which must be a list; sub walks its payload. On
 * failure sub is an empty, failed cursor. */
void rlp_cur_list(rlp_cur *c, rlp_cur *sub);
/* Takes the next item, which must be a string: *p, *n is its payload
 * (NULL, 0 on failure). */
void rlp_cur_bytes(rlp_cur *c, const uint8_t **p, size_t *n);
/* Takes a string of exactly n bytes into out (zeroed on failure). */
void rlp_cur_fixed(rlp_cur *c, uint8_t *out, size_t n);
/* Takes a canonical integer: a string with no leading zero byte, at most 8
 * bytes. Returns 0 on failure. */
uint64_t rlp_cur_u64(rlp_cur *c);
/* Takes a canonical integer of at most 32 bytes. Returns 0 on failure. */
u256 rlp_cur_u256(rlp_cur *c);
/* Takes the next item whole, header included (NULL, 0 on failure). */
void rlp_cur_raw(rlp_cur *c, const uint8_t **p, size_t *n);
/* Skips the next item. */
void rlp_cur_skip(rlp_cur *c);
/* Counts the items left in c, without moving c. Counting stops after the
 * first item shorter than min_item bytes (header included): every item
 * counted but the last then takes at least min_item input bytes, so an
 * array of the count is bounded by the input, and the short item (which a
 * caller picks min_item to refuse) fails when its turn comes. min_item 0
 * counts every item. Returns the count, with *err 0, or a malformed item's
 * DURE_ERLP_* code (or c's own error) in *err and a meaningless count. */
size_t rlp_cur_count(const rlp_cur *c, size_t min_item, int *err);
/* Ends a sub-cursor taken with rlp_cur_list: merges sub's error into c,
 * or DURE_ERLP_TRAILING if sub has items left. Returns c->err. */
int rlp_cur_close(rlp_cur *c, rlp_cur *sub);
/* Returns c->err, or DURE_ERLP_TRAILING if items remain. */
int rlp_cur_finish(rlp_cur *c);

/* Decodes p[0..n), which must be exactly one list, by calling
 * fields(items, arg) with a cursor over the list's items. Returns fields'
 * error, else the cursor's (DURE_ERLP_TRAILING when fields left items or
 * bytes follow the list), else 0. What fields fills in arg on failure is
 * the caller's to free. */
DURE_WUR int rlp_decode_list(const uint8_t *p, size_t n,
                             int (*fields)(rlp_cur *items, void *arg),
                             void *arg);

/* Checks that p[0..n) is exactly one canonical RLP item, recursing into
 * lists up to RLP_MAX_DEPTH. Returns 0 or a DURE_ERLP_* code. */
DURE_WUR int rlp_validate(const uint8_t *p, size_t n);

#endif
