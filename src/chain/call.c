#include "chain/call.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/keccak.h"
#include "evm/precompiles.h"
#include "rlp/rlp.h"

#define TX_GAS 21000          /* a plain transfer */
#define CALL_STIPEND 2300

void msgcall_result_free(msgcall_result *r)
{
	buf_free(&r->output);
	receipt_free(&r->rc);
	memset(r, 0, sizeof *r);
}

void msgcall_estimate_result_free(msgcall_estimate_result *r)
{
	buf_free(&r->output);
	memset(r, 0, sizeof *r);
}

static void access_list_free(tx_access *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i].keys);
	free(l);
}

void msgcall_access_result_free(msgcall_access_result *r)
{
	access_list_free(r->list, r->n);
	msgcall_result_free(&r->run);
	memset(r, 0, sizeof *r);
}

void msgcall_override_block(msgcall_env *e, const msgcall_block *o)
{
	block_env *b = &e->block;
	if (o->has_number)
		b->number = o->number;
	if (o->has_time)
		b->timestamp = o->time;
	if (o->has_gas_limit)
		b->gas_limit = o->gas_limit;
	if (o->has_coinbase)
		b->coinbase = o->coinbase;
	if (o->has_random)
		b->prev_randao = o->random;
	if (o->has_base_fee)
		b->base_fee = o->base_fee;
	if (o->has_blob_base_fee) {
		e->has_blob_fee = true;
		e->blob_fee = o->blob_base_fee;
	}
}

int msgcall_override_state(state *st, const msgcall_account *o, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const msgcall_account *a = &o[i];
		if (a->replace_storage) {
			/* Marking the account created wipes what the backend
			 * stores for it; the mark itself ends with the
			 * state_end_tx below. */
			state_create_account(st, &a->addr);
			state_mark_created(st, &a->addr);
		}
		if (a->has_nonce)
			state_set_nonce(st, &a->addr, a->nonce);
		if (a->has_code)
			state_set_code(st, &a->addr, a->code, a->code_len);
		if (a->has_balance)
			state_set_balance(st, &a->addr, &a->balance);
		for (size_t k = 0; k < a->nslots; k++)
			state_set_storage(st, &a->addr, &a->slots[k].key,
			                  &a->slots[k].value);
	}
	/* Committed, so that the message's SSTOREs price against the
	 * overridden values as their originals. */
	state_end_tx(st, false);
	if (state_failed(st))
		return state_error(st);
	return DURE_OK;
}

/* keccak(rlp[sender, nonce])[12:]. Returns DURE_OK or DURE_ENOMEM. */
static int create_address(const address *sender, uint64_t nonce,
                          address *out)
{
	buf b = BUF_INIT;
	size_t mark = rlp_list_begin(&b);
	rlp_put_bytes(&b, sender->b, 20);
	rlp_put_u64(&b, nonce);
	rlp_list_end(&b, mark);
	int err = buf_failed(&b) ? DURE_ENOMEM : DURE_OK;
	if (!err) {
		uint8_t h[32];
		keccak256(b.data, b.len, h);
		memcpy(out->b, h + 12, 20);
	}
	buf_free(&b);
	return err;
}

/* The price m pays per gas at base fee `base` (geth's ToMessage): its gas
 * price, or the tip over the base fee capped at the fee cap, or zero
 * when it names neither. */
static u256 message_price(const msgcall *m, fork rev, const u256 *base)
{
	if (m->has_gas_price)
		return m->gas_price;
	if (rev < FORK_LONDON)
		return U256_ZERO;
	u256 cap = m->has_max_fee ? m->max_fee : U256_ZERO;
	u256 tip = m->has_max_priority_fee ? m->max_priority_fee : U256_ZERO;
	if (u256_is_zero(&cap) && u256_is_zero(&tip))
		return U256_ZERO;
	u256 p;
	if (u256_add_overflow(&p, &tip, base) || u256_gt(&p, &cap))
		return cap;
	return p;
}

/* The unsigned transaction that carries m with gas limit `gas` and the
 * sender's nonce in st, with the placeholder signature: a message has no
 * signature to check. The access list is
 * borrowed from `list`; the caller must not tx_free the result. */
