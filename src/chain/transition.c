#include "chain/transition.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/keccak.h"
#include "evm/evm.h"
#include "evm/precompiles.h"
#include "rlp/rlp.h"

#define MAX_CODE_SIZE 24576        /* EIP-170 */
#define CODE_DEPOSIT_GAS 200
#define BLOB_FEE_FRACTION 3338477  /* BLOB_BASE_FEE_UPDATE_FRACTION */
#define PRECOMPILE_SCAN 0x14       /* addresses 1..this are probed */
#define CODE_CACHE_MAX 32          /* analysed codes kept per transaction */

/* Code analysed once per transaction, by code hash: a contract called in
 * a loop is copied and scanned for jump destinations only the first time.
 * With the block environment's code cache, the code comes from there,
 * pinned until the transaction ends, and outlives it. */
typedef struct code_entry {
	h256 hash;
	const evm_code *code;      /* owned, or pinned in env->codes */
	evm_code *owned;           /* code when owned, else NULL */
} code_entry;

/* One transaction's execution: the host context handed to the EVM. */
typedef struct exec {
	state *st;
	fork rev;
	const block_env *env;
	const tx_tracer *tracer;
	const evm_tx_context *txc; /* the caller's, outliving the exec */
	const transition_opts *opts; /* NULL: a block's transaction */
	const evm_host *host;      /* host_plain, or traced */
	evm_host traced;           /* host_plain with the tracer or the
	                              access hooks of opts */
	code_entry codes[CODE_CACHE_MAX]; /* the first ncodes are set */
	size_t ncodes;
} exec;

u256 blob_base_fee(uint64_t excess_blob_gas)
{
	const u256 denom = u256_from_u64(BLOB_FEE_FRACTION);
	const u256 num = u256_from_u64(excess_blob_gas);
	u256 output = U256_ZERO, acc = denom;
	for (uint64_t i = 1; !u256_is_zero(&acc); i++) {
		u256 prod, div, idx = u256_from_u64(i);
		if (u256_add_overflow(&output, &output, &acc) ||
		    u256_mul_overflow(&prod, &acc, &num) ||
		    u256_mul_overflow(&div, &denom, &idx))
			return U256_MAX;
		acc = u256_div(&prod, &div);
	}
	return u256_div(&output, &denom);
}

/* ---- host: accounts and storage ---- */

static bool h_account_exists(void *ctx, const address *a)
{
	exec *x = ctx;
	/* From Spurious Dragon an empty account counts as absent (EIP-161). */
	return x->rev >= FORK_SPURIOUS ? !state_is_empty(x->st, a)
	                               : state_exists(x->st, a);
}

static u256 h_get_storage(void *ctx, const address *a, const u256 *key)
{
	return state_storage(((exec *)ctx)->st, a, key);
}

/* Classifies an SSTORE by original, current and new value (EIP-2200). */
static evm_storage_status storage_status(const u256 *orig, const u256 *cur,
                                         const u256 *val)
{
	if (u256_eq(cur, val))
		return EVM_STORAGE_ASSIGNED;
	bool oz = u256_is_zero(orig), cz = u256_is_zero(cur),
	     vz = u256_is_zero(val);
	if (u256_eq(orig, cur)) {
		if (oz)
			return EVM_STORAGE_ADDED;
		return vz ? EVM_STORAGE_DELETED : EVM_STORAGE_MODIFIED;
	}
	if (oz)
		return vz ? EVM_STORAGE_ADDED_DELETED : EVM_STORAGE_ASSIGNED;
	if (cz)
		return u256_eq(val, orig) ? EVM_STORAGE_DELETED_RESTORED
		                          : EVM_STORAGE_DELETED_ADDED;
	if (vz)
		return EVM_STORAGE_MODIFIED_DELETED;
	return u256_eq(val, orig) ? EVM_STORAGE_MODIFIED_RESTORED
	                          : EVM_STORAGE_ASSIGNED;
}

static evm_storage_status h_set_storage(void *ctx, const address *a,
                                        const u256 *key, const u256 *val)
{
	u256 orig, cur;
	state_store_slot(((exec *)ctx)->st, a, key, val, &orig, &cur);
	return storage_status(&orig, &cur, val);
}

static u256 h_get_balance(void *ctx, const address *a)
{
	return state_balance(((exec *)ctx)->st, a);
}

