/* eth/68 messages against encodings from outside this code: geth's
 * eth/protocols/eth/protocol_test.go (TestEth66Messages and
 * TestEth66EmptyMessages: GetBlockHeaders by hash and number, BlockHeaders,
 * GetBlockBodies, BlockBodies, GetReceipts, Receipts,
 * GetPooledTransactions, PooledTransactions, the empty forms), a
 * NewBlockHashes and a reverse GetBlockHeaders from akula's message tests,
 * and messages written out by hand from caps/eth.md (Status, NewBlock,
 * NewPooledTransactionHashes, typed receipts and transactions, bodies
 * with withdrawals). Each decodes to its values and encodes back to its
 * bytes; then the malformed forms of each are refused with the outputs
 * zeroed: wrong item counts, non-canonical integers, wrong sizes,
 * announcement lengths that differ, too many items, trailing bytes. */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/hex.h"
#include "chain/block.h"
#include "eth/proto.h"
#include "rlp/rlp.h"
#include "test.h"

/* Runs of zero bytes, in hex. */
#define Z4 "00000000"
#define Z8 Z4 Z4
#define Z20 Z8 Z8 Z4
#define Z32 Z8 Z8 Z8 Z8
#define Z256 Z32 Z32 Z32 Z32 Z32 Z32 Z32 Z32

#define H_DEADC0DE Z8 Z8 Z8 "00000000deadc0de"
#define H_FEEDBEEF Z8 Z8 Z8 "00000000feedbeef"

/* geth's test header: difficulty 2222, number 3333, gas limit 4444, gas
 * used 5555, time 6666, extra 0x7788, every hash zero. */
#define HEADER_HEX                                                            \
	"f901f9a0" Z32 "a0" Z32 "94" Z20 "a0" Z32 "a0" Z32 "a0" Z32 "b90100" Z256 \
	"8208ae820d0582115c8215b3821a0a827788a0" Z32 "88" Z8

/* geth's two legacy transactions (chain id 1). */
#define TX1_HEX                                                               \
	"f867088504a817c8088302e248943535353535353535353535353535353535353535"    \
	"8202008025a064b1702d9298fee62dfeccc57d322a463ad55ca201256d01f62b45b2e1"  \
	"c21c12a064b1702d9298fee62dfeccc57d322a463ad55ca201256d01f62b45b2e1c21c10"
#define TX2_HEX                                                               \
	"f867098504a817c809830334509435353535353535353535353535353535353535358202"\
	"d98025a052f8f61201b2b11a78d6e866abc9c3db2ae8631fa656bfe5cb53668255367af"  \
	"ba052f8f61201b2b11a78d6e866abc9c3db2ae8631fa656bfe5cb53668255367afb"

/* geth's receipt: failed, cumulative gas 1, a zero bloom, one log of
 * address 0x11 with topics 0xdead and 0xbeef and data 0x0100ff. */
#define RECEIPT_HEX                                                           \
	"f901668001b90100" Z256 "f85ff85d94" "00000000000000000000000000000000"  \
	"00000011" "f842a0" "000000000000000000000000000000000000000000000000000" \
	"000000000dead" "a0" "0000000000000000000000000000000000000000000000000" \
	"00000000000beef" "830100ff"

static buf hx(const char *s)
{
	buf b = BUF_INIT;
	if (hex_decode(s, strlen(s), &b) || !b.data)
		abort();
	return b;
}

static bool same(const buf *b, const char *hex)
{
	buf w = hx(hex);
	bool ok = !buf_failed(b) && b->len == w.len &&
	          memcmp(b->data, w.data, w.len) == 0;
	if (!ok) {
		char *got = hex_encode_0x(b->data, b->len);
		fprintf(stderr, "got  %s\nwant 0x%s\n", got ? got : "?", hex);
		free(got);
	}
	buf_free(&w);
	return ok;
}

static bool zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static h256 h256_of(const char *hex)
{
	h256 h;
	if (hex_decode_exact(hex, h.b, 32))
		abort();
	return h;
}

/* ---- Status ---- */

/* A mainnet node at genesis: version 68, network 1, td 2^34 (the genesis
 * difficulty), head and genesis the genesis hash, fork id (0xfc64ec04,
 * 1150000). 84 bytes of items: 44 01 850400000000 a0.. a0.. c9... */
#define GENESIS                                                               \
	"d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3"
#define STATUS_HEX                                                            \
	"f854" "44" "01" "850400000000" "a0" GENESIS "a0" GENESIS                 \
	"c984fc64ec0483118c30"

