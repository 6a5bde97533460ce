/* EIP-1153 (Cancun): TLOAD and TSTORE, 100 gas each, per-account
 * transient slots, TSTORE forbidden in static mode. */
#include "evm_builder.h"
#include "evm_fakehost.h"
#include "test.h"

static void test_store_load(void)
{
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	bc c = {0};
	push(&c, 0x99);
	push(&c, 5);
	op(&c, OP_TSTORE);
	push(&c, 5);
	op(&c, OP_TLOAD);
	ret_top(&c);
	evm_result r = fh_run(&h, c.code, c.n, 10000, NULL, 0);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(10000 - r.gas_left, 3 * 3 + 100 + 100 + 4 * 3 + 3);
	CHECK_EQ_INT(r.output_size, 32);
	CHECK_EQ_INT(r.output[31], 0x99);
	/* Persistent storage is untouched. */
	address self = fh_addr(FH_SELF);
	u256 s = fh_storage(&h, &self, 5);
	CHECK(u256_is_zero(&s));
	CHECK_EQ_INT(h.w.nslots, 0);
	evm_result_release(&r);
}

static void test_seen_by_reentry(void)
{
	/* The callee reads transient slot 1 of its own account: a second
	 * account sees zero. */
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	address other = fh_addr(0x40);
	bc reader = {0};
	push(&reader, 1);
	op(&reader, OP_TLOAD);
	ret_top(&reader);
	fh_set_code(&h, &other, reader.code, reader.n);
	bc c = {0};
	push(&c, 7);
	push(&c, 1);
	op(&c, OP_TSTORE);
	call_op(&c, OP_CALL, 50000, &other, 0, 0, 0, 0, 32);
	ret(&c, 0, 32);
	evm_result r = fh_run(&h, c.code, c.n, 100000, NULL, 0);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.output_size, 32);
	CHECK_EQ_INT(r.output[31], 0);
	evm_result_release(&r);
}

static void test_static_and_fork(void)
{
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	bc c = {0};
	push(&c, 1);
	push(&c, 1);
	op(&c, OP_TSTORE);
	evm_message msg = {.kind = EVM_CALL, .gas = 10000, .is_static = true};
	evm_result r = evm_execute(&fh_host_table, &h, FORK_CANCUN, &msg, c.code, c.n);
	CHECK_EQ_INT(r.status, EVM_STATIC_MODE_VIOLATION);
	CHECK_EQ_INT(r.gas_left, 0);

	bc l = {0};
	push(&l, 1);
	op(&l, OP_TLOAD);
	r = evm_execute(&fh_host_table, &h, FORK_CANCUN, &msg, l.code, l.n);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);

	fh_init(&h, FORK_SHANGHAI);
	r = fh_run(&h, c.code, c.n, 10000, NULL, 0);
	CHECK_EQ_INT(r.status, EVM_UNDEFINED_INSTRUCTION);
}

TEST_MAIN(test_store_load, test_seen_by_reentry, test_static_and_fork)
