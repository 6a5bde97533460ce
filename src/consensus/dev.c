#include "consensus/dev.h"

#include <stdlib.h>
#include <string.h>

#include "chain/validate.h"
#include "consensus/builder.h"
#include "crypto/keccak.h"
#include "rlp/rlp.h"
#include "store/store.h"
#include "trie/trie.h"

/* Slots one account's edits may hold. */
#define DEV_EDIT_SLOTS_MAX 65536

typedef struct dev_slot {
	u256 key, value;
} dev_slot;

enum {
	EDIT_BALANCE = 1,
	EDIT_NONCE = 2,
	EDIT_CODE = 4,
};

typedef struct dev_edit {
	address addr;
	unsigned what;           /* EDIT_* */
	u256 balance;
	uint64_t nonce;
	uint8_t *code;           /* owned */
	size_t code_len;
	h256 code_hash;
	dev_slot *slots;         /* owned */
	size_t nslots, cap;
} dev_edit;

typedef struct dev_edits {
	dev_edit *v;
	size_t n, cap;
} dev_edits;

typedef struct dev_snap {
	uint64_t id;
	uint64_t number;         /* the head's when taken */
	h256 hash;
	dev_edits edits;
	int64_t offset;
	uint64_t next_ts;
} dev_snap;

struct dev {
	engine eng;
	dev_opts o;
	blockchain *bc;
	txpool *pool;
	dev_head_fn head_fn;
	void *head_ctx;
	bool automine;
	int64_t offset;          /* seconds added to the wall clock */
	uint64_t next_ts;        /* 0: none */
	/* Edits made on top of the head edits_base; the block built on it
	 * applies them. */
	dev_edits edits;
	h256 edits_base;
	bool edits_stored;       /* the store's record is not empty */
	dev_snap *snaps;
	size_t nsnaps, snaps_cap;
	uint64_t next_snap_id;
	uint64_t randao_seq;
	uint64_t gas_limit;      /* 0: the parent's */
	bool has_next_base_fee, has_next_randao;
	u256 next_base_fee;
	h256 next_randao;
};

/* ---- the pool ---- */

/* Re-validates the pool against the head's state with the edits. */
static int pool_sync(dev *d)
{
	if (!d->pool)
		return DURE_OK;
	store *s = blockchain_store(d->bc);
	db_txn *t;
	int err = db_begin_read(store_db(s), &t);
	if (err)
		return err;
	h256 hash;
	header head;
	err = store_head(s, t, &hash);
	if (!err)
		err = store_header(s, t, &hash, &head);
	store_view v = {s, t};
	state_backend flat, be;
	state_overlay scratch;
	store_view_backend(&v, &flat);
	dev_overlay(d, &flat, &scratch, &be);
	txpool_env env;
	if (!err)
		err = dev_pool_env(d, &head, &be, &env);
	if (!err)
		err = txpool_on_head(d->pool, &env, NULL, NULL, 0);
	db_abort(t);
	return err;
}

/* ---- edits ---- */

static void edits_clear(dev_edits *e)
{
	for (size_t i = 0; i < e->n; i++) {
		free(e->v[i].code);
		free(e->v[i].slots);
	}
	free(e->v);
	memset(e, 0, sizeof *e);
}

static int edits_copy(const dev_edits *src, dev_edits *dst)
{
	memset(dst, 0, sizeof *dst);
	if (!src->n)
		return DURE_OK;
	dst->v = calloc(src->n, sizeof *dst->v);
	if (!dst->v)
		return DURE_ENOMEM;
	dst->cap = src->n;
	for (size_t i = 0; i < src->n; i++) {
		const dev_edit *s = &src->v[i];
		dev_edit *t = &dst->v[i];
		*t = *s;
		t->code = NULL;
		t->slots = NULL;
		t->cap = s->nslots;
		dst->n++;
		if (s->code_len && !(t->code = malloc(s->code_len)))
			goto nomem;
		if (s->code_len)
			memcpy(t->code, s->code, s->code_len);
		if (s->nslots && !(t->slots = malloc(s->nslots * sizeof *s->slots)))
			goto nomem;
		if (s->nslots)
			memcpy(t->slots, s->slots, s->nslots * sizeof *s->slots);
	}
	return DURE_OK;
nomem:
	edits_clear(dst);
	return DURE_ENOMEM;
}

static dev_edit *edit_find(const dev_edits *e, const address *a)
{
	for (size_t i = 0; i < e->n; i++)
		if (!memcmp(e->v[i].addr.b, a->b, sizeof a->b))
			return &e->v[i];
	return NULL;
}

