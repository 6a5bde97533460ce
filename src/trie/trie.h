/* Merkle Patricia Trie (Yellow Paper appendix D), in memory or over a node
 * store.
 *
 * Maps byte-string keys to non-empty byte-string values and computes the
 * root hash Ethereum uses for state, storage, transactions and receipts.
 * Node hashes are cached and invalidated along the path of each change, so
 * recomputing the root after a few changes costs only those paths.
 *
 * A trie made by trie_new lives in memory. A trie made by trie_open stands
 * for the trie with a given root whose nodes sit in a store, keyed by their
 * path: the nibbles of the key prefix that leads from the root to the node
 * (the root at the empty path). It loads a node the first time a lookup or
 * a change passes through it, and trie_commit writes back exactly the nodes
 * that changed, so the cost of a batch of changes follows the paths they
 * touch, not the size of the trie. Only nodes whose encoding is 32 bytes or
 * more are stored on their own (smaller ones live inside their parent, as
 * in the hash), except the root, which is always stored when the trie is
 * not empty.
 *
 * A trie owns copies of the keys and values put into it. */
#ifndef DURE_TRIE_TRIE_H
#define DURE_TRIE_TRIE_H

#include <stdbool.h>
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
 * Returns 0 or DURE_ENOMEM, for a stored trie also a store error or
 * DURE_ETRIE_MISSING (the trie's contents are unchanged on failure). */
DURE_WUR int trie_put(trie *t, const uint8_t *key, size_t klen,
                      const uint8_t *val, size_t vlen);
/* Looks key up. Returns 0 with *val, *vlen pointing into the trie (valid
 * until the next change), or DURE_ENOTFOUND with *val = NULL, *vlen = 0;
 * for a stored trie also a store error or DURE_ETRIE_MISSING. Not const:
 * a stored trie keeps the nodes it loads. */
DURE_WUR int trie_get(trie *t, const uint8_t *key, size_t klen,
                      const uint8_t **val, size_t *vlen);
/* Removes key; removing a missing key is OK. Returns 0 or DURE_ENOMEM,
 * or for a stored trie a store error or DURE_ETRIE_MISSING (contents
 * unchanged on failure). */
DURE_WUR int trie_del(trie *t, const uint8_t *key, size_t klen);
/* Computes the root hash into *out (zeroed on failure). Returns 0 or
 * DURE_ENOMEM. Not const: it fills the hash cache. Loads nothing: nodes
 * not loaded count by the hash their parent holds. */
DURE_WUR int trie_root(trie *t, h256 *out);

/* ---- stored tries ---- */

/* Reads nodes by path. load gets the nibbles (each 0..15) of the path and
 * returns DURE_OK with the node's RLP encoding in *node (valid until the
 * next call into the store), DURE_ENOTFOUND, or an error of its own. When
 * verify is set the trie checks that each loaded node hashes to the
 * reference its parent holds (DURE_ETRIE_MISSING if not), which catches a
 * corrupt or stale store at the price of one keccak per load. */
typedef struct trie_store {
	int (*load)(void *ctx, const uint8_t *nibbles, size_t len,
	            const uint8_t **node, size_t *node_len);
	void *ctx;
	bool verify;
} trie_store;

/* Receives trie_commit's writes: put stores node (its RLP) at a path,
 * replacing what was there; del removes the node at a path (a path that
 * holds none is fine). Each returns DURE_OK or an error that stops the
 * commit. */
typedef struct trie_writer {
	int (*put)(void *ctx, const uint8_t *nibbles, size_t len,
	           const uint8_t *node, size_t node_len);
	int (*del)(void *ctx, const uint8_t *nibbles, size_t len);
	void *ctx;
} trie_writer;

/* Opens the trie with root `root` over s (copied; s->ctx must outlive the
 * trie). TRIE_EMPTY_ROOT opens an empty trie without reading the store.
 * Nothing is loaded until it is used. Returns 0 or DURE_ENOMEM (*out
 * NULL). Free with trie_free. */
DURE_WUR int trie_open(const trie_store *s, const h256 *root, trie **out);

/* Computes the root into *root and hands w every stored node that changed
 * since the trie was opened or last committed: a put for each new or
 * changed node that is stored on its own (also when it took the path of
 * another node), a del for each path that held a stored node and holds
 * none now (its node was removed, moved, or shrank below 32 bytes into its
 * parent), never for a path this commit puts, so their order does not
 * matter. Works for an in-memory trie too (every node is then new).
 * Returns 0, DURE_ENOMEM, a store error, or w's error (the trie's contents
 * are unchanged either way; after an error a commit must be retried
 * before the writes count). */
DURE_WUR int trie_commit(trie *t, const trie_writer *w, h256 *root);

/* How many nodes t holds that it loaded from its store (less those
 * trie_unload let go): what a cache of open tries weighs its memory by. */
size_t trie_loads(const trie *t);

/* Lets go of the loaded nodes of a stored trie that lie deeper than keep
 * nibbles and have no uncommitted change, keeping their hashes, so that a
 * trie kept open from block to block holds its top levels (which every
 * block passes through) and nothing else grows. They load again when
 * used. A trie made by trie_new keeps everything. */
void trie_unload(trie *t, size_t keep);

/* A Merkle proof (EIP-1186): the RLP encodings of the nodes on the path
 * from the root toward a key, root first. For a key that is absent, the
 * nodes up to the one that shows it is absent. */
typedef struct trie_proof {
	uint8_t **nodes;         /* owned */
	size_t *lens;
	size_t n;
} trie_proof;

/* Frees what p owns and zeroes it. */
void trie_proof_free(trie_proof *p);

/* Writes the proof of key into *out (freed with trie_proof_free); the
 * proof of any key in an empty trie has no nodes. Returns 0, DURE_ENOMEM,
 * or a store error or DURE_ETRIE_MISSING (*out empty). */
DURE_WUR int trie_prove(trie *t, const uint8_t *key, size_t klen,
                        trie_proof *out);

/* Checks proof p of key against root, using p alone: returns 0 with *val,
 * *vlen pointing into p's nodes when it proves the key's value,
 * DURE_ENOTFOUND when it proves the key absent, DURE_ETRIE_MISSING when it
 * proves neither (a node does not hash to its reference, a node is
 * malformed, the path runs out, or nodes are left over), or DURE_ENOMEM.
 * *val, *vlen are NULL, 0 unless it returns 0. */
DURE_WUR int trie_verify_proof(const h256 *root, const uint8_t *key,
                               size_t klen, const trie_proof *p,
                               const uint8_t **val, size_t *vlen);

/* Ordered iteration (keys compare as unsigned byte strings, a prefix first).
 * trie_next writes the smallest key > key into next_key (replacing its
 * contents); trie_prev the largest key < key. Return 0, DURE_ENOTFOUND if
 * there is no such key (next_key / prev_key emptied), DURE_ENOMEM, or for
 * a stored trie a store error or DURE_ETRIE_MISSING. Not const: a stored
 * trie keeps the nodes it loads. */
DURE_WUR int trie_next(trie *t, const uint8_t *key, size_t klen,
                       buf *next_key);
DURE_WUR int trie_prev(trie *t, const uint8_t *key, size_t klen,
                       buf *prev_key);

/* The secure trie (state and storage): each key is replaced by its
 * keccak256 before it reaches the trie. Same contracts as above. */
DURE_WUR int trie_secure_put(trie *t, const uint8_t *key, size_t klen,
                             const uint8_t *val, size_t vlen);
DURE_WUR int trie_secure_get(trie *t, const uint8_t *key, size_t klen,
                             const uint8_t **val, size_t *vlen);
DURE_WUR int trie_secure_del(trie *t, const uint8_t *key, size_t klen);

#endif
