/* The BFT chain's config and engine rules: the "bft" object read, refused
 * and written back; the extra-data bound per chain; and a real chain on
 * LMDB with the four Hardhat validators (keys and addresses from
 * Hardhat's published default accounts), whose block 2 carries block 1's
 * commit signed by three of them: imported, and each broken variant of it
 * refused with its own rule (tests/unit/bft_chain.h has the chain). */
/* nftw (bft_chain.h) is X/Open. */
#define _XOPEN_SOURCE 700
#include <stdlib.h>
#include <string.h>

#include "bft_chain.h"
#include "chain/tx.h"
#include "chain/validate.h"
#include "consensus/bft/rules.h"
#include "consensus/builder.h"
#include "test.h"

static int config_of(const char *text, chain_config *c)
{
	json_t *j = json_loads(text, 0, NULL);
	if (!j)
		return -1;
	int err = chain_config_from_json(j, c);
	json_decref(j);
	return err;
}

static void test_config(void)
{
	chain_config c;
	CHECK_EQ_INT(config_of("{\"chainId\": 7, \"bft\": {\"validators\": ["
	                       "{\"address\": \"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266\", \"power\": 10},"
	                       "\"0x70997970c51812dc3a010c7d01b50e0d17dc79c8\","
	                       "{\"address\": \"0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc\", \"power\": \"0x20\"}]}}",
	                       &c),
	             DURE_OK);
	CHECK(c.has_bft && !c.has_pow);
	CHECK_EQ_INT(c.bft.n, 3);
	CHECK(address_eq(&c.bft.addr[0], &addrs[0]));
	CHECK(address_eq(&c.bft.addr[1], &addrs[1]));
	CHECK(address_eq(&c.bft.addr[2], &addrs[2]));
	CHECK_EQ_INT(c.bft.power[0], 10);
	CHECK_EQ_INT(c.bft.power[1], 1);
	CHECK_EQ_INT(c.bft.power[2], 32);
	CHECK_EQ_INT(header_extra_max(&c), HEADER_EXTRA_MAX);

	/* Written back and read again: the same validators. */
	json_t *o;
	CHECK_EQ_INT(chain_config_to_json(&c, &o), DURE_OK);
	chain_config back;
	CHECK_EQ_INT(chain_config_from_json(o, &back), DURE_OK);
	json_t *v1 = json_array_get(json_object_get(json_object_get(o, "bft"),
	                                            "validators"), 1);
	CHECK(strcmp(json_string_value(json_object_get(v1, "address")),
	             hh_addrs[1]) == 0);
	CHECK_EQ_INT(json_integer_value(json_object_get(v1, "power")), 1);
	json_decref(o);
	CHECK(back.has_bft && back.bft.n == 3);
	CHECK_MEM(back.bft.addr, c.bft.addr, sizeof c.bft.addr);
	CHECK_MEM(back.bft.power, c.bft.power, sizeof c.bft.power);

	CHECK(!c.bft.has_admin);

	/* An admin and its contract, written back too. */
	CHECK_EQ_INT(config_of("{\"chainId\": 7, \"bft\": {\"validators\": ["
	                       "\"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266\"], "
	                       "\"admin\": \"0x70997970c51812dc3a010c7d01b50e0d17dc79c8\", "
	                       "\"contract\": \"0x0000000000000000000000000000000000000bf7\"}}",
	                       &c),
	             DURE_OK);
	CHECK(c.bft.has_admin && address_eq(&c.bft.admin, &addrs[1]));
	CHECK(c.bft.contract.b[18] == 0x0b && c.bft.contract.b[19] == 0xf7);
	CHECK_EQ_INT(chain_config_to_json(&c, &o), DURE_OK);
	memset(&back, 0, sizeof back);
	CHECK_EQ_INT(chain_config_from_json(o, &back), DURE_OK);
	json_decref(o);
	CHECK(back.bft.has_admin && address_eq(&back.bft.admin, &c.bft.admin) &&
	      address_eq(&back.bft.contract, &c.bft.contract));

	chain_config plain;
	CHECK_EQ_INT(config_of("{\"chainId\": 7}", &plain), DURE_OK);
	CHECK(!plain.has_bft);
	CHECK_EQ_INT(header_extra_max(&plain), 32);

	static const char *const bad[] = {
		"{\"chainId\": 7, \"bft\": {}}",
		"{\"chainId\": 7, \"bft\": {\"validators\": []}}",
		"{\"chainId\": 7, \"bft\": {\"validators\": {}}}",
		"{\"chainId\": 7, \"bft\": [\"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266\"]}",
		/* 19 bytes; not hex; a number */
		"{\"chainId\": 7, \"bft\": {\"validators\": [\"0xf39fd6e51aad88f6f4ce6ab8827279cfffb922\"]}}",
		"{\"chainId\": 7, \"bft\": {\"validators\": [\"0xz39fd6e51aad88f6f4ce6ab8827279cfffb92266\"]}}",
		"{\"chainId\": 7, \"bft\": {\"validators\": [5]}}",
		/* twice */
		"{\"chainId\": 7, \"bft\": {\"validators\": [\"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266\","
		"{\"address\": \"0xF39FD6E51AAD88F6F4CE6AB8827279CFFFB92266\", \"power\": 2}]}}",
		/* power 0, negative, missing, over 2^60 - 1 together */
		"{\"chainId\": 7, \"bft\": {\"validators\": [{\"address\": \"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266\", \"power\": 0}]}}",
		"{\"chainId\": 7, \"bft\": {\"validators\": [{\"address\": \"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266\", \"power\": -1}]}}",
		"{\"chainId\": 7, \"bft\": {\"validators\": [{\"address\": \"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266\"}]}}",
		"{\"chainId\": 7, \"bft\": {\"validators\": ["
		"{\"address\": \"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266\", \"power\": \"0x800000000000000\"},"
		"{\"address\": \"0x70997970c51812dc3a010c7d01b50e0d17dc79c8\", \"power\": \"0x800000000000000\"}]}}",
		/* an admin without its contract, a contract without its admin,
		 * a bad address */
		"{\"chainId\": 7, \"bft\": {\"validators\": [\"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266\"], "
		"\"admin\": \"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266\"}}",
		"{\"chainId\": 7, \"bft\": {\"validators\": [\"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266\"], "
		"\"contract\": \"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266\"}}",
		"{\"chainId\": 7, \"bft\": {\"validators\": [\"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266\"], "
		"\"admin\": \"0xf39fd6e51aad88f6f4ce6ab8827279cfffb922\", "
		"\"contract\": \"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266\"}}",
		/* both engines */
		"{\"chainId\": 7, \"pow\": {\"targetBlockTime\": 5, \"minimumDifficulty\": 1},"
		"\"bft\": {\"validators\": [\"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266\"]}}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int err = config_of(bad[i], &c);
		CHECK_EQ_INT(err, DURE_EJSON);
		if (err != DURE_EJSON)
			fprintf(stderr, "  accepted: %s\n", bad[i]);
		CHECK(!c.has_bft);
	}
	/* 2^60 - 1 in all is allowed; 32 validators are, 33 are not. */
	CHECK_EQ_INT(config_of("{\"chainId\": 7, \"bft\": {\"validators\": ["
	                       "{\"address\": \"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266\", \"power\": \"0x800000000000000\"},"
	                       "{\"address\": \"0x70997970c51812dc3a010c7d01b50e0d17dc79c8\", \"power\": \"0x7ffffffffffffff\"}]}}",
	                       &c),
	             DURE_OK);
	for (size_t n = 32; n <= 33; n++) {
		json_t *vals = json_array();
		for (size_t i = 0; i < n; i++) {
			char a[43];
			snprintf(a, sizeof a, "0x%040zx", i + 1);
			json_array_append_new(vals, json_string(a));
		}
		json_t *cfg = json_pack("{s:i,s:{s:o}}", "chainId", 7, "bft",
		                        "validators", vals);
		CHECK_EQ_INT(chain_config_from_json(cfg, &c),
		             n == 32 ? DURE_OK : DURE_EJSON);
		json_decref(cfg);
	}
}

