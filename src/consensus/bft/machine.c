/* The BFT consensus state machine (see machine.h).
 *
 * Memory. Everything a height holds sits in the machine, sized once at
 * bft_machine_new, so no input can make it allocate or fail for memory:
 *
 *   rounds    a ring of NSLOTS round slots; round r lives in slot
 *             r % NSLOTS. The window is the current round, ROUND_BEHIND
 *             rounds before it and BFT_ROUND_AHEAD after it: NSLOTS rounds,
 *             so no two rounds of the window share a slot. A slot still
 *             holding a round that left the window is taken over when a
 *             round that maps to it first needs it. Losing old rounds can
 *             only cost liveness (a late commit or a proof-of-lock of a
 *             dropped round is not seen): the machine never goes back in
 *             rounds and its lock and valid value are kept apart.
 *   validity  NVALID remembered answers of validate for the height,
 *             replaced in turn when full (a replaced one is asked again).
 *   next      the next height's messages, one per (round < NEXT_ROUNDS,
 *             step, index of the signer in the current set).
 *
 * A round slot keeps the proposal (the first one from the round's
 * proposer), the prevotes and precommits, which validators sent anything
 * in the round and their power (rule 55), and the once-per-round flags of
 * rules 34, 36 and 47.
 *
 * Rules run in progress() after every input until none fires: the
 * decision (49) first, then a jump to a later round (55), then the current
 * round's rules in the paper's order. Each firing moves the step or the
 * round forward or sets a once flag, so the loop ends.
 *
 * The proposer sets the propose timer too when it has nothing to propose
 * (propose fails), or resumes at step propose after a restart: its own
 * prevote would otherwise wait for a block that may never come, and with f
 * others down the rest could not reach a quorum without it. */
#include "consensus/bft/machine.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "crypto/secp.h"

#define ROUND_BEHIND BFT_ROUND_AHEAD
#define NSLOTS (ROUND_BEHIND + 1 + BFT_ROUND_AHEAD)
/* A round asks about at most two hashes (its proposal and its precommit
 * majority). */
#define NVALID (2 * NSLOTS)
#define NEXT_ROUNDS BFT_ROUND_AHEAD
/* The wire form of a vote or proposal is below 128 bytes. */
#define ENC_RESERVE 256

/* A validity entry whose block became known: ask validate again. */
#define VALIDITY_ASK 3
/* A round whose proposer (picked from prev) is not in the height's set. */
#define NO_PROPOSER UINT32_MAX

_Static_assert(BFT_MAX_VALIDATORS <= 32, "validator bitmaps are uint32_t");

typedef struct round_slot {
	bool used;
	uint32_t round;
	uint32_t proposer;      /* index in the height's set, or NO_PROPOSER */
	bool has_proposal;
	bool proposal_evidence; /* the proposer's second proposal reported */
	bft_proposal proposal;
	bft_voteset votes[2];   /* prevotes, precommits */
	uint32_t evidence[2];   /* validators whose conflict was reported */
	uint32_t heard;         /* validators with any message in the round */
	uint64_t heard_power;
	bool prevote_timer;     /* rule 34 */
	bool polka;             /* rule 36 */
	bool precommit_timer;   /* rule 47 */
} round_slot;

typedef struct validity {
	h256 hash;
	uint8_t state;          /* BFT_BLOCK_* or VALIDITY_ASK */
} validity;

typedef struct next_vote {
	bool used;
	address signer;
	bft_vote v;
} next_vote;

typedef struct next_proposal {
	bool used;
	address signer;
	bft_proposal p;
} next_proposal;

struct bft_machine {
	uint64_t chain_id;
	bool has_key;
	uint8_t key[32];
	address addr;
	bft_wal *wal;
	bft_host host;
	bft_timeouts t;
	bool halted;
	buf enc;                /* the wire form of a message being logged */

	uint64_t height;        /* 0 before the first start */
	bft_valset set, prev;
	int32_t self;
	uint32_t round;
	uint8_t step;
	bool decided;
	int32_t locked_round, valid_round;
	h256 locked, valid;
	uint32_t proposer;

	round_slot slots[NSLOTS];
	validity known[NVALID];
	size_t nknown, replace;

