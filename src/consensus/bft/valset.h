/* A BFT validator set: addresses with voting power, and the proposer
 * rotation weighted by power the way CometBFT's proposer priority runs it.
 *
 * Rotation. Every validator carries a priority (0 in a new set). One
 * increment (bft_valset_increment) first rescales and centres the
 * priorities as CometBFT does (when max - min exceeds 2 * total power,
 * every priority is divided by ceil((max - min) / (2 * total)); then the
 * average, rounded toward negative infinity, is subtracted), then adds
 * each validator's power to its priority, picks the validator of the
 * highest priority (ties: the lowest address) as proposer, and subtracts
 * the total power from the proposer's priority. Over any window a
 * validator proposes in proportion to its power.
 *
 * Dure's schedule: the set of height h is the genesis set incremented h
 * times, and the proposer of height h (h >= 1), round r is the pick of the
 * last of r + 1 increments of a copy of the set of height h - 1 (round 0:
 * the pick of the h-th increment). It depends on the height and round
 * alone (CometBFT also carries over the rounds earlier heights took), so
 * a node that syncs later computes every proposer from the chain without
 * the commit rounds of the blocks before.
 *
 * A set is a plain value (no pointers): copying it copies the priorities. */
#ifndef DURE_CONSENSUS_BFT_VALSET_H
#define DURE_CONSENSUS_BFT_VALSET_H

#include <stddef.h>
#include <stdint.h>

#include "base/bytes.h"
#include "base/err.h"

/* At most this many validators: a commit of a quorum of them must fit a
 * header's extra data (consensus/bft/vote.h, BFT_COMMIT_MAX). */
#define BFT_MAX_VALIDATORS 32
/* The total voting power is at most this (CometBFT's MaxTotalVotingPower,
 * 2^60 - 1), which keeps every priority sum inside int64_t. */
#define BFT_MAX_TOTAL_POWER ((UINT64_C(1) << 60) - 1)

typedef struct bft_validator {
	address addr;
	uint64_t power;    /* > 0 */
	int64_t priority;
} bft_validator;

typedef struct bft_valset {
	bft_validator v[BFT_MAX_VALIDATORS]; /* by address, ascending */
	size_t n;                            /* 1..BFT_MAX_VALIDATORS */
	uint64_t total;                      /* sum of the powers */
} bft_valset;

/* A set of the n validators addrs[i] with powers[i], priorities 0, sorted
 * by address. Returns DURE_OK, or DURE_EINVAL (set zeroed) when n is 0 or
 * above BFT_MAX_VALIDATORS, an address repeats, a power is 0, or the total
 * passes BFT_MAX_TOTAL_POWER. */
DURE_WUR int bft_valset_init(bft_valset *s, const address *addrs,
                             const uint64_t *powers, size_t n);

/* The index of a in s, or -1 when a is not a validator. */
int bft_valset_index(const bft_valset *s, const address *a);

/* Runs `times` increments (above) on s; *proposer (may be NULL) is the
 * index of the validator the last one picked (unchanged when times is 0). */
void bft_valset_increment(bft_valset *s, uint64_t times, size_t *proposer);

/* The index of the proposer of height h, round `round`, where prev is the
 * set of height h - 1 (the genesis set incremented h - 1 times): the pick
 * of the last of round + 1 increments of a copy of prev. prev is not
 * changed; the cost is (round + 1) increments. */
size_t bft_valset_proposer(const bft_valset *prev, uint64_t round);

/* Voting power needed for more than two thirds of s: total * 2 / 3 + 1
 * (in 128-bit arithmetic; no overflow). */
uint64_t bft_valset_quorum(const bft_valset *s);

/* Power above one third of s: total / 3 + 1 (f + 1 of the paper). */
uint64_t bft_valset_one_third(const bft_valset *s);

#endif
