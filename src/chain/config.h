/* A chain's configuration: its id and the point at which each fork starts,
 * as in the `config` object of a geth-style genesis file.
 *
 *   {"chainId": 1, "homesteadBlock": 0, "eip150Block": 0, "eip155Block": 0,
 *    "eip158Block": 0, "byzantiumBlock": 0, "constantinopleBlock": 0,
 *    "petersburgBlock": 0, "istanbulBlock": 0, "berlinBlock": 0,
 *    "londonBlock": 0, "mergeNetsplitBlock": 0,
 *    "terminalTotalDifficulty": 0, "shanghaiTime": 0, "cancunTime": 0}
 *
 * Forks up to Paris start at a block number, Shanghai and Cancun at a
 * timestamp. Paris (the Merge) starts at mergeNetsplitBlock when it is
 * given, else at the first block whose total difficulty reaches
 * terminalTotalDifficulty; the fork of a block by number alone treats a
 * chain with a terminal total difficulty of 0 as merged from genesis.
 * A fork that is absent never starts, and neither does any later one.
 *
 * Forks that change no rule here but are fork points of the chain (the
 * DAO fork, the difficulty-bomb delays) are kept for its EIP-2124 fork id:
 * daoForkBlock, muirGlacierBlock, arrowGlacierBlock, grayGlacierBlock.
 *
 * A proof-of-work chain (consensus/pow.h) names its parameters in a "pow"
 * object: {"targetBlockTime": 5, "minimumDifficulty": 131072,
 * "blockReward": "2000000000000000000"} (seconds, and quantities as
 * chain_json_u256 reads them; blockReward may be left out for none).
 *
 * A BFT chain (consensus/bft/rules.h) names its validators in a "bft"
 * object: {"validators": [{"address": "0x...", "power": 10}, "0x...", ...]}
 * (a bare address string has power 1), 1 to CHAIN_BFT_MAX_VALIDATORS of
 * them, no address twice, each power at least 1 and their sum at most
 * 2^60 - 1. A chain has at most one of "pow" and "bft". */
#ifndef DURE_CHAIN_CONFIG_H
#define DURE_CHAIN_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "base/bytes.h"
#include "base/err.h"
#include "evm/fork.h"
#include "u256/u256.h"

/* Marks a fork that is not scheduled. */
#define CHAIN_NEVER UINT64_MAX

/* A proof-of-work chain's parameters. */
typedef struct chain_pow {
	uint64_t target_block_time; /* seconds between blocks aimed at; > 0 */
	u256 min_difficulty;        /* the floor of every block's; > 0 */
	u256 block_reward;          /* wei to each block's coinbase */
} chain_pow;

/* A BFT chain's validators, in the order the file lists them. */
#define CHAIN_BFT_MAX_VALIDATORS 32
#define CHAIN_BFT_MAX_TOTAL_POWER ((UINT64_C(1) << 60) - 1)

/* With "admin" and "contract" ("bft": {"validators": [..], "admin":
 * "0x..", "contract": "0x.."}, both or neither) the admin's transactions
 * to the contract change the set (consensus/bft/rules.h). */
typedef struct chain_bft {
	size_t n;                                 /* 1..CHAIN_BFT_MAX_VALIDATORS */
	address addr[CHAIN_BFT_MAX_VALIDATORS];
	uint64_t power[CHAIN_BFT_MAX_VALIDATORS]; /* >= 1 each */
	bool has_admin;
	address admin;
	address contract;
} chain_bft;

typedef struct chain_config {
	uint64_t chain_id;
	/* activation[f]: block number (f <= FORK_PARIS) or timestamp (f >=
	 * FORK_SHANGHAI) at which fork f starts; CHAIN_NEVER if it does not.
	 * activation[FORK_FRONTIER] is 0. */
	uint64_t activation[FORK_COUNT_];
	bool has_ttd;            /* terminalTotalDifficulty given */
	u256 ttd;
	/* EIP-170's code size and EIP-3860's initcode size limits lifted, for
	 * a dev chain whose test suites deploy large contracts (Hardhat's
	 * allowUnlimitedContractSize, Anvil's --disable-code-size-limit).
	 * A property of the chain, not of a run: its blocks are valid only
	 * under it. JSON key "allowUnlimitedContractSize". */
	bool unlimited_code_size;
	/* A development chain (dure dev): its producer sets each block's gas
	 * limit and base fee (evm_setBlockGasLimit,
	 * anvil_setNextBlockBaseFeePerGas) instead of the 1/1024 bound and
	 * EIP-1559's formula, which its blocks are then not checked
	 * against, and senders with code may send (no EIP-3607: Anvil's and
	 * Hardhat's impersonated contracts). JSON key "dureDevChain". */
	bool dev_rules;
	/* Fork points that change no rule: 0 when absent (or at genesis,
	 * which EIP-2124 counts alike). */
	uint64_t dao_block, muir_glacier_block, arrow_glacier_block,
	         gray_glacier_block;
	bool has_pow;            /* a "pow" object was given */
	chain_pow pow;
	bool has_bft;            /* a "bft" object was given */
	chain_bft bft;
} chain_config;

/* Reads a quantity: a non-negative JSON integer, or a decimal or "0x" hex
 * string of at most 256 bits, as geth's big.Int and HexOrDecimal read
 * them. Returns DURE_OK, or DURE_EJSON for any other value (NULL
 * included) with *out zeroed. */
DURE_WUR int chain_json_u256(const json_t *v, u256 *out);

/* Reads a geth-style `config` object. Unknown keys are ignored (geth's
 * files carry others: ethash, clique, blobSchedule...); chainId is
 * required, and eip155Block must equal eip158Block (one fork here). Forks
 * must be scheduled in order (a later fork never before an earlier one,
 * none after one that is absent). Returns DURE_OK, or DURE_EJSON for a
 * malformed value or an out-of-order schedule, with *out zeroed. */
DURE_WUR int chain_config_from_json(const json_t *config, chain_config *out);

/* Writes c as a `config` object that chain_config_from_json reads back
 * to c (geth's keys; a fork that never starts is left out). Returns
 * DURE_OK with *out owned by the caller (json_decref), or DURE_ENOMEM. */
DURE_WUR int chain_config_to_json(const chain_config *c, json_t **out);

/* The configuration of an ethereum/tests fixture network: one fork from
 * genesis ("Cancun", "Shanghai", ...) or a transition network
 * ("ShanghaiToCancunAtTime15k", "ParisToShanghaiAtTime15k",
 * "BerlinToLondonAt5", ...), chain id 1. Returns DURE_OK or DURE_EINVAL
 * for an unknown name. */
DURE_WUR int chain_config_for_network(const char *network, chain_config *out);

/* The fork a block runs under, from its number and timestamp. Paris by
 * total difficulty is not decided here: a block before
 * mergeNetsplitBlock counts as merged only when the terminal total
 * difficulty is 0 (use chain_config_fork_td when the total difficulty is
 * known). */
fork chain_config_fork(const chain_config *c, uint64_t number,
                       uint64_t timestamp);

/* As chain_config_fork, with the total difficulty of the block's parent:
 * a pre-Shanghai block is Paris when the parent reached the terminal total
 * difficulty. */
fork chain_config_fork_td(const chain_config *c, uint64_t number,
                          uint64_t timestamp, const u256 *parent_td);

#endif
