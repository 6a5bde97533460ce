/* bft/1 messages: Status, Vote and Commit against encodings written out
 * by hand from the layouts of consensus/bft/wire.c and consensus/bft/vote.h,
 * decoded to their values and encoded back to their bytes; a Proposal of
 * a real block whose header is assembled here field by field and whose
 * hash is keccak256 of those bytes, signed with Hardhat's first key and
 * recovering its published address, the message's bytes laid out here
 * too; a block that does not encode, which leaves the buf as it was; then
 * the refusals, with the outputs zeroed: a block that is not the one
 * proposed (hash or number), trailing bytes, wrong item counts, a Status
 * step or round out of range, a Vote of a proposal's step, a Commit of
 * height 0, a 31-byte hash or a malformed commit, and a message one byte
 * over BFT_WIRE_MSG_MAX (while one of exactly that size decodes). */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/hex.h"
#include "chain/block.h"
#include "consensus/bft/vote.h"
#include "crypto/keccak.h"
#include "consensus/bft/wire.h"
#include "rlp/rlp.h"
#include "test.h"

#define CHAIN 1337

/* Hardhat's account #0. */
#define KEY_HEX                                                               \
	"ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
#define ADDR_HEX "f39fd6e51aad88f6f4ce6ab8827279cfffb92266"

/* A block hash: bytes 0x00..0x1f, and its first 31 bytes. */
#define H31_HEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e"
#define HASH_HEX H31_HEX "1f"
/* Wire signatures r || s || recid (not checked by the decoders). */
#define SIG_HEX                                                               \
	"1111111111111111111111111111111111111111111111111111111111111111"    \
	"2222222222222222222222222222222222222222222222222222222222222222" "01"
#define SIGA_HEX                                                              \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"    \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" "00"
#define SIGB_HEX                                                              \
	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"    \
	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" "01"

#define EMPTY_OMMERS_HEX                                                      \
	"1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347"
#define EMPTY_ROOT_HEX                                                        \
	"56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421"

static buf hx(const char *s)
{
	buf b = BUF_INIT;
	if (hex_decode(s, strlen(s), &b) || !b.data)
		abort();
	return b;
}

static void hx_exact(const char *s, uint8_t *out, size_t n)
{
	if (hex_decode_exact(s, out, n))
		abort();
}

static bool same(const buf *b, const uint8_t *want, size_t n)
{
	bool ok = !buf_failed(b) && b->len == n &&
	          memcmp(b->data, want, n) == 0;
	if (!ok) {
		char *got = hex_encode_0x(b->data, b->len);
		char *exp = hex_encode_0x(want, n);
		fprintf(stderr, "got  %s\nwant %s\n", got ? got : "?",
		        exp ? exp : "?");
		free(got);
		free(exp);
	}
	return ok;
}

static bool same_hex(const buf *b, const char *hex)
{
	buf w = hx(hex);
	bool ok = same(b, w.data, w.len);
	buf_free(&w);
	return ok;
}

static bool zero(const void *p, size_t n)
{
	const uint8_t *q = p;
	for (size_t i = 0; i < n; i++)
		if (q[i])
			return false;
	return true;
}

/* ---- Status ---- */

static int status_hex(const char *hex, bft_wire_status *s)
{
	buf b = hx(hex);
	int err = bft_wire_status_decode(b.data, b.len, s);
	buf_free(&b);
	return err;
}

