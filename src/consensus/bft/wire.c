/* bft/1 message payloads (RLP), by id:
 *
 *   0x00 Status    [height, round: < 2^20, step: 0|1|2]
 *   0x01 Proposal  [proposal, block]
 *   0x02 Vote      vote
 *   0x03 Commit    [height: >= 1, hash: B_32, commit]
 *
 *   proposal: [height, round, pol, hash: B_32, sig: B_65]   (vote.h)
 *   vote:     [step, height, round, hash: B_32 | B_0, sig: B_65]
 *   commit:   [round, [[index, sig: B_65], ...]], of the block (height,
 *             hash) named beside it
 *   block:    [header, txs, ommers(, withdrawals)]          (block.h),
 *             its header hashing to proposal.hash, its number
 *             proposal.height */
#include "consensus/bft/wire.h"

#include <string.h>

#include "rlp/rlp.h"

static int done(const buf *out)
{
	return buf_failed(out) ? DURE_ENOMEM : DURE_OK;
}

/* Closes sub into c and checks that nothing follows c's one item. */
static int finish(rlp_cur *c, rlp_cur *sub)
{
	rlp_cur_close(c, sub);
	return rlp_cur_finish(c);
}

/* ---- Status ---- */

int bft_wire_status_encode(const bft_wire_status *s, buf *out)
{
	size_t m = rlp_list_begin(out);
	rlp_put_u64(out, s->height);
	rlp_put_u64(out, s->round);
	rlp_put_u64(out, s->step);
	rlp_list_end(out, m);
	return done(out);
}

int bft_wire_status_decode(const uint8_t *p, size_t n, bft_wire_status *out)
{
	memset(out, 0, sizeof *out);
	if (n > BFT_WIRE_MSG_MAX)
		return DURE_EBFT_MSG;
	rlp_cur c, l;
	rlp_cur_init(&c, p, n);
	rlp_cur_list(&c, &l);
	uint64_t height = rlp_cur_u64(&l);
	uint64_t round = rlp_cur_u64(&l);
	uint64_t step = rlp_cur_u64(&l);
	if (finish(&c, &l) || round >= BFT_MAX_ROUND ||
	    step > BFT_STEP_PRECOMMIT)
		return DURE_EBFT_MSG;
	out->height = height;
	out->round = (uint32_t)round;
	out->step = (uint8_t)step;
	return DURE_OK;
}

/* ---- Proposal ---- */

int bft_wire_proposal_encode(const bft_proposal *p, const block *b,
                             buf *out)
{
	size_t m = rlp_list_begin(out);
	bft_proposal_encode(p, out);
	int err = block_encode(b, out);
	if (err) {
		if (!buf_failed(out))
			out->len = m;
		return err;
	}
	rlp_list_end(out, m);
	return done(out);
}

/* Checks that blk is the block prop names. Returns DURE_OK, DURE_ENOMEM,
 * or DURE_EBFT_MSG. */
static int proposal_match(const bft_proposal *prop, const block *blk)
{
	if (blk->h.number != prop->height)
		return DURE_EBFT_MSG;
	h256 h;
	int err = header_hash(&blk->h, &h);
	if (err)
		return err == DURE_ENOMEM ? err : DURE_EBFT_MSG;
	return h256_eq(&h, &prop->hash) ? DURE_OK : DURE_EBFT_MSG;
}

int bft_wire_proposal_decode(const uint8_t *p, size_t n,
                             bft_wire_proposal *out)
{
	memset(out, 0, sizeof *out);
	if (n > BFT_WIRE_MSG_MAX)
		return DURE_EBFT_MSG;
	rlp_cur c, l;
	rlp_cur_init(&c, p, n);
	rlp_cur_list(&c, &l);
	const uint8_t *pp, *bp;
	size_t pn, bn;
	rlp_cur_raw(&l, &pp, &pn);
	rlp_cur_raw(&l, &bp, &bn);
	/* The proposal is the cheap check, so a bad one costs no block. */
	int err = DURE_EBFT_MSG;
	if (!finish(&c, &l) && !bft_proposal_decode(pp, pn, &out->prop)) {
		err = block_decode(bp, bn, &out->blk);
		if (!err)
			err = proposal_match(&out->prop, &out->blk);
	}
	if (!err)
		return DURE_OK;
	block_free(&out->blk);
	memset(out, 0, sizeof *out);
	return err == DURE_ENOMEM ? err : DURE_EBFT_MSG;
}

/* ---- Vote ---- */

int bft_wire_vote_encode(const bft_vote *v, buf *out)
{
	bft_vote_encode(v, out);
	return done(out);
}

int bft_wire_vote_decode(const uint8_t *p, size_t n, bft_vote *out)
{
	if (n > BFT_WIRE_MSG_MAX) {
		memset(out, 0, sizeof *out);
		return DURE_EBFT_MSG;
	}
	return bft_vote_decode(p, n, out);
}

/* ---- Commit ---- */

int bft_wire_commit_encode(const bft_commit *c, buf *out)
{
	size_t m = rlp_list_begin(out);
	rlp_put_u64(out, c->height);
	rlp_put_bytes(out, c->hash.b, 32);
	bft_commit_encode(c, out);
	rlp_list_end(out, m);
	return done(out);
}

int bft_wire_commit_decode(const uint8_t *p, size_t n, bft_commit *out)
{
	memset(out, 0, sizeof *out);
	if (n > BFT_WIRE_MSG_MAX)
		return DURE_EBFT_MSG;
	rlp_cur c, l;
	rlp_cur_init(&c, p, n);
	rlp_cur_list(&c, &l);
	uint64_t height = rlp_cur_u64(&l);
	h256 hash;
	rlp_cur_fixed(&l, hash.b, 32);
	const uint8_t *cp;
	size_t cn;
	rlp_cur_raw(&l, &cp, &cn);
	if (finish(&c, &l) || height == 0 ||
	    bft_commit_decode(cp, cn, height, &hash, out))
		return DURE_EBFT_MSG;
	return DURE_OK;
}
