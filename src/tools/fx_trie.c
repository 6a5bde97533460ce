/* Runner for TrieTests (trietest*.json, trieanyorder*.json,
 * hex_encoded_securetrie_test.json).
 *
 * Each case is {"in": ..., "root": "0x..."}. "in" is either a list of
 * [key, value] pairs applied in order (a null value deletes the key) or an
 * object of key: value (order irrelevant). A key or value starting with "0x"
 * is hex, anything else its raw bytes. Files whose name contains
 * "secureTrie" or "securetrie" hash every key with keccak256 first. The case
 * passes when the final root hash equals "root". */
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "tools/fixtures.h"
#include "trie/trie.h"

/* Appends the bytes a fixture string stands for. */
static int fixture_bytes(const json_t *j, buf *out)
{
	const char *s = json_string_value(j);
	size_t n = json_string_length(j);
	if (n >= 2 && s[0] == '0' && s[1] == 'x')
		return hex_decode(s, n, out);
	return buf_append(out, s, n);
}

/* Applies one key/value pair (value NULL or JSON null deletes). */
static int apply(trie *t, bool secure, const json_t *k, const json_t *v)
{
	if (!json_is_string(k) || !(json_is_null(v) || json_is_string(v)))
		return DURE_EJSON;
	buf kb = BUF_INIT, vb = BUF_INIT;
	int err = fixture_bytes(k, &kb);
	if (!err && json_is_string(v))
		err = fixture_bytes(v, &vb);
	if (!err) {
		if (secure)
			err = trie_secure_put(t, kb.data, kb.len, vb.data, vb.len);
		else
			err = trie_put(t, kb.data, kb.len, vb.data, vb.len);
	}
	buf_free(&kb);
	buf_free(&vb);
	return err;
}

static void run_case(fx_ctx *ctx, const char *name, json_t *tc, bool secure)
{
	json_t *in = json_object_get(tc, "in");
	const char *root_hex = json_string_value(json_object_get(tc, "root"));
	h256 want, got;
	if (!root_hex || hex_decode_exact(root_hex, want.b, 32) != 0) {
		fx_fail(ctx, name, "missing or bad \"root\"");
		return;
	}
	trie *t;
	int err = trie_new(&t);
	if (err) {
		fx_fail(ctx, name, "%s", dure_strerror(err));
		return;
	}
	if (json_is_array(in)) {
		size_t i;
		json_t *pair;
		json_array_foreach(in, i, pair) {
			if (!json_is_array(pair) || json_array_size(pair) != 2)
				err = DURE_EJSON;
			else
				err = apply(t, secure, json_array_get(pair, 0),
				            json_array_get(pair, 1));
			if (err)
				break;
		}
	} else if (json_is_object(in)) {
		const char *key;
		json_t *val;
		json_object_foreach(in, key, val) {
			json_t *k = json_string(key);
			err = k ? apply(t, secure, k, val) : DURE_ENOMEM;
			json_decref(k);
			if (err)
				break;
		}
	} else {
		err = DURE_EJSON;
	}
	if (!err)
		err = trie_root(t, &got);
	trie_free(t);
	if (err) {
		fx_fail(ctx, name, "%s", dure_strerror(err));
		return;
	}
	if (!h256_eq(&got, &want)) {
		char *hex = hex_encode_0x(got.b, 32);
		fx_fail(ctx, name, "root %s", hex ? hex : "(out of memory)");
		free(hex);
		return;
	}
	fx_pass(ctx, name);
}

void fx_run_trie(fx_ctx *ctx, json_t *root)
{
	const char *file = fx_file(ctx);
	const char *base = strrchr(file, '/');
	base = base ? base + 1 : file;
	bool secure = strstr(base, "secureTrie") || strstr(base, "securetrie");
	const char *name;
	json_t *tc;
	json_object_foreach(root, name, tc) {
		if (fx_selected(ctx, name))
			run_case(ctx, name, tc, secure);
	}
}
