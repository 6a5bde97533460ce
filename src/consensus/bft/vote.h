/* BFT votes, proposals and commits: what a validator signs, how it travels,
 * how a node tallies it.
 *
 * What is signed. A validator signs keccak256 of
 *
 *   rlp(["dure/bft/1", chain_id, step, height, round, hash, pol])
 *
 * with its secp256k1 key (consensus/bft/valset.h names validators by
 * address): step 0 a proposal, 1 a prevote, 2 a precommit; hash the 32
 * bytes of the block hash, or the empty string for a vote for nil; pol
 * a proposal's proof-of-lock round plus one (0: none) and 0 in votes. The
 * chain id and the domain string keep a signature from counting on
 * another chain or in another protocol. A signature is r || s || recid
 * (65 bytes, s in the lower half); the signer is the address it recovers.
 *
 * Wire forms (RLP, strict: canonical integers, exact sizes):
 *   vote      [step, height, round, hash, sig]        step 1 or 2
 *   proposal  [height, round, pol, hash, sig]         the block travels
 *                                                     beside it
 * Heights are at least 1 and rounds below BFT_MAX_ROUND.
 *
 * A commit of block B (height h, hash H) is the precommits for H of one
 * round r whose validators hold more than two thirds of the power of the
 * set of height h. It travels, and sits in the extra data of B's child,
 * as rlp([r, [[index, sig], ...]]): the signers' indices in the set
 * strictly ascending; height and hash are B's and are not repeated. */
#ifndef DURE_CONSENSUS_BFT_VOTE_H
#define DURE_CONSENSUS_BFT_VOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/bytes.h"
#include "base/err.h"
#include "consensus/bft/valset.h"

enum {
	BFT_STEP_PROPOSAL = 0,
	BFT_STEP_PREVOTE = 1,
	BFT_STEP_PRECOMMIT = 2,
};

/* Rounds of one height are below this; a message naming a later round is
 * malformed (2^20 rounds of growing timeouts take weeks). */
#define BFT_MAX_ROUND (UINT32_C(1) << 20)
#define BFT_SIG_LEN 65
/* The largest encoded commit: every validator of the largest set. */
#define BFT_COMMIT_MAX (16 + BFT_MAX_VALIDATORS * 70)

typedef struct bft_vote {
	uint8_t step;      /* BFT_STEP_PREVOTE or BFT_STEP_PRECOMMIT */
	uint64_t height;
	uint32_t round;
	bool nil;          /* a vote for no block; hash is then zero */
	h256 hash;
	uint8_t sig[BFT_SIG_LEN];
} bft_vote;

typedef struct bft_proposal {
	uint64_t height;
	uint32_t round;
	int32_t pol_round; /* -1: none; else below round */
	h256 hash;         /* of the proposed block */
	uint8_t sig[BFT_SIG_LEN];
} bft_proposal;

typedef struct bft_commit_sig {
	uint32_t index;    /* into the validator set of the commit's height */
	uint8_t sig[BFT_SIG_LEN];
} bft_commit_sig;

typedef struct bft_commit {
	uint64_t height;
	uint32_t round;
	h256 hash;
	size_t n;
	bft_commit_sig sigs[BFT_MAX_VALIDATORS]; /* index ascending */
} bft_commit;

/* The digest a vote's signature covers (above). */
void bft_vote_digest(uint64_t chain_id, const bft_vote *v, h256 *out);
void bft_proposal_digest(uint64_t chain_id, const bft_proposal *p, h256 *out);

/* Signs v (or p) in place with the 32-byte secret key. Returns DURE_OK or
 * DURE_EKEY. */
DURE_WUR int bft_vote_sign(bft_vote *v, uint64_t chain_id,
                           const uint8_t key[32]);
DURE_WUR int bft_proposal_sign(bft_proposal *p, uint64_t chain_id,
                               const uint8_t key[32]);

/* The address that signed v (or p). Returns DURE_OK, or DURE_ESIG (*out
 * zeroed) when the signature does not recover or its s is high. */
DURE_WUR int bft_vote_signer(const bft_vote *v, uint64_t chain_id,
                             address *out);
DURE_WUR int bft_proposal_signer(const bft_proposal *p, uint64_t chain_id,
                                 address *out);

/* Appends the wire form of v (or p) to out (check buf_failed). */
void bft_vote_encode(const bft_vote *v, buf *out);
void bft_proposal_encode(const bft_proposal *p, buf *out);