	/* Messages of height + 1, judged by its sets. */
	bft_valset next_set, next_pre;
	next_proposal next_p[NEXT_ROUNDS];
	next_vote next_v[NEXT_ROUNDS][2][BFT_MAX_VALIDATORS];
};

/* ---- rounds ---- */

static uint64_t window_lo(const bft_machine *m)
{
	return m->round >= ROUND_BEHIND ? m->round - ROUND_BEHIND : 0;
}

static uint64_t window_hi(const bft_machine *m)
{
	return (uint64_t)m->round + BFT_ROUND_AHEAD;
}

static bool in_window(const bft_machine *m, uint64_t r)
{
	return r >= window_lo(m) && r <= window_hi(m);
}

/* True when slot r % NSLOTS holds round r of the window. */
static bool holds_round(const bft_machine *m, uint64_t r)
{
	const round_slot *s = &m->slots[r % NSLOTS];
	return in_window(m, r) && s->used && s->round == r;
}

/* The slot holding round r, or NULL when it holds nothing of r. */
static round_slot *held(bft_machine *m, uint64_t r)
{
	return holds_round(m, r) ? &m->slots[r % NSLOTS] : NULL;
}

/* The slot of round r, taken over for r when it held an older round; NULL
 * outside the window. */
static round_slot *slot(bft_machine *m, uint64_t r)
{
	if (!in_window(m, r))
		return NULL;
	round_slot *s = &m->slots[r % NSLOTS];
	if (s->used && s->round == r)
		return s;
	memset(s, 0, sizeof *s);
	s->used = true;
	s->round = (uint32_t)r;
	/* The rotation picks from prev; signers are judged by the set. */
	size_t pick = bft_valset_proposer(&m->prev, r);
	int idx = bft_valset_index(&m->set, &m->prev.v[pick].addr);
	s->proposer = idx < 0 ? NO_PROPOSER : (uint32_t)idx;
	bft_voteset_init(&s->votes[0], &m->set, m->height, s->round,
	                 BFT_STEP_PREVOTE);
	bft_voteset_init(&s->votes[1], &m->set, m->height, s->round,
	                 BFT_STEP_PRECOMMIT);
	return s;
}

/* Counts validator index as heard in s (rule 55), once. */
static void hear(bft_machine *m, round_slot *s, uint32_t index)
{
	uint32_t bit = UINT32_C(1) << index;
	if (s->heard & bit)
		return;
	s->heard |= bit;
	/* The powers of one set sum to at most BFT_MAX_TOTAL_POWER. */
	s->heard_power += m->set.v[index].power;
}

/* ---- tallies ---- */

static bool same_proposal(const bft_proposal *a, const bft_proposal *b)
{
	return a->height == b->height && a->round == b->round &&
	       a->pol_round == b->pol_round && h256_eq(&a->hash, &b->hash);
}

/* True when s holds v itself, signature and all: a copy needs no
 * signature recovery to be dropped. */
static bool holds_vote(const round_slot *s, const bft_vote *v)
{
	const bft_voteset *vs = &s->votes[v->step - 1];
	for (size_t i = 0; i < vs->set->n; i++)
		if ((vs->has[i] && bft_vote_same(&vs->votes[i], v) &&
		     memcmp(vs->votes[i].sig, v->sig, BFT_SIG_LEN) == 0) ||
		    (vs->has2[i] && bft_vote_same(&vs->votes2[i], v) &&
		     memcmp(vs->votes2[i].sig, v->sig, BFT_SIG_LEN) == 0))
			return true;
	return false;
}

/* Adds v, signed by validator index, to s. Returns DURE_OK or
 * DURE_EBFT_STALE. */
static int take_vote(bft_machine *m, round_slot *s, uint32_t index,
                     const bft_vote *v)
{
	bft_vote first;
	bool kept;
	int rc = bft_voteset_add(&s->votes[v->step - 1], index, v, &first,
	                         &kept);
	if (rc == DURE_OK) {
		hear(m, s, index);
		return DURE_OK;
	}
	if (rc != DURE_EBFT_CONFLICT || !kept)
		return DURE_EBFT_STALE;
	uint32_t bit = UINT32_C(1) << index;
	if (s->evidence[v->step - 1] & bit)
		return DURE_EBFT_STALE;
	s->evidence[v->step - 1] |= bit;
	m->host.evidence(m->host.ctx, index, false, NULL, NULL, &first, v);
	return DURE_OK;
}

