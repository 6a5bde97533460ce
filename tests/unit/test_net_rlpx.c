/* RLPx transport: the EIP-8 handshake vectors (legacy and EIP-8 auth/ack
 * with known keys and nonces), live handshakes, frames of many sizes,
 * corruption, limits and snappy. */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/hex.h"
#include "crypto/ecies.h"
#include "crypto/keccak.h"
#include "crypto/secp.h"
#include "net/rlpx.h"
#include "rlp/rlp.h"
#include "test.h"

/* EIP-8 "RLPx Handshake" test vectors: node A initiates to node B. */
static const char key_a_hex[] =
	"49a7b37aa6f6645917e7b807e9d1c00d4fa71f18343b0d4122a4d2df64dd6fee";
static const char key_b_hex[] =
	"b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291";
static const char eph_a_hex[] =
	"869d6ecf5211f1cc60418a13b9d870b22959d0c16f02bec714c960dd2298a32d";
static const char eph_b_hex[] =
	"e238eb8e04fee6511ab04c6dd3c89ce097b11f25d584863ac2b6d5b35b1847e4";
static const char nonce_a_hex[] =
	"7e968bba13b6c50e2c4cd7f241cc0d64d1ac25c7f5952df231ac6a2bda8ee5d6";
static const char nonce_b_hex[] =
	"559aead08264d5795d3909718cdd05abd49572e84fe55590eef31a88a08fdffd";
static const char aes_hex[] =
	"80e8632c05fed6fc2a13b0f8d31a3cf645366239170ea067065aba8e28bac487";
static const char mac_hex[] =
	"2ea74ec5dae199227dff1af715362700e989d889d7a493cb0639691efb8e5f98";
static const char foo_mac_hex[] =
	"0c7ec6340062cc46f5e9f1e3cf86f8c8c403c5a0964f5df0ebd34a75ddc86db5";

/* (Auth1) RLPx v4 (legacy) format. */
static const char auth1_hex[] =
	"048ca79ad18e4b0659fab4853fe5bc58eb83992980f4c9cc147d2aa31532efd29a3d3dc6a3d89eaf"
	"913150cfc777ce0ce4af2758bf4810235f6e6ceccfee1acc6b22c005e9e3a49d6448610a58e98744"
	"ba3ac0399e82692d67c1f58849050b3024e21a52c9d3b01d871ff5f210817912773e610443a9ef14"
	"2e91cdba0bd77b5fdf0769b05671fc35f83d83e4d3b0b000c6b2a1b1bba89e0fc51bf4e460df3105"
	"c444f14be226458940d6061c296350937ffd5e3acaceeaaefd3c6f74be8e23e0f45163cc7ebd7622"
	"0f0128410fd05250273156d548a414444ae2f7dea4dfca2d43c057adb701a715bf59f6fb66b2d1d2"
	"0f2c703f851cbf5ac47396d9ca65b6260bd141ac4d53e2de585a73d1750780db4c9ee4cd4d225173"
	"a4592ee77e2bd94d0be3691f3b406f9bba9b591fc63facc016bfa8";

/* (Auth2) EIP-8, version 4; (Auth3) EIP-8, version 56 and 3 extra list
 * elements; (Ack1) legacy; (Ack2) EIP-8 version 4; (Ack3) EIP-8 version 57
 * and 3 extra list elements. */
static const char auth2_hex[] =
	"01b304ab7578555167be8154d5cc456f567d5ba302662433674222360f08d5f1534499d3"
	"678b513b0fca474f3a514b18e75683032eb63fccb16c156dc6eb2c0b1593f0d84ac74f6e"
	"475f1b8d56116b849634a8c458705bf83a626ea0384d4d7341aae591fae42ce6bd5c850b"
	"fe0b999a694a49bbbaf3ef6cda61110601d3b4c02ab6c30437257a6e0117792631a4b47c"
	"1d52fc0f8f89caadeb7d02770bf999cc147d2df3b62e1ffb2c9d8c125a3984865356266b"
	"ca11ce7d3a688663a51d82defaa8aad69da39ab6d5470e81ec5f2a7a47fb865ff7cca215"
	"16f9299a07b1bc63ba56c7a1a892112841ca44b6e0034dee70c9adabc15d76a54f443593"
	"fafdc3b27af8059703f88928e199cb122362a4b35f62386da7caad09c001edaeb5f8a06d"
	"2b26fb6cb93c52a9fca51853b68193916982358fe1e5369e249875bb8d0d0ec36f917bc5"
	"e1eafd5896d46bd61ff23f1a863a8a8dcd54c7b109b771c8e61ec9c8908c733c0263440e"
	"2aa067241aaa433f0bb053c7b31a838504b148f570c0ad62837129e547678c5190341e4f"
	"1693956c3bf7678318e2d5b5340c9e488eefea198576344afbdf66db5f51204a6961a63c"
	"e072c8926c";

static const char auth3_hex[] =
	"01b8044c6c312173685d1edd268aa95e1d495474c6959bcdd10067ba4c9013df9e40ff45"
	"f5bfd6f72471f93a91b493f8e00abc4b80f682973de715d77ba3a005a242eb859f9a211d"
	"93a347fa64b597bf280a6b88e26299cf263b01b8dfdb712278464fd1c25840b995e84d36"
	"7d743f66c0e54a586725b7bbf12acca27170ae3283c1073adda4b6d79f27656993aefccf"
	"16e0d0409fe07db2dc398a1b7e8ee93bcd181485fd332f381d6a050fba4c7641a5112ac1"
	"b0b61168d20f01b479e19adf7fdbfa0905f63352bfc7e23cf3357657455119d879c78d3c"
	"f8c8c06375f3f7d4861aa02a122467e069acaf513025ff196641f6d2810ce493f51bee9c"
	"966b15c5043505350392b57645385a18c78f14669cc4d960446c17571b7c5d725021babb"
	"cd786957f3d17089c084907bda22c2b2675b4378b114c601d858802a55345a15116bc61d"
	"a4193996187ed70d16730e9ae6b3bb8787ebcaea1871d850997ddc08b4f4ea668fbf3740"
	"7ac044b55be0908ecb94d4ed172ece66fd31bfdadf2b97a8bc690163ee11f5b575a4b44e"
	"36e2bfb2f0fce91676fd64c7773bac6a003f481fddd0bae0a1f31aa27504e2a533af4cef"
	"3b623f4791b2cca6d490";

