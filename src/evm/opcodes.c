#include "evm/opcodes.h"

#include <pthread.h>
#include <stdbool.h>

#define EVM_OP_TRAITS_(v, nm, imm, in, out, first)                           \
	[v] = {.name = #nm,                                                       \
	       .immediate_size = imm,                                             \
	       .stack_in = in,                                                    \
	       .stack_change = (out) - (in),                                      \
	       .since = first},

/* Values that no fork defines are left zero: name NULL. */
const evm_op_traits evm_op_traits_table[256] = {
	EVM_OPCODES(EVM_OP_TRAITS_)
};
#undef EVM_OP_TRAITS_

const char *evm_op_name(uint8_t op)
{
	return evm_op_traits_table[op].name;
}

static int16_t gas_tables[FORK_COUNT_][256];
static evm_instr instr_tables[FORK_COUNT_][256];
static pthread_once_t gas_once = PTHREAD_ONCE_INIT;

static void set_range(int16_t *row, int from, int to, int16_t cost)
{
	for (int op = from; op <= to; op++)
		row[op] = cost;
}

/* Frontier's schedule (Yellow Paper, appendix G), plus the cost each later
 * opcode had when its fork introduced it; build_tables() then marks what a
 * fork does not have yet from the traits' `since`. */
static void first_costs(int16_t *row)
{
	set_range(row, 0, 255, EVM_UNDEFINED);
	row[OP_STOP] = 0;
	row[OP_ADD] = 3;
	row[OP_SUB] = 3;
	set_range(row, OP_MUL, OP_MUL, 5);
	set_range(row, OP_DIV, OP_SMOD, 5);
	row[OP_ADDMOD] = 8;
	row[OP_MULMOD] = 8;
	row[OP_EXP] = 10;
	row[OP_SIGNEXTEND] = 5;
	set_range(row, OP_LT, OP_BYTE, 3);
	row[OP_KECCAK256] = 30;
	row[OP_ADDRESS] = 2;
	row[OP_BALANCE] = 20;
	set_range(row, OP_ORIGIN, OP_CALLVALUE, 2);
	row[OP_CALLDATALOAD] = 3;
	row[OP_CALLDATASIZE] = 2;
	row[OP_CALLDATACOPY] = 3;
	row[OP_CODESIZE] = 2;
	row[OP_CODECOPY] = 3;
	row[OP_GASPRICE] = 2;
	row[OP_EXTCODESIZE] = 20;
	row[OP_EXTCODECOPY] = 20;
	row[OP_BLOCKHASH] = 20;
	set_range(row, OP_COINBASE, OP_GASLIMIT, 2);
	row[OP_POP] = 2;
	set_range(row, OP_MLOAD, OP_MSTORE8, 3);
	row[OP_SLOAD] = 50;
	row[OP_SSTORE] = 0;
	row[OP_JUMP] = 8;
	row[OP_JUMPI] = 10;
	set_range(row, OP_PC, OP_GAS, 2);
	row[OP_JUMPDEST] = 1;
	set_range(row, OP_PUSH1, OP_SWAP16, 3);
	for (int n = 0; n <= 4; n++)
		row[OP_LOG0 + n] = (int16_t)(375 + 375 * n);
	row[OP_CREATE] = 32000;
	row[OP_CALL] = 40;
	row[OP_CALLCODE] = 40;
	row[OP_RETURN] = 0;
	row[OP_INVALID] = 0;
	row[OP_SELFDESTRUCT] = 0;

	row[OP_DELEGATECALL] = 40;         /* Homestead, EIP-7 */
	row[OP_RETURNDATASIZE] = 2;        /* Byzantium, EIP-211 */
	row[OP_RETURNDATACOPY] = 3;
	row[OP_STATICCALL] = 700;          /* Byzantium, EIP-214 */
	row[OP_REVERT] = 0;                /* Byzantium, EIP-140 */
	set_range(row, OP_SHL, OP_SAR, 3); /* Constantinople, EIP-145 */
	row[OP_CREATE2] = 32000;           /* Constantinople, EIP-1014 */
	row[OP_EXTCODEHASH] = 400;         /* Constantinople, EIP-1052 */
	row[OP_CHAINID] = 2;               /* Istanbul, EIP-1344 */
	row[OP_SELFBALANCE] = 5;           /* Istanbul, EIP-1884 */
	row[OP_BASEFEE] = 2;               /* London, EIP-3198 */
	row[OP_PUSH0] = 2;                 /* Shanghai, EIP-3855 */
	row[OP_TLOAD] = 100;               /* Cancun, EIP-1153 */
	row[OP_TSTORE] = 100;
	row[OP_MCOPY] = 3;                 /* Cancun, EIP-5656 */
	row[OP_BLOBHASH] = 3;              /* Cancun, EIP-4844 */
	row[OP_BLOBBASEFEE] = 2;           /* Cancun, EIP-7516 */
}

