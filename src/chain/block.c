/* Headers, bodies and the roots over a block's lists. The layouts are drawn
 * in block.h.
 *
 * Decoding counts the items of a list before allocating its array, and
 * stops counting after an item too short to be one of its kind (which
 * then fails to decode in its turn), so each array costs at most a small
 * multiple of the input bytes its items take. */
#include "chain/block.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/keccak.h"
#include "rlp/rlp.h"
#include "trie/trie.h"

/* Lower bounds on the RLP of an item that can decode, each from its
 * fields at their shortest. A header: six 32-byte fields (33 each), the
 * coinbase (21), the bloom (259), the nonce (9), five integers and the
 * extra data (1 each), without its list header. A transaction: a legacy
 * list of nine one-byte fields (a typed one is longer). A withdrawal:
 * three one-byte integers and an address in a list. */
#define HEADER_MIN_RLP (6 * 33 + 21 + 259 + 9 + 6)
#define TX_MIN_RLP 10
#define WITHDRAWAL_MIN_RLP 25

#define HEADER_FIELDS_MIN 15
#define HEADER_FIELDS_MAX 20

const h256 EMPTY_OMMERS_HASH = {{
	0x1d, 0xcc, 0x4d, 0xe8, 0xde, 0xc7, 0x5d, 0x7a, 0xab, 0x85, 0xb5,
	0x67, 0xb6, 0xcc, 0xd4, 0x1a, 0xd3, 0x12, 0x45, 0x1b, 0x94, 0x8a,
	0x74, 0x13, 0xf0, 0xa1, 0x42, 0xfd, 0x40, 0xd4, 0x93, 0x47}};

/* Decodes the fields of a header (arg) from its list's cursor. */
static int decode_header_fields(rlp_cur *c, void *arg)
{
	header *h = arg;
	int err;
	size_t n = rlp_cur_count(c, 0, &err);
	if (err)
		return err;
	/* blobGasUsed and excessBlobGas come as a pair: 18 is no fork's. */
	if (n < HEADER_FIELDS_MIN || n > HEADER_FIELDS_MAX || n == 18)
		return DURE_EBLOCK_FORMAT;
	rlp_cur_fixed(c, h->parent_hash.b, 32);
	rlp_cur_fixed(c, h->ommers_hash.b, 32);
	rlp_cur_fixed(c, h->coinbase.b, 20);
	rlp_cur_fixed(c, h->state_root.b, 32);
	rlp_cur_fixed(c, h->tx_root.b, 32);
	rlp_cur_fixed(c, h->receipts_root.b, 32);
	rlp_cur_fixed(c, h->bloom, sizeof h->bloom);
	h->difficulty = rlp_cur_u256(c);
	h->number = rlp_cur_u64(c);
	h->gas_limit = rlp_cur_u64(c);
	h->gas_used = rlp_cur_u64(c);
	h->timestamp = rlp_cur_u64(c);
	const uint8_t *extra;
	size_t extra_len;
	rlp_cur_bytes(c, &extra, &extra_len);
	if (c->err)
		return c->err;
	if (extra_len > sizeof h->extra)
		return DURE_EBLOCK_EXTRA_DATA;
	memcpy(h->extra, extra, extra_len);
	h->extra_len = extra_len;
	rlp_cur_fixed(c, h->mix_hash.b, 32);
	rlp_cur_fixed(c, h->nonce, sizeof h->nonce);
	if (n > 15) {
		h->has_base_fee = true;
		h->base_fee = rlp_cur_u256(c);
	}
	if (n > 16) {
		h->has_withdrawals_root = true;
		rlp_cur_fixed(c, h->withdrawals_root.b, 32);
	}
	if (n > 18) {
		h->has_blob_gas = true;
		h->blob_gas_used = rlp_cur_u64(c);
		h->excess_blob_gas = rlp_cur_u64(c);
	}
	if (n > 19) {
		h->has_parent_beacon_root = true;
		rlp_cur_fixed(c, h->parent_beacon_root.b, 32);
	}
	return c->err;
}

int header_decode(const uint8_t *p, size_t n, header *out)
{
	memset(out, 0, sizeof *out);
	int err = rlp_decode_list(p, n, decode_header_fields, out);
	if (err != DURE_OK)
		memset(out, 0, sizeof *out);
	return err;
}

