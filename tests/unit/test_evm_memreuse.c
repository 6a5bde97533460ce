/* Memory reads as zero in every new frame, although frames and their
 * memory buffers are recycled dirty: a frame that filled its memory with
 * ones must leave nothing behind for the next, whichever way the next one
 * grows its memory (MLOAD, MSTORE8, RETURN). */
#include "evm_builder.h"
#include "evm_fakehost.h"
#include "test.h"

#include "evm/opcodes.h"

#define WORDS 64

static evm_result run(const bc *c)
{
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	evm_result r = fh_run(&h, c->code, c->n, 1000000, NULL, 0);
	fh_free(&h);
	return r;
}

/* Fills WORDS words of memory with ones, then returns them so that the
 * test knows the fill happened. */
static void dirty(void)
{
	bc c = {0};
	u256 ones = U256_MAX;
	for (uint64_t k = 0; k < WORDS; k++) {
		push_u256(&c, &ones);
		push(&c, k * 32);
		op(&c, OP_MSTORE);
	}
	ret(&c, 0, WORDS * 32);
	evm_result r = run(&c);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.output_size, WORDS * 32);
	if (r.output_size == WORDS * 32)
		CHECK(r.output[0] == 0xff && r.output[WORDS * 32 - 1] == 0xff);
	evm_result_release(&r);
}

static void test_mload_after_reuse(void)
{
	dirty();
	bc c = {0};
	push(&c, 0);
	for (uint64_t k = 0; k < WORDS; k++) {
		push(&c, k * 32 + (k & 7));
		op(&c, OP_MLOAD);
		op(&c, OP_OR);
	}
	ret_top(&c);
	evm_result r = run(&c);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.output_size, 32);
	if (r.output_size == 32) {
		u256 w = u256_from_be(r.output, 32);
		CHECK(u256_is_zero(&w));
	}
	evm_result_release(&r);
}

static void test_mstore8_and_return_after_reuse(void)
{
	dirty();
	bc c = {0};
	push(&c, 0x5a);
	push(&c, 100);
	op(&c, OP_MSTORE8);
	ret(&c, 0, WORDS * 32);
	evm_result r = run(&c);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.output_size, WORDS * 32);
	if (r.output_size == WORDS * 32) {
		size_t nonzero = 0;
		for (size_t i = 0; i < r.output_size; i++)
			nonzero += r.output[i] != 0;
		CHECK_EQ_INT(nonzero, 1);
		CHECK_EQ_INT(r.output[100], 0x5a);
	}
	evm_result_release(&r);
}

TEST_MAIN(test_mload_after_reuse, test_mstore8_and_return_after_reuse)
