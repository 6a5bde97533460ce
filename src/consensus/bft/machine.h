/* The BFT consensus state machine of one node: Tendermint's Algorithm 1
 * (Buchman, Kwon, Milosevic, "The latest gossip on BFT consensus", 2018)
 * for one height at a time, with no I/O of its own.
 *
 * The host (the node) feeds it what arrives (proposals, votes, timer
 * expiries, blocks becoming known) and it answers through the host's
 * callbacks: messages to broadcast, timers to set, a block to propose, and
 * the decision (a block and its commit). It reads no clock and opens no
 * socket, so tests run whole networks of machines on a simulated clock.
 *
 * Rules, by the paper's line numbers (h the height, r the round, f the
 * power a third of the set may hold; "2f+1" is bft_valset_quorum, "f+1"
 * bft_valset_one_third):
 *
 *   11 StartRound(r): the proposer of (h, r) proposes its valid value if
 *      it has one, else asks the host for a block (propose); the others
 *      set the propose timer, and so does the proposer when propose
 *      fails (else, with f validators down, its missing prevote could
 *      keep the rest below a quorum).
 *   22 a proposal of round r with pol -1, while at step propose: prevote
 *      it when it is valid and we are not locked on another value, else
 *      prevote nil.
 *   28 a proposal with pol vr < r and 2f+1 prevotes for it in vr: prevote
 *      it when valid and (lockedRound <= vr or locked on it), else nil.
 *   34 2f+1 prevotes of any values in r at step prevote: set the prevote
 *      timer (once per round).
 *   36 the proposal of r and 2f+1 prevotes for it, valid, at step prevote
 *      or later (once per round): at step prevote lock on it and precommit
 *      it; in any case it becomes the valid value of round r.
 *   44 2f+1 prevotes for nil in r at step prevote: precommit nil.
 *   47 2f+1 precommits of any values in r: set the precommit timer (once).
 *   49 2f+1 precommits for a block in any round r' of h, the block valid:
 *      decide it. A proposal message is not needed: the precommits name
 *      the block by hash and the host knows it.
 *   55 f+1 power of messages (any step) of a round r' > r: start r'.
 *   57/61/65 timeouts of propose / prevote / precommit of the current
 *      round and step: prevote nil / precommit nil / start r + 1.
 *
 * Validity of a block is the host's (validate): the block of that hash
 * is known and passes the chain's rules as a child of the head. When the
 * host does not have the block yet it answers BFT_BLOCK_PENDING and later
 * calls bft_machine_on_block, and the rules waiting on it run then.
 *
 * Signing guard. A validator never signs two different messages for one
 * (height, round, step). Every message it signs is appended to the WAL
 * (consensus/bft/wal.h; kinds BFT_WAL_PROPOSAL and BFT_WAL_VOTE, payload
 * the wire form, consensus/bft/vote.h) and synced before the host sees it.
 * bft_machine_start replays the WAL's records of the height it starts:
 * the messages it signed are its own again (never re-signed differently,
 * offered again by bft_machine_each), its lock and valid value are those
 * its precommits imply (the highest round with a precommit for a block),
 * and it resumes at the highest round it signed in, at the step after its
 * last vote there (the propose timer is set again when that is step
 * propose; the later steps' timers follow from rules 34 and 47). When the
 * WAL cannot be written, or start finds a record it cannot read, the
 * machine halts: it signs nothing more and every later call returns
 * DURE_EIO, since it no longer knows what it signed.
 *
 * Bounds. Votes are kept for the rounds the machine has been in and up to
 * BFT_ROUND_AHEAD rounds beyond its current one; a message of a later
 * round, of another height, or from a non-validator counts for nothing.
 * Messages of the next height (h + 1, within the window) are buffered, at
 * most one per validator, step and round (their signers judged by the sets
 * of h + 1 that bft_machine_set_next gave, else by the current set, which
 * is the next one's while sets do not change), and fed in, judged again,
 * when that height starts. Memory is bounded by these constants,
 * whatever peers send; the machine allocates only in bft_machine_new.
 *
 * Equivocation. A validator's second, different vote of one (height,
 * round, step), or a second proposal of one round, is evidence: the host
 * gets both signed messages (evidence). Of proposals only the first
 * counts; a second vote counts for its value as the first does for its
 * own (consensus/bft/vote.h says why), a third is dropped.
 *
 * Not thread-safe; the callbacks run inside the calls that cause them and
 * must not call back into the machine. */
#ifndef DURE_CONSENSUS_BFT_MACHINE_H
#define DURE_CONSENSUS_BFT_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/bytes.h"
#include "base/err.h"
#include "consensus/bft/valset.h"
#include "consensus/bft/vote.h"
#include "consensus/bft/wal.h"

/* Rounds beyond the current one whose votes are kept. */
#define BFT_ROUND_AHEAD 16

/* WAL record kinds. */
enum {
	BFT_WAL_PROPOSAL = 1,
	BFT_WAL_VOTE = 2,
};

/* Steps of a round, in order. */
enum {
	BFT_PROPOSE = 0,
	BFT_PREVOTE = 1,
	BFT_PRECOMMIT = 2,
};

/* What validate answers. */
enum {
	BFT_BLOCK_VALID = 0,
	BFT_BLOCK_INVALID = 1,
	BFT_BLOCK_PENDING = 2, /* unknown yet: bft_machine_on_block follows */
};

/* Timeout of step s in round r: base[s] + r * delta[s] milliseconds,
 * saturating (step BFT_PROPOSE, BFT_PREVOTE, BFT_PRECOMMIT). */
