/* JSON-RPC 2.0 dispatch without sockets: every error code, ids, batches,
 * notifications, deferred (asynchronous) replies, and sessions over a fake
 * transport. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpc/jsonrpc.h"
#include "test.h"

static unsigned echo_calls;
static rpc_call *held[4];
static unsigned nheld;

/* echo: returns its params. */
static void h_echo(rpc_call *call, json_t *params, void *ctx)
{
	echo_calls++;
	rpc_reply(call, json_incref(params));
}

/* add: [a, b] -> a + b, or -32602. */
static void h_add(rpc_call *call, json_t *params, void *ctx)
{
	json_t *a = json_array_get(params, 0), *b = json_array_get(params, 1);
	if (!json_is_array(params) || json_array_size(params) != 2 ||
	    !json_is_integer(a) || !json_is_integer(b)) {
		rpc_reply_error(call, RPC_INVALID_PARAMS, "expected [int, int]", NULL);
		return;
	}
	rpc_reply(call, json_integer(json_integer_value(a) + json_integer_value(b)));
}

/* fail: an application error with data. */
static void h_fail(rpc_call *call, json_t *params, void *ctx)
{
	rpc_reply_error(call, 3, "execution reverted", json_string("0xdead"));
}

/* nothing: replies null. */
static void h_nothing(rpc_call *call, json_t *params, void *ctx)
{
	rpc_reply(call, NULL);
}

/* later: keeps the call to complete it from the test. */
static void h_later(rpc_call *call, json_t *params, void *ctx)
{
	held[nheld++] = call;
}

static rpc_registry *make_registry(void)
{
	rpc_registry *reg;
	if (rpc_registry_new(&reg) != DURE_OK)
		abort();
	if (rpc_register(reg, "echo", h_echo, NULL) != DURE_OK ||
	    rpc_register(reg, "add", h_add, NULL) != DURE_OK ||
	    rpc_register(reg, "fail", h_fail, NULL) != DURE_OK ||
	    rpc_register(reg, "nothing", h_nothing, NULL) != DURE_OK ||
	    rpc_register(reg, "later", h_later, NULL) != DURE_OK)
		abort();
	return reg;
}

/* Dispatches `in` and compares the response with `want` exactly. */
static void expect(rpc_registry *reg, const char *in, const char *want,
                   int line)
{
	buf out = BUF_INIT;
	int err = rpc_dispatch(reg, in, strlen(in), &out);
	bool ok = err == DURE_OK && out.len == strlen(want) &&
	          (out.len == 0 || memcmp(out.data, want, out.len) == 0);
	CHECK(ok);
	if (!ok)
		fprintf(stderr, "  line %d: in  %s\n  want %s\n  got  %.*s (err %d)\n",
		        line, in, want, (int)out.len, out.data ? (char *)out.data : "",
		        err);
	buf_free(&out);
}
#define EXPECT(reg, in, want) expect(reg, in, want, __LINE__)

static void test_register(void)
{
	rpc_registry *reg = make_registry();
	CHECK_EQ_INT(rpc_register(reg, "echo", h_echo, NULL),
	             DURE_ERPC_METHOD_EXISTS);
	CHECK_EQ_INT(rpc_register(reg, "", h_echo, NULL), DURE_EINVAL);
	CHECK_EQ_INT(rpc_register(reg, "echo2", h_echo, NULL), DURE_OK);
	rpc_registry_free(reg);
	rpc_registry_free(NULL);
}

