/* Analysed code kept across transactions, blocks and calls: the same
 * contract (a token, a router) runs in transaction after transaction, and
 * analysing its bytecode each time (evm_code_new: a copy, the jump
 * destinations, the basic blocks) costs more than many calls into it.
 *
 * Entries are keyed by code hash and fork, which fix the analysis, so a
 * hit is always the right code whatever happened to the chain since.
 * An entry in use is pinned (code_cache_acquire .. code_cache_release):
 * eviction, least recently used first, passes over pinned entries, so a
 * frame's code never goes away under it, however deep the calls nest.
 *
 * Not thread-safe: one cache per thread that executes (the node's loop
 * thread). */
#ifndef DURE_CHAIN_CODECACHE_H
#define DURE_CHAIN_CODECACHE_H

#include <stddef.h>
#include <stdint.h>

#include "base/bytes.h"
#include "base/err.h"
#include "evm/evm.h"
#include "evm/fork.h"

typedef struct code_cache code_cache;

/* Entries and code bytes a cache holds at most by default: 4096 contracts,
 * 64 MiB of bytecode (about ten times that analysed). */
#define CODE_CACHE_ENTRIES 4096
#define CODE_CACHE_BYTES ((size_t)64 << 20)

/* Creates an empty cache of at most max_entries entries and max_bytes
 * bytes of code (0: the defaults above). Returns DURE_OK or DURE_ENOMEM
 * (*out NULL). */
DURE_WUR int code_cache_new(size_t max_entries, size_t max_bytes,
                            code_cache **out);

/* Frees c and every entry; none may be pinned. NULL is a no-op. */
void code_cache_free(code_cache *c);

/* The analysis of bytes[0, n) (n > 0), whose keccak256 is hash, at fork
 * rev, pinned until code_cache_release: the cached one, or a new one.
 * NULL when memory runs out or every entry that would make room is
 * pinned; the caller then analyses or runs the bytes itself. */
const evm_code *code_cache_acquire(code_cache *c, const h256 *hash, fork rev,
                                   const uint8_t *bytes, size_t n);

/* Unpins the entry of (hash, rev) that code_cache_acquire returned (once
 * per acquire that did not return NULL). */
void code_cache_release(code_cache *c, const h256 *hash, fork rev);

/* Entries held, and the acquires answered from the cache, for tests and
 * statistics. */
size_t code_cache_count(const code_cache *c);
uint64_t code_cache_hits(const code_cache *c);

#endif