static size_t h_get_code_size(void *ctx, const address *a)
{
	size_t n;
	state_code(((exec *)ctx)->st, a, &n);
	return n;
}

static h256 h_get_code_hash(void *ctx, const address *a)
{
	exec *x = ctx;
	if (state_is_empty(x->st, a))
		return (h256){{0}};
	return state_code_hash(x->st, a);
}

static size_t h_copy_code(void *ctx, const address *a, size_t offset,
                          uint8_t *out, size_t size)
{
	size_t n;
	const uint8_t *code = state_code(((exec *)ctx)->st, a, &n);
	if (offset >= n)
		return 0;
	size_t k = n - offset < size ? n - offset : size;
	memcpy(out, code + offset, k);
	return k;
}

static bool h_selfdestruct(void *ctx, const address *a, const address *to)
{
	exec *x = ctx;
	u256 bal = state_balance(x->st, a);
	if (x->rev >= FORK_CANCUN && !state_created_in_tx(x->st, a)) {
		/* EIP-6780: an older account only gives its balance away. */
		state_sub_balance(x->st, a, &bal);
		state_add_balance(x->st, to, &bal);
		return !state_selfdestructed(x->st, a);
	}
	/* The beneficiary is credited first, so a contract naming itself
	 * burns its balance. */
	state_add_balance(x->st, to, &bal);
	state_set_balance(x->st, a, &U256_ZERO);
	return state_mark_selfdestruct(x->st, a);
}

static const evm_tx_context *h_get_tx_context(void *ctx)
{
	return ((exec *)ctx)->txc;
}

static h256 h_get_block_hash(void *ctx, int64_t number)
{
	const block_env *env = ((exec *)ctx)->env;
	if (number < 0 || (uint64_t)number >= env->number ||
	    env->number - (uint64_t)number > 256 || !env->block_hash)
		return (h256){{0}};
	return env->block_hash(env->block_hash_ctx, (uint64_t)number);
}

static void h_emit_log(void *ctx, const address *a, const uint8_t *data,
                       size_t data_size, const h256 topics[], size_t ntopics)
{
	state_add_log(((exec *)ctx)->st, a, topics, ntopics, data, data_size);
}

static evm_access_status h_access_account(void *ctx, const address *a)
{
	return state_warm_account(((exec *)ctx)->st, a) ? EVM_ACCESS_WARM
	                                                : EVM_ACCESS_COLD;
}

static evm_access_status h_access_storage(void *ctx, const address *a,
                                          const u256 *key)
{
	return state_warm_slot(((exec *)ctx)->st, a, key) ? EVM_ACCESS_WARM
	                                                  : EVM_ACCESS_COLD;
}

static evm_access_status h_load_storage(void *ctx, const address *a,
                                        const u256 *key, u256 *value)
{
	return state_load_slot(((exec *)ctx)->st, a, key, value)
	           ? EVM_ACCESS_WARM
	           : EVM_ACCESS_COLD;
}

static u256 h_get_transient(void *ctx, const address *a, const u256 *key)
{
	return state_transient(((exec *)ctx)->st, a, key);
}

static void h_set_transient(void *ctx, const address *a, const u256 *key,
                            const u256 *val)
{
	state_set_transient(((exec *)ctx)->st, a, key, val);
}

/* The access hooks of transition_opts: the same accesses, reported. */
static evm_access_status h_seen_account(void *ctx, const address *a)
{
	const transition_opts *o = ((exec *)ctx)->opts;
	if (o->on_account)
		o->on_account(o->access_ctx, a);
	return h_access_account(ctx, a);
}

static evm_access_status h_seen_storage(void *ctx, const address *a,
                                        const u256 *key)
{
	const transition_opts *o = ((exec *)ctx)->opts;
	if (o->on_slot)
		o->on_slot(o->access_ctx, a, key);
	return h_access_storage(ctx, a, key);
}

static evm_access_status h_seen_load(void *ctx, const address *a,
                                     const u256 *key, u256 *value)
{
	const transition_opts *o = ((exec *)ctx)->opts;
	if (o->on_slot)
		o->on_slot(o->access_ctx, a, key);
	return h_load_storage(ctx, a, key, value);
}

static void h_trace(void *ctx, const evm_trace_step *step)
{
	const tx_tracer *t = ((exec *)ctx)->tracer;
	t->step(t->ctx, step);
}

