/* The peer manager's decisions, with no sockets and no clock: which inbound
 * connections to accept, which nodes to dial next, which of two connections
 * to the same node to keep, who is banned and until when.
 *
 * The caller (the socket layer) asks before it acts and reports what
 * happened; every time is a caller-supplied millisecond clock.
 *
 * Limits (geth's "dial ratio"): at most max_peers connected peers in all; of
 * these at most max_peers / PEER_DIAL_RATIO (at least 1) are ones we dialled,
 * so that two thirds of the slots stay open for nodes that dial us and a new
 * node can always find room. Static peers are dialled even when the dialled
 * share is full (they still count against max_peers); trusted peers are
 * accepted beyond every limit.
 *
 * Inbound throttling: one inbound connection attempt per IP address per
 * PEER_THROTTLE_MS. Loopback addresses get PEER_LOOPBACK_BURST attempts per
 * window instead, because local test networks run every node on 127.0.0.1
 * and a single shared allowance would starve them.
 *
 * Bans: a peer that breaks the protocol (bad MAC, garbage, oversized frame,
 * bad Hello) is banned by node id when its handshake got that far, and by
 * IP address unless the address is loopback (one loopback IP stands for
 * every local node). A ban lasts ban_ms. */
#ifndef DURE_NET_PEER_H
#define DURE_NET_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "net/enode.h"

#define PEER_DIAL_RATIO 3
#define PEER_THROTTLE_MS 30000u
#define PEER_LOOPBACK_BURST 128u
/* Bounds on what the manager remembers; the oldest entry gives way. */
#define PEER_MAX_BANS 1024
#define PEER_MAX_THROTTLE 512
#define PEER_MAX_HISTORY 2048
#define PEER_MAX_STATIC 256
#define PEER_MAX_TRUSTED 256

typedef struct peer_config {
	size_t max_peers;          /* all connected peers; 0 allows none */
	size_t max_pending_dials;  /* dials in flight at once */
	uint64_t ban_ms;           /* how long a ban lasts */
	uint64_t dial_backoff_ms;  /* wait after a failed dial; doubles with
	                            * each further failure ... */
	uint64_t dial_backoff_max_ms; /* ... up to this */
	uint64_t redial_ms;        /* wait before dialling a node again after
	                            * a connection to it ended */
} peer_config;

/* The defaults: 50 peers, 16 dials at once, bans of 1 h, backoff 5 s to
 * 5 min, redial after 30 s. */
void peer_config_default(peer_config *cfg);

/* Why a connection was refused (or PEER_OK). */
typedef enum peer_verdict {
	PEER_OK = 0,
	PEER_REJ_SELF,        /* it is our own node id */
	PEER_REJ_BANNED,      /* id or IP address is banned */
	PEER_REJ_THROTTLED,   /* too many inbound attempts from this IP */
	PEER_REJ_TOO_MANY,    /* no free slot for this direction */
	PEER_REJ_ALREADY,     /* already connected (the other connection wins) */
	PEER_REJ_REPLACE,     /* accepted: the caller must drop the existing
	                       * connection to the same node, which loses the
	                       * tie-break */
} peer_verdict;

/* A static message for a verdict (never NULL). */
const char *peer_verdict_str(peer_verdict v);

typedef struct peerset peerset;

/* Creates a manager for the node with id self_id. cfg is copied. Returns
 * 0, DURE_EINVAL (max_pending_dials 0), DURE_ENOMEM; *out is NULL on
 * failure. Free with peerset_free. */
DURE_WUR int peerset_new(const peer_config *cfg, const uint8_t self_id[64],
                         peerset **out);
void peerset_free(peerset *ps);

/* Peers connected (accepted by peerset_add and not yet removed): all,
 * dialled by us, dialled by them. */
size_t peerset_count(const peerset *ps);
size_t peerset_outbound(const peerset *ps);
size_t peerset_inbound(const peerset *ps);
/* The most peers we dial: max_peers / PEER_DIAL_RATIO, at least 1 when
 * max_peers is not 0. */
size_t peerset_max_outbound(const peerset *ps);

/* Static peers: dialled again whenever not connected (admin_addPeer).
 * Adding a known one updates its endpoint. Return 0, or DURE_ERANGE when
 * PEER_MAX_STATIC are kept (add), DURE_ENOTFOUND (remove). */
