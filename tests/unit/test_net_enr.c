/* ENR (EIP-778): the spec's example record, build/verify roundtrips, and
 * rejection of tampered, unsorted or oversized records. */
#include <string.h>

#include "base/buf.h"
#include "base/hex.h"
#include "crypto/keccak.h"
#include "crypto/secp.h"
#include "net/enr.h"
#include "rlp/rlp.h"
#include "test.h"

static const char *example =
	"enr:-IS4QHCYrYZbAKWCBRlAy5zzaDZXJBGkcnh4MHcBFZntXNFrdvJjX04jRzjzCBOonrkTf"
	"j499SZuOh8R33Ls8RRcy5wBgmlkgnY0gmlwhH8AAAGJc2VjcDI1NmsxoQPKY0yuDUmstAHYpM"
	"a2_oxVtw0RW_QAdpzBQA8yWM0xOIN1ZHCCdl8";

static const char *example_key =
	"b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291";

static void test_example(void)
{
	static enr r;
	CHECK_EQ_INT(enr_from_text(example, &r), 0);
	CHECK_EQ_INT(r.seq, 1);
	CHECK(r.has_ip4);
	static const uint8_t lo[4] = {127, 0, 0, 1};
	CHECK_MEM(r.ip4, lo, 4);
	CHECK_EQ_INT(r.udp, 30303);
	CHECK_EQ_INT(r.tcp, 0);
	CHECK(!r.has_ip6);
	/* Node address = keccak256(uncompressed public key). */
	uint8_t id[32], want[32];
	keccak256(r.pub, 64, id);
	CHECK_EQ_INT(hex_decode_exact("a448f24c6d18e575453db13171562b71999873db5b2"
	                              "86df957af199ec94617f7", want, 32), 0);
	CHECK_MEM(id, want, 32);
	uint8_t sk[32], pub[64];
	CHECK_EQ_INT(hex_decode_exact(example_key, sk, 32), 0);
	CHECK_EQ_INT(secp_pubkey_create(sk, pub), 0);
	CHECK_MEM(r.pub, pub, 64);
	/* Text form roundtrip. */
	char text[ENR_TEXT_MAX];
	CHECK_EQ_INT(enr_to_text(&r, text, sizeof text), 0);
	CHECK(strcmp(text, example) == 0);
	CHECK_EQ_INT(enr_to_text(&r, text, 10), DURE_ERANGE);
	/* Signing the same contents with the same key (RFC 6979) gives the
	 * very same record. */
	static enr b;
	net_endpoint ep = {{127, 0, 0, 1}, 4, 30303, 0};
	CHECK_EQ_INT(enr_build(sk, 1, &ep, &b), 0);
	CHECK_EQ_INT(b.raw_len, r.raw_len);
	CHECK_MEM(b.raw, r.raw, r.raw_len);
	enode n;
	CHECK_EQ_INT(enr_enode(&r, &n), 0);
	CHECK_MEM(n.id, pub, 64);
	CHECK_EQ_INT(n.ep.udp, 30303);
	CHECK_EQ_INT(n.ep.ip_len, 4);
}

static void test_build_ipv6(void)
{
	uint8_t sk[32];
	memset(sk, 0x33, 32);
	static enr r, d;
	net_endpoint ep = {{0x20, 0x01, 0x0d, 0xb8, [15] = 9}, 16, 30301, 30302};
	CHECK_EQ_INT(enr_build(sk, 42, &ep, &r), 0);
	CHECK_EQ_INT(enr_decode(r.raw, r.raw_len, &d), 0);
	CHECK_EQ_INT(d.seq, 42);
	CHECK(d.has_ip6 && !d.has_ip4);
	CHECK_MEM(d.ip6, ep.ip, 16);
	CHECK_EQ_INT(d.udp, 30301);
	CHECK_EQ_INT(d.tcp, 30302);
	enode n;
	CHECK_EQ_INT(enr_enode(&d, &n), 0);
	CHECK_EQ_INT(n.ep.ip_len, 16);
	CHECK_EQ_INT(n.ep.udp, 30301);
	/* No endpoint: valid record, but no enode. */
	net_endpoint none = {{0}, 0, 0, 0};
	CHECK_EQ_INT(enr_build(sk, 1, &none, &r), 0);
	CHECK_EQ_INT(enr_enode(&r, &n), DURE_ENOTFOUND);
	/* Bad key. */
	uint8_t zero[32] = {0};
	CHECK_EQ_INT(enr_build(zero, 1, &ep, &r), DURE_EKEY);
	CHECK_EQ_INT(r.raw_len, 0);
}

