/* discv4 Kademlia table and protocol state machine (see kad.h). */
#include "p2p/kad.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/keccak.h"
#include "crypto/secp.h"
#include "p2p/discv4.h"

typedef struct kad_entry {
	enode n;
	uint8_t hash[32];      /* keccak256(id) */
} kad_entry;

typedef struct kad_bucket {
	kad_entry e[KAD_K];    /* [0] least recently seen */
	size_t n;
	kad_entry repl[KAD_REPLACEMENTS]; /* [nrepl-1] most recent */
	size_t nrepl;
} kad_bucket;

/* What we know of a node's endpoint proof, both ways. */
typedef struct kad_bond {
	uint8_t id[64];
	net_endpoint ep;
	uint64_t pong_rx_ms;   /* it answered our ping: it is verified */
	uint64_t ping_rx_ms;   /* it pinged us and we answered: we are */
	bool used;
} kad_bond;

enum pending_kind { PEND_PING = 1, PEND_FINDNODE, PEND_ENR };

typedef struct kad_pending {
	uint8_t kind;          /* 0 = free slot */
	bool revalidate;       /* ping of a table entry by revalidation */
	enode n;
	uint8_t hash[32];      /* our ping / ENRRequest hash */
	uint64_t deadline_ms;
	int lookup;            /* FINDNODE: index into lookups */
	uint32_t gen;          /* FINDNODE: that lookup's generation */
	size_t got;            /* FINDNODE: neighbours received */
} kad_pending;

enum cand_state {
	CAND_NEW,       /* not contacted */
	CAND_BONDING,   /* pinged; waiting for pong and its ping */
	CAND_WAIT_PING, /* pong came; waiting briefly for its ping */
	CAND_ASKED,     /* FindNode sent */
	CAND_DONE,      /* answered */
	CAND_FAILED,
};

typedef struct kad_cand {
	enode n;
	uint8_t dist[32];      /* keccak256(id) XOR keccak256(target) */
	uint8_t state;
	uint64_t deadline_ms;  /* WAIT_PING */
} kad_cand;

typedef struct kad_lookup_st {
	bool active;
	uint32_t gen;          /* tells a reused slot from its predecessor */
	uint8_t target[64];
	uint8_t thash[32];
	kad_cand c[KAD_LOOKUP_CANDIDATES]; /* sorted by dist */
	size_t n;
} kad_lookup_st;

struct kad {
	uint8_t seckey[32];
	enode self;
	uint8_t self_hash[32];
	enr record;
	kad_config cfg;
	enode boot[KAD_MAX_BOOTNODES];
	uint64_t rng;

	kad_bucket b[KAD_NBUCKETS];
	kad_bond bonds[KAD_BOND_SLOTS];
	kad_pending pend[KAD_MAX_PENDING];
	kad_lookup_st look[KAD_MAX_LOOKUPS];

	bool started;
	uint64_t next_refresh_ms;
	uint64_t next_reval_ms;
	discv4_packet rx, tx;  /* scratch, too large for the stack of a loop */
};

/* splitmix64 */
static uint64_t rnd(kad *k)
{
	uint64_t z = (k->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void emit(kad *k, const kad_event *ev, uint64_t now)
{
	if (k->cfg.on_event)
		k->cfg.on_event(k->cfg.event_arg, ev, now);
}

static void emit_node(kad *k, enum kad_event_type t, const enode *n,
                      uint64_t now)
{
	kad_event ev = {.type = t, .node = n};
	emit(k, &ev, now);
}

/* ---- distances and buckets ---- */

static unsigned log_dist(const uint8_t a[32], const uint8_t b[32])
{
	for (unsigned i = 0; i < 32; i++) {
		uint8_t x = a[i] ^ b[i];
		if (x)
			return (32 - i) * 8 - ((unsigned)__builtin_clz(x) - 24);
	}
	return 0;
}

static kad_bucket *bucket_of(kad *k, const uint8_t hash[32])
{
	unsigned d = log_dist(k->self_hash, hash);
	unsigned shared = 256 - (KAD_NBUCKETS - 1); /* distances <= 240 */
	return &k->b[d <= shared ? 0 : d - shared];
}

static int cmp_dist(const uint8_t a[32], const uint8_t b[32])
{
	return memcmp(a, b, 32);
}

static void xor32(const uint8_t a[32], const uint8_t b[32], uint8_t out[32])
{
	for (int i = 0; i < 32; i++)
		out[i] = a[i] ^ b[i];
}

static kad_entry *find_in(kad_entry *e, size_t n, const uint8_t id[64],
                          size_t *idx)
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(e[i].n.id, id, 64) == 0) {
			*idx = i;
			return &e[i];
		}
	return NULL;
}

