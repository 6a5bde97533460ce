/* eth_subscribe / eth_unsubscribe (see subscribe.h). */
#include "api/subscribe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "api/eth_chain.h"
#include "api/ethjson.h"
#include "base/clock.h"
#include "base/hex.h"
#include "crypto/keccak.h"
#include "store/store.h"
#include "txpool/txpool.h"

#define RPC_SERVER_ERROR (-32000)
#define RPC_LIMIT_EXCEEDED (-32005)

/* "0x" + 32 hex digits + NUL. */
#define SUB_ID_MAX 35

typedef enum sub_kind { SUB_HEADS, SUB_LOGS, SUB_PENDING } sub_kind;

typedef struct sub {
	sub_kind kind;
	char id[SUB_ID_MAX];
	rpc_session *session;    /* borrowed until its close callback */
	api_log_filter *filter;  /* SUB_LOGS */
	bool full;               /* SUB_PENDING: transaction objects */
	bool refused;            /* its session refused a notification and is
	                          * closing: push nothing more */
} sub;

struct api_subs {
	api_ctx *ctx;
	sub *subs[API_SUBS_MAX]; /* subs[0..n), oldest first */
	size_t n;
	uint8_t id_key[32];      /* ids: keccak(id_key || counter) */
	uint64_t id_counter;
};

static void sub_free(sub *x)
{
	api_log_filter_free(x->filter);
	free(x);
}

static size_t session_count(const api_subs *s, const rpc_session *sess)
{
	size_t k = 0;
	for (size_t i = 0; i < s->n; i++)
		k += s->subs[i]->session == sess;
	return k;
}

static void remove_at(api_subs *s, size_t i)
{
	sub_free(s->subs[i]);
	memmove(&s->subs[i], &s->subs[i + 1], (s->n - i - 1) * sizeof s->subs[0]);
	s->n--;
}

/* The session's close callback: its subscriptions end with it. */
static void on_session_close(void *arg, rpc_session *sess)
{
	api_subs *s = arg;
	for (size_t i = s->n; i-- > 0;)
		if (s->subs[i]->session == sess)
			remove_at(s, i);
}

/* Pushes result (borrowed) to x's connection. */
static void push(sub *x, json_t *result)
{
	if (x->refused || !result)
		return;
	json_t *p = json_object();
	if (!p || json_object_set_new(p, "subscription", json_string(x->id)) ||
	    json_object_set(p, "result", result)) {
		json_decref(p);
		return;
	}
	if (rpc_session_notify(x->session, "eth_subscription", p) == DURE_EBUSY)
		x->refused = true;
}

/* ---- ids ---- */

/* Writes the next id: 16 bytes of keccak(id_key || counter) as a
 * quantity, geth's form (leading zero digits dropped, "0x0" for zero). */
static void next_id(api_subs *s, char out[SUB_ID_MAX])
{
	uint8_t seed[40], h[32];
	memcpy(seed, s->id_key, 32);
	uint64_t c = ++s->id_counter;
	memcpy(seed + 32, &c, 8);
	keccak256(seed, sizeof seed, h);
	char digits[33];
	hex_encode(h, 16, digits);
	const char *d = digits;
	while (d[0] == '0' && d[1])
		d++;
	snprintf(out, SUB_ID_MAX, "0x%s", d);
}

/* ---- methods ---- */

static void reply_code(rpc_call *call, int code, const char *msg)
{
	rpc_reply_error(call, code, msg, NULL);
}

/* Decodes the arguments after the name into x; replies the error and
 * returns false when they are wrong. */
static bool sub_args(rpc_call *call, const json_t *params, sub *x)
{
	api_err e;
	int err = DURE_OK;
	switch (x->kind) {
	case SUB_HEADS:
		err = ethjson_params(params, 1, 1, &e);
		break;
	case SUB_LOGS:
		err = ethjson_params(params, 2, 2, &e);
		if (!err) {
			err = api_log_filter_new(ethjson_param(params, 1), &x->filter, &e);
			if (err == DURE_EINVAL)
				api_err_arg(&e, 1);
		}
		break;
	case SUB_PENDING:
		err = ethjson_params(params, 1, 2, &e);
		if (!err && ethjson_param(params, 1)) {
			err = ethjson_get_bool(ethjson_param(params, 1), &x->full, &e);
			if (err)
				api_err_arg(&e, 1);
		}
		break;
	}
	if (err == DURE_ENOMEM)
		api_reply_internal(call, err);
	else if (err)
		api_reply_err(call, &e);
	return err == DURE_OK;
}

