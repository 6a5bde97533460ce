/* The BFT engine's chain rules: what a block of a BFT chain must carry so
 * that any node, also one that syncs long after, checks its finality from
 * the chain alone.
 *
 * A BFT chain's genesis config has a "bft" object (chain/config.h) naming
 * the validators and their voting power.
 *
 * Validator sets. A set is in force from a first height on: the genesis
 * set from height 1, whose origin is 0; a set that a change makes first
 * applies at height o + 1, its origin o. The set of height h is the base
 * set of h (the one in force then, its priorities 0) incremented
 * h - origin times (consensus/bft/valset.h), and the proposer of (h, r)
 * the last pick of r + 1 increments of the base incremented h - 1 - origin
 * times (for a set that never changes: the set of h - 1). So proposers
 * and sets follow from the chain alone.
 *
 * Set changes, on chains whose "bft" object names an "admin" and a
 * "contract" (two addresses): a transaction of block n from the admin to
 * the contract whose data is rlp([[address, power], ...]) (1 to
 * BFT_MAX_VALIDATORS entries, distinct 20-byte addresses, powers of at
 * least 1 and a total of at most BFT_MAX_TOTAL_POWER, canonical RLP)
 * makes that the set from height n + 2 on (origin n + 1), as CometBFT's
 * end-of-block updates do, and replaces a change made earlier that is not
 * in force yet. Data of any other form changes nothing (the transaction
 * stays valid: a plain call). The change is made at the block's end
 * (finalize) in the contract's storage, so the state root covers the
 * sets; 32-byte words, slot numbers in decimal:
 *
 *   0        origin of the set in force (0 with the genesis set)
 *   1        its size (0: the genesis set)
 *   2 + i    its validator i (i < 32): the address in the top 20 bytes,
 *            the power in the low 8
 *   64       origin of the set to come (0: none)
 *   65       its size
 *   66 + i   its validator i
 *
 * A set to come whose origin a block's height passed becomes the one in
 * force at that block's end. The contract's nonce is set to 1 with its
 * first change, so that EIP-161 never clears it as an empty account.
 * Without "admin", the genesis set holds at every height.
 *
 * The rules keep the set state after each of the last BFT_RULES_MEMO
 * blocks they finalized (imports, checks) and the head's (bft_rules_load),
 * and judge a header by its parent's.
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
 *              (DURE_EBLOCK_UNKNOWN_PARENT: the parent's set state is
 *              not known, on a chain whose sets change)
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
 * No block reward (finalize pays nothing, and makes the set changes;
 * fees go to the coinbase during execution). Fork choice (prefer): the candidate wins only with a
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
#include "store/store.h"

/* Blocks whose set state the rules remember. */
#define BFT_RULES_MEMO 64

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

/* Reads the set state after the head of s's chain (once at start, before
 * imports: later blocks are learnt as they are finalized). Returns DURE_OK,
 * DURE_EINVAL when the contract of set changes holds code (which could
 * write its slots for any caller), or a db error. */
DURE_WUR int bft_rules_load(bft_rules *r, store *s);

/* The set of height h and, when pre is not NULL, the set its proposers
 * are drawn from (above), as the set state after block `after` (a hash)
 * gives them; h is at most two above that block's height (a change
 * waits two blocks). Returns DURE_OK, or
 * DURE_ENOTFOUND when the rules do not know that block's set state or h
 * is below the origin of the set in force there. Cost: O(h - h')
 * increments from the nearest height h' of that base set computed
 * before. */
DURE_WUR int bft_rules_sets(bft_rules *r, const h256 *after, uint64_t h,
                            bft_valset *set, bft_valset *pre);

/* Checks that c commits the block (c->height, c->hash) under the set of
 * that height as the set state after block `after` (c's block or its
 * parent) gives it, and c's chain id. Returns as bft_commit_verify, or
 * DURE_ENOTFOUND as bft_rules_sets. */
DURE_WUR int bft_rules_check_commit(bft_rules *r, const h256 *after,
                                    const bft_commit *c);

#endif
