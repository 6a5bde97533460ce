#include "chain/genesis.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/hex.h"
#include "trie/trie.h"

/* geth's defaults (params.GenesisGasLimit, params.GenesisDifficulty,
 * params.InitialBaseFee). */
#define GENESIS_GAS_LIMIT 4712388
#define GENESIS_DIFFICULTY 131072
#define INITIAL_BASE_FEE 1000000000

#define GENESIS_CODE_MAX (16u << 20)
/* A genesis file is the user's, not a peer's; this only stops a wrong
 * path (a device, a disk image) from being read whole. */
#define GENESIS_FILE_MAX (1u << 30)

void genesis_free(genesis *g)
{
	for (size_t i = 0; i < g->nalloc; i++) {
		free(g->alloc[i].code);
		free(g->alloc[i].storage);
	}
	free(g->alloc);
	memset(g, 0, sizeof *g);
}

/* ---- fields ---- */

/* A quantity as chain_json_u256 reads it, or "0x" alone for zero, as the
 * oldest files (GenesisTests) write it. */
static int quantity(const json_t *v, u256 *out)
{
	*out = U256_ZERO;
	if (json_is_string(v) && strcmp(json_string_value(v), "0x") == 0)
		return DURE_OK;
	return chain_json_u256(v, out);
}

/* Optional fields keep *out (the default) when absent or null. */
static bool absent(const json_t *v)
{
	return !v || json_is_null(v);
}

static int opt_u256(const json_t *o, const char *key, u256 *out)
{
	const json_t *v = json_object_get(o, key);
	return absent(v) ? DURE_OK : quantity(v, out);
}

static int opt_u64(const json_t *o, const char *key, uint64_t *out)
{
	const json_t *v = json_object_get(o, key);
	if (absent(v))
		return DURE_OK;
	u256 x;
	if (quantity(v, &x) || !u256_fits_u64(&x))
		return DURE_EJSON;
	*out = x.w[0];
	return DURE_OK;
}

static int opt_fixed(const json_t *o, const char *key, uint8_t *out,
                     size_t n)
{
	const json_t *v = json_object_get(o, key);
	if (absent(v))
		return DURE_OK;
	if (!json_is_string(v))
		return DURE_EJSON;
	return hex_decode_exact(json_string_value(v), out, n);
}

/* Hex bytes of at most max bytes into b (emptied first). */
static int opt_bytes(const json_t *o, const char *key, size_t max, buf *b)
{
	buf_reset(b);
	const json_t *v = json_object_get(o, key);
	if (absent(v))
		return DURE_OK;
	if (!json_is_string(v))
		return DURE_EJSON;
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		n -= 2;
	if (n / 2 > max)
		return DURE_EJSON;
	return hex_decode(s, json_string_length(v), b);
}

/* A storage key or value: hex digits with or without "0x", at most 32
 * bytes, left-padded (geth's storageJSON). */
static int storage_word(const char *s, u256 *out)
{
	*out = U256_ZERO;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return DURE_EJSON;
	for (size_t i = 0; i < n; i++) {
		int d = hex_digit(s[i]);
		if (d < 0) {
			*out = U256_ZERO;
			return DURE_EHEX_DIGIT;
		}
		size_t nib = n - 1 - i;
		out->w[nib / 16] |= (uint64_t)d << (nib % 16 * 4);
	}
	return DURE_OK;
}

/* ---- alloc ---- */

static int cmp_slot(const void *a, const void *b)
{
	return u256_cmp(&((const genesis_slot *)a)->key,
	                &((const genesis_slot *)b)->key);
}

static int cmp_account(const void *a, const void *b)
{
	return memcmp(((const genesis_account *)a)->addr.b,
	              ((const genesis_account *)b)->addr.b, 20);
}

/* For an optional object o of *n members, a fresh zeroed array of *n
 * elements of size bytes each in *arr (NULL when o is absent or empty). */
static int member_array(const json_t *o, size_t size, void **arr, size_t *n)
{
	*arr = NULL;
	*n = 0;
	if (absent(o))
		return DURE_OK;
	if (!json_is_object(o))
		return DURE_EJSON;
	*n = json_object_size(o);
	if (*n == 0)
		return DURE_OK;
	*arr = calloc(*n, size);
	return *arr ? DURE_OK : DURE_ENOMEM;
}

/* Reads the storage object; two spellings of one key are refused rather
 * than resolved by the order of the file. Zero values are dropped after
 * that check. */
