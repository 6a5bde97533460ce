/* End to end: the JSON-RPC server on a libuv loop on 127.0.0.1 (ephemeral
 * port), driven by a client thread with plain blocking sockets that speaks
 * HTTP/1.1 and a minimal WebSocket client (handshake and masked frames).
 * Sessions: a "sub" method keeps its call's session and the loop pushes
 * notifications to it, to a client that reads, one that hangs up, and one
 * that never reads. */
#define _GNU_SOURCE /* strcasestr */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "rpc/server.h"
#include "test.h"

#define BODY_MAX  4096
#define MAX_CONNS 6
#define TIMEOUT_MS 300
#define NOTIFY_MAX 64
#define NOTIFY_BYTES_MAX (64u << 10)
#define FLOOD_TOTAL 20000u  /* notifications of FLOOD_LEN bytes: far more
                             * than socket buffers hold */
#define FLOOD_LEN 1000

static uint16_t port;
static rpc_server *server;
static uv_async_t finish_async;
static rpc_call *hung[8];
static unsigned nhung, abandoned, hung_sessions;

/* Sessions kept by "sub" (loop thread), and what happened to them. */
static rpc_session *sessions[8];
static unsigned nsessions;
static atomic_uint sessions_closed, push_busy, pushed;
static uv_async_t push_async;
static uv_timer_t flood_timer;
static atomic_uint push_mode; /* 1: results 1, 2, 3; 2: the flood */
static unsigned flood_left;

static void h_add(rpc_call *call, json_t *params, void *ctx)
{
	json_t *a = json_array_get(params, 0), *b = json_array_get(params, 1);
	if (!json_is_integer(a) || !json_is_integer(b)) {
		rpc_reply_error(call, RPC_INVALID_PARAMS, "expected [int, int]", NULL);
		return;
	}
	rpc_reply(call, json_integer(json_integer_value(a) + json_integer_value(b)));
}

/* hang: never answers on its own; the request timeout must. */
static void h_hang(rpc_call *call, json_t *params, void *ctx)
{
	if (nhung < sizeof hung / sizeof hung[0])
		hung[nhung++] = call;
	else
		rpc_reply(call, NULL);
}

static void on_session_close(void *arg, rpc_session *s)
{
	for (unsigned i = 0; i < nsessions; i++)
		if (sessions[i] == s) {
			sessions[i] = sessions[--nsessions];
			break;
		}
	atomic_fetch_add(&sessions_closed, 1);
}

/* sub: keeps the session to push to; over HTTP there is none. */
static void h_sub(rpc_call *call, json_t *params, void *ctx)
{
	rpc_session *s = rpc_call_session(call);
	if (!s) {
		rpc_reply_error(call, RPC_METHOD_NOT_FOUND,
		                "notifications not supported", NULL);
		return;
	}
	if (nsessions == sizeof sessions / sizeof sessions[0] ||
	    rpc_session_on_close(s, on_session_close, NULL) != DURE_OK) {
		rpc_reply_error(call, RPC_INTERNAL_ERROR, "full", NULL);
		return;
	}
	sessions[nsessions++] = s;
	rpc_reply(call, json_string("0x1"));
}

static int push(rpc_session *s, json_t *result)
{
	int err = rpc_session_notify(s, "eth_subscription",
	                             json_pack("{s:s,s:o}", "subscription", "0x1",
	                                       "result", result));
	if (err == DURE_EBUSY)
		atomic_fetch_add(&push_busy, 1);
	else if (err == DURE_OK)
		atomic_fetch_add(&pushed, 1);
	return err;
}

/* subpush: pushes to its own session before replying, as a handler that
 * mines a block does; the reply must still reach the client first. */
static void h_subpush(rpc_call *call, json_t *params, void *ctx)
{
	rpc_session *s = rpc_call_session(call);
	rpc_reply(call, json_boolean(s && push(s, json_integer(7)) == DURE_OK));
}

static void on_flood(uv_timer_t *t)
{
	char big[FLOOD_LEN + 1];
	memset(big, 'x', FLOOD_LEN);
	big[FLOOD_LEN] = 0;
	for (unsigned i = 0; i < 256 && flood_left && nsessions; i++, flood_left--)
		for (unsigned k = 0; k < nsessions; k++)
			(void)!push(sessions[k], json_string(big));
	if (!flood_left || !nsessions)
		uv_timer_stop(t);
}