static const char ack1_hex[] =
	"049f8abcfa9c0dc65b982e98af921bc0ba6e4243169348a236abe9df5f93aa69d99caddd"
	"aa387662b0ff2c08e9006d5a11a278b1b3331e5aaabf0a32f01281b6f4ede0e09a2d5f58"
	"5b26513cb794d9635a57563921c04a9090b4f14ee42be1a5461049af4ea7a7f49bf4c97a"
	"352d39c8d02ee4acc416388c1c66cec761d2bc1c72da6ba143477f049c9d2dde846c252c"
	"111b904f630ac98e51609b3b1f58168ddca6505b7196532e5f85b259a20c45e197949168"
	"3fee108e9660edbf38f3add489ae73e3dda2c71bd1497113d5c755e942d1";

static const char ack2_hex[] =
	"01ea0451958701280a56482929d3b0757da8f7fbe5286784beead59d95089c217c9b9177"
	"88989470b0e330cc6e4fb383c0340ed85fab836ec9fb8a49672712aeabbdfd1e837c1ff4"
	"cace34311cd7f4de05d59279e3524ab26ef753a0095637ac88f2b499b9914b5f64e143ea"
	"e548a1066e14cd2f4bd7f814c4652f11b254f8a2d0191e2f5546fae6055694aed14d906d"
	"f79ad3b407d94692694e259191cde171ad542fc588fa2b7333313d82a9f887332f1dfc36"
	"cea03f831cb9a23fea05b33deb999e85489e645f6aab1872475d488d7bd6c7c120caf28d"
	"bfc5d6833888155ed69d34dbdc39c1f299be1057810f34fbe754d021bfca14dc989753d6"
	"1c413d261934e1a9c67ee060a25eefb54e81a4d14baff922180c395d3f998d70f46f6b58"
	"306f969627ae364497e73fc27f6d17ae45a413d322cb8814276be6ddd13b885b201b9432"
	"13656cde498fa0e9ddc8e0b8f8a53824fbd82254f3e2c17e8eaea009c38b4aa0a3f306e8"
	"797db43c25d68e86f262e564086f59a2fc60511c42abfb3057c247a8a8fe4fb3ccbadde1"
	"7514b7ac8000cdb6a912778426260c47f38919a91f25f4b5ffb455d6aaaf150f7e5529c1"
	"00ce62d6d92826a71778d809bdf60232ae21ce8a437eca8223f45ac37f6487452ce626f5"
	"49b3b5fdee26afd2072e4bc75833c2464c805246155289f4";

static const char ack3_hex[] =
	"01f004076e58aae772bb101ab1a8e64e01ee96e64857ce82b1113817c6cdd52c09d26f7b"
	"90981cd7ae835aeac72e1573b8a0225dd56d157a010846d888dac7464baf53f2ad4e3d58"
	"4531fa203658fab03a06c9fd5e35737e417bc28c1cbf5e5dfc666de7090f69c3b2975472"
	"5f84f75382891c561040ea1ddc0d8f381ed1b9d0d4ad2a0ec021421d847820d6fa0ba66e"
	"af58175f1b235e851c7e2124069fbc202888ddb3ac4d56bcbd1b9b7eab59e78f2e2d4009"
	"05050f4a92dec1c4bdf797b3fc9b2f8e84a482f3d800386186712dae00d5c386ec9387a5"
	"e9c9a1aca5a573ca91082c7d68421f388e79127a5177d4f8590237364fd348c9611fa39f"
	"78dcdceee3f390f07991b7b47e1daa3ebcb6ccc9607811cb17ce51f1c8c2c5098dbdd28f"
	"ca547b3f58c01a424ac05f869f49c6a34672ea2cbbc558428aa1fe48bbfd61158b1b735a"
	"65d99f21e70dbc020bfdface9f724a0d1fb5895db971cc81aa7608baa0920abb0a565c9c"
	"436e2fd13323428296c86385f2384e408a31e104670df0791d93e743a3a5194ee6b076fb"
	"6323ca593011b7348c16cf58f66b9633906ba54a2ee803187344b394f75dd2e663a57b95"
	"6cb830dd7a908d4f39a2336a61ef9fda549180d4ccde21514d117b6c6fd07a9102b5efe7"
	"10a32af4eeacae2cb3b1dec035b9593b48b9d3ca4c13d245d5f04169b0b1";

static uint8_t key_a[32], key_b[32], pub_a[64], pub_b[64];
static rlpx_rand rand_a, rand_b;

static void setup(void)
{
	CHECK_EQ_INT(hex_decode_exact(key_a_hex, key_a, 32), 0);
	CHECK_EQ_INT(hex_decode_exact(key_b_hex, key_b, 32), 0);
	CHECK_EQ_INT(secp_pubkey_create(key_a, pub_a), 0);
	CHECK_EQ_INT(secp_pubkey_create(key_b, pub_b), 0);
	memset(&rand_a, 0, sizeof rand_a);
	memset(&rand_b, 0, sizeof rand_b);
	CHECK_EQ_INT(hex_decode_exact(eph_a_hex, rand_a.ephemeral_key, 32), 0);
	CHECK_EQ_INT(hex_decode_exact(nonce_a_hex, rand_a.nonce, 32), 0);
	CHECK_EQ_INT(hex_decode_exact(eph_b_hex, rand_b.ephemeral_key, 32), 0);
	CHECK_EQ_INT(hex_decode_exact(nonce_b_hex, rand_b.nonce, 32), 0);
	memset(rand_a.ecies_key, 0x11, 32);
	memset(rand_b.ecies_key, 0x22, 32);
	memset(rand_a.ecies_iv, 0x33, 16);
	memset(rand_b.ecies_iv, 0x44, 16);
	rand_a.padding = 100;
	rand_b.padding = 150;
}

