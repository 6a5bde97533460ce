#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "crypto/keccak.h"
#include "rlp/rlp.h"
#include "store/internal.h"
#include "store/tables.h"
#include "trie/trie.h"

/* A trie's node table, and the prefix its paths sit under (the account's
 * address for a storage trie, nothing for the account trie). */
typedef struct trie_ctx {
	store *s;
	db_txn *t;
	int table;
	uint8_t key[20 + 33];
	size_t plen;
} trie_ctx;

/* Tries kept open from one block to the next: the nodes a block loads
 * near the root are the next block's too. An entry is reused only for a
 * trie whose root it holds, which is what the store's tables hold for
 * that root whatever happened in between (an aborted transaction, an
 * unwind), since the nodes stored for a root follow from the root. */
#define CACHED_STORAGE_TRIES 16
/* Levels of each cached trie kept loaded when it is trimmed: 1 + 16 +
 * 256 + 4096 nodes at most, the ones every block of a large state
 * passes through. */
#define CACHE_KEEP_NIBBLES 3
/* Nodes loaded across the cache before the tries are trimmed (a walk of
 * what they hold, so not after every block), and beyond which, trimmed,
 * the cache is emptied: a backstop for top levels of long extensions. */
#define CACHE_TRIM_LOADS (64u * 1024)
#define CACHE_MAX_LOADS (512u * 1024)

typedef struct cached_trie {
	trie_ctx ctx;            /* the trie's store context: never moves */
	trie *t;                 /* NULL: free entry */
	h256 root;               /* t's root as of its last commit */
	uint64_t used;           /* s->tick of its last use */
} cached_trie;

struct store {
	db *d;
	db_table t[T_COUNT_];
	cached_trie acc;
	cached_trie slots[CACHED_STORAGE_TRIES];
	uint64_t tick;
};

/* keccak256 of the empty string: the code hash of an account without code. */
static const h256 empty_code_hash = {{
	0xc5, 0xd2, 0x46, 0x01, 0x86, 0xf7, 0x23, 0x3c, 0x92, 0x7e, 0x7d,
	0xb2, 0xdc, 0xc7, 0x03, 0xc0, 0xe5, 0x00, 0xb6, 0x53, 0xca, 0x82,
	0x27, 0x3b, 0x7b, 0xfa, 0xd8, 0x04, 0x5d, 0x85, 0xa4, 0x70,
}};

int store_open(db *d, store **out)
{
	*out = NULL;
	store *s = calloc(1, sizeof *s);
	if (!s)
		return DURE_ENOMEM;
	static const char *const names[T_COUNT_] = STORE_TABLE_NAMES;
	for (int i = 0; i < T_COUNT_; i++) {
		int err = db_table_open(d, names[i], &s->t[i]);
		if (err) {
			free(s);
			return err;
		}
	}
	s->d = d;
	*out = s;
	return DURE_OK;
}

static void cache_drop(cached_trie *e)
{
	trie_free(e->t);
	e->t = NULL;
}

static void cache_clear(store *s)
{
	cache_drop(&s->acc);
	for (int i = 0; i < CACHED_STORAGE_TRIES; i++)
		cache_drop(&s->slots[i]);
}

void store_free(store *s)
{
	if (s)
		cache_clear(s);
	free(s);
}

db *store_db(const store *s) { return s->d; }

/* ---- keys ---- */

db_table store_table(const store *s, enum store_table t) { return s->t[t]; }

void store_put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void numhash(uint8_t k[40], uint64_t number, const h256 *hash)
{
	store_put_be64(k, number);
	memcpy(k + 8, hash->b, 32);
}

/* ---- meta and chain ---- */

static int get_hash(store *s, db_txn *t, int table, const void *k,
                    size_t kl, h256 *out)
{
	const uint8_t *v;
	size_t vl;
	int err = db_get(t, s->t[table], k, kl, &v, &vl);
	if (err) {
		memset(out, 0, sizeof *out);
		return err;
	}
	if (vl != 32) {
		memset(out, 0, sizeof *out);
		return DURE_EDB_CORRUPT;
	}
	memcpy(out->b, v, 32);
	return DURE_OK;
}

int store_head(store *s, db_txn *t, h256 *out)
{
	return get_hash(s, t, T_META, "head", 4, out);
}

int store_genesis(store *s, db_txn *t, h256 *out)
{
	return get_hash(s, t, T_META, "genesis", 7, out);
}

int store_meta(store *s, db_txn *t, const char *key, const uint8_t **v,
               size_t *vlen)
{
	return db_get(t, s->t[T_META], key, strlen(key), v, vlen);
}

int store_put_meta(store *s, db_txn *t, const char *key, const void *v,
                   size_t vlen)
{
	return db_put(t, s->t[T_META], key, strlen(key), v, vlen);
}

int store_set_head(store *s, db_txn *t, const h256 *hash)
{
	return db_put(t, s->t[T_META], "head", 4, hash->b, 32);
}

int store_number(store *s, db_txn *t, const h256 *hash, uint64_t *out)
{
	*out = 0;
	const uint8_t *v;
	size_t vl;
	int err = db_get(t, s->t[T_HEADER_NUMBERS], hash->b, 32, &v, &vl);
	if (err)
		return err;
	if (vl != 8)
		return DURE_EDB_CORRUPT;
	*out = get_be64(v);
	return DURE_OK;
}

/* The record of a known block in a number || hash table. */
static int get_numhash(store *s, db_txn *t, int table, const h256 *hash,
                       const uint8_t **v, size_t *vl)
{
	uint64_t number;
	int err = store_number(s, t, hash, &number);
	if (err)
		return err;
	uint8_t k[40];
	numhash(k, number, hash);
	return db_get(t, s->t[table], k, 40, v, vl);
}

