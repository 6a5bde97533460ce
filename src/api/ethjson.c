/* JSON forms of the execution API (see ethjson.h). */
#include "api/ethjson.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "chain/transition.h"
#include "crypto/keccak.h"
#include "rlp/rlp.h"
#include "store/store.h"

/* ---- errors ---- */

void api_errf(api_err *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
}

void api_err_arg(api_err *e, unsigned index)
{
	char tmp[API_ERR_MAX];
	memcpy(tmp, e->msg, sizeof tmp);
	tmp[sizeof tmp - 1] = 0;
	api_errf(e, "invalid argument %u: %s", index, tmp);
}

void api_reply_err(rpc_call *call, const api_err *e)
{
	rpc_reply_error(call, RPC_INVALID_PARAMS, e->msg, NULL);
}

void api_reply_internal(rpc_call *call, int err)
{
	rpc_reply_error(call, RPC_INTERNAL_ERROR, dure_strerror(err), NULL);
}

void api_reply_json(rpc_call *call, json_t *result)
{
	if (!result)
		api_reply_internal(call, DURE_ENOMEM);
	else
		rpc_reply(call, result);
}

/* ---- parameters ---- */

int ethjson_params(const json_t *params, size_t nreq, size_t nmax,
                   api_err *e)
{
	if (!json_is_array(params)) {
		api_errf(e, "non-array args");
		return DURE_EINVAL;
	}
	size_t n = json_array_size(params);
	if (n > nmax) {
		api_errf(e, "too many arguments, want at most %zu", nmax);
		return DURE_EINVAL;
	}
	for (size_t i = 0; i < nreq; i++)
		if (i >= n || json_is_null(json_array_get(params, i))) {
			api_errf(e, "missing value for required argument %zu", i);
			return DURE_EINVAL;
		}
	return DURE_OK;
}

const json_t *ethjson_param(const json_t *params, size_t i)
{
	const json_t *v = json_array_get(params, i);
	return json_is_null(v) ? NULL : v;
}

static bool has_0x(const char *s, size_t n)
{
	return n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
}

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (hex_digit(s[i]) < 0)
			return false;
	return true;
}

/* hexutil's checkNumber: the digits of a quantity, or its error text.
 * maxdig bounds them (16 for a u64, 64 for a u256). */
static const char *number_digits(const char *s, size_t n, size_t maxdig,
                                 const char **dig, size_t *ndig)
{
	if (n == 0)
		return "empty hex string";
	if (!has_0x(s, n))
		return "hex string without 0x prefix";
	s += 2;
	n -= 2;
	if (n == 0)
		return "hex string \"0x\"";
	if (n > 1 && s[0] == '0')
		return "hex number with leading zero digits";
	if (!all_hex(s, n))
		return "invalid hex string";
	if (n > maxdig)
		return maxdig == 16 ? "hex number > 64 bits" : "hex number > 256 bits";
	*dig = s;
	*ndig = n;
	return NULL;
}

static u256 digits_value(const char *dig, size_t n)
{
	u256 v = u256_from_u64(0);
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)hex_digit(dig[i]);
		size_t bit = 4 * (n - 1 - i);
		v.w[bit / 64] |= (uint64_t)d << (bit % 64);
	}
	return v;
}

/* A quantity as geth's hexutil types read JSON, with their wrapped
 * messages ("json: cannot unmarshal ... into Go value of type T"). */
static int get_quantity(const json_t *v, size_t maxdig, const char *gotype,
                        u256 *out, api_err *e)
{
	*out = u256_from_u64(0);
	if (!json_is_string(v)) {
		api_errf(e, "json: cannot unmarshal non-string into Go value of "
		            "type %s", gotype);
		return DURE_EINVAL;
	}
	const char *dig;
	size_t ndig;
	const char *why = number_digits(json_string_value(v),
	                                json_string_length(v), maxdig, &dig,
	                                &ndig);
	if (why) {
		api_errf(e, "json: cannot unmarshal %s into Go value of type %s",
		         why, gotype);
		return DURE_EINVAL;
	}
	*out = digits_value(dig, ndig);
	return DURE_OK;
}

