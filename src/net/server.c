/* The p2p server: libuv sockets around the socket-free state machines
 * (kad for discovery, rlpx + p2pproto for sessions) and the peer manager.
 *
 * Lifetimes: every connection is a `conn` owning one uv_tcp_t; it is freed
 * in that handle's close callback, never before, so libuv callbacks that
 * arrive while it closes (cancelled connects and writes) still find it.
 * The server counts its open handles and frees itself when the last one
 * closes after p2p_server_stop. */
#include "net/server.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/hex.h"
#include "crypto/ecies.h"
#include "net/discv4.h"
#include "net/kad.h"

/* How often the server looks after its connections and dials. */
#define TICK_MS 1000u
/* A closing connection gets this long to flush its Disconnect. */
#define CLOSE_GRACE_MS 2000u
/* Random lookups feed the dialer: often while we need peers or know few
 * nodes, rarely once the table and the dialled share are full. */
#define LOOKUP_FAST_MS 2000u
#define LOOKUP_SLOW_MS 60000u
#define DIAL_CANDIDATES 16
/* Nodes whose endpoint we verified (they answered our ping), kept beside
 * the Kademlia table: a full bucket turns newcomers away, so in a small
 * network whose ids split unevenly the table proper cannot hold every
 * node we know to be alive. Bounded; the least recently verified goes. */
#define KNOWN_MAX 1024

typedef struct p2p_peer conn;

struct p2p_peer {
	p2p_server *srv;
	uv_tcp_t tcp;
	uv_connect_t connect_req;
	uv_shutdown_t shutdown_req;
	conn *prev, *next;
	p2p_conn *pc;
	bool inbound;
	bool connected;    /* TCP is up (always for inbound) */
	bool handshaking;  /* counted in srv->handshakes (inbound, no Hello) */
	bool dialing;      /* counted as a pending dial in the peer set */
	bool ready;        /* Hellos exchanged and accepted: a peer */
	bool closing;
	uint8_t id[64];    /* dial target, or the peer once known */
	bool id_known;
	net_endpoint remote, local;
	uint64_t start_ms, last_rx_ms, last_ping_ms, ping_sent_ms, close_ms;
	uint64_t stall_ms; /* since when writes wait in the queue (0: none) */
	bool ping_out;     /* a Ping awaits its Pong */
	peer_bucket rate;
	/* Per shared capability (index as p2p_conn_shared): its handler and
	 * the handler's state for this peer, once on_peer accepted it. */
	const p2p_proto *proto[P2P_MAX_CAPS];
	void *proto_state[P2P_MAX_CAPS];
};

typedef struct known_node {
	enode n;
	uint64_t verified_ms;
} known_node;

struct p2p_server {
	uv_loop_t *loop;
	const dure_clock *clock;
	uint64_t unix_anchor;
	uint8_t key[32];
	enode self;
	bool rlpx;
	int verbosity;
	bool stopping;
	unsigned handles;  /* open uv handles, the server included in none */
	kad *kad;
	peerset *ps;
	p2p_hello hello;
	uv_udp_t udp;
	uv_tcp_t listener;
	uv_timer_t kad_timer, tick_timer;
	conn *conns;
	size_t handshakes;
	size_t duplicates;   /* sessions closed as a second link to a peer */
	known_node *known;   /* KNOWN_MAX entries */
	size_t nknown;
	uint64_t last_lookup_ms;
	void (*on_verified)(void *arg, const enode *n);
	void *verified_arg;
	const p2p_proto *protos;
	size_t nprotos;
	uint8_t udp_buf[DISCV4_MAX_PACKET + 1];
	uint8_t tcp_buf[65536];
};

/* Steady time that reads like the wall clock: the injected monotonic clock
 * anchored to UNIX time at start. Timeouts and rate buckets never see a
 * step of the wall clock, and discovery still stamps packet expirations in
 * UNIX time, as discv4 wants. */
static uint64_t now_ms(const p2p_server *s)
{
	return dure_clock_now(s->clock) + s->unix_anchor;
}

enum { LOG_ERROR = 1, LOG_WARN = 2, LOG_INFO = 3, LOG_DEBUG = 4 };

__attribute__((format(printf, 3, 4)))
static void slog(const p2p_server *s, int level, const char *fmt, ...)
{
	if (level > s->verbosity)
		return;
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	static const char *const names[] = {"", "ERROR", "WARN", "INFO", "DEBUG"};
	fprintf(stderr, "%-5s p2p: %s\n", names[level], line);
}

/* "0123abcd@127.0.0.1:30303": a short id and an address, for logs. */
static void peer_name(const uint8_t *id, const net_endpoint *ep, char *out,
                      size_t cap)
{
	char hex[17] = "?";
	if (id)
		hex_encode(id, 8, hex);
	char ip[INET6_ADDRSTRLEN] = "?";
	if (ep->ip_len)
		inet_ntop(ep->ip_len == 4 ? AF_INET : AF_INET6, ep->ip, ip, sizeof ip);
	snprintf(out, cap, "%s@%s:%u", hex, ip, ep->tcp);
}

/* ---- addresses ---- */

