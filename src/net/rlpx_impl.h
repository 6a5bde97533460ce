/* Internals shared by rlpx_handshake.c and rlpx_frame.c; not a public API. */
#ifndef DURE_NET_RLPX_IMPL_H
#define DURE_NET_RLPX_IMPL_H

#include <openssl/evp.h>

#include "base/buf.h"
#include "net/rlpx.h"

struct rlpx {
	rlpx_state state;
	int err;               /* the error that failed the session */
	bool initiator;
	bool ready_pending;    /* RLPX_EV_READY not yet reported */
	bool remote_known;     /* sec.remote_id is set */

	/* handshake */
	uint8_t key[32];       /* our static key */
	rlpx_rand rnd;
	uint8_t remote_eph[64];
	uint8_t remote_nonce[32];
	buf sent;              /* initiator: the auth packet, for the MACs */
	bool not_legacy;       /* the packet being read failed as legacy */

	/* frames */
	rlpx_secrets sec;
	EVP_CIPHER_CTX *enc;   /* AES-256-CTR egress keystream */
	EVP_CIPHER_CTX *dec;   /* AES-256-CTR ingress keystream */
	EVP_CIPHER_CTX *ecb;   /* AES-256-ECB(mac secret) for MAC updates */
	bool snappy;
	size_t max_frame;
	bool have_header;      /* header of the next frame already consumed */
	size_t frame_size;     /* its frame-size field */

	buf in;                /* received bytes; in.data[in_off..] unread */
	size_t in_off;
	buf out;               /* bytes for the peer */
	buf plain;             /* last decrypted frame */
	buf msg;               /* last decompressed payload */
};

/* Allocates a zeroed session with empty buffers; NULL if out of memory. */
rlpx *rlpx_alloc(void);

/* Creates the frame ciphers from s->sec and enters RLPX_FRAMES. Returns 0
 * or DURE_EIO / DURE_ENOMEM. */
DURE_WUR int rlpx_frames_start(rlpx *s);

/* Frees the frame ciphers (NULLs them). */
void rlpx_frames_stop(rlpx *s);

/* Ends the session with err (non-zero) and returns it. */
int rlpx_fail(rlpx *s, int err);

#endif