static void test_status(void)
{
	static const struct {
		const char *hex;
		uint64_t height;
		uint32_t round;
		uint8_t step;
	} ok[] = {
		{"c3050102", 5, 1, 2},
		{"c3808080", 0, 0, 0},
		/* 256, the last round 2^20 - 1, a prevote. */
		{"c8820100830fffff01", 256, 0xfffff, 1},
		{"cb88ffffffffffffffff8080", UINT64_MAX, 0, 0},
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		bft_wire_status s;
		CHECK_EQ_INT(status_hex(ok[i].hex, &s), DURE_OK);
		CHECK(s.height == ok[i].height);
		CHECK_EQ_INT(s.round, ok[i].round);
		CHECK_EQ_INT(s.step, ok[i].step);
		buf e = BUF_INIT;
		CHECK_EQ_INT(bft_wire_status_encode(&s, &e), DURE_OK);
		CHECK(same_hex(&e, ok[i].hex));
		buf_free(&e);
	}

	static const char *const bad[] = {
		"c3050103",             /* step 3 */
		"c60583100000" "02",    /* round 2^20 */
		"c4050102" "00",        /* an item too many */
		"c20501",               /* an item short */
		"c3050102" "00",        /* a byte after the list */
		"c405018102",           /* step 2 as a non-canonical 0x8102 */
		"c50582000102",         /* round with a leading zero byte */
		"c3050102c0",           /* a list after the list */
		"83050102",             /* a string, not a list */
		"c3c00102",             /* height a list */
		"",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		bft_wire_status s;
		memset(&s, 0xaa, sizeof s);
		buf b = hx(bad[i][0] ? bad[i] : "00");
		size_t n = bad[i][0] ? b.len : 0;
		CHECK_EQ_INT(bft_wire_status_decode(b.data, n, &s),
		             DURE_EBFT_MSG);
		CHECK(zero(&s, sizeof s));
		buf_free(&b);
	}
}

/* ---- Vote ---- */

/* A precommit for HASH at height 7, round 3: payload 02 07 03, the hash
 * (1 + 32) and the signature (2 + 65), 103 = 0x67 bytes. */
#define PRECOMMIT_HEX "f867020703a0" HASH_HEX "b841" SIG_HEX
/* A prevote for nil at height 7, round 0: 4 + 67 = 71 = 0x47 bytes. */
#define NIL_PREVOTE_HEX "f84701078080b841" SIG_HEX

static void test_vote(void)
{
	h256 hash;
	hx_exact(HASH_HEX, hash.b, 32);
	uint8_t sig[BFT_SIG_LEN];
	hx_exact(SIG_HEX, sig, sizeof sig);

	buf b = hx(PRECOMMIT_HEX);
	bft_vote v;
	CHECK_EQ_INT(bft_wire_vote_decode(b.data, b.len, &v), DURE_OK);
	CHECK_EQ_INT(v.step, BFT_STEP_PRECOMMIT);
	CHECK_EQ_INT(v.height, 7);
	CHECK_EQ_INT(v.round, 3);
	CHECK(!v.nil);
	CHECK(h256_eq(&v.hash, &hash));
	CHECK_MEM(v.sig, sig, BFT_SIG_LEN);
	buf e = BUF_INIT;
	CHECK_EQ_INT(bft_wire_vote_encode(&v, &e), DURE_OK);
	CHECK(same(&e, b.data, b.len));

	/* Trailing bytes. */
	buf_push(&b, 0x80);
	memset(&v, 0xaa, sizeof v);
	CHECK_EQ_INT(bft_wire_vote_decode(b.data, b.len, &v), DURE_EBFT_MSG);
	CHECK(zero(&v, sizeof v));
	buf_free(&b);

	b = hx(NIL_PREVOTE_HEX);
	CHECK_EQ_INT(bft_wire_vote_decode(b.data, b.len, &v), DURE_OK);
	CHECK_EQ_INT(v.step, BFT_STEP_PREVOTE);
	CHECK_EQ_INT(v.height, 7);
	CHECK_EQ_INT(v.round, 0);
	CHECK(v.nil);
	CHECK(zero(v.hash.b, 32));
	buf_reset(&e);
	CHECK_EQ_INT(bft_wire_vote_encode(&v, &e), DURE_OK);
	CHECK(same(&e, b.data, b.len));
	buf_free(&b);

	/* A proposal's step in a vote (0 as the canonical 0x80, so that it
	 * is the step that is refused), step 3, and height 0. */
	static const char *const bad[] = {
		"f847" "80" "0780" "80b841" SIG_HEX,
		"f847" "03" "0780" "80b841" SIG_HEX,
		"f847" "02" "8080" "80b841" SIG_HEX,
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		b = hx(bad[i]);
		memset(&v, 0xaa, sizeof v);
		CHECK_EQ_INT(bft_wire_vote_decode(b.data, b.len, &v),
		             DURE_EBFT_MSG);
		CHECK(zero(&v, sizeof v));
		buf_free(&b);
	}
	buf_free(&e);
}

