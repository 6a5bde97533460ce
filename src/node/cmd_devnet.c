/* `dure devnet`: a local network of N `dure node` processes and one
 * `dure bootnode` on 127.0.0.1, all children of this process, under proof
 * of work (nodes 1..K mine) or BFT (nodes 1..K are the validators, the
 * rest follow).
 *
 * Data directory (--datadir, default ~/.dure/devnet), mode 0700:
 *
 *     DIR/genesis.json    the network's genesis (written on the first run;
 *                         one put there beforehand is used as it is)
 *     DIR/devnet.json     {"n", "consensus", "chainId"} of the last run,
 *                         with "miners" and "targetBlockTime" for pow,
 *                         "validators" for bft: a later run resumes the
 *                         same network and refuses another -n,
 *                         --consensus or --validators
 *     DIR/bootnode.key    the bootnode's key, hex, mode 0600 (the format
 *                         of a node's nodekey file)
 *     DIR/node<i>/        node i's data directory (dure init, then its
 *                         own nodekey and database)
 *     DIR/node<i>/bftkey  validator i's key (bft), in the same format,
 *                         made on the first run: its address is in the
 *                         genesis
 *     DIR/<name>.log      every line child <name> ("boot", "node<i>")
 *                         wrote on stdout or stderr, appended
 *
 * Ports: the bootnode listens on UDP P, node i on TCP and UDP P+i and
 * serves JSON-RPC on 127.0.0.1:R+i-1.
 *
 * Lifecycle: `dure init` for every node (always: it is idempotent and
 * checks that each directory holds this genesis), then the bootnode, and
 * once it printed its enode URL the nodes. When every node printed its
 * enode URL and accepts connections on its RPC port, the table goes to
 * stdout. A node that dies later is reported and the rest run on; SIGINT,
 * SIGTERM or SIGHUP sends SIGTERM to every child (a second signal sends
 * SIGKILL), and after STOP_TIMEOUT_MS the survivors get SIGKILL.
 *
 * Orphans: every child runs in its own session (so that a terminal's
 * Ctrl-C reaches only us, and each node gets one SIGTERM, not two
 * signals that would cut its shutdown short), is killed on every exit
 * path of ours, and asks the kernel for SIGTERM when we die anyway
 * (devnet_child_init: PR_SET_PDEATHSIG, which uv_spawn cannot set). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include <jansson.h>

#include "base/bytes.h"
#include "base/hex.h"
#include "crypto/ecies.h"
#include "crypto/hdwallet.h"
#include "crypto/secp.h"
#include "net/enode.h"
#include "node/cli.h"
#include "node/cmd.h"

#define DEVNET_MNEMONIC \
	"test test test test test test test test test test test junk"
#define DEVNET_MAX_NODES 64
#define DEVNET_ACCOUNTS 10          /* funded, as `dure dev` funds them */
#define DEVNET_PARENT_ENV "DURE_DEVNET_PARENT"
#define PATH_CAP 4096
#define DIR_MAX 3900                /* room for "/node64/..." after it */
#define LINE_CAP 4096               /* longer lines are cut into pieces */
#define START_TIMEOUT_MS 30000
#define STOP_TIMEOUT_MS 10000
#define PROBE_MS 200
#define MIN_DIFFICULTY 131072
#define BLOCK_REWARD "2000000000000000000"
/* CHAIN_BFT_MAX_VALIDATORS: chain/config.h cannot be included beside
 * unistd.h (the type fork of evm/fork.h meets fork()). */
#define DEVNET_MAX_VALIDATORS 32
#define BFT_MAX_BLOCK_MS 3600000    /* dure node's --bft.block-time */

extern char **environ;

static const char devnet_usage[] =
	"usage: dure devnet [options]\n"
	"\n"
	"N nodes and a bootnode on 127.0.0.1, each its own process, sharing\n"
	"a genesis that funds the dev accounts of `dure dev`. A later run with\n"
	"the same --datadir resumes the same network.\n"
	"\n"
	"  -n N                  nodes (1..64, default 4; a resumed network\n"
	"                        keeps its own)\n"
	"  --consensus NAME      pow (default) or bft (dev is not available yet;\n"
	"                        a resumed network keeps its own)\n"
	"  --datadir DIR         data directory (default ~/.dure/devnet)\n"
	"  --port P              bootnode UDP P, node i TCP/UDP P+i (default 30303)\n"
	"  --rpc.port R          node i serves JSON-RPC on 127.0.0.1:R+i-1\n"
	"                        (default 8545)\n"
	"  --chain-id ID         chain id of a new network (default 1337)\n"
	"  --verbosity V         the nodes' verbosity, 0..4 (default 3)\n"
	"\n"
	"Proof of work:\n"
	"  --miners K            nodes 1..K mine (0..N, default N)\n"
	"  --miner.threads T     mining threads per miner (default 1)\n"
	"  --pow.target-block-time S\n"
	"                        seconds between blocks of a new network\n"
	"                        (default 5)\n"
	"\n"
	"BFT:\n"
	"  --validators K        nodes 1..K validate, with the keys\n"
	"                        DIR/node<i>/bftkey made on the first run; the\n"
	"                        rest follow (1..N and at most 32, default N up\n"
	"                        to 32; a resumed network keeps its own)\n"
	"  --bft.block-time S    seconds from a block's commit to the next\n"
	"                        height, e.g. 2 or 0.5, passed to every node\n"
	"                        (default: the node's, 1)\n"
	"\n"
	"Each child's output goes to stderr as \"[node1] ...\" and to\n"
	"DIR/<name>.log. Ctrl-C stops every node.\n";

/* The fork list of a chain with every fork through Gray Glacier at
 * block 0, as `dure dev` writes it. */
static const char *const fork_blocks[] = {
	"homesteadBlock", "eip150Block", "eip155Block", "eip158Block",
	"byzantiumBlock", "constantinopleBlock", "petersburgBlock",
	"istanbulBlock", "muirGlacierBlock", "berlinBlock", "londonBlock",
	"arrowGlacierBlock", "grayGlacierBlock", "mergeNetsplitBlock",
};

typedef enum { CONS_POW, CONS_BFT } consensus;

static const char *const consensus_names[] = {"pow", "bft"};

typedef struct devnet_opts {
	unsigned long n, miners, port, rpc_port, threads, block_time, chain_id;
	unsigned long validators, verbosity;
	consensus cons;
	bool n_set, miners_set, threads_set, block_time_set, chain_id_set;
	bool cons_set, validators_set;
	const char *bft_block_time;  /* as given, for the nodes; or NULL */
	const char *datadir;
} devnet_opts;

typedef enum {
	PH_INIT,       /* dure init in every node directory */
	PH_BOOT,       /* bootnode started, waiting for its enode URL */
	PH_NODES,      /* nodes started, waiting for their URLs and RPC */
	PH_RUNNING,
	PH_STOPPING,
} phase;

typedef enum { CH_INIT, CH_BOOT, CH_NODE } child_kind;

struct devnet;
struct child;

/* One of a child's output pipes, read a line at a time. */
typedef struct child_stream {
	uv_pipe_t pipe;
	struct child *c;
	bool is_stdout;
	bool open;
	size_t len;
	char line[LINE_CAP];
} child_stream;