static void remove_at(kad_entry *e, size_t *n, size_t i)
{
	memmove(&e[i], &e[i + 1], (*n - i - 1) * sizeof *e);
	(*n)--;
}

/* ---- IP limits ---- */

static bool same_subnet(const net_endpoint *a, const net_endpoint *b)
{
	if (a->ip_len != b->ip_len)
		return false;
	size_t prefix = a->ip_len == 4 ? 3 : 8; /* /24 or /64 */
	return memcmp(a->ip, b->ip, prefix) == 0;
}

static size_t subnet_count(const kad_entry *e, size_t n, const net_endpoint *ep)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += same_subnet(&e[i].n.ep, ep);
	return c;
}

static bool ip_allowed(const kad *k, const kad_bucket *b, const net_endpoint *ep)
{
	if (net_is_loopback(ep))
		return true;
	if (subnet_count(b->e, b->n, ep) >= KAD_BUCKET_IP_LIMIT)
		return false;
	size_t total = 0;
	for (size_t i = 0; i < KAD_NBUCKETS; i++)
		total += subnet_count(k->b[i].e, k->b[i].n, ep);
	return total < KAD_TABLE_IP_LIMIT;
}

/* ---- bonds ---- */

static kad_bond *bond_find(kad *k, const uint8_t id[64])
{
	size_t set = (size_t)(id[0] | id[1] << 8) % (KAD_BOND_SLOTS / 4) * 4;
	for (size_t i = set; i < set + 4; i++)
		if (k->bonds[i].used && memcmp(k->bonds[i].id, id, 64) == 0)
			return &k->bonds[i];
	return NULL;
}

/* Finds or makes the bond of id, evicting the least recently active one
 * of its set. */
static kad_bond *bond_get(kad *k, const uint8_t id[64], const net_endpoint *ep)
{
	kad_bond *bd = bond_find(k, id);
	if (!bd) {
		size_t set = (size_t)(id[0] | id[1] << 8) % (KAD_BOND_SLOTS / 4) * 4;
		bd = &k->bonds[set];
		for (size_t i = set; i < set + 4; i++) {
			kad_bond *c = &k->bonds[i];
			uint64_t ct = c->pong_rx_ms > c->ping_rx_ms ? c->pong_rx_ms
			                                            : c->ping_rx_ms;
			uint64_t bt = bd->pong_rx_ms > bd->ping_rx_ms ? bd->pong_rx_ms
			                                              : bd->ping_rx_ms;
			if (!c->used || (bd->used && ct < bt))
				bd = c;
			if (!c->used)
				break;
		}
		memset(bd, 0, sizeof *bd);
		bd->used = true;
		memcpy(bd->id, id, 64);
	}
	/* A node that moved must prove its new endpoint again. */
	if (!net_ip_eq(&bd->ep, ep)) {
		bd->pong_rx_ms = 0;
		bd->ping_rx_ms = 0;
	}
	bd->ep = *ep;
	return bd;
}

static bool recent(uint64_t t, uint64_t now)
{
	return t != 0 && now - t < KAD_BOND_EXPIRY_MS;
}

/* It answered our ping recently, from this IP. */
static bool verified(kad *k, const uint8_t id[64], const net_endpoint *ep,
                     uint64_t now)
{
	kad_bond *bd = bond_find(k, id);
	return bd && net_ip_eq(&bd->ep, ep) && recent(bd->pong_rx_ms, now);
}

/* It pinged us recently, so it holds our endpoint proof. */
static bool verified_us(kad *k, const uint8_t id[64], uint64_t now)
{
	kad_bond *bd = bond_find(k, id);
	return bd && recent(bd->ping_rx_ms, now);
}

/* ---- sending ---- */

static int send_pkt(kad *k, const net_endpoint *to, uint64_t now,
                    uint8_t hash[32])
{
	uint8_t pkt[DISCV4_MAX_PACKET], h[32];
	size_t len;
	if (k->tx.type != DISCV4_ENRRESPONSE)
		k->tx.expiration = now / 1000 + KAD_EXPIRATION_S;
	int err = discv4_encode(k->seckey, &k->tx, pkt, &len, h);
	if (err)
		return err;
	k->cfg.send(k->cfg.send_arg, to, pkt, len);
	if (hash)
		memcpy(hash, h, 32);
	return 0;
}