/* Takes p, signed by the proposer of its round, into s. Returns
 * DURE_OK or DURE_EBFT_STALE. */
static int take_proposal(bft_machine *m, round_slot *s,
                         const bft_proposal *p)
{
	if (!s->has_proposal) {
		s->has_proposal = true;
		s->proposal = *p;
		hear(m, s, s->proposer);
		return DURE_OK;
	}
	if (same_proposal(&s->proposal, p) || s->proposal_evidence)
		return DURE_EBFT_STALE;
	s->proposal_evidence = true;
	m->host.evidence(m->host.ctx, s->proposer, true, &s->proposal, p, NULL,
	                 NULL);
	return DURE_OK;
}

/* ---- validity ---- */

/* validate's answer for hash, asked at most once per hash and height
 * (again only after on_block). */
static int validity_of(bft_machine *m, const h256 *hash)
{
	validity *e = NULL;
	for (size_t i = 0; i < m->nknown && !e; i++)
		if (h256_eq(&m->known[i].hash, hash))
			e = &m->known[i];
	if (e && e->state != VALIDITY_ASK)
		return e->state;
	int r = m->host.validate(m->host.ctx, m->height, hash);
	if (r != BFT_BLOCK_VALID && r != BFT_BLOCK_PENDING)
		r = BFT_BLOCK_INVALID;
	if (!e) {
		if (m->nknown < NVALID) {
			e = &m->known[m->nknown++];
		} else {
			e = &m->known[m->replace];
			m->replace = (m->replace + 1) % NVALID;
		}
		e->hash = *hash;
	}
	e->state = (uint8_t)r;
	return r;
}

/* ---- signing ---- */

static int halt(bft_machine *m)
{
	m->halted = true;
	return DURE_EIO;
}

static bool may_sign(const bft_machine *m)
{
	return m->has_key && m->self >= 0;
}

/* Appends m->enc, the wire form of a message just signed, to the WAL. */
static int log_enc(bft_machine *m, uint8_t kind)
{
	if (buf_failed(&m->enc))
		return DURE_EIO;
	return bft_wal_append(m->wal, kind, m->height, m->enc.data, m->enc.len);
}

/* Signs, logs, tallies and sends our vote of the current round (hash
 * NULL: nil). */
static int cast_vote(bft_machine *m, uint8_t step, const h256 *hash)
{
	if (!may_sign(m))
		return DURE_OK;
	round_slot *s = slot(m, m->round);
	/* The signing guard: what the WAL gave back is ours already. */
	if (s->votes[step - 1].has[m->self])
		return DURE_OK;
	bft_vote v;
	memset(&v, 0, sizeof v);
	v.step = step;
	v.height = m->height;
	v.round = m->round;
	v.nil = hash == NULL;
	if (hash)
		v.hash = *hash;
	if (bft_vote_sign(&v, m->chain_id, m->key))
		return halt(m);
	buf_reset(&m->enc);
	bft_vote_encode(&v, &m->enc);
	if (log_enc(m, BFT_WAL_VOTE))
		return halt(m);
	take_vote(m, s, (uint32_t)m->self, &v);
	m->host.send_vote(m->host.ctx, &v);
	return DURE_OK;
}

static int cast_proposal(bft_machine *m, const h256 *hash, int32_t pol)
{
	round_slot *s = slot(m, m->round);
	if (s->has_proposal)
		return DURE_OK;
	bft_proposal p;
	memset(&p, 0, sizeof p);
	p.height = m->height;
	p.round = m->round;
	p.pol_round = pol;
	p.hash = *hash;
	if (bft_proposal_sign(&p, m->chain_id, m->key))
		return halt(m);
	buf_reset(&m->enc);
	bft_proposal_encode(&p, &m->enc);
	if (log_enc(m, BFT_WAL_PROPOSAL))
		return halt(m);
	take_proposal(m, s, &p);
	m->host.send_proposal(m->host.ctx, &p);
	return DURE_OK;
}

/* ---- rules ---- */

