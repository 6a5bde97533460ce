/* RLPx frames: one message per frame, after the handshake.
 *
 *   +--------------------------------+----------------+
 *   | header ciphertext (16)         | header-mac (16)|
 *   +--------------------------------+----------------+
 *   | frame ciphertext (frame-size rounded up to 16)  | frame-mac (16)
 *   +-------------------------------------------------+----------------+
 *
 *   header (plaintext) = frame-size (3, big-endian)
 *                        || header-data = rlp([capability-id, context-id])
 *                           (we send [0, 0] = c2 80 80; on receipt ignored)
 *                        || zero padding to 16 bytes
 *   frame  (plaintext) = rlp(msg-id) || msg-data || zero padding to 16
 *   frame-size = length of rlp(msg-id) || msg-data, without the padding;
 *   msg-data is snappy-compressed once the base protocol turns snappy on.
 *
 * Both directions encrypt with AES-256-CTR(aes-secret, iv = 0), a keystream
 * that runs on across headers and frames. The MACs are running keccak
 * states (egress over what we send, ingress over what we receive):
 *
 *   header-mac = keccak.update(aes-ecb(mac-secret, digest[:16])
 *                              ^ header-ciphertext).digest[:16]
 *   frame-mac  = keccak.update(frame-ciphertext), then
 *                keccak.update(aes-ecb(mac-secret, digest[:16])
 *                              ^ digest[:16]).digest[:16]
 */
#include <openssl/crypto.h>
#include <snappy-c.h>
#include <string.h>

#include "net/rlpx_impl.h"
#include "rlp/rlp.h"

static const uint8_t zero_iv[16];

void rlpx_frames_stop(rlpx *s)
{
	EVP_CIPHER_CTX_free(s->enc);
	EVP_CIPHER_CTX_free(s->dec);
	EVP_CIPHER_CTX_free(s->ecb);
	s->enc = s->dec = s->ecb = NULL;
}

int rlpx_frames_start(rlpx *s)
{
	s->enc = EVP_CIPHER_CTX_new();
	s->dec = EVP_CIPHER_CTX_new();
	s->ecb = EVP_CIPHER_CTX_new();
	if (!s->enc || !s->dec || !s->ecb) {
		rlpx_frames_stop(s);
		return DURE_ENOMEM;
	}
	if (!EVP_EncryptInit_ex(s->enc, EVP_aes_256_ctr(), NULL, s->sec.aes,
	                        zero_iv) ||
	    !EVP_EncryptInit_ex(s->dec, EVP_aes_256_ctr(), NULL, s->sec.aes,
	                        zero_iv) ||
	    !EVP_EncryptInit_ex(s->ecb, EVP_aes_256_ecb(), NULL, s->sec.mac,
	                        NULL) ||
	    !EVP_CIPHER_CTX_set_padding(s->ecb, 0)) {
		rlpx_frames_stop(s);
		return DURE_EIO;
	}
	s->state = RLPX_FRAMES;
	return DURE_OK;
}

void rlpx_set_snappy(rlpx *s, bool on)
{
	s->snappy = on;
}

void rlpx_set_max_frame(rlpx *s, size_t max)
{
	s->max_frame = max > RLPX_MAX_FRAME ? RLPX_MAX_FRAME : max;
}

/* p[0..n) ^= the next n bytes of the CTR keystream of ctx, in place. */
static int ctr(EVP_CIPHER_CTX *ctx, uint8_t *p, size_t n)
{
	while (n) {
		int chunk = n > (1u << 30) ? (1 << 30) : (int)n;
		int outl;
		if (!EVP_EncryptUpdate(ctx, p, &outl, p, chunk))
			return DURE_EIO;
		p += chunk;
		n -= (size_t)chunk;
	}
	return DURE_OK;
}

/* The MAC step both headers and frames share: absorbs
 * aes-ecb(mac-secret, digest[:16]) ^ seed into k and writes the new
 * digest[:16] to mac. */
