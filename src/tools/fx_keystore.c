/* Runner for KeyStoreTests: an object of cases
 *
 *   {"<name>": {"json": {<Web3 Secret Storage v3 key file>},
 *               "password": "<password>", "priv": "<32-byte hex>"}}
 *
 * A case passes when the key file decrypts with the password (MAC checked,
 * address field, when present, matching the key) to priv. */
#include <string.h>

#include "base/hex.h"
#include "crypto/keystore.h"
#include "tools/fixtures.h"

static void run_case(fx_ctx *ctx, const char *name, json_t *c)
{
	json_t *file = json_object_get(c, "json");
	const char *password = json_string_value(json_object_get(c, "password"));
	const char *priv = json_string_value(json_object_get(c, "priv"));
	uint8_t want[32], got[32];

	if (!json_is_object(file) || !password || !priv) {
		fx_fail(ctx, name, "missing json, password or priv");
		return;
	}
	if (hex_decode_exact(priv, want, 32) != DURE_OK) {
		fx_fail(ctx, name, "priv is not 32 bytes of hex");
		return;
	}
	int err = keystore_decrypt(file, password, got, NULL);
	if (err)
		fx_fail(ctx, name, "decrypt: %s", dure_strerror(err));
	else if (memcmp(got, want, 32) != 0)
		fx_fail(ctx, name, "decrypts to another key");
	else
		fx_pass(ctx, name);
}

void fx_run_keystore(fx_ctx *ctx, json_t *root)
{
	const char *name;
	json_t *c;

	json_object_foreach(root, name, c) {
		if (!fx_selected(ctx, name))
			continue;
		if (!json_is_object(c)) {
			fx_fail(ctx, name, "case is not an object");
			continue;
		}
		run_case(ctx, name, c);
	}
}