int ethjson_get_u64(const json_t *v, uint64_t *out, api_err *e)
{
	u256 x;
	int err = get_quantity(v, 16, "hexutil.Uint64", &x, e);
	*out = x.w[0];
	return err;
}

int ethjson_get_u256(const json_t *v, u256 *out, api_err *e)
{
	return get_quantity(v, 64, "*hexutil.Big", out, e);
}

/* hexutil's checkText with the prefix required: the digits of data, or
 * the error text. */
static const char *data_digits(const json_t *v, const char **dig,
                               size_t *ndig)
{
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	if (n == 0)
		return "empty hex string";
	if (!has_0x(s, n))
		return "hex string without 0x prefix";
	if ((n - 2) % 2)
		return "hex string of odd length";
	if (!all_hex(s + 2, n - 2))
		return "invalid hex string";
	*dig = s + 2;
	*ndig = n - 2;
	return NULL;
}

int ethjson_get_data(const json_t *v, size_t max, buf *out, api_err *e)
{
	if (max > ETHJSON_DATA_MAX)
		max = ETHJSON_DATA_MAX;
	if (!json_is_string(v)) {
		api_errf(e, "json: cannot unmarshal non-string into Go value of "
		            "type hexutil.Bytes");
		return DURE_EINVAL;
	}
	const char *dig;
	size_t ndig;
	const char *why = data_digits(v, &dig, &ndig);
	if (why) {
		api_errf(e, "json: cannot unmarshal %s into Go value of type "
		            "hexutil.Bytes", why);
		return DURE_EINVAL;
	}
	if (ndig / 2 > max) {
		api_errf(e, "data of %zu bytes, above the limit of %zu", ndig / 2,
		         max);
		return DURE_EINVAL;
	}
	int err = hex_decode(dig, ndig, out);
	return err == DURE_ENOMEM ? DURE_ENOMEM : err ? DURE_EINVAL : DURE_OK;
}