static void schedule(bft_machine *m, uint8_t step)
{
	uint64_t d, ms;
	if (__builtin_mul_overflow((uint64_t)m->round, m->t.delta[step], &d) ||
	    __builtin_add_overflow(m->t.base[step], d, &ms))
		ms = UINT64_MAX;
	m->host.schedule(m->host.ctx, step, m->height, m->round, ms);
}

/* Rule 11. */
static int start_round(bft_machine *m, uint32_t r)
{
	m->round = r;
	m->step = BFT_PROPOSE;
	round_slot *s = slot(m, r);
	m->proposer = s->proposer;
	if (may_sign(m) && (uint32_t)m->self == s->proposer) {
		if (m->valid_round >= 0)
			return cast_proposal(m, &m->valid, m->valid_round);
		h256 hash;
		memset(&hash, 0, sizeof hash);
		if (m->host.propose(m->host.ctx, m->height, r, &hash) == 0)
			return cast_proposal(m, &hash, -1);
	}
	schedule(m, BFT_PROPOSE);
	return DURE_OK;
}

/* Rule 49, over every round held. */
static void try_decide(bft_machine *m)
{
	uint64_t quorum = bft_valset_quorum(&m->set);
	for (uint64_t r = window_lo(m); r <= window_hi(m); r++) {
		round_slot *s = held(m, r);
		if (!s || s->votes[1].power < quorum)
			continue;
		bool nil;
		h256 hash;
		if (!bft_voteset_majority(&s->votes[1], &nil, &hash) || nil ||
		    validity_of(m, &hash) != BFT_BLOCK_VALID)
			continue;
		bft_commit c;
		if (bft_voteset_commit(&s->votes[1], &hash, &c) != DURE_OK)
			continue;
		m->decided = true;
		m->host.decide(m->host.ctx, &c);
		return;
	}
}

/* Rule 55: the latest round ahead that f+1 of the power speaks in. */
static bool round_ahead(bft_machine *m, uint32_t *r)
{
	uint64_t need = bft_valset_one_third(&m->set);
	for (uint64_t k = window_hi(m); k > m->round; k--) {
		round_slot *s = held(m, k);
		if (s && s->heard_power >= need) {
			*r = (uint32_t)k;
			return true;
		}
	}
	return false;
}

/* Rules 22 and 28: prevote the current round's proposal or nil. */
static int try_prevote(bft_machine *m, round_slot *s, bool *fired)
{
	if (m->step != BFT_PROPOSE || !s->has_proposal)
		return DURE_OK;
	const bft_proposal *p = &s->proposal;
	int32_t vr = p->pol_round;
	if (vr >= 0) {
		round_slot *ps = held(m, (uint64_t)vr);
		if (!ps || bft_voteset_power_for(&ps->votes[0], &p->hash) <
		               bft_valset_quorum(&m->set))
			return DURE_OK;
	}
	int valid = validity_of(m, &p->hash);
	if (valid == BFT_BLOCK_PENDING)
		return DURE_OK;
	/* With vr = -1 this is rule 22's lockedRound = -1. */
	bool unlocked = m->locked_round <= vr ||
	                (m->locked_round >= 0 && h256_eq(&m->locked, &p->hash));
	*fired = true;
	m->step = BFT_PREVOTE;
	return cast_vote(m, BFT_STEP_PREVOTE,
	                 valid == BFT_BLOCK_VALID && unlocked ? &p->hash
	                                                     : NULL);
}

/* Rule 36. */
static int try_polka(bft_machine *m, round_slot *s, bool *fired)
{
	if (m->step < BFT_PREVOTE || s->polka || !s->has_proposal)
		return DURE_OK;
	const h256 *hash = &s->proposal.hash;
	if (bft_voteset_power_for(&s->votes[0], hash) <
	        bft_valset_quorum(&m->set) ||
	    validity_of(m, hash) != BFT_BLOCK_VALID)
		return DURE_OK;
	s->polka = true;
	*fired = true;
	m->valid = *hash;
	m->valid_round = (int32_t)m->round;
	if (m->step != BFT_PREVOTE)
		return DURE_OK;
	m->locked = *hash;
	m->locked_round = (int32_t)m->round;
	m->step = BFT_PRECOMMIT;
	return cast_vote(m, BFT_STEP_PRECOMMIT, hash);
}

