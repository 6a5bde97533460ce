#include <jansson.h>
#include <stdlib.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/hex.h"
#include "crypto/keccak.h"
#include "rlp/rlp.h"
#include "test.h"
#include "trie/trie.h"

#define TRIE_MODEL_SEED 0x9e3779b97f4a7c15ull
#include "trie_model.h"

/* Stored tries (trie_open / trie_commit) against an in-memory node store,
 * and proofs. Roots are checked against a reference model that shares no
 * code with the trie (trie_model.h, which test_trie.c uses too), and the
 * TrieTests fixtures' roots. */

/* ---- an in-memory node store: path -> bytes ---- */

typedef struct ment {
	struct ment *next;
	uint8_t *path;
	size_t plen;
	uint8_t *node;
	size_t nlen;
} ment;

typedef struct mstore {
	ment **b;
	size_t nb;
	size_t count;
	unsigned loads, puts, dels;
	int fail_at;         /* > 0: the fail_at-th write fails */
	int writes;
	struct mstore *deleted; /* if set: paths deleted in this commit */
	unsigned conflicts;  /* puts of a path deleted earlier in the commit */
} mstore;

static void ms_init(mstore *m, size_t nb)
{
	memset(m, 0, sizeof *m);
	m->nb = nb;
	m->b = calloc(nb, sizeof *m->b);
	CHECK(m->b != NULL);
}

static void ms_free(mstore *m)
{
	for (size_t i = 0; i < m->nb; i++) {
		for (ment *e = m->b[i], *nx; e; e = nx) {
			nx = e->next;
			free(e->path);
			free(e->node);
			free(e);
		}
	}
	free(m->b);
	memset(m, 0, sizeof *m);
}

static size_t ms_hash(const mstore *m, const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ull ^ n;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return (size_t)(h % m->nb);
}

static ment **ms_find(mstore *m, const uint8_t *p, size_t n)
{
	ment **e = &m->b[ms_hash(m, p, n)];
	while (*e && ((*e)->plen != n || memcmp((*e)->path, p, n) != 0))
		e = &(*e)->next;
	return e;
}

static int ms_load(void *ctx, const uint8_t *nib, size_t len,
                   const uint8_t **node, size_t *node_len)
{
	mstore *m = ctx;
	m->loads++;
	for (size_t i = 0; i < len; i++)
		if (nib[i] > 15)
			return DURE_EINVAL;
	ment *e = *ms_find(m, nib, len);
	*node = e ? e->node : NULL;
	*node_len = e ? e->nlen : 0;
	return e ? DURE_OK : DURE_ENOTFOUND;
}

static int ms_put(void *ctx, const uint8_t *nib, size_t len,
                  const uint8_t *node, size_t node_len)
{
	mstore *m = ctx;
	if (m->fail_at && ++m->writes == m->fail_at)
		return DURE_EIO;
	m->puts++;
	if (m->deleted && *ms_find(m->deleted, nib, len))
		m->conflicts++;
	ment **slot = ms_find(m, nib, len), *e = *slot;
	uint8_t *copy = malloc(node_len);
	if (!copy)
		return DURE_ENOMEM;
	memcpy(copy, node, node_len);
	if (!e) {
		e = calloc(1, sizeof *e);
		e->path = malloc(len ? len : 1);
		memcpy(e->path, nib, len);
		e->plen = len;
		*slot = e;
		m->count++;
	}
	free(e->node);
	e->node = copy;
	e->nlen = node_len;
	return DURE_OK;
}

static int ms_del(void *ctx, const uint8_t *nib, size_t len)
{
	mstore *m = ctx;
	if (m->fail_at && ++m->writes == m->fail_at)
		return DURE_EIO;
	m->dels++;
	if (m->deleted)
		ms_put(m->deleted, nib, len, (const uint8_t *)"", 0);
	ment **slot = ms_find(m, nib, len), *e = *slot;
	if (e) {
		*slot = e->next;
		free(e->path);
		free(e->node);
		free(e);
		m->count--;
	}
	return DURE_OK;
}

static trie_store ms_store(mstore *m, bool verify)
{
	trie_store s = {ms_load, m, verify};
	return s;
}

