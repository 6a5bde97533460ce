/* Key files and their passwords for `dure account` and `dure node
 * --unlock` (node/keys.h). */
#include "node/keys.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>

#include "api/api.h"
#include "base/hex.h"
#include "crypto/keystore.h"

char *keys_dir(const char *datadir)
{
	size_t n = strlen(datadir) + sizeof "/keystore";
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/keystore", datadir);
	return p;
}

void keys_files_free(keys_file *f, size_t n)
{
	for (size_t i = 0; f && i < n; i++)
		free(f[i].path);
	free(f);
}

int keys_scan(const char *dir, keys_file **out, size_t *n)
{
	struct dirent **ents;
	*out = NULL;
	*n = 0;
	int m = scandir(dir, &ents, NULL, alphasort);
	if (m < 0)
		return errno == ENOENT ? DURE_OK : DURE_EIO;
	keys_file *f = calloc(m ? (size_t)m : 1, sizeof *f);
	int err = f ? DURE_OK : DURE_ENOMEM;
	size_t k = 0;
	for (int i = 0; i < m; i++) {
		const char *name = ents[i]->d_name;
		size_t len = strlen(dir) + strlen(name) + 2;
		char *path = !err && name[0] != '.' ? malloc(len) : NULL;
		struct stat st;
		if (!err && name[0] != '.' && !path)
			err = DURE_ENOMEM;
		if (path) {
			snprintf(path, len, "%s/%s", dir, name);
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
			    keystore_file_address(path, &f[k].addr) == DURE_OK)
				f[k++].path = path;
			else
				free(path);
		}
		free(ents[i]);
	}
	free(ents);
	if (err) {
		keys_files_free(f, k);
		return err;
	}
	*out = f;
	*n = k;
	return DURE_OK;
}

int keys_read_line(FILE *f, char pw[KEYS_PASSWORD_MAX + 2])
{
	if (!fgets(pw, KEYS_PASSWORD_MAX + 2, f)) {
		pw[0] = '\0';
		return ferror(f) ? DURE_EIO : DURE_OK;
	}
	size_t n = strlen(pw);
	if (n == KEYS_PASSWORD_MAX + 1 && pw[n - 1] != '\n') {
		explicit_bzero(pw, KEYS_PASSWORD_MAX + 2);
		return DURE_ERANGE;
	}
	if (n && pw[n - 1] == '\n')
		pw[--n] = '\0';
	if (n && pw[n - 1] == '\r')
		pw[--n] = '\0';
	return DURE_OK;
}

int keys_ask(const char *prompt, char pw[KEYS_PASSWORD_MAX + 2])
{
	struct termios old, quiet;

	fputs(prompt, stderr);
	fflush(stderr);
	bool echo_off = tcgetattr(fileno(stdin), &old) == 0;
	if (echo_off) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		echo_off = tcsetattr(fileno(stdin), TCSAFLUSH, &quiet) == 0;
	}
	int err = keys_read_line(stdin, pw);
	if (echo_off)
		tcsetattr(fileno(stdin), TCSAFLUSH, &old);
	fputc('\n', stderr);
	return err;
}

/* isatty(0), which is this test: unistd.h cannot come in beside
 * api/api.h, whose evm/fork.h type is named as unistd's fork(). */
static bool stdin_is_terminal(void)
{
	struct termios t;
	return tcgetattr(fileno(stdin), &t) == 0;
}

void keys_lock(api_account *a, size_t n)
{
	if (!a)
		return;
	explicit_bzero(a, n * sizeof *a);
	free(a);
}

/* The whole of a password file, malloc'd, into *text (*len bytes). */
static int read_password_file(const char *path, char **text, size_t *len)
{
	*text = NULL;
	*len = 0;
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "dure node: cannot read %s: %s\n", path,
		        strerror(errno));
		return DURE_EIO;
	}
	char *data = malloc(KEYS_PASSWORD_FILE_MAX + 1);
	if (!data) {
		fclose(f);
		return DURE_ENOMEM;
	}
	size_t n = fread(data, 1, KEYS_PASSWORD_FILE_MAX + 1, f);
	int err = ferror(f) ? DURE_EIO
	          : n > KEYS_PASSWORD_FILE_MAX ? DURE_ERANGE : DURE_OK;
	fclose(f);
	if (err) {
		if (err == DURE_EIO)
			fprintf(stderr, "dure node: cannot read %s\n", path);
		else
			fprintf(stderr, "dure node: %s is larger than %u bytes\n",
			        path, KEYS_PASSWORD_FILE_MAX);
		explicit_bzero(data, n);
		free(data);
		return err;
	}
	*text = data;
	*len = n;
	return DURE_OK;
}

/* The address an item of --unlock names, into *a; DURE_ENOTFOUND when no
 * key file is that account's. */
static int resolve(const char *dir, const cli_account_ref *r,
                   const keys_file *files, size_t nfiles, address *a)
{
	char hex[41];
	if (r->is_index && r->index >= nfiles) {
		fprintf(stderr, "dure node: --unlock %lu: %s holds %zu account%s\n",
		        r->index, dir, nfiles, nfiles == 1 ? "" : "s");
		return DURE_ENOTFOUND;
	}
	if (r->is_index) {
		*a = files[r->index].addr;
		return DURE_OK;
	}
	for (size_t i = 0; i < nfiles; i++)
		if (address_eq(&files[i].addr, &r->addr)) {
			*a = r->addr;
			return DURE_OK;
		}
	hex_encode(r->addr.b, sizeof r->addr.b, hex);
	fprintf(stderr, "dure node: no key file for account 0x%s in %s\n", hex,
	        dir);
	return DURE_ENOTFOUND;
}

