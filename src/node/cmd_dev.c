/* `dure dev`: a development chain served over JSON-RPC, the way Anvil and
 * Hardhat Network serve one, but kept in the data directory: stop and
 * restart it and every block is still there.
 *
 * The chain: a genesis funding the dev accounts (derived from the BIP-39
 * test mnemonic as Anvil and Hardhat derive them), every fork through the
 * chosen one active from block 0, the dev engine producing blocks
 * (automine, or every --block-time seconds), a pool with no fee floor.
 *
 * Durability: commits skip the fsync (LMDB's MDB_NOSYNC) and write
 * straight into the map (MDB_WRITEMAP: a block per transaction makes the
 * commit's page copies the cost), and the node syncs every DEV_SYNC_MS
 * and at exit. A killed process loses nothing it
 * committed, since the kernel holds the written pages; only a machine
 * crash can lose the last seconds, and LMDB's copy-on-write keeps the
 * file consistent then too. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <uv.h>

#include "api/api.h"
#include "api/debug.h"
#include "api/dev.h"
#include "api/eth_chain.h"
#include "api/eth_pool.h"
#include "api/eth_state.h"
#include "api/subscribe.h"
#include "base/clock.h"
#include "chain/genesis.h"
#include "consensus/blockchain.h"
#include "consensus/dev.h"
#include "crypto/hdwallet.h"
#include "crypto/secp.h"
#include "db/db.h"
#include "node/cli.h"
#include "node/cmd.h"
#include "rpc/server.h"
#include "store/store.h"
#include "txpool/txpool.h"

#define DEV_MNEMONIC "test test test test test test test test test test test junk"
#define DEV_ACCOUNTS_MAX 1000
#define DEV_SYNC_MS 10000
#define DEV_GAS_LIMIT 30000000ull
#define DEV_BASE_FEE 1000000000ull

static const char dev_usage[] =
	"usage: dure dev [options]\n"
	"\n"
	"A local development chain with JSON-RPC, like Anvil: automines a block\n"
	"per transaction, funds dev accounts, keeps its chain in --datadir.\n"
	"\n"
	"  --datadir DIR         data directory (default ~/.dure/dev)\n"
	"  --ephemeral           keep everything in a temporary directory,\n"
	"                        deleted at exit\n"
	"  --rpc.addr IP         JSON-RPC address (default 127.0.0.1)\n"
	"  --rpc.port N, --port N  JSON-RPC port (default 8545; 0 picks one)\n"
	"  --rpc.cors ORIGIN     Access-Control-Allow-Origin value\n"
	"  --chain-id N          chain id of a new chain (default 31337)\n"
	"  --accounts N          dev accounts (default 10)\n"
	"  --balance ETH         balance of each in a new chain (default 10000)\n"
	"  --mnemonic WORDS      BIP-39 mnemonic of the dev accounts\n"
	"  --block-time SECS     mine every SECS seconds instead of per tx\n"
	"  --no-mining           no automine; blocks only on evm_mine\n"
	"  --hardfork NAME       paris (merge), shanghai or cancun (default)\n"
	"  --gas-limit N         block gas limit of a new chain (default 30000000)\n"
	"  --base-fee WEI        genesis base fee of a new chain (default 1 gwei)\n"
	"  --disable-code-size-limit\n"
	"                        a new chain without EIP-170/3860 code size\n"
	"                        limits (for test suites deploying large\n"
	"                        contracts); kept with the chain\n";

typedef struct dev_config {
	const char *datadir;
	bool ephemeral;
	const char *rpc_addr;
	unsigned long rpc_port;
	const char *cors;
	unsigned long chain_id;
	unsigned long accounts;
	unsigned long balance_eth;
	const char *mnemonic;
	unsigned long block_time;
	bool no_mining;
	bool unlimited_code;
	const char *hardfork;
	unsigned long gas_limit;
	unsigned long base_fee;
} dev_config;

typedef struct dev_rt {
	uv_loop_t loop;
	uv_signal_t sigint, sigterm;
	uv_timer_t sync_timer, mine_timer;
	bool mine_timer_on;
	db *d;
	dev *dv;
	rpc_server *rpc;
	api_eth_chain *ec;
	api_subs *subs;
	api_eth_state *es;
	api_debug *dbg;
} dev_rt;

static int parse(int argc, char **argv, dev_config *c)
{
	static const struct option opts[] = {
		{"datadir", required_argument, NULL, 'd'},
		{"ephemeral", no_argument, NULL, 'e'},
		{"rpc.addr", required_argument, NULL, 'a'},
		{"rpc.port", required_argument, NULL, 'p'},
		{"port", required_argument, NULL, 'p'},
		{"rpc.cors", required_argument, NULL, 'c'},
		{"chain-id", required_argument, NULL, 'i'},
		{"accounts", required_argument, NULL, 'n'},
		{"balance", required_argument, NULL, 'b'},
		{"mnemonic", required_argument, NULL, 'm'},
		{"block-time", required_argument, NULL, 't'},
		{"no-mining", no_argument, NULL, 'N'},
		{"hardfork", required_argument, NULL, 'f'},
		{"gas-limit", required_argument, NULL, 'g'},
		{"base-fee", required_argument, NULL, 'B'},
		{"disable-code-size-limit", no_argument, NULL, 'L'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	*c = (dev_config){
		.rpc_addr = "127.0.0.1",
		.rpc_port = 8545,
		.chain_id = 31337,
		.accounts = 10,
		.balance_eth = 10000,
		.mnemonic = DEV_MNEMONIC,
		.hardfork = "cancun",
		.gas_limit = DEV_GAS_LIMIT,
		.base_fee = DEV_BASE_FEE,
	};
	optind = 1;
	int ch;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		bool ok = true;
		switch (ch) {
		case 'd': c->datadir = optarg; break;
		case 'e': c->ephemeral = true; break;
		case 'a': c->rpc_addr = optarg; break;
		case 'p': ok = cli_parse_ulong(optarg, 65535, &c->rpc_port); break;
		case 'c': c->cors = optarg; break;
		case 'i': ok = cli_parse_ulong(optarg, (1ul << 53) - 1, &c->chain_id) &&
		               c->chain_id; break;
		case 'n': ok = cli_parse_ulong(optarg, DEV_ACCOUNTS_MAX, &c->accounts);
		          break;
		case 'b': ok = cli_parse_ulong(optarg, (1ul << 60), &c->balance_eth);
		          break;
		case 'm': c->mnemonic = optarg; break;
		case 't': ok = cli_parse_ulong(optarg, 86400, &c->block_time) &&
		               c->block_time; break;
		case 'N': c->no_mining = true; break;
		case 'L': c->unlimited_code = true; break;
		case 'f': c->hardfork = optarg; break;
		case 'g': ok = cli_parse_ulong(optarg, (1ul << 62), &c->gas_limit) &&
		               c->gas_limit >= 5000; break;
		case 'B': ok = cli_parse_ulong(optarg, (1ul << 62), &c->base_fee);
		          break;
		case 'h': fputs(dev_usage, stdout); return 1;
		default: fputs(dev_usage, stderr); return 2;
		}
		if (!ok) {
			fprintf(stderr, "dure dev: bad value '%s' for %s\n", optarg,
			        argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "dure dev: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (strcmp(c->hardfork, "cancun") && strcmp(c->hardfork, "shanghai") &&
	    strcmp(c->hardfork, "paris") && strcmp(c->hardfork, "merge")) {
		fprintf(stderr, "dure dev: hardfork '%s' is not supported (paris, "
		        "shanghai or cancun)\n", c->hardfork);
		return 2;
	}
	if (c->ephemeral && c->datadir) {
		fputs("dure dev: --ephemeral and --datadir exclude each other\n",
		      stderr);
		return 2;
	}
	return 0;
}

/* ---- accounts and genesis ---- */