static trie_writer ms_writer(mstore *m)
{
	trie_writer w = {ms_put, ms_del, m};
	return w;
}

/* True if a and b hold the same paths with the same bytes. */
static bool ms_same(mstore *a, mstore *b)
{
	if (a->count != b->count)
		return false;
	for (size_t i = 0; i < a->nb; i++) {
		for (ment *e = a->b[i]; e; e = e->next) {
			ment *f = *ms_find(b, e->path, e->plen);
			if (!f || f->nlen != e->nlen ||
			    memcmp(f->node, e->node, e->nlen) != 0)
				return false;
		}
	}
	return true;
}

static void ms_copy(mstore *dst, mstore *src)
{
	ms_init(dst, src->nb);
	trie_writer w = ms_writer(dst);
	for (size_t i = 0; i < src->nb; i++)
		for (ment *e = src->b[i]; e; e = e->next)
			CHECK_EQ_INT(w.put(dst, e->path, e->plen, e->node, e->nlen), 0);
}

static void rand_val(kv *x)
{
	/* Values long and short, so nodes are both embedded and hashed. */
	x->vlen = 1 + rnd(rnd(2) ? 3 : sizeof x->v);
	for (size_t i = 0; i < x->vlen; i++)
		x->v[i] = (uint8_t)rnd(256);
}

/* A key not in e[0..n): short keys over a small alphabet (shared prefixes,
 * keys that are prefixes of others) or 32-byte keys, random or sharing a
 * long prefix. */
static void rand_key(kv *x, const kv *e, size_t n, bool secure)
{
	for (;;) {
		memset(x, 0, sizeof *x);
		if (secure) {
			x->klen = 32;
			size_t shared = rnd(3) == 0 ? rnd(6) : 0;
			for (size_t i = 0; i < 32; i++)
				x->k[i] = i < shared ? (uint8_t)(rnd(2) * 0x11)
				                     : (uint8_t)rnd(256);
		} else {
			x->klen = 1 + rnd(8);
			for (size_t i = 0; i < x->klen; i++)
				x->k[i] = (uint8_t)(rnd(3) * 0x11 + (rnd(4) == 0));
		}
		bool dup = false;
		for (size_t i = 0; i < n && !dup; i++)
			dup = kv_cmp(x, &e[i]) == 0;
		if (!dup)
			break;
	}
	rand_val(x);
}

/* ---- checks shared by the tests ---- */

/* Commits a fresh in-memory trie holding e's live keys into an empty map:
 * what the store should hold exactly. */
static void full_commit(const kv *e, size_t n, mstore *out, h256 *root)
{
	ms_init(out, 4099);
	trie *t;
	CHECK_EQ_INT(trie_new(&t), 0);
	for (size_t i = 0; i < n; i++)
		if (e[i].live)
			CHECK_EQ_INT(trie_put(t, e[i].k, e[i].klen, e[i].v, e[i].vlen), 0);
	trie_writer w = ms_writer(out);
	CHECK_EQ_INT(trie_commit(t, &w, root), 0);
	trie_free(t);
}

/* Opens s at root and checks every key of e reads back as the model says,
 * and that iteration walks the live keys in order. */
