/* The BFT write-ahead log, on files in a fresh directory under /tmp: the
 * record bytes against the layout of wal.h with CRC-32C values from the
 * CRC catalogue's check value and RFC 3720 B.4; append and replay of
 * kinds, heights and payloads from empty to 1 MiB and to the maximum,
 * also after reopening; a tail cut by every length from 1 byte to the
 * whole last record; a bad last record dropped and a bad middle one
 * refused; garbage by the rule in wal.c; prune, a stale .tmp, a prune
 * that cannot create its file; the limits; replay's early stop; and an
 * append that fails half-written (RLIMIT_FSIZE) and is cut back. */
/* nftw and its flags are X/Open. */
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "consensus/bft/wal.h"
#include "test.h"

/* A record's bytes on disk: length 4, crc 4, kind 1, height 8, payload. */
#define REC(n) (17 + (size_t)(n))
#define MIB (1u << 20)

/* ---- files ---- */

typedef struct tdir {
	char dir[32];
	char path[64];
	char tmp[64];
} tdir;

static bool tdir_make(tdir *t)
{
	strcpy(t->dir, "/tmp/dure-wal-XXXXXX");
	if (!mkdtemp(t->dir))
		return false;
	snprintf(t->path, sizeof t->path, "%s/wal", t->dir);
	snprintf(t->tmp, sizeof t->tmp, "%s/wal.tmp", t->dir);
	return true;
}

static int rm_entry(const char *p, const struct stat *sb, int flag,
                    struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(p);
}