/* Decrypts a's key with pw from the first of its key files it opens: geth
 * too tries every file of an address, which only copies of a key share. */
static int try_password(const keys_file *files, size_t nfiles,
                        const char *pw, api_account *a)
{
	int err = DURE_ENOTFOUND;
	for (size_t i = 0; i < nfiles; i++) {
		if (!address_eq(&files[i].addr, &a->addr))
			continue;
		err = keystore_load_file(files[i].path, pw, a->key, NULL);
		if (err != DURE_EKEYSTORE_MAC) {
			if (err)
				fprintf(stderr, "dure node: key file %s: %s\n",
				        files[i].path, dure_strerror(err));
			return err;
		}
	}
	return err;
}

/* Account i with its password from the file's text, or the terminal. */
static int unlock_one(const keys_file *files, size_t nfiles,
                      const char *password_file, const char *text,
                      size_t tlen, size_t i, api_account *a)
{
	char pw[KEYS_PASSWORD_MAX + 2], hex[41], prompt[128];
	int err;

	hex_encode(a->addr.b, sizeof a->addr.b, hex);
	if (password_file) {
		const char *line;
		size_t len;
		size_t no = cli_password_line(text, tlen, i, &line, &len);
		if (len > KEYS_PASSWORD_MAX) {
			fprintf(stderr, "dure node: line %zu of %s is longer than %d "
			        "bytes\n", no + 1, password_file, KEYS_PASSWORD_MAX);
			return DURE_ERANGE;
		}
		memcpy(pw, line, len);
		pw[len] = '\0';
		err = try_password(files, nfiles, pw, a);
		explicit_bzero(pw, sizeof pw);
		if (err == DURE_EKEYSTORE_MAC)
			fprintf(stderr, "dure node: cannot unlock account 0x%s: wrong "
			        "password (line %zu of %s)\n", hex, no + 1,
			        password_file);
		return err;
	}
	err = DURE_EKEYSTORE_MAC;
	for (int t = 1; t <= KEYS_TERMINAL_TRIES && err == DURE_EKEYSTORE_MAC;
	     t++) {
		snprintf(prompt, sizeof prompt, "Unlocking account 0x%s "
		         "(attempt %d/%d)\nPassword: ", hex, t, KEYS_TERMINAL_TRIES);
		err = keys_ask(prompt, pw);
		if (err == DURE_ERANGE)
			fprintf(stderr, "dure node: a password is at most %d bytes\n",
			        KEYS_PASSWORD_MAX);
		if (!err)
			err = try_password(files, nfiles, pw, a);
		explicit_bzero(pw, sizeof pw);
		if (err == DURE_EKEYSTORE_MAC)
			fprintf(stderr, "dure node: wrong password for account 0x%s\n",
			        hex);
	}
	if (err == DURE_EKEYSTORE_MAC)
		fprintf(stderr, "dure node: cannot unlock account 0x%s: wrong "
		        "password, %d times\n", hex, KEYS_TERMINAL_TRIES);
	return err;
}

int keys_unlock(const char *dir, const cli_account_ref *refs, size_t n,
                const char *password_file, api_account **out)
{
	keys_file *files = NULL;
	size_t nfiles = 0, tlen = 0;
	char *text = NULL;

	*out = NULL;
	api_account *acc = calloc(n, sizeof *acc);
	if (!acc)
		return DURE_ENOMEM;
	int err = keys_scan(dir, &files, &nfiles);
	if (err)
		fprintf(stderr, "dure node: cannot read %s: %s\n", dir,
		        dure_strerror(err));
	for (size_t i = 0; i < n && !err; i++)
		err = resolve(dir, &refs[i], files, nfiles, &acc[i].addr);
	for (size_t i = 0; i < n && !err; i++)
		for (size_t j = 0; j < i && !err; j++)
			if (address_eq(&acc[i].addr, &acc[j].addr)) {
				char hex[41];
				hex_encode(acc[i].addr.b, sizeof acc[i].addr.b, hex);
				fprintf(stderr, "dure node: account 0x%s is in --unlock "
				        "twice\n", hex);
				err = DURE_EINVAL;
			}
	if (!err && password_file)
		err = read_password_file(password_file, &text, &tlen);
	if (!err && !password_file && !stdin_is_terminal()) {
		fprintf(stderr, "dure node: no terminal to ask for the password of "
		        "--unlock's accounts; give --password FILE\n");
		err = DURE_EINVAL;
	}
	for (size_t i = 0; i < n && !err; i++)
		err = unlock_one(files, nfiles, password_file, text, tlen, i,
		                 &acc[i]);
	if (text) {
		explicit_bzero(text, tlen);
		free(text);
	}
	keys_files_free(files, nfiles);
	if (err) {
		keys_lock(acc, n);
		return err;
	}
	*out = acc;
	return DURE_OK;
}
