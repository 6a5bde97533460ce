/* Headers, blocks, their roots and receipts: hand-built vectors, the
 * mainnet genesis, and every block of the BlockchainTests fixtures. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "chain/block.h"
#include "chain/receipt.h"
#include "rlp/rlp.h"
#include "fixture_walk.h"
#include "trie/trie.h"
#include "test.h"

static buf unhex(const char *s)
{
	buf b = BUF_INIT;
	if (hex_decode(s, strlen(s), &b) != DURE_OK)
		abort();
	return b;
}

static h256 unhex32(const char *s)
{
	h256 h;
	if (hex_decode_exact(s, h.b, 32) != DURE_OK)
		abort();
	return h;
}

/* ---- hand-checked vectors ---- */

static void test_empty_values(void)
{
	h256 want = unhex32("1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a"
	                    "7413f0a142fd40d49347");
	CHECK(h256_eq(&EMPTY_OMMERS_HASH, &want));
	h256 h;
	CHECK_EQ_INT(block_ommers_hash(NULL, 0, &h), DURE_OK);
	CHECK(h256_eq(&h, &want));

	h256 empty = unhex32("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996c"
	                     "adc001622fb5e363b421");
	CHECK(h256_eq(&TRIE_EMPTY_ROOT, &empty));
	CHECK_EQ_INT(block_tx_root(NULL, 0, &h), DURE_OK);
	CHECK(h256_eq(&h, &empty));
	CHECK_EQ_INT(block_receipts_root(NULL, 0, &h), DURE_OK);
	CHECK(h256_eq(&h, &empty));
	CHECK_EQ_INT(block_withdrawals_root(NULL, 0, &h), DURE_OK);
	CHECK(h256_eq(&h, &empty));
}

/* Mainnet's genesis block (BasicTests/genesishashestest.json): a
 * Frontier header of 15 fields and an empty body without withdrawals. */
static const char MAINNET_GENESIS[] =
	"f90219f90214a0000000000000000000000000000000000000000000000000000000"
	"0000000000a01dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd"
	"40d49347940000000000000000000000000000000000000000a0d7f8974fb5ac78d9"
	"ac099b9ad5018bedc2ce0a72dad1827a1709da30580f0544a056e81f171bcc55a6ff"
	"8345e692c0f86e5b48e01b996cadc001622fb5e363b421a056e81f171bcc55a6ff83"
	"45e692c0f86e5b48e01b996cadc001622fb5e363b421b90100"
	"0000000000000000000000000000000000000000000000000000000000000000"
	"0000000000000000000000000000000000000000000000000000000000000000"
	"0000000000000000000000000000000000000000000000000000000000000000"
	"0000000000000000000000000000000000000000000000000000000000000000"
	"0000000000000000000000000000000000000000000000000000000000000000"
	"0000000000000000000000000000000000000000000000000000000000000000"
	"0000000000000000000000000000000000000000000000000000000000000000"
	"0000000000000000000000000000000000000000000000000000000000000000"
	"850400000000808213888080a011bbe8db4e347b4e8c937c1c8370e4b5ed33adb3db"
	"69cbdb7a38e1e50b1b82faa000000000000000000000000000000000000000000000"
	"00000000000000000000880000000000000042c0c0";

static void test_mainnet_genesis(void)
{
	buf raw = unhex(MAINNET_GENESIS);
	block b;
	CHECK_EQ_INT(block_decode(raw.data, raw.len, &b), DURE_OK);
	CHECK(!b.h.has_base_fee && !b.h.has_withdrawals_root);
	CHECK(!b.h.has_blob_gas && !b.h.has_parent_beacon_root);
	CHECK(!b.has_withdrawals);
	CHECK_EQ_INT(b.ntxs, 0);
	CHECK_EQ_INT(b.nommers, 0);
	CHECK_EQ_INT(b.h.number, 0);
	CHECK_EQ_INT(b.h.gas_limit, 5000);
	CHECK_EQ_INT(b.h.difficulty.w[0], 17179869184ULL);
	CHECK_EQ_INT(b.h.extra_len, 32);
	CHECK_EQ_INT(b.h.nonce[7], 0x42);
	h256 state_root = unhex32("d7f8974fb5ac78d9ac099b9ad5018bedc2ce0a72dad1"
	                     "827a1709da30580f0544");
	CHECK(h256_eq(&b.h.state_root, &state_root));
	h256 h, want = unhex32("d4e56740f876aef8c010b86a40d5f56745a118d0906a"
	                       "34e69aec8c0db1cb8fa3");
	CHECK_EQ_INT(header_hash(&b.h, &h), DURE_OK);
	CHECK(h256_eq(&h, &want));
	buf enc = BUF_INIT;
	CHECK_EQ_INT(block_encode(&b, &enc), DURE_OK);
	CHECK(enc.len == raw.len && memcmp(enc.data, raw.data, raw.len) == 0);

	/* Every strict prefix is rejected, and so is a byte after the end. */
	int prefixes_ok = 0;
	for (size_t n = 0; n < raw.len; n++) {
		block t;
		if (block_decode(raw.data, n, &t) == DURE_OK) {
			prefixes_ok++;
			block_free(&t);
		}
	}
	CHECK_EQ_INT(prefixes_ok, 0);
	buf_push(&raw, 0x80);
	block t;
	CHECK_EQ_INT(block_decode(raw.data, raw.len, &t), DURE_ERLP_TRAILING);
	CHECK_EQ_INT(header_decode(raw.data + 3, 0x214 + 3, &t.h), DURE_OK);
	CHECK(h256_eq(&t.h.state_root, &state_root));
	CHECK_EQ_INT(header_decode(raw.data + 3, 0x214 + 2, &t.h),
	             DURE_ERLP_TRUNCATED);
	block_free(&b);
	buf_free(&raw);
	buf_free(&enc);
}

