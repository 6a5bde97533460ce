/* discv4 packet codec: EIP-8 test vectors, roundtrips, rejection of bad
 * hashes, signatures, types, sizes and expired packets. */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/hex.h"
#include "crypto/keccak.h"
#include "crypto/secp.h"
#include "net/discv4.h"
#include "test.h"

/* The key that signed the EIP-8 discovery vectors. */
static const char *vec_key =
	"b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291";

static const char *ping_v4 =
	"e9614ccfd9fc3e74360018522d30e1419a143407ffcce748de3e22116b7e8dc92ff74788c0b6663a"
	"aa3d67d641936511c8f8d6ad8698b820a7cf9e1be7155e9a241f556658c55428ec0563514365799a"
	"4be2be5a685a80971ddcfa80cb422cdd0101ec04cb847f000001820cfa8215a8d790000000000000"
	"000000000000000000018208ae820d058443b9a3550102";

static const char *ping_v555 =
	"577be4349c4dd26768081f58de4c6f375a7a22f3f7adda654d1428637412c3d7fe917cadc56d4e5e"
	"7ffae1dbe3efffb9849feb71b262de37977e7c7a44e677295680e9e38ab26bee2fcbae207fba3ff3"
	"d74069a50b902a82c9903ed37cc993c50001f83e82022bd79020010db83c4d001500000000abcdef"
	"12820cfa8215a8d79020010db885a308d313198a2e037073488208ae82823a8443b9a355c5010203"
	"040531b9019afde696e582a78fa8d95ea13ce3297d4afb8ba6433e4154caa5ac6431af1b80ba7602"
	"3fa4090c408f6b4bc3701562c031041d4702971d102c9ab7fa5eed4cd6bab8f7af956f7d565ee191"
	"7084a95398b6a21eac920fe3dd1345ec0a7ef39367ee69ddf092cbfe5b93e5e568ebc491983c09c7"
	"6d922dc3";

static const char *pong_vec =
	"09b2428d83348d27cdf7064ad9024f526cebc19e4958f0fdad87c15eb598dd61d08423e0bf66b206"
	"9869e1724125f820d851c136684082774f870e614d95a2855d000f05d1648b2d5945470bc187c2d2"
	"216fbe870f43ed0909009882e176a46b0102f846d79020010db885a308d313198a2e037073488208"
	"ae82823aa0fbc914b16819237dcd8801d7e53f69e9719adecb3cc0e790c57e91ca4461c9548443b9"
	"a355c6010203c2040506a0c969a58f6f9095004c0177a6b47f451530cab38966a25cca5cb58f0555"
	"42124e";

static const char *findnode_vec =
	"c7c44041b9f7c7e41934417ebac9a8e1a4c6298f74553f2fcfdcae6ed6fe53163eb3d2b52e39fe91"
	"831b8a927bf4fc222c3902202027e5e9eb812195f95d20061ef5cd31d502e47ecb61183f74a504fe"
	"04c51e73df81f25c4d506b26db4517490103f84eb840ca634cae0d49acb401d8a4c6b6fe8c55b70d"
	"115bf400769cc1400f3258cd31387574077f301b421bc84df7266c44e9e6d569fc56be0081290476"
	"7bf5ccd1fc7f8443b9a35582999983999999280dc62cc8255c73471e0a61da0c89acdc0e035e260a"
	"dd7fc0c04ad9ebf3919644c91cb247affc82b69bd2ca235c71eab8e49737c937a2c396";

