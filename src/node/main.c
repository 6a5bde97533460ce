/* The `dure` command line: one binary, one subcommand per role. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "node/cmd.h"
#include "node/cmd_chaingen.h"
#include "node/cmd_evm.h"
#include "tools/fixtures.h"

#define DURE_VERSION "0.1.0"
/* A dev node answers web3_clientVersion as Anvil does first: test helpers
 * (Hardhat's network helpers) accept only nodes whose version starts with
 * "anvil", "HardhatNetwork" or "zksync". */
#define DEV_CLIENT_VERSION "anvil/v1.0.0 Dure/v" DURE_VERSION "/linux"

static const char usage[] =
	"Dure " DURE_VERSION " - a peer-to-peer blockchain node\n"
	"\n"
	"usage: dure <command> [options]\n"
	"\n"
	"commands:\n"
	"  fixtures PATH...     run ethereum/tests fixtures (RLP, trie, transaction,\n"
	"                       key/address, state, blockchain); prints failures\n"
	"                       and 'N passed, M failed'\n"
	"      --json           print results as JSON\n"
	"      --run REGEX      only cases whose name matches REGEX\n"
	"      --fork NAME      fork to run state tests under (default Cancun)\n"
	"      --trace          EIP-3155 trace of each opcode to stderr\n"
	"  statetest PATH...    alias of fixtures\n"
	"  blocktest PATH...    alias of fixtures\n"
	"  dev [options]        a local development chain with JSON-RPC on\n"
	"                       127.0.0.1:8545, like Anvil; 'dure dev --help'\n"
	"  devnet -n N          N local proof-of-work nodes and a bootnode on\n"
	"                       127.0.0.1, each its own process; 'dure devnet --help'\n"
	"  node [options]       run a node on the chain `dure init` wrote: eth/68\n"
	"                       peers, sync, --mine, JSON-RPC; 'dure node --help'\n"
	"  bootnode [options]   run a discovery-only node and print its enode URL\n"
	"  evm run|bench ...    run bytecode (--bench: time it), or the EVM\n"
	"                       benchmarks of a directory; 'dure evm help'\n"
	"  init GENESIS.json    write a genesis file's block and state into the\n"
	"                       data directory (--datadir, default ~/.dure)\n"
	"  import FILE          import blocks from FILE (concatenated RLP, as\n"
	"                       geth's import/export)\n"
	"  export FILE [FIRST [LAST]]\n"
	"                       write canonical blocks (default all) to FILE\n"
	"  db verify            recompute the state root from the flat state\n"
	"                       and check it against the head's\n"
	"  account new|list|import\n"
	"                       create, list or import password-protected key\n"
	"                       files (<datadir>/keystore); 'dure account help'\n"
	"  chaingen [options]   generate a genesis and a chain of test blocks\n"
	"                       (ERC-20 or ether transfers); 'dure chaingen --help'\n"
	"  version              print the version\n"
	"  help                 this text\n";

static int cmd_fixtures(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"trace", no_argument, NULL, 't'},
		{"fork", required_argument, NULL, 'f'},
		{"run", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	fx_opts opts = {0};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': opts.json = true; break;
		case 't': opts.trace = true; break;
		case 'f': opts.fork = optarg; break;
		case 'r': opts.run = optarg; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "dure %s: no fixture path given\n", argv[0]);
		return 2;
	}
	return fx_main(&opts, argv + optind, argc - optind);
}

int main(int argc, char **argv)
{
	devnet_child_init();
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		puts("dure " DURE_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "fixtures") || !strcmp(cmd, "statetest") ||
	    !strcmp(cmd, "blocktest"))
		return cmd_fixtures(argc - 1, argv + 1);
	if (!strcmp(cmd, "dev"))
		return cmd_dev(argc - 1, argv + 1, DEV_CLIENT_VERSION);
	if (!strcmp(cmd, "devnet"))
		return cmd_devnet(argc - 1, argv + 1);
	if (!strcmp(cmd, "node"))
		return cmd_node(argc - 1, argv + 1, "Dure/v" DURE_VERSION);
	if (!strcmp(cmd, "evm"))
		return cmd_evm(argc - 1, argv + 1);
	if (!strcmp(cmd, "bootnode"))
		return cmd_bootnode(argc - 1, argv + 1, "Dure/v" DURE_VERSION);
	if (!strcmp(cmd, "init"))
		return cmd_init(argc - 1, argv + 1);
	if (!strcmp(cmd, "import"))
		return cmd_import(argc - 1, argv + 1);
	if (!strcmp(cmd, "export"))
		return cmd_export(argc - 1, argv + 1);
	if (!strcmp(cmd, "db"))
		return cmd_db(argc - 1, argv + 1);
	if (!strcmp(cmd, "chaingen"))
		return cmd_chaingen(argc - 1, argv + 1);
	if (!strcmp(cmd, "account"))
		return cmd_account(argc - 1, argv + 1);
	fprintf(stderr, "dure: unknown command '%s'\n\n%s", cmd, usage);
	return 2;
}
