/* Transactions in their EIP-2718 envelopes. The first byte tells the forms
 * apart: 0xc0 and above opens a legacy RLP list, 0x00..0x7f is a type byte
 * followed by that type's RLP list.
 *
 *   type 0, legacy   rlp([nonce, gasPrice, gasLimit, to, value, data, v, r, s])
 *   type 1, 2930     0x01 || rlp([chainId, nonce, gasPrice, gasLimit, to, value,
 *                                 data, accessList, yParity, r, s])
 *   type 2, 1559     0x02 || rlp([chainId, nonce, maxPriorityFee, maxFee,
 *                                 gasLimit, to, value, data, accessList,
 *                                 yParity, r, s])
 *   type 3, 4844     0x03 || rlp([chainId, nonce, maxPriorityFee, maxFee,
 *                                 gasLimit, to, value, data, accessList,
 *                                 maxFeePerBlobGas, blobHashes, yParity, r, s])
 *
 *   to          empty string (contract creation; not in type 3) or 20 bytes
 *   accessList  [[address (20 bytes), [storageKey (32 bytes), ...]], ...]
 *   blobHashes  [versionedHash (32 bytes), ...]
 *   legacy v    27 + parity, or chainId * 2 + 35 + parity (EIP-155)
 *
 * The signing hash is keccak256 of the same envelope without the last three
 * fields, except that an EIP-155 legacy tx signs
 * rlp([nonce, gasPrice, gasLimit, to, value, data, chainId, 0, 0]). */
#include "chain/tx.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/keccak.h"
#include "crypto/secp.h"
#include "rlp/rlp.h"

/* secp256k1 group order n, limbs least significant first. */
static const u256 SECP_N = {{0xbfd25e8cd0364141ULL, 0xbaaedce6af48a03bULL,
                             0xfffffffffffffffeULL, 0xffffffffffffffffULL}};

#define MAX_INITCODE_SIZE 49152u     /* EIP-3860 */
#define MAX_BLOBS_PER_TX 6u          /* EIP-4844: block blob gas / blob gas */
#define GAS_PER_BLOB 131072u         /* EIP-4844 */
#define BLOB_HASH_VERSION 0x01       /* EIP-4844 VERSIONED_HASH_VERSION_KZG */

void tx_free(tx *t)
{
	if (!t)
		return;
	free(t->data);
	for (size_t i = 0; i < t->access_list_len; i++)
		free(t->access_list[i].keys);
	free(t->access_list);
	free(t->blob_hashes);
	memset(t, 0, sizeof *t);
}

/* Field count of each envelope, signature included. */
static size_t field_count(uint8_t type)
{
	switch (type) {
	case TX_LEGACY: return 9;
	case TX_ACCESS_LIST: return 11;
	case TX_DYNAMIC_FEE: return 12;
	case TX_BLOB: return 14;
	}
	return 0;
}

/* Reads a legacy v: 27/28, or chainId*2+35/36 with a chain id that fits 64
 * bits. Returns false for any other value. */
static bool legacy_v(const u256 *v, int *parity, bool *has_chain_id,
                     uint64_t *chain_id)
{
	*parity = 0;
	*has_chain_id = false;
	*chain_id = 0;
	if (u256_fits_u64(v) && (v->w[0] == 27 || v->w[0] == 28)) {
		*parity = (int)(v->w[0] - 27);
		return true;
	}
	u256 k35 = u256_from_u64(35);
	if (u256_lt(v, &k35))
		return false;
	u256 d = u256_sub(v, &k35);
	if (d.w[3] || d.w[2] || (d.w[1] >> 1))
		return false;
	*parity = (int)(d.w[0] & 1);
	*has_chain_id = true;
	*chain_id = (d.w[0] >> 1) | (d.w[1] << 63);
	return true;
}

static int decode_to(rlp_cur *c, tx *t)
{
	const uint8_t *p;
	size_t n;
	rlp_cur_bytes(c, &p, &n);
	if (c->err)
		return c->err;
	if (n == 0 && t->type != TX_BLOB)
		return DURE_OK;
	if (n != sizeof t->to.b)
		return DURE_ETX_TO_SIZE;
	memcpy(t->to.b, p, n);
	t->has_to = true;
	return DURE_OK;
}

