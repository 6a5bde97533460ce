/* Node identity: the secp256k1 node key, network endpoints and enode URLs.
 *
 * A node is named by its 64-byte public key x||y (the "node id"), and is
 * reached at an IP address (IPv4 or IPv6) with a UDP port for discovery and
 * a TCP port for RLPx. The enode URL prints both:
 *
 *     enode://<128 hex digits of the id>@<ip>:<tcp port>[?discport=<udp port>]
 *
 * IPv6 addresses are written in brackets ("[::1]:30303"). When discport is
 * absent the UDP port equals the TCP port. */
#ifndef DURE_NET_ENODE_H
#define DURE_NET_ENODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* An IP address and its two ports. ip_len is 4 (IPv4), 16 (IPv6) or 0 (no
 * address known, as a peer may send for its own "from" endpoint). */
typedef struct net_endpoint {
	uint8_t ip[16];
	uint8_t ip_len;
	uint16_t udp;
	uint16_t tcp;
} net_endpoint;

/* A node: its id (public key) and endpoint. */
typedef struct enode {
	uint8_t id[64];
	net_endpoint ep;
} enode;

/* Longest enode URL enode_format writes, NUL included. */
#define ENODE_URL_MAX 200

/* Parses an enode URL strictly: the scheme, exactly 128 hex digits of a
 * valid secp256k1 point, an IPv4 dotted quad or a bracketed IPv6 literal
 * (no host names), a decimal TCP port 0..65535, and optionally
 * "?discport=N" with N 1..65535; nothing else. Returns 0, DURE_EENODE, or
 * DURE_EKEY when the id is not on the curve. *out is zeroed on failure. */
DURE_WUR int enode_parse(const char *url, enode *out);

/* Writes the URL of n (NUL-terminated) into out[0..cap). Returns 0, or
 * DURE_ERANGE when cap is too small (use ENODE_URL_MAX) or DURE_EINVAL when
 * n has no IP address. */
DURE_WUR int enode_format(const enode *n, char *out, size_t cap);

/* True if ep is an IPv4 address in 127.0.0.0/8 or the IPv6 address ::1. */
bool net_is_loopback(const net_endpoint *ep);

/* True if a and b hold the same IP address (ports are not compared). */
bool net_ip_eq(const net_endpoint *a, const net_endpoint *b);

/* Reads the hex node key in `path` (64 hex digits, an optional 0x prefix,
 * surrounding whitespace allowed). Returns 0, DURE_ENOTFOUND when the file
 * does not exist, DURE_EIO when it cannot be read, DURE_ENODEKEY when it is
 * malformed or not a valid secret key. seckey is zeroed on failure. */
DURE_WUR int nodekey_load(const char *path, uint8_t seckey[32]);

/* Creates the key file `path` holding a new random key as 64 hex digits
 * (mode 0600, never overwriting: O_CREAT|O_EXCL), the key to seckey.
 * Returns 0 or DURE_EIO (errno says why: EEXIST for an existing file);
 * seckey is not to be used on failure. */
DURE_WUR int nodekey_create(const char *path, uint8_t seckey[32]);

/* Loads <datadir>/nodekey, or when it does not exist creates it with a new
 * random key (mode 0600, never overwriting: O_CREAT|O_EXCL). A malformed
 * existing file is an error (DURE_ENODEKEY), not replaced. Returns 0 or an
 * error code; seckey is zeroed on failure. The datadir must exist. */
DURE_WUR int nodekey_load_or_create(const char *datadir, uint8_t seckey[32]);

#endif
