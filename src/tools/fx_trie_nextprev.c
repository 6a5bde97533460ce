/* Runner for TrieTests/trietestnextprev.json.
 *
 * Each case is {"in": [key, ...], "tests": [[key, prev, next], ...]}: the
 * keys (raw strings) are put in a trie, then for each test the largest
 * stored key below `key` must be `prev` and the smallest above it `next`,
 * "" meaning there is none. */
#include <stdio.h>
#include <string.h>

#include "tools/fixtures.h"
#include "trie/trie.h"

/* Checks that the neighbour of key found by step equals want ("" = none). */
static bool neighbour_is(trie *t, const char *key,
                         int (*step)(trie *, const uint8_t *, size_t,
                                     buf *),
                         const char *want, buf *scratch)
{
	int err = step(t, (const uint8_t *)key, strlen(key), scratch);
	if (err == DURE_ENOTFOUND)
		return want[0] == '\0';
	return !err && scratch->len == strlen(want) &&
	       memcmp(scratch->data, want, scratch->len) == 0;
}

static void run_case(fx_ctx *ctx, const char *name, json_t *tc)
{
	json_t *in = json_object_get(tc, "in");
	json_t *tests = json_object_get(tc, "tests");
	if (!json_is_array(in) || !json_is_array(tests)) {
		fx_fail(ctx, name, "missing \"in\" or \"tests\"");
		return;
	}
	trie *t;
	int err = trie_new(&t);
	if (err) {
		fx_fail(ctx, name, "%s", dure_strerror(err));
		return;
	}
	size_t i;
	json_t *e;
	json_array_foreach(in, i, e) {
		const char *k = json_string_value(e);
		/* A key's own bytes serve as its value: any non-empty value will do. */
		err = k && *k ? trie_put(t, (const uint8_t *)k, strlen(k),
		                         (const uint8_t *)k, strlen(k))
		              : DURE_EJSON;
		if (err)
			break;
	}
	buf scratch = BUF_INIT;
	const char *why = err ? dure_strerror(err) : NULL;
	char where[64] = "";
	json_array_foreach(tests, i, e) {
		if (why)
			break;
		const char *key = json_string_value(json_array_get(e, 0));
		const char *prev = json_string_value(json_array_get(e, 1));
		const char *next = json_string_value(json_array_get(e, 2));
		snprintf(where, sizeof where, "test %zu: ", i);
		if (!key || !prev || !next)
			why = "malformed test";
		else if (!neighbour_is(t, key, trie_prev, prev, &scratch))
			why = "wrong prev";
		else if (!neighbour_is(t, key, trie_next, next, &scratch))
			why = "wrong next";
	}
	buf_free(&scratch);
	trie_free(t);
	if (why)
		fx_fail(ctx, name, "%s%s", where, why);
	else
		fx_pass(ctx, name);
}

void fx_run_trie_nextprev(fx_ctx *ctx, json_t *root)
{
	const char *name;
	json_t *tc;
	json_object_foreach(root, name, tc) {
		if (fx_selected(ctx, name))
			run_case(ctx, name, tc);
	}
}
