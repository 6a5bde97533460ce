#include "base/buf.h"
#include "base/err.h"
#include "crypto/keccak.h"
#include "rlp/rlp.h"
#include "test.h"
#include "trie/trie.h"

#include <stdlib.h>

/* A reference model: a sorted array of distinct keys with their values, and
 * a root computed from scratch by recursion over it, sharing no code with
 * the trie beyond RLP and keccak. */

#define MAXK 8     /* bytes per key */
#define NKEYS 300

typedef struct kv {
	uint8_t k[MAXK];
	size_t klen;
	uint8_t v[40];
	size_t vlen;
	bool live;
} kv;

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 32) % n;
}

static uint8_t nib(const kv *e, size_t i)
{
	return i % 2 ? e->k[i / 2] & 0x0f : e->k[i / 2] >> 4;
}

static int kv_cmp(const void *a, const void *b)
{
	const kv *x = a, *y = b;
	size_t m = x->klen < y->klen ? x->klen : y->klen;
	int c = memcmp(x->k, y->k, m);
	if (c)
		return c;
	return (x->klen > y->klen) - (x->klen < y->klen);
}

static void ref_hp(buf *b, const kv *e, size_t from, size_t to, bool leaf)
{
	uint8_t hp[MAXK + 1];
	size_t n = to - from, o = 0, i = from;
	hp[o++] = (uint8_t)(((leaf ? 2 : 0) + n % 2) << 4 | (n % 2 ? nib(e, i++) : 0));
	for (; i < to; i += 2)
		hp[o++] = (uint8_t)(nib(e, i) << 4 | nib(e, i + 1));
	rlp_put_bytes(b, hp, o);
}

static void ref_node(buf *b, kv **es, size_t n, size_t depth);

/* Appends the reference of the node for es[0..n) at depth. */
static void ref_ref(buf *out, kv **es, size_t n, size_t depth)
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

static void ref_node(buf *b, kv **es, size_t n, size_t depth)
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

