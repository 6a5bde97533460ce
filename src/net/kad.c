/* discv4 Kademlia table and protocol state machine (see kad.h). */
#include "net/kad.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/keccak.h"
#include "crypto/secp.h"
#include "net/discv4.h"

typedef struct kad_entry {
	enode n;               /* endpoint proven by a pong from it */
	uint8_t hash[32];      /* keccak256(id) */
	uint64_t seq;          /* ENR seq we fetched, or asked for and got an
	                        * answer to: a higher one in a ping or pong
	                        * means its record changed */
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
	net_endpoint ep;       /* IP (and ports) it last used */
	net_endpoint proven;   /* endpoint that answered our last ping */
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
	uint64_t seq;          /* ENR: the seq it advertised, 0 if unknown */
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

/* A token bucket of queries from one IP address. */
typedef struct kad_rate {
	bool used;
	uint8_t ip_len;
	uint8_t ip[16];
	uint32_t milli;        /* tokens x 1000 */
	uint64_t last_ms;      /* last refill, and last use (for eviction) */
} kad_rate;

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
	kad_rate rate[KAD_RATE_SLOTS];
	uint64_t salt;         /* keys the hashes placing IPs and ids in sets */

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

static bool same_endpoint(const net_endpoint *a, const net_endpoint *b)
{
	return net_ip_eq(a, b) && a->udp == b->udp;
}

enum ip_scope { IP_BAD, IP_LOOPBACK, IP_LAN, IP_PUBLIC };

static enum ip_scope ip_scope(const net_endpoint *ep)
{
	static const uint8_t zero[16];
	const uint8_t *a = ep->ip;
	if (net_is_loopback(ep))
		return IP_LOOPBACK;
	if (ep->ip_len == 4) {
		if (a[0] == 0 || a[0] >= 224) /* this-network, multicast, reserved */
			return IP_BAD;
		if (a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		    (a[0] == 192 && a[1] == 168) || (a[0] == 169 && a[1] == 254))
			return IP_LAN;
		return IP_PUBLIC;
	}
	if (ep->ip_len != 16 || memcmp(a, zero, 16) == 0 || a[0] == 0xff)
		return IP_BAD;
	if ((a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80))
		return IP_LAN; /* unique local fc00::/7, link local fe80::/10 */
	return IP_PUBLIC;
}

/* Whether to contact an address that `from` relayed in Neighbors. A peer
 * on the Internet has no business naming our loopback or LAN hosts (that
 * would make us probe them for it), and nobody should name unspecified,
 * multicast or broadcast addresses. */
static bool relay_ok(const net_endpoint *from, const net_endpoint *ep)
{
	enum ip_scope src = ip_scope(from);
	switch (ip_scope(ep)) {
	case IP_BAD:
		return false;
	case IP_LOOPBACK:
		return src == IP_LOOPBACK;
	case IP_LAN:
		return src == IP_LOOPBACK || src == IP_LAN;
	case IP_PUBLIC:
		return true;
	}
	return false;
}

/* ---- query rate limits ---- */

static uint64_t ip_hash(const kad *k, const net_endpoint *ep)
{
	uint64_t h = k->salt ^ ep->ip_len;
	for (size_t i = 0; i < ep->ip_len && i < sizeof ep->ip; i++) {
		h = (h ^ ep->ip[i]) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 32);
}

/* Takes one token from the bucket of ep's IP. False when it is empty: the
 * query must be dropped. An IP without a bucket gets a full one, evicting
 * the least recently used of its set; a peer with many addresses can
 * evict others that way, but each address still gets no more than its
 * own rate. */
static bool rate_take(kad *k, const net_endpoint *ep, uint64_t now)
{
	size_t len = ep->ip_len < sizeof ep->ip ? ep->ip_len : sizeof ep->ip;
	bool lo = net_is_loopback(ep);
	uint64_t per_s = lo ? KAD_RATE_LOOPBACK_PER_S : KAD_RATE_PER_S;
	uint64_t cap = 1000ull * (lo ? KAD_RATE_LOOPBACK_BURST : KAD_RATE_BURST);
	size_t sets = KAD_RATE_SLOTS / KAD_RATE_WAYS;
	size_t set = (size_t)(ip_hash(k, ep) % sets) * KAD_RATE_WAYS;
	kad_rate *r = NULL, *victim = &k->rate[set];
	for (size_t i = set; i < set + KAD_RATE_WAYS && !r; i++) {
		kad_rate *c = &k->rate[i];
		if (c->used && c->ip_len == len && memcmp(c->ip, ep->ip, len) == 0)
			r = c;
		else if (!c->used || (victim->used && c->last_ms < victim->last_ms))
			victim = c;
	}
	if (!r) {
		r = victim;
		memset(r, 0, sizeof *r);
		r->used = true;
		r->ip_len = (uint8_t)len;
		memcpy(r->ip, ep->ip, len);
		r->milli = (uint32_t)cap;
		r->last_ms = now;
	}
	uint64_t t = r->milli;
	if (now > r->last_ms) {
		/* per_s tokens a second is per_s milli-tokens a millisecond. */
		uint64_t dt = now - r->last_ms; /* dt >= cap: full, and no overflow */
		t = dt >= cap ? cap : t + dt * per_s;
		if (t > cap)
			t = cap;
		r->last_ms = now;
	}
	if (t < 1000) {
		r->milli = (uint32_t)t;
		return false;
	}
	r->milli = (uint32_t)(t - 1000);
	return true;
}

/* ---- bonds ---- */

static bool recent(uint64_t t, uint64_t now)
{
	return t != 0 && now - t < KAD_BOND_EXPIRY_MS;
}

/* First slot of id's set. The salt keeps peers from grinding keys into
 * the set of a node whose bond they want to evict. */
static size_t bond_set(const kad *k, const uint8_t id[64])
{
	uint64_t h;
	memcpy(&h, id, 8);
	h = (h ^ k->salt) * 0xbf58476d1ce4e5b9ull;
	h ^= h >> 31;
	return (size_t)(h % (KAD_BOND_SLOTS / KAD_BOND_WAYS)) * KAD_BOND_WAYS;
}

static kad_bond *bond_find(kad *k, const uint8_t id[64])
{
	size_t set = bond_set(k, id);
	for (size_t i = set; i < set + KAD_BOND_WAYS; i++)
		if (k->bonds[i].used && memcmp(k->bonds[i].id, id, 64) == 0)
			return &k->bonds[i];
	return NULL;
}

/* Whether bond a is a better one to evict than b: a free slot first, then
 * a node that has not answered our ping recently (anyone can send pings
 * from many addresses, so such bonds must not push out verified ones),
 * then the least recently active. */
static bool evict_before(const kad_bond *a, const kad_bond *b, uint64_t now)
{
	if (!a->used || !b->used)
		return !a->used && b->used;
	bool av = recent(a->pong_rx_ms, now), bv = recent(b->pong_rx_ms, now);
	if (av != bv)
		return bv;
	uint64_t at = a->pong_rx_ms > a->ping_rx_ms ? a->pong_rx_ms : a->ping_rx_ms;
	uint64_t bt = b->pong_rx_ms > b->ping_rx_ms ? b->pong_rx_ms : b->ping_rx_ms;
	return at < bt;
}

/* Finds or makes the bond of id, evicting the one of its set that
 * evict_before ranks first. */
static kad_bond *bond_get(kad *k, const uint8_t id[64], const net_endpoint *ep,
                          uint64_t now)
{
	kad_bond *bd = bond_find(k, id);
	if (!bd) {
		size_t set = bond_set(k, id);
		bd = &k->bonds[set];
		for (size_t i = set + 1; i < set + KAD_BOND_WAYS; i++)
			if (evict_before(&k->bonds[i], bd, now))
				bd = &k->bonds[i];
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

/* It answered our ping recently, from this IP. */
static bool verified(kad *k, const uint8_t id[64], const net_endpoint *ep,
                     uint64_t now)
{
	kad_bond *bd = bond_find(k, id);
	return bd && net_ip_eq(&bd->ep, ep) && recent(bd->pong_rx_ms, now);
}

/* It pinged us recently from this IP, so it holds our endpoint proof. */
static bool verified_us(kad *k, const uint8_t id[64], const net_endpoint *ep,
                        uint64_t now)
{
	kad_bond *bd = bond_find(k, id);
	return bd && net_ip_eq(&bd->ep, ep) && recent(bd->ping_rx_ms, now);
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

/* The request of this kind to id whose packet hash is `hash`. */
static kad_pending *pend_match(kad *k, uint8_t kind, const uint8_t id[64],
                               const uint8_t hash[32])
{
	for (size_t i = 0; i < KAD_MAX_PENDING; i++) {
		kad_pending *p = &k->pend[i];
		if (p->kind == kind && memcmp(p->n.id, id, 64) == 0 &&
		    memcmp(p->hash, hash, 32) == 0)
			return p;
	}
	return NULL;
}

/* The ping in flight to n at n's endpoint. A node may have pings in flight
 * to several endpoints (the one in our table and one it claims to have
 * moved to); each is proven on its own. */
static kad_pending *pend_find_ping(kad *k, const enode *n)
{
	for (size_t i = 0; i < KAD_MAX_PENDING; i++) {
		kad_pending *p = &k->pend[i];
		if (p->kind == PEND_PING && memcmp(p->n.id, n->id, 64) == 0 &&
		    same_endpoint(&p->n.ep, &n->ep))
			return p;
	}
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

/* Pings n unless a ping to it (at that endpoint) is already in flight. */
static int ping(kad *k, const enode *n, bool revalidate, uint64_t now)
{
	kad_pending *p = pend_find_ping(k, n);
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
	p->seq = 0;
	p->lookup = -1;
	p->got = 0;
	return 0;
}

/* Sends an ENRRequest to n; seq is the sequence number n advertised (0 when
 * the caller asks on its own). */
static int enr_request(kad *k, const enode *n, uint64_t seq, uint64_t now)
{
	if (pend_find(k, PEND_ENR, n->id))
		return DURE_EBUSY;
	kad_pending *p = pend_alloc(k);
	if (!p)
		return DURE_EBUSY;
	memset(&k->tx, 0, sizeof k->tx);
	k->tx.type = DISCV4_ENRREQUEST;
	int err = send_pkt(k, &n->ep, now, p->hash);
	if (err)
		return err;
	p->kind = PEND_ENR;
	p->revalidate = false;
	p->n = *n;
	p->deadline_ms = now + KAD_TIMEOUT_MS;
	p->seq = seq;
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

/* n was just seen alive at n's endpoint, which the caller has proven (a
 * pong from it): refresh it as most recently seen, taking that endpoint,
 * or add it to its bucket or the replacements. */
static void table_seen(kad *k, const enode *n, uint64_t now)
{
	kad_entry e = {.n = *n};
	keccak256(n->id, 64, e.hash);
	kad_bucket *b = bucket_of(k, e.hash);
	size_t i;
	kad_entry *old = find_in(b->e, b->n, n->id, &i);
	if (old) {
		enode prev = old->n;
		e.seq = old->seq;
		remove_at(b->e, &b->n, i);
		if (same_subnet(&prev.ep, &n->ep) || ip_allowed(k, b, &n->ep)) {
			b->e[b->n++] = e;
			return;
		}
		/* It moved into a subnet that has its share of the table. */
		emit_node(k, KAD_EV_REMOVED, &prev, now);
	} else if ((old = find_in(b->repl, b->nrepl, n->id, &i))) {
		e.seq = old->seq;
		remove_at(b->repl, &b->nrepl, i);
	}
	if (b->n < KAD_K && ip_allowed(k, b, &n->ep)) {
		b->e[b->n++] = e;
		emit_node(k, KAD_EV_ADDED, n, now);
		return;
	}
	if (b->nrepl == KAD_REPLACEMENTS)
		remove_at(b->repl, &b->nrepl, 0);
	b->repl[b->nrepl++] = e;
}

/* Revalidation of n failed: drop the entry (unless it has meanwhile
 * proven another endpoint), promote the latest replacement. */
static void table_dead(kad *k, const enode *n, uint64_t now)
{
	uint8_t h[32];
	keccak256(n->id, 64, h);
	kad_bucket *b = bucket_of(k, h);
	size_t i;
	if (!find_in(b->e, b->n, n->id, &i) ||
	    !same_endpoint(&b->e[i].n.ep, &n->ep))
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

/* The live entry of id (hash = keccak256(id)), or NULL. */
static kad_entry *table_entry(kad *k, const uint8_t id[64],
                              const uint8_t hash[32])
{
	kad_bucket *b = bucket_of(k, hash);
	size_t i;
	return find_in(b->e, b->n, id, &i);
}

static kad_entry *table_find(kad *k, const uint8_t id[64])
{
	uint8_t h[32];
	keccak256(id, 64, h);
	return table_entry(k, id, h);
}

/* Asks a table entry for its record when a ping or pong advertised a
 * newer one than we hold. Only once it holds our endpoint proof (it would
 * ignore us before), and only with half the request slots free, like
 * other requests we make on a peer's word. */
static void enr_refresh(kad *k, const enode *n, bool has_seq, uint64_t seq,
                        uint64_t now)
{
	kad_entry *e = has_seq ? table_find(k, n->id) : NULL;
	if (!e || seq <= e->seq || !verified_us(k, n->id, &e->n.ep, now) ||
	    pend_count(k) >= KAD_MAX_PENDING / 2)
		return;
	(void)enr_request(k, &e->n, seq, now);
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
		if (verified_us(k, c->n.id, &c->n.ep, now)) {
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

/* n answered a ping at n's endpoint: its candidates in the lookups take
 * that proven endpoint and move on. */
static void lookups_on_pong(kad *k, const enode *n, uint64_t now)
{
	for (int li = 0; li < KAD_MAX_LOOKUPS; li++) {
		kad_lookup_st *L = &k->look[li];
		kad_cand *c = L->active ? cand_find(L, n->id) : NULL;
		if (!c || c->state != CAND_BONDING)
			continue;
		c->n = *n;
		if (verified_us(k, n->id, &n->ep, now)) {
			ask(k, li, c, now);
		} else {
			c->state = CAND_WAIT_PING;
			c->deadline_ms = now + KAD_TIMEOUT_MS;
		}
		lookup_advance(k, li, now);
	}
}

/* `from` pinged us (and has our pong): candidates at its IP can be asked. */
static void lookups_on_ping(kad *k, const enode *from, uint64_t now)
{
	for (int li = 0; li < KAD_MAX_LOOKUPS; li++) {
		kad_lookup_st *L = &k->look[li];
		kad_cand *c = L->active ? cand_find(L, from->id) : NULL;
		if (!c || (c->state != CAND_BONDING && c->state != CAND_WAIT_PING) ||
		    !net_ip_eq(&c->n.ep, &from->ep))
			continue;
		ask(k, li, c, now);
		lookup_advance(k, li, now);
	}
}

/* Our ping to n's endpoint went unanswered. */
static void lookups_on_ping_timeout(kad *k, const enode *n, uint64_t now)
{
	for (int li = 0; li < KAD_MAX_LOOKUPS; li++) {
		kad_lookup_st *L = &k->look[li];
		kad_cand *c = L->active ? cand_find(L, n->id) : NULL;
		if (!c || c->state != CAND_BONDING ||
		    !same_endpoint(&c->n.ep, &n->ep))
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
	bool has_seq = in->u.ping.has_enr_seq;
	uint64_t seq = in->u.ping.enr_seq;
	memset(&k->tx, 0, sizeof k->tx);
	k->tx.type = DISCV4_PONG;
	k->tx.u.pong.to = from->ep;
	memcpy(k->tx.u.pong.ping_hash, ping_hash, 32);
	k->tx.u.pong.has_enr_seq = true;
	k->tx.u.pong.enr_seq = k->record.seq;
	int err = send_pkt(k, &from->ep, now, NULL);
	if (err)
		return err;
	kad_bond *bd = bond_get(k, from->id, &from->ep, now);
	bd->ping_rx_ms = now;
	/* Only a pong proves an endpoint: a node that has not answered our
	 * ping at this very endpoint gets one, and its pong enters it in
	 * the table or moves its entry here. */
	if (recent(bd->pong_rx_ms, now) && same_endpoint(&bd->proven, &from->ep)) {
		table_seen(k, from, now);
		enr_refresh(k, from, has_seq, seq, now);
	} else if (pend_count(k) < KAD_MAX_PENDING - KAD_MAX_PENDING / 4) {
		/* A quarter of the request slots stay for our own lookups and
		 * revalidation, whoever pings us. */
		(void)ping(k, from, false, now);
	}
	lookups_on_ping(k, from, now);
	return 0;
}

static int on_pong(kad *k, const enode *from, uint64_t now)
{
	kad_pending *p = pend_match(k, PEND_PING, from->id,
	                            k->rx.u.pong.ping_hash);
	if (!p || !net_ip_eq(&p->n.ep, &from->ep))
		return DURE_ENOTFOUND;
	bool has_seq = k->rx.u.pong.has_enr_seq;
	uint64_t seq = k->rx.u.pong.enr_seq;
	/* The endpoint we pinged answered: that one is proven. */
	enode n = p->n;
	memset(p, 0, sizeof *p);
	kad_bond *bd = bond_get(k, n.id, &n.ep, now);
	bd->pong_rx_ms = now;
	bd->proven = n.ep;
	table_seen(k, &n, now);
	emit_node(k, KAD_EV_VERIFIED, &n, now);
	enr_refresh(k, &n, has_seq, seq, now);
	lookups_on_pong(k, &n, now);
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
		if (n->ep.udp == 0 || !relay_ok(&from->ep, &n->ep) ||
		    memcmp(n->id, k->self.id, 64) == 0)
			continue;
		uint8_t h[32];
		keccak256(n->id, 64, h);
		/* A table entry keeps its proven endpoint whatever others say
		 * of it: taking theirs would let them poison our table. */
		const kad_entry *known = table_entry(k, n->id, h);
		if (feed)
			cand_add(k, L, known ? &known->n : n);
		if (known)
			continue;
		/* Bond with newcomers, leaving most of the request slots to
		 * lookups and revalidation. Those of a full bucket go to its
		 * replacements when they answer, to stand in for dead
		 * entries: we ask them only with fewer slots busy, and only
		 * while there is room (else every mention of the bucket's
		 * other nodes would churn the list, a ping each). */
		kad_bucket *b = bucket_of(k, h);
		size_t budget = b->n < KAD_K ? KAD_MAX_PENDING / 2
		              : b->nrepl < KAD_REPLACEMENTS ? KAD_MAX_PENDING / 4
		                                            : 0;
		size_t ri;
		if (pend_count(k) < budget &&
		    !find_in(b->repl, b->nrepl, n->id, &ri))
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
	kad_pending *p = pend_match(k, PEND_ENR, from->id,
	                            k->rx.u.enrresponse.request_hash);
	if (!p || !net_ip_eq(&p->n.ep, &from->ep))
		return DURE_ENOTFOUND;
	enode n = p->n;
	uint64_t seq = k->rx.u.enrresponse.record.seq;
	/* A node that advertised a newer record than it sends is not asked
	 * again until it advertises a still newer one. */
	if (seq < p->seq)
		seq = p->seq;
	memset(p, 0, sizeof *p);
	kad_entry *e = table_find(k, n.id);
	if (e && e->seq < seq)
		e->seq = seq;
	kad_event ev = {.type = KAD_EV_ENR, .node = &n,
	                .record = &k->rx.u.enrresponse.record};
	emit(k, &ev, now);
	return 0;
}

/* Queries make us answer; replies we only take when we asked. */
static bool is_query(uint8_t type)
{
	return type == DISCV4_PING || type == DISCV4_FINDNODE ||
	       type == DISCV4_ENRREQUEST;
}

int kad_handle_packet(kad *k, uint64_t now_ms, const net_endpoint *from,
                      const uint8_t *data, size_t len)
{
	/* Rate-limit queries before checking the signature, which is the
	 * costly part of a flood. */
	if (len >= DISCV4_HEADER && is_query(data[DISCV4_HEADER - 1]) &&
	    !rate_take(k, from, now_ms))
		return DURE_EDISC_RATE;
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
			table_dead(k, &n, now);
		lookups_on_ping_timeout(k, &n, now);
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
	k->salt = rnd(k);
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
	return enr_request(k, n, 0, now_ms);
}

size_t kad_count(const kad *k)
{
	size_t c = 0;
	for (size_t i = 0; i < KAD_NBUCKETS; i++)
		c += k->b[i].n;
	return c;
}

size_t kad_replacement_count(const kad *k)
{
	size_t c = 0;
	for (size_t i = 0; i < KAD_NBUCKETS; i++)
		c += k->b[i].nrepl;
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