int store_header(store *s, db_txn *t, const h256 *hash, header *out)
{
	const uint8_t *v;
	size_t vl;
	int err = get_numhash(s, t, T_HEADERS, hash, &v, &vl);
	if (err) {
		memset(out, 0, sizeof *out);
		return err;
	}
	return header_decode(v, vl, out) ? DURE_EDB_CORRUPT : DURE_OK;
}

int store_block(store *s, db_txn *t, const h256 *hash, block *out)
{
	memset(out, 0, sizeof *out);
	const uint8_t *h, *body;
	size_t hl, bl;
	int err = get_numhash(s, t, T_HEADERS, hash, &h, &hl);
	if (!err)
		err = get_numhash(s, t, T_BODIES, hash, &body, &bl);
	if (err)
		return err;
	/* A block is its header followed by its body's items, in one list. */
	rlp_cur c, items;
	rlp_cur_init(&c, body, bl);
	rlp_cur_list(&c, &items);
	if (rlp_cur_finish(&c))
		return DURE_EDB_CORRUPT;
	buf b = BUF_INIT;
	size_t mark = rlp_list_begin(&b);
	rlp_put_raw(&b, h, hl);
	rlp_put_raw(&b, items.p, (size_t)(items.end - items.p));
	rlp_list_end(&b, mark);
	if (buf_failed(&b)) {
		buf_free(&b);
		return DURE_ENOMEM;
	}
	err = block_decode(b.data, b.len, out);
	buf_free(&b);
	return err == DURE_ENOMEM ? err : err ? DURE_EDB_CORRUPT : DURE_OK;
}

int store_td(store *s, db_txn *t, const h256 *hash, u256 *out)
{
	*out = u256_from_u64(0);
	const uint8_t *v;
	size_t vl;
	int err = get_numhash(s, t, T_TD, hash, &v, &vl);
	if (err)
		return err;
	if (vl != 32)
		return DURE_EDB_CORRUPT;
	*out = u256_from_be32(v);
	return DURE_OK;
}

int store_receipts(store *s, db_txn *t, const h256 *hash, receipt **out,
                   size_t *n)
{
	*out = NULL;
	*n = 0;
	const uint8_t *v;
	size_t vl;
	int err = get_numhash(s, t, T_RECEIPTS, hash, &v, &vl);
	if (err)
		return err;
	rlp_cur c, list;
	rlp_cur_init(&c, v, vl);
	rlp_cur_list(&c, &list);
	size_t count = 0;
	for (rlp_cur k = list; !rlp_cur_at_end(&k); count++)
		rlp_cur_skip(&k);
	if (c.err || list.err)
		return DURE_EDB_CORRUPT;
	receipt *r = calloc(count ? count : 1, sizeof *r);
	if (!r)
		return DURE_ENOMEM;
	for (size_t i = 0; i < count && !err; i++) {
		const uint8_t *p;
		size_t pl;
		rlp_cur_bytes(&list, &p, &pl);
		err = list.err ? DURE_EDB_CORRUPT : receipt_decode(p, pl, &r[i]);
		if (err && err != DURE_ENOMEM)
			err = DURE_EDB_CORRUPT;
	}
	if (err) {
		for (size_t i = 0; i < count; i++)
			receipt_free(&r[i]);
		free(r);
		return err;
	}
	*out = r;
	*n = count;
	return DURE_OK;
}

int store_senders(store *s, db_txn *t, const h256 *hash, address **out,
                  size_t *n)
{
	*out = NULL;
	*n = 0;
	const uint8_t *v;
	size_t vl;
	int err = get_numhash(s, t, T_SENDERS, hash, &v, &vl);
	if (err)
		return err;
	if (vl % 20)
		return DURE_EDB_CORRUPT;
	address *a = malloc(vl ? vl : 1);
	if (!a)
		return DURE_ENOMEM;
	for (size_t i = 0; i < vl / 20; i++)
		memcpy(a[i].b, v + 20 * i, 20);
	*out = a;
	*n = vl / 20;
	return DURE_OK;
}

int store_canonical(store *s, db_txn *t, uint64_t number, h256 *out)
{
	uint8_t k[8];
	store_put_be64(k, number);
	return get_hash(s, t, T_CANONICAL, k, 8, out);
}

int store_tx_lookup(store *s, db_txn *t, const h256 *txhash,
                    uint64_t *number, uint32_t *index)
{
	*number = 0;
	*index = 0;
	const uint8_t *v;
	size_t vl;
	int err = db_get(t, s->t[T_TX_LOOKUP], txhash->b, 32, &v, &vl);
	if (err)
		return err;
	if (vl != 12)
		return DURE_EDB_CORRUPT;
	*number = get_be64(v);
	*index = (uint32_t)v[8] << 24 | (uint32_t)v[9] << 16 |
	         (uint32_t)v[10] << 8 | v[11];
	return DURE_OK;
}

int store_put_block(store *s, db_txn *t, const block *b, const h256 *hash,
                    const u256 *td)
{
	buf enc = BUF_INIT, body = BUF_INIT;
	int err = block_encode(b, &enc);
	if (err) {
		buf_free(&enc);
		return err;
	}
	/* The header is the block list's first item, the body the rest. */
	rlp_cur c, items;
	rlp_cur_init(&c, enc.data, enc.len);
	rlp_cur_list(&c, &items);
	const uint8_t *h;
	size_t hl;
	rlp_cur_raw(&items, &h, &hl);
	size_t mark = rlp_list_begin(&body);
	rlp_put_raw(&body, items.p, (size_t)(items.end - items.p));
	rlp_list_end(&body, mark);
	err = items.err ? items.err : buf_failed(&body) ? DURE_ENOMEM : 0;
	uint8_t k[40], num[8], tdb[32];
	numhash(k, b->h.number, hash);
	store_put_be64(num, b->h.number);
	u256_to_be(td, tdb);
	if (!err)
		err = db_put(t, s->t[T_HEADER_NUMBERS], hash->b, 32, num, 8);
	if (!err)
		err = db_put(t, s->t[T_HEADERS], k, 40, h, hl);
	if (!err)
		err = db_put(t, s->t[T_BODIES], k, 40, body.data, body.len);
	if (!err)
		err = db_put(t, s->t[T_TD], k, 40, tdb, 32);
	buf_free(&enc);
	buf_free(&body);
	return err;
}