/* ---- Commit ---- */

/* Height 9, HASH, round 2, signers 0 (SIGA) and 3 (SIGB). An entry is
 * [index, sig]: 1 + 67 = 68 = 0x44 bytes of payload, 70 in all; the
 * entry list 140 = 0x8c, 142 in all; the commit 1 + 142 = 143 = 0x8f,
 * 145 in all; the message 1 + 33 + 145 = 179 = 0xb3. */
#define ENTRY_A "f84480b841" SIGA_HEX
#define ENTRY_B "f84403b841" SIGB_HEX
#define COMMIT_HEX "f8b309a0" HASH_HEX "f88f02f88c" ENTRY_A ENTRY_B

static void test_commit(void)
{
	h256 hash;
	hx_exact(HASH_HEX, hash.b, 32);
	uint8_t siga[BFT_SIG_LEN], sigb[BFT_SIG_LEN];
	hx_exact(SIGA_HEX, siga, sizeof siga);
	hx_exact(SIGB_HEX, sigb, sizeof sigb);

	buf b = hx(COMMIT_HEX);
	static bft_commit c;
	CHECK_EQ_INT(bft_wire_commit_decode(b.data, b.len, &c), DURE_OK);
	CHECK_EQ_INT(c.height, 9);
	CHECK(h256_eq(&c.hash, &hash));
	CHECK_EQ_INT(c.round, 2);
	CHECK_EQ_INT(c.n, 2);
	CHECK_EQ_INT(c.sigs[0].index, 0);
	CHECK_MEM(c.sigs[0].sig, siga, BFT_SIG_LEN);
	CHECK_EQ_INT(c.sigs[1].index, 3);
	CHECK_MEM(c.sigs[1].sig, sigb, BFT_SIG_LEN);
	buf e = BUF_INIT;
	CHECK_EQ_INT(bft_wire_commit_encode(&c, &e), DURE_OK);
	CHECK(same(&e, b.data, b.len));
	buf_free(&e);
	buf_free(&b);

	static const char *const bad[] = {
		/* height 0 */
		"f8b380a0" HASH_HEX "f88f02f88c" ENTRY_A ENTRY_B,
		/* a 31-byte hash */
		"f8b2099f" H31_HEX "f88f02f88c" ENTRY_A ENTRY_B,
		/* a 33-byte hash */
		"f8b409a1" HASH_HEX "20" "f88f02f88c" ENTRY_A ENTRY_B,
		/* signers out of order */
		"f8b309a0" HASH_HEX "f88f02f88c" ENTRY_B ENTRY_A,
		/* the commit's round 2^20 */
		"f8b609a0" HASH_HEX "f89283100000f88c" ENTRY_A ENTRY_B,
		/* the commit a string */
		"e309a0" HASH_HEX "80",
		/* no commit */
		"e209a0" HASH_HEX,
		/* an item after the commit */
		"f8b409a0" HASH_HEX "f88f02f88c" ENTRY_A ENTRY_B "80",
		/* a byte after the message */
		COMMIT_HEX "00",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		b = hx(bad[i]);
		memset(&c, 0xaa, sizeof c);
		CHECK_EQ_INT(bft_wire_commit_decode(b.data, b.len, &c),
		             DURE_EBFT_MSG);
		CHECK(zero(&c, sizeof c));
		buf_free(&b);
	}
}

/* ---- Proposal ---- */

/* Appends a London header of number 1 with the empty roots, coinbase
 * Hardhat #0 and base fee 7, field by field from block.h's layout (not
 * with header_encode). */
