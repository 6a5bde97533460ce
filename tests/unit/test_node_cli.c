/* The command line's parsers (node/cli.h) and `dure node --unlock`
 * (node/keys.h): account lists as geth takes them, loopback addresses,
 * geth's password file rule, and accounts decrypted from a keystore
 * holding the Web3 Secret Storage definition's PBKDF2 vector and two of
 * Hardhat's well-known keys, checked against their published keys and
 * addresses. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "base/hex.h"
#include "crypto/keystore.h"
#include "node/cli.h"
#include "node/keys.h"
#include "test.h"

static void test_parse_ulong(void)
{
	unsigned long v = 7;
	CHECK(cli_parse_ulong("0", 10, &v) && v == 0);
	CHECK(cli_parse_ulong("65535", 65535, &v) && v == 65535);
	v = 7;
	CHECK(!cli_parse_ulong("65536", 65535, &v) && v == 7);
	CHECK(!cli_parse_ulong("", 10, &v));
	CHECK(!cli_parse_ulong("-1", 10, &v));
	CHECK(!cli_parse_ulong("+1", 10, &v));
	CHECK(!cli_parse_ulong(" 1", 10, &v));
	CHECK(!cli_parse_ulong("1 ", 10, &v));
	CHECK(!cli_parse_ulong("0x10", 100, &v));
	CHECK(!cli_parse_ulong("99999999999999999999999", (unsigned long)-1, &v));
	CHECK(v == 7);
}

/* Hardhat's accounts #0 and #1 (mnemonic "test test ... junk"). */
static const uint8_t hh0_addr[20] = {
	0xf3, 0x9f, 0xd6, 0xe5, 0x1a, 0xad, 0x88, 0xf6, 0xf4, 0xce,
	0x6a, 0xb8, 0x82, 0x72, 0x79, 0xcf, 0xff, 0xb9, 0x22, 0x66,
};
static const char hh0_key[] =
	"ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
static const uint8_t hh1_addr[20] = {
	0x70, 0x99, 0x79, 0x70, 0xc5, 0x18, 0x12, 0xdc, 0x3a, 0x01,
	0x0c, 0x7d, 0x01, 0xb5, 0x0e, 0x0d, 0x17, 0xdc, 0x79, 0xc8,
};
static const char hh1_key[] =
	"59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

static void test_parse_accounts(void)
{
	cli_account_ref r[4];
	size_t n = 9;

	CHECK_EQ_INT(cli_parse_accounts(
	                 "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
	                 r, 4, &n), 0);
	CHECK_EQ_INT(n, 1);
	CHECK(!r[0].is_index && !memcmp(r[0].addr.b, hh0_addr, 20));
	CHECK_EQ_INT(cli_parse_accounts("f39fd6e51aad88f6f4ce6ab8827279cfffb92266",
	                                r, 4, &n), 0);
	CHECK(n == 1 && !r[0].is_index && !memcmp(r[0].addr.b, hh0_addr, 20));
	/* geth trims the items and skips empty ones. */
	CHECK_EQ_INT(cli_parse_accounts(" 0 , 12,,0X70997970C51812dc3A010C7d01b5"
	                                "0e0d17dc79C8 ,", r, 4, &n), 0);
	CHECK_EQ_INT(n, 3);
	CHECK(r[0].is_index && r[0].index == 0);
	CHECK(r[1].is_index && r[1].index == 12);
	CHECK(!r[2].is_index && !memcmp(r[2].addr.b, hh1_addr, 20));
	/* 40 decimal digits: an address first, as geth reads them. */
	CHECK_EQ_INT(cli_parse_accounts("1111111111111111111111111111111111111111",
	                                r, 4, &n), 0);
	CHECK(n == 1 && !r[0].is_index && r[0].addr.b[0] == 0x11 &&
	      r[0].addr.b[19] == 0x11);

	n = 9;
	CHECK_EQ_INT(cli_parse_accounts("0xf39fd6", r, 4, &n), DURE_EINVAL);
	CHECK_EQ_INT(n, 0);
	CHECK_EQ_INT(cli_parse_accounts("0,-1", r, 4, &n), DURE_EINVAL);
	CHECK_EQ_INT(cli_parse_accounts("1x", r, 4, &n), DURE_EINVAL);
	CHECK_EQ_INT(cli_parse_accounts(
	                 "0xg39fd6e51aad88f6f4ce6ab8827279cfffb92266",
	                 r, 4, &n), DURE_EINVAL);
	CHECK_EQ_INT(cli_parse_accounts("0 1", r, 4, &n), DURE_EINVAL);
	CHECK_EQ_INT(cli_parse_accounts("", r, 4, &n), DURE_EINVAL);
	CHECK_EQ_INT(cli_parse_accounts(" , ,", r, 4, &n), DURE_EINVAL);
	CHECK_EQ_INT(cli_parse_accounts("1,2,3", r, 2, &n), DURE_ERANGE);
	CHECK_EQ_INT(n, 0);
	CHECK(!r[0].is_index && r[0].index == 0);
	CHECK_EQ_INT(cli_parse_accounts("1,2,", r, 2, &n), 0);
	CHECK_EQ_INT(n, 2);
}

