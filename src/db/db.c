/* The LMDB environment of a data directory (contract in db.h).
 *
 * Open transactions are counted in d->open so that db_begin_write knows
 * when it may resize the map: mdb_env_set_mapsize unmaps and remaps the
 * file, which no transaction of this process may see half done. The count
 * has one bit more, DB_GROWING, that the writer sets (only from zero) for
 * the length of the resize; a reader that starts meanwhile waits for it to
 * clear, so no reader can slip in between the writer's check and the
 * resize. */
#include "db/db.h"

#include <errno.h>
#include <lmdb.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DB_GROWING (1u << 31)

struct db {
	MDB_env *env;
	size_t headroom;
	size_t page;
	size_t max_key;
	bool read_only;
	atomic_uint open;      /* open transactions, | DB_GROWING */
	atomic_bool writing;   /* the one write transaction (or table open) */
	/* A write ran out of map: the next db_begin_write grows even when the
	 * headroom looks sufficient. Written and read only by the holder of
	 * `writing`, whose exchange and release order the accesses. */
	bool grow;
};

struct db_txn {
	db *d;
	MDB_txn *txn;
	bool write;
	bool full;             /* a write failed with MDB_MAP_FULL/TXN_FULL */
	db_cursor *cursors;    /* open cursors, closed when the txn ends */
};

struct db_cursor {
	db_txn *txn;           /* NULL once the transaction has ended */
	MDB_cursor *cur;
	db_cursor *prev, *next;
	bool placed;           /* next/prev have a position to move from */
	bool at_entry;         /* the position is an entry (db_cursor_del) */
};

static int map_err(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return DURE_OK;
	case MDB_NOTFOUND:
		return DURE_ENOTFOUND;
	case MDB_MAP_FULL:
	case MDB_TXN_FULL:
		return DURE_EDB_FULL;
	case ENOMEM:
		return DURE_ENOMEM;
	default:
		return DURE_EDB;
	}
}

/* map_err for an operation of a write transaction: after MDB_MAP_FULL
 * LMDB refuses the rest of the transaction, and the map must grow before
 * the retry. */
static int txn_err(db_txn *t, int rc)
{
	if (rc == MDB_MAP_FULL) {
		t->d->grow = true;
		t->full = true;
	} else if (rc == MDB_TXN_FULL) {
		t->full = true;
	}
	return map_err(rc);
}

/* mkdir -p with mode 0700 for the directories it makes. */
static int make_dirs(const char *dir)
{
	size_t n = strlen(dir);
	if (n == 0)
		return DURE_EINVAL;
	char *p = malloc(n + 1);
	if (!p)
		return DURE_ENOMEM;
	memcpy(p, dir, n + 1);
	int err = DURE_OK;
	for (size_t i = 1; i <= n && !err; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		char c = p[i];
		p[i] = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			err = DURE_EIO;
		p[i] = c;
	}
	free(p);
	return err;
}

int db_open(const char *dir, const db_options *opts, db **out)
{
	*out = NULL;
	db_options o = {0};
	if (opts)
		o = *opts;
	if (!o.initial_map)
		o.initial_map = (size_t)64 << 20;
	if (!o.headroom)
		o.headroom = (size_t)256 << 20;
	if (!o.read_only) {
		int err = make_dirs(dir);
		if (err)
			return err;
	}
	db *d = calloc(1, sizeof *d);
	if (!d)
		return DURE_ENOMEM;
	unsigned flags = MDB_NOTLS | MDB_NORDAHEAD |
	                 (o.no_sync ? MDB_NOSYNC : 0) |
	                 (o.write_map ? MDB_WRITEMAP : 0) |
	                 (o.read_only ? MDB_RDONLY : 0);
	int rc = mdb_env_create(&d->env);
	if (rc) {
		free(d);
		return map_err(rc);
	}
	MDB_stat st;
	if ((rc = mdb_env_set_maxdbs(d->env, DB_MAX_TABLES)) ||
	    (rc = mdb_env_set_mapsize(d->env, o.initial_map)) ||
	    (rc = mdb_env_open(d->env, dir, flags, 0600)) ||
	    (rc = mdb_env_stat(d->env, &st))) {
		mdb_env_close(d->env);
		free(d);
		return o.read_only && rc == ENOENT ? DURE_ENOTFOUND : map_err(rc);
	}
	d->headroom = o.headroom;
	d->page = st.ms_psize;
	d->max_key = (size_t)mdb_env_get_maxkeysize(d->env);
	d->read_only = o.read_only;
	atomic_init(&d->open, 0);
	atomic_init(&d->writing, false);
	*out = d;
	return DURE_OK;
}

