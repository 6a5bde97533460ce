/* The JSON forms of the Ethereum execution API (ethereum/execution-apis,
 * as geth's internal/ethapi prints and parses them): strict parameter
 * decoders, the encoders of quantities, data, blocks, transactions,
 * receipts and logs, and the resolver of a block parameter against the
 * chain store.
 *
 * Decoders are as strict as geth's hexutil:
 *   quantity  "0x" + minimal lowercase-or-uppercase hex: "0x0", "0x1f";
 *             refused: "", "0x", "1f", "0x01", more than 64 digits for a
 *             u256 or a value above 2^64-1 for a u64
 *   data      "0x" + an even number of hex digits ("0x" is empty data)
 *   address   data of exactly 20 bytes, hash exactly 32
 *   block     "latest" | "pending" | "safe" | "finalized" | "earliest" |
 *             a quantity up to 2^63-1 | (where geth takes a
 *             BlockNumberOrHash) a 32-byte hash string, or the EIP-1898
 *             object {"blockNumber": q} or
 *             {"blockHash": h, "requireCanonical": bool}
 * A decoder that refuses its input returns DURE_EINVAL and writes geth's
 * message into an api_err; api_err_arg prefixes "invalid argument N: "
 * and the handler replies it with RPC_INVALID_PARAMS (api_reply_err).
 *
 * Encoders return a new json_t reference (the caller owns it) or NULL when
 * memory runs out. Addresses and hashes print as lowercase hex, as geth
 * prints them (no EIP-55 checksum). Object keys come in the order the
 * execution-apis schema lists them; JSON consumers do not depend on it. */
#ifndef DURE_API_ETHJSON_H
#define DURE_API_ETHJSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "api/api.h"
#include "base/buf.h"
#include "base/bytes.h"
#include "base/err.h"
#include "chain/block.h"
#include "chain/receipt.h"
#include "chain/tx.h"
#include "db/db.h"
#include "rpc/jsonrpc.h"
#include "rpc/server.h"
#include "u256/u256.h"

/* Largest data parameter decoded: what the largest request body can
 * carry as hex. */
#define ETHJSON_DATA_MAX (RPC_BODY_MAX_DEFAULT / 2)

/* The message of a refused parameter (always NUL-terminated). */
#define API_ERR_MAX 256
typedef struct api_err {
	char msg[API_ERR_MAX];
} api_err;

