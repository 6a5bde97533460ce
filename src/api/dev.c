#include "api/dev.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/ethjson.h"
#include "store/store.h"
#include "txpool/txpool.h"

/* Code anvil_setCode takes at most: what a body can carry. */
#define SET_CODE_MAX ETHJSON_DATA_MAX

/* A number sent as a hex quantity or as a non-negative JSON integer. */
static int get_num(const json_t *v, uint64_t *out, api_err *e)
{
	if (json_is_integer(v)) {
		json_int_t n = json_integer_value(v);
		if (n < 0) {
			api_errf(e, "negative number");
			return DURE_EINVAL;
		}
		*out = (uint64_t)n;
		return DURE_OK;
	}
	return ethjson_get_u64(v, out, e);
}

static void reply_bad_arg(rpc_call *call, api_err *e, unsigned i)
{
	api_err_arg(e, i);
	api_reply_err(call, e);
}

/* The one parameter of a method, a number or a boolean; ok false when
 * it is not there or not one (the error is replied). */
typedef struct num_arg {
	bool ok;
	uint64_t v;
} num_arg;

static num_arg one_num(rpc_call *call, json_t *params)
{
	api_err e;
	num_arg r = {false, 0};
	if (ethjson_params(params, 1, 1, &e))
		api_reply_err(call, &e);
	else if (get_num(ethjson_param(params, 0), &r.v, &e))
		reply_bad_arg(call, &e, 0);
	else
		r.ok = true;
	return r;
}

static bool one_bool(rpc_call *call, json_t *params, bool *out)
{
	api_err e;
	if (ethjson_params(params, 1, 1, &e)) {
		api_reply_err(call, &e);
		return false;
	}
	if (ethjson_get_bool(ethjson_param(params, 0), out, &e)) {
		reply_bad_arg(call, &e, 0);
		return false;
	}
	return true;
}

/* Replies an error of the dev engine or the store. */
static void reply_dev_error(rpc_call *call, int err)
{
	if (err == DURE_EINVAL || err == DURE_ERANGE)
		rpc_reply_error(call, -32602, dure_strerror(err), NULL);
	else
		api_reply_internal(call, err);
}

/* ---- mining ---- */

static int mine_blocks(api_dev_ctx *c, uint64_t count, uint64_t interval,
                       uint64_t first_ts)
{
	uint64_t ts = first_ts;
	for (uint64_t i = 0; i < count; i++) {
		int err = dev_mine(c->d, ts, NULL);
		if (err)
			return err;
		if (ts && interval) {
			if (ts > UINT64_MAX - interval)
				return DURE_ERANGE;
			ts += interval;
		} else if (interval && i + 1 < count) {
			/* The next block interval seconds after this one. */
			header h;
			h256 hash;
			if ((err = blockchain_head(c->api->bc, &h, &hash)))
				return err;
			if (h.timestamp > UINT64_MAX - interval)
				return DURE_ERANGE;
			ts = h.timestamp + interval;
		}
	}
	return DURE_OK;
}

static void m_evm_mine(rpc_call *call, json_t *params, void *ctx)
{
	api_dev_ctx *c = ctx;
	api_err e;
	int err = ethjson_params(params, 0, 1, &e);
	if (err) {
		api_reply_err(call, &e);
		return;
	}
	uint64_t ts = 0, blocks = 1;
	const json_t *p = ethjson_param(params, 0);
	if (json_is_object(p)) {
		const json_t *t = json_object_get(p, "timestamp");
		const json_t *b = json_object_get(p, "blocks");
		if ((t && !json_is_null(t) && get_num(t, &ts, &e)) ||
		    (b && !json_is_null(b) && get_num(b, &blocks, &e))) {
			reply_bad_arg(call, &e, 0);
			return;
		}
	} else if (p && get_num(p, &ts, &e)) {
		reply_bad_arg(call, &e, 0);
		return;
	}
	if (blocks > API_DEV_MINE_MAX) {
		rpc_reply_error(call, -32602, "too many blocks", NULL);
		return;
	}
	err = mine_blocks(c, blocks, ts ? 1 : 0, ts);
	if (err)
		reply_dev_error(call, err);
	else
		api_reply_json(call, json_string("0x0"));
}

