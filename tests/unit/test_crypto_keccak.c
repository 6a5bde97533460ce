/* Keccak-256: known digests (checked against an independent reference
 * implementation of FIPS 202's Keccak-f with the original 0x01 padding),
 * agreement with a slow textbook Keccak written here from FIPS 202 (so the
 * lane-complemented permutation and the one-shot path are checked at every
 * length and input alignment), streaming at every split point, and the
 * copyable, non-destructive context. */
#include <stdlib.h>

#include "base/hex.h"
#include "crypto/keccak.h"
#include "test.h"

static void check_digest(const uint8_t *p, size_t n, const char *want_hex)
{
	uint8_t want[32], got[32];

	CHECK_EQ_INT(hex_decode_exact(want_hex, want, 32), DURE_OK);
	keccak256(p, n, got);
	CHECK_MEM(got, want, 32);
}

static void test_known_vectors(void)
{
	uint8_t a3[200], a[137];

	check_digest(NULL, 0,
		"c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
	check_digest((const uint8_t *)"abc", 3,
		"4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
	check_digest((const uint8_t *)"The quick brown fox jumps over the lazy dog",
		43, "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15");
	memset(a3, 0xa3, sizeof a3);
	check_digest(a3, sizeof a3,
		"3a57666b048777f2c953dc4456f45a2588e1cb6f2da760122d530ac2ce607d4a");
	/* Around the 136-byte rate: the padding bytes merge (135), fill a whole
	 * extra block (136), or start a new one (137). */
	memset(a, 'a', sizeof a);
	check_digest(a, 135,
		"34367dc248bbd832f4e3e69dfaac2f92638bd0bbd18f2912ba4ef454919cf446");
	check_digest(a, 136,
		"a6c4d403279fe3e0af03729caada8374b5ca54d8065329a3ebcaeb4b60aa386e");
	check_digest(a, 137,
		"d869f639c7046b4929fc92a4d988a8b22c55fbadb802c0c66ebcd484f1915f39");
}

/* FIPS 202, section 3.2, step by step on a 5x5 lane array, with the round
 * constants from the rc LFSR rather than a table: deliberately unlike
 * src/crypto/keccak.c. */
static uint64_t ref_rol(uint64_t v, unsigned n)
{
	n %= 64;
	return n ? (v << n) | (v >> (64 - n)) : v;
}

static int ref_rc_bit(unsigned t)
{
	unsigned r = 1;

	for (unsigned i = 0; i < t % 255; i++)
		r = (r & 0x80) ? ((r << 1) ^ 0x71) & 0xff : r << 1;
	return r & 1;
}

static void ref_permute(uint64_t a[5][5])
{
	for (unsigned ir = 0; ir < 24; ir++) {
		uint64_t c[5], b[5][5], rc = 0;
		unsigned x, y, t;

		for (x = 0; x < 5; x++)
			c[x] = a[x][0] ^ a[x][1] ^ a[x][2] ^ a[x][3] ^ a[x][4];
		for (x = 0; x < 5; x++)
			for (y = 0; y < 5; y++)
				a[x][y] ^= c[(x + 4) % 5] ^ ref_rol(c[(x + 1) % 5], 1);
		for (x = 1, y = 0, t = 0; t < 24; t++) {
			unsigned nx = y, ny = (2 * x + 3 * y) % 5;

			a[x][y] = ref_rol(a[x][y], (t + 1) * (t + 2) / 2);
			x = nx;
			y = ny;
		}
		for (x = 0; x < 5; x++)
			for (y = 0; y < 5; y++)
				b[x][y] = a[(x + 3 * y) % 5][x];
		for (x = 0; x < 5; x++)
			for (y = 0; y < 5; y++)
				a[x][y] = b[x][y] ^ (~b[(x + 1) % 5][y] & b[(x + 2) % 5][y]);
		for (unsigned j = 0; j < 7; j++)
			rc |= (uint64_t)ref_rc_bit(j + 7 * ir) << ((1u << j) - 1);
		a[0][0] ^= rc;
	}
}

static void ref_keccak256(const uint8_t *p, size_t n, uint8_t out[32])
{
	uint64_t a[5][5] = {{0}};
	size_t padded = (n / 136 + 1) * 136;

	for (size_t i = 0; i < padded; i++) {
		uint8_t v = i < n ? p[i] : 0;

		v ^= i == n ? 0x01 : 0;
		v ^= i == padded - 1 ? 0x80 : 0;
		a[(i % 136) / 8 % 5][(i % 136) / 40] ^= (uint64_t)v << (8 * (i % 8));
		if (i % 136 == 135)
			ref_permute(a);
	}
	for (size_t i = 0; i < 32; i++)
		out[i] = (uint8_t)(a[i / 8][0] >> (8 * (i % 8)));
}

/* Every length up to 300 (one block, the 135/136/137 edges, two blocks, a
 * third started) at every input alignment, one-shot and streamed in three
 * uneven pieces, against the textbook version. */
static void test_against_reference(void)
{
	uint8_t msg[300 + 8], want[32], got[32];
	unsigned bad_oneshot = 0, bad_stream = 0;

	for (size_t i = 0; i < sizeof msg; i++)
		msg[i] = (uint8_t)(i * 167 + 11);
	ref_keccak256(NULL, 0, want);
	keccak256(NULL, 0, got);
	CHECK_MEM(got, want, 32);
	for (size_t n = 0; n <= 300; n++) {
		for (size_t al = 0; al < 8; al++) {
			const uint8_t *m = msg + al;
			keccak_ctx c;
			size_t k1 = (n * 5 + al) / 11, k2 = k1 + (n - k1) * 2 / 3;

			ref_keccak256(m, n, want);
			keccak256(m, n, got);
			bad_oneshot += memcmp(got, want, 32) != 0;
			keccak256_init(&c);
			keccak256_update(&c, m, k1);
			keccak256_update(&c, m + k1, k2 - k1);
			keccak256_update(&c, m + k2, n - k2);
			keccak256_final(&c, got);
			bad_stream += memcmp(got, want, 32) != 0;
		}
	}
	CHECK_EQ_INT(bad_oneshot, 0);
	CHECK_EQ_INT(bad_stream, 0);
}

static void test_long_inputs(void)
{
	size_t n = (size_t)1 << 20;
	uint8_t *m = malloc(n);
	uint8_t want[32], got[32];
	keccak_ctx c;

	CHECK(m != NULL);
	if (!m)
		return;
	for (size_t i = 0; i < n; i++)
		m[i] = (uint8_t)((i * 7 + 3) % 251);
	check_digest(m, n,
		"2ba90fb0a8de98b2d3ff8b5cced9e4cc2a36f1eabb72c054284824af2136f1a4");

	/* A million 'a's, fed in uneven chunks that cross block edges. */
	memset(m, 'a', 1000000);
	CHECK_EQ_INT(hex_decode_exact(
		"fadae6b49f129bbb812be8407b7b2894f34aecf6dbd1f9b0f0c7e9853098fc96",
		want, 32), DURE_OK);
	keccak256_init(&c);
	for (size_t off = 0, step = 1; off < 1000000; step = step * 3 % 1009 + 1) {
		size_t k = step < 1000000 - off ? step : 1000000 - off;
		keccak256_update(&c, m + off, k);
		off += k;
	}
	keccak256_final(&c, got);
	CHECK_MEM(got, want, 32);
	keccak256(m, 1000000, got);
	CHECK_MEM(got, want, 32);
	free(m);
}

/* For every length up to 3 blocks and every split point, two updates give the
 * one-shot digest; so does feeding one byte at a time. */
static void test_split_points(void)
{
	uint8_t m[3 * 136 + 5], one[32], two[32], bytewise[32];
	unsigned bad_split = 0, bad_bytewise = 0;

	for (size_t i = 0; i < sizeof m; i++)
		m[i] = (uint8_t)(i * 131 + 17);
	for (size_t n = 0; n <= sizeof m; n++) {
		keccak_ctx c;

		keccak256(m, n, one);
		for (size_t k = 0; k <= n; k++) {
			keccak256_init(&c);
			keccak256_update(&c, m, k);
			keccak256_update(&c, m + k, n - k);
			keccak256_final(&c, two);
			bad_split += memcmp(one, two, 32) != 0;
		}
		keccak256_init(&c);
		for (size_t i = 0; i < n; i++)
			keccak256_update(&c, m + i, 1);
		keccak256_final(&c, bytewise);
		bad_bytewise += memcmp(one, bytewise, 32) != 0;
	}
	CHECK_EQ_INT(bad_split, 0);
	CHECK_EQ_INT(bad_bytewise, 0);
}

/* final leaves the context usable, and a copied context is an independent
 * snapshot: what the RLPx MACs rely on. */
static void test_context_snapshot(void)
{
	uint8_t m[300], d1[32], d2[32], want[32];
	keccak_ctx c, snap;

	for (size_t i = 0; i < sizeof m; i++)
		m[i] = (uint8_t)i;
	keccak256_init(&c);
	keccak256_update(&c, m, 100);
	keccak256_final(&c, d1);
	keccak256(m, 100, want);
	CHECK_MEM(d1, want, 32);

	snap = c;
	keccak256_update(&c, m + 100, 200);
	keccak256_final(&c, d2);
	keccak256(m, 300, want);
	CHECK_MEM(d2, want, 32);

	keccak256_final(&snap, d2);
	CHECK_MEM(d2, d1, 32);
	keccak256_update(&c, NULL, 0);
	keccak256_final(&c, d2);
	CHECK_MEM(d2, want, 32);
}

static void test_output_aliases_input(void)
{
	uint8_t v[32], want[32];

	for (int i = 0; i < 32; i++)
		v[i] = (uint8_t)(255 - i);
	keccak256(v, 32, want);
	keccak256(v, 32, v);
	CHECK_MEM(v, want, 32);
}

TEST_MAIN(test_known_vectors, test_against_reference, test_long_inputs,
          test_split_points, test_context_snapshot, test_output_aliases_input)
