/* BlockchainTests runner.
 *
 * A file maps test names to
 *   {network, pre: {addr: {balance, nonce, code, storage}},
 *    genesisBlockHeader: {hash, ...header fields...},
 *    blocks: [{rlp, expectException?, blocknumber?, ...}],
 *    lastblockhash, postState: {addr: {...}} | postStateHash}.
 * Each test is one case, run through the node's own import path on a real
 * store: a fresh LMDB environment in a temporary directory, the genesis
 * written by blockchain_init, every block decoded and imported under the
 * merge engine. A block with expectException passes only if it is
 * rejected, by the decoder or by the import; any other block must be
 * imported. Then the head must be lastblockhash, and the flat state must
 * hold exactly the post state (every listed account and slot, nothing
 * more), with the root recomputed from the flat tables equal to the
 * stored tries' root and to the head's state root. */
/* nftw and its flags are X/Open. */
#define _XOPEN_SOURCE 700

#include "tools/fixtures.h"

#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "chain/block.h"
#include "chain/config.h"
#include "chain/genesis.h"
#include "consensus/blockchain.h"
#include "consensus/engine.h"
#include "crypto/keccak.h"
#include "db/db.h"
#include "store/store.h"
#include "trie/trie.h"
#include "u256/u256.h"

#define WHY_MAX 512

/* ---- the genesis of a case ---- */

/* geth's names of the keys chain_config_from_json reads, per fork. */
static const char *const FORK_KEYS[FORK_COUNT_] = {
	[FORK_HOMESTEAD] = "homesteadBlock",
	[FORK_TANGERINE] = "eip150Block",
	[FORK_SPURIOUS] = "eip158Block",
	[FORK_BYZANTIUM] = "byzantiumBlock",
	[FORK_CONSTANTINOPLE] = "constantinopleBlock",
	[FORK_PETERSBURG] = "petersburgBlock",
	[FORK_ISTANBUL] = "istanbulBlock",
	[FORK_BERLIN] = "berlinBlock",
	[FORK_LONDON] = "londonBlock",
	[FORK_PARIS] = "mergeNetsplitBlock",
	[FORK_SHANGHAI] = "shanghaiTime",
	[FORK_CANCUN] = "cancunTime",
};

static json_t *config_json(const chain_config *c)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "chainId", json_integer((json_int_t)c->chain_id));
	for (int f = FORK_HOMESTEAD; f < FORK_COUNT_; f++)
		if (c->activation[f] != CHAIN_NEVER)
			json_object_set_new(o, FORK_KEYS[f],
			                    json_integer((json_int_t)c->activation[f]));
	if (c->activation[FORK_SPURIOUS] != CHAIN_NEVER)
		json_object_set_new(o, "eip155Block", json_integer(
			(json_int_t)c->activation[FORK_SPURIOUS]));
	if (c->has_ttd) {
		char hex[67];
		u256_to_hex(&c->ttd, hex);
		json_object_set_new(o, "terminalTotalDifficulty", json_string(hex));
	}
	return o;
}

/* The genesis file a case describes: its network's config, "pre" as the
 * alloc, and the header fields of genesisBlockHeader. The caller owns the
 * result; NULL when out of memory. */
static json_t *genesis_json(json_t *tc, const chain_config *c)
{
	static const char *const fields[] = {
		"gasLimit", "difficulty", "baseFeePerGas", "extraData", "timestamp",
		"mixHash", "nonce", "coinbase", "parentHash", "number", "gasUsed",
		"blobGasUsed", "excessBlobGas",
	};
	json_t *gh = json_object_get(tc, "genesisBlockHeader");
	json_t *g = json_object();
	json_t *cj = config_json(c);
	if (!g || !cj) {
		json_decref(g);
		json_decref(cj);
		return NULL;
	}
	json_object_set_new(g, "config", cj);
	json_t *pre = json_object_get(tc, "pre");
	if (pre)
		json_object_set(g, "alloc", pre);
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		json_t *v = json_object_get(gh, fields[i]);
		if (v)
			json_object_set(g, fields[i], v);
	}
	return g;
}

/* ---- the temporary chain ---- */

typedef struct chain_dir {
	char path[4096];
	bool made;
	db *d;
	store *s;
	blockchain *bc;
} chain_dir;

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void chain_dir_close(chain_dir *cd)
{
	blockchain_free(cd->bc);
	store_free(cd->s);
	db_close(cd->d);
	if (cd->made && nftw(cd->path, remove_entry, 8, FTW_DEPTH | FTW_PHYS))
		fprintf(stderr, "dure fixtures: cannot remove %s\n", cd->path);
	memset(cd, 0, sizeof *cd);
}

