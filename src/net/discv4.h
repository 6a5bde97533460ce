/* Node Discovery v4 packets: encoding, signing, decoding and verification.
 *
 * The codec knows nothing of tables or time except the expiration field:
 * discv4_decode checks size, hash, signature and structure; whether the
 * packet has expired is the caller's check (discv4_expired), so that old
 * test vectors still decode. Decoding follows EIP-8: extra list elements
 * and bytes after the packet-data list are ignored, the ping version is not
 * checked. Layout: see discv4.c. */
#ifndef DURE_NET_DISCV4_H
#define DURE_NET_DISCV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "net/enode.h"
#include "net/enr.h"

#define DISCV4_MAX_PACKET 1280
#define DISCV4_HEADER 98 /* hash 32 + signature 65 + type 1 */

/* Most nodes a Neighbors packet can carry: each node takes at least 71
 * bytes, and 1280 - 98 leaves room for 16. */
#define DISCV4_MAX_NEIGHBORS 16
/* Nodes we put in one Neighbors packet: 12 IPv6 nodes still fit. */
#define DISCV4_NEIGHBORS_PER_PACKET 12

enum discv4_type {
	DISCV4_PING = 1,
	DISCV4_PONG = 2,
	DISCV4_FINDNODE = 3,
	DISCV4_NEIGHBORS = 4,
	DISCV4_ENRREQUEST = 5,
	DISCV4_ENRRESPONSE = 6,
};

typedef struct discv4_ping {
	uint64_t version;
	net_endpoint from, to;
	bool has_enr_seq;
	uint64_t enr_seq;
} discv4_ping;

typedef struct discv4_pong {
	net_endpoint to;
	uint8_t ping_hash[32];
	bool has_enr_seq;
	uint64_t enr_seq;
} discv4_pong;

typedef struct discv4_findnode {
	uint8_t target[64];
} discv4_findnode;

typedef struct discv4_neighbors {
	size_t n;
	enode nodes[DISCV4_MAX_NEIGHBORS];
} discv4_neighbors;

typedef struct discv4_enrresponse {
	uint8_t request_hash[32];
	enr record;  /* verified, and signed by the packet's sender */
} discv4_enrresponse;

/* A packet's contents. On encode the caller fills `type`, `expiration` and
 * the member of `u` for the type (ENRResponse carries no expiration); on
 * decode everything is filled, including the sender id and packet hash. */
typedef struct discv4_packet {
	uint8_t type;            /* enum discv4_type */
	uint8_t hash[32];        /* decode: the packet's hash */
	uint8_t sender[64];      /* decode: recovered public key of the signer */
	uint64_t expiration;     /* UNIX seconds */
	union {
		discv4_ping ping;
		discv4_pong pong;
		discv4_findnode findnode;
		discv4_neighbors neighbors;
		discv4_enrresponse enrresponse;
	} u;
} discv4_packet;

/* Encodes and signs p with seckey into out (room for DISCV4_MAX_PACKET
 * bytes), writing the length to *len and the packet hash to hash (which a
 * pong or ENRResponse will echo). Returns 0, DURE_EINVAL for an unknown type
 * or too many neighbors, DURE_EDISC_SIZE when it would exceed 1280 bytes,
 * DURE_EKEY for a bad key, DURE_ENOMEM. Outputs are zeroed on failure. */
DURE_WUR int discv4_encode(const uint8_t seckey[32], const discv4_packet *p,
                           uint8_t out[DISCV4_MAX_PACKET], size_t *len,
                           uint8_t hash[32]);

/* Decodes and verifies the datagram data[0..n) into *out. Returns 0, or
 * DURE_EDISC_SIZE, DURE_EDISC_HASH, DURE_ESIG (signature does not recover),
 * DURE_EDISC_TYPE, DURE_EDISC_FORMAT (bad packet data), DURE_EENR / DURE_ESIG
 * (ENRResponse whose record is invalid or not the sender's). *out is zeroed
 * on failure. Does not check expiration. */
DURE_WUR int discv4_decode(const uint8_t *data, size_t n, discv4_packet *out);

/* True if the packet's expiration lies before now_s (UNIX seconds). An
 * ENRResponse has no expiration and never expires. */
bool discv4_expired(const discv4_packet *p, uint64_t now_s);

#endif