/* The rules of the current round, the first that fires. */
static int round_rules(bft_machine *m, bool *fired)
{
	round_slot *s = slot(m, m->round);
	int err = try_prevote(m, s, fired);
	if (err || *fired)
		return err;
	if (m->step == BFT_PREVOTE && !s->prevote_timer &&
	    bft_voteset_two_thirds_any(&s->votes[0])) {
		s->prevote_timer = true;
		*fired = true;
		schedule(m, BFT_PREVOTE);
		return DURE_OK;
	}
	err = try_polka(m, s, fired);
	if (err || *fired)
		return err;
	uint64_t nil_power = bft_voteset_power_for(&s->votes[0], NULL);
	if (m->step == BFT_PREVOTE && nil_power >= bft_valset_quorum(&m->set)) {
		*fired = true;
		m->step = BFT_PRECOMMIT;
		return cast_vote(m, BFT_STEP_PRECOMMIT, NULL);
	}
	if (!s->precommit_timer && bft_voteset_two_thirds_any(&s->votes[1])) {
		s->precommit_timer = true;
		*fired = true;
		schedule(m, BFT_PRECOMMIT);
	}
	return DURE_OK;
}

static int progress(bft_machine *m)
{
	for (;;) {
		try_decide(m);
		if (m->decided)
			return DURE_OK;
		uint32_t r;
		if (round_ahead(m, &r)) {
			int err = start_round(m, r);
			if (err)
				return err;
			continue;
		}
		bool fired = false;
		int err = round_rules(m, &fired);
		if (err || !fired)
			return err;
	}
}

/* ---- the next height ---- */

static void clear_next(bft_machine *m)
{
	memset(m->next_p, 0, sizeof m->next_p);
	memset(m->next_v, 0, sizeof m->next_v);
}

/* Keeps a message of height + 1 from validator index of its set: the
 * first per round, step and validator. */
static int keep_next_vote(bft_machine *m, const bft_vote *v, int index,
                          const address *a)
{
	if (v->round >= NEXT_ROUNDS)
		return DURE_EBFT_STALE;
	next_vote *e = &m->next_v[v->round][v->step - 1][index];
	if (e->used)
		return DURE_EBFT_STALE;
	e->used = true;
	e->signer = *a;
	e->v = *v;
	return DURE_OK;
}

static bool next_round_empty(const bft_machine *m, uint32_t r)
{
	if (m->next_p[r].used)
		return false;
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < BFT_MAX_VALIDATORS; i++)
			if (m->next_v[r][k][i].used)
				return false;
	return true;
}

/* Feeds the kept messages into the height just started, judged by its
 * sets, and forgets them. */
static void feed_next(bft_machine *m)
{
	for (uint32_t r = 0; r < NEXT_ROUNDS; r++) {
		round_slot *s = next_round_empty(m, r) ? NULL : slot(m, r);
		if (!s)
			continue;
		next_proposal *np = &m->next_p[r];
		int idx = np->used ? bft_valset_index(&m->set, &np->signer)
		                   : -1;
		if (idx >= 0 && (uint32_t)idx == s->proposer)
			take_proposal(m, s, &np->p);
		for (int k = 0; k < 2; k++) {
			for (size_t i = 0; i < BFT_MAX_VALIDATORS; i++) {
				next_vote *e = &m->next_v[r][k][i];
				idx = e->used ? bft_valset_index(&m->set,
				                                 &e->signer)
				              : -1;
				if (idx >= 0)
					take_vote(m, s, (uint32_t)idx, &e->v);
			}
		}
	}
	clear_next(m);
}

/* ---- the WAL ---- */

typedef struct replay {
	bft_machine *m;
	bool pass2;
	bool any;
	uint32_t max_round;
	int32_t lock_round;
	h256 lock;
} replay;

/* Pass 1 checks the height's records and finds the round to resume and
 * the lock; pass 2, with the round set, puts them into the tallies. */
