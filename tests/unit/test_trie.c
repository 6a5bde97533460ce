#include "base/buf.h"
#include "base/err.h"
#include "crypto/keccak.h"
#include "rlp/rlp.h"
#include "test.h"
#include "trie/trie.h"

#include <stdlib.h>

#define TRIE_MODEL_SEED 0x243f6a8885a308d3ull
#include "trie_model.h"

#define MAXK 8     /* bytes per key, at most */
#define NKEYS 300

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
