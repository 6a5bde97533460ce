/* The downloader: headers first from one peer, bodies from all of them
 * (eth/handler.h describes the scheme). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/keccak.h"
#include "eth/internal.h"
#include "trie/trie.h"

/* Import work per tick, so the loop keeps answering. */
#define IMPORT_BUDGET_NS 40000000ull
/* A peer that had none of the bodies asked for is not asked again for
 * this long; one that did not answer in time, for much longer, so that a
 * stalled peer does not hold pieces back from live ones. */
#define BODY_RETRY_MS 1000u
#define BODY_TIMEOUT_BAR_MS (4 * ETH_REQUEST_MS)
#define MAX_STRIKES 3
#define PROGRESS_MS 5000u

int sync_init(eth_sync *s)
{
	memset(s, 0, sizeof *s);
	s->q = calloc(SYNC_QUEUE, sizeof *s->q);
	return s->q ? DURE_OK : DURE_ENOMEM;
}

static sync_slot *slot_at(eth_sync *s, size_t i)
{
	return &s->q[(s->q_head + i) % SYNC_QUEUE];
}

static void queue_clear(eth_sync *s)
{
	for (size_t i = 0; i < s->q_n; i++)
		block_free(&slot_at(s, i)->b);
	s->q_head = s->q_n = 0;
}

void sync_free(eth_sync *s)
{
	if (s->q)
		queue_clear(s);
	free(s->q);
	memset(s, 0, sizeof *s);
}

/* The slot of block `number`, or NULL when it is not queued. */
static sync_slot *slot_of(eth_sync *s, uint64_t number)
{
	if (!s->q_n)
		return NULL;
	uint64_t first = slot_at(s, 0)->h.number;
	if (number < first || number - first >= s->q_n)
		return NULL;
	return slot_at(s, (size_t)(number - first));
}

static void stop(eth *e, const char *why)
{
	eth_sync *s = &e->sync;
	if (!s->active)
		return;
	eth_log(e, 3, "sync: stopped at %" PRIu64 " imported blocks: %s",
	        s->imported, why);
	queue_clear(s);
	for (eth_peer *p = e->peers; p; p = p->next) {
		eth_req_clear(&p->breq);
		if (p == s->master)
			eth_req_clear(&p->hreq);
	}
	s->active = false;
	s->master = NULL;
}

static void request_headers(eth *e, uint64_t from, uint64_t amount)
{
	eth_sync *s = &e->sync;
	eth_peer *m = s->master;
	eth_get_headers q = {
		.req_id = m->next_req_id++,
		.number = from,
		.amount = amount,
	};
	buf b;
	buf_init(&b);
	if (eth_get_headers_encode(&q, &b) == DURE_OK) {
		m->hreq = (eth_req){.kind = REQ_HEADERS, .id = q.req_id,
		                    .sent_ms = eth_now(e), .amount = amount};
		eth_send(e, m, ETH_GET_BLOCK_HEADERS, &b);
	}
	buf_free(&b);
}

void sync_consider(eth *e, eth_peer *p)
{
	eth_sync *s = &e->sync;
	if (s->active || !eth_live(p))
		return;
	header h;
	h256 hash;
	u256 td;
	if (eth_head(e, &h, &hash, &td))
		return;
	if (!u256_lt(&td, &p->td) && p->head_number <= h.number)
		return;
	s->active = true;
	s->probing = true;
	s->master = p;
	s->headers_done = false;
	s->probe_span = SYNC_ANCESTOR_SPAN;
	s->probe_from = h.number > SYNC_ANCESTOR_SPAN ? h.number - SYNC_ANCESTOR_SPAN
	                                              : 0;
	s->start = s->ancestor = h.number;
	s->highest = p->head_number > h.number ? p->head_number : h.number;
	s->started_ms = s->last_log_ms = eth_now(e);
	s->imported = s->gas = 0;
	for (eth_peer *q = e->peers; q; q = q->next)
		q->bodies_given = 0;
	eth_log(e, 3, "sync: following %s from block %" PRIu64, p->name,
	        h.number);
	request_headers(e, s->probe_from, SYNC_ANCESTOR_SPAN + 1);
}

static bool body_empty(const header *h)
{
	return h256_eq(&h->tx_root, &TRIE_EMPTY_ROOT) &&
	       h256_eq(&h->ommers_hash, &EMPTY_OMMERS_HASH) &&
	       (!h->has_withdrawals_root ||
	        h256_eq(&h->withdrawals_root, &TRIE_EMPTY_ROOT));
}

static int td_of(eth *e, const h256 *hash, u256 *td)
{
	store *st = blockchain_store(e->bc);
	db_txn *t;
	int err = db_begin_read(store_db(st), &t);
	if (err)
		return err;
	err = store_td(st, t, hash, td);
	db_abort(t);
	return err;
}

