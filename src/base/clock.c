#include "base/clock.h"

#include <time.h>

static uint64_t read_ms(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t system_now(void *ctx)
{
	(void)ctx;
	return read_ms(CLOCK_MONOTONIC);
}

static const dure_clock system_clock = {system_now, NULL};

const dure_clock *dure_clock_system(void) { return &system_clock; }

uint64_t dure_unix_ms(void) { return read_ms(CLOCK_REALTIME); }

uint64_t dure_monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t dure_clock_anchor(const dure_clock *c)
{
	return dure_unix_ms() - dure_clock_now(c);
}

static uint64_t fake_now(void *ctx)
{
	return ((const dure_fake_clock *)ctx)->now;
}

void dure_fake_clock_init(dure_fake_clock *fc, uint64_t start_ms)
{
	fc->clock.now_ms = fake_now;
	fc->clock.ctx = fc;
	fc->now = start_ms;
}