typedef struct child {
	struct devnet *dn;
	child_kind kind;
	unsigned index;          /* node number 1..n; 0 for the bootnode */
	char name[16];           /* "boot", "node3" */
	uv_process_t proc;
	bool running;            /* spawned, its exit not yet seen */
	child_stream out, err;
	FILE *log;
	char enode[ENODE_URL_MAX];
	uv_tcp_t probe;
	uv_connect_t probe_req;
	bool probing, rpc_ready;
	bool counted;            /* an init whose end was counted */
} child;

typedef struct devnet {
	uv_loop_t loop;
	uv_signal_t sigs[3];
	uv_timer_t timer;        /* start-up ticks, then the stop deadline */
	devnet_opts o;
	phase ph;
	int rc;
	unsigned live;           /* children running */
	unsigned inits_left;
	uint64_t start_ms;
	char dir[DIR_MAX + 1];
	char exe[PATH_CAP];
	char parent_env[64];
	char **env;
	char boot_url[ENODE_URL_MAX];
	char genesis_hash[67];
	child boot;
	child inits[DEVNET_MAX_NODES];
	child nodes[DEVNET_MAX_NODES];
	/* Node i mines to account i-1: the first DEVNET_ACCOUNTS are funded,
	 * the rest (n above 10) come from the same mnemonic. */
	uint8_t keys[DEVNET_MAX_NODES][32];
	address addrs[DEVNET_MAX_NODES];
	/* Validator i+1's address, of its DIR/node<i+1>/bftkey (bft). */
	address vals[DEVNET_MAX_VALIDATORS];
	int lock_fd;             /* DIR/devnet.lock, held while we run */
	char rbuf[65536];        /* read buffer shared by every pipe: each
	                          * read is consumed before the next */
} devnet;

static void stop(devnet *dn, int rc);

/* ---- options ---- */

static bool consensus_parse(const char *name, consensus *out)
{
	for (size_t i = 0; i < sizeof consensus_names / sizeof *consensus_names;
	     i++)
		if (!strcmp(name, consensus_names[i])) {
			*out = (consensus)i;
			return true;
		}
	return false;
}

/* Refuses the flags of the other consensus, which would be ignored. */
static int check_consensus(const devnet_opts *o)
{
	const char *flag = NULL, *hint = NULL;
	if (o->cons == CONS_BFT) {
		flag = o->miners_set ? "--miners"
		     : o->threads_set ? "--miner.threads"
		     : o->block_time_set ? "--pow.target-block-time" : NULL;
		hint = "its validators make the blocks: --validators, "
		       "--bft.block-time";
	} else {
		flag = o->validators_set ? "--validators"
		     : o->bft_block_time ? "--bft.block-time" : NULL;
		hint = "that takes --consensus bft";
	}
	if (!flag)
		return 0;
	fprintf(stderr, "dure devnet: %s does not apply to a %s network (%s)\n",
	        flag, consensus_names[o->cons], hint);
	return 2;
}

