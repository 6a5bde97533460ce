/* The BFT validator set: init's refusals (no validators, 33, a repeated
 * address, power 0, a total past 2^60 - 1) and its sorting; quorum and
 * one third worked out by hand; CometBFT's published proposer vectors
 * (types/validator_set_test.go: TestProposerSelection1's 99 proposers,
 * TestProposerSelection2's equal, 400 and 401 and 4:5:3 cases, and the
 * priorities of TestAveragingInIncrementProposerPriorityWithVotingPower);
 * a rotation of powers 1, 2, 3, 4 stepped by hand below, its period and
 * exact counts over 10000 increments; bft_valset_proposer against those
 * picks; and rescaling and centring on priorities set by hand. */
#include <stdint.h>
#include <string.h>

#include "consensus/bft/valset.h"
#include "test.h"

/* An address whose leading bytes are s, the rest zero: bytewise it sorts
 * as s does, as CometBFT's short test addresses do. */
static address name_addr(const char *s)
{
	address a = {{0}};
	memcpy(a.b, s, strlen(s));
	return a;
}

/* An address of nineteen zero bytes and then `last`, as CometBFT's addr0,
 * addr1 and addr2. */
static address tail_addr(uint8_t last)
{
	address a = {{0}};
	a.b[19] = last;
	return a;
}

/* An address of byte i first. */
static address byte_addr(uint8_t i)
{
	address a = {{0}};
	a.b[0] = i;
	return a;
}

static void set_priorities(bft_valset *s, const int64_t *p)
{
	for (size_t i = 0; i < s->n; i++)
		s->v[i].priority = p[i];
}

static bool priorities_are(const bft_valset *s, const int64_t *p)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].priority != p[i])
			return false;
	return true;
}

static bool zeroed(const bft_valset *s)
{
	static const bft_valset zero;
	return memcmp(s, &zero, sizeof zero) == 0;
}

/* ---- init ---- */

static void test_init_refusals(void)
{
	address addrs[BFT_MAX_VALIDATORS + 1];
	uint64_t powers[BFT_MAX_VALIDATORS + 1];
	for (size_t i = 0; i < BFT_MAX_VALIDATORS + 1; i++) {
		addrs[i] = byte_addr((uint8_t)(i + 1));
		powers[i] = 1;
	}
	bft_valset s;

	memset(&s, 0xff, sizeof s);
	CHECK_EQ_INT(bft_valset_init(&s, addrs, powers, 0), DURE_EINVAL);
	CHECK(zeroed(&s));
	memset(&s, 0xff, sizeof s);
	CHECK_EQ_INT(bft_valset_init(&s, addrs, powers, BFT_MAX_VALIDATORS + 1),
	             DURE_EINVAL);
	CHECK(zeroed(&s));
	CHECK_EQ_INT(bft_valset_init(&s, addrs, powers, BFT_MAX_VALIDATORS),
	             DURE_OK);
	CHECK_EQ_INT(s.n, 32);
	CHECK_EQ_INT(s.total, 32);

	/* A repeat next to its twin after sorting, and one far from it. */
	address rep[3] = {byte_addr(5), byte_addr(9), byte_addr(5)};
	memset(&s, 0xff, sizeof s);
	CHECK_EQ_INT(bft_valset_init(&s, rep, powers, 3), DURE_EINVAL);
	CHECK(zeroed(&s));
	address rep2[4] = {byte_addr(1), byte_addr(7), byte_addr(3),
	                   byte_addr(1)};
	CHECK_EQ_INT(bft_valset_init(&s, rep2, powers, 4), DURE_EINVAL);
	CHECK(zeroed(&s));

	uint64_t zero_power[3] = {5, 0, 5};
	memset(&s, 0xff, sizeof s);
	CHECK_EQ_INT(bft_valset_init(&s, addrs, zero_power, 3), DURE_EINVAL);
	CHECK(zeroed(&s));

	/* 2^60 - 1 is the largest total: 2^59 + 2^59 passes it by one. */
	uint64_t max_one[1] = {BFT_MAX_TOTAL_POWER};
	CHECK_EQ_INT(bft_valset_init(&s, addrs, max_one, 1), DURE_OK);
	CHECK(s.total == UINT64_C(0x0fffffffffffffff));
	uint64_t max_two[2] = {UINT64_C(1) << 59, (UINT64_C(1) << 59) - 1};
	CHECK_EQ_INT(bft_valset_init(&s, addrs, max_two, 2), DURE_OK);
	CHECK(s.total == UINT64_C(0x0fffffffffffffff));
	uint64_t over_two[2] = {UINT64_C(1) << 59, UINT64_C(1) << 59};
	memset(&s, 0xff, sizeof s);
	CHECK_EQ_INT(bft_valset_init(&s, addrs, over_two, 2), DURE_EINVAL);
	CHECK(zeroed(&s));
	uint64_t over_one[1] = {UINT64_C(1) << 60};
	CHECK_EQ_INT(bft_valset_init(&s, addrs, over_one, 1), DURE_EINVAL);
	/* Powers that wrap a 64-bit sum to a small total. */
	uint64_t wrap[3] = {1, UINT64_MAX, 2};
	CHECK_EQ_INT(bft_valset_init(&s, addrs, wrap, 3), DURE_EINVAL);
	CHECK(zeroed(&s));

	/* A zeroed set has no one to pick: increments leave it alone. */
	size_t p = 7;
	bft_valset_increment(&s, 3, &p);
	CHECK_EQ_INT(p, 7);
	CHECK(zeroed(&s));
}

