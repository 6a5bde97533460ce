/* BFT votes, proposals and commits: the signed digest against keccak256
 * of an RLP preimage assembled byte by byte here (short and long list
 * forms, a nil vote, a proposal's pol); signatures by the Hardhat keys
 * recovering their published addresses, a high s refused; wire forms
 * written out by hand, decoded and re-encoded, and every malformed form
 * of vote.h refused; vote sets: added, duplicate, conflict (the first
 * vote kept), tallies and majorities with equal and unequal powers; a
 * commit built from real precommits, its bytes by hand, its decoding and
 * refusals, and its verification against wrong indices, wrong steps,
 * wrong chains and too little power. */
#include <stdint.h>
#include <string.h>

#include "base/buf.h"
#include "base/hex.h"
#include "consensus/bft/valset.h"
#include "consensus/bft/vote.h"
#include "crypto/keccak.h"
#include "crypto/secp.h"
#include "test.h"

#define CHAIN 1337

/* "dure/bft/1" as an RLP string. */
#define DOMAIN_HEX "8a647572652f6266742f31"
/* The block hash of the tests: bytes 0x00..0x1f; its first 31 bytes. */
#define H31_HEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e"
#define HASH_HEX H31_HEX "1f"
/* A wire signature r || s || recid, and its first 64 bytes. */
#define SIG64_HEX                                                             \
	"1111111111111111111111111111111111111111111111111111111111111111"    \
	"2222222222222222222222222222222222222222222222222222222222222222"
#define SIG_HEX SIG64_HEX "01"
#define SIGA64_HEX                                                            \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"    \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SIGA_HEX SIGA64_HEX "00"
#define SIGB_HEX                                                              \
	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"    \
	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb01"

/* Hardhat's first four accounts, in address order: set index i is
 * hardhat[i]. */
static const struct {
	const char *key, *addr;
} hardhat[4] = {
	{"5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
	 "3c44cdddb6a900fa2b585dd299e03d12fa4293bc"},
	{"59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
	 "70997970c51812dc3a010c7d01b50e0d17dc79c8"},
	{"7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
	 "90f79bf6eb2c4f870365e785982e1f101e93b906"},
	{"ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
	 "f39fd6e51aad88f6f4ce6ab8827279cfffb92266"},
};

static uint8_t keys[4][32];
static address addrs[4];
static h256 the_hash;

/* Appends the bytes of hex s to b; every input here is valid hex. */
static void put_hex(buf *b, const char *s)
{
	CHECK_EQ_INT(hex_decode(s, strlen(s), b), DURE_OK);
}

/* b emptied and then holding hex s. */
static void unhex(buf *b, const char *s)
{
	buf_reset(b);
	put_hex(b, s);
}

static bool holds(const buf *b, const buf *want)
{
	return !b->failed && b->len == want->len &&
	       memcmp(b->data, want->data, want->len) == 0;
}

static bool holds_hex(const buf *b, const char *s)
{
	buf want = BUF_INIT;
	put_hex(&want, s);
	bool same = holds(b, &want);
	buf_free(&want);
	return same;
}