static void unhex(const char *hex, buf *out)
{
	buf_reset(out);
	CHECK_EQ_INT(hex_decode(hex, strlen(hex), out), 0);
}

static void check_secrets(const rlpx *s)
{
	rlpx_secrets sec;
	uint8_t aes[32], mac[32];
	CHECK_EQ_INT(hex_decode_exact(aes_hex, aes, 32), 0);
	CHECK_EQ_INT(hex_decode_exact(mac_hex, mac, 32), 0);
	CHECK_EQ_INT(rlpx_get_secrets(s, &sec), 0);
	CHECK_MEM(sec.aes, aes, 32);
	CHECK_MEM(sec.mac, mac, 32);
}

static void expect_event(rlpx *s, rlpx_event_type type)
{
	rlpx_event ev;
	CHECK_EQ_INT(rlpx_next_event(s, &ev), 0);
	CHECK_EQ_INT(ev.type, type);
}

/* B receives each auth vector: it must derive the spec's secrets, learn A's
 * node id, and answer in the auth's format. */
static void vectors_recipient(void)
{
	const char *auths[] = {auth1_hex, auth2_hex, auth3_hex};
	buf in = BUF_INIT;
	for (int i = 0; i < 3; i++) {
		rlpx *b;
		unhex(auths[i], &in);
		CHECK_EQ_INT(rlpx_new_recipient_seeded(key_b, &rand_b, &b), 0);
		CHECK_EQ_INT(rlpx_get_state(b), RLPX_WAIT_AUTH);
		CHECK(rlpx_remote_id(b) == NULL);
		CHECK_EQ_INT(rlpx_feed(b, in.data, in.len), 0);
		CHECK_EQ_INT(rlpx_get_state(b), RLPX_FRAMES);
		CHECK(rlpx_remote_id(b) && memcmp(rlpx_remote_id(b), pub_a, 64) == 0);
		check_secrets(b);
		expect_event(b, RLPX_EV_READY);
		expect_event(b, RLPX_EV_NONE);
		size_t n;
		uint8_t *ack = rlpx_take_output(b, &n);
		if (i == 0) {
			CHECK_EQ_INT(n, 210);
			CHECK(ack && ack[0] == 0x04);
		} else {
			CHECK(n > 2 && ack && (size_t)(ack[0] << 8 | ack[1]) == n - 2);
		}
		/* A (same ephemeral key and nonce) accepts B's ack and agrees. */
		rlpx *a;
		CHECK_EQ_INT(rlpx_new_initiator_seeded(key_a, pub_b, &rand_a, &a), 0);
		free(rlpx_take_output(a, &n));
		CHECK_EQ_INT(rlpx_feed(a, ack, i == 0 ? 210 : (size_t)(ack[0] << 8 | ack[1]) + 2), 0);
		CHECK_EQ_INT(rlpx_get_state(a), RLPX_FRAMES);
		check_secrets(a);
		if (i == 1) {
			/* B's ingress MAC starts from Auth2: feed it "foo". */
			rlpx_secrets sec;
			uint8_t want[32], got[32];
			CHECK_EQ_INT(rlpx_get_secrets(b, &sec), 0);
			keccak256_update(&sec.ingress_mac, (const uint8_t *)"foo", 3);
			keccak256_final(&sec.ingress_mac, got);
			CHECK_EQ_INT(hex_decode_exact(foo_mac_hex, want, 32), 0);
			CHECK_MEM(got, want, 32);
		}
		free(ack);
		rlpx_free(a);
		rlpx_free(b);
	}
	buf_free(&in);
}

/* A receives each ack vector after sending its own auth. */
static void vectors_initiator(void)
{
	const char *acks[] = {ack1_hex, ack2_hex, ack3_hex};
	buf in = BUF_INIT;
	for (int i = 0; i < 3; i++) {
		rlpx *a;
		size_t n;
		unhex(acks[i], &in);
		CHECK_EQ_INT(rlpx_new_initiator_seeded(key_a, pub_b, &rand_a, &a), 0);
		CHECK_EQ_INT(rlpx_get_state(a), RLPX_WAIT_ACK);
		uint8_t *auth = rlpx_take_output(a, &n);
		/* EIP-8 auth: size prefix, 4-item body, 100 bytes of padding. */
		CHECK(auth && n > 2 && (size_t)(auth[0] << 8 | auth[1]) == n - 2);
		CHECK_EQ_INT(n, 2 + ECIES_OVERHEAD + 169 + 100);
		free(auth);
		CHECK(rlpx_take_output(a, &n) == NULL && n == 0);
		CHECK_EQ_INT(rlpx_feed(a, in.data, in.len), 0);
		CHECK_EQ_INT(rlpx_get_state(a), RLPX_FRAMES);
		CHECK(memcmp(rlpx_remote_id(a), pub_b, 64) == 0);
		check_secrets(a);
		expect_event(a, RLPX_EV_READY);
		rlpx_free(a);
	}
	buf_free(&in);
}

