/* The chain store: blocks, receipts, the canonical chain, the flat state,
 * the state tries and the change sets, in the tables of store/tables.h,
 * over one db environment.
 *
 * Every function works inside a transaction the caller holds (db.h): any
 * for reads, the write transaction for writes. A block import is one write
 * transaction, so its block, receipts, state, tries, change set and head
 * land together or not at all.
 *
 * State: the flat tables hold the head's state and are what execution
 * reads (store_view_backend: one B-tree lookup per account or slot). The
 * tries hold nodes by path; store_apply writes a block's state changes
 * into the flat tables, updates the storage tries of the accounts it
 * touched and the account trie along the paths it touched, and returns the
 * new state root, so its cost follows the block's writes, not the state's
 * size. It also records the prior value of every changed key, which
 * store_unwind puts back. */
#ifndef DURE_STORE_STORE_H
#define DURE_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/bytes.h"
#include "base/err.h"
#include "chain/block.h"
#include "chain/receipt.h"
#include "db/db.h"
#include "state/state.h"
#include "trie/trie.h"
#include "u256/u256.h"

typedef struct store store;

/* Opens the store's tables in d (before any transaction). d must outlive
 * the store. Returns DURE_OK, DURE_ENOMEM or a db_table_open error. */
DURE_WUR int store_open(db *d, store **out);
void store_free(store *s);
db *store_db(const store *s);

/* ---- chain ---- */

/* The head block's hash, and the genesis hash. DURE_ENOTFOUND in a store
 * without a genesis. */
DURE_WUR int store_head(store *s, db_txn *t, h256 *out);
DURE_WUR int store_genesis(store *s, db_txn *t, h256 *out);

/* A meta value ("genesis.json"): *v points into the map. */
DURE_WUR int store_meta(store *s, db_txn *t, const char *key,
                        const uint8_t **v, size_t *vlen);
DURE_WUR int store_put_meta(store *s, db_txn *t, const char *key,
                            const void *v, size_t vlen);

/* The number of the block with this hash; DURE_ENOTFOUND if unknown. */
DURE_WUR int store_number(store *s, db_txn *t, const h256 *hash,
                          uint64_t *out);
/* The header, whole block and total difficulty of a known block.
 * DURE_ENOTFOUND if unknown, DURE_EDB_CORRUPT for a record that does not
 * decode. store_block's *out is freed with block_free. */
DURE_WUR int store_header(store *s, db_txn *t, const h256 *hash,
                          header *out);
DURE_WUR int store_block(store *s, db_txn *t, const h256 *hash, block *out);
DURE_WUR int store_td(store *s, db_txn *t, const h256 *hash, u256 *out);
/* The receipts of a block (an owned array of n, each freed with
 * receipt_free, then the array with free). */
DURE_WUR int store_receipts(store *s, db_txn *t, const h256 *hash,
                            receipt **out, size_t *n);
/* The senders of a block's transactions, as its execution had them: an
 * owned array of n addresses (free with free). DURE_ENOTFOUND for a block
 * never executed (a side block). */
DURE_WUR int store_senders(store *s, db_txn *t, const h256 *hash,
                           address **out, size_t *n);
/* The canonical block at number. */
DURE_WUR int store_canonical(store *s, db_txn *t, uint64_t number,
                             h256 *out);
/* Where a canonical transaction is: block number and index. */
DURE_WUR int store_tx_lookup(store *s, db_txn *t, const h256 *txhash,
                             uint64_t *number, uint32_t *index);

/* Stores b (header and body) under hash with its total difficulty. */
DURE_WUR int store_put_block(store *s, db_txn *t, const block *b,
                             const h256 *hash, const u256 *td);
/* Stores the receipts of the block (number, hash). */
DURE_WUR int store_put_receipts(store *s, db_txn *t, uint64_t number,
                                const h256 *hash, const receipt *r,
                                size_t n);