static const char *neighbors_vec =
	"c679fc8fe0b8b12f06577f2e802d34f6fa257e6137a995f6f4cbfc9ee50ed3710faf6e66f932c4c8"
	"d81d64343f429651328758b47d3dbc02c4042f0fff6946a50f4a49037a72bb550f3a7872363a83e1"
	"b9ee6469856c24eb4ef80b7535bcf99c0004f9015bf90150f84d846321163782115c82115db84031"
	"55e1427f85f10a5c9a7755877748041af1bcd8d474ec065eb33df57a97babf54bfd2103575fa8291"
	"15d224c523596b401065a97f74010610fce76382c0bf32f84984010203040101b840312c55512422"
	"cf9b8a4097e9a6ad79402e87a15ae909a4bfefa22398f03d20951933beea1e4dfa6f968212385e82"
	"9f04c2d314fc2d4e255e0d3bc08792b069dbf8599020010db83c4d001500000000abcdef12820d05"
	"820d05b84038643200b172dcfef857492156971f0e6aa2c538d8b74010f8e140811d53b98c765dd2"
	"d96126051913f44582e8c199ad7c6d6819e9a56483f637feaac9448aacf8599020010db885a308d3"
	"13198a2e037073488203e78203e8b8408dcab8618c3253b558d459da53bd8fa68935a719aff8b811"
	"197101a4b2b47dd2d47295286fc00cc081bb542d760717d1bdd6bec2c37cd72eca367d6dd3b9df73"
	"8443b9a355010203b525a138aa34383fec3d2719a0";

static uint8_t seckey[32], pubkey[64];

static void setup(void)
{
	CHECK_EQ_INT(hex_decode_exact(vec_key, seckey, 32), 0);
	CHECK_EQ_INT(secp_pubkey_create(seckey, pubkey), 0);
}

/* Decodes a hex vector; the caller frees the buf. */
static int decode_hex(const char *hexs, buf *raw, discv4_packet *p)
{
	buf_init(raw);
	if (hex_decode(hexs, strlen(hexs), raw))
		return -1;
	return discv4_decode(raw->data, raw->len, p);
}

static void test_eip8_ping(void)
{
	setup();
	static discv4_packet p;
	buf raw;
	CHECK_EQ_INT(decode_hex(ping_v4, &raw, &p), 0);
	CHECK_EQ_INT(p.type, DISCV4_PING);
	CHECK_MEM(p.sender, pubkey, 64);
	CHECK_MEM(p.hash, raw.data, 32);
	CHECK_EQ_INT(p.u.ping.version, 4);
	static const uint8_t lo4[4] = {127, 0, 0, 1};
	CHECK_EQ_INT(p.u.ping.from.ip_len, 4);
	CHECK_MEM(p.u.ping.from.ip, lo4, 4);
	CHECK_EQ_INT(p.u.ping.from.udp, 3322);
	CHECK_EQ_INT(p.u.ping.from.tcp, 5544);
	static const uint8_t lo6[16] = {[15] = 1};
	CHECK_EQ_INT(p.u.ping.to.ip_len, 16);
	CHECK_MEM(p.u.ping.to.ip, lo6, 16);
	CHECK_EQ_INT(p.u.ping.to.udp, 2222);
	CHECK_EQ_INT(p.u.ping.to.tcp, 3333);
	CHECK_EQ_INT(p.expiration, 1136239445);
	/* The first extra element reads as an EIP-868 enr-seq. */
	CHECK(p.u.ping.has_enr_seq);
	CHECK_EQ_INT(p.u.ping.enr_seq, 1);
	CHECK(discv4_expired(&p, 1136239446));
	CHECK(!discv4_expired(&p, 1136239445));
	buf_free(&raw);

	CHECK_EQ_INT(decode_hex(ping_v555, &raw, &p), 0);
	CHECK_EQ_INT(p.type, DISCV4_PING);
	CHECK_MEM(p.sender, pubkey, 64);
	CHECK_EQ_INT(p.u.ping.version, 555);
	CHECK_EQ_INT(p.u.ping.from.ip_len, 16);
	CHECK_EQ_INT(p.u.ping.from.ip[0], 0x20);
	CHECK_EQ_INT(p.u.ping.from.udp, 3322);
	CHECK_EQ_INT(p.u.ping.to.udp, 2222);
	CHECK_EQ_INT(p.u.ping.to.tcp, 33338);
	CHECK(!p.u.ping.has_enr_seq);
	buf_free(&raw);
}

