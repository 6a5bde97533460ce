/* JSON-RPC 2.0 envelopes (https://www.jsonrpc.org/specification):
 *
 *   request       {"jsonrpc":"2.0", "method":STRING, "params":ARRAY|OBJECT,
 *                  "id":STRING|NUMBER|null}
 *                 "params" may be absent (or null); without "id" the request
 *                 is a notification and gets no response
 *   response      {"jsonrpc":"2.0", "id":ID, "result":ANY}
 *               | {"jsonrpc":"2.0", "id":ID,
 *                  "error":{"code":INT, "message":STRING [, "data":ANY]}}
 *   batch         [request, ...]  ->  [response, ...] (notifications left
 *                 out; no output at all if nothing is left)
 *   notification  {"jsonrpc":"2.0", "method":STRING, "params":ARRAY|OBJECT}
 *                 also what the server pushes over a session
 *
 * A request that cannot be parsed, or whose shape is wrong, is answered with
 * id null unless its "id" member itself is valid, so clients can match it.
 * Ids are echoed as jansson parsed them: integers within 64 bits and strings
 * exactly; a fractional id comes back as the same double. */
#include "rpc/jsonrpc.h"

#include <stdlib.h>
#include <string.h>

typedef struct method {
	char *name;
	size_t len;
	rpc_handler fn;
	void *ctx;
} method;

struct rpc_registry {
	method *methods;
	size_t count, cap;
};

struct rpc_call {
	rpc_request *req;
	json_t *id;        /* owned; NULL for a notification */
	json_t *response;  /* owned; set once the call is answered */
	bool answered;     /* response decided (by reply, error or expiry) */
	bool replied;      /* the handler (or validation) completed the call */
};

/* A request lives until it is delivered (or cancelled) and every handler
 * has completed its call, since handlers hold call pointers into it. */
struct rpc_request {
	rpc_done_fn done;
	void *arg;
	rpc_session *session;  /* borrowed; NULL without one */
	bool batch;
	bool delivered;    /* done called, or cancelled */
	size_t unreplied;  /* calls whose handler has not completed yet, plus
	                    * one while rpc_dispatch_start is still running */
	size_t unanswered; /* same, counting answers instead */
	size_t ncalls;
	rpc_call calls[];
};

typedef struct close_cb {
	rpc_session_close_fn fn;
	void *arg;
} close_cb;

struct rpc_session {
	rpc_session_send_fn send;
	void *transport;
	close_cb *cbs;
	size_t ncbs, capcbs;
};

int rpc_registry_new(rpc_registry **out)
{
	*out = calloc(1, sizeof **out);
	return *out ? DURE_OK : DURE_ENOMEM;
}

void rpc_registry_free(rpc_registry *reg)
{
	if (!reg)
		return;
	for (size_t i = 0; i < reg->count; i++)
		free(reg->methods[i].name);
	free(reg->methods);
	free(reg);
}

static const method *find_method(const rpc_registry *reg, const char *name,
                                 size_t len)
{
	for (size_t i = 0; i < reg->count; i++)
		if (reg->methods[i].len == len &&
		    memcmp(reg->methods[i].name, name, len) == 0)
			return &reg->methods[i];
	return NULL;
}

int rpc_register(rpc_registry *reg, const char *name, rpc_handler fn,
                 void *ctx)
{
	size_t len = strlen(name);
	if (len == 0 || !fn)
		return DURE_EINVAL;
	if (find_method(reg, name, len))
		return DURE_ERPC_METHOD_EXISTS;
	if (reg->count == reg->cap) {
		size_t cap = reg->cap ? reg->cap * 2 : 16;
		method *m = realloc(reg->methods, cap * sizeof *m);
		if (!m)
			return DURE_ENOMEM;
		reg->methods = m;
		reg->cap = cap;
	}
	char *copy = strdup(name);
	if (!copy)
		return DURE_ENOMEM;
	reg->methods[reg->count++] = (method){copy, len, fn, ctx};
	return DURE_OK;
}

int rpc_register_all(rpc_registry *reg, const rpc_method *m, size_t n,
                     void *ctx)
{
	for (size_t i = 0; i < n; i++) {
		int err = rpc_register(reg, m[i].name, m[i].fn, ctx);
		if (err)
			return err;
	}
	return DURE_OK;
}

/* Builds {"jsonrpc":"2.0","id":id,key:value}, stealing value. Returns NULL
 * when out of memory. */
