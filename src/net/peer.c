/* Peer manager decisions. Every table is a small bounded array searched
 * linearly: they hold at most a few thousand entries, and a scan of them
 * costs less than the handshake that asks. */
#include "net/peer.h"

#include <stdlib.h>
#include <string.h>

typedef struct ban_entry {
	bool is_ip;
	uint8_t key[64];     /* node id, or the IP in the first 16 bytes */
	uint64_t until_ms;
} ban_entry;

typedef struct throttle_entry {
	net_endpoint ip;     /* only the address is used */
	uint64_t window_ms;  /* start of the current window */
	unsigned count;      /* attempts in it */
} throttle_entry;

/* What we remember of a node we dialled or were connected to. */
typedef struct dial_entry {
	uint8_t id[64];
	uint64_t next_ms;    /* not dialled again before this */
	unsigned failures;
	bool pending;
	uint64_t used_ms;    /* last touched, to pick the entry to evict */
} dial_entry;

typedef struct peer_slot {
	uint8_t id[64];
	bool inbound;
	bool trusted;        /* accepted as trusted: outside the counts */
	void *handle;
} peer_slot;

struct peerset {
	peer_config cfg;
	uint8_t self[64];
	peer_slot *peers;
	size_t npeers, peers_cap;
	ban_entry bans[PEER_MAX_BANS];
	size_t nbans;
	throttle_entry throttle[PEER_MAX_THROTTLE];
	size_t nthrottle;
	dial_entry *hist;    /* PEER_MAX_HISTORY entries */
	size_t nhist;
	size_t pending;
	enode statics[PEER_MAX_STATIC];
	size_t nstatic;
	uint8_t trusted[PEER_MAX_TRUSTED][64];
	size_t ntrusted;
};

void peer_config_default(peer_config *cfg)
{
	cfg->max_peers = 50;
	cfg->max_pending_dials = 16;
	cfg->ban_ms = 3600u * 1000u;
	cfg->dial_backoff_ms = 5000;
	cfg->dial_backoff_max_ms = 300000;
	cfg->redial_ms = 30000;
}

const char *peer_verdict_str(peer_verdict v)
{
	switch (v) {
	case PEER_OK: return "accepted";
	case PEER_REJ_SELF: return "connection to self";
	case PEER_REJ_BANNED: return "banned";
	case PEER_REJ_THROTTLED: return "too many inbound attempts from this IP";
	case PEER_REJ_TOO_MANY: return "too many peers";
	case PEER_REJ_ALREADY: return "already connected";
	case PEER_REJ_REPLACE: return "replaces a duplicate connection";
	}
	return "unknown verdict";
}

int peerset_new(const peer_config *cfg, const uint8_t self_id[64],
                peerset **out)
{
	*out = NULL;
	if (!cfg->max_pending_dials)
		return DURE_EINVAL;
	peerset *ps = calloc(1, sizeof *ps);
	if (!ps)
		return DURE_ENOMEM;
	ps->hist = calloc(PEER_MAX_HISTORY, sizeof *ps->hist);
	if (!ps->hist) {
		free(ps);
		return DURE_ENOMEM;
	}
	ps->cfg = *cfg;
	memcpy(ps->self, self_id, 64);
	*out = ps;
	return 0;
}

void peerset_free(peerset *ps)
{
	if (!ps)
		return;
	free(ps->peers);
	free(ps->hist);
	free(ps);
}

size_t peerset_count(const peerset *ps)
{
	return ps->npeers;
}

static size_t count_dir(const peerset *ps, bool inbound)
{
	size_t n = 0;
	for (size_t i = 0; i < ps->npeers; i++)
		n += !ps->peers[i].trusted && ps->peers[i].inbound == inbound;
	return n;
}

size_t peerset_outbound(const peerset *ps)
{
	return count_dir(ps, false);
}

size_t peerset_inbound(const peerset *ps)
{
	return count_dir(ps, true);
}

size_t peerset_max_outbound(const peerset *ps)
{
	size_t m = ps->cfg.max_peers / PEER_DIAL_RATIO;
	return m || !ps->cfg.max_peers ? m : 1;
}

/* Peers that count against max_peers (trusted ones do not). */
static size_t counted_peers(const peerset *ps)
{
	return count_dir(ps, false) + count_dir(ps, true);
}

