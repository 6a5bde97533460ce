/* Ethereum Node Records (EIP-778) with the "v4" identity scheme.
 *
 * A record is the RLP list [signature, seq, k1, v1, k2, v2, ...], at most
 * 300 bytes, keys sorted and unique. The "v4" signature is the 64-byte r||s
 * of secp256k1 over keccak256(rlp([seq, k1, v1, ...])), made by the key in
 * the "secp256k1" pair (33-byte compressed point). Text form: "enr:" and the
 * unpadded URL-safe base64 of the RLP.
 *
 * An `enr` value keeps the verified encoding (to relay it unchanged) and the
 * fields this node understands: the public key, IPv4/IPv6 address and the
 * ports. Unknown pairs stay in the encoding only. */
#ifndef DURE_NET_ENR_H
#define DURE_NET_ENR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "net/enode.h"

#define ENR_MAX_SIZE 300

typedef struct enr {
	uint8_t raw[ENR_MAX_SIZE]; /* the signed RLP encoding */
	size_t raw_len;
	uint64_t seq;
	uint8_t pub[64];           /* node id from the "secp256k1" pair */
	bool has_ip4, has_ip6;
	uint8_t ip4[4], ip6[16];
	uint16_t tcp, udp;         /* 0 when absent */
	uint16_t tcp6, udp6;       /* 0 when absent */
} enr;

/* Builds and signs a "v4" record for seckey with sequence number seq and
 * the endpoint ep (the "ip"/"ip6", "tcp" and "udp" pairs; an endpoint with
 * no address or zero ports leaves those pairs out). Returns 0, DURE_EKEY for
 * an invalid key. *out is zeroed on failure. */
DURE_WUR int enr_build(const uint8_t seckey[32], uint64_t seq,
                       const net_endpoint *ep, enr *out);

/* Decodes and verifies a record from p[0..n) (exactly one RLP list): size,
 * canonical RLP, sorted unique keys, id "v4", a valid signature with low s
 * by the "secp256k1" key, and well-formed known values. Returns 0,
 * DURE_EENR, or DURE_ESIG for a bad signature. *out is zeroed on failure. */
DURE_WUR int enr_decode(const uint8_t *p, size_t n, enr *out);

/* Writes "enr:" + base64url(raw) with a NUL into out[0..cap). Returns 0 or
 * DURE_ERANGE when cap is too small (ENR_TEXT_MAX always suffices). */
#define ENR_TEXT_MAX (4 + (ENR_MAX_SIZE * 4 + 2) / 3 + 1)
DURE_WUR int enr_to_text(const enr *r, char *out, size_t cap);

/* Parses the text form (enr:...) and verifies it as enr_decode does.
 * Returns 0, DURE_EENR or DURE_ESIG; *out is zeroed on failure. */
DURE_WUR int enr_from_text(const char *text, enr *out);

/* The node of a record: its id and its IPv4 endpoint (else IPv6, using the
 * tcp6/udp6 ports when present). Returns 0, or DURE_ENOTFOUND when the
 * record has no IP address or UDP port. *out is zeroed on failure. */
DURE_WUR int enr_enode(const enr *r, enode *out);

#endif
