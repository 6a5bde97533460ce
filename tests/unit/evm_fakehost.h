/* An in-memory evm_host for EVM unit tests and the EVM fuzzer.
 *
 * Fixed-size tables (accounts, storage slots, transient slots) so a nested
 * call snapshots the whole world by copying a struct and reverts by copying
 * it back. Storage keeps each slot's value at the start of the "transaction"
 * (original) beside its current value, which is what SSTORE's status needs.
 * Nested calls run precompiles or evm_execute on the callee's code;
 * creates derive the new address from a counter, run the initcode and
 * deposit its output at 200 gas per byte (EIP-170 and EIP-3541 checked).
 * Lookups are linear: tables are small. A full table makes writes drop,
 * which tests never reach and the fuzzer does not mind. */
#ifndef DURE_TEST_EVM_FAKEHOST_H
#define DURE_TEST_EVM_FAKEHOST_H

#include <stdlib.h>
#include <string.h>

#include "crypto/keccak.h"
#include "evm/evm.h"
#include "evm/precompiles.h"
#include "evm_builder.h"

#define FH_ACCOUNTS 16
#define FH_SLOTS 64
#define FH_CODE_MAX 24576

typedef struct fh_account {
	address addr;
	u256 balance;
	uint64_t nonce;
	const uint8_t *code;   /* borrowed from the test, or from deployed[] */
	size_t code_size;
	bool warm;
	bool destructed;
} fh_account;

typedef struct fh_slot {
	address addr;
	u256 key, original, current;
	bool warm;
} fh_slot;

typedef struct fh_world {
	fh_account acc[FH_ACCOUNTS];
	size_t nacc;
	fh_slot slots[FH_SLOTS];
	size_t nslots;
	fh_slot tslots[FH_SLOTS]; /* transient storage: current only */
	size_t ntslots;
} fh_world;

typedef struct fakehost {
	fh_world w;
	fork rev;
	evm_tx_context tx;
	uint8_t *deployed[FH_ACCOUNTS]; /* code from creates, owned */
	size_t ndeployed;
	unsigned creates;               /* counter for new addresses */
	/* Observations for tests. */
	size_t nlogs;
	uint8_t log_data[64];
	size_t log_size;
	h256 log_topics[4];
	size_t log_ntopics;
	size_t ncalls;
	evm_message last_call;
	size_t nselfdestructs;
	size_t trace_steps;
	int64_t trace_costs[16];     /* gas_cost of the first 16 steps */
} fakehost;

static inline address fh_addr(uint8_t b)
{
	address a = {{0}};
	a.b[19] = b;
	a.b[0] = 0xaa; /* keep clear of the precompile range */
	return a;
}

static inline fh_account *fh_find(fakehost *h, const address *a)
{
	for (size_t i = 0; i < h->w.nacc; i++)
		if (address_eq(&h->w.acc[i].addr, a))
			return &h->w.acc[i];
	return NULL;
}

/* Finds or creates the account. NULL only when the table is full. */
static inline fh_account *fh_account_of(fakehost *h, const address *a)
{
	fh_account *acc = fh_find(h, a);
	if (acc || h->w.nacc == FH_ACCOUNTS)
		return acc;
	acc = &h->w.acc[h->w.nacc++];
	memset(acc, 0, sizeof *acc);
	acc->addr = *a;
	return acc;
}

static inline void fh_set_code(fakehost *h, const address *a,
                               const uint8_t *code, size_t n)
{
	fh_account *acc = fh_account_of(h, a);
	acc->code = code;
	acc->code_size = n;
}

static inline void fh_set_balance(fakehost *h, const address *a, uint64_t v)
{
	fh_account_of(h, a)->balance = u256_from_u64(v);
}

static inline fh_slot *fh_slot_in(fh_slot *tab, size_t *n, const address *a,
                                  const u256 *key, bool create)
{
	for (size_t i = 0; i < *n; i++)
		if (address_eq(&tab[i].addr, a) && u256_eq(&tab[i].key, key))
			return &tab[i];
	if (!create || *n == FH_SLOTS)
		return NULL;
	fh_slot *s = &tab[(*n)++];
	memset(s, 0, sizeof *s);
	s->addr = *a;
	s->key = *key;
	return s;
}

/* Sets a slot's value at the start of the transaction. */
static inline void fh_preset_storage(fakehost *h, const address *a,
                                     uint64_t key, uint64_t v)
{
	u256 k = u256_from_u64(key);
	fh_slot *s = fh_slot_in(h->w.slots, &h->w.nslots, a, &k, true);
	s->original = s->current = u256_from_u64(v);
}

