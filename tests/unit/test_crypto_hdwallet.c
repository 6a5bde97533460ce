/* BIP-39 and BIP-32: the embedded word list against the official file's
 * sha256, the TREZOR vectors of trezor/python-mnemonic (entropy, mnemonic,
 * seed with passphrase "TREZOR", master key from the xprv), BIP-32 test
 * vectors 1 and 2 (keys and chain codes decoded from the BIP's xprv
 * strings), the dev accounts Hardhat and Anvil publish for their standard
 * mnemonic, and malformed mnemonics and paths. */
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "crypto/hash.h"
#include "crypto/hdwallet.h"
#include "crypto/secp.h"
#include "test.h"

static void unhex(const char *s, uint8_t *out, size_t n)
{
	CHECK_EQ_INT(hex_decode_exact(s, out, n), 0);
}

static bool mem_eq_hex(const uint8_t *p, size_t n, const char *want)
{
	uint8_t w[64];
	if (n > sizeof w || hex_decode_exact(want, w, n) != DURE_OK)
		return false;
	return memcmp(p, w, n) == 0;
}

/* The table hashes to the sha256 of bip-0039/english.txt (one word a line,
 * each line ending in \n). */
static void word_list_is_official(void)
{
	char *all = malloc(2048 * 10);
	size_t n = 0;
	uint8_t h[32];

	for (unsigned i = 0; i < 2048; i++) {
		const char *w = hd_bip39_word(i);
		size_t wl = strlen(w);
		memcpy(all + n, w, wl);
		n += wl;
		all[n++] = '\n';
	}
	sha256((const uint8_t *)all, n, h);
	CHECK(mem_eq_hex(h, 32, "2f5eed53a4727b4bf8880d8f3f199efc"
	                        "90e58503646d9ff8eff3a2ed3b24dbda"));
	CHECK(strcmp(hd_bip39_word(0), "abandon") == 0);
	CHECK(strcmp(hd_bip39_word(2047), "zoo") == 0);
	CHECK(hd_bip39_word(2048) == NULL);
	free(all);
}

typedef struct trezor_vec {
	const char *entropy, *mnemonic, *seed;
	const char *chain, *key;    /* master key from the xprv, or NULL */
} trezor_vec;

