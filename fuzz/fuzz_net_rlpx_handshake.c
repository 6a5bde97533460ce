/* Fuzz target for the RLPx recipient: arbitrary bytes as the auth packet
 * (both the EIP-8 and the legacy decode paths), fed whole or in chunks.
 *
 * The recipient's static key is node B of the EIP-8 test vectors, so the
 * vectors in the corpus decrypt and the fuzzer can explore past ECIES.
 * Input: byte 0 picks the chunk size (0 = all at once); the rest is fed.
 * Invariants: no crash; once failed, a session stays failed with the same
 * error; a completed handshake knows the remote id and queued an ack. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "net/rlpx.h"

static const uint8_t key_b[32] = {
	0xb7, 0x1c, 0x71, 0xa6, 0x7e, 0x11, 0x77, 0xad, 0x4e, 0x90, 0x16,
	0x95, 0xe1, 0xb4, 0xb9, 0xee, 0x17, 0xae, 0x16, 0xc6, 0x66, 0x8d,
	0x31, 0x3e, 0xac, 0x2f, 0x96, 0xdb, 0xcd, 0xa3, 0xf2, 0x91};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t chunk = data[0] ? data[0] : size;
	data++;
	size--;

	rlpx_rand rnd;
	memset(&rnd, 0x31, sizeof rnd);
	rnd.padding = 100;
	rlpx *s;
	if (rlpx_new_recipient_seeded(key_b, &rnd, &s))
		abort();
	int err = 0;
	for (size_t off = 0; off < size && !err; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;
		err = rlpx_feed(s, data + off, n);
	}
	if (err) {
		if (rlpx_get_state(s) != RLPX_FAILED || rlpx_feed(s, data, 0) != err)
			abort();
	} else if (rlpx_get_state(s) == RLPX_FRAMES) {
		size_t n;
		uint8_t *out = rlpx_take_output(s, &n);
		if (!out || !rlpx_remote_id(s))
			abort();
		free(out);
		rlpx_event ev;
		if (rlpx_next_event(s, &ev) || ev.type != RLPX_EV_READY)
			abort();
		while (!rlpx_next_event(s, &ev) && ev.type != RLPX_EV_NONE)
			;
	} else if (rlpx_get_state(s) != RLPX_WAIT_AUTH) {
		abort();
	}
	rlpx_free(s);
	return 0;
}
