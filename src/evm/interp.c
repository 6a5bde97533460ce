/* The interpreter loop: one call frame over one piece of code.
 *
 * evm_code_new analyses the code once per code and fork, into one block:
 *
 *   +--------------------------+------------------------------+
 *   | code (code_size bytes)   | 33 zero bytes                |
 *   +--------------------------+------------------------------+
 *   | ops: the code as dispatched, fused pairs marked (fuse()) |
 *   | (code_size bytes)        | 33 zero bytes                |
 *   +--------------------------+------------------------------+
 *   | jumpdest bitmap: bit i set when code[i] is a JUMPDEST    |
 *   | that is not PUSH data ((code_size + 7) / 8 bytes)         |
 *   +----------------------------------------------------------+
 *   | blocks: 8 bytes per pc, set where a basic block starts   |
 *   | ((code_size + 1) entries, 8-byte aligned)                 |
 *   +----------------------------------------------------------+
 *
 * The zero padding holds a truncated PUSH32's missing immediate and then a
 * STOP, so the loop never checks pc against the end of the code.
 *
 * Dispatch is by computed goto, replicated at the end of every handler.
 * Stack bounds and base gas are checked once per basic block, when it is
 * entered (CHARGE_BLOCK and BEGIN_BLOCK in run()); a handler checks only
 * that its opcode exists at this fork and charges its dynamic gas. Common
 * pairs (PUSH1 x ADD, PUSH2 d JUMPI, DUP2 MSTORE, ...) run as one handler.
 * Tracing costs the untraced loop nothing: a traced frame dispatches the
 * code as written through a table that sends every opcode to op_trace,
 * which checks and charges each instruction on its own.
 *
 * Frames (each with its 1024-item stack) come from a small per-thread
 * cache, memory grows geometrically, and the hot u256 operations are
 * inline, so a call frame allocates nothing in the common case.
 *
 * Depth and balance checks of CALL and CREATE happen here, before
 * host->call, as in the Yellow Paper: a failed check pushes 0 and the
 * callee's gas (with a CALL's stipend) stays with the caller. Nonce,
 * address collision and code deposit are the host's. */
#include "evm/evm.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/keccak.h"
#include "evm/opcodes.h"

#define STACK_LIMIT 1024
#define CALL_DEPTH_LIMIT 1024
#define CODE_PADDING 33
/* Memory offsets and sizes are limited to 32 bits: expanding beyond costs
 * more gas than any block holds, so larger values are out of gas before any
 * cost arithmetic can overflow. */
#define MEM_LIMIT ((uint64_t)UINT32_MAX)
#define MAX_INITCODE_SIZE 49152 /* EIP-3860 */

typedef struct frame {
	/* First, so that the stack's base is the frame pointer itself: one
	 * register less in the interpreter loop. */
	u256 stack[STACK_LIMIT];
	const evm_host *host;
	void *ctx;
	fork rev;
	const evm_message *msg;
	const evm_tx_context *tx; /* fetched on first use */
	const uint8_t *code;      /* padded code of an evm_code */
	const uint8_t *ops;       /* the same, as dispatched (fused pairs) */
	size_t code_size;
	const uint8_t *jumpdests;
	const struct block *blocks;
	uint8_t *mem;             /* undefined beyond mem_size up to mem_cap */
	size_t mem_size;          /* a multiple of 32 */
	int64_t mem_cost;         /* what mem_size has cost so far */
	size_t mem_cap;
	uint8_t *ret;             /* return data of the last call or create */
	size_t ret_size;
	int64_t refund;
	bool each;                /* checks per instruction: tracing, or
	                             blocks too large to charge at once */
	struct frame *next;       /* in the frame cache */
} frame;

/* Frames, 33 KB each with their stacks, are recycled per thread rather
 * than allocated per call: a few stay cached, with their memory buffers if
 * small. A buffer goes back dirty: growth zeroes what it adds, just before
 * it is used, so nothing sweeps a large buffer twice. The cache sits in
 * thread-local storage; a pthread key's destructor frees it when the
 * thread exits. */
#define FRAME_CACHE_MAX 8
#define FRAME_CACHE_MEM_MAX (1 << 20)

typedef struct frame_cache {
	frame *list;
	unsigned n;
	bool registered;          /* with the key, for the destructor */
} frame_cache;

static _Thread_local frame_cache cache;
static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static bool cache_key_ok;

static void cache_destroy(void *p)
{
	frame_cache *c = p;
	while (c->list) {
		frame *f = c->list;
		c->list = f->next;
		free(f->mem);
		free(f);
	}
	c->n = 0;
}

static void cache_key_create(void)
{
	cache_key_ok = pthread_key_create(&cache_key, cache_destroy) == 0;
}

/* A frame with empty memory (mem may hold a dirty buffer), or NULL. */
static frame *frame_get(void)
{
	frame *f = cache.list;
	if (f) {
		cache.list = f->next;
		cache.n--;
		return f;
	}
	f = malloc(sizeof *f);
	if (f) {
		f->mem = NULL;
		f->mem_cap = 0;
	}
	return f;
}

static void frame_put(frame *f)
{
	free(f->ret);
	if (!cache.registered) {
		pthread_once(&cache_once, cache_key_create);
		cache.registered = cache_key_ok &&
		                   pthread_setspecific(cache_key, &cache) == 0;
	}
	if (!cache.registered || cache.n >= FRAME_CACHE_MAX) {
		free(f->mem);
		free(f);
		return;
	}
	if (f->mem_cap > FRAME_CACHE_MEM_MAX) {
		free(f->mem);
		f->mem = NULL;
		f->mem_cap = 0;
	}
	f->next = cache.list;
	cache.list = f;
	cache.n++;
}

void evm_result_release(evm_result *r)
{
	free(r->output);
	r->output = NULL;
	r->output_size = 0;
}

static inline address to_address(const u256 *v)
{
	uint8_t b[32];
	u256_to_be(v, b);
	address a;
	memcpy(a.b, b + 12, 20);
	return a;
}

static inline u256 from_address(const address *a)
{
	return u256_from_be(a->b, 20);
}

static inline u256 from_h256(const h256 *h)
{
	return u256_from_be(h->b, 32);
}

/* Writes the n-byte big-endian immediate of PUSHn at p to *out. The code's
 * padding makes 32 bytes readable at p whatever n, so the immediate is the
 * top n bytes of a 32-byte load. Inlined with a constant n, the shift
 * folds into which limbs are loaded. */
static inline __attribute__((always_inline)) void
load_push(u256 *out, const uint8_t *p, unsigned n)
{
	if (n <= 8) {
		uint64_t v = n == 1 ? p[0] : u256_load_be64(p) >> (64 - 8 * n);
		*out = u256_from_u64(v);
		return;
	}
	uint64_t w[4] = {u256_load_be64(p + 24), u256_load_be64(p + 16),
	                 u256_load_be64(p + 8), u256_load_be64(p)};
	unsigned shift = 256 - 8 * n, limb = shift / 64, bits = shift % 64;
	for (unsigned i = 0; i < 4; i++) {
		unsigned src = i + limb;
		uint64_t v = src < 4 ? w[src] >> bits : 0;
		if (bits && src + 1 < 4)
			v |= w[src + 1] << (64 - bits);
		out->w[i] = v;
	}
}

/* Stack items are mostly written limb by limb (arithmetic results, pushes).
 * A plain struct copy reads them back as 16-byte vectors, which the CPU
 * cannot forward from the narrower stores still in flight: each DUP or SWAP
 * would wait for them to retire. Moving limbs through general registers
 * (the empty asm keeps the compiler from merging them into vectors again)
 * lets every load forward. */
static inline void copy_item(u256 *dst, const u256 *src)
{
	uint64_t a = src->w[0], b = src->w[1], c = src->w[2], d = src->w[3];
	__asm__("" : "+r"(a), "+r"(b), "+r"(c), "+r"(d));
	dst->w[0] = a;
	dst->w[1] = b;
	dst->w[2] = c;
	dst->w[3] = d;
}

static inline void swap_items(u256 *x, u256 *y)
{
	uint64_t a = x->w[0], b = x->w[1], c = x->w[2], d = x->w[3];
	__asm__("" : "+r"(a), "+r"(b), "+r"(c), "+r"(d));
	copy_item(x, y);
	y->w[0] = a;
	y->w[1] = b;
	y->w[2] = c;
	y->w[3] = d;
}

static inline h256 to_h256(const u256 *v)
{
	h256 h;
	u256_to_be(v, h.b);
	return h;
}

/* Value of v as a size, saturated: anything above MEM_LIMIT reads as
 * MEM_LIMIT + 1 so callers can compare without overflow. */
static inline uint64_t clamp_u64(const u256 *v)
{
	if (!u256_fits_u64(v) || v->w[0] > MEM_LIMIT)
		return MEM_LIMIT + 1;
	return v->w[0];
}

static inline int64_t num_words(uint64_t size)
{
	return (int64_t)((size + 31) / 32);
}

static inline int64_t mem_cost(int64_t words)
{
	/* Unsigned: words is never negative, and an unsigned / 512 is a shift. */
	uint64_t w = (uint64_t)words;
	return (int64_t)(3 * w + w * w / 512);
}

static const evm_tx_context *tx_context(frame *f)
{
	if (!f->tx)
		f->tx = f->host->get_tx_context(f->ctx);
	return f->tx;
}

/* Makes room for size bytes of memory; the new part is left undefined. */
static __attribute__((noinline)) bool mem_reserve(frame *f, size_t size)
{
	/* Doubling keeps appends amortised; it never exceeds twice what the gas
	 * paid for. */
	size_t cap = f->mem_cap * 2 > size ? f->mem_cap * 2 : size;
	uint8_t *p = realloc(f->mem, cap);
	if (!p)
		return false;
	f->mem = p;
	f->mem_cap = cap;
	return true;
}

/* Grows memory to cover [0, end), charging the expansion. end <= 2^32.
 * Inline where memory most often grows one word at a time (MSTORE while a
 * contract appends to an array): the growth then costs a dozen
 * instructions, the zeroing included. */
