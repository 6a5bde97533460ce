/* ECIES (RLPx flavour): roundtrips, tamper detection, the legacy RLPx auth
 * vector from EIP-8 decrypted with its recipient's key, and bad input. */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/hex.h"
#include "crypto/ecies.h"
#include "crypto/secp.h"
#include "test.h"

static const uint8_t key_b[32] = {
	0xb7, 0x1c, 0x71, 0xa6, 0x7e, 0x11, 0x77, 0xad, 0x4e, 0x90, 0x16,
	0x95, 0xe1, 0xb4, 0xb9, 0xee, 0x17, 0xae, 0x16, 0xc6, 0x66, 0x8d,
	0x31, 0x3e, 0xac, 0x2f, 0x96, 0xdb, 0xcd, 0xa3, 0xf2, 0x91};

static void roundtrip_sizes(void)
{
	uint8_t pub[64];
	CHECK_EQ_INT(secp_pubkey_create(key_b, pub), 0);
	static const size_t sizes[] = {0, 1, 15, 16, 17, 194, 1000, 70000};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		size_t n = sizes[i];
		uint8_t *m = malloc(n + 1);
		for (size_t j = 0; j < n; j++)
			m[j] = (uint8_t)(j * 7 + 3);
		buf c = BUF_INIT, p = BUF_INIT;
		uint8_t s2[2] = {(uint8_t)(n >> 8), (uint8_t)n};
		CHECK_EQ_INT(ecies_encrypt(pub, m, n, s2, 2, &c), 0);
		CHECK_EQ_INT(c.len, n + ECIES_OVERHEAD);
		CHECK_EQ_INT(c.data[0], 0x04);
		CHECK_EQ_INT(ecies_decrypt(key_b, c.data, c.len, s2, 2, &p), 0);
		CHECK_EQ_INT(p.len, n);
		CHECK(n == 0 || memcmp(p.data, m, n) == 0);
		buf_free(&c);
		buf_free(&p);
		free(m);
	}
}

/* Two encryptions of one message differ (fresh key and IV). */
static void randomised(void)
{
	uint8_t pub[64];
	CHECK_EQ_INT(secp_pubkey_create(key_b, pub), 0);
	buf a = BUF_INIT, b = BUF_INIT;
	CHECK_EQ_INT(ecies_encrypt(pub, (const uint8_t *)"hello", 5, NULL, 0, &a), 0);
	CHECK_EQ_INT(ecies_encrypt(pub, (const uint8_t *)"hello", 5, NULL, 0, &b), 0);
	CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) != 0);
	buf_free(&a);
	buf_free(&b);
}

static void seeded_is_deterministic(void)
{
	uint8_t pub[64], r[32], iv[16];
	CHECK_EQ_INT(secp_pubkey_create(key_b, pub), 0);
	memset(r, 0x11, 32);
	memset(iv, 0x22, 16);
	buf a = BUF_INIT, b = BUF_INIT, p = BUF_INIT;
	CHECK_EQ_INT(ecies_encrypt_seeded(pub, r, iv, (const uint8_t *)"abc", 3,
	                                  NULL, 0, &a), 0);
	CHECK_EQ_INT(ecies_encrypt_seeded(pub, r, iv, (const uint8_t *)"abc", 3,
	                                  NULL, 0, &b), 0);
	CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	CHECK_MEM(a.data + 65, iv, 16);
	CHECK_EQ_INT(ecies_decrypt(key_b, a.data, a.len, NULL, 0, &p), 0);
	CHECK(p.len == 3 && memcmp(p.data, "abc", 3) == 0);
	/* An invalid ephemeral key is refused, not used. */
	memset(r, 0, 32);
	buf_reset(&b);
	CHECK_EQ_INT(ecies_encrypt_seeded(pub, r, iv, (const uint8_t *)"abc", 3,
	                                  NULL, 0, &b), DURE_EKEY);
	CHECK_EQ_INT(b.len, 0);
	buf_free(&a);
	buf_free(&b);
	buf_free(&p);
}