void db_close(db *d)
{
	if (!d)
		return;
	mdb_env_close(d->env);
	free(d);
}

int db_table_open(db *d, const char *name, db_table *out)
{
	*out = 0;
	if (!name || !*name)
		return DURE_EINVAL;
	if (!d->read_only && atomic_exchange(&d->writing, true))
		return DURE_EBUSY;
	MDB_txn *txn;
	MDB_dbi dbi = 0;
	int rc = mdb_txn_begin(d->env, NULL, d->read_only ? MDB_RDONLY : 0,
	                       &txn);
	if (!rc) {
		rc = mdb_dbi_open(txn, name, d->read_only ? 0 : MDB_CREATE, &dbi);
		/* Committing (even a reader) keeps the handle for later txns. */
		if (!rc)
			rc = mdb_txn_commit(txn);
		else
			mdb_txn_abort(txn);
	}
	if (rc == MDB_MAP_FULL)
		d->grow = true;
	if (!d->read_only)
		atomic_store(&d->writing, false);
	if (rc == MDB_DBS_FULL)
		return DURE_ERANGE;
	if (rc)
		return map_err(rc);
	*out = dbi;
	return DURE_OK;
}

static void used_and_map(db *d, size_t *used, size_t *map)
{
	MDB_envinfo info;
	mdb_env_info(d->env, &info);
	*used = ((size_t)info.me_last_pgno + 1) * d->page;
	*map = info.me_mapsize;
}

/* The size to grow the map to before a write, or 0 to leave it. */
static size_t grow_target(db *d)
{
	size_t used, map;
	used_and_map(d, &used, &map);
	if (!d->grow && map >= used && map - used >= d->headroom)
		return 0;
	size_t want = 2 * used + d->headroom;
	if (d->grow && want < 2 * map)
		want = 2 * map;
	return (want + d->page - 1) / d->page * d->page;
}

static int txn_new(db *d, MDB_txn *txn, bool write, db_txn **out)
{
	db_txn *t = calloc(1, sizeof *t);
	if (!t)
		return DURE_ENOMEM;
	t->d = d;
	t->txn = txn;
	t->write = write;
	*out = t;
	return DURE_OK;
}

/* Counts one more user of the map, waiting out a resize. */
static void enter(db *d)
{
	unsigned n = atomic_load(&d->open);
	for (;;) {
		if (n & DB_GROWING) {
			sched_yield();
			n = atomic_load(&d->open);
		} else if (atomic_compare_exchange_weak(&d->open, &n, n + 1)) {
			return;
		}
	}
}

int db_begin_read(db *d, db_txn **out)
{
	*out = NULL;
	enter(d);
	MDB_txn *txn;
	int rc = mdb_txn_begin(d->env, NULL, MDB_RDONLY, &txn);
	if (rc) {
		atomic_fetch_sub(&d->open, 1);
		return map_err(rc);
	}
	int err = txn_new(d, txn, false, out);
	if (err) {
		mdb_txn_abort(txn);
		atomic_fetch_sub(&d->open, 1);
	}
	return err;
}

/* Grows the map to size if no other transaction is open; the writer then
 * counts itself in d->open. */
static int grow_and_enter(db *d, size_t size)
{
	unsigned zero = 0;
	if (!size || !atomic_compare_exchange_strong(&d->open, &zero,
	                                             DB_GROWING)) {
		atomic_fetch_add(&d->open, 1);
		return DURE_OK;
	}
	size_t used, map;
	used_and_map(d, &used, &map);
	int rc = mdb_env_set_mapsize(d->env, size);
	if (rc) {
		/* A failed resize may leave the file unmapped: map the old size
		 * again so the environment stays usable. */
		(void)mdb_env_set_mapsize(d->env, map);
		atomic_store(&d->open, 0);
		return map_err(rc);
	}
	d->grow = false;
	atomic_store(&d->open, 1);
	return DURE_OK;
}

