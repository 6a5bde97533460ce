/* Interpreter basics: arithmetic, stack and jump rules, environment,
 * calls, creates, logs, revert, tracing. */
#include "evm_builder.h"
#include "evm_fakehost.h"
#include "test.h"

#include "evm/opcodes.h"

static evm_result run_at(fakehost *h, const bc *c, int64_t gas)
{
	return fh_run(h, c->code, c->n, gas, NULL, 0);
}

static void test_add_exact_gas(void)
{
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	bc c = {0};
	push(&c, 2);
	push(&c, 3);
	op(&c, OP_ADD);
	ret_top(&c);
	evm_result r = run_at(&h, &c, 100);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	/* 8 instructions at 3 gas (RETURN is free) plus one word of memory. */
	CHECK_EQ_INT(100 - r.gas_left, 7 * 3 + 3);
	u256 five = u256_from_u64(5), w = fh_out_word(&r);
	CHECK(u256_eq(&w, &five));
	evm_result_release(&r);
	fh_free(&h);
}

static void expect_binop(uint8_t opcode, uint64_t a, uint64_t b, uint64_t want)
{
	u256 ua = u256_from_u64(a), ub = u256_from_u64(b), w;
	CHECK_EQ_INT(fh_binop(opcode, &ua, &ub, &w), EVM_SUCCESS);
	u256 x = u256_from_u64(want);
	CHECK(u256_eq(&w, &x));
}

/* SIGNEXTEND(b, x) as the interpreter runs it, against values worked out
 * by hand: the sign byte in each limb, bits above it cleared or set, and
 * indices that leave x alone. */
static void test_signextend(void)
{
	const uint64_t ones = UINT64_MAX, junk = 0x5555555555555555ULL;
	static const struct {
		u256 b, x, want;
	} cases[] = {
	    {{{0}}, {{0x7f, junk, 0, junk}}, {{0x7f, 0, 0, 0}}},
	    {{{0}}, {{0x80}}, {{0xffffffffffffff80ULL, ones, ones, ones}}},
	    {{{1}}, {{0x8000}}, {{0xffffffffffff8000ULL, ones, ones, ones}}},
	    {{{1}}, {{0x127fff, junk, junk, junk}}, {{0x7fff, 0, 0, 0}}},
	    {{{7}}, {{0x8000000000000000ULL, junk, 0, junk}},
	     {{0x8000000000000000ULL, ones, ones, ones}}},
	    {{{8}}, {{5, 0x80, junk, junk}}, {{5, 0xffffffffffffff80ULL, ones,
	                                       ones}}},
	    {{{30}}, {{1, 2, 3, 0x0080000000000000ULL}},
	     {{1, 2, 3, 0xff80000000000000ULL}}},
	    {{{31}}, {{0x80, junk, junk, junk}}, {{0x80, junk, junk, junk}}},
	    {{{0, 1}}, {{0x80, junk, junk, junk}}, {{0x80, junk, junk, junk}}},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		u256 w;
		CHECK_EQ_INT(fh_binop(OP_SIGNEXTEND, &cases[i].b, &cases[i].x, &w),
		             EVM_SUCCESS);
		CHECK(u256_eq(&w, &cases[i].want));
	}
}

static void test_operand_order(void)
{
	expect_binop(OP_SUB, 10, 3, 7);
	expect_binop(OP_DIV, 10, 3, 3);
	expect_binop(OP_DIV, 10, 0, 0);
	expect_binop(OP_MOD, 10, 3, 1);
	expect_binop(OP_LT, 2, 3, 1);
	expect_binop(OP_GT, 2, 3, 0);
	expect_binop(OP_EXP, 2, 10, 1024);
	expect_binop(OP_BYTE, 31, 0x1234, 0x34);
	expect_binop(OP_SIGNEXTEND, 1, 0x1234, 0x1234);
}

static void test_exp_gas_by_fork(void)
{
	fork forks[2] = {FORK_TANGERINE, FORK_SPURIOUS};
	int64_t per_byte[2] = {10, 50}; /* EIP-160 */
	for (int i = 0; i < 2; i++) {
		fakehost h;
		fh_init(&h, forks[i]);
		bc c = {0};
		push(&c, 0x1234); /* two-byte exponent */
		push(&c, 3);
		op(&c, OP_EXP);
		evm_result r = run_at(&h, &c, 1000);
		CHECK_EQ_INT(r.status, EVM_SUCCESS);
		CHECK_EQ_INT(1000 - r.gas_left, 3 + 3 + 10 + 2 * per_byte[i]);
	}
}

