/* The new-account surcharge of CALL and SELFDESTRUCT (25000): before
 * EIP-161 (Spurious Dragon) for any call to an account that does not
 * exist; from it only when value moves to a dead (absent or empty)
 * account. Also the call family's message fields. */
#include "evm_builder.h"
#include "evm_fakehost.h"
#include "test.h"

/* Gas used by one CALL with `value` to `to` (pushes included). */
static int64_t call_cost(fork rev, const address *to, uint64_t value,
                         bool to_has_balance)
{
	fakehost h;
	fh_init(&h, rev);
	address self = fh_addr(FH_SELF);
	fh_set_balance(&h, &self, 100);
	if (to_has_balance)
		fh_set_balance(&h, to, 1);
	bc c = {0};
	call_op(&c, OP_CALL, 0, to, value, 0, 0, 0, 0);
	evm_result r = fh_run(&h, c.code, c.n, 100000, NULL, 0);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	return 100000 - r.gas_left;
}

static void test_call_new_account(void)
{
	address dead = fh_addr(0x50);
	/* Tangerine: 700 base, +25000 for a missing account even without
	 * value. */
	CHECK_EQ_INT(call_cost(FORK_TANGERINE, &dead, 0, false), 21 + 700 + 25000);
	CHECK_EQ_INT(call_cost(FORK_TANGERINE, &dead, 0, true), 21 + 700);
	/* Spurious: only with value. The 2300 stipend returns unspent. */
	CHECK_EQ_INT(call_cost(FORK_SPURIOUS, &dead, 0, false), 21 + 700);
	CHECK_EQ_INT(call_cost(FORK_SPURIOUS, &dead, 1, false),
	             21 + 700 + 9000 + 25000 - 2300);
	CHECK_EQ_INT(call_cost(FORK_SPURIOUS, &dead, 1, true),
	             21 + 700 + 9000 - 2300);
	/* Berlin adds the cold access. */
	CHECK_EQ_INT(call_cost(FORK_BERLIN, &dead, 1, false),
	             21 + 2600 + 9000 + 25000 - 2300);
}

static void test_selfdestruct_new_account(void)
{
	fork forks[3] = {FORK_FRONTIER, FORK_TANGERINE, FORK_SPURIOUS};
	/* Self has no balance: Tangerine still charges for the missing
	 * beneficiary, Spurious does not. */
	int64_t want[3] = {3, 3 + 5000 + 25000, 3 + 5000};
	for (int i = 0; i < 3; i++) {
		fakehost h;
		fh_init(&h, forks[i]);
		address ben = fh_addr(0x50);
		bc c = {0};
		push_addr(&c, &ben);
		op(&c, OP_SELFDESTRUCT);
		evm_result r = fh_run(&h, c.code, c.n, 100000, NULL, 0);
		CHECK_EQ_INT(r.status, EVM_SUCCESS);
		CHECK_EQ_INT(100000 - r.gas_left, want[i]);
	}
}

static void test_message_fields(void)
{
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	address self = fh_addr(FH_SELF), to = fh_addr(0x60);
	fh_set_balance(&h, &self, 100);
	evm_message msg = {
		.kind = EVM_CALL,
		.gas = 100000,
		.recipient = self,
		.sender = fh_addr(FH_CALLER),
		.value = u256_from_u64(77),
	};
	uint8_t ops[4] = {OP_CALL, OP_CALLCODE, OP_DELEGATECALL, OP_STATICCALL};
	evm_call_kind kinds[4] = {EVM_CALL, EVM_CALLCODE, EVM_DELEGATECALL,
	                          EVM_CALL};
	for (int i = 0; i < 4; i++) {
		bc c = {0};
		call_op(&c, ops[i], 1000, &to, 5, 0, 0, 0, 0);
		evm_result r =
		    evm_execute(&fh_host_table, &h, FORK_CANCUN, &msg, c.code, c.n);
		CHECK_EQ_INT(r.status, EVM_SUCCESS);
		const evm_message *m = &h.last_call;
		CHECK_EQ_INT(m->kind, kinds[i]);
		CHECK_EQ_INT(m->depth, 1);
		CHECK_EQ_INT(m->is_static, ops[i] == OP_STATICCALL);
		CHECK(address_eq(&m->code_address, &to));
		bool own = ops[i] == OP_CALLCODE || ops[i] == OP_DELEGATECALL;
		CHECK(address_eq(&m->recipient, own ? &self : &to));
		address want_sender =
		    ops[i] == OP_DELEGATECALL ? fh_addr(FH_CALLER) : self;
		CHECK(address_eq(&m->sender, &want_sender));
		uint64_t want_value = ops[i] == OP_DELEGATECALL ? 77
		                      : ops[i] == OP_STATICCALL ? 0
		                                                : 5;
		CHECK(m->value.w[0] == want_value);
		/* Requested 1000, plus the stipend when value moves. */
		bool moves = ops[i] == OP_CALL || ops[i] == OP_CALLCODE;
		CHECK_EQ_INT(m->gas, 1000 + (moves ? 2300 : 0));
	}
}

TEST_MAIN(test_call_new_account, test_selfdestruct_new_account,
          test_message_fields)
