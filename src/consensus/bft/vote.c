/* BFT votes, proposals and commits (see vote.h). Wire forms:
 *
 *   vote      [step: 1|2, height: >= 1, round: < 2^20, hash: B_32 | B_0,
 *              sig: B_65]
 *   proposal  [height: >= 1, round: < 2^20, pol: <= round, hash: B_32,
 *              sig: B_65]
 *   commit    [round: < 2^20, [[index, sig: B_65], ...]]   at most 32
 *                                                          entries, index
 *                                                          ascending
 *
 * and the signed preimage
 *
 *   ["dure/bft/1", chain_id, step, height, round, hash: B_32 | B_0, pol]
 *
 * sig is r || s || recid, s in the lower half. */
#include "consensus/bft/vote.h"

#include <string.h>

#include "crypto/keccak.h"
#include "crypto/secp.h"
#include "rlp/rlp.h"

#define DOMAIN "dure/bft/1"
#define DOMAIN_LEN (sizeof DOMAIN - 1)

/* ---- digests ---- */

/* The preimage is small and of bounded size, so it is built on the stack:
 * a digest cannot fail for want of memory. Its longest payload: the domain
 * (11), chain id, step and height (9 + 1 + 9), round (5), hash (33) and
 * pol (5), behind a list header of at most 2 bytes. */
#define PRE_PAYLOAD_MAX (1 + DOMAIN_LEN + 9 + 1 + 9 + 5 + 33 + 5)

typedef struct preimage {
	uint8_t b[2 + PRE_PAYLOAD_MAX];
	size_t n;
} preimage;

/* Appends the RLP string p[0..n), n at most 55 (the short form). */
static void pre_str(preimage *w, const uint8_t *p, size_t n)
{
	if (n == 1 && p[0] < 0x80) {
		w->b[w->n++] = p[0];
		return;
	}
	w->b[w->n++] = (uint8_t)(0x80 + n);
	/* A nil vote's hash is (NULL, 0), and memcpy takes no NULL. */
	if (n)
		memcpy(w->b + w->n, p, n);
	w->n += n;
}

static void pre_uint(preimage *w, uint64_t v)
{
	uint8_t be[8];
	size_t k = 0;
	for (uint64_t x = v; x; x >>= 8)
		k++;
	for (size_t i = 0; i < k; i++)
		be[i] = (uint8_t)(v >> (8 * (k - 1 - i)));
	pre_str(w, be, k);
}

static void digest(uint64_t chain_id, uint8_t step, uint64_t height,
                   uint32_t round, const h256 *hash, uint64_t pol, h256 *out)
{
	_Static_assert(PRE_PAYLOAD_MAX <= 255, "a one-byte list length");
	preimage w;
	w.n = 2; /* room for the list header */
	pre_str(&w, (const uint8_t *)DOMAIN, DOMAIN_LEN);
	pre_uint(&w, chain_id);
	pre_uint(&w, step);
	pre_uint(&w, height);
	pre_uint(&w, round);
	pre_str(&w, hash ? hash->b : NULL, hash ? 32 : 0);
	pre_uint(&w, pol);
	size_t len = w.n - 2, start;
	if (len <= 55) {
		start = 1;
		w.b[1] = (uint8_t)(0xc0 + len);
	} else {
		start = 0;
		w.b[0] = 0xf8;
		w.b[1] = (uint8_t)len;
	}
	keccak256(w.b + start, w.n - start, out->b);
}

void bft_vote_digest(uint64_t chain_id, const bft_vote *v, h256 *out)
{
	digest(chain_id, v->step, v->height, v->round, v->nil ? NULL : &v->hash,
	       0, out);
}

static uint64_t pol_field(int32_t pol_round)
{
	return pol_round < 0 ? 0 : (uint64_t)pol_round + 1;
}

void bft_proposal_digest(uint64_t chain_id, const bft_proposal *p, h256 *out)
{
	digest(chain_id, BFT_STEP_PROPOSAL, p->height, p->round, &p->hash,
	       pol_field(p->pol_round), out);
}

/* ---- signatures ---- */

static int sign(const h256 *d, const uint8_t key[32], uint8_t sig[BFT_SIG_LEN])
{
	int recid;
	int err = secp_sign(key, d->b, sig, &recid);
	if (err) {
		memset(sig, 0, BFT_SIG_LEN);
		return DURE_EKEY;
	}
	sig[64] = (uint8_t)recid;
	return DURE_OK;
}

