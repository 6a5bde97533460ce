/* bn254 (EIP-196 / EIP-197) tests. Vectors marked "geth" are transcribed
 * from go-ethereum core/vm/testdata/precompiles/bn256{Add,ScalarMul,
 * Pairing}.json; multiples of the G2 generator and the off-subgroup twist
 * point were computed with an independent affine big-integer script. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "crypto/bn254.h"
#include "test.h"

#define G1_GEN                                                                 \
	"0000000000000000000000000000000000000000000000000000000000000001"         \
	"0000000000000000000000000000000000000000000000000000000000000002"
#define G1_2GEN                                                                \
	"030644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd3"         \
	"15ed738c0e0a7c92e7845f96b2ae9c0a68a6a449e3538fc7ff3ebf7a5a18a2c4"
#define G2_GEN                                                                 \
	"198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2"         \
	"1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed"         \
	"090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b"         \
	"12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa"
#define G2_NEG_GEN                                                             \
	"198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2"         \
	"1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed"         \
	"275dc4a288d1afb3cbb1ac09187524c7db36395df7be3b99e673b13a075a65ec"         \
	"1d9befcd05a5323e6da4d435f3b617cdb3af83285c2df711ef39c01571827f9d"
/* 5 * G2 */
#define G2_5GEN                                                                \
	"0a09ccf561b55fd99d1c1208dee1162457b57ac5af3759d50671e510e428b2a1"         \
	"2e539c423b302d13f4e5773c603948eaf5db5df8ae8a9a9113708390a06410d8"         \
	"19b763513924a736e4eebd0d78c91c1bc1d657fee4214057d21414011cfcc763"         \
	"2f8d9f9ab83727c77a2fec063cb7b6e5eb23044ccf535ad49d46d394fb6f6bf6"
/* 123456789 * G2 */
#define G2_BIGGEN                                                              \
	"1c15df6dc9bd529991343f0a78d9a0d355b1b648567c7ee58d02664c8e2d4631"         \
	"00506c3def7620270716e18bfc554f9f5380ce2b3b425f0a6625d73afb204fff"         \
	"302e3e5b6b93a75d13b0a899163155f0a57b5e721277d2c718f2300d10a29899"         \
	"17397d778e1a5422e54482feb4199a5249a7a4dbfb3f2bf319520234b3137e06"
/* on the twist (x = 1) but not of order r */
#define G2_NONSUB                                                              \
	"0000000000000000000000000000000000000000000000000000000000000000"         \
	"0000000000000000000000000000000000000000000000000000000000000001"         \
	"0d1271953ed9ea0836846e70a1934187998c7f790cb4d7511b7f8da82de048a4"         \
	"2869111d5381f072f8e2728fdb825a51aadd70e52c9830e9ab4b871c0531f1bb"
#define ZERO32 "0000000000000000000000000000000000000000000000000000000000000000"
#define FIELD_P "30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47"
/* the group order r */
#define ORDER_R "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001"

/* Decodes hex (any even length) into a malloc'd buffer; *n gets its size. */
static uint8_t *unhex(const char *s, size_t *n)
{
	size_t len = strlen(s) / 2;
	uint8_t *out = malloc(len ? len : 1);
	if (!out)
		abort();
	if (len && hex_decode_exact(s, out, len) != DURE_OK)
		abort();
	*n = len;
	return out;
}

static void check_add(const char *in_hex, const char *want_hex)
{
	uint8_t in[128] = {0}, out[64], want[64];
	size_t n;
	uint8_t *raw = unhex(in_hex, &n);
	memcpy(in, raw, n < 128 ? n : 128);
	free(raw);
	CHECK(hex_decode_exact(want_hex, want, 64) == DURE_OK);
	CHECK_EQ_INT(bn254_add(in, out), DURE_OK);
	CHECK_MEM(out, want, 64);
	/* addition commutes */
	uint8_t swapped[128];
	memcpy(swapped, in + 64, 64);
	memcpy(swapped + 64, in, 64);
	CHECK_EQ_INT(bn254_add(swapped, out), DURE_OK);
	CHECK_MEM(out, want, 64);
}

