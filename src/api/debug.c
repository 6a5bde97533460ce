/* debug_ tracing methods (see debug.h). */
#include "api/debug.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/eth_pool.h"
#include "api/eth_state.h"
#include "api/ethjson.h"
#include "chain/config.h"
#include "chain/execute.h"
#include "chain/trace.h"
#include "consensus/engine.h"
#include "store/history.h"

#define MAX_REPLAY_KEYS (1u << 22) /* accounts and slots one replay reads */

struct api_debug {
	api_ctx *ctx;
	store_history *hist;
	uint64_t gas_cap;
};

#define FIELD(o, k) json_object_get((o), (k))

/* ---- options ---- */

static int get_flag(const json_t *o, const char *k, bool *out, api_err *e)
{
	const json_t *v = FIELD(o, k);
	if (!v || json_is_null(v))
		return DURE_OK;
	return ethjson_get_bool(v, out, e);
}

/* geth's TraceConfig. */
static int get_opts(const json_t *v, trace_config *c, api_err *e)
{
	memset(c, 0, sizeof *c);
	if (!v)
		return DURE_OK;
	if (!json_is_object(v)) {
		api_errf(e, "json: cannot unmarshal into Go value of type "
		            "tracers.TraceConfig");
		return DURE_EINVAL;
	}
	int err = get_flag(v, "disableStorage", &c->disable_storage, e);
	if (!err)
		err = get_flag(v, "disableStack", &c->disable_stack, e);
	if (!err)
		err = get_flag(v, "enableMemory", &c->enable_memory, e);
	if (!err)
		err = get_flag(v, "enableReturnData", &c->enable_return_data, e);
	const json_t *f = FIELD(v, "limit");
	if (!err && f && !json_is_null(f)) {
		if (!json_is_integer(f) || json_integer_value(f) < 0) {
			api_errf(e, "limit: expected a non-negative integer");
			err = DURE_EINVAL;
		} else {
			c->limit = (uint64_t)json_integer_value(f);
		}
	}
	f = FIELD(v, "timeout");
	if (!err && f && !json_is_null(f) && !json_is_string(f)) {
		api_errf(e, "timeout: expected a duration string");
		err = DURE_EINVAL;
	}
	const json_t *tr = FIELD(v, "tracer");
	const json_t *tc = FIELD(v, "tracerConfig");
	if (!err && tr && !json_is_null(tr)) {
		const char *name = json_string_value(tr);
		if (name && !strcmp(name, "callTracer")) {
			c->kind = TRACE_CALL;
		} else if (name && !strcmp(name, "prestateTracer")) {
			c->kind = TRACE_PRESTATE;
		} else {
			api_errf(e, "tracer %s is not supported (callTracer, "
			            "prestateTracer, or none for the struct logger)",
			         name ? name : "(not a string)");
			err = DURE_EINVAL;
		}
	}
	if (!err && tc && !json_is_null(tc) && !json_is_object(tc)) {
		api_errf(e, "tracerConfig: expected an object");
		err = DURE_EINVAL;
	}
	if (!err && tc && c->kind == TRACE_CALL) {
		err = get_flag(tc, "onlyTopCall", &c->only_top_call, e);
		if (!err)
			err = get_flag(tc, "withLog", &c->with_log, e);
	}
	if (!err && tc && c->kind == TRACE_PRESTATE)
		err = get_flag(tc, "diffMode", &c->diff_mode, e);
	return err;
}

/* Checks params (nreq required of nmax) and decodes the options at index
 * i. False after a reply. */
static bool params_opts(rpc_call *call, const json_t *params, size_t nreq,
                        size_t nmax, size_t i, trace_config *c)
{
	api_err e;
	int err = ethjson_params(params, nreq, nmax, &e);
	if (err) {
		api_reply_err(call, &e);
		return false;
	}
	err = get_opts(ethjson_param(params, i), c, &e);
	if (err) {
		api_err_arg(&e, (unsigned)i);
		api_reply_err(call, &e);
		return false;
	}
	return true;
}

/* A backend that notes every account and slot read through it: what a
 * replay depends on. */
typedef struct read_key {
	address a;
	bool slot;
	u256 key;
} read_key;

typedef struct recorder {
	state_backend below;
	read_key *v;
	size_t n, cap;
} recorder;

