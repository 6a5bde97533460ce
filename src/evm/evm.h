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

/* Analysed code: a padded copy, the copy dispatch reads (with fused
 * instruction pairs), its jump-destination bitmap and its basic blocks with
 * their base gas at one fork. Immutable once built, so one
 * evm_code may serve any number of executions, nested or not, of the same
 * bytecode at that fork. */
typedef struct evm_code evm_code;

/* Copies code[0, n) and analyses it for fork rev. Returns 0 and *out (free
 * with evm_code_free), or DURE_ENOMEM with *out NULL. code may be NULL if n
 * is 0. Takes about 10 bytes of memory per code byte. */
DURE_WUR int evm_code_new(const uint8_t *code, size_t n, fork rev,
                          evm_code **out);

/* Frees c; NULL is a no-op. */
void evm_code_free(evm_code *c);

/* Like evm_execute, with the code analysed beforehand by evm_code_new for
 * the same fork rev (another fork's analysis gives EVM_INTERNAL_ERROR).
 * Set-up per call is then only the frame itself. */
evm_result evm_execute_code(const evm_host *host, void *host_ctx, fork rev,
                            const evm_message *msg, const evm_code *code);

#endif
