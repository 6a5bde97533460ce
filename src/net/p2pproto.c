/* devp2p base protocol. Message payloads (RLP), by id:
 *
 *   0x00 Hello      [protocol-version, client-id, [[cap-name, cap-version], ...],
 *                    listen-port, node-id (64), ...]
 *   0x01 Disconnect [reason]           (some clients send a bare reason)
 *   0x02 Ping       []
 *   0x03 Pong       []
 *   0x04..0x0f      reserved; ignored
 *   0x10..          the shared capabilities, in negotiated order
 *
 * Hello is never snappy-compressed; from p2p version 5 (on both sides)
 * everything after it is. */
#include "net/p2pproto.h"

#include <stdlib.h>
#include <string.h>

#include "rlp/rlp.h"

static const char *const reasons[] = {
	[P2P_DISC_REQUESTED] = "disconnect requested",
	[P2P_DISC_TCP_ERROR] = "TCP sub-system error",
	[P2P_DISC_PROTOCOL] = "breach of protocol",
	[P2P_DISC_USELESS] = "useless peer",
	[P2P_DISC_TOO_MANY] = "too many peers",
	[P2P_DISC_ALREADY] = "already connected",
	[P2P_DISC_INCOMPATIBLE] = "incompatible p2p protocol version",
	[P2P_DISC_NULL_ID] = "null node identity received",
	[P2P_DISC_QUITTING] = "client quitting",
	[P2P_DISC_UNEXPECTED_ID] = "unexpected identity in handshake",
	[P2P_DISC_SELF] = "connected to self",
	[P2P_DISC_PING_TIMEOUT] = "ping timeout",
	[P2P_DISC_SUBPROTOCOL] = "subprotocol reason",
};

const char *p2p_reason_str(uint64_t reason)
{
	if (reason >= sizeof reasons / sizeof reasons[0] || !reasons[reason])
		return "unknown reason";
	return reasons[reason];
}

int p2p_hello_encode(const p2p_hello *h, buf *out)
{
	size_t m = rlp_list_begin(out);
	rlp_put_u64(out, h->version);
	rlp_put_bytes(out, (const uint8_t *)h->client_id, strlen(h->client_id));
	size_t mc = rlp_list_begin(out);
	for (size_t i = 0; i < h->ncaps && i < P2P_MAX_CAPS; i++) {
		size_t mi = rlp_list_begin(out);
		rlp_put_bytes(out, (const uint8_t *)h->caps[i].name,
		              strlen(h->caps[i].name));
		rlp_put_u64(out, h->caps[i].version);
		rlp_list_end(out, mi);
	}
	rlp_list_end(out, mc);
	rlp_put_u64(out, h->listen_port);
	rlp_put_bytes(out, h->node_id, 64);
	rlp_list_end(out, m);
	return buf_failed(out) ? DURE_ENOMEM : DURE_OK;
}

/* Reads one [name, version, ...] entry into cap. Returns false if it is
 * malformed (error set on caps) or names nothing we could ever share. */
static bool read_cap(rlp_cur *caps, p2p_cap *cap)
{
	rlp_cur e;
	const uint8_t *name;
	size_t nn;

	rlp_cur_list(caps, &e);
	rlp_cur_bytes(&e, &name, &nn);
	/* Versions above 32 bits are skipped below, so read them wide. */
	const uint8_t *vp;
	size_t vn;
	rlp_cur probe = e;
	rlp_cur_bytes(&probe, &vp, &vn);
	uint64_t v = UINT64_MAX;
	if (vn <= 8)
		v = rlp_cur_u64(&e);
	else
		rlp_cur_skip(&e);
	if (e.err) {
		caps->err = caps->err ? caps->err : e.err;
		return false;
	}
	if (nn > P2P_CAP_NAME_MAX || v > UINT32_MAX)
		return false;
	memset(cap, 0, sizeof *cap);
	memcpy(cap->name, name, nn);
	cap->version = (uint32_t)v;
	return true;
}