static int signer(const h256 *d, const uint8_t sig[BFT_SIG_LEN], address *out)
{
	memset(out, 0, sizeof *out);
	uint8_t pub[64];
	if (sig[64] > 3 || !secp_s_is_low(sig + 32) ||
	    secp_recover(d->b, sig, sig[64], pub))
		return DURE_ESIG;
	secp_pubkey_address(pub, out);
	return DURE_OK;
}

int bft_vote_sign(bft_vote *v, uint64_t chain_id, const uint8_t key[32])
{
	h256 d;
	bft_vote_digest(chain_id, v, &d);
	return sign(&d, key, v->sig);
}

int bft_proposal_sign(bft_proposal *p, uint64_t chain_id,
                      const uint8_t key[32])
{
	h256 d;
	bft_proposal_digest(chain_id, p, &d);
	return sign(&d, key, p->sig);
}

int bft_vote_signer(const bft_vote *v, uint64_t chain_id, address *out)
{
	h256 d;
	bft_vote_digest(chain_id, v, &d);
	return signer(&d, v->sig, out);
}

int bft_proposal_signer(const bft_proposal *p, uint64_t chain_id,
                        address *out)
{
	h256 d;
	bft_proposal_digest(chain_id, p, &d);
	return signer(&d, p->sig, out);
}

/* ---- wire forms ---- */

void bft_vote_encode(const bft_vote *v, buf *out)
{
	size_t m = rlp_list_begin(out);
	rlp_put_u64(out, v->step);
	rlp_put_u64(out, v->height);
	rlp_put_u64(out, v->round);
	rlp_put_bytes(out, v->hash.b, v->nil ? 0 : 32);
	rlp_put_bytes(out, v->sig, BFT_SIG_LEN);
	rlp_list_end(out, m);
}

void bft_proposal_encode(const bft_proposal *p, buf *out)
{
	size_t m = rlp_list_begin(out);
	rlp_put_u64(out, p->height);
	rlp_put_u64(out, p->round);
	rlp_put_u64(out, pol_field(p->pol_round));
	rlp_put_bytes(out, p->hash.b, 32);
	rlp_put_bytes(out, p->sig, BFT_SIG_LEN);
	rlp_list_end(out, m);
}

/* Closes l into c and checks that nothing follows c's one item. */
static int finish(rlp_cur *c, rlp_cur *l)
{
	rlp_cur_close(c, l);
	return rlp_cur_finish(c);
}

int bft_vote_decode(const uint8_t *p, size_t n, bft_vote *v)
{
	memset(v, 0, sizeof *v);
	rlp_cur c, l;
	rlp_cur_init(&c, p, n);
	rlp_cur_list(&c, &l);
	uint64_t step = rlp_cur_u64(&l);
	v->height = rlp_cur_u64(&l);
	uint64_t round = rlp_cur_u64(&l);
	const uint8_t *h;
	size_t hn;
	rlp_cur_bytes(&l, &h, &hn);
	rlp_cur_fixed(&l, v->sig, BFT_SIG_LEN);
	if (finish(&c, &l) ||
	    (step != BFT_STEP_PREVOTE && step != BFT_STEP_PRECOMMIT) ||
	    v->height == 0 || round >= BFT_MAX_ROUND || (hn != 0 && hn != 32)) {
		memset(v, 0, sizeof *v);
		return DURE_EBFT_MSG;
	}
	v->step = (uint8_t)step;
	v->round = (uint32_t)round;
	v->nil = hn == 0;
	if (hn)
		memcpy(v->hash.b, h, 32);
	return DURE_OK;
}

int bft_proposal_decode(const uint8_t *p, size_t n, bft_proposal *out)
{
	memset(out, 0, sizeof *out);
	rlp_cur c, l;
	rlp_cur_init(&c, p, n);
	rlp_cur_list(&c, &l);
	out->height = rlp_cur_u64(&l);
	uint64_t round = rlp_cur_u64(&l);
	uint64_t pol = rlp_cur_u64(&l);
	rlp_cur_fixed(&l, out->hash.b, 32);
	rlp_cur_fixed(&l, out->sig, BFT_SIG_LEN);
	/* pol is pol_round + 1, and pol_round < round. */
	if (finish(&c, &l) || out->height == 0 || round >= BFT_MAX_ROUND ||
	    pol > round) {
		memset(out, 0, sizeof *out);
		return DURE_EBFT_MSG;
	}
	out->round = (uint32_t)round;
	out->pol_round = (int32_t)pol - 1;
	return DURE_OK;
}