/* The edit of a, made on top of the current head; a new one if needed. */
static int edits_add(dev_edits *e, const address *a, dev_edit **out);

static int edit_get(dev *d, const address *a, dev_edit **out)
{
	h256 head;
	header h;
	int err = blockchain_head(d->bc, &h, &head);
	if (err)
		return err;
	if (!h256_eq(&head, &d->edits_base)) {
		edits_clear(&d->edits);
		d->edits_base = head;
	}
	return edits_add(&d->edits, a, out);
}

/* The edit of a in e; a new one if needed. */
static int edits_add(dev_edits *e, const address *a, dev_edit **out)
{
	if ((*out = edit_find(e, a)))
		return DURE_OK;
	if (e->n == DEV_EDITS_MAX)
		return DURE_ERANGE;
	if (e->n == e->cap) {
		size_t nc = e->cap ? e->cap * 2 : 8;
		dev_edit *g = realloc(e->v, nc * sizeof *g);
		if (!g)
			return DURE_ENOMEM;
		e->v = g;
		e->cap = nc;
	}
	*out = &e->v[e->n++];
	memset(*out, 0, sizeof **out);
	(*out)->addr = *a;
	return DURE_OK;
}

/* ---- keeping the edits ---- */

/* The edits live in the store too (meta "dev_edits": rlp[base, [[addr,
 * what, balance, nonce, code, [[key, value]...]]...]]), so that a restart
 * finds what the next block is to carry; an empty record when none. */
#define EDITS_KEY "dev_edits"

static void edits_encode(const dev_edits *e, const h256 *base, buf *out)
{
	size_t top = rlp_list_begin(out);
	rlp_put_bytes(out, base->b, 32);
	size_t all = rlp_list_begin(out);
	for (size_t i = 0; i < e->n; i++) {
		const dev_edit *x = &e->v[i];
		size_t one = rlp_list_begin(out);
		rlp_put_bytes(out, x->addr.b, 20);
		rlp_put_u64(out, x->what);
		rlp_put_u256(out, &x->balance);
		rlp_put_u64(out, x->nonce);
		rlp_put_bytes(out, x->code, x->code_len);
		size_t slots = rlp_list_begin(out);
		for (size_t k = 0; k < x->nslots; k++) {
			size_t pair = rlp_list_begin(out);
			rlp_put_u256(out, &x->slots[k].key);
			rlp_put_u256(out, &x->slots[k].value);
			rlp_list_end(out, pair);
		}
		rlp_list_end(out, slots);
		rlp_list_end(out, one);
	}
	rlp_list_end(out, all);
	rlp_list_end(out, top);
}

/* Writes the edits (none when they are not on the head) to the store. */
static int edits_save(dev *d)
{
	h256 head;
	header h;
	int err = blockchain_head(d->bc, &h, &head);
	if (err)
		return err;
	bool any = d->edits.n && h256_eq(&head, &d->edits_base);
	/* An empty record is written once, not after every block: automine
	 * seals a block per transaction, and each write is a commit. */
	if (!any && !d->edits_stored)
		return DURE_OK;
	buf b = BUF_INIT;
	if (any)
		edits_encode(&d->edits, &d->edits_base, &b);
	if (buf_failed(&b)) {
		buf_free(&b);
		return DURE_ENOMEM;
	}
	store *s = blockchain_store(d->bc);
	db_txn *t;
	err = db_begin_write(store_db(s), &t);
	if (!err) {
		err = store_put_meta(s, t, EDITS_KEY, b.data, b.len);
		if (!err)
			err = db_commit(t);
		else
			db_abort(t);
	}
	if (!err)
		d->edits_stored = any;
	buf_free(&b);
	return err;
}

static int edit_code(dev_edit *e, const uint8_t *code, size_t len);
static int edit_slot(dev_edit *e, const u256 *key, const u256 *value);
static int edits_add(dev_edits *e, const address *a, dev_edit **out);

/* Decodes a record of edits_encode into *out (its base into *base).
 * Returns DURE_OK, DURE_EDB_CORRUPT, DURE_ERANGE or DURE_ENOMEM; *out is
 * empty on failure. */
