/* Analysed code (evm_code_new, evm_execute_code) and the interpreter's
 * checks per instruction and per basic block, and frame reuse: the parts
 * the fast paths touch. */
#include <stdlib.h>

#include "evm_builder.h"
#include "evm_fakehost.h"
#include "test.h"

#include "evm/opcodes.h"

static evm_message top_message(int64_t gas)
{
	return (evm_message){
		.kind = EVM_CALL,
		.gas = gas,
		.recipient = fh_addr(FH_SELF),
		.sender = fh_addr(FH_CALLER),
		.code_address = fh_addr(FH_SELF),
	};
}

/* Runs code[0, n) analysed, at fork rev, with gas 100000. */
static evm_result run_code(fork rev, const uint8_t *code, size_t n)
{
	fakehost h;
	fh_init(&h, rev);
	evm_code *c;
	if (evm_code_new(code, n, rev, &c) != 0)
		return (evm_result){.status = EVM_INTERNAL_ERROR};
	evm_message msg = top_message(100000);
	evm_result r = evm_execute_code(&fh_host_table, &h, rev, &msg, c);
	evm_code_free(c);
	fh_free(&h);
	return r;
}

static void test_analysed_code_runs_many_times(void)
{
	bc c = {0};
	push(&c, 40);
	push(&c, 2);
	op(&c, OP_ADD);
	ret_top(&c);
	evm_code *code;
	CHECK_EQ_INT(evm_code_new(c.code, c.n, FORK_CANCUN, &code), 0);
	u256 want = u256_from_u64(42);
	for (int i = 0; i < 3; i++) {
		fakehost h;
		fh_init(&h, FORK_CANCUN);
		evm_message msg = top_message(1000);
		evm_result r = evm_execute_code(&fh_host_table, &h, FORK_CANCUN, &msg,
		                                code);
		CHECK_EQ_INT(r.status, EVM_SUCCESS);
		u256 w = fh_out_word(&r);
		CHECK(u256_eq(&w, &want));
		/* Same gas as the unanalysed entry point. */
		evm_result r2 = evm_execute(&fh_host_table, &h, FORK_CANCUN, &msg,
		                            c.code, c.n);
		CHECK_EQ_INT(r2.gas_left, r.gas_left);
		evm_result_release(&r);
		evm_result_release(&r2);
		fh_free(&h);
	}
	evm_code_free(code);
	evm_code_free(NULL);
}

static void test_empty_code(void)
{
	evm_code *code;
	CHECK_EQ_INT(evm_code_new(NULL, 0, FORK_CANCUN, &code), 0);
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	evm_message msg = top_message(500);
	evm_result r = evm_execute_code(&fh_host_table, &h, FORK_CANCUN, &msg,
	                                code);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.gas_left, 500);
	CHECK_EQ_INT(r.output_size, 0);
	evm_result_release(&r);
	evm_code_free(code);
	fh_free(&h);
}

/* A 0x5b inside PUSH data is no jump destination; one after it is. */
static void test_jumpdest_analysis(void)
{
	const uint8_t into_push[] = {OP_PUSH1, OP_JUMPDEST, OP_PUSH1, 1, OP_JUMP};
	evm_result r = run_code(FORK_CANCUN, into_push, sizeof into_push);
	CHECK_EQ_INT(r.status, EVM_BAD_JUMP_DESTINATION);
	evm_result_release(&r);

	const uint8_t real[] = {OP_PUSH1, 4, OP_JUMP, OP_INVALID, OP_JUMPDEST};
	r = run_code(FORK_CANCUN, real, sizeof real);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.gas_left, 100000 - 3 - 8 - 1);
	evm_result_release(&r);

	/* Past the end of the code, where the padding lies. */
	const uint8_t past[] = {OP_PUSH1, 3, OP_JUMP};
	r = run_code(FORK_CANCUN, past, sizeof past);
	CHECK_EQ_INT(r.status, EVM_BAD_JUMP_DESTINATION);
	evm_result_release(&r);
}

/* A PUSH cut short by the end of the code reads zeros for the missing
 * bytes, then stops. */
static void test_truncated_push(void)
{
	const uint8_t code[] = {OP_PUSH32, 0xab, 0xcd};
	evm_result r = run_code(FORK_CANCUN, code, sizeof code);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.gas_left, 100000 - 3);
	evm_result_release(&r);

	/* PUSH9 of 0x01..0x09 then RETURN of it: the unrolled loads must take
	 * exactly n bytes, whatever follows. */
	bc c = {0};
	op(&c, OP_PUSH9);
	for (uint8_t i = 1; i <= 9; i++)
		bc_byte(&c, i);
	ret_top(&c);
	r = run_code(FORK_CANCUN, c.code, c.n);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	u256 want = {{0x0203040506070809ULL, 0x01, 0, 0}}, w = fh_out_word(&r);
	CHECK(u256_eq(&w, &want));
	evm_result_release(&r);
}

