/* devp2p base protocol over RLPx: Hello (with the EIP-8 vector), Disconnect
 * forms, capability negotiation, and whole connections: Hello exchange,
 * snappy, Ping/Pong, capability messages, Disconnect, protocol errors. */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/hex.h"
#include "crypto/secp.h"
#include "net/p2pproto.h"
#include "rlp/rlp.h"
#include "test.h"

/* EIP-8 devp2p hello with a higher version and extra list elements. */
static const char hello_hex[] =
	"f87137916b6e6574682f76302e39312f706c616e39cdc5836574683dc6846d6f726b1682270fb840"
	"fda1cff674c90c9a197539fe3dfb53086ace64f83ed7c6eabec741f7f381cc803e52ab2cd55d5569"
	"bce4347107a310dfd5f88a010cd2ffd1005ca406f1842877c883666f6f836261720304";

static void hello_vector(void)
{
	buf b = BUF_INIT;
	p2p_hello h;
	CHECK_EQ_INT(hex_decode(hello_hex, strlen(hello_hex), &b), 0);
	CHECK_EQ_INT(p2p_hello_decode(b.data, b.len, &h), 0);
	CHECK_EQ_INT(h.version, 0x37);
	CHECK(strcmp(h.client_id, "kneth/v0.91/plan9") == 0);
	CHECK_EQ_INT(h.ncaps, 2);
	CHECK(strcmp(h.caps[0].name, "eth") == 0 && h.caps[0].version == 61);
	CHECK(strcmp(h.caps[1].name, "mork") == 0 && h.caps[1].version == 22);
	CHECK_EQ_INT(h.listen_port, 9999);
	CHECK(h.node_id[0] == 0xfd && h.node_id[63] == 0x77);
	buf_free(&b);
}

static p2p_cap cap(const char *name, uint32_t version, uint32_t count)
{
	p2p_cap c;
	memset(&c, 0, sizeof c);
	strncpy(c.name, name, P2P_CAP_NAME_MAX);
	c.version = version;
	c.msg_count = count;
	return c;
}

static void hello_roundtrip(void)
{
	p2p_hello h, d;
	memset(&h, 0, sizeof h);
	h.version = P2P_VERSION;
	strcpy(h.client_id, "dure/0.1");
	h.caps[0] = cap("eth", 68, 17);
	h.caps[1] = cap("snap", 1, 8);
	h.ncaps = 2;
	h.listen_port = 30303;
	memset(h.node_id, 0xab, 64);
	buf b = BUF_INIT;
	CHECK_EQ_INT(p2p_hello_encode(&h, &b), 0);
	CHECK_EQ_INT(rlp_validate(b.data, b.len), 0);
	CHECK_EQ_INT(p2p_hello_decode(b.data, b.len, &d), 0);
	CHECK_EQ_INT(d.version, 5);
	CHECK(strcmp(d.client_id, "dure/0.1") == 0);
	CHECK_EQ_INT(d.ncaps, 2);
	CHECK(strcmp(d.caps[1].name, "snap") == 0 && d.caps[1].version == 1);
	CHECK_EQ_INT(d.caps[0].msg_count, 0);
	CHECK_EQ_INT(d.listen_port, 30303);
	CHECK_MEM(d.node_id, h.node_id, 64);
	/* Data after the list is ignored (EIP-8). */
	buf_push(&b, 0x42);
	CHECK_EQ_INT(p2p_hello_decode(b.data, b.len, &d), 0);
	/* Truncations fail cleanly. */
	int bad = 0;
	for (size_t n = 0; n + 1 < b.len; n++)
		bad += p2p_hello_decode(b.data, n, &d) == DURE_EP2P_HELLO;
	CHECK_EQ_INT(bad, (int)b.len - 1);
	CHECK_EQ_INT(d.version, 0);
	buf_free(&b);
}

