/* BLAKE2b compression function F (RFC 7693, section 3.2), with the round
 * count as a parameter (EIP-152). Round i uses message schedule SIGMA[i % 10],
 * so counts above 12 simply keep cycling through the schedule.
 *
 * EIP-152 lets a caller ask for 2^32 - 1 rounds, so the round is written for
 * speed with GCC/Clang vector extensions (two 64-bit lanes; plain SSE2 on
 * x86-64). The 4x4 working matrix v[0..15] is held as four rows, each split
 * over two vectors:
 *
 *        lo vector     hi vector
 *   a:  v0  v1    |   v2  v3
 *   b:  v4  v5    |   v6  v7
 *   c:  v8  v9    |  v10 v11
 *   d: v12 v13    |  v14 v15
 *
 * so one pass of G over the four lanes is the column step. For the diagonal
 * step, G must see (v0,v5,v10,v15), (v1,v6,v11,v12), ... in one lane; b is
 * left in place and a, c, d are rotated around it instead, because b is the
 * last value the column step produces: shuffling b would put a shuffle on
 * the round's critical path, while a and c are ready early enough for their
 * shuffles to overlap other work, and d's is a free swap of its halves.
 *
 * The message words each round consumes are gathered once per call into
 * ten lane-ordered schedules, so the rounds themselves load whole vectors at
 * fixed offsets with no index table in the loop. */
#include "crypto/blake2f.h"

typedef uint64_t u64x2 __attribute__((vector_size(16)));
typedef uint32_t u32x4 __attribute__((vector_size(16)));
typedef uint16_t u16x8 __attribute__((vector_size(16)));

static const uint64_t blake2b_iv[8] = {
	0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL,
	0xa54ff53a5f1d36f1ULL, 0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL,
	0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};