static int decode_data(rlp_cur *c, tx *t)
{
	const uint8_t *p;
	size_t n;
	rlp_cur_bytes(c, &p, &n);
	if (c->err || n == 0)
		return c->err;
	t->data = malloc(n);
	if (!t->data)
		return DURE_ENOMEM;
	memcpy(t->data, p, n);
	t->data_size = n;
	return DURE_OK;
}

/* Reads a list of 32-byte strings into a fresh array. Items are counted
 * before their sizes are checked, and each takes at least one input byte,
 * so the array is at most 32 times the input. */
static int decode_hashes(rlp_cur *c, h256 **out, size_t *len)
{
	rlp_cur l;
	rlp_cur_list(c, &l);
	int err;
	size_t n = rlp_cur_count(&l, 0, &err);
	if (err)
		return err;
	if (n) {
		*out = calloc(n, sizeof **out);
		if (!*out)
			return DURE_ENOMEM;
		*len = n;
		for (size_t i = 0; i < n; i++)
			rlp_cur_fixed(&l, (*out)[i].b, 32);
	}
	return rlp_cur_close(c, &l);
}

static int decode_access_list(rlp_cur *c, tx *t)
{
	rlp_cur l;
	rlp_cur_list(c, &l);
	int err;
	size_t n = rlp_cur_count(&l, 0, &err);
	if (err)
		return err;
	if (n) {
		t->access_list = calloc(n, sizeof *t->access_list);
		if (!t->access_list)
			return DURE_ENOMEM;
		t->access_list_len = n;
	}
	for (size_t i = 0; i < n; i++) {
		tx_access *a = &t->access_list[i];
		rlp_cur e;
		rlp_cur_list(&l, &e);
		rlp_cur_fixed(&e, a->addr.b, sizeof a->addr.b);
		if ((err = decode_hashes(&e, &a->keys, &a->nkeys)) != DURE_OK ||
		    (err = rlp_cur_close(&l, &e)) != DURE_OK)
			return err;
	}
	return rlp_cur_close(c, &l);
}

/* Decodes the fields of a tx (arg, its type already set) from c, the
 * list's own cursor. */
static int decode_fields(rlp_cur *c, void *arg)
{
	tx *t = arg;
	int err;
	if (rlp_cur_count(c, 0, &err) != field_count(t->type))
		return err ? err : DURE_ETX_FORMAT;
	if (t->type != TX_LEGACY) {
		t->chain_id = rlp_cur_u64(c);
		t->has_chain_id = true;
	}
	t->nonce = rlp_cur_u64(c);
	if (t->type == TX_LEGACY || t->type == TX_ACCESS_LIST) {
		t->gas_price = rlp_cur_u256(c);
	} else {
		t->max_priority_fee = rlp_cur_u256(c);
		t->max_fee = rlp_cur_u256(c);
	}
	t->gas_limit = rlp_cur_u64(c);
	if ((err = decode_to(c, t)) != DURE_OK)
		return err;
	t->value = rlp_cur_u256(c);
	if ((err = decode_data(c, t)) != DURE_OK)
		return err;
	if (t->type != TX_LEGACY &&
	    (err = decode_access_list(c, t)) != DURE_OK)
		return err;
	if (t->type == TX_BLOB) {
		t->max_fee_per_blob_gas = rlp_cur_u256(c);
		err = decode_hashes(c, &t->blob_hashes, &t->blob_hashes_len);
		if (err != DURE_OK)
			return err;
	}
	t->v = rlp_cur_u256(c);
	t->r = rlp_cur_u256(c);
	t->s = rlp_cur_u256(c);
	if (t->type == TX_LEGACY) {
		/* An invalid v leaves no chain id; tx_validate rejects it. */
		int parity;
		legacy_v(&t->v, &parity, &t->has_chain_id, &t->chain_id);
	}
	return c->err;
}