static void test_single(void)
{
	rpc_registry *reg = make_registry();
	EXPECT(reg, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[2,3],\"id\":1}",
	       "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":5}");
	EXPECT(reg, " {\"id\":\"abc\",\"method\":\"echo\",\"jsonrpc\":\"2.0\","
	            "\"params\":{\"k\":[true,null]}} \n",
	       "{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"result\":{\"k\":[true,null]}}");
	EXPECT(reg, "{\"jsonrpc\":\"2.0\",\"method\":\"nothing\",\"id\":null}",
	       "{\"jsonrpc\":\"2.0\",\"id\":null,\"result\":null}");
	/* absent and null params both reach the handler as [] */
	EXPECT(reg, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":7}",
	       "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":[]}");
	EXPECT(reg, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":null,\"id\":8}",
	       "{\"jsonrpc\":\"2.0\",\"id\":8,\"result\":[]}");
	EXPECT(reg, "{\"jsonrpc\":\"2.0\",\"method\":\"fail\",\"id\":2}",
	       "{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":{\"code\":3,"
	       "\"message\":\"execution reverted\",\"data\":\"0xdead\"}}");
	rpc_registry_free(reg);
}

static void test_ids(void)
{
	rpc_registry *reg = make_registry();
	EXPECT(reg, "{\"jsonrpc\":\"2.0\",\"method\":\"nothing\",\"id\":-9223372036854775808}",
	       "{\"jsonrpc\":\"2.0\",\"id\":-9223372036854775808,\"result\":null}");
	EXPECT(reg, "{\"jsonrpc\":\"2.0\",\"method\":\"nothing\",\"id\":9007199254740993}",
	       "{\"jsonrpc\":\"2.0\",\"id\":9007199254740993,\"result\":null}");
	EXPECT(reg, "{\"jsonrpc\":\"2.0\",\"method\":\"nothing\",\"id\":\"\\u00e9\\\"x\"}",
	       "{\"jsonrpc\":\"2.0\",\"id\":\"\xc3\xa9\\\"x\",\"result\":null}");
	EXPECT(reg, "{\"jsonrpc\":\"2.0\",\"method\":\"nothing\",\"id\":\"\"}",
	       "{\"jsonrpc\":\"2.0\",\"id\":\"\",\"result\":null}");
	EXPECT(reg, "{\"jsonrpc\":\"2.0\",\"method\":\"nothing\",\"id\":1.5}",
	       "{\"jsonrpc\":\"2.0\",\"id\":1.5,\"result\":null}");
	/* ids of the wrong type make the request invalid, answered with null */
	EXPECT(reg, "{\"jsonrpc\":\"2.0\",\"method\":\"nothing\",\"id\":[1]}",
	       "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,"
	       "\"message\":\"invalid request id\"}}");
	EXPECT(reg, "{\"jsonrpc\":\"2.0\",\"method\":\"nothing\",\"id\":true}",
	       "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,"
	       "\"message\":\"invalid request id\"}}");
	rpc_registry_free(reg);
}

static void test_errors(void)
{
	rpc_registry *reg = make_registry();
	const char *parse = "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":"
	                    "-32700,\"message\":\"Parse error\"}}";
	EXPECT(reg, "{\"jsonrpc\":\"2.0\",\"method\":\"foobar,\"params\":\"bar\"", parse);
	EXPECT(reg, "", parse);
	EXPECT(reg, "{} x", parse);
	EXPECT(reg, "[{\"jsonrpc\":\"2.0\",\"method\":\"echo\"},{\"jsonrpc\"]", parse);
	EXPECT(reg, "\xff\xfe", parse);

	EXPECT(reg, "1",
	       "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,"
	       "\"message\":\"Invalid Request\"}}");
	EXPECT(reg, "{\"foo\":\"boo\"}",
	       "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,"
	       "\"message\":\"Invalid Request: \\\"jsonrpc\\\" must be \\\"2.0\\\"\"}}");
	EXPECT(reg, "{\"jsonrpc\":\"2.0\",\"method\":1,\"params\":\"bar\",\"id\":4}",
	       "{\"jsonrpc\":\"2.0\",\"id\":4,\"error\":{\"code\":-32600,"
	       "\"message\":\"Invalid Request: \\\"method\\\" must be a string\"}}");
	EXPECT(reg, "{\"jsonrpc\":\"1.0\",\"method\":\"echo\",\"id\":4}",
	       "{\"jsonrpc\":\"2.0\",\"id\":4,\"error\":{\"code\":-32600,"
	       "\"message\":\"Invalid Request: \\\"jsonrpc\\\" must be \\\"2.0\\\"\"}}");
	EXPECT(reg, "{\"jsonrpc\":\"2.0\\u0000\",\"method\":\"echo\",\"id\":4}",
	       "{\"jsonrpc\":\"2.0\",\"id\":4,\"error\":{\"code\":-32600,"
	       "\"message\":\"Invalid Request: \\\"jsonrpc\\\" must be \\\"2.0\\\"\"}}");
	EXPECT(reg, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":\"x\",\"id\":5}",
	       "{\"jsonrpc\":\"2.0\",\"id\":5,\"error\":{\"code\":-32600,"
	       "\"message\":\"Invalid Request: \\\"params\\\" must be an array or object\"}}");
	EXPECT(reg, "{\"jsonrpc\":\"2.0\",\"method\":\"nope\",\"id\":6}",
	       "{\"jsonrpc\":\"2.0\",\"id\":6,\"error\":{\"code\":-32601,"
	       "\"message\":\"Method not found\"}}");
	/* a NUL inside the name must not match the registered prefix */
	EXPECT(reg, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\\u0000x\",\"id\":6}",
	       "{\"jsonrpc\":\"2.0\",\"id\":6,\"error\":{\"code\":-32601,"
	       "\"message\":\"Method not found\"}}");
	EXPECT(reg, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1],\"id\":6}",
	       "{\"jsonrpc\":\"2.0\",\"id\":6,\"error\":{\"code\":-32602,"
	       "\"message\":\"expected [int, int]\"}}");
	rpc_registry_free(reg);
}