/* ---- a real chain ---- */

static bool build_on(node *n, const address *coinbase, const uint8_t *extra,
                     size_t extra_len, block *out)
{
	header head;
	h256 hh;
	if (blockchain_head(n->bc, &head, &hh))
		return false;
	build_opts o = {0};
	o.coinbase = *coinbase;
	o.extra = extra;
	o.extra_len = extra_len;
	return blockchain_build(n->bc, &o, NULL, 0, out, NULL) == 0;
}

static void encode_commit(const bft_commit *c, buf *out)
{
	buf_reset(out);
	bft_commit_encode(c, out);
	if (buf_failed(out))
		abort();
}

/* Imports a copy of b with one change; returns the import's code. */
static int import_changed(node *n, const block *b, void (*change)(header *))
{
	block x = *b;
	change(&x.h);
	import_result r;
	return blockchain_import(n->bc, &x, &r);
}

static void diff2(header *h) { h->difficulty = u256_from_u64(2); }
static void diff0(header *h) { h->difficulty = u256_from_u64(0); }
static void nonce1(header *h) { h->nonce[7] = 1; }
static void mix1(header *h) { h->mix_hash.b[0] = 1; }
static void ommers(header *h) { h->ommers_hash.b[0] ^= 1; }
static void stranger(header *h) { memset(h->coinbase.b, 0x42, 20); }

