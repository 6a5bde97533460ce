#include "evm/opcodes.h"

#include <pthread.h>
#include <stdbool.h>

#define EVM_OP_TRAITS_(v, nm, imm, in, out, first, gas)                      \
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

/* Each opcode's cost when its fork introduced it: the base gas column of
 * EVM_OPCODES, which for most opcodes is the cost in every fork, and
 * Frontier's (or the introducing fork's) cost for the few priced by fork,
 * which build_tables() then patches fork by fork. build_tables() also marks
 * what a fork does not have yet from the traits' `since`. */
static void first_costs(int16_t *row)
{
	for (int op = 0; op < 256; op++)
		row[op] = EVM_UNDEFINED;
#define EVM_OP_COST_(v, name, imm, in, out, since, gas)                       \
	if ((gas) != EVM_GAS_BY_FORK)                                             \
		row[v] = (int16_t)(gas);
	EVM_OPCODES(EVM_OP_COST_)
#undef EVM_OP_COST_
	row[OP_BALANCE] = 20;
	row[OP_EXTCODESIZE] = 20;
	row[OP_EXTCODECOPY] = 20;
	row[OP_SLOAD] = 50;
	row[OP_CALL] = 40;
	row[OP_CALLCODE] = 40;
	row[OP_SELFDESTRUCT] = 0;
	row[OP_DELEGATECALL] = 40;         /* Homestead, EIP-7 */
	row[OP_STATICCALL] = 700;          /* Byzantium, EIP-214 */
	row[OP_EXTCODEHASH] = 400;         /* Constantinople, EIP-1052 */
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
			instr_tables[f][op] = (evm_instr){
			    .cost = gas_tables[f][op],
			    .stack_in = t->stack_in,
			    .stack_change = t->stack_change,
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