static int edits_decode(const uint8_t *v, size_t vl, h256 *base,
                        dev_edits *out)
{
	memset(out, 0, sizeof *out);
	rlp_cur c, top, all;
	rlp_cur_init(&c, v, vl);
	rlp_cur_list(&c, &top);
	rlp_cur_fixed(&top, base->b, 32);
	rlp_cur_list(&top, &all);
	int err = DURE_OK;
	while (!err && !all.err && !rlp_cur_at_end(&all)) {
		rlp_cur one, slots;
		rlp_cur_list(&all, &one);
		address a;
		rlp_cur_fixed(&one, a.b, 20);
		uint64_t what = rlp_cur_u64(&one);
		u256 balance = rlp_cur_u256(&one);
		uint64_t nonce = rlp_cur_u64(&one);
		const uint8_t *code;
		size_t code_len;
		rlp_cur_bytes(&one, &code, &code_len);
		rlp_cur_list(&one, &slots);
		dev_edit *e;
		if (one.err || (err = edits_add(out, &a, &e)))
			break;
		e->what = (unsigned)what & (EDIT_BALANCE | EDIT_NONCE);
		e->balance = balance;
		e->nonce = nonce;
		if ((what & EDIT_CODE) && (err = edit_code(e, code, code_len)))
			break;
		while (!err && !slots.err && !rlp_cur_at_end(&slots)) {
			rlp_cur pair;
			rlp_cur_list(&slots, &pair);
			u256 k = rlp_cur_u256(&pair), val = rlp_cur_u256(&pair);
			if (!pair.err)
				err = edit_slot(e, &k, &val);
			if (!err && rlp_cur_close(&slots, &pair))
				err = DURE_EDB_CORRUPT;
		}
		if (!err && (slots.err || rlp_cur_close(&one, &slots) ||
		             rlp_cur_close(&all, &one)))
			err = DURE_EDB_CORRUPT;
	}
	if (!err && (top.err || all.err || rlp_cur_close(&top, &all) ||
	             rlp_cur_close(&c, &top) || rlp_cur_finish(&c)))
		err = DURE_EDB_CORRUPT;
	if (err)
		edits_clear(out);
	return err;
}

/* Reads the edits a previous run left on the current head. */
static int edits_load(dev *d)
{
	store *s = blockchain_store(d->bc);
	db_txn *t;
	int err = db_begin_read(store_db(s), &t);
	if (err)
		return err;
	const uint8_t *v;
	size_t vl;
	h256 head, base;
	err = store_meta(s, t, EDITS_KEY, &v, &vl);
	if (err == DURE_ENOTFOUND || (!err && vl == 0)) {
		db_abort(t);
		return DURE_OK;
	}
	dev_edits e;
	d->edits_stored = true;
	if (!err)
		err = store_head(s, t, &head);
	if (!err)
		err = edits_decode(v, vl, &base, &e);
	db_abort(t);
	if (err)
		return err;
	/* Edits of an older head were carried by its child already. */
	if (!h256_eq(&base, &head)) {
		edits_clear(&e);
		return DURE_OK;
	}
	edits_clear(&d->edits);
	d->edits = e;
	d->edits_base = base;
	return DURE_OK;
}

/* The meta key of the edits block hash carried: "dev_edits@" || hash. */
static void carried_key(const h256 *hash, char key[11 + 64])
{
	static const char hx[] = "0123456789abcdef";
	memcpy(key, "dev_edits@", 10);
	for (int i = 0; i < 32; i++) {
		key[10 + 2 * i] = hx[hash->b[i] >> 4];
		key[11 + 2 * i] = hx[hash->b[i] & 15];
	}
	key[74] = 0;
}

/* Keeps the edits block hash carried, for replaying it (traces). */
static int record_carried(dev *d, const h256 *hash)
{
	buf b = BUF_INIT;
	edits_encode(&d->edits, &d->edits_base, &b);
	if (buf_failed(&b)) {
		buf_free(&b);
		return DURE_ENOMEM;
	}
	char key[11 + 64];
	carried_key(hash, key);
	store *s = blockchain_store(d->bc);
	db_txn *t;
	int err = db_begin_write(store_db(s), &t);
	if (!err) {
		err = store_put_meta(s, t, key, b.data, b.len);
		if (!err)
			err = db_commit(t);
		else
			db_abort(t);
	}
	buf_free(&b);
	return err;
}

/* Sets e's code to a copy of code[0, len). */
static int edit_code(dev_edit *e, const uint8_t *code, size_t len)
{
	uint8_t *copy = NULL;
	if (len && !(copy = malloc(len)))
		return DURE_ENOMEM;
	if (len)
		memcpy(copy, code, len);
	free(e->code);
	e->code = copy;
	e->code_len = len;
	keccak256(code, len, e->code_hash.b);
	e->what |= EDIT_CODE;
	return DURE_OK;
}

