/* A fixed-capacity open-addressing table of pointers, keyed by a byte
 * string stored inside each item (a tx hash, a sender address): linear
 * probing, deletion by backward shift, so no tombstones accumulate.
 *
 * The capacity is fixed at creation to twice the most items the caller will
 * hold, which keeps probes short and inserts from failing; the caller
 * bounds what it inserts. The hash is keyed with a seed so that chosen keys
 * cannot be aimed at one run of slots. Internal to the pool. */
#ifndef DURE_TXPOOL_TABLE_H
#define DURE_TXPOOL_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct ptable {
	void **slots;     /* owned array; the items are the caller's */
	size_t mask;      /* capacity - 1, capacity a power of two */
	size_t count;
	size_t key_off;   /* where the key sits in an item */
	size_t key_len;
	uint64_t seed;
} ptable;

/* Sets up t for at most max_items items whose key is key_len bytes at
 * key_off. Returns DURE_OK, or DURE_ENOMEM (also when the capacity would
 * overflow) with t zeroed. */
DURE_WUR int ptable_init(ptable *t, size_t max_items, size_t key_off,
                         size_t key_len, uint64_t seed);

/* Frees the slots, not the items. */
void ptable_free(ptable *t);

/* The item with this key, or NULL. */
void *ptable_get(const ptable *t, const void *key);

/* Inserts item, whose key must not be present; the caller keeps count
 * below max_items. */
void ptable_put(ptable *t, void *item);

/* Removes item (by its key). Returns true if it was present. */
bool ptable_del(ptable *t, const void *item);

#endif
