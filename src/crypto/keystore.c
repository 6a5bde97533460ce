/* Web3 Secret Storage v3 over OpenSSL (PBKDF2, scrypt, AES-128-CTR) and
 * jansson.
 *
 * scrypt goes through EVP_PBE_scrypt, which enforces RFC 7914's N <
 * 2^(16 r). geth does not, and files with r = 1 and n = 2^18 exist (one of
 * the ethereum/tests KeyStoreTests is such a file), so for parameters
 * OpenSSL refuses we run scrypt's ROMix ourselves (RFC 7914 sections 3 to
 * 5, with OpenSSL's PBKDF2 around it), under the same bounds. */
#include "crypto/keystore.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/hex.h"
#include "crypto/keccak.h"
#include "crypto/secp.h"

/* A KDF and its parameters, as read from a file or given to encrypt. */
typedef struct kdf_spec {
	keystore_kdf kdf;
	uint64_t n, r, p, c;
	const uint8_t *salt;
	size_t salt_len;
	size_t dklen;
} kdf_spec;

/* Everything a file holds, checked and decoded. */
typedef struct keyfile {
	kdf_spec spec;
	uint8_t salt[KEYSTORE_SALT_MAX];
	uint8_t iv[16], ciphertext[32], mac[32];
	bool has_addr;
	address addr;
} keyfile;

static bool kdf_in_bounds(const kdf_spec *s)
{
	if (s->dklen < 32 || s->dklen > KEYSTORE_DKLEN_MAX ||
	    s->salt_len > KEYSTORE_SALT_MAX)
		return false;
	if (s->kdf == KEYSTORE_KDF_PBKDF2)
		return s->c >= 1 && s->c <= KEYSTORE_PBKDF2_MAX_C;
	if (s->n < 2 || s->n > KEYSTORE_SCRYPT_MAX_N || (s->n & (s->n - 1)) ||
	    s->r < 1 || s->r > KEYSTORE_SCRYPT_MAX_R ||
	    s->p < 1 || s->p > KEYSTORE_SCRYPT_MAX_P)
		return false;
	return 128 * s->r * (s->n + 2 + s->p) <= KEYSTORE_SCRYPT_MAX_MEM &&
	       s->n * s->r * s->p <= KEYSTORE_SCRYPT_MAX_WORK;
}

#define ROTL(a, s) (((a) << (s)) | ((a) >> (32 - (s))))

/* b += Salsa20/8(b): four double rounds, columns then rows. */
static void salsa20_8(uint32_t b[16])
{
	uint32_t x[16];

	memcpy(x, b, sizeof x);
	for (int i = 0; i < 8; i += 2) {
		x[4] ^= ROTL(x[0] + x[12], 7);   x[8] ^= ROTL(x[4] + x[0], 9);
		x[12] ^= ROTL(x[8] + x[4], 13);  x[0] ^= ROTL(x[12] + x[8], 18);
		x[9] ^= ROTL(x[5] + x[1], 7);    x[13] ^= ROTL(x[9] + x[5], 9);
		x[1] ^= ROTL(x[13] + x[9], 13);  x[5] ^= ROTL(x[1] + x[13], 18);
		x[14] ^= ROTL(x[10] + x[6], 7);  x[2] ^= ROTL(x[14] + x[10], 9);
		x[6] ^= ROTL(x[2] + x[14], 13);  x[10] ^= ROTL(x[6] + x[2], 18);
		x[3] ^= ROTL(x[15] + x[11], 7);  x[7] ^= ROTL(x[3] + x[15], 9);
		x[11] ^= ROTL(x[7] + x[3], 13);  x[15] ^= ROTL(x[11] + x[7], 18);

		x[1] ^= ROTL(x[0] + x[3], 7);    x[2] ^= ROTL(x[1] + x[0], 9);
		x[3] ^= ROTL(x[2] + x[1], 13);   x[0] ^= ROTL(x[3] + x[2], 18);
		x[6] ^= ROTL(x[5] + x[4], 7);    x[7] ^= ROTL(x[6] + x[5], 9);
		x[4] ^= ROTL(x[7] + x[6], 13);   x[5] ^= ROTL(x[4] + x[7], 18);
		x[11] ^= ROTL(x[10] + x[9], 7);  x[8] ^= ROTL(x[11] + x[10], 9);
		x[9] ^= ROTL(x[8] + x[11], 13);  x[10] ^= ROTL(x[9] + x[8], 18);
		x[12] ^= ROTL(x[15] + x[14], 7); x[13] ^= ROTL(x[12] + x[15], 9);
		x[14] ^= ROTL(x[13] + x[12], 13); x[15] ^= ROTL(x[14] + x[13], 18);
	}
	for (int i = 0; i < 16; i++)
		b[i] += x[i];
}

