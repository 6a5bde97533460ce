#include "store/history.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/keccak.h"
#include "rlp/rlp.h"
#include "store/tables.h"

struct store_history {
	store *s;
	db_table acc_changes, slot_changes, acc_trie, slot_trie;
};

int store_history_open(store *s, store_history **out)
{
	*out = NULL;
	static const char *const names[T_COUNT_] = STORE_TABLE_NAMES;
	store_history *h = calloc(1, sizeof *h);
	if (!h)
		return DURE_ENOMEM;
	db *d = store_db(s);
	int err = db_table_open(d, names[T_ACCOUNT_CHANGES], &h->acc_changes);
	if (!err)
		err = db_table_open(d, names[T_STORAGE_CHANGES], &h->slot_changes);
	if (!err)
		err = db_table_open(d, names[T_ACCOUNT_TRIE], &h->acc_trie);
	if (!err)
		err = db_table_open(d, names[T_STORAGE_TRIE], &h->slot_trie);
	if (err) {
		free(h);
		return err;
	}
	h->s = s;
	*out = h;
	return DURE_OK;
}

void store_history_free(store_history *h) { free(h); }

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

int store_history_head(store_history *h, db_txn *t, uint64_t *out)
{
	*out = 0;
	h256 hash;
	int err = store_head(h->s, t, &hash);
	return err ? err : store_number(h->s, t, &hash, out);
}

/* rlp[nonce, balance, storageRoot, codeHash], as tables.h stores it. */
static int account_decode(const uint8_t *p, size_t n, state_account *out)
{
	rlp_cur c, l;
	rlp_cur_init(&c, p, n);
	rlp_cur_list(&c, &l);
	out->nonce = rlp_cur_u64(&l);
	out->balance = rlp_cur_u256(&l);
	rlp_cur_fixed(&l, out->storage_root.b, 32);
	rlp_cur_fixed(&l, out->code_hash.b, 32);
	rlp_cur_close(&c, &l);
	if (rlp_cur_finish(&c)) {
		memset(out, 0, sizeof *out);
		return DURE_EDB_CORRUPT;
	}
	return DURE_OK;
}

/* The account after block n, given the head's number. */
static int account_at(store_history *h, db_txn *t, uint64_t n,
                      uint64_t head, const address *a, state_account *out)
{
	memset(out, 0, sizeof *out);
	uint8_t k[28];
	memcpy(k + 8, a->b, 20);
	for (uint64_t m = n + 1; m <= head && m > n; m++) {
		put_be64(k, m);
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
		return account_decode(v + 1, vl - 1, out);
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
		put_be64(k, m);
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

/* A trie's node table under a key prefix (an account's address for its
 * storage trie). Node keys are prefix || the path's nibbles packed two
 * to a byte, high half first || the nibble count (tables.h). */
typedef struct node_src {
	db_txn *t;
	db_table table;
	uint8_t key[20 + 33];
	size_t plen;
} node_src;

static int node_load(void *ctx, const uint8_t *nib, size_t n,
                     const uint8_t **node, size_t *len)
{
	node_src *c = ctx;
	if (n > 64)
		return DURE_ETRIE_MISSING;
	uint8_t *p = c->key + c->plen;
	memset(p, 0, (n + 1) / 2);
	for (size_t i = 0; i < n; i++)
		p[i / 2] |= (uint8_t)(i % 2 ? nib[i] : nib[i] << 4);
	p[(n + 1) / 2] = (uint8_t)n;
	return db_get(c->t, c->table, c->key, c->plen + (n + 1) / 2 + 1, node,
	              len);
}

/* The proof of keccak(key) in the trie of `root` over src. */
static int prove_in(node_src *src, const h256 *root, const uint8_t *key,
                    size_t klen, trie_proof *out)
{
	memset(out, 0, sizeof *out);
	trie_store ts = {node_load, src, false};
	trie *tr;
	int err = trie_open(&ts, root, &tr);
	if (err)
		return err;
	uint8_t hk[32];
	keccak256(key, klen, hk);
	err = trie_prove(tr, hk, 32, out);
	trie_free(tr);
	return err;
}

void store_proof_free(store_proof *p)
{
	trie_proof_free(&p->account_proof);
	for (size_t i = 0; i < p->nkeys && p->storage; i++)
		trie_proof_free(&p->storage[i]);
	free(p->storage);
	free(p->values);
	memset(p, 0, sizeof *p);
}

int store_prove(store_history *h, db_txn *t, const address *a,
                const u256 *keys, size_t nkeys, store_proof *out)
{
	memset(out, 0, sizeof *out);
	int err = store_state_root(h->s, t, &out->state_root);
	if (err)
		return err;
	err = store_account(h->s, t, a, &out->account);
	out->exists = err == DURE_OK;
	if (err == DURE_ENOTFOUND) {
		keccak256(NULL, 0, out->account.code_hash.b);
		out->account.storage_root = TRIE_EMPTY_ROOT;
		err = DURE_OK;
	}
	node_src acc = {.t = t, .table = h->acc_trie};
	if (!err)
		err = prove_in(&acc, &out->state_root, a->b, 20,
		               &out->account_proof);
	if (!err && nkeys) {
		out->storage = calloc(nkeys, sizeof *out->storage);
		out->values = calloc(nkeys, sizeof *out->values);
		if (!out->storage || !out->values)
			err = DURE_ENOMEM;
	}
	if (!err)
		out->nkeys = nkeys;
	node_src sl = {.t = t, .table = h->slot_trie, .plen = 20};
	memcpy(sl.key, a->b, 20);
	for (size_t i = 0; i < nkeys && !err; i++) {
		uint8_t k[32];
		u256_to_be(&keys[i], k);
		err = prove_in(&sl, &out->account.storage_root, k, 32,
		               &out->storage[i]);
		if (!err && out->exists) {
			err = store_storage(h->s, t, a, &keys[i], &out->values[i]);
			if (err == DURE_ENOTFOUND)
				err = DURE_OK;
		}
	}
	if (err)
		store_proof_free(out);
	return err;
}