static int mac_step(rlpx *s, keccak_ctx *k, const uint8_t seed[16],
                    uint8_t mac[16])
{
	uint8_t d[32], e[16];
	int outl;

	keccak256_final(k, d);
	if (!EVP_EncryptUpdate(s->ecb, e, &outl, d, 16) || outl != 16)
		return DURE_EIO;
	for (int i = 0; i < 16; i++)
		e[i] ^= seed[i];
	keccak256_update(k, e, 16);
	keccak256_final(k, d);
	memcpy(mac, d, 16);
	return DURE_OK;
}

static int header_mac(rlpx *s, keccak_ctx *k, const uint8_t ct[16],
                      uint8_t mac[16])
{
	return mac_step(s, k, ct, mac);
}

static int frame_mac(rlpx *s, keccak_ctx *k, const uint8_t *ct, size_t n,
                     uint8_t mac[16])
{
	uint8_t d[32];

	keccak256_update(k, ct, n);
	keccak256_final(k, d);
	return mac_step(s, k, d, mac);
}

static size_t padded(size_t n)
{
	return (n + 15) & ~(size_t)15;
}

int rlpx_write_msg(rlpx *s, uint64_t msg_id, const uint8_t *p, size_t n)
{
	if (s->state == RLPX_FAILED)
		return s->err;
	if (s->state != RLPX_FRAMES)
		return DURE_ERLPX_STATE;
	if (n > RLPX_MAX_MSG)
		return DURE_ERLPX_MSG_SIZE;

	/* Lay the frame out in place after a 32-byte hole for the header, so
	 * a size error can still be undone before the ciphers move. */
	size_t body_max = 9 + (s->snappy ? snappy_max_compressed_length(n) : n);
	size_t start = s->out.len;
	if (buf_reserve(&s->out, 32 + padded(body_max) + 16))
		return DURE_ENOMEM;
	s->out.len += 32;
	rlp_put_u64(&s->out, msg_id);
	if (s->snappy) {
		size_t cn = s->out.cap - s->out.len;
		if (snappy_compress((const char *)p, n,
		                    (char *)s->out.data + s->out.len,
		                    &cn) != SNAPPY_OK) {
			s->out.len = start;
			return DURE_ENOMEM;
		}
		s->out.len += cn;
	} else {
		buf_append(&s->out, p, n);
	}
	size_t size = s->out.len - start - 32;
	if (size > s->max_frame) {
		s->out.len = start;
		return DURE_ERLPX_FRAME_SIZE;
	}
	size_t pn = padded(size);
	memset(s->out.data + s->out.len, 0, pn - size);
	s->out.len = start + 32 + pn;

	uint8_t *h = s->out.data + start;
	uint8_t *f = h + 32;
	memset(h, 0, 16);
	h[0] = (uint8_t)(size >> 16);
	h[1] = (uint8_t)(size >> 8);
	h[2] = (uint8_t)size;
	h[3] = 0xc2;
	h[4] = 0x80;
	h[5] = 0x80;
	uint8_t fmac[16];
	int err;
	if ((err = ctr(s->enc, h, 16)) ||
	    (err = header_mac(s, &s->sec.egress_mac, h, h + 16)) ||
	    (err = ctr(s->enc, f, pn)) ||
	    (err = frame_mac(s, &s->sec.egress_mac, f, pn, fmac)))
		return rlpx_fail(s, err);
	buf_append(&s->out, fmac, 16);
	return DURE_OK;
}

/* Decompresses *data into s->msg and points *data at it. On failure *data
 * and *n are left as they were. */
