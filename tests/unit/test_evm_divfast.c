/* DIV, SDIV, MOD and SMOD in the interpreter, whose operands below 2^128
 * in magnitude take an inline path, against the u256 library on operands on
 * both sides of that boundary. */
#include "evm_builder.h"
#include "evm_fakehost.h"
#include "test.h"

#include "evm/opcodes.h"

static u256 neg(u256 v)
{
	u256 zero = U256_ZERO;
	return u256_sub(&zero, &v);
}

static u256 run_binop(uint8_t opcode, const u256 *a, const u256 *b)
{
	u256 w;
	CHECK_EQ_INT(fh_binop(opcode, a, b, &w), EVM_SUCCESS);
	return w;
}

static void test_against_library(void)
{
	const u256 two64 = {{0, 1, 0, 0}};
	const u256 min = {{0, 0, 0, 1ULL << 63}};
	u256 v[] = {
		U256_ZERO,
		u256_from_u64(1),
		u256_from_u64(7),
		u256_from_u64(1ULL << 63),
		u256_from_u64(UINT64_MAX),
		two64,
		neg(u256_from_u64(1)),
		neg(u256_from_u64(7)),
		neg(u256_from_u64(1ULL << 63)),
		neg(u256_from_u64(UINT64_MAX)),
		neg(two64),
		min,
		(u256){{UINT64_MAX, UINT64_MAX, 0, 0}},
		(u256){{0, 0, 1, 0}},
		neg((u256){{UINT64_MAX, UINT64_MAX, 0, 0}}),
		neg((u256){{0, 0, 1, 0}}),
		(u256){{12345, 1ULL << 63, 0, 0}},
		neg((u256){{1, 5, 0, 0}}),
		(u256){{5, 0, 0, 0x8000}},
		(u256){{3, UINT64_MAX, UINT64_MAX, UINT64_MAX >> 1}},
	};
	size_t n = sizeof v / sizeof v[0];
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			u256 want = u256_div(&v[i], &v[j]),
			     got = run_binop(OP_DIV, &v[i], &v[j]);
			CHECK(u256_eq(&got, &want));
			want = u256_mod(&v[i], &v[j]);
			got = run_binop(OP_MOD, &v[i], &v[j]);
			CHECK(u256_eq(&got, &want));
			want = u256_sdiv(&v[i], &v[j]);
			got = run_binop(OP_SDIV, &v[i], &v[j]);
			CHECK(u256_eq(&got, &want));
			want = u256_smod(&v[i], &v[j]);
			got = run_binop(OP_SMOD, &v[i], &v[j]);
			CHECK(u256_eq(&got, &want));
		}
	}
}

/* Results written out by hand, so that a shared mistake of the library and
 * the inline path cannot hide. */
static void test_known_values(void)
{
	u256 a = neg(u256_from_u64(7)), b = u256_from_u64(2);
	u256 got = run_binop(OP_SDIV, &a, &b), want = neg(u256_from_u64(3));
	CHECK(u256_eq(&got, &want));
	got = run_binop(OP_SMOD, &a, &b);
	want = neg(u256_from_u64(1));
	CHECK(u256_eq(&got, &want));
	got = run_binop(OP_SMOD, &b, &a);
	want = u256_from_u64(2);
	CHECK(u256_eq(&got, &want));
	b = neg(u256_from_u64(2));
	got = run_binop(OP_SDIV, &a, &b);
	want = u256_from_u64(3);
	CHECK(u256_eq(&got, &want));
	a = u256_from_u64(1);
	got = run_binop(OP_SDIV, &a, &b);
	CHECK(u256_is_zero(&got));
	a = u256_from_u64(UINT64_MAX);
	b = neg(u256_from_u64(1));
	got = run_binop(OP_SDIV, &a, &b);
	want = neg(u256_from_u64(UINT64_MAX));
	CHECK(u256_eq(&got, &want));
	b = U256_ZERO;
	got = run_binop(OP_SDIV, &a, &b);
	CHECK(u256_is_zero(&got));
	got = run_binop(OP_SMOD, &a, &b);
	CHECK(u256_is_zero(&got));
}

TEST_MAIN(test_against_library, test_known_values)
