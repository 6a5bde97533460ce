/* Kademlia state machine: many nodes on a fake network with a fake clock
 * (bootstrap, table fill, lookup convergence), revalidation of dead nodes,
 * IP limits, endpoint proof, expired and malformed packets, ENR requests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/keccak.h"
#include "crypto/secp.h"
#include "net/discv4.h"
#include "net/kad.h"
#include "test.h"

#define T0 1700000000000ull /* fake clock start, UNIX ms */
#define DELAY_MS 5

typedef struct sim_pkt {
	net_endpoint from, to;
	uint64_t at;
	size_t len;
	uint8_t data[DISCV4_MAX_PACKET];
} sim_pkt;

typedef struct sim sim;

typedef struct sim_node {
	sim *s;
	size_t idx;
	uint8_t key[32];
	enode self;
	kad *k;
	uint64_t wake;
	bool dead;
	size_t added, removed;
	bool lookup_done;
	bool lookup_found;     /* last lookup's results hold lookup_want */
	uint8_t lookup_want[64];
	bool got_enr;
	uint64_t enr_seq;
} sim_node;

struct sim {
	sim_node *nodes;
	size_t n;
	sim_pkt *q;            /* FIFO ring; delivery times are monotonic */
	size_t qhead, qlen, qcap;
	uint64_t now;
	size_t sent, dropped;
	size_t by_type[DISCV4_ENRRESPONSE + 1];
};

static void sim_send(void *arg, const net_endpoint *to, const uint8_t *pkt,
                     size_t len)
{
	sim_node *me = arg;
	sim *s = me->s;
	if (s->qlen == s->qcap) {
		size_t ncap = s->qcap ? s->qcap * 2 : 1024;
		sim_pkt *nq = malloc(ncap * sizeof *nq);
		if (!nq)
			abort();
		for (size_t i = 0; i < s->qlen; i++)
			nq[i] = s->q[(s->qhead + i) % s->qcap];
		free(s->q);
		s->q = nq;
		s->qhead = 0;
		s->qcap = ncap;
	}
	sim_pkt *p = &s->q[(s->qhead + s->qlen++) % s->qcap];
	p->from = me->self.ep;
	p->to = *to;
	p->at = s->now + DELAY_MS;
	p->len = len;
	memcpy(p->data, pkt, len);
	s->sent++;
	if (len > 97 && pkt[97] <= DISCV4_ENRRESPONSE)
		s->by_type[pkt[97]]++;
}

static void sim_event(void *arg, const kad_event *ev, uint64_t now)
{
	sim_node *me = arg;
	switch (ev->type) {
	case KAD_EV_ADDED:
		me->added++;
		break;
	case KAD_EV_REMOVED:
		me->removed++;
		break;
	case KAD_EV_VERIFIED:
		break;
	case KAD_EV_LOOKUP_DONE:
		if (memcmp(ev->target, me->lookup_want, 64) != 0)
			break;
		me->lookup_done = true;
		me->lookup_found = false;
		for (size_t i = 0; i < ev->n_results; i++)
			if (memcmp(ev->results[i].id, me->lookup_want, 64) == 0)
				me->lookup_found = true;
		break;
	case KAD_EV_ENR:
		me->got_enr = true;
		me->enr_seq = ev->record->seq;
		break;
	}
}

/* Node i lives at 10.(i>>8).(i&255).1 (or 127.0.0.1 with port 30000+i
 * when loopback), so each has its own /24. */
static net_endpoint sim_ep(size_t i, bool loopback)
{
	net_endpoint ep = {{10, (uint8_t)(i >> 8), (uint8_t)i, 1}, 4, 30303, 30303};
	if (loopback)
		ep = (net_endpoint){{127, 0, 0, 1}, 4, (uint16_t)(30000 + i),
		                    (uint16_t)(30000 + i)};
	return ep;
}

static void key_for(uint64_t seed, uint8_t key[32])
{
	uint8_t in[8];
	memcpy(in, &seed, 8);
	keccak256(in, 8, key);
}

static sim *sim_new(size_t n, bool loopback, uint64_t refresh_ms)
{
	sim *s = calloc(1, sizeof *s);
	s->nodes = calloc(n, sizeof *s->nodes);
	s->n = n;
	s->now = T0;
	for (size_t i = 0; i < n; i++) {
		sim_node *nd = &s->nodes[i];
		nd->s = s;
		nd->idx = i;
		key_for(i + 1, nd->key);
		CHECK_EQ_INT(secp_pubkey_create(nd->key, nd->self.id), 0);
		nd->self.ep = sim_ep(i, loopback);
	}
	for (size_t i = 0; i < n; i++) {
		sim_node *nd = &s->nodes[i];
		kad_config cfg = {
			.bootnodes = &s->nodes[0].self,
			.n_bootnodes = i == 0 ? 0 : 1,
			.send = sim_send, .send_arg = nd,
			.on_event = sim_event, .event_arg = nd,
			.seed = i * 7919 + 1,
			.refresh_ms = refresh_ms,
		};
		CHECK_EQ_INT(kad_new(nd->key, &nd->self.ep, &cfg, &nd->k), 0);
		nd->wake = T0 + i; /* staggered start */
	}
	return s;
}

static void sim_free(sim *s)
{
	for (size_t i = 0; i < s->n; i++)
		kad_free(s->nodes[i].k);
	free(s->nodes);
	free(s->q);
	free(s);
}

static sim_node *sim_find(sim *s, const net_endpoint *to)
{
	for (size_t i = 0; i < s->n; i++) {
		const net_endpoint *ep = &s->nodes[i].self.ep;
		if (net_ip_eq(ep, to) && ep->udp == to->udp)
			return &s->nodes[i];
	}
	return NULL;
}

/* Runs the network until `until` (fake ms). */
static void sim_run(sim *s, uint64_t until)
{
	for (;;) {
		uint64_t next = until;
		if (s->qlen && s->q[s->qhead].at < next)
			next = s->q[s->qhead].at;
		for (size_t i = 0; i < s->n; i++)
			if (!s->nodes[i].dead && s->nodes[i].wake < next)
				next = s->nodes[i].wake;
		if (next >= until && !(s->qlen && s->q[s->qhead].at <= until))
			break;
		s->now = next;
		while (s->qlen && s->q[s->qhead].at <= s->now) {
			sim_pkt p = s->q[s->qhead];
			s->qhead = (s->qhead + 1) % s->qcap;
			s->qlen--;
			sim_node *to = sim_find(s, &p.to);
			if (!to || to->dead) {
				s->dropped++;
				continue;
			}
			(void)kad_handle_packet(to->k, s->now, &p.from, p.data, p.len);
			/* A reply may need the node's timers sooner. */
			to->wake = s->now;
		}
		for (size_t i = 0; i < s->n; i++) {
			sim_node *nd = &s->nodes[i];
			if (!nd->dead && nd->wake <= s->now)
				nd->wake = kad_tick(nd->k, s->now);
		}
	}
	s->now = until;
}