static const uint8_t blake2b_sigma[10][16] = {
	{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
	{14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
	{11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
	{7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
	{9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
	{2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
	{12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
	{13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
	{6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
	{10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
};

/* Position k of a lane-ordered schedule holds the SIGMA slot feeding it:
 * column step x words (G0..G3), its y words, then the diagonal step's x and
 * y words. With b fixed, diagonal lane j is the G that touches v[4 + j], so
 * the lanes hold G7, G4, G5, G6 (SIGMA slots 14, 8, 10, 12 and 15, 9, 11, 13). */
static const uint8_t lane_order[16] = {
	0, 2, 4, 6, 1, 3, 5, 7, 14, 8, 10, 12, 15, 9, 11, 13,
};

/* The round is only fast fully inlined into the unrolled loop, with the state
 * in registers; GCC's size heuristics would otherwise make calls of it. */
#define HOT static inline __attribute__((always_inline))

struct state {
	u64x2 a0, a1, b0, b1, c0, c1, d0, d1;
};

HOT u64x2 ror32(u64x2 x)
{
	return (u64x2)__builtin_shufflevector((u32x4)x, (u32x4)x, 1, 0, 3, 2);
}

HOT u64x2 ror24(u64x2 x)
{
	return (x >> 24) | (x << 40);
}

/* One 16-bit word shuffle per half (pshuflw, pshufhw) beats two shifts and
 * an or; which word is which depends on byte order. */
HOT u64x2 ror16(u64x2 x)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (u64x2)__builtin_shufflevector((u16x8)x, (u16x8)x, 1, 2, 3, 0, 5,
	                                      6, 7, 4);
#else
	return (x >> 16) | (x << 48);
#endif
}

HOT u64x2 ror63(u64x2 x)
{
	return (x >> 63) ^ (x + x);
}

/* G on all four lanes at once; x and y point at two vectors each. The
 * message word is added to a before b so that only one add waits on b. */
HOT void g4(struct state *s, const u64x2 *x, const u64x2 *y)
{
	s->a0 = (s->a0 + x[0]) + s->b0;
	s->a1 = (s->a1 + x[1]) + s->b1;
	s->d0 = ror32(s->d0 ^ s->a0);
	s->d1 = ror32(s->d1 ^ s->a1);
	s->c0 += s->d0;
	s->c1 += s->d1;
	s->b0 = ror24(s->b0 ^ s->c0);
	s->b1 = ror24(s->b1 ^ s->c1);
	s->a0 = (s->a0 + y[0]) + s->b0;
	s->a1 = (s->a1 + y[1]) + s->b1;
	s->d0 = ror16(s->d0 ^ s->a0);
	s->d1 = ror16(s->d1 ^ s->a1);
	s->c0 += s->d0;
	s->c1 += s->d1;
	s->b0 = ror63(s->b0 ^ s->c0);
	s->b1 = ror63(s->b1 ^ s->c1);
}

/* Lane j of the rows then holds a[j - 1], b[j], c[j + 1], d[j + 2]. */
HOT void diagonalize(struct state *s)
{
	u64x2 t;

	t = __builtin_shufflevector(s->a1, s->a0, 1, 2);
	s->a1 = __builtin_shufflevector(s->a0, s->a1, 1, 2);
	s->a0 = t;
	t = __builtin_shufflevector(s->c0, s->c1, 1, 2);
	s->c1 = __builtin_shufflevector(s->c1, s->c0, 1, 2);
	s->c0 = t;
	t = s->d0;
	s->d0 = s->d1;
	s->d1 = t;
}

/* The inverse of diagonalize. */
HOT void undiagonalize(struct state *s)
{
	u64x2 t;

	t = __builtin_shufflevector(s->a0, s->a1, 1, 2);
	s->a1 = __builtin_shufflevector(s->a1, s->a0, 1, 2);
	s->a0 = t;
	t = __builtin_shufflevector(s->c1, s->c0, 1, 2);
	s->c1 = __builtin_shufflevector(s->c0, s->c1, 1, 2);
	s->c0 = t;
	t = s->d0;
	s->d0 = s->d1;
	s->d1 = t;
}

/* sm is one lane-ordered schedule: eight vectors. */
HOT void one_round(struct state *s, const u64x2 *sm)
{
	g4(s, sm, sm + 2);
	diagonalize(s);
	g4(s, sm + 4, sm + 6);
	undiagonalize(s);
}

void blake2f(uint32_t rounds, uint64_t h[8], const uint64_t m[16],
             const uint64_t t[2], bool last)
{
	u64x2 sched[10][8];
	unsigned nsched = rounds < 10 ? rounds : 10;

	for (unsigned r = 0; r < nsched; r++)
		for (unsigned k = 0; k < 16; k++)
			sched[r][k / 2][k % 2] = m[blake2b_sigma[r][lane_order[k]]];

	struct state s = {
		.a0 = {h[0], h[1]},
		.a1 = {h[2], h[3]},
		.b0 = {h[4], h[5]},
		.b1 = {h[6], h[7]},
		.c0 = {blake2b_iv[0], blake2b_iv[1]},
		.c1 = {blake2b_iv[2], blake2b_iv[3]},
		.d0 = {blake2b_iv[4] ^ t[0], blake2b_iv[5] ^ t[1]},
		.d1 = {last ? ~blake2b_iv[6] : blake2b_iv[6], blake2b_iv[7]},
	};

	/* Whole schedule cycles with constant offsets, then the tail. */
	uint32_t left = rounds;
	for (; left >= 10; left -= 10) {
		one_round(&s, sched[0]);
		one_round(&s, sched[1]);
		one_round(&s, sched[2]);
		one_round(&s, sched[3]);
		one_round(&s, sched[4]);
		one_round(&s, sched[5]);
		one_round(&s, sched[6]);
		one_round(&s, sched[7]);
		one_round(&s, sched[8]);
		one_round(&s, sched[9]);
	}
	for (uint32_t r = 0; r < left; r++)
		one_round(&s, sched[r]);

	u64x2 ac0 = s.a0 ^ s.c0, ac1 = s.a1 ^ s.c1;
	u64x2 bd0 = s.b0 ^ s.d0, bd1 = s.b1 ^ s.d1;
	h[0] ^= ac0[0];
	h[1] ^= ac0[1];
	h[2] ^= ac1[0];
	h[3] ^= ac1[1];
	h[4] ^= bd0[0];
	h[5] ^= bd0[1];
	h[6] ^= bd1[0];
	h[7] ^= bd1[1];
}