static void m_anvil_mine(rpc_call *call, json_t *params, void *ctx)
{
	api_dev_ctx *c = ctx;
	api_err e;
	uint64_t count = 1, interval = 0;
	int err = ethjson_params(params, 0, 2, &e);
	if (err) {
		api_reply_err(call, &e);
		return;
	}
	const json_t *p0 = ethjson_param(params, 0);
	const json_t *p1 = ethjson_param(params, 1);
	if (p0 && get_num(p0, &count, &e)) {
		reply_bad_arg(call, &e, 0);
		return;
	}
	if (p1 && get_num(p1, &interval, &e)) {
		reply_bad_arg(call, &e, 1);
		return;
	}
	if (count > API_DEV_MINE_MAX) {
		rpc_reply_error(call, -32602, "too many blocks", NULL);
		return;
	}
	err = mine_blocks(c, count, interval, 0);
	if (err)
		reply_dev_error(call, err);
	else
		rpc_reply(call, NULL);
}

static void m_set_automine(rpc_call *call, json_t *params, void *ctx)
{
	api_dev_ctx *c = ctx;
	bool on;
	if (!one_bool(call, params, &on))
		return;
	dev_set_automine(c->d, on);
	/* Turning automine on seals what waited in the pool, as Anvil does. */
	if (on && c->api->pool && txpool_pending_count(c->api->pool)) {
		int err = dev_mine(c->d, 0, NULL);
		if (err) {
			reply_dev_error(call, err);
			return;
		}
	}
	rpc_reply(call, NULL);
}

static void m_get_automine(rpc_call *call, json_t *params, void *ctx)
{
	(void)params;
	api_dev_ctx *c = ctx;
	rpc_reply(call, json_boolean(dev_automine(c->d)));
}

static void m_set_interval(rpc_call *call, json_t *params, void *ctx)
{
	api_dev_ctx *c = ctx;
	api_err e;
	uint64_t secs;
	if (ethjson_params(params, 1, 1, &e)) {
		api_reply_err(call, &e);
		return;
	}
	if (get_num(ethjson_param(params, 0), &secs, &e)) {
		reply_bad_arg(call, &e, 0);
		return;
	}
	if (c->set_interval)
		c->set_interval(c->interval_ctx, secs);
	rpc_reply(call, NULL);
}

/* ---- snapshots and time ---- */

static void m_snapshot(rpc_call *call, json_t *params, void *ctx)
{
	(void)params;
	api_dev_ctx *c = ctx;
	uint64_t id;
	int err = dev_snapshot(c->d, &id);
	if (err)
		reply_dev_error(call, err);
	else
		api_reply_json(call, ethjson_u64(id));
}

static void m_revert(rpc_call *call, json_t *params, void *ctx)
{
	api_dev_ctx *c = ctx;
	num_arg id = one_num(call, params);
	if (!id.ok)
		return;
	bool found;
	int err = dev_revert(c->d, id.v, &found);
	if (err)
		reply_dev_error(call, err);
	else
		rpc_reply(call, json_boolean(found));
}

static void m_increase_time(rpc_call *call, json_t *params, void *ctx)
{
	api_dev_ctx *c = ctx;
	num_arg secs = one_num(call, params);
	if (!secs.ok)
		return;
	int64_t total = dev_increase_time(c->d, secs.v);
	api_reply_json(call, json_integer((json_int_t)total));
}

