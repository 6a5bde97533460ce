#include "chain/receipt.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/keccak.h"
#include "rlp/rlp.h"

void receipt_free(receipt *r)
{
	for (size_t i = 0; i < r->nlogs; i++)
		free(r->logs[i].data);
	free(r->logs);
	memset(r, 0, sizeof *r);
}

/* Yellow Paper M3:2048: three 11-bit indexes taken from the first six bytes
 * of keccak(x); bit i counts from the least significant end of the 256-byte
 * big-endian bloom. */
static void bloom_add(uint8_t bloom[256], const uint8_t *p, size_t n)
{
	uint8_t h[32];
	keccak256(p, n, h);
	for (int i = 0; i < 6; i += 2) {
		unsigned bit = (((unsigned)h[i] << 8) | h[i + 1]) & 2047;
		bloom[255 - bit / 8] |= (uint8_t)(1u << (bit % 8));
	}
}

void logs_bloom(const state_log *logs, size_t n, uint8_t bloom[256])
{
	for (size_t i = 0; i < n; i++) {
		bloom_add(bloom, logs[i].addr.b, 20);
		for (size_t t = 0; t < logs[i].ntopics; t++)
			bloom_add(bloom, logs[i].topics[t].b, 32);
	}
}

void logs_encode(const state_log *logs, size_t n, buf *out)
{
	size_t all = rlp_list_begin(out);
	for (size_t i = 0; i < n; i++) {
		size_t one = rlp_list_begin(out);
		rlp_put_bytes(out, logs[i].addr.b, 20);
		size_t topics = rlp_list_begin(out);
		for (size_t t = 0; t < logs[i].ntopics; t++)
			rlp_put_bytes(out, logs[i].topics[t].b, 32);
		rlp_list_end(out, topics);
		rlp_put_bytes(out, logs[i].data, logs[i].data_size);
		rlp_list_end(out, one);
	}
	rlp_list_end(out, all);
}

int logs_hash(const state_log *logs, size_t n, h256 *out)
{
	buf b = BUF_INIT;
	logs_encode(logs, n, &b);
	if (buf_failed(&b)) {
		buf_free(&b);
		memset(out, 0, sizeof *out);
		return DURE_ENOMEM;
	}
	keccak256(b.data, b.len, out->b);
	buf_free(&b);
	return DURE_OK;
}

int receipt_encode(const receipt *r, buf *out)
{
	if (r->type != 0)
		buf_push(out, r->type);
	size_t mark = rlp_list_begin(out);
	rlp_put_u64(out, r->success ? 1 : 0);
	rlp_put_u64(out, r->cumulative_gas);
	rlp_put_bytes(out, r->bloom, 256);
	logs_encode(r->logs, r->nlogs, out);
	rlp_list_end(out, mark);
	return buf_failed(out) ? DURE_ENOMEM : DURE_OK;
}
