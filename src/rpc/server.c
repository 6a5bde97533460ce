/* HTTP and WebSocket transport for JSON-RPC, built on h2o's libuv flavour.
 *
 * Why h2o (libh2o-dev 2.2.5, WebSocket framing by wslay, libwslay-dev)
 * rather than libwebsockets 4.1.6 (libwebsockets-dev with the
 * libwebsockets-evlib-uv plugin), both packaged by Debian 12:
 *   - It really runs on our loop: h2o_context_init takes our uv_loop_t, we
 *     own the listening uv_tcp_t and hand each accepted stream to h2o, and
 *     its timers are uv timers. libwebsockets 4.1 reaches libuv through an
 *     event-library plugin it dlopen()s at run time, and a foreign loop
 *     needs its own multi-step teardown dance around lws_context_destroy.
 *   - Small API: a request callback, h2o_send_inline, h2o_upgrade_to_websocket.
 *     libwebsockets routes everything through one protocol callback with
 *     dozens of reasons, its own vhost/protocol tables and logging.
 *   - Robustness: h2o's HTTP/1 parser (picohttpparser) and body limits
 *     (413) come from a server built for hostile traffic; wslay is a small,
 *     well-fuzzed RFC 6455 codec with a message size cap.
 *   - Maintenance: the Debian h2o is an older release, but both libraries
 *     are maintained upstream and security-tracked by Debian; we use only
 *     its stable core (HTTP/1.1, no TLS, no HTTP/2 upgrade).
 *
 * Lifetimes: a `conn` wraps each accepted TCP stream and lives until libuv
 * closes it; an HTTP request in flight is a `pending` allocated in the h2o
 * request's pool (its disposal cancels the JSON-RPC request); a WebSocket
 * connection is a `ws` owning the `pending`s of its messages, its
 * rpc_session, and the notifications queued on it until the flusher (an
 * idle handle, active only while some wait) hands them to wslay. Stopping
 * shuts every socket down so that h2o closes its connections through its
 * own error paths, then disposes h2o's context once no connection is left,
 * and frees the server a loop tick after that, when the context's timers
 * have finished closing. */
#include "rpc/server.h"

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <h2o.h>
#include <h2o/websocket.h>
#include <wslay/wslay.h>

/* Requests one WebSocket may have in flight, and responses it may leave
 * unread (beyond the room notifications have, see server.h), before we
 * close it: a client that floods or never reads must not make us hold
 * unbounded memory. */
#define WS_INFLIGHT_MAX 256u
#define WS_QUEUED_MAX   1024u

/* A notification waiting for the flusher. */
typedef struct note {
	struct note *next;
	size_t len;
	uint8_t data[];
} note;

typedef struct conn {
	uv_tcp_t tcp;        /* first: libuv hands back a pointer to it */
	rpc_server *srv;
	h2o_linklist_t link; /* srv->conns */
} conn;

typedef struct ws {
	h2o_websocket_conn_t *conn;
	rpc_server *srv;
	rpc_session *session;
	h2o_linklist_t pending; /* of pending.link */
	h2o_linklist_t link;    /* srv->sockets */
	h2o_linklist_t flush;   /* srv->to_flush, while notes wait */
	note *notes, **notes_tail;
	size_t nnotes, note_bytes;
	unsigned inflight;
	bool in_callback;       /* inside h2o's message callback */
	bool refused;           /* over its notification limit: closing */
} ws;

/* One JSON-RPC request in flight, from an HTTP body or a WS message. */
typedef struct pending {
	rpc_server *srv;
	rpc_request *rreq;       /* NULL once answered */
	h2o_timeout_entry_t timer;
	h2o_req_t *http;         /* HTTP: the request to answer, or NULL */
	ws *ws;                  /* WS: the connection to answer on, or NULL */
	h2o_linklist_t link;     /* srv->http_pending or ws->pending */
} pending;

typedef struct handler {
	h2o_handler_t super;
	rpc_server *srv;
} handler;

typedef enum stop_state {
	RUNNING,
	DRAINING,    /* waiting for the listener and connections to close */
	DISPOSED,    /* h2o context disposed; its timers close this tick */
} stop_state;