int store_put_receipts(store *s, db_txn *t, uint64_t number,
                       const h256 *hash, const receipt *r, size_t n)
{
	buf one = BUF_INIT, all = BUF_INIT;
	int err = DURE_OK;
	size_t mark = rlp_list_begin(&all);
	for (size_t i = 0; i < n && !err; i++) {
		buf_reset(&one);
		err = receipt_encode(&r[i], &one);
		rlp_put_bytes(&all, one.data, one.len);
	}
	rlp_list_end(&all, mark);
	if (!err && buf_failed(&all))
		err = DURE_ENOMEM;
	uint8_t k[40];
	numhash(k, number, hash);
	if (!err)
		err = db_put(t, s->t[T_RECEIPTS], k, 40, all.data, all.len);
	buf_free(&one);
	buf_free(&all);
	return err;
}

int store_put_senders(store *s, db_txn *t, uint64_t number, const h256 *hash,
                      const address *a, size_t n)
{
	uint8_t k[40];
	numhash(k, number, hash);
	uint8_t *v = malloc(n ? 20 * n : 1);
	if (!v)
		return DURE_ENOMEM;
	for (size_t i = 0; i < n; i++)
		memcpy(v + 20 * i, a[i].b, 20);
	int err = db_put(t, s->t[T_SENDERS], k, 40, v, 20 * n);
	free(v);
	return err;
}

int store_set_canonical(store *s, db_txn *t, const block *b, const h256 *hash)
{
	uint8_t k[8];
	store_put_be64(k, b->h.number);
	int err = db_put(t, s->t[T_CANONICAL], k, 8, hash->b, 32);
	uint8_t loc[12];
	store_put_be64(loc, b->h.number);
	for (size_t i = 0; i < b->ntxs && !err; i++) {
		h256 th;
		err = tx_hash(&b->txs[i], &th);
		loc[8] = (uint8_t)(i >> 24);
		loc[9] = (uint8_t)(i >> 16);
		loc[10] = (uint8_t)(i >> 8);
		loc[11] = (uint8_t)i;
		if (!err)
			err = db_put(t, s->t[T_TX_LOOKUP], th.b, 32, loc, 12);
	}
	return err;
}

int store_unset_canonical(store *s, db_txn *t, const block *b)
{
	uint8_t k[8];
	store_put_be64(k, b->h.number);
	int err = db_del(t, s->t[T_CANONICAL], k, 8);
	for (size_t i = 0; i < b->ntxs && !err; i++) {
		h256 th;
		err = tx_hash(&b->txs[i], &th);
		if (!err)
			err = db_del(t, s->t[T_TX_LOOKUP], th.b, 32);
	}
	return err;
}

/* ---- flat state ---- */

static void account_encode(const state_account *a, buf *out)
{
	size_t mark = rlp_list_begin(out);
	rlp_put_u64(out, a->nonce);
	rlp_put_u256(out, &a->balance);
	rlp_put_bytes(out, a->storage_root.b, 32);
	rlp_put_bytes(out, a->code_hash.b, 32);
	rlp_list_end(out, mark);
}

int store_account_decode(const uint8_t *p, size_t n, state_account *out)
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

int store_account(store *s, db_txn *t, const address *a, state_account *out)
{
	const uint8_t *v;
	size_t vl;
	int err = db_get(t, s->t[T_ACCOUNTS], a->b, 20, &v, &vl);
	if (err) {
		memset(out, 0, sizeof *out);
		return err;
	}
	return store_account_decode(v, vl, out);
}

static void slot_key(uint8_t k[52], const address *a, const u256 *key)
{
	memcpy(k, a->b, 20);
	u256_to_be(key, k + 20);
}

/* A slot value as stored: minimal big-endian bytes. */
static size_t value_bytes(const u256 *v, uint8_t out[32])
{
	uint8_t be[32];
	u256_to_be(v, be);
	size_t i = 0;
	while (i < 32 && be[i] == 0)
		i++;
	memcpy(out, be + i, 32 - i);
	return 32 - i;
}

int store_storage(store *s, db_txn *t, const address *a, const u256 *key,
                  u256 *out)
{
	*out = u256_from_u64(0);
	uint8_t k[52];
	slot_key(k, a, key);
	const uint8_t *v;
	size_t vl;
	int err = db_get(t, s->t[T_STORAGE], k, 52, &v, &vl);
	if (err)
		return err;
	if (vl == 0 || vl > 32 || v[0] == 0)
		return DURE_EDB_CORRUPT;
	*out = u256_from_be(v, vl);
	return DURE_OK;
}

int store_code(store *s, db_txn *t, const h256 *hash, const uint8_t **code,
               size_t *len)
{
	return db_get(t, s->t[T_CODE], hash->b, 32, code, len);
}

static int view_account(void *ctx, const address *a, state_account *out)
{
	store_view *v = ctx;
	return store_account(v->s, v->t, a, out);
}

static int view_storage(void *ctx, const address *a, const u256 *key,
                        u256 *out)
{
	store_view *v = ctx;
	return store_storage(v->s, v->t, a, key, out);
}

static int view_code(void *ctx, const h256 *hash, const uint8_t **code,
                     size_t *len)
{
	store_view *v = ctx;
	return store_code(v->s, v->t, hash, code, len);
}

void store_view_backend(store_view *v, state_backend *out)
{
	out->account = view_account;
	out->storage = view_storage;
	out->code = view_code;
	out->ctx = v;
}

h256 store_view_block_hash(void *ctx, uint64_t number)
{
	store_view *v = ctx;
	h256 h;
	if (store_canonical(v->s, v->t, number, &h))
		memset(&h, 0, sizeof h);
	return h;
}