static inline __attribute__((always_inline)) evm_status
grow_memory_inline(frame *f, int64_t *gas, uint64_t end)
{
	size_t size = (size_t)(end + 31) & ~(size_t)31;
	if (size <= f->mem_size)
		return EVM_SUCCESS;
	int64_t cost = mem_cost((int64_t)(size / 32));
	*gas -= cost - f->mem_cost;
	if (*gas < 0)
		return EVM_OUT_OF_GAS;
	if (size > f->mem_cap && !mem_reserve(f, size))
		return EVM_INTERNAL_ERROR;
	/* What gas paid for, while it is about to be written anyway. */
	uint8_t *p = f->mem + f->mem_size, *end_p = f->mem + size;
	if (size - f->mem_size > 256) {
		memset(p, 0, size - f->mem_size);
	} else {
		for (; p < end_p; p += 32)
			memset(p, 0, 32);
	}
	f->mem_size = size;
	f->mem_cost = cost;
	return EVM_SUCCESS;
}

static evm_status grow_memory(frame *f, int64_t *gas, uint64_t end)
{
	return grow_memory_inline(f, gas, end);
}

/* Checks and charges the memory region (off, size): a zero size touches
 * nothing whatever the offset. Writes the region as native sizes. */
static inline evm_status mem_region(frame *f, int64_t *gas, const u256 *off,
                                    const u256 *size, size_t *o, size_t *n)
{
	*o = 0;
	*n = 0;
	if (u256_is_zero(size))
		return EVM_SUCCESS;
	uint64_t uo = clamp_u64(off), un = clamp_u64(size);
	if (uo > MEM_LIMIT || un > MEM_LIMIT || uo + un > MEM_LIMIT)
		return EVM_OUT_OF_GAS;
	*o = (size_t)uo;
	*n = (size_t)un;
	if (uo + un > f->mem_size)
		return grow_memory(f, gas, uo + un);
	return EVM_SUCCESS;
}

/* The offset of MLOAD, MSTORE or MSTORE8 in *at, or false when it lies
 * beyond MEM_LIMIT: memory that large costs more gas than any block has.
 * At most MEM_LIMIT, at + 32 cannot wrap. */
static inline __attribute__((always_inline)) bool
mem_offset(const u256 *off, uint64_t *at)
{
	*at = off->w[0];
	return u256_fits_u64(off) && off->w[0] <= MEM_LIMIT;
}

/* Copies from src[0, src_size) starting at src_off into dst[0, n), zero
 * filling what lies past the source. */
static void copy_padded(uint8_t *dst, size_t n, const uint8_t *src,
                        size_t src_size, const u256 *src_off)
{
	size_t start = src_size;
	if (u256_fits_u64(src_off) && src_off->w[0] < src_size)
		start = (size_t)src_off->w[0];
	size_t avail = src_size - start;
	size_t k = n < avail ? n : avail;
	if (k)
		memcpy(dst, src + start, k);
	if (n > k)
		memset(dst + k, 0, n - k);
}

static void set_return_data(frame *f, uint8_t *data, size_t size)
{
	free(f->ret);
	f->ret = data;
	f->ret_size = size;
}

/* EIP-2929: charges the cold surcharge for addr (and marks it warm). */
static inline bool charge_account_access(frame *f, int64_t *gas,
                                         const address *addr, int64_t cold)
{
	if (f->rev < FORK_BERLIN)
		return true;
	if (f->host->access_account(f->ctx, addr) == EVM_ACCESS_COLD)
		*gas -= cold;
	return *gas >= 0;
}

#define WARM_ACCESS 100
#define COLD_ACCOUNT_ACCESS 2600
#define COLD_SLOAD 2100

/* SSTORE cost and refund by storage status. Before Constantinople, and in
 * Petersburg, the cost depends only on the current and new values
 * (set/reset/clear); from EIP-1283/EIP-2200 it is net metered. */
typedef struct sstore_spec {
	bool net;
	int32_t warm, set, reset, clear;
} sstore_spec;

static sstore_spec sstore_spec_for(fork rev)
{
	if (rev >= FORK_LONDON) /* EIP-3529 */
		return (sstore_spec){true, 100, 20000, 5000 - COLD_SLOAD, 4800};
	if (rev >= FORK_BERLIN) /* EIP-2929 */
		return (sstore_spec){true, 100, 20000, 5000 - COLD_SLOAD, 15000};
	if (rev >= FORK_ISTANBUL) /* EIP-2200 */
		return (sstore_spec){true, 800, 20000, 5000, 15000};
	if (rev == FORK_CONSTANTINOPLE) /* EIP-1283 */
		return (sstore_spec){true, 200, 20000, 5000, 15000};
	return (sstore_spec){false, 0, 20000, 5000, 15000};
}

static void sstore_cost(fork rev, evm_storage_status st, int64_t *cost,
                        int64_t *refund)
{
	sstore_spec s = sstore_spec_for(rev);
	*refund = 0;
	if (!s.net) {
		/* Legacy rules look at current -> new only. */
		switch (st) {
		case EVM_STORAGE_ADDED:
		case EVM_STORAGE_DELETED_ADDED:
		case EVM_STORAGE_DELETED_RESTORED:
			*cost = s.set;
			return;
		case EVM_STORAGE_DELETED:
		case EVM_STORAGE_MODIFIED_DELETED:
		case EVM_STORAGE_ADDED_DELETED:
			*cost = s.reset;
			*refund = s.clear;
			return;
		case EVM_STORAGE_ASSIGNED:
		case EVM_STORAGE_MODIFIED:
		case EVM_STORAGE_MODIFIED_RESTORED:
			*cost = s.reset;
			return;
		}
		*cost = s.reset;
		return;
	}
	switch (st) {
	case EVM_STORAGE_ASSIGNED:
		*cost = s.warm;
		return;
	case EVM_STORAGE_ADDED:
		*cost = s.set;
		return;
	case EVM_STORAGE_DELETED:
		*cost = s.reset;
		*refund = s.clear;
		return;
	case EVM_STORAGE_MODIFIED:
		*cost = s.reset;
		return;
	case EVM_STORAGE_DELETED_ADDED:
		*cost = s.warm;
		*refund = -s.clear;
		return;
	case EVM_STORAGE_MODIFIED_DELETED:
		*cost = s.warm;
		*refund = s.clear;
		return;
	case EVM_STORAGE_DELETED_RESTORED:
		*cost = s.warm;
		*refund = s.reset - s.warm - s.clear;
		return;
	case EVM_STORAGE_ADDED_DELETED:
		*cost = s.warm;
		*refund = s.set - s.warm;
		return;
	case EVM_STORAGE_MODIFIED_RESTORED:
		*cost = s.warm;
		*refund = s.reset - s.warm;
		return;
	}
	*cost = s.warm;
}

/* CALL, CALLCODE, DELEGATECALL, STATICCALL. top is the stack pointer (one
 * past the top item); the result replaces the deepest argument. */
static evm_status op_call(frame *f, int64_t *gas, uint8_t op, u256 *top)
{
	const evm_message *m = f->msg;
	bool has_value_arg = op == OP_CALL || op == OP_CALLCODE;
	u256 gas_req = top[-1];
	address dst = to_address(&top[-2]);
	u256 value = has_value_arg ? top[-3] : U256_ZERO;
	u256 *a = has_value_arg ? &top[-4] : &top[-3];
	u256 in_off = a[0], in_size = a[-1], out_off = a[-2], out_size = a[-3];
	u256 *result = has_value_arg ? &top[-7] : &top[-6];
	evm_status st;

	if (!charge_account_access(f, gas, &dst, COLD_ACCOUNT_ACCESS - WARM_ACCESS))
		return EVM_OUT_OF_GAS;
	size_t io, in, oo, on;
	if ((st = mem_region(f, gas, &in_off, &in_size, &io, &in)) != EVM_SUCCESS)
		return st;
	if ((st = mem_region(f, gas, &out_off, &out_size, &oo, &on)) != EVM_SUCCESS)
		return st;

	bool has_value = !u256_is_zero(&value);
	if (op == OP_CALL && has_value && m->is_static)
		return EVM_STATIC_MODE_VIOLATION;
	int64_t cost = has_value ? 9000 : 0;
	if (op == OP_CALL && (has_value || f->rev < FORK_SPURIOUS) &&
	    !f->host->account_exists(f->ctx, &dst))
		cost += 25000;
	if ((*gas -= cost) < 0)
		return EVM_OUT_OF_GAS;

	int64_t call_gas = u256_fits_u64(&gas_req) && gas_req.w[0] <= INT64_MAX
	                       ? (int64_t)gas_req.w[0]
	                       : INT64_MAX;
	if (f->rev >= FORK_TANGERINE) { /* EIP-150: all but one 64th */
		int64_t cap = *gas - *gas / 64;
		if (call_gas > cap)
			call_gas = cap;
	} else if (call_gas > *gas) {
		return EVM_OUT_OF_GAS;
	}
	set_return_data(f, NULL, 0);
	*result = U256_ZERO;
	/* A call that cannot start returns the callee's gas to the caller,
	 * stipend included, as if the callee had spent nothing (Yellow Paper:
	 * the caller gets C_CALLGAS back). */
	int64_t stipend = has_value ? 2300 : 0;
	if (m->depth >= CALL_DEPTH_LIMIT) {
		*gas += stipend;
		return EVM_SUCCESS;
	}
	if (has_value) {
		u256 bal = f->host->get_balance(f->ctx, &m->recipient);
		if (u256_lt(&bal, &value)) {
			*gas += stipend;
			return EVM_SUCCESS;
		}
	}
	*gas -= call_gas;

	evm_message sub = {
		.kind = op == OP_CALLCODE ? EVM_CALLCODE
		        : op == OP_DELEGATECALL ? EVM_DELEGATECALL
		                                : EVM_CALL,
		.is_static = m->is_static || op == OP_STATICCALL,
		.depth = m->depth + 1,
		.gas = call_gas + stipend,
		.recipient = (op == OP_CALL || op == OP_STATICCALL) ? dst
		                                                    : m->recipient,
		.sender = op == OP_DELEGATECALL ? m->sender : m->recipient,
		.code_address = dst,
		.input = in ? f->mem + io : NULL,
		.input_size = in,
		.value = op == OP_DELEGATECALL ? m->value : value,
	};
	evm_result r = f->host->call(f->ctx, &sub);
	if (r.status == EVM_SUCCESS || r.status == EVM_REVERT)
		*gas += r.gas_left;
	if (r.status == EVM_SUCCESS)
		f->refund += r.gas_refund;
	size_t k = on < r.output_size ? on : r.output_size;
	if (k)
		memcpy(f->mem + oo, r.output, k);
	set_return_data(f, r.output, r.output_size);
	*result = u256_from_u64(r.status == EVM_SUCCESS);
	return EVM_SUCCESS;
}

