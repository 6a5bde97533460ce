/* JSON-RPC over HTTP/1.1 and WebSocket on the caller's libuv loop.
 *
 * One listening socket serves both: a POST with a JSON body is answered in
 * the HTTP response; a GET with a WebSocket upgrade becomes a connection
 * whose text (or binary) messages are JSON-RPC requests, answered in text
 * messages (in completion order, matched by id). Requests go to the methods
 * of an rpc_registry (rpc/jsonrpc.h).
 *
 * Each WebSocket connection is an rpc_session: handlers push notifications
 * to it with rpc_session_notify, and its close callbacks run when the
 * connection ends (client close, protocol error, limit, server stop). A
 * notification is written from a loop idle callback, after the callback
 * that pushed it has returned, so it follows every response completed
 * within that callback (the reply of the eth_subscribe that created a
 * subscription comes before its first notification, even in a batch that
 * also mines a block), and pushing never closes a session under its
 * caller.
 *
 * A client that does not read: once its outgoing queue (notifications not
 * yet written to the socket, responses included) would pass notify_max
 * messages or notify_bytes_max bytes, the connection is closed (its
 * socket shut down: a close frame would wait behind all it does not read)
 * rather than notifications dropped: a dropped one is lost without a trace
 * (a contract listener silently misses an event), while a close is visible
 * and the client can reconnect and catch up with eth_getLogs. Responses
 * have WS_QUEUED_MAX (1024) more messages of room on top of that before
 * the connection is closed with 1008 "responses not read".
 *
 * HTTP status codes: 200 with the JSON-RPC response (also for JSON-RPC
 * errors), 204 when a body held only notifications (and for a CORS
 * preflight), 405 for methods other than POST (and OPTIONS with CORS),
 * 413 for a body above the size limit, 415 for a Content-Type other than
 * application/json, 500 when the response could not be built. */
#ifndef DURE_RPC_SERVER_H
#define DURE_RPC_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "base/err.h"
#include "rpc/jsonrpc.h"

#define RPC_BODY_MAX_DEFAULT   (5u << 20) /* bytes per body or WS message */
#define RPC_CONNS_MAX_DEFAULT  100u
#define RPC_TIMEOUT_MS_DEFAULT 30000u
#define RPC_NOTIFY_MAX_DEFAULT 16384u       /* messages queued per WS */
#define RPC_NOTIFY_BYTES_MAX_DEFAULT (16u << 20)

typedef struct rpc_server_opts {
	const char *addr;        /* IPv4 or IPv6 literal, e.g. "127.0.0.1" */
	uint16_t port;           /* 0 picks a free port (see rpc_server_port) */
	size_t body_max;         /* 0: RPC_BODY_MAX_DEFAULT */
	unsigned max_conns;      /* open connections; more are closed at once.
	                          * 0: RPC_CONNS_MAX_DEFAULT */
	unsigned timeout_ms;     /* a request not answered in this time gets
	                          * RPC_TIMEOUT errors; also the HTTP idle and
	                          * header-read timeout. 0: RPC_TIMEOUT_MS_DEFAULT */
	const char *cors_origin; /* Access-Control-Allow-Origin value ("*" or an
	                          * origin); NULL sends no CORS headers */
	unsigned notify_max;     /* a WebSocket's outgoing queue, in messages,
	                          * beyond which a notification closes it.
	                          * 0: RPC_NOTIFY_MAX_DEFAULT */
	size_t notify_bytes_max; /* the same in bytes.
	                          * 0: RPC_NOTIFY_BYTES_MAX_DEFAULT */
} rpc_server_opts;

typedef struct rpc_server rpc_server;

/* Starts listening on opts->addr:opts->port on `loop`, serving methods of
 * `reg` (borrowed: it must outlive the server). The server does its work in
 * loop callbacks. It also sets SIGPIPE to be ignored, since a client that
 * hangs up mid-response must not kill the process. Returns DURE_OK with the
 * server in *out, or DURE_EINVAL (bad address), DURE_ERPC_LISTEN (bind or
 * listen failed), DURE_ENOMEM; *out is NULL on failure (a failure after
 * the loop handles exist releases them through loop callbacks, as
 * rpc_server_stop does). */
DURE_WUR int rpc_server_start(uv_loop_t *loop, rpc_registry *reg,
                              const rpc_server_opts *opts, rpc_server **out);

/* Returns the port the server listens on (the chosen one if opts->port was
 * 0). */
uint16_t rpc_server_port(const rpc_server *srv);

/* Stops the server: closes the listener and every connection; requests
 * still running are answered with RPC_TIMEOUT errors where the connection
 * can still take them. The memory is released by loop callbacks, so the
 * caller keeps running the loop (uv_run returns once everything is closed).
 * The server handle is invalid afterwards. NULL is a no-op. */
void rpc_server_stop(rpc_server *srv);

#endif