/* scryptBlockMix: y = BlockMix(b), both 2r blocks of 16 words; the even
 * outputs go to the first half of y, the odd ones to the second. */
static void block_mix(const uint32_t *b, uint32_t *y, size_t r)
{
	uint32_t x[16];

	memcpy(x, b + (2 * r - 1) * 16, sizeof x);
	for (size_t i = 0; i < 2 * r; i++) {
		for (int k = 0; k < 16; k++)
			x[k] ^= b[i * 16 + k];
		salsa20_8(x);
		memcpy(y + ((i & 1) * r + i / 2) * 16, x, sizeof x);
	}
	OPENSSL_cleanse(x, sizeof x);
}

/* scryptROMix on the 128 r bytes at b, with v of n * 32 r words and xy of
 * 64 r words as scratch. */
static void romix(uint8_t *b, size_t r, uint64_t n, uint32_t *v, uint32_t *xy)
{
	size_t words = 32 * r;
	uint32_t *x = xy, *y = xy + words;

	for (size_t k = 0; k < words; k++)
		x[k] = (uint32_t)b[4 * k] | (uint32_t)b[4 * k + 1] << 8 |
		       (uint32_t)b[4 * k + 2] << 16 | (uint32_t)b[4 * k + 3] << 24;
	for (uint64_t i = 0; i < n; i++) {
		memcpy(v + i * words, x, words * 4);
		block_mix(x, y, r);
		memcpy(x, y, words * 4);
	}
	for (uint64_t i = 0; i < n; i++) {
		uint64_t j = x[(2 * r - 1) * 16] & (n - 1);
		for (size_t k = 0; k < words; k++)
			x[k] ^= v[j * words + k];
		block_mix(x, y, r);
		memcpy(x, y, words * 4);
	}
	for (size_t k = 0; k < words; k++) {
		b[4 * k] = (uint8_t)x[k];
		b[4 * k + 1] = (uint8_t)(x[k] >> 8);
		b[4 * k + 2] = (uint8_t)(x[k] >> 16);
		b[4 * k + 3] = (uint8_t)(x[k] >> 24);
	}
}

/* scrypt for the parameters EVP_PBE_scrypt refuses (n >= 2^(16 r)). */
static int scrypt_own(const char *pw, size_t pwlen, const kdf_spec *s,
                      uint8_t *dk)
{
	size_t blen = 128 * s->r * s->p, vlen = 128 * s->r * s->n;
	uint8_t *b = malloc(blen);
	uint32_t *v = malloc(vlen), *xy = malloc(256 * s->r);
	int err = DURE_OK;

	if (!b || !v || !xy ||
	    !PKCS5_PBKDF2_HMAC(pw, (int)pwlen, s->salt, (int)s->salt_len, 1,
	                       EVP_sha256(), (int)blen, b))
		err = DURE_ENOMEM;
	for (uint64_t i = 0; !err && i < s->p; i++)
		romix(b + i * 128 * s->r, s->r, s->n, v, xy);
	if (!err && !PKCS5_PBKDF2_HMAC(pw, (int)pwlen, b, (int)blen, 1,
	                               EVP_sha256(), (int)s->dklen, dk))
		err = DURE_ENOMEM;
	if (b)
		OPENSSL_cleanse(b, blen);
	if (v)
		OPENSSL_cleanse(v, vlen);
	if (xy)
		OPENSSL_cleanse(xy, 256 * s->r);
	free(b);
	free(v);
	free(xy);
	return err;
}

