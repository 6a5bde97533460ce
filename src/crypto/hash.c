/* SHA-256 and RIPEMD-160 through OpenSSL 3's EVP interface.
 *
 * Each digest is fetched from the default provider once per process (an
 * implicit fetch on every call costs a provider lookup). OpenSSL 3.0.7 and
 * later carry RIPEMD-160 in the default provider; on an older 3.0 we fall back
 * to loading the legacy provider, which holds it there.
 *
 * The functions cannot fail on valid memory, so they return nothing: a
 * failure inside libcrypto means a broken installation or an exhausted heap,
 * not bad input, and there is no digest we could honestly return, so we
 * abort with a message. */
#include "crypto/hash.h"

#include <openssl/evp.h>
#include <openssl/provider.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static EVP_MD *md_sha256;
static EVP_MD *md_ripemd160;
static pthread_once_t md_once = PTHREAD_ONCE_INIT;

static void md_fetch(void)
{
	md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	md_ripemd160 = EVP_MD_fetch(NULL, "RIPEMD160", NULL);
	if (!md_ripemd160 && OSSL_PROVIDER_load(NULL, "legacy") &&
	    OSSL_PROVIDER_load(NULL, "default"))
		md_ripemd160 = EVP_MD_fetch(NULL, "RIPEMD160", NULL);
}

static void digest(EVP_MD **md, const char *name, const uint8_t *p, size_t n,
                   uint8_t *out)
{
	static const uint8_t empty[1];

	pthread_once(&md_once, md_fetch);
	if (!*md || !EVP_Digest(n ? p : empty, n, out, NULL, *md, NULL)) {
		fprintf(stderr, "dure: libcrypto cannot compute %s\n", name);
		abort();
	}
}

void sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
	digest(&md_sha256, "SHA-256", p, n, out);
}

void ripemd160(const uint8_t *p, size_t n, uint8_t out[20])
{
	digest(&md_ripemd160, "RIPEMD-160", p, n, out);
}
