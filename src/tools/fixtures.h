/* `dure fixtures`: runs ethereum/tests conformance fixtures.
 *
 * The driver walks files and folders, parses each JSON file, recognises its
 * kind from its shape and hands it to that kind's runner. Runners report each
 * case through fx_pass / fx_fail; the driver prints failures and the closing
 * line "N passed, M failed". A file that cannot be read or parsed, or whose
 * kind is unknown, counts as one failed case: never as a pass. */
#ifndef DURE_TOOLS_FIXTURES_H
#define DURE_TOOLS_FIXTURES_H

#include <jansson.h>
#include <stdbool.h>

typedef struct fx_opts {
	bool json;          /* print results as JSON instead of text */
	bool trace;         /* EIP-3155 trace to stderr (state tests) */
	const char *fork;   /* fork to run (state tests); NULL = Cancun */
	const char *run;    /* POSIX extended regex on case names; NULL = all */
} fx_opts;

typedef struct fx_ctx fx_ctx;

/* Records a passing case. */
void fx_pass(fx_ctx *ctx, const char *name);

/* Records a failing case with a printf-style reason. */
void fx_fail(fx_ctx *ctx, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Returns true if `name` matches --run (always true without it). */
bool fx_selected(fx_ctx *ctx, const char *name);

/* The options of this run, and the path of the file being run. */
const fx_opts *fx_options(const fx_ctx *ctx);
const char *fx_file(const fx_ctx *ctx);

/* Runners, one per fixture kind. `root` is the file's parsed JSON. */
void fx_run_rlp(fx_ctx *ctx, json_t *root);
void fx_run_trie(fx_ctx *ctx, json_t *root);
void fx_run_trie_nextprev(fx_ctx *ctx, json_t *root);
void fx_run_tx(fx_ctx *ctx, json_t *root);
void fx_run_keyaddr(fx_ctx *ctx, json_t *root);
void fx_run_keystore(fx_ctx *ctx, json_t *root);
void fx_run_state(fx_ctx *ctx, json_t *root);
void fx_run_blockchain(fx_ctx *ctx, json_t *root);

/* Runs every fixture under paths. Returns the process exit status:
 * 0 when no case failed, 1 otherwise. */
int fx_main(const fx_opts *opts, char **paths, int npaths);

#endif