/* The header's fields in order; without mixHash and nonce when !sealed. */
static int encode_header(const header *h, bool sealed, buf *out)
{
	if ((h->has_withdrawals_root && !h->has_base_fee) ||
	    (h->has_blob_gas && !h->has_withdrawals_root) ||
	    (h->has_parent_beacon_root && !h->has_blob_gas) ||
	    h->extra_len > sizeof h->extra)
		return DURE_EBLOCK_FORMAT;
	size_t mark = rlp_list_begin(out);
	rlp_put_bytes(out, h->parent_hash.b, 32);
	rlp_put_bytes(out, h->ommers_hash.b, 32);
	rlp_put_bytes(out, h->coinbase.b, 20);
	rlp_put_bytes(out, h->state_root.b, 32);
	rlp_put_bytes(out, h->tx_root.b, 32);
	rlp_put_bytes(out, h->receipts_root.b, 32);
	rlp_put_bytes(out, h->bloom, sizeof h->bloom);
	rlp_put_u256(out, &h->difficulty);
	rlp_put_u64(out, h->number);
	rlp_put_u64(out, h->gas_limit);
	rlp_put_u64(out, h->gas_used);
	rlp_put_u64(out, h->timestamp);
	rlp_put_bytes(out, h->extra, h->extra_len);
	if (sealed) {
		rlp_put_bytes(out, h->mix_hash.b, 32);
		rlp_put_bytes(out, h->nonce, sizeof h->nonce);
	}
	if (h->has_base_fee)
		rlp_put_u256(out, &h->base_fee);
	if (h->has_withdrawals_root)
		rlp_put_bytes(out, h->withdrawals_root.b, 32);
	if (h->has_blob_gas) {
		rlp_put_u64(out, h->blob_gas_used);
		rlp_put_u64(out, h->excess_blob_gas);
	}
	if (h->has_parent_beacon_root)
		rlp_put_bytes(out, h->parent_beacon_root.b, 32);
	rlp_list_end(out, mark);
	return buf_failed(out) ? DURE_ENOMEM : DURE_OK;
}

int header_encode(const header *h, buf *out)
{
	return encode_header(h, true, out);
}

int header_encode_unsealed(const header *h, buf *out)
{
	return encode_header(h, false, out);
}

int header_hash(const header *h, h256 *out)
{
	memset(out, 0, sizeof *out);
	buf b = BUF_INIT;
	int err = header_encode(h, &b);
	if (err == DURE_OK)
		keccak256(b.data, b.len, out->b);
	buf_free(&b);
	return err;
}

void block_free(block *b)
{
	for (size_t i = 0; i < b->ntxs; i++)
		tx_free(&b->txs[i]);
	free(b->txs);
	free(b->ommers);
	free(b->withdrawals);
	memset(b, 0, sizeof *b);
}

/* Takes the next transaction of a body: a legacy one as a list, a typed
 * one as a string holding type || rlp. A string whose payload does not
 * open with a type byte (say, a legacy list wrapped in a string) is not a
 * transaction of any type. */
static int decode_body_tx(rlp_cur *c, void *t)
{
	const uint8_t *p;
	size_t n;
	if (rlp_cur_is_list(c)) {
		rlp_cur_raw(c, &p, &n);
	} else {
		rlp_cur_bytes(c, &p, &n);
		if (!c->err && (n == 0 || p[0] >= 0x80))
			return DURE_ETX_TYPE;
	}
	if (c->err)
		return c->err;
	return tx_decode(p, n, t);
}

/* Takes the next ommer header. */
static int decode_ommer(rlp_cur *c, void *h)
{
	const uint8_t *p;
	size_t len;
	rlp_cur_raw(c, &p, &len);
	if (c->err)
		return c->err;
	return header_decode(p, len, h);
}

static int decode_withdrawal(rlp_cur *c, void *arg)
{
	withdrawal *w = arg;
	rlp_cur l;
	rlp_cur_list(c, &l);
	int err;
	if (rlp_cur_count(&l, 0, &err) != 4)
		return err ? err : DURE_EBLOCK_FORMAT;
	w->index = rlp_cur_u64(&l);
	w->validator = rlp_cur_u64(&l);
	rlp_cur_fixed(&l, w->addr.b, sizeof w->addr.b);
	w->amount_gwei = rlp_cur_u64(&l);
	return rlp_cur_close(c, &l);
}