/* Appends the 15 fields of a Frontier header, with coinbase_len bytes of
 * coinbase and number as number_len bytes of 0x01, as a header list
 * payload (no list header). Built field by field from the layout in
 * block.h, not with header_encode. */
static void put_fields(buf *b, size_t coinbase_len, size_t number_len)
{
	uint8_t z[256] = {0}, ones[16];
	memset(ones, 1, sizeof ones);
	for (int i = 0; i < 2; i++)
		rlp_put_bytes(b, z, 32);               /* parent, ommers */
	rlp_put_bytes(b, z, coinbase_len);
	for (int i = 0; i < 3; i++)
		rlp_put_bytes(b, z, 32);               /* state, tx, receipts */
	rlp_put_bytes(b, z, 256);                  /* bloom */
	rlp_put_u64(b, 1);                         /* difficulty */
	rlp_put_bytes(b, ones, number_len);        /* number */
	rlp_put_u64(b, 30000000);                  /* gas limit */
	rlp_put_u64(b, 0);                         /* gas used */
	rlp_put_u64(b, 1700000000);                /* timestamp */
	rlp_put_bytes(b, z, 0);                    /* extra */
	rlp_put_bytes(b, z, 32);                   /* mix */
	rlp_put_bytes(b, z, 8);                    /* nonce */
}

/* A header list of put_fields' fields and then `extra` more 32-byte
 * fields; returns header_decode's result. */
static int decode_built(size_t coinbase_len, size_t number_len, int extra)
{
	buf b = BUF_INIT;
	size_t mark = rlp_list_begin(&b);
	put_fields(&b, coinbase_len, number_len);
	uint8_t z[32] = {0};
	for (int i = 0; i < extra; i++)
		rlp_put_bytes(&b, z, i == 0 ? 0 : 32);
	rlp_list_end(&b, mark);
	header h;
	int err = header_decode(b.data, b.len, &h);
	if (err != DURE_OK)
		CHECK_EQ_INT(h.number, 0); /* zeroed on failure */
	buf_free(&b);
	return err;
}

static void test_header_shapes(void)
{
	CHECK_EQ_INT(decode_built(20, 8, 0), DURE_OK);
	CHECK_EQ_INT(decode_built(20, 8, 1), DURE_OK);  /* base fee */
	CHECK_EQ_INT(decode_built(20, 8, 2), DURE_OK);  /* + withdrawals */
	CHECK_EQ_INT(decode_built(20, 8, 3), DURE_EBLOCK_FORMAT);
	CHECK_EQ_INT(decode_built(20, 8, 6), DURE_EBLOCK_FORMAT);
	CHECK_EQ_INT(decode_built(20, 9, 0), DURE_ERLP_INT_SIZE);
	CHECK_EQ_INT(decode_built(19, 8, 0), DURE_ERLP_SIZE);
	CHECK_EQ_INT(decode_built(21, 8, 0), DURE_ERLP_SIZE);

	/* 14 fields: the nonce left out. */
	buf b = BUF_INIT;
	size_t mark = rlp_list_begin(&b);
	put_fields(&b, 20, 8);
	b.len -= 9;
	rlp_list_end(&b, mark);
	header h;
	CHECK_EQ_INT(header_decode(b.data, b.len, &h), DURE_EBLOCK_FORMAT);

	/* A string where the header list belongs. */
	buf_reset(&b);
	rlp_put_bytes(&b, (const uint8_t *)"header", 6);
	CHECK_EQ_INT(header_decode(b.data, b.len, &h), DURE_ERLP_EXPECTED_LIST);

	/* extraData above what the decoder holds. */
	buf_reset(&b);
	mark = rlp_list_begin(&b);
	put_fields(&b, 20, 8);
	size_t at = b.len - 43; /* extra's empty string, mix, nonce */
	b.len = at;
	static uint8_t big[HEADER_EXTRA_MAX + 1];
	rlp_put_bytes(&b, big, sizeof big);
	uint8_t z[32] = {0};
	rlp_put_bytes(&b, z, 32);
	rlp_put_bytes(&b, z, 8);
	rlp_list_end(&b, mark);
	CHECK_EQ_INT(header_decode(b.data, b.len, &h), DURE_EBLOCK_EXTRA_DATA);
	buf_free(&b);
}

