/* The BFT write-ahead log (see wal.h for the record format).
 *
 * The log's records are also kept in memory, as an image of the file's
 * bytes: after pruning the file holds only the current height's messages,
 * so the copy is small, replay cannot fail on I/O, and prune builds the
 * new file from it.
 *
 * Which tail opening drops. A record is good when its 8-byte header is
 * whole, its length is between 9 (kind and height) and
 * BFT_WAL_RECORD_MAX + 9, it ends inside the file and its CRC matches.
 * Reading stops at the first record that is not good. That record is a
 * torn tail, and the file is cut at its start, when both
 *   - its length, as read, reaches or passes the end of the file
 *     (start + 8 + length >= file size; a header cut short counts), and
 *   - at most one record's worth of bytes (8 + 9 + BFT_WAL_RECORD_MAX)
 *     remain from its start, as that is all one interrupted append
 *     writes.
 * Otherwise its own length says that more records follow it, and the
 * file is damaged (DURE_EBFT_WAL). So a length above the maximum, or
 * below 9, is a torn tail only in the file's last bytes, and damage
 * anywhere else. The bytes after a bad record are never searched for
 * good ones: a torn record's payload is whatever the caller logged and
 * may well contain something shaped like a record.
 *
 * The length is outside the CRC (the format's choice), so a damaged
 * length that points past the end of the file from within its last
 * record's worth of bytes reads as a torn tail. */
#include "consensus/bft/wal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* length and crc */
#define REC_HDR 8
/* kind and height: the least a length can be */
#define REC_MIN 9
#define REC_BODY_MAX ((size_t)BFT_WAL_RECORD_MAX + REC_MIN)

struct bft_wal {
	int fd;
	char *path;
	char *tmp;          /* path ".tmp": prune's new file */
	char *dir;          /* the directory holding both, to sync renames */
	uint8_t *img;       /* the file's records, byte for byte */
	size_t len, cap;
	size_t count;
	/* The file may hold bytes past img that could not be cut off, or a
	 * rename whose directory entry is not known to be durable: appends
	 * are refused until the log is opened again. */
	bool broken;
};

/* ---- CRC-32C ---- */

/* Entry i is i put through eight rounds of
 *   c = c & 1 ? (c >> 1) ^ 0x82F63B78 : c >> 1
 * (0x82F63B78 is the Castagnoli polynomial, reflected), so one lookup
 * does the eight rounds of a byte. */