static void test_per_instruction_checks(void)
{
	const uint8_t underflow[] = {OP_PUSH1, 1, OP_ADD};
	evm_result r = run_code(FORK_CANCUN, underflow, sizeof underflow);
	CHECK_EQ_INT(r.status, EVM_STACK_UNDERFLOW);
	evm_result_release(&r);

	const uint8_t undefined[] = {0x0c};
	r = run_code(FORK_CANCUN, undefined, sizeof undefined);
	CHECK_EQ_INT(r.status, EVM_UNDEFINED_INSTRUCTION);
	evm_result_release(&r);

	/* PUSH0 exists from Shanghai; before, it is undefined even with an
	 * empty stack and no gas to pay for it. */
	const uint8_t push0[] = {OP_PUSH0};
	r = run_code(FORK_LONDON, push0, sizeof push0);
	CHECK_EQ_INT(r.status, EVM_UNDEFINED_INSTRUCTION);
	evm_result_release(&r);
	r = run_code(FORK_SHANGHAI, push0, sizeof push0);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	evm_result_release(&r);

	/* 1024 items fit; the 1025th overflows. */
	uint8_t many[1025];
	memset(many, OP_PUSH0, sizeof many);
	r = run_code(FORK_CANCUN, many, 1024);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	evm_result_release(&r);
	r = run_code(FORK_CANCUN, many, 1025);
	CHECK_EQ_INT(r.status, EVM_STACK_OVERFLOW);
	evm_result_release(&r);

	/* DUP1 on a full stack overflows; SWAP1 does not grow it. */
	uint8_t full[1026];
	memset(full, OP_PUSH0, 1024);
	full[1024] = OP_SWAP1;
	full[1025] = OP_DUP1;
	r = run_code(FORK_CANCUN, full, 1025);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	evm_result_release(&r);
	r = run_code(FORK_CANCUN, full, 1026);
	CHECK_EQ_INT(r.status, EVM_STACK_OVERFLOW);
	evm_result_release(&r);

	/* Stack checks come before gas: an underflowing ADD with no gas. */
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	const uint8_t add[] = {OP_ADD};
	r = fh_run(&h, add, sizeof add, 0, NULL, 0);
	CHECK_EQ_INT(r.status, EVM_STACK_UNDERFLOW);
	evm_result_release(&r);
	fh_free(&h);
}

/* Frames are reused: memory written by one execution must read as zero
 * in the next. */
static void test_memory_fresh_after_reuse(void)
{
	bc w = {0};
	mstore(&w, 0, 0x1234);
	mstore(&w, 4000, 0x5678);
	op(&w, OP_STOP);
	evm_result r = run_code(FORK_CANCUN, w.code, w.n);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	evm_result_release(&r);

	bc rd = {0};
	push(&rd, 4000);
	op(&rd, OP_MLOAD);
	push(&rd, 0);
	op(&rd, OP_MLOAD);
	op(&rd, OP_OR);
	ret_top(&rd);
	r = run_code(FORK_CANCUN, rd.code, rd.n);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	u256 got = fh_out_word(&r);
	CHECK(u256_is_zero(&got));
	evm_result_release(&r);
}

/* Arithmetic results stored and then copied by DUP and SWAP keep every
 * limb (the copies move limbs one by one). */
static void test_dup_swap_copy_all_limbs(void)
{
	bc c = {0};
	u256 a = {{1, 2, 3, 4}}, b = {{5, 6, 7, 8}};
	push_u256(&c, &a);
	push_u256(&c, &b);
	op(&c, OP_ADD);    /* {6, 8, 10, 12} */
	push(&c, 1);
	op(&c, OP_SWAP1);  /* sum on top, 1 below */
	op(&c, OP_DUP1);
	op(&c, OP_SUB);    /* 0 */
	op(&c, OP_ADD);    /* 1 */
	ret_top(&c);
	evm_result r = run_code(FORK_CANCUN, c.code, c.n);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	u256 one = u256_from_u64(1), w = fh_out_word(&r);
	CHECK(u256_eq(&w, &one));
	evm_result_release(&r);

	bc d = {0};
	push_u256(&d, &a);
	push_u256(&d, &b);
	op(&d, OP_ADD);
	op(&d, OP_DUP1);
	op(&d, OP_SWAP1);
	op(&d, OP_POP);
	ret_top(&d);
	r = run_code(FORK_CANCUN, d.code, d.n);
	u256 sum = {{6, 8, 10, 12}};
	w = fh_out_word(&r);
	CHECK(u256_eq(&w, &sum));
	evm_result_release(&r);
}

