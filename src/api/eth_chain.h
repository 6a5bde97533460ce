/* The chain-reading methods of the eth_, net_ and web3_ namespaces, and
 * the polling filters, as geth answers them (field forms in ethjson.h):
 *
 *   web3_clientVersion, web3_sha3(data)
 *   net_version               the chain id in decimal
 *   eth_chainId, eth_blockNumber, eth_syncing (false)
 *   eth_gasPrice              the next block's base fee plus
 *                             eth_maxPriorityFeePerGas, as Anvil answers
 *                             (the base fee alone before London)
 *   eth_maxPriorityFeePerGas  Anvil's suggestion: the smallest effective tip
 *                             paid in the head block, at least 1 gwei
 *   eth_blobBaseFee           the next block's blob base fee
 *   eth_feeHistory(blockCount, newestBlock, rewardPercentiles)
 *                             geth's: blockCount capped at 1024 and at the
 *                             blocks that exist, at most 100 ascending
 *                             percentiles in [0, 100], rewards weighted by
 *                             the gas each tx used, sorted by effective tip
 *   eth_getBlockByNumber(block, full), eth_getBlockByHash(hash, full)
 *   eth_getBlockTransactionCountByNumber / ByHash
 *   eth_getUncleCountByBlockNumber / ByHash
 *   eth_getUncleByBlockNumberAndIndex / ByBlockHashAndIndex (null: no
 *                             uncles after the Merge)
 *   eth_getTransactionByHash  mined, else from the pool lookup if one is set
 *   eth_getTransactionByBlockNumberAndIndex / ByBlockHashAndIndex
 *   eth_getTransactionReceipt, eth_getBlockReceipts(block id)
 *   eth_getLogs({fromBlock, toBlock, address, topics, blockHash})
 *   eth_newFilter, eth_newBlockFilter, eth_newPendingTransactionFilter,
 *   eth_getFilterChanges, eth_getFilterLogs, eth_uninstallFilter
 *
 * An unknown block or transaction answers null, as geth does. Senders of
 * mined transactions are recovered from their signatures.
 *
 * Logs: a query covers at most API_LOGS_RANGE_MAX blocks ("exceed maximum
 * block range: 10000") and returns at most API_LOGS_RESULT_MAX logs
 * ("query returned more than 10000 results", the wording providers use and
 * clients such as ethers and viem split ranges on), both with code -32005
 * (EIP-1474 "limit exceeded"). A block whose header bloom cannot match the
 * query is skipped without reading its receipts.
 *
 * Filters: at most API_FILTERS_MAX at a time, each removed after
 * API_FILTER_TIMEOUT_MS without a poll. A block or pending-transaction
 * filter queues at most API_FILTER_QUEUE_MAX hashes between polls and drops
 * newer ones beyond that. A log filter reports, at each poll, within its
 * fromBlock/toBlock, first the matching logs of the blocks a reorg took
 * off the canonical chain since the previous poll, each with removed true
 * and its block's hash, oldest block first (geth's order), then those of
 * the canonical blocks sealed since the previous poll (or since it was
 * installed), a reorg's new branch included. A removed block is reported
 * when the filter reported it or it was sealed before the filter was
 * installed (geth reports those too); at most API_FILTER_QUEUE_MAX of them
 * wait between polls. */
#ifndef DURE_API_ETH_CHAIN_H
#define DURE_API_ETH_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "api/api.h"
#include "api/ethjson.h"
#include "base/bytes.h"
#include "base/clock.h"
#include "base/err.h"
#include "chain/tx.h"
#include "rpc/jsonrpc.h"

#define API_LOGS_RANGE_MAX 10000
#define API_LOGS_RESULT_MAX 10000
#define API_LOGS_ADDRESSES_MAX 1000  /* geth's maxAddresses */
#define API_LOGS_SUBTOPICS_MAX 1000  /* alternatives per topic position */
#define API_FEE_HISTORY_BLOCKS_MAX 1024
#define API_FEE_HISTORY_PERCENTILES_MAX 100
#define API_FILTERS_MAX 256
#define API_FILTER_QUEUE_MAX 4096
#define API_FILTER_TIMEOUT_MS (5u * 60 * 1000)
/* Anvil's MIN_SUGGESTED_PRIORITY_FEE. */
#define API_MIN_PRIORITY_FEE 1000000000ull

