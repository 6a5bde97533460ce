/* Transactions: legacy (type 0, with or without EIP-155), EIP-2930 (type 1),
 * EIP-1559 (type 2) and EIP-4844 (type 3, without the blob sidecar).
 *
 * A tx owns its variable-length fields (data, access list, blob hashes); free
 * them with tx_free. */
#ifndef DURE_CHAIN_TX_H
#define DURE_CHAIN_TX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/bytes.h"
#include "base/err.h"
#include "evm/fork.h"
#include "u256/u256.h"

enum {
	TX_LEGACY = 0,
	TX_ACCESS_LIST = 1,   /* EIP-2930 */
	TX_DYNAMIC_FEE = 2,   /* EIP-1559 */
	TX_BLOB = 3,          /* EIP-4844 */
};

typedef struct tx_access {
	address addr;
	h256 *keys;           /* owned */
	size_t nkeys;
} tx_access;

typedef struct tx {
	uint8_t type;
	bool has_chain_id;     /* false only for pre-EIP-155 legacy txs */
	uint64_t chain_id;
	uint64_t nonce;
	u256 gas_price;        /* types 0 and 1 */
	u256 max_priority_fee; /* types 2 and 3 */
	u256 max_fee;          /* types 2 and 3 */
	uint64_t gas_limit;
	bool has_to;           /* false: contract creation */
	address to;
	u256 value;
	uint8_t *data;         /* owned */
	size_t data_size;
	tx_access *access_list;/* owned; types 1, 2, 3 */
	size_t access_list_len;
	u256 max_fee_per_blob_gas; /* type 3 */
	h256 *blob_hashes;     /* owned; type 3 */
	size_t blob_hashes_len;
	/* Signature. For legacy txs v is the raw value (27/28 or
	 * chain_id*2+35/36); for typed txs it is the y parity (0 or 1). */
	u256 v, r, s;
} tx;

/* Frees the owned fields and zeroes t. */
void tx_free(tx *t);

/* Decodes a transaction in its network form: an RLP list for legacy, or
 * type byte || RLP payload for typed. Strict: non-canonical RLP, wrong field
 * counts, trailing bytes and oversize integers are rejected.
 * Returns DURE_OK and fills *out (which the caller frees with tx_free), or an
 * error code with *out zeroed. */
DURE_WUR int tx_decode(const uint8_t *p, size_t n, tx *out);

/* Appends the network encoding of t to out. Returns DURE_OK, DURE_ENOMEM,
 * DURE_ETX_TYPE for an unknown type, or DURE_ETX_TO_SIZE for a blob tx
 * without a recipient. */
DURE_WUR int tx_encode(const tx *t, buf *out);

/* keccak256 of the network encoding. */
DURE_WUR int tx_hash(const tx *t, h256 *out);

/* The hash that is signed (EIP-155 / EIP-2718 rules). */
DURE_WUR int tx_signing_hash(const tx *t, h256 *out);

/* Signs t in place with seckey: sets v, r, s (a legacy tx gets an EIP-155
 * v when has_chain_id is set, 27/28 otherwise). Returns DURE_OK, DURE_EKEY
 * for an invalid key, or an encoding error as tx_encode; on failure v, r
 * and s are zero. */
DURE_WUR int tx_sign(tx *t, const uint8_t seckey[32]);

/* Gives t the placeholder signature of a transaction nobody signed (an
 * eth_call message, a dev node's impersonated sender): r = s = 1, the
 * least values tx_validate accepts, and v of t's kind (y parity 0; for a
 * legacy tx EIP-155's for its chain id, or 27). It recovers no sender:
 * whoever runs t supplies the sender beside it. */
void tx_placeholder_sign(tx *t);

/* Recovers the sender. Returns DURE_OK, or DURE_ESIG for a signature that
 * is out of range or does not recover. Does not apply fork rules (low-s,
 * EIP-155): tx_validate does. */
DURE_WUR int tx_sender(const tx *t, address *out);

/* Intrinsic gas under fork rev: base cost, calldata bytes, creation and
 * initcode words, access list entries. Returns DURE_OK, or DURE_ERANGE if
 * it overflows 64 bits. */
DURE_WUR int tx_intrinsic_gas(const tx *t, fork rev, uint64_t *gas);

/* Checks every rule that needs no state: type allowed at rev, signature
 * values (low-s from Homestead, EIP-155 v), gas limit at least the intrinsic
 * gas, fee fields consistent, initcode size (Shanghai), blob rules (Cancun),
 * field bounds. Returns DURE_OK or a DURE_ETX_* code. */
DURE_WUR int tx_validate(const tx *t, fork rev);

/* tx_validate, with EIP-3860's initcode limit lifted when unlimited_code
 * is set (chain_config.unlimited_code_size). */
DURE_WUR int tx_validate_limits(const tx *t, fork rev, bool unlimited_code);

/* Checks that t may run on the chain with id chain_id: a tx that carries a
 * chain id (typed, or legacy with EIP-155) must carry this one; a pre-EIP-155
 * legacy tx runs anywhere. Returns DURE_OK or DURE_ETX_CHAIN_ID. */
DURE_WUR int tx_check_chain_id(const tx *t, uint64_t chain_id);

#endif
