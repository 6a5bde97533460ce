/* Serving headers, bodies and receipts, after geth's
 * ServiceGetBlockHeadersQuery (serviceContiguousBlockHeaderQuery,
 * serviceNonContiguousBlockHeaderQuery), ServiceGetBlockBodiesQuery and
 * ServiceGetReceiptsQuery68 (eth/protocols/eth/handlers.go), with its
 * overflow and underflow checks: a step whose number would wrap, or a
 * skip of 2^64-1 (whose skip + 1 is 0), ends the walk. */
#include "eth/serve.h"

#include <stdlib.h>
#include <string.h>

#include "trie/trie.h"

/* geth's maxNonCanonical: parent steps off the canonical chain one header
 * query may take to find ancestors. */
#define MAX_NON_CANONICAL 100

/* A response being written. */
typedef struct resp {
	buf *out;
	size_t start;          /* out->len before it */
	size_t outer, inner;   /* list marks */
	size_t items, bytes;   /* items so far and their encoded bytes */
} resp;

static void resp_begin(resp *r, buf *out, uint64_t req_id)
{
	r->out = out;
	r->start = out->len;
	r->items = r->bytes = 0;
	r->outer = eth_response_begin(out, req_id, &r->inner);
}

/* Whether the response takes no more items. */
static bool resp_full(const resp *r, size_t max)
{
	return r->items >= max || r->bytes >= ETH_SOFT_RESPONSE_LIMIT;
}

/* Counts the item appended since out had length before. */
static void resp_item(resp *r, size_t before)
{
	r->items++;
	r->bytes += r->out->len - before;
}

static int resp_end(resp *r, int err)
{
	if (!err) {
		eth_response_end(r->out, r->outer, r->inner);
		if (!buf_failed(r->out))
			return DURE_OK;
		err = DURE_ENOMEM;
	}
	if (!buf_failed(r->out))
		r->out->len = r->start;
	return err;
}

static int put_header(resp *r, const header *h)
{
	size_t before = r->out->len;
	int err = header_encode(h, r->out);
	if (!err)
		resp_item(r, before);
	return err;
}

/* The header of block (hash, number), as geth's GetHeader(hash, number):
 * DURE_ENOTFOUND unless the store holds that hash at that number. */
static int header_at(store *s, db_txn *t, const h256 *hash, uint64_t number,
                     header *h)
{
	int err = store_header(s, t, hash, h);
	if (!err && h->number != number)
		err = DURE_ENOTFOUND;
	return err;
}

/* The canonical header at number; DURE_ENOTFOUND beyond the chain. */
static int canon_header(store *s, db_txn *t, uint64_t number, header *h)
{
	h256 hash;
	int err = store_canonical(s, t, number, &hash);
	if (!err)
		err = store_header(s, t, &hash, h);
	return err;
}

/* The block n generations above (hash, number), as geth's GetAncestor
 * for n >= 2 (the only steps a skipping query takes): on the canonical
 * chain a lookup by number, off it one parent at a time, taking from
 * *budget. *found is false when there is none (n above number, a missing
 * header, the budget spent). */
static int ancestor(store *s, db_txn *t, h256 hash, uint64_t number,
                    uint64_t n, uint64_t *budget, h256 *out,
                    uint64_t *out_number, bool *found)
{
	*found = false;
	if (n > number)
		return DURE_OK;
	header h;
	int err;
	for (; n != 0; n--) {
		h256 canon;
		err = store_canonical(s, t, number, &canon);
		if (err && err != DURE_ENOTFOUND)
			return err;
		if (!err && h256_eq(&canon, &hash)) {
			err = store_canonical(s, t, number - n, out);
			if (!err) {
				*out_number = number - n;
				*found = true;
			}
			return err == DURE_ENOTFOUND ? DURE_OK : err;
		}
		if (*budget == 0)
			return DURE_OK;
		(*budget)--;
		err = header_at(s, t, &hash, number, &h);
		if (err)
			return err == DURE_ENOTFOUND ? DURE_OK : err;
		hash = h.parent_hash;
		number--;
	}
	*out = hash;
	*out_number = number;
	*found = true;
	return DURE_OK;
}

/* skip 0: a run of consecutive blocks. As in geth, no byte limit: at
 * most ETH_MAX_HEADERS_SERVE headers of at most HEADER_EXTRA_MAX extra
 * bytes stay below ETH_SOFT_RESPONSE_LIMIT. */
static int headers_contiguous(store *s, db_txn *t, const eth_get_headers *q,
                              bool hash_mode, uint64_t amount, resp *r)
{
	header h;
	uint64_t origin = q->number;
	int err;
	if (hash_mode) {
		if ((err = store_header(s, t, &q->hash, &h)))
			return err;
		if ((err = put_header(r, &h)))
			return err;
		origin = h.number;
		if (q->reverse) {
			/* Ancestors by parent hash, canonical or not. */
			for (uint64_t k = 1; k < amount; k++) {
				if ((err = store_header(s, t, &h.parent_hash, &h)) ||
				    (err = put_header(r, &h)))
					return err;
			}
			return DURE_OK;
		}
		/* Descendants only of a canonical origin: a side block's
		 * children are not indexed by number. */
		h256 canon;
		if ((err = store_canonical(s, t, origin, &canon)))
			return err;
		if (!h256_eq(&canon, &q->hash))
			return DURE_OK;
	} else if (q->reverse) {
		/* geth serves the part of origin, origin - 1, ... that exists:
		 * from above the head, the run starts at the head. */
		h256 hh;
		uint64_t head;
		if ((err = store_head(s, t, &hh)) ||
		    (err = store_number(s, t, &hh, &head)))
			return err;
		if (origin > head) {
			if (amount <= origin - head)
				return DURE_OK;
			amount -= origin - head;
			origin = head;
		}
	}
	for (uint64_t k = hash_mode ? 1 : 0; k < amount; k++) {
		uint64_t number;
		if (q->reverse) {
			if (k > origin)
				break;
			number = origin - k;
		} else {
			if (k > UINT64_MAX - origin)
				break;
			number = origin + k;
		}
		if ((err = canon_header(s, t, number, &h)) ||
		    (err = put_header(r, &h)))
			return err;
	}
	return DURE_OK;
}