static bool from_sockaddr(const struct sockaddr *sa, net_endpoint *ep,
                          bool tcp)
{
	memset(ep, 0, sizeof *ep);
	uint16_t port;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
		memcpy(ep->ip, &a->sin_addr, 4);
		ep->ip_len = 4;
		port = ntohs(a->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
		static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		                                     0xff, 0xff};
		if (!memcmp(a->sin6_addr.s6_addr, v4mapped, 12)) {
			memcpy(ep->ip, a->sin6_addr.s6_addr + 12, 4);
			ep->ip_len = 4;
		} else {
			memcpy(ep->ip, a->sin6_addr.s6_addr, 16);
			ep->ip_len = 16;
		}
		port = ntohs(a->sin6_port);
	} else {
		return false;
	}
	if (tcp)
		ep->tcp = port;
	else
		ep->udp = port;
	return true;
}

static bool to_sockaddr(const net_endpoint *ep, uint16_t port,
                        struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (ep->ip_len == 4) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		memcpy(&a->sin_addr, ep->ip, 4);
		a->sin_port = htons(port);
		return true;
	}
	if (ep->ip_len == 16) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		memcpy(&a->sin6_addr, ep->ip, 16);
		a->sin6_port = htons(port);
		return true;
	}
	return false;
}

/* ---- handle bookkeeping ---- */

static void server_free(p2p_server *s)
{
	kad_free(s->kad);
	peerset_free(s->ps);
	free(s->known);
	explicit_bzero(s->key, sizeof s->key);
	free(s);
}

static void handle_closed(p2p_server *s)
{
	if (--s->handles == 0 && s->stopping)
		server_free(s);
}

static void on_server_handle_closed(uv_handle_t *h)
{
	handle_closed(h->data);
}

/* ---- connections: closing ---- */

static void on_conn_closed(uv_handle_t *h)
{
	conn *c = h->data;
	p2p_server *s = c->srv;
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	p2p_conn_free(c->pc);
	free(c);
	handle_closed(s);
}

static void force_close(conn *c)
{
	if (!uv_is_closing((uv_handle_t *)&c->tcp))
		uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
	force_close(req->data);
}

typedef struct write_req {
	uv_write_t req;
	uint8_t *data;
} write_req;

static void conn_close(conn *c, int reason, bool ban, int level,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void on_write(uv_write_t *req, int status)
{
	write_req *w = (write_req *)req;
	conn *c = req->data;
	free(w->data);
	free(w);
	if (status < 0 && status != UV_ECANCELED)
		conn_close(c, -1, false, LOG_INFO, "write failed: %s",
		           uv_strerror(status));
}

/* Sends what the session has queued. */
static void conn_flush(conn *c)
{
	size_t n;
	uint8_t *p = p2p_conn_take_output(c->pc, &n);
	if (!p)
		return;
	if (!c->connected || uv_is_closing((uv_handle_t *)&c->tcp)) {
		free(p);
		return;
	}
	write_req *w = malloc(sizeof *w);
	if (!w) {
		free(p);
		conn_close(c, -1, false, LOG_WARN, "out of memory");
		return;
	}
	w->data = p;
	w->req.data = c;
	uv_buf_t b = uv_buf_init((char *)p, (unsigned)n);
	int rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_write);
	if (rc < 0) {
		free(p);
		free(w);
		conn_close(c, -1, false, LOG_INFO, "write failed: %s",
		           uv_strerror(rc));
	}
}

/* Tells every handler that accepted c that it is gone. */
static void protos_gone(conn *c)
{
	for (size_t i = 0; i < P2P_MAX_CAPS; i++) {
		const p2p_proto *pr = c->proto[i];
		void *st = c->proto_state[i];
		c->proto[i] = NULL;
		c->proto_state[i] = NULL;
		if (pr && st)
			pr->on_gone(pr->ctx, st);
	}
}

/* Ends a connection: says why to the peer (reason >= 0: a Disconnect,
 * when the session is far enough), forgets it in the peer set, bans it if
 * asked, logs why, and closes the socket once the goodbye is flushed. */
static void conn_close(conn *c, int reason, bool ban, int level,
                       const char *fmt, ...)
{
	if (c->closing)
		return;
	p2p_server *s = c->srv;
	uint64_t now = now_ms(s);
	c->closing = true;
	c->close_ms = now;
	if (c->handshaking) {
		c->handshaking = false;
		s->handshakes--;
	}
	if (c->dialing) {
		c->dialing = false;
		peerset_dial_done(s->ps, c->id, false, now);
	}
	if (c->ready)
		peerset_remove(s->ps, c, now);
	protos_gone(c);
	/* The handshake may have named the peer before the Hello did. */
	const uint8_t *rid = c->pc ? rlpx_remote_id(p2p_conn_rlpx(c->pc)) : NULL;
	if (!c->id_known && rid) {
		memcpy(c->id, rid, 64);
		c->id_known = true;
	}
	/* Nothing to ban for garbage from a loopback address before the
	 * handshake named the peer (see peer.h). */
	ban = ban && (c->id_known || !net_is_loopback(&c->remote));
	if (ban)
		peerset_ban(s->ps, c->id_known ? c->id : NULL, &c->remote, now);

	char why[256], name[64];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	peer_name(c->id_known ? c->id : NULL, &c->remote, name, sizeof name);
	slog(s, level, "%s %s %s: %s%s", c->ready ? "dropped peer" : "closed",
	     c->inbound ? "inbound" : "outbound", name, why,
	     ban ? " (banned)" : "");

	uv_read_stop((uv_stream_t *)&c->tcp);
	if (reason >= 0 && c->connected && p2p_conn_disconnect(c->pc, (uint64_t)reason) == 0)
		conn_flush(c);
	c->shutdown_req.data = c;
	if (!c->connected || uv_is_closing((uv_handle_t *)&c->tcp) ||
	    uv_shutdown(&c->shutdown_req, (uv_stream_t *)&c->tcp, on_shutdown) < 0)
		force_close(c);
}