static int note(recorder *r, const address *a, const u256 *key)
{
	if (r->n == r->cap) {
		size_t nc = r->cap ? 2 * r->cap : 64;
		read_key *g = nc <= MAX_REPLAY_KEYS ? realloc(r->v, nc * sizeof *g)
		                                    : NULL;
		if (!g)
			return nc <= MAX_REPLAY_KEYS ? DURE_ENOMEM : DURE_ERANGE;
		r->v = g;
		r->cap = nc;
	}
	r->v[r->n++] = (read_key){*a, key != NULL, key ? *key : U256_ZERO};
	return DURE_OK;
}

static int rec_account(void *ctx, const address *a, state_account *out)
{
	recorder *r = ctx;
	int err = note(r, a, NULL);
	return err ? err : r->below.account(r->below.ctx, a, out);
}

static int rec_storage(void *ctx, const address *a, const u256 *key,
                       u256 *out)
{
	recorder *r = ctx;
	int err = note(r, a, key);
	return err ? err : r->below.storage(r->below.ctx, a, key, out);
}

static int rec_code(void *ctx, const h256 *hash, const uint8_t **code,
                    size_t *len)
{
	recorder *r = ctx;
	return r->below.code(r->below.ctx, hash, code, len);
}

/* A read transaction, a block and the state after its parent. */
typedef struct replay {
	api_debug *d;
	db_txn *t;
	block b;
	h256 hash;
	address *senders;
	size_t nsenders;
	store_history_view parent;
	state_backend base;
	store_view hc;
	fork rev;
} replay;

/* The edits the block carried (api_ctx.replay_begin), as the engine's
 * begin hook of a replay. */
static int replay_edits(void *ctx, state *st, const block *b, fork rev)
{
	(void)rev;
	replay *r = ctx;
	const api_ctx *c = r->d->ctx;
	return c->replay_begin ? c->replay_begin(c->replay_ctx, st, b, &r->hash)
	                       : DURE_OK;
}

static void replay_release(replay *r)
{
	block_free(&r->b);
	free(r->senders);
	r->senders = NULL;
}

static void replay_close(replay *r)
{
	replay_release(r);
	db_abort(r->t);
	r->t = NULL;
}

/* Opens the canonical block `hash` for replay in t (which replay_close
 * ends). DURE_ENOTFOUND for an unknown or non-canonical block,
 * DURE_EINVAL for the genesis block; t stays open on failure. */
static int replay_open(api_debug *d, db_txn *t, const h256 *hash,
                       replay *r)
{
	memset(r, 0, sizeof *r);
	r->d = d;
	r->t = t;
	r->hash = *hash;
	store *s = blockchain_store(d->ctx->bc);
	int err = store_block(s, t, hash, &r->b);
	h256 canon;
	if (!err)
		err = store_canonical(s, t, r->b.h.number, &canon);
	if (!err && !h256_eq(&canon, hash))
		err = DURE_ENOTFOUND;
	if (!err && r->b.h.number == 0)
		err = DURE_EINVAL;
	if (!err)
		err = store_senders(s, t, hash, &r->senders, &r->nsenders);
	if (!err && r->nsenders != r->b.ntxs)
		err = DURE_EDB_CORRUPT;
	if (!err)
		err = store_history_view_init(d->hist, t, r->b.h.number - 1,
		                              &r->parent);
	if (err) {
		replay_release(r);
		return err;
	}
	store_history_backend(&r->parent, &r->base);
	r->hc = (store_view){s, t};
	const chain_config *c = blockchain_config(d->ctx->bc);
	r->rev = chain_config_fork(c, r->b.h.number, r->b.h.timestamp);
	return DURE_OK;
}

/* Whether st after the block holds, for every key in rec, what the store
 * holds after it. */
static int matches_store(replay *r, state *st, const recorder *rec,
                         bool *same)
{
	*same = true;
	uint64_t n = r->b.h.number;
	for (size_t i = 0; i < rec->n && *same; i++) {
		const read_key *k = &rec->v[i];
		if (k->slot) {
			u256 want;
			int err = store_storage_at(r->d->hist, r->t, n, &k->a, &k->key,
			                           &want);
			if (err == DURE_ENOTFOUND)
				want = U256_ZERO;
			else if (err)
				return err;
			u256 got = state_storage(st, &k->a, &k->key);
			*same = u256_eq(&got, &want);
			continue;
		}
		state_account want;
		int err = store_account_at(r->d->hist, r->t, n, &k->a, &want);
		if (err && err != DURE_ENOTFOUND)
			return err;
		bool exists = state_exists(st, &k->a);
		if (err == DURE_ENOTFOUND) {
			*same = !exists;
			continue;
		}
		u256 bal = state_balance(st, &k->a);
		h256 ch = state_code_hash(st, &k->a);
		*same = exists && state_nonce(st, &k->a) == want.nonce &&
		        u256_eq(&bal, &want.balance) && h256_eq(&ch, &want.code_hash);
	}
	return DURE_OK;
}

