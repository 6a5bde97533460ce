/* discv4 Kademlia node table and protocol state machine, with no sockets
 * and no clock of its own.
 *
 * The caller owns the UDP socket and the clock: it hands every datagram to
 * kad_handle_packet, calls kad_tick when the time kad_tick last returned has
 * come, and sends what kad gives to the send callback. Time is the caller's
 * `now_ms`, milliseconds since the UNIX epoch (packet expirations are UNIX
 * seconds), so tests can run hundreds of nodes in one process on a fake
 * clock and a fake network. All state lives in the `kad` value; randomness
 * comes from a PRNG seeded by the caller.
 *
 * Protocol (devp2p discv4.md):
 * - Table: buckets by log distance of keccak256(id). Like geth we keep 17
 *   buckets: one per log distance 241..256 and one shared by all distances
 *   <= 240 (a random node falls there with probability 2^-16, so 240
 *   separate near buckets would stay empty in any real network). Each holds
 *   KAD_K live entries, least recently seen first, and KAD_REPLACEMENTS
 *   recently seen nodes to promote when an entry dies.
 * - A node enters the table only after answering our ping (a pong echoing
 *   the ping's hash), and its entry changes endpoint the same way: a ping
 *   from a node that has not answered one of ours at that endpoint (IP and
 *   UDP port) within 12 hours gets a pong and a ping of ours, whose pong
 *   adds it or moves its entry. What other nodes say of a node (Neighbors)
 *   never changes its entry; lookups use the entry's endpoint, not theirs.
 * - Newcomers named in Neighbors are pinged while fewer than half the
 *   request slots are busy; those of a full bucket only while fewer than
 *   a quarter are and its replacement list has room. When they answer
 *   they wait there, and revalidation promotes them.
 * - Records (EIP-868): a ping or pong advertising a higher ENR sequence
 *   number than we fetched for that table entry makes us send an
 *   ENRRequest (one in flight per node, only while half the request slots
 *   are free); the record comes as a KAD_EV_ENR event.
 * - Neighbors entries naming unspecified, multicast or reserved addresses
 *   are ignored, and so are loopback ones from a sender not on loopback
 *   and LAN ones from a sender on the Internet.
 * - Endpoint proof: FindNode and ENRRequest are answered only to a node
 *   that answered our ping within 12 hours, from the same IP. Before we send
 *   FindNode to a node that has not pinged us within 12 hours, we ping it
 *   and wait for its ping (it pings back to verify us) or a short time.
 * - Liveness: every revalidate interval the least recently seen entry of a
 *   random bucket is pinged; without a pong in KAD_TIMEOUT_MS it is removed
 *   and the most recent replacement takes its place.
 * - Refresh: at the first tick a lookup of our own id (seeded with the
 *   bootnodes while the table is empty), then a lookup of a random target
 *   every refresh interval.
 * - Lookups: up to KAD_ALPHA FindNode queries in flight, towards the KAD_K
 *   closest nodes heard of; a query ends when KAD_K neighbours arrived or
 *   after KAD_TIMEOUT_MS (Neighbors come in several packets).
 * - IP limits: at most 2 entries per /24 (IPv4) or /64 (IPv6) in a bucket
 *   and 10 in the table. Loopback addresses are exempt, so that local
 *   test networks on 127.0.0.1 work.
 * - Limits on what a peer makes us store: KAD_MAX_PENDING requests in
 *   flight, of which pings answering strangers' pings take at most three
 *   quarters; KAD_MAX_LOOKUPS lookups; a fixed bond cache (KAD_BOND_SLOTS,
 *   sets of KAD_BOND_WAYS picked by a salted hash of the id) where nodes
 *   that never answered our ping are evicted before verified ones.
 * - Query rate limit: queries (Ping, FindNode, ENRRequest) from one IP
 *   address draw on a token bucket of KAD_RATE_BURST tokens refilled at
 *   KAD_RATE_PER_S a second; a query finding it empty is dropped unread
 *   and unanswered. An honest node sends one host a few queries per
 *   lookup (ping, FindNode, ENRRequest) and a lookup every few seconds at
 *   most, so this only stops floods and reflection through us. Loopback gets KAD_RATE_LOOPBACK_PER_S and
 *   KAD_RATE_LOOPBACK_BURST, since a whole local test network shares
 *   127.0.0.1. The buckets live in a fixed table of KAD_RATE_SLOTS (sets
 *   of KAD_RATE_WAYS picked by a salted hash of the IP, least recently
 *   used evicted).
 *
 * Callbacks run inside kad calls; they must not call kad functions other
 * than the read-only ones (kad_count, kad_foreach, kad_contains...). */
#ifndef DURE_NET_KAD_H
#define DURE_NET_KAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "net/enode.h"
#include "net/enr.h"

#define KAD_K 16
#define KAD_NBUCKETS 17
#define KAD_REPLACEMENTS 10
#define KAD_ALPHA 3
#define KAD_MAX_PENDING 256
#define KAD_MAX_LOOKUPS 4
#define KAD_LOOKUP_CANDIDATES 32
#define KAD_BOND_SLOTS 512
#define KAD_BOND_WAYS 4              /* set-associative */
#define KAD_MAX_BOOTNODES 16
#define KAD_BUCKET_IP_LIMIT 2
#define KAD_TABLE_IP_LIMIT 10
#define KAD_TIMEOUT_MS 500
#define KAD_BOND_EXPIRY_MS (12ull * 3600 * 1000)
#define KAD_EXPIRATION_S 20           /* lifetime of packets we send */
#define KAD_REFRESH_MS (30ull * 60 * 1000)
#define KAD_REVALIDATE_MS 10000
#define KAD_RATE_SLOTS 256
#define KAD_RATE_WAYS 4
#define KAD_RATE_PER_S 10
#define KAD_RATE_BURST 20
#define KAD_RATE_LOOPBACK_PER_S 1000
#define KAD_RATE_LOOPBACK_BURST 1000