static void tamper(void)
{
	uint8_t pub[64];
	CHECK_EQ_INT(secp_pubkey_create(key_b, pub), 0);
	uint8_t m[40];
	memset(m, 0x5a, sizeof m);
	buf c = BUF_INIT, p = BUF_INIT;
	CHECK_EQ_INT(ecies_encrypt(pub, m, sizeof m, (const uint8_t *)"ab", 2, &c), 0);
	/* Every byte of IV, ciphertext and tag is covered by the MAC. */
	int caught = 0;
	for (size_t i = 65; i < c.len; i++) {
		c.data[i] ^= 0x01;
		if (ecies_decrypt(key_b, c.data, c.len, (const uint8_t *)"ab", 2,
		                  &p) == DURE_EECIES_MAC)
			caught++;
		c.data[i] ^= 0x01;
	}
	CHECK_EQ_INT(caught, (int)(c.len - 65));
	CHECK_EQ_INT(p.len, 0);
	/* So is the shared MAC data, which is not in the message. */
	CHECK_EQ_INT(ecies_decrypt(key_b, c.data, c.len, (const uint8_t *)"ac", 2, &p),
	             DURE_EECIES_MAC);
	CHECK_EQ_INT(ecies_decrypt(key_b, c.data, c.len, NULL, 0, &p),
	             DURE_EECIES_MAC);
	/* A changed R either leaves the curve or yields another key. */
	c.data[10] ^= 0x01;
	int err = ecies_decrypt(key_b, c.data, c.len, (const uint8_t *)"ab", 2, &p);
	CHECK(err == DURE_EKEY || err == DURE_EECIES_MAC);
	c.data[10] ^= 0x01;
	/* Wrong recipient. */
	uint8_t other[32];
	memset(other, 0x42, 32);
	CHECK_EQ_INT(ecies_decrypt(other, c.data, c.len, (const uint8_t *)"ab", 2, &p),
	             DURE_EECIES_MAC);
	/* Short or wrongly tagged input. */
	CHECK_EQ_INT(ecies_decrypt(key_b, c.data, 112, NULL, 0, &p), DURE_EECIES_FORMAT);
	CHECK_EQ_INT(ecies_decrypt(key_b, c.data, 0, NULL, 0, &p), DURE_EECIES_FORMAT);
	c.data[0] = 0x02;
	CHECK_EQ_INT(ecies_decrypt(key_b, c.data, c.len, (const uint8_t *)"ab", 2, &p),
	             DURE_EECIES_FORMAT);
	CHECK_EQ_INT(p.len, 0);
	buf_free(&c);
	buf_free(&p);
}

/* EIP-8 test vector Auth1 (legacy RLPx v4 format), sent from A to B. */
static const char auth1_hex[] =
	"048ca79ad18e4b0659fab4853fe5bc58eb83992980f4c9cc147d2aa31532efd29a3d3dc6a3d89eaf"
	"913150cfc777ce0ce4af2758bf4810235f6e6ceccfee1acc6b22c005e9e3a49d6448610a58e98744"
	"ba3ac0399e82692d67c1f58849050b3024e21a52c9d3b01d871ff5f210817912773e610443a9ef14"
	"2e91cdba0bd77b5fdf0769b05671fc35f83d83e4d3b0b000c6b2a1b1bba89e0fc51bf4e460df3105"
	"c444f14be226458940d6061c296350937ffd5e3acaceeaaefd3c6f74be8e23e0f45163cc7ebd7622"
	"0f0128410fd05250273156d548a414444ae2f7dea4dfca2d43c057adb701a715bf59f6fb66b2d1d2"
	"0f2c703f851cbf5ac47396d9ca65b6260bd141ac4d53e2de585a73d1750780db4c9ee4cd4d225173"
	"a4592ee77e2bd94d0be3691f3b406f9bba9b591fc63facc016bfa8";

static void eip8_legacy_auth(void)
{
	buf c = BUF_INIT, p = BUF_INIT;
	CHECK_EQ_INT(hex_decode(auth1_hex, strlen(auth1_hex), &c), 0);
	CHECK_EQ_INT(c.len, 307);
	CHECK_EQ_INT(ecies_decrypt(key_b, c.data, c.len, NULL, 0, &p), 0);
	CHECK_EQ_INT(p.len, 194);
	/* The plaintext carries A's static public key and nonce in place. */
	static const uint8_t key_a[32] = {
		0x49, 0xa7, 0xb3, 0x7a, 0xa6, 0xf6, 0x64, 0x59, 0x17, 0xe7, 0xb8,
		0x07, 0xe9, 0xd1, 0xc0, 0x0d, 0x4f, 0xa7, 0x1f, 0x18, 0x34, 0x3b,
		0x0d, 0x41, 0x22, 0xa4, 0xd2, 0xdf, 0x64, 0xdd, 0x6f, 0xee};
	uint8_t pub_a[64], nonce_a[32];
	CHECK_EQ_INT(secp_pubkey_create(key_a, pub_a), 0);
	CHECK_EQ_INT(hex_decode_exact(
		"7e968bba13b6c50e2c4cd7f241cc0d64d1ac25c7f5952df231ac6a2bda8ee5d6",
		nonce_a, 32), 0);
	if (p.len == 194) {
		CHECK_MEM(p.data + 97, pub_a, 64);
		CHECK_MEM(p.data + 161, nonce_a, 32);
		CHECK_EQ_INT(p.data[193], 0);
	}
	buf_free(&c);
	buf_free(&p);
}

TEST_MAIN(roundtrip_sizes, randomised, seeded_is_deterministic, tamper,
          eip8_legacy_auth)
