/* The devp2p base protocol ("p2p" capability, rlpx.md): Hello, Disconnect,
 * Ping, Pong, capability negotiation and message-id offsets, on top of an
 * RLPx session.
 *
 * Message ids 0x00..0x0f belong to the base protocol. The capabilities both
 * sides share, at the highest version both speak, sorted by name, then own
 * consecutive id ranges from 0x10, each as long as that capability's
 * message count (eth/68: 17 messages, 0x00..0x10 relative).
 *
 * A p2p_conn drives one connection like rlpx does (feed bytes, drain
 * events, take output, no sockets): it sends our Hello when the RLPx
 * handshake completes, checks the peer's Hello, negotiates capabilities,
 * turns snappy on when both sides speak p2p version 5 or later, answers
 * Ping with Pong, and hands capability messages to the caller with
 * capability-relative ids. */
#ifndef DURE_NET_P2PPROTO_H
#define DURE_NET_P2PPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "net/rlpx.h"

#define P2P_VERSION 5          /* the base protocol version we speak */
#define P2P_MAX_CAPS 32        /* capabilities kept from a Hello */
#define P2P_CAP_NAME_MAX 8     /* capability names are at most 8 ASCII */
#define P2P_CLIENT_ID_MAX 255  /* longer client ids are truncated */
#define P2P_FIRST_CAP_ID 0x10  /* first message id of the first capability */

enum p2p_msg_id {
	P2P_MSG_HELLO = 0x00,
	P2P_MSG_DISCONNECT = 0x01,
	P2P_MSG_PING = 0x02,
	P2P_MSG_PONG = 0x03,
};

typedef enum p2p_reason {
	P2P_DISC_REQUESTED = 0x00,
	P2P_DISC_TCP_ERROR = 0x01,
	P2P_DISC_PROTOCOL = 0x02,       /* breach of protocol */
	P2P_DISC_USELESS = 0x03,        /* useless peer (no shared capability) */
	P2P_DISC_TOO_MANY = 0x04,
	P2P_DISC_ALREADY = 0x05,        /* already connected */
	P2P_DISC_INCOMPATIBLE = 0x06,   /* incompatible p2p version */
	P2P_DISC_NULL_ID = 0x07,        /* null node identity received */
	P2P_DISC_QUITTING = 0x08,
	P2P_DISC_UNEXPECTED_ID = 0x09,  /* unexpected identity in handshake */
	P2P_DISC_SELF = 0x0a,           /* identity is the same as this node */
	P2P_DISC_PING_TIMEOUT = 0x0b,
	P2P_DISC_SUBPROTOCOL = 0x10,    /* some other reason of a capability */
} p2p_reason;

/* Returns a static description of a Disconnect reason (never NULL; codes
 * outside the table get "unknown reason"). */
const char *p2p_reason_str(uint64_t reason);

typedef struct p2p_cap {
	char name[P2P_CAP_NAME_MAX + 1]; /* NUL-terminated */
	uint32_t version;
	uint32_t msg_count;  /* in our table: how many ids it uses; 0 in a
	                      * decoded Hello */
} p2p_cap;

typedef struct p2p_hello {
	uint64_t version;    /* p2p protocol version */
	char client_id[P2P_CLIENT_ID_MAX + 1];   /* NUL-terminated */
	p2p_cap caps[P2P_MAX_CAPS];
	size_t ncaps;
	uint64_t listen_port;
	uint8_t node_id[64];
} p2p_hello;

/* A capability both sides share, with its place in the message ids. */
typedef struct p2p_shared_cap {
	char name[P2P_CAP_NAME_MAX + 1];
	uint32_t version;
	uint32_t offset;     /* its first message id */
	uint32_t msg_count;
} p2p_shared_cap;

/* Appends the RLP of h, [version, client-id, [[name, version], ...],
 * listen-port, node-id], to out. Returns 0 or DURE_ENOMEM. */
DURE_WUR int p2p_hello_encode(const p2p_hello *h, buf *out);

/* Decodes a Hello payload into *out (zeroed on failure). Following EIP-8
 * it accepts any version, extra list elements and data after the list;
 * capabilities whose name is longer than 8 bytes or whose version does not
 * fit 32 bits are skipped (no table of ours can name them), and only the
 * first P2P_MAX_CAPS are kept. Returns 0 or DURE_EP2P_HELLO. */
DURE_WUR int p2p_hello_decode(const uint8_t *p, size_t n, p2p_hello *out);

/* Appends the RLP of a Disconnect, [reason]. Returns 0 or DURE_ENOMEM. */
DURE_WUR int p2p_disconnect_encode(uint64_t reason, buf *out);

/* Decodes a Disconnect payload: [reason], or a bare reason as some clients
 * send it; [] or nothing reads as P2P_DISC_REQUESTED. Returns 0 or
 * DURE_EP2P_MSG (*reason zeroed). */
