/* `dure init`, `dure import`, `dure export` and `dure db verify`: the chain
 * of a data directory, and chain files in geth's import/export format.
 *
 * A chain file is blocks back to back, each one RLP list and nothing
 * between them:
 *
 *     rlp(block n) || rlp(block n+1) || ... || rlp(block m)
 *
 * so the prefix of each item gives its length, and a reader needs no more
 * than one block in memory at a time. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <uv.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/hex.h"
#include "chain/block.h"
#include "chain/genesis.h"
#include "consensus/blockchain.h"
#include "consensus/chain_engine.h"
#include "consensus/engine.h"
#include "db/db.h"
#include "node/cli.h"
#include "node/cmd.h"
#include "store/store.h"

/* Largest block a chain file may hold; larger prefixes are refused before
 * anything is allocated. Ethereum blocks are a few MiB at most. */
#define CHAIN_BLOCK_MAX ((size_t)64 << 20)
/* Bytes read from a chain file at once. */
#define CHAIN_READ_CHUNK ((size_t)1 << 20)
/* Largest genesis file read. */
#define GENESIS_FILE_MAX ((size_t)256 << 20)
#define PROGRESS_MS 2000

static const char init_usage[] =
	"usage: dure init GENESIS.json [--datadir DIR]\n"
	"  writes the genesis block and state of a geth-style genesis file\n"
	"  into DIR (default ~/.dure) and prints its hash\n";

static const char import_usage[] =
	"usage: dure import FILE [--datadir DIR] [--sync]\n"
	"  imports the blocks of FILE (concatenated block RLP, as geth export\n"
	"  writes), skipping those already known; the last line says where the\n"
	"  time went (senders are recovered on a second thread, one block ahead)\n"
	"  --sync   make every block durable as it commits (fsync); by default\n"
	"           the database is flushed to disk every 10 s and at the end,\n"
	"           so a power failure can lose the last 10 s of blocks (a\n"
	"           killed process loses nothing) and they import again\n";

static const char export_usage[] =
	"usage: dure export FILE [FIRST [LAST]] [--datadir DIR]\n"
	"  writes canonical blocks FIRST (default 0) to LAST (default the head)\n"
	"  to FILE as concatenated block RLP\n";

static const char db_usage[] =
	"usage: dure db verify [--datadir DIR]\n"
	"  recomputes the state root from the flat state and checks it against\n"
	"  the stored root and the head block's\n";

/* ---- shared ---- */

/* Parses --datadir and --help; the other arguments are left in
 * argv[optind..]. Returns -1 to go on, else the exit status. */