static h256 ref_root(kv *all, size_t n)
{
	kv *sorted = malloc(n * sizeof *sorted);
	kv **live = malloc(n * sizeof *live);
	h256 r = TRIE_EMPTY_ROOT;
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

/* Distinct random keys over a small alphabet, so that keys share prefixes
 * and some keys are prefixes of others. */
static size_t make_keys(kv *e, size_t n, unsigned alphabet)
{
	size_t made = 0;
	while (made < n) {
		kv x = {0};
		x.klen = 1 + rnd(MAXK);
		for (size_t i = 0; i < x.klen; i++)
			x.k[i] = (uint8_t)(rnd(alphabet) * 0x11 + (rnd(4) == 0));
		bool dup = false;
		for (size_t i = 0; i < made && !dup; i++)
			dup = kv_cmp(&x, &e[i]) == 0;
		if (dup)
			continue;
		/* Values long and short, so nodes are both embedded and hashed. */
		x.vlen = 1 + rnd(rnd(2) ? 3 : sizeof x.v);
		for (size_t i = 0; i < x.vlen; i++)
			x.v[i] = (uint8_t)rnd(256);
		e[made++] = x;
	}
	return made;
}

static void check_same_root(trie *t, kv *e, size_t n)
{
	h256 got, want = ref_root(e, n);
	CHECK_EQ_INT(trie_root(t, &got), 0);
	CHECK(h256_eq(&got, &want));
}

static void test_empty(void)
{
	trie *t;
	CHECK_EQ_INT(trie_new(&t), 0);
	h256 r;
	CHECK_EQ_INT(trie_root(t, &r), 0);
	uint8_t h[32];
	keccak256((const uint8_t *)"\x80", 1, h);
	CHECK_MEM(r.b, h, 32);
	CHECK(h256_eq(&r, &TRIE_EMPTY_ROOT));
	const uint8_t *v;
	size_t vn;
	CHECK_EQ_INT(trie_get(t, (const uint8_t *)"a", 1, &v, &vn), DURE_ENOTFOUND);
	CHECK(v == NULL && vn == 0);
	CHECK_EQ_INT(trie_del(t, (const uint8_t *)"a", 1), 0);
	buf k = BUF_INIT;
	CHECK_EQ_INT(trie_next(t, NULL, 0, &k), DURE_ENOTFOUND);
	CHECK_EQ_INT(trie_prev(t, (const uint8_t *)"z", 1, &k), DURE_ENOTFOUND);
	buf_free(&k);
	trie_free(t);
}

/* The classic example from the wiki and the fixtures. */
static void test_known_root(void)
{
	trie *t;
	CHECK_EQ_INT(trie_new(&t), 0);
	const char *kvs[][2] = {{"do", "verb"}, {"horse", "stallion"},
	                        {"doge", "coin"}, {"dog", "puppy"}};
	for (int i = 0; i < 4; i++)
		CHECK_EQ_INT(trie_put(t, (const uint8_t *)kvs[i][0], strlen(kvs[i][0]),
		                      (const uint8_t *)kvs[i][1], strlen(kvs[i][1])),
		             0);
	h256 r;
	CHECK_EQ_INT(trie_root(t, &r), 0);
	static const uint8_t want[32] = {
		0x59, 0x91, 0xbb, 0x8c, 0x65, 0x14, 0x14, 0x8a, 0x29, 0xdb, 0x67,
		0x6a, 0x14, 0xac, 0x50, 0x6c, 0xd2, 0xcd, 0x57, 0x75, 0xac, 0xe6,
		0x3c, 0x30, 0xa4, 0xfe, 0x45, 0x77, 0x15, 0xe9, 0xac, 0x84};
	CHECK_MEM(r.b, want, 32);
	const uint8_t *v;
	size_t vn;
	CHECK_EQ_INT(trie_get(t, (const uint8_t *)"dog", 3, &v, &vn), 0);
	CHECK(vn == 5 && memcmp(v, "puppy", 5) == 0);
	CHECK_EQ_INT(trie_get(t, (const uint8_t *)"d", 1, &v, &vn), DURE_ENOTFOUND);
	CHECK_EQ_INT(trie_get(t, (const uint8_t *)"doges", 5, &v, &vn), DURE_ENOTFOUND);
	trie_free(t);
}

/* Random sets, random orders, random deletions, roots checked against the
 * reference along the way (which also exercises the hash cache). */
static void test_random_vs_reference(void)
{
	static kv e[NKEYS];
	for (int round = 0; round < 40; round++) {
		size_t n = 1 + rnd(round < 20 ? 20 : NKEYS);
		make_keys(e, n, round % 2 ? 3 : 16);
		trie *t;
		CHECK_EQ_INT(trie_new(&t), 0);
		/* Insert in a random order. */
		size_t *order = malloc(n * sizeof *order);
		for (size_t i = 0; i < n; i++)
			order[i] = i;
		for (size_t i = n; i-- > 1;) {
			size_t j = rnd((uint32_t)i + 1), tmp = order[i];
			order[i] = order[j];
			order[j] = tmp;
		}
		for (size_t i = 0; i < n; i++) {
			kv *x = &e[order[i]];
			CHECK_EQ_INT(trie_put(t, x->k, x->klen, x->v, x->vlen), 0);
			x->live = true;
			if (rnd(8) == 0 || i + 1 == n)
				check_same_root(t, e, n);
		}
		/* Overwrite some values. */
		for (size_t i = 0; i < n; i += 3) {
			e[i].v[0] ^= 0x5a;
			CHECK_EQ_INT(trie_put(t, e[i].k, e[i].klen, e[i].v, e[i].vlen), 0);
		}
		check_same_root(t, e, n);
		for (size_t i = 0; i < n; i++) {
			const uint8_t *v;
			size_t vn;
			CHECK_EQ_INT(trie_get(t, e[i].k, e[i].klen, &v, &vn), 0);
			CHECK(vn == e[i].vlen && memcmp(v, e[i].v, vn) == 0);
		}
		/* Delete in another random order, half through a zero-length put. */
		for (size_t i = n; i-- > 1;) {
			size_t j = rnd((uint32_t)i + 1), tmp = order[i];
			order[i] = order[j];
			order[j] = tmp;
		}
		for (size_t i = 0; i < n; i++) {
			kv *x = &e[order[i]];
			if (i % 2)
				CHECK_EQ_INT(trie_del(t, x->k, x->klen), 0);
			else
				CHECK_EQ_INT(trie_put(t, x->k, x->klen, NULL, 0), 0);
			x->live = false;
			const uint8_t *v;
			size_t vn;
			CHECK_EQ_INT(trie_get(t, x->k, x->klen, &v, &vn), DURE_ENOTFOUND);
			if (rnd(8) == 0 || i + 1 == n)
				check_same_root(t, e, n);
		}
		h256 r;
		CHECK_EQ_INT(trie_root(t, &r), 0);
		CHECK(h256_eq(&r, &TRIE_EMPTY_ROOT));
		free(order);
		trie_free(t);
	}
}

/* next/prev agree with the sorted key list for every key and for probes
 * between them. */
static void test_iteration(void)
{
	static kv e[NKEYS];
	size_t n = make_keys(e, 200, 3);
	trie *t;
	CHECK_EQ_INT(trie_new(&t), 0);
	for (size_t i = 0; i < n; i++)
		CHECK_EQ_INT(trie_put(t, e[i].k, e[i].klen, e[i].v, e[i].vlen), 0);
	qsort(e, n, sizeof *e, kv_cmp);
	buf got = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		int err = trie_next(t, e[i].k, e[i].klen, &got);
		if (i + 1 < n) {
			CHECK_EQ_INT(err, 0);
			CHECK(got.len == e[i + 1].klen &&
			      memcmp(got.data, e[i + 1].k, got.len) == 0);
		} else {
			CHECK_EQ_INT(err, DURE_ENOTFOUND);
			CHECK_EQ_INT(got.len, 0);
		}
		err = trie_prev(t, e[i].k, e[i].klen, &got);
		if (i > 0) {
			CHECK_EQ_INT(err, 0);
			CHECK(got.len == e[i - 1].klen &&
			      memcmp(got.data, e[i - 1].k, got.len) == 0);
		} else {
			CHECK_EQ_INT(err, DURE_ENOTFOUND);
		}
	}
	/* Random probes: compare with a linear scan. */
	for (int p = 0; p < 2000; p++) {
		kv q = {0};
		q.klen = rnd(MAXK + 1);
		for (size_t i = 0; i < q.klen; i++)
			q.k[i] = (uint8_t)(rnd(3) * 0x11 + (rnd(4) == 0));
		const kv *nx = NULL, *pv = NULL;
		for (size_t i = 0; i < n; i++) {
			int c = kv_cmp(&e[i], &q);
			if (c > 0 && !nx)
				nx = &e[i];
			if (c < 0)
				pv = &e[i];
		}
		int err = trie_next(t, q.k, q.klen, &got);
		CHECK_EQ_INT(err, nx ? 0 : DURE_ENOTFOUND);
		if (nx)
			CHECK(got.len == nx->klen && memcmp(got.data, nx->k, got.len) == 0);
		err = trie_prev(t, q.k, q.klen, &got);
		CHECK_EQ_INT(err, pv ? 0 : DURE_ENOTFOUND);
		if (pv)
			CHECK(got.len == pv->klen && memcmp(got.data, pv->k, got.len) == 0);
	}
	buf_free(&got);
	trie_free(t);
}