static kad_pending *pend_find(kad *k, uint8_t kind, const uint8_t id[64])
{
	for (size_t i = 0; i < KAD_MAX_PENDING; i++)
		if (k->pend[i].kind == kind && memcmp(k->pend[i].n.id, id, 64) == 0)
			return &k->pend[i];
	return NULL;
}

static kad_pending *pend_alloc(kad *k)
{
	for (size_t i = 0; i < KAD_MAX_PENDING; i++)
		if (!k->pend[i].kind)
			return &k->pend[i];
	return NULL;
}

static size_t pend_count(const kad *k)
{
	size_t c = 0;
	for (size_t i = 0; i < KAD_MAX_PENDING; i++)
		c += k->pend[i].kind != 0;
	return c;
}

/* Pings n unless a ping to it is already in flight. */
static int ping(kad *k, const enode *n, bool revalidate, uint64_t now)
{
	kad_pending *p = pend_find(k, PEND_PING, n->id);
	if (p) {
		p->revalidate |= revalidate;
		return 0;
	}
	p = pend_alloc(k);
	if (!p)
		return DURE_EBUSY;
	memset(&k->tx, 0, sizeof k->tx);
	k->tx.type = DISCV4_PING;
	k->tx.u.ping.version = 4;
	k->tx.u.ping.from = k->self.ep;
	k->tx.u.ping.to = n->ep;
	k->tx.u.ping.to.tcp = 0;
	k->tx.u.ping.has_enr_seq = true;
	k->tx.u.ping.enr_seq = k->record.seq;
	int err = send_pkt(k, &n->ep, now, p->hash);
	if (err)
		return err;
	p->kind = PEND_PING;
	p->revalidate = revalidate;
	p->n = *n;
	p->deadline_ms = now + KAD_TIMEOUT_MS;
	p->lookup = -1;
	p->got = 0;
	return 0;
}

static int findnode(kad *k, int li, const enode *n, uint64_t now)
{
	kad_pending *p = pend_alloc(k);
	if (!p)
		return DURE_EBUSY;
	memset(&k->tx, 0, sizeof k->tx);
	k->tx.type = DISCV4_FINDNODE;
	memcpy(k->tx.u.findnode.target, k->look[li].target, 64);
	int err = send_pkt(k, &n->ep, now, NULL);
	if (err)
		return err;
	memset(p, 0, sizeof *p);
	p->kind = PEND_FINDNODE;
	p->n = *n;
	p->deadline_ms = now + KAD_TIMEOUT_MS;
	p->lookup = li;
	p->gen = k->look[li].gen;
	return 0;
}

/* ---- table ---- */

/* n answered our ping: refresh it, or add it to its bucket or the
 * replacements. */
static void table_seen(kad *k, const enode *n, uint64_t now)
{
	kad_entry e = {.n = *n};
	keccak256(n->id, 64, e.hash);
	kad_bucket *b = bucket_of(k, e.hash);
	size_t i;
	kad_entry *old = find_in(b->e, b->n, n->id, &i);
	if (old) {
		e.n.ep = old->n.ep;
		remove_at(b->e, &b->n, i);
		b->e[b->n++] = e;
		return;
	}
	if ((old = find_in(b->repl, b->nrepl, n->id, &i)))
		remove_at(b->repl, &b->nrepl, i);
	if (b->n < KAD_K && ip_allowed(k, b, &n->ep)) {
		b->e[b->n++] = e;
		emit_node(k, KAD_EV_ADDED, n, now);
		return;
	}
	if (b->nrepl == KAD_REPLACEMENTS)
		remove_at(b->repl, &b->nrepl, 0);
	b->repl[b->nrepl++] = e;
}

/* Revalidation failed: drop the entry, promote the latest replacement. */
static void table_dead(kad *k, const uint8_t id[64], uint64_t now)
{
	uint8_t h[32];
	keccak256(id, 64, h);
	kad_bucket *b = bucket_of(k, h);
	size_t i;
	if (!find_in(b->e, b->n, id, &i))
		return;
	enode gone = b->e[i].n;
	remove_at(b->e, &b->n, i);
	emit_node(k, KAD_EV_REMOVED, &gone, now);
	while (b->nrepl) {
		kad_entry r = b->repl[--b->nrepl];
		if (!ip_allowed(k, b, &r.n.ep))
			continue;
		/* Least recently seen: the next revalidation of this bucket
		 * checks it first. */
		memmove(&b->e[1], &b->e[0], b->n * sizeof b->e[0]);
		b->e[0] = r;
		b->n++;
		emit_node(k, KAD_EV_ADDED, &r.n, now);
		break;
	}
}

