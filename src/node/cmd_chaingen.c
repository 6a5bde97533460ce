/* `dure chaingen`: option parsing for tools/chaingen. */
#include "node/cmd_chaingen.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "node/cli.h"
#include "tools/chaingen.h"

static const char usage[] =
	"usage: dure chaingen --out FILE --genesis GENESIS.json\n"
	"                     --kind erc20|transfer --accounts N --blocks B\n"
	"                     [--txs-per-block T | --gas-per-block G]\n"
	"                     [--holders H] [--seed S] [--pow] [--quiet]\n"
	"\n"
	"Writes a genesis (chain id 1337, Cancun from block 0) funding N\n"
	"accounts whose keys are keccak256(be64(S) || be64(i)), with, for erc20,\n"
	"a token of H holders (default N), and B blocks of signed EIP-1559\n"
	"transactions as concatenated RLP: token transfers between holders or\n"
	"ether transfers, T per block or as many as fill G gas (default: the\n"
	"30M gas limit).\n"
	"\n"
	"--pow makes a proof-of-work chain (every fork through Cancun at block\n"
	"0, a \"pow\" config of 12 s blocks at difficulty 1, no block reward)\n"
	"instead of a post-merge one.\n";

static int number(const char *name, const char *s, uint64_t *out)
{
	unsigned long v;
	if (!cli_parse_ulong(s, ULONG_MAX, &v)) {
		fprintf(stderr, "dure chaingen: bad %s '%s'\n", name, s);
		return -1;
	}
	*out = v;
	return 0;
}

int cmd_chaingen(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"out", required_argument, NULL, 'o'},
		{"genesis", required_argument, NULL, 'g'},
		{"kind", required_argument, NULL, 'k'},
		{"accounts", required_argument, NULL, 'a'},
		{"blocks", required_argument, NULL, 'b'},
		{"txs-per-block", required_argument, NULL, 't'},
		{"gas-per-block", required_argument, NULL, 'G'},
		{"holders", required_argument, NULL, 'H'},
		{"seed", required_argument, NULL, 's'},
		{"pow", no_argument, NULL, 'p'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	chaingen_opts o = {.kind = CHAINGEN_ERC20, .progress = stderr};
	bool have_kind = false, have_accounts = false, have_blocks = false;
	int c, bad = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': o.out = optarg; break;
		case 'g': o.genesis_out = optarg; break;
		case 'k':
			have_kind = true;
			if (!strcmp(optarg, "erc20")) {
				o.kind = CHAINGEN_ERC20;
			} else if (!strcmp(optarg, "transfer")) {
				o.kind = CHAINGEN_TRANSFER;
			} else {
				fprintf(stderr, "dure chaingen: unknown kind '%s'\n",
				        optarg);
				bad = 1;
			}
			break;
		case 'a':
			have_accounts = true;
			bad |= number("--accounts", optarg, &o.accounts);
			break;
		case 'b':
			have_blocks = true;
			bad |= number("--blocks", optarg, &o.blocks);
			break;
		case 't': bad |= number("--txs-per-block", optarg,
		                        &o.txs_per_block); break;
		case 'G': bad |= number("--gas-per-block", optarg,
		                        &o.gas_per_block); break;
		case 'H': bad |= number("--holders", optarg, &o.holders); break;
		case 's': bad |= number("--seed", optarg, &o.seed); break;
		case 'p': o.pow = true; break;
		case 'q': o.progress = NULL; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (bad)
		return 2;
	if (optind < argc || !o.out || !o.genesis_out || !have_kind ||
	    !have_accounts || !have_blocks) {
		fputs(usage, stderr);
		return 2;
	}
	if (o.txs_per_block && o.gas_per_block) {
		fputs("dure chaingen: --txs-per-block and --gas-per-block "
		      "exclude each other\n", stderr);
		return 2;
	}
	if (o.accounts < 2 || (o.kind == CHAINGEN_ERC20 && o.holders == 1) ||
	    o.gas_per_block > CHAINGEN_GAS_LIMIT ||
	    o.txs_per_block > CHAINGEN_GAS_LIMIT / 21000) {
		fputs("dure chaingen: need at least 2 accounts and holders, "
		      "at most 30M gas and 1428 txs a block\n", stderr);
		return 2;
	}
	int err = chaingen_run(&o);
	if (err) {
		fprintf(stderr, "dure chaingen: %s\n", dure_strerror(err));
		return 1;
	}
	return 0;
}