static int unsnap(rlpx *s, const uint8_t **data, size_t *n)
{
	size_t un;
	/* The claimed size is checked before anything is allocated. */
	if (snappy_uncompressed_length((const char *)*data, *n, &un) != SNAPPY_OK)
		return DURE_ERLPX_SNAPPY;
	if (un > RLPX_MAX_MSG)
		return DURE_ERLPX_MSG_SIZE;
	buf_reset(&s->msg);
	if (buf_reserve(&s->msg, un ? un : 1))
		return DURE_ENOMEM;
	if (snappy_uncompress((const char *)*data, *n, (char *)s->msg.data,
	                      &un) != SNAPPY_OK)
		return DURE_ERLPX_SNAPPY;
	s->msg.len = un;
	*data = s->msg.data;
	*n = un;
	return DURE_OK;
}

/* Decodes the frame in s->plain (size bytes) into ev. */
static int open_msg(rlpx *s, size_t size, rlpx_event *ev)
{
	if (size == 0)
		return DURE_ERLPX_MSG_ID;
	rlp_cur c;
	rlp_cur_init(&c, s->plain.data, size);
	uint64_t id = rlp_cur_u64(&c);
	if (c.err)
		return DURE_ERLPX_MSG_ID;
	const uint8_t *data = c.p;
	size_t n = (size_t)(s->plain.data + size - c.p);

	if (s->snappy) {
		int err = unsnap(s, &data, &n);
		/* Some peers (ethereumjs) send their Disconnect uncompressed even
		 * after snappy was agreed; a goodbye is worth reading as it is. */
		if (err && id != RLPX_DISCONNECT_ID)
			return err;
	}
	ev->type = RLPX_EV_MSG;
	ev->msg_id = id;
	ev->data = data;
	ev->len = n;
	return DURE_OK;
}

int rlpx_next_event(rlpx *s, rlpx_event *ev)
{
	memset(ev, 0, sizeof *ev);
	if (s->state == RLPX_FAILED)
		return s->err;
	if (s->ready_pending) {
		s->ready_pending = false;
		ev->type = RLPX_EV_READY;
		return DURE_OK;
	}
	if (s->state != RLPX_FRAMES)
		return DURE_OK;

	size_t avail = s->in.len - s->in_off;
	if (avail == 0)
		return DURE_OK;
	uint8_t *p = s->in.data + s->in_off;
	uint8_t mac[16];
	int err;

	if (!s->have_header) {
		if (avail < 32)
			return DURE_OK;
		if ((err = header_mac(s, &s->sec.ingress_mac, p, mac)))
			return rlpx_fail(s, err);
		if (CRYPTO_memcmp(mac, p + 16, 16) != 0)
			return rlpx_fail(s, DURE_ERLPX_HEADER_MAC);
		uint8_t h[16];
		memcpy(h, p, 16);
		if ((err = ctr(s->dec, h, 16)))
			return rlpx_fail(s, err);
		s->frame_size = (size_t)h[0] << 16 | (size_t)h[1] << 8 | h[2];
		if (s->frame_size > s->max_frame)
			return rlpx_fail(s, DURE_ERLPX_FRAME_SIZE);
		s->have_header = true;
		s->in_off += 32;
		p += 32;
		avail -= 32;
	}
	size_t pn = padded(s->frame_size);
	if (avail < pn + 16)
		return DURE_OK;
	if ((err = frame_mac(s, &s->sec.ingress_mac, p, pn, mac)))
		return rlpx_fail(s, err);
	if (CRYPTO_memcmp(mac, p + pn, 16) != 0)
		return rlpx_fail(s, DURE_ERLPX_FRAME_MAC);
	buf_reset(&s->plain);
	if (buf_append(&s->plain, p, pn))
		return rlpx_fail(s, DURE_ENOMEM);
	if ((err = ctr(s->dec, s->plain.data, pn)))
		return rlpx_fail(s, err);
	s->in_off += pn + 16;
	s->have_header = false;
	if ((err = open_msg(s, s->frame_size, ev))) {
		memset(ev, 0, sizeof *ev);
		return rlpx_fail(s, err);
	}
	return DURE_OK;
}
