/* Time, injected: every timer, timeout, rate limit and consensus step reads
 * a dure_clock handed to it, never the OS directly, so tests run them on a
 * fake clock and a step of the wall clock (NTP, a user) cannot expire live
 * sessions.
 *
 * A dure_clock gives monotonic milliseconds: they only go forward and have
 * no fixed origin. Protocols that put absolute times on the wire (discv4
 * expirations) or on disk (node database records) read dure_unix_ms(), or
 * anchor a monotonic clock to it once (dure_clock_anchor). */
#ifndef DURE_BASE_CLOCK_H
#define DURE_BASE_CLOCK_H

#include <stdint.h>

typedef struct dure_clock {
	uint64_t (*now_ms)(void *ctx);
	void *ctx;
} dure_clock;

/* The system's monotonic clock (CLOCK_MONOTONIC). Static; never NULL. */
const dure_clock *dure_clock_system(void);

/* Reads c; NULL reads the system clock. */
static inline uint64_t dure_clock_now(const dure_clock *c)
{
	if (!c)
		c = dure_clock_system();
	return c->now_ms(c->ctx);
}

/* Nanoseconds of the system's monotonic clock, for measuring how long
 * work takes (statistics, benchmarks); never for timers or timeouts,
 * which take a dure_clock. */
uint64_t dure_monotonic_ns(void);

/* Wall-clock time: milliseconds since the UNIX epoch (CLOCK_REALTIME). */
uint64_t dure_unix_ms(void);

/* What to add to c's reading to get UNIX milliseconds, taken now: a time
 * that follows c (steady) but reads like the wall clock at the moment of
 * anchoring. */
uint64_t dure_clock_anchor(const dure_clock *c);

/* A clock that moves only when told, for tests. */
typedef struct dure_fake_clock {
	dure_clock clock;        /* pass &fc.clock where a clock is wanted */
	uint64_t now;            /* ms; set or advance it directly */
} dure_fake_clock;

/* Sets fc up to read start_ms. */
void dure_fake_clock_init(dure_fake_clock *fc, uint64_t start_ms);

#endif
