#include "api/eth_pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/eip712.h"
#include "api/ethjson.h"
#include "chain/call.h"
#include "chain/tx.h"
#include "consensus/pool_env.h"
#include "crypto/secp.h"
#include "store/store.h"
#include "txpool/txpool.h"

/* The tip eth_sendTransaction offers when the caller names none: 1 gwei,
 * what Anvil and Hardhat offer. */
#define DEFAULT_TIP 1000000000ull

const char *api_tx_error(int err)
{
	switch (err) {
	case DURE_EPOOL_NONCE_LOW:
	case DURE_ETR_NONCE:
		return "nonce too low";
	case DURE_EPOOL_NONCE_GAP:
		return "nonce too high";
	case DURE_ETR_FUNDS:
		return "insufficient funds for gas * price + value";
	case DURE_ETX_INTRINSIC_GAS:
		return "intrinsic gas too low";
	case DURE_EPOOL_UNDERPRICED:
		return "transaction underpriced";
	case DURE_EPOOL_REPLACE:
		return "replacement transaction underpriced";
	case DURE_EPOOL_GAS_LIMIT:
	case DURE_ETR_BLOCK_GAS:
		return "exceeds block gas limit";
	case DURE_EPOOL_KNOWN:
		return "already known";
	case DURE_ETR_BASE_FEE:
		return "max fee per gas less than block base fee";
	case DURE_ETX_CHAIN_ID:
		return "invalid chain id for signer";
	case DURE_ETX_TIP_ABOVE_MAX:
		return "max priority fee per gas higher than max fee per gas";
	case DURE_ETR_SENDER_CODE:
		return "sender not an eoa";
	case DURE_ESIG:
	case DURE_ETX_SIG_RANGE:
	case DURE_ETX_HIGH_S:
	case DURE_ETX_V:
		return "invalid sender";
	case DURE_ETX_TYPE:
	case DURE_ETX_TYPE_FORK:
		return "transaction type not supported";
	case DURE_EPOOL_SIZE:
		return "oversized data";
	case DURE_EPOOL_FULL:
		return "txpool is full";
	case DURE_ETX_INITCODE_SIZE:
		return "max initcode size exceeded";
	default:
		return dure_strerror(err);
	}
}

static void reply_tx_error(rpc_call *call, int err)
{
	rpc_reply_error(call, -32000, api_tx_error(err), NULL);
}

/* The head's state, with a dev node's edits, for the pool. */
typedef struct head_view {
	db_txn *t;
	header head;
	store_view v;
	state_backend flat, be;
	state_overlay scratch;
	txpool_env env;
} head_view;

static int head_open(api_ctx *c, head_view *hv)
{
	store *s = blockchain_store(c->bc);
	memset(hv, 0, sizeof *hv);
	int err = db_begin_read(store_db(s), &hv->t);
	if (err)
		return err;
	h256 hash;
	err = store_head(s, hv->t, &hash);
	if (!err)
		err = store_header(s, hv->t, &hash, &hv->head);
	hv->v = (store_view){s, hv->t};
	store_view_backend(&hv->v, &hv->flat);
	hv->be = hv->flat;
	if (c->head_overlay)
		c->head_overlay(c->overlay_ctx, &hv->flat, &hv->scratch, &hv->be);
	if (!err)
		err = c->pool_env ? c->pool_env(c->pool_env_ctx, &hv->head, &hv->be,
		                                &hv->env)
		                  : blockchain_pool_env(c->bc, &hv->head, &hv->be,
		                                        &hv->env);
	if (err) {
		db_abort(hv->t);
		hv->t = NULL;
	}
	return err;
}

static void head_close(head_view *hv)
{
	if (hv->t)
		db_abort(hv->t);
	hv->t = NULL;
}

/* Answers a pooled transaction: the submit hook first (automine), then
 * the hash. */
