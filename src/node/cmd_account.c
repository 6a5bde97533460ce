/* `dure account new|list|import`: the key files of a data directory, in
 * <datadir>/keystore as geth keeps them (crypto/keystore.h, node/keys.h). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/hex.h"
#include "crypto/keystore.h"
#include "crypto/secp.h"
#include "node/cmd.h"
#include "node/keys.h"

/* The largest private key file `import` reads. */
#define KEYFILE_MAX 1024

static const char account_usage[] =
	"usage: dure account new [--datadir DIR] [--password FILE] [--lightkdf]\n"
	"       dure account list [--datadir DIR]\n"
	"       dure account import KEYFILE [--datadir DIR] [--password FILE]\n"
	"                           [--lightkdf]\n"
	"  Key files live in DIR/keystore (DIR default ~/.dure), encrypted with\n"
	"  a password: the first line of --password FILE, or asked twice on the\n"
	"  terminal. KEYFILE holds a private key in hex.\n"
	"  --lightkdf           scrypt with n = 4096, p = 6 (4 MiB) instead of\n"
	"                       geth's standard n = 262144 (256 MiB)\n";

typedef struct account_opts {
	const char *datadir;
	const char *password_file;
	bool light;
} account_opts;

/* <datadir>/keystore, malloc'd, creating datadir (mode 0700) when make is
 * set; NULL with a message on failure. */
static char *keystore_dir(const account_opts *o, bool make)
{
	const char *home = getenv("HOME");
	char *dd;

	if (o->datadir) {
		dd = strdup(o->datadir);
	} else if (home && *home) {
		size_t n = strlen(home) + sizeof "/.dure";
		if ((dd = malloc(n)))
			snprintf(dd, n, "%s/.dure", home);
	} else {
		fprintf(stderr, "dure account: HOME is not set; give --datadir\n");
		return NULL;
	}
	if (!dd) {
		fprintf(stderr, "dure account: out of memory\n");
		return NULL;
	}
	if (make && mkdir(dd, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "dure account: cannot create %s: %s\n", dd,
		        strerror(errno));
		free(dd);
		return NULL;
	}
	char *ks = keys_dir(dd);
	if (!ks)
		fprintf(stderr, "dure account: out of memory\n");
	free(dd);
	return ks;
}

/* The password: the first line of --password FILE, else asked on the
 * terminal (twice when confirm is set). */
static bool get_password(const account_opts *o, bool confirm,
                         char pw[KEYS_PASSWORD_MAX + 2])
{
	if (o->password_file) {
		FILE *f = fopen(o->password_file, "r");
		if (!f) {
			fprintf(stderr, "dure account: cannot read %s: %s\n",
			        o->password_file, strerror(errno));
			return false;
		}
		int err = keys_read_line(f, pw);
		fclose(f);
		if (err == DURE_ERANGE)
			fprintf(stderr, "dure account: the password in %s is longer than "
			        "%d bytes\n", o->password_file, KEYS_PASSWORD_MAX);
		else if (err)
			fprintf(stderr, "dure account: cannot read %s\n",
			        o->password_file);
		return !err;
	}
	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "dure account: no terminal to ask for a password; "
		        "give --password FILE\n");
		return false;
	}
	char again[KEYS_PASSWORD_MAX + 2];
	bool ok = keys_ask("Password: ", pw) == DURE_OK;
	if (ok && confirm) {
		ok = keys_ask("Repeat password: ", again) == DURE_OK;
		if (ok && strcmp(pw, again) != 0) {
			fprintf(stderr, "dure account: the passwords do not match\n");
			ok = false;
		}
		explicit_bzero(again, sizeof again);
	}
	if (!ok)
		explicit_bzero(pw, KEYS_PASSWORD_MAX + 2);
	return ok;
}

/* Whether a key file of dir is for address a. */
static bool have_account(const char *dir, const address *a)
{
	keys_file *files;
	size_t n;
	bool found = false;

	if (keys_scan(dir, &files, &n))
		return false;
	for (size_t i = 0; i < n && !found; i++)
		found = address_eq(&files[i].addr, a);
	keys_files_free(files, n);
	return found;
}

