/* The BFT engine's chain rules: what a block of a BFT chain must carry so
 * that any node, also one that syncs long after, checks its finality from
 * the chain alone.
 *
 * A BFT chain's genesis config has a "bft" object (chain/config.h) naming
 * the validators and their voting power. The validator set of height h is
 * that set with its proposer priority incremented h times
 * (consensus/bft/valset.h); sets do not change yet.
 *
 * The engine's rules for a header h, child of parent:
 *
 *   config     the chain has a "bft" object          else DURE_EBLOCK_FIELDS
 *   difficulty 1 (so total difficulty is the height) else DURE_EBLOCK_DIFFICULTY
 *   nonce      zero                                  else DURE_EBLOCK_NONCE
 *   mix        mixHash zero (PREVRANDAO is 0)        else DURE_EBLOCK_SEAL
 *   ommers     ommersHash = EMPTY_OMMERS_HASH, the body carries none
 *                                                    else DURE_EBLOCK_OMMERS
 *   coinbase   a validator of h's height's set       else DURE_EBFT_SIGNER
 *   extra      for parent = genesis: empty; else the commit of parent
 *              (consensus/bft/vote.h: rlp([round, [[index, sig]...]]),
 *              at most BFT_COMMIT_MAX bytes) that bft_commit_verify
 *              accepts against the set of parent's height
 *                                  else DURE_EBLOCK_EXTRA_DATA (size),
 *                                  DURE_EBFT_MSG (shape), or
 *                                  bft_commit_verify's error
 *
 * So a block's finality is proven by its child's header, as CometBFT's
 * LastCommit does; the newest block's commit travels beside the chain (the
 * bft protocol) until its child is made.
 *
 * No block reward (finalize pays nothing; fees go to the coinbase during
 * execution). Fork choice (prefer): the candidate wins only with a
 * strictly greater total difficulty, i.e. a higher block; a final block
 * is never replaced by one of equal height.
 *
 * prepare: difficulty 1, nonce 0, mix hash 0, empty ommers hash; the
 * extra data (the parent's commit) is the proposer's to set. */
#ifndef DURE_CONSENSUS_BFT_RULES_H
#define DURE_CONSENSUS_BFT_RULES_H

#include <stdint.h>

#include "base/err.h"
#include "chain/config.h"
#include "consensus/bft/valset.h"
#include "consensus/bft/vote.h"
#include "consensus/engine.h"

typedef struct bft_rules bft_rules;

/* The rules of c's chain (c must have has_bft; c is copied). Returns
 * DURE_OK, DURE_EINVAL (no "bft" object, or a set valset_init refuses),
 * or DURE_ENOMEM; *out NULL on failure. */
DURE_WUR int bft_rules_new(const chain_config *c, bft_rules **out);

/* Frees r; NULL is ignored. */
void bft_rules_free(bft_rules *r);

/* The engine to open the blockchain with; valid while r lives. */
const engine *bft_rules_engine(bft_rules *r);

/* The genesis validator set (priorities 0). */
const bft_valset *bft_rules_genesis_set(const bft_rules *r);

/* Writes the validator set of height h (the genesis set incremented h
 * times). Cost: O(h - h') increments from the nearest height h' the rules
 * computed before (they keep the latest, so walking up the chain costs one
 * increment per block). */
void bft_rules_set_at(bft_rules *r, uint64_t height, bft_valset *out);

/* Checks that c commits the block (c->height, c->hash) under the set of
 * that height and c's chain id. Returns as bft_commit_verify. */
DURE_WUR int bft_rules_check_commit(bft_rules *r, const bft_commit *c);

#endif