struct rpc_server {
	uv_loop_t *loop;
	rpc_registry *reg;
	size_t body_max;
	unsigned max_conns;
	unsigned notify_max;
	size_t notify_bytes_max;
	char *cors_origin;
	h2o_globalconf_t config;
	h2o_context_t ctx;
	h2o_accept_ctx_t accept;
	h2o_timeout_t req_timeout;
	uv_tcp_t listener;
	uv_idle_t reaper;
	uv_idle_t flusher;
	h2o_linklist_t conns, http_pending, sockets, to_flush;
	unsigned nconns;
	uint16_t port;
	bool listener_open, flusher_open;
	stop_state state;
};

static void add_cors(rpc_server *srv, h2o_req_t *req)
{
	if (srv->cors_origin)
		h2o_add_header(&req->pool, &req->res.headers,
		               H2O_TOKEN_ACCESS_CONTROL_ALLOW_ORIGIN, NULL,
		               srv->cors_origin, strlen(srv->cors_origin));
}

static void send_error(h2o_req_t *req, int status, const char *reason)
{
	h2o_send_error_generic(req, status, reason, reason,
	                       H2O_SEND_ERROR_KEEP_HEADERS);
}

static void link_timer(rpc_server *srv, pending *p)
{
	h2o_timeout_link(srv->loop, &srv->req_timeout, &p->timer);
}

static void unlink_pending(pending *p)
{
	if (h2o_timeout_is_linked(&p->timer))
		h2o_timeout_unlink(&p->timer);
	if (h2o_linklist_is_linked(&p->link))
		h2o_linklist_unlink(&p->link);
}

static void on_request_timeout(h2o_timeout_entry_t *entry)
{
	pending *p = H2O_STRUCT_FROM_MEMBER(pending, timer, entry);
	rpc_request_expire(p->rreq); /* answers through the done callback */
}

/* ---- HTTP ---------------------------------------------------------------- */

static void http_done(void *arg, int err, const uint8_t *resp, size_t len)
{
	pending *p = arg;
	h2o_req_t *req = p->http;
	p->rreq = NULL;
	unlink_pending(p);
	if (err != DURE_OK) {
		send_error(req, 500, "Internal Server Error");
		return;
	}
	if (len == 0) {
		req->res.status = 204;
		req->res.reason = "No Content";
		req->res.content_length = 0;
		h2o_send_inline(req, "", 0);
		return;
	}
	req->res.status = 200;
	req->res.content_length = len;
	req->res.reason = "OK";
	h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
	               H2O_STRLIT("application/json"));
	h2o_send_inline(req, (const char *)resp, len);
}

/* Runs when h2o disposes the request (answered, or its connection gone). */
static void http_dispose(void *arg)
{
	pending *p = arg;
	unlink_pending(p);
	if (p->rreq)
		rpc_request_cancel(p->rreq);
}

/* Accepts "application/json", in any case, with optional parameters. */
static bool is_json_content(const h2o_req_t *req)
{
	ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_CONTENT_TYPE, -1);
	if (i < 0)
		return false;
	h2o_iovec_t v = req->headers.entries[i].value;
	size_t n = v.len;
	const char *semi = memchr(v.base, ';', n);
	if (semi)
		n = (size_t)(semi - v.base);
	while (n && (v.base[n - 1] == ' ' || v.base[n - 1] == '\t'))
		n--;
	return h2o_lcstris(v.base, n, H2O_STRLIT("application/json"));
}

static void http_post(rpc_server *srv, h2o_req_t *req)
{
	pending *p = h2o_mem_alloc_shared(&req->pool, sizeof *p, http_dispose);
	*p = (pending){.srv = srv, .http = req};
	p->timer.cb = on_request_timeout;
	h2o_linklist_insert(&srv->http_pending, &p->link);
	const char *body = req->entity.base ? req->entity.base : "";
	rpc_request *rreq;
	if (rpc_dispatch_start(srv->reg, body, req->entity.len, http_done, p,
	                       &rreq) != DURE_OK) {
		unlink_pending(p);
		send_error(req, 500, "Internal Server Error");
		return;
	}
	if (rreq) { /* a handler deferred its reply */
		p->rreq = rreq;
		link_timer(srv, p);
	}
}

/* ---- WebSocket ----------------------------------------------------------- */

static void notes_free(ws *w)
{
	while (w->notes) {
		note *n = w->notes;
		w->notes = n->next;
		free(n);
	}
	w->notes_tail = &w->notes;
	w->nnotes = w->note_bytes = 0;
}