/* Builds a Hello by hand with odd capabilities. */
static void hello_leniency(void)
{
	buf b = BUF_INIT;
	uint8_t id[64] = {1};
	char long_id[600];
	memset(long_id, 'x', sizeof long_id);
	size_t m = rlp_list_begin(&b);
	rlp_put_u64(&b, 99);
	rlp_put_bytes(&b, (const uint8_t *)long_id, sizeof long_id);
	size_t mc = rlp_list_begin(&b);
	for (int i = 0; i < 40; i++) {
		size_t mi = rlp_list_begin(&b);
		char name[16];
		snprintf(name, sizeof name, "c%d", i);
		rlp_put_bytes(&b, (const uint8_t *)name, strlen(name));
		rlp_put_u64(&b, (uint64_t)i);
		rlp_list_end(&b, mi);
	}
	size_t mi = rlp_list_begin(&b); /* name too long: skipped */
	rlp_put_bytes(&b, (const uint8_t *)"ninechars", 9);
	rlp_put_u64(&b, 1);
	rlp_list_end(&b, mi);
	mi = rlp_list_begin(&b); /* version above 32 bits: skipped */
	rlp_put_bytes(&b, (const uint8_t *)"eth", 3);
	rlp_put_u64(&b, 1ull << 40);
	rlp_list_end(&b, mi);
	rlp_list_end(&b, mc);
	rlp_put_u64(&b, 1);
	rlp_put_bytes(&b, id, 64);
	rlp_put_bytes(&b, (const uint8_t *)"extra", 5);
	rlp_list_end(&b, m);
	p2p_hello h;
	CHECK_EQ_INT(p2p_hello_decode(b.data, b.len, &h), 0);
	CHECK_EQ_INT(h.version, 99);
	CHECK_EQ_INT(strlen(h.client_id), P2P_CLIENT_ID_MAX);
	CHECK_EQ_INT(h.ncaps, P2P_MAX_CAPS);
	CHECK(strcmp(h.caps[31].name, "c31") == 0);
	buf_free(&b);

	/* Shape errors. */
	static const char *const bad[] = {
		"c0", "80", "c3808080",
		/* caps entry not a list */
		"c7058080c180808080",
		/* node id of 3 bytes */
		"c9058080c0018301020304",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		buf x = BUF_INIT;
		CHECK_EQ_INT(hex_decode(bad[i], strlen(bad[i]), &x), 0);
		CHECK_EQ_INT(p2p_hello_decode(x.data, x.len, &h), DURE_EP2P_HELLO);
		buf_free(&x);
	}
}

static void disconnect_forms(void)
{
	uint64_t r;
	CHECK_EQ_INT(p2p_disconnect_decode((const uint8_t *)"\xc1\x04", 2, &r), 0);
	CHECK_EQ_INT(r, P2P_DISC_TOO_MANY);
	CHECK_EQ_INT(p2p_disconnect_decode((const uint8_t *)"\x04", 1, &r), 0);
	CHECK_EQ_INT(r, P2P_DISC_TOO_MANY);
	CHECK_EQ_INT(p2p_disconnect_decode((const uint8_t *)"\x10", 1, &r), 0);
	CHECK_EQ_INT(r, P2P_DISC_SUBPROTOCOL);
	CHECK_EQ_INT(p2p_disconnect_decode((const uint8_t *)"\xc0", 1, &r), 0);
	CHECK_EQ_INT(r, P2P_DISC_REQUESTED);
	CHECK_EQ_INT(p2p_disconnect_decode(NULL, 0, &r), 0);
	CHECK_EQ_INT(r, P2P_DISC_REQUESTED);
	CHECK_EQ_INT(p2p_disconnect_decode((const uint8_t *)"\xc1\xc0", 2, &r), DURE_EP2P_MSG);
	CHECK_EQ_INT(r, 0);
	CHECK_EQ_INT(p2p_disconnect_decode((const uint8_t *)"\xc2\x04", 2, &r), DURE_EP2P_MSG);
	buf b = BUF_INIT;
	CHECK_EQ_INT(p2p_disconnect_encode(P2P_DISC_PING_TIMEOUT, &b), 0);
	CHECK(b.len == 2 && b.data[0] == 0xc1 && b.data[1] == 0x0b);
	buf_free(&b);
	CHECK(strcmp(p2p_reason_str(P2P_DISC_USELESS), "useless peer") == 0);
	CHECK(strcmp(p2p_reason_str(0x0c), "unknown reason") == 0);
	CHECK(strcmp(p2p_reason_str(UINT64_MAX), "unknown reason") == 0);
}

