/* Web3 Secret Storage v3: the two test vectors of the definition
 * (PBKDF2-SHA-256 from ethereum.org's page, scrypt as geth keeps it),
 * password "testpassword", decrypted and re-encrypted from their salt and
 * iv; geth's standard scrypt parameters through a file ethers wrote;
 * round trips, a wrong password, tampering, bounds on hostile KDF
 * parameters, malformed files, and key files on disk. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/hex.h"
#include "crypto/keystore.h"
#include "crypto/secp.h"
#include "test.h"

static const char spec_key[] =
	"7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d";
static const char spec_addr[] = "008aeeda4d805471df9b2a5b0f38a0c3bcba786b";

static const char spec_pbkdf2[] =
	"{\"crypto\": {\"cipher\": \"aes-128-ctr\","
	" \"cipherparams\": {\"iv\": \"6087dab2f9fdbbfaddc31a909735c1e6\"},"
	" \"ciphertext\": \"5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46\","
	" \"kdf\": \"pbkdf2\", \"kdfparams\": {\"c\": 262144, \"dklen\": 32,"
	" \"prf\": \"hmac-sha256\","
	" \"salt\": \"ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd\"},"
	" \"mac\": \"517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2\"},"
	" \"id\": \"3198bc9c-6672-5ab3-d995-4942343ae5b6\", \"version\": 3}";

/* The key and password of the definition with the salt and iv of the
 * scrypt vector on ethereum.org's page and geth's standard scrypt
 * parameters, as ethers 6 (encryptKeystoreJsonSync) writes it: "Crypto"
 * capitalised, its uuid with version bits set. The page's own scrypt
 * vector is not usable: its intermediates show a derived key of scrypt
 * over the salt's 64 hex characters as text (Python's hashlib.scrypt gives
 * its 7446f59e... only that way), not over the 32 bytes they spell, so
 * geth cannot decrypt it either. */
static const char ethers_scrypt[] =
	"{\"address\":\"008aeeda4d805471df9b2a5b0f38a0c3bcba786b\","
	"\"id\":\"3198bc9c-6672-4ab3-9995-4942343ae5b6\",\"version\":3,"
	"\"Crypto\":{\"cipher\":\"aes-128-ctr\","
	"\"cipherparams\":{\"iv\":\"740770fce12ce862af21264dab25f1da\"},"
	"\"ciphertext\":\"1b368ffb2db0fcec8802eceba0b2820ae1069ef3815ac97ca1031371748f6e18\","
	"\"kdf\":\"scrypt\",\"kdfparams\":{"
	"\"salt\":\"25710c2ccd7c610b24d068af83b959b7a0e5f40641f0c82daeb1345766191034\","
	"\"n\":262144,\"dklen\":32,\"p\":1,\"r\":8},"
	"\"mac\":\"61de4bf77db2f8e07e01232c045e5b455997efeb22bb8ea08a66ff5a252182a6\"}}";

/* The definition's scrypt vector as the wiki gave it and geth keeps it
 * ("wikipage_test_vector_scrypt" of its v3_test_vector.json, test2 of
 * ethereum/tests KeyStoreTests): r = 1 and p = 8, parameters OpenSSL's
 * scrypt refuses (n >= 2^(16 r)). */
static const char geth_scrypt_r1[] =
	"{\"crypto\": {\"cipher\": \"aes-128-ctr\","
	" \"cipherparams\": {\"iv\": \"83dbcc02d8ccb40e466191a123791e0e\"},"
	" \"ciphertext\": \"d172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c\","
	" \"kdf\": \"scrypt\", \"kdfparams\": {\"dklen\": 32, \"n\": 262144,"
	" \"r\": 1, \"p\": 8,"
	" \"salt\": \"ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19\"},"
	" \"mac\": \"2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097\"},"
	" \"id\": \"3198bc9c-6672-5ab3-d995-4942343ae5b6\", \"version\": 3}";

static bool eq_hex(const uint8_t *p, size_t n, const char *want)
{
	uint8_t w[64];
	return n <= sizeof w && hex_decode_exact(want, w, n) == DURE_OK &&
	       memcmp(p, w, n) == 0;
}

static void unhex(const char *s, uint8_t *out, size_t n)
{
	CHECK_EQ_INT(hex_decode_exact(s, out, n), 0);
}

static void decrypts(const char *text, const char *password)
{
	uint8_t key[32];
	address a;

	CHECK_EQ_INT(keystore_decrypt_text(text, strlen(text), password, key, &a), 0);
	CHECK(eq_hex(key, 32, spec_key));
	CHECK(eq_hex(a.b, 20, spec_addr));
}

