/* The BFT engine of a running node (see driver.h). */
#include "consensus/bft/driver.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "consensus/bft/wire.h"
#include "consensus/builder.h"
#include "crypto/secp.h"
#include "store/store.h"

/* Proposed blocks kept for the machine: a few rounds of the current
 * height and the next. */
#define CACHE_MAX 16
/* Verified commits of recent or coming heights (from the machine, peers,
 * or children's extra data). */
#define KNOWN_MAX 16
#define BLOCK_TXS_MAX 16384
/* Commits of heights above the head's next, kept unverified. */
#define LATER_MAX 4
#define TIP_META "bft.commit"

enum { VERDICT_NONE = -1 };

typedef struct cached {
	bool used;
	h256 hash;
	block b;
	int verdict;            /* BFT_BLOCK_VALID / _INVALID, or NONE */
} cached;

typedef struct held_block {
	bool used;
	h256 hash;
	block b;
	uint64_t seq;           /* arrival order, for eviction */
} held_block;

struct bft_peer {
	bft_driver *d;
	void *link;
	char name[64];
	bft_peer *next;
};

struct bft_driver {
	uv_loop_t *loop;
	blockchain *bc;
	bft_rules *rules;
	txpool *pool;
	bft_driver_config cfg;
	bft_timeouts timeouts;
	bft_transport tr;
	bft_chain_ops ops;
	uint64_t chain_id;
	bool validator;
	address self;
	bft_wal *wal;
	bft_machine *m;
	bft_valset set;         /* of the machine's height */

	uv_timer_t step_timer[3];
	uint64_t step_height[3];
	uint32_t step_round[3];
	uv_timer_t start_timer;
	uv_timer_t gossip_timer;
	bool timers_on;
	/* This validator's latest proposal and votes, sent again while their
	 * round lasts: a peer that dropped them (it had not started the
	 * height yet) would otherwise never count them. */
	bool has_own_prop, has_own_vote[2];
	bft_proposal own_prop;
	bft_vote own_vote[2];
	uint64_t own_prop_ms, own_vote_ms[2]; /* last sent (uv_now) */
	bool waiting;           /* a height waits for a transaction */
	bool own_decision;      /* the last head was the machine's */

	cached cache[CACHE_MAX];
	held_block held[BFT_HELD_MAX];
	uint64_t held_seq;
	bft_commit known[KNOWN_MAX];
	size_t known_next;
	bft_commit later[LATER_MAX]; /* unverified commits of later heights */
	size_t later_next;
	bool has_tip;
	bft_commit tip;         /* the head's */
	bool decided;           /* a decision waits for the machine to return */
	bft_commit decision;

	bft_evidence ev[BFT_EVIDENCE_MAX];
	size_t nev;

	bft_peer *peers;
	size_t npeers;
	bft_peer *origin;       /* the sender of the message being handled */
};