/* ---- host: messages ---- */

static evm_result failure(evm_status status, int64_t gas_left)
{
	return (evm_result){.status = status, .gas_left = gas_left};
}

/* Ends a frame that ran after snapshot `snap`: a failed frame's effects are
 * undone, and only REVERT hands gas back. */
static void settle(exec *x, size_t snap, evm_result *r)
{
	if (r->status == EVM_SUCCESS)
		return;
	state_revert(x->st, snap);
	r->gas_refund = 0;
	if (r->status != EVM_REVERT)
		r->gas_left = 0;
}

static evm_result run_code(exec *x, const evm_message *msg,
                           const uint8_t *code, size_t n)
{
	if (n == 0)
		return (evm_result){.status = EVM_SUCCESS, .gas_left = msg->gas};
	return evm_execute(x->host, x, x->rev, msg, code, n);
}

/* The analysed form of the code bytes[0, n) of account a (n > 0), or NULL
 * when the cache is full or out of memory: the caller then runs the bytes
 * as they are. The code lives until free_codes. */
static const evm_code *cached_code(exec *x, const address *a,
                                   const uint8_t *bytes, size_t n)
{
	h256 h = state_code_hash(x->st, a);
	for (size_t i = 0; i < x->ncodes; i++)
		if (h256_eq(&x->codes[i].hash, &h))
			return x->codes[i].code;
	if (x->ncodes == CODE_CACHE_MAX)
		return NULL;
	const evm_code *shared = NULL;
	evm_code *own = NULL;
	if (x->env->codes)
		shared = code_cache_acquire(x->env->codes, &h, x->rev, bytes, n);
	else if (evm_code_new(bytes, n, x->rev, &own) != DURE_OK)
		return NULL;
	if (!shared && !own)
		return NULL;
	x->codes[x->ncodes++] = (code_entry){.hash = h,
	                                     .code = shared ? shared : own,
	                                     .owned = own};
	return x->codes[x->ncodes - 1].code;
}

static void free_codes(exec *x)
{
	for (size_t i = 0; i < x->ncodes; i++) {
		if (x->codes[i].owned)
			evm_code_free(x->codes[i].owned);
		else
			code_cache_release(x->env->codes, &x->codes[i].hash, x->rev);
	}
	x->ncodes = 0;
}

static void trace_enter(exec *x, const evm_message *msg)
{
	if (x->opts && x->opts->on_enter)
		x->opts->on_enter(x->opts->frame_ctx, msg);
}

static void trace_exit(exec *x, const evm_message *msg, const evm_result *r)
{
	if (x->opts && x->opts->on_exit)
		x->opts->on_exit(x->opts->frame_ctx, msg, r);
}

/* code, when not NULL, is msg's code analysed beforehand. */
static evm_result call_frame(exec *x, const evm_message *msg,
                             const evm_code *code)
{
	size_t snap = state_snapshot(x->st);
	if (msg->kind == EVM_CALL) {
		/* Even a zero-value call touches the callee (EIP-161). */
		if (!state_transfer(x->st, &msg->sender, &msg->recipient,
		                    &msg->value))
			return failure(EVM_INSUFFICIENT_BALANCE, msg->gas);
	}
	evm_result r;
	if (evm_is_precompile(&msg->code_address, x->rev)) {
		r = evm_run_precompile(&msg->code_address, x->rev, msg->input,
		                       msg->input_size, msg->gas);
	} else if (code) {
		r = evm_execute_code(x->host, x, x->rev, msg, code);
	} else {
		size_t n;
		const uint8_t *bytes = state_code(x->st, &msg->code_address, &n);
		const evm_code *c =
			n ? cached_code(x, &msg->code_address, bytes, n) : NULL;
		r = c ? evm_execute_code(x->host, x, x->rev, msg, c)
		      : run_code(x, msg, bytes, n);
	}
	settle(x, snap, &r);
	return r;
}

static evm_result do_call(exec *x, const evm_message *msg,
                          const evm_code *code)
{
	trace_enter(x, msg);
	evm_result r = call_frame(x, msg, code);
	trace_exit(x, msg, &r);
	return r;
}

/* keccak(rlp[sender, nonce])[12:]. Returns false when out of memory. */
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

