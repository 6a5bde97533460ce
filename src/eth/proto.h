/* The eth/68 wire protocol (devp2p caps/eth.md): message ids, limits, and
 * the encoders and strict decoders of every message. The layouts are
 * drawn in proto.c.
 *
 * Decoders read canonical RLP only (rlp/rlp.h), exact item counts (geth's
 * packets carry no "tail" field: a Status or NewBlock with extra elements
 * fails to decode there too), return DURE_EETH_MSG for malformed input
 * with their outputs zeroed, and take no memory beyond what the input's
 * size justifies. Slices (eth_slice) point into the input, which the
 * caller keeps alive. Encoders append to a buf and return DURE_OK or
 * DURE_ENOMEM (or the error of an object that does not encode). */
#ifndef DURE_ETH_PROTO_H
#define DURE_ETH_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/bytes.h"
#include "base/err.h"
#include "chain/block.h"
#include "chain/receipt.h"
#include "eth/forkid.h"
#include "u256/u256.h"

#define ETH_VERSION 68
#define ETH_MSG_COUNT 17   /* ids 0x00..0x10 */

/* Message ids, relative to the capability's offset. */
enum eth_msg_id {
	ETH_STATUS = 0x00,
	ETH_NEW_BLOCK_HASHES = 0x01,
	ETH_TRANSACTIONS = 0x02,
	ETH_GET_BLOCK_HEADERS = 0x03,
	ETH_BLOCK_HEADERS = 0x04,
	ETH_GET_BLOCK_BODIES = 0x05,
	ETH_BLOCK_BODIES = 0x06,
	ETH_NEW_BLOCK = 0x07,
	ETH_NEW_POOLED_TX_HASHES = 0x08,
	ETH_GET_POOLED_TXS = 0x09,
	ETH_POOLED_TXS = 0x0a,
	ETH_GET_RECEIPTS = 0x0f,
	ETH_RECEIPTS = 0x10,
};

/* Limits, geth's values. eth/protocols/eth/handler.go: maxPacketSize
 * (largest message read), softResponseLimit (a response stops after the
 * item that takes it past this), maxHeadersServe, maxBodiesServe,
 * maxReceiptsServe. eth/fetcher/tx_fetcher.go: maxTxAnnounces (hashes of
 * one announcement we read; also what we read of a NewBlockHashes) and
 * maxTxRetrievals (hashes per GetPooledTransactions, which geth asks for
 * and we answer). */
#define ETH_MAX_MSG_SIZE (10u * 1024 * 1024)
#define ETH_SOFT_RESPONSE_LIMIT (2u * 1024 * 1024)
#define ETH_MAX_HEADERS_SERVE 1024
#define ETH_MAX_BODIES_SERVE 1024
#define ETH_MAX_RECEIPTS_SERVE 1024
#define ETH_MAX_ANNOUNCE 4096
#define ETH_MAX_POOLED_TX_SERVE 256

/* The total difficulties geth accepts in Status and NewBlock are at most
 * 100 bits long (its handshake and NewBlockPacket.sanityCheck); a longer
 * one is malformed here too. */
#define ETH_MAX_TD_BITS 100

/* Borrowed bytes of a decoder's input. */
typedef struct eth_slice {
	const uint8_t *p;
	size_t n;
} eth_slice;

/* ---- Status (0x00) ---- */

typedef struct eth_status {
	uint64_t version, network_id;
	u256 td;
	h256 head, genesis;
	fork_id fork;
} eth_status;

DURE_WUR int eth_status_encode(const eth_status *s, buf *out);
/* Exactly [version, networkid, td, head, genesis, forkid]; td at most
 * ETH_MAX_TD_BITS. The values are not checked against ours here. Returns
 * DURE_OK or DURE_EETH_MSG. */
DURE_WUR int eth_status_decode(const uint8_t *p, size_t n, eth_status *out);

/* ---- NewBlockHashes (0x01) ---- */

typedef struct eth_block_ann {
	h256 hash;
	uint64_t number;
} eth_block_ann;

