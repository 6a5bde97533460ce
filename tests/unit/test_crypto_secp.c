/* secp256k1: key derivation on known keys, sign/recover round trips over many
 * keys, high-s acceptance in recovery, rejection of malformed signatures,
 * keys and encodings, and ECDH agreement. */
#include "base/hex.h"
#include "crypto/hash.h"
#include "crypto/secp.h"
#include "test.h"

static const uint8_t group_n[32] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
	0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b,
	0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
};

static const char gx_gy_hex[] =
	"79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
	"483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8";

static const uint8_t zero64[64];

/* out = n - s (big-endian), for 0 < s < n. */
static void negate_scalar(const uint8_t s[32], uint8_t out[32])
{
	int borrow = 0;

	for (int i = 31; i >= 0; i--) {
		int v = group_n[i] - s[i] - borrow;
		borrow = v < 0;
		out[i] = (uint8_t)(v + (borrow ? 256 : 0));
	}
}

static uint64_t rng_state = 0x243f6a8885a308d3ULL;

static void rng_fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		rng_state ^= rng_state >> 12;
		rng_state ^= rng_state << 25;
		rng_state ^= rng_state >> 27;
		p[i] = (uint8_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 56);
	}
}

static void test_known_keys(void)
{
	uint8_t key[32] = {0}, pub[64], g[64], want_addr[20];
	address addr;

	key[31] = 1;
	CHECK_EQ_INT(hex_decode_exact(gx_gy_hex, g, 64), DURE_OK);
	CHECK_EQ_INT(secp_pubkey_create(key, pub), DURE_OK);
	CHECK_MEM(pub, g, 64);
	secp_pubkey_address(pub, &addr);
	CHECK_EQ_INT(hex_decode_exact("7e5f4552091a69125d5dfcb7b8c2659029395bdf",
	                              want_addr, 20), DURE_OK);
	CHECK_MEM(addr.b, want_addr, 20);
}

/* RFC 6979 signatures with private key 1 over SHA-256 of two messages: the
 * secp256k1 vectors that wallet libraries (python-ecdsa, Trezor) share,
 * given here with s already in the lower half. */
static void check_rfc6979(const char *msg, const char *want_hex)
{
	uint8_t key[32] = {0}, hash[32], sig[64], want[64], pub[64], rec[64];
	int recid = -1;

	key[31] = 1;
	CHECK_EQ_INT(hex_decode_exact(want_hex, want, 64), DURE_OK);
	sha256((const uint8_t *)msg, strlen(msg), hash);
	CHECK_EQ_INT(secp_sign(key, hash, sig, &recid), DURE_OK);
	CHECK_MEM(sig, want, 64);
	CHECK_EQ_INT(secp_pubkey_create(key, pub), DURE_OK);
	CHECK_EQ_INT(secp_recover(hash, sig, recid, rec), DURE_OK);
	CHECK_MEM(rec, pub, 64);
}

static void test_known_signatures(void)
{
	check_rfc6979("Satoshi Nakamoto",
		"934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d8"
		"2442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5");
	check_rfc6979("All those moments will be lost in time, like tears in rain. "
	              "Time to die...",
		"8600dbd41e348fe5c9465ab92d23e3db8b98b873beecd930736488696438cb6b"
		"547fe64427496db33bf66019dacbf0039c04199abb0122918601db38a72cfc21");
}

/* The "cow" key of ethereum/tests' keyaddrtest and its address. */
static void test_fixture_key(void)
{
	uint8_t key[32], pub[64], want_addr[20];
	address addr;

	CHECK_EQ_INT(hex_decode_exact(
		"c85ef7d79691fe79573b1a7064c19c1a9819ebdbd1faaab1a8ec92344438aaf4",
		key, 32), DURE_OK);
	CHECK_EQ_INT(hex_decode_exact("cd2a3d9f938e13cd947ec05abc7fe734df8dd826",
	                              want_addr, 20), DURE_OK);
	CHECK_EQ_INT(secp_pubkey_create(key, pub), DURE_OK);
	secp_pubkey_address(pub, &addr);
	CHECK_MEM(addr.b, want_addr, 20);
}

