/* eth/68 message payloads (RLP), by id:
 *
 *   0x00 Status                [version, networkid, td, head: B_32,
 *                               genesis: B_32, [forkhash: B_4, forknext]]
 *   0x01 NewBlockHashes        [[hash: B_32, number], ...]
 *   0x02 Transactions          [tx, ...]
 *   0x03 GetBlockHeaders       [req_id, [origin: {B_32, number}, amount,
 *                               skip, reverse: {0, 1}]]
 *   0x04 BlockHeaders          [req_id, [header, ...]]
 *   0x05 GetBlockBodies        [req_id, [hash: B_32, ...]]
 *   0x06 BlockBodies           [req_id, [[txs, ommers(, withdrawals)], ...]]
 *   0x07 NewBlock              [[header, txs, ommers(, withdrawals)], td]
 *   0x08 NewPooledTxHashes     [types: B, [size, ...], [hash: B_32, ...]]
 *   0x09 GetPooledTransactions [req_id, [hash: B_32, ...]]
 *   0x0a PooledTransactions    [req_id, [tx, ...]]
 *   0x0f GetReceipts           [req_id, [hash: B_32, ...]]
 *   0x10 Receipts              [req_id, [[receipt, ...], ...]]
 *
 *   tx:      a legacy transaction as its RLP list, or a typed one as an
 *            RLP string holding type || rlp (EIP-2718)
 *   receipt: likewise, a legacy receipt's list or a string type || rlp */
#include "eth/proto.h"

#include <stdlib.h>
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

static bool td_ok(const u256 *td)
{
	_Static_assert(ETH_MAX_TD_BITS > 64 && ETH_MAX_TD_BITS < 128,
	               "the bound falls in the second word");
	return td->w[3] == 0 && td->w[2] == 0 &&
	       (td->w[1] >> (ETH_MAX_TD_BITS - 64)) == 0;
}

/* ---- Status ---- */

int eth_status_encode(const eth_status *s, buf *out)
{
	size_t m = rlp_list_begin(out);
	rlp_put_u64(out, s->version);
	rlp_put_u64(out, s->network_id);
	rlp_put_u256(out, &s->td);
	rlp_put_bytes(out, s->head.b, 32);
	rlp_put_bytes(out, s->genesis.b, 32);
	forkid_put(out, &s->fork);
	rlp_list_end(out, m);
	return done(out);
}

int eth_status_decode(const uint8_t *p, size_t n, eth_status *out)
{
	memset(out, 0, sizeof *out);
	rlp_cur c, l;
	rlp_cur_init(&c, p, n);
	rlp_cur_list(&c, &l);
	out->version = rlp_cur_u64(&l);
	out->network_id = rlp_cur_u64(&l);
	out->td = rlp_cur_u256(&l);
	rlp_cur_fixed(&l, out->head.b, 32);
	rlp_cur_fixed(&l, out->genesis.b, 32);
	forkid_take(&l, &out->fork);
	if (finish(&c, &l) || !td_ok(&out->td)) {
		memset(out, 0, sizeof *out);
		return DURE_EETH_MSG;
	}
	return DURE_OK;
}

/* ---- NewBlockHashes ---- */

int eth_new_block_hashes_encode(const eth_block_ann *a, size_t n, buf *out)
{
	size_t m = rlp_list_begin(out);
	for (size_t i = 0; i < n; i++) {
		size_t e = rlp_list_begin(out);
		rlp_put_bytes(out, a[i].hash.b, 32);
		rlp_put_u64(out, a[i].number);
		rlp_list_end(out, e);
	}
	rlp_list_end(out, m);
	return done(out);
}