static int get_fixed(const json_t *v, uint8_t *out, size_t n,
                     const char *gotype, api_err *e)
{
	memset(out, 0, n);
	if (!json_is_string(v)) {
		api_errf(e, "json: cannot unmarshal non-string into Go value of "
		            "type %s", gotype);
		return DURE_EINVAL;
	}
	const char *dig;
	size_t ndig;
	const char *why = data_digits(v, &dig, &ndig);
	if (why) {
		api_errf(e, "json: cannot unmarshal %s into Go value of type %s",
		         why, gotype);
		return DURE_EINVAL;
	}
	if (ndig != 2 * n) {
		api_errf(e, "hex string has length %zu, want %zu for %s", ndig,
		         2 * n, gotype);
		return DURE_EINVAL;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(hex_digit(dig[2 * i]) << 4 |
		                   hex_digit(dig[2 * i + 1]));
	return DURE_OK;
}

int ethjson_get_fixed(const json_t *v, uint8_t *out, size_t n, api_err *e)
{
	return get_fixed(v, out, n, n == 20 ? "common.Address"
	                            : n == 32 ? "common.Hash" : "hexutil.Bytes",
	                 e);
}

int ethjson_get_address(const json_t *v, address *out, api_err *e)
{
	return get_fixed(v, out->b, 20, "common.Address", e);
}

int ethjson_get_hash(const json_t *v, h256 *out, api_err *e)
{
	return get_fixed(v, out->b, 32, "common.Hash", e);
}

int ethjson_get_bool(const json_t *v, bool *out, api_err *e)
{
	*out = false;
	if (!json_is_boolean(v)) {
		api_errf(e, "json: cannot unmarshal non-bool into Go value of "
		            "type bool");
		return DURE_EINVAL;
	}
	*out = json_is_true(v);
	return DURE_OK;
}

static const struct {
	const char *name;
	api_block_kind kind;
} block_tags[] = {
	{"latest", API_BLOCK_LATEST},   {"pending", API_BLOCK_PENDING},
	{"safe", API_BLOCK_SAFE},       {"finalized", API_BLOCK_FINALIZED},
	{"earliest", API_BLOCK_EARLIEST},
};

/* A tag or quantity string, as geth's BlockNumber.UnmarshalJSON reads
 * it: hexutil.DecodeUint64's bare messages. */
static int block_number_text(const char *s, size_t n, api_block_id *out,
                             api_err *e)
{
	for (size_t i = 0; i < sizeof block_tags / sizeof block_tags[0]; i++)
		if (strlen(block_tags[i].name) == n &&
		    memcmp(block_tags[i].name, s, n) == 0) {
			out->kind = block_tags[i].kind;
			return DURE_OK;
		}
	const char *dig;
	size_t ndig;
	const char *why = number_digits(s, n, 16, &dig, &ndig);
	if (why) {
		api_errf(e, "%s", why);
		return DURE_EINVAL;
	}
	uint64_t num = digits_value(dig, ndig).w[0];
	if (num > INT64_MAX) {
		api_errf(e, "block number larger than int64");
		return DURE_EINVAL;
	}
	out->kind = API_BLOCK_NUMBER;
	out->number = num;
	return DURE_OK;
}

int ethjson_get_block_number(const json_t *v, api_block_id *out, api_err *e)
{
	memset(out, 0, sizeof *out);
	if (!json_is_string(v)) {
		/* geth hands the raw JSON text to DecodeUint64. */
		api_errf(e, "hex string without 0x prefix");
		return DURE_EINVAL;
	}
	int err = block_number_text(json_string_value(v), json_string_length(v),
	                            out, e);
	if (err)
		memset(out, 0, sizeof *out);
	return err;
}

static int block_id_object(const json_t *v, api_block_id *out, api_err *e)
{
	const json_t *num = json_object_get(v, "blockNumber");
	const json_t *hash = json_object_get(v, "blockHash");
	const json_t *canon = json_object_get(v, "requireCanonical");
	if (json_is_null(num))
		num = NULL;
	if (json_is_null(hash))
		hash = NULL;
	if (num && hash) {
		api_errf(e, "cannot specify both BlockHash and BlockNumber, choose "
		            "one or the other");
		return DURE_EINVAL;
	}
	if (!num && !hash) {
		api_errf(e, "invalid arguments; neither block nor hash specified");
		return DURE_EINVAL;
	}
	if (canon && !json_is_null(canon) &&
	    ethjson_get_bool(canon, &out->require_canonical, e))
		return DURE_EINVAL;
	if (num)
		return ethjson_get_block_number(num, out, e);
	out->kind = API_BLOCK_HASH;
	bool rc = out->require_canonical;
	int err = ethjson_get_hash(hash, &out->hash, e);
	out->require_canonical = rc;
	return err;
}

int ethjson_get_block_id(const json_t *v, api_block_id *out, api_err *e)
{
	memset(out, 0, sizeof *out);
	int err;
	if (json_is_object(v))
		err = block_id_object(v, out, e);
	else if (json_is_string(v) && json_string_length(v) == 66) {
		out->kind = API_BLOCK_HASH;
		err = ethjson_get_hash(v, &out->hash, e);
	} else if (json_is_string(v))
		err = block_number_text(json_string_value(v), json_string_length(v),
		                        out, e);
	else {
		api_errf(e, "json: cannot unmarshal %s into Go value of type string",
		         json_is_array(v) ? "array" : json_is_number(v) ? "number"
		                          : json_is_boolean(v) ? "bool" : "null");
		err = DURE_EINVAL;
	}
	if (err)
		memset(out, 0, sizeof *out);
	return err;
}

/* ---- the resolver ---- */

static int resolve_hash(store *s, db_txn *t, const api_block_id *id,
                        h256 *hash)
{
	int err;
	h256 head;
	uint64_t head_num, num;
	switch (id->kind) {
	case API_BLOCK_LATEST:
	case API_BLOCK_PENDING:
	case API_BLOCK_SAFE:
	case API_BLOCK_FINALIZED:
		return store_head(s, t, hash);
	case API_BLOCK_EARLIEST:
		return store_canonical(s, t, 0, hash);
	case API_BLOCK_NUMBER:
		/* The canonical index may keep entries above a head that a reorg
		 * shortened; the head bounds what is canonical. */
		if ((err = store_head(s, t, &head)) != 0 ||
		    (err = store_number(s, t, &head, &head_num)) != 0)
			return err;
		if (id->number > head_num)
			return DURE_ENOTFOUND;
		return store_canonical(s, t, id->number, hash);
	case API_BLOCK_HASH:
		*hash = id->hash;
		if (!id->require_canonical)
			return DURE_OK;
		h256 canon;
		if ((err = store_number(s, t, &id->hash, &num)) != 0 ||
		    (err = store_canonical(s, t, num, &canon)) != 0)
			return err;
		return h256_eq(&canon, &id->hash) ? DURE_OK : DURE_ENOTFOUND;
	}
	return DURE_EINVAL;
}

int api_block_resolve(api_ctx *ctx, db_txn *t, const api_block_id *id,
                      header *h, h256 *hash)
{
	store *s = blockchain_store(ctx->bc);
	int err = resolve_hash(s, t, id, hash);
	if (!err)
		err = store_header(s, t, hash, h);
	if (err) {
		memset(h, 0, sizeof *h);
		memset(hash, 0, sizeof *hash);
	}
	return err;
}

/* ---- encoders ---- */

json_t *ethjson_u64(uint64_t v)
{
	char s[24];
	snprintf(s, sizeof s, "0x%" PRIx64, v);
	return json_string(s);
}

json_t *ethjson_u256(const u256 *v)
{
	char s[67];
	u256_to_hex(v, s);
	return json_string(s);
}

json_t *ethjson_data(const uint8_t *p, size_t n)
{
	char *s = hex_encode_0x(p, n);
	if (!s)
		return NULL;
	json_t *j = json_stringn_nocheck(s, 2 * n + 2);
	free(s);
	return j;
}

json_t *ethjson_address(const address *a)
{
	return ethjson_data(a->b, 20);
}

json_t *ethjson_hash(const h256 *h)
{
	return ethjson_data(h->b, 32);
}

/* Sets o[k] = v, stealing v; false once anything failed (o NULL, v NULL,
 * no memory), so a builder checks once at the end. */
static bool put(json_t *o, const char *k, json_t *v, bool ok)
{
	if (!ok || !o || !v) {
		json_decref(v);
		return false;
	}
	return json_object_set_new(o, k, v) == 0;
}

static json_t *opt_hash(const h256 *h)
{
	return h ? ethjson_hash(h) : json_null();
}

static json_t *access_list_json(const tx *t)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < t->access_list_len; i++) {
		const tx_access *ac = &t->access_list[i];
		json_t *keys = json_array();
		for (size_t k = 0; keys && k < ac->nkeys; k++)
			if (json_array_append_new(keys, ethjson_hash(&ac->keys[k]))) {
				json_decref(keys);
				keys = NULL;
			}
		json_t *o = json_object();
		bool ok = put(o, "address", ethjson_address(&ac->addr), true);
		ok = put(o, "storageKeys", keys, ok);
		if (!ok || json_array_append_new(a, o)) {
			if (!ok)
				json_decref(o);
			json_decref(a);
			a = NULL;
		}
	}
	return a;
}

