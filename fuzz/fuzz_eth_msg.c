/* Fuzzes the eth/68 message decoders (eth/proto.h), the bytes peers send
 * after the Status handshake, and the fork id filter. Every input goes to
 * every decoder. The decoders are canonical, so whatever one accepts must
 * encode back to exactly the input; a rejected input must leave the
 * outputs zeroed (and, for the block and receipt decoders, nothing owned
 * behind: the sanitizers see leaks). The fork id of any head must pass
 * our own filter at that head. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "chain/block.h"
#include "eth/forkid.h"
#include "eth/proto.h"
#include "fuzz.h"
#include "rlp/rlp.h"

#define MAX_ITEMS 4096

/* One element of any of the arrays the decoders fill. */
typedef union item {
	eth_block_ann block;
	eth_slice slice;
	h256 hash;
	eth_tx_ann ann;
} item;

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
	    (n && memcmp(b->data, p, n) != 0))
		abort();
}

static bool failed(int err)
{
	if (err == DURE_OK)
		return false;
	if (err != DURE_EETH_MSG && err != DURE_EETH_TOO_MANY &&
	    err != DURE_ENOMEM)
		abort();
	return true;
}

static void check_status(const uint8_t *d, size_t n)
{
	eth_status s;
	if (failed(eth_status_decode(d, n, &s))) {
		zero_or_abort(&s, sizeof s);
		return;
	}
	buf b = BUF_INIT;
	same_or_abort(eth_status_encode(&s, &b), &b, d, n);
	buf_free(&b);
}

static void check_block_hashes(const uint8_t *d, size_t n, void *scratch)
{
	eth_block_ann *a = scratch;
	size_t count;
	if (failed(eth_new_block_hashes_decode(d, n, a, MAX_ITEMS, &count))) {
		zero_or_abort(&count, sizeof count);
		return;
	}
	buf b = BUF_INIT;
	same_or_abort(eth_new_block_hashes_encode(a, count, &b), &b, d, n);
	buf_free(&b);
}

static void check_txs(const uint8_t *d, size_t n, void *scratch)
{
	eth_slice *t = scratch;
	size_t count;
	if (failed(eth_txs_decode(d, n, t, MAX_ITEMS, &count))) {
		zero_or_abort(&count, sizeof count);
		return;
	}
	buf b = BUF_INIT;
	size_t m = rlp_list_begin(&b);
	for (size_t i = 0; i < count; i++) {
		if (t[i].p < d || t[i].p + t[i].n > d + n)
			abort();
		eth_put_tx(&b, t[i].p, t[i].n);
	}
	rlp_list_end(&b, m);
	same_or_abort(DURE_OK, &b, d, n);
	buf_free(&b);
}

static void check_get_headers(const uint8_t *d, size_t n)
{
	eth_get_headers q;
	if (failed(eth_get_headers_decode(d, n, &q))) {
		zero_or_abort(&q, sizeof q);
		return;
	}
	buf b = BUF_INIT;
	same_or_abort(eth_get_headers_encode(&q, &b), &b, d, n);
	buf_free(&b);
}

static void check_hashes(const uint8_t *d, size_t n, void *scratch)
{
	h256 *h = scratch;
	uint64_t id;
	size_t count;
	if (failed(eth_hashes_req_decode(d, n, &id, h, MAX_ITEMS, &count))) {
		if (id || count)
			abort();
		return;
	}
	if (count == MAX_ITEMS)
		return;  /* maybe a prefix: the rest was checked, not kept */
	buf b = BUF_INIT;
	same_or_abort(eth_hashes_req_encode(id, h, count, &b), &b, d, n);
	buf_free(&b);
	/* A shorter prefix reads the same first hashes. */
	size_t half = count / 2, c2;
	uint64_t id2;
	if (eth_hashes_req_decode(d, n, &id2, h, half, &c2) || c2 != half ||
	    id2 != id)
		abort();
}

/* Also a receipts list and a body, for each item a response holds. */
static void check_items(const eth_slice *it, size_t count)
{
	static header pre, shanghai;
	shanghai.has_base_fee = shanghai.has_withdrawals_root = true;
	for (size_t i = 0; i < count && i < 8; i++) {
		block bl;
		const header *hs[2] = {&pre, &shanghai};
		for (int k = 0; k < 2; k++) {
			if (failed(eth_body_decode(it[i].p, it[i].n, hs[k], &bl))) {
				zero_or_abort(&bl, sizeof bl);
				continue;
			}
			buf b = BUF_INIT;
			same_or_abort(eth_body_encode(&bl, &b), &b, it[i].p, it[i].n);
			buf_free(&b);
			int err = eth_body_check(&bl);
			if (err != DURE_OK && err != DURE_EBLOCK_TX_ROOT &&
			    err != DURE_EBLOCK_OMMERS_HASH &&
			    err != DURE_EBLOCK_WITHDRAWALS_ROOT && err != DURE_ENOMEM)
				abort();
			block_free(&bl);
		}
		receipt r[16];
		size_t nr;
		if (failed(eth_receipts_decode(it[i].p, it[i].n, r, 16, &nr))) {
			zero_or_abort(&nr, sizeof nr);
			continue;
		}
		buf b = BUF_INIT;
		same_or_abort(eth_receipts_put(&b, r, nr), &b, it[i].p, it[i].n);
		buf_free(&b);
		for (size_t k = 0; k < nr; k++)
			receipt_free(&r[k]);
	}
}