/* How many of the other nodes node i's table could hold at most: per
 * bucket, min(K, nodes at that distance). */
static size_t ideal_count(sim *s, size_t i)
{
	size_t per[KAD_NBUCKETS] = {0};
	uint8_t hi[32];
	keccak256(s->nodes[i].self.id, 64, hi);
	for (size_t j = 0; j < s->n; j++) {
		if (j == i)
			continue;
		uint8_t hj[32];
		keccak256(s->nodes[j].self.id, 64, hj);
		unsigned d = 0;
		for (unsigned b = 0; b < 32; b++)
			if (hi[b] ^ hj[b]) {
				d = (32 - b) * 8 - ((unsigned)__builtin_clz(hi[b] ^ hj[b]) - 24);
				break;
			}
		per[d <= 240 ? 0 : d - 240]++;
	}
	size_t total = 0;
	for (size_t b = 0; b < KAD_NBUCKETS; b++)
		total += per[b] < KAD_K ? per[b] : KAD_K;
	return total;
}

static void test_sim_bootstrap(void)
{
	const size_t n = 80;
	sim *s = sim_new(n, false, 30000);
	sim_run(s, T0 + 90000);
	size_t have = 0, ideal = 0, worst = 100;
	for (size_t i = 0; i < n; i++) {
		size_t c = kad_count(s->nodes[i].k), id = ideal_count(s, i);
		have += c;
		ideal += id;
		size_t pct = id ? c * 100 / id : 100;
		if (pct < worst)
			worst = pct;
		CHECK(c <= n - 1);
	}
	printf("sim %zu nodes: tables hold %zu of %zu possible (%zu%%), worst "
	       "%zu%%, %zu packets\n", n, have, ideal, have * 100 / ideal, worst,
	       s->sent);
	size_t repl = 0, enrs = 0;
	for (size_t i = 0; i < n; i++) {
		repl += kad_replacement_count(s->nodes[i].k);
		enrs += s->nodes[i].got_enr;
	}
	printf("  ping %zu, pong %zu, findnode %zu, neighbors %zu, enr %zu/%zu; "
	       "%zu replacements\n", s->by_type[DISCV4_PING],
	       s->by_type[DISCV4_PONG], s->by_type[DISCV4_FINDNODE],
	       s->by_type[DISCV4_NEIGHBORS], s->by_type[DISCV4_ENRREQUEST],
	       s->by_type[DISCV4_ENRRESPONSE], repl);
	/* Every node fetched records on its own (their pongs advertise seq
	 * 1), and pings stay few: two nodes that are not in each other's
	 * tables must not ping each other back and forth. */
	CHECK_EQ_INT(enrs, n);
	CHECK(s->by_type[DISCV4_PING] < 100 * n);
	CHECK(have * 100 / ideal >= 90);
	CHECK(worst >= 60);
	/* Tables hold as much as k-buckets allow: most of the other nodes. */
	CHECK(have * 2 > n * (n - 1));

	/* Lookups of existing nodes from random nodes find them. */
	size_t found = 0, tries = 20;
	for (size_t t = 0; t < tries; t++) {
		sim_node *a = &s->nodes[(t * 37 + 5) % n];
		sim_node *b = &s->nodes[(t * 53 + 11) % n];
		if (a == b)
			b = &s->nodes[(b->idx + 1) % n];
		memcpy(a->lookup_want, b->self.id, 64);
		a->lookup_done = false;
		int err = kad_lookup(a->k, b->self.id, s->now);
		CHECK(err == 0 || err == DURE_EBUSY);
		if (err)
			continue;
		a->wake = s->now;
		sim_run(s, s->now + 3000);
		CHECK(a->lookup_done);
		found += a->lookup_found;
	}
	printf("lookups: %zu of %zu found their target\n", found, tries);
	CHECK(found >= tries - 1);
	sim_free(s);
}

/* A node whose key puts it at log distance d from `from`. */
static void key_at_dist(const uint8_t from_id[64], unsigned d, uint64_t *ctr,
                        uint8_t key[32], uint8_t id[64])
{
	uint8_t hf[32];
	keccak256(from_id, 64, hf);
	for (;;) {
		key_for(1000000 + (*ctr)++, key);
		if (secp_pubkey_create(key, id))
			continue;
		uint8_t h[32];
		keccak256(id, 64, h);
		unsigned got = 0;
		for (unsigned b = 0; b < 32; b++)
			if (hf[b] ^ h[b]) {
				got = (32 - b) * 8 - ((unsigned)__builtin_clz(hf[b] ^ h[b]) - 24);
				break;
			}
		if (got == d)
			return;
	}
}

/* A sim of node 0 plus nodes given by key and endpoint, none bootstrapped:
 * node 0 learns nodes 1..n_seed by kad_add_node. */
static sim *sim_custom(size_t n, size_t n_seed, const uint8_t (*keys)[32],
                       const net_endpoint *eps)
{
	sim *s = calloc(1, sizeof *s);
	s->nodes = calloc(n, sizeof *s->nodes);
	s->n = n;
	s->now = T0;
	for (size_t i = 0; i < n; i++) {
		sim_node *nd = &s->nodes[i];
		nd->s = s;
		nd->idx = i;
		memcpy(nd->key, keys[i], 32);
		CHECK_EQ_INT(secp_pubkey_create(nd->key, nd->self.id), 0);
		nd->self.ep = eps[i];
		kad_config cfg = {
			.send = sim_send, .send_arg = nd,
			.on_event = sim_event, .event_arg = nd,
			.seed = i + 99,
			.refresh_ms = 3600ull * 1000 * 24,
			.revalidate_ms = 1000,
			.enr_seq = 5,
		};
		CHECK_EQ_INT(kad_new(nd->key, &nd->self.ep, &cfg, &nd->k), 0);
		nd->wake = T0;
	}
	for (size_t i = 1; i <= n_seed; i++)
		CHECK_EQ_INT(kad_add_node(s->nodes[0].k, &s->nodes[i].self, T0), 0);
	return s;
}