static void check_reopen(mstore *s, const h256 *root, const kv *e, size_t n,
                         bool secure)
{
	trie_store st = ms_store(s, true);
	trie *t;
	CHECK_EQ_INT(trie_open(&st, root, &t), 0);
	unsigned before = s->loads;
	h256 r;
	CHECK_EQ_INT(trie_root(t, &r), 0);
	CHECK(h256_eq(&r, root));
	CHECK_EQ_INT(s->loads, before);
	bool ok = true;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *v;
		size_t vn;
		int err = trie_get(t, e[i].k, e[i].klen, &v, &vn);
		if (e[i].live)
			ok &= !err && vn == e[i].vlen && memcmp(v, e[i].v, vn) == 0;
		else
			ok &= err == DURE_ENOTFOUND && !v && !vn;
	}
	for (int q = 0; q < 20; q++) {
		kv x;
		rand_key(&x, e, n, secure);
		const uint8_t *v;
		size_t vn;
		ok &= trie_get(t, x.k, x.klen, &v, &vn) == DURE_ENOTFOUND;
	}
	CHECK(ok);
	/* Iteration from the empty key visits the live keys in order. */
	kv *sorted = malloc((n ? n : 1) * sizeof *sorted);
	size_t nl = 0;
	for (size_t i = 0; i < n; i++)
		if (e[i].live)
			sorted[nl++] = e[i];
	qsort(sorted, nl, sizeof *sorted, kv_cmp);
	trie *t2;
	CHECK_EQ_INT(trie_open(&st, root, &t2), 0);
	buf cur = BUF_INIT, nx = BUF_INIT;
	size_t seen = 0;
	ok = true;
	for (;;) {
		int err = trie_next(t2, cur.data, cur.len, &nx);
		if (err) {
			ok &= err == DURE_ENOTFOUND;
			break;
		}
		ok &= seen < nl && nx.len == sorted[seen].klen &&
		      memcmp(nx.data, sorted[seen].k, nx.len) == 0;
		seen++;
		buf_reset(&cur);
		buf_append(&cur, nx.data, nx.len);
		if (!ok)
			break;
	}
	CHECK(ok);
	CHECK_EQ_INT(seen, nl);
	if (nl) {
		uint8_t top[KV_KEY_MAX + 1];
		memset(top, 0xff, sizeof top);
		CHECK_EQ_INT(trie_prev(t2, top, sizeof top, &nx), 0);
		CHECK(nx.len == sorted[nl - 1].klen &&
		      memcmp(nx.data, sorted[nl - 1].k, nx.len) == 0);
	}
	buf_free(&cur);
	buf_free(&nx);
	free(sorted);
	trie_free(t2);
	trie_free(t);
}

/* Random batches of puts and deletes, each committed to the store: after
 * each, the root is the reference's, a reopened trie reads everything
 * back, and the store holds exactly what a from-scratch commit writes. */
