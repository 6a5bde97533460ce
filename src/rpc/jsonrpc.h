/* JSON-RPC 2.0 dispatch with no sockets: request bytes in, response bytes
 * out. The HTTP and WebSocket transports (rpc/server.h) feed it message
 * bodies; tests and the fuzzer feed it bytes directly.
 *
 * A method handler receives a call handle and completes it exactly once
 * with rpc_reply or rpc_reply_error, either before it returns (synchronous)
 * or later on the loop thread (deferred, e.g. after worker-pool work). A
 * request (one body: a single call or a batch) is answered once every call
 * in it has completed, or when the transport expires it. All functions are
 * for the loop thread only.
 *
 * Sessions: a transport that keeps a connection open (WebSocket) gives its
 * requests an rpc_session, through which handlers can later push JSON-RPC
 * notifications to that connection (eth_subscribe). A handler learns the
 * session of its call with rpc_call_session (NULL over HTTP), and asks to
 * be told when the session ends with rpc_session_on_close, so that nothing
 * it keeps points at a session that is gone. */
#ifndef DURE_RPC_JSONRPC_H
#define DURE_RPC_JSONRPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/err.h"

/* Error codes of the JSON-RPC 2.0 specification, plus the timeout code
 * Ethereum clients use. Handlers may use any other code too. */
enum {
	RPC_PARSE_ERROR = -32700,
	RPC_INVALID_REQUEST = -32600,
	RPC_METHOD_NOT_FOUND = -32601,
	RPC_INVALID_PARAMS = -32602,
	RPC_INTERNAL_ERROR = -32603,
	RPC_TIMEOUT = -32002,
};

/* Most calls one batch may carry; a larger batch gets one -32600 error. */
#define RPC_BATCH_MAX 1000

typedef struct rpc_registry rpc_registry;
typedef struct rpc_call rpc_call;
typedef struct rpc_request rpc_request;
typedef struct rpc_session rpc_session;

/* Handles one call. `params` is the call's array or object of parameters
 * (an empty array when the request had none), borrowed until the handler
 * returns: a handler that replies later and still needs it takes its own
 * reference with json_incref. `ctx` is the pointer given to rpc_register. */
typedef void (*rpc_handler)(rpc_call *call, json_t *params, void *ctx);

/* Receives a request's response. err is DURE_OK or DURE_ENOMEM (then the
 * response could not be built and resp is NULL). len 0 with DURE_OK means
 * the request was only notifications and gets no response at all. resp is
 * valid only during the call. */
typedef void (*rpc_done_fn)(void *arg, int err, const uint8_t *resp,
                            size_t len);

/* Creates an empty method registry in *out (NULL on failure). Returns
 * DURE_OK or DURE_ENOMEM. */
DURE_WUR int rpc_registry_new(rpc_registry **out);

/* Frees the registry. Requests in flight do not use it. NULL is a no-op. */
void rpc_registry_free(rpc_registry *reg);

/* Registers `fn` under `method` (copied). Returns DURE_OK, DURE_EINVAL for
 * an empty name, DURE_ERPC_METHOD_EXISTS, or DURE_ENOMEM. */
DURE_WUR int rpc_register(rpc_registry *reg, const char *method,
                          rpc_handler fn, void *ctx);

/* A method and its handler, for registering a namespace in one call. */
typedef struct rpc_method {
	const char *name;
	rpc_handler fn;
} rpc_method;

/* rpc_register of each of the n methods with ctx. Returns DURE_OK or the
 * first rpc_register error (the methods before it stay registered). */
DURE_WUR int rpc_register_all(rpc_registry *reg, const rpc_method *m,
                              size_t n, void *ctx);

/* Completes `call` with `result` (stolen; NULL means JSON null). After
 * this the call handle is invalid. */
void rpc_reply(rpc_call *call, json_t *result);

/* Completes `call` with an error: `code`, `message` (copied) and optional
 * `data` (stolen, may be NULL). After this the call handle is invalid. */
void rpc_reply_error(rpc_call *call, int code, const char *message,
                     json_t *data);

/* Returns true if nobody waits for this call's reply any more (the request
 * expired or its connection went away), so a deferred handler may skip its
 * work. It must still complete the call. */
