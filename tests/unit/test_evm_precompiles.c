/* Precompiles 0x01..0x0a: availability per fork, gas, outputs for known
 * inputs, and failure on bad input. */
#include "evm_builder.h"
#include "evm_fakehost.h"
#include "test.h"

#include "base/hex.h"
#include "crypto/hash.h"
#include "crypto/secp.h"
#include "evm/precompiles.h"

static address pc(uint8_t n)
{
	address a = {{0}};
	a.b[19] = n;
	return a;
}

static void unhex(const char *s, uint8_t *out, size_t n)
{
	CHECK(hex_decode_exact(s, out, n) == 0);
}

static void test_availability(void)
{
	address a;
	a = pc(4);
	CHECK(evm_is_precompile(&a, FORK_FRONTIER));
	a = pc(5);
	CHECK(!evm_is_precompile(&a, FORK_SPURIOUS));
	CHECK(evm_is_precompile(&a, FORK_BYZANTIUM));
	a = pc(9);
	CHECK(!evm_is_precompile(&a, FORK_PETERSBURG));
	CHECK(evm_is_precompile(&a, FORK_ISTANBUL));
	a = pc(10);
	CHECK(!evm_is_precompile(&a, FORK_SHANGHAI));
	CHECK(evm_is_precompile(&a, FORK_CANCUN));
	a = pc(11);
	CHECK(!evm_is_precompile(&a, FORK_CANCUN));
	a = pc(0);
	CHECK(!evm_is_precompile(&a, FORK_CANCUN));
	a = pc(1);
	a.b[0] = 1;
	CHECK(!evm_is_precompile(&a, FORK_CANCUN));
}

static void test_hashes_and_identity(void)
{
	address a = pc(2);
	const uint8_t abc[3] = {'a', 'b', 'c'};
	uint8_t want[32];
	unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	      want, 32);
	evm_result r = evm_run_precompile(&a, FORK_CANCUN, abc, 3, 100);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.gas_left, 100 - 72);
	CHECK_EQ_INT(r.output_size, 32);
	CHECK_MEM(r.output, want, 32);
	evm_result_release(&r);
	r = evm_run_precompile(&a, FORK_CANCUN, abc, 3, 71);
	CHECK_EQ_INT(r.status, EVM_OUT_OF_GAS);
	CHECK_EQ_INT(r.gas_left, 0);

	a = pc(3);
	uint8_t rip[32] = {0};
	unhex("8eb208f7e05d987a9b044a8e98c6b087f15a0bfc", rip + 12, 20);
	r = evm_run_precompile(&a, FORK_CANCUN, abc, 3, 1000);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.gas_left, 1000 - 720);
	CHECK_EQ_INT(r.output_size, 32);
	CHECK_MEM(r.output, rip, 32);
	evm_result_release(&r);

	a = pc(4);
	uint8_t data[40];
	for (int i = 0; i < 40; i++)
		data[i] = (uint8_t)i;
	r = evm_run_precompile(&a, FORK_FRONTIER, data, 40, 100);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.gas_left, 100 - 15 - 6);
	CHECK_EQ_INT(r.output_size, 40);
	CHECK_MEM(r.output, data, 40);
	evm_result_release(&r);
}

static void test_ecrecover(void)
{
	uint8_t key[32], hash[32], sig[64], pub[64];
	memset(key, 0x11, 32);
	memset(hash, 0x22, 32);
	int recid = 0;
	CHECK(secp_sign(key, hash, sig, &recid) == 0);
	CHECK(secp_pubkey_create(key, pub) == 0);
	address who;
	secp_pubkey_address(pub, &who);

	uint8_t in[128] = {0};
	memcpy(in, hash, 32);
	in[63] = (uint8_t)(27 + recid);
	memcpy(in + 64, sig, 64);
	address a = pc(1);
	evm_result r = evm_run_precompile(&a, FORK_CANCUN, in, 128, 5000);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.gas_left, 2000);
	CHECK_EQ_INT(r.output_size, 32);
	if (r.output_size == 32)
		CHECK_MEM(r.output + 12, who.b, 20);
	evm_result_release(&r);

	/* v must be exactly 27 or 28 as a whole word: empty output, gas
	 * still charged. */
	in[62] = 1;
	r = evm_run_precompile(&a, FORK_CANCUN, in, 128, 5000);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.gas_left, 2000);
	CHECK_EQ_INT(r.output_size, 0);
	in[62] = 0;
	in[63] = 29;
	r = evm_run_precompile(&a, FORK_CANCUN, in, 128, 5000);
	CHECK_EQ_INT(r.output_size, 0);
	/* Short input is zero padded: no valid signature. */
	r = evm_run_precompile(&a, FORK_CANCUN, in, 10, 5000);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.output_size, 0);
}