static const trezor_vec trezor[] = {
	{"00000000000000000000000000000000",
	 "abandon abandon abandon abandon abandon abandon abandon abandon "
	 "abandon abandon abandon about",
	 "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e5349553"
	 "1f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04",
	 "a3fa8c983223306de0f0f65e74ebb1e98aba751633bf91d5fb56529aa5c132c1",
	 "cbedc75b0d6412c85c79bc13875112ef912fd1e756631b5a00330866f22ff184"},
	{"7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
	 "legal winner thank year wave sausage worth useful legal winner "
	 "thank yellow",
	 "2e8905819b8723fe2c1d161860e5ee1830318dbf49a83bd451cfb8440c28bd6f"
	 "a457fe1296106559a3c80937a1c1069be3a3a5bd381ee6260e8d9739fce1f607",
	 "3dff8e4e898ecd7f09dd62023bd6ca129312216b427d4f6b650f456da06b543f",
	 "dddda5cdef032caf0b966bb1c7d2a8836e827aaa6480e9067080a075656d3228"},
	{"808080808080808080808080808080808080808080808080",
	 "letter advice cage absurd amount doctor acoustic avoid letter advice "
	 "cage absurd amount doctor acoustic avoid letter always",
	 "107d7c02a5aa6f38c58083ff74f04c607c2d2c0ecc55501dadd72d025b751bc2"
	 "7fe913ffb796f841c49b1d33b610cf0e91d3aa239027f5e99fe4ce9e5088cd65",
	 NULL, NULL},
	{"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	 "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo "
	 "zoo zoo zoo zoo zoo zoo vote",
	 "dd48c104698c30cfe2b6142103248622fb7bb0ff692eebb00089b32d22484e16"
	 "13912f0a5b694407be899ffd31ed3992c456cdf60f5d4564b8ba3f05a69890ad",
	 NULL, NULL},
	{"9e885d952ad362caeb4efe34a8e91bd2",
	 "ozone drill grab fiber curtain grace pudding thank cruise elder "
	 "eight picnic",
	 "274ddc525802f7c828d8ef7ddbcdc5304e87ac3535913611fbbfa986d0c9e547"
	 "6c91689f9c8a54fd55bd38606aa6a8595ad213d4c9c9f9aca3fb217069a41028",
	 "4acee798a1f034cd5a253a68dd61ee26d195fb9c5beab3dfba78fb37617ad533",
	 "ac0164daefba477910d503a14743787982a118ca53adbc0044561b0088bd2e53"},
	{"6610b25967cdcca9d59875f5cb50b0ea75433311869e930b",
	 "gravity machine north sort system female filter attitude volume "
	 "fold club stay feature office ecology stable narrow fog",
	 "628c3827a8823298ee685db84f55caa34b5cc195a778e52d45f59bcf75aba68e"
	 "4d7590e101dc414bc1bbd5737666fbbef35d1f1903953b66624f910feef245ac",
	 NULL, NULL},
	{"066dca1a2bb7e8a1db2832148ce9933eea0f3ac9548d793112d9a95c9407efad",
	 "all hour make first leader extend hole alien behind guard gospel "
	 "lava path output census museum junior mass reopen famous sing "
	 "advance salt reform",
	 "26e975ec644423f4a4c4f4215ef09b4bd7ef924e85d1d17c4cf3f136c2863cf6"
	 "df0a475045652c57eb5fb41513ca2a2d67722b77e954b4b3fc11f7590449191d",
	 NULL, NULL},
	{"f585c11aec520db57dd353c69554b21a89b20fb0650966fa0a9d6f74fd989d8f",
	 "void come effort suffer camp survey warrior heavy shoot primary "
	 "clutch crush open amazing screen patrol group space point ten exist "
	 "slush involve unfold",
	 "01f5bced59dec48e362f2c45b5de68b9fd6c92c6634f44d6d40aab69056506f0"
	 "e35524a518034ddc1192e1dacd32c1ed3eaa3c3b131c88ed8e7e54c49a5d0998",
	 "6df83b12407419139884bd46497e9ffabf29ff997c84b00e5b518cd06108a427",
	 "679bf92c04cf16307053cbed33784f3c4266b362bf5f3d7ee13bed6f2719743c"},
};

static void trezor_vectors(void)
{
	for (size_t i = 0; i < sizeof trezor / sizeof trezor[0]; i++) {
		const trezor_vec *v = &trezor[i];
		uint8_t ent[32], seed[64], key[32], chain[32];
		size_t n = strlen(v->entropy) / 2;
		char words[256];

		unhex(v->entropy, ent, n);
		CHECK_EQ_INT(hd_mnemonic_from_entropy(ent, n, words, sizeof words), 0);
		CHECK(strcmp(words, v->mnemonic) == 0);
		CHECK_EQ_INT(hd_mnemonic_check(v->mnemonic), 0);
		CHECK_EQ_INT(hd_seed_from_mnemonic(v->mnemonic, "TREZOR", seed), 0);
		CHECK(mem_eq_hex(seed, 64, v->seed));
		if (v->key) {
			CHECK_EQ_INT(hd_derive(seed, 64, "m", key, chain), 0);
			CHECK(mem_eq_hex(key, 32, v->key));
			CHECK(mem_eq_hex(chain, 32, v->chain));
		}
	}
}

/* The BIP-39 seed without a passphrase, as BIP-39 implementations publish
 * it for the all-"abandon" mnemonic. */
