/* EIP-712 and EIP-191 digests: the EIP's Mail example (digest from its
 * Example.js, and the signature its eth_signTypedData example gives for
 * the key keccak256("cow")); a case with nested structs, dynamic, fixed
 * and multi-dimensional arrays, every atomic type and values as numbers,
 * decimal, hex and negative strings, hashed by ethers 6
 * (TypedDataEncoder.hash); a domain-only digest (ethers' hashDomain under
 * 0x1901); EIP-191 digests from ethers.hashMessage; and malformed typed
 * data. */
#include <stdlib.h>
#include <string.h>

#include "api/eip712.h"
#include "base/hex.h"
#include "crypto/keccak.h"
#include "crypto/secp.h"
#include "test.h"

static bool eq_hex(const uint8_t *p, size_t n, const char *want)
{
	uint8_t w[65];
	return n <= sizeof w && hex_decode_exact(want, w, n) == DURE_OK &&
	       memcmp(p, w, n) == 0;
}

static const char mail[] =
	"{\"types\": {"
	"  \"EIP712Domain\": [{\"name\": \"name\", \"type\": \"string\"},"
	"    {\"name\": \"version\", \"type\": \"string\"},"
	"    {\"name\": \"chainId\", \"type\": \"uint256\"},"
	"    {\"name\": \"verifyingContract\", \"type\": \"address\"}],"
	"  \"Person\": [{\"name\": \"name\", \"type\": \"string\"},"
	"    {\"name\": \"wallet\", \"type\": \"address\"}],"
	"  \"Mail\": [{\"name\": \"from\", \"type\": \"Person\"},"
	"    {\"name\": \"to\", \"type\": \"Person\"},"
	"    {\"name\": \"contents\", \"type\": \"string\"}]},"
	" \"primaryType\": \"Mail\","
	" \"domain\": {\"name\": \"Ether Mail\", \"version\": \"1\", \"chainId\": 1,"
	"  \"verifyingContract\": \"0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC\"},"
	" \"message\": {"
	"  \"from\": {\"name\": \"Cow\","
	"    \"wallet\": \"0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826\"},"
	"  \"to\": {\"name\": \"Bob\","
	"    \"wallet\": \"0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB\"},"
	"  \"contents\": \"Hello, Bob!\"}}";

static json_t *load(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);
	if (!j)
		fprintf(stderr, "test JSON line %d: %s\n", je.line, je.text);
	CHECK(j != NULL);
	return j;
}

static void mail_example(void)
{
	json_t *td = load(mail);
	h256 d;
	uint8_t key[32], sig[64];
	int recid;

	CHECK_EQ_INT(eip712_hash(td, &d), 0);
	CHECK(eq_hex(d.b, 32, "be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2"));

	keccak256((const uint8_t *)"cow", 3, key);
	CHECK_EQ_INT(secp_sign(key, d.b, sig, &recid), 0);
	CHECK(eq_hex(sig, 64, "4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d"
	                      "07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b91562"));
	CHECK_EQ_INT(27 + recid, 0x1c);
	json_decref(td);
}

