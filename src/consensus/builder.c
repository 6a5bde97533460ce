#include "consensus/builder.h"

#include <stdlib.h>
#include <string.h>

#include "chain/validate.h"
#include "consensus/pool_env.h"
#include "store/store.h"

/* The header of the head's child, but for what execution decides. */
static int child_header(blockchain *bc, const build_opts *o,
                        const header *parent, const h256 *phash,
                        const u256 *ptd, header *h, fork *rev)
{
	const chain_config *c = blockchain_config(bc);
	memset(h, 0, sizeof *h);
	h->parent_hash = *phash;
	h->coinbase = o->coinbase;
	h->number = parent->number + 1;
	h->gas_limit = o->gas_limit ? o->gas_limit : parent->gas_limit;
	h->timestamp = o->timestamp ? o->timestamp : parent->timestamp + 1;
	if (h->timestamp <= parent->timestamp || o->extra_len > header_extra_max(c))
		return DURE_EINVAL;
	if (o->extra_len)
		memcpy(h->extra, o->extra, o->extra_len);
	h->extra_len = o->extra_len;
	h->mix_hash = o->prev_randao;
	h->ommers_hash = EMPTY_OMMERS_HASH;
	*rev = chain_config_fork_td(c, h->number, h->timestamp, ptd);
	int err = DURE_OK;
	if (*rev >= FORK_LONDON) {
		h->has_base_fee = true;
		if (o->has_base_fee)
			h->base_fee = o->base_fee;
		else
			err = header_base_fee(c, parent, &h->base_fee);
	}
	if (!err && *rev >= FORK_SHANGHAI)
		h->has_withdrawals_root = true;
	else if (o->nwithdrawals)
		return DURE_EINVAL;
	if (!err && *rev >= FORK_CANCUN) {
		h->has_blob_gas = true;
		h->has_parent_beacon_root = true;
		h->parent_beacon_root = o->parent_beacon_root;
		err = header_excess_blob_gas(parent, &h->excess_blob_gas);
	}
	if (err)
		return err;
	const engine *e = blockchain_engine(bc);
	e->prepare(e->ctx, c, *rev, parent, h);
	return DURE_OK;
}

/* Copies txs and withdrawals into b's body. */
static int fill_body(block *b, const tx *txs, size_t ntxs,
                     const withdrawal *w, size_t nw)
{
	b->txs = calloc(ntxs ? ntxs : 1, sizeof *b->txs);
	b->withdrawals = calloc(nw ? nw : 1, sizeof *b->withdrawals);
	if (!b->txs || !b->withdrawals)
		return DURE_ENOMEM;
	if (nw)
		memcpy(b->withdrawals, w, nw * sizeof *w);
	b->nwithdrawals = nw;
	buf enc = BUF_INIT;
	int err = DURE_OK;
	for (size_t i = 0; i < ntxs && !err; i++) {
		buf_reset(&enc);
		err = tx_encode(&txs[i], &enc);
		if (!err)
			err = tx_decode(enc.data, enc.len, &b->txs[i]);
		if (!err)
			b->ntxs++;
	}
	buf_free(&enc);
	return err;
}

static int finalize(void *ctx, state *st, const block *b, fork rev)
{
	const engine *e = ctx;
	return e->finalize(e->ctx, st, b, rev);
}

static int begin(void *ctx, state *st, const block *b, fork rev)
{
	const engine *e = ctx;
	return e->begin ? e->begin(e->ctx, st, b, rev) : DURE_OK;
}

/* Executes b over the head's state in a write transaction that is then
 * thrown away, and writes the post-state root to *root. */
static int execute(blockchain *bc, const build_opts *o, db_txn *t,
                   const block *b, fork rev, block_result *res, h256 *root)
{
	store *s = blockchain_store(bc);
	store_view v = {s, t};
	state_backend be;
	store_view_backend(&v, &be);
	state *st;
	int err = state_new_backed(&be, &st);
	if (err)
		return err;
	block_exec_opts eo = {
		.senders = o->senders,
		.codes = blockchain_code_cache(bc),
		.begin = begin,
		.begin_ctx = (void *)blockchain_engine(bc),
		.finalize = finalize,
		.finalize_ctx = (void *)blockchain_engine(bc),
	};
	err = block_run(st, blockchain_config(bc), rev, b, &eo, res);
	const state_change *ch;
	size_t n;
	if (!err)
		err = state_changes(st, &ch, &n);
	if (!err)
		err = store_apply(s, t, b->h.number, ch, n, false, root);
	state_free(st);
	return err;
}