int store_state_root(store *s, db_txn *t, h256 *out)
{
	int err = get_hash(s, t, T_META, "state_root", 10, out);
	if (err == DURE_ENOTFOUND) {
		*out = TRIE_EMPTY_ROOT;
		return DURE_OK;
	}
	return err;
}

/* ---- tries by path ---- */

static size_t path_key(trie_ctx *c, const uint8_t *nib, size_t n)
{
	uint8_t *p = c->key + c->plen;
	memset(p, 0, (n + 1) / 2);
	for (size_t i = 0; i < n; i++)
		p[i / 2] |= (uint8_t)(i % 2 ? nib[i] : nib[i] << 4);
	p[(n + 1) / 2] = (uint8_t)n;
	return c->plen + (n + 1) / 2 + 1;
}

static int node_load(void *ctx, const uint8_t *nib, size_t n,
                     const uint8_t **node, size_t *len)
{
	trie_ctx *c = ctx;
	if (n > 64)
		return DURE_ETRIE_MISSING;
	size_t kl = path_key(c, nib, n);
	return db_get(c->t, c->s->t[c->table], c->key, kl, node, len);
}

static int node_put(void *ctx, const uint8_t *nib, size_t n,
                    const uint8_t *node, size_t len)
{
	trie_ctx *c = ctx;
	if (n > 64)
		return DURE_EINVAL;
	size_t kl = path_key(c, nib, n);
	return db_put(c->t, c->s->t[c->table], c->key, kl, node, len);
}

static int node_del(void *ctx, const uint8_t *nib, size_t n)
{
	trie_ctx *c = ctx;
	if (n > 64)
		return DURE_EINVAL;
	size_t kl = path_key(c, nib, n);
	return db_del(c->t, c->s->t[c->table], c->key, kl);
}

static void trie_ctx_init(trie_ctx *c, store *s, db_txn *t, int table,
                          const address *owner)
{
	c->s = s;
	c->t = t;
	c->table = table;
	c->plen = owner ? 20 : 0;
	if (owner)
		memcpy(c->key, owner->b, 20);
}

static int open_trie(trie_ctx *c, const h256 *root, trie **out)
{
	trie_store ts = {node_load, c, false};
	return trie_open(&ts, root, out);
}

/* The trie of table (an account's storage trie when owner is set, else
 * the account trie) with root `root`, in transaction t: the cached one
 * when it holds that root, else opened anew in the owner's entry (or the
 * least recently used one). */
static int cache_get(store *s, db_txn *t, int table, const address *owner,
                     const h256 *root, cached_trie **out)
{
	cached_trie *e = &s->acc;
	if (owner) {
		e = NULL;
		/* A free entry ranks as unused since ever. */
		cached_trie *lru = NULL;
		for (int i = 0; i < CACHED_STORAGE_TRIES && !e; i++) {
			cached_trie *x = &s->slots[i];
			if (x->t && !memcmp(x->ctx.key, owner->b, 20))
				e = x;
			else if (!lru || (x->t ? x->used : 0) < (lru->t ? lru->used : 0))
				lru = x;
		}
		if (!e)
			e = lru;
	}
	bool same = e->t && (!owner || !memcmp(e->ctx.key, owner->b, 20));
	if (!same || !h256_eq(&e->root, root)) {
		cache_drop(e);
		trie_ctx_init(&e->ctx, s, t, table, owner);
		int err = open_trie(&e->ctx, root, &e->t);
		if (err) {
			e->t = NULL;
			return err;
		}
		e->root = *root;
	}
	e->ctx.t = t;
	e->used = ++s->tick;
	*out = e;
	return DURE_OK;
}

static size_t cache_loads(const store *s)
{
	size_t loads = s->acc.t ? trie_loads(s->acc.t) : 0;
	for (int i = 0; i < CACHED_STORAGE_TRIES; i++)
		if (s->slots[i].t)
			loads += trie_loads(s->slots[i].t);
	return loads;
}

/* After a block: once the cached tries hold many loaded nodes, each keeps
 * its top levels only, and the cache empties if that still weighs too
 * much. */
static void cache_trim(store *s)
{
	if (cache_loads(s) <= CACHE_TRIM_LOADS)
		return;
	if (s->acc.t)
		trie_unload(s->acc.t, CACHE_KEEP_NIBBLES);
	for (int i = 0; i < CACHED_STORAGE_TRIES; i++)
		if (s->slots[i].t)
			trie_unload(s->slots[i].t, CACHE_KEEP_NIBBLES);
	if (cache_loads(s) > CACHE_MAX_LOADS)
		cache_clear(s);
}

static int commit_trie(trie_ctx *c, trie *tr, h256 *root)
{
	trie_writer w = {node_put, node_del, c};
	return trie_commit(tr, &w, root);
}

/* ---- applying and undoing a block's state ---- */

static int put_slot_leaf(trie *tr, const u256 *key, const u256 *value)
{
	uint8_t k[32];
	u256_to_be(key, k);
	if (u256_is_zero(value))
		return trie_secure_del(tr, k, 32);
	buf v = BUF_INIT;
	rlp_put_u256(&v, value);
	int err = buf_failed(&v) ? DURE_ENOMEM
	                         : trie_secure_put(tr, k, 32, v.data, v.len);
	buf_free(&v);
	return err;
}

static int put_flat_slot(store *s, db_txn *t, const address *a,
                         const u256 *key, const u256 *value)
{
	uint8_t k[52], v[32];
	slot_key(k, a, key);
	if (u256_is_zero(value))
		return db_del(t, s->t[T_STORAGE], k, 52);
	size_t n = value_bytes(value, v);
	return db_put(t, s->t[T_STORAGE], k, 52, v, n);
}

/* Records the prior value of a slot in block `number`'s change set. When
 * keep_first is set an existing record wins: the slots a wipe recorded
 * first hold the block-start values. */
