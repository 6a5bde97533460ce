/* EIP-3855 (Shanghai): PUSH0 pushes zero for 2 gas; undefined before. */
#include "evm_builder.h"
#include "evm_fakehost.h"
#include "test.h"

static void test_push0(void)
{
	fakehost h;
	fh_init(&h, FORK_SHANGHAI);
	bc c = {0};
	push(&c, 5);
	op(&c, OP_PUSH0);
	op(&c, OP_ADD); /* 5 + 0 */
	ret_top(&c);
	evm_result r = fh_run(&h, c.code, c.n, 1000, NULL, 0);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(1000 - r.gas_left, 3 + 2 + 3 + 4 * 3 + 3);
	CHECK_EQ_INT(r.output_size, 32);
	CHECK_EQ_INT(r.output[31], 5);
	evm_result_release(&r);
}

static void test_before_shanghai(void)
{
	fakehost h;
	fh_init(&h, FORK_PARIS);
	bc c = {0};
	op(&c, OP_PUSH0);
	evm_result r = fh_run(&h, c.code, c.n, 1000, NULL, 0);
	CHECK_EQ_INT(r.status, EVM_UNDEFINED_INSTRUCTION);
	CHECK_EQ_INT(r.gas_left, 0);
}

static void test_overflow(void)
{
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	bc c = {0};
	for (int i = 0; i < 1025; i++)
		op(&c, OP_PUSH0);
	evm_result r = fh_run(&h, c.code, c.n, 100000, NULL, 0);
	CHECK_EQ_INT(r.status, EVM_STACK_OVERFLOW);
}

TEST_MAIN(test_push0, test_before_shanghai, test_overflow)