/* CREATE and CREATE2; top as for op_call. */
static evm_status op_create(frame *f, int64_t *gas, uint8_t op, u256 *top)
{
	const evm_message *m = f->msg;
	if (m->is_static)
		return EVM_STATIC_MODE_VIOLATION;
	u256 endowment = top[-1];
	size_t o, n;
	evm_status st = mem_region(f, gas, &top[-2], &top[-3], &o, &n);
	if (st != EVM_SUCCESS)
		return st;
	int64_t words = num_words(n);
	if (f->rev >= FORK_SHANGHAI) { /* EIP-3860 */
		if (n > MAX_INITCODE_SIZE && !tx_context(f)->unlimited_code_size)
			return EVM_OUT_OF_GAS;
		*gas -= 2 * words;
	}
	if (op == OP_CREATE2)
		*gas -= 6 * words; /* hashing the initcode for the address */
	if (*gas < 0)
		return EVM_OUT_OF_GAS;

	u256 *result = op == OP_CREATE2 ? &top[-4] : &top[-3];
	h256 salt = {{0}};
	if (op == OP_CREATE2)
		salt = to_h256(&top[-4]);
	set_return_data(f, NULL, 0);
	*result = U256_ZERO;
	if (m->depth >= CALL_DEPTH_LIMIT)
		return EVM_SUCCESS;
	if (!u256_is_zero(&endowment)) {
		u256 bal = f->host->get_balance(f->ctx, &m->recipient);
		if (u256_lt(&bal, &endowment))
			return EVM_SUCCESS;
	}
	int64_t create_gas = f->rev >= FORK_TANGERINE ? *gas - *gas / 64 : *gas;
	*gas -= create_gas;

	evm_message sub = {
		.kind = op == OP_CREATE2 ? EVM_CREATE2 : EVM_CREATE,
		.depth = m->depth + 1,
		.gas = create_gas,
		.sender = m->recipient,
		.input = n ? f->mem + o : NULL,
		.input_size = n,
		.value = endowment,
		.create2_salt = salt,
	};
	evm_result r = f->host->call(f->ctx, &sub);
	if (r.status == EVM_SUCCESS || r.status == EVM_REVERT)
		*gas += r.gas_left;
	if (r.status == EVM_SUCCESS) {
		f->refund += r.gas_refund;
		*result = from_address(&r.create_address);
	}
	/* Only a revert leaves return data (EIP-211). */
	if (r.status == EVM_REVERT) {
		set_return_data(f, r.output, r.output_size);
	} else {
		evm_result_release(&r);
	}
	return EVM_SUCCESS;
}

static evm_status op_selfdestruct(frame *f, int64_t *gas, const u256 *top)
{
	const evm_message *m = f->msg;
	if (m->is_static)
		return EVM_STATIC_MODE_VIOLATION;
	address ben = to_address(&top[-1]);
	if (!charge_account_access(f, gas, &ben, COLD_ACCOUNT_ACCESS))
		return EVM_OUT_OF_GAS;
	if (f->rev >= FORK_TANGERINE) {
		bool charge = true; /* EIP-150: any new account */
		if (f->rev >= FORK_SPURIOUS) { /* EIP-161: only if value moves */
			u256 bal = f->host->get_balance(f->ctx, &m->recipient);
			charge = !u256_is_zero(&bal);
		}
		if (charge && !f->host->account_exists(f->ctx, &ben))
			*gas -= 25000;
		if (*gas < 0)
			return EVM_OUT_OF_GAS;
	}
	if (f->host->selfdestruct(f->ctx, &m->recipient, &ben) &&
	    f->rev < FORK_LONDON) /* EIP-3529 removed the refund */
		f->refund += 24000;
	return EVM_SUCCESS;
}

static evm_status op_log(frame *f, int64_t *gas, uint8_t op, const u256 *top)
{
	if (f->msg->is_static)
		return EVM_STATIC_MODE_VIOLATION;
	size_t o, n;
	evm_status st = mem_region(f, gas, &top[-1], &top[-2], &o, &n);
	if (st != EVM_SUCCESS)
		return st;
	if ((*gas -= 8 * (int64_t)n) < 0)
		return EVM_OUT_OF_GAS;
	size_t nt = (size_t)(op - OP_LOG0);
	h256 topics[4];
	for (size_t i = 0; i < nt; i++)
		topics[i] = to_h256(&top[-3 - (ptrdiff_t)i]);
	f->host->emit_log(f->ctx, &f->msg->recipient, n ? f->mem + o : NULL, n,
	                  topics, nt);
	return EVM_SUCCESS;
}

static evm_status op_sstore(frame *f, int64_t *gas, const u256 *top)
{
	if (f->msg->is_static)
		return EVM_STATIC_MODE_VIOLATION;
	/* EIP-2200's sentry: a call with only the stipend cannot store. */
	if (f->rev >= FORK_ISTANBUL && *gas <= 2300)
		return EVM_OUT_OF_GAS;
	const u256 key = top[-1], value = top[-2];
	if (f->rev >= FORK_BERLIN &&
	    f->host->access_storage(f->ctx, &f->msg->recipient, &key) ==
	        EVM_ACCESS_COLD)
		*gas -= COLD_SLOAD;
	evm_storage_status s =
	    f->host->set_storage(f->ctx, &f->msg->recipient, &key, &value);
	int64_t cost, refund;
	sstore_cost(f->rev, s, &cost, &refund);
	f->refund += refund;
	if ((*gas -= cost) < 0)
		return EVM_OUT_OF_GAS;
	return EVM_SUCCESS;
}

/* The per-word or per-byte part of an instruction's cost that the stack
 * alone determines (copies, hashing, logs, EXP), for traces only. */
static int64_t trace_word_cost(const frame *f, uint8_t op, const u256 *top,
                               size_t height)
{
	int size = -1;
	int64_t per_word = 0, per_byte = 0;
	switch (op) {
	case OP_EXP:
		if (height < 2)
			return 0;
		return (int64_t)u256_bytelen(&top[-2]) *
		       (f->rev >= FORK_SPURIOUS ? 50 : 10);
	case OP_KECCAK256:
		size = 1, per_word = 6;
		break;
	case OP_CALLDATACOPY:
	case OP_CODECOPY:
	case OP_RETURNDATACOPY:
	case OP_MCOPY:
		size = 2, per_word = 3;
		break;
	case OP_EXTCODECOPY:
		size = 3, per_word = 3;
		break;
	case OP_LOG0:
	case OP_LOG1:
	case OP_LOG2:
	case OP_LOG3:
	case OP_LOG4:
		size = 1, per_byte = 8;
		break;
	case OP_CREATE:
	case OP_CREATE2:
		size = 2;
		per_word = (f->rev >= FORK_SHANGHAI ? 2 : 0) +
		           (op == OP_CREATE2 ? 6 : 0);
		break;
	default:
		return 0;
	}
	if ((size_t)size >= height)
		return 0;
	uint64_t n = clamp_u64(&top[-1 - size]);
	return per_word * num_words(n) + per_byte * (int64_t)n;
}

typedef unsigned __int128 u128;

static inline u128 low128(const u256 *v)
{
	return (u128)v->w[1] << 64 | v->w[0];
}

/* Whether v < 2^128, with v in *m: the usual operands of DIV and MOD,
 * divided by the hardware without the call. */
static inline __attribute__((always_inline)) bool
small_unsigned(const u256 *v, u128 *m)
{
	*m = low128(v);
	return (v->w[2] | v->w[3]) == 0;
}

/* Whether v, read as two's complement, has a magnitude below 2^128, which
 * goes to *mag: the usual operands of SDIV and SMOD (fixed-point products
 * over a scale). */
static inline __attribute__((always_inline)) bool
small_signed(const u256 *v, u128 *mag)
{
	u128 lo = low128(v);
	if ((v->w[2] | v->w[3]) == 0) {
		*mag = lo;
		return true;
	}
	/* -m for 0 < m < 2^128: ones above a nonzero low half. */
	if ((v->w[2] & v->w[3]) == UINT64_MAX && lo != 0) {
		*mag = -lo;
		return true;
	}
	return false;
}

/* a / b and a % b, b != 0: on 64-bit operands, the usual case, by one
 * hardware division rather than the 128-bit library routine. */
static inline u128 div_small(u128 a, u128 b)
{
	if (((a | b) >> 64) == 0)
		return (uint64_t)a / (uint64_t)b;
	return a / b;
}

static inline u128 mod_small(u128 a, u128 b)
{
	if (((a | b) >> 64) == 0)
		return (uint64_t)a % (uint64_t)b;
	return a % b;
}

/* Sets *v to m (below 2^128), negated when neg. */
static inline void set_signed(u256 *v, u128 m, bool neg)
{
	uint64_t fill = neg && m ? UINT64_MAX : 0;
	u128 x = neg ? -m : m;
	v->w[0] = (uint64_t)x;
	v->w[1] = (uint64_t)(x >> 64);
	v->w[2] = fill;
	v->w[3] = fill;
}

