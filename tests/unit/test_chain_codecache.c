/* The caches of analysed code in the state transition: a frame must
 * always run its own account's code, whether the cache holds it, holds it
 * under another address with the same code, or is full; and the cache
 * shared across transactions (chain/codecache.h) must never evict code
 * in use, evict the least recently used otherwise, and keep forks apart. */
#include <stdlib.h>
#include <string.h>

#include "chain/codecache.h"
#include "chain/transition.h"
#include "evm/evm.h"
#include "state/state.h"
#include "test.h"

#define CALLEES 40 /* more than the cache holds */

static address addr(uint16_t n)
{
	address a = {{0}};
	a.b[18] = (uint8_t)(n >> 8);
	a.b[19] = (uint8_t)n;
	return a;
}

typedef struct prog {
	uint8_t b[2048];
	size_t n;
} prog;

static void emit(prog *p, const uint8_t *b, size_t n)
{
	if (p->n + n > sizeof p->b)
		abort();
	memcpy(p->b + p->n, b, n);
	p->n += n;
}

/* acc += the word returned by a CALL to a, with all the gas. */
static void call_and_add(prog *p, const address *a)
{
	const uint8_t call[] = {
		0x60, 0x20, 0x60, 0x00, 0x60, 0x00, 0x60, 0x00, 0x60, 0x00,
		0x61, a->b[18], a->b[19],          /* PUSH2 a */
		0x5a, 0xf1, 0x50,                  /* GAS CALL POP */
		0x60, 0x00, 0x51, 0x01,            /* MLOAD(0) ADD */
	};
	emit(p, call, sizeof call);
}

static void set_returner(state *st, const address *a, uint8_t v)
{
	/* MSTORE(0, v); RETURN(0, 32) */
	const uint8_t code[] = {0x60, v,    0x60, 0x00, 0x52,
	                        0x60, 0x20, 0x60, 0x00, 0xf3};
	state_set_code(st, a, code, sizeof code);
}

static void run_callees(code_cache *shared)
{
	state *st;
	if (state_new(&st) != DURE_OK)
		abort();
	prog p = {.n = 0};
	const uint8_t start[] = {0x60, 0x00}; /* acc = 0 */
	emit(&p, start, sizeof start);
	for (int round = 0; round < 2; round++) {
		for (uint16_t i = 0; i < CALLEES; i++) {
			address a = addr(0x100 + i);
			if (round == 0)
				set_returner(st, &a, (uint8_t)(i + 1));
			call_and_add(&p, &a);
		}
	}
	address twin = addr(0x200); /* the code of the first callee */
	set_returner(st, &twin, 1);
	call_and_add(&p, &twin);
	const uint8_t end[] = {0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3};
	emit(&p, end, sizeof end);
	address from = addr(0xaaaa), top = addr(0xc0de);
	state_set_code(st, &top, p.b, p.n);
	state_end_tx(st, true);

	block_env env = {.gas_limit = 30000000, .chain_id = 1, .codes = shared};
	evm_tx_context txc = {.origin = from};
	evm_message msg = {
		.kind = EVM_CALL,
		.gas = 10000000,
		.recipient = top,
		.sender = from,
		.code_address = top,
	};
	evm_result r = transition_call(st, FORK_CANCUN, &env, &txc, &msg, NULL);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.output_size, 32);
	if (r.output_size == 32) {
		u256 got = u256_from_be(r.output, 32);
		/* Twice 1 + ... + CALLEES, and the twin's 1. */
		u256 want = u256_from_u64(CALLEES * (CALLEES + 1) + 1);
		CHECK(u256_eq(&got, &want));
	}
	evm_result_release(&r);
	CHECK(!state_failed(st));
	state_free(st);
}

static void test_each_frame_runs_its_own_code(void)
{
	run_callees(NULL);
}

/* A shared cache of 4 entries for 41 contracts: the first 4 the
 * transaction runs stay pinned until it ends, the rest run unanalysed;
 * each run still adds up right, and the second run finds the 4. */
static void test_shared_cache_under_pressure(void)
{
	code_cache *c;
	CHECK_EQ_INT(code_cache_new(4, 0, &c), DURE_OK);
	run_callees(c);
	CHECK(code_cache_count(c) == 4);
	uint64_t hits = code_cache_hits(c);
	run_callees(c);
	CHECK(code_cache_hits(c) > hits);
	code_cache_free(c);
}

static h256 hash_of(uint8_t b)
{
	h256 h;
	memset(h.b, b, 32);
	return h;
}

static void test_shared_cache_pins_and_lru(void)
{
	static const uint8_t stop[] = {0x00}, push[] = {0x60, 0x01, 0x00};
	code_cache *c;
	CHECK_EQ_INT(code_cache_new(2, 0, &c), DURE_OK);
	h256 a = hash_of(1), b = hash_of(2), d = hash_of(3);
	const evm_code *ca = code_cache_acquire(c, &a, FORK_CANCUN, stop, 1);
	const evm_code *cb = code_cache_acquire(c, &b, FORK_CANCUN, push, 3);
	CHECK(ca && cb && ca != cb);
	/* Both pinned: no room for a third. */
	CHECK(code_cache_acquire(c, &d, FORK_CANCUN, stop, 1) == NULL);
	/* With a unpinned and b pinned, a makes room. */
	code_cache_release(c, &a, FORK_CANCUN);
	const evm_code *cd = code_cache_acquire(c, &d, FORK_CANCUN, stop, 1);
	CHECK(cd != NULL);
	CHECK(code_cache_count(c) == 2);
	/* a was evicted: asking again is a miss that finds no room. */
	uint64_t hits = code_cache_hits(c);
	CHECK(code_cache_acquire(c, &a, FORK_CANCUN, stop, 1) == NULL);
	CHECK(code_cache_hits(c) == hits);
	/* b is still the same analysis: a hit. */
	CHECK(code_cache_acquire(c, &b, FORK_CANCUN, push, 3) == cb);
	CHECK(code_cache_hits(c) == hits + 1);
	code_cache_release(c, &b, FORK_CANCUN);
	code_cache_release(c, &b, FORK_CANCUN);
	code_cache_release(c, &d, FORK_CANCUN);
	/* Least recently used of the unpinned b and d: d was acquired after
	 * b's first acquire but before its second, so d goes. */
	CHECK(code_cache_acquire(c, &a, FORK_CANCUN, stop, 1) != NULL);
	CHECK(code_cache_acquire(c, &b, FORK_CANCUN, push, 3) == cb);
	code_cache_release(c, &a, FORK_CANCUN);
	code_cache_release(c, &b, FORK_CANCUN);
	/* The same code at another fork is another entry. */
	const evm_code *old = code_cache_acquire(c, &b, FORK_SHANGHAI, push, 3);
	CHECK(old != NULL && old != cb);
	code_cache_release(c, &b, FORK_SHANGHAI);
	code_cache_free(c);
}

TEST_MAIN(test_each_frame_runs_its_own_code, test_shared_cache_under_pressure,
          test_shared_cache_pins_and_lru)
