/* Fuzz target for the EVM interpreter: random bytecode run on the in-memory
 * fake host of the unit tests, with nested calls and creates enabled.
 *
 *   byte 0      fork (modulo the number of forks)
 *   byte 1      calldata length n (at most what remains)
 *   rest        code, then the last n bytes are calldata
 *
 * Every run must end with a defined status, gas_left within [0, gas] (0
 * unless SUCCESS or REVERT), and no output unless SUCCESS or REVERT;
 * anything else aborts. Gas is 1,000,000, which also bounds memory.
 *
 * The code runs twice: untraced, where the interpreter charges base gas
 * and checks the stack once per basic block, and traced, where it does
 * both per instruction. The two must agree on whether the frame failed
 * exceptionally, on the gas left, the refund and the output. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#include "../tests/unit/evm_fakehost.h"

#define FUZZ_GAS 1000000

static evm_result run_once(fork rev, const uint8_t *code, size_t code_size,
                           const uint8_t *input, size_t n, bool traced)
{
	fakehost h;
	fh_init(&h, rev);
	address self = fh_addr(FH_SELF), other = fh_addr(0x20);
	fh_set_balance(&h, &self, 1000000);
	/* A second account running the same code, so calls to it recurse. */
	fh_set_code(&h, &other, code, code_size);
	fh_preset_storage(&h, &self, 0, 1);
	evm_host host = fh_host_table;
	if (traced)
		host.trace = fh_trace;
	evm_result r = fh_run_host(&h, &host, code, code_size, FUZZ_GAS, input, n);
	fh_free(&h);
	return r;
}

static bool keeps_gas(const evm_result *r)
{
	return r->status == EVM_SUCCESS || r->status == EVM_REVERT;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	fork rev = (fork)(data[0] % FORK_COUNT_);
	size_t rest = size - 2;
	size_t n = data[1] < rest ? data[1] : rest;
	const uint8_t *code = data + 2;
	size_t code_size = rest - n;

	evm_result r = run_once(rev, code, code_size, code + code_size, n, false);
	if (r.status < EVM_SUCCESS || r.status > EVM_INTERNAL_ERROR ||
	    r.status == EVM_INTERNAL_ERROR || r.gas_left < 0 ||
	    r.gas_left > FUZZ_GAS || (!keeps_gas(&r) && r.gas_left != 0) ||
	    (!keeps_gas(&r) && r.output_size != 0) ||
	    (r.status != EVM_SUCCESS && r.gas_refund != 0))
		abort();
	evm_result t = run_once(rev, code, code_size, code + code_size, n, true);
	if (keeps_gas(&t) != keeps_gas(&r) ||
	    (keeps_gas(&r) && t.status != r.status) || t.gas_left != r.gas_left ||
	    t.gas_refund != r.gas_refund || t.output_size != r.output_size ||
	    (r.output_size && memcmp(t.output, r.output, r.output_size) != 0))
		abort();
	evm_result_release(&r);
	evm_result_release(&t);
	return 0;
}
