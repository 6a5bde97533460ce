/* Every EVM opcode in one list, and the tables generated from it.
 *
 * EVM_OPCODES(X) calls X(value, NAME, immediate bytes, stack inputs,
 * stack outputs, first fork, base gas) once per defined opcode. From it
 * come the opcode enum (OP_ADD, ...), the names used by EIP-3155 traces, the
 * per-opcode traits, and the interpreter's dispatch table. Base gas is the
 * cost in every fork that has the opcode, or EVM_GAS_BY_FORK for the few
 * whose cost changed between forks (account and storage access, calls,
 * SELFDESTRUCT); evm_gas_table() (opcodes.c) holds every fork's costs, and
 * an opcode that a fork does not have costs EVM_UNDEFINED there. */
#ifndef DURE_EVM_OPCODES_H
#define DURE_EVM_OPCODES_H

#include <stdint.h>

#include "evm/fork.h"

#define EVM_OPCODES_PUSH_DUP_SWAP(X)                                          \
	X(0x60, PUSH1, 1, 0, 1, FORK_FRONTIER, 3)                                  \
	X(0x61, PUSH2, 2, 0, 1, FORK_FRONTIER, 3)                                  \
	X(0x62, PUSH3, 3, 0, 1, FORK_FRONTIER, 3)                                  \
	X(0x63, PUSH4, 4, 0, 1, FORK_FRONTIER, 3)                                  \
	X(0x64, PUSH5, 5, 0, 1, FORK_FRONTIER, 3)                                  \
	X(0x65, PUSH6, 6, 0, 1, FORK_FRONTIER, 3)                                  \
	X(0x66, PUSH7, 7, 0, 1, FORK_FRONTIER, 3)                                  \
	X(0x67, PUSH8, 8, 0, 1, FORK_FRONTIER, 3)                                  \
	X(0x68, PUSH9, 9, 0, 1, FORK_FRONTIER, 3)                                  \
	X(0x69, PUSH10, 10, 0, 1, FORK_FRONTIER, 3)                                \
	X(0x6a, PUSH11, 11, 0, 1, FORK_FRONTIER, 3)                                \
	X(0x6b, PUSH12, 12, 0, 1, FORK_FRONTIER, 3)                                \
	X(0x6c, PUSH13, 13, 0, 1, FORK_FRONTIER, 3)                                \
	X(0x6d, PUSH14, 14, 0, 1, FORK_FRONTIER, 3)                                \
	X(0x6e, PUSH15, 15, 0, 1, FORK_FRONTIER, 3)                                \
	X(0x6f, PUSH16, 16, 0, 1, FORK_FRONTIER, 3)                                \
	X(0x70, PUSH17, 17, 0, 1, FORK_FRONTIER, 3)                                \
	X(0x71, PUSH18, 18, 0, 1, FORK_FRONTIER, 3)                                \
	X(0x72, PUSH19, 19, 0, 1, FORK_FRONTIER, 3)                                \
	X(0x73, PUSH20, 20, 0, 1, FORK_FRONTIER, 3)                                \
	X(0x74, PUSH21, 21, 0, 1, FORK_FRONTIER, 3)                                \
	X(0x75, PUSH22, 22, 0, 1, FORK_FRONTIER, 3)                                \
	X(0x76, PUSH23, 23, 0, 1, FORK_FRONTIER, 3)                                \
	X(0x77, PUSH24, 24, 0, 1, FORK_FRONTIER, 3)                                \
	X(0x78, PUSH25, 25, 0, 1, FORK_FRONTIER, 3)                                \
	X(0x79, PUSH26, 26, 0, 1, FORK_FRONTIER, 3)                                \
	X(0x7a, PUSH27, 27, 0, 1, FORK_FRONTIER, 3)                                \
	X(0x7b, PUSH28, 28, 0, 1, FORK_FRONTIER, 3)                                \
	X(0x7c, PUSH29, 29, 0, 1, FORK_FRONTIER, 3)                                \
	X(0x7d, PUSH30, 30, 0, 1, FORK_FRONTIER, 3)                                \
	X(0x7e, PUSH31, 31, 0, 1, FORK_FRONTIER, 3)                                \
	X(0x7f, PUSH32, 32, 0, 1, FORK_FRONTIER, 3)                                \
	X(0x80, DUP1, 0, 1, 2, FORK_FRONTIER, 3)                                   \
	X(0x81, DUP2, 0, 2, 3, FORK_FRONTIER, 3)                                   \
	X(0x82, DUP3, 0, 3, 4, FORK_FRONTIER, 3)                                   \
	X(0x83, DUP4, 0, 4, 5, FORK_FRONTIER, 3)                                   \
	X(0x84, DUP5, 0, 5, 6, FORK_FRONTIER, 3)                                   \
	X(0x85, DUP6, 0, 6, 7, FORK_FRONTIER, 3)                                   \
	X(0x86, DUP7, 0, 7, 8, FORK_FRONTIER, 3)                                   \
	X(0x87, DUP8, 0, 8, 9, FORK_FRONTIER, 3)                                   \
	X(0x88, DUP9, 0, 9, 10, FORK_FRONTIER, 3)                                  \
	X(0x89, DUP10, 0, 10, 11, FORK_FRONTIER, 3)                                \
	X(0x8a, DUP11, 0, 11, 12, FORK_FRONTIER, 3)                                \
	X(0x8b, DUP12, 0, 12, 13, FORK_FRONTIER, 3)                                \
	X(0x8c, DUP13, 0, 13, 14, FORK_FRONTIER, 3)                                \
	X(0x8d, DUP14, 0, 14, 15, FORK_FRONTIER, 3)                                \
	X(0x8e, DUP15, 0, 15, 16, FORK_FRONTIER, 3)                                \
	X(0x8f, DUP16, 0, 16, 17, FORK_FRONTIER, 3)                                \
	X(0x90, SWAP1, 0, 2, 2, FORK_FRONTIER, 3)                                  \
	X(0x91, SWAP2, 0, 3, 3, FORK_FRONTIER, 3)                                  \
	X(0x92, SWAP3, 0, 4, 4, FORK_FRONTIER, 3)                                  \
	X(0x93, SWAP4, 0, 5, 5, FORK_FRONTIER, 3)                                  \
	X(0x94, SWAP5, 0, 6, 6, FORK_FRONTIER, 3)                                  \
	X(0x95, SWAP6, 0, 7, 7, FORK_FRONTIER, 3)                                  \
	X(0x96, SWAP7, 0, 8, 8, FORK_FRONTIER, 3)                                  \
	X(0x97, SWAP8, 0, 9, 9, FORK_FRONTIER, 3)                                  \
	X(0x98, SWAP9, 0, 10, 10, FORK_FRONTIER, 3)                                \
	X(0x99, SWAP10, 0, 11, 11, FORK_FRONTIER, 3)                               \
	X(0x9a, SWAP11, 0, 12, 12, FORK_FRONTIER, 3)                               \
	X(0x9b, SWAP12, 0, 13, 13, FORK_FRONTIER, 3)                               \
	X(0x9c, SWAP13, 0, 14, 14, FORK_FRONTIER, 3)                               \
	X(0x9d, SWAP14, 0, 15, 15, FORK_FRONTIER, 3)                               \
	X(0x9e, SWAP15, 0, 16, 16, FORK_FRONTIER, 3)                               \
	X(0x9f, SWAP16, 0, 17, 17, FORK_FRONTIER, 3)