static void check_mul(const char *in_hex, const char *want_hex)
{
	uint8_t in[96] = {0}, out[64], want[64];
	size_t n;
	uint8_t *raw = unhex(in_hex, &n);
	memcpy(in, raw, n < 96 ? n : 96);
	free(raw);
	CHECK(hex_decode_exact(want_hex, want, 64) == DURE_OK);
	CHECK_EQ_INT(bn254_mul(in, out), DURE_OK);
	CHECK_MEM(out, want, 64);
}

static void check_pairing(const char *in_hex, int want_err, bool want_ok)
{
	size_t n;
	uint8_t *in = unhex(in_hex, &n);
	bool ok = !want_ok;
	CHECK_EQ_INT(bn254_pairing_check(in, n, &ok), want_err);
	CHECK_EQ_INT(ok, want_ok);
	free(in);
}

static void test_add_vectors(void)
{
	/* geth chfast1, chfast2 */
	check_add("18b18acfb4c2c30276db5411368e7185b311dd124691610c5d3b74034e093dc9"
	          "063c909c4720840cb5134cb9f59fa749755796819658d32efc0d288198f37266"
	          "07c2b7f58a84bd6145f00c9c2bc0bb1a187f20ff2c92963a88019e7c6a014eed"
	          "06614e20c147e940f2d70da3f74c9a17df361706a4485c742bd6788478fa17d7",
	          "2243525c5efd4b9c3d3c45ac0ca3fe4dd85e830a4ce6b65fa1eeaee202839703"
	          "301d1d33be6da8e509df21cc35964723180eed7532537db9ae5e7d48f195c915");
	check_add("2243525c5efd4b9c3d3c45ac0ca3fe4dd85e830a4ce6b65fa1eeaee202839703"
	          "301d1d33be6da8e509df21cc35964723180eed7532537db9ae5e7d48f195c915"
	          "18b18acfb4c2c30276db5411368e7185b311dd124691610c5d3b74034e093dc9"
	          "063c909c4720840cb5134cb9f59fa749755796819658d32efc0d288198f37266",
	          "2bd3e6d0f3b142924f5ca7b49ce5b9d54c4703d7ae5648e61d02268b1a0a9fb7"
	          "21611ce0a6af85915e2f1d70300909ce2e49dfad4a4619c8390cae66cefdb204");
	/* geth cdetrio1..cdetrio11: infinity is the identity, G + G = 2G */
	check_add("", ZERO32 ZERO32);
	check_add(ZERO32 ZERO32 G1_GEN, G1_GEN);
	check_add(G1_GEN, G1_GEN);
	check_add(G1_GEN G1_GEN, G1_2GEN);
	/* geth cdetrio13, cdetrio14 (P + -P = infinity) */
	check_add("17c139df0efee0f766bc0204762b774362e4ded88953a39ce849a8a7fa163fa9"
	          "01e0559bacb160664764a357af8a9fe70baa9258e0b959273ffc5718c6d4cc7c"
	          "039730ea8dff1254c0fee9c0ea777d29a9c710b7e616683f194f18c43b43b869"
	          "073a5ffcc6fc7a28c30723d6e58ce577356982d65b833a5a5c15bf9024b43d98",
	          "15bf2bb17880144b5d1cd2b1f46eff9d617bffd1ca57c37fb5a49bd84e53cf66"
	          "049c797f9ce0d17083deb32b5e36f2ea2a212ee036598dd7624c168993d1355f");
	check_add("17c139df0efee0f766bc0204762b774362e4ded88953a39ce849a8a7fa163fa9"
	          "01e0559bacb160664764a357af8a9fe70baa9258e0b959273ffc5718c6d4cc7c"
	          "17c139df0efee0f766bc0204762b774362e4ded88953a39ce849a8a7fa163fa9"
	          "2e83f8d734803fc370eba25ed1f6b8768bd6d83887b87165fc2434fe11a830cb",
	          ZERO32 ZERO32);
}

