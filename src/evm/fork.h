/* Ethereum forks (hard forks) in order. Rules that change at a fork test
 * `rev >= FORK_X`, so the order of this enum is part of the contract. */
#ifndef DURE_EVM_FORK_H
#define DURE_EVM_FORK_H

typedef enum fork {
	FORK_FRONTIER = 0,
	FORK_HOMESTEAD,
	FORK_TANGERINE,          /* EIP-150; fixtures call it "EIP150" */
	FORK_SPURIOUS,           /* EIP-155/158; fixtures call it "EIP158" */
	FORK_BYZANTIUM,
	FORK_CONSTANTINOPLE,
	FORK_PETERSBURG,         /* fixtures call it "ConstantinopleFix" */
	FORK_ISTANBUL,
	FORK_BERLIN,
	FORK_LONDON,
	FORK_PARIS,              /* the Merge; fixtures also say "Merge" */
	FORK_SHANGHAI,
	FORK_CANCUN,
	FORK_COUNT_
} fork;

/* Fork from its fixture name ("Frontier", "EIP150", "Cancun", ...).
 * Returns 0 and sets *out, or -1 for an unknown name. */
int fork_from_name(const char *name, fork *out);

/* The canonical fixture name of a fork. */
const char *fork_name(fork f);

#endif