static void status(void)
{
	buf m = hx(STATUS_HEX);
	eth_status s;
	CHECK_EQ_INT(eth_status_decode(m.data, m.len, &s), DURE_OK);
	CHECK_EQ_INT(s.version, 68);
	CHECK_EQ_INT(s.network_id, 1);
	u256 td = u256_from_u64(1ull << 34);
	CHECK(u256_eq(&s.td, &td));
	h256 g = h256_of(GENESIS);
	CHECK(h256_eq(&s.head, &g) && h256_eq(&s.genesis, &g));
	static const uint8_t fh[4] = {0xfc, 0x64, 0xec, 0x04};
	CHECK_MEM(s.fork.hash, fh, 4);
	CHECK_EQ_INT(s.fork.next, 1150000);
	buf out = BUF_INIT;
	CHECK_EQ_INT(eth_status_encode(&s, &out), DURE_OK);
	CHECK(same(&out, STATUS_HEX));
	buf_free(&out);
	buf_free(&m);

	static const char *bad[] = {
		/* An extra element: geth's StatusPacket has no tail. */
		"f855" "44" "01" "850400000000" "a0" GENESIS "a0" GENESIS
		"c984fc64ec0483118c30" "80",
		/* No fork id (the eth/63 form). */
		"f84a" "44" "01" "850400000000" "a0" GENESIS "a0" GENESIS,
		/* Version with a leading zero byte. */
		"f856" "820044" "01" "850400000000" "a0" GENESIS "a0" GENESIS
		"c984fc64ec0483118c30",
		/* A 31-byte head. */
		"f853" "44" "01" "850400000000" "9f" "e56740f876aef8c010b86a40d5f5"
		"6745a118d0906a34e69aec8c0db1cb8fa3" "a0" GENESIS
		"c984fc64ec0483118c30",
		/* A fork id of three elements. */
		"f855" "44" "01" "850400000000" "a0" GENESIS "a0" GENESIS
		"ca84fc64ec0483118c3080",
		/* td of 101 bits (2^100). */
		"f85c" "44" "01" "8d10000000000000000000000000" "a0" GENESIS "a0"
		GENESIS "c984fc64ec0483118c30",
		/* Bytes after the list. */
		STATUS_HEX "00",
		/* Not a list. */
		"8444010203",
		"",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		buf b = BUF_INIT;
		CHECK_EQ_INT(hex_decode(bad[i], strlen(bad[i]), &b), 0);
		memset(&s, 0xaa, sizeof s);
		CHECK_EQ_INT(eth_status_decode(b.data, b.len, &s), DURE_EETH_MSG);
		CHECK(zero(&s, sizeof s));
		buf_free(&b);
	}
	/* 2^100 - 1 is the most geth takes. */
	buf ok = hx("f85c" "44" "01" "8d" "0fffffffffffffffffffffffff" "a0" GENESIS
	            "a0" GENESIS "c984fc64ec0483118c30");
	CHECK_EQ_INT(eth_status_decode(ok.data, ok.len, &s), DURE_OK);
	CHECK(s.td.w[1] == 0xfffffffffull && s.td.w[0] == UINT64_MAX);
	buf_free(&ok);
}

/* ---- NewBlockHashes ---- */

#define NBH_HEX                                                               \
	"e6e5a07100614faba6650b53fe0913ed7267bcc968eb362e3df908645a50aa526c72ba"  \
	"83a13ead"

static void new_block_hashes(void)
{
	buf m = hx(NBH_HEX);
	eth_block_ann a[2];
	size_t n = 9;
	CHECK_EQ_INT(eth_new_block_hashes_decode(m.data, m.len, a, 2, &n), 0);
	CHECK_EQ_INT(n, 1);
	h256 want = h256_of(
	    "7100614faba6650b53fe0913ed7267bcc968eb362e3df908645a50aa526c72ba");
	CHECK(h256_eq(&a[0].hash, &want));
	CHECK_EQ_INT(a[0].number, 10567341);
	buf out = BUF_INIT;
	CHECK_EQ_INT(eth_new_block_hashes_encode(a, 1, &out), DURE_OK);
	CHECK(same(&out, NBH_HEX));
	buf_free(&out);
	/* max 1 holds it; max 0 does not. */
	CHECK_EQ_INT(eth_new_block_hashes_decode(m.data, m.len, a, 1, &n), 0);
	memset(a, 0xaa, sizeof a);
	CHECK_EQ_INT(eth_new_block_hashes_decode(m.data, m.len, a, 0, &n),
	             DURE_EETH_TOO_MANY);
	CHECK_EQ_INT(n, 0);
	buf_free(&m);

	static const char *bad[] = {
		/* Three fields. */
		"e7e6a07100614faba6650b53fe0913ed7267bcc968eb362e3df908645a50aa526c7"
		"2ba83a13ead80",
		/* Number with a leading zero. */
		"e7e6a07100614faba6650b53fe0913ed7267bcc968eb362e3df908645a50aa526c7"
		"2ba8400a13ead",
		/* 31-byte hash. */
		"e5e49f00614faba6650b53fe0913ed7267bcc968eb362e3df908645a50aa526c72b"
		"a83a13ead",
		/* Entry not a list. */
		"c180",
		/* Number of 9 bytes. */
		"eceba07100614faba6650b53fe0913ed7267bcc968eb362e3df908645a50aa526c7"
		"2ba89010000000000000000",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		buf b = hx(bad[i]);
		memset(a, 0xaa, sizeof a);
		n = 9;
		CHECK_EQ_INT(eth_new_block_hashes_decode(b.data, b.len, a, 2, &n),
		             DURE_EETH_MSG);
		CHECK_EQ_INT(n, 0);
		buf_free(&b);
	}
	/* A good first entry is zeroed when a later one fails. */
	buf b = hx("f84c" "e5a07100614faba6650b53fe0913ed7267bcc968eb362e3df90864"
	           "5a50aa526c72ba83a13ead" "e5a0" H_DEADC0DE "8300a13e");
	memset(a, 0xaa, sizeof a);
	CHECK_EQ_INT(eth_new_block_hashes_decode(b.data, b.len, a, 2, &n),
	             DURE_EETH_MSG);
	CHECK(zero(&a[0], sizeof a[0]));
	buf_free(&b);
}