static void test_init_sorted(void)
{
	address addrs[3] = {name_addr("foo"), name_addr("bar"),
	                    name_addr("baz")};
	uint64_t powers[3] = {1000, 300, 330};
	bft_valset s;
	CHECK_EQ_INT(bft_valset_init(&s, addrs, powers, 3), DURE_OK);
	CHECK_EQ_INT(s.n, 3);
	CHECK_EQ_INT(s.total, 1630);
	CHECK(address_eq(&s.v[0].addr, &addrs[1])); /* bar */
	CHECK(address_eq(&s.v[1].addr, &addrs[2])); /* baz */
	CHECK(address_eq(&s.v[2].addr, &addrs[0])); /* foo */
	CHECK_EQ_INT(s.v[0].power, 300);
	CHECK_EQ_INT(s.v[1].power, 330);
	CHECK_EQ_INT(s.v[2].power, 1000);
	for (size_t i = 0; i < 3; i++)
		CHECK_EQ_INT(s.v[i].priority, 0);
	CHECK_EQ_INT(bft_valset_index(&s, &addrs[0]), 2);
	CHECK_EQ_INT(bft_valset_index(&s, &addrs[1]), 0);
	CHECK_EQ_INT(bft_valset_index(&s, &addrs[2]), 1);
	address other = name_addr("bay");
	CHECK_EQ_INT(bft_valset_index(&s, &other), -1);
	/* Differing only in the last byte still sorts and finds. */
	address far = name_addr("bar");
	far.b[19] = 1;
	CHECK_EQ_INT(bft_valset_index(&s, &far), -1);

	/* 32 addresses given in descending order, and differing late. */
	address many[BFT_MAX_VALIDATORS];
	uint64_t mp[BFT_MAX_VALIDATORS];
	for (size_t i = 0; i < BFT_MAX_VALIDATORS; i++) {
		many[i] = tail_addr((uint8_t)(200 - i));
		mp[i] = i + 1;
	}
	CHECK_EQ_INT(bft_valset_init(&s, many, mp, BFT_MAX_VALIDATORS),
	             DURE_OK);
	CHECK_EQ_INT(s.total, 32 * 33 / 2);
	bool ascending = true;
	for (size_t i = 0; i < BFT_MAX_VALIDATORS; i++)
		if (s.v[i].addr.b[19] != 169 + i || s.v[i].power != 32 - i)
			ascending = false;
	CHECK(ascending);
	CHECK_EQ_INT(bft_valset_index(&s, &many[0]), 31);
	CHECK_EQ_INT(bft_valset_index(&s, &many[31]), 0);
}