static void m_subscribe(rpc_call *call, json_t *params, void *arg)
{
	api_subs *s = arg;
	rpc_session *sess = rpc_call_session(call);
	if (!sess) {
		reply_code(call, RPC_METHOD_NOT_FOUND, "notifications not supported");
		return;
	}
	const json_t *name = json_is_array(params) ? json_array_get(params, 0)
	                                           : NULL;
	if (!json_is_string(name)) {
		reply_code(call, RPC_INVALID_PARAMS,
		           json_is_array(params)
		               ? "expected subscription name as first argument"
		               : "non-array args");
		return;
	}
	const char *kind = json_string_value(name);
	sub *x = calloc(1, sizeof *x);
	if (!x) {
		api_reply_internal(call, DURE_ENOMEM);
		return;
	}
	if (strcmp(kind, "newHeads") == 0) {
		x->kind = SUB_HEADS;
	} else if (strcmp(kind, "logs") == 0) {
		x->kind = SUB_LOGS;
	} else if (strcmp(kind, "newPendingTransactions") == 0) {
		x->kind = SUB_PENDING;
	} else {
		char msg[160];
		snprintf(msg, sizeof msg, "no \"%.100s\" subscription in eth namespace",
		         kind);
		free(x);
		reply_code(call, RPC_METHOD_NOT_FOUND, msg);
		return;
	}
	if (!sub_args(call, params, x)) {
		sub_free(x);
		return;
	}
	if (s->n == API_SUBS_MAX ||
	    session_count(s, sess) >= API_SUBS_PER_SESSION_MAX) {
		sub_free(x);
		reply_code(call, RPC_LIMIT_EXCEEDED, "too many subscriptions");
		return;
	}
	x->session = sess;
	next_id(s, x->id);
	json_t *id = json_string(x->id);
	if (!id || rpc_session_on_close(sess, on_session_close, s) != DURE_OK) {
		json_decref(id);
		sub_free(x);
		api_reply_internal(call, DURE_ENOMEM);
		return;
	}
	s->subs[s->n++] = x;
	rpc_reply(call, id);
}

static void m_unsubscribe(rpc_call *call, json_t *params, void *arg)
{
	api_subs *s = arg;
	api_err e;
	if (ethjson_params(params, 1, 1, &e)) {
		api_reply_err(call, &e);
		return;
	}
	const json_t *v = ethjson_param(params, 0);
	if (!json_is_string(v)) {
		api_errf(&e, "json: cannot unmarshal non-string into Go value of "
		             "type rpc.ID");
		api_err_arg(&e, 0);
		api_reply_err(call, &e);
		return;
	}
	rpc_session *sess = rpc_call_session(call);
	for (size_t i = 0; sess && i < s->n; i++) {
		if (s->subs[i]->session != sess ||
		    strcmp(s->subs[i]->id, json_string_value(v)) != 0)
			continue;
		remove_at(s, i);
		if (session_count(s, sess) == 0)
			rpc_session_off_close(sess, on_session_close, s);
		rpc_reply(call, json_true());
		return;
	}
	reply_code(call, RPC_SERVER_ERROR, "subscription not found");
}

/* ---- events ---- */

static bool any_of(const api_subs *s, sub_kind kind)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->subs[i]->kind == kind)
			return true;
	return false;
}

/* The newHeads object of header h (hash): the block object of a header
 * alone, less the body's fields. */
static json_t *head_json(const header *h, const h256 *hash)
{
	/* The body's encoding must agree with the header's fields. */
	block b = {.h = *h, .has_withdrawals = h->has_withdrawals_root};
	json_t *o;
	if (ethjson_block(&b, hash, NULL, false, NULL, &o) != DURE_OK)
		return NULL;
	static const char *const body_keys[] = {"transactions", "uncles",
	                                        "withdrawals", "size"};
	for (size_t i = 0; i < sizeof body_keys / sizeof body_keys[0]; i++)
		json_object_del(o, body_keys[i]);
	return o;
}

/* Pushes the logs of block (hash, h) that each logs subscription matches,
 * marked removed or not. */
