/* What the store's own modules (store.c, history.c) share and nothing
 * outside store/ uses: the table handles and the record codecs of
 * tables.h. */
#ifndef DURE_STORE_INTERNAL_H
#define DURE_STORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "state/state.h"
#include "store/store.h"
#include "store/tables.h"
#include "u256/u256.h"

/* The handle of table t (enum store_table) of s. */
db_table store_table(const store *s, enum store_table t);

/* v big-endian into p[0..8): block numbers in keys. */
void store_put_be64(uint8_t *p, uint64_t v);

/* An accounts record (rlp[nonce, balance, storageRoot, codeHash]).
 * Returns DURE_OK or DURE_EDB_CORRUPT with *out zeroed. */
DURE_WUR int store_account_decode(const uint8_t *p, size_t n,
                                  state_account *out);

/* A past block's state as changes over the head's: each account that
 * blocks after it changed, and each changed slot of the one account a
 * proof is for, with the value it had then. Both arrays are sorted (by
 * address, by slot key as 32 big-endian bytes) without repeats. */
typedef struct store_past_account {
	address addr;
	bool existed;
	state_account account;   /* when existed */
} store_past_account;

typedef struct store_past_slot {
	u256 key;
	u256 value;              /* zero: absent */
} store_past_slot;

typedef struct store_past {
	h256 state_root;         /* the past block's */
	const store_past_account *accounts;
	size_t naccounts;
	const store_past_slot *slots;
	size_t nslots;
} store_past;

/* store_prove for the state p describes (the head's when p is NULL): the
 * head's tries with p's values put back in memory, each checked against
 * p's roots (DURE_EDB_CORRUPT when they differ: the change sets and the
 * tries disagree). */
DURE_WUR int store_prove_past(store *s, db_txn *t, const store_past *p,
                              const address *a, const u256 *keys,
                              size_t nkeys, store_proof *out);

#endif
