/* The proof-of-work miner (see miner.h, and its Threads paragraph for
 * what the workers share). */
#include "consensus/miner.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "consensus/builder.h"
#include "consensus/pow.h"
#include "crypto/ecies.h"

typedef struct miner_job {
	pow_work work;
	uint64_t start;          /* thread i's first nonce: start + i * 2^56 */
	uint64_t gen;            /* the generation it was published under */
} miner_job;

typedef struct worker {
	miner *m;
	unsigned index;
	uv_thread_t thread;
} worker;

struct miner {
	/* The loop thread's. */
	uv_loop_t *loop;
	blockchain *bc;
	txpool *pool;
	miner_config cfg;
	uint8_t extra[32];
	miner_sealed_fn on_sealed;
	void *ctx;
	bool running;            /* between miner_start and miner_stop */
	bool searching;          /* a job for tmpl is out */
	block tmpl;              /* the block being sealed, when searching */
	uint64_t built_at;       /* uv_now of the last build */
	int err;                 /* a scheduled rebuild's failure, unreported */
	uv_timer_t timer;
	uv_async_t async;
	bool timer_open, async_open;
	unsigned handles;        /* open handles: freed when the last closes */
	worker *workers;
	unsigned nworkers;       /* started */

	/* Shared with the workers. */
	uv_mutex_t mu;
	uv_cond_t cv;
	_Atomic uint64_t gen;    /* written by the loop thread holding mu */
	_Atomic uint64_t hashes;
	/* Under mu. */
	bool quit;
	bool active;             /* job is to be searched */
	miner_job job;
	bool found;
	uint64_t found_gen, found_nonce;
};

/* ---- the workers ---- */

/* Hands the nonce of job gen to the loop, unless the job is stale. */
static void report(miner *m, uint64_t gen, uint64_t nonce)
{
	uv_mutex_lock(&m->mu);
	bool fresh = m->active && !m->found && m->job.gen == gen;
	if (fresh) {
		m->found = true;
		m->found_gen = gen;
		m->found_nonce = nonce;
	}
	uv_mutex_unlock(&m->mu);
	if (fresh)
		uv_async_send(&m->async);
}

static void search(miner *m, const miner_job *job, unsigned index)
{
	uint64_t n = job->start + ((uint64_t)index << 56);
	/* Relaxed: the job itself came under the mutex; the generation only
	 * tells when to give it up. */
	while (atomic_load_explicit(&m->gen, memory_order_relaxed) ==
	       job->gen) {
		uint64_t nonce;
		bool ok = pow_work_search(&job->work, n, MINER_BATCH, &nonce);
		atomic_fetch_add_explicit(&m->hashes,
		                          ok ? nonce - n + 1 : MINER_BATCH,
		                          memory_order_relaxed);
		if (ok) {
			report(m, job->gen, nonce);
			return;
		}
		n += MINER_BATCH;
	}
}

static void worker_main(void *arg)
{
	worker *w = arg;
	miner *m = w->m;
	uint64_t seen = 0;       /* generations start at 1 */
	uv_mutex_lock(&m->mu);
	for (;;) {
		while (!m->quit && (!m->active || m->job.gen == seen))
			uv_cond_wait(&m->cv, &m->mu);
		if (m->quit)
			break;
		miner_job job = m->job;
		seen = job.gen;
		uv_mutex_unlock(&m->mu);
		search(m, &job, w->index);
		uv_mutex_lock(&m->mu);
	}
	uv_mutex_unlock(&m->mu);
}

/* ---- jobs, from the loop thread ---- */

static void publish(miner *m, const pow_work *w, uint64_t start)
{
	uv_mutex_lock(&m->mu);
	uint64_t g = atomic_load(&m->gen) + 1;
	atomic_store(&m->gen, g);
	m->job = (miner_job){*w, start, g};
	m->active = true;
	m->found = false;
	uv_cond_broadcast(&m->cv);
	uv_mutex_unlock(&m->mu);
}

/* Withdraws the job: searching workers see the generation move and go
 * back to waiting. */
static void halt(miner *m)
{
	uv_mutex_lock(&m->mu);
	atomic_store(&m->gen, atomic_load(&m->gen) + 1);
	m->active = false;
	m->found = false;
	uv_mutex_unlock(&m->mu);
}

