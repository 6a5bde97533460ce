/* Node database: the discovery nodes we have seen, kept across restarts in
 * LMDB so that a restarted node re-seeds its table without bootnodes.
 *
 * The project keeps one MDB_env per data directory: the caller opens it
 * (nodedb_env_open is a small helper for tests and tools) and nodedb uses
 * its own named sub-database "nodes" inside it. The env needs room for
 * named databases (mdb_env_set_maxdbs) before it is opened.
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

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "net/enode.h"

typedef struct nodedb nodedb;

typedef struct nodedb_rec {
	enode node;
	uint64_t last_pong_ms;
	uint64_t last_seen_ms;
	uint32_t fails;
} nodedb_rec;

/* Test/tool helper: opens an environment in the existing directory `dir`
 * with room for 8 named databases and a 64 MiB map. Returns 0 or DURE_EDB;
 * *out is NULL on failure. Close with mdb_env_close. */
DURE_WUR int nodedb_env_open(const char *dir, MDB_env **out);

/* Opens (creating if needed) the "nodes" database in env. The env must
 * outlive the nodedb. Returns 0, DURE_EDB or DURE_ENOMEM. */
DURE_WUR int nodedb_open(MDB_env *env, nodedb **out);

/* Frees db (the env stays open). */
void nodedb_close(nodedb *db);

/* Stores r, replacing any record of the same id. Returns 0, DURE_EINVAL
 * (no IP address), DURE_EDB. */
DURE_WUR int nodedb_put(nodedb *db, const nodedb_rec *r);

/* Reads the record of id. Returns 0, DURE_ENOTFOUND, DURE_EDB (also for a
 * corrupt value). *out is zeroed on failure. */
DURE_WUR int nodedb_get(nodedb *db, const uint8_t id[64], nodedb_rec *out);

/* Records a pong from n at now_ms: stores its endpoint, sets last pong,
 * clears failures. */
DURE_WUR int nodedb_record_pong(nodedb *db, const enode *n, uint64_t now_ms);

/* Counts a failed request to id (no-op when unknown). */
DURE_WUR int nodedb_record_failure(nodedb *db, const uint8_t id[64],
                                   uint64_t now_ms);

/* Writes to out up to max nodes that answered a ping within max_age_ms
 * before now_ms and failed fewer than max_fails times, most recent pong
 * first; *n is how many. Returns 0 or DURE_EDB. */
DURE_WUR int nodedb_seeds(nodedb *db, uint64_t now_ms, uint64_t max_age_ms,
                          uint32_t max_fails, enode *out, size_t max,
                          size_t *n);

/* Deletes records whose last pong (or, never ponged, last write) is older
 * than max_age_ms before now_ms. *removed counts them. Returns 0 or
 * DURE_EDB. */
DURE_WUR int nodedb_expire(nodedb *db, uint64_t now_ms, uint64_t max_age_ms,
                           size_t *removed);

/* Number of records. */
DURE_WUR int nodedb_count(nodedb *db, size_t *n);

#endif
