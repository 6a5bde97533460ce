/* Fuzz target for RLPx frames and the devp2p base protocol after the
 * handshake. Two sessions share fixed secrets (rlpx_new_session), so the
 * harness can make frames with valid MACs and the fuzzer reaches the frame
 * body, snappy and message decoding; it can also corrupt them.
 *
 * Input: byte 0 holds flags:
 *   bit 0  writer compresses with snappy
 *   bit 1  reader expects snappy
 *   bit 2  raw: feed the rest to the reader as is (no valid MACs)
 *   bit 3  flip one bit of the written stream at the position in bytes 1-2
 *   bit 4  the reader is a p2p_conn (Hello, Disconnect, Ping, routing)
 * then records [len, msg id, len payload bytes] that the writer sends.
 * Invariants: no crash, bounded memory; when nothing is corrupted and both
 * sides agree on snappy, a plain reader gets every message back intact. */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "fuzz.h"
#include "net/p2pproto.h"
#include "net/rlpx.h"

static void secrets(rlpx_secrets *w, rlpx_secrets *r)
{
	memset(w, 0, sizeof *w);
	memset(w->aes, 0x0a, 32);
	memset(w->mac, 0x0b, 32);
	memset(w->remote_id, 0x0c, 64);
	keccak256_init(&w->egress_mac);
	keccak256_update(&w->egress_mac, (const uint8_t *)"egress", 6);
	keccak256_init(&w->ingress_mac);
	*r = *w;
	r->egress_mac = w->ingress_mac;
	r->ingress_mac = w->egress_mac;
}

static void drain_p2p(p2p_conn *c)
{
	p2p_event ev;
	while (!p2p_conn_next_event(c, &ev) && ev.type != P2P_EV_NONE)
		;
	size_t n;
	free(p2p_conn_take_output(c, &n));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	uint8_t flags = data[0];
	size_t flip = (size_t)data[1] << 8 | data[2];
	data += 3;
	size -= 3;

	rlpx_secrets ws, rs;
	secrets(&ws, &rs);
	rlpx *w, *r;
	if (rlpx_new_session(&ws, &w) || rlpx_new_session(&rs, &r))
		abort();
	rlpx_set_snappy(w, flags & 1);
	rlpx_set_snappy(r, (flags >> 1) & 1);
	p2p_conn *c = NULL;
	if (flags & 16) {
		p2p_hello h;
		memset(&h, 0, sizeof h);
		h.version = P2P_VERSION;
		strcpy(h.client_id, "fuzz");
		h.caps[0] = (p2p_cap){"eth", 68, 17};
		h.ncaps = 1;
		if (p2p_conn_new(r, &h, &c))
			abort();
	}

	buf sent = BUF_INIT;
	const uint8_t *stream = data;
	size_t streamn = size;
	if (!(flags & 4)) {
		for (size_t i = 0; i + 2 <= size;) {
			size_t n = data[i];
			uint8_t id = data[i + 1];
			i += 2;
			if (n > size - i)
				n = size - i;
			if (rlpx_write_msg(w, id, data + i, n))
				abort();
			i += n;
		}
		size_t n;
		uint8_t *out = rlpx_take_output(w, &n);
		if (out && buf_append(&sent, out, n))
			abort();
		free(out);
		if ((flags & 8) && sent.len)
			sent.data[flip % sent.len] ^= (uint8_t)(1u << (flip % 8));
		stream = sent.data;
		streamn = sent.len;
	}

	bool intact = !(flags & (4 | 8 | 16)) && (flags & 1) == ((flags >> 1) & 1);
	size_t rec = 0;
	int err = c ? p2p_conn_feed(c, stream, streamn)
	            : rlpx_feed(r, stream, streamn);
	if (c) {
		drain_p2p(c);
	} else {
		rlpx_event ev;
		while (!err) {
			err = rlpx_next_event(r, &ev);
			if (err || ev.type == RLPX_EV_NONE)
				break;
			if (ev.type != RLPX_EV_MSG || !intact)
				continue;
			/* The next record must match. */
			if (rec + 2 > size)
				abort();
			size_t n = data[rec];
			if (n > size - rec - 2)
				n = size - rec - 2;
			if (ev.msg_id != data[rec + 1] || ev.len != n ||
			    (n && memcmp(ev.data, data + rec + 2, n) != 0))
				abort();
			rec += 2 + n;
		}
		if (intact && (err || rec + 2 <= size))
			abort();
	}
	buf_free(&sent);
	rlpx_free(w);
	if (c)
		p2p_conn_free(c);
	else
		rlpx_free(r);
	return 0;
}