/* modexp input with 32-byte length words and the given operand bytes. */
static size_t modexp_input(uint8_t *in, const uint8_t *b, size_t bl,
                           const uint8_t *e, size_t el, const uint8_t *m,
                           size_t ml)
{
	memset(in, 0, 96);
	in[31] = (uint8_t)bl;
	in[63] = (uint8_t)el;
	in[95] = (uint8_t)ml;
	memcpy(in + 96, b, bl);
	memcpy(in + 96 + bl, e, el);
	memcpy(in + 96 + bl + el, m, ml);
	return 96 + bl + el + ml;
}

static void test_modexp(void)
{
	address a = pc(5);
	uint8_t in[512];
	uint8_t b = 3, e = 5, m = 7;
	size_t n = modexp_input(in, &b, 1, &e, 1, &m, 1);
	evm_result r = evm_run_precompile(&a, FORK_BERLIN, in, n, 1000);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.gas_left, 800); /* EIP-2565 minimum 200 */
	CHECK_EQ_INT(r.output_size, 1);
	if (r.output_size == 1)
		CHECK_EQ_INT(r.output[0], 5);
	evm_result_release(&r);
	r = evm_run_precompile(&a, FORK_BYZANTIUM, in, n, 1000);
	CHECK_EQ_INT(r.gas_left, 1000); /* EIP-198: 1 * 2 / 20 = 0 */
	evm_result_release(&r);

	/* 64-byte base and modulus, exponent 2^255: iterations 255. */
	uint8_t big[64], ex[32] = {0x80};
	memset(big, 0xff, 64);
	n = modexp_input(in, big, 64, ex, 32, big, 64);
	r = evm_run_precompile(&a, FORK_BERLIN, in, n, 100000);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.gas_left, 100000 - 64 * 255 / 3);
	CHECK_EQ_INT(r.output_size, 64);
	evm_result_release(&r);
	r = evm_run_precompile(&a, FORK_BYZANTIUM, in, n, 100000);
	CHECK_EQ_INT(r.gas_left, 100000 - 64 * 64 * 255 / 20);
	evm_result_release(&r);

	/* Absurd declared lengths: out of gas, nothing read or allocated. */
	memset(in, 0xff, 96);
	r = evm_run_precompile(&a, FORK_CANCUN, in, 96, 30000000);
	CHECK_EQ_INT(r.status, EVM_OUT_OF_GAS);
	CHECK_EQ_INT(r.gas_left, 0);
	/* Zero base and modulus lengths with a huge exponent length: only
	 * the minimum price, empty output. */
	memset(in, 0, 96);
	memset(in + 32, 0xff, 32);
	r = evm_run_precompile(&a, FORK_CANCUN, in, 96, 1000);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.gas_left, 800);
	CHECK_EQ_INT(r.output_size, 0);
}

static void test_bn254(void)
{
	uint8_t g2x[32], g2y[32];
	unhex("030644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd3",
	      g2x, 32);
	unhex("15ed738c0e0a7c92e7845f96b2ae9c0a68a6a449e3538fc7ff3ebf7a5a18a2c4",
	      g2y, 32);
	uint8_t in[128] = {0};
	in[31] = 1, in[63] = 2, in[95] = 1, in[127] = 2; /* G + G */
	address add = pc(6), mul = pc(7), pair = pc(8);
	evm_result r = evm_run_precompile(&add, FORK_ISTANBUL, in, 128, 1000);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.gas_left, 850);
	CHECK_EQ_INT(r.output_size, 64);
	if (r.output_size == 64) {
		CHECK_MEM(r.output, g2x, 32);
		CHECK_MEM(r.output + 32, g2y, 32);
	}
	evm_result_release(&r);
	r = evm_run_precompile(&add, FORK_BYZANTIUM, in, 128, 1000);
	CHECK_EQ_INT(r.gas_left, 500);
	evm_result_release(&r);

	uint8_t m[96] = {0};
	m[31] = 1, m[63] = 2, m[95] = 2; /* 2 * G */
	r = evm_run_precompile(&mul, FORK_ISTANBUL, m, 96, 10000);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.gas_left, 4000);
	if (r.output_size == 64)
		CHECK_MEM(r.output, g2x, 32);
	evm_result_release(&r);
	/* Short input is zero padded: 0 * G = infinity. */
	r = evm_run_precompile(&mul, FORK_ISTANBUL, m, 64, 10000);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.output_size, 64);
	evm_result_release(&r);

	/* (1, 1) is not on the curve. */
	in[127] = 1;
	r = evm_run_precompile(&add, FORK_ISTANBUL, in, 128, 1000);
	CHECK_EQ_INT(r.status, EVM_PRECOMPILE_FAILURE);
	CHECK_EQ_INT(r.gas_left, 0);

	/* Empty pairing input is true; a length not a multiple of 192
	 * fails. */
	r = evm_run_precompile(&pair, FORK_ISTANBUL, NULL, 0, 100000);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.gas_left, 100000 - 45000);
	CHECK_EQ_INT(r.output_size, 32);
	if (r.output_size == 32)
		CHECK_EQ_INT(r.output[31], 1);
	evm_result_release(&r);
	uint8_t zeros[200] = {0};
	r = evm_run_precompile(&pair, FORK_ISTANBUL, zeros, 100, 100000);
	CHECK_EQ_INT(r.status, EVM_PRECOMPILE_FAILURE);
	r = evm_run_precompile(&pair, FORK_BYZANTIUM, zeros, 192, 200000);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.gas_left, 200000 - 180000);
	evm_result_release(&r);
}

