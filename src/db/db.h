/* The database of a data directory: one LMDB environment, its named
 * tables, a map that grows with the data, and the single writer.
 *
 * Every layer that keeps data on disk (the node database of `net`, the
 * chain store) goes through this module; nothing else calls LMDB. Tables
 * are opened by name once, before the first transaction, and are then
 * named by a small handle.
 *
 * Transactions: any number of readers, one writer at a time (a second
 * db_begin_write while one is open fails with DURE_EBUSY rather than
 * blocking). A reader sees the snapshot of the last commit before it began.
 * Transactions are not tied to a thread (MDB_NOTLS), so a reader may live
 * on a worker thread; a transaction is used by one thread at a time. The
 * write transaction ends on the thread that began it (LMDB's writer lock
 * is a mutex).
 *
 * Map growth: LMDB needs the map (the largest size the file may reach)
 * fixed while transactions run. db_begin_write makes room first: when what
 * is left of the map is below the headroom (db_options.headroom), and no
 * other transaction is open, it grows the map to at least twice the used
 * size plus the headroom. A write that still runs out of room fails with
 * DURE_EDB_FULL; the transaction must then be aborted and redone, and the
 * next db_begin_write grows the map before it starts.
 *
 * Pointers returned by reads point into the map and are valid until the
 * transaction ends or, in a write transaction, until the next write. */
#ifndef DURE_DB_DB_H
#define DURE_DB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define DB_MAX_TABLES 32

typedef struct db db;
typedef struct db_txn db_txn;
typedef struct db_cursor db_cursor;
typedef unsigned db_table;

typedef struct db_options {
	size_t initial_map;      /* bytes; 0: 64 MiB */
	size_t headroom;         /* bytes kept free ahead of a write; 0: 256 MiB */
	/* Skip the fsync at commit (db_sync flushes instead). A process crash
	 * still loses nothing committed; a power failure may lose what was
	 * committed since the last db_sync, and keeps the database consistent
	 * only where the file system keeps the order of writes (LMDB's
	 * MDB_NOSYNC). */
	bool no_sync;
	/* Writes go straight into the memory map (LMDB's MDB_WRITEMAP): a
	 * commit copies no pages, which makes bulk writing (an import) about
	 * a quarter faster, at the price of LMDB's protection against a wild
	 * pointer write into the map. The file's apparent size is then the
	 * map's (sparse). */
	bool write_map;
	bool read_only;
} db_options;

/* Opens the environment in directory dir, creating the directory (mode
 * 0700) and the database if needed. opts may be NULL for the defaults.
 * Read-only opens neither create the directory nor the database.
 * Returns DURE_OK, DURE_EIO (the directory cannot be made), DURE_ENOTFOUND
 * (read-only and absent), DURE_EDB, or DURE_ENOMEM; *out is NULL on
 * failure. Close with db_close. */
DURE_WUR int db_open(const char *dir, const db_options *opts, db **out);

/* Closes the environment. Every transaction must have ended. NULL is
 * allowed. */
void db_close(db *d);

/* Opens (creating, unless read-only) the table called name and returns
 * its handle; the same name gives the same handle. Call before starting
 * transactions. Returns DURE_OK, DURE_EINVAL (name empty), DURE_EBUSY (a
 * write transaction is open), DURE_ERANGE (more than DB_MAX_TABLES),
 * DURE_ENOTFOUND (read-only and absent) or DURE_EDB; *out is 0 on
 * failure. */
DURE_WUR int db_table_open(db *d, const char *name, db_table *out);

/* Starts a read-only transaction. Returns DURE_OK, DURE_EDB or
 * DURE_ENOMEM. */
DURE_WUR int db_begin_read(db *d, db_txn **out);

/* Starts the write transaction, growing the map first when needed (see
 * above). Returns DURE_OK, DURE_EBUSY (a write transaction is open),
 * DURE_EINVAL (opened read-only), DURE_EDB or DURE_ENOMEM. */
DURE_WUR int db_begin_write(db *d, db_txn **out);

/* Commits and ends txn (for a reader, just ends it). Returns DURE_OK,
 * DURE_EDB_FULL (also when an earlier write of txn failed so, and nothing
 * of txn is kept) or DURE_EDB; txn is ended either way. */
