/* RLPx transport (devp2p rlpx.md, EIP-8): the ECIES handshake that agrees
 * on session keys, then AES-256-CTR frames authenticated by keccak MACs.
 *
 * A session is a state machine with no sockets, clocks or threads. The
 * caller moves bytes:
 *   - rlpx_feed() hands it bytes read from the peer;
 *   - rlpx_take_output() hands back bytes to write to the peer;
 *   - rlpx_next_event() yields "handshake done" once, then each received
 *     message in order, one frame at a time.
 * After every rlpx_feed(), drain rlpx_next_event() until RLPX_EV_NONE, then
 * send what rlpx_take_output() returns. Frames are decoded only as events
 * are asked for, so the input kept is at most one frame plus what was fed.
 *
 * Any error (from a peer's bytes or a call) ends the session: its state
 * becomes RLPX_FAILED, and every later feed, event or write returns the
 * same error. Timeouts belong to the caller; rlpx_get_state() tells it
 * whether the handshake is still pending. */
#ifndef DURE_NET_RLPX_H
#define DURE_NET_RLPX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "crypto/keccak.h"

/* The frame-size field is 24 bits; this is also the default cap. */
#define RLPX_MAX_FRAME 0xffffffu
/* Largest message (after snappy decompression) a session accepts or
 * writes: the limit rlpx.md sets for snappy data, 16 MiB. */
#define RLPX_MAX_MSG (16u << 20)

/* Message id of the base protocol's Disconnect: the one message a session
 * accepts uncompressed after snappy is on (see rlpx_frame.c). */
#define RLPX_DISCONNECT_ID 0x01

typedef struct rlpx rlpx;

typedef enum rlpx_state {
	RLPX_WAIT_AUTH,  /* recipient: waiting for the initiator's auth */
	RLPX_WAIT_ACK,   /* initiator: auth queued, waiting for the ack */
	RLPX_FRAMES,     /* handshake done: frames both ways */
	RLPX_FAILED,     /* ended by an error */
} rlpx_state;

/* The randomness one handshake consumes. The plain constructors draw it
 * from the system CSPRNG; the _seeded ones take it from the caller, for
 * reproducible tests and fuzzing only. */
typedef struct rlpx_rand {
	uint8_t ephemeral_key[32]; /* secp256k1 key for this session's ECDHE */
	uint8_t nonce[32];
	uint8_t ecies_key[32];     /* ECIES ephemeral key of our auth/ack */
	uint8_t ecies_iv[16];
	uint16_t padding;          /* EIP-8 junk bytes after our auth/ack body */
} rlpx_rand;

/* What both ends derive from a handshake. Exposed so that a session can be
 * rebuilt from known keys (tests, fuzzing) with rlpx_new_session; secret. */
typedef struct rlpx_secrets {
	uint8_t aes[32];         /* AES-256-CTR key of both directions */
	uint8_t mac[32];         /* AES-256-ECB key of the MAC updates */
	keccak_ctx egress_mac;   /* running MAC of what we send */
	keccak_ctx ingress_mac;  /* running MAC of what we receive */
	uint8_t remote_id[64];   /* the peer's static public key (node id) */
} rlpx_secrets;

typedef enum rlpx_event_type {
	RLPX_EV_NONE,     /* nothing more until more bytes are fed */
	RLPX_EV_READY,    /* handshake done; remote id known, writes allowed */
	RLPX_EV_MSG,      /* one message: id and payload */
} rlpx_event_type;

typedef struct rlpx_event {
	rlpx_event_type type;
	uint64_t msg_id;      /* RLPX_EV_MSG: the frame's message id */
	const uint8_t *data;  /* RLPX_EV_MSG: payload, decompressed if snappy is
	                       * on; owned by the session and valid until the
	                       * next call on it */
	size_t len;
} rlpx_event;

/* Starts a session that connects to the node whose public key (node id) is
 * remote_pub, with our static key `key`. The EIP-8 auth packet is queued
 * at once (rlpx_take_output). On success *out is a new session the caller
 * frees with rlpx_free. Returns 0, DURE_EKEY for a bad key or remote_pub,
 * DURE_ENOMEM, DURE_EIO (CSPRNG); *out is NULL on failure. */