static bool table_has(kad *k, const uint8_t id[64], const uint8_t hash[32])
{
	kad_bucket *b = bucket_of(k, hash);
	size_t i;
	return find_in(b->e, b->n, id, &i) != NULL;
}

/* ---- lookups ---- */

static kad_cand *cand_find(kad_lookup_st *L, const uint8_t id[64])
{
	for (size_t i = 0; i < L->n; i++)
		if (memcmp(L->c[i].n.id, id, 64) == 0)
			return &L->c[i];
	return NULL;
}

static void cand_add(kad *k, kad_lookup_st *L, const enode *n)
{
	if (memcmp(n->id, k->self.id, 64) == 0 || cand_find(L, n->id))
		return;
	kad_cand c = {.n = *n, .state = CAND_NEW};
	uint8_t h[32];
	keccak256(n->id, 64, h);
	xor32(h, L->thash, c.dist);
	size_t pos = L->n;
	while (pos > 0 && cmp_dist(c.dist, L->c[pos - 1].dist) < 0)
		pos--;
	if (pos == KAD_LOOKUP_CANDIDATES)
		return;
	/* Drop the farthest that is not in flight to make room. */
	if (L->n == KAD_LOOKUP_CANDIDATES) {
		size_t j = L->n;
		while (j > pos && (L->c[j - 1].state == CAND_BONDING ||
		                   L->c[j - 1].state == CAND_WAIT_PING ||
		                   L->c[j - 1].state == CAND_ASKED))
			j--;
		if (j == pos)
			return;
		memmove(&L->c[j - 1], &L->c[j], (L->n - j) * sizeof c);
		L->n--;
	}
	memmove(&L->c[pos + 1], &L->c[pos], (L->n - pos) * sizeof c);
	L->c[pos] = c;
	L->n++;
}

static bool in_flight(const kad_cand *c)
{
	return c->state == CAND_BONDING || c->state == CAND_WAIT_PING ||
	       c->state == CAND_ASKED;
}

static void lookup_finish(kad *k, int li, uint64_t now)
{
	kad_lookup_st *L = &k->look[li];
	enode res[KAD_K];
	size_t n = 0;
	for (size_t i = 0; i < L->n && n < KAD_K; i++)
		if (L->c[i].state == CAND_DONE)
			res[n++] = L->c[i].n;
	L->active = false;
	kad_event ev = {.type = KAD_EV_LOOKUP_DONE, .target = L->target,
	                .results = res, .n_results = n};
	emit(k, &ev, now);
}

static void ask(kad *k, int li, kad_cand *c, uint64_t now)
{
	c->state = findnode(k, li, &c->n, now) ? CAND_FAILED : CAND_ASKED;
}

/* Sends queries until KAD_ALPHA are in flight among the KAD_K closest
 * candidates still in play; ends the lookup when none is left to ask. */
static void lookup_advance(kad *k, int li, uint64_t now)
{
	kad_lookup_st *L = &k->look[li];
	if (!L->active)
		return;
	size_t inflight = 0;
	for (size_t i = 0; i < L->n; i++)
		inflight += in_flight(&L->c[i]);
	size_t considered = 0;
	for (size_t i = 0; i < L->n && considered < KAD_K; i++) {
		kad_cand *c = &L->c[i];
		if (c->state == CAND_FAILED)
			continue;
		considered++;
		if (c->state != CAND_NEW || inflight >= KAD_ALPHA)
			continue;
		inflight++;
		if (verified_us(k, c->n.id, now)) {
			ask(k, li, c, now);
		} else {
			c->state = ping(k, &c->n, false, now) ? CAND_FAILED
			                                      : CAND_BONDING;
		}
		if (c->state == CAND_FAILED)
			inflight--;
	}
	if (inflight == 0) {
		bool more = false;
		considered = 0;
		for (size_t i = 0; i < L->n && considered < KAD_K; i++) {
			if (L->c[i].state == CAND_FAILED)
				continue;
			considered++;
			more |= L->c[i].state == CAND_NEW;
		}
		if (!more)
			lookup_finish(k, li, now);
	}
}

