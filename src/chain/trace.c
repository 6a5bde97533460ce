/* The tracers of trace.h. One tracer runs per transaction: the EVM's step
 * hook and the transition's frame hooks feed it, and each call frame has
 * one slot (by depth) holding what is pending on it: the struct log entry
 * of its last instruction, whose cost is known only once the frame goes
 * on or ends, and the callTracer frame being built. */
#include "chain/trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "chain/execute.h"
#include "crypto/keccak.h"
#include "evm/opcodes.h"
#include "rlp/rlp.h"

#define MAX_FRAMES 1026          /* depths 1..1025 */
#define STACK_LIMIT 1024
#define WARM_READ 100            /* EIP-2929 */
#define COLD_SLOAD 2100
#define COLD_ACCOUNT 2600
#define CALL_STIPEND 2300
#define CALL_VALUE 9000
#define NEW_ACCOUNT 25000
#define SSTORE_SENTRY 2300       /* EIP-2200 */
#define SSTORE_SET 20000
#define SSTORE_RESET 2900        /* 5000 - COLD_SLOAD */
#define CODE_DEPOSIT 200
#define MAX_CODE_SIZE 24576

/* ---- prestateTracer's accounts ---- */

typedef struct pre_slot {
	u256 key;
	u256 value;
} pre_slot;

typedef struct pre_acct {
	address addr;
	u256 balance;
	uint64_t nonce;
	uint8_t *code;
	size_t code_len;
	pre_slot *slots;
	size_t nslots, cap;
	bool empty;                  /* did not exist (geth's !exists()) */
	bool created;
	bool deleted;
} pre_acct;

/* ---- per frame ---- */

typedef struct frame {
	const evm_message *msg;      /* the hook's, valid while it runs */
	bool is_create;
	uint64_t steps;
	int64_t base_refund;         /* the refund counters of the frames
	                                below it */
	/* The last instruction, pending until the frame goes on. */
	json_t *entry;               /* in the log array; NULL: none */
	bool pending;
	uint8_t op;
	int64_t gas, estimate, refund;
	size_t height;
	bool cold;                   /* its access target was cold */
	bool new_account;            /* a SELFDESTRUCT creating its target */
	int64_t sstore_cost;         /* geth's, for a halting SSTORE */
	u256 call_gas;               /* CALL family: the gas asked for */
	bool call_value;             /* CALL/CALLCODE with value */
	bool child;                  /* a frame entered since */
	int64_t child_gas, child_left;
	/* prestateTracer entries the pending instruction added, undone when
	 * it halts before it runs (geth looks up only after its checks). */
	size_t pre_mark, slot_acct, slot_mark;
	bool slot_added;
	/* callTracer */
	json_t *call;
} frame;

typedef struct tracer {
	const trace_config *cfg;
	state *st;
	fork rev;
	int err;
	size_t bytes;                /* rough size of the output so far */
	frame *frames;               /* MAX_FRAMES of them */
	/* struct logger */
	json_t *logs;
	json_t *storage;             /* address hex -> {slot: value} */
	uint64_t nlogs;
	/* the top frame */
	evm_status status;
	uint8_t *output;
	size_t output_size;
	/* callTracer */
	json_t *root;
	/* prestateTracer */
	pre_acct *pre;
	size_t npre, cap_pre;
} tracer;

static void fail(tracer *t, int err)
{
	if (!t->err)
		t->err = err;
}

/* Sets o[k] = v (stolen); a NULL v or a failed set records ENOMEM. */
static void put(tracer *t, json_t *o, const char *k, json_t *v)
{
	if (!v || json_object_set_new(o, k, v))
		fail(t, DURE_ENOMEM);
}

static void append(tracer *t, json_t *a, json_t *v)
{
	if (!v || json_array_append_new(a, v))
		fail(t, DURE_ENOMEM);
}

static json_t *hex_0x(const uint8_t *p, size_t n)
{
	char *s = hex_encode_0x(p, n);
	json_t *j = s ? json_string(s) : NULL;
	free(s);
	return j;
}

static json_t *quantity(const u256 *v)
{
	char s[67];
	u256_to_hex(v, s);
	return json_string(s);
}

static json_t *quantity64(uint64_t v)
{
	char s[24];
	snprintf(s, sizeof s, "0x%llx", (unsigned long long)v);
	return json_string(s);
}

/* 32 bytes as 64 hex digits without 0x: geth's %x of a hash. */
static void word_hex(const u256 *v, char out[65])
{
	uint8_t b[32];
	u256_to_be(v, b);
	hex_encode(b, 32, out);
	out[64] = 0;
}

static address to_address(const u256 *v)
{
	uint8_t b[32];
	address a;
	u256_to_be(v, b);
	memcpy(a.b, b + 12, 20);
	return a;
}

/* Stack item i from the top (0: the top) of a step. */
static const u256 *arg(const evm_trace_step *s, size_t i)
{
	return &s->stack[s->stack_size - 1 - i];
}

