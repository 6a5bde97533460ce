/* Fuzz target for the EVM interpreter: random bytecode run on the in-memory
 * fake host of the unit tests, with nested calls and creates enabled.
 *
 *   byte 0      fork (modulo the number of forks)
 *   byte 1      calldata length n (at most what remains)
 *   rest        code, then the last n bytes are calldata
 *
 * Every run must end with a defined status, gas_left within [0, gas] (0
 * unless SUCCESS or REVERT), and no output unless SUCCESS or REVERT;
 * anything else aborts. Gas is 1,000,000, which also bounds memory. */
#include <stdlib.h>

#include "fuzz.h"

#include "../tests/unit/evm_fakehost.h"

#define FUZZ_GAS 1000000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	fork rev = (fork)(data[0] % FORK_COUNT_);
	size_t rest = size - 2;
	size_t n = data[1] < rest ? data[1] : rest;
	const uint8_t *code = data + 2;
	size_t code_size = rest - n;

	fakehost h;
	fh_init(&h, rev);
	address self = fh_addr(FH_SELF), other = fh_addr(0x20);
	fh_set_balance(&h, &self, 1000000);
	/* A second account running the same code, so calls to it recurse. */
	fh_set_code(&h, &other, code, code_size);
	fh_preset_storage(&h, &self, 0, 1);
	evm_result r = fh_run(&h, code, code_size, FUZZ_GAS, code + code_size, n);
	bool keeps_gas = r.status == EVM_SUCCESS || r.status == EVM_REVERT;
	if (r.status < EVM_SUCCESS || r.status > EVM_INTERNAL_ERROR ||
	    r.status == EVM_INTERNAL_ERROR || r.gas_left < 0 ||
	    r.gas_left > FUZZ_GAS || (!keeps_gas && r.gas_left != 0) ||
	    (!keeps_gas && r.output_size != 0) ||
	    (r.status != EVM_SUCCESS && r.gas_refund != 0))
		abort();
	evm_result_release(&r);
	fh_free(&h);
	return 0;
}