/* Runs the whole block untraced over a recording view of its parent's
 * state and compares the outcome with the store's: *exact is false when
 * the block changed the state in ways its transactions do not explain
 * (a dev node's edits). */
static int replay_check(replay *r, bool *exact)
{
	*exact = false;
	recorder rec = {.below = r->base};
	state_backend b = {rec_account, rec_storage, rec_code, &rec};
	state *st;
	int err = state_new_backed(&b, &st);
	if (err)
		return err;
	const engine *eng = blockchain_engine(r->d->ctx->bc);
	block_exec_opts o = {
		.block_hash = store_view_block_hash,
		.block_hash_ctx = &r->hc,
		.senders = r->senders,
		.begin = replay_edits,
		.begin_ctx = r,
		.finalize = eng ? eng->finalize : NULL,
		.finalize_ctx = eng ? eng->ctx : NULL,
		.codes = blockchain_code_cache(r->d->ctx->bc),
	};
	block_result res;
	const chain_config *c = blockchain_config(r->d->ctx->bc);
	int rerr = block_run(st, c, r->rev, &r->b, &o, &res);
	if (rerr == DURE_ERANGE || rerr == DURE_ENOMEM ||
	    (rerr && state_failed(st))) {
		err = state_failed(st) ? state_error(st) : rerr;
	} else if (!rerr && block_result_check(&res, &r->b.h) == DURE_OK) {
		err = matches_store(r, st, &rec, exact);
	}
	if (!rerr)
		block_result_free(&res);
	state_free(st);
	free(rec.v);
	return err;
}

/* Replays the block over the parent's state, tracing transaction `only`
 * (SIZE_MAX: every one) into the array out. */
static int replay_trace(replay *r, const trace_config *cfg, size_t only,
                        json_t *out)
{
	state *st;
	int err = state_new_backed(&r->base, &st);
	if (err)
		return err;
	const chain_config *c = blockchain_config(r->d->ctx->bc);
	block_env env;
	err = block_env_init(c, r->rev, &r->b.h, &env);
	env.codes = blockchain_code_cache(r->d->ctx->bc);
	env.block_hash = store_view_block_hash;
	env.block_hash_ctx = &r->hc;
	if (!err)
		err = replay_edits(r, st, &r->b, r->rev);
	if (!err && r->rev >= FORK_CANCUN)
		err = block_beacon_root_call(st, r->rev, &env,
		                             &r->b.h.parent_beacon_root);
	block_gas used = {0};
	for (size_t i = 0; !err && i < r->b.ntxs; i++) {
		const tx *t = &r->b.txs[i];
		receipt rc;
		if (only == SIZE_MAX || i == only) {
			json_t *res;
			err = trace_tx(st, r->rev, &env, t, &r->senders[i], &used, NULL,
			               cfg, &res, &rc);
			if (!err && json_array_append_new(out, res))
				err = DURE_ENOMEM;
		} else {
			err = transition_apply(st, r->rev, &env, t, &r->senders[i],
			                       &used, NULL, NULL, &rc);
		}
		if (err)
			break;
		used.gas = rc.cumulative_gas;
		used.blob_gas += (uint64_t)t->blob_hashes_len * GAS_PER_BLOB;
		receipt_free(&rc);
		if (i == only)
			break;
	}
	if (!err && state_failed(st))
		err = state_error(st);
	state_free(st);
	return err;
}