static int edit_slot(dev_edit *e, const u256 *key, const u256 *value)
{
	for (size_t i = 0; i < e->nslots; i++)
		if (u256_eq(&e->slots[i].key, key)) {
			e->slots[i].value = *value;
			return DURE_OK;
		}
	if (e->nslots == DEV_EDIT_SLOTS_MAX)
		return DURE_ERANGE;
	if (e->nslots == e->cap) {
		size_t nc = e->cap ? e->cap * 2 : 8;
		dev_slot *g = realloc(e->slots, nc * sizeof *g);
		if (!g)
			return DURE_ENOMEM;
		e->slots = g;
		e->cap = nc;
	}
	e->slots[e->nslots++] = (dev_slot){*key, *value};
	return DURE_OK;
}

/* After an edit: kept in the store, and the pool re-validated. */
static int edited(dev *d, int err)
{
	if (!err)
		err = edits_save(d);
	return err ? err : pool_sync(d);
}

int dev_set_balance(dev *d, const address *a, const u256 *v)
{
	dev_edit *e;
	int err = edit_get(d, a, &e);
	if (!err) {
		e->balance = *v;
		e->what |= EDIT_BALANCE;
	}
	return edited(d, err);
}

int dev_set_nonce(dev *d, const address *a, uint64_t nonce)
{
	dev_edit *e;
	int err = edit_get(d, a, &e);
	if (!err) {
		e->nonce = nonce;
		e->what |= EDIT_NONCE;
	}
	return edited(d, err);
}

int dev_set_code(dev *d, const address *a, const uint8_t *code, size_t len)
{
	dev_edit *e;
	int err = edit_get(d, a, &e);
	if (!err)
		err = edit_code(e, code, len);
	return edited(d, err);
}

int dev_set_storage(dev *d, const address *a, const u256 *key,
                    const u256 *value)
{
	dev_edit *e;
	int err = edit_get(d, a, &e);
	if (!err)
		err = edit_slot(e, key, value);
	return err ? err : edits_save(d);
}

/* ---- the overlay backend ---- */

static int ov_account(void *ctx, const address *a, state_account *out)
{
	state_overlay *o = ctx;
	dev *d = o->ctx;
	int err = o->below.account(o->below.ctx, a, out);
	const dev_edit *e = edit_find(&d->edits, a);
	if (!e || (err && err != DURE_ENOTFOUND))
		return err;
	if (err == DURE_ENOTFOUND) {
		memset(out, 0, sizeof *out);
		keccak256(NULL, 0, out->code_hash.b);
		out->storage_root = TRIE_EMPTY_ROOT;
	}
	if (e->what & EDIT_BALANCE)
		out->balance = e->balance;
	if (e->what & EDIT_NONCE)
		out->nonce = e->nonce;
	if (e->what & EDIT_CODE)
		out->code_hash = e->code_hash;
	/* A state reads no slot of an account whose storage root is empty;
	 * edited slots make it non-empty. The root stands for no trie (the
	 * next block computes the real one): a marker that is not empty. */
	if (h256_eq(&out->storage_root, &TRIE_EMPTY_ROOT))
		for (size_t i = 0; i < e->nslots; i++)
			if (!u256_is_zero(&e->slots[i].value)) {
				memset(out->storage_root.b, 0xee, 32);
				break;
			}
	return DURE_OK;
}

static int ov_storage(void *ctx, const address *a, const u256 *key, u256 *out)
{
	state_overlay *o = ctx;
	dev *d = o->ctx;
	const dev_edit *e = edit_find(&d->edits, a);
	for (size_t i = 0; e && i < e->nslots; i++)
		if (u256_eq(&e->slots[i].key, key)) {
			*out = e->slots[i].value;
			return u256_is_zero(out) ? DURE_ENOTFOUND : DURE_OK;
		}
	return o->below.storage(o->below.ctx, a, key, out);
}

static int ov_code(void *ctx, const h256 *hash, const uint8_t **code,
                   size_t *len)
{
	state_overlay *o = ctx;
	dev *d = o->ctx;
	for (size_t i = 0; i < d->edits.n; i++) {
		const dev_edit *e = &d->edits.v[i];
		if ((e->what & EDIT_CODE) && h256_eq(&e->code_hash, hash)) {
			*code = e->code;
			*len = e->code_len;
			return DURE_OK;
		}
	}
	return o->below.code(o->below.ctx, hash, code, len);
}