static void run_workload(bool secure, int batches, size_t cap)
{
	kv *e = calloc(cap, sizeof *e);
	size_t n = 0;
	mstore s;
	ms_init(&s, 4099);
	h256 root = TRIE_EMPTY_ROOT;
	trie *t = NULL;
	trie_store st = ms_store(&s, true);
	trie_writer w = ms_writer(&s);
	for (int b = 0; b < batches; b++) {
		/* Sometimes go on with the trie of the last commit, sometimes
		 * start over from the store. */
		if (!t || rnd(2)) {
			trie_free(t);
			CHECK_EQ_INT(trie_open(&st, &root, &t), 0);
		}
		/* Grow early, shrink late, and churn in between. */
		int ops = 1 + (int)rnd(b % 5 == 0 ? 300 : 40);
		unsigned grow = b < batches / 2 ? 6 : 3;
		for (int o = 0; o < ops; o++) {
			unsigned what = rnd(10);
			if ((what < grow || n == 0) && n < cap) {
				rand_key(&e[n], e, n, secure);
				e[n].live = true;
				CHECK_EQ_INT(trie_put(t, e[n].k, e[n].klen, e[n].v,
				                      e[n].vlen), 0);
				n++;
			} else if (what < 8 && n) {
				kv *x = &e[rnd((uint32_t)n)];
				rand_val(x);
				x->live = true;
				CHECK_EQ_INT(trie_put(t, x->k, x->klen, x->v, x->vlen), 0);
			} else if (n) {
				kv *x = &e[rnd((uint32_t)n)];
				x->live = false;
				CHECK_EQ_INT(trie_del(t, x->k, x->klen), 0);
			}
			if (rnd(16) == 0 && n) {
				const kv *x = &e[rnd((uint32_t)n)];
				const uint8_t *v;
				size_t vn;
				int err = trie_get(t, x->k, x->klen, &v, &vn);
				CHECK_EQ_INT(err, x->live ? 0 : DURE_ENOTFOUND);
			}
		}
		/* A failed commit (its writes thrown away, as a store's aborted
		 * transaction would) leaves the trie to be committed again. */
		if (rnd(4) == 0) {
			mstore junk;
			ms_copy(&junk, &s);
			junk.fail_at = 1 + (int)rnd(4);
			trie_writer jw = ms_writer(&junk);
			h256 jr;
			int err = trie_commit(t, &jw, &jr);
			CHECK(err == DURE_EIO || err == DURE_OK);
			ms_free(&junk);
		}
		/* A path that changes hands is a put, never a del and a put. */
		mstore deleted;
		ms_init(&deleted, 257);
		s.deleted = &deleted;
		CHECK_EQ_INT(trie_commit(t, &w, &root), 0);
		CHECK_EQ_INT(s.conflicts, 0);
		s.deleted = NULL;
		ms_free(&deleted);
		h256 want = ref_root(e, n);
		CHECK(h256_eq(&root, &want));
		/* Nothing changed since: nothing to write. */
		unsigned p0 = s.puts, d0 = s.dels;
		h256 again;
		CHECK_EQ_INT(trie_commit(t, &w, &again), 0);
		CHECK(h256_eq(&again, &root));
		CHECK_EQ_INT(s.puts - p0 + s.dels - d0, 0);
		check_reopen(&s, &root, e, n, secure);
		mstore full;
		h256 fr;
		full_commit(e, n, &full, &fr);
		CHECK(h256_eq(&fr, &want));
		CHECK(ms_same(&s, &full));
		ms_free(&full);
		/* Sometimes let go of the deeper levels, as a trie kept open
		 * from block to block does: the next batch loads them again. */
		if (rnd(3) == 0) {
			trie_unload(t, rnd(4));
			h256 same;
			unsigned l0 = s.loads;
			CHECK_EQ_INT(trie_root(t, &same), 0);
			CHECK(h256_eq(&same, &root));
			CHECK_EQ_INT(s.loads - l0, 0);
		}
	}
	/* Delete everything: the store ends empty. */
	trie_free(t);
	CHECK_EQ_INT(trie_open(&st, &root, &t), 0);
	for (size_t i = 0; i < n; i++) {
		CHECK_EQ_INT(trie_del(t, e[i].k, e[i].klen), 0);
		e[i].live = false;
	}
	CHECK_EQ_INT(trie_commit(t, &w, &root), 0);
	CHECK(h256_eq(&root, &TRIE_EMPTY_ROOT));
	CHECK_EQ_INT(s.count, 0);
	trie_free(t);
	ms_free(&s);
	free(e);
}

static void test_workload_short_keys(void)
{
	run_workload(false, 60, 400);
}

static void test_workload_secure_keys(void)
{
	run_workload(true, 40, 2000);
}

/* Makes x a live entry of a random 32-byte key and puts it in t. */
static void put_random32(trie *t, kv *x)
{
	x->klen = 32;
	for (size_t j = 0; j < 32; j++)
		x->k[j] = (uint8_t)rnd(256);
	rand_val(x);
	x->live = true;
	CHECK_EQ_INT(trie_put(t, x->k, 32, x->v, x->vlen), 0);
}

/* A trie kept open keeps only its top levels: after trie_unload(t, 2) on
 * 20,000 keys, reading one key loads its path below the third level
 * again (a handful of nodes), not the top ones, and the trie's load count
 * is back to the size of those levels. */
static void test_unload_keeps_top(void)
{
	mstore s;
	ms_init(&s, 65537);
	trie_store st = ms_store(&s, true);
	trie_writer w = ms_writer(&s);
	trie *t = NULL;
	h256 root = TRIE_EMPTY_ROOT;
	CHECK_EQ_INT(trie_open(&st, &root, &t), 0);
	kv *e = calloc(20000, sizeof *e);
	for (size_t i = 0; i < 20000; i++)
		put_random32(t, &e[i]);
	CHECK_EQ_INT(trie_commit(t, &w, &root), 0);
	trie_free(t);
	CHECK_EQ_INT(trie_open(&st, &root, &t), 0);
	/* Load every node, then keep three levels: root, 16, 256. */
	for (size_t i = 0; i < 20000; i++) {
		const uint8_t *v;
		size_t vn;
		CHECK_EQ_INT(trie_get(t, e[i].k, 32, &v, &vn), 0);
	}
	CHECK(trie_loads(t) > 20000);
	trie_unload(t, 2);
	CHECK(trie_loads(t) <= 1 + 16 + 256);
	unsigned l0 = s.loads;
	const uint8_t *v;
	size_t vn;
	CHECK_EQ_INT(trie_get(t, e[7].k, 32, &v, &vn), 0);
	CHECK(vn == e[7].vlen && !memcmp(v, e[7].v, vn));
	CHECK(s.loads - l0 >= 1 && s.loads - l0 <= 3);
	/* Changes after an unload commit as they would have anyway. */
	rand_val(&e[9]);
	CHECK_EQ_INT(trie_put(t, e[9].k, 32, e[9].v, e[9].vlen), 0);
	CHECK_EQ_INT(trie_commit(t, &w, &root), 0);
	h256 want = ref_root(e, 20000);
	CHECK(h256_eq(&root, &want));
	trie_free(t);
	ms_free(&s);
	free(e);
}