static int replay_record(void *ctx, uint8_t kind, uint64_t height,
                         const uint8_t *p, size_t n)
{
	replay *rp = ctx;
	bft_machine *m = rp->m;
	if (height != m->height ||
	    (kind != BFT_WAL_PROPOSAL && kind != BFT_WAL_VOTE))
		return DURE_OK;
	bft_proposal prop;
	bft_vote v;
	address a;
	uint32_t round;
	if (kind == BFT_WAL_PROPOSAL) {
		if (bft_proposal_decode(p, n, &prop) || prop.height != height)
			return DURE_EBFT_WAL;
		round = prop.round;
		if (!rp->pass2 && bft_proposal_signer(&prop, m->chain_id, &a))
			return DURE_EBFT_WAL;
	} else {
		if (bft_vote_decode(p, n, &v) || v.height != height)
			return DURE_EBFT_WAL;
		round = v.round;
		if (!rp->pass2 && bft_vote_signer(&v, m->chain_id, &a))
			return DURE_EBFT_WAL;
	}
	if (!rp->pass2) {
		if (!address_eq(&a, &m->addr))
			return DURE_EBFT_WAL;
		if (!rp->any || round > rp->max_round)
			rp->max_round = round;
		rp->any = true;
		if (kind == BFT_WAL_VOTE && v.step == BFT_STEP_PRECOMMIT &&
		    !v.nil && (int32_t)round > rp->lock_round) {
			rp->lock_round = (int32_t)round;
			rp->lock = v.hash;
		}
		return DURE_OK;
	}
	round_slot *s = slot(m, round);
	if (!s || m->self < 0)
		return DURE_OK;
	if (kind == BFT_WAL_PROPOSAL) {
		if ((uint32_t)m->self != s->proposer)
			return DURE_OK;
		if (s->has_proposal && !same_proposal(&s->proposal, &prop))
			return DURE_EBFT_WAL;
		take_proposal(m, s, &prop);
		return DURE_OK;
	}
	/* Two different votes of ours for one round and step: the log is
	 * not what this validator wrote. */
	bft_vote *held_v = &s->votes[v.step - 1].votes[m->self];
	if (s->votes[v.step - 1].has[m->self] && !bft_vote_same(held_v, &v))
		return DURE_EBFT_WAL;
	take_vote(m, s, (uint32_t)m->self, &v);
	return DURE_OK;
}

/* Replays the WAL's records of the height: sets *resume when there are
 * any (round, step, lock and the tallies then follow them). */
static int replay_wal(bft_machine *m, bool *resume)
{
	*resume = false;
	if (!m->has_key)
		return DURE_OK;
	replay rp;
	memset(&rp, 0, sizeof rp);
	rp.m = m;
	rp.lock_round = -1;
	int err = bft_wal_replay(m->wal, replay_record, &rp);
	if (err || !rp.any)
		return err;
	m->round = rp.max_round;
	m->locked_round = rp.lock_round;
	m->valid_round = rp.lock_round;
	if (rp.lock_round >= 0) {
		m->locked = rp.lock;
		m->valid = rp.lock;
	}
	rp.pass2 = true;
	err = bft_wal_replay(m->wal, replay_record, &rp);
	if (err)
		return err;
	*resume = true;
	round_slot *s = slot(m, m->round);
	m->step = BFT_PROPOSE;
	if (m->self >= 0 && s->votes[0].has[m->self])
		m->step = BFT_PREVOTE;
	if (m->self >= 0 && s->votes[1].has[m->self])
		m->step = BFT_PRECOMMIT;
	return DURE_OK;
}

/* ---- the interface ---- */

int bft_machine_new(uint64_t chain_id, const uint8_t *key, bft_wal *wal,
                    const bft_host *host, const bft_timeouts *t,
                    bft_machine **out)
{
	*out = NULL;
	uint8_t pub[64];
	address a;
	memset(&a, 0, sizeof a);
	if (key) {
		if (!wal || secp_pubkey_create(key, pub))
			return DURE_EINVAL;
		secp_pubkey_address(pub, &a);
	}
	bft_machine *m = calloc(1, sizeof *m);
	if (!m)
		return DURE_ENOMEM;
	buf_init(&m->enc);
	if (buf_reserve(&m->enc, ENC_RESERVE)) {
		free(m);
		return DURE_ENOMEM;
	}
	m->chain_id = chain_id;
	m->has_key = key != NULL;
	if (key)
		memcpy(m->key, key, 32);
	m->addr = a;
	m->wal = wal;
	m->host = *host;
	m->t = *t;
	m->self = -1;
	m->locked_round = -1;
	m->valid_round = -1;
	*out = m;
	return DURE_OK;
}

