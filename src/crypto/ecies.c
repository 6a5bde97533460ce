/* ECIES for RLPx; the message layout is drawn in ecies.h:
 *
 *   +------+-----------+---------+----------------+----------------+
 *   | 0x04 | R.x R.y   | iv      | AES-128-CTR(m) | HMAC-SHA256    |
 *   | 1    | 64        | 16      | n              | 32             |
 *   +------+-----------+---------+----------------+----------------+
 */
#include "crypto/ecies.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/hash.h"
#include "crypto/secp.h"

int crypto_random(uint8_t *p, size_t n)
{
	if (n > (size_t)INT32_MAX || RAND_bytes(p, (int)n) != 1)
		return DURE_EIO;
	return DURE_OK;
}

/* NIST SP 800-56 concatenation KDF over sha256 for 32 bytes of output: one
 * round, sha256(counter = 1 (big-endian 32-bit) || z). ke gets the first 16
 * bytes; km gets sha256 of the last 16, as RLPx keys its HMAC. */
static void kdf(const uint8_t z[32], uint8_t ke[16], uint8_t km[32])
{
	uint8_t in[36] = {0, 0, 0, 1};
	uint8_t k[32];

	memcpy(in + 4, z, 32);
	sha256(in, sizeof in, k);
	memcpy(ke, k, 16);
	sha256(k + 16, 16, km);
	OPENSSL_cleanse(k, sizeof k);
	OPENSSL_cleanse(in, sizeof in);
}

/* out[0..n) = AES-128-CTR(key, iv, in[0..n)). */
static int aes128_ctr(const uint8_t key[16], const uint8_t iv[16],
                      const uint8_t *in, size_t n, uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int ok = ctx && EVP_EncryptInit_ex(ctx, EVP_aes_128_ctr(), NULL, key, iv);
	size_t done = 0;

	while (ok && done < n) {
		int chunk = n - done > (1u << 30) ? (1 << 30) : (int)(n - done);
		int outl;
		ok = EVP_EncryptUpdate(ctx, out + done, &outl, in + done, chunk);
		done += (size_t)chunk;
	}
	EVP_CIPHER_CTX_free(ctx);
	return ok ? DURE_OK : DURE_EIO;
}

/* tag = HMAC-SHA256(km, iv || c || s2), the three parts given in one
 * contiguous buffer ivc[0..ivcn) plus s2. */
static int tag(const uint8_t km[32], const uint8_t *ivc, size_t ivcn,
               const uint8_t *s2, size_t s2n, uint8_t out[32])
{
	uint8_t *all = malloc(ivcn + s2n);
	unsigned outl = 0;

	if (!all)
		return DURE_ENOMEM;
	memcpy(all, ivc, ivcn);
	if (s2n)
		memcpy(all + ivcn, s2, s2n);
	int ok = HMAC(EVP_sha256(), km, 32, all, ivcn + s2n, out, &outl) != NULL;
	free(all);
	return ok && outl == 32 ? DURE_OK : DURE_EIO;
}

int ecies_encrypt_seeded(const uint8_t pub[64], const uint8_t r[32],
                         const uint8_t iv[16], const uint8_t *m, size_t n,
                         const uint8_t *s2, size_t s2n, buf *out)
{
	uint8_t rpub[64], z[32], ke[16], km[32];
	size_t start = out->len;
	int err;

	if (n > SIZE_MAX - ECIES_OVERHEAD - s2n)
		return DURE_EINVAL;
	if ((err = secp_pubkey_create(r, rpub)) ||
	    (err = secp_ecdh_raw(pub, r, z)))
		return err;
	kdf(z, ke, km);
	OPENSSL_cleanse(z, sizeof z);
	if ((err = buf_reserve(out, n + ECIES_OVERHEAD)))
		goto done;
	buf_push(out, 0x04);
	buf_append(out, rpub, 64);
	buf_append(out, iv, 16);
	uint8_t *ivc = out->data + start + 65;
	out->len += n;
	if ((err = aes128_ctr(ke, iv, m, n, ivc + 16)))
		goto done;
	uint8_t d[32];
	if ((err = tag(km, ivc, 16 + n, s2, s2n, d)))
		goto done;
	buf_append(out, d, 32);
done:
	if (err)
		out->len = start;
	OPENSSL_cleanse(ke, sizeof ke);
	OPENSSL_cleanse(km, sizeof km);
	return err;
}

int ecies_encrypt(const uint8_t pub[64], const uint8_t *m, size_t n,
                  const uint8_t *s2, size_t s2n, buf *out)
{
	uint8_t r[32], iv[16];
	int err;

	if (!(err = crypto_random(r, sizeof r)) &&
	    !(err = crypto_random(iv, sizeof iv)))
		err = ecies_encrypt_seeded(pub, r, iv, m, n, s2, s2n, out);
	OPENSSL_cleanse(r, sizeof r);
	return err;
}

int ecies_decrypt(const uint8_t seckey[32], const uint8_t *c, size_t n,
                  const uint8_t *s2, size_t s2n, buf *out)
{
	uint8_t rpub[64], z[32], ke[16], km[32], d[32];
	size_t start = out->len;
	int err;

	if (n < ECIES_OVERHEAD || c[0] != 0x04)
		return DURE_EECIES_FORMAT;
	if ((err = secp_pubkey_parse(c, 65, rpub)) ||
	    (err = secp_ecdh_raw(rpub, seckey, z)))
		return err;
	kdf(z, ke, km);
	OPENSSL_cleanse(z, sizeof z);
	size_t mn = n - ECIES_OVERHEAD;
	if ((err = tag(km, c + 65, 16 + mn, s2, s2n, d)))
		goto done;
	if (CRYPTO_memcmp(d, c + n - 32, 32) != 0) {
		err = DURE_EECIES_MAC;
		goto done;
	}
	if (mn && (err = buf_reserve(out, mn)))
		goto done;
	if (mn && (err = aes128_ctr(ke, c + 65, c + 81, mn, out->data + start)))
		goto done;
	out->len += mn;
done:
	OPENSSL_cleanse(ke, sizeof ke);
	OPENSSL_cleanse(km, sizeof km);
	return err;
}
