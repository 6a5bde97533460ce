/* The p2p server: discovery (discv4 over UDP) and RLPx sessions (TCP) on
 * the caller's libuv loop, with the peer manager (p2p/peer.h) deciding who
 * to accept and whom to dial.
 *
 * - UDP: every datagram goes to the Kademlia table (p2p/kad.h); its
 *   packets go out with uv_udp_try_send (a full socket buffer drops them,
 *   as UDP may).
 * - TCP: inbound connections are throttled per IP, then run the RLPx
 *   handshake and the base protocol (p2p/p2pproto.h) as recipient; dials go
 *   to nodes the table finds (and to static peers). A session that has not
 *   exchanged Hellos within P2P_HANDSHAKE_MS is dropped; a peer is pinged
 *   every P2P_PING_MS and dropped when it has not answered within
 *   P2P_PONG_MS; a peer silent for P2P_READ_TIMEOUT_MS, whose writes stay
 *   queued for P2P_WRITE_TIMEOUT_MS or pile up above P2P_WRITE_QUEUE_MAX
 *   is dropped; so is one sending more than P2P_MSG_RATE messages a
 *   second (burst P2P_MSG_BURST).
 * - A peer whose bytes break RLPx or the base protocol (bad MAC, garbage,
 *   an oversized frame, a bad Hello) is disconnected and banned.
 * - Every drop is logged to stderr with its reason (verbosity >= 3).
 *
 * With rlpx off (a bootnode) only discovery runs. */
#ifndef DURE_NET_SERVER_H
#define DURE_NET_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "base/clock.h"
#include "base/err.h"
#include "net/enode.h"
#include "net/p2pproto.h"
#include "net/peer.h"

#define P2P_HANDSHAKE_MS 5000u
#define P2P_PING_MS 15000u
#define P2P_PONG_MS 20000u
#define P2P_READ_TIMEOUT_MS 45000u
#define P2P_WRITE_QUEUE_MAX (16u << 20)
#define P2P_WRITE_TIMEOUT_MS 20000u
#define P2P_MSG_RATE 200.0
#define P2P_MSG_BURST 1000.0
#define P2P_MAX_HANDSHAKES 64   /* inbound sessions before their Hello */
#define P2P_MAX_FRAME (10u << 20)

typedef struct p2p_server p2p_server;

/* A connected peer as a capability's handler sees it: valid from the
 * handler's on_peer until its on_gone returns. */
typedef struct p2p_peer p2p_peer;

/* The handler of one capability of ours (eth/68): the server calls it on
 * the loop thread for every peer that shares the capability. */
typedef struct p2p_proto {
	const char *name;        /* capability name and version it serves */
	uint32_t version;
	/* p shares the capability, whose place in the peer's shared list is
	 * cap (pass it to p2p_peer_send). Returns the handler's state for the
	 * peer, or NULL to turn the peer away (it is disconnected as useless,
	 * and on_gone is not called). */
	void *(*on_peer)(void *ctx, p2p_peer *p, size_t cap);
	/* A message of the capability, id relative to it; data is valid for
	 * the call. The handler may send, and may drop this or any peer. */
	void (*on_msg)(void *ctx, void *peer_state, uint64_t code,
	               const uint8_t *data, size_t len);
	/* The peer is gone (it left, broke a rule, or was dropped): the
	 * handler frees peer_state; p is invalid afterwards. */
	void (*on_gone)(void *ctx, void *peer_state);
	void *ctx;
} p2p_proto;

typedef struct p2p_server_config {
	uint8_t seckey[32];        /* node key (copied) */
	net_endpoint bind;         /* address to bind (ip_len 0: all IPv4
	                            * interfaces), UDP and TCP ports */
	net_endpoint advertise;    /* what we tell others: IP and ports */
	bool rlpx;                 /* false: discovery only (bootnode) */
	peer_config peers;
	const p2p_cap *caps;       /* our capabilities (copied), rlpx only */
	size_t ncaps;
	/* Handlers of capabilities in caps (borrowed; each must outlive the
	 * server, since stopping it calls their on_gone). A shared capability
	 * without one is negotiated and its messages dropped. */
	const p2p_proto *protos;
	size_t nprotos;
	const char *client_id;     /* copied */
	const enode *bootnodes;    /* copied; at most KAD_MAX_BOOTNODES */
	size_t nbootnodes;
	int verbosity;             /* 0 quiet, 2 warnings, 3 info, 4 debug */
	/* Monotonic time for every timeout, rate bucket and discovery timer
	 * (NULL: the system's); borrowed, it must outlive the server. */
	const dure_clock *clock;
	/* Called when a node proved its endpoint (answered our ping), e.g. to
	 * persist it; optional. */
	void (*on_verified)(void *arg, const enode *n);
	void *verified_arg;
} p2p_server_config;

/* Binds the sockets and starts discovery (and the RLPx listener) on loop.
 * Returns 0, DURE_EINVAL (bad config), DURE_EIO (a socket could not be
 * bound: the port is in use), DURE_EKEY, DURE_ENOMEM; *out is NULL on
 * failure, and handles opened before the failure close in loop callbacks
 * (run the loop to let them). */
