#include "tools/fixtures.h"

#include <dirent.h>
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct fx_ctx {
	const fx_opts *opts;
	const char *file;
	unsigned long passed, failed;
	regex_t run_re;
	bool has_re;
	json_t *results;    /* array of per-case objects with --json */
};

typedef void (*fx_runner)(fx_ctx *ctx, json_t *root);

void fx_pass(fx_ctx *ctx, const char *name)
{
	ctx->passed++;
	if (ctx->results)
		json_array_append_new(ctx->results,
		                      json_pack("{s:s, s:s, s:b}", "file", ctx->file,
		                                "case", name, "pass", 1));
}

void fx_fail(fx_ctx *ctx, const char *name, const char *fmt, ...)
{
	char why[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	ctx->failed++;
	if (ctx->results)
		json_array_append_new(ctx->results,
		                      json_pack("{s:s, s:s, s:b, s:s}", "file", ctx->file,
		                                "case", name, "pass", 0, "error", why));
	else
		printf("FAIL %s: %s: %s\n", ctx->file, name, why);
}

bool fx_selected(fx_ctx *ctx, const char *name)
{
	return !ctx->has_re || regexec(&ctx->run_re, name, 0, NULL, 0) == 0;
}

const fx_opts *fx_options(const fx_ctx *ctx) { return ctx->opts; }
const char *fx_file(const fx_ctx *ctx) { return ctx->file; }

/* The kind of a fixture file is read off the keys of its first case. */
static fx_runner detect(json_t *root)
{
	if (json_is_array(root)) {
		json_t *first = json_array_get(root, 0);
		if (json_object_get(first, "seed") && json_object_get(first, "key") &&
		    json_object_get(first, "addr"))
			return fx_run_keyaddr;
		return NULL;
	}
	if (!json_is_object(root) || json_object_size(root) == 0)
		return NULL;
	json_t *c = json_object_iter_value(json_object_iter(root));
	if (!json_is_object(c))
		return NULL;
	if (json_object_get(c, "txbytes") && json_object_get(c, "result"))
		return fx_run_tx;
	if (json_object_get(c, "json") && json_object_get(c, "password") &&
	    json_object_get(c, "priv"))
		return fx_run_keystore;
	if (json_object_get(c, "in") && json_object_get(c, "out"))
		return fx_run_rlp;
	if (json_object_get(c, "in") && json_object_get(c, "root"))
		return fx_run_trie;
	if (json_object_get(c, "in") && json_object_get(c, "tests"))
		return fx_run_trie_nextprev;
	if (json_object_get(c, "env") && json_object_get(c, "pre") &&
	    json_object_get(c, "transaction") && json_object_get(c, "post"))
		return fx_run_state;
	if (json_object_get(c, "genesisBlockHeader") &&
	    json_object_get(c, "blocks") && json_object_get(c, "pre"))
		return fx_run_blockchain;
	return NULL;
}

static void run_file(fx_ctx *ctx, const char *path)
{
	ctx->file = path;
	json_error_t jerr;
	json_t *root = json_load_file(path, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (!root) {
		fx_fail(ctx, "(file)", "bad JSON at line %d: %s", jerr.line, jerr.text);
		return;
	}
	fx_runner run = detect(root);
	if (run)
		run(ctx, root);
	else
		fx_fail(ctx, "(file)", "unknown fixture kind");
	json_decref(root);
}

static bool is_json(const char *name)
{
	size_t n = strlen(name);
	return n > 5 && strcmp(name + n - 5, ".json") == 0;
}

static void run_path(fx_ctx *ctx, const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		ctx->file = path;
		fx_fail(ctx, "(path)", "%s", strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		run_file(ctx, path);
		return;
	}
	/* Sorted, so runs and their output are the same every time. */
	struct dirent **ents;
	int n = scandir(path, &ents, NULL, alphasort);
	if (n < 0) {
		ctx->file = path;
		fx_fail(ctx, "(path)", "%s", strerror(errno));
		return;
	}
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		if (name[0] != '.') {
			size_t len = strlen(path) + strlen(name) + 2;
			char *sub = malloc(len);
			if (sub) {
				snprintf(sub, len, "%s/%s", path, name);
				struct stat sst;
				if (stat(sub, &sst) == 0 &&
				    (S_ISDIR(sst.st_mode) || is_json(name)))
					run_path(ctx, sub);
				free(sub);
			}
		}
		free(ents[i]);
	}
	free(ents);
}

int fx_main(const fx_opts *opts, char **paths, int npaths)
{
	fx_ctx ctx = {.opts = opts};
	if (opts->run) {
		if (regcomp(&ctx.run_re, opts->run, REG_EXTENDED | REG_NOSUB) != 0) {
			fprintf(stderr, "dure fixtures: bad --run regex: %s\n", opts->run);
			return 2;
		}
		ctx.has_re = true;
	}
	if (opts->json)
		ctx.results = json_array();
	for (int i = 0; i < npaths; i++)
		run_path(&ctx, paths[i]);
	if (ctx.results) {
		json_t *out = json_pack("{s:o, s:I, s:I}", "results", ctx.results,
		                        "passed", (json_int_t)ctx.passed,
		                        "failed", (json_int_t)ctx.failed);
		json_dumpf(out, stdout, JSON_INDENT(1));
		putchar('\n');
		json_decref(out);
	} else {
		printf("%lu passed, %lu failed\n", ctx.passed, ctx.failed);
	}
	if (ctx.has_re)
		regfree(&ctx.run_re);
	return ctx.failed || (ctx.passed == 0) ? 1 : 0;
}