/* ---- connections: protocol ---- */

/* Errors caused by the bytes a peer sent, as opposed to our own failures
 * or a polite goodbye: these get the peer banned. */
static bool is_protocol_error(int err)
{
	switch (err) {
	case DURE_ERLPX_AUTH_SIZE:
	case DURE_ERLPX_AUTH:
	case DURE_ERLPX_AUTH_SIG:
	case DURE_EECIES_FORMAT:
	case DURE_EECIES_MAC:
	case DURE_EKEY:
	case DURE_ERLPX_HEADER_MAC:
	case DURE_ERLPX_FRAME_MAC:
	case DURE_ERLPX_FRAME_SIZE:
	case DURE_ERLPX_MSG_ID:
	case DURE_ERLPX_MSG_SIZE:
	case DURE_ERLPX_SNAPPY:
	case DURE_EP2P_HELLO:
	case DURE_EP2P_IDENTITY:
	case DURE_EP2P_MSG:
	case DURE_EP2P_MSG_ID:
		return true;
	default:
		return false;
	}
}

static void conn_fail(conn *c, int err)
{
	/* p2p_conn has already queued a Disconnect where one applies. */
	bool ban = is_protocol_error(err);
	conn_close(c, -1, ban, LOG_INFO, "%s", dure_strerror(err));
}

static int verdict_reason(peer_verdict v)
{
	switch (v) {
	case PEER_REJ_SELF: return P2P_DISC_SELF;
	case PEER_REJ_TOO_MANY: return P2P_DISC_TOO_MANY;
	case PEER_REJ_ALREADY: return P2P_DISC_ALREADY;
	case PEER_OK:
	case PEER_REJ_REPLACE:
	case PEER_REJ_BANNED:
	case PEER_REJ_THROTTLED:
		break;
	}
	return P2P_DISC_REQUESTED;
}

static conn *find_conn(p2p_server *s, void *handle)
{
	for (conn *c = s->conns; c; c = c->next)
		if (c == handle)
			return c;
	return NULL;
}

/* Hands the new peer to the handler of each capability it shares; a peer
 * that shares some but no handler takes it is of no use to us. */
static void protos_attach(conn *c)
{
	p2p_server *s = c->srv;
	size_t n;
	const p2p_shared_cap *sh = p2p_conn_shared(c->pc, &n);
	bool offered = false, taken = false;
	for (size_t i = 0; i < n && i < P2P_MAX_CAPS && !c->closing; i++) {
		for (size_t j = 0; j < s->nprotos; j++) {
			const p2p_proto *pr = &s->protos[j];
			if (strcmp(pr->name, sh[i].name) || pr->version != sh[i].version)
				continue;
			offered = true;
			void *st = pr->on_peer(pr->ctx, c, i);
			if (st) {
				c->proto[i] = pr;
				c->proto_state[i] = st;
				taken = true;
			}
			break;
		}
	}
	if (offered && !taken && !c->closing)
		conn_close(c, P2P_DISC_USELESS, false, LOG_INFO,
		           "no capability handler took the peer");
}

/* The Hellos are exchanged: make it a peer or turn it away. */
static void conn_on_ready(conn *c)
{
	p2p_server *s = c->srv;
	uint64_t now = now_ms(s);
	const uint8_t *id = rlpx_remote_id(p2p_conn_rlpx(c->pc));
	memcpy(c->id, id, 64);
	c->id_known = true;
	if (c->handshaking) {
		c->handshaking = false;
		s->handshakes--;
	}
	void *existing = NULL;
	peer_verdict v = peerset_check_ready(s->ps, c->id, c->inbound, now,
	                                     &existing);
	if (v == PEER_REJ_REPLACE || v == PEER_REJ_ALREADY)
		s->duplicates++;
	if (v == PEER_REJ_REPLACE) {
		conn *old = find_conn(s, existing);
		if (old)
			conn_close(old, P2P_DISC_ALREADY, false, LOG_INFO,
			           "duplicate connection, the crossing one wins");
		v = PEER_OK;
	}
	if (v != PEER_OK) {
		conn_close(c, verdict_reason(v), false, LOG_INFO, "rejected: %s",
		           peer_verdict_str(v));
		return;
	}
	if (peerset_add(s->ps, c->id, c->inbound, c) != 0) {
		conn_close(c, P2P_DISC_REQUESTED, false, LOG_WARN, "out of memory");
		return;
	}
	c->ready = true;
	if (c->dialing) {
		c->dialing = false;
		peerset_dial_done(s->ps, c->id, true, now);
	}
	c->last_ping_ms = now;
	char name[64];
	peer_name(c->id, &c->remote, name, sizeof name);
	const p2p_hello *h = p2p_conn_remote(c->pc);
	slog(s, LOG_INFO, "peer connected (%s) %s \"%s\"; %zu peers",
	     c->inbound ? "inbound" : "outbound", name, h->client_id,
	     peerset_count(s->ps));
	protos_attach(c);
}