static int parse_common(int argc, char **argv, const char *usage,
                        const char **datadir, bool *sync)
{
	static const struct option longopts[] = {
		{"datadir", required_argument, NULL, 'd'},
		{"sync", no_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': *datadir = optarg; break;
		case 's':
			if (!sync) {
				fputs(usage, stderr);
				return 2;
			}
			*sync = true;
			break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	return -1;
}

/* The database directory of a data directory (NULL: ~/.dure, as `dure
 * node`), malloc'd; NULL (with a message) without HOME or memory. */
static char *db_dir(const char *datadir)
{
	const char *home = NULL;
	if (!datadir) {
		home = getenv("HOME");
		if (!home || !*home) {
			fprintf(stderr, "dure: HOME is not set; give --datadir\n");
			return NULL;
		}
	}
	size_t n = strlen(datadir ? datadir : home) + sizeof "/.dure/db";
	char *p = malloc(n);
	if (!p) {
		fprintf(stderr, "dure: %s\n", dure_strerror(DURE_ENOMEM));
		return NULL;
	}
	if (datadir)
		snprintf(p, n, "%s/db", datadir);
	else
		snprintf(p, n, "%s/.dure/db", home);
	return p;
}

typedef struct chain_db {
	char *dir;
	db *d;
	store *s;
} chain_db;

static void chain_db_close(chain_db *c)
{
	store_free(c->s);
	db_close(c->d);
	free(c->dir);
	memset(c, 0, sizeof *c);
}

typedef enum open_mode {
	OPEN_CREATE,             /* init: creates the database */
	OPEN_WRITE,              /* import: the database must exist */
	OPEN_WRITE_NOSYNC,       /* import: bulk writes into the map, flushed
	                          * by the caller (db_sync) */
	OPEN_READ,
} open_mode;

/* Opens the data directory's database and its chain store; only
 * OPEN_CREATE makes a database where there is none. Returns 0, or 1 after
 * printing why not. */
static int chain_db_open(const char *cmd, const char *datadir, open_mode m,
                         chain_db *out)
{
	memset(out, 0, sizeof *out);
	if (!(out->dir = db_dir(datadir)))
		return 1;
	struct stat sb;
	int err = DURE_OK;
	if ((m == OPEN_WRITE || m == OPEN_WRITE_NOSYNC) &&
	    stat(out->dir, &sb) != 0)
		err = DURE_ENOTFOUND;
	db_options o = {.read_only = m == OPEN_READ,
	                .no_sync = m == OPEN_WRITE_NOSYNC,
	                .write_map = m == OPEN_WRITE_NOSYNC};
	if (!err)
		err = db_open(out->dir, &o, &out->d);
	if (!err)
		err = store_open(out->d, &out->s);
	if (err) {
		if (m != OPEN_CREATE && err == DURE_ENOTFOUND)
			fprintf(stderr, "dure %s: no chain in %s (run dure init "
			        "first)\n", cmd, out->dir);
		else
			fprintf(stderr, "dure %s: cannot open %s: %s\n", cmd,
			        out->dir, dure_strerror(err));
		chain_db_close(out);
		return 1;
	}
	return 0;
}

static void put_hash(FILE *f, const h256 *h)
{
	char hex[65];
	hex_encode(h->b, 32, hex);
	fprintf(f, "0x%s", hex);
}

static double per_s(double v, uint64_t ms)
{
	return ms ? v * 1000.0 / (double)ms : 0.0;
}

/* ---- init ---- */

/* Reads the whole of path (at most max bytes) into out. Returns DURE_OK,
 * DURE_EIO, DURE_ERANGE or DURE_ENOMEM; out is empty on failure. */
static int read_file(const char *path, size_t max, buf *out)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return DURE_EIO;
	int err = DURE_OK;
	uint8_t chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (out->len + n > max) {
			err = DURE_ERANGE;
			break;
		}
		if ((err = buf_append(out, chunk, n)))
			break;
	}
	if (!err && ferror(f))
		err = DURE_EIO;
	fclose(f);
	if (err)
		buf_free(out);
	return err;
}