/* ---- thresholds ---- */

static void check_thresholds(uint64_t total, uint64_t quorum,
                             uint64_t third)
{
	address a = byte_addr(1);
	bft_valset s;
	CHECK_EQ_INT(bft_valset_init(&s, &a, &total, 1), DURE_OK);
	CHECK(bft_valset_quorum(&s) == quorum);
	CHECK(bft_valset_one_third(&s) == third);
}

static void test_thresholds(void)
{
	/* quorum = floor(2T / 3) + 1, one third = floor(T / 3) + 1. */
	check_thresholds(1, 1, 1);
	check_thresholds(3, 3, 2);
	check_thresholds(4, 3, 2);      /* 8/3 = 2.67 */
	check_thresholds(10, 7, 4);     /* 20/3 = 6.67, 10/3 = 3.33 */
	check_thresholds(100, 67, 34);  /* 200/3 = 66.67, 100/3 = 33.33 */
	/* T = 2^60 - 1 = 1152921504606846975 = 3 * 384307168202282325 and
	 * 2T = 2305843009213693950 = 3 * 768614336404564650; one less, both
	 * quotients drop by one. */
	check_thresholds(BFT_MAX_TOTAL_POWER, UINT64_C(768614336404564651),
	                 UINT64_C(384307168202282326));
	check_thresholds(BFT_MAX_TOTAL_POWER - 1, UINT64_C(768614336404564650),
	                 UINT64_C(384307168202282325));
}

/* ---- CometBFT's vectors ---- */

/* CometBFT's NewValidatorSet runs one increment, so its GetProposer before
 * the i-th IncrementProposerPriority(1) of the test is the pick of our
 * (i + 1)-th increment of a fresh set. */
static const char selection1[] =
	"foo baz foo bar foo foo baz foo bar foo foo baz foo foo bar foo "
	"baz foo foo bar foo foo baz foo bar foo foo baz foo bar foo foo "
	"baz foo foo bar foo baz foo foo bar foo baz foo foo bar foo baz "
	"foo foo bar foo baz foo foo foo baz bar foo foo foo baz foo bar "
	"foo foo baz foo bar foo foo baz foo bar foo foo baz foo bar foo "
	"foo baz foo foo bar foo baz foo foo bar foo baz foo foo bar foo "
	"baz foo foo";

static void test_cometbft_selection1(void)
{
	address addrs[3] = {name_addr("foo"), name_addr("bar"),
	                    name_addr("baz")};
	uint64_t powers[3] = {1000, 300, 330};
	bft_valset s;
	CHECK_EQ_INT(bft_valset_init(&s, addrs, powers, 3), DURE_OK);
	size_t steps = 0, mismatches = 0;
	for (const char *w = selection1; *w; w += w[3] ? 4 : 3) {
		size_t p = 99;
		bft_valset_increment(&s, 1, &p);
		char got[4] = {0};
		if (p < 3)
			memcpy(got, s.v[p].addr.b, 3);
		if (memcmp(got, w, 3) != 0)
			mismatches++;
		steps++;
	}
	CHECK_EQ_INT(steps, 99);
	CHECK_EQ_INT(mismatches, 0);
}