int db_begin_write(db *d, db_txn **out)
{
	*out = NULL;
	if (d->read_only)
		return DURE_EINVAL;
	if (atomic_exchange(&d->writing, true))
		return DURE_EBUSY;
	int err = grow_and_enter(d, grow_target(d));
	if (err) {
		atomic_store(&d->writing, false);
		return err;
	}
	MDB_txn *txn;
	int rc = mdb_txn_begin(d->env, NULL, 0, &txn);
	if (rc) {
		err = map_err(rc);
	} else if ((err = txn_new(d, txn, true, out))) {
		mdb_txn_abort(txn);
	}
	if (err) {
		atomic_fetch_sub(&d->open, 1);
		atomic_store(&d->writing, false);
	}
	return err;
}

/* Closes the cursors still open on t; their handles stay valid for
 * db_cursor_close, which then only frees them. */
static void cursors_detach(db_txn *t)
{
	for (db_cursor *c = t->cursors; c; c = c->next) {
		mdb_cursor_close(c->cur);
		c->cur = NULL;
		c->txn = NULL;
	}
}

/* Frees t, whose LMDB transaction has ended, and lets the next
 * transaction (or resize) in. */
static void txn_release(db_txn *t)
{
	db *d = t->d;
	bool write = t->write;
	free(t);
	atomic_fetch_sub(&d->open, 1);
	if (write)
		atomic_store(&d->writing, false);
}

int db_commit(db_txn *txn)
{
	cursors_detach(txn);
	int err;
	if (!txn->write) {
		mdb_txn_abort(txn->txn);
		err = DURE_OK;
	} else if (txn->full) {
		/* LMDB refuses to commit a transaction after a failed write. */
		mdb_txn_abort(txn->txn);
		err = DURE_EDB_FULL;
	} else {
		err = txn_err(txn, mdb_txn_commit(txn->txn));
	}
	txn_release(txn);
	return err;
}

void db_abort(db_txn *txn)
{
	if (!txn)
		return;
	cursors_detach(txn);
	mdb_txn_abort(txn->txn);
	txn_release(txn);
}

static bool key_ok(db *d, size_t klen)
{
	return klen > 0 && klen <= d->max_key;
}

int db_get(db_txn *txn, db_table t, const void *key, size_t klen,
           const uint8_t **val, size_t *vlen)
{
	*val = NULL;
	*vlen = 0;
	if (!key_ok(txn->d, klen))
		return DURE_EINVAL;
	MDB_val k = {klen, (void *)key}, v;
	int rc = mdb_get(txn->txn, t, &k, &v);
	if (rc)
		return map_err(rc);
	*val = v.mv_data;
	*vlen = v.mv_size;
	return DURE_OK;
}

int db_put(db_txn *txn, db_table t, const void *key, size_t klen,
           const void *val, size_t vlen)
{
	if (!txn->write || !key_ok(txn->d, klen) || vlen > UINT32_MAX)
		return DURE_EINVAL;
	if (txn->full)
		return DURE_EDB_FULL;
	MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
	return txn_err(txn, mdb_put(txn->txn, t, &k, &v, 0));
}

int db_del(db_txn *txn, db_table t, const void *key, size_t klen)
{
	if (!txn->write || !key_ok(txn->d, klen))
		return DURE_EINVAL;
	if (txn->full)
		return DURE_EDB_FULL;
	MDB_val k = {klen, (void *)key};
	int rc = mdb_del(txn->txn, t, &k, NULL);
	return rc == MDB_NOTFOUND ? DURE_OK : txn_err(txn, rc);
}

int db_del_prefix(db_txn *txn, db_table t, const void *prefix, size_t plen,
                  size_t *removed)
{
	if (removed)
		*removed = 0;
	if (!txn->write)
		return DURE_EINVAL;
	if (txn->full)
		return DURE_EDB_FULL;
	/* No key is longer than max_key, so a longer prefix matches none. */
	if (plen > txn->d->max_key)
		return DURE_OK;
	if (plen == 0) {
		MDB_stat st;
		int rc = mdb_stat(txn->txn, t, &st);
		if (!rc)
			rc = mdb_drop(txn->txn, t, 0);
		if (rc)
			return txn_err(txn, rc);
		if (removed)
			*removed = st.ms_entries;
		return DURE_OK;
	}
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn->txn, t, &cur);
	if (rc)
		return map_err(rc);
	size_t n = 0;
	MDB_val k = {plen, (void *)prefix}, v;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (!rc && k.mv_size >= plen && !memcmp(k.mv_data, prefix, plen)) {
		rc = mdb_cursor_del(cur, 0);
		if (rc)
			break;
		n++;
		/* After a delete MDB_NEXT yields the entry that followed. */
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	if (removed)
		*removed = n;
	return rc == MDB_NOTFOUND ? DURE_OK : txn_err(txn, rc);
}

