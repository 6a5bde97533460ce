#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "chain/tx.h"
#include "crypto/keccak.h"
#include "crypto/secp.h"
#include "rlp/rlp.h"
#include "test.h"

/* secp256k1n and the key of EIP-155's example. */
static const u256 N = {{0xbfd25e8cd0364141ULL, 0xbaaedce6af48a03bULL,
                        0xfffffffffffffffeULL, 0xffffffffffffffffULL}};
static const uint8_t KEY46[32] = {
	0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46,
	0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46,
	0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46, 0x46};

static buf unhex(const char *s)
{
	buf b = BUF_INIT;
	if (hex_decode(s, strlen(s), &b) != DURE_OK)
		abort();
	return b;
}

static void key_address(const uint8_t key[32], address *out)
{
	uint8_t pub[64];
	if (secp_pubkey_create(key, pub) != DURE_OK)
		abort();
	secp_pubkey_address(pub, out);
}

/* EIP-155's worked example: nonce 9, 20 gwei, 21000 gas, 1 ether to
 * 0x3535..35, chain id 1, signed with key 0x4646..46. */
static const char EIP155_SIGNING_DATA[] =
	"ec098504a817c800825208943535353535353535353535353535353535353535"
	"880de0b6b3a764000080018080";
static const char EIP155_SIGNING_HASH[] =
	"daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53";
static const char EIP155_SIGNED[] =
	"f86c098504a817c800825208943535353535353535353535353535353535353535"
	"880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71"
	"ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc6421"
	"4b297fb1966a3b6d83";

static void test_eip155_vector(void)
{
	buf raw = unhex(EIP155_SIGNED);
	tx t;
	CHECK_EQ_INT(tx_decode(raw.data, raw.len, &t), DURE_OK);
	CHECK_EQ_INT(t.type, TX_LEGACY);
	CHECK_EQ_INT(t.nonce, 9);
	CHECK_EQ_INT(t.gas_price.w[0], 20000000000ULL);
	CHECK_EQ_INT(t.gas_limit, 21000);
	CHECK(t.has_to);
	CHECK_EQ_INT(t.value.w[0], 1000000000000000000ULL);
	CHECK_EQ_INT(t.data_size, 0);
	CHECK(t.has_chain_id);
	CHECK_EQ_INT(t.chain_id, 1);
	CHECK_EQ_INT(t.v.w[0], 37);

	buf want_data = unhex(EIP155_SIGNING_DATA);
	uint8_t want_hash[32], data_hash[32];
	CHECK_EQ_INT(hex_decode_exact(EIP155_SIGNING_HASH, want_hash, 32), DURE_OK);
	keccak256(want_data.data, want_data.len, data_hash);
	CHECK_MEM(data_hash, want_hash, 32);
	h256 sh;
	CHECK_EQ_INT(tx_signing_hash(&t, &sh), DURE_OK);
	CHECK_MEM(sh.b, want_hash, 32);

	address from, want_from;
	key_address(KEY46, &want_from);
	CHECK_EQ_INT(tx_sender(&t, &from), DURE_OK);
	CHECK(address_eq(&from, &want_from));
	uint8_t known[20];
	CHECK_EQ_INT(hex_decode_exact("9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f",
	                              known, 20), DURE_OK);
	CHECK_MEM(from.b, known, 20);

	h256 th;
	uint8_t raw_hash[32];
	keccak256(raw.data, raw.len, raw_hash);
	CHECK_EQ_INT(tx_hash(&t, &th), DURE_OK);
	CHECK_MEM(th.b, raw_hash, 32);

	/* Deterministic signing (RFC 6979) reproduces the example bytes. */
	tx u = t;
	u.data = NULL;
	u.v = u.r = u.s = U256_ZERO;
	CHECK_EQ_INT(tx_sign(&u, KEY46), DURE_OK);
	buf enc = BUF_INIT;
	CHECK_EQ_INT(tx_encode(&u, &enc), DURE_OK);
	CHECK(enc.len == raw.len && memcmp(enc.data, raw.data, raw.len) == 0);

	CHECK_EQ_INT(tx_validate(&t, FORK_SPURIOUS), DURE_OK);
	CHECK_EQ_INT(tx_validate(&t, FORK_TANGERINE), DURE_ETX_V);
	CHECK_EQ_INT(tx_check_chain_id(&t, 1), DURE_OK);
	CHECK_EQ_INT(tx_check_chain_id(&t, 61), DURE_ETX_CHAIN_ID);

	buf_free(&enc);
	buf_free(&want_data);
	buf_free(&raw);
	tx_free(&t);
}

