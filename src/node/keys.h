/* The key files of a keystore directory as `dure account` and `dure node
 * --unlock` use them: listed in file name order (the numbering of `dure
 * account list`, which --unlock N refers to), passwords read from a file
 * or asked on a terminal without echo, and the accounts of --unlock
 * decrypted, as geth unlocks them. */
#ifndef DURE_NODE_KEYS_H
#define DURE_NODE_KEYS_H

#include <stddef.h>
#include <stdio.h>

#include "base/bytes.h"
#include "base/err.h"
#include "node/cli.h"

/* api/api.h's; not included here, as cmd_account.c needs unistd.h, whose
 * fork() that header's evm/fork.h type clashes with. */
typedef struct api_account api_account;

/* The longest password we read, from a file or a terminal. */
#define KEYS_PASSWORD_MAX 1024
/* The largest password file --unlock reads: a line for each account. */
#define KEYS_PASSWORD_FILE_MAX (64u << 10)
/* Attempts at an account's password on a terminal, as geth allows. */
#define KEYS_TERMINAL_TRIES 3

/* <datadir>/keystore, malloc'd; NULL when out of memory. */
char *keys_dir(const char *datadir);

typedef struct keys_file {
	address addr;  /* the file's address field */
	char *path;    /* dir/name */
} keys_file;

/* The key files of dir: its regular files, not hidden, with an address
 * field (keystore_file_address), sorted by name as geth numbers them.
 * Writes a malloc'd array of *n to *out, freed with keys_files_free; a
 * missing dir has none. Returns 0, DURE_EIO (dir cannot be read) or
 * DURE_ENOMEM; *out NULL and *n 0 on failure. */
DURE_WUR int keys_scan(const char *dir, keys_file **out, size_t *n);

/* Frees the n files of keys_scan. NULL is a no-op. */
void keys_files_free(keys_file *f, size_t n);

/* Reads a line of at most KEYS_PASSWORD_MAX bytes from f into pw,
 * without its "\n" or "\r\n"; at the end of f, an empty one. Returns 0,
 * DURE_ERANGE for a longer line or DURE_EIO; pw is empty on failure. */
DURE_WUR int keys_read_line(FILE *f, char pw[KEYS_PASSWORD_MAX + 2]);

/* Writes prompt to stderr and reads a line from stdin with the terminal's
 * echo off, as keys_read_line. Returns what keys_read_line returns. */
DURE_WUR int keys_ask(const char *prompt, char pw[KEYS_PASSWORD_MAX + 2]);

/* Decrypts the accounts refs[0..n) (n >= 1) from the key files of dir,
 * an index resolved by keys_scan's order. The password of the i-th is
 * line i of password_file (cli_password_line: one line serves all); with
 * no file, it is asked on the terminal, KEYS_TERMINAL_TRIES times at
 * most. Writes a malloc'd array of the n accounts, in refs' order, to
 * *out, to be wiped and freed with keys_lock. Says on stderr which
 * account failed and why. Returns 0; DURE_ENOTFOUND for an index past the
 * key files or an address without one; DURE_EINVAL for an account named
 * twice, or no password file and no terminal; DURE_EKEYSTORE_MAC for a
 * wrong password; DURE_ERANGE for a password file or line too long;
 * DURE_EIO, DURE_ENOMEM, or an error of keystore_load_file for a key file
 * that does not decrypt. *out is NULL on failure. */
DURE_WUR int keys_unlock(const char *dir, const cli_account_ref *refs,
                         size_t n, const char *password_file,
                         api_account **out);

/* Wipes the keys of the n accounts of keys_unlock and frees them. NULL is
 * a no-op. */
void keys_lock(api_account *a, size_t n);

#endif