DURE_WUR int eth_new_block_hashes_encode(const eth_block_ann *a, size_t n,
                                         buf *out);
/* Reads the announcements into out[0..max), their number to *count.
 * Returns DURE_OK, DURE_EETH_MSG, or DURE_EETH_TOO_MANY for more than
 * max (outputs zeroed on failure). */
DURE_WUR int eth_new_block_hashes_decode(const uint8_t *p, size_t n,
                                         eth_block_ann *out, size_t max,
                                         size_t *count);

/* ---- transaction lists (Transactions 0x02; inside PooledTransactions) --
 * Items are legacy transactions as RLP lists and typed ones as RLP
 * strings holding type || rlp. */

/* Appends one transaction, given in its binary form (legacy: its RLP
 * list; typed: type || rlp, as txpool_entry.raw and eth_sendRawTransaction
 * hold it), as a list item. Check buf_failed(b). */
void eth_put_tx(buf *b, const uint8_t *bin, size_t n);

/* Decodes p[0..n), one list of transactions, into their binary forms
 * (slices of p) in out[0..max), their number to *count. Only the shape is
 * checked: a list item, or a string whose first byte is a type (below
 * 0x80); tx_decode does the rest. Returns DURE_OK, DURE_EETH_MSG or
 * DURE_EETH_TOO_MANY (outputs zeroed on failure). */
DURE_WUR int eth_txs_decode(const uint8_t *p, size_t n, eth_slice *out,
                            size_t max, size_t *count);

/* ---- requests and responses carrying a request id ---- */

/* GetBlockHeaders (0x03): [req_id, [origin, amount, skip, reverse]],
 * origin a 32-byte hash or a number. */
typedef struct eth_get_headers {
	uint64_t req_id;
	bool by_hash;      /* origin is hash, else number */
	h256 hash;
	uint64_t number;
	uint64_t amount, skip;
	bool reverse;
} eth_get_headers;

DURE_WUR int eth_get_headers_encode(const eth_get_headers *q, buf *out);
/* origin must be a 32-byte string (by hash) or an integer of at most 8
 * bytes, reverse 0 or 1. Returns DURE_OK or DURE_EETH_MSG. */
DURE_WUR int eth_get_headers_decode(const uint8_t *p, size_t n,
                                    eth_get_headers *out);

/* [req_id, [hash, ...]]: GetBlockBodies (0x05), GetPooledTransactions
 * (0x09), GetReceipts (0x0f). */
DURE_WUR int eth_hashes_req_encode(uint64_t req_id, const h256 *h, size_t n,
                                   buf *out);
/* Reads the request id and at most max hashes into out (*count of them);
 * the rest of a longer list must be well formed (32-byte strings) and is
 * ignored, as geth serves a prefix of a long request. Returns DURE_OK or
 * DURE_EETH_MSG. */
DURE_WUR int eth_hashes_req_decode(const uint8_t *p, size_t n,
                                   uint64_t *req_id, h256 *out, size_t max,
                                   size_t *count);

/* Splits [req_id, [items...]] into the request id and the encoding of the
 * whole inner list (*list, *list_len, pointing into p): a response's id
 * is checked before its items are read, and PooledTransactions' inner
 * list is eth_txs_decode's input. Returns DURE_OK or DURE_EETH_MSG. */
DURE_WUR int eth_request_split(const uint8_t *p, size_t n, uint64_t *req_id,
                               const uint8_t **list, size_t *list_len);

/* [req_id, [item, ...]]: BlockHeaders (0x04), BlockBodies (0x06),
 * Receipts (0x10). items[i] is the whole encoding of item i, a list (a
 * header, a body, one block's receipts); at most max of them. Returns
 * DURE_OK, DURE_EETH_MSG or DURE_EETH_TOO_MANY (outputs zeroed on
 * failure). */
DURE_WUR int eth_response_decode(const uint8_t *p, size_t n,
                                 uint64_t *req_id, eth_slice *items,
                                 size_t max, size_t *count);