bool rpc_call_abandoned(const rpc_call *call);

/* Starts answering the JSON-RPC message body[0..n). `done` is called exactly
 * once with the response, unless the request is cancelled first; it may be
 * called before this function returns, and then *out is NULL. Otherwise
 * *out is the pending request, valid until `done` runs or it is cancelled.
 * Returns DURE_OK, or DURE_ENOMEM (then `done` is not called, *out NULL). */
DURE_WUR int rpc_dispatch_start(rpc_registry *reg, const char *body, size_t n,
                                rpc_done_fn done, void *arg,
                                rpc_request **out);

/* Gives up a pending request: `done` will not be called. Its handlers may
 * still complete their calls later; their replies are dropped. */
void rpc_request_cancel(rpc_request *req);

/* Answers a pending request now: calls still running get an RPC_TIMEOUT
 * error and `done` is called. Their later replies are dropped. */
void rpc_request_expire(rpc_request *req);

/* rpc_dispatch_start for a request that came over `session` (NULL: none,
 * which is rpc_dispatch_start): its handlers find the session with
 * rpc_call_session. The transport cancels or expires the session's pending
 * requests before it closes the session. */
DURE_WUR int rpc_dispatch_start_session(rpc_registry *reg, rpc_session *session,
                                        const char *body, size_t n,
                                        rpc_done_fn done, void *arg,
                                        rpc_request **out);

/* Answers body[0..n) synchronously, appending the response to `out` (nothing
 * for notifications only). Returns DURE_OK, DURE_ENOMEM, or
 * DURE_ERPC_DEFERRED if a handler deferred its reply (the request is then
 * abandoned); on failure `out` is left as it was. */
DURE_WUR int rpc_dispatch(rpc_registry *reg, const char *body, size_t n,
                          buf *out);

/* ---- sessions ---- */

/* The transport's side of a session: writes one notification, the
 * serialised message msg[0..len) (valid only during the call), to the
 * connection. Returns DURE_OK once the message is queued, or DURE_EBUSY
 * when the connection will not take it (its queue is full, or it is
 * closing); the transport then closes the connection itself. It must not
 * close the session (run the close callbacks) from inside this call, so
 * that a handler pushing to many sessions never sees one vanish under it. */
typedef int (*rpc_session_send_fn)(void *transport, const uint8_t *msg,
                                   size_t len);

/* Told that session s has ended (its connection is gone). s is valid
 * during the call and invalid after it returns. */
typedef void (*rpc_session_close_fn)(void *arg, rpc_session *s);

/* Creates a session in *out that writes through send(transport, ...).
 * Returns DURE_OK or DURE_ENOMEM (*out NULL). */
DURE_WUR int rpc_session_new(rpc_session_send_fn send, void *transport,
                             rpc_session **out);

/* Ends the session: runs its close callbacks, the latest registered first,
 * then frees it. A callback may remove other callbacks of s. NULL is a
 * no-op. */
void rpc_session_close(rpc_session *s);

/* The session the call came over: NULL for a request without one (HTTP,
 * rpc_dispatch) and once the call is abandoned (rpc_call_abandoned). The
 * session stays valid until its close callbacks run; a handler that keeps
 * it past its reply registers one with rpc_session_on_close. */
rpc_session *rpc_call_session(const rpc_call *call);

/* Registers fn(arg, s) to run when s closes. Each (fn, arg) pair is kept
 * once: registering it again is a no-op. Returns DURE_OK or DURE_ENOMEM. */
DURE_WUR int rpc_session_on_close(rpc_session *s, rpc_session_close_fn fn,
                                  void *arg);

/* Removes the (fn, arg) callback of s, if it is registered. */
void rpc_session_off_close(rpc_session *s, rpc_session_close_fn fn, void *arg);

/* Pushes the notification {"jsonrpc":"2.0","method":method,"params":params}
 * (params stolen; an array or object) to s's connection. Returns DURE_OK
 * once it is queued, DURE_ENOMEM, or DURE_EBUSY when the connection does
 * not take it (see rpc_session_send_fn): the notification is dropped and
 * the session will close. */
DURE_WUR int rpc_session_notify(rpc_session *s, const char *method,
                                json_t *params);

#endif
