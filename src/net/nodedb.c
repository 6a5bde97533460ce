/* Node database over the db layer (record layout drawn in nodedb.h). */
#include "net/nodedb.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define REC_SIZE 48

struct nodedb {
	db *d;
	db_table t;
};

static void put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static void rec_encode(const nodedb_rec *r, uint8_t out[REC_SIZE])
{
	memset(out, 0, REC_SIZE);
	out[0] = r->node.ep.ip_len;
	memcpy(out + 1, r->node.ep.ip, r->node.ep.ip_len);
	put_be(out + 17, r->node.ep.udp, 2);
	put_be(out + 19, r->node.ep.tcp, 2);
	put_be(out + 21, r->last_pong_ms, 8);
	put_be(out + 29, r->last_seen_ms, 8);
	put_be(out + 37, r->fails, 4);
}

static int rec_decode(const uint8_t *k, size_t kl, const uint8_t *p,
                      size_t vl, nodedb_rec *r)
{
	memset(r, 0, sizeof *r);
	if (kl != 64 || vl != REC_SIZE || (p[0] != 4 && p[0] != 16))
		return DURE_EDB;
	memcpy(r->node.id, k, 64);
	r->node.ep.ip_len = p[0];
	memcpy(r->node.ep.ip, p + 1, p[0]);
	r->node.ep.udp = (uint16_t)get_be(p + 17, 2);
	r->node.ep.tcp = (uint16_t)get_be(p + 19, 2);
	r->last_pong_ms = get_be(p + 21, 8);
	r->last_seen_ms = get_be(p + 29, 8);
	r->fails = (uint32_t)get_be(p + 37, 4);
	return 0;
}

int nodedb_open(db *d, nodedb **out)
{
	*out = NULL;
	nodedb *ndb = calloc(1, sizeof *ndb);
	if (!ndb)
		return DURE_ENOMEM;
	int err = db_table_open(d, "nodes", &ndb->t);
	if (err) {
		free(ndb);
		return err;
	}
	ndb->d = d;
	*out = ndb;
	return 0;
}

void nodedb_close(nodedb *ndb)
{
	free(ndb);
}

static int put_txn(nodedb *ndb, db_txn *txn, const nodedb_rec *r)
{
	if (r->node.ep.ip_len != 4 && r->node.ep.ip_len != 16)
		return DURE_EINVAL;
	uint8_t val[REC_SIZE];
	rec_encode(r, val);
	return db_put(txn, ndb->t, r->node.id, 64, val, REC_SIZE);
}

static int get_txn(nodedb *ndb, db_txn *txn, const uint8_t id[64],
                   nodedb_rec *out)
{
	const uint8_t *v;
	size_t vl;
	int err = db_get(txn, ndb->t, id, 64, &v, &vl);
	if (err) {
		memset(out, 0, sizeof *out);
		return err;
	}
	return rec_decode(id, 64, v, vl, out);
}

/* Runs fn in a write transaction, committing on success. */
static int write_txn(nodedb *ndb, int (*fn)(nodedb *, db_txn *, void *),
                     void *arg)
{
	db_txn *txn;
	int err = db_begin_write(ndb->d, &txn);
	if (err)
		return err;
	err = fn(ndb, txn, arg);
	if (err) {
		db_abort(txn);
		return err;
	}
	return db_commit(txn);
}

static int do_put(nodedb *ndb, db_txn *txn, void *arg)
{
	return put_txn(ndb, txn, arg);
}

int nodedb_put(nodedb *ndb, const nodedb_rec *r)
{
	return write_txn(ndb, do_put, (void *)r);
}

int nodedb_get(nodedb *ndb, const uint8_t id[64], nodedb_rec *out)
{
	db_txn *txn;
	int err = db_begin_read(ndb->d, &txn);
	if (err) {
		memset(out, 0, sizeof *out);
		return err;
	}
	err = get_txn(ndb, txn, id, out);
	db_abort(txn);
	return err;
}

struct pong_arg {
	const enode *n;
	uint64_t now;
};

static int do_pong(nodedb *ndb, db_txn *txn, void *arg)
{
	struct pong_arg *a = arg;
	nodedb_rec r = {.node = *a->n, .last_pong_ms = a->now,
	                .last_seen_ms = a->now};
	return put_txn(ndb, txn, &r);
}

int nodedb_record_pong(nodedb *ndb, const enode *n, uint64_t now_ms)
{
	struct pong_arg a = {n, now_ms};
	return write_txn(ndb, do_pong, &a);
}

struct fail_arg {
	const uint8_t *id;
	uint64_t now;
};