int p2p_hello_decode(const uint8_t *p, size_t n, p2p_hello *out)
{
	rlp_cur c, h, caps;
	const uint8_t *id;
	size_t idn;

	memset(out, 0, sizeof *out);
	rlp_cur_init(&c, p, n);
	rlp_cur_list(&c, &h);
	out->version = rlp_cur_u64(&h);
	rlp_cur_bytes(&h, &id, &idn);
	if (!h.err) {
		size_t keep = idn > P2P_CLIENT_ID_MAX ? P2P_CLIENT_ID_MAX : idn;
		memcpy(out->client_id, id, keep);
	}
	rlp_cur_list(&h, &caps);
	while (!rlp_cur_at_end(&caps)) {
		p2p_cap cap;
		if (read_cap(&caps, &cap) && out->ncaps < P2P_MAX_CAPS)
			out->caps[out->ncaps++] = cap;
	}
	rlp_cur_close(&h, &caps);
	out->listen_port = rlp_cur_u64(&h);
	rlp_cur_fixed(&h, out->node_id, 64);
	if (c.err || h.err) {
		memset(out, 0, sizeof *out);
		return DURE_EP2P_HELLO;
	}
	return DURE_OK;
}

int p2p_disconnect_encode(uint64_t reason, buf *out)
{
	size_t m = rlp_list_begin(out);
	rlp_put_u64(out, reason);
	rlp_list_end(out, m);
	return buf_failed(out) ? DURE_ENOMEM : DURE_OK;
}

int p2p_disconnect_decode(const uint8_t *p, size_t n, uint64_t *reason)
{
	rlp_cur c, l;

	*reason = P2P_DISC_REQUESTED;
	if (n == 0)
		return DURE_OK;
	rlp_cur_init(&c, p, n);
	if (rlp_cur_is_list(&c)) {
		rlp_cur_list(&c, &l);
		if (!rlp_cur_at_end(&l))
			*reason = rlp_cur_u64(&l);
		if (l.err)
			c.err = l.err;
	} else {
		*reason = rlp_cur_u64(&c);
	}
	if (c.err) {
		*reason = 0;
		return DURE_EP2P_MSG;
	}
	return DURE_OK;
}

static bool lists(const p2p_cap *caps, size_t n, const char *name,
                  uint32_t version, const p2p_cap **found)
{
	for (size_t i = 0; i < n; i++)
		if (caps[i].version == version && strcmp(caps[i].name, name) == 0) {
			if (found)
				*found = &caps[i];
			return true;
		}
	return false;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const p2p_shared_cap *)a)->name,
	              ((const p2p_shared_cap *)b)->name);
}

int p2p_negotiate(const p2p_cap *ours, size_t n_ours, const p2p_cap *theirs,
                  size_t n_theirs, p2p_shared_cap out[P2P_MAX_CAPS],
                  size_t *nout)
{
	size_t n = 0;

	*nout = 0;
	for (size_t i = 0; i < n_ours; i++) {
		const p2p_cap *mine = &ours[i];
		if (!lists(theirs, n_theirs, mine->name, mine->version, NULL))
			continue;
		size_t j = 0;
		while (j < n && strcmp(out[j].name, mine->name) != 0)
			j++;
		if (j < n && out[j].version >= mine->version)
			continue;
		if (j == n) {
			if (n == P2P_MAX_CAPS)
				continue;
			n++;
		}
		memset(&out[j], 0, sizeof out[j]);
		memcpy(out[j].name, mine->name, sizeof out[j].name);
		out[j].version = mine->version;
		out[j].msg_count = mine->msg_count;
	}
	if (n == 0)
		return DURE_EP2P_NO_CAPS;
	qsort(out, n, sizeof out[0], by_name);
	uint64_t next = P2P_FIRST_CAP_ID;
	for (size_t i = 0; i < n; i++) {
		out[i].offset = (uint32_t)next;
		next += out[i].msg_count;
		if (next > UINT32_MAX)
			return DURE_ERANGE;
	}
	*nout = n;
	return DURE_OK;
}