/* Drains the session's events after new bytes. */
static void conn_process(conn *c)
{
	uint64_t now = now_ms(c->srv);
	while (!c->closing) {
		p2p_event ev;
		int err = p2p_conn_next_event(c->pc, &ev);
		if (err) {
			conn_fail(c, err);
			return;
		}
		if (ev.type == P2P_EV_NONE)
			break;
		if (ev.type != P2P_EV_READY && !peer_bucket_take(&c->rate, now)) {
			conn_close(c, P2P_DISC_TOO_MANY, false, LOG_INFO,
			           "more than %.0f messages a second", P2P_MSG_RATE);
			return;
		}
		switch (ev.type) {
		case P2P_EV_NONE:
			break;
		case P2P_EV_READY:
			conn_on_ready(c);
			break;
		case P2P_EV_PONG:
			c->ping_out = false;
			break;
		case P2P_EV_MSG:
			if (ev.cap < P2P_MAX_CAPS && c->proto[ev.cap]) {
				const p2p_proto *pr = c->proto[ev.cap];
				pr->on_msg(pr->ctx, c->proto_state[ev.cap], ev.code,
				           ev.data, ev.len);
				break;
			}
			slog(c->srv, LOG_DEBUG, "ignored message %" PRIu64
			     " of capability %zu (%zu bytes)", ev.code, ev.cap, ev.len);
			break;
		case P2P_EV_DISCONNECT:
			conn_close(c, -1, false, LOG_INFO, "peer sent Disconnect: %s",
			           p2p_reason_str(ev.reason));
			return;
		}
	}
	if (!c->closing)
		conn_flush(c);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	/* One loop thread, and each read is consumed before the next alloc:
	 * a single buffer serves every connection. */
	conn *c = h->data;
	b->base = (char *)c->srv->tcp_buf;
	b->len = sizeof c->srv->tcp_buf;
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *b)
{
	conn *c = stream->data;
	if (c->closing || nread == 0)
		return;
	if (nread < 0) {
		conn_close(c, -1, false, LOG_INFO, "%s",
		           nread == UV_EOF ? "connection closed by the peer"
		                           : uv_strerror((int)nread));
		return;
	}
	c->last_rx_ms = now_ms(c->srv);
	int err = p2p_conn_feed(c->pc, (const uint8_t *)b->base, (size_t)nread);
	if (err) {
		conn_fail(c, err);
		return;
	}
	conn_process(c);
}

/* A conn with its TCP handle initialised and linked into the server, or
 * NULL (nothing to undo) when out of memory or libuv refuses. */
static conn *conn_new(p2p_server *s, bool inbound)
{
	conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	if (uv_tcp_init(s->loop, &c->tcp) < 0) {
		free(c);
		return NULL;
	}
	c->srv = s;
	c->inbound = inbound;
	c->tcp.data = c;
	c->start_ms = c->last_rx_ms = now_ms(s);
	peer_bucket_init(&c->rate, P2P_MSG_RATE, P2P_MSG_BURST, c->start_ms);
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->handles++;
	return c;
}

static void conn_local_addr(conn *c)
{
	struct sockaddr_storage ss;
	int len = sizeof ss;
	if (uv_tcp_getsockname(&c->tcp, (struct sockaddr *)&ss, &len) == 0)
		from_sockaddr((struct sockaddr *)&ss, &c->local, true);
}

static void on_connection(uv_stream_t *server, int status)
{
	p2p_server *s = server->data;
	if (status < 0 || s->stopping)
		return;
	conn *c = conn_new(s, true);
	if (!c)
		return;
	c->connected = true;
	if (uv_accept(server, (uv_stream_t *)&c->tcp) < 0) {
		force_close(c);
		return;
	}
	struct sockaddr_storage ss;
	int len = sizeof ss;
	if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) < 0 ||
	    !from_sockaddr((struct sockaddr *)&ss, &c->remote, true)) {
		force_close(c);
		return;
	}
	conn_local_addr(c);
	if (s->handshakes >= P2P_MAX_HANDSHAKES) {
		conn_close(c, -1, false, LOG_DEBUG, "too many handshakes in flight");
		return;
	}
	peer_verdict v = peerset_check_inbound(s->ps, &c->remote, now_ms(s));
	if (v != PEER_OK) {
		conn_close(c, -1, false, LOG_DEBUG, "rejected: %s",
		           peer_verdict_str(v));
		return;
	}
	rlpx *r = NULL;
	int err = rlpx_new_recipient(s->key, &r);
	if (!err)
		err = p2p_conn_new(r, &s->hello, &c->pc);
	if (err) {
		conn_close(c, -1, false, LOG_WARN, "%s", dure_strerror(err));
		return;
	}
	rlpx_set_max_frame(p2p_conn_rlpx(c->pc), P2P_MAX_FRAME);
	c->handshaking = true;
	s->handshakes++;
	int rc = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
	if (rc < 0)
		conn_close(c, -1, false, LOG_INFO, "%s", uv_strerror(rc));
}