/* The header of the genesis of bcEIP4844-blobtransactions/
 * blockWithAllTransactionTypes, whose hash its genesisBlockHeader gives. */
static const char CANCUN_GENESIS_HEADER[] =
	"f9023ea00000000000000000000000000000000000000000000000000000000000"
	"000000a01dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40"
	"d4934794ba5e000000000000000000000000000000000000a096c7a471e05d95a9"
	"62c9860f966ebcf96b1e3867321ec408e86ffd3bd50a1c62a056e81f171bcc55a6"
	"ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421a056e81f171bcc55a6"
	"ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421b90100000000000000"
	"000000000000000000000000000000000000000000000000000000000000000000"
	"000000000000000000000000000000000000000000000000000000000000000000"
	"000000000000000000000000000000000000000000000000000000000000000000"
	"000000000000000000000000000000000000000000000000000000000000000000"
	"000000000000000000000000000000000000000000000000000000000000000000"
	"000000000000000000000000000000000000000000000000000000000000000000"
	"000000000000000000000000000000000000000000000000000000000000000000"
	"00000000000000000000000000000000000000808088016345785d8a0000808203"
	"b642a0000000000000000000000000000000000000000000000000000000000002"
	"0000880000000000000000820384a056e81f171bcc55a6ff8345e692c0f86e5b48"
	"e01b996cadc001622fb5e363b4218080a000000000000000000000000000000000"
	"00000000000000000000000000000000";

/* A London header (base fee, no withdrawals root): the Cancun genesis cut
 * after its 16th field must be what header_encode gives it. */
static void test_london_header(void)
{
	buf raw = unhex(CANCUN_GENESIS_HEADER);
	header h;
	CHECK_EQ_INT(header_decode(raw.data, raw.len, &h), DURE_OK);
	h256 hash, want = unhex32("5eb7f6da0f3e237c62bcae48b7fb5f4506d39261"
	                          "6b62890429c8b76b4a1d4104");
	CHECK_EQ_INT(header_hash(&h, &hash), DURE_OK);
	CHECK(h256_eq(&hash, &want));
	CHECK_EQ_INT(h.base_fee.w[0], 0x384);
	CHECK_EQ_INT(h.timestamp, 0x3b6);
	CHECK_EQ_INT(h.gas_limit, 0x016345785d8a0000ULL);

	/* The expected London encoding: the first 16 items re-wrapped. */
	rlp_cur c, l;
	rlp_cur_init(&c, raw.data, raw.len);
	rlp_cur_list(&c, &l);
	const uint8_t *start = l.p;
	for (int i = 0; i < 16; i++)
		rlp_cur_skip(&l);
	CHECK_EQ_INT(l.err, 0);
	buf want_enc = BUF_INIT;
	size_t mark = rlp_list_begin(&want_enc);
	rlp_put_raw(&want_enc, start, (size_t)(l.p - start));
	rlp_list_end(&want_enc, mark);

	h.has_withdrawals_root = h.has_blob_gas = false;
	h.has_parent_beacon_root = false;
	buf enc = BUF_INIT;
	CHECK_EQ_INT(header_encode(&h, &enc), DURE_OK);
	CHECK(enc.len == want_enc.len &&
	      memcmp(enc.data, want_enc.data, enc.len) == 0);
	header back;
	CHECK_EQ_INT(header_decode(enc.data, enc.len, &back), DURE_OK);
	CHECK(back.has_base_fee && !back.has_withdrawals_root);
	CHECK(!back.has_blob_gas && !back.has_parent_beacon_root);
	CHECK_EQ_INT(back.base_fee.w[0], 0x384);
	CHECK_EQ_INT(back.extra_len, 1);
	CHECK_EQ_INT(back.extra[0], 0x42);

	/* Optional fields out of order cannot be encoded. */
	buf_reset(&enc);
	h.has_base_fee = false;
	h.has_withdrawals_root = true;
	CHECK_EQ_INT(header_encode(&h, &enc), DURE_EBLOCK_FORMAT);
	CHECK_EQ_INT(enc.len, 0);
	CHECK_EQ_INT(header_hash(&h, &hash), DURE_EBLOCK_FORMAT);
	CHECK(h256_eq(&hash, &(h256){{0}}));
	h.has_base_fee = true;
	h.has_parent_beacon_root = true;
	CHECK_EQ_INT(header_encode(&h, &enc), DURE_EBLOCK_FORMAT);
	h.has_blob_gas = true;
	CHECK_EQ_INT(header_encode(&h, &enc), DURE_OK);
	CHECK(enc.len == raw.len && memcmp(enc.data, raw.data, raw.len) == 0);
	buf_free(&enc);
	buf_free(&want_enc);
	buf_free(&raw);
}