DURE_WUR int p2p_disconnect_decode(const uint8_t *p, size_t n,
                                   uint64_t *reason);

/* Negotiates capabilities: for each name in both lists, the highest version
 * that both list; sorted by name (bytewise); offsets from 0x10 by our
 * msg_count. Writes up to P2P_MAX_CAPS entries to out and their number to
 * *nout. Returns 0, DURE_EP2P_NO_CAPS if nothing is shared, or DURE_ERANGE
 * if the id space (2^32) would overflow; *nout is 0 on failure. */
DURE_WUR int p2p_negotiate(const p2p_cap *ours, size_t n_ours,
                           const p2p_cap *theirs, size_t n_theirs,
                           p2p_shared_cap out[P2P_MAX_CAPS], size_t *nout);

typedef struct p2p_conn p2p_conn;

typedef enum p2p_event_type {
	P2P_EV_NONE,        /* nothing until more bytes are fed */
	P2P_EV_READY,       /* Hellos exchanged, capabilities negotiated */
	P2P_EV_MSG,         /* a capability message */
	P2P_EV_PONG,        /* the peer answered a Ping */
	P2P_EV_DISCONNECT,  /* the peer said goodbye; the session is over */
} p2p_event_type;

typedef struct p2p_event {
	p2p_event_type type;
	size_t cap;          /* P2P_EV_MSG: index into p2p_conn_shared() */
	uint64_t code;       /* P2P_EV_MSG: id relative to the capability */
	uint64_t reason;     /* P2P_EV_DISCONNECT: UINT64_MAX if unreadable */
	const uint8_t *data; /* P2P_EV_MSG: payload, valid until the next call
	                      * on the connection */
	size_t len;
} p2p_event;

/* Starts the base protocol over session s, which it takes (freed by
 * p2p_conn_free, or here on failure). local is our Hello: its caps carry
 * our message counts; its version is sent as given (P2P_VERSION normally).
 * Returns 0, DURE_EINVAL if local has no capability or more than
 * P2P_MAX_CAPS, or DURE_ENOMEM; *out is NULL on failure. */
DURE_WUR int p2p_conn_new(rlpx *s, const p2p_hello *local, p2p_conn **out);

void p2p_conn_free(p2p_conn *c);

/* The RLPx session, for its state and remote id. */
rlpx *p2p_conn_rlpx(p2p_conn *c);

/* Feeds bytes from the peer (see rlpx_feed). */
DURE_WUR int p2p_conn_feed(p2p_conn *c, const uint8_t *p, size_t n);

/* Takes the bytes queued for the peer (see rlpx_take_output). */
uint8_t *p2p_conn_take_output(p2p_conn *c, size_t *n);

/* Takes the next event into *ev. Pings are answered inside. Returns 0 or
 * the error that ended the connection: any rlpx_next_event error,
 * DURE_EP2P_HELLO (first message not a valid Hello), DURE_EP2P_IDENTITY,
 * DURE_EP2P_NO_CAPS, DURE_EP2P_MSG, DURE_EP2P_MSG_ID, or
 * DURE_EP2P_DISCONNECTED after a P2P_EV_DISCONNECT. When the peer broke
 * the base protocol a Disconnect with the matching reason is queued for it
 * first. *ev is NONE on error. */
DURE_WUR int p2p_conn_next_event(p2p_conn *c, p2p_event *ev);

/* The peer's Hello and the shared capabilities: NULL / 0 before
 * P2P_EV_READY. */
const p2p_hello *p2p_conn_remote(const p2p_conn *c);
const p2p_shared_cap *p2p_conn_shared(const p2p_conn *c, size_t *n);

/* Queues a message of shared capability `cap` (index into
 * p2p_conn_shared) with capability-relative id `code`. Returns 0,
 * DURE_ERLPX_STATE before P2P_EV_READY or after a Disconnect, DURE_EINVAL
 * for a cap or code out of range, or a rlpx_write_msg error. */
DURE_WUR int p2p_conn_send(p2p_conn *c, size_t cap, uint64_t code,
                           const uint8_t *p, size_t n);

/* Queues a Ping. Returns 0, DURE_ERLPX_STATE before P2P_EV_READY or after
 * a Disconnect, or a rlpx_write_msg error. */
DURE_WUR int p2p_conn_ping(p2p_conn *c);

/* Queues a Disconnect with reason and ends the connection: later sends
 * fail; the caller flushes the output and closes. Returns 0,
 * DURE_ERLPX_STATE if the RLPx handshake is not done (nothing to say it
 * over; just close), or a rlpx_write_msg error. */
DURE_WUR int p2p_conn_disconnect(p2p_conn *c, uint64_t reason);

#endif
