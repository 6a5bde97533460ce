#include "consensus/blockchain.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "chain/execute.h"
#include "chain/validate.h"
#include "trie/trie.h"

/* How often an import or a genesis is redone after the map filled up
 * (each retry starts with a map at least twice as large). */
#define FULL_RETRIES 8

struct blockchain {
	store *s;
	const engine *e;
	chain_config cfg;
	uint64_t max_reorg;
	code_cache *codes;
};

/* ---- genesis ---- */

static int init_once(store *s, const genesis *g, h256 *hash)
{
	memset(hash, 0, sizeof *hash);
	state *st;
	int err = state_new(&st);
	if (err)
		return err;
	err = genesis_apply(g, st);
	const state_change *ch = NULL;
	size_t n = 0;
	if (!err)
		err = state_changes(st, &ch, &n);
	db_txn *t = NULL;
	if (!err)
		err = db_begin_write(store_db(s), &t);
	h256 have;
	int found = err ? err : store_genesis(s, t, &have);
	if (found == DURE_OK) {
		/* Already initialised: the same genesis is fine. The root of
		 * the alloc is recomputed in memory, not written. */
		h256 root;
		err = state_root(st, &root);
		header h = genesis_header(g, &root);
		h256 want;
		if (!err)
			err = header_hash(&h, &want);
		if (!err && !h256_eq(&want, &have))
			err = DURE_EBLOCK_GENESIS;
		if (!err)
			*hash = have;
		db_abort(t);
		state_free(st);
		return err;
	}
	if (found != DURE_ENOTFOUND)
		err = found;
	h256 root;
	if (!err)
		err = store_apply(s, t, 0, ch, n, false, &root);
	block b = {0};
	if (!err) {
		b.h = genesis_header(g, &root);
		b.has_withdrawals = b.h.has_withdrawals_root;
		err = header_hash(&b.h, hash);
	}
	if (!err)
		err = store_put_block(s, t, &b, hash, &b.h.difficulty);
	if (!err)
		err = store_put_receipts(s, t, 0, hash, NULL, 0);
	if (!err)
		err = store_set_canonical(s, t, &b, hash);
	if (!err)
		err = store_set_head(s, t, hash);
	if (!err)
		err = store_put_meta(s, t, "genesis", hash->b, 32);
	json_t *cj = NULL;
	char *text = NULL;
	if (!err)
		err = chain_config_to_json(&g->config, &cj);
	if (!err && !(text = json_dumps(cj, JSON_COMPACT | JSON_SORT_KEYS)))
		err = DURE_ENOMEM;
	if (!err)
		err = store_put_meta(s, t, "chain_config", text, strlen(text));
	free(text);
	json_decref(cj);
	if (!err)
		err = db_commit(t);
	else
		db_abort(t);
	state_free(st);
	if (err)
		memset(hash, 0, sizeof *hash);
	return err;
}

int blockchain_init(store *s, const genesis *g, h256 *hash)
{
	int err = init_once(s, g, hash);
	for (int i = 0; err == DURE_EDB_FULL && i < FULL_RETRIES; i++)
		err = init_once(s, g, hash);
	return err;
}

int blockchain_open(store *s, const engine *e, const blockchain_opts *opts,
                    blockchain **out)
{
	*out = NULL;
	db_txn *t;
	int err = db_begin_read(store_db(s), &t);
	if (err)
		return err;
	const uint8_t *text;
	size_t len;
	chain_config cfg;
	err = store_meta(s, t, "chain_config", &text, &len);
	if (!err) {
		json_error_t je;
		json_t *j = json_loadb((const char *)text, len, 0, &je);
		err = j ? chain_config_from_json(j, &cfg) : DURE_EDB_CORRUPT;
		if (err && err != DURE_ENOMEM)
			err = DURE_EDB_CORRUPT;
		json_decref(j);
	}
	db_abort(t);
	if (err)
		return err;
	blockchain *bc = calloc(1, sizeof *bc);
	if (!bc || code_cache_new(0, 0, &bc->codes)) {
		free(bc);
		return DURE_ENOMEM;
	}
	bc->s = s;
	bc->e = e;
	bc->cfg = cfg;
	bc->max_reorg = opts && opts->max_reorg ? opts->max_reorg
	                                        : BLOCKCHAIN_MAX_REORG;
	*out = bc;
	return DURE_OK;
}