int blockchain_build(blockchain *bc, const build_opts *o, const tx *txs,
                     size_t ntxs, block *out, block_result *res)
{
	memset(out, 0, sizeof *out);
	/* No transaction to blame for a failure before execution. */
	block_result r = {.bad_tx = SIZE_MAX};
	store *s = blockchain_store(bc);
	db_txn *t;
	int err = db_begin_write(store_db(s), &t);
	if (err)
		return err;
	h256 phash;
	header parent;
	u256 ptd;
	err = store_head(s, t, &phash);
	if (!err)
		err = store_header(s, t, &phash, &parent);
	if (!err)
		err = store_td(s, t, &phash, &ptd);
	fork rev = FORK_FRONTIER;
	if (!err)
		err = child_header(bc, o, &parent, &phash, &ptd, &out->h, &rev);
	if (!err) {
		out->has_withdrawals = out->h.has_withdrawals_root;
		err = fill_body(out, txs, ntxs, o->withdrawals, o->nwithdrawals);
	}
	h256 root;
	if (!err)
		err = execute(bc, o, t, out, rev, &r, &root);
	db_abort(t);
	header *h = &out->h;
	if (!err) {
		h->state_root = root;
		h->receipts_root = r.receipts_root;
		memcpy(h->bloom, r.bloom, sizeof h->bloom);
		h->gas_used = r.gas_used;
		h->blob_gas_used = r.blob_gas_used;
		err = block_tx_root(out->txs, out->ntxs, &h->tx_root);
	}
	if (!err && h->has_withdrawals_root)
		err = block_withdrawals_root(out->withdrawals, out->nwithdrawals,
		                             &h->withdrawals_root);
	if (err) {
		size_t bad = r.bad_tx;
		block_result_free(&r);
		block_free(out);
		if (res) {
			memset(res, 0, sizeof *res);
			res->bad_tx = bad;
		}
		return err;
	}
	if (res)
		*res = r;
	else
		block_result_free(&r);
	return DURE_OK;
}

int blockchain_take_from_pool(const txpool *pool, uint64_t gas_limit,
                              const u256 *base_fee, const u256 *blob_fee,
                              size_t max, tx **txs, address **senders,
                              size_t *n)
{
	*txs = NULL;
	*senders = NULL;
	*n = 0;
	if (!pool)
		return DURE_OK;
	txpool_iter *it;
	int err = txpool_iter_new(pool, base_fee, blob_fee, &it);
	if (err)
		return err;
	size_t cap = 0;
	uint64_t gas = 0;
	const txpool_entry *e;
	while (*n < max && (e = txpool_iter_peek(it))) {
		if (e->tx.gas_limit > gas_limit - gas) {
			txpool_iter_skip_sender(it);
			continue;
		}
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			tx *g = realloc(*txs, nc * sizeof *g);
			if (!g) {
				err = DURE_ENOMEM;
				break;
			}
			*txs = g;
			address *s = realloc(*senders, nc * sizeof *s);
			if (!s) {
				err = DURE_ENOMEM;
				break;
			}
			*senders = s;
			cap = nc;
		}
		(*txs)[*n] = e->tx;
		(*senders)[*n] = e->sender;
		(*n)++;
		gas += e->tx.gas_limit;
		txpool_iter_next(it);
	}
	txpool_iter_free(it);
	if (err) {
		free(*txs);
		free(*senders);
		*txs = NULL;
		*senders = NULL;
		*n = 0;
	}
	return err;
}

int blockchain_build_from_pool(blockchain *bc, txpool *pool,
                               const header *parent, const build_opts *opts,
                               size_t max, block *out)
{
	memset(out, 0, sizeof *out);
	txpool_env env;
	state_backend none = {0};
	int err = blockchain_pool_env(bc, parent, &none, &env);
	if (err)
		return err;
	build_opts bo = *opts;
	/* A transaction the chain refuses leaves the pool and the block is
	 * built again without it; each round removes one, so this ends. */
	for (;;) {
		tx *txs;
		address *senders;
		size_t n;
		err = blockchain_take_from_pool(pool, env.gas_limit, &env.base_fee,
		                                &env.blob_base_fee, max, &txs,
		                                &senders, &n);
		if (err)
			return err;
		bo.senders = senders;
		block_result r;
		err = blockchain_build(bc, &bo, txs, n, out, &r);
		if (!err)
			block_result_free(&r);
		h256 bad;
		bool drop = err && r.bad_tx < n && !tx_hash(&txs[r.bad_tx], &bad);
		free(txs);
		free(senders);
		if (!drop || txpool_remove(pool, &bad))
			return err;
	}
}
