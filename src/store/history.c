#include "store/history.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/keccak.h"
#include "rlp/rlp.h"
#include "store/internal.h"

struct store_history {
	store *s;
	db_table acc_changes, slot_changes;
};

int store_history_open(store *s, store_history **out)
{
	*out = calloc(1, sizeof **out);
	if (!*out)
		return DURE_ENOMEM;
	(*out)->s = s;
	(*out)->acc_changes = store_table(s, T_ACCOUNT_CHANGES);
	(*out)->slot_changes = store_table(s, T_STORAGE_CHANGES);
	return DURE_OK;
}

void store_history_free(store_history *h) { free(h); }

int store_history_head(store_history *h, db_txn *t, uint64_t *out)
{
	*out = 0;
	h256 hash;
	int err = store_head(h->s, t, &hash);
	return err ? err : store_number(h->s, t, &hash, out);
}

/* The account after block n, given the head's number. */
static int account_at(store_history *h, db_txn *t, uint64_t n,
                      uint64_t head, const address *a, state_account *out)
{
	memset(out, 0, sizeof *out);
	uint8_t k[28];
	memcpy(k + 8, a->b, 20);
	for (uint64_t m = n + 1; m <= head && m > n; m++) {
		store_put_be64(k, m);
		const uint8_t *v;
		size_t vl;
		int err = db_get(t, h->acc_changes, k, 28, &v, &vl);
		if (err == DURE_ENOTFOUND)
			continue;
		if (err)
			return err;
		if (vl < 1)
			return DURE_EDB_CORRUPT;
		if (!(v[0] & CHANGE_EXISTED))
			return vl == 1 ? DURE_ENOTFOUND : DURE_EDB_CORRUPT;
		return store_account_decode(v + 1, vl - 1, out);
	}
	return store_account(h->s, t, a, out);
}

/* The slot after block n, given the head's number. */
static int storage_at(store_history *h, db_txn *t, uint64_t n,
                      uint64_t head, const address *a, const u256 *key,
                      u256 *out)
{
	*out = U256_ZERO;
	uint8_t k[60];
	memcpy(k + 8, a->b, 20);
	u256_to_be(key, k + 28);
	for (uint64_t m = n + 1; m <= head && m > n; m++) {
		store_put_be64(k, m);
		const uint8_t *v;
		size_t vl;
		int err = db_get(t, h->slot_changes, k, 60, &v, &vl);
		if (err == DURE_ENOTFOUND)
			continue;
		if (err)
			return err;
		if (vl > 32 || (vl && v[0] == 0))
			return DURE_EDB_CORRUPT;
		if (vl == 0)
			return DURE_ENOTFOUND;
		*out = u256_from_be(v, vl);
		return DURE_OK;
	}
	return store_storage(h->s, t, a, key, out);
}

int store_account_at(store_history *h, db_txn *t, uint64_t n,
                     const address *a, state_account *out)
{
	memset(out, 0, sizeof *out);
	uint64_t head;
	int err = store_history_head(h, t, &head);
	if (err)
		return err;
	if (n > head)
		return DURE_ERANGE;
	return account_at(h, t, n, head, a, out);
}

int store_storage_at(store_history *h, db_txn *t, uint64_t n,
                     const address *a, const u256 *key, u256 *out)
{
	*out = U256_ZERO;
	uint64_t head;
	int err = store_history_head(h, t, &head);
	if (err)
		return err;
	if (n > head)
		return DURE_ERANGE;
	return storage_at(h, t, n, head, a, key, out);
}

int store_history_view_init(store_history *h, db_txn *t, uint64_t n,
                            store_history_view *v)
{
	memset(v, 0, sizeof *v);
	uint64_t head;
	int err = store_history_head(h, t, &head);
	if (err)
		return err;
	if (n > head)
		return DURE_ERANGE;
	*v = (store_history_view){h, t, n, head};
	return DURE_OK;
}

static int view_account(void *ctx, const address *a, state_account *out)
{
	store_history_view *v = ctx;
	return account_at(v->h, v->t, v->number, v->head, a, out);
}