static void empty_passphrase(void)
{
	uint8_t seed[64];
	const char *m = "abandon abandon abandon abandon abandon abandon abandon "
	                "abandon abandon abandon abandon about";
	static const char want[] =
		"5eb00bbddcf069084889a8ab9155568165f5c453ccb85e70811aaed6f6da5fc1"
		"9a5ac40b389cd370d086206dec8aa6c43daea6690f20ad3d8d48b2d2ce9e38e4";

	CHECK_EQ_INT(hd_seed_from_mnemonic(m, NULL, seed), 0);
	CHECK(mem_eq_hex(seed, 64, want));
	CHECK_EQ_INT(hd_seed_from_mnemonic(m, "", seed), 0);
	CHECK(mem_eq_hex(seed, 64, want));
	/* Whitespace around the sentence is not part of it. */
	CHECK_EQ_INT(hd_seed_from_mnemonic(
		"  abandon abandon abandon abandon abandon abandon abandon "
		"abandon abandon abandon abandon about\n", NULL, seed), 0);
	CHECK(mem_eq_hex(seed, 64, want));
}

typedef struct bip32_step {
	const char *path, *chain, *key;
} bip32_step;

static void bip32_vector(const char *seed_hex, const bip32_step *steps,
                         size_t n)
{
	uint8_t seed[64], key[32], chain[32];
	size_t sl = strlen(seed_hex) / 2;

	unhex(seed_hex, seed, sl);
	for (size_t i = 0; i < n; i++) {
		CHECK_EQ_INT(hd_derive(seed, sl, steps[i].path, key, chain), 0);
		CHECK(mem_eq_hex(key, 32, steps[i].key));
		CHECK(mem_eq_hex(chain, 32, steps[i].chain));
	}
}

static void bip32_vector1(void)
{
	static const bip32_step steps[] = {
		{"m",
		 "873dff81c02f525623fd1fe5167eac3a55a049de3d314bb42ee227ffed37d508",
		 "e8f32e723decf4051aefac8e2c93c9c5b214313817cdb01a1494b917c8436b35"},
		{"m/0'",
		 "47fdacbd0f1097043b78c63c20c34ef4ed9a111d980047ad16282c7ae6236141",
		 "edb2e14f9ee77d26dd93b4ecede8d16ed408ce149b6cd80b0715a2d911a0afea"},
		{"m/0'/1",
		 "2a7857631386ba23dacac34180dd1983734e444fdbf774041578e9b6adb37c19",
		 "3c6cb8d0f6a264c91ea8b5030fadaa8e538b020f0a387421a12de9319dc93368"},
		{"m/0h/1/2h",
		 "04466b9cc8e161e966409ca52986c584f07e9dc81f735db683c3ff6ec7b1503f",
		 "cbce0d719ecf7431d88e6a89fa1483e02e35092af60c042b1df2ff59fa424dca"},
		{"m/0'/1/2'/2",
		 "cfb71883f01676f587d023cc53a35bc7f88f724b1f8c2892ac1275ac822a3edd",
		 "0f479245fb19a38a1954c5c7c0ebab2f9bdfd96a17563ef28a6a4b1a2a764ef4"},
		{"m/0'/1/2'/2/1000000000",
		 "c783e67b921d2beb8f6b389cc646d7263b4145701dadd2161548a8b078e65e9e",
		 "471b76e389e528d6de6d816857e012c5455051cad6660850e58372a6c3e6e7c8"},
	};
	bip32_vector("000102030405060708090a0b0c0d0e0f", steps,
	             sizeof steps / sizeof steps[0]);
}

