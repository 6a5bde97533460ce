/* A generator of test chains (`dure chaingen`): a genesis file funding N
 * accounts, optionally with an ERC-20 token whose holders are preset in its
 * storage, and B valid blocks of signed EIP-1559 transactions on top of it,
 * written as concatenated block RLP for `dure import`.
 *
 * Every block is built the way a producer builds one (blockchain_build,
 * consensus/builder.h) and imported with blockchain_import, so the next
 * block builds on it. The generator's store
 * lives in a temporary directory beside the output file, removed at the end.
 *
 * Proof of work (opts.pow): the genesis schedules every fork through
 * Cancun at block 0 with mergeNetsplitBlock 0 and no terminal total
 * difficulty, and a "pow" object (consensus/pow.h) of target block time
 * CHAINGEN_BLOCK_INTERVAL, minimum difficulty 1 and no block reward, at
 * genesis difficulty 1. The blocks are built and checked under the pow
 * engine: a block CHAINGEN_BLOCK_INTERVAL seconds after its parent keeps
 * difficulty 1, where every nonce seals (nonce 0, mix hash zero). A node
 * on that genesis follows the chain by total difficulty. Without pow the
 * chain is post-merge (difficulty 0, engine_merge).
 *
 * Determinism: the same options give the same files, byte for byte.
 * Account i's secret key is keccak256(be64(seed) || be64(i)); the choice of
 * senders, recipients and amounts comes from a splitmix64 stream seeded
 * with the seed.
 *
 * The token (CHAINGEN_TOKEN_CODE, written by hand; see chaingen.c for its
 * assembly) answers two calls, like a Solidity ERC-20 compiled with
 * `mapping(address => uint256) balances` as its first state variable:
 *   transfer(address,uint256) 0xa9059cbb  moves the amount from the caller,
 *       emits Transfer(address indexed, address indexed, uint256), returns
 *       true (32 bytes); reverts when the balance is short;
 *   balanceOf(address)        0x70a08231  returns the balance.
 * Both revert on call value, short calldata or an address with high bits,
 * as solc's ABI decoder does. Balances sit at the mapping's Solidity slots:
 *   balance of a = storage[keccak256(pad32(a) || pad32(0))]. */
#ifndef DURE_TOOLS_CHAINGEN_H
#define DURE_TOOLS_CHAINGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/bytes.h"
#include "base/err.h"

#define CHAINGEN_CHAIN_ID 1337
#define CHAINGEN_GAS_LIMIT 30000000
/* Seconds between blocks (the genesis is at time 0). */
#define CHAINGEN_BLOCK_INTERVAL 12

/* The token's runtime code and the address the genesis puts it at. */
extern const uint8_t CHAINGEN_TOKEN_CODE[];
extern const size_t CHAINGEN_TOKEN_CODE_LEN;
extern const address CHAINGEN_TOKEN_ADDRESS;

/* keccak256("Transfer(address,address,uint256)"), the event's topic 0. */
extern const h256 CHAINGEN_TRANSFER_TOPIC;

typedef enum chaingen_kind {
	CHAINGEN_ERC20,          /* token transfers between holders */
	CHAINGEN_TRANSFER,       /* plain ether transfers */
} chaingen_kind;

typedef struct chaingen_opts {
	const char *out;         /* blocks, concatenated RLP */
	const char *genesis_out; /* the genesis JSON */
	chaingen_kind kind;
	uint64_t accounts;       /* funded accounts, at least 2 */
	uint64_t holders;        /* token holders (erc20), at least 2; 0: accounts */
	uint64_t blocks;
	/* Exactly this many transactions per block, or (when 0) as many as
	 * fit in gas_per_block (0: the block gas limit). */
	uint64_t txs_per_block;
	uint64_t gas_per_block;
	uint64_t seed;
	bool pow;                /* a proof-of-work chain (see above) */
	FILE *progress;          /* progress lines; NULL for none */
} chaingen_opts;

/* Account i's secret key for seed (see above); may, with negligible
 * probability, not be a valid key (chaingen_run then fails with DURE_EKEY). */
void chaingen_key(uint64_t seed, uint64_t i, uint8_t out[32]);

/* The storage slot that holds a's token balance. */
void chaingen_balance_slot(const address *a, h256 *out);

/* Writes the genesis and the blocks that o describes. Returns DURE_OK,
 * DURE_EINVAL for options out of range, DURE_EIO when a file cannot be
 * written (a message goes to stderr), DURE_EKEY, DURE_ENOMEM, or the error
 * of a store, execution or import step (a message names the block). A
 * failed run may leave partial output files. */
DURE_WUR int chaingen_run(const chaingen_opts *o);

#endif