/* Wraps header hex and body items (already RLP) in a block list. */
static buf block_of(const char *body_hex)
{
	buf hdr = unhex(CANCUN_GENESIS_HEADER);
	buf body = unhex(body_hex);
	buf b = BUF_INIT;
	size_t mark = rlp_list_begin(&b);
	rlp_put_raw(&b, hdr.data, hdr.len);
	rlp_put_raw(&b, body.data, body.len);
	rlp_list_end(&b, mark);
	buf_free(&hdr);
	buf_free(&body);
	return b;
}

static int decode_body(const char *body_hex)
{
	buf raw = block_of(body_hex);
	block b;
	int err = block_decode(raw.data, raw.len, &b);
	if (err != DURE_OK)
		CHECK_EQ_INT(b.ntxs + b.nommers + b.nwithdrawals, 0);
	block_free(&b);
	buf_free(&raw);
	return err;
}

static void test_body_shapes(void)
{
	CHECK_EQ_INT(decode_body("c0c0c0"), DURE_OK);
	/* No withdrawals list while the header has a withdrawals root. */
	CHECK_EQ_INT(decode_body("c0c0"), DURE_EBLOCK_FORMAT);
	CHECK_EQ_INT(decode_body("c0c0c0c0"), DURE_EBLOCK_FORMAT);
	/* A withdrawal [1, 2, 0x11*20, 3], with 3 and 5 fields. */
	CHECK_EQ_INT(decode_body("c0c0d9d80102941111111111111111111111111111"
	                         "11111111111103"), DURE_OK);
	CHECK_EQ_INT(decode_body("c0c0d8d70102941111111111111111111111111111"
	                         "111111111111"), DURE_EBLOCK_FORMAT);
	CHECK_EQ_INT(decode_body("c0c0dad90102941111111111111111111111111111"
	                         "1111111111110304"), DURE_EBLOCK_FORMAT);
	/* Index of 9 bytes; address of 19. */
	CHECK_EQ_INT(decode_body("c0c0e2e18901000000000000000002941111111111"
	                         "11111111111111111111111111111103"),
	             DURE_ERLP_INT_SIZE);
	CHECK_EQ_INT(decode_body("c0c0d8d70102931111111111111111111111111111"
	                         "111111111103"), DURE_ERLP_SIZE);
	/* Transactions that are no transaction: a legacy list wrapped in a
	 * string, an empty string, a type-0 prefix, a type byte alone; an
	 * ommer of one byte, an empty ommer. */
	CHECK_EQ_INT(decode_body("c382c0c0c0c0"), DURE_ETX_TYPE);
	CHECK_EQ_INT(decode_body("c180c0c0"), DURE_ETX_TYPE);
	CHECK_EQ_INT(decode_body("c38200c0c0c0"), DURE_ETX_TYPE);
	CHECK_EQ_INT(decode_body("c101c0c0"), DURE_ERLP_END);
	CHECK_EQ_INT(decode_body("c0c101c0"), DURE_ERLP_EXPECTED_LIST);
	CHECK_EQ_INT(decode_body("c0c1c0c0"), DURE_EBLOCK_FORMAT);
	/* Lists where the body's lists belong. */
	CHECK_EQ_INT(decode_body("80c0c0"), DURE_ERLP_EXPECTED_LIST);

	/* Many one-byte transactions: the first one fails, and the count
	 * stops there rather than sizing an array for all of them. */
	size_t many = 100000;
	char *hex = malloc(2 * many + 16);
	strcpy(hex, "fa0186a0");
	for (size_t i = 0; i < many; i++)
		memcpy(hex + 8 + 2 * i, "c0", 2);
	strcpy(hex + 8 + 2 * many, "c0c0");
	CHECK_EQ_INT(decode_body(hex), DURE_ETX_FORMAT);
	free(hex);
}

/* ---- receipts ---- */

static const char ZERO_BLOOM_HEX[] =
	"b90100"
	"0000000000000000000000000000000000000000000000000000000000000000"
	"0000000000000000000000000000000000000000000000000000000000000000"
	"0000000000000000000000000000000000000000000000000000000000000000"
	"0000000000000000000000000000000000000000000000000000000000000000"
	"0000000000000000000000000000000000000000000000000000000000000000"
	"0000000000000000000000000000000000000000000000000000000000000000"
	"0000000000000000000000000000000000000000000000000000000000000000"
	"0000000000000000000000000000000000000000000000000000000000000000";

/* Builds prefix || list header || status || cumulative || zero bloom ||
 * logs from hex parts, with the list header computed from the length. */