typedef struct bft_timeouts {
	uint64_t base[3];
	uint64_t delta[3];
} bft_timeouts;

typedef struct bft_host {
	void *ctx;
	/* This validator proposes at (height, round) and has no valid value:
	 * build a block on the head and write its hash. The host keeps the
	 * block and sends it with the proposal. A nonzero return proposes
	 * nothing (the others time out). */
	int (*propose)(void *ctx, uint64_t height, uint32_t round, h256 *hash);
	/* BFT_BLOCK_VALID, _INVALID or _PENDING for the block hash proposed at
	 * height. */
	int (*validate)(void *ctx, uint64_t height, const h256 *hash);
	/* Broadcast a message this node signed (already in the WAL). */
	void (*send_proposal)(void *ctx, const bft_proposal *p);
	void (*send_vote)(void *ctx, const bft_vote *v);
	/* Call bft_machine_on_timeout(step, height, round) in delay_ms. */
	void (*schedule)(void *ctx, uint8_t step, uint64_t height,
	                 uint32_t round, uint64_t delay_ms);
	/* Height c->height is decided: block c->hash with the commit c. The
	 * machine takes no more input for that height; the host imports the
	 * block and calls bft_machine_start for the next. */
	void (*decide)(void *ctx, const bft_commit *c);
	/* Validator `index` of the current set signed both a and b, which
	 * conflict (for proposals, is_proposal and pa/pb set; else va/vb). */
	void (*evidence)(void *ctx, uint32_t index, bool is_proposal,
	                 const bft_proposal *pa, const bft_proposal *pb,
	                 const bft_vote *va, const bft_vote *vb);
} bft_host;

typedef struct bft_machine bft_machine;

/* A machine for chain chain_id. key: this validator's 32-byte secret key,
 * or NULL for a node that only follows (it tallies and decides, signs
 * nothing). wal: the validator's log (required with a key; not owned,
 * outlives the machine). host and t are copied. The machine waits for
 * bft_machine_start. Returns DURE_OK, DURE_EINVAL (key without wal, a key
 * secp refuses) or DURE_ENOMEM; *out NULL on failure. */
DURE_WUR int bft_machine_new(uint64_t chain_id, const uint8_t *key,
                             bft_wal *wal, const bft_host *host,
                             const bft_timeouts *t, bft_machine **out);

/* Frees m; NULL is ignored. */
void bft_machine_free(bft_machine *m);

/* Starts height (>= 1) with set, the validator set of that height, and
 * prev, that of height - 1 (proposers: bft_valset_proposer(prev, r)).
 * Both are copied. Replays the WAL's records of height (above), feeds in
 * buffered messages of height, then runs StartRound (round 0, or the
 * round the WAL resumes). Returns DURE_OK, DURE_EINVAL (height not above
 * a height already started), DURE_EBFT_WAL (a record of height that does
 * not decode, or is not signed by this key), DURE_EIO. */
DURE_WUR int bft_machine_start(bft_machine *m, uint64_t height,
                               const bft_valset *set,
                               const bft_valset *prev);

/* The sets of height + 1 (its set, and the one its proposers are drawn
 * from) for judging the messages of that height that come early; each
 * start resets them to the current set. Both are copied. */
void bft_machine_set_next(bft_machine *m, const bft_valset *set,
                          const bft_valset *pre);

/* A proposal or vote from the network. Returns DURE_OK (taken: relay it
 * to peers), DURE_EBFT_STALE (a duplicate, a message of a decided height
 * or a round outside the window: not relayed, and not the sender's
 * fault), DURE_EINVAL (fields the decoder refuses), DURE_ESIG (bad
 * signature), DURE_EBFT_SIGNER (not signed by a validator of the height,
 * or a proposal not by the round's proposer), or DURE_EIO (the machine
 * halted). An equivocation returns DURE_OK once (relay the evidence) and
 * calls evidence. */
DURE_WUR int bft_machine_on_proposal(bft_machine *m, const bft_proposal *p);
DURE_WUR int bft_machine_on_vote(bft_machine *m, const bft_vote *v);

/* A timer set through schedule fired. Stale ones are ignored. Returns
 * DURE_OK or DURE_EIO. */
DURE_WUR int bft_machine_on_timeout(bft_machine *m, uint8_t step,
                                    uint64_t height, uint32_t round);

/* The block hash that validate answered BFT_BLOCK_PENDING for is now
 * known (validate is asked again). Returns DURE_OK or DURE_EIO. */
DURE_WUR int bft_machine_on_block(bft_machine *m, const h256 *hash);

typedef struct bft_status {
	uint64_t height;     /* 0 before the first start */
	uint32_t round;
	uint8_t step;
	bool decided;
	int32_t locked_round; /* -1: not locked */
	h256 locked;
	int32_t valid_round;  /* -1: no valid value */
	h256 valid;
	uint32_t proposer;    /* the current round's proposer, an index into
	                       * the height's set (UINT32_MAX: none in it) */
	int32_t self;         /* this validator's index, -1 if none */
} bft_status;

void bft_machine_status(const bft_machine *m, bft_status *out);

/* Calls fn (or fv) for every proposal and vote the machine holds for the
 * current height, its own and others', so the host can send them to a
 * peer that just connected. Either may be NULL. */
void bft_machine_each(const bft_machine *m,
                      void (*fp)(void *ctx, const bft_proposal *p),
                      void (*fv)(void *ctx, const bft_vote *v), void *ctx);

#endif
