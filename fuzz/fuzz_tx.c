/* Fuzzes the transaction decoder. Whatever tx_decode accepts must encode
 * back to exactly the input (the decoder is canonical, so a tx hash is the
 * hash of the bytes that arrived), hash to keccak256 of the input, and go
 * through sender recovery, intrinsic gas and validation at every fork
 * without crashing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chain/tx.h"
#include "crypto/keccak.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tx t;
	if (tx_decode(data, size, &t) != DURE_OK)
		return 0;
	buf b = BUF_INIT;
	if (tx_encode(&t, &b) != DURE_OK || b.len != size ||
	    memcmp(b.data, data, size) != 0)
		abort();
	buf_free(&b);

	h256 h;
	uint8_t want[32];
	keccak256(data, size, want);
	if (tx_hash(&t, &h) != DURE_OK || memcmp(h.b, want, 32) != 0)
		abort();
	if (tx_signing_hash(&t, &h) != DURE_OK)
		abort();
	address from;
	if (tx_sender(&t, &from) != DURE_OK && !address_eq(&from, &(address){{0}}))
		abort();
	for (int f = FORK_FRONTIER; f < FORK_COUNT_; f++) {
		uint64_t gas;
		if (tx_intrinsic_gas(&t, (fork)f, &gas) != DURE_OK)
			abort();
		if (tx_validate(&t, (fork)f) == DURE_OK && gas > t.gas_limit)
			abort();
	}
	if (tx_check_chain_id(&t, 1) != DURE_OK && t.chain_id == 1)
		abort();
	tx_free(&t);
	return 0;
}
