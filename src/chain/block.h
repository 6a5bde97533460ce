/* Blocks: the header through Cancun, withdrawals (EIP-4895), the body, and
 * the roots a header commits to (transactions, receipts, withdrawals) and
 * its logs bloom.
 *
 * Header encoding, an RLP list in this order; the optional tail fields
 * appear in order from the fork that introduced them on, and a header
 * carries a prefix of them (never a later one without the earlier):
 *
 *    0 parentHash       32 bytes       10 gasUsed          u64
 *    1 ommersHash       32 bytes       11 timestamp        u64
 *    2 coinbase         20 bytes       12 extraData        bytes
 *    3 stateRoot        32 bytes       13 mixHash          32 bytes
 *    4 transactionsRoot 32 bytes       14 nonce            8 bytes
 *    5 receiptsRoot     32 bytes       15 baseFeePerGas    u256 (London)
 *    6 logsBloom        256 bytes      16 withdrawalsRoot  32 bytes (Shanghai)
 *    7 difficulty       u256           17 blobGasUsed      u64 (Cancun)
 *    8 number           u64            18 excessBlobGas    u64 (Cancun)
 *    9 gasLimit         u64            19 parentBeaconRoot 32 bytes (Cancun)
 *
 * Block encoding: rlp[header, [tx...], [ommer header...], [withdrawal...]]
 * with the withdrawals list present from Shanghai on. A transaction in the
 * list is a legacy RLP list, or a typed transaction as an RLP string whose
 * payload is type || rlp (EIP-2718).
 *
 * Withdrawal: rlp[index u64, validatorIndex u64, address 20 bytes,
 * amount u64 in gwei].
 *
 * A header is a plain value (no owned memory); a block owns its arrays. */
#ifndef DURE_CHAIN_BLOCK_H
#define DURE_CHAIN_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/bytes.h"
#include "base/err.h"
#include "chain/receipt.h"
#include "chain/tx.h"
#include "u256/u256.h"

/* Largest extraData a header decodes with. Consensus limits are lower (32
 * bytes on Ethereum; a BFT chain's header carries its parent's commit,
 * at most BFT_COMMIT_MAX bytes, consensus/bft/vote.h) and are checked by
 * validation, so that an oversized field is reported as the rule it
 * breaks; this bound only caps memory. */
#define HEADER_EXTRA_MAX 2304

/* keccak256(rlp([])): the ommers hash of a block without ommers. */
extern const h256 EMPTY_OMMERS_HASH;

typedef struct header {
	h256 parent_hash;
	h256 ommers_hash;
	address coinbase;
	h256 state_root;
	h256 tx_root;
	h256 receipts_root;
	uint8_t bloom[256];
	u256 difficulty;
	uint64_t number;
	uint64_t gas_limit;
	uint64_t gas_used;
	uint64_t timestamp;
	uint8_t extra[HEADER_EXTRA_MAX];
	size_t extra_len;
	h256 mix_hash;           /* PREVRANDAO after the Merge */
	uint8_t nonce[8];
	bool has_base_fee;       /* London on */
	u256 base_fee;
	bool has_withdrawals_root; /* Shanghai on */
	h256 withdrawals_root;
	bool has_blob_gas;       /* Cancun on: blobGasUsed and excessBlobGas */
	uint64_t blob_gas_used;
	uint64_t excess_blob_gas;
	bool has_parent_beacon_root; /* Cancun on */
	h256 parent_beacon_root;
} header;

typedef struct withdrawal {
	uint64_t index;
	uint64_t validator;
	address addr;
	uint64_t amount_gwei;
} withdrawal;

typedef struct block {
	header h;
	tx *txs;                 /* owned, each freed with tx_free */
	size_t ntxs;
	header *ommers;          /* owned */
	size_t nommers;
	bool has_withdrawals;    /* the body carries the withdrawals list */
	withdrawal *withdrawals; /* owned */
	size_t nwithdrawals;
} block;

/* Decodes one header (exactly one RLP list, nothing after it). Strict:
 * non-canonical RLP, fixed-size fields of the wrong size (DURE_ERLP_SIZE),
 * integers too large for their field (DURE_ERLP_INT_SIZE), fewer than 15,
 * more than 20 or exactly 18 fields (blobGasUsed without excessBlobGas)
 * (DURE_EBLOCK_FORMAT), extraData above HEADER_EXTRA_MAX
 * (DURE_EBLOCK_EXTRA_DATA) are rejected. Returns DURE_OK, or a
 * DURE_ERLP_* / DURE_EBLOCK_* code with *out zeroed. */
DURE_WUR int header_decode(const uint8_t *p, size_t n, header *out);

/* Appends the RLP of h, with the optional fields h says it has. Returns
 * DURE_OK, DURE_ENOMEM, or DURE_EBLOCK_FORMAT when a present optional
 * field follows an absent one. */
DURE_WUR int header_encode(const header *h, buf *out);

/* Appends the RLP of h's field list without mixHash and nonce (what a
 * proof of work seals, consensus/pow.h). Returns as header_encode. */
DURE_WUR int header_encode_unsealed(const header *h, buf *out);

/* keccak256 of header_encode(h). Returns DURE_OK or header_encode's
 * error (*out zeroed). */
DURE_WUR int header_hash(const header *h, h256 *out);

/* Frees what b owns and zeroes it. Safe on a zeroed block. */
void block_free(block *b);

/* Decodes a block (exactly one RLP list). Every transaction is decoded
 * strictly as tx_decode does; a typed transaction must arrive as an RLP
 * string, a legacy one as a list (DURE_ETX_TYPE for a string that holds
 * no type byte). The body must carry a withdrawals list exactly when the
 * header has a withdrawals root, and a block list has 3 or 4 items, a
 * withdrawal 4 fields (DURE_EBLOCK_FORMAT otherwise). Returns DURE_OK
 * and fills *out (freed with block_free), or an error with *out zeroed.
 * Arrays are sized by counting the items first, each at least as long as
 * the shortest that can decode, so the memory taken is bounded by n: at
 * worst (10-byte legacy transactions) about 36 bytes of tx structs per
 * input byte, which is why callers must bound n where blocks enter (a
 * peer's message, a file's block). */
DURE_WUR int block_decode(const uint8_t *p, size_t n, block *out);

/* Appends the RLP of b (nothing on failure unless the buf failed).
 * Returns DURE_OK, DURE_ENOMEM, DURE_EBLOCK_FORMAT when has_withdrawals
 * differs from h.has_withdrawals_root, or an encoding error of
 * header_encode / tx_encode. */
DURE_WUR int block_encode(const block *b, buf *out);

/* The roots of a block's lists: the trie keyed by rlp(index) whose values
 * are each item's consensus encoding (a transaction's network form, a
 * receipt's receipt_encode, a withdrawal's RLP). Empty lists give
 * TRIE_EMPTY_ROOT. Return DURE_OK or DURE_ENOMEM / an encoding error
 * (*out zeroed). */
DURE_WUR int block_tx_root(const tx *txs, size_t n, h256 *out);
DURE_WUR int block_receipts_root(const receipt *r, size_t n, h256 *out);
DURE_WUR int block_withdrawals_root(const withdrawal *w, size_t n,
                                    h256 *out);

/* keccak256 of the RLP list of the ommer headers. */
DURE_WUR int block_ommers_hash(const header *ommers, size_t n, h256 *out);

/* ORs together the blooms of the receipts into bloom (zeroed first). */
void block_bloom(const receipt *r, size_t n, uint8_t bloom[256]);

#endif