static void test_cometbft_selection2(void)
{
	address addrs[3] = {tail_addr(0), tail_addr(1), tail_addr(2)};
	bft_valset s;
	size_t p;

	/* Equal power: address order, round and round. */
	uint64_t equal[3] = {100, 100, 100};
	CHECK_EQ_INT(bft_valset_init(&s, addrs, equal, 3), DURE_OK);
	size_t wrong = 0;
	for (size_t i = 0; i < 15; i++) {
		bft_valset_increment(&s, 1, &p);
		if (p != i % 3)
			wrong++;
	}
	CHECK_EQ_INT(wrong, 0);

	/* 400 of 600: first, but not twice in a row. */
	uint64_t p400[3] = {100, 100, 400};
	CHECK_EQ_INT(bft_valset_init(&s, addrs, p400, 3), DURE_OK);
	bft_valset_increment(&s, 1, &p);
	CHECK_EQ_INT(p, 2);
	bft_valset_increment(&s, 1, &p);
	CHECK_EQ_INT(p, 0);

	/* 401 of 601: twice in a row, then the lowest address. */
	uint64_t p401[3] = {100, 100, 401};
	CHECK_EQ_INT(bft_valset_init(&s, addrs, p401, 3), DURE_OK);
	bft_valset_increment(&s, 1, &p);
	CHECK_EQ_INT(p, 2);
	bft_valset_increment(&s, 1, &p);
	CHECK_EQ_INT(p, 2);
	bft_valset_increment(&s, 1, &p);
	CHECK_EQ_INT(p, 0);

	/* 4:5:3 over 120 picks: 40, 50, 30. */
	uint64_t p453[3] = {4, 5, 3};
	CHECK_EQ_INT(bft_valset_init(&s, addrs, p453, 3), DURE_OK);
	size_t count[3] = {0};
	for (size_t i = 0; i < 120; i++) {
		bft_valset_increment(&s, 1, &p);
		count[p]++;
	}
	CHECK_EQ_INT(count[0], 40);
	CHECK_EQ_INT(count[1], 50);
	CHECK_EQ_INT(count[2], 30);
}

/* TestAveragingInIncrementProposerPriorityWithVotingPower: powers 10, 1, 1
 * (total 12) from priorities 0, after k increments. CometBFT centres once
 * per call and we once per increment; here the priorities sum to 0 after
 * every increment (each adds 12 and takes 12), so both centre by 0. */
static void test_cometbft_priorities(void)
{
	static const struct {
		int64_t p[3];
		size_t proposer;
	} want[11] = {
		{{-2, 1, 1}, 0},   {{-4, 2, 2}, 0},  {{-6, 3, 3}, 0},
		{{-8, 4, 4}, 0},   {{2, -7, 5}, 1},  {{0, -6, 6}, 0},
		{{-2, -5, 7}, 0},  {{-4, -4, 8}, 0}, {{6, -3, -3}, 2},
		{{4, -2, -2}, 0},  {{2, -1, -1}, 0},
	};
	address addrs[3] = {byte_addr(0), byte_addr(1), byte_addr(2)};
	uint64_t powers[3] = {10, 1, 1};
	bft_valset s;
	CHECK_EQ_INT(bft_valset_init(&s, addrs, powers, 3), DURE_OK);
	for (size_t k = 0; k < 11; k++) {
		size_t p = 99;
		bft_valset_increment(&s, 1, &p);
		CHECK_EQ_INT(p, want[k].proposer);
		CHECK(priorities_are(&s, want[k].p));
	}
	/* The same in one call of 11. */
	CHECK_EQ_INT(bft_valset_init(&s, addrs, powers, 3), DURE_OK);
	size_t p = 99;
	bft_valset_increment(&s, 11, &p);
	CHECK_EQ_INT(p, 0);
	CHECK(priorities_are(&s, want[10].p));
}

/* ---- a rotation by hand ---- */

/* Powers 1, 2, 3, 4 for a < b < c < d (total 10), from 0, 0, 0, 0. Each
 * increment adds the powers, picks the highest and takes 10 from it:
 *
 *   k  after adding       pick  after
 *   1   1   2   3   4      d     1   2   3  -6
 *   2   2   4   6  -2      c     2   4  -4  -2
 *   3   3   6  -1   2      b     3  -4  -1   2
 *   4   4  -2   2   6      d     4  -2   2  -4
 *   5   5   0   5   0      a     -5  0   5   0   (a tie: a's address)
 *   6  -4   2   8   4      c    -4   2  -2   4
 *   7  -3   4   1   8      d    -3   4   1  -2
 *   8  -2   6   4   2      b    -2  -4   4   2
 *   9  -1  -2   7   6      c    -1  -2  -3   6
 *  10   0   0   0  10      d     0   0   0   0
 *
 * The sums stay 0 (no centring moves anything) and no spread passes 20
 * (no rescaling), and after 10 the priorities are 0 again: the picks
 * repeat with period 10, a once, b twice, c three and d four times. */