static void test_stack_limits(void)
{
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	bc c = {0};
	push(&c, 1);
	op(&c, OP_ADD);
	evm_result r = run_at(&h, &c, 1000);
	CHECK_EQ_INT(r.status, EVM_STACK_UNDERFLOW);
	CHECK_EQ_INT(r.gas_left, 0);

	bc full = {0};
	for (int i = 0; i < 1024; i++)
		op(&full, OP_PUSH0);
	r = run_at(&h, &full, 10000);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.gas_left, 10000 - 2 * 1024);
	op(&full, OP_PUSH0);
	r = run_at(&h, &full, 10000);
	CHECK_EQ_INT(r.status, EVM_STACK_OVERFLOW);

	/* DUP1 on a full stack overflows; SWAP1 does not. */
	full.n = 1024;
	op(&full, OP_SWAP1);
	r = run_at(&h, &full, 10000);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	full.n = 1024;
	op(&full, OP_DUP1);
	r = run_at(&h, &full, 10000);
	CHECK_EQ_INT(r.status, EVM_STACK_OVERFLOW);
}

static void test_undefined_and_invalid(void)
{
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	bc c = {0};
	op(&c, 0x0c);
	evm_result r = run_at(&h, &c, 1000);
	CHECK_EQ_INT(r.status, EVM_UNDEFINED_INSTRUCTION);
	CHECK_EQ_INT(r.gas_left, 0);

	bc inv = {0};
	op(&inv, OP_INVALID);
	r = run_at(&h, &inv, 1000);
	CHECK_EQ_INT(r.status, EVM_INVALID_INSTRUCTION);
	CHECK_EQ_INT(r.gas_left, 0);

	/* Defined is checked before the stack: SHL before Constantinople. */
	fakehost old;
	fh_init(&old, FORK_BYZANTIUM);
	bc shl = {0};
	op(&shl, OP_SHL);
	r = run_at(&old, &shl, 1000);
	CHECK_EQ_INT(r.status, EVM_UNDEFINED_INSTRUCTION);
	fh_init(&old, FORK_CONSTANTINOPLE);
	r = run_at(&old, &shl, 1000);
	CHECK_EQ_INT(r.status, EVM_STACK_UNDERFLOW);
}

static void test_jumps(void)
{
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	/* PUSH1 4, JUMP, INVALID, JUMPDEST, PUSH1 7, <return it> */
	bc c = {0};
	push(&c, 4);
	op(&c, OP_JUMP);
	op(&c, OP_INVALID);
	op(&c, OP_JUMPDEST);
	push(&c, 7);
	ret_top(&c);
	evm_result r = run_at(&h, &c, 1000);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	u256 w = fh_out_word(&r), seven = u256_from_u64(7);
	CHECK(u256_eq(&w, &seven));
	/* 3 + 8 + 1 (JUMPDEST) + 3 + mstore/return (4 * 3 + 3 memory) */
	CHECK_EQ_INT(1000 - r.gas_left, 3 + 8 + 1 + 3 + 4 * 3 + 3);
	evm_result_release(&r);

	/* A 0x5b inside PUSH data is not a destination. */
	bc data = {0};
	push(&data, 4);
	op(&data, OP_JUMP);
	push(&data, OP_JUMPDEST); /* the 0x5b at offset 4 is data */
	r = run_at(&h, &data, 1000);
	CHECK_EQ_INT(r.status, EVM_BAD_JUMP_DESTINATION);

	bc far = {0};
	push(&far, 1000);
	op(&far, OP_JUMP);
	r = run_at(&h, &far, 1000);
	CHECK_EQ_INT(r.status, EVM_BAD_JUMP_DESTINATION);

	/* JUMPI with a zero condition falls through and ignores the target. */
	bc fall = {0};
	push(&fall, 0);
	push(&fall, 1000);
	op(&fall, OP_JUMPI);
	push(&fall, 9);
	ret_top(&fall);
	r = run_at(&h, &fall, 1000);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	w = fh_out_word(&r);
	u256 nine = u256_from_u64(9);
	CHECK(u256_eq(&w, &nine));
	evm_result_release(&r);
}

static void test_truncated_push(void)
{
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	bc c = {0};
	op(&c, OP_PUSH32);
	op(&c, 0x01); /* 31 immediate bytes missing: read as zero */
	evm_result r = run_at(&h, &c, 1000);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.gas_left, 997);
}

