/* The BFT engine's chain rules (see rules.h). */
#include "consensus/bft/rules.h"

#include <stdlib.h>
#include <string.h>

#include "rlp/rlp.h"

static const u256 one = {{1, 0, 0, 0}};

enum {
	SLOT_CUR = 0,      /* origin, size, then the validators */
	SLOT_NEXT = 64,
	SLOT_VALIDATORS = 2,
};

/* The sets in force after a block: the base set (priorities 0) and its
 * origin, and the set to come. */
typedef struct set_state {
	uint64_t cur_origin;
	bft_valset cur;
	bool has_next;
	uint64_t next_origin;
	bft_valset next;
} set_state;

typedef struct memo {
	bool used;
	h256 hash;
	set_state ss;
} memo;

/* A base set incremented up to height `at`: the chain asks for the sets
 * of a height and the one before, so a few walks each advance a block at
 * a time. */
#define WALKS 4
typedef struct walk {
	bool used;
	uint64_t origin;
	bft_valset base, set;
	uint64_t at;
} walk;

struct bft_rules {
	engine eng;
	chain_config cfg;
	bft_valset genesis;
	set_state fixed;            /* the genesis set, origin 0 */
	memo memo[BFT_RULES_MEMO];
	size_t memo_next;
	walk walks[WALKS];
};

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static bool same_base(const bft_valset *a, const bft_valset *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (!address_eq(&a->v[i].addr, &b->v[i].addr) ||
		    a->v[i].power != b->v[i].power)
			return false;
	return true;
}

/* base (origin o) incremented h - o times (h >= o), from the walk of that
 * base nearest below h; a new walk replaces the one furthest behind. */
static void walk_to(bft_rules *r, const bft_valset *base, uint64_t o,
                    uint64_t h, bft_valset *out)
{
	walk *w = NULL;
	for (size_t i = 0; i < WALKS; i++) {
		walk *c = &r->walks[i];
		if (c->used && c->origin == o && c->at <= h &&
		    same_base(&c->base, base) && (!w || c->at > w->at))
			w = c;
	}
	if (!w) {
		w = &r->walks[0];
		for (size_t i = 1; i < WALKS; i++)
			if (!r->walks[i].used ||
			    (w->used && r->walks[i].at < w->at))
				w = &r->walks[i];
		*w = (walk){.used = true, .origin = o, .base = *base, .set = *base,
		            .at = o};
	}
	bft_valset_increment(&w->set, h - w->at, NULL);
	w->at = h;
	*out = w->set;
}

static const set_state *memo_find(const bft_rules *r, const h256 *hash)
{
	if (!r->cfg.bft.has_admin)
		return &r->fixed;
	for (size_t i = 0; i < BFT_RULES_MEMO; i++)
		if (r->memo[i].used && h256_eq(&r->memo[i].hash, hash))
			return &r->memo[i].ss;
	return NULL;
}

static void memo_put(bft_rules *r, const h256 *hash, const set_state *ss)
{
	for (size_t i = 0; i < BFT_RULES_MEMO; i++)
		if (r->memo[i].used && h256_eq(&r->memo[i].hash, hash)) {
			r->memo[i].ss = *ss;
			return;
		}
	r->memo[r->memo_next] = (memo){.used = true, .hash = *hash, .ss = *ss};
	r->memo_next = (r->memo_next + 1) % BFT_RULES_MEMO;
}

/* The base set of height h in ss and its origin. */
static int base_of(const set_state *ss, uint64_t h, const bft_valset **base,
                   uint64_t *origin)
{
	if (ss->has_next && h > ss->next_origin) {
		*base = &ss->next;
		*origin = ss->next_origin;
	} else if (h > ss->cur_origin || (h == 0 && ss->cur_origin == 0)) {
		*base = &ss->cur;
		*origin = ss->cur_origin;
	} else {
		return DURE_ENOTFOUND;
	}
	return DURE_OK;
}

