/* `dure node` and `dure bootnode`: flags into a node_config. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "base/hex.h"
#include "node/cli.h"
#include "node/cmd.h"
#include "node/keys.h"
#include "node/node.h"

/* The most accounts --unlock takes. */
#define UNLOCK_MAX 64

static const char node_usage[] =
	"usage: dure node [options]\n"
	"  --datadir DIR        data directory (default ~/.dure)\n"
	"  --port N             RLPx TCP port (default 30303)\n"
	"  --discport N         discovery UDP port (default: --port)\n"
	"  --addr IP            address to bind (default 0.0.0.0)\n"
	"  --extip IP           address to advertise (default --addr, or\n"
	"                       127.0.0.1 when --addr is unspecified)\n"
	"  --bootnodes URLS     comma-separated enode URLs to join through\n"
	"  --maxpeers N         most peers (default 50; a third of them dialled\n"
	"                       by us, the rest kept for inbound)\n"
	"  --nodekey FILE       node key file (default <datadir>/nodekey)\n"
	"  --rpc.addr IP        JSON-RPC address (default 127.0.0.1)\n"
	"  --rpc.port N         JSON-RPC port (default 8545)\n"
	"  --mine               mine blocks (a proof-of-work chain)\n"
	"  --miner.threads N    mining threads (default 1)\n"
	"  --etherbase ADDR     where the mined rewards go (required to mine)\n"
	"  --networkid N        eth network id (default: the chain id)\n"
	"  --bft.key FILE       validate a BFT chain with the secp256k1 key in\n"
	"                       FILE (64 hex digits, the nodekey format); the\n"
	"                       signing WAL is <datadir>/bft.wal\n"
	"  --bft.block-time S   seconds from a block's commit to the next height\n"
	"                       (default 1; block timestamps are whole seconds\n"
	"                       and rise by at least one a block)\n"
	"  --bft.wait-txs       start a height only with transactions pending\n"
	"  --unlock LIST        comma-separated accounts of <datadir>/keystore,\n"
	"                       by address or by `dure account list` index, to\n"
	"                       decrypt at start: eth_accounts lists them,\n"
	"                       eth_sendTransaction, eth_signTransaction,\n"
	"                       eth_sign, personal_sign and eth_signTypedData_v4\n"
	"                       sign with them\n"
	"  --password FILE      their passwords, line i for account i (the last\n"
	"                       line for the accounts after it); without it\n"
	"                       they are asked on the terminal\n"
	"  --allow-insecure-unlock\n"
	"                       allow --unlock with an --rpc.addr other hosts\n"
	"                       can reach (anyone who reaches it can sign)\n"
	"  --verbosity N        0 quiet .. 4 debug (default 3)\n"
	"\n"
	"The chain is the one `dure init GENESIS.json --datadir DIR` wrote.\n";

static const char bootnode_usage[] =
	"usage: dure bootnode [options]\n"
	"  --nodekey FILE       node key file (default <datadir>/nodekey, or a\n"
	"                       fresh key for this run without --datadir)\n"
	"  --addr [IP]:PORT     discovery address (default :30301)\n"
	"  --datadir DIR        keep the node key and node database here\n"
	"  --verbosity N        0 quiet .. 4 debug (default 3)\n";

static bool parse_port(const char *s, uint16_t *out)
{
	unsigned long v = 0;
	if (!cli_parse_ulong(s, 65535, &v))
		return false;
	*out = (uint16_t)v;
	return true;
}

static int run(const node_config *cfg)
{
	return node_run(cfg) ? 1 : 0;
}

/* Expands the default datadir; returns NULL (and complains) without HOME. */
static char *default_datadir(void)
{
	const char *home = getenv("HOME");
	if (!home || !*home) {
		fprintf(stderr, "dure: HOME is not set; give --datadir\n");
		return NULL;
	}
	size_t n = strlen(home) + sizeof "/.dure";
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/.dure", home);
	return p;
}

/* Decrypts the accounts of --unlock into *accts for cfg. Returns the exit
 * status: 0, or 1 with the reason on stderr. */