static int record_slot(store *s, db_txn *t, uint64_t number,
                       const address *a, const u256 *key, const u256 *prior,
                       bool keep_first)
{
	uint8_t k[60], v[32];
	store_put_be64(k, number);
	memcpy(k + 8, a->b, 20);
	u256_to_be(key, k + 28);
	if (keep_first) {
		const uint8_t *old;
		size_t ol;
		int err = db_get(t, s->t[T_STORAGE_CHANGES], k, 60, &old, &ol);
		if (err != DURE_ENOTFOUND)
			return err;
	}
	size_t n = value_bytes(prior, v);
	return db_put(t, s->t[T_STORAGE_CHANGES], k, 60, v, n);
}

/* Deletes an account's stored slots and storage trie, first keeping each
 * slot's value in the change set when record is set. */
static int wipe_storage(store *s, db_txn *t, uint64_t number, bool record,
                        const address *a)
{
	int err = DURE_OK;
	if (record) {
		db_cursor *cur;
		err = db_cursor_open(t, s->t[T_STORAGE], &cur);
		if (err)
			return err;
		const uint8_t *k, *v;
		size_t kl, vl;
		err = db_cursor_seek(cur, a->b, 20, &k, &kl, &v, &vl);
		while (!err && kl == 52 && !memcmp(k, a->b, 20)) {
			if (vl == 0 || vl > 32) {
				err = DURE_EDB_CORRUPT;
				break;
			}
			u256 key = u256_from_be32(k + 20), val = u256_from_be(v, vl);
			err = record_slot(s, t, number, a, &key, &val, false);
			if (!err)
				err = db_cursor_next(cur, &k, &kl, &v, &vl);
		}
		db_cursor_close(cur);
		if (err == DURE_ENOTFOUND)
			err = DURE_OK;
	}
	if (!err)
		err = db_del_prefix(t, s->t[T_STORAGE], a->b, 20, NULL);
	if (!err)
		err = db_del_prefix(t, s->t[T_STORAGE_TRIE], a->b, 20, NULL);
	return err;
}

/* Sets an account's leaf in the account trie and the flat table, or
 * deletes both (exists false). */
static int put_account(store *s, db_txn *t, trie *acc, const address *a,
                       bool exists, const state_account *v)
{
	if (!exists) {
		int err = db_del(t, s->t[T_ACCOUNTS], a->b, 20);
		return err ? err : trie_secure_del(acc, a->b, 20);
	}
	buf enc = BUF_INIT;
	account_encode(v, &enc);
	int err = buf_failed(&enc) ? DURE_ENOMEM
	                           : db_put(t, s->t[T_ACCOUNTS], a->b, 20,
	                                    enc.data, enc.len);
	if (!err)
		err = trie_secure_put(acc, a->b, 20, enc.data, enc.len);
	buf_free(&enc);
	return err;
}

static int cmp_slot(const void *a, const void *b)
{
	const state_slot_change *x = *(const state_slot_change *const *)a;
	const state_slot_change *y = *(const state_slot_change *const *)b;
	return u256_cmp(&x->key, &y->key);
}

static int cmp_change(const void *a, const void *b)
{
	const state_change *x = *(const state_change *const *)a;
	const state_change *y = *(const state_change *const *)b;
	return memcmp(x->addr.b, y->addr.b, 20);
}

static int apply_one(store *s, db_txn *t, uint64_t number, bool record,
                     trie *acc, const state_change *c)
{
	int err = DURE_OK;
	if (record) {
		uint8_t k[28];
		store_put_be64(k, number);
		memcpy(k + 8, c->addr.b, 20);
		buf v = BUF_INIT;
		buf_push(&v, (uint8_t)((c->existed ? CHANGE_EXISTED : 0) |
		                       (c->storage_wiped ? CHANGE_WIPED : 0)));
		if (c->existed)
			account_encode(&c->prior, &v);
		err = buf_failed(&v) ? DURE_ENOMEM
		                     : db_put(t, s->t[T_ACCOUNT_CHANGES], k, 28,
		                              v.data, v.len);
		buf_free(&v);
		if (err)
			return err;
	}
	h256 sroot = c->existed ? c->prior.storage_root : TRIE_EMPTY_ROOT;
	bool had_storage = !h256_eq(&sroot, &TRIE_EMPTY_ROOT);
	bool wiped = (c->storage_wiped || !c->exists) && had_storage;
	if (wiped) {
		err = wipe_storage(s, t, number, record, &c->addr);
		sroot = TRIE_EMPTY_ROOT;
	}
	if (!err && c->exists && c->nslots) {
		/* In key order, so that the flat table and the change set are
		 * written along their B-trees rather than all over them. */
		const state_slot_change **order = malloc(c->nslots * sizeof *order);
		if (!order)
			return DURE_ENOMEM;
		for (size_t i = 0; i < c->nslots; i++)
			order[i] = &c->slots[i];
		qsort(order, c->nslots, sizeof *order, cmp_slot);
		cached_trie *ct;
		err = cache_get(s, t, T_STORAGE_TRIE, &c->addr, &sroot, &ct);
		trie *st = err ? NULL : ct->t;
		for (size_t i = 0; i < c->nslots && !err; i++) {
			const state_slot_change *sl = order[i];
			err = put_slot_leaf(st, &sl->key, &sl->value);
			if (!err)
				err = put_flat_slot(s, t, &c->addr, &sl->key, &sl->value);
			if (!err && record)
				err = record_slot(s, t, number, &c->addr, &sl->key,
				                  &sl->prior, wiped);
		}
		if (!err)
			err = commit_trie(&ct->ctx, st, &sroot);
		if (!err)
			ct->root = sroot;
		else if (st)
			cache_drop(ct);
		free(order);
	}
	if (err)
		return err;
	if (c->code) {
		err = db_put(t, s->t[T_CODE], c->code_hash.b, 32, c->code,
		             c->code_len);
		if (err)
			return err;
	}
	state_account a = {c->nonce, c->balance, c->code_hash, sroot};
	return put_account(s, t, acc, &c->addr, c->exists, &a);
}