static int do_fail(nodedb *ndb, db_txn *txn, void *arg)
{
	struct fail_arg *a = arg;
	nodedb_rec r;
	int err = get_txn(ndb, txn, a->id, &r);
	if (err == DURE_ENOTFOUND)
		return 0;
	if (err)
		return err;
	if (r.fails < UINT32_MAX)
		r.fails++;
	r.last_seen_ms = a->now;
	return put_txn(ndb, txn, &r);
}

int nodedb_record_failure(nodedb *ndb, const uint8_t id[64], uint64_t now_ms)
{
	struct fail_arg a = {id, now_ms};
	return write_txn(ndb, do_fail, &a);
}

/* Inserts n, whose last pong is pong, into the got (<= max) entries of
 * out ordered by pong[] newest first, dropping the oldest when full;
 * returns the new count. */
static size_t seeds_insert(enode *out, uint64_t *pong, size_t got, size_t max,
                           const enode *n, uint64_t at)
{
	size_t pos = got;
	while (pos > 0 && pong[pos - 1] < at)
		pos--;
	if (pos == max)
		return got;
	size_t last = got < max ? got : max - 1;
	memmove(&pong[pos + 1], &pong[pos], (last - pos) * sizeof *pong);
	memmove(&out[pos + 1], &out[pos], (last - pos) * sizeof *out);
	pong[pos] = at;
	out[pos] = *n;
	return got < max ? got + 1 : got;
}

int nodedb_seeds(nodedb *ndb, uint64_t now_ms, uint64_t max_age_ms,
                 uint32_t max_fails, enode *out, size_t max, size_t *n)
{
	*n = 0;
	if (max == 0)
		return 0;
	uint64_t *pong = malloc(max * sizeof *pong);
	db_txn *txn = NULL;
	db_cursor *cur = NULL;
	int err = pong ? db_begin_read(ndb->d, &txn) : DURE_ENOMEM;
	if (!err)
		err = db_cursor_open(txn, ndb->t, &cur);
	const uint8_t *k, *v;
	size_t kl, vl, got = 0;
	if (!err)
		err = db_cursor_seek(cur, NULL, 0, &k, &kl, &v, &vl);
	while (!err) {
		nodedb_rec r;
		if (rec_decode(k, kl, v, vl, &r) == 0 && r.last_pong_ms &&
		    r.last_pong_ms + max_age_ms >= now_ms && r.fails < max_fails)
			got = seeds_insert(out, pong, got, max, &r.node, r.last_pong_ms);
		err = db_cursor_next(cur, &k, &kl, &v, &vl);
	}
	db_cursor_close(cur);
	db_abort(txn);
	free(pong);
	if (err != DURE_ENOTFOUND) {
		memset(out, 0, max * sizeof *out);
		return err;
	}
	*n = got;
	return 0;
}

struct expire_arg {
	uint64_t now, max_age;
	size_t removed;
};

static int do_expire(nodedb *ndb, db_txn *txn, void *arg)
{
	struct expire_arg *a = arg;
	db_cursor *cur;
	int err = db_cursor_open(txn, ndb->t, &cur);
	if (err)
		return err;
	const uint8_t *k, *v;
	size_t kl, vl;
	err = db_cursor_seek(cur, NULL, 0, &k, &kl, &v, &vl);
	while (!err) {
		nodedb_rec r;
		bool drop = true;
		if (rec_decode(k, kl, v, vl, &r) == 0) {
			uint64_t t = r.last_pong_ms ? r.last_pong_ms : r.last_seen_ms;
			drop = t + a->max_age < a->now;
		}
		if (drop) {
			if ((err = db_cursor_del(cur)) != 0)
				break;
			a->removed++;
		}
		/* After a delete this reads the entry that followed. */
		err = db_cursor_next(cur, &k, &kl, &v, &vl);
	}
	db_cursor_close(cur);
	return err == DURE_ENOTFOUND ? 0 : err;
}

int nodedb_expire(nodedb *ndb, uint64_t now_ms, uint64_t max_age_ms,
                  size_t *removed)
{
	struct expire_arg a = {now_ms, max_age_ms, 0};
	*removed = 0;
	int err = write_txn(ndb, do_expire, &a);
	if (!err)
		*removed = a.removed;
	return err;
}

int nodedb_count(nodedb *ndb, size_t *n)
{
	*n = 0;
	db_txn *txn;
	int err = db_begin_read(ndb->d, &txn);
	if (err)
		return err;
	err = db_count(txn, ndb->t, n);
	db_abort(txn);
	return err;
}