/* dk[0..s->dklen) = KDF(password); s is within bounds. */
static int derive(const kdf_spec *s, const char *password, uint8_t *dk)
{
	size_t pwlen = strlen(password);
	int ok;

	if (s->kdf == KEYSTORE_KDF_PBKDF2) {
		ok = PKCS5_PBKDF2_HMAC(password, (int)pwlen, s->salt,
		                       (int)s->salt_len, (int)s->c, EVP_sha256(),
		                       (int)s->dklen, dk);
	} else if (16 * s->r < 64 && s->n >= (uint64_t)1 << (16 * s->r)) {
		return scrypt_own(password, pwlen, s, dk);
	} else {
		ok = EVP_PBE_scrypt(password, pwlen, s->salt, s->salt_len, s->n,
		                    s->r, s->p, KEYSTORE_SCRYPT_MAX_MEM, dk,
		                    s->dklen);
	}
	return ok ? DURE_OK : DURE_ENOMEM;
}

/* out = AES-128-CTR(key, iv, in), 32 bytes (the cipher is its own
 * inverse). */
static int aes_ctr(const uint8_t key[16], const uint8_t iv[16],
                   const uint8_t in[32], uint8_t out[32])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int outl = 0;
	int ok = ctx && EVP_EncryptInit_ex(ctx, EVP_aes_128_ctr(), NULL, key, iv) &&
	         EVP_EncryptUpdate(ctx, out, &outl, in, 32) && outl == 32;

	EVP_CIPHER_CTX_free(ctx);
	return ok ? DURE_OK : DURE_ENOMEM;
}

static void compute_mac(const uint8_t dk[32], const uint8_t ct[32],
                        uint8_t mac[32])
{
	uint8_t body[48];

	memcpy(body, dk + 16, 16);
	memcpy(body + 16, ct, 32);
	keccak256(body, sizeof body, mac);
	OPENSSL_cleanse(body, sizeof body);
}

/* ---- reading ---- */

static bool hex_field(const json_t *obj, const char *key, uint8_t *out,
                      size_t n)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s && hex_decode_exact(s, out, n) == DURE_OK;
}

static bool uint_field(const json_t *obj, const char *key, uint64_t max,
                       uint64_t *out)
{
	const json_t *v = json_object_get(obj, key);
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    (uint64_t)json_integer_value(v) > max)
		return false;
	*out = (uint64_t)json_integer_value(v);
	return true;
}

/* 8-4-4-4-12 hex digits, as geth's uuid.Parse wants. */
static bool is_uuid(const char *s)
{
	if (!s || strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : hex_digit(s[i]) < 0)
			return false;
	}
	return true;
}

static int parse_kdf(const json_t *cr, keyfile *f)
{
	const char *kdf = json_string_value(json_object_get(cr, "kdf"));
	const json_t *kp = json_object_get(cr, "kdfparams");
	kdf_spec *s = &f->spec;
	uint64_t dklen;

	if (!kdf || !json_is_object(kp) ||
	    !uint_field(kp, "dklen", KEYSTORE_DKLEN_MAX, &dklen))
		return DURE_EKEYSTORE_FORMAT;
	s->dklen = (size_t)dklen;

	const char *salt = json_string_value(json_object_get(kp, "salt"));
	if (!salt)
		return DURE_EKEYSTORE_FORMAT;
	size_t digits = strlen(salt);
	if (digits >= 2 && salt[0] == '0' && (salt[1] == 'x' || salt[1] == 'X'))
		digits -= 2;
	if (digits % 2 || digits / 2 > KEYSTORE_SALT_MAX ||
	    hex_decode_exact(salt, f->salt, digits / 2) != DURE_OK)
		return DURE_EKEYSTORE_FORMAT;
	s->salt = f->salt;
	s->salt_len = digits / 2;

	if (strcmp(kdf, "scrypt") == 0) {
		s->kdf = KEYSTORE_KDF_SCRYPT;
		if (!uint_field(kp, "n", KEYSTORE_SCRYPT_MAX_N, &s->n) ||
		    !uint_field(kp, "r", KEYSTORE_SCRYPT_MAX_R, &s->r) ||
		    !uint_field(kp, "p", KEYSTORE_SCRYPT_MAX_P, &s->p))
			return DURE_EKEYSTORE_FORMAT;
	} else if (strcmp(kdf, "pbkdf2") == 0) {
		const char *prf = json_string_value(json_object_get(kp, "prf"));
		s->kdf = KEYSTORE_KDF_PBKDF2;
		if (!prf || strcmp(prf, "hmac-sha256") != 0 ||
		    !uint_field(kp, "c", KEYSTORE_PBKDF2_MAX_C, &s->c))
			return DURE_EKEYSTORE_FORMAT;
	} else {
		return DURE_EKEYSTORE_FORMAT;
	}
	return kdf_in_bounds(s) ? DURE_OK : DURE_EKEYSTORE_FORMAT;
}