static void test_mul_vectors(void)
{
	/* geth chfast1..3 */
	check_mul("2bd3e6d0f3b142924f5ca7b49ce5b9d54c4703d7ae5648e61d02268b1a0a9fb7"
	          "21611ce0a6af85915e2f1d70300909ce2e49dfad4a4619c8390cae66cefdb204"
	          "00000000000000000000000000000000000000000000000011138ce750fa15c2",
	          "070a8d6a982153cae4be29d434e8faef8a47b274a053f5a4ee2a6c9c13c31e5c"
	          "031b8ce914eba3a9ffb989f9cdd5b0f01943074bf4f0f315690ec3cec6981afc");
	check_mul("070a8d6a982153cae4be29d434e8faef8a47b274a053f5a4ee2a6c9c13c31e5c"
	          "031b8ce914eba3a9ffb989f9cdd5b0f01943074bf4f0f315690ec3cec6981afc"
	          "30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd46",
	          "025a6f4181d2b4ea8b724290ffb40156eb0adb514c688556eb79cdea0752c2bb"
	          "2eff3f31dea215f1eb86023a133a996eb6300b44da664d64251d05381bb8a02e");
	check_mul("025a6f4181d2b4ea8b724290ffb40156eb0adb514c688556eb79cdea0752c2bb"
	          "2eff3f31dea215f1eb86023a133a996eb6300b44da664d64251d05381bb8a02e"
	          "183227397098d014dc2822db40c0ac2ecbc0b548b438e5469e10460b6c3e7ea3",
	          "14789d0d4a730b354403b5fac948113739e276c23e0258d8596ee72f9cd9d323"
	          "0af18a63153e0ec25ff9f2951dd3fa90ed0197bfef6e2a1a62b5095b9d2b4a27");
	/* geth cdetrio1..5: scalars 2^256-1, r-1, 2^128, 9, 1 */
#define P1 "1a87b0584ce92f4593d161480614f2989035225609f08058ccfa3d0f940febe3" \
	       "1a2f3c951f6dadcc7ee9007dff81504b0fcd6d7cf59996efdc33d92bf7f9f8f6"
	check_mul(P1 "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	          "2cde5879ba6f13c0b5aa4ef627f159a3347df9722efce88a9afbb20b763b4c41"
	          "1aa7e43076f6aee272755a7f9b84832e71559ba0d2e0b17d5f9f01755e5b0d11");
	check_mul(P1 "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000000",
	          "1a87b0584ce92f4593d161480614f2989035225609f08058ccfa3d0f940febe3"
	          "163511ddc1c3f25d396745388200081287b3fd1472d8339d5fecb2eae0830451");
	check_mul(P1 "0000000000000000000000000000000100000000000000000000000000000000",
	          "1051acb0700ec6d42a88215852d582efbaef31529b6fcbc3277b5c1b300f5cf0"
	          "135b2394bb45ab04b8bd7611bd2dfe1de6a4e6e2ccea1ea1955f577cd66af85b");
	check_mul(P1 "0000000000000000000000000000000000000000000000000000000000000009",
	          "1dbad7d39dbc56379f78fac1bca147dc8e66de1b9d183c7b167351bfe0aeab74"
	          "2cd757d51289cd8dbd0acf9e673ad67d0f0a89f912af47ed1be53664f5692575");
	check_mul(P1 "0000000000000000000000000000000000000000000000000000000000000001", P1);
#undef P1
	/* geth cdetrio11 */
	check_mul("039730ea8dff1254c0fee9c0ea777d29a9c710b7e616683f194f18c43b43b869"
	          "073a5ffcc6fc7a28c30723d6e58ce577356982d65b833a5a5c15bf9024b43d98"
	          "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	          "00a1a234d08efaa2616607e31eca1980128b00b415c845ff25bba3afcb81dc00"
	          "242077290ed33906aeb8e42fd98c41bcb9057ba03421af3f2d08cfc441186024");
	/* generator: 2G, rG = infinity, 0G = infinity, k * infinity = infinity */
	check_mul(G1_GEN "0000000000000000000000000000000000000000000000000000000000000002",
	          G1_2GEN);
	check_mul(G1_GEN ORDER_R, ZERO32 ZERO32);
	check_mul(G1_GEN ZERO32, ZERO32 ZERO32);
	check_mul(ZERO32 ZERO32 "0000000000000000000000000000000000000000000000000000000000000005",
	          ZERO32 ZERO32);
}

