/* JSON-RPC methods over the p2p server: the admin_ and net_ namespaces,
 * web3_clientVersion, and dure_ extensions.
 *
 *   admin_nodeInfo            {enode, id, ip, ports {discovery, listener},
 *                              listenAddr, name, protocols}
 *   admin_peers               [{id, enode, name, caps, network {localAddress,
 *                              remoteAddress, inbound, trusted, static}}]
 *   admin_addPeer(url)        true: a static peer, dialled while not
 *                              connected
 *   admin_removePeer(url)     true if it was static or connected
 *   admin_addTrustedPeer(url) true: accepted beyond --maxpeers
 *   admin_removeTrustedPeer(url)
 *   net_peerCount             hex quantity
 *   net_listening             true
 *   web3_clientVersion        the client id
 *   dure_discoveryTable       {size, nodes: [enode URL], verified,
 *                              verifiedNodes: [enode URL]}: the live entries
 *                              of the discv4 Kademlia table, and every node
 *                              whose endpoint we verified (it answered our
 *                              ping) in the last API_ADMIN_VERIFIED_MS,
 *                              including those a full bucket turned away
 *   dure_p2pStats             {table, verified, peers, inbound, outbound,
 *                              bans}
 *
 * Ids are the 64-byte node id as 128 hex digits, as in enode URLs. */
#ifndef DURE_API_ADMIN_H
#define DURE_API_ADMIN_H

#include "base/err.h"
#include "net/server.h"
#include "rpc/jsonrpc.h"

#define API_ADMIN_VERIFIED_MS (30ull * 60 * 1000)

/* What the methods need; the caller keeps it alive while the registry
 * serves them. */
typedef struct api_admin_ctx {
	p2p_server *p2p;
	const char *client_id;
	const char *listen_addr;  /* "ip:port" the TCP listener is bound to */
	const p2p_cap *caps;
	size_t ncaps;
} api_admin_ctx;

/* Registers every method above in reg with ctx. Returns 0 or an
 * rpc_register error. */
DURE_WUR int api_admin_register(rpc_registry *reg, api_admin_ctx *ctx);

/* web3_clientVersion from ctx->client_id, for a node without a chain
 * (the eth namespace serves it otherwise). */
DURE_WUR int api_admin_register_client_version(rpc_registry *reg,
                                               api_admin_ctx *ctx);

#endif
