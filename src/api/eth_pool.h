/* The methods that put transactions into the pool, sign for the node's
 * unlocked accounts, or show the pool:
 *
 *   eth_sendRawTransaction(data)        hash; the pool's rules decide
 *   eth_sendTransaction(tx)             hash; fills nonce, gas, fees and
 *                                       chain id, signs with the key of
 *                                       `from` (an unlocked account)
 *   eth_signTransaction(tx)             the signed transaction's encoding
 *   eth_sign(address, data)             EIP-191 signature, 65 bytes
 *   personal_sign(data, address)        the same, parameters swapped
 *   eth_signTypedData_v4(address, typedData)  EIP-712 signature
 *   eth_accounts                        the unlocked accounts
 *   txpool_status                       {pending, queued} counts
 *   txpool_content                      {pending, queued}: sender ->
 *                                       nonce -> transaction object
 *   txpool_inspect                      the same with one-line summaries
 *
 * A refused transaction is answered with error -32000 and the message
 * clients match on (geth's): "nonce too low", "insufficient funds for gas
 * * price + value", "intrinsic gas too low", "transaction underpriced",
 * "replacement transaction underpriced", "exceeds block gas limit",
 * "already known", "max fee per gas less than block base fee", "invalid
 * chain id for signer", "nonce too high"; nothing is pooled then. */
#ifndef DURE_API_ETH_POOL_H
#define DURE_API_ETH_POOL_H

#include "api/api.h"
#include "base/err.h"
#include "rpc/jsonrpc.h"

/* Registers the methods above with ctx (which must have a pool). Returns
 * DURE_OK or an rpc_register error. */
DURE_WUR int api_eth_pool_register(rpc_registry *reg, api_ctx *ctx);

/* The message a client sees for a transaction the pool or the chain
 * refused with err (a DURE_EPOOL_*, DURE_ETX_*, DURE_ETR_* code). */
const char *api_tx_error(int err);

#endif
