/* `dure evm`: runs bytecode (`dure evm run`) and the EVM benchmark suite
 * (`dure evm bench DIR`). */
#ifndef DURE_NODE_CMD_EVM_H
#define DURE_NODE_CMD_EVM_H

/* argv[0] is "evm", argv[1] the action. Returns the process exit status:
 * 0 on success (for bench: every result checked and right), 1 when a run
 * failed or a result was wrong, 2 for bad usage. */
int cmd_evm(int argc, char **argv);

#endif
