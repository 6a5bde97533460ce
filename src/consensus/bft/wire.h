/* The "bft" capability, version 1: the BFT engine's messages on RLPx,
 * beside eth/68 (consensus/bft/vote.h says what is signed and how votes,
 * proposals and commits are encoded; the layouts are drawn in wire.c).
 *
 * Decoders refuse a message longer than BFT_WIRE_MSG_MAX before reading
 * it, read canonical RLP only (rlp/rlp.h) with exact item counts, and
 * return DURE_EBFT_MSG for malformed input with their outputs zeroed;
 * signatures are not checked here. Encoders append to a buf and return
 * DURE_OK or DURE_ENOMEM (or the error of a block that does not encode);
 * they do not check the values they are given. */
#ifndef DURE_CONSENSUS_BFT_WIRE_H
#define DURE_CONSENSUS_BFT_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "chain/block.h"
#include "consensus/bft/vote.h"

#define BFT_WIRE_NAME "bft"
#define BFT_WIRE_VERSION 1
#define BFT_WIRE_MSG_COUNT 4   /* ids 0x00..0x03 */

/* Largest message read: the largest block a proposal may carry, 16 MiB,
 * and room for the proposal and the list headers around it. */
#define BFT_WIRE_MSG_MAX ((16u << 20) + 4096)

/* Message ids, relative to the capability's offset. */
enum bft_wire_msg_id {
	BFT_WIRE_STATUS = 0x00,
	BFT_WIRE_PROPOSAL = 0x01,
	BFT_WIRE_VOTE = 0x02,
	BFT_WIRE_COMMIT = 0x03,
};

/* ---- Status (0x00): the sender's consensus position ---- */

typedef struct bft_wire_status {
	uint64_t height;
	uint32_t round;    /* below BFT_MAX_ROUND */
	uint8_t step;      /* BFT_STEP_PROPOSAL .. BFT_STEP_PRECOMMIT */
} bft_wire_status;

/* Appends [height, round, step]. Returns DURE_OK or DURE_ENOMEM. */
DURE_WUR int bft_wire_status_encode(const bft_wire_status *s, buf *out);

/* Decodes exactly [height, round, step] from p[0..n): any height, round
 * below BFT_MAX_ROUND, step 0..2. Returns DURE_OK or DURE_EBFT_MSG (*out
 * zeroed). */
DURE_WUR int bft_wire_status_decode(const uint8_t *p, size_t n,
                                    bft_wire_status *out);

/* ---- Proposal (0x01): a signed proposal and the block it names ---- */

typedef struct bft_wire_proposal {
	bft_proposal prop;
	block blk;         /* owned: free with block_free */
} bft_wire_proposal;

/* Appends [proposal, block], the block in block_encode's form. b's
 * header hash and number should be p's hash and height; that is not
 * checked. Returns DURE_OK, DURE_ENOMEM or block_encode's error (nothing
 * appended then, unless the buf failed). */
DURE_WUR int bft_wire_proposal_encode(const bft_proposal *p, const block *b,
                                      buf *out);

/* Decodes [proposal, block] from p[0..n): the proposal by
 * bft_proposal_decode, the block by block_decode, whose header must hash
 * to the proposal's hash and whose number must be its height. The block
 * is not validated against its parent or its body's roots. Returns
 * DURE_OK with out->blk owned by the caller (block_free), DURE_ENOMEM, or
 * DURE_EBFT_MSG (any other failure, the block decoder's included); *out
 * zeroed and nothing owned on failure. */
DURE_WUR int bft_wire_proposal_decode(const uint8_t *p, size_t n,
                                      bft_wire_proposal *out);

/* ---- Vote (0x02): one prevote or precommit, its wire form whole ---- */

/* Appends v's wire form. Returns DURE_OK or DURE_ENOMEM. */
DURE_WUR int bft_wire_vote_encode(const bft_vote *v, buf *out);

/* Decodes p[0..n) by bft_vote_decode. Returns DURE_OK or DURE_EBFT_MSG
 * (*out zeroed). */
DURE_WUR int bft_wire_vote_decode(const uint8_t *p, size_t n,
                                  bft_vote *out);

/* ---- Commit (0x03): [height, hash, commit] ---- */

/* Appends [c->height, c->hash, c's wire form]. Returns DURE_OK or
 * DURE_ENOMEM. */
DURE_WUR int bft_wire_commit_encode(const bft_commit *c, buf *out);

/* Decodes [height, hash, commit] from p[0..n): height at least 1, hash 32
 * bytes, commit by bft_commit_decode for that height and hash (so
 * out->height and out->hash are the message's). The signatures are not
 * verified (bft_commit_verify). Returns DURE_OK or DURE_EBFT_MSG (*out
 * zeroed). */
DURE_WUR int bft_wire_commit_decode(const uint8_t *p, size_t n,
                                    bft_commit *out);

#endif