static buf receipt_bytes(const char *prefix, const char *status,
                         const char *cumulative, const char *logs)
{
	buf payload = BUF_INIT;
	const char *parts[] = {status, cumulative, ZERO_BLOOM_HEX, logs};
	for (size_t i = 0; i < 4; i++)
		if (hex_decode(parts[i], strlen(parts[i]), &payload) != DURE_OK)
			abort();
	buf b = unhex(prefix);
	size_t mark = rlp_list_begin(&b);
	rlp_put_raw(&b, payload.data, payload.len);
	rlp_list_end(&b, mark);
	buf_free(&payload);
	return b;
}

static int decode_receipt(const char *prefix, const char *status,
                          const char *cumulative, const char *logs)
{
	buf raw = receipt_bytes(prefix, status, cumulative, logs);
	receipt r;
	int err = receipt_decode(raw.data, raw.len, &r);
	if (err != DURE_OK)
		CHECK_EQ_INT(r.nlogs + r.cumulative_gas, 0);
	receipt_free(&r);
	buf_free(&raw);
	return err;
}

/* One log: address 0x11*20, topic 0x22*32, data aabb. */
static const char ONE_LOG[] =
	"f83cf83a941111111111111111111111111111111111111111e1a0222222222222"
	"222222222222222222222222222222222222222222222222222282aabb";

static void test_receipt_vectors(void)
{
	/* EIP-1559 receipt, success, 21000 gas, no logs; the bytes are
	 * written out from the layout: 264 payload bytes. */
	buf want = unhex("02f9010801825208");
	buf bloom = unhex(ZERO_BLOOM_HEX);
	buf_append(&want, bloom.data, bloom.len);
	buf_push(&want, 0xc0);
	receipt r;
	CHECK_EQ_INT(receipt_decode(want.data, want.len, &r), DURE_OK);
	CHECK_EQ_INT(r.type, TX_DYNAMIC_FEE);
	CHECK(r.success && !r.has_post_state);
	CHECK_EQ_INT(r.cumulative_gas, 21000);
	CHECK_EQ_INT(r.nlogs, 0);
	buf enc = BUF_INIT;
	CHECK_EQ_INT(receipt_encode(&r, &enc), DURE_OK);
	CHECK(enc.len == want.len && memcmp(enc.data, want.data, enc.len) == 0);
	receipt_free(&r);

	/* Legacy receipt with one log. */
	buf raw = receipt_bytes("", "80", "83012345", ONE_LOG);
	CHECK_EQ_INT(receipt_decode(raw.data, raw.len, &r), DURE_OK);
	CHECK_EQ_INT(r.type, TX_LEGACY);
	CHECK(!r.success && !r.has_post_state);
	CHECK_EQ_INT(r.cumulative_gas, 0x12345);
	CHECK_EQ_INT(r.nlogs, 1);
	if (r.nlogs == 1) {
		CHECK_EQ_INT(r.logs[0].addr.b[19], 0x11);
		CHECK_EQ_INT(r.logs[0].ntopics, 1);
		CHECK_EQ_INT(r.logs[0].topics[0].b[0], 0x22);
		CHECK_EQ_INT(r.logs[0].data_size, 2);
		CHECK_EQ_INT(r.logs[0].data[1], 0xbb);
	}
	buf_reset(&enc);
	CHECK_EQ_INT(receipt_encode(&r, &enc), DURE_OK);
	CHECK(enc.len == raw.len && memcmp(enc.data, raw.data, enc.len) == 0);
	receipt_free(&r);
	buf_free(&raw);

	/* Pre-Byzantium: the post-state root in the status's place. */
	raw = receipt_bytes("", "a033333333333333333333333333333333333333333"
	                    "33333333333333333333333", "825208", "c0");
	CHECK_EQ_INT(receipt_decode(raw.data, raw.len, &r), DURE_OK);
	CHECK(r.has_post_state);
	CHECK_EQ_INT(r.post_state.b[31], 0x33);
	buf_reset(&enc);
	CHECK_EQ_INT(receipt_encode(&r, &enc), DURE_OK);
	CHECK(enc.len == raw.len && memcmp(enc.data, raw.data, enc.len) == 0);
	receipt_free(&r);

	/* Every strict prefix, and a trailing byte, are rejected. */
	int prefixes_ok = 0;
	for (size_t n = 0; n < raw.len; n++) {
		if (receipt_decode(raw.data, n, &r) == DURE_OK)
			prefixes_ok++;
		receipt_free(&r);
	}
	CHECK_EQ_INT(prefixes_ok, 0);
	buf_push(&raw, 0x01);
	CHECK_EQ_INT(receipt_decode(raw.data, raw.len, &r), DURE_ERLP_TRAILING);
	buf_free(&raw);
	buf_free(&enc);
	buf_free(&bloom);
	buf_free(&want);
}