static void submitted(api_ctx *c, rpc_call *call, const txpool_result *r)
{
	int err = c->submitted ? c->submitted(c->submit_ctx, r) : DURE_OK;
	if (err) {
		rpc_reply_error(call, -32000, dure_strerror(err), NULL);
		return;
	}
	api_reply_json(call, ethjson_hash(&r->hash));
}

static void m_send_raw(rpc_call *call, json_t *params, void *ctx)
{
	api_ctx *c = ctx;
	api_err e;
	buf raw = BUF_INIT;
	int err = ethjson_params(params, 1, 1, &e);
	if (err) {
		api_reply_err(call, &e);
		return;
	}
	err = ethjson_get_data(ethjson_param(params, 0), ETHJSON_DATA_MAX, &raw,
	                       &e);
	if (err) {
		if (err == DURE_EINVAL) {
			api_err_arg(&e, 0);
			api_reply_err(call, &e);
		} else {
			api_reply_internal(call, err);
		}
		return;
	}
	head_view hv;
	err = head_open(c, &hv);
	txpool_result r;
	if (!err)
		err = txpool_add_raw(c->pool, &hv.env, raw.data, raw.len, &r);
	head_close(&hv);
	buf_free(&raw);
	if (err == DURE_ENOMEM || err == DURE_EDB || err == DURE_EDB_CORRUPT) {
		api_reply_internal(call, err);
		return;
	}
	if (err) {
		reply_tx_error(call, err);
		return;
	}
	submitted(c, call, &r);
}

/* The gas eth_sendTransaction gives a transaction that names none: the
 * least that succeeds on the head's state (eth_estimateGas at "latest",
 * in the head block's environment, as geth does). A message that cannot
 * succeed is refused with the reason, as geth's eth_sendTransaction. */
static int estimate_gas(api_ctx *c, head_view *hv, const tx *t,
                        const address *from, uint64_t *gas, api_err *e)
{
	const header *h = &hv->head;
	msgcall m = {
		.from = *from,
		.has_to = t->has_to,
		.to = t->to,
		.value = t->value,
		.data = t->data,
		.data_size = t->data_size,
		.access_list = t->access_list,
		.access_list_len = t->access_list_len,
	};
	if (t->type >= TX_DYNAMIC_FEE) {
		m.has_max_fee = m.has_max_priority_fee = true;
		m.max_fee = t->max_fee;
		m.max_priority_fee = t->max_priority_fee;
	} else {
		m.has_gas_price = true;
		m.gas_price = t->gas_price;
	}
	msgcall_env env = {
		.base = &hv->be,
		.block = {
			.coinbase = h->coinbase,
			.number = h->number,
			.timestamp = h->timestamp,
			.gas_limit = h->gas_limit,
			.base_fee = h->base_fee,
			.prev_randao = h->mix_hash,
			.excess_blob_gas = h->excess_blob_gas,
			.chain_id = hv->env.chain_id,
			.unlimited_code_size = hv->env.unlimited_code_size,
			.codes = blockchain_code_cache(c->bc),
		},
		.rev = chain_config_fork(blockchain_config(c->bc), h->number,
		                         h->timestamp),
	};
	msgcall_estimate_result r;
	int err = msgcall_estimate(&env, &m, &r);
	if (err) {
		api_errf(e, "%s", api_tx_error(err));
		return err == DURE_ENOMEM ? err : DURE_ERANGE;
	}
	if (r.status == EVM_SUCCESS)
		*gas = r.gas;
	else if (r.status == EVM_OUT_OF_GAS)
		api_errf(e, "gas required exceeds allowance (%llu)",
		         (unsigned long long)r.allowance);
	else
		api_errf(e, "execution reverted");
	err = r.status == EVM_SUCCESS ? DURE_OK : DURE_ERANGE;
	msgcall_estimate_result_free(&r);
	return err;
}

/* ---- transaction objects from clients ---- */

static const api_account *find_account(const api_ctx *c, const address *a)
{
	for (size_t i = 0; i < c->naccounts; i++)
		if (!memcmp(c->accounts[i].addr.b, a->b, sizeof a->b))
			return &c->accounts[i];
	return NULL;
}

