/* Keccak-256 throughput for the input sizes the node hashes most: 32 and 64
 * bytes (trie keys, node hashes), 1 KiB (small RLP) and 1 MiB (bulk data).
 * Prints one row per size: calls, elapsed time and MB/s. Not a test. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "crypto/keccak.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(void)
{
	static const size_t sizes[] = {32, 64, 1024, (size_t)1 << 20};
	size_t maxlen = (size_t)1 << 20;
	uint8_t *m = malloc(maxlen);
	uint8_t out[32] = {0};

	if (!m) {
		fprintf(stderr, "bench_keccak: out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < maxlen; i++)
		m[i] = (uint8_t)(i * 31 + 7);

	printf("%10s %12s %10s %10s\n", "bytes", "calls", "seconds", "MB/s");
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		size_t n = sizes[s];
		/* About 256 MiB hashed per size; at least a few calls. */
		size_t calls = ((size_t)256 << 20) / n;
		double t0 = now_s();
		for (size_t i = 0; i < calls; i++) {
			m[i % n] ^= out[0];  /* chain the calls so none can be elided */
			keccak256(m, n, out);
		}
		double dt = now_s() - t0;
		printf("%10zu %12zu %10.3f %10.1f\n", n, calls, dt,
		       (double)n * (double)calls / dt / 1e6);
	}
	free(m);
	return 0;
}