/* The probe's answer: the highest header of ours in it is the common
 * ancestor; none steps further back. */
static void on_probe(eth *e, const header *hs, const h256 *hashes, size_t n)
{
	eth_sync *s = &e->sync;
	for (size_t i = n; i-- > 0;) {
		bool known = false;
		if (hs[i].number != s->probe_from + i)
			break;
		if (blockchain_known(e->bc, &hashes[i], &known) == DURE_OK && known &&
		    td_of(e, &hashes[i], &s->last_td) == DURE_OK) {
			s->probing = false;
			s->ancestor = hs[i].number;
			s->last = hs[i];
			s->last_hash = hashes[i];
			s->next_number = hs[i].number + 1;
			request_headers(e, s->next_number, SYNC_HEADERS_PER_REQ);
			return;
		}
	}
	if (!n) {
		stop(e, "the peer has no blocks at our height");
		return;
	}
	if (s->probe_from == 0 || s->probe_span > BLOCKCHAIN_MAX_REORG) {
		eth_peer *m = s->master;
		stop(e, "no common ancestor within the reorg limit");
		eth_drop(e, m, false, "no common ancestor");
		return;
	}
	s->probe_span *= 2;
	s->probe_from = s->probe_from > s->probe_span ? s->probe_from - s->probe_span
	                                              : 0;
	request_headers(e, s->probe_from, SYNC_ANCESTOR_SPAN + 1);
}

/* A header batch: each must follow the last one queued and pass the
 * engine's rules (seal, difficulty, time) before anything is fetched
 * for it. */
static int queue_headers(eth *e, const header *hs, const h256 *hashes,
                         size_t n)
{
	eth_sync *s = &e->sync;
	const chain_config *c = blockchain_config(e->bc);
	const engine *en = blockchain_engine(e->bc);
	for (size_t i = 0; i < n; i++) {
		const header *h = &hs[i];
		if (h->number != s->next_number ||
		    !h256_eq(&h->parent_hash, &s->last_hash))
			return DURE_EBLOCK_UNKNOWN_PARENT;
		fork rev = chain_config_fork(c, h->number, h->timestamp);
		int err = en->verify_header(en->ctx, c, rev, &s->last, h);
		if (err)
			return err;
		if (s->q_n == SYNC_QUEUE)
			return DURE_OK;
		u256 td;
		if (u256_add_overflow(&td, &s->last_td, &h->difficulty))
			return DURE_EBLOCK_DIFFICULTY;
		sync_slot *sl = slot_at(s, s->q_n++);
		memset(sl, 0, sizeof *sl);
		sl->h = *h;
		sl->hash = hashes[i];
		sl->td = td;
		if (body_empty(h)) {
			sl->have_body = true;
			sl->b.h = *h;
			sl->b.has_withdrawals = h->has_withdrawals_root;
		}
		s->last = *h;
		s->last_hash = hashes[i];
		s->last_td = td;
		s->next_number++;
		if (h->number > s->highest)
			s->highest = h->number;
	}
	return DURE_OK;
}

void sync_on_headers(eth *e, eth_peer *p, const eth_slice *items, size_t n)
{
	eth_sync *s = &e->sync;
	uint64_t asked = p->hreq.amount;
	eth_req_clear(&p->hreq);
	if (!s->active || p != s->master)
		return;
	header *hs = n ? malloc(n * sizeof *hs) : NULL;
	h256 *hashes = n ? malloc(n * sizeof *hashes) : NULL;
	if (n && (!hs || !hashes)) {
		free(hs);
		free(hashes);
		stop(e, "out of memory");
		return;
	}
	int err = DURE_OK;
	for (size_t i = 0; !err && i < n; i++) {
		err = header_decode(items[i].p, items[i].n, &hs[i]);
		if (!err)
			keccak256(items[i].p, items[i].n, hashes[i].b);
	}
	if (!err) {
		if (s->probing) {
			on_probe(e, hs, hashes, n);
		} else {
			err = queue_headers(e, hs, hashes, n);
			if (!err && n < asked)
				s->headers_done = true;
		}
	}
	free(hs);
	free(hashes);
	if (err) {
		char why[96];
		snprintf(why, sizeof why, "bad header chain: %s", dure_strerror(err));
		stop(e, why);
		eth_drop(e, p, true, why);
		return;
	}
	sync_tick(e);
}

