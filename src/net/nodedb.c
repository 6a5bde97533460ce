/* Node database over LMDB (record layout drawn in nodedb.h). */
#include "net/nodedb.h"

#include <stdlib.h>
#include <string.h>

#define REC_SIZE 48

struct nodedb {
	MDB_env *env;
	MDB_dbi dbi;
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

static int rec_decode(const MDB_val *k, const MDB_val *v, nodedb_rec *r)
{
	memset(r, 0, sizeof *r);
	const uint8_t *p = v->mv_data;
	if (k->mv_size != 64 || v->mv_size != REC_SIZE ||
	    (p[0] != 4 && p[0] != 16))
		return DURE_EDB;
	memcpy(r->node.id, k->mv_data, 64);
	r->node.ep.ip_len = p[0];
	memcpy(r->node.ep.ip, p + 1, p[0]);
	r->node.ep.udp = (uint16_t)get_be(p + 17, 2);
	r->node.ep.tcp = (uint16_t)get_be(p + 19, 2);
	r->last_pong_ms = get_be(p + 21, 8);
	r->last_seen_ms = get_be(p + 29, 8);
	r->fails = (uint32_t)get_be(p + 37, 4);
	return 0;
}

int nodedb_env_open(const char *dir, MDB_env **out)
{
	*out = NULL;
	MDB_env *env;
	if (mdb_env_create(&env))
		return DURE_EDB;
	if (mdb_env_set_maxdbs(env, 8) || mdb_env_set_mapsize(env, 64u << 20) ||
	    mdb_env_open(env, dir, 0, 0600)) {
		mdb_env_close(env);
		return DURE_EDB;
	}
	*out = env;
	return 0;
}

int nodedb_open(MDB_env *env, nodedb **out)
{
	*out = NULL;
	nodedb *db = calloc(1, sizeof *db);
	if (!db)
		return DURE_ENOMEM;
	MDB_txn *txn;
	if (mdb_txn_begin(env, NULL, 0, &txn)) {
		free(db);
		return DURE_EDB;
	}
	if (mdb_dbi_open(txn, "nodes", MDB_CREATE, &db->dbi) ||
	    mdb_txn_commit(txn)) {
		mdb_txn_abort(txn);
		free(db);
		return DURE_EDB;
	}
	db->env = env;
	*out = db;
	return 0;
}

void nodedb_close(nodedb *db)
{
	free(db);
}

static int put_txn(nodedb *db, MDB_txn *txn, const nodedb_rec *r)
{
	if (r->node.ep.ip_len != 4 && r->node.ep.ip_len != 16)
		return DURE_EINVAL;
	uint8_t val[REC_SIZE];
	rec_encode(r, val);
	MDB_val k = {64, (void *)r->node.id}, v = {REC_SIZE, val};
	return mdb_put(txn, db->dbi, &k, &v, 0) ? DURE_EDB : 0;
}

static int get_txn(nodedb *db, MDB_txn *txn, const uint8_t id[64],
                   nodedb_rec *out)
{
	MDB_val k = {64, (void *)id}, v;
	int rc = mdb_get(txn, db->dbi, &k, &v);
	if (rc == MDB_NOTFOUND) {
		memset(out, 0, sizeof *out);
		return DURE_ENOTFOUND;
	}
	if (rc) {
		memset(out, 0, sizeof *out);
		return DURE_EDB;
	}
	return rec_decode(&k, &v, out);
}

/* Runs fn in a write transaction, committing on success. */
static int write_txn(nodedb *db, int (*fn)(nodedb *, MDB_txn *, void *),
                     void *arg)
{
	MDB_txn *txn;
	if (mdb_txn_begin(db->env, NULL, 0, &txn))
		return DURE_EDB;
	int err = fn(db, txn, arg);
	if (err) {
		mdb_txn_abort(txn);
		return err;
	}
	return mdb_txn_commit(txn) ? DURE_EDB : 0;
}

static int do_put(nodedb *db, MDB_txn *txn, void *arg)
{
	return put_txn(db, txn, arg);
}

int nodedb_put(nodedb *db, const nodedb_rec *r)
{
	return write_txn(db, do_put, (void *)r);
}

int nodedb_get(nodedb *db, const uint8_t id[64], nodedb_rec *out)
{
	MDB_txn *txn;
	if (mdb_txn_begin(db->env, NULL, MDB_RDONLY, &txn)) {
		memset(out, 0, sizeof *out);
		return DURE_EDB;
	}
	int err = get_txn(db, txn, id, out);
	mdb_txn_abort(txn);
	return err;
}

struct pong_arg {
	const enode *n;
	uint64_t now;
};

static int do_pong(nodedb *db, MDB_txn *txn, void *arg)
{
	struct pong_arg *a = arg;
	nodedb_rec r = {.node = *a->n, .last_pong_ms = a->now,
	                .last_seen_ms = a->now};
	return put_txn(db, txn, &r);
}

int nodedb_record_pong(nodedb *db, const enode *n, uint64_t now_ms)
{
	struct pong_arg a = {n, now_ms};
	return write_txn(db, do_pong, &a);
}

struct fail_arg {
	const uint8_t *id;
	uint64_t now;
};

static int do_fail(nodedb *db, MDB_txn *txn, void *arg)
{
	struct fail_arg *a = arg;
	nodedb_rec r;
	int err = get_txn(db, txn, a->id, &r);
	if (err == DURE_ENOTFOUND)
		return 0;
	if (err)
		return err;
	if (r.fails < UINT32_MAX)
		r.fails++;
	r.last_seen_ms = a->now;
	return put_txn(db, txn, &r);
}

int nodedb_record_failure(nodedb *db, const uint8_t id[64], uint64_t now_ms)
{
	struct fail_arg a = {id, now_ms};
	return write_txn(db, do_fail, &a);
}

int nodedb_seeds(nodedb *db, uint64_t now_ms, uint64_t max_age_ms,
                 uint32_t max_fails, enode *out, size_t max, size_t *n)
{
	*n = 0;
	if (max == 0)
		return 0;
	uint64_t *pong = malloc(max * sizeof *pong);
	if (!pong)
		return DURE_ENOMEM;
	MDB_txn *txn;
	MDB_cursor *cur;
	if (mdb_txn_begin(db->env, NULL, MDB_RDONLY, &txn)) {
		free(pong);
		return DURE_EDB;
	}
	if (mdb_cursor_open(txn, db->dbi, &cur)) {
		mdb_txn_abort(txn);
		free(pong);
		return DURE_EDB;
	}
	MDB_val k, v;
	int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	size_t got = 0;
	while (rc == 0) {
		nodedb_rec r;
		if (rec_decode(&k, &v, &r) == 0 && r.last_pong_ms &&
		    r.last_pong_ms + max_age_ms >= now_ms && r.fails < max_fails) {
			/* Keep the `max` most recent pongs, newest first. */
			size_t pos = got;
			while (pos > 0 && pong[pos - 1] < r.last_pong_ms)
				pos--;
			if (pos < max) {
				size_t last = got < max ? got : max - 1;
				memmove(&pong[pos + 1], &pong[pos], (last - pos) * sizeof *pong);
				memmove(&out[pos + 1], &out[pos], (last - pos) * sizeof *out);
				pong[pos] = r.last_pong_ms;
				out[pos] = r.node;
				if (got < max)
					got++;
			}
		}
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	free(pong);
	if (rc != MDB_NOTFOUND) {
		memset(out, 0, max * sizeof *out);
		return DURE_EDB;
	}
	*n = got;
	return 0;
}

struct expire_arg {
	uint64_t now, max_age;
	size_t removed;
};

static int do_expire(nodedb *db, MDB_txn *txn, void *arg)
{
	struct expire_arg *a = arg;
	MDB_cursor *cur;
	if (mdb_cursor_open(txn, db->dbi, &cur))
		return DURE_EDB;
	MDB_val k, v;
	int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	while (rc == 0) {
		nodedb_rec r;
		bool drop = true;
		if (rec_decode(&k, &v, &r) == 0) {
			uint64_t t = r.last_pong_ms ? r.last_pong_ms : r.last_seen_ms;
			drop = t + a->max_age < a->now;
		}
		if (drop) {
			if (mdb_cursor_del(cur, 0)) {
				mdb_cursor_close(cur);
				return DURE_EDB;
			}
			a->removed++;
		}
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : DURE_EDB;
}

int nodedb_expire(nodedb *db, uint64_t now_ms, uint64_t max_age_ms,
                  size_t *removed)
{
	struct expire_arg a = {now_ms, max_age_ms, 0};
	*removed = 0;
	int err = write_txn(db, do_expire, &a);
	if (!err)
		*removed = a.removed;
	return err;
}

int nodedb_count(nodedb *db, size_t *n)
{
	*n = 0;
	MDB_txn *txn;
	if (mdb_txn_begin(db->env, NULL, MDB_RDONLY, &txn))
		return DURE_EDB;
	MDB_stat st;
	int rc = mdb_stat(txn, db->dbi, &st);
	mdb_txn_abort(txn);
	if (rc)
		return DURE_EDB;
	*n = st.ms_entries;
	return 0;
}
