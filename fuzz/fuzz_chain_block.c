/* Fuzzes the decoders of headers, blocks and receipts, the bytes peers send
 * in BlockHeaders, BlockBodies, NewBlock and Receipts messages. Every input
 * goes to all three. The decoders are canonical, so whatever one accepts
 * must encode back to exactly the input; a header must hash to keccak256
 * of its bytes (as it arrived inside a block too, and the ommers list to
 * keccak256 of its list), the roots a header commits to must compute, and
 * a rejected input must leave the output zeroed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chain/block.h"
#include "chain/receipt.h"
#include "crypto/keccak.h"
#include "fuzz.h"
#include "rlp/rlp.h"

static void zero_or_abort(const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i])
			abort();
}

static void same_or_abort(int err, const buf *b, const uint8_t *p, size_t n)
{
	if (err != DURE_OK || buf_failed(b) || b->len != n ||
	    memcmp(b->data, p, n) != 0)
		abort();
}

/* h must hash to keccak256 of raw, the bytes it was decoded from. */
static void hash_or_abort(const header *h, const uint8_t *raw, size_t n)
{
	h256 got;
	uint8_t want[32];
	keccak256(raw, n, want);
	if (header_hash(h, &got) != DURE_OK || memcmp(got.b, want, 32) != 0)
		abort();
}

static void check_header(const uint8_t *data, size_t size)
{
	header h;
	if (header_decode(data, size, &h) != DURE_OK) {
		zero_or_abort(&h, sizeof h);
		return;
	}
	buf b = BUF_INIT;
	same_or_abort(header_encode(&h, &b), &b, data, size);
	buf_free(&b);
	hash_or_abort(&h, data, size);
}

/* The header and ommers items of the block list in data, which decoded. */
static void raw_parts(const uint8_t *data, size_t size, const uint8_t **hp,
                      size_t *hn, const uint8_t **op, size_t *on)
{
	rlp_cur c, l;
	rlp_cur_init(&c, data, size);
	rlp_cur_list(&c, &l);
	rlp_cur_raw(&l, hp, hn);
	rlp_cur_skip(&l);
	rlp_cur_raw(&l, op, on);
	if (l.err)
		abort();
}

static void check_block(const uint8_t *data, size_t size)
{
	block bl;
	if (block_decode(data, size, &bl) != DURE_OK) {
		zero_or_abort(&bl, sizeof bl);
		return;
	}
	buf b = BUF_INIT;
	same_or_abort(block_encode(&bl, &b), &b, data, size);
	buf_free(&b);
	if (bl.has_withdrawals != bl.h.has_withdrawals_root)
		abort();

	const uint8_t *hp, *op;
	size_t hn, on;
	raw_parts(data, size, &hp, &hn, &op, &on);
	hash_or_abort(&bl.h, hp, hn);
	h256 r;
	uint8_t want[32];
	keccak256(op, on, want);
	if (block_ommers_hash(bl.ommers, bl.nommers, &r) != DURE_OK ||
	    memcmp(r.b, want, 32) != 0)
		abort();
	for (size_t i = 0; i < bl.nommers; i++)
		if (header_hash(&bl.ommers[i], &r) != DURE_OK)
			abort();
	if (block_tx_root(bl.txs, bl.ntxs, &r) != DURE_OK)
		abort();
	if (block_withdrawals_root(bl.withdrawals, bl.nwithdrawals, &r) !=
	    DURE_OK)
		abort();
	block_free(&bl);
	zero_or_abort(&bl, sizeof bl);
}

static void check_receipt(const uint8_t *data, size_t size)
{
	receipt rc;
	if (receipt_decode(data, size, &rc) != DURE_OK) {
		zero_or_abort(&rc, sizeof rc);
		return;
	}
	/* A typed receipt is its type byte and a list; a legacy one starts
	 * with the list. */
	if ((rc.type != 0) != (data[0] < 0xc0) || rc.nlogs > size)
		abort();
	buf b = BUF_INIT;
	same_or_abort(receipt_encode(&rc, &b), &b, data, size);
	buf_free(&b);
	h256 h;
	if (logs_hash(rc.logs, rc.nlogs, &h) != DURE_OK)
		abort();
	if (block_receipts_root(&rc, 1, &h) != DURE_OK)
		abort();
	uint8_t bloom[256] = {0};
	logs_bloom(rc.logs, rc.nlogs, bloom);
	receipt_free(&rc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_header(data, size);
	check_block(data, size);
	check_receipt(data, size);
	return 0;
}