static void test_sign_recover_roundtrip(void)
{
	unsigned bad = 0, high_s = 0;

	for (int i = 0; i < 300; i++) {
		uint8_t key[32], hash[32], pub[64], rec[64], sig[64], hi[64];
		int recid;

		rng_fill(key, 32);
		rng_fill(hash, 32);
		if (secp_pubkey_create(key, pub) != DURE_OK) {
			bad++;
			continue;
		}
		bad += secp_sign(key, hash, sig, &recid) != DURE_OK;
		bad += recid < 0 || recid > 3;
		high_s += !secp_s_is_low(sig + 32);
		bad += secp_recover(hash, sig, recid, rec) != DURE_OK;
		bad += memcmp(rec, pub, 64) != 0;

		/* Signing is deterministic. */
		uint8_t sig2[64];
		int recid2;
		bad += secp_sign(key, hash, sig2, &recid2) != DURE_OK;
		bad += memcmp(sig, sig2, 64) != 0 || recid != recid2;

		/* (r, n - s) with the other y parity recovers the same key. */
		memcpy(hi, sig, 32);
		negate_scalar(sig + 32, hi + 32);
		bad += secp_s_is_low(hi + 32);
		bad += secp_recover(hash, hi, recid ^ 1, rec) != DURE_OK;
		bad += memcmp(rec, pub, 64) != 0;

		/* A different hash or recid yields some other key, or none. */
		hash[i % 32] ^= 0x01;
		if (secp_recover(hash, sig, recid, rec) == DURE_OK)
			bad += memcmp(rec, pub, 64) == 0;
		hash[i % 32] ^= 0x01;
		if (secp_recover(hash, sig, recid ^ 1, rec) == DURE_OK)
			bad += memcmp(rec, pub, 64) == 0;
	}
	CHECK_EQ_INT(bad, 0);
	CHECK_EQ_INT(high_s, 0);
}

static void test_invalid_keys(void)
{
	uint8_t key[32], pub[64], sig[64], hash[32] = {1};
	int recid = 7;

	memset(key, 0, 32);
	memset(pub, 0xee, 64);
	CHECK_EQ_INT(secp_pubkey_create(key, pub), DURE_EKEY);
	CHECK_MEM(pub, zero64, 64);
	memset(sig, 0xee, 64);
	CHECK_EQ_INT(secp_sign(key, hash, sig, &recid), DURE_EKEY);
	CHECK_MEM(sig, zero64, 64);
	CHECK_EQ_INT(recid, 0);

	memcpy(key, group_n, 32);                       /* n */
	CHECK_EQ_INT(secp_pubkey_create(key, pub), DURE_EKEY);
	CHECK_EQ_INT(secp_sign(key, hash, sig, &recid), DURE_EKEY);
	memset(key, 0xff, 32);                          /* > n */
	CHECK_EQ_INT(secp_pubkey_create(key, pub), DURE_EKEY);

	memcpy(key, group_n, 32);                       /* n - 1 is valid */
	key[31]--;
	CHECK_EQ_INT(secp_pubkey_create(key, pub), DURE_OK);
}

static void test_invalid_signatures(void)
{
	uint8_t key[32] = {0}, hash[32], sig[64], bad_sig[64], pub[64];
	int recid;

	key[31] = 42;
	rng_fill(hash, 32);
	CHECK_EQ_INT(secp_sign(key, hash, sig, &recid), DURE_OK);

	/* r = 0, s = 0, r = n, s = n, r = 2^256 - 1 */
	memcpy(bad_sig, sig, 64);
	memset(bad_sig, 0, 32);
	memset(pub, 0xee, 64);
	CHECK_EQ_INT(secp_recover(hash, bad_sig, recid, pub), DURE_ESIG);
	CHECK_MEM(pub, zero64, 64);
	memcpy(bad_sig, sig, 64);
	memset(bad_sig + 32, 0, 32);
	CHECK_EQ_INT(secp_recover(hash, bad_sig, recid, pub), DURE_ESIG);
	memcpy(bad_sig, sig, 64);
	memcpy(bad_sig, group_n, 32);
	CHECK_EQ_INT(secp_recover(hash, bad_sig, recid, pub), DURE_ESIG);
	memcpy(bad_sig, sig, 64);
	memcpy(bad_sig + 32, group_n, 32);
	CHECK_EQ_INT(secp_recover(hash, bad_sig, recid, pub), DURE_ESIG);
	memcpy(bad_sig, sig, 64);
	memset(bad_sig, 0xff, 32);
	CHECK_EQ_INT(secp_recover(hash, bad_sig, recid, pub), DURE_ESIG);

	/* Recovery ids outside 0..3. */
	CHECK_EQ_INT(secp_recover(hash, sig, -1, pub), DURE_ESIG);
	CHECK_EQ_INT(secp_recover(hash, sig, 4, pub), DURE_ESIG);
	CHECK_EQ_INT(secp_recover(hash, sig, 27, pub), DURE_ESIG);

	/* recid 2 or 3 means x = r + n, which is beyond p for nearly every r:
	 * no point, so no key. */
	CHECK_EQ_INT(secp_recover(hash, sig, (recid & 1) | 2, pub), DURE_ESIG);
}

static void test_s_is_low(void)
{
	uint8_t half[32], s[32] = {0};

	CHECK_EQ_INT(hex_decode_exact(
		"7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0",
		half, 32), DURE_OK);
	CHECK(secp_s_is_low(half));
	memcpy(s, half, 32);
	s[31]++;
	CHECK(!secp_s_is_low(s));
	memset(s, 0, 32);
	s[31] = 1;
	CHECK(secp_s_is_low(s));
	CHECK(!secp_s_is_low(group_n));
}