/* ---- transaction lists ---- */

static void transactions(void)
{
	/* PooledTransactions from geth: [1111, [tx1, tx2]]. */
	const char *pooled = "f8d7820457f8d2" TX1_HEX TX2_HEX;
	buf m = hx(pooled);
	uint64_t id = 0;
	const uint8_t *list;
	size_t ll;
	CHECK_EQ_INT(eth_request_split(m.data, m.len, &id, &list, &ll), 0);
	CHECK_EQ_INT(id, 1111);
	CHECK(list == m.data + 5 && ll == m.len - 5);
	eth_slice txs[3];
	size_t n = 0;
	CHECK_EQ_INT(eth_txs_decode(list, ll, txs, 3, &n), DURE_OK);
	CHECK_EQ_INT(n, 2);
	buf t1 = hx(TX1_HEX), t2 = hx(TX2_HEX);
	CHECK(txs[0].n == t1.len && !memcmp(txs[0].p, t1.data, t1.len));
	CHECK(txs[1].n == t2.len && !memcmp(txs[1].p, t2.data, t2.len));
	/* Built back with the response helpers. */
	buf out = BUF_INIT;
	size_t inner, outer = eth_response_begin(&out, 1111, &inner);
	eth_put_tx(&out, t1.data, t1.len);
	eth_put_tx(&out, t2.data, t2.len);
	eth_response_end(&out, outer, inner);
	CHECK(same(&out, pooled));
	buf_free(&out);
	/* The Transactions message is the inner list alone. */
	CHECK_EQ_INT(eth_txs_decode(list, ll, txs, 2, &n), DURE_OK);
	memset(txs, 0xaa, sizeof txs);
	CHECK_EQ_INT(eth_txs_decode(list, ll, txs, 1, &n), DURE_EETH_TOO_MANY);
	CHECK_EQ_INT(n, 0);
	CHECK(zero(txs, sizeof txs[0]));
	buf_free(&t1);
	buf_free(&t2);
	buf_free(&m);

	/* Typed transactions travel as strings: 0x02 || c0 -> 8202c0; a
	 * one-byte type alone is its own encoding. */
	static const uint8_t typed[] = {0x02, 0xc0};
	static const uint8_t bare[] = {0x01};
	out = (buf)BUF_INIT;
	size_t mk = rlp_list_begin(&out);
	eth_put_tx(&out, typed, sizeof typed);
	eth_put_tx(&out, bare, sizeof bare);
	rlp_list_end(&out, mk);
	CHECK(same(&out, "c48202c001"));
	CHECK_EQ_INT(eth_txs_decode(out.data, out.len, txs, 3, &n), DURE_OK);
	CHECK_EQ_INT(n, 2);
	CHECK(txs[0].n == 2 && !memcmp(txs[0].p, typed, 2));
	CHECK(txs[1].n == 1 && txs[1].p[0] == 0x01);
	buf_free(&out);
	buf e = hx("c0");
	CHECK_EQ_INT(eth_txs_decode(e.data, e.len, txs, 0, &n), DURE_OK);
	CHECK_EQ_INT(n, 0);
	buf_free(&e);

	static const char *bad[] = {
		"c382c0c0",     /* a string holding a list (a wrapped legacy tx) */
		"c180",         /* an empty string */
		"c28180",       /* a string whose first byte is 0x80 */
		"80",           /* not a list */
		"c0c0",         /* trailing bytes */
		"c3c0c1",       /* truncated item */
		"c4820102",     /* list longer than the input */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		buf b = hx(bad[i]);
		memset(txs, 0xaa, sizeof txs);
		n = 9;
		CHECK_EQ_INT(eth_txs_decode(b.data, b.len, txs, 3, &n),
		             DURE_EETH_MSG);
		CHECK_EQ_INT(n, 0);
		buf_free(&b);
	}
	/* eth_request_split needs [id, list]. */
	static const char *bad_split[] = {
		"c5820457c180" "00",  /* trailing bytes */
		"c4820457" "80",      /* a string for the list */
		"c3820457",           /* no list */
		"c5820457c0c0",       /* three elements */
		"c583000457c0",       /* req id with a leading zero */
	};
	for (size_t i = 0; i < sizeof bad_split / sizeof bad_split[0]; i++) {
		buf b = hx(bad_split[i]);
		id = 7;
		CHECK_EQ_INT(eth_request_split(b.data, b.len, &id, &list, &ll),
		             DURE_EETH_MSG);
		CHECK(id == 0 && list == NULL && ll == 0);
		buf_free(&b);
	}
}

/* ---- GetBlockHeaders ---- */