/* A transaction object as eth_sendTransaction takes it, with the node's
 * defaults filled in from hv: nonce (the pool's next), chain id, fees
 * (EIP-1559 from London: tip 1 gwei, cap 2 * base fee + tip) and gas (the
 * estimate). *from is the sender. */
static int tx_from_json(api_ctx *c, head_view *hv, const json_t *o, tx *t,
                        address *from, api_err *e)
{
	memset(t, 0, sizeof *t);
	if (!json_is_object(o)) {
		api_errf(e, "invalid argument 0: expected a transaction object");
		return DURE_EINVAL;
	}
	if (ethjson_get_address(json_object_get(o, "from"), from, e)) {
		api_errf(e, "invalid argument 0: from: %s", e->msg);
		return DURE_EINVAL;
	}
	const json_t *to = json_object_get(o, "to");
	if (to && !json_is_null(to)) {
		if (ethjson_get_address(to, &t->to, e)) {
			api_errf(e, "invalid argument 0: to: %s", e->msg);
			return DURE_EINVAL;
		}
		t->has_to = true;
	}
	const json_t *input = json_object_get(o, "input");
	const json_t *data = json_object_get(o, "data");
	if (input && data && !json_equal(input, data)) {
		api_errf(e, "both \"data\" and \"input\" are set and not equal. "
		            "Please use \"input\" to pass transaction call data");
		return DURE_EINVAL;
	}
	if (!input || json_is_null(input))
		input = data;
	int err = DURE_OK;
	if (input && !json_is_null(input)) {
		buf b = BUF_INIT;
		err = ethjson_get_data(input, ETHJSON_DATA_MAX, &b, e);
		if (err) {
			if (err == DURE_EINVAL)
				api_errf(e, "invalid argument 0: input: %s", e->msg);
			return err;
		}
		t->data = b.data;
		t->data_size = b.len;
	}
	bool has_gas, has_price, has_max, has_tip, has_nonce, has_value,
		has_chain, has_type;
	uint64_t type = 0, chain_id = 0;
	if ((err = ethjson_get_u64_field(o, "gas", &has_gas, &t->gas_limit, e)) ||
	    (err = ethjson_get_u256_field(o, "gasPrice", &has_price, &t->gas_price, e)) ||
	    (err = ethjson_get_u256_field(o, "maxFeePerGas", &has_max, &t->max_fee, e)) ||
	    (err = ethjson_get_u256_field(o, "maxPriorityFeePerGas", &has_tip,
	                          &t->max_priority_fee, e)) ||
	    (err = ethjson_get_u64_field(o, "nonce", &has_nonce, &t->nonce, e)) ||
	    (err = ethjson_get_u256_field(o, "value", &has_value, &t->value, e)) ||
	    (err = ethjson_get_u64_field(o, "chainId", &has_chain, &chain_id, e)) ||
	    (err = ethjson_get_u64_field(o, "type", &has_type, &type, e))) {
		if (err == DURE_EINVAL)
			api_err_arg(e, 0);
		return err;
	}
	const json_t *al = json_object_get(o, "accessList");
	if (al && !json_is_null(al) &&
	    (err = ethjson_get_access_list(al, &t->access_list,
	                                   &t->access_list_len, e))) {
		if (err == DURE_EINVAL)
			api_err_arg(e, 0);
		return err;
	}
	if (has_chain && chain_id != hv->env.chain_id) {
		api_errf(e, "chainId does not match node's (have=%llu, want=%llu)",
		         (unsigned long long)chain_id,
		         (unsigned long long)hv->env.chain_id);
		return DURE_EINVAL;
	}
	if (has_price && (has_max || has_tip)) {
		api_errf(e, "both gasPrice and (maxFeePerGas or "
		            "maxPriorityFeePerGas) specified");
		return DURE_EINVAL;
	}
	bool london = hv->env.rev >= FORK_LONDON;
	if (has_type && type != TX_LEGACY && type != TX_ACCESS_LIST &&
	    type != TX_DYNAMIC_FEE) {
		api_errf(e, "transaction type %llu cannot be sent by the node",
		         (unsigned long long)type);
		return DURE_EINVAL;
	}
	if (has_type)
		t->type = (uint8_t)type;
	else if (has_price)
		t->type = al && !json_is_null(al) ? TX_ACCESS_LIST : TX_LEGACY;
	else
		t->type = london ? TX_DYNAMIC_FEE : TX_LEGACY;
	t->has_chain_id = true;
	t->chain_id = hv->env.chain_id;
	if (t->type == TX_DYNAMIC_FEE) {
		if (!has_tip)
			t->max_priority_fee = u256_from_u64(DEFAULT_TIP);
		if (!has_max) {
			u256 two = u256_from_u64(2), cap;
			cap = u256_mul(&hv->env.base_fee, &two);
			if (u256_add_overflow(&t->max_fee, &cap, &t->max_priority_fee))
				return DURE_ERANGE;
		}
	} else if (!has_price) {
		u256 tip = u256_from_u64(DEFAULT_TIP);
		if (u256_add_overflow(&t->gas_price, &hv->env.base_fee, &tip))
			return DURE_ERANGE;
	}
	if (!has_nonce &&
	    (err = txpool_next_nonce(c->pool, &hv->env, from, &t->nonce)))
		return err;
	if (!has_gas) {
		err = estimate_gas(c, hv, t, from, &t->gas_limit, e);
		if (err)
			return err;
	}
	return DURE_OK;
}