bool bft_vote_same(const bft_vote *a, const bft_vote *b)
{
	if (a->step != b->step || a->height != b->height ||
	    a->round != b->round || a->nil != b->nil)
		return false;
	return a->nil || h256_eq(&a->hash, &b->hash);
}

/* ---- vote sets ---- */

void bft_voteset_init(bft_voteset *vs, const bft_valset *set,
                      uint64_t height, uint32_t round, uint8_t step)
{
	memset(vs, 0, sizeof *vs);
	vs->set = set;
	vs->height = height;
	vs->round = round;
	vs->step = step;
}

int bft_voteset_add(bft_voteset *vs, uint32_t index, const bft_vote *v,
                    bft_vote *first, bool *kept)
{
	if (kept)
		*kept = false;
	/* The index check guards the arrays against a caller's slip. */
	if (index >= vs->set->n || v->height != vs->height ||
	    v->round != vs->round || v->step != vs->step)
		return DURE_EINVAL;
	if (vs->has[index]) {
		if (bft_vote_same(&vs->votes[index], v) ||
		    (vs->has2[index] && bft_vote_same(&vs->votes2[index], v)))
			return DURE_EBFT_DUPLICATE;
		if (first)
			*first = vs->votes[index];
		if (!vs->has2[index]) {
			vs->has2[index] = true;
			vs->votes2[index] = *v;
			if (kept)
				*kept = true;
		}
		return DURE_EBFT_CONFLICT;
	}
	vs->has[index] = true;
	vs->votes[index] = *v;
	vs->power += vs->set->v[index].power;
	return DURE_OK;
}

static bool vote_is_for(const bft_vote *v, const h256 *hash)
{
	return hash ? !v->nil && h256_eq(&v->hash, hash) : v->nil;
}

/* Validator i's vote in vs for hash (NULL: for nil), or NULL. */
static const bft_vote *vote_for(const bft_voteset *vs, size_t i,
                                const h256 *hash)
{
	if (vs->has[i] && vote_is_for(&vs->votes[i], hash))
		return &vs->votes[i];
	if (vs->has2[i] && vote_is_for(&vs->votes2[i], hash))
		return &vs->votes2[i];
	return NULL;
}

uint64_t bft_voteset_power_for(const bft_voteset *vs, const h256 *hash)
{
	uint64_t power = 0;
	for (size_t i = 0; i < vs->set->n; i++)
		if (vote_for(vs, i, hash))
			power += vs->set->v[i].power;
	return power;
}

bool bft_voteset_majority(const bft_voteset *vs, bool *nil, h256 *hash)
{
	uint64_t quorum = bft_valset_quorum(vs->set);
	*nil = false;
	memset(hash, 0, sizeof *hash);
	for (size_t i = 0; i < vs->set->n; i++) {
		for (int k = 0; k < 2; k++) {
			if (!(k ? vs->has2[i] : vs->has[i]))
				continue;
			const bft_vote *v = k ? &vs->votes2[i] : &vs->votes[i];
			const h256 *h = v->nil ? NULL : &v->hash;
			if (bft_voteset_power_for(vs, h) >= quorum) {
				*nil = v->nil;
				if (!v->nil)
					*hash = v->hash;
				return true;
			}
		}
	}
	return false;
}

bool bft_voteset_two_thirds_any(const bft_voteset *vs)
{
	return vs->power >= bft_valset_quorum(vs->set);
}