static json_t *envelope(json_t *id, const char *key, json_t *value)
{
	json_t *o = json_object();
	if (!o || !value ||
	    json_object_set_new(o, "jsonrpc", json_string("2.0")) != 0 ||
	    json_object_set(o, "id", id ? id : json_null()) != 0 ||
	    json_object_set_new(o, key, value) != 0) {
		json_decref(o);
		json_decref(value);
		return NULL;
	}
	return o;
}

static json_t *error_object(int code, const char *message, json_t *data)
{
	json_t *e = json_object();
	if (!e || json_object_set_new(e, "code", json_integer(code)) != 0 ||
	    json_object_set_new(e, "message", json_string(message)) != 0 ||
	    (data && json_object_set(e, "data", data) != 0)) {
		json_decref(e);
		e = NULL;
	}
	json_decref(data);
	return e;
}

static void request_free(rpc_request *req)
{
	for (size_t i = 0; i < req->ncalls; i++) {
		json_decref(req->calls[i].id);
		json_decref(req->calls[i].response);
	}
	free(req);
}

static int dump_to_buf(const char *p, size_t n, void *b)
{
	return buf_append(b, p, n) == DURE_OK ? 0 : -1;
}

/* Serialises the answered calls and hands them to `done`. */
static void deliver(rpc_request *req)
{
	req->delivered = true;
	json_t *out = req->batch ? json_array() : NULL;
	bool oom = req->batch && !out;
	bool notify_only = true;
	for (size_t i = 0; i < req->ncalls && !oom; i++) {
		rpc_call *c = &req->calls[i];
		if (!c->response && c->id) {
			oom = true; /* building its response ran out of memory */
		} else if (c->response) {
			notify_only = false;
			if (req->batch)
				oom = json_array_append(out, c->response) != 0;
			else
				out = json_incref(c->response);
		}
	}
	buf b = BUF_INIT;
	if (!oom && !notify_only)
		oom = json_dump_callback(out, dump_to_buf, &b, JSON_COMPACT) != 0 ||
		      buf_failed(&b);
	json_decref(out);
	if (oom)
		req->done(req->arg, DURE_ENOMEM, NULL, 0);
	else
		req->done(req->arg, DURE_OK, b.data, b.len);
	buf_free(&b);
}

/* Records that one of the request's counted parties finished: answering
 * (deliver when the last answer is in) and completing (free when the last
 * holder of a call pointer is done). */
static void request_settle(rpc_request *req, bool answered, bool replied)
{
	if (answered && --req->unanswered == 0 && !req->delivered)
		deliver(req);
	if (replied && --req->unreplied == 0 && req->delivered)
		request_free(req);
}

/* Sets the call's response (stolen) unless it already has one. A call
 * without an id (a notification) keeps no response. */
static bool answer(rpc_call *c, json_t *response)
{
	if (c->answered) {
		json_decref(response);
		return false;
	}
	c->answered = true;
	if (c->id)
		c->response = response;
	else
		json_decref(response);
	return true;
}

static void complete(rpc_call *c, json_t *response)
{
	if (c->replied)
		abort(); /* a handler completed its call twice: API misuse */
	c->replied = true;
	rpc_request *req = c->req;
	bool answered = answer(c, response);
	request_settle(req, answered, true);
}

void rpc_reply(rpc_call *call, json_t *result)
{
	json_t *r = call->id ? envelope(call->id, "result",
	                                result ? result : json_null())
	                     : (json_decref(result), NULL);
	complete(call, r);
}

void rpc_reply_error(rpc_call *call, int code, const char *message,
                     json_t *data)
{
	json_t *r = NULL;
	if (call->id)
		r = envelope(call->id, "error", error_object(code, message, data));
	else
		json_decref(data);
	complete(call, r);
}

bool rpc_call_abandoned(const rpc_call *call)
{
	return call->answered || call->req->delivered;
}

rpc_session *rpc_call_session(const rpc_call *call)
{
	return rpc_call_abandoned(call) ? NULL : call->req->session;
}

/* An id may be a string, a number or null; anything else is invalid. */
static bool valid_id(const json_t *id)
{
	return json_is_string(id) || json_is_number(id) || json_is_null(id);
}

/* Validates one request object and runs its handler. The call's id is set
 * to the request's id when that is valid, so even an invalid request is
 * answered with the id the client sent. */