static void test_eip8_pong_findnode(void)
{
	setup();
	static discv4_packet p;
	buf raw;
	CHECK_EQ_INT(decode_hex(pong_vec, &raw, &p), 0);
	CHECK_EQ_INT(p.type, DISCV4_PONG);
	CHECK_MEM(p.sender, pubkey, 64);
	CHECK_EQ_INT(p.u.pong.to.ip_len, 16);
	CHECK_EQ_INT(p.u.pong.to.udp, 2222);
	CHECK_EQ_INT(p.u.pong.to.tcp, 33338);
	uint8_t h[32];
	CHECK_EQ_INT(hex_decode_exact("fbc914b16819237dcd8801d7e53f69e9719adecb3cc0e7"
	                              "90c57e91ca4461c954", h, 32), 0);
	CHECK_MEM(p.u.pong.ping_hash, h, 32);
	CHECK_EQ_INT(p.expiration, 1136239445);
	CHECK(!p.u.pong.has_enr_seq);
	buf_free(&raw);

	CHECK_EQ_INT(decode_hex(findnode_vec, &raw, &p), 0);
	CHECK_EQ_INT(p.type, DISCV4_FINDNODE);
	CHECK_MEM(p.sender, pubkey, 64);
	/* The target is the signer's own key. */
	CHECK_MEM(p.u.findnode.target, pubkey, 64);
	CHECK_EQ_INT(p.expiration, 1136239445);
	buf_free(&raw);
}

static void test_eip8_neighbors(void)
{
	setup();
	static discv4_packet p;
	buf raw;
	CHECK_EQ_INT(decode_hex(neighbors_vec, &raw, &p), 0);
	CHECK_EQ_INT(p.type, DISCV4_NEIGHBORS);
	CHECK_MEM(p.sender, pubkey, 64);
	CHECK_EQ_INT(p.u.neighbors.n, 4);
	static const uint8_t ip0[4] = {99, 33, 22, 55};
	CHECK_EQ_INT(p.u.neighbors.nodes[0].ep.ip_len, 4);
	CHECK_MEM(p.u.neighbors.nodes[0].ep.ip, ip0, 4);
	CHECK_EQ_INT(p.u.neighbors.nodes[0].ep.udp, 4444);
	CHECK_EQ_INT(p.u.neighbors.nodes[0].ep.tcp, 4445);
	CHECK_EQ_INT(p.u.neighbors.nodes[0].id[0], 0x31);
	CHECK_EQ_INT(p.u.neighbors.nodes[1].ep.udp, 1);
	CHECK_EQ_INT(p.u.neighbors.nodes[1].ep.tcp, 1);
	CHECK_EQ_INT(p.u.neighbors.nodes[2].ep.ip_len, 16);
	CHECK_EQ_INT(p.u.neighbors.nodes[2].ep.udp, 3333);
	CHECK_EQ_INT(p.u.neighbors.nodes[3].ep.udp, 999);
	CHECK_EQ_INT(p.u.neighbors.nodes[3].ep.tcp, 1000);
	CHECK_EQ_INT(p.u.neighbors.nodes[3].id[63], 0x73);
	CHECK_EQ_INT(p.expiration, 1136239445);
	buf_free(&raw);
}

static void roundtrip(const discv4_packet *in, discv4_packet *out)
{
	uint8_t pkt[DISCV4_MAX_PACKET], h[32];
	size_t n;
	CHECK_EQ_INT(discv4_encode(seckey, in, pkt, &n, h), 0);
	CHECK(n <= DISCV4_MAX_PACKET);
	CHECK_EQ_INT(discv4_decode(pkt, n, out), 0);
	CHECK_MEM(out->hash, h, 32);
	CHECK_MEM(out->sender, pubkey, 64);
	CHECK_EQ_INT(out->type, in->type);
	CHECK_EQ_INT(out->expiration, in->expiration);
}