static int view_storage(void *ctx, const address *a, const u256 *key,
                        u256 *out)
{
	store_history_view *v = ctx;
	return storage_at(v->h, v->t, v->number, v->head, a, key, out);
}

static int view_code(void *ctx, const h256 *hash, const uint8_t **code,
                     size_t *len)
{
	store_history_view *v = ctx;
	return store_code(v->h->s, v->t, hash, code, len);
}

void store_history_backend(store_history_view *v, state_backend *out)
{
	out->account = view_account;
	out->storage = view_storage;
	out->code = view_code;
	out->ctx = v;
}

/* ---- proofs ---- */

/* Grows *v (of *cap elements of size sz) to hold n + 1. */
static int grow(void **v, size_t *cap, size_t n, size_t sz)
{
	if (n < *cap)
		return DURE_OK;
	size_t c = *cap ? 2 * *cap : 64;
	void *p = realloc(*v, c * sz);
	if (!p)
		return DURE_ENOMEM;
	*v = p;
	*cap = c;
	return DURE_OK;
}

/* A change record with the block that made it, so that a stable order by
 * key then block leaves the earliest first. */
typedef struct past_rec {
	uint8_t key[32];
	uint64_t block;
	size_t i;                /* index into the accounts or slots array */
} past_rec;

static int cmp_rec(const void *x, const void *y)
{
	const past_rec *a = x, *b = y;
	int c = memcmp(a->key, b->key, 32);
	if (c)
		return c;
	return a->block < b->block ? -1 : a->block > b->block;
}

/* Sorts recs (n of them, over items of size sz) and writes to *out (an
 * owned array of *count) the item of the earliest record of each key,
 * comparing klen bytes of keys. */
static int keep_earliest(past_rec *recs, size_t n, size_t klen,
                         const void *items, size_t sz, void **out,
                         size_t *count)
{
	*out = NULL;
	*count = 0;
	if (!n)
		return DURE_OK;
	qsort(recs, n, sizeof *recs, cmp_rec);
	uint8_t *res = malloc(n * sz);
	if (!res)
		return DURE_ENOMEM;
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || memcmp(recs[i].key, recs[i - 1].key, klen))
			memcpy(res + m++ * sz,
			       (const uint8_t *)items + recs[i].i * sz, sz);
	*out = res;
	*count = m;
	return DURE_OK;
}

/* Every account changed by blocks n+1..head, with its value after n: one
 * walk of the account change sets from block n+1 on. */
static int past_accounts(store_history *h, db_txn *t, uint64_t n,
                         store_past_account **out, size_t *count)
{
	*out = NULL;
	*count = 0;
	past_rec *recs = NULL;
	store_past_account *accs = NULL;
	size_t nrec = 0, rcap = 0, acap = 0;
	db_cursor *c;
	int err = db_cursor_open(t, h->acc_changes, &c);
	if (err)
		return err;
	uint8_t start[8];
	store_put_be64(start, n + 1);
	const uint8_t *k, *v;
	size_t kl, vl;
	err = db_cursor_seek(c, start, 8, &k, &kl, &v, &vl);
	for (; !err; err = db_cursor_next(c, &k, &kl, &v, &vl)) {
		if (nrec == STORE_PROOF_CHANGES_MAX) {
			err = DURE_EPROOF_DEPTH;
			break;
		}
		if (kl != 28 || vl < 1) {
			err = DURE_EDB_CORRUPT;
			break;
		}
		err = grow((void **)&recs, &rcap, nrec, sizeof *recs);
		if (!err)
			err = grow((void **)&accs, &acap, nrec, sizeof *accs);
		if (err)
			break;
		store_past_account *pa = &accs[nrec];
		memset(pa, 0, sizeof *pa);
		memcpy(pa->addr.b, k + 8, 20);
		pa->existed = v[0] & CHANGE_EXISTED;
		if (pa->existed)
			err = store_account_decode(v + 1, vl - 1, &pa->account);
		else if (vl != 1)
			err = DURE_EDB_CORRUPT;
		if (err)
			break;
		past_rec *r = &recs[nrec];
		memset(r->key, 0, 32);
		memcpy(r->key, pa->addr.b, 20);
		r->block = 0;
		for (int i = 0; i < 8; i++)
			r->block = r->block << 8 | k[i];
		r->i = nrec++;
	}
	db_cursor_close(c);
	if (err == DURE_ENOTFOUND)
		err = DURE_OK;
	if (!err)
		err = keep_earliest(recs, nrec, 20, accs, sizeof *accs,
		                    (void **)out, count);
	free(recs);
	free(accs);
	return err;
}