static void test_blake2f(void)
{
	/* EIP-152 test vector 5: 12 rounds of blake2b("abc"). */
	uint8_t in[213] = {0}, want[64];
	in[3] = 12;
	unhex("48c9bdf267e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5"
	      "d182e6ad7f520e511f6c3e2b8c68059b6bbd41fbabd9831f79217e1319cde05b",
	      in + 4, 64);
	memcpy(in + 68, "abc", 3); /* m, then t = 3, final */
	in[196] = 3;
	in[212] = 1;
	unhex("ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
	      "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923",
	      want, 64);
	address a = pc(9);
	evm_result r = evm_run_precompile(&a, FORK_ISTANBUL, in, 213, 100);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.gas_left, 88);
	CHECK_EQ_INT(r.output_size, 64);
	if (r.output_size == 64)
		CHECK_MEM(r.output, want, 64);
	evm_result_release(&r);
	r = evm_run_precompile(&a, FORK_ISTANBUL, in, 213, 11);
	CHECK_EQ_INT(r.status, EVM_OUT_OF_GAS);
	r = evm_run_precompile(&a, FORK_ISTANBUL, in, 212, 100);
	CHECK_EQ_INT(r.status, EVM_PRECOMPILE_FAILURE);
	in[212] = 2;
	r = evm_run_precompile(&a, FORK_ISTANBUL, in, 213, 100);
	CHECK_EQ_INT(r.status, EVM_PRECOMPILE_FAILURE);
}

static void test_point_evaluation(void)
{
	/* The zero polynomial: commitment and proof are the point at
	 * infinity, and it evaluates to 0 at 0. */
	uint8_t in[192] = {0};
	in[96] = 0xc0;
	in[144] = 0xc0;
	sha256(in + 96, 48, in);
	in[0] = 0x01;
	address a = pc(10);
	evm_result r = evm_run_precompile(&a, FORK_CANCUN, in, 192, 60000);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.gas_left, 10000);
	CHECK_EQ_INT(r.output_size, 64);
	if (r.output_size == 64) {
		CHECK_EQ_INT(r.output[30], 0x10);
		CHECK_EQ_INT(r.output[32], 0x73);
		CHECK_EQ_INT(r.output[63], 0x01);
	}
	evm_result_release(&r);

	r = evm_run_precompile(&a, FORK_CANCUN, in, 192, 49999);
	CHECK_EQ_INT(r.status, EVM_OUT_OF_GAS);
	r = evm_run_precompile(&a, FORK_CANCUN, in, 191, 60000);
	CHECK_EQ_INT(r.status, EVM_PRECOMPILE_FAILURE);
	in[0] = 0x02; /* wrong version */
	r = evm_run_precompile(&a, FORK_CANCUN, in, 192, 60000);
	CHECK_EQ_INT(r.status, EVM_PRECOMPILE_FAILURE);
	in[0] = 0x01;
	in[63] = 1; /* z = 1: the zero polynomial is 0 there too */
	r = evm_run_precompile(&a, FORK_CANCUN, in, 192, 60000);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	evm_result_release(&r);
	in[95] = 1; /* claims p(1) = 1 */
	r = evm_run_precompile(&a, FORK_CANCUN, in, 192, 60000);
	CHECK_EQ_INT(r.status, EVM_PRECOMPILE_FAILURE);
	evm_result_release(&r);
}

static void test_through_interpreter(void)
{
	/* STATICCALL to identity copies memory through the host. */
	fakehost h;
	fh_init(&h, FORK_CANCUN);
	address id = pc(4);
	bc c = {0};
	mstore(&c, 0, 0x1234);
	call_op(&c, OP_STATICCALL, 1000, &id, 0, 30, 2, 32, 2);
	ret(&c, 32, 2);
	evm_result r = fh_run(&h, c.code, c.n, 100000, NULL, 0);
	CHECK_EQ_INT(r.status, EVM_SUCCESS);
	CHECK_EQ_INT(r.output_size, 2);
	if (r.output_size == 2) {
		CHECK_EQ_INT(r.output[0], 0x12);
		CHECK_EQ_INT(r.output[1], 0x34);
	}
	/* mstore 12 + pushes 18 + warm 100 + memory word 3 + identity 18 +
	 * return pushes 6 */
	CHECK_EQ_INT(100000 - r.gas_left, 12 + 18 + 100 + 3 + 18 + 6);
	evm_result_release(&r);
}

TEST_MAIN(test_availability, test_hashes_and_identity, test_ecrecover,
          test_modexp, test_bn254, test_blake2f, test_point_evaluation,
          test_through_interpreter)