static const size_t rot4[10] = {3, 2, 1, 3, 0, 2, 3, 1, 2, 3};

static void rot4_set(bft_valset *s)
{
	/* Given out of order; sorted they are a, b, c, d. */
	address addrs[4] = {byte_addr(0x40), byte_addr(0x10), byte_addr(0x30),
	                    byte_addr(0x20)};
	uint64_t powers[4] = {4, 1, 3, 2};
	CHECK_EQ_INT(bft_valset_init(s, addrs, powers, 4), DURE_OK);
}

static void test_rotation_by_hand(void)
{
	bft_valset s;
	rot4_set(&s);
	static const int64_t after5[4] = {-5, 0, 5, 0};
	static const int64_t zero[4] = {0, 0, 0, 0};
	for (size_t k = 0; k < 10; k++) {
		size_t p = 99;
		bft_valset_increment(&s, 1, &p);
		CHECK_EQ_INT(p, rot4[k]);
		if (k == 4)
			CHECK(priorities_are(&s, after5));
	}
	CHECK(priorities_are(&s, zero));

	/* 10000 increments are 1000 periods. */
	size_t count[4] = {0};
	size_t off = 0;
	for (size_t k = 0; k < 10000; k++) {
		size_t p = 99;
		bft_valset_increment(&s, 1, &p);
		if (p < 4)
			count[p]++;
		if (p != rot4[k % 10])
			off++;
	}
	CHECK_EQ_INT(count[0], 1000);
	CHECK_EQ_INT(count[1], 2000);
	CHECK_EQ_INT(count[2], 3000);
	CHECK_EQ_INT(count[3], 4000);
	CHECK_EQ_INT(off, 0);
	CHECK(priorities_are(&s, zero));

	/* Powers 1, 1 alternate; 2, 1 (total 3) go (2,1) a (-1,1), (1,2) b
	 * (1,-1), (3,0) a (0,0): a b a. */
	address two[2] = {byte_addr(1), byte_addr(2)};
	uint64_t ones[2] = {1, 1};
	CHECK_EQ_INT(bft_valset_init(&s, two, ones, 2), DURE_OK);
	size_t wrong = 0;
	for (size_t k = 0; k < 8; k++) {
		size_t p = 99;
		bft_valset_increment(&s, 1, &p);
		if (p != k % 2)
			wrong++;
	}
	CHECK_EQ_INT(wrong, 0);
	uint64_t two_one[2] = {2, 1};
	CHECK_EQ_INT(bft_valset_init(&s, two, two_one, 2), DURE_OK);
	static const size_t aba[3] = {0, 1, 0};
	static const int64_t aba_after[3][2] = {{-1, 1}, {1, -1}, {0, 0}};
	for (size_t k = 0; k < 6; k++) {
		size_t p = 99;
		bft_valset_increment(&s, 1, &p);
		CHECK_EQ_INT(p, aba[k % 3]);
		CHECK(priorities_are(&s, aba_after[k % 3]));
	}

	/* times 0 changes nothing and leaves *proposer alone. */
	rot4_set(&s);
	bft_valset_increment(&s, 4, NULL);
	bft_valset before = s;
	size_t p = 77;
	bft_valset_increment(&s, 0, &p);
	CHECK_EQ_INT(p, 77);
	CHECK(memcmp(&s, &before, sizeof s) == 0);
	/* One call of 6 more ends where k = 10 does. */
	bft_valset_increment(&s, 6, &p);
	CHECK_EQ_INT(p, 3);
	CHECK(priorities_are(&s, zero));
}

/* ---- the proposer of a height and round ---- */