static void push_logs(api_subs *s, store *st, db_txn *t, const h256 *hash,
                      const header *h, bool removed)
{
	bool wanted = false;
	for (size_t i = 0; i < s->n && !wanted; i++)
		wanted = s->subs[i]->kind == SUB_LOGS &&
		         api_log_filter_block(s->subs[i]->filter, h->number, h->bloom);
	if (!wanted)
		return;
	receipt *r = NULL;
	size_t nr = 0;
	block b = {0};
	int err = store_receipts(st, t, hash, &r, &nr);
	if (!err)
		err = store_block(st, t, hash, &b);
	if (!err && nr != b.ntxs)
		err = DURE_EDB_CORRUPT;
	uint64_t log_index = 0;
	for (size_t i = 0; !err && i < nr; i++) {
		h256 th;
		if (r[i].nlogs && tx_hash(&b.txs[i], &th) != DURE_OK) {
			log_index += r[i].nlogs;
			continue;
		}
		for (size_t j = 0; j < r[i].nlogs; j++, log_index++) {
			const state_log *l = &r[i].logs[j];
			api_log_loc loc = {hash, h->number, &th, i, log_index,
			                   removed};
			json_t *o = NULL;
			for (size_t k = 0; k < s->n; k++) {
				sub *x = s->subs[k];
				if (x->kind != SUB_LOGS ||
				    !api_log_filter_block(x->filter, h->number, h->bloom) ||
				    !api_log_filter_match(x->filter, l))
					continue;
				if (!o)
					o = ethjson_log(l, &loc);
				push(x, o);
			}
			json_decref(o);
		}
	}
	for (size_t i = 0; i < nr; i++)
		receipt_free(&r[i]);
	free(r);
	block_free(&b);
}

void api_subs_on_head(api_subs *s, const h256 *removed, size_t nremoved,
                      const h256 *added, size_t nadded)
{
	bool heads = any_of(s, SUB_HEADS), logs = any_of(s, SUB_LOGS);
	if (!heads && !logs)
		return;
	store *st = blockchain_store(s->ctx->bc);
	db_txn *t;
	if (db_begin_read(store_db(st), &t) != DURE_OK)
		return;
	/* No gas used: no transactions, no logs. */
	for (size_t k = 0; logs && k < nremoved; k++) {
		header h;
		if (store_header(st, t, &removed[k], &h) == DURE_OK && h.gas_used)
			push_logs(s, st, t, &removed[k], &h, true);
	}
	for (size_t k = 0; k < nadded; k++) {
		header h;
		if (store_header(st, t, &added[k], &h) != DURE_OK)
			continue;
		if (heads) {
			json_t *o = head_json(&h, &added[k]);
			for (size_t i = 0; o && i < s->n; i++)
				if (s->subs[i]->kind == SUB_HEADS)
					push(s->subs[i], o);
			json_decref(o);
		}
		if (logs && h.gas_used)
			push_logs(s, st, t, &added[k], &h, false);
	}
	db_abort(t);
}

void api_subs_on_pending_tx(api_subs *s, const h256 *hash)
{
	json_t *hj = NULL, *full = NULL;
	bool tried = false;
	for (size_t i = 0; i < s->n; i++) {
		sub *x = s->subs[i];
		if (x->kind != SUB_PENDING)
			continue;
		if (!x->full) {
			if (!hj)
				hj = ethjson_hash(hash);
			push(x, hj);
			continue;
		}
		if (!tried) {
			tried = true;
			const txpool_entry *e = s->ctx->pool
			                            ? txpool_get(s->ctx->pool, hash)
			                            : NULL;
			if (e && ethjson_tx(&e->tx, &e->hash, &e->sender, NULL, &full) !=
			             DURE_OK)
				full = NULL;
		}
		push(x, full);
	}
	json_decref(hj);
	json_decref(full);
}

/* ---- lifetime and registration ---- */

int api_subs_new(api_ctx *ctx, api_subs **out)
{
	api_subs *s = calloc(1, sizeof *s);
	*out = NULL;
	if (!s)
		return DURE_ENOMEM;
	s->ctx = ctx;
	/* Ids only need to be hard to guess; without getrandom the clock and
	 * the address of s still make them unique. */
	if (getrandom(s->id_key, sizeof s->id_key, 0) !=
	    (ssize_t)sizeof s->id_key) {
		uint64_t seed[2] = {dure_monotonic_ns(), (uint64_t)(uintptr_t)s};
		keccak256((const uint8_t *)seed, sizeof seed, s->id_key);
	}
	*out = s;
	return DURE_OK;
}

void api_subs_free(api_subs *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		rpc_session_off_close(s->subs[i]->session, on_session_close, s);
		sub_free(s->subs[i]);
	}
	free(s);
}

int api_subs_register(rpc_registry *reg, api_subs *s)
{
	int err = rpc_register(reg, "eth_subscribe", m_subscribe, s);
	if (!err)
		err = rpc_register(reg, "eth_unsubscribe", m_unsubscribe, s);
	return err;
}
