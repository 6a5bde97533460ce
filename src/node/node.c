/* Node wiring: data directory, node key, LMDB environment, the chain
 * (node/netchain.h), the p2p server and the JSON-RPC server on one libuv
 * loop, and clean shutdown on SIGINT/SIGTERM. */
#include "node/node.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <uv.h>

#include "base/clock.h"
#include "crypto/ecies.h"
#include "crypto/secp.h"
#include "db/db.h"
#include "api/admin.h"
#include "net/nodedb.h"
#include "net/server.h"
#include "node/cli.h"
#include "node/netchain.h"
#include "rpc/server.h"

/* Node database policy: seed from nodes that answered within a day and
 * failed less than 5 times; forget nodes silent for a week. Verified
 * nodes are written in batches, one write per node every flush, so that a
 * busy table does not cost a disk sync per pong. */
#define SEED_MAX 64
#define SEED_AGE_MS (24ull * 3600 * 1000)
#define SEED_MAX_FAILS 5
#define DB_EXPIRE_MS (7ull * 24 * 3600 * 1000)
#define DB_FLUSH_MS 10000
#define DB_PENDING_MAX 128

int node_parse_ip(const char *s, net_endpoint *ep)
{
	memset(ep->ip, 0, sizeof ep->ip);
	if (!*s) {
		ep->ip_len = 0;
		return 0;
	}
	if (inet_pton(AF_INET, s, ep->ip) == 1) {
		ep->ip_len = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, ep->ip) == 1) {
		ep->ip_len = 16;
		return 0;
	}
	ep->ip_len = 0;
	return DURE_EINVAL;
}