/* Applies fn's state change to n's candidate in every lookup. */
static void lookups_on_pong(kad *k, const uint8_t id[64], uint64_t now)
{
	for (int li = 0; li < KAD_MAX_LOOKUPS; li++) {
		kad_lookup_st *L = &k->look[li];
		kad_cand *c = L->active ? cand_find(L, id) : NULL;
		if (!c || c->state != CAND_BONDING)
			continue;
		if (verified_us(k, id, now)) {
			ask(k, li, c, now);
		} else {
			c->state = CAND_WAIT_PING;
			c->deadline_ms = now + KAD_TIMEOUT_MS;
		}
		lookup_advance(k, li, now);
	}
}

static void lookups_on_ping(kad *k, const uint8_t id[64], uint64_t now)
{
	for (int li = 0; li < KAD_MAX_LOOKUPS; li++) {
		kad_lookup_st *L = &k->look[li];
		kad_cand *c = L->active ? cand_find(L, id) : NULL;
		if (!c || (c->state != CAND_BONDING && c->state != CAND_WAIT_PING))
			continue;
		ask(k, li, c, now);
		lookup_advance(k, li, now);
	}
}

static void lookups_on_ping_timeout(kad *k, const uint8_t id[64], uint64_t now)
{
	for (int li = 0; li < KAD_MAX_LOOKUPS; li++) {
		kad_lookup_st *L = &k->look[li];
		kad_cand *c = L->active ? cand_find(L, id) : NULL;
		if (!c || c->state != CAND_BONDING)
			continue;
		c->state = CAND_FAILED;
		lookup_advance(k, li, now);
	}
}

static void findnode_done(kad *k, kad_pending *p, bool ok, uint64_t now)
{
	int li = p->lookup;
	kad_lookup_st *L = &k->look[li];
	kad_cand *c = L->active && L->gen == p->gen ? cand_find(L, p->n.id)
	                                            : NULL;
	memset(p, 0, sizeof *p);
	if (!c)
		return;
	c->state = ok ? CAND_DONE : CAND_FAILED;
	lookup_advance(k, li, now);
}

int kad_lookup(kad *k, const uint8_t target[64], uint64_t now_ms)
{
	int li = 0;
	while (li < KAD_MAX_LOOKUPS && k->look[li].active)
		li++;
	if (li == KAD_MAX_LOOKUPS)
		return DURE_EBUSY;
	kad_lookup_st *L = &k->look[li];
	uint32_t gen = L->gen + 1;
	memset(L, 0, sizeof *L);
	L->active = true;
	L->gen = gen;
	memcpy(L->target, target, 64);
	keccak256(target, 64, L->thash);
	enode seed[KAD_K];
	size_t n = kad_closest(k, target, seed, KAD_K);
	for (size_t i = 0; i < n; i++)
		cand_add(k, L, &seed[i]);
	if (n == 0)
		for (size_t i = 0; i < k->cfg.n_bootnodes; i++)
			cand_add(k, L, &k->boot[i]);
	lookup_advance(k, li, now_ms);
	return 0;
}

/* ---- packet handlers ---- */

static int on_ping(kad *k, const enode *from, uint64_t now)
{
	const discv4_packet *in = &k->rx;
	uint8_t ping_hash[32];
	memcpy(ping_hash, in->hash, 32);
	memset(&k->tx, 0, sizeof k->tx);
	k->tx.type = DISCV4_PONG;
	k->tx.u.pong.to = from->ep;
	memcpy(k->tx.u.pong.ping_hash, ping_hash, 32);
	k->tx.u.pong.has_enr_seq = true;
	k->tx.u.pong.enr_seq = k->record.seq;
	int err = send_pkt(k, &from->ep, now, NULL);
	if (err)
		return err;
	kad_bond *bd = bond_get(k, from->id, &from->ep);
	bd->ping_rx_ms = now;
	if (recent(bd->pong_rx_ms, now))
		table_seen(k, from, now);
	else
		(void)ping(k, from, false, now);
	lookups_on_ping(k, from->id, now);
	return 0;
}

static int on_pong(kad *k, const enode *from, uint64_t now)
{
	kad_pending *p = pend_find(k, PEND_PING, from->id);
	if (!p || memcmp(p->hash, k->rx.u.pong.ping_hash, 32) != 0 ||
	    !net_ip_eq(&p->n.ep, &from->ep))
		return DURE_ENOTFOUND;
	enode n = p->n;
	memset(p, 0, sizeof *p);
	kad_bond *bd = bond_get(k, n.id, &n.ep);
	bd->pong_rx_ms = now;
	table_seen(k, &n, now);
	emit_node(k, KAD_EV_VERIFIED, &n, now);
	lookups_on_pong(k, n.id, now);
	return 0;
}

