/* EIP-3860 (Shanghai): initcode limited to 49152 bytes (more is an
 * exceptional halt) and charged 2 gas per word; CREATE2 also pays 6 per
 * word for hashing (EIP-1014). */
#include "evm_builder.h"
#include "evm_fakehost.h"
#include "test.h"

/* CREATE or CREATE2 of `size` zero bytes of initcode (all STOPs: nothing
 * is deployed) with salt 0. Returns the result; gas used via *used. */
static evm_status create_of(fork rev, uint8_t opcode, uint64_t size,
                            int64_t gas, int64_t *used)
{
	fakehost h;
	fh_init(&h, rev);
	bc c = {0};
	if (opcode == OP_CREATE2)
		push(&c, 0);
	push(&c, size);
	push(&c, 0);
	push(&c, 0);
	op(&c, opcode);
	evm_result r = fh_run(&h, c.code, c.n, gas, NULL, 0);
	*used = gas - r.gas_left;
	fh_free(&h);
	return r.status;
}

static int64_t mem_cost(int64_t words)
{
	return 3 * words + words * words / 512;
}

static void test_limit(void)
{
	int64_t used;
	CHECK_EQ_INT(create_of(FORK_SHANGHAI, OP_CREATE, 49152, 1000000, &used),
	             EVM_SUCCESS);
	int64_t words = 49152 / 32;
	/* pushes, 32000, memory, 2 per word; the child (STOP) uses nothing. */
	CHECK_EQ_INT(used, 9 + 32000 + mem_cost(words) + 2 * words);
	CHECK_EQ_INT(create_of(FORK_SHANGHAI, OP_CREATE, 49153, 1000000, &used),
	             EVM_OUT_OF_GAS);
	CHECK_EQ_INT(used, 1000000);
	CHECK_EQ_INT(create_of(FORK_SHANGHAI, OP_CREATE2, 49153, 1000000, &used),
	             EVM_OUT_OF_GAS);
	/* Before Shanghai: no limit (the deposit limit is elsewhere) and no
	 * word charge. */
	CHECK_EQ_INT(create_of(FORK_PARIS, OP_CREATE, 49153, 1000000, &used),
	             EVM_SUCCESS);
	words = (49153 + 31) / 32;
	CHECK_EQ_INT(used, 9 + 32000 + mem_cost(words));
}

static void test_create2_word_costs(void)
{
	int64_t used;
	CHECK_EQ_INT(create_of(FORK_SHANGHAI, OP_CREATE2, 64, 1000000, &used),
	             EVM_SUCCESS);
	CHECK_EQ_INT(used, 12 + 32000 + mem_cost(2) + 2 * 2 + 6 * 2);
	CHECK_EQ_INT(create_of(FORK_PARIS, OP_CREATE2, 64, 1000000, &used),
	             EVM_SUCCESS);
	CHECK_EQ_INT(used, 12 + 32000 + mem_cost(2) + 6 * 2);
	CHECK_EQ_INT(create_of(FORK_BYZANTIUM, OP_CREATE2, 64, 1000000, &used),
	             EVM_UNDEFINED_INSTRUCTION);
}

TEST_MAIN(test_limit, test_create2_word_costs)