static int parse(const json_t *root, keyfile *f)
{
	memset(f, 0, sizeof *f);
	const json_t *v = json_object_get(root, "version");
	if (!json_is_integer(v) || json_integer_value(v) != 3 ||
	    !is_uuid(json_string_value(json_object_get(root, "id"))))
		return DURE_EKEYSTORE_FORMAT;

	const json_t *cr = json_object_get(root, "crypto");
	if (!cr)
		cr = json_object_get(root, "Crypto");
	const char *cipher = json_string_value(json_object_get(cr, "cipher"));
	if (!cipher || strcmp(cipher, "aes-128-ctr") != 0 ||
	    !hex_field(json_object_get(cr, "cipherparams"), "iv", f->iv, 16) ||
	    !hex_field(cr, "ciphertext", f->ciphertext, 32) ||
	    !hex_field(cr, "mac", f->mac, 32))
		return DURE_EKEYSTORE_FORMAT;

	const json_t *a = json_object_get(root, "address");
	if (a) {
		if (!json_is_string(a) ||
		    hex_decode_exact(json_string_value(a), f->addr.b, 20) != DURE_OK)
			return DURE_EKEYSTORE_FORMAT;
		f->has_addr = true;
	}
	return parse_kdf(cr, f);
}

int keystore_decrypt(const json_t *root, const char *password,
                     uint8_t seckey[32], address *addr)
{
	uint8_t dk[KEYSTORE_DKLEN_MAX], mac[32], pub[64];
	keyfile f;
	address got;

	memset(seckey, 0, 32);
	if (addr)
		memset(addr, 0, sizeof *addr);
	int err = parse(root, &f);
	if (!err)
		err = derive(&f.spec, password, dk);
	if (!err) {
		compute_mac(dk, f.ciphertext, mac);
		if (CRYPTO_memcmp(mac, f.mac, 32) != 0)
			err = DURE_EKEYSTORE_MAC;
	}
	if (!err)
		err = aes_ctr(dk, f.iv, f.ciphertext, seckey);
	if (!err)
		err = secp_pubkey_create(seckey, pub);
	if (!err) {
		secp_pubkey_address(pub, &got);
		if (f.has_addr && !address_eq(&got, &f.addr))
			err = DURE_EKEYSTORE_FORMAT;
	}
	if (err)
		OPENSSL_cleanse(seckey, 32);
	else if (addr)
		*addr = got;
	OPENSSL_cleanse(dk, sizeof dk);
	OPENSSL_cleanse(&f, sizeof f);
	return err;
}

int keystore_decrypt_text(const char *text, size_t len, const char *password,
                          uint8_t seckey[32], address *addr)
{
	memset(seckey, 0, 32);
	if (addr)
		memset(addr, 0, sizeof *addr);
	if (len > KEYSTORE_FILE_MAX)
		return DURE_EKEYSTORE_FORMAT;
	json_t *root = json_loadb(text, len, 0, NULL);
	if (!root)
		return DURE_EKEYSTORE_FORMAT;
	int err = keystore_decrypt(root, password, seckey, addr);
	json_decref(root);
	return err;
}