static const char order[] =
	"{\"types\": {"
	"  \"EIP712Domain\": [{\"name\": \"name\", \"type\": \"string\"},"
	"    {\"name\": \"version\", \"type\": \"string\"},"
	"    {\"name\": \"chainId\", \"type\": \"uint256\"},"
	"    {\"name\": \"verifyingContract\", \"type\": \"address\"},"
	"    {\"name\": \"salt\", \"type\": \"bytes32\"}],"
	"  \"Person\": [{\"name\": \"name\", \"type\": \"string\"},"
	"    {\"name\": \"wallets\", \"type\": \"address[]\"}],"
	"  \"Item\": [{\"name\": \"id\", \"type\": \"uint64\"},"
	"    {\"name\": \"owner\", \"type\": \"Person\"},"
	"    {\"name\": \"data\", \"type\": \"bytes32\"}],"
	"  \"Order\": [{\"name\": \"maker\", \"type\": \"Person\"},"
	"    {\"name\": \"amounts\", \"type\": \"uint256[3]\"},"
	"    {\"name\": \"deltas\", \"type\": \"int8[]\"},"
	"    {\"name\": \"flags\", \"type\": \"bool[2][]\"},"
	"    {\"name\": \"tag\", \"type\": \"bytes4\"},"
	"    {\"name\": \"blob\", \"type\": \"bytes\"},"
	"    {\"name\": \"items\", \"type\": \"Item[]\"},"
	"    {\"name\": \"grid\", \"type\": \"Item[][1]\"},"
	"    {\"name\": \"big\", \"type\": \"int256\"},"
	"    {\"name\": \"note\", \"type\": \"string\"}]},"
	" \"primaryType\": \"Order\","
	" \"domain\": {\"name\": \"Dure\", \"version\": \"2\", \"chainId\": \"0x539\","
	"  \"verifyingContract\": \"0x1111111111111111111111111111111111111111\","
	"  \"salt\": \"0x4242424242424242424242424242424242424242424242424242424242424242\"},"
	" \"message\": {"
	"  \"maker\": {\"name\": \"Alice\", \"wallets\": ["
	"    \"0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826\","
	"    \"0xDeaDbeefdEAdbeefdEadbEEFdeadbeEFdEaDbeeF\"]},"
	"  \"amounts\": [0, \"115792089237316195423570985008687907853269984665640564039457584007913129639935\", \"0x2a\"],"
	"  \"deltas\": [-128, 127.0, \"-1\", \"0x7f\"],"
	"  \"flags\": [[true, false], [false, true], [true, true]],"
	"  \"tag\": \"0xdeadbeef\","
	"  \"blob\": \"0x000102\","
	"  \"items\": [{\"id\": \"18446744073709551615\", \"owner\": {\"name\": \"Bob\", \"wallets\": []},"
	"     \"data\": \"0xabababababababababababababababababababababababababababababababab\"},"
	"    {\"id\": 7, \"owner\": {\"name\": \"Alice\", \"wallets\": ["
	"      \"0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826\","
	"      \"0xDeaDbeefdEAdbeefdEadbEEFdeadbeEFdEaDbeeF\"]},"
	"     \"data\": \"0x0000000000000000000000000000000000000000000000000000000000000000\"}],"
	"  \"grid\": [[{\"id\": 1, \"owner\": {\"name\": \"Bob\", \"wallets\": []},"
	"     \"data\": \"0x0101010101010101010101010101010101010101010101010101010101010101\"}]],"
	"  \"big\": \"-57896044618658097711785492504343953926634992332820282019728792003956564819968\","
	"  \"note\": \"h\xc3\xa9llo \xe2\x98\x83\"}}";

static void nested_arrays(void)
{
	json_t *td = load(order);
	h256 d;
	char why[256];

	CHECK_EQ_INT(eip712_hash_why(td, &d, why, sizeof why), 0);
	if (why[0])
		fprintf(stderr, "order: %s\n", why);
	CHECK(eq_hex(d.b, 32, "d001e53ae749d82adeffcf5a571824267adde8609a0a45883315ec563fc9300e"));
	json_decref(td);
}

static void domain_only(void)
{
	json_t *td = load(
		"{\"types\": {\"EIP712Domain\": [{\"name\": \"name\", \"type\": \"string\"},"
		"  {\"name\": \"chainId\", \"type\": \"uint256\"}]},"
		" \"primaryType\": \"EIP712Domain\","
		" \"domain\": {\"name\": \"Dure\", \"chainId\": 1}, \"message\": {}}");
	h256 d;

	CHECK_EQ_INT(eip712_hash(td, &d), 0);
	CHECK(eq_hex(d.b, 32, "8431dd9c0a221dbe919b0c4029d74f2ec112e9d037f8e7e0b01c7bf162ae1c1e"));
	json_decref(td);
}