static const uint32_t crc_table[256] = {
	0x00000000, 0xf26b8303, 0xe13b70f7, 0x1350f3f4,
	0xc79a971f, 0x35f1141c, 0x26a1e7e8, 0xd4ca64eb,
	0x8ad958cf, 0x78b2dbcc, 0x6be22838, 0x9989ab3b,
	0x4d43cfd0, 0xbf284cd3, 0xac78bf27, 0x5e133c24,
	0x105ec76f, 0xe235446c, 0xf165b798, 0x030e349b,
	0xd7c45070, 0x25afd373, 0x36ff2087, 0xc494a384,
	0x9a879fa0, 0x68ec1ca3, 0x7bbcef57, 0x89d76c54,
	0x5d1d08bf, 0xaf768bbc, 0xbc267848, 0x4e4dfb4b,
	0x20bd8ede, 0xd2d60ddd, 0xc186fe29, 0x33ed7d2a,
	0xe72719c1, 0x154c9ac2, 0x061c6936, 0xf477ea35,
	0xaa64d611, 0x580f5512, 0x4b5fa6e6, 0xb93425e5,
	0x6dfe410e, 0x9f95c20d, 0x8cc531f9, 0x7eaeb2fa,
	0x30e349b1, 0xc288cab2, 0xd1d83946, 0x23b3ba45,
	0xf779deae, 0x05125dad, 0x1642ae59, 0xe4292d5a,
	0xba3a117e, 0x4851927d, 0x5b016189, 0xa96ae28a,
	0x7da08661, 0x8fcb0562, 0x9c9bf696, 0x6ef07595,
	0x417b1dbc, 0xb3109ebf, 0xa0406d4b, 0x522bee48,
	0x86e18aa3, 0x748a09a0, 0x67dafa54, 0x95b17957,
	0xcba24573, 0x39c9c670, 0x2a993584, 0xd8f2b687,
	0x0c38d26c, 0xfe53516f, 0xed03a29b, 0x1f682198,
	0x5125dad3, 0xa34e59d0, 0xb01eaa24, 0x42752927,
	0x96bf4dcc, 0x64d4cecf, 0x77843d3b, 0x85efbe38,
	0xdbfc821c, 0x2997011f, 0x3ac7f2eb, 0xc8ac71e8,
	0x1c661503, 0xee0d9600, 0xfd5d65f4, 0x0f36e6f7,
	0x61c69362, 0x93ad1061, 0x80fde395, 0x72966096,
	0xa65c047d, 0x5437877e, 0x4767748a, 0xb50cf789,
	0xeb1fcbad, 0x197448ae, 0x0a24bb5a, 0xf84f3859,
	0x2c855cb2, 0xdeeedfb1, 0xcdbe2c45, 0x3fd5af46,
	0x7198540d, 0x83f3d70e, 0x90a324fa, 0x62c8a7f9,
	0xb602c312, 0x44694011, 0x5739b3e5, 0xa55230e6,
	0xfb410cc2, 0x092a8fc1, 0x1a7a7c35, 0xe811ff36,
	0x3cdb9bdd, 0xceb018de, 0xdde0eb2a, 0x2f8b6829,
	0x82f63b78, 0x709db87b, 0x63cd4b8f, 0x91a6c88c,
	0x456cac67, 0xb7072f64, 0xa457dc90, 0x563c5f93,
	0x082f63b7, 0xfa44e0b4, 0xe9141340, 0x1b7f9043,
	0xcfb5f4a8, 0x3dde77ab, 0x2e8e845f, 0xdce5075c,
	0x92a8fc17, 0x60c37f14, 0x73938ce0, 0x81f80fe3,
	0x55326b08, 0xa759e80b, 0xb4091bff, 0x466298fc,
	0x1871a4d8, 0xea1a27db, 0xf94ad42f, 0x0b21572c,
	0xdfeb33c7, 0x2d80b0c4, 0x3ed04330, 0xccbbc033,
	0xa24bb5a6, 0x502036a5, 0x4370c551, 0xb11b4652,
	0x65d122b9, 0x97baa1ba, 0x84ea524e, 0x7681d14d,
	0x2892ed69, 0xdaf96e6a, 0xc9a99d9e, 0x3bc21e9d,
	0xef087a76, 0x1d63f975, 0x0e330a81, 0xfc588982,
	0xb21572c9, 0x407ef1ca, 0x532e023e, 0xa145813d,
	0x758fe5d6, 0x87e466d5, 0x94b49521, 0x66df1622,
	0x38cc2a06, 0xcaa7a905, 0xd9f75af1, 0x2b9cd9f2,
	0xff56bd19, 0x0d3d3e1a, 0x1e6dcdee, 0xec064eed,
	0xc38d26c4, 0x31e6a5c7, 0x22b65633, 0xd0ddd530,
	0x0417b1db, 0xf67c32d8, 0xe52cc12c, 0x1747422f,
	0x49547e0b, 0xbb3ffd08, 0xa86f0efc, 0x5a048dff,
	0x8ecee914, 0x7ca56a17, 0x6ff599e3, 0x9d9e1ae0,
	0xd3d3e1ab, 0x21b862a8, 0x32e8915c, 0xc083125f,
	0x144976b4, 0xe622f5b7, 0xf5720643, 0x07198540,
	0x590ab964, 0xab613a67, 0xb831c993, 0x4a5a4a90,
	0x9e902e7b, 0x6cfbad78, 0x7fab5e8c, 0x8dc0dd8f,
	0xe330a81a, 0x115b2b19, 0x020bd8ed, 0xf0605bee,
	0x24aa3f05, 0xd6c1bc06, 0xc5914ff2, 0x37faccf1,
	0x69e9f0d5, 0x9b8273d6, 0x88d28022, 0x7ab90321,
	0xae7367ca, 0x5c18e4c9, 0x4f48173d, 0xbd23943e,
	0xf36e6f75, 0x0105ec76, 0x12551f82, 0xe03e9c81,
	0x34f4f86a, 0xc69f7b69, 0xd5cf889d, 0x27a40b9e,
	0x79b737ba, 0x8bdcb4b9, 0x988c474d, 0x6ae7c44e,
	0xbe2da0a5, 0x4c4623a6, 0x5f16d052, 0xad7d5351,
};