void sync_on_bodies(eth *e, eth_peer *p, const eth_slice *items, size_t n)
{
	eth_sync *s = &e->sync;
	eth_req r = p->breq;
	memset(&p->breq, 0, sizeof p->breq);
	int err = n > r.nhashes ? DURE_EETH_TOO_MANY : DURE_OK;
	for (size_t i = 0; !err && i < r.nhashes; i++) {
		sync_slot *sl = slot_of(s, r.nums[i]);
		if (!sl || sl->have_body)
			continue;
		sl->asked = false;
		if (i >= n)
			continue;
		block b;
		err = eth_body_decode(items[i].p, items[i].n, &sl->h, &b);
		if (!err && (err = eth_body_check(&b)))
			block_free(&b);
		if (!err) {
			sl->b = b;
			sl->have_body = true;
			p->bodies_given++;
		}
	}
	/* What was not delivered goes to other peers. */
	for (size_t i = 0; err && i < r.nhashes; i++) {
		sync_slot *sl = slot_of(s, r.nums[i]);
		if (sl)
			sl->asked = false;
	}
	if (n < r.nhashes)
		p->body_bar_ms = eth_now(e) + BODY_RETRY_MS;
	eth_req_clear(&r);
	if (err) {
		char why[96];
		snprintf(why, sizeof why, "bad block body: %s", dure_strerror(err));
		eth_drop(e, p, true, why);
		return;
	}
	sync_tick(e);
}

/* Whether p should have block sl: it is the peer we follow, or what it
 * told us of its head (total difficulty, number) reaches that far. */
static bool may_have(const eth_sync *s, const eth_peer *p, const sync_slot *sl)
{
	return p == s->master || !u256_lt(&p->td, &sl->td) ||
	       p->head_number >= sl->h.number;
}

static bool body_idle(const eth_peer *p, uint64_t now)
{
	return eth_live(p) && p->breq.kind == REQ_NONE && now >= p->body_bar_ms;
}

/* Shares the bodies nobody is fetching among the idle peers that should
 * have them, the way a swarm spreads pieces: each gets an equal part of
 * what is left, at most SYNC_BODIES_PER_REQ. */
static void schedule_bodies(eth *e)
{
	eth_sync *s = &e->sync;
	uint64_t now = eth_now(e);
	size_t wanted = 0, idle = 0, live = 0;
	for (size_t i = 0; i < s->q_n; i++)
		wanted += !slot_at(s, i)->have_body && !slot_at(s, i)->asked;
	for (eth_peer *p = e->peers; p; p = p->next) {
		idle += body_idle(p, now);
		live += eth_live(p);
	}
	if (!wanted || !idle)
		return;
	/* Shares are cut for every live peer, not only the idle ones: the
	 * first idle peer does not take the whole queue while the others
	 * finish, and gets the rest when it asks again. */
	size_t share = (wanted + live - 1) / live;
	if (share > SYNC_BODIES_PER_REQ)
		share = SYNC_BODIES_PER_REQ;
	for (eth_peer *p = e->peers; p; p = p->next) {
		if (!body_idle(p, now))
			continue;
		uint64_t *nums = malloc(share * sizeof *nums);
		h256 *hashes = malloc(share * sizeof *hashes);
		size_t k = 0;
		for (size_t i = 0; nums && hashes && i < s->q_n && k < share; i++) {
			sync_slot *sl = slot_at(s, i);
			if (sl->have_body || sl->asked)
				continue;
			if (!may_have(s, p, sl))
				break;
			nums[k] = sl->h.number;
			hashes[k++] = sl->hash;
			sl->asked = true;
		}
		buf b;
		buf_init(&b);
		uint64_t id = p->next_req_id++;
		if (k && eth_hashes_req_encode(id, hashes, k, &b) == DURE_OK) {
			p->breq = (eth_req){.kind = REQ_BODIES, .id = id,
			                    .sent_ms = now, .nums = nums, .nhashes = k};
			nums = NULL;
			eth_send(e, p, ETH_GET_BLOCK_BODIES, &b);
		} else {
			for (size_t i = 0; nums && i < k; i++)
				slot_of(s, nums[i])->asked = false;
		}
		buf_free(&b);
		free(nums);
		free(hashes);
	}
}

/* Imports the queue's leading blocks whose bodies are here, in order, for
 * at most IMPORT_BUDGET_NS. */
static void import_ready(eth *e)
{
	eth_sync *s = &e->sync;
	uint64_t t0 = dure_monotonic_ns();
	while (s->active && s->q_n && slot_at(s, 0)->have_body &&
	       dure_monotonic_ns() - t0 < IMPORT_BUDGET_NS) {
		sync_slot *sl = slot_at(s, 0);
		import_result r;
		int err = e->ops.import(e->ops.ctx, &sl->b, &r);
		if (err) {
			char why[128];
			snprintf(why, sizeof why, "block #%" PRIu64 " of its chain does "
			         "not import: %s", sl->h.number, dure_strerror(err));
			eth_peer *m = s->master;
			stop(e, why);
			if (m)
				eth_drop(e, m, true, why);
			return;
		}
		s->imported++;
		s->gas += r.gas_used;
		block_free(&sl->b);
		s->q_head = (s->q_head + 1) % SYNC_QUEUE;
		s->q_n--;
	}
}