static json_t *hashes_json(const h256 *h, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, ethjson_hash(&h[i]))) {
			json_decref(a);
			a = NULL;
		}
	return a;
}

u256 ethjson_effective_gas_price(const tx *t, const u256 *base_fee)
{
	if (t->type == TX_LEGACY || t->type == TX_ACCESS_LIST)
		return t->gas_price;
	if (!base_fee)
		return t->max_fee;
	u256 p;
	if (u256_add_overflow(&p, base_fee, &t->max_priority_fee) ||
	    u256_gt(&p, &t->max_fee))
		return t->max_fee;
	return p;
}

void ethjson_create_address(const address *sender, uint64_t nonce,
                            address *out)
{
	uint8_t raw[40];
	buf b = {raw, 0, sizeof raw, false};
	size_t m = rlp_list_begin(&b);
	rlp_put_bytes(&b, sender->b, 20);
	rlp_put_u64(&b, nonce);
	rlp_list_end(&b, m);
	/* At most 1 + 21 + 9 bytes: the stack buffer never grows. */
	uint8_t h[32];
	keccak256(b.data, b.len, h);
	memcpy(out->b, h + 12, 20);
}

int ethjson_tx(const tx *t, const h256 *hash, const address *from,
               const api_tx_loc *loc, json_t **out)
{
	*out = NULL;
	h256 hh;
	if (!hash) {
		int err = tx_hash(t, &hh);
		if (err)
			return err;
		hash = &hh;
	}
	bool fee_market = t->type == TX_DYNAMIC_FEE || t->type == TX_BLOB;
	bool typed = t->type != TX_LEGACY;
	const u256 *base_fee = loc && loc->h->has_base_fee ? &loc->h->base_fee
	                                                  : NULL;
	u256 price = ethjson_effective_gas_price(t, base_fee);

	json_t *o = json_object();
	bool ok = put(o, "blockHash", opt_hash(loc ? loc->block_hash : NULL),
	              true);
	ok = put(o, "blockNumber", loc ? ethjson_u64(loc->h->number)
	                               : json_null(), ok);
	ok = put(o, "from", ethjson_address(from), ok);
	ok = put(o, "gas", ethjson_u64(t->gas_limit), ok);
	ok = put(o, "gasPrice", ethjson_u256(&price), ok);
	if (fee_market) {
		ok = put(o, "maxFeePerGas", ethjson_u256(&t->max_fee), ok);
		ok = put(o, "maxPriorityFeePerGas",
		         ethjson_u256(&t->max_priority_fee), ok);
	}
	if (t->type == TX_BLOB)
		ok = put(o, "maxFeePerBlobGas",
		         ethjson_u256(&t->max_fee_per_blob_gas), ok);
	ok = put(o, "hash", ethjson_hash(hash), ok);
	ok = put(o, "input", ethjson_data(t->data, t->data_size), ok);
	ok = put(o, "nonce", ethjson_u64(t->nonce), ok);
	ok = put(o, "to", t->has_to ? ethjson_address(&t->to) : json_null(), ok);
	ok = put(o, "transactionIndex", loc ? ethjson_u64(loc->index)
	                                    : json_null(), ok);
	ok = put(o, "value", ethjson_u256(&t->value), ok);
	ok = put(o, "type", ethjson_u64(t->type), ok);
	if (typed)
		ok = put(o, "accessList", access_list_json(t), ok);
	if (typed || t->has_chain_id) {
		u256 id = u256_from_u64(t->chain_id);
		ok = put(o, "chainId", ethjson_u256(&id), ok);
	}
	if (t->type == TX_BLOB)
		ok = put(o, "blobVersionedHashes",
		         hashes_json(t->blob_hashes, t->blob_hashes_len), ok);
	ok = put(o, "v", ethjson_u256(&t->v), ok);
	ok = put(o, "r", ethjson_u256(&t->r), ok);
	ok = put(o, "s", ethjson_u256(&t->s), ok);
	if (typed)
		ok = put(o, "yParity", ethjson_u256(&t->v), ok);
	if (!ok) {
		json_decref(o);
		return DURE_ENOMEM;
	}
	*out = o;
	return DURE_OK;
}