/* A few changes to a big stored trie load only the nodes on their paths. */
static void test_loads_follow_paths(void)
{
	const size_t n = 100000;
	kv *e = calloc(n + 3, sizeof *e);
	trie *t;
	CHECK_EQ_INT(trie_new(&t), 0);
	for (size_t i = 0; i < n; i++)
		put_random32(t, &e[i]);
	mstore s;
	ms_init(&s, 1 << 18);
	trie_writer w = ms_writer(&s);
	h256 root;
	CHECK_EQ_INT(trie_commit(t, &w, &root), 0);
	trie_free(t);
	h256 want = ref_root(e, n);
	CHECK(h256_eq(&root, &want));

	trie_store st = ms_store(&s, true);
	CHECK_EQ_INT(trie_open(&st, &root, &t), 0);
	s.loads = s.puts = s.dels = 0;
	for (int i = 0; i < 5; i++) {
		kv *x = &e[rnd((uint32_t)n)];
		rand_val(x);
		CHECK_EQ_INT(trie_put(t, x->k, 32, x->v, x->vlen), 0);
	}
	for (size_t i = n; i < n + 3; i++)
		put_random32(t, &e[i]);
	for (int i = 0; i < 2; i++) {
		kv *x = &e[rnd((uint32_t)n)];
		x->live = false;
		CHECK_EQ_INT(trie_del(t, x->k, 32), 0);
	}
	CHECK_EQ_INT(trie_commit(t, &w, &root), 0);
	fprintf(stderr, "10 changes on %zu keys: %u loads, %u puts, %u dels\n",
	        n, s.loads, s.puts, s.dels);
	CHECK(s.loads > 0 && s.loads <= 10 * 8);
	CHECK(s.puts <= 10 * 8);
	want = ref_root(e, n + 3);
	CHECK(h256_eq(&root, &want));
	trie_free(t);
	mstore full;
	h256 fr;
	full_commit(e, n + 3, &full, &fr);
	CHECK(ms_same(&s, &full));
	ms_free(&full);
	ms_free(&s);
	free(e);
}