static void ws_free(ws *w)
{
	while (!h2o_linklist_is_empty(&w->pending)) {
		pending *p = H2O_STRUCT_FROM_MEMBER(pending, link, w->pending.next);
		unlink_pending(p);
		rpc_request_cancel(p->rreq);
		free(p);
	}
	/* After the cancels, so that no call still names the session. */
	rpc_session_close(w->session);
	notes_free(w);
	if (h2o_linklist_is_linked(&w->flush))
		h2o_linklist_unlink(&w->flush);
	h2o_linklist_unlink(&w->link);
	h2o_websocket_close(w->conn);
	free(w);
}

/* Asks wslay to close with `code`; h2o then reports the close to on_ws_msg
 * once the close frame is out. */
static void ws_fail(ws *w, uint16_t code, const char *why)
{
	wslay_event_queue_close(w->conn->ws_ctx, code, (const uint8_t *)why,
	                        strlen(why));
}

static void ws_send(ws *w, const uint8_t *resp, size_t len)
{
	if (wslay_event_get_queued_msg_count(w->conn->ws_ctx) >=
	    WS_QUEUED_MAX + w->srv->notify_max) {
		ws_fail(w, WSLAY_CODE_POLICY_VIOLATION, "responses not read");
		return;
	}
	struct wslay_event_msg msg = {WSLAY_TEXT_FRAME, resp, len};
	if (wslay_event_queue_msg(w->conn->ws_ctx, &msg) != 0)
		ws_fail(w, WSLAY_CODE_INTERNAL_SERVER_ERROR, "cannot queue response");
}

static void ws_done(void *arg, int err, const uint8_t *resp, size_t len)
{
	pending *p = arg;
	ws *w = p->ws;
	unlink_pending(p);
	free(p);
	w->inflight--;
	if (err != DURE_OK)
		ws_fail(w, WSLAY_CODE_INTERNAL_SERVER_ERROR, "out of memory");
	else if (len)
		ws_send(w, resp, len);
	/* Inside h2o's callback h2o sends the queued frames itself; outside it
	 * we push them, which may close (and free) the connection. */
	if (!w->in_callback)
		h2o_websocket_proceed(w->conn);
}

static void on_flush(uv_idle_t *idle);

static void schedule_flush(ws *w)
{
	rpc_server *srv = w->srv;
	if (!h2o_linklist_is_linked(&w->flush))
		h2o_linklist_insert(&srv->to_flush, &w->flush);
	if (!uv_is_active((uv_handle_t *)&srv->flusher))
		uv_idle_start(&srv->flusher, on_flush);
}

/* The session's rpc_session_send_fn: queues a copy of the message for the
 * flusher, or refuses it past the connection's limits and closes. */
static int ws_notify(void *transport, const uint8_t *msg, size_t len)
{
	ws *w = transport;
	rpc_server *srv = w->srv;
	if (w->refused || srv->state != RUNNING)
		return DURE_EBUSY;
	wslay_event_context_ptr ctx = w->conn->ws_ctx;
	size_t count = w->nnotes + wslay_event_get_queued_msg_count(ctx);
	size_t bytes = w->note_bytes + wslay_event_get_queued_msg_length(ctx);
	if (count >= srv->notify_max || bytes > srv->notify_bytes_max ||
	    len > srv->notify_bytes_max - bytes) {
		/* A close frame would wait behind what the client does not read,
		 * so the socket is shut down; h2o then reports the close. */
		w->refused = true;
		notes_free(w);
		int fd = h2o_socket_get_fd(w->conn->sock);
		if (fd >= 0)
			shutdown(fd, SHUT_RDWR);
		schedule_flush(w);
		return DURE_EBUSY;
	}
	note *n = malloc(sizeof *n + len);
	if (!n)
		return DURE_ENOMEM;
	n->next = NULL;
	n->len = len;
	memcpy(n->data, msg, len);
	*w->notes_tail = n;
	w->notes_tail = &n->next;
	w->nnotes++;
	w->note_bytes += len;
	schedule_flush(w);
	return DURE_OK;
}

/* Hands each waiting connection's notes to wslay and writes them. Runs in
 * the loop's idle phase, outside every other callback. */
static void on_flush(uv_idle_t *idle)
{
	rpc_server *srv = idle->data;
	uv_idle_stop(idle);
	while (!h2o_linklist_is_empty(&srv->to_flush)) {
		ws *w = H2O_STRUCT_FROM_MEMBER(ws, flush, srv->to_flush.next);
		h2o_linklist_unlink(&w->flush);
		for (note *n = w->notes; n; n = n->next) {
			struct wslay_event_msg msg = {WSLAY_TEXT_FRAME, n->data, n->len};
			if (wslay_event_queue_msg(w->conn->ws_ctx, &msg) != 0) {
				ws_fail(w, WSLAY_CODE_INTERNAL_SERVER_ERROR,
				        "cannot queue notification");
				break;
			}
		}
		notes_free(w);
		h2o_websocket_proceed(w->conn); /* may close and free w */
	}
}

