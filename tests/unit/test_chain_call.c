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

static void test_runs_state_code_and_reverts(void)
{
	state *st;
	if (state_new(&st) != DURE_OK)
		abort();
	address from = addr(0xaaaa), to = addr(0xc0de);
	state_set_code(st, &to, store_ret, sizeof store_ret);
	state_end_tx(st, true);
	block_env env = {.gas_limit = 30000000, .chain_id = 1};
	evm_tx_context txc = {.origin = from};
	evm_message msg = message(&from, &to);
	const tx bare = {.has_to = true, .to = to};
	transition_warm(st, FORK_LONDON, &env, &bare, &from);

	size_t snap = state_snapshot(st);
	evm_result r = transition_call(st, FORK_LONDON, &env, &txc, &msg, NULL);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.output_size, 32);
	if (r.output_size == 32)
		CHECK_EQ_INT(r.output[31], 42);
	/* 22100 for the cold SSTORE, origin warm (100), 0xfeed cold (2600),
	 * the warm SLOAD (100), pushes, memory and the rest. */
	int64_t used = msg.gas - r.gas_left;
	CHECK_EQ_INT(used, 2 * 3 + 22100 + 2 + 100 + 2 + 3 + 2600 + 2 + 3 + 100 +
	                   3 + 3 + 3 + 3 + 3);
	u256 one = u256_from_u64(1);
	u256 v = state_storage(st, &to, &one);
	CHECK(u256_fits_u64(&v) && v.w[0] == 42);
	evm_result_release(&r);

	state_revert(st, snap);
	v = state_storage(st, &to, &one);
	CHECK(u256_is_zero(&v));

	/* The same again gives the same answer: nothing the frame warmed
	 * stayed warm. */
	snap = state_snapshot(st);
	evm_result again = transition_call(st, FORK_LONDON, &env, &txc, &msg,
	                                   NULL);
	CHECK_EQ_INT(again.status, EVM_SUCCESS);
	CHECK_EQ_INT(again.gas_left, msg.gas - used);
	evm_result_release(&again);
	state_revert(st, snap);
	CHECK(!state_failed(st));
	state_free(st);
}

static void test_runs_given_code(void)
{
	state *st;
	if (state_new(&st) != DURE_OK)
		abort();
	address from = addr(0xaaaa), to = addr(0xc0de);
	evm_code *code;
	CHECK_EQ_INT(evm_code_new(store_ret, sizeof store_ret, FORK_LONDON, &code),
	             DURE_OK);
	block_env env = {.gas_limit = 30000000, .chain_id = 1};
	evm_tx_context txc = {.origin = from};
	evm_message msg = message(&from, &to);

	/* The recipient has no code in the state: the given code runs. */
	size_t snap = state_snapshot(st);
	evm_result r = transition_call(st, FORK_LONDON, &env, &txc, &msg, code);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.output_size, 32);
	evm_result_release(&r);
	state_revert(st, snap);
	CHECK(!state_exists(st, &to));

	/* Without it, an account without code just succeeds. */
	r = transition_call(st, FORK_LONDON, &env, &txc, &msg, NULL);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.gas_left, msg.gas);
	CHECK_EQ_INT(r.output_size, 0);
	evm_result_release(&r);
	evm_code_free(code);
	state_free(st);
}

/* transition_call itself warms nothing: without transition_warm the
 * origin's BALANCE is a cold access (2600 instead of 100). */
static void test_call_does_not_warm(void)
{
	state *st;
	if (state_new(&st) != DURE_OK)
		abort();
	address from = addr(0xaaaa), to = addr(0xc0de);
	state_set_code(st, &to, store_ret, sizeof store_ret);
	state_end_tx(st, true);
	block_env env = {.gas_limit = 30000000, .chain_id = 1};
	evm_tx_context txc = {.origin = from};
	evm_message msg = message(&from, &to);

	size_t snap = state_snapshot(st);
	evm_result cold = transition_call(st, FORK_LONDON, &env, &txc, &msg, NULL);
	state_revert(st, snap);
	const tx bare = {.has_to = true, .to = to};
	transition_warm(st, FORK_LONDON, &env, &bare, &from);
	evm_result warm = transition_call(st, FORK_LONDON, &env, &txc, &msg, NULL);
	CHECK_EQ_INT(cold.status, EVM_SUCCESS);
	CHECK_EQ_INT(warm.status, EVM_SUCCESS);
	CHECK_EQ_INT(warm.gas_left - cold.gas_left, 2600 - 100);
	evm_result_release(&cold);
	evm_result_release(&warm);
	CHECK(!state_failed(st));
	state_free(st);
}

TEST_MAIN(test_runs_state_code_and_reverts, test_runs_given_code,
          test_call_does_not_warm)