static void get_headers(void)
{
	static const struct {
		const char *hex;
		bool by_hash;
		uint64_t number, amount, skip;
		bool reverse;
	} v[] = {
		{"e8820457e4a0" H_DEADC0DE "050580", true, 0, 5, 5, false},
		{"ca820457c682270f050580", false, 9999, 5, 5, false},
		{"e8820457e4a0" H_DEADC0DE "050601", true, 0, 5, 6, true},
	};
	h256 dc = h256_of(H_DEADC0DE);
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		buf m = hx(v[i].hex);
		eth_get_headers q;
		CHECK_EQ_INT(eth_get_headers_decode(m.data, m.len, &q), DURE_OK);
		CHECK_EQ_INT(q.req_id, 1111);
		CHECK(q.by_hash == v[i].by_hash);
		CHECK(!q.by_hash || h256_eq(&q.hash, &dc));
		CHECK_EQ_INT(q.number, v[i].number);
		CHECK_EQ_INT(q.amount, v[i].amount);
		CHECK_EQ_INT(q.skip, v[i].skip);
		CHECK(q.reverse == v[i].reverse);
		buf out = BUF_INIT;
		CHECK_EQ_INT(eth_get_headers_encode(&q, &out), DURE_OK);
		CHECK(same(&out, v[i].hex));
		buf_free(&out);
		buf_free(&m);
	}
	static const char *bad[] = {
		"c4820457c0",                          /* no query */
		"d1820457cd89010000000000000000050580",/* 9-byte origin */
		"e7820457e39f" "000000000000000000000000000000000000000000000000"
		"000000deadc0de050580",                /* 31-byte origin */
		"ca820457c682270f050502",              /* reverse 2 */
		"ca820457c682270f050500",              /* reverse 0x00 */
		"cb820457c782270f05058080",            /* five fields */
		"c9820457c582270f0505",                /* three fields */
		"cb820457c7c382270f050580",            /* origin a list */
		"cb820457c78300270f050580",            /* origin, leading zero */
		"cc820457c882270f8200050580",          /* amount, leading zero */
		"cb83000457c682270f050580",            /* req id, leading zero */
		"ca820457c682270f050580" "80",         /* trailing bytes */
		"c5820457c3820457",                    /* query too short */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		buf b = hx(bad[i]);
		eth_get_headers q;
		memset(&q, 0xaa, sizeof q);
		CHECK_EQ_INT(eth_get_headers_decode(b.data, b.len, &q),
		             DURE_EETH_MSG);
		CHECK(zero(&q, sizeof q));
		buf_free(&b);
	}
}

/* ---- hash requests ---- */

#define HASHES_HEX "f847820457f842a0" H_DEADC0DE "a0" H_FEEDBEEF

static void hash_requests(void)
{
	buf m = hx(HASHES_HEX);
	h256 h[3];
	uint64_t id;
	size_t n;
	CHECK_EQ_INT(eth_hashes_req_decode(m.data, m.len, &id, h, 3, &n), 0);
	CHECK_EQ_INT(id, 1111);
	CHECK_EQ_INT(n, 2);
	h256 dc = h256_of(H_DEADC0DE), fb = h256_of(H_FEEDBEEF);
	CHECK(h256_eq(&h[0], &dc) && h256_eq(&h[1], &fb));
	buf out = BUF_INIT;
	CHECK_EQ_INT(eth_hashes_req_encode(1111, h, 2, &out), DURE_OK);
	CHECK(same(&out, HASHES_HEX));
	buf_free(&out);
	/* A prefix of a long request is read. */
	memset(h, 0, sizeof h);
	CHECK_EQ_INT(eth_hashes_req_decode(m.data, m.len, &id, h, 1, &n), 0);
	CHECK_EQ_INT(n, 1);
	CHECK(h256_eq(&h[0], &dc));
	CHECK_EQ_INT(eth_hashes_req_decode(m.data, m.len, &id, h, 0, &n), 0);
	CHECK_EQ_INT(n, 0);
	buf_free(&m);
	/* The empty form of every request and response (geth). */
	buf e = hx("c4820457c0");
	CHECK_EQ_INT(eth_hashes_req_decode(e.data, e.len, &id, h, 3, &n), 0);
	CHECK(id == 1111 && n == 0);
	out = (buf)BUF_INIT;
	CHECK_EQ_INT(eth_hashes_req_encode(1111, NULL, 0, &out), DURE_OK);
	CHECK(same(&out, "c4820457c0"));
	buf_free(&out);
	buf_free(&e);

	static const char *bad[] = {
		/* A 31-byte hash past the prefix that is read. */
		"f846820457f841a0" H_DEADC0DE
		"9f00000000000000000000000000000000000000000000000000000000feedbeef",
		/* A hash that is a list. */
		"e6820457e2e1a0" H_DEADC0DE,
		/* No list. */
		"c3820457",
		/* Extra element. */
		"c5820457c080",
		/* req id above 64 bits. */
		"cb89010000000000000000c0",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		buf b = hx(bad[i]);
		memset(h, 0xaa, sizeof h);
		n = 9;
		id = 9;
		CHECK_EQ_INT(eth_hashes_req_decode(b.data, b.len, &id, h, 1, &n),
		             DURE_EETH_MSG);
		CHECK(n == 0 && id == 0);
		/* The hash read before the failure is not left behind. */
		CHECK(i != 0 || zero(h, sizeof h[0]));
		buf_free(&b);
	}
}

/* ---- BlockHeaders, BlockBodies, Receipts ---- */

