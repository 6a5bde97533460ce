/* Node database: put/get, pongs and failures, seeds by recency, expiry,
 * persistence across reopening the database, the record layout drawn in
 * nodedb.h, corrupt records, and a write while another writer is open. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "net/nodedb.h"
#include "test.h"

#define T0 1700000000000ull
#define HOUR (3600ull * 1000)

static enode node(uint8_t tag)
{
	enode n;
	memset(&n, 0, sizeof n);
	memset(n.id, tag, 64);
	n.ep = (net_endpoint){{10, 0, tag, 1}, 4, 30303, (uint16_t)(30000 + tag)};
	return n;
}

static void rm_env(const char *dir)
{
	char p[256];
	snprintf(p, sizeof p, "%s/data.mdb", dir);
	unlink(p);
	snprintf(p, sizeof p, "%s/lock.mdb", dir);
	unlink(p);
	rmdir(dir);
}

static void test_nodedb(void)
{
	char dir[] = "/tmp/dure-nodedb-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	db *d;
	nodedb *ndb;
	CHECK_EQ_INT(db_open(dir, NULL, &d), 0);
	CHECK_EQ_INT(nodedb_open(d, &ndb), 0);

	nodedb_rec r;
	uint8_t id[64];
	memset(id, 1, 64);
	CHECK_EQ_INT(nodedb_get(ndb, id, &r), DURE_ENOTFOUND);
	for (uint8_t t = 1; t <= 5; t++) {
		enode n = node(t);
		CHECK_EQ_INT(nodedb_record_pong(ndb, &n, T0 + t * HOUR), 0);
	}
	/* IPv6 node. */
	enode v6 = node(9);
	v6.ep.ip_len = 16;
	memset(v6.ep.ip, 0x20, 16);
	CHECK_EQ_INT(nodedb_record_pong(ndb, &v6, T0 + 9 * HOUR), 0);
	size_t n;
	CHECK_EQ_INT(nodedb_count(ndb, &n), 0);
	CHECK_EQ_INT(n, 6);
	CHECK_EQ_INT(nodedb_get(ndb, id, &r), 0);
	CHECK_EQ_INT(r.last_pong_ms, T0 + HOUR);
	CHECK_EQ_INT(r.node.ep.tcp, 30001);
	CHECK_EQ_INT(r.node.ep.ip[2], 1);
	CHECK_EQ_INT(nodedb_get(ndb, v6.id, &r), 0);
	CHECK_EQ_INT(r.node.ep.ip_len, 16);
	CHECK_MEM(r.node.ep.ip, v6.ep.ip, 16);

	/* Failures count, and a pong clears them. */
	memset(id, 2, 64);
	CHECK_EQ_INT(nodedb_record_failure(ndb, id, T0 + 6 * HOUR), 0);
	CHECK_EQ_INT(nodedb_record_failure(ndb, id, T0 + 6 * HOUR), 0);
	CHECK_EQ_INT(nodedb_get(ndb, id, &r), 0);
	CHECK_EQ_INT(r.fails, 2);
	uint8_t unknown[64];
	memset(unknown, 0x77, 64);
	CHECK_EQ_INT(nodedb_record_failure(ndb, unknown, T0), 0);
	CHECK_EQ_INT(nodedb_get(ndb, unknown, &r), DURE_ENOTFOUND);

	/* Seeds: recent first, the failing node left out. */
	enode seeds[4];
	CHECK_EQ_INT(nodedb_seeds(ndb, T0 + 10 * HOUR, 24 * HOUR, 2, seeds, 4, &n), 0);
	CHECK_EQ_INT(n, 4);
	CHECK_EQ_INT(seeds[0].id[0], 9);
	CHECK_EQ_INT(seeds[1].id[0], 5);
	CHECK_EQ_INT(seeds[2].id[0], 4);
	CHECK_EQ_INT(seeds[3].id[0], 3);
	/* Age limit. */
	CHECK_EQ_INT(nodedb_seeds(ndb, T0 + 10 * HOUR, 6 * HOUR, 10, seeds, 4, &n), 0);
	CHECK_EQ_INT(n, 3); /* pongs at 4h, 5h, 9h */

	/* Bad records are refused. */
	nodedb_rec bad = {.node = node(3)};
	bad.node.ep.ip_len = 0;
	CHECK_EQ_INT(nodedb_put(ndb, &bad), DURE_EINVAL);

	nodedb_close(ndb);
	db_close(d);

	/* Persisted: reopen, expire the old ones. */
	CHECK_EQ_INT(db_open(dir, NULL, &d), 0);
	CHECK_EQ_INT(nodedb_open(d, &ndb), 0);
	CHECK_EQ_INT(nodedb_count(ndb, &n), 0);
	CHECK_EQ_INT(n, 6);
	size_t removed;
	CHECK_EQ_INT(nodedb_expire(ndb, T0 + 27 * HOUR, 24 * HOUR, &removed), 0);
	CHECK_EQ_INT(removed, 2); /* pongs at 1h and 2h */
	CHECK_EQ_INT(nodedb_count(ndb, &n), 0);
	CHECK_EQ_INT(n, 4);
	memset(id, 1, 64);
	CHECK_EQ_INT(nodedb_get(ndb, id, &r), DURE_ENOTFOUND);
	nodedb_close(ndb);
	db_close(d);
	rm_env(dir);
}

/* The stored bytes follow the drawing in nodedb.h, and records that do not
 * decode are reported, skipped by seeds and removed by expire. */