int store_apply(store *s, db_txn *t, uint64_t number, const state_change *c,
                size_t n, bool record, h256 *root)
{
	h256 prev;
	int err = store_state_root(s, t, &prev);
	if (err)
		return err;
	cached_trie *ca;
	err = cache_get(s, t, T_ACCOUNT_TRIE, NULL, &prev, &ca);
	if (err)
		return err;
	trie *acc = ca->t;
	/* In address order, as the flat table and the change set sort. */
	const state_change **order = malloc((n ? n : 1) * sizeof *order);
	if (!order)
		err = DURE_ENOMEM;
	for (size_t i = 0; i < n && !err; i++)
		order[i] = &c[i];
	if (!err)
		qsort(order, n, sizeof *order, cmp_change);
	for (size_t i = 0; i < n && !err; i++)
		err = apply_one(s, t, number, record, acc, order[i]);
	free(order);
	if (!err)
		err = commit_trie(&ca->ctx, acc, root);
	if (!err)
		err = db_put(t, s->t[T_META], "state_root", 10, root->b, 32);
	if (err) {
		/* The tries hold changes the aborted transaction will not. */
		cache_clear(s);
		memset(root, 0, sizeof *root);
		return err;
	}
	ca->root = *root;
	cache_trim(s);
	return DURE_OK;
}

/* Puts back one account of block `number`'s change set: its slots from
 * storage_changes (already gathered into slots), then its account. */
static int unwind_account(store *s, db_txn *t, trie *acc, const address *a,
                          const uint8_t *rec, size_t rl,
                          const state_slot_change *slots, size_t nslots)
{
	if (rl < 1)
		return DURE_EDB_CORRUPT;
	bool existed = rec[0] & CHANGE_EXISTED;
	state_account prior = {0};
	if (existed && store_account_decode(rec + 1, rl - 1, &prior))
		return DURE_EDB_CORRUPT;
	if (!existed && rl != 1)
		return DURE_EDB_CORRUPT;
	state_account now;
	int err = store_account(s, t, a, &now);
	bool exists = err == DURE_OK;
	if (err && err != DURE_ENOTFOUND)
		return err;
	h256 sroot = exists ? now.storage_root : TRIE_EMPTY_ROOT;
	if (nslots) {
		trie_ctx tc;
		trie_ctx_init(&tc, s, t, T_STORAGE_TRIE, a);
		trie *st;
		err = open_trie(&tc, &sroot, &st);
		for (size_t i = 0; i < nslots && !err; i++) {
			err = put_slot_leaf(st, &slots[i].key, &slots[i].prior);
			if (!err)
				err = put_flat_slot(s, t, a, &slots[i].key,
				                    &slots[i].prior);
		}
		if (!err)
			err = commit_trie(&tc, st, &sroot);
		trie_free(st);
		if (err)
			return err;
	}
	h256 want = existed ? prior.storage_root : TRIE_EMPTY_ROOT;
	if (!h256_eq(&sroot, &want))
		return DURE_EDB_CORRUPT;
	if (!existed && !h256_eq(&sroot, &TRIE_EMPTY_ROOT))
		return DURE_EDB_CORRUPT;
	return put_account(s, t, acc, a, existed, &prior);
}

/* Reads the storage change set of (number, a) into a growing array. */
static int gather_slots(store *s, db_txn *t, uint64_t number,
                        const address *a, state_slot_change **slots,
                        size_t *n, size_t *cap)
{
	*n = 0;
	uint8_t pre[28];
	store_put_be64(pre, number);
	memcpy(pre + 8, a->b, 20);
	db_cursor *cur;
	int err = db_cursor_open(t, s->t[T_STORAGE_CHANGES], &cur);
	if (err)
		return err;
	const uint8_t *k, *v;
	size_t kl, vl;
	err = db_cursor_seek(cur, pre, 28, &k, &kl, &v, &vl);
	while (!err && kl == 60 && !memcmp(k, pre, 28)) {
		if (vl > 32 || (vl && v[0] == 0)) {
			err = DURE_EDB_CORRUPT;
			break;
		}
		if (*n == *cap) {
			size_t nc = *cap ? *cap * 2 : 64;
			state_slot_change *g = realloc(*slots, nc * sizeof *g);
			if (!g) {
				err = DURE_ENOMEM;
				break;
			}
			*slots = g;
			*cap = nc;
		}
		state_slot_change *sl = &(*slots)[(*n)++];
		sl->key = u256_from_be32(k + 28);
		sl->prior = vl ? u256_from_be(v, vl) : u256_from_u64(0);
		sl->value = u256_from_u64(0);
		err = db_cursor_next(cur, &k, &kl, &v, &vl);
	}
	db_cursor_close(cur);
	return err == DURE_ENOTFOUND ? DURE_OK : err;
}

/* One account of a change set, copied out of the map before the writes
 * that undo it move LMDB's pages. */
typedef struct undo_rec {
	address a;
	uint8_t rec[1 + 128];
	size_t rl;
} undo_rec;

