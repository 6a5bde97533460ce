/* The proof-of-work miner: builds a block on the head from the pool and
 * searches its nonce on worker threads while the loop thread runs on.
 *
 * Building (loop thread): the pool's best pending transactions that fit
 * the next block's gas limit, at its base fee and blob base fee
 * (blockchain_pool_env), go into blockchain_build with the etherbase as
 * coinbase and timestamp max(wall clock, parent's + 1); the engine's
 * prepare, which blockchain_build runs, sets the difficulty (consensus/
 * pow.h). A transaction the chain refuses is dropped from the pool
 * (txpool_remove) and the block built again without it.
 *
 * Searching (worker threads): S is absorbed once (pow_work); thread i
 * starts at a random nonce plus i * 2^56 and counts up. The first nonce
 * that seals comes back to the loop through a uv_async_t; on_sealed then
 * gets the sealed block, and the search stops until miner_restart.
 *
 * Threads. The workers share with the loop thread only: a mutex and a
 * condition variable that guard the job (pow_work, first nonce and its
 * generation), the active / quit flags and the found nonce; an atomic
 * generation counter, written by the loop thread (holding the mutex)
 * whenever a job is replaced or withdrawn, which a worker reads between
 * batches of MINER_BATCH hashes to drop stale work without being joined;
 * an atomic hash counter; and the async handle, whose uv_async_send is
 * libuv's one thread-safe call. The blockchain, the pool, the block
 * being sealed, the timer and every other field are the loop thread's,
 * and no worker reaches them. Workers wait on the condition variable
 * between jobs and exit only at miner_free, which joins them.
 *
 * Every function here runs on the loop thread. */
#ifndef DURE_CONSENSUS_MINER_H
#define DURE_CONSENSUS_MINER_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/err.h"
#include "chain/block.h"
#include "consensus/blockchain.h"
#include "txpool/txpool.h"

/* Search threads one miner runs at most (each owns 2^56 nonces). */
#define MINER_THREADS_MAX 256
/* Transactions one block takes from the pool at most. */
#define MINER_BLOCK_TXS_MAX 4096
/* A rebuild for new transactions waits this long (ms) after the last. */
#define MINER_RECOMMIT_MS 250
/* Hashes a worker tries between two looks at the generation. */
#define MINER_BATCH 4096

typedef struct miner_config {
	unsigned threads;        /* 1 to MINER_THREADS_MAX */
	address etherbase;       /* every block's coinbase */
	const uint8_t *extra;    /* extra data, at most 32 bytes; copied */
	size_t extra_len;
	/* Unix time in milliseconds for timestamps; NULL: the system's
	 * (dure_unix_ms). Borrowed: it must outlive the miner. */
	const dure_clock *wall;
} miner_config;

typedef struct miner miner;

/* Called on the loop thread with a sealed block, borrowed for the call:
 * the caller imports it (and broadcasts it), and calls miner_restart
 * when the head moves. The callback may call any miner function,
 * miner_free included. */
typedef void (*miner_sealed_fn)(void *ctx, const block *b);

/* Creates a stopped miner on loop for bc (opened with the pow engine)
 * filling blocks from pool (NULL: empty blocks), both borrowed, and
 * starts its cfg->threads workers, idle until miner_start. Returns
 * DURE_OK, DURE_EINVAL (no threads or more than MINER_THREADS_MAX, extra
 * data over 32 bytes, no on_sealed), DURE_ENOMEM (also when a thread
 * cannot be started), or DURE_EIO (the async handle); *out is NULL on
 * failure, and a handle opened before the failure closes in a loop
 * callback (run the loop to let it). */
DURE_WUR int miner_new(uv_loop_t *loop, blockchain *bc, txpool *pool,
                       const miner_config *cfg, miner_sealed_fn on_sealed,
                       void *ctx, miner **out);

/* Builds a block on the head from the pool and starts the search,
 * resetting the hash counter (a running miner builds again at once).
 * Returns DURE_OK, or (the miner then stopped) DURE_EINVAL when the
 * chain's engine gives the block no difficulty (not proof of work, or a
 * parent above POW_MAX_DIFFICULTY), DURE_EIO (no randomness for the
 * first nonce), or a blockchain_pool_env / blockchain_build error. */
DURE_WUR int miner_start(miner *m);

/* Stops the search (the workers idle) and drops the block; the next
 * miner_start builds a new one. */
void miner_stop(miner *m);

/* The head moved, or transactions arrived: schedules a rebuild on the
 * loop, at once (next loop iteration) for a new head or when no search
 * runs, else MINER_RECOMMIT_MS after the last build at the earliest, so
 * calling it for every transaction is cheap. It never builds inside the
 * call, so it is safe from any loop callback, a pool listener included.
 * A rebuild that fails stops a search on a parent that is no longer the
 * head (else the old search goes on) and is retried after
 * MINER_RECOMMIT_MS. Nothing on a stopped miner. Returns DURE_OK, the
 * error the last scheduled rebuild failed with (each reported once, by
 * the next call), or a store error reading the head. */
DURE_WUR int miner_restart(miner *m);

/* Hashes tried since miner_start, for a hash rate. */
uint64_t miner_hashes(const miner *m);

/* Stops the search, joins every worker and closes the miner's handles,
 * which frees it from loop callbacks: the caller keeps running the loop
 * until uv_run returns. The handle is invalid afterwards. NULL is a
 * no-op. */
void miner_free(miner *m);

#endif