int node_parse_bootnodes(node_config *cfg, const char *list)
{
	const char *p = list;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len) {
			char url[ENODE_URL_MAX + 64];
			if (len >= sizeof url || cfg->nbootnodes == NODE_MAX_BOOTNODES) {
				fprintf(stderr, "dure: %s bootnode list\n",
				        len >= sizeof url ? "malformed" : "too long a");
				return len >= sizeof url ? DURE_EENODE : DURE_ERANGE;
			}
			memcpy(url, p, len);
			url[len] = 0;
			int err = enode_parse(url, &cfg->bootnodes[cfg->nbootnodes]);
			if (err) {
				fprintf(stderr, "dure: bad bootnode '%s': %s\n", url,
				        dure_strerror(err));
				return err;
			}
			cfg->nbootnodes++;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* mkdir -p with mode 0700 for directories we create. */
static int load_key(const node_config *cfg, uint8_t key[32])
{
	if (cfg->nodekey)
		return nodekey_load(cfg->nodekey, key);
	if (cfg->datadir)
		return nodekey_load_or_create(cfg->datadir, key);
	/* No place to keep a key: a fresh identity for this run. */
	uint8_t pub[64];
	for (int tries = 0; tries < 8; tries++) {
		int err = crypto_random(key, 32);
		if (err)
			return err;
		if (secp_pubkey_create(key, pub) == 0)
			return 0;
	}
	memset(key, 0, 32);
	return DURE_EKEY;
}

static int open_db(const char *datadir, db **out)
{
	*out = NULL;
	char path[4096];
	if (snprintf(path, sizeof path, "%s/db", datadir) >= (int)sizeof path)
		return DURE_EINVAL;
	/* Commits skip the fsync and a timer syncs every DB_FLUSH_MS (and the
	 * exit does): a block per commit, synced, would cost the sync most
	 * of its time. A killed process loses nothing it committed; a machine
	 * crash can lose the last seconds, which the node then syncs again
	 * from its peers. */
	db_options o = {.no_sync = true, .write_map = true};
	return db_open(path, &o, out);
}

typedef struct node_rt {
	uv_loop_t loop;
	uv_signal_t sigint, sigterm;
	uv_timer_t db_timer;
	nodedb *db;
	enode pending[DB_PENDING_MAX];   /* verified, not yet written */
	size_t npending;
	p2p_server *p2p;
	rpc_server *rpc;
	rpc_registry *reg;
	netchain *chain;
	db *d;
	int verbosity;
} node_rt;

static void on_verified(void *arg, const enode *n)
{
	node_rt *rt = arg;
	for (size_t i = 0; i < rt->npending; i++)
		if (!memcmp(rt->pending[i].id, n->id, 64)) {
			rt->pending[i] = *n;
			return;
		}
	/* Full: this one waits for its next pong. */
	if (rt->npending < DB_PENDING_MAX)
		rt->pending[rt->npending++] = *n;
}

static void db_flush(node_rt *rt)
{
	uint64_t now = dure_unix_ms();
	for (size_t i = 0; i < rt->npending; i++)
		if (nodedb_record_pong(rt->db, &rt->pending[i], now) != 0) {
			fprintf(stderr, "WARN  node: node database write failed\n");
			break;
		}
	rt->npending = 0;
}

static void on_db_timer(uv_timer_t *t)
{
	node_rt *rt = t->data;
	if (rt->db)
		db_flush(rt);
	if (db_sync(rt->d))
		fprintf(stderr, "WARN  node: database sync failed\n");
}

/* Opens the node database and seeds discovery from it. A database that
 * cannot be used costs only the re-seeding, so failures are warnings. */
static void db_start(node_rt *rt, db *d)
{
	rt->d = d;
	uv_timer_init(&rt->loop, &rt->db_timer);
	rt->db_timer.data = rt;
	uv_timer_start(&rt->db_timer, on_db_timer, DB_FLUSH_MS, DB_FLUSH_MS);
	if (nodedb_open(d, &rt->db) != 0) {
		fprintf(stderr, "WARN  node: cannot open the node database\n");
		return;
	}
	uint64_t now = dure_unix_ms();
	size_t removed = 0, n = 0;
	enode seeds[SEED_MAX];
	if (nodedb_expire(rt->db, now, DB_EXPIRE_MS, &removed) != 0 ||
	    nodedb_seeds(rt->db, now, SEED_AGE_MS, SEED_MAX_FAILS, seeds, SEED_MAX,
	                 &n) != 0)
		fprintf(stderr, "WARN  node: cannot read the node database\n");
	size_t added = 0;
	for (size_t i = 0; i < n; i++)
		added += p2p_server_add_node(rt->p2p, &seeds[i]) == 0;
	if (rt->verbosity >= 3)
		fprintf(stderr, "INFO  node: %zu nodes from the node database\n",
		        added);
}

static void on_handle_closed(uv_handle_t *h)
{
	(void)h;
}

/* Stops everything that runs on the loop, so that uv_run returns. */
static void stop_all(node_rt *rt, bool signals)
{
	p2p_server_stop(rt->p2p);
	rt->p2p = NULL;
	rpc_server_stop(rt->rpc);
	rt->rpc = NULL;
	if (rt->chain)
		netchain_stop(rt->chain);
	if (signals) {
		uv_close((uv_handle_t *)&rt->sigint, on_handle_closed);
		uv_close((uv_handle_t *)&rt->sigterm, on_handle_closed);
	}
	if (rt->d) {
		if (rt->db)
			db_flush(rt);
		uv_close((uv_handle_t *)&rt->db_timer, on_handle_closed);
	}
}

static void on_signal(uv_signal_t *sig, int signum)
{
	node_rt *rt = sig->data;
	if (rt->verbosity >= 3)
		fprintf(stderr, "INFO  node: %s received, shutting down\n",
		        signum == SIGINT ? "SIGINT" : "SIGTERM");
	stop_all(rt, true);
}

static void setup_endpoints(const node_config *cfg, p2p_server_config *pc)
{
	pc->bind = cfg->bind;
	pc->advertise = cfg->extip.ip_len ? cfg->extip : cfg->bind;
	static const uint8_t zero[16];
	if (!pc->advertise.ip_len ||
	    !memcmp(pc->advertise.ip, zero, pc->advertise.ip_len)) {
		memset(pc->advertise.ip, 0, sizeof pc->advertise.ip);
		pc->advertise.ip[0] = 127;
		pc->advertise.ip[3] = 1;
		pc->advertise.ip_len = 4;
	}
	pc->advertise.udp = cfg->bind.udp;
	pc->advertise.tcp = cfg->bind.tcp;
}

static int start(node_rt *rt, const node_config *cfg, db *d,
                 const uint8_t key[32], api_admin_ctx *actx,
                 char *listen_addr, size_t la_cap)
{
	p2p_server_config pc = {0};
	memcpy(pc.seckey, key, 32);
	setup_endpoints(cfg, &pc);
	pc.rlpx = !cfg->discovery_only;
	peer_config_default(&pc.peers);
	pc.peers.max_peers = cfg->maxpeers;
	/* Without a chain we serve no capability, and a Hello must name one:
	 * "dure/0", of no messages, which only other chainless nodes share
	 * (they still peer over RLPx; an eth node finds nothing in common). */
	static const p2p_cap none[] = {{.name = "dure", .version = 0,
	                                .msg_count = 0}};
	pc.caps = none;
	pc.ncaps = 1;
	if (rt->chain) {
		pc.caps = netchain_caps(rt->chain, &pc.ncaps);
		pc.protos = netchain_protos(rt->chain, &pc.nprotos);
	}
	pc.client_id = cfg->client_id;
	pc.bootnodes = cfg->bootnodes;
	pc.nbootnodes = cfg->nbootnodes;
	pc.verbosity = cfg->verbosity;
	pc.on_verified = on_verified;
	pc.verified_arg = rt;
	int err = p2p_server_start(&rt->loop, &pc, &rt->p2p);
	explicit_bzero(pc.seckey, sizeof pc.seckey);
	if (err) {
		fprintf(stderr, "dure: cannot start p2p on port %u/%u: %s\n",
		        cfg->bind.tcp, cfg->bind.udp, dure_strerror(err));
		return err;
	}
	const enode *self = p2p_server_self(rt->p2p);
	char url[ENODE_URL_MAX];
	if (enode_format(self, url, sizeof url) == 0) {
		printf("%s\n", url);
		fflush(stdout);
	}
	if (d)
		db_start(rt, d);
	if (cfg->discovery_only || !cfg->rpc_addr)
		return 0;

	char ip[INET6_ADDRSTRLEN] = "0.0.0.0";
	if (cfg->bind.ip_len)
		inet_ntop(cfg->bind.ip_len == 4 ? AF_INET : AF_INET6, cfg->bind.ip,
		          ip, sizeof ip);
	snprintf(listen_addr, la_cap, cfg->bind.ip_len == 16 ? "[%s]:%u" : "%s:%u",
	         ip, self->ep.tcp);
	actx->p2p = rt->p2p;
	actx->client_id = cfg->client_id;
	actx->listen_addr = listen_addr;
	actx->caps = NULL;
	actx->ncaps = 0;
	if (rt->chain)
		actx->caps = netchain_caps(rt->chain, &actx->ncaps);
	err = rpc_registry_new(&rt->reg);
	if (!err)
		err = api_admin_register(rt->reg, actx);
	if (!err)
		err = rt->chain ? netchain_register(rt->chain, rt->reg)
		                : api_admin_register_client_version(rt->reg, actx);
	if (!err && rt->chain)
		err = netchain_start(rt->chain);
	if (err)
		return err;
	rpc_server_opts ro = {.addr = cfg->rpc_addr, .port = cfg->rpc_port};
	err = rpc_server_start(&rt->loop, rt->reg, &ro, &rt->rpc);
	if (err) {
		fprintf(stderr, "dure: cannot start RPC on %s:%u: %s\n",
		        cfg->rpc_addr, cfg->rpc_port, dure_strerror(err));
		return err;
	}
	if (cfg->verbosity >= 3)
		fprintf(stderr, "INFO  node: JSON-RPC on http://%s:%u\n",
		        cfg->rpc_addr, rpc_server_port(rt->rpc));
	return 0;
}

/* The chain in d, if any: none is fine for a node that only finds
 * peers, not for one asked to mine or validate. */
static int open_chain(node_rt *rt, const node_config *cfg, db *d)
{
	uint8_t bkey[32];
	char wal[4096];
	if (cfg->bft_key) {
		int err = nodekey_load(cfg->bft_key, bkey);
		if (err) {
			fprintf(stderr, "dure: --bft.key %s: %s\n", cfg->bft_key,
			        dure_strerror(err));
			return err;
		}
		if (snprintf(wal, sizeof wal, "%s/bft.wal", cfg->datadir) >=
		    (int)sizeof wal)
			return DURE_EINVAL;
	}
	netchain_opts no = {
		.mine = cfg->mine,
		.miner_threads = cfg->miner_threads,
		.etherbase = cfg->etherbase,
		.network_id = cfg->network_id,
		.verbosity = cfg->verbosity,
		.client_version = cfg->client_id,
		.bft_key = cfg->bft_key ? bkey : NULL,
		.bft_wal = cfg->bft_key ? wal : NULL,
		.bft_block_time_ms = cfg->bft_block_time_ms,
		.bft_wait_txs = cfg->bft_wait_txs,
		.accounts = cfg->accounts,
		.naccounts = cfg->naccounts,
	};
	int err = netchain_open(&rt->loop, d, &no, &rt->chain);
	explicit_bzero(bkey, sizeof bkey);
	if (err == DURE_ENOTFOUND && !cfg->mine && !cfg->bft_key) {
		fprintf(stderr, "WARN  node: no chain in %s (dure init GENESIS.json "
		        "--datadir %s): running discovery and RLPx only\n",
		        cfg->datadir, cfg->datadir);
		return 0;
	}
	if (err)
		fprintf(stderr, "dure: chain in %s: %s\n", cfg->datadir,
		        err == DURE_ENOTFOUND ? "none (run dure init first)"
		        : err == DURE_EINVAL && cfg->mine
		        ? "its engine does not mine (--mine needs a \"pow\" chain)"
		        : err == DURE_EINVAL
		        ? "not a BFT chain (--bft.key needs a \"bft\" config)"
		        : err == DURE_EBFT_SIGNER
		        ? "--bft.key is not the key of one of its validators"
		        : dure_strerror(err));
	return err;
}

int node_run(const node_config *cfg)
{
	if (cfg->datadir) {
		int err = cli_make_dirs(cfg->datadir);
		if (err) {
			fprintf(stderr, "dure: cannot create datadir %s\n", cfg->datadir);
			return err;
		}
	}
	uint8_t key[32];
	int err = load_key(cfg, key);
	if (err) {
		fprintf(stderr, "dure: node key: %s\n", dure_strerror(err));
		return err;
	}
	db *d = NULL;
	if (cfg->datadir && (err = open_db(cfg->datadir, &d)) != 0) {
		fprintf(stderr, "dure: cannot open database in %s/db: %s\n",
		        cfg->datadir, dure_strerror(err));
		explicit_bzero(key, sizeof key);
		return err;
	}

	node_rt rt = {.verbosity = cfg->verbosity};
	if (uv_loop_init(&rt.loop) != 0) {
		db_close(d);
		explicit_bzero(key, sizeof key);
		return DURE_EIO;
	}
	if (d && !cfg->discovery_only) {
		err = open_chain(&rt, cfg, d);
		if (err) {
			uv_loop_close(&rt.loop);
			db_close(d);
			explicit_bzero(key, sizeof key);
			return err;
		}
	}
	api_admin_ctx actx = {0};
	char listen_addr[INET6_ADDRSTRLEN + 16];
	err = start(&rt, cfg, d, key, &actx, listen_addr, sizeof listen_addr);
	explicit_bzero(key, sizeof key);
	if (err) {
		stop_all(&rt, false);
	} else {
		uv_signal_init(&rt.loop, &rt.sigint);
		uv_signal_init(&rt.loop, &rt.sigterm);
		rt.sigint.data = rt.sigterm.data = &rt;
		uv_signal_start(&rt.sigint, on_signal, SIGINT);
		uv_signal_start(&rt.sigterm, on_signal, SIGTERM);
	}
	uv_run(&rt.loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&rt.loop) != 0 && cfg->verbosity >= 2)
		fprintf(stderr, "WARN  node: handles left open at exit\n");
	rpc_registry_free(rt.reg);
	netchain_free(rt.chain);
	nodedb_close(rt.db);
	if (d && db_sync(d))
		fprintf(stderr, "WARN  node: final database sync failed\n");
	db_close(d);
	return err;
}
