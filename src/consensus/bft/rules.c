/* The BFT engine's chain rules (see rules.h). */
#include "consensus/bft/rules.h"

#include <stdlib.h>
#include <string.h>

static const u256 one = {{1, 0, 0, 0}};

struct bft_rules {
	engine eng;
	chain_config cfg;
	bft_valset genesis;
	/* The set of height `at`, the latest computed: walking up the chain
	 * costs one increment a block from here. */
	bft_valset cached;
	uint64_t at;
};

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

void bft_rules_set_at(bft_rules *r, uint64_t height, bft_valset *out)
{
	if (height < r->at) {
		r->cached = r->genesis;
		r->at = 0;
	}
	bft_valset_increment(&r->cached, height - r->at, NULL);
	r->at = height;
	*out = r->cached;
}

int bft_rules_check_commit(bft_rules *r, const bft_commit *c)
{
	bft_valset set;
	bft_rules_set_at(r, c->height, &set);
	return bft_commit_verify(c, r->cfg.chain_id, &set);
}

/* The parent's commit in h's extra data (none after genesis). */
static int check_extra(bft_rules *r, const header *parent, const header *h)
{
	if (parent->number == 0)
		return h->extra_len ? DURE_EBLOCK_EXTRA_DATA : DURE_OK;
	if (h->extra_len > BFT_COMMIT_MAX)
		return DURE_EBLOCK_EXTRA_DATA;
	h256 ph;
	int err = header_hash(parent, &ph);
	if (err)
		return err;
	bft_commit c;
	err = bft_commit_decode(h->extra, h->extra_len, parent->number, &ph, &c);
	if (err)
		return err;
	return bft_rules_check_commit(r, &c);
}

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
	/* Every height's set has the genesis members. */
	if (bft_valset_index(&r->genesis, &h->coinbase) < 0)
		return DURE_EBFT_SIGNER;
	return check_extra(r, parent, h);
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
	r->cached = r->genesis;
	/* Ommers and rewards as after the merge: none. */
	r->eng = *engine_merge();
	r->eng.name = "bft";
	r->eng.verify_header = verify_header;
	r->eng.prepare = prepare;
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
