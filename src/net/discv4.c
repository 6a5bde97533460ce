/* Node Discovery v4 packet codec (see discv4.h).
 *
 * One UDP datagram, at most 1280 bytes:
 *
 *   0          32                           96   97   98
 *   +----------+----------------------------+----+----+----------------+
 *   |  hash    |  signature r || s          | v  |type| packet-data    |
 *   +----------+----------------------------+----+----+----------------+
 *   hash      = keccak256(signature || v || type || packet-data)
 *   signature = secp256k1 sign(keccak256(type || packet-data)), v = recid
 *
 *   packet-data, an RLP list (extra elements and trailing bytes ignored):
 *   1 Ping        [version, from, to, expiration, enr-seq?]
 *   2 Pong        [to, ping-hash, expiration, enr-seq?]
 *   3 FindNode    [target (64), expiration]
 *   4 Neighbors   [[[ip, udp, tcp, id (64)], ...], expiration]
 *   5 ENRRequest  [expiration]
 *   6 ENRResponse [request-hash, record]
 *   endpoint = [ip (0, 4 or 16 bytes), udp-port, tcp-port]
 *
 * The enr-seq fields (EIP-868) are optional; a value there that is not an
 * integer is taken as a future extension and ignored, like any extra
 * element. */
#include "net/discv4.h"

#include <string.h>

#include "base/buf.h"
#include "crypto/keccak.h"
#include "crypto/secp.h"
#include "rlp/rlp.h"

static void put_endpoint(buf *b, const net_endpoint *ep)
{
	size_t m = rlp_list_begin(b);
	rlp_put_bytes(b, ep->ip, ep->ip_len);
	rlp_put_u64(b, ep->udp);
	rlp_put_u64(b, ep->tcp);
	rlp_list_end(b, m);
}

static int put_data(buf *b, const discv4_packet *p)
{
	size_t m = rlp_list_begin(b);
	switch ((enum discv4_type)p->type) {
	case DISCV4_PING:
		rlp_put_u64(b, p->u.ping.version);
		put_endpoint(b, &p->u.ping.from);
		put_endpoint(b, &p->u.ping.to);
		rlp_put_u64(b, p->expiration);
		if (p->u.ping.has_enr_seq)
			rlp_put_u64(b, p->u.ping.enr_seq);
		break;
	case DISCV4_PONG:
		put_endpoint(b, &p->u.pong.to);
		rlp_put_bytes(b, p->u.pong.ping_hash, 32);
		rlp_put_u64(b, p->expiration);
		if (p->u.pong.has_enr_seq)
			rlp_put_u64(b, p->u.pong.enr_seq);
		break;
	case DISCV4_FINDNODE:
		rlp_put_bytes(b, p->u.findnode.target, 64);
		rlp_put_u64(b, p->expiration);
		break;
	case DISCV4_NEIGHBORS: {
		if (p->u.neighbors.n > DISCV4_MAX_NEIGHBORS)
			return DURE_EINVAL;
		size_t ml = rlp_list_begin(b);
		for (size_t i = 0; i < p->u.neighbors.n; i++) {
			const enode *nd = &p->u.neighbors.nodes[i];
			size_t mn = rlp_list_begin(b);
			rlp_put_bytes(b, nd->ep.ip, nd->ep.ip_len);
			rlp_put_u64(b, nd->ep.udp);
			rlp_put_u64(b, nd->ep.tcp);
			rlp_put_bytes(b, nd->id, 64);
			rlp_list_end(b, mn);
		}
		rlp_list_end(b, ml);
		rlp_put_u64(b, p->expiration);
		break;
	}
	case DISCV4_ENRREQUEST:
		rlp_put_u64(b, p->expiration);
		break;
	case DISCV4_ENRRESPONSE:
		rlp_put_bytes(b, p->u.enrresponse.request_hash, 32);
		rlp_put_raw(b, p->u.enrresponse.record.raw,
		            p->u.enrresponse.record.raw_len);
		break;
	default:
		return DURE_EINVAL;
	}
	rlp_list_end(b, m);
	return 0;
}