/* Decodes exactly one wire form from p[0..n). Checks the shape, the step,
 * height >= 1, round < BFT_MAX_ROUND, pol_round < round, sizes; not the
 * signature. Returns DURE_OK or DURE_EBFT_MSG (*v zeroed). */
DURE_WUR int bft_vote_decode(const uint8_t *p, size_t n, bft_vote *v);
DURE_WUR int bft_proposal_decode(const uint8_t *p, size_t n,
                                 bft_proposal *out);

/* True when a and b are the same vote (step, height, round, value);
 * signatures are not compared. */
bool bft_vote_same(const bft_vote *a, const bft_vote *b);

/* The votes of one height, round and step from a validator set, with
 * tallies per value. A validator counts once for each value it signed,
 * for at most two values: an equivocator's second vote counts too, as the
 * paper counts every signed message. Were only its first counted, nodes
 * that heard its two votes in different orders would see different
 * majorities, and locks on them could stall every later round. Safety
 * does not rest on it: two sets of more than two thirds for different
 * values share more than a third of the power, an honest validator among
 * them, who signs one value. A third value is not kept (each node keeps
 * the first two it hears). A plain value. */
typedef struct bft_voteset {
	uint64_t height;
	uint32_t round;
	uint8_t step;
	const bft_valset *set;                /* not owned; outlives this */
	bool has[BFT_MAX_VALIDATORS];
	bft_vote votes[BFT_MAX_VALIDATORS];   /* by validator index */
	bool has2[BFT_MAX_VALIDATORS];        /* a second, conflicting one */
	bft_vote votes2[BFT_MAX_VALIDATORS];
	uint64_t power;                       /* of the validators that voted */
} bft_voteset;

void bft_voteset_init(bft_voteset *vs, const bft_valset *set,
                      uint64_t height, uint32_t round, uint8_t step);

/* Adds v, signed by validator `index` of the set (the caller verified the
 * signature and that index is in range), whose height, round and step
 * must be the set's (else DURE_EINVAL). Returns DURE_OK (added),
 * DURE_EBFT_DUPLICATE (the same vote again: nothing changes), or
 * DURE_EBFT_CONFLICT when the validator voted differently before: its
 * first vote is copied to *first (may be NULL), and v is kept and counted
 * when it is the validator's second value (*kept true), dropped for a
 * third (*kept false; kept may be NULL). */
int bft_voteset_add(bft_voteset *vs, uint32_t index, const bft_vote *v,
                    bft_vote *first, bool *kept);

/* Power of the votes for the block hash (NULL: for nil). */
uint64_t bft_voteset_power_for(const bft_voteset *vs, const h256 *hash);

/* True when one value holds more than two thirds of the power: writes it
 * (*nil true for nil, else *hash). */
bool bft_voteset_majority(const bft_voteset *vs, bool *nil, h256 *hash);

/* True when the validators that voted, for any values, hold more than two
 * thirds of the power (each counted once). */
bool bft_voteset_two_thirds_any(const bft_voteset *vs);

/* The commit of the precommits in vs for hash (a precommit set), every
 * such precommit in index order. Returns DURE_OK, or DURE_EBFT_COMMIT
 * when they hold no more than two thirds of the power. */
DURE_WUR int bft_voteset_commit(const bft_voteset *vs, const h256 *hash,
                                bft_commit *out);

/* Appends the wire form rlp([round, [[index, sig], ...]]) of c to out. */
void bft_commit_encode(const bft_commit *c, buf *out);

/* Decodes a commit of block (height, hash) from p[0..n). Checks shape,
 * round < BFT_MAX_ROUND, at most BFT_MAX_VALIDATORS entries, indices
 * strictly ascending, signature sizes; not the signatures. Returns
 * DURE_OK or DURE_EBFT_MSG. */
DURE_WUR int bft_commit_decode(const uint8_t *p, size_t n, uint64_t height,
                               const h256 *hash, bft_commit *out);

/* Checks c against the validator set of its height: every index inside
 * the set, every signature a precommit for (height, round, hash) that
 * recovers the address of the validator at its index, and their power
 * more than two thirds of the set's. Returns DURE_OK, DURE_EBFT_MSG
 * (indices not strictly ascending, so that no signature counts twice, or
 * more than BFT_MAX_VALIDATORS entries), DURE_EBFT_SIGNER (an index
 * outside the set or a signature from another key), DURE_ESIG
 * (unrecoverable) or DURE_EBFT_COMMIT (not enough power). */
DURE_WUR int bft_commit_verify(const bft_commit *c, uint64_t chain_id,
                               const bft_valset *set);

#endif
