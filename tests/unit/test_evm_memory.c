/* Memory: quadratic expansion cost, word rounding, MSIZE, zero-size
 * accesses at any offset, absurd offsets out of gas without allocating. */
#include "evm_builder.h"
#include "evm_fakehost.h"
#include "test.h"

static int64_t mem_cost(int64_t words)
{
	return 3 * words + words * words / 512;
}

/* Gas used by MSTORE8 at off (pushes included), from empty memory. */
static int64_t mstore8_at(uint64_t off, evm_status *st)
{
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	bc c = {0};
	push(&c, 1);
	push(&c, off);
	op(&c, OP_MSTORE8);
	evm_result r = fh_run(&h, c.code, c.n, 100000000, NULL, 0);
	*st = r.status;
	return 100000000 - r.gas_left;
}

static void test_quadratic(void)
{
	evm_status st;
	uint64_t offs[4] = {0, 31, 32, 1024 * 32 - 1};
	int64_t words[4] = {1, 1, 2, 1024};
	for (int i = 0; i < 4; i++) {
		CHECK_EQ_INT(mstore8_at(offs[i], &st), 9 + mem_cost(words[i]));
		CHECK_EQ_INT(st, EVM_SUCCESS);
	}
	/* 1024 words: 3072 + 2048 = 5120 */
	CHECK_EQ_INT(mem_cost(1024), 5120);
}

static void test_msize_and_growth(void)
{
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	bc c = {0};
	push(&c, 1);
	push(&c, 33);
	op(&c, OP_MSTORE8); /* 2 words */
	push(&c, 0);
	op(&c, OP_MLOAD);   /* no growth */
	op(&c, OP_POP);
	op(&c, OP_MSIZE);
	ret_top(&c);
	evm_result r = fh_run(&h, c.code, c.n, 1000, NULL, 0);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.output_size, 32);
	CHECK_EQ_INT(r.output[31], 64);
	CHECK_EQ_INT(1000 - r.gas_left,
	             9 + mem_cost(2) + 6 + 2 + 2 + 4 * 3);
	evm_result_release(&r);
}

static void test_zero_size_any_offset(void)
{
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	uint8_t ops[3] = {OP_RETURN, OP_REVERT, OP_KECCAK256};
	for (int i = 0; i < 3; i++) {
		bc c = {0};
		push(&c, 0);
		push_u256(&c, &U256_MAX);
		op(&c, ops[i]);
		evm_result r = fh_run(&h, c.code, c.n, 1000, NULL, 0);
		CHECK(r.status == EVM_SUCCESS || r.status == EVM_REVERT);
		CHECK_EQ_INT(r.output_size, 0);
		evm_result_release(&r);
	}
	/* CALLDATACOPY of 0 bytes at a huge offset, then MSIZE stays 0. */
	bc c = {0};
	push(&c, 0);
	push(&c, 0);
	push_u256(&c, &U256_MAX);
	op(&c, OP_CALLDATACOPY);
	op(&c, OP_MSIZE);
	push(&c, 0);
	op(&c, OP_MSTORE);
	ret(&c, 0, 32);
	evm_result r = fh_run(&h, c.code, c.n, 1000, NULL, 0);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.output_size, 32);
	CHECK_EQ_INT(r.output[31], 0);
	evm_result_release(&r);
}

static void test_absurd_offsets(void)
{
	evm_status st;
	uint64_t offs[3] = {(uint64_t)1 << 32, UINT64_MAX, (uint64_t)1 << 40};
	for (int i = 0; i < 3; i++) {
		CHECK_EQ_INT(mstore8_at(offs[i], &st), 100000000);
		CHECK_EQ_INT(st, EVM_OUT_OF_GAS);
	}
	/* An offset above 2^64 as well. */
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	bc c = {0};
	push(&c, 32);
	push_u256(&c, &U256_MAX);
	op(&c, OP_RETURN);
	evm_result r = fh_run(&h, c.code, c.n, INT64_MAX, NULL, 0);
	CHECK_EQ_INT(r.status, EVM_OUT_OF_GAS);
	/* A size just under 2^32 costs more than 30M gas: out of gas, and
	 * nothing that large is allocated. */
	bc k = {0};
	push(&k, 0xffffffe0);
	push(&k, 0);
	op(&k, OP_KECCAK256);
	r = fh_run(&h, k.code, k.n, 30000000, NULL, 0);
	CHECK_EQ_INT(r.status, EVM_OUT_OF_GAS);
}

TEST_MAIN(test_quadratic, test_msize_and_growth, test_zero_size_any_offset,
          test_absurd_offsets)
