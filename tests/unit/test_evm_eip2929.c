/* EIP-2929 (Berlin): cold and warm access costs for accounts and storage
 * slots, precompiles always warm; and the pre-Berlin flat costs
 * (EIP-150, EIP-1884) for the same instructions. */
#include "evm_builder.h"
#include "evm_fakehost.h"
#include "test.h"

/* Gas used by `opcode` applied twice to the same address (each result
 * popped), minus the pushes and POPs. */
static void account_op_twice(fork rev, uint8_t opcode, const address *a,
                             int64_t want_first, int64_t want_second)
{
	fakehost h;
	fh_init(&h, rev);
	bc c = {0};
	push_addr(&c, a);
	op(&c, opcode);
	op(&c, OP_POP);
	evm_result r = fh_run(&h, c.code, c.n, 100000, NULL, 0);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(100000 - r.gas_left - 3 - 2, want_first);
	r = fh_run(&h, c.code, c.n, 100000, NULL, 0);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(100000 - r.gas_left - 3 - 2, want_second);
}

static void test_account_access(void)
{
	address other = fh_addr(0x40);
	uint8_t ops[3] = {OP_BALANCE, OP_EXTCODESIZE, OP_EXTCODEHASH};
	for (int i = 0; i < 3; i++)
		account_op_twice(FORK_BERLIN, ops[i], &other, 2600, 100);
	/* Precompiles and the executing account start warm. */
	address ecrec = {{0}};
	ecrec.b[19] = 1;
	account_op_twice(FORK_BERLIN, OP_BALANCE, &ecrec, 100, 100);
	address self = fh_addr(FH_SELF);
	account_op_twice(FORK_CANCUN, OP_BALANCE, &self, 100, 100);
	/* Before Berlin: one flat price. */
	account_op_twice(FORK_ISTANBUL, OP_BALANCE, &other, 700, 700);
	account_op_twice(FORK_ISTANBUL, OP_EXTCODEHASH, &other, 700, 700);
	account_op_twice(FORK_CONSTANTINOPLE, OP_EXTCODEHASH, &other, 400, 400);
	account_op_twice(FORK_TANGERINE, OP_BALANCE, &other, 400, 400);
	account_op_twice(FORK_HOMESTEAD, OP_BALANCE, &other, 20, 20);
	account_op_twice(FORK_TANGERINE, OP_EXTCODESIZE, &other, 700, 700);
}

static void test_extcodecopy(void)
{
	fakehost h;
	fh_init(&h, FORK_BERLIN);
	address other = fh_addr(0x40);
	uint8_t code[3] = {0x11, 0x22, 0x33};
	fh_set_code(&h, &other, code, sizeof code);
	bc c = {0};
	push(&c, 4);        /* size */
	push(&c, 1);        /* code offset */
	push(&c, 0);        /* memory offset */
	push_addr(&c, &other);
	op(&c, OP_EXTCODECOPY);
	ret(&c, 0, 4);
	evm_result r = fh_run(&h, c.code, c.n, 100000, NULL, 0);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(100000 - r.gas_left, 4 * 3 + 2600 + 3 + 3 + 2 * 3);
	uint8_t want[4] = {0x22, 0x33, 0, 0};
	CHECK_EQ_INT(r.output_size, 4);
	CHECK_MEM(r.output, want, 4);
	evm_result_release(&r);
}

static void test_sload(void)
{
	fork forks[5] = {FORK_FRONTIER, FORK_TANGERINE, FORK_ISTANBUL,
	                 FORK_BERLIN, FORK_CANCUN};
	int64_t first[5] = {50, 200, 800, 2100, 2100};
	int64_t second[5] = {50, 200, 800, 100, 100};
	for (int i = 0; i < 5; i++) {
		fakehost h;
		fh_init(&h, forks[i]);
		bc c = {0};
		sload(&c, 7);
		sload(&c, 7);
		evm_result r = fh_run(&h, c.code, c.n, 100000, NULL, 0);
		CHECK_EQ_INT(r.status, EVM_SUCCESS);
		CHECK_EQ_INT(100000 - r.gas_left, 6 + first[i] + second[i]);
	}
}

static void test_sstore_cold(void)
{
	fakehost h;
	fh_init(&h, FORK_BERLIN);
	bc c = {0};
	sstore(&c, 3, 1);
	evm_result r = fh_run(&h, c.code, c.n, 100000, NULL, 0);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(100000 - r.gas_left, 6 + 2100 + 20000);
	/* SLOAD after SSTORE finds the slot warm. */
	bc d = {0};
	sstore(&d, 4, 1);
	sload(&d, 4);
	fh_init(&h, FORK_BERLIN);
	r = fh_run(&h, d.code, d.n, 100000, NULL, 0);
	CHECK_EQ_INT(100000 - r.gas_left, 9 + 2100 + 20000 + 100);
}

static void test_call_cold(void)
{
	fakehost h;
	fh_init(&h, FORK_BERLIN);
	address other = fh_addr(0x40);
	fh_set_balance(&h, &other, 1); /* exists, no code */
	bc c = {0};
	call_op(&c, OP_CALL, 0, &other, 0, 0, 0, 0, 0);
	call_op(&c, OP_CALL, 0, &other, 0, 0, 0, 0, 0);
	evm_result r = fh_run(&h, c.code, c.n, 100000, NULL, 0);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(100000 - r.gas_left, 14 * 3 + 2600 + 100);
	CHECK_EQ_INT(h.ncalls, 2);

	/* A reverted frame's warm set is not the interpreter's concern, but a
	 * STATICCALL and a DELEGATECALL are charged the same way. */
	bc d = {0};
	call_op(&d, OP_STATICCALL, 0, &other, 0, 0, 0, 0, 0);
	call_op(&d, OP_DELEGATECALL, 0, &other, 0, 0, 0, 0, 0);
	fh_init(&h, FORK_BERLIN);
	fh_set_balance(&h, &other, 1);
	r = fh_run(&h, d.code, d.n, 100000, NULL, 0);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(100000 - r.gas_left, 12 * 3 + 2600 + 100);
}

static void test_selfdestruct_cold(void)
{
	fakehost h;
	fh_init(&h, FORK_BERLIN);
	address other = fh_addr(0x40);
	fh_set_balance(&h, &other, 1);
	bc c = {0};
	push_addr(&c, &other);
	op(&c, OP_SELFDESTRUCT);
	evm_result r = fh_run(&h, c.code, c.n, 100000, NULL, 0);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(100000 - r.gas_left, 3 + 5000 + 2600);
}

TEST_MAIN(test_account_access, test_extcodecopy, test_sload, test_sstore_cold,
          test_call_cold, test_selfdestruct_cold)
