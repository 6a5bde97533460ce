/* In-memory Merkle Patricia Trie (Yellow Paper appendix D).
 *
 * Maps byte-string keys to non-empty byte-string values and computes the
 * root hash Ethereum uses for state, storage, transactions and receipts.
 * Node hashes are cached and invalidated along the path of each change, so
 * recomputing the root after a few changes costs only those paths.
 *
 * A trie owns copies of the keys and values put into it. */
#ifndef DURE_TRIE_TRIE_H
#define DURE_TRIE_TRIE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/bytes.h"
#include "base/err.h"

/* keccak256(rlp("")): the root of a trie with no keys. */
extern const h256 TRIE_EMPTY_ROOT;

typedef struct trie trie;

/* Creates an empty trie into *out (NULL on failure). Returns 0 or
 * DURE_ENOMEM. Free with trie_free. */
DURE_WUR int trie_new(trie **out);
/* Frees t and everything it owns; NULL is fine. */
void trie_free(trie *t);

/* Sets key to val (both copied). vlen == 0 deletes the key.
 * Returns 0 or DURE_ENOMEM (the trie is unchanged on failure). */
DURE_WUR int trie_put(trie *t, const uint8_t *key, size_t klen,
                      const uint8_t *val, size_t vlen);
/* Looks key up. Returns 0 with *val, *vlen pointing into the trie (valid
 * until the next change), or DURE_ENOTFOUND with *val = NULL, *vlen = 0. */
DURE_WUR int trie_get(const trie *t, const uint8_t *key, size_t klen,
                      const uint8_t **val, size_t *vlen);
/* Removes key; removing a missing key is OK. Returns 0 or DURE_ENOMEM. */
DURE_WUR int trie_del(trie *t, const uint8_t *key, size_t klen);
/* Computes the root hash into *out (zeroed on failure). Returns 0 or
 * DURE_ENOMEM. Not const: it fills the hash cache. */
DURE_WUR int trie_root(trie *t, h256 *out);

/* Ordered iteration (keys compare as unsigned byte strings, a prefix first).
 * trie_next writes the smallest key > key into next_key (replacing its
 * contents); trie_prev the largest key < key. Return 0, DURE_ENOTFOUND if
 * there is no such key (next_key / prev_key emptied), or DURE_ENOMEM. */
DURE_WUR int trie_next(const trie *t, const uint8_t *key, size_t klen,
                       buf *next_key);
DURE_WUR int trie_prev(const trie *t, const uint8_t *key, size_t klen,
                       buf *prev_key);

/* The secure trie (state and storage): each key is replaced by its
 * keccak256 before it reaches the trie. Same contracts as above. */
DURE_WUR int trie_secure_put(trie *t, const uint8_t *key, size_t klen,
                             const uint8_t *val, size_t vlen);
DURE_WUR int trie_secure_get(const trie *t, const uint8_t *key, size_t klen,
                             const uint8_t **val, size_t *vlen);
DURE_WUR int trie_secure_del(trie *t, const uint8_t *key, size_t klen);

#endif