/* Encrypts seckey into a new key file and prints its address. */
static int store(const account_opts *o, const uint8_t seckey[32], bool import)
{
	char pw[KEYS_PASSWORD_MAX + 2], *path = NULL, hex[41];
	uint8_t pub[64];
	keystore_params p;
	address a;
	int rc = 1;

	char *dir = keystore_dir(o, true);
	if (!dir)
		return 1;
	int err = secp_pubkey_create(seckey, pub);
	if (err) {
		fprintf(stderr, "dure account: invalid private key\n");
		goto out;
	}
	secp_pubkey_address(pub, &a);
	hex_encode(a.b, 20, hex);
	if (import && have_account(dir, &a)) {
		fprintf(stderr, "dure account: account 0x%s already exists\n", hex);
		goto out;
	}
	if (!get_password(o, true, pw))
		goto out;
	err = keystore_params_init(&p, o->light);
	if (!err)
		err = keystore_store(dir, seckey, pw, &p, &path);
	explicit_bzero(pw, sizeof pw);
	explicit_bzero(&p, sizeof p);
	if (err) {
		fprintf(stderr, "dure account: cannot write a key file in %s: %s\n",
		        dir, dure_strerror(err));
		goto out;
	}
	printf("0x%s\n", hex);
	fprintf(stderr, "key file: %s\n", path);
	rc = 0;
out:
	free(path);
	free(dir);
	return rc;
}

static int account_new(const account_opts *o)
{
	uint8_t seckey[32];

	if (keystore_random_key(seckey)) {
		fprintf(stderr, "dure account: no randomness for a new key\n");
		return 1;
	}
	int rc = store(o, seckey, false);
	explicit_bzero(seckey, sizeof seckey);
	return rc;
}

static int account_import(const account_opts *o, const char *keyfile)
{
	char text[KEYFILE_MAX + 1];
	uint8_t seckey[32];
	FILE *f = fopen(keyfile, "r");

	if (!f) {
		fprintf(stderr, "dure account: cannot read %s: %s\n", keyfile,
		        strerror(errno));
		return 1;
	}
	size_t n = fread(text, 1, sizeof text, f);
	bool too_big = n == sizeof text;
	fclose(f);
	while (n && (text[n - 1] == '\n' || text[n - 1] == '\r' ||
	             text[n - 1] == ' ' || text[n - 1] == '\t'))
		n--;
	text[n < sizeof text ? n : sizeof text - 1] = '\0';
	int err = too_big ? DURE_EHEX_LENGTH : hex_decode_exact(text, seckey, 32);
	explicit_bzero(text, sizeof text);
	if (err) {
		fprintf(stderr, "dure account: %s does not hold a 32-byte hex private "
		        "key\n", keyfile);
		return 1;
	}
	int rc = store(o, seckey, true);
	explicit_bzero(seckey, sizeof seckey);
	return rc;
}

/* Key files sort by name, and so by creation time, as geth lists them;
 * `dure node --unlock N` counts in this order (keys_scan). */
static int account_list(const account_opts *o)
{
	char abs[PATH_MAX];
	keys_file *files;
	size_t n;

	char *dir = keystore_dir(o, false);
	if (!dir)
		return 1;
	const char *base = realpath(dir, abs) ? abs : dir;
	int err = keys_scan(base, &files, &n);
	if (err)
		fprintf(stderr, "dure account: cannot read %s: %s\n", dir,
		        dure_strerror(err));
	for (size_t i = 0; i < n; i++) {
		char hex[41];
		hex_encode(files[i].addr.b, 20, hex);
		printf("Account #%zu: {%s} keystore://%s\n", i, hex, files[i].path);
	}
	keys_files_free(files, n);
	free(dir);
	return err ? 1 : 0;
}

int cmd_account(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"datadir", required_argument, NULL, 'd'},
		{"password", required_argument, NULL, 'p'},
		{"lightkdf", no_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	account_opts o = {0};
	int c;

	if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		fputs(account_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *sub = argv[1];
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': o.datadir = optarg; break;
		case 'p': o.password_file = optarg; break;
		case 'l': o.light = true; break;
		case 'h': fputs(account_usage, stdout); return 0;
		default: fputs(account_usage, stderr); return 2;
		}
	}
	int rest = argc - 1 - optind;
	char **args = argv + 1 + optind;
	if (!strcmp(sub, "new") && rest == 0)
		return account_new(&o);
	if (!strcmp(sub, "list") && rest == 0 && !o.password_file)
		return account_list(&o);
	if (!strcmp(sub, "import") && rest == 1)
		return account_import(&o, args[0]);
	fputs(account_usage, stderr);
	return 2;
}