int tx_decode(const uint8_t *p, size_t n, tx *out)
{
	memset(out, 0, sizeof *out);
	if (n == 0)
		return DURE_ERLP_END;
	if (p[0] >= 0x80 && p[0] < 0xc0)
		return DURE_ERLP_EXPECTED_LIST;
	if (p[0] < 0x80) {
		if (field_count(p[0]) == 0 || p[0] == TX_LEGACY)
			return DURE_ETX_TYPE;
		out->type = p[0];
		p++;
		n--;
	}
	int err = rlp_decode_list(p, n, decode_fields, out);
	if (err != DURE_OK)
		tx_free(out);
	return err;
}

static void put_access_list(buf *b, const tx *t)
{
	size_t outer = rlp_list_begin(b);
	for (size_t i = 0; i < t->access_list_len; i++) {
		const tx_access *a = &t->access_list[i];
		size_t entry = rlp_list_begin(b);
		rlp_put_bytes(b, a->addr.b, sizeof a->addr.b);
		size_t keys = rlp_list_begin(b);
		for (size_t k = 0; k < a->nkeys; k++)
			rlp_put_bytes(b, a->keys[k].b, sizeof a->keys[k].b);
		rlp_list_end(b, keys);
		rlp_list_end(b, entry);
	}
	rlp_list_end(b, outer);
}

/* Appends the envelope of t: with the signature, or as signed. */
static int put_tx(buf *b, const tx *t, bool with_sig)
{
	if (field_count(t->type) == 0)
		return DURE_ETX_TYPE;
	if (t->type == TX_BLOB && !t->has_to)
		return DURE_ETX_TO_SIZE;
	if (t->type != TX_LEGACY)
		buf_push(b, t->type);
	size_t mark = rlp_list_begin(b);
	if (t->type != TX_LEGACY)
		rlp_put_u64(b, t->chain_id);
	rlp_put_u64(b, t->nonce);
	if (t->type == TX_LEGACY || t->type == TX_ACCESS_LIST) {
		rlp_put_u256(b, &t->gas_price);
	} else {
		rlp_put_u256(b, &t->max_priority_fee);
		rlp_put_u256(b, &t->max_fee);
	}
	rlp_put_u64(b, t->gas_limit);
	rlp_put_bytes(b, t->to.b, t->has_to ? sizeof t->to.b : 0);
	rlp_put_u256(b, &t->value);
	rlp_put_bytes(b, t->data, t->data_size);
	if (t->type != TX_LEGACY)
		put_access_list(b, t);
	if (t->type == TX_BLOB) {
		rlp_put_u256(b, &t->max_fee_per_blob_gas);
		size_t hashes = rlp_list_begin(b);
		for (size_t i = 0; i < t->blob_hashes_len; i++)
			rlp_put_bytes(b, t->blob_hashes[i].b, 32);
		rlp_list_end(b, hashes);
	}
	if (with_sig) {
		rlp_put_u256(b, &t->v);
		rlp_put_u256(b, &t->r);
		rlp_put_u256(b, &t->s);
	} else if (t->type == TX_LEGACY && t->has_chain_id) {
		rlp_put_u64(b, t->chain_id);
		rlp_put_u64(b, 0);
		rlp_put_u64(b, 0);
	}
	rlp_list_end(b, mark);
	return buf_failed(b) ? DURE_ENOMEM : DURE_OK;
}

int tx_encode(const tx *t, buf *out)
{
	return put_tx(out, t, true);
}

static int hash_form(const tx *t, bool with_sig, h256 *out)
{
	memset(out, 0, sizeof *out);
	buf b = BUF_INIT;
	int err = put_tx(&b, t, with_sig);
	if (err == DURE_OK)
		keccak256(b.data, b.len, out->b);
	buf_free(&b);
	return err;
}

int tx_hash(const tx *t, h256 *out)
{
	return hash_form(t, true, out);
}

int tx_signing_hash(const tx *t, h256 *out)
{
	return hash_form(t, false, out);
}

