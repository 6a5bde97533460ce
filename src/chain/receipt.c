#include "chain/receipt.h"

#include <stdlib.h>
#include <string.h>

#include "chain/tx.h"
#include "crypto/keccak.h"
#include "rlp/rlp.h"

/* The shortest log that can decode: [address (21), [] (1), "" (1)] in a
 * list header. */
#define LOG_MIN_RLP 24

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
	if (r->has_post_state)
		rlp_put_bytes(out, r->post_state.b, sizeof r->post_state.b);
	else
		rlp_put_u64(out, r->success ? 1 : 0);
	rlp_put_u64(out, r->cumulative_gas);
	rlp_put_bytes(out, r->bloom, 256);
	logs_encode(r->logs, r->nlogs, out);
	rlp_list_end(out, mark);
	return buf_failed(out) ? DURE_ENOMEM : DURE_OK;
}

static int decode_log(rlp_cur *c, state_log *lg)
{
	rlp_cur l, topics;
	rlp_cur_list(c, &l);
	int err;
	if (rlp_cur_count(&l, 0, &err) != 3)
		return err ? err : DURE_EBLOCK_FORMAT;
	rlp_cur_fixed(&l, lg->addr.b, sizeof lg->addr.b);
	rlp_cur_list(&l, &topics);
	while (!rlp_cur_at_end(&topics)) {
		if (lg->ntopics == sizeof lg->topics / sizeof lg->topics[0])
			return DURE_EBLOCK_FORMAT;
		rlp_cur_fixed(&topics, lg->topics[lg->ntopics++].b, 32);
	}
	if ((err = rlp_cur_close(&l, &topics)) != DURE_OK)
		return err;
	const uint8_t *data;
	size_t len;
	rlp_cur_bytes(&l, &data, &len);
	if (!l.err && len) {
		lg->data = malloc(len);
		if (!lg->data)
			return DURE_ENOMEM;
		memcpy(lg->data, data, len);
		lg->data_size = len;
	}
	return rlp_cur_close(c, &l);
}

static int decode_logs(rlp_cur *c, receipt *r)
{
	rlp_cur l;
	rlp_cur_list(c, &l);
	int err;
	size_t n = rlp_cur_count(&l, LOG_MIN_RLP, &err);
	if (err)
		return err;
	if (n) {
		r->logs = calloc(n, sizeof *r->logs);
		if (!r->logs)
			return DURE_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		/* Counted before decoding so receipt_free sees partial logs. */
		r->nlogs++;
		if ((err = decode_log(&l, &r->logs[i])) != DURE_OK)
			return err;
	}
	return rlp_cur_close(c, &l);
}

/* The first field: the status (0 as the empty string, 1 as 0x01) or a
 * 32-byte post-state root. */
static int decode_status(rlp_cur *c, receipt *r)
{
	const uint8_t *p;
	size_t n;
	rlp_cur_bytes(c, &p, &n);
	if (c->err)
		return c->err;
	if (n == sizeof r->post_state.b) {
		r->has_post_state = true;
		memcpy(r->post_state.b, p, n);
		return DURE_OK;
	}
	if (n == 1 && p[0] == 1)
		r->success = true;
	else if (n != 0)
		return DURE_EBLOCK_FORMAT;
	return DURE_OK;
}

static int decode_fields(rlp_cur *c, void *arg)
{
	receipt *r = arg;
	int err;
	if (rlp_cur_count(c, 0, &err) != 4)
		return err ? err : DURE_EBLOCK_FORMAT;
	if ((err = decode_status(c, r)) != DURE_OK)
		return err;
	r->cumulative_gas = rlp_cur_u64(c);
	rlp_cur_fixed(c, r->bloom, sizeof r->bloom);
	if (c->err)
		return c->err;
	return decode_logs(c, r);
}

int receipt_decode(const uint8_t *p, size_t n, receipt *out)
{
	memset(out, 0, sizeof *out);
	if (n == 0)
		return DURE_ERLP_END;
	if (p[0] < 0x80) {
		if (p[0] < TX_ACCESS_LIST || p[0] > TX_BLOB)
			return DURE_ETX_TYPE;
		out->type = p[0];
		p++;
		n--;
	} else if (p[0] < 0xc0) {
		return DURE_ERLP_EXPECTED_LIST;
	}
	int err = rlp_decode_list(p, n, decode_fields, out);
	if (err != DURE_OK)
		receipt_free(out);
	return err;
}