static void test_chain(void)
{
	node n;
	CHECK(node_open(&n));
	CHECK(n.eng.bft != NULL && n.eng.pw == NULL);
	const engine *e = bft_rules_engine(n.eng.bft);
	CHECK(strcmp(e->name, "bft") == 0);
	const bft_valset *gs = bft_rules_genesis_set(n.eng.bft);
	CHECK_EQ_INT(gs->n, 4);
	for (int k = 0; k < 4; k++)
		CHECK_EQ_INT(bft_valset_index(gs, &addrs[k]), set_index_of_key[k]);

	/* Block 1: a genesis child carries no commit. */
	block b1 = {0};
	CHECK(build_on(&n, &addrs[0], NULL, 0, &b1));
	CHECK(u256_eq(&b1.h.difficulty, &((u256){{1, 0, 0, 0}})));
	uint8_t junk[1] = {0xc0};
	block b1x = b1;
	memcpy(b1x.h.extra, junk, 1);
	b1x.h.extra_len = 1;
	import_result r;
	CHECK_EQ_INT(blockchain_import(n.bc, &b1x, &r), DURE_EBLOCK_EXTRA_DATA);
	CHECK_EQ_INT(import_changed(&n, &b1, stranger), DURE_EBFT_SIGNER);
	CHECK_EQ_INT(blockchain_import(n.bc, &b1, &r), DURE_OK);
	CHECK(r.canonical);
	h256 h1 = r.hash;

	/* Block 2 with block 1's commit by keys 2, 1, 3 (set 0, 1, 2). */
	int three[3] = {2, 1, 3};
	bft_commit c;
	bft_signed_commit(1, &h1, 0, BFT_STEP_PRECOMMIT, three, NULL, 3, &c);
	CHECK_EQ_INT(bft_rules_check_commit(n.eng.bft, &h1, &c), DURE_OK);
	buf enc;
	buf_init(&enc);
	encode_commit(&c, &enc);
	block b2 = {0};
	CHECK(build_on(&n, &addrs[1], enc.data, enc.len, &b2));
	int four[4] = {2, 1, 3, 0};
	bft_commit all;
	bft_signed_commit(1, &h1, 0, BFT_STEP_PRECOMMIT, four, NULL, 4, &all);
	encode_commit(&all, &enc);
	block b2x = {0};
	CHECK(build_on(&n, &addrs[2], enc.data, enc.len, &b2x));

	/* Each rule on its own. */
	CHECK_EQ_INT(import_changed(&n, &b2, diff2), DURE_EBLOCK_DIFFICULTY);
	CHECK_EQ_INT(import_changed(&n, &b2, diff0), DURE_EBLOCK_DIFFICULTY);
	CHECK_EQ_INT(import_changed(&n, &b2, nonce1), DURE_EBLOCK_NONCE);
	CHECK_EQ_INT(import_changed(&n, &b2, mix1), DURE_EBLOCK_SEAL);
	CHECK_EQ_INT(import_changed(&n, &b2, ommers), DURE_EBLOCK_OMMERS);
	CHECK_EQ_INT(import_changed(&n, &b2, stranger), DURE_EBFT_SIGNER);

	/* Broken commits in its extra data. */
	block x = b2;
	x.h.extra_len = 0;
	CHECK_EQ_INT(blockchain_import(n.bc, &x, &r), DURE_EBFT_MSG);
	bft_commit bad;
	int two[2] = {2, 1};
	bft_signed_commit(1, &h1, 0, BFT_STEP_PRECOMMIT, two, NULL, 2, &bad);
	encode_commit(&bad, &enc);
	memcpy(x.h.extra, enc.data, enc.len);
	x.h.extra_len = enc.len;
	CHECK_EQ_INT(blockchain_import(n.bc, &x, &r), DURE_EBFT_COMMIT);
	/* Prevotes are not precommits: their signatures recover to other
	 * addresses under the precommit digest. */
	bft_signed_commit(1, &h1, 0, BFT_STEP_PREVOTE, three, NULL, 3, &bad);
	encode_commit(&bad, &enc);
	memcpy(x.h.extra, enc.data, enc.len);
	x.h.extra_len = enc.len;
	CHECK_EQ_INT(blockchain_import(n.bc, &x, &r), DURE_EBFT_SIGNER);
	/* Signed for another block, or for another round than it says. */
	h256 other = h1;
	other.b[31] ^= 1;
	bft_signed_commit(1, &other, 0, BFT_STEP_PRECOMMIT,
	                  three, NULL, 3, &bad);
	encode_commit(&bad, &enc);
	memcpy(x.h.extra, enc.data, enc.len);
	x.h.extra_len = enc.len;
	CHECK_EQ_INT(blockchain_import(n.bc, &x, &r), DURE_EBFT_SIGNER);
	bft_signed_commit(1, &h1, 0, BFT_STEP_PRECOMMIT, three, NULL, 3, &bad);
	bad.round = 1;
	encode_commit(&bad, &enc);
	memcpy(x.h.extra, enc.data, enc.len);
	x.h.extra_len = enc.len;
	CHECK_EQ_INT(blockchain_import(n.bc, &x, &r), DURE_EBFT_SIGNER);
	/* A signer at another validator's index. */
	bft_signed_commit(1, &h1, 0, BFT_STEP_PRECOMMIT, three, NULL, 3, &bad);
	bad.sigs[2].index = 3;
	encode_commit(&bad, &enc);
	memcpy(x.h.extra, enc.data, enc.len);
	x.h.extra_len = enc.len;
	CHECK_EQ_INT(blockchain_import(n.bc, &x, &r), DURE_EBFT_SIGNER);
	/* An index past the set. */
	bad.sigs[2].index = 4;
	encode_commit(&bad, &enc);
	memcpy(x.h.extra, enc.data, enc.len);
	x.h.extra_len = enc.len;
	CHECK_EQ_INT(blockchain_import(n.bc, &x, &r), DURE_EBFT_SIGNER);
	/* Bytes after the commit; more than a commit can take. */
	encode_commit(&c, &enc);
	memcpy(x.h.extra, enc.data, enc.len);
	x.h.extra[enc.len] = 0x80;
	x.h.extra_len = enc.len + 1;
	CHECK_EQ_INT(blockchain_import(n.bc, &x, &r), DURE_EBFT_MSG);
	memset(x.h.extra, 0, HEADER_EXTRA_MAX);
	x.h.extra_len = BFT_COMMIT_MAX + 1;
	CHECK_EQ_INT(blockchain_import(n.bc, &x, &r), DURE_EBLOCK_EXTRA_DATA);

	/* A validator's check before its vote: execution and roots, nothing
	 * stored. */
	CHECK_EQ_INT(blockchain_check(n.bc, &b2, &r), DURE_OK);
	CHECK(r.canonical && !r.known);
	x = b2;
	x.h.state_root.b[0] ^= 1;
	CHECK_EQ_INT(blockchain_check(n.bc, &x, &r), DURE_EBLOCK_STATE_ROOT);
	x = b2;
	x.h.gas_used = 1;
	CHECK_EQ_INT(blockchain_check(n.bc, &x, NULL), DURE_EBLOCK_GAS_USED);
	CHECK_EQ_INT(blockchain_check(n.bc, &b1, NULL), DURE_EINVAL);
	bool known = true;
	h256 checked;
	CHECK_EQ_INT(header_hash(&b2.h, &checked), 0);
	CHECK_EQ_INT(blockchain_known(n.bc, &checked, &known), 0);
	CHECK(!known);

	/* None of that moved the head; the good block does. */
	header head;
	h256 hh;
	CHECK_EQ_INT(blockchain_head(n.bc, &head, &hh), 0);
	CHECK_EQ_INT(head.number, 1);
	CHECK_EQ_INT(blockchain_import(n.bc, &b2, &r), DURE_OK);
	CHECK(r.canonical);

	/* A sibling of block 2 (with a commit of all four, as good) at equal
	 * height does not replace it. */
	CHECK_EQ_INT(blockchain_import(n.bc, &b2x, &r), DURE_OK);
	CHECK(!r.canonical);
	h256 h2;
	CHECK_EQ_INT(header_hash(&b2.h, &h2), 0);
	CHECK_EQ_INT(blockchain_head(n.bc, &head, &hh), 0);
	CHECK(h256_eq(&hh, &h2));

	buf_free(&enc);
	block_free(&b1);
	block_free(&b2);
	block_free(&b2x);
	node_close(&n);
}

