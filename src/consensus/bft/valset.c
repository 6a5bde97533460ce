/* The validator set and CometBFT's proposer rotation (see valset.h).
 *
 * One increment, as CometBFT's IncrementProposerPriority(1) runs it
 * (types/validator_set.go):
 *
 *   rescale  when max - min > 2 * total: p /= ceil((max - min) / (2 * total)),
 *            truncating toward zero as Go's int64 division does
 *   centre   p -= floor(sum / n), the floor as big.Int's Div (Euclidean
 *            division; with n > 0 the floor) gives it
 *   elect    p += power for all; the proposer is the highest p, ties to the
 *            lowest address (Validator.CompareProposerPriority); its
 *            p -= total
 *
 * Additions and subtractions saturate at the int64 bounds as CometBFT's
 * safeAddClip and safeSubClip do. One difference, in states no sequence of
 * increments reaches: CometBFT takes max - min in int64, which wraps when
 * the priorities span more than 2^63; here the difference is exact. */
#include "consensus/bft/valset.h"

#include <string.h>

typedef unsigned __int128 u128;

int bft_valset_init(bft_valset *s, const address *addrs,
                    const uint64_t *powers, size_t n)
{
	memset(s, 0, sizeof *s);
	if (n == 0 || n > BFT_MAX_VALIDATORS)
		return DURE_EINVAL;
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		if (powers[i] == 0 || powers[i] > BFT_MAX_TOTAL_POWER - total)
			goto fail;
		total += powers[i];
		/* Insertion keeps v sorted; an equal neighbour is a repeat. */
		size_t j = i;
		while (j > 0 && memcmp(s->v[j - 1].addr.b, addrs[i].b, 20) > 0) {
			s->v[j] = s->v[j - 1];
			j--;
		}
		if (j > 0 && address_eq(&s->v[j - 1].addr, &addrs[i]))
			goto fail;
		s->v[j] = (bft_validator){addrs[i], powers[i], 0};
	}
	s->n = n;
	s->total = total;
	return DURE_OK;
fail:
	memset(s, 0, sizeof *s);
	return DURE_EINVAL;
}

int bft_valset_index(const bft_valset *s, const address *a)
{
	for (size_t i = 0; i < s->n; i++)
		if (address_eq(&s->v[i].addr, a))
			return (int)i;
	return -1;
}

static int64_t add_clip(int64_t a, int64_t b)
{
	int64_t r;
	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

static int64_t sub_clip(int64_t a, int64_t b)
{
	int64_t r;
	if (__builtin_sub_overflow(a, b, &r))
		return b < 0 ? INT64_MAX : INT64_MIN;
	return r;
}

/* p / d truncated toward zero, for d >= 2 (so the quotient fits even
 * for INT64_MIN, and d may pass INT64_MAX). */
static int64_t div_trunc(int64_t p, uint64_t d)
{
	uint64_t mag = p < 0 ? -(uint64_t)p : (uint64_t)p;
	int64_t q = (int64_t)(mag / d);
	return p < 0 ? -q : q;
}

static void rescale(bft_valset *s)
{
	int64_t lo = s->v[0].priority, hi = lo;
	for (size_t i = 1; i < s->n; i++) {
		if (s->v[i].priority < lo)
			lo = s->v[i].priority;
		if (s->v[i].priority > hi)
			hi = s->v[i].priority;
	}
	/* hi >= lo, so the unsigned difference is exact. */
	uint64_t diff = (uint64_t)hi - (uint64_t)lo;
	uint64_t window = 2 * s->total;
	if (diff <= window)
		return;
	uint64_t ratio = diff / window + (diff % window != 0);
	for (size_t i = 0; i < s->n; i++)
		s->v[i].priority = div_trunc(s->v[i].priority, ratio);
}

static void centre(bft_valset *s)
{
	__int128 sum = 0;
	for (size_t i = 0; i < s->n; i++)
		sum += s->v[i].priority;
	__int128 n = (__int128)s->n;
	__int128 avg = sum / n;
	if (sum % n < 0)
		avg--;
	/* An average of int64 values is an int64. */
	for (size_t i = 0; i < s->n; i++)
		s->v[i].priority = sub_clip(s->v[i].priority, (int64_t)avg);
}

static size_t elect(bft_valset *s)
{
	for (size_t i = 0; i < s->n; i++)
		s->v[i].priority = add_clip(s->v[i].priority,
		                            (int64_t)s->v[i].power);
	/* v is sorted by address: on a tie the first, lowest, stays. */
	size_t best = 0;
	for (size_t i = 1; i < s->n; i++)
		if (s->v[i].priority > s->v[best].priority)
			best = i;
	s->v[best].priority = sub_clip(s->v[best].priority, (int64_t)s->total);
	return best;
}

void bft_valset_increment(bft_valset *s, uint64_t times, size_t *proposer)
{
	/* A zeroed set (a failed init) has no one to pick. */
	if (s->n == 0)
		return;
	for (uint64_t t = 0; t < times; t++) {
		rescale(s);
		centre(s);
		size_t p = elect(s);
		if (proposer)
			*proposer = p;
	}
}

size_t bft_valset_proposer(const bft_valset *prev, uint64_t round)
{
	bft_valset s = *prev;
	size_t p = 0;
	/* round, then one more: round + 1 would wrap at UINT64_MAX. */
	bft_valset_increment(&s, round, NULL);
	bft_valset_increment(&s, 1, &p);
	return p;
}

uint64_t bft_valset_quorum(const bft_valset *s)
{
	return (uint64_t)((u128)s->total * 2 / 3) + 1;
}

uint64_t bft_valset_one_third(const bft_valset *s)
{
	return s->total / 3 + 1;
}
