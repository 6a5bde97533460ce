/* The proof-of-work engine (see pow.h for its rules). */
#include "consensus/pow.h"

#include <stdlib.h>
#include <string.h>

#include "rlp/rlp.h"

struct pow {
	engine eng;
	const dure_clock *wall;  /* unix ms; NULL: dure_unix_ms */
	const blockchain *bc;    /* whose config names the reward */
};

/* ---- the seal ---- */

int pow_seal_rlp(const header *h, buf *out)
{
	return header_encode_unsealed(h, out);
}

void pow_target(const u256 *difficulty, u256 *target)
{
	u256 one = u256_from_u64(1);
	u256 all = u256_not(&(u256){{0, 0, 0, 0}});
	if (u256_is_zero(difficulty) || u256_eq(difficulty, &one)) {
		*target = all;
		return;
	}
	/* 2^256 does not fit: floor(2^256 / d) is floor((2^256 - 1) / d),
	 * plus one when d divides 2^256, i.e. when (2^256 - 1) mod d is
	 * d - 1. */
	u256 q = u256_div(&all, difficulty);
	u256 r = u256_mod(&all, difficulty);
	u256 dm1 = u256_sub(difficulty, &one);
	*target = u256_eq(&r, &dm1) ? u256_add(&q, &one) : q;
}

void pow_put_nonce(uint64_t n, uint8_t out[8]) { u256_store_be64(out, n); }

int pow_work_init(const header *h, pow_work *out)
{
	memset(out, 0, sizeof *out);
	buf s = BUF_INIT;
	int err = pow_seal_rlp(h, &s);
	if (!err) {
		keccak256_init(&out->mid);
		keccak256_update(&out->mid, s.data, s.len);
		u256 t;
		pow_target(&h->difficulty, &t);
		u256_to_be(&t, out->target);
	}
	buf_free(&s);
	if (err)
		memset(out, 0, sizeof *out);
	return err;
}

bool pow_work_search(const pow_work *w, uint64_t start, uint64_t count,
                     uint64_t *nonce)
{
	uint64_t n = start;
	for (uint64_t i = 0; i < count; i++, n++) {
		keccak_ctx c = w->mid;
		uint8_t be[8], hash[32];
		pow_put_nonce(n, be);
		keccak256_update(&c, be, 8);
		keccak256_final(&c, hash);
		/* Bytewise order is the big-endian integers' order. */
		if (memcmp(hash, w->target, 32) <= 0) {
			*nonce = n;
			return true;
		}
	}
	return false;
}

int pow_seal_hash(const header *h, uint8_t out[32])
{
	pow_work w;
	int err = pow_work_init(h, &w);
	if (err) {
		memset(out, 0, 32);
		return err;
	}
	keccak256_update(&w.mid, h->nonce, 8);
	keccak256_final(&w.mid, out);
	return DURE_OK;
}

int pow_check_seal(const header *h)
{
	pow_work w;
	int err = pow_work_init(h, &w);
	if (err)
		return err;
	uint8_t hash[32];
	keccak256_update(&w.mid, h->nonce, 8);
	keccak256_final(&w.mid, hash);
	return memcmp(hash, w.target, 32) <= 0 ? DURE_OK : DURE_EBLOCK_SEAL;
}

/* ---- difficulty ---- */

int pow_difficulty(const chain_config *c, const header *parent,
                   uint64_t timestamp, u256 *out)
{
	const u256 max = POW_MAX_DIFFICULTY;
	if (u256_gt(&parent->difficulty, &max)) {
		*out = u256_from_u64(0);
		return DURE_EBLOCK_DIFFICULTY;
	}
	uint64_t t = c->pow.target_block_time;
	uint64_t dt = timestamp > parent->timestamp
	                  ? timestamp - parent->timestamp
	                  : 0;
	u256 div = u256_from_u64(POW_BOUND_DIVISOR), tt = u256_from_u64(t);
	u256 step = u256_div(&parent->difficulty, &div);
	u256 d;
	if (dt < t) {
		u256 k = u256_from_u64(t - dt);
		u256 m = u256_mul(&step, &k);
		m = u256_div(&m, &tt);
		d = u256_add(&parent->difficulty, &m);
	} else {
		/* 2T in 256 bits: T may be close to 2^64. */
		u256 k = u256_from_u64(dt - t), cap = u256_add(&tt, &tt);
		if (u256_gt(&k, &cap))
			k = cap;
		u256 m = u256_mul(&step, &k);
		m = u256_div(&m, &tt);
		d = u256_sub(&parent->difficulty, &m);
	}
	if (u256_lt(&d, &c->pow.min_difficulty))
		d = c->pow.min_difficulty;
	*out = d;
	return DURE_OK;
}