/* A store that lies is caught when verify is set. */
static void test_corrupt_store(void)
{
	kv e[200];
	for (size_t i = 0; i < 200; i++) {
		rand_key(&e[i], e, i, true);
		e[i].live = true;
	}
	mstore s;
	h256 root;
	full_commit(e, 200, &s, &root);
	/* Put a well-formed node at the wrong path: the branch below the root
	 * on e[7]'s way gets the one of another first nibble. */
	uint8_t p[1] = {e[7].k[0] >> 4}, q[1] = {(uint8_t)((p[0] + 1) % 16)};
	ment *x = *ms_find(&s, p, 1), *y = *ms_find(&s, q, 1);
	CHECK(x != NULL && y != NULL);
	if (!x || !y) {
		ms_free(&s);
		return;
	}
	uint8_t *swap = x->node;
	size_t swap_len = x->nlen;
	x->node = y->node;
	x->nlen = y->nlen;
	y->node = swap;
	y->nlen = swap_len;
	trie_store st = ms_store(&s, true);
	trie *t;
	CHECK_EQ_INT(trie_open(&st, &root, &t), 0);
	const uint8_t *v;
	size_t vn;
	CHECK_EQ_INT(trie_get(t, e[7].k, 32, &v, &vn), DURE_ETRIE_MISSING);
	CHECK(v == NULL && vn == 0);
	CHECK_EQ_INT(trie_put(t, e[7].k, 32, (const uint8_t *)"x", 1),
	             DURE_ETRIE_MISSING);
	CHECK_EQ_INT(trie_del(t, e[7].k, 32), DURE_ETRIE_MISSING);
	trie_proof pr;
	CHECK_EQ_INT(trie_prove(t, e[7].k, 32, &pr), DURE_ETRIE_MISSING);
	CHECK(pr.n == 0 && pr.nodes == NULL);
	trie_free(t);
	/* A node the root refers to is gone. */
	static const uint8_t root_path[1];
	ms_del(&s, root_path, 0);
	CHECK_EQ_INT(trie_open(&st, &root, &t), 0);
	CHECK_EQ_INT(trie_get(t, e[8].k, 32, &v, &vn), DURE_ETRIE_MISSING);
	buf k = BUF_INIT;
	CHECK_EQ_INT(trie_next(t, NULL, 0, &k), DURE_ETRIE_MISSING);
	CHECK_EQ_INT(k.len, 0);
	buf_free(&k);
	trie_free(t);
	ms_free(&s);
}

/* ---- proofs ---- */

/* Proves key in t and checks the proof says what the model says; then
 * that a flipped byte, a dropped node or an extra node spoil it. */
static void check_proof(trie *t, const h256 *root, const kv *x)
{
	trie_proof p;
	CHECK_EQ_INT(trie_prove(t, x->k, x->klen, &p), 0);
	const uint8_t *v;
	size_t vn;
	int err = trie_verify_proof(root, x->k, x->klen, &p, &v, &vn);
	if (x->live) {
		CHECK_EQ_INT(err, 0);
		CHECK(!err && vn == x->vlen && memcmp(v, x->v, vn) == 0);
	} else {
		CHECK_EQ_INT(err, DURE_ENOTFOUND);
		CHECK(v == NULL && vn == 0);
	}
	if (p.n == 0) {
		trie_proof_free(&p);
		return;
	}
	size_t j = rnd((uint32_t)p.n);
	size_t at = rnd((uint32_t)p.lens[j]);
	p.nodes[j][at] ^= (uint8_t)(1 + rnd(255));
	CHECK_EQ_INT(trie_verify_proof(root, x->k, x->klen, &p, &v, &vn),
	             DURE_ETRIE_MISSING);
	CHECK(v == NULL && vn == 0);
	p.nodes[j][at] = 0;
	free(p.nodes[j]);
	memmove(p.nodes + j, p.nodes + j + 1, (p.n - j - 1) * sizeof *p.nodes);
	memmove(p.lens + j, p.lens + j + 1, (p.n - j - 1) * sizeof *p.lens);
	p.n--;
	CHECK_EQ_INT(trie_verify_proof(root, x->k, x->klen, &p, &v, &vn),
	             DURE_ETRIE_MISSING);
	trie_proof_free(&p);
	/* An extra node at the end. */
	CHECK_EQ_INT(trie_prove(t, x->k, x->klen, &p), 0);
	uint8_t **nodes = realloc(p.nodes, (p.n + 1) * sizeof *nodes);
	size_t *lens = realloc(p.lens, (p.n + 1) * sizeof *lens);
	CHECK(nodes && lens);
	p.nodes = nodes;
	p.lens = lens;
	p.nodes[p.n] = malloc(p.lens[0]);
	memcpy(p.nodes[p.n], p.nodes[0], p.lens[0]);
	p.lens[p.n] = p.lens[0];
	p.n++;
	CHECK_EQ_INT(trie_verify_proof(root, x->k, x->klen, &p, &v, &vn),
	             DURE_ETRIE_MISSING);
	trie_proof_free(&p);
}