/* The memory-expansion part of an instruction's cost, for traces only:
 * the stack positions (from the top) of its offset and size arguments. */
static int64_t trace_memory_cost(const frame *f, uint8_t op, const u256 *top,
                                 size_t height)
{
	int off = -1, size = -1, off2 = -1, size2 = -1;
	uint64_t fixed = 0;
	switch (op) {
	case OP_MLOAD:
	case OP_MSTORE:
		off = 0, fixed = 32;
		break;
	case OP_MSTORE8:
		off = 0, fixed = 1;
		break;
	case OP_KECCAK256:
	case OP_RETURN:
	case OP_REVERT:
	case OP_LOG0:
	case OP_LOG1:
	case OP_LOG2:
	case OP_LOG3:
	case OP_LOG4:
		off = 0, size = 1;
		break;
	case OP_CALLDATACOPY:
	case OP_CODECOPY:
	case OP_RETURNDATACOPY:
		off = 0, size = 2;
		break;
	case OP_EXTCODECOPY:
		off = 1, size = 3;
		break;
	case OP_MCOPY:
		off = 0, size = 2, off2 = 1, size2 = 2;
		break;
	case OP_CREATE:
	case OP_CREATE2:
		off = 1, size = 2;
		break;
	case OP_CALL:
	case OP_CALLCODE:
		off = 3, size = 4, off2 = 5, size2 = 6;
		break;
	case OP_DELEGATECALL:
	case OP_STATICCALL:
		off = 2, size = 3, off2 = 4, size2 = 5;
		break;
	default:
		return 0;
	}
	uint64_t end = 0;
	int offs[2] = {off, off2}, sizes[2] = {size, size2};
	for (int i = 0; i < 2; i++) {
		if (offs[i] < 0 || (size_t)offs[i] >= height ||
		    (sizes[i] >= 0 && (size_t)sizes[i] >= height))
			continue;
		uint64_t n = sizes[i] >= 0 ? clamp_u64(&top[-1 - sizes[i]]) : fixed;
		if (n == 0)
			continue;
		uint64_t o = clamp_u64(&top[-1 - offs[i]]);
		if (o + n > end)
			end = o + n;
	}
	if (end <= f->mem_size)
		return 0;
	if (end > MEM_LIMIT)
		return INT64_MAX / 2;
	return mem_cost(num_words(end)) - mem_cost((int64_t)(f->mem_size / 32));
}

static __attribute__((noinline, cold)) void
trace_step(const frame *f, const uint8_t *pc, const u256 *sp, int64_t gas)
{
	const evm_instr *instrs = evm_instr_table(f->rev);
	uint8_t op = *pc;
	size_t height = (size_t)(sp - f->stack);
	int64_t cost = instrs[op].cost < 0 ? 0 : instrs[op].cost;
	evm_trace_step s = {
		.pc = (uint64_t)(pc - f->code),
		.op = op,
		.gas = gas,
		.gas_cost = cost + trace_memory_cost(f, op, sp, height) +
		            trace_word_cost(f, op, sp, height),
		.mem_size = f->mem_size,
		.stack = f->stack,
		.stack_size = height,
		.return_data = f->ret,
		.return_data_size = f->ret_size,
		.depth = f->msg->depth + 1,
		.refund = f->refund,
		.memory = f->mem,
		.msg = f->msg,
	};
	f->host->trace(f->ctx, &s);
}

/* What entering a basic block costs and needs: the base gas of all its
 * instructions, and the stack heights at entry for which none of them
 * underflows or overflows, min_height to min_height + height_range (one
 * unsigned compare checks both ends). A block that no height can run has
 * min_height -1 and range 0. */
typedef struct block {
	uint32_t gas;
	int16_t min_height;
	uint16_t height_range;
} block;

/* Blocks for a frame that checks each instruction (traced, or with a block
 * too large to charge at once), one per pc of code of size n, that charge
 * and check nothing: op_trace does both per instruction. NULL if out of
 * memory; free with free(). */
static block *blocks_for_tracing(size_t n)
{
	block *b = malloc((n + 1) * sizeof *b);
	if (b)
		for (size_t i = 0; i <= n; i++)
			b[i] = (block){.height_range = STACK_LIMIT};
	return b;
}

struct evm_code {
	size_t size;
	fork rev;                 /* the fork whose gas the blocks hold */
	bool huge_block;          /* a block's gas does not fit: see block_close */
	const uint8_t *jumpdests; /* points into bytes, past the padding */
	const uint8_t *ops;       /* the code as dispatched: see fuse() */
	block *blocks;            /* by pc, filled at block starts only */
	uint8_t bytes[];          /* code, padding, bitmap: see the top */
};

/* Whether op ends a basic block: it jumps, halts, or needs the exact gas
 * left (GAS, calls, creates, SSTORE's EIP-2200 sentry), which the base gas
 * of the instructions after it must not have been taken from yet. */
static bool ends_block(uint8_t op)
{
	switch (op) {
	case OP_STOP:
	case OP_JUMP:
	case OP_JUMPI:
	case OP_RETURN:
	case OP_REVERT:
	case OP_INVALID:
	case OP_SELFDESTRUCT:
	case OP_GAS:
	case OP_SSTORE:
	case OP_CALL:
	case OP_CALLCODE:
	case OP_DELEGATECALL:
	case OP_STATICCALL:
	case OP_CREATE:
	case OP_CREATE2:
		return true;
	default:
		return false;
	}
}

/* Accumulates one basic block during analysis. */
typedef struct block_acc {
	size_t start;
	int64_t gas;
	int height, need, peak; /* relative to the height at entry */
} block_acc;

static void block_open(block_acc *b, size_t start)
{
	*b = (block_acc){.start = start};
}

/* Writes b's block; false if its gas does not fit in 32 bits. That takes
 * millions of instructions in one block, code far beyond the size limits
 * of EIP-170 and EIP-3860, but older rules allow it: such code runs with
 * checks per instruction instead (huge_block). */
static bool block_close(const block_acc *b, block *blocks, size_t n)
{
	if (b->start > n)
		return true; /* past a truncated PUSH at the end: unreachable */
	int max = STACK_LIMIT - b->peak;
	blocks[b->start] = b->need <= max
	    ? (block){.gas = (uint32_t)b->gas,
	              .min_height = (int16_t)b->need,
	              .height_range = (uint16_t)(max - b->need)}
	    : (block){.gas = (uint32_t)b->gas, .min_height = -1};
	return b->gas <= UINT32_MAX;
}

/* Splits code[0, n) into basic blocks and writes each one's block at its
 * first pc. Blocks start at 0, at each JUMPDEST and after each instruction
 * that ends one; an opcode rev does not define ends its block without
 * adding to it (it fails when reached). Returns false if some block's gas
 * does not fit (see block_close). */
static bool analyse_blocks(const uint8_t *code, size_t n, fork rev,
                           block *blocks)
{
	bool fits = true;
	const int16_t *costs = evm_gas_table(rev);
	block_acc b;
	block_open(&b, 0);
	size_t pc = 0;
	while (pc < n) {
		uint8_t op = code[pc];
		const evm_op_traits *t = &evm_op_traits_table[op];
		size_t next = pc + 1 + t->immediate_size;
		if (op == OP_JUMPDEST && pc != b.start) {
			fits &= block_close(&b, blocks, n);
			block_open(&b, pc);
		}
		if (costs[op] == EVM_UNDEFINED) {
			fits &= block_close(&b, blocks, n);
			block_open(&b, next);
			pc = next;
			continue;
		}
		b.gas += costs[op];
		if (t->stack_in - b.height > b.need)
			b.need = t->stack_in - b.height;
		b.height += t->stack_change;
		if (b.height > b.peak)
			b.peak = b.height;
		if (ends_block(op)) {
			fits &= block_close(&b, blocks, n);
			block_open(&b, next);
		}
		pc = next;
	}
	/* The last block runs into the padding's STOP, which costs nothing. */
	fits &= block_close(&b, blocks, n);
	return fits;
}

/* Pairs (and a few triples) of instructions that an untraced frame runs
 * as one: the first opcode's byte is replaced, in a copy of the code that
 * only dispatch reads, by one of these values, which no fork defines; the
 * others stay where they were (the fused handler steps over them) and so
 * do all immediates. A run lies inside one basic block (only its last
 * instruction may end one, and none of them is a JUMPDEST), so the block's
 * gas and stack bounds cover it as they covered its parts. A traced frame
 * dispatches the original code, one instruction per step. */
enum {
	FUSED_FIRST_ = 0xb0,
	OP_PUSH1_ADD = FUSED_FIRST_, /* PUSH1 x ADD: top += x */
	OP_PUSH1_SHL,                /* PUSH1 x SHL: top <<= x */
	OP_PUSH1_SHR,                /* PUSH1 x SHR: top >>= x */
	OP_PUSH1_JUMP,               /* PUSHn d JUMP, d a JUMPDEST */
	OP_PUSH2_JUMP,
	OP_PUSH1_JUMPI,              /* PUSHn d JUMPI, d a JUMPDEST */
	OP_PUSH2_JUMPI,
	OP_PUSH1_MLOAD,              /* PUSHn x MLOAD */
	OP_PUSH2_MLOAD,
	OP_DUP2_MSTORE,              /* DUP2 MSTORE: mstore(second, top), pop */
	OP_PUSH1_DUP2_MSTORE,        /* PUSH1 x DUP2 MSTORE: mstore(top, x) */
	OP_ISZERO_PUSH2_JUMPI,       /* ISZERO PUSH2 d JUMPI, d a JUMPDEST */
	OP_SWAP1_POP,                /* SWAP1 POP: second = top, pop */
	OP_SWAP2_POP,                /* SWAP2 POP: third = top, pop */
	OP_POP_POP,
	OP_ADD_MLOAD,                /* ADD MLOAD: top = mload(top + second) */
	OP_JUMPDEST_RUN,             /* a JUMPDEST another one follows */
	FUSED_END_
};

/* Stands in, in the dispatched copy, for a byte of the code that is one of
 * the fused values: undefined too, but never fused. */