/* The fork choice: a higher block only. */
static void test_prefer(void)
{
	chain_config c = {0};
	c.has_bft = true;
	c.chain_id = 1337;
	c.bft.n = 1;
	c.bft.addr[0] = addrs[0];
	c.bft.power[0] = 1;
	bft_rules *r;
	CHECK_EQ_INT(bft_rules_new(&c, &r), DURE_OK);
	const engine *e = bft_rules_engine(r);
	header a = {0}, b = {0};
	u256 t5 = u256_from_u64(5), t6 = u256_from_u64(6);
	CHECK(e->prefer(e->ctx, &a, &t5, &b, &t6));
	CHECK(!e->prefer(e->ctx, &a, &t5, &b, &t5));
	CHECK(!e->prefer(e->ctx, &a, &t6, &b, &t5));
	bft_rules_free(r);

	chain_config none = {0};
	CHECK_EQ_INT(bft_rules_new(&none, &r), DURE_EINVAL);
	CHECK(r == NULL);
}

static bool same_set(const bft_valset *a, const bft_valset *b)
{
	if (a->n != b->n || a->total != b->total)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (!address_eq(&a->v[i].addr, &b->v[i].addr) ||
		    a->v[i].power != b->v[i].power ||
		    a->v[i].priority != b->v[i].priority)
			return false;
	return true;
}