static void eip191(void)
{
	h256 d;
	static const uint8_t bin[] = {0x00, 0xff, 0x0a, 0x19};
	char *a1000 = malloc(1000);

	eip191_hash((const uint8_t *)"Hello World", 11, &d);
	CHECK(eq_hex(d.b, 32, "a1de988600a42c4b4ab089b619297c17d53cffae5d5120d82d8a92d0bb3b78f2"));
	eip191_hash(NULL, 0, &d);
	CHECK(eq_hex(d.b, 32, "5f35dce98ba4fba25530a026ed80b2cecdaa31091ba4958b99b52ea1d068adad"));
	eip191_hash((const uint8_t *)"h\xc3\xa9llo", 6, &d);
	CHECK(eq_hex(d.b, 32, "42fd95dd8ed22d7d934d6ffff71ed0b730835b0de4bb3532a271568c8760c8d2"));
	eip191_hash(bin, sizeof bin, &d);
	CHECK(eq_hex(d.b, 32, "de9fe938d6dbd8af12f3399962253e4e2237f5321b5dafa7c456d7520eeb4e66"));
	memset(a1000, 'a', 1000);
	eip191_hash((const uint8_t *)a1000, 1000, &d);
	CHECK(eq_hex(d.b, 32, "646dfe80977f3cb244f566d96cd3aabb891d47b9ba5159076d78e9999835e0d6"));
	free(a1000);
}

/* Mail with the JSON at path (an object key chain "a.b.c") replaced by
 * value (or deleted when value is NULL) must fail with a reason that
 * contains want. */
static void bad(const char *path, json_t *value, const char *want)
{
	json_t *td = load(mail), *obj = td;
	char where[128], *key = where, *dot, why[256];
	h256 d;

	snprintf(where, sizeof where, "%s", path);
	while ((dot = strchr(key, '.'))) {
		*dot = '\0';
		obj = json_object_get(obj, key);
		key = dot + 1;
	}
	if (value)
		json_object_set_new(obj, key, value);
	else
		json_object_del(obj, key);
	memset(d.b, 0xaa, 32);
	int err = eip712_hash_why(td, &d, why, sizeof why);
	CHECK_EQ_INT(err, DURE_EJSON);
	CHECK(d.b[0] == 0 && d.b[31] == 0);
	if (!strstr(why, want)) {
		fprintf(stderr, "%s: reason '%s' lacks '%s'\n", path, why, want);
		CHECK(0);
	}
	json_decref(td);
}

static json_t *field(const char *name, const char *type)
{
	return json_pack("{s:s, s:s}", "name", name, "type", type);
}

static void malformed(void)
{
	bad("message.contents", NULL, "message.contents: missing");
	bad("message.from.name", NULL, "message.from.name: missing");
	bad("message.extra", json_string("x"), "'extra' is not a member of Mail");
	bad("message.from.wallet", json_string("0x1234"), "message.from.wallet: address");
	bad("message.from.wallet", json_integer(1), "address");
	bad("message.contents", json_integer(1), "expected a string");
	bad("message.to", json_string("Bob"), "message.to: expected an object");
	bad("message", json_array(), "expected an object");
	bad("domain.chainId", json_integer(-1), "out of range for uint256");
	bad("domain.chainId", json_string("0x1z"), "is not a number");
	bad("domain.chainId", json_string(""), "is not a number");
	bad("domain.chainId", json_string("-"), "is not a number");
	bad("domain.chainId", json_string(" 1"), "is not a number");
	bad("domain.chainId", json_real(1.5), "not an exact integer");
	bad("domain.chainId", json_real(1e300), "not an exact integer");
	bad("domain.chainId", json_true(), "expected a number");
	bad("domain.chainId",
	    json_string("115792089237316195423570985008687907853269984665640564039457584007913129639936"),
	    "does not fit 256 bits");
	bad("domain.chainId", json_string("0x1" "0000000000000000000000000000000000000000000000000000000000000000"),
	    "does not fit 256 bits");
	bad("primaryType", json_string("Nope"), "primaryType");
	bad("primaryType", NULL, "primaryType");
	bad("types.EIP712Domain", NULL, "no EIP712Domain");
	bad("types.Person", NULL, "unknown type 'Person'");
	bad("types", json_string("x"), "types is not an object");
	bad("domain", NULL, "domain: expected an object");
	bad("types.uint256", json_array(), "not a struct name");
	bad("types.Bad Name", json_array(), "not a struct name");
	bad("types.Person", json_pack("[o, o]", field("name", "string"), field("name", "address")),
	    "two members named name");
	bad("types.Person", json_pack("[o]", field("name", "strin")), "unknown type 'strin'");
	bad("types.Person", json_pack("[o]", field("bad name", "string")), "identifier");
	bad("types.Person", json_pack("[{s:s}]", "name", "wallet"), "needs an identifier name and a type");
	bad("types.Person", json_string("x"), "not an array");

	static const char *const bad_types[] = {
		"uint7", "uint264", "uint", "int0", "uint08", "bytes0", "bytes33",
		"bytes01", "uint8[", "uint8]", "uint8[01]", "uint8[x]", "[2]",
		"uint8[-1]", "Person[2", "address[1073741825]",
	};
	for (size_t i = 0; i < sizeof bad_types / sizeof bad_types[0]; i++)
		bad("types.Person", json_pack("[o]", field("x", bad_types[i])), "unknown type");
}