static uint32_t crc32c(const uint8_t *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	for (size_t i = 0; i < n; i++)
		c = crc_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
	return c ^ 0xFFFFFFFFu;
}

/* ---- big-endian fields ---- */

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

/* ---- files ---- */

static int pwrite_all(int fd, const uint8_t *p, size_t n, size_t off)
{
	while (n) {
		ssize_t r = pwrite(fd, p, n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return DURE_EIO;
		p += r;
		n -= (size_t)r;
		off += (size_t)r;
	}
	return DURE_OK;
}

static int pread_all(int fd, uint8_t *p, size_t n)
{
	size_t off = 0;
	while (off < n) {
		ssize_t r = pread(fd, p + off, n - off, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return DURE_EIO;
		off += (size_t)r;
	}
	return DURE_OK;
}

static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return DURE_EIO;
	int err = fsync(fd) != 0 ? DURE_EIO : DURE_OK;
	close(fd);
	return err;
}

static int set_paths(bft_wal *w, const char *path)
{
	size_t n = strlen(path);
	const char *slash = strrchr(path, '/');
	w->path = strdup(path);
	w->tmp = malloc(n + sizeof ".tmp");
	if (w->tmp) {
		memcpy(w->tmp, path, n);
		memcpy(w->tmp + n, ".tmp", sizeof ".tmp");
	}
	if (!slash)
		w->dir = strdup(".");
	else
		w->dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	return w->path && w->tmp && w->dir ? DURE_OK : DURE_ENOMEM;
}

/* ---- opening ---- */

/* Reads the whole file into w's image. */
static int read_file(bft_wal *w)
{
	struct stat st;
	if (fstat(w->fd, &st) != 0 || st.st_size < 0)
		return DURE_EIO;
	/* The image must be able to grow (see reserve). */
	if ((uint64_t)st.st_size > SIZE_MAX / 2)
		return DURE_ENOMEM;
	size_t n = (size_t)st.st_size;
	w->img = malloc(n ? n : 1);
	if (!w->img)
		return DURE_ENOMEM;
	w->cap = n ? n : 1;
	w->len = n;
	return pread_all(w->fd, w->img, n);
}

/* Walks the image by the rule at the top of this file: sets *valid to
 * the bytes of good records and *count to their number. */
static int scan(const uint8_t *p, size_t size, size_t *valid, size_t *count)
{
	size_t off = 0, n = 0;
	while (off < size) {
		size_t rest = size - off;
		uint32_t len = rest >= REC_HDR ? get_be32(p + off) : 0;
		if (rest >= REC_HDR && len >= REC_MIN && len <= REC_BODY_MAX &&
		    len <= rest - REC_HDR &&
		    crc32c(p + off + REC_HDR, len) == get_be32(p + off + 4)) {
			off += REC_HDR + len;
			n++;
			continue;
		}
		bool to_end = rest < REC_HDR || len >= rest - REC_HDR;
		if (!to_end || rest > REC_HDR + REC_BODY_MAX)
			return DURE_EBFT_WAL;
		break;
	}
	*valid = off;
	*count = n;
	return DURE_OK;
}

static int load(bft_wal *w)
{
	w->fd = open(w->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (w->fd < 0)
		return DURE_EIO;
	int err = read_file(w);
	size_t valid = 0;
	if (!err)
		err = scan(w->img, w->len, &valid, &w->count);
	if (!err && valid < w->len) {
		if (ftruncate(w->fd, (off_t)valid) != 0 || fsync(w->fd) != 0)
			err = DURE_EIO;
		w->len = valid;
	}
	/* The file may be new: make its name as durable as its records. */
	if (!err)
		err = sync_dir(w->dir);
	return err;
}

int bft_wal_open(const char *path, bft_wal **out)
{
	*out = NULL;
	bft_wal *w = calloc(1, sizeof *w);
	if (!w)
		return DURE_ENOMEM;
	w->fd = -1;
	int err = set_paths(w, path);
	if (!err)
		err = load(w);
	if (err) {
		bft_wal_free(w);
		return err;
	}
	*out = w;
	return DURE_OK;
}

void bft_wal_free(bft_wal *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	free(w->img);
	free(w->path);
	free(w->tmp);
	free(w->dir);
	free(w);
}

/* ---- appending ---- */

static int reserve(bft_wal *w, size_t extra)
{
	if (extra <= w->cap - w->len)
		return DURE_OK;
	if (extra > SIZE_MAX / 2 - w->len)
		return DURE_ENOMEM;
	size_t want = w->len + extra, cap = w->cap;
	while (cap < want)
		cap *= 2;
	uint8_t *p = realloc(w->img, cap);
	if (!p)
		return DURE_ENOMEM;
	w->img = p;
	w->cap = cap;
	return DURE_OK;
}

int bft_wal_append(bft_wal *w, uint8_t kind, uint64_t height,
                   const uint8_t *p, size_t n)
{
	if (n > BFT_WAL_RECORD_MAX || (n && !p))
		return DURE_EINVAL;
	if (w->broken)
		return DURE_EIO;
	size_t body = REC_MIN + n, rec = REC_HDR + body;
	/* The record is built where it will sit in the image, so the image
	 * needs no second copy once the file has it. */
	int err = reserve(w, rec);
	if (err)
		return err;
	uint8_t *r = w->img + w->len;
	put_be32(r, (uint32_t)body);
	r[REC_HDR] = kind;
	put_be64(r + REC_HDR + 1, height);
	if (n)
		memcpy(r + REC_HDR + REC_MIN, p, n);
	put_be32(r + 4, crc32c(r + REC_HDR, body));
	/* At an explicit offset: after a cut-back the file position would be
	 * past the end and leave a hole. */
	if (pwrite_all(w->fd, r, rec, w->len) || fdatasync(w->fd) != 0) {
		/* A failed fdatasync may have dropped the dirty pages with
		 * the error, so only a cut-back that is itself synced leaves
		 * the file known: the earlier records, synced before. */
		if (ftruncate(w->fd, (off_t)w->len) != 0 ||
		    fdatasync(w->fd) != 0)
			w->broken = true;
		return DURE_EIO;
	}
	w->len += rec;
	w->count++;
	return DURE_OK;
}

/* ---- reading ---- */

int bft_wal_replay(bft_wal *w, bft_wal_fn fn, void *ctx)
{
	/* fn may append (moving the image) but those records are not
	 * replayed; it must not prune. */
	size_t end = w->len;
	for (size_t off = 0; off < end;) {
		const uint8_t *r = w->img + off;
		uint32_t body = get_be32(r);
		int rc = fn(ctx, r[REC_HDR], get_be64(r + REC_HDR + 1),
		            r + REC_HDR + REC_MIN, body - REC_MIN);
		if (rc)
			return rc;
		off += REC_HDR + body;
	}
	return DURE_OK;
}

size_t bft_wal_count(const bft_wal *w) { return w->count; }

uint64_t bft_wal_size(const bft_wal *w) { return w->len; }

/* ---- pruning ---- */

int bft_wal_prune(bft_wal *w, uint64_t height)
{
	size_t keep = 0, nkeep = 0;
	for (size_t off = 0; off < w->len;) {
		size_t rec = REC_HDR + get_be32(w->img + off);
		if (get_be64(w->img + off + REC_HDR + 1) >= height) {
			keep += rec;
			nkeep++;
		}
		off += rec;
	}
	if (nkeep == w->count)
		return DURE_OK;

	uint8_t *img = malloc(keep ? keep : 1);
	if (!img)
		return DURE_ENOMEM;
	size_t at = 0;
	for (size_t off = 0; off < w->len;) {
		size_t rec = REC_HDR + get_be32(w->img + off);
		if (get_be64(w->img + off + REC_HDR + 1) >= height) {
			memcpy(img + at, w->img + off, rec);
			at += rec;
		}
		off += rec;
	}
	/* O_TRUNC: a crashed prune may have left a partial file here. */
	int fd = open(w->tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		free(img);
		return DURE_EIO;
	}
	if (pwrite_all(fd, img, keep, 0) || fsync(fd) != 0 ||
	    rename(w->tmp, w->path) != 0) {
		close(fd);
		unlink(w->tmp);
		free(img);
		return DURE_EIO;
	}
	/* The name is the new file's now, so appends must go to it whatever
	 * follows: the old one is unlinked and would not be read again. */
	close(w->fd);
	w->fd = fd;
	free(w->img);
	w->img = img;
	w->len = keep;
	w->cap = keep ? keep : 1;
	w->count = nkeep;
	/* Until the directory is synced a crash may bring back the old
	 * name, losing what is appended to the new file. */
	if (sync_dir(w->dir)) {
		w->broken = true;
		return DURE_EIO;
	}
	return DURE_OK;
}
