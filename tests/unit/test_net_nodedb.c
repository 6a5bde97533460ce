/* Node database: put/get, pongs and failures, seeds by recency, expiry,
 * persistence across reopening the environment. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	MDB_env *env;
	nodedb *db;
	CHECK_EQ_INT(nodedb_env_open(dir, &env), 0);
	CHECK_EQ_INT(nodedb_open(env, &db), 0);

	nodedb_rec r;
	uint8_t id[64];
	memset(id, 1, 64);
	CHECK_EQ_INT(nodedb_get(db, id, &r), DURE_ENOTFOUND);
	for (uint8_t t = 1; t <= 5; t++) {
		enode n = node(t);
		CHECK_EQ_INT(nodedb_record_pong(db, &n, T0 + t * HOUR), 0);
	}
	/* IPv6 node. */
	enode v6 = node(9);
	v6.ep.ip_len = 16;
	memset(v6.ep.ip, 0x20, 16);
	CHECK_EQ_INT(nodedb_record_pong(db, &v6, T0 + 9 * HOUR), 0);
	size_t n;
	CHECK_EQ_INT(nodedb_count(db, &n), 0);
	CHECK_EQ_INT(n, 6);
	CHECK_EQ_INT(nodedb_get(db, id, &r), 0);
	CHECK_EQ_INT(r.last_pong_ms, T0 + HOUR);
	CHECK_EQ_INT(r.node.ep.tcp, 30001);
	CHECK_EQ_INT(r.node.ep.ip[2], 1);
	CHECK_EQ_INT(nodedb_get(db, v6.id, &r), 0);
	CHECK_EQ_INT(r.node.ep.ip_len, 16);
	CHECK_MEM(r.node.ep.ip, v6.ep.ip, 16);

	/* Failures count, and a pong clears them. */
	memset(id, 2, 64);
	CHECK_EQ_INT(nodedb_record_failure(db, id, T0 + 6 * HOUR), 0);
	CHECK_EQ_INT(nodedb_record_failure(db, id, T0 + 6 * HOUR), 0);
	CHECK_EQ_INT(nodedb_get(db, id, &r), 0);
	CHECK_EQ_INT(r.fails, 2);
	uint8_t unknown[64];
	memset(unknown, 0x77, 64);
	CHECK_EQ_INT(nodedb_record_failure(db, unknown, T0), 0);
	CHECK_EQ_INT(nodedb_get(db, unknown, &r), DURE_ENOTFOUND);

	/* Seeds: recent first, the failing node left out. */
	enode seeds[4];
	CHECK_EQ_INT(nodedb_seeds(db, T0 + 10 * HOUR, 24 * HOUR, 2, seeds, 4, &n), 0);
	CHECK_EQ_INT(n, 4);
	CHECK_EQ_INT(seeds[0].id[0], 9);
	CHECK_EQ_INT(seeds[1].id[0], 5);
	CHECK_EQ_INT(seeds[2].id[0], 4);
	CHECK_EQ_INT(seeds[3].id[0], 3);
	/* Age limit. */
	CHECK_EQ_INT(nodedb_seeds(db, T0 + 10 * HOUR, 6 * HOUR, 10, seeds, 4, &n), 0);
	CHECK_EQ_INT(n, 3); /* pongs at 4h, 5h, 9h */

	/* Bad records are refused. */
	nodedb_rec bad = {.node = node(3)};
	bad.node.ep.ip_len = 0;
	CHECK_EQ_INT(nodedb_put(db, &bad), DURE_EINVAL);

	nodedb_close(db);
	mdb_env_close(env);

	/* Persisted: reopen, expire the old ones. */
	CHECK_EQ_INT(nodedb_env_open(dir, &env), 0);
	CHECK_EQ_INT(nodedb_open(env, &db), 0);
	CHECK_EQ_INT(nodedb_count(db, &n), 0);
	CHECK_EQ_INT(n, 6);
	size_t removed;
	CHECK_EQ_INT(nodedb_expire(db, T0 + 27 * HOUR, 24 * HOUR, &removed), 0);
	CHECK_EQ_INT(removed, 2); /* pongs at 1h and 2h */
	CHECK_EQ_INT(nodedb_count(db, &n), 0);
	CHECK_EQ_INT(n, 4);
	memset(id, 1, 64);
	CHECK_EQ_INT(nodedb_get(db, id, &r), DURE_ENOTFOUND);
	nodedb_close(db);
	mdb_env_close(env);
	rm_env(dir);

	CHECK_EQ_INT(nodedb_env_open("/nonexistent-dure-dir/x", &env), DURE_EDB);
	CHECK(env == NULL);
}

TEST_MAIN(test_nodedb)
