/* Loading one GeneralStateTests case from its JSON.
 *
 * A file maps test names to
 *   {env, pre: {addr: {balance, nonce, code, storage}},
 *    transaction: {data[], gasLimit[], value[], nonce, to, secretKey, sender,
 *                  gasPrice | maxFeePerGas + maxPriorityFeePerGas,
 *                  accessLists[], blobVersionedHashes, maxFeePerBlobGas},
 *    post: {Fork: [{indexes: {data, gas, value}, hash, logs,
 *                   expectException?}]}};
 * this module reads env, pre and transaction; the runners read post. */
#include "tools/statetest.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "crypto/keccak.h"

static int fail_field(statetest_bad *b, const char *field, int err)
{
	b->field = field;
	b->err = err;
	return err;
}

/* Numbers are hex or decimal strings; "0x:bigint 0x..." marks one that may
 * be too large for any field. Well-formed but above 2^256-1 is ERANGE. */
static int num_u256(json_t *v, u256 *out)
{
	*out = U256_ZERO;
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = u256_from_u64((uint64_t)json_integer_value(v));
		return DURE_OK;
	}
	if (!json_is_string(v))
		return DURE_EJSON;
	const char *s = json_string_value(v);
	static const char bigint[] = "0x:bigint ";
	if (strncmp(s, bigint, sizeof bigint - 1) == 0)
		s += sizeof bigint - 1;
	if (u256_from_string(s, out) == 0)
		return DURE_OK;
	*out = U256_ZERO;
	bool is_hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	const char *digits = is_hex ? s + 2 : s;
	size_t n = strlen(digits);
	if (n == 0 || strspn(digits, is_hex ? "0123456789abcdefABCDEF"
	                                   : "0123456789") != n)
		return DURE_EJSON;
	return DURE_ERANGE;
}

/* Numbers too large for their field are ERANGE, not malformed: some
 * fixtures give them on purpose, expecting the transaction to be rejected. */
static int num_u64(json_t *v, uint64_t *out)
{
	*out = 0;
	u256 x;
	int err = num_u256(v, &x);
	if (err)
		return err;
	if (!u256_fits_u64(&x))
		return DURE_ERANGE;
	*out = x.w[0];
	return DURE_OK;
}

static int field_u256(json_t *o, const char *key, u256 *out, statetest_bad *b)
{
	int err = num_u256(json_object_get(o, key), out);
	return err ? fail_field(b, key, err) : DURE_OK;
}

int statetest_field_u64(json_t *o, const char *key, uint64_t *out,
                        statetest_bad *b)
{
	int err = num_u64(json_object_get(o, key), out);
	return err ? fail_field(b, key, err) : DURE_OK;
}

static int str_bytes(json_t *v, buf *out)
{
	if (!json_is_string(v))
		return DURE_EJSON;
	const char *s = json_string_value(v);
	return hex_decode(s, strlen(s), out);
}

static int str_fixed(json_t *v, uint8_t *out, size_t n)
{
	if (!json_is_string(v))
		return DURE_EJSON;
	return hex_decode_exact(json_string_value(v), out, n);
}

int statetest_field_fixed(json_t *o, const char *key, uint8_t *out, size_t n,
                          statetest_bad *b)
{
	int err = str_fixed(json_object_get(o, key), out, n);
	return err ? fail_field(b, key, err) : DURE_OK;
}

/* ---- env and pre ---- */

static h256 fixture_block_hash(void *ctx, uint64_t number)
{
	/* The hash the fixtures were filled with: keccak of the decimal
	 * block number. */
	char dec[24];
	int n = snprintf(dec, sizeof dec, "%" PRIu64, number);
	h256 h;
	keccak256((const uint8_t *)dec, (size_t)n, h.b);
	return h;
}