static void test_proofs_random(void)
{
	for (int round = 0; round < 30; round++) {
		bool secure = round % 2;
		size_t n = 1 + rnd(round < 10 ? 8 : 300);
		kv *e = calloc(n, sizeof *e);
		trie *t;
		CHECK_EQ_INT(trie_new(&t), 0);
		for (size_t i = 0; i < n; i++) {
			rand_key(&e[i], e, i, secure);
			e[i].live = rnd(4) != 0;
			if (e[i].live)
				CHECK_EQ_INT(trie_put(t, e[i].k, e[i].klen, e[i].v,
				                      e[i].vlen), 0);
		}
		h256 root, want = ref_root(e, n);
		CHECK_EQ_INT(trie_root(t, &root), 0);
		CHECK(h256_eq(&root, &want));
		for (size_t i = 0; i < n; i++)
			check_proof(t, &want, &e[i]);
		/* The same proofs from the trie reopened over a store. */
		mstore s;
		ms_init(&s, 4099);
		trie_writer w = ms_writer(&s);
		CHECK_EQ_INT(trie_commit(t, &w, &root), 0);
		trie_store st = ms_store(&s, true);
		trie *u;
		CHECK_EQ_INT(trie_open(&st, &root, &u), 0);
		for (size_t i = 0; i < n; i++) {
			trie_proof a, b;
			CHECK_EQ_INT(trie_prove(t, e[i].k, e[i].klen, &a), 0);
			CHECK_EQ_INT(trie_prove(u, e[i].k, e[i].klen, &b), 0);
			bool same = a.n == b.n;
			for (size_t j = 0; same && j < a.n; j++)
				same = a.lens[j] == b.lens[j] &&
				       memcmp(a.nodes[j], b.nodes[j], a.lens[j]) == 0;
			CHECK(same);
			trie_proof_free(&a);
			trie_proof_free(&b);
		}
		/* Random absent probes. */
		for (int q = 0; q < 20; q++) {
			kv x;
			rand_key(&x, e, n, secure);
			x.live = false;
			check_proof(u, &want, &x);
		}
		trie_free(u);
		ms_free(&s);
		trie_free(t);
		free(e);
	}
	/* The empty trie: no nodes prove every key absent. */
	trie *t;
	CHECK_EQ_INT(trie_new(&t), 0);
	trie_proof p;
	CHECK_EQ_INT(trie_prove(t, (const uint8_t *)"a", 1, &p), 0);
	CHECK_EQ_INT(p.n, 0);
	const uint8_t *v;
	size_t vn;
	CHECK_EQ_INT(trie_verify_proof(&TRIE_EMPTY_ROOT, (const uint8_t *)"a", 1,
	                               &p, &v, &vn),
	             DURE_ENOTFOUND);
	h256 other = TRIE_EMPTY_ROOT;
	other.b[0] ^= 1;
	CHECK_EQ_INT(trie_verify_proof(&other, (const uint8_t *)"a", 1, &p, &v,
	                               &vn),
	             DURE_ETRIE_MISSING);
	trie_proof_free(&p);
	trie_free(t);
}

/* ---- TrieTests fixtures: proofs against their roots ---- */

static int fixture_bytes(const json_t *j, buf *out)
{
	const char *s = json_string_value(j);
	size_t n = json_string_length(j);
	if (n >= 2 && s[0] == '0' && s[1] == 'x')
		return hex_decode(s, n, out);
	return buf_append(out, s, n);
}

/* A key of a case's final contents (hashed when secure), its value, and
 * whether it is still there (a later null deletes it). */
typedef struct fxkv {
	buf k, v;
	bool live;
} fxkv;

static void fx_apply(fxkv *m, size_t *n, size_t cap, bool secure,
                     const json_t *jk, const json_t *jv)
{
	buf k = BUF_INIT;
	CHECK_EQ_INT(fixture_bytes(jk, &k), 0);
	if (secure) {
		uint8_t h[32];
		keccak256(k.data, k.len, h);
		buf_reset(&k);
		buf_append(&k, h, 32);
	}
	size_t i = 0;
	while (i < *n && (m[i].k.len != k.len ||
	                  (k.len && memcmp(m[i].k.data, k.data, k.len) != 0)))
		i++;
	if (i == *n) {
		CHECK(*n < cap);
		if (*n >= cap) {
			buf_free(&k);
			return;
		}
		memset(&m[i], 0, sizeof m[i]);
		m[i].k = k;
		(*n)++;
	} else {
		buf_free(&k);
	}
	buf_reset(&m[i].v);
	if (json_is_string(jv))
		CHECK_EQ_INT(fixture_bytes(jv, &m[i].v), 0);
	m[i].live = m[i].v.len > 0;
}

