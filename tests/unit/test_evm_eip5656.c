/* EIP-5656 (Cancun): MCOPY copies within memory with memmove semantics,
 * charging 3 per word copied plus expansion to the larger of source and
 * destination regions. Cases from the EIP. */
#include "evm_builder.h"
#include "evm_fakehost.h"
#include "test.h"

/* Runs MCOPY(dst, src, size) over 256 bytes of memory pre-filled with
 * bytes i (at offset i), returning the first 256 bytes; reports the gas
 * used by the MCOPY instruction and its pushes. */
static void mcopy_case(uint64_t dst, uint64_t src, uint64_t size,
                       uint8_t mem[256], int64_t *mcopy_gas)
{
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	bc c = {0};
	for (int w = 0; w < 8; w++) {
		uint8_t word[32];
		for (int i = 0; i < 32; i++)
			word[i] = (uint8_t)(32 * w + i);
		push_bytes(&c, word, 32);
		push(&c, (uint64_t)(32 * w));
		op(&c, OP_MSTORE);
	}
	op(&c, OP_GAS);
	push(&c, size);
	push(&c, src);
	push(&c, dst);
	op(&c, OP_MCOPY);
	op(&c, OP_GAS);
	op(&c, OP_SWAP1);
	op(&c, OP_SUB); /* gas before - gas after */
	push(&c, 0x200);
	op(&c, OP_MSTORE);
	ret(&c, 0, 0x220);
	evm_result r = fh_run(&h, c.code, c.n, 100000, NULL, 0);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.output_size, 0x220);
	if (r.output_size == 0x220) {
		memcpy(mem, r.output, 256);
		/* GAS itself (2) and SWAP1 are outside: GAS..GAS measures the
		 * three pushes, MCOPY and the second GAS. */
		*mcopy_gas = (int64_t)u256_from_be(r.output + 0x200, 32).w[0] - 2;
	}
	evm_result_release(&r);
}

static void test_copies(void)
{
	uint8_t mem[256];
	int64_t gas = 0;
	/* Non-overlapping: 32 bytes from 32 to 0. */
	mcopy_case(0, 32, 32, mem, &gas);
	CHECK_EQ_INT(mem[0], 32);
	CHECK_EQ_INT(mem[31], 63);
	CHECK_EQ_INT(mem[32], 32);
	CHECK_EQ_INT(gas, 9 + 3 + 3);
	/* Overlapping forward: memmove semantics. */
	mcopy_case(1, 0, 8, mem, &gas);
	for (int i = 0; i < 8; i++)
		CHECK_EQ_INT(mem[1 + i], i);
	CHECK_EQ_INT(mem[9], 9);
	/* Overlapping backward. */
	mcopy_case(0, 1, 8, mem, &gas);
	for (int i = 0; i < 8; i++)
		CHECK_EQ_INT(mem[i], i + 1);
	/* Zero size: no cost beyond the base, any offset. */
	mcopy_case(0xffffff, 0xffffff, 0, mem, &gas);
	CHECK_EQ_INT(gas, 9 + 3);
}

static void test_expansion(void)
{
	/* Copying 32 bytes to 0x100 (memory is 0x220 bytes at the end, but
	 * at MCOPY time it is 0x100): one word of copy, one word of
	 * expansion. */
	uint8_t mem[256];
	int64_t gas = 0;
	mcopy_case(0x100, 0, 32, mem, &gas);
	CHECK_EQ_INT(gas, 9 + 3 + 3 + 3 + (9 * 9 / 512 - 8 * 8 / 512));
	/* Reading past memory expands it too. */
	mcopy_case(0, 0x100, 1, mem, &gas);
	CHECK_EQ_INT(gas, 9 + 3 + 3 + 3);
	CHECK_EQ_INT(mem[0], 0);
}

static void test_huge_is_out_of_gas(void)
{
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	bc c = {0};
	push(&c, 1);
	push_u256(&c, &U256_MAX);
	push(&c, 0);
	op(&c, OP_MCOPY);
	evm_result r = fh_run(&h, c.code, c.n, 1000000, NULL, 0);
	CHECK_EQ_INT(r.status, EVM_OUT_OF_GAS);
	CHECK_EQ_INT(r.gas_left, 0);
}

TEST_MAIN(test_copies, test_expansion, test_huge_is_out_of_gas)
