/* The dev namespace of a development node, under the names Anvil and
 * Hardhat Network give the same methods (both are registered where both
 * exist), answering as Anvil answers:
 *
 *   evm_mine([timestamp | {timestamp, blocks}])   "0x0"
 *   anvil_mine / hardhat_mine([count], [interval])  null; count blocks
 *                                  (default 1), interval seconds apart
 *   evm_setAutomine(bool)                         null
 *   anvil_getAutomine / hardhat_getAutomine       bool
 *   evm_setIntervalMining / anvil_setIntervalMining(seconds)  null; 0 off
 *   evm_snapshot / anvil_snapshot                 id ("0x1", ...)
 *   evm_revert / anvil_revert(id)                 bool: the id was known
 *   evm_increaseTime / anvil_increaseTime(seconds)  the total offset
 *   evm_setNextBlockTimestamp / anvil_setNextBlockTimestamp(ts)  null
 *   anvil_setBalance / hardhat_setBalance(address, wei)       null
 *   anvil_setCode / hardhat_setCode(address, code)            null
 *   anvil_setNonce / hardhat_setNonce(address, nonce)         null
 *   anvil_setStorageAt / hardhat_setStorageAt(address, slot, value)  true
 *   anvil_setCoinbase / hardhat_setCoinbase(address)          null
 *   evm_setBlockGasLimit(gas)                     true; every later block
 *   anvil_setNextBlockBaseFeePerGas / hardhat_...(wei)  null; the next block
 *   hardhat_setPrevRandao(bytes32)                null; the next block
 *   anvil_setMinGasPrice / hardhat_setMinGasPrice  refused: EIP-1559 is on
 *   anvil_reset / hardhat_reset([{}])             null; back to genesis
 *                                  (forking refused)
 *   anvil_impersonateAccount / hardhat_impersonateAccount(address)  null:
 *                                  eth_sendTransaction sends from it
 *                                  without a key
 *   anvil_stopImpersonatingAccount / hardhat_stopImpersonatingAccount
 *   anvil_autoImpersonateAccount(bool)            every address
 *   anvil_dropTransaction / hardhat_dropTransaction(hash)     the hash if
 *                                  it was pooled, else null
 *   anvil_nodeInfo, hardhat_metadata              what tools probe for
 *   eth_coinbase, net_listening, net_peerCount (0: a dev node has no
 *   peers)
 *
 * Numbers are taken as hex quantities or as JSON integers, as clients
 * send both. */
#ifndef DURE_API_DEV_H
#define DURE_API_DEV_H

#include <stdint.h>

#include "api/api.h"
#include "base/err.h"
#include "consensus/dev.h"
#include "rpc/jsonrpc.h"

/* Blocks one anvil_mine call produces at most. */
#define API_DEV_MINE_MAX 100000
/* Accounts impersonated at once at most. */
#define API_DEV_IMPERSONATE_MAX 1024

typedef struct api_dev_ctx {
	api_ctx *api;
	dev *d;
	/* Starts (seconds > 0) or stops (0) interval mining: the node owns
	 * the timer. */
	void (*set_interval)(void *ictx, uint64_t seconds);
	void *interval_ctx;
	const char *hardfork;    /* for anvil_nodeInfo */
	const char *client_version; /* hardhat_metadata's clientVersion */
	/* Kept by the methods (start zeroed; api_dev_free releases them). */
	address *imp;
	size_t nimp;
	bool auto_imp;
} api_dev_ctx;

/* Whether a is impersonated: the shape of api_ctx.impersonated, with the
 * api_dev_ctx as its context. */
bool api_dev_impersonated(void *ctx, const address *a);

/* Frees what the methods kept in ctx. */
void api_dev_free(api_dev_ctx *ctx);

/* Registers the methods above with ctx (kept alive by the caller).
 * Returns DURE_OK or an rpc_register error. */
DURE_WUR int api_dev_register(rpc_registry *reg, api_dev_ctx *ctx);

#endif