static void ws_message(ws *w, const struct wslay_event_on_msg_recv_arg *m)
{
	if (m->opcode != WSLAY_TEXT_FRAME && m->opcode != WSLAY_BINARY_FRAME)
		return; /* wslay answers pings and closes itself */
	if (w->inflight >= WS_INFLIGHT_MAX) {
		ws_fail(w, WSLAY_CODE_POLICY_VIOLATION, "too many requests in flight");
		return;
	}
	pending *p = calloc(1, sizeof *p);
	if (!p) {
		ws_fail(w, WSLAY_CODE_INTERNAL_SERVER_ERROR, "out of memory");
		return;
	}
	p->srv = w->srv;
	p->ws = w;
	p->timer.cb = on_request_timeout;
	h2o_linklist_insert(&w->pending, &p->link);
	w->inflight++;
	rpc_request *rreq;
	if (rpc_dispatch_start_session(w->srv->reg, w->session,
	                               (const char *)m->msg, m->msg_length,
	                               ws_done, p, &rreq) != DURE_OK) {
		unlink_pending(p);
		free(p);
		w->inflight--;
		ws_fail(w, WSLAY_CODE_INTERNAL_SERVER_ERROR, "out of memory");
		return;
	}
	if (rreq) {
		p->rreq = rreq;
		link_timer(w->srv, p);
	}
}

/* h2o's callback for each message, and with arg NULL once the connection
 * is closed or failed (then we release it). */
static void on_ws_msg(h2o_websocket_conn_t *wsc,
                      const struct wslay_event_on_msg_recv_arg *arg)
{
	ws *w = wsc->data;
	if (!arg) {
		ws_free(w);
		return;
	}
	w->in_callback = true;
	ws_message(w, arg);
	w->in_callback = false;
}

static void ws_upgrade(rpc_server *srv, h2o_req_t *req, const char *key)
{
	ws *w = calloc(1, sizeof *w);
	if (!w || rpc_session_new(ws_notify, w, &w->session) != DURE_OK) {
		free(w);
		send_error(req, 500, "Internal Server Error");
		return;
	}
	w->srv = srv;
	w->notes_tail = &w->notes;
	h2o_linklist_init_anchor(&w->pending);
	h2o_linklist_insert(&srv->sockets, &w->link);
	w->conn = h2o_upgrade_to_websocket(req, key, w, on_ws_msg);
	wslay_event_config_set_max_recv_msg_length(w->conn->ws_ctx, srv->body_max);
}

/* ---- requests and connections ------------------------------------------- */

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
	rpc_server *srv = ((handler *)self)->srv;
	const char *key = NULL;
	if (h2o_is_websocket_handshake(req, &key) == 0 && key) {
		ws_upgrade(srv, req, key);
		return 0;
	}
	add_cors(srv, req);
	if (srv->cors_origin &&
	    h2o_memis(req->method.base, req->method.len, H2O_STRLIT("OPTIONS"))) {
		h2o_add_header_by_str(&req->pool, &req->res.headers,
		                      H2O_STRLIT("access-control-allow-methods"), 0,
		                      NULL, H2O_STRLIT("POST, GET, OPTIONS"));
		h2o_add_header_by_str(&req->pool, &req->res.headers,
		                      H2O_STRLIT("access-control-allow-headers"), 0,
		                      NULL, H2O_STRLIT("content-type"));
		req->res.status = 204;
		req->res.reason = "No Content";
		req->res.content_length = 0;
		h2o_send_inline(req, "", 0);
		return 0;
	}
	if (!h2o_memis(req->method.base, req->method.len, H2O_STRLIT("POST"))) {
		h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL,
		               H2O_STRLIT("POST"));
		send_error(req, 405, "Method Not Allowed");
		return 0;
	}
	if (!is_json_content(req)) {
		send_error(req, 415, "Unsupported Media Type");
		return 0;
	}
	http_post(srv, req);
	return 0;
}

static void maybe_finish(rpc_server *srv);

static void on_conn_close(uv_handle_t *h)
{
	conn *c = (conn *)h;
	rpc_server *srv = c->srv;
	h2o_linklist_unlink(&c->link);
	free(c);
	srv->nconns--;
	maybe_finish(srv);
}