static void test_loopback(void)
{
	CHECK(cli_ip_is_loopback("127.0.0.1"));
	CHECK(cli_ip_is_loopback("127.255.1.2"));
	CHECK(cli_ip_is_loopback("::1"));
	CHECK(cli_ip_is_loopback("0:0:0:0:0:0:0:1"));
	CHECK(cli_ip_is_loopback("::ffff:127.0.0.1"));
	CHECK(!cli_ip_is_loopback("0.0.0.0"));
	CHECK(!cli_ip_is_loopback("::"));
	CHECK(!cli_ip_is_loopback("128.0.0.1"));
	CHECK(!cli_ip_is_loopback("10.0.0.127"));
	CHECK(!cli_ip_is_loopback("192.168.1.20"));
	CHECK(!cli_ip_is_loopback("::2"));
	CHECK(!cli_ip_is_loopback("::ffff:10.0.0.1"));
	CHECK(!cli_ip_is_loopback("localhost"));
	CHECK(!cli_ip_is_loopback(""));
}

/* Line i of text is want, numbered no. */
static void line_is(const char *text, size_t i, const char *want, size_t no)
{
	const char *line = NULL;
	size_t len = 99;
	CHECK_EQ_INT(cli_password_line(text, strlen(text), i, &line, &len), no);
	CHECK(len == strlen(want) && line && !memcmp(line, want, len));
}

static void test_password_line(void)
{
	const char *three = "alpha\nbeta\r\ngamma\n";
	line_is(three, 0, "alpha", 0);
	line_is(three, 1, "beta", 1);
	line_is(three, 2, "gamma", 2);
	line_is(three, 7, "gamma", 2);
	line_is("solo\n", 0, "solo", 0);
	line_is("solo\n", 3, "solo", 0);
	line_is("solo", 1, "solo", 0);
	line_is("", 0, "", 0);
	line_is("", 2, "", 0);
	line_is("\r\n", 1, "", 0);
	line_is("a\n\n", 0, "a", 0);
	line_is("a\n\n", 4, "", 1);
	line_is("\nb", 0, "", 0);
	line_is("\nb", 1, "b", 1);
	line_is("a\rb\n", 0, "a\rb", 0);
}

/* ---- --unlock against a keystore directory ---- */

/* The definition's PBKDF2 vector (password "testpassword"), with the
 * address field geth writes. */
static const char spec_file[] =
	"{\"address\": \"008aeeda4d805471df9b2a5b0f38a0c3bcba786b\","
	" \"crypto\": {\"cipher\": \"aes-128-ctr\","
	" \"cipherparams\": {\"iv\": \"6087dab2f9fdbbfaddc31a909735c1e6\"},"
	" \"ciphertext\": \"5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46\","
	" \"kdf\": \"pbkdf2\", \"kdfparams\": {\"c\": 262144, \"dklen\": 32,"
	" \"prf\": \"hmac-sha256\","
	" \"salt\": \"ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd\"},"
	" \"mac\": \"517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2\"},"
	" \"id\": \"3198bc9c-6672-5ab3-d995-4942343ae5b6\", \"version\": 3}";
static const char spec_key[] =
	"7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d";
static const uint8_t spec_addr[20] = {
	0x00, 0x8a, 0xee, 0xda, 0x4d, 0x80, 0x54, 0x71, 0xdf, 0x9b,
	0x2a, 0x5b, 0x0f, 0x38, 0xa0, 0xc3, 0xbc, 0xba, 0x78, 0x6b,
};

static char dir[] = "/tmp/dure-unlock-XXXXXX";
static char files[8][256];
static size_t nfiles;