int tx_sign(tx *t, const uint8_t seckey[32])
{
	t->v = t->r = t->s = U256_ZERO;
	h256 h;
	int err = tx_signing_hash(t, &h);
	if (err != DURE_OK)
		return err;
	uint8_t sig[64];
	int recid;
	err = secp_sign(seckey, h.b, sig, &recid);
	/* Ids 2 and 3 (r above p - n) cannot be carried by v; libsecp256k1
	 * does not produce them for real keys, but refuse rather than lie. */
	if (err == DURE_OK && recid > 1)
		err = DURE_ESIG;
	if (err != DURE_OK)
		return err;
	t->r = u256_from_be(sig, 32);
	t->s = u256_from_be(sig + 32, 32);
	if (t->type != TX_LEGACY) {
		t->v = u256_from_u64((uint64_t)recid);
	} else if (t->has_chain_id) {
		/* chain_id * 2 + 35 + recid, which may exceed 64 bits. */
		u256 v = {{t->chain_id << 1, t->chain_id >> 63, 0, 0}};
		u256 add = u256_from_u64(35 + (uint64_t)recid);
		t->v = u256_add(&v, &add);
	} else {
		t->v = u256_from_u64(27 + (uint64_t)recid);
	}
	return DURE_OK;
}

/* The recovery id carried by t's v, or -1 if v is not a valid one. */
static int tx_parity(const tx *t)
{
	if (t->type != TX_LEGACY) {
		if (u256_fits_u64(&t->v) && t->v.w[0] <= 1)
			return (int)t->v.w[0];
		return -1;
	}
	int parity;
	bool has_cid;
	uint64_t cid;
	if (!legacy_v(&t->v, &parity, &has_cid, &cid))
		return -1;
	return parity;
}

int tx_sender(const tx *t, address *out)
{
	memset(out, 0, sizeof *out);
	int parity = tx_parity(t);
	if (parity < 0)
		return DURE_ESIG;
	h256 h;
	int err = tx_signing_hash(t, &h);
	if (err != DURE_OK)
		return err;
	uint8_t sig[64], pub[64];
	u256_to_be(&t->r, sig);
	u256_to_be(&t->s, sig + 32);
	err = secp_recover(h.b, sig, parity, pub);
	if (err != DURE_OK)
		return DURE_ESIG;
	secp_pubkey_address(pub, out);
	return DURE_OK;
}

int tx_intrinsic_gas(const tx *t, fork rev, uint64_t *gas)
{
	*gas = 0;
	uint64_t g = 21000;
	if (!t->has_to && rev >= FORK_HOMESTEAD)
		g += 32000;
	uint64_t zeros = 0;
	for (size_t i = 0; i < t->data_size; i++)
		zeros += t->data[i] == 0;
	uint64_t nonzeros = (uint64_t)t->data_size - zeros;
	uint64_t per_nonzero = rev >= FORK_ISTANBUL ? 16 : 68; /* EIP-2028 */
	uint64_t keys = 0;
	for (size_t i = 0; i < t->access_list_len; i++)
		keys += t->access_list[i].nkeys;
	uint64_t words = ((uint64_t)t->data_size + 31) / 32;
	uint64_t part;
	bool over = false;
	over |= __builtin_mul_overflow(zeros, 4, &part) ||
	        __builtin_add_overflow(g, part, &g);
	over |= __builtin_mul_overflow(nonzeros, per_nonzero, &part) ||
	        __builtin_add_overflow(g, part, &g);
	over |= __builtin_mul_overflow((uint64_t)t->access_list_len, 2400, &part) ||
	        __builtin_add_overflow(g, part, &g);
	over |= __builtin_mul_overflow(keys, 1900, &part) ||
	        __builtin_add_overflow(g, part, &g);
	if (!t->has_to && rev >= FORK_SHANGHAI) /* EIP-3860 */
		over |= __builtin_mul_overflow(words, 2, &part) ||
		        __builtin_add_overflow(g, part, &g);
	if (over)
		return DURE_ERANGE;
	*gas = g;
	return DURE_OK;
}

static fork first_fork(uint8_t type)
{
	switch (type) {
	case TX_ACCESS_LIST: return FORK_BERLIN;
	case TX_DYNAMIC_FEE: return FORK_LONDON;
	case TX_BLOB: return FORK_CANCUN;
	}
	return FORK_FRONTIER;
}