static int encode(const uint8_t seckey[32], const discv4_packet *p,
                  uint8_t *out, size_t *len, uint8_t hash[32])
{
	if (p->type < DISCV4_PING || p->type > DISCV4_ENRRESPONSE)
		return DURE_EINVAL;
	buf b = BUF_INIT;
	buf_push(&b, p->type);
	int err = put_data(&b, p);
	if (!err && buf_failed(&b))
		err = DURE_ENOMEM;
	if (!err && DISCV4_HEADER - 1 + b.len > DISCV4_MAX_PACKET)
		err = DURE_EDISC_SIZE;
	uint8_t sighash[32], sig[64];
	int recid = 0;
	if (!err) {
		keccak256(b.data, b.len, sighash);
		err = secp_sign(seckey, sighash, sig, &recid);
	}
	if (!err) {
		memcpy(out + 32, sig, 64);
		out[96] = (uint8_t)recid;
		memcpy(out + 97, b.data, b.len);
		*len = 97 + b.len;
		keccak256(out + 32, *len - 32, out);
		memcpy(hash, out, 32);
	}
	buf_free(&b);
	return err;
}

int discv4_encode(const uint8_t seckey[32], const discv4_packet *p,
                  uint8_t out[DISCV4_MAX_PACKET], size_t *len,
                  uint8_t hash[32])
{
	*len = 0;
	memset(hash, 0, 32);
	int err = encode(seckey, p, out, len, hash);
	if (err) {
		memset(out, 0, DISCV4_MAX_PACKET);
		*len = 0;
		memset(hash, 0, 32);
	}
	return err;
}

/* Skips the remaining (EIP-8 extension) items of l and closes it. */
static int close_lenient(rlp_cur *c, rlp_cur *l)
{
	while (!rlp_cur_at_end(l))
		rlp_cur_skip(l);
	return rlp_cur_close(c, l);
}

static uint16_t read_port(rlp_cur *c)
{
	uint64_t v = rlp_cur_u64(c);
	if (!c->err && v > 65535)
		c->err = DURE_EDISC_FORMAT;
	return c->err ? 0 : (uint16_t)v;
}

/* Reads an IP of the allowed lengths (0 only when allow_empty). */
static void read_ip(rlp_cur *c, net_endpoint *ep, bool allow_empty)
{
	const uint8_t *ip;
	size_t n;
	rlp_cur_bytes(c, &ip, &n);
	if (c->err)
		return;
	if (!(n == 4 || n == 16 || (n == 0 && allow_empty))) {
		c->err = DURE_EDISC_FORMAT;
		return;
	}
	memcpy(ep->ip, ip, n);
	ep->ip_len = (uint8_t)n;
}

static void read_endpoint(rlp_cur *c, net_endpoint *ep)
{
	rlp_cur l;
	rlp_cur_list(c, &l);
	read_ip(&l, ep, true);
	ep->udp = read_port(&l);
	ep->tcp = read_port(&l);
	close_lenient(c, &l);
}

/* Takes an optional trailing integer (the EIP-868 enr-seq). */
static void read_opt_seq(rlp_cur *l, bool *has, uint64_t *v)
{
	if (rlp_cur_at_end(l) || rlp_cur_is_list(l))
		return;
	rlp_cur probe = *l;
	uint64_t x = rlp_cur_u64(&probe);
	if (probe.err)
		return;
	*l = probe;
	*has = true;
	*v = x;
}

