/* Helpers shared by the state unit tests: small addresses, u256 literals
 * and a fresh state that aborts the test when it cannot be made. */
#ifndef DURE_TEST_STATE_HELPERS_H
#define DURE_TEST_STATE_HELPERS_H

#include <stdio.h>
#include <stdlib.h>

#include "state/state.h"

/* The address whose last four bytes are n, big-endian. */
static inline address addr(uint32_t n)
{
	address a = {{0}};
	a.b[16] = (uint8_t)(n >> 24);
	a.b[17] = (uint8_t)(n >> 16);
	a.b[18] = (uint8_t)(n >> 8);
	a.b[19] = (uint8_t)n;
	return a;
}

/* A pointer to a temporary u256. */
#define UP(v) (&(u256){{(uint64_t)(v), 0, 0, 0}})

static inline state *fresh(void)
{
	state *st;
	if (state_new(&st) != DURE_OK) {
		fprintf(stderr, "state_new failed\n");
		exit(1);
	}
	return st;
}

#endif