int cmd_init(int argc, char **argv)
{
	const char *datadir = NULL;
	int rc = parse_common(argc, argv, init_usage, &datadir, NULL);
	if (rc >= 0)
		return rc;
	if (argc - optind != 1) {
		fputs(init_usage, stderr);
		return 2;
	}
	const char *path = argv[optind];

	buf text = BUF_INIT;
	int err = read_file(path, GENESIS_FILE_MAX, &text);
	if (err) {
		fprintf(stderr, "dure init: cannot read %s: %s\n", path,
		        err == DURE_EIO ? strerror(errno) : dure_strerror(err));
		return 1;
	}
	json_error_t jerr;
	json_t *j = json_loadb((const char *)text.data, text.len, 0, &jerr);
	if (!j) {
		fprintf(stderr, "dure init: %s:%d: %s\n", path, jerr.line,
		        jerr.text);
		buf_free(&text);
		return 1;
	}
	genesis g;
	err = genesis_from_json(j, &g);
	json_decref(j);
	if (err) {
		fprintf(stderr, "dure init: %s: %s\n", path, dure_strerror(err));
		buf_free(&text);
		return 1;
	}

	chain_db c;
	rc = chain_db_open("init", datadir, OPEN_CREATE, &c);
	if (rc == 0) {
		h256 hash;
		err = blockchain_init(c.s, &g, &hash);
		if (!err) {
			fputs("genesis ", stdout);
			put_hash(stdout, &hash);
			fputc('\n', stdout);
		} else if (err == DURE_EBLOCK_GENESIS) {
			fprintf(stderr, "dure init: %s already holds another chain",
			        c.dir);
			db_txn *t;
			h256 old;
			if (!db_begin_read(c.d, &t)) {
				if (!store_genesis(c.s, t, &old)) {
					fputs(" (genesis ", stderr);
					put_hash(stderr, &old);
					fputc(')', stderr);
				}
				db_abort(t);
			}
			fprintf(stderr, "; %s is a different genesis\n", path);
			rc = 1;
		} else {
			fprintf(stderr, "dure init: %s\n", dure_strerror(err));
			rc = 1;
		}
		chain_db_close(&c);
	}
	genesis_free(&g);
	buf_free(&text);
	return rc;
}

/* ---- reading a chain file ---- */

typedef struct chain_reader {
	FILE *f;
	uint8_t *win;            /* owned; bytes [pos, pos + len) of the file
	                          * are at win + start */
	size_t cap, start, len;
	uint64_t pos;
	bool eof;
} chain_reader;

/* Makes at least need bytes available (fewer only at the end of the
 * file). Returns DURE_OK, DURE_EIO or DURE_ENOMEM. */
static int reader_fill(chain_reader *r, size_t need)
{
	if (r->len >= need || r->eof)
		return DURE_OK;
	if (r->start && r->start + need > r->cap) {
		memmove(r->win, r->win + r->start, r->len);
		r->start = 0;
	}
	if (need + CHAIN_READ_CHUNK > r->cap) {
		size_t cap = need + CHAIN_READ_CHUNK;
		uint8_t *w = realloc(r->win, cap);
		if (!w)
			return DURE_ENOMEM;
		r->win = w;
		r->cap = cap;
	}
	while (r->len < need && !r->eof) {
		size_t room = r->cap - r->start - r->len;
		size_t n = fread(r->win + r->start + r->len, 1, room, r->f);
		r->len += n;
		if (n < room) {
			if (ferror(r->f))
				return DURE_EIO;
			r->eof = true;
		}
	}
	return DURE_OK;
}

/* Takes the next block's bytes: *p, *n stay valid until the next call.
 * Returns DURE_OK, DURE_ENOTFOUND at the end of the file, or why the next
 * item is no block: DURE_ERLP_EXPECTED_LIST, DURE_ERLP_LEN_ZERO,
 * DURE_ERLP_NONMINIMAL, DURE_ERLP_TRUNCATED (the file ends inside it),
 * DURE_ERANGE (above CHAIN_BLOCK_MAX), DURE_EIO, DURE_ENOMEM. */
static int reader_next(chain_reader *r, const uint8_t **p, size_t *n)
{
	*p = NULL;
	*n = 0;
	int err = reader_fill(r, 9);
	if (err)
		return err;
	if (r->len == 0)
		return DURE_ENOTFOUND;
	const uint8_t *h = r->win + r->start;
	if (h[0] < 0xc0)
		return DURE_ERLP_EXPECTED_LIST;
	size_t hl = 1;
	uint64_t pl = (uint64_t)h[0] - 0xc0;
	if (h[0] > 0xf7) {
		size_t ll = (size_t)h[0] - 0xf7;
		if (r->len < 1 + ll)
			return DURE_ERLP_TRUNCATED;
		if (h[1] == 0)
			return DURE_ERLP_LEN_ZERO;
		pl = 0;
		for (size_t i = 0; i < ll; i++)
			pl = pl << 8 | h[1 + i];
		if (pl < 56)
			return DURE_ERLP_NONMINIMAL;
		hl += ll;
	}
	if (pl > CHAIN_BLOCK_MAX - hl)
		return DURE_ERANGE;
	size_t total = hl + (size_t)pl;
	if ((err = reader_fill(r, total)))
		return err;
	if (r->len < total)
		return DURE_ERLP_TRUNCATED;
	*p = r->win + r->start;
	*n = total;
	r->start += total;
	r->len -= total;
	r->pos += total;
	return DURE_OK;
}