static void negotiation(void)
{
	p2p_shared_cap out[P2P_MAX_CAPS];
	size_t n;
	p2p_cap ours[] = {cap("snap", 1, 8), cap("eth", 66, 17),
	                  cap("eth", 68, 17), cap("eth", 67, 17)};
	p2p_cap theirs[] = {cap("les", 4, 0), cap("eth", 67, 0),
	                    cap("eth", 68, 0), cap("snap", 1, 0),
	                    cap("eth", 69, 0)};
	CHECK_EQ_INT(p2p_negotiate(ours, 4, theirs, 5, out, &n), 0);
	CHECK_EQ_INT(n, 2);
	CHECK(strcmp(out[0].name, "eth") == 0 && out[0].version == 68);
	CHECK_EQ_INT(out[0].offset, 0x10);
	CHECK_EQ_INT(out[0].msg_count, 17);
	CHECK(strcmp(out[1].name, "snap") == 0 && out[1].version == 1);
	CHECK_EQ_INT(out[1].offset, 0x21);
	/* Same names, no common version. */
	p2p_cap old[] = {cap("eth", 65, 0), cap("snap", 2, 0)};
	CHECK_EQ_INT(p2p_negotiate(ours, 4, old, 2, out, &n), DURE_EP2P_NO_CAPS);
	CHECK_EQ_INT(n, 0);
	CHECK_EQ_INT(p2p_negotiate(ours, 4, NULL, 0, out, &n), DURE_EP2P_NO_CAPS);
	/* Only eth/66 in common. */
	p2p_cap e66[] = {cap("eth", 66, 0)};
	CHECK_EQ_INT(p2p_negotiate(ours, 4, e66, 1, out, &n), 0);
	CHECK(n == 1 && out[0].version == 66 && out[0].offset == 0x10);
	/* Name order is bytewise; offsets follow it. */
	p2p_cap abc[] = {cap("zz", 1, 3), cap("ab", 1, 2), cap("b", 1, 1)};
	CHECK_EQ_INT(p2p_negotiate(abc, 3, abc, 3, out, &n), 0);
	CHECK(n == 3 && strcmp(out[0].name, "ab") == 0 &&
	      strcmp(out[1].name, "b") == 0 && strcmp(out[2].name, "zz") == 0);
	CHECK(out[0].offset == 0x10 && out[1].offset == 0x12 &&
	      out[2].offset == 0x13);
	/* Id space overflow. */
	p2p_cap huge[] = {cap("a", 1, UINT32_MAX), cap("b", 1, 1)};
	CHECK_EQ_INT(p2p_negotiate(huge, 2, huge, 2, out, &n), DURE_ERANGE);
	CHECK_EQ_INT(n, 0);
}

static uint8_t key_a[32], key_b[32], pub_a[64], pub_b[64];

static void make_keys(void)
{
	memset(key_a, 0x5a, 32);
	memset(key_b, 0xa5, 32);
	CHECK_EQ_INT(secp_pubkey_create(key_a, pub_a), 0);
	CHECK_EQ_INT(secp_pubkey_create(key_b, pub_b), 0);
}

static p2p_hello local_hello(const char *client, const uint8_t id[64])
{
	p2p_hello h;
	memset(&h, 0, sizeof h);
	h.version = P2P_VERSION;
	strcpy(h.client_id, client);
	h.caps[0] = cap("eth", 68, 17);
	h.caps[1] = cap("snap", 1, 8);
	h.ncaps = 2;
	h.listen_port = 30303;
	memcpy(h.node_id, id, 64);
	return h;
}

typedef struct side {
	p2p_conn *c;
	p2p_event evs[16];
	uint8_t data[16][64];
	int nev;
	int err;
} side;

/* Drains x's events into its record (payloads copied) until NONE or an
 * error. */
static void drain(side *x)
{
	for (;;) {
		p2p_event ev;
		int err = p2p_conn_next_event(x->c, &ev);
		if (err) {
			x->err = err;
			return;
		}
		if (ev.type == P2P_EV_NONE || x->nev == 16)
			return;
		if (ev.type == P2P_EV_MSG && ev.len <= 64) {
			memcpy(x->data[x->nev], ev.data, ev.len);
			ev.data = x->data[x->nev];
		}
		x->evs[x->nev++] = ev;
	}
}