void dev_overlay(void *dp, const state_backend *below, state_overlay *scratch,
                 state_backend *out)
{
	dev *d = dp;
	scratch->below = *below;
	scratch->ctx = d;
	h256 head;
	header h;
	/* Edits made on an older head were carried by its child, or undone
	 * by a revert that restored its own. */
	if (!d->edits.n || blockchain_head(d->bc, &h, &head) ||
	    !h256_eq(&head, &d->edits_base)) {
		*out = *below;
		return;
	}
	*out = (state_backend){ov_account, ov_storage, ov_code, scratch};
}

/* ---- the engine ---- */

static int edits_apply(const dev_edits *ed, state *st)
{
	for (size_t i = 0; i < ed->n; i++) {
		const dev_edit *e = &ed->v[i];
		if (e->what & EDIT_BALANCE)
			state_set_balance(st, &e->addr, &e->balance);
		if (e->what & EDIT_NONCE)
			state_set_nonce(st, &e->addr, e->nonce);
		if (e->what & EDIT_CODE)
			state_set_code(st, &e->addr, e->code, e->code_len);
		for (size_t k = 0; k < e->nslots; k++)
			state_set_storage(st, &e->addr, &e->slots[k].key,
			                  &e->slots[k].value);
	}
	return state_error(st);
}

static int dev_begin(void *ctx, state *st, const block *b, fork rev)
{
	(void)rev;
	dev *d = ctx;
	if (!d->edits.n || !h256_eq(&b->h.parent_hash, &d->edits_base))
		return DURE_OK;
	return edits_apply(&d->edits, st);
}

int dev_replay_begin(void *dp, state *st, const block *b, const h256 *hash)
{
	dev *d = dp;
	(void)b;
	char key[11 + 64];
	carried_key(hash, key);
	store *s = blockchain_store(d->bc);
	db_txn *t;
	int err = db_begin_read(store_db(s), &t);
	if (err)
		return err;
	const uint8_t *v;
	size_t vl;
	h256 base;
	dev_edits e;
	err = store_meta(s, t, key, &v, &vl);
	if (!err)
		err = edits_decode(v, vl, &base, &e);
	db_abort(t);
	if (err == DURE_ENOTFOUND)
		return DURE_OK;
	if (!err)
		err = edits_apply(&e, st);
	edits_clear(&e);
	return err;
}

/* ---- lifetime ---- */

int dev_new(const dev_opts *opts, dev **out)
{
	*out = NULL;
	dev *d = calloc(1, sizeof *d);
	if (!d)
		return DURE_ENOMEM;
	d->o = *opts;
	d->automine = opts->automine;
	d->next_snap_id = 1;
	/* The post-merge rules, whose functions need no context, and the
	 * edits before each block. One producer: every block it imports
	 * extends its head, which the merge engine's choice follows. */
	const engine *m = engine_merge();
	d->eng = *m;
	d->eng.name = "dev";
	d->eng.begin = dev_begin;
	d->eng.ctx = d;
	*out = d;
	return DURE_OK;
}

void dev_free(dev *d)
{
	if (!d)
		return;
	edits_clear(&d->edits);
	for (size_t i = 0; i < d->nsnaps; i++)
		edits_clear(&d->snaps[i].edits);
	free(d->snaps);
	free(d);
}

const engine *dev_engine(dev *d) { return &d->eng; }

int dev_attach(dev *d, blockchain *bc, txpool *pool)
{
	d->bc = bc;
	d->pool = pool;
	return edits_load(d);
}

void dev_on_head(dev *d, dev_head_fn fn, void *ctx)
{
	d->head_fn = fn;
	d->head_ctx = ctx;
}

/* Tells the head function how the head moved from old. The move is done
 * whatever happens here: a route that cannot be worked out (memory ran
 * out) is not told. */
static void moved(dev *d, const h256 *old)
{
	header h;
	h256 head;
	chain_route r;
	if (!d->head_fn || blockchain_head(d->bc, &h, &head) ||
	    blockchain_route(d->bc, old, &head, &r))
		return;
	d->head_fn(d->head_ctx, &r);
	blockchain_route_free(&r);
}

bool dev_automine(const dev *d) { return d->automine; }
void dev_set_automine(dev *d, bool on) { d->automine = on; }
void dev_set_coinbase(dev *d, const address *a) { d->o.coinbase = *a; }
const address *dev_coinbase(const dev *d) { return &d->o.coinbase; }

/* ---- time ---- */

static uint64_t wall_secs(const dev *d)
{
	return (d->o.wall ? dure_clock_now(d->o.wall) : dure_unix_ms()) / 1000;
}