/* On a chain whose set never changes, the set of height h is the genesis
 * set incremented h times and its proposers' the one of h - 1, whatever
 * block is asked about and in whatever order the heights come. */
static void test_set_at(void)
{
	chain_config c = {0};
	c.has_bft = true;
	c.chain_id = 1;
	c.bft.n = 3;
	for (int i = 0; i < 3; i++) {
		c.bft.addr[i] = addrs[i];
		c.bft.power[i] = (uint64_t)i + 1;
	}
	bft_rules *r;
	CHECK_EQ_INT(bft_rules_new(&c, &r), DURE_OK);
	bft_valset want = *bft_rules_genesis_set(r), got;
	CHECK(want.n == 3 && want.total == 6);
	uint64_t heights[] = {5, 9, 3, 3, 1, 12, 11, 12};
	h256 any = {{7}};
	for (size_t i = 0; i < sizeof heights / sizeof heights[0]; i++) {
		bft_valset w = want, pre;
		bft_valset_increment(&w, heights[i] - 1, NULL);
		CHECK_EQ_INT(bft_rules_sets(r, &any, heights[i], &got, &pre),
		             DURE_OK);
		CHECK(same_set(&w, &pre));
		bft_valset_increment(&w, 1, NULL);
		CHECK(same_set(&w, &got));
	}
	bft_rules_free(r);
}

