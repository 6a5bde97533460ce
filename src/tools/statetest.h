/* Loading one GeneralStateTests case: the block environment, the pre-state
 * and the transaction picked by its (data, gas, value) indexes.
 *
 * Shared by the conformance runner (`dure fixtures`) and the EVM benchmark
 * runner (`dure evm bench`), which read the same fixture format.
 *
 * Each loader reports the JSON field it could not read through a
 * statetest_bad, so callers can say which field was wrong. */
#ifndef DURE_TOOLS_STATETEST_H
#define DURE_TOOLS_STATETEST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/bytes.h"
#include "base/err.h"
#include "chain/transition.h"
#include "chain/tx.h"
#include "evm/fork.h"
#include "state/state.h"

/* The field that could not be read (a static string) and why. */
typedef struct statetest_bad {
	const char *field;
	int err;
} statetest_bad;

/* Reads o[key], a number as a hex or decimal string (or JSON integer), into
 * a u64. Returns DURE_OK, DURE_EJSON when malformed or missing, or
 * DURE_ERANGE when too large (some fixtures do that on purpose); *out is 0
 * and b names the field on failure. */
DURE_WUR int statetest_field_u64(json_t *o, const char *key, uint64_t *out,
                                 statetest_bad *b);

/* Reads o[key], a hex string of exactly n bytes, into out. Returns DURE_OK
 * or a hex/JSON error (out zeroed, b names the field). */
DURE_WUR int statetest_field_fixed(json_t *o, const char *key, uint8_t *out,
                                   size_t n, statetest_bad *b);

/* Reads the "env" object for fork rev. Block hashes read as the fixtures
 * were filled: keccak of the decimal block number. Returns DURE_OK or the
 * error of the field named in b; *out is zeroed on failure. */
DURE_WUR int statetest_env(json_t *env, fork rev, block_env *out,
                           statetest_bad *b);

/* Builds a new state from the "pre" object and commits it (state_end_tx),
 * so it is the "original" state of the next transaction. On success *out is
 * the caller's to state_free; on failure it is NULL and b names the field
 * (DURE_ENOMEM leaves b untouched). */
DURE_WUR int statetest_pre(json_t *pre, state **out, statetest_bad *b);

/* Builds and signs the transaction of "transaction" object jt for the data,
 * gas and value indexes d, g, v under fork rev. DURE_ERANGE means the
 * transaction cannot be represented (a value too large for its field, a
 * shape that cannot be encoded): it is invalid, which some cases expect.
 * *t is the caller's to tx_free in every case (it may be partly filled). */
DURE_WUR int statetest_tx(json_t *jt, fork rev, size_t d, size_t g, size_t v,
                          tx *t, statetest_bad *b);

/* The sender of t: jt's "sender" field when present, else recovered from
 * the signature. Returns DURE_OK, DURE_EJSON, or tx_sender's error. */
DURE_WUR int statetest_sender(json_t *jt, const tx *t, address *out);

#endif