static void test_notifications(void)
{
	rpc_registry *reg = make_registry();
	echo_calls = 0;
	EXPECT(reg, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[1]}", "");
	CHECK_EQ_INT(echo_calls, 1);
	EXPECT(reg, "{\"jsonrpc\":\"2.0\",\"method\":\"nope\"}", "");
	EXPECT(reg, "{\"jsonrpc\":\"2.0\",\"method\":\"fail\"}", "");
	EXPECT(reg, "[{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[1,2,4]},"
	            "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[7]}]", "");
	CHECK_EQ_INT(echo_calls, 3);
	rpc_registry_free(reg);
}

static void test_batch(void)
{
	rpc_registry *reg = make_registry();
	/* the batch example of the JSON-RPC 2.0 specification */
	EXPECT(reg,
	       "[{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,2],\"id\":\"1\"},"
	       "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[7]},"
	       "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[42,23],\"id\":\"2\"},"
	       "{\"foo\":\"boo\"},"
	       "{\"jsonrpc\":\"2.0\",\"method\":\"foo.get\",\"params\":{\"name\":\"myself\"},\"id\":\"5\"},"
	       "{\"jsonrpc\":\"2.0\",\"method\":\"nothing\",\"id\":\"9\"}]",
	       "[{\"jsonrpc\":\"2.0\",\"id\":\"1\",\"result\":3},"
	       "{\"jsonrpc\":\"2.0\",\"id\":\"2\",\"result\":65},"
	       "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,"
	       "\"message\":\"Invalid Request: \\\"jsonrpc\\\" must be \\\"2.0\\\"\"}},"
	       "{\"jsonrpc\":\"2.0\",\"id\":\"5\",\"error\":{\"code\":-32601,"
	       "\"message\":\"Method not found\"}},"
	       "{\"jsonrpc\":\"2.0\",\"id\":\"9\",\"result\":null}]");
	EXPECT(reg, "[]",
	       "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,"
	       "\"message\":\"Invalid Request: empty batch\"}}");
	const char *inv = "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":"
	                  "-32600,\"message\":\"Invalid Request\"}}";
	char want[512];
	snprintf(want, sizeof want, "[%s]", inv);
	EXPECT(reg, "[1]", want);
	snprintf(want, sizeof want, "[%s,%s,%s]", inv, inv, inv);
	EXPECT(reg, "[1,2,3]", want);
	/* a batch inside a batch is not a request */
	snprintf(want, sizeof want, "[%s]", inv);
	EXPECT(reg, "[[{\"jsonrpc\":\"2.0\",\"method\":\"nothing\",\"id\":1}]]", want);

	/* RPC_BATCH_MAX calls are served, one more is refused whole */
	const char *one = "{\"jsonrpc\":\"2.0\",\"method\":\"nothing\",\"id\":1},";
	size_t n1 = strlen(one);
	char *big = malloc(2 + (RPC_BATCH_MAX + 1) * n1);
	size_t len = 0;
	big[len++] = '[';
	for (int i = 0; i < RPC_BATCH_MAX; i++, len += n1)
		memcpy(big + len, one, n1);
	big[len - 1] = ']';
	buf out = BUF_INIT;
	CHECK_EQ_INT(rpc_dispatch(reg, big, len, &out), DURE_OK);
	json_t *arr = json_loadb((char *)out.data, out.len, 0, NULL);
	CHECK(json_is_array(arr) && json_array_size(arr) == RPC_BATCH_MAX);
	json_decref(arr);
	buf_free(&out);
	big[len - 1] = ',';
	memcpy(big + len, one, n1);
	len += n1;
	big[len - 1] = ']';
	CHECK_EQ_INT(rpc_dispatch(reg, big, len, &out), DURE_OK);
	const char *too = "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":"
	                  "-32600,\"message\":\"Invalid Request: batch too large\"}}";
	CHECK(out.len == strlen(too) && memcmp(out.data, too, out.len) == 0);
	buf_free(&out);
	free(big);
	rpc_registry_free(reg);
}

typedef struct got {
	unsigned calls;
	char text[512];
} got;

