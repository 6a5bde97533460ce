/* secp256k1 over libsecp256k1 (0.2 API).
 *
 * Operations that multiply the generator by a secret (key derivation,
 * signing) need a context with the generator tables and, for side-channel
 * blinding, a randomised one. We create one such context per process, the
 * first time it is needed, and randomise it once during creation. After that
 * the library only reads it, so sharing it between threads without locks is
 * safe (libsecp256k1 documents contexts as thread-safe for every call except
 * randomize, clone and destroy, none of which we make after creation).
 * Everything else (parse, serialise, recover, ECDH) works on the static
 * context, which needs no set-up. */
#include "crypto/secp.h"

#include <errno.h>
#include <pthread.h>
#include <secp256k1.h>
#include <secp256k1_ecdh.h>
#include <secp256k1_recovery.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "crypto/keccak.h"

static secp256k1_context *sign_ctx;
static pthread_once_t sign_once = PTHREAD_ONCE_INIT;

static void sign_ctx_create(void)
{
	uint8_t seed[32];
	size_t got = 0;

	while (got < sizeof seed) {
		ssize_t r = getrandom(seed + got, sizeof seed - got, 0);
		if (r > 0)
			got += (size_t)r;
		else if (r == 0 || errno != EINTR)
			break;
	}
	sign_ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	/* Without randomness or memory there is no safe context to sign with;
	 * the process cannot do its job, so stop rather than sign unblinded. */
	if (!sign_ctx || got < sizeof seed ||
	    !secp256k1_context_randomize(sign_ctx, seed)) {
		fprintf(stderr, "dure: cannot create a secp256k1 context\n");
		abort();
	}
	memset(seed, 0, sizeof seed);
}

static const secp256k1_context *signing_context(void)
{
	pthread_once(&sign_once, sign_ctx_create);
	return sign_ctx;
}

/* 64-byte x||y -> library key. Returns 0 when the point is not on the curve. */
static int pubkey_load(const uint8_t pub[64], secp256k1_pubkey *pk)
{
	uint8_t sec1[65];

	sec1[0] = 0x04;
	memcpy(sec1 + 1, pub, 64);
	return secp256k1_ec_pubkey_parse(secp256k1_context_static, pk, sec1, 65);
}

static void pubkey_store(const secp256k1_pubkey *pk, uint8_t pub[64])
{
	uint8_t sec1[65];
	size_t len = sizeof sec1;

	secp256k1_ec_pubkey_serialize(secp256k1_context_static, sec1, &len, pk,
	                              SECP256K1_EC_UNCOMPRESSED);
	memcpy(pub, sec1 + 1, 64);
}

int secp_pubkey_create(const uint8_t seckey[32], uint8_t pub[64])
{
	secp256k1_pubkey pk;

	if (!secp256k1_ec_pubkey_create(signing_context(), &pk, seckey)) {
		memset(pub, 0, 64);
		return DURE_EKEY;
	}
	pubkey_store(&pk, pub);
	return DURE_OK;
}

int secp_sign(const uint8_t seckey[32], const uint8_t hash[32],
              uint8_t sig[64], int *recid)
{
	secp256k1_ecdsa_recoverable_signature rs;

	/* A NULL nonce function selects RFC 6979; the library always produces a
	 * low s (adjusting the recovery id to match). */
	if (!secp256k1_ecdsa_sign_recoverable(signing_context(), &rs, hash,
	                                      seckey, NULL, NULL)) {
		memset(sig, 0, 64);
		*recid = 0;
		return DURE_EKEY;
	}
	secp256k1_ecdsa_recoverable_signature_serialize_compact(
		secp256k1_context_static, sig, recid, &rs);
	return DURE_OK;
}

int secp_recover(const uint8_t hash[32], const uint8_t sig[64], int recid,
                 uint8_t pub[64])
{
	secp256k1_ecdsa_recoverable_signature rs;
	secp256k1_pubkey pk;

	/* Compact parsing rejects r or s >= n (and ignores the high/low half);
	 * recovery rejects r or s == 0. */
	if (recid < 0 || recid > 3 ||
	    !secp256k1_ecdsa_recoverable_signature_parse_compact(
		    secp256k1_context_static, &rs, sig, recid) ||
	    !secp256k1_ecdsa_recover(secp256k1_context_static, &pk, &rs, hash)) {
		memset(pub, 0, 64);
		return DURE_ESIG;
	}
	pubkey_store(&pk, pub);
	return DURE_OK;
}

bool secp_s_is_low(const uint8_t s[32])
{
	/* n / 2, rounded down, big-endian. */
	static const uint8_t half_n[32] = {
		0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d,
		0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
	};
	return memcmp(s, half_n, 32) <= 0;
}

void secp_pubkey_address(const uint8_t pub[64], address *out)
{
	uint8_t h[32];

	keccak256(pub, 64, h);
	memcpy(out->b, h + 12, 20);
}

/* secp256k1_ecdh hands the shared point to a hash callback; RLPx wants the
 * raw x coordinate, so ours copies it unchanged. */
static int ecdh_copy_x(unsigned char *output, const unsigned char *x32,
                       const unsigned char *y32, void *data)
{
	(void)y32;
	(void)data;
	memcpy(output, x32, 32);
	return 1;
}

int secp_ecdh_raw(const uint8_t pub[64], const uint8_t seckey[32],
                  uint8_t x[32])
{
	secp256k1_pubkey pk;

	if (!pubkey_load(pub, &pk) ||
	    !secp256k1_ecdh(secp256k1_context_static, x, &pk, seckey, ecdh_copy_x,
	                    NULL)) {
		memset(x, 0, 32);
		return DURE_EKEY;
	}
	return DURE_OK;
}

int secp_pubkey_parse(const uint8_t *p, size_t n, uint8_t pub[64])
{
	secp256k1_pubkey pk;

	/* The library also takes the "hybrid" 0x06/0x07 form; SEC1 as used by
	 * Ethereum does not, so only 0x02/0x03 (33 bytes) and 0x04 (65) pass. */
	bool form_ok = (n == 33 && (p[0] == 0x02 || p[0] == 0x03)) ||
	               (n == 65 && p[0] == 0x04);
	if (!form_ok ||
	    !secp256k1_ec_pubkey_parse(secp256k1_context_static, &pk, p, n)) {
		memset(pub, 0, 64);
		return DURE_EKEY;
	}
	pubkey_store(&pk, pub);
	return DURE_OK;
}

void secp_pubkey_compress(const uint8_t pub[64], uint8_t out[33])
{
	out[0] = (uint8_t)(0x02 | (pub[63] & 1));
	memcpy(out + 1, pub, 32);
}
