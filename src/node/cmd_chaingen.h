/* `dure chaingen`: writes a genesis file and a chain of valid blocks over
 * it (tools/chaingen.h), for `dure init` and `dure import` benchmarks and
 * tests. */
#ifndef DURE_NODE_CMD_CHAINGEN_H
#define DURE_NODE_CMD_CHAINGEN_H

/* argv[0] is "chaingen". Returns the process exit status: 0 when both
 * files were written, 1 when generation failed, 2 for bad usage. */
int cmd_chaingen(int argc, char **argv);

#endif