/* Base gas and stack bounds are taken per basic block; these programs
 * would show a block charged twice, charged into the next one, or checked
 * against the wrong height. */
static void test_blocks(void)
{
	/* A JUMPDEST that starts the code is charged once. */
	const uint8_t first[] = {OP_JUMPDEST, OP_PUSH1, 1, OP_STOP};
	evm_result r = run_code(FORK_CANCUN, first, sizeof first);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.gas_left, 100000 - 1 - 3);
	evm_result_release(&r);

	/* So is one that a JUMPI, not taken, falls into. */
	const uint8_t fall[] = {OP_PUSH0, OP_PUSH0, OP_JUMPI, OP_JUMPDEST,
	                        OP_PUSH1, 1, OP_STOP};
	r = run_code(FORK_CANCUN, fall, sizeof fall);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.gas_left, 100000 - 2 - 2 - 10 - 1 - 3);
	evm_result_release(&r);

	/* GAS sees what is left after PUSH1 (3), POP (2) and itself (2), not
	 * after the rest of its block. */
	bc c = {0};
	push(&c, 7);
	op(&c, OP_POP);
	op(&c, OP_GAS);
	ret_top(&c);
	r = run_code(FORK_CANCUN, c.code, c.n);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	u256 w = fh_out_word(&r), want = u256_from_u64(100000 - 3 - 2 - 2);
	CHECK(u256_eq(&w, &want));
	evm_result_release(&r);

	/* A block whose later instruction underflows fails even though its
	 * first ones could run; so does one that a later PUSH overflows. */
	const uint8_t late[] = {OP_PUSH0, OP_POP, OP_PUSH0, OP_ADD};
	r = run_code(FORK_CANCUN, late, sizeof late);
	CHECK_EQ_INT(r.status, EVM_STACK_UNDERFLOW);
	evm_result_release(&r);

	/* Not enough gas for a whole block: out of gas, nothing left. */
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	const uint8_t three[] = {OP_PUSH0, OP_PUSH0, OP_PUSH0, OP_STOP};
	r = fh_run(&h, three, sizeof three, 5, NULL, 0);
	CHECK_EQ_INT(r.status, EVM_OUT_OF_GAS);
	evm_result_release(&r);
	r = fh_run(&h, three, sizeof three, 6, NULL, 0);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.gas_left, 0);
	evm_result_release(&r);
	fh_free(&h);

	/* Code analysed for one fork does not run under another. */
	evm_code *code;
	CHECK_EQ_INT(evm_code_new(first, sizeof first, FORK_LONDON, &code), 0);
	fh_init(&h, FORK_CANCUN);
	evm_message msg = top_message(1000);
	r = evm_execute_code(&fh_host_table, &h, FORK_CANCUN, &msg, code);
	CHECK_EQ_INT(r.status, EVM_INTERNAL_ERROR);
	evm_result_release(&r);
	evm_code_free(code);
	fh_free(&h);
}

/* Runs code[0, n) traced (every instruction on its own, as written) and
 * untraced (fused pairs, per-block checks) and checks that both end the
 * same way; returns the untraced result. */
static evm_result run_both(fork rev, const uint8_t *code, size_t n)
{
	evm_result r = run_code(rev, code, n);
	fakehost h;
	fh_init(&h, rev);
	evm_host tracing = fh_host_table;
	tracing.trace = fh_trace;
	evm_message msg = top_message(100000);
	evm_result t = evm_execute(&tracing, &h, rev, &msg, code, n);
	CHECK_EQ_INT(t.status, r.status);
	CHECK_EQ_INT(t.gas_left, r.gas_left);
	CHECK_EQ_INT(t.output_size, r.output_size);
	if (t.output_size == r.output_size && r.output_size)
		CHECK_MEM(t.output, r.output, r.output_size);
	evm_result_release(&t);
	fh_free(&h);
	return r;
}

/* Each fused pair, and pairs that must not fuse, give the same result as
 * the two instructions run one by one. */