static const char *op_name(uint8_t op, char nb[32])
{
	if (op == OP_PREVRANDAO)
		return "DIFFICULTY"; /* geth's name for 0x44 */
	const char *n = evm_op_name(op);
	if (n)
		return n;
	snprintf(nb, 32, "opcode %#x not defined", op);
	return nb;
}

/* ---- access probes ---- */

/* Whether a is warm, leaving it as it was: the warm mark is journaled. */
static bool warm_account(state *st, const address *a)
{
	size_t snap = state_snapshot(st);
	bool w = state_warm_account(st, a);
	state_revert(st, snap);
	return w;
}

static bool warm_slot(state *st, const address *a, const u256 *key)
{
	size_t snap = state_snapshot(st);
	bool w = state_warm_slot(st, a, key);
	state_revert(st, snap);
	return w;
}

/* geth's SSTORE charge from Berlin (gasSStoreEIP2929, with EIP-3529's
 * constants from London: they differ only in refunds). */
static int64_t sstore_charge(state *st, const address *a, const u256 *key,
                             const u256 *val, bool cold, int64_t gas)
{
	if (gas <= SSTORE_SENTRY)
		return 0; /* geth fails before it prices the store */
	int64_t c = cold ? COLD_SLOAD : 0;
	u256 cur = state_storage(st, a, key);
	u256 orig = state_storage_original(st, a, key);
	if (u256_eq(&cur, val))
		return c + WARM_READ;
	if (u256_eq(&orig, &cur))
		return c + (u256_is_zero(&orig) ? SSTORE_SET : SSTORE_RESET);
	return c + WARM_READ;
}

/* ---- prestateTracer ---- */

static pre_acct *pre_find(tracer *t, const address *a)
{
	for (size_t i = 0; i < t->npre; i++)
		if (address_eq(&t->pre[i].addr, a))
			return &t->pre[i];
	return NULL;
}

/* geth's lookupAccount: a's values now, if a is not there yet. */
static pre_acct *pre_account(tracer *t, const address *a)
{
	pre_acct *p = pre_find(t, a);
	if (p)
		return p;
	if (t->npre == t->cap_pre) {
		size_t nc = t->cap_pre ? 2 * t->cap_pre : 8;
		pre_acct *g = realloc(t->pre, nc * sizeof *g);
		if (!g) {
			fail(t, DURE_ENOMEM);
			return NULL;
		}
		t->pre = g;
		t->cap_pre = nc;
	}
	p = &t->pre[t->npre];
	memset(p, 0, sizeof *p);
	p->addr = *a;
	p->balance = state_balance(t->st, a);
	p->nonce = state_nonce(t->st, a);
	size_t n;
	const uint8_t *code = state_code(t->st, a, &n);
	if (n) {
		if (!(p->code = malloc(n))) {
			fail(t, DURE_ENOMEM);
			return NULL;
		}
		memcpy(p->code, code, n);
		p->code_len = n;
	}
	p->empty = p->nonce == 0 && n == 0 && u256_is_zero(&p->balance) &&
	           !state_has_storage(t->st, a);
	t->npre++;
	t->bytes += 200 + 2 * n;
	return p;
}

/* geth's lookupStorage; true when it added the slot. */
static bool pre_storage(tracer *t, pre_acct *p, const u256 *key)
{
	for (size_t i = 0; i < p->nslots; i++)
		if (u256_eq(&p->slots[i].key, key))
			return false;
	if (p->nslots == p->cap) {
		size_t nc = p->cap ? 2 * p->cap : 4;
		pre_slot *g = realloc(p->slots, nc * sizeof *g);
		if (!g) {
			fail(t, DURE_ENOMEM);
			return false;
		}
		p->slots = g;
		p->cap = nc;
	}
	p->slots[p->nslots++] =
		(pre_slot){*key, state_storage(t->st, &p->addr, key)};
	t->bytes += 140;
	return true;
}

static void pre_free(tracer *t)
{
	for (size_t i = 0; i < t->npre; i++) {
		free(t->pre[i].code);
		free(t->pre[i].slots);
	}
	free(t->pre);
	t->pre = NULL;
	t->npre = 0;
}

/* What geth's prestate OnOpcode looks up for the step s of frame f. */
static void pre_step(tracer *t, frame *f, const evm_trace_step *s)
{
	f->pre_mark = t->npre;
	f->slot_added = false;
	const address *self = &s->msg->recipient;
	size_t h = s->stack_size;
	switch (s->op) {
	case OP_SLOAD:
	case OP_SSTORE:
		if (h >= 1) {
			pre_acct *p = pre_account(t, self);
			if (p) {
				f->slot_acct = (size_t)(p - t->pre);
				f->slot_mark = p->nslots;
				f->slot_added = pre_storage(t, p, arg(s, 0));
			}
		}
		break;
	case OP_EXTCODECOPY:
	case OP_EXTCODEHASH:
	case OP_EXTCODESIZE:
	case OP_BALANCE:
	case OP_SELFDESTRUCT:
		if (h >= 1) {
			address a = to_address(arg(s, 0));
			pre_account(t, &a);
		}
		break;
	case OP_CALL:
	case OP_CALLCODE:
	case OP_DELEGATECALL:
	case OP_STATICCALL:
		if (h >= 5) {
			address a = to_address(arg(s, 1));
			pre_account(t, &a);
		}
		break;
	default:
		break;
	}
}