static void on_connect(uv_connect_t *req, int status)
{
	conn *c = req->data;
	if (c->closing)
		return;
	if (status < 0) {
		conn_close(c, -1, false, LOG_DEBUG, "dial failed: %s",
		           uv_strerror(status));
		return;
	}
	c->connected = true;
	conn_local_addr(c);
	int rc = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
	if (rc < 0) {
		conn_close(c, -1, false, LOG_INFO, "%s", uv_strerror(rc));
		return;
	}
	conn_flush(c); /* the auth packet */
}

/* Dials n if the peer manager agrees. */
static void try_dial(p2p_server *s, const enode *n)
{
	uint64_t now = now_ms(s);
	if (!s->rlpx || s->stopping || !peerset_want_dial(s->ps, n, now))
		return;
	struct sockaddr_storage ss;
	if (!to_sockaddr(&n->ep, n->ep.tcp, &ss))
		return;
	conn *c = conn_new(s, false);
	if (!c)
		return;
	memcpy(c->id, n->id, 64);
	c->id_known = true;
	c->remote = n->ep;
	peerset_dial_start(s->ps, n->id, now);
	c->dialing = true;
	rlpx *r = NULL;
	int err = rlpx_new_initiator(s->key, n->id, &r);
	if (!err)
		err = p2p_conn_new(r, &s->hello, &c->pc);
	if (err) {
		conn_close(c, -1, false, LOG_DEBUG, "cannot dial: %s",
		           dure_strerror(err));
		return;
	}
	rlpx_set_max_frame(p2p_conn_rlpx(c->pc), P2P_MAX_FRAME);
	c->connect_req.data = c;
	int rc = uv_tcp_connect(&c->connect_req, &c->tcp,
	                        (const struct sockaddr *)&ss, on_connect);
	if (rc < 0)
		conn_close(c, -1, false, LOG_DEBUG, "dial failed: %s",
		           uv_strerror(rc));
}

/* ---- timers ---- */

static void random_target(uint8_t target[64], uint64_t t)
{
	if (crypto_random(target, 64) != 0) {
		/* Without the CSPRNG a lookup still spreads over the table. */
		for (int i = 0; i < 64; i++)
			target[i] = (uint8_t)(t >> (i % 8 * 8)) ^ (uint8_t)(i * 131);
	}
}

static void look_after(p2p_server *s, conn *c, uint64_t now)
{
	if (c->closing) {
		if (now - c->close_ms > CLOSE_GRACE_MS)
			force_close(c);
		return;
	}
	if (!c->ready) {
		if (now - c->start_ms > P2P_HANDSHAKE_MS)
			conn_close(c, -1, false, LOG_INFO, "handshake timeout");
		return;
	}
	if (c->tcp.write_queue_size > P2P_WRITE_QUEUE_MAX) {
		conn_close(c, -1, false, LOG_INFO, "peer does not read its data");
		return;
	}
	if (!c->tcp.write_queue_size)
		c->stall_ms = 0;
	else if (!c->stall_ms)
		c->stall_ms = now;
	else if (now - c->stall_ms > P2P_WRITE_TIMEOUT_MS) {
		conn_close(c, -1, false, LOG_INFO, "write timeout");
		return;
	}
	if (now - c->last_rx_ms > P2P_READ_TIMEOUT_MS) {
		conn_close(c, P2P_DISC_TCP_ERROR, false, LOG_INFO, "read timeout");
		return;
	}
	if (c->ping_out) {
		if (now - c->ping_sent_ms > P2P_PONG_MS)
			conn_close(c, P2P_DISC_PING_TIMEOUT, false, LOG_INFO,
			           "no Pong to our Ping");
		return;
	}
	if (now - c->last_ping_ms >= P2P_PING_MS) {
		if (p2p_conn_ping(c->pc) != 0) {
			conn_close(c, -1, false, LOG_INFO, "cannot send Ping");
			return;
		}
		c->ping_out = true;
		c->ping_sent_ms = c->last_ping_ms = now;
		conn_flush(c);
	}
}

static void schedule_dials(p2p_server *s, uint64_t now)
{
	enode due[16];
	size_t n = peerset_static_due(s->ps, now, due, 16);
	for (size_t i = 0; i < n; i++)
		try_dial(s, &due[i]);
	if (peerset_outbound(s->ps) >= peerset_max_outbound(s->ps))
		return;
	enode cand[DIAL_CANDIDATES];
	n = kad_random_nodes(s->kad, cand, DIAL_CANDIDATES);
	for (size_t i = 0; i < n; i++)
		try_dial(s, &cand[i]);
}

static void schedule_lookup(p2p_server *s, uint64_t now)
{
	bool hungry = kad_count(s->kad) < 4 * KAD_K ||
	              (s->rlpx &&
	               peerset_outbound(s->ps) < peerset_max_outbound(s->ps));
	uint64_t every = hungry ? LOOKUP_FAST_MS : LOOKUP_SLOW_MS;
	if (now - s->last_lookup_ms < every || kad_lookups_running(s->kad))
		return;
	uint8_t target[64];
	random_target(target, now);
	if (kad_lookup(s->kad, target, now) == 0)
		s->last_lookup_ms = now;
}