static void log_progress(eth *e, bool done)
{
	eth_sync *s = &e->sync;
	uint64_t now = eth_now(e);
	double secs = (double)(now - s->started_ms) / 1000.0;
	if (secs <= 0)
		secs = 0.001;
	uint64_t at = s->ancestor + s->imported;
	double rate = (double)s->imported / secs;
	double left = s->highest > at ? (double)(s->highest - at) : 0;
	char peers[256] = "";
	size_t used = 0, contributors = 0;
	for (eth_peer *p = e->peers; p; p = p->next)
		if (p->bodies_given) {
			contributors++;
			if (used < sizeof peers - 32)
				used += (size_t)snprintf(peers + used, sizeof peers - used,
				                         " %.8s=%" PRIu64, p->name,
				                         p->bodies_given);
		}
	if (done)
		eth_log(e, 3, "sync: done at block %" PRIu64 ", %" PRIu64 " blocks "
		        "in %.1f s (%.0f blocks/s, %.1f Mgas/s); bodies from %zu "
		        "peers:%s", at, s->imported, secs, rate,
		        (double)s->gas / secs / 1e6, contributors, peers);
	else
		eth_log(e, 3, "sync: block %" PRIu64 " of %" PRIu64 ", %.0f blocks/s, "
		        "%.1f Mgas/s, ETA %.0f s; bodies from %zu peers:%s", at,
		        s->highest, rate, (double)s->gas / secs / 1e6,
		        rate > 0 ? left / rate : 0, contributors, peers);
	s->last_log_ms = now;
}

void sync_tick(eth *e)
{
	eth_sync *s = &e->sync;
	if (!s->active) {
		eth_peer *best = NULL;
		for (eth_peer *p = e->peers; p; p = p->next)
			if (eth_live(p) && (!best || u256_lt(&best->td, &p->td)))
				best = p;
		if (best)
			sync_consider(e, best);
		return;
	}
	import_ready(e);
	if (!s->active)
		return;
	eth_peer *m = s->master;
	if (!s->probing && !s->headers_done && m->hreq.kind == REQ_NONE &&
	    s->q_n + SYNC_HEADERS_PER_REQ <= SYNC_QUEUE)
		request_headers(e, s->next_number, SYNC_HEADERS_PER_REQ);
	schedule_bodies(e);
	bool busy = m->hreq.kind != REQ_NONE;
	for (eth_peer *p = e->peers; p && !busy; p = p->next)
		busy = p->breq.kind != REQ_NONE;
	if (s->headers_done && !s->q_n && !busy) {
		if (s->imported)
			log_progress(e, true);
		s->active = false;
		s->master = NULL;
		return;
	}
	if (eth_now(e) - s->last_log_ms >= PROGRESS_MS)
		log_progress(e, false);
}

/* Gives p's body request back to the queue, for other peers. */
static void unassign(eth *e, eth_peer *p)
{
	eth_sync *s = &e->sync;
	if (p->breq.kind == REQ_BODIES)
		for (size_t i = 0; i < p->breq.nhashes; i++) {
			sync_slot *sl = slot_of(s, p->breq.nums[i]);
			if (sl)
				sl->asked = false;
		}
	eth_req_clear(&p->breq);
}

void sync_peer_gone(eth *e, eth_peer *p)
{
	eth_sync *s = &e->sync;
	unassign(e, p);
	if (s->active && s->master == p)
		stop(e, "the peer we followed left");
}

void sync_timeout(eth *e, eth_peer *p, req_kind kind)
{
	eth_sync *s = &e->sync;
	if (kind == REQ_HEADERS) {
		eth_req_clear(&p->hreq);
		if (s->active && p == s->master) {
			stop(e, "headers timed out");
			eth_drop(e, p, false, "too slow to give headers");
		}
		return;
	}
	unassign(e, p);
	p->body_bar_ms = eth_now(e) + BODY_TIMEOUT_BAR_MS;
	if (++p->strikes >= MAX_STRIKES)
		eth_drop(e, p, false, "too slow to give bodies");
}

void eth_sync_status(const eth *e, eth_sync_info *out)
{
	const eth_sync *s = &e->sync;
	memset(out, 0, sizeof *out);
	out->syncing = s->active;
	out->start = s->start;
	out->current = s->probing ? s->start : s->ancestor + s->imported;
	out->highest = s->highest;
}
