/* Proof-of-work search speed: the miner's inner loop (pow_work_search
 * over a Cancun header's S, in batches of MINER_BATCH as a miner thread
 * runs it) on 1 and 2 threads for SECONDS each. Prints one line per
 * thread count, e.g. "pow: 2 threads 2.40 MH/s (1.20 MH/s per thread)".
 * Not a test. */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <uv.h>

#include "base/clock.h"
#include "chain/block.h"
#include "consensus/miner.h"
#include "consensus/pow.h"

#define SECONDS 3
#define MAX_THREADS 2

typedef struct runner {
	const pow_work *work;
	atomic_bool *stop;
	unsigned index;
	uint64_t hashes;
	uv_thread_t thread;
} runner;

static void run(void *arg)
{
	runner *r = arg;
	uint64_t n = (uint64_t)r->index << 56, found;
	while (!atomic_load_explicit(r->stop, memory_order_relaxed)) {
		/* A hit (odds 2^-128 a hash) is counted like a miss. */
		(void)pow_work_search(r->work, n, MINER_BATCH, &found);
		n += MINER_BATCH;
		r->hashes += MINER_BATCH;
	}
}

/* Hashes per second over `threads` threads, or a negative value when a
 * thread cannot start. */
static double measure(const pow_work *w, unsigned threads)
{
	atomic_bool stop = false;
	runner rs[MAX_THREADS];
	uint64_t t0 = dure_monotonic_ns();
	unsigned started = 0;
	for (unsigned i = 0; i < threads; i++) {
		rs[i] = (runner){.work = w, .stop = &stop, .index = i};
		if (uv_thread_create(&rs[i].thread, run, &rs[i]))
			break;
		started++;
	}
	if (started == threads)
		uv_sleep(SECONDS * 1000);
	atomic_store(&stop, true);
	uint64_t total = 0;
	for (unsigned i = 0; i < started; i++) {
		uv_thread_join(&rs[i].thread);
		total += rs[i].hashes;
	}
	double dt = (double)(dure_monotonic_ns() - t0) * 1e-9;
	return started == threads ? (double)total / dt : -1;
}

int main(void)
{
	/* A full Cancun header, as the miner seals: S is 560-odd bytes. */
	header h = {0};
	memset(h.parent_hash.b, 0x11, 32);
	h.ommers_hash = EMPTY_OMMERS_HASH;
	memset(h.coinbase.b, 0xeb, 20);
	memset(h.state_root.b, 0x33, 32);
	memset(h.tx_root.b, 0x44, 32);
	memset(h.receipts_root.b, 0x55, 32);
	h.difficulty = POW_MAX_DIFFICULTY;
	h.number = 1000000;
	h.gas_limit = 30000000;
	h.gas_used = 12345678;
	h.timestamp = 1700000000;
	memcpy(h.extra, "dure", 4);
	h.extra_len = 4;
	h.has_base_fee = true;
	h.base_fee = u256_from_u64(1000000000);
	h.has_withdrawals_root = true;
	h.has_blob_gas = true;
	h.has_parent_beacon_root = true;
	pow_work w;
	if (pow_work_init(&h, &w)) {
		fprintf(stderr, "bench_pow: out of memory\n");
		return 1;
	}
	for (unsigned t = 1; t <= MAX_THREADS; t++) {
		double rate = measure(&w, t);
		if (rate < 0) {
			fprintf(stderr, "bench_pow: no %u threads\n", t);
			return 1;
		}
		double mhs = rate / 1e6;
		if (t == 1)
			printf("pow: 1 thread %.2f MH/s\n", mhs);
		else
			printf("pow: %u threads %.2f MH/s (%.2f MH/s per thread)\n",
			       t, mhs, mhs / t);
	}
	return 0;
}
