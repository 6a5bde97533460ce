/* SSTORE gas and refunds across forks: the EIP-1283 (Constantinople) and
 * EIP-2200 (Istanbul) test vectors, Petersburg's return to the old rules,
 * and EIP-2200's 2300-gas sentry. Each vector stores values v1, v2[, v3]
 * to slot 0 whose original value is `orig`. */
#include "evm_builder.h"
#include "evm_fakehost.h"
#include "test.h"

typedef struct vec {
	uint64_t orig;
	int nvals;
	uint64_t vals[3];
	int64_t gas;
	int64_t refund;
} vec;

static void run_vectors(fork rev, const vec *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fakehost h;
		fh_init(&h, rev);
		address self = fh_addr(FH_SELF);
		fh_preset_storage(&h, &self, 0, v[i].orig);
		bc c = {0};
		for (int k = 0; k < v[i].nvals; k++)
			sstore(&c, 0, v[i].vals[k]);
		evm_result r = fh_run(&h, c.code, c.n, 100000, NULL, 0);
		CHECK_EQ_INT(r.status, EVM_SUCCESS);
		if (100000 - r.gas_left != v[i].gas || r.gas_refund != v[i].refund)
			fprintf(stderr, "%s vector %zu\n", fork_name(rev), i);
		CHECK_EQ_INT(100000 - r.gas_left, v[i].gas);
		CHECK_EQ_INT(r.gas_refund, v[i].refund);
		u256 last = fh_storage(&h, &self, 0),
		     want = u256_from_u64(v[i].vals[v[i].nvals - 1]);
		CHECK(u256_eq(&last, &want));
	}
}

static const vec eip1283[] = {
	{0, 2, {0, 0}, 412, 0},
	{0, 2, {0, 1}, 20212, 0},
	{0, 2, {1, 0}, 20212, 19800},
	{0, 2, {1, 2}, 20212, 0},
	{0, 2, {1, 1}, 20212, 0},
	{1, 2, {0, 0}, 5212, 15000},
	{1, 2, {0, 1}, 5212, 4800},
	{1, 2, {0, 2}, 5212, 0},
	{1, 2, {2, 0}, 5212, 15000},
	{1, 2, {2, 3}, 5212, 0},
	{1, 2, {2, 1}, 5212, 4800},
	{1, 2, {2, 2}, 5212, 0},
	{1, 2, {1, 0}, 5212, 15000},
	{1, 2, {1, 2}, 5212, 0},
	{1, 2, {1, 1}, 412, 0},
	{0, 3, {1, 0, 1}, 40218, 19800},
	{1, 3, {0, 1, 0}, 10218, 19800},
};

static const vec eip2200[] = {
	{0, 2, {0, 0}, 1612, 0},
	{0, 2, {0, 1}, 20812, 0},
	{0, 2, {1, 0}, 20812, 19200},
	{0, 2, {1, 2}, 20812, 0},
	{0, 2, {1, 1}, 20812, 0},
	{1, 2, {0, 0}, 5812, 15000},
	{1, 2, {0, 1}, 5812, 4200},
	{1, 2, {0, 2}, 5812, 0},
	{1, 2, {2, 0}, 5812, 15000},
	{1, 2, {2, 3}, 5812, 0},
	{1, 2, {2, 1}, 5812, 4200},
	{1, 2, {2, 2}, 5812, 0},
	{1, 2, {1, 0}, 5812, 15000},
	{1, 2, {1, 2}, 5812, 0},
	{1, 2, {1, 1}, 1612, 0},
	{0, 3, {1, 0, 1}, 40818, 19200},
	{1, 3, {0, 1, 0}, 10818, 19200},
};

/* Before net metering: 20000 to set a zero slot, 5000 otherwise, 15000
 * refund for clearing, judged on current -> new only. */
static const vec legacy[] = {
	{0, 2, {0, 0}, 10012, 0},
	{0, 2, {0, 1}, 25012, 0},
	{0, 2, {1, 0}, 25012, 15000},
	{1, 2, {0, 0}, 10012, 15000},
	{1, 2, {0, 1}, 25012, 15000},
	{1, 2, {2, 1}, 10012, 0},
	{0, 3, {1, 0, 1}, 45018, 15000},
};

static void test_constantinople_eip1283(void)
{
	run_vectors(FORK_CONSTANTINOPLE, eip1283, sizeof eip1283 / sizeof eip1283[0]);
}

static void test_istanbul_eip2200(void)
{
	run_vectors(FORK_ISTANBUL, eip2200, sizeof eip2200 / sizeof eip2200[0]);
}

static void test_legacy_forks(void)
{
	size_t n = sizeof legacy / sizeof legacy[0];
	run_vectors(FORK_FRONTIER, legacy, n);
	run_vectors(FORK_BYZANTIUM, legacy, n);
	run_vectors(FORK_PETERSBURG, legacy, n);
}

static void test_sentry(void)
{
	/* SSTORE with exactly 2300 gas left fails even for a no-op store;
	 * with 2301 the no-op (800) succeeds. */
	int64_t gas[2] = {2306, 2307};
	evm_status want[2] = {EVM_OUT_OF_GAS, EVM_SUCCESS};
	for (int i = 0; i < 2; i++) {
		fakehost h;
		fh_init(&h, FORK_ISTANBUL);
		bc c = {0};
		sstore(&c, 0, 0);
		evm_result r = fh_run(&h, c.code, c.n, gas[i], NULL, 0);
		CHECK_EQ_INT(r.status, want[i]);
	}
	/* Constantinople had no sentry. */
	fakehost h;
	fh_init(&h, FORK_CONSTANTINOPLE);
	bc c = {0};
	sstore(&c, 0, 0);
	evm_result r = fh_run(&h, c.code, c.n, 206, NULL, 0);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.gas_left, 0);
}

static void test_static_sstore(void)
{
	fakehost h;
	fh_init(&h, FORK_ISTANBUL);
	bc c = {0};
	sstore(&c, 0, 1);
	evm_message msg = {.kind = EVM_CALL, .gas = 100000, .is_static = true};
	evm_result r = evm_execute(&fh_host_table, &h, FORK_ISTANBUL, &msg, c.code, c.n);
	CHECK_EQ_INT(r.status, EVM_STATIC_MODE_VIOLATION);
	CHECK_EQ_INT(r.gas_left, 0);
}

TEST_MAIN(test_constantinople_eip1283, test_istanbul_eip2200, test_legacy_forks,
          test_sentry, test_static_sstore)