static int gather_accounts(store *s, db_txn *t, uint64_t number,
                           undo_rec **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	uint8_t pre[8];
	store_put_be64(pre, number);
	db_cursor *cur;
	int err = db_cursor_open(t, s->t[T_ACCOUNT_CHANGES], &cur);
	if (err)
		return err;
	undo_rec *recs = NULL;
	size_t cap = 0;
	const uint8_t *k, *v;
	size_t kl, vl;
	err = db_cursor_seek(cur, pre, 8, &k, &kl, &v, &vl);
	while (!err && kl == 28 && !memcmp(k, pre, 8)) {
		if (vl > sizeof recs->rec) {
			err = DURE_EDB_CORRUPT;
			break;
		}
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			undo_rec *g = realloc(recs, nc * sizeof *g);
			if (!g) {
				err = DURE_ENOMEM;
				break;
			}
			recs = g;
			cap = nc;
		}
		undo_rec *r = &recs[(*n)++];
		memcpy(r->a.b, k + 8, 20);
		memcpy(r->rec, v, vl);
		r->rl = vl;
		err = db_cursor_next(cur, &k, &kl, &v, &vl);
	}
	db_cursor_close(cur);
	if (err == DURE_ENOTFOUND)
		err = DURE_OK;
	if (err) {
		free(recs);
		*n = 0;
		return err;
	}
	*out = recs;
	return DURE_OK;
}

int store_unwind(store *s, db_txn *t, uint64_t number, h256 *root)
{
	h256 prev;
	int err = store_state_root(s, t, &prev);
	if (err)
		return err;
	undo_rec *recs;
	size_t nrecs;
	err = gather_accounts(s, t, number, &recs, &nrecs);
	if (err)
		return err;
	trie_ctx tc;
	trie_ctx_init(&tc, s, t, T_ACCOUNT_TRIE, NULL);
	trie *acc = NULL;
	err = open_trie(&tc, &prev, &acc);
	state_slot_change *slots = NULL;
	size_t nslots = 0, cap = 0;
	for (size_t i = 0; i < nrecs && !err; i++) {
		err = gather_slots(s, t, number, &recs[i].a, &slots, &nslots, &cap);
		if (!err)
			err = unwind_account(s, t, acc, &recs[i].a, recs[i].rec,
			                     recs[i].rl, slots, nslots);
	}
	free(slots);
	free(recs);
	if (!err)
		err = commit_trie(&tc, acc, root);
	trie_free(acc);
	uint8_t pre[8];
	store_put_be64(pre, number);
	if (!err)
		err = db_del_prefix(t, s->t[T_ACCOUNT_CHANGES], pre, 8, NULL);
	if (!err)
		err = db_del_prefix(t, s->t[T_STORAGE_CHANGES], pre, 8, NULL);
	if (!err)
		err = db_put(t, s->t[T_META], "state_root", 10, root->b, 32);
	if (err)
		memset(root, 0, sizeof *root);
	return err;
}

/* ---- verification from the flat state ---- */

int store_verify_state(store *s, db_txn *t, h256 *root, size_t *accounts,
                       size_t *slots)
{
	*accounts = *slots = 0;
	memset(root, 0, sizeof *root);
	trie *acc = NULL;
	int err = trie_new(&acc);
	if (err)
		return err;
	db_cursor *ac = NULL, *sc = NULL;
	err = db_cursor_open(t, s->t[T_ACCOUNTS], &ac);
	if (!err)
		err = db_cursor_open(t, s->t[T_STORAGE], &sc);
	const uint8_t *k, *v;
	size_t kl, vl;
	if (!err)
		err = db_cursor_seek(ac, NULL, 0, &k, &kl, &v, &vl);
	buf val = BUF_INIT;
	while (!err) {
		state_account a;
		if (kl != 20 || store_account_decode(v, vl, &a)) {
			err = DURE_EDB_CORRUPT;
			break;
		}
		address addr;
		memcpy(addr.b, k, 20);
		trie *st = NULL;
		err = trie_new(&st);
		const uint8_t *sk, *sv;
		size_t skl, svl;
		int e2 = err ? err : db_cursor_seek(sc, addr.b, 20, &sk, &skl, &sv,
		                                    &svl);
		while (!e2 && skl == 52 && !memcmp(sk, addr.b, 20)) {
			if (svl == 0 || svl > 32 || sv[0] == 0) {
				e2 = DURE_EDB_CORRUPT;
				break;
			}
			u256 key = u256_from_be32(sk + 20), value = u256_from_be(sv, svl);
			e2 = put_slot_leaf(st, &key, &value);
			(*slots)++;
			if (!e2)
				e2 = db_cursor_next(sc, &sk, &skl, &sv, &svl);
		}
		err = e2 == DURE_ENOTFOUND ? DURE_OK : e2;
		h256 sroot;
		if (!err)
			err = trie_root(st, &sroot);
		trie_free(st);
		if (!err && !h256_eq(&sroot, &a.storage_root))
			err = DURE_EDB_CORRUPT;
		if (!err && !h256_eq(&a.code_hash, &empty_code_hash)) {
			const uint8_t *code;
			size_t cl;
			err = store_code(s, t, &a.code_hash, &code, &cl);
			h256 ch;
			if (!err) {
				keccak256(code, cl, ch.b);
				if (!h256_eq(&ch, &a.code_hash))
					err = DURE_EDB_CORRUPT;
			} else if (err == DURE_ENOTFOUND) {
				err = DURE_EDB_CORRUPT;
			}
		}
		if (!err) {
			buf_reset(&val);
			account_encode(&a, &val);
			err = buf_failed(&val) ? DURE_ENOMEM
			                       : trie_secure_put(acc, addr.b, 20,
			                                         val.data, val.len);
		}
		(*accounts)++;
		if (!err)
			err = db_cursor_next(ac, &k, &kl, &v, &vl);
	}
	if (err == DURE_ENOTFOUND)
		err = DURE_OK;
	buf_free(&val);
	db_cursor_close(ac);
	db_cursor_close(sc);
	if (!err)
		err = trie_root(acc, root);
	trie_free(acc);
	return err;
}

/* ---- proofs ---- */

void store_proof_free(store_proof *p)
{
	trie_proof_free(&p->account_proof);
	for (size_t i = 0; i < p->nkeys && p->storage; i++)
		trie_proof_free(&p->storage[i]);
	free(p->storage);
	free(p->values);
	memset(p, 0, sizeof *p);
}

static int cmp_past_account(const void *key, const void *x)
{
	return memcmp(key, ((const store_past_account *)x)->addr.b, 20);
}