static void put_header(buf *b)
{
	uint8_t z[256] = {0}, h[32], a[20];
	size_t m = rlp_list_begin(b);
	rlp_put_bytes(b, z, 32);                   /* parent */
	hx_exact(EMPTY_OMMERS_HEX, h, 32);
	rlp_put_bytes(b, h, 32);                   /* ommers */
	hx_exact(ADDR_HEX, a, 20);
	rlp_put_bytes(b, a, 20);                   /* coinbase */
	rlp_put_bytes(b, z, 32);                   /* state */
	hx_exact(EMPTY_ROOT_HEX, h, 32);
	rlp_put_bytes(b, h, 32);                   /* transactions */
	rlp_put_bytes(b, h, 32);                   /* receipts */
	rlp_put_bytes(b, z, 256);                  /* bloom */
	rlp_put_u64(b, 0);                         /* difficulty */
	rlp_put_u64(b, 1);                         /* number */
	rlp_put_u64(b, 30000000);                  /* gas limit */
	rlp_put_u64(b, 0);                         /* gas used */
	rlp_put_u64(b, 1700000000);                /* timestamp */
	rlp_put_bytes(b, z, 0);                    /* extra */
	rlp_put_bytes(b, z, 32);                   /* mix */
	rlp_put_bytes(b, z, 8);                    /* nonce */
	rlp_put_u64(b, 7);                         /* base fee */
	rlp_list_end(b, m);
}

/* [p's wire form, block bytes] with its list header, assembled here. */
static buf proposal_msg(const bft_proposal *p, const buf *blk)
{
	buf b = BUF_INIT;
	size_t m = rlp_list_begin(&b);
	bft_proposal_encode(p, &b);
	rlp_put_raw(&b, blk->data, blk->len);
	rlp_list_end(&b, m);
	if (buf_failed(&b))
		abort();
	return b;
}