/* Undoes pre_step for a step that halted before it ran. */
static void pre_unstep(tracer *t, frame *f)
{
	if (f->slot_added)
		t->pre[f->slot_acct].nslots = f->slot_mark;
	while (t->npre > f->pre_mark) {
		pre_acct *p = &t->pre[--t->npre];
		free(p->code);
		free(p->slots);
	}
	f->slot_added = false;
}

static json_t *storage_json(tracer *t, const pre_slot *s, size_t n,
                            bool skip_zero)
{
	json_t *o = json_object();
	if (!o) {
		fail(t, DURE_ENOMEM);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (skip_zero && u256_is_zero(&s[i].value))
			continue;
		uint8_t k[32], v[32];
		u256_to_be(&s[i].key, k);
		u256_to_be(&s[i].value, v);
		char *ks = hex_encode_0x(k, 32);
		if (!ks) {
			fail(t, DURE_ENOMEM);
			break;
		}
		if (json_object_set_new(o, ks, hex_0x(v, 32)))
			fail(t, DURE_ENOMEM);
		free(ks);
	}
	return o;
}

/* An account as geth's prestate prints it: balance always, the rest
 * when not empty. */
static json_t *acct_json(tracer *t, const u256 *balance, uint64_t nonce,
                         const uint8_t *code, size_t code_len,
                         const pre_slot *slots, size_t nslots)
{
	json_t *o = json_object();
	if (!o) {
		fail(t, DURE_ENOMEM);
		return NULL;
	}
	if (balance)
		put(t, o, "balance", quantity(balance));
	if (code_len)
		put(t, o, "code", hex_0x(code, code_len));
	if (nonce)
		put(t, o, "nonce", json_integer((json_int_t)nonce));
	if (nslots)
		put(t, o, "storage", storage_json(t, slots, nslots, false));
	return o;
}

static void put_addr(tracer *t, json_t *o, const address *a, json_t *v)
{
	char *k = hex_encode_0x(a->b, 20);
	if (!k) {
		json_decref(v);
		fail(t, DURE_ENOMEM);
		return;
	}
	put(t, o, k, v);
	free(k);
}

/* geth's processDiffState and the default mode's result. */
static json_t *pre_result(tracer *t)
{
	json_t *pre = json_object(), *post = json_object();
	if (!pre || !post) {
		json_decref(pre);
		json_decref(post);
		fail(t, DURE_ENOMEM);
		return NULL;
	}
	for (size_t i = 0; i < t->npre; i++) {
		pre_acct *p = &t->pre[i];
		/* A new contract had no pre-state, only a post-state. */
		bool fresh = p->created && p->empty;
		if (fresh && !t->cfg->diff_mode)
			continue;
		if (!t->cfg->diff_mode) {
			put_addr(t, pre, &p->addr,
			         acct_json(t, &p->balance, p->nonce, p->code,
			                   p->code_len, p->slots, p->nslots));
			continue;
		}
		if (p->deleted) {
			put_addr(t, pre, &p->addr,
			         acct_json(t, &p->balance, p->nonce, p->code,
			                   p->code_len, p->slots, p->nslots));
			continue;
		}
		u256 bal = state_balance(t->st, &p->addr);
		uint64_t nonce = state_nonce(t->st, &p->addr);
		size_t n;
		const uint8_t *code = state_code(t->st, &p->addr, &n);
		bool mod_bal = !u256_eq(&bal, &p->balance);
		bool mod_nonce = nonce != p->nonce;
		bool mod_code = n != p->code_len ||
		                (n && memcmp(code, p->code, n) != 0);
		pre_slot *ps = NULL, *qs = NULL;
		size_t np = 0, nq = 0;
		if (p->nslots) {
			ps = malloc(p->nslots * sizeof *ps);
			qs = malloc(p->nslots * sizeof *qs);
			if (!ps || !qs) {
				free(ps);
				free(qs);
				fail(t, DURE_ENOMEM);
				break;
			}
		}
		/* Only changed slots stay: pre keeps their nonzero values,
		 * post their nonzero new ones. */
		bool mod_slots = false;
		for (size_t k = 0; k < p->nslots; k++) {
			u256 now = state_storage(t->st, &p->addr, &p->slots[k].key);
			if (u256_eq(&now, &p->slots[k].value))
				continue;
			mod_slots = true;
			if (!u256_is_zero(&p->slots[k].value))
				ps[np++] = p->slots[k];
			if (!u256_is_zero(&now))
				qs[nq++] = (pre_slot){p->slots[k].key, now};
		}
		if ((mod_bal || mod_nonce || mod_code || mod_slots) && !fresh)
			put_addr(t, pre, &p->addr,
			         acct_json(t, &p->balance, p->nonce, p->code,
			                   p->code_len, ps, np));
		if (mod_bal || mod_nonce || mod_code || mod_slots)
			put_addr(t, post, &p->addr,
			         acct_json(t, mod_bal ? &bal : NULL,
			                   mod_nonce ? nonce : 0, code,
			                   mod_code ? n : 0, qs, nq));
		free(ps);
		free(qs);
	}
	if (!t->cfg->diff_mode) {
		json_decref(post);
		return pre;
	}
	json_t *o = json_object();
	if (!o) {
		json_decref(pre);
		json_decref(post);
		fail(t, DURE_ENOMEM);
		return NULL;
	}
	put(t, o, "post", post);
	put(t, o, "pre", pre);
	return o;
}