struct p2p_conn {
	rlpx *s;
	p2p_hello local;
	p2p_hello remote;
	bool ready;          /* remote Hello accepted */
	bool closed;         /* Disconnect sent or received */
	int err;             /* the error that ended the connection */
	p2p_shared_cap shared[P2P_MAX_CAPS];
	size_t nshared;
	buf tmp;
};

int p2p_conn_new(rlpx *s, const p2p_hello *local, p2p_conn **out)
{
	*out = NULL;
	if (local->ncaps == 0 || local->ncaps > P2P_MAX_CAPS) {
		rlpx_free(s);
		return DURE_EINVAL;
	}
	p2p_conn *c = calloc(1, sizeof *c);
	if (!c) {
		rlpx_free(s);
		return DURE_ENOMEM;
	}
	c->s = s;
	c->local = *local;
	buf_init(&c->tmp);
	*out = c;
	return DURE_OK;
}

void p2p_conn_free(p2p_conn *c)
{
	if (!c)
		return;
	rlpx_free(c->s);
	buf_free(&c->tmp);
	free(c);
}

rlpx *p2p_conn_rlpx(p2p_conn *c)
{
	return c->s;
}

int p2p_conn_feed(p2p_conn *c, const uint8_t *p, size_t n)
{
	return rlpx_feed(c->s, p, n);
}

uint8_t *p2p_conn_take_output(p2p_conn *c, size_t *n)
{
	return rlpx_take_output(c->s, n);
}

const p2p_hello *p2p_conn_remote(const p2p_conn *c)
{
	return c->ready ? &c->remote : NULL;
}

const p2p_shared_cap *p2p_conn_shared(const p2p_conn *c, size_t *n)
{
	*n = c->ready ? c->nshared : 0;
	return c->ready ? c->shared : NULL;
}

/* Queues a base-protocol message whose payload is in c->tmp. */
static int send_tmp(p2p_conn *c, uint64_t id)
{
	if (buf_failed(&c->tmp))
		return DURE_ENOMEM;
	return rlpx_write_msg(c->s, id, c->tmp.data, c->tmp.len);
}

static int send_empty(p2p_conn *c, uint64_t id)
{
	buf_reset(&c->tmp);
	rlp_list_end(&c->tmp, rlp_list_begin(&c->tmp));
	return send_tmp(c, id);
}

int p2p_conn_disconnect(p2p_conn *c, uint64_t reason)
{
	if (rlpx_get_state(c->s) != RLPX_FRAMES || c->closed)
		return DURE_ERLPX_STATE;
	c->closed = true;
	buf_reset(&c->tmp);
	int err = p2p_disconnect_encode(reason, &c->tmp);
	return err ? err : send_tmp(c, P2P_MSG_DISCONNECT);
}

/* Ends the connection with a base-protocol error, telling the peer why
 * when the transport still works. */
static int fail(p2p_conn *c, int err, uint64_t reason)
{
	if (!c->closed && rlpx_get_state(c->s) == RLPX_FRAMES) {
		/* Best effort: the connection ends either way. */
		int ignored = p2p_conn_disconnect(c, reason);
		(void)ignored;
	}
	c->closed = true;
	c->err = err;
	return err;
}

static int on_hello(p2p_conn *c, const rlpx_event *rev)
{
	const uint8_t *id = rlpx_remote_id(c->s);
	int err;

	if (rev->msg_id != P2P_MSG_HELLO ||
	    p2p_hello_decode(rev->data, rev->len, &c->remote))
		return fail(c, DURE_EP2P_HELLO, P2P_DISC_PROTOCOL);
	if (!id || memcmp(id, c->remote.node_id, 64) != 0)
		return fail(c, DURE_EP2P_IDENTITY, P2P_DISC_UNEXPECTED_ID);
	err = p2p_negotiate(c->local.caps, c->local.ncaps, c->remote.caps,
	                    c->remote.ncaps, c->shared, &c->nshared);
	if (err)
		return fail(c, err, P2P_DISC_USELESS);
	if (c->local.version >= 5 && c->remote.version >= 5)
		rlpx_set_snappy(c->s, true);
	c->ready = true;
	return DURE_OK;
}