/* The crypto fields of json (a key file we wrote) equal the vector's. */
static void same_crypto(const char *json, const char *vector)
{
	json_t *a = json_loads(json, 0, NULL), *b = json_loads(vector, 0, NULL);
	json_t *ca = json_object_get(a, "crypto"), *cb = json_object_get(b, "crypto");

	if (!cb)
		cb = json_object_get(b, "Crypto");

	CHECK(ca != NULL && cb != NULL);
	CHECK(json_equal(json_object_get(ca, "ciphertext"),
	                 json_object_get(cb, "ciphertext")));
	CHECK(json_equal(json_object_get(ca, "mac"), json_object_get(cb, "mac")));
	CHECK(json_equal(json_object_get(ca, "kdfparams"),
	                 json_object_get(cb, "kdfparams")));
	CHECK(json_equal(json_object_get(ca, "kdf"), json_object_get(cb, "kdf")));
	CHECK(json_equal(json_object_get(ca, "cipherparams"),
	                 json_object_get(cb, "cipherparams")));
	CHECK(json_equal(json_object_get(a, "id"), json_object_get(b, "id")));
	const char *addr = json_string_value(json_object_get(a, "address"));
	CHECK(addr && strcmp(addr, spec_addr) == 0);
	CHECK_EQ_INT(json_integer_value(json_object_get(a, "version")), 3);
	json_decref(a);
	json_decref(b);
}

static void vector_params(keystore_params *p, keystore_kdf kdf, uint32_t r,
                          uint32_t pp, const char *salt, const char *iv,
                          const char *uuid)
{
	memset(p, 0, sizeof *p);
	p->kdf = kdf;
	p->n = 262144;
	p->r = r;
	p->p = pp;
	p->c = 262144;
	unhex(salt, p->salt, 32);
	unhex(iv, p->iv, 16);
	unhex(uuid, p->uuid, 16);
}

/* Decrypts vector, then encrypts the key again with its parameters and
 * compares the crypto fields. */
static void vector_both_ways(const char *vector, const keystore_params *p)
{
	uint8_t key[32];
	char *json = NULL;

	decrypts(vector, "testpassword");
	unhex(spec_key, key, 32);
	CHECK_EQ_INT(keystore_encrypt(key, "testpassword", p, &json), 0);
	if (json)
		same_crypto(json, vector);
	free(json);
}

static void spec_vector_pbkdf2(void)
{
	keystore_params p;
	uint8_t key[32];
	address a;

	vector_params(&p, KEYSTORE_KDF_PBKDF2, 0, 0,
	              "ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd",
	              "6087dab2f9fdbbfaddc31a909735c1e6",
	              "3198bc9c66725ab3d9954942343ae5b6");
	vector_both_ways(spec_pbkdf2, &p);

	memset(key, 0xaa, sizeof key);
	CHECK_EQ_INT(keystore_decrypt_text(spec_pbkdf2, strlen(spec_pbkdf2),
	                                   "testpassworD", key, &a),
	             DURE_EKEYSTORE_MAC);
	CHECK(key[0] == 0 && key[31] == 0 && a.b[0] == 0);
}

static void spec_vector_scrypt_r1(void)
{
	keystore_params p;

	vector_params(&p, KEYSTORE_KDF_SCRYPT, 1, 8,
	              "ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19",
	              "83dbcc02d8ccb40e466191a123791e0e",
	              "3198bc9c66725ab3d9954942343ae5b6");
	vector_both_ways(geth_scrypt_r1, &p);
}

static void ethers_vector_scrypt(void)
{
	keystore_params p;

	vector_params(&p, KEYSTORE_KDF_SCRYPT, 8, 1,
	              "25710c2ccd7c610b24d068af83b959b7a0e5f40641f0c82daeb1345766191034",
	              "740770fce12ce862af21264dab25f1da",
	              "3198bc9c66724ab399954942343ae5b6");
	vector_both_ways(ethers_scrypt, &p);
}

/* A light key file for the cases below. */
static json_t *light_file(const uint8_t key[32], const char *password)
{
	keystore_params p;
	char *json = NULL;

	CHECK_EQ_INT(keystore_params_init(&p, true), 0);
	CHECK_EQ_INT(p.n, 4096);
	CHECK_EQ_INT(p.r, 8);
	CHECK_EQ_INT(p.p, 6);
	CHECK_EQ_INT(keystore_encrypt(key, password, &p, &json), 0);
	json_t *root = json_loads(json, 0, NULL);
	free(json);
	return root;
}