static void free_handle(uv_handle_t *h)
{
	free(h);
}

static void on_accept(uv_stream_t *listener, int status)
{
	rpc_server *srv = listener->data;
	if (status != 0)
		return;
	conn *c = calloc(1, sizeof *c);
	if (!c)
		return;
	uv_tcp_init(srv->loop, &c->tcp);
	if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0 ||
	    srv->nconns >= srv->max_conns || srv->state != RUNNING) {
		uv_close((uv_handle_t *)&c->tcp, free_handle);
		return;
	}
	c->srv = srv;
	h2o_linklist_insert(&srv->conns, &c->link);
	srv->nconns++;
	h2o_socket_t *sock = h2o_uv_socket_create((uv_stream_t *)&c->tcp,
	                                          on_conn_close);
	h2o_accept(&srv->accept, sock);
}

/* ---- start and stop ------------------------------------------------------ */

static int parse_addr(const char *addr, uint16_t port,
                      struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (addr && uv_ip4_addr(addr, port, (struct sockaddr_in *)ss) == 0)
		return DURE_OK;
	if (addr && uv_ip6_addr(addr, port, (struct sockaddr_in6 *)ss) == 0)
		return DURE_OK;
	return DURE_EINVAL;
}

/* Binds and listens with plain syscalls first, so that a taken port fails
 * before any loop handle exists and nothing needs the loop to clean up. */
static int open_listener(const struct sockaddr_storage *ss, int *fd_out,
                         uint16_t *port_out)
{
	*fd_out = -1;
	*port_out = 0;
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	                0);
	if (fd < 0)
		return DURE_ERPC_LISTEN;
	int one = 1;
	socklen_t len = ss->ss_family == AF_INET ? sizeof(struct sockaddr_in)
	                                         : sizeof(struct sockaddr_in6);
	struct sockaddr_storage bound;
	socklen_t blen = sizeof bound;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, (const struct sockaddr *)ss, len) != 0 ||
	    listen(fd, SOMAXCONN) != 0 ||
	    getsockname(fd, (struct sockaddr *)&bound, &blen) != 0) {
		close(fd);
		return DURE_ERPC_LISTEN;
	}
	*fd_out = fd;
	*port_out = ntohs(bound.ss_family == AF_INET
	                      ? ((struct sockaddr_in *)&bound)->sin_port
	                      : ((struct sockaddr_in6 *)&bound)->sin6_port);
	return DURE_OK;
}