static void test_roundtrip(void)
{
	setup();
	static discv4_packet in, out;
	memset(&in, 0, sizeof in);
	in.type = DISCV4_PING;
	in.expiration = 1700000020;
	in.u.ping.version = 4;
	in.u.ping.from = (net_endpoint){{10, 0, 0, 1}, 4, 30303, 30304};
	in.u.ping.to = (net_endpoint){{[15] = 1}, 16, 30305, 0};
	in.u.ping.has_enr_seq = true;
	in.u.ping.enr_seq = 7;
	roundtrip(&in, &out);
	CHECK(memcmp(&in.u.ping, &out.u.ping, sizeof in.u.ping) == 0);

	memset(&in, 0, sizeof in);
	in.type = DISCV4_PONG;
	in.expiration = 5;
	in.u.pong.to = (net_endpoint){{1, 2, 3, 4}, 4, 1, 2};
	memset(in.u.pong.ping_hash, 0xab, 32);
	roundtrip(&in, &out);
	CHECK(memcmp(&in.u.pong, &out.u.pong, sizeof in.u.pong) == 0);

	/* A full Neighbors packet of IPv6 nodes still fits in 1280 bytes. */
	memset(&in, 0, sizeof in);
	in.type = DISCV4_NEIGHBORS;
	in.expiration = 99;
	in.u.neighbors.n = DISCV4_NEIGHBORS_PER_PACKET;
	for (size_t i = 0; i < in.u.neighbors.n; i++) {
		enode *nd = &in.u.neighbors.nodes[i];
		memset(nd->id, (int)i + 1, 64);
		memset(nd->ep.ip, 0xfe, 16);
		nd->ep.ip_len = 16;
		nd->ep.udp = 65535;
		nd->ep.tcp = 65534;
	}
	roundtrip(&in, &out);
	CHECK(memcmp(&in.u.neighbors, &out.u.neighbors,
	             sizeof in.u.neighbors) == 0);
	/* Sixteen such nodes do not fit, and the encoder says so. */
	in.u.neighbors.n = DISCV4_MAX_NEIGHBORS;
	uint8_t pkt[DISCV4_MAX_PACKET], h[32];
	size_t n;
	CHECK_EQ_INT(discv4_encode(seckey, &in, pkt, &n, h), DURE_EDISC_SIZE);
	CHECK_EQ_INT(n, 0);

	memset(&in, 0, sizeof in);
	in.type = DISCV4_ENRRESPONSE;
	memset(in.u.enrresponse.request_hash, 0x11, 32);
	net_endpoint ep = {{127, 0, 0, 1}, 4, 30303, 30303};
	CHECK_EQ_INT(enr_build(seckey, 3, &ep, &in.u.enrresponse.record), 0);
	roundtrip(&in, &out);
	CHECK_EQ_INT(out.u.enrresponse.record.seq, 3);
	CHECK_MEM(out.u.enrresponse.request_hash, in.u.enrresponse.request_hash,
	          32);

	/* An ENRResponse carrying someone else's record is refused. */
	uint8_t other[32];
	memset(other, 0x42, 32);
	CHECK_EQ_INT(enr_build(other, 1, &ep, &in.u.enrresponse.record), 0);
	CHECK_EQ_INT(discv4_encode(seckey, &in, pkt, &n, h), 0);
	CHECK_EQ_INT(discv4_decode(pkt, n, &out), DURE_ESIG);

	memset(&in, 0, sizeof in);
	in.type = DISCV4_ENRREQUEST;
	in.expiration = 77;
	roundtrip(&in, &out);

	in.type = 7;
	CHECK_EQ_INT(discv4_encode(seckey, &in, pkt, &n, h), DURE_EINVAL);
}