static void roundtrip(void)
{
	uint8_t key[32], got[32], pub[64];
	address want, a;

	unhex(spec_key, key, 32);
	CHECK_EQ_INT(secp_pubkey_create(key, pub), 0);
	secp_pubkey_address(pub, &want);
	json_t *root = light_file(key, "correct horse");
	CHECK(root != NULL);
	CHECK_EQ_INT(keystore_decrypt(root, "correct horse", got, &a), 0);
	CHECK_MEM(got, key, 32);
	CHECK(address_eq(&a, &want));

	/* A version 4 UUID, and random values that differ between files. */
	const char *id = json_string_value(json_object_get(root, "id"));
	CHECK(id && strlen(id) == 36 && id[14] == '4' && strchr("89ab", id[19]));
	json_t *other = light_file(key, "correct horse");
	CHECK(!json_equal(json_object_get(root, "crypto"),
	                  json_object_get(other, "crypto")));
	CHECK(!json_equal(json_object_get(root, "id"), json_object_get(other, "id")));
	json_decref(other);

	/* geth reads "Crypto" too. */
	json_t *cap = json_deep_copy(root);
	json_object_set(cap, "Crypto", json_object_get(cap, "crypto"));
	json_object_del(cap, "crypto");
	CHECK_EQ_INT(keystore_decrypt(cap, "correct horse", got, NULL), 0);
	CHECK_MEM(got, key, 32);
	json_decref(cap);

	/* The empty password is a password. */
	json_t *empty = light_file(key, "");
	CHECK_EQ_INT(keystore_decrypt(empty, "", got, NULL), 0);
	CHECK_MEM(got, key, 32);
	CHECK_EQ_INT(keystore_decrypt(empty, " ", got, NULL), DURE_EKEYSTORE_MAC);
	json_decref(empty);

	/* PBKDF2 files are written too. */
	keystore_params p;
	char *json;
	CHECK_EQ_INT(keystore_params_init(&p, true), 0);
	p.kdf = KEYSTORE_KDF_PBKDF2;
	p.c = 1000;
	CHECK_EQ_INT(keystore_encrypt(key, "pw", &p, &json), 0);
	CHECK_EQ_INT(keystore_decrypt_text(json, strlen(json), "pw", got, NULL), 0);
	CHECK_MEM(got, key, 32);
	free(json);
	json_decref(root);
}

/* Replaces the string field at obj.key with hex whose first digit is
 * flipped. */
static void flip_hex(json_t *obj, const char *key)
{
	char s[256];
	snprintf(s, sizeof s, "%s", json_string_value(json_object_get(obj, key)));
	s[0] = s[0] == '0' ? '1' : '0';
	json_object_set_new(obj, key, json_string(s));
}

static void tampered(void)
{
	uint8_t key[32], got[32];

	unhex(spec_key, key, 32);
	json_t *root = light_file(key, "pw");
	const char *fields[] = {"mac", "ciphertext"};
	for (size_t i = 0; i < 2; i++) {
		json_t *t = json_deep_copy(root);
		flip_hex(json_object_get(t, "crypto"), fields[i]);
		memset(got, 0xaa, sizeof got);
		CHECK_EQ_INT(keystore_decrypt(t, "pw", got, NULL), DURE_EKEYSTORE_MAC);
		CHECK(got[0] == 0 && got[31] == 0);
		json_decref(t);
	}
	/* A changed salt or iv: the salt changes the key (MAC mismatch), the iv
	 * decrypts to another key whose address is not the file's. */
	json_t *t = json_deep_copy(root);
	flip_hex(json_object_get(json_object_get(t, "crypto"), "kdfparams"), "salt");
	CHECK_EQ_INT(keystore_decrypt(t, "pw", got, NULL), DURE_EKEYSTORE_MAC);
	json_decref(t);
	t = json_deep_copy(root);
	flip_hex(json_object_get(json_object_get(t, "crypto"), "cipherparams"), "iv");
	CHECK_EQ_INT(keystore_decrypt(t, "pw", got, NULL), DURE_EKEYSTORE_FORMAT);
	json_decref(t);
	/* Another address. */
	t = json_deep_copy(root);
	flip_hex(t, "address");
	CHECK_EQ_INT(keystore_decrypt(t, "pw", got, NULL), DURE_EKEYSTORE_FORMAT);
	json_decref(t);
	json_decref(root);
}

/* One malformed variant: set (or, with value NULL, delete) path's last key
 * in a copy of base. path is "key" or "crypto.key" or
 * "crypto.kdfparams.key". */