int eth_new_block_hashes_decode(const uint8_t *p, size_t n,
                                eth_block_ann *out, size_t max,
                                size_t *count)
{
	*count = 0;
	rlp_cur c, l;
	rlp_cur_init(&c, p, n);
	rlp_cur_list(&c, &l);
	size_t k = 0;
	int err = DURE_OK;
	while (!rlp_cur_at_end(&l)) {
		if (k == max) {
			err = DURE_EETH_TOO_MANY;
			break;
		}
		eth_block_ann a;
		rlp_cur e;
		rlp_cur_list(&l, &e);
		rlp_cur_fixed(&e, a.hash.b, 32);
		a.number = rlp_cur_u64(&e);
		if (rlp_cur_close(&l, &e))
			break;
		out[k++] = a;
	}
	if (!err && finish(&c, &l))
		err = DURE_EETH_MSG;
	if (err) {
		memset(out, 0, k * sizeof *out);
		return err;
	}
	*count = k;
	return DURE_OK;
}

/* ---- transaction lists ---- */

void eth_put_tx(buf *b, const uint8_t *bin, size_t n)
{
	if (n > 0 && bin[0] >= 0xc0)
		rlp_put_raw(b, bin, n);
	else
		rlp_put_bytes(b, bin, n);
}

/* Takes the next item of a transaction or receipt list in its binary
 * form: a list whole, or a string's payload, which must open with a type
 * byte (a string holding a list is neither form). False if malformed. */
static bool take_typed(rlp_cur *l, const uint8_t **q, size_t *qn)
{
	if (rlp_cur_is_list(l)) {
		rlp_cur_raw(l, q, qn);
		return !l->err;
	}
	rlp_cur_bytes(l, q, qn);
	return !l->err && *qn > 0 && (*q)[0] < 0x80;
}

int eth_txs_decode(const uint8_t *p, size_t n, eth_slice *out, size_t max,
                   size_t *count)
{
	*count = 0;
	rlp_cur c, l;
	rlp_cur_init(&c, p, n);
	rlp_cur_list(&c, &l);
	size_t k = 0;
	int err = DURE_OK;
	while (!rlp_cur_at_end(&l)) {
		if (k == max) {
			err = DURE_EETH_TOO_MANY;
			break;
		}
		const uint8_t *q;
		size_t qn;
		if (!take_typed(&l, &q, &qn)) {
			err = DURE_EETH_MSG;
			break;
		}
		out[k++] = (eth_slice){q, qn};
	}
	if (!err && finish(&c, &l))
		err = DURE_EETH_MSG;
	if (err) {
		memset(out, 0, k * sizeof *out);
		return err;
	}
	*count = k;
	return DURE_OK;
}

/* ---- requests and responses ---- */

int eth_get_headers_encode(const eth_get_headers *q, buf *out)
{
	size_t m = rlp_list_begin(out);
	rlp_put_u64(out, q->req_id);
	size_t r = rlp_list_begin(out);
	if (q->by_hash)
		rlp_put_bytes(out, q->hash.b, 32);
	else
		rlp_put_u64(out, q->number);
	rlp_put_u64(out, q->amount);
	rlp_put_u64(out, q->skip);
	rlp_put_u64(out, q->reverse ? 1 : 0);
	rlp_list_end(out, r);
	rlp_list_end(out, m);
	return done(out);
}

int eth_get_headers_decode(const uint8_t *p, size_t n, eth_get_headers *out)
{
	memset(out, 0, sizeof *out);
	rlp_cur c, l, r;
	rlp_cur_init(&c, p, n);
	rlp_cur_list(&c, &l);
	out->req_id = rlp_cur_u64(&l);
	rlp_cur_list(&l, &r);
	/* The origin's length says which it is, as geth's HashOrNumber. */
	rlp_cur probe = r;
	const uint8_t *op;
	size_t on;
	rlp_cur_bytes(&probe, &op, &on);
	if (!probe.err && on == 32) {
		out->by_hash = true;
		rlp_cur_fixed(&r, out->hash.b, 32);
	} else if (!probe.err && on <= 8) {
		out->number = rlp_cur_u64(&r);
	} else {
		r.err = probe.err ? probe.err : DURE_ERLP_SIZE;
	}
	out->amount = rlp_cur_u64(&r);
	out->skip = rlp_cur_u64(&r);
	uint64_t reverse = rlp_cur_u64(&r);
	out->reverse = reverse == 1;
	rlp_cur_close(&l, &r);
	if (finish(&c, &l) || reverse > 1) {
		memset(out, 0, sizeof *out);
		return DURE_EETH_MSG;
	}
	return DURE_OK;
}