static void test_proposal(void)
{
	uint8_t key[32];
	hx_exact(KEY_HEX, key, 32);
	address signer_want;
	hx_exact(ADDR_HEX, signer_want.b, 20);

	buf hdr = BUF_INIT;
	put_header(&hdr);
	h256 hash;
	keccak256(hdr.data, hdr.len, hash.b);
	/* The header's payload: six 32-byte fields (33 bytes each), the
	 * coinbase (21), the bloom (259), difficulty, number, gas used, extra
	 * and base fee (1 each), the gas limit 0x01c9c380 and the timestamp
	 * 0x6553f100 (5 each) and the nonce (9): 502 = 0x1f6. The block
	 * [header, [], []]: 505 + 2 = 507 = 0x1fb. */
	CHECK_EQ_INT(hdr.len, 3 + 0x1f6);
	buf blk = hx("f901fb");
	buf_append(&blk, hdr.data, hdr.len);
	buf_push(&blk, 0xc0);
	buf_push(&blk, 0xc0);
	CHECK_EQ_INT(blk.len, 3 + 0x1fb);

	bft_proposal p = {0};
	p.height = 1;
	p.round = 2;
	p.pol_round = 0;
	p.hash = hash;
	CHECK_EQ_INT(bft_proposal_sign(&p, CHAIN, key), DURE_OK);

	buf msg = proposal_msg(&p, &blk);
	/* The proposal's payload 01 02 01 (pol_round 0 travels as 1), the
	 * hash (33) and the signature (67): 103 = 0x67; the message's
	 * 105 + 510 = 615 = 0x267. */
	buf want = hx("f90267" "f867010201a0");
	buf_append(&want, hash.b, 32);
	buf_push(&want, 0xb8);
	buf_push(&want, 0x41);
	buf_append(&want, p.sig, BFT_SIG_LEN);
	buf_append(&want, blk.data, blk.len);
	CHECK(same(&msg, want.data, want.len));
	buf_free(&want);
	static bft_wire_proposal d;
	CHECK_EQ_INT(bft_wire_proposal_decode(msg.data, msg.len, &d), DURE_OK);
	CHECK_EQ_INT(d.prop.height, 1);
	CHECK_EQ_INT(d.prop.round, 2);
	CHECK_EQ_INT(d.prop.pol_round, 0);
	CHECK(h256_eq(&d.prop.hash, &hash));
	address who;
	CHECK_EQ_INT(bft_proposal_signer(&d.prop, CHAIN, &who), DURE_OK);
	CHECK(address_eq(&who, &signer_want));
	CHECK_EQ_INT(d.blk.h.number, 1);
	CHECK_EQ_INT(d.blk.h.timestamp, 1700000000);
	CHECK(d.blk.h.has_base_fee && d.blk.h.base_fee.w[0] == 7);
	CHECK(address_eq(&d.blk.h.coinbase, &signer_want));
	CHECK_EQ_INT(d.blk.ntxs, 0);
	CHECK_EQ_INT(d.blk.nommers, 0);
	CHECK(!d.blk.has_withdrawals);
	buf e = BUF_INIT;
	CHECK_EQ_INT(bft_wire_proposal_encode(&d.prop, &d.blk, &e), DURE_OK);
	CHECK(same(&e, msg.data, msg.len));

	/* A block that does not encode (a withdrawals list without the
	 * header's root) appends nothing, not even the proposal. */
	static block nb;
	nb.h = d.blk.h;
	nb.has_withdrawals = true;
	buf_reset(&e);
	buf_push(&e, 0xab);
	CHECK_EQ_INT(bft_wire_proposal_encode(&d.prop, &nb, &e),
	             DURE_EBLOCK_FORMAT);
	CHECK(same_hex(&e, "ab"));
	block_free(&d.blk);
	buf_free(&e);

	/* Trailing bytes after the message, and an item after the block. */
	buf t = BUF_INIT;
	buf_append(&t, msg.data, msg.len);
	buf_push(&t, 0x00);
	memset(&d, 0xaa, sizeof d);
	CHECK_EQ_INT(bft_wire_proposal_decode(t.data, t.len, &d),
	             DURE_EBFT_MSG);
	CHECK(zero(&d, sizeof d));
	buf_reset(&t);
	size_t m = rlp_list_begin(&t);
	bft_proposal_encode(&p, &t);
	rlp_put_raw(&t, blk.data, blk.len);
	rlp_put_u64(&t, 0);
	rlp_list_end(&t, m);
	CHECK_EQ_INT(bft_wire_proposal_decode(t.data, t.len, &d),
	             DURE_EBFT_MSG);
	CHECK(zero(&d, sizeof d));
	buf_free(&t);
	buf_free(&msg);

	/* A proposal of another hash (the last byte flipped), signed. */
	bft_proposal q = p;
	q.hash.b[31] ^= 1;
	CHECK_EQ_INT(bft_proposal_sign(&q, CHAIN, key), DURE_OK);
	msg = proposal_msg(&q, &blk);
	memset(&d, 0xaa, sizeof d);
	CHECK_EQ_INT(bft_wire_proposal_decode(msg.data, msg.len, &d),
	             DURE_EBFT_MSG);
	CHECK(zero(&d, sizeof d));
	buf_free(&msg);

	/* The right hash at height 2, the block's number being 1. */
	q = p;
	q.height = 2;
	CHECK_EQ_INT(bft_proposal_sign(&q, CHAIN, key), DURE_OK);
	msg = proposal_msg(&q, &blk);
	memset(&d, 0xaa, sizeof d);
	CHECK_EQ_INT(bft_wire_proposal_decode(msg.data, msg.len, &d),
	             DURE_EBFT_MSG);
	CHECK(zero(&d, sizeof d));
	buf_free(&msg);

	/* A block that does not decode (its ommers list a string). */
	blk.data[blk.len - 1] = 0x80;
	msg = proposal_msg(&p, &blk);
	CHECK_EQ_INT(bft_wire_proposal_decode(msg.data, msg.len, &d),
	             DURE_EBFT_MSG);
	CHECK(zero(&d, sizeof d));
	buf_free(&msg);

	/* A malformed proposal (pol_round not below round). */
	blk.data[blk.len - 1] = 0xc0;
	q = p;
	q.pol_round = 2;
	msg = proposal_msg(&q, &blk);
	CHECK_EQ_INT(bft_wire_proposal_decode(msg.data, msg.len, &d),
	             DURE_EBFT_MSG);
	CHECK(zero(&d, sizeof d));
	buf_free(&msg);

	/* The proposal alone. */
	buf_reset(&t);
	m = rlp_list_begin(&t);
	bft_proposal_encode(&p, &t);
	rlp_list_end(&t, m);
	CHECK_EQ_INT(bft_wire_proposal_decode(t.data, t.len, &d),
	             DURE_EBFT_MSG);
	CHECK(zero(&d, sizeof d));
	buf_free(&t);

	buf_free(&blk);
	buf_free(&hdr);
}

