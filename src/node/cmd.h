/* The subcommands of `dure` that run a node or work on its data
 * directory: `node` and `bootnode` (command-line parsing into a
 * node_config, then node_run), `dev`, `devnet`, and the chain commands
 * `init`, `import`, `export` and `db` (cmd_chain.c). */
#ifndef DURE_NODE_CMD_H
#define DURE_NODE_CMD_H

/* argv[0] is the subcommand name; client_id names this build in Hello
 * and web3_clientVersion. Return the process exit status: 0 after a clean
 * shutdown, 1 when the node failed, 2 for bad usage. */
int cmd_node(int argc, char **argv, const char *client_id);
int cmd_bootnode(int argc, char **argv, const char *client_id);

/* `dure dev` (cmd_dev.c): a development chain with JSON-RPC, as Anvil
 * runs one; version is what web3_clientVersion answers. Returns 0 after
 * a clean shutdown, 1 when the node failed, 2 for bad usage. */
int cmd_dev(int argc, char **argv, const char *version);

/* `dure devnet` (cmd_devnet.c): N proof-of-work nodes and a bootnode on
 * 127.0.0.1, each a child process running this binary, sharing a genesis
 * that funds the dev accounts of `dure dev`; their output goes to stderr
 * prefixed with the child's name and to DIR/<name>.log, and stdout gets
 * a table of the nodes' RPC and enode URLs once all serve. argv[0] is
 * "devnet". Returns 0 after SIGINT / SIGTERM stopped every child, 1 when
 * the network could not start (a port in use, a failed init, a node that
 * died or did not answer while starting) or every node died, 2 for bad
 * usage (including an -n other than the data directory's network's). No
 * child outlives the call. */
int cmd_devnet(int argc, char **argv);

/* To be called first in main: in a child of `dure devnet` (it names its
 * pid in the environment) asks the kernel for SIGTERM when devnet dies,
 * and exits at once when devnet is already gone, so that no node is left
 * behind by a devnet killed with SIGKILL. Does nothing in any other
 * process. */
void devnet_child_init(void);

/* The chain commands, each with --datadir (default ~/.dure, as `dure
 * node`); argv[0] is the subcommand name. Messages go to stderr; init
 * prints "genesis 0xHASH", db verify its findings, on stdout. Return the
 * exit status: 0 on success, 1 when the command failed (a bad genesis or
 * one that differs from the directory's; a block of the file that does
 * not decode or breaks a rule, or an interrupt, with every block before
 * it kept; a state root that does not match), 2 for bad usage.
 *
 * dure init GENESIS.json: writes the genesis block and state.
 * dure import FILE: imports concatenated block RLP, skipping known blocks,
 *   stopping cleanly between blocks on SIGINT / SIGTERM.
 * dure export FILE [FIRST [LAST]]: writes canonical blocks FIRST (0) to
 *   LAST (the head) as concatenated block RLP.
 * dure db verify: recomputes the state root from the flat state and checks
 *   it against the stored root and the head header's. */
int cmd_init(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_db(int argc, char **argv);

/* `dure account new|list|import` (cmd_account.c): key files in
 * <datadir>/keystore (--datadir, default ~/.dure), as geth keeps them:
 * UTC--<time>--<address>, mode 0600, in a directory of mode 0700. new
 * prints the new key's address; list prints "Account #i: {address}
 * keystore:///path" for each file, in file name order; import KEYFILE
 * encrypts the hex private key of KEYFILE. The password is the first line
 * of --password FILE, or asked twice on a terminal without echo; without
 * either the command fails. argv[0] is "account". Returns 0 on success, 1
 * on failure, 2 for bad usage. */
int cmd_account(int argc, char **argv);

#endif