static peer_slot *find_peer(const peerset *ps, const uint8_t id[64])
{
	for (size_t i = 0; i < ps->npeers; i++)
		if (!memcmp(ps->peers[i].id, id, 64))
			return &ps->peers[i];
	return NULL;
}

/* ---- static and trusted lists ---- */

static enode *find_static(const peerset *ps, const uint8_t id[64])
{
	for (size_t i = 0; i < ps->nstatic; i++)
		if (!memcmp(ps->statics[i].id, id, 64))
			return (enode *)&ps->statics[i];
	return NULL;
}

int peerset_add_static(peerset *ps, const enode *n)
{
	enode *e = find_static(ps, n->id);
	if (e) {
		*e = *n;
		return 0;
	}
	if (ps->nstatic == PEER_MAX_STATIC)
		return DURE_ERANGE;
	ps->statics[ps->nstatic++] = *n;
	return 0;
}

int peerset_remove_static(peerset *ps, const uint8_t id[64])
{
	enode *e = find_static(ps, id);
	if (!e)
		return DURE_ENOTFOUND;
	*e = ps->statics[--ps->nstatic];
	return 0;
}

bool peerset_is_static(const peerset *ps, const uint8_t id[64])
{
	return find_static(ps, id) != NULL;
}

static ptrdiff_t find_trusted(const peerset *ps, const uint8_t id[64])
{
	for (size_t i = 0; i < ps->ntrusted; i++)
		if (!memcmp(ps->trusted[i], id, 64))
			return (ptrdiff_t)i;
	return -1;
}

int peerset_add_trusted(peerset *ps, const uint8_t id[64])
{
	if (find_trusted(ps, id) >= 0)
		return 0;
	if (ps->ntrusted == PEER_MAX_TRUSTED)
		return DURE_ERANGE;
	memcpy(ps->trusted[ps->ntrusted++], id, 64);
	return 0;
}

int peerset_remove_trusted(peerset *ps, const uint8_t id[64])
{
	ptrdiff_t i = find_trusted(ps, id);
	if (i < 0)
		return DURE_ENOTFOUND;
	memcpy(ps->trusted[i], ps->trusted[--ps->ntrusted], 64);
	return 0;
}

bool peerset_is_trusted(const peerset *ps, const uint8_t id[64])
{
	return find_trusted(ps, id) >= 0;
}

/* ---- bans ---- */

static void ip_key(const net_endpoint *ep, uint8_t key[64])
{
	memset(key, 0, 64);
	memcpy(key, ep->ip, 16);
	key[16] = ep->ip_len;
}

static void drop_expired_bans(peerset *ps, uint64_t now_ms)
{
	for (size_t i = 0; i < ps->nbans;) {
		if (ps->bans[i].until_ms <= now_ms)
			ps->bans[i] = ps->bans[--ps->nbans];
		else
			i++;
	}
}

static void ban_key(peerset *ps, bool is_ip, const uint8_t key[64],
                    uint64_t until)
{
	for (size_t i = 0; i < ps->nbans; i++) {
		if (ps->bans[i].is_ip == is_ip && !memcmp(ps->bans[i].key, key, 64)) {
			if (ps->bans[i].until_ms < until)
				ps->bans[i].until_ms = until;
			return;
		}
	}
	size_t slot = ps->nbans;
	if (slot == PEER_MAX_BANS) {
		/* Full: the ban that ends first gives way. */
		slot = 0;
		for (size_t i = 1; i < ps->nbans; i++)
			if (ps->bans[i].until_ms < ps->bans[slot].until_ms)
				slot = i;
	} else {
		ps->nbans++;
	}
	ps->bans[slot].is_ip = is_ip;
	memcpy(ps->bans[slot].key, key, 64);
	ps->bans[slot].until_ms = until;
}

void peerset_ban(peerset *ps, const uint8_t *id, const net_endpoint *ep,
                 uint64_t now_ms)
{
	drop_expired_bans(ps, now_ms);
	uint64_t until = now_ms + ps->cfg.ban_ms;
	if (id)
		ban_key(ps, false, id, until);
	if (ep && ep->ip_len && !net_is_loopback(ep)) {
		uint8_t key[64];
		ip_key(ep, key);
		ban_key(ps, true, key, until);
	}
}

