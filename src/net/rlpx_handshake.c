/* RLPx handshake: the auth and ack packets and the secrets they yield.
 *
 * EIP-8 format (what we send; both formats are accepted):
 *
 *   auth = size (2, big-endian) || ecies.encrypt(recipient-pubk, auth-body, size)
 *   auth-body = [sig (65), initiator-pubk (64), initiator-nonce (32), 4, ...]
 *               || junk padding
 *   ack  = size (2, big-endian) || ecies.encrypt(initiator-pubk, ack-body, size)
 *   ack-body  = [recipient-ephemeral-pubk (64), recipient-nonce (32), 4, ...]
 *               || junk padding
 *
 * Legacy (pre-EIP-8) format, fixed size, plaintext before ECIES:
 *
 *   auth (307) = ecies(sig (65) || keccak(ephemeral-pubk) (32) || pubk (64)
 *                      || nonce (32) || 0x00)
 *   ack  (210) = ecies(ephemeral-pubk (64) || nonce (32) || 0x00)
 *
 * sig = sign(ephemeral-key, ecdh(static keys) ^ initiator-nonce), r||s||v.
 *
 * Telling the formats apart: an ECIES message starts with 0x04, so a first
 * byte other than 0x04 is an EIP-8 size prefix. If it is 0x04 (an EIP-8
 * size of 1024..1279 or a legacy packet) we try the legacy size first.
 *
 * Secrets (rlpx.md), with ecdhe = x(ephemeral-key * remote-ephemeral-pubk):
 *   shared = keccak(ecdhe || keccak(recipient-nonce || initiator-nonce))
 *   aes    = keccak(ecdhe || shared)
 *   mac    = keccak(ecdhe || aes)
 *   initiator egress = keccak.init(mac ^ recipient-nonce || auth)
 *   initiator ingress = keccak.init(mac ^ initiator-nonce || ack)
 * and the recipient's are the same two, swapped. auth and ack are the whole
 * packets as sent, size prefix included. */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/ecies.h"
#include "crypto/keccak.h"
#include "crypto/secp.h"
#include "net/rlpx_impl.h"
#include "rlp/rlp.h"

#define LEGACY_AUTH_SIZE 307
#define LEGACY_ACK_SIZE 210
#define LEGACY_AUTH_BODY 194
#define LEGACY_ACK_BODY 97
#define HANDSHAKE_VERSION 4

rlpx *rlpx_alloc(void)
{
	rlpx *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	buf_init(&s->in);
	buf_init(&s->out);
	buf_init(&s->plain);
	buf_init(&s->msg);
	buf_init(&s->sent);
	s->max_frame = RLPX_MAX_FRAME;
	return s;
}

void rlpx_free(rlpx *s)
{
	if (!s)
		return;
	rlpx_frames_stop(s);
	buf_free(&s->in);
	buf_free(&s->out);
	buf_free(&s->plain);
	buf_free(&s->msg);
	buf_free(&s->sent);
	OPENSSL_cleanse(s, sizeof *s);
	free(s);
}

int rlpx_fail(rlpx *s, int err)
{
	if (s->state != RLPX_FAILED) {
		s->state = RLPX_FAILED;
		s->err = err;
		rlpx_frames_stop(s);
		OPENSSL_cleanse(&s->sec, sizeof s->sec);
		OPENSSL_cleanse(&s->rnd, sizeof s->rnd);
		OPENSSL_cleanse(s->key, sizeof s->key);
	}
	return s->err;
}

rlpx_state rlpx_get_state(const rlpx *s)
{
	return s->state;
}

const uint8_t *rlpx_remote_id(const rlpx *s)
{
	return s->remote_known && s->state != RLPX_FAILED ? s->sec.remote_id
	                                                  : NULL;
}

