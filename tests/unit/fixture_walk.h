/* Walking a folder of ethereum/tests JSON fixtures, shared by the unit
 * tests that read them. */
#ifndef DURE_TEST_FIXTURE_WALK_H
#define DURE_TEST_FIXTURE_WALK_H

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "test.h"

/* Calls fn(name, case, arg) for every case (top-level member) of every
 * .json file below dir, recursively. A folder that cannot be opened or a
 * file that does not parse is a failed check. Returns the files read. */
static inline unsigned fixture_walk(const char *dir,
                                    void (*fn)(const char *name, json_t *c,
                                               void *arg),
                                    void *arg)
{
	unsigned files = 0;
	DIR *d = opendir(dir);
	CHECK(d != NULL);
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		struct stat sb;
		if (stat(path, &sb) != 0)
			continue;
		if (S_ISDIR(sb.st_mode)) {
			files += fixture_walk(path, fn, arg);
			continue;
		}
		size_t len = strlen(path);
		if (len < 5 || strcmp(path + len - 5, ".json") != 0)
			continue;
		json_error_t jerr;
		json_t *root = json_load_file(path, 0, &jerr);
		CHECK(root != NULL);
		if (!root)
			continue;
		files++;
		const char *name;
		json_t *c;
		json_object_foreach(root, name, c)
			fn(name, c, arg);
		json_decref(root);
	}
	closedir(d);
	return files;
}

/* $DURE_FIXTURES/sub into out (n bytes); false, a failed check, when
 * DURE_FIXTURES is not set. */
static inline bool fixture_dir(const char *sub, char *out, size_t n)
{
	const char *fx = getenv("DURE_FIXTURES");
	CHECK(fx != NULL);
	if (!fx)
		return false;
	snprintf(out, n, "%s/%s", fx, sub);
	return true;
}

#endif