static int cmp_past_slot(const void *key, const void *x)
{
	uint8_t k[32];
	u256_to_be(&((const store_past_slot *)x)->key, k);
	return memcmp(key, k, 32);
}

/* The past's entry for a, or NULL when a is as at the head. */
static const store_past_account *past_account(const store_past *p,
                                              const address *a)
{
	return p && p->naccounts ? bsearch(a->b, p->accounts, p->naccounts,
	                                   sizeof *p->accounts,
	                                   cmp_past_account)
	                         : NULL;
}

static const store_past_slot *past_slot(const store_past *p, const u256 *key)
{
	uint8_t k[32];
	u256_to_be(key, k);
	return p && p->nslots ? bsearch(k, p->slots, p->nslots,
	                                sizeof *p->slots, cmp_past_slot)
	                      : NULL;
}

/* The account trie of the past p (the head's when p is NULL): the head's
 * trie with p's accounts put back, which must give p's state root. */
static int past_account_trie(store *s, db_txn *t, trie_ctx *c,
                             const store_past *p, trie **out)
{
	h256 head_root, root;
	int err = store_state_root(s, t, &head_root);
	if (!err)
		err = open_trie(c, &head_root, out);
	if (err || !p)
		return err;
	buf v = BUF_INIT;
	for (size_t i = 0; i < p->naccounts && !err; i++) {
		const store_past_account *pa = &p->accounts[i];
		if (!pa->existed) {
			err = trie_secure_del(*out, pa->addr.b, 20);
			continue;
		}
		buf_reset(&v);
		account_encode(&pa->account, &v);
		err = buf_failed(&v) ? DURE_ENOMEM
		                     : trie_secure_put(*out, pa->addr.b, 20, v.data,
		                                       v.len);
	}
	buf_free(&v);
	if (!err)
		err = trie_root(*out, &root);
	if (!err && !h256_eq(&root, &p->state_root))
		err = DURE_EDB_CORRUPT;
	if (err) {
		trie_free(*out);
		*out = NULL;
	}
	return err;
}

/* a's storage trie in the past p (the head's when p is NULL), which must
 * have root `want`. */
static int past_storage_trie(store *s, db_txn *t, trie_ctx *c,
                             const store_past *p, const address *a,
                             const h256 *want, trie **out)
{
	if (!p)
		return open_trie(c, want, out);
	state_account head;
	int err = store_account(s, t, a, &head);
	if (err == DURE_ENOTFOUND) {
		head.storage_root = TRIE_EMPTY_ROOT;
		err = DURE_OK;
	}
	if (!err)
		err = open_trie(c, &head.storage_root, out);
	for (size_t i = 0; i < p->nslots && !err; i++)
		err = put_slot_leaf(*out, &p->slots[i].key, &p->slots[i].value);
	h256 root;
	if (!err)
		err = trie_root(*out, &root);
	if (!err && !h256_eq(&root, want))
		err = DURE_EDB_CORRUPT;
	if (err && *out) {
		trie_free(*out);
		*out = NULL;
	}
	return err;
}

static int prove_key(trie *tr, const uint8_t *key, size_t klen,
                     trie_proof *out)
{
	uint8_t hk[32];
	keccak256(key, klen, hk);
	return trie_prove(tr, hk, 32, out);
}

int store_prove_past(store *s, db_txn *t, const store_past *p,
                     const address *a, const u256 *keys, size_t nkeys,
                     store_proof *out)
{
	memset(out, 0, sizeof *out);
	int err = p ? DURE_OK : store_state_root(s, t, &out->state_root);
	if (p)
		out->state_root = p->state_root;
	const store_past_account *pa = past_account(p, a);
	if (err)
		return err;
	if (pa) {
		out->exists = pa->existed;
		out->account = pa->account;
	} else {
		err = store_account(s, t, a, &out->account);
		out->exists = err == DURE_OK;
	}
	if (!out->exists) {
		memset(&out->account, 0, sizeof out->account);
		out->account.code_hash = empty_code_hash;
		out->account.storage_root = TRIE_EMPTY_ROOT;
		if (err == DURE_ENOTFOUND)
			err = DURE_OK;
	}
	trie_ctx ac, sc;
	trie_ctx_init(&ac, s, t, T_ACCOUNT_TRIE, NULL);
	trie_ctx_init(&sc, s, t, T_STORAGE_TRIE, a);
	trie *acc = NULL, *st = NULL;
	if (!err)
		err = past_account_trie(s, t, &ac, p, &acc);
	if (!err)
		err = prove_key(acc, a->b, 20, &out->account_proof);
	if (!err && nkeys) {
		out->storage = calloc(nkeys, sizeof *out->storage);
		out->values = calloc(nkeys, sizeof *out->values);
		if (!out->storage || !out->values)
			err = DURE_ENOMEM;
		if (!err)
			err = past_storage_trie(s, t, &sc, p, a,
			                        &out->account.storage_root, &st);
	}
	if (!err)
		out->nkeys = nkeys;
	for (size_t i = 0; i < nkeys && !err; i++) {
		uint8_t k[32];
		u256_to_be(&keys[i], k);
		err = prove_key(st, k, 32, &out->storage[i]);
		const store_past_slot *ps = past_slot(p, &keys[i]);
		if (err || !out->exists)
			continue;
		if (ps) {
			out->values[i] = ps->value;
		} else {
			err = store_storage(s, t, a, &keys[i], &out->values[i]);
			if (err == DURE_ENOTFOUND)
				err = DURE_OK;
		}
	}
	trie_free(acc);
	trie_free(st);
	if (err)
		store_proof_free(out);
	return err;
}

int store_prove(store *s, db_txn *t, const address *a, const u256 *keys,
                size_t nkeys, store_proof *out)
{
	return store_prove_past(s, t, NULL, a, keys, nkeys, out);
}