bool peerset_is_banned(peerset *ps, const uint8_t *id, const net_endpoint *ep,
                       uint64_t now_ms)
{
	drop_expired_bans(ps, now_ms);
	uint8_t key[64];
	if (ep)
		ip_key(ep, key);
	for (size_t i = 0; i < ps->nbans; i++) {
		const ban_entry *b = &ps->bans[i];
		if (b->is_ip ? ep && !memcmp(b->key, key, 64)
		             : id && !memcmp(b->key, id, 64))
			return true;
	}
	return false;
}

size_t peerset_ban_count(peerset *ps, uint64_t now_ms)
{
	drop_expired_bans(ps, now_ms);
	return ps->nbans;
}

/* ---- admission ---- */

peer_verdict peerset_check_inbound(peerset *ps, const net_endpoint *from,
                                   uint64_t now_ms)
{
	if (peerset_is_banned(ps, NULL, from, now_ms))
		return PEER_REJ_BANNED;
	unsigned allowance = net_is_loopback(from) ? PEER_LOOPBACK_BURST : 1;
	throttle_entry *t = NULL, *oldest = NULL;
	for (size_t i = 0; i < ps->nthrottle; i++) {
		throttle_entry *e = &ps->throttle[i];
		if (net_ip_eq(&e->ip, from))
			t = e;
		if (!oldest || e->window_ms < oldest->window_ms)
			oldest = e;
	}
	if (t && now_ms - t->window_ms < PEER_THROTTLE_MS) {
		if (t->count >= allowance)
			return PEER_REJ_THROTTLED;
		t->count++;
		return PEER_OK;
	}
	if (!t)
		t = ps->nthrottle < PEER_MAX_THROTTLE ? &ps->throttle[ps->nthrottle++]
		                                      : oldest;
	t->ip = *from;
	t->window_ms = now_ms;
	t->count = 1;
	return PEER_OK;
}

peer_verdict peerset_check_ready(peerset *ps, const uint8_t id[64],
                                 bool inbound, uint64_t now_ms,
                                 void **existing)
{
	*existing = NULL;
	if (!memcmp(id, ps->self, 64))
		return PEER_REJ_SELF;
	if (peerset_is_banned(ps, id, NULL, now_ms))
		return PEER_REJ_BANNED;
	peer_slot *dup = find_peer(ps, id);
	if (dup) {
		if (dup->inbound == inbound)
			return PEER_REJ_ALREADY;
		/* The connection dialled by the lower id survives. */
		bool self_lower = memcmp(ps->self, id, 64) < 0;
		bool new_dialled_by_self = !inbound;
		if (self_lower != new_dialled_by_self)
			return PEER_REJ_ALREADY;
		*existing = dup->handle;
		return PEER_REJ_REPLACE;
	}
	if (peerset_is_trusted(ps, id))
		return PEER_OK;
	if (counted_peers(ps) >= ps->cfg.max_peers)
		return PEER_REJ_TOO_MANY;
	if (inbound &&
	    peerset_inbound(ps) >= ps->cfg.max_peers - peerset_max_outbound(ps))
		return PEER_REJ_TOO_MANY;
	/* A dial was allowed when it started; static dials may exceed the
	 * dialled share, other dials that raced past it may not. */
	if (!inbound && !peerset_is_static(ps, id) &&
	    peerset_outbound(ps) >= peerset_max_outbound(ps))
		return PEER_REJ_TOO_MANY;
	return PEER_OK;
}

int peerset_add(peerset *ps, const uint8_t id[64], bool inbound, void *handle)
{
	if (find_peer(ps, id))
		return DURE_EINVAL;
	if (ps->npeers == ps->peers_cap) {
		size_t cap = ps->peers_cap ? ps->peers_cap * 2 : 16;
		peer_slot *p = realloc(ps->peers, cap * sizeof *p);
		if (!p)
			return DURE_ENOMEM;
		ps->peers = p;
		ps->peers_cap = cap;
	}
	peer_slot *s = &ps->peers[ps->npeers++];
	memcpy(s->id, id, 64);
	s->inbound = inbound;
	s->trusted = peerset_is_trusted(ps, id);
	s->handle = handle;
	return 0;
}

/* ---- dialling ---- */

static dial_entry *find_hist(peerset *ps, const uint8_t id[64])
{
	for (size_t i = 0; i < ps->nhist; i++)
		if (!memcmp(ps->hist[i].id, id, 64))
			return &ps->hist[i];
	return NULL;
}

/* The entry for id, created if needed; when the history is full the
 * least recently used entry that is not pending gives way. NULL only if
 * every entry is pending (more dials in flight than the history holds). */