static int load_env(json_t *env, fork rev, block_env *out, statetest_bad *b)
{
	out->chain_id = 1;
	out->block_hash = fixture_block_hash;
	int err;
	if ((err = statetest_field_fixed(env, "currentCoinbase",
	                                 out->coinbase.b, 20, b)) ||
	    (err = statetest_field_u64(env, "currentNumber", &out->number,
	                               b)) ||
	    (err = statetest_field_u64(env, "currentTimestamp", &out->timestamp,
	                               b)) ||
	    (err = statetest_field_u64(env, "currentGasLimit", &out->gas_limit,
	                               b)))
		return err;
	if (json_object_get(env, "currentBaseFee") &&
	    (err = field_u256(env, "currentBaseFee", &out->base_fee, b)))
		return err;
	if (json_object_get(env, "currentExcessBlobGas") &&
	    (err = statetest_field_u64(env, "currentExcessBlobGas",
	                               &out->excess_blob_gas, b)))
		return err;
	if (rev >= FORK_PARIS && json_object_get(env, "currentRandom"))
		return statetest_field_fixed(env, "currentRandom",
		                             out->prev_randao.b, 32, b);
	u256 diff;
	if ((err = field_u256(env, "currentDifficulty", &diff, b)))
		return err;
	u256_to_be(&diff, out->prev_randao.b);
	return DURE_OK;
}

int statetest_env(json_t *env, fork rev, block_env *out, statetest_bad *b)
{
	memset(out, 0, sizeof *out);
	int err = load_env(env, rev, out, b);
	if (err)
		memset(out, 0, sizeof *out);
	return err;
}

int statetest_pre(json_t *pre, state **out, statetest_bad *b)
{
	*out = NULL;
	state *st;
	int err = state_new(&st);
	if (err)
		return err;
	if (!json_is_object(pre)) {
		state_free(st);
		return fail_field(b, "pre", DURE_EJSON);
	}
	buf code = BUF_INIT;
	const char *key;
	json_t *acct;
	json_object_foreach(pre, key, acct) {
		address a;
		u256 bal;
		uint64_t nonce;
		err = hex_decode_exact(key, a.b, 20);
		if (err) {
			fail_field(b, "pre address", err);
			break;
		}
		buf_reset(&code);
		if ((err = field_u256(acct, "balance", &bal, b)) ||
		    (err = statetest_field_u64(acct, "nonce", &nonce, b)))
			break;
		if ((err = str_bytes(json_object_get(acct, "code"), &code))) {
			fail_field(b, "code", err);
			break;
		}
		state_create_account(st, &a);
		state_set_balance(st, &a, &bal);
		state_set_nonce(st, &a, nonce);
		if (code.len)
			state_set_code(st, &a, code.data, code.len);
		json_t *storage = json_object_get(acct, "storage");
		const char *skey;
		json_t *sval;
		json_object_foreach(storage, skey, sval) {
			u256 k, v;
			if (u256_from_string(skey, &k) || num_u256(sval, &v)) {
				err = fail_field(b, "storage", DURE_EJSON);
				break;
			}
			state_set_storage(st, &a, &k, &v);
		}
		if (err)
			break;
	}
	buf_free(&code);
	state_end_tx(st, false);
	if (!err && state_failed(st))
		err = DURE_ENOMEM;
	if (err) {
		state_free(st);
		return err;
	}
	*out = st;
	return DURE_OK;
}

/* ---- the transaction ---- */

/* The 32-byte hex strings of arr into *out (owned by the transaction,
 * freed with it, NULL when arr is empty or absent) and their count. */
static int hash_array(json_t *arr, const char *field, h256 **out,
                      size_t *len, statetest_bad *b)
{
	size_t n = json_array_size(arr);
	if (n == 0)
		return DURE_OK;
	*out = calloc(n, sizeof **out);
	if (!*out)
		return DURE_ENOMEM;
	*len = n;
	for (size_t i = 0; i < n; i++)
		if (str_fixed(json_array_get(arr, i), (*out)[i].b, 32))
			return fail_field(b, field, DURE_EJSON);
	return DURE_OK;
}

static int load_access_list(json_t *list, tx *t, statetest_bad *b)
{
	size_t n = json_array_size(list);
	if (!json_is_array(list))
		return fail_field(b, "accessLists", DURE_EJSON);
	if (n == 0)
		return DURE_OK;
	t->access_list = calloc(n, sizeof *t->access_list);
	if (!t->access_list)
		return DURE_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(list, i);
		tx_access *acc = &t->access_list[i];
		t->access_list_len = i + 1;
		if (str_fixed(json_object_get(e, "address"), acc->addr.b, 20))
			return fail_field(b, "accessLists address", DURE_EJSON);
		int err = hash_array(json_object_get(e, "storageKeys"), "storageKeys",
		                     &acc->keys, &acc->nkeys, b);
		if (err)
			return err;
	}
	return DURE_OK;
}