static void test_receipt_malformed(void)
{
	CHECK_EQ_INT(decode_receipt("", "01", "01", ONE_LOG), DURE_OK);
	CHECK_EQ_INT(decode_receipt("03", "01", "01", "c0"), DURE_OK);
	CHECK_EQ_INT(decode_receipt("00", "01", "01", "c0"), DURE_ETX_TYPE);
	CHECK_EQ_INT(decode_receipt("04", "01", "01", "c0"), DURE_ETX_TYPE);
	CHECK_EQ_INT(decode_receipt("81", "01", "01", "c0"),
	             DURE_ERLP_EXPECTED_LIST);
	CHECK_EQ_INT(decode_receipt("", "02", "01", "c0"), DURE_EBLOCK_FORMAT);
	CHECK_EQ_INT(decode_receipt("", "820001", "01", "c0"),
	             DURE_EBLOCK_FORMAT);
	CHECK_EQ_INT(decode_receipt("", "c0", "01", "c0"),
	             DURE_ERLP_EXPECTED_STRING);
	CHECK_EQ_INT(decode_receipt("", "01", "89010000000000000000", "c0"),
	             DURE_ERLP_INT_SIZE);
	CHECK_EQ_INT(decode_receipt("", "01", "820001", "c0"),
	             DURE_ERLP_INT_ZERO);
	CHECK_EQ_INT(decode_receipt("", "01", "01", "80"),
	             DURE_ERLP_EXPECTED_LIST);
	/* Five fields; a log of two fields; a 19-byte address; five topics
	 * and then four. */
	CHECK_EQ_INT(decode_receipt("", "01", "01", "c080"), DURE_EBLOCK_FORMAT);
	CHECK_EQ_INT(decode_receipt("", "01", "01", "d7d69411111111111111111111"
	                            "11111111111111111111c0"),
	             DURE_EBLOCK_FORMAT);
	CHECK_EQ_INT(decode_receipt("", "01", "01", "d7d693"
	                            "11111111111111111111111111111111111111"
	                            "c080"),
	             DURE_ERLP_SIZE);
	char topics[1024] = "";
	for (int i = 0; i < 5; i++)
		strcat(topics, "a02222222222222222222222222222222222222222222"
		               "222222222222222222222");
	char logs[1200];
	snprintf(logs, sizeof logs, "f8bff8bd94%sf8a5%s80",
	         "1111111111111111111111111111111111111111", topics);
	CHECK_EQ_INT(decode_receipt("", "01", "01", logs), DURE_EBLOCK_FORMAT);
	topics[4 * 66] = 0;
	snprintf(logs, sizeof logs, "f89ef89c94%sf884%s80",
	         "1111111111111111111111111111111111111111", topics);
	CHECK_EQ_INT(decode_receipt("", "01", "01", logs), DURE_OK);
	/* An empty bloom; no input at all. */
	buf raw = unhex("c401808080");
	receipt r;
	CHECK_EQ_INT(receipt_decode(raw.data, raw.len, &r), DURE_ERLP_SIZE);
	CHECK_EQ_INT(receipt_decode(raw.data, 0, &r), DURE_ERLP_END);
	buf_free(&raw);
	/* Three fields. */
	raw = unhex("c3018080");
	CHECK_EQ_INT(receipt_decode(raw.data, raw.len, &r), DURE_EBLOCK_FORMAT);
	buf_free(&raw);
}

/* ---- BlockchainTests fixtures ---- */

typedef struct fx_counts {
	unsigned files, cases, genesis, valid, rlp_invalid, rlp_rejected;
	unsigned receipt_roots;
} fx_counts;

static const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Compares a hex string field of o with n bytes at p. */
static bool field_is(json_t *o, const char *key, const uint8_t *p, size_t n)
{
	const char *s = jstr(o, key);
	if (!s)
		return false;
	buf b = BUF_INIT;
	bool ok = hex_decode(s, strlen(s), &b) == DURE_OK && b.len == n &&
	          (n == 0 || memcmp(b.data, p, n) == 0);
	buf_free(&b);
	return ok;
}

static bool u64_is(json_t *o, const char *key, uint64_t v)
{
	const char *s = jstr(o, key);
	return s && strtoull(s, NULL, 16) == v;
}

static bool u256_is(json_t *o, const char *key, const u256 *v)
{
	uint8_t be[32];
	u256_to_be(v, be);
	const char *s = jstr(o, key);
	if (!s)
		return false;
	buf b = BUF_INIT;
	size_t digits = strlen(s) - 2;
	char padded[67] = "0x";
	if (digits > 64 || strncmp(s, "0x", 2) != 0)
		return false;
	memset(padded + 2, '0', 64 - digits);
	memcpy(padded + 2 + 64 - digits, s + 2, digits + 1);
	bool ok = hex_decode(padded, 66, &b) == DURE_OK && b.len == 32 &&
	          memcmp(b.data, be, 32) == 0;
	buf_free(&b);
	return ok;
}