static void on_push(uv_async_t *a)
{
	if (atomic_load(&push_mode) == 1) {
		for (int v = 1; v <= 3; v++)
			for (unsigned k = 0; k < nsessions; k++)
				(void)!push(sessions[k], json_integer(v));
		return;
	}
	flood_left = FLOOD_TOTAL;
	uv_timer_start(&flood_timer, on_flood, 1, 1);
}

/* ---- client helpers (client thread) -------------------------------------- */

static int dial_rcvbuf(int rcvbuf)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	/* Before connect, so the window offered is small from the start. */
	if (rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	struct timeval tv = {3, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int dial(void)
{
	return dial_rcvbuf(0);
}

static void send_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t k = send(fd, c, n, MSG_NOSIGNAL);
		if (k <= 0)
			return;
		c += k;
		n -= (size_t)k;
	}
}

/* Reads exactly n bytes; returns false on EOF, error or timeout. */
static bool recv_all(int fd, void *p, size_t n)
{
	char *c = p;
	while (n) {
		ssize_t k = recv(fd, c, n, 0);
		if (k <= 0)
			return false;
		c += k;
		n -= (size_t)k;
	}
	return true;
}

typedef struct response {
	int status;
	char head[2048];
	char body[8192];
	size_t body_len;
} response;

/* Reads one HTTP response (Content-Length bodies only). */
static bool read_response(int fd, response *r)
{
	memset(r, 0, sizeof *r);
	size_t n = 0;
	while (n < sizeof r->head - 1 && !strstr(r->head, "\r\n\r\n")) {
		if (recv(fd, r->head + n, 1, 0) != 1)
			return false;
		n++;
	}
	if (sscanf(r->head, "HTTP/1.1 %d", &r->status) != 1)
		return false;
	const char *cl = strcasestr(r->head, "\r\ncontent-length:");
	if (cl) {
		r->body_len = strtoul(cl + 17, NULL, 10);
		if (r->body_len >= sizeof r->body ||
		    !recv_all(fd, r->body, r->body_len))
			return false;
	}
	return true;
}

static void post(int fd, const char *ctype, const char *body, size_t len)
{
	char head[256];
	int hn = snprintf(head, sizeof head,
	                  "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	                  "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n",
	                  ctype, len);
	send_all(fd, head, (size_t)hn);
	send_all(fd, body, len);
}

static bool body_is(const response *r, const char *want)
{
	bool ok = r->body_len == strlen(want) && memcmp(r->body, want, r->body_len) == 0;
	if (!ok)
		fprintf(stderr, "  want %s\n  got  %.*s\n%s", want, (int)r->body_len, r->body, r->head);
	return ok;
}

/* True once the server has closed fd (EOF or reset). */
static bool closed_by_server(int fd)
{
	char c;
	return recv(fd, &c, 1, 0) <= 0;
}

/* ---- HTTP ----------------------------------------------------------------- */