/* Handles a message after Hello: fills ev for the caller, or leaves it
 * NONE for messages handled here. */
static int on_msg(p2p_conn *c, const rlpx_event *rev, p2p_event *ev)
{
	uint64_t id = rev->msg_id;
	int err;

	switch (id) {
	case P2P_MSG_HELLO:
		return fail(c, DURE_EP2P_HELLO, P2P_DISC_PROTOCOL);
	case P2P_MSG_DISCONNECT:
		if (p2p_disconnect_decode(rev->data, rev->len, &ev->reason))
			ev->reason = UINT64_MAX;
		ev->type = P2P_EV_DISCONNECT;
		c->closed = true;
		c->err = DURE_EP2P_DISCONNECTED;
		return DURE_OK;
	case P2P_MSG_PING:
		if ((err = send_empty(c, P2P_MSG_PONG)))
			return fail(c, err, P2P_DISC_PROTOCOL);
		return DURE_OK;
	case P2P_MSG_PONG:
		ev->type = P2P_EV_PONG;
		return DURE_OK;
	}
	if (id < P2P_FIRST_CAP_ID)
		return DURE_OK;
	for (size_t i = 0; i < c->nshared; i++) {
		const p2p_shared_cap *sc = &c->shared[i];
		if (id >= sc->offset && id - sc->offset < sc->msg_count) {
			ev->type = P2P_EV_MSG;
			ev->cap = i;
			ev->code = id - sc->offset;
			ev->data = rev->data;
			ev->len = rev->len;
			return DURE_OK;
		}
	}
	return fail(c, DURE_EP2P_MSG_ID, P2P_DISC_PROTOCOL);
}

int p2p_conn_next_event(p2p_conn *c, p2p_event *ev)
{
	memset(ev, 0, sizeof *ev);
	for (;;) {
		if (c->err)
			return c->err;
		rlpx_event rev;
		int err = rlpx_next_event(c->s, &rev);
		if (err) {
			c->closed = true;
			c->err = err;
			return err;
		}
		switch (rev.type) {
		case RLPX_EV_NONE:
			return DURE_OK;
		case RLPX_EV_READY:
			buf_reset(&c->tmp);
			if ((err = p2p_hello_encode(&c->local, &c->tmp)) ||
			    (err = send_tmp(c, P2P_MSG_HELLO)))
				return fail(c, err, P2P_DISC_QUITTING);
			break;
		case RLPX_EV_MSG:
			if (!c->ready) {
				if ((err = on_hello(c, &rev)))
					return err;
				ev->type = P2P_EV_READY;
				return DURE_OK;
			}
			if ((err = on_msg(c, &rev, ev))) {
				memset(ev, 0, sizeof *ev);
				return err;
			}
			if (ev->type != P2P_EV_NONE)
				return DURE_OK;
			break;
		}
	}
}

int p2p_conn_send(p2p_conn *c, size_t cap, uint64_t code, const uint8_t *p,
                  size_t n)
{
	if (!c->ready || c->closed)
		return DURE_ERLPX_STATE;
	if (cap >= c->nshared || code >= c->shared[cap].msg_count)
		return DURE_EINVAL;
	return rlpx_write_msg(c->s, c->shared[cap].offset + code, p, n);
}

int p2p_conn_ping(p2p_conn *c)
{
	if (!c->ready || c->closed)
		return DURE_ERLPX_STATE;
	return send_empty(c, P2P_MSG_PING);
}