static void test_nodedb_records(void)
{
	char dir[] = "/tmp/dure-nodedb-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	db *d;
	nodedb *ndb;
	db_table t;
	CHECK_EQ_INT(db_open(dir, NULL, &d), 0);
	CHECK_EQ_INT(nodedb_open(d, &ndb), 0);
	CHECK_EQ_INT(db_table_open(d, "nodes", &t), 0);

	nodedb_rec r = {.node = node(0xab), .last_pong_ms = 0x0102030405060708ull,
	                .last_seen_ms = 0x1112131415161718ull, .fails = 0x21222324};
	CHECK_EQ_INT(nodedb_put(ndb, &r), 0);
	static const uint8_t want[48] = {
		4, 10, 0, 0xab, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0x76, 0x5f,                                     /* udp 30303 */
		0x75, 0xdb,                                     /* tcp 30171 */
		1, 2, 3, 4, 5, 6, 7, 8,
		0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
		0x21, 0x22, 0x23, 0x24,
		0, 0, 0,
	};
	db_txn *txn;
	const uint8_t *v;
	size_t vl;
	CHECK_EQ_INT(db_begin_read(d, &txn), 0);
	CHECK_EQ_INT(db_get(txn, t, r.node.id, 64, &v, &vl), 0);
	CHECK_EQ_INT(vl, 48);
	if (vl == 48)
		CHECK_MEM(v, want, 48);
	db_abort(txn);

	/* A record with iplen 5, one too short, and a 63-byte key. */
	uint8_t id5[64], idshort[64], key63[63];
	memset(id5, 0x05, 64);
	memset(idshort, 0x06, 64);
	memset(key63, 0x07, 63);
	uint8_t val[48];
	memcpy(val, want, 48);
	val[0] = 5;
	CHECK_EQ_INT(db_begin_write(d, &txn), 0);
	CHECK_EQ_INT(db_put(txn, t, id5, 64, val, 48), 0);
	CHECK_EQ_INT(db_put(txn, t, idshort, 64, want, 47), 0);
	CHECK_EQ_INT(db_put(txn, t, key63, 63, want, 48), 0);
	CHECK_EQ_INT(db_commit(txn), 0);

	nodedb_rec got;
	memset(&got, 0xff, sizeof got);
	CHECK_EQ_INT(nodedb_get(ndb, id5, &got), DURE_EDB);
	CHECK_EQ_INT(got.node.ep.ip_len, 0);
	CHECK_EQ_INT(got.last_pong_ms, 0);
	CHECK_EQ_INT(nodedb_get(ndb, idshort, &got), DURE_EDB);
	CHECK_EQ_INT(nodedb_record_failure(ndb, id5, T0), DURE_EDB);
	enode seeds[4];
	size_t n;
	CHECK_EQ_INT(nodedb_seeds(ndb, 0x0102030405060708ull, HOUR, 0x30000000,
	                          seeds, 4, &n), 0);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(seeds[0].id[0], 0xab);
	CHECK_EQ_INT(nodedb_count(ndb, &n), 0);
	CHECK_EQ_INT(n, 4);
	/* Nothing is old yet: only the three corrupt ones go. */
	size_t removed;
	CHECK_EQ_INT(nodedb_expire(ndb, 0x0102030405060708ull, HOUR, &removed), 0);
	CHECK_EQ_INT(removed, 3);
	CHECK_EQ_INT(nodedb_count(ndb, &n), 0);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(nodedb_get(ndb, r.node.id, &got), 0);
	CHECK_EQ_INT(got.fails, 0x21222324);
	CHECK_EQ_INT(got.last_seen_ms, 0x1112131415161718ull);
	nodedb_close(ndb);
	db_close(d);
	rm_env(dir);
}

/* Another write transaction of the db open: writes fail with DURE_EBUSY
 * and leave nothing behind, reads go on, and so does a later write. */
static void test_nodedb_busy(void)
{
	char dir[] = "/tmp/dure-nodedb-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	db *d;
	nodedb *ndb;
	CHECK_EQ_INT(db_open(dir, NULL, &d), 0);
	db_txn *w;
	CHECK_EQ_INT(db_begin_write(d, &w), 0);
	ndb = (nodedb *)&ndb; /* not NULL: the failure must clear it */
	CHECK_EQ_INT(nodedb_open(d, &ndb), DURE_EBUSY);
	CHECK(ndb == NULL);
	db_abort(w);
	CHECK_EQ_INT(nodedb_open(d, &ndb), 0);

	enode a = node(1), b = node(2);
	CHECK_EQ_INT(nodedb_record_pong(ndb, &a, T0), 0);
	CHECK_EQ_INT(db_begin_write(d, &w), 0);
	CHECK_EQ_INT(nodedb_record_pong(ndb, &b, T0), DURE_EBUSY);
	CHECK_EQ_INT(nodedb_record_failure(ndb, a.id, T0), DURE_EBUSY);
	size_t removed = 7;
	CHECK_EQ_INT(nodedb_expire(ndb, T0 + 1000 * HOUR, HOUR, &removed),
	             DURE_EBUSY);
	CHECK_EQ_INT(removed, 0);
	nodedb_rec r;
	CHECK_EQ_INT(nodedb_get(ndb, a.id, &r), 0);
	CHECK_EQ_INT(r.fails, 0);
	size_t n;
	CHECK_EQ_INT(nodedb_count(ndb, &n), 0);
	CHECK_EQ_INT(n, 1);
	db_abort(w);
	CHECK_EQ_INT(nodedb_get(ndb, b.id, &r), DURE_ENOTFOUND);
	CHECK_EQ_INT(nodedb_record_pong(ndb, &b, T0), 0);
	CHECK_EQ_INT(nodedb_count(ndb, &n), 0);
	CHECK_EQ_INT(n, 2);
	nodedb_close(ndb);
	db_close(d);
	rm_env(dir);
}

TEST_MAIN(test_nodedb, test_nodedb_records, test_nodedb_busy)