static void test_fused_pairs(void)
{
	static const struct {
		const char *name;
		uint8_t code[24];
		size_t n;
		evm_status want;
		uint64_t top; /* the returned word, when want is SUCCESS */
	} cases[] = {
	    /* PUSH1 5, PUSH1 7 ADD: 12, returned by the common tail. */
	    {"push1 add", {0x60, 5, 0x60, 7, 0x01}, 5, EVM_SUCCESS, 12},
	    /* PUSH0 NOT, PUSH1 1 ADD: 2^256 - 1 + 1 wraps to 0. */
	    {"push1 add carries", {0x5f, 0x19, 0x60, 1, 0x01}, 5, EVM_SUCCESS,
	     0},
	    {"push1 shl", {0x60, 3, 0x60, 4, 0x1b}, 5, EVM_SUCCESS, 48},
	    {"push1 shr", {0x60, 48, 0x60, 4, 0x1c}, 5, EVM_SUCCESS, 3},
	    /* PUSH1 4 JUMP INVALID JUMPDEST PUSH1 9 */
	    {"push1 jump", {0x60, 4, 0x56, 0xfe, 0x5b, 0x60, 9}, 7, EVM_SUCCESS,
	     9},
	    {"push1 jump, no jumpdest", {0x60, 3, 0x56, 0xfe, 0x5b}, 5,
	     EVM_BAD_JUMP_DESTINATION, 0},
	    {"push2 jump", {0x61, 0, 5, 0x56, 0xfe, 0x5b, 0x60, 8}, 8,
	     EVM_SUCCESS, 8},
	    /* PUSH1 1 PUSH1 6 JUMPI INVALID JUMPDEST */
	    {"push1 jumpi taken", {0x60, 1, 0x60, 6, 0x57, 0xfe, 0x5b, 0x60, 2},
	     9, EVM_SUCCESS, 2},
	    /* PUSH0 PUSH1 5 JUMPI, falls into the JUMPDEST */
	    {"push1 jumpi not taken", {0x5f, 0x60, 5, 0x57, 0x5b, 0x5b, 0x60, 3},
	     8, EVM_SUCCESS, 3},
	    {"push1 jumpi not taken, no jumpdest after",
	     {0x5f, 0x60, 6, 0x57, 0x60, 3, 0x5b}, 7, EVM_SUCCESS, 3},
	    {"push2 jumpi not taken", {0x5f, 0x61, 0, 7, 0x57, 0x60, 4, 0x5b}, 8,
	     EVM_SUCCESS, 4},
	    {"push2 jumpi taken", {0x60, 1, 0x61, 0, 7, 0x57, 0xfe, 0x5b, 0x60,
	     6}, 10, EVM_SUCCESS, 6},
	    /* PUSH1 42 PUSH1 64 MSTORE PUSH1 64 MLOAD */
	    {"push1 mload", {0x60, 42, 0x60, 64, 0x52, 0x60, 64, 0x51}, 8,
	     EVM_SUCCESS, 42},
	    {"push2 mload grows", {0x61, 0x01, 0x00, 0x51}, 4, EVM_SUCCESS, 0},
	    /* PUSH1 96 PUSH1 77 DUP2 MSTORE (offset 96) MLOAD */
	    {"dup2 mstore", {0x60, 96, 0x60, 77, 0x81, 0x52, 0x51}, 7,
	     EVM_SUCCESS, 77},
	    {"dup2 mstore, huge offset", {0x63, 0xff, 0xff, 0xff, 0xff, 0x60, 1,
	     0x81, 0x52}, 9, EVM_OUT_OF_GAS, 0},
	    /* PUSH1 64 PUSH1 9 DUP2 MSTORE MLOAD */
	    {"push1 dup2 mstore", {0x60, 64, 0x60, 9, 0x81, 0x52, 0x51}, 7,
	     EVM_SUCCESS, 9},
	    /* PUSH0 ISZERO PUSH2 7 JUMPI INVALID JUMPDEST PUSH1 5 */
	    {"iszero push2 jumpi taken", {0x5f, 0x15, 0x61, 0, 7, 0x57, 0xfe,
	     0x5b, 0x60, 5}, 10, EVM_SUCCESS, 5},
	    /* PUSH1 1 ISZERO PUSH2 9 JUMPI PUSH1 6 JUMPDEST */
	    {"iszero push2 jumpi not taken", {0x60, 1, 0x15, 0x61, 0, 9, 0x57,
	     0x60, 6, 0x5b}, 10, EVM_SUCCESS, 6},
	    {"iszero push2 jumpi, no jumpdest", {0x5f, 0x15, 0x61, 0, 6, 0x57,
	     0xfe}, 7, EVM_BAD_JUMP_DESTINATION, 0},
	    {"swap1 pop", {0x60, 1, 0x60, 2, 0x90, 0x50}, 6, EVM_SUCCESS, 2},
	    /* PUSH1 1 PUSH1 2 PUSH1 3 SWAP2 POP POP: 3 took 1's place. */
	    {"swap2 pop", {0x60, 1, 0x60, 2, 0x60, 3, 0x91, 0x50, 0x50}, 9,
	     EVM_SUCCESS, 3},
	    /* PUSH1 42 PUSH1 64 MSTORE PUSH1 32 DUP1 ADD MLOAD */
	    {"add mload", {0x60, 42, 0x60, 64, 0x52, 0x60, 32, 0x80, 0x01, 0x51},
	     10, EVM_SUCCESS, 42},
	    /* PUSH0 NOT DUP1 ADD MLOAD: offset 2^256 - 2 */
	    {"add mload, huge offset", {0x5f, 0x19, 0x80, 0x01, 0x51}, 5,
	     EVM_OUT_OF_GAS, 0},
	    {"pop pop", {0x60, 1, 0x60, 2, 0x60, 3, 0x50, 0x50}, 8, EVM_SUCCESS,
	     1},
	    {"pop pop underflows", {0x60, 1, 0x50, 0x50}, 4, EVM_STACK_UNDERFLOW,
	     0},
	    /* Runs of JUMPDESTs: entered at the start, in the middle (jumped
	     * to), or fallen into from a JUMPI. */
	    {"jumpdest run", {0x5b, 0x5b, 0x5b, 0x60, 7}, 5, EVM_SUCCESS, 7},
	    {"jump into a run", {0x60, 4, 0x56, 0x5b, 0x5b, 0x5b, 0x60, 9}, 8,
	     EVM_SUCCESS, 9},
	    {"jumpi falls into a run", {0x5f, 0x60, 6, 0x57, 0x5b, 0x5b, 0x5b,
	     0x60, 3}, 9, EVM_SUCCESS, 3},
	    {"run then underflow", {0x5b, 0x5b, 0x01}, 3, EVM_STACK_UNDERFLOW,
	     0},
	    /* A byte that is a fused value in our copy is undefined code. */
	    {"fused value in the code", {0x60, 1, 0xb0}, 3,
	     EVM_UNDEFINED_INSTRUCTION, 0},
	    /* A pair cut by the end of the code is a PUSH and a STOP. */
	    {"pair at the end", {0x60, 1, 0x60, 2}, 4, EVM_SUCCESS, 2},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		bc c = {0};
		for (size_t k = 0; k < cases[i].n; k++)
			bc_byte(&c, cases[i].code[k]);
		bool returns = cases[i].want == EVM_SUCCESS;
		if (returns)
			ret_top(&c);
		evm_result r = run_both(FORK_CANCUN, c.code, c.n);
		CHECK_EQ_INT(r.status, cases[i].want);
		u256 w = fh_out_word(&r), want = u256_from_u64(cases[i].top);
		if (returns && !u256_eq(&w, &want))
			fprintf(stderr, "case '%s': wrong result\n", cases[i].name);
		CHECK(!returns || u256_eq(&w, &want));
		evm_result_release(&r);
	}

	/* SHL and SHR came with Constantinople: before it the pair is not
	 * fused and the shift is undefined. */
	const uint8_t shl[] = {0x60, 3, 0x60, 4, 0x1b};
	evm_result r = run_both(FORK_BYZANTIUM, shl, sizeof shl);
	CHECK_EQ_INT(r.status, EVM_UNDEFINED_INSTRUCTION);
	evm_result_release(&r);
}