static inline u256 fh_storage(fakehost *h, const address *a, uint64_t key)
{
	u256 k = u256_from_u64(key);
	fh_slot *s = fh_slot_in(h->w.slots, &h->w.nslots, a, &k, false);
	return s ? s->current : U256_ZERO;
}

static bool fh_account_exists(void *ctx, const address *a)
{
	fakehost *h = ctx;
	fh_account *acc = fh_find(h, a);
	if (!acc)
		return false;
	bool empty = u256_is_zero(&acc->balance) && acc->nonce == 0 &&
	             acc->code_size == 0;
	return h->rev < FORK_SPURIOUS || !empty;
}

static u256 fh_get_storage(void *ctx, const address *a, const u256 *key)
{
	fakehost *h = ctx;
	fh_slot *s = fh_slot_in(h->w.slots, &h->w.nslots, a, key, false);
	return s ? s->current : U256_ZERO;
}

static evm_storage_status fh_set_storage(void *ctx, const address *a,
                                         const u256 *key, const u256 *v)
{
	fakehost *h = ctx;
	fh_slot *s = fh_slot_in(h->w.slots, &h->w.nslots, a, key, true);
	if (!s)
		return EVM_STORAGE_ASSIGNED;
	u256 orig = s->original, cur = s->current;
	s->current = *v;
	bool o0 = u256_is_zero(&orig), c0 = u256_is_zero(&cur),
	     v0 = u256_is_zero(v);
	if (u256_eq(&cur, v))
		return EVM_STORAGE_ASSIGNED;
	if (u256_eq(&orig, &cur))
		return o0 ? EVM_STORAGE_ADDED
		          : v0 ? EVM_STORAGE_DELETED : EVM_STORAGE_MODIFIED;
	if (!o0 && c0)
		return u256_eq(v, &orig) ? EVM_STORAGE_DELETED_RESTORED
		                         : EVM_STORAGE_DELETED_ADDED;
	if (!o0 && v0)
		return EVM_STORAGE_MODIFIED_DELETED;
	if (o0 && v0)
		return EVM_STORAGE_ADDED_DELETED;
	if (u256_eq(v, &orig))
		return EVM_STORAGE_MODIFIED_RESTORED;
	return EVM_STORAGE_ASSIGNED;
}

static u256 fh_get_balance(void *ctx, const address *a)
{
	fh_account *acc = fh_find(ctx, a);
	return acc ? acc->balance : U256_ZERO;
}

static size_t fh_get_code_size(void *ctx, const address *a)
{
	fh_account *acc = fh_find(ctx, a);
	return acc ? acc->code_size : 0;
}

static h256 fh_get_code_hash(void *ctx, const address *a)
{
	h256 hash = {{0}};
	if (!fh_account_exists(ctx, a))
		return hash;
	fh_account *acc = fh_find(ctx, a);
	keccak256(acc->code, acc->code_size, hash.b);
	return hash;
}

static size_t fh_copy_code(void *ctx, const address *a, size_t off,
                           uint8_t *out, size_t n)
{
	fh_account *acc = fh_find(ctx, a);
	if (!acc || off >= acc->code_size)
		return 0;
	size_t k = acc->code_size - off < n ? acc->code_size - off : n;
	memcpy(out, acc->code + off, k);
	return k;
}

static bool fh_selfdestruct(void *ctx, const address *a, const address *ben)
{
	fakehost *h = ctx;
	fh_account *acc = fh_find(h, a);
	fh_account *to = fh_account_of(h, ben);
	if (!acc)
		return false;
	if (to && to != acc)
		to->balance = u256_add(&to->balance, &acc->balance);
	acc->balance = U256_ZERO;
	bool first = !acc->destructed;
	acc->destructed = true;
	h->nselfdestructs += first;
	return first;
}

static const evm_tx_context *fh_get_tx_context(void *ctx)
{
	return &((fakehost *)ctx)->tx;
}

static h256 fh_get_block_hash(void *ctx, int64_t number)
{
	h256 hash = {{0}};
	memcpy(hash.b, &number, sizeof number);
	hash.b[31] = 0xbb;
	return hash;
}

static void fh_emit_log(void *ctx, const address *a, const uint8_t *data,
                        size_t n, const h256 topics[], size_t ntopics)
{
	fakehost *h = ctx;
	h->nlogs++;
	h->log_size = n;
	if (n)
		memcpy(h->log_data, data,
		       n < sizeof h->log_data ? n : sizeof h->log_data);
	h->log_ntopics = ntopics;
	for (size_t i = 0; i < ntopics; i++)
		h->log_topics[i] = topics[i];
}

