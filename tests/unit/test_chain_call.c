/* transition_call: one top-level frame over the state, without the
 * transaction around it, over a state the caller warmed, undone by the
 * caller's snapshot. */
#include <stdlib.h>

#include "chain/transition.h"
#include "evm/evm.h"
#include "state/state.h"
#include "test.h"

static address addr(uint16_t n)
{
	address a = {{0}};
	a.b[18] = (uint8_t)(n >> 8);
	a.b[19] = (uint8_t)n;
	return a;
}

/* SSTORE(1, 42); BALANCE(ORIGIN); BALANCE(0xfeed); RETURN slot 1 as a word:
 * the two BALANCEs show which accounts were warm (EIP-2929). */
static const uint8_t store_ret[] = {
	0x60, 0x2a, 0x60, 0x01, 0x55,         /* SSTORE(1, 42) */
	0x32, 0x31, 0x50,                     /* POP(BALANCE(ORIGIN)) */
	0x61, 0xfe, 0xed, 0x31, 0x50,         /* POP(BALANCE(0xfeed)) */
	0x60, 0x01, 0x54, 0x60, 0x00, 0x52,   /* MSTORE(0, SLOAD(1)) */
	0x60, 0x20, 0x60, 0x00, 0xf3,         /* RETURN(0, 32) */
};

static evm_message message(const address *from, const address *to)
{
	return (evm_message){
		.kind = EVM_CALL,
		.gas = 100000,
		.recipient = *to,
		.sender = *from,
		.code_address = *to,
	};
}

/* A call from 0xaaaa to 0xc0de in London, with store_ret as 0xc0de's code
 * in the state or (with_code false) no account there at all. */
typedef struct fixture {
	state *st;
	address from, to;
	block_env env;
	evm_tx_context txc;
	evm_message msg;
} fixture;

static void fixture_init(fixture *x, bool with_code)
{
	if (state_new(&x->st) != DURE_OK)
		abort();
	x->from = addr(0xaaaa);
	x->to = addr(0xc0de);
	if (with_code) {
		state_set_code(x->st, &x->to, store_ret, sizeof store_ret);
		state_end_tx(x->st, true);
	}
	x->env = (block_env){.gas_limit = 30000000, .chain_id = 1};
	x->txc = (evm_tx_context){.origin = x->from};
	x->msg = message(&x->from, &x->to);
}

static evm_result call(fixture *x, const evm_code *code)
{
	return transition_call(x->st, FORK_LONDON, &x->env, &x->txc, &x->msg,
	                       code);
}

static void test_runs_state_code_and_reverts(void)
{
	fixture x;
	fixture_init(&x, true);
	const tx bare = {.has_to = true, .to = x.to};
	transition_warm(x.st, FORK_LONDON, &x.env, &bare, &x.from);

	size_t snap = state_snapshot(x.st);
	evm_result r = call(&x, NULL);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.output_size, 32);
	if (r.output_size == 32)
		CHECK_EQ_INT(r.output[31], 42);
	/* 22100 for the cold SSTORE, origin warm (100), 0xfeed cold (2600),
	 * the warm SLOAD (100), pushes, memory and the rest. */
	int64_t used = x.msg.gas - r.gas_left;
	CHECK_EQ_INT(used, 2 * 3 + 22100 + 2 + 100 + 2 + 3 + 2600 + 2 + 3 + 100 +
	                   3 + 3 + 3 + 3 + 3);
	u256 one = u256_from_u64(1);
	u256 v = state_storage(x.st, &x.to, &one);
	CHECK(u256_fits_u64(&v) && v.w[0] == 42);
	evm_result_release(&r);

	state_revert(x.st, snap);
	v = state_storage(x.st, &x.to, &one);
	CHECK(u256_is_zero(&v));

	/* The same again gives the same answer: nothing the frame warmed
	 * stayed warm. */
	snap = state_snapshot(x.st);
	evm_result again = call(&x, NULL);
	CHECK_EQ_INT(again.status, EVM_SUCCESS);
	CHECK_EQ_INT(again.gas_left, x.msg.gas - used);
	evm_result_release(&again);
	state_revert(x.st, snap);
	CHECK(!state_failed(x.st));
	state_free(x.st);
}

static void test_runs_given_code(void)
{
	fixture x;
	fixture_init(&x, false);
	evm_code *code;
	CHECK_EQ_INT(evm_code_new(store_ret, sizeof store_ret, FORK_LONDON, &code),
	             DURE_OK);

	/* The recipient has no code in the state: the given code runs. */
	size_t snap = state_snapshot(x.st);
	evm_result r = call(&x, code);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.output_size, 32);
	evm_result_release(&r);
	state_revert(x.st, snap);
	CHECK(!state_exists(x.st, &x.to));

	/* Without it, an account without code just succeeds. */
	r = call(&x, NULL);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.gas_left, x.msg.gas);
	CHECK_EQ_INT(r.output_size, 0);
	evm_result_release(&r);
	evm_code_free(code);
	state_free(x.st);
}

/* transition_call itself warms nothing: without transition_warm the
 * origin's BALANCE is a cold access (2600 instead of 100). */
static void test_call_does_not_warm(void)
{
	fixture x;
	fixture_init(&x, true);

	size_t snap = state_snapshot(x.st);
	evm_result cold = call(&x, NULL);
	state_revert(x.st, snap);
	const tx bare = {.has_to = true, .to = x.to};
	transition_warm(x.st, FORK_LONDON, &x.env, &bare, &x.from);
	evm_result warm = call(&x, NULL);
	CHECK_EQ_INT(cold.status, EVM_SUCCESS);
	CHECK_EQ_INT(warm.status, EVM_SUCCESS);
	CHECK_EQ_INT(warm.gas_left - cold.gas_left, 2600 - 100);
	evm_result_release(&cold);
	evm_result_release(&warm);
	CHECK(!state_failed(x.st));
	state_free(x.st);
}

TEST_MAIN(test_runs_state_code_and_reverts, test_runs_given_code,
          test_call_does_not_warm)