/* Replies the failure of a replay. */
static void reply_replay_err(rpc_call *call, int err, const replay *r)
{
	char msg[160];
	if (err == DURE_ENOTFOUND) {
		rpc_reply_error(call, API_ERR_SERVER, "block not found", NULL);
	} else if (err == DURE_EINVAL) {
		rpc_reply_error(call, API_ERR_SERVER, "genesis is not traceable",
		                NULL);
	} else if (err == DURE_ERANGE) {
		rpc_reply_error(call, API_ERR_SERVER,
		                "trace too large: narrow it (disableStack, limit)",
		                NULL);
	} else if (err == DURE_EBLOCK_STATE_ROOT && r) {
		snprintf(msg, sizeof msg,
		         "block %llu cannot be replayed exactly: it carries state "
		         "edits made outside its transactions",
		         (unsigned long long)r->b.h.number);
		rpc_reply_error(call, API_ERR_SERVER, msg, NULL);
	} else {
		api_reply_internal(call, err);
	}
}

/* Checks, then traces the block `hash` (or its transaction `only`):
 * replies the array of results, or the first when only is set. */
static void trace_block_reply(api_debug *d, rpc_call *call, db_txn *t,
                              const h256 *hash, size_t only,
                              const trace_config *cfg)
{
	replay r;
	int err = replay_open(d, t, hash, &r);
	if (err) {
		db_abort(t);
		reply_replay_err(call, err, NULL);
		return;
	}
	bool exact;
	err = replay_check(&r, &exact);
	if (!err && !exact)
		err = DURE_EBLOCK_STATE_ROOT;
	json_t *out = json_array();
	if (!out && !err)
		err = DURE_ENOMEM;
	if (!err)
		err = replay_trace(&r, cfg, only, out);
	if (err) {
		reply_replay_err(call, err, &r);
		json_decref(out);
		replay_close(&r);
		return;
	}
	json_t *res = NULL;
	if (only != SIZE_MAX) {
		res = json_incref(json_array_get(out, 0));
	} else if ((res = json_array())) {
		for (size_t i = 0; i < r.b.ntxs; i++) {
			h256 th;
			json_t *o = NULL;
			if (tx_hash(&r.b.txs[i], &th) == DURE_OK)
				o = json_pack("{s:o?,s:O}", "txHash", ethjson_hash(&th),
				              "result", json_array_get(out, i));
			if (!o || json_array_append_new(res, o)) {
				json_decref(res);
				res = NULL;
				break;
			}
		}
	}
	json_decref(out);
	replay_close(&r);
	api_reply_json(call, res);
}

static bool begin_read(api_debug *d, rpc_call *call, db_txn **t)
{
	int err = db_begin_read(store_db(blockchain_store(d->ctx->bc)), t);
	if (err)
		api_reply_internal(call, err);
	return !err;
}

static void m_trace_transaction(rpc_call *call, json_t *params, void *arg)
{
	api_debug *d = arg;
	trace_config cfg;
	if (!params_opts(call, params, 1, 2, 1, &cfg))
		return;
	api_err e;
	h256 th;
	if (ethjson_get_hash(ethjson_param(params, 0), &th, &e)) {
		api_err_arg(&e, 0);
		api_reply_err(call, &e);
		return;
	}
	db_txn *t;
	if (!begin_read(d, call, &t))
		return;
	store *s = blockchain_store(d->ctx->bc);
	uint64_t number;
	uint32_t index;
	h256 bh;
	int err = store_tx_lookup(s, t, &th, &number, &index);
	if (!err)
		err = store_canonical(s, t, number, &bh);
	if (err) {
		db_abort(t);
		if (err == DURE_ENOTFOUND)
			rpc_reply_error(call, API_ERR_SERVER, "transaction not found",
			                NULL);
		else
			api_reply_internal(call, err);
		return;
	}
	trace_block_reply(d, call, t, &bh, index, &cfg);
}

static void m_trace_block_by_number(rpc_call *call, json_t *params,
                                    void *arg)
{
	api_debug *d = arg;
	trace_config cfg;
	if (!params_opts(call, params, 1, 2, 1, &cfg))
		return;
	api_err e;
	api_block_id id;
	if (ethjson_get_block_number(ethjson_param(params, 0), &id, &e)) {
		api_err_arg(&e, 0);
		api_reply_err(call, &e);
		return;
	}
	db_txn *t;
	if (!begin_read(d, call, &t))
		return;
	header h;
	h256 bh;
	int err = api_block_resolve(d->ctx, t, &id, &h, &bh);
	if (err) {
		db_abort(t);
		reply_replay_err(call, err, NULL);
		return;
	}
	trace_block_reply(d, call, t, &bh, SIZE_MAX, &cfg);
}