static dial_entry *get_hist(peerset *ps, const uint8_t id[64], uint64_t now_ms)
{
	dial_entry *e = find_hist(ps, id);
	if (!e) {
		if (ps->nhist < PEER_MAX_HISTORY) {
			e = &ps->hist[ps->nhist++];
		} else {
			for (size_t i = 0; i < ps->nhist; i++)
				if (!ps->hist[i].pending &&
				    (!e || ps->hist[i].used_ms < e->used_ms))
					e = &ps->hist[i];
			if (!e)
				return NULL;
		}
		memset(e, 0, sizeof *e);
		memcpy(e->id, id, 64);
	}
	e->used_ms = now_ms;
	return e;
}

void peerset_remove(peerset *ps, void *handle, uint64_t now_ms)
{
	for (size_t i = 0; i < ps->npeers; i++) {
		if (ps->peers[i].handle != handle)
			continue;
		dial_entry *e = get_hist(ps, ps->peers[i].id, now_ms);
		if (e && e->next_ms < now_ms + ps->cfg.redial_ms)
			e->next_ms = now_ms + ps->cfg.redial_ms;
		ps->peers[i] = ps->peers[--ps->npeers];
		return;
	}
}

static bool dial_allowed(peerset *ps, const enode *n, bool is_static,
                         uint64_t now_ms)
{
	if (!memcmp(n->id, ps->self, 64) || find_peer(ps, n->id))
		return false;
	if (!n->ep.ip_len || !n->ep.tcp)
		return false;
	dial_entry *e = find_hist(ps, n->id);
	if (e && (e->pending || e->next_ms > now_ms))
		return false;
	if (peerset_is_banned(ps, n->id, &n->ep, now_ms))
		return false;
	if (ps->pending >= ps->cfg.max_pending_dials)
		return false;
	if (counted_peers(ps) + ps->pending >= ps->cfg.max_peers &&
	    !peerset_is_trusted(ps, n->id))
		return false;
	if (is_static)
		return true;
	return peerset_outbound(ps) + ps->pending < peerset_max_outbound(ps);
}

bool peerset_want_dial(peerset *ps, const enode *n, uint64_t now_ms)
{
	return dial_allowed(ps, n, peerset_is_static(ps, n->id), now_ms);
}

void peerset_dial_start(peerset *ps, const uint8_t id[64], uint64_t now_ms)
{
	dial_entry *e = get_hist(ps, id, now_ms);
	if (e && !e->pending) {
		e->pending = true;
		ps->pending++;
	}
}

void peerset_dial_done(peerset *ps, const uint8_t id[64], bool ok,
                       uint64_t now_ms)
{
	dial_entry *e = find_hist(ps, id);
	if (!e || !e->pending)
		return;
	e->pending = false;
	ps->pending--;
	e->used_ms = now_ms;
	if (ok) {
		e->failures = 0;
		return;
	}
	uint64_t wait = ps->cfg.dial_backoff_ms;
	for (unsigned i = 0; i < e->failures && wait < ps->cfg.dial_backoff_max_ms;
	     i++)
		wait *= 2;
	if (wait > ps->cfg.dial_backoff_max_ms)
		wait = ps->cfg.dial_backoff_max_ms;
	if (e->failures < 64)
		e->failures++;
	e->next_ms = now_ms + wait;
}

size_t peerset_pending_dials(const peerset *ps)
{
	return ps->pending;
}

size_t peerset_static_due(peerset *ps, uint64_t now_ms, enode *out,
                          size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < ps->nstatic && n < max; i++)
		if (dial_allowed(ps, &ps->statics[i], true, now_ms))
			out[n++] = ps->statics[i];
	return n;
}

/* ---- rate limit ---- */

void peer_bucket_init(peer_bucket *b, double rate, double burst,
                      uint64_t now_ms)
{
	b->tokens = burst;
	b->rate = rate;
	b->burst = burst;
	b->last_ms = now_ms;
}

bool peer_bucket_take(peer_bucket *b, uint64_t now_ms)
{
	if (now_ms > b->last_ms) {
		b->tokens += (double)(now_ms - b->last_ms) * b->rate / 1000.0;
		if (b->tokens > b->burst)
			b->tokens = b->burst;
		b->last_ms = now_ms;
	}
	if (b->tokens < 1.0)
		return false;
	b->tokens -= 1.0;
	return true;
}