/* Checks decoded header fields against a fixture's header object. */
static bool header_matches(const header *h, json_t *j)
{
	bool ok = field_is(j, "parentHash", h->parent_hash.b, 32) &&
	          field_is(j, "uncleHash", h->ommers_hash.b, 32) &&
	          field_is(j, "coinbase", h->coinbase.b, 20) &&
	          field_is(j, "stateRoot", h->state_root.b, 32) &&
	          field_is(j, "transactionsTrie", h->tx_root.b, 32) &&
	          field_is(j, "receiptTrie", h->receipts_root.b, 32) &&
	          field_is(j, "bloom", h->bloom, 256) &&
	          u256_is(j, "difficulty", &h->difficulty) &&
	          u64_is(j, "number", h->number) &&
	          u64_is(j, "gasLimit", h->gas_limit) &&
	          u64_is(j, "gasUsed", h->gas_used) &&
	          u64_is(j, "timestamp", h->timestamp) &&
	          field_is(j, "extraData", h->extra, h->extra_len) &&
	          field_is(j, "mixHash", h->mix_hash.b, 32) &&
	          field_is(j, "nonce", h->nonce, 8);
	ok = ok && h->has_base_fee == (json_object_get(j, "baseFeePerGas") != NULL);
	if (h->has_base_fee)
		ok = ok && u256_is(j, "baseFeePerGas", &h->base_fee);
	ok = ok && h->has_withdrawals_root ==
	           (json_object_get(j, "withdrawalsRoot") != NULL);
	if (h->has_withdrawals_root)
		ok = ok && field_is(j, "withdrawalsRoot", h->withdrawals_root.b, 32);
	ok = ok && h->has_blob_gas == (json_object_get(j, "blobGasUsed") != NULL);
	if (h->has_blob_gas)
		ok = ok && u64_is(j, "blobGasUsed", h->blob_gas_used) &&
		     u64_is(j, "excessBlobGas", h->excess_blob_gas);
	ok = ok && h->has_parent_beacon_root ==
	           (json_object_get(j, "parentBeaconBlockRoot") != NULL);
	if (h->has_parent_beacon_root)
		ok = ok && field_is(j, "parentBeaconBlockRoot",
		                    h->parent_beacon_root.b, 32);
	return ok;
}

static bool withdrawals_match(const block *b, json_t *ws)
{
	if (!b->has_withdrawals || json_array_size(ws) != b->nwithdrawals)
		return false;
	for (size_t i = 0; i < b->nwithdrawals; i++) {
		json_t *w = json_array_get(ws, i);
		const withdrawal *d = &b->withdrawals[i];
		if (!u64_is(w, "index", d->index) ||
		    !u64_is(w, "validatorIndex", d->validator) ||
		    !field_is(w, "address", d->addr.b, 20) ||
		    !u64_is(w, "amount", d->amount_gwei))
			return false;
	}
	return true;
}

/* A block with one transaction and an empty bloom has one receipt with
 * no logs whose cumulative gas is the header's gas used: its receipts
 * root pins down receipt_encode and the trie keying, status aside. */
static bool single_receipt_root_matches(const block *b)
{
	receipt r = {0};
	r.type = b->txs[0].type;
	r.cumulative_gas = b->h.gas_used;
	for (int success = 0; success < 2; success++) {
		r.success = success;
		h256 root;
		if (block_receipts_root(&r, 1, &root) == DURE_OK &&
		    h256_eq(&root, &b->h.receipts_root))
			return true;
	}
	return false;
}

static bool bloom_empty(const uint8_t bloom[256])
{
	for (int i = 0; i < 256; i++)
		if (bloom[i])
			return false;
	return true;
}

/* Decodes hex rlp into *b; true if it decodes and re-encodes to the same
 * bytes. */
static bool decode_roundtrip(const char *hex, block *b, int *err)
{
	buf raw = BUF_INIT, enc = BUF_INIT;
	memset(b, 0, sizeof *b);
	*err = hex && hex_decode(hex, strlen(hex), &raw) == DURE_OK
	           ? block_decode(raw.data, raw.len, b)
	           : DURE_EHEX_DIGIT;
	bool ok = *err == DURE_OK && block_encode(b, &enc) == DURE_OK &&
	          enc.len == raw.len && memcmp(enc.data, raw.data, raw.len) == 0;
	buf_free(&raw);
	buf_free(&enc);
	return ok;
}