static evm_access_status fh_access_account(void *ctx, const address *a)
{
	fakehost *h = ctx;
	/* Precompiles are warm from the start (EIP-2929). */
	if (evm_is_precompile(a, h->rev))
		return EVM_ACCESS_WARM;
	fh_account *acc = fh_account_of(h, a);
	if (!acc || acc->warm)
		return EVM_ACCESS_WARM;
	acc->warm = true;
	return EVM_ACCESS_COLD;
}

static evm_access_status fh_access_storage(void *ctx, const address *a,
                                           const u256 *key)
{
	fakehost *h = ctx;
	fh_slot *s = fh_slot_in(h->w.slots, &h->w.nslots, a, key, true);
	if (!s || s->warm)
		return EVM_ACCESS_WARM;
	s->warm = true;
	return EVM_ACCESS_COLD;
}

static evm_access_status fh_load_storage(void *ctx, const address *a,
                                         const u256 *key, u256 *value)
{
	evm_access_status st = fh_access_storage(ctx, a, key);
	*value = fh_get_storage(ctx, a, key);
	return st;
}

static u256 fh_get_transient(void *ctx, const address *a, const u256 *key)
{
	fakehost *h = ctx;
	fh_slot *s = fh_slot_in(h->w.tslots, &h->w.ntslots, a, key, false);
	return s ? s->current : U256_ZERO;
}

static void fh_set_transient(void *ctx, const address *a, const u256 *key,
                             const u256 *v)
{
	fakehost *h = ctx;
	fh_slot *s = fh_slot_in(h->w.tslots, &h->w.ntslots, a, key, true);
	if (s)
		s->current = *v;
}

static inline void fh_trace(void *ctx, const evm_trace_step *s)
{
	fakehost *h = ctx;
	if (h->trace_steps < 16)
		h->trace_costs[h->trace_steps] = s->gas_cost;
	h->trace_steps++;
}

static const evm_host fh_host_table;

static void fh_transfer(fakehost *h, const address *from, const address *to,
                        const u256 *v)
{
	fh_account *a = fh_account_of(h, from), *b = fh_account_of(h, to);
	if (!a || !b || u256_is_zero(v))
		return;
	a->balance = u256_sub(&a->balance, v);
	b->balance = u256_add(&b->balance, v);
}

static evm_result fh_create(fakehost *h, const evm_message *msg)
{
	evm_result r = {.status = EVM_OUT_OF_GAS};
	address a = fh_addr((uint8_t)(0xc0 + h->creates++));
	fh_account *sender = fh_account_of(h, &msg->sender);
	fh_account *acc = fh_account_of(h, &a);
	if (!sender || !acc || acc->code_size || acc->nonce)
		return r; /* collision or full table: all gas consumed */
	sender->nonce++;
	acc->nonce = h->rev >= FORK_SPURIOUS;
	fh_transfer(h, &msg->sender, &a, &msg->value);
	evm_message sub = *msg;
	sub.recipient = a;
	sub.code_address = a;
	sub.input = NULL;
	sub.input_size = 0;
	r = evm_execute(&fh_host_table, h, h->rev, &sub, msg->input,
	                msg->input_size);
	if (r.status != EVM_SUCCESS)
		return r;
	int64_t deposit = 200 * (int64_t)r.output_size;
	bool bad = (h->rev >= FORK_SPURIOUS && r.output_size > FH_CODE_MAX) ||
	           (h->rev >= FORK_LONDON && r.output_size &&
	            r.output[0] == 0xef) ||
	           h->ndeployed == FH_ACCOUNTS || deposit > r.gas_left;
	if (bad) {
		evm_result_release(&r);
		r.status = EVM_OUT_OF_GAS;
		r.gas_left = 0;
		r.gas_refund = 0;
		return r;
	}
	r.gas_left -= deposit;
	h->deployed[h->ndeployed++] = r.output;
	acc = fh_find(h, &a);
	acc->code = r.output;
	acc->code_size = r.output_size;
	r.output = NULL;
	r.output_size = 0;
	r.create_address = a;
	return r;
}