/* Building a response: eth_response_begin appends [req_id, [ and returns
 * the outer list's mark (the inner one's to *inner); the caller appends
 * the items (headers with rlp_put_raw, bodies with eth_body_encode,
 * transactions with eth_put_tx, receipts with eth_receipts_put); then
 * eth_response_end closes both lists. Check buf_failed(b). */
size_t eth_response_begin(buf *b, uint64_t req_id, size_t *inner);
void eth_response_end(buf *b, size_t outer, size_t inner);

/* ---- block bodies (items of BlockBodies) ---- */

/* Appends b's body, [txs, ommers] or, with withdrawals (Shanghai on),
 * [txs, ommers, withdrawals]: the block's encoding without its header.
 * Returns DURE_OK or block_encode's error (nothing appended then, unless
 * the buf failed). */
DURE_WUR int eth_body_encode(const block *b, buf *out);

/* Decodes one body for header h into out (freed with block_free), with
 * out->h = *h. Strict as block_decode, whose bounds it shares; the body
 * must carry a withdrawals list exactly when h has a withdrawals root.
 * The body is not checked against h's roots (eth_body_check). Returns
 * DURE_OK, DURE_EETH_MSG, DURE_ENOMEM, or header_encode's error for an h
 * that does not encode; *out zeroed on failure. */
DURE_WUR int eth_body_decode(const uint8_t *p, size_t n, const header *h,
                             block *out);

/* Whether b's body is the one its header commits to: the transactions
 * root, the ommers hash and the withdrawals root (withdrawals the header
 * has no root for count as a mismatch of it). Returns DURE_OK,
 * DURE_EBLOCK_TX_ROOT, DURE_EBLOCK_OMMERS_HASH,
 * DURE_EBLOCK_WITHDRAWALS_ROOT, or DURE_ENOMEM. */
DURE_WUR int eth_body_check(const block *b);

/* ---- NewBlock (0x07): [block, td] ---- */

DURE_WUR int eth_new_block_encode(const block *b, const u256 *td, buf *out);
/* The block is decoded with block_decode (out freed with block_free); td
 * at most ETH_MAX_TD_BITS. Returns DURE_OK, DURE_EETH_MSG or DURE_ENOMEM
 * (outputs zeroed on failure). */
DURE_WUR int eth_new_block_decode(const uint8_t *p, size_t n, block *out,
                                  u256 *td);

/* ---- NewPooledTransactionHashes (0x08), eth/68 form ----
 * [types: bytes, [size, ...], [hash, ...]] */

typedef struct eth_tx_ann {
	uint8_t type;
	uint32_t size;     /* of the transaction's binary form */
	h256 hash;
} eth_tx_ann;

DURE_WUR int eth_tx_anns_encode(const eth_tx_ann *a, size_t n, buf *out);
/* Reads the announcements into out[0..max), *count of them. Sizes are at
 * most 32 bits (as geth's []uint32). Returns DURE_OK, DURE_EETH_MSG (also
 * when the three lengths differ), or DURE_EETH_TOO_MANY (outputs zeroed
 * on failure). */
DURE_WUR int eth_tx_anns_decode(const uint8_t *p, size_t n, eth_tx_ann *out,
                                size_t max, size_t *count);

/* ---- receipts (items of Receipts) ----
 * One block's receipts, eth/68 form: a list of each receipt's consensus
 * encoding, legacy ones as lists, typed ones as strings (type || rlp). */

/* Appends the list of r[0..n). Returns DURE_OK or DURE_ENOMEM. */
DURE_WUR int eth_receipts_put(buf *b, const receipt *r, size_t n);

/* Decodes one block's list into out[0..max) (each freed with
 * receipt_free), *count of them. Returns DURE_OK, DURE_EETH_MSG,
 * DURE_EETH_TOO_MANY or DURE_ENOMEM (outputs zeroed on failure). */
DURE_WUR int eth_receipts_decode(const uint8_t *p, size_t n, receipt *out,
                                 size_t max, size_t *count);

#endif