/* Runs both sides until no bytes move. */
static void pump(side *a, side *b)
{
	for (int moved = 1; moved;) {
		moved = 0;
		side *sides[2] = {a, b};
		for (int i = 0; i < 2; i++) {
			side *x = sides[i], *y = sides[1 - i];
			drain(x);
			size_t n;
			uint8_t *p = p2p_conn_take_output(x->c, &n);
			if (p) {
				moved = 1;
				int err = p2p_conn_feed(y->c, p, n);
				if (err && !y->err)
					y->err = err;
				free(p);
			}
		}
	}
}

static void open_pair(side *a, side *b, const p2p_hello *ha, const p2p_hello *hb)
{
	rlpx *ra, *rb;
	memset(a, 0, sizeof *a);
	memset(b, 0, sizeof *b);
	CHECK_EQ_INT(rlpx_new_initiator(key_a, pub_b, &ra), 0);
	CHECK_EQ_INT(rlpx_new_recipient(key_b, &rb), 0);
	CHECK_EQ_INT(p2p_conn_new(ra, ha, &a->c), 0);
	CHECK_EQ_INT(p2p_conn_new(rb, hb, &b->c), 0);
	pump(a, b);
}

static void full_session(void)
{
	p2p_hello ha = local_hello("alice/1", pub_a);
	p2p_hello hb = local_hello("bob/2", pub_b);
	hb.caps[2] = cap("les", 4, 20);
	hb.ncaps = 3;
	side a, b;
	open_pair(&a, &b, &ha, &hb);
	CHECK_EQ_INT(a.err, 0);
	CHECK_EQ_INT(b.err, 0);
	CHECK(a.nev == 1 && a.evs[0].type == P2P_EV_READY);
	CHECK(b.nev == 1 && b.evs[0].type == P2P_EV_READY);
	const p2p_hello *ra = p2p_conn_remote(a.c);
	CHECK(ra && strcmp(ra->client_id, "bob/2") == 0 && ra->ncaps == 3);
	CHECK(strcmp(p2p_conn_remote(b.c)->client_id, "alice/1") == 0);
	size_t n;
	const p2p_shared_cap *sc = p2p_conn_shared(a.c, &n);
	CHECK(n == 2 && strcmp(sc[0].name, "eth") == 0 && sc[0].offset == 0x10 &&
	      strcmp(sc[1].name, "snap") == 0 && sc[1].offset == 0x21);

	/* Ping is answered inside B; A sees the Pong. */
	a.nev = b.nev = 0;
	CHECK_EQ_INT(p2p_conn_ping(a.c), 0);
	pump(&a, &b);
	CHECK_EQ_INT(b.nev, 0);
	CHECK(a.nev == 1 && a.evs[0].type == P2P_EV_PONG);

	/* Capability messages arrive with relative ids (snappy is on: both
	 * speak version 5, so a large message shrinks). */
	a.nev = 0;
	CHECK_EQ_INT(p2p_conn_send(a.c, 0, 0, (const uint8_t *)"\xc2\x01\x02", 3), 0);
	CHECK_EQ_INT(p2p_conn_send(a.c, 1, 7, (const uint8_t *)"\xc0", 1), 0);
	CHECK_EQ_INT(p2p_conn_send(a.c, 0, 17, NULL, 0), DURE_EINVAL);
	CHECK_EQ_INT(p2p_conn_send(a.c, 2, 0, NULL, 0), DURE_EINVAL);
	pump(&a, &b);
	CHECK_EQ_INT(b.nev, 2);
	CHECK(b.evs[0].type == P2P_EV_MSG && b.evs[0].cap == 0 &&
	      b.evs[0].code == 0 && b.evs[0].len == 3 &&
	      memcmp(b.data[0], "\xc2\x01\x02", 3) == 0);
	CHECK(b.evs[1].type == P2P_EV_MSG && b.evs[1].cap == 1 &&
	      b.evs[1].code == 7 && b.evs[1].len == 1);
	uint8_t *zeros = calloc(1, 100000);
	CHECK_EQ_INT(p2p_conn_send(a.c, 0, 3, zeros, 100000), 0);
	uint8_t *p = p2p_conn_take_output(a.c, &n);
	CHECK(n < 10000);
	CHECK_EQ_INT(p2p_conn_feed(b.c, p, n), 0);
	free(p);
	free(zeros);
	p2p_event ev;
	CHECK_EQ_INT(p2p_conn_next_event(b.c, &ev), 0);
	CHECK(ev.type == P2P_EV_MSG && ev.code == 3 && ev.len == 100000);

	/* Disconnect ends both sides. */
	b.nev = 0;
	CHECK_EQ_INT(p2p_conn_disconnect(a.c, P2P_DISC_TOO_MANY), 0);
	CHECK_EQ_INT(p2p_conn_send(a.c, 0, 0, NULL, 0), DURE_ERLPX_STATE);
	CHECK_EQ_INT(p2p_conn_ping(a.c), DURE_ERLPX_STATE);
	pump(&a, &b);
	CHECK(b.nev == 1 && b.evs[0].type == P2P_EV_DISCONNECT &&
	      b.evs[0].reason == P2P_DISC_TOO_MANY);
	CHECK_EQ_INT(b.err, DURE_EP2P_DISCONNECTED);
	CHECK_EQ_INT(p2p_conn_send(b.c, 0, 0, NULL, 0), DURE_ERLPX_STATE);
	p2p_conn_free(a.c);
	p2p_conn_free(b.c);
}