/* Packets arriving one byte at a time, in both formats. */
static void vectors_trickle(void)
{
	const char *auths[] = {auth1_hex, auth2_hex};
	buf in = BUF_INIT;
	for (int i = 0; i < 2; i++) {
		rlpx *b;
		unhex(auths[i], &in);
		CHECK_EQ_INT(rlpx_new_recipient_seeded(key_b, &rand_b, &b), 0);
		int bad = 0;
		for (size_t j = 0; j + 1 < in.len; j++)
			if (rlpx_feed(b, in.data + j, 1) != 0 ||
			    rlpx_get_state(b) != RLPX_WAIT_AUTH)
				bad++;
		CHECK_EQ_INT(bad, 0);
		CHECK_EQ_INT(rlpx_feed(b, in.data + in.len - 1, 1), 0);
		CHECK_EQ_INT(rlpx_get_state(b), RLPX_FRAMES);
		check_secrets(b);
		rlpx_free(b);
	}
	buf_free(&in);
}

/* Moves everything queued in from's output into to. */
static int pass(rlpx *from, rlpx *to)
{
	size_t n;
	uint8_t *p = rlpx_take_output(from, &n);
	int err = p ? rlpx_feed(to, p, n) : 0;
	free(p);
	return err;
}

/* A fresh random handshake between a and b. */
static void connect(rlpx **a, rlpx **b)
{
	CHECK_EQ_INT(rlpx_new_initiator(key_a, pub_b, a), 0);
	CHECK_EQ_INT(rlpx_new_recipient(key_b, b), 0);
	CHECK_EQ_INT(pass(*a, *b), 0);
	CHECK_EQ_INT(pass(*b, *a), 0);
	expect_event(*a, RLPX_EV_READY);
	expect_event(*b, RLPX_EV_READY);
}

static void live_handshake(void)
{
	rlpx *a, *b;
	connect(&a, &b);
	CHECK_EQ_INT(rlpx_get_state(a), RLPX_FRAMES);
	CHECK_EQ_INT(rlpx_get_state(b), RLPX_FRAMES);
	CHECK(memcmp(rlpx_remote_id(a), pub_b, 64) == 0);
	CHECK(memcmp(rlpx_remote_id(b), pub_a, 64) == 0);
	rlpx_secrets sa, sb;
	uint8_t d1[32], d2[32];
	CHECK_EQ_INT(rlpx_get_secrets(a, &sa), 0);
	CHECK_EQ_INT(rlpx_get_secrets(b, &sb), 0);
	CHECK_MEM(sa.aes, sb.aes, 32);
	CHECK_MEM(sa.mac, sb.mac, 32);
	keccak256_final(&sa.egress_mac, d1);
	keccak256_final(&sb.ingress_mac, d2);
	CHECK_MEM(d1, d2, 32);
	keccak256_final(&sa.ingress_mac, d1);
	keccak256_final(&sb.egress_mac, d2);
	CHECK_MEM(d1, d2, 32);
	/* Two handshakes never share keys. */
	rlpx *a2, *b2;
	connect(&a2, &b2);
	rlpx_secrets s2;
	CHECK_EQ_INT(rlpx_get_secrets(a2, &s2), 0);
	CHECK(memcmp(s2.aes, sa.aes, 32) != 0);
	rlpx_free(a);
	rlpx_free(b);
	rlpx_free(a2);
	rlpx_free(b2);
}

/* The ack and the recipient's first frame may arrive in one read. */
static void ack_with_frame(void)
{
	rlpx *a, *b;
	CHECK_EQ_INT(rlpx_new_initiator(key_a, pub_b, &a), 0);
	CHECK_EQ_INT(rlpx_new_recipient(key_b, &b), 0);
	CHECK_EQ_INT(pass(a, b), 0);
	expect_event(b, RLPX_EV_READY);
	CHECK_EQ_INT(rlpx_write_msg(b, 7, (const uint8_t *)"\xc1\x01", 2), 0);
	CHECK_EQ_INT(pass(b, a), 0);
	expect_event(a, RLPX_EV_READY);
	rlpx_event ev;
	CHECK_EQ_INT(rlpx_next_event(a, &ev), 0);
	CHECK_EQ_INT(ev.type, RLPX_EV_MSG);
	CHECK_EQ_INT(ev.msg_id, 7);
	CHECK(ev.len == 2 && memcmp(ev.data, "\xc1\x01", 2) == 0);
	expect_event(a, RLPX_EV_NONE);
	rlpx_free(a);
	rlpx_free(b);
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	uint32_t x = seed * 2654435761u + 1;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
}

/* Sends one message from a to b and checks it arrives whole. */
static void roundtrip(rlpx *a, rlpx *b, uint64_t id, size_t n, unsigned seed)
{
	uint8_t *m = malloc(n + 1);
	fill(m, n, seed);
	CHECK_EQ_INT(rlpx_write_msg(a, id, m, n), 0);
	CHECK_EQ_INT(pass(a, b), 0);
	rlpx_event ev;
	CHECK_EQ_INT(rlpx_next_event(b, &ev), 0);
	CHECK_EQ_INT(ev.type, RLPX_EV_MSG);
	CHECK(ev.msg_id == id);
	CHECK_EQ_INT(ev.len, n);
	CHECK(ev.len == n && (n == 0 || memcmp(ev.data, m, n) == 0));
	expect_event(b, RLPX_EV_NONE);
	free(m);
}

/* A Disconnect sent uncompressed on a snappy session is still delivered;
 * any other uncompressed message there is corrupt. */
