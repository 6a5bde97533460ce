/* Precompiled contracts 0x01..0x0a.
 *
 * Which addresses are precompiles depends on the fork: 0x01-0x04 from
 * Frontier (ecrecover, sha256, ripemd160, identity), 0x05-0x08 from
 * Byzantium (modexp, bn254 add, mul, pairing), 0x09 from Istanbul (blake2f),
 * 0x0a from Cancun (KZG point evaluation). The host runs them in place of
 * code when a call's code address is one; value transfer and state
 * snapshots stay the host's. */
#ifndef DURE_EVM_PRECOMPILES_H
#define DURE_EVM_PRECOMPILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/bytes.h"
#include "evm/fork.h"
#include "evm/host.h"

/* True if a is a precompile at fork rev. */
bool evm_is_precompile(const address *a, fork rev);

/* Runs precompile a (which must satisfy evm_is_precompile) on in[0, n) with
 * gas available, charging its gas first.
 * Returns SUCCESS with gas_left and the output (owned by the result; release
 * with evm_result_release), OUT_OF_GAS when the cost exceeds gas, or
 * PRECOMPILE_FAILURE for invalid input; on either failure gas_left is 0 and
 * there is no output. A failed internal allocation gives INTERNAL_ERROR.
 * ecrecover with an unrecoverable signature is a success with empty output,
 * as the Yellow Paper specifies. */
evm_result evm_run_precompile(const address *a, fork rev, const uint8_t *in,
                              size_t n, int64_t gas);

#endif