int eth_hashes_req_encode(uint64_t req_id, const h256 *h, size_t n,
                          buf *out)
{
	size_t m = rlp_list_begin(out);
	rlp_put_u64(out, req_id);
	size_t hl = rlp_list_begin(out);
	for (size_t i = 0; i < n; i++)
		rlp_put_bytes(out, h[i].b, 32);
	rlp_list_end(out, hl);
	rlp_list_end(out, m);
	return done(out);
}

int eth_hashes_req_decode(const uint8_t *p, size_t n, uint64_t *req_id,
                          h256 *out, size_t max, size_t *count)
{
	*count = 0;
	rlp_cur c, l, hl;
	rlp_cur_init(&c, p, n);
	rlp_cur_list(&c, &l);
	*req_id = rlp_cur_u64(&l);
	rlp_cur_list(&l, &hl);
	size_t k = 0;
	while (!rlp_cur_at_end(&hl)) {
		h256 h;
		rlp_cur_fixed(&hl, h.b, 32);
		if (!hl.err && k < max)
			out[k++] = h;
	}
	rlp_cur_close(&l, &hl);
	if (finish(&c, &l)) {
		memset(out, 0, k * sizeof *out);
		*req_id = 0;
		return DURE_EETH_MSG;
	}
	*count = k;
	return DURE_OK;
}

int eth_request_split(const uint8_t *p, size_t n, uint64_t *req_id,
                      const uint8_t **list, size_t *list_len)
{
	rlp_cur c, l;
	rlp_cur_init(&c, p, n);
	rlp_cur_list(&c, &l);
	*req_id = rlp_cur_u64(&l);
	bool is_list = rlp_cur_is_list(&l);
	rlp_cur_raw(&l, list, list_len);
	if (finish(&c, &l) || !is_list) {
		*req_id = 0;
		*list = NULL;
		*list_len = 0;
		return DURE_EETH_MSG;
	}
	return DURE_OK;
}

int eth_response_decode(const uint8_t *p, size_t n, uint64_t *req_id,
                        eth_slice *items, size_t max, size_t *count)
{
	*count = 0;
	rlp_cur c, l, il;
	rlp_cur_init(&c, p, n);
	rlp_cur_list(&c, &l);
	*req_id = rlp_cur_u64(&l);
	rlp_cur_list(&l, &il);
	size_t k = 0;
	int err = DURE_OK;
	while (!rlp_cur_at_end(&il)) {
		if (k == max) {
			err = DURE_EETH_TOO_MANY;
			break;
		}
		if (!rlp_cur_is_list(&il)) {
			err = DURE_EETH_MSG;
			break;
		}
		rlp_cur_raw(&il, &items[k].p, &items[k].n);
		k++;
	}
	rlp_cur_close(&l, &il);
	if (!err && finish(&c, &l))
		err = DURE_EETH_MSG;
	if (err) {
		memset(items, 0, k * sizeof *items);
		*req_id = 0;
		return err;
	}
	*count = k;
	return DURE_OK;
}

size_t eth_response_begin(buf *b, uint64_t req_id, size_t *inner)
{
	size_t outer = rlp_list_begin(b);
	rlp_put_u64(b, req_id);
	*inner = rlp_list_begin(b);
	return outer;
}

void eth_response_end(buf *b, size_t outer, size_t inner)
{
	rlp_list_end(b, inner);
	rlp_list_end(b, outer);
}

/* ---- block bodies ---- */