static void test_revalidation(void)
{
	/* 17 nodes at log distance 256 from node 0: 16 fill the bucket, the
	 * 17th waits among the replacements. */
	enum { N = 18 };
	uint8_t keys[N][32], id[64];
	net_endpoint eps[N];
	uint64_t ctr = 0;
	key_for(424242, keys[0]);
	uint8_t id0[64];
	CHECK_EQ_INT(secp_pubkey_create(keys[0], id0), 0);
	eps[0] = sim_ep(0, false);
	for (size_t i = 1; i < N; i++) {
		key_at_dist(id0, 256, &ctr, keys[i], id);
		eps[i] = sim_ep(i, false);
	}
	sim *s = sim_custom(N, N - 1, keys, eps);
	sim_run(s, T0 + 800);
	kad *a = s->nodes[0].k;
	CHECK_EQ_INT(kad_count(a), KAD_K);
	size_t spare = 0;
	for (size_t i = 1; i < N; i++)
		if (!kad_contains(a, s->nodes[i].self.id))
			spare = i;
	CHECK(spare != 0);
	/* Kill a table entry: revalidation finds it dead and the spare node
	 * takes its place. */
	size_t victim = spare == 1 ? 2 : 1;
	s->nodes[victim].dead = true;
	sim_run(s, T0 + 60000);
	CHECK(!kad_contains(a, s->nodes[victim].self.id));
	CHECK(kad_contains(a, s->nodes[spare].self.id));
	CHECK_EQ_INT(kad_count(a), KAD_K);
	CHECK_EQ_INT(s->nodes[0].removed, 1);
	CHECK_EQ_INT(s->nodes[0].added, KAD_K + 1);
	/* Live nodes survive revalidation. */
	for (size_t i = 1; i < N; i++)
		if (i != victim)
			CHECK(kad_contains(a, s->nodes[i].self.id));

	/* ENR request over the same network. */
	CHECK_EQ_INT(kad_request_enr(a, &s->nodes[3].self, s->now), 0);
	s->nodes[0].wake = s->now;
	sim_run(s, s->now + 100);
	CHECK(s->nodes[0].got_enr);
	CHECK_EQ_INT(s->nodes[0].enr_seq, 5);
	sim_free(s);
}

static void test_replacements_from_neighbors(void)
{
	/* Node 0 (A) with a full bucket: nodes 1..16 at distance 256. Node
	 * 17 (C), also at distance 256, is known only to node 1 (B). A
	 * lookup from A hears of C in B's Neighbors; A must ping C and keep
	 * it as a replacement, which later takes a dead entry's place. */
	enum { N = 18, C = 17 };
	uint8_t keys[N][32], id[N][64];
	net_endpoint eps[N];
	uint64_t ctr = 0;
	key_for(515151, keys[0]);
	CHECK_EQ_INT(secp_pubkey_create(keys[0], id[0]), 0);
	eps[0] = sim_ep(0, false);
	for (size_t i = 1; i < N; i++) {
		key_at_dist(id[0], 256, &ctr, keys[i], id[i]);
		eps[i] = sim_ep(i, false);
	}
	/* A lookup target to which C is farther than all of A's entries, so
	 * that the lookup itself (which contacts the KAD_K closest) never
	 * pings C: only the Neighbors handling can. */
	uint8_t target[64], th[32], hc[32];
	keccak256(id[C], 64, hc);
	for (uint64_t t = 0;; t++) {
		key_for(900000 + t, target);
		key_for(950000 + t, target + 32);
		keccak256(target, 64, th);
		uint8_t dc[32], d[32];
		for (int b = 0; b < 32; b++)
			dc[b] = hc[b] ^ th[b];
		bool farthest = true;
		for (size_t i = 1; i < C && farthest; i++) {
			uint8_t h[32];
			keccak256(id[i], 64, h);
			for (int b = 0; b < 32; b++)
				d[b] = h[b] ^ th[b];
			farthest = memcmp(dc, d, 32) > 0;
		}
		if (farthest)
			break;
	}
	sim *s = sim_custom(N, C - 1, keys, eps);
	sim_node *A = &s->nodes[0], *B = &s->nodes[1];
	CHECK_EQ_INT(kad_add_node(B->k, &s->nodes[C].self, T0), 0);
	sim_run(s, T0 + 800);
	CHECK_EQ_INT(kad_count(A->k), KAD_K);
	CHECK(kad_contains(B->k, id[C]));
	CHECK_EQ_INT(kad_replacement_count(A->k), 0);

	memcpy(A->lookup_want, target, 64);
	CHECK_EQ_INT(kad_lookup(A->k, target, s->now), 0);
	A->wake = s->now;
	sim_run(s, s->now + 5000);
	CHECK(A->lookup_done);
	CHECK(!kad_contains(A->k, id[C]));
	CHECK_EQ_INT(kad_replacement_count(A->k), 1);

	/* An entry dies; revalidation (every ~1 s here) promotes C. */
	s->nodes[2].dead = true;
	sim_run(s, s->now + 60000);
	CHECK(!kad_contains(A->k, id[2]));
	CHECK(kad_contains(A->k, id[C]));
	CHECK_EQ_INT(kad_count(A->k), KAD_K);
	CHECK_EQ_INT(kad_replacement_count(A->k), 0);
	sim_free(s);
}

static void test_ip_limits(void)
{
	/* Node 0, then 12 nodes of one /24 at distances 256,256,256,255,255,
	 * 254,254,253,253,252,252,251 and 3 loopback nodes at distance 256. */
	enum { N = 16 };
	static const unsigned dists[] = {256, 256, 256, 255, 255, 254, 254, 253,
	                                 253, 252, 252, 251, 251, 256, 256};
	uint8_t keys[N][32], id[64], id0[64];
	net_endpoint eps[N];
	uint64_t ctr = 0;
	key_for(777, keys[0]);
	CHECK_EQ_INT(secp_pubkey_create(keys[0], id0), 0);
	eps[0] = sim_ep(0, false);
	for (size_t i = 1; i < N; i++) {
		key_at_dist(id0, dists[i - 1], &ctr, keys[i], id);
		if (i <= 13)
			eps[i] = (net_endpoint){{10, 9, 9, (uint8_t)i}, 4, 30303, 30303};
		else
			eps[i] = sim_ep(i, true);
	}
	sim *s = sim_custom(N, N - 1, keys, eps);
	sim_run(s, T0 + 800);
	kad *a = s->nodes[0].k;
	/* Third node of the /24 in the distance-256 bucket is refused. */
	CHECK(kad_contains(a, s->nodes[1].self.id));
	CHECK(kad_contains(a, s->nodes[2].self.id));
	CHECK(!kad_contains(a, s->nodes[3].self.id));
	/* At most 10 of the /24 in the whole table. */
	size_t same = 0;
	for (size_t i = 1; i <= 13; i++)
		same += kad_contains(a, s->nodes[i].self.id);
	CHECK_EQ_INT(same, KAD_TABLE_IP_LIMIT);
	/* Loopback is exempt: both loopback nodes join the bucket with the two
	 * 10.9.9.x ones. */
	CHECK(kad_contains(a, s->nodes[14].self.id));
	CHECK(kad_contains(a, s->nodes[15].self.id));
	CHECK_EQ_INT(kad_count(a), KAD_TABLE_IP_LIMIT + 2);
	sim_free(s);
}