/* Parses and signs a transaction object of an unlocked account, or, with
 * allow_imp, gives an impersonated sender's its placeholder signature. */
static int sign_request(api_ctx *c, rpc_call *call, json_t *params,
                        head_view *hv, tx *t, address *from, bool allow_imp)
{
	api_err e;
	int err = ethjson_params(params, 1, 1, &e);
	if (!err)
		err = head_open(c, hv);
	if (err) {
		if (err == DURE_EINVAL)
			api_reply_err(call, &e);
		else
			api_reply_internal(call, err);
		return err;
	}
	err = tx_from_json(c, hv, ethjson_param(params, 0), t, from, &e);
	const api_account *acct = err ? NULL : find_account(c, from);
	bool imp = !err && !acct && allow_imp && c->impersonated &&
	           c->impersonated(c->imp_ctx, from);
	if (!err && !acct && !imp)
		err = DURE_EKEY;
	if (!err && imp)
		tx_placeholder_sign(t);
	else if (!err)
		err = tx_sign(t, acct->key);
	if (err) {
		if (err == DURE_EINVAL)
			api_reply_err(call, &e);
		else if (err == DURE_EKEY)
			rpc_reply_error(call, -32000, "unknown account", NULL);
		else if (err == DURE_ERANGE)
			rpc_reply_error(call, -32000, e.msg, NULL);
		else
			api_reply_internal(call, err);
		head_close(hv);
		tx_free(t);
	}
	return err;
}

static void m_send_tx(rpc_call *call, json_t *params, void *ctx)
{
	api_ctx *c = ctx;
	head_view hv;
	tx t;
	address from;
	if (sign_request(c, call, params, &hv, &t, &from, true))
		return;
	txpool_result r;
	int err = txpool_add(c->pool, &hv.env, &t, &from, NULL, 0, &r);
	head_close(&hv);
	tx_free(&t);
	if (err == DURE_ENOMEM || err == DURE_EDB) {
		api_reply_internal(call, err);
		return;
	}
	if (err) {
		reply_tx_error(call, err);
		return;
	}
	submitted(c, call, &r);
}