static void on_tick(uv_timer_t *t)
{
	p2p_server *s = t->data;
	uint64_t now = now_ms(s);
	for (conn *c = s->conns, *next; c; c = next) {
		next = c->next;
		look_after(s, c, now);
	}
	schedule_lookup(s, now);
	if (s->rlpx)
		schedule_dials(s, now);
}

static void on_kad_timer(uv_timer_t *t)
{
	p2p_server *s = t->data;
	uint64_t now = now_ms(s);
	uint64_t next = kad_tick(s->kad, now);
	/* Packets handled meanwhile may start requests with earlier
	 * deadlines, so we look again at least every 100 ms. */
	uint64_t delay = next > now ? next - now : 1;
	if (delay > 100)
		delay = 100;
	uv_timer_start(&s->kad_timer, on_kad_timer, delay, 0);
}

/* ---- discovery ---- */

static void kad_send(void *arg, const net_endpoint *to, const uint8_t *pkt,
                     size_t len)
{
	p2p_server *s = arg;
	struct sockaddr_storage ss;
	if (s->stopping || !to_sockaddr(to, to->udp, &ss))
		return;
	uv_buf_t b = uv_buf_init((char *)pkt, (unsigned)len);
	int rc = uv_udp_try_send(&s->udp, &b, 1, (const struct sockaddr *)&ss);
	if (rc < 0)
		slog(s, LOG_DEBUG, "udp send: %s", uv_strerror(rc));
}

static ptrdiff_t known_find(const p2p_server *s, const uint8_t id[64])
{
	for (size_t i = 0; i < s->nknown; i++)
		if (!memcmp(s->known[i].n.id, id, 64))
			return (ptrdiff_t)i;
	return -1;
}

static void known_verified(p2p_server *s, const enode *n, uint64_t now)
{
	ptrdiff_t i = known_find(s, n->id);
	if (i < 0 && s->nknown < KNOWN_MAX) {
		i = (ptrdiff_t)s->nknown++;
	} else if (i < 0) {
		i = 0;
		for (size_t j = 1; j < s->nknown; j++)
			if (s->known[j].verified_ms < s->known[i].verified_ms)
				i = (ptrdiff_t)j;
	}
	s->known[i].n = *n;
	s->known[i].verified_ms = now;
}

static void known_dead(p2p_server *s, const uint8_t id[64])
{
	ptrdiff_t i = known_find(s, id);
	if (i >= 0)
		s->known[i] = s->known[--s->nknown];
}

static void kad_event_cb(void *arg, const kad_event *ev, uint64_t now)
{
	p2p_server *s = arg;
	switch (ev->type) {
	case KAD_EV_ADDED:
		if (s->rlpx)
			try_dial(s, ev->node);
		break;
	case KAD_EV_VERIFIED:
		known_verified(s, ev->node, now);
		if (s->on_verified)
			s->on_verified(s->verified_arg, ev->node);
		break;
	case KAD_EV_REMOVED:
		known_dead(s, ev->node->id);
		break;
	case KAD_EV_LOOKUP_DONE:
	case KAD_EV_ENR:
		break;
	}
}

static void on_udp_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	p2p_server *s = h->data;
	b->base = (char *)s->udp_buf;
	b->len = sizeof s->udp_buf;
}

static void on_udp_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *b,
                        const struct sockaddr *addr, unsigned flags)
{
	p2p_server *s = h->data;
	if (nread <= 0 || !addr || s->stopping || (flags & UV_UDP_PARTIAL))
		return;
	net_endpoint from;
	if (!from_sockaddr(addr, &from, false))
		return;
	int err = kad_handle_packet(s->kad, now_ms(s), &from,
	                            (const uint8_t *)b->base, (size_t)nread);
	if (err && s->verbosity >= LOG_DEBUG) {
		char name[64];
		from.tcp = from.udp;
		peer_name(NULL, &from, name, sizeof name);
		slog(s, LOG_DEBUG, "discovery packet from %s dropped: %s", name,
		     dure_strerror(err));
	}
}

/* ---- start and stop ---- */

static int bind_sockets(p2p_server *s, const p2p_server_config *cfg)
{
	net_endpoint any = {.ip_len = 4};
	const net_endpoint *b = cfg->bind.ip_len ? &cfg->bind : &any;
	struct sockaddr_storage ss;
	if (!to_sockaddr(b, cfg->bind.udp, &ss))
		return DURE_EINVAL;
	int rc = uv_udp_init(s->loop, &s->udp);
	if (rc < 0)
		return DURE_EIO;
	s->udp.data = s;
	s->handles++;
	if ((rc = uv_udp_bind(&s->udp, (struct sockaddr *)&ss, 0)) < 0) {
		slog(s, LOG_ERROR, "cannot bind UDP port %u: %s", cfg->bind.udp,
		     uv_strerror(rc));
		return DURE_EIO;
	}
	struct sockaddr_storage got;
	int len = sizeof got;
	net_endpoint ep;
	if (uv_udp_getsockname(&s->udp, (struct sockaddr *)&got, &len) < 0 ||
	    !from_sockaddr((struct sockaddr *)&got, &ep, false))
		return DURE_EIO;
	s->self.ep.udp = ep.udp;
	if (!cfg->rlpx)
		return 0;
	to_sockaddr(b, cfg->bind.tcp, &ss);
	if (uv_tcp_init(s->loop, &s->listener) < 0)
		return DURE_EIO;
	s->listener.data = s;
	s->handles++;
	if ((rc = uv_tcp_bind(&s->listener, (struct sockaddr *)&ss, 0)) < 0 ||
	    (rc = uv_listen((uv_stream_t *)&s->listener, 128, on_connection)) < 0) {
		slog(s, LOG_ERROR, "cannot listen on TCP port %u: %s", cfg->bind.tcp,
		     uv_strerror(rc));
		return DURE_EIO;
	}
	len = sizeof got;
	if (uv_tcp_getsockname(&s->listener, (struct sockaddr *)&got, &len) < 0 ||
	    !from_sockaddr((struct sockaddr *)&got, &ep, true))
		return DURE_EIO;
	s->self.ep.tcp = ep.tcp;
	return 0;
}

