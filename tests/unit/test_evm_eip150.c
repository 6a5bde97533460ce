/* EIP-150 (Tangerine Whistle): a call passes at most all but one 64th of
 * the gas left after its own charges; CREATE passes exactly that. Before
 * it, asking for more gas than is left is out of gas. The 2300 stipend of
 * a value transfer comes on top and is not charged to the caller. */
#include "evm_builder.h"
#include "evm_fakehost.h"
#include "test.h"

/* Calls a contract that returns the GAS it sees first, asking for `ask`,
 * with `value`; returns the callee's reported gas, or -1 on failure. */
static int64_t callee_gas(fork rev, int64_t gas, uint64_t ask, uint64_t value,
                          evm_status *st)
{
	fakehost h;
	fh_init(&h, rev);
	address other = fh_addr(0x40), self = fh_addr(FH_SELF);
	fh_set_balance(&h, &self, 1000);
	static bc probe;
	memset(&probe, 0, sizeof probe);
	op(&probe, OP_GAS);
	ret_top(&probe);
	fh_set_code(&h, &other, probe.code, probe.n);
	bc c = {0};
	call_op(&c, OP_CALL, ask, &other, value, 0, 0, 0, 32);
	op(&c, OP_POP);
	ret(&c, 0, 32);
	evm_result r = fh_run(&h, c.code, c.n, gas, NULL, 0);
	*st = r.status;
	int64_t seen = -1;
	if (r.status == EVM_SUCCESS && r.output_size == 32)
		seen = (int64_t)u256_from_be(r.output, 32).w[0];
	evm_result_release(&r);
	return seen;
}

static void test_all_but_one_64th(void)
{
	evm_status st;
	/* Tangerine, target exists (has code), cold access not a thing:
	 * gas after pushes (21) and CALL (700): 100000 - 721 = 99279, and
	 * memory for the 32-byte output (3): 99276. */
	int64_t avail = 100000 - 21 - 700 - 3;
	int64_t cap = avail - avail / 64;
	int64_t seen = callee_gas(FORK_TANGERINE, 100000, 1000000, 0, &st);
	CHECK_EQ_INT(st, EVM_SUCCESS);
	CHECK_EQ_INT(seen, cap - 2); /* GAS itself costs 2 */
	/* Asking less than the cap passes exactly what was asked. */
	seen = callee_gas(FORK_TANGERINE, 100000, 5000, 0, &st);
	CHECK_EQ_INT(seen, 5000 - 2);
}

static void test_stipend(void)
{
	evm_status st;
	int64_t seen = callee_gas(FORK_CANCUN, 100000, 0, 1, &st);
	CHECK_EQ_INT(st, EVM_SUCCESS);
	CHECK_EQ_INT(seen, 2300 - 2);
}

static void test_frontier_no_cap(void)
{
	evm_status st;
	int64_t avail = 100000 - 21 - 40 - 3;
	int64_t seen = callee_gas(FORK_HOMESTEAD, 100000, (uint64_t)avail, 0, &st);
	CHECK_EQ_INT(st, EVM_SUCCESS);
	CHECK_EQ_INT(seen, avail - 2);
	seen = callee_gas(FORK_HOMESTEAD, 100000, (uint64_t)avail + 1, 0, &st);
	CHECK_EQ_INT(st, EVM_OUT_OF_GAS);
}

static void test_create_gas(void)
{
	/* CREATE with initcode "GAS, PUSH0 MSTORE ... REVERT": the child
	 * reverts with the gas it saw, which the parent reads back. */
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	bc init = {0};
	op(&init, OP_GAS);
	push(&init, 0);
	op(&init, OP_MSTORE);
	push(&init, 32);
	push(&init, 0);
	op(&init, OP_REVERT);
	bc c = {0};
	uint8_t word[32] = {0};
	memcpy(word, init.code, init.n);
	push_bytes(&c, word, 32);
	push(&c, 0);
	op(&c, OP_MSTORE);
	push(&c, init.n);
	push(&c, 0);
	push(&c, 0);
	op(&c, OP_CREATE);
	op(&c, OP_POP);
	push(&c, 32);
	push(&c, 0);
	push(&c, 0);
	op(&c, OP_RETURNDATACOPY);
	ret(&c, 0, 32);
	evm_result r = fh_run(&h, c.code, c.n, 100000, NULL, 0);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	/* MSTORE with its memory, the pushes, CREATE and EIP-3860's word. */
	int64_t avail = 100000 - (3 + 3 + 3 + 3) - (3 * 3 + 32000) - 2;
	int64_t seen = r.output_size == 32
	                   ? (int64_t)u256_from_be(r.output, 32).w[0]
	                   : -1;
	CHECK_EQ_INT(seen, avail - avail / 64 - 2);
	evm_result_release(&r);
	fh_free(&h);
}

TEST_MAIN(test_all_but_one_64th, test_stipend, test_frontier_no_cap,
          test_create_gas)