static void m_sign_tx(rpc_call *call, json_t *params, void *ctx)
{
	api_ctx *c = ctx;
	head_view hv;
	tx t;
	address from;
	if (sign_request(c, call, params, &hv, &t, &from, false))
		return;
	head_close(&hv);
	buf enc = BUF_INIT;
	int err = tx_encode(&t, &enc);
	tx_free(&t);
	if (err)
		api_reply_internal(call, err);
	else
		api_reply_json(call, ethjson_data(enc.data, enc.len));
	buf_free(&enc);
}

/* ---- message signatures ---- */

/* r || s || v with v 27 or 28, as eth_sign answers. */
static void reply_signature(rpc_call *call, const api_account *a,
                            const h256 *digest)
{
	uint8_t sig[65];
	int recid;
	int err = secp_sign(a->key, digest->b, sig, &recid);
	if (err) {
		api_reply_internal(call, err);
		return;
	}
	sig[64] = (uint8_t)(27 + recid);
	api_reply_json(call, ethjson_data(sig, sizeof sig));
}

/* eth_sign(address, data) and personal_sign(data, address). */
static void sign_message(rpc_call *call, json_t *params, void *ctx,
                         unsigned addr_at)
{
	api_ctx *c = ctx;
	api_err e;
	address a;
	buf msg = BUF_INIT;
	int err = ethjson_params(params, 2, 3, &e);
	if (!err && (err = ethjson_get_address(ethjson_param(params, addr_at),
	                                       &a, &e)))
		api_err_arg(&e, addr_at);
	if (!err && (err = ethjson_get_data(ethjson_param(params, 1 - addr_at),
	                                    ETHJSON_DATA_MAX, &msg, &e)) &&
	    err == DURE_EINVAL)
		api_err_arg(&e, 1 - addr_at);
	if (err) {
		buf_free(&msg);
		if (err == DURE_EINVAL)
			api_reply_err(call, &e);
		else
			api_reply_internal(call, err);
		return;
	}
	const api_account *acct = find_account(c, &a);
	h256 digest;
	eip191_hash(msg.data, msg.len, &digest);
	buf_free(&msg);
	if (!acct) {
		rpc_reply_error(call, -32000, "unknown account", NULL);
		return;
	}
	reply_signature(call, acct, &digest);
}

static void m_eth_sign(rpc_call *call, json_t *params, void *ctx)
{
	sign_message(call, params, ctx, 0);
}

static void m_personal_sign(rpc_call *call, json_t *params, void *ctx)
{
	sign_message(call, params, ctx, 1);
}

static void m_sign_typed(rpc_call *call, json_t *params, void *ctx)
{
	api_ctx *c = ctx;
	api_err e;
	address a;
	int err = ethjson_params(params, 2, 2, &e);
	if (!err && (err = ethjson_get_address(ethjson_param(params, 0), &a, &e)))
		api_err_arg(&e, 0);
	if (err) {
		api_reply_err(call, &e);
		return;
	}
	/* Clients send the typed data as an object or as its JSON text. */
	const json_t *td = ethjson_param(params, 1);
	json_t *parsed = NULL;
	if (json_is_string(td)) {
		json_error_t je;
		parsed = json_loadb(json_string_value(td), json_string_length(td),
		                    JSON_REJECT_DUPLICATES, &je);
		td = parsed;
	}
	h256 digest;
	err = td ? eip712_hash(td, &digest) : DURE_EJSON;
	json_decref(parsed);
	if (err) {
		api_errf(&e, "invalid argument 1: malformed typed data");
		api_reply_err(call, &e);
		return;
	}
	const api_account *acct = find_account(c, &a);
	if (!acct) {
		rpc_reply_error(call, -32000, "unknown account", NULL);
		return;
	}
	reply_signature(call, acct, &digest);
}

static void m_accounts(rpc_call *call, json_t *params, void *ctx)
{
	(void)params;
	api_ctx *c = ctx;
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < c->naccounts; i++)
		if (json_array_append_new(arr, ethjson_address(&c->accounts[i].addr))) {
			json_decref(arr);
			arr = NULL;
		}
	api_reply_json(call, arr);
}

/* ---- the pool's contents ---- */