/* keccak256 of the bytes of hex s. */
static h256 keccak_hex(const char *s)
{
	buf b = BUF_INIT;
	put_hex(&b, s);
	h256 d;
	keccak256(b.data, b.len, d.b);
	buf_free(&b);
	return d;
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void setup(void)
{
	for (size_t i = 0; i < 4; i++) {
		CHECK_EQ_INT(hex_decode_exact(hardhat[i].key, keys[i], 32),
		             DURE_OK);
		CHECK_EQ_INT(hex_decode_exact(hardhat[i].addr, addrs[i].b, 20),
		             DURE_OK);
	}
	CHECK_EQ_INT(hex_decode_exact(HASH_HEX, the_hash.b, 32), DURE_OK);
}

/* The four Hardhat validators with powers p (in set order), given to init
 * out of order. */
static void hardhat_set(bft_valset *s, const uint64_t p[4])
{
	address a[4] = {addrs[3], addrs[1], addrs[0], addrs[2]};
	uint64_t w[4] = {p[3], p[1], p[0], p[2]};
	CHECK_EQ_INT(bft_valset_init(s, a, w, 4), DURE_OK);
}

/* Field by field: the structs have padding. */
static bool votes_equal(const bft_vote *a, const bft_vote *b)
{
	return a->step == b->step && a->height == b->height &&
	       a->round == b->round && a->nil == b->nil &&
	       h256_eq(&a->hash, &b->hash) &&
	       memcmp(a->sig, b->sig, BFT_SIG_LEN) == 0;
}

static bool commits_equal(const bft_commit *a, const bft_commit *b)
{
	if (a->height != b->height || a->round != b->round ||
	    !h256_eq(&a->hash, &b->hash) || a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->sigs[i].index != b->sigs[i].index ||
		    memcmp(a->sigs[i].sig, b->sigs[i].sig, BFT_SIG_LEN) != 0)
			return false;
	return true;
}

static bft_vote make_vote(uint8_t step, uint64_t height, uint32_t round,
                          const h256 *hash)
{
	bft_vote v = {0};
	v.step = step;
	v.height = height;
	v.round = round;
	v.nil = hash == NULL;
	if (hash)
		v.hash = *hash;
	return v;
}

/* ---- keys ---- */

static void test_keys(void)
{
	/* Hardhat's published accounts; the rest of the file leans on them. */
	for (size_t i = 0; i < 4; i++) {
		uint8_t pub[64];
		address a;
		CHECK_EQ_INT(secp_pubkey_create(keys[i], pub), DURE_OK);
		secp_pubkey_address(pub, &a);
		CHECK(address_eq(&a, &addrs[i]));
	}
	bft_valset s;
	hardhat_set(&s, (const uint64_t[]){1, 1, 1, 1});
	for (size_t i = 0; i < 4; i++)
		CHECK_EQ_INT(bft_valset_index(&s, &addrs[i]), (int)i);
}

/* ---- digests ---- */

static void test_digest(void)
{
	h256 got, want;

	/* ["dure/bft/1", 1337, 2, 5, 0, H, 0]: payload 11 + 3 + 1 + 1 + 1 +
	 * 33 + 1 = 51, list header 0xc0 + 51. */
	bft_vote v = make_vote(BFT_STEP_PRECOMMIT, 5, 0, &the_hash);
	bft_vote_digest(CHAIN, &v, &got);
	want = keccak_hex("f3" DOMAIN_HEX "820539" "02" "05" "80"
	                  "a0" HASH_HEX "80");
	CHECK(h256_eq(&got, &want));

	/* A nil prevote: the hash is the empty string, payload 19. Whatever
	 * sits in the hash field does not count. */
	v = make_vote(BFT_STEP_PREVOTE, 5, 0, NULL);
	bft_vote_digest(CHAIN, &v, &got);
	want = keccak_hex("d3" DOMAIN_HEX "820539" "01" "05" "80" "80" "80");
	CHECK(h256_eq(&got, &want));
	v.hash = the_hash;
	bft_vote_digest(CHAIN, &v, &got);
	CHECK(h256_eq(&got, &want));

	/* The longest fields: chain id and height 2^64 - 1 (9 bytes each),
	 * round 2^20 - 1 (4); payload 68 takes the long form f8 44. */
	v = make_vote(BFT_STEP_PRECOMMIT, UINT64_MAX, BFT_MAX_ROUND - 1,
	              &the_hash);
	bft_vote_digest(UINT64_MAX, &v, &got);
	want = keccak_hex("f844" DOMAIN_HEX "88ffffffffffffffff" "02"
	                  "88ffffffffffffffff" "830fffff" "a0" HASH_HEX "80");
	CHECK(h256_eq(&got, &want));

	/* A proposal of round 4 with pol_round 3: step 0, pol 4. */
	bft_proposal p = {0};
	p.height = 5;
	p.round = 4;
	p.pol_round = 3;
	p.hash = the_hash;
	bft_proposal_digest(CHAIN, &p, &got);
	want = keccak_hex("f3" DOMAIN_HEX "820539" "80" "05" "04"
	                  "a0" HASH_HEX "04");
	CHECK(h256_eq(&got, &want));

	/* No pol (-1): pol 0; chain id 1, height 1, round 0, payload 49. */
	p.height = 1;
	p.round = 0;
	p.pol_round = -1;
	bft_proposal_digest(1, &p, &got);
	want = keccak_hex("f1" DOMAIN_HEX "01" "80" "01" "80"
	                  "a0" HASH_HEX "80");
	CHECK(h256_eq(&got, &want));

	/* Height 128 is 81 80, chain id 0 is 80. */
	v = make_vote(BFT_STEP_PREVOTE, 128, 1, &the_hash);
	bft_vote_digest(0, &v, &got);
	want = keccak_hex("f2" DOMAIN_HEX "80" "01" "8180" "01"
	                  "a0" HASH_HEX "80");
	CHECK(h256_eq(&got, &want));
}

/* ---- signatures ---- */

/* s := n - s for the 32-byte big-endian s, n the secp256k1 order. */
static void negate_s(uint8_t s[32])
{
	uint8_t n[32];
	CHECK_EQ_INT(hex_decode_exact("fffffffffffffffffffffffffffffffe"
	                              "baaedce6af48a03bbfd25e8cd0364141",
	                              n, 32),
	             DURE_OK);
	int borrow = 0;
	for (int i = 31; i >= 0; i--) {
		int d = n[i] - s[i] - borrow;
		borrow = d < 0;
		s[i] = (uint8_t)(d + (borrow ? 256 : 0));
	}
}

static void test_sign(void)
{
	address a;
	bft_vote v = make_vote(BFT_STEP_PRECOMMIT, 5, 0, &the_hash);
	CHECK_EQ_INT(bft_vote_sign(&v, CHAIN, keys[3]), DURE_OK);
	CHECK(v.sig[64] <= 1);
	CHECK(secp_s_is_low(v.sig + 32));
	CHECK_EQ_INT(bft_vote_signer(&v, CHAIN, &a), DURE_OK);
	CHECK(address_eq(&a, &addrs[3])); /* 0xf39F...2266 */

	/* The signature covers keccak256 of the preimage by hand. */
	h256 d = keccak_hex("f3" DOMAIN_HEX "820539" "02" "05" "80"
	                    "a0" HASH_HEX "80");
	uint8_t pub[64];
	CHECK_EQ_INT(secp_recover(d.b, v.sig, v.sig[64], pub), DURE_OK);
	secp_pubkey_address(pub, &a);
	CHECK(address_eq(&a, &addrs[3]));

	/* Another chain, another round: another signer. */
	CHECK_EQ_INT(bft_vote_signer(&v, CHAIN + 1, &a), DURE_OK);
	CHECK(!address_eq(&a, &addrs[3]));
	bft_vote w = v;
	w.round = 1;
	CHECK_EQ_INT(bft_vote_signer(&w, CHAIN, &a), DURE_OK);
	CHECK(!address_eq(&a, &addrs[3]));

	/* n - s with the other recovery id is the same key's signature, and
	 * secp_recover takes it; the vote refuses it. */
	w = v;
	negate_s(w.sig + 32);
	w.sig[64] ^= 1;
	CHECK(!secp_s_is_low(w.sig + 32));
	CHECK_EQ_INT(secp_recover(d.b, w.sig, w.sig[64], pub), DURE_OK);
	secp_pubkey_address(pub, &a);
	CHECK(address_eq(&a, &addrs[3]));
	memset(&a, 0xff, sizeof a);
	CHECK_EQ_INT(bft_vote_signer(&w, CHAIN, &a), DURE_ESIG);
	CHECK(all_zero(&a, sizeof a));

	/* A recovery id past 3, an r of 0. */
	w = v;
	w.sig[64] = 4;
	CHECK_EQ_INT(bft_vote_signer(&w, CHAIN, &a), DURE_ESIG);
	w = v;
	memset(w.sig, 0, 32);
	memset(&a, 0xff, sizeof a);
	CHECK_EQ_INT(bft_vote_signer(&w, CHAIN, &a), DURE_ESIG);
	CHECK(all_zero(&a, sizeof a));

	/* Bad keys: 0 and the order n. */
	uint8_t bad[32] = {0};
	w = v;
	CHECK_EQ_INT(bft_vote_sign(&w, CHAIN, bad), DURE_EKEY);
	CHECK(all_zero(w.sig, BFT_SIG_LEN));
	CHECK_EQ_INT(hex_decode_exact("fffffffffffffffffffffffffffffffe"
	                              "baaedce6af48a03bbfd25e8cd0364141",
	                              bad, 32),
	             DURE_OK);
	bft_proposal p = {0};
	memset(p.sig, 0x55, sizeof p.sig);
	CHECK_EQ_INT(bft_proposal_sign(&p, CHAIN, bad), DURE_EKEY);
	CHECK(all_zero(p.sig, BFT_SIG_LEN));

	/* A proposal of round 4, pol_round 3, by key 1. */
	p.height = 5;
	p.round = 4;
	p.pol_round = 3;
	p.hash = the_hash;
	CHECK_EQ_INT(bft_proposal_sign(&p, CHAIN, keys[1]), DURE_OK);
	CHECK_EQ_INT(bft_proposal_signer(&p, CHAIN, &a), DURE_OK);
	CHECK(address_eq(&a, &addrs[1]));
	d = keccak_hex("f3" DOMAIN_HEX "820539" "80" "05" "04"
	               "a0" HASH_HEX "04");
	CHECK_EQ_INT(secp_recover(d.b, p.sig, p.sig[64], pub), DURE_OK);
	secp_pubkey_address(pub, &a);
	CHECK(address_eq(&a, &addrs[1]));
	/* Without the pol it is another message. */
	bft_proposal q = p;
	q.pol_round = -1;
	CHECK_EQ_INT(bft_proposal_signer(&q, CHAIN, &a), DURE_OK);
	CHECK(!address_eq(&a, &addrs[1]));
	q = p;
	negate_s(q.sig + 32);
	q.sig[64] ^= 1;
	CHECK_EQ_INT(bft_proposal_signer(&q, CHAIN, &a), DURE_ESIG);
}

/* ---- wire forms ---- */

/* [2, 5, 0, H, sig]: payload 1 + 1 + 1 + 33 + 67 = 103. */
#define VOTE_HEX "f867" "02" "05" "80" "a0" HASH_HEX "b841" SIG_HEX

static void test_vote_wire(void)
{
	buf in = BUF_INIT, out = BUF_INIT;
	bft_vote v;
	uint8_t sig[BFT_SIG_LEN];
	CHECK_EQ_INT(hex_decode_exact(SIG_HEX, sig, BFT_SIG_LEN), DURE_OK);

	unhex(&in, VOTE_HEX);
	CHECK_EQ_INT(bft_vote_decode(in.data, in.len, &v), DURE_OK);
	CHECK_EQ_INT(v.step, BFT_STEP_PRECOMMIT);
	CHECK(v.height == 5);
	CHECK_EQ_INT(v.round, 0);
	CHECK(!v.nil);
	CHECK(h256_eq(&v.hash, &the_hash));
	CHECK_MEM(v.sig, sig, BFT_SIG_LEN);
	bft_vote_encode(&v, &out);
	CHECK(holds(&out, &in));

	/* A nil prevote: payload 71. */
	unhex(&in, "f847" "01" "05" "80" "80" "b841" SIG_HEX);
	CHECK_EQ_INT(bft_vote_decode(in.data, in.len, &v), DURE_OK);
	CHECK_EQ_INT(v.step, BFT_STEP_PREVOTE);
	CHECK(v.nil);
	CHECK(all_zero(v.hash.b, 32));
	buf_reset(&out);
	bft_vote_encode(&v, &out);
	CHECK(holds(&out, &in));

	/* The largest height and round. */
	unhex(&in, "f872" "02" "88ffffffffffffffff" "830fffff"
	           "a0" HASH_HEX "b841" SIG_HEX);
	CHECK_EQ_INT(bft_vote_decode(in.data, in.len, &v), DURE_OK);
	CHECK(v.height == UINT64_MAX);
	CHECK(v.round == BFT_MAX_ROUND - 1);
	buf_reset(&out);
	bft_vote_encode(&v, &out);
	CHECK(holds(&out, &in));

	static const char *const bad[] = {
		/* step 0 (a proposal's), step 3 */
		"f867" "80" "05" "80" "a0" HASH_HEX "b841" SIG_HEX,
		"f867" "03" "05" "80" "a0" HASH_HEX "b841" SIG_HEX,
		/* height 0 */
		"f867" "02" "80" "80" "a0" HASH_HEX "b841" SIG_HEX,
		/* round 2^20 */
		"f86a" "02" "05" "83100000" "a0" HASH_HEX "b841" SIG_HEX,
		/* hashes of 31 and 33 bytes */
		"f866" "02" "05" "80" "9f" H31_HEX "b841" SIG_HEX,
		"f868" "02" "05" "80" "a1" HASH_HEX "20" "b841" SIG_HEX,
		/* a signature of 64 bytes, of 66 */
		"f866" "02" "05" "80" "a0" HASH_HEX "b840" SIG64_HEX,
		"f868" "02" "05" "80" "a0" HASH_HEX "b842" SIG_HEX "00",
		/* a byte after the list */
		VOTE_HEX "00",
		/* non-canonical integers: 00 for 0, 81 05 for 05, 00 05 */
		"f867" "02" "00" "80" "a0" HASH_HEX "b841" SIG_HEX,
		"f868" "02" "8105" "80" "a0" HASH_HEX "b841" SIG_HEX,
		"f869" "02" "05" "820005" "a0" HASH_HEX "b841" SIG_HEX,
		/* a sixth item, a missing fifth */
		"f868" "02" "05" "80" "a0" HASH_HEX "b841" SIG_HEX "80",
		"e4" "02" "05" "80" "a0" HASH_HEX,
		/* the list header in a long form it does not need */
		"f90067" "02" "05" "80" "a0" HASH_HEX "b841" SIG_HEX,
		/* a list cut short, a string, a list where the hash goes */
		"f867" "02" "05" "80" "a0" HASH_HEX "b841" SIG64_HEX,
		"80",
		"f867" "02" "05" "80" "e0" HASH_HEX "b841" SIG_HEX,
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		unhex(&in, bad[i]);
		memset(&v, 0xff, sizeof v);
		int err = bft_vote_decode(in.data, in.len, &v);
		CHECK_EQ_INT(err, DURE_EBFT_MSG);
		if (err != DURE_EBFT_MSG)
			fprintf(stderr, "  bad vote %zu accepted\n", i);
		CHECK(all_zero(&v, sizeof v));
	}
	CHECK_EQ_INT(bft_vote_decode(NULL, 0, &v), DURE_EBFT_MSG);

	buf_free(&in);
	buf_free(&out);
}

/* [5, 4, 4, H, sig]: height 5, round 4, pol_round 3. */
#define PROP_HEX "f867" "05" "04" "04" "a0" HASH_HEX "b841" SIG_HEX

static void test_proposal_wire(void)
{
	buf in = BUF_INIT, out = BUF_INIT;
	bft_proposal p;
	uint8_t sig[BFT_SIG_LEN];
	CHECK_EQ_INT(hex_decode_exact(SIG_HEX, sig, BFT_SIG_LEN), DURE_OK);

	unhex(&in, PROP_HEX);
	CHECK_EQ_INT(bft_proposal_decode(in.data, in.len, &p), DURE_OK);
	CHECK(p.height == 5);
	CHECK_EQ_INT(p.round, 4);
	CHECK_EQ_INT(p.pol_round, 3);
	CHECK(h256_eq(&p.hash, &the_hash));
	CHECK_MEM(p.sig, sig, BFT_SIG_LEN);
	bft_proposal_encode(&p, &out);
	CHECK(holds(&out, &in));

	/* No pol: 80, pol_round -1. */
	unhex(&in, "f867" "05" "04" "80" "a0" HASH_HEX "b841" SIG_HEX);
	CHECK_EQ_INT(bft_proposal_decode(in.data, in.len, &p), DURE_OK);
	CHECK_EQ_INT(p.pol_round, -1);
	buf_reset(&out);
	bft_proposal_encode(&p, &out);
	CHECK(holds(&out, &in));

	/* The largest round and its largest pol. */
	unhex(&in, "f86d" "05" "830fffff" "830fffff"
	           "a0" HASH_HEX "b841" SIG_HEX);
	CHECK_EQ_INT(bft_proposal_decode(in.data, in.len, &p), DURE_OK);
	CHECK(p.round == BFT_MAX_ROUND - 1);
	CHECK(p.pol_round == (int32_t)BFT_MAX_ROUND - 2);
	buf_reset(&out);
	bft_proposal_encode(&p, &out);
	CHECK(holds(&out, &in));

	static const char *const bad[] = {
		/* pol 5 in round 4 (pol_round 4 is not below round) */
		"f867" "05" "04" "05" "a0" HASH_HEX "b841" SIG_HEX,
		/* pol 1 in round 0 */
		"f867" "05" "80" "01" "a0" HASH_HEX "b841" SIG_HEX,
		/* height 0; round 2^20 */
		"f867" "80" "04" "04" "a0" HASH_HEX "b841" SIG_HEX,
		"f86a" "05" "83100000" "80" "a0" HASH_HEX "b841" SIG_HEX,
		/* no block hash; 31 bytes of it */
		"f847" "05" "04" "04" "80" "b841" SIG_HEX,
		"f866" "05" "04" "04" "9f" H31_HEX "b841" SIG_HEX,
		/* a signature of 64 bytes */
		"f866" "05" "04" "04" "a0" HASH_HEX "b840" SIG64_HEX,
		/* trailing byte, extra item, non-canonical pol */
		PROP_HEX "00",
		"f868" "05" "04" "04" "a0" HASH_HEX "b841" SIG_HEX "80",
		"f868" "05" "04" "8104" "a0" HASH_HEX "b841" SIG_HEX,
		"f867" "05" "04" "00" "a0" HASH_HEX "b841" SIG_HEX,
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		unhex(&in, bad[i]);
		memset(&p, 0xff, sizeof p);
		int err = bft_proposal_decode(in.data, in.len, &p);
		CHECK_EQ_INT(err, DURE_EBFT_MSG);
		if (err != DURE_EBFT_MSG)
			fprintf(stderr, "  bad proposal %zu accepted\n", i);
		CHECK(all_zero(&p, sizeof p));
	}

	buf_free(&in);
	buf_free(&out);
}

static void test_vote_same(void)
{
	h256 other = the_hash;
	other.b[31] ^= 1;
	bft_vote a = make_vote(BFT_STEP_PREVOTE, 5, 1, &the_hash);
	bft_vote b = a;
	memset(b.sig, 0x77, sizeof b.sig);
	CHECK(bft_vote_same(&a, &b));
	b = make_vote(BFT_STEP_PREVOTE, 5, 1, &other);
	CHECK(!bft_vote_same(&a, &b));
	b = make_vote(BFT_STEP_PREVOTE, 5, 1, NULL);
	CHECK(!bft_vote_same(&a, &b));
	CHECK(!bft_vote_same(&b, &a));
	b = make_vote(BFT_STEP_PRECOMMIT, 5, 1, &the_hash);
	CHECK(!bft_vote_same(&a, &b));
	b = make_vote(BFT_STEP_PREVOTE, 6, 1, &the_hash);
	CHECK(!bft_vote_same(&a, &b));
	b = make_vote(BFT_STEP_PREVOTE, 5, 2, &the_hash);
	CHECK(!bft_vote_same(&a, &b));
	/* Two nil votes, whatever their hash fields hold. */
	a = make_vote(BFT_STEP_PREVOTE, 5, 1, NULL);
	b = a;
	b.hash = other;
	CHECK(bft_vote_same(&a, &b));
}

/* ---- vote sets ---- */

static void test_voteset_add(void)
{
	bft_valset set;
	hardhat_set(&set, (const uint64_t[]){1, 1, 1, 1});
	bft_voteset vs;
	bft_voteset_init(&vs, &set, 5, 0, BFT_STEP_PREVOTE);
	bool nil;
	h256 h;

	bft_vote v = make_vote(BFT_STEP_PREVOTE, 5, 0, &the_hash);
	memset(v.sig, 0x01, sizeof v.sig);
	CHECK_EQ_INT(bft_voteset_add(&vs, 0, &v, NULL, NULL), DURE_OK);
	CHECK(vs.power == 1);
	/* The same vote with another signature: a duplicate. */
	bft_vote again = v;
	memset(again.sig, 0x02, sizeof again.sig);
	CHECK_EQ_INT(bft_voteset_add(&vs, 0, &again, NULL, NULL),
	             DURE_EBFT_DUPLICATE);
	CHECK(vs.power == 1);
	CHECK_MEM(vs.votes[0].sig, v.sig, BFT_SIG_LEN);

	/* A nil vote from the same validator: a conflict; the first stays
	 * first, and the second counts for nil (the validator's power once
	 * in the set's). */
	bft_vote other = make_vote(BFT_STEP_PREVOTE, 5, 0, NULL);
	bft_vote first;
	bool kept = false;
	memset(&first, 0, sizeof first);
	CHECK_EQ_INT(bft_voteset_add(&vs, 0, &other, &first, &kept),
	             DURE_EBFT_CONFLICT);
	CHECK(kept);
	CHECK(votes_equal(&first, &v));
	CHECK(votes_equal(&vs.votes[0], &v));
	CHECK(vs.has2[0] && votes_equal(&vs.votes2[0], &other));
	CHECK_EQ_INT(bft_voteset_add(&vs, 0, &other, NULL, &kept),
	             DURE_EBFT_DUPLICATE);
	CHECK(vs.power == 1);
	CHECK(bft_voteset_power_for(&vs, &the_hash) == 1);
	CHECK(bft_voteset_power_for(&vs, NULL) == 1);
	/* A third value is not kept. */
	h256 third = the_hash;
	third.b[1] ^= 0x40;
	bft_vote v3 = make_vote(BFT_STEP_PREVOTE, 5, 0, &third);
	kept = true;
	CHECK_EQ_INT(bft_voteset_add(&vs, 0, &v3, &first, &kept),
	             DURE_EBFT_CONFLICT);
	CHECK(!kept);
	CHECK(votes_equal(&first, &v));
	CHECK(bft_voteset_power_for(&vs, &third) == 0);

	/* Not this set's height, round, step or validators. */
	bft_vote off = make_vote(BFT_STEP_PREVOTE, 6, 0, &the_hash);
	CHECK_EQ_INT(bft_voteset_add(&vs, 1, &off, NULL, NULL), DURE_EINVAL);
	off = make_vote(BFT_STEP_PREVOTE, 5, 1, &the_hash);
	CHECK_EQ_INT(bft_voteset_add(&vs, 1, &off, NULL, NULL), DURE_EINVAL);
	off = make_vote(BFT_STEP_PRECOMMIT, 5, 0, &the_hash);
	CHECK_EQ_INT(bft_voteset_add(&vs, 1, &off, NULL, NULL), DURE_EINVAL);
	CHECK_EQ_INT(bft_voteset_add(&vs, 4, &v, NULL, NULL), DURE_EINVAL);
	CHECK(!vs.has[1]);
	CHECK(vs.power == 1);

	/* 2 of 4 for H: no majority, nothing above two thirds (3 needed). */
	CHECK_EQ_INT(bft_voteset_add(&vs, 1, &v, NULL, NULL), DURE_OK);
	CHECK(bft_voteset_power_for(&vs, &the_hash) == 2);
	CHECK(!bft_voteset_majority(&vs, &nil, &h));
	CHECK(!bft_voteset_two_thirds_any(&vs));
	/* A nil third: above two thirds in all, still no one value (H 2,
	 * nil 2 with validator 0's second vote). */
	CHECK_EQ_INT(bft_voteset_add(&vs, 2, &other, NULL, NULL), DURE_OK);
	CHECK(bft_voteset_two_thirds_any(&vs));
	CHECK(!bft_voteset_majority(&vs, &nil, &h));
	CHECK(bft_voteset_power_for(&vs, NULL) == 2);
	h256 elsewhere = the_hash;
	elsewhere.b[0] ^= 0x80;
	CHECK(bft_voteset_power_for(&vs, &elsewhere) == 0);
	/* The fourth for H: 3 of 4. */
	CHECK_EQ_INT(bft_voteset_add(&vs, 3, &v, NULL, NULL), DURE_OK);
	nil = true;
	CHECK(bft_voteset_majority(&vs, &nil, &h));
	CHECK(!nil);
	CHECK(h256_eq(&h, &the_hash));
	CHECK(vs.power == 4);

	/* Three nil votes of four: a nil majority, the hash zeroed. */
	bft_voteset_init(&vs, &set, 5, 0, BFT_STEP_PREVOTE);
	for (uint32_t i = 1; i < 4; i++)
		CHECK_EQ_INT(bft_voteset_add(&vs, i, &other, NULL, NULL),
		             DURE_OK);
	memset(&h, 0xee, sizeof h);
	nil = false;
	CHECK(bft_voteset_majority(&vs, &nil, &h));
	CHECK(nil);
	CHECK(all_zero(&h, sizeof h));
}

static void test_voteset_unequal(void)
{
	/* Powers 5, 1, 1, 1: total 8, quorum 16 / 3 + 1 = 6. */
	bft_valset set;
	hardhat_set(&set, (const uint64_t[]){1, 1, 1, 5});
	CHECK(bft_valset_quorum(&set) == 6);
	bft_voteset vs;
	bft_voteset_init(&vs, &set, 9, 3, BFT_STEP_PRECOMMIT);
	bool nil;
	h256 h;
	bft_vote v = make_vote(BFT_STEP_PRECOMMIT, 9, 3, &the_hash);
	bft_vote n = make_vote(BFT_STEP_PRECOMMIT, 9, 3, NULL);

	CHECK_EQ_INT(bft_voteset_add(&vs, 3, &v, NULL, NULL), DURE_OK);
	CHECK(bft_voteset_power_for(&vs, &the_hash) == 5);
	CHECK(!bft_voteset_majority(&vs, &nil, &h));
	CHECK(!bft_voteset_two_thirds_any(&vs));
	CHECK_EQ_INT(bft_voteset_add(&vs, 0, &v, NULL, NULL), DURE_OK);
	CHECK(bft_voteset_majority(&vs, &nil, &h));
	CHECK(!nil);
	CHECK(h256_eq(&h, &the_hash));

	/* Three small validators for H and the big one for nil: 8 in all,
	 * but 3 and 5 alone are not 6. */
	bft_voteset_init(&vs, &set, 9, 3, BFT_STEP_PRECOMMIT);
	for (uint32_t i = 0; i < 3; i++)
		CHECK_EQ_INT(bft_voteset_add(&vs, i, &v, NULL, NULL), DURE_OK);
	CHECK(!bft_voteset_two_thirds_any(&vs));
	CHECK_EQ_INT(bft_voteset_add(&vs, 3, &n, NULL, NULL), DURE_OK);
	CHECK(bft_voteset_two_thirds_any(&vs));
	CHECK(!bft_voteset_majority(&vs, &nil, &h));
	CHECK(bft_voteset_power_for(&vs, NULL) == 5);
	CHECK(bft_voteset_power_for(&vs, &the_hash) == 3);
}

/* ---- commits ---- */

/* Validators 0, 1 and 3 precommit H in round 2 of height 5, validator 2
 * nil; all signed. */
static void signed_precommits(const bft_valset *set, bft_voteset *vs)
{
	bft_voteset_init(vs, set, 5, 2, BFT_STEP_PRECOMMIT);
	for (uint32_t i = 0; i < 4; i++) {
		bft_vote v = make_vote(BFT_STEP_PRECOMMIT, 5, 2,
		                       i == 2 ? NULL : &the_hash);
		CHECK_EQ_INT(bft_vote_sign(&v, CHAIN, keys[i]), DURE_OK);
		CHECK_EQ_INT(bft_voteset_add(vs, i, &v, NULL, NULL), DURE_OK);
	}
}

static void test_commit_build(void)
{
	bft_valset set;
	hardhat_set(&set, (const uint64_t[]){1, 1, 1, 1});
	bft_voteset vs;
	signed_precommits(&set, &vs);
	bft_commit c;

	CHECK_EQ_INT(bft_voteset_commit(&vs, &the_hash, &c), DURE_OK);
	CHECK(c.height == 5);
	CHECK_EQ_INT(c.round, 2);
	CHECK(h256_eq(&c.hash, &the_hash));
	CHECK_EQ_INT(c.n, 3);
	CHECK_EQ_INT(c.sigs[0].index, 0);
	CHECK_EQ_INT(c.sigs[1].index, 1);
	CHECK_EQ_INT(c.sigs[2].index, 3);
	CHECK_MEM(c.sigs[2].sig, vs.votes[3].sig, BFT_SIG_LEN);
	CHECK_EQ_INT(bft_commit_verify(&c, CHAIN, &set), DURE_OK);

	/* Its bytes: [2, [[0, s0], [1, s1], [3, s3]]], each entry
	 * f8 44 | index | b8 41 | sig (70 bytes), 210 in all. */
	buf want = BUF_INIT, out = BUF_INIT;
	put_hex(&want, "f8d5" "02" "f8d2");
	static const char *const idx[3] = {"80", "01", "03"};
	for (size_t i = 0; i < 3; i++) {
		put_hex(&want, "f844");
		put_hex(&want, idx[i]);
		put_hex(&want, "b841");
		CHECK_EQ_INT(buf_append(&want, c.sigs[i].sig, BFT_SIG_LEN),
		             DURE_OK);
	}
	bft_commit_encode(&c, &out);
	CHECK(holds(&out, &want));
	bft_commit d;
	CHECK_EQ_INT(bft_commit_decode(out.data, out.len, 5, &the_hash, &d),
	             DURE_OK);
	CHECK(commits_equal(&c, &d));
	CHECK_EQ_INT(bft_commit_verify(&d, CHAIN, &set), DURE_OK);
	CHECK(out.len <= BFT_COMMIT_MAX);

	/* Nil and an unvoted hash hold 1 and 0 of the 3 needed. */
	h256 other = the_hash;
	other.b[5] ^= 1;
	memset(&c, 0xff, sizeof c);
	CHECK_EQ_INT(bft_voteset_commit(&vs, &other, &c), DURE_EBFT_COMMIT);
	CHECK(all_zero(&c, sizeof c));
	/* Two for H are not enough either. */
	bft_voteset two = vs;
	two.has[3] = false;
	CHECK_EQ_INT(bft_voteset_commit(&two, &the_hash, &c), DURE_EBFT_COMMIT);
	/* ... until validator 2, which precommitted nil, equivocates for H:
	 * its second precommit completes the commit, and it verifies. */
	bft_vote second = make_vote(BFT_STEP_PRECOMMIT, 5, 2, &the_hash);
	CHECK_EQ_INT(bft_vote_sign(&second, CHAIN, keys[2]), DURE_OK);
	bool kept = false;
	CHECK_EQ_INT(bft_voteset_add(&two, 2, &second, NULL, &kept),
	             DURE_EBFT_CONFLICT);
	CHECK(kept);
	CHECK_EQ_INT(bft_voteset_commit(&two, &the_hash, &c), DURE_OK);
	CHECK_EQ_INT(c.n, 3);
	CHECK_EQ_INT(c.sigs[2].index, 2);
	CHECK_MEM(c.sigs[2].sig, second.sig, BFT_SIG_LEN);
	CHECK_EQ_INT(bft_commit_verify(&c, CHAIN, &set), DURE_OK);
	/* Prevotes make no commit, however many. */
	bft_voteset pv;
	bft_voteset_init(&pv, &set, 5, 2, BFT_STEP_PREVOTE);
	for (uint32_t i = 0; i < 4; i++) {
		bft_vote v = make_vote(BFT_STEP_PREVOTE, 5, 2, &the_hash);
		CHECK_EQ_INT(bft_voteset_add(&pv, i, &v, NULL, NULL), DURE_OK);
	}
	CHECK_EQ_INT(bft_voteset_commit(&pv, &the_hash, &c), DURE_EBFT_COMMIT);

	buf_free(&want);
	buf_free(&out);
}

/* [1, [[0, A], [2, B]]]: entries of 70 bytes, 140 (8c), outer 143 (8f). */
#define COMMIT_HEX                                                            \
	"f88f" "01" "f88c" "f844" "80" "b841" SIGA_HEX                        \
	"f844" "02" "b841" SIGB_HEX

/* A commit of round 0 with `entries` entries 0, 1, ... of signature A,
 * behind the list headers given. */
static void many_entries(buf *b, const char *headers, size_t entries)
{
	unhex(b, headers);
	for (size_t i = 0; i < entries; i++) {
		put_hex(b, "f844");
		CHECK_EQ_INT(buf_push(b, i ? (uint8_t)i : 0x80), DURE_OK);
		put_hex(b, "b841" SIGA_HEX);
	}
}

static void test_commit_wire(void)
{
	buf in = BUF_INIT, out = BUF_INIT;
	bft_commit c;
	uint8_t sa[BFT_SIG_LEN], sb[BFT_SIG_LEN];
	CHECK_EQ_INT(hex_decode_exact(SIGA_HEX, sa, BFT_SIG_LEN), DURE_OK);
	CHECK_EQ_INT(hex_decode_exact(SIGB_HEX, sb, BFT_SIG_LEN), DURE_OK);

	unhex(&in, COMMIT_HEX);
	CHECK_EQ_INT(bft_commit_decode(in.data, in.len, 9, &the_hash, &c),
	             DURE_OK);
	CHECK(c.height == 9);
	CHECK_EQ_INT(c.round, 1);
	CHECK(h256_eq(&c.hash, &the_hash));
	CHECK_EQ_INT(c.n, 2);
	CHECK_EQ_INT(c.sigs[0].index, 0);
	CHECK_EQ_INT(c.sigs[1].index, 2);
	CHECK_MEM(c.sigs[0].sig, sa, BFT_SIG_LEN);
	CHECK_MEM(c.sigs[1].sig, sb, BFT_SIG_LEN);
	bft_commit_encode(&c, &out);
	CHECK(holds(&out, &in));

	/* No entries: [0, []]. */
	unhex(&in, "c2" "80" "c0");
	CHECK_EQ_INT(bft_commit_decode(in.data, in.len, 9, &the_hash, &c),
	             DURE_OK);
	CHECK_EQ_INT(c.n, 0);
	buf_reset(&out);
	bft_commit_encode(&c, &out);
	CHECK(holds_hex(&out, "c280c0"));

	/* 32 entries: 2240 bytes (f9 08c0), outer 2244 (f9 08c4), the
	 * largest commit; 33 (2310, 0906; 2314, 090a) are one too many. */
	many_entries(&in, "f908c4" "80" "f908c0", 32);
	CHECK_EQ_INT(bft_commit_decode(in.data, in.len, 9, &the_hash, &c),
	             DURE_OK);
	CHECK_EQ_INT(c.n, 32);
	CHECK_EQ_INT(c.sigs[31].index, 31);
	buf_reset(&out);
	bft_commit_encode(&c, &out);
	CHECK(holds(&out, &in));
	CHECK(out.len <= BFT_COMMIT_MAX);
	many_entries(&in, "f9090a" "80" "f90906", 33);
	memset(&c, 0xff, sizeof c);
	CHECK_EQ_INT(bft_commit_decode(in.data, in.len, 9, &the_hash, &c),
	             DURE_EBFT_MSG);
	CHECK(all_zero(&c, sizeof c));

	static const char *const bad[] = {
		/* indices 2, 0: not ascending; 2, 2: repeated */
		"f88f" "01" "f88c" "f844" "02" "b841" SIGA_HEX
		"f844" "80" "b841" SIGB_HEX,
		"f88f" "01" "f88c" "f844" "02" "b841" SIGA_HEX
		"f844" "02" "b841" SIGB_HEX,
		/* a byte after the list */
		COMMIT_HEX "00",
		/* round 2^20 */
		"f892" "83100000" "f88c" "f844" "80" "b841" SIGA_HEX
		"f844" "02" "b841" SIGB_HEX,
		/* a signature of 64 bytes */
		"f88e" "01" "f88b" "f843" "80" "b840" SIGA64_HEX
		"f844" "02" "b841" SIGB_HEX,
		/* a third item in an entry */
		"f890" "01" "f88d" "f845" "80" "b841" SIGA_HEX "80"
		"f844" "02" "b841" SIGB_HEX,
		/* an index 00, an index 2^32 */
		"f88f" "01" "f88c" "f844" "00" "b841" SIGA_HEX
		"f844" "02" "b841" SIGB_HEX,
		"f84e" "01" "f84b" "f849" "850100000000" "b841" SIGA_HEX,
		/* a third item in the commit; no entry list; an entry that is
		 * no list */
		"f890" "01" "f88c" "f844" "80" "b841" SIGA_HEX
		"f844" "02" "b841" SIGB_HEX "80",
		"c101",
		"c3" "01" "c1" "80",
		/* a string, nothing */
		"80",
		"",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		unhex(&in, bad[i]);
		memset(&c, 0xff, sizeof c);
		int err = bft_commit_decode(in.data, in.len, 9, &the_hash, &c);
		CHECK_EQ_INT(err, DURE_EBFT_MSG);
		if (err != DURE_EBFT_MSG)
			fprintf(stderr, "  bad commit %zu accepted\n", i);
		CHECK(all_zero(&c, sizeof c));
	}

	buf_free(&in);
	buf_free(&out);
}

/* The entry of validator `index` with the signature of vote v by key k. */
static bft_commit_sig entry(uint32_t index, bft_vote v, size_t k)
{
	bft_commit_sig cs = {index, {0}};
	CHECK_EQ_INT(bft_vote_sign(&v, CHAIN, keys[k]), DURE_OK);
	memcpy(cs.sig, v.sig, BFT_SIG_LEN);
	return cs;
}

static void test_commit_verify(void)
{
	bft_valset set;
	hardhat_set(&set, (const uint64_t[]){1, 1, 1, 1});
	bft_vote pc = make_vote(BFT_STEP_PRECOMMIT, 5, 2, &the_hash);
	bft_commit c = {0};
	c.height = 5;
	c.round = 2;
	c.hash = the_hash;

	/* Three of four, then all four. */
	c.n = 3;
	c.sigs[0] = entry(0, pc, 0);
	c.sigs[1] = entry(1, pc, 1);
	c.sigs[2] = entry(2, pc, 2);
	CHECK_EQ_INT(bft_commit_verify(&c, CHAIN, &set), DURE_OK);
	c.n = 4;
	c.sigs[3] = entry(3, pc, 3);
	CHECK_EQ_INT(bft_commit_verify(&c, CHAIN, &set), DURE_OK);
	/* Another chain: every signer is someone else. */
	CHECK_EQ_INT(bft_commit_verify(&c, CHAIN + 1, &set), DURE_EBFT_SIGNER);

	/* Two of four. */
	c.n = 2;
	CHECK_EQ_INT(bft_commit_verify(&c, CHAIN, &set), DURE_EBFT_COMMIT);
	c.n = 0;
	CHECK_EQ_INT(bft_commit_verify(&c, CHAIN, &set), DURE_EBFT_COMMIT);

	/* Validator 3's signature under index 2. */
	c.n = 3;
	c.sigs[2] = entry(2, pc, 3);
	CHECK_EQ_INT(bft_commit_verify(&c, CHAIN, &set), DURE_EBFT_SIGNER);
	/* An index past the set. */
	c.sigs[2] = entry(4, pc, 3);
	CHECK_EQ_INT(bft_commit_verify(&c, CHAIN, &set), DURE_EBFT_SIGNER);
	c.sigs[2] = entry(UINT32_MAX, pc, 3);
	CHECK_EQ_INT(bft_commit_verify(&c, CHAIN, &set), DURE_EBFT_SIGNER);
	/* Validator 3's prevote for the block, its nil precommit, its
	 * precommit of another round. */
	c.sigs[2] = entry(3, make_vote(BFT_STEP_PREVOTE, 5, 2, &the_hash), 3);
	CHECK_EQ_INT(bft_commit_verify(&c, CHAIN, &set), DURE_EBFT_SIGNER);
	c.sigs[2] = entry(3, make_vote(BFT_STEP_PRECOMMIT, 5, 2, NULL), 3);
	CHECK_EQ_INT(bft_commit_verify(&c, CHAIN, &set), DURE_EBFT_SIGNER);
	c.sigs[2] = entry(3, make_vote(BFT_STEP_PRECOMMIT, 5, 1, &the_hash), 3);
	CHECK_EQ_INT(bft_commit_verify(&c, CHAIN, &set), DURE_EBFT_SIGNER);
	/* A high s and an r of 0 do not recover. */
	c.sigs[2] = entry(3, pc, 3);
	CHECK_EQ_INT(bft_commit_verify(&c, CHAIN, &set), DURE_OK);
	negate_s(c.sigs[2].sig + 32);
	c.sigs[2].sig[64] ^= 1;
	CHECK_EQ_INT(bft_commit_verify(&c, CHAIN, &set), DURE_ESIG);
	c.sigs[2] = entry(3, pc, 3);
	memset(c.sigs[2].sig, 0, 32);
	CHECK_EQ_INT(bft_commit_verify(&c, CHAIN, &set), DURE_ESIG);

	/* One signature twice would count twice: refused (vote.h lists no
	 * code for it; vote.c returns DURE_EBFT_MSG). */
	c.n = 3;
	c.sigs[0] = entry(0, pc, 0);
	c.sigs[1] = entry(1, pc, 1);
	c.sigs[2] = entry(1, pc, 1);
	CHECK_EQ_INT(bft_commit_verify(&c, CHAIN, &set), DURE_EBFT_MSG);
	c.n = BFT_MAX_VALIDATORS + 1;
	CHECK_EQ_INT(bft_commit_verify(&c, CHAIN, &set), DURE_EBFT_MSG);

	/* Powers 1, 1, 1, 5 (quorum 6): the big validator alone is 5, with
	 * one more 6. */
	bft_valset big;
	hardhat_set(&big, (const uint64_t[]){1, 1, 1, 5});
	c.n = 1;
	c.sigs[0] = entry(3, pc, 3);
	CHECK_EQ_INT(bft_commit_verify(&c, CHAIN, &big), DURE_EBFT_COMMIT);
	c.n = 2;
	c.sigs[0] = entry(1, pc, 1);
	c.sigs[1] = entry(3, pc, 3);
	CHECK_EQ_INT(bft_commit_verify(&c, CHAIN, &big), DURE_OK);
	/* Three small ones are 3. */
	c.n = 3;
	c.sigs[0] = entry(0, pc, 0);
	c.sigs[1] = entry(1, pc, 1);
	c.sigs[2] = entry(2, pc, 2);
	CHECK_EQ_INT(bft_commit_verify(&c, CHAIN, &big), DURE_EBFT_COMMIT);
	/* The 1,1,1,1 commit of these three passes there. */
	CHECK_EQ_INT(bft_commit_verify(&c, CHAIN, &set), DURE_OK);
}

/* setup first: the keys and the hash for the rest. */
TEST_MAIN(setup, test_keys, test_digest, test_sign, test_vote_wire,
          test_proposal_wire, test_vote_same, test_voteset_add,
          test_voteset_unequal, test_commit_build, test_commit_wire,
          test_commit_verify)