/* Every slot of a changed by blocks n+1..head, with its value after n:
 * a's records in each of those blocks' storage change sets. */
static int past_slots(store_history *h, db_txn *t, uint64_t n,
                      uint64_t head, const address *a, size_t budget,
                      store_past_slot **out, size_t *count)
{
	*out = NULL;
	*count = 0;
	past_rec *recs = NULL;
	store_past_slot *slots = NULL;
	size_t nrec = 0, rcap = 0, scap = 0;
	db_cursor *c;
	int err = db_cursor_open(t, h->slot_changes, &c);
	if (err)
		return err;
	uint8_t start[28];
	memcpy(start + 8, a->b, 20);
	for (uint64_t m = n + 1; m <= head && !err; m++) {
		store_put_be64(start, m);
		const uint8_t *k, *v;
		size_t kl, vl;
		err = db_cursor_seek(c, start, 28, &k, &kl, &v, &vl);
		for (; !err && kl >= 28 && !memcmp(k, start, 28);
		     err = db_cursor_next(c, &k, &kl, &v, &vl)) {
			if (nrec == budget) {
				err = DURE_EPROOF_DEPTH;
				break;
			}
			if (kl != 60 || vl > 32 || (vl && v[0] == 0)) {
				err = DURE_EDB_CORRUPT;
				break;
			}
			err = grow((void **)&recs, &rcap, nrec, sizeof *recs);
			if (!err)
				err = grow((void **)&slots, &scap, nrec, sizeof *slots);
			if (err)
				break;
			slots[nrec].key = u256_from_be32(k + 28);
			slots[nrec].value = u256_from_be(v, vl);
			memcpy(recs[nrec].key, k + 28, 32);
			recs[nrec].block = m;
			recs[nrec].i = nrec;
			nrec++;
		}
		if (err == DURE_ENOTFOUND)
			err = DURE_OK;
	}
	db_cursor_close(c);
	if (!err)
		err = keep_earliest(recs, nrec, 32, slots, sizeof *slots,
		                    (void **)out, count);
	free(recs);
	free(slots);
	return err;
}

int store_prove_at(store_history *h, db_txn *t, uint64_t n,
                   const address *a, const u256 *keys, size_t nkeys,
                   store_proof *out)
{
	memset(out, 0, sizeof *out);
	uint64_t head;
	int err = store_history_head(h, t, &head);
	if (err)
		return err;
	if (n > head)
		return DURE_ERANGE;
	if (n == head)
		return store_prove(h->s, t, a, keys, nkeys, out);
	if (head - n > STORE_PROOF_DEPTH_MAX)
		return DURE_EPROOF_DEPTH;
	store_past p = {0};
	h256 hash;
	header hd;
	err = store_canonical(h->s, t, n, &hash);
	if (!err)
		err = store_header(h->s, t, &hash, &hd);
	if (err)
		return err == DURE_ENOTFOUND ? DURE_EDB_CORRUPT : err;
	p.state_root = hd.state_root;
	store_past_account *accs = NULL;
	store_past_slot *slots = NULL;
	err = past_accounts(h, t, n, &accs, &p.naccounts);
	if (!err && nkeys)
		err = past_slots(h, t, n, head, a,
		                 STORE_PROOF_CHANGES_MAX - p.naccounts, &slots,
		                 &p.nslots);
	p.accounts = accs;
	p.slots = slots;
	if (!err)
		err = store_prove_past(h->s, t, &p, a, keys, nkeys, out);
	free(accs);
	free(slots);
	return err;
}