/* Writes a printf-style message into e (truncated to fit). */
void api_errf(api_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Rewrites e's message as "invalid argument <index>: <message>", geth's
 * wording for a parameter that does not decode. */
void api_err_arg(api_err *e, unsigned index);

/* Replies call with RPC_INVALID_PARAMS and e's message. */
void api_reply_err(rpc_call *call, const api_err *e);

/* Replies call with RPC_INTERNAL_ERROR and dure_strerror(err) (a store
 * read that failed, memory that ran out). */
void api_reply_internal(rpc_call *call, int err);

/* Replies call with result, or with an internal error when result is NULL
 * (the encoders' out-of-memory). For a JSON null result use
 * rpc_reply(call, NULL). */
void api_reply_json(rpc_call *call, json_t *result);

/* ---- parameters ---- */

/* Checks the shape of params as geth does for a method taking nreq
 * required and at most nmax positional arguments: an array ("non-array
 * args" otherwise), no more than nmax ("too many arguments, want at most
 * N"), and a non-null value for each of the first nreq ("missing value
 * for required argument N"). Returns DURE_OK or DURE_EINVAL with *e set
 * (to reply as is, no "invalid argument" prefix). */
DURE_WUR int ethjson_params(const json_t *params, size_t nreq, size_t nmax,
                            api_err *e);

/* Argument i of a checked params array; NULL when absent or JSON null
 * (an optional argument not given). Borrowed. */
const json_t *ethjson_param(const json_t *params, size_t i);

/* Quantities into a u64 or a u256 (see the top of the file). Return
 * DURE_OK, or DURE_EINVAL with *e set and *out zeroed. */
DURE_WUR int ethjson_get_u64(const json_t *v, uint64_t *out, api_err *e);
DURE_WUR int ethjson_get_u256(const json_t *v, u256 *out, api_err *e);

/* Data of any length up to max bytes (at most ETHJSON_DATA_MAX), appended
 * to out. Returns DURE_OK, DURE_EINVAL with *e set (out as it was), or
 * DURE_ENOMEM. */
DURE_WUR int ethjson_get_data(const json_t *v, size_t max, buf *out,
                              api_err *e);

/* Data of exactly n bytes into out (an address: 20, a hash: 32). Returns
 * DURE_OK, or DURE_EINVAL with *e set and out zeroed. */
DURE_WUR int ethjson_get_fixed(const json_t *v, uint8_t *out, size_t n,
                               api_err *e);
DURE_WUR int ethjson_get_address(const json_t *v, address *out, api_err *e);
DURE_WUR int ethjson_get_hash(const json_t *v, h256 *out, api_err *e);

/* Member k of object o as a quantity, when present and not null (*has
 * tells); a refused value's message names k ("gas: ..."). Returns as
 * ethjson_get_u64 / ethjson_get_u256, DURE_OK when absent. */
DURE_WUR int ethjson_get_u64_field(const json_t *o, const char *k, bool *has,
                                   uint64_t *out, api_err *e);
DURE_WUR int ethjson_get_u256_field(const json_t *o, const char *k, bool *has,
                                    u256 *out, api_err *e);

/* Entries and storage keys (over all entries) an accessList parameter
 * may hold. */
#define ETHJSON_ACCESS_ENTRIES_MAX 4096
#define ETHJSON_ACCESS_KEYS_MAX 65536

/* An accessList ([{address, storageKeys: [hash...]}...]) into *list, n
 * entries, owned by the caller (each entry's keys, then the array, with
 * free) also on failure, when *n counts the entries to free. Returns
 * DURE_OK, DURE_EINVAL with *e set, or DURE_ENOMEM. */
DURE_WUR int ethjson_get_access_list(const json_t *v, tx_access **list,
                                     size_t *n, api_err *e);

/* A JSON boolean. Returns DURE_OK or DURE_EINVAL with *e set. */
DURE_WUR int ethjson_get_bool(const json_t *v, bool *out, api_err *e);

typedef enum api_block_kind {
	API_BLOCK_LATEST,
	API_BLOCK_PENDING,
	API_BLOCK_SAFE,
	API_BLOCK_FINALIZED,
	API_BLOCK_EARLIEST,
	API_BLOCK_NUMBER,
	API_BLOCK_HASH,
} api_block_kind;

/* A block parameter. number for API_BLOCK_NUMBER, hash and
 * require_canonical for API_BLOCK_HASH. */
typedef struct api_block_id {
	api_block_kind kind;
	uint64_t number;
	h256 hash;
	bool require_canonical;
} api_block_id;

/* A BlockNumber parameter (eth_getBlockByNumber, eth_feeHistory...): a
 * tag or a quantity. NULL (not given) is refused here; callers that
 * default to "latest" check first. Returns DURE_OK, or DURE_EINVAL with
 * *e set and *out zeroed. */
DURE_WUR int ethjson_get_block_number(const json_t *v, api_block_id *out,
                                      api_err *e);

/* A BlockNumberOrHash parameter (EIP-1898; eth_getBalance,
 * eth_getBlockReceipts...): a tag, a quantity, a 66-character hash
 * string, or {"blockNumber"} / {"blockHash", "requireCanonical"} (both
 * keys: "cannot specify both BlockHash and BlockNumber, choose one or the
 * other"; neither: "invalid arguments; neither block nor hash
 * specified"). Returns as ethjson_get_block_number. */
DURE_WUR int ethjson_get_block_id(const json_t *v, api_block_id *out,
                                  api_err *e);

/* Resolves id against ctx's chain in the read transaction t, writing the
 * header and hash of the block it names. On a dev chain every tag but
 * "earliest" names the head: blocks are final as soon as they are sealed
 * (no consensus client to lag behind), and there is no pending block
 * while the node automines, so "pending" reads the head as Anvil does.
 * "earliest" is block 0. A number names the canonical block at it; a
 * hash any stored block, or only a canonical one with
 * require_canonical. Returns DURE_OK; DURE_ENOTFOUND for a block that
 * does not exist (above the head, unknown hash, or not canonical when
 * required): methods then answer null, or an error where geth does;
 * or a store error. h and hash are zeroed on failure. */
DURE_WUR int api_block_resolve(api_ctx *ctx, db_txn *t,
                               const api_block_id *id, header *h,
                               h256 *hash);

/* ---- encoders ---- */

/* "0x" + minimal hex ("0x0" for zero). */
json_t *ethjson_u64(uint64_t v);
json_t *ethjson_u256(const u256 *v);
/* "0x" + 2n lowercase hex digits ("0x" for no bytes). */
json_t *ethjson_data(const uint8_t *p, size_t n);
json_t *ethjson_address(const address *a);
json_t *ethjson_hash(const h256 *h);

/* Where a mined transaction sits. */
typedef struct api_tx_loc {
	const header *h;         /* its block's header (borrowed) */
	const h256 *block_hash;
	uint64_t index;          /* in the block */
} api_tx_loc;

/* The price a transaction pays per gas: its gas price (types 0 and 1),
 * or min(max fee, base fee + max priority fee) in a block with a base
 * fee; in a block without one, or pending (base_fee NULL), a fee-market
 * transaction's max fee, as geth prints it. */
u256 ethjson_effective_gas_price(const tx *t, const u256 *base_fee);

/* The address a creation by sender at nonce deploys to:
 * keccak256(rlp([sender, nonce]))[12:]. */
void ethjson_create_address(const address *sender, uint64_t nonce,
                            address *out);

/* A transaction object (geth's RPCTransaction): blockHash, blockNumber,
 * from, gas, gasPrice, maxFeePerGas, maxPriorityFeePerGas,
 * maxFeePerBlobGas, hash, input, nonce, to (null for a creation),
 * transactionIndex, value, type, accessList, chainId,
 * blobVersionedHashes, v, r, s, yParity, each fee-market field only for
 * the types that have it, chainId for a legacy tx only with EIP-155.
 * gasPrice is ethjson_effective_gas_price's. loc NULL: a pending
 * transaction, with null blockHash, blockNumber and transactionIndex.
 * hash NULL: computed. Returns DURE_OK with *out owned by the caller,
 * or DURE_ENOMEM / an encoding error with *out NULL. */
DURE_WUR int ethjson_tx(const tx *t, const h256 *hash, const address *from,
                        const api_tx_loc *loc, json_t **out);

/* Where a log sits. log_index counts the logs of the whole block. */
typedef struct api_log_loc {
	const h256 *block_hash;
	uint64_t block_number;
	const h256 *tx_hash;
	uint64_t tx_index;
	uint64_t log_index;
	bool removed;            /* dropped from the chain by a reorg */
} api_log_loc;

/* A log object: address, topics, data, blockNumber, transactionHash,
 * transactionIndex, blockHash, logIndex, removed. */
json_t *ethjson_log(const state_log *l, const api_log_loc *loc);

/* A receipt object (geth's MarshalReceipt): blockHash, blockNumber,
 * transactionHash, transactionIndex, from, to, cumulativeGasUsed,
 * gasUsed, contractAddress (null unless t creates a contract),
 * logs (each log's logIndex from first_log_index on), logsBloom, type,
 * effectiveGasPrice, status, or root before Byzantium, and for blob
 * transactions blobGasUsed and blobGasPrice (from the block's excess blob
 * gas). Returns DURE_OK with *out owned by the caller, or DURE_ENOMEM /
 * an encoding error with *out NULL. */
DURE_WUR int ethjson_receipt(const receipt *r, const tx *t,
                             const h256 *tx_hash, const address *from,
                             const api_tx_loc *loc, uint64_t first_log_index,
                             json_t **out);

/* A block object: number, hash, parentHash, nonce, sha3Uncles,
 * logsBloom, transactionsRoot, stateRoot, receiptsRoot, miner,
 * difficulty, totalDifficulty (when td is not NULL), extraData, size (the
 * length of the block's RLP), gasLimit, gasUsed, timestamp, transactions
 * (hashes, or with full set transaction objects whose senders are
 * senders[i], or recovered with tx_sender when senders is NULL), uncles
 * (the ommers' hashes), mixHash, and, only when the header has them,
 * baseFeePerGas, withdrawalsRoot with withdrawals ({index,
 * validatorIndex, address, amount}), blobGasUsed, excessBlobGas,
 * parentBeaconBlockRoot. hash NULL: computed. Returns DURE_OK with *out
 * owned by the caller; DURE_ESIG for a sender that does not recover,
 * DURE_ENOMEM or an encoding error, with *out NULL. */
DURE_WUR int ethjson_block(const block *b, const h256 *hash, const u256 *td,
                           bool full, const address *senders, json_t **out);

#endif