#define EVM_OPCODES(X)                                                        \
	X(0x00, STOP, 0, 0, 0, FORK_FRONTIER, 0)                                   \
	X(0x01, ADD, 0, 2, 1, FORK_FRONTIER, 3)                                    \
	X(0x02, MUL, 0, 2, 1, FORK_FRONTIER, 5)                                    \
	X(0x03, SUB, 0, 2, 1, FORK_FRONTIER, 3)                                    \
	X(0x04, DIV, 0, 2, 1, FORK_FRONTIER, 5)                                    \
	X(0x05, SDIV, 0, 2, 1, FORK_FRONTIER, 5)                                   \
	X(0x06, MOD, 0, 2, 1, FORK_FRONTIER, 5)                                    \
	X(0x07, SMOD, 0, 2, 1, FORK_FRONTIER, 5)                                   \
	X(0x08, ADDMOD, 0, 3, 1, FORK_FRONTIER, 8)                                 \
	X(0x09, MULMOD, 0, 3, 1, FORK_FRONTIER, 8)                                 \
	X(0x0a, EXP, 0, 2, 1, FORK_FRONTIER, 10)                                   \
	X(0x0b, SIGNEXTEND, 0, 2, 1, FORK_FRONTIER, 5)                             \
	X(0x10, LT, 0, 2, 1, FORK_FRONTIER, 3)                                     \
	X(0x11, GT, 0, 2, 1, FORK_FRONTIER, 3)                                     \
	X(0x12, SLT, 0, 2, 1, FORK_FRONTIER, 3)                                    \
	X(0x13, SGT, 0, 2, 1, FORK_FRONTIER, 3)                                    \
	X(0x14, EQ, 0, 2, 1, FORK_FRONTIER, 3)                                     \
	X(0x15, ISZERO, 0, 1, 1, FORK_FRONTIER, 3)                                 \
	X(0x16, AND, 0, 2, 1, FORK_FRONTIER, 3)                                    \
	X(0x17, OR, 0, 2, 1, FORK_FRONTIER, 3)                                     \
	X(0x18, XOR, 0, 2, 1, FORK_FRONTIER, 3)                                    \
	X(0x19, NOT, 0, 1, 1, FORK_FRONTIER, 3)                                    \
	X(0x1a, BYTE, 0, 2, 1, FORK_FRONTIER, 3)                                   \
	X(0x1b, SHL, 0, 2, 1, FORK_CONSTANTINOPLE, 3)                              \
	X(0x1c, SHR, 0, 2, 1, FORK_CONSTANTINOPLE, 3)                              \
	X(0x1d, SAR, 0, 2, 1, FORK_CONSTANTINOPLE, 3)                              \
	X(0x20, KECCAK256, 0, 2, 1, FORK_FRONTIER, 30)                             \
	X(0x30, ADDRESS, 0, 0, 1, FORK_FRONTIER, 2)                                \
	X(0x31, BALANCE, 0, 1, 1, FORK_FRONTIER, EVM_GAS_BY_FORK)                  \
	X(0x32, ORIGIN, 0, 0, 1, FORK_FRONTIER, 2)                                 \
	X(0x33, CALLER, 0, 0, 1, FORK_FRONTIER, 2)                                 \
	X(0x34, CALLVALUE, 0, 0, 1, FORK_FRONTIER, 2)                              \
	X(0x35, CALLDATALOAD, 0, 1, 1, FORK_FRONTIER, 3)                           \
	X(0x36, CALLDATASIZE, 0, 0, 1, FORK_FRONTIER, 2)                           \
	X(0x37, CALLDATACOPY, 0, 3, 0, FORK_FRONTIER, 3)                           \
	X(0x38, CODESIZE, 0, 0, 1, FORK_FRONTIER, 2)                               \
	X(0x39, CODECOPY, 0, 3, 0, FORK_FRONTIER, 3)                               \
	X(0x3a, GASPRICE, 0, 0, 1, FORK_FRONTIER, 2)                               \
	X(0x3b, EXTCODESIZE, 0, 1, 1, FORK_FRONTIER, EVM_GAS_BY_FORK)              \
	X(0x3c, EXTCODECOPY, 0, 4, 0, FORK_FRONTIER, EVM_GAS_BY_FORK)              \
	X(0x3d, RETURNDATASIZE, 0, 0, 1, FORK_BYZANTIUM, 2)                        \
	X(0x3e, RETURNDATACOPY, 0, 3, 0, FORK_BYZANTIUM, 3)                        \
	X(0x3f, EXTCODEHASH, 0, 1, 1, FORK_CONSTANTINOPLE, EVM_GAS_BY_FORK)        \
	X(0x40, BLOCKHASH, 0, 1, 1, FORK_FRONTIER, 20)                             \
	X(0x41, COINBASE, 0, 0, 1, FORK_FRONTIER, 2)                               \
	X(0x42, TIMESTAMP, 0, 0, 1, FORK_FRONTIER, 2)                              \
	X(0x43, NUMBER, 0, 0, 1, FORK_FRONTIER, 2)                                 \
	X(0x44, PREVRANDAO, 0, 0, 1, FORK_FRONTIER, 2)                             \
	X(0x45, GASLIMIT, 0, 0, 1, FORK_FRONTIER, 2)                               \
	X(0x46, CHAINID, 0, 0, 1, FORK_ISTANBUL, 2)                                \
	X(0x47, SELFBALANCE, 0, 0, 1, FORK_ISTANBUL, 5)                            \
	X(0x48, BASEFEE, 0, 0, 1, FORK_LONDON, 2)                                  \
	X(0x49, BLOBHASH, 0, 1, 1, FORK_CANCUN, 3)                                 \
	X(0x4a, BLOBBASEFEE, 0, 0, 1, FORK_CANCUN, 2)                              \
	X(0x50, POP, 0, 1, 0, FORK_FRONTIER, 2)                                    \
	X(0x51, MLOAD, 0, 1, 1, FORK_FRONTIER, 3)                                  \
	X(0x52, MSTORE, 0, 2, 0, FORK_FRONTIER, 3)                                 \
	X(0x53, MSTORE8, 0, 2, 0, FORK_FRONTIER, 3)                                \
	X(0x54, SLOAD, 0, 1, 1, FORK_FRONTIER, EVM_GAS_BY_FORK)                    \
	X(0x55, SSTORE, 0, 2, 0, FORK_FRONTIER, 0)                                 \
	X(0x56, JUMP, 0, 1, 0, FORK_FRONTIER, 8)                                   \
	X(0x57, JUMPI, 0, 2, 0, FORK_FRONTIER, 10)                                 \
	X(0x58, PC, 0, 0, 1, FORK_FRONTIER, 2)                                     \
	X(0x59, MSIZE, 0, 0, 1, FORK_FRONTIER, 2)                                  \
	X(0x5a, GAS, 0, 0, 1, FORK_FRONTIER, 2)                                    \
	X(0x5b, JUMPDEST, 0, 0, 0, FORK_FRONTIER, 1)                               \
	X(0x5c, TLOAD, 0, 1, 1, FORK_CANCUN, 100)                                  \
	X(0x5d, TSTORE, 0, 2, 0, FORK_CANCUN, 100)                                 \
	X(0x5e, MCOPY, 0, 3, 0, FORK_CANCUN, 3)                                    \
	X(0x5f, PUSH0, 0, 0, 1, FORK_SHANGHAI, 2)                                  \
	EVM_OPCODES_PUSH_DUP_SWAP(X)                                              \
	X(0xa0, LOG0, 0, 2, 0, FORK_FRONTIER, 375)                                 \
	X(0xa1, LOG1, 0, 3, 0, FORK_FRONTIER, 750)                                 \
	X(0xa2, LOG2, 0, 4, 0, FORK_FRONTIER, 1125)                                \
	X(0xa3, LOG3, 0, 5, 0, FORK_FRONTIER, 1500)                                \
	X(0xa4, LOG4, 0, 6, 0, FORK_FRONTIER, 1875)                                \
	X(0xf0, CREATE, 0, 3, 1, FORK_FRONTIER, 32000)                             \
	X(0xf1, CALL, 0, 7, 1, FORK_FRONTIER, EVM_GAS_BY_FORK)                     \
	X(0xf2, CALLCODE, 0, 7, 1, FORK_FRONTIER, EVM_GAS_BY_FORK)                 \
	X(0xf3, RETURN, 0, 2, 0, FORK_FRONTIER, 0)                                 \
	X(0xf4, DELEGATECALL, 0, 6, 1, FORK_HOMESTEAD, EVM_GAS_BY_FORK)            \
	X(0xf5, CREATE2, 0, 4, 1, FORK_CONSTANTINOPLE, 32000)                      \
	X(0xfa, STATICCALL, 0, 6, 1, FORK_BYZANTIUM, EVM_GAS_BY_FORK)              \
	X(0xfd, REVERT, 0, 2, 0, FORK_BYZANTIUM, 0)                                \
	X(0xfe, INVALID, 0, 0, 0, FORK_FRONTIER, 0)                                \
	X(0xff, SELFDESTRUCT, 0, 1, 0, FORK_FRONTIER, EVM_GAS_BY_FORK)