static int on_findnode(kad *k, const enode *from, uint64_t now)
{
	if (!verified(k, from->id, &from->ep, now))
		return DURE_ENOTFOUND;
	uint8_t target[64];
	memcpy(target, k->rx.u.findnode.target, 64);
	enode close[KAD_K];
	size_t n = kad_closest(k, target, close, KAD_K);
	/* No reply when empty: an empty Neighbors tells nothing. */
	for (size_t off = 0; off < n; off += DISCV4_NEIGHBORS_PER_PACKET) {
		size_t m = n - off;
		if (m > DISCV4_NEIGHBORS_PER_PACKET)
			m = DISCV4_NEIGHBORS_PER_PACKET;
		memset(&k->tx, 0, sizeof k->tx);
		k->tx.type = DISCV4_NEIGHBORS;
		k->tx.u.neighbors.n = m;
		memcpy(k->tx.u.neighbors.nodes, close + off, m * sizeof close[0]);
		int err = send_pkt(k, &from->ep, now, NULL);
		if (err)
			return err;
	}
	return 0;
}

static int on_neighbors(kad *k, const enode *from, uint64_t now)
{
	kad_pending *p = pend_find(k, PEND_FINDNODE, from->id);
	if (!p || !net_ip_eq(&p->n.ep, &from->ep))
		return DURE_ENOTFOUND;
	kad_lookup_st *L = &k->look[p->lookup];
	bool feed = L->active && L->gen == p->gen;
	const discv4_neighbors *nb = &k->rx.u.neighbors;
	for (size_t i = 0; i < nb->n && p->got < KAD_K; i++, p->got++) {
		const enode *n = &nb->nodes[i];
		if (n->ep.udp == 0 || memcmp(n->id, k->self.id, 64) == 0)
			continue;
		if (feed)
			cand_add(k, L, n);
		uint8_t h[32];
		keccak256(n->id, 64, h);
		/* Bond with newcomers whose bucket has room, leaving most of
		 * the request slots to lookups and revalidation. */
		if (!table_has(k, n->id, h) && bucket_of(k, h)->n < KAD_K &&
		    pend_count(k) < KAD_MAX_PENDING / 2)
			(void)ping(k, n, false, now);
	}
	if (p->got >= KAD_K)
		findnode_done(k, p, true, now);
	return 0;
}

static int on_enrrequest(kad *k, const enode *from, uint64_t now)
{
	if (!verified(k, from->id, &from->ep, now))
		return DURE_ENOTFOUND;
	uint8_t req[32];
	memcpy(req, k->rx.hash, 32);
	memset(&k->tx, 0, sizeof k->tx);
	k->tx.type = DISCV4_ENRRESPONSE;
	memcpy(k->tx.u.enrresponse.request_hash, req, 32);
	k->tx.u.enrresponse.record = k->record;
	return send_pkt(k, &from->ep, now, NULL);
}

static int on_enrresponse(kad *k, const enode *from, uint64_t now)
{
	kad_pending *p = pend_find(k, PEND_ENR, from->id);
	if (!p || memcmp(p->hash, k->rx.u.enrresponse.request_hash, 32) != 0)
		return DURE_ENOTFOUND;
	enode n = p->n;
	memset(p, 0, sizeof *p);
	kad_event ev = {.type = KAD_EV_ENR, .node = &n,
	                .record = &k->rx.u.enrresponse.record};
	emit(k, &ev, now);
	return 0;
}

int kad_handle_packet(kad *k, uint64_t now_ms, const net_endpoint *from,
                      const uint8_t *data, size_t len)
{
	int err = discv4_decode(data, len, &k->rx);
	if (err)
		return err;
	if (discv4_expired(&k->rx, now_ms / 1000))
		return DURE_ERANGE;
	if (memcmp(k->rx.sender, k->self.id, 64) == 0)
		return DURE_EINVAL;
	enode sender = {.ep = *from};
	memcpy(sender.id, k->rx.sender, 64);
	switch ((enum discv4_type)k->rx.type) {
	case DISCV4_PING:
		sender.ep.tcp = k->rx.u.ping.from.tcp;
		return on_ping(k, &sender, now_ms);
	case DISCV4_PONG:
		return on_pong(k, &sender, now_ms);
	case DISCV4_FINDNODE:
		return on_findnode(k, &sender, now_ms);
	case DISCV4_NEIGHBORS:
		return on_neighbors(k, &sender, now_ms);
	case DISCV4_ENRREQUEST:
		return on_enrrequest(k, &sender, now_ms);
	case DISCV4_ENRRESPONSE:
		return on_enrresponse(k, &sender, now_ms);
	}
	return DURE_EDISC_TYPE;
}