/* ---- import ---- */

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

typedef struct import_stats {
	uint64_t t0, last;       /* ms */
	uint64_t done, known, number, gas, txs;
	uint64_t size;           /* file size; 0 unknown */
	uint64_t exec_ns, root_ns, commit_ns, wait_ns; /* summed per phase */
	/* root_ns and the blocks executed before the first block in the
	 * second half of the file: the state root's cost once the caches
	 * and the map's pages are warm is the difference. */
	bool half_seen;
	uint64_t half_root_ns, half_executed;
	uint64_t start_ns;
	uint64_t last_sync;      /* ms */
} import_stats;

/* How often an import without --sync flushes the database to disk. */
#define SYNC_MS 10000

/* Flushes what was committed; a failure is reported and fails the
 * import. */
static int flush(blockchain *bc)
{
	int err = db_sync(store_db(blockchain_store(bc)));
	if (err)
		fprintf(stderr, "dure import: flushing to disk: %s\n",
		        dure_strerror(err));
	return err ? 1 : 0;
}

/* The phases of the whole import, as shares of its wall time: executing
 * transactions, writing the state and computing its root, committing,
 * and waiting for the sender-recovery thread; the rest is reading,
 * decoding and validating. */
static void import_phases(const import_stats *st)
{
	double total = (double)(dure_monotonic_ns() - st->start_ns);
	if (total <= 0)
		return;
	double parts[4] = {(double)st->exec_ns, (double)st->root_ns,
	                   (double)st->commit_ns, (double)st->wait_ns};
	double rest = total - parts[0] - parts[1] - parts[2] - parts[3];
	fprintf(stderr, "import: time: execute %.2f s (%.0f%%), state root %.2f s "
	        "(%.0f%%), commit %.2f s (%.0f%%), waiting for senders %.2f s "
	        "(%.0f%%), other %.2f s (%.0f%%)\n",
	        parts[0] / 1e9, 100 * parts[0] / total, parts[1] / 1e9,
	        100 * parts[1] / total, parts[2] / 1e9, 100 * parts[2] / total,
	        parts[3] / 1e9, 100 * parts[3] / total, rest / 1e9,
	        100 * rest / total);
	uint64_t executed = st->done - st->known;
	if (!executed)
		return;
	fprintf(stderr, "import: state root: %.1f ms/block over %" PRIu64
	        " blocks", (double)st->root_ns / 1e6 / (double)executed,
	        executed);
	uint64_t late = executed - st->half_executed;
	if (st->half_seen && late)
		fprintf(stderr, ", %.1f ms/block over the %" PRIu64 " blocks of "
		        "the file's second half",
		        (double)(st->root_ns - st->half_root_ns) / 1e6 /
		            (double)late, late);
	fputc('\n', stderr);
}

/* Sender recovery of one block on a thread of its own, while the block
 * before it imports. */
typedef struct recovery {
	const block *b;
	address *senders;        /* b->ntxs of them */
	bool ok;                 /* every signature recovered */
	bool running;
	uv_thread_t th;
} recovery;

static void recover_main(void *arg)
{
	recovery *r = arg;
	r->ok = true;
	for (size_t i = 0; i < r->b->ntxs && r->ok; i++)
		r->ok = tx_sender(&r->b->txs[i], &r->senders[i]) == DURE_OK;
}