static void drop_search(miner *m)
{
	halt(m);
	m->searching = false;
	block_free(&m->tmpl);
}

/* ---- building ---- */

static uint64_t wall_s(const miner *m)
{
	return (m->cfg.wall ? dure_clock_now(m->cfg.wall) : dure_unix_ms()) /
	       1000;
}

/* Builds the block to seal on parent from the pool. */
static int build(miner *m, const header *parent, block *out)
{
	uint64_t now = wall_s(m);
	build_opts bo = {
		.coinbase = m->cfg.etherbase,
		.timestamp = now > parent->timestamp ? now : parent->timestamp + 1,
		.extra = m->extra,
		.extra_len = m->cfg.extra_len,
	};
	int err = blockchain_build_from_pool(m->bc, m->pool, parent, &bo,
	                                     MINER_BLOCK_TXS_MAX, out);
	if (!err && u256_is_zero(&out->h.difficulty)) {
		block_free(out);
		err = DURE_EINVAL;
	}
	return err;
}

/* Builds on the head and puts the workers on it. On failure a search
 * on a parent that is still the head goes on; any other stops. */
static void on_timer(uv_timer_t *t);

static int rebuild(miner *m)
{
	header head;
	h256 hash = {{0}};
	int err = blockchain_head(m->bc, &head, &hash);
	if (err)
		return err;
	/* Never a block stamped ahead of the clock: a miner faster than one
	 * block a second waits for the next second (the difficulty then
	 * rises), where racing ahead would soon be refused as a future
	 * block by every peer. */
	uint64_t now_ms = m->cfg.wall ? dure_clock_now(m->cfg.wall)
	                              : dure_unix_ms();
	if (head.timestamp >= now_ms / 1000) {
		if (m->searching)
			drop_search(m);
		uint64_t wait = (head.timestamp + 1) * 1000 - now_ms;
		uv_timer_start(&m->timer, on_timer, wait > 1000 ? 1000 : wait, 0);
		return DURE_OK;
	}
	block b;
	err = build(m, &head, &b);
	pow_work w;
	uint64_t start;
	if (!err) {
		err = pow_work_init(&b.h, &w);
		if (!err && crypto_random((uint8_t *)&start, sizeof start))
			err = DURE_EIO;
		if (err)
			block_free(&b);
	}
	if (err) {
		if (m->searching && !h256_eq(&m->tmpl.h.parent_hash, &hash))
			drop_search(m);
		return err;
	}
	block_free(&m->tmpl);
	m->tmpl = b;
	m->searching = true;
	m->built_at = uv_now(m->loop);
	publish(m, &w, start);
	return DURE_OK;
}

static void on_timer(uv_timer_t *t)
{
	miner *m = t->data;
	int err = m->running ? rebuild(m) : DURE_OK;
	if (err) {
		m->err = err;
		uv_timer_start(&m->timer, on_timer, MINER_RECOMMIT_MS, 0);
	}
}

/* A worker found a nonce (or a stale report raced a new job). */
static void on_async(uv_async_t *a)
{
	miner *m = a->data;
	uv_mutex_lock(&m->mu);
	bool got = m->found && m->active &&
	           m->found_gen == atomic_load(&m->gen);
	uint64_t nonce = m->found_nonce;
	uv_mutex_unlock(&m->mu);
	if (!got || !m->searching)
		return;
	halt(m);
	m->searching = false;
	/* Moved out first: on_sealed may restart, stop or free the miner. */
	block b = m->tmpl;
	memset(&m->tmpl, 0, sizeof m->tmpl);
	pow_put_nonce(nonce, b.h.nonce);
	m->on_sealed(m->ctx, &b);
	block_free(&b);
}

/* ---- lifetime ---- */

static void release(miner *m)
{
	uv_cond_destroy(&m->cv);
	uv_mutex_destroy(&m->mu);
	free(m->workers);
	free(m);
}

static void on_closed(uv_handle_t *h)
{
	miner *m = h->data;
	if (--m->handles == 0)
		release(m);
}

/* Joins the workers and closes the handles; m is freed once they are
 * closed. */