static void malformed(const json_t *base, const char *path, json_t *value)
{
	json_t *t = json_deep_copy(base);
	json_t *obj = t;
	char where[64], *key = where, *dot;
	uint8_t got[32];

	snprintf(where, sizeof where, "%s", path);
	while ((dot = strchr(key, '.'))) {
		*dot = '\0';
		obj = json_object_get(obj, key);
		key = dot + 1;
	}
	if (value)
		json_object_set_new(obj, key, value);
	else
		json_object_del(obj, key);
	int err = keystore_decrypt(t, "pw", got, NULL);
	if (err != DURE_EKEYSTORE_FORMAT)
		fprintf(stderr, "malformed %s: %d\n", path, err);
	CHECK_EQ_INT(err, DURE_EKEYSTORE_FORMAT);
	json_decref(t);
}

static void malformed_files(void)
{
	uint8_t key[32], got[32];

	unhex(spec_key, key, 32);
	json_t *scrypt = light_file(key, "pw");
	keystore_params p;
	char *json;
	CHECK_EQ_INT(keystore_params_init(&p, true), 0);
	p.kdf = KEYSTORE_KDF_PBKDF2;
	p.c = 1;
	CHECK_EQ_INT(keystore_encrypt(key, "pw", &p, &json), 0);
	json_t *pbkdf2 = json_loads(json, 0, NULL);
	free(json);

	malformed(scrypt, "version", json_integer(2));
	malformed(scrypt, "version", json_string("3"));
	malformed(scrypt, "version", NULL);
	malformed(scrypt, "id", NULL);
	malformed(scrypt, "id", json_string("3198bc9c66725ab3d9954942343ae5b6"));
	malformed(scrypt, "address", json_string("008aeeda"));
	malformed(scrypt, "address", json_integer(1));
	malformed(scrypt, "crypto", NULL);
	malformed(scrypt, "crypto", json_string("x"));
	malformed(scrypt, "crypto.cipher", json_string("aes-128-cbc"));
	malformed(scrypt, "crypto.cipherparams", NULL);
	malformed(scrypt, "crypto.cipherparams.iv", json_string("00"));
	malformed(scrypt, "crypto.ciphertext", json_string("5318b4d5"));
	malformed(scrypt, "crypto.ciphertext", json_string("zz"));
	malformed(scrypt, "crypto.mac", NULL);
	malformed(scrypt, "crypto.kdf", json_string("argon2"));
	malformed(scrypt, "crypto.kdfparams", NULL);
	malformed(scrypt, "crypto.kdfparams.dklen", json_integer(16));
	malformed(scrypt, "crypto.kdfparams.dklen", json_integer(65));
	malformed(scrypt, "crypto.kdfparams.salt", json_string("abc"));
	malformed(scrypt, "crypto.kdfparams.n", json_integer(4095));
	malformed(scrypt, "crypto.kdfparams.n", json_integer(1));
	malformed(scrypt, "crypto.kdfparams.n", json_integer(0));
	malformed(scrypt, "crypto.kdfparams.n", json_integer(-4096));
	malformed(scrypt, "crypto.kdfparams.n", json_real(4096.0));
	malformed(scrypt, "crypto.kdfparams.n", json_string("4096"));
	malformed(scrypt, "crypto.kdfparams.r", json_integer(0));
	malformed(scrypt, "crypto.kdfparams.p", NULL);
	/* Hostile costs: 2^21 > n max; n = 2^20 with r = 8 needs 1 GiB; n * r
	 * * p = 2^25; r and p above their caps. */
	malformed(scrypt, "crypto.kdfparams.n", json_integer(1 << 21));
	malformed(scrypt, "crypto.kdfparams.n", json_integer(1 << 20));
	malformed(scrypt, "crypto.kdfparams.n", json_integer((json_int_t)1 << 40));
	malformed(scrypt, "crypto.kdfparams.p", json_integer(1024));
	malformed(scrypt, "crypto.kdfparams.r", json_integer(64));
	json_t *work = json_deep_copy(scrypt);
	json_t *kp = json_object_get(json_object_get(work, "crypto"), "kdfparams");
	json_object_set_new(kp, "n", json_integer(1 << 19));
	json_object_set_new(kp, "r", json_integer(1));
	malformed(work, "crypto.kdfparams.p", json_integer(64));
	json_decref(work);

	malformed(pbkdf2, "crypto.kdfparams.prf", json_string("hmac-sha512"));
	malformed(pbkdf2, "crypto.kdfparams.prf", NULL);
	malformed(pbkdf2, "crypto.kdfparams.c", json_integer(0));
	malformed(pbkdf2, "crypto.kdfparams.c", json_integer((1 << 22) + 1));
	malformed(pbkdf2, "crypto.kdfparams.c", json_integer((json_int_t)1 << 62));

	static const char *const texts[] = {"", "{", "[]", "null", "{\"version\": 3}"};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
		CHECK_EQ_INT(keystore_decrypt_text(texts[i], strlen(texts[i]), "pw",
		                                   got, NULL),
		             DURE_EKEYSTORE_FORMAT);
	json_decref(scrypt);
	json_decref(pbkdf2);
}