int db_count(db_txn *txn, db_table t, size_t *n)
{
	*n = 0;
	MDB_stat st;
	int rc = mdb_stat(txn->txn, t, &st);
	if (rc)
		return DURE_EDB;
	*n = st.ms_entries;
	return DURE_OK;
}

int db_cursor_open(db_txn *txn, db_table t, db_cursor **out)
{
	*out = NULL;
	db_cursor *c = calloc(1, sizeof *c);
	if (!c)
		return DURE_ENOMEM;
	int rc = mdb_cursor_open(txn->txn, t, &c->cur);
	if (rc) {
		free(c);
		return map_err(rc);
	}
	c->txn = txn;
	c->next = txn->cursors;
	if (c->next)
		c->next->prev = c;
	txn->cursors = c;
	*out = c;
	return DURE_OK;
}

void db_cursor_close(db_cursor *c)
{
	if (!c)
		return;
	if (c->txn) {
		mdb_cursor_close(c->cur);
		if (c->prev)
			c->prev->next = c->next;
		else
			c->txn->cursors = c->next;
		if (c->next)
			c->next->prev = c->prev;
	}
	free(c);
}

/* Runs one positioning operation and reports the entry. An unpositioned
 * cursor does not move: LMDB would take MDB_NEXT on it as MDB_FIRST. */
static int cursor_op(db_cursor *c, MDB_val *k, MDB_cursor_op op,
                     const uint8_t **key, size_t *kl, const uint8_t **val,
                     size_t *vl)
{
	*key = *val = NULL;
	*kl = *vl = 0;
	if (!c->txn)
		return DURE_EDB;
	if ((op == MDB_NEXT || op == MDB_PREV) && !c->placed)
		return DURE_ENOTFOUND;
	MDB_val v;
	int rc = mdb_cursor_get(c->cur, k, &v, op);
	c->placed = c->at_entry = rc == MDB_SUCCESS;
	if (rc)
		return map_err(rc);
	*key = k->mv_data;
	*kl = k->mv_size;
	*val = v.mv_data;
	*vl = v.mv_size;
	return DURE_OK;
}

int db_cursor_seek(db_cursor *c, const void *key, size_t klen,
                   const uint8_t **k, size_t *kl, const uint8_t **v,
                   size_t *vl)
{
	MDB_val mk = {klen, (void *)key};
	if (c->txn && klen > c->txn->d->max_key) {
		*k = *v = NULL;
		*kl = *vl = 0;
		return DURE_EINVAL;
	}
	return cursor_op(c, &mk, klen ? MDB_SET_RANGE : MDB_FIRST, k, kl, v,
	                 vl);
}

int db_cursor_last(db_cursor *c, const uint8_t **k, size_t *kl,
                   const uint8_t **v, size_t *vl)
{
	MDB_val mk;
	return cursor_op(c, &mk, MDB_LAST, k, kl, v, vl);
}

int db_cursor_next(db_cursor *c, const uint8_t **k, size_t *kl,
                   const uint8_t **v, size_t *vl)
{
	MDB_val mk;
	return cursor_op(c, &mk, MDB_NEXT, k, kl, v, vl);
}

int db_cursor_prev(db_cursor *c, const uint8_t **k, size_t *kl,
                   const uint8_t **v, size_t *vl)
{
	MDB_val mk;
	return cursor_op(c, &mk, MDB_PREV, k, kl, v, vl);
}

int db_cursor_del(db_cursor *c)
{
	if (!c->txn)
		return DURE_EDB;
	if (!c->txn->write)
		return DURE_EINVAL;
	if (c->txn->full)
		return DURE_EDB_FULL;
	if (!c->at_entry)
		return DURE_ENOTFOUND;
	int rc = mdb_cursor_del(c->cur, 0);
	if (rc)
		return txn_err(c->txn, rc);
	c->at_entry = false;
	return DURE_OK;
}

int db_sync(db *d)
{
	if (d->read_only)
		return DURE_OK;
	return mdb_env_sync(d->env, 1) ? DURE_EIO : DURE_OK;
}

int db_stats(db *d, db_stat *out)
{
	/* The meta pages it reads lie in the map, which a resize replaces. */
	enter(d);
	used_and_map(d, &out->used, &out->map_size);
	atomic_fetch_sub(&d->open, 1);
	return DURE_OK;
}