/* ---- timers ---- */

static void expire_pending(kad *k, uint64_t now)
{
	for (size_t i = 0; i < KAD_MAX_PENDING; i++) {
		kad_pending *p = &k->pend[i];
		if (!p->kind || p->deadline_ms > now)
			continue;
		if (p->kind == PEND_FINDNODE) {
			findnode_done(k, p, p->got > 0, now);
			continue;
		}
		enode n = p->n;
		bool reval = p->revalidate;
		bool was_ping = p->kind == PEND_PING;
		memset(p, 0, sizeof *p);
		if (!was_ping)
			continue;
		if (reval)
			table_dead(k, n.id, now);
		lookups_on_ping_timeout(k, n.id, now);
	}
}

static void lookups_tick(kad *k, uint64_t now)
{
	for (int li = 0; li < KAD_MAX_LOOKUPS; li++) {
		kad_lookup_st *L = &k->look[li];
		if (!L->active)
			continue;
		for (size_t i = 0; i < L->n; i++)
			if (L->c[i].state == CAND_WAIT_PING &&
			    L->c[i].deadline_ms <= now)
				ask(k, li, &L->c[i], now);
		lookup_advance(k, li, now);
	}
}

static void revalidate(kad *k, uint64_t now)
{
	size_t nonempty[KAD_NBUCKETS], m = 0;
	for (size_t i = 0; i < KAD_NBUCKETS; i++)
		if (k->b[i].n)
			nonempty[m++] = i;
	if (!m)
		return;
	kad_bucket *b = &k->b[nonempty[rnd(k) % m]];
	(void)ping(k, &b->e[0].n, true, now);
}