static int load_blobs(json_t *jt, tx *t, statetest_bad *b)
{
	int err = field_u256(jt, "maxFeePerBlobGas", &t->max_fee_per_blob_gas,
	                     b);
	if (err)
		return err;
	return hash_array(json_object_get(jt, "blobVersionedHashes"),
	                  "blobVersionedHashes", &t->blob_hashes,
	                  &t->blob_hashes_len, b);
}

int statetest_tx(json_t *jt, fork rev, size_t d, size_t g, size_t v, tx *t,
                 statetest_bad *b)
{
	memset(t, 0, sizeof *t);
	int err;
	json_t *data = json_array_get(json_object_get(jt, "data"), d);
	json_t *gas = json_array_get(json_object_get(jt, "gasLimit"), g);
	json_t *value = json_array_get(json_object_get(jt, "value"), v);
	if (!data)
		return fail_field(b, "data", DURE_EJSON);
	if ((err = num_u64(gas, &t->gas_limit)))
		return fail_field(b, "gasLimit", err);
	if ((err = num_u256(value, &t->value)))
		return fail_field(b, "value", err);
	if ((err = statetest_field_u64(jt, "nonce", &t->nonce, b)))
		return err;
	buf bytes = BUF_INIT;
	err = str_bytes(data, &bytes);
	if (err) {
		buf_free(&bytes);
		return fail_field(b, "data", err);
	}
	t->data = buf_steal(&bytes, &t->data_size);
	json_t *to = json_object_get(jt, "to");
	if (!json_is_string(to))
		return fail_field(b, "to", DURE_EJSON);
	t->has_to = json_string_length(to) > 0;
	if (t->has_to && (err = str_fixed(to, t->to.b, 20)))
		return fail_field(b, "to", err);

	json_t *lists = json_object_get(jt, "accessLists");
	json_t *list = json_array_get(lists, d);
	if (json_object_get(jt, "blobVersionedHashes") ||
	    json_object_get(jt, "maxFeePerBlobGas"))
		t->type = TX_BLOB;
	else if (json_object_get(jt, "maxFeePerGas"))
		t->type = TX_DYNAMIC_FEE;
	else if (list && !json_is_null(list))
		t->type = TX_ACCESS_LIST;
	else
		t->type = TX_LEGACY;
	if (t->type >= TX_DYNAMIC_FEE) {
		if ((err = field_u256(jt, "maxFeePerGas", &t->max_fee, b)) ||
		    (err = field_u256(jt, "maxPriorityFeePerGas",
		                      &t->max_priority_fee, b)))
			return err;
	} else if ((err = field_u256(jt, "gasPrice", &t->gas_price, b))) {
		return err;
	}
	if (list && !json_is_null(list) && (err = load_access_list(list, t, b)))
		return err;
	if (t->type == TX_BLOB && (err = load_blobs(jt, t, b)))
		return err;
	t->has_chain_id = t->type != TX_LEGACY || rev >= FORK_SPURIOUS;
	t->chain_id = 1;
	uint8_t key[32];
	if ((err = statetest_field_fixed(jt, "secretKey", key, 32, b)))
		return err;
	err = tx_sign(t, key);
	memset(key, 0, sizeof key);
	if (err == DURE_EKEY)
		return fail_field(b, "secretKey", err);
	/* Any other refusal to sign is a transaction that cannot exist on the
	 * wire (say, a blob tx without recipient): invalid, not malformed. */
	return err ? DURE_ERANGE : DURE_OK;
}


int statetest_sender(json_t *jt, const tx *t, address *out)
{
	json_t *js = json_object_get(jt, "sender");
	if (!js)
		return tx_sender(t, out);
	int err = str_fixed(js, out->b, 20);
	return err ? DURE_EJSON : DURE_OK;
}
