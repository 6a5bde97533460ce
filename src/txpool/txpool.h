/* The transaction pool: transactions waiting for a block, per sender in
 * nonce order, validated against the head they would run on.
 *
 * Rules (each a named error code):
 *   size        encoded transaction at most max_tx_size        DURE_EPOOL_SIZE
 *   known       a hash already pooled                          DURE_EPOOL_KNOWN
 *   stateless   tx_validate at the head's fork, chain id       DURE_ETX_*
 *   gas limit   at most the next block's gas limit             DURE_EPOOL_GAS_LIMIT
 *   fee floor   tip (legacy: gas price) at least min_tip       DURE_EPOOL_UNDERPRICED
 *   base fee    with refuse_below_base_fee, fee cap at least the
 *               next block's base fee                          DURE_ETR_BASE_FEE
 *   EIP-3607    sender without code (unless allow_sender_code)  DURE_ETR_SENDER_CODE
 *   nonce       at least the account's nonce                   DURE_EPOOL_NONCE_LOW
 *   nonce gap   at most max_nonce_gap past the sender's next   DURE_EPOOL_NONCE_GAP
 *   funds       gas * fee cap + value + blob gas * blob fee cap
 *               within the balance                             DURE_ETR_FUNDS
 *   replacement the same (sender, nonce) only when fee cap and
 *               tip both rise by price_bump percent            DURE_EPOOL_REPLACE
 *   slots       per sender and in all; when full, the cheapest
 *               sender's last transaction makes room for one
 *               that pays more                                 DURE_EPOOL_FULL
 * A failed add leaves the pool exactly as it was.
 *
 * A fee cap below the base fee does not keep a transaction out (the base
 * fee may fall); the block iterator leaves it, and its sender's later
 * transactions, out until it pays.
 *
 * Pending and queued: a sender's pending transactions are the run of
 * consecutive nonces that starts at the account's nonce; the rest are
 * queued, and move to pending when the gap before them fills.
 *
 * The pool reads no store: the caller describes the head with a txpool_env,
 * whose account callback reads the head's state. The nonces the pool
 * counts pending from are those of the last txpool_on_head (or, for a
 * sender new to the pool, of the add that brought it), so the caller calls
 * txpool_on_head after anything that changes the head's accounts: a new
 * head, or a dev node's edits to the state.
 *
 * Not thread-safe; everything runs on the caller's thread. */
#ifndef DURE_TXPOOL_TXPOOL_H
#define DURE_TXPOOL_TXPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/bytes.h"
#include "base/err.h"
#include "chain/tx.h"
#include "evm/fork.h"
#include "u256/u256.h"

typedef struct txpool txpool;

typedef struct txpool_config {
	size_t account_slots;   /* pending + queued per sender; 0: 64 */
	size_t global_slots;    /* all transactions; 0: 5120; at most
	                           TXPOOL_MAX_GLOBAL_SLOTS */
	size_t max_tx_size;     /* encoded bytes; 0: 128 KiB (geth's txMaxSize) */
	unsigned price_bump;    /* percent a replacement must raise both fee
	                           caps by; 0: 10 */
	u256 min_tip;           /* floor on the tip or legacy gas price
	                           (geth's --txpool.pricelimit is 1 wei; a dev
	                           node sets 0) */
	uint64_t max_nonce_gap; /* a nonce further than this above the sender's
	                           next one is refused; 0: 64 */
	/* Refuse a fee cap below the next block's base fee
	                           (DURE_ETR_BASE_FEE) instead of keeping it
	                           until the base fee falls: a dev node's
	                           chain grows only on demand, so such a
	                           transaction would wait forever (Anvil
	                           refuses it too). */
	bool refuse_below_base_fee;
	uint64_t hash_seed;     /* keys the pool's hash tables, so that peers
	                           cannot aim hashes or addresses at one bucket;
	                           the node passes a random value */
} txpool_config;

/* Bounds the tables the pool sizes from global_slots. */
#define TXPOOL_MAX_GLOBAL_SLOTS ((size_t)1 << 22)

/* The head the pool validates against: the next block's rules and fees and
 * the head state's accounts. */
typedef struct txpool_env {
	fork rev;
	uint64_t chain_id;
	u256 base_fee;          /* of the next block; zero before London */
	u256 blob_base_fee;     /* of the next block; zero before Cancun */
	uint64_t gas_limit;     /* of the next block */
	bool unlimited_code_size; /* the chain's: no EIP-3860 initcode limit */
	bool allow_sender_code;   /* the chain's: no EIP-3607 */
	/* Reads account a of the head state. Returns DURE_OK (also for an
	 * absent account, with zeros and false) or an error code, which the
	 * pool passes on. */
	int (*account)(void *ctx, const address *a, uint64_t *nonce,
	               u256 *balance, bool *has_code);
	void *ctx;
} txpool_env;

/* A pooled transaction. Owned by the pool; a pointer to it stays valid
 * until the transaction leaves the pool (removed, replaced, evicted, mined
 * or dropped by txpool_on_head, or the pool freed). */
typedef struct txpool_entry {
	tx tx;
	h256 hash;
	address sender;
	uint8_t *raw;           /* the network encoding the hash is of */
	size_t raw_len;
	uint64_t seq;           /* arrival order, unique, increasing */
	bool pending;           /* executable now (else queued) */
} txpool_entry;

/* What an accepted transaction became. */
typedef struct txpool_result {
	h256 hash;
	address sender;
	bool replaced;          /* it took the place of replaced_hash, which
	                           had the same sender and nonce */
	h256 replaced_hash;
	bool pending;           /* executable now; else queued behind a gap */
} txpool_result;