/* A tx of the given type with every field it carries set, unsigned. */
static void make_tx(tx *t, uint8_t type)
{
	memset(t, 0, sizeof *t);
	t->type = type;
	t->has_chain_id = true;
	t->chain_id = 1;
	t->nonce = 7;
	t->gas_limit = 100000;
	t->has_to = true;
	memset(t->to.b, 0xab, sizeof t->to.b);
	t->value = u256_from_u64(12345);
	t->data_size = 5;
	t->data = malloc(t->data_size);
	memcpy(t->data, "\x00\x01\x02\x00\xff", t->data_size);
	if (type == TX_LEGACY || type == TX_ACCESS_LIST) {
		t->gas_price = u256_from_u64(1000000000);
	} else {
		t->max_priority_fee = u256_from_u64(2000000000);
		t->max_fee = u256_from_u64(30000000000ULL);
	}
	if (type != TX_LEGACY) {
		t->access_list_len = 2;
		t->access_list = calloc(2, sizeof *t->access_list);
		memset(t->access_list[0].addr.b, 0x11, 20);
		t->access_list[0].nkeys = 2;
		t->access_list[0].keys = calloc(2, sizeof(h256));
		t->access_list[0].keys[1].b[31] = 1;
		memset(t->access_list[1].addr.b, 0x22, 20);
	}
	if (type == TX_BLOB) {
		t->max_fee_per_blob_gas = u256_from_u64(3);
		t->blob_hashes_len = 2;
		t->blob_hashes = calloc(2, sizeof(h256));
		t->blob_hashes[0].b[0] = 0x01;
		t->blob_hashes[1].b[0] = 0x01;
		t->blob_hashes[1].b[31] = 0x42;
	}
}

static void check_sign_roundtrip(uint8_t type, bool chain_id)
{
	tx t, back;
	make_tx(&t, type);
	t.has_chain_id = chain_id;
	t.chain_id = chain_id ? 1 : 0;
	CHECK_EQ_INT(tx_sign(&t, KEY46), DURE_OK);
	buf enc = BUF_INIT;
	CHECK_EQ_INT(tx_encode(&t, &enc), DURE_OK);
	if (type != TX_LEGACY)
		CHECK_EQ_INT(enc.data[0], type);
	CHECK_EQ_INT(tx_decode(enc.data, enc.len, &back), DURE_OK);
	CHECK_EQ_INT(back.type, type);
	CHECK_EQ_INT(back.has_chain_id, chain_id);
	CHECK_EQ_INT(back.nonce, 7);
	CHECK_EQ_INT(back.data_size, 5);
	CHECK(back.data && memcmp(back.data, t.data, 5) == 0);
	CHECK_EQ_INT(back.access_list_len, t.access_list_len);
	if (type != TX_LEGACY) {
		CHECK_EQ_INT(back.access_list[0].nkeys, 2);
		CHECK_EQ_INT(back.access_list[0].keys[1].b[31], 1);
		CHECK_EQ_INT(back.access_list[1].nkeys, 0);
		CHECK_EQ_INT(back.access_list[1].addr.b[0], 0x22);
	}
	CHECK_EQ_INT(back.blob_hashes_len, t.blob_hashes_len);
	CHECK(u256_eq(&back.v, &t.v) && u256_eq(&back.r, &t.r) &&
	      u256_eq(&back.s, &t.s));

	buf again = BUF_INIT;
	CHECK_EQ_INT(tx_encode(&back, &again), DURE_OK);
	CHECK(again.len == enc.len && memcmp(again.data, enc.data, enc.len) == 0);

	address from, want;
	key_address(KEY46, &want);
	CHECK_EQ_INT(tx_sender(&back, &from), DURE_OK);
	CHECK(address_eq(&from, &want));
	CHECK_EQ_INT(tx_validate(&back, FORK_CANCUN), DURE_OK);
	CHECK_EQ_INT(tx_check_chain_id(&back, 1), DURE_OK);

	/* Any change to a signed field changes the sender. */
	back.nonce++;
	CHECK_EQ_INT(tx_sender(&back, &from), DURE_OK);
	CHECK(!address_eq(&from, &want));

	buf_free(&again);
	buf_free(&enc);
	tx_free(&back);
	tx_free(&t);
}