static header geth_header(void)
{
	header h;
	memset(&h, 0, sizeof h);
	h.difficulty = u256_from_u64(2222);
	h.number = 3333;
	h.gas_limit = 4444;
	h.gas_used = 5555;
	h.timestamp = 6666;
	h.extra[0] = 0x77;
	h.extra[1] = 0x88;
	h.extra_len = 2;
	return h;
}

static void block_headers(void)
{
	const char *msg = "f90202820457f901fc" HEADER_HEX;
	buf m = hx(msg);
	uint64_t id;
	eth_slice items[2];
	size_t n;
	CHECK_EQ_INT(eth_response_decode(m.data, m.len, &id, items, 2, &n), 0);
	CHECK(id == 1111 && n == 1);
	header h, want = geth_header();
	CHECK_EQ_INT(header_decode(items[0].p, items[0].n, &h), DURE_OK);
	CHECK(memcmp(&h, &want, sizeof h) == 0);
	buf out = BUF_INIT;
	size_t inner, outer = eth_response_begin(&out, 1111, &inner);
	CHECK_EQ_INT(header_encode(&want, &out), DURE_OK);
	eth_response_end(&out, outer, inner);
	CHECK(same(&out, msg));
	buf_free(&out);
	memset(items, 0xaa, sizeof items);
	CHECK_EQ_INT(eth_response_decode(m.data, m.len, &id, items, 0, &n),
	             DURE_EETH_TOO_MANY);
	CHECK(n == 0 && id == 0);
	buf_free(&m);

	buf e = hx("c4820457c0");
	CHECK_EQ_INT(eth_response_decode(e.data, e.len, &id, items, 2, &n), 0);
	CHECK(id == 1111 && n == 0);
	out = (buf)BUF_INIT;
	outer = eth_response_begin(&out, 1111, &inner);
	eth_response_end(&out, outer, inner);
	CHECK(same(&out, "c4820457c0"));
	buf_free(&out);
	buf_free(&e);

	static const char *bad[] = {
		"c5820457c180",     /* an item that is not a list */
		"c4820457c0" "00",  /* trailing bytes */
		"c5820457c0c0",     /* three elements */
		"c3820457",         /* no list */
		"c4820457" "80",    /* a string for the list */
		"c6820457c2c2c0",   /* an item running past the list */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		buf b = hx(bad[i]);
		memset(items, 0xaa, sizeof items);
		n = 9;
		id = 9;
		CHECK_EQ_INT(eth_response_decode(b.data, b.len, &id, items, 2, &n),
		             DURE_EETH_MSG);
		CHECK(n == 0 && id == 0);
		buf_free(&b);
	}
}

#define EMPTY_TRIE                                                            \
	"56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421"
#define EMPTY_OMMERS                                                          \
	"1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347"

