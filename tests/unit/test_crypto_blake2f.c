/* BLAKE2b F against the EIP-152 test vectors 4 to 7. The inputs are the
 * precompile's 213-byte encoding, decoded here the way the precompile will:
 *
 *   rounds (4, big-endian) | h (8 x 8, LE) | m (16 x 8, LE) | t (2 x 8, LE) | f
 *
 * Vector 8 (2^32 - 1 rounds) is left out: it runs for minutes by design.
 * The vectorised, unrolled implementation is also compared against a plain
 * transcription of RFC 7693's F kept here, on pseudo-random inputs, so that
 * every schedule position, every tail length of the 10-round unrolling and
 * both values of the final flag are covered. */
#include "base/hex.h"
#include "crypto/blake2f.h"
#include "test.h"

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Part of every vector: h is BLAKE2b-512's initial state, m is "abc". */
#define HM_HEX                                                                 \
	"48c9bdf267e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5"         \
	"d182e6ad7f520e511f6c3e2b8c68059b6bbd41fbabd9831f79217e1319cde05b"         \
	"6162630000000000000000000000000000000000000000000000000000000000"         \
	"0000000000000000000000000000000000000000000000000000000000000000"         \
	"0000000000000000000000000000000000000000000000000000000000000000"         \
	"0000000000000000000000000000000000000000000000000000000000000000"         \
	"0300000000000000"                                                         \
	"0000000000000000"

static void check_vector(const char *rounds_hex, const char *f_hex,
                         const char *want_hex)
{
	char in_hex[2 * 213 + 1];
	uint8_t in[213], want[64], got[64];
	uint64_t h[8], m[16], t[2];

	snprintf(in_hex, sizeof in_hex, "%s%s%s", rounds_hex, HM_HEX, f_hex);
	CHECK_EQ_INT(hex_decode_exact(in_hex, in, sizeof in), DURE_OK);
	CHECK_EQ_INT(hex_decode_exact(want_hex, want, sizeof want), DURE_OK);

	uint32_t rounds = (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 |
	                  (uint32_t)in[2] << 8 | in[3];
	for (int i = 0; i < 8; i++)
		h[i] = le64(in + 4 + 8 * i);
	for (int i = 0; i < 16; i++)
		m[i] = le64(in + 68 + 8 * i);
	t[0] = le64(in + 196);
	t[1] = le64(in + 204);
	blake2f(rounds, h, m, t, in[212] == 1);
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 8; j++)
			got[8 * i + j] = (uint8_t)(h[i] >> (8 * j));
	CHECK_MEM(got, want, 64);
}

static void test_zero_rounds(void)   /* EIP-152 vector 4 */
{
	check_vector("00000000", "01",
		"08c9bcf367e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5"
		"d282e6ad7f520e511f6c3e2b8c68059b9442be0454267ce079217e1319cde05b");
}

static void test_blake2b_abc(void)   /* vector 5: BLAKE2b-512("abc") */
{
	check_vector("0000000c", "01",
		"ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
		"7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923");
}

static void test_not_last(void)      /* vector 6 */
{
	check_vector("0000000c", "00",
		"75ab69d3190a562c51aef8d88f1c2775876944407270c42c9844252c26d28752"
		"98743e7f6d5ea2f2d3e8d226039cd31b4e426ac4f2d3d666a610c2116fde4735");
}

static void test_one_round(void)     /* vector 7 */
{
	check_vector("00000001", "01",
		"b63a380cb2897d521994a85234ee2c181b5f844d2c624c002677e9703449d2fb"
		"a551b3a8333bcdf5f2f7e08993d53923de3d64fcc68c034e717b9293fed7a421");
}

static const uint64_t ref_iv[8] = {
	0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL,
	0xa54ff53a5f1d36f1ULL, 0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL,
	0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};

static const uint8_t ref_sigma[10][16] = {
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

static uint64_t ref_ror(uint64_t x, unsigned n)
{
	return x >> n | x << (64 - n);
}

static void ref_g(uint64_t v[16], int a, int b, int c, int d, uint64_t x,
                  uint64_t y)
{
	v[a] = v[a] + v[b] + x;
	v[d] = ref_ror(v[d] ^ v[a], 32);
	v[c] = v[c] + v[d];
	v[b] = ref_ror(v[b] ^ v[c], 24);
	v[a] = v[a] + v[b] + y;
	v[d] = ref_ror(v[d] ^ v[a], 16);
	v[c] = v[c] + v[d];
	v[b] = ref_ror(v[b] ^ v[c], 63);
}

/* RFC 7693 section 3.2, word for word. */
static void ref_blake2f(uint32_t rounds, uint64_t h[8], const uint64_t m[16],
                        const uint64_t t[2], bool last)
{
	uint64_t v[16];

	for (int i = 0; i < 8; i++) {
		v[i] = h[i];
		v[i + 8] = ref_iv[i];
	}
	v[12] ^= t[0];
	v[13] ^= t[1];
	if (last)
		v[14] = ~v[14];
	for (uint32_t r = 0; r < rounds; r++) {
		const uint8_t *s = ref_sigma[r % 10];
		ref_g(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
		ref_g(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
		ref_g(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
		ref_g(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
		ref_g(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
		ref_g(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
		ref_g(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
		ref_g(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
	}
	for (int i = 0; i < 8; i++)
		h[i] ^= v[i] ^ v[i + 8];
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)   /* xorshift64*: fixed seed, reproducible */
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* Returns whether blake2f and the reference agree on one random input. */
static bool agrees(uint32_t rounds, bool last)
{
	uint64_t h[8], want[8], m[16], t[2];

	for (int i = 0; i < 8; i++)
		h[i] = want[i] = rng();
	for (int i = 0; i < 16; i++)
		m[i] = rng();
	t[0] = rng();
	t[1] = rng();
	blake2f(rounds, h, m, t, last);
	ref_blake2f(rounds, want, m, t, last);
	return memcmp(h, want, sizeof h) == 0;
}

static void test_matches_reference_small(void)
{
	int bad = 0;

	for (uint32_t rounds = 0; rounds <= 25; rounds++)
		for (int i = 0; i < 40; i++)
			bad += !agrees(rounds, i & 1);
	CHECK_EQ_INT(bad, 0);
}

static void test_matches_reference_large(void)
{
	static const uint32_t counts[] = {99, 100, 101, 1009, 12345, 100000};
	int bad = 0;

	for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
		bad += !agrees(counts[i], true);
		bad += !agrees(counts[i], false);
	}
	CHECK_EQ_INT(bad, 0);
}

TEST_MAIN(test_zero_rounds, test_blake2b_abc, test_not_last, test_one_round,
          test_matches_reference_small, test_matches_reference_large)