static void test_sign_recover_each_type(void)
{
	check_sign_roundtrip(TX_LEGACY, false);
	check_sign_roundtrip(TX_LEGACY, true);
	check_sign_roundtrip(TX_ACCESS_LIST, true);
	check_sign_roundtrip(TX_DYNAMIC_FEE, true);
	check_sign_roundtrip(TX_BLOB, true);
}

static void test_legacy_v(void)
{
	tx t;
	make_tx(&t, TX_LEGACY);
	t.chain_id = 1337;
	CHECK_EQ_INT(tx_sign(&t, KEY46), DURE_OK);
	CHECK(t.v.w[0] == 1337 * 2 + 35 || t.v.w[0] == 1337 * 2 + 36);
	/* A chain id whose v needs 65 bits still round-trips. */
	t.chain_id = UINT64_MAX;
	CHECK_EQ_INT(tx_sign(&t, KEY46), DURE_OK);
	CHECK_EQ_INT(t.v.w[1], 2);  /* 2^65 + 33 + parity */
	buf enc = BUF_INIT;
	tx back;
	CHECK_EQ_INT(tx_encode(&t, &enc), DURE_OK);
	CHECK_EQ_INT(tx_decode(enc.data, enc.len, &back), DURE_OK);
	CHECK(back.has_chain_id);
	CHECK(back.chain_id == UINT64_MAX);
	address from, want;
	key_address(KEY46, &want);
	CHECK_EQ_INT(tx_sender(&back, &from), DURE_OK);
	CHECK(address_eq(&from, &want));
	/* v between 29 and 34 is neither form. */
	back.v = u256_from_u64(30);
	CHECK_EQ_INT(tx_sender(&back, &from), DURE_ESIG);
	CHECK_EQ_INT(tx_validate(&back, FORK_LONDON), DURE_ETX_V);
	buf_free(&enc);
	tx_free(&back);
	tx_free(&t);
}

static void test_intrinsic_gas(void)
{
	tx t;
	uint64_t g;
	make_tx(&t, TX_LEGACY);  /* data 00 01 02 00 ff: 2 zero, 3 non-zero */
	CHECK_EQ_INT(tx_intrinsic_gas(&t, FORK_FRONTIER, &g), DURE_OK);
	CHECK_EQ_INT(g, 21000 + 2 * 4 + 3 * 68);
	CHECK_EQ_INT(tx_intrinsic_gas(&t, FORK_PETERSBURG, &g), DURE_OK);
	CHECK_EQ_INT(g, 21000 + 2 * 4 + 3 * 68);
	CHECK_EQ_INT(tx_intrinsic_gas(&t, FORK_ISTANBUL, &g), DURE_OK);
	CHECK_EQ_INT(g, 21000 + 2 * 4 + 3 * 16);

	/* Creation: 53000 from Homestead, initcode words from Shanghai. */
	t.has_to = false;
	CHECK_EQ_INT(tx_intrinsic_gas(&t, FORK_FRONTIER, &g), DURE_OK);
	CHECK_EQ_INT(g, 21000 + 2 * 4 + 3 * 68);
	CHECK_EQ_INT(tx_intrinsic_gas(&t, FORK_HOMESTEAD, &g), DURE_OK);
	CHECK_EQ_INT(g, 53000 + 2 * 4 + 3 * 68);
	CHECK_EQ_INT(tx_intrinsic_gas(&t, FORK_PARIS, &g), DURE_OK);
	CHECK_EQ_INT(g, 53000 + 2 * 4 + 3 * 16);
	CHECK_EQ_INT(tx_intrinsic_gas(&t, FORK_SHANGHAI, &g), DURE_OK);
	CHECK_EQ_INT(g, 53000 + 2 * 4 + 3 * 16 + 2);
	free(t.data);
	t.data_size = 33;
	t.data = calloc(1, 33);
	CHECK_EQ_INT(tx_intrinsic_gas(&t, FORK_SHANGHAI, &g), DURE_OK);
	CHECK_EQ_INT(g, 53000 + 33 * 4 + 2 * 2);
	tx_free(&t);

	/* Access list: 2 addresses, 2 keys. */
	make_tx(&t, TX_ACCESS_LIST);
	CHECK_EQ_INT(tx_intrinsic_gas(&t, FORK_BERLIN, &g), DURE_OK);
	CHECK_EQ_INT(g, 21000 + 2 * 4 + 3 * 16 + 2 * 2400 + 2 * 1900);
	tx_free(&t);
}