int eth_body_encode(const block *b, buf *out)
{
	/* The body is the block's list without its first item, so block.c
	 * stays the one writer of transactions, ommers and withdrawals. */
	buf whole = BUF_INIT;
	int err = block_encode(b, &whole);
	if (!err) {
		rlp_cur c, l;
		rlp_cur_init(&c, whole.data, whole.len);
		rlp_cur_list(&c, &l);
		rlp_cur_skip(&l);
		size_t m = rlp_list_begin(out);
		rlp_put_raw(out, l.p, (size_t)(l.end - l.p));
		rlp_list_end(out, m);
		err = done(out);
	}
	buf_free(&whole);
	return err;
}

int eth_body_decode(const uint8_t *p, size_t n, const header *h,
                    block *out)
{
	memset(out, 0, sizeof *out);
	rlp_cur c, l;
	rlp_cur_init(&c, p, n);
	rlp_cur_list(&c, &l);
	int err;
	size_t items = rlp_cur_count(&l, 0, &err);
	if (err || rlp_cur_finish(&c) || items < 2 || items > 3)
		return DURE_EETH_MSG;
	/* Decoded as the block [header, body items...], by block_decode's
	 * rules and bounds. */
	buf b = BUF_INIT;
	size_t m = rlp_list_begin(&b);
	err = header_encode(h, &b);
	if (err) {
		buf_free(&b);
		return err;
	}
	rlp_put_raw(&b, l.p, (size_t)(l.end - l.p));
	rlp_list_end(&b, m);
	err = done(&b);
	if (!err) {
		err = block_decode(b.data, b.len, out);
		if (err && err != DURE_ENOMEM)
			err = DURE_EETH_MSG;
	}
	buf_free(&b);
	if (!err)
		out->h = *h;
	return err;
}

/* A root computation's failure other than memory means the body cannot
 * have the root its header names. */
static int root_err(int err, int mismatch)
{
	return err == DURE_ENOMEM ? err : mismatch;
}

int eth_body_check(const block *b)
{
	h256 r;
	int err = block_tx_root(b->txs, b->ntxs, &r);
	if (err)
		return root_err(err, DURE_EBLOCK_TX_ROOT);
	if (!h256_eq(&r, &b->h.tx_root))
		return DURE_EBLOCK_TX_ROOT;
	if ((err = block_ommers_hash(b->ommers, b->nommers, &r)))
		return root_err(err, DURE_EBLOCK_OMMERS_HASH);
	if (!h256_eq(&r, &b->h.ommers_hash))
		return DURE_EBLOCK_OMMERS_HASH;
	if (!b->has_withdrawals && !b->h.has_withdrawals_root)
		return DURE_OK;
	if (b->has_withdrawals != b->h.has_withdrawals_root)
		return DURE_EBLOCK_WITHDRAWALS_ROOT;
	if ((err = block_withdrawals_root(b->withdrawals, b->nwithdrawals, &r)))
		return root_err(err, DURE_EBLOCK_WITHDRAWALS_ROOT);
	return h256_eq(&r, &b->h.withdrawals_root) ? DURE_OK
	                                            : DURE_EBLOCK_WITHDRAWALS_ROOT;
}

/* ---- NewBlock ---- */

int eth_new_block_encode(const block *b, const u256 *td, buf *out)
{
	size_t m = rlp_list_begin(out);
	int err = block_encode(b, out);
	if (err)
		return err;
	rlp_put_u256(out, td);
	rlp_list_end(out, m);
	return done(out);
}

int eth_new_block_decode(const uint8_t *p, size_t n, block *out, u256 *td)
{
	memset(out, 0, sizeof *out);
	*td = U256_ZERO;
	rlp_cur c, l;
	rlp_cur_init(&c, p, n);
	rlp_cur_list(&c, &l);
	const uint8_t *bp;
	size_t bn;
	rlp_cur_raw(&l, &bp, &bn);
	u256 v = rlp_cur_u256(&l);
	if (finish(&c, &l) || !td_ok(&v))
		return DURE_EETH_MSG;
	int err = block_decode(bp, bn, out);
	if (err)
		return err == DURE_ENOMEM ? err : DURE_EETH_MSG;
	*td = v;
	return DURE_OK;
}

/* ---- NewPooledTransactionHashes ---- */