/* ---- callTracer ---- */

static const char *call_type(evm_call_kind k)
{
	switch (k) {
	case EVM_CALL:
		return "CALL";
	case EVM_DELEGATECALL:
		return "DELEGATECALL";
	case EVM_CALLCODE:
		return "CALLCODE";
	case EVM_CREATE:
		return "CREATE";
	case EVM_CREATE2:
		return "CREATE2";
	}
	return "CALL";
}

/* geth's error text for frame f that ended with status s. */
static void error_text(fork rev, const frame *f, const evm_result *r,
                       char out[96])
{
	const evm_instr *in = NULL;
	switch (r->status) {
	case EVM_SUCCESS:
		out[0] = 0;
		return;
	case EVM_REVERT:
		snprintf(out, 96, "execution reverted");
		return;
	case EVM_OUT_OF_GAS:
		if (f->is_create && f->steps == 0)
			snprintf(out, 96, "contract address collision");
		else if (f->is_create && f->op == OP_RETURN &&
		         r->output_size > MAX_CODE_SIZE)
			snprintf(out, 96, "max code size exceeded");
		else if (f->is_create && f->op == OP_RETURN)
			snprintf(out, 96, "contract creation code storage out of gas");
		else
			snprintf(out, 96, "out of gas");
		return;
	case EVM_INVALID_INSTRUCTION:
		snprintf(out, 96, "invalid opcode: INVALID");
		return;
	case EVM_UNDEFINED_INSTRUCTION: {
		char nb[32];
		snprintf(out, 96, "invalid opcode: %s", op_name(f->op, nb));
		return;
	}
	case EVM_STACK_UNDERFLOW:
	case EVM_STACK_OVERFLOW:
		break;
	case EVM_BAD_JUMP_DESTINATION:
		snprintf(out, 96, "invalid jump destination");
		return;
	case EVM_INVALID_MEMORY_ACCESS:
		snprintf(out, 96, "return data out of bounds");
		return;
	case EVM_CALL_DEPTH_EXCEEDED:
		snprintf(out, 96, "max call depth exceeded");
		return;
	case EVM_STATIC_MODE_VIOLATION:
		snprintf(out, 96, "write protection");
		return;
	case EVM_PRECOMPILE_FAILURE:
		snprintf(out, 96, "out of gas");
		return;
	case EVM_CONTRACT_VALIDATION_FAILURE:
		snprintf(out, 96, "invalid code: must not begin with 0xef");
		return;
	case EVM_INSUFFICIENT_BALANCE:
		snprintf(out, 96, "insufficient balance for transfer");
		return;
	case EVM_ARGUMENT_OUT_OF_RANGE:
	case EVM_INTERNAL_ERROR:
		snprintf(out, 96, "execution failed");
		return;
	}
	in = &evm_instr_table(rev)[f->op];
	if (r->status == EVM_STACK_UNDERFLOW)
		snprintf(out, 96, "stack underflow (%zu <=> %u)", f->height,
		         (unsigned)in->stack_in);
	else
		snprintf(out, 96, "stack limit reached %zu (%d)", f->height,
		         STACK_LIMIT - in->stack_change);
}

/* abi.UnpackRevert: the reason string of Error(string). */
static json_t *revert_reason(const uint8_t *p, size_t n)
{
	static const uint8_t sel[4] = {0x08, 0xc3, 0x79, 0xa0};
	if (n < 4 + 64 || memcmp(p, sel, 4) != 0)
		return NULL;
	p += 4;
	n -= 4;
	u256 off = u256_from_be(p, 32);
	if (!u256_fits_u64(&off) || off.w[0] > n - 32)
		return NULL;
	u256 len = u256_from_be(p + off.w[0], 32);
	if (!u256_fits_u64(&len) || len.w[0] > n - 32 - off.w[0])
		return NULL;
	return json_stringn((const char *)p + off.w[0] + 32, (size_t)len.w[0]);
}

/* Drops the logs of a failed frame and of every frame below it (geth's
 * clearFailedLogs). */
static void clear_logs(json_t *call)
{
	json_object_del(call, "logs");
	json_t *calls = json_object_get(call, "calls");
	size_t i;
	json_t *c;
	json_array_foreach(calls, i, c)
		clear_logs(c);
}

static bool call_traced(const tracer *t, int depth)
{
	return t->cfg->kind == TRACE_CALL &&
	       (depth == 1 || !t->cfg->only_top_call);
}