static void test_rejects(void)
{
	setup();
	static discv4_packet p;
	buf raw;
	CHECK_EQ_INT(decode_hex(findnode_vec, &raw, &p), 0);
	uint8_t pkt[DISCV4_MAX_PACKET + 1];
	size_t n = raw.len;
	memcpy(pkt, raw.data, n);
	buf_free(&raw);

	CHECK_EQ_INT(discv4_decode(pkt, DISCV4_HEADER, &p), DURE_EDISC_SIZE);
	CHECK_EQ_INT(discv4_decode(pkt, 0, &p), DURE_EDISC_SIZE);
	CHECK_EQ_INT(discv4_decode(pkt, DISCV4_MAX_PACKET + 1, &p),
	             DURE_EDISC_SIZE);
	/* A flipped data byte breaks the hash. */
	pkt[120] ^= 1;
	CHECK_EQ_INT(discv4_decode(pkt, n, &p), DURE_EDISC_HASH);
	pkt[120] ^= 1;
	/* A flipped signature byte with a recomputed hash: the signature now
	 * recovers another key, or none. */
	pkt[40] ^= 1;
	keccak256(pkt + 32, n - 32, pkt);
	int err = discv4_decode(pkt, n, &p);
	CHECK(err == DURE_ESIG || (err == 0 && memcmp(p.sender, pubkey, 64)));
	pkt[40] ^= 1;
	/* Recovery id out of range. */
	pkt[96] = 7;
	keccak256(pkt + 32, n - 32, pkt);
	CHECK_EQ_INT(discv4_decode(pkt, n, &p), DURE_ESIG);
	pkt[96] = 0;

	/* Unknown type with a valid hash. */
	static discv4_packet in;
	memset(&in, 0, sizeof in);
	in.type = DISCV4_ENRREQUEST;
	in.expiration = 1;
	uint8_t h[32];
	CHECK_EQ_INT(discv4_encode(seckey, &in, pkt, &n, h), 0);
	pkt[97] = 9;
	keccak256(pkt + 32, n - 32, pkt);
	CHECK_EQ_INT(discv4_decode(pkt, n, &p), DURE_EDISC_TYPE);
	CHECK_EQ_INT(p.type, 0);
}

/* Signs arbitrary packet data so the structure checks are reached. */
static int decode_body(uint8_t type, const char *hexbody, discv4_packet *p)
{
	uint8_t pkt[DISCV4_MAX_PACKET];
	buf body = BUF_INIT;
	buf_push(&body, type);
	if (hex_decode(hexbody, strlen(hexbody), &body) || body.len + 97 > sizeof pkt) {
		buf_free(&body);
		return -1;
	}
	uint8_t sh[32], sig[64];
	int recid;
	keccak256(body.data, body.len, sh);
	if (secp_sign(seckey, sh, sig, &recid)) {
		buf_free(&body);
		return -1;
	}
	memcpy(pkt + 32, sig, 64);
	pkt[96] = (uint8_t)recid;
	memcpy(pkt + 97, body.data, body.len);
	size_t n = 97 + body.len;
	keccak256(pkt + 32, n - 32, pkt);
	buf_free(&body);
	return discv4_decode(pkt, n, p);
}

static void test_malformed_data(void)
{
	setup();
	static discv4_packet p;
	/* FindNode with a 63-byte target. */
	char body[300];
	strcpy(body, "f844b83f");
	for (int i = 0; i < 63; i++)
		strcat(body, "aa");
	strcat(body, "01");
	CHECK_EQ_INT(decode_body(DISCV4_FINDNODE, body, &p), DURE_EDISC_FORMAT);
	/* Not a list. */
	CHECK_EQ_INT(decode_body(DISCV4_ENRREQUEST, "01", &p), DURE_EDISC_FORMAT);
	/* Empty list: expiration missing. */
	CHECK_EQ_INT(decode_body(DISCV4_ENRREQUEST, "c0", &p), DURE_EDISC_FORMAT);
	/* Non-canonical expiration. */
	CHECK_EQ_INT(decode_body(DISCV4_ENRREQUEST, "c3820001", &p),
	             DURE_EDISC_FORMAT);
	/* Fine, with extra elements and trailing junk. */
	CHECK_EQ_INT(decode_body(DISCV4_ENRREQUEST, "c30102c0ffdeadbeef", &p), 0);
	CHECK_EQ_INT(p.expiration, 1);
	/* Ping whose port exceeds 16 bits. */
	CHECK_EQ_INT(decode_body(DISCV4_PING,
	                         "d504c984010203048301000001c7840102030401"
	                         "0205",
	                         &p),
	             DURE_EDISC_FORMAT);
	/* Ping with a 5-byte IP. */
	CHECK_EQ_INT(decode_body(DISCV4_PING,
	                         "d404c98501020304050102c78401020304010105",
	                         &p),
	             DURE_EDISC_FORMAT);
	/* Truncated list header. */
	CHECK_EQ_INT(decode_body(DISCV4_PING, "f9", &p), DURE_EDISC_FORMAT);
}

TEST_MAIN(test_eip8_ping, test_eip8_pong_findnode, test_eip8_neighbors,
          test_roundtrip, test_rejects, test_malformed_data)
