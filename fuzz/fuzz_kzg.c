/* libFuzzer target for the EIP-4844 point evaluation check: 160 bytes are
 * commitment (48) | z (32) | y (32) | proof (48), as in the precompile input
 * after its versioned hash. Shorter inputs are zero-padded, longer ones cut.
 * kzg_verify_proof must return an error or a verdict, never crash, and never
 * report success on an error. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/kzg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t in[160] = {0};
	memcpy(in, data, size < sizeof in ? size : sizeof in);
	bool ok = true;
	int err = kzg_verify_proof(in, in + 48, in + 80, in + 112, &ok);
	if (err != DURE_OK && ok)
		abort();
	return 0;
}
