/* Node database: the discovery nodes we have seen, kept across restarts so
 * that a restarted node re-seeds its table without bootnodes.
 *
 * It is the table "nodes" of the data directory's database (db/db.h): the
 * caller opens the db, hands it to nodedb_open before the db's first
 * transaction, and closes it after nodedb_close. Every operation is one
 * transaction of its own. A write while another write transaction of the
 * db is open fails with DURE_EBUSY (nothing is written; the caller may try
 * again later); a write that finds the map full fails with DURE_EDB_FULL
 * (nothing is written; the next write grows the map first). On a db opened
 * read-only, nodedb_open fails with DURE_ENOTFOUND when the table is
 * absent, and writes fail with DURE_EINVAL.
 *
 * Record, key = node id (64 bytes), value (48 bytes, big-endian):
 *
 *   0     1        17    19    21        29         37          45   48
 *   +-----+--------+-----+-----+---------+----------+-----------+----+
 *   |iplen|ip (16) | udp | tcp | pong ms | seen ms  | fails (4) |0000|
 *   +-----+--------+-----+-----+---------+----------+-----------+----+
 *   iplen 4 or 16; pong ms: last pong received (UNIX ms, 0 = never);
 *   seen ms: last time the record was written; 3 reserved zero bytes. */
#ifndef DURE_NET_NODEDB_H
#define DURE_NET_NODEDB_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "db/db.h"
#include "net/enode.h"

typedef struct nodedb nodedb;

typedef struct nodedb_rec {
	enode node;
	uint64_t last_pong_ms;
	uint64_t last_seen_ms;
	uint32_t fails;
} nodedb_rec;

/* Opens (creating if needed) the table "nodes" in d; call it before the
 * first transaction on d (db_table_open). d must outlive the nodedb.
 * Returns 0, DURE_EBUSY (a write transaction of d is open), DURE_ERANGE
 * (d has no room for another table), DURE_EDB or DURE_ENOMEM; *out is
 * NULL on failure. */
DURE_WUR int nodedb_open(db *d, nodedb **out);

/* Frees ndb (the db stays open). NULL is allowed. */
void nodedb_close(nodedb *ndb);

/* Stores r, replacing any record of the same id. Returns 0, DURE_EINVAL
 * (no IP address), DURE_EBUSY, DURE_EDB_FULL, DURE_EDB or DURE_ENOMEM. */
DURE_WUR int nodedb_put(nodedb *ndb, const nodedb_rec *r);

/* Reads the record of id. Returns 0, DURE_ENOTFOUND, DURE_EDB (also for a
 * corrupt value) or DURE_ENOMEM. *out is zeroed on failure. */
DURE_WUR int nodedb_get(nodedb *ndb, const uint8_t id[64], nodedb_rec *out);

/* Records a pong from n at now_ms: stores its endpoint, sets last pong,
 * clears failures. Returns as nodedb_put. */
DURE_WUR int nodedb_record_pong(nodedb *ndb, const enode *n, uint64_t now_ms);

/* Counts a failed request to id at now_ms (no-op when unknown). Returns 0,
 * DURE_EBUSY, DURE_EDB_FULL, DURE_EDB (also for a corrupt record) or
 * DURE_ENOMEM. */
DURE_WUR int nodedb_record_failure(nodedb *ndb, const uint8_t id[64],
                                   uint64_t now_ms);

/* Writes to out up to max nodes that answered a ping within max_age_ms
 * before now_ms and failed fewer than max_fails times, most recent pong
 * first; *n is how many. Corrupt records are skipped. Returns 0, DURE_EDB
 * or DURE_ENOMEM; on failure *n is 0 and out[0..max) zeroed. */
DURE_WUR int nodedb_seeds(nodedb *ndb, uint64_t now_ms, uint64_t max_age_ms,
                          uint32_t max_fails, enode *out, size_t max,
                          size_t *n);

/* Deletes records whose last pong (or, never ponged, last write) is older
 * than max_age_ms before now_ms, and corrupt records. *removed counts
 * them (0 on failure, when nothing is deleted). Returns 0, DURE_EBUSY,
 * DURE_EDB_FULL, DURE_EDB or DURE_ENOMEM. */
DURE_WUR int nodedb_expire(nodedb *ndb, uint64_t now_ms, uint64_t max_age_ms,
                           size_t *removed);

/* Number of records. Returns 0, DURE_EDB or DURE_ENOMEM; *n is 0 on
 * failure. */
DURE_WUR int nodedb_count(nodedb *ndb, size_t *n);

#endif