int rlpx_get_secrets(const rlpx *s, rlpx_secrets *out)
{
	if (s->state != RLPX_FRAMES) {
		memset(out, 0, sizeof *out);
		return DURE_ERLPX_STATE;
	}
	*out = s->sec;
	return DURE_OK;
}

uint8_t *rlpx_take_output(rlpx *s, size_t *n)
{
	if (!s->out.len) {
		*n = 0;
		return NULL;
	}
	return buf_steal(&s->out, n);
}

/* Appends an ECIES-encrypted EIP-8 packet (size prefix, then ciphertext)
 * of body to out. */
static int put_eip8(const rlpx *s, const uint8_t pub[64], buf *body, buf *out)
{
	for (unsigned i = 0; i < s->rnd.padding; i++)
		buf_push(body, 0);
	if (buf_failed(body))
		return DURE_ENOMEM;
	size_t size = body->len + ECIES_OVERHEAD;
	if (size > 0xffff)
		return DURE_EINVAL;
	uint8_t prefix[2] = {(uint8_t)(size >> 8), (uint8_t)size};
	size_t start = out->len;
	if (buf_append(out, prefix, 2))
		return DURE_ENOMEM;
	int err = ecies_encrypt_seeded(pub, s->rnd.ecies_key, s->rnd.ecies_iv,
	                               body->data, body->len, prefix, 2, out);
	if (err)
		out->len = start;
	return err;
}

static int make_auth(rlpx *s, const uint8_t remote_pub[64])
{
	uint8_t pub[64], eph_pub[64], shared[32], sig[65];
	int recid, err;

	if ((err = secp_pubkey_create(s->key, pub)) ||
	    (err = secp_pubkey_create(s->rnd.ephemeral_key, eph_pub)) ||
	    (err = secp_ecdh_raw(remote_pub, s->key, shared)))
		return err;
	for (int i = 0; i < 32; i++)
		shared[i] ^= s->rnd.nonce[i];
	err = secp_sign(s->rnd.ephemeral_key, shared, sig, &recid);
	OPENSSL_cleanse(shared, sizeof shared);
	if (err)
		return err;
	sig[64] = (uint8_t)recid;

	buf body = BUF_INIT;
	size_t m = rlp_list_begin(&body);
	rlp_put_bytes(&body, sig, 65);
	rlp_put_bytes(&body, pub, 64);
	rlp_put_bytes(&body, s->rnd.nonce, 32);
	rlp_put_u64(&body, HANDSHAKE_VERSION);
	rlp_list_end(&body, m);
	err = put_eip8(s, remote_pub, &body, &s->out);
	buf_free(&body);
	if (!err && buf_append(&s->sent, s->out.data, s->out.len))
		err = DURE_ENOMEM;
	return err;
}

static int make_ack(rlpx *s, bool eip8, const uint8_t remote_pub[64])
{
	uint8_t eph_pub[64];
	buf body = BUF_INIT;
	int err;

	if ((err = secp_pubkey_create(s->rnd.ephemeral_key, eph_pub)))
		return err;
	if (eip8) {
		size_t m = rlp_list_begin(&body);
		rlp_put_bytes(&body, eph_pub, 64);
		rlp_put_bytes(&body, s->rnd.nonce, 32);
		rlp_put_u64(&body, HANDSHAKE_VERSION);
		rlp_list_end(&body, m);
		err = put_eip8(s, remote_pub, &body, &s->out);
	} else {
		buf_append(&body, eph_pub, 64);
		buf_append(&body, s->rnd.nonce, 32);
		buf_push(&body, 0);
		err = buf_failed(&body)
		          ? DURE_ENOMEM
		          : ecies_encrypt_seeded(remote_pub, s->rnd.ecies_key,
		                                 s->rnd.ecies_iv, body.data, body.len,
		                                 NULL, 0, &s->out);
	}
	buf_free(&body);
	return err;
}

/* Derives the secrets and MAC states once both nonces and ephemeral keys
 * are known; auth and ack are the packets as they went over the wire. */