/* The state of the namespace: the chain it reads and the filter table. */
typedef struct api_eth_chain api_eth_chain;

/* Creates the namespace over ctx (borrowed; it must outlive *out) with
 * clock for filter expiry (NULL: the system clock). Returns DURE_OK or
 * DURE_ENOMEM (*out NULL). */
DURE_WUR int api_eth_chain_new(api_ctx *ctx, const dure_clock *clock,
                               api_eth_chain **out);

/* Frees ec and its filters. NULL is a no-op. */
void api_eth_chain_free(api_eth_chain *ec);

/* Looks a transaction up in the pool by hash: on DURE_OK *out (freed
 * with tx_free by the caller) and *from are filled; DURE_ENOTFOUND when
 * the pool does not hold it. eth_getTransactionByHash calls it for a hash
 * that is not mined. The node sets it when it has a pool (txpool.h does
 * not exist yet, so this layer cannot call the pool itself). */
typedef int (*api_pool_lookup_fn)(void *arg, const h256 *hash, tx *out,
                                  address *from);

/* The lookup over a txpool (arg is the txpool *): its entry's decoded
 * transaction and sender, DURE_ENOTFOUND when it is not pooled. */
DURE_WUR int api_txpool_lookup(void *pool, const h256 *hash, tx *out,
                               address *from);

/* Sets (fn NULL: clears) the pool lookup. */
void api_eth_chain_set_pool_lookup(api_eth_chain *ec, api_pool_lookup_fn fn,
                                   void *arg);

/* Registers every method above in reg, served from ec (which must outlive
 * reg). Returns DURE_OK or an rpc_register error. */
DURE_WUR int api_eth_chain_register(rpc_registry *reg, api_eth_chain *ec);

/* The node calls this when the head changes, with the route of the head
 * (blockchain_route's lists): removed, the blocks that left the canonical
 * chain, and added, the ones that joined it, each oldest first and of
 * consecutive numbers. Block filters queue the added hashes; log filters
 * queue the removed blocks to report their logs removed, and report the
 * added ones at their next poll. Also removes filters that expired. */
void api_filters_on_head(api_eth_chain *ec, const h256 *removed,
                         size_t nremoved, const h256 *added, size_t nadded);

/* The node calls this for every transaction its pool accepts: pending
 * transaction filters queue the hash. */
void api_filters_on_pending_tx(api_eth_chain *ec, const h256 *hash);

/* The log matching of eth_getLogs, for other log consumers
 * (eth_subscribe("logs")): a decoded filter criteria object. */
typedef struct api_log_filter api_log_filter;

/* Decodes criteria, an eth_getLogs filter object ({fromBlock, toBlock,
 * address, topics, blockHash}, with eth_getLogs' limits and messages),
 * into *out, freed by the caller with api_log_filter_free. Returns
 * DURE_OK, DURE_EINVAL with *e set, or DURE_ENOMEM; *out NULL on
 * failure. */
DURE_WUR int api_log_filter_new(const json_t *criteria, api_log_filter **out,
                                api_err *e);

/* NULL is a no-op. */
void api_log_filter_free(api_log_filter *f);

/* Whether block `number` with logs bloom `bloom` may hold a log f matches:
 * false when a numeric fromBlock or toBlock leaves it out (block tags
 * bound nothing), or when the bloom rules out f's addresses or topics. */
bool api_log_filter_block(const api_log_filter *f, uint64_t number,
                          const uint8_t bloom[256]);

/* Whether log l matches f's addresses and topics. */
bool api_log_filter_match(const api_log_filter *f, const state_log *l);

#endif