#define OP_NEVER_DEFINED 0x0c

/* Whether pc (below the code size) is a JUMPDEST, by the bitmap. */
static inline bool is_jumpdest(const uint8_t *jumpdests, size_t pc)
{
	return (jumpdests[pc / 8] >> (pc % 8)) & 1;
}

/* The immediate of the PUSH1 (n = 1) or PUSH2 (n = 2) at p. */
static inline size_t small_imm(const uint8_t *p, unsigned n)
{
	return n == 1 ? p[1] : (size_t)p[1] << 8 | p[2];
}

/* The opcode at pc of code[0, n) and the pc after it, or false past the
 * end (where nothing fuses) or if rev does not define it. */
static bool instr_at(const uint8_t *code, size_t n, size_t pc, fork rev,
                     uint8_t *op, size_t *next)
{
	if (pc >= n || evm_gas_table(rev)[code[pc]] == EVM_UNDEFINED)
		return false;
	*op = code[pc];
	*next = pc + 1 + evm_op_traits_table[*op].immediate_size;
	return true;
}

/* The fused opcode for the instructions starting at pc, with the pc after
 * them in *end, or 0 if they do not fuse. */
static uint8_t fused_op(const uint8_t *code, size_t n, size_t pc,
                        const uint8_t *jumpdests, fork rev, size_t *end)
{
	uint8_t a, b, c = 0;
	size_t pb, pc2, pd = 0;
	if (!instr_at(code, n, pc, rev, &a, &pb) ||
	    !instr_at(code, n, pb, rev, &b, &pc2))
		return 0;
	bool third = instr_at(code, n, pc2, rev, &c, &pd);
	*end = pc2;
	if (a == OP_PUSH1 || a == OP_PUSH2) {
		bool one = a == OP_PUSH1;
		size_t dest = small_imm(code + pc, one ? 1 : 2);
		bool to_jumpdest = dest < n && is_jumpdest(jumpdests, dest);
		switch (b) {
		case OP_ADD:
			return one ? OP_PUSH1_ADD : 0;
		case OP_SHL:
			return one ? OP_PUSH1_SHL : 0;
		case OP_SHR:
			return one ? OP_PUSH1_SHR : 0;
		case OP_JUMP:
			return !to_jumpdest ? 0 : one ? OP_PUSH1_JUMP : OP_PUSH2_JUMP;
		case OP_JUMPI:
			return !to_jumpdest ? 0 : one ? OP_PUSH1_JUMPI : OP_PUSH2_JUMPI;
		case OP_MLOAD:
			return one ? OP_PUSH1_MLOAD : OP_PUSH2_MLOAD;
		case OP_DUP2:
			if (!one || !third || c != OP_MSTORE)
				return 0;
			*end = pd;
			return OP_PUSH1_DUP2_MSTORE;
		default:
			return 0;
		}
	}
	if (a == OP_ISZERO && b == OP_PUSH2 && third && c == OP_JUMPI) {
		size_t dest = small_imm(code + pb, 2);
		if (dest >= n || !is_jumpdest(jumpdests, dest))
			return 0;
		*end = pd;
		return OP_ISZERO_PUSH2_JUMPI;
	}
	if (a == OP_DUP2 && b == OP_MSTORE)
		return OP_DUP2_MSTORE;
	if (a == OP_SWAP1 && b == OP_POP)
		return OP_SWAP1_POP;
	if (a == OP_SWAP2 && b == OP_POP)
		return OP_SWAP2_POP;
	if (a == OP_POP && b == OP_POP)
		return OP_POP_POP;
	if (a == OP_ADD && b == OP_MLOAD)
		return OP_ADD_MLOAD;
	return 0;
}

/* Writes to ops[0, n) the code[0, n) that dispatch reads: runs of
 * instructions fused from left to right, and the fused values that occur
 * in the code itself replaced by OP_NEVER_DEFINED. */
static void fuse(const uint8_t *code, size_t n, const uint8_t *jumpdests,
                 fork rev, uint8_t *ops)
{
	memcpy(ops, code, n);
	size_t pc = 0;
	while (pc < n) {
		uint8_t op = code[pc];
		size_t end;
		if (op >= FUSED_FIRST_ && op < FUSED_END_) {
			ops[pc] = OP_NEVER_DEFINED;
		} else if ((ops[pc] = fused_op(code, n, pc, jumpdests, rev, &end))) {
			pc = end;
			continue;
		} else {
			ops[pc] = op;
		}
		pc += 1 + evm_op_traits_table[op].immediate_size;
	}
}

/* Runs of JUMPDESTs (code that many jumps may enter at different points):
 * each but the last is marked OP_JUMPDEST_RUN in ops, and its block grows
 * to cover the rest of the run and the block after it, so that entering
 * the run charges once and steps over the others. Each JUMPDEST keeps a
 * block of its own, for jumps that land on it. */
static bool merge_jumpdest_runs(const uint8_t *jumpdests, size_t n, fork rev,
                                block *blocks, uint8_t *ops)
{
	uint32_t cost = (uint32_t)evm_gas_table(rev)[OP_JUMPDEST];
	bool fits = true;
	for (size_t pc = n > 1 ? n - 1 : 0; pc-- > 0;) {
		if (!is_jumpdest(jumpdests, pc) || !is_jumpdest(jumpdests, pc + 1))
			continue;
		blocks[pc] = blocks[pc + 1];
		fits &= blocks[pc].gas <= UINT32_MAX - cost;
		blocks[pc].gas += cost;
		ops[pc] = OP_JUMPDEST_RUN;
	}
	return fits;
}

int evm_code_new(const uint8_t *code, size_t n, fork rev, evm_code **out)
{
	*out = NULL;
	if (n > SIZE_MAX / 16 - sizeof(evm_code) - CODE_PADDING - 64)
		return DURE_ENOMEM;
	size_t bitmap = (n + 7) / 8;
	/* Code and padding twice (as written and as dispatched), then the
	 * bitmap. */
	size_t bytes = (2 * (n + CODE_PADDING) + bitmap + 7) & ~(size_t)7;
	/* One block slot per pc, and one for n (after a JUMPI or GAS at the
	 * very end). */
	evm_code *c = malloc(sizeof *c + bytes + (n + 1) * sizeof(block));
	if (!c)
		return DURE_ENOMEM;
	if (n)
		memcpy(c->bytes, code, n);
	memset(c->bytes + n, 0, bytes - n);
	c->size = n;
	c->rev = rev;
	uint8_t *ops = c->bytes + n + CODE_PADDING;
	uint8_t *jd = ops + n + CODE_PADDING;
	for (size_t i = 0; i < n; i++) {
		uint8_t op = code[i];
		if (op == OP_JUMPDEST)
			jd[i / 8] |= (uint8_t)(1u << (i % 8));
		else if (op >= OP_PUSH1 && op <= OP_PUSH32)
			i += (size_t)(op - OP_PUSH1 + 1);
	}
	c->jumpdests = jd;
	fuse(c->bytes, n, jd, rev, ops);
	c->ops = ops;
	c->blocks = (block *)(void *)(c->bytes + bytes);
	bool fits = analyse_blocks(c->bytes, n, rev, c->blocks);
	fits &= merge_jumpdest_runs(jd, n, rev, c->blocks, ops);
	c->huge_block = !fits;
	*out = c;
	return 0;
}

void evm_code_free(evm_code *c)
{
	free(c);
}

static inline bool valid_jump(const frame *f, const u256 *dest)
{
	if (!u256_fits_u64(dest) || dest->w[0] >= f->code_size)
		return false;
	return is_jumpdest(f->jumpdests, (size_t)dest->w[0]);
}

/* Each opcode's first fork as a constant, for the check at the top of its
 * handler. */
enum {
#define EVM_OP_TRAITS_(v, name, imm, in, out, since, gas)                     \
	SINCE_##name = (since),
	EVM_OPCODES(EVM_OP_TRAITS_)
#undef EVM_OP_TRAITS_
};

/* Runs the frame; returns its status and leaves the gas left in *gas_out
 * and any RETURN/REVERT region in *out_off, *out_size. */