static int read_storage(const json_t *o, genesis_account *a)
{
	void *arr;
	size_t n;
	int err = member_array(o, sizeof *a->storage, &arr, &n);
	a->storage = arr;
	if (err || !arr)
		return err;
	const char *key;
	json_t *val;
	json_object_foreach((json_t *)o, key, val) {
		genesis_slot *s = &a->storage[a->nstorage++];
		err = storage_word(key, &s->key);
		if (!err)
			err = json_is_string(val)
			    ? storage_word(json_string_value(val), &s->value)
			    : DURE_EJSON;
		if (err)
			return err;
	}
	qsort(a->storage, n, sizeof *a->storage, cmp_slot);
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && u256_eq(&a->storage[i].key, &a->storage[i - 1].key))
			return DURE_EJSON;
		if (!u256_is_zero(&a->storage[i].value))
			a->storage[kept++] = a->storage[i];
	}
	a->nstorage = kept;
	return DURE_OK;
}

static int read_account(const char *addr, const json_t *o, genesis_account *a,
                        buf *tmp)
{
	int err = hex_decode_exact(addr, a->addr.b, 20);
	if (err)
		return err;
	if (!json_is_object(o))
		return DURE_EJSON;
	/* "wei" is the balance's name in the oldest files (GenesisTests). */
	const char *bal = json_object_get(o, "balance") ? "balance" : "wei";
	if ((err = opt_u256(o, bal, &a->balance)) ||
	    (err = opt_u64(o, "nonce", &a->nonce)) ||
	    (err = opt_bytes(o, "code", GENESIS_CODE_MAX, tmp)))
		return err;
	if (tmp->len) {
		a->code = buf_steal(tmp, &a->code_len);
		if (!a->code)
			return DURE_ENOMEM;
	}
	return read_storage(json_object_get(o, "storage"), a);
}

static int read_alloc(const json_t *o, genesis *g)
{
	void *arr;
	size_t n;
	int err = member_array(o, sizeof *g->alloc, &arr, &n);
	g->alloc = arr;
	if (err || !arr)
		return err;
	buf tmp = BUF_INIT;
	const char *key;
	json_t *acct;
	json_object_foreach((json_t *)o, key, acct) {
		if ((err = read_account(key, acct, &g->alloc[g->nalloc++], &tmp)))
			break;
	}
	buf_free(&tmp);
	if (err)
		return err;
	qsort(g->alloc, n, sizeof *g->alloc, cmp_account);
	for (size_t i = 1; i < n; i++)
		if (address_eq(&g->alloc[i].addr, &g->alloc[i - 1].addr))
			return DURE_EJSON;
	return DURE_OK;
}

/* ---- the header ---- */

static int read_header(const json_t *j, genesis *g)
{
	header *h = &g->h;
	h->ommers_hash = EMPTY_OMMERS_HASH;
	h->tx_root = TRIE_EMPTY_ROOT;
	h->receipts_root = TRIE_EMPTY_ROOT;
	u256 nonce = U256_ZERO;
	bool has_difficulty = !absent(json_object_get(j, "difficulty"));
	int err;
	if ((err = opt_fixed(j, "parentHash", h->parent_hash.b, 32)) ||
	    (err = opt_fixed(j, "coinbase", h->coinbase.b, 20)) ||
	    (err = opt_fixed(j, "mixHash", h->mix_hash.b, 32)) ||
	    (err = opt_u256(j, "difficulty", &h->difficulty)) ||
	    (err = opt_u64(j, "number", &h->number)) ||
	    (err = opt_u64(j, "gasLimit", &h->gas_limit)) ||
	    (err = opt_u64(j, "gasUsed", &h->gas_used)) ||
	    (err = opt_u64(j, "timestamp", &h->timestamp)) ||
	    (err = opt_u256(j, "nonce", &nonce)))
		return err;
	if (!u256_fits_u64(&nonce))
		return DURE_EJSON;
	u256_store_be64(h->nonce, nonce.w[0]);

	buf extra = BUF_INIT;
	err = opt_bytes(j, "extraData", HEADER_EXTRA_MAX, &extra);
	if (!err && extra.len) {
		memcpy(h->extra, extra.data, extra.len);
		h->extra_len = extra.len;
	}
	buf_free(&extra);
	if (err)
		return err;

	/* geth takes a gas limit of 0 for "not given" as well. */
	if (h->gas_limit == 0)
		h->gas_limit = GENESIS_GAS_LIMIT;
	fork rev = chain_config_fork(&g->config, h->number, h->timestamp);
	if (!has_difficulty && rev < FORK_PARIS)
		h->difficulty = u256_from_u64(GENESIS_DIFFICULTY);
	if (rev >= FORK_LONDON) {
		h->has_base_fee = true;
		h->base_fee = u256_from_u64(INITIAL_BASE_FEE);
		if ((err = opt_u256(j, "baseFeePerGas", &h->base_fee)))
			return err;
	}
	if (rev >= FORK_SHANGHAI) {
		h->has_withdrawals_root = true;
		h->withdrawals_root = TRIE_EMPTY_ROOT;
	}
	if (rev >= FORK_CANCUN) {
		h->has_blob_gas = true;
		h->has_parent_beacon_root = true;
		if ((err = opt_u64(j, "blobGasUsed", &h->blob_gas_used)) ||
		    (err = opt_u64(j, "excessBlobGas", &h->excess_blob_gas)))
			return err;
	}
	return DURE_OK;
}