/* Starts recovering b's senders, unless bc has b already (a resumed
 * import skips those). Without memory or a thread, the import recovers
 * them itself. */
static void recovery_start(recovery *r, blockchain *bc, const block *b)
{
	memset(r, 0, sizeof *r);
	r->b = b;
	h256 hash;
	bool known = false;
	if (!b->ntxs || header_hash(&b->h, &hash) ||
	    blockchain_known(bc, &hash, &known) || known)
		return;
	r->senders = malloc(b->ntxs * sizeof *r->senders);
	if (r->senders && uv_thread_create(&r->th, recover_main, r) == 0)
		r->running = true;
}

/* Waits for the recovery; returns the senders, or NULL when the import
 * must recover them (a signature that does not recover is then reported
 * with the transaction's index). */
static const address *recovery_wait(recovery *r)
{
	if (r->running) {
		uv_thread_join(&r->th);
		r->running = false;
	}
	return r->ok ? r->senders : NULL;
}

static void recovery_free(recovery *r)
{
	recovery_wait(r);
	free(r->senders);
	r->senders = NULL;
}

static void import_progress(const import_stats *st, uint64_t pos,
                            uint64_t now)
{
	uint64_t ms = now - st->t0;
	fprintf(stderr, "import: %" PRIu64 " blocks (%" PRIu64 " known), "
	        "number %" PRIu64 ", %.2f Mgas/s, %.1f blocks/s, %.1f txs/s",
	        st->done, st->known, st->number, per_s((double)st->gas / 1e6, ms),
	        per_s((double)st->done, ms), per_s((double)st->txs, ms));
	if (st->size && pos && pos <= st->size) {
		uint64_t eta = (uint64_t)((double)ms / 1000.0 *
		                          (double)(st->size - pos) / (double)pos);
		fprintf(stderr, ", %u%%, ETA %" PRIu64 ":%02u",
		        (unsigned)(pos * 100 / st->size), eta / 60,
		        (unsigned)(eta % 60));
	}
	fputc('\n', stderr);
}

/* Reads and decodes the next block of r into *b. Returns DURE_OK with *b
 * filled, DURE_ENOTFOUND at the end of the file, or the error of the
 * bytes at *off that do not make a block. */
static int next_block(chain_reader *r, block *b, uint64_t *off)
{
	*off = r->pos;
	const uint8_t *p;
	size_t n;
	int err = reader_next(r, &p, &n);
	if (!err)
		err = block_decode(p, n, b);
	return err;
}

/* Reports a block that does not decode, after the progress line. */
static void bad_block(import_stats *st, uint64_t off, int err)
{
	import_progress(st, off, dure_clock_now(NULL));
	fprintf(stderr, "dure import: bad block at offset %" PRIu64, off);
	if (st->done)
		fprintf(stderr, " (after block %" PRIu64 ")", st->number);
	if (err == DURE_ERANGE)
		fprintf(stderr, ": larger than %zu MiB\n", CHAIN_BLOCK_MAX >> 20);
	else
		fprintf(stderr, ": %s\n", dure_strerror(err));
}

/* Imports b, whose senders are being recovered by rec. Returns 0, or 1
 * after the progress line and a message naming the block and the rule it
 * broke. */
