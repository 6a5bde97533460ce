/* The EVM's only window on the world.
 *
 * The interpreter runs one call frame over one piece of code. Everything
 * outside that frame (accounts, storage, logs, nested calls and creates, the
 * block) it reaches through an evm_host: a table of functions plus an opaque
 * context supplied by the caller. The state transition (chain layer)
 * implements the host over the journaled state; tests implement small fakes.
 *
 * Nested CALL/CREATE go through host->call: the host snapshots state,
 * transfers value, runs a precompile or a new interpreter frame, and reverts
 * on failure. The interpreter itself charges all gas that the EVM charges
 * before a call (memory, access, value, new account, the 63/64 rule) and adds
 * the stipend; the host charges nothing. */
#ifndef DURE_EVM_HOST_H
#define DURE_EVM_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/bytes.h"
#include "evm/fork.h"
#include "u256/u256.h"

typedef enum evm_call_kind {
	EVM_CALL = 0,
	EVM_DELEGATECALL,
	EVM_CALLCODE,
	EVM_CREATE,
	EVM_CREATE2,
} evm_call_kind;

typedef enum evm_status {
	EVM_SUCCESS = 0,
	EVM_REVERT,                  /* REVERT: state reverted, gas left returned */
	EVM_OUT_OF_GAS,
	EVM_INVALID_INSTRUCTION,     /* the designated INVALID opcode 0xfe */
	EVM_UNDEFINED_INSTRUCTION,
	EVM_STACK_OVERFLOW,
	EVM_STACK_UNDERFLOW,
	EVM_BAD_JUMP_DESTINATION,
	EVM_INVALID_MEMORY_ACCESS,   /* RETURNDATACOPY past the return data */
	EVM_CALL_DEPTH_EXCEEDED,
	EVM_STATIC_MODE_VIOLATION,
	EVM_PRECOMPILE_FAILURE,
	EVM_CONTRACT_VALIDATION_FAILURE, /* code starting with 0xEF (EIP-3541) */
	EVM_ARGUMENT_OUT_OF_RANGE,
	EVM_INSUFFICIENT_BALANCE,
	EVM_INTERNAL_ERROR,
} evm_status;

/* One call frame's inputs. */
typedef struct evm_message {
	evm_call_kind kind;
	bool is_static;          /* STATICCALL or inside one */
	int32_t depth;           /* 0 for the transaction's own frame */
	int64_t gas;
	address recipient;       /* account whose storage and balance are used */
	address sender;          /* CALLER */
	address code_address;    /* account whose code runs (differs for
	                            DELEGATECALL/CALLCODE) */
	const uint8_t *input;    /* calldata, or initcode for creates */
	size_t input_size;
	u256 value;              /* CALLVALUE (apparent value for DELEGATECALL) */
	h256 create2_salt;
} evm_message;

/* One call frame's outcome. */
typedef struct evm_result {
	evm_status status;
	int64_t gas_left;        /* meaningful for SUCCESS and REVERT */
	int64_t gas_refund;      /* refund counter change of this frame, incl.
	                            successful children; may be negative */
	uint8_t *output;         /* RETURN/REVERT data; owned, free with
	                            evm_result_release */
	size_t output_size;
	address create_address;  /* for successful creates */
} evm_result;

/* Frees the output of r and clears it. Safe on a zeroed result. */
void evm_result_release(evm_result *r);

/* What SSTORE did, for EIP-2200/2929/3529 gas and refunds. "original" is
 * the value at the start of the transaction, "current" before this SSTORE. */
typedef enum evm_storage_status {
	EVM_STORAGE_ASSIGNED = 0,  /* none of the cases below (a no-op or a dirty
	                              slot written again) */
	EVM_STORAGE_ADDED,         /* 0 -> 0 -> Z */
	EVM_STORAGE_DELETED,       /* X -> X -> 0 */
	EVM_STORAGE_MODIFIED,      /* X -> X -> Z */
	EVM_STORAGE_DELETED_ADDED, /* X -> 0 -> Z */
	EVM_STORAGE_MODIFIED_DELETED, /* X -> Y -> 0 */
	EVM_STORAGE_DELETED_RESTORED, /* X -> 0 -> X */
	EVM_STORAGE_ADDED_DELETED,    /* 0 -> Y -> 0 */
	EVM_STORAGE_MODIFIED_RESTORED,/* X -> Y -> X */
} evm_storage_status;