/* A signed, valid type-`type` tx to break one rule at a time. */
static void valid_tx(tx *t, uint8_t type)
{
	make_tx(t, type);
	if (tx_sign(t, KEY46) != DURE_OK)
		abort();
}

static void test_validate_rules(void)
{
	tx t;
	valid_tx(&t, TX_DYNAMIC_FEE);
	CHECK_EQ_INT(tx_validate(&t, FORK_LONDON), DURE_OK);
	CHECK_EQ_INT(tx_validate(&t, FORK_BERLIN), DURE_ETX_TYPE_FORK);
	t.v = u256_from_u64(2);
	CHECK_EQ_INT(tx_validate(&t, FORK_LONDON), DURE_ETX_V);
	tx_free(&t);

	valid_tx(&t, TX_ACCESS_LIST);
	CHECK_EQ_INT(tx_validate(&t, FORK_BERLIN), DURE_OK);
	CHECK_EQ_INT(tx_validate(&t, FORK_ISTANBUL), DURE_ETX_TYPE_FORK);
	tx_free(&t);

	valid_tx(&t, TX_BLOB);
	CHECK_EQ_INT(tx_validate(&t, FORK_CANCUN), DURE_OK);
	CHECK_EQ_INT(tx_validate(&t, FORK_SHANGHAI), DURE_ETX_TYPE_FORK);
	t.blob_hashes[1].b[0] = 0x02;
	CHECK_EQ_INT(tx_validate(&t, FORK_CANCUN), DURE_ETX_BLOB_VERSION);
	t.blob_hashes_len = 0;
	CHECK_EQ_INT(tx_validate(&t, FORK_CANCUN), DURE_ETX_BLOB_COUNT);
	free(t.blob_hashes);
	t.blob_hashes_len = 7;
	t.blob_hashes = calloc(7, sizeof(h256));
	for (size_t i = 0; i < 7; i++)
		t.blob_hashes[i].b[0] = 0x01;
	CHECK_EQ_INT(tx_validate(&t, FORK_CANCUN), DURE_ETX_BLOB_COUNT);
	t.blob_hashes_len = 6;
	CHECK_EQ_INT(tx_validate(&t, FORK_CANCUN), DURE_OK);
	t.max_fee_per_blob_gas = U256_MAX;
	CHECK_EQ_INT(tx_validate(&t, FORK_CANCUN), DURE_ETX_FEE_OVERFLOW);
	tx_free(&t);

	/* Signature range and low s. */
	valid_tx(&t, TX_LEGACY);
	t.has_chain_id = false;
	CHECK_EQ_INT(tx_sign(&t, KEY46), DURE_OK);
	CHECK_EQ_INT(tx_validate(&t, FORK_FRONTIER), DURE_OK);
	tx bad = t;
	bad.r = U256_ZERO;
	CHECK_EQ_INT(tx_validate(&bad, FORK_FRONTIER), DURE_ETX_SIG_RANGE);
	bad = t;
	bad.s = N;
	CHECK_EQ_INT(tx_validate(&bad, FORK_FRONTIER), DURE_ETX_SIG_RANGE);
	bad = t;
	bad.s = u256_sub(&N, &t.s);  /* the same signature with high s */
	bad.v = u256_from_u64(t.v.w[0] == 27 ? 28 : 27);
	CHECK_EQ_INT(tx_validate(&bad, FORK_FRONTIER), DURE_OK);
	CHECK_EQ_INT(tx_validate(&bad, FORK_HOMESTEAD), DURE_ETX_HIGH_S);
	address a1, a2;
	CHECK_EQ_INT(tx_sender(&t, &a1), DURE_OK);
	CHECK_EQ_INT(tx_sender(&bad, &a2), DURE_OK);
	CHECK(address_eq(&a1, &a2));
	CHECK_EQ_INT(tx_check_chain_id(&t, 12345), DURE_OK);

	/* Nonce (EIP-2681), fees, gas. */
	bad = t;
	bad.nonce = UINT64_MAX;
	CHECK_EQ_INT(tx_validate(&bad, FORK_FRONTIER), DURE_ETX_NONCE_MAX);
	bad.nonce = UINT64_MAX - 1;
	CHECK_EQ_INT(tx_validate(&bad, FORK_FRONTIER), DURE_OK);
	bad = t;
	bad.gas_price = U256_MAX;
	CHECK_EQ_INT(tx_validate(&bad, FORK_FRONTIER), DURE_ETX_FEE_OVERFLOW);
	bad = t;
	uint64_t g;
	CHECK_EQ_INT(tx_intrinsic_gas(&t, FORK_CANCUN, &g), DURE_OK);
	bad.gas_limit = g;
	CHECK_EQ_INT(tx_validate(&bad, FORK_CANCUN), DURE_OK);
	bad.gas_limit = g - 1;
	CHECK_EQ_INT(tx_validate(&bad, FORK_CANCUN), DURE_ETX_INTRINSIC_GAS);
	tx_free(&t);

	valid_tx(&t, TX_DYNAMIC_FEE);
	t.max_priority_fee = u256_add(&t.max_fee, &(u256){{1, 0, 0, 0}});
	CHECK_EQ_INT(tx_validate(&t, FORK_LONDON), DURE_ETX_TIP_ABOVE_MAX);
	t.max_priority_fee = t.max_fee;
	CHECK_EQ_INT(tx_validate(&t, FORK_LONDON), DURE_OK);
	t.chain_id = 5;
	CHECK_EQ_INT(tx_check_chain_id(&t, 1), DURE_ETX_CHAIN_ID);
	tx_free(&t);

	/* Initcode size (EIP-3860). */
	make_tx(&t, TX_LEGACY);
	t.has_to = false;
	t.gas_limit = 10000000;
	free(t.data);
	t.data_size = 49153;
	t.data = calloc(1, t.data_size);
	CHECK_EQ_INT(tx_sign(&t, KEY46), DURE_OK);
	CHECK_EQ_INT(tx_validate(&t, FORK_PARIS), DURE_OK);
	CHECK_EQ_INT(tx_validate(&t, FORK_SHANGHAI), DURE_ETX_INITCODE_SIZE);
	/* A chain without code size limits takes it. */
	CHECK_EQ_INT(tx_validate_limits(&t, FORK_SHANGHAI, true), DURE_OK);
	CHECK_EQ_INT(tx_validate_limits(&t, FORK_SHANGHAI, false),
	             DURE_ETX_INITCODE_SIZE);
	t.data_size = 49152;
	CHECK_EQ_INT(tx_validate(&t, FORK_SHANGHAI), DURE_OK);
	tx_free(&t);

	/* The placeholder signature passes the signature rules: r = s = 1,
	 * y parity 0, or EIP-155's v (chain 5: 5 * 2 + 35) or 27. */
	make_tx(&t, TX_DYNAMIC_FEE);
	tx_placeholder_sign(&t);
	CHECK(u256_eq(&t.r, &(u256){{1, 0, 0, 0}}) && u256_eq(&t.s, &t.r));
	CHECK(u256_is_zero(&t.v));
	CHECK_EQ_INT(tx_validate(&t, FORK_CANCUN), DURE_OK);
	tx_free(&t);
	make_tx(&t, TX_LEGACY);
	t.has_chain_id = true;
	t.chain_id = 5;
	tx_placeholder_sign(&t);
	CHECK(u256_eq(&t.v, &(u256){{45, 0, 0, 0}}));
	CHECK_EQ_INT(tx_validate(&t, FORK_CANCUN), DURE_OK);
	t.has_chain_id = false;
	tx_placeholder_sign(&t);
	CHECK(u256_eq(&t.v, &(u256){{27, 0, 0, 0}}));
	CHECK_EQ_INT(tx_validate(&t, FORK_CANCUN), DURE_OK);
	tx_free(&t);
}

