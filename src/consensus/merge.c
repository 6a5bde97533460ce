/* The post-merge engine (EIP-3675). */
#include "consensus/engine.h"

#include <string.h>

static int verify_header(void *ctx, const chain_config *c, fork rev,
                         const header *parent, const header *h)
{
	(void)ctx;
	(void)c;
	(void)parent;
	if (rev < FORK_PARIS)
		return DURE_EBLOCK_FIELDS;
	if (!u256_is_zero(&h->difficulty))
		return DURE_EBLOCK_DIFFICULTY;
	static const uint8_t zero_nonce[8];
	if (memcmp(h->nonce, zero_nonce, 8) != 0)
		return DURE_EBLOCK_NONCE;
	if (!h256_eq(&h->ommers_hash, &EMPTY_OMMERS_HASH))
		return DURE_EBLOCK_OMMERS;
	if (h->extra_len > 32)
		return DURE_EBLOCK_EXTRA_DATA;
	return DURE_OK;
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
	(void)c;
	(void)rev;
	(void)parent;
	h->difficulty = u256_from_u64(0);
	memset(h->nonce, 0, 8);
	h->ommers_hash = EMPTY_OMMERS_HASH;
}

static int finalize(void *ctx, state *st, const block *b, fork rev)
{
	(void)ctx;
	(void)st;
	(void)b;
	(void)rev;
	return DURE_OK;
}

static bool prefer(void *ctx, const header *cur, const u256 *cur_td,
                   const header *cand, const u256 *cand_td)
{
	(void)ctx;
	(void)cur;
	(void)cur_td;
	(void)cand;
	(void)cand_td;
	return true;
}

static const engine merge_engine = {
	.name = "merge",
	.verify_header = verify_header,
	.verify_ommers = verify_ommers,
	.prepare = prepare,
	.finalize = finalize,
	.prefer = prefer,
};

const engine *engine_merge(void) { return &merge_engine; }