typedef enum evm_access_status {
	EVM_ACCESS_COLD = 0,
	EVM_ACCESS_WARM = 1,
} evm_access_status;

/* Block and transaction values the EVM can read. */
typedef struct evm_tx_context {
	u256 gas_price;          /* effective gas price (GASPRICE) */
	address origin;
	address coinbase;
	int64_t number;
	int64_t timestamp;
	int64_t gas_limit;
	h256 prev_randao;        /* DIFFICULTY before Paris, PREVRANDAO after */
	u256 chain_id;
	u256 base_fee;
	u256 blob_base_fee;
	const h256 *blob_hashes;
	size_t blob_hashes_count;
	bool unlimited_code_size; /* EIP-3860's initcode limit lifted (a dev
	                             chain's); the host lifts EIP-170's */
} evm_tx_context;

/* EIP-3155 tracer: called before each instruction executes. */
typedef struct evm_trace_step {
	uint64_t pc;
	uint8_t op;
	int64_t gas;             /* gas left before the instruction */
	int64_t gas_cost;        /* the instruction's static + dynamic cost */
	uint64_t mem_size;
	const u256 *stack;       /* bottom first */
	size_t stack_size;
	const uint8_t *return_data;
	size_t return_data_size;
	int32_t depth;           /* 1 for the transaction's frame (EIP-3155) */
	int64_t refund;          /* this frame's refund counter so far */
	const uint8_t *memory;   /* mem_size bytes, before the instruction */
	const evm_message *msg;  /* the running frame's message */
} evm_trace_step;

typedef struct evm_host {
	bool (*account_exists)(void *ctx, const address *addr);
	u256 (*get_storage)(void *ctx, const address *addr, const u256 *key);
	evm_storage_status (*set_storage)(void *ctx, const address *addr,
	                                  const u256 *key, const u256 *value);
	u256 (*get_balance)(void *ctx, const address *addr);
	size_t (*get_code_size)(void *ctx, const address *addr);
	/* Zero hash for a non-existent (or EIP-161 empty) account. */
	h256 (*get_code_hash)(void *ctx, const address *addr);
	/* Copies up to size bytes of the code from offset; returns the count. */
	size_t (*copy_code)(void *ctx, const address *addr, size_t offset,
	                    uint8_t *out, size_t size);
	/* Registers addr for self-destruct, sending its balance to
	 * beneficiary. Returns true if addr was not already registered. */
	bool (*selfdestruct)(void *ctx, const address *addr,
	                     const address *beneficiary);
	evm_result (*call)(void *ctx, const evm_message *msg);
	const evm_tx_context *(*get_tx_context)(void *ctx);
	/* Hash of block `number`, or zero when out of the 256-block window. */
	h256 (*get_block_hash)(void *ctx, int64_t number);
	void (*emit_log)(void *ctx, const address *addr, const uint8_t *data,
	                 size_t data_size, const h256 topics[], size_t ntopics);
	/* Marks warm; returns whether it was warm before (EIP-2929). */
	evm_access_status (*access_account)(void *ctx, const address *addr);
	evm_access_status (*access_storage)(void *ctx, const address *addr,
	                                    const u256 *key);
	/* SLOAD from Berlin on: access_storage and get_storage in one lookup.
	 * Marks (addr, key) warm, writes its current value to *value and
	 * returns whether it was warm before. */
	evm_access_status (*load_storage)(void *ctx, const address *addr,
	                                  const u256 *key, u256 *value);
	u256 (*get_transient_storage)(void *ctx, const address *addr,
	                              const u256 *key);
	void (*set_transient_storage)(void *ctx, const address *addr,
	                              const u256 *key, const u256 *value);

	/* Optional EIP-3155 tracer; NULL when not tracing. */
	void (*trace)(void *ctx, const evm_trace_step *step);
} evm_host;

#endif