static void test_out_of_gas(void)
{
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	bc c = {0};
	push(&c, 1);
	push(&c, 2);
	op(&c, OP_ADD);
	evm_result r = run_at(&h, &c, 8);
	CHECK_EQ_INT(r.status, EVM_OUT_OF_GAS);
	CHECK_EQ_INT(r.gas_left, 0);
	r = run_at(&h, &c, 9);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.gas_left, 0);
}

static void test_calldata(void)
{
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	uint8_t input[3] = {0xaa, 0xbb, 0xcc};
	bc c = {0};
	push(&c, 1);
	op(&c, OP_CALLDATALOAD);
	ret_top(&c);
	evm_result r = fh_run(&h, c.code, c.n, 1000, input, sizeof input);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.output_size, 32);
	CHECK_EQ_INT(r.output[0], 0xbb);
	CHECK_EQ_INT(r.output[1], 0xcc);
	CHECK_EQ_INT(r.output[2], 0);
	evm_result_release(&r);

	/* CALLDATACOPY(0, 2, 4): copies 0xcc then zeros; 3 gas per word. */
	bc cp = {0};
	push(&cp, 4);
	push(&cp, 2);
	push(&cp, 0);
	op(&cp, OP_CALLDATACOPY);
	ret(&cp, 0, 4);
	r = fh_run(&h, cp.code, cp.n, 1000, input, sizeof input);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(1000 - r.gas_left, 3 * 3 + 3 + 3 + 3 + 3 + 3);
	CHECK_EQ_INT(r.output_size, 4);
	uint8_t want[4] = {0xcc, 0, 0, 0};
	CHECK_MEM(r.output, want, 4);
	evm_result_release(&r);
}

static void test_environment(void)
{
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	struct {
		uint8_t opcode;
		u256 want;
	} cases[] = {
		{OP_CALLER, u256_from_be(fh_addr(FH_CALLER).b, 20)},
		{OP_ADDRESS, u256_from_be(fh_addr(FH_SELF).b, 20)},
		{OP_ORIGIN, u256_from_be(fh_addr(FH_CALLER).b, 20)},
		{OP_CHAINID, u256_from_u64(1)},
		{OP_NUMBER, u256_from_u64(1000)},
		{OP_BASEFEE, u256_from_u64(7)},
		{OP_GASPRICE, u256_from_u64(10)},
		{OP_GASLIMIT, u256_from_u64(30000000)},
		{OP_CODESIZE, u256_from_u64(9)},
		{OP_CALLDATASIZE, u256_from_u64(0)},
		{OP_RETURNDATASIZE, u256_from_u64(0)},
		{OP_MSIZE, u256_from_u64(0)},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		bc c = {0};
		op(&c, cases[i].opcode);
		ret_top(&c);
		evm_result r = run_at(&h, &c, 1000);
		CHECK_EQ_INT(r.status, EVM_SUCCESS);
		u256 w = fh_out_word(&r);
		CHECK(u256_eq(&w, &cases[i].want));
		evm_result_release(&r);
	}
}

static void test_blockhash_window(void)
{
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	uint64_t numbers[4] = {999, 744, 743, 1000};
	bool nonzero[4] = {true, true, false, false};
	for (int i = 0; i < 4; i++) {
		bc c = {0};
		push(&c, numbers[i]);
		op(&c, OP_BLOCKHASH);
		ret_top(&c);
		evm_result r = run_at(&h, &c, 1000);
		CHECK_EQ_INT(r.status, EVM_SUCCESS);
		u256 w = fh_out_word(&r);
		CHECK(u256_is_zero(&w) != nonzero[i]);
		evm_result_release(&r);
	}
}

static void test_call_and_returndata(void)
{
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	address callee = fh_addr(0x20);
	bc inner = {0};
	push(&inner, 42);
	ret_top(&inner);
	fh_set_code(&h, &callee, inner.code, inner.n);

	bc c = {0};
	call_op(&c, OP_CALL, 50000, &callee, 0, 0, 0, 0, 32);
	op(&c, OP_RETURNDATASIZE);
	op(&c, OP_ADD);            /* success flag + return data size */
	push(&c, 0);
	op(&c, OP_MLOAD);          /* the returned 42 */
	op(&c, OP_ADD);
	ret_top(&c);
	evm_result r = run_at(&h, &c, 100000);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	u256 w = fh_out_word(&r), want = u256_from_u64(1 + 32 + 42);
	CHECK(u256_eq(&w, &want));
	evm_result_release(&r);

	/* Reading past the return data fails the frame. */
	bc bad = {0};
	call_op(&bad, OP_CALL, 50000, &callee, 0, 0, 0, 0, 0);
	push(&bad, 1);  /* size */
	push(&bad, 32); /* offset: one past the end */
	push(&bad, 0);
	op(&bad, OP_RETURNDATACOPY);
	r = run_at(&h, &bad, 100000);
	CHECK_EQ_INT(r.status, EVM_INVALID_MEMORY_ACCESS);
	CHECK_EQ_INT(r.gas_left, 0);
}

