/* The BFT state machine, Tendermint's Algorithm 1 (machine.h), two ways.
 *
 * Driven by hand, one machine against messages the test signs with the
 * other validators' keys: the lock of rule 36 and the prevotes of rules
 * 22 and 28 (a locked validator prevotes nil for another value, and the
 * value of a proof-of-lock round it is not locked against), the valid
 * value set at step precommit and proposed (rule 11), the timers'
 * lengths, timers of a step already left, the next height's messages kept
 * and counted when it starts, a block that is not known yet (PENDING,
 * then on_block) with validate asked once per hash, a decision from
 * precommits alone (rule 49), an observer, the jump of rule 55 at exactly
 * f+1 of the power, a restart from the WAL (nothing signed twice, the
 * lock restored, the valid value proposed), its own vote from a peer
 * counting as signed when the WAL is lost, damaged or foreign WAL
 * records, every kind of bad input, equivocation evidence, and a WAL that
 * cannot be written (RLIMIT_FSIZE) halting the machine.
 *
 * And as whole networks on a simulated clock: an event queue of message
 * deliveries (a delay per message, copies, so reordering) and timers,
 * a host per node whose blocks are keccak(height || round || proposer),
 * heights started 5 ms after a decision, and catch-up as a node's peers
 * would give it (the messages of the height a peer is at, or the commit
 * of a height the peer decided). Every decision is checked against the
 * first one of its height and with bft_commit_verify; networks of 4 (with
 * an observer), 7 and 16 validators (also with timeouts below the
 * delays, so that rounds fail and proofs of lock carry values across
 * them), a proposer down, one and then two of four down and one back, and
 * a byzantine validator that double-signs.
 *
 * Proposers come from the rotation worked out by hand: with equal powers
 * and priorities from zero, the increments pick the validators in address
 * order, so the proposer of (h, r) is index (h - 1 + r) mod n. */
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "consensus/bft/machine.h"
#include "crypto/keccak.h"
#include "crypto/secp.h"
#include "test.h"

#define CHAIN 77
#define MAXV 16

static const bft_timeouts TO = {{1000, 500, 500}, {100, 50, 50}};

/* ---- keys, sets and blocks ---- */

/* Secret key number k: k as a 32-byte big-endian integer. */
static void key_of(uint32_t k, uint8_t key[32])
{
	memset(key, 0, 32);
	key[28] = (uint8_t)(k >> 24);
	key[29] = (uint8_t)(k >> 16);
	key[30] = (uint8_t)(k >> 8);
	key[31] = (uint8_t)k;
}

static address addr_of(const uint8_t key[32])
{
	uint8_t pub[64];
	address a;
	memset(&a, 0, sizeof a);
	if (secp_pubkey_create(key, pub) == DURE_OK)
		secp_pubkey_address(pub, &a);
	return a;
}

static h256 fake_block(uint64_t h, uint32_t r, const address *proposer)
{
	uint8_t b[32];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(h >> (56 - 8 * i));
	for (int i = 0; i < 4; i++)
		b[8 + i] = (uint8_t)(r >> (24 - 8 * i));
	memcpy(b + 12, proposer->b, 20);
	h256 out;
	keccak256(b, 32, out.b);
	return out;
}

/* Validators made from keys 1..n with powers (NULL: all 1); key[i] is
 * the key of the validator at index i of the set. */
typedef struct vals {
	size_t n;
	uint8_t key[MAXV][32];
	bft_valset genesis, set1; /* heights 0 and 1 */
} vals;

static bool vals_init(vals *vs, size_t n, const uint64_t *powers)
{
	address addrs[MAXV] = {{{0}}};
	uint64_t pw[MAXV] = {0};
	uint8_t keys[MAXV][32];
	memset(vs, 0, sizeof *vs);
	if (n > MAXV)
		return false;
	vs->n = n;
	for (size_t k = 0; k < n; k++) {
		key_of((uint32_t)k + 1, keys[k]);
		addrs[k] = addr_of(keys[k]);
		pw[k] = powers ? powers[k] : 1;
	}
	if (bft_valset_init(&vs->genesis, addrs, pw, n))
		return false;
	for (size_t k = 0; k < n; k++)
		memcpy(vs->key[bft_valset_index(&vs->genesis, &addrs[k])],
		       keys[k], 32);
	vs->set1 = vs->genesis;
	bft_valset_increment(&vs->set1, 1, NULL);
	return true;
}

static bft_vote mk_vote(const vals *vs, size_t idx, uint8_t step,
                        uint64_t h, uint32_t r, const h256 *hash)
{
	bft_vote v;
	memset(&v, 0, sizeof v);
	v.step = step;
	v.height = h;
	v.round = r;
	v.nil = hash == NULL;
	if (hash)
		v.hash = *hash;
	if (bft_vote_sign(&v, CHAIN, vs->key[idx]))
		memset(v.sig, 0, sizeof v.sig);
	return v;
}

static bft_proposal mk_prop(const vals *vs, size_t idx, uint64_t h,
                            uint32_t r, int32_t pol, const h256 *hash)
{
	bft_proposal p;
	memset(&p, 0, sizeof p);
	p.height = h;
	p.round = r;
	p.pol_round = pol;
	p.hash = *hash;
	if (bft_proposal_sign(&p, CHAIN, vs->key[idx]))
		memset(p.sig, 0, sizeof p.sig);
	return p;
}

static bool vote_is(const bft_vote *v, uint8_t step, uint32_t r,
                    const h256 *hash)
{
	if (v->step != step || v->round != r || v->nil != (hash == NULL))
		return false;
	return !hash || h256_eq(&v->hash, hash);
}

/* a and b are two different signed votes of validator index for one
 * height, round and step. */
static bool evidence_ok(const bft_valset *set, uint32_t index,
                        const bft_vote *a, const bft_vote *b)
{
	address x, y;
	return index < set->n && bft_vote_signer(a, CHAIN, &x) == DURE_OK &&
	       bft_vote_signer(b, CHAIN, &y) == DURE_OK &&
	       address_eq(&x, &set->v[index].addr) && address_eq(&y, &x) &&
	       a->step == b->step && a->height == b->height &&
	       a->round == b->round && !bft_vote_same(a, b);
}

/* ---- temporary directories ---- */

static int rm_entry(const char *p, const struct stat *sb, int flag,
                    struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(p);
}

static bool tdir_make(char dir[32])
{
	strcpy(dir, "/tmp/dure-bftm-XXXXXX");
	return mkdtemp(dir) != NULL;
}