static void bad_encrypt(void)
{
	uint8_t zero[32] = {0}, key[32];
	keystore_params p;
	char *json = (char *)"x";

	unhex(spec_key, key, 32);
	CHECK_EQ_INT(keystore_params_init(&p, true), 0);
	CHECK_EQ_INT(keystore_encrypt(zero, "pw", &p, &json), DURE_EKEY);
	CHECK(json == NULL);
	p.n = 4097;
	CHECK_EQ_INT(keystore_encrypt(key, "pw", &p, &json), DURE_EINVAL);
	p.n = 4096;
	p.kdf = KEYSTORE_KDF_PBKDF2;
	p.c = 0;
	CHECK_EQ_INT(keystore_encrypt(key, "pw", &p, &json), DURE_EINVAL);
	CHECK(json == NULL);
}

static void files_on_disk(void)
{
	char base[] = "/tmp/dure-keystore-XXXXXX";
	uint8_t key[32], got[32], pub[64];
	address want, a;
	keystore_params p;
	char *path = NULL, dir[64];
	struct stat st;

	CHECK(mkdtemp(base) != NULL);
	snprintf(dir, sizeof dir, "%s/keystore", base);
	unhex(spec_key, key, 32);
	CHECK_EQ_INT(secp_pubkey_create(key, pub), 0);
	secp_pubkey_address(pub, &want);
	CHECK_EQ_INT(keystore_params_init(&p, true), 0);
	CHECK_EQ_INT(keystore_store(dir, key, "pw", &p, &path), 0);
	CHECK(path != NULL);

	CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	const char *name = strrchr(path, '/') + 1;
	CHECK(strncmp(name, "UTC--", 5) == 0);
	CHECK(strlen(name) == strlen("UTC--2006-01-02T15-04-05.000000000Z--") + 40);
	CHECK(strcmp(name + strlen(name) - 40, spec_addr) == 0);
	CHECK(name[15] == 'T' && name[18] == '-' && name[34] == 'Z');

	CHECK_EQ_INT(keystore_load_file(path, "pw", got, &a), 0);
	CHECK_MEM(got, key, 32);
	CHECK(address_eq(&a, &want));
	CHECK_EQ_INT(keystore_load_file(path, "wrong", got, &a), DURE_EKEYSTORE_MAC);
	CHECK_EQ_INT(keystore_file_address(path, &a), 0);
	CHECK(address_eq(&a, &want));

	/* No temporary file is left beside it. */
	DIR *d = opendir(dir);
	int entries = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			entries++;
	if (d)
		closedir(d);
	CHECK_EQ_INT(entries, 1);

	char missing[96];
	snprintf(missing, sizeof missing, "%s/none", base);
	CHECK_EQ_INT(keystore_load_file(missing, "pw", got, &a), DURE_EIO);
	CHECK_EQ_INT(keystore_file_address(missing, &a), DURE_EIO);
	char nodir[96];
	snprintf(nodir, sizeof nodir, "%s/no/such/dir", base);
	char *none = (char *)"x";
	CHECK_EQ_INT(keystore_store(nodir, key, "pw", &p, &none), DURE_EIO);
	CHECK(none == NULL);

	/* Larger than a key file may be. */
	char big[96];
	snprintf(big, sizeof big, "%s/big", base);
	FILE *f = fopen(big, "w");
	for (unsigned i = 0; f && i <= KEYSTORE_FILE_MAX; i++)
		fputc(' ', f);
	if (f)
		fclose(f);
	CHECK_EQ_INT(keystore_load_file(big, "pw", got, &a), DURE_EKEYSTORE_FORMAT);
	CHECK_EQ_INT(keystore_file_address(big, &a), DURE_EKEYSTORE_FORMAT);

	unlink(big);
	unlink(path);
	rmdir(dir);
	rmdir(base);
	free(path);
}

TEST_MAIN(spec_vector_pbkdf2, spec_vector_scrypt_r1, ethers_vector_scrypt,
          roundtrip, tampered, malformed_files, bad_encrypt, files_on_disk)
