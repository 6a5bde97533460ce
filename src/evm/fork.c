#include "evm/fork.h"

#include <string.h>

static const char *const names[FORK_COUNT_] = {
	[FORK_FRONTIER] = "Frontier",
	[FORK_HOMESTEAD] = "Homestead",
	[FORK_TANGERINE] = "EIP150",
	[FORK_SPURIOUS] = "EIP158",
	[FORK_BYZANTIUM] = "Byzantium",
	[FORK_CONSTANTINOPLE] = "Constantinople",
	[FORK_PETERSBURG] = "ConstantinopleFix",
	[FORK_ISTANBUL] = "Istanbul",
	[FORK_BERLIN] = "Berlin",
	[FORK_LONDON] = "London",
	[FORK_PARIS] = "Paris",
	[FORK_SHANGHAI] = "Shanghai",
	[FORK_CANCUN] = "Cancun",
};

int fork_from_name(const char *name, fork *out)
{
	for (int f = 0; f < FORK_COUNT_; f++) {
		if (strcmp(name, names[f]) == 0) {
			*out = (fork)f;
			return 0;
		}
	}
	static const struct { const char *alias; fork f; } aliases[] = {
		{"Merge", FORK_PARIS},
		{"Petersburg", FORK_PETERSBURG},
		{"TangerineWhistle", FORK_TANGERINE},
		{"SpuriousDragon", FORK_SPURIOUS},
	};
	for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
		if (strcmp(name, aliases[i].alias) == 0) {
			*out = aliases[i].f;
			return 0;
		}
	}
	return -1;
}

const char *fork_name(fork f)
{
	return (f >= 0 && f < FORK_COUNT_) ? names[f] : "unknown";
}
