/* eth_ state methods (see eth_state.h). */
#include "api/eth_state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/ethjson.h"
#include "base/hex.h"
#include "chain/call.h"
#include "chain/config.h"
#include "consensus/pool_env.h"
#include "crypto/keccak.h"
#include "store/history.h"
#include "trie/trie.h"
#include "txpool/txpool.h"

/* Bounds on what one request may ask for, where it enters. */
#define MAX_OVERRIDES 1024       /* accounts in stateOverrides */
#define MAX_OVERRIDE_SLOTS 65536 /* slots across them */
#define MAX_PROOF_KEYS 1024      /* slots of one eth_getProof */

struct api_eth_state {
	api_ctx *ctx;
	store_history *hist;
	uint64_t gas_cap;
};

/* ---- the state at a block ---- */

/* The state a method reads: a read transaction, the block, and the
 * backend over its state. Lives on the handler's stack and does not
 * move: the backends point into it. */
typedef struct at_block {
	db_txn *t;
	header h;
	h256 hash;
	bool latest;              /* a tag naming the head: the overlay applies */
	bool head;                /* the head's state (latest or by number) */
	bool pending;             /* "pending": calls run in next, the block
	                             after the head */
	header next;
	state *pst;               /* pending: the state after the pool's
	                             transactions, read through pview */
	state_overlay pview;
	store_view view;
	store_history_view hview;
	state_backend below;
	state_overlay scratch;    /* the head overlay's */
	state_backend b;          /* what to read */
} at_block;

static void at_close(at_block *a)
{
	state_free(a->pst);
	a->pst = NULL;
	db_abort(a->t);
	a->t = NULL;
}

/* ---- the pending state as a backend ---- */

/* Reads the state after the pool's transactions (o->ctx, a state over
 * o->below). Code a pending transaction created is not found by hash:
 * such code is read through its account only by the state itself. */
static int pend_account(void *ctx, const address *a, state_account *out)
{
	state_overlay *o = ctx;
	state *st = o->ctx;
	if (!state_exists(st, a))
		return DURE_ENOTFOUND;
	int err = o->below.account(o->below.ctx, a, out);
	if (err == DURE_ENOTFOUND) {
		memset(out, 0, sizeof *out);
		out->storage_root = TRIE_EMPTY_ROOT;
	} else if (err) {
		return err;
	}
	out->nonce = state_nonce(st, a);
	out->balance = state_balance(st, a);
	out->code_hash = state_code_hash(st, a);
	/* Slots a pending transaction stored make an empty root non-empty;
	 * the marker stands for no trie, as the dev overlay's does. */
	if (h256_eq(&out->storage_root, &TRIE_EMPTY_ROOT) &&
	    state_has_storage(st, a))
		memset(out->storage_root.b, 0xee, 32);
	return DURE_OK;
}

static int pend_storage(void *ctx, const address *a, const u256 *key,
                        u256 *out)
{
	state_overlay *o = ctx;
	*out = state_storage(o->ctx, a, key);
	return u256_is_zero(out) ? DURE_ENOTFOUND : DURE_OK;
}

static int pend_code(void *ctx, const h256 *hash, const uint8_t **code,
                     size_t *len)
{
	state_overlay *o = ctx;
	return o->below.code(o->below.ctx, hash, code, len);
}

/* Replies a failure to open the state of a block. */
static void reply_open_err(rpc_call *call, int err)
{
	if (err == DURE_ENOTFOUND)
		rpc_reply_error(call, API_ERR_SERVER, "header not found", NULL);
	else if (err == DURE_EINVAL)
		rpc_reply_error(call, API_ERR_SERVER,
		                "state of a non-canonical block is not available",
		                NULL);
	else
		api_reply_internal(call, err);
}

/* Opens the state after block id in a read transaction. Returns
 * DURE_OK; DURE_ENOTFOUND for no such block; DURE_EINVAL for a block
 * off the canonical chain (no change sets lead to its state); or a store
 * error. */
static int at_open(api_eth_state *es, const api_block_id *id, at_block *a)
{
	memset(a, 0, sizeof *a);
	store *s = blockchain_store(es->ctx->bc);
	int err = db_begin_read(store_db(s), &a->t);
	if (err)
		return err;
	err = api_block_resolve(es->ctx, a->t, id, &a->h, &a->hash);
	uint64_t head = 0;
	if (!err)
		err = store_history_head(es->hist, a->t, &head);
	h256 canon;
	if (!err)
		err = store_canonical(s, a->t, a->h.number, &canon);
	if (err == DURE_ENOTFOUND || (!err && !h256_eq(&canon, &a->hash)))
		err = err ? err : DURE_EINVAL;
	if (err) {
		at_close(a);
		return err;
	}
	a->latest = id->kind != API_BLOCK_NUMBER && id->kind != API_BLOCK_HASH &&
	            id->kind != API_BLOCK_EARLIEST;
	a->head = a->h.number == head;
	if (id->kind == API_BLOCK_PENDING && es->ctx->next_header) {
		err = es->ctx->next_header(es->ctx->next_header_ctx, &a->next);
		if (err) {
			at_close(a);
			return err;
		}
		a->pending = true;
	}
	if (a->head) {
		a->view = (store_view){s, a->t};
		store_view_backend(&a->view, &a->below);
	} else {
		err = store_history_view_init(es->hist, a->t, a->h.number,
		                              &a->hview);
		if (err) {
			at_close(a);
			return err;
		}
		store_history_backend(&a->hview, &a->below);
	}
	a->b = a->below;
	if (a->latest && es->ctx->head_overlay)
		es->ctx->head_overlay(es->ctx->overlay_ctx, &a->below, &a->scratch,
		                      &a->b);
	if (a->pending && es->ctx->pending_state) {
		err = es->ctx->pending_state(es->ctx->pending_state_ctx, &a->b,
		                             &a->pst);
		if (err) {
			at_close(a);
			return err;
		}
		a->pview = (state_overlay){a->b, a->pst};
		a->b = (state_backend){pend_account, pend_storage, pend_code,
		                       &a->pview};
	}
	return DURE_OK;
}