static void tdir_remove(tdir *t)
{
	nftw(t->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static long long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* The whole file (caller frees), or NULL. */
static uint8_t *slurp(const char *path, size_t *n)
{
	*n = 0;
	long long sz = file_size(path);
	int fd = open(path, O_RDONLY);
	if (sz < 0 || fd < 0) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	uint8_t *p = malloc(sz ? (size_t)sz : 1);
	size_t got = 0;
	while (p && got < (size_t)sz) {
		ssize_t r = read(fd, p + got, (size_t)sz - got);
		if (r <= 0) {
			free(p);
			p = NULL;
			break;
		}
		got += (size_t)r;
	}
	close(fd);
	if (p)
		*n = got;
	return p;
}

static bool spit(const char *path, const uint8_t *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return false;
	size_t done = 0;
	while (done < n) {
		ssize_t r = write(fd, p + done, n - done);
		if (r <= 0)
			break;
		done += (size_t)r;
	}
	close(fd);
	return done == n;
}

static bft_wal *open_ok(const char *path)
{
	bft_wal *w = NULL;
	CHECK_EQ_INT(bft_wal_open(path, &w), DURE_OK);
	CHECK(w != NULL);
	return w;
}

/* ---- replay into a list ---- */

#define SEEN_MAX 16

typedef struct seen {
	size_t n;
	size_t stop_at;     /* return 42 from this call (1-based); 0: never */
	uint8_t kind[SEEN_MAX];
	uint64_t height[SEEN_MAX];
	size_t len[SEEN_MAX];
	uint8_t *p[SEEN_MAX];
} seen;

static int collect(void *ctx, uint8_t kind, uint64_t height,
                   const uint8_t *p, size_t n)
{
	seen *s = ctx;
	if (s->n < SEEN_MAX) {
		s->kind[s->n] = kind;
		s->height[s->n] = height;
		s->len[s->n] = n;
		s->p[s->n] = malloc(n ? n : 1);
		if (s->p[s->n])
			memcpy(s->p[s->n], p, n);
	}
	s->n++;
	return s->stop_at && s->n == s->stop_at ? 42 : 0;
}

static void seen_free(seen *s)
{
	for (size_t i = 0; i < s->n && i < SEEN_MAX; i++)
		free(s->p[i]);
	memset(s, 0, sizeof *s);
}

typedef struct rec {
	uint8_t kind;
	uint64_t height;
	const uint8_t *p;
	size_t n;
} rec;

static void append_all(bft_wal *w, const rec *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		CHECK_EQ_INT(bft_wal_append(w, r[i].kind, r[i].height, r[i].p,
		                            r[i].n),
		             DURE_OK);
}

/* Replays w and checks it gives exactly want[0..n), and that count and
 * size agree with them. */
static void check_replay(bft_wal *w, const rec *want, size_t n)
{
	seen s = {0};
	CHECK_EQ_INT(bft_wal_replay(w, collect, &s), DURE_OK);
	CHECK_EQ_INT(s.n, n);
	uint64_t bytes = 0;
	for (size_t i = 0; i < n && i < s.n && i < SEEN_MAX; i++) {
		CHECK_EQ_INT(s.kind[i], want[i].kind);
		CHECK(s.height[i] == want[i].height);
		CHECK_EQ_INT(s.len[i], want[i].n);
		CHECK(s.p[i] != NULL);
		if (s.p[i] && s.len[i] == want[i].n && want[i].n)
			CHECK_MEM(s.p[i], want[i].p, want[i].n);
		bytes += REC(want[i].n);
	}
	CHECK_EQ_INT(bft_wal_count(w), n);
	CHECK(bft_wal_size(w) == bytes);
	seen_free(&s);
}

/* ---- the record bytes and CRC-32C ---- */

/* Logs v as one record, v[0] the kind, v[1..9) the height and the rest
 * the payload, so the CRC covers exactly v; the file must be the
 * big-endian length, the big-endian crc, then v. */
static void check_vector(const uint8_t *v, size_t n, uint32_t crc)
{
	tdir t;
	CHECK(tdir_make(&t));
	bft_wal *w = open_ok(t.path);
	uint64_t h = 0;
	for (int i = 1; i <= 8; i++)
		h = h << 8 | v[i];
	CHECK_EQ_INT(bft_wal_append(w, v[0], h, v + 9, n - 9), DURE_OK);
	bft_wal_free(w);

	uint8_t want[64];
	want[0] = 0;
	want[1] = 0;
	want[2] = 0;
	want[3] = (uint8_t)n;
	want[4] = (uint8_t)(crc >> 24);
	want[5] = (uint8_t)(crc >> 16);
	want[6] = (uint8_t)(crc >> 8);
	want[7] = (uint8_t)crc;
	memcpy(want + 8, v, n);
	size_t got_n;
	uint8_t *got = slurp(t.path, &got_n);
	CHECK(got != NULL);
	CHECK_EQ_INT(got_n, 8 + n);
	if (got && got_n == 8 + n)
		CHECK_MEM(got, want, 8 + n);
	free(got);
	tdir_remove(&t);
}

static void test_crc_vectors(void)
{
	/* The CRC catalogue's check value of CRC-32C. */
	check_vector((const uint8_t *)"123456789", 9, 0xE3069283);

	/* RFC 3720 B.4. */
	uint8_t v[48];
	memset(v, 0, 32);
	check_vector(v, 32, 0x8A9136AA);
	memset(v, 0xFF, 32);
	check_vector(v, 32, 0x62A8AB43);
	for (int i = 0; i < 32; i++)
		v[i] = (uint8_t)i;
	check_vector(v, 32, 0x46DD794E);
	for (int i = 0; i < 32; i++)
		v[i] = (uint8_t)(31 - i);
	check_vector(v, 32, 0x113FDB5C);
	/* An iSCSI SCSI Read (10) Command PDU. */
	memset(v, 0, sizeof v);
	v[0] = 0x01;
	v[1] = 0xC0;
	v[16] = 0x14;
	v[22] = 0x04;
	v[27] = 0x14;
	v[31] = 0x18;
	v[32] = 0x28;
	v[40] = 0x02;
	check_vector(v, 48, 0xD9963A56);
}

/* ---- append and replay ---- */

static uint8_t *pattern(size_t n, unsigned seed)
{
	uint8_t *p = malloc(n ? n : 1);
	for (size_t i = 0; p && i < n; i++)
		p[i] = (uint8_t)(i * 131 + seed + (i >> 8));
	return p;
}

static void test_round_trip(void)
{
	tdir t;
	CHECK(tdir_make(&t));
	uint8_t *big = pattern(MIB, 7);
	CHECK(big != NULL);
	const rec r[] = {
		{1, 5, (const uint8_t *)"abc", 3},
		{2, 5, NULL, 0},
		{3, 6, big, MIB},
		{0xFF, UINT64_MAX, (const uint8_t *)"z", 1},
		{0, 0, (const uint8_t *)"", 0},
	};
	bft_wal *w = open_ok(t.path);
	check_replay(w, NULL, 0);
	append_all(w, r, 5);
	check_replay(w, r, 5);
	CHECK(bft_wal_size(w) == REC(3) + REC(0) + REC(MIB) + REC(1) + REC(0));
	CHECK(file_size(t.path) == (long long)bft_wal_size(w));
	bft_wal_free(w);

	/* Created 0600. */
	struct stat st;
	CHECK(stat(t.path, &st) == 0 && (st.st_mode & 0777) == 0600);

	w = open_ok(t.path);
	check_replay(w, r, 5);
	const rec more = {9, 7, (const uint8_t *)"later", 5};
	append_all(w, &more, 1);
	bft_wal_free(w);
	w = open_ok(t.path);
	rec all[6];
	memcpy(all, r, sizeof r);
	all[5] = more;
	check_replay(w, all, 6);
	bft_wal_free(w);
	free(big);
	tdir_remove(&t);
}

/* The largest payload goes in whole; one byte more is refused and
 * leaves the log as it was. */
static void test_limits(void)
{
	tdir t;
	CHECK(tdir_make(&t));
	uint8_t *big = pattern((size_t)BFT_WAL_RECORD_MAX + 1, 3);
	CHECK(big != NULL);
	bft_wal *w = open_ok(t.path);
	CHECK_EQ_INT(bft_wal_append(w, 1, 1, big, (size_t)BFT_WAL_RECORD_MAX + 1),
	             DURE_EINVAL);
	CHECK_EQ_INT(bft_wal_append(w, 1, 1, NULL, 1), DURE_EINVAL);
	CHECK_EQ_INT(bft_wal_count(w), 0);
	CHECK(file_size(t.path) == 0);
	const rec r = {4, 8, big, BFT_WAL_RECORD_MAX};
	append_all(w, &r, 1);
	bft_wal_free(w);
	w = open_ok(t.path);
	check_replay(w, &r, 1);
	CHECK(file_size(t.path) == (long long)REC(BFT_WAL_RECORD_MAX));
	bft_wal_free(w);
	free(big);
	tdir_remove(&t);
}

static void test_replay_stop(void)
{
	tdir t;
	CHECK(tdir_make(&t));
	bft_wal *w = open_ok(t.path);
	for (uint8_t i = 0; i < 5; i++)
		CHECK_EQ_INT(bft_wal_append(w, i, 10 + i, &i, 1), DURE_OK);
	seen s = {.stop_at = 3};
	CHECK_EQ_INT(bft_wal_replay(w, collect, &s), 42);
	CHECK_EQ_INT(s.n, 3);
	CHECK_EQ_INT(s.kind[2], 2);
	CHECK(s.height[2] == 12);
	seen_free(&s);
	s.stop_at = 1;
	CHECK_EQ_INT(bft_wal_replay(w, collect, &s), 42);
	CHECK_EQ_INT(s.n, 1);
	seen_free(&s);
	bft_wal_free(w);
	tdir_remove(&t);
}

/* ---- torn and damaged files ---- */

static const rec three[] = {
	{1, 3, (const uint8_t *)"first", 5},
	{2, 3, (const uint8_t *)"second record", 13},
	{3, 4, (const uint8_t *)"the third, last record", 22},
};
#define THREE_SIZE (REC(5) + REC(13) + REC(22))
/* Where three[2] starts, and its payload. */
#define LAST_AT (REC(5) + REC(13))
#define LAST_PAYLOAD (LAST_AT + 17)
#define MIDDLE_PAYLOAD (REC(5) + 17)

/* The bytes of a log holding three[] (caller frees). */
static uint8_t *three_file(const tdir *t)
{
	unlink(t->path);
	bft_wal *w = open_ok(t->path);
	append_all(w, three, 3);
	bft_wal_free(w);
	size_t n;
	uint8_t *f = slurp(t->path, &n);
	CHECK(f != NULL && n == THREE_SIZE);
	return f;
}

/* Opens a file that must lose its tail: the first `keep` records of
 * three[] remain, the file is cut to them, and an append goes after
 * them and survives reopening. */
static void check_dropped(const tdir *t, size_t keep)
{
	size_t bytes = 0;
	for (size_t i = 0; i < keep; i++)
		bytes += REC(three[i].n);
	bft_wal *w = open_ok(t->path);
	if (!w)
		return;
	check_replay(w, three, keep);
	CHECK(file_size(t->path) == (long long)bytes);
	const rec next = {7, 9, (const uint8_t *)"after", 5};
	append_all(w, &next, 1);
	bft_wal_free(w);
	rec want[4];
	memcpy(want, three, keep * sizeof *three);
	want[keep] = next;
	w = open_ok(t->path);
	check_replay(w, want, keep + 1);
	bft_wal_free(w);
}

/* Opening must refuse the file and leave it unchanged. */
static void check_refused(const tdir *t, const uint8_t *f, size_t n)
{
	bft_wal *w = (bft_wal *)1;
	CHECK_EQ_INT(bft_wal_open(t->path, &w), DURE_EBFT_WAL);
	CHECK(w == NULL);
	size_t got_n;
	uint8_t *got = slurp(t->path, &got_n);
	CHECK(got != NULL && got_n == n);
	if (got && got_n == n && n)
		CHECK_MEM(got, f, n);
	free(got);
}

static void test_torn_tail(void)
{
	tdir t;
	CHECK(tdir_make(&t));
	uint8_t *f = three_file(&t);
	/* Cut 1 byte to the whole last record: two records remain. Cut one
	 * byte more and the second is torn too. */
	for (size_t cut = 1; f && cut <= REC(22); cut++) {
		CHECK(spit(t.path, f, THREE_SIZE - cut));
		check_dropped(&t, 2);
	}
	if (f) {
		CHECK(spit(t.path, f, LAST_AT - 1));
		check_dropped(&t, 1);
		CHECK(spit(t.path, f, 3));
		check_dropped(&t, 0);
	}
	free(f);
	tdir_remove(&t);
}

static void test_bad_last(void)
{
	tdir t;
	CHECK(tdir_make(&t));
	uint8_t *f = three_file(&t);
	/* A flipped bit in its payload, kind, height or crc: the CRC fails
	 * on a record that ends at the end of the file. */
	static const size_t at[] = {LAST_PAYLOAD + 4, LAST_AT + 8, LAST_AT + 16,
	                            LAST_AT + 5, THREE_SIZE - 1};
	for (size_t i = 0; f && i < sizeof at / sizeof at[0]; i++) {
		f[at[i]] ^= 0x10;
		CHECK(spit(t.path, f, THREE_SIZE));
		check_dropped(&t, 2);
		f[at[i]] ^= 0x10;
	}
	/* Its length raised past the end of the file: torn. */
	if (f) {
		f[LAST_AT + 2] ^= 0x01;
		CHECK(spit(t.path, f, THREE_SIZE));
		check_dropped(&t, 2);
		f[LAST_AT + 2] ^= 0x01;
	}
	/* Its length lowered by one: by that length one byte follows the
	 * record, so it is damage, not a torn tail. */
	if (f) {
		f[LAST_AT + 3]--;
		CHECK(spit(t.path, f, THREE_SIZE));
		check_refused(&t, f, THREE_SIZE);
		f[LAST_AT + 3]++;
	}
	free(f);
	tdir_remove(&t);
}

static void test_bad_middle(void)
{
	tdir t;
	CHECK(tdir_make(&t));
	uint8_t *f = three_file(&t);
	/* The middle record's payload, crc and length; the first record's
	 * payload. Good records follow each. */
	static const size_t at[] = {MIDDLE_PAYLOAD + 2, REC(5) + 4, REC(5) + 3,
	                            17};
	for (size_t i = 0; f && i < sizeof at / sizeof at[0]; i++) {
		f[at[i]] ^= 0x01;
		CHECK(spit(t.path, f, THREE_SIZE));
		check_refused(&t, f, THREE_SIZE);
		f[at[i]] ^= 0x01;
	}
	free(f);
	tdir_remove(&t);
}

/* By the rule in wal.c: a bad record is a torn tail only if its length
 * reaches the end of the file and no more than 8 + 9 + BFT_WAL_RECORD_MAX
 * bytes remain from it. */
static void test_garbage(void)
{
	tdir t;
	CHECK(tdir_make(&t));
	size_t big_n = REC(BFT_WAL_RECORD_MAX) + 1;
	uint8_t *g = malloc(big_n);
	CHECK(g != NULL);
	if (!g) {
		tdir_remove(&t);
		return;
	}

	/* 100 bytes of 0xAB: length 0xABABABAB runs past the end: torn, the
	 * log opens empty. */
	memset(g, 0xAB, 100);
	CHECK(spit(t.path, g, 100));
	check_dropped(&t, 0);
	/* Shorter than a header. */
	CHECK(spit(t.path, g, 5));
	check_dropped(&t, 0);
	/* 100 zero bytes: length 0 ends at byte 8, and 92 bytes follow:
	 * damage. 8 zero bytes (length 0, the end reached): torn. */
	memset(g, 0, 100);
	CHECK(spit(t.path, g, 100));
	check_refused(&t, g, 100);
	CHECK(spit(t.path, g, 8));
	check_dropped(&t, 0);

	/* A length of 0xFFFFFFFF with exactly a largest record's bytes
	 * (17 + BFT_WAL_RECORD_MAX) left: torn. One byte more: damage. */
	memset(g, 0xFF, big_n);
	CHECK(spit(t.path, g, big_n - 1));
	check_dropped(&t, 0);
	CHECK(spit(t.path, g, big_n));
	check_refused(&t, g, big_n);

	/* Two good records, then 0xAB garbage: torn, the records stay. */
	uint8_t *f = three_file(&t);
	if (f) {
		memcpy(g, f, LAST_AT);
		memset(g + LAST_AT, 0xAB, 40);
		CHECK(spit(t.path, g, LAST_AT + 40));
		check_dropped(&t, 2);
	}
	free(f);
	free(g);
	tdir_remove(&t);
}

/* ---- pruning ---- */

static void test_prune(void)
{
	tdir t;
	CHECK(tdir_make(&t));
	const rec r[] = {
		{1, 3, (const uint8_t *)"a3", 2},
		{2, 4, (const uint8_t *)"b4", 2},
		{3, 5, (const uint8_t *)"c5", 2},
		{4, 4, (const uint8_t *)"d4", 2},
		{5, 6, NULL, 0},
		{6, 5, (const uint8_t *)"f5 longer", 9},
	};
	const rec kept[] = {r[2], r[4], r[5]};
	bft_wal *w = open_ok(t.path);
	append_all(w, r, 6);
	size_t fn;
	uint8_t *f = slurp(t.path, &fn);

	/* Nothing below height 3: the log is unchanged. */
	CHECK_EQ_INT(bft_wal_prune(w, 3), DURE_OK);
	check_replay(w, r, 6);

	CHECK_EQ_INT(bft_wal_prune(w, 5), DURE_OK);
	check_replay(w, kept, 3);
	CHECK(file_size(t.tmp) == -1);
	/* The new file is the kept records' bytes from the old one. */
	size_t gn;
	uint8_t *g = slurp(t.path, &gn);
	/* r[2] sits at 2 * REC(2), r[4] and r[5] together from 4 * REC(2). */
	CHECK_EQ_INT(fn, 4 * REC(2) + REC(0) + REC(9));
	CHECK(g != NULL && f != NULL && gn == REC(2) + REC(0) + REC(9));
	if (g && f && gn == REC(2) + REC(0) + REC(9) &&
	    fn == 4 * REC(2) + REC(0) + REC(9)) {
		CHECK_MEM(g, f + 2 * REC(2), REC(2));
		CHECK_MEM(g + REC(2), f + 4 * REC(2), REC(0) + REC(9));
	}
	free(g);
	free(f);

	/* Appends go on in the new file and all survive reopening. */
	const rec next = {7, 6, (const uint8_t *)"g6", 2};
	append_all(w, &next, 1);
	bft_wal_free(w);
	const rec after[] = {r[2], r[4], r[5], next};
	w = open_ok(t.path);
	check_replay(w, after, 4);

	/* Everything below 2^64 - 1: empty. */
	CHECK_EQ_INT(bft_wal_prune(w, UINT64_MAX), DURE_OK);
	check_replay(w, NULL, 0);
	CHECK(file_size(t.path) == 0);
	append_all(w, &next, 1);
	bft_wal_free(w);
	w = open_ok(t.path);
	check_replay(w, &next, 1);
	bft_wal_free(w);
	tdir_remove(&t);
}

/* A crashed prune's partial .tmp is not read on opening, and the next
 * prune writes over it. */
static void test_stale_tmp(void)
{
	tdir t;
	CHECK(tdir_make(&t));
	bft_wal *w = open_ok(t.path);
	append_all(w, three, 3);
	bft_wal_free(w);
	uint8_t junk[300];
	memset(junk, 0x5A, sizeof junk);
	CHECK(spit(t.tmp, junk, sizeof junk));

	w = open_ok(t.path);
	check_replay(w, three, 3);
	CHECK_EQ_INT(bft_wal_prune(w, 4), DURE_OK);
	check_replay(w, three + 2, 1);
	CHECK(file_size(t.tmp) == -1);
	CHECK(file_size(t.path) == (long long)REC(22));
	bft_wal_free(w);
	w = open_ok(t.path);
	check_replay(w, three + 2, 1);
	bft_wal_free(w);
	tdir_remove(&t);
}

/* A prune that cannot create its file fails and the old log stays in
 * use: appends land in it and it reopens whole. */
static void test_prune_fails(void)
{
	tdir t;
	CHECK(tdir_make(&t));
	CHECK(mkdir(t.tmp, 0700) == 0);
	bft_wal *w = open_ok(t.path);
	append_all(w, three, 2);
	CHECK_EQ_INT(bft_wal_prune(w, 4), DURE_EIO);
	check_replay(w, three, 2);
	append_all(w, three + 2, 1);
	bft_wal_free(w);
	w = open_ok(t.path);
	check_replay(w, three, 3);
	bft_wal_free(w);
	tdir_remove(&t);
}

/* ---- failing appends ---- */

/* With the file size limited to 10 bytes past the log, a 30-byte record
 * is written in part and then refused (EFBIG): the append fails and cuts
 * the file back, and later appends work. */
static void test_append_fails(void)
{
	tdir t;
	CHECK(tdir_make(&t));
	bft_wal *w = open_ok(t.path);
	append_all(w, three, 1);
	struct rlimit old, lim;
	CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0);
	void (*old_sig)(int) = signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = REC(5) + 10;
	CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
	CHECK_EQ_INT(bft_wal_append(w, 9, 9, (const uint8_t *)"0123456789abc",
	                            13),
	             DURE_EIO);
	CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
	signal(SIGXFSZ, old_sig);
	CHECK(file_size(t.path) == (long long)REC(5));
	check_replay(w, three, 1);
	append_all(w, three + 1, 2);
	bft_wal_free(w);
	w = open_ok(t.path);
	check_replay(w, three, 3);
	bft_wal_free(w);
	tdir_remove(&t);
}

static void test_open_fails(void)
{
	bft_wal *w = (bft_wal *)1;
	CHECK_EQ_INT(bft_wal_open("/tmp/dure-wal-no-such-dir/x/wal", &w),
	             DURE_EIO);
	CHECK(w == NULL);
	bft_wal_free(NULL);
}

TEST_MAIN(test_crc_vectors, test_round_trip, test_limits, test_replay_stop,
          test_torn_tail, test_bad_last, test_bad_middle, test_garbage,
          test_prune, test_stale_tmp, test_prune_fails, test_append_fails,
          test_open_fails)