/* ---- a hand-driven peer against one kad node ---- */

#define CAP_MAX 512

typedef struct capture {
	size_t n;
	uint8_t last[DISCV4_MAX_PACKET];
	size_t last_len;
	uint8_t types[CAP_MAX];
	net_endpoint to[CAP_MAX];
	size_t enr_events;
	uint64_t enr_seq;
} capture;

static void cap_send(void *arg, const net_endpoint *to, const uint8_t *pkt,
                     size_t len)
{
	capture *c = arg;
	discv4_packet *p = malloc(sizeof *p);
	if (discv4_decode(pkt, len, p) == 0 && c->n < CAP_MAX) {
		c->types[c->n] = p->type;
		c->to[c->n] = *to;
	}
	free(p);
	c->n++;
	memcpy(c->last, pkt, len);
	c->last_len = len;
}

static void cap_event(void *arg, const kad_event *ev, uint64_t now)
{
	capture *c = arg;
	if (ev->type == KAD_EV_ENR) {
		c->enr_events++;
		c->enr_seq = ev->record->seq;
	}
}

static size_t craft(const uint8_t key[32], discv4_packet *p, uint64_t exp_s,
                    uint8_t out[DISCV4_MAX_PACKET], uint8_t hash[32])
{
	size_t n;
	p->expiration = exp_s;
	CHECK_EQ_INT(discv4_encode(key, p, out, &n, hash), 0);
	return n;
}

static void test_endpoint_proof(void)
{
	uint8_t ka[32], kx[32], idx[64];
	key_for(31, ka);
	key_for(32, kx);
	CHECK_EQ_INT(secp_pubkey_create(kx, idx), 0);
	net_endpoint aep = sim_ep(1, false), xep = sim_ep(2, false);
	capture cap = {0};
	kad_config cfg = {.send = cap_send, .send_arg = &cap, .seed = 5};
	kad *a;
	CHECK_EQ_INT(kad_new(ka, &aep, &cfg, &a), 0);
	uint64_t now = T0, now_s = T0 / 1000;
	static discv4_packet p;
	uint8_t pkt[DISCV4_MAX_PACKET], h[32];

	/* FindNode from a stranger: ignored, nothing sent. */
	memset(&p, 0, sizeof p);
	p.type = DISCV4_FINDNODE;
	memcpy(p.u.findnode.target, idx, 64);
	size_t n = craft(kx, &p, now_s + 20, pkt, h);
	CHECK_EQ_INT(kad_handle_packet(a, now, &xep, pkt, n), DURE_ENOTFOUND);
	CHECK_EQ_INT(cap.n, 0);
	/* Same for ENRRequest. */
	memset(&p, 0, sizeof p);
	p.type = DISCV4_ENRREQUEST;
	n = craft(kx, &p, now_s + 20, pkt, h);
	CHECK_EQ_INT(kad_handle_packet(a, now, &xep, pkt, n), DURE_ENOTFOUND);
	CHECK_EQ_INT(cap.n, 0);

	/* Expired ping: dropped. */
	memset(&p, 0, sizeof p);
	p.type = DISCV4_PING;
	p.u.ping.version = 4;
	p.u.ping.from = xep;
	p.u.ping.to = aep;
	n = craft(kx, &p, now_s - 1, pkt, h);
	CHECK_EQ_INT(kad_handle_packet(a, now, &xep, pkt, n), DURE_ERANGE);
	CHECK_EQ_INT(cap.n, 0);
	/* Malformed: dropped. */
	pkt[50] ^= 1;
	CHECK_EQ_INT(kad_handle_packet(a, now, &xep, pkt, n), DURE_EDISC_HASH);
	CHECK_EQ_INT(kad_handle_packet(a, now, &xep, pkt, 10), DURE_EDISC_SIZE);
	CHECK_EQ_INT(cap.n, 0);
	/* Unsolicited pong: dropped. */
	memset(&p, 0, sizeof p);
	p.type = DISCV4_PONG;
	p.u.pong.to = aep;
	n = craft(kx, &p, now_s + 20, pkt, h);
	CHECK_EQ_INT(kad_handle_packet(a, now, &xep, pkt, n), DURE_ENOTFOUND);
	/* Our own packet echoed back: dropped. */
	memset(&p, 0, sizeof p);
	p.type = DISCV4_PING;
	p.u.ping.from = aep;
	n = craft(ka, &p, now_s + 20, pkt, h);
	CHECK_EQ_INT(kad_handle_packet(a, now, &xep, pkt, n), DURE_EINVAL);
	CHECK_EQ_INT(cap.n, 0);

	/* A valid ping: pong, and a ping of our own since X is unverified. */
	memset(&p, 0, sizeof p);
	p.type = DISCV4_PING;
	p.u.ping.version = 4;
	p.u.ping.from = xep;
	p.u.ping.to = aep;
	n = craft(kx, &p, now_s + 20, pkt, h);
	CHECK_EQ_INT(kad_handle_packet(a, now, &xep, pkt, n), 0);
	CHECK_EQ_INT(cap.n, 2);
	CHECK_EQ_INT(cap.types[0], DISCV4_PONG);
	CHECK_EQ_INT(cap.types[1], DISCV4_PING);
	uint8_t their_ping[32];
	memcpy(their_ping, cap.last, 32);
	/* FindNode still refused: X has not answered A's ping. */
	memset(&p, 0, sizeof p);
	p.type = DISCV4_FINDNODE;
	n = craft(kx, &p, now_s + 20, pkt, h);
	CHECK_EQ_INT(kad_handle_packet(a, now, &xep, pkt, n), DURE_ENOTFOUND);
	/* A pong with the wrong hash does not count. */
	memset(&p, 0, sizeof p);
	p.type = DISCV4_PONG;
	p.u.pong.to = aep;
	memset(p.u.pong.ping_hash, 1, 32);
	n = craft(kx, &p, now_s + 20, pkt, h);
	CHECK_EQ_INT(kad_handle_packet(a, now, &xep, pkt, n), DURE_ENOTFOUND);
	/* From another IP neither. */
	memcpy(p.u.pong.ping_hash, their_ping, 32);
	n = craft(kx, &p, now_s + 20, pkt, h);
	net_endpoint spoof = sim_ep(3, false);
	CHECK_EQ_INT(kad_handle_packet(a, now, &spoof, pkt, n), DURE_ENOTFOUND);
	CHECK_EQ_INT(kad_handle_packet(a, now, &xep, pkt, n), 0);
	CHECK(kad_contains(a, idx));
	CHECK_EQ_INT(kad_count(a), 1);

	/* Now bonded: FindNode gets Neighbors (X itself is A's only node). */
	size_t before = cap.n;
	memset(&p, 0, sizeof p);
	p.type = DISCV4_FINDNODE;
	n = craft(kx, &p, now_s + 20, pkt, h);
	CHECK_EQ_INT(kad_handle_packet(a, now + 10, &xep, pkt, n), 0);
	CHECK_EQ_INT(cap.n, before + 1);
	static discv4_packet r;
	CHECK_EQ_INT(discv4_decode(cap.last, cap.last_len, &r), 0);
	CHECK_EQ_INT(r.type, DISCV4_NEIGHBORS);
	CHECK_EQ_INT(r.u.neighbors.n, 1);
	CHECK_MEM(r.u.neighbors.nodes[0].id, idx, 64);
	/* ENRRequest gets our record, echoing the request hash. */
	memset(&p, 0, sizeof p);
	p.type = DISCV4_ENRREQUEST;
	n = craft(kx, &p, now_s + 20, pkt, h);
	CHECK_EQ_INT(kad_handle_packet(a, now + 10, &xep, pkt, n), 0);
	CHECK_EQ_INT(discv4_decode(cap.last, cap.last_len, &r), 0);
	CHECK_EQ_INT(r.type, DISCV4_ENRRESPONSE);
	CHECK_MEM(r.u.enrresponse.request_hash, h, 32);
	CHECK_MEM(r.u.enrresponse.record.pub, kad_self(a)->id, 64);
	/* The proof expires after 12 hours. */
	uint64_t later = now + KAD_BOND_EXPIRY_MS + 1;
	memset(&p, 0, sizeof p);
	p.type = DISCV4_FINDNODE;
	n = craft(kx, &p, later / 1000 + 20, pkt, h);
	CHECK_EQ_INT(kad_handle_packet(a, later, &xep, pkt, n), DURE_ENOTFOUND);

	/* Random nodes and closest. */
	enode out[4];
	CHECK_EQ_INT(kad_random_nodes(a, out, 4), 1);
	CHECK_MEM(out[0].id, idx, 64);
	CHECK_EQ_INT(kad_closest(a, idx, out, 4), 1);
	kad_free(a);
}