static int decode_hex(const char *s)
{
	buf b = unhex(s);
	tx t;
	int err = tx_decode(b.data, b.len, &t);
	if (err != DURE_OK) {
		tx z;
		memset(&z, 0, sizeof z);
		CHECK_MEM(&t, &z, sizeof z);
	}
	tx_free(&t);
	buf_free(&b);
	return err;
}

static void test_decode_rejects(void)
{
	/* Minimal valid legacy tx: nine fields, r = s = 1. */
	CHECK_EQ_INT(decode_hex("df800182520894095e7baea6a6c7c4c2dfeb977efac326"
	                        "af552d870b801b0101"), DURE_OK);
	CHECK_EQ_INT(decode_hex(""), DURE_ERLP_END);
	/* Trailing byte after the list. */
	CHECK_EQ_INT(decode_hex("df800182520894095e7baea6a6c7c4c2dfeb977efac326"
	                        "af552d870b801b010100"), DURE_ERLP_TRAILING);
	/* Eight and ten fields. */
	CHECK_EQ_INT(decode_hex("de800182520894095e7baea6a6c7c4c2dfeb977efac326"
	                        "af552d870b801b01"), DURE_ETX_FORMAT);
	CHECK_EQ_INT(decode_hex("e0800182520894095e7baea6a6c7c4c2dfeb977efac326"
	                        "af552d870b801b010101"), DURE_ETX_FORMAT);
	/* Recipient of 19 bytes. */
	CHECK_EQ_INT(decode_hex("de8001825208935e7baea6a6c7c4c2dfeb977efac326"
	                        "af552d870b801b0101"), DURE_ETX_TO_SIZE);
	/* Nonce with a leading zero. */
	CHECK_EQ_INT(decode_hex("e18200010182520894095e7baea6a6c7c4c2dfeb977efac3"
	                        "26af552d870b801b0101"), DURE_ERLP_INT_ZERO);
	/* Whole tx wrapped as a string; type bytes 0, 4 and 0x7f. */
	CHECK_EQ_INT(decode_hex("9f800182520894095e7baea6a6c7c4c2dfeb977efac326"
	                        "af552d870b801b0101"), DURE_ERLP_EXPECTED_LIST);
	CHECK_EQ_INT(decode_hex("00c0"), DURE_ETX_TYPE);
	CHECK_EQ_INT(decode_hex("04c0"), DURE_ETX_TYPE);
	CHECK_EQ_INT(decode_hex("7fc0"), DURE_ETX_TYPE);
	CHECK_EQ_INT(decode_hex("02c0"), DURE_ETX_FORMAT);
	CHECK_EQ_INT(decode_hex("02"), DURE_ERLP_END);

	/* A blob tx must name a recipient, both ways. */
	tx t;
	make_tx(&t, TX_BLOB);
	CHECK_EQ_INT(tx_sign(&t, KEY46), DURE_OK);
	buf enc = BUF_INIT;
	CHECK_EQ_INT(tx_encode(&t, &enc), DURE_OK);
	t.has_to = false;
	buf none = BUF_INIT;
	CHECK_EQ_INT(tx_encode(&t, &none), DURE_ETX_TO_SIZE);
	/* Splice an empty recipient into the encoding: 0x94 + 20 bytes -> 0x80,
	 * and shrink the list header (f9 LL LL) by 20. */
	size_t to_at = 0;
	for (size_t i = 0; i + 21 <= enc.len; i++)
		if (enc.data[i] == 0x94 && enc.data[i + 1] == 0xab &&
		    enc.data[i + 20] == 0xab) {
			to_at = i;
			break;
		}
	CHECK(to_at > 0);
	CHECK_EQ_INT(enc.data[1], 0xf9);
	uint8_t *cut = malloc(enc.len);
	size_t n = 0;
	memcpy(cut, enc.data, to_at);
	n = to_at;
	cut[n++] = 0x80;
	memcpy(cut + n, enc.data + to_at + 21, enc.len - to_at - 21);
	n += enc.len - to_at - 21;
	size_t plen = ((size_t)cut[2] << 8 | cut[3]) - 20;
	cut[2] = (uint8_t)(plen >> 8);
	cut[3] = (uint8_t)plen;
	tx back;
	CHECK_EQ_INT(tx_decode(cut, n, &back), DURE_ETX_TO_SIZE);
	free(cut);
	buf_free(&none);
	buf_free(&enc);
	tx_free(&t);
}