static evm_result fh_call(void *ctx, const evm_message *msg)
{
	fakehost *h = ctx;
	h->ncalls++;
	h->last_call = *msg;
	fh_world *saved = malloc(sizeof *saved);
	evm_result r = {.status = EVM_INTERNAL_ERROR};
	if (!saved)
		return r;
	*saved = h->w;
	if (msg->kind == EVM_CREATE || msg->kind == EVM_CREATE2) {
		r = fh_create(h, msg);
	} else {
		if (msg->kind == EVM_CALL)
			fh_transfer(h, &msg->sender, &msg->recipient, &msg->value);
		if (evm_is_precompile(&msg->code_address, h->rev)) {
			r = evm_run_precompile(&msg->code_address, h->rev, msg->input,
			                       msg->input_size, msg->gas);
		} else {
			fh_account *acc = fh_find(h, &msg->code_address);
			if (acc && acc->code_size) {
				r = evm_execute(&fh_host_table, h, h->rev, msg, acc->code,
				                acc->code_size);
			} else {
				r = (evm_result){.status = EVM_SUCCESS, .gas_left = msg->gas};
			}
		}
	}
	if (r.status != EVM_SUCCESS)
		h->w = *saved;
	free(saved);
	return r;
}

static const evm_host fh_host_table = {
	.account_exists = fh_account_exists,
	.get_storage = fh_get_storage,
	.set_storage = fh_set_storage,
	.get_balance = fh_get_balance,
	.get_code_size = fh_get_code_size,
	.get_code_hash = fh_get_code_hash,
	.copy_code = fh_copy_code,
	.selfdestruct = fh_selfdestruct,
	.call = fh_call,
	.get_tx_context = fh_get_tx_context,
	.get_block_hash = fh_get_block_hash,
	.emit_log = fh_emit_log,
	.access_account = fh_access_account,
	.access_storage = fh_access_storage,
	.load_storage = fh_load_storage,
	.get_transient_storage = fh_get_transient,
	.set_transient_storage = fh_set_transient,
	.trace = NULL,
};

static inline void fh_init(fakehost *h, fork rev)
{
	memset(h, 0, sizeof *h);
	h->rev = rev;
	h->tx.number = 1000;
	h->tx.timestamp = 1700000000;
	h->tx.gas_limit = 30000000;
	h->tx.chain_id = u256_from_u64(1);
	h->tx.base_fee = u256_from_u64(7);
	h->tx.gas_price = u256_from_u64(10);
	h->tx.origin = fh_addr(0x01);
}

static inline void fh_free(fakehost *h)
{
	for (size_t i = 0; i < h->ndeployed; i++)
		free(h->deployed[i]);
	h->ndeployed = 0;
}

/* The account a test's top-level code runs as, and its caller. */
#define FH_SELF 0x10
#define FH_CALLER 0x01

/* Runs code as the transaction's frame of FH_SELF with the given gas and
 * calldata, through host (fh_host_table or a copy of it, with a tracer
 * say). The caller releases the result. */
static inline evm_result fh_run_host(fakehost *h, const evm_host *host,
                                     const uint8_t *code, size_t n,
                                     int64_t gas, const uint8_t *input,
                                     size_t input_size)
{
	evm_message msg = {
		.kind = EVM_CALL,
		.gas = gas,
		.recipient = fh_addr(FH_SELF),
		.sender = fh_addr(FH_CALLER),
		.code_address = fh_addr(FH_SELF),
		.input = input,
		.input_size = input_size,
	};
	fh_account *self = fh_account_of(h, &msg.recipient);
	self->warm = true;
	fh_account_of(h, &msg.sender)->warm = true;
	self->code = code;
	self->code_size = n;
	return evm_execute(host, h, h->rev, &msg, code, n);
}

/* fh_run_host through fh_host_table. */
static inline evm_result fh_run(fakehost *h, const uint8_t *code, size_t n,
                                int64_t gas, const uint8_t *input,
                                size_t input_size)
{
	return fh_run_host(h, &fh_host_table, code, n, gas, input, input_size);
}

/* The 32-byte word a frame returned, or 0xdeadbeef if it returned any
 * other size. */
static inline u256 fh_out_word(const evm_result *r)
{
	return r->output_size == 32 ? u256_from_be(r->output, 32)
	                            : u256_from_u64(0xdeadbeef);
}

/* Runs PUSH b, PUSH a, opcode and returns the top (a is the first operand)
 * at Cancun with 100000 gas on a fresh host. Returns the frame's status;
 * *out gets the returned word. */
static inline evm_status fh_binop(uint8_t opcode, const u256 *a, const u256 *b,
                                  u256 *out)
{
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	bc c = {0};
	push_u256(&c, b);
	push_u256(&c, a);
	op(&c, opcode);
	ret_top(&c);
	evm_result r = fh_run(&h, c.code, c.n, 100000, NULL, 0);
	*out = fh_out_word(&r);
	evm_status st = r.status;
	evm_result_release(&r);
	fh_free(&h);
	return st;
}

#endif
