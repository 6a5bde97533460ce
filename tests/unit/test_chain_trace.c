/* The tracers of chain/trace.h against costs worked out by hand from the
 * EIPs (2929 access costs, 2200/3529 SSTORE charges and refunds, the
 * CALL charges of the Yellow Paper with EIP-150's 63/64) and the output
 * forms of geth's struct logger, callTracer and prestateTracer. */
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "chain/trace.h"
#include "test.h"

#define UP(v) (&(u256){{(uint64_t)(v), 0, 0, 0}})

static address addr(uint16_t n)
{
	address a = {{0}};
	a.b[18] = (uint8_t)(n >> 8);
	a.b[19] = (uint8_t)n;
	return a;
}

/* The key of a94f5374fce5edbc8e2a8697c15331677e6ebf0b. */
static const char *const KEY =
	"45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8";

static address sender(void)
{
	address a;
	if (hex_decode_exact("a94f5374fce5edbc8e2a8697c15331677e6ebf0b", a.b,
	                     20) != DURE_OK)
		abort();
	return a;
}

#define CONTRACT 0xaaaa
#define OOG 0xbbbb
#define UNDER 0xcccc
#define CREATOR 0xdddd

/* CONTRACT: reads slot 1 twice (cold, then warm), sets slot 2 to 5 (cold,
 * 0 -> 5), clears slot 1 (warm, 0x2a -> 0: a refund of 4800), then CALLs
 * the empty account 0xbeef with 7 wei and 4096 gas. */
static const uint8_t contract_code[] = {
	0x60, 0x01, 0x54, 0x50,             /* PUSH1 1 SLOAD POP */
	0x60, 0x01, 0x54, 0x50,             /* PUSH1 1 SLOAD POP */
	0x60, 0x05, 0x60, 0x02, 0x55,       /* PUSH1 5 PUSH1 2 SSTORE */
	0x60, 0x00, 0x60, 0x01, 0x55,       /* PUSH1 0 PUSH1 1 SSTORE */
	0x60, 0x00, 0x60, 0x00, 0x60, 0x00, 0x60, 0x00, /* ret, args: 0 */
	0x60, 0x07,                         /* value 7 */
	0x61, 0xbe, 0xef,                   /* to 0xbeef */
	0x61, 0x10, 0x00,                   /* gas 4096 */
	0xf1, 0x00,                         /* CALL STOP */
};

/* CREATOR: CREATE of the 5-byte initcode 0x60006000f3 ... given as
 * PUSH5 code, MSTORE at 0, CREATE(value 0, offset 27, size 5), STOP. */
static const uint8_t creator_code[] = {
	0x64, 0x60, 0x00, 0x60, 0x00, 0xf3, /* PUSH5 initcode */
	0x60, 0x00, 0x52,                   /* PUSH1 0 MSTORE */
	0x60, 0x05, 0x60, 0x1b, 0x60, 0x00, /* size 5, offset 27, value 0 */
	0xf0, 0x00,                         /* CREATE STOP */
};

static block_env env(void)
{
	block_env e = {0};
	e.coinbase = addr(0xc0b);
	e.number = 1;
	e.timestamp = 1000;
	e.gas_limit = 30000000;
	e.base_fee = u256_from_u64(10);
	e.chain_id = 1;
	return e;
}

static state *world(void)
{
	state *st;
	if (state_new(&st) != DURE_OK)
		abort();
	address s = sender(), c = addr(CONTRACT), o = addr(OOG),
	        u = addr(UNDER), k = addr(CREATOR);
	state_set_balance(st, &s, UP(1000000000000));
	state_set_code(st, &c, contract_code, sizeof contract_code);
	state_set_nonce(st, &c, 1);
	state_set_storage(st, &c, UP(1), UP(0x2a));
	static const uint8_t oog[] = {0x60, 0x01, 0x60, 0x03, 0x55, 0x00};
	state_set_code(st, &o, oog, sizeof oog);
	static const uint8_t under[] = {0x01};
	state_set_code(st, &u, under, sizeof under);
	state_set_code(st, &k, creator_code, sizeof creator_code);
	state_set_nonce(st, &k, 1);
	state_end_tx(st, true);
	return st;
}

static tx make_tx(uint16_t to, uint64_t nonce, uint64_t gas,
                  uint64_t value)
{
	tx t = {0};
	t.nonce = nonce;
	t.type = TX_LEGACY;
	t.has_chain_id = true;
	t.chain_id = 1;
	t.gas_price = u256_from_u64(10);
	t.gas_limit = gas;
	t.has_to = true;
	t.to = addr(to);
	t.value = u256_from_u64(value);
	uint8_t key[32];
	if (hex_decode_exact(KEY, key, 32) != DURE_OK || tx_sign(&t, key))
		abort();
	return t;
}