/* Stores the senders of the block (number, hash). */
DURE_WUR int store_put_senders(store *s, db_txn *t, uint64_t number,
                               const h256 *hash, const address *a, size_t n);
/* Makes b (hash) the canonical block at its number and indexes its
 * transactions; store_unset_canonical undoes it. */
DURE_WUR int store_set_canonical(store *s, db_txn *t, const block *b,
                                 const h256 *hash);
DURE_WUR int store_unset_canonical(store *s, db_txn *t, const block *b);
DURE_WUR int store_set_head(store *s, db_txn *t, const h256 *hash);

/* ---- state ---- */

/* A state backend reading the flat state in t. The view must outlive the
 * state that uses it. */
typedef struct store_view {
	store *s;
	db_txn *t;
} store_view;
void store_view_backend(store_view *v, state_backend *out);

/* The canonical block hash at number in v's transaction, zero when there
 * is none: what BLOCKHASH reads (block_env.block_hash, with a store_view
 * as its context). */
h256 store_view_block_hash(void *v, uint64_t number);

/* One flat-state read, as the backend does. DURE_ENOTFOUND for no
 * account, a zero slot, unknown code. *code points into the map. */
DURE_WUR int store_account(store *s, db_txn *t, const address *a,
                           state_account *out);
DURE_WUR int store_storage(store *s, db_txn *t, const address *a,
                           const u256 *key, u256 *out);
DURE_WUR int store_code(store *s, db_txn *t, const h256 *hash,
                        const uint8_t **code, size_t *len);

/* The root of the flat state (TRIE_EMPTY_ROOT before a genesis). */
DURE_WUR int store_state_root(store *s, db_txn *t, h256 *out);

/* Writes a block's state changes (state_changes) into the flat state and
 * the tries and writes the new state root to *root. When record is set,
 * the prior value of every changed account and slot is kept as the change
 * set of block `number` (genesis needs none). Returns DURE_OK, a db or
 * trie error (abort the transaction then). */
DURE_WUR int store_apply(store *s, db_txn *t, uint64_t number,
                         const state_change *c, size_t n, bool record,
                         h256 *root);

/* Undoes block `number`, the last one applied: puts back every prior
 * value of its change set, updates the tries, deletes the change set and
 * writes the resulting state root to *root (the caller checks it against
 * the parent's). DURE_EDB_CORRUPT when a storage root rebuilt from the
 * priors differs from the one recorded. */
DURE_WUR int store_unwind(store *s, db_txn *t, uint64_t number, h256 *root);

/* An EIP-1186 proof of an account and some of its slots in the head's
 * state. storage[i] proves keys[i], whose value is values[i] (zero when
 * absent). */
typedef struct store_proof {
	h256 state_root;
	bool exists;
	state_account account;   /* zero, with the empty code hash and
	                            storage root, when !exists */
	trie_proof account_proof;
	trie_proof *storage;     /* owned, nkeys of them */
	u256 *values;            /* owned */
	size_t nkeys;
} store_proof;

/* Frees what p owns and zeroes it. */
void store_proof_free(store_proof *p);

/* Proves a and keys[0, nkeys) against the head's state root in t.
 * Returns DURE_OK, DURE_ENOMEM, DURE_ETRIE_MISSING (a node the trie
 * needs is not stored), DURE_EDB_CORRUPT or a db error; *out is zeroed on
 * failure. */
DURE_WUR int store_prove(store *s, db_txn *t, const address *a,
                         const u256 *keys, size_t nkeys, store_proof *out);

/* Recomputes the state root from the flat tables alone (every account and
 * slot hashed anew in memory, no stored trie node used) and writes it to
 * *root; also checks each account's stored storage root against its slots
 * (DURE_EDB_CORRUPT on a mismatch) and counts accounts and slots.
 * Costs a walk of the whole state. */
DURE_WUR int store_verify_state(store *s, db_txn *t, h256 *root,
                                size_t *accounts, size_t *slots);

#endif