static void refresh(kad *k, uint64_t now)
{
	uint8_t target[64];
	if (!k->started) {
		memcpy(target, k->self.id, 64);
		k->started = true;
	} else {
		for (size_t i = 0; i < 64; i += 8) {
			uint64_t r = rnd(k);
			memcpy(target + i, &r, 8);
		}
	}
	/* With every lookup slot busy the table is being refreshed anyway. */
	if (kad_lookup(k, target, now) == DURE_EBUSY)
		return;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

uint64_t kad_tick(kad *k, uint64_t now_ms)
{
	expire_pending(k, now_ms);
	lookups_tick(k, now_ms);
	if (now_ms >= k->next_reval_ms) {
		if (k->next_reval_ms)
			revalidate(k, now_ms);
		uint64_t iv = k->cfg.revalidate_ms;
		k->next_reval_ms = now_ms + iv / 2 + rnd(k) % iv;
	}
	if (now_ms >= k->next_refresh_ms) {
		refresh(k, now_ms);
		k->next_refresh_ms = now_ms + k->cfg.refresh_ms;
	}
	uint64_t next = min_u64(k->next_reval_ms, k->next_refresh_ms);
	for (size_t i = 0; i < KAD_MAX_PENDING; i++)
		if (k->pend[i].kind)
			next = min_u64(next, k->pend[i].deadline_ms);
	for (int li = 0; li < KAD_MAX_LOOKUPS; li++) {
		const kad_lookup_st *L = &k->look[li];
		for (size_t i = 0; L->active && i < L->n; i++)
			if (L->c[i].state == CAND_WAIT_PING)
				next = min_u64(next, L->c[i].deadline_ms);
	}
	return next;
}

/* ---- public ---- */

int kad_new(const uint8_t seckey[32], const net_endpoint *self,
            const kad_config *cfg, kad **out)
{
	*out = NULL;
	if (!cfg->send || cfg->n_bootnodes > KAD_MAX_BOOTNODES)
		return DURE_EINVAL;
	kad *k = calloc(1, sizeof *k);
	if (!k)
		return DURE_ENOMEM;
	memcpy(k->seckey, seckey, 32);
	k->self.ep = *self;
	int err = secp_pubkey_create(seckey, k->self.id);
	if (!err)
		err = enr_build(seckey, cfg->enr_seq ? cfg->enr_seq : 1, self,
		                &k->record);
	if (err) {
		kad_free(k);
		return err;
	}
	keccak256(k->self.id, 64, k->self_hash);
	k->cfg = *cfg;
	if (!k->cfg.refresh_ms)
		k->cfg.refresh_ms = KAD_REFRESH_MS;
	if (!k->cfg.revalidate_ms)
		k->cfg.revalidate_ms = KAD_REVALIDATE_MS;
	if (cfg->n_bootnodes)
		memcpy(k->boot, cfg->bootnodes, cfg->n_bootnodes * sizeof k->boot[0]);
	k->cfg.bootnodes = k->boot;
	k->rng = cfg->seed;
	*out = k;
	return 0;
}

void kad_free(kad *k)
{
	if (!k)
		return;
	memset(k->seckey, 0, sizeof k->seckey);
	free(k);
}

const enode *kad_self(const kad *k)
{
	return &k->self;
}

const enr *kad_record(const kad *k)
{
	return &k->record;
}

int kad_add_node(kad *k, const enode *n, uint64_t now_ms)
{
	if (memcmp(n->id, k->self.id, 64) == 0 || !n->ep.ip_len || !n->ep.udp)
		return DURE_EINVAL;
	return ping(k, n, false, now_ms);
}

int kad_request_enr(kad *k, const enode *n, uint64_t now_ms)
{
	if (memcmp(n->id, k->self.id, 64) == 0 || !n->ep.ip_len || !n->ep.udp)
		return DURE_EINVAL;
	if (pend_find(k, PEND_ENR, n->id))
		return DURE_EBUSY;
	kad_pending *p = pend_alloc(k);
	if (!p)
		return DURE_EBUSY;
	memset(&k->tx, 0, sizeof k->tx);
	k->tx.type = DISCV4_ENRREQUEST;
	int err = send_pkt(k, &n->ep, now_ms, p->hash);
	if (err)
		return err;
	p->kind = PEND_ENR;
	p->n = *n;
	p->deadline_ms = now_ms + KAD_TIMEOUT_MS;
	p->lookup = -1;
	return 0;
}

size_t kad_count(const kad *k)
{
	size_t c = 0;
	for (size_t i = 0; i < KAD_NBUCKETS; i++)
		c += k->b[i].n;
	return c;
}

size_t kad_lookups_running(const kad *k)
{
	size_t c = 0;
	for (int i = 0; i < KAD_MAX_LOOKUPS; i++)
		c += k->look[i].active;
	return c;
}

bool kad_contains(const kad *k, const uint8_t id[64])
{
	for (size_t i = 0; i < KAD_NBUCKETS; i++)
		for (size_t j = 0; j < k->b[i].n; j++)
			if (memcmp(k->b[i].e[j].n.id, id, 64) == 0)
				return true;
	return false;
}

void kad_foreach(const kad *k, void (*fn)(void *arg, const enode *n),
                 void *arg)
{
	for (size_t i = 0; i < KAD_NBUCKETS; i++)
		for (size_t j = 0; j < k->b[i].n; j++)
			fn(arg, &k->b[i].e[j].n);
}

size_t kad_closest(const kad *k, const uint8_t target[64], enode *out,
                   size_t max)
{
	uint8_t th[32];
	keccak256(target, 64, th);
	uint8_t dist[KAD_K][32];
	size_t n = 0;
	if (max > KAD_K)
		max = KAD_K;
	for (size_t i = 0; i < KAD_NBUCKETS; i++) {
		for (size_t j = 0; j < k->b[i].n; j++) {
			const kad_entry *e = &k->b[i].e[j];
			uint8_t d[32];
			xor32(e->hash, th, d);
			size_t pos = n;
			while (pos > 0 && cmp_dist(d, dist[pos - 1]) < 0)
				pos--;
			if (pos >= max)
				continue;
			size_t last = n < max ? n : max - 1;
			memmove(&dist[pos + 1], &dist[pos], (last - pos) * 32);
			memmove(&out[pos + 1], &out[pos], (last - pos) * sizeof *out);
			memcpy(dist[pos], d, 32);
			out[pos] = e->n;
			if (n < max)
				n++;
		}
	}
	return n;
}

size_t kad_random_nodes(kad *k, enode *out, size_t max)
{
	size_t total = kad_count(k), n = 0;
	/* Selection sampling: each entry is taken with probability
	 * (wanted left) / (entries left). */
	for (size_t i = 0; i < KAD_NBUCKETS && n < max; i++) {
		for (size_t j = 0; j < k->b[i].n && n < max; j++, total--) {
			if (rnd(k) % total < max - n)
				out[n++] = k->b[i].e[j].n;
		}
	}
	return n;
}