int dev_next_timestamp(dev *d, uint64_t *out)
{
	header h;
	h256 hash;
	int err = blockchain_head(d->bc, &h, &hash);
	if (err)
		return err;
	uint64_t ts = d->next_ts;
	if (!ts) {
		int64_t t = (int64_t)wall_secs(d) + d->offset;
		ts = t > 0 ? (uint64_t)t : 0;
	}
	*out = ts > h.timestamp ? ts : h.timestamp + 1;
	return DURE_OK;
}

int64_t dev_increase_time(dev *d, uint64_t secs)
{
	if (secs > (uint64_t)INT64_MAX - (uint64_t)(d->offset > 0 ? d->offset : 0))
		secs = (uint64_t)INT64_MAX - (uint64_t)(d->offset > 0 ? d->offset : 0);
	d->offset += (int64_t)secs;
	return d->offset;
}

int dev_set_next_timestamp(dev *d, uint64_t ts)
{
	header h;
	h256 hash;
	int err = blockchain_head(d->bc, &h, &hash);
	if (err)
		return err;
	if (ts <= h.timestamp || ts > (uint64_t)INT64_MAX)
		return DURE_EINVAL;
	d->next_ts = ts;
	return DURE_OK;
}

/* ---- what the producer sets ---- */

int dev_set_gas_limit(dev *d, uint64_t gas_limit)
{
	if (!blockchain_config(d->bc)->dev_rules ||
	    (gas_limit && (gas_limit < 5000 || gas_limit > (uint64_t)INT64_MAX)))
		return DURE_EINVAL;
	d->gas_limit = gas_limit;
	return pool_sync(d);
}

int dev_set_next_base_fee(dev *d, const u256 *fee)
{
	header h;
	h256 hash;
	int err = blockchain_head(d->bc, &h, &hash);
	if (err)
		return err;
	if (!blockchain_config(d->bc)->dev_rules || !h.has_base_fee)
		return DURE_EINVAL;
	d->next_base_fee = *fee;
	d->has_next_base_fee = true;
	return pool_sync(d);
}

void dev_set_next_randao(dev *d, const h256 *randao)
{
	d->next_randao = *randao;
	d->has_next_randao = true;
}

int dev_next_header(void *dp, header *out)
{
	dev *d = dp;
	header head;
	h256 hash;
	memset(out, 0, sizeof *out);
	int err = blockchain_head(d->bc, &head, &hash);
	uint64_t ts = 0;
	if (!err)
		err = dev_next_timestamp(d, &ts);
	state_backend none = {0};
	txpool_env next;
	if (!err)
		err = dev_pool_env(d, &head, &none, &next);
	if (err)
		return err;
	out->parent_hash = hash;
	out->number = head.number + 1;
	out->timestamp = ts;
	out->gas_limit = next.gas_limit;
	out->coinbase = d->o.coinbase;
	out->has_base_fee = next.rev >= FORK_LONDON;
	out->base_fee = next.base_fee;
	if (d->has_next_randao)
		out->mix_hash = d->next_randao;
	out->has_blob_gas = next.rev >= FORK_CANCUN;
	if (out->has_blob_gas && head.has_blob_gas)
		err = header_excess_blob_gas(&head, &out->excess_blob_gas);
	return err;
}

int dev_reset(dev *d)
{
	header h;
	h256 old;
	int err = blockchain_head(d->bc, &h, &old);
	if (!err)
		err = blockchain_rewind(d->bc, 0);
	if (err)
		return err;
	edits_clear(&d->edits);
	for (size_t i = 0; i < d->nsnaps; i++)
		edits_clear(&d->snaps[i].edits);
	d->nsnaps = 0;
	d->offset = 0;
	d->next_ts = 0;
	d->gas_limit = 0;
	d->has_next_base_fee = d->has_next_randao = false;
	err = edited(d, DURE_OK);
	moved(d, &old);
	return err;
}

int dev_pool_env(void *dp, const header *head, const state_backend *accounts,
                 txpool_env *out)
{
	dev *d = dp;
	int err = blockchain_pool_env(d->bc, head, accounts, out);
	if (err)
		return err;
	if (d->gas_limit)
		out->gas_limit = d->gas_limit;
	if (d->has_next_base_fee && out->rev >= FORK_LONDON)
		out->base_fee = d->next_base_fee;
	return DURE_OK;
}

/* ---- mining ---- */

/* A mix hash no two blocks share: keccak of the parent and a counter. */
static h256 next_randao(dev *d, const h256 *parent)
{
	uint8_t in[40];
	memcpy(in, parent->b, 32);
	uint64_t n = ++d->randao_seq;
	for (int i = 0; i < 8; i++)
		in[32 + i] = (uint8_t)(n >> (56 - 8 * i));
	h256 out;
	keccak256(in, sizeof in, out.b);
	return out;
}