/* Decodes a type-1 tx (all fields zero or empty, r = s = 1) whose access
 * list holds one entry made of the raw item `entry`. */
static int decode_with_entry(const buf *entry)
{
	buf b = BUF_INIT;
	buf_push(&b, TX_ACCESS_LIST);
	size_t outer = rlp_list_begin(&b);
	for (int i = 0; i < 7; i++)
		rlp_put_u64(&b, i == 0);  /* chain id 1, then six empty fields */
	size_t al = rlp_list_begin(&b);
	rlp_put_raw(&b, entry->data, entry->len);
	rlp_list_end(&b, al);
	rlp_put_u64(&b, 0);
	rlp_put_u64(&b, 1);
	rlp_put_u64(&b, 1);
	rlp_list_end(&b, outer);
	tx t;
	int err = tx_decode(b.data, b.len, &t);
	if (err == DURE_OK) {
		buf again = BUF_INIT;
		CHECK_EQ_INT(tx_encode(&t, &again), DURE_OK);
		CHECK(again.len == b.len && memcmp(again.data, b.data, b.len) == 0);
		buf_free(&again);
	}
	tx_free(&t);
	buf_free(&b);
	return err;
}

static void put_entry(buf *e, size_t addr_len, size_t key_len, bool extra)
{
	static const uint8_t ff[40] = {[0 ... 39] = 0xff};
	buf_reset(e);
	size_t m = rlp_list_begin(e);
	rlp_put_bytes(e, ff, addr_len);
	size_t keys = rlp_list_begin(e);
	rlp_put_bytes(e, ff, key_len);
	rlp_list_end(e, keys);
	if (extra)
		rlp_put_u64(e, 1);
	rlp_list_end(e, m);
}