static tx message_tx(const msgcall *m, fork rev, const block_env *env,
                     uint64_t gas, uint64_t nonce, const tx_access *list,
                     size_t nlist)
{
	tx t = {0};
	t.nonce = nonce;
	t.gas_limit = gas;
	t.has_to = m->has_to;
	t.to = m->to;
	t.value = m->value;
	t.data = (uint8_t *)m->data;
	t.data_size = m->data_size;
	if (rev >= FORK_LONDON) {
		t.type = TX_DYNAMIC_FEE;
		t.max_fee = m->has_gas_price ? m->gas_price
		            : m->has_max_fee ? m->max_fee : U256_ZERO;
		t.max_priority_fee = m->has_gas_price ? m->gas_price
		                     : m->has_max_priority_fee ? m->max_priority_fee
		                                               : U256_ZERO;
	} else {
		t.type = rev >= FORK_BERLIN ? TX_ACCESS_LIST : TX_LEGACY;
		t.gas_price = m->has_gas_price ? m->gas_price : U256_ZERO;
	}
	if (t.type != TX_LEGACY) {
		t.has_chain_id = true;
		t.chain_id = env->chain_id;
		t.access_list = (tx_access *)list;
		t.access_list_len = nlist;
	}
	tx_placeholder_sign(&t);
	return t;
}

/* The gas limit m runs with when it names none: the block's, within the
 * cap. */
static uint64_t message_gas(const msgcall_env *e, const msgcall *m)
{
	uint64_t gas = m->has_gas ? m->gas : e->block.gas_limit;
	if (e->gas_cap && gas > e->gas_cap)
		gas = e->gas_cap;
	return gas;
}

/* A fresh state over e's base with e's overrides. */
static int open_state(const msgcall_env *e, state **out)
{
	int err = state_new_backed(e->base, out);
	if (err)
		return err;
	err = msgcall_override_state(*out, e->overrides, e->noverrides);
	if (err) {
		state_free(*out);
		*out = NULL;
	}
	return err;
}

/* Runs m once with gas limit gas and access list list[0, nlist), the
 * accesses reported to hooks when it is not NULL. */
static int run_once(const msgcall_env *e, const msgcall *m, uint64_t gas,
                    const tx_access *list, size_t nlist,
                    const transition_opts *hooks, msgcall_result *out)
{
	memset(out, 0, sizeof *out);
	if (m->has_gas_price && (m->has_max_fee || m->has_max_priority_fee))
		return DURE_EINVAL;
	state *st;
	int err = open_state(e, &st);
	if (err)
		return err;
	block_env env = e->block;
	u256 price = message_price(m, e->rev, &env.base_fee);
	/* geth lowers the base fee of a free call to zero, so that the fee
	 * cap passes the base fee check and BASEFEE agrees with the price. */
	if (u256_is_zero(&price))
		env.base_fee = U256_ZERO;
	uint64_t nonce = state_nonce(st, &m->from);
	tx t = message_tx(m, e->rev, &env, gas, nonce, list, nlist);
	transition_opts o = hooks ? *hooks : (transition_opts){0};
	o.skip_sender_code = true;
	o.skip_block_gas = true;
	o.blob_fee = e->has_blob_fee ? &e->blob_fee : NULL;
	err = transition_apply_opts(st, e->rev, &env, &t, &m->from, NULL, &o,
	                            NULL, &out->output, &out->status, &out->rc);
	if (!err && !m->has_to) {
		err = create_address(&m->from, nonce, &out->contract);
		if (!err && out->status == EVM_SUCCESS) {
			size_t n;
			const uint8_t *code = state_code(st, &out->contract, &n);
			err = buf_append(&out->output, code, n);
		}
	}
	/* A backend that failed shows as a failed state: report its error
	 * rather than the transition's out-of-memory. */
	if (state_failed(st))
		err = state_error(st);
	state_free(st);
	if (err)
		msgcall_result_free(out);
	return err;
}

int msgcall_run(const msgcall_env *e, const msgcall *m, msgcall_result *out)
{
	return run_once(e, m, message_gas(e, m), m->access_list,
	                m->access_list_len, NULL, out);
}

/* ---- gas estimation ---- */

/* One probe of the search at gas limit gas: *failed when it did not
 * succeed, counting a gas limit below the intrinsic gas as a failure to
 * raise. */
static int probe(const msgcall_env *e, const msgcall *m, uint64_t gas,
                 bool *failed)
{
	msgcall_result r;
	int err = run_once(e, m, gas, m->access_list, m->access_list_len, NULL,
	                   &r);
	if (err == DURE_ETX_INTRINSIC_GAS) {
		*failed = true;
		return DURE_OK;
	}
	if (err)
		return err;
	*failed = r.status != EVM_SUCCESS;
	msgcall_result_free(&r);
	return DURE_OK;
}

/* The highest gas limit the search tries, as geth bounds it: m's gas or
 * the block's, what the sender's funds pay for at m's fee cap, the gas
 * cap. */