static int unlock_accounts(node_config *cfg, const cli_account_ref *refs,
                           size_t n, const char *password_file,
                           api_account **accts)
{
	char *dir = keys_dir(cfg->datadir);
	int err = dir ? keys_unlock(dir, refs, n, password_file, accts)
	              : DURE_ENOMEM;
	free(dir);
	if (err == DURE_ENOMEM)
		fprintf(stderr, "dure node: out of memory\n");
	if (err)
		return 1;
	cfg->accounts = *accts;
	cfg->naccounts = n;
	for (size_t i = 0; i < n && cfg->verbosity >= 3; i++) {
		char hex[41];
		hex_encode((*accts)[i].addr.b, sizeof (*accts)[i].addr.b, hex);
		fprintf(stderr, "INFO  node: unlocked account 0x%s\n", hex);
	}
	return 0;
}

int cmd_node(int argc, char **argv, const char *client_id)
{
	static const struct option longopts[] = {
		{"datadir", required_argument, NULL, 'd'},
		{"port", required_argument, NULL, 'p'},
		{"discport", required_argument, NULL, 'u'},
		{"addr", required_argument, NULL, 'a'},
		{"extip", required_argument, NULL, 'x'},
		{"bootnodes", required_argument, NULL, 'b'},
		{"maxpeers", required_argument, NULL, 'm'},
		{"nodekey", required_argument, NULL, 'k'},
		{"rpc.addr", required_argument, NULL, 'r'},
		{"rpc.port", required_argument, NULL, 'R'},
		{"verbosity", required_argument, NULL, 'v'},
		{"mine", no_argument, NULL, 'M'},
		{"miner.threads", required_argument, NULL, 'T'},
		{"etherbase", required_argument, NULL, 'E'},
		{"networkid", required_argument, NULL, 'N'},
		{"bft.key", required_argument, NULL, 'K'},
		{"bft.block-time", required_argument, NULL, 'B'},
		{"bft.wait-txs", no_argument, NULL, 'W'},
		{"unlock", required_argument, NULL, 'U'},
		{"password", required_argument, NULL, 'P'},
		{"allow-insecure-unlock", no_argument, NULL, 'I'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	static node_config cfg; /* large (bootnodes): not on the stack */
	cli_account_ref unlock[UNLOCK_MAX];
	size_t nunlock = 0;
	const char *password_file = NULL;
	bool insecure_unlock = false;
	memset(&cfg, 0, sizeof cfg);
	cfg.bind.tcp = 30303;
	cfg.maxpeers = 50;
	cfg.rpc_addr = "127.0.0.1";
	cfg.rpc_port = 8545;
	cfg.verbosity = 3;
	cfg.client_id = client_id;
	cfg.miner_threads = 1;
	bool discport_set = false, etherbase_set = false;
	unsigned long v = 0;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		bool ok = true;
		switch (c) {
		case 'd': cfg.datadir = optarg; break;
		case 'p': ok = parse_port(optarg, &cfg.bind.tcp); break;
		case 'u':
			ok = parse_port(optarg, &cfg.bind.udp);
			discport_set = true;
			break;
		case 'a': ok = node_parse_ip(optarg, &cfg.bind) == 0; break;
		case 'x': ok = node_parse_ip(optarg, &cfg.extip) == 0; break;
		case 'b':
			if (node_parse_bootnodes(&cfg, optarg) != 0)
				return 2;
			break;
		case 'm':
			ok = cli_parse_ulong(optarg, 100000, &v);
			cfg.maxpeers = v;
			break;
		case 'k': cfg.nodekey = optarg; break;
		case 'r': cfg.rpc_addr = optarg; break;
		case 'R': ok = parse_port(optarg, &cfg.rpc_port); break;
		case 'v':
			ok = cli_parse_ulong(optarg, 10, &v);
			cfg.verbosity = (int)v;
			break;
		case 'M': cfg.mine = true; break;
		case 'T':
			ok = cli_parse_ulong(optarg, 256, &v) && v > 0;
			cfg.miner_threads = (unsigned)v;
			break;
		case 'E':
			ok = hex_decode_exact(optarg, cfg.etherbase.b, 20) == 0;
			etherbase_set = ok;
			break;
		case 'N':
			ok = cli_parse_ulong(optarg, ULONG_MAX, &v) && v > 0;
			cfg.network_id = v;
			break;
		case 'K': cfg.bft_key = optarg; break;
		case 'B':
			ok = cli_parse_seconds_ms(optarg, 3600 * 1000, &v) && v > 0;
			cfg.bft_block_time_ms = v;
			break;
		case 'W': cfg.bft_wait_txs = true; break;
		case 'U':
			ok = cli_parse_accounts(optarg, unlock, UNLOCK_MAX,
			                        &nunlock) == 0;
			break;
		case 'P': password_file = optarg; break;
		case 'I': insecure_unlock = true; break;
		case 'h': fputs(node_usage, stdout); return 0;
		default: fputs(node_usage, stderr); return 2;
		}
		if (!ok) {
			fprintf(stderr, "dure node: bad value '%s'\n%s", optarg,
			        node_usage);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "dure node: unexpected argument '%s'\n%s",
		        argv[optind], node_usage);
		return 2;
	}
	if (cfg.mine && cfg.bft_key) {
		fprintf(stderr, "dure node: --mine and --bft.key exclude each "
		        "other\n");
		return 2;
	}
	if (cfg.mine && !etherbase_set) {
		fprintf(stderr, "dure node: --mine needs --etherbase ADDRESS\n");
		return 2;
	}
	if (password_file && !nunlock) {
		fprintf(stderr, "dure node: --password is for the accounts of "
		        "--unlock\n");
		return 2;
	}
	/* As geth: keys that sign for whoever reaches the RPC are only for
	 * an RPC that nobody else reaches, unless asked for. */
	if (nunlock && !insecure_unlock && !cli_ip_is_loopback(cfg.rpc_addr)) {
		fprintf(stderr, "dure node: --unlock with JSON-RPC on %s lets "
		        "anyone who reaches it sign with the accounts; serve it on "
		        "a loopback --rpc.addr, or give --allow-insecure-unlock\n",
		        cfg.rpc_addr);
		return 2;
	}
	if (!discport_set)
		cfg.bind.udp = cfg.bind.tcp;
	char *dd = NULL;
	if (!cfg.datadir && !(cfg.datadir = dd = default_datadir()))
		return 2;
	api_account *accts = NULL;
	int rc = nunlock ? unlock_accounts(&cfg, unlock, nunlock, password_file,
	                                   &accts) : 0;
	if (!rc)
		rc = run(&cfg);
	keys_lock(accts, nunlock);
	free(dd);
	return rc;
}

/* "[IP]:PORT", ":PORT", "IP:PORT" or "[v6]:PORT". */
static bool parse_hostport(const char *s, net_endpoint *ep)
{
	const char *colon = strrchr(s, ':');
	if (!colon || !parse_port(colon + 1, &ep->udp))
		return false;
	char host[64];
	size_t n = (size_t)(colon - s);
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
	}
	if (n >= sizeof host)
		return false;
	memcpy(host, s, n);
	host[n] = 0;
	return node_parse_ip(host, ep) == 0;
}