static void test_call_insufficient_balance_and_depth(void)
{
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	address callee = fh_addr(0x20);
	fh_set_balance(&h, &callee, 1);
	bc c = {0};
	call_op(&c, OP_CALL, 0, &callee, 5, 0, 0, 0, 0);
	ret_top(&c);
	evm_result r = run_at(&h, &c, 100000);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	u256 w = fh_out_word(&r);
	CHECK(u256_is_zero(&w));
	CHECK_EQ_INT(h.ncalls, 0);
	/* Cold target (fh_set_balance does not warm it): 2600, plus 9000 for
	 * the value, of which the unspent 2300 stipend comes back; plus the
	 * pushes and the return. */
	CHECK_EQ_INT(100000 - r.gas_left, 7 * 3 + 2600 + 9000 - 2300 + 4 * 3 + 3);
	evm_result_release(&r);

	evm_message msg = {
		.kind = EVM_CALL,
		.gas = 100000,
		.depth = 1024,
		.recipient = fh_addr(FH_SELF),
	};
	bc d = {0};
	call_op(&d, OP_CALL, 1000, &callee, 0, 0, 0, 0, 0);
	ret_top(&d);
	r = evm_execute(&fh_host_table, &h, FORK_CANCUN, &msg, d.code, d.n);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	w = fh_out_word(&r);
	CHECK(u256_is_zero(&w));
	CHECK_EQ_INT(h.ncalls, 0);
	evm_result_release(&r);
}

static void test_recursion_to_depth_limit(void)
{
	/* The contract calls itself with all its gas, then stores the call's
	 * result in slot 0 (own storage: each level is the same account, so
	 * the outermost write lands last). The 1025th frame cannot start. */
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	address self = fh_addr(FH_SELF);
	bc c = {0};
	push(&c, 0);
	push(&c, 0);
	push(&c, 0);
	push(&c, 0);
	push(&c, 0);
	push_addr(&c, &self);
	op(&c, OP_GAS);
	op(&c, OP_CALL);
	op(&c, OP_CALLDATASIZE); /* 0: slot */
	op(&c, OP_SSTORE);
	fh_set_code(&h, &self, c.code, c.n);
	evm_result r = fh_run(&h, c.code, c.n, (int64_t)1 << 40, NULL, 0);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(h.ncalls, 1024);
	CHECK_EQ_INT(h.last_call.depth, 1024);
	u256 v = fh_storage(&h, &self, 0), one = u256_from_u64(1);
	CHECK(u256_eq(&v, &one));
}

static void test_create(void)
{
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	/* Initcode returning the 1-byte runtime code 0x00 (STOP). */
	bc init = {0};
	ret(&init, 0, 1);
	bc c = {0};
	for (size_t i = 0; i < init.n; i++) /* MSTORE8 the initcode */
	{
		push(&c, init.code[i]);
		push(&c, i);
		op(&c, OP_MSTORE8);
	}
	push(&c, init.n);
	push(&c, 0);
	push(&c, 0);
	op(&c, OP_CREATE);
	ret_top(&c);
	evm_result r = run_at(&h, &c, 200000);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	u256 w = fh_out_word(&r), want = u256_from_be(fh_addr(0xc0).b, 20);
	CHECK(u256_eq(&w, &want));
	address made = fh_addr(0xc0);
	CHECK_EQ_INT(fh_get_code_size(&h, &made), 1);
	CHECK_EQ_INT(h.last_call.kind, EVM_CREATE);
	CHECK_EQ_INT(h.last_call.depth, 1);
	evm_result_release(&r);
	fh_free(&h);

	/* Static mode forbids CREATE. */
	fh_init(&h, FORK_CANCUN);
	evm_message msg = {.kind = EVM_CALL, .gas = 100000, .is_static = true};
	r = evm_execute(&fh_host_table, &h, FORK_CANCUN, &msg, c.code, c.n);
	CHECK_EQ_INT(r.status, EVM_STATIC_MODE_VIOLATION);
	fh_free(&h);
}

