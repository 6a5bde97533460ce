/* Genesis: a chain's first block and state, from a geth-style genesis file.
 *
 *   {"config": {...chain_config...},
 *    "alloc": {"0xADDR": {"balance": "0x..", "nonce": "0x..",
 *                         "code": "0x..", "storage": {"0xK": "0xV"}}},
 *    "gasLimit": "0x..", "difficulty": "0x..", "baseFeePerGas": "0x..",
 *    "extraData": "0x..", "timestamp": "0x..", "mixHash": "0x..",
 *    "nonce": "0x..", "coinbase": "0x..", "parentHash": "0x..",
 *    "number": "0x..", "gasUsed": "0x..", "excessBlobGas": "0x..",
 *    "blobGasUsed": "0x.."}
 *
 * Quantities are hex ("0x..") or decimal strings, or JSON integers, as geth
 * reads them; addresses may lack the 0x prefix. The oldest files
 * (ethereum/tests' GenesisTests) are read too: no config means a Frontier
 * chain (chain id 1), "0x" alone is zero, and "wei" names the balance.
 * Two spellings of one address, or of one storage key, are refused.
 *
 * The genesis header gets the fields of the forks active at block 0 with
 * the file's timestamp: a base fee (the file's, else 1 gwei, EIP-1559's
 * initial base fee) from London, the empty withdrawals root from Shanghai,
 * zero blob gas (unless given) and a zero parent beacon root from Cancun,
 * as geth does. Absent (or zero) gasLimit is geth's 4712388; absent
 * difficulty is geth's 131072 unless the chain is merged at genesis. */
#ifndef DURE_CHAIN_GENESIS_H
#define DURE_CHAIN_GENESIS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/bytes.h"
#include "base/err.h"
#include "chain/block.h"
#include "chain/config.h"
#include "state/state.h"
#include "u256/u256.h"

typedef struct genesis_slot {
	u256 key;
	u256 value;
} genesis_slot;

typedef struct genesis_account {
	address addr;
	uint64_t nonce;
	u256 balance;
	uint8_t *code;           /* owned */
	size_t code_len;
	genesis_slot *storage;   /* owned; zero values are dropped */
	size_t nstorage;
} genesis_account;

typedef struct genesis {
	chain_config config;
	genesis_account *alloc;  /* owned */
	size_t nalloc;
	/* The header with every field but the state root filled in (and, in
	 * the roots of empty lists, the transactions, receipts and, from
	 * Shanghai, withdrawals roots). */
	header h;
} genesis;

/* Frees what g owns and zeroes it. Safe on a zeroed genesis. */
void genesis_free(genesis *g);

/* Reads a genesis object (the whole file's JSON). Returns DURE_OK, or
 * DURE_EJSON / a hex error with *out zeroed. Fields are bounded: extraData
 * at HEADER_EXTRA_MAX, code at 16 MiB per account. */
DURE_WUR int genesis_from_json(const json_t *j, genesis *out);

/* Reads a genesis file. Returns as genesis_from_json, or DURE_EIO when the
 * file cannot be read (a message naming the file goes to stderr). */
DURE_WUR int genesis_load(const char *path, genesis *out);

/* Puts g's alloc into st (accounts created with their nonce, balance, code
 * and storage). Returns DURE_OK or DURE_ENOMEM. */
DURE_WUR int genesis_apply(const genesis *g, state *st);

/* The genesis header with its state root set to state_root. */
header genesis_header(const genesis *g, const h256 *state_root);

#endif