static void m_trace_block_by_hash(rpc_call *call, json_t *params, void *arg)
{
	api_debug *d = arg;
	trace_config cfg;
	if (!params_opts(call, params, 1, 2, 1, &cfg))
		return;
	api_err e;
	h256 bh;
	if (ethjson_get_hash(ethjson_param(params, 0), &bh, &e)) {
		api_err_arg(&e, 0);
		api_reply_err(call, &e);
		return;
	}
	db_txn *t;
	if (!begin_read(d, call, &t))
		return;
	trace_block_reply(d, call, t, &bh, SIZE_MAX, &cfg);
}

/* ---- debug_traceCall ---- */

/* The message of a call object: geth's TransactionArgs, as eth_call
 * takes it. */
typedef struct call_msg {
	address from;
	tx t;
	bool has_gas;
	buf data;
} call_msg;

static int get_call(const json_t *v, fork rev, uint64_t chain_id,
                    call_msg *m, api_err *e)
{
	memset(m, 0, sizeof *m);
	if (!json_is_object(v)) {
		api_errf(e, "json: cannot unmarshal into Go value of type "
		            "ethapi.TransactionArgs");
		return DURE_EINVAL;
	}
	const json_t *f;
	int err = DURE_OK;
	tx *t = &m->t;
	if ((f = FIELD(v, "from")) && !json_is_null(f))
		err = ethjson_get_address(f, &m->from, e);
	if (!err && (f = FIELD(v, "to")) && !json_is_null(f)) {
		t->has_to = true;
		err = ethjson_get_address(f, &t->to, e);
	}
	if (!err && (f = FIELD(v, "gas")) && !json_is_null(f)) {
		m->has_gas = true;
		err = ethjson_get_u64(f, &t->gas_limit, e);
	}
	bool has_price = false, has_max = false, has_tip = false;
	u256 price = U256_ZERO, max = U256_ZERO, tip = U256_ZERO;
	if (!err)
		err = ethjson_get_u256_field(v, "gasPrice", &has_price, &price, e);
	if (!err)
		err = ethjson_get_u256_field(v, "maxFeePerGas", &has_max, &max, e);
	if (!err)
		err = ethjson_get_u256_field(v, "maxPriorityFeePerGas", &has_tip, &tip, e);
	bool has_value = false;
	if (!err)
		err = ethjson_get_u256_field(v, "value", &has_value, &t->value, e);
	const json_t *in = FIELD(v, "input"), *data = FIELD(v, "data");
	if (in && json_is_null(in))
		in = NULL;
	if (!err && (in || (data && !json_is_null(data))))
		err = ethjson_get_data(in ? in : data, ETHJSON_DATA_MAX, &m->data, e);
	if (!err && has_price && (has_max || has_tip)) {
		api_errf(e, "both gasPrice and (maxFeePerGas or "
		            "maxPriorityFeePerGas) specified");
		err = DURE_EINVAL;
	}
	if (err) {
		buf_free(&m->data);
		return err;
	}
	t->data = m->data.data;
	t->data_size = m->data.len;
	if (rev >= FORK_LONDON) {
		t->type = TX_DYNAMIC_FEE;
		t->max_fee = has_price ? price : max;
		t->max_priority_fee = has_price ? price : tip;
	} else {
		t->type = rev >= FORK_BERLIN ? TX_ACCESS_LIST : TX_LEGACY;
		t->gas_price = price;
	}
	if (t->type != TX_LEGACY) {
		t->has_chain_id = true;
		t->chain_id = chain_id;
	}
	tx_placeholder_sign(t);
	return DURE_OK;
}