/* Builds the block the dev seals on phash at ts from txs, without
 * importing it; on a transaction the chain refuses, *bad names it. */
static int build(dev *d, const h256 *phash, uint64_t ts, const tx *txs,
                 const address *senders, size_t n, size_t *bad, block *out)
{
	build_opts bo = {
		.coinbase = d->o.coinbase,
		.timestamp = ts,
		.gas_limit = d->gas_limit,
		.has_base_fee = d->has_next_base_fee,
		.base_fee = d->next_base_fee,
		.prev_randao = d->has_next_randao ? d->next_randao
		                                  : next_randao(d, phash),
		.senders = senders,
	};
	block_result r;
	*bad = SIZE_MAX;
	int err = blockchain_build(d->bc, &bo, txs, n, out, &r);
	if (err) {
		*bad = r.bad_tx;
		return err;
	}
	block_result_free(&r);
	return DURE_OK;
}

/* Builds and imports one block from txs (borrowed from the pool). On a
 * transaction the chain refuses, *bad names it. */
static int build_import(dev *d, const h256 *phash, uint64_t ts,
                        const tx *txs, const address *senders, size_t n,
                        size_t *bad, block *out, h256 *hash)
{
	int err = build(d, phash, ts, txs, senders, n, bad, out);
	if (err)
		return err;
	import_result ir;
	err = blockchain_import_recovered(d->bc, out, senders, &ir);
	if (err) {
		*bad = ir.bad_tx;
		block_free(out);
		return err;
	}
	*hash = ir.hash;
	return DURE_OK;
}

int dev_mine(dev *d, uint64_t timestamp, h256 *hash)
{
	header parent;
	h256 phash;
	int err = blockchain_head(d->bc, &parent, &phash);
	if (err)
		return err;
	uint64_t ts = timestamp;
	if (!ts && (err = dev_next_timestamp(d, &ts)))
		return err;
	if (ts <= parent.timestamp)
		return DURE_EINVAL;
	txpool_env fees;
	state_backend none = {0};
	if ((err = dev_pool_env(d, &parent, &none, &fees)))
		return err;
	block b;
	h256 bh;
	/* A transaction the chain refuses leaves the pool and the block is
	 * built again without it. */
	for (;;) {
		tx *txs;
		address *senders;
		size_t n;
		err = blockchain_take_from_pool(
		    d->pool, fees.gas_limit, &fees.base_fee, &fees.blob_base_fee,
		    DEV_BLOCK_TXS_MAX, &txs, &senders, &n);
		if (err)
			return err;
		size_t bad;
		err = build_import(d, &phash, ts, txs, senders, n, &bad, &b, &bh);
		h256 bad_hash;
		bool drop = err && bad < n && !tx_hash(&txs[bad], &bad_hash);
		free(txs);
		free(senders);
		/* Gone already (another path dropped it): building again
		 * without it is what we want either way. */
		if (!drop || txpool_remove(d->pool, &bad_hash) == DURE_ENOTFOUND)
			break;
	}
	if (err)
		return err;
	/* The clock never lags the chain: after a set timestamp, or blocks
	 * mined faster than one a second, time counts on from this block,
	 * so that evm_increaseTime(s) puts the next block s after it. */
	int64_t wall = (int64_t)wall_secs(d);
	if (wall + d->offset < (int64_t)ts)
		d->offset = (int64_t)ts - wall;
	d->next_ts = 0;
	d->has_next_base_fee = d->has_next_randao = false;
	err = d->edits.n && h256_eq(&d->edits_base, &phash)
	          ? record_carried(d, &bh)
	          : DURE_OK;
	edits_clear(&d->edits);
	if (!err)
		err = edits_save(d);
	if (!err)
		err = pool_sync(d);
	moved(d, &phash);
	block_free(&b);
	if (hash)
		*hash = bh;
	return err;
}

int dev_pending_block(void *dp, block *out, address **senders)
{
	dev *d = dp;
	memset(out, 0, sizeof *out);
	*senders = NULL;
	header parent;
	h256 phash;
	int err = blockchain_head(d->bc, &parent, &phash);
	uint64_t ts = 0;
	if (!err)
		err = dev_next_timestamp(d, &ts);
	txpool_env fees;
	state_backend none = {0};
	if (!err)
		err = dev_pool_env(d, &parent, &none, &fees);
	if (err)
		return err;
	/* The mix hash is the one sealing would draw, not drawn here. */
	uint64_t seq = d->randao_seq;
	tx *txs;
	size_t n, bad;
	err = blockchain_take_from_pool(
	    d->pool, fees.gas_limit, &fees.base_fee, &fees.blob_base_fee,
	    DEV_BLOCK_TXS_MAX, &txs, senders, &n);
	if (!err)
		err = build(d, &phash, ts, txs, *senders, n, &bad, out);
	d->randao_seq = seq;
	free(txs);
	if (err) {
		free(*senders);
		*senders = NULL;
	}
	return err;
}