static void create2_address(const address *sender, const h256 *salt,
                            const uint8_t *init, size_t n, address *out)
{
	uint8_t pre[1 + 20 + 32 + 32], h[32];
	pre[0] = 0xff;
	memcpy(pre + 1, sender->b, 20);
	memcpy(pre + 21, salt->b, 32);
	keccak256(init, n, pre + 53);
	keccak256(pre, sizeof pre, h);
	memcpy(out->b, h + 12, 20);
}

/* Deploys the code returned by a successful initcode run, or fails r. */
static void deposit(exec *x, const address *a, evm_result *r)
{
	size_t n = r->output_size;
	if (x->rev >= FORK_SPURIOUS && n > MAX_CODE_SIZE &&
	    !x->env->unlimited_code_size) {
		r->status = EVM_OUT_OF_GAS;
		return;
	}
	if (x->rev >= FORK_LONDON && n > 0 && r->output[0] == 0xef) {
		r->status = EVM_CONTRACT_VALIDATION_FAILURE; /* EIP-3541 */
		return;
	}
	int64_t cost = (int64_t)n * CODE_DEPOSIT_GAS;
	if (cost > r->gas_left) {
		if (x->rev >= FORK_HOMESTEAD) {
			r->status = EVM_OUT_OF_GAS;
			return;
		}
		/* Frontier kept the account, without code. */
		n = 0;
		cost = 0;
	}
	r->gas_left -= cost;
	state_set_code(x->st, a, r->output, n);
}

/* A create of msg->recipient, the address its kind derives. */
static evm_result create_frame(exec *x, const evm_message *msg)
{
	const address a = msg->recipient;
	state_warm_account(x->st, &a);
	size_t code_len;
	state_code(x->st, &a, &code_len);
	/* An address already in use (EIP-684, with storage per EIP-7610)
	 * cannot be created over; the attempt burns all its gas. */
	if (state_nonce(x->st, &a) != 0 || code_len != 0 ||
	    state_has_storage(x->st, &a))
		return failure(EVM_OUT_OF_GAS, 0);

	size_t snap = state_snapshot(x->st);
	state_create_account(x->st, &a);
	if (x->rev >= FORK_SPURIOUS)
		state_set_nonce(x->st, &a, 1);
	state_mark_created(x->st, &a);
	if (!state_sub_balance(x->st, &msg->sender, &msg->value)) {
		state_revert(x->st, snap);
		return failure(EVM_INSUFFICIENT_BALANCE, msg->gas);
	}
	state_add_balance(x->st, &a, &msg->value);

	evm_message m = *msg;
	m.input = NULL;
	m.input_size = 0;
	evm_result r = run_code(x, &m, msg->input, msg->input_size);
	if (r.status == EVM_SUCCESS) {
		deposit(x, &a, &r);
		if (r.status == EVM_SUCCESS)
			r.create_address = a;
	}
	settle(x, snap, &r);
	return r;
}

/* CREATE and CREATE2. `nonce` is the sender's nonce the address derives
 * from; the sender's nonce has already been incremented. */
static evm_result do_create(exec *x, const evm_message *msg, uint64_t nonce)
{
	evm_message m = *msg;
	if (msg->kind == EVM_CREATE2)
		create2_address(&msg->sender, &msg->create2_salt, msg->input,
		                msg->input_size, &m.recipient);
	else if (!create_address(&msg->sender, nonce, &m.recipient))
		return failure(EVM_INTERNAL_ERROR, 0);
	m.code_address = m.recipient;
	trace_enter(x, &m);
	evm_result r = create_frame(x, &m);
	trace_exit(x, &m, &r);
	/* A create hands back no data when it succeeds (the deployed code
	 * was its output). */
	if (r.status == EVM_SUCCESS)
		evm_result_release(&r);
	return r;
}

/* Depth and balance were checked by the interpreter before it called. */
static evm_result h_call(void *ctx, const evm_message *msg)
{
	exec *x = ctx;
	if (msg->kind != EVM_CREATE && msg->kind != EVM_CREATE2)
		return do_call(x, msg, NULL);
	uint64_t nonce = state_nonce(x->st, &msg->sender);
	/* EIP-2681: the create fails but, like a failed depth or balance
	 * check, hands the gas back. */
	if (nonce == UINT64_MAX)
		return failure(EVM_REVERT, msg->gas);
	state_set_nonce(x->st, &msg->sender, nonce + 1);
	return do_create(x, msg, nonce);
}