static void call_enter(tracer *t, frame *f, const evm_message *msg, int depth)
{
	json_t *o = json_object();
	if (!o) {
		fail(t, DURE_ENOMEM);
		return;
	}
	f->call = o;
	put(t, o, "from", hex_0x(msg->sender.b, 20));
	put(t, o, "gas", quantity64((uint64_t)msg->gas));
	put(t, o, "gasUsed", quantity64(0));
	put(t, o, "to", hex_0x(msg->code_address.b, 20));
	put(t, o, "input", hex_0x(msg->input, msg->input_size));
	/* A STATICCALL runs as a static CALL; geth gives it no value. */
	bool staticcall = msg->kind == EVM_CALL && depth > 1 &&
	                  t->frames[depth - 1].op == OP_STATICCALL;
	if (!staticcall)
		put(t, o, "value", quantity(&msg->value));
	const char *type = staticcall ? "STATICCALL" : call_type(msg->kind);
	put(t, o, "type", json_string(type));
	t->bytes += 300 + 2 * msg->input_size;
}

static void call_exit(tracer *t, frame *f, const evm_result *r, int depth)
{
	json_t *o = f->call;
	if (!o)
		return;
	f->call = NULL;
	put(t, o, "gasUsed",
	    quantity64((uint64_t)(f->msg->gas - r->gas_left)));
	char err[96];
	error_text(t->rev, f, r, err);
	if (!err[0]) {
		if (r->output_size)
			put(t, o, "output", hex_0x(r->output, r->output_size));
	} else {
		put(t, o, "error", json_string(err));
		if (f->is_create)
			json_object_del(o, "to");
		if (r->status == EVM_REVERT && r->output_size) {
			put(t, o, "output", hex_0x(r->output, r->output_size));
			json_t *why = revert_reason(r->output, r->output_size);
			if (why)
				put(t, o, "revertReason", why);
		}
		clear_logs(o);
	}
	t->bytes += 2 * r->output_size;
	if (depth == 1) {
		t->root = o;
		return;
	}
	frame *parent = &t->frames[depth - 1];
	if (!parent->call) {
		json_decref(o);
		return;
	}
	json_t *calls = json_object_get(parent->call, "calls");
	if (!calls) {
		calls = json_array();
		put(t, parent->call, "calls", calls);
	}
	if (calls)
		append(t, calls, o);
	else
		json_decref(o);
}

/* A LOG the pending instruction of f made: the last of the tx's logs. */
static void call_log(tracer *t, frame *f)
{
	size_t n;
	const state_log *logs = state_logs(t->st, &n);
	if (!f->call || n == 0)
		return;
	const state_log *l = &logs[n - 1];
	json_t *o = json_object(), *topics = json_array();
	if (!o || !topics) {
		json_decref(o);
		json_decref(topics);
		fail(t, DURE_ENOMEM);
		return;
	}
	for (size_t i = 0; i < l->ntopics; i++)
		append(t, topics, hex_0x(l->topics[i].b, 32));
	json_t *calls = json_object_get(f->call, "calls");
	put(t, o, "address", hex_0x(l->addr.b, 20));
	put(t, o, "topics", topics);
	put(t, o, "data", hex_0x(l->data, l->data_size));
	put(t, o, "position", quantity64(json_array_size(calls)));
	json_t *arr = json_object_get(f->call, "logs");
	if (!arr) {
		arr = json_array();
		put(t, f->call, "logs", arr);
	}
	if (arr)
		append(t, arr, o);
	else
		json_decref(o);
	t->bytes += 200 + 2 * l->data_size;
}

/* ---- struct logger ---- */

/* The tx-wide refund counter at f's pending step. */
static int64_t refund_at(const frame *f)
{
	return f->base_refund + f->refund;
}

/* Completes f's pending step: its charge is `cost`, the refund counter
 * after its charge `refund`, and it halted before running with `err`
 * (NULL if it ran). */
static void settle_step(tracer *t, frame *f, int64_t cost, int64_t refund,
                        const char *err)
{
	f->pending = false;
	if (!f->entry)
		return;
	json_t *e = f->entry;
	f->entry = NULL;
	put(t, e, "gasCost", json_integer(cost < 0 ? 0 : cost));
	if (refund > 0)
		put(t, e, "refund", json_integer(refund));
	if (err)
		put(t, e, "error", json_string(err));
}

static bool is_call_op(uint8_t op)
{
	return op == OP_CALL || op == OP_CALLCODE || op == OP_DELEGATECALL ||
	       op == OP_STATICCALL;
}

/* The pending step of f ran and its frame goes on at gas `next_gas` with
 * frame refund `next_refund`. */