static void uncompressed_disconnect(void)
{
	rlpx *a, *b;
	connect(&a, &b);
	rlpx_set_snappy(b, true);
	static const uint8_t reason[] = {0xc1, 0x04};
	/* 0xff is not a valid snappy varint start for this length. */
	static const uint8_t junk[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
	CHECK_EQ_INT(rlpx_write_msg(a, RLPX_DISCONNECT_ID, reason, sizeof reason), 0);
	CHECK_EQ_INT(pass(a, b), 0);
	rlpx_event ev;
	CHECK_EQ_INT(rlpx_next_event(b, &ev), 0);
	CHECK_EQ_INT(ev.type, RLPX_EV_MSG);
	CHECK(ev.msg_id == RLPX_DISCONNECT_ID);
	CHECK(ev.len == sizeof reason && memcmp(ev.data, reason, sizeof reason) == 0);
	CHECK_EQ_INT(rlpx_write_msg(a, 0x10, junk, sizeof junk), 0);
	CHECK_EQ_INT(pass(a, b), 0);
	CHECK(rlpx_next_event(b, &ev) == DURE_ERLPX_SNAPPY);
	rlpx_free(a);
	rlpx_free(b);
}

static void frame_sizes(void)
{
	static const size_t sizes[] = {0, 1, 2, 12, 13, 14, 15, 16, 17, 31, 32,
	                               33, 100, 1000, 65536, 1u << 20};
	static const uint64_t ids[] = {0, 1, 0x10, 0x7f, 0x80, 0xffff,
	                               UINT64_MAX};
	rlpx *a, *b;
	connect(&a, &b);
	for (int snappy = 0; snappy < 2; snappy++) {
		rlpx_set_snappy(a, snappy);
		rlpx_set_snappy(b, snappy);
		for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
			roundtrip(a, b, ids[i % 7], sizes[i], (unsigned)i);
			roundtrip(b, a, ids[(i + 3) % 7], sizes[i], (unsigned)i + 99);
		}
	}
	/* Many messages in one read come out one per event, in order. */
	for (int i = 0; i < 5; i++)
		CHECK_EQ_INT(rlpx_write_msg(a, (uint64_t)i, (const uint8_t *)"xyz",
		                            (size_t)i), 0);
	CHECK_EQ_INT(pass(a, b), 0);
	for (int i = 0; i < 5; i++) {
		rlpx_event ev;
		CHECK_EQ_INT(rlpx_next_event(b, &ev), 0);
		CHECK(ev.type == RLPX_EV_MSG && ev.msg_id == (uint64_t)i &&
		      ev.len == (size_t)i);
	}
	expect_event(b, RLPX_EV_NONE);
	rlpx_free(a);
	rlpx_free(b);
}

/* A frame fed one byte at a time appears only when complete. */
static void frame_trickle(void)
{
	rlpx *a, *b;
	connect(&a, &b);
	uint8_t m[40];
	fill(m, sizeof m, 5);
	for (int k = 0; k < 2; k++) {
		CHECK_EQ_INT(rlpx_write_msg(a, 0x22, m, sizeof m), 0);
		size_t n;
		uint8_t *p = rlpx_take_output(a, &n);
		CHECK_EQ_INT(n, 32 + 48 + 16);
		int early = 0;
		rlpx_event ev;
		for (size_t i = 0; i + 1 < n; i++) {
			CHECK_EQ_INT(rlpx_feed(b, p + i, 1), 0);
			if (rlpx_next_event(b, &ev) || ev.type != RLPX_EV_NONE)
				early++;
		}
		CHECK_EQ_INT(early, 0);
		CHECK_EQ_INT(rlpx_feed(b, p + n - 1, 1), 0);
		CHECK_EQ_INT(rlpx_next_event(b, &ev), 0);
		CHECK(ev.type == RLPX_EV_MSG && ev.msg_id == 0x22 &&
		      ev.len == sizeof m && memcmp(ev.data, m, sizeof m) == 0);
		free(p);
	}
	rlpx_free(a);
	rlpx_free(b);
}

/* Flips one bit at offset `at` of a 20-byte message's frame and returns the
 * error the receiver reports. */
static int corrupt_at(size_t at)
{
	rlpx *a, *b;
	connect(&a, &b);
	CHECK_EQ_INT(rlpx_write_msg(a, 3, (const uint8_t *)"01234567890123456789", 20), 0);
	size_t n;
	uint8_t *p = rlpx_take_output(a, &n);
	p[at] ^= 0x10;
	CHECK_EQ_INT(rlpx_feed(b, p, n), 0);
	rlpx_event ev;
	int err = rlpx_next_event(b, &ev);
	CHECK_EQ_INT(ev.type, RLPX_EV_NONE);
	if (err) {
		/* The failure sticks. */
		CHECK_EQ_INT(rlpx_get_state(b), RLPX_FAILED);
		CHECK_EQ_INT(rlpx_next_event(b, &ev), err);
		CHECK_EQ_INT(rlpx_feed(b, p, n), err);
		CHECK_EQ_INT(rlpx_write_msg(b, 1, NULL, 0), err);
		CHECK(rlpx_remote_id(b) == NULL);
	}
	free(p);
	rlpx_free(a);
	rlpx_free(b);
	return err;
}