static int read_genesis(const json_t *j, genesis *g)
{
	if (!json_is_object(j))
		return DURE_EJSON;
	const json_t *config = json_object_get(j, "config");
	int err;
	if (absent(config)) {
		/* The oldest genesis files (ethereum/tests' GenesisTests) carry
		 * no config: a Frontier chain. */
		err = chain_config_for_network("Frontier", &g->config);
	} else {
		err = chain_config_from_json(config, &g->config);
	}
	if (err || (err = read_header(j, g)))
		return err;
	return read_alloc(json_object_get(j, "alloc"), g);
}

int genesis_from_json(const json_t *j, genesis *out)
{
	memset(out, 0, sizeof *out);
	int err = read_genesis(j, out);
	if (err)
		genesis_free(out);
	return err;
}

/* ---- the file ---- */

/* jansson holds integers in 64 bits, and geth's files give
 * terminalTotalDifficulty as a bare number above that (mainnet's is
 * 58750000000000000000000). Every bare integer too long for 64 bits is
 * put in quotes, which the readers above take as the same decimal value.
 * Strings are copied as they are. */
static void quote_big_ints(const char *p, size_t n, buf *out)
{
	bool in_str = false;
	for (size_t i = 0; i < n;) {
		char c = p[i];
		if (in_str) {
			size_t run = (c == '\\' && i + 1 < n) ? 2 : 1;
			if (c == '"')
				in_str = false;
			buf_append(out, p + i, run);
			i += run;
			continue;
		}
		if (c >= '0' && c <= '9') {
			size_t e = i;
			while (e < n && p[e] >= '0' && p[e] <= '9')
				e++;
			bool plain = e == n || !strchr(".eE", p[e]);
			bool quote = plain && e - i > 18 &&
			             (i == 0 || !strchr("-+.eE", p[i - 1]));
			if (quote)
				buf_push(out, '"');
			buf_append(out, p + i, e - i);
			if (quote)
				buf_push(out, '"');
			i = e;
			continue;
		}
		if (c == '"')
			in_str = true;
		buf_push(out, (uint8_t)c);
		i++;
	}
}

static int read_file(const char *path, buf *out)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return DURE_EIO;
	}
	int err = DURE_OK;
	uint8_t chunk[65536];
	size_t got;
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (out->len + got > GENESIS_FILE_MAX) {
			fprintf(stderr, "%s: larger than %u bytes\n", path,
			        GENESIS_FILE_MAX);
			err = DURE_EIO;
			break;
		}
		if (buf_append(out, chunk, got)) {
			err = DURE_ENOMEM;
			break;
		}
	}
	if (!err && ferror(f)) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		err = DURE_EIO;
	}
	fclose(f);
	return err;
}

int genesis_load(const char *path, genesis *out)
{
	memset(out, 0, sizeof *out);
	buf raw = BUF_INIT, text = BUF_INIT;
	int err = read_file(path, &raw);
	if (!err) {
		quote_big_ints((const char *)raw.data, raw.len, &text);
		if (buf_failed(&text))
			err = DURE_ENOMEM;
	}
	buf_free(&raw);
	if (err) {
		buf_free(&text);
		return err;
	}
	json_error_t jerr;
	json_t *j = json_loadb((const char *)text.data, text.len, 0, &jerr);
	buf_free(&text);
	if (!j) {
		fprintf(stderr, "%s:%d: %s\n", path, jerr.line, jerr.text);
		return DURE_EJSON;
	}
	err = genesis_from_json(j, out);
	json_decref(j);
	if (err)
		fprintf(stderr, "%s: %s\n", path, dure_strerror(err));
	return err;
}

/* ---- state and header ---- */

int genesis_apply(const genesis *g, state *st)
{
	for (size_t i = 0; i < g->nalloc; i++) {
		const genesis_account *a = &g->alloc[i];
		state_create_account(st, &a->addr);
		state_set_nonce(st, &a->addr, a->nonce);
		state_set_balance(st, &a->addr, &a->balance);
		if (a->code_len)
			state_set_code(st, &a->addr, a->code, a->code_len);
		for (size_t k = 0; k < a->nstorage; k++)
			state_set_storage(st, &a->addr, &a->storage[k].key,
			                  &a->storage[k].value);
	}
	/* Genesis accounts stay even when empty: no EIP-161 deletion. */
	state_end_tx(st, false);
	return state_failed(st) ? DURE_ENOMEM : DURE_OK;
}

header genesis_header(const genesis *g, const h256 *state_root)
{
	header h = g->h;
	h.state_root = *state_root;
	return h;
}