static void tdir_remove(const char *dir)
{
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* ---- a host that records (one machine, driven by hand) ---- */

typedef struct timer {
	uint8_t step;
	uint64_t h;
	uint32_t r;
	uint64_t ms;
} timer;

typedef struct probe {
	bft_vote votes[32];
	size_t nv;
	bft_proposal props[8];
	size_t np;
	timer timers[32];
	size_t nt;
	bft_commit commit;
	size_t ndecide;
	size_t nev;
	uint32_t ev_index;
	bool ev_prop;
	bft_proposal epa, epb;
	bft_vote eva, evb;
	h256 bh[8];
	int bstate[8];
	size_t nb;
	unsigned validates;
	unsigned proposes;
	h256 propose_hash;
	int propose_rc;
	size_t overflow;
} probe;

static int p_propose(void *ctx, uint64_t h, uint32_t r, h256 *hash)
{
	probe *p = ctx;
	(void)h;
	(void)r;
	p->proposes++;
	*hash = p->propose_hash;
	return p->propose_rc;
}

static int p_validate(void *ctx, uint64_t h, const h256 *hash)
{
	probe *p = ctx;
	(void)h;
	p->validates++;
	for (size_t i = 0; i < p->nb; i++)
		if (h256_eq(&p->bh[i], hash))
			return p->bstate[i];
	return BFT_BLOCK_INVALID;
}

static void p_send_proposal(void *ctx, const bft_proposal *pr)
{
	probe *p = ctx;
	if (p->np < 8)
		p->props[p->np++] = *pr;
	else
		p->overflow++;
}

static void p_send_vote(void *ctx, const bft_vote *v)
{
	probe *p = ctx;
	if (p->nv < 32)
		p->votes[p->nv++] = *v;
	else
		p->overflow++;
}

static void p_schedule(void *ctx, uint8_t step, uint64_t h, uint32_t r,
                       uint64_t ms)
{
	probe *p = ctx;
	if (p->nt < 32)
		p->timers[p->nt++] = (timer){step, h, r, ms};
	else
		p->overflow++;
}

static void p_decide(void *ctx, const bft_commit *c)
{
	probe *p = ctx;
	p->ndecide++;
	p->commit = *c;
}

static void p_evidence(void *ctx, uint32_t index, bool is_proposal,
                       const bft_proposal *pa, const bft_proposal *pb,
                       const bft_vote *va, const bft_vote *vb)
{
	probe *p = ctx;
	p->nev++;
	p->ev_index = index;
	p->ev_prop = is_proposal;
	if (is_proposal) {
		p->epa = *pa;
		p->epb = *pb;
	} else {
		p->eva = *va;
		p->evb = *vb;
	}
}

static bft_host probe_host(probe *p)
{
	return (bft_host){p, p_propose, p_validate, p_send_proposal,
	                  p_send_vote, p_schedule, p_decide, p_evidence};
}

static void probe_block(probe *p, const h256 *hash, int state)
{
	for (size_t i = 0; i < p->nb; i++) {
		if (h256_eq(&p->bh[i], hash)) {
			p->bstate[i] = state;
			return;
		}
	}
	if (p->nb < 8) {
		p->bh[p->nb] = *hash;
		p->bstate[p->nb++] = state;
	}
}

static bool timer_is(const timer *t, uint8_t step, uint64_t h, uint32_t r,
                     uint64_t ms)
{
	return t->step == step && t->h == h && t->r == r && t->ms == ms;
}

/* A validator's machine at height 1 on a fresh WAL in dir. */
typedef struct rig {
	char path[64];
	bft_wal *w;
	bft_machine *m;
	probe p;
	bft_host host;
} rig;

static bool rig_open(rig *g, const char *dir, const char *name,
                     const uint8_t *key)
{
	memset(&g->p, 0, sizeof g->p);
	g->host = probe_host(&g->p);
	g->w = NULL;
	g->m = NULL;
	snprintf(g->path, sizeof g->path, "%s/%s", dir, name);
	if (key && bft_wal_open(g->path, &g->w))
		return false;
	return bft_machine_new(CHAIN, key, g->w, &g->host, &TO, &g->m) ==
	       DURE_OK;
}

static void rig_close(rig *g)
{
	bft_machine_free(g->m);
	bft_wal_free(g->w);
	g->m = NULL;
	g->w = NULL;
}

typedef struct held_msgs {
	bft_vote v[64];
	size_t nv;
	bft_proposal p[8];
	size_t np;
} held_msgs;

static void each_p(void *ctx, const bft_proposal *p)
{
	held_msgs *h = ctx;
	if (h->np < 8)
		h->p[h->np++] = *p;
}

static void each_v(void *ctx, const bft_vote *v)
{
	held_msgs *h = ctx;
	if (h->nv < 64)
		h->v[h->nv++] = *v;
}

static void collect(const bft_machine *m, held_msgs *h)
{
	memset(h, 0, sizeof *h);
	bft_machine_each(m, each_p, each_v, h);
}

/* ---- 5: the lock, rules 22, 28, 36 and 11 ---- */

static void test_locked(void)
{
	/* Five validators: the proposer of (1, r) is index r mod 5, so L,
	 * index 4, proposes first in round 4. Quorum 4, f+1 2. */
	vals vs;
	CHECK(vals_init(&vs, 5, NULL));
	char dir[32];
	CHECK(tdir_make(dir));
	rig g;
	CHECK(rig_open(&g, dir, "wal", vs.key[4]));
	probe *p = &g.p;
	bft_machine *m = g.m;
	h256 a = fake_block(1, 0, &vs.genesis.v[0].addr);
	h256 b = fake_block(1, 1, &vs.genesis.v[1].addr);
	probe_block(p, &a, BFT_BLOCK_VALID);
	probe_block(p, &b, BFT_BLOCK_VALID);

	CHECK_EQ_INT(bft_machine_start(m, 1, &vs.set1, &vs.genesis), DURE_OK);
	CHECK_EQ_INT(p->nt, 1);
	CHECK(timer_is(&p->timers[0], BFT_PROPOSE, 1, 0, 1000));
	bft_status st;
	bft_machine_status(m, &st);
	CHECK_EQ_INT(st.self, 4);
	CHECK_EQ_INT(st.proposer, 0);

	/* Round 0: prevote A, lock A on its polka. */
	bft_proposal pr = mk_prop(&vs, 0, 1, 0, -1, &a);
	CHECK_EQ_INT(bft_machine_on_proposal(m, &pr), DURE_OK);
	CHECK_EQ_INT(p->nv, 1);
	CHECK(vote_is(&p->votes[0], BFT_STEP_PREVOTE, 0, &a));
	for (size_t i = 0; i < 2; i++) {
		bft_vote v = mk_vote(&vs, i, BFT_STEP_PREVOTE, 1, 0, &a);
		CHECK_EQ_INT(bft_machine_on_vote(m, &v), DURE_OK);
	}
	CHECK_EQ_INT(p->nv, 1); /* 3 of 5: no polka yet */
	bft_vote v = mk_vote(&vs, 2, BFT_STEP_PREVOTE, 1, 0, &a);
	CHECK_EQ_INT(bft_machine_on_vote(m, &v), DURE_OK);
	CHECK_EQ_INT(p->nv, 2);
	CHECK(vote_is(&p->votes[1], BFT_STEP_PRECOMMIT, 0, &a));
	bft_machine_status(m, &st);
	CHECK_EQ_INT(st.step, BFT_PRECOMMIT);
	CHECK_EQ_INT(st.locked_round, 0);
	CHECK(h256_eq(&st.locked, &a));
	CHECK_EQ_INT(st.valid_round, 0);
	CHECK(h256_eq(&st.valid, &a));
	/* Rule 34 set the prevote timer on the same quorum. */
	CHECK(timer_is(&p->timers[p->nt - 1], BFT_PREVOTE, 1, 0, 500));

	/* Timers of steps already left change nothing. */
	for (uint8_t step = BFT_PROPOSE; step <= BFT_PREVOTE; step++) {
		CHECK_EQ_INT(bft_machine_on_timeout(m, step, 1, 0), DURE_OK);
		bft_machine_status(m, &st);
		CHECK_EQ_INT(st.step, BFT_PRECOMMIT);
	}
	CHECK_EQ_INT(p->nv, 2);

	/* The others precommit nil: no decision, the precommit timer. */
	size_t nt = p->nt;
	for (size_t i = 0; i < 3; i++) {
		v = mk_vote(&vs, i, BFT_STEP_PRECOMMIT, 1, 0, NULL);
		CHECK_EQ_INT(bft_machine_on_vote(m, &v), DURE_OK);
	}
	CHECK_EQ_INT(p->ndecide, 0);
	CHECK_EQ_INT(p->nt, nt + 1);
	CHECK(timer_is(&p->timers[nt], BFT_PRECOMMIT, 1, 0, 500));
	CHECK_EQ_INT(bft_machine_on_timeout(m, BFT_PRECOMMIT, 1, 0), DURE_OK);
	bft_machine_status(m, &st);
	CHECK_EQ_INT(st.round, 1);
	CHECK_EQ_INT(st.step, BFT_PROPOSE);
	CHECK(timer_is(&p->timers[p->nt - 1], BFT_PROPOSE, 1, 1, 1100));

	/* Round 1: B with no proof of lock; locked on A, L prevotes nil. */
	pr = mk_prop(&vs, 1, 1, 1, -1, &b);
	CHECK_EQ_INT(bft_machine_on_proposal(m, &pr), DURE_OK);
	CHECK_EQ_INT(p->nv, 3);
	CHECK(vote_is(&p->votes[2], BFT_STEP_PREVOTE, 1, NULL));
	/* Three prevotes for B: 2f+1 of any values, no polka for B. */
	for (size_t i = 0; i < 3; i++) {
		v = mk_vote(&vs, i, BFT_STEP_PREVOTE, 1, 1, &b);
		CHECK_EQ_INT(bft_machine_on_vote(m, &v), DURE_OK);
	}
	CHECK(timer_is(&p->timers[p->nt - 1], BFT_PREVOTE, 1, 1, 550));
	CHECK_EQ_INT(p->nv, 3);
	CHECK_EQ_INT(bft_machine_on_timeout(m, BFT_PREVOTE, 1, 1), DURE_OK);
	CHECK_EQ_INT(p->nv, 4);
	CHECK(vote_is(&p->votes[3], BFT_STEP_PRECOMMIT, 1, NULL));
	/* The fourth prevote for B, at step precommit: B is the valid
	 * value of round 1 (rule 36), the lock stays. */
	v = mk_vote(&vs, 3, BFT_STEP_PREVOTE, 1, 1, &b);
	CHECK_EQ_INT(bft_machine_on_vote(m, &v), DURE_OK);
	CHECK_EQ_INT(p->nv, 4);
	bft_machine_status(m, &st);
	CHECK_EQ_INT(st.valid_round, 1);
	CHECK(h256_eq(&st.valid, &b));
	CHECK_EQ_INT(st.locked_round, 0);
	CHECK(h256_eq(&st.locked, &a));
	for (size_t i = 0; i < 3; i++) {
		v = mk_vote(&vs, i, BFT_STEP_PRECOMMIT, 1, 1, NULL);
		CHECK_EQ_INT(bft_machine_on_vote(m, &v), DURE_OK);
	}
	CHECK(timer_is(&p->timers[p->nt - 1], BFT_PRECOMMIT, 1, 1, 550));
	CHECK_EQ_INT(bft_machine_on_timeout(m, BFT_PRECOMMIT, 1, 1), DURE_OK);

	/* Round 2: A again with the proof of lock of round 0: prevote A. */
	pr = mk_prop(&vs, 2, 1, 2, 0, &a);
	CHECK_EQ_INT(bft_machine_on_proposal(m, &pr), DURE_OK);
	CHECK_EQ_INT(p->nv, 5);
	CHECK(vote_is(&p->votes[4], BFT_STEP_PREVOTE, 2, &a));
	CHECK_EQ_INT(bft_machine_on_timeout(m, BFT_PREVOTE, 1, 2), DURE_OK);
	CHECK(vote_is(&p->votes[5], BFT_STEP_PRECOMMIT, 2, NULL));
	CHECK_EQ_INT(bft_machine_on_timeout(m, BFT_PRECOMMIT, 1, 2), DURE_OK);

	/* Round 3: B with a proof of lock of round 2, where nobody has
	 * prevoted B yet: L waits. With the fourth prevote for B of round 2
	 * the polka is there, and as the lock (round 0) is older than it,
	 * L prevotes B (rule 28). */
	pr = mk_prop(&vs, 3, 1, 3, 2, &b);
	CHECK_EQ_INT(bft_machine_on_proposal(m, &pr), DURE_OK);
	for (size_t i = 0; i < 3; i++) {
		v = mk_vote(&vs, i, BFT_STEP_PREVOTE, 1, 2, &b);
		CHECK_EQ_INT(bft_machine_on_vote(m, &v), DURE_OK);
	}
	CHECK_EQ_INT(p->nv, 6);
	bft_machine_status(m, &st);
	CHECK_EQ_INT(st.step, BFT_PROPOSE);
	v = mk_vote(&vs, 3, BFT_STEP_PREVOTE, 1, 2, &b);
	CHECK_EQ_INT(bft_machine_on_vote(m, &v), DURE_OK);
	CHECK_EQ_INT(p->nv, 7);
	CHECK(vote_is(&p->votes[6], BFT_STEP_PREVOTE, 3, &b));
	bft_machine_status(m, &st);
	CHECK_EQ_INT(st.locked_round, 0);
	CHECK(h256_eq(&st.locked, &a));

	/* Round 4 is L's: it proposes its valid value, B of round 1 (not
	 * its locked A), and asks the host for nothing. */
	CHECK_EQ_INT(bft_machine_on_timeout(m, BFT_PREVOTE, 1, 3), DURE_OK);
	CHECK_EQ_INT(bft_machine_on_timeout(m, BFT_PRECOMMIT, 1, 3), DURE_OK);
	CHECK_EQ_INT(p->np, 1);
	CHECK_EQ_INT(p->props[0].round, 4);
	CHECK_EQ_INT(p->props[0].pol_round, 1);
	CHECK(h256_eq(&p->props[0].hash, &b));
	CHECK_EQ_INT(p->proposes, 0);
	/* Its own proposal, with the polka of round 1 newer than its
	 * lock: prevote B. */
	CHECK(vote_is(&p->votes[p->nv - 1], BFT_STEP_PREVOTE, 4, &b));
	CHECK_EQ_INT(bft_wal_count(g.w), p->nv + p->np);
	CHECK_EQ_INT(p->overflow, 0);
	rig_close(&g);
	tdir_remove(dir);
}

/* ---- validity, rule 49, the observer ---- */

static void test_validity(void)
{
	vals vs;
	CHECK(vals_init(&vs, 4, NULL));
	char dir[32];
	CHECK(tdir_make(dir));
	rig g;
	CHECK(rig_open(&g, dir, "wal", vs.key[3]));
	probe *p = &g.p;
	h256 a = fake_block(1, 0, &vs.genesis.v[0].addr);
	probe_block(p, &a, BFT_BLOCK_PENDING);
	CHECK_EQ_INT(bft_machine_start(g.m, 1, &vs.set1, &vs.genesis), DURE_OK);
	CHECK_EQ_INT(p->validates, 0);

	/* A is not known yet: no prevote, and validate is not asked again
	 * until on_block. */
	bft_proposal pr = mk_prop(&vs, 0, 1, 0, -1, &a);
	CHECK_EQ_INT(bft_machine_on_proposal(g.m, &pr), DURE_OK);
	CHECK_EQ_INT(p->validates, 1);
	CHECK_EQ_INT(p->nv, 0);
	bft_vote v = mk_vote(&vs, 1, BFT_STEP_PREVOTE, 1, 0, NULL);
	CHECK_EQ_INT(bft_machine_on_vote(g.m, &v), DURE_OK);
	CHECK_EQ_INT(p->validates, 1);
	CHECK_EQ_INT(p->nv, 0);
	probe_block(p, &a, BFT_BLOCK_VALID);
	CHECK_EQ_INT(bft_machine_on_block(g.m, &a), DURE_OK);
	CHECK_EQ_INT(p->validates, 2);
	CHECK_EQ_INT(p->nv, 1);
	CHECK(vote_is(&p->votes[0], BFT_STEP_PREVOTE, 0, &a));

	/* The polka and the commit use the remembered answer. */
	for (size_t i = 0; i < 3; i += 2) {
		v = mk_vote(&vs, i, BFT_STEP_PREVOTE, 1, 0, &a);
		CHECK_EQ_INT(bft_machine_on_vote(g.m, &v), DURE_OK);
	}
	CHECK_EQ_INT(p->nv, 2);
	CHECK(vote_is(&p->votes[1], BFT_STEP_PRECOMMIT, 0, &a));
	v = mk_vote(&vs, 0, BFT_STEP_PRECOMMIT, 1, 0, &a);
	CHECK_EQ_INT(bft_machine_on_vote(g.m, &v), DURE_OK);
	CHECK_EQ_INT(p->ndecide, 0);
	v = mk_vote(&vs, 2, BFT_STEP_PRECOMMIT, 1, 0, &a);
	CHECK_EQ_INT(bft_machine_on_vote(g.m, &v), DURE_OK);
	CHECK_EQ_INT(p->ndecide, 1);
	CHECK_EQ_INT(p->validates, 2);
	CHECK_EQ_INT(p->commit.height, 1);
	CHECK_EQ_INT(p->commit.round, 0);
	CHECK(h256_eq(&p->commit.hash, &a));
	/* Indices 0, 2 and 3 (this validator), ascending. */
	CHECK_EQ_INT(p->commit.n, 3);
	CHECK_EQ_INT(p->commit.sigs[0].index, 0);
	CHECK_EQ_INT(p->commit.sigs[1].index, 2);
	CHECK_EQ_INT(p->commit.sigs[2].index, 3);
	CHECK_EQ_INT(bft_commit_verify(&p->commit, CHAIN, &vs.set1), DURE_OK);
	bft_status st;
	bft_machine_status(g.m, &st);
	CHECK(st.decided);

	/* Decided: the height takes nothing more. */
	v = mk_vote(&vs, 1, BFT_STEP_PRECOMMIT, 1, 0, &a);
	CHECK_EQ_INT(bft_machine_on_vote(g.m, &v), DURE_EBFT_STALE);
	CHECK_EQ_INT(bft_machine_on_timeout(g.m, BFT_PRECOMMIT, 1, 0), DURE_OK);
	CHECK_EQ_INT(p->ndecide, 1);
	bft_machine_status(g.m, &st);
	CHECK_EQ_INT(st.round, 0);

	/* Height 2's proposal (index 1 proposes (2, 0)) and two prevotes,
	 * kept while height 1 is decided, count when it starts: with this
	 * validator's prevote they are a polka at once. */
	bft_valset set2 = vs.set1;
	bft_valset_increment(&set2, 1, NULL);
	h256 c = fake_block(2, 0, &vs.genesis.v[1].addr);
	probe_block(p, &c, BFT_BLOCK_VALID);
	pr = mk_prop(&vs, 1, 2, 0, -1, &c);
	CHECK_EQ_INT(bft_machine_on_proposal(g.m, &pr), DURE_OK);
	for (size_t i = 0; i < 2; i++) {
		v = mk_vote(&vs, i, BFT_STEP_PREVOTE, 2, 0, &c);
		CHECK_EQ_INT(bft_machine_on_vote(g.m, &v), DURE_OK);
	}
	size_t nv = p->nv;
	CHECK_EQ_INT(bft_machine_start(g.m, 2, &set2, &vs.set1), DURE_OK);
	CHECK_EQ_INT(p->nv, nv + 2);
	CHECK(vote_is(&p->votes[nv], BFT_STEP_PREVOTE, 0, &c));
	CHECK(vote_is(&p->votes[nv + 1], BFT_STEP_PRECOMMIT, 0, &c));
	CHECK_EQ_INT(p->votes[nv + 1].height, 2);
	rig_close(&g);

	/* An observer: precommits alone decide (no proposal), an invalid
	 * block is never decided, and it signs nothing. */
	rig o;
	CHECK(rig_open(&o, dir, "none", NULL));
	p = &o.p;
	h256 x = fake_block(1, 0, &vs.genesis.v[1].addr);
	probe_block(p, &a, BFT_BLOCK_VALID);
	probe_block(p, &x, BFT_BLOCK_INVALID);
	CHECK_EQ_INT(bft_machine_start(o.m, 1, &vs.set1, &vs.genesis), DURE_OK);
	bft_machine_status(o.m, &st);
	CHECK_EQ_INT(st.self, -1);
	for (size_t i = 0; i < 3; i++) {
		v = mk_vote(&vs, i, BFT_STEP_PRECOMMIT, 1, 1, &x);
		CHECK_EQ_INT(bft_machine_on_vote(o.m, &v), DURE_OK);
	}
	CHECK_EQ_INT(p->ndecide, 0);
	CHECK_EQ_INT(p->validates, 1);
	for (size_t i = 1; i < 4; i++) {
		v = mk_vote(&vs, i, BFT_STEP_PRECOMMIT, 1, 2, &a);
		CHECK_EQ_INT(bft_machine_on_vote(o.m, &v), DURE_OK);
	}
	CHECK_EQ_INT(p->ndecide, 1);
	CHECK_EQ_INT(p->commit.round, 2);
	CHECK(h256_eq(&p->commit.hash, &a));
	CHECK_EQ_INT(bft_commit_verify(&p->commit, CHAIN, &vs.set1), DURE_OK);
	CHECK_EQ_INT(p->nv + p->np, 0);
	rig_close(&o);
	tdir_remove(dir);
}

/* ---- 9: rule 55 ---- */

static void test_skip(void)
{
	/* Powers by key 1..4: 1, 1, 3, 5; total 10, f+1 = 10/3 + 1 = 4. */
	static const uint64_t pw[4] = {1, 1, 3, 5};
	vals vs;
	CHECK(vals_init(&vs, 4, pw));
	int i1 = -1, i3 = -1, self = -1;
	uint8_t k1[32];
	key_of(1, k1);
	address a1 = addr_of(k1);
	for (size_t i = 0; i < 4; i++) {
		if (address_eq(&vs.genesis.v[i].addr, &a1))
			self = (int)i;
		else if (vs.genesis.v[i].power == 1)
			i1 = (int)i;
		else if (vs.genesis.v[i].power == 3)
			i3 = (int)i;
	}
	CHECK(self >= 0 && i1 >= 0 && i3 >= 0);
	char dir[32];
	CHECK(tdir_make(dir));
	rig g;
	CHECK(rig_open(&g, dir, "wal", k1));
	CHECK_EQ_INT(bft_machine_start(g.m, 1, &vs.set1, &vs.genesis), DURE_OK);
	bft_status st;
	/* Power 3 of round 3, twice from one validator: not f+1. */
	bft_vote v = mk_vote(&vs, (size_t)i3, BFT_STEP_PRECOMMIT, 1, 3, NULL);
	CHECK_EQ_INT(bft_machine_on_vote(g.m, &v), DURE_OK);
	v = mk_vote(&vs, (size_t)i3, BFT_STEP_PREVOTE, 1, 3, NULL);
	CHECK_EQ_INT(bft_machine_on_vote(g.m, &v), DURE_OK);
	/* Power 1 in round 2 does not add to round 3. */
	v = mk_vote(&vs, (size_t)i1, BFT_STEP_PREVOTE, 1, 2, NULL);
	CHECK_EQ_INT(bft_machine_on_vote(g.m, &v), DURE_OK);
	bft_machine_status(g.m, &st);
	CHECK_EQ_INT(st.round, 0);
	/* 3 + 1 = 4 of round 3: jump. */
	v = mk_vote(&vs, (size_t)i1, BFT_STEP_PRECOMMIT, 1, 3, NULL);
	CHECK_EQ_INT(bft_machine_on_vote(g.m, &v), DURE_OK);
	bft_machine_status(g.m, &st);
	CHECK_EQ_INT(st.round, 3);
	CHECK_EQ_INT(st.proposer, bft_valset_proposer(&vs.genesis, 3));
	if (st.proposer != (uint32_t)self) {
		CHECK_EQ_INT(st.step, BFT_PROPOSE);
		const timer *t = &g.p.timers[g.p.nt - 1];
		CHECK(timer_is(t, BFT_PROPOSE, 1, 3, 1300));
	}
	rig_close(&g);
	tdir_remove(dir);
}

/* ---- 7: restart from the WAL ---- */

static bool wal_put(const char *path, uint8_t kind, uint64_t h,
                    const uint8_t *p, size_t n)
{
	bft_wal *w;
	if (bft_wal_open(path, &w))
		return false;
	int err = bft_wal_append(w, kind, h, p, n);
	bft_wal_free(w);
	return err == DURE_OK;
}

static void test_restart(void)
{
	vals vs;
	CHECK(vals_init(&vs, 4, NULL));
	char dir[32];
	CHECK(tdir_make(dir));
	h256 a = fake_block(1, 0, &vs.genesis.v[0].addr);

	/* Validator 1 prevotes and precommits A in round 0, then crashes. */
	rig g;
	CHECK(rig_open(&g, dir, "wal", vs.key[1]));
	probe_block(&g.p, &a, BFT_BLOCK_VALID);
	CHECK_EQ_INT(bft_machine_start(g.m, 1, &vs.set1, &vs.genesis), DURE_OK);
	bft_proposal pr = mk_prop(&vs, 0, 1, 0, -1, &a);
	CHECK_EQ_INT(bft_machine_on_proposal(g.m, &pr), DURE_OK);
	bft_vote v = mk_vote(&vs, 0, BFT_STEP_PREVOTE, 1, 0, &a);
	CHECK_EQ_INT(bft_machine_on_vote(g.m, &v), DURE_OK);
	v = mk_vote(&vs, 2, BFT_STEP_PREVOTE, 1, 0, &a);
	CHECK_EQ_INT(bft_machine_on_vote(g.m, &v), DURE_OK);
	CHECK_EQ_INT(g.p.nv, 2);
	CHECK(vote_is(&g.p.votes[0], BFT_STEP_PREVOTE, 0, &a));
	CHECK(vote_is(&g.p.votes[1], BFT_STEP_PRECOMMIT, 0, &a));
	CHECK_EQ_INT(bft_wal_count(g.w), 2);
	bft_vote signed_before[2] = {g.p.votes[0], g.p.votes[1]};
	rig_close(&g);

	/* The new process: the lock back, nothing signed at start. */
	rig r;
	CHECK(rig_open(&r, dir, "wal", vs.key[1]));
	probe *p = &r.p;
	probe_block(p, &a, BFT_BLOCK_VALID);
	CHECK_EQ_INT(bft_wal_count(r.w), 2);
	CHECK_EQ_INT(bft_machine_start(r.m, 1, &vs.set1, &vs.genesis), DURE_OK);
	CHECK_EQ_INT(p->nv + p->np, 0);
	bft_status st;
	bft_machine_status(r.m, &st);
	CHECK_EQ_INT(st.round, 0);
	CHECK_EQ_INT(st.step, BFT_PRECOMMIT);
	CHECK_EQ_INT(st.locked_round, 0);
	CHECK(h256_eq(&st.locked, &a));
	CHECK_EQ_INT(st.valid_round, 0);
	CHECK(h256_eq(&st.valid, &a));
	held_msgs h;
	collect(r.m, &h);
	CHECK_EQ_INT(h.np, 0);
	CHECK_EQ_INT(h.nv, 2);
	CHECK_MEM(&h.v[0], &signed_before[0], sizeof(bft_vote));
	CHECK_MEM(&h.v[1], &signed_before[1], sizeof(bft_vote));

	/* Round 0 again, and nil prevotes a quorum: it signs nothing new. */
	CHECK_EQ_INT(bft_machine_on_proposal(r.m, &pr), DURE_OK);
	for (size_t i = 0; i < 4; i += 3) {
		v = mk_vote(&vs, i, BFT_STEP_PREVOTE, 1, 0, NULL);
		CHECK_EQ_INT(bft_machine_on_vote(r.m, &v), DURE_OK);
	}
	v = mk_vote(&vs, 2, BFT_STEP_PREVOTE, 1, 0, NULL);
	CHECK_EQ_INT(bft_machine_on_vote(r.m, &v), DURE_OK);
	CHECK_EQ_INT(p->nv + p->np, 0);
	CHECK_EQ_INT(bft_wal_count(r.w), 2);
	/* Its own prevote echoed back is a duplicate. */
	CHECK_EQ_INT(bft_machine_on_vote(r.m, &signed_before[0]), DURE_EBFT_STALE);

	/* Round 1 is its own: it proposes the valid value, pol 0. */
	for (size_t i = 0; i < 3; i += 2) {
		v = mk_vote(&vs, i, BFT_STEP_PRECOMMIT, 1, 0, NULL);
		CHECK_EQ_INT(bft_machine_on_vote(r.m, &v), DURE_OK);
	}
	CHECK(timer_is(&p->timers[p->nt - 1], BFT_PRECOMMIT, 1, 0, 500));
	CHECK_EQ_INT(bft_machine_on_timeout(r.m, BFT_PRECOMMIT, 1, 0), DURE_OK);
	CHECK_EQ_INT(p->np, 1);
	CHECK_EQ_INT(p->props[0].round, 1);
	CHECK_EQ_INT(p->props[0].pol_round, 0);
	CHECK(h256_eq(&p->props[0].hash, &a));
	CHECK_EQ_INT(p->proposes, 0);
	CHECK_EQ_INT(bft_wal_count(r.w), 3 + p->nv);
	rig_close(&r);

	/* A crash after the prevote alone resumes at step prevote. */
	rig q;
	CHECK(rig_open(&q, dir, "wal2", vs.key[2]));
	probe_block(&q.p, &a, BFT_BLOCK_VALID);
	CHECK_EQ_INT(bft_machine_start(q.m, 1, &vs.set1, &vs.genesis), DURE_OK);
	CHECK_EQ_INT(bft_machine_on_proposal(q.m, &pr), DURE_OK);
	CHECK_EQ_INT(q.p.nv, 1);
	rig_close(&q);
	CHECK(rig_open(&q, dir, "wal2", vs.key[2]));
	probe_block(&q.p, &a, BFT_BLOCK_VALID);
	CHECK_EQ_INT(bft_machine_start(q.m, 1, &vs.set1, &vs.genesis), DURE_OK);
	bft_machine_status(q.m, &st);
	CHECK_EQ_INT(st.step, BFT_PREVOTE);
	CHECK_EQ_INT(st.locked_round, -1);
	CHECK_EQ_INT(bft_machine_on_proposal(q.m, &pr), DURE_OK);
	CHECK_EQ_INT(q.p.nv, 0);
	rig_close(&q);

	/* A resumed proposal: no second one, the propose timer set. */
	CHECK(rig_open(&q, dir, "wal3", vs.key[0]));
	probe_block(&q.p, &a, BFT_BLOCK_PENDING);
	q.p.propose_hash = a;
	CHECK_EQ_INT(bft_machine_start(q.m, 1, &vs.set1, &vs.genesis), DURE_OK);
	CHECK_EQ_INT(q.p.np, 1);
	CHECK_EQ_INT(q.p.nv, 0);
	rig_close(&q);
	CHECK(rig_open(&q, dir, "wal3", vs.key[0]));
	probe_block(&q.p, &a, BFT_BLOCK_PENDING);
	CHECK_EQ_INT(bft_machine_start(q.m, 1, &vs.set1, &vs.genesis), DURE_OK);
	CHECK_EQ_INT(q.p.np + q.p.nv + q.p.proposes, 0);
	CHECK_EQ_INT(q.p.nt, 1);
	CHECK(timer_is(&q.p.timers[0], BFT_PROPOSE, 1, 0, 1000));
	collect(q.m, &h);
	CHECK_EQ_INT(h.np, 1);
	rig_close(&q);

	/* Its WAL lost, validator 3 gets its earlier nil prevote back from
	 * a peer: that counts as signed, and it signs no prevote for A. */
	CHECK(rig_open(&q, dir, "lost", vs.key[3]));
	probe_block(&q.p, &a, BFT_BLOCK_VALID);
	CHECK_EQ_INT(bft_machine_start(q.m, 1, &vs.set1, &vs.genesis), DURE_OK);
	v = mk_vote(&vs, 3, BFT_STEP_PREVOTE, 1, 0, NULL);
	CHECK_EQ_INT(bft_machine_on_vote(q.m, &v), DURE_OK);
	CHECK_EQ_INT(bft_machine_on_proposal(q.m, &pr), DURE_OK);
	CHECK_EQ_INT(q.p.nv, 0);
	CHECK_EQ_INT(bft_wal_count(q.w), 0);
	bft_machine_status(q.m, &st);
	CHECK_EQ_INT(st.step, BFT_PREVOTE);
	rig_close(&q);

	/* Records of another key, or that do not decode: refused; another
	 * height's, or another kind's: ignored. */
	char path[64];
	buf b = BUF_INIT;
	bft_vote_encode(&v, &b); /* signed by validator 3 */
	snprintf(path, sizeof path, "%s/foreign", dir);
	CHECK(wal_put(path, BFT_WAL_VOTE, 1, b.data, b.len));
	CHECK(rig_open(&q, dir, "foreign", vs.key[1]));
	CHECK_EQ_INT(bft_machine_start(q.m, 1, &vs.set1, &vs.genesis),
	             DURE_EBFT_WAL);
	CHECK_EQ_INT(bft_machine_on_vote(q.m, &v), DURE_EIO);
	CHECK_EQ_INT(q.p.nv + q.p.np, 0);
	rig_close(&q);
	snprintf(path, sizeof path, "%s/junk", dir);
	CHECK(wal_put(path, BFT_WAL_VOTE, 1, (const uint8_t *)"junk", 4));
	CHECK(rig_open(&q, dir, "junk", vs.key[1]));
	CHECK_EQ_INT(bft_machine_start(q.m, 1, &vs.set1, &vs.genesis),
	             DURE_EBFT_WAL);
	rig_close(&q);
	snprintf(path, sizeof path, "%s/other", dir);
	CHECK(wal_put(path, BFT_WAL_VOTE, 5, (const uint8_t *)"junk", 4));
	CHECK(wal_put(path, 9, 1, (const uint8_t *)"junk", 4));
	CHECK(wal_put(path, BFT_WAL_VOTE, 2, b.data, b.len));
	CHECK(rig_open(&q, dir, "other", vs.key[1]));
	CHECK_EQ_INT(bft_machine_start(q.m, 1, &vs.set1, &vs.genesis), DURE_OK);
	bft_machine_status(q.m, &st);
	CHECK_EQ_INT(st.step, BFT_PROPOSE);
	rig_close(&q);
	buf_free(&b);
	tdir_remove(dir);
}

/* ---- 8: bad input ---- */

static void test_bad_input(void)
{
	vals vs;
	CHECK(vals_init(&vs, 4, NULL));
	char dir[32];
	CHECK(tdir_make(dir));
	probe pz;
	memset(&pz, 0, sizeof pz);
	bft_host host = probe_host(&pz);
	bft_machine *m = (bft_machine *)(uintptr_t)1;
	uint8_t zero[32] = {0};
	CHECK_EQ_INT(bft_machine_new(CHAIN, vs.key[0], NULL, &host, &TO, &m),
	             DURE_EINVAL);
	CHECK(m == NULL);
	rig g;
	CHECK(rig_open(&g, dir, "wal", vs.key[3]));
	CHECK_EQ_INT(bft_machine_new(CHAIN, zero, g.w, &host, &TO, &m),
	             DURE_EINVAL);
	CHECK(m == NULL);

	probe *p = &g.p;
	h256 a = fake_block(1, 0, &vs.genesis.v[0].addr);
	h256 b = fake_block(1, 0, &vs.genesis.v[1].addr);
	probe_block(p, &a, BFT_BLOCK_VALID);
	bft_vote v = mk_vote(&vs, 0, BFT_STEP_PREVOTE, 1, 0, NULL);
	CHECK_EQ_INT(bft_machine_on_vote(g.m, &v), DURE_EBFT_STALE); /* unstarted */
	bft_status st;
	bft_machine_status(g.m, &st);
	CHECK_EQ_INT(st.height, 0);
	CHECK_EQ_INT(st.self, -1);
	CHECK_EQ_INT(bft_machine_start(g.m, 0, &vs.set1, &vs.genesis),
	             DURE_EINVAL);
	CHECK_EQ_INT(bft_machine_start(g.m, 1, &vs.set1, &vs.genesis), DURE_OK);
	CHECK_EQ_INT(bft_machine_start(g.m, 1, &vs.set1, &vs.genesis),
	             DURE_EINVAL);

	/* Signatures and signers. */
	bft_vote bad = v;
	bad.sig[64] = 9;
	CHECK_EQ_INT(bft_machine_on_vote(g.m, &bad), DURE_ESIG);
	bad = v;
	memset(bad.sig, 0, 32); /* r = 0 */
	CHECK_EQ_INT(bft_machine_on_vote(g.m, &bad), DURE_ESIG);
	bad = v;
	bad.nil = false;
	bad.hash = a; /* another digest: another signer */
	CHECK_EQ_INT(bft_machine_on_vote(g.m, &bad), DURE_EBFT_SIGNER);
	vals out;
	uint8_t k99[32];
	key_of(99, k99);
	memcpy(out.key[0], k99, 32);
	bft_vote stranger = mk_vote(&out, 0, BFT_STEP_PREVOTE, 1, 0, NULL);
	CHECK_EQ_INT(bft_machine_on_vote(g.m, &stranger), DURE_EBFT_SIGNER);
	bft_proposal pr = mk_prop(&vs, 1, 1, 0, -1, &b);
	CHECK_EQ_INT(bft_machine_on_proposal(g.m, &pr), DURE_EBFT_SIGNER);
	bft_proposal bp = mk_prop(&vs, 0, 1, 0, -1, &a);
	bp.sig[64] = 4;
	CHECK_EQ_INT(bft_machine_on_proposal(g.m, &bp), DURE_ESIG);

	/* What decoding would have refused. */
	bad = v;
	bad.step = BFT_STEP_PROPOSAL;
	CHECK_EQ_INT(bft_machine_on_vote(g.m, &bad), DURE_EINVAL);
	bp = mk_prop(&vs, 0, 1, 0, 0, &a);
	CHECK_EQ_INT(bft_machine_on_proposal(g.m, &bp), DURE_EINVAL);

	/* The window: rounds up to current + BFT_ROUND_AHEAD. */
	bft_vote far = mk_vote(&vs, 1, BFT_STEP_PREVOTE, 1,
	                       BFT_ROUND_AHEAD + 1, NULL);
	CHECK_EQ_INT(bft_machine_on_vote(g.m, &far), DURE_EBFT_STALE);
	bft_vote edge = mk_vote(&vs, 1, BFT_STEP_PREVOTE, 1, BFT_ROUND_AHEAD,
	                        NULL);
	CHECK_EQ_INT(bft_machine_on_vote(g.m, &edge), DURE_OK);
	held_msgs h;
	collect(g.m, &h);
	CHECK_EQ_INT(h.nv, 1);
	CHECK(vote_is(&h.v[0], BFT_STEP_PREVOTE, BFT_ROUND_AHEAD, NULL));

	/* Heights: the next one kept (one per validator, step and round),
	 * others not. */
	bft_vote nx = mk_vote(&vs, 0, BFT_STEP_PREVOTE, 2, 0, NULL);
	CHECK_EQ_INT(bft_machine_on_vote(g.m, &nx), DURE_OK);
	CHECK_EQ_INT(bft_machine_on_vote(g.m, &nx), DURE_EBFT_STALE);
	nx = mk_vote(&vs, 0, BFT_STEP_PREVOTE, 2, 0, &a);
	CHECK_EQ_INT(bft_machine_on_vote(g.m, &nx), DURE_EBFT_STALE);
	nx = mk_vote(&vs, 0, BFT_STEP_PREVOTE, 2, BFT_ROUND_AHEAD, NULL);
	CHECK_EQ_INT(bft_machine_on_vote(g.m, &nx), DURE_EBFT_STALE);
	nx = mk_vote(&vs, 0, BFT_STEP_PREVOTE, 3, 0, NULL);
	CHECK_EQ_INT(bft_machine_on_vote(g.m, &nx), DURE_EBFT_STALE);
	stranger = mk_vote(&out, 0, BFT_STEP_PREVOTE, 2, 0, NULL);
	CHECK_EQ_INT(bft_machine_on_vote(g.m, &stranger), DURE_EBFT_SIGNER);
	/* Of height 2 the proposer of round 0 is index 1. */
	h256 c2 = fake_block(2, 0, &vs.genesis.v[1].addr);
	bp = mk_prop(&vs, 0, 2, 0, -1, &c2);
	CHECK_EQ_INT(bft_machine_on_proposal(g.m, &bp), DURE_EBFT_SIGNER);
	bp = mk_prop(&vs, 1, 2, 0, -1, &c2);
	CHECK_EQ_INT(bft_machine_on_proposal(g.m, &bp), DURE_OK);

	/* Duplicates and equivocation: evidence once, the first vote kept. */
	CHECK_EQ_INT(bft_machine_on_vote(g.m, &v), DURE_OK);
	CHECK_EQ_INT(bft_machine_on_vote(g.m, &v), DURE_EBFT_STALE);
	bft_vote v2 = mk_vote(&vs, 0, BFT_STEP_PREVOTE, 1, 0, &b);
	CHECK_EQ_INT(bft_machine_on_vote(g.m, &v2), DURE_OK);
	CHECK_EQ_INT(p->nev, 1);
	CHECK_EQ_INT(p->ev_index, 0);
	CHECK(!p->ev_prop);
	CHECK(vote_is(&p->eva, BFT_STEP_PREVOTE, 0, NULL));
	CHECK(vote_is(&p->evb, BFT_STEP_PREVOTE, 0, &b));
	CHECK(evidence_ok(&vs.set1, 0, &p->eva, &p->evb));
	bft_vote v3 = mk_vote(&vs, 0, BFT_STEP_PREVOTE, 1, 0, &a);
	CHECK_EQ_INT(bft_machine_on_vote(g.m, &v3), DURE_EBFT_STALE);
	CHECK_EQ_INT(p->nev, 1);

	/* Two proposals of round 0 from its proposer. */
	bp = mk_prop(&vs, 0, 1, 0, -1, &a);
	CHECK_EQ_INT(bft_machine_on_proposal(g.m, &bp), DURE_OK);
	CHECK(vote_is(&p->votes[p->nv - 1], BFT_STEP_PREVOTE, 0, &a));
	CHECK_EQ_INT(bft_machine_on_proposal(g.m, &bp), DURE_EBFT_STALE);
	bft_proposal bp2 = mk_prop(&vs, 0, 1, 0, -1, &b);
	CHECK_EQ_INT(bft_machine_on_proposal(g.m, &bp2), DURE_OK);
	CHECK_EQ_INT(p->nev, 2);
	CHECK(p->ev_prop);
	CHECK_EQ_INT(p->ev_index, 0);
	CHECK(h256_eq(&p->epa.hash, &a));
	CHECK(h256_eq(&p->epb.hash, &b));
	bft_proposal bp3 = mk_prop(&vs, 0, 1, 0, -1, &c2);
	CHECK_EQ_INT(bft_machine_on_proposal(g.m, &bp3), DURE_EBFT_STALE);
	CHECK_EQ_INT(p->nev, 2);
	/* Stale timers. */
	size_t nv = p->nv;
	CHECK_EQ_INT(bft_machine_on_timeout(g.m, BFT_PROPOSE, 1, 5), DURE_OK);
	CHECK_EQ_INT(bft_machine_on_timeout(g.m, BFT_PROPOSE, 2, 0), DURE_OK);
	CHECK_EQ_INT(bft_machine_on_timeout(g.m, BFT_PROPOSE, 1, 0), DURE_OK);
	CHECK_EQ_INT(p->nv, nv); /* at step prevote already */
	rig_close(&g);

	/* A WAL that cannot grow: the prevote is not sent, the machine
	 * halts. */
	CHECK(rig_open(&g, dir, "full", vs.key[3]));
	p = &g.p;
	probe_block(p, &a, BFT_BLOCK_VALID);
	CHECK_EQ_INT(bft_machine_start(g.m, 1, &vs.set1, &vs.genesis), DURE_OK);
	struct rlimit old, lim;
	CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0);
	void (*old_sig)(int) = signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = 0;
	CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
	bp = mk_prop(&vs, 0, 1, 0, -1, &a);
	CHECK_EQ_INT(bft_machine_on_proposal(g.m, &bp), DURE_EIO);
	CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
	signal(SIGXFSZ, old_sig);
	CHECK_EQ_INT(p->nv, 0);
	CHECK_EQ_INT(bft_wal_count(g.w), 0);
	CHECK_EQ_INT(bft_machine_on_vote(g.m, &v), DURE_EIO);
	CHECK_EQ_INT(bft_machine_on_proposal(g.m, &bp), DURE_EIO);
	CHECK_EQ_INT(bft_machine_on_timeout(g.m, BFT_PROPOSE, 1, 0), DURE_EIO);
	CHECK_EQ_INT(bft_machine_on_block(g.m, &a), DURE_EIO);
	CHECK_EQ_INT(bft_machine_start(g.m, 2, &vs.set1, &vs.set1), DURE_EIO);
	CHECK_EQ_INT(p->nv + p->np, 0);
	rig_close(&g);
	tdir_remove(dir);
}