static evm_status run(frame *f, int64_t *gas_out, size_t *out_off,
                      size_t *out_size)
{
	/* Values outside the opcode list stay NULL: their base cost is
	 * EVM_UNDEFINED in every fork, so dispatch never jumps through them. */
	/* Values no fork defines go to op_undefined: the range initialiser
	 * comes first and the opcode list overrides it. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
	static const void *const labels[256] = {
		[0 ... 255] = &&op_undefined,
#define EVM_OP_LABEL_(v, name, imm, in, out, since, gas) [v] = &&op_##name,
		EVM_OPCODES(EVM_OP_LABEL_)
#undef EVM_OP_LABEL_
		[OP_PUSH1_ADD] = &&op_PUSH1_ADD,
		[OP_PUSH1_SHL] = &&op_PUSH1_SHL,
		[OP_PUSH1_SHR] = &&op_PUSH1_SHR,
		[OP_PUSH1_JUMP] = &&op_PUSH1_JUMP,
		[OP_PUSH2_JUMP] = &&op_PUSH2_JUMP,
		[OP_PUSH1_JUMPI] = &&op_PUSH1_JUMPI,
		[OP_PUSH2_JUMPI] = &&op_PUSH2_JUMPI,
		[OP_PUSH1_MLOAD] = &&op_PUSH1_MLOAD,
		[OP_PUSH2_MLOAD] = &&op_PUSH2_MLOAD,
		[OP_DUP2_MSTORE] = &&op_DUP2_MSTORE,
		[OP_PUSH1_DUP2_MSTORE] = &&op_PUSH1_DUP2_MSTORE,
		[OP_ISZERO_PUSH2_JUMPI] = &&op_ISZERO_PUSH2_JUMPI,
		[OP_SWAP1_POP] = &&op_SWAP1_POP,
		[OP_SWAP2_POP] = &&op_SWAP2_POP,
		[OP_POP_POP] = &&op_POP_POP,
		[OP_ADD_MLOAD] = &&op_ADD_MLOAD,
		[OP_JUMPDEST_RUN] = &&op_JUMPDEST_RUN,
	};
#pragma GCC diagnostic pop
	/* A traced frame dispatches every instruction to op_trace first. */
	static const void *const trace_labels[256] = {
		[0 ... 255] = &&op_trace,
	};
	const void *const *const table = f->each ? trace_labels : labels;
	/* What dispatch reads: the fused copy, or for a traced frame the code
	 * as written. Offsets are the same in both. */
	const uint8_t *const code = f->each ? f->code : f->ops;
	/* The block of the instruction at pc is at block_bias + pc * 8: the
	 * blocks' address less the code's, scaled, saves a subtraction per
	 * block. */
	const uintptr_t block_bias =
	    (uintptr_t)f->blocks - (uintptr_t)code * sizeof(block);
	u256 *const stack = f->stack;
	const uint8_t *pc = code;
	u256 *sp = stack;
	int64_t gas = f->msg->gas, gbox;
	/* Set only on the way out, so that it is not live across dispatch. */
	evm_status st;
	size_t o, n;
	/* Scratch shared by all handlers: one slot each instead of one per
	 * handler keeps this frame, which nests once per call depth, small
	 * in unoptimised and sanitizer builds. */
	address a;
	h256 hash;
	uint8_t word[32];
	u256 tmp;
	/* Apart from tmp: a host call writes it through a pointer, which would
	 * keep tmp in memory across every arithmetic handler. */
	u256 loaded;
	/* Only inlined code takes the addresses of these, so the optimiser
	 * keeps them in registers; gbox is for calls that are not inlined. */
	uint64_t at;
	int64_t gnew;
	u128 ua, ub;

#define TOP (sp[-1])
#define ARG(i) (sp[-1 - (i)])
/* Helpers charge gas through a pointer to gbox, never to gas itself: a
 * local whose address is taken lives in memory, and gas is touched by every
 * instruction. */
#define CHECK_STATUS(expr)                                                    \
	do {                                                                      \
		gbox = gas;                                                           \
		st = (expr);                                                          \
		gas = gbox;                                                           \
		if (st != EVM_SUCCESS)                                                \
			goto done;                                                        \
	} while (0)
/* Memory growth inline, for MLOAD and MSTORE: gas goes through gnew, which
 * only inlined code sees, so it stays in a register (gbox, whose
 * address other helpers take, lives in memory, and a store and reload on
 * every growing MSTORE would lengthen the chain of gas updates). */
#define GROW_INLINE(end)                                                      \
	do {                                                                      \
		gnew = gas;                                                           \
		st = grow_memory_inline(f, &gnew, (end));                             \
		gas = gnew;                                                           \
		if (st != EVM_SUCCESS)                                                \
			goto done;                                                        \
	} while (0)
/* The offset of a fixed-size access (MLOAD, MSTORE, MSTORE8) in at, the
 * memory grown to cover it; an offset beyond MEM_LIMIT is out of gas. */
#define MEM_AT(off, len, at)                                                  \
	do {                                                                      \
		if (!mem_offset((off), &(at)))                                        \
			goto out_of_gas;                                                  \
		if ((at) + (len) > f->mem_size)                                       \
			GROW_INLINE((at) + (len));                                        \
	} while (0)
#define ACCESS_ACCOUNT(addr)                                                  \
	do {                                                                      \
		gbox = gas;                                                           \
		bool ok_ = charge_account_access(f, &gbox, (addr),                    \
		                                 COLD_ACCOUNT_ACCESS - WARM_ACCESS);  \
		gas = gbox;                                                           \
		if (!ok_)                                                             \
			goto out_of_gas;                                                  \
	} while (0)
#define CHARGE(c)                                                             \
	do {                                                                      \
		if ((gas -= (c)) < 0)                                                 \
			goto out_of_gas;                                                  \
	} while (0)
#define DISPATCH()                                                            \
	do {                                                                      \
		goto *table[*pc];                                                     \
	} while (0)
/* Stack bounds and base gas are checked once per basic block, on entry
 * (BEGIN_BLOCK), for all its instructions together: the outcome is the same
 * as checking each one, since any failure inside a block is exceptional
 * and takes all the gas wherever it happens, and the instructions that
 * read the gas left end their block. A handler only checks that its opcode
 * exists at this fork (a constant test for most). A traced frame checks
 * each instruction instead (op_trace), so that every step reports its own
 * gas; its blocks are skipped. */
#define ENTER(name)                                                           \
	op_##name:                                                                \
	do {                                                                      \
		if ((int)SINCE_##name > (int)FORK_FRONTIER &&                        \
		    (int)f->rev < (int)SINCE_##name)                                  \
			goto op_undefined;                                                \
	} while (0)
/* A block that starts with a JUMPDEST is entered by its JUMPDEST's handler,
 * whether jumped to or fallen into (CHARGE_BLOCK); BEGIN_BLOCK is for the
 * other starts, and leaves a JUMPDEST to its handler. */
#define CHARGE_BLOCK(at)                                                      \
	do {                                                                      \
		const block *b_ = (const block *)(block_bias + (uintptr_t)(at) *      \
		                                                  sizeof(block));     \
		ptrdiff_t height_ = sp - stack;                                       \
		if ((uint64_t)(height_ - b_->min_height) > b_->height_range) {        \
			if (height_ < b_->min_height)                                     \
				goto stack_underflow;                                         \
			goto stack_overflow;                                              \
		}                                                                     \
		CHARGE(b_->gas);                                                      \
	} while (0)
#define BEGIN_BLOCK(at)                                                       \
	do {                                                                      \
		if (*(at) != OP_JUMPDEST && *(at) != OP_JUMPDEST_RUN)                 \
			CHARGE_BLOCK(at);                                                 \
	} while (0)
#define NEXT(advance)                                                         \
	do {                                                                      \
		pc += (advance);                                                      \
		DISPATCH();                                                           \
	} while (0)
/* Results pass through tmp and copy_item: an out-of-line function returns
 * its u256 in memory, and a struct copy from there would stall as
 * copy_item explains. */
#define BINOP(fn)                                                             \
	do {                                                                      \
		tmp = fn(&sp[-1], &sp[-2]);                                           \
		copy_item(&sp[-2], &tmp);                                             \
		sp--;                                                                 \
		NEXT(1);                                                              \
	} while (0)
#define CMPOP(fn)                                                             \
	do {                                                                      \
		sp[-2] = u256_from_u64(fn(&sp[-1], &sp[-2]));                         \
		sp--;                                                                 \
		NEXT(1);                                                              \
	} while (0)
#define PUSH_VALUE(v)                                                         \
	do {                                                                      \
		*sp++ = (v);                                                          \
		NEXT(1);                                                              \
	} while (0)

	BEGIN_BLOCK(pc);
	DISPATCH();

ENTER(STOP);
	st = EVM_SUCCESS;
	goto done;
ENTER(ADD);
	BINOP(u256_add);
ENTER(MUL);
	if (u256_fits_u64(&sp[-1]) && u256_fits_u64(&sp[-2])) {
		/* Small operands, the common case, without the call. */
		unsigned __int128 p = (unsigned __int128)sp[-1].w[0] * sp[-2].w[0];
		sp[-2].w[0] = (uint64_t)p;
		sp[-2].w[1] = (uint64_t)(p >> 64);
		sp--;
		NEXT(1);
	}
	BINOP(u256_mul);
ENTER(SUB);
	BINOP(u256_sub);
ENTER(DIV); {
	if (small_unsigned(&sp[-1], &ua) && small_unsigned(&sp[-2], &ub)) {
		set_signed(&sp[-2], ub ? div_small(ua, ub) : 0, false);
		sp--;
		NEXT(1);
	}
	BINOP(u256_div);
}
ENTER(SDIV); {
	if (small_signed(&sp[-1], &ua) && small_signed(&sp[-2], &ub)) {
		u128 q = ub ? div_small(ua, ub) : 0;
		bool neg = u256_is_neg(&sp[-1]) != u256_is_neg(&sp[-2]);
		set_signed(&sp[-2], q, neg);
		sp--;
		NEXT(1);
	}
	BINOP(u256_sdiv);
}
ENTER(MOD); {
	if (small_unsigned(&sp[-1], &ua) && small_unsigned(&sp[-2], &ub)) {
		set_signed(&sp[-2], ub ? mod_small(ua, ub) : 0, false);
		sp--;
		NEXT(1);
	}
	BINOP(u256_mod);
}
ENTER(SMOD); {
	if (small_signed(&sp[-1], &ua) && small_signed(&sp[-2], &ub)) {
		u128 r = ub ? mod_small(ua, ub) : 0;
		set_signed(&sp[-2], r, u256_is_neg(&sp[-1]));
		sp--;
		NEXT(1);
	}
	BINOP(u256_smod);
}
ENTER(ADDMOD);
	tmp = u256_addmod(&sp[-1], &sp[-2], &sp[-3]);
	copy_item(&sp[-3], &tmp);
	sp -= 2;
	NEXT(1);
ENTER(MULMOD);
	tmp = u256_mulmod(&sp[-1], &sp[-2], &sp[-3]);
	copy_item(&sp[-3], &tmp);
	sp -= 2;
	NEXT(1);
ENTER(EXP);
	CHARGE((int64_t)u256_bytelen(&sp[-2]) *
	       (f->rev >= FORK_SPURIOUS ? 50 : 10)); /* EIP-160 */
	BINOP(u256_exp);
ENTER(SIGNEXTEND);
	BINOP(u256_signextend);
ENTER(LT);
	CMPOP(u256_lt);
ENTER(GT);
	CMPOP(u256_gt);
ENTER(SLT);
	CMPOP(u256_slt);
ENTER(SGT);
	CMPOP(u256_sgt);
ENTER(EQ);
	CMPOP(u256_eq);
ENTER(ISZERO);
	TOP = u256_from_u64(u256_is_zero(&TOP));
	NEXT(1);
ENTER(AND);
	BINOP(u256_and);
ENTER(OR);
	BINOP(u256_or);
ENTER(XOR);
	BINOP(u256_xor);
ENTER(NOT);
	TOP = u256_not(&TOP);
	NEXT(1);
ENTER(BYTE);
	BINOP(u256_byte);
ENTER(SHL);
	BINOP(u256_shl);
ENTER(SHR);
	BINOP(u256_shr);
ENTER(SAR);
	BINOP(u256_sar);
ENTER(KECCAK256); {
	CHECK_STATUS(mem_region(f, &gbox, &ARG(0), &ARG(1), &o, &n));
	CHARGE(6 * num_words(n));
	keccak256(n ? f->mem + o : word, n, word);
	sp--;
	TOP = u256_from_be32(word);
	NEXT(1);
}
ENTER(ADDRESS);
	PUSH_VALUE(from_address(&f->msg->recipient));
ENTER(BALANCE); {
	a = to_address(&TOP);
	ACCESS_ACCOUNT(&a);
	TOP = f->host->get_balance(f->ctx, &a);
	NEXT(1);
}
ENTER(ORIGIN);
	PUSH_VALUE(from_address(&tx_context(f)->origin));
ENTER(CALLER);
	PUSH_VALUE(from_address(&f->msg->sender));
ENTER(CALLVALUE);
	PUSH_VALUE(f->msg->value);
ENTER(CALLDATALOAD); {
	const evm_message *m = f->msg;
	if (u256_fits_u64(&TOP) && m->input_size >= 32 &&
	    TOP.w[0] <= m->input_size - 32) {
		TOP = u256_from_be32(m->input + TOP.w[0]);
	} else {
		copy_padded(word, 32, m->input, m->input_size, &TOP);
		TOP = u256_from_be32(word);
	}
	NEXT(1);
}
ENTER(CALLDATASIZE);
	PUSH_VALUE(u256_from_u64(f->msg->input_size));
ENTER(CALLDATACOPY);
	CHECK_STATUS(mem_region(f, &gbox, &ARG(0), &ARG(2), &o, &n));
	CHARGE(3 * num_words(n));
	if (n)
		copy_padded(f->mem + o, n, f->msg->input, f->msg->input_size, &ARG(1));
	sp -= 3;
	NEXT(1);
ENTER(CODESIZE);
	PUSH_VALUE(u256_from_u64(f->code_size));
ENTER(CODECOPY);
	CHECK_STATUS(mem_region(f, &gbox, &ARG(0), &ARG(2), &o, &n));
	CHARGE(3 * num_words(n));
	if (n)
		copy_padded(f->mem + o, n, f->code, f->code_size, &ARG(1));
	sp -= 3;
	NEXT(1);
ENTER(GASPRICE);
	PUSH_VALUE(tx_context(f)->gas_price);
ENTER(EXTCODESIZE); {
	a = to_address(&TOP);
	ACCESS_ACCOUNT(&a);
	TOP = u256_from_u64(f->host->get_code_size(f->ctx, &a));
	NEXT(1);
}
ENTER(EXTCODECOPY); {
	a = to_address(&ARG(0));
	CHECK_STATUS(mem_region(f, &gbox, &ARG(1), &ARG(3), &o, &n));
	CHARGE(3 * num_words(n));
	ACCESS_ACCOUNT(&a);
	if (n) {
		size_t from = u256_fits_u64(&ARG(2)) && ARG(2).w[0] <= SIZE_MAX
		                  ? (size_t)ARG(2).w[0]
		                  : SIZE_MAX;
		size_t k = f->host->copy_code(f->ctx, &a, from, f->mem + o, n);
		if (k < n)
			memset(f->mem + o + k, 0, n - k);
	}
	sp -= 4;
	NEXT(1);
}
ENTER(RETURNDATASIZE);
	PUSH_VALUE(u256_from_u64(f->ret_size));
ENTER(RETURNDATACOPY); {
	CHECK_STATUS(mem_region(f, &gbox, &ARG(0), &ARG(2), &o, &n));
	const u256 *src = &ARG(1);
	if (!u256_fits_u64(src) || src->w[0] > f->ret_size ||
	    f->ret_size - src->w[0] < n) {
		st = EVM_INVALID_MEMORY_ACCESS;
		goto done;
	}
	CHARGE(3 * num_words(n));
	if (n)
		memcpy(f->mem + o, f->ret + src->w[0], n);
	sp -= 3;
	NEXT(1);
}
ENTER(EXTCODEHASH); {
	a = to_address(&TOP);
	ACCESS_ACCOUNT(&a);
	hash = f->host->get_code_hash(f->ctx, &a);
	TOP = from_h256(&hash);
	NEXT(1);
}
ENTER(BLOCKHASH); {
	int64_t cur = tx_context(f)->number;
	tmp = U256_ZERO;
	if (u256_fits_u64(&TOP) && TOP.w[0] < (uint64_t)cur &&
	    TOP.w[0] + 256 >= (uint64_t)cur) {
		hash = f->host->get_block_hash(f->ctx, (int64_t)TOP.w[0]);
		tmp = from_h256(&hash);
	}
	TOP = tmp;
	NEXT(1);
}
ENTER(COINBASE);
	PUSH_VALUE(from_address(&tx_context(f)->coinbase));
ENTER(TIMESTAMP);
	PUSH_VALUE(u256_from_u64((uint64_t)tx_context(f)->timestamp));
ENTER(NUMBER);
	PUSH_VALUE(u256_from_u64((uint64_t)tx_context(f)->number));
ENTER(PREVRANDAO);
	PUSH_VALUE(from_h256(&tx_context(f)->prev_randao));
ENTER(GASLIMIT);
	PUSH_VALUE(u256_from_u64((uint64_t)tx_context(f)->gas_limit));
ENTER(CHAINID);
	PUSH_VALUE(tx_context(f)->chain_id);
ENTER(SELFBALANCE);
	PUSH_VALUE(f->host->get_balance(f->ctx, &f->msg->recipient));
ENTER(BASEFEE);
	PUSH_VALUE(tx_context(f)->base_fee);
ENTER(BLOBHASH); {
	const evm_tx_context *tx = tx_context(f);
	tmp = U256_ZERO;
	if (u256_fits_u64(&TOP) && TOP.w[0] < tx->blob_hashes_count)
		tmp = from_h256(&tx->blob_hashes[TOP.w[0]]);
	TOP = tmp;
	NEXT(1);
}
ENTER(BLOBBASEFEE);
	PUSH_VALUE(tx_context(f)->blob_base_fee);
ENTER(POP);
	sp--;
	NEXT(1);
ENTER(MLOAD); {
	MEM_AT(&TOP, 32, at);
	TOP = u256_from_be32(f->mem + at);
	NEXT(1);
}
ENTER(MSTORE); {
	MEM_AT(&ARG(0), 32, at);
	u256_to_be(&ARG(1), f->mem + at);
	sp -= 2;
	NEXT(1);
}
ENTER(MSTORE8); {
	MEM_AT(&ARG(0), 1, at);
	f->mem[at] = (uint8_t)ARG(1).w[0];
	sp -= 2;
	NEXT(1);
}
ENTER(SLOAD);
	if (f->rev >= FORK_BERLIN) {
		if (f->host->load_storage(f->ctx, &f->msg->recipient, &TOP,
		                          &loaded) == EVM_ACCESS_COLD)
			CHARGE(COLD_SLOAD - WARM_ACCESS);
	} else {
		loaded = f->host->get_storage(f->ctx, &f->msg->recipient, &TOP);
	}
	TOP = loaded;
	NEXT(1);
ENTER(SSTORE);
	CHECK_STATUS(op_sstore(f, &gbox, sp));
	sp -= 2;
	pc++;
	BEGIN_BLOCK(pc);
	NEXT(0);
ENTER(JUMP);
	if (!valid_jump(f, &TOP))
		goto bad_jump;
	pc = code + TOP.w[0];
	sp--;
	NEXT(0);
ENTER(JUMPI);
	if (!u256_is_zero(&ARG(1))) {
		if (!valid_jump(f, &TOP))
			goto bad_jump;
		pc = code + TOP.w[0];
		sp -= 2;
		NEXT(0);
	}
	pc++;
	sp -= 2;
	BEGIN_BLOCK(pc);
	NEXT(0);
ENTER(PC);
	PUSH_VALUE(u256_from_u64((uint64_t)(pc - code)));
ENTER(MSIZE);
	PUSH_VALUE(u256_from_u64(f->mem_size));
ENTER(GAS);
	*sp++ = u256_from_u64((uint64_t)gas);
	pc++;
	BEGIN_BLOCK(pc);
	NEXT(0);
ENTER(JUMPDEST);
	CHARGE_BLOCK(pc);
	NEXT(1);
ENTER(TLOAD);
	TOP = f->host->get_transient_storage(f->ctx, &f->msg->recipient, &TOP);
	NEXT(1);
ENTER(TSTORE);
	if (f->msg->is_static) {
		st = EVM_STATIC_MODE_VIOLATION;
		goto done;
	}
	f->host->set_transient_storage(f->ctx, &f->msg->recipient, &ARG(0), &ARG(1));
	sp -= 2;
	NEXT(1);
ENTER(MCOPY); {
	/* Charge for the larger of the two regions; both then fit. */
	const u256 *far = u256_gt(&ARG(0), &ARG(1)) ? &ARG(0) : &ARG(1);
	CHECK_STATUS(mem_region(f, &gbox, far, &ARG(2), &o, &n));
	CHARGE(3 * num_words(n));
	if (n)
		memmove(f->mem + ARG(0).w[0], f->mem + ARG(1).w[0], n);
	sp -= 3;
	NEXT(1);
}
ENTER(PUSH0);
	PUSH_VALUE(U256_ZERO);

#define EVM_OP_PUSH_(v, name, imm, in, out, since, gas)                      \
	ENTER(name);                                                              \
	if ((v) >= OP_PUSH1 && (v) <= OP_PUSH32) {                                \
		load_push(sp++, pc + 1, (v) - OP_PUSH1 + 1);                          \
		NEXT((v) - OP_PUSH1 + 2);                                             \
	} else if ((v) >= OP_DUP1 && (v) <= OP_DUP16) {                           \
		copy_item(sp, &sp[-((v) - OP_DUP1 + 1)]);                             \
		sp++;                                                                 \
		NEXT(1);                                                              \
	} else {                                                                  \
		swap_items(&sp[-1], &sp[-2 - ((v) - OP_SWAP1)]);                      \
		NEXT(1);                                                              \
	}
	EVM_OPCODES_PUSH_DUP_SWAP(EVM_OP_PUSH_)
#undef EVM_OP_PUSH_

ENTER(LOG0);
	goto log;
ENTER(LOG1);
	goto log;
ENTER(LOG2);
	goto log;
ENTER(LOG3);
	goto log;
ENTER(LOG4);
log:
	CHECK_STATUS(op_log(f, &gbox, *pc, sp));
	sp -= 2 + (*pc - OP_LOG0);
	NEXT(1);
ENTER(CREATE);
	goto create;
ENTER(CREATE2);
create:
	CHECK_STATUS(op_create(f, &gbox, *pc, sp));
	sp -= *pc == OP_CREATE2 ? 3 : 2;
	pc++;
	BEGIN_BLOCK(pc);
	NEXT(0);
ENTER(CALL);
	goto call7;
ENTER(CALLCODE);
call7:
	CHECK_STATUS(op_call(f, &gbox, *pc, sp));
	sp -= 6;
	pc++;
	BEGIN_BLOCK(pc);
	NEXT(0);
ENTER(DELEGATECALL);
	goto call6;
ENTER(STATICCALL);
call6:
	CHECK_STATUS(op_call(f, &gbox, *pc, sp));
	sp -= 5;
	pc++;
	BEGIN_BLOCK(pc);
	NEXT(0);
ENTER(RETURN);
	goto return_;
ENTER(REVERT);
return_:
	CHECK_STATUS(mem_region(f, &gbox, &ARG(0), &ARG(1), &o, &n));
	*out_off = o;
	*out_size = n;
	st = *pc == OP_RETURN ? EVM_SUCCESS : EVM_REVERT;
	goto done;
ENTER(INVALID);
	st = EVM_INVALID_INSTRUCTION;
	goto done;
ENTER(SELFDESTRUCT);
	CHECK_STATUS(op_selfdestruct(f, &gbox, sp));
	goto done;

/* Fused pairs (see fuse()): only untraced frames see them, and only where
 * both opcodes exist at this fork, so they skip ENTER's check. */
op_PUSH1_ADD: {
	tmp = u256_from_u64(pc[1]);
	tmp = u256_add(&TOP, &tmp);
	copy_item(&TOP, &tmp);
	NEXT(3);
}
op_PUSH1_SHL: {
	tmp = u256_from_u64(pc[1]);
	tmp = u256_shl(&tmp, &TOP);
	copy_item(&TOP, &tmp);
	NEXT(3);
}
op_PUSH1_SHR: {
	tmp = u256_from_u64(pc[1]);
	tmp = u256_shr(&tmp, &TOP);
	copy_item(&TOP, &tmp);
	NEXT(3);
}
/* Pops the condition, then jumps to dest (a JUMPDEST, checked by fuse())
 * if taken, else enters the block len bytes on. */
#define FUSED_JUMPI(taken, dest, len)                                         \
	do {                                                                      \
		sp--;                                                                 \
		if (taken) {                                                          \
			pc = code + (dest);                                               \
			NEXT(0);                                                          \
		}                                                                     \
		pc += (len);                                                          \
		BEGIN_BLOCK(pc);                                                      \
		NEXT(0);                                                              \
	} while (0)
/* Pushes the word at the constant offset off (below 2^16). */
#define FUSED_PUSH_MLOAD(off, len)                                            \
	do {                                                                      \
		at = (off);                                                           \
		if (at + 32 > f->mem_size)                                            \
			GROW_INLINE(at + 32);                                             \
		*sp++ = u256_from_be32(f->mem + at);                                  \
		NEXT(len);                                                            \
	} while (0)
op_PUSH1_JUMP:
	pc = code + small_imm(pc, 1);
	NEXT(0);
op_PUSH2_JUMP:
	pc = code + small_imm(pc, 2);
	NEXT(0);
op_PUSH1_JUMPI:
	FUSED_JUMPI(!u256_is_zero(&sp[0]), small_imm(pc, 1), 3);
op_PUSH2_JUMPI:
	FUSED_JUMPI(!u256_is_zero(&sp[0]), small_imm(pc, 2), 4);
op_ISZERO_PUSH2_JUMPI:
	FUSED_JUMPI(u256_is_zero(&sp[0]), small_imm(pc + 1, 2), 5);
op_PUSH1_MLOAD:
	FUSED_PUSH_MLOAD(small_imm(pc, 1), 3);
op_PUSH2_MLOAD:
	FUSED_PUSH_MLOAD(small_imm(pc, 2), 4);
op_DUP2_MSTORE: {
	MEM_AT(&ARG(1), 32, at);
	u256_to_be(&ARG(0), f->mem + at);
	sp--;
	NEXT(2);
}
op_PUSH1_DUP2_MSTORE: {
	MEM_AT(&TOP, 32, at);
	tmp = u256_from_u64(pc[1]);
	u256_to_be(&tmp, f->mem + at);
	NEXT(4);
}
op_SWAP1_POP:
	copy_item(&sp[-2], &sp[-1]);
	sp--;
	NEXT(2);
op_SWAP2_POP:
	copy_item(&sp[-3], &sp[-1]);
	sp--;
	NEXT(2);
op_POP_POP:
	sp -= 2;
	NEXT(2);
op_JUMPDEST_RUN:
	CHARGE_BLOCK(pc);
	do
		pc++;
	while (*pc == OP_JUMPDEST_RUN);
	NEXT(1); /* the run's last JUMPDEST */
op_ADD_MLOAD: {
	tmp = u256_add(&sp[-1], &sp[-2]);
	sp--;
	MEM_AT(&tmp, 32, at);
	TOP = u256_from_be32(f->mem + at);
	NEXT(2);
}

op_trace: {
	if (f->host->trace)
		trace_step(f, pc, sp, gas);
	const evm_instr *in = &evm_instr_table(f->rev)[*pc];
	if (in->cost == EVM_UNDEFINED)
		goto op_undefined;
	if (sp - stack + in->stack_change > STACK_LIMIT)
		goto stack_overflow;
	if (sp - stack < in->stack_in)
		goto stack_underflow;
	CHARGE(in->cost);
	goto *labels[*pc];
}
op_undefined:
	st = EVM_UNDEFINED_INSTRUCTION;
	goto done;
stack_overflow:
	st = EVM_STACK_OVERFLOW;
	goto done;
stack_underflow:
	st = EVM_STACK_UNDERFLOW;
	goto done;
bad_jump:
	st = EVM_BAD_JUMP_DESTINATION;
	goto done;
out_of_gas:
	st = EVM_OUT_OF_GAS;
done:
	*gas_out = gas;
	return st;

#undef TOP
#undef ARG
#undef CHECK_STATUS
#undef GROW_INLINE
#undef FUSED_JUMPI
#undef FUSED_PUSH_MLOAD
#undef MEM_AT
#undef ACCESS_ACCOUNT
#undef CHARGE
#undef DISPATCH
#undef ENTER
#undef BEGIN_BLOCK
#undef CHARGE_BLOCK
#undef NEXT
#undef BINOP
#undef CMPOP
#undef PUSH_VALUE
}

evm_result evm_execute_code(const evm_host *host, void *host_ctx, fork rev,
                            const evm_message *msg, const evm_code *code)
{
	evm_result res = {.status = EVM_INTERNAL_ERROR};
	if (code->rev != rev)
		return res;
	/* Fields set one by one: a compound literal would put a whole frame,
	 * stack included, on the C stack of every nesting level, and would
	 * drop the cached memory buffer. */
	block *traced_blocks = NULL;
	bool each = host->trace != NULL || code->huge_block;
	if (each && !(traced_blocks = blocks_for_tracing(code->size)))
		return res;
	frame *f = frame_get();
	if (!f) {
		free(traced_blocks);
		return res;
	}
	f->host = host;
	f->ctx = host_ctx;
	f->each = each;
	f->rev = rev;
	f->msg = msg;
	f->tx = NULL;
	f->code = code->bytes;
	f->ops = code->ops;
	f->code_size = code->size;
	f->jumpdests = code->jumpdests;
	f->blocks = traced_blocks ? traced_blocks : code->blocks;
	f->mem_size = 0;
	f->mem_cost = 0;
	f->ret = NULL;
	f->ret_size = 0;
	f->refund = 0;
	int64_t gas = 0;
	size_t out_off = 0, out_size = 0;
	evm_status st = run(f, &gas, &out_off, &out_size);
	res.status = st;
	if (st == EVM_SUCCESS || st == EVM_REVERT) {
		res.gas_left = gas;
		if (out_size) {
			res.output = malloc(out_size);
			if (res.output) {
				memcpy(res.output, f->mem + out_off, out_size);
				res.output_size = out_size;
			} else {
				res.status = EVM_INTERNAL_ERROR;
				res.gas_left = 0;
			}
		}
	}
	if (res.status == EVM_SUCCESS)
		res.gas_refund = f->refund;
	frame_put(f);
	free(traced_blocks);
	return res;
}

evm_result evm_execute(const evm_host *host, void *host_ctx, fork rev,
                       const evm_message *msg, const uint8_t *code,
                       size_t code_size)
{
	evm_code *c;
	if (evm_code_new(code, code_size, rev, &c) != 0)
		return (evm_result){.status = EVM_INTERNAL_ERROR};
	evm_result res = evm_execute_code(host, host_ctx, rev, msg, c);
	evm_code_free(c);
	return res;
}