static void bip32_vector2(void)
{
	static const bip32_step steps[] = {
		{"m",
		 "60499f801b896d83179a4374aeb7822aaeaceaa0db1f85ee3e904c4defbd9689",
		 "4b03d6fc340455b363f51020ad3ecca4f0850280cf436c70c727923f6db46c3e"},
		{"m/0",
		 "f0909affaa7ee7abe5dd4e100598d4dc53cd709d5a5c2cac40e7412f232f7c9c",
		 "abe74a98f6c7eabee0428f53798f0ab8aa1bd37873999041703c742f15ac7e1e"},
		{"m/0/2147483647'",
		 "be17a268474a6bb9c61e1d720cf6215e2a88c5406c4aee7b38547f585c9a37d9",
		 "877c779ad9687164e9c2f4f0f4ff0340814392330693ce95a58fe18fd52e6e93"},
		{"m/0/2147483647'/1",
		 "f366f48f1ea9f2d1d3fe958c95ca84ea18e4c4ddb9366c336c927eb246fb38cb",
		 "704addf544a06e5ee4bea37098463c23613da32020d604506da8c0518e1da4b7"},
		{"m/0/2147483647'/1/2147483646'",
		 "637807030d55d01f9a0cb3a7839515d796bd07706386a6eddf06cc29a65a0e29",
		 "f1c7c871a54a804afe328b4c83a1c33b8e5ff48f5087273f04efa83b247d6a2d"},
		{"m/0/2147483647'/1/2147483646'/2",
		 "9452b549be8cea3ecb7a84bec10dcfd94afe4d129ebfd3b3cb58eedf394ed271",
		 "bb7d39bdb83ecf58f2fd82b6d918341cbef428661ef01ab97c28a4842125ac23"},
	};
	bip32_vector("fffcf9f6f3f0edeae7e4e1dedbd8d5d2cfccc9c6c3c0bdbab7b4b1ae"
	             "aba8a5a29f9c999693908d8a8784817e7b7875726f6c696663605d5a"
	             "5754514e4b484542",
	             steps, sizeof steps / sizeof steps[0]);
}

/* Hardhat's and Anvil's default accounts. */
static void dev_accounts(void)
{
	static const char *const mnemonic =
		"test test test test test test test test test test test junk";
	static const struct {
		uint32_t index;
		const char *key, *addr;
	} accts[] = {
		{0, "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
		 "f39Fd6e51aad88F6F4ce6aB8827279cffFb92266"},
		{1, "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
		 "70997970C51812dc3A010C7d01b50e0d17dc79C8"},
		{9, "2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
		 "a0Ee7A142d267C1f36714E4a8F75612F20a79720"},
	};
	for (size_t i = 0; i < sizeof accts / sizeof accts[0]; i++) {
		uint8_t key[32], pub[64];
		address a;

		CHECK_EQ_INT(hd_dev_key(mnemonic, accts[i].index, key), 0);
		CHECK(mem_eq_hex(key, 32, accts[i].key));
		CHECK_EQ_INT(secp_pubkey_create(key, pub), 0);
		secp_pubkey_address(pub, &a);
		CHECK(mem_eq_hex(a.b, 20, accts[i].addr));
	}
	uint8_t key[32];
	memset(key, 0xaa, sizeof key);
	CHECK_EQ_INT(hd_dev_key(mnemonic, 0x80000000u, key), DURE_EHD_PATH);
	CHECK(key[0] == 0 && key[31] == 0);
}

static void bad_mnemonics(void)
{
	static const char *const bad[] = {
		"",
		"   ",
		/* wrong checksum: the twelfth word of the zero entropy is "about" */
		"abandon abandon abandon abandon abandon abandon abandon abandon "
		"abandon abandon abandon abandon",
		"legal winner thank year wave sausage worth useful legal winner "
		"thank zoo",
		/* unknown words */
		"abandon abandon abandon abandon abandon abandon abandon abandon "
		"abandon abandon abandon abouts",
		"abandon abandon abandon abandon abandon abandon abandon abandon "
		"abandon abandon abandon abou",
		"Abandon abandon abandon abandon abandon abandon abandon abandon "
		"abandon abandon abandon about",
		/* 11, 13 and 27 words */
		"abandon abandon abandon abandon abandon abandon abandon abandon "
		"abandon abandon about",
		"abandon abandon abandon abandon abandon abandon abandon abandon "
		"abandon abandon abandon abandon about",
		"abandon abandon abandon abandon abandon abandon abandon abandon "
		"abandon abandon abandon abandon abandon abandon abandon abandon "
		"abandon abandon abandon abandon abandon abandon abandon abandon "
		"abandon abandon art",
		/* separators other than one space */
		"abandon abandon abandon abandon abandon abandon abandon abandon "
		"abandon abandon abandon  about",
		"abandon abandon abandon abandon abandon abandon abandon abandon "
		"abandon abandon abandon\tabout",
		/* non-ASCII (we do no NFKD) */
		"abandon abandon abandon abandon abandon abandon abandon abandon "
		"abandon abandon abandon ab\xc3\xb3ut",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint8_t seed[64];
		memset(seed, 0xaa, sizeof seed);
		CHECK_EQ_INT(hd_mnemonic_check(bad[i]), DURE_EMNEMONIC);
		CHECK_EQ_INT(hd_seed_from_mnemonic(bad[i], NULL, seed), DURE_EMNEMONIC);
		CHECK(seed[0] == 0 && seed[63] == 0);
	}

	const char *good = "abandon abandon abandon abandon abandon abandon "
	                   "abandon abandon abandon abandon abandon about";
	uint8_t seed[64];
	CHECK_EQ_INT(hd_seed_from_mnemonic(good, "caf\xc3\xa9", seed), DURE_EINVAL);
	char *longpass = malloc(HD_PASSPHRASE_MAX + 2);
	memset(longpass, 'a', HD_PASSPHRASE_MAX + 1);
	longpass[HD_PASSPHRASE_MAX + 1] = '\0';
	CHECK_EQ_INT(hd_seed_from_mnemonic(good, longpass, seed), DURE_EINVAL);
	longpass[HD_PASSPHRASE_MAX] = '\0';
	CHECK_EQ_INT(hd_seed_from_mnemonic(good, longpass, seed), 0);
	free(longpass);
}

