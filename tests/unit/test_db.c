/* The db layer: tables, transactions, cursors, prefix deletion, map growth.
 *
 * Ordering and seek results are checked against a reference array sorted
 * here by the definition of byte-string order (memcmp over the common
 * length, then the shorter first), not by anything db returns. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db/db.h"
#include "test.h"

static char root[] = "/tmp/dure-test-db-XXXXXX";

/* A fresh directory under root for one test. */
static const char *subdir(const char *name)
{
	static char path[256];
	snprintf(path, sizeof path, "%s/%s", root, name);
	return path;
}

static int rm_entry(const char *p, const struct stat *st, int flag,
                    struct FTW *f)
{
	return remove(p);
}

static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Fills p with bytes determined by seed alone, so a reader can recompute
 * what a writer stored. */
static void fill(uint8_t *p, size_t n, uint64_t seed)
{
	uint64_t s = seed * 0x9e3779b97f4a7c15u + 1;
	for (size_t i = 0; i < n; i++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		p[i] = (uint8_t)(s >> 24);
	}
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

typedef struct ref_key {
	uint8_t b[8];
	size_t n;
	bool gone;
} ref_key;

static int ref_cmp(const void *pa, const void *pb)
{
	const ref_key *a = pa, *b = pb;
	size_t n = a->n < b->n ? a->n : b->n;
	for (size_t i = 0; i < n; i++)
		if (a->b[i] != b->b[i])
			return a->b[i] < b->b[i] ? -1 : 1;
	return a->n < b->n ? -1 : a->n > b->n;
}

static bool has_prefix(const ref_key *k, const uint8_t *p, size_t n)
{
	return k->n >= n && memcmp(k->b, p, n) == 0;
}

#define NREF 400
static ref_key refs[NREF];
static size_t nrefs;

/* Keys of 1..6 bytes over a small alphabet with 0x00 and 0xff, so many
 * keys are prefixes of others and the order's edge cases all occur. */
static void make_refs(void)
{
	static const uint8_t alpha[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
	rng_state = 0x1234567;
	nrefs = 0;
	while (nrefs < NREF) {
		ref_key k = {.n = 1 + rng() % 6};
		for (size_t i = 0; i < k.n; i++)
			k.b[i] = alpha[rng() % sizeof alpha];
		bool dup = false;
		for (size_t i = 0; i < nrefs && !dup; i++)
			dup = ref_cmp(&refs[i], &k) == 0;
		if (!dup)
			refs[nrefs++] = k;
	}
}

/* The value stored under a reference key: its bytes reversed, then its
 * length. */
static size_t ref_val(const ref_key *k, uint8_t *out)
{
	for (size_t i = 0; i < k->n; i++)
		out[i] = k->b[k->n - 1 - i];
	out[k->n] = (uint8_t)k->n;
	return k->n + 1;
}

static db *open_dir(const char *dir, size_t map, size_t headroom, bool ro)
{
	db_options o = {.initial_map = map, .headroom = headroom,
	                .no_sync = true, .read_only = ro};
	db *d = NULL;
	CHECK_EQ_INT(db_open(dir, &o, &d), DURE_OK);
	return d;
}

static bool get_is(db_txn *t, db_table tb, const char *k, const char *want)
{
	const uint8_t *v;
	size_t vl;
	if (db_get(t, tb, k, strlen(k), &v, &vl) != DURE_OK)
		return false;
	return vl == strlen(want) && memcmp(v, want, vl) == 0;
}

static bool absent(db_txn *t, db_table tb, const char *k)
{
	const uint8_t *v = (const uint8_t *)"x";
	size_t vl = 1;
	return db_get(t, tb, k, strlen(k), &v, &vl) == DURE_ENOTFOUND &&
	       v == NULL && vl == 0;
}

static void test_put_get_del(void)
{
	db *d = open_dir(subdir("basic/nested"), 0, 0, false);
	if (!d)
		return;
	db_table a, b, a2;
	CHECK_EQ_INT(db_table_open(d, "a", &a), DURE_OK);
	CHECK_EQ_INT(db_table_open(d, "b", &b), DURE_OK);
	CHECK_EQ_INT(db_table_open(d, "a", &a2), DURE_OK);
	CHECK_EQ_INT(a, a2);
	CHECK(a != b);
	CHECK_EQ_INT(db_table_open(d, "", &a2), DURE_EINVAL);

	db_txn *t;
	CHECK_EQ_INT(db_begin_write(d, &t), DURE_OK);
	CHECK_EQ_INT(db_put(t, a, "k1", 2, "v1", 2), DURE_OK);
	CHECK_EQ_INT(db_put(t, a, "k2", 2, "v2", 2), DURE_OK);
	CHECK_EQ_INT(db_put(t, b, "k1", 2, "other", 5), DURE_OK);
	CHECK_EQ_INT(db_put(t, a, "", 0, "v", 1), DURE_EINVAL);
	uint8_t big[512];
	memset(big, 0x42, sizeof big);
	CHECK_EQ_INT(db_put(t, a, big, 512, "v", 1), DURE_EINVAL);
	CHECK_EQ_INT(db_put(t, a, big, 511, "max", 3), DURE_OK);
	/* A write transaction reads its own writes. */
	CHECK(get_is(t, a, "k1", "v1"));
	CHECK_EQ_INT(db_commit(t), DURE_OK);

	CHECK_EQ_INT(db_begin_read(d, &t), DURE_OK);
	CHECK(get_is(t, a, "k1", "v1"));
	CHECK(get_is(t, a, "k2", "v2"));
	CHECK(get_is(t, b, "k1", "other"));
	CHECK(absent(t, b, "k2"));
	size_t n = 0;
	CHECK_EQ_INT(db_count(t, a, &n), DURE_OK);
	CHECK_EQ_INT(n, 3);
	CHECK_EQ_INT(db_count(t, b, &n), DURE_OK);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(db_put(t, a, "k3", 2, "v3", 2), DURE_EINVAL);
	CHECK_EQ_INT(db_commit(t), DURE_OK);

	CHECK_EQ_INT(db_begin_write(d, &t), DURE_OK);
	CHECK_EQ_INT(db_put(t, a, "k1", 2, "a longer value", 14), DURE_OK);
	CHECK_EQ_INT(db_del(t, a, "k2", 2), DURE_OK);
	CHECK_EQ_INT(db_del(t, a, "missing", 7), DURE_OK);
	CHECK_EQ_INT(db_del(t, a, big, 511), DURE_OK);
	CHECK_EQ_INT(db_commit(t), DURE_OK);

	CHECK_EQ_INT(db_begin_read(d, &t), DURE_OK);
	CHECK(get_is(t, a, "k1", "a longer value"));
	CHECK(absent(t, a, "k2"));
	CHECK(get_is(t, b, "k1", "other"));
	CHECK_EQ_INT(db_count(t, a, &n), DURE_OK);
	CHECK_EQ_INT(n, 1);
	db_abort(t);
	db_close(d);
}

static void load_refs(db *d, db_table tb)
{
	db_txn *t;
	CHECK_EQ_INT(db_begin_write(d, &t), DURE_OK);
	/* Insert in a shuffled order so the table's order is its own. */
	size_t order[NREF];
	for (size_t i = 0; i < nrefs; i++)
		order[i] = i;
	for (size_t i = nrefs - 1; i > 0; i--) {
		size_t j = rng() % (i + 1), x = order[i];
		order[i] = order[j];
		order[j] = x;
	}
	for (size_t i = 0; i < nrefs; i++) {
		uint8_t v[16];
		size_t vl = ref_val(&refs[order[i]], v);
		CHECK_EQ_INT(db_put(t, tb, refs[order[i]].b, refs[order[i]].n, v,
		                    vl), DURE_OK);
	}
	CHECK_EQ_INT(db_commit(t), DURE_OK);
}

static bool entry_is(int err, const uint8_t *k, size_t kl, const uint8_t *v,
                     size_t vl, const ref_key *r)
{
	uint8_t want[16];
	size_t wl = ref_val(r, want);
	return err == DURE_OK && kl == r->n && memcmp(k, r->b, kl) == 0 &&
	       vl == wl && memcmp(v, want, wl) == 0;
}

/* Walks tb forward and backward and compares with the live refs. */
static void check_table_matches(db *d, db_table tb)
{
	ref_key *live[NREF];
	size_t nl = 0;
	for (size_t i = 0; i < nrefs; i++)
		if (!refs[i].gone)
			live[nl++] = &refs[i];
	db_txn *t;
	db_cursor *c;
	CHECK_EQ_INT(db_begin_read(d, &t), DURE_OK);
	CHECK_EQ_INT(db_cursor_open(t, tb, &c), DURE_OK);
	const uint8_t *k, *v;
	size_t kl, vl, seen = 0, bad = 0;
	int err = db_cursor_seek(c, NULL, 0, &k, &kl, &v, &vl);
	for (; err == DURE_OK; err = db_cursor_next(c, &k, &kl, &v, &vl)) {
		if (seen >= nl || !entry_is(err, k, kl, v, vl, live[seen]))
			bad++;
		seen++;
	}
	CHECK_EQ_INT(err, DURE_ENOTFOUND);
	CHECK(k == NULL && v == NULL && kl == 0 && vl == 0);
	CHECK_EQ_INT(seen, nl);
	CHECK_EQ_INT(bad, 0);

	seen = bad = 0;
	err = db_cursor_last(c, &k, &kl, &v, &vl);
	for (; err == DURE_OK; err = db_cursor_prev(c, &k, &kl, &v, &vl)) {
		if (seen >= nl || !entry_is(err, k, kl, v, vl, live[nl - 1 - seen]))
			bad++;
		seen++;
	}
	CHECK_EQ_INT(err, DURE_ENOTFOUND);
	CHECK_EQ_INT(seen, nl);
	CHECK_EQ_INT(bad, 0);
	size_t n = 0;
	CHECK_EQ_INT(db_count(t, tb, &n), DURE_OK);
	CHECK_EQ_INT(n, nl);
	db_cursor_close(c);
	db_abort(t);
}

static void test_cursor_order_and_seek(void)
{
	make_refs();
	qsort(refs, nrefs, sizeof refs[0], ref_cmp);
	/* The reference order itself, spot-checked by hand. */
	ref_key x = {{0x01}, 1, false}, y = {{0x01, 0x00}, 2, false},
	        z = {{0x7f}, 1, false};
	CHECK(ref_cmp(&x, &y) < 0 && ref_cmp(&y, &z) < 0);

	db *d = open_dir(subdir("cursor"), 0, 0, false);
	if (!d)
		return;
	db_table tb, other;
	CHECK_EQ_INT(db_table_open(d, "t", &tb), DURE_OK);
	CHECK_EQ_INT(db_table_open(d, "other", &other), DURE_OK);
	load_refs(d, tb);
	check_table_matches(d, tb);

	db_txn *t;
	db_cursor *c;
	const uint8_t *k, *v;
	size_t kl, vl;
	CHECK_EQ_INT(db_begin_read(d, &t), DURE_OK);
	CHECK_EQ_INT(db_cursor_open(t, tb, &c), DURE_OK);
	size_t bad = 0;
	for (int probe = 0; probe < 600; probe++) {
		static const uint8_t alpha[] = {0x00, 0x01, 0x02, 0x7f, 0x80,
		                                0xfe, 0xff};
		ref_key p = {.n = 1 + rng() % 7};
		for (size_t i = 0; i < p.n; i++)
			p.b[i] = alpha[rng() % sizeof alpha];
		size_t want = 0;
		while (want < nrefs && ref_cmp(&refs[want], &p) < 0)
			want++;
		int err = db_cursor_seek(c, p.b, p.n, &k, &kl, &v, &vl);
		if (want == nrefs) {
			if (err != DURE_ENOTFOUND || k || v)
				bad++;
			/* Past the end the cursor is unplaced: next finds nothing. */
			if (db_cursor_next(c, &k, &kl, &v, &vl) != DURE_ENOTFOUND)
				bad++;
			continue;
		}
		if (!entry_is(err, k, kl, v, vl, &refs[want]))
			bad++;
		err = db_cursor_next(c, &k, &kl, &v, &vl);
		if (want + 1 < nrefs ? !entry_is(err, k, kl, v, vl, &refs[want + 1])
		                     : err != DURE_ENOTFOUND)
			bad++;
		err = db_cursor_seek(c, p.b, p.n, &k, &kl, &v, &vl);
		err = err ? err : db_cursor_prev(c, &k, &kl, &v, &vl);
		if (want > 0 ? !entry_is(err, k, kl, v, vl, &refs[want - 1])
		             : err != DURE_ENOTFOUND)
			bad++;
	}
	CHECK_EQ_INT(bad, 0);
	/* An exact hit lands on the key itself. */
	int err = db_cursor_seek(c, refs[7].b, refs[7].n, &k, &kl, &v, &vl);
	CHECK(entry_is(err, k, kl, v, vl, &refs[7]));
	db_cursor_close(c);

	/* An empty table has no first or last key. */
	CHECK_EQ_INT(db_cursor_open(t, other, &c), DURE_OK);
	CHECK_EQ_INT(db_cursor_seek(c, NULL, 0, &k, &kl, &v, &vl),
	             DURE_ENOTFOUND);
	CHECK_EQ_INT(db_cursor_last(c, &k, &kl, &v, &vl), DURE_ENOTFOUND);
	db_cursor_close(c);

	/* A cursor left open when its transaction ends is only freed. */
	CHECK_EQ_INT(db_cursor_open(t, tb, &c), DURE_OK);
	CHECK_EQ_INT(db_cursor_last(c, &k, &kl, &v, &vl), DURE_OK);
	db_abort(t);
	CHECK_EQ_INT(db_cursor_next(c, &k, &kl, &v, &vl), DURE_EDB);
	db_cursor_close(c);
	db_close(d);
}

static void test_del_prefix(void)
{
	make_refs();
	qsort(refs, nrefs, sizeof refs[0], ref_cmp);
	db *d = open_dir(subdir("prefix"), 0, 0, false);
	if (!d)
		return;
	db_table tb, keep;
	CHECK_EQ_INT(db_table_open(d, "t", &tb), DURE_OK);
	CHECK_EQ_INT(db_table_open(d, "keep", &keep), DURE_OK);
	load_refs(d, tb);
	load_refs(d, keep);

	/* A one-byte prefix, a longer one, a whole key that prefixes others,
	 * the last key of the order, and a prefix no key has. */
	const struct {
		uint8_t p[8];
		size_t n;
	} cases[] = {
		{{0x80}, 1},
		{{0x00, 0xff}, 2},
		{{0}, 0}, /* filled below from refs */
		{{0xff, 0xff, 0xff}, 3},
		{{0x02}, 1},
	};
	for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
		uint8_t p[8];
		size_t pn = cases[ci].n;
		memcpy(p, cases[ci].p, sizeof p);
		if (ci == 2) {
			size_t i = 0;
			while (i + 1 < nrefs &&
			       !(refs[i].n < 3 && has_prefix(&refs[i + 1], refs[i].b,
			                                     refs[i].n)))
				i++;
			pn = refs[i].n;
			memcpy(p, refs[i].b, pn);
		}
		size_t want = 0;
		for (size_t i = 0; i < nrefs; i++)
			if (!refs[i].gone && has_prefix(&refs[i], p, pn)) {
				refs[i].gone = true;
				want++;
			}
		if (ci < 4)
			CHECK(want > 0);
		else
			CHECK_EQ_INT(want, 0);
		db_txn *t;
		size_t removed = 99;
		CHECK_EQ_INT(db_begin_write(d, &t), DURE_OK);
		CHECK_EQ_INT(db_del_prefix(t, tb, p, pn, &removed), DURE_OK);
		CHECK_EQ_INT(removed, want);
		CHECK_EQ_INT(db_commit(t), DURE_OK);
		check_table_matches(d, tb);
	}

	/* plen 0 empties the table and leaves the others. */
	size_t live = 0;
	for (size_t i = 0; i < nrefs; i++)
		live += !refs[i].gone;
	db_txn *t;
	size_t removed = 0, n = 1;
	CHECK_EQ_INT(db_begin_write(d, &t), DURE_OK);
	CHECK_EQ_INT(db_del_prefix(t, tb, NULL, 0, &removed), DURE_OK);
	CHECK_EQ_INT(removed, live);
	CHECK_EQ_INT(db_count(t, tb, &n), DURE_OK);
	CHECK_EQ_INT(n, 0);
	CHECK_EQ_INT(db_count(t, keep, &n), DURE_OK);
	CHECK_EQ_INT(n, nrefs);
	CHECK_EQ_INT(db_commit(t), DURE_OK);
	db_close(d);
}

static void test_cursor_del(void)
{
	make_refs();
	qsort(refs, nrefs, sizeof refs[0], ref_cmp);
	db *d = open_dir(subdir("cursordel"), 0, 0, false);
	if (!d)
		return;
	db_table tb;
	CHECK_EQ_INT(db_table_open(d, "t", &tb), DURE_OK);
	load_refs(d, tb);

	db_txn *t;
	db_cursor *c;
	const uint8_t *k, *v;
	size_t kl, vl, i = 0, bad = 0;
	CHECK_EQ_INT(db_begin_write(d, &t), DURE_OK);
	CHECK_EQ_INT(db_cursor_open(t, tb, &c), DURE_OK);
	CHECK_EQ_INT(db_cursor_del(c), DURE_ENOTFOUND);
	/* Delete every third entry while walking forward. */
	int err = db_cursor_seek(c, NULL, 0, &k, &kl, &v, &vl);
	for (; err == DURE_OK; err = db_cursor_next(c, &k, &kl, &v, &vl), i++) {
		if (i >= nrefs || !entry_is(err, k, kl, v, vl, &refs[i]))
			bad++;
		if (i % 3 == 0) {
			if (db_cursor_del(c) != DURE_OK)
				bad++;
			/* The cursor is between entries: nothing to delete. */
			if (db_cursor_del(c) != DURE_ENOTFOUND)
				bad++;
			refs[i].gone = true;
		}
	}
	CHECK_EQ_INT(err, DURE_ENOTFOUND);
	CHECK_EQ_INT(i, nrefs);
	CHECK_EQ_INT(bad, 0);

	/* Deleting the last entry leaves prev on the one before it. */
	size_t last = nrefs - 1, before = last - 1;
	while (refs[last].gone)
		last--;
	while (refs[before].gone || before >= last)
		before--;
	err = db_cursor_last(c, &k, &kl, &v, &vl);
	CHECK(entry_is(err, k, kl, v, vl, &refs[last]));
	CHECK_EQ_INT(db_cursor_del(c), DURE_OK);
	refs[last].gone = true;
	err = db_cursor_prev(c, &k, &kl, &v, &vl);
	CHECK(entry_is(err, k, kl, v, vl, &refs[before]));
	db_cursor_close(c);
	CHECK_EQ_INT(db_commit(t), DURE_OK);
	check_table_matches(d, tb);
	db_close(d);
}

typedef struct reader_arg {
	db_txn *t;
	db_table tb;
	bool ok;
} reader_arg;

static void *reader_thread(void *p)
{
	reader_arg *a = p;
	a->ok = get_is(a->t, a->tb, "k", "old");
	db_abort(a->t);
	return NULL;
}

static void test_transactions(void)
{
	db *d = open_dir(subdir("txn"), 0, 0, false);
	if (!d)
		return;
	db_table tb;
	CHECK_EQ_INT(db_table_open(d, "t", &tb), DURE_OK);
	db_txn *w, *w2 = (db_txn *)&tb, *r1, *r2, *r3;
	CHECK_EQ_INT(db_begin_write(d, &w), DURE_OK);
	CHECK_EQ_INT(db_put(w, tb, "k", 1, "old", 3), DURE_OK);
	CHECK_EQ_INT(db_begin_write(d, &w2), DURE_EBUSY);
	CHECK(w2 == NULL);
	db_table t2;
	CHECK_EQ_INT(db_table_open(d, "t2", &t2), DURE_EBUSY);
	CHECK_EQ_INT(db_commit(w), DURE_OK);

	/* Abort discards. */
	CHECK_EQ_INT(db_begin_write(d, &w), DURE_OK);
	CHECK_EQ_INT(db_put(w, tb, "k", 1, "discarded", 9), DURE_OK);
	CHECK_EQ_INT(db_put(w, tb, "j", 1, "discarded", 9), DURE_OK);
	db_abort(w);

	/* Two readers on one thread (MDB_NOTLS), then a writer commits: the
	 * readers keep their snapshot, a later reader sees the commit. */
	CHECK_EQ_INT(db_begin_read(d, &r1), DURE_OK);
	CHECK_EQ_INT(db_begin_read(d, &r2), DURE_OK);
	CHECK(get_is(r1, tb, "k", "old"));
	CHECK(absent(r1, tb, "j"));
	CHECK_EQ_INT(db_begin_write(d, &w), DURE_OK);
	CHECK_EQ_INT(db_put(w, tb, "k", 1, "new", 3), DURE_OK);
	CHECK_EQ_INT(db_put(w, tb, "j", 1, "jj", 2), DURE_OK);
	CHECK_EQ_INT(db_commit(w), DURE_OK);
	CHECK(get_is(r1, tb, "k", "old"));
	CHECK(absent(r1, tb, "j"));
	CHECK_EQ_INT(db_begin_read(d, &r3), DURE_OK);
	CHECK(get_is(r3, tb, "k", "new"));
	CHECK(get_is(r3, tb, "j", "jj"));
	db_abort(r3);
	db_abort(r1);

	/* A reader begun here is read and ended on another thread. */
	reader_arg a = {r2, tb, false};
	pthread_t th;
	CHECK_EQ_INT(pthread_create(&th, NULL, reader_thread, &a), 0);
	CHECK_EQ_INT(pthread_join(th, NULL), 0);
	CHECK(a.ok);
	db_close(d);
}

static void test_reopen_and_read_only(void)
{
	const char *dir = subdir("reopen");
	db *d = open_dir(dir, 0, 0, false);
	if (!d)
		return;
	db_table tb;
	db_txn *t;
	CHECK_EQ_INT(db_table_open(d, "t", &tb), DURE_OK);
	CHECK_EQ_INT(db_begin_write(d, &t), DURE_OK);
	CHECK_EQ_INT(db_put(t, tb, "kept", 4, "yes", 3), DURE_OK);
	CHECK_EQ_INT(db_commit(t), DURE_OK);
	CHECK_EQ_INT(db_begin_write(d, &t), DURE_OK);
	CHECK_EQ_INT(db_put(t, tb, "lost", 4, "no", 2), DURE_OK);
	CHECK_EQ_INT(db_put(t, tb, "kept", 4, "overwritten", 11), DURE_OK);
	db_abort(t);
	db_close(d);

	d = open_dir(dir, 0, 0, false);
	if (!d)
		return;
	CHECK_EQ_INT(db_table_open(d, "t", &tb), DURE_OK);
	CHECK_EQ_INT(db_begin_read(d, &t), DURE_OK);
	CHECK(get_is(t, tb, "kept", "yes"));
	CHECK(absent(t, tb, "lost"));
	db_abort(t);
	db_close(d);

	d = open_dir(dir, 0, 0, true);
	if (!d)
		return;
	db_table none = 7;
	CHECK_EQ_INT(db_table_open(d, "t", &tb), DURE_OK);
	CHECK_EQ_INT(db_table_open(d, "absent", &none), DURE_ENOTFOUND);
	CHECK_EQ_INT(none, 0);
	CHECK_EQ_INT(db_begin_read(d, &t), DURE_OK);
	CHECK(get_is(t, tb, "kept", "yes"));
	CHECK(absent(t, tb, "lost"));
	db_abort(t);
	t = (db_txn *)&tb;
	CHECK_EQ_INT(db_begin_write(d, &t), DURE_EINVAL);
	CHECK(t == NULL);
	db_close(d);

	/* Read-only does not create a missing directory. */
	db_options ro = {.read_only = true};
	const char *missing = subdir("never-made");
	CHECK_EQ_INT(db_open(missing, &ro, &d), DURE_ENOTFOUND);
	CHECK(d == NULL);
	struct stat st;
	CHECK(stat(missing, &st) != 0);
}

#define VAL_LEN 1000
#define MiB ((size_t)1 << 20)

static int write_range(db_txn *t, db_table tb, uint32_t from, uint32_t to)
{
	uint8_t k[4], v[VAL_LEN];
	for (uint32_t i = from; i < to; i++) {
		put_be32(k, i);
		fill(v, sizeof v, i);
		int err = db_put(t, tb, k, 4, v, sizeof v);
		if (err)
			return err;
	}
	return DURE_OK;
}

static size_t count_wrong(db *d, db_table tb, uint32_t from, uint32_t to)
{
	db_txn *t;
	if (db_begin_read(d, &t) != DURE_OK)
		return to - from;
	size_t wrong = 0;
	uint8_t k[4], want[VAL_LEN];
	for (uint32_t i = from; i < to; i++) {
		const uint8_t *v;
		size_t vl;
		put_be32(k, i);
		fill(want, sizeof want, i);
		if (db_get(t, tb, k, 4, &v, &vl) != DURE_OK || vl != VAL_LEN ||
		    memcmp(v, want, VAL_LEN) != 0)
			wrong++;
	}
	db_abort(t);
	return wrong;
}

static void test_map_growth(void)
{
	db *d = open_dir(subdir("growth"), MiB, MiB, false);
	if (!d)
		return;
	db_table tb;
	db_stat st;
	CHECK_EQ_INT(db_table_open(d, "t", &tb), DURE_OK);
	CHECK_EQ_INT(db_stats(d, &st), DURE_OK);
	CHECK_EQ_INT(st.map_size, MiB);
	CHECK(st.used > 0 && st.used < 64 * 1024);

	/* 100 transactions of 512 values of 1000 bytes: about 50 MiB. */
	const uint32_t per = 512, txns = 100;
	size_t failed = 0, grew = 0, prev_map = st.map_size;
	for (uint32_t n = 0; n < txns; n++) {
		db_txn *t;
		if (db_begin_write(d, &t) != DURE_OK) {
			failed++;
			continue;
		}
		CHECK_EQ_INT(db_stats(d, &st), DURE_OK);
		grew += st.map_size > prev_map;
		prev_map = st.map_size;
		if (write_range(t, tb, n * per, (n + 1) * per) != DURE_OK) {
			failed++;
			db_abort(t);
		} else if (db_commit(t) != DURE_OK) {
			failed++;
		}
	}
	CHECK_EQ_INT(failed, 0);
	CHECK_EQ_INT(count_wrong(d, tb, 0, txns * per), 0);
	CHECK_EQ_INT(db_stats(d, &st), DURE_OK);
	CHECK(st.used >= (size_t)txns * per * VAL_LEN);
	CHECK(st.map_size >= st.used);
	/* Doubling: a few resizes, not one per transaction. */
	CHECK(grew >= 3 && grew <= 12);
	db_close(d);
}

/* Writing into the map: the map grows the same way, an aborted
 * transaction leaves nothing, db_sync flushes, and a later open without
 * write_map reads everything back. */
static void test_write_map(void)
{
	const char *dir = subdir("writemap");
	db_options o = {.initial_map = MiB, .headroom = MiB, .no_sync = true,
	                .write_map = true};
	db *d = NULL;
	CHECK_EQ_INT(db_open(dir, &o, &d), DURE_OK);
	if (!d)
		return;
	db_table tb;
	CHECK_EQ_INT(db_table_open(d, "t", &tb), DURE_OK);
	const uint32_t per = 512, txns = 40;
	size_t failed = 0;
	for (uint32_t n = 0; n < txns; n++) {
		db_txn *t;
		if (db_begin_write(d, &t) != DURE_OK) {
			failed++;
			continue;
		}
		if (write_range(t, tb, n * per, (n + 1) * per) != DURE_OK) {
			failed++;
			db_abort(t);
		} else if (db_commit(t) != DURE_OK) {
			failed++;
		}
	}
	CHECK_EQ_INT(failed, 0);
	db_txn *t;
	CHECK_EQ_INT(db_begin_write(d, &t), DURE_OK);
	CHECK_EQ_INT(write_range(t, tb, txns * per, txns * per + 10), DURE_OK);
	db_abort(t);
	db_stat st;
	CHECK_EQ_INT(db_stats(d, &st), DURE_OK);
	CHECK(st.map_size > 16 * MiB);
	CHECK_EQ_INT(db_sync(d), DURE_OK);
	db_close(d);
	d = open_dir(dir, MiB, MiB, true);
	if (!d)
		return;
	CHECK_EQ_INT(db_table_open(d, "t", &tb), DURE_OK);
	CHECK_EQ_INT(count_wrong(d, tb, 0, txns * per), 0);
	size_t n = 0;
	CHECK_EQ_INT(db_begin_read(d, &t), DURE_OK);
	CHECK_EQ_INT(db_count(t, tb, &n), DURE_OK);
	db_abort(t);
	CHECK_EQ_INT(n, txns * per);
	db_close(d);
}

typedef struct race_arg {
	db *d;
	db_table tb;
	atomic_bool *stop;
	size_t reads, bad;
} race_arg;

/* Reads the counter over and over; it must never go backwards. */
static void *race_reader(void *p)
{
	race_arg *a = p;
	uint32_t last = 0;
	struct timespec pause = {0, 50 * 1000};
	while (!atomic_load(a->stop)) {
		db_txn *t;
		if (db_begin_read(a->d, &t) != DURE_OK) {
			a->bad++;
			break;
		}
		const uint8_t *v;
		size_t vl;
		int err = db_get(t, a->tb, "n", 1, &v, &vl);
		if (err == DURE_OK && vl == 4) {
			uint32_t n = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 |
			             (uint32_t)v[2] << 8 | v[3];
			a->bad += n < last;
			last = n;
		} else if (err != DURE_ENOTFOUND) {
			a->bad++;
		}
		db_abort(t);
		a->reads++;
		nanosleep(&pause, NULL);
	}
	return NULL;
}

/* Readers on other threads come and go while the writer grows the map. */
static void test_growth_with_readers(void)
{
	db *d = open_dir(subdir("race"), MiB, MiB / 2, false);
	if (!d)
		return;
	db_table tb;
	CHECK_EQ_INT(db_table_open(d, "t", &tb), DURE_OK);
	atomic_bool stop;
	atomic_init(&stop, false);
	race_arg a[2] = {{d, tb, &stop, 0, 0}, {d, tb, &stop, 0, 0}};
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		CHECK_EQ_INT(pthread_create(&th[i], NULL, race_reader, &a[i]), 0);
	const uint32_t per = 384, txns = 40;
	size_t done = 0, tries = 0;
	db_stat st;
	for (uint32_t n = 0; n < txns && tries < 20000; tries++) {
		db_txn *t;
		if (db_begin_write(d, &t) != DURE_OK)
			break;
		uint8_t cnt[4];
		put_be32(cnt, n + 1);
		int err = write_range(t, tb, n * per, (n + 1) * per);
		if (!err)
			err = db_put(t, tb, "n", 1, cnt, 4);
		if (err) {
			db_abort(t);
			if (err != DURE_EDB_FULL)
				break;
			continue;
		}
		if (db_commit(t) != DURE_OK)
			break;
		n++;
		done++;
	}
	atomic_store(&stop, true);
	for (int i = 0; i < 2; i++)
		CHECK_EQ_INT(pthread_join(th[i], NULL), 0);
	CHECK_EQ_INT(done, txns);
	CHECK_EQ_INT(a[0].bad + a[1].bad, 0);
	CHECK(a[0].reads > 0 && a[1].reads > 0);
	CHECK_EQ_INT(count_wrong(d, tb, 0, txns * per), 0);
	CHECK_EQ_INT(db_stats(d, &st), DURE_OK);
	CHECK(st.map_size > 8 * MiB);
	db_close(d);
}

static void test_map_full(void)
{
	db *d = open_dir(subdir("full"), MiB, MiB, false);
	if (!d)
		return;
	db_table tb;
	db_txn *t;
	db_stat before, after;
	CHECK_EQ_INT(db_table_open(d, "t", &tb), DURE_OK);

	/* 1.5 MiB in one transaction: more than the headroom left free. */
	const uint32_t n = 1536;
	CHECK_EQ_INT(db_begin_write(d, &t), DURE_OK);
	CHECK_EQ_INT(db_stats(d, &before), DURE_OK);
	CHECK(before.map_size < 2 * MiB);
	CHECK_EQ_INT(write_range(t, tb, 0, n), DURE_EDB_FULL);
	/* The transaction stays failed. */
	CHECK_EQ_INT(db_put(t, tb, "x", 1, "y", 1), DURE_EDB_FULL);
	db_abort(t);

	CHECK_EQ_INT(db_begin_write(d, &t), DURE_OK);
	CHECK_EQ_INT(db_stats(d, &after), DURE_OK);
	CHECK(after.map_size >= 2 * before.map_size);
	CHECK_EQ_INT(write_range(t, tb, 0, n), DURE_OK);
	CHECK_EQ_INT(db_commit(t), DURE_OK);
	CHECK_EQ_INT(count_wrong(d, tb, 0, n), 0);

	/* A commit of a failed transaction reports the failure and keeps
	 * nothing of it. */
	CHECK_EQ_INT(db_begin_write(d, &t), DURE_OK);
	CHECK_EQ_INT(db_stats(d, &before), DURE_OK);
	uint32_t big = (uint32_t)(2 * before.map_size / VAL_LEN);
	CHECK_EQ_INT(write_range(t, tb, n, n + big), DURE_EDB_FULL);
	CHECK_EQ_INT(db_commit(t), DURE_EDB_FULL);
	CHECK_EQ_INT(db_begin_read(d, &t), DURE_OK);
	size_t cnt = 0;
	CHECK_EQ_INT(db_count(t, tb, &cnt), DURE_OK);
	CHECK_EQ_INT(cnt, n);
	db_abort(t);
	db_close(d);
}

static void test_setup(void)
{
	CHECK(mkdtemp(root) != NULL);
}

static void test_cleanup(void)
{
	CHECK_EQ_INT(nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
	struct stat st;
	CHECK(stat(root, &st) != 0);
}

TEST_MAIN(test_setup, test_write_map, test_put_get_del, test_cursor_order_and_seek,
          test_del_prefix, test_cursor_del, test_transactions,
          test_reopen_and_read_only, test_map_growth, test_growth_with_readers,
          test_map_full,
          test_cleanup)
