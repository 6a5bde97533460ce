/* EIP-145 (Constantinople): SHL, SHR, SAR; examples from the EIP. */
#include "evm_builder.h"
#include "evm_fakehost.h"
#include "test.h"

static u256 shift(uint8_t opcode, const char *value, uint64_t by)
{
	fakehost h;
	fh_init(&h, FORK_CONSTANTINOPLE);
	u256 v;
	if (u256_from_string(value, &v) != 0)
		return u256_from_u64(0xbad);
	bc c = {0};
	push_u256(&c, &v);
	push(&c, by);
	op(&c, opcode);
	ret_top(&c);
	evm_result r = fh_run(&h, c.code, c.n, 1000, NULL, 0);
	u256 out = r.output_size == 32 ? u256_from_be(r.output, 32)
	                               : u256_from_u64(0xbad);
	evm_result_release(&r);
	return out;
}

static void expect(uint8_t opcode, const char *value, uint64_t by,
                   const char *want)
{
	u256 w, got = shift(opcode, value, by);
	CHECK(u256_from_string(want, &w) == 0);
	CHECK(u256_eq(&got, &w));
}

#define ONES "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define MIN "0x8000000000000000000000000000000000000000000000000000000000000000"
#define MAXP "0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"

static void test_shl(void)
{
	expect(OP_SHL, "1", 0, "1");
	expect(OP_SHL, "1", 1, "2");
	expect(OP_SHL, "1", 255, MIN);
	expect(OP_SHL, "1", 256, "0");
	expect(OP_SHL, ONES, 1,
	       "0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe");
	expect(OP_SHL, "0", 1, "0");
}

static void test_shr(void)
{
	expect(OP_SHR, "1", 1, "0");
	expect(OP_SHR, MIN, 1,
	       "0x4000000000000000000000000000000000000000000000000000000000000000");
	expect(OP_SHR, MIN, 255, "1");
	expect(OP_SHR, MIN, 256, "0");
	expect(OP_SHR, ONES, 255, "1");
}

static void test_sar(void)
{
	expect(OP_SAR, MIN, 1,
	       "0xc000000000000000000000000000000000000000000000000000000000000000");
	expect(OP_SAR, MIN, 255, ONES);
	expect(OP_SAR, MIN, 256, ONES);
	expect(OP_SAR, ONES, 0, ONES);
	expect(OP_SAR, MAXP, 254, "1");
	expect(OP_SAR, MAXP, 256, "0");
	expect(OP_SAR, "0x4000000000000000000000000000000000000000000000000000000000000000",
	       254, "1");
}

TEST_MAIN(test_shl, test_shr, test_sar)