/* ---- the transaction ---- */

static const evm_host host_plain = {
	.account_exists = h_account_exists,
	.get_storage = h_get_storage,
	.set_storage = h_set_storage,
	.get_balance = h_get_balance,
	.get_code_size = h_get_code_size,
	.get_code_hash = h_get_code_hash,
	.copy_code = h_copy_code,
	.selfdestruct = h_selfdestruct,
	.call = h_call,
	.get_tx_context = h_get_tx_context,
	.get_block_hash = h_get_block_hash,
	.emit_log = h_emit_log,
	.access_account = h_access_account,
	.access_storage = h_access_storage,
	.load_storage = h_load_storage,
	.get_transient_storage = h_get_transient,
	.set_transient_storage = h_set_transient,
};

/* Sets up x for one transaction (or one bare frame). The code cache is
 * left unwritten but for its count: it is most of x, and a short call
 * should not pay for clearing it. */
static void init_exec(exec *x, state *st, fork rev, const block_env *env,
                      const transition_opts *opts, const tx_tracer *tracer,
                      const evm_tx_context *txc)
{
	x->st = st;
	x->rev = rev;
	x->env = env;
	x->opts = opts;
	x->tracer = tracer;
	x->txc = txc;
	x->host = &host_plain;
	bool trace = tracer && tracer->step;
	bool seen = opts && (opts->on_account || opts->on_slot);
	if (trace || seen) {
		x->traced = host_plain;
		if (trace)
			x->traced.trace = h_trace;
		if (seen) {
			x->traced.access_account = h_seen_account;
			x->traced.access_storage = h_seen_storage;
			x->traced.load_storage = h_seen_load;
		}
		x->host = &x->traced;
	}
	x->ncodes = 0;
}

static u256 blob_gas(const tx *t)
{
	return u256_from_u64((uint64_t)t->blob_hashes_len * GAS_PER_BLOB);
}

/* What is left of a pool of `cap` after `used`; an overdrawn pool is
 * empty. */
static uint64_t pool_left(uint64_t cap, uint64_t used)
{
	return used < cap ? cap - used : 0;
}

/* Every check that needs the state or the block; changes nothing. Sets
 * *price to the effective gas price. */
static int check(state *st, fork rev, const block_env *env, const tx *t,
                 const address *sender, const block_gas *used,
                 const transition_opts *opts, const u256 *blob_fee,
                 u256 *price)
{
	int err = tx_validate_limits(t, rev, env->unlimited_code_size);
	if (err == DURE_OK)
		err = tx_check_chain_id(t, env->chain_id);
	if (err != DURE_OK)
		return err;
	if (t->type == TX_BLOB && !t->has_to)
		return DURE_ETR_BLOB_CREATE;
	if (!(opts && opts->skip_block_gas) &&
	    t->gas_limit > pool_left(env->gas_limit, used ? used->gas : 0))
		return DURE_ETR_BLOCK_GAS;
	/* tx_validate bounds the blob count, so the product fits. */
	if (t->type == TX_BLOB &&
	    (uint64_t)t->blob_hashes_len * GAS_PER_BLOB >
	        pool_left(MAX_BLOB_GAS_PER_BLOCK, used ? used->blob_gas : 0))
		return DURE_ETR_BLOB_GAS;
	if (state_nonce(st, sender) != t->nonce)
		return DURE_ETR_NONCE;
	size_t code_len;
	state_code(st, sender, &code_len);
	if (code_len != 0 && !env->allow_sender_code && /* EIP-3607 */
	    !(opts && opts->skip_sender_code))
		return DURE_ETR_SENDER_CODE;

	const u256 *max_fee =
		t->type >= TX_DYNAMIC_FEE ? &t->max_fee : &t->gas_price;
	if (rev >= FORK_LONDON && u256_lt(max_fee, &env->base_fee))
		return DURE_ETR_BASE_FEE;
	*price = transition_gas_price(t, rev, env);
	if (t->type == TX_BLOB && u256_lt(&t->max_fee_per_blob_gas, blob_fee))
		return DURE_ETR_BLOB_FEE;

	/* tx_validate has checked that gas and blob fees fit 256 bits. */
	u256 gas = u256_from_u64(t->gas_limit);
	u256 need = u256_mul(&gas, max_fee);
	if (t->type == TX_BLOB) {
		u256 bg = blob_gas(t);
		u256 bcost = u256_mul(&bg, &t->max_fee_per_blob_gas);
		need = u256_add(&need, &bcost);
	}
	u256 bal = state_balance(st, sender);
	if (u256_add_overflow(&need, &need, &t->value) || u256_lt(&bal, &need))
		return DURE_ETR_FUNDS;
	return DURE_OK;
}