static int import_one(blockchain *bc, import_stats *st, const block *b,
                      recovery *rec, uint64_t off)
{
	if (!st->half_seen && st->size && off >= st->size / 2) {
		st->half_seen = true;
		st->half_root_ns = st->root_ns;
		st->half_executed = st->done - st->known;
	}
	uint64_t w0 = dure_monotonic_ns();
	const address *senders = recovery_wait(rec);
	st->wait_ns += dure_monotonic_ns() - w0;
	import_result res = {.bad_tx = SIZE_MAX};
	int err = blockchain_import_recovered(bc, b, senders, &res);
	st->exec_ns += res.exec_ns;
	st->root_ns += res.root_ns;
	st->commit_ns += res.commit_ns;
	if (err) {
		import_progress(st, off, dure_clock_now(NULL));
		h256 hash;
		fprintf(stderr, "dure import: block %" PRIu64, b->h.number);
		if (!header_hash(&b->h, &hash)) {
			fputs(" (", stderr);
			put_hash(stderr, &hash);
			fputc(')', stderr);
		}
		if (res.bad_tx != SIZE_MAX)
			fprintf(stderr, " transaction %zu", res.bad_tx);
		fprintf(stderr, " rejected: %s\n", dure_strerror(err));
		return 1;
	}
	st->done++;
	st->number = b->h.number;
	if (res.known) {
		st->known++;
	} else {
		st->gas += res.gas_used;
		st->txs += b->ntxs;
	}
	return 0;
}

/* Imports every block of r into bc and prints the last progress line.
 * The next block is read, decoded and has its senders recovered while
 * the current one imports. Returns 0, or 1 after that line and the
 * message naming the block (or offset) that stopped it. */
static int import_blocks(blockchain *bc, chain_reader *r, import_stats *st)
{
	/* Two slots that trade places: the worker keeps the address of the
	 * slot it recovers, so slots never move. */
	block blk[2];
	recovery rec[2];
	uint64_t off[2];
	memset(blk, 0, sizeof blk);
	memset(rec, 0, sizeof rec);
	int cur = 0, rc = 0;
	int err = next_block(r, &blk[cur], &off[cur]);
	if (err == DURE_ENOTFOUND) {
		import_progress(st, r->pos, dure_clock_now(NULL));
		return flush(bc);
	}
	if (err) {
		bad_block(st, off[cur], err);
		return 1;
	}
	recovery_start(&rec[cur], bc, &blk[cur]);
	for (;;) {
		if (stop_requested) {
			import_progress(st, r->pos, dure_clock_now(NULL));
			if (st->done)
				fprintf(stderr, "dure import: interrupted after block %"
				        PRIu64 "\n", st->number);
			else
				fputs("dure import: interrupted before the first "
				      "block\n", stderr);
			recovery_free(&rec[cur]);
			block_free(&blk[cur]);
			rc = 1;
			break;
		}
		int nxt = !cur;
		int more = next_block(r, &blk[nxt], &off[nxt]);
		if (!more)
			recovery_start(&rec[nxt], bc, &blk[nxt]);
		rc = import_one(bc, st, &blk[cur], &rec[cur], off[cur]);
		recovery_free(&rec[cur]);
		block_free(&blk[cur]);
		if (rc || more) {
			if (!more) {
				recovery_free(&rec[nxt]);
				block_free(&blk[nxt]);
			} else if (!rc && more == DURE_ENOTFOUND) {
				import_progress(st, r->pos, dure_clock_now(NULL));
			} else if (!rc) {
				bad_block(st, off[nxt], more);
				rc = 1;
			}
			break;
		}
		cur = nxt;
		uint64_t now = dure_clock_now(NULL);
		if (now - st->last_sync >= SYNC_MS) {
			st->last_sync = now;
			if ((rc = flush(bc)))
				break;
		}
		if (now - st->last >= PROGRESS_MS) {
			st->last = now;
			import_progress(st, r->pos, now);
		}
	}
	if (flush(bc))
		rc = 1;
	import_phases(st);
	return rc;
}