typedef struct kad kad;

enum kad_event_type {
	KAD_EV_ADDED,       /* node entered the table (try dialing it) */
	KAD_EV_REMOVED,     /* node left the table (failed revalidation) */
	KAD_EV_VERIFIED,    /* node answered our ping (persist it) */
	KAD_EV_LOOKUP_DONE, /* a lookup ended: target and results */
	KAD_EV_ENR,         /* a node's record arrived (kad_request_enr) */
};

typedef struct kad_event {
	enum kad_event_type type;
	const enode *node;      /* ADDED, REMOVED, VERIFIED, ENR */
	const enr *record;      /* ENR */
	const uint8_t *target;  /* LOOKUP_DONE: 64 bytes */
	const enode *results;   /* LOOKUP_DONE: closest responders first */
	size_t n_results;
} kad_event;

/* Sends pkt[0..len) to the UDP endpoint `to`. */
typedef void (*kad_send_fn)(void *arg, const net_endpoint *to,
                            const uint8_t *pkt, size_t len);
typedef void (*kad_event_fn)(void *arg, const kad_event *ev, uint64_t now_ms);

typedef struct kad_config {
	const enode *bootnodes;   /* copied; at most KAD_MAX_BOOTNODES */
	size_t n_bootnodes;
	kad_send_fn send;         /* required */
	void *send_arg;
	kad_event_fn on_event;    /* optional */
	void *event_arg;
	uint64_t seed;            /* PRNG seed (take it from the OS in a node) */
	uint64_t refresh_ms;      /* 0: KAD_REFRESH_MS */
	uint64_t revalidate_ms;   /* 0: KAD_REVALIDATE_MS */
	uint64_t enr_seq;         /* sequence number of our record */
} kad_config;

/* Creates a node table for the node with secret key seckey reachable at
 * self (IP, UDP and TCP port; put in our ENR and our pings). Returns 0,
 * DURE_EINVAL (no send callback, too many bootnodes), DURE_EKEY,
 * DURE_ENOMEM. *out is NULL on failure; free with kad_free. */
DURE_WUR int kad_new(const uint8_t seckey[32], const net_endpoint *self,
                     const kad_config *cfg, kad **out);

void kad_free(kad *k);

/* Our own node and record. */
const enode *kad_self(const kad *k);
const enr *kad_record(const kad *k);

/* Processes one datagram that arrived from `from` (its UDP source address
 * and port). Returns 0 when the packet was accepted, else why it was
 * dropped: DURE_EDISC_RATE (a query over its IP's rate limit), a
 * discv4_decode error, DURE_ERANGE (expired), DURE_ENOTFOUND (unsolicited
 * reply, or a query from a node without endpoint proof), DURE_EINVAL (a
 * packet from ourselves). Dropping is normal; the caller may
 * only count these. */
int kad_handle_packet(kad *k, uint64_t now_ms, const net_endpoint *from,
                      const uint8_t *data, size_t len);

/* Runs timers due at now_ms: request timeouts, lookups, revalidation and
 * refresh. Returns the time (ms) at which it wants to run next. */
uint64_t kad_tick(kad *k, uint64_t now_ms);

/* Pings n so that it enters the table when it answers (seeding from a
 * node database or the command line). Returns 0, DURE_EINVAL (ourselves,
 * no address), DURE_EBUSY (too many requests in flight). */
DURE_WUR int kad_add_node(kad *k, const enode *n, uint64_t now_ms);

/* Starts a lookup of the nodes closest to target (64-byte id); its end is
 * reported by a KAD_EV_LOOKUP_DONE event. Returns 0 or DURE_EBUSY when
 * KAD_MAX_LOOKUPS are running. */
DURE_WUR int kad_lookup(kad *k, const uint8_t target[64], uint64_t now_ms);

/* Asks n for its record (it must have pinged us recently, as for
 * FindNode); the answer comes as a KAD_EV_ENR event. Returns 0, DURE_EBUSY
 * (a request to n already in flight, or no request slot free) or
 * DURE_EINVAL. */
DURE_WUR int kad_request_enr(kad *k, const enode *n, uint64_t now_ms);

/* Number of live entries in the table. */
size_t kad_count(const kad *k);

/* Number of nodes waiting among the buckets' replacements. */
size_t kad_replacement_count(const kad *k);

/* Number of lookups running. */
size_t kad_lookups_running(const kad *k);

/* True if id is a live table entry. */
bool kad_contains(const kad *k, const uint8_t id[64]);

/* Calls fn for every live entry. */
void kad_foreach(const kad *k, void (*fn)(void *arg, const enode *n),
                 void *arg);

/* Writes up to max table entries closest to target (by keccak distance)
 * to out, closest first. Returns how many. */
size_t kad_closest(const kad *k, const uint8_t target[64], enode *out,
                   size_t max);

/* Writes up to max distinct live entries chosen at random (nodes to
 * dial). Returns how many. */
size_t kad_random_nodes(kad *k, enode *out, size_t max);

#endif
