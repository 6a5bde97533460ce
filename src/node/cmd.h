/* The `dure node` and `dure bootnode` subcommands: command-line parsing
 * into a node_config, then node_run. */
#ifndef DURE_NODE_CMD_H
#define DURE_NODE_CMD_H

/* argv[0] is the subcommand name; client_id names this build in Hello
 * and web3_clientVersion. Return the process exit status: 0 after a clean
 * shutdown, 1 when the node failed, 2 for bad usage. */
int cmd_node(int argc, char **argv, const char *client_id);
int cmd_bootnode(int argc, char **argv, const char *client_id);

#endif