int cmd_bootnode(int argc, char **argv, const char *client_id)
{
	static const struct option longopts[] = {
		{"nodekey", required_argument, NULL, 'k'},
		{"addr", required_argument, NULL, 'a'},
		{"datadir", required_argument, NULL, 'd'},
		{"verbosity", required_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	static node_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.bind.udp = 30301;
	cfg.discovery_only = true;
	cfg.verbosity = 3;
	cfg.client_id = client_id;
	unsigned long v = 0;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		bool ok = true;
		switch (c) {
		case 'k': cfg.nodekey = optarg; break;
		case 'a': ok = parse_hostport(optarg, &cfg.bind); break;
		case 'd': cfg.datadir = optarg; break;
		case 'v':
			ok = cli_parse_ulong(optarg, 10, &v);
			cfg.verbosity = (int)v;
			break;
		case 'h': fputs(bootnode_usage, stdout); return 0;
		default: fputs(bootnode_usage, stderr); return 2;
		}
		if (!ok) {
			fprintf(stderr, "dure bootnode: bad value '%s'\n%s", optarg,
			        bootnode_usage);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "dure bootnode: unexpected argument '%s'\n%s",
		        argv[optind], bootnode_usage);
		return 2;
	}
	cfg.bind.tcp = cfg.bind.udp;
	return run(&cfg);
}