DURE_WUR int peerset_add_static(peerset *ps, const enode *n);
DURE_WUR int peerset_remove_static(peerset *ps, const uint8_t id[64]);
bool peerset_is_static(const peerset *ps, const uint8_t id[64]);

/* Trusted peers: accepted beyond max_peers and never throttled by count
 * (admin_addTrustedPeer). Same returns as the static functions. */
DURE_WUR int peerset_add_trusted(peerset *ps, const uint8_t id[64]);
DURE_WUR int peerset_remove_trusted(peerset *ps, const uint8_t id[64]);
bool peerset_is_trusted(const peerset *ps, const uint8_t id[64]);

/* Bans node id `id` and/or the address of `ep` (either may be NULL; a
 * loopback address is not banned, see above) until now_ms + ban_ms. */
void peerset_ban(peerset *ps, const uint8_t *id, const net_endpoint *ep,
                 uint64_t now_ms);
/* True if id (may be NULL) or the address of ep (may be NULL) is banned at
 * now_ms. Expired bans are forgotten as they are met. */
bool peerset_is_banned(peerset *ps, const uint8_t *id, const net_endpoint *ep,
                       uint64_t now_ms);
/* Number of bans in force at now_ms. */
size_t peerset_ban_count(peerset *ps, uint64_t now_ms);

/* Decides on a new inbound TCP connection from `from` before any handshake
 * (only the address is known) and counts the attempt against the IP's
 * throttle. Returns PEER_OK, PEER_REJ_BANNED or PEER_REJ_THROTTLED. Slots
 * are checked after the Hello (peerset_check_ready), when we know whether
 * the node is trusted; the socket layer bounds handshakes in flight. */
peer_verdict peerset_check_inbound(peerset *ps, const net_endpoint *from,
                                   uint64_t now_ms);

/* Decides on a connection whose Hello has arrived from node `id`, inbound
 * or dialled by us. Returns PEER_OK, PEER_REJ_SELF, PEER_REJ_BANNED,
 * PEER_REJ_TOO_MANY, PEER_REJ_ALREADY, or PEER_REJ_REPLACE with the
 * existing connection's handle in *existing (NULL otherwise).
 *
 * Two connections to one node: when both run the same direction the
 * existing one stays; when they cross (we dialled it and it dialled us at
 * once) both ends keep the connection dialled by the node with the lower
 * id, so the two ends agree without talking. */
peer_verdict peerset_check_ready(peerset *ps, const uint8_t id[64],
                                 bool inbound, uint64_t now_ms,
                                 void **existing);

/* Records an accepted connection with the caller's handle (after PEER_OK,
 * or PEER_REJ_REPLACE once the existing one is removed). Returns 0,
 * DURE_EINVAL if the node is already recorded, DURE_ENOMEM. */
DURE_WUR int peerset_add(peerset *ps, const uint8_t id[64], bool inbound,
                         void *handle);
/* Forgets the connection with this handle (a no-op if unknown), and starts
 * the redial wait for its node. */
void peerset_remove(peerset *ps, void *handle, uint64_t now_ms);

/* True if we may dial n now: not us, not connected, not being dialled,
 * not banned, its backoff over, a dial slot free, and room in the dialled
 * share (static peers: room in max_peers). */
bool peerset_want_dial(peerset *ps, const enode *n, uint64_t now_ms);
/* Records the start of a dial to id (after peerset_want_dial said yes). */
void peerset_dial_start(peerset *ps, const uint8_t id[64], uint64_t now_ms);
/* Records the end of a dial: ok when it became a peer (peerset_add), else a
 * failure, which backs the node off exponentially. */
void peerset_dial_done(peerset *ps, const uint8_t id[64], bool ok,
                       uint64_t now_ms);
size_t peerset_pending_dials(const peerset *ps);

/* Writes up to max static peers that are due for a dial now (not
 * connected, not pending, backoff over, not banned) to out and returns
 * their number. */
size_t peerset_static_due(peerset *ps, uint64_t now_ms, enode *out,
                          size_t max);

/* A token bucket: `rate` tokens per second up to `burst`, for per-peer
 * message rate limits. */
typedef struct peer_bucket {
	double tokens;
	double rate, burst;
	uint64_t last_ms;
} peer_bucket;

void peer_bucket_init(peer_bucket *b, double rate, double burst,
                      uint64_t now_ms);
/* Takes one token; false if none is left (the peer is over its rate). */
bool peer_bucket_take(peer_bucket *b, uint64_t now_ms);

#endif