static int derive(rlpx *s, const uint8_t *auth, size_t authn,
                  const uint8_t *ack, size_t ackn)
{
	uint8_t ecdhe[32], h[64], shared[32], x[32];
	const uint8_t *init_nonce = s->initiator ? s->rnd.nonce : s->remote_nonce;
	const uint8_t *recp_nonce = s->initiator ? s->remote_nonce : s->rnd.nonce;
	keccak_ctx k;
	int err;

	if ((err = secp_ecdh_raw(s->remote_eph, s->rnd.ephemeral_key, ecdhe)))
		return err == DURE_EKEY ? DURE_ERLPX_AUTH : err;
	memcpy(h, recp_nonce, 32);
	memcpy(h + 32, init_nonce, 32);
	keccak256(h, 64, h + 32);
	memcpy(h, ecdhe, 32);
	keccak256(h, 64, shared);
	memcpy(h + 32, shared, 32);
	keccak256(h, 64, s->sec.aes);
	memcpy(h + 32, s->sec.aes, 32);
	keccak256(h, 64, s->sec.mac);

	/* egress-mac / ingress-mac for whichever side we are. */
	for (int i = 0; i < 32; i++)
		x[i] = s->sec.mac[i] ^ recp_nonce[i];
	keccak256_init(&k);
	keccak256_update(&k, x, 32);
	keccak256_update(&k, auth, authn);
	if (s->initiator)
		s->sec.egress_mac = k;
	else
		s->sec.ingress_mac = k;
	for (int i = 0; i < 32; i++)
		x[i] = s->sec.mac[i] ^ init_nonce[i];
	keccak256_init(&k);
	keccak256_update(&k, x, 32);
	keccak256_update(&k, ack, ackn);
	if (s->initiator)
		s->sec.ingress_mac = k;
	else
		s->sec.egress_mac = k;

	OPENSSL_cleanse(ecdhe, sizeof ecdhe);
	OPENSSL_cleanse(h, sizeof h);
	OPENSSL_cleanse(shared, sizeof shared);
	OPENSSL_cleanse(x, sizeof x);
	OPENSSL_cleanse(&k, sizeof k);
	return rlpx_frames_start(s);
}

/* Reads the auth body: sets the remote static and ephemeral keys and its
 * nonce. eip8 selects the RLP form; otherwise the legacy fixed layout. */
static int read_auth(rlpx *s, const uint8_t *p, size_t n, bool eip8)
{
	uint8_t sig[65], shared[32], eph_hash[32];
	rlp_cur c, sub;
	int err;

	if (eip8) {
		/* EIP-8: ignore the version, extra list items and trailing junk. */
		rlp_cur_init(&c, p, n);
		rlp_cur_list(&c, &sub);
		rlp_cur_fixed(&sub, sig, 65);
		rlp_cur_fixed(&sub, s->sec.remote_id, 64);
		rlp_cur_fixed(&sub, s->remote_nonce, 32);
		rlp_cur_skip(&sub);
		if (c.err || sub.err)
			return DURE_ERLPX_AUTH;
	} else {
		if (n != LEGACY_AUTH_BODY)
			return DURE_ERLPX_AUTH;
		memcpy(sig, p, 65);
		memcpy(eph_hash, p + 65, 32);
		memcpy(s->sec.remote_id, p + 97, 64);
		memcpy(s->remote_nonce, p + 161, 32);
	}
	if ((err = secp_ecdh_raw(s->sec.remote_id, s->key, shared)))
		return err == DURE_EKEY ? DURE_ERLPX_AUTH : err;
	for (int i = 0; i < 32; i++)
		shared[i] ^= s->remote_nonce[i];
	err = sig[64] > 3 ? DURE_ESIG
	                  : secp_recover(shared, sig, sig[64], s->remote_eph);
	OPENSSL_cleanse(shared, sizeof shared);
	if (err)
		return DURE_ERLPX_AUTH_SIG;
	if (!eip8) {
		uint8_t h[32];
		keccak256(s->remote_eph, 64, h);
		if (memcmp(h, eph_hash, 32) != 0)
			return DURE_ERLPX_AUTH_SIG;
	}
	s->remote_known = true;
	return DURE_OK;
}

