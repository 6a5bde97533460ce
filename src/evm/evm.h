/* The EVM interpreter: runs one call frame. */
#ifndef DURE_EVM_EVM_H
#define DURE_EVM_EVM_H

#include "evm/host.h"

/* Executes code for msg under the rules of fork rev. Nested frames go through
 * host->call, which normally calls evm_execute again.
 * Returns the frame's result; the caller releases it with
 * evm_result_release. The interpreter does not apply the EIP-3529 refund cap
 * or pay for code deposit: those belong to the transaction and to the host's
 * create. */
evm_result evm_execute(const evm_host *host, void *host_ctx, fork rev,
                       const evm_message *msg, const uint8_t *code,
                       size_t code_size);

#endif