int bft_rules_sets(bft_rules *r, const h256 *after, uint64_t h,
                   bft_valset *set, bft_valset *pre)
{
	const set_state *ss = memo_find(r, after);
	const bft_valset *base;
	uint64_t o;
	if (!ss || base_of(ss, h, &base, &o))
		return DURE_ENOTFOUND;
	if (pre)
		walk_to(r, base, o, h > o ? h - 1 : o, pre);
	walk_to(r, base, o, h, set);
	return DURE_OK;
}

int bft_rules_check_commit(bft_rules *r, const h256 *after,
                           const bft_commit *c)
{
	bft_valset set;
	int err = bft_rules_sets(r, after, c->height, &set, NULL);
	return err ? err : bft_commit_verify(c, r->cfg.chain_id, &set);
}

/* ---- the set state in the contract's storage ---- */

typedef u256 (*slot_reader)(void *ctx, uint64_t slot);

static void read_set(slot_reader get, void *ctx, uint64_t at,
                     uint64_t *origin, bft_valset *set, bool *has)
{
	u256 o = get(ctx, at), n = get(ctx, at + 1);
	*has = false;
	if (!u256_fits_u64(&n) || n.w[0] == 0 || n.w[0] > BFT_MAX_VALIDATORS ||
	    !u256_fits_u64(&o))
		return;
	address addrs[BFT_MAX_VALIDATORS];
	uint64_t powers[BFT_MAX_VALIDATORS];
	for (uint64_t i = 0; i < n.w[0]; i++) {
		u256 w = get(ctx, at + SLOT_VALIDATORS + i);
		uint8_t be[32];
		u256_to_be(&w, be);
		memcpy(addrs[i].b, be, 20);
		powers[i] = w.w[0];
	}
	/* Only finalize writes these slots, and only valid sets. */
	if (bft_valset_init(set, addrs, powers, n.w[0]) == DURE_OK) {
		*origin = o.w[0];
		*has = true;
	}
}

static void read_state(bft_rules *r, slot_reader get, void *ctx,
                       set_state *ss)
{
	*ss = r->fixed;
	bool has;
	bft_valset cur;
	uint64_t o = 0;
	read_set(get, ctx, SLOT_CUR, &o, &cur, &has);
	if (has) {
		ss->cur = cur;
		ss->cur_origin = o;
	}
	read_set(get, ctx, SLOT_NEXT, &ss->next_origin, &ss->next,
	         &ss->has_next);
}

static void write_u64(state *st, const address *a, uint64_t slot,
                      uint64_t v)
{
	u256 k = u256_from_u64(slot), x = u256_from_u64(v);
	state_set_storage(st, a, &k, &x);
}

static void write_set(state *st, const address *a, uint64_t at,
                      uint64_t origin, const bft_valset *set, size_t old_n)
{
	write_u64(st, a, at, origin);
	write_u64(st, a, at + 1, set ? set->n : 0);
	size_t n = set ? set->n : 0;
	for (size_t i = 0; i < n || i < old_n; i++) {
		uint8_t be[32] = {0};
		if (i < n) {
			memcpy(be, set->v[i].addr.b, 20);
			for (int b = 0; b < 8; b++)
				be[31 - b] = (uint8_t)(set->v[i].power >> (8 * b));
		}
		u256 k = u256_from_u64(at + SLOT_VALIDATORS + i);
		u256 x = u256_from_be(be, 32);
		state_set_storage(st, a, &k, &x);
	}
}

typedef struct state_slots {
	state *st;
	const address *a;
} state_slots;

static u256 state_slot(void *ctx, uint64_t slot)
{
	state_slots *s = ctx;
	u256 k = u256_from_u64(slot);
	return state_storage(s->st, s->a, &k);
}

typedef struct store_slots {
	store *s;
	db_txn *t;
	const address *a;
	int err;
} store_slots;

static u256 store_slot(void *ctx, uint64_t slot)
{
	store_slots *s = ctx;
	u256 k = u256_from_u64(slot), v = U256_ZERO;
	int err = store_storage(s->s, s->t, s->a, &k, &v);
	if (err && err != DURE_ENOTFOUND && !s->err)
		s->err = err;
	return err ? U256_ZERO : v;
}