static bool ep_eq(const net_endpoint *a, const net_endpoint *b)
{
	return net_ip_eq(a, b) && a->udp == b->udp;
}

/* Sends a's handler a ping from key kx at xep (advertising ENR seq `seq`
 * when nonzero). Returns kad_handle_packet's result. */
static int send_ping(kad *a, const uint8_t kx[32], const net_endpoint *xep,
                     uint64_t now, uint64_t seq)
{
	static discv4_packet p;
	uint8_t pkt[DISCV4_MAX_PACKET], h[32];
	memset(&p, 0, sizeof p);
	p.type = DISCV4_PING;
	p.u.ping.version = 4;
	p.u.ping.from = *xep;
	p.u.ping.to = kad_self(a)->ep;
	p.u.ping.has_enr_seq = seq != 0;
	p.u.ping.enr_seq = seq;
	size_t n = craft(kx, &p, now / 1000 + 20, pkt, h);
	return kad_handle_packet(a, now, xep, pkt, n);
}

/* Sends a pong from kx at xep echoing ping_hash. */
static int send_pong(kad *a, const uint8_t kx[32], const net_endpoint *xep,
                     const uint8_t ping_hash[32], uint64_t now, uint64_t seq)
{
	static discv4_packet p;
	uint8_t pkt[DISCV4_MAX_PACKET], h[32];
	memset(&p, 0, sizeof p);
	p.type = DISCV4_PONG;
	p.u.pong.to = kad_self(a)->ep;
	memcpy(p.u.pong.ping_hash, ping_hash, 32);
	p.u.pong.has_enr_seq = seq != 0;
	p.u.pong.enr_seq = seq;
	size_t n = craft(kx, &p, now / 1000 + 20, pkt, h);
	return kad_handle_packet(a, now, xep, pkt, n);
}

/* Sends a packet of a type without fields (FindNode with a zero target,
 * ENRRequest) from kx at xep. */
static int send_query(kad *a, uint8_t type, const uint8_t kx[32],
                      const net_endpoint *xep, uint64_t now)
{
	static discv4_packet p;
	uint8_t pkt[DISCV4_MAX_PACKET], h[32];
	memset(&p, 0, sizeof p);
	p.type = type;
	size_t n = craft(kx, &p, now / 1000 + 20, pkt, h);
	return kad_handle_packet(a, now, xep, pkt, n);
}

/* A peer kx at xep pings a, and answers the ping a sends back: after
 * that it is in a's table and holds a's endpoint proof. */
static void bond_peer(kad *a, capture *cap, const uint8_t kx[32],
                      const net_endpoint *xep, uint64_t now, uint64_t seq)
{
	size_t before = cap->n;
	CHECK_EQ_INT(send_ping(a, kx, xep, now, seq), 0);
	CHECK_EQ_INT(cap->n, before + 2);
	CHECK_EQ_INT(cap->types[before], DISCV4_PONG);
	CHECK_EQ_INT(cap->types[before + 1], DISCV4_PING);
	uint8_t ping_hash[32];
	memcpy(ping_hash, cap->last, 32);
	CHECK_EQ_INT(send_pong(a, kx, xep, ping_hash, now, seq), 0);
}

typedef struct ep_query {
	const uint8_t *id;
	net_endpoint ep;
	bool found;
} ep_query;

static void ep_of_cb(void *arg, const enode *n)
{
	ep_query *q = arg;
	if (memcmp(n->id, q->id, 64) == 0) {
		q->ep = n->ep;
		q->found = true;
	}
}

