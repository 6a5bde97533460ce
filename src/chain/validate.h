/* The fork-generic rules of a block: a header against its parent, and a
 * body against its header. What a consensus engine decides (difficulty,
 * nonce, seal, ommers, timestamps against the clock) is the engine's; what
 * only execution can tell (gas used, receipts, bloom, state root) is
 * block_execute's.
 *
 * Each function takes the fork of the block being checked, which the
 * caller computes with chain_config_fork (or chain_config_fork_td). The
 * caller has already linked the header to its parent by hash. */
#ifndef DURE_CHAIN_VALIDATE_H
#define DURE_CHAIN_VALIDATE_H

#include <stdint.h>

#include "base/err.h"
#include "chain/block.h"
#include "chain/config.h"
#include "evm/fork.h"
#include "u256/u256.h"

#define GAS_LIMIT_MIN 5000                  /* yellow paper */
#define GAS_LIMIT_MAX 0x7fffffffffffffffull /* 2^63 - 1, as geth */
#define GAS_LIMIT_BOUND_DIVISOR 1024
#define EXTRA_DATA_MAX 32
#define BASE_FEE_INITIAL 1000000000         /* EIP-1559: 1 gwei */
#define BASE_FEE_CHANGE_DENOMINATOR 8       /* EIP-1559 */
#define ELASTICITY_MULTIPLIER 2             /* EIP-1559 */
#define TARGET_BLOB_GAS_PER_BLOCK 393216    /* EIP-4844: three blobs */

/* Checks h against its parent under the rules of fork rev, in this order:
 * the optional fields h carries for rev (base fee from London, withdrawals
 * root from Shanghai, blob gas and parent beacon root from Cancun), extra
 * data at most header_extra_max, number parent's + 1, timestamp after the
 * parent's, gas limit at most 2^63-1 and within the parent's
 * (header_check_gas_limit, with the parent's doubled at the London fork
 * block), gas used at most the gas limit, the base fee (header_base_fee),
 * (on a chain with dev_rules only the absolute gas limit bounds, and any
 * base fee), and
 * from Cancun the blob gas used (at most 786432, a multiple of 131072) and
 * the excess blob gas (header_excess_blob_gas).
 *
 * Returns DURE_OK, or the first rule broken: DURE_EBLOCK_FIELDS,
 * DURE_EBLOCK_EXTRA_DATA, DURE_EBLOCK_NUMBER, DURE_EBLOCK_TIMESTAMP,
 * DURE_EBLOCK_GAS_LIMIT, DURE_EBLOCK_GAS_USED_OVER, DURE_EBLOCK_BASE_FEE,
 * DURE_EBLOCK_BLOB_GAS_USED or DURE_EBLOCK_EXCESS_BLOB_GAS. */
DURE_WUR int header_validate(const chain_config *c, fork rev,
                             const header *parent, const header *h);

/* The most extra data a header of c's chain carries: EXTRA_DATA_MAX, or
 * HEADER_EXTRA_MAX on a BFT chain, whose extra data is the parent's
 * commit (its engine checks it, consensus/bft/rules.h). */
size_t header_extra_max(const chain_config *c);

/* Checks that gas_limit may follow a parent whose gas limit (doubled at
 * the London fork block) is parent_limit: it differs from it by less than
 * parent_limit / 1024 and is at least 5000. Returns DURE_OK or
 * DURE_EBLOCK_GAS_LIMIT. */
DURE_WUR int header_check_gas_limit(uint64_t parent_limit, uint64_t gas_limit);

/* The EIP-1559 base fee of the child of parent: 1 gwei when parent is
 * before c's London block, else the parent's base fee moved toward its
 * gas target (half its gas limit) by at most 1/8, and up by at least 1
 * when the parent used more than its target. Returns DURE_OK,
 * DURE_EBLOCK_FIELDS for a London parent without a base fee, or
 * DURE_ERANGE when the fee would pass 2^256-1 (*out zeroed). */
DURE_WUR int header_base_fee(const chain_config *c, const header *parent,
                             u256 *out);

/* The EIP-4844 excess blob gas of the child of parent: the parent's excess
 * plus its blob gas used, less the target of 393216, or 0 below it; a
 * parent without blob fields counts as 0 and 0. Returns DURE_OK, or
 * DURE_ERANGE when the value does not fit 64 bits (*out zeroed). */
DURE_WUR int header_excess_blob_gas(const header *parent, uint64_t *out);

/* Checks b's body against b's header under fork rev: the transactions
 * root, the ommers hash, the withdrawals list present exactly from
 * Shanghai, and its root. Returns DURE_OK, DURE_EBLOCK_TX_ROOT,
 * DURE_EBLOCK_OMMERS_HASH, DURE_EBLOCK_WITHDRAWALS,
 * DURE_EBLOCK_WITHDRAWALS_ROOT, or DURE_ENOMEM / an encoding error of the
 * roots. */
DURE_WUR int body_validate(fork rev, const block *b);

#endif