/* A change's data: rlp([[address, power], ...]) naming a valid set. */
static bool parse_change(const uint8_t *p, size_t n, bft_valset *out)
{
	address addrs[BFT_MAX_VALIDATORS];
	uint64_t powers[BFT_MAX_VALIDATORS];
	rlp_cur c, list;
	rlp_cur_init(&c, p, n);
	rlp_cur_list(&c, &list);
	int err = 0;
	size_t count = rlp_cur_count(&list, 0, &err);
	if (err || count == 0 || count > BFT_MAX_VALIDATORS)
		return false;
	for (size_t i = 0; i < count; i++) {
		rlp_cur item;
		rlp_cur_list(&list, &item);
		rlp_cur_fixed(&item, addrs[i].b, 20);
		powers[i] = rlp_cur_u64(&item);
		if (rlp_cur_close(&list, &item))
			return false;
	}
	if (rlp_cur_close(&c, &list) || rlp_cur_finish(&c))
		return false;
	return bft_valset_init(out, addrs, powers, count) == DURE_OK;
}

/* ---- the engine ---- */

static int verify_header(void *ctx, const chain_config *c, fork rev,
                         const header *parent, const header *h)
{
	(void)rev;
	bft_rules *r = ctx;
	if (!c->has_bft)
		return DURE_EBLOCK_FIELDS;
	if (!u256_eq(&h->difficulty, &one))
		return DURE_EBLOCK_DIFFICULTY;
	if (!all_zero(h->nonce, sizeof h->nonce))
		return DURE_EBLOCK_NONCE;
	if (!all_zero(h->mix_hash.b, sizeof h->mix_hash.b))
		return DURE_EBLOCK_SEAL;
	if (!h256_eq(&h->ommers_hash, &EMPTY_OMMERS_HASH))
		return DURE_EBLOCK_OMMERS;
	h256 ph;
	int err = header_hash(parent, &ph);
	if (err)
		return err;
	const set_state *ss = memo_find(r, &ph);
	const bft_valset *base;
	uint64_t o;
	if (!ss || base_of(ss, h->number, &base, &o))
		return DURE_EBLOCK_UNKNOWN_PARENT;
	/* Membership needs no priorities. */
	if (bft_valset_index(base, &h->coinbase) < 0)
		return DURE_EBFT_SIGNER;
	/* The parent's commit (none after genesis). */
	if (parent->number == 0)
		return h->extra_len ? DURE_EBLOCK_EXTRA_DATA : DURE_OK;
	if (h->extra_len > BFT_COMMIT_MAX)
		return DURE_EBLOCK_EXTRA_DATA;
	bft_commit cm;
	err = bft_commit_decode(h->extra, h->extra_len, parent->number, &ph, &cm);
	if (err)
		return err;
	return bft_rules_check_commit(r, &ph, &cm);
}

static void prepare(void *ctx, const chain_config *c, fork rev,
                    const header *parent, header *h)
{
	(void)ctx;
	(void)c;
	(void)rev;
	(void)parent;
	h->difficulty = one;
	memset(h->nonce, 0, sizeof h->nonce);
	memset(h->mix_hash.b, 0, sizeof h->mix_hash.b);
	h->ommers_hash = EMPTY_OMMERS_HASH;
}