/* Creates an empty pool. cfg may be NULL (every default; hash seed 0).
 * Returns DURE_OK and sets *out (free with txpool_free), DURE_EINVAL for a
 * global_slots above TXPOOL_MAX_GLOBAL_SLOTS, or DURE_ENOMEM; *out is NULL
 * on failure. */
DURE_WUR int txpool_new(const txpool_config *cfg, txpool **out);

/* Frees p and every pooled entry. NULL is a no-op. */
void txpool_free(txpool *p);

/* Called, with ctx, for each transaction that becomes pending: on add, on
 * promotion when a gap fills, and on txpool_on_head. The callback may read
 * the pool (txpool_get, counts, txpool_next_nonce) but not change it.
 * fn NULL removes the listener. */
void txpool_set_listener(txpool *p,
                         void (*fn)(void *ctx, const txpool_entry *e),
                         void *ctx);

/* Adds a transaction in its network form from a peer or a client: bounds
 * the size, decodes, runs tx_validate at env->rev, checks the chain id and
 * recovers the sender, then applies txpool_add's rules.
 * Returns DURE_OK and fills *result, or an error code (see the rules above;
 * decoding errors are tx_decode's, DURE_ESIG for a signature that does not
 * recover, DURE_ENOMEM) with *result zeroed and the pool unchanged. */
DURE_WUR int txpool_add_raw(txpool *p, const txpool_env *env,
                            const uint8_t *raw, size_t n,
                            txpool_result *result);

/* Adds t from a sender the caller vouches for (a tx the node signed, or an
 * impersonated sender with a placeholder signature on a dev node): the
 * signature is not checked, every other rule is. raw is t's network
 * encoding, whose hash identifies it; NULL has the pool encode t. t and raw
 * are copied. Returns as txpool_add_raw. */
DURE_WUR int txpool_add(txpool *p, const txpool_env *env, const tx *t,
                        const address *sender, const uint8_t *raw, size_t n,
                        txpool_result *result);

/* The pooled entry with this hash, or NULL. */
const txpool_entry *txpool_get(const txpool *p, const h256 *hash);

/* Removes the transaction with this hash (anvil_dropTransaction); the
 * sender's later transactions, now behind a gap, become queued. Returns
 * DURE_OK or DURE_ENOTFOUND. */
DURE_WUR int txpool_remove(txpool *p, const h256 *hash);

/* The nonce the sender's next transaction should carry (eth_getTransaction-
 * Count at "pending"): the account's nonce in env, moved past the pooled
 * transactions that follow it without a gap. Returns DURE_OK, or the
 * account callback's error with *nonce zero. */
DURE_WUR int txpool_next_nonce(const txpool *p, const txpool_env *env,
                               const address *sender, uint64_t *nonce);

size_t txpool_pending_count(const txpool *p);
size_t txpool_queued_count(const txpool *p);

/* Calls fn for each pending (txpool_foreach_pending) or queued
 * (txpool_foreach_queued) entry, senders in address order, each sender's in
 * nonce order (txpool_content, txpool_inspect). fn must not change the pool;
 * a nonzero return stops the walk and is returned. Returns DURE_OK, fn's
 * nonzero value, or DURE_ENOMEM. */
DURE_WUR int txpool_foreach_pending(const txpool *p,
                                    int (*fn)(void *ctx, const txpool_entry *e),
                                    void *ctx);
DURE_WUR int txpool_foreach_queued(const txpool *p,
                                   int (*fn)(void *ctx, const txpool_entry *e),
                                   void *ctx);

/* Block building: the pending transactions by effective tip at the block's
 * base fee (min(max priority fee, max fee - base fee); legacy and EIP-2930:
 * gas price - base fee), highest first, ties by arrival, each sender's in
 * nonce order. A sender whose next transaction's fee cap is below the base
 * fee, or whose blob fee cap is below the blob base fee, yields nothing
 * more. Any change to the pool ends the walk (peek then returns NULL). */
typedef struct txpool_iter txpool_iter;

/* Starts a walk over p's pending transactions at these fees. Returns
 * DURE_OK and sets *out (free with txpool_iter_free), or DURE_ENOMEM with
 * *out NULL. */
DURE_WUR int txpool_iter_new(const txpool *p, const u256 *base_fee,
                             const u256 *blob_base_fee, txpool_iter **out);

/* The best transaction left, or NULL at the end. */
const txpool_entry *txpool_iter_peek(const txpool_iter *it);

/* Takes the transaction peek returns (it went into the block): returns it
 * and moves on to its sender's next. NULL at the end. */
const txpool_entry *txpool_iter_next(txpool_iter *it);

/* The transaction peek returns could not be included: drops it and the rest
 * of its sender's, which would follow it. No-op at the end. */
void txpool_iter_skip_sender(txpool_iter *it);

/* NULL is a no-op. */
void txpool_iter_free(txpool_iter *it);

/* The head moved (or the head's state was edited): re-validates the pool
 * against env. First every sender is re-checked against its account:
 * transactions below the account's nonce leave (that is how mined ones go),
 * and so do those the balance no longer pays for and those above the new
 * gas limit; pending and queued are recomputed. Then dropped[i] (sent by
 * dropped_senders[i]), the transactions of blocks that left the canonical
 * chain, come back under txpool_add's rules, their signatures not checked
 * again; one already pooled, or whose nonce the new chain used, does not.
 * Returns DURE_OK, or the first error of the account callback or of
 * memory; the pool is consistent either way. */
DURE_WUR int txpool_on_head(txpool *p, const txpool_env *env,
                            const tx *const *dropped,
                            const address *dropped_senders, size_t ndropped);

#endif