static int chain_dir_open(chain_dir *cd)
{
	memset(cd, 0, sizeof *cd);
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	int n = snprintf(cd->path, sizeof cd->path, "%s/dure-blocktest-XXXXXX",
	                 tmp);
	if (n < 0 || (size_t)n >= sizeof cd->path || !mkdtemp(cd->path))
		return DURE_EIO;
	cd->made = true;
	db_options o = {.no_sync = true};
	int err = db_open(cd->path, &o, &cd->d);
	if (!err)
		err = store_open(cd->d, &cd->s);
	return err;
}

/* ---- reading the fixture ---- */

static int field_h256(json_t *o, const char *key, h256 *out)
{
	const char *s = json_string_value(json_object_get(o, key));
	if (!s) {
		memset(out, 0, sizeof *out);
		return DURE_EJSON;
	}
	return hex_decode_exact(s, out->b, 32);
}

/* A quantity of the post state: a hex or decimal string. */
static int quantity(json_t *v, u256 *out)
{
	const char *s = json_string_value(v);
	return s && u256_from_string(s, out) == 0 ? DURE_OK : DURE_EJSON;
}

static void hash_hex(const h256 *h, char out[67])
{
	out[0] = '0';
	out[1] = 'x';
	hex_encode(h->b, 32, out + 2);
}

/* ---- one case ---- */

/* Imports the blocks in order. On the first block whose fate differs from
 * what the fixture expects, writes why and returns false. */
static bool import_blocks(blockchain *bc, json_t *blocks, char *why)
{
	size_t i;
	json_t *jb;
	json_array_foreach(blocks, i, jb) {
		json_t *expect = json_object_get(jb, "expectException");
		const char *want = json_string_value(expect);
		const char *number = json_string_value(
			json_object_get(jb, "blocknumber"));
		const char *rlp = json_string_value(json_object_get(jb, "rlp"));
		char where[64];
		snprintf(where, sizeof where, "block %zu (number %s)", i,
		         number ? number : "?");
		buf raw = BUF_INIT;
		int err = rlp ? hex_decode(rlp, strlen(rlp), &raw) : DURE_EJSON;
		if (err && !expect) {
			snprintf(why, WHY_MAX, "%s: field rlp: %s", where,
			         dure_strerror(err));
			buf_free(&raw);
			return false;
		}
		import_result res = {.bad_tx = SIZE_MAX};
		bool decoded = false;
		if (!err) {
			block b;
			err = block_decode(raw.data, raw.len, &b);
			decoded = err == DURE_OK;
			if (decoded) {
				err = blockchain_import(bc, &b, &res);
				block_free(&b);
			}
		}
		buf_free(&raw);
		if (expect && !err) {
			snprintf(why, WHY_MAX,
			         "%s: imported, but expected exception %s", where,
			         want ? want : "(not a string)");
			return false;
		}
		if (!expect && err) {
			char at_tx[32] = "";
			if (res.bad_tx != SIZE_MAX)
				snprintf(at_tx, sizeof at_tx, " (tx %zu)", res.bad_tx);
			snprintf(why, WHY_MAX, "%s: %s%s: %s, but expected valid",
			         where, decoded ? "rejected" : "not decoded", at_tx,
			         dure_strerror(err));
			return false;
		}
	}
	return true;
}

/* Checks one postState account against the flat state; adds its non-zero
 * slots to *slots. */