static void step_ran(tracer *t, frame *f, int64_t next_gas,
                     int64_t next_refund)
{
	int64_t cost = f->gas - next_gas;
	if (is_call_op(f->op)) {
		int64_t stipend = f->call_value ? CALL_STIPEND : 0;
		if (f->child) {
			/* It paid its charges and the callee's gas; the callee's
			 * gas left came back. */
			cost += f->child_left;
		} else {
			/* Refused before the callee (depth, balance): the callee's
			 * gas came back whole, stipend included; geth counts the
			 * gas it would have sent. */
			int64_t charges = cost + stipend;
			int64_t room = f->gas - charges;
			int64_t cap = room - room / 64;
			int64_t want = u256_fits_u64(&f->call_gas) &&
			                       f->call_gas.w[0] < (uint64_t)INT64_MAX
			                   ? (int64_t)f->call_gas.w[0]
			                   : INT64_MAX;
			if (t->rev < FORK_TANGERINE)
				cap = want;
			cost = charges + (want < cap ? want : cap);
		}
	} else if ((f->op == OP_CREATE || f->op == OP_CREATE2) && f->child) {
		cost += f->child_left - f->child_gas;
	}
	int64_t refund = refund_at(f);
	if (f->op == OP_SSTORE)
		refund += next_refund - f->refund;
	settle_step(t, f, cost, refund, NULL);
	if (f->op >= OP_LOG0 && f->op <= OP_LOG4 && t->cfg->with_log &&
	    call_traced(t, (int)(f - t->frames)))
		call_log(t, f);
}

/* The pending step of f ended its frame with r. */
static void step_ended(tracer *t, frame *f, const evm_result *r)
{
	if (r->status == EVM_SUCCESS || r->status == EVM_REVERT) {
		int64_t left = r->gas_left;
		if (f->is_create && r->status == EVM_SUCCESS)
			left += (int64_t)r->output_size * CODE_DEPOSIT;
		int64_t refund = refund_at(f);
		if (r->status == EVM_SUCCESS)
			refund += r->gas_refund - f->refund;
		settle_step(t, f, f->gas - left, refund, NULL);
		return;
	}
	bool deposit = f->is_create && f->op == OP_RETURN;
	bool before = !deposit && (r->status == EVM_OUT_OF_GAS ||
	                           r->status == EVM_STACK_UNDERFLOW ||
	                           r->status == EVM_STACK_OVERFLOW);
	int64_t cost = f->estimate;
	if (t->rev >= FORK_BERLIN) {
		switch (f->op) {
		case OP_SLOAD:
			cost += f->cold ? COLD_SLOAD - WARM_READ : 0;
			break;
		case OP_SSTORE:
			cost = f->sstore_cost;
			break;
		case OP_BALANCE:
		case OP_EXTCODESIZE:
		case OP_EXTCODEHASH:
		case OP_EXTCODECOPY:
		case OP_CALL:
		case OP_CALLCODE:
		case OP_DELEGATECALL:
		case OP_STATICCALL:
			cost += f->cold ? COLD_ACCOUNT - WARM_READ : 0;
			break;
		case OP_SELFDESTRUCT:
			cost += (f->cold ? COLD_ACCOUNT : 0) +
			        (f->new_account ? NEW_ACCOUNT : 0);
			break;
		default:
			break;
		}
	}
	if (r->status == EVM_STACK_UNDERFLOW || r->status == EVM_STACK_OVERFLOW)
		cost = f->estimate;
	char err[96];
	error_text(t->rev, f, r, err);
	if (before && t->cfg->kind == TRACE_PRESTATE)
		pre_unstep(t, f);
	settle_step(t, f, cost, refund_at(f), before ? err : NULL);
}

static json_t *stack_json(tracer *t, const evm_trace_step *s)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < s->stack_size; i++) {
		char h[67];
		u256_to_hex(&s->stack[i], h);
		append(t, a, json_string(h));
	}
	t->bytes += 70 * s->stack_size;
	return a;
}

static json_t *memory_json(tracer *t, const evm_trace_step *s)
{
	json_t *a = json_array();
	char h[65];
	for (uint64_t i = 0; a && i + 32 <= s->mem_size; i += 32) {
		hex_encode(s->memory + i, 32, h);
		h[64] = 0;
		append(t, a, json_string(h));
	}
	t->bytes += 70 * (s->mem_size / 32);
	return a;
}

/* geth's per-contract storage map, updated by the SLOAD or SSTORE s, and
 * copied for its entry. */
static json_t *storage_entry(tracer *t, const evm_trace_step *s)
{
	char ah[41], kh[65], vh[65];
	hex_encode(s->msg->recipient.b, 20, ah);
	ah[40] = 0;
	json_t *m = json_object_get(t->storage, ah);
	if (!m) {
		m = json_object();
		put(t, t->storage, ah, m);
		if (!m)
			return NULL;
	}
	u256 v = s->op == OP_SLOAD
	             ? state_storage(t->st, &s->msg->recipient, arg(s, 0))
	             : *arg(s, 1);
	word_hex(arg(s, 0), kh);
	word_hex(&v, vh);
	put(t, m, kh, json_string(vh));
	t->bytes += 140 * json_object_size(m);
	return json_copy(m);
}