/* ---- set changes ---- */

/* rlp([[0x3c44.. (key 2), 5], [0x90f7.. (key 3), 1]]), by hand. */
static const char change_rlp[] =
	"eed6943c44cdddb6a900fa2b585dd299e03d12fa4293bc05"
	"d69490f79bf6eb2c4f870365e785982e1f101e93b90601";

/* A transfer from key `from` to CONTRACT carrying data. */
static bool change_tx(int from, uint64_t nonce, const char *hexdata, tx *t)
{
	memset(t, 0, sizeof *t);
	t->type = TX_DYNAMIC_FEE;
	t->has_chain_id = true;
	t->chain_id = 1337;
	t->nonce = nonce;
	t->max_fee = u256_from_u64(10000000000);
	t->gas_limit = 100000;
	t->has_to = true;
	size_t n = strlen(hexdata) / 2;
	t->data = malloc(n ? n : 1);
	t->data_size = n;
	return t->data && hex_decode_exact(CONTRACT, t->to.b, 20) == 0 &&
	       hex_decode_exact(hexdata, t->data, n) == 0 &&
	       tx_sign(t, keys[from]) == 0;
}

static bool build_txs(node *n, int coinbase, const bft_commit *parent,
                      const tx *txs, size_t ntxs, block *out)
{
	buf enc;
	buf_init(&enc);
	if (parent)
		encode_commit(parent, &enc);
	build_opts o = {0};
	o.coinbase = addrs[coinbase];
	o.extra = enc.data;
	o.extra_len = enc.len;
	bool ok = blockchain_build(n->bc, &o, txs, ntxs, out, NULL) == 0;
	buf_free(&enc);
	return ok;
}

/* The contract's storage word at slot, as hex. */
static void slot_hex(node *n, uint64_t slot, char out[65])
{
	db_txn *t;
	address a;
	u256 k = u256_from_u64(slot), v = U256_ZERO;
	if (hex_decode_exact(CONTRACT, a.b, 20) || db_begin_read(n->d, &t))
		abort();
	if (store_storage(n->s, t, &a, &k, &v) && !u256_is_zero(&v))
		abort();
	db_abort(t);
	uint8_t be[32];
	u256_to_be(&v, be);
	hex_encode(be, 32, out);
}

static void check_slot(node *n, uint64_t slot, const char *want)
{
	char got[65];
	slot_hex(n, slot, got);
	CHECK(strcmp(got, want) == 0);
	if (strcmp(got, want))
		fprintf(stderr, "  slot %llu: %s\n", (unsigned long long)slot, got);
}