static void client_http(void)
{
	response r;
	int fd = dial();
	CHECK(fd >= 0);

	const char *single = "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[20,22],\"id\":1}";
	post(fd, "application/json", single, strlen(single));
	CHECK(read_response(fd, &r));
	CHECK_EQ_INT(r.status, 200);
	CHECK(strcasestr(r.head, "\r\ncontent-type: application/json\r\n") != NULL);
	CHECK(strcasestr(r.head, "\r\naccess-control-allow-origin: *\r\n") != NULL);
	CHECK(body_is(&r, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":42}"));

	/* same connection (keep-alive), batch, charset parameter */
	const char *batch = "[{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,2],\"id\":\"a\"},"
	                    "{\"jsonrpc\":\"2.0\",\"method\":\"nope\",\"id\":null}]";
	post(fd, "Application/JSON; charset=utf-8", batch, strlen(batch));
	CHECK(read_response(fd, &r));
	CHECK_EQ_INT(r.status, 200);
	CHECK(body_is(&r, "[{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"result\":3},"
	                  "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32601,"
	                  "\"message\":\"Method not found\"}}]"));

	const char *note = "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,2]}";
	post(fd, "application/json", note, strlen(note));
	CHECK(read_response(fd, &r));
	CHECK_EQ_INT(r.status, 204);
	CHECK_EQ_INT(r.body_len, 0);

	post(fd, "application/json", "{\"jsonrpc\":", 11);
	CHECK(read_response(fd, &r));
	CHECK_EQ_INT(r.status, 200);
	CHECK(body_is(&r, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,"
	                  "\"message\":\"Parse error\"}}"));

	post(fd, "text/plain", single, strlen(single));
	CHECK(read_response(fd, &r));
	CHECK_EQ_INT(r.status, 415);

	const char *get = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	send_all(fd, get, strlen(get));
	CHECK(read_response(fd, &r));
	CHECK_EQ_INT(r.status, 405);
	CHECK(strcasestr(r.head, "\r\nallow: POST\r\n") != NULL);

	const char *opt = "OPTIONS / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	                  "Origin: http://example.org\r\n\r\n";
	send_all(fd, opt, strlen(opt));
	CHECK(read_response(fd, &r));
	CHECK_EQ_INT(r.status, 204);
	CHECK(strcasestr(r.head, "\r\naccess-control-allow-methods:") != NULL);

	/* a deferred call that never completes is answered by the timeout */
	const char *hang = "{\"jsonrpc\":\"2.0\",\"method\":\"hang\",\"id\":9}";
	post(fd, "application/json", hang, strlen(hang));
	CHECK(read_response(fd, &r));
	CHECK_EQ_INT(r.status, 200);
	CHECK(body_is(&r, "{\"jsonrpc\":\"2.0\",\"id\":9,\"error\":{\"code\":-32002,"
	                  "\"message\":\"request timed out\"}}"));
	close(fd);

	/* a body over the limit is refused with 413, without reading it all */
	fd = dial();
	char head[200];
	int hn = snprintf(head, sizeof head,
	                  "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
	                  "Content-Length: %d\r\n\r\n", BODY_MAX + 1);
	send_all(fd, head, (size_t)hn);
	CHECK(read_response(fd, &r));
	CHECK_EQ_INT(r.status, 413);
	close(fd);

	/* garbage instead of HTTP: a 400 or a close, and the server lives on */
	fd = dial();
	send_all(fd, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 15);
	if (read_response(fd, &r))
		CHECK_EQ_INT(r.status, 400);
	close(fd);

	/* a client that hangs up while its call is pending does not hurt */
	fd = dial();
	post(fd, "application/json", hang, strlen(hang));
	usleep(50 * 1000);
	close(fd);
}

/* ---- connection limit ---------------------------------------------------- */

static void client_limits(void)
{
	int fds[MAX_CONNS + 1];
	response r;
	/* the hung-up client's call holds its connection until the timeout */
	usleep(3 * TIMEOUT_MS * 1000);
	for (int i = 0; i < MAX_CONNS; i++) {
		fds[i] = dial();
		CHECK(fds[i] >= 0);
	}
	/* make sure all are accepted before the one above the limit */
	const char *one = "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,1],\"id\":1}";
	for (int i = 0; i < MAX_CONNS; i++) {
		post(fds[i], "application/json", one, strlen(one));
		CHECK(read_response(fds[i], &r) && r.status == 200);
	}
	fds[MAX_CONNS] = dial();
	CHECK(closed_by_server(fds[MAX_CONNS]));
	for (int i = 0; i <= MAX_CONNS; i++)
		close(fds[i]);

	/* once they are gone, new connections are served again */
	bool served = false;
	for (int tries = 0; tries < 50 && !served; tries++) {
		int fd = dial();
		post(fd, "application/json", one, strlen(one));
		served = read_response(fd, &r) && r.status == 200;
		close(fd);
		if (!served)
			usleep(20 * 1000);
	}
	CHECK(served);
}

/* ---- WebSocket ----------------------------------------------------------- */

static void ws_send_frame(int fd, int opcode, const void *p, size_t n)
{
	uint8_t h[14];
	size_t hl = 0;
	h[hl++] = (uint8_t)(0x80 | opcode);
	if (n < 126) {
		h[hl++] = (uint8_t)(0x80 | n);
	} else if (n < 65536) {
		h[hl++] = 0x80 | 126;
		h[hl++] = (uint8_t)(n >> 8);
		h[hl++] = (uint8_t)n;
	} else {
		h[hl++] = 0x80 | 127;
		for (int i = 7; i >= 0; i--)
			h[hl++] = (uint8_t)((uint64_t)n >> (8 * i));
	}
	const uint8_t mask[4] = {0x12, 0x34, 0x56, 0x78};
	memcpy(h + hl, mask, 4);
	hl += 4;
	uint8_t *m = malloc(n ? n : 1);
	for (size_t i = 0; i < n; i++)
		m[i] = ((const uint8_t *)p)[i] ^ mask[i & 3];
	send_all(fd, h, hl);
	send_all(fd, m, n);
	free(m);
}