static void read_neighbors(rlp_cur *c, discv4_neighbors *nb)
{
	rlp_cur l;
	rlp_cur_list(c, &l);
	while (!rlp_cur_at_end(&l)) {
		if (nb->n == DISCV4_MAX_NEIGHBORS) {
			l.err = DURE_EDISC_FORMAT;
			break;
		}
		enode *nd = &nb->nodes[nb->n++];
		rlp_cur e;
		rlp_cur_list(&l, &e);
		read_ip(&e, &nd->ep, false);
		nd->ep.udp = read_port(&e);
		nd->ep.tcp = read_port(&e);
		rlp_cur_fixed(&e, nd->id, 64);
		close_lenient(&l, &e);
	}
	rlp_cur_close(c, &l);
}

static int read_data(const uint8_t *p, size_t n, discv4_packet *out)
{
	rlp_cur c, l;
	rlp_cur_init(&c, p, n);
	rlp_cur_list(&c, &l);
	switch ((enum discv4_type)out->type) {
	case DISCV4_PING:
		out->u.ping.version = rlp_cur_u64(&l);
		read_endpoint(&l, &out->u.ping.from);
		read_endpoint(&l, &out->u.ping.to);
		out->expiration = rlp_cur_u64(&l);
		read_opt_seq(&l, &out->u.ping.has_enr_seq, &out->u.ping.enr_seq);
		break;
	case DISCV4_PONG:
		read_endpoint(&l, &out->u.pong.to);
		rlp_cur_fixed(&l, out->u.pong.ping_hash, 32);
		out->expiration = rlp_cur_u64(&l);
		read_opt_seq(&l, &out->u.pong.has_enr_seq, &out->u.pong.enr_seq);
		break;
	case DISCV4_FINDNODE:
		rlp_cur_fixed(&l, out->u.findnode.target, 64);
		out->expiration = rlp_cur_u64(&l);
		break;
	case DISCV4_NEIGHBORS:
		read_neighbors(&l, &out->u.neighbors);
		out->expiration = rlp_cur_u64(&l);
		break;
	case DISCV4_ENRREQUEST:
		out->expiration = rlp_cur_u64(&l);
		break;
	case DISCV4_ENRRESPONSE: {
		rlp_cur_fixed(&l, out->u.enrresponse.request_hash, 32);
		const uint8_t *rec;
		size_t rn;
		if (!rlp_cur_is_list(&l) && !l.err)
			l.err = DURE_EDISC_FORMAT;
		rlp_cur_raw(&l, &rec, &rn);
		if (close_lenient(&c, &l))
			return DURE_EDISC_FORMAT;
		int err = enr_decode(rec, rn, &out->u.enrresponse.record);
		if (err)
			return err;
		if (memcmp(out->u.enrresponse.record.pub, out->sender, 64) != 0)
			return DURE_ESIG;
		return 0;
	}
	default:
		return DURE_EDISC_TYPE;
	}
	return close_lenient(&c, &l) ? DURE_EDISC_FORMAT : 0;
}

static int decode(const uint8_t *data, size_t n, discv4_packet *out)
{
	if (n <= DISCV4_HEADER || n > DISCV4_MAX_PACKET)
		return DURE_EDISC_SIZE;
	uint8_t h[32];
	keccak256(data + 32, n - 32, h);
	if (memcmp(h, data, 32) != 0)
		return DURE_EDISC_HASH;
	out->type = data[97];
	if (out->type < DISCV4_PING || out->type > DISCV4_ENRRESPONSE)
		return DURE_EDISC_TYPE;
	uint8_t sighash[32];
	keccak256(data + 97, n - 97, sighash);
	if (secp_recover(sighash, data + 32, data[96], out->sender))
		return DURE_ESIG;
	memcpy(out->hash, data, 32);
	return read_data(data + DISCV4_HEADER, n - DISCV4_HEADER, out);
}

int discv4_decode(const uint8_t *data, size_t n, discv4_packet *out)
{
	memset(out, 0, sizeof *out);
	int err = decode(data, n, out);
	if (err)
		memset(out, 0, sizeof *out);
	return err;
}

bool discv4_expired(const discv4_packet *p, uint64_t now_s)
{
	if (p->type == DISCV4_ENRRESPONSE)
		return false;
	return p->expiration < now_s;
}