static int derive_accounts(const dev_config *c, api_account *out)
{
	for (unsigned long i = 0; i < c->accounts; i++) {
		uint8_t pub[64];
		int err = hd_dev_key(c->mnemonic, (uint32_t)i, out[i].key);
		if (!err)
			err = secp_pubkey_create(out[i].key, pub);
		if (err)
			return err;
		secp_pubkey_address(pub, &out[i].addr);
	}
	return DURE_OK;
}

static char *hex_of(const uint8_t *p, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	out[0] = '0';
	out[1] = 'x';
	for (size_t i = 0; i < n; i++) {
		out[2 + 2 * i] = d[p[i] >> 4];
		out[3 + 2 * i] = d[p[i] & 15];
	}
	out[2 + 2 * n] = 0;
	return out;
}

/* The genesis of a new dev chain, as a geth genesis file would give it. */
static int dev_genesis(const dev_config *c, const api_account *accts,
                       genesis *g)
{
	json_t *cfg = json_pack(
		"{s:I,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:b}",
		"chainId", (json_int_t)c->chain_id, "homesteadBlock", 0,
		"eip150Block", 0, "eip155Block", 0, "eip158Block", 0,
		"byzantiumBlock", 0, "constantinopleBlock", 0, "petersburgBlock", 0,
		"istanbulBlock", 0, "muirGlacierBlock", 0, "berlinBlock", 0,
		"londonBlock", 0, "arrowGlacierBlock", 0, "grayGlacierBlock", 0,
		"mergeNetsplitBlock", 0, "terminalTotalDifficultyPassed", 1);
	json_t *alloc = json_object();
	json_t *root = json_object();
	int err = cfg && alloc && root ? DURE_OK : DURE_ENOMEM;
	if (!err && (json_object_set_new(cfg, "terminalTotalDifficulty",
	                                 json_integer(0)) ||
	             json_object_set_new(cfg, "dureDevChain", json_true())))
		err = DURE_ENOMEM;
	bool shanghai = !strcmp(c->hardfork, "shanghai") ||
	                !strcmp(c->hardfork, "cancun");
	if (!err && shanghai && json_object_set_new(cfg, "shanghaiTime",
	                                            json_integer(0)))
		err = DURE_ENOMEM;
	if (!err && c->unlimited_code &&
	    json_object_set_new(cfg, "allowUnlimitedContractSize", json_true()))
		err = DURE_ENOMEM;
	if (!err && !strcmp(c->hardfork, "cancun") &&
	    json_object_set_new(cfg, "cancunTime", json_integer(0)))
		err = DURE_ENOMEM;
	/* balance in wei: ETH * 10^18 */
	u256 wei = u256_from_u64(c->balance_eth), e18 = u256_from_u64(1000000000000000000ull);
	if (!err && u256_mul_overflow(&wei, &wei, &e18))
		err = DURE_ERANGE;
	char bal[67];
	u256_to_hex(&wei, bal);
	for (unsigned long i = 0; !err && i < c->accounts; i++) {
		char a[43];
		hex_of(accts[i].addr.b, 20, a);
		if (json_object_set_new(alloc, a, json_pack("{s:s}", "balance", bal)))
			err = DURE_ENOMEM;
	}
	char num[32];
	if (!err) {
		json_object_set_new(root, "config", cfg);
		cfg = NULL;
		json_object_set_new(root, "alloc", alloc);
		alloc = NULL;
		snprintf(num, sizeof num, "0x%lx", c->gas_limit);
		json_object_set_new(root, "gasLimit", json_string(num));
		snprintf(num, sizeof num, "0x%lx", c->base_fee);
		json_object_set_new(root, "baseFeePerGas", json_string(num));
		snprintf(num, sizeof num, "0x%llx",
		         (unsigned long long)(dure_unix_ms() / 1000));
		json_object_set_new(root, "timestamp", json_string(num));
		json_object_set_new(root, "difficulty", json_string("0x0"));
		json_object_set_new(root, "extraData", json_string("0x"));
		err = genesis_from_json(root, g);
	}
	json_decref(cfg);
	json_decref(alloc);
	json_decref(root);
	return err;
}