static void check_response(const uint8_t *d, size_t n, void *scratch)
{
	eth_slice *it = scratch;
	uint64_t id, sid;
	size_t count, ll;
	const uint8_t *list;
	int serr = eth_request_split(d, n, &sid, &list, &ll);
	if (failed(eth_response_decode(d, n, &id, it, MAX_ITEMS, &count))) {
		if (id || count)
			abort();
		return;
	}
	if (serr || sid != id || list < d || list + ll != d + n)
		abort();
	buf b = BUF_INIT;
	size_t inner, outer = eth_response_begin(&b, id, &inner);
	for (size_t i = 0; i < count; i++)
		rlp_put_raw(&b, it[i].p, it[i].n);
	eth_response_end(&b, outer, inner);
	same_or_abort(DURE_OK, &b, d, n);
	buf_free(&b);
	check_items(it, count);
}

static void check_new_block(const uint8_t *d, size_t n)
{
	block bl;
	u256 td;
	if (failed(eth_new_block_decode(d, n, &bl, &td))) {
		zero_or_abort(&bl, sizeof bl);
		zero_or_abort(&td, sizeof td);
		return;
	}
	buf b = BUF_INIT;
	same_or_abort(eth_new_block_encode(&bl, &td, &b), &b, d, n);
	buf_free(&b);
	block_free(&bl);
}

static void check_anns(const uint8_t *d, size_t n, void *scratch)
{
	eth_tx_ann *a = scratch;
	size_t count;
	if (failed(eth_tx_anns_decode(d, n, a, MAX_ITEMS, &count))) {
		zero_or_abort(&count, sizeof count);
		return;
	}
	buf b = BUF_INIT;
	same_or_abort(eth_tx_anns_encode(a, count, &b), &b, d, n);
	buf_free(&b);
}

/* Mainnet's forks through Cancun. */
static void check_forkid(const uint8_t *d, size_t n)
{
	if (n < 20)
		return;
	chain_config c;
	memset(&c, 0, sizeof c);
	for (int f = 0; f < FORK_COUNT_; f++)
		c.activation[f] = CHAIN_NEVER;
	static const uint64_t blocks[] = {0, 1150000, 2463000, 2675000,
	                                  4370000, 7280000, 7280000, 9069000,
	                                  12244000, 12965000};
	for (int f = 0; f <= FORK_LONDON; f++)
		c.activation[f] = blocks[f];
	c.dao_block = 1920000;
	c.muir_glacier_block = 9200000;
	c.arrow_glacier_block = 13773000;
	c.gray_glacier_block = 15050000;
	c.activation[FORK_SHANGHAI] = 1681338455;
	c.activation[FORK_CANCUN] = 1710338135;
	forkid_table t;
	h256 g;
	memset(&g, d[0], sizeof g);
	if (forkid_table_init(&c, &g, 0, &t))
		abort();
	uint64_t number = 0, time = 0, next = 0;
	for (int i = 0; i < 8; i++) {
		number = number << 8 | d[1 + i];
		time = time << 8 | d[9 + i];
	}
	/* Heads spread over the forks rather than mostly past them all. */
	number %= 20000000;
	time %= 2000000000;
	fork_id own;
	forkid_at(&t, number, time, &own);
	if (forkid_check(&t, number, time, &own))
		abort();
	fork_id remote;
	memcpy(remote.hash, d + 16, 4);
	for (size_t i = 20; i < n && i < 28; i++)
		next = next << 8 | d[i];
	remote.next = next;
	int err = forkid_check(&t, number, time, &remote);
	if (err != DURE_OK && err != DURE_EETH_FORKID)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *scratch = malloc(MAX_ITEMS * sizeof(item));
	if (!scratch)
		return 0;
	check_status(data, size);
	check_block_hashes(data, size, scratch);
	check_txs(data, size, scratch);
	check_get_headers(data, size);
	check_hashes(data, size, scratch);
	check_response(data, size, scratch);
	check_new_block(data, size);
	check_anns(data, size, scratch);
	check_forkid(data, size);
	free(scratch);
	return 0;
}