/* Takes the next item, a list of items of at least min bytes, into a fresh
 * array of elements of size bytes each (*arr, left NULL for an empty
 * list), one decoding each; *len counts those decoded, for block_free. */
static int decode_array(rlp_cur *c, size_t min, size_t size,
                        int (*one)(rlp_cur *, void *), void **arr,
                        size_t *len)
{
	rlp_cur l;
	rlp_cur_list(c, &l);
	int err;
	size_t n = rlp_cur_count(&l, min, &err);
	if (err)
		return err;
	if (n) {
		*arr = calloc(n, size);
		if (!*arr)
			return DURE_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		if ((err = one(&l, (uint8_t *)*arr + i * size)) != DURE_OK)
			return err;
		(*len)++;
	}
	return rlp_cur_close(c, &l);
}

static int decode_txs(rlp_cur *c, block *b)
{
	void *a = NULL;
	int err = decode_array(c, TX_MIN_RLP, sizeof *b->txs, decode_body_tx,
	                       &a, &b->ntxs);
	b->txs = a;
	return err;
}

static int decode_ommers(rlp_cur *c, block *b)
{
	void *a = NULL;
	int err = decode_array(c, HEADER_MIN_RLP, sizeof *b->ommers,
	                       decode_ommer, &a, &b->nommers);
	b->ommers = a;
	return err;
}

static int decode_withdrawals(rlp_cur *c, block *b)
{
	void *a = NULL;
	int err = decode_array(c, WITHDRAWAL_MIN_RLP, sizeof *b->withdrawals,
	                       decode_withdrawal, &a, &b->nwithdrawals);
	b->withdrawals = a;
	b->has_withdrawals = err == DURE_OK;
	return err;
}

static int decode_block_fields(rlp_cur *c, void *arg)
{
	block *b = arg;
	int err;
	size_t n = rlp_cur_count(c, 0, &err);
	if (err)
		return err;
	if (n != 3 && n != 4)
		return DURE_EBLOCK_FORMAT;
	const uint8_t *p;
	size_t len;
	rlp_cur_raw(c, &p, &len);
	if (c->err)
		return c->err;
	if ((err = header_decode(p, len, &b->h)) != DURE_OK ||
	    (err = decode_txs(c, b)) != DURE_OK ||
	    (err = decode_ommers(c, b)) != DURE_OK)
		return err;
	if (n == 4 && (err = decode_withdrawals(c, b)) != DURE_OK)
		return err;
	/* The withdrawals list is in the body exactly when the header
	 * commits to it; either without the other cannot be checked. */
	if (b->has_withdrawals != b->h.has_withdrawals_root)
		return DURE_EBLOCK_FORMAT;
	return DURE_OK;
}

int block_decode(const uint8_t *p, size_t n, block *out)
{
	memset(out, 0, sizeof *out);
	int err = rlp_decode_list(p, n, decode_block_fields, out);
	if (err != DURE_OK)
		block_free(out);
	return err;
}

static void put_withdrawal(buf *out, const withdrawal *w)
{
	size_t mark = rlp_list_begin(out);
	rlp_put_u64(out, w->index);
	rlp_put_u64(out, w->validator);
	rlp_put_bytes(out, w->addr.b, sizeof w->addr.b);
	rlp_put_u64(out, w->amount_gwei);
	rlp_list_end(out, mark);
}

/* Appends t as a body carries it: typed transactions wrapped in a string. */
static int put_body_tx(buf *out, const tx *t, buf *tmp)
{
	if (t->type == TX_LEGACY)
		return tx_encode(t, out);
	buf_reset(tmp);
	int err = tx_encode(t, tmp);
	if (err != DURE_OK)
		return err;
	rlp_put_bytes(out, tmp->data, tmp->len);
	return buf_failed(out) ? DURE_ENOMEM : DURE_OK;
}