int cmd_import(int argc, char **argv)
{
	const char *datadir = NULL;
	bool sync = false;
	int rc = parse_common(argc, argv, import_usage, &datadir, &sync);
	if (rc >= 0)
		return rc;
	if (argc - optind != 1) {
		fputs(import_usage, stderr);
		return 2;
	}
	const char *path = argv[optind];
	chain_reader r = {0};
	if (!(r.f = fopen(path, "rb"))) {
		fprintf(stderr, "dure import: cannot open %s: %s\n", path,
		        strerror(errno));
		return 1;
	}
	import_stats st = {0};
	struct stat sb;
	if (fstat(fileno(r.f), &sb) == 0 && S_ISREG(sb.st_mode))
		st.size = (uint64_t)sb.st_size;

	chain_db c;
	if (chain_db_open("import", datadir,
	                  sync ? OPEN_WRITE : OPEN_WRITE_NOSYNC, &c)) {
		fclose(r.f);
		return 1;
	}
	blockchain *bc;
	chain_engines eng;
	int err = chain_engine_open(c.s, NULL, &eng, &bc);
	if (err) {
		fprintf(stderr, "dure import: %s: %s\n", c.dir,
		        err == DURE_ENOTFOUND ? "no genesis (run dure init first)"
		                              : dure_strerror(err));
		chain_db_close(&c);
		fclose(r.f);
		return 1;
	}

	struct sigaction sa = {0}, old_int, old_term;
	sa.sa_handler = on_stop;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	stop_requested = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	st.t0 = st.last = st.last_sync = dure_clock_now(NULL);
	st.start_ns = dure_monotonic_ns();
	rc = import_blocks(bc, &r, &st);

	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	blockchain_free(bc);
	chain_engines_free(&eng);
	chain_db_close(&c);
	free(r.win);
	fclose(r.f);
	return rc;
}

/* ---- export ---- */

static bool parse_number(const char *s, uint64_t *out)
{
	unsigned long v = 0;
	if (!cli_parse_ulong(s, UINT64_MAX, &v))
		return false;
	*out = v;
	return true;
}

/* Writes canonical blocks first..last of t to f. Returns 0, or 1 after a
 * message. */
static int export_blocks(store *s, db_txn *t, uint64_t first, uint64_t last,
                         FILE *f)
{
	buf out = BUF_INIT;
	uint64_t t0 = dure_clock_now(NULL), tl = t0;
	int err = DURE_OK;
	uint64_t n;
	for (n = first; n <= last; n++) {
		h256 hash;
		block b;
		if ((err = store_canonical(s, t, n, &hash)) ||
		    (err = store_block(s, t, &hash, &b)))
			break;
		buf_reset(&out);
		err = block_encode(&b, &out);
		block_free(&b);
		if (err)
			break;
		if (fwrite(out.data, 1, out.len, f) != out.len) {
			err = DURE_EIO;
			break;
		}
		uint64_t now = dure_clock_now(NULL);
		if (now - tl >= PROGRESS_MS) {
			tl = now;
			fprintf(stderr, "export: %" PRIu64 " blocks, number %" PRIu64
			        ", %.1f blocks/s\n", n - first + 1, n,
			        per_s((double)(n - first + 1), now - t0));
		}
		if (n == UINT64_MAX)
			break;
	}
	buf_free(&out);
	if (err) {
		fprintf(stderr, "dure export: block %" PRIu64 ": %s\n", n,
		        err == DURE_EIO ? strerror(errno) : dure_strerror(err));
		return 1;
	}
	fprintf(stderr, "export: %" PRIu64 " blocks (%" PRIu64 "..%" PRIu64
	        "), %.1f blocks/s\n", last - first + 1, first, last,
	        per_s((double)(last - first + 1), dure_clock_now(NULL) - t0));
	return 0;
}