static void test_access_list_decode(void)
{
	buf e = BUF_INIT;
	put_entry(&e, 20, 32, false);
	CHECK_EQ_INT(decode_with_entry(&e), DURE_OK);
	put_entry(&e, 19, 32, false);
	CHECK_EQ_INT(decode_with_entry(&e), DURE_ERLP_SIZE);
	put_entry(&e, 21, 32, false);
	CHECK_EQ_INT(decode_with_entry(&e), DURE_ERLP_SIZE);
	put_entry(&e, 20, 31, false);
	CHECK_EQ_INT(decode_with_entry(&e), DURE_ERLP_SIZE);
	put_entry(&e, 20, 33, false);
	CHECK_EQ_INT(decode_with_entry(&e), DURE_ERLP_SIZE);
	put_entry(&e, 20, 32, true);
	CHECK_EQ_INT(decode_with_entry(&e), DURE_ERLP_TRAILING);
	buf_reset(&e);
	rlp_put_u64(&e, 5);
	CHECK(decode_with_entry(&e) != DURE_OK);
	buf_free(&e);
}

TEST_MAIN(test_eip155_vector, test_sign_recover_each_type, test_legacy_v,
          test_intrinsic_gas, test_validate_rules, test_decode_rejects,
          test_access_list_decode)