static void m_set_next_ts(rpc_call *call, json_t *params, void *ctx)
{
	api_dev_ctx *c = ctx;
	num_arg ts = one_num(call, params);
	if (!ts.ok)
		return;
	int err = dev_set_next_timestamp(c->d, ts.v);
	if (err == DURE_EINVAL) {
		header h;
		h256 hash;
		char msg[160];
		if (blockchain_head(c->api->bc, &h, &hash))
			h.timestamp = 0;
		snprintf(msg, sizeof msg,
		         "timestamp %llu is not greater than the latest block's %llu",
		         (unsigned long long)ts.v, (unsigned long long)h.timestamp);
		rpc_reply_error(call, -32602, msg, NULL);
		return;
	}
	if (err)
		reply_dev_error(call, err);
	else
		rpc_reply(call, NULL);
}

/* ---- state edits ---- */

static int get_target(rpc_call *call, json_t *params, size_t nparams,
                      address *a)
{
	api_err e;
	if (ethjson_params(params, nparams, nparams, &e)) {
		api_reply_err(call, &e);
		return DURE_EINVAL;
	}
	if (ethjson_get_address(ethjson_param(params, 0), a, &e)) {
		reply_bad_arg(call, &e, 0);
		return DURE_EINVAL;
	}
	return DURE_OK;
}

static void m_set_balance(rpc_call *call, json_t *params, void *ctx)
{
	api_dev_ctx *c = ctx;
	address a;
	api_err e;
	u256 v;
	if (get_target(call, params, 2, &a))
		return;
	const json_t *p = ethjson_param(params, 1);
	uint64_t small = 0;
	int err = json_is_integer(p) ? get_num(p, &small, &e)
	                             : ethjson_get_u256(p, &v, &e);
	if (err) {
		reply_bad_arg(call, &e, 1);
		return;
	}
	if (json_is_integer(p))
		v = u256_from_u64(small);
	err = dev_set_balance(c->d, &a, &v);
	if (err)
		reply_dev_error(call, err);
	else
		rpc_reply(call, NULL);
}

static void m_set_code(rpc_call *call, json_t *params, void *ctx)
{
	api_dev_ctx *c = ctx;
	address a;
	api_err e;
	if (get_target(call, params, 2, &a))
		return;
	buf code = BUF_INIT;
	int err = ethjson_get_data(ethjson_param(params, 1), SET_CODE_MAX, &code,
	                           &e);
	if (err == DURE_EINVAL) {
		reply_bad_arg(call, &e, 1);
		return;
	}
	if (!err)
		err = dev_set_code(c->d, &a, code.data, code.len);
	buf_free(&code);
	if (err)
		reply_dev_error(call, err);
	else
		rpc_reply(call, NULL);
}

static void m_set_nonce(rpc_call *call, json_t *params, void *ctx)
{
	api_dev_ctx *c = ctx;
	address a;
	api_err e;
	uint64_t n;
	if (get_target(call, params, 2, &a))
		return;
	if (get_num(ethjson_param(params, 1), &n, &e)) {
		reply_bad_arg(call, &e, 1);
		return;
	}
	int err = dev_set_nonce(c->d, &a, n);
	if (err)
		reply_dev_error(call, err);
	else
		rpc_reply(call, NULL);
}

/* The slot as a quantity or as 32 bytes, the value as 32 bytes (Hardhat
 * requires it) or a quantity (Anvil takes both). */
static int get_word(const json_t *v, u256 *out, api_err *e)
{
	if (json_is_string(v) && json_string_length(v) == 66) {
		uint8_t b[32];
		int err = ethjson_get_fixed(v, b, 32, e);
		if (!err)
			*out = u256_from_be32(b);
		return err;
	}
	return ethjson_get_u256(v, out, e);
}

static void m_set_storage(rpc_call *call, json_t *params, void *ctx)
{
	api_dev_ctx *c = ctx;
	address a;
	api_err e;
	u256 key, value;
	if (get_target(call, params, 3, &a))
		return;
	if (get_word(ethjson_param(params, 1), &key, &e)) {
		reply_bad_arg(call, &e, 1);
		return;
	}
	if (get_word(ethjson_param(params, 2), &value, &e)) {
		reply_bad_arg(call, &e, 2);
		return;
	}
	int err = dev_set_storage(c->d, &a, &key, &value);
	if (err)
		reply_dev_error(call, err);
	else
		rpc_reply(call, json_true());
}