/* True if id is in a's table at endpoint ep. */
static bool entry_at(const kad *a, const uint8_t id[64], const net_endpoint *ep)
{
	ep_query q = {.id = id};
	kad_foreach(a, ep_of_cb, &q);
	return q.found && ep_eq(&q.ep, ep);
}

static void test_enr_refresh(void)
{
	uint8_t ka[32], kx[32], idx[64];
	key_for(41, ka);
	key_for(42, kx);
	CHECK_EQ_INT(secp_pubkey_create(kx, idx), 0);
	net_endpoint aep = sim_ep(1, false), xep = sim_ep(2, false);
	static capture cap;
	memset(&cap, 0, sizeof cap);
	kad_config cfg = {.send = cap_send, .send_arg = &cap,
	                  .on_event = cap_event, .event_arg = &cap, .seed = 9};
	kad *a;
	CHECK_EQ_INT(kad_new(ka, &aep, &cfg, &a), 0);
	uint64_t now = T0;

	/* X joins advertising seq 7: once it is in the table and holds our
	 * proof, A asks for its record. */
	bond_peer(a, &cap, kx, &xep, now, 7);
	CHECK(kad_contains(a, idx));
	CHECK_EQ_INT(cap.n, 3);
	CHECK_EQ_INT(cap.types[2], DISCV4_ENRREQUEST);
	CHECK(ep_eq(&cap.to[2], &xep));
	uint8_t req[32];
	memcpy(req, cap.last, 32);

	static discv4_packet p;
	uint8_t pkt[DISCV4_MAX_PACKET], h[32];
	enr rec7, rec8;
	CHECK_EQ_INT(enr_build(kx, 7, &xep, &rec7), 0);
	CHECK_EQ_INT(enr_build(kx, 8, &xep, &rec8), 0);
	memset(&p, 0, sizeof p);
	p.type = DISCV4_ENRRESPONSE;
	memcpy(p.u.enrresponse.request_hash, req, 32);
	p.u.enrresponse.record = rec7;
	size_t n = craft(kx, &p, 0, pkt, h);
	/* Not from another IP. */
	net_endpoint spoof = sim_ep(3, false);
	CHECK_EQ_INT(kad_handle_packet(a, now, &spoof, pkt, n), DURE_ENOTFOUND);
	CHECK_EQ_INT(cap.enr_events, 0);
	CHECK_EQ_INT(kad_handle_packet(a, now, &xep, pkt, n), 0);
	CHECK_EQ_INT(cap.enr_events, 1);
	CHECK_EQ_INT(cap.enr_seq, 7);
	/* Only once. */
	CHECK_EQ_INT(kad_handle_packet(a, now, &xep, pkt, n), DURE_ENOTFOUND);

	/* The same seq again: just a pong. */
	size_t before = cap.n;
	CHECK_EQ_INT(send_ping(a, kx, &xep, now + 10, 7), 0);
	CHECK_EQ_INT(cap.n, before + 1);
	/* Seq 8: pong and ENRRequest; while that is in flight, no other. */
	CHECK_EQ_INT(send_ping(a, kx, &xep, now + 20, 8), 0);
	CHECK_EQ_INT(cap.n, before + 3);
	CHECK_EQ_INT(cap.types[before + 2], DISCV4_ENRREQUEST);
	memcpy(req, cap.last, 32);
	CHECK_EQ_INT(send_ping(a, kx, &xep, now + 30, 8), 0);
	CHECK_EQ_INT(cap.n, before + 4);
	CHECK_EQ_INT(cap.types[before + 3], DISCV4_PONG);
	/* It answers with its old record: we take it, and do not ask
	 * again for seq 8. */
	memcpy(p.u.enrresponse.request_hash, req, 32);
	n = craft(kx, &p, 0, pkt, h);
	CHECK_EQ_INT(kad_handle_packet(a, now + 40, &xep, pkt, n), 0);
	CHECK_EQ_INT(cap.enr_events, 2);
	CHECK_EQ_INT(cap.enr_seq, 7);
	before = cap.n;
	CHECK_EQ_INT(send_ping(a, kx, &xep, now + 50, 8), 0);
	CHECK_EQ_INT(cap.n, before + 1);

	/* Seq 9 in a pong (to a ping of A's revalidation): asked. An
	 * unanswered request is retried at the next advertisement. */
	kad_tick(a, now + 60);
	uint64_t t = now + 60;
	for (int i = 0; i < 40 && cap.types[cap.n - 1] != DISCV4_PING; i++)
		t = kad_tick(a, t); /* until revalidation pings X */
	CHECK_EQ_INT(cap.types[cap.n - 1], DISCV4_PING);
	memcpy(req, cap.last, 32);
	before = cap.n;
	CHECK_EQ_INT(send_pong(a, kx, &xep, req, t, 9), 0);
	CHECK_EQ_INT(cap.n, before + 1);
	CHECK_EQ_INT(cap.types[before], DISCV4_ENRREQUEST);
	t = kad_tick(a, t + KAD_TIMEOUT_MS);
	CHECK_EQ_INT(send_ping(a, kx, &xep, t, 9), 0);
	CHECK_EQ_INT(cap.n, before + 3);
	CHECK_EQ_INT(cap.types[before + 2], DISCV4_ENRREQUEST);
	memcpy(req, cap.last, 32);
	memset(&p, 0, sizeof p);
	p.type = DISCV4_ENRRESPONSE;
	memcpy(p.u.enrresponse.request_hash, req, 32);
	p.u.enrresponse.record = rec8;
	n = craft(kx, &p, 0, pkt, h);
	CHECK_EQ_INT(kad_handle_packet(a, t, &xep, pkt, n), 0);
	CHECK_EQ_INT(cap.enr_seq, 8);
	kad_free(a);
}

