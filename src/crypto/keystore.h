/* Password-protected key files in the Web3 Secret Storage format, version 3
 * (geth's keystore files): the private key encrypted with AES-128-CTR under
 * the first 16 bytes of a key derived from the password by scrypt or
 * PBKDF2-HMAC-SHA256, and a MAC keccak256(derived[16..32] || ciphertext)
 * that tells a wrong password from a right one.
 *
 *   {"address": "<20 bytes hex>", "id": "<uuid>", "version": 3,
 *    "crypto": {"cipher": "aes-128-ctr", "cipherparams": {"iv": "<16 bytes>"},
 *               "ciphertext": "<32 bytes>", "kdf": "scrypt" | "pbkdf2",
 *               "kdfparams": {...}, "mac": "<32 bytes>"}}
 *
 * A key file may come from anywhere, so its KDF parameters are bounded
 * before anything is derived: a hostile file must not make us allocate
 * gigabytes or spin for minutes. The bounds are a few times geth's standard
 * (scrypt n = 2^18, r = 8, p = 1: 256 MiB and about a second; PBKDF2 with
 * c = 2^18). We read "Crypto" as well as "crypto", as geth does. On failure
 * every output is zeroed. */
#ifndef DURE_CRYPTO_KEYSTORE_H
#define DURE_CRYPTO_KEYSTORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/bytes.h"
#include "base/err.h"

/* scrypt: n a power of two in 2..2^20, r in 1..32, p in 1..64, and the
 * memory OpenSSL counts for them, 128 * r * (n + 2 + p) bytes, at most
 * KEYSTORE_SCRYPT_MAX_MEM (also passed to OpenSSL as its maxmem, which
 * otherwise defaults to 32 MiB and would refuse geth's standard files);
 * n * r * p at most 2^24, eight times geth's standard work. */
#define KEYSTORE_SCRYPT_MAX_N (1u << 20)
#define KEYSTORE_SCRYPT_MAX_R 32u
#define KEYSTORE_SCRYPT_MAX_P 64u
#define KEYSTORE_SCRYPT_MAX_MEM ((uint64_t)512 << 20)
#define KEYSTORE_SCRYPT_MAX_WORK ((uint64_t)1 << 24)
/* PBKDF2: c in 1..2^22 iterations. */
#define KEYSTORE_PBKDF2_MAX_C (1u << 22)
/* dklen in 32..64 (the cipher key and the MAC key take 32), salt at most
 * 256 bytes, a key file at most 64 KiB. */
#define KEYSTORE_DKLEN_MAX 64u
#define KEYSTORE_SALT_MAX 256u
#define KEYSTORE_FILE_MAX (64u << 10)

typedef enum keystore_kdf {
	KEYSTORE_KDF_SCRYPT,
	KEYSTORE_KDF_PBKDF2,
} keystore_kdf;

/* How to encrypt a key: the KDF and its parameters, and the random values
 * a file carries. Fill it with keystore_params_init, or by hand for a
 * reproducible file. */
typedef struct keystore_params {
	keystore_kdf kdf;
	uint32_t n, r, p;    /* scrypt */
	uint32_t c;          /* PBKDF2 iterations (hmac-sha256) */
	uint8_t salt[32];
	uint8_t iv[16];
	uint8_t uuid[16];    /* the file's id */
} keystore_params;

/* Writes a fresh random private key (uniform over the valid keys) to
 * seckey. Returns 0, or DURE_EIO when the system has no randomness to give
 * (seckey is then zeroed). */
DURE_WUR int keystore_random_key(uint8_t seckey[32]);

/* Fills p for scrypt with fresh random salt, iv and uuid (a version 4
 * UUID). Without light, geth's standard n = 262144, r = 8, p = 1 (256 MiB,
 * about a second); with light, geth's light n = 4096, r = 8, p = 6 (4 MiB,
 * for tests and throwaway dev keys). Returns 0, or DURE_EIO when the system
 * has no randomness to give (p is then zeroed). */
DURE_WUR int keystore_params_init(keystore_params *p, bool light);

/* Encrypts seckey under password (NUL-terminated, may be empty) with p, and
 * writes a malloc'd, NUL-terminated JSON key file to *json_out (the caller
 * frees it). The address field is seckey's address. Returns 0, DURE_EKEY
 * for an invalid seckey, DURE_EINVAL when p is outside the bounds above,
 * or DURE_ENOMEM (*json_out is then NULL). */
DURE_WUR int keystore_encrypt(const uint8_t seckey[32], const char *password,
                              const keystore_params *p, char **json_out);

/* Decrypts the key file root with password. Writes the private key, and
 * its address to *addr when addr is not NULL. Returns 0;
 * DURE_EKEYSTORE_FORMAT for a file that is not a version 3 key file with
 * an aes-128-ctr cipher, a 16-byte iv, a 32-byte ciphertext and mac, a
 * UUID id, and scrypt or pbkdf2 (hmac-sha256) parameters within the bounds
 * above, or whose address field, when present, is not the key's;
 * DURE_EKEYSTORE_MAC when the MAC does not match (a wrong password);
 * DURE_EKEY when the decrypted key is not a valid secp256k1 key;
 * DURE_ENOMEM. */
DURE_WUR int keystore_decrypt(const json_t *root, const char *password,
                              uint8_t seckey[32], address *addr);

/* As keystore_decrypt, for the key file in text[0..len). Malformed JSON,
 * or more than KEYSTORE_FILE_MAX bytes, is DURE_EKEYSTORE_FORMAT. */
DURE_WUR int keystore_decrypt_text(const char *text, size_t len,
                                   const char *password, uint8_t seckey[32],
                                   address *addr);

/* As keystore_decrypt, for the key file at path. Returns also DURE_EIO
 * when the file cannot be read. */
DURE_WUR int keystore_load_file(const char *path, const char *password,
                                uint8_t seckey[32], address *addr);

/* Reads the address field of the key file at path, without the password
 * (as `geth account list` does). Returns 0, DURE_EIO, or
 * DURE_EKEYSTORE_FORMAT when the file is not JSON, is larger than
 * KEYSTORE_FILE_MAX, or has no 20-byte hex address field. */
DURE_WUR int keystore_file_address(const char *path, address *addr);

/* Encrypts seckey as keystore_encrypt does and writes it into directory
 * dir (created with mode 0700 when missing; its parent must exist) as
 * UTC--<ISO 8601 time, '-' for ':'>--<address hex>, with mode 0600, as
 * geth names its key files. Writes the file's malloc'd path to *path_out
 * when path_out is not NULL. Returns 0, an error of keystore_encrypt,
 * DURE_EIO when the directory or file cannot be created or written (no
 * partial file is left), or DURE_ENOMEM. */
DURE_WUR int keystore_store(const char *dir, const uint8_t seckey[32],
                            const char *password, const keystore_params *p,
                            char **path_out);

#endif