void transition_warm(state *st, fork rev, const block_env *env, const tx *t,
                     const address *sender)
{
	state_warm_account(st, sender);
	if (t->has_to)
		state_warm_account(st, &t->to);
	for (unsigned i = 1; i <= PRECOMPILE_SCAN; i++) {
		address p = {{[19] = (uint8_t)i}};
		if (evm_is_precompile(&p, rev))
			state_warm_account(st, &p);
	}
	if (rev >= FORK_SHANGHAI) /* EIP-3651 */
		state_warm_account(st, &env->coinbase);
	for (size_t i = 0; i < t->access_list_len; i++) {
		const tx_access *e = &t->access_list[i];
		state_warm_account(st, &e->addr);
		for (size_t k = 0; k < e->nkeys; k++) {
			u256 key = u256_from_be(e->keys[k].b, 32);
			state_warm_slot(st, &e->addr, &key);
		}
	}
}

static int copy_logs(state *st, receipt *out)
{
	size_t n;
	const state_log *logs = state_logs(st, &n);
	if (n == 0)
		return DURE_OK;
	out->logs = calloc(n, sizeof *out->logs);
	if (!out->logs)
		return DURE_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		out->logs[i] = logs[i];
		out->logs[i].data = NULL;
		if (logs[i].data_size) {
			out->logs[i].data = malloc(logs[i].data_size);
			if (!out->logs[i].data)
				return DURE_ENOMEM;
			memcpy(out->logs[i].data, logs[i].data, logs[i].data_size);
		}
		out->nlogs = i + 1;
	}
	logs_bloom(out->logs, out->nlogs, out->bloom);
	return DURE_OK;
}

static int begin(state *st, fork rev, const block_env *env, const tx *t,
                 const address *sender, const block_gas *used,
                 const transition_opts *opts, tx_frame *out)
{
	memset(out, 0, sizeof *out);
	u256 bfee = opts && opts->blob_fee ? *opts->blob_fee
	                                   : blob_base_fee(env->excess_blob_gas);
	u256 price;
	uint64_t intrinsic;
	int err = check(st, rev, env, t, sender, used, opts, &bfee, &price);
	if (err != DURE_OK)
		return err;
	if (tx_intrinsic_gas(t, rev, &intrinsic) != DURE_OK)
		return DURE_ETX_INTRINSIC_GAS;

	/* Buy the gas (and the blob gas) up front; check() made sure the
	 * balance covers it. */
	u256 gas = u256_from_u64(t->gas_limit);
	u256 cost = u256_mul(&gas, &price);
	if (t->type == TX_BLOB) {
		u256 bg = blob_gas(t);
		u256 bcost = u256_mul(&bg, &bfee);
		cost = u256_add(&cost, &bcost);
	}
	state_sub_balance(st, sender, &cost);
	state_set_nonce(st, sender, t->nonce + 1);
	transition_warm(st, rev, env, t, sender);

	out->price = price;
	out->txc = transition_tx_context(t, env, sender, &price, &bfee);
	out->msg = (evm_message){
		.kind = t->has_to ? EVM_CALL : EVM_CREATE,
		.gas = (int64_t)(t->gas_limit - intrinsic),
		.recipient = t->to,
		.sender = *sender,
		.code_address = t->to,
		.input = t->data,
		.input_size = t->data_size,
		.value = t->value,
	};
	return DURE_OK;
}

int transition_begin(state *st, fork rev, const block_env *env, const tx *t,
                     const address *sender, const block_gas *used,
                     tx_frame *out)
{
	return begin(st, rev, env, t, sender, used, NULL, out);
}