/* Reads the file at path into a malloc'd buffer (*out, *len). */
static int read_small(const char *path, char **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return DURE_EIO;
	char *b = malloc(KEYSTORE_FILE_MAX + 1);
	size_t n = 0;
	int err = b ? DURE_OK : DURE_ENOMEM;
	while (!err && n <= KEYSTORE_FILE_MAX) {
		ssize_t r = read(fd, b + n, KEYSTORE_FILE_MAX + 1 - n);
		if (r == 0)
			break;
		if (r < 0 && errno != EINTR)
			err = DURE_EIO;
		else if (r > 0)
			n += (size_t)r;
	}
	close(fd);
	if (!err && n > KEYSTORE_FILE_MAX)
		err = DURE_EKEYSTORE_FORMAT;
	if (err) {
		if (b)
			OPENSSL_cleanse(b, KEYSTORE_FILE_MAX + 1);
		free(b);
		return err;
	}
	*out = b;
	*len = n;
	return DURE_OK;
}

int keystore_load_file(const char *path, const char *password,
                       uint8_t seckey[32], address *addr)
{
	char *text;
	size_t len;

	memset(seckey, 0, 32);
	if (addr)
		memset(addr, 0, sizeof *addr);
	int err = read_small(path, &text, &len);
	if (err)
		return err;
	err = keystore_decrypt_text(text, len, password, seckey, addr);
	OPENSSL_cleanse(text, len);
	free(text);
	return err;
}

int keystore_file_address(const char *path, address *addr)
{
	char *text;
	size_t len;

	memset(addr, 0, sizeof *addr);
	int err = read_small(path, &text, &len);
	if (err)
		return err;
	json_t *root = json_loadb(text, len, 0, NULL);
	const char *a = json_string_value(json_object_get(root, "address"));
	if (!a || hex_decode_exact(a, addr->b, 20) != DURE_OK)
		err = DURE_EKEYSTORE_FORMAT;
	json_decref(root);
	free(text);
	return err;
}

/* ---- writing ---- */

int keystore_random_key(uint8_t seckey[32])
{
	uint8_t pub[64];

	/* A draw of n or more (about 2^-128) is drawn again. */
	do {
		if (RAND_bytes(seckey, 32) != 1) {
			OPENSSL_cleanse(seckey, 32);
			return DURE_EIO;
		}
	} while (secp_pubkey_create(seckey, pub) != DURE_OK);
	return DURE_OK;
}

int keystore_params_init(keystore_params *p, bool light)
{
	memset(p, 0, sizeof *p);
	p->kdf = KEYSTORE_KDF_SCRYPT;
	p->n = light ? 4096 : 262144;
	p->r = 8;
	p->p = light ? 6 : 1;
	if (RAND_bytes(p->salt, sizeof p->salt) != 1 ||
	    RAND_bytes(p->iv, sizeof p->iv) != 1 ||
	    RAND_bytes(p->uuid, sizeof p->uuid) != 1) {
		OPENSSL_cleanse(p, sizeof *p);
		return DURE_EIO;
	}
	p->uuid[6] = (uint8_t)((p->uuid[6] & 0x0f) | 0x40);
	p->uuid[8] = (uint8_t)((p->uuid[8] & 0x3f) | 0x80);
	return DURE_OK;
}

static void format_uuid(const uint8_t u[16], char out[37])
{
	char h[33];

	hex_encode(u, 16, h);
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16,
	         h + 20);
}

/* The key file's JSON, in geth's field order. */
static json_t *build(const address *a, const keystore_params *p,
                     const uint8_t ct[32], const uint8_t mac[32])
{
	char addr_hex[41], iv_hex[33], ct_hex[65], mac_hex[65], salt_hex[65];
	char id[37];
	json_t *kdfparams;

	hex_encode(a->b, 20, addr_hex);
	hex_encode(p->iv, 16, iv_hex);
	hex_encode(ct, 32, ct_hex);
	hex_encode(mac, 32, mac_hex);
	hex_encode(p->salt, 32, salt_hex);
	format_uuid(p->uuid, id);
	if (p->kdf == KEYSTORE_KDF_SCRYPT)
		kdfparams = json_pack("{s:i, s:I, s:I, s:I, s:s}", "dklen", 32,
		                      "n", (json_int_t)p->n, "p", (json_int_t)p->p,
		                      "r", (json_int_t)p->r, "salt", salt_hex);
	else
		kdfparams = json_pack("{s:I, s:i, s:s, s:s}", "c", (json_int_t)p->c,
		                      "dklen", 32, "prf", "hmac-sha256",
		                      "salt", salt_hex);
	return json_pack("{s:s, s:{s:s, s:s, s:{s:s}, s:s, s:o, s:s}, s:s, s:i}",
	                 "address", addr_hex,
	                 "crypto", "cipher", "aes-128-ctr", "ciphertext", ct_hex,
	                 "cipherparams", "iv", iv_hex,
	                 "kdf", p->kdf == KEYSTORE_KDF_SCRYPT ? "scrypt" : "pbkdf2",
	                 "kdfparams", kdfparams, "mac", mac_hex,
	                 "id", id, "version", 3);
}