DURE_WUR int p2p_server_start(uv_loop_t *loop, const p2p_server_config *cfg,
                              p2p_server **out);

/* Says goodbye to every peer (Disconnect "quitting"), closes every handle
 * and frees the server from loop callbacks: the caller keeps running the
 * loop until uv_run returns. The handle is invalid afterwards. NULL is a
 * no-op. */
void p2p_server_stop(p2p_server *s);

/* Our node: id and advertised endpoint (with the bound ports). */
const enode *p2p_server_self(const p2p_server *s);

/* Seeds the table with n (pings it). Returns 0 or a kad_add_node error. */
DURE_WUR int p2p_server_add_node(p2p_server *s, const enode *n);

/* Live entries of the discovery table. */
size_t p2p_server_table_size(const p2p_server *s);
/* Calls fn for every live entry of the discovery table. */
void p2p_server_foreach_node(const p2p_server *s,
                             void (*fn)(void *arg, const enode *n), void *arg);

/* Calls fn (may be NULL) for every node whose endpoint was verified (it
 * answered our ping) within max_age_ms and that has not failed a
 * revalidation since: the live entries of the table and the live nodes
 * a full bucket turned away (at most 1024, the least recently verified
 * forgotten first). Returns their number. */
size_t p2p_server_foreach_known(const p2p_server *s, uint64_t max_age_ms,
                                void (*fn)(void *arg, const enode *n),
                                void *arg);

/* Connected peers (Hellos exchanged). */
size_t p2p_server_peer_count(const p2p_server *s);
/* Sessions closed since start because they were a second link to a
 * connected peer (the newer one refused, or the older one replaced). */
size_t p2p_server_duplicates(const p2p_server *s);
/* Bans in force. */
size_t p2p_server_ban_count(p2p_server *s);

/* A snapshot of one peer, for admin_peers. */
typedef struct p2p_peer_info {
	uint8_t id[64];
	net_endpoint remote;     /* TCP address and port of the peer's end */
	net_endpoint local;      /* our end */
	bool inbound, trusted, is_static;
	uint16_t listen_port;    /* from its Hello */
	char client_id[P2P_CLIENT_ID_MAX + 1];
	p2p_cap caps[P2P_MAX_CAPS]; /* from its Hello */
	size_t ncaps;
} p2p_peer_info;

/* Writes a snapshot of the connected peers into a new array *out (caller
 * frees) and their number to *n. Returns 0 or DURE_ENOMEM (*out NULL). */
DURE_WUR int p2p_server_peers(const p2p_server *s, p2p_peer_info **out,
                              size_t *n);

/* admin_addPeer / admin_removePeer: a static peer is dialled whenever it
 * is not connected; removing it also disconnects it. Return 0, or
 * DURE_EINVAL (discovery only, or our own id), DURE_ERANGE (static list
 * full), DURE_ENOTFOUND (remove: not a static peer nor connected). */
DURE_WUR int p2p_server_add_static(p2p_server *s, const enode *n);
DURE_WUR int p2p_server_remove_static(p2p_server *s, const uint8_t id[64]);

/* admin_addTrustedPeer / admin_removeTrustedPeer. Return 0, or DURE_ERANGE
 * (list full), DURE_ENOTFOUND (remove: not trusted). */
DURE_WUR int p2p_server_add_trusted(p2p_server *s, const uint8_t id[64]);
DURE_WUR int p2p_server_remove_trusted(p2p_server *s, const uint8_t id[64]);

/* ---- for capability handlers ---- */

/* Queues message `code` of shared capability cap (as on_peer gave it) to
 * p and starts writing it. Returns 0, DURE_EINVAL (cap or code out of
 * range), DURE_ERLPX_STATE (the peer is closing), DURE_ENOMEM; a peer
 * whose queue of unwritten bytes is past P2P_WRITE_QUEUE_MAX is dropped
 * by the server's next tick, so a handler needs no limit of its own. */
DURE_WUR int p2p_peer_send(p2p_peer *p, size_t cap, uint64_t code,
                           const uint8_t *data, size_t n);

/* Disconnects p with a devp2p reason (P2P_DISC_SUBPROTOCOL, ...), banning
 * it when it broke a rule (see peer.h for how long and by what); why is
 * logged. Every handler's on_gone for p runs before this returns. */
void p2p_peer_drop(p2p_peer *p, uint64_t reason, bool ban, const char *why);

/* The peer's node id, its Hello, and bytes it has yet to be sent. */
const uint8_t *p2p_peer_id(const p2p_peer *p);
const p2p_hello *p2p_peer_hello(const p2p_peer *p);
size_t p2p_peer_queued(const p2p_peer *p);
/* Writes "<id prefix>@ip:port" to out (at most n bytes, NUL-terminated). */
void p2p_peer_name(const p2p_peer *p, char *out, size_t n);

#endif