static void run_call(const rpc_registry *reg, rpc_call *c, json_t *msg)
{
	json_t *id = json_is_object(msg) ? json_object_get(msg, "id") : NULL;
	if (id && !valid_id(id)) {
		c->id = json_null();
		rpc_reply_error(c, RPC_INVALID_REQUEST, "invalid request id", NULL);
		return;
	}
	c->id = id ? json_incref(id) : NULL;
	if (!json_is_object(msg)) {
		c->id = json_null();
		rpc_reply_error(c, RPC_INVALID_REQUEST, "Invalid Request", NULL);
		return;
	}
	json_t *ver = json_object_get(msg, "jsonrpc");
	json_t *name = json_object_get(msg, "method");
	json_t *params = json_object_get(msg, "params");
	if (!c->id && (!ver || !name))
		c->id = json_null(); /* too malformed to be taken as a notification */
	if (!json_is_string(ver) || strcmp(json_string_value(ver), "2.0") != 0 ||
	    json_string_length(ver) != 3) {
		rpc_reply_error(c, RPC_INVALID_REQUEST,
		                "Invalid Request: \"jsonrpc\" must be \"2.0\"", NULL);
		return;
	}
	if (!json_is_string(name)) {
		rpc_reply_error(c, RPC_INVALID_REQUEST,
		                "Invalid Request: \"method\" must be a string", NULL);
		return;
	}
	if (params && !json_is_array(params) && !json_is_object(params) &&
	    !json_is_null(params)) {
		rpc_reply_error(c, RPC_INVALID_REQUEST,
		                "Invalid Request: \"params\" must be an array or object",
		                NULL);
		return;
	}
	const method *m = find_method(reg, json_string_value(name),
	                              json_string_length(name));
	if (!m) {
		rpc_reply_error(c, RPC_METHOD_NOT_FOUND, "Method not found", NULL);
		return;
	}
	json_t *empty = NULL;
	if (!params || json_is_null(params)) {
		params = empty = json_array();
		if (!params) {
			rpc_reply_error(c, RPC_INTERNAL_ERROR, "out of memory", NULL);
			return;
		}
	}
	m->fn(c, params, m->ctx);
	json_decref(empty);
}

/* Answers a body that holds no callable request (unparsable, empty batch,
 * oversized batch, or not an object/array) with one error, id null. */
static int answer_whole(int code, const char *message, rpc_done_fn done,
                        void *arg)
{
	rpc_request *req = calloc(1, sizeof *req + sizeof(rpc_call));
	if (!req)
		return DURE_ENOMEM;
	*req = (rpc_request){.done = done, .arg = arg, .unreplied = 2,
	                     .unanswered = 2, .ncalls = 1};
	req->calls[0] = (rpc_call){.req = req, .id = json_null()};
	rpc_reply_error(&req->calls[0], code, message, NULL);
	request_settle(req, true, true);
	return DURE_OK;
}

int rpc_dispatch_start(rpc_registry *reg, const char *body, size_t n,
                       rpc_done_fn done, void *arg, rpc_request **out)
{
	return rpc_dispatch_start_session(reg, NULL, body, n, done, arg, out);
}