/* Reads one unmasked server frame; returns its opcode or -1. */
static int ws_recv_frame(int fd, char *out, size_t cap, size_t *len)
{
	uint8_t h[2];
	if (!recv_all(fd, h, 2) || (h[1] & 0x80))
		return -1;
	uint64_t n = h[1] & 0x7f;
	uint8_t ext[8];
	if (n == 126) {
		if (!recv_all(fd, ext, 2))
			return -1;
		n = (uint64_t)ext[0] << 8 | ext[1];
	} else if (n == 127) {
		if (!recv_all(fd, ext, 8))
			return -1;
		n = 0;
		for (int i = 0; i < 8; i++)
			n = n << 8 | ext[i];
	}
	if (n >= cap || !recv_all(fd, out, (size_t)n))
		return -1;
	out[n] = 0;
	*len = (size_t)n;
	return h[0] & 0x0f;
}

static int ws_upgrade_fd(int fd)
{
	const char *key = "dGhlIHNhbXBsZSBub25jZQ==";
	char req[256];
	int n = snprintf(req, sizeof req,
	                 "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
	                 "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
	                 "Sec-WebSocket-Version: 13\r\n\r\n", key);
	send_all(fd, req, (size_t)n);
	response r;
	CHECK(read_response(fd, &r));
	CHECK_EQ_INT(r.status, 101);
	/* RFC 6455: base64(SHA-1(key + GUID)) */
	char src[128];
	snprintf(src, sizeof src, "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", key);
	uint8_t sha[20];
	SHA1((const uint8_t *)src, strlen(src), sha);
	char accept[64];
	EVP_EncodeBlock((uint8_t *)accept, sha, 20);
	char line[128];
	snprintf(line, sizeof line, "\r\nsec-websocket-accept: %s\r\n", accept);
	CHECK(strcasestr(r.head, line) != NULL);
	return fd;
}

static int ws_dial(void)
{
	return ws_upgrade_fd(dial());
}

