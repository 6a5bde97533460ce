/* A reference model of the Merkle Patricia trie for the trie unit tests: a
 * set of distinct keys with their values, and a root computed from scratch
 * by recursion over them, sharing no code with the trie beyond RLP and
 * keccak. Also the tests' random source: the includer defines
 * TRIE_MODEL_SEED, its sequence's seed, before including this. */
#ifndef DURE_TEST_TRIE_MODEL_H
#define DURE_TEST_TRIE_MODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "crypto/keccak.h"
#include "rlp/rlp.h"
#include "test.h"
#include "trie/trie.h"

#ifndef TRIE_MODEL_SEED
#error "define TRIE_MODEL_SEED before including trie_model.h"
#endif

/* Bytes of the longest key the model holds. */
#define KV_KEY_MAX 32

typedef struct kv {
	uint8_t k[KV_KEY_MAX];
	size_t klen;
	uint8_t v[40];
	size_t vlen;
	bool live;       /* in the set; a dead entry is left out of the root */
} kv;

static uint64_t rng = TRIE_MODEL_SEED;

/* A pseudo-random number below n (xorshift64). */
static inline uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 32) % n;
}

/* Nibble i of e's key, the high one of each byte first. */
static inline uint8_t nib(const kv *e, size_t i)
{
	return i % 2 ? e->k[i / 2] & 0x0f : e->k[i / 2] >> 4;
}

/* Orders keys bytewise, a prefix before the keys it starts. */
static inline int kv_cmp(const void *a, const void *b)
{
	const kv *x = a, *y = b;
	size_t m = x->klen < y->klen ? x->klen : y->klen;
	int c = memcmp(x->k, y->k, m);
	if (c)
		return c;
	return (x->klen > y->klen) - (x->klen < y->klen);
}

/* Appends the hex-prefix encoding of nibbles [from, to) of e's key. */
static inline void ref_hp(buf *b, const kv *e, size_t from, size_t to,
                          bool leaf)
{
	uint8_t hp[KV_KEY_MAX + 1];
	size_t n = to - from, o = 0, i = from;
	hp[o++] = (uint8_t)(((leaf ? 2 : 0) + n % 2) << 4 | (n % 2 ? nib(e, i++) : 0));
	for (; i < to; i += 2)
		hp[o++] = (uint8_t)(nib(e, i) << 4 | nib(e, i + 1));
	rlp_put_bytes(b, hp, o);
}

static inline void ref_node(buf *b, kv **es, size_t n, size_t depth);

/* Appends the reference of the node for es[0..n) at depth. */
static inline void ref_ref(buf *out, kv **es, size_t n, size_t depth)
{
	if (n == 0) {
		rlp_put_bytes(out, NULL, 0);
		return;
	}
	buf b = BUF_INIT;
	ref_node(&b, es, n, depth);
	if (b.len < 32) {
		rlp_put_raw(out, b.data, b.len);
	} else {
		uint8_t h[32];
		keccak256(b.data, b.len, h);
		rlp_put_bytes(out, h, 32);
	}
	buf_free(&b);
}

/* Appends the node for es[0..n) (sorted, n > 0) at depth nibbles. */
static inline void ref_node(buf *b, kv **es, size_t n, size_t depth)
{
	size_t m = rlp_list_begin(b);
	if (n == 1) {
		ref_hp(b, es[0], depth, 2 * es[0]->klen, true);
		rlp_put_bytes(b, es[0]->v, es[0]->vlen);
		rlp_list_end(b, m);
		return;
	}
	/* Nibbles shared by every key past depth (sorted, so first and last). */
	size_t c = depth;
	while (c < 2 * es[0]->klen && c < 2 * es[n - 1]->klen &&
	       nib(es[0], c) == nib(es[n - 1], c))
		c++;
	if (c > depth) {
		ref_hp(b, es[0], depth, c, false);
		ref_ref(b, es, n, c);
		rlp_list_end(b, m);
		return;
	}
	size_t i = 0;
	const kv *value = NULL;
	if (2 * es[0]->klen == depth)
		value = es[i++];
	for (uint8_t d = 0; d < 16; d++) {
		size_t j = i;
		while (j < n && nib(es[j], depth) == d)
			j++;
		ref_ref(b, es + i, j - i, depth + 1);
		i = j;
	}
	rlp_put_bytes(b, value ? value->v : NULL, value ? value->vlen : 0);
	rlp_list_end(b, m);
}

/* The root of the live entries of all[0..n), in any order, keys distinct. */
static inline h256 ref_root(const kv *all, size_t n)
{
	kv *sorted = malloc((n ? n : 1) * sizeof *sorted);
	kv **live = malloc((n ? n : 1) * sizeof *live);
	h256 r = TRIE_EMPTY_ROOT;
	if (n)
		memcpy(sorted, all, n * sizeof *sorted);
	qsort(sorted, n, sizeof *sorted, kv_cmp);
	size_t nl = 0;
	for (size_t i = 0; i < n; i++)
		if (sorted[i].live)
			live[nl++] = &sorted[i];
	if (nl) {
		buf b = BUF_INIT;
		ref_node(&b, live, nl, 0);
		CHECK(!buf_failed(&b));
		keccak256(b.data, b.len, r.b);
		buf_free(&b);
	}
	free(sorted);
	free(live);
	return r;
}

#endif