/* Values against their type's range, one member of type t at a time. */
static void value_range(const char *t, json_t *v, bool ok, const char *want)
{
	json_t *td = load(
		"{\"types\": {\"EIP712Domain\": [], \"T\": []},"
		" \"primaryType\": \"T\", \"domain\": {}, \"message\": {}}");
	json_t *fields = json_object_get(json_object_get(td, "types"), "T");
	h256 d;
	char why[256];

	json_array_append_new(fields, field("v", t));
	json_object_set_new(json_object_get(td, "message"), "v", v);
	int err = eip712_hash_why(td, &d, why, sizeof why);
	CHECK_EQ_INT(err, ok ? 0 : DURE_EJSON);
	if (!ok && !strstr(why, want)) {
		fprintf(stderr, "%s: reason '%s' lacks '%s'\n", t, why, want);
		CHECK(0);
	}
	json_decref(td);
}

static void ranges(void)
{
	value_range("uint8", json_integer(255), true, NULL);
	value_range("uint8", json_integer(256), false, "out of range for uint8");
	value_range("uint8", json_string("0x100"), false, "out of range for uint8");
	value_range("uint8", json_string("-0"), true, NULL);
	value_range("int8", json_integer(-128), true, NULL);
	value_range("int8", json_integer(-129), false, "out of range for int8");
	value_range("int8", json_integer(128), false, "out of range for int8");
	value_range("int8", json_string("-0x80"), true, NULL);
	value_range("int64", json_integer(INT64_MIN), true, NULL);
	value_range("uint64", json_integer(-1), false, "out of range for uint64");
	value_range("int256",
	            json_string("57896044618658097711785492504343953926634992332820282019728792003956564819968"),
	            false, "out of range for int256");
	value_range("bool", json_integer(1), false, "expected true or false");
	value_range("bytes4", json_string("0xdeadbe"), false, "bytes4 must be 4 bytes");
	value_range("bytes4", json_string("0xdeadbeef00"), false, "bytes4 must be 4 bytes");
	value_range("bytes", json_string("0x0"), false, "bytes must be");
	value_range("bytes", json_string("0x"), true, NULL);
	value_range("uint8[2]", json_pack("[i]", 1), false, "expected 2 elements");
	value_range("uint8[2]", json_integer(1), false, "expected an array");
	value_range("uint8[]", json_pack("[i, s]", 1, "x"), false, "v[1]: 'x' is not a number");
	value_range("bool[2][]", json_pack("[[b, b], [b]]", 1, 0, 1), false,
	            "v[1]: expected 2 elements");
}

/* A recursive type nested past EIP712_MAX_DEPTH. */
static void too_deep(void)
{
	json_t *td = load(
		"{\"types\": {\"EIP712Domain\": [],"
		"  \"List\": [{\"name\": \"next\", \"type\": \"List[]\"}]},"
		" \"primaryType\": \"List\", \"domain\": {}, \"message\": {\"next\": []}}");
	json_t *m = json_object_get(td, "message");
	h256 d;
	char why[256];

	for (int i = 0; i < EIP712_MAX_DEPTH; i++) {
		json_t *outer = json_pack("{s:[o]}", "next", json_incref(m));
		json_object_set_new(td, "message", outer);
		m = outer;
	}
	CHECK_EQ_INT(eip712_hash_why(td, &d, why, sizeof why), DURE_EJSON);
	CHECK(strstr(why, "nested deeper than") != NULL);
	json_decref(td);
}

TEST_MAIN(mail_example, nested_arrays, domain_only, eip191, malformed, ranges,
          too_deep)
