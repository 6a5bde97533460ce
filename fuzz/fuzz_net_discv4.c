/* Fuzz target for discv4 decoding and the Kademlia state machine.
 *
 * Random bytes rarely pass the hash and signature checks, so the first
 * input byte picks a mode: even, the input is a raw datagram; odd, the rest
 * is packet-type || packet-data, which we sign with a fixed key to reach
 * the RLP decoding and the protocol handlers. Either way the datagram goes
 * to discv4_decode and to a node's kad_handle_packet and kad_tick, which
 * must not crash, and whatever decodes must re-encode and decode again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/keccak.h"
#include "crypto/secp.h"
#include "fuzz.h"
#include "net/discv4.h"
#include "net/kad.h"

#define T0 1700000000000ull

static const uint8_t peer_key[32] = {
	0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
	0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
	0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x01};
static const uint8_t node_key[32] = {
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
	0xcc, 0xdd, 0xee, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12};

static size_t sent;

static void count_send(void *arg, const net_endpoint *to, const uint8_t *pkt,
                       size_t len)
{
	if (len > DISCV4_MAX_PACKET)
		abort();
	sent++;
}

static size_t sign_body(const uint8_t *body, size_t n, uint8_t *out)
{
	uint8_t h[32], sig[64];
	int recid;
	keccak256(body, n, h);
	if (secp_sign(peer_key, h, sig, &recid))
		abort();
	memcpy(out + 32, sig, 64);
	out[96] = (uint8_t)recid;
	memcpy(out + 97, body, n);
	keccak256(out + 32, 65 + n, out);
	return 97 + n;
}

static discv4_packet pkt, again;

static void check_reencode(void)
{
	uint8_t buf[DISCV4_MAX_PACKET], h[32];
	size_t n;
	/* What decoded must encode (possibly dropping extension fields) and
	 * decode to the same fields. */
	if (pkt.type == DISCV4_ENRRESPONSE)
		return;
	if (discv4_encode(peer_key, &pkt, buf, &n, h))
		return; /* a decoded Neighbors of 16 IPv6 nodes may not fit */
	if (discv4_decode(buf, n, &again) || again.type != pkt.type ||
	    again.expiration != pkt.expiration)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	uint8_t dgram[DISCV4_MAX_PACKET + 64];
	size_t n;
	if (data[0] & 1) {
		if (size - 1 > DISCV4_MAX_PACKET - 97)
			return 0;
		n = sign_body(data + 1, size - 1, dgram);
	} else {
		if (size - 1 > sizeof dgram)
			return 0;
		n = size - 1;
		memcpy(dgram, data + 1, n);
	}
	if (discv4_decode(dgram, n, &pkt) == 0) {
		if (pkt.type == DISCV4_NEIGHBORS &&
		    pkt.u.neighbors.n > DISCV4_MAX_NEIGHBORS)
			abort();
		check_reencode();
	}

	kad_config cfg = {.send = count_send, .seed = 1};
	kad *k;
	net_endpoint self = {{10, 0, 0, 1}, 4, 30303, 30303};
	net_endpoint from = {{10, 0, 0, 2}, 4, 30303, 30303};
	if (kad_new(node_key, &self, &cfg, &k))
		abort();
	sent = 0;
	/* Twice: the first may be a ping that makes the node ping back. */
	(void)kad_handle_packet(k, T0, &from, dgram, n);
	(void)kad_handle_packet(k, T0, &from, dgram, n);
	(void)kad_tick(k, T0 + 1000);
	if (kad_count(k) > 1 || sent > 8)
		abort();
	kad_free(k);
	return 0;
}
