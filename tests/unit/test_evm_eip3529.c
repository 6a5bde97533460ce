/* EIP-3529 (London): smaller SSTORE clearing refund (4800), no refund for
 * SELFDESTRUCT. Vectors from the EIP, with the slot already warm; and the
 * same stores in Berlin for contrast (15000 clearing refund). */
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

static const vec london[] = {
	{0, 2, {0, 0}, 212, 0},
	{0, 2, {0, 1}, 20112, 0},
	{0, 2, {1, 0}, 20112, 19900},
	{0, 2, {1, 2}, 20112, 0},
	{0, 2, {1, 1}, 20112, 0},
	{1, 2, {0, 0}, 3012, 4800},
	{1, 2, {0, 1}, 3012, 2800},
	{1, 2, {0, 2}, 3012, 0},
	{1, 2, {2, 0}, 3012, 4800},
	{1, 2, {2, 3}, 3012, 0},
	{1, 2, {2, 1}, 3012, 2800},
	{1, 2, {2, 2}, 3012, 0},
	{1, 2, {1, 0}, 3012, 4800},
	{1, 2, {1, 2}, 3012, 0},
	{1, 2, {1, 1}, 212, 0},
	{0, 3, {1, 0, 1}, 40118, 19900},
	{1, 3, {0, 1, 0}, 5918, 7600},
};

static void run_vectors(fork rev, const vec *v, size_t n, int64_t clear_delta)
{
	for (size_t i = 0; i < n; i++) {
		fakehost h;
		fh_init(&h, rev);
		address self = fh_addr(FH_SELF);
		fh_preset_storage(&h, &self, 0, v[i].orig);
		h.w.slots[0].warm = true;
		bc c = {0};
		for (int k = 0; k < v[i].nvals; k++)
			sstore(&c, 0, v[i].vals[k]);
		evm_result r = fh_run(&h, c.code, c.n, 100000, NULL, 0);
		CHECK_EQ_INT(r.status, EVM_SUCCESS);
		CHECK_EQ_INT(100000 - r.gas_left, v[i].gas);
		/* Berlin's refunds differ from London's exactly by the clearing
		 * refund's change (15000 - 4800) per clear and unclear. */
		int64_t clears = 0;
		uint64_t cur = v[i].orig;
		for (int k = 0; k < v[i].nvals; k++) {
			uint64_t nv = v[i].vals[k];
			if (v[i].orig != 0 && cur != 0 && nv == 0)
				clears++;
			if (v[i].orig != 0 && cur == 0 && nv != 0)
				clears--;
			cur = nv;
		}
		CHECK_EQ_INT(r.gas_refund, v[i].refund + clears * clear_delta);
	}
}

static void test_london_vectors(void)
{
	run_vectors(FORK_LONDON, london, sizeof london / sizeof london[0], 0);
	run_vectors(FORK_CANCUN, london, sizeof london / sizeof london[0], 0);
}

static void test_berlin_refunds(void)
{
	run_vectors(FORK_BERLIN, london, sizeof london / sizeof london[0],
	            15000 - 4800);
}

static void test_selfdestruct_refund(void)
{
	fork forks[2] = {FORK_BERLIN, FORK_LONDON};
	int64_t want[2] = {24000, 0};
	for (int i = 0; i < 2; i++) {
		fakehost h;
		fh_init(&h, forks[i]);
		address self = fh_addr(FH_SELF);
		bc c = {0};
		push_addr(&c, &self);
		op(&c, OP_SELFDESTRUCT);
		evm_result r = fh_run(&h, c.code, c.n, 100000, NULL, 0);
		CHECK_EQ_INT(r.status, EVM_SUCCESS);
		CHECK_EQ_INT(r.gas_refund, want[i]);
		/* Beneficiary is the (warm) caller itself: 3 + 5000. */
		CHECK_EQ_INT(100000 - r.gas_left, 5003);
	}
}

static void test_refund_dropped_on_failure(void)
{
	fakehost h;
	fh_init(&h, FORK_LONDON);
	address self = fh_addr(FH_SELF);
	fh_preset_storage(&h, &self, 0, 1);
	bc c = {0};
	sstore(&c, 0, 0);
	push(&c, 0);
	push(&c, 0);
	op(&c, OP_REVERT);
	evm_result r = fh_run(&h, c.code, c.n, 100000, NULL, 0);
	CHECK_EQ_INT(r.status, EVM_REVERT);
	CHECK_EQ_INT(r.gas_refund, 0);
}

TEST_MAIN(test_london_vectors, test_berlin_refunds, test_selfdestruct_refund,
          test_refund_dropped_on_failure)