static void fx_case(const char *name, json_t *tc, bool secure, int *cases)
{
	enum { CAP = 256 };
	static fxkv m[CAP];
	size_t n = 0;
	json_t *in = json_object_get(tc, "in");
	const char *rh = json_string_value(json_object_get(tc, "root"));
	h256 want;
	CHECK(rh && hex_decode_exact(rh, want.b, 32) == 0);
	if (json_is_array(in)) {
		size_t i;
		json_t *pair;
		json_array_foreach(in, i, pair)
			fx_apply(m, &n, CAP, secure, json_array_get(pair, 0),
			         json_array_get(pair, 1));
	} else {
		const char *key;
		json_t *val;
		json_object_foreach(in, key, val) {
			json_t *k = json_string(key);
			fx_apply(m, &n, CAP, secure, k, val);
			json_decref(k);
		}
	}
	trie *t;
	CHECK_EQ_INT(trie_new(&t), 0);
	for (size_t i = 0; i < n; i++)
		if (m[i].live)
			CHECK_EQ_INT(trie_put(t, m[i].k.data, m[i].k.len, m[i].v.data,
			                      m[i].v.len), 0);
	/* Through a store and back, so the proofs come from loaded nodes. */
	mstore s;
	ms_init(&s, 257);
	trie_writer w = ms_writer(&s);
	h256 root;
	CHECK_EQ_INT(trie_commit(t, &w, &root), 0);
	trie_free(t);
	if (!h256_eq(&root, &want))
		fprintf(stderr, "%s: root differs from the fixture's\n", name);
	CHECK(h256_eq(&root, &want));
	trie_store st = ms_store(&s, true);
	CHECK_EQ_INT(trie_open(&st, &want, &t), 0);
	for (size_t i = 0; i < n; i++) {
		trie_proof p;
		CHECK_EQ_INT(trie_prove(t, m[i].k.data, m[i].k.len, &p), 0);
		const uint8_t *v;
		size_t vn;
		int err = trie_verify_proof(&want, m[i].k.data, m[i].k.len, &p, &v,
		                            &vn);
		if (m[i].live) {
			CHECK_EQ_INT(err, 0);
			CHECK(!err && vn == m[i].v.len && memcmp(v, m[i].v.data, vn) == 0);
		} else {
			CHECK_EQ_INT(err, DURE_ENOTFOUND);
		}
		trie_proof_free(&p);
		buf_free(&m[i].k);
		buf_free(&m[i].v);
	}
	trie_free(t);
	ms_free(&s);
	(*cases)++;
}

static void test_fixture_proofs(void)
{
	const char *dir = getenv("DURE_FIXTURES");
	CHECK(dir != NULL);
	if (!dir)
		return;
	static const char *files[] = {
		"trietest.json", "trieanyorder.json", "trietest_secureTrie.json",
		"trieanyorder_secureTrie.json", "hex_encoded_securetrie_test.json",
	};
	int cases = 0;
	for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/TrieTests/%s", dir, files[f]);
		json_error_t jerr;
		json_t *j = json_load_file(path, 0, &jerr);
		CHECK(j != NULL);
		if (!j) {
			fprintf(stderr, "%s: %s\n", path, jerr.text);
			continue;
		}
		bool secure = strstr(files[f], "ecure") != NULL;
		const char *name;
		json_t *tc;
		json_object_foreach(j, name, tc)
			fx_case(name, tc, secure, &cases);
		json_decref(j);
	}
	/* 5 + 7 + 3 + 7 + 3 cases in the files above. */
	CHECK_EQ_INT(cases, 25);
}

TEST_MAIN(test_unload_keeps_top, test_workload_short_keys, test_workload_secure_keys,
          test_loads_follow_paths, test_corrupt_store, test_proofs_random,
          test_fixture_proofs)