/* ---- the engine ---- */

static uint64_t now_s(const pow *p)
{
	return (p->wall ? dure_clock_now(p->wall) : dure_unix_ms()) / 1000;
}

static int verify_header(void *ctx, const chain_config *c, fork rev,
                         const header *parent, const header *h)
{
	(void)rev;
	pow *p = ctx;
	if (!c->has_pow)
		return DURE_EBLOCK_FIELDS;
	if (h->extra_len > 32)
		return DURE_EBLOCK_EXTRA_DATA;
	if (h->timestamp > now_s(p) + POW_MAX_FUTURE_S)
		return DURE_EBLOCK_FUTURE;
	if (!h256_eq(&h->ommers_hash, &EMPTY_OMMERS_HASH))
		return DURE_EBLOCK_OMMERS;
	static const h256 zero;
	if (!h256_eq(&h->mix_hash, &zero))
		return DURE_EBLOCK_SEAL;
	const u256 max = POW_MAX_DIFFICULTY;
	u256 want;
	if (u256_gt(&h->difficulty, &max) ||
	    pow_difficulty(c, parent, h->timestamp, &want) ||
	    !u256_eq(&h->difficulty, &want))
		return DURE_EBLOCK_DIFFICULTY;
	return pow_check_seal(h);
}

static int verify_ommers(void *ctx, const chain_config *c, fork rev,
                         const block *b)
{
	(void)ctx;
	(void)c;
	(void)rev;
	return b->nommers ? DURE_EBLOCK_OMMERS : DURE_OK;
}

static void prepare(void *ctx, const chain_config *c, fork rev,
                    const header *parent, header *h)
{
	(void)ctx;
	(void)rev;
	/* A parent above the bound has no valid child: difficulty 0, which
	 * verify_header refuses and the miner will not search. */
	if (!c->has_pow ||
	    pow_difficulty(c, parent, h->timestamp, &h->difficulty))
		h->difficulty = u256_from_u64(0);
	memset(h->nonce, 0, 8);
	memset(&h->mix_hash, 0, sizeof h->mix_hash);
	h->ommers_hash = EMPTY_OMMERS_HASH;
}

static int finalize(void *ctx, state *st, const block *b, fork rev)
{
	(void)rev;
	pow *p = ctx;
	if (!p->bc)
		return DURE_EINVAL;
	const u256 *reward = &blockchain_config(p->bc)->pow.block_reward;
	if (u256_is_zero(reward))
		return DURE_OK;
	if (!state_add_balance(st, &b->h.coinbase, reward))
		return state_failed(st) ? state_error(st) : DURE_ERANGE;
	return state_error(st);
}

static bool prefer(void *ctx, const header *cur, const u256 *cur_td,
                   const header *cand, const u256 *cand_td)
{
	(void)ctx;
	(void)cur;
	(void)cand;
	return u256_gt(cand_td, cur_td);
}

int pow_new(const dure_clock *wall, pow **out)
{
	*out = NULL;
	pow *p = calloc(1, sizeof *p);
	if (!p)
		return DURE_ENOMEM;
	p->wall = wall;
	p->eng = (engine){
		.name = "pow",
		.verify_header = verify_header,
		.verify_ommers = verify_ommers,
		.prepare = prepare,
		.finalize = finalize,
		.prefer = prefer,
		.ctx = p,
	};
	*out = p;
	return DURE_OK;
}

void pow_free(pow *p) { free(p); }

const engine *pow_engine(pow *p) { return &p->eng; }

void pow_attach(pow *p, const blockchain *bc) { p->bc = bc; }
