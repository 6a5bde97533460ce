/* The contract the eth_chain and subscribe tests deploy at LOG_A and
 * LOG_B, and checks of its logs as the RPC shows them. LOG_CODE stores 42
 * in memory and emits LOG2 with topics TOPIC0 and the call's value, data
 * the 32-byte word 42. Include after test.h. */
#ifndef DURE_TEST_LOG_CONTRACT_H
#define DURE_TEST_LOG_CONTRACT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "base/hex.h"

#define KEY1_ADDR "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf"
#define KEY2_ADDR "0x2b5ad5c4795c026514f8317c7a215e218dccd6cf"
#define LOG_A "0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define LOG_B "0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define TOPIC0 "0x0000000000000000000000000000000000000000000000000000000000000077"
#define LOG_CODE "0x602a60005234607760206000a200"
/* 21000 + PUSH1 3 + PUSH1 3 + MSTORE 3 + memory 3 + CALLVALUE 2 +
 * 3 PUSH1 9 + LOG2 (375 + 2 * 375 + 8 * 32) */
#define LOG_CALL_GAS 22404

static bool str_is(const json_t *v, const char *s)
{
	return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}

static void hex_of(const h256 *h, char out[67])
{
	out[0] = '0';
	out[1] = 'x';
	hex_encode(h->b, 32, out + 2);
}

/* Whether log l is in block (hash, number), from txh, at logIndex index,
 * emitted by addr with value as its second topic, removed or not. */
static bool log_at(const json_t *l, const h256 *hash, const char *number,
                   const h256 *txh, const char *index, const char *addr,
                   uint64_t value, bool removed)
{
	char h[67], t[67], v[67];
	hex_of(hash, h);
	hex_of(txh, t);
	snprintf(v, sizeof v, "0x%064llx", (unsigned long long)value);
	json_t *topics = json_object_get(l, "topics");
	bool ok = str_is(json_object_get(l, "blockHash"), h) &&
	          str_is(json_object_get(l, "blockNumber"), number) &&
	          str_is(json_object_get(l, "transactionHash"), t) &&
	          str_is(json_object_get(l, "logIndex"), index) &&
	          str_is(json_object_get(l, "address"), addr) &&
	          json_array_size(topics) == 2 &&
	          str_is(json_array_get(topics, 0), TOPIC0) &&
	          str_is(json_array_get(topics, 1), v) &&
	          json_is_boolean(json_object_get(l, "removed")) &&
	          json_is_true(json_object_get(l, "removed")) == removed;
	if (!ok) {
		char *d = json_dumps(l, 0);
		fprintf(stderr, "log %s: want %s %s tx %s index %s removed %d\n",
		        d ? d : "(none)", h, number, t, index, removed);
		free(d);
	}
	return ok;
}

/* eth_getLogs' parameters for the logs of one block: [{"blockHash":H}]. */
static void block_logs_params(const h256 *hash, char out[128])
{
	char h[67];
	hex_of(hash, h);
	snprintf(out, 128, "[{\"blockHash\":\"%s\"}]", h);
}

/* Whether l is log i of stored (eth_getLogs' answer for its block, which
 * this consumes) but for removed being true: a removed log carries every
 * field the stored one had. */
static bool removed_copy_of(json_t *stored, size_t i, const json_t *l)
{
	json_t *want = json_deep_copy(json_array_get(stored, i));
	json_object_set_new(want, "removed", json_true());
	bool ok = want && json_equal(want, l);
	json_decref(want);
	json_decref(stored);
	return ok;
}

#endif