/* A block whose base gas passes 2^32 (5.4 million CALLVALUE SLOAD POP at
 * 804 gas each, Istanbul) cannot be charged at once: the frame checks each
 * instruction instead and charges exactly. */
static void test_huge_block(void)
{
	size_t reps = 5400000, n = 3 * reps + 1;
	uint8_t *code = malloc(n);
	CHECK(code != NULL);
	if (!code)
		return;
	for (size_t i = 0; i < reps; i++) {
		code[3 * i] = OP_CALLVALUE;
		code[3 * i + 1] = OP_SLOAD;
		code[3 * i + 2] = OP_POP;
	}
	code[n - 1] = OP_STOP;
	fakehost h;
	fh_init(&h, FORK_ISTANBUL);
	int64_t gas = 5000000000;
	evm_result r = fh_run(&h, code, n, gas, NULL, 0);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK(r.gas_left == gas - (int64_t)reps * 804);
	evm_result_release(&r);
	fh_free(&h);
	free(code);
}

TEST_MAIN(test_analysed_code_runs_many_times, test_empty_code,
          test_jumpdest_analysis, test_truncated_push,
          test_per_instruction_checks, test_memory_fresh_after_reuse,
          test_dup_swap_copy_all_limbs, test_blocks, test_fused_pairs,
          test_huge_block)