/* ---- the simulated network ---- */

#define MAXN (MAXV + 1)
#define MAXH 20

enum { EV_VOTE, EV_PROP, EV_TIMER, EV_START };

typedef struct ev {
	uint64_t t, seq;
	int kind, src, dst;
	uint8_t step;
	uint64_t h;
	uint32_t r;
	union {
		bft_vote v;
		bft_proposal p;
	} u;
} ev;

typedef struct sim sim;

typedef struct node {
	sim *s;
	int id;
	uint8_t key[32];
	address addr;
	bool observer;
	bft_wal *w;
	bft_machine *m;
	bool crashed; /* nothing in, nothing out, no timers */
	bool down;    /* cut off: no messages in or out */
	bool byz;     /* prevotes differently to different nodes */
	bool byz_all; /* ... and precommits too */
	bool have[MAXH + 1];
	bft_commit commit[MAXH + 1];
	unsigned decides, validates, sent, evidence;
} node;

struct sim {
	int nv, nn; /* validators, nodes */
	node nodes[MAXN];
	bft_valset sets[MAXH + 1];
	uint64_t now, seq;
	ev *q;
	size_t qn, qcap;
	uint64_t rng;
	uint64_t dmin, dmax;
	unsigned dup; /* per cent of messages sent twice */
	bool relay;
	bool any[MAXH + 1];
	h256 first[MAXH + 1];
	h256 blocks[1024];
	uint64_t block_h[1024];
	size_t nblocks;
	unsigned conflicts, bad_commits, bad_evidence, errors;
	bft_timeouts to;
	char dir[32];
};