static void test_revert(void)
{
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	bc c = {0};
	mstore(&c, 0, 0x77);
	push(&c, 32);
	push(&c, 0);
	op(&c, OP_REVERT);
	evm_result r = run_at(&h, &c, 1000);
	CHECK_EQ_INT(r.status, EVM_REVERT);
	CHECK_EQ_INT(r.gas_left, 1000 - 5 * 3 - 3);
	CHECK_EQ_INT(r.output_size, 32);
	CHECK_EQ_INT(r.output[31], 0x77);
	evm_result_release(&r);

	fh_init(&h, FORK_HOMESTEAD);
	r = run_at(&h, &c, 1000);
	CHECK_EQ_INT(r.status, EVM_UNDEFINED_INSTRUCTION);
}

static void test_logs(void)
{
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	bc c = {0};
	mstore(&c, 0, 0xabcd);
	push(&c, 0x22); /* topic 1 */
	push(&c, 0x11); /* topic 0 */
	push(&c, 2);    /* size */
	push(&c, 30);   /* offset */
	op(&c, OP_LOG2);
	evm_result r = run_at(&h, &c, 10000);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(10000 - r.gas_left, 3 * 3 + 3 + 4 * 3 + 375 * 3 + 8 * 2);
	CHECK_EQ_INT(h.nlogs, 1);
	CHECK_EQ_INT(h.log_size, 2);
	CHECK_EQ_INT(h.log_data[0], 0xab);
	CHECK_EQ_INT(h.log_ntopics, 2);
	CHECK_EQ_INT(h.log_topics[0].b[31], 0x11);
	CHECK_EQ_INT(h.log_topics[1].b[31], 0x22);

	evm_message msg = {.kind = EVM_CALL, .gas = 10000, .is_static = true};
	r = evm_execute(&fh_host_table, &h, FORK_CANCUN, &msg, c.code, c.n);
	CHECK_EQ_INT(r.status, EVM_STATIC_MODE_VIOLATION);
	CHECK_EQ_INT(h.nlogs, 1);
}

static void test_selfdestruct(void)
{
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	address ben = fh_addr(0x30), self = fh_addr(FH_SELF);
	fh_set_balance(&h, &self, 100);
	bc c = {0};
	push_addr(&c, &ben);
	op(&c, OP_SELFDESTRUCT);
	evm_result r = run_at(&h, &c, 100000);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	/* 5000 + cold 2600 + 25000 for a dead beneficiary receiving value. */
	CHECK_EQ_INT(100000 - r.gas_left, 3 + 5000 + 2600 + 25000);
	CHECK_EQ_INT(r.gas_refund, 0);
	CHECK_EQ_INT(h.nselfdestructs, 1);
	u256 b = fh_get_balance(&h, &ben), hundred = u256_from_u64(100);
	CHECK(u256_eq(&b, &hundred));

	/* Before London: 24000 refund; Frontier charges nothing. */
	fh_init(&h, FORK_FRONTIER);
	r = run_at(&h, &c, 100000);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(100000 - r.gas_left, 3);
	CHECK_EQ_INT(r.gas_refund, 24000);
}

static void test_trace(void)
{
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	bc c = {0};
	mstore(&c, 64, 1); /* MSTORE at 64 expands to 3 words */
	push(&c, 40);
	push(&c, 0);
	op(&c, OP_KECCAK256); /* 2 words hashed, no expansion */
	op(&c, OP_STOP);
	evm_message msg = {.kind = EVM_CALL, .gas = 1000};
	evm_host tracing = fh_host_table;
	tracing.trace = fh_trace;
	evm_result r = evm_execute(&tracing, &h, FORK_CANCUN, &msg, c.code, c.n);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(h.trace_steps, 7);
	CHECK_EQ_INT(h.trace_costs[0], 3);
	CHECK_EQ_INT(h.trace_costs[2], 3 + 9);  /* MSTORE with its memory */
	CHECK_EQ_INT(h.trace_costs[5], 30 + 12); /* KECCAK256 of 2 words */
	CHECK_EQ_INT(h.trace_costs[6], 0);
	CHECK_EQ_INT(1000 - r.gas_left, 3 + 3 + 3 + 9 + 3 + 3 + 30 + 12);
}

TEST_MAIN(test_signextend, test_add_exact_gas, test_operand_order,
          test_exp_gas_by_fork, test_stack_limits,
          test_undefined_and_invalid, test_jumps,
          test_truncated_push, test_out_of_gas, test_calldata,
          test_environment, test_blockhash_window, test_call_and_returndata,
          test_call_insufficient_balance_and_depth,
          test_recursion_to_depth_limit, test_create, test_revert,
          test_logs, test_selfdestruct, test_trace)