static int upper_bound(const msgcall_env *e, const msgcall *m, uint64_t *hi,
                       bool *short_of_value)
{
	*short_of_value = false;
	*hi = m->has_gas && m->gas >= TX_GAS ? m->gas : e->block.gas_limit;
	const u256 *cap = m->has_max_fee     ? &m->max_fee
	                  : m->has_gas_price ? &m->gas_price
	                                     : NULL;
	if (cap && !u256_is_zero(cap)) {
		state *st;
		int err = open_state(e, &st);
		if (err)
			return err;
		u256 avail = state_balance(st, &m->from);
		err = state_failed(st) ? state_error(st) : DURE_OK;
		state_free(st);
		if (err)
			return err;
		if (!u256_lt(&m->value, &avail)) {
			*short_of_value = true;
			return DURE_ETR_FUNDS;
		}
		avail = u256_sub(&avail, &m->value);
		u256 allow = u256_div(&avail, cap);
		if (u256_fits_u64(&allow) && *hi > allow.w[0])
			*hi = allow.w[0];
	}
	if (e->gas_cap && *hi > e->gas_cap)
		*hi = e->gas_cap;
	return DURE_OK;
}

/* A transfer to an account without code, which 21000 may well pay for. */
static int plain_transfer(const msgcall_env *e, const msgcall *m, bool *plain)
{
	*plain = false;
	if (m->data_size || !m->has_to)
		return DURE_OK;
	state *st;
	int err = open_state(e, &st);
	if (err)
		return err;
	size_t n;
	state_code(st, &m->to, &n);
	err = state_failed(st) ? state_error(st) : DURE_OK;
	state_free(st);
	*plain = n == 0;
	return err;
}

int msgcall_estimate(const msgcall_env *e, const msgcall *m,
                     msgcall_estimate_result *out)
{
	memset(out, 0, sizeof *out);
	uint64_t hi;
	bool short_of_value, plain, failed;
	int err = upper_bound(e, m, &hi, &short_of_value);
	if (err) {
		out->short_of_value = short_of_value;
		return err;
	}
	out->allowance = hi;
	err = plain_transfer(e, m, &plain);
	if (err)
		return err;
	if (plain) {
		/* A rejection here is for the run at hi to report. */
		err = probe(e, m, TX_GAS, &failed);
		if (err == DURE_ENOMEM)
			return err;
		if (!err && !failed) {
			out->gas = TX_GAS;
			return DURE_OK;
		}
	}
	msgcall_result r;
	err = run_once(e, m, hi, m->access_list, m->access_list_len, NULL, &r);
	if (err == DURE_ETX_INTRINSIC_GAS) {
		out->status = EVM_OUT_OF_GAS;
		return DURE_OK;
	}
	if (err) {
		memset(out, 0, sizeof *out);
		return err;
	}
	if (r.status != EVM_SUCCESS) {
		out->status = r.status;
		if (r.status != EVM_OUT_OF_GAS) {
			out->output = r.output;
			r.output = (buf)BUF_INIT;
		}
		msgcall_result_free(&r);
		return DURE_OK;
	}
	/* The gas used bounds the limit from below for almost any message
	 * (one that checks the gas left may need less, which is no loss). */
	uint64_t used = r.rc.gas_used;
	msgcall_result_free(&r);
	uint64_t lo = used - 1;
	if (used < UINT64_MAX / 64 - CALL_STIPEND) {
		/* geth's guess: the 63/64 rule and the stipend on top of what
		 * the run used. */
		uint64_t guess = (used + CALL_STIPEND) * 64 / 63;
		if (guess < hi) {
			err = probe(e, m, guess, &failed);
			if (err)
				goto fail;
			if (failed)
				lo = guess;
			else
				hi = guess;
		}
	}
	while (lo + 1 < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		/* Most messages need little more than they use: bisect
		 * toward the low end. */
		if (lo <= UINT64_MAX / 2 && mid > lo * 2)
			mid = lo * 2;
		err = probe(e, m, mid, &failed);
		if (err)
			goto fail;
		if (failed)
			lo = mid;
		else
			hi = mid;
	}
	out->gas = hi;
	return DURE_OK;
fail:
	memset(out, 0, sizeof *out);
	return err;
}

/* ---- access lists ---- */

/* The accounts and slots a run accessed, as geth's access-list tracer
 * keeps them. kcap[i] is the capacity of list[i].keys. */
typedef struct access_rec {
	tx_access *list;
	size_t *kcap;
	size_t n, cap;
	address from, to;     /* never listed on their own */
	fork rev;
	bool grew;            /* something was added since the copy */
	bool oom;
} access_rec;

