#include "node/cli.h"
#include "test.h"

static void test_parse_ulong(void)
{
	unsigned long v = 7;
	CHECK(cli_parse_ulong("0", 10, &v) && v == 0);
	CHECK(cli_parse_ulong("65535", 65535, &v) && v == 65535);
	v = 7;
	CHECK(!cli_parse_ulong("65536", 65535, &v) && v == 7);
	CHECK(!cli_parse_ulong("", 10, &v));
	CHECK(!cli_parse_ulong("-1", 10, &v));
	CHECK(!cli_parse_ulong("+1", 10, &v));
	CHECK(!cli_parse_ulong(" 1", 10, &v));
	CHECK(!cli_parse_ulong("1 ", 10, &v));
	CHECK(!cli_parse_ulong("0x10", 100, &v));
	CHECK(!cli_parse_ulong("99999999999999999999999", (unsigned long)-1, &v));
	CHECK(v == 7);
}

TEST_MAIN(test_parse_ulong)