static int put_block(const block *b, buf *out)
{
	if (b->has_withdrawals != b->h.has_withdrawals_root)
		return DURE_EBLOCK_FORMAT;
	size_t mark = rlp_list_begin(out);
	int err = header_encode(&b->h, out);
	if (err != DURE_OK)
		return err;
	buf tmp = BUF_INIT;
	size_t txs = rlp_list_begin(out);
	for (size_t i = 0; i < b->ntxs && err == DURE_OK; i++)
		err = put_body_tx(out, &b->txs[i], &tmp);
	buf_free(&tmp);
	if (err != DURE_OK)
		return err;
	rlp_list_end(out, txs);
	size_t ommers = rlp_list_begin(out);
	for (size_t i = 0; i < b->nommers; i++)
		if ((err = header_encode(&b->ommers[i], out)) != DURE_OK)
			return err;
	rlp_list_end(out, ommers);
	if (b->has_withdrawals) {
		size_t ws = rlp_list_begin(out);
		for (size_t i = 0; i < b->nwithdrawals; i++)
			put_withdrawal(out, &b->withdrawals[i]);
		rlp_list_end(out, ws);
	}
	rlp_list_end(out, mark);
	return buf_failed(out) ? DURE_ENOMEM : DURE_OK;
}

int block_encode(const block *b, buf *out)
{
	size_t mark = out->len;
	int err = put_block(b, out);
	/* No half-written block is left behind for the caller to send. */
	if (err != DURE_OK && !buf_failed(out))
		out->len = mark;
	return err;
}

/* Appends item i's value to val (emptied first). */
typedef int (*item_encoder)(const void *items, size_t i, buf *val);

/* The root of the trie mapping rlp(i) to each item's value. */
static int list_root(const void *items, size_t n, item_encoder enc,
                     h256 *out)
{
	memset(out, 0, sizeof *out);
	trie *t;
	int err = trie_new(&t);
	if (err != DURE_OK)
		return err;
	buf key = BUF_INIT, val = BUF_INIT;
	for (size_t i = 0; i < n && err == DURE_OK; i++) {
		buf_reset(&key);
		rlp_put_u64(&key, i);
		if (buf_failed(&key)) {
			err = DURE_ENOMEM;
			break;
		}
		buf_reset(&val);
		err = enc(items, i, &val);
		if (err == DURE_OK)
			err = trie_put(t, key.data, key.len, val.data, val.len);
	}
	if (err == DURE_OK)
		err = trie_root(t, out);
	buf_free(&key);
	buf_free(&val);
	trie_free(t);
	return err;
}

static int tx_item(const void *items, size_t i, buf *val)
{
	return tx_encode(&((const tx *)items)[i], val);
}

static int receipt_item(const void *items, size_t i, buf *val)
{
	return receipt_encode(&((const receipt *)items)[i], val);
}

static int withdrawal_item(const void *items, size_t i, buf *val)
{
	put_withdrawal(val, &((const withdrawal *)items)[i]);
	return buf_failed(val) ? DURE_ENOMEM : DURE_OK;
}

int block_tx_root(const tx *txs, size_t n, h256 *out)
{
	return list_root(txs, n, tx_item, out);
}

int block_receipts_root(const receipt *r, size_t n, h256 *out)
{
	return list_root(r, n, receipt_item, out);
}

int block_withdrawals_root(const withdrawal *w, size_t n, h256 *out)
{
	return list_root(w, n, withdrawal_item, out);
}

int block_ommers_hash(const header *ommers, size_t n, h256 *out)
{
	memset(out, 0, sizeof *out);
	buf b = BUF_INIT;
	int err = DURE_OK;
	size_t mark = rlp_list_begin(&b);
	for (size_t i = 0; i < n && err == DURE_OK; i++)
		err = header_encode(&ommers[i], &b);
	rlp_list_end(&b, mark);
	if (err == DURE_OK && buf_failed(&b))
		err = DURE_ENOMEM;
	if (err == DURE_OK)
		keccak256(b.data, b.len, out->b);
	buf_free(&b);
	return err;
}

void block_bloom(const receipt *r, size_t n, uint8_t bloom[256])
{
	memset(bloom, 0, 256);
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < 256; k++)
			bloom[k] |= r[i].bloom[k];
}