/* ---- data directory ---- */

/* ~/.dure/dev, creating ~/.dure as needed. */
static int default_datadir(char *out, size_t n)
{
	const char *home = getenv("HOME");
	if (!home || !*home)
		return DURE_EINVAL;
	if ((size_t)snprintf(out, n, "%s/.dure", home) >= n)
		return DURE_ERANGE;
	int err = cli_make_dirs(out);
	if (!err && (size_t)snprintf(out, n, "%s/.dure/dev", home) >= n)
		err = DURE_ERANGE;
	return err;
}

static void remove_ephemeral(const char *dir)
{
	char p[4200];
	static const char *const files[] = {"db/data.mdb", "db/lock.mdb", "db"};
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, files[i]);
		remove(p);
	}
	remove(dir);
}

/* ---- the loop ---- */

static void on_closed(uv_handle_t *h) { (void)h; }

static void on_sync(uv_timer_t *t)
{
	dev_rt *rt = t->data;
	int err = db_sync(rt->d);
	if (err)
		fprintf(stderr, "WARN  dev: sync failed: %s\n", dure_strerror(err));
}

static void on_mine_timer(uv_timer_t *t)
{
	dev_rt *rt = t->data;
	int err = dev_mine(rt->dv, 0, NULL);
	if (err)
		fprintf(stderr, "WARN  dev: interval block failed: %s\n",
		        dure_strerror(err));
}