int bft_voteset_commit(const bft_voteset *vs, const h256 *hash,
                       bft_commit *out)
{
	memset(out, 0, sizeof *out);
	/* Prevotes are no precommits: such a set holds no power for this. */
	if (vs->step != BFT_STEP_PRECOMMIT)
		return DURE_EBFT_COMMIT;
	out->height = vs->height;
	out->round = vs->round;
	out->hash = *hash;
	uint64_t power = 0;
	for (size_t i = 0; i < vs->set->n; i++) {
		const bft_vote *v = vote_for(vs, i, hash);
		if (!v)
			continue;
		out->sigs[out->n].index = (uint32_t)i;
		memcpy(out->sigs[out->n].sig, v->sig, BFT_SIG_LEN);
		out->n++;
		power += vs->set->v[i].power;
	}
	if (power < bft_valset_quorum(vs->set)) {
		memset(out, 0, sizeof *out);
		return DURE_EBFT_COMMIT;
	}
	return DURE_OK;
}

/* ---- commits ---- */

void bft_commit_encode(const bft_commit *c, buf *out)
{
	size_t m = rlp_list_begin(out);
	rlp_put_u64(out, c->round);
	size_t s = rlp_list_begin(out);
	for (size_t i = 0; i < c->n && i < BFT_MAX_VALIDATORS; i++) {
		size_t e = rlp_list_begin(out);
		rlp_put_u64(out, c->sigs[i].index);
		rlp_put_bytes(out, c->sigs[i].sig, BFT_SIG_LEN);
		rlp_list_end(out, e);
	}
	rlp_list_end(out, s);
	rlp_list_end(out, m);
}

/* Takes the [[index, sig], ...] list into out; false when malformed. */
static bool take_sigs(rlp_cur *l, bft_commit *out)
{
	rlp_cur sigs;
	rlp_cur_list(l, &sigs);
	while (!rlp_cur_at_end(&sigs)) {
		if (out->n == BFT_MAX_VALIDATORS)
			return false;
		bft_commit_sig *cs = &out->sigs[out->n];
		rlp_cur e;
		rlp_cur_list(&sigs, &e);
		uint64_t index = rlp_cur_u64(&e);
		rlp_cur_fixed(&e, cs->sig, BFT_SIG_LEN);
		if (rlp_cur_close(&sigs, &e) || index > UINT32_MAX ||
		    (out->n > 0 && index <= out->sigs[out->n - 1].index))
			return false;
		cs->index = (uint32_t)index;
		out->n++;
	}
	return rlp_cur_close(l, &sigs) == DURE_OK;
}

int bft_commit_decode(const uint8_t *p, size_t n, uint64_t height,
                      const h256 *hash, bft_commit *out)
{
	memset(out, 0, sizeof *out);
	rlp_cur c, l;
	rlp_cur_init(&c, p, n);
	rlp_cur_list(&c, &l);
	uint64_t round = rlp_cur_u64(&l);
	bool ok = take_sigs(&l, out);
	if (finish(&c, &l) || !ok || round >= BFT_MAX_ROUND) {
		memset(out, 0, sizeof *out);
		return DURE_EBFT_MSG;
	}
	out->height = height;
	out->round = (uint32_t)round;
	out->hash = *hash;
	return DURE_OK;
}

/* Checks entry i of c: its index in the set and ascending, its signature a
 * precommit of c's block by that validator. */
static int verify_sig(const bft_commit *c, size_t i, uint64_t chain_id,
                      const bft_valset *set)
{
	const bft_commit_sig *cs = &c->sigs[i];
	if (i > 0 && cs->index <= c->sigs[i - 1].index)
		return DURE_EBFT_MSG;
	if (cs->index >= set->n)
		return DURE_EBFT_SIGNER;
	bft_vote v = {0};
	v.step = BFT_STEP_PRECOMMIT;
	v.height = c->height;
	v.round = c->round;
	v.hash = c->hash;
	memcpy(v.sig, cs->sig, BFT_SIG_LEN);
	address a;
	int err = bft_vote_signer(&v, chain_id, &a);
	if (err)
		return err;
	return address_eq(&a, &set->v[cs->index].addr) ? DURE_OK
	                                               : DURE_EBFT_SIGNER;
}

int bft_commit_verify(const bft_commit *c, uint64_t chain_id,
                      const bft_valset *set)
{
	if (c->n > BFT_MAX_VALIDATORS)
		return DURE_EBFT_MSG;
	uint64_t power = 0;
	for (size_t i = 0; i < c->n; i++) {
		int err = verify_sig(c, i, chain_id, set);
		if (err)
			return err;
		power += set->v[c->sigs[i].index].power;
	}
	return power >= bft_valset_quorum(set) ? DURE_OK : DURE_EBFT_COMMIT;
}
