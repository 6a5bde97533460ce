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