static void struct_step(tracer *t, frame *f, const evm_trace_step *s)
{
	if (t->cfg->limit && t->nlogs >= t->cfg->limit)
		return;
	if (t->bytes > TRACE_MAX_BYTES) {
		fail(t, DURE_ERANGE);
		return;
	}
	json_t *e = json_object();
	if (!e) {
		fail(t, DURE_ENOMEM);
		return;
	}
	char nb[32];
	put(t, e, "pc", json_integer((json_int_t)s->pc));
	put(t, e, "op", json_string(op_name(s->op, nb)));
	put(t, e, "gas", json_integer(s->gas));
	put(t, e, "gasCost", json_integer(0));
	put(t, e, "depth", json_integer(s->depth));
	if (!t->cfg->disable_stack)
		put(t, e, "stack", stack_json(t, s));
	if (t->cfg->enable_memory)
		put(t, e, "memory", memory_json(t, s));
	if (t->cfg->enable_return_data && s->return_data_size) {
		put(t, e, "returnData", hex_0x(s->return_data, s->return_data_size));
		t->bytes += 2 * s->return_data_size;
	}
	if (!t->cfg->disable_storage &&
	    ((s->op == OP_SLOAD && s->stack_size >= 1) ||
	     (s->op == OP_SSTORE && s->stack_size >= 2)))
		put(t, e, "storage", storage_entry(t, s));
	append(t, t->logs, e);
	t->nlogs++;
	t->bytes += 120;
	f->entry = e;
}

/* ---- hooks ---- */

static frame *frame_at(tracer *t, int32_t depth)
{
	if (depth < 1 || depth >= MAX_FRAMES)
		return NULL;
	return &t->frames[depth];
}

static void hook_step(void *ctx, const evm_trace_step *s)
{
	tracer *t = ctx;
	frame *f = frame_at(t, s->depth);
	if (!f || t->err)
		return;
	if (f->pending)
		step_ran(t, f, s->gas, s->refund);
	f->steps++;
	f->pending = true;
	f->op = s->op;
	f->gas = s->gas;
	f->estimate = s->gas_cost;
	f->refund = s->refund;
	f->height = s->stack_size;
	f->child = false;
	f->cold = false;
	f->new_account = false;
	f->call_value = false;
	const address *self = &s->msg->recipient;
	size_t h = s->stack_size;
	bool berlin = t->rev >= FORK_BERLIN;
	switch (s->op) {
	case OP_SLOAD:
		if (berlin && h >= 1)
			f->cold = !warm_slot(t->st, self, arg(s, 0));
		break;
	case OP_SSTORE:
		if (berlin && h >= 2) {
			f->cold = !warm_slot(t->st, self, arg(s, 0));
			f->sstore_cost = sstore_charge(t->st, self, arg(s, 0),
			                               arg(s, 1), f->cold, s->gas);
		}
		break;
	case OP_BALANCE:
	case OP_EXTCODESIZE:
	case OP_EXTCODEHASH:
	case OP_EXTCODECOPY:
		if (berlin && h >= 1) {
			address a = to_address(arg(s, 0));
			f->cold = !warm_account(t->st, &a);
		}
		break;
	case OP_SELFDESTRUCT:
		if (h >= 1) {
			address a = to_address(arg(s, 0));
			f->cold = berlin && !warm_account(t->st, &a);
			u256 bal = state_balance(t->st, self);
			f->new_account = !u256_is_zero(&bal) &&
			                 state_is_empty(t->st, &a);
		}
		break;
	case OP_CALL:
	case OP_CALLCODE:
	case OP_DELEGATECALL:
	case OP_STATICCALL:
		if (h >= 2) {
			address a = to_address(arg(s, 1));
			f->cold = berlin && !warm_account(t->st, &a);
			f->call_gas = *arg(s, 0);
		}
		if ((s->op == OP_CALL || s->op == OP_CALLCODE) && h >= 3)
			f->call_value = !u256_is_zero(arg(s, 2));
		break;
	default:
		break;
	}
	if (t->cfg->kind == TRACE_STRUCT)
		struct_step(t, f, s);
	else if (t->cfg->kind == TRACE_PRESTATE)
		pre_step(t, f, s);
}

static void hook_enter(void *ctx, const evm_message *msg)
{
	tracer *t = ctx;
	int depth = msg->depth + 1;
	frame *f = frame_at(t, depth);
	if (!f || t->err)
		return;
	frame *parent = depth > 1 ? &t->frames[depth - 1] : NULL;
	if (parent) {
		parent->child = true;
		parent->child_gas = msg->gas;
	}
	memset(f, 0, sizeof *f);
	f->msg = msg;
	f->is_create = msg->kind == EVM_CREATE || msg->kind == EVM_CREATE2;
	f->base_refund = parent ? refund_at(parent) : 0;
	if (call_traced(t, depth))
		call_enter(t, f, msg, depth);
	if (t->cfg->kind == TRACE_PRESTATE && f->is_create && depth > 1) {
		pre_acct *p = pre_account(t, &msg->recipient);
		if (p)
			p->created = true;
	}
}