static int parse(int argc, char **argv, devnet_opts *o)
{
	static const struct option opts[] = {
		{"consensus", required_argument, NULL, 'c'},
		{"miners", required_argument, NULL, 'k'},
		{"validators", required_argument, NULL, 'V'},
		{"bft.block-time", required_argument, NULL, 'B'},
		{"datadir", required_argument, NULL, 'd'},
		{"port", required_argument, NULL, 'p'},
		{"rpc.port", required_argument, NULL, 'r'},
		{"miner.threads", required_argument, NULL, 'T'},
		{"pow.target-block-time", required_argument, NULL, 'S'},
		{"chain-id", required_argument, NULL, 'i'},
		{"verbosity", required_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	*o = (devnet_opts){
		.n = 4, .port = 30303, .rpc_port = 8545, .threads = 1,
		.block_time = 5, .chain_id = 1337, .verbosity = 3,
	};
	const char *cname = NULL;
	unsigned long ms;
	optind = 1;
	int ch, li = -1;
	while ((ch = getopt_long(argc, argv, "n:h", opts, &li)) != -1) {
		bool ok = true;
		switch (ch) {
		case 'n':
			ok = cli_parse_ulong(optarg, DEVNET_MAX_NODES, &o->n) && o->n;
			o->n_set = true;
			break;
		case 'c': cname = optarg; break;
		case 'k':
			ok = cli_parse_ulong(optarg, DEVNET_MAX_NODES, &o->miners);
			o->miners_set = true;
			break;
		case 'V':
			ok = cli_parse_ulong(optarg, DEVNET_MAX_NODES,
			                     &o->validators) && o->validators;
			o->validators_set = true;
			break;
		case 'B':
			/* As `dure node` takes it, refused here rather than by
			 * every node at its start. */
			ok = cli_parse_seconds_ms(optarg, BFT_MAX_BLOCK_MS, &ms) &&
			     ms;
			o->bft_block_time = optarg;
			break;
		case 'd': o->datadir = optarg; break;
		case 'p': ok = cli_parse_ulong(optarg, 65535, &o->port) && o->port;
		          break;
		case 'r': ok = cli_parse_ulong(optarg, 65535, &o->rpc_port) &&
		               o->rpc_port; break;
		case 'T':
			ok = cli_parse_ulong(optarg, 256, &o->threads) && o->threads;
			o->threads_set = true;
			break;
		case 'S':
			ok = cli_parse_ulong(optarg, 86400, &o->block_time) &&
			     o->block_time;
			o->block_time_set = true;
			break;
		case 'i':
			ok = cli_parse_ulong(optarg, (1ul << 53) - 1, &o->chain_id) &&
			     o->chain_id;
			o->chain_id_set = true;
			break;
		case 'v': ok = cli_parse_ulong(optarg, 4, &o->verbosity); break;
		case 'h': fputs(devnet_usage, stdout); return 1;
		default: fputs(devnet_usage, stderr); return 2;
		}
		if (!ok) {
			fprintf(stderr, "dure devnet: bad value '%s' for %s%s\n", optarg,
			        ch == 'n' ? "-" : "--", ch == 'n' ? "n" : opts[li].name);
			return 2;
		}
		li = -1;
	}
	if (optind < argc) {
		fprintf(stderr, "dure devnet: unexpected argument '%s'\n",
		        argv[optind]);
		return 2;
	}
	if (!cname)
		return 0;    /* pow, or a resumed network's: see prepare */
	if (!strcmp(cname, "dev")) {
		fprintf(stderr, "dure devnet: consensus 'dev' is not available "
		        "yet; use pow or bft\n");
		return 2;
	}
	if (!consensus_parse(cname, &o->cons)) {
		fprintf(stderr, "dure devnet: unknown consensus '%s' (pow or bft)\n",
		        cname);
		return 2;
	}
	o->cons_set = true;
	return check_consensus(o);
}

/* The checks that depend on n, which a resumed network may have set. */
static int check_ranges(const devnet_opts *o)
{
	if (o->cons == CONS_BFT && o->validators > o->n) {
		fprintf(stderr, "dure devnet: --validators %lu is more than the "
		        "%lu nodes\n", o->validators, o->n);
		return 2;
	}
	if (o->cons == CONS_BFT && o->validators > DEVNET_MAX_VALIDATORS) {
		fprintf(stderr, "dure devnet: a bft chain has at most %d "
		        "validators, not %lu\n", DEVNET_MAX_VALIDATORS,
		        o->validators);
		return 2;
	}
	if (o->miners > o->n) {
		fprintf(stderr, "dure devnet: --miners %lu is more than the %lu "
		        "nodes\n", o->miners, o->n);
		return 2;
	}
	if (o->port + o->n > 65535 || o->rpc_port + o->n - 1 > 65535) {
		fprintf(stderr, "dure devnet: %lu nodes need ports %lu..%lu and "
		        "%lu..%lu, past 65535\n", o->n, o->port, o->port + o->n,
		        o->rpc_port, o->rpc_port + o->n - 1);
		return 2;
	}
	/* The nodes' TCP ports and the RPC ports must not meet. */
	if (o->rpc_port <= o->port + o->n && o->port + 1 <= o->rpc_port + o->n - 1) {
		fprintf(stderr, "dure devnet: the p2p ports %lu..%lu and the RPC "
		        "ports %lu..%lu overlap\n", o->port + 1, o->port + o->n,
		        o->rpc_port, o->rpc_port + o->n - 1);
		return 2;
	}
	return 0;
}

/* ---- files ---- */

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static void path_of(const devnet *dn, const char *name, char out[PATH_CAP])
{
	snprintf(out, PATH_CAP, "%s/%s", dn->dir, name);
}

static void hex0x(const uint8_t *p, size_t n, char *out)
{
	out[0] = '0';
	out[1] = 'x';
	hex_encode(p, n, out + 2);
}

/* Writes j to path through a temporary file and a rename, so that an
 * interrupted run never leaves half a file that a later run would read. */
static int write_json(const char *path, json_t *j)
{
	char tmp[PATH_CAP + 8];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if (json_dump_file(j, tmp, JSON_INDENT(2)) != 0) {
		unlink(tmp);
		return DURE_EIO;
	}
	if (rename(tmp, path) != 0) {
		unlink(tmp);
		return DURE_EIO;
	}
	return DURE_OK;
}

/* The "pow" object of a new network's config, or its "bft" object naming
 * the validators (power 1 each); NULL when out of memory. */
static json_t *consensus_config(const devnet *dn)
{
	if (dn->o.cons == CONS_POW)
		return json_pack("{s:I,s:i,s:s}",
		                 "targetBlockTime", (json_int_t)dn->o.block_time,
		                 "minimumDifficulty", MIN_DIFFICULTY,
		                 "blockReward", BLOCK_REWARD);
	json_t *vals = json_array();
	for (unsigned i = 0; vals && i < dn->o.validators; i++) {
		char a[43];
		hex0x(dn->vals[i].b, 20, a);
		if (json_array_append_new(vals, json_string(a))) {
			json_decref(vals);
			vals = NULL;
		}
	}
	return vals ? json_pack("{s:o}", "validators", vals) : NULL;
}

/* The genesis of a new network, geth's format, as the brief of the
 * network says: every fork from block 0, the consensus parameters, the
 * funded dev accounts. A BFT chain's blocks have difficulty 1
 * (consensus/bft/rules.h), and so has its genesis. */
static json_t *new_genesis(const devnet *dn)
{
	json_t *cfg = json_object(), *alloc = json_object();
	json_t *root = json_object();
	json_t *cons = consensus_config(dn);
	bool ok = cfg && alloc && root && cons &&
	          !json_object_set_new(cfg, "chainId",
	                               json_integer((json_int_t)dn->o.chain_id));
	for (size_t i = 0; ok && i < sizeof fork_blocks / sizeof *fork_blocks; i++)
		ok = !json_object_set_new(cfg, fork_blocks[i], json_integer(0));
	ok = ok && !json_object_set_new(cfg, "shanghaiTime", json_integer(0)) &&
	     !json_object_set_new(cfg, "cancunTime", json_integer(0));
	/* Called whatever ok is: it takes cons even when it fails. */
	ok = !json_object_set_new(cfg, consensus_names[dn->o.cons], cons) && ok;
	for (unsigned i = 0; ok && i < DEVNET_ACCOUNTS; i++) {
		char a[43];
		hex0x(dn->addrs[i].b, 20, a);
		/* 10000 ether: 10^22 wei */
		ok = !json_object_set_new(alloc, a, json_pack("{s:s}", "balance",
		                          "0x21e19e0c9bab2400000"));
	}
	char ts[32], mix[67];
	snprintf(ts, sizeof ts, "0x%llx", (unsigned long long)time(NULL));
	memset(mix, '0', 66);
	mix[1] = 'x';
	mix[66] = 0;
	ok = ok && !json_object_set_new(root, "config", cfg);
	cfg = NULL;
	ok = ok && !json_object_set_new(root, "alloc", alloc);
	alloc = NULL;
	ok = ok && !json_object_set_new(root, "nonce", json_string("0x0")) &&
	     !json_object_set_new(root, "timestamp", json_string(ts)) &&
	     !json_object_set_new(root, "extraData", json_string("0x")) &&
	     !json_object_set_new(root, "gasLimit", json_string("0x1c9c380")) &&
	     !json_object_set_new(root, "difficulty", json_string(
	                          dn->o.cons == CONS_BFT ? "0x1" : "0x20000")) &&
	     !json_object_set_new(root, "mixHash", json_string(mix)) &&
	     !json_object_set_new(root, "baseFeePerGas",
	                          json_string("0x3b9aca00"));
	json_decref(cfg);
	json_decref(alloc);
	if (!ok) {
		json_decref(root);
		return NULL;
	}
	return root;
}

/* True when the validator list of a "bft" object names a; read as
 * chain/config.h reads it (an address string, or {"address", "power"}). */
static bool bft_names(const json_t *bft, const address *a)
{
	const json_t *vals = json_object_get(bft, "validators"), *v;
	size_t i;
	json_array_foreach(vals, i, v) {
		const json_t *s = json_is_object(v) ? json_object_get(v, "address")
		                                    : v;
		address b;
		if (json_is_string(s) &&
		    !hex_decode_exact(json_string_value(s), b.b, sizeof b.b) &&
		    address_eq(&b, a))
			return true;
	}
	return false;
}

/* An existing genesis of the other consensus would start nodes that
 * refuse their flags: refused here (2). A BFT one made by hand may name
 * other validators than our keys: a warning, the chain is its own. */
static int check_genesis(const devnet *dn, const char *path,
                         const json_t *cfg)
{
	const json_t *bft = json_object_get(cfg, "bft");
	bool is_bft = bft && !json_is_null(bft);
	if (is_bft != (dn->o.cons == CONS_BFT)) {
		fprintf(stderr, "dure devnet: %s is %s bft chain, and this is a "
		        "%s network\n", path, is_bft ? "a" : "not a",
		        consensus_names[dn->o.cons]);
		return 2;
	}
	for (unsigned i = 0; is_bft && i < dn->o.validators; i++)
		if (!bft_names(bft, &dn->vals[i])) {
			char a[43];
			hex0x(dn->vals[i].b, 20, a);
			fprintf(stderr, "devnet: %s does not name node%u's key %s "
			        "among its validators\n", path, i + 1, a);
		}
	return 0;
}

/* Takes the chain id and target block time of an existing genesis (what
 * the table and devnet.json then show), warning when a flag that shapes
 * only a new network asked for another, and checks its consensus. A
 * genesis that does not parse is left for dure init to report. Returns 0
 * or 2 (an exit status). */
static int adopt_genesis(devnet *dn, const char *path)
{
	json_t *g = json_load_file(path, 0, NULL);
	json_t *cfg = json_object_get(g, "config");
	json_t *id = json_object_get(cfg, "chainId");
	json_t *bt = json_object_get(json_object_get(cfg, "pow"),
	                             "targetBlockTime");
	if (json_integer_value(id) > 0) {
		if (dn->o.chain_id_set &&
		    json_integer_value(id) != (json_int_t)dn->o.chain_id)
			fprintf(stderr, "devnet: %s has chain id %lld; --chain-id "
			        "applies to a new network only\n", path,
			        (long long)json_integer_value(id));
		dn->o.chain_id = (unsigned long)json_integer_value(id);
	}
	if (json_integer_value(bt) > 0) {
		if (dn->o.block_time_set &&
		    json_integer_value(bt) != (json_int_t)dn->o.block_time)
			fprintf(stderr, "devnet: %s has a target block time of %lld s; "
			        "--pow.target-block-time applies to a new network "
			        "only\n", path, (long long)json_integer_value(bt));
		dn->o.block_time = (unsigned long)json_integer_value(bt);
	}
	int rc = json_is_object(cfg) ? check_genesis(dn, path, cfg) : 0;
	json_decref(g);
	return rc;
}

/* The settings of an earlier run, in j from path: its n, consensus and
 * validators must be ours (or give ours when not given), and its miners
 * stand when --miners was not given. Returns 0, 1 (a failure, printed) or
 * 2 (a conflicting flag). */
static int read_settings(devnet *dn, const char *path, const json_t *j)
{
	json_t *n = json_object_get(j, "n");
	json_int_t nv = json_integer_value(n);
	const char *cname = json_string_value(json_object_get(j, "consensus"));
	consensus cons = CONS_POW;   /* a file of before bft */
	if (!json_is_integer(n) || nv < 1 || nv > DEVNET_MAX_NODES) {
		fprintf(stderr, "dure devnet: %s: bad \"n\"\n", path);
		return 1;
	}
	if (cname && !consensus_parse(cname, &cons)) {
		fprintf(stderr, "dure devnet: %s is a %s network, which devnet "
		        "does not run\n", dn->dir, cname);
		return 1;
	}
	const char *kname = cons == CONS_BFT ? "validators" : "miners";
	json_t *k = json_object_get(j, kname);
	json_int_t kv = json_integer_value(k);
	if (!json_is_integer(k) || kv < (cons == CONS_BFT) || kv > nv) {
		fprintf(stderr, "dure devnet: %s: bad \"%s\"\n", path, kname);
		return 1;
	}
	if (dn->o.n_set && (unsigned long)nv != dn->o.n) {
		fprintf(stderr, "dure devnet: %s holds a network of %lld nodes, "
		        "not %lu: give -n %lld, or another --datadir for a new "
		        "network\n", dn->dir, (long long)nv, dn->o.n, (long long)nv);
		return 2;
	}
	if (dn->o.cons_set && cons != dn->o.cons) {
		fprintf(stderr, "dure devnet: %s holds a %s network, not %s: give "
		        "--consensus %s, or another --datadir for a new network\n",
		        dn->dir, consensus_names[cons], consensus_names[dn->o.cons],
		        consensus_names[cons]);
		return 2;
	}
	if (cons == CONS_BFT && dn->o.validators_set &&
	    (unsigned long)kv != dn->o.validators) {
		fprintf(stderr, "dure devnet: %s holds a network of %lld "
		        "validators, not %lu: its genesis names them; give "
		        "--validators %lld, or another --datadir for a new "
		        "network\n", dn->dir, (long long)kv, dn->o.validators,
		        (long long)kv);
		return 2;
	}
	dn->o.n = (unsigned long)nv;
	dn->o.cons = cons;
	if (cons == CONS_BFT)
		dn->o.validators = (unsigned long)kv;
	else if (!dn->o.miners_set)
		dn->o.miners = (unsigned long)kv;
	return 0;
}

static int resume_settings(devnet *dn, const char *path)
{
	json_error_t jerr;
	json_t *j = json_load_file(path, 0, &jerr);
	if (!j) {
		fprintf(stderr, "dure devnet: %s: %s\n", path, jerr.text);
		return 1;
	}
	int rc = read_settings(dn, path, j);
	json_decref(j);
	return rc;
}

/* A new network's: every node mines, or validates up to the most a
 * chain has. */
static void default_settings(devnet_opts *o)
{
	if (o->cons == CONS_POW && !o->miners_set)
		o->miners = o->n;
	if (o->cons == CONS_BFT && !o->validators_set)
		o->validators = o->n < DEVNET_MAX_VALIDATORS
		              ? o->n : DEVNET_MAX_VALIDATORS;
}

static int write_settings(const devnet *dn, const char *path)
{
	json_t *j = dn->o.cons == CONS_BFT
	          ? json_pack("{s:I,s:s,s:I,s:I}",
	                      "n", (json_int_t)dn->o.n,
	                      "consensus", "bft",
	                      "validators", (json_int_t)dn->o.validators,
	                      "chainId", (json_int_t)dn->o.chain_id)
	          : json_pack("{s:I,s:I,s:s,s:I,s:I}",
	                      "n", (json_int_t)dn->o.n,
	                      "miners", (json_int_t)dn->o.miners,
	                      "consensus", "pow",
	                      "chainId", (json_int_t)dn->o.chain_id,
	                      "targetBlockTime", (json_int_t)dn->o.block_time);
	if (!j)
		return DURE_ENOMEM;
	int err = write_json(path, j);
	json_decref(j);
	return err;
}

/* The bootnode's enode URL, from DIR/bootnode.key (created when absent). */
static int boot_url(devnet *dn)
{
	char path[PATH_CAP];
	path_of(dn, "bootnode.key", path);
	uint8_t key[32];
	int err = nodekey_load(path, key);
	if (err == DURE_ENOTFOUND)
		err = nodekey_create(path, key);
	if (err) {
		fprintf(stderr, "dure devnet: %s: %s\n", path, dure_strerror(err));
		return err;
	}
	enode self = {.ep = {.ip = {127, 0, 0, 1}, .ip_len = 4,
	                     .udp = (uint16_t)dn->o.port,
	                     .tcp = (uint16_t)dn->o.port}};
	err = secp_pubkey_create(key, self.id);
	explicit_bzero(key, sizeof key);
	if (!err)
		err = enode_format(&self, dn->boot_url, sizeof dn->boot_url);
	return err;
}

static int derive_accounts(devnet *dn)
{
	unsigned n = dn->o.n > DEVNET_ACCOUNTS ? (unsigned)dn->o.n
	                                       : DEVNET_ACCOUNTS;
	for (unsigned i = 0; i < n; i++) {
		uint8_t pub[64];
		int err = hd_dev_key(DEVNET_MNEMONIC, i, dn->keys[i]);
		if (!err)
			err = secp_pubkey_create(dn->keys[i], pub);
		if (err)
			return err;
		secp_pubkey_address(pub, &dn->addrs[i]);
	}
	return DURE_OK;
}

static void bftkey_path(const devnet *dn, unsigned i, char out[PATH_CAP])
{
	snprintf(out, PATH_CAP, "%s/node%u/bftkey", dn->dir, i);
}

/* The validators' addresses, of their keys DIR/node<i>/bftkey (made on
 * the first run, in a node directory that dure init then fills). */
static int validator_keys(devnet *dn)
{
	for (unsigned i = 0; i < dn->o.validators; i++) {
		char dir[PATH_CAP], path[PATH_CAP];
		snprintf(dir, sizeof dir, "%s/node%u", dn->dir, i + 1);
		bftkey_path(dn, i + 1, path);
		uint8_t key[32], pub[64];
		int err = cli_make_dirs(dir);
		if (!err) {
			err = nodekey_load(path, key);
			if (err == DURE_ENOTFOUND)
				err = nodekey_create(path, key);
		}
		if (!err)
			err = secp_pubkey_create(key, pub);
		explicit_bzero(key, sizeof key);
		if (err) {
			fprintf(stderr, "dure devnet: %s: %s\n", path,
			        dure_strerror(err));
			return err;
		}
		secp_pubkey_address(pub, &dn->vals[i]);
	}
	return DURE_OK;
}

/* Everything on disk a run needs. Returns 0, 1 or 2 (an exit status). */
static int prepare(devnet *dn)
{
	char gpath[PATH_CAP], spath[PATH_CAP];
	path_of(dn, "genesis.json", gpath);
	path_of(dn, "devnet.json", spath);
	if (cli_make_dirs(dn->dir)) {
		fprintf(stderr, "dure devnet: cannot create %s: %s\n", dn->dir,
		        strerror(errno));
		return 1;
	}
	char lpath[PATH_CAP];
	path_of(dn, "devnet.lock", lpath);
	dn->lock_fd = open(lpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (dn->lock_fd < 0 || flock(dn->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		fprintf(stderr, "dure devnet: %s: %s\n", lpath,
		        errno == EWOULDBLOCK ? "another devnet runs in this "
		        "directory" : strerror(errno));
		return 1;
	}
	bool have_genesis = exists(gpath);
	int rc = 0;
	if (exists(spath))
		rc = resume_settings(dn, spath);
	else
		default_settings(&dn->o);
	/* Again: the consensus may be the resumed network's. */
	if (!rc)
		rc = check_consensus(&dn->o);
	if (!rc)
		rc = check_ranges(&dn->o);
	if (rc)
		return rc;
	int err = derive_accounts(dn);
	if (err) {
		fprintf(stderr, "dure devnet: dev accounts: %s\n",
		        dure_strerror(err));
		return 1;
	}
	if (dn->o.cons == CONS_BFT && validator_keys(dn))
		return 1;
	if (have_genesis) {
		rc = adopt_genesis(dn, gpath);
		if (rc)
			return rc;
	} else {
		json_t *g = new_genesis(dn);
		err = g ? write_json(gpath, g) : DURE_ENOMEM;
		json_decref(g);
		if (err) {
			fprintf(stderr, "dure devnet: cannot write %s\n", gpath);
			return 1;
		}
	}
	if (write_settings(dn, spath)) {
		fprintf(stderr, "dure devnet: cannot write %s\n", spath);
		return 1;
	}
	return boot_url(dn) ? 1 : 0;
}

/* Refuses to start when a port is taken, so that the failure says which
 * one instead of a node dying half-way through the start. */
static bool port_free(int type, unsigned long port)
{
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	int one = 1;
	/* As libuv binds the node's listener: a socket of an earlier run
	 * lingering in TIME_WAIT does not count. */
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a = {.sin_family = AF_INET,
	                        .sin_port = htons((uint16_t)port),
	                        .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	bool ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
	close(fd);
	return ok;
}

typedef struct port_need {
	int type;
	unsigned long port;
	const char *what;
} port_need;

static bool ports_free(const devnet_opts *o)
{
	for (unsigned long i = 0; i <= o->n; i++) {
		/* The bootnode (i = 0) listens on UDP only. */
		port_need need[3] = {{SOCK_DGRAM, o->port + i, "UDP"},
		                     {SOCK_STREAM, o->port + i, "TCP"},
		                     {SOCK_STREAM, o->rpc_port + i - 1,
		                      "TCP (JSON-RPC)"}};
		for (size_t j = 0; j < (i ? 3u : 1u); j++)
			if (!port_free(need[j].type, need[j].port)) {
				fprintf(stderr, "dure devnet: %s port 127.0.0.1:%lu is in "
				        "use (--port / --rpc.port choose others)\n",
				        need[j].what, need[j].port);
				return false;
			}
	}
	return true;
}

/* ---- child output ---- */

static void on_closed(uv_handle_t *h)
{
	(void)h;
}

static void got_enode(child *c);
static void init_done(child *c);

static void emit(child_stream *st)
{
	child *c = st->c;
	devnet *dn = c->dn;
	size_t n = st->len;
	if (n && st->line[n - 1] == '\r')
		n--;
	st->line[n] = 0;
	st->len = 0;
	if (st->is_stdout && c->kind != CH_INIT && !c->enode[0] &&
	    !strncmp(st->line, "enode://", 8) && n < sizeof c->enode) {
		memcpy(c->enode, st->line, n + 1);
		got_enode(c);
	}
	if (st->is_stdout && c->kind == CH_INIT && !dn->genesis_hash[0] &&
	    !strncmp(st->line, "genesis 0x", 10) &&
	    n - 8 < sizeof dn->genesis_hash)
		memcpy(dn->genesis_hash, st->line + 8, n - 8 + 1);
	fprintf(stderr, "[%s] %s\n", c->name, st->line);
	if (c->log)
		fprintf(c->log, "%s\n", st->line);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	(void)hint;
	child_stream *st = h->data;
	b->base = st->c->dn->rbuf;
	b->len = sizeof st->c->dn->rbuf;
}

static void on_stream_closed(uv_handle_t *h)
{
	child_stream *st = h->data;
	if (st->c->kind == CH_INIT)
		init_done(st->c);
}

static void close_stream(child_stream *st)
{
	if (!st->open)
		return;
	st->open = false;
	uv_close((uv_handle_t *)&st->pipe, on_stream_closed);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	child_stream *st = s->data;
	for (ssize_t i = 0; i < n; i++) {
		if (b->base[i] == '\n') {
			emit(st);
			continue;
		}
		if (st->len == sizeof st->line - 1)
			emit(st);
		st->line[st->len++] = b->base[i];
	}
	if (n < 0) {
		if (st->len)
			emit(st);
		close_stream(st);
	}
}

/* ---- children ---- */

static void child_setup(devnet *dn, child *c, child_kind kind, unsigned i)
{
	c->dn = dn;
	c->kind = kind;
	c->index = i;
	if (kind == CH_BOOT)
		snprintf(c->name, sizeof c->name, "boot");
	else
		snprintf(c->name, sizeof c->name, "node%u", i);
	c->out.c = c->err.c = c;
	c->out.is_stdout = true;
}

static void describe_exit(int64_t status, int sig, char *out, size_t cap)
{
	if (sig)
		snprintf(out, cap, "was killed by signal %d (%s)", sig,
		         strsignal(sig));
	else
		snprintf(out, cap, "exited with status %lld", (long long)status);
}

static void finish(devnet *dn);

static bool nodes_left(const devnet *dn)
{
	for (unsigned i = 0; i < dn->o.n; i++)
		if (dn->nodes[i].running)
			return true;
	return false;
}

static void on_child_exit(uv_process_t *p, int64_t status, int sig)
{
	child *c = p->data;
	devnet *dn = c->dn;
	char why[96];
	c->running = false;
	dn->live--;
	uv_close((uv_handle_t *)p, on_closed);
	describe_exit(status, sig, why, sizeof why);
	if (c->kind == CH_INIT) {
		/* While stopping, an init ends by our own SIGTERM. */
		if ((status || sig) && dn->ph != PH_STOPPING) {
			fprintf(stderr, "devnet: dure init of %s/%s %s\n", dn->dir,
			        c->name, why);
			stop(dn, 1);
		}
		init_done(c);
	} else {
		fprintf(stderr, "[%s] %s\n", c->name, why);
		if (dn->ph == PH_BOOT || dn->ph == PH_NODES) {
			fprintf(stderr, "devnet: %s did not start; see %s/%s.log\n",
			        c->name, dn->dir, c->name);
			stop(dn, 1);
		} else if (dn->ph == PH_RUNNING && !nodes_left(dn)) {
			/* A bootnode alone is no network. */
			fprintf(stderr, "devnet: every node has exited\n");
			stop(dn, 1);
		}
	}
	if (dn->ph == PH_STOPPING && dn->live == 0)
		finish(dn);
}

static int open_log(child *c)
{
	char path[PATH_CAP];
	snprintf(path, sizeof path, "%s/%s.log", c->dn->dir, c->name);
	c->log = fopen(path, "ae");
	if (!c->log) {
		fprintf(stderr, "dure devnet: cannot open %s: %s\n", path,
		        strerror(errno));
		return DURE_EIO;
	}
	setvbuf(c->log, NULL, _IOLBF, 0);
	return 0;
}

static int spawn(devnet *dn, child *c, char **args)
{
	int err = c->log ? 0 : open_log(c);
	if (err)
		return err;
	uv_pipe_init(&dn->loop, &c->out.pipe, 0);
	uv_pipe_init(&dn->loop, &c->err.pipe, 0);
	c->out.pipe.data = &c->out;
	c->err.pipe.data = &c->err;
	c->out.open = c->err.open = true;
	uv_stdio_container_t io[3] = {
		{.flags = UV_IGNORE},
		{.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE,
		 .data.stream = (uv_stream_t *)&c->out.pipe},
		{.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE,
		 .data.stream = (uv_stream_t *)&c->err.pipe},
	};
	uv_process_options_t po = {
		.exit_cb = on_child_exit,
		.file = dn->exe,
		.args = args,
		.env = dn->env,
		.flags = UV_PROCESS_DETACHED,
		.stdio_count = 3,
		.stdio = io,
	};
	c->proc.data = c;
	int r = uv_spawn(&dn->loop, &c->proc, &po);
	if (r) {
		fprintf(stderr, "dure devnet: cannot start %s: %s\n", c->name,
		        uv_strerror(r));
		uv_close((uv_handle_t *)&c->proc, on_closed);
		close_stream(&c->out);
		close_stream(&c->err);
		return DURE_EIO;
	}
	c->running = true;
	dn->live++;
	uv_read_start((uv_stream_t *)&c->out.pipe, on_alloc, on_read);
	uv_read_start((uv_stream_t *)&c->err.pipe, on_alloc, on_read);
	return 0;
}

static int spawn_init(devnet *dn, child *c)
{
	char genesis[PATH_CAP], datadir[PATH_CAP];
	path_of(dn, "genesis.json", genesis);
	path_of(dn, c->name, datadir);
	char *args[] = {dn->exe, "init", genesis, "--datadir", datadir, NULL};
	return spawn(dn, c, args);
}

static int spawn_boot(devnet *dn)
{
	char key[PATH_CAP], addr[32], verb[8];
	path_of(dn, "bootnode.key", key);
	snprintf(addr, sizeof addr, "127.0.0.1:%lu", dn->o.port);
	snprintf(verb, sizeof verb, "%lu", dn->o.verbosity);
	char *args[] = {dn->exe, "bootnode", "--nodekey", key, "--addr", addr,
	                "--verbosity", verb, NULL};
	return spawn(dn, &dn->boot, args);
}

static int spawn_node(devnet *dn, child *c)
{
	char datadir[PATH_CAP], port[8], rpc[8], verb[8], threads[8], eb[43];
	char key[PATH_CAP];
	path_of(dn, c->name, datadir);
	snprintf(port, sizeof port, "%lu", dn->o.port + c->index);
	snprintf(rpc, sizeof rpc, "%lu", dn->o.rpc_port + c->index - 1);
	snprintf(verb, sizeof verb, "%lu", dn->o.verbosity);
	snprintf(threads, sizeof threads, "%lu", dn->o.threads);
	hex0x(dn->addrs[c->index - 1].b, 20, eb);
	char *args[24] = {dn->exe, "node", "--datadir", datadir,
	                  "--addr", "127.0.0.1", "--port", port,
	                  "--bootnodes", dn->boot_url,
	                  "--rpc.addr", "127.0.0.1", "--rpc.port", rpc,
	                  "--verbosity", verb};
	size_t k = 16;
	if (dn->o.cons == CONS_BFT) {
		if (c->index <= dn->o.validators) {
			bftkey_path(dn, c->index, key);
			args[k++] = "--bft.key";
			args[k++] = key;
		}
		if (dn->o.bft_block_time) {
			args[k++] = "--bft.block-time";
			args[k++] = (char *)dn->o.bft_block_time;
		}
	} else if (c->index <= dn->o.miners) {
		args[k++] = "--mine";
		args[k++] = "--miner.threads";
		args[k++] = threads;
		args[k++] = "--etherbase";
		args[k++] = eb;
	}
	args[k] = NULL;
	return spawn(dn, c, args);
}

/* ---- phases ---- */

static void start_nodes(devnet *dn)
{
	dn->ph = PH_NODES;
	dn->start_ms = uv_now(&dn->loop);
	for (unsigned i = 0; i < dn->o.n; i++)
		if (spawn_node(dn, &dn->nodes[i])) {
			stop(dn, 1);
			return;
		}
}

static void got_enode(child *c)
{
	devnet *dn = c->dn;
	if (c->kind != CH_BOOT || dn->ph != PH_BOOT)
		return;
	if (strcmp(c->enode, dn->boot_url))
		fprintf(stderr, "devnet: the bootnode says it is %s, not %s\n",
		        c->enode, dn->boot_url);
	start_nodes(dn);
}

/* An init is over when its process exited and both its pipes are closed
 * (its last lines read). */
static void init_done(child *c)
{
	devnet *dn = c->dn;
	if (c->running || c->out.open || c->err.open || c->counted)
		return;
	c->counted = true;
	if (--dn->inits_left || dn->ph != PH_INIT)
		return;
	dn->ph = PH_BOOT;
	dn->start_ms = uv_now(&dn->loop);
	if (spawn_boot(dn))
		stop(dn, 1);
}

/* What node i (0-based) does, for the table. */
static void node_role(const devnet *dn, unsigned i, char *out, size_t cap)
{
	char a[43];
	if (dn->o.cons == CONS_BFT && i < dn->o.validators) {
		hex0x(dn->vals[i].b, 20, a);
		snprintf(out, cap, "validator %s", a);
	} else if (dn->o.cons == CONS_BFT) {
		snprintf(out, cap, "follows (no validator key)");
	} else if (i < dn->o.miners) {
		hex0x(dn->addrs[i].b, 20, a);
		snprintf(out, cap, "mines to (%u) %s", i, a);
	} else {
		snprintf(out, cap, "does not mine");
	}
}

static void print_table(devnet *dn)
{
	if (dn->o.cons == CONS_BFT)
		printf("\nDure devnet: %lu nodes, BFT, chain id %lu\n\n",
		       dn->o.n, dn->o.chain_id);
	else
		printf("\nDure devnet: %lu nodes, proof of work, chain id %lu\n\n",
		       dn->o.n, dn->o.chain_id);
	printf("Data directory:  %s (logs in %s/<name>.log)\n", dn->dir,
	       dn->dir);
	if (dn->genesis_hash[0])
		printf("Genesis:         %s\n", dn->genesis_hash);
	printf("Bootnode:        %s\n", dn->boot_url);
	if (dn->o.cons == CONS_BFT && dn->o.validators == 1)
		printf("Validators:      node1 (keys in %s/node<i>/bftkey)\n",
		       dn->dir);
	else if (dn->o.cons == CONS_BFT)
		printf("Validators:      node1..node%lu (keys in "
		       "%s/node<i>/bftkey)\n", dn->o.validators, dn->dir);
	printf("\n");
	for (unsigned i = 0; i < dn->o.n; i++) {
		child *c = &dn->nodes[i];
		char mine[64];
		node_role(dn, i, mine, sizeof mine);
		printf("%-7s http://127.0.0.1:%-5lu  %s\n        %s\n", c->name,
		       dn->o.rpc_port + i, mine, c->enode);
	}
	printf("\nAvailable Accounts\n==================\n\n");
	for (unsigned i = 0; i < DEVNET_ACCOUNTS; i++) {
		char a[43];
		hex0x(dn->addrs[i].b, 20, a);
		printf("(%u) %s\n", i, a);
	}
	printf("\nPrivate Keys\n==================\n\n");
	for (unsigned i = 0; i < DEVNET_ACCOUNTS; i++) {
		char k[67];
		hex0x(dn->keys[i], 32, k);
		printf("(%u) %s\n", i, k);
	}
	printf("\nWallet\n==================\nMnemonic:          %s\n"
	       "Derivation path:   m/44'/60'/0'/0/\n\n", DEVNET_MNEMONIC);
	printf("devnet: %lu nodes running; Ctrl-C stops them\n", dn->o.n);
	fflush(stdout);
}

static void on_probe_closed(uv_handle_t *h)
{
	child *c = h->data;
	c->probing = false;
}

static void on_probe(uv_connect_t *req, int status)
{
	child *c = req->data;
	c->rpc_ready = status == 0;
	uv_close((uv_handle_t *)&c->probe, on_probe_closed);
}

static void probe(devnet *dn, child *c)
{
	struct sockaddr_in a;
	uv_ip4_addr("127.0.0.1", (int)(dn->o.rpc_port + c->index - 1), &a);
	uv_tcp_init(&dn->loop, &c->probe);
	c->probe.data = c->probe_req.data = c;
	c->probing = true;
	if (uv_tcp_connect(&c->probe_req, &c->probe, (struct sockaddr *)&a,
	                   on_probe))
		uv_close((uv_handle_t *)&c->probe, on_probe_closed);
}

static void on_tick(uv_timer_t *t)
{
	devnet *dn = t->data;
	if (dn->ph != PH_INIT && dn->ph != PH_BOOT && dn->ph != PH_NODES)
		return;
	bool ready = dn->ph == PH_NODES;
	for (unsigned i = 0; ready && i < dn->o.n; i++)
		ready = dn->nodes[i].rpc_ready;
	if (ready) {
		uv_timer_stop(t);
		dn->ph = PH_RUNNING;
		print_table(dn);
		return;
	}
	if (uv_now(&dn->loop) - dn->start_ms > START_TIMEOUT_MS) {
		child *late = &dn->boot;
		const char *what = "print its enode URL";
		for (unsigned i = 0; dn->ph == PH_INIT && i < dn->o.n; i++)
			if (!dn->inits[i].counted) {
				late = &dn->inits[i];
				what = "finish dure init";
				break;
			}
		for (unsigned i = 0; dn->ph == PH_NODES && i < dn->o.n; i++)
			if (!dn->nodes[i].rpc_ready) {
				late = &dn->nodes[i];
				if (late->enode[0])
					what = "serve JSON-RPC";
				break;
			}
		fprintf(stderr, "devnet: %s did not %s within %d s; see %s/%s.log\n",
		        late->name, what, START_TIMEOUT_MS / 1000, dn->dir,
		        late->name);
		stop(dn, 1);
		return;
	}
	for (unsigned i = 0; dn->ph == PH_NODES && i < dn->o.n; i++) {
		child *c = &dn->nodes[i];
		if (c->running && c->enode[0] && !c->rpc_ready && !c->probing)
			probe(dn, c);
	}
}

static void kill_all(devnet *dn, int sig)
{
	if (dn->boot.running)
		uv_process_kill(&dn->boot.proc, sig);
	for (unsigned i = 0; i < dn->o.n; i++) {
		if (dn->inits[i].running)
			uv_process_kill(&dn->inits[i].proc, sig);
		if (dn->nodes[i].running)
			uv_process_kill(&dn->nodes[i].proc, sig);
	}
}

static void on_stop_timeout(uv_timer_t *t)
{
	devnet *dn = t->data;
	fprintf(stderr, "devnet: %u processes still running after %d s: "
	        "SIGKILL\n", dn->live, STOP_TIMEOUT_MS / 1000);
	kill_all(dn, SIGKILL);
}

/* Closes what keeps the loop running once no child is left; the pipes
 * close themselves at their end of file. */
static void finish(devnet *dn)
{
	for (size_t i = 0; i < sizeof dn->sigs / sizeof *dn->sigs; i++)
		if (!uv_is_closing((uv_handle_t *)&dn->sigs[i]))
			uv_close((uv_handle_t *)&dn->sigs[i], on_closed);
	if (!uv_is_closing((uv_handle_t *)&dn->timer))
		uv_close((uv_handle_t *)&dn->timer, on_closed);
}

static void stop(devnet *dn, int rc)
{
	if (dn->ph == PH_STOPPING)
		return;
	dn->ph = PH_STOPPING;
	dn->rc = rc;
	if (dn->live == 0) {
		finish(dn);
		return;
	}
	if (dn->o.verbosity >= 3)
		fprintf(stderr, "devnet: stopping %u processes\n", dn->live);
	kill_all(dn, SIGTERM);
	uv_timer_stop(&dn->timer);
	uv_timer_start(&dn->timer, on_stop_timeout, STOP_TIMEOUT_MS, 0);
}

static void on_signal(uv_signal_t *s, int signum)
{
	devnet *dn = s->data;
	const char *name = signum == SIGINT ? "SIGINT"
	                 : signum == SIGTERM ? "SIGTERM" : "SIGHUP";
	if (dn->ph == PH_STOPPING) {
		fprintf(stderr, "devnet: %s again: SIGKILL to every child\n", name);
		kill_all(dn, SIGKILL);
		return;
	}
	fprintf(stderr, "devnet: %s received\n", name);
	stop(dn, 0);
}

/* The parent's environment with our pid in DEVNET_PARENT_ENV, for
 * devnet_child_init. The strings stay the parent's. */
static char **child_env(devnet *dn)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + 2, sizeof *env);
	if (!env)
		return NULL;
	size_t k = 0, plen = strlen(DEVNET_PARENT_ENV);
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], DEVNET_PARENT_ENV, plen) ||
		    environ[i][plen] != '=')
			env[k++] = environ[i];
	snprintf(dn->parent_env, sizeof dn->parent_env, "%s=%ld",
	         DEVNET_PARENT_ENV, (long)getpid());
	env[k] = dn->parent_env;
	return env;
}