static void rec_free(access_rec *r)
{
	access_list_free(r->list, r->n);
	free(r->kcap);
	r->list = NULL;
	r->kcap = NULL;
	r->n = r->cap = 0;
}

static bool excluded(const access_rec *r, const address *a)
{
	return address_eq(a, &r->from) || address_eq(a, &r->to) ||
	       evm_is_precompile(a, r->rev);
}

/* The entry of a, added when missing; NULL when out of memory. */
static tx_access *rec_entry(access_rec *r, const address *a)
{
	for (size_t i = r->n; i-- > 0;)
		if (address_eq(&r->list[i].addr, a))
			return &r->list[i];
	if (r->n == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 8;
		tx_access *l = realloc(r->list, nc * sizeof *l);
		if (l)
			r->list = l;
		size_t *k = l ? realloc(r->kcap, nc * sizeof *k) : NULL;
		if (!k) {
			r->oom = true;
			return NULL;
		}
		r->kcap = k;
		r->cap = nc;
	}
	r->list[r->n] = (tx_access){.addr = *a};
	r->kcap[r->n] = 0;
	r->grew = true;
	return &r->list[r->n++];
}

static void rec_account(void *ctx, const address *a)
{
	access_rec *r = ctx;
	if (!excluded(r, a))
		rec_entry(r, a);
}

static void rec_slot_hash(access_rec *r, const address *a, const h256 *key)
{
	tx_access *e = rec_entry(r, a);
	if (!e)
		return;
	for (size_t i = 0; i < e->nkeys; i++)
		if (h256_eq(&e->keys[i], key))
			return;
	size_t *cap = &r->kcap[e - r->list];
	if (e->nkeys == *cap) {
		size_t nc = *cap ? *cap * 2 : 4;
		h256 *k = realloc(e->keys, nc * sizeof *k);
		if (!k) {
			r->oom = true;
			return;
		}
		e->keys = k;
		*cap = nc;
	}
	e->keys[e->nkeys++] = *key;
	r->grew = true;
}

static void rec_slot(void *ctx, const address *a, const u256 *key)
{
	h256 k;
	u256_to_be(key, k.b);
	rec_slot_hash(ctx, a, &k);
}

/* Adds the entries of list[0, n) as the tracer takes a starting list:
 * excluded accounts only for their slots. */
static void rec_add_list(access_rec *r, const tx_access *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		rec_account(r, &list[i].addr);
		for (size_t k = 0; k < list[i].nkeys; k++)
			rec_slot_hash(r, &list[i].addr, &list[i].keys[k]);
	}
}

int msgcall_access_list(const msgcall_env *e, const msgcall *m,
                        msgcall_access_result *out)
{
	memset(out, 0, sizeof *out);
	access_rec prev = {.from = m->from, .to = m->to, .rev = e->rev};
	if (!m->has_to) {
		/* The contract the creation deploys to, at the sender's
		 * nonce after the overrides. */
		state *st;
		int err = open_state(e, &st);
		if (err)
			return err;
		uint64_t nonce = state_nonce(st, &m->from);
		err = state_failed(st) ? state_error(st) : DURE_OK;
		state_free(st);
		if (!err)
			err = create_address(&m->from, nonce, &prev.to);
		if (err)
			return err;
	}
	rec_add_list(&prev, m->access_list, m->access_list_len);
	int err = prev.oom ? DURE_ENOMEM : DURE_OK;
	uint64_t gas = message_gas(e, m);
	for (unsigned run = 0; !err; run++) {
		access_rec cur = {.from = prev.from, .to = prev.to, .rev = prev.rev};
		rec_add_list(&cur, prev.list, prev.n);
		cur.grew = false;
		transition_opts hooks = {
			.on_account = rec_account,
			.on_slot = rec_slot,
			.access_ctx = &cur,
		};
		msgcall_result res;
		err = cur.oom ? DURE_ENOMEM
		              : run_once(e, m, gas, prev.list, prev.n, &hooks, &res);
		if (!err && cur.oom) {
			msgcall_result_free(&res);
			err = DURE_ENOMEM;
		}
		if (err) {
			rec_free(&cur);
			break;
		}
		if (!cur.grew || run + 1 == MSGCALL_ACCESS_RUNS) {
			rec_free(&cur);
			out->list = prev.list;
			out->n = prev.n;
			free(prev.kcap);
			out->run = res;
			return DURE_OK;
		}
		msgcall_result_free(&res);
		rec_free(&prev);
		prev = cur;
	}
	rec_free(&prev);
	return err;
}
