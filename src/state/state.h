/* The world state: accounts (nonce, balance, code, storage) as a journaled
 * in-memory view.
 *
 * Every change made since the last state_end_tx() is recorded in a journal,
 * so a call frame can take a snapshot (state_snapshot) and undo everything
 * after it (state_revert): balances, nonces, code, storage, transient
 * storage, warm/cold access marks, touched/created/self-destructed marks and
 * logs alike. state_end_tx() is the commit point: it applies the
 * end-of-transaction rules (self-destructs, EIP-161 deletion of empty touched
 * accounts), makes the current storage values the "original" values of the
 * next transaction (EIP-2200), forgets warm marks and transient storage, and
 * empties the journal. So committed and dirty values never mix: the
 * committed view is what the journal would unwind to.
 *
 * Mutators never fail silently but do not return errors either: the EVM host
 * that drives them has no error channel. An allocation failure sets a sticky
 * flag (state_failed) that the caller checks once, as with buf.
 *
 * Lookups are hash tables keyed by address and by (account, slot), so the
 * cost of a transaction is proportional to what it touches.
 *
 * A state either lives in memory alone (state_new: every account was put
 * there by state_set_*, e.g. from a genesis or a fixture's pre-state, and
 * state_root hashes it all), or is a view over a backend (state_new_backed:
 * the chain store). A backed state loads an account, a slot or a code on
 * its first use and remembers the value it loaded: the value at the start
 * of the block. After the block's last state_end_tx, state_changes lists
 * every account and slot whose value differs from that start value, with
 * both values, which is what the store writes (flat state, tries) and keeps
 * as the block's change set. An account whose storage was wiped during the
 * block (self-destructed, or created anew over an old one) says so instead
 * of listing its stored slots, which the state never loaded. */
#ifndef DURE_STATE_STATE_H
#define DURE_STATE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/bytes.h"
#include "base/err.h"
#include "u256/u256.h"

typedef struct state state;

/* One LOG record, as emitted by LOG0..LOG4. */
typedef struct state_log {
	address addr;
	h256 topics[4];
	size_t ntopics;
	uint8_t *data;        /* owned by whoever holds the log */
	size_t data_size;
} state_log;

/* Creates an empty state. Returns DURE_OK or DURE_ENOMEM (*out NULL). */
DURE_WUR int state_new(state **out);

/* An account as stored: what the account trie's leaf holds. */
typedef struct state_account {
	uint64_t nonce;
	u256 balance;
	h256 code_hash;          /* keccak256("") for no code */
	h256 storage_root;       /* TRIE_EMPTY_ROOT for no storage */
} state_account;

/* Where a backed state loads what it has not seen yet. Each function
 * returns DURE_OK with *out filled, DURE_ENOTFOUND (no such account, a zero
 * slot, no such code), or another error, which the state keeps as its
 * sticky error (state_error) and treats as a miss. Loaded memory (code) is
 * copied before the next call into the backend. */
typedef struct state_backend {
	int (*account)(void *ctx, const address *a, state_account *out);
	int (*storage)(void *ctx, const address *a, const u256 *key, u256 *out);
	int (*code)(void *ctx, const h256 *hash, const uint8_t **code,
	            size_t *len);
	void *ctx;
} state_backend;

/* The storage of a backend that wraps another one (a dev node's edits over
 * the store's state): the wrapped backend and the wrapper's own context.
 * The caller provides it (on its stack, say) and keeps it alive while the
 * wrapping backend is used. */
typedef struct state_overlay {
	state_backend below;
	void *ctx;
} state_overlay;

/* Creates an empty view over backend b (copied; b->ctx must outlive the
 * state). Returns DURE_OK or DURE_ENOMEM (*out NULL). */
DURE_WUR int state_new_backed(const state_backend *b, state **out);

/* The state's sticky error: DURE_OK, DURE_ENOMEM once an allocation
 * failed, or the first error a backend returned. The state is then
 * incomplete and must be discarded. */
int state_error(const state *st);

/* Frees st and everything it owns. NULL is allowed. */
void state_free(state *st);

/* True once state_error is not DURE_OK. */
bool state_failed(const state *st);

/* ---- reads (never fail; a missing account reads as zero/empty) ---- */

/* True if the account exists (it may still be EIP-161 empty). */
bool state_exists(state *st, const address *a);

/* True if the account does not exist or has nonce 0, balance 0 and no code. */
bool state_is_empty(state *st, const address *a);

uint64_t state_nonce(state *st, const address *a);
u256 state_balance(state *st, const address *a);

/* The account's code (owned by st, valid until the next mutation of that
 * account) and its length; NULL and 0 when there is none. */
const uint8_t *state_code(state *st, const address *a, size_t *len);

/* keccak256 of the code (of the empty string for an account without code);
 * zero for an account that does not exist. */
h256 state_code_hash(state *st, const address *a);

/* Current value of a storage slot, and its value at the start of the
 * transaction (EIP-2200 "original"). */
u256 state_storage(state *st, const address *a, const u256 *key);
u256 state_storage_original(state *st, const address *a, const u256 *key);

/* True if any slot of the account holds a non-zero value. For an account
 * loaded from a backend and not wiped since, a non-empty stored storage root
 * counts as storage (its slots are not all loaded). */
bool state_has_storage(state *st, const address *a);

/* EIP-1153 transient storage; zero unless set in this transaction. */
u256 state_transient(state *st, const address *a, const u256 *key);

bool state_created_in_tx(state *st, const address *a);
bool state_selfdestructed(state *st, const address *a);