json_t *ethjson_log(const state_log *l, const api_log_loc *loc)
{
	json_t *o = json_object();
	bool ok = put(o, "address", ethjson_address(&l->addr), true);
	ok = put(o, "topics", hashes_json(l->topics, l->ntopics), ok);
	ok = put(o, "data", ethjson_data(l->data, l->data_size), ok);
	ok = put(o, "blockNumber", ethjson_u64(loc->block_number), ok);
	ok = put(o, "transactionHash", ethjson_hash(loc->tx_hash), ok);
	ok = put(o, "transactionIndex", ethjson_u64(loc->tx_index), ok);
	ok = put(o, "blockHash", ethjson_hash(loc->block_hash), ok);
	ok = put(o, "logIndex", ethjson_u64(loc->log_index), ok);
	ok = put(o, "removed", json_boolean(loc->removed), ok);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int ethjson_receipt(const receipt *r, const tx *t, const h256 *tx_hash,
                    const address *from, const api_tx_loc *loc,
                    uint64_t first_log_index, json_t **out)
{
	*out = NULL;
	const header *h = loc->h;
	u256 price = ethjson_effective_gas_price(t, h->has_base_fee ? &h->base_fee
	                                                          : NULL);
	json_t *logs = json_array();
	for (size_t i = 0; logs && i < r->nlogs; i++) {
		api_log_loc ll = {loc->block_hash, h->number, tx_hash, loc->index,
		                  first_log_index + i, false};
		if (json_array_append_new(logs, ethjson_log(&r->logs[i], &ll))) {
			json_decref(logs);
			logs = NULL;
		}
	}
	json_t *created = json_null();
	if (!t->has_to) {
		address ca;
		ethjson_create_address(from, t->nonce, &ca);
		created = ethjson_address(&ca);
	}

	json_t *o = json_object();
	bool ok = put(o, "blockHash", ethjson_hash(loc->block_hash), true);
	ok = put(o, "blockNumber", ethjson_u64(h->number), ok);
	ok = put(o, "transactionHash", ethjson_hash(tx_hash), ok);
	ok = put(o, "transactionIndex", ethjson_u64(loc->index), ok);
	ok = put(o, "from", ethjson_address(from), ok);
	ok = put(o, "to", t->has_to ? ethjson_address(&t->to) : json_null(), ok);
	ok = put(o, "cumulativeGasUsed", ethjson_u64(r->cumulative_gas), ok);
	ok = put(o, "gasUsed", ethjson_u64(r->gas_used), ok);
	ok = put(o, "contractAddress", created, ok);
	ok = put(o, "logs", logs, ok);
	ok = put(o, "logsBloom", ethjson_data(r->bloom, 256), ok);
	ok = put(o, "type", ethjson_u64(r->type), ok);
	ok = put(o, "effectiveGasPrice", ethjson_u256(&price), ok);
	if (r->has_post_state)
		ok = put(o, "root", ethjson_hash(&r->post_state), ok);
	else
		ok = put(o, "status", ethjson_u64(r->success), ok);
	if (t->type == TX_BLOB) {
		u256 bp = blob_base_fee(h->excess_blob_gas);
		ok = put(o, "blobGasUsed",
		         ethjson_u64((uint64_t)t->blob_hashes_len * GAS_PER_BLOB),
		         ok);
		ok = put(o, "blobGasPrice", ethjson_u256(&bp), ok);
	}
	if (!ok) {
		json_decref(o);
		return DURE_ENOMEM;
	}
	*out = o;
	return DURE_OK;
}

static json_t *withdrawals_json(const block *b)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < b->nwithdrawals; i++) {
		const withdrawal *w = &b->withdrawals[i];
		json_t *o = json_object();
		bool ok = put(o, "index", ethjson_u64(w->index), true);
		ok = put(o, "validatorIndex", ethjson_u64(w->validator), ok);
		ok = put(o, "address", ethjson_address(&w->addr), ok);
		ok = put(o, "amount", ethjson_u64(w->amount_gwei), ok);
		if (!ok || json_array_append_new(a, o)) {
			if (!ok)
				json_decref(o);
			json_decref(a);
			a = NULL;
		}
	}
	return a;
}