static void bad_entropy(void)
{
	uint8_t ent[32] = {0};
	char out[256];

	CHECK_EQ_INT(hd_mnemonic_from_entropy(ent, 15, out, sizeof out), DURE_EINVAL);
	CHECK_EQ_INT(hd_mnemonic_from_entropy(ent, 36, out, sizeof out), DURE_EINVAL);
	/* Eleven "abandon", "about", eleven spaces and the NUL: 94 bytes. */
	CHECK_EQ_INT(hd_mnemonic_from_entropy(ent, 16, out, 93), DURE_ERANGE);
	CHECK(out[0] == '\0');
	CHECK_EQ_INT(hd_mnemonic_from_entropy(ent, 16, out, 94), 0);
	CHECK_EQ_INT(strlen(out), 93);
}

static void bad_paths(void)
{
	static const char *const bad[] = {
		"", "M", "m/", "44'", "/0", "m0", "m//0", "m/a", "m/0/", "m/-1",
		"m/01", "m/0''", "m/0x", "m/0 ", "m/2147483648", "m/2147483648'",
		"m/4294967296", "m/99999999999999999999",
	};
	uint8_t seed[16] = {0}, key[32], chain[32];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(key, 0xaa, sizeof key);
		CHECK_EQ_INT(hd_derive(seed, sizeof seed, bad[i], key, chain),
		             DURE_EHD_PATH);
		CHECK(key[0] == 0 && key[31] == 0 && chain[0] == 0);
	}
	/* At the depth limit, and one step past it. */
	char deep[2 * (HD_PATH_MAX_DEPTH + 1) + 2];
	size_t n = 0;
	deep[n++] = 'm';
	for (int i = 0; i < HD_PATH_MAX_DEPTH; i++) {
		deep[n++] = '/';
		deep[n++] = '0';
	}
	deep[n] = '\0';
	CHECK_EQ_INT(hd_derive(seed, sizeof seed, deep, key, NULL), 0);
	deep[n++] = '/';
	deep[n++] = '0';
	deep[n] = '\0';
	CHECK_EQ_INT(hd_derive(seed, sizeof seed, deep, key, NULL), DURE_EHD_PATH);

	CHECK_EQ_INT(hd_derive(seed, 15, "m", key, chain), DURE_EINVAL);
	uint8_t big[65] = {0};
	CHECK_EQ_INT(hd_derive(big, 65, "m", key, chain), DURE_EINVAL);
	CHECK_EQ_INT(hd_derive(big, 64, "m/2147483647h", key, chain), 0);
}

TEST_MAIN(word_list_is_official, trezor_vectors, empty_passphrase,
          bip32_vector1, bip32_vector2, dev_accounts, bad_mnemonics,
          bad_entropy, bad_paths)