static void m_txpool_status(rpc_call *call, json_t *params, void *ctx)
{
	(void)params;
	api_ctx *c = ctx;
	api_reply_json(call, json_pack("{s:o,s:o}", "pending",
	                               ethjson_u64(txpool_pending_count(c->pool)),
	                               "queued",
	                               ethjson_u64(txpool_queued_count(c->pool))));
}

typedef struct content_walk {
	json_t *by_sender;       /* sender -> nonce -> value */
	bool inspect;
} content_walk;

static int content_add(void *ctx, const txpool_entry *en)
{
	content_walk *w = ctx;
	char sender[43], nonce[24];
	json_t *a = ethjson_address(&en->sender);
	if (!a)
		return DURE_ENOMEM;
	snprintf(sender, sizeof sender, "%s", json_string_value(a));
	json_decref(a);
	snprintf(nonce, sizeof nonce, "%llu", (unsigned long long)en->tx.nonce);
	json_t *m = json_object_get(w->by_sender, sender);
	if (!m && (json_object_set_new(w->by_sender, sender, json_object()) ||
	           !(m = json_object_get(w->by_sender, sender))))
		return DURE_ENOMEM;
	json_t *v;
	if (w->inspect) {
		char line[256], to[43] = "contract creation", val[80], price[80];
		if (en->tx.has_to) {
			json_t *t = ethjson_address(&en->tx.to);
			if (!t)
				return DURE_ENOMEM;
			snprintf(to, sizeof to, "%s", json_string_value(t));
			json_decref(t);
		}
		u256 p = en->tx.type >= TX_DYNAMIC_FEE ? en->tx.max_fee
		                                       : en->tx.gas_price;
		u256_to_dec(&en->tx.value, val);
		u256_to_dec(&p, price);
		snprintf(line, sizeof line, "%s: %s wei + %llu gas × %s wei", to, val,
		         (unsigned long long)en->tx.gas_limit, price);
		v = json_string(line);
	} else if (ethjson_tx(&en->tx, &en->hash, &en->sender, NULL, &v)) {
		v = NULL;
	}
	if (!v || json_object_set_new(m, nonce, v))
		return DURE_ENOMEM;
	return DURE_OK;
}

static void pool_content(rpc_call *call, api_ctx *c, bool inspect)
{
	content_walk pend = {json_object(), inspect};
	content_walk queue = {json_object(), inspect};
	int err = pend.by_sender && queue.by_sender ? DURE_OK : DURE_ENOMEM;
	if (!err)
		err = txpool_foreach_pending(c->pool, content_add, &pend);
	if (!err)
		err = txpool_foreach_queued(c->pool, content_add, &queue);
	if (err) {
		json_decref(pend.by_sender);
		json_decref(queue.by_sender);
		api_reply_internal(call, err);
		return;
	}
	api_reply_json(call, json_pack("{s:o,s:o}", "pending", pend.by_sender,
	                               "queued", queue.by_sender));
}

static void m_txpool_content(rpc_call *call, json_t *params, void *ctx)
{
	(void)params;
	pool_content(call, ctx, false);
}

static void m_txpool_inspect(rpc_call *call, json_t *params, void *ctx)
{
	(void)params;
	pool_content(call, ctx, true);
}

int api_eth_pool_register(rpc_registry *reg, api_ctx *ctx)
{
	static const rpc_method methods[] = {
		{"eth_sendRawTransaction", m_send_raw},
		{"eth_sendTransaction", m_send_tx},
		{"eth_signTransaction", m_sign_tx},
		{"eth_sign", m_eth_sign},
		{"personal_sign", m_personal_sign},
		{"eth_signTypedData_v4", m_sign_typed},
		{"eth_accounts", m_accounts},
		{"txpool_status", m_txpool_status},
		{"txpool_content", m_txpool_content},
		{"txpool_inspect", m_txpool_inspect},
	};
	return rpc_register_all(reg, methods, sizeof methods / sizeof *methods,
	                        ctx);
}
