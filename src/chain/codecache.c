#include "chain/codecache.h"

#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

typedef struct entry {
	h256 hash;
	fork rev;
	evm_code *code;          /* NULL: a free entry */
	size_t n;
	uint32_t pins;
	uint32_t next;           /* in its bucket's chain */
	uint64_t used;           /* c->tick of its last acquire */
} entry;

struct code_cache {
	entry *e;
	uint32_t *buckets;
	size_t cap, nbuckets, count, bytes, max_bytes;
	uint64_t tick, hits;
};

int code_cache_new(size_t max_entries, size_t max_bytes, code_cache **out)
{
	*out = NULL;
	if (!max_entries)
		max_entries = CODE_CACHE_ENTRIES;
	if (max_entries >= NONE)
		max_entries = NONE - 1;
	code_cache *c = calloc(1, sizeof *c);
	if (!c)
		return DURE_ENOMEM;
	c->cap = max_entries;
	c->max_bytes = max_bytes ? max_bytes : CODE_CACHE_BYTES;
	c->nbuckets = 1;
	while (c->nbuckets < max_entries)
		c->nbuckets <<= 1;
	c->e = calloc(c->cap, sizeof *c->e);
	c->buckets = malloc(c->nbuckets * sizeof *c->buckets);
	if (!c->e || !c->buckets) {
		code_cache_free(c);
		return DURE_ENOMEM;
	}
	memset(c->buckets, 0xff, c->nbuckets * sizeof *c->buckets);
	*out = c;
	return DURE_OK;
}

void code_cache_free(code_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; c->e && i < c->cap; i++)
		evm_code_free(c->e[i].code);
	free(c->e);
	free(c->buckets);
	free(c);
}

/* Code hashes are keccak outputs: any 8 of their bytes spread evenly. */
static size_t bucket_of(const code_cache *c, const h256 *hash, fork rev)
{
	uint64_t v;
	memcpy(&v, hash->b, 8);
	return (size_t)((v ^ (uint64_t)rev) & (c->nbuckets - 1));
}

static uint32_t find(const code_cache *c, const h256 *hash, fork rev)
{
	for (uint32_t i = c->buckets[bucket_of(c, hash, rev)]; i != NONE;
	     i = c->e[i].next)
		if (c->e[i].rev == rev && h256_eq(&c->e[i].hash, hash))
			return i;
	return NONE;
}

static void unlink_entry(code_cache *c, uint32_t k)
{
	uint32_t *p = &c->buckets[bucket_of(c, &c->e[k].hash, c->e[k].rev)];
	while (*p != k)
		p = &c->e[*p].next;
	*p = c->e[k].next;
	evm_code_free(c->e[k].code);
	c->bytes -= c->e[k].n;
	c->count--;
	memset(&c->e[k], 0, sizeof c->e[k]);
}

/* Frees the least recently used unpinned entry; false when every entry
 * is pinned. A scan: misses are rare (new code), hits never evict. */
static bool evict_one(code_cache *c)
{
	uint32_t best = NONE;
	for (uint32_t i = 0; i < c->cap; i++)
		if (c->e[i].code && !c->e[i].pins &&
		    (best == NONE || c->e[i].used < c->e[best].used))
			best = i;
	if (best == NONE)
		return false;
	unlink_entry(c, best);
	return true;
}

const evm_code *code_cache_acquire(code_cache *c, const h256 *hash, fork rev,
                                   const uint8_t *bytes, size_t n)
{
	uint32_t k = find(c, hash, rev);
	if (k != NONE) {
		c->hits++;
		c->e[k].pins++;
		c->e[k].used = ++c->tick;
		return c->e[k].code;
	}
	if (n > c->max_bytes)
		return NULL;
	while (c->count == c->cap || c->bytes + n > c->max_bytes)
		if (!evict_one(c))
			return NULL;
	evm_code *code;
	if (evm_code_new(bytes, n, rev, &code) != DURE_OK)
		return NULL;
	for (k = 0; c->e[k].code; k++)
		;
	size_t b = bucket_of(c, hash, rev);
	c->e[k] = (entry){.hash = *hash, .rev = rev, .code = code, .n = n,
	                  .pins = 1, .next = c->buckets[b], .used = ++c->tick};
	c->buckets[b] = k;
	c->count++;
	c->bytes += n;
	return code;
}

void code_cache_release(code_cache *c, const h256 *hash, fork rev)
{
	uint32_t k = find(c, hash, rev);
	if (k != NONE && c->e[k].pins)
		c->e[k].pins--;
}

size_t code_cache_count(const code_cache *c) { return c->count; }
uint64_t code_cache_hits(const code_cache *c) { return c->hits; }