static void test_pubkey_encodings(void)
{
	uint8_t g[64], pub[64], sec1[65], comp[33];
	unsigned bad = 0;

	CHECK_EQ_INT(hex_decode_exact(gx_gy_hex, g, 64), DURE_OK);
	sec1[0] = 0x04;
	memcpy(sec1 + 1, g, 64);
	CHECK_EQ_INT(secp_pubkey_parse(sec1, 65, pub), DURE_OK);
	CHECK_MEM(pub, g, 64);
	secp_pubkey_compress(g, comp);
	CHECK_EQ_INT(comp[0], 0x02);                /* G's y is even */
	CHECK_EQ_INT(secp_pubkey_parse(comp, 33, pub), DURE_OK);
	CHECK_MEM(pub, g, 64);

	/* Both parities round-trip through the compressed form. */
	for (int i = 0; i < 50; i++) {
		uint8_t key[32];

		rng_fill(key, 32);
		if (secp_pubkey_create(key, pub) != DURE_OK) {
			bad++;
			continue;
		}
		uint8_t back[64];
		secp_pubkey_compress(pub, comp);
		bad += comp[0] != (0x02 | (pub[63] & 1));
		bad += secp_pubkey_parse(comp, 33, back) != DURE_OK;
		bad += memcmp(back, pub, 64) != 0;
	}
	CHECK_EQ_INT(bad, 0);

	/* Hybrid form, wrong lengths, wrong prefixes, points off the curve. */
	sec1[0] = 0x06;
	memset(pub, 0xee, 64);
	CHECK_EQ_INT(secp_pubkey_parse(sec1, 65, pub), DURE_EKEY);
	CHECK_MEM(pub, zero64, 64);
	sec1[0] = 0x04;
	CHECK_EQ_INT(secp_pubkey_parse(sec1, 64, pub), DURE_EKEY);
	CHECK_EQ_INT(secp_pubkey_parse(sec1 + 1, 64, pub), DURE_EKEY);
	CHECK_EQ_INT(secp_pubkey_parse(sec1, 0, pub), DURE_EKEY);
	comp[0] = 0x04;
	CHECK_EQ_INT(secp_pubkey_parse(comp, 33, pub), DURE_EKEY);
	sec1[64] ^= 1;                              /* y + 1: off the curve */
	CHECK_EQ_INT(secp_pubkey_parse(sec1, 65, pub), DURE_EKEY);
	memset(comp + 1, 0xff, 32);                 /* x >= p */
	comp[0] = 0x02;
	CHECK_EQ_INT(secp_pubkey_parse(comp, 33, pub), DURE_EKEY);
}

static void test_ecdh(void)
{
	uint8_t a[32], b[32], pa[64], pb[64], xa[32], xb[32], g[64];
	unsigned bad = 0;

	for (int i = 0; i < 50; i++) {
		rng_fill(a, 32);
		rng_fill(b, 32);
		bad += secp_pubkey_create(a, pa) != DURE_OK;
		bad += secp_pubkey_create(b, pb) != DURE_OK;
		bad += secp_ecdh_raw(pb, a, xa) != DURE_OK;
		bad += secp_ecdh_raw(pa, b, xb) != DURE_OK;
		bad += memcmp(xa, xb, 32) != 0;
	}
	CHECK_EQ_INT(bad, 0);

	/* 1 * P = P: the raw x coordinate, unhashed. And a * G = A. */
	memset(b, 0, 32);
	b[31] = 1;
	CHECK_EQ_INT(secp_ecdh_raw(pa, b, xa), DURE_OK);
	CHECK_MEM(xa, pa, 32);
	CHECK_EQ_INT(hex_decode_exact(gx_gy_hex, g, 64), DURE_OK);
	CHECK_EQ_INT(secp_ecdh_raw(g, a, xa), DURE_OK);
	CHECK_MEM(xa, pa, 32);

	/* Off-curve peer key, zero secret. */
	memcpy(pb, pa, 64);
	pb[63] ^= 1;
	memset(xa, 0xee, 32);
	CHECK_EQ_INT(secp_ecdh_raw(pb, a, xa), DURE_EKEY);
	CHECK_MEM(xa, zero64, 32);
	memset(b, 0, 32);
	CHECK_EQ_INT(secp_ecdh_raw(pa, b, xa), DURE_EKEY);
	CHECK_EQ_INT(secp_ecdh_raw(pa, group_n, xa), DURE_EKEY);
}

TEST_MAIN(test_known_keys, test_known_signatures, test_fixture_key,
          test_sign_recover_roundtrip, test_invalid_keys,
          test_invalid_signatures, test_s_is_low, test_pubkey_encodings,
          test_ecdh)