/* skip > 0: every (skip + 1)th block. */
static int headers_skipping(store *s, db_txn *t, const eth_get_headers *q,
                            bool hash_mode, uint64_t amount, resp *r)
{
	h256 hash = q->hash;
	uint64_t number = q->number;
	uint64_t budget = MAX_NON_CANONICAL;
	bool first = true, more = true;
	/* skip + 1 wraps to 0 at 2^64-1: no step is possible. */
	uint64_t step = q->skip + 1;
	int err = DURE_OK;
	while (more && r->items < amount &&
	       !resp_full(r, ETH_MAX_HEADERS_SERVE)) {
		header h;
		if (!hash_mode)
			err = canon_header(s, t, number, &h);
		else if (first)
			err = store_header(s, t, &hash, &h);
		else
			err = header_at(s, t, &hash, number, &h);
		if (err)
			break;
		first = false;
		number = h.number;
		if ((err = put_header(r, &h)))
			break;
		if (step == 0) {
			more = false;
		} else if (hash_mode && q->reverse) {
			err = ancestor(s, t, hash, number, step, &budget, &hash,
			               &number, &more);
		} else if (hash_mode) {
			/* Forward only along the canonical chain, from a block
			 * on it (geth: the canonical block step later must have
			 * this one as its ancestor, which it has exactly when
			 * this one is canonical). */
			h256 here, next;
			more = step <= UINT64_MAX - number &&
			       !(err = store_canonical(s, t, number, &here)) &&
			       h256_eq(&here, &hash) &&
			       !(err = store_canonical(s, t, number + step, &next));
			if (more) {
				hash = next;
				number += step;
			}
		} else if (q->reverse) {
			more = number >= step;
			if (more)
				number -= step;
		} else {
			more = step <= UINT64_MAX - number;
			if (more)
				number += step;
		}
		if (err)
			break;
	}
	return err;
}

int eth_serve_headers(store *s, db_txn *t, const eth_get_headers *q,
                      buf *out)
{
	static const h256 zero;
	resp r;
	resp_begin(&r, out, q->req_id);
	bool hash_mode = q->by_hash && !h256_eq(&q->hash, &zero);
	uint64_t amount = q->amount < ETH_MAX_HEADERS_SERVE
	                      ? q->amount : ETH_MAX_HEADERS_SERVE;
	int err = DURE_OK;
	if (amount > 0)
		err = q->skip == 0
		          ? headers_contiguous(s, t, q, hash_mode, amount, &r)
		          : headers_skipping(s, t, q, hash_mode, amount, &r);
	/* A block we do not have ends the walk; what was found is served. */
	if (err == DURE_ENOTFOUND)
		err = DURE_OK;
	return resp_end(&r, err);
}

int eth_serve_bodies(store *s, db_txn *t, uint64_t req_id,
                     const h256 *hashes, size_t n, buf *out)
{
	resp r;
	resp_begin(&r, out, req_id);
	int err = DURE_OK;
	for (size_t i = 0; i < n && i < 2 * ETH_MAX_BODIES_SERVE &&
	                   !resp_full(&r, ETH_MAX_BODIES_SERVE); i++) {
		block b;
		err = store_block(s, t, &hashes[i], &b);
		if (err == DURE_ENOTFOUND) {
			err = DURE_OK;
			continue;
		}
		if (err)
			break;
		size_t before = out->len;
		err = eth_body_encode(&b, out);
		block_free(&b);
		if (err)
			break;
		resp_item(&r, before);
	}
	return resp_end(&r, err);
}

/* The receipts of block hash into *rs, *n (NULL, 0 for none); *known
 * false for a block to leave out of the response. */
static int block_receipts(store *s, db_txn *t, const h256 *hash,
                          receipt **rs, size_t *n, bool *known)
{
	*known = true;
	int err = store_receipts(s, t, hash, rs, n);
	if (err != DURE_ENOTFOUND)
		return err;
	/* Never executed: only a block with no receipts can be answered. */
	header h;
	err = store_header(s, t, hash, &h);
	if (err == DURE_ENOTFOUND || (!err && !h256_eq(&h.receipts_root,
	                                               &TRIE_EMPTY_ROOT))) {
		*known = false;
		err = DURE_OK;
	}
	return err;
}

int eth_serve_receipts(store *s, db_txn *t, uint64_t req_id,
                       const h256 *hashes, size_t n, buf *out)
{
	resp r;
	resp_begin(&r, out, req_id);
	int err = DURE_OK;
	for (size_t i = 0; i < n && i < 2 * ETH_MAX_RECEIPTS_SERVE &&
	                   !resp_full(&r, ETH_MAX_RECEIPTS_SERVE); i++) {
		receipt *rs;
		size_t nr;
		bool known;
		if ((err = block_receipts(s, t, &hashes[i], &rs, &nr, &known)))
			break;
		if (!known)
			continue;
		size_t before = out->len;
		err = eth_receipts_put(out, rs, nr);
		for (size_t k = 0; k < nr; k++)
			receipt_free(&rs[k]);
		free(rs);
		if (err)
			break;
		resp_item(&r, before);
	}
	return resp_end(&r, err);
}