static void set_interval(void *ctx, uint64_t secs)
{
	dev_rt *rt = ctx;
	if (secs > 86400 * 365)
		secs = 86400 * 365;
	uv_timer_stop(&rt->mine_timer);
	rt->mine_timer_on = secs > 0;
	if (secs)
		uv_timer_start(&rt->mine_timer, on_mine_timer, secs * 1000,
		               secs * 1000);
	dev_set_automine(rt->dv, false);
}

static void on_signal(uv_signal_t *s, int signum)
{
	(void)signum;
	dev_rt *rt = s->data;
	rpc_server_stop(rt->rpc);
	rt->rpc = NULL;
	uv_close((uv_handle_t *)&rt->sigint, on_closed);
	uv_close((uv_handle_t *)&rt->sigterm, on_closed);
	uv_close((uv_handle_t *)&rt->sync_timer, on_closed);
	uv_close((uv_handle_t *)&rt->mine_timer, on_closed);
}

/* eth_getTransactionByHash of a pooled transaction: a copy of it. */
static void on_pending(void *ctx, const txpool_entry *e)
{
	dev_rt *rt = ctx;
	api_filters_on_pending_tx(rt->ec, &e->hash);
	api_subs_on_pending_tx(rt->subs, &e->hash);
}

/* The blocks a revert drops are not reported as removed logs: Anvil
 * reports none after evm_revert (nor after anvil_reset), and viem's
 * watchers hand removed logs to onLogs like new ones, so a test suite
 * that reverts between its tests would see events twice. Log filters
 * still report the blocks mined at heights the revert freed, as Anvil's
 * do. */
static void on_head(void *ctx, const chain_route *route)
{
	dev_rt *rt = ctx;
	api_filters_on_head(rt->ec, NULL, 0, route->added, route->nadded);
	api_subs_on_head(rt->subs, NULL, 0, route->added, route->nadded);
}

/* Automine: a block as soon as a transaction is pending. */
static int on_submitted(void *ctx, const txpool_result *r)
{
	dev_rt *rt = ctx;
	if (!dev_automine(rt->dv) || !r->pending)
		return DURE_OK;
	return dev_mine(rt->dv, 0, NULL);
}

static void print_banner(const dev_config *c, const api_account *accts,
                         const header *genesis_h, const header *head,
                         bool resumed, const char *datadir, uint16_t port)
{
	printf("\nDure dev chain\n\nAvailable Accounts\n==================\n\n");
	for (unsigned long i = 0; i < c->accounts; i++) {
		char a[43];
		printf("(%lu) %s\n", i, hex_of(accts[i].addr.b, 20, a));
	}
	printf("\nPrivate Keys\n==================\n\n");
	for (unsigned long i = 0; i < c->accounts; i++) {
		char k[67];
		printf("(%lu) %s\n", i, hex_of(accts[i].key, 32, k));
	}
	printf("\nWallet\n==================\nMnemonic:          %s\n"
	       "Derivation path:   m/44'/60'/0'/0/\n", c->mnemonic);
	printf("\nChain ID\n==================\n\n%llu\n",
	       (unsigned long long)c->chain_id);
	printf("\nGas Limit\n==================\n\n%llu\n",
	       (unsigned long long)head->gas_limit);
	printf("\nGenesis Timestamp\n==================\n\n%llu\n",
	       (unsigned long long)genesis_h->timestamp);
	printf("\nData directory\n==================\n\n%s%s\n",
	       datadir, resumed ? " (resumed)" : "");
	if (resumed)
		printf("head: block %llu\n", (unsigned long long)head->number);
	printf("\nListening on %s:%u\n", c->rpc_addr, port);
	fflush(stdout);
}