int dev_pending_state(void *dp, const state_backend *below, state **out)
{
	dev *d = dp;
	*out = NULL;
	header next;
	int err = dev_next_header(d, &next);
	if (err)
		return err;
	const chain_config *c = blockchain_config(d->bc);
	fork rev = chain_config_fork(c, next.number, next.timestamp);
	next.has_withdrawals_root = rev >= FORK_SHANGHAI;
	next.has_parent_beacon_root = rev >= FORK_CANCUN;
	block_env env;
	if ((err = block_env_init(c, rev, &next, &env)))
		return err;
	env.codes = blockchain_code_cache(d->bc);
	state *st;
	if ((err = state_new_backed(below, &st)))
		return err;
	if (rev >= FORK_CANCUN &&
	    (err = block_beacon_root_call(st, rev, &env, &next.parent_beacon_root))) {
		state_free(st);
		return err;
	}
	tx *txs;
	address *senders;
	size_t n;
	txpool_env fees;
	state_backend none = {0};
	header head;
	h256 hh;
	err = blockchain_head(d->bc, &head, &hh);
	if (!err)
		err = dev_pool_env(d, &head, &none, &fees);
	if (!err)
		err = blockchain_take_from_pool(
		    d->pool, fees.gas_limit, &fees.base_fee, &fees.blob_base_fee,
		    DEV_BLOCK_TXS_MAX, &txs, &senders, &n);
	if (err) {
		state_free(st);
		return err;
	}
	block_gas used = {0, 0};
	for (size_t i = 0; i < n && !state_failed(st); i++) {
		receipt rc;
		if (transition_apply(st, rev, &env, &txs[i], &senders[i], &used, NULL,
		                     NULL, &rc) != DURE_OK)
			continue;
		used.gas = rc.cumulative_gas;
		used.blob_gas += (uint64_t)txs[i].blob_hashes_len * GAS_PER_BLOB;
		receipt_free(&rc);
	}
	free(txs);
	free(senders);
	if ((err = state_error(st))) {
		state_free(st);
		return err;
	}
	*out = st;
	return DURE_OK;
}

/* ---- snapshots ---- */

int dev_snapshot(dev *d, uint64_t *id)
{
	if (d->nsnaps == DEV_SNAPSHOTS_MAX)
		return DURE_ERANGE;
	if (d->nsnaps == d->snaps_cap) {
		size_t nc = d->snaps_cap ? d->snaps_cap * 2 : 8;
		dev_snap *g = realloc(d->snaps, nc * sizeof *g);
		if (!g)
			return DURE_ENOMEM;
		d->snaps = g;
		d->snaps_cap = nc;
	}
	header h;
	dev_snap s = {.id = d->next_snap_id, .offset = d->offset,
	              .next_ts = d->next_ts};
	int err = blockchain_head(d->bc, &h, &s.hash);
	if (err)
		return err;
	s.number = h.number;
	bool current = h256_eq(&s.hash, &d->edits_base);
	if (current && (err = edits_copy(&d->edits, &s.edits)))
		return err;
	d->snaps[d->nsnaps++] = s;
	*id = d->next_snap_id++;
	return DURE_OK;
}

int dev_revert(dev *d, uint64_t id, bool *found)
{
	*found = false;
	size_t i = 0;
	while (i < d->nsnaps && d->snaps[i].id != id)
		i++;
	if (i == d->nsnaps)
		return DURE_OK;
	dev_snap *s = &d->snaps[i];
	header h;
	h256 old;
	int err = blockchain_head(d->bc, &h, &old);
	if (!err)
		err = blockchain_rewind(d->bc, s->number);
	if (err)
		return err;
	*found = true;
	edits_clear(&d->edits);
	d->edits = s->edits;
	d->edits_base = s->hash;
	memset(&s->edits, 0, sizeof s->edits);
	d->offset = s->offset;
	d->next_ts = s->next_ts;
	for (size_t k = i; k < d->nsnaps; k++)
		edits_clear(&d->snaps[k].edits);
	d->nsnaps = i;
	err = edited(d, DURE_OK);
	moved(d, &old);
	return err;
}