static void teardown(miner *m)
{
	uv_mutex_lock(&m->mu);
	m->quit = true;
	atomic_store(&m->gen, atomic_load(&m->gen) + 1);
	uv_cond_broadcast(&m->cv);
	uv_mutex_unlock(&m->mu);
	for (unsigned i = 0; i < m->nworkers; i++)
		uv_thread_join(&m->workers[i].thread);
	m->nworkers = 0;
	if (m->timer_open)
		uv_close((uv_handle_t *)&m->timer, on_closed);
	if (m->async_open)
		uv_close((uv_handle_t *)&m->async, on_closed);
	if (!m->handles)
		release(m);
}

int miner_new(uv_loop_t *loop, blockchain *bc, txpool *pool,
              const miner_config *cfg, miner_sealed_fn on_sealed, void *ctx,
              miner **out)
{
	*out = NULL;
	if (!cfg->threads || cfg->threads > MINER_THREADS_MAX ||
	    cfg->extra_len > 32 || !on_sealed)
		return DURE_EINVAL;
	miner *m = calloc(1, sizeof *m);
	worker *w = calloc(cfg->threads, sizeof *w);
	if (!m || !w || uv_mutex_init(&m->mu)) {
		free(m);
		free(w);
		return DURE_ENOMEM;
	}
	if (uv_cond_init(&m->cv)) {
		uv_mutex_destroy(&m->mu);
		free(m);
		free(w);
		return DURE_ENOMEM;
	}
	m->loop = loop;
	m->bc = bc;
	m->pool = pool;
	m->cfg = *cfg;
	if (cfg->extra_len)
		memcpy(m->extra, cfg->extra, cfg->extra_len);
	m->cfg.extra = NULL;
	m->on_sealed = on_sealed;
	m->ctx = ctx;
	m->workers = w;
	int err = DURE_OK;
	if (uv_timer_init(loop, &m->timer) == 0) {
		m->timer.data = m;
		m->timer_open = true;
		m->handles++;
	} else {
		err = DURE_EIO;
	}
	if (!err && uv_async_init(loop, &m->async, on_async) == 0) {
		m->async.data = m;
		m->async_open = true;
		m->handles++;
	} else if (!err) {
		err = DURE_EIO;
	}
	for (unsigned i = 0; !err && i < cfg->threads; i++) {
		w[i].m = m;
		w[i].index = i;
		if (uv_thread_create(&w[i].thread, worker_main, &w[i]))
			err = DURE_ENOMEM;
		else
			m->nworkers++;
	}
	if (err) {
		teardown(m);
		return err;
	}
	*out = m;
	return DURE_OK;
}

int miner_start(miner *m)
{
	uv_timer_stop(&m->timer);
	atomic_store_explicit(&m->hashes, 0, memory_order_relaxed);
	m->running = true;
	m->err = DURE_OK;
	int err = rebuild(m);
	if (err)
		miner_stop(m);
	return err;
}

void miner_stop(miner *m)
{
	m->running = false;
	uv_timer_stop(&m->timer);
	drop_search(m);
}

int miner_restart(miner *m)
{
	if (!m->running)
		return DURE_OK;
	int err = m->err;
	m->err = DURE_OK;
	header head;
	h256 hash;
	int herr = blockchain_head(m->bc, &head, &hash);
	if (herr)
		return herr;
	uint64_t delay = 0;
	if (m->searching && h256_eq(&hash, &m->tmpl.h.parent_hash)) {
		/* Only the transactions changed: one rebuild per
		 * MINER_RECOMMIT_MS, and one already scheduled covers this. */
		if (uv_is_active((uv_handle_t *)&m->timer))
			return err;
		uint64_t since = uv_now(m->loop) - m->built_at;
		if (since < MINER_RECOMMIT_MS)
			delay = MINER_RECOMMIT_MS - since;
	}
	uv_timer_start(&m->timer, on_timer, delay, 0);
	return err;
}

uint64_t miner_hashes(const miner *m)
{
	return atomic_load_explicit(&m->hashes, memory_order_relaxed);
}

void miner_free(miner *m)
{
	if (!m)
		return;
	miner_stop(m);
	teardown(m);
}