int eth_tx_anns_encode(const eth_tx_ann *a, size_t n, buf *out)
{
	uint8_t *types = malloc(n ? n : 1);
	if (!types)
		return DURE_ENOMEM;
	for (size_t i = 0; i < n; i++)
		types[i] = a[i].type;
	size_t m = rlp_list_begin(out);
	rlp_put_bytes(out, types, n);
	free(types);
	size_t sl = rlp_list_begin(out);
	for (size_t i = 0; i < n; i++)
		rlp_put_u64(out, a[i].size);
	rlp_list_end(out, sl);
	size_t hl = rlp_list_begin(out);
	for (size_t i = 0; i < n; i++)
		rlp_put_bytes(out, a[i].hash.b, 32);
	rlp_list_end(out, hl);
	rlp_list_end(out, m);
	return done(out);
}

int eth_tx_anns_decode(const uint8_t *p, size_t n, eth_tx_ann *out,
                       size_t max, size_t *count)
{
	*count = 0;
	rlp_cur c, l, sizes, hashes;
	rlp_cur_init(&c, p, n);
	rlp_cur_list(&c, &l);
	const uint8_t *types;
	size_t nt;
	rlp_cur_bytes(&l, &types, &nt);
	rlp_cur_list(&l, &sizes);
	rlp_cur_list(&l, &hashes);
	int serr, herr;
	size_t ns = rlp_cur_count(&sizes, 0, &serr);
	size_t nh = rlp_cur_count(&hashes, 0, &herr);
	if (l.err || serr || herr || ns != nt || nh != nt)
		return DURE_EETH_MSG;
	if (nt > max)
		return DURE_EETH_TOO_MANY;
	bool big = false;
	for (size_t i = 0; i < nt; i++) {
		out[i].type = types[i];
		uint64_t size = rlp_cur_u64(&sizes);
		big |= size > UINT32_MAX;
		out[i].size = (uint32_t)size;
		rlp_cur_fixed(&hashes, out[i].hash.b, 32);
	}
	rlp_cur_close(&l, &sizes);
	rlp_cur_close(&l, &hashes);
	if (finish(&c, &l) || big) {
		memset(out, 0, nt * sizeof *out);
		return DURE_EETH_MSG;
	}
	*count = nt;
	return DURE_OK;
}

/* ---- receipts ---- */

int eth_receipts_put(buf *b, const receipt *r, size_t n)
{
	size_t m = rlp_list_begin(b);
	buf typed = BUF_INIT;
	int err = DURE_OK;
	for (size_t i = 0; i < n && !err; i++) {
		if (r[i].type == TX_LEGACY) {
			err = receipt_encode(&r[i], b);
		} else {
			buf_reset(&typed);
			err = receipt_encode(&r[i], &typed);
			if (!err)
				rlp_put_bytes(b, typed.data, typed.len);
		}
	}
	buf_free(&typed);
	if (err) {
		if (!buf_failed(b))
			b->len = m;
		return err;
	}
	rlp_list_end(b, m);
	return done(b);
}

int eth_receipts_decode(const uint8_t *p, size_t n, receipt *out,
                        size_t max, size_t *count)
{
	*count = 0;
	rlp_cur c, l;
	rlp_cur_init(&c, p, n);
	rlp_cur_list(&c, &l);
	size_t k = 0;
	int err = DURE_OK;
	while (!err && !rlp_cur_at_end(&l)) {
		const uint8_t *q;
		size_t qn;
		if (k == max)
			err = DURE_EETH_TOO_MANY;
		else if (!take_typed(&l, &q, &qn))
			err = DURE_EETH_MSG;
		else if ((err = receipt_decode(q, qn, &out[k])) == DURE_OK)
			k++;
		else if (err != DURE_ENOMEM)
			err = DURE_EETH_MSG;
	}
	if (!err && finish(&c, &l))
		err = DURE_EETH_MSG;
	if (err) {
		for (size_t i = 0; i < k; i++)
			receipt_free(&out[i]);
		return err;
	}
	*count = k;
	return DURE_OK;
}