/* Signs [seq, pairs...] given as raw RLP content with key sk. */
static void sign_raw(const uint8_t sk[32], const char *content_hex, buf *out)
{
	buf c = BUF_INIT, list = BUF_INIT;
	CHECK_EQ_INT(hex_decode(content_hex, strlen(content_hex), &c), 0);
	size_t m = rlp_list_begin(&list);
	rlp_put_raw(&list, c.data, c.len);
	rlp_list_end(&list, m);
	uint8_t h[32], sig[64];
	int recid;
	keccak256(list.data, list.len, h);
	CHECK_EQ_INT(secp_sign(sk, h, sig, &recid), 0);
	buf_init(out);
	m = rlp_list_begin(out);
	rlp_put_bytes(out, sig, 64);
	rlp_put_raw(out, c.data, c.len);
	rlp_list_end(out, m);
	buf_free(&c);
	buf_free(&list);
}

static void test_rejects(void)
{
	uint8_t sk[32], pub[64], sec1[33];
	CHECK_EQ_INT(hex_decode_exact(example_key, sk, 32), 0);
	CHECK_EQ_INT(secp_pubkey_create(sk, pub), 0);
	secp_pubkey_compress(pub, sec1);
	char keyhex[67];
	hex_encode(sec1, 33, keyhex);
	char content[600];
	static enr r;
	buf rec;

	/* Sorted: id, secp256k1, zzz (unknown key, list value) - accepted. */
	snprintf(content, sizeof content, "01826964827634""89736563703235366b31a1%s"
	         "837a7a7ac30102c0", keyhex);
	sign_raw(sk, content, &rec);
	CHECK_EQ_INT(enr_decode(rec.data, rec.len, &r), 0);
	/* Tampered seq (after the 2-byte list header and the 66-byte
	 * signature item): the signature no longer matches. */
	CHECK_EQ_INT(rec.data[68], 0x01);
	rec.data[68] = 0x02;
	CHECK_EQ_INT(enr_decode(rec.data, rec.len, &r), DURE_ESIG);
	CHECK(enr_decode(rec.data, rec.len, &r) != 0);
	CHECK_EQ_INT(r.raw_len, 0);
	buf_free(&rec);

	/* Unsorted keys: secp256k1 before id. */
	snprintf(content, sizeof content, "0189736563703235366b31a1%s"
	         "826964827634", keyhex);
	sign_raw(sk, content, &rec);
	CHECK_EQ_INT(enr_decode(rec.data, rec.len, &r), DURE_EENR);
	buf_free(&rec);

	/* Duplicate key. */
	snprintf(content, sizeof content, "01826964827634826964827634"
	         "89736563703235366b31a1%s", keyhex);
	sign_raw(sk, content, &rec);
	CHECK_EQ_INT(enr_decode(rec.data, rec.len, &r), DURE_EENR);
	buf_free(&rec);

	/* Identity scheme other than v4. */
	snprintf(content, sizeof content, "01826964827635"
	         "89736563703235366b31a1%s", keyhex);
	sign_raw(sk, content, &rec);
	CHECK_EQ_INT(enr_decode(rec.data, rec.len, &r), DURE_EENR);
	buf_free(&rec);

	/* Signed by another key than the one in the record. */
	uint8_t other[32];
	memset(other, 7, 32);
	snprintf(content, sizeof content, "01826964827634"
	         "89736563703235366b31a1%s", keyhex);
	sign_raw(other, content, &rec);
	CHECK_EQ_INT(enr_decode(rec.data, rec.len, &r), DURE_ESIG);
	buf_free(&rec);

	/* Over 300 bytes (a long unknown value). */
	char big[700];
	snprintf(big, sizeof big, "01826964827634"
	         "89736563703235366b31a1%s""837a7a7ab8c8", keyhex);
	for (int i = 0; i < 200; i++)
		strcat(big, "ee");
	sign_raw(sk, big, &rec);
	CHECK(rec.len > ENR_MAX_SIZE);
	CHECK_EQ_INT(enr_decode(rec.data, rec.len, &r), DURE_EENR);
	buf_free(&rec);

	/* Text form: bad prefix, bad alphabet, padding. */
	CHECK_EQ_INT(enr_from_text("enx:-IS4QHCY", &r), DURE_EENR);
	CHECK_EQ_INT(enr_from_text("enr:-IS4+HCY", &r), DURE_EENR);
	CHECK_EQ_INT(enr_from_text("enr:-IS4QHCY=", &r), DURE_EENR);
	CHECK_EQ_INT(enr_from_text("enr:", &r), DURE_EENR);
}

TEST_MAIN(test_example, test_build_ipv6, test_rejects)