static const bft_timeouts SIM_TO = {{300, 100, 100}, {100, 50, 50}};

static uint64_t rnd(sim *s)
{
	/* splitmix64 */
	uint64_t z = (s->rng += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static bool ev_before(const ev *a, const ev *b)
{
	return a->t != b->t ? a->t < b->t : a->seq < b->seq;
}

static void push(sim *s, ev e)
{
	if (s->qn == s->qcap) {
		size_t cap = s->qcap ? 2 * s->qcap : 1024;
		ev *q = realloc(s->q, cap * sizeof *q);
		if (!q) {
			s->errors++;
			return;
		}
		s->q = q;
		s->qcap = cap;
	}
	e.seq = s->seq++;
	size_t i = s->qn++;
	while (i > 0 && ev_before(&e, &s->q[(i - 1) / 2])) {
		s->q[i] = s->q[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	s->q[i] = e;
}

static ev pop(sim *s)
{
	ev top = s->q[0], last = s->q[--s->qn];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= s->qn)
			break;
		if (c + 1 < s->qn && ev_before(&s->q[c + 1], &s->q[c]))
			c++;
		if (!ev_before(&s->q[c], &last))
			break;
		s->q[i] = s->q[c];
		i = c;
	}
	if (s->qn)
		s->q[i] = last;
	return top;
}

static uint64_t link_delay(sim *s)
{
	return s->dmin + rnd(s) % (s->dmax - s->dmin + 1);
}

/* Sends one message src -> dst over the link (a copy too, sometimes). */
static void deliver(sim *s, int src, int dst, int kind, const void *msg)
{
	int copies = 1 + (rnd(s) % 100 < s->dup);
	for (int c = 0; c < copies; c++) {
		ev e;
		memset(&e, 0, sizeof e);
		e.t = s->now + link_delay(s);
		e.kind = kind;
		e.src = src;
		e.dst = dst;
		if (kind == EV_VOTE)
			e.u.v = *(const bft_vote *)msg;
		else
			e.u.p = *(const bft_proposal *)msg;
		push(s, e);
	}
}

static void broadcast(sim *s, int src, int kind, const void *msg)
{
	node *n = &s->nodes[src];
	if (n->crashed || n->down)
		return;
	for (int j = 0; j < s->nn; j++)
		if (j != src)
			deliver(s, src, j, kind, msg);
}

static int n_propose(void *ctx, uint64_t h, uint32_t r, h256 *hash)
{
	node *n = ctx;
	sim *s = n->s;
	*hash = fake_block(h, r, &n->addr);
	if (s->nblocks < 1024) {
		s->blocks[s->nblocks] = *hash;
		s->block_h[s->nblocks++] = h;
	}
	return 0;
}

static int n_validate(void *ctx, uint64_t h, const h256 *hash)
{
	node *n = ctx;
	sim *s = n->s;
	n->validates++;
	for (size_t i = 0; i < s->nblocks; i++)
		if (s->block_h[i] == h && h256_eq(&s->blocks[i], hash))
			return BFT_BLOCK_VALID;
	return BFT_BLOCK_INVALID;
}

static void n_send_proposal(void *ctx, const bft_proposal *p)
{
	node *n = ctx;
	n->sent++;
	broadcast(n->s, n->id, EV_PROP, p);
}

static void n_send_vote(void *ctx, const bft_vote *v)
{
	node *n = ctx;
	sim *s = n->s;
	n->sent++;
	if (!n->byz || (v->step != BFT_STEP_PREVOTE && !n->byz_all)) {
		broadcast(s, n->id, EV_VOTE, v);
		return;
	}
	/* The genuine prevote to nodes 0 and 1, another to the rest. */
	bft_vote other = *v;
	other.nil = !v->nil;
	memset(&other.hash, 0, sizeof other.hash);
	if (!other.nil) {
		uint8_t tag[12] = {'b', 'y', 'z'};
		memcpy(tag + 4, &v->round, 4);
		keccak256(tag, sizeof tag, other.hash.b);
	}
	if (bft_vote_sign(&other, CHAIN, n->key))
		s->errors++;
	for (int j = 0; j < s->nn; j++)
		if (j != n->id)
			deliver(s, n->id, j, EV_VOTE, j < 2 ? v : &other);
}

static void n_schedule(void *ctx, uint8_t step, uint64_t h, uint32_t r,
                       uint64_t ms)
{
	node *n = ctx;
	sim *s = n->s;
	ev e;
	memset(&e, 0, sizeof e);
	e.t = s->now + ms;
	e.kind = EV_TIMER;
	e.src = e.dst = n->id;
	e.step = step;
	e.h = h;
	e.r = r;
	push(s, e);
}

static void n_decide(void *ctx, const bft_commit *c)
{
	node *n = ctx;
	sim *s = n->s;
	uint64_t h = c->height;
	n->decides++;
	if (h == 0 || h > MAXH || n->have[h]) {
		s->errors++;
		return;
	}
	n->have[h] = true;
	n->commit[h] = *c;
	if (bft_commit_verify(c, CHAIN, &s->sets[h]) != DURE_OK)
		s->bad_commits++;
	if (!s->any[h]) {
		s->any[h] = true;
		s->first[h] = c->hash;
	} else if (!h256_eq(&s->first[h], &c->hash)) {
		s->conflicts++;
	}
	if (h < MAXH) {
		ev e;
		memset(&e, 0, sizeof e);
		e.t = s->now + 5;
		e.kind = EV_START;
		e.src = e.dst = n->id;
		e.h = h + 1;
		push(s, e);
	}
}

static void n_evidence(void *ctx, uint32_t index, bool is_proposal,
                       const bft_proposal *pa, const bft_proposal *pb,
                       const bft_vote *va, const bft_vote *vb)
{
	node *n = ctx;
	sim *s = n->s;
	(void)pa;
	(void)pb;
	n->evidence++;
	if (is_proposal || va->height > MAXH ||
	    !evidence_ok(&s->sets[va->height], index, va, vb))
		s->bad_evidence++;
}

typedef struct sync_ctx {
	sim *s;
	int from, to;
} sync_ctx;

static void sync_p(void *ctx, const bft_proposal *p)
{
	sync_ctx *c = ctx;
	deliver(c->s, c->from, c->to, EV_PROP, p);
}

static void sync_v(void *ctx, const bft_vote *v)
{
	sync_ctx *c = ctx;
	deliver(c->s, c->from, c->to, EV_VOTE, v);
}

/* What peer `from` gives node `to` when they meet: the messages of the
 * height `to` is at, or the commit of it. */
static void sync_pair(sim *s, int to, int from)
{
	node *a = &s->nodes[to], *b = &s->nodes[from];
	if (to == from || a->crashed || a->down || b->crashed || b->down)
		return;
	bft_status sa, sb;
	bft_machine_status(a->m, &sa);
	bft_machine_status(b->m, &sb);
	if (sa.height == 0 || sa.height > MAXH)
		return;
	sync_ctx c = {s, from, to};
	if (sb.height == sa.height) {
		bft_machine_each(b->m, sync_p, sync_v, &c);
		return;
	}
	if (!b->have[sa.height])
		return;
	const bft_commit *cm = &b->commit[sa.height];
	for (size_t i = 0; i < cm->n; i++) {
		bft_vote v;
		memset(&v, 0, sizeof v);
		v.step = BFT_STEP_PRECOMMIT;
		v.height = cm->height;
		v.round = cm->round;
		v.hash = cm->hash;
		memcpy(v.sig, cm->sigs[i].sig, BFT_SIG_LEN);
		deliver(s, from, to, EV_VOTE, &v);
	}
}

static void dispatch(sim *s, const ev *e)
{
	node *n = &s->nodes[e->dst];
	if (n->crashed)
		return;
	int rc = DURE_OK;
	if (e->kind == EV_VOTE || e->kind == EV_PROP) {
		if (n->down || s->nodes[e->src].down)
			return;
		if (e->kind == EV_VOTE)
			rc = bft_machine_on_vote(n->m, &e->u.v);
		else
			rc = bft_machine_on_proposal(n->m, &e->u.p);
		if (rc == DURE_OK && s->relay && !n->byz)
			broadcast(s, e->dst, e->kind, &e->u);
		if (rc == DURE_OK || rc == DURE_EBFT_STALE)
			rc = DURE_OK;
	} else if (e->kind == EV_TIMER) {
		rc = bft_machine_on_timeout(n->m, e->step, e->h, e->r);
	} else {
		rc = bft_machine_start(n->m, e->h, &s->sets[e->h],
		                       &s->sets[e->h - 1]);
		for (int j = 0; j < s->nn; j++)
			sync_pair(s, e->dst, j);
	}
	if (rc != DURE_OK)
		s->errors++;
}

/* Every node that is not crashed (nor in `skip`) decided height h. */
static bool reached(const sim *s, uint64_t h, int skip)
{
	for (int i = 0; i < s->nn; i++)
		if (!s->nodes[i].crashed && i != skip && !s->nodes[i].have[h])
			return false;
	return true;
}

/* Runs events up to time `until` or until every live node but `skip`
 * reached height h (h 0: to the time). */
static void sim_run(sim *s, uint64_t until, uint64_t h, int skip)
{
	while (s->qn && s->q[0].t <= until && !(h && reached(s, h, skip))) {
		ev e = pop(s);
		s->now = e.t;
		dispatch(s, &e);
	}
	if (!(h && reached(s, h, skip)))
		s->now = until;
}

/* nv validators (keys 1..nv) and nobs observers, all started at 0. */
static bool sim_init_to(sim *s, int nv, int nobs, uint64_t seed,
                        uint64_t dmin, uint64_t dmax, unsigned dup,
                        const bft_timeouts *to)
{
	memset(s, 0, sizeof *s);
	s->nv = nv;
	s->nn = nv + nobs;
	s->rng = seed;
	s->dmin = dmin;
	s->dmax = dmax;
	s->dup = dup;
	s->to = *to;
	if (!tdir_make(s->dir))
		return false;
	address addrs[MAXV];
	uint64_t pw[MAXV];
	for (int i = 0; i < s->nn; i++) {
		node *n = &s->nodes[i];
		n->s = s;
		n->id = i;
		n->observer = i >= nv;
		key_of((uint32_t)i + 1, n->key);
		n->addr = addr_of(n->key);
		if (i < nv) {
			addrs[i] = n->addr;
			pw[i] = 1;
		}
	}
	if (bft_valset_init(&s->sets[0], addrs, pw, (size_t)nv))
		return false;
	for (int h = 1; h <= MAXH; h++) {
		s->sets[h] = s->sets[h - 1];
		bft_valset_increment(&s->sets[h], 1, NULL);
	}
	for (int i = 0; i < s->nn; i++) {
		node *n = &s->nodes[i];
		bft_host host = {n, n_propose, n_validate, n_send_proposal,
		                 n_send_vote, n_schedule, n_decide, n_evidence};
		char path[64];
		snprintf(path, sizeof path, "%s/wal%d", s->dir, i);
		if (!n->observer && bft_wal_open(path, &n->w))
			return false;
		if (bft_machine_new(CHAIN, n->observer ? NULL : n->key, n->w,
		                    &host, &s->to, &n->m))
			return false;
		ev e;
		memset(&e, 0, sizeof e);
		e.kind = EV_START;
		e.src = e.dst = i;
		e.h = 1;
		push(s, e);
	}
	return true;
}

static bool sim_init(sim *s, int nv, int nobs, uint64_t seed, uint64_t dmin,
                     uint64_t dmax, unsigned dup)
{
	return sim_init_to(s, nv, nobs, seed, dmin, dmax, dup, &SIM_TO);
}

static void sim_free(sim *s)
{
	for (int i = 0; i < s->nn; i++) {
		bft_machine_free(s->nodes[i].m);
		bft_wal_free(s->nodes[i].w);
	}
	free(s->q);
	tdir_remove(s->dir);
}

static void check_clean(const sim *s)
{
	CHECK_EQ_INT(s->conflicts, 0);
	CHECK_EQ_INT(s->bad_commits, 0);
	CHECK_EQ_INT(s->bad_evidence, 0);
	CHECK_EQ_INT(s->errors, 0);
}

/* The node of validator index i of the sets. */
static const address *val_addr(const sim *s, size_t i)
{
	return &s->sets[0].v[i].addr;
}

static int node_of(const sim *s, size_t i)
{
	for (int j = 0; j < s->nv; j++)
		if (address_eq(&s->nodes[j].addr, val_addr(s, i)))
			return j;
	return -1;
}

/* ---- 1: four validators and an observer, no faults ---- */

static void test_net_plain(void)
{
	static sim s;
	CHECK(sim_init(&s, 4, 1, 1, 10, 10, 0));
	sim_run(&s, 2000, 10, -1);
	CHECK(reached(&s, 10, -1));
	CHECK(s.now <= 2000);
	check_clean(&s);
	for (int i = 0; i < s.nn; i++) {
		node *n = &s.nodes[i];
		CHECK_EQ_INT(n->decides, 10);
		/* One block a height, asked about once. */
		CHECK_EQ_INT(n->validates, 10);
		for (uint64_t h = 1; h <= 10; h++) {
			h256 want = fake_block(h, 0, val_addr(&s, (h - 1) % 4));
			CHECK_EQ_INT(n->commit[h].round, 0);
			CHECK(h256_eq(&n->commit[h].hash, &want));
		}
	}
	for (uint64_t h = 1; h <= 10; h++)
		CHECK_EQ_INT(bft_valset_proposer(&s.sets[h - 1], 0),
		             (h - 1) % 4);
	CHECK_EQ_INT(s.nodes[4].sent, 0);
	sim_free(&s);
}

/* ---- 2: 7 and 16 validators, random delays and copies ---- */

/* Every node decided heights 1..10, each as the first decider did. */
static void check_agree(const sim *s)
{
	for (int i = 0; i < s->nn; i++)
		for (uint64_t h = 1; h <= 10; h++)
			CHECK(s->nodes[i].have[h] &&
			      h256_eq(&s->nodes[i].commit[h].hash,
			              &s->first[h]));
}

static void test_net_random(void)
{
	static sim s;
	static const int sizes[2] = {7, 16};
	for (int k = 0; k < 2; k++) {
		uint64_t seed = 0xb0f7 + (uint64_t)k;
		CHECK(sim_init(&s, sizes[k], 0, seed, 1, 80, 25));
		sim_run(&s, 120000, 10, -1);
		CHECK(reached(&s, 10, -1));
		check_clean(&s);
		check_agree(&s);
		sim_free(&s);
	}
	/* Timeouts below the delays: rounds fail, nodes lock and move on
	 * in different rounds, proofs of lock and valid values carry the
	 * heights. */
	static const bft_timeouts tight = {{40, 20, 20}, {10, 5, 5}};
	unsigned late = 0;
	for (uint64_t seed = 1; seed <= 6; seed++) {
		CHECK(sim_init_to(&s, seed % 2 ? 7 : 16, 0, seed, 1, 80, 25,
		                  &tight));
		sim_run(&s, 120000, 10, -1);
		CHECK(reached(&s, 10, -1));
		check_clean(&s);
		check_agree(&s);
		for (uint64_t h = 1; h <= 10; h++)
			late += s.nodes[0].commit[h].round > 0;
		sim_free(&s);
	}
	CHECK(late > 0);
}

/* ---- 3: the proposer of (1, 0) down ---- */

static void test_net_proposer_down(void)
{
	static sim s;
	CHECK(sim_init(&s, 4, 0, 3, 10, 10, 0));
	int down = node_of(&s, 0);
	CHECK(down >= 0);
	s.nodes[down].crashed = true;
	sim_run(&s, 20000, 5, -1);
	CHECK(reached(&s, 5, -1));
	check_clean(&s);
	for (int i = 0; i < s.nn; i++) {
		node *n = &s.nodes[i];
		if (n->crashed)
			continue;
		for (uint64_t h = 1; h <= 5; h++) {
			/* Index 0 proposes heights 1 and 5 in round 0. */
			uint32_t r = h == 1 || h == 5;
			const address *by = val_addr(&s, (h - 1 + r) % 4);
			h256 want = fake_block(h, r, by);
			CHECK_EQ_INT(n->commit[h].round, r);
			CHECK(h256_eq(&n->commit[h].hash, &want));
		}
	}
	sim_free(&s);
}

/* ---- 4: one of four down, then two, then one back ---- */

static uint64_t top_height(const sim *s, int i)
{
	uint64_t h = 0;
	while (h < MAXH && s->nodes[i].have[h + 1])
		h++;
	return h;
}

static void test_net_down(void)
{
	static sim s;
	CHECK(sim_init(&s, 4, 0, 4, 10, 10, 0));
	s.nodes[3].crashed = true;
	sim_run(&s, 30000, 10, -1);
	CHECK(reached(&s, 10, -1));
	check_clean(&s);

	/* Node 2 cut off: after what was under way, nothing is decided. */
	s.nodes[2].down = true;
	sim_run(&s, s.now + 2000, 0, -1);
	uint64_t tops[3], top = 0;
	for (int i = 0; i < 3; i++) {
		tops[i] = top_height(&s, i);
		if (tops[i] > top)
			top = tops[i];
	}
	CHECK(top < MAXH - 4);
	sim_run(&s, s.now + 30000, 0, -1);
	for (int i = 0; i < 3; i++)
		CHECK_EQ_INT(top_height(&s, i), tops[i]);
	check_clean(&s);

	/* Back: its peers and it exchange what they hold; progress. */
	s.nodes[2].down = false;
	for (int j = 0; j < 3; j++) {
		sync_pair(&s, 2, j);
		sync_pair(&s, j, 2);
	}
	uint64_t t0 = s.now;
	sim_run(&s, s.now + 60000, top + 3, -1);
	CHECK(reached(&s, top + 3, -1));
	CHECK(s.now - t0 < 60000);
	check_clean(&s);
	sim_free(&s);
}

/* ---- 6: a byzantine validator signs two prevotes a round ---- */

static void test_net_byzantine(void)
{
	static sim s;
	CHECK(sim_init(&s, 4, 0, 6, 5, 30, 0));
	s.relay = true;
	s.nodes[3].byz = true;
	sim_run(&s, 60000, 5, 3);
	CHECK(reached(&s, 5, 3));
	check_clean(&s);
	unsigned nev = 0;
	for (int i = 0; i < 3; i++) {
		nev += s.nodes[i].evidence;
		for (uint64_t h = 1; h <= 5; h++)
			CHECK(h256_eq(&s.nodes[i].commit[h].hash, &s.first[h]));
	}
	CHECK(nev > 0);
	sim_free(&s);
}

/* ---- 6b: ... at both steps, rounds that fail, honest relays ----
 *
 * The honest nodes hear its two votes of a step in different orders, and
 * with timeouts below the delays some lock on a value in one round, some
 * in another, some not at all. Were only an equivocator's first vote
 * counted, the polka a proof of lock names would exist at some nodes and
 * not at others, and the locked and the unlocked could refuse each
 * other's values for ever; counted once per value, every node sees the
 * same polkas once the messages are in, and the heights go on. */
static void test_net_byzantine_locks(void)
{
	static sim s;
	static const bft_timeouts tight = {{40, 20, 20}, {10, 5, 5}};
	unsigned late = 0;
	for (uint64_t seed = 1; seed <= 8; seed++) {
		CHECK(sim_init_to(&s, 4, 0, 0xb12 + seed, 1, 80, 25, &tight));
		s.relay = true;
		s.nodes[3].byz = true;
		s.nodes[3].byz_all = true;
		sim_run(&s, 240000, 10, 3);
		CHECK(reached(&s, 10, 3));
		check_clean(&s);
		for (int i = 0; i < 3; i++)
			for (uint64_t h = 1; h <= 10; h++)
				CHECK(h256_eq(&s.nodes[i].commit[h].hash, &s.first[h]));
		for (uint64_t h = 1; h <= 10; h++)
			late += s.nodes[0].commit[h].round > 0;
		sim_free(&s);
	}
	CHECK(late > 0);
}

TEST_MAIN(test_locked, test_validity, test_skip, test_restart,
          test_bad_input, test_net_plain, test_net_random,
          test_net_proposer_down, test_net_down, test_net_byzantine,
          test_net_byzantine_locks)