static void test_add_mul_agree(void)
{
	/* k G computed by ECMUL equals G + G + ... + G by ECADD */
	uint8_t in[128], sum[64], prod[64], mulin[96];
	CHECK(hex_decode_exact(G1_GEN, sum, 64) == DURE_OK);
	for (unsigned k = 2; k <= 20; k++) {
		memcpy(in, sum, 64);
		CHECK(hex_decode_exact(G1_GEN, in + 64, 64) == DURE_OK);
		CHECK_EQ_INT(bn254_add(in, sum), DURE_OK);
		CHECK(hex_decode_exact(G1_GEN, mulin, 64) == DURE_OK);
		memset(mulin + 64, 0, 32);
		mulin[95] = (uint8_t)k;
		CHECK_EQ_INT(bn254_mul(mulin, prod), DURE_OK);
		CHECK_MEM(sum, prod, 64);
	}
}

static void test_g1_invalid(void)
{
	static const char *bad[] = {
		/* off the curve */
		"0000000000000000000000000000000000000000000000000000000000000001"
		"0000000000000000000000000000000000000000000000000000000000000003",
		/* x = p: (p, 2) would be the generator if reduced */
		FIELD_P "0000000000000000000000000000000000000000000000000000000000000002",
		/* y = p + 2 */
		"0000000000000000000000000000000000000000000000000000000000000001"
		"30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd49",
		/* (0, p) is not infinity */
		ZERO32 FIELD_P,
		"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
		"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint8_t in[128], out[64];
		memset(out, 0xaa, sizeof out);
		CHECK(hex_decode_exact(bad[i], in, 64) == DURE_OK);
		CHECK(hex_decode_exact(G1_GEN, in + 64, 64) == DURE_OK);
		CHECK_EQ_INT(bn254_add(in, out), DURE_EINVAL);
		CHECK_MEM(out, (uint8_t[64]){0}, 64);
		/* as the second operand */
		CHECK(hex_decode_exact(G1_GEN, in, 64) == DURE_OK);
		CHECK(hex_decode_exact(bad[i], in + 64, 64) == DURE_OK);
		CHECK_EQ_INT(bn254_add(in, out), DURE_EINVAL);
		/* ECMUL, even by zero */
		CHECK(hex_decode_exact(bad[i], in, 64) == DURE_OK);
		memset(in + 64, 0, 32);
		memset(out, 0xaa, sizeof out);
		CHECK_EQ_INT(bn254_mul(in, out), DURE_EINVAL);
		CHECK_MEM(out, (uint8_t[64]){0}, 64);
	}
}