static const char *write_file(const char *name, const char *text)
{
	char *path = files[nfiles++];
	snprintf(path, sizeof files[0], "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	return path;
}

/* A key file of hex key under password, made fast (PBKDF2, c = 2). */
static void write_key(const char *name, const char *key_hex,
                      const char *password)
{
	keystore_params p = {.kdf = KEYSTORE_KDF_PBKDF2, .c = 2,
	                     .uuid = {[6] = 0x40, [8] = 0x80}};
	uint8_t key[32];
	char *json = NULL;
	CHECK_EQ_INT(hex_decode_exact(key_hex, key, 32), 0);
	CHECK_EQ_INT(keystore_encrypt(key, password, &p, &json), 0);
	if (json)
		write_file(name, json);
	free(json);
}

static bool key_is(const api_account *a, const char *want_hex)
{
	uint8_t want[32];
	return hex_decode_exact(want_hex, want, 32) == 0 &&
	       !memcmp(a->key, want, 32);
}

static cli_account_ref by_index(unsigned long i)
{
	return (cli_account_ref){.is_index = true, .index = i};
}

static cli_account_ref by_addr(const uint8_t a[20])
{
	cli_account_ref r = {0};
	memcpy(r.addr.b, a, 20);
	return r;
}

static void test_unlock(void)
{
	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	/* File name order: the spec's, Hardhat #0, Hardhat #1; README is no
	 * key file and .hidden is hidden, so neither takes an index. */
	write_file("UTC--2000-01-01T00-00-00.000000000Z--008aeeda4d805471df9b2a"
	           "5b0f38a0c3bcba786b", spec_file);
	write_key("UTC--2001-01-01T00-00-00.000000000Z--f39fd6e51aad88f6f4ce6a"
	          "b8827279cfffb92266", hh0_key, "pw0");
	write_key("UTC--2002-01-01T00-00-00.000000000Z--70997970c51812dc3a010c"
	          "7d01b50e0d17dc79c8", hh1_key, "pw0");
	write_file("README", "not a key\n");
	write_file(".hidden", spec_file);
	const char *pw_lines = write_file("pw-lines", "testpassword\r\npw0\n");
	const char *pw_one = write_file("pw-one", "pw0\n");
	const char *pw_bad = write_file("pw-bad", "pw0\nwrong\n");
	char missing[300];
	snprintf(missing, sizeof missing, "%s/nothing", dir);

	api_account *a = NULL, sentinel;
	cli_account_ref refs[3] = {by_addr(spec_addr), by_index(1),
	                           by_index(2)};
	/* Line i for account i, the last line for the one after. */
	CHECK_EQ_INT(keys_unlock(dir, refs, 3, pw_lines, &a), 0);
	if (a) {
		CHECK(!memcmp(a[0].addr.b, spec_addr, 20) && key_is(&a[0], spec_key));
		CHECK(!memcmp(a[1].addr.b, hh0_addr, 20) && key_is(&a[1], hh0_key));
		CHECK(!memcmp(a[2].addr.b, hh1_addr, 20) && key_is(&a[2], hh1_key));
	}
	keys_lock(a, 3);
	/* One line serves every account. */
	refs[0] = by_addr(hh1_addr);
	refs[1] = by_addr(hh0_addr);
	CHECK_EQ_INT(keys_unlock(dir, refs, 2, pw_one, &a), 0);
	if (a) {
		CHECK(!memcmp(a[0].addr.b, hh1_addr, 20) && key_is(&a[0], hh1_key));
		CHECK(!memcmp(a[1].addr.b, hh0_addr, 20) && key_is(&a[1], hh0_key));
	}
	keys_lock(a, 2);

	a = &sentinel;
	refs[0] = by_index(0);
	CHECK_EQ_INT(keys_unlock(dir, refs, 1, pw_bad, &a), DURE_EKEYSTORE_MAC);
	CHECK(a == NULL);
	refs[0] = by_index(1);
	refs[1] = by_index(0);
	CHECK_EQ_INT(keys_unlock(dir, refs, 2, pw_bad, &a), DURE_EKEYSTORE_MAC);
	refs[1] = by_addr(hh0_addr);
	CHECK_EQ_INT(keys_unlock(dir, refs, 2, pw_one, &a), DURE_EINVAL);
	refs[0] = by_index(3);
	CHECK_EQ_INT(keys_unlock(dir, refs, 1, pw_one, &a), DURE_ENOTFOUND);
	refs[0] = by_addr((const uint8_t[20]){[19] = 1});
	CHECK_EQ_INT(keys_unlock(dir, refs, 1, pw_one, &a), DURE_ENOTFOUND);
	CHECK_EQ_INT(keys_unlock(missing, refs, 1, pw_one, &a), DURE_ENOTFOUND);
	refs[0] = by_index(0);
	CHECK_EQ_INT(keys_unlock(dir, refs, 1, missing, &a), DURE_EIO);
	/* Neither a password file nor a terminal. */
	CHECK(freopen("/dev/null", "r", stdin) != NULL);
	a = &sentinel;
	CHECK_EQ_INT(keys_unlock(dir, refs, 1, NULL, &a), DURE_EINVAL);
	CHECK(a == NULL);

	keys_file *kf = NULL;
	size_t n = 0;
	CHECK_EQ_INT(keys_scan(dir, &kf, &n), 0);
	CHECK_EQ_INT(n, 3);
	if (n == 3) {
		CHECK(!memcmp(kf[0].addr.b, spec_addr, 20));
		CHECK(!memcmp(kf[1].addr.b, hh0_addr, 20));
		CHECK(!memcmp(kf[2].addr.b, hh1_addr, 20));
		CHECK(!strcmp(kf[0].path, files[0]));
	}
	keys_files_free(kf, n);
	CHECK_EQ_INT(keys_scan(missing, &kf, &n), 0);
	CHECK(n == 0 && kf == NULL);

	for (size_t i = 0; i < nfiles; i++)
		CHECK_EQ_INT(remove(files[i]), 0);
	CHECK_EQ_INT(remove(dir), 0);
}

TEST_MAIN(test_parse_ulong, test_parse_accounts, test_loopback,
          test_password_line, test_unlock)