/* The block parameter at index i ("latest" when absent). */
static int param_block(const json_t *params, size_t i, api_block_id *id,
                       api_err *e)
{
	const json_t *v = ethjson_param(params, i);
	if (!v) {
		*id = (api_block_id){.kind = API_BLOCK_LATEST};
		return DURE_OK;
	}
	int err = ethjson_get_block_id(v, id, e);
	if (err)
		api_err_arg(e, (unsigned)i);
	return err;
}

/* A storage key as geth's decodeHash takes it: "0x" and up to 64 hex
 * digits, odd counts allowed, left-padded to 32 bytes. *len is the byte
 * count given. */
static int get_slot(const json_t *v, u256 *out, size_t *len, api_err *e)
{
	*out = U256_ZERO;
	const char *s = json_string_value(v);
	if (!s) {
		api_errf(e, "json: cannot unmarshal non-string into Go value of "
		            "type string");
		return DURE_EINVAL;
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	size_t n = strlen(s);
	if (n > 64) {
		api_errf(e, "hex string too long, want at most 32 bytes");
		return DURE_EINVAL;
	}
	char digits[65] = "0";
	memcpy(digits + (n % 2), s, n + 1);
	uint8_t b[32];
	size_t nb = (n + 1) / 2;
	if (nb && hex_decode_exact(digits, b, nb) != DURE_OK) {
		api_errf(e, "hex string invalid");
		return DURE_EINVAL;
	}
	*out = u256_from_be(b, nb);
	if (len)
		*len = nb;
	return DURE_OK;
}

/* ---- simple reads ---- */

/* Reads account a (absent: zeros, and the empty code hash). */
static int read_account(const at_block *a, const address *addr,
                        state_account *out)
{
	int err = a->b.account(a->b.ctx, addr, out);
	if (err == DURE_ENOTFOUND) {
		memset(out, 0, sizeof *out);
		keccak256(NULL, 0, out->code_hash.b);
		return DURE_OK;
	}
	return err;
}

/* Parses (address, block at index bi), opens the block. False after a
 * reply. */
static bool addr_and_block(api_eth_state *es, rpc_call *call,
                           const json_t *params, size_t nreq, size_t nmax,
                           size_t bi, address *addr, at_block *a)
{
	api_err e;
	api_block_id id;
	if (ethjson_params(params, nreq, nmax, &e)) {
		api_reply_err(call, &e);
		return false;
	}
	if (ethjson_get_address(ethjson_param(params, 0), addr, &e)) {
		api_err_arg(&e, 0);
		api_reply_err(call, &e);
		return false;
	}
	if (param_block(params, bi, &id, &e)) {
		api_reply_err(call, &e);
		return false;
	}
	int err = at_open(es, &id, a);
	if (err) {
		reply_open_err(call, err);
		return false;
	}
	return true;
}

static void m_get_balance(rpc_call *call, json_t *params, void *arg)
{
	address addr;
	at_block a;
	if (!addr_and_block(arg, call, params, 1, 2, 1, &addr, &a))
		return;
	state_account acc;
	int err = read_account(&a, &addr, &acc);
	at_close(&a);
	if (err)
		api_reply_internal(call, err);
	else
		api_reply_json(call, ethjson_u256(&acc.balance));
}

/* The pool's next nonce for addr over the head state a reads. */
static int pending_nonce(api_eth_state *es, const at_block *a,
                         const address *addr, uint64_t *nonce)
{
	txpool_env env;
	api_ctx *c = es->ctx;
	int err = c->pool_env ? c->pool_env(c->pool_env_ctx, &a->h, &a->b, &env)
	                      : blockchain_pool_env(c->bc, &a->h, &a->b, &env);
	return err ? err : txpool_next_nonce(es->ctx->pool, &env, addr, nonce);
}

static void m_get_tx_count(rpc_call *call, json_t *params, void *arg)
{
	api_eth_state *es = arg;
	address addr;
	at_block a;
	if (!addr_and_block(es, call, params, 1, 2, 1, &addr, &a))
		return;
	api_block_id id = {.kind = API_BLOCK_LATEST};
	api_err e;
	if (param_block(params, 1, &id, &e) == DURE_OK &&
	    id.kind == API_BLOCK_PENDING && es->ctx->pool) {
		uint64_t nonce;
		int err = pending_nonce(es, &a, &addr, &nonce);
		at_close(&a);
		if (err)
			api_reply_internal(call, err);
		else
			api_reply_json(call, ethjson_u64(nonce));
		return;
	}
	state_account acc;
	int err = read_account(&a, &addr, &acc);
	at_close(&a);
	if (err)
		api_reply_internal(call, err);
	else
		api_reply_json(call, ethjson_u64(acc.nonce));
}

static void m_get_code(rpc_call *call, json_t *params, void *arg)
{
	address addr;
	at_block a;
	if (!addr_and_block(arg, call, params, 1, 2, 1, &addr, &a))
		return;
	state_account acc;
	int err = read_account(&a, &addr, &acc);
	const uint8_t *code = NULL;
	size_t n = 0;
	h256 none;
	keccak256(NULL, 0, none.b);
	if (!err && !h256_eq(&acc.code_hash, &none))
		err = a.b.code(a.b.ctx, &acc.code_hash, &code, &n);
	json_t *r = err ? NULL : ethjson_data(code, n);
	at_close(&a);
	if (err)
		api_reply_internal(call, err);
	else
		api_reply_json(call, r);
}

static void m_get_storage(rpc_call *call, json_t *params, void *arg)
{
	api_eth_state *es = arg;
	api_err e;
	if (ethjson_params(params, 2, 3, &e)) {
		api_reply_err(call, &e);
		return;
	}
	u256 key;
	if (get_slot(ethjson_param(params, 1), &key, NULL, &e)) {
		api_err_arg(&e, 1);
		api_reply_err(call, &e);
		return;
	}
	address addr;
	at_block a;
	if (!addr_and_block(es, call, params, 2, 3, 2, &addr, &a))
		return;
	u256 v;
	int err = a.b.storage(a.b.ctx, &addr, &key, &v);
	at_close(&a);
	if (err == DURE_ENOTFOUND) {
		v = U256_ZERO;
		err = DURE_OK;
	}
	if (err) {
		api_reply_internal(call, err);
		return;
	}
	uint8_t b[32];
	u256_to_be(&v, b);
	api_reply_json(call, ethjson_data(b, 32));
}

/* ---- eth_getProof ---- */

static json_t *proof_json(const trie_proof *p)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < p->n; i++)
		if (json_array_append_new(a, ethjson_data(p->nodes[i], p->lens[i]))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static void m_get_proof(rpc_call *call, json_t *params, void *arg)
{
	api_eth_state *es = arg;
	api_err e;
	if (ethjson_params(params, 2, 3, &e)) {
		api_reply_err(call, &e);
		return;
	}
	const json_t *jk = ethjson_param(params, 1);
	if (!json_is_array(jk)) {
		api_errf(&e, "json: cannot unmarshal into Go value of type "
		             "[]string");
		api_err_arg(&e, 1);
		api_reply_err(call, &e);
		return;
	}
	size_t nk = json_array_size(jk);
	if (nk > MAX_PROOF_KEYS) {
		api_errf(&e, "too many storage keys, at most %d", MAX_PROOF_KEYS);
		api_reply_err(call, &e);
		return;
	}
	u256 *keys = calloc(nk ? nk : 1, sizeof *keys);
	size_t *lens = calloc(nk ? nk : 1, sizeof *lens);
	if (!keys || !lens) {
		free(keys);
		free(lens);
		api_reply_internal(call, DURE_ENOMEM);
		return;
	}
	for (size_t i = 0; i < nk; i++)
		if (get_slot(json_array_get(jk, i), &keys[i], &lens[i], &e)) {
			api_err_arg(&e, 1);
			api_reply_err(call, &e);
			free(keys);
			free(lens);
			return;
		}
	address addr;
	at_block a;
	if (!addr_and_block(es, call, params, 2, 3, 2, &addr, &a)) {
		free(keys);
		free(lens);
		return;
	}
	store_proof p;
	int err = store_prove_at(es->hist, a.t, a.h.number, &addr, keys, nk,
	                         &p);
	at_close(&a);
	json_t *r = NULL;
	if (!err) {
		json_t *sp = json_array();
		for (size_t i = 0; sp && i < nk; i++) {
			uint8_t kb[32];
			u256_to_be(&keys[i], kb);
			/* The key as it came: 32 bytes as data, shorter as a
			 * quantity, as geth prints it. */
			json_t *k = lens[i] == 32 ? ethjson_data(kb, 32)
			                          : ethjson_u256(&keys[i]);
			json_t *o = json_pack("{s:o?,s:o?,s:o?}", "key", k, "value",
			                      ethjson_u256(&p.values[i]), "proof",
			                      proof_json(&p.storage[i]));
			if (!o || json_array_append_new(sp, o)) {
				json_decref(sp);
				sp = NULL;
			}
		}
		r = json_pack("{s:o?,s:o?,s:o?,s:o?,s:o?,s:o?,s:o?}", "address",
		              ethjson_address(&addr), "accountProof",
		              proof_json(&p.account_proof), "balance",
		              ethjson_u256(&p.account.balance), "codeHash",
		              ethjson_hash(&p.account.code_hash), "nonce",
		              ethjson_u64(p.account.nonce), "storageHash",
		              ethjson_hash(&p.account.storage_root), "storageProof",
		              sp);
		store_proof_free(&p);
	}
	free(keys);
	free(lens);
	if (err == DURE_EPROOF_DEPTH) {
		char msg[160];
		snprintf(msg, sizeof msg,
		         "historical proofs reach %d blocks below the head and "
		         "at most %u changed accounts and slots since",
		         STORE_PROOF_DEPTH_MAX, STORE_PROOF_CHANGES_MAX);
		rpc_reply_error(call, API_ERR_SERVER, msg, NULL);
	} else if (err) {
		api_reply_internal(call, err);
	} else {
		api_reply_json(call, r);
	}
}

/* ---- messages ---- */

/* A parsed call request and the memory its pointers use. */
typedef struct call_args {
	msgcall m;
	buf data;
	tx_access *list;
	size_t nlist;
} call_args;

static void call_args_free(call_args *c)
{
	buf_free(&c->data);
	for (size_t i = 0; i < c->nlist; i++)
		free(c->list[i].keys);
	free(c->list);
	memset(c, 0, sizeof *c);
}

/* Member k of object o; NULL when absent (or o not an object). */
#define FIELD(o, k) json_object_get((o), (k))

/* geth's TransactionArgs with its CallDefaults checks. */
static int get_call_args(const json_t *v, uint64_t chain_id, call_args *c,
                         api_err *e)
{
	memset(c, 0, sizeof *c);
	if (!json_is_object(v)) {
		api_errf(e, "json: cannot unmarshal into Go value of type "
		            "ethapi.TransactionArgs");
		return DURE_EINVAL;
	}
	msgcall *m = &c->m;
	const json_t *f;
	int err = DURE_OK;
	if ((f = FIELD(v, "from")) && !json_is_null(f))
		err = ethjson_get_address(f, &m->from, e);
	if (!err && (f = FIELD(v, "to")) && !json_is_null(f)) {
		m->has_to = true;
		err = ethjson_get_address(f, &m->to, e);
	}
	if (!err && (f = FIELD(v, "gas")) && !json_is_null(f)) {
		m->has_gas = true;
		err = ethjson_get_u64(f, &m->gas, e);
	}
	if (!err && (f = FIELD(v, "gasPrice")) && !json_is_null(f)) {
		m->has_gas_price = true;
		err = ethjson_get_u256(f, &m->gas_price, e);
	}
	if (!err && (f = FIELD(v, "maxFeePerGas")) && !json_is_null(f)) {
		m->has_max_fee = true;
		err = ethjson_get_u256(f, &m->max_fee, e);
	}
	if (!err && (f = FIELD(v, "maxPriorityFeePerGas")) && !json_is_null(f)) {
		m->has_max_priority_fee = true;
		err = ethjson_get_u256(f, &m->max_priority_fee, e);
	}
	if (!err && (f = FIELD(v, "value")) && !json_is_null(f))
		err = ethjson_get_u256(f, &m->value, e);
	uint64_t u;
	if (!err && (f = FIELD(v, "nonce")) && !json_is_null(f))
		err = ethjson_get_u64(f, &u, e); /* checked, then unused (geth) */
	if (!err && (f = FIELD(v, "chainId")) && !json_is_null(f)) {
		err = ethjson_get_u64(f, &u, e);
		if (!err && u != chain_id) {
			api_errf(e, "chainId does not match node's (have=%llu, "
			            "want=%llu)", (unsigned long long)u,
			         (unsigned long long)chain_id);
			err = DURE_EINVAL;
		}
	}
	const json_t *in = FIELD(v, "input"), *data = FIELD(v, "data");
	if (in && json_is_null(in))
		in = NULL;
	if (data && json_is_null(data))
		data = NULL;
	if (!err && (in || data)) {
		err = ethjson_get_data(in ? in : data, ETHJSON_DATA_MAX, &c->data, e);
		if (!err && in && data) {
			buf other = BUF_INIT;
			err = ethjson_get_data(data, ETHJSON_DATA_MAX, &other, e);
			if (!err && (other.len != c->data.len ||
			             (other.len &&
			              memcmp(other.data, c->data.data, other.len)))) {
				api_errf(e, "both \"data\" and \"input\" are set and not "
				            "equal. Please use \"input\" to pass "
				            "transaction call data");
				err = DURE_EINVAL;
			}
			buf_free(&other);
		}
		m->data = c->data.data;
		m->data_size = c->data.len;
	}
	if (!err && (f = FIELD(v, "accessList")) && !json_is_null(f)) {
		err = ethjson_get_access_list(f, &c->list, &c->nlist, e);
		m->access_list = c->list;
		m->access_list_len = c->nlist;
	}
	if (!err && m->has_gas_price &&
	    (m->has_max_fee || m->has_max_priority_fee)) {
		api_errf(e, "both gasPrice and (maxFeePerGas or "
		            "maxPriorityFeePerGas) specified");
		err = DURE_EINVAL;
	}
	if (err)
		call_args_free(c);
	return err;
}

/* Parsed state overrides and what their pointers use. */
typedef struct overrides {
	msgcall_account *accts;
	size_t n;
	msgcall_slot *slots;
	buf *codes;
} overrides;

static void overrides_free(overrides *o)
{
	for (size_t i = 0; i < o->n && o->codes; i++)
		buf_free(&o->codes[i]);
	free(o->codes);
	free(o->accts);
	free(o->slots);
	memset(o, 0, sizeof *o);
}

static size_t count_slots(const json_t *v)
{
	size_t n = 0;
	const char *k;
	json_t *a;
	json_object_foreach((json_t *)v, k, a) {
		n += json_object_size(json_object_get(a, "state"));
		n += json_object_size(json_object_get(a, "stateDiff"));
	}
	return n;
}

/* geth's StateOverride: {address: {balance, nonce, code, state,
 * stateDiff}}. */
static int get_overrides(const json_t *v, overrides *o, api_err *e)
{
	memset(o, 0, sizeof *o);
	if (!v)
		return DURE_OK;
	size_t n = json_object_size(v), ns = json_is_object(v) ? count_slots(v) : 0;
	if (!json_is_object(v) || n > MAX_OVERRIDES || ns > MAX_OVERRIDE_SLOTS) {
		api_errf(e, "state overrides: expected an object of at most %d "
		            "accounts and %d slots", MAX_OVERRIDES,
		         MAX_OVERRIDE_SLOTS);
		return DURE_EINVAL;
	}
	o->accts = calloc(n ? n : 1, sizeof *o->accts);
	o->codes = calloc(n ? n : 1, sizeof *o->codes);
	o->slots = calloc(ns ? ns : 1, sizeof *o->slots);
	if (!o->accts || !o->codes || !o->slots) {
		overrides_free(o);
		return DURE_ENOMEM;
	}
	size_t used = 0;
	const char *key;
	json_t *a;
	int err = DURE_OK;
	json_object_foreach((json_t *)v, key, a) {
		msgcall_account *m = &o->accts[o->n++];
		json_t *ks = json_string(key);
		err = ks ? ethjson_get_address(ks, &m->addr, e) : DURE_ENOMEM;
		json_decref(ks);
		if (!err && !json_is_object(a)) {
			api_errf(e, "state overrides: account %s: expected an object",
			         key);
			err = DURE_EINVAL;
		}
		const json_t *f;
		if (!err && (f = FIELD(a, "balance")) && !json_is_null(f)) {
			m->has_balance = true;
			err = ethjson_get_u256(f, &m->balance, e);
		}
		if (!err && (f = FIELD(a, "nonce")) && !json_is_null(f)) {
			m->has_nonce = true;
			err = ethjson_get_u64(f, &m->nonce, e);
		}
		if (!err && (f = FIELD(a, "code")) && !json_is_null(f)) {
			m->has_code = true;
			err = ethjson_get_data(f, ETHJSON_DATA_MAX, &o->codes[o->n - 1],
			                       e);
			m->code = o->codes[o->n - 1].data;
			m->code_len = o->codes[o->n - 1].len;
		}
		const json_t *st = FIELD(a, "state"), *diff = FIELD(a, "stateDiff");
		if (st && json_is_null(st))
			st = NULL;
		if (diff && json_is_null(diff))
			diff = NULL;
		if (!err && st && diff) {
			api_errf(e, "account %s has both 'state' and 'stateDiff'", key);
			err = DURE_EINVAL;
		}
		const json_t *slots = st ? st : diff;
		m->replace_storage = st != NULL;
		m->slots = &o->slots[used];
		if (!err && slots && !json_is_object(slots)) {
			api_errf(e, "account %s: state must be an object", key);
			err = DURE_EINVAL;
		}
		const char *sk;
		json_t *sv;
		if (!err && slots)
			json_object_foreach((json_t *)slots, sk, sv) {
				msgcall_slot *s = &o->slots[used];
				h256 kh, vh;
				json_t *kj = json_string(sk);
				err = kj ? ethjson_get_hash(kj, &kh, e) : DURE_ENOMEM;
				json_decref(kj);
				if (!err)
					err = ethjson_get_hash(sv, &vh, e);
				if (err)
					break;
				s->key = u256_from_be(kh.b, 32);
				s->value = u256_from_be(vh.b, 32);
				used++;
				m->nslots++;
			}
		if (err)
			break;
	}
	if (err)
		overrides_free(o);
	return err;
}

/* geth's BlockOverrides. */
static int get_block_overrides(const json_t *v, msgcall_block *b, api_err *e)
{
	memset(b, 0, sizeof *b);
	if (!v)
		return DURE_OK;
	if (!json_is_object(v)) {
		api_errf(e, "block overrides: expected an object");
		return DURE_EINVAL;
	}
	int err = ethjson_get_u64_field(v, "number", &b->has_number, &b->number, e);
	if (!err)
		err = ethjson_get_u64_field(v, "time", &b->has_time, &b->time, e);
	if (!err)
		err = ethjson_get_u64_field(v, "gasLimit", &b->has_gas_limit, &b->gas_limit,
		                    e);
	if (!err)
		err = ethjson_get_u256_field(v, "baseFeePerGas", &b->has_base_fee,
		                     &b->base_fee, e);
	if (!err)
		err = ethjson_get_u256_field(v, "blobBaseFee", &b->has_blob_base_fee,
		                     &b->blob_base_fee, e);
	const json_t *f;
	if (!err && (f = FIELD(v, "feeRecipient")) && !json_is_null(f)) {
		b->has_coinbase = true;
		err = ethjson_get_address(f, &b->coinbase, e);
	}
	if (!err && (f = FIELD(v, "prevRandao")) && !json_is_null(f)) {
		b->has_random = true;
		err = ethjson_get_hash(f, &b->random, e);
	}
	return err;
}

/* The block environment of a (geth's eth_call at a mined block: that
 * block's header values) with block override bo applied. */
static void call_env(api_eth_state *es, at_block *a, store_view *hc,
                     const overrides *ov, const msgcall_block *bo,
                     msgcall_env *out)
{
	const chain_config *cfg = blockchain_config(es->ctx->bc);
	memset(out, 0, sizeof *out);
	out->base = &a->b;
	out->overrides = ov ? ov->accts : NULL;
	out->noverrides = ov ? ov->n : 0;
	out->gas_cap = es->gas_cap;
	block_env *b = &out->block;
	const header *h = a->pending ? &a->next : &a->h;
	b->coinbase = h->coinbase;
	b->number = h->number;
	b->timestamp = h->timestamp;
	b->gas_limit = h->gas_limit;
	b->base_fee = h->has_base_fee ? h->base_fee : U256_ZERO;
	b->excess_blob_gas = h->excess_blob_gas;
	b->chain_id = cfg->chain_id;
	b->unlimited_code_size = cfg->unlimited_code_size;
	b->codes = blockchain_code_cache(es->ctx->bc);
	hc->s = blockchain_store(es->ctx->bc);
	hc->t = a->t;
	b->block_hash = store_view_block_hash;
	b->block_hash_ctx = hc;
	if (bo)
		msgcall_override_block(out, bo);
	out->rev = chain_config_fork(cfg, b->number, b->timestamp);
	if (out->rev >= FORK_PARIS) {
		b->prev_randao = bo && bo->has_random ? bo->random : h->mix_hash;
	} else {
		u256_to_be(&h->difficulty, b->prev_randao.b);
	}
}

/* The ABI string of Error(string) in p[0, n) (after the selector). */
static bool abi_string(const uint8_t *p, size_t n, const uint8_t **s,
                       size_t *len)
{
	if (n < 32)
		return false;
	u256 off = u256_from_be(p, 32);
	if (!u256_fits_u64(&off) || off.w[0] > n - 32)
		return false;
	u256 l = u256_from_be(p + off.w[0], 32);
	size_t room = n - 32 - (size_t)off.w[0];
	if (!u256_fits_u64(&l) || l.w[0] > room)
		return false;
	*s = p + off.w[0] + 32;
	*len = (size_t)l.w[0];
	return true;
}

static const struct {
	uint64_t code;
	const char *text;
} panic_reasons[] = {
	{0x00, "generic panic"},
	{0x01, "assert(false)"},
	{0x11, "arithmetic underflow or overflow"},
	{0x12, "division or modulo by zero"},
	{0x21, "enum overflow"},
	{0x22, "invalid encoded storage byte array accessed"},
	{0x31, "out-of-bounds array access; popping on an empty array"},
	{0x32, "out-of-bounds access of an array or bytesN"},
	{0x41, "out of memory"},
	{0x51, "uninitialized function"},
};

/* Replies a revert as geth's revertError: code 3, the reason decoded
 * from Error(string) or Panic(uint256) when it decodes, data the bytes. */
static void reply_revert(rpc_call *call, const uint8_t *p, size_t n)
{
	static const uint8_t err_sel[4] = {0x08, 0xc3, 0x79, 0xa0};
	static const uint8_t panic_sel[4] = {0x4e, 0x48, 0x7b, 0x71};
	char msg[512] = "execution reverted";
	const uint8_t *s;
	size_t len;
	if (n >= 4 && !memcmp(p, err_sel, 4) && abi_string(p + 4, n - 4, &s, &len)) {
		int shown = len > 400 ? 400 : (int)len;
		snprintf(msg, sizeof msg, "execution reverted: %.*s", shown,
		         (const char *)s);
	} else if (n >= 36 && !memcmp(p, panic_sel, 4)) {
		u256 code = u256_from_be(p + 4, 32);
		const char *text = NULL;
		for (size_t i = 0; u256_fits_u64(&code) &&
		                   i < sizeof panic_reasons / sizeof *panic_reasons;
		     i++)
			if (panic_reasons[i].code == code.w[0])
				text = panic_reasons[i].text;
		if (text) {
			snprintf(msg, sizeof msg, "execution reverted: %s", text);
		} else {
			char hex[67];
			u256_to_hex(&code, hex);
			snprintf(msg, sizeof msg,
			         "execution reverted: unknown panic code: %s", hex);
		}
	}
	rpc_reply_error(call, API_ERR_REVERT, msg, ethjson_data(p, n));
}

/* geth's message for a frame that halted. */
static const char *halt_text(evm_status s)
{
	switch (s) {
	case EVM_SUCCESS:
	case EVM_REVERT:
		return "execution reverted";
	case EVM_OUT_OF_GAS:
		return "out of gas";
	case EVM_INVALID_INSTRUCTION:
		return "invalid opcode: INVALID";
	case EVM_UNDEFINED_INSTRUCTION:
		return "invalid opcode";
	case EVM_STACK_OVERFLOW:
		return "stack limit reached 1024";
	case EVM_STACK_UNDERFLOW:
		return "stack underflow";
	case EVM_BAD_JUMP_DESTINATION:
		return "invalid jump destination";
	case EVM_INVALID_MEMORY_ACCESS:
		return "return data out of bounds";
	case EVM_CALL_DEPTH_EXCEEDED:
		return "max call depth exceeded";
	case EVM_STATIC_MODE_VIOLATION:
		return "write protection";
	case EVM_PRECOMPILE_FAILURE:
		return "precompile failed";
	case EVM_CONTRACT_VALIDATION_FAILURE:
		return "invalid code: must not begin with 0xef";
	case EVM_ARGUMENT_OUT_OF_RANGE:
		return "argument out of range";
	case EVM_INSUFFICIENT_BALANCE:
		return "insufficient balance for transfer";
	case EVM_INTERNAL_ERROR:
		return "internal error";
	}
	return "execution failed";
}

/* geth's message for a message the transition refused. */
static void reply_rejected(rpc_call *call, int err, const msgcall *m)
{
	char msg[256];
	char from[43];
	char *hex = hex_encode_0x(m->from.b, 20);
	snprintf(from, sizeof from, "%s", hex ? hex : "");
	free(hex);
	switch (err) {
	case DURE_ETR_FUNDS:
		snprintf(msg, sizeof msg,
		         "insufficient funds for gas * price + value: address %s",
		         from);
		break;
	case DURE_ETX_INTRINSIC_GAS:
		snprintf(msg, sizeof msg, "intrinsic gas too low");
		break;
	case DURE_ETR_BASE_FEE:
		snprintf(msg, sizeof msg,
		         "max fee per gas less than block base fee: address %s",
		         from);
		break;
	case DURE_ETX_TIP_ABOVE_MAX:
		snprintf(msg, sizeof msg, "max priority fee per gas higher than max "
		                          "fee per gas: address %s", from);
		break;
	case DURE_ETX_NONCE_MAX:
		snprintf(msg, sizeof msg, "nonce has max value: address %s", from);
		break;
	case DURE_ETX_INITCODE_SIZE:
		snprintf(msg, sizeof msg, "max initcode size exceeded");
		break;
	case DURE_ETX_FEE_OVERFLOW:
		snprintf(msg, sizeof msg, "fee cap times gas limit overflows");
		break;
	default:
		api_reply_internal(call, err);
		return;
	}
	rpc_reply_error(call, API_ERR_SERVER, msg, NULL);
}

/* True for the codes reply_rejected words as geth does. */
static bool is_rejection(int err)
{
	return err >= DURE_ETX_TYPE && err <= DURE_ETR_BLOB_GAS;
}

/* What eth_call, eth_estimateGas and eth_createAccessList share: the
 * parsed request, the block, the overrides and the environment. */
typedef struct msg_req {
	call_args args;
	at_block a;
	overrides ov;
	msgcall_block bo;
	store_view hc;
	msgcall_env env;
} msg_req;

static void msg_req_free(msg_req *r)
{
	at_close(&r->a);
	call_args_free(&r->args);
	overrides_free(&r->ov);
}

/* Parses (tx, block?, stateOverrides?, blockOverrides?) with as many of
 * the optional ones as nmax allows. False after a reply. */
static bool msg_req_open(api_eth_state *es, rpc_call *call,
                         const json_t *params, size_t nmax, msg_req *r)
{
	memset(r, 0, sizeof *r);
	api_err e;
	api_block_id id;
	const chain_config *cfg = blockchain_config(es->ctx->bc);
	int err = ethjson_params(params, 1, nmax, &e);
	if (err) {
		api_reply_err(call, &e);
		return false;
	}
	err = get_call_args(ethjson_param(params, 0), cfg->chain_id, &r->args,
	                    &e);
	if (err == DURE_EINVAL)
		api_err_arg(&e, 0);
	if (!err && (err = param_block(params, 1, &id, &e)) != DURE_OK)
		call_args_free(&r->args);
	if (!err && nmax > 2) {
		err = get_overrides(ethjson_param(params, 2), &r->ov, &e);
		if (err == DURE_EINVAL)
			api_err_arg(&e, 2);
		if (err)
			call_args_free(&r->args);
	}
	if (!err && nmax > 3) {
		err = get_block_overrides(ethjson_param(params, 3), &r->bo, &e);
		if (err == DURE_EINVAL)
			api_err_arg(&e, 3);
		if (err) {
			call_args_free(&r->args);
			overrides_free(&r->ov);
		}
	}
	if (err == DURE_EINVAL) {
		api_reply_err(call, &e);
		return false;
	}
	if (err) {
		api_reply_internal(call, err);
		return false;
	}
	err = at_open(es, &id, &r->a);
	if (err) {
		call_args_free(&r->args);
		overrides_free(&r->ov);
		reply_open_err(call, err);
		return false;
	}
	call_env(es, &r->a, &r->hc, &r->ov, nmax > 3 ? &r->bo : NULL, &r->env);
	return true;
}

static void m_call(rpc_call *call, json_t *params, void *arg)
{
	msg_req r;
	if (!msg_req_open(arg, call, params, 4, &r))
		return;
	msgcall_result res;
	int err = msgcall_run(&r.env, &r.args.m, &res);
	if (err && is_rejection(err))
		reply_rejected(call, err, &r.args.m);
	else if (err)
		api_reply_internal(call, err);
	else if (res.status == EVM_REVERT)
		reply_revert(call, res.output.data, res.output.len);
	else if (res.status != EVM_SUCCESS)
		rpc_reply_error(call, API_ERR_SERVER, halt_text(res.status), NULL);
	else
		api_reply_json(call, ethjson_data(res.output.data, res.output.len));
	if (!err)
		msgcall_result_free(&res);
	msg_req_free(&r);
}

static void m_estimate_gas(rpc_call *call, json_t *params, void *arg)
{
	msg_req r;
	if (!msg_req_open(arg, call, params, 3, &r))
		return;
	msgcall_estimate_result res;
	int err = msgcall_estimate(&r.env, &r.args.m, &res);
	if (err == DURE_ETR_FUNDS && res.short_of_value) {
		rpc_reply_error(call, API_ERR_SERVER,
		                "insufficient funds for transfer", NULL);
	} else if (err && is_rejection(err)) {
		reply_rejected(call, err, &r.args.m);
	} else if (err) {
		api_reply_internal(call, err);
	} else if (res.status == EVM_OUT_OF_GAS) {
		char msg[64];
		snprintf(msg, sizeof msg, "gas required exceeds allowance (%llu)",
		         (unsigned long long)res.allowance);
		rpc_reply_error(call, API_ERR_SERVER, msg, NULL);
	} else if (res.status == EVM_REVERT) {
		reply_revert(call, res.output.data, res.output.len);
	} else if (res.status != EVM_SUCCESS) {
		rpc_reply_error(call, API_ERR_SERVER, halt_text(res.status), NULL);
	} else {
		api_reply_json(call, ethjson_u64(res.gas));
	}
	msgcall_estimate_result_free(&res);
	msg_req_free(&r);
}

static json_t *access_list_json(const tx_access *l, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++) {
		json_t *keys = json_array();
		for (size_t k = 0; keys && k < l[i].nkeys; k++)
			if (json_array_append_new(keys, ethjson_hash(&l[i].keys[k]))) {
				json_decref(keys);
				keys = NULL;
			}
		json_t *o = json_pack("{s:o?,s:o?}", "address",
		                      ethjson_address(&l[i].addr), "storageKeys", keys);
		if (!o || !keys || json_array_append_new(a, o)) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static void m_create_access_list(rpc_call *call, json_t *params, void *arg)
{
	msg_req r;
	if (!msg_req_open(arg, call, params, 2, &r))
		return;
	msgcall_access_result res;
	int err = msgcall_access_list(&r.env, &r.args.m, &res);
	if (err && is_rejection(err)) {
		reply_rejected(call, err, &r.args.m);
	} else if (err) {
		api_reply_internal(call, err);
	} else {
		json_t *o = json_pack("{s:o?,s:o?}", "accessList",
		                      access_list_json(res.list, res.n), "gasUsed",
		                      ethjson_u64(res.run.rc.gas_used));
		/* geth reports the last run's failure beside the list. */
		if (o && res.run.status != EVM_SUCCESS)
			json_object_set_new(o, "error",
			                    json_string(halt_text(res.run.status)));
		api_reply_json(call, o);
		msgcall_access_result_free(&res);
	}
	msg_req_free(&r);
}

/* ---- registration ---- */

void api_eth_state_free(api_eth_state *s)
{
	if (s)
		store_history_free(s->hist);
	free(s);
}

int api_eth_state_register(rpc_registry *reg, api_ctx *ctx, uint64_t gas_cap,
                           api_eth_state **out)
{
	*out = NULL;
	api_eth_state *s = calloc(1, sizeof *s);
	if (!s)
		return DURE_ENOMEM;
	s->ctx = ctx;
	s->gas_cap = gas_cap;
	int err = store_history_open(blockchain_store(ctx->bc), &s->hist);
	static const rpc_method methods[] = {
		{"eth_getBalance", m_get_balance},
		{"eth_getTransactionCount", m_get_tx_count},
		{"eth_getCode", m_get_code},
		{"eth_getStorageAt", m_get_storage},
		{"eth_getProof", m_get_proof},
		{"eth_call", m_call},
		{"eth_estimateGas", m_estimate_gas},
		{"eth_createAccessList", m_create_access_list},
	};
	if (!err)
		err = rpc_register_all(reg, methods, sizeof methods / sizeof *methods,
		                       s);
	if (err) {
		api_eth_state_free(s);
		return err;
	}
	*out = s;
	return DURE_OK;
}