static void block_bodies(void)
{
	const char *body = "f902d3f8d2" TX1_HEX TX2_HEX "f901fc" HEADER_HEX;
	const char *msg = "f902dc820457f902d6" "f902d3f8d2" TX1_HEX TX2_HEX
	                  "f901fc" HEADER_HEX;
	buf m = hx(msg);
	uint64_t id;
	eth_slice items[1];
	size_t n;
	CHECK_EQ_INT(eth_response_decode(m.data, m.len, &id, items, 1, &n), 0);
	CHECK(id == 1111 && n == 1);
	header h = geth_header();
	block b;
	CHECK_EQ_INT(eth_body_decode(items[0].p, items[0].n, &h, &b), DURE_OK);
	CHECK_EQ_INT(b.ntxs, 2);
	CHECK_EQ_INT(b.nommers, 1);
	CHECK(!b.has_withdrawals);
	CHECK(b.ntxs == 2 && b.txs[0].nonce == 8 && b.txs[1].nonce == 9);
	CHECK(b.nommers == 1 && b.ommers[0].number == 3333);
	CHECK(memcmp(&b.h, &h, sizeof h) == 0);
	/* The header names no such roots. */
	CHECK_EQ_INT(eth_body_check(&b), DURE_EBLOCK_TX_ROOT);
	buf out = BUF_INIT;
	CHECK_EQ_INT(eth_body_encode(&b, &out), DURE_OK);
	CHECK(same(&out, body));
	buf_free(&out);
	out = (buf)BUF_INIT;
	size_t inner, outer = eth_response_begin(&out, 1111, &inner);
	CHECK_EQ_INT(eth_body_encode(&b, &out), DURE_OK);
	eth_response_end(&out, outer, inner);
	CHECK(same(&out, msg));
	buf_free(&out);
	block_free(&b);
	buf_free(&m);

	/* An empty body against the empty roots; then each root broken. */
	h.tx_root = h256_of(EMPTY_TRIE);
	h.ommers_hash = h256_of(EMPTY_OMMERS);
	buf e = hx("c2c0c0");
	CHECK_EQ_INT(eth_body_decode(e.data, e.len, &h, &b), DURE_OK);
	CHECK_EQ_INT(eth_body_check(&b), DURE_OK);
	b.h.ommers_hash.b[0] ^= 1;
	CHECK_EQ_INT(eth_body_check(&b), DURE_EBLOCK_OMMERS_HASH);
	b.h.ommers_hash.b[0] ^= 1;
	b.h.tx_root.b[31] ^= 1;
	CHECK_EQ_INT(eth_body_check(&b), DURE_EBLOCK_TX_ROOT);
	block_free(&b);

	/* Shanghai: the withdrawals list comes with a withdrawals root. */
	header hs = h;
	hs.has_base_fee = true;
	hs.base_fee = u256_from_u64(7);
	hs.has_withdrawals_root = true;
	hs.withdrawals_root = h256_of(EMPTY_TRIE);
	buf ew = hx("c3c0c0c0");
	CHECK_EQ_INT(eth_body_decode(ew.data, ew.len, &hs, &b), DURE_OK);
	CHECK(b.has_withdrawals && b.nwithdrawals == 0);
	CHECK_EQ_INT(eth_body_check(&b), DURE_OK);
	b.h.withdrawals_root.b[0] ^= 1;
	CHECK_EQ_INT(eth_body_check(&b), DURE_EBLOCK_WITHDRAWALS_ROOT);
	b.h.withdrawals_root.b[0] ^= 1;
	b.h.has_withdrawals_root = false;
	CHECK_EQ_INT(eth_body_check(&b), DURE_EBLOCK_WITHDRAWALS_ROOT);
	b.h.has_withdrawals_root = true;
	out = (buf)BUF_INIT;
	CHECK_EQ_INT(eth_body_encode(&b, &out), DURE_OK);
	CHECK(same(&out, "c3c0c0c0"));
	buf_free(&out);
	block_free(&b);
	/* One withdrawal: index 1, validator 2, address 0x11..., 3 gwei. */
	const char *w1 = "dcc0c0d9d8010294" "1111111111111111111111111111111111111111"
	                 "03";
	buf bw = hx(w1);
	CHECK_EQ_INT(eth_body_decode(bw.data, bw.len, &hs, &b), DURE_OK);
	CHECK(b.nwithdrawals == 1 && b.withdrawals[0].index == 1 &&
	      b.withdrawals[0].validator == 2 &&
	      b.withdrawals[0].amount_gwei == 3 &&
	      b.withdrawals[0].addr.b[19] == 0x11);
	CHECK_EQ_INT(eth_body_check(&b), DURE_EBLOCK_WITHDRAWALS_ROOT);
	out = (buf)BUF_INIT;
	CHECK_EQ_INT(eth_body_encode(&b, &out), DURE_OK);
	CHECK(same(&out, w1));
	buf_free(&out);
	block_free(&b);

	/* Malformed bodies, for the pre-Shanghai header h. */
	static const char *bad[] = {
		"c1c0",         /* one item */
		"c4c0c0c0c0",   /* four items */
		"c3c0c0c0",     /* withdrawals without a root in h */
		"80",           /* not a list */
		"c2c0c0" "00",  /* trailing bytes */
		"c3c0c180",     /* an ommer that is no header */
		"c3c1c0c0",     /* a transaction that is an empty list */
		"c4c28180c0",   /* a string transaction without a type */
		"c3c0c0",       /* list shorter than its items */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		buf x = hx(bad[i]);
		memset(&b, 0xaa, sizeof b);
		CHECK_EQ_INT(eth_body_decode(x.data, x.len, &h, &b), DURE_EETH_MSG);
		CHECK(zero(&b, sizeof b));
		buf_free(&x);
	}
	/* Withdrawals missing for a Shanghai header. */
	memset(&b, 0xaa, sizeof b);
	CHECK_EQ_INT(eth_body_decode(e.data, e.len, &hs, &b), DURE_EETH_MSG);
	CHECK(zero(&b, sizeof b));
	/* A header that does not encode is the caller's error. */
	header broken = h;
	broken.has_blob_gas = true;
	CHECK_EQ_INT(eth_body_decode(e.data, e.len, &broken, &b),
	             DURE_EBLOCK_FORMAT);
	buf_free(&e);
	buf_free(&ew);
	buf_free(&bw);
}

/* Hex of n zero bytes, malloc'd. */
static char *zeros(size_t n)
{
	char *s = malloc(2 * n + 1);
	if (!s)
		abort();
	memset(s, '0', 2 * n);
	s[2 * n] = 0;
	return s;
}