static int run(devnet *dn)
{
	size_t exelen = sizeof dn->exe;
	if (uv_exepath(dn->exe, &exelen)) {
		fprintf(stderr, "dure devnet: cannot find our own executable\n");
		return 1;
	}
	if (!(dn->env = child_env(dn)))
		return 1;
	if (uv_loop_init(&dn->loop)) {
		free(dn->env);
		return 1;
	}
	/* A closed stdout must not kill us with the nodes still running. */
	signal(SIGPIPE, SIG_IGN);
	static const int signums[] = {SIGINT, SIGTERM, SIGHUP};
	for (size_t i = 0; i < sizeof signums / sizeof *signums; i++) {
		uv_signal_init(&dn->loop, &dn->sigs[i]);
		dn->sigs[i].data = dn;
		uv_signal_start(&dn->sigs[i], on_signal, signums[i]);
	}
	uv_timer_init(&dn->loop, &dn->timer);
	dn->timer.data = dn;
	dn->start_ms = uv_now(&dn->loop);
	uv_timer_start(&dn->timer, on_tick, PROBE_MS, PROBE_MS);
	child_setup(dn, &dn->boot, CH_BOOT, 0);
	for (unsigned i = 0; i < dn->o.n; i++) {
		child_setup(dn, &dn->inits[i], CH_INIT, i + 1);
		child_setup(dn, &dn->nodes[i], CH_NODE, i + 1);
	}
	if (dn->o.verbosity >= 3)
		fprintf(stderr, "devnet: %s, %lu nodes (%lu %s)\n", dn->dir,
		        dn->o.n, dn->o.cons == CONS_BFT ? dn->o.validators
		                                        : dn->o.miners,
		        dn->o.cons == CONS_BFT ? "validators" : "mining");
	dn->ph = PH_INIT;
	dn->inits_left = (unsigned)dn->o.n;
	for (unsigned i = 0; i < dn->o.n; i++)
		if (spawn_init(dn, &dn->inits[i])) {
			stop(dn, 1);
			break;
		}
	uv_run(&dn->loop, UV_RUN_DEFAULT);
	/* Every child exited (finish runs only then): nothing is left to
	 * kill, and the loop has no handle open. */
	if (uv_loop_close(&dn->loop))
		fprintf(stderr, "devnet: handles left open at exit\n");
	if (dn->boot.log)
		fclose(dn->boot.log);
	for (unsigned i = 0; i < dn->o.n; i++) {
		if (dn->inits[i].log)
			fclose(dn->inits[i].log);
		if (dn->nodes[i].log)
			fclose(dn->nodes[i].log);
	}
	free(dn->env);
	if (dn->rc == 0 && dn->o.verbosity >= 3)
		fprintf(stderr, "devnet: stopped\n");
	return dn->rc;
}