static int check_signature(const tx *t, fork rev)
{
	if (t->type == TX_LEGACY) {
		int parity;
		bool has_cid;
		uint64_t cid;
		if (!legacy_v(&t->v, &parity, &has_cid, &cid))
			return DURE_ETX_V;
		if (has_cid && rev < FORK_SPURIOUS) /* EIP-155 */
			return DURE_ETX_V;
	} else if (tx_parity(t) < 0) {
		return DURE_ETX_V;
	}
	if (u256_is_zero(&t->r) || u256_is_zero(&t->s) ||
	    !u256_lt(&t->r, &SECP_N) || !u256_lt(&t->s, &SECP_N))
		return DURE_ETX_SIG_RANGE;
	uint8_t s[32];
	u256_to_be(&t->s, s);
	if (rev >= FORK_HOMESTEAD && !secp_s_is_low(s)) /* EIP-2 */
		return DURE_ETX_HIGH_S;
	return DURE_OK;
}

/* The most t can be charged must fit 256 bits: gas limit times the gas
 * price (or max fee), plus the blob gas times its max fee. */
static int check_fees(const tx *t)
{
	if (t->type >= TX_DYNAMIC_FEE &&
	    u256_gt(&t->max_priority_fee, &t->max_fee))
		return DURE_ETX_TIP_ABOVE_MAX;
	const u256 *price = t->type >= TX_DYNAMIC_FEE ? &t->max_fee : &t->gas_price;
	u256 gas = u256_from_u64(t->gas_limit), cost;
	if (u256_mul_overflow(&cost, &gas, price))
		return DURE_ETX_FEE_OVERFLOW;
	if (t->type == TX_BLOB) {
		u256 blob_gas = u256_from_u64((uint64_t)t->blob_hashes_len * GAS_PER_BLOB);
		u256 blob_cost;
		if (u256_mul_overflow(&blob_cost, &blob_gas, &t->max_fee_per_blob_gas) ||
		    u256_add_overflow(&cost, &cost, &blob_cost))
			return DURE_ETX_FEE_OVERFLOW;
	}
	return DURE_OK;
}

static int check_blobs(const tx *t)
{
	if (t->blob_hashes_len == 0 || t->blob_hashes_len > MAX_BLOBS_PER_TX)
		return DURE_ETX_BLOB_COUNT;
	for (size_t i = 0; i < t->blob_hashes_len; i++)
		if (t->blob_hashes[i].b[0] != BLOB_HASH_VERSION)
			return DURE_ETX_BLOB_VERSION;
	return DURE_OK;
}

int tx_validate_limits(const tx *t, fork rev, bool unlimited_code)
{
	if (field_count(t->type) == 0)
		return DURE_ETX_TYPE;
	if (rev < first_fork(t->type))
		return DURE_ETX_TYPE_FORK;
	int err = check_signature(t, rev);
	if (err != DURE_OK)
		return err;
	if (t->nonce == UINT64_MAX) /* EIP-2681 */
		return DURE_ETX_NONCE_MAX;
	if ((err = check_fees(t)) != DURE_OK)
		return err;
	uint64_t gas;
	if (tx_intrinsic_gas(t, rev, &gas) != DURE_OK || gas > t->gas_limit)
		return DURE_ETX_INTRINSIC_GAS;
	if (!t->has_to && rev >= FORK_SHANGHAI && !unlimited_code &&
	    t->data_size > MAX_INITCODE_SIZE)
		return DURE_ETX_INITCODE_SIZE;
	if (t->type == TX_BLOB)
		return check_blobs(t);
	return DURE_OK;
}

int tx_check_chain_id(const tx *t, uint64_t chain_id)
{
	if (t->has_chain_id && t->chain_id != chain_id)
		return DURE_ETX_CHAIN_ID;
	return DURE_OK;
}

int tx_validate(const tx *t, fork rev)
{
	return tx_validate_limits(t, rev, false);
}

void tx_placeholder_sign(tx *t)
{
	t->r = t->s = u256_from_u64(1);
	if (t->type != TX_LEGACY) {
		t->v = u256_from_u64(0);
	} else if (t->has_chain_id) {
		u256 k35 = u256_from_u64(35), cid = u256_from_u64(t->chain_id);
		t->v = u256_add(&cid, &cid);
		t->v = u256_add(&t->v, &k35);
	} else {
		t->v = u256_from_u64(27);
	}
}