/* Closes whatever start managed to open; the server is freed when the
 * last handle has closed (at once if none was opened). */
static void close_all(p2p_server *s)
{
	s->stopping = true;
	if (s->handles == 0) {
		server_free(s);
		return;
	}
	uv_handle_t *hs[] = {(uv_handle_t *)&s->udp, (uv_handle_t *)&s->listener,
	                     (uv_handle_t *)&s->kad_timer,
	                     (uv_handle_t *)&s->tick_timer};
	for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++)
		if (hs[i]->data == s && !uv_is_closing(hs[i]))
			uv_close(hs[i], on_server_handle_closed);
}

int p2p_server_start(uv_loop_t *loop, const p2p_server_config *cfg,
                     p2p_server **out)
{
	*out = NULL;
	if (cfg->rlpx && (!cfg->ncaps || cfg->ncaps > P2P_MAX_CAPS ||
	                  !cfg->client_id))
		return DURE_EINVAL;
	if (cfg->nbootnodes > KAD_MAX_BOOTNODES)
		return DURE_EINVAL;
	p2p_server *s = calloc(1, sizeof *s);
	if (!s)
		return DURE_ENOMEM;
	s->loop = loop;
	s->clock = cfg->clock ? cfg->clock : dure_clock_system();
	s->unix_anchor = dure_clock_anchor(s->clock);
	memcpy(s->key, cfg->seckey, 32);
	s->rlpx = cfg->rlpx;
	s->verbosity = cfg->verbosity;
	s->on_verified = cfg->on_verified;
	s->verified_arg = cfg->verified_arg;
	s->protos = cfg->protos;
	s->nprotos = cfg->nprotos;
	s->self.ep = cfg->advertise;

	int err = bind_sockets(s, cfg);
	if (err) {
		close_all(s);
		return err;
	}
	if (cfg->advertise.udp)
		s->self.ep.udp = cfg->advertise.udp;
	if (cfg->advertise.tcp)
		s->self.ep.tcp = cfg->advertise.tcp;
	if (!cfg->rlpx)
		s->self.ep.tcp = s->self.ep.udp;

	uint64_t seed = 0;
	if (crypto_random((uint8_t *)&seed, sizeof seed) != 0)
		seed = now_ms(s);
	kad_config kc = {
		.bootnodes = cfg->bootnodes,
		.n_bootnodes = cfg->nbootnodes,
		.send = kad_send,
		.send_arg = s,
		.on_event = kad_event_cb,
		.event_arg = s,
		.seed = seed,
	};
	s->known = calloc(KNOWN_MAX, sizeof *s->known);
	err = s->known ? kad_new(cfg->seckey, &s->self.ep, &kc, &s->kad)
	               : DURE_ENOMEM;
	if (!err)
		s->self = *kad_self(s->kad);
	if (!err)
		err = peerset_new(&cfg->peers, s->self.id, &s->ps);
	if (err) {
		close_all(s);
		return err;
	}

	p2p_hello *h = &s->hello;
	h->version = P2P_VERSION;
	snprintf(h->client_id, sizeof h->client_id, "%s",
	         cfg->client_id ? cfg->client_id : "");
	if (cfg->rlpx)
		memcpy(h->caps, cfg->caps, cfg->ncaps * sizeof *cfg->caps);
	h->ncaps = cfg->rlpx ? cfg->ncaps : 0;
	h->listen_port = s->self.ep.tcp;
	memcpy(h->node_id, s->self.id, 64);

	uv_timer_init(loop, &s->kad_timer);
	s->kad_timer.data = s;
	s->handles++;
	uv_timer_init(loop, &s->tick_timer);
	s->tick_timer.data = s;
	s->handles++;
	if (uv_udp_recv_start(&s->udp, on_udp_alloc, on_udp_recv) < 0) {
		close_all(s);
		return DURE_EIO;
	}
	uv_timer_start(&s->kad_timer, on_kad_timer, 0, 0);
	uv_timer_start(&s->tick_timer, on_tick, TICK_MS, TICK_MS);
	s->last_lookup_ms = now_ms(s);

	char url[ENODE_URL_MAX];
	if (enode_format(&s->self, url, sizeof url) == 0)
		slog(s, LOG_INFO, "%s listening: %s",
		     s->rlpx ? "node" : "discovery", url);
	*out = s;
	return 0;
}