static void receipts(void)
{
	const char *msg = "f90172820457f9016cf90169" RECEIPT_HEX;
	buf m = hx(msg);
	uint64_t id;
	eth_slice items[1];
	size_t n;
	CHECK_EQ_INT(eth_response_decode(m.data, m.len, &id, items, 1, &n), 0);
	CHECK(id == 1111 && n == 1);
	receipt r[2];
	CHECK_EQ_INT(eth_receipts_decode(items[0].p, items[0].n, r, 2, &n), 0);
	CHECK_EQ_INT(n, 1);
	CHECK(r[0].type == 0 && !r[0].success && !r[0].has_post_state);
	CHECK_EQ_INT(r[0].cumulative_gas, 1);
	CHECK(zero(r[0].bloom, 256));
	CHECK_EQ_INT(r[0].nlogs, 1);
	CHECK(r[0].logs[0].addr.b[19] == 0x11 && r[0].logs[0].ntopics == 2);
	CHECK(r[0].logs[0].topics[0].b[30] == 0xde &&
	      r[0].logs[0].topics[1].b[31] == 0xef);
	CHECK(r[0].logs[0].data_size == 3 && r[0].logs[0].data[2] == 0xff);
	buf out = BUF_INIT;
	size_t inner, outer = eth_response_begin(&out, 1111, &inner);
	CHECK_EQ_INT(eth_receipts_put(&out, r, 1), DURE_OK);
	eth_response_end(&out, outer, inner);
	CHECK(same(&out, msg));
	buf_free(&out);
	receipt_free(&r[0]);
	CHECK_EQ_INT(eth_receipts_decode(items[0].p, items[0].n, r, 0, &n),
	             DURE_EETH_TOO_MANY);
	CHECK_EQ_INT(n, 0);
	buf_free(&m);

	/* A typed (EIP-1559) receipt: success, cumulative gas 21000, zero
	 * bloom, no logs: 02 || f90108 01 825208 b90100.. c0, as a string
	 * b9010c inside the block's list f9010f; then the legacy one. */
	char *z = zeros(256);
	char typed_list[2048];
	snprintf(typed_list, sizeof typed_list,
	         "f90278" "b9010c" "02f90108" "01" "825208" "b90100%s" "c0" "%s",
	         z, RECEIPT_HEX);
	buf tl = hx(typed_list);
	CHECK_EQ_INT(eth_receipts_decode(tl.data, tl.len, r, 2, &n), DURE_OK);
	CHECK_EQ_INT(n, 2);
	CHECK(r[0].type == 2 && r[0].success && r[0].cumulative_gas == 21000 &&
	      r[0].nlogs == 0);
	CHECK(r[1].type == 0 && r[1].nlogs == 1);
	out = (buf)BUF_INIT;
	CHECK_EQ_INT(eth_receipts_put(&out, r, 2), DURE_OK);
	CHECK(same(&out, typed_list));
	buf_free(&out);
	receipt_free(&r[0]);
	receipt_free(&r[1]);
	buf_free(&tl);

	/* The legacy receipt wrapped in a string is neither form. */
	char wrapped[2048];
	snprintf(wrapped, sizeof wrapped, "f9016c" "b90169" RECEIPT_HEX);
	/* A typed receipt of an unknown type (0x7f). */
	char unknown[2048];
	snprintf(unknown, sizeof unknown,
	         "f9010f" "b9010c" "7ff90108" "01" "825208" "b90100%s" "c0", z);
	/* A typed receipt with a bad status (2). */
	char status2[2048];
	snprintf(status2, sizeof status2,
	         "f9010f" "b9010c" "02f90108" "02" "825208" "b90100%s" "c0", z);
	/* A good typed receipt, then an empty string: the first is freed. */
	char then_bad[2048];
	snprintf(then_bad, sizeof then_bad,
	         "f90110" "b9010c" "02f90108" "01" "825208" "b90100%s" "c0" "80",
	         z);
	free(z);
	const char *bad[] = {wrapped, unknown, status2, then_bad, "c180", "80",
	                     "c0c0", "c3c28001"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		buf x = hx(bad[i]);
		memset(r, 0, sizeof r);
		n = 9;
		CHECK_EQ_INT(eth_receipts_decode(x.data, x.len, r, 2, &n),
		             DURE_EETH_MSG);
		CHECK_EQ_INT(n, 0);
		CHECK(zero(r, sizeof r));
		buf_free(&x);
	}
}

/* ---- NewBlock ---- */

static void new_block(void)
{
	/* [[header, [], []], 2222]: block f901fe, td 8208ae. */
	const char *msg = "f90204" "f901fe" HEADER_HEX "c0c0" "8208ae";
	buf m = hx(msg);
	block b;
	u256 td;
	CHECK_EQ_INT(eth_new_block_decode(m.data, m.len, &b, &td), DURE_OK);
	header want = geth_header();
	CHECK(memcmp(&b.h, &want, sizeof want) == 0);
	CHECK(b.ntxs == 0 && b.nommers == 0 && !b.has_withdrawals);
	u256 t2222 = u256_from_u64(2222);
	CHECK(u256_eq(&td, &t2222));
	buf out = BUF_INIT;
	CHECK_EQ_INT(eth_new_block_encode(&b, &td, &out), DURE_OK);
	CHECK(same(&out, msg));
	buf_free(&out);
	block_free(&b);
	buf_free(&m);

	/* A block that does not encode leaves the buf as it was. */
	block w;
	memset(&w, 0, sizeof w);
	w.h = want;
	w.has_withdrawals = true;
	out = (buf)BUF_INIT;
	CHECK_EQ_INT(eth_new_block_encode(&w, &td, &out), DURE_EBLOCK_FORMAT);
	CHECK_EQ_INT(out.len, 0);
	buf_free(&out);

	static const char *bad[] = {
		/* An extra element. */
		"f90205" "f901fe" HEADER_HEX "c0c0" "8208ae" "80",
		/* No td. */
		"f90201" "f901fe" HEADER_HEX "c0c0",
		/* td of 101 bits. */
		"f9020f" "f901fe" HEADER_HEX "c0c0" "8d10000000000000000000000000",
		/* td with a leading zero. */
		"f90205" "f901fe" HEADER_HEX "c0c0" "830008ae",
		/* A block of two items. */
		"f90203" "f901fd" HEADER_HEX "c0" "8208ae",
		/* A block with withdrawals for a header without a root. */
		"f90205" "f901ff" HEADER_HEX "c0c0c0" "8208ae",
		/* td a list. */
		"f90202" "f901fe" HEADER_HEX "c0c0" "c0",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		buf x = hx(bad[i]);
		memset(&b, 0xaa, sizeof b);
		memset(&td, 0xaa, sizeof td);
		CHECK_EQ_INT(eth_new_block_decode(x.data, x.len, &b, &td),
		             DURE_EETH_MSG);
		CHECK(zero(&b, sizeof b) && zero(&td, sizeof td));
		buf_free(&x);
	}
}