static void corruption(void)
{
	/* Frame of 20 + 1 bytes: header 0..15, header MAC 16..31, body
	 * 32..63, frame MAC 64..79. */
	int hdr = 0, hmac = 0, body = 0, fmac = 0;
	for (size_t i = 0; i < 16; i++)
		hdr += corrupt_at(i) == DURE_ERLPX_HEADER_MAC;
	for (size_t i = 16; i < 32; i++)
		hmac += corrupt_at(i) == DURE_ERLPX_HEADER_MAC;
	for (size_t i = 32; i < 64; i++)
		body += corrupt_at(i) == DURE_ERLPX_FRAME_MAC;
	for (size_t i = 64; i < 80; i++)
		fmac += corrupt_at(i) == DURE_ERLPX_FRAME_MAC;
	CHECK_EQ_INT(hdr, 16);
	CHECK_EQ_INT(hmac, 16);
	CHECK_EQ_INT(body, 32);
	CHECK_EQ_INT(fmac, 16);

	/* A truncated frame is just incomplete. */
	rlpx *a, *b;
	connect(&a, &b);
	CHECK_EQ_INT(rlpx_write_msg(a, 3, (const uint8_t *)"abc", 3), 0);
	size_t n;
	uint8_t *p = rlpx_take_output(a, &n);
	CHECK_EQ_INT(rlpx_feed(b, p, n - 1), 0);
	expect_event(b, RLPX_EV_NONE);
	CHECK_EQ_INT(rlpx_get_state(b), RLPX_FRAMES);
	free(p);
	/* Frames from a stranger (other keys) fail the header MAC. */
	rlpx *c, *d;
	connect(&c, &d);
	CHECK_EQ_INT(rlpx_write_msg(c, 3, (const uint8_t *)"abc", 3), 0);
	p = rlpx_take_output(c, &n);
	rlpx *e, *f;
	connect(&e, &f);
	CHECK_EQ_INT(rlpx_feed(f, p, n), 0);
	rlpx_event ev;
	CHECK_EQ_INT(rlpx_next_event(f, &ev), DURE_ERLPX_HEADER_MAC);
	free(p);
	/* Replaying a frame fails too: the MAC state has moved on. */
	rlpx_free(c);
	rlpx_free(d);
	connect(&c, &d);
	CHECK_EQ_INT(rlpx_write_msg(c, 3, (const uint8_t *)"abc", 3), 0);
	p = rlpx_take_output(c, &n);
	CHECK_EQ_INT(rlpx_feed(d, p, n), 0);
	expect_event(d, RLPX_EV_MSG);
	CHECK_EQ_INT(rlpx_feed(d, p, n), 0);
	CHECK_EQ_INT(rlpx_next_event(d, &ev), DURE_ERLPX_HEADER_MAC);
	free(p);
	rlpx_free(a);
	rlpx_free(b);
	rlpx_free(c);
	rlpx_free(d);
	rlpx_free(e);
	rlpx_free(f);
}

static void limits(void)
{
	rlpx *a, *b;
	connect(&a, &b);
	uint8_t m[2000];
	fill(m, sizeof m, 9);
	/* The receiver's cap is checked on the header, before the body. */
	rlpx_set_max_frame(b, 1024);
	CHECK_EQ_INT(rlpx_write_msg(a, 1, m, sizeof m), 0);
	size_t n;
	uint8_t *p = rlpx_take_output(a, &n);
	CHECK_EQ_INT(rlpx_feed(b, p, 32), 0);
	rlpx_event ev;
	CHECK_EQ_INT(rlpx_next_event(b, &ev), DURE_ERLPX_FRAME_SIZE);
	free(p);
	rlpx_free(b);

	/* The writer's cap refuses without harming the session. */
	rlpx *c, *d;
	connect(&c, &d);
	rlpx_set_max_frame(c, 1024);
	CHECK_EQ_INT(rlpx_write_msg(c, 1, m, 1024), DURE_ERLPX_FRAME_SIZE);
	CHECK(rlpx_take_output(c, &n) == NULL);
	roundtrip(c, d, 1, 1022, 3);
	/* Messages above 16 MiB are refused before any work. */
	uint8_t *big = calloc(1, RLPX_MAX_MSG + 1);
	CHECK_EQ_INT(rlpx_write_msg(c, 1, big, RLPX_MAX_MSG + 1),
	             DURE_ERLPX_MSG_SIZE);
	free(big);
	roundtrip(c, d, 1, 10, 4);
	rlpx_free(a);
	rlpx_free(c);
	rlpx_free(d);
}

/* Mirrored secrets for two sessions built with rlpx_new_session. */
static void fixed_secrets(rlpx_secrets *sa, rlpx_secrets *sb)
{
	memset(sa, 0, sizeof *sa);
	memset(sa->aes, 1, 32);
	memset(sa->mac, 2, 32);
	memcpy(sa->remote_id, pub_b, 64);
	keccak256_init(&sa->egress_mac);
	keccak256_init(&sa->ingress_mac);
	keccak256_update(&sa->ingress_mac, (const uint8_t *)"x", 1);
	*sb = *sa;
	memcpy(sb->remote_id, pub_a, 64);
	sb->egress_mac = sa->ingress_mac;
	sb->ingress_mac = sa->egress_mac;
}

/* One MAC step of rlpx.md, written out again from the spec. */
static void spec_mac(const uint8_t mac_secret[32], keccak_ctx *k,
                     const uint8_t seed[16], uint8_t out[16])
{
	uint8_t d[32], e[16];
	int outl;
	EVP_CIPHER_CTX *ecb = EVP_CIPHER_CTX_new();
	keccak256_final(k, d);
	EVP_EncryptInit_ex(ecb, EVP_aes_256_ecb(), NULL, mac_secret, NULL);
	EVP_CIPHER_CTX_set_padding(ecb, 0);
	EVP_EncryptUpdate(ecb, e, &outl, d, 16);
	EVP_CIPHER_CTX_free(ecb);
	for (int i = 0; i < 16; i++)
		e[i] ^= seed[i];
	keccak256_update(k, e, 16);
	keccak256_final(k, d);
	memcpy(out, d, 16);
}

/* The first frame of a session with secrets sec carrying data[0..n),
 * built independently of rlpx_frame.c. */