void bft_machine_free(bft_machine *m)
{
	if (!m)
		return;
	explicit_bzero(m->key, sizeof m->key);
	buf_free(&m->enc);
	free(m);
}

static bool set_ok(const bft_valset *s)
{
	return s->n >= 1 && s->n <= BFT_MAX_VALIDATORS;
}

int bft_machine_start(bft_machine *m, uint64_t height, const bft_valset *set,
                      const bft_valset *prev)
{
	if (m->halted)
		return DURE_EIO;
	if (height == 0 || height <= m->height || !set_ok(set) || !set_ok(prev))
		return DURE_EINVAL;
	bool fed = height == m->height + 1;
	m->height = height;
	m->set = *set;
	m->prev = *prev;
	m->next_set = *set;
	m->next_pre = *set;
	m->self = m->has_key ? bft_valset_index(set, &m->addr) : -1;
	m->round = 0;
	m->step = BFT_PROPOSE;
	m->decided = false;
	m->locked_round = -1;
	m->valid_round = -1;
	memset(&m->locked, 0, sizeof m->locked);
	memset(&m->valid, 0, sizeof m->valid);
	memset(m->slots, 0, sizeof m->slots);
	m->nknown = 0;
	m->replace = 0;

	bool resume;
	int err = replay_wal(m, &resume);
	if (err) {
		/* What this validator signed is unknown: it signs nothing. */
		m->halted = true;
		return err;
	}
	if (fed)
		feed_next(m);
	else
		clear_next(m);
	if (resume) {
		m->proposer = slot(m, m->round)->proposer;
		if (m->step == BFT_PROPOSE)
			schedule(m, BFT_PROPOSE);
	} else {
		err = start_round(m, 0);
		if (err)
			return err;
	}
	return progress(m);
}

/* Checks that decoding would have given v. */
static bool vote_shape(const bft_vote *v)
{
	return (v->step == BFT_STEP_PREVOTE || v->step == BFT_STEP_PRECOMMIT) &&
	       v->height >= 1 && v->round < BFT_MAX_ROUND;
}

static bool proposal_shape(const bft_proposal *p)
{
	return p->height >= 1 && p->round < BFT_MAX_ROUND &&
	       p->pol_round >= -1 && p->pol_round < (int64_t)p->round;
}

/* The index in set of the signer a, or an error. */
static int signer_index(const bft_valset *set, const address *a, int *index)
{
	*index = bft_valset_index(set, a);
	return *index < 0 ? DURE_EBFT_SIGNER : DURE_OK;
}

int bft_machine_on_vote(bft_machine *m, const bft_vote *v)
{
	if (m->halted)
		return DURE_EIO;
	if (!vote_shape(v))
		return DURE_EINVAL;
	bool next = m->height > 0 && v->height == m->height + 1;
	if (!next && (m->height == 0 || v->height != m->height || m->decided))
		return DURE_EBFT_STALE;
	round_slot *s = NULL;
	if (!next) {
		s = slot(m, v->round);
		if (!s || holds_vote(s, v))
			return DURE_EBFT_STALE;
	} else if (v->round >= NEXT_ROUNDS) {
		return DURE_EBFT_STALE;
	}
	address a;
	int index;
	int err = bft_vote_signer(v, m->chain_id, &a);
	if (!err)
		err = signer_index(next ? &m->next_set : &m->set, &a, &index);
	if (err)
		return err;
	if (next)
		return keep_next_vote(m, v, index, &a);
	int rc = take_vote(m, s, (uint32_t)index, v);
	if (rc == DURE_OK) {
		err = progress(m);
		if (err)
			return err;
	}
	return rc;
}