void p2p_server_stop(p2p_server *s)
{
	if (!s)
		return;
	for (conn *c = s->conns, *next; c; c = next) {
		next = c->next;
		if (c->closing)
			force_close(c);
		else
			conn_close(c, P2P_DISC_QUITTING, false, LOG_DEBUG,
			           "node is shutting down");
		/* The loop may stop soon: do not wait for flushes. */
		force_close(c);
	}
	close_all(s);
}

/* ---- queries and admin ---- */

const enode *p2p_server_self(const p2p_server *s)
{
	return &s->self;
}

int p2p_server_add_node(p2p_server *s, const enode *n)
{
	return kad_add_node(s->kad, n, now_ms(s));
}

size_t p2p_server_table_size(const p2p_server *s)
{
	return kad_count(s->kad);
}

void p2p_server_foreach_node(const p2p_server *s,
                             void (*fn)(void *arg, const enode *n), void *arg)
{
	kad_foreach(s->kad, fn, arg);
}

size_t p2p_server_foreach_known(const p2p_server *s, uint64_t max_age_ms,
                                void (*fn)(void *arg, const enode *n),
                                void *arg)
{
	uint64_t now = now_ms(s);
	size_t n = 0;
	for (size_t i = 0; i < s->nknown; i++) {
		if (now - s->known[i].verified_ms > max_age_ms)
			continue;
		n++;
		if (fn)
			fn(arg, &s->known[i].n);
	}
	return n;
}

size_t p2p_server_peer_count(const p2p_server *s)
{
	return peerset_count(s->ps);
}

size_t p2p_server_duplicates(const p2p_server *s) { return s->duplicates; }

size_t p2p_server_ban_count(p2p_server *s)
{
	return peerset_ban_count(s->ps, now_ms(s));
}

int p2p_server_peers(const p2p_server *s, p2p_peer_info **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	size_t count = 0;
	for (const conn *c = s->conns; c; c = c->next)
		count += c->ready && !c->closing;
	p2p_peer_info *v = calloc(count ? count : 1, sizeof *v);
	if (!v)
		return DURE_ENOMEM;
	size_t i = 0;
	for (const conn *c = s->conns; c && i < count; c = c->next) {
		if (!c->ready || c->closing)
			continue;
		p2p_peer_info *p = &v[i++];
		const p2p_hello *h = p2p_conn_remote(c->pc);
		memcpy(p->id, c->id, 64);
		p->remote = c->remote;
		p->local = c->local;
		p->inbound = c->inbound;
		p->trusted = peerset_is_trusted(s->ps, c->id);
		p->is_static = peerset_is_static(s->ps, c->id);
		p->listen_port = (uint16_t)h->listen_port;
		memcpy(p->client_id, h->client_id, sizeof p->client_id);
		memcpy(p->caps, h->caps, h->ncaps * sizeof *h->caps);
		p->ncaps = h->ncaps;
	}
	*out = v;
	*n = i;
	return 0;
}

int p2p_server_add_static(p2p_server *s, const enode *n)
{
	if (!s->rlpx || !memcmp(n->id, s->self.id, 64))
		return DURE_EINVAL;
	int err = peerset_add_static(s->ps, n);
	if (!err)
		try_dial(s, n);
	return err;
}

static conn *find_peer_conn(p2p_server *s, const uint8_t id[64])
{
	for (conn *c = s->conns; c; c = c->next)
		if (c->ready && !c->closing && !memcmp(c->id, id, 64))
			return c;
	return NULL;
}

int p2p_server_remove_static(p2p_server *s, const uint8_t id[64])
{
	int err = peerset_remove_static(s->ps, id);
	conn *c = find_peer_conn(s, id);
	if (c)
		conn_close(c, P2P_DISC_REQUESTED, false, LOG_INFO,
		           "removed by admin_removePeer");
	return c ? 0 : err;
}

int p2p_server_add_trusted(p2p_server *s, const uint8_t id[64])
{
	return peerset_add_trusted(s->ps, id);
}

int p2p_server_remove_trusted(p2p_server *s, const uint8_t id[64])
{
	return peerset_remove_trusted(s->ps, id);
}

/* ---- for capability handlers ---- */

int p2p_peer_send(p2p_peer *p, size_t cap, uint64_t code,
                  const uint8_t *data, size_t n)
{
	if (p->closing)
		return DURE_ERLPX_STATE;
	int err = p2p_conn_send(p->pc, cap, code, data, n);
	if (!err)
		conn_flush(p);
	return err;
}

void p2p_peer_drop(p2p_peer *p, uint64_t reason, bool ban, const char *why)
{
	conn_close(p, (int)reason, ban, LOG_INFO, "%s", why);
}

const uint8_t *p2p_peer_id(const p2p_peer *p) { return p->id; }

const p2p_hello *p2p_peer_hello(const p2p_peer *p)
{
	return p2p_conn_remote(p->pc);
}

size_t p2p_peer_queued(const p2p_peer *p) { return p->tcp.write_queue_size; }

void p2p_peer_name(const p2p_peer *p, char *out, size_t n)
{
	peer_name(p->id_known ? p->id : NULL, &p->remote, out, n);
}