static void test_proposer(void)
{
	bft_valset genesis;
	rot4_set(&genesis);
	bft_valset saved = genesis;

	/* Height 1 (prev: genesis), rounds 0..9: the picks of increments
	 * 1..10. */
	size_t wrong = 0;
	for (uint64_t r = 0; r < 10; r++)
		if (bft_valset_proposer(&genesis, r) != rot4[r])
			wrong++;
	CHECK_EQ_INT(wrong, 0);
	CHECK(memcmp(&genesis, &saved, sizeof saved) == 0);
	/* Round 10009 is increment 10010, of period position 9. */
	CHECK_EQ_INT(bft_valset_proposer(&genesis, 10009), rot4[9]);
	CHECK(memcmp(&genesis, &saved, sizeof saved) == 0);

	/* Height 4: prev is genesis incremented 3 times; round r is increment
	 * 4 + r. */
	bft_valset prev = genesis;
	bft_valset_increment(&prev, 3, NULL);
	saved = prev;
	CHECK_EQ_INT(bft_valset_proposer(&prev, 0), rot4[3]);
	CHECK_EQ_INT(bft_valset_proposer(&prev, 1), rot4[4]);
	CHECK_EQ_INT(bft_valset_proposer(&prev, 2), rot4[5]);
	CHECK(memcmp(&prev, &saved, sizeof saved) == 0);

	/* And the same as a copy incremented round + 1 times. */
	for (uint64_t r = 0; r < 5; r++) {
		bft_valset c = prev;
		size_t p = 99;
		bft_valset_increment(&c, r + 1, &p);
		CHECK_EQ_INT(bft_valset_proposer(&prev, r), p);
	}

	/* CometBFT's 1000, 300, 330: the height-1 proposer of round 3 is the
	 * fourth of TestProposerSelection1, bar. */
	address addrs[3] = {name_addr("foo"), name_addr("bar"),
	                    name_addr("baz")};
	uint64_t powers[3] = {1000, 300, 330};
	bft_valset cb;
	CHECK_EQ_INT(bft_valset_init(&cb, addrs, powers, 3), DURE_OK);
	CHECK_EQ_INT(bft_valset_proposer(&cb, 0), 2); /* foo */
	CHECK_EQ_INT(bft_valset_proposer(&cb, 1), 1); /* baz */
	CHECK_EQ_INT(bft_valset_proposer(&cb, 3), 0); /* bar */
}

/* ---- rescaling and centring ---- */

static void test_rescale(void)
{
	address three[3] = {byte_addr(1), byte_addr(2), byte_addr(3)};
	uint64_t ones[3] = {1, 1, 1};
	bft_valset s;
	size_t p;

	/* Powers 1, 1, 1 (total 3, window 6), priorities 101, -99, 0: spread
	 * 200 > 6, ratio ceil(200 / 6) = 34; 101 / 34 = 2 and -99 / 34 = -2
	 * toward zero (floor would give -3); sum 0; +1 each: 3, -1, 1; a
	 * picked: 0, -1, 1. */
	CHECK_EQ_INT(bft_valset_init(&s, three, ones, 3), DURE_OK);
	set_priorities(&s, (const int64_t[]){101, -99, 0});
	p = 99;
	bft_valset_increment(&s, 1, &p);
	CHECK_EQ_INT(p, 0);
	CHECK(priorities_are(&s, (const int64_t[]){0, -1, 1}));

	/* Powers 1, 1 (window 4). Spread 5: ratio ceil(5 / 4) = 2, so 3, -2
	 * become 1, -1; sum 0; 2, 0; a: 0, 0. Unscaled it would be a with
	 * 2, -1. */
	CHECK_EQ_INT(bft_valset_init(&s, three, ones, 2), DURE_OK);
	set_priorities(&s, (const int64_t[]){3, -2});
	p = 99;
	bft_valset_increment(&s, 1, &p);
	CHECK_EQ_INT(p, 0);
	CHECK(priorities_are(&s, (const int64_t[]){0, 0}));

	/* Spread 4 = the window: no rescaling. 2, -2 -> 3, -1 -> a: 1, -1. */
	set_priorities(&s, (const int64_t[]){2, -2});
	bft_valset_increment(&s, 1, &p);
	CHECK_EQ_INT(p, 0);
	CHECK(priorities_are(&s, (const int64_t[]){1, -1}));

	/* The widest spread, INT64_MAX to INT64_MIN, 2^64 - 1 taken exactly
	 * (valset.c): ratio ceil((2^64 - 1) / 4) = 2^62; INT64_MAX / 2^62 = 1
	 * and INT64_MIN / 2^62 = -2; sum -1, floor(-1 / 2) = -1, so 2, -1;
	 * +1: 3, 0; a: 1, 0. */
	set_priorities(&s, (const int64_t[]){INT64_MAX, INT64_MIN});
	p = 99;
	bft_valset_increment(&s, 1, &p);
	CHECK_EQ_INT(p, 0);
	CHECK(priorities_are(&s, (const int64_t[]){1, 0}));

	/* A rescale by a large ratio on a big total: powers 2^59 and
	 * 2^59 - 1 (total 2^60 - 1, window 2^61 - 2), priorities INT64_MIN
	 * and 0: spread 2^63, ratio ceil(2^63 / (2^61 - 2)) = 5 (4 windows
	 * are 2^63 - 8); INT64_MIN / 5 = -1844674407370955161 toward zero,
	 * 0 stays; sum odd, its floor half -922337203685477581; centred:
	 * -922337203685477580 and 922337203685477581; +powers:
	 * -345876451382054092 and 1498797955988901068 (second picked),
	 * which loses 2^60 - 1: 345876451382054093. */
	uint64_t big[2] = {UINT64_C(1) << 59, (UINT64_C(1) << 59) - 1};
	CHECK_EQ_INT(bft_valset_init(&s, three, big, 2), DURE_OK);
	set_priorities(&s, (const int64_t[]){INT64_MIN, 0});
	p = 99;
	bft_valset_increment(&s, 1, &p);
	CHECK_EQ_INT(p, 1);
	CHECK(priorities_are(&s, (const int64_t[]){
		INT64_C(-345876451382054092), INT64_C(345876451382054093)}));
}