static void m_set_coinbase(rpc_call *call, json_t *params, void *ctx)
{
	api_dev_ctx *c = ctx;
	address a;
	if (get_target(call, params, 1, &a))
		return;
	dev_set_coinbase(c->d, &a);
	rpc_reply(call, NULL);
}

static void m_drop_tx(rpc_call *call, json_t *params, void *ctx)
{
	api_dev_ctx *c = ctx;
	api_err e;
	h256 h;
	if (ethjson_params(params, 1, 1, &e)) {
		api_reply_err(call, &e);
		return;
	}
	if (ethjson_get_hash(ethjson_param(params, 0), &h, &e)) {
		reply_bad_arg(call, &e, 0);
		return;
	}
	if (!c->api->pool || txpool_remove(c->api->pool, &h)) {
		rpc_reply(call, NULL);
		return;
	}
	api_reply_json(call, ethjson_hash(&h));
}

/* ---- what the next blocks get ---- */

static void m_set_block_gas_limit(rpc_call *call, json_t *params, void *ctx)
{
	api_dev_ctx *c = ctx;
	num_arg g = one_num(call, params);
	if (!g.ok)
		return;
	if (!g.v || dev_set_gas_limit(c->d, g.v)) {
		rpc_reply_error(call, -32602, "invalid block gas limit", NULL);
		return;
	}
	rpc_reply(call, json_true());
}

static void m_set_next_base_fee(rpc_call *call, json_t *params, void *ctx)
{
	api_dev_ctx *c = ctx;
	api_err e;
	u256 fee;
	if (ethjson_params(params, 1, 1, &e)) {
		api_reply_err(call, &e);
		return;
	}
	const json_t *p = ethjson_param(params, 0);
	uint64_t small = 0;
	int err = json_is_integer(p) ? get_num(p, &small, &e)
	                             : ethjson_get_u256(p, &fee, &e);
	if (err) {
		reply_bad_arg(call, &e, 0);
		return;
	}
	if (json_is_integer(p))
		fee = u256_from_u64(small);
	err = dev_set_next_base_fee(c->d, &fee);
	if (err == DURE_EINVAL)
		rpc_reply_error(call, -32602, "the chain has no base fee to set",
		                NULL);
	else if (err)
		reply_dev_error(call, err);
	else
		rpc_reply(call, NULL);
}

static void m_set_prev_randao(rpc_call *call, json_t *params, void *ctx)
{
	api_dev_ctx *c = ctx;
	api_err e;
	uint8_t b[32];
	if (ethjson_params(params, 1, 1, &e)) {
		api_reply_err(call, &e);
		return;
	}
	if (ethjson_get_fixed(ethjson_param(params, 0), b, 32, &e)) {
		reply_bad_arg(call, &e, 0);
		return;
	}
	h256 r;
	memcpy(r.b, b, 32);
	dev_set_next_randao(c->d, &r);
	rpc_reply(call, NULL);
}

/* A minimum gas price exists only without EIP-1559, which a dev chain
 * always has: refused as Anvil refuses it. */
static void m_set_min_gas_price(rpc_call *call, json_t *params, void *ctx)
{
	(void)params;
	(void)ctx;
	rpc_reply_error(call, -32602, "anvil_setMinGasPrice is not supported "
	                "when EIP-1559 is active", NULL);
}

/* anvil_reset([{forking}]): back to genesis; forking is not supported. */
static void m_reset(rpc_call *call, json_t *params, void *ctx)
{
	api_dev_ctx *c = ctx;
	api_err e;
	if (ethjson_params(params, 0, 1, &e)) {
		api_reply_err(call, &e);
		return;
	}
	const json_t *p = ethjson_param(params, 0);
	if (p && (!json_is_object(p) || json_object_get(p, "forking"))) {
		rpc_reply_error(call, -32602, "forking is not supported", NULL);
		return;
	}
	int err = dev_reset(c->d);
	if (err)
		reply_dev_error(call, err);
	else
		rpc_reply(call, NULL);
}