void blockchain_free(blockchain *bc)
{
	if (!bc)
		return;
	code_cache_free(bc->codes);
	free(bc);
}

code_cache *blockchain_code_cache(const blockchain *bc) { return bc->codes; }

const chain_config *blockchain_config(const blockchain *bc)
{
	return &bc->cfg;
}

store *blockchain_store(const blockchain *bc) { return bc->s; }

const engine *blockchain_engine(const blockchain *bc) { return bc->e; }

int blockchain_known(blockchain *bc, const h256 *hash, bool *known)
{
	*known = false;
	db_txn *t;
	int err = db_begin_read(store_db(bc->s), &t);
	if (err)
		return err;
	uint64_t number;
	err = store_number(bc->s, t, hash, &number);
	db_abort(t);
	if (err == DURE_ENOTFOUND)
		return DURE_OK;
	*known = err == DURE_OK;
	return err;
}

int blockchain_head(blockchain *bc, header *h, h256 *hash)
{
	db_txn *t;
	int err = db_begin_read(store_db(bc->s), &t);
	if (err)
		return err;
	err = store_head(bc->s, t, hash);
	if (!err)
		err = store_header(bc->s, t, hash, h);
	db_abort(t);
	return err;
}

/* ---- import ---- */

/* What one import transaction works with. */
typedef struct importing {
	blockchain *bc;
	db_txn *t;
	import_result *res;
	const address *senders;  /* of the block being imported, or NULL */
	uint64_t exec_ns, root_ns;
} importing;

/* BLOCKHASH reads the canonical index, which during a reorg already holds
 * the new branch below the block being executed. */