static int read_ack(rlpx *s, const uint8_t *p, size_t n, bool eip8)
{
	if (eip8) {
		rlp_cur c, sub;
		rlp_cur_init(&c, p, n);
		rlp_cur_list(&c, &sub);
		rlp_cur_fixed(&sub, s->remote_eph, 64);
		rlp_cur_fixed(&sub, s->remote_nonce, 32);
		rlp_cur_skip(&sub);
		if (c.err || sub.err)
			return DURE_ERLPX_AUTH;
	} else {
		if (n != LEGACY_ACK_BODY)
			return DURE_ERLPX_AUTH;
		memcpy(s->remote_eph, p, 64);
		memcpy(s->remote_nonce, p + 64, 32);
	}
	return DURE_OK;
}

/* Tries to take one handshake packet from the input. Returns 0 with *len 0
 * if more bytes are needed; otherwise the packet's length on the wire in
 * *len, its plaintext in *plain and whether it was EIP-8 in *eip8. */
static int take_packet(rlpx *s, size_t legacy_size, buf *plain, size_t *len,
                       bool *eip8)
{
	size_t avail = s->in.len - s->in_off;

	*len = 0;
	if (avail < 2)
		return DURE_OK;
	const uint8_t *p = s->in.data + s->in_off;
	if (p[0] == 0x04 && !s->not_legacy) {
		if (avail < legacy_size)
			return DURE_OK;
		if (ecies_decrypt(s->key, p, legacy_size, NULL, 0, plain) ==
		    DURE_OK) {
			*len = legacy_size;
			*eip8 = false;
			return DURE_OK;
		}
		s->not_legacy = true; /* one ECDH per packet, however it trickles */
	}
	size_t size = (size_t)p[0] << 8 | p[1];
	if (size < ECIES_OVERHEAD)
		return DURE_ERLPX_AUTH_SIZE;
	if (avail < 2 + size)
		return DURE_OK;
	int err = ecies_decrypt(s->key, p + 2, size, p, 2, plain);
	if (err)
		return err;
	*len = 2 + size;
	*eip8 = true;
	return DURE_OK;
}

static int handshake_step(rlpx *s)
{
	buf plain = BUF_INIT;
	size_t len;
	bool eip8 = false;
	int err;

	if (s->state == RLPX_WAIT_AUTH) {
		err = take_packet(s, LEGACY_AUTH_SIZE, &plain, &len, &eip8);
		if (!err && len)
			err = read_auth(s, plain.data, plain.len, eip8);
		size_t ack_at = s->out.len;
		if (!err && len)
			err = make_ack(s, eip8, s->sec.remote_id);
		if (!err && len)
			err = derive(s, s->in.data + s->in_off, len,
			             s->out.data + ack_at, s->out.len - ack_at);
	} else {
		err = take_packet(s, LEGACY_ACK_SIZE, &plain, &len, &eip8);
		if (!err && len)
			err = read_ack(s, plain.data, plain.len, eip8);
		if (!err && len)
			err = derive(s, s->sent.data, s->sent.len,
			             s->in.data + s->in_off, len);
	}
	OPENSSL_cleanse(plain.data, plain.len);
	buf_free(&plain);
	if (err)
		return err;
	if (len) {
		s->in_off += len;
		s->ready_pending = true;
		buf_free(&s->sent);
		OPENSSL_cleanse(&s->rnd, sizeof s->rnd);
		OPENSSL_cleanse(s->key, sizeof s->key);
	}
	return DURE_OK;
}