static json_t *run(state *st, uint16_t to, uint64_t gas, uint64_t value,
                   const trace_config *cfg, receipt *rc)
{
	block_env e = env();
	address s = sender();
	tx t = make_tx(to, state_nonce(st, &s), gas, value);
	json_t *res = NULL;
	int err = trace_tx(st, FORK_CANCUN, &e, &t, &s, NULL, NULL, cfg, &res,
	                   rc);
	CHECK_EQ_INT(err, DURE_OK);
	return res;
}

static long long int_at(const json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

static const char *str_at(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static void test_struct_costs(void)
{
	state *st = world();
	trace_config cfg = {.kind = TRACE_STRUCT};
	receipt rc;
	json_t *r = run(st, CONTRACT, 100000, 100, &cfg, &rc);
	/* 21000 + 61543 of execution, less the refund of 4800. */
	CHECK_EQ_INT(int_at(r, "gas"), 77743);
	CHECK_EQ_INT(rc.gas_used, 77743);
	CHECK(json_is_false(json_object_get(r, "failed")));
	CHECK(strcmp(str_at(r, "returnValue"), "") == 0);
	json_t *logs = json_object_get(r, "structLogs");
	CHECK_EQ_INT(json_array_size(logs), 21);
	static const struct {
		const char *op;
		long long pc, gas, cost, refund;
	} want[] = {
		{"PUSH1", 0, 79000, 3, 0},      {"SLOAD", 2, 78997, 2100, 0},
		{"POP", 3, 76897, 2, 0},        {"PUSH1", 4, 76895, 3, 0},
		{"SLOAD", 6, 76892, 100, 0},    {"POP", 7, 76792, 2, 0},
		{"PUSH1", 8, 76790, 3, 0},      {"PUSH1", 10, 76787, 3, 0},
		{"SSTORE", 12, 76784, 22100, 0}, {"PUSH1", 13, 54684, 3, 0},
		{"PUSH1", 15, 54681, 3, 0},     {"SSTORE", 17, 54678, 2900, 4800},
		{"PUSH1", 18, 51778, 3, 4800},  {"PUSH1", 20, 51775, 3, 4800},
		{"PUSH1", 22, 51772, 3, 4800},  {"PUSH1", 24, 51769, 3, 4800},
		{"PUSH1", 26, 51766, 3, 4800},  {"PUSH2", 28, 51763, 3, 4800},
		{"PUSH2", 31, 51760, 3, 4800},
		/* warm 100 + cold 2500 + value 9000 + new account 25000 + the
		 * 4096 sent (the 2300 stipend is not the caller's) */
		{"CALL", 34, 51757, 40696, 4800},
		/* 40696 paid, 4096 + 2300 back from the empty callee */
		{"STOP", 35, 17457, 0, 4800},
	};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		json_t *e = json_array_get(logs, i);
		CHECK(strcmp(str_at(e, "op"), want[i].op) == 0);
		CHECK_EQ_INT(int_at(e, "pc"), want[i].pc);
		CHECK_EQ_INT(int_at(e, "gas"), want[i].gas);
		CHECK_EQ_INT(int_at(e, "gasCost"), want[i].cost);
		CHECK_EQ_INT(int_at(e, "refund"), want[i].refund);
		CHECK_EQ_INT(int_at(e, "depth"), 1);
		CHECK(json_object_get(e, "error") == NULL);
		CHECK(json_object_get(e, "memory") == NULL);
	}
	/* Stacks as geth prints them: minimal hex words, bottom first. */
	json_t *st19 = json_object_get(json_array_get(logs, 19), "stack");
	CHECK_EQ_INT(json_array_size(st19), 7);
	CHECK(strcmp(json_string_value(json_array_get(st19, 0)), "0x0") == 0);
	CHECK(strcmp(json_string_value(json_array_get(st19, 4)), "0x7") == 0);
	CHECK(strcmp(json_string_value(json_array_get(st19, 5)), "0xbeef") == 0);
	CHECK(strcmp(json_string_value(json_array_get(st19, 6)), "0x1000") == 0);
	/* The contract's storage as seen so far, on SLOAD and SSTORE only. */
	static const char k1[] =
		"0000000000000000000000000000000000000000000000000000000000000001";
	static const char k2[] =
		"0000000000000000000000000000000000000000000000000000000000000002";
	json_t *s1 = json_object_get(json_array_get(logs, 1), "storage");
	CHECK_EQ_INT(json_object_size(s1), 1);
	CHECK(strcmp(str_at(s1, k1), "000000000000000000000000000000000000000000"
	                             "000000000000000000002a") == 0);
	json_t *s11 = json_object_get(json_array_get(logs, 11), "storage");
	CHECK_EQ_INT(json_object_size(s11), 2);
	CHECK(strcmp(str_at(s11, k1), "000000000000000000000000000000000000000000"
	                              "0000000000000000000000") == 0);
	CHECK(strcmp(str_at(s11, k2), "000000000000000000000000000000000000000000"
	                              "0000000000000000000005") == 0);
	CHECK(json_object_get(json_array_get(logs, 2), "storage") == NULL);
	json_decref(r);
	receipt_free(&rc);
	state_free(st);
}

static void test_struct_options(void)
{
	state *st = world();
	trace_config cfg = {.kind = TRACE_STRUCT, .disable_stack = true,
	                    .disable_storage = true, .enable_memory = true,
	                    .limit = 4};
	receipt rc;
	json_t *r = run(st, CREATOR, 200000, 0, &cfg, &rc);
	json_t *logs = json_object_get(r, "structLogs");
	CHECK_EQ_INT(json_array_size(logs), 4);
	json_t *e3 = json_array_get(logs, 3); /* the step after MSTORE */
	CHECK(json_object_get(e3, "stack") == NULL);
	json_t *mem = json_object_get(e3, "memory");
	CHECK_EQ_INT(json_array_size(mem), 1);
	CHECK(strcmp(json_string_value(json_array_get(mem, 0)),
	             "0000000000000000000000000000000000000000000000000000006000"
	             "6000f3") == 0);
	json_t *e2 = json_array_get(logs, 2); /* MSTORE: 3 + 3 for a word */
	CHECK(strcmp(str_at(e2, "op"), "MSTORE") == 0);
	CHECK_EQ_INT(int_at(e2, "gasCost"), 6);
	CHECK_EQ_INT(json_array_size(json_object_get(e2, "memory")), 0);
	json_decref(r);
	receipt_free(&rc);
	state_free(st);

	/* CREATE: 32000 + 2 per initcode word (EIP-3860), not the gas
	 * handed to the initcode; the child runs at depth 2. */
	st = world();
	cfg = (trace_config){.kind = TRACE_STRUCT};
	r = run(st, CREATOR, 200000, 0, &cfg, &rc);
	logs = json_object_get(r, "structLogs");
	json_t *c = NULL;
	size_t i;
	json_t *e;
	json_array_foreach(logs, i, e)
		if (!strcmp(str_at(e, "op"), "CREATE"))
			c = e;
	CHECK(c != NULL);
	CHECK_EQ_INT(int_at(c, "gasCost"), 32002);
	json_t *child = json_array_get(logs, 7);
	CHECK_EQ_INT(int_at(child, "depth"), 2);
	/* All but 1/64 of what is left after the 32002 */
	long long left = int_at(c, "gas") - 32002;
	CHECK_EQ_INT(int_at(child, "gas"), left - left / 64);
	json_decref(r);
	receipt_free(&rc);
	state_free(st);
}

static void test_struct_errors(void)
{
	state *st = world();
	trace_config cfg = {.kind = TRACE_STRUCT};
	receipt rc;
	/* 5000 left at the SSTORE, which costs 22100 (cold, 0 -> 1) */
	json_t *r = run(st, OOG, 26006, 0, &cfg, &rc);
	CHECK_EQ_INT(int_at(r, "gas"), 26006);
	CHECK(json_is_true(json_object_get(r, "failed")));
	json_t *logs = json_object_get(r, "structLogs");
	CHECK_EQ_INT(json_array_size(logs), 3);
	json_t *e = json_array_get(logs, 2);
	CHECK(strcmp(str_at(e, "op"), "SSTORE") == 0);
	CHECK_EQ_INT(int_at(e, "gas"), 5000);
	CHECK_EQ_INT(int_at(e, "gasCost"), 22100);
	CHECK(strcmp(str_at(e, "error"), "out of gas") == 0);
	json_decref(r);
	receipt_free(&rc);

	r = run(st, UNDER, 30000, 0, &cfg, &rc);
	e = json_array_get(json_object_get(r, "structLogs"), 0);
	CHECK(strcmp(str_at(e, "op"), "ADD") == 0);
	CHECK_EQ_INT(int_at(e, "gasCost"), 3);
	CHECK(strcmp(str_at(e, "error"), "stack underflow (0 <=> 2)") == 0);
	json_decref(r);
	receipt_free(&rc);

	/* A rejected transaction (nonce 5 from a sender at 2) traces
	 * nothing. */
	block_env en = env();
	tx t = make_tx(CONTRACT, 5, 100000, 0);
	address s = sender();
	json_t *res = (json_t *)1;
	CHECK_EQ_INT(trace_tx(st, FORK_CANCUN, &en, &t, &s, NULL, NULL, &cfg,
	                      &res, &rc),
	             DURE_ETR_NONCE);
	CHECK(res == NULL);
	CHECK_EQ_INT(rc.gas_used, 0);
	state_free(st);
}

static void test_call_tracer(void)
{
	state *st = world();
	trace_config cfg = {.kind = TRACE_CALL};
	receipt rc;
	json_t *r = run(st, CONTRACT, 100000, 100, &cfg, &rc);
	CHECK(strcmp(str_at(r, "type"), "CALL") == 0);
	CHECK(strcmp(str_at(r, "from"),
	             "0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b") == 0);
	CHECK(strcmp(str_at(r, "to"),
	             "0x000000000000000000000000000000000000aaaa") == 0);
	CHECK(strcmp(str_at(r, "value"), "0x64") == 0);
	CHECK(strcmp(str_at(r, "gas"), "0x186a0") == 0);
	CHECK(strcmp(str_at(r, "gasUsed"), "0x12faf") == 0); /* 77743 */
	CHECK(strcmp(str_at(r, "input"), "0x") == 0);
	CHECK(json_object_get(r, "output") == NULL);
	json_t *calls = json_object_get(r, "calls");
	CHECK_EQ_INT(json_array_size(calls), 1);
	json_t *c = json_array_get(calls, 0);
	CHECK(strcmp(str_at(c, "type"), "CALL") == 0);
	CHECK(strcmp(str_at(c, "from"),
	             "0x000000000000000000000000000000000000aaaa") == 0);
	CHECK(strcmp(str_at(c, "to"),
	             "0x000000000000000000000000000000000000beef") == 0);
	CHECK(strcmp(str_at(c, "value"), "0x7") == 0);
	CHECK(strcmp(str_at(c, "gas"), "0x18fc") == 0); /* 4096 + 2300 */
	CHECK(strcmp(str_at(c, "gasUsed"), "0x0") == 0);
	json_decref(r);
	receipt_free(&rc);

	cfg.only_top_call = true;
	r = run(st, CREATOR, 200000, 0, &cfg, &rc);
	CHECK(json_object_get(r, "calls") == NULL);
	json_decref(r);
	receipt_free(&rc);

	cfg.only_top_call = false;
	r = run(st, OOG, 26006, 0, &cfg, &rc);
	CHECK(strcmp(str_at(r, "error"), "out of gas") == 0);
	CHECK(strcmp(str_at(r, "gasUsed"), "0x6596") == 0); /* 26006 */
	json_decref(r);
	receipt_free(&rc);
	state_free(st);
}

static void test_prestate(void)
{
	state *st = world();
	trace_config cfg = {.kind = TRACE_PRESTATE};
	receipt rc;
	json_t *r = run(st, CONTRACT, 100000, 100, &cfg, &rc);
	/* sender, contract, coinbase, the CALL's target */
	CHECK_EQ_INT(json_object_size(r), 4);
	json_t *s = json_object_get(r, "0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b");
	CHECK(strcmp(str_at(s, "balance"), "0xe8d4a51000") == 0); /* 10^12 */
	CHECK(json_object_get(s, "nonce") == NULL);
	json_t *c = json_object_get(r, "0x000000000000000000000000000000000000aaaa");
	CHECK_EQ_INT(int_at(c, "nonce"), 1);
	CHECK(strcmp(str_at(c, "balance"), "0x0") == 0);
	json_t *slots = json_object_get(c, "storage");
	CHECK_EQ_INT(json_object_size(slots), 2);
	CHECK(strcmp(str_at(slots, "0x0000000000000000000000000000000000000000"
	                           "000000000000000000000001"),
	             "0x000000000000000000000000000000000000000000000000000000"
	             "000000002a") == 0);
	json_t *b = json_object_get(r, "0x000000000000000000000000000000000000beef");
	CHECK(strcmp(str_at(b, "balance"), "0x0") == 0);
	json_decref(r);
	receipt_free(&rc);

	cfg.diff_mode = true;
	r = run(st, CONTRACT, 100000, 100, &cfg, &rc);
	json_t *post = json_object_get(r, "post"), *pre = json_object_get(r, "pre");
	b = json_object_get(post, "0x000000000000000000000000000000000000beef");
	CHECK(strcmp(str_at(b, "balance"), "0xe") == 0); /* 7 + 7 */
	c = json_object_get(post, "0x000000000000000000000000000000000000aaaa");
	CHECK(strcmp(str_at(c, "balance"), "0xba") == 0); /* 2 * 100 - 14 */
	/* Unchanged now: slot 1 is 0 before and after, slot 2 5 and 5. */
	CHECK(json_object_get(c, "storage") == NULL);
	CHECK(json_object_get(c, "nonce") == NULL);
	c = json_object_get(pre, "0x000000000000000000000000000000000000aaaa");
	CHECK(strcmp(str_at(c, "balance"), "0x5d") == 0); /* 100 - 7 */
	json_decref(r);
	receipt_free(&rc);
	state_free(st);
}

TEST_MAIN(test_struct_costs, test_struct_options, test_struct_errors,
          test_call_tracer, test_prestate)