static void test_centre(void)
{
	address three[3] = {byte_addr(1), byte_addr(2), byte_addr(3)};
	uint64_t ones[3] = {1, 1, 1};
	bft_valset s;
	size_t p;

	/* -2, 0, 0: sum -2, floor(-2 / 3) = -1 (toward zero it would be 0):
	 * centred -1, 1, 1; +1: 0, 2, 2; b by address: 0, -1, 2. */
	CHECK_EQ_INT(bft_valset_init(&s, three, ones, 3), DURE_OK);
	set_priorities(&s, (const int64_t[]){-2, 0, 0});
	p = 99;
	bft_valset_increment(&s, 1, &p);
	CHECK_EQ_INT(p, 1);
	CHECK(priorities_are(&s, (const int64_t[]){0, -1, 2}));

	/* 2, 0, 0: floor(2 / 3) = 0; 3, 1, 1; a: 0, 1, 1. */
	set_priorities(&s, (const int64_t[]){2, 0, 0});
	bft_valset_increment(&s, 1, &p);
	CHECK_EQ_INT(p, 0);
	CHECK(priorities_are(&s, (const int64_t[]){0, 1, 1}));

	/* -3, -1, -2: sum -6, exactly -2: -1, 1, 0; +1: 0, 2, 1; b: 0, -1,
	 * 1. */
	set_priorities(&s, (const int64_t[]){-3, -1, -2});
	bft_valset_increment(&s, 1, &p);
	CHECK_EQ_INT(p, 1);
	CHECK(priorities_are(&s, (const int64_t[]){0, -1, 1}));

	/* Powers 1, 1 (window 4), -3, 0 spread 3: not rescaled; sum -3,
	 * floor(-3 / 2) = -2: -1, 2; +1: 0, 3; b: 0, 1. */
	CHECK_EQ_INT(bft_valset_init(&s, three, ones, 2), DURE_OK);
	set_priorities(&s, (const int64_t[]){-3, 0});
	bft_valset_increment(&s, 1, &p);
	CHECK_EQ_INT(p, 1);
	CHECK(priorities_are(&s, (const int64_t[]){0, 1}));
}

TEST_MAIN(test_init_refusals, test_init_sorted, test_thresholds,
          test_cometbft_selection1, test_cometbft_selection2,
          test_cometbft_priorities, test_rotation_by_hand, test_proposer,
          test_rescale, test_centre)
