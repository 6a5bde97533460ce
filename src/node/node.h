/* A running node: configuration, the data directory, and the wiring of the
 * p2p server and the JSON-RPC server on one libuv loop.
 *
 * Data directory layout:
 *
 *     <datadir>/nodekey   secp256k1 node key, hex (mode 0600, created on
 *                         first start)
 *     <datadir>/db/       the LMDB environment (the node database lives in
 *                         it: nodes seen, to re-seed discovery at start)
 *     <datadir>/bft.wal   a BFT validator's write-ahead log of what it
 *                         signed (consensus/bft/wal.h)
 *
 * A data directory initialised with `dure init` holds a chain: the node
 * then speaks eth/68 (node/netchain.h), serves the eth JSON-RPC and, with
 * --mine, mines. Without one it runs only discovery and RLPx (and says
 * so), advertising no capability it cannot serve. On a BFT chain it also
 * speaks bft/1, and validates with --bft.key.
 *
 * The advertised IP address is --extip, else --addr, else 127.0.0.1 when
 * --addr is the unspecified address (a node reachable from elsewhere must
 * name its public address with --extip or --addr). */
#ifndef DURE_NODE_NODE_H
#define DURE_NODE_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/bytes.h"
#include "base/err.h"
#include "net/enode.h"

#define NODE_MAX_BOOTNODES 16

typedef struct api_account api_account;

typedef struct node_config {
	const char *datadir;     /* NULL: no data directory (bootnode only) */
	const char *nodekey;     /* key file; NULL: <datadir>/nodekey */
	net_endpoint bind;       /* --addr and the ports */
	net_endpoint extip;      /* ip_len 0: derived as described above */
	enode bootnodes[NODE_MAX_BOOTNODES];
	size_t nbootnodes;
	size_t maxpeers;
	bool discovery_only;     /* bootnode: no RLPx, no RPC */
	const char *rpc_addr;    /* NULL: no RPC server */
	uint16_t rpc_port;
	int verbosity;
	const char *client_id;   /* e.g. "Dure/v0.1.0/linux" */
	bool mine;               /* --mine */
	unsigned miner_threads;  /* --miner.threads (default 1) */
	address etherbase;       /* --etherbase */
	uint64_t network_id;     /* --networkid; 0: the chain id */
	const char *bft_key;     /* --bft.key FILE: validate a BFT chain */
	uint64_t bft_block_time_ms; /* --bft.block-time; 0: 1 s */
	bool bft_wait_txs;       /* --bft.wait-txs */
	const api_account *accounts; /* --unlock's, decrypted (borrowed) */
	size_t naccounts;
} node_config;

/* Parses a comma-separated list of enode URLs into cfg->bootnodes. Empty
 * items are skipped. Returns 0, DURE_EENODE / DURE_EKEY (a bad URL; its
 * text is written to stderr), DURE_ERANGE (more than NODE_MAX_BOOTNODES). */
DURE_WUR int node_parse_bootnodes(node_config *cfg, const char *list);

/* Parses an IP literal ("127.0.0.1", "::1"; "" means unspecified) into
 * ep's address. Returns 0 or DURE_EINVAL. */
DURE_WUR int node_parse_ip(const char *s, net_endpoint *ep);

/* Runs the node until SIGINT or SIGTERM, then shuts down cleanly. Prints
 * the node's enode URL to stdout once it listens. Returns 0 after a clean
 * shutdown, or the error that stopped it from starting (printed to
 * stderr). */
DURE_WUR int node_run(const node_config *cfg);

#endif