static int import_block(node *n, const block *b, h256 *hash)
{
	import_result r;
	int err = blockchain_import(n->bc, b, &r);
	*hash = r.hash;
	return err;
}

/* Block 1 carries the admin's change to {key 2: 5, key 3: 1}, then two
 * that must change nothing: junk from the admin, and a change from key 1; heights 1 and 2 keep the genesis set, height 3 has the new one:
 * its coinbase and the commit of block 3 must come from it. The storage
 * holds the layout of rules.h, and a reopened chain reads it back. */
static void test_changes(void)
{
	static const char *const zero =
	    "0000000000000000000000000000000000000000000000000000000000000000";
	node n;
	CHECK_EQ_INT(node_open_with(&n, BFT_ADMIN), DURE_OK);
	tx txs[3];
	CHECK(change_tx(0, 0, change_rlp, &txs[0]));
	CHECK(change_tx(0, 1, "c0c0", &txs[1]));
	/* rlp([[0x7099.. (key 1), 1]]) from key 1, after the admin's. */
	CHECK(change_tx(1, 0, "d7d69470997970c51812dc3a010c7d01b50e0d17dc79c801",
	                &txs[2]));
	block b1 = {0}, b2 = {0}, b3 = {0}, b3x = {0}, b4 = {0};
	h256 h1, h2, h3, h4;
	CHECK(build_txs(&n, 0, NULL, txs, 3, &b1));
	CHECK_EQ_INT(import_block(&n, &b1, &h1), DURE_OK);
	for (int i = 0; i < 3; i++)
		tx_free(&txs[i]);

	check_slot(&n, 64, "0000000000000000000000000000000000000000000000000000000000000002");
	check_slot(&n, 65, "0000000000000000000000000000000000000000000000000000000000000002");
	check_slot(&n, 66, "3c44cdddb6a900fa2b585dd299e03d12fa4293bc000000000000000000000005");
	check_slot(&n, 67, "90f79bf6eb2c4f870365e785982e1f101e93b906000000000000000000000001");
	/* Not an empty account (EIP-161 would clear it). */
	db_txn *t;
	state_account acct = {0};
	address ca;
	CHECK_EQ_INT(hex_decode_exact(CONTRACT, ca.b, 20), DURE_OK);
	CHECK_EQ_INT(db_begin_read(n.d, &t), DURE_OK);
	CHECK_EQ_INT(store_account(n.s, t, &ca, &acct), DURE_OK);
	db_abort(t);
	CHECK_EQ_INT(acct.nonce, 1);

	bft_valset g = *bft_rules_genesis_set(n.eng.bft), want, got, pre;
	CHECK_EQ_INT(bft_valset_init(&want, (address[]){addrs[2], addrs[3]},
	                             (uint64_t[]){5, 1}, 2),
	             DURE_OK);
	bft_valset gw = g;
	bft_valset_increment(&gw, 2, NULL);
	CHECK_EQ_INT(bft_rules_sets(n.eng.bft, &h1, 2, &got, NULL), DURE_OK);
	CHECK(same_set(&got, &gw));
	bft_valset nw = want;
	CHECK_EQ_INT(bft_rules_sets(n.eng.bft, &h1, 3, &got, &pre), DURE_OK);
	CHECK(same_set(&pre, &nw));
	bft_valset_increment(&nw, 1, NULL);
	CHECK(same_set(&got, &nw));

	/* Block 2: the genesis set commits block 1 and proposes. */
	bft_commit c1, c2, c3;
	bft_signed_commit(1, &h1, 0, BFT_STEP_PRECOMMIT,
	                  (int[]){2, 1, 3}, (uint32_t[]){0, 1, 2}, 3, &c1);
	CHECK(build_txs(&n, 1, &c1, NULL, 0, &b2));
	CHECK_EQ_INT(import_block(&n, &b2, &h2), DURE_OK);

	/* Block 3: a coinbase of the old set only is refused. */
	bft_signed_commit(2, &h2, 0, BFT_STEP_PRECOMMIT,
	                  (int[]){2, 1, 3}, (uint32_t[]){0, 1, 2}, 3, &c2);
	CHECK(build_txs(&n, 1, &c2, NULL, 0, &b3x));
	CHECK_EQ_INT(import_block(&n, &b3x, &h3), DURE_EBFT_SIGNER);
	CHECK(build_txs(&n, 3, &c2, NULL, 0, &b3));
	CHECK_EQ_INT(import_block(&n, &b3, &h3), DURE_OK);
	/* In force now: the old set's entries past the new size are zeroed. */
	check_slot(&n, 0, "0000000000000000000000000000000000000000000000000000000000000002");
	check_slot(&n, 1, "0000000000000000000000000000000000000000000000000000000000000002");
	check_slot(&n, 2, "3c44cdddb6a900fa2b585dd299e03d12fa4293bc000000000000000000000005");
	check_slot(&n, 3, "90f79bf6eb2c4f870365e785982e1f101e93b906000000000000000000000001");
	check_slot(&n, 4, zero);
	check_slot(&n, 64, zero);
	check_slot(&n, 65, zero);
	check_slot(&n, 66, zero);

	/* Block 4 carries block 3's commit by the new set: key 2 (index 0)
	 * holds 5 of 6, more than two thirds; key 3 alone does not; the old
	 * set's keys are not it. */
	bft_signed_commit(3, &h3, 0, BFT_STEP_PRECOMMIT,
	                  (int[]){3}, (uint32_t[]){1}, 1, &c3);
	CHECK_EQ_INT(bft_rules_check_commit(n.eng.bft, &h3, &c3),
	             DURE_EBFT_COMMIT);
	bft_signed_commit(3, &h3, 0, BFT_STEP_PRECOMMIT,
	                  (int[]){1, 0}, (uint32_t[]){0, 1}, 2, &c3);
	CHECK_EQ_INT(bft_rules_check_commit(n.eng.bft, &h3, &c3),
	             DURE_EBFT_SIGNER);
	bft_signed_commit(3, &h3, 0, BFT_STEP_PRECOMMIT,
	                  (int[]){2}, (uint32_t[]){0}, 1, &c3);
	CHECK_EQ_INT(bft_rules_check_commit(n.eng.bft, &h3, &c3), DURE_OK);
	CHECK(build_txs(&n, 2, &c3, NULL, 0, &b4));
	CHECK_EQ_INT(import_block(&n, &b4, &h4), DURE_OK);

	/* Reopened, the rules read the head's sets from the state. */
	blockchain_free(n.bc);
	chain_engines_free(&n.eng);
	CHECK_EQ_INT(chain_engine_open(n.s, NULL, &n.eng, &n.bc), DURE_OK);
	nw = want;
	bft_valset_increment(&nw, 5 - 2, NULL);
	CHECK_EQ_INT(bft_rules_sets(n.eng.bft, &h4, 5, &got, NULL), DURE_OK);
	CHECK(same_set(&got, &nw));
	CHECK_EQ_INT(bft_rules_sets(n.eng.bft, &h2, 3, &got, NULL),
	             DURE_ENOTFOUND);

	block_free(&b1);
	block_free(&b2);
	block_free(&b3);
	block_free(&b3x);
	block_free(&b4);
	node_close(&n);

	/* Code at the contract could set its slots for any caller: such a
	 * chain does not open. */
	CHECK_EQ_INT(node_open_with(&n, BFT_ADMIN_CODE), DURE_EINVAL);
	node_close(&n);
}

static void test_all(void)
{
	bft_keys_setup();
	test_config();
	test_prefer();
	test_set_at();
	test_chain();
	test_changes();
}

TEST_MAIN(test_all)