static int txs_json(const block *b, const h256 *hash, bool full,
                    const address *senders, json_t **out)
{
	*out = NULL;
	json_t *a = json_array();
	if (!a)
		return DURE_ENOMEM;
	for (size_t i = 0; i < b->ntxs; i++) {
		const tx *t = &b->txs[i];
		h256 th;
		int err = tx_hash(t, &th);
		json_t *item = NULL;
		if (!err && !full) {
			item = ethjson_hash(&th);
			err = item ? DURE_OK : DURE_ENOMEM;
		} else if (!err) {
			address from;
			if (senders)
				from = senders[i];
			else
				err = tx_sender(t, &from);
			api_tx_loc loc = {&b->h, hash, i};
			if (!err)
				err = ethjson_tx(t, &th, &from, &loc, &item);
		}
		if (!err && json_array_append_new(a, item))
			err = DURE_ENOMEM;
		if (err) {
			json_decref(a);
			return err;
		}
	}
	*out = a;
	return DURE_OK;
}

int ethjson_block(const block *b, const h256 *hash, const u256 *td,
                  bool full, const address *senders, json_t **out)
{
	*out = NULL;
	const header *h = &b->h;
	h256 hh;
	int err;
	if (!hash) {
		if ((err = header_hash(h, &hh)) != 0)
			return err;
		hash = &hh;
	}
	buf enc = BUF_INIT;
	err = block_encode(b, &enc);
	size_t size = enc.len;
	buf_free(&enc);
	if (err)
		return err;
	json_t *txs;
	if ((err = txs_json(b, hash, full, senders, &txs)) != 0)
		return err;
	json_t *uncles = json_array();
	for (size_t i = 0; uncles && i < b->nommers; i++) {
		h256 oh;
		if (header_hash(&b->ommers[i], &oh) ||
		    json_array_append_new(uncles, ethjson_hash(&oh))) {
			json_decref(uncles);
			uncles = NULL;
		}
	}

	json_t *o = json_object();
	bool ok = put(o, "number", ethjson_u64(h->number), true);
	ok = put(o, "hash", ethjson_hash(hash), ok);
	ok = put(o, "parentHash", ethjson_hash(&h->parent_hash), ok);
	ok = put(o, "nonce", ethjson_data(h->nonce, 8), ok);
	ok = put(o, "sha3Uncles", ethjson_hash(&h->ommers_hash), ok);
	ok = put(o, "logsBloom", ethjson_data(h->bloom, 256), ok);
	ok = put(o, "transactionsRoot", ethjson_hash(&h->tx_root), ok);
	ok = put(o, "stateRoot", ethjson_hash(&h->state_root), ok);
	ok = put(o, "receiptsRoot", ethjson_hash(&h->receipts_root), ok);
	ok = put(o, "miner", ethjson_address(&h->coinbase), ok);
	ok = put(o, "difficulty", ethjson_u256(&h->difficulty), ok);
	if (td)
		ok = put(o, "totalDifficulty", ethjson_u256(td), ok);
	ok = put(o, "extraData", ethjson_data(h->extra, h->extra_len), ok);
	ok = put(o, "size", ethjson_u64(size), ok);
	ok = put(o, "gasLimit", ethjson_u64(h->gas_limit), ok);
	ok = put(o, "gasUsed", ethjson_u64(h->gas_used), ok);
	ok = put(o, "timestamp", ethjson_u64(h->timestamp), ok);
	ok = put(o, "transactions", txs, ok);
	ok = put(o, "uncles", uncles, ok);
	ok = put(o, "mixHash", ethjson_hash(&h->mix_hash), ok);
	if (h->has_base_fee)
		ok = put(o, "baseFeePerGas", ethjson_u256(&h->base_fee), ok);
	if (h->has_withdrawals_root) {
		ok = put(o, "withdrawalsRoot", ethjson_hash(&h->withdrawals_root),
		         ok);
		ok = put(o, "withdrawals", withdrawals_json(b), ok);
	}
	if (h->has_blob_gas) {
		ok = put(o, "blobGasUsed", ethjson_u64(h->blob_gas_used), ok);
		ok = put(o, "excessBlobGas", ethjson_u64(h->excess_blob_gas), ok);
	}
	if (h->has_parent_beacon_root)
		ok = put(o, "parentBeaconBlockRoot",
		         ethjson_hash(&h->parent_beacon_root), ok);
	if (!ok) {
		json_decref(o);
		return DURE_ENOMEM;
	}
	*out = o;
	return DURE_OK;
}

