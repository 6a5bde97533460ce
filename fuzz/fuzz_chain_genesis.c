/* Fuzzes the genesis reader, whose input is a file the user hands the node.
 * The input is parsed as JSON and read as a genesis; what reads must keep
 * the promises genesis.h makes (no address or storage key twice, zero
 * storage values dropped, bounded extra data), go through genesis_apply,
 * state_root and the header's hash, and the header's encoding must decode
 * to a header that encodes the same, since peers are sent it. Whatever
 * fails must leave the genesis zeroed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "chain/block.h"
#include "chain/genesis.h"
#include "crypto/keccak.h"
#include "fuzz.h"
#include "state/state.h"

/* Larger inputs only cost time: every bound in the reader is far lower or
 * scales with the input. */
#define INPUT_MAX (64u << 10)

static int cmp_addr(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(address));
}

static int cmp_key(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(u256));
}

/* Sorts the n items of size sz at p (a copy) and aborts on two equal. */
static void distinct_or_abort(void *p, size_t n, size_t sz,
                              int (*cmp)(const void *, const void *))
{
	qsort(p, n, sz, cmp);
	for (size_t i = 1; i < n; i++)
		if (cmp((uint8_t *)p + (i - 1) * sz, (uint8_t *)p + i * sz) == 0)
			abort();
}

static void check_alloc(const genesis *g)
{
	address *addrs = malloc((g->nalloc + 1) * sizeof *addrs);
	if (!addrs)
		abort();
	for (size_t i = 0; i < g->nalloc; i++) {
		const genesis_account *a = &g->alloc[i];
		addrs[i] = a->addr;
		u256 *keys = malloc((a->nstorage + 1) * sizeof *keys);
		if (!keys)
			abort();
		for (size_t k = 0; k < a->nstorage; k++) {
			if (u256_is_zero(&a->storage[k].value))
				abort();
			keys[k] = a->storage[k].key;
		}
		distinct_or_abort(keys, a->nstorage, sizeof *keys, cmp_key);
		free(keys);
	}
	distinct_or_abort(addrs, g->nalloc, sizeof *addrs, cmp_addr);
	free(addrs);
}

/* The header of g over root must hash to keccak256 of its encoding, and
 * that encoding must decode to a header that encodes the same. */
static void check_header(const genesis *g, const h256 *root)
{
	header h = genesis_header(g, root), back;
	if (memcmp(h.state_root.b, root->b, 32) != 0 ||
	    h.extra_len > HEADER_EXTRA_MAX)
		abort();
	buf b = BUF_INIT, again = BUF_INIT;
	if (header_encode(&h, &b) != DURE_OK || buf_failed(&b))
		abort();
	h256 hash;
	uint8_t want[32];
	keccak256(b.data, b.len, want);
	if (header_hash(&h, &hash) != DURE_OK || memcmp(hash.b, want, 32) != 0)
		abort();
	if (header_decode(b.data, b.len, &back) != DURE_OK ||
	    header_encode(&back, &again) != DURE_OK || buf_failed(&again) ||
	    again.len != b.len || memcmp(again.data, b.data, b.len) != 0)
		abort();
	buf_free(&b);
	buf_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > INPUT_MAX)
		return 0;
	json_error_t jerr;
	json_t *j = json_loadb((const char *)data, size, 0, &jerr);
	if (!j)
		return 0;
	genesis g;
	int err = genesis_from_json(j, &g);
	json_decref(j);
	if (err != DURE_OK) {
		const uint8_t *p = (const uint8_t *)&g;
		for (size_t i = 0; i < sizeof g; i++)
			if (p[i])
				abort();
		return 0;
	}
	check_alloc(&g);

	state *st;
	if (state_new(&st) != DURE_OK)
		abort();
	h256 root;
	if (genesis_apply(&g, st) != DURE_OK || state_root(st, &root) != DURE_OK)
		abort();
	state_free(st);
	check_header(&g, &root);
	genesis_free(&g);
	return 0;
}