static void test_pairing_vectors(void)
{
	/* geth jeff1: true */
	check_pairing(
		"1c76476f4def4bb94541d57ebba1193381ffa7aa76ada664dd31c16024c43f59"
		"3034dd2920f673e204fee2811c678745fc819b55d3e9d294e45c9b03a76aef41"
		"209dd15ebff5d46c4bd888e51a93cf99a7329636c63514396b4a452003a35bf7"
		"04bf11ca01483bfa8b34b43561848d28905960114c8ac04049af4b6315a41678"
		"2bb8324af6cfc93537a2ad1a445cfd0ca2a71acd7ac41fadbf933c2a51be344d"
		"120a2a4cf30c1bf9845f20c6fe39e07ea2cce61f0c9bb048165fe5e4de877550"
		"111e129f1cf1097710d41c4ac70fcdfa5ba2023c6ff1cbeac322de49d1b6df7c"
		"2032c61a830e3c17286de9462bf242fca2883585b93870a73853face6a6bf411"
		G2_GEN,
		DURE_OK, true);
	/* geth jeff6: the same with the second G1 point changed: false */
	check_pairing(
		"1c76476f4def4bb94541d57ebba1193381ffa7aa76ada664dd31c16024c43f59"
		"3034dd2920f673e204fee2811c678745fc819b55d3e9d294e45c9b03a76aef41"
		"209dd15ebff5d46c4bd888e51a93cf99a7329636c63514396b4a452003a35bf7"
		"04bf11ca01483bfa8b34b43561848d28905960114c8ac04049af4b6315a41678"
		"2bb8324af6cfc93537a2ad1a445cfd0ca2a71acd7ac41fadbf933c2a51be344d"
		"120a2a4cf30c1bf9845f20c6fe39e07ea2cce61f0c9bb048165fe5e4de877550"
		"111e129f1cf1097710d41c4ac70fcdfa5ba2023c6ff1cbeac322de49d1b6df7c"
		"103188585e2364128fe25c70558f1560f4f9350baf3959e603cc91486e110936"
		G2_GEN,
		DURE_OK, false);
	/* geth jeff2: true */
	check_pairing(
		"2eca0c7238bf16e83e7a1e6c5d49540685ff51380f309842a98561558019fc02"
		"03d3260361bb8451de5ff5ecd17f010ff22f5c31cdf184e9020b06fa5997db84"
		"1213d2149b006137fcfb23036606f848d638d576a120ca981b5b1a5f9300b3ee"
		"2276cf730cf493cd95d64677bbb75fc42db72513a4c1e387b476d056f80aa75f"
		"21ee6226d31426322afcda621464d0611d226783262e21bb3bc86b537e986237"
		"096df1f82dff337dd5972e32a8ad43e28a78a96a823ef1cd4debe12b6552ea5f"
		"06967a1237ebfeca9aaae0d6d0bab8e28c198c5a339ef8a2407e31cdac516db9"
		"22160fa257a5fd5b280642ff47b65eca77e626cb685c84fa6d3b6882a283ddd1"
		G2_GEN,
		DURE_OK, true);
	/* geth empty_data, one_point, two_point_match_2 */
	check_pairing("", DURE_OK, true);
	check_pairing(G1_GEN G2_GEN, DURE_OK, false);
	check_pairing(G1_GEN G2_GEN G1_GEN G2_NEG_GEN, DURE_OK, true);
	/* geth two_point_match_3: e(G1, H) e(-2 G1, G2) with H = 2 G2 */
	check_pairing(
		G1_GEN
		"203e205db4f19b37b60121b83a7333706db86431c6d835849957ed8c3928ad79"
		"27dc7234fd11d3e8c36c59277c3e6f149d5cd3cfa9a62aee49f8130962b4b3b9"
		"195e8aa5b7827463722b8c153931579d3505566b4edf48d498e185f0509de152"
		"04bb53b8977e5f92a0bc372742c4830944a59b4fe6b1c0466e2a6dad122b5d2e"
		"030644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd3"
		"1a76dae6d3272396d0cbe61fced2bc532edac647851e3ac53ce1cc9c7e645a83"
		G2_GEN,
		DURE_OK, true);
}

/* Writes the 32-byte big-endian value r - k. */
static void order_minus(uint8_t out[32], uint64_t k)
{
	CHECK(hex_decode_exact(ORDER_R, out, 32) == DURE_OK);
	for (int i = 31; i >= 0 && k; i--) {
		uint64_t cur = out[i];
		uint64_t sub = k & 0xff;
		k >>= 8;
		if (cur < sub) {
			cur += 256;
			k++;
		}
		out[i] = (uint8_t)(cur - sub);
	}
}

/* pairing input: (s1 * G1, q1) and (s2 * G1, q2) */
static bool pair2(const uint8_t s1[32], const char *q1, const uint8_t s2[32],
                  const char *q2, int *err)
{
	uint8_t in[384], mulin[96];
	CHECK(hex_decode_exact(G1_GEN, mulin, 64) == DURE_OK);
	memcpy(mulin + 64, s1, 32);
	CHECK_EQ_INT(bn254_mul(mulin, in), DURE_OK);
	CHECK(hex_decode_exact(q1, in + 64, 128) == DURE_OK);
	memcpy(mulin + 64, s2, 32);
	CHECK_EQ_INT(bn254_mul(mulin, in + 192), DURE_OK);
	CHECK(hex_decode_exact(q2, in + 256, 128) == DURE_OK);
	bool ok = false;
	*err = bn254_pairing_check(in, sizeof in, &ok);
	return ok;
}