static void on_done(void *arg, int err, const uint8_t *resp, size_t len)
{
	got *g = arg;
	g->calls++;
	snprintf(g->text, sizeof g->text, "%.*s", (int)len, resp ? (char *)resp : "");
}

static void test_deferred(void)
{
	rpc_registry *reg = make_registry();
	rpc_request *req;
	got g = {0};

	/* a batch with one deferred call is answered when that call completes,
	 * in request order */
	nheld = 0;
	const char *in = "[{\"jsonrpc\":\"2.0\",\"method\":\"later\",\"id\":1},"
	                 "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,1],\"id\":2}]";
	CHECK_EQ_INT(rpc_dispatch_start(reg, in, strlen(in), on_done, &g, &req),
	             DURE_OK);
	CHECK(req != NULL);
	CHECK_EQ_INT(g.calls, 0);
	CHECK_EQ_INT(nheld, 1);
	CHECK(!rpc_call_abandoned(held[0]));
	rpc_reply(held[0], json_string("late"));
	CHECK_EQ_INT(g.calls, 1);
	CHECK(strcmp(g.text, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"late\"},"
	                     "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":2}]") == 0);

	/* all-synchronous requests are answered before dispatch returns */
	g.calls = 0;
	in = "{\"jsonrpc\":\"2.0\",\"method\":\"nothing\",\"id\":3}";
	CHECK_EQ_INT(rpc_dispatch_start(reg, in, strlen(in), on_done, &g, &req),
	             DURE_OK);
	CHECK(req == NULL);
	CHECK_EQ_INT(g.calls, 1);

	/* expiry answers the pending call with a timeout; the late reply is
	 * dropped */
	nheld = 0;
	g.calls = 0;
	in = "{\"jsonrpc\":\"2.0\",\"method\":\"later\",\"id\":\"t\"}";
	CHECK_EQ_INT(rpc_dispatch_start(reg, in, strlen(in), on_done, &g, &req),
	             DURE_OK);
	CHECK(req != NULL);
	rpc_request_expire(req);
	CHECK_EQ_INT(g.calls, 1);
	CHECK(strcmp(g.text, "{\"jsonrpc\":\"2.0\",\"id\":\"t\",\"error\":{\"code\":"
	                     "-32002,\"message\":\"request timed out\"}}") == 0);
	CHECK(rpc_call_abandoned(held[0]));
	rpc_reply_error(held[0], 1, "too late", json_true());
	CHECK_EQ_INT(g.calls, 1);

	/* cancelling: done never runs, the handler still completes */
	nheld = 0;
	g.calls = 0;
	in = "[{\"jsonrpc\":\"2.0\",\"method\":\"later\",\"id\":1},"
	     "{\"jsonrpc\":\"2.0\",\"method\":\"later\",\"id\":2}]";
	CHECK_EQ_INT(rpc_dispatch_start(reg, in, strlen(in), on_done, &g, &req),
	             DURE_OK);
	CHECK_EQ_INT(nheld, 2);
	rpc_reply(held[0], json_integer(1));
	rpc_request_cancel(req);
	CHECK(rpc_call_abandoned(held[1]));
	rpc_reply(held[1], json_integer(2));
	CHECK_EQ_INT(g.calls, 0);

	/* the synchronous wrapper refuses deferral */
	nheld = 0;
	buf out = BUF_INIT;
	CHECK_EQ_INT(rpc_dispatch(reg, in, strlen(in), &out), DURE_ERPC_DEFERRED);
	CHECK_EQ_INT(out.len, 0);
	CHECK_EQ_INT(nheld, 2);
	rpc_reply(held[1], NULL);
	rpc_reply(held[0], NULL);
	buf_free(&out);

	/* a deferred notification: no response once it completes */
	nheld = 0;
	g.calls = 0;
	in = "{\"jsonrpc\":\"2.0\",\"method\":\"later\"}";
	CHECK_EQ_INT(rpc_dispatch_start(reg, in, strlen(in), on_done, &g, &req),
	             DURE_OK);
	CHECK(req != NULL);
	rpc_reply(held[0], json_integer(5));
	CHECK_EQ_INT(g.calls, 1);
	CHECK_EQ_INT(strlen(g.text), 0);
	rpc_registry_free(reg);
}

/* ---- sessions ---- */

typedef struct transport {
	char sent[4][256];
	unsigned nsent;
	int refuse;        /* what send answers when not DURE_OK */
} transport;

static int fake_send(void *arg, const uint8_t *msg, size_t len)
{
	transport *t = arg;
	if (t->refuse)
		return t->refuse;
	snprintf(t->sent[t->nsent++ % 4], sizeof t->sent[0], "%.*s", (int)len,
	         (const char *)msg);
	return DURE_OK;
}