/* ---- journaled mutations ---- */

/* Makes the account exist (with its current nonce, balance and code, all
 * zero for a new one) and marks it touched. */
void state_create_account(state *st, const address *a);

/* Marks the account touched (EIP-161): created if missing, and deleted at
 * state_end_tx when it is then empty and deletion is enabled. */
void state_touch(state *st, const address *a);

/* Setters create a missing account and mark it touched. */
void state_set_nonce(state *st, const address *a, uint64_t nonce);
void state_set_balance(state *st, const address *a, const u256 *balance);
/* Adds v; returns false (changing nothing) if the balance would overflow. */
bool state_add_balance(state *st, const address *a, const u256 *v);
/* Subtracts v; returns false (changing nothing) if the balance is lower. */
bool state_sub_balance(state *st, const address *a, const u256 *v);
/* Moves v from `from` to `to` and marks both touched, even when v is zero
 * (EIP-161), as state_sub_balance then state_touch and state_add_balance
 * would. Returns false, changing nothing, when from's balance is lower than
 * v or to's would overflow. */
bool state_transfer(state *st, const address *from, const address *to,
                    const u256 *v);
/* Copies n bytes of code. */
void state_set_code(state *st, const address *a, const uint8_t *code,
                    size_t n);
/* Writing zero deletes the slot from the storage trie. */
void state_set_storage(state *st, const address *a, const u256 *key,
                       const u256 *value);
void state_set_transient(state *st, const address *a, const u256 *key,
                         const u256 *value);

/* state_set_storage for SSTORE, in one lookup: first writes to *original
 * and *current what state_storage_original and state_storage read before
 * the write (EIP-2200 needs both). */
void state_store_slot(state *st, const address *a, const u256 *key,
                      const u256 *value, u256 *original, u256 *current);

/* Marks the account as created by this transaction (EIP-6780). Over an
 * account whose storage the backend holds (EIP-7610 forbids it; only a
 * caller that skips that check can), the storage is wiped too, journaled:
 * every slot, loaded or not, then reads zero, original value included. */
void state_mark_created(state *st, const address *a);

/* Marks the account for deletion at state_end_tx. Returns true if it was
 * not marked before. */
bool state_mark_selfdestruct(state *st, const address *a);

/* EIP-2929 access sets. Each marks warm and returns whether it was warm
 * before. */
bool state_warm_account(state *st, const address *a);
bool state_warm_slot(state *st, const address *a, const u256 *key);

/* state_warm_slot and state_storage in one lookup, for SLOAD: marks
 * (a, key) warm, writes its current value to *value and returns whether it
 * was warm before. */
bool state_load_slot(state *st, const address *a, const u256 *key,
                     u256 *value);

/* Appends a log; the data is copied. */
void state_add_log(state *st, const address *a, const h256 *topics,
                   size_t ntopics, const uint8_t *data, size_t data_size);

/* The logs of the current transaction, oldest first; owned by st, valid
 * until the next mutation. */
const state_log *state_logs(const state *st, size_t *n);

/* ---- snapshots and the transaction boundary ---- */

/* Returns an id for the current point of the journal. */
size_t state_snapshot(const state *st);

/* Undoes every mutation made after snapshot `id` was taken. Ids taken
 * after `id` become invalid. */
void state_revert(state *st, size_t id);

/* Ends the transaction: deletes self-destructed accounts, and when
 * delete_empty (EIP-161, Spurious Dragon on) also every touched account that
 * is empty; then clears warm marks, transient storage, created/touched
 * marks and logs, makes current storage the new original, and empties the
 * journal. Snapshot ids become invalid. */
void state_end_tx(state *st, bool delete_empty);

/* One changed slot of a state_change. */
typedef struct state_slot_change {
	u256 key;
	u256 prior;              /* at the start of the block (zero if wiped) */
	u256 value;              /* now */
} state_slot_change;

/* One account whose values, code or storage differ from the start of the
 * block. Pointers are owned by the state and valid until its next
 * mutation or state_free. */
typedef struct state_change {
	address addr;
	bool existed;            /* before the block */
	state_account prior;     /* valid when existed */
	bool exists;             /* after the block */
	uint64_t nonce;          /* after the block, when exists */
	u256 balance;
	h256 code_hash;
	/* The account's code when its code hash differs from the prior one
	 * (for the code table), else NULL. */
	const uint8_t *code;
	size_t code_len;
	/* Every slot stored before the block is gone (self-destruct, or the
	 * account re-created); the slots listed are those written after. */
	bool storage_wiped;
	const state_slot_change *slots; /* value != prior (or wiped) */
	size_t nslots;
} state_change;

/* The block's changes, after its last state_end_tx: every account whose
 * nonce, balance, code, existence or storage differs from the start of the
 * block, in no particular order. *changes is owned by st (valid until its
 * next mutation). Returns DURE_OK, DURE_ENOMEM, or the state's sticky
 * error. */
DURE_WUR int state_changes(state *st, const state_change **changes,
                           size_t *n);

/* The state root: keccak of the secure trie of existing accounts,
 * account = rlp[nonce, balance, storageRoot, codeHash], each storage root
 * the secure trie of the non-zero slots, value = rlp(minimal big-endian).
 * Only for a state in memory alone (a backed state's root is the store's
 * to compute): DURE_EINVAL for a backed state. Returns DURE_OK, DURE_ENOMEM,
 * or an error of the trie layer; *out is zeroed on failure. */
DURE_WUR int state_root(state *st, h256 *out);

#endif