/* A peer on p2p version 4: no snappy, still talks. */
static void old_version(void)
{
	p2p_hello ha = local_hello("alice", pub_a);
	p2p_hello hb = local_hello("old", pub_b);
	hb.version = 4;
	side a, b;
	open_pair(&a, &b, &ha, &hb);
	CHECK(a.nev == 1 && b.nev == 1 && !a.err && !b.err);
	a.nev = b.nev = 0;
	uint8_t *zeros = calloc(1, 100000);
	CHECK_EQ_INT(p2p_conn_send(a.c, 0, 1, zeros, 100000), 0);
	size_t n;
	uint8_t *p = p2p_conn_take_output(a.c, &n);
	CHECK(n > 100000);
	CHECK_EQ_INT(p2p_conn_feed(b.c, p, n), 0);
	p2p_event ev;
	CHECK_EQ_INT(p2p_conn_next_event(b.c, &ev), 0);
	CHECK(ev.type == P2P_EV_MSG && ev.len == 100000 &&
	      memcmp(ev.data, zeros, 100000) == 0);
	free(p);
	free(zeros);
	p2p_conn_free(a.c);
	p2p_conn_free(b.c);
}

static void errors(void)
{
	side a, b;
	/* Nothing in common: both give up, telling the other why. */
	p2p_hello ha = local_hello("alice", pub_a);
	p2p_hello hb = local_hello("bob", pub_b);
	hb.caps[0] = cap("les", 4, 20);
	hb.ncaps = 1;
	open_pair(&a, &b, &ha, &hb);
	CHECK_EQ_INT(a.err, DURE_EP2P_NO_CAPS);
	CHECK_EQ_INT(b.err, DURE_EP2P_NO_CAPS);
	p2p_conn_free(a.c);
	p2p_conn_free(b.c);

	/* B claims another node id in its Hello. */
	hb = local_hello("bob", pub_a);
	open_pair(&a, &b, &ha, &hb);
	CHECK_EQ_INT(a.err, DURE_EP2P_IDENTITY);
	p2p_event ev;
	CHECK_EQ_INT(p2p_conn_next_event(a.c, &ev), DURE_EP2P_IDENTITY);
	CHECK_EQ_INT(ev.type, P2P_EV_NONE);
	p2p_conn_free(a.c);
	p2p_conn_free(b.c);

	/* A raw RLPx peer that skips Hello, or sends ids nobody owns. */
	for (int k = 0; k < 3; k++) {
		rlpx *ra, *rb;
		p2p_conn *c;
		CHECK_EQ_INT(rlpx_new_initiator(key_a, pub_b, &ra), 0);
		CHECK_EQ_INT(rlpx_new_recipient(key_b, &rb), 0);
		hb = local_hello("bob", pub_b);
		CHECK_EQ_INT(p2p_conn_new(rb, &hb, &c), 0);
		size_t n;
		uint8_t *p = rlpx_take_output(ra, &n);
		CHECK_EQ_INT(p2p_conn_feed(c, p, n), 0);
		free(p);
		CHECK_EQ_INT(p2p_conn_next_event(c, &ev), 0);
		p = p2p_conn_take_output(c, &n); /* ack and B's Hello */
		CHECK_EQ_INT(rlpx_feed(ra, p, n), 0);
		free(p);
		rlpx_event rev;
		CHECK_EQ_INT(rlpx_next_event(ra, &rev), 0);
		CHECK_EQ_INT(rev.type, RLPX_EV_READY);
		CHECK_EQ_INT(rlpx_next_event(ra, &rev), 0);
		CHECK(rev.type == RLPX_EV_MSG && rev.msg_id == P2P_MSG_HELLO);
		int want;
		if (k == 0) {
			CHECK_EQ_INT(rlpx_write_msg(ra, P2P_MSG_PING, (const uint8_t *)"\xc0", 1), 0);
			want = DURE_EP2P_HELLO;
		} else {
			p2p_hello h = local_hello("raw", pub_a);
			h.version = 4; /* keep it uncompressed */
			buf hb2 = BUF_INIT;
			CHECK_EQ_INT(p2p_hello_encode(&h, &hb2), 0);
			CHECK_EQ_INT(rlpx_write_msg(ra, 0, hb2.data, hb2.len), 0);
			buf_free(&hb2);
			/* eth 0x10..0x20, snap 0x21..0x28; 0x29 is nobody's,
			 * 0x05 is reserved and ignored. */
			CHECK_EQ_INT(rlpx_write_msg(ra, 0x05, NULL, 0), 0);
			CHECK_EQ_INT(rlpx_write_msg(ra, k == 1 ? 0x29 : P2P_MSG_HELLO,
			                            (const uint8_t *)"\xc0", 1), 0);
			want = k == 1 ? DURE_EP2P_MSG_ID : DURE_EP2P_HELLO;
		}
		p = rlpx_take_output(ra, &n);
		CHECK_EQ_INT(p2p_conn_feed(c, p, n), 0);
		free(p);
		if (k > 0) {
			CHECK_EQ_INT(p2p_conn_next_event(c, &ev), 0);
			CHECK_EQ_INT(ev.type, P2P_EV_READY);
		}
		CHECK_EQ_INT(p2p_conn_next_event(c, &ev), want);
		/* B told the peer: a Disconnect (breach of protocol). */
		p = p2p_conn_take_output(c, &n);
		CHECK(p != NULL);
		if (p) {
			CHECK_EQ_INT(rlpx_feed(ra, p, n), 0);
			CHECK_EQ_INT(rlpx_next_event(ra, &rev), 0);
			uint64_t reason = 99;
			CHECK(rev.type == RLPX_EV_MSG && rev.msg_id == P2P_MSG_DISCONNECT);
			CHECK_EQ_INT(p2p_disconnect_decode(rev.data, rev.len, &reason), 0);
			CHECK_EQ_INT(reason, P2P_DISC_PROTOCOL);
		}
		free(p);
		rlpx_free(ra);
		p2p_conn_free(c);
	}

	/* Bad local configuration. */
	rlpx *r;
	p2p_conn *c;
	CHECK_EQ_INT(rlpx_new_recipient(key_b, &r), 0);
	hb.ncaps = 0;
	CHECK_EQ_INT(p2p_conn_new(r, &hb, &c), DURE_EINVAL);
	CHECK(c == NULL);
	/* Sends before the Hellos are refused. */
	CHECK_EQ_INT(rlpx_new_recipient(key_b, &r), 0);
	hb = local_hello("bob", pub_b);
	CHECK_EQ_INT(p2p_conn_new(r, &hb, &c), 0);
	CHECK_EQ_INT(p2p_conn_ping(c), DURE_ERLPX_STATE);
	CHECK_EQ_INT(p2p_conn_send(c, 0, 0, NULL, 0), DURE_ERLPX_STATE);
	CHECK_EQ_INT(p2p_conn_disconnect(c, 0), DURE_ERLPX_STATE);
	CHECK(p2p_conn_remote(c) == NULL);
	size_t n;
	CHECK(p2p_conn_shared(c, &n) == NULL && n == 0);
	CHECK_EQ_INT(rlpx_get_state(p2p_conn_rlpx(c)), RLPX_WAIT_AUTH);
	p2p_conn_free(c);
	p2p_conn_free(NULL);
}

TEST_MAIN(hello_vector, hello_roundtrip, hello_leniency, disconnect_forms,
          negotiation, make_keys, full_session, old_version, errors)