int keystore_encrypt(const uint8_t seckey[32], const char *password,
                     const keystore_params *p, char **json_out)
{
	uint8_t pub[64], dk[32], ct[32], mac[32];
	address a;
	kdf_spec s = {
		.kdf = p->kdf, .n = p->n, .r = p->r, .p = p->p, .c = p->c,
		.salt = p->salt, .salt_len = sizeof p->salt, .dklen = 32,
	};

	*json_out = NULL;
	if ((p->kdf != KEYSTORE_KDF_SCRYPT && p->kdf != KEYSTORE_KDF_PBKDF2) ||
	    !kdf_in_bounds(&s))
		return DURE_EINVAL;
	int err = secp_pubkey_create(seckey, pub);
	if (err)
		return err;
	secp_pubkey_address(pub, &a);
	err = derive(&s, password, dk);
	if (!err)
		err = aes_ctr(dk, p->iv, seckey, ct);
	if (!err) {
		compute_mac(dk, ct, mac);
		json_t *root = build(&a, p, ct, mac);
		*json_out = root ? json_dumps(root, JSON_COMPACT) : NULL;
		json_decref(root);
		if (!*json_out)
			err = DURE_ENOMEM;
	}
	OPENSSL_cleanse(dk, sizeof dk);
	return err;
}

/* UTC--2006-01-02T15-04-05.000000000Z--<address>, geth's file name. */
static void file_name(const address *a, char *out, size_t outlen)
{
	struct timespec ts;
	struct tm tm;
	char hex[41];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	hex_encode(a->b, 20, hex);
	snprintf(out, outlen, "UTC--%04d-%02d-%02dT%02d-%02d-%02d.%09ldZ--%s",
	         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	         tm.tm_min, tm.tm_sec, (long)ts.tv_nsec, hex);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return DURE_EIO;
		p += w;
		n -= (size_t)w;
	}
	return DURE_OK;
}

int keystore_store(const char *dir, const uint8_t seckey[32],
                   const char *password, const keystore_params *p,
                   char **path_out)
{
	uint8_t pub[64];
	address a;
	char name[128];
	struct stat st;
	char *json = NULL, *path = NULL, *tmp = NULL;
	int fd;

	if (path_out)
		*path_out = NULL;
	int err = keystore_encrypt(seckey, password, p, &json);
	if (err)
		return err;
	if ((mkdir(dir, 0700) != 0 && errno != EEXIST) ||
	    stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		err = DURE_EIO;
		goto out;
	}
	err = secp_pubkey_create(seckey, pub);
	if (err)
		goto out;
	secp_pubkey_address(pub, &a);
	file_name(&a, name, sizeof name);

	/* Written under a dot name and renamed, so a reader never sees half a
	 * file and a failure leaves none. */
	size_t plen = strlen(dir) + 1 + strlen(name) + 1;
	path = malloc(plen);
	tmp = malloc(plen + 5);
	if (!path || !tmp) {
		err = DURE_ENOMEM;
		goto out;
	}
	snprintf(path, plen, "%s/%s", dir, name);
	snprintf(tmp, plen + 5, "%s/.%s.tmp", dir, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = DURE_EIO;
		goto out;
	}
	err = write_all(fd, json, strlen(json));
	if (!err && fsync(fd) != 0)
		err = DURE_EIO;
	if (close(fd) != 0 && !err)
		err = DURE_EIO;
	if (!err && rename(tmp, path) != 0)
		err = DURE_EIO;
	if (err)
		unlink(tmp);
out:
	if (!err && path_out) {
		*path_out = path;
		path = NULL;
	}
	if (json)
		OPENSSL_cleanse(json, strlen(json));
	free(json);
	free(path);
	free(tmp);
	return err;
}