/* ---- the size bound ---- */

/* A proposal of the header of put_header with one legacy transaction of
 * `data` bytes of calldata (its signature is not checked on decoding),
 * encoded by bft_wire_proposal_encode. */
static buf big_proposal(size_t data, const bft_proposal *p, const header *h)
{
	static block b;
	static tx t;
	memset(&b, 0, sizeof b);
	memset(&t, 0, sizeof t);
	t.type = TX_LEGACY;
	t.gas_limit = 21000;
	t.data = calloc(data, 1);
	if (!t.data)
		abort();
	t.data_size = data;
	t.v.w[0] = 27;
	t.r.w[0] = 1;
	t.s.w[0] = 1;
	b.h = *h;
	b.txs = &t;
	b.ntxs = 1;
	buf out = BUF_INIT;
	if (bft_wire_proposal_encode(p, &b, &out))
		abort();
	free(t.data);
	return out;
}

static void test_size_bound(void)
{
	buf hdr = BUF_INIT;
	put_header(&hdr);
	static header h;
	CHECK_EQ_INT(header_decode(hdr.data, hdr.len, &h), DURE_OK);
	bft_proposal p = {0};
	p.height = 1;
	p.pol_round = -1;
	keccak256(hdr.data, hdr.len, p.hash.b);

	/* Grow the calldata until the message is BFT_WIRE_MSG_MAX long. */
	size_t data = BFT_WIRE_MSG_MAX - 1024;
	buf msg = big_proposal(data, &p, &h);
	for (int i = 0; i < 4 && msg.len != BFT_WIRE_MSG_MAX; i++) {
		data += BFT_WIRE_MSG_MAX - msg.len;
		buf_free(&msg);
		msg = big_proposal(data, &p, &h);
	}
	CHECK_EQ_INT(msg.len, BFT_WIRE_MSG_MAX);
	static bft_wire_proposal d;
	CHECK_EQ_INT(bft_wire_proposal_decode(msg.data, msg.len, &d), DURE_OK);
	CHECK_EQ_INT(d.blk.ntxs, 1);
	CHECK(d.blk.ntxs == 1 && d.blk.txs[0].data_size == data);
	block_free(&d.blk);
	buf_free(&msg);

	msg = big_proposal(data + 1, &p, &h);
	CHECK_EQ_INT(msg.len, BFT_WIRE_MSG_MAX + 1);
	memset(&d, 0xaa, sizeof d);
	CHECK_EQ_INT(bft_wire_proposal_decode(msg.data, msg.len, &d),
	             DURE_EBFT_MSG);
	CHECK(zero(&d, sizeof d));

	/* The other decoders refuse the size too, whatever the bytes. */
	bft_wire_status s;
	memset(&s, 0xaa, sizeof s);
	CHECK_EQ_INT(bft_wire_status_decode(msg.data, msg.len, &s),
	             DURE_EBFT_MSG);
	CHECK(zero(&s, sizeof s));
	bft_vote v;
	memset(&v, 0xaa, sizeof v);
	CHECK_EQ_INT(bft_wire_vote_decode(msg.data, msg.len, &v),
	             DURE_EBFT_MSG);
	CHECK(zero(&v, sizeof v));
	static bft_commit c;
	memset(&c, 0xaa, sizeof c);
	CHECK_EQ_INT(bft_wire_commit_decode(msg.data, msg.len, &c),
	             DURE_EBFT_MSG);
	CHECK(zero(&c, sizeof c));
	buf_free(&msg);
	buf_free(&hdr);
}

static void test_ids(void)
{
	CHECK(strcmp(BFT_WIRE_NAME, "bft") == 0);
	CHECK_EQ_INT(BFT_WIRE_VERSION, 1);
	CHECK_EQ_INT(BFT_WIRE_MSG_COUNT, 4);
	CHECK_EQ_INT(BFT_WIRE_COMMIT, BFT_WIRE_MSG_COUNT - 1);
	CHECK_EQ_INT(BFT_WIRE_MSG_MAX, 16777216 + 4096);
}

TEST_MAIN(test_ids, test_status, test_vote, test_commit, test_proposal,
          test_size_bound)
