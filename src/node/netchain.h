/* The chain side of a network node (`dure node`): the store and the
 * blockchain under the engine the genesis names, the pool, the eth/68
 * engine plugged into the p2p server, the miner, and the JSON-RPC
 * namespaces over them, all on the node's loop.
 *
 * Every block, from a peer, the sync or the miner, goes through one
 * import: blockchain_import, then for a new head the pool re-validated
 * (the transactions of blocks a reorg dropped come back), the head
 * gossiped, the miner restarted on it, and the RPC's filters and
 * subscriptions told. */
#ifndef DURE_NODE_NETCHAIN_H
#define DURE_NODE_NETCHAIN_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "api/api.h"
#include "base/bytes.h"
#include "base/err.h"
#include "db/db.h"
#include "net/server.h"
#include "rpc/jsonrpc.h"

typedef struct netchain_opts {
	bool mine;
	unsigned miner_threads;   /* >= 1 when mining */
	address etherbase;        /* the miner's rewards go here */
	uint64_t network_id;      /* 0: the chain id */
	int verbosity;
	const char *client_version; /* web3_clientVersion */
	/* A BFT chain's validator: its key (32 bytes) and WAL; NULL key:
	 * the node follows. */
	const uint8_t *bft_key;
	const char *bft_wal;
	uint64_t bft_block_time_ms; /* 0: 1 s */
	bool bft_wait_txs;
	/* The accounts of --unlock (borrowed, outliving the netchain):
	 * eth_accounts lists them, eth_sendTransaction and the eth_sign
	 * family sign with their keys. */
	const api_account *accounts;
	size_t naccounts;
} netchain_opts;

typedef struct netchain netchain;

/* Opens the chain in d (written by `dure init`). On a chain with a "bft"
 * config the BFT driver (consensus/bft/driver.h) runs beside eth/68,
 * which then imports through its gate. Returns DURE_OK, DURE_ENOTFOUND
 * when d holds no genesis, DURE_EINVAL for --mine on a chain whose engine
 * does not mine (no "pow" in its config) or a BFT key on a chain without
 * "bft", DURE_EBFT_SIGNER for a key that is not a validator's, or a store
 * or WAL error; *out NULL on failure. */
DURE_WUR int netchain_open(uv_loop_t *loop, db *d, const netchain_opts *o,
                           netchain **out);

/* The capabilities to announce (eth/68, and bft/1 on a BFT chain) and
 * their handlers for the p2p server, *n of each (valid while nc lives). */
const p2p_cap *netchain_caps(const netchain *nc, size_t *n);
const p2p_proto *netchain_protos(const netchain *nc, size_t *n);

/* Registers the eth_, net_version, txpool_ and debug_ namespaces in reg
 * (nc must outlive it). Returns DURE_OK or an rpc_register error. */
DURE_WUR int netchain_register(netchain *nc, rpc_registry *reg);

/* Starts the engine's timer, and the miner when asked for. Returns
 * DURE_OK or a miner error. */
DURE_WUR int netchain_start(netchain *nc);

/* Stops the timer and the miner, after the p2p server stopped: their
 * handles close in loop callbacks, so the loop runs afterwards. */
void netchain_stop(netchain *nc);

/* Frees everything, after the loop ran dry. NULL is a no-op. */
void netchain_free(netchain *nc);

#endif
