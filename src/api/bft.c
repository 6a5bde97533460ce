/* dure_bftStatus and dure_bftEvidence (see bft.h). */
#include "api/bft.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "api/ethjson.h"

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

/* Appends v to a, stealing v; on failure frees a and returns NULL. */
static json_t *append(json_t *a, json_t *v)
{
	if (!v || json_array_append_new(a, v)) {
		json_decref(a);
		return NULL;
	}
	return a;
}

/* The object o once every put succeeded, else NULL (o freed). */
static json_t *done(json_t *o, bool ok)
{
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *step_json(const char *const names[3], uint8_t step)
{
	return step < 3 ? json_string(names[step]) : json_null();
}

static json_t *set_address(const bft_valset *set, uint32_t index)
{
	return index < set->n ? ethjson_address(&set->v[index].addr)
	                      : json_null();
}

static json_t *round_hash(int32_t round, const h256 *h)
{
	return round >= 0 ? ethjson_hash(h) : json_null();
}

static json_t *validators_json(const bft_valset *set)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < set->n; i++) {
		const bft_validator *v = &set->v[i];
		char prio[24];
		snprintf(prio, sizeof prio, "%" PRId64, v->priority);
		json_t *o = json_object();
		bool ok = put(o, "address", ethjson_address(&v->addr), true);
		ok = put(o, "power", ethjson_u64(v->power), ok);
		ok = put(o, "proposerPriority", json_string(prio), ok);
		a = append(a, done(o, ok));
	}
	return a;
}

static json_t *commit_json(const bft_commit *c, const bft_valset *set)
{
	json_t *sigs = json_array();
	for (size_t i = 0; sigs && i < c->n; i++) {
		const bft_commit_sig *s = &c->sigs[i];
		json_t *o = json_object();
		bool ok = put(o, "validator", set_address(set, s->index), true);
		ok = put(o, "index", json_integer(s->index), ok);
		ok = put(o, "signature", ethjson_data(s->sig, BFT_SIG_LEN), ok);
		sigs = append(sigs, done(o, ok));
	}
	json_t *o = json_object();
	bool ok = put(o, "height", ethjson_u64(c->height), true);
	ok = put(o, "hash", ethjson_hash(&c->hash), ok);
	ok = put(o, "round", ethjson_u64(c->round), ok);
	ok = put(o, "signatures", sigs, ok);
	return done(o, ok);
}

json_t *api_bft_status_json(const bft_driver_status *st)
{
	static const char *const steps[3] = {
		[BFT_PROPOSE] = "propose",
		[BFT_PREVOTE] = "prevote",
		[BFT_PRECOMMIT] = "precommit",
	};
	const bft_status *m = &st->m;
	json_t *o = json_object();
	bool ok = put(o, "height", ethjson_u64(m->height), true);
	ok = put(o, "round", ethjson_u64(m->round), ok);
	ok = put(o, "step", step_json(steps, m->step), ok);
	ok = put(o, "decided", json_boolean(m->decided), ok);
	ok = put(o, "lockedRound", json_integer(m->locked_round), ok);
	ok = put(o, "lockedHash", round_hash(m->locked_round, &m->locked), ok);
	ok = put(o, "validRound", json_integer(m->valid_round), ok);
	ok = put(o, "validHash", round_hash(m->valid_round, &m->valid), ok);
	ok = put(o, "proposer", set_address(&st->set, m->proposer), ok);
	ok = put(o, "validator", json_boolean(st->validator), ok);
	ok = put(o, "self",
	         st->validator ? ethjson_address(&st->self) : json_null(), ok);
	ok = put(o, "validators", validators_json(&st->set), ok);
	ok = put(o, "totalPower", ethjson_u64(st->set.total), ok);
	ok = put(o, "peers", json_integer((json_int_t)st->peers), ok);
	ok = put(o, "lastCommit",
	         st->has_commit ? commit_json(&st->commit, &st->commit_set)
	                        : json_null(), ok);
	return done(o, ok);
}

json_t *api_bft_evidence_json(const bft_evidence *ev, size_t n)
{
	static const char *const steps[3] = {
		[BFT_STEP_PROPOSAL] = "proposal",
		[BFT_STEP_PREVOTE] = "prevote",
		[BFT_STEP_PRECOMMIT] = "precommit",
	};
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++) {
		const bft_evidence *e = &ev[i];
		json_t *o = json_object();
		bool ok = put(o, "height", ethjson_u64(e->height), true);
		ok = put(o, "round", ethjson_u64(e->round), ok);
		ok = put(o, "step", step_json(steps, e->step), ok);
		ok = put(o, "validator", ethjson_address(&e->signer), ok);
		ok = put(o, "index", json_integer(e->index), ok);
		ok = put(o, "seenAt", json_integer((json_int_t)e->seen_ms), ok);
		ok = put(o, "first", ethjson_data(e->a, e->a_len), ok);
		ok = put(o, "second", ethjson_data(e->b, e->b_len), ok);
		a = append(a, done(o, ok));
	}
	return a;
}

/* Replies RPC_INVALID_PARAMS and returns false unless params is empty. */
static bool no_params(rpc_call *call, const json_t *params)
{
	api_err e;
	if (ethjson_params(params, 0, 0, &e)) {
		api_reply_err(call, &e);
		return false;
	}
	return true;
}

static void m_status(rpc_call *call, json_t *params, void *ctx)
{
	if (!no_params(call, params))
		return;
	bft_driver_status st;
	bft_driver_status_get(ctx, &st);
	api_reply_json(call, api_bft_status_json(&st));
}

static void m_evidence(rpc_call *call, json_t *params, void *ctx)
{
	if (!no_params(call, params))
		return;
	size_t n;
	const bft_evidence *ev = bft_driver_evidence(ctx, &n);
	api_reply_json(call, api_bft_evidence_json(ev, n));
}

int api_bft_register(rpc_registry *reg, bft_driver *d)
{
	static const rpc_method methods[] = {
		{"dure_bftStatus", m_status},
		{"dure_bftEvidence", m_evidence},
	};
	return rpc_register_all(reg, methods, sizeof methods / sizeof *methods,
	                        d);
}
