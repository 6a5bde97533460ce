/* The eth_ methods that read the state or run messages over it, at any
 * block: "latest" and "pending" read the head's flat state (through the
 * dev node's head overlay when api_ctx has one), "earliest", a number or
 * a hash read the state after that canonical block (store/history.h).
 *
 *   eth_getBalance(address, block?)            quantity
 *   eth_getTransactionCount(address, block?)   quantity; at "pending" the
 *                                              pool's next nonce when
 *                                              the node has a pool
 *   eth_getCode(address, block?)               data
 *   eth_getStorageAt(address, slot, block?)    32-byte data; slot as a
 *                                              quantity or up to 32 bytes
 *                                              of data, as geth takes it
 *   eth_getProof(address, [slot], block?)      EIP-1186 {address,
 *                                              accountProof, balance,
 *                                              codeHash, nonce,
 *                                              storageHash, storageProof:
 *                                              [{key, value, proof}]}; the
 *                                              head block only (error
 *                                              -32000 for older blocks:
 *                                              the tries keep the head's
 *                                              nodes alone)
 *   eth_call(tx, block?, stateOverrides?, blockOverrides?)   data
 *   eth_estimateGas(tx, block?, stateOverrides?)             quantity
 *   eth_createAccessList(tx, block?)           {accessList, gasUsed,
 *                                              error?}
 *
 * The block defaults to "latest". A message runs as geth's eth_call does
 * (chain/call.h) in the block environment of the block named: its
 * number, timestamp, gas limit, coinbase, base fee, prevRandao and excess
 * blob gas. A revert answers error code 3, "execution reverted" or
 * "execution reverted: REASON" with Error(string) and Panic(uint256)
 * decoded as geth decodes them, and data the revert bytes; other failures
 * answer -32000 with geth's message. */
#ifndef DURE_API_ETH_STATE_H
#define DURE_API_ETH_STATE_H

#include <stdint.h>

#include "api/api.h"
#include "base/err.h"
#include "rpc/jsonrpc.h"

/* geth's default --rpc.gascap. */
#define API_ETH_GAS_CAP 50000000

/* The JSON-RPC error code of a revert (geth's revertError). */
#define API_ERR_REVERT 3
/* The code of every other failure of a state method, as geth's. */
#define API_ERR_SERVER (-32000)

typedef struct api_eth_state api_eth_state;

/* Registers the methods above in reg, serving from ctx (borrowed; it must
 * outlive the registry), with gas_cap the most gas a message may use (0:
 * none). Returns DURE_OK with *out (freed with api_eth_state_free after
 * the registry), DURE_ENOMEM or an rpc_register error; *out is NULL on
 * failure. */
DURE_WUR int api_eth_state_register(rpc_registry *reg, api_ctx *ctx,
                                    uint64_t gas_cap, api_eth_state **out);

/* NULL is allowed. */
void api_eth_state_free(api_eth_state *s);

#endif