/* ---- NewPooledTransactionHashes ---- */

/* types 01 02, sizes 100 and 300, hashes deadc0de and feedbeef. */
#define ANNS_HEX                                                              \
	"f84c" "820102" "c46482012c" "f842a0" H_DEADC0DE "a0" H_FEEDBEEF

static void tx_anns(void)
{
	buf m = hx(ANNS_HEX);
	eth_tx_ann a[3];
	size_t n;
	CHECK_EQ_INT(eth_tx_anns_decode(m.data, m.len, a, 3, &n), DURE_OK);
	CHECK_EQ_INT(n, 2);
	h256 dc = h256_of(H_DEADC0DE), fb = h256_of(H_FEEDBEEF);
	CHECK(a[0].type == 1 && a[0].size == 100 && h256_eq(&a[0].hash, &dc));
	CHECK(a[1].type == 2 && a[1].size == 300 && h256_eq(&a[1].hash, &fb));
	buf out = BUF_INIT;
	CHECK_EQ_INT(eth_tx_anns_encode(a, 2, &out), DURE_OK);
	CHECK(same(&out, ANNS_HEX));
	buf_free(&out);
	memset(a, 0xaa, sizeof a);
	CHECK_EQ_INT(eth_tx_anns_decode(m.data, m.len, a, 1, &n),
	             DURE_EETH_TOO_MANY);
	CHECK_EQ_INT(n, 0);
	buf_free(&m);

	/* One announcement: a one-byte types string is the byte itself; the
	 * largest size geth's uint32 holds. */
	const char *one = "e9" "02" "c584ffffffff" "e1a0" H_DEADC0DE;
	buf o = hx(one);
	CHECK_EQ_INT(eth_tx_anns_decode(o.data, o.len, a, 3, &n), DURE_OK);
	CHECK(n == 1 && a[0].type == 2 && a[0].size == UINT32_MAX);
	out = (buf)BUF_INIT;
	CHECK_EQ_INT(eth_tx_anns_encode(a, 1, &out), DURE_OK);
	CHECK(same(&out, one));
	buf_free(&out);
	buf_free(&o);
	/* None. */
	out = (buf)BUF_INIT;
	CHECK_EQ_INT(eth_tx_anns_encode(NULL, 0, &out), DURE_OK);
	CHECK(same(&out, "c380c0c0"));
	CHECK_EQ_INT(eth_tx_anns_decode(out.data, out.len, a, 0, &n), DURE_OK);
	CHECK_EQ_INT(n, 0);
	buf_free(&out);

	static const char *bad[] = {
		/* Two types, one size. */
		"f849" "820102" "c164" "f842a0" H_DEADC0DE "a0" H_FEEDBEEF,
		/* Two types and sizes, one hash. */
		"ea" "820102" "c46482012c" "e1a0" H_DEADC0DE,
		/* One type, two sizes and hashes. */
		"f84a" "01" "c46482012c" "f842a0" H_DEADC0DE "a0" H_FEEDBEEF,
		/* A size above 32 bits. */
		"ea" "02" "c6850100000000" "e1a0" H_DEADC0DE,
		/* A size with a leading zero. */
		"e8" "02" "c4830000ff" "e1a0" H_DEADC0DE,
		/* A 31-byte hash. */
		"e4" "02" "c164" "e09f" "000000000000000000000000000000000000000000"
		"000000000000deadc0de",
		/* The eth/66 form: a bare list of hashes. */
		"e1a0" H_DEADC0DE,
		/* Types as a list. */
		"e6" "c102" "c164" "e1a0" H_DEADC0DE,
		/* A fourth element (eth/70's custody bitmap). */
		"e6" "02" "c164" "e1a0" H_DEADC0DE "80",
		/* Trailing bytes. */
		"e5" "02" "c164" "e1a0" H_DEADC0DE "00",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		buf x = hx(bad[i]);
		memset(a, 0xaa, sizeof a);
		n = 9;
		int err = eth_tx_anns_decode(x.data, x.len, a, 3, &n);
		if (err != DURE_EETH_MSG)
			fprintf(stderr, "tx_anns bad %zu: %d\n", i, err);
		CHECK_EQ_INT(err, DURE_EETH_MSG);
		CHECK_EQ_INT(n, 0);
		buf_free(&x);
	}
	/* Too many of differing lengths is malformed first. */
	buf x = hx("f849" "820102" "c164" "f842a0" H_DEADC0DE "a0" H_FEEDBEEF);
	CHECK_EQ_INT(eth_tx_anns_decode(x.data, x.len, a, 0, &n), DURE_EETH_MSG);
	buf_free(&x);
}

TEST_MAIN(status, new_block_hashes, transactions, get_headers, hash_requests,
          block_headers, block_bodies, receipts, new_block, tx_anns)