DURE_WUR int db_commit(db_txn *txn);

/* Ends txn, discarding its writes. NULL is allowed. */
void db_abort(db_txn *txn);

/* Reads key. Returns DURE_OK with *val, *vlen pointing into the map,
 * DURE_ENOTFOUND, DURE_EINVAL (key empty or above 511 bytes) or DURE_EDB;
 * *val is NULL and *vlen 0 on failure. */
DURE_WUR int db_get(db_txn *txn, db_table t, const void *key, size_t klen,
                    const uint8_t **val, size_t *vlen);

/* Writes key -> val, replacing any value. Returns DURE_OK, DURE_EDB_FULL,
 * DURE_EINVAL (key empty or above 511 bytes, or txn a reader) or
 * DURE_EDB. After DURE_EDB_FULL every later write of txn fails so too. */
DURE_WUR int db_put(db_txn *txn, db_table t, const void *key, size_t klen,
                    const void *val, size_t vlen);

/* Deletes key; a missing key is fine. Returns DURE_OK, DURE_EDB_FULL,
 * DURE_EINVAL (as db_put) or DURE_EDB. */
DURE_WUR int db_del(db_txn *txn, db_table t, const void *key, size_t klen);

/* Deletes every key that starts with prefix (plen may be 0: the whole
 * table). *removed, if not NULL, counts them. Returns as db_del. */
DURE_WUR int db_del_prefix(db_txn *txn, db_table t, const void *prefix,
                           size_t plen, size_t *removed);

/* Number of keys in t. Returns DURE_OK or DURE_EDB. */
DURE_WUR int db_count(db_txn *txn, db_table t, size_t *n);

/* Cursors walk a table in key order (keys compare as byte strings: the
 * common length by memcmp, then the shorter first). */

/* Opens a cursor on t in txn; it stops working when the transaction ends,
 * and its operations then return DURE_EDB. Returns DURE_OK, DURE_EDB or
 * DURE_ENOMEM. The caller frees it with db_cursor_close, before or after
 * the transaction ends. */
DURE_WUR int db_cursor_open(db_txn *txn, db_table t, db_cursor **out);
/* NULL is allowed. */
void db_cursor_close(db_cursor *c);

/* Positions c at the first key >= key (klen 0: the first key), at the
 * last key, or at the next / previous key, and reads it. Each returns
 * DURE_OK with the entry, DURE_ENOTFOUND past either end (*k, *v NULL,
 * lengths 0), DURE_EINVAL (seek key above 511 bytes) or DURE_EDB. After
 * DURE_ENOTFOUND the cursor has no position: next and prev return
 * DURE_ENOTFOUND until a seek or last places it again. */
DURE_WUR int db_cursor_seek(db_cursor *c, const void *key, size_t klen,
                            const uint8_t **k, size_t *kl,
                            const uint8_t **v, size_t *vl);
DURE_WUR int db_cursor_last(db_cursor *c, const uint8_t **k, size_t *kl,
                            const uint8_t **v, size_t *vl);
DURE_WUR int db_cursor_next(db_cursor *c, const uint8_t **k, size_t *kl,
                            const uint8_t **v, size_t *vl);
DURE_WUR int db_cursor_prev(db_cursor *c, const uint8_t **k, size_t *kl,
                            const uint8_t **v, size_t *vl);

/* Deletes the entry at the cursor (write transactions). The cursor then
 * sits between its neighbours: next reads the entry that followed, prev
 * the one before. Returns DURE_OK, DURE_ENOTFOUND (the cursor is not on an
 * entry, as after a delete), DURE_EINVAL (a reader's cursor),
 * DURE_EDB_FULL or DURE_EDB. */
DURE_WUR int db_cursor_del(db_cursor *c);

/* Flushes what was committed to disk (fsync), for a database opened with
 * no_sync. Returns DURE_OK or DURE_EIO. */
DURE_WUR int db_sync(db *d);

/* Size of the map and of the pages in use (as of the last commit), in
 * bytes. Returns DURE_OK. */
typedef struct db_stat {
	size_t map_size;
	size_t used;
} db_stat;
DURE_WUR int db_stats(db *d, db_stat *out);

#endif