static int run(const dev_config *c, const char *datadir, const char *version)
{
	api_account *accts = calloc(c->accounts ? c->accounts : 1, sizeof *accts);
	if (!accts)
		return DURE_ENOMEM;
	int err = derive_accounts(c, accts);
	if (err) {
		fprintf(stderr, "dure dev: mnemonic: %s\n", dure_strerror(err));
		free(accts);
		return err;
	}
	char dbdir[4200];
	snprintf(dbdir, sizeof dbdir, "%s/db", datadir);
	dev_rt rt = {0};
	db_options dbo = {.no_sync = true, .write_map = true};
	store *s = NULL;
	blockchain *bc = NULL;
	txpool *pool = NULL;
	rpc_registry *reg = NULL;
	bool resumed = false;
	genesis g = {0};
	header gh, head;
	h256 hash;
	err = db_open(dbdir, &dbo, &rt.d);
	if (err)
		fprintf(stderr, "dure dev: cannot open %s: %s\n", dbdir,
		        dure_strerror(err));
	if (!err)
		err = store_open(rt.d, &s);
	if (!err) {
		db_txn *t;
		err = db_begin_read(rt.d, &t);
		if (!err) {
			h256 gen;
			int e2 = store_genesis(s, t, &gen);
			resumed = e2 == DURE_OK;
			if (e2 && e2 != DURE_ENOTFOUND)
				err = e2;
			db_abort(t);
		}
	}
	if (!err && !resumed) {
		err = dev_genesis(c, accts, &g);
		if (!err)
			err = blockchain_init(s, &g, &hash);
		if (err)
			fprintf(stderr, "dure dev: genesis: %s\n", dure_strerror(err));
	}
	dev_opts dopts = {.automine = !c->no_mining && !c->block_time};
	if (!err)
		err = dev_new(&dopts, &rt.dv);
	blockchain_opts bo = {.max_reorg = UINT64_MAX};
	if (!err)
		err = blockchain_open(s, dev_engine(rt.dv), &bo, &bc);
	uint64_t seed = dure_monotonic_ns() ^ dure_unix_ms();
	txpool_config pc = {.hash_seed = seed, .refuse_below_base_fee = true};
	if (!err)
		err = txpool_new(&pc, &pool);
	if (!err) {
		err = dev_attach(rt.dv, bc, pool);
		if (!err)
			err = blockchain_head(bc, &head, &hash);
	}
	if (!err) {
		db_txn *t;
		err = db_begin_read(rt.d, &t);
		if (!err) {
			h256 gen;
			err = store_genesis(s, t, &gen);
			if (!err)
				err = store_header(s, t, &gen, &gh);
			db_abort(t);
		}
	}
	if (!err && resumed &&
	    blockchain_config(bc)->unlimited_code_size != c->unlimited_code)
		fprintf(stderr, "WARN  dev: the data directory's chain was made %s "
		        "--disable-code-size-limit, which stays with it\n",
		        blockchain_config(bc)->unlimited_code_size ? "with"
		                                                   : "without");
	if (!err && resumed && blockchain_config(bc)->chain_id != c->chain_id)
		fprintf(stderr, "WARN  dev: the data directory's chain has id %llu; "
		        "--chain-id applies to new chains only\n",
		        (unsigned long long)blockchain_config(bc)->chain_id);
	api_ctx actx = {
		.bc = bc,
		.pool = pool,
		.client_version = version,
		.head_overlay = dev_overlay,
		.overlay_ctx = rt.dv,
		.accounts = accts,
		.naccounts = c->accounts,
		.submitted = on_submitted,
		.submit_ctx = &rt,
	};
	api_dev_ctx dctx = {
		.api = &actx,
		.d = rt.dv,
		.set_interval = set_interval,
		.interval_ctx = &rt,
		.hardfork = c->hardfork,
		.client_version = version,
	};
	actx.impersonated = api_dev_impersonated;
	actx.imp_ctx = &dctx;
	actx.pool_env = dev_pool_env;
	actx.pool_env_ctx = rt.dv;
	actx.next_header = dev_next_header;
	actx.next_header_ctx = rt.dv;
	actx.pending_block = dev_pending_block;
	actx.pending_block_ctx = rt.dv;
	actx.replay_begin = dev_replay_begin;
	actx.replay_ctx = rt.dv;
	actx.pending_state = dev_pending_state;
	actx.pending_state_ctx = rt.dv;
	if (!err && uv_loop_init(&rt.loop))
		err = DURE_EIO;
	bool loop_ok = !err;
	if (!err)
		err = rpc_registry_new(&reg);
	if (!err)
		err = api_eth_chain_new(&actx, NULL, &rt.ec);
	if (!err)
		err = api_subs_new(&actx, &rt.subs);
	if (!err) {
		api_eth_chain_set_pool_lookup(rt.ec, api_txpool_lookup, pool);
		txpool_set_listener(pool, on_pending, &rt);
		dev_on_head(rt.dv, on_head, &rt);
		err = api_eth_chain_register(reg, rt.ec);
	}
	if (!err)
		err = api_subs_register(reg, rt.subs);
	if (!err)
		err = api_eth_state_register(reg, &actx, API_ETH_GAS_CAP, &rt.es);
	if (!err)
		err = api_debug_register(reg, &actx, API_ETH_GAS_CAP, &rt.dbg);
	if (!err)
		err = api_eth_pool_register(reg, &actx);
	if (!err)
		err = api_dev_register(reg, &dctx);
	if (!err) {
		rpc_server_opts ro = {.addr = c->rpc_addr,
		                      .port = (uint16_t)c->rpc_port,
		                      .cors_origin = c->cors};
		err = rpc_server_start(&rt.loop, reg, &ro, &rt.rpc);
		if (err)
			fprintf(stderr, "dure dev: cannot serve JSON-RPC on %s:%lu: %s\n",
			        c->rpc_addr, c->rpc_port, dure_strerror(err));
	}
	if (!err) {
		if (strcmp(c->rpc_addr, "127.0.0.1") && strcmp(c->rpc_addr, "::1"))
			fprintf(stderr, "WARN  dev: JSON-RPC listens on %s: anyone who "
			        "reaches it can sign with the dev accounts\n", c->rpc_addr);
		uv_signal_init(&rt.loop, &rt.sigint);
		uv_signal_init(&rt.loop, &rt.sigterm);
		rt.sigint.data = rt.sigterm.data = &rt;
		uv_signal_start(&rt.sigint, on_signal, SIGINT);
		uv_signal_start(&rt.sigterm, on_signal, SIGTERM);
		uv_timer_init(&rt.loop, &rt.sync_timer);
		uv_timer_init(&rt.loop, &rt.mine_timer);
		rt.sync_timer.data = rt.mine_timer.data = &rt;
		uv_timer_start(&rt.sync_timer, on_sync, DEV_SYNC_MS, DEV_SYNC_MS);
		if (c->block_time)
			set_interval(&rt, c->block_time);
		print_banner(c, accts, &gh, &head, resumed, datadir,
		             rpc_server_port(rt.rpc));
		uv_run(&rt.loop, UV_RUN_DEFAULT);
		int serr = db_sync(rt.d);
		if (serr)
			fprintf(stderr, "dure dev: final sync failed: %s\n",
			        dure_strerror(serr));
	} else if (err) {
		fprintf(stderr, "dure dev: %s\n", dure_strerror(err));
	}
	if (loop_ok) {
		uv_run(&rt.loop, UV_RUN_DEFAULT);
		uv_loop_close(&rt.loop);
	}
	rpc_registry_free(reg);
	api_eth_chain_free(rt.ec);
	api_subs_free(rt.subs);
	api_eth_state_free(rt.es);
	api_debug_free(rt.dbg);
	api_dev_free(&dctx);
	txpool_free(pool);
	blockchain_free(bc);
	dev_free(rt.dv);
	store_free(s);
	db_close(rt.d);
	genesis_free(&g);
	explicit_bzero(accts, c->accounts * sizeof *accts);
	free(accts);
	return err;
}

int cmd_dev(int argc, char **argv, const char *version)
{
	dev_config c;
	int rc = parse(argc, argv, &c);
	if (rc)
		return rc == 1 ? 0 : rc;
	char dir[4096];
	int err;
	if (c.ephemeral) {
		snprintf(dir, sizeof dir, "/tmp/dure-dev-XXXXXX");
		err = mkdtemp(dir) ? DURE_OK : DURE_EIO;
	} else if (c.datadir) {
		snprintf(dir, sizeof dir, "%s", c.datadir);
		err = cli_make_dirs(dir);
	} else {
		err = default_datadir(dir, sizeof dir);
	}
	if (err) {
		fprintf(stderr, "dure dev: cannot make the data directory: %s\n",
		        dure_strerror(err));
		return 1;
	}
	err = run(&c, dir, version);
	if (c.ephemeral)
		remove_ephemeral(dir);
	return err ? 1 : 0;
}