static bool check_account(store *s, db_txn *t, const char *addr_hex,
                          json_t *ja, size_t *slots, char *why)
{
	address a;
	int err = hex_decode_exact(addr_hex, a.b, 20);
	if (err) {
		snprintf(why, WHY_MAX, "postState address %s: %s", addr_hex,
		         dure_strerror(err));
		return false;
	}
	u256 nonce, balance;
	const char *code_hex = json_string_value(json_object_get(ja, "code"));
	json_t *storage = json_object_get(ja, "storage");
	buf code = BUF_INIT;
	if (quantity(json_object_get(ja, "nonce"), &nonce) ||
	    !u256_fits_u64(&nonce) ||
	    quantity(json_object_get(ja, "balance"), &balance) || !code_hex ||
	    hex_decode(code_hex, strlen(code_hex), &code) ||
	    (storage && !json_is_object(storage))) {
		snprintf(why, WHY_MAX, "postState %s: malformed account", addr_hex);
		buf_free(&code);
		return false;
	}
	state_account acc;
	err = store_account(s, t, &a, &acc);
	bool ok = false;
	h256 code_hash;
	keccak256(code.data, code.len, code_hash.b);
	const uint8_t *have;
	size_t have_len;
	if (err == DURE_ENOTFOUND)
		snprintf(why, WHY_MAX, "postState %s: account missing", addr_hex);
	else if (err)
		snprintf(why, WHY_MAX, "postState %s: %s", addr_hex,
		         dure_strerror(err));
	else if (acc.nonce != nonce.w[0])
		snprintf(why, WHY_MAX, "postState %s: nonce %" PRIu64
		         ", expected %" PRIu64, addr_hex, acc.nonce, nonce.w[0]);
	else if (!u256_eq(&acc.balance, &balance)) {
		char got[67], exp[67];
		u256_to_hex(&acc.balance, got);
		u256_to_hex(&balance, exp);
		snprintf(why, WHY_MAX, "postState %s: balance %s, expected %s",
		         addr_hex, got, exp);
	} else if (!h256_eq(&acc.code_hash, &code_hash))
		snprintf(why, WHY_MAX, "postState %s: code hash differs", addr_hex);
	else if (code.len &&
	         ((err = store_code(s, t, &code_hash, &have, &have_len)) ||
	          have_len != code.len || memcmp(have, code.data, code.len)))
		snprintf(why, WHY_MAX, "postState %s: stored code differs (%s)",
		         addr_hex, err ? dure_strerror(err) : "bytes");
	else
		ok = true;
	buf_free(&code);
	if (!ok)
		return false;

	const char *k;
	json_t *jv;
	json_object_foreach(storage, k, jv) {
		u256 key, want, got;
		if (u256_from_string(k, &key) || quantity(jv, &want)) {
			snprintf(why, WHY_MAX, "postState %s: malformed slot %s",
			         addr_hex, k);
			return false;
		}
		err = store_storage(s, t, &a, &key, &got);
		if (err == DURE_ENOTFOUND) {
			got = U256_ZERO;
			err = DURE_OK;
		}
		if (err) {
			snprintf(why, WHY_MAX, "postState %s slot %s: %s", addr_hex,
			         k, dure_strerror(err));
			return false;
		}
		if (!u256_eq(&got, &want)) {
			char g[67], w[67];
			u256_to_hex(&got, g);
			u256_to_hex(&want, w);
			snprintf(why, WHY_MAX, "postState %s slot %s: %s, expected %s",
			         addr_hex, k, g, w);
			return false;
		}
		if (!u256_is_zero(&want))
			(*slots)++;
	}
	return true;
}

/* The head and the state after the blocks. */
static bool check_post(blockchain *bc, store *s, json_t *tc, char *why)
{
	h256 want_head, head_hash;
	header head;
	int err = field_h256(tc, "lastblockhash", &want_head);
	if (err) {
		snprintf(why, WHY_MAX, "field lastblockhash: %s", dure_strerror(err));
		return false;
	}
	if ((err = blockchain_head(bc, &head, &head_hash))) {
		snprintf(why, WHY_MAX, "head: %s", dure_strerror(err));
		return false;
	}
	if (!h256_eq(&head_hash, &want_head)) {
		char got[67], exp[67];
		hash_hex(&head_hash, got);
		hash_hex(&want_head, exp);
		snprintf(why, WHY_MAX, "head %s (number %" PRIu64
		         "), expected lastblockhash %s", got, head.number, exp);
		return false;
	}

	json_t *post = json_object_get(tc, "postState");
	h256 want_root;
	if (!post && (err = field_h256(tc, "postStateHash", &want_root))) {
		snprintf(why, WHY_MAX, "no postState, and postStateHash: %s",
		         dure_strerror(err));
		return false;
	}
	if (post && !json_is_object(post)) {
		snprintf(why, WHY_MAX, "field postState: not an object");
		return false;
	}
	db_txn *t;
	if ((err = db_begin_read(store_db(s), &t))) {
		snprintf(why, WHY_MAX, "read txn: %s", dure_strerror(err));
		return false;
	}
	bool ok = true;
	size_t want_slots = 0;
	const char *addr;
	json_t *ja;
	json_object_foreach(post, addr, ja) {
		if (!(ok = check_account(s, t, addr, ja, &want_slots, why)))
			break;
	}
	h256 root, flat_root;
	size_t naccounts, nslots;
	if (ok && (err = store_state_root(s, t, &root))) {
		snprintf(why, WHY_MAX, "state root: %s", dure_strerror(err));
		ok = false;
	}
	if (ok && (err = store_verify_state(s, t, &flat_root, &naccounts,
	                                    &nslots))) {
		snprintf(why, WHY_MAX, "verify state: %s", dure_strerror(err));
		ok = false;
	}
	db_abort(t);
	if (!ok)
		return false;
	if (post && naccounts != json_object_size(post)) {
		snprintf(why, WHY_MAX, "%zu accounts in the state, postState has "
		         "%zu", naccounts, json_object_size(post));
		return false;
	}
	if (post && nslots != want_slots) {
		snprintf(why, WHY_MAX, "%zu slots in the state, postState has %zu",
		         nslots, want_slots);
		return false;
	}
	if (!h256_eq(&flat_root, &root)) {
		snprintf(why, WHY_MAX, "root of the flat state differs from the "
		         "tries' root");
		return false;
	}
	if (!h256_eq(&root, &head.state_root)) {
		snprintf(why, WHY_MAX, "state root differs from the head's");
		return false;
	}
	if (!post && !h256_eq(&root, &want_root)) {
		char got[67], exp[67];
		hash_hex(&root, got);
		hash_hex(&want_root, exp);
		snprintf(why, WHY_MAX, "state root %s, expected postStateHash %s",
		         got, exp);
		return false;
	}
	return true;
}