DURE_WUR int rlpx_new_initiator(const uint8_t key[32],
                                const uint8_t remote_pub[64], rlpx **out);
DURE_WUR int rlpx_new_initiator_seeded(const uint8_t key[32],
                                       const uint8_t remote_pub[64],
                                       const rlpx_rand *rnd, rlpx **out);

/* Starts a session that accepted a connection, with our static key. It
 * answers the auth it is fed with an ack in the auth's format (EIP-8 or
 * the legacy one). Returns as rlpx_new_initiator. */
DURE_WUR int rlpx_new_recipient(const uint8_t key[32], rlpx **out);
DURE_WUR int rlpx_new_recipient_seeded(const uint8_t key[32],
                                       const rlpx_rand *rnd, rlpx **out);

/* Starts a session already in RLPX_FRAMES with the given secrets (copied).
 * Its first event is RLPX_EV_READY. Returns 0 or DURE_ENOMEM / DURE_EIO. */
DURE_WUR int rlpx_new_session(const rlpx_secrets *sec, rlpx **out);

/* Frees s and wipes its keys. NULL is allowed. */
void rlpx_free(rlpx *s);

rlpx_state rlpx_get_state(const rlpx *s);

/* The peer's 64-byte node id, or NULL before the handshake has found it. */
const uint8_t *rlpx_remote_id(const rlpx *s);

/* Writes the session's current secrets and MAC states to *out. Returns 0,
 * or DURE_ERLPX_STATE (out zeroed) before the handshake is done. */
DURE_WUR int rlpx_get_secrets(const rlpx *s, rlpx_secrets *out);

/* Appends n bytes received from the peer and runs the handshake as far as
 * they allow. Returns 0 (also when more bytes are needed), or the error that
 * ended the session: DURE_ERLPX_AUTH_SIZE, DURE_ERLPX_AUTH,
 * DURE_ERLPX_AUTH_SIG, DURE_EECIES_*, DURE_EKEY, DURE_ENOMEM. */
DURE_WUR int rlpx_feed(rlpx *s, const uint8_t *p, size_t n);

/* Takes the next event into *ev (type RLPX_EV_NONE if there is none yet).
 * Returns 0 or the error that ended the session: DURE_ERLPX_HEADER_MAC,
 * DURE_ERLPX_FRAME_MAC, DURE_ERLPX_FRAME_SIZE, DURE_ERLPX_MSG_ID,
 * DURE_ERLPX_MSG_SIZE, DURE_ERLPX_SNAPPY, DURE_ENOMEM; *ev is NONE then. */
DURE_WUR int rlpx_next_event(rlpx *s, rlpx_event *ev);

/* Takes the bytes queued for the peer: returns them (the caller frees
 * them) and their count in *n, or NULL and 0 if none are queued. */
uint8_t *rlpx_take_output(rlpx *s, size_t *n);

/* Queues one message as a frame: the id as an RLP integer, then payload
 * p[0..n) (snappy-compressed when snappy is on). Returns 0,
 * DURE_ERLPX_STATE before the handshake is done, DURE_ERLPX_MSG_SIZE if n
 * exceeds RLPX_MAX_MSG, DURE_ERLPX_FRAME_SIZE if the frame would exceed the
 * cap, DURE_ENOMEM. Size errors leave the session usable. */
DURE_WUR int rlpx_write_msg(rlpx *s, uint64_t msg_id, const uint8_t *p,
                            size_t n);

/* Turns snappy compression of message payloads on or off, both ways, from
 * the next frame on. The devp2p base protocol turns it on after Hello when
 * both sides speak p2p version 5 or later. */
void rlpx_set_snappy(rlpx *s, bool on);

/* Sets the largest frame (the frame-size field) this session accepts or
 * writes; values above RLPX_MAX_FRAME are clamped to it. */
void rlpx_set_max_frame(rlpx *s, size_t max);

#endif