static void hook_exit(void *ctx, const evm_message *msg, const evm_result *r)
{
	tracer *t = ctx;
	int depth = msg->depth + 1;
	frame *f = frame_at(t, depth);
	if (!f || t->err)
		return;
	if (f->pending)
		step_ended(t, f, r);
	if (t->cfg->kind == TRACE_PRESTATE && f->steps && f->op == OP_SELFDESTRUCT &&
	    r->status == EVM_SUCCESS) {
		pre_acct *p = pre_account(t, &msg->recipient);
		if (p)
			p->deleted = true;
	}
	if (f->call)
		call_exit(t, f, r, depth);
	if (depth > 1) {
		t->frames[depth - 1].child_left = r->gas_left;
		return;
	}
	t->status = r->status;
	free(t->output);
	t->output = NULL;
	t->output_size = 0;
	if (r->output_size && (t->output = malloc(r->output_size))) {
		memcpy(t->output, r->output, r->output_size);
		t->output_size = r->output_size;
	} else if (r->output_size) {
		fail(t, DURE_ENOMEM);
	}
}

/* ---- the transaction ---- */

static bool create_address(const address *sender, uint64_t nonce,
                           address *out)
{
	buf b = BUF_INIT;
	size_t mark = rlp_list_begin(&b);
	rlp_put_bytes(&b, sender->b, 20);
	rlp_put_u64(&b, nonce);
	rlp_list_end(&b, mark);
	bool ok = !buf_failed(&b);
	if (ok) {
		uint8_t h[32];
		keccak256(b.data, b.len, h);
		memcpy(out->b, h + 12, 20);
	}
	buf_free(&b);
	return ok;
}

static json_t *struct_result(tracer *t, const receipt *rc)
{
	json_t *o = json_object();
	if (!o) {
		fail(t, DURE_ENOMEM);
		return NULL;
	}
	bool failed = t->status != EVM_SUCCESS;
	size_t n = failed && t->status != EVM_REVERT ? 0 : t->output_size;
	char *hex = malloc(2 * n + 1);
	if (!hex) {
		json_decref(o);
		fail(t, DURE_ENOMEM);
		return NULL;
	}
	hex_encode(t->output, n, hex);
	hex[2 * n] = 0;
	put(t, o, "gas", json_integer((json_int_t)rc->gas_used));
	put(t, o, "failed", json_boolean(failed));
	put(t, o, "returnValue", json_string(hex));
	free(hex);
	put(t, o, "structLogs", json_incref(t->logs));
	return o;
}

int trace_tx(state *st, fork rev, const block_env *env, const tx *t,
             const address *sender, const block_gas *used,
             const transition_opts *opts, const trace_config *cfg,
             json_t **result, receipt *rc)
{
	*result = NULL;
	memset(rc, 0, sizeof *rc);
	tracer tr = {.cfg = cfg, .st = st, .rev = rev};
	tr.frames = calloc(MAX_FRAMES, sizeof *tr.frames);
	tr.logs = json_array();
	tr.storage = json_object();
	int err = tr.frames && tr.logs && tr.storage ? DURE_OK : DURE_ENOMEM;
	if (!err && cfg->kind == TRACE_PRESTATE) {
		/* geth's OnTxStart: the sender, the recipient (or the
		 * contract created) and the coinbase, before the gas is
		 * bought. */
		address to = t->to;
		bool create = !t->has_to;
		if (create && !create_address(sender, state_nonce(st, sender), &to))
			err = DURE_ENOMEM;
		pre_account(&tr, sender);
		pre_acct *p = pre_account(&tr, &to);
		if (p && create)
			p->created = true;
		pre_account(&tr, &env->coinbase);
		err = err ? err : tr.err;
	}
	tx_tracer steps = {.step = hook_step, .ctx = &tr};
	transition_opts o = opts ? *opts : (transition_opts){0};
	o.on_enter = hook_enter;
	o.on_exit = hook_exit;
	o.frame_ctx = &tr;
	if (!err)
		err = transition_apply_opts(st, rev, env, t, sender, used, &o,
		                            &steps, NULL, NULL, rc);
	if (!err && tr.err)
		err = tr.err;
	json_t *res = NULL;
	if (!err) {
		switch (cfg->kind) {
		case TRACE_STRUCT:
			res = struct_result(&tr, rc);
			break;
		case TRACE_CALL:
			if ((res = tr.root)) {
				tr.root = NULL;
				json_object_set_new(res, "gas",
				                    quantity64(t->gas_limit));
				json_object_set_new(res, "gasUsed",
				                    quantity64(rc->gas_used));
			} else {
				fail(&tr, DURE_EINVAL);
			}
			break;
		case TRACE_PRESTATE:
			res = pre_result(&tr);
			break;
		}
		if (tr.err) {
			json_decref(res);
			res = NULL;
			err = tr.err;
		}
		if (err)
			receipt_free(rc);
	}
	json_decref(tr.root);
	for (int i = 0; tr.frames && i < MAX_FRAMES; i++)
		json_decref(tr.frames[i].call);
	json_decref(tr.logs);
	json_decref(tr.storage);
	free(tr.frames);
	free(tr.output);
	pre_free(&tr);
	if (err) {
		memset(rc, 0, sizeof *rc);
		return err;
	}
	*result = res;
	return DURE_OK;
}