static rpc_session *seen_session;
static unsigned seen_calls;

/* whoami: records its call's session. */
static void h_whoami(rpc_call *call, json_t *params, void *ctx)
{
	seen_session = rpc_call_session(call);
	seen_calls++;
	rpc_reply(call, json_boolean(seen_session != NULL));
}

static char close_log[16];

static void log_close(void *arg, rpc_session *s)
{
	size_t n = strlen(close_log);
	close_log[n] = *(const char *)arg;
	close_log[n + 1] = 0;
}

static rpc_session *other_session;

/* Logs, then removes the (log_close, other_session) callback of the
 * session that is closing. */
static void drop_b(void *arg, rpc_session *s)
{
	log_close(arg, s);
	rpc_session_off_close(s, log_close, other_session);
}

static void test_sessions(void)
{
	rpc_registry *reg = make_registry();
	CHECK_EQ_INT(rpc_register(reg, "whoami", h_whoami, NULL), DURE_OK);
	transport tr = {0};
	rpc_session *s;
	CHECK_EQ_INT(rpc_session_new(fake_send, &tr, &s), DURE_OK);

	/* no session through rpc_dispatch; the given one with _session */
	const char *in = "{\"jsonrpc\":\"2.0\",\"method\":\"whoami\",\"id\":1}";
	EXPECT(reg, in, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":false}");
	CHECK(seen_session == NULL);
	got g = {0};
	rpc_request *req;
	CHECK_EQ_INT(rpc_dispatch_start_session(reg, s, in, strlen(in), on_done,
	                                        &g, &req), DURE_OK);
	CHECK(req == NULL);
	CHECK(seen_session == s);
	CHECK(strcmp(g.text, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":true}") == 0);

	/* an abandoned call no longer names its session */
	nheld = 0;
	in = "{\"jsonrpc\":\"2.0\",\"method\":\"later\",\"id\":2}";
	CHECK_EQ_INT(rpc_dispatch_start_session(reg, s, in, strlen(in), on_done,
	                                        &g, &req), DURE_OK);
	CHECK(rpc_call_session(held[0]) == s);
	rpc_request_cancel(req);
	CHECK(rpc_call_session(held[0]) == NULL);
	rpc_reply(held[0], NULL);

	/* a notification is the JSON-RPC 2.0 request object without an id */
	CHECK_EQ_INT(rpc_session_notify(s, "eth_subscription",
	                                json_pack("{s:s,s:[i]}", "subscription",
	                                          "0xab", "result", 1)), DURE_OK);
	CHECK_EQ_INT(tr.nsent, 1);
	CHECK(strcmp(tr.sent[0], "{\"jsonrpc\":\"2.0\",\"method\":"
	                         "\"eth_subscription\",\"params\":{\"subscription\":"
	                         "\"0xab\",\"result\":[1]}}") == 0);
	/* the transport's refusal comes back; no params is out of memory */
	tr.refuse = DURE_EBUSY;
	CHECK_EQ_INT(rpc_session_notify(s, "m", json_array()), DURE_EBUSY);
	tr.refuse = 0;
	CHECK_EQ_INT(rpc_session_notify(s, "m", NULL), DURE_ENOMEM);
	CHECK_EQ_INT(tr.nsent, 1);

	/* close callbacks: latest first, each pair once, removable, also by
	 * another callback while the session closes */
	other_session = s;
	CHECK_EQ_INT(rpc_session_on_close(s, log_close, "a"), DURE_OK);
	CHECK_EQ_INT(rpc_session_on_close(s, log_close, s), DURE_OK);
	CHECK_EQ_INT(rpc_session_on_close(s, log_close, "b"), DURE_OK);
	CHECK_EQ_INT(rpc_session_on_close(s, log_close, "a"), DURE_OK);
	CHECK_EQ_INT(rpc_session_on_close(s, drop_b, "c"), DURE_OK);
	CHECK_EQ_INT(rpc_session_on_close(s, log_close, "d"), DURE_OK);
	rpc_session_off_close(s, log_close, "b");
	rpc_session_off_close(s, log_close, "zz"); /* not registered: no-op */
	close_log[0] = 0;
	/* drop_b ("c") removes (log_close, s) before it runs */
	rpc_session_close(s);
	CHECK(strcmp(close_log, "dca") == 0);
	rpc_session_close(NULL);
	rpc_registry_free(reg);
}

TEST_MAIN(test_register, test_single, test_ids, test_errors,
          test_notifications, test_batch, test_deferred, test_sessions)