static void test_rate_limit(void)
{
	uint8_t ka[32], kx[32];
	key_for(51, ka);
	key_for(52, kx);
	net_endpoint aep = sim_ep(1, false), xep = sim_ep(2, false);
	static capture cap;
	memset(&cap, 0, sizeof cap);
	kad_config cfg = {.send = cap_send, .send_arg = &cap, .seed = 3};
	kad *a;
	CHECK_EQ_INT(kad_new(ka, &aep, &cfg, &a), 0);
	uint64_t now = T0;
	bond_peer(a, &cap, kx, &xep, now, 0); /* its ping took one token */

	/* A FindNode flood from X: the burst is answered (one Neighbors
	 * each, X being A's only entry), the rest dropped unanswered. */
	size_t ok = 0, limited = 0, before = cap.n;
	for (int i = 0; i < 40; i++) {
		int r = send_query(a, DISCV4_FINDNODE, kx, &xep, now);
		ok += r == 0;
		limited += r == DURE_EDISC_RATE;
	}
	CHECK_EQ_INT(ok, KAD_RATE_BURST - 1);
	CHECK_EQ_INT(limited, 40 - (KAD_RATE_BURST - 1));
	CHECK_EQ_INT(cap.n - before, ok);
	/* ENRRequests and pings draw on the same bucket. */
	CHECK_EQ_INT(send_query(a, DISCV4_ENRREQUEST, kx, &xep, now),
	             DURE_EDISC_RATE);
	CHECK_EQ_INT(send_ping(a, kx, &xep, now, 0), DURE_EDISC_RATE);
	CHECK_EQ_INT(cap.n - before, ok);
	/* A second later KAD_RATE_PER_S more are answered. */
	ok = 0;
	for (int i = 0; i < 40; i++)
		ok += send_query(a, DISCV4_FINDNODE, kx, &xep, now + 1000) == 0;
	CHECK_EQ_INT(ok, KAD_RATE_PER_S);
	/* Other IPs have their own buckets. */
	CHECK_EQ_INT(send_query(a, DISCV4_ENRREQUEST, kx, &xep, now + 1000),
	             DURE_EDISC_RATE);
	uint8_t ky[32];
	key_for(53, ky);
	net_endpoint yep = sim_ep(3, false);
	CHECK_EQ_INT(send_ping(a, ky, &yep, now + 1000, 0), 0);

	/* Pings from many strangers on one IP: limited alike. */
	net_endpoint zep = sim_ep(4, false);
	ok = 0;
	for (size_t i = 0; i < 30; i++) {
		uint8_t kz[32];
		key_for(6000 + i, kz);
		zep.udp = (uint16_t)(40000 + i);
		ok += send_ping(a, kz, &zep, now + 1000, 0) == 0;
	}
	CHECK_EQ_INT(ok, KAD_RATE_BURST);
	/* Loopback has the higher allowance of local test networks. */
	ok = 0;
	for (size_t i = 0; i < 5 * KAD_RATE_BURST; i++) {
		uint8_t kz[32];
		key_for(7000 + i, kz);
		net_endpoint lep = sim_ep(i, true);
		ok += send_ping(a, kz, &lep, now + 1000, 0) == 0;
	}
	CHECK_EQ_INT(ok, 5 * KAD_RATE_BURST);
	/* The buckets' table is bounded: after queries from many more IPs
	 * than it has slots, X's IP (evicted, or refilled after 2 s) is
	 * served again, and a flood is still cut at the burst. */
	for (size_t i = 0; i < 2 * KAD_RATE_SLOTS; i++) {
		uint8_t kz[32];
		key_for(8000 + i, kz);
		net_endpoint vep = sim_ep(200 + i, false);
		CHECK_EQ_INT(send_ping(a, kz, &vep, now + 3000, 0), 0);
	}
	ok = 0;
	for (int i = 0; i < 40; i++)
		ok += send_ping(a, kx, &xep, now + 3000, 0) == 0;
	CHECK_EQ_INT(ok, KAD_RATE_BURST);
	kad_free(a);
}

static void test_endpoint_change(void)
{
	uint8_t ka[32], kx[32], ky[32], idx[64], idy[64];
	key_for(61, ka);
	key_for(62, kx);
	key_for(63, ky);
	CHECK_EQ_INT(secp_pubkey_create(kx, idx), 0);
	CHECK_EQ_INT(secp_pubkey_create(ky, idy), 0);
	net_endpoint aep = sim_ep(1, false), xep = sim_ep(2, false),
	             yep = sim_ep(3, false), zep = sim_ep(4, false);
	static capture cap;
	memset(&cap, 0, sizeof cap);
	kad_config cfg = {.send = cap_send, .send_arg = &cap, .seed = 4};
	kad *a;
	CHECK_EQ_INT(kad_new(ka, &aep, &cfg, &a), 0);
	uint64_t now = T0;
	bond_peer(a, &cap, kx, &xep, now, 0);
	bond_peer(a, &cap, ky, &yep, now, 0);
	CHECK(entry_at(a, idx, &xep));
	CHECK(entry_at(a, idy, &yep));

	/* A lookup asks X and Y; Y's Neighbors put X at Z. The entry keeps
	 * its endpoint, and nothing goes to Z. */
	CHECK_EQ_INT(kad_lookup(a, idy, now), 0);
	static discv4_packet p;
	uint8_t pkt[DISCV4_MAX_PACKET], h[32];
	memset(&p, 0, sizeof p);
	p.type = DISCV4_NEIGHBORS;
	p.u.neighbors.n = 1;
	p.u.neighbors.nodes[0].ep = zep;
	memcpy(p.u.neighbors.nodes[0].id, idx, 64);
	size_t n = craft(ky, &p, now / 1000 + 20, pkt, h);
	size_t before = cap.n;
	CHECK_EQ_INT(kad_handle_packet(a, now, &yep, pkt, n), 0);
	kad_tick(a, now + 2 * KAD_TIMEOUT_MS);
	CHECK(entry_at(a, idx, &xep));
	for (size_t i = before; i < cap.n; i++)
		CHECK(!net_ip_eq(&cap.to[i], &zep));

	/* X moves to another IP: its ping gets a pong and a ping there, but
	 * the entry moves only when the pong proves the new endpoint. */
	now += 3000;
	net_endpoint x2 = sim_ep(7, false);
	before = cap.n;
	CHECK_EQ_INT(send_ping(a, kx, &x2, now, 0), 0);
	CHECK_EQ_INT(cap.n, before + 2);
	CHECK_EQ_INT(cap.types[before + 1], DISCV4_PING);
	CHECK(ep_eq(&cap.to[before + 1], &x2));
	CHECK(entry_at(a, idx, &xep));
	uint8_t ping_hash[32];
	memcpy(ping_hash, cap.last, 32);
	/* A pong for it from the old IP does not count. */
	CHECK_EQ_INT(send_pong(a, kx, &xep, ping_hash, now, 0), DURE_ENOTFOUND);
	CHECK(entry_at(a, idx, &xep));
	CHECK_EQ_INT(send_pong(a, kx, &x2, ping_hash, now, 0), 0);
	CHECK(entry_at(a, idx, &x2));
	CHECK_EQ_INT(kad_count(a), 2);

	/* Same IP, another port: the same. */
	net_endpoint x3 = x2;
	x3.udp = 30400;
	before = cap.n;
	CHECK_EQ_INT(send_ping(a, kx, &x3, now + 10, 0), 0);
	CHECK_EQ_INT(cap.n, before + 2);
	CHECK(ep_eq(&cap.to[before + 1], &x3));
	CHECK(entry_at(a, idx, &x2));
	memcpy(ping_hash, cap.last, 32);
	CHECK_EQ_INT(send_pong(a, kx, &x3, ping_hash, now + 10, 0), 0);
	CHECK(entry_at(a, idx, &x3));
	/* Pings from the proven endpoint need no new proof. */
	before = cap.n;
	CHECK_EQ_INT(send_ping(a, kx, &x3, now + 20, 0), 0);
	CHECK_EQ_INT(cap.n, before + 1);
	kad_free(a);
}