typedef enum evm_opcode {
#define EVM_OP_ENUM_(v, name, imm, in, out, since, gas) OP_##name = v,
	EVM_OPCODES(EVM_OP_ENUM_)
#undef EVM_OP_ENUM_
} evm_opcode;

/* Base cost of an opcode a fork does not define. */
#define EVM_UNDEFINED (-1)

/* The base gas column of EVM_OPCODES for an opcode whose cost differs
 * between forks: look it up in evm_gas_table(). */
#define EVM_GAS_BY_FORK (-2)

/* Static facts about one opcode value (all 256 have an entry). */
typedef struct evm_op_traits {
	const char *name;        /* NULL for a value no fork defines */
	uint8_t immediate_size;  /* PUSHn: n */
	uint8_t stack_in;        /* items read (and so required) */
	int8_t stack_change;     /* outputs minus inputs */
	fork since;              /* first fork with it (meaningless if name is
	                            NULL) */
} evm_op_traits;

/* The traits of all 256 opcode values. */
extern const evm_op_traits evm_op_traits_table[256];

/* The name of op for traces ("ADD", "PUSH1"), or NULL if undefined in every
 * fork. */
const char *evm_op_name(uint8_t op);

/* Base gas cost of every opcode at fork rev: the part charged before the
 * instruction runs (for SLOAD, BALANCE, CALL, ... from Berlin: the warm
 * access cost). EVM_UNDEFINED for opcodes rev does not have. The table is
 * built on first use and never changes; the pointer stays valid for the life
 * of the process. rev must be a valid fork. */
const int16_t *evm_gas_table(fork rev);

/* What the interpreter checks before each instruction, packed in 4 bytes:
 * base cost at one fork (EVM_UNDEFINED if absent) and the stack traits. */
typedef struct evm_instr {
	int16_t cost;
	uint8_t stack_in;
	int8_t stack_change;
} evm_instr;

/* The evm_instr of every opcode at fork rev; built with evm_gas_table and
 * just as permanent. */
const evm_instr *evm_instr_table(fork rev);

#endif