uint64_t transition_gas_used(uint64_t gas_limit, const evm_result *r,
                             fork rev)
{
	int64_t left = r->status == EVM_SUCCESS || r->status == EVM_REVERT
	                   ? r->gas_left
	                   : 0;
	uint64_t used = gas_limit - (uint64_t)left;
	uint64_t refund = r->status == EVM_SUCCESS && r->gas_refund > 0
	                      ? (uint64_t)r->gas_refund
	                      : 0;
	uint64_t cap = used / (rev >= FORK_LONDON ? 5 : 2); /* EIP-3529 */
	return used - (refund < cap ? refund : cap);
}

int transition_apply(state *st, fork rev, const block_env *env, const tx *t,
                     const address *sender, const block_gas *used,
                     const tx_tracer *tracer, buf *output, receipt *out)
{
	return transition_apply_opts(st, rev, env, t, sender, used, NULL, tracer,
	                             output, NULL, out);
}

int transition_apply_opts(state *st, fork rev, const block_env *env,
                          const tx *t, const address *sender,
                          const block_gas *used, const transition_opts *opts,
                          const tx_tracer *tracer, buf *output,
                          evm_status *status, receipt *out)
{
	memset(out, 0, sizeof *out);
	if (status)
		*status = EVM_SUCCESS;
	tx_frame f;
	int err = begin(st, rev, env, t, sender, used, opts, &f);
	if (err != DURE_OK)
		return err;
	exec x;
	init_exec(&x, st, rev, env, opts, tracer, &f.txc);
	evm_result r = t->has_to ? do_call(&x, &f.msg, NULL)
	                         : do_create(&x, &f.msg, t->nonce);
	free_codes(&x);
	uint64_t gas = transition_gas_used(t->gas_limit, &r, rev);

	u256 back = u256_from_u64(t->gas_limit - gas);
	back = u256_mul(&back, &f.price);
	state_add_balance(st, sender, &back);
	u256 tip =
		rev >= FORK_LONDON ? u256_sub(&f.price, &env->base_fee) : f.price;
	u256 gas256 = u256_from_u64(gas);
	u256 fee = u256_mul(&gas256, &tip);
	state_add_balance(st, &env->coinbase, &fee);

	out->type = t->type;
	out->success = r.status == EVM_SUCCESS;
	if (status)
		*status = r.status;
	out->gas_used = gas;
	out->cumulative_gas = (used ? used->gas : 0) + gas;
	err = copy_logs(st, out);
	if (err == DURE_OK && output && r.output_size)
		err = buf_append(output, r.output, r.output_size);
	evm_result_release(&r);
	state_end_tx(st, rev >= FORK_SPURIOUS);
	if (err == DURE_OK && state_failed(st))
		err = DURE_ENOMEM;
	if (err != DURE_OK) {
		receipt_free(out);
		if (status)
			*status = EVM_SUCCESS;
	}
	return err;
}

evm_result transition_call(state *st, fork rev, const block_env *env,
                           const evm_tx_context *txc, const evm_message *msg,
                           const evm_code *code)
{
	exec x;
	init_exec(&x, st, rev, env, NULL, NULL, txc);
	evm_result r = do_call(&x, msg, code);
	free_codes(&x);
	return r;
}

u256 transition_gas_price(const tx *t, fork rev, const block_env *env)
{
	if (t->type < TX_DYNAMIC_FEE)
		return t->gas_price;
	if (rev < FORK_LONDON)
		return t->max_fee;
	u256 room = u256_sub(&t->max_fee, &env->base_fee);
	const u256 *tip =
		u256_lt(&t->max_priority_fee, &room) ? &t->max_priority_fee : &room;
	return u256_add(&env->base_fee, tip);
}

evm_tx_context transition_tx_context(const tx *t, const block_env *env,
                                     const address *sender, const u256 *price,
                                     const u256 *blob_fee)
{
	return (evm_tx_context){
		.gas_price = *price,
		.origin = *sender,
		.coinbase = env->coinbase,
		.number = (int64_t)env->number,
		.timestamp = (int64_t)env->timestamp,
		.gas_limit = (int64_t)env->gas_limit,
		.prev_randao = env->prev_randao,
		.chain_id = u256_from_u64(env->chain_id),
		.base_fee = env->base_fee,
		.blob_base_fee = *blob_fee,
		.blob_hashes = t->blob_hashes,
		.blob_hashes_count = t->blob_hashes_len,
		.unlimited_code_size = env->unlimited_code_size,
	};
}