static void m_trace_call(rpc_call *call, json_t *params, void *arg)
{
	api_debug *d = arg;
	trace_config cfg;
	if (!params_opts(call, params, 1, 3, 2, &cfg))
		return;
	api_err e;
	api_block_id id = {.kind = API_BLOCK_LATEST};
	const json_t *bv = ethjson_param(params, 1);
	if (bv && ethjson_get_block_id(bv, &id, &e)) {
		api_err_arg(&e, 1);
		api_reply_err(call, &e);
		return;
	}
	db_txn *t;
	if (!begin_read(d, call, &t))
		return;
	store *s = blockchain_store(d->ctx->bc);
	const chain_config *c = blockchain_config(d->ctx->bc);
	header h;
	h256 bh, canon;
	uint64_t head = 0;
	int err = api_block_resolve(d->ctx, t, &id, &h, &bh);
	if (!err)
		err = store_history_head(d->hist, t, &head);
	if (!err)
		err = store_canonical(s, t, h.number, &canon);
	if (!err && !h256_eq(&canon, &bh))
		err = DURE_ENOTFOUND;
	if (err) {
		db_abort(t);
		if (err == DURE_ENOTFOUND)
			rpc_reply_error(call, API_ERR_SERVER, "header not found", NULL);
		else
			api_reply_internal(call, err);
		return;
	}
	fork rev = chain_config_fork(c, h.number, h.timestamp);
	call_msg m;
	err = get_call(ethjson_param(params, 0), rev, c->chain_id, &m, &e);
	if (err) {
		db_abort(t);
		api_err_arg(&e, 0);
		api_reply_err(call, &e);
		return;
	}
	store_view view = {s, t};
	store_history_view hv;
	state_backend below = {0}, b;
	state_overlay scratch;
	if (h.number == head) {
		store_view_backend(&view, &below);
	} else if (!(err = store_history_view_init(d->hist, t, h.number, &hv))) {
		store_history_backend(&hv, &below);
	}
	b = below;
	bool latest = id.kind != API_BLOCK_NUMBER && id.kind != API_BLOCK_HASH &&
	              id.kind != API_BLOCK_EARLIEST;
	if (!err && latest && d->ctx->head_overlay)
		d->ctx->head_overlay(d->ctx->overlay_ctx, &below, &scratch, &b);
	block_env env;
	if (!err)
		err = block_env_init(c, rev, &h, &env);
	store_view hc = {s, t};
	env.codes = blockchain_code_cache(d->ctx->bc);
	env.block_hash = store_view_block_hash;
	env.block_hash_ctx = &hc;
	state *st = NULL;
	if (!err)
		err = state_new_backed(&b, &st);
	json_t *res = NULL;
	if (!err) {
		if (!m.has_gas) {
			m.t.gas_limit = env.gas_limit;
			if (d->gas_cap && m.t.gas_limit > d->gas_cap)
				m.t.gas_limit = d->gas_cap;
		}
		m.t.nonce = state_nonce(st, &m.from);
		/* geth lowers the base fee of a free call to zero. */
		const u256 *fee = m.t.type >= TX_DYNAMIC_FEE ? &m.t.max_fee
		                                             : &m.t.gas_price;
		if (u256_is_zero(fee))
			env.base_fee = U256_ZERO;
		transition_opts o = {.skip_sender_code = true,
		                     .skip_block_gas = true};
		receipt rc;
		err = trace_tx(st, rev, &env, &m.t, &m.from, NULL, &o, &cfg, &res,
		               &rc);
		if (!err)
			receipt_free(&rc);
	}
	state_free(st);
	buf_free(&m.data);
	db_abort(t);
	if (err >= DURE_ETX_TYPE && err <= DURE_ETR_BLOB_GAS)
		rpc_reply_error(call, API_ERR_SERVER, api_tx_error(err), NULL);
	else if (err)
		reply_replay_err(call, err, NULL);
	else
		api_reply_json(call, res);
}

/* ---- registration ---- */

void api_debug_free(api_debug *d)
{
	if (d)
		store_history_free(d->hist);
	free(d);
}

int api_debug_register(rpc_registry *reg, api_ctx *ctx, uint64_t gas_cap,
                       api_debug **out)
{
	*out = NULL;
	api_debug *d = calloc(1, sizeof *d);
	if (!d)
		return DURE_ENOMEM;
	d->ctx = ctx;
	d->gas_cap = gas_cap;
	int err = store_history_open(blockchain_store(ctx->bc), &d->hist);
	static const rpc_method methods[] = {
		{"debug_traceTransaction", m_trace_transaction},
		{"debug_traceCall", m_trace_call},
		{"debug_traceBlockByNumber", m_trace_block_by_number},
		{"debug_traceBlockByHash", m_trace_block_by_hash},
	};
	if (!err)
		err = rpc_register_all(reg, methods, sizeof methods / sizeof *methods,
		                       d);
	if (err) {
		api_debug_free(d);
		return err;
	}
	*out = d;
	return DURE_OK;
}