static void client_ws(void)
{
	int fd = ws_dial();
	char msg[8192];
	size_t len;

	const char *req = "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[5,6],\"id\":\"w1\"}";
	ws_send_frame(fd, 1, req, strlen(req));
	CHECK_EQ_INT(ws_recv_frame(fd, msg, sizeof msg, &len), 1);
	CHECK(strcmp(msg, "{\"jsonrpc\":\"2.0\",\"id\":\"w1\",\"result\":11}") == 0);

	/* a notification gets nothing; the following call proves it */
	const char *note = "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[5,6]}";
	ws_send_frame(fd, 1, note, strlen(note));
	const char *batch = "[{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,2],\"id\":1},"
	                    "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1],\"id\":2}]";
	ws_send_frame(fd, 1, batch, strlen(batch));
	CHECK_EQ_INT(ws_recv_frame(fd, msg, sizeof msg, &len), 1);
	CHECK(strcmp(msg, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":3},"
	                  "{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":{\"code\":-32602,"
	                  "\"message\":\"expected [int, int]\"}}]") == 0);

	/* a deferred call times out; a call after it is answered first */
	const char *hang = "{\"jsonrpc\":\"2.0\",\"method\":\"hang\",\"id\":3}";
	ws_send_frame(fd, 1, hang, strlen(hang));
	ws_send_frame(fd, 1, req, strlen(req));
	CHECK_EQ_INT(ws_recv_frame(fd, msg, sizeof msg, &len), 1);
	CHECK(strstr(msg, "\"id\":\"w1\"") != NULL);
	CHECK_EQ_INT(ws_recv_frame(fd, msg, sizeof msg, &len), 1);
	CHECK(strcmp(msg, "{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-32002,"
	                  "\"message\":\"request timed out\"}}") == 0);

	ws_send_frame(fd, 9, "hi", 2);
	CHECK_EQ_INT(ws_recv_frame(fd, msg, sizeof msg, &len), 10);
	CHECK(len == 2 && memcmp(msg, "hi", 2) == 0);

	ws_send_frame(fd, 1, "not json", 8);
	CHECK_EQ_INT(ws_recv_frame(fd, msg, sizeof msg, &len), 1);
	CHECK(strstr(msg, "-32700") != NULL);

	/* a message over the limit closes the connection with 1009 */
	char *big = malloc(BODY_MAX + 100);
	memset(big, ' ', BODY_MAX + 100);
	ws_send_frame(fd, 1, big, BODY_MAX + 100);
	free(big);
	CHECK_EQ_INT(ws_recv_frame(fd, msg, sizeof msg, &len), 8);
	CHECK(len >= 2 && ((uint8_t)msg[0] << 8 | (uint8_t)msg[1]) == 1009);
	close(fd);

	/* a client-initiated close is echoed */
	fd = ws_dial();
	ws_send_frame(fd, 8, "\x03\xe8", 2);
	CHECK_EQ_INT(ws_recv_frame(fd, msg, sizeof msg, &len), 8);
	CHECK(closed_by_server(fd));
	close(fd);
}

/* ---- sessions ------------------------------------------------------------- */

static bool wait_closed(unsigned want)
{
	for (int i = 0; i < 1000 && atomic_load(&sessions_closed) < want; i++)
		usleep(10 * 1000);
	return atomic_load(&sessions_closed) == want;
}

static void trigger_push(unsigned mode)
{
	atomic_store(&push_mode, mode);
	uv_async_send(&push_async);
}

static const char SUB[] = "{\"jsonrpc\":\"2.0\",\"method\":\"sub\",\"id\":1}";

static void client_sessions(void)
{
	char msg[8192];
	size_t len;
	response r;

	/* over HTTP a call has no session */
	int fd = dial();
	post(fd, "application/json", SUB, strlen(SUB));
	CHECK(read_response(fd, &r));
	CHECK(body_is(&r, "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32601,"
	                  "\"message\":\"notifications not supported\"}}"));
	close(fd);

	fd = ws_dial();
	ws_send_frame(fd, 1, SUB, strlen(SUB));
	CHECK_EQ_INT(ws_recv_frame(fd, msg, sizeof msg, &len), 1);
	CHECK(strcmp(msg, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x1\"}") == 0);

	/* pushed during the batch, written after its response */
	const char *batch = "[{\"jsonrpc\":\"2.0\",\"method\":\"subpush\",\"id\":2},"
	                    "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,2],\"id\":3}]";
	ws_send_frame(fd, 1, batch, strlen(batch));
	CHECK_EQ_INT(ws_recv_frame(fd, msg, sizeof msg, &len), 1);
	CHECK(strcmp(msg, "[{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":true},"
	                  "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":3}]") == 0);
	CHECK_EQ_INT(ws_recv_frame(fd, msg, sizeof msg, &len), 1);
	CHECK(strcmp(msg, "{\"jsonrpc\":\"2.0\",\"method\":\"eth_subscription\","
	                  "\"params\":{\"subscription\":\"0x1\",\"result\":7}}") == 0);

	/* pushed later from the loop, in order */
	trigger_push(1);
	for (int v = 1; v <= 3; v++) {
		char want[128];
		snprintf(want, sizeof want,
		         "{\"jsonrpc\":\"2.0\",\"method\":\"eth_subscription\","
		         "\"params\":{\"subscription\":\"0x1\",\"result\":%d}}", v);
		CHECK_EQ_INT(ws_recv_frame(fd, msg, sizeof msg, &len), 1);
		CHECK(strcmp(msg, want) == 0);
	}
	/* a close by the client closes the session */
	ws_send_frame(fd, 8, "\x03\xe8", 2);
	CHECK_EQ_INT(ws_recv_frame(fd, msg, sizeof msg, &len), 8);
	CHECK(wait_closed(1));
	close(fd);

	/* a client that vanishes (no close frame) with a live session; the
	 * pushes after it find no session to write to */
	fd = ws_dial();
	ws_send_frame(fd, 1, SUB, strlen(SUB));
	CHECK_EQ_INT(ws_recv_frame(fd, msg, sizeof msg, &len), 1);
	close(fd);
	CHECK(wait_closed(2));
	unsigned before = atomic_load(&pushed);
	trigger_push(1);
	usleep(50 * 1000);
	CHECK_EQ_INT(atomic_load(&pushed), before);

	/* a client that never reads: past the limits the server closes it */
	fd = ws_upgrade_fd(dial_rcvbuf(4096));
	ws_send_frame(fd, 1, SUB, strlen(SUB));
	CHECK_EQ_INT(ws_recv_frame(fd, msg, sizeof msg, &len), 1);
	trigger_push(2);
	CHECK(wait_closed(3));
	CHECK(atomic_load(&push_busy) >= 1);
	CHECK(atomic_load(&pushed) < before + FLOOD_TOTAL);
	/* what was written before the close, then the end */
	char sink[65536];
	ssize_t k;
	while ((k = recv(fd, sink, sizeof sink, 0)) > 0)
		;
	CHECK(k == 0 || k < 0);
	close(fd);
}