static void logf_(const bft_driver *d, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void logf_(const bft_driver *d, int level, const char *fmt, ...)
{
	if (d->cfg.verbosity < level)
		return;
	static const char *const tags[] = {"", "ERROR", "WARN ", "INFO ",
	                                   "DEBUG"};
	fprintf(stderr, "%s bft: ", tags[level < 5 ? level : 4]);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static uint64_t wall_ms(void) { return dure_unix_ms(); }

/* ---- commits known ---- */

static const bft_commit *known_find(const bft_driver *d, const h256 *hash)
{
	for (size_t i = 0; i < KNOWN_MAX; i++)
		if (d->known[i].height && h256_eq(&d->known[i].hash, hash))
			return &d->known[i];
	return NULL;
}

static void known_add(bft_driver *d, const bft_commit *c)
{
	if (known_find(d, &c->hash))
		return;
	d->known[d->known_next] = *c;
	d->known_next = (d->known_next + 1) % KNOWN_MAX;
}

/* ---- proposed blocks ---- */

static cached *cache_find(bft_driver *d, const h256 *hash)
{
	for (size_t i = 0; i < CACHE_MAX; i++)
		if (d->cache[i].used && h256_eq(&d->cache[i].hash, hash))
			return &d->cache[i];
	return NULL;
}

static void cache_drop(cached *c)
{
	block_free(&c->b);
	memset(c, 0, sizeof *c);
}

/* Takes b (owned) into the cache; the lowest height gives way when it is
 * full. */
static cached *cache_put(bft_driver *d, const h256 *hash, block *b)
{
	cached *slot = NULL;
	for (size_t i = 0; i < CACHE_MAX && !slot; i++)
		if (!d->cache[i].used)
			slot = &d->cache[i];
	if (!slot) {
		slot = &d->cache[0];
		for (size_t i = 1; i < CACHE_MAX; i++)
			if (d->cache[i].b.h.number < slot->b.h.number)
				slot = &d->cache[i];
	}
	if (slot->used)
		cache_drop(slot);
	slot->used = true;
	slot->hash = *hash;
	slot->b = *b;
	slot->verdict = VERDICT_NONE;
	memset(b, 0, sizeof *b);
	return slot;
}

/* Forgets blocks at or below height `upto`. */
static void prune_below(bft_driver *d, uint64_t upto)
{
	for (size_t i = 0; i < CACHE_MAX; i++)
		if (d->cache[i].used && d->cache[i].b.h.number <= upto)
			cache_drop(&d->cache[i]);
	for (size_t i = 0; i < BFT_HELD_MAX; i++)
		if (d->held[i].used && d->held[i].b.h.number <= upto) {
			block_free(&d->held[i].b);
			memset(&d->held[i], 0, sizeof d->held[i]);
		}
}

static int block_dup(const block *b, block *out)
{
	buf e;
	buf_init(&e);
	int err = block_encode(b, &e);
	if (!err)
		err = buf_failed(&e) ? DURE_ENOMEM : block_decode(e.data, e.len, out);
	buf_free(&e);
	return err;
}

/* ---- peers ---- */

static void send_to(bft_driver *d, bft_peer *p, uint64_t code,
                    const uint8_t *m, size_t n)
{
	if (d->tr.send(d->tr.ctx, p->link, code, m, n))
		logf_(d, 4, "send to %s failed", p->name);
}

/* To every peer but `except`. */
static void send_all(bft_driver *d, const bft_peer *except, uint64_t code,
                     const uint8_t *m, size_t n)
{
	for (bft_peer *p = d->peers; p; p = p->next)
		if (p != except)
			send_to(d, p, code, m, n);
}

/* A relayed message: to every peer but the one it came from. */
static void relay(bft_driver *d, uint64_t code, const uint8_t *m, size_t n)
{
	send_all(d, d->origin, code, m, n);
}

/* A message of our own, which also the peer whose message made it must
 * get. */
static void broadcast(bft_driver *d, uint64_t code, const uint8_t *m,
                      size_t n)
{
	send_all(d, NULL, code, m, n);
}

static void send_commit(bft_driver *d, bft_peer *only, const bft_commit *c)
{
	buf e;
	buf_init(&e);
	if (!bft_wire_commit_encode(c, &e)) {
		if (only)
			send_to(d, only, BFT_WIRE_COMMIT, e.data, e.len);
		else
			broadcast(d, BFT_WIRE_COMMIT, e.data, e.len);
	}
	buf_free(&e);
}

/* ---- the machine's host ---- */

static int host_propose(void *ctx, uint64_t height, uint32_t round,
                        h256 *hash)
{
	bft_driver *d = ctx;
	header head;
	h256 hh;
	int err = blockchain_head(d->bc, &head, &hh);
	if (err)
		return err;
	if (head.number + 1 != height)
		return DURE_EINVAL;
	uint8_t extra[BFT_COMMIT_MAX];
	size_t extra_len = 0;
	if (head.number > 0) {
		if (!d->has_tip || !h256_eq(&d->tip.hash, &hh)) {
			logf_(d, 2, "height %" PRIu64 ": no commit of the head to "
			      "propose on", height);
			return DURE_ENOTFOUND;
		}
		buf e;
		buf_init(&e);
		bft_commit_encode(&d->tip, &e);
		err = buf_failed(&e) || e.len > sizeof extra ? DURE_ENOMEM : 0;
		if (!err) {
			memcpy(extra, e.data, e.len);
			extra_len = e.len;
		}
		buf_free(&e);
		if (err)
			return err;
	}
	uint64_t now = wall_ms() / 1000;
	build_opts bo = {
		.coinbase = d->self,
		.timestamp = now > head.timestamp ? now : head.timestamp + 1,
		.extra = extra,
		.extra_len = extra_len,
	};
	block b;
	err = blockchain_build_from_pool(d->bc, d->pool, &head, &bo,
	                                 BLOCK_TXS_MAX, &b);
	if (!err)
		err = header_hash(&b.h, hash);
	if (err) {
		block_free(&b);
		logf_(d, 2, "height %" PRIu64 " round %" PRIu32 ": cannot build a "
		      "block: %s", height, round, dure_strerror(err));
		return err;
	}
	logf_(d, 4, "proposing #%" PRIu64 " round %" PRIu32 " with %zu txs",
	      height, round, b.ntxs);
	cache_put(d, hash, &b)->verdict = BFT_BLOCK_VALID;
	return DURE_OK;
}

static int host_validate(void *ctx, uint64_t height, const h256 *hash)
{
	bft_driver *d = ctx;
	cached *c = cache_find(d, hash);
	if (!c)
		return BFT_BLOCK_PENDING;
	if (c->verdict != VERDICT_NONE)
		return c->verdict;
	c->verdict = BFT_BLOCK_INVALID;
	if (c->b.h.number != height ||
	    c->b.h.timestamp > wall_ms() / 1000 + BFT_MAX_FUTURE_S)
		return c->verdict;
	import_result r;
	int err = blockchain_check(d->bc, &c->b, &r);
	if (!err)
		c->verdict = BFT_BLOCK_VALID;
	else
		logf_(d, 3, "proposed block #%" PRIu64 " is invalid: %s", height,
		      dure_strerror(err));
	return c->verdict;
}

static void send_proposal(bft_driver *d, const bft_proposal *p)
{
	cached *c = cache_find(d, &p->hash);
	if (!c)
		return;
	buf e;
	buf_init(&e);
	if (!bft_wire_proposal_encode(p, &c->b, &e))
		broadcast(d, BFT_WIRE_PROPOSAL, e.data, e.len);
	buf_free(&e);
}

static void send_vote(bft_driver *d, const bft_vote *v)
{
	buf e;
	buf_init(&e);
	if (!bft_wire_vote_encode(v, &e))
		broadcast(d, BFT_WIRE_VOTE, e.data, e.len);
	buf_free(&e);
}

static void host_send_proposal(void *ctx, const bft_proposal *p)
{
	bft_driver *d = ctx;
	d->own_prop = *p;
	d->has_own_prop = true;
	d->own_prop_ms = uv_now(d->loop);
	send_proposal(d, p);
}

static void host_send_vote(void *ctx, const bft_vote *v)
{
	bft_driver *d = ctx;
	d->own_vote[v->step - 1] = *v;
	d->has_own_vote[v->step - 1] = true;
	d->own_vote_ms[v->step - 1] = uv_now(d->loop);
	send_vote(d, v);
}

/* Sends this validator's messages of the current round again, to every
 * peer (those that hold them drop the copies unread). */
static void on_gossip_timer(uv_timer_t *t)
{
	bft_driver *d = t->data;
	bft_status st;
	bft_machine_status(d->m, &st);
	if (!st.height || st.decided)
		return;
	/* Only what has been out a while: a round that ends in time never
	 * sends its block twice. */
	uint64_t now = uv_now(d->loop);
	if (d->has_own_prop && d->own_prop.height == st.height &&
	    d->own_prop.round == st.round &&
	    now - d->own_prop_ms >= BFT_REGOSSIP_MS) {
		send_proposal(d, &d->own_prop);
		d->own_prop_ms = now;
	}
	for (int k = 0; k < 2; k++)
		if (d->has_own_vote[k] && d->own_vote[k].height == st.height &&
		    d->own_vote[k].round == st.round &&
		    now - d->own_vote_ms[k] >= BFT_REGOSSIP_MS) {
			send_vote(d, &d->own_vote[k]);
			d->own_vote_ms[k] = now;
		}
}

static void on_step_timer(uv_timer_t *t);

static void host_schedule(void *ctx, uint8_t step, uint64_t height,
                          uint32_t round, uint64_t delay_ms)
{
	bft_driver *d = ctx;
	if (step > BFT_PRECOMMIT || !d->timers_on)
		return;
	d->step_height[step] = height;
	d->step_round[step] = round;
	uv_timer_start(&d->step_timer[step], on_step_timer, delay_ms, 0);
}

static void host_decide(void *ctx, const bft_commit *c)
{
	bft_driver *d = ctx;
	known_add(d, c);
	d->decision = *c;
	d->decided = true;
}

static void host_evidence(void *ctx, uint32_t index, bool is_proposal,
                          const bft_proposal *pa, const bft_proposal *pb,
                          const bft_vote *va, const bft_vote *vb)
{
	bft_driver *d = ctx;
	if (d->nev == BFT_EVIDENCE_MAX) {
		memmove(d->ev, d->ev + 1, (BFT_EVIDENCE_MAX - 1) * sizeof d->ev[0]);
		d->nev--;
	}
	bft_evidence *e = &d->ev[d->nev];
	memset(e, 0, sizeof *e);
	buf a, b;
	buf_init(&a);
	buf_init(&b);
	if (is_proposal) {
		e->height = pa->height;
		e->round = pa->round;
		e->step = BFT_STEP_PROPOSAL;
		bft_proposal_encode(pa, &a);
		bft_proposal_encode(pb, &b);
	} else {
		e->height = va->height;
		e->round = va->round;
		e->step = va->step;
		bft_vote_encode(va, &a);
		bft_vote_encode(vb, &b);
	}
	const bft_valset *set = &d->set;
	if (!buf_failed(&a) && !buf_failed(&b) && a.len <= sizeof e->a &&
	    b.len <= sizeof e->b && index < set->n) {
		memcpy(e->a, a.data, a.len);
		memcpy(e->b, b.data, b.len);
		e->a_len = a.len;
		e->b_len = b.len;
		e->index = index;
		e->signer = set->v[index].addr;
		e->seen_ms = wall_ms();
		d->nev++;
		logf_(d, 2, "validator %" PRIu32 " equivocated at height %" PRIu64
		      " round %" PRIu32 " step %u", index, e->height, e->round,
		      e->step);
	}
	buf_free(&a);
	buf_free(&b);
}

/* ---- heights ---- */

/* Runs what a machine call left for afterwards: the import of a decided
 * block (the machine must not be called from inside its callbacks, and
 * the import moves it on). */
static void after_machine(bft_driver *d)
{
	if (!d->decided)
		return;
	d->decided = false;
	cached *c = cache_find(d, &d->decision.hash);
	if (!c) {
		/* The sync or a peer's commit got it here first. */
		bool known = false;
		if (blockchain_known(d->bc, &d->decision.hash, &known) || !known)
			logf_(d, 2, "decided #%" PRIu64 " but do not hold the block",
			      d->decision.height);
		return;
	}
	logf_(d, 4, "decided #%" PRIu64 " in round %" PRIu32 " (%zu precommits)",
	      d->decision.height, d->decision.round, d->decision.n);
	d->own_decision = true;
	import_result r;
	int err = d->ops.import(d->ops.ctx, &c->b, &r);
	if (err)
		logf_(d, 1, "decided block #%" PRIu64 " does not import: %s",
		      d->decision.height, dure_strerror(err));
}

static void machine_result(bft_driver *d, int err, const char *what)
{
	if (err == DURE_EIO)
		logf_(d, 1, "%s: the WAL failed; this validator stops signing",
		      what);
	after_machine(d);
}

/* Starts height h on the head `head` (h's parent). */
static void machine_start(bft_driver *d, uint64_t h, const h256 *head)
{
	d->waiting = false;
	bft_valset pre, next, next_pre;
	int err = bft_rules_sets(d->rules, head, h, &d->set, &pre);
	if (!err)
		err = bft_machine_start(d->m, h, &d->set, &pre);
	/* The sets of h + 1 follow from the head too (changes wait two
	 * blocks): early messages of h + 1 are judged by them. */
	if (!err && !bft_rules_sets(d->rules, head, h + 1, &next, &next_pre))
		bft_machine_set_next(d->m, &next, &next_pre);
	if (err)
		logf_(d, 1, "cannot start height %" PRIu64 ": %s", h,
		      dure_strerror(err));
	machine_result(d, err, "start");
}

static void start_height(bft_driver *d)
{
	header head;
	h256 hh;
	if (blockchain_head(d->bc, &head, &hh))
		return;
	uint64_t h = head.number + 1;
	bft_status st;
	bft_machine_status(d->m, &st);
	if (st.height >= h)
		return;
	if (d->cfg.wait_txs && !txpool_pending_count(d->pool)) {
		d->waiting = true;
		return;
	}
	machine_start(d, h, &hh);
}

static void on_start_timer(uv_timer_t *t) { start_height(t->data); }

/* Sets the start of the head's next height: after the block time when
 * the machine decided the head, at once when the node is catching up;
 * never before the wall clock passed the head's second. */
static void schedule_start(bft_driver *d, const header *head)
{
	if (!d->timers_on)
		return;
	uint64_t now = wall_ms();
	uint64_t delay = d->own_decision ? d->cfg.block_time_ms : 0;
	uint64_t next_s = (head->timestamp + 1) * 1000;
	if (next_s > now && next_s - now > delay)
		delay = next_s - now;
	d->own_decision = false;
	uv_timer_start(&d->start_timer, on_start_timer, delay, 0);
}

/* A message of height h arrived while that height waits for a
 * transaction: someone has one, so it starts. */
static void wake(bft_driver *d, uint64_t h)
{
	if (!d->waiting)
		return;
	header head;
	h256 hh;
	if (blockchain_head(d->bc, &head, &hh) || head.number + 1 != h)
		return;
	machine_start(d, h, &hh);
}

static void on_step_timer(uv_timer_t *t)
{
	bft_driver *d = t->data;
	uint8_t step = (uint8_t)(t - d->step_timer);
	int err = bft_machine_on_timeout(d->m, step, d->step_height[step],
	                                 d->step_round[step]);
	machine_result(d, err, "timeout");
}

/* ---- the tip commit ---- */

static void save_tip(bft_driver *d)
{
	store *s = blockchain_store(d->bc);
	buf e;
	buf_init(&e);
	int err = bft_wire_commit_encode(&d->tip, &e);
	db_txn *t = NULL;
	if (!err)
		err = db_begin_write(store_db(s), &t);
	if (!err)
		err = store_put_meta(s, t, TIP_META, e.data, e.len);
	if (!err) {
		err = db_commit(t);
		t = NULL;
	}
	if (t)
		db_abort(t);
	buf_free(&e);
	if (err)
		logf_(d, 2, "cannot store the head's commit: %s",
		      dure_strerror(err));
}

static int load_tip(bft_driver *d)
{
	store *s = blockchain_store(d->bc);
	db_txn *t;
	int err = db_begin_read(store_db(s), &t);
	if (err)
		return err;
	h256 head;
	const uint8_t *v;
	size_t n;
	err = store_head(s, t, &head);
	if (!err)
		err = store_meta(s, t, TIP_META, &v, &n);
	bft_commit c;
	if (!err && !bft_wire_commit_decode(v, n, &c) &&
	    h256_eq(&c.hash, &head) &&
	    !bft_rules_check_commit(d->rules, &head, &c)) {
		d->tip = c;
		d->has_tip = true;
		known_add(d, &c);
	}
	db_abort(t);
	return err == DURE_ENOTFOUND ? DURE_OK : err;
}

void bft_driver_on_head(bft_driver *d, const block *b, const h256 *hash)
{
	prune_below(d, b->h.number);
	const bft_commit *c = known_find(d, hash);
	if (c) {
		d->tip = *c;
		d->has_tip = true;
		save_tip(d);
		send_commit(d, NULL, c);
	} else {
		d->has_tip = false;
	}
	for (size_t i = 0; i < LATER_MAX; i++) {
		bft_commit *l = &d->later[i];
		if (l->height == b->h.number + 1 &&
		    !bft_rules_check_commit(d->rules, hash, l))
			known_add(d, l);
		if (l->height <= b->h.number + 1)
			memset(l, 0, sizeof *l);
	}
	/* The WAL's records of this height may go once the block is on disk:
	 * until then a restart must still find what this validator signed. */
	if (d->wal && bft_wal_count(d->wal)) {
		int err = db_sync(store_db(blockchain_store(d->bc)));
		if (!err)
			err = bft_wal_prune(d->wal, b->h.number + 1);
		if (err)
			logf_(d, 2, "WAL not pruned: %s", dure_strerror(err));
	}
	schedule_start(d, &b->h);
}

/* ---- import ---- */

static held_block *held_find(bft_driver *d, const h256 *hash)
{
	for (size_t i = 0; i < BFT_HELD_MAX; i++)
		if (d->held[i].used && h256_eq(&d->held[i].hash, hash))
			return &d->held[i];
	return NULL;
}

static int hold(bft_driver *d, const block *b, const h256 *hash)
{
	if (held_find(d, hash))
		return DURE_OK;
	held_block *slot = NULL;
	for (size_t i = 0; i < BFT_HELD_MAX && !slot; i++)
		if (!d->held[i].used)
			slot = &d->held[i];
	if (!slot) {
		slot = &d->held[0];
		for (size_t i = 1; i < BFT_HELD_MAX; i++)
			if (d->held[i].seq < slot->seq)
				slot = &d->held[i];
	}
	if (slot->used) {
		block_free(&slot->b);
		memset(slot, 0, sizeof *slot);
	}
	int err = block_dup(b, &slot->b);
	if (err)
		return err;
	slot->used = true;
	slot->hash = *hash;
	slot->seq = ++d->held_seq;
	return DURE_OK;
}

/* The engine's header rules of b against parent: for the BFT engine they
 * include that b's extra data is parent's commit. */
static int check_header(bft_driver *d, const header *parent, const header *h)
{
	const engine *en = blockchain_engine(d->bc);
	const chain_config *c = blockchain_config(d->bc);
	if (h->number != parent->number + 1)
		return DURE_EBLOCK_NUMBER;
	return en->verify_header(en->ctx, c,
	                         chain_config_fork(c, h->number, h->timestamp),
	                         parent, h);
}

int bft_driver_import(bft_driver *d, const block *b, import_result *res)
{
	memset(res, 0, sizeof *res);
	res->bad_tx = SIZE_MAX;
	h256 hash;
	int err = header_hash(&b->h, &hash);
	if (err)
		return err;
	res->hash = hash;
	bool known = false;
	if ((err = blockchain_known(d->bc, &hash, &known)) != 0)
		return err;
	if (known) {
		res->known = true;
		return DURE_OK;
	}
	logf_(d, 4, "import #%" PRIu64 " %02x%02x%02x%02x..", b->h.number,
	      hash.b[0], hash.b[1], hash.b[2], hash.b[3]);
	header head;
	h256 hh;
	if ((err = blockchain_head(d->bc, &head, &hh)) != 0)
		return err;
	if (b->h.number <= head.number)
		return DURE_EBFT_COMMIT;
	held_block *parent = held_find(d, &b->h.parent_hash);
	if (parent) {
		/* b's header carries its parent's commit: the parent is final.
		 * (b's other rules are checked once the parent is in, against
		 * the parent's state.) */
		bft_commit c;
		err = bft_commit_decode(b->h.extra, b->h.extra_len,
		                        parent->b.h.number, &parent->hash, &c);
		if (!err)
			err = bft_rules_check_commit(d->rules, &hh, &c);
		if (err)
			return err;
		known_add(d, &c);
		import_result pr;
		if ((err = d->ops.import(d->ops.ctx, &parent->b, &pr)) != 0)
			return err;
		if ((err = blockchain_head(d->bc, &head, &hh)) != 0)
			return err;
	}
	if (!h256_eq(&b->h.parent_hash, &hh))
		return DURE_EBLOCK_UNKNOWN_PARENT;
	if ((err = check_header(d, &head, &b->h)) != 0)
		return err;
	if (known_find(d, &hash))
		return d->ops.import(d->ops.ctx, b, res);
	logf_(d, 4, "holding #%" PRIu64 " until its commit", b->h.number);
	return hold(d, b, &hash);
}

/* A verified commit from a peer: the block it names becomes final here
 * when we hold it. */
static void on_commit(bft_driver *d, const bft_commit *c)
{
	known_add(d, c);
	import_result r;
	held_block *hb = held_find(d, &c->hash);
	cached *cb = hb ? NULL : cache_find(d, &c->hash);
	const block *b = hb ? &hb->b : cb ? &cb->b : NULL;
	if (!b)
		return;
	int err = d->ops.import(d->ops.ctx, b, &r);
	if (err)
		logf_(d, 2, "committed block #%" PRIu64 " does not import: %s",
		      c->height, dure_strerror(err));
}

/* ---- bft/1 messages ---- */

static void drop_peer(bft_driver *d, bft_peer *p, const char *what, int err)
{
	char why[128];
	snprintf(why, sizeof why, "bft %s: %s", what, dure_strerror(err));
	logf_(d, 3, "dropping %s: %s", p->name, why);
	d->tr.drop(d->tr.ctx, p->link, true, why);
}

/* What the machine's answer to a peer's message means for the peer: taken
 * (relay), not news (nothing), or the peer's fault (ban). */
static bool peer_fault(int err)
{
	return err == DURE_EINVAL || err == DURE_ESIG ||
	       err == DURE_EBFT_SIGNER || err == DURE_EBFT_MSG;
}

static void msg_proposal(bft_driver *d, bft_peer *p, const uint8_t *m,
                         size_t n)
{
	bft_wire_proposal wp;
	int err = bft_wire_proposal_decode(m, n, &wp);
	if (err) {
		drop_peer(d, p, "proposal", err);
		return;
	}
	wake(d, wp.prop.height);
	bool added = false;
	if (!cache_find(d, &wp.prop.hash)) {
		cache_put(d, &wp.prop.hash, &wp.blk);
		added = true;
	}
	block_free(&wp.blk);
	err = bft_machine_on_proposal(d->m, &wp.prop);
	if (err == DURE_OK)
		relay(d, BFT_WIRE_PROPOSAL, m, n);
	else if (added && !known_find(d, &wp.prop.hash)) {
		/* Not for the machine, and not a block we know to be final:
		 * the cache keeps room for those that are. */
		cached *c = cache_find(d, &wp.prop.hash);
		if (c)
			cache_drop(c);
	}
	if (peer_fault(err))
		drop_peer(d, p, "proposal", err);
	machine_result(d, err, "proposal");
	/* A block decided on precommits before its proposal arrived. */
	if (added && known_find(d, &wp.prop.hash))
		on_commit(d, known_find(d, &wp.prop.hash));
}

static void msg_vote(bft_driver *d, bft_peer *p, const uint8_t *m, size_t n)
{
	bft_vote v;
	int err = bft_wire_vote_decode(m, n, &v);
	if (err) {
		drop_peer(d, p, "vote", err);
		return;
	}
	wake(d, v.height);
	err = bft_machine_on_vote(d->m, &v);
	if (err == DURE_OK)
		relay(d, BFT_WIRE_VOTE, m, n);
	if (peer_fault(err))
		drop_peer(d, p, "vote", err);
	machine_result(d, err, "vote");
}

static void msg_commit(bft_driver *d, bft_peer *p, const uint8_t *m,
                       size_t n)
{
	bft_commit c;
	int err = bft_wire_commit_decode(m, n, &c);
	if (err) {
		drop_peer(d, p, "commit", err);
		return;
	}
	/* A commit of a height we hold already proves nothing new. */
	header head;
	h256 hh;
	if (known_find(d, &c.hash) || blockchain_head(d->bc, &head, &hh) ||
	    c.height <= head.number)
		return;
	/* The set of a later height is not known yet (it may change): the
	 * commit waits until the head is its parent's height. */
	if (c.height > head.number + 1) {
		d->later[d->later_next] = c;
		d->later_next = (d->later_next + 1) % LATER_MAX;
		return;
	}
	err = bft_rules_check_commit(d->rules, &hh, &c);
	if (peer_fault(err) || err == DURE_EBFT_COMMIT)
		drop_peer(d, p, "commit", err);
	if (err)
		return;
	on_commit(d, &c);
}

void bft_driver_peer_msg(bft_driver *d, bft_peer *p, uint64_t code,
                         const uint8_t *data, size_t n)
{
	if (n > BFT_WIRE_MSG_MAX) {
		drop_peer(d, p, "message", DURE_ERANGE);
		return;
	}
	d->origin = p;
	switch (code) {
	case BFT_WIRE_STATUS: {
		bft_wire_status st;
		int err = bft_wire_status_decode(data, n, &st);
		if (err)
			drop_peer(d, p, "status", err);
		break;
	}
	case BFT_WIRE_PROPOSAL:
		msg_proposal(d, p, data, n);
		break;
	case BFT_WIRE_VOTE:
		msg_vote(d, p, data, n);
		break;
	case BFT_WIRE_COMMIT:
		msg_commit(d, p, data, n);
		break;
	default:
		drop_peer(d, p, "message", DURE_EBFT_MSG);
	}
	d->origin = NULL;
}

static void each_proposal(void *ctx, const bft_proposal *pr)
{
	bft_peer *p = ctx;
	cached *c = cache_find(p->d, &pr->hash);
	if (!c)
		return;
	buf e;
	buf_init(&e);
	if (!bft_wire_proposal_encode(pr, &c->b, &e))
		send_to(p->d, p, BFT_WIRE_PROPOSAL, e.data, e.len);
	buf_free(&e);
}

static void each_vote(void *ctx, const bft_vote *v)
{
	bft_peer *p = ctx;
	buf e;
	buf_init(&e);
	if (!bft_wire_vote_encode(v, &e))
		send_to(p->d, p, BFT_WIRE_VOTE, e.data, e.len);
	buf_free(&e);
}

bft_peer *bft_driver_peer_add(bft_driver *d, void *link, const char *name)
{
	bft_peer *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->d = d;
	p->link = link;
	snprintf(p->name, sizeof p->name, "%s", name);
	p->next = d->peers;
	d->peers = p;
	d->npeers++;
	bft_status st;
	bft_machine_status(d->m, &st);
	bft_wire_status ws = {.height = st.height, .round = st.round,
	                      .step = st.step};
	buf e;
	buf_init(&e);
	if (!bft_wire_status_encode(&ws, &e))
		send_to(d, p, BFT_WIRE_STATUS, e.data, e.len);
	buf_free(&e);
	if (d->has_tip)
		send_commit(d, p, &d->tip);
	bft_machine_each(d->m, each_proposal, each_vote, p);
	return p;
}

void bft_driver_peer_remove(bft_driver *d, bft_peer *p)
{
	for (bft_peer **pp = &d->peers; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			d->npeers--;
			break;
		}
	if (d->origin == p)
		d->origin = NULL;
	free(p);
}

/* ---- lifecycle ---- */

void bft_driver_tx_pending(bft_driver *d)
{
	if (d->waiting && d->timers_on)
		uv_timer_start(&d->start_timer, on_start_timer, 0, 0);
}

int bft_driver_new(uv_loop_t *loop, blockchain *bc, bft_rules *rules,
                   txpool *pool, const bft_driver_config *cfg,
                   const bft_transport *tr, const bft_chain_ops *ops,
                   bft_driver **out)
{
	*out = NULL;
	if (cfg->key && !cfg->wal_path)
		return DURE_EINVAL;
	bft_driver *d = calloc(1, sizeof *d);
	if (!d)
		return DURE_ENOMEM;
	d->loop = loop;
	d->bc = bc;
	d->rules = rules;
	d->pool = pool;
	d->cfg = *cfg;
	d->cfg.key = NULL;
	if (!d->cfg.block_time_ms)
		d->cfg.block_time_ms = 1000;
	d->timeouts = cfg->timeouts ? *cfg->timeouts : (bft_timeouts){
		.base = {BFT_TIMEOUT_PROPOSE_MS, BFT_TIMEOUT_VOTE_MS,
		         BFT_TIMEOUT_VOTE_MS},
		.delta = {BFT_TIMEOUT_DELTA_MS, BFT_TIMEOUT_DELTA_MS,
		          BFT_TIMEOUT_DELTA_MS},
	};
	d->cfg.timeouts = NULL;
	d->tr = *tr;
	d->ops = *ops;
	d->chain_id = blockchain_config(bc)->chain_id;
	int err = DURE_OK;
	if (cfg->key) {
		uint8_t pub[64];
		if (secp_pubkey_create(cfg->key, pub))
			err = DURE_EINVAL;
		else
			secp_pubkey_address(pub, &d->self);
		d->validator = !err;
		if (!err)
			err = bft_wal_open(cfg->wal_path, &d->wal);
		/* Where sets change, a key may be a validator's later. */
		if (!err && !blockchain_config(bc)->bft.has_admin &&
		    bft_valset_index(bft_rules_genesis_set(rules), &d->self) < 0)
			err = DURE_EBFT_SIGNER;
	}
	bft_host host = {
		.ctx = d,
		.propose = host_propose,
		.validate = host_validate,
		.send_proposal = host_send_proposal,
		.send_vote = host_send_vote,
		.schedule = host_schedule,
		.decide = host_decide,
		.evidence = host_evidence,
	};
	if (!err)
		err = bft_machine_new(d->chain_id, cfg->key, d->wal, &host,
		                      &d->timeouts, &d->m);
	if (!err)
		err = load_tip(d);
	if (err) {
		bft_driver_free(d);
		return err;
	}
	*out = d;
	return DURE_OK;
}

int bft_driver_start(bft_driver *d)
{
	for (int i = 0; i < 3; i++) {
		uv_timer_init(d->loop, &d->step_timer[i]);
		d->step_timer[i].data = d;
	}
	uv_timer_init(d->loop, &d->start_timer);
	uv_timer_init(d->loop, &d->gossip_timer);
	d->start_timer.data = d->gossip_timer.data = d;
	d->timers_on = true;
	if (d->validator)
		uv_timer_start(&d->gossip_timer, on_gossip_timer,
		               BFT_REGOSSIP_MS / 4, BFT_REGOSSIP_MS / 4);
	header head;
	h256 hh;
	int err = blockchain_head(d->bc, &head, &hh);
	if (err)
		return err;
	if (d->validator)
		logf_(d, 3, "validator %02x%02x%02x%02x.. from height %" PRIu64,
		      d->self.b[0], d->self.b[1], d->self.b[2], d->self.b[3],
		      head.number + 1);
	schedule_start(d, &head);
	return DURE_OK;
}

static void on_closed(uv_handle_t *h) { (void)h; }

void bft_driver_stop(bft_driver *d)
{
	if (!d || !d->timers_on)
		return;
	for (int i = 0; i < 3; i++)
		uv_close((uv_handle_t *)&d->step_timer[i], on_closed);
	uv_close((uv_handle_t *)&d->start_timer, on_closed);
	uv_close((uv_handle_t *)&d->gossip_timer, on_closed);
	d->timers_on = false;
}

void bft_driver_free(bft_driver *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < CACHE_MAX; i++)
		if (d->cache[i].used)
			cache_drop(&d->cache[i]);
	for (size_t i = 0; i < BFT_HELD_MAX; i++)
		block_free(&d->held[i].b);
	while (d->peers) {
		bft_peer *p = d->peers;
		d->peers = p->next;
		free(p);
	}
	bft_machine_free(d->m);
	bft_wal_free(d->wal);
	free(d);
}

void bft_driver_status_get(const bft_driver *d, bft_driver_status *out)
{
	memset(out, 0, sizeof *out);
	bft_machine_status(d->m, &out->m);
	out->validator = d->validator;
	out->self = d->self;
	out->set = d->set;
	out->has_commit = d->has_tip &&
	                  !bft_rules_sets(d->rules, &d->tip.hash, d->tip.height,
	                                  &out->commit_set, NULL);
	out->commit = d->tip;
	out->peers = d->npeers;
}

const bft_evidence *bft_driver_evidence(const bft_driver *d, size_t *n)
{
	*n = d->nev;
	return d->ev;
}