static void test_bilinearity(void)
{
	/* e(aG1, bG2) e(-abG1, G2) = 1, and not for -(ab+1) */
	uint8_t a[32] = {0}, neg[32];
	int err;
	a[31] = 7;
	order_minus(neg, 35);
	CHECK(pair2(a, G2_5GEN, neg, G2_GEN, &err));
	CHECK_EQ_INT(err, DURE_OK);
	order_minus(neg, 36);
	CHECK(!pair2(a, G2_5GEN, neg, G2_GEN, &err));
	CHECK_EQ_INT(err, DURE_OK);

	/* a large a: a = 2^200 + 3, b = 123456789 */
	memset(a, 0, 32);
	a[31 - 25] = 1;
	a[31] = 3;
	/* ab = 123456789 * 2^200 + 3 * 123456789, paired with -G2 */
	uint8_t ab[32] = {0};
	uint32_t b = 123456789, b3 = 3 * b;
	for (int i = 0; i < 4; i++) {
		ab[31 - i] = (uint8_t)(b3 >> (8 * i));
		ab[31 - 25 - i] = (uint8_t)(b >> (8 * i));
	}
	CHECK(pair2(a, G2_BIGGEN, ab, G2_NEG_GEN, &err));
	CHECK_EQ_INT(err, DURE_OK);
	ab[31] ^= 1;
	CHECK(!pair2(a, G2_BIGGEN, ab, G2_NEG_GEN, &err));
	CHECK_EQ_INT(err, DURE_OK);
}

static void test_pairing_degenerate(void)
{
	/* a factor with either point at infinity is 1 */
	check_pairing(ZERO32 ZERO32 G2_GEN, DURE_OK, true);
	check_pairing(G1_GEN ZERO32 ZERO32 ZERO32 ZERO32, DURE_OK, true);
	check_pairing(ZERO32 ZERO32 ZERO32 ZERO32 ZERO32 ZERO32, DURE_OK, true);
	check_pairing(G1_GEN G2_GEN ZERO32 ZERO32 G2_GEN, DURE_OK, false);
	check_pairing(ZERO32 ZERO32 G2_NEG_GEN G1_GEN G2_GEN G1_GEN G2_NEG_GEN,
	              DURE_OK, true);

	/* 13 pairs (more than one Miller batch): 6 (G, H), 6 (G, -H), one more
	 * (G, H) or (O, H) */
	char *in = malloc(13 * 384 + 1);
	if (!in)
		abort();
	in[0] = 0;
	for (int i = 0; i < 6; i++) {
		strcat(in, G1_GEN G2_GEN);
		strcat(in, G1_GEN G2_NEG_GEN);
	}
	size_t len = strlen(in);
	strcat(in, ZERO32 ZERO32 G2_GEN);
	check_pairing(in, DURE_OK, true);
	in[len] = 0;
	strcat(in, G1_GEN G2_GEN);
	check_pairing(in, DURE_OK, false);
	free(in);
}

static void test_pairing_invalid(void)
{
	bool ok = true;
	uint8_t zeros[192] = {0};
	/* length not a multiple of 192 */
	CHECK_EQ_INT(bn254_pairing_check(zeros, 191, &ok), DURE_EINVAL);
	CHECK(!ok);
	/* G2 on the twist, outside G2 */
	check_pairing(G1_GEN G2_NONSUB, DURE_EINVAL, false);
	check_pairing(ZERO32 ZERO32 G2_NONSUB, DURE_EINVAL, false);
	/* G2 off the twist: y_re + 1 */
	check_pairing(G1_GEN
	              "198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2"
	              "1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed"
	              "090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b"
	              "12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7dab",
	              DURE_EINVAL, false);
	/* G2 coordinate >= p, each position */
	for (int pos = 0; pos < 4; pos++) {
		char g2[257];
		strcpy(g2, G2_GEN);
		memcpy(g2 + 64 * pos, FIELD_P, 64);
		char in[385];
		strcpy(in, G1_GEN);
		strcat(in, g2);
		check_pairing(in, DURE_EINVAL, false);
	}
	/* G1 off the curve, and an invalid point after a valid pair */
	check_pairing("0000000000000000000000000000000000000000000000000000000000000001"
	              "0000000000000000000000000000000000000000000000000000000000000003"
	              G2_GEN,
	              DURE_EINVAL, false);
	check_pairing(G1_GEN G2_GEN ZERO32 FIELD_P G2_GEN, DURE_EINVAL, false);
}

TEST_MAIN(test_add_vectors, test_mul_vectors, test_add_mul_agree,
          test_g1_invalid, test_pairing_vectors, test_bilinearity,
          test_pairing_degenerate, test_pairing_invalid)