static void spec_frame(rlpx_secrets *sec, const uint8_t *data, size_t n,
                       buf *out)
{
	static const uint8_t iv[16];
	size_t pn = (n + 15) / 16 * 16;
	uint8_t hdr[32] = {(uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n,
	                   0xc2, 0x80, 0x80};
	uint8_t *f = calloc(1, pn + 16), d[32];
	int outl;
	memcpy(f, data, n);
	EVP_CIPHER_CTX *ctr = EVP_CIPHER_CTX_new();
	EVP_EncryptInit_ex(ctr, EVP_aes_256_ctr(), NULL, sec->aes, iv);
	EVP_EncryptUpdate(ctr, hdr, &outl, hdr, 16);
	spec_mac(sec->mac, &sec->egress_mac, hdr, hdr + 16);
	EVP_EncryptUpdate(ctr, f, &outl, f, (int)pn);
	keccak256_update(&sec->egress_mac, f, pn);
	keccak256_final(&sec->egress_mac, d);
	spec_mac(sec->mac, &sec->egress_mac, d, f + pn);
	EVP_CIPHER_CTX_free(ctr);
	buf_reset(out);
	CHECK_EQ_INT(buf_append(out, hdr, 32), 0);
	CHECK_EQ_INT(buf_append(out, f, pn + 16), 0);
	free(f);
}

/* Frames match an encoder written from the spec, byte for byte, and frame
 * data that does not start with an RLP integer is refused. */
static void spec_frames(void)
{
	rlpx_secrets sa, sb, spec;
	buf frame = BUF_INIT;
	rlpx *a, *b;
	size_t n;
	fixed_secrets(&sa, &sb);

	CHECK_EQ_INT(rlpx_new_session(&sa, &a), 0);
	expect_event(a, RLPX_EV_READY);
	CHECK(memcmp(rlpx_remote_id(a), pub_b, 64) == 0);
	CHECK_EQ_INT(rlpx_write_msg(a, 0x10, (const uint8_t *)"\xc3\x01\x02\x03", 4), 0);
	uint8_t *p = rlpx_take_output(a, &n);
	spec = sa;
	spec_frame(&spec, (const uint8_t *)"\x10\xc3\x01\x02\x03", 5, &frame);
	CHECK(p && n == frame.len && memcmp(p, frame.data, n) == 0);
	free(p);
	rlpx_free(a);

	static const struct { const char *d; size_t n; } bad[] = {
		{"", 0}, {"\xc0", 1}, {"\x00", 1}, {"\x81\x05", 2},
		{"\x89\x01\x02\x03\x04\x05\x06\x07\x08\x09", 10}, {"\xb8", 1},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		spec = sa;
		spec_frame(&spec, (const uint8_t *)bad[i].d, bad[i].n, &frame);
		CHECK_EQ_INT(rlpx_new_session(&sb, &b), 0);
		expect_event(b, RLPX_EV_READY);
		CHECK_EQ_INT(rlpx_feed(b, frame.data, frame.len), 0);
		rlpx_event ev;
		CHECK_EQ_INT(rlpx_next_event(b, &ev), DURE_ERLPX_MSG_ID);
		rlpx_free(b);
	}
	/* And a good one decodes. */
	spec = sa;
	spec_frame(&spec, (const uint8_t *)"\x80\xc0", 2, &frame);
	CHECK_EQ_INT(rlpx_new_session(&sb, &b), 0);
	CHECK_EQ_INT(rlpx_feed(b, frame.data, frame.len), 0);
	expect_event(b, RLPX_EV_READY);
	rlpx_event ev;
	CHECK_EQ_INT(rlpx_next_event(b, &ev), 0);
	CHECK(ev.type == RLPX_EV_MSG && ev.msg_id == 0 && ev.len == 1 &&
	      ev.data[0] == 0xc0);
	rlpx_free(b);
	buf_free(&frame);
}

static void snappy(void)
{
	rlpx *a, *b;
	connect(&a, &b);
	rlpx_set_snappy(a, true);
	rlpx_set_snappy(b, true);
	/* Compressible data shrinks on the wire. */
	size_t n = 1u << 20, wire;
	uint8_t *m = calloc(1, n);
	for (size_t i = 0; i < n; i++)
		m[i] = (uint8_t)(i % 7);
	CHECK_EQ_INT(rlpx_write_msg(a, 0x11, m, n), 0);
	uint8_t *p = rlpx_take_output(a, &wire);
	CHECK(wire < n / 10);
	CHECK_EQ_INT(rlpx_feed(b, p, wire), 0);
	free(p);
	rlpx_event ev;
	CHECK_EQ_INT(rlpx_next_event(b, &ev), 0);
	CHECK(ev.type == RLPX_EV_MSG && ev.msg_id == 0x11 && ev.len == n &&
	      memcmp(ev.data, m, n) == 0);
	free(m);

	/* Data that is not snappy. */
	rlpx_set_snappy(a, false);
	CHECK_EQ_INT(rlpx_write_msg(a, 0x10, (const uint8_t *)"hello", 5), 0);
	CHECK_EQ_INT(pass(a, b), 0);
	CHECK_EQ_INT(rlpx_next_event(b, &ev), DURE_ERLPX_SNAPPY);
	rlpx_free(a);
	rlpx_free(b);

	/* A claimed length over 16 MiB is refused before decompressing:
	 * varint(16 MiB + 1) and no data. */
	connect(&a, &b);
	rlpx_set_snappy(b, true);
	const uint8_t bomb[] = {0x81, 0x80, 0x80, 0x08};
	CHECK_EQ_INT(rlpx_write_msg(a, 0x10, bomb, sizeof bomb), 0);
	CHECK_EQ_INT(pass(a, b), 0);
	CHECK_EQ_INT(rlpx_next_event(b, &ev), DURE_ERLPX_MSG_SIZE);
	rlpx_free(a);
	rlpx_free(b);

	/* Exactly 16 MiB is allowed. */
	connect(&a, &b);
	rlpx_set_snappy(a, true);
	rlpx_set_snappy(b, true);
	m = calloc(1, RLPX_MAX_MSG);
	CHECK_EQ_INT(rlpx_write_msg(a, 2, m, RLPX_MAX_MSG), 0);
	CHECK_EQ_INT(pass(a, b), 0);
	CHECK_EQ_INT(rlpx_next_event(b, &ev), 0);
	CHECK(ev.type == RLPX_EV_MSG && ev.len == RLPX_MAX_MSG);
	free(m);
	rlpx_free(a);
	rlpx_free(b);
}

static void state_errors(void)
{
	rlpx *a, *b;
	rlpx_secrets sec;
	CHECK_EQ_INT(rlpx_new_initiator(key_a, pub_b, &a), 0);
	CHECK_EQ_INT(rlpx_write_msg(a, 1, NULL, 0), DURE_ERLPX_STATE);
	CHECK_EQ_INT(rlpx_get_secrets(a, &sec), DURE_ERLPX_STATE);
	CHECK_EQ_INT(sec.aes[0] | sec.mac[31], 0);
	rlpx_event ev;
	CHECK_EQ_INT(rlpx_next_event(a, &ev), 0);
	CHECK_EQ_INT(ev.type, RLPX_EV_NONE);
	rlpx_free(a);
	/* Bad keys. */
	uint8_t zero[32] = {0}, bad_pub[64];
	memset(bad_pub, 0xff, 64);
	CHECK_EQ_INT(rlpx_new_initiator(zero, pub_b, &a), DURE_EKEY);
	CHECK(a == NULL);
	CHECK_EQ_INT(rlpx_new_initiator(key_a, bad_pub, &a), DURE_EKEY);
	CHECK_EQ_INT(rlpx_new_recipient(zero, &b), DURE_EKEY);
	CHECK(b == NULL);
	rlpx_free(NULL);
}

/* Feeds an auth built by hand to a fresh recipient B. */
static int feed_auth(const uint8_t *body, size_t n, bool eip8)
{
	buf pkt = BUF_INIT;
	rlpx *b;
	if (eip8) {
		size_t size = n + ECIES_OVERHEAD;
		uint8_t prefix[2] = {(uint8_t)(size >> 8), (uint8_t)size};
		CHECK_EQ_INT(buf_append(&pkt, prefix, 2), 0);
		CHECK_EQ_INT(ecies_encrypt(pub_b, body, n, prefix, 2, &pkt), 0);
	} else {
		CHECK_EQ_INT(ecies_encrypt(pub_b, body, n, NULL, 0, &pkt), 0);
	}
	CHECK_EQ_INT(rlpx_new_recipient(key_b, &b), 0);
	int err = rlpx_feed(b, pkt.data, pkt.len);
	CHECK_EQ_INT(rlpx_get_state(b), err ? RLPX_FAILED : RLPX_FRAMES);
	rlpx_free(b);
	buf_free(&pkt);
	return err;
}

static void bad_auth(void)
{
	rlpx *b;
	/* Size prefix too small to hold any ECIES message. */
	CHECK_EQ_INT(rlpx_new_recipient(key_b, &b), 0);
	CHECK_EQ_INT(rlpx_feed(b, (const uint8_t *)"\x00\x10", 2), DURE_ERLPX_AUTH_SIZE);
	CHECK_EQ_INT(rlpx_get_state(b), RLPX_FAILED);
	rlpx_free(b);
	/* Random bytes of a plausible size. */
	uint8_t junk[400];
	fill(junk, sizeof junk, 77);
	junk[0] = 0x01;
	junk[1] = 0x8e;
	junk[2] = 0x04;
	CHECK_EQ_INT(rlpx_new_recipient(key_b, &b), 0);
	int err = rlpx_feed(b, junk, sizeof junk);
	CHECK(err == DURE_EKEY || err == DURE_EECIES_MAC);
	rlpx_free(b);
	junk[2] = 0x05;
	CHECK_EQ_INT(rlpx_new_recipient(key_b, &b), 0);
	CHECK_EQ_INT(rlpx_feed(b, junk, sizeof junk), DURE_EECIES_FORMAT);
	rlpx_free(b);
	/* A legacy-looking packet (0x04...) that is neither format waits for
	 * its EIP-8 size (0x04xx = 1024+) and then fails. */
	junk[0] = 0x04;
	CHECK_EQ_INT(rlpx_new_recipient(key_b, &b), 0);
	CHECK_EQ_INT(rlpx_feed(b, junk, sizeof junk), 0);
	CHECK_EQ_INT(rlpx_get_state(b), RLPX_WAIT_AUTH);
	rlpx_free(b);

	/* Well encrypted, but the body is not an auth. */
	CHECK_EQ_INT(feed_auth((const uint8_t *)"\xc0", 1, true), DURE_ERLPX_AUTH);
	CHECK_EQ_INT(feed_auth((const uint8_t *)"hello world", 11, true), DURE_ERLPX_AUTH);
	uint8_t legacy[194] = {0};
	/* Right shape, signature that recovers nothing. */
	CHECK_EQ_INT(feed_auth(legacy, 194, false), DURE_ERLPX_AUTH);
	memcpy(legacy + 97, pub_a, 64);
	CHECK_EQ_INT(feed_auth(legacy, 194, false), DURE_ERLPX_AUTH_SIG);
	buf body = BUF_INIT;
	uint8_t sig[65] = {0}, nonce[32] = {0};
	size_t m = rlp_list_begin(&body);
	rlp_put_bytes(&body, sig, 65);
	rlp_put_bytes(&body, pub_a, 64);
	rlp_put_bytes(&body, nonce, 32);
	rlp_put_u64(&body, 4);
	rlp_list_end(&body, m);
	CHECK_EQ_INT(feed_auth(body.data, body.len, true), DURE_ERLPX_AUTH_SIG);
	/* A node id that is not a curve point. */
	buf_reset(&body);
	uint8_t bad_pub[64];
	memset(bad_pub, 0xff, 64);
	m = rlp_list_begin(&body);
	rlp_put_bytes(&body, sig, 65);
	rlp_put_bytes(&body, bad_pub, 64);
	rlp_put_bytes(&body, nonce, 32);
	rlp_put_u64(&body, 4);
	rlp_list_end(&body, m);
	CHECK_EQ_INT(feed_auth(body.data, body.len, true), DURE_ERLPX_AUTH);
	buf_free(&body);
}

TEST_MAIN(setup, vectors_recipient, vectors_initiator, vectors_trickle,
          live_handshake, ack_with_frame, frame_sizes, frame_trickle,
          corruption, limits, spec_frames, snappy, state_errors, bad_auth,
          uncompressed_disconnect)