int rpc_dispatch_start_session(rpc_registry *reg, rpc_session *session,
                               const char *body, size_t n, rpc_done_fn done,
                               void *arg, rpc_request **out)
{
	*out = NULL;
	json_error_t jerr;
	json_t *root = json_loadb(body, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (!root) {
		if (json_error_code(&jerr) == json_error_out_of_memory)
			return DURE_ENOMEM;
		return answer_whole(RPC_PARSE_ERROR, "Parse error", done, arg);
	}
	bool batch = json_is_array(root);
	size_t count = batch ? json_array_size(root) : 1;
	if (batch && count == 0) {
		json_decref(root);
		return answer_whole(RPC_INVALID_REQUEST, "Invalid Request: empty batch",
		                    done, arg);
	}
	if (count > RPC_BATCH_MAX) {
		json_decref(root);
		return answer_whole(RPC_INVALID_REQUEST,
		                    "Invalid Request: batch too large", done, arg);
	}
	rpc_request *req = calloc(1, sizeof *req + count * sizeof(rpc_call));
	if (!req) {
		json_decref(root);
		return DURE_ENOMEM;
	}
	*req = (rpc_request){.done = done, .arg = arg, .session = session,
	                     .batch = batch, .unreplied = count + 1,
	                     .unanswered = count + 1, .ncalls = count};
	for (size_t i = 0; i < count; i++)
		req->calls[i].req = req;
	for (size_t i = 0; i < count; i++)
		run_call(reg, &req->calls[i], batch ? json_array_get(root, i) : root);
	json_decref(root);
	/* The running dispatch held one count of each kind so that a request
	 * whose handlers all reply synchronously is delivered exactly here. */
	bool pending = req->unanswered > 1;
	if (pending)
		*out = req;
	request_settle(req, true, true);
	return DURE_OK;
}

void rpc_request_cancel(rpc_request *req)
{
	req->delivered = true;
	for (size_t i = 0; i < req->ncalls; i++)
		req->calls[i].answered = true;
	if (req->unreplied == 0)
		request_free(req);
}

void rpc_request_expire(rpc_request *req)
{
	for (size_t i = 0; i < req->ncalls; i++) {
		rpc_call *c = &req->calls[i];
		if (c->answered)
			continue;
		json_t *r = c->id ? envelope(c->id, "error",
		                             error_object(RPC_TIMEOUT,
		                                          "request timed out", NULL))
		                  : NULL;
		answer(c, r);
		req->unanswered--;
	}
	if (!req->delivered)
		deliver(req);
	if (req->unreplied == 0)
		request_free(req);
}

typedef struct sync_out {
	buf *out;
	int err;
	bool called;
} sync_out;

static void sync_done(void *arg, int err, const uint8_t *resp, size_t len)
{
	sync_out *s = arg;
	s->called = true;
	s->err = err;
	if (err == DURE_OK && len) {
		size_t old = s->out->len;
		if (buf_append(s->out, resp, len) != DURE_OK) {
			s->out->len = old;
			s->err = DURE_ENOMEM;
		}
	}
}

int rpc_dispatch(rpc_registry *reg, const char *body, size_t n, buf *out)
{
	sync_out s = {out, DURE_OK, false};
	rpc_request *req;
	int err = rpc_dispatch_start(reg, body, n, sync_done, &s, &req);
	if (err != DURE_OK)
		return err;
	if (req) {
		rpc_request_cancel(req);
		return DURE_ERPC_DEFERRED;
	}
	return s.err;
}

/* ---- sessions ---- */

int rpc_session_new(rpc_session_send_fn send, void *transport,
                    rpc_session **out)
{
	*out = calloc(1, sizeof **out);
	if (!*out)
		return DURE_ENOMEM;
	(*out)->send = send;
	(*out)->transport = transport;
	return DURE_OK;
}

void rpc_session_close(rpc_session *s)
{
	if (!s)
		return;
	/* Popped before the call, so a callback removing others (or itself)
	 * leaves the walk consistent. */
	while (s->ncbs) {
		close_cb cb = s->cbs[--s->ncbs];
		cb.fn(cb.arg, s);
	}
	free(s->cbs);
	free(s);
}

static size_t find_cb(const rpc_session *s, rpc_session_close_fn fn,
                      const void *arg)
{
	size_t i = 0;
	while (i < s->ncbs && !(s->cbs[i].fn == fn && s->cbs[i].arg == arg))
		i++;
	return i;
}

int rpc_session_on_close(rpc_session *s, rpc_session_close_fn fn, void *arg)
{
	if (find_cb(s, fn, arg) < s->ncbs)
		return DURE_OK;
	if (s->ncbs == s->capcbs) {
		size_t cap = s->capcbs ? 2 * s->capcbs : 4;
		close_cb *c = realloc(s->cbs, cap * sizeof *c);
		if (!c)
			return DURE_ENOMEM;
		s->cbs = c;
		s->capcbs = cap;
	}
	s->cbs[s->ncbs++] = (close_cb){fn, arg};
	return DURE_OK;
}

void rpc_session_off_close(rpc_session *s, rpc_session_close_fn fn, void *arg)
{
	size_t i = find_cb(s, fn, arg);
	if (i == s->ncbs)
		return;
	memmove(&s->cbs[i], &s->cbs[i + 1], (s->ncbs - i - 1) * sizeof *s->cbs);
	s->ncbs--;
}

int rpc_session_notify(rpc_session *s, const char *name, json_t *params)
{
	json_t *o = json_object();
	bool ok = o && json_object_set_new(o, "jsonrpc", json_string("2.0")) == 0 &&
	          json_object_set_new(o, "method", json_string(name)) == 0;
	/* json_object_set_new consumes params even when it fails. */
	if (!ok || json_object_set_new(o, "params", params) != 0) {
		if (!ok)
			json_decref(params);
		json_decref(o);
		return DURE_ENOMEM;
	}
	buf b = BUF_INIT;
	int err = json_dump_callback(o, dump_to_buf, &b, JSON_COMPACT) != 0 ||
	          buf_failed(&b) ? DURE_ENOMEM : DURE_OK;
	json_decref(o);
	if (!err)
		err = s->send(s->transport, b.data, b.len);
	buf_free(&b);
	return err;
}