int rlpx_feed(rlpx *s, const uint8_t *p, size_t n)
{
	if (s->state == RLPX_FAILED)
		return s->err;
	/* Drop consumed bytes once they outweigh the unread ones, so the
	 * copying stays linear in what is fed. */
	if (s->in_off && s->in_off >= s->in.len - s->in_off) {
		memmove(s->in.data, s->in.data + s->in_off, s->in.len - s->in_off);
		s->in.len -= s->in_off;
		s->in_off = 0;
	}
	if (buf_append(&s->in, p, n))
		return rlpx_fail(s, DURE_ENOMEM);
	if (s->state == RLPX_WAIT_AUTH || s->state == RLPX_WAIT_ACK) {
		int err = handshake_step(s);
		if (err)
			return rlpx_fail(s, err);
	}
	return DURE_OK;
}

static int draw_rand(rlpx_rand *r)
{
	uint8_t pad[2];
	int err;

	if ((err = crypto_random(r->ephemeral_key, 32)) ||
	    (err = crypto_random(r->nonce, 32)) ||
	    (err = crypto_random(r->ecies_key, 32)) ||
	    (err = crypto_random(r->ecies_iv, 16)) ||
	    (err = crypto_random(pad, 2)))
		return err;
	/* EIP-8 recommends 100..300 bytes of padding to vary the size. */
	r->padding = (uint16_t)(100 + (pad[0] << 8 | pad[1]) % 201);
	return DURE_OK;
}

int rlpx_new_initiator_seeded(const uint8_t key[32],
                              const uint8_t remote_pub[64],
                              const rlpx_rand *rnd, rlpx **out)
{
	rlpx *s = rlpx_alloc();
	int err;

	*out = NULL;
	if (!s)
		return DURE_ENOMEM;
	s->initiator = true;
	s->state = RLPX_WAIT_ACK;
	memcpy(s->key, key, 32);
	s->rnd = *rnd;
	memcpy(s->sec.remote_id, remote_pub, 64);
	s->remote_known = true;
	if ((err = make_auth(s, remote_pub))) {
		rlpx_free(s);
		return err;
	}
	*out = s;
	return DURE_OK;
}

int rlpx_new_initiator(const uint8_t key[32], const uint8_t remote_pub[64],
                       rlpx **out)
{
	rlpx_rand r;
	int err = draw_rand(&r);

	*out = NULL;
	if (!err)
		err = rlpx_new_initiator_seeded(key, remote_pub, &r, out);
	OPENSSL_cleanse(&r, sizeof r);
	return err;
}

int rlpx_new_recipient_seeded(const uint8_t key[32], const rlpx_rand *rnd,
                              rlpx **out)
{
	uint8_t pub[64];
	int err;

	*out = NULL;
	if ((err = secp_pubkey_create(key, pub)) ||
	    (err = secp_pubkey_create(rnd->ephemeral_key, pub)))
		return err;
	rlpx *s = rlpx_alloc();
	if (!s)
		return DURE_ENOMEM;
	s->state = RLPX_WAIT_AUTH;
	memcpy(s->key, key, 32);
	s->rnd = *rnd;
	*out = s;
	return DURE_OK;
}

int rlpx_new_recipient(const uint8_t key[32], rlpx **out)
{
	rlpx_rand r;
	int err = draw_rand(&r);

	*out = NULL;
	if (!err)
		err = rlpx_new_recipient_seeded(key, &r, out);
	OPENSSL_cleanse(&r, sizeof r);
	return err;
}

int rlpx_new_session(const rlpx_secrets *sec, rlpx **out)
{
	rlpx *s = rlpx_alloc();
	int err;

	*out = NULL;
	if (!s)
		return DURE_ENOMEM;
	s->sec = *sec;
	s->remote_known = true;
	if ((err = rlpx_frames_start(s))) {
		rlpx_free(s);
		return err;
	}
	s->ready_pending = true;
	*out = s;
	return DURE_OK;
}