/* Prefixes a refused member's message with its name. */
static int field_err(int err, const char *k, api_err *e)
{
	if (err == DURE_EINVAL) {
		api_err m = *e;
		api_errf(e, "%s: %s", k, m.msg);
	}
	return err;
}

int ethjson_get_u64_field(const json_t *o, const char *k, bool *has,
                          uint64_t *out, api_err *e)
{
	const json_t *f = json_object_get(o, k);
	*has = f && !json_is_null(f);
	return *has ? field_err(ethjson_get_u64(f, out, e), k, e) : DURE_OK;
}

int ethjson_get_u256_field(const json_t *o, const char *k, bool *has,
                           u256 *out, api_err *e)
{
	const json_t *f = json_object_get(o, k);
	*has = f && !json_is_null(f);
	return *has ? field_err(ethjson_get_u256(f, out, e), k, e) : DURE_OK;
}

int ethjson_get_access_list(const json_t *v, tx_access **list, size_t *n,
                            api_err *e)
{
	*list = NULL;
	*n = 0;
	if (!json_is_array(v) || json_array_size(v) > ETHJSON_ACCESS_ENTRIES_MAX) {
		api_errf(e, "accessList: expected an array of at most %d entries",
		         ETHJSON_ACCESS_ENTRIES_MAX);
		return DURE_EINVAL;
	}
	size_t count = json_array_size(v), total = 0;
	*list = calloc(count ? count : 1, sizeof **list);
	if (!*list)
		return DURE_ENOMEM;
	for (size_t i = 0; i < count; i++) {
		const json_t *en = json_array_get(v, i);
		const json_t *ks = json_object_get(en, "storageKeys");
		tx_access *a = &(*list)[i];
		*n = i + 1;
		int err = ethjson_get_address(json_object_get(en, "address"),
		                              &a->addr, e);
		if (err)
			return field_err(err, "accessList", e);
		if (ks && json_is_null(ks))
			ks = NULL;
		size_t nk = ks ? json_array_size(ks) : 0;
		if ((ks && !json_is_array(ks)) ||
		    (total += nk) > ETHJSON_ACCESS_KEYS_MAX) {
			api_errf(e, "accessList: storageKeys must be an array, at "
			            "most %d keys in all", ETHJSON_ACCESS_KEYS_MAX);
			return DURE_EINVAL;
		}
		a->keys = calloc(nk ? nk : 1, sizeof *a->keys);
		if (!a->keys)
			return DURE_ENOMEM;
		for (size_t k = 0; k < nk; k++) {
			err = ethjson_get_hash(json_array_get(ks, k), &a->keys[k], e);
			if (err)
				return field_err(err, "accessList", e);
			a->nkeys = k + 1;
		}
	}
	return DURE_OK;
}