static void test_secure(void)
{
	trie *plain, *sec;
	CHECK_EQ_INT(trie_new(&plain), 0);
	CHECK_EQ_INT(trie_new(&sec), 0);
	const char *keys[] = {"alpha", "beta", "gamma", ""};
	for (int i = 0; i < 4; i++) {
		uint8_t h[32];
		size_t kn = strlen(keys[i]);
		keccak256((const uint8_t *)keys[i], kn, h);
		CHECK_EQ_INT(trie_put(plain, h, 32, (const uint8_t *)"v", 1), 0);
		CHECK_EQ_INT(trie_secure_put(sec, (const uint8_t *)keys[i], kn,
		                             (const uint8_t *)"v", 1),
		             0);
	}
	CHECK_EQ_INT(trie_secure_del(sec, (const uint8_t *)"beta", 4), 0);
	uint8_t hb[32];
	keccak256((const uint8_t *)"beta", 4, hb);
	CHECK_EQ_INT(trie_del(plain, hb, 32), 0);
	h256 a, b;
	CHECK_EQ_INT(trie_root(plain, &a), 0);
	CHECK_EQ_INT(trie_root(sec, &b), 0);
	CHECK(h256_eq(&a, &b));
	const uint8_t *v;
	size_t vn;
	CHECK_EQ_INT(trie_secure_get(sec, (const uint8_t *)"alpha", 5, &v, &vn), 0);
	CHECK(vn == 1 && v[0] == 'v');
	CHECK_EQ_INT(trie_secure_get(sec, (const uint8_t *)"beta", 4, &v, &vn),
	             DURE_ENOTFOUND);
	trie_free(plain);
	trie_free(sec);
}

TEST_MAIN(test_empty, test_known_root, test_random_vs_reference,
          test_iteration, test_secure)