static int finalize(void *ctx, state *st, const block *b, fork rev)
{
	(void)rev;
	bft_rules *r = ctx;
	const chain_bft *cb = &r->cfg.bft;
	if (!cb->has_admin)
		return DURE_OK;
	state_slots rd = {.st = st, .a = &cb->contract};
	set_state ss;
	read_state(r, state_slot, &rd, &ss);
	uint64_t n = b->h.number;
	/* Entries of the stored sets that a smaller one leaves are zeroed. */
	u256 cur_n = state_slot(&rd, SLOT_CUR + 1);
	u256 next_n = state_slot(&rd, SLOT_NEXT + 1);
	size_t old_cur = u256_fits_u64(&cur_n) && cur_n.w[0] <= BFT_MAX_VALIDATORS
	                 ? (size_t)cur_n.w[0] : 0;
	size_t old_next = u256_fits_u64(&next_n) &&
	                  next_n.w[0] <= BFT_MAX_VALIDATORS
	                  ? (size_t)next_n.w[0] : 0;
	bool changed = false;
	if (ss.has_next && n > ss.next_origin) {
		ss.cur = ss.next;
		ss.cur_origin = ss.next_origin;
		ss.has_next = false;
		changed = true;
	}
	for (size_t i = 0; i < b->ntxs; i++) {
		const tx *t = &b->txs[i];
		address from;
		bft_valset next;
		if (!t->has_to || !address_eq(&t->to, &cb->contract) ||
		    tx_sender(t, &from) || !address_eq(&from, &cb->admin) ||
		    !parse_change(t->data, t->data_size, &next))
			continue;
		ss.next = next;
		ss.next_origin = n + 1;
		ss.has_next = true;
		changed = true;
	}
	if (changed) {
		if (state_nonce(st, &cb->contract) == 0)
			state_set_nonce(st, &cb->contract, 1);
		write_set(st, &cb->contract, SLOT_CUR, ss.cur_origin, &ss.cur,
		          old_cur);
		write_set(st, &cb->contract, SLOT_NEXT,
		          ss.has_next ? ss.next_origin : 0,
		          ss.has_next ? &ss.next : NULL, old_next);
	}
	if (state_failed(st))
		return state_error(st);
	h256 hash;
	int err = header_hash(&b->h, &hash);
	if (!err)
		memo_put(r, &hash, &ss);
	return err;
}

/* A block that has a commit is final: only a higher chain, whose blocks
 * the same validators committed on top of it, takes over. */
static bool prefer(void *ctx, const header *cur, const u256 *cur_td,
                   const header *cand, const u256 *cand_td)
{
	(void)ctx;
	(void)cur;
	(void)cand;
	return u256_gt(cand_td, cur_td);
}

int bft_rules_load(bft_rules *r, store *s)
{
	const chain_bft *cb = &r->cfg.bft;
	if (!cb->has_admin)
		return DURE_OK;
	db_txn *t;
	int err = db_begin_read(store_db(s), &t);
	if (err)
		return err;
	h256 head;
	err = store_head(s, t, &head);
	/* Code at the contract could write its slots for anyone who calls
	 * it: such a chain's sets would not be the admin's. */
	state_account acct;
	const uint8_t *code;
	size_t code_len = 0;
	if (!err && store_account(s, t, &cb->contract, &acct) == DURE_OK &&
	    store_code(s, t, &acct.code_hash, &code, &code_len) == DURE_OK &&
	    code_len > 0)
		err = DURE_EINVAL;
	store_slots rd = {.s = s, .t = t, .a = &cb->contract};
	set_state ss;
	if (!err) {
		read_state(r, store_slot, &rd, &ss);
		err = rd.err;
	}
	db_abort(t);
	if (!err)
		memo_put(r, &head, &ss);
	return err;
}

int bft_rules_new(const chain_config *c, bft_rules **out)
{
	*out = NULL;
	if (!c->has_bft)
		return DURE_EINVAL;
	bft_rules *r = calloc(1, sizeof *r);
	if (!r)
		return DURE_ENOMEM;
	r->cfg = *c;
	int err = bft_valset_init(&r->genesis, c->bft.addr, c->bft.power,
	                          c->bft.n);
	if (err) {
		free(r);
		return DURE_EINVAL;
	}
	r->fixed = (set_state){.cur = r->genesis};
	/* Ommers as after the merge: none. */
	r->eng = *engine_merge();
	r->eng.name = "bft";
	r->eng.verify_header = verify_header;
	r->eng.prepare = prepare;
	r->eng.finalize = finalize;
	r->eng.prefer = prefer;
	r->eng.ctx = r;
	*out = r;
	return DURE_OK;
}

void bft_rules_free(bft_rules *r) { free(r); }

const engine *bft_rules_engine(bft_rules *r) { return &r->eng; }

const bft_valset *bft_rules_genesis_set(const bft_rules *r)
{
	return &r->genesis;
}