/* ---- impersonation ---- */

bool api_dev_impersonated(void *ctx, const address *a)
{
	const api_dev_ctx *c = ctx;
	if (c->auto_imp)
		return true;
	for (size_t i = 0; i < c->nimp; i++)
		if (!memcmp(c->imp[i].b, a->b, sizeof a->b))
			return true;
	return false;
}

void api_dev_free(api_dev_ctx *ctx)
{
	free(ctx->imp);
	ctx->imp = NULL;
	ctx->nimp = 0;
}

static void m_impersonate(rpc_call *call, json_t *params, void *ctx)
{
	api_dev_ctx *c = ctx;
	address a;
	if (get_target(call, params, 1, &a))
		return;
	for (size_t i = 0; i < c->nimp; i++)
		if (!memcmp(c->imp[i].b, a.b, sizeof a.b)) {
			rpc_reply(call, NULL);
			return;
		}
	if (c->nimp == API_DEV_IMPERSONATE_MAX) {
		rpc_reply_error(call, -32602, "too many impersonated accounts",
		                NULL);
		return;
	}
	address *g = realloc(c->imp, (c->nimp + 1) * sizeof *g);
	if (!g) {
		api_reply_internal(call, DURE_ENOMEM);
		return;
	}
	c->imp = g;
	c->imp[c->nimp++] = a;
	rpc_reply(call, NULL);
}

static void m_stop_impersonating(rpc_call *call, json_t *params, void *ctx)
{
	api_dev_ctx *c = ctx;
	address a;
	if (get_target(call, params, 1, &a))
		return;
	for (size_t i = 0; i < c->nimp; i++)
		if (!memcmp(c->imp[i].b, a.b, sizeof a.b)) {
			c->imp[i] = c->imp[--c->nimp];
			break;
		}
	rpc_reply(call, NULL);
}

static void m_auto_impersonate(rpc_call *call, json_t *params, void *ctx)
{
	api_dev_ctx *c = ctx;
	bool on;
	if (!one_bool(call, params, &on))
		return;
	c->auto_imp = on;
	rpc_reply(call, NULL);
}

/* ---- what tools probe ---- */

static void m_coinbase(rpc_call *call, json_t *params, void *ctx)
{
	(void)params;
	api_dev_ctx *c = ctx;
	api_reply_json(call, ethjson_address(dev_coinbase(c->d)));
}

static void m_listening(rpc_call *call, json_t *params, void *ctx)
{
	(void)params;
	(void)ctx;
	rpc_reply(call, json_true());
}

static void m_peer_count(rpc_call *call, json_t *params, void *ctx)
{
	(void)params;
	(void)ctx;
	api_reply_json(call, ethjson_u64(0));
}

static void m_node_info(rpc_call *call, json_t *params, void *ctx)
{
	(void)params;
	api_dev_ctx *c = ctx;
	header h;
	h256 hash;
	int err = blockchain_head(c->api->bc, &h, &hash);
	if (err) {
		api_reply_internal(call, err);
		return;
	}
	const chain_config *cfg = blockchain_config(c->api->bc);
	api_reply_json(call, json_pack(
		"{s:o,s:o,s:o,s:o,s:s,s:s,s:{s:s},s:{s:s,s:s}}",
		"currentBlockNumber", ethjson_u64(h.number),
		"currentBlockTimestamp", json_integer((json_int_t)h.timestamp),
		"currentBlockHash", ethjson_hash(&hash),
		"chainId", ethjson_u64(cfg->chain_id),
		"hardFork", c->hardfork ? c->hardfork : "cancun",
		"transactionOrder", "fees",
		"environment", "baseFee", "dynamic",
		"forkConfig", "forkUrl", "", "forkBlockNumber", ""));
}