int rpc_server_start(uv_loop_t *loop, rpc_registry *reg,
                     const rpc_server_opts *opts, rpc_server **out)
{
	*out = NULL;
	struct sockaddr_storage ss;
	if (parse_addr(opts->addr, opts->port, &ss) != DURE_OK)
		return DURE_EINVAL;
	rpc_server *srv = calloc(1, sizeof *srv);
	if (!srv)
		return DURE_ENOMEM;
	if (opts->cors_origin && !(srv->cors_origin = strdup(opts->cors_origin))) {
		free(srv);
		return DURE_ENOMEM;
	}
	int fd;
	int err = open_listener(&ss, &fd, &srv->port);
	if (err != DURE_OK) {
		free(srv->cors_origin);
		free(srv);
		return err;
	}
	signal(SIGPIPE, SIG_IGN);
	srv->loop = loop;
	srv->reg = reg;
	srv->body_max = opts->body_max ? opts->body_max : RPC_BODY_MAX_DEFAULT;
	srv->max_conns = opts->max_conns ? opts->max_conns : RPC_CONNS_MAX_DEFAULT;
	srv->notify_max = opts->notify_max ? opts->notify_max
	                                   : RPC_NOTIFY_MAX_DEFAULT;
	srv->notify_bytes_max = opts->notify_bytes_max
	                            ? opts->notify_bytes_max
	                            : RPC_NOTIFY_BYTES_MAX_DEFAULT;
	unsigned timeout = opts->timeout_ms ? opts->timeout_ms
	                                    : RPC_TIMEOUT_MS_DEFAULT;
	h2o_linklist_init_anchor(&srv->conns);
	h2o_linklist_init_anchor(&srv->http_pending);
	h2o_linklist_init_anchor(&srv->sockets);
	h2o_linklist_init_anchor(&srv->to_flush);

	h2o_config_init(&srv->config);
	srv->config.server_name = h2o_iovec_init(H2O_STRLIT("dure"));
	srv->config.max_request_entity_size = srv->body_max;
	srv->config.http1.req_timeout = timeout;
	srv->config.http1.upgrade_to_http2 = 0;
	h2o_hostconf_t *host = h2o_config_register_host(
		&srv->config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
	h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
	handler *h = (handler *)h2o_create_handler(path, sizeof *h);
	h->super.on_req = on_req;
	h->srv = srv;
	h2o_context_init(&srv->ctx, loop, &srv->config);
	srv->accept.ctx = &srv->ctx;
	srv->accept.hosts = srv->config.hosts;
	h2o_timeout_init(loop, &srv->req_timeout, timeout);

	uv_idle_init(loop, &srv->flusher);
	srv->flusher.data = srv;
	srv->flusher_open = true;
	uv_tcp_init(loop, &srv->listener);
	srv->listener.data = srv;
	srv->listener_open = true;
	if (uv_tcp_open(&srv->listener, fd) != 0) {
		close(fd);
		rpc_server_stop(srv);
		return DURE_ERPC_LISTEN;
	}
	if (uv_listen((uv_stream_t *)&srv->listener, SOMAXCONN, on_accept) != 0) {
		rpc_server_stop(srv);
		return DURE_ERPC_LISTEN;
	}
	*out = srv;
	return DURE_OK;
}

uint16_t rpc_server_port(const rpc_server *srv)
{
	return srv->port;
}

static void on_reaper_closed(uv_handle_t *h)
{
	rpc_server *srv = h->data;
	free(srv->cors_origin);
	free(srv);
}

/* Runs on the loop ticks after the last connection closed: first disposes
 * h2o's context (whose timers live inside *srv and finish closing at the
 * end of that tick), then on the next tick releases the server. */
static void on_reaper(uv_idle_t *idle)
{
	rpc_server *srv = idle->data;
	uv_idle_stop(idle);
	if (srv->state == DRAINING) {
		/* h2o 2.2's libuv flavour runs one nested uv_run(UV_RUN_NOWAIT)
		 * inside h2o_context_dispose to finish closing its handles. We get
		 * here at the top of a tick with no connection left, and keep the
		 * reaper stopped meanwhile so the nested run cannot free *srv. */
		srv->state = DISPOSED;
		h2o_timeout_dispose(srv->loop, &srv->req_timeout);
		h2o_context_dispose(&srv->ctx);
		h2o_config_dispose(&srv->config);
		uv_idle_start(idle, on_reaper);
		return;
	}
	uv_close((uv_handle_t *)idle, on_reaper_closed);
}

static void maybe_finish(rpc_server *srv)
{
	if (srv->state != DRAINING || srv->listener_open || srv->flusher_open ||
	    srv->nconns || uv_is_active((uv_handle_t *)&srv->reaper))
		return;
	uv_idle_init(srv->loop, &srv->reaper);
	srv->reaper.data = srv;
	uv_idle_start(&srv->reaper, on_reaper);
}

static void on_listener_closed(uv_handle_t *h)
{
	rpc_server *srv = h->data;
	srv->listener_open = false;
	maybe_finish(srv);
}

static void on_flusher_closed(uv_handle_t *h)
{
	rpc_server *srv = h->data;
	srv->flusher_open = false;
	maybe_finish(srv);
}

void rpc_server_stop(rpc_server *srv)
{
	if (!srv || srv->state != RUNNING)
		return;
	srv->state = DRAINING;
	uv_close((uv_handle_t *)&srv->listener, on_listener_closed);
	uv_close((uv_handle_t *)&srv->flusher, on_flusher_closed);
	while (!h2o_linklist_is_empty(&srv->http_pending)) {
		pending *p = H2O_STRUCT_FROM_MEMBER(pending, link,
		                                    srv->http_pending.next);
		rpc_request_expire(p->rreq); /* http_done unlinks p */
	}
	for (h2o_linklist_t *l = srv->sockets.next; l != &srv->sockets;) {
		ws *w = H2O_STRUCT_FROM_MEMBER(ws, link, l);
		l = l->next;
		/* Before the upgrade completes h2o still owns the socket; the
		 * shutdown below makes the upgrade fail and report the close. */
		if (w->conn->sock)
			ws_free(w);
	}
	for (h2o_linklist_t *l = srv->conns.next; l != &srv->conns; l = l->next) {
		conn *c = H2O_STRUCT_FROM_MEMBER(conn, link, l);
		uv_os_fd_t fd;
		if (uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0)
			shutdown(fd, SHUT_RDWR);
	}
}