/* Runs one case; on failure writes why and returns false. */
static bool run_chain(json_t *tc, const chain_config *c, char *why)
{
	json_t *blocks = json_object_get(tc, "blocks");
	h256 want_genesis;
	int err = field_h256(json_object_get(tc, "genesisBlockHeader"), "hash",
	                     &want_genesis);
	if (err || !json_is_array(blocks)) {
		snprintf(why, WHY_MAX, "field %s: %s",
		         err ? "genesisBlockHeader.hash" : "blocks",
		         dure_strerror(err ? err : DURE_EJSON));
		return false;
	}
	json_t *gj = genesis_json(tc, c);
	char *text = gj ? json_dumps(gj, JSON_COMPACT) : NULL;
	if (!text) {
		json_decref(gj);
		snprintf(why, WHY_MAX, "out of memory");
		return false;
	}
	genesis g;
	err = genesis_from_json(gj, &g);
	json_decref(gj);
	if (err) {
		snprintf(why, WHY_MAX, "genesis: %s", dure_strerror(err));
		free(text);
		return false;
	}

	chain_dir cd;
	h256 hash;
	bool ok = false;
	if ((err = chain_dir_open(&cd)))
		snprintf(why, WHY_MAX, "store in %.256s: %s", cd.path,
		         dure_strerror(err));
	else if ((err = blockchain_init(cd.s, &g, &hash)))
		snprintf(why, WHY_MAX, "blockchain_init: %s", dure_strerror(err));
	else if (!h256_eq(&hash, &want_genesis)) {
		char got[67], exp[67];
		hash_hex(&hash, got);
		hash_hex(&want_genesis, exp);
		snprintf(why, WHY_MAX, "genesis hash %s, expected %s", got, exp);
	} else if ((err = blockchain_open(cd.s, engine_merge(), NULL, &cd.bc)))
		snprintf(why, WHY_MAX, "blockchain_open: %s", dure_strerror(err));
	else
		ok = import_blocks(cd.bc, blocks, why) &&
		     check_post(cd.bc, cd.s, tc, why);
	chain_dir_close(&cd);
	genesis_free(&g);
	free(text);
	return ok;
}

void fx_run_blockchain(fx_ctx *ctx, json_t *root)
{
	const char *name;
	json_t *tc;
	json_object_foreach(root, name, tc) {
		if (!fx_selected(ctx, name))
			continue;
		if (!json_is_object(tc)) {
			fx_fail(ctx, name, "test is not an object");
			continue;
		}
		const char *network = json_string_value(
			json_object_get(tc, "network"));
		chain_config c;
		if (!network || chain_config_for_network(network, &c)) {
			fx_fail(ctx, name, "unsupported network %s",
			        network ? network : "(none)");
			continue;
		}
		char why[WHY_MAX];
		if (run_chain(tc, &c, why))
			fx_pass(ctx, name);
		else
			fx_fail(ctx, name, "%s", why);
	}
}