int bft_machine_on_proposal(bft_machine *m, const bft_proposal *p)
{
	if (m->halted)
		return DURE_EIO;
	if (!proposal_shape(p))
		return DURE_EINVAL;
	bool next = m->height > 0 && p->height == m->height + 1;
	if (!next && (m->height == 0 || p->height != m->height || m->decided))
		return DURE_EBFT_STALE;
	round_slot *s = NULL;
	if (!next) {
		s = slot(m, p->round);
		if (!s || (s->has_proposal && same_proposal(&s->proposal, p) &&
		           memcmp(s->proposal.sig, p->sig, BFT_SIG_LEN) == 0))
			return DURE_EBFT_STALE;
	} else if (p->round >= NEXT_ROUNDS) {
		return DURE_EBFT_STALE;
	}
	address a;
	int index;
	int err = bft_proposal_signer(p, m->chain_id, &a);
	if (!err)
		err = signer_index(next ? &m->next_set : &m->set, &a, &index);
	if (err)
		return err;
	if (next) {
		/* Judged again when the height starts. */
		if ((size_t)index != bft_valset_proposer(&m->next_pre, p->round))
			return DURE_EBFT_SIGNER;
		next_proposal *np = &m->next_p[p->round];
		if (np->used)
			return DURE_EBFT_STALE;
		np->used = true;
		np->signer = a;
		np->p = *p;
		return DURE_OK;
	}
	if ((uint32_t)index != s->proposer)
		return DURE_EBFT_SIGNER;
	int rc = take_proposal(m, s, p);
	if (rc == DURE_OK) {
		err = progress(m);
		if (err)
			return err;
	}
	return rc;
}

int bft_machine_on_timeout(bft_machine *m, uint8_t step, uint64_t height,
                           uint32_t round)
{
	if (m->halted)
		return DURE_EIO;
	if (m->height == 0 || height != m->height || m->decided ||
	    round != m->round)
		return DURE_OK;
	int err;
	if (step == BFT_PROPOSE && m->step == BFT_PROPOSE) {
		/* Rule 57. */
		m->step = BFT_PREVOTE;
		err = cast_vote(m, BFT_STEP_PREVOTE, NULL);
	} else if (step == BFT_PREVOTE && m->step == BFT_PREVOTE) {
		/* Rule 61. */
		m->step = BFT_PRECOMMIT;
		err = cast_vote(m, BFT_STEP_PRECOMMIT, NULL);
	} else if (step == BFT_PRECOMMIT && round + 1 < BFT_MAX_ROUND) {
		/* Rule 65. */
		err = start_round(m, round + 1);
	} else {
		return DURE_OK;
	}
	if (err)
		return err;
	return progress(m);
}

int bft_machine_on_block(bft_machine *m, const h256 *hash)
{
	if (m->halted)
		return DURE_EIO;
	if (m->height == 0 || m->decided)
		return DURE_OK;
	for (size_t i = 0; i < m->nknown; i++)
		if (h256_eq(&m->known[i].hash, hash) &&
		    m->known[i].state == BFT_BLOCK_PENDING)
			m->known[i].state = VALIDITY_ASK;
	return progress(m);
}

void bft_machine_status(const bft_machine *m, bft_status *out)
{
	memset(out, 0, sizeof *out);
	out->height = m->height;
	out->round = m->round;
	out->step = m->step;
	out->decided = m->decided;
	out->locked_round = m->locked_round;
	out->locked = m->locked;
	out->valid_round = m->valid_round;
	out->valid = m->valid;
	out->proposer = m->proposer;
	out->self = m->self;
}

void bft_machine_each(const bft_machine *m,
                      void (*fp)(void *ctx, const bft_proposal *p),
                      void (*fv)(void *ctx, const bft_vote *v), void *ctx)
{
	if (m->height == 0)
		return;
	for (uint64_t r = window_lo(m); r <= window_hi(m); r++) {
		if (!holds_round(m, r))
			continue;
		const round_slot *s = &m->slots[r % NSLOTS];
		if (fp && s->has_proposal)
			fp(ctx, &s->proposal);
		for (int k = 0; k < 2 && fv; k++)
			for (size_t i = 0; i < m->set.n; i++)
				for (int w = 0; w < 2; w++)
					if (w ? s->votes[k].has2[i] : s->votes[k].has[i])
						fv(ctx, w ? &s->votes[k].votes2[i]
						          : &s->votes[k].votes[i]);
	}
}

void bft_machine_set_next(bft_machine *m, const bft_valset *set,
                          const bft_valset *pre)
{
	m->next_set = *set;
	m->next_pre = *pre;
}