/* ---- threads and loop ----------------------------------------------------- */

static void *client_main(void *arg)
{
	client_http();
	client_limits();
	client_ws();
	client_sessions();

	/* connections open while the server stops are closed by it, and their
	 * sessions with them */
	int idle = dial();
	int ws = ws_dial();
	char msg[256];
	size_t len;
	ws_send_frame(ws, 1, SUB, strlen(SUB));
	CHECK_EQ_INT(ws_recv_frame(ws, msg, sizeof msg, &len), 1);
	int mid = dial(); /* a request cut off mid-headers */
	send_all(mid, "POST / HTTP/1.1\r\nHost:", 22);
	usleep(50 * 1000);
	uv_async_send(&finish_async);
	CHECK(closed_by_server(idle));
	CHECK(closed_by_server(ws));
	CHECK(closed_by_server(mid));
	close(idle);
	close(ws);
	close(mid);
	return NULL;
}

static void on_finish(uv_async_t *a)
{
	/* handlers still holding calls complete them; nobody waits any more */
	for (unsigned i = 0; i < nhung; i++) {
		abandoned += rpc_call_abandoned(hung[i]);
		hung_sessions += rpc_call_session(hung[i]) != NULL;
		rpc_reply(hung[i], NULL);
	}
	rpc_server_stop(server);
	server = NULL;
	uv_close((uv_handle_t *)a, NULL);
	uv_close((uv_handle_t *)&push_async, NULL);
	uv_close((uv_handle_t *)&flood_timer, NULL);
}

static void test_server(void)
{
	uv_loop_t loop;
	CHECK_EQ_INT(uv_loop_init(&loop), 0);
	rpc_registry *reg;
	CHECK_EQ_INT(rpc_registry_new(&reg), DURE_OK);
	CHECK_EQ_INT(rpc_register(reg, "add", h_add, NULL), DURE_OK);
	CHECK_EQ_INT(rpc_register(reg, "hang", h_hang, NULL), DURE_OK);
	CHECK_EQ_INT(rpc_register(reg, "sub", h_sub, NULL), DURE_OK);
	CHECK_EQ_INT(rpc_register(reg, "subpush", h_subpush, NULL), DURE_OK);

	rpc_server_opts opts = {.addr = "127.0.0.1", .port = 0,
	                        .body_max = BODY_MAX, .max_conns = MAX_CONNS,
	                        .timeout_ms = TIMEOUT_MS, .cors_origin = "*",
	                        .notify_max = NOTIFY_MAX,
	                        .notify_bytes_max = NOTIFY_BYTES_MAX};
	CHECK_EQ_INT(rpc_server_start(&loop, reg, &opts, &server), DURE_OK);
	port = rpc_server_port(server);
	CHECK(port != 0);

	/* the port is taken now, and a bad address is refused */
	rpc_server *other;
	rpc_server_opts same = opts;
	same.port = port;
	CHECK_EQ_INT(rpc_server_start(&loop, reg, &same, &other), DURE_ERPC_LISTEN);
	CHECK(other == NULL);
	same.addr = "127.0.0.300";
	CHECK_EQ_INT(rpc_server_start(&loop, reg, &same, &other), DURE_EINVAL);

	uv_async_init(&loop, &finish_async, on_finish);
	uv_async_init(&loop, &push_async, on_push);
	uv_timer_init(&loop, &flood_timer);
	pthread_t th;
	CHECK_EQ_INT(pthread_create(&th, NULL, client_main, NULL), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	pthread_join(th, NULL);
	CHECK_EQ_INT(nhung, 3);
	CHECK_EQ_INT(abandoned, nhung);
	CHECK_EQ_INT(hung_sessions, 0);
	CHECK_EQ_INT(atomic_load(&sessions_closed), 4); /* the last at stop */
	CHECK_EQ_INT(nsessions, 0);
	CHECK_EQ_INT(uv_loop_close(&loop), 0);
	rpc_registry_free(reg);
}

TEST_MAIN(test_server)