static void test_neighbors_relay_filter(void)
{
	/* Y, on the Internet, answers A's FindNode naming hosts on loopback
	 * and on a LAN, and unusable addresses: A contacts none of those,
	 * only the public one. */
	uint8_t ka[32], ky[32];
	key_for(71, ka);
	key_for(72, ky);
	net_endpoint aep = {{93, 184, 0, 1}, 4, 30303, 30303};
	net_endpoint yep = {{93, 184, 0, 2}, 4, 30303, 30303};
	static capture cap;
	memset(&cap, 0, sizeof cap);
	kad_config cfg = {.send = cap_send, .send_arg = &cap, .seed = 6};
	kad *a;
	CHECK_EQ_INT(kad_new(ka, &aep, &cfg, &a), 0);
	uint64_t now = T0;
	bond_peer(a, &cap, ky, &yep, now, 0);
	uint8_t target[64];
	key_for(73, target);
	key_for(74, target + 32);
	size_t before = cap.n;
	CHECK_EQ_INT(kad_lookup(a, target, now), 0);
	CHECK_EQ_INT(cap.n, before + 1);
	CHECK_EQ_INT(cap.types[before], DISCV4_FINDNODE);

	static const net_endpoint eps[] = {
		{{127, 0, 0, 1}, 4, 30303, 30303},
		{{10, 1, 1, 1}, 4, 30303, 30303},
		{{192, 168, 1, 1}, 4, 30303, 30303},
		{{0, 0, 0, 0}, 4, 30303, 30303},
		{{224, 0, 0, 1}, 4, 30303, 30303},
		{{255, 255, 255, 255}, 4, 30303, 30303},
		{{0xfe, 0x80, [15] = 1}, 16, 30303, 30303},
		{{93, 184, 0, 9}, 4, 30303, 30303},
	};
	enum { NE = sizeof eps / sizeof eps[0] };
	static discv4_packet p;
	uint8_t pkt[DISCV4_MAX_PACKET], h[32];
	memset(&p, 0, sizeof p);
	p.type = DISCV4_NEIGHBORS;
	p.u.neighbors.n = NE;
	for (size_t i = 0; i < NE; i++) {
		uint8_t kn[32];
		key_for(7500 + i, kn);
		CHECK_EQ_INT(secp_pubkey_create(kn, p.u.neighbors.nodes[i].id), 0);
		p.u.neighbors.nodes[i].ep = eps[i];
	}
	size_t n = craft(ky, &p, now / 1000 + 20, pkt, h);
	before = cap.n;
	CHECK_EQ_INT(kad_handle_packet(a, now, &yep, pkt, n), 0);
	CHECK_EQ_INT(cap.n, before + 1);
	CHECK_EQ_INT(cap.types[before], DISCV4_PING);
	CHECK(ep_eq(&cap.to[before], &eps[NE - 1]));
	/* When the lookup goes on, it too contacts only that one. */
	for (uint64_t t = now; t < now + 5000; t += 100)
		kad_tick(a, t);
	for (size_t i = before; i < cap.n && i < CAP_MAX; i++)
		CHECK(ep_eq(&cap.to[i], &eps[NE - 1]) || ep_eq(&cap.to[i], &yep));
	kad_free(a);
}

static void test_flood_bounded(void)
{
	/* Pings from many strangers (each from its own IP): every one is
	 * answered, our pings back stop at three quarters of the request
	 * slots, and the strangers' bonds do not push out a verified node's. */
	enum { FLOOD = 2 * KAD_BOND_SLOTS };
	uint8_t ka[32], kx[32], ky[32], idy[64];
	key_for(77, ka);
	key_for(78, kx);
	key_for(79, ky);
	CHECK_EQ_INT(secp_pubkey_create(ky, idy), 0);
	static capture cap;
	memset(&cap, 0, sizeof cap);
	kad_config cfg = {.send = cap_send, .send_arg = &cap, .seed = 1};
	kad *a;
	net_endpoint aep = sim_ep(1, false), xep = sim_ep(2, false);
	CHECK_EQ_INT(kad_new(ka, &aep, &cfg, &a), 0);
	bond_peer(a, &cap, kx, &xep, T0, 0);
	size_t before = cap.n, ok = 0;
	for (size_t i = 0; i < FLOOD; i++) {
		uint8_t kz[32];
		key_for(5000 + i, kz);
		net_endpoint zep = sim_ep(100 + i, false);
		ok += send_ping(a, kz, &zep, T0, 0) == 0;
	}
	CHECK_EQ_INT(ok, FLOOD);
	size_t reserve = KAD_MAX_PENDING / 4;
	CHECK_EQ_INT(cap.n - before, FLOOD + KAD_MAX_PENDING - reserve);
	/* X is still verified: its FindNode is answered. */
	before = cap.n;
	CHECK_EQ_INT(send_query(a, DISCV4_FINDNODE, kx, &xep, T0), 0);
	CHECK_EQ_INT(cap.n, before + 1);
	/* Our own requests still find slots. */
	enode y = {.ep = sim_ep(3, false)};
	memcpy(y.id, idy, 64);
	CHECK_EQ_INT(kad_add_node(a, &y, T0), 0);
	/* Timeouts free the slots; the strangers never answered. */
	uint64_t next = kad_tick(a, T0 + KAD_TIMEOUT_MS);
	CHECK(next > T0 + KAD_TIMEOUT_MS);
	CHECK_EQ_INT(kad_count(a), 1);
	kad_free(a);
}

TEST_MAIN(test_endpoint_proof, test_flood_bounded, test_ip_limits,
          test_revalidation, test_replacements_from_neighbors,
          test_enr_refresh, test_rate_limit, test_endpoint_change,
          test_neighbors_relay_filter, test_sim_bootstrap)