static void m_metadata(rpc_call *call, json_t *params, void *ctx)
{
	(void)params;
	api_dev_ctx *c = ctx;
	header h;
	h256 hash, gen;
	store *s = blockchain_store(c->api->bc);
	db_txn *t;
	int err = blockchain_head(c->api->bc, &h, &hash);
	if (!err && !(err = db_begin_read(store_db(s), &t))) {
		err = store_genesis(s, t, &gen);
		db_abort(t);
	}
	if (err) {
		api_reply_internal(call, err);
		return;
	}
	/* The instance id tells a test harness whether the chain was reset:
	 * the genesis hash identifies this chain. */
	api_reply_json(call, json_pack(
		"{s:s,s:o,s:o,s:o,s:o,s:o}",
		"clientVersion", c->client_version ? c->client_version : "",
		"chainId", json_integer((json_int_t)blockchain_config(c->api->bc)->chain_id),
		"instanceId", ethjson_hash(&gen),
		"latestBlockNumber", json_integer((json_int_t)h.number),
		"latestBlockHash", ethjson_hash(&hash),
		"forkedNetwork", json_null()));
}

int api_dev_register(rpc_registry *reg, api_dev_ctx *ctx)
{
	static const rpc_method methods[] = {
		{"evm_mine", m_evm_mine},
		{"anvil_mine", m_anvil_mine},
		{"hardhat_mine", m_anvil_mine},
		{"evm_setAutomine", m_set_automine},
		{"anvil_setAutomine", m_set_automine},
		{"anvil_getAutomine", m_get_automine},
		{"hardhat_getAutomine", m_get_automine},
		{"evm_setIntervalMining", m_set_interval},
		{"anvil_setIntervalMining", m_set_interval},
		{"evm_snapshot", m_snapshot},
		{"anvil_snapshot", m_snapshot},
		{"evm_revert", m_revert},
		{"anvil_revert", m_revert},
		{"evm_increaseTime", m_increase_time},
		{"anvil_increaseTime", m_increase_time},
		{"evm_setNextBlockTimestamp", m_set_next_ts},
		{"anvil_setNextBlockTimestamp", m_set_next_ts},
		{"anvil_setBalance", m_set_balance},
		{"hardhat_setBalance", m_set_balance},
		{"anvil_setCode", m_set_code},
		{"hardhat_setCode", m_set_code},
		{"anvil_setNonce", m_set_nonce},
		{"hardhat_setNonce", m_set_nonce},
		{"anvil_setStorageAt", m_set_storage},
		{"hardhat_setStorageAt", m_set_storage},
		{"anvil_setCoinbase", m_set_coinbase},
		{"hardhat_setCoinbase", m_set_coinbase},
		{"evm_setBlockGasLimit", m_set_block_gas_limit},
		{"anvil_setNextBlockBaseFeePerGas", m_set_next_base_fee},
		{"hardhat_setNextBlockBaseFeePerGas", m_set_next_base_fee},
		{"hardhat_setPrevRandao", m_set_prev_randao},
		{"anvil_setMinGasPrice", m_set_min_gas_price},
		{"hardhat_setMinGasPrice", m_set_min_gas_price},
		{"anvil_reset", m_reset},
		{"hardhat_reset", m_reset},
		{"anvil_impersonateAccount", m_impersonate},
		{"hardhat_impersonateAccount", m_impersonate},
		{"anvil_stopImpersonatingAccount", m_stop_impersonating},
		{"hardhat_stopImpersonatingAccount", m_stop_impersonating},
		{"anvil_autoImpersonateAccount", m_auto_impersonate},
		{"anvil_dropTransaction", m_drop_tx},
		{"hardhat_dropTransaction", m_drop_tx},
		{"anvil_nodeInfo", m_node_info},
		{"hardhat_metadata", m_metadata},
		{"eth_coinbase", m_coinbase},
		{"net_listening", m_listening},
		{"net_peerCount", m_peer_count},
	};
	return rpc_register_all(reg, methods, sizeof methods / sizeof *methods,
	                        ctx);
}