int cmd_export(int argc, char **argv)
{
	const char *datadir = NULL;
	int rc = parse_common(argc, argv, export_usage, &datadir, NULL);
	if (rc >= 0)
		return rc;
	int nargs = argc - optind;
	uint64_t first = 0, last = UINT64_MAX;
	if (nargs < 1 || nargs > 3 ||
	    (nargs >= 2 && !parse_number(argv[optind + 1], &first)) ||
	    (nargs == 3 && !parse_number(argv[optind + 2], &last))) {
		fputs(export_usage, stderr);
		return 2;
	}
	const char *path = argv[optind];

	chain_db c;
	if (chain_db_open("export", datadir, OPEN_READ, &c))
		return 1;
	db_txn *t;
	h256 head;
	uint64_t head_number = 0;
	int err = db_begin_read(c.d, &t);
	if (err) {
		fprintf(stderr, "dure export: %s\n", dure_strerror(err));
		chain_db_close(&c);
		return 1;
	}
	if ((err = store_head(c.s, t, &head)) ||
	    (err = store_number(c.s, t, &head, &head_number))) {
		fprintf(stderr, "dure export: %s: %s\n", c.dir,
		        err == DURE_ENOTFOUND ? "no chain" : dure_strerror(err));
		rc = 1;
	} else {
		if (nargs < 3)
			last = head_number;
		if (first > last || last > head_number) {
			fprintf(stderr, "dure export: no blocks %" PRIu64 "..%" PRIu64
			        " (the head is block %" PRIu64 ")\n", first, last,
			        head_number);
			rc = 1;
		}
	}
	if (rc < 0) {
		FILE *f = fopen(path, "wb");
		if (!f) {
			fprintf(stderr, "dure export: cannot create %s: %s\n", path,
			        strerror(errno));
			rc = 1;
		} else {
			rc = export_blocks(c.s, t, first, last, f);
			if (fclose(f) != 0 && rc == 0) {
				fprintf(stderr, "dure export: %s: %s\n", path,
				        strerror(errno));
				rc = 1;
			}
			/* No partial file is left to pass for a whole one. */
			if (rc)
				remove(path);
		}
	}
	db_abort(t);
	chain_db_close(&c);
	return rc;
}

/* ---- db verify ---- */

/* Returns 0 when the state checks out, else 1 after saying what differs. */
static int verify(store *s, db_txn *t)
{
	h256 head, stored, computed;
	header h;
	size_t accounts = 0, slots = 0;
	int err;
	if ((err = store_head(s, t, &head)) ||
	    (err = store_header(s, t, &head, &h))) {
		fprintf(stderr, "dure db verify: %s\n",
		        err == DURE_ENOTFOUND ? "no chain" : dure_strerror(err));
		return 1;
	}
	printf("head %" PRIu64 " ", h.number);
	put_hash(stdout, &head);
	fputc('\n', stdout);
	if ((err = store_state_root(s, t, &stored))) {
		fprintf(stderr, "dure db verify: state root: %s\n",
		        dure_strerror(err));
		return 1;
	}
	if ((err = store_verify_state(s, t, &computed, &accounts, &slots))) {
		fprintf(stderr, "dure db verify: flat state: %s\n",
		        dure_strerror(err));
		return 1;
	}
	printf("accounts %zu, slots %zu\nstate root ", accounts, slots);
	put_hash(stdout, &computed);
	fputc('\n', stdout);
	if (!h256_eq(&computed, &stored) || !h256_eq(&computed, &h.state_root)) {
		printf("mismatch: the store records ");
		put_hash(stdout, &stored);
		printf(", the head header has ");
		put_hash(stdout, &h.state_root);
		fputc('\n', stdout);
		return 1;
	}
	puts("ok");
	return 0;
}

int cmd_db(int argc, char **argv)
{
	const char *datadir = NULL;
	int rc = parse_common(argc, argv, db_usage, &datadir, NULL);
	if (rc >= 0)
		return rc;
	if (argc - optind != 1 || strcmp(argv[optind], "verify")) {
		fputs(db_usage, stderr);
		return 2;
	}
	chain_db c;
	if (chain_db_open("db verify", datadir, OPEN_READ, &c))
		return 1;
	db_txn *t;
	int err = db_begin_read(c.d, &t);
	if (err) {
		fprintf(stderr, "dure db verify: %s\n", dure_strerror(err));
		rc = 1;
	} else {
		rc = verify(c.s, t);
		db_abort(t);
	}
	chain_db_close(&c);
	return rc;
}
