/* Fuzzes JSON-RPC dispatch with arbitrary request bodies. Whatever comes
 * in, the answer must be nothing (notifications only) or well-formed JSON:
 * one response object, or a non-empty array of them, each with
 * "jsonrpc":"2.0", an "id", and exactly one of "result" and "error" (an
 * error with an integer code and a string message). One method defers its
 * reply, so the asynchronous paths (late reply, expiry) run too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "rpc/jsonrpc.h"

static rpc_call *held[RPC_BATCH_MAX];
static size_t nheld;

static void h_echo(rpc_call *call, json_t *params, void *ctx)
{
	rpc_reply(call, json_incref(params));
}

static void h_fail(rpc_call *call, json_t *params, void *ctx)
{
	rpc_reply_error(call, RPC_INVALID_PARAMS, "bad params",
	                json_incref(params));
}

static void h_later(rpc_call *call, json_t *params, void *ctx)
{
	held[nheld++] = call;
}

static void check_response(const json_t *r)
{
	if (!json_is_object(r) || json_object_size(r) != 3)
		abort();
	const json_t *v = json_object_get(r, "jsonrpc");
	if (!json_is_string(v) || strcmp(json_string_value(v), "2.0") != 0)
		abort();
	const json_t *id = json_object_get(r, "id");
	if (!json_is_string(id) && !json_is_number(id) && !json_is_null(id))
		abort();
	const json_t *err = json_object_get(r, "error");
	if (!json_object_get(r, "result") == !err)
		abort();
	if (err && (!json_is_integer(json_object_get(err, "code")) ||
	            !json_is_string(json_object_get(err, "message"))))
		abort();
}

static void on_done(void *arg, int err, const uint8_t *resp, size_t len)
{
	(*(unsigned *)arg)++;
	if (err != DURE_OK || len == 0)
		return;
	json_t *j = json_loadb((const char *)resp, len, JSON_ALLOW_NUL, NULL);
	if (json_is_array(j)) {
		if (json_array_size(j) == 0)
			abort();
		for (size_t i = 0; i < json_array_size(j); i++)
			check_response(json_array_get(j, i));
	} else {
		check_response(j);
	}
	json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static rpc_registry *reg;
	if (!reg && (rpc_registry_new(&reg) != DURE_OK ||
	             rpc_register(reg, "echo", h_echo, NULL) != DURE_OK ||
	             rpc_register(reg, "fail", h_fail, NULL) != DURE_OK ||
	             rpc_register(reg, "later", h_later, NULL) != DURE_OK))
		abort();

	nheld = 0;
	unsigned done = 0;
	rpc_request *req;
	if (rpc_dispatch_start(reg, (const char *)data, size, on_done, &done,
	                       &req) != DURE_OK)
		return 0;
	if (!req != (done == 1) || (req && nheld == 0))
		abort();
	/* The last input byte picks how deferred calls end. */
	bool expire = size && (data[size - 1] & 1);
	if (req && expire)
		rpc_request_expire(req);
	for (size_t i = 0; i < nheld; i++)
		rpc_reply(held[i], json_integer((json_int_t)i));
	if (done != 1)
		abort();

	/* The synchronous wrapper agrees on the same input. */
	nheld = 0;
	buf out = BUF_INIT;
	int err = rpc_dispatch(reg, (const char *)data, size, &out);
	if (err == DURE_ERPC_DEFERRED && nheld == 0)
		abort();
	for (size_t i = 0; i < nheld; i++)
		rpc_reply(held[i], NULL);
	buf_free(&out);
	return 0;
}
