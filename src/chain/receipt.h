/* Transaction receipts: outcome, gas, logs and the logs bloom.
 *
 * Encoding (consensus form, EIP-2718 for typed transactions):
 *
 *   legacy:  rlp[status, cumulativeGas, bloom(256 bytes), logs]
 *   typed:   type byte || rlp[status, cumulativeGas, bloom, logs]
 *   logs:    rlp list of [address(20), [topic(32)...], data]
 *
 * status is 1 for success and 0 for failure (EIP-658, Byzantium on).
 * Before Byzantium its place holds the 32-byte state root after the
 * transaction instead. */
#ifndef DURE_CHAIN_RECEIPT_H
#define DURE_CHAIN_RECEIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/bytes.h"
#include "base/err.h"
#include "state/state.h"

typedef struct receipt {
	uint8_t type;            /* the transaction's type */
	bool success;
	bool has_post_state;     /* pre-Byzantium: post_state replaces status */
	h256 post_state;
	uint64_t gas_used;       /* by this transaction, after refunds */
	uint64_t cumulative_gas; /* in the block up to and including it */
	state_log *logs;         /* owned, with their data */
	size_t nlogs;
	uint8_t bloom[256];
} receipt;

/* Frees the logs and zeroes r. Safe on a zeroed receipt. */
void receipt_free(receipt *r);

/* ORs the 2048-bit bloom of the logs (address and topics, three bits each)
 * into bloom. */
void logs_bloom(const state_log *logs, size_t n, uint8_t bloom[256]);

/* Appends the RLP list of the logs to out. Check buf_failed(out). */
void logs_encode(const state_log *logs, size_t n, buf *out);

/* keccak256 of the RLP list of the logs (the "logs" hash of state tests).
 * Returns DURE_OK or DURE_ENOMEM (*out zeroed). */
DURE_WUR int logs_hash(const state_log *logs, size_t n, h256 *out);

/* Appends the consensus encoding of r: post_state in the status's place
 * when has_post_state is set. Returns DURE_OK or DURE_ENOMEM. */
DURE_WUR int receipt_encode(const receipt *r, buf *out);

/* Decodes a receipt in its consensus encoding (exactly one, nothing after
 * it). Strict: non-canonical RLP, a type byte of no known transaction
 * type (DURE_ETX_TYPE), a status that is neither 0, 1 nor a 32-byte root,
 * wrong field counts or more than four topics in a log
 * (DURE_EBLOCK_FORMAT) are rejected. gas_used is not in the encoding and
 * is left 0. Returns DURE_OK and fills *out (freed with receipt_free), or
 * a DURE_ERLP_* / DURE_ETX_TYPE / DURE_EBLOCK_FORMAT / DURE_ENOMEM code
 * with *out zeroed. The logs array is at most a small multiple of n. */
DURE_WUR int receipt_decode(const uint8_t *p, size_t n, receipt *out);

#endif