static h256 canonical_hash(void *ctx, uint64_t number)
{
	importing *im = ctx;
	h256 h;
	if (store_canonical(im->bc->s, im->t, number, &h))
		memset(&h, 0, sizeof h);
	return h;
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

static fork block_fork(const blockchain *bc, const header *h,
                       const u256 *parent_td)
{
	return chain_config_fork_td(&bc->cfg, h->number, h->timestamp, parent_td);
}

/* The rules that need only the parent's header: the fork's and the
 * engine's, and the body against the header. */
static int check_block(blockchain *bc, const block *b, const header *parent,
                       fork rev)
{
	int err = header_validate(&bc->cfg, rev, parent, &b->h);
	if (!err)
		err = bc->e->verify_header(bc->e->ctx, &bc->cfg, rev, parent, &b->h);
	if (!err)
		err = body_validate(rev, b);
	if (!err)
		err = bc->e->verify_ommers(bc->e->ctx, &bc->cfg, rev, b);
	return err;
}

/* Executes b on the flat state, which must be its parent's post-state,
 * checks the resulting state root and writes the block's receipts, state,
 * change set and canonical index. */
static int execute_on_head(importing *im, const block *b, const h256 *hash,
                           fork rev, const address *senders)
{
	blockchain *bc = im->bc;
	store_view view = {bc->s, im->t};
	state_backend be;
	store_view_backend(&view, &be);
	state *st;
	int err = state_new_backed(&be, &st);
	if (err)
		return err;
	block_exec_opts opts = {
		.block_hash = canonical_hash,
		.block_hash_ctx = im,
		.begin = begin,
		.begin_ctx = (void *)bc->e,
		.finalize = finalize,
		.finalize_ctx = (void *)bc->e,
		.senders = senders,
		.codes = bc->codes,
	};
	block_result r = {0};
	uint64_t t0 = dure_monotonic_ns();
	err = block_execute(st, &bc->cfg, rev, b, &opts, &r);
	if (err && im->res)
		im->res->bad_tx = r.bad_tx;
	const state_change *ch;
	size_t n;
	if (!err)
		err = state_changes(st, &ch, &n);
	uint64_t t1 = dure_monotonic_ns();
	h256 root;
	if (!err)
		err = store_apply(bc->s, im->t, b->h.number, ch, n, true, &root);
	im->exec_ns += t1 - t0;
	im->root_ns += dure_monotonic_ns() - t1;
	if (!err && !h256_eq(&root, &b->h.state_root))
		err = DURE_EBLOCK_STATE_ROOT;
	if (!err)
		err = store_put_receipts(bc->s, im->t, b->h.number, hash,
		                         r.receipts, r.nreceipts);
	if (!err)
		err = store_put_senders(bc->s, im->t, b->h.number, hash, r.senders,
		                        r.nreceipts);
	if (!err)
		err = store_set_canonical(bc->s, im->t, b, hash);
	if (!err && im->res)
		im->res->gas_used += r.gas_used;
	block_result_free(&r);
	state_free(st);
	return err;
}

/* Unwinds the canonical block at the head (number, its parent's state
 * root want) and makes its parent the head's state. */
static int unwind_head(importing *im, uint64_t number)
{
	store *s = im->bc->s;
	h256 hash;
	int err = store_canonical(s, im->t, number, &hash);
	block b;
	if (!err)
		err = store_block(s, im->t, &hash, &b);
	if (err)
		return err == DURE_ENOTFOUND ? DURE_EDB_CORRUPT : err;
	header parent;
	err = store_header(s, im->t, &b.h.parent_hash, &parent);
	h256 root;
	uint64_t t0 = dure_monotonic_ns();
	if (!err)
		err = store_unwind(s, im->t, number, &root);
	im->root_ns += dure_monotonic_ns() - t0;
	if (!err && !h256_eq(&root, &parent.state_root))
		err = DURE_EDB_CORRUPT;
	if (!err)
		err = store_unset_canonical(s, im->t, &b);
	block_free(&b);
	return err;
}

/* Makes the branch ending in b (hash, whose ancestors down to a canonical
 * block are stored) canonical: unwinds the canonical blocks above the
 * common ancestor, then executes the branch upward. */
static int reorg(importing *im, const block *b, const h256 *hash,
                 uint64_t head_number)
{
	blockchain *bc = im->bc;
	store *s = bc->s;
	/* The branch below b, newest first, down to the common ancestor. */
	h256 *branch = NULL;
	size_t n = 0, cap = 0;
	h256 cur = b->h.parent_hash;
	uint64_t number = b->h.number - 1;
	int err = DURE_OK;
	for (;;) {
		h256 canon;
		int e2 = store_canonical(s, im->t, number, &canon);
		if (e2 && e2 != DURE_ENOTFOUND) {
			err = e2;
			break;
		}
		if (!e2 && h256_eq(&canon, &cur))
			break;
		/* The ancestor lies below number: past this, deeper than
		 * allowed. A side branch may be longer than the canonical one,
		 * so number can be above the head. */
		if (number <= head_number && head_number - number >= bc->max_reorg) {
			err = DURE_EBLOCK_REORG_DEPTH;
			break;
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			h256 *g = realloc(branch, nc * sizeof *g);
			if (!g) {
				err = DURE_ENOMEM;
				break;
			}
			branch = g;
			cap = nc;
		}
		branch[n++] = cur;
		header h;
		err = store_header(s, im->t, &cur, &h);
		if (err)
			break;
		cur = h.parent_hash;
		number--;
	}
	/* A canonical block: at or below the head. */
	uint64_t ancestor = number;
	if (!err && head_number - ancestor > bc->max_reorg)
		err = DURE_EBLOCK_REORG_DEPTH;
	for (uint64_t k = head_number; !err && k > ancestor; k--)
		err = unwind_head(im, k);
	if (!err && im->res)
		im->res->reorg_depth = head_number - ancestor;
	for (size_t i = n; !err && i-- > 0;) {
		block side;
		err = store_block(s, im->t, &branch[i], &side);
		if (err)
			break;
		u256 ptd;
		err = store_td(s, im->t, &side.h.parent_hash, &ptd);
		if (!err)
			err = execute_on_head(im, &side, &branch[i],
			                      block_fork(bc, &side.h, &ptd), NULL);
		block_free(&side);
	}
	free(branch);
	return err;
}

static int import_in(importing *im, const block *b)
{
	blockchain *bc = im->bc;
	store *s = bc->s;
	h256 hash;
	int err = header_hash(&b->h, &hash);
	if (err)
		return err;
	if (im->res)
		im->res->hash = hash;
	uint64_t known;
	err = store_number(s, im->t, &hash, &known);
	if (err == DURE_OK) {
		if (im->res)
			im->res->known = true;
		return DURE_OK;
	}
	if (err != DURE_ENOTFOUND)
		return err;
	header parent;
	u256 ptd;
	err = store_header(s, im->t, &b->h.parent_hash, &parent);
	if (!err)
		err = store_td(s, im->t, &b->h.parent_hash, &ptd);
	if (err)
		return err == DURE_ENOTFOUND ? DURE_EBLOCK_UNKNOWN_PARENT : err;
	if (b->h.number == 0 || parent.number != b->h.number - 1)
		return DURE_EBLOCK_NUMBER;
	fork rev = block_fork(bc, &b->h, &ptd);
	err = check_block(bc, b, &parent, rev);
	if (err)
		return err;
	u256 td;
	if (u256_add_overflow(&td, &ptd, &b->h.difficulty))
		return DURE_EBLOCK_DIFFICULTY;
	h256 head_hash;
	err = store_head(s, im->t, &head_hash);
	if (!err)
		err = store_put_block(s, im->t, b, &hash, &td);
	if (err)
		return err;
	/* The parent is the head (the common case), or the engine decides
	 * between the head and this block. */
	header head;
	u256 head_td;
	bool extends = h256_eq(&b->h.parent_hash, &head_hash);
	if (!extends) {
		err = store_header(s, im->t, &head_hash, &head);
		if (!err)
			err = store_td(s, im->t, &head_hash, &head_td);
		if (err)
			return err;
	}
	if (extends) {
		err = execute_on_head(im, b, &hash, rev, im->senders);
	} else if (bc->e->prefer(bc->e->ctx, &head, &head_td, &b->h, &td)) {
		err = reorg(im, b, &hash, head.number);
		if (!err)
			err = execute_on_head(im, b, &hash, rev, im->senders);
	} else {
		return DURE_OK;
	}
	if (!err)
		err = store_set_head(s, im->t, &hash);
	if (!err && im->res)
		im->res->canonical = true;
	return err;
}

/* Imports b in a write transaction that is committed, or with dry set
 * aborted whatever happened. */
static int import_once(blockchain *bc, const block *b, const address *senders,
                       bool dry, import_result *res)
{
	if (res) {
		memset(res, 0, sizeof *res);
		res->bad_tx = SIZE_MAX;
	}
	importing im = {bc, NULL, res, senders, 0, 0};
	int err = db_begin_write(store_db(bc->s), &im.t);
	if (err)
		return err;
	err = import_in(&im, b);
	uint64_t t0 = dure_monotonic_ns();
	if (!err && !dry)
		err = db_commit(im.t);
	else
		db_abort(im.t);
	if (!res)
		return err;
	if (err) {
		size_t bad = res->bad_tx;
		h256 h = res->hash;
		memset(res, 0, sizeof *res);
		res->hash = h;
		res->bad_tx = bad;
	}
	res->exec_ns = im.exec_ns;
	res->root_ns = im.root_ns;
	res->commit_ns = dure_monotonic_ns() - t0;
	return err;
}

static int import_retried(blockchain *bc, const block *b,
                          const address *senders, bool dry,
                          import_result *res)
{
	int err = import_once(bc, b, senders, dry, res);
	for (int i = 0; err == DURE_EDB_FULL && i < FULL_RETRIES; i++)
		err = import_once(bc, b, senders, dry, res);
	return err;
}

int blockchain_import_recovered(blockchain *bc, const block *b,
                                const address *senders, import_result *res)
{
	return import_retried(bc, b, senders, false, res);
}

int blockchain_check(blockchain *bc, const block *b, import_result *res)
{
	header head;
	h256 hash;
	int err = blockchain_head(bc, &head, &hash);
	if (err)
		return err;
	if (!h256_eq(&b->h.parent_hash, &hash))
		return DURE_EINVAL;
	import_result r;
	return import_retried(bc, b, NULL, true, res ? res : &r);
}

int blockchain_import(blockchain *bc, const block *b, import_result *res)
{
	return blockchain_import_recovered(bc, b, NULL, res);
}

static int rewind_once(blockchain *bc, uint64_t number)
{
	importing im = {bc, NULL, NULL, NULL, 0, 0};
	int err = db_begin_write(store_db(bc->s), &im.t);
	if (err)
		return err;
	h256 head_hash, target;
	header head;
	err = store_head(bc->s, im.t, &head_hash);
	if (!err)
		err = store_header(bc->s, im.t, &head_hash, &head);
	if (!err && number > head.number)
		err = DURE_ENOTFOUND;
	if (!err && head.number - number > bc->max_reorg)
		err = DURE_EBLOCK_REORG_DEPTH;
	for (uint64_t k = head.number; !err && k > number; k--)
		err = unwind_head(&im, k);
	if (!err)
		err = store_canonical(bc->s, im.t, number, &target);
	if (!err)
		err = store_set_head(bc->s, im.t, &target);
	if (!err)
		err = db_commit(im.t);
	else
		db_abort(im.t);
	return err;
}

int blockchain_rewind(blockchain *bc, uint64_t number)
{
	int err = rewind_once(bc, number);
	for (int i = 0; err == DURE_EDB_FULL && i < FULL_RETRIES; i++)
		err = rewind_once(bc, number);
	return err;
}

/* ---- routes ---- */

typedef struct route_side {
	h256 cur;                /* the walk's block */
	header h;                /* its header */
	h256 **v;                /* the hashes passed, newest first */
	size_t *n, cap, max;
} route_side;

/* Records the side's block and steps to its parent. */
static int route_step(store *s, db_txn *t, route_side *side)
{
	if (*side->n == side->max)
		return DURE_EBLOCK_REORG_DEPTH;
	if (*side->n == side->cap) {
		size_t nc = side->cap ? side->cap * 2 : 4;
		h256 *g = realloc(*side->v, nc * sizeof *g);
		if (!g)
			return DURE_ENOMEM;
		*side->v = g;
		side->cap = nc;
	}
	(*side->v)[(*side->n)++] = side->cur;
	side->cur = side->h.parent_hash;
	int err = store_header(s, t, &side->cur, &side->h);
	return err == DURE_ENOTFOUND ? DURE_EDB_CORRUPT : err;
}

static void reverse(h256 *v, size_t n)
{
	for (size_t i = 0; i < n / 2; i++) {
		h256 x = v[i];
		v[i] = v[n - 1 - i];
		v[n - 1 - i] = x;
	}
}

int blockchain_route(blockchain *bc, const h256 *old, const h256 *new,
                     chain_route *out)
{
	memset(out, 0, sizeof *out);
	size_t max = bc->max_reorg < SIZE_MAX ? (size_t)bc->max_reorg + 1
	                                      : SIZE_MAX;
	route_side o = {.cur = *old, .v = &out->removed, .n = &out->nremoved,
	                .max = max};
	route_side n = {.cur = *new, .v = &out->added, .n = &out->nadded,
	                .max = max};
	db_txn *t;
	int err = db_begin_read(store_db(bc->s), &t);
	if (err)
		return err;
	err = store_header(bc->s, t, &o.cur, &o.h);
	if (!err)
		err = store_header(bc->s, t, &n.cur, &n.h);
	while (!err && o.h.number > n.h.number)
		err = route_step(bc->s, t, &o);
	while (!err && n.h.number > o.h.number)
		err = route_step(bc->s, t, &n);
	/* Level now; both reach genesis at worst. */
	while (!err && !h256_eq(&o.cur, &n.cur) &&
	       !(err = route_step(bc->s, t, &o)))
		err = route_step(bc->s, t, &n);
	db_abort(t);
	if (err) {
		blockchain_route_free(out);
		return err;
	}
	reverse(out->removed, out->nremoved);
	reverse(out->added, out->nadded);
	return DURE_OK;
}

void blockchain_route_free(chain_route *r)
{
	free(r->removed);
	free(r->added);
	memset(r, 0, sizeof *r);
}
