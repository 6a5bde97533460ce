/* The per-fork tables built from the opcode list: base costs patched fork
 * by fork, opcodes undefined before their fork, names and stack traits. */
#include "test.h"

#include "evm/opcodes.h"

static void test_costs_by_fork(void)
{
	struct {
		uint8_t op;
		int16_t cost[FORK_COUNT_];
	} rows[] = {
		/* Frontier Homestead Tangerine Spurious Byzantium Constantinople
		 * Petersburg Istanbul Berlin London Paris Shanghai Cancun */
		{OP_BALANCE, {20, 20, 400, 400, 400, 400, 400, 700, 100, 100, 100, 100, 100}},
		{OP_SLOAD, {50, 50, 200, 200, 200, 200, 200, 800, 100, 100, 100, 100, 100}},
		{OP_EXTCODEHASH, {-1, -1, -1, -1, -1, 400, 400, 700, 100, 100, 100, 100, 100}},
		{OP_CALL, {40, 40, 700, 700, 700, 700, 700, 700, 100, 100, 100, 100, 100}},
		{OP_DELEGATECALL, {-1, 40, 700, 700, 700, 700, 700, 700, 100, 100, 100, 100, 100}},
		{OP_STATICCALL, {-1, -1, -1, -1, 700, 700, 700, 700, 100, 100, 100, 100, 100}},
		{OP_SELFDESTRUCT, {0, 0, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000}},
		{OP_SHL, {-1, -1, -1, -1, -1, 3, 3, 3, 3, 3, 3, 3, 3}},
		{OP_CHAINID, {-1, -1, -1, -1, -1, -1, -1, 2, 2, 2, 2, 2, 2}},
		{OP_SELFBALANCE, {-1, -1, -1, -1, -1, -1, -1, 5, 5, 5, 5, 5, 5}},
		{OP_BASEFEE, {-1, -1, -1, -1, -1, -1, -1, -1, -1, 2, 2, 2, 2}},
		{OP_PUSH0, {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 2, 2}},
		{OP_TLOAD, {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 100}},
		{OP_MCOPY, {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 3}},
		{OP_BLOBHASH, {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 3}},
		{OP_BLOBBASEFEE, {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 2}},
		{OP_LOG4, {1875, 1875, 1875, 1875, 1875, 1875, 1875, 1875, 1875, 1875, 1875, 1875, 1875}},
		{0x0c, {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1}},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		for (int f = 0; f < FORK_COUNT_; f++) {
			int16_t got = evm_gas_table((fork)f)[rows[i].op];
			if (got != rows[i].cost[f])
				fprintf(stderr, "op 0x%02x at %s\n", rows[i].op,
				        fork_name((fork)f));
			CHECK_EQ_INT(got, rows[i].cost[f]);
			CHECK_EQ_INT(evm_instr_table((fork)f)[rows[i].op].cost, got);
		}
	}
}

static void test_traits(void)
{
	CHECK(strcmp(evm_op_name(OP_PUSH32), "PUSH32") == 0);
	CHECK(strcmp(evm_op_name(OP_KECCAK256), "KECCAK256") == 0);
	CHECK(evm_op_name(0xef) == NULL);
	CHECK_EQ_INT(evm_op_traits_table[OP_PUSH17].immediate_size, 17);
	CHECK_EQ_INT(evm_op_traits_table[OP_CALL].stack_in, 7);
	CHECK_EQ_INT(evm_op_traits_table[OP_CALL].stack_change, -6);
	CHECK_EQ_INT(evm_op_traits_table[OP_DUP16].stack_in, 16);
	CHECK_EQ_INT(evm_op_traits_table[OP_DUP16].stack_change, 1);
	CHECK_EQ_INT(evm_op_traits_table[OP_SWAP16].stack_in, 17);
	CHECK_EQ_INT(evm_op_traits_table[OP_SWAP16].stack_change, 0);
	/* Every named opcode is defined in Cancun; every other is not. */
	const int16_t *cancun = evm_gas_table(FORK_CANCUN);
	int defined = 0;
	for (int op = 0; op < 256; op++) {
		CHECK((evm_op_name((uint8_t)op) != NULL) == (cancun[op] >= 0));
		defined += cancun[op] >= 0;
	}
	CHECK_EQ_INT(defined, 149);
}

TEST_MAIN(test_costs_by_fork, test_traits)
