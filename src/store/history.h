/* The state after any past canonical block, read from the change sets.
 *
 * The flat tables hold the head's state; the change set of block m holds
 * the value each account and slot had before m, for every key m changed
 * (store/tables.h). A block that wiped an account's storage (a
 * self-destruct, or a creation over it) recorded each slot stored before
 * it, so that a key without a record in block m had the same value
 * before and after m. Hence the value of key K after block n is the prior
 * that the first of blocks n+1..head to record K holds, or, when none
 * does, the flat table's.
 *
 * How far back: to genesis, for every canonical block (the change sets
 * are kept for all of them). Cost: one B-tree lookup per block from n+1
 * up to the first that records the key, so a read n blocks below the
 * head costs up to n lookups (no history index yet). Code is stored by
 * hash and never deleted (neither store_apply nor store_unwind removes
 * it), so it needs no history.
 * Proofs of a past block's state (store_prove_at) rebuild its tries in
 * memory: the head's tries, which are all the store keeps, with every
 * account that later blocks changed (and every changed slot of the
 * proved account) put back to its value then. That costs the changes
 * since the block, so it reaches STORE_PROOF_DEPTH_MAX blocks below the
 * head and at most STORE_PROOF_CHANGES_MAX changed accounts and slots. */
#ifndef DURE_STORE_HISTORY_H
#define DURE_STORE_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/bytes.h"
#include "base/err.h"
#include "db/db.h"
#include "state/state.h"
#include "store/store.h"
#include "u256/u256.h"

#define STORE_PROOF_DEPTH_MAX 8192
#define STORE_PROOF_CHANGES_MAX (1u << 18)

typedef struct store_history store_history;

/* A history reader over s's change sets. s must outlive it. Returns
 * DURE_OK or DURE_ENOMEM (*out NULL). */
DURE_WUR int store_history_open(store *s, store_history **out);

/* NULL is allowed. */
void store_history_free(store_history *h);

/* The head block's number in t. */
DURE_WUR int store_history_head(store_history *h, db_txn *t, uint64_t *out);

/* The account a and slot (a, key) after canonical block n, in t, as
 * store_account / store_storage read the head's: DURE_OK, DURE_ENOTFOUND
 * (no such account, a zero slot), DURE_ERANGE for n above the head,
 * DURE_EDB_CORRUPT for a record that does not decode, or a db error.
 * *out is zeroed unless DURE_OK. */
DURE_WUR int store_account_at(store_history *h, db_txn *t, uint64_t n,
                              const address *a, state_account *out);
DURE_WUR int store_storage_at(store_history *h, db_txn *t, uint64_t n,
                              const address *a, const u256 *key, u256 *out);

/* store_prove of a and keys[0, nkeys) in the state after canonical block
 * n (see above). The rebuilt roots are checked against block n's state
 * root and the account's storage root. Returns DURE_OK, DURE_ERANGE for n
 * above the head, DURE_EPROOF_DEPTH beyond the limits above,
 * DURE_EDB_CORRUPT, DURE_ENOMEM or a db or trie error; *out is zeroed on
 * failure. */
DURE_WUR int store_prove_at(store_history *h, db_txn *t, uint64_t n,
                            const address *a, const u256 *keys,
                            size_t nkeys, store_proof *out);

/* A state backend reading the state after block `number` in t. */
typedef struct store_history_view {
	store_history *h;
	db_txn *t;
	uint64_t number;
	uint64_t head;
} store_history_view;

/* Sets v up for block n of the chain in t. Returns DURE_OK, DURE_ERANGE
 * for n above the head, or a db error. */
DURE_WUR int store_history_view_init(store_history *h, db_txn *t, uint64_t n,
                                     store_history_view *v);

/* The backend over v (which must outlive the state that uses it). */
void store_history_backend(store_history_view *v, state_backend *out);

#endif