/* ~/.dure/devnet */
static int default_dir(char *out, size_t cap)
{
	const char *home = getenv("HOME");
	if (!home || !*home) {
		fprintf(stderr, "dure devnet: HOME is not set; give --datadir\n");
		return DURE_EINVAL;
	}
	if ((size_t)snprintf(out, cap, "%s/.dure/devnet", home) >= cap)
		return DURE_ERANGE;
	return 0;
}

int cmd_devnet(int argc, char **argv)
{
	devnet *dn = calloc(1, sizeof *dn);
	if (!dn) {
		fprintf(stderr, "dure devnet: out of memory\n");
		return 1;
	}
	dn->lock_fd = -1;
	int rc = parse(argc, argv, &dn->o);
	if (rc == 1) {
		free(dn);
		return 0;      /* --help */
	}
	if (rc == 0 && dn->o.datadir) {
		if (strlen(dn->o.datadir) > DIR_MAX) {
			fprintf(stderr, "dure devnet: --datadir is too long\n");
			rc = 2;
		} else {
			snprintf(dn->dir, sizeof dn->dir, "%s", dn->o.datadir);
		}
	} else if (rc == 0 && default_dir(dn->dir, DIR_MAX)) {
		rc = 2;
	}
	if (rc == 0)
		rc = prepare(dn);
	if (rc == 0 && !ports_free(&dn->o))
		rc = 1;
	if (rc == 0)
		rc = run(dn);
	if (dn->lock_fd >= 0)
		close(dn->lock_fd);
	explicit_bzero(dn->keys, sizeof dn->keys);
	free(dn);
	return rc;
}

void devnet_child_init(void)
{
	const char *s = getenv(DEVNET_PARENT_ENV);
	if (!s)
		return;
	unsigned long ppid = 0;
	bool ok = cli_parse_ulong(s, INT_MAX, &ppid);
	unsetenv(DEVNET_PARENT_ENV);
	if (!ok || prctl(PR_SET_PDEATHSIG, SIGTERM) != 0)
		return;
	/* Our output pipes die with devnet: the shutdown that its death
	 * starts must not be cut short by the first log line. */
	signal(SIGPIPE, SIG_IGN);
	/* devnet died between its fork and our prctl: nobody would stop us. */
	if (getppid() != (pid_t)ppid)
		_exit(1);
}