/* Each fork starts from the previous one's row and patches the costs that
 * changed; opcodes a fork does not have yet are then marked undefined. */
static void build_tables(void)
{
	int16_t costs[256];
	first_costs(costs);
	for (int f = 0; f < FORK_COUNT_; f++) {
		switch ((fork)f) {
		case FORK_TANGERINE: /* EIP-150 */
			costs[OP_BALANCE] = 400;
			costs[OP_EXTCODESIZE] = 700;
			costs[OP_EXTCODECOPY] = 700;
			costs[OP_SLOAD] = 200;
			costs[OP_CALL] = 700;
			costs[OP_CALLCODE] = 700;
			costs[OP_DELEGATECALL] = 700;
			costs[OP_SELFDESTRUCT] = 5000;
			break;
		case FORK_ISTANBUL: /* EIP-1884 */
			costs[OP_BALANCE] = 700;
			costs[OP_SLOAD] = 800;
			costs[OP_EXTCODEHASH] = 700;
			break;
		case FORK_BERLIN: /* EIP-2929: the warm cost; cold is dynamic */
			costs[OP_BALANCE] = 100;
			costs[OP_EXTCODESIZE] = 100;
			costs[OP_EXTCODECOPY] = 100;
			costs[OP_EXTCODEHASH] = 100;
			costs[OP_SLOAD] = 100;
			costs[OP_CALL] = 100;
			costs[OP_CALLCODE] = 100;
			costs[OP_DELEGATECALL] = 100;
			costs[OP_STATICCALL] = 100;
			break;
		/* No base cost changes: SSTORE (EIP-1283, EIP-2200), EXP (EIP-160)
		 * and refunds (EIP-3529) are dynamic. */
		case FORK_FRONTIER:
		case FORK_HOMESTEAD:
		case FORK_SPURIOUS:
		case FORK_BYZANTIUM:
		case FORK_CONSTANTINOPLE:
		case FORK_PETERSBURG:
		case FORK_LONDON:
		case FORK_PARIS:
		case FORK_SHANGHAI:
		case FORK_CANCUN:
		case FORK_COUNT_:
			break;
		}
		for (int op = 0; op < 256; op++) {
			const evm_op_traits *t = &evm_op_traits_table[op];
			bool defined = t->name != NULL && f >= (int)t->since;
			gas_tables[f][op] = defined ? costs[op] : EVM_UNDEFINED;
			int grow = t->stack_change > 0 ? t->stack_change : 0;
			instr_tables[f][op] = (evm_instr){
			    .cost = gas_tables[f][op],
			    .stack_in = t->stack_in,
			    .stack_change = t->stack_change,
			    .height_min = defined ? (uint16_t)(32 * t->stack_in)
			                          : EVM_NO_HEIGHT,
			    .height_span = defined ? (uint16_t)(32 * (EVM_STACK_LIMIT -
			                                              grow - t->stack_in))
			                           : 0,
			};
		}
	}
}

const int16_t *evm_gas_table(fork rev)
{
	pthread_once(&gas_once, build_tables);
	return gas_tables[rev];
}

const evm_instr *evm_instr_table(fork rev)
{
	pthread_once(&gas_once, build_tables);
	return instr_tables[rev];
}
