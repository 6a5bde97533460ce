/* Runner for BasicTests/keyaddrtest.json: an array of
 *
 *   {"seed": "cow", "key": "<32-byte hex>", "addr": "<20-byte hex>",
 *    "sig_of_emptystring": {"v": "27", "r": "<decimal>", "s": "<decimal>"}}
 *
 * one case per element, named by its seed. A case passes when
 *   1. the key derives the address (secp256k1 public key, keccak, last 20
 *      bytes), and
 *   2. the key's own RFC 6979 signature of keccak256("") recovers that
 *      address, and
 *   3. the fixture's signature is well-formed (v 27 or 28, 0 < r, s < n) and
 *      recovers a public key from keccak256("").
 *
 * Why not compare the fixture's signature with ours, or recover the fixture's
 * address from it? The fixture's (r, s) is not what RFC 6979 gives for
 * keccak256("") (our signer reproduces the published RFC 6979 secp256k1
 * vectors, see test_crypto_secp.c), and recovering from it over keccak256("")
 * does not yield the fixture's address either: the message it signs is not
 * the one its name says (we also tried sha256(""), SHA3-256(""), keccak of
 * RLP("") and a zero hash). Other clients found the same and skip the check
 * (Nethermind marks it ignored; hs-ethereum leaves it as a FIXME), so we test
 * only what the data supports. */
#include <stdio.h>
#include <string.h>

#include "base/hex.h"
#include "crypto/keccak.h"
#include "crypto/secp.h"
#include "tools/fixtures.h"

/* Parses a decimal string into a 32-byte big-endian number. Returns false on
 * an empty string, a non-digit, or a value of 2^256 or more. */
static bool dec_to_u256(const char *s, uint8_t out[32])
{
	memset(out, 0, 32);
	if (!s || !*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		unsigned carry = (unsigned)(*s - '0');
		for (int i = 31; i >= 0; i--) {
			unsigned v = out[i] * 10u + carry;
			out[i] = (uint8_t)v;
			carry = v >> 8;
		}
		if (carry)
			return false;
	}
	return true;
}

static void run_case(fx_ctx *ctx, const char *name, json_t *c)
{
	const char *key_hex = json_string_value(json_object_get(c, "key"));
	const char *addr_hex = json_string_value(json_object_get(c, "addr"));
	json_t *sig_j = json_object_get(c, "sig_of_emptystring");
	const char *v_dec = json_string_value(json_object_get(sig_j, "v"));
	const char *r_dec = json_string_value(json_object_get(sig_j, "r"));
	const char *s_dec = json_string_value(json_object_get(sig_j, "s"));
	uint8_t key[32], pub[64], hash[32], sig[64], rec[64];
	address want, got;
	int recid, err;

	if (!key_hex || !addr_hex || !v_dec || !r_dec || !s_dec) {
		fx_fail(ctx, name, "missing key, addr or sig_of_emptystring v/r/s");
		return;
	}
	if (hex_decode_exact(key_hex, key, 32) != DURE_OK ||
	    hex_decode_exact(addr_hex, want.b, 20) != DURE_OK) {
		fx_fail(ctx, name, "key or addr is not 32 / 20 bytes of hex");
		return;
	}

	err = secp_pubkey_create(key, pub);
	if (err) {
		fx_fail(ctx, name, "key: %s", dure_strerror(err));
		return;
	}
	secp_pubkey_address(pub, &got);
	if (!address_eq(&got, &want)) {
		fx_fail(ctx, name, "key derives a different address");
		return;
	}

	keccak256(NULL, 0, hash);
	err = secp_sign(key, hash, sig, &recid);
	if (!err)
		err = secp_recover(hash, sig, recid, rec);
	if (err) {
		fx_fail(ctx, name, "sign/recover keccak(\"\"): %s", dure_strerror(err));
		return;
	}
	secp_pubkey_address(rec, &got);
	if (!address_eq(&got, &want)) {
		fx_fail(ctx, name, "own signature recovers a different address");
		return;
	}

	bool v_ok = strcmp(v_dec, "27") == 0 || strcmp(v_dec, "28") == 0;
	if (!v_ok || !dec_to_u256(r_dec, sig) || !dec_to_u256(s_dec, sig + 32)) {
		fx_fail(ctx, name, "sig_of_emptystring: malformed v, r or s");
		return;
	}
	err = secp_recover(hash, sig, v_dec[1] - '7', rec);
	if (err) {
		fx_fail(ctx, name, "sig_of_emptystring: %s", dure_strerror(err));
		return;
	}
	fx_pass(ctx, name);
}

void fx_run_keyaddr(fx_ctx *ctx, json_t *root)
{
	size_t i;
	json_t *c;

	if (!json_is_array(root)) {
		fx_fail(ctx, "(file)", "keyaddr fixture is not an array");
		return;
	}
	json_array_foreach(root, i, c) {
		const char *seed = json_string_value(json_object_get(c, "seed"));
		char fallback[32];

		if (!seed) {
			snprintf(fallback, sizeof fallback, "#%zu", i);
			seed = fallback;
		}
		if (!fx_selected(ctx, seed))
			continue;
		if (!json_is_object(c)) {
			fx_fail(ctx, seed, "case is not an object");
			continue;
		}
		run_case(ctx, seed, c);
	}
}