static void check_valid_block(const char *name, json_t *jb, fx_counts *n)
{
	json_t *jh = json_object_get(jb, "blockHeader");
	block b;
	int err;
	bool ok = decode_roundtrip(jstr(jb, "rlp"), &b, &err);
	if (ok) {
		h256 h, root;
		ok = header_hash(&b.h, &h) == DURE_OK &&
		     field_is(jh, "hash", h.b, 32) && header_matches(&b.h, jh) &&
		     b.ntxs == json_array_size(json_object_get(jb, "transactions")) &&
		     b.nommers == json_array_size(json_object_get(jb, "uncleHeaders")) &&
		     block_tx_root(b.txs, b.ntxs, &root) == DURE_OK &&
		     field_is(jh, "transactionsTrie", root.b, 32) &&
		     block_ommers_hash(b.ommers, b.nommers, &root) == DURE_OK &&
		     field_is(jh, "uncleHash", root.b, 32);
		if (ok && b.h.has_withdrawals_root)
			ok = withdrawals_match(&b, json_object_get(jb, "withdrawals")) &&
			     block_withdrawals_root(b.withdrawals, b.nwithdrawals,
			                            &root) == DURE_OK &&
			     field_is(jh, "withdrawalsRoot", root.b, 32);
		if (ok && b.ntxs == 1 && bloom_empty(b.h.bloom)) {
			ok = single_receipt_root_matches(&b);
			n->receipt_roots += ok;
		}
	}
	if (!ok)
		fprintf(stderr, "%s: valid block fails (decode %s)\n", name,
		        dure_strerror(err));
	CHECK(ok);
	n->valid += ok;
	block_free(&b);
}

/* The code a fixture's RLP exception names, where it names one precisely
 * (DURE_OK: any error). */
static int expected_rlp_error(const char *exc)
{
	if (strstr(exc, "RLP_INVALID_FIELD_OVERFLOW_64"))
		return DURE_ERLP_INT_SIZE;
	if (strstr(exc, "RLP_INVALID_ADDRESS"))
		return DURE_ERLP_SIZE;
	if (strstr(exc, "RLP_WITHDRAWALS_NOT_READ"))
		return DURE_EBLOCK_FORMAT;
	return DURE_OK;
}

static void check_case(const char *name, json_t *c, void *arg)
{
	fx_counts *n = arg;
	n->cases++;
	block g;
	int err;
	bool ok = decode_roundtrip(jstr(c, "genesisRLP"), &g, &err);
	h256 h;
	json_t *gh = json_object_get(c, "genesisBlockHeader");
	ok = ok && header_hash(&g.h, &h) == DURE_OK &&
	     field_is(gh, "hash", h.b, 32) && header_matches(&g.h, gh);
	if (!ok)
		fprintf(stderr, "%s: genesis fails (decode %s)\n", name,
		        dure_strerror(err));
	CHECK(ok);
	n->genesis += ok;
	block_free(&g);

	size_t i;
	json_t *jb;
	json_array_foreach(json_object_get(c, "blocks"), i, jb) {
		const char *exc = jstr(jb, "expectException");
		if (json_object_get(jb, "blockHeader")) {
			check_valid_block(name, jb, n);
		} else if (exc && strstr(exc, "RLP_")) {
			n->rlp_invalid++;
			block b;
			buf raw = BUF_INIT;
			const char *hex = jstr(jb, "rlp");
			CHECK(hex && hex_decode(hex, strlen(hex), &raw) == DURE_OK);
			err = block_decode(raw.data, raw.len, &b);
			if (err == DURE_OK) {
				fprintf(stderr, "%s: block %zu (%s) decodes\n", name, i, exc);
				block_free(&b);
			}
			int want = expected_rlp_error(exc);
			if (want != DURE_OK && err != want)
				fprintf(stderr, "%s: block %zu (%s) fails with %s\n", name,
				        i, exc, dure_strerror(err));
			CHECK(err != DURE_OK && (want == DURE_OK || err == want));
			n->rlp_rejected += err != DURE_OK;
			buf_free(&raw);
		}
	}
}

static void test_fixtures(void)
{
	char dir[4096];
	if (!fixture_dir("BlockchainTests", dir, sizeof dir))
		return;
	fx_counts n = {0};
	n.files = fixture_walk(dir, check_case, &n);
	printf("BlockchainTests: %u files, %u cases, %u genesis ok, %u valid "
	       "blocks ok (%u receipts roots), %u of %u RLP-invalid blocks "
	       "rejected\n", n.files, n.cases, n.genesis, n.valid,
	       n.receipt_roots, n.rlp_rejected, n.rlp_invalid);
	CHECK(n.files > 0 && n.cases > 0);
	CHECK_EQ_INT(n.genesis, n.cases);
	CHECK(n.valid > 0 && n.receipt_roots > 0 && n.rlp_invalid > 0);
	CHECK_EQ_INT(n.rlp_rejected, n.rlp_invalid);
}

TEST_MAIN(test_empty_values, test_mainnet_genesis, test_header_shapes,
          test_london_header, test_body_shapes, test_receipt_vectors,
          test_receipt_malformed, test_fixtures)
