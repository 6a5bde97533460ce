/* BLAKE2b F against the EIP-152 test vectors 4 to 7. The inputs are the
 * precompile's 213-byte encoding, decoded here the way the precompile will:
 *
 *   rounds (4, big-endian) | h (8 x 8, LE) | m (16 x 8, LE) | t (2 x 8, LE) | f
 *
 * Vector 8 (2^32 - 1 rounds) is left out: it runs for minutes by design. */
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

TEST_MAIN(test_zero_rounds, test_blake2b_abc, test_not_last, test_one_round)
