#include "txpool/txpool.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "chain/transition.h"
#include "crypto/keccak.h"
#include "txpool/table.h"

/* Defaults, geth's legacypool where it has one. */
#define DEFAULT_ACCOUNT_SLOTS 64
#define DEFAULT_GLOBAL_SLOTS 5120
#define DEFAULT_MAX_TX_SIZE (128 * 1024)
#define DEFAULT_PRICE_BUMP 10
#define DEFAULT_MAX_NONCE_GAP 64

typedef struct acct acct;

typedef struct pooled {
	txpool_entry e;
	acct *a;
	bool notify;            /* became pending; the listener has not heard */
} pooled;

/* One sender's transactions. */
struct acct {
	address addr;
	uint64_t base;          /* the account nonce pending counts from */
	pooled **txs;           /* by nonce, ascending, no two alike */
	size_t n, cap;
	size_t npending;        /* txs[0..npending) are pending */
	acct *prev, *next;      /* in txpool.senders: walks cost the senders
	                           there are, not the table's capacity */
};

struct txpool {
	txpool_config cfg;
	ptable by_hash;         /* pooled, by e.hash */
	ptable by_sender;       /* acct, by addr */
	acct *senders;          /* every acct of by_sender, linked */
	size_t count, npending;
	uint64_t seq;           /* the next arrival's */
	uint64_t gen;           /* bumped by every change; ends iterators */
	void (*listener)(void *ctx, const txpool_entry *e);
	void *listener_ctx;
};

/* Fee fields: legacy and EIP-2930 transactions bid one gas price, which is
 * both their cap and their tip. */
static const u256 *fee_cap(const tx *t)
{
	return t->type >= TX_DYNAMIC_FEE ? &t->max_fee : &t->gas_price;
}

static const u256 *tip_cap(const tx *t)
{
	return t->type >= TX_DYNAMIC_FEE ? &t->max_priority_fee : &t->gas_price;
}

/* min(tip cap, fee cap - base fee), for a fee cap at least the base fee. */
static u256 effective_tip(const tx *t, const u256 *base_fee)
{
	u256 over = u256_sub(fee_cap(t), base_fee);
	return u256_lt(tip_cap(t), &over) ? *tip_cap(t) : over;
}

/* Orders by what a transaction pays at this base fee: those whose cap is
 * below it pay nothing yet and rank lowest (among them, by cap); the rest
 * by effective tip, then cap. */
static int cmp_price(const tx *a, const tx *b, const u256 *base_fee)
{
	bool wa = u256_lt(fee_cap(a), base_fee), wb = u256_lt(fee_cap(b), base_fee);
	if (wa != wb)
		return wa ? -1 : 1;
	if (!wa) {
		u256 ta = effective_tip(a, base_fee), tb = effective_tip(b, base_fee);
		int c = u256_cmp(&ta, &tb);
		if (c != 0)
			return c;
	}
	return u256_cmp(fee_cap(a), fee_cap(b));
}

/* The most t can cost: gas * fee cap + value + blob gas * blob fee cap.
 * Returns false if that overflows 256 bits. */
static bool max_cost(const tx *t, u256 *out)
{
	u256 gas = u256_from_u64(t->gas_limit), c;
	bool over = u256_mul_overflow(&c, &gas, fee_cap(t));
	over |= u256_add_overflow(&c, &c, &t->value);
	if (t->type == TX_BLOB) {
		u256 bg = u256_from_u64((uint64_t)t->blob_hashes_len * GAS_PER_BLOB), bc;
		over |= u256_mul_overflow(&bc, &bg, &t->max_fee_per_blob_gas);
		over |= u256_add_overflow(&c, &c, &bc);
	}
	*out = over ? U256_ZERO : c;
	return !over;
}

/* fee * (100 + bump) / 100, the least a replacement must bid; false if it
 * exceeds 256 bits (then nothing can replace). Computed as
 * fee + floor(fee * bump / 100), which is the same floor. */
static bool bumped(const u256 *fee, unsigned bump, u256 *out)
{
	u256 hundred = u256_from_u64(100), b = u256_from_u64(bump);
	u256 q = u256_div(fee, &hundred), r = u256_mod(fee, &hundred), part, rest;
	if (u256_mul_overflow(&part, &q, &b))
		return false;
	rest = u256_mul(&r, &b); /* below 100 * 2^32 */
	rest = u256_div(&rest, &hundred);
	return !u256_add_overflow(&part, &part, &rest) &&
	       !u256_add_overflow(out, fee, &part);
}

/* geth's rule: both caps strictly above the old ones and at least the
 * bumped thresholds (strictness matters at wei-level fees, where the bump
 * rounds to nothing). */
static bool pays_replacement(const tx *new, const tx *old, unsigned bump)
{
	u256 cap_min, tip_min;
	if (!bumped(fee_cap(old), bump, &cap_min) ||
	    !bumped(tip_cap(old), bump, &tip_min))
		return false;
	return u256_gt(fee_cap(new), fee_cap(old)) &&
	       u256_gt(tip_cap(new), tip_cap(old)) &&
	       !u256_lt(fee_cap(new), &cap_min) && !u256_lt(tip_cap(new), &tip_min);
}

/* tx_validate's rules but the signature's: a shallow copy carrying the
 * placeholder signature goes through tx_validate, so the rules live in
 * one place. A legacy tx keeps its EIP-155 form, whose fork rule is not
 * about the signature. */
static int validate_unsigned(const tx *t, fork rev, bool unlimited_code)
{
	tx s = *t;
	tx_placeholder_sign(&s);
	return tx_validate_limits(&s, rev, unlimited_code);
}

/* Deep copy of src into *dst. Returns DURE_OK or DURE_ENOMEM with *dst
 * zeroed. */
static int tx_dup(const tx *src, tx *dst)
{
	*dst = *src;
	dst->data = NULL;
	dst->access_list = NULL;
	dst->blob_hashes = NULL;
	dst->access_list_len = dst->blob_hashes_len = 0;
	if (src->data_size) {
		if (!(dst->data = malloc(src->data_size)))
			goto fail;
		memcpy(dst->data, src->data, src->data_size);
	}
	if (src->access_list_len) {
		dst->access_list = calloc(src->access_list_len, sizeof *dst->access_list);
		if (!dst->access_list)
			goto fail;
		dst->access_list_len = src->access_list_len;
		for (size_t i = 0; i < src->access_list_len; i++) {
			const tx_access *sa = &src->access_list[i];
			tx_access *da = &dst->access_list[i];
			da->addr = sa->addr;
			if (sa->nkeys == 0)
				continue;
			if (!(da->keys = malloc(sa->nkeys * sizeof *da->keys)))
				goto fail;
			memcpy(da->keys, sa->keys, sa->nkeys * sizeof *da->keys);
			da->nkeys = sa->nkeys;
		}
	}
	if (src->blob_hashes_len) {
		dst->blob_hashes = malloc(src->blob_hashes_len * sizeof *dst->blob_hashes);
		if (!dst->blob_hashes)
			goto fail;
		memcpy(dst->blob_hashes, src->blob_hashes,
		       src->blob_hashes_len * sizeof *dst->blob_hashes);
		dst->blob_hashes_len = src->blob_hashes_len;
	}
	return DURE_OK;
fail:
	tx_free(dst);
	return DURE_ENOMEM;
}

static void pooled_free(pooled *x)
{
	tx_free(&x->e.tx);
	free(x->e.raw);
	free(x);
}

int txpool_new(const txpool_config *cfg, txpool **out)
{
	*out = NULL;
	txpool_config c = cfg ? *cfg : (txpool_config){0};
	if (!c.account_slots)
		c.account_slots = DEFAULT_ACCOUNT_SLOTS;
	if (!c.global_slots)
		c.global_slots = DEFAULT_GLOBAL_SLOTS;
	if (!c.max_tx_size)
		c.max_tx_size = DEFAULT_MAX_TX_SIZE;
	if (!c.price_bump)
		c.price_bump = DEFAULT_PRICE_BUMP;
	if (!c.max_nonce_gap)
		c.max_nonce_gap = DEFAULT_MAX_NONCE_GAP;
	if (c.global_slots > TXPOOL_MAX_GLOBAL_SLOTS)
		return DURE_EINVAL;
	if (c.account_slots > c.global_slots)
		c.account_slots = c.global_slots;
	txpool *p = calloc(1, sizeof *p);
	if (!p)
		return DURE_ENOMEM;
	p->cfg = c;
	/* A new sender's list joins before an evicted sender's empty one
	 * leaves, so senders may briefly number one more than the slots. */
	if (ptable_init(&p->by_hash, c.global_slots, offsetof(pooled, e.hash),
	                sizeof(h256), c.hash_seed) != DURE_OK ||
	    ptable_init(&p->by_sender, c.global_slots + 1, offsetof(acct, addr),
	                sizeof(address), c.hash_seed ^ 1) != DURE_OK) {
		txpool_free(p);
		return DURE_ENOMEM;
	}
	*out = p;
	return DURE_OK;
}

void txpool_free(txpool *p)
{
	if (!p)
		return;
	for (acct *a = p->senders, *next; a; a = next) {
		next = a->next;
		for (size_t i = 0; i < a->n; i++)
			pooled_free(a->txs[i]);
		free(a->txs);
		free(a);
	}
	ptable_free(&p->by_hash);
	ptable_free(&p->by_sender);
	free(p);
}

void txpool_set_listener(txpool *p, void (*fn)(void *ctx, const txpool_entry *e),
                         void *ctx)
{
	p->listener = fn;
	p->listener_ctx = fn ? ctx : NULL;
}

/* The index of the first tx with nonce >= nonce. */
static size_t lower_bound(const acct *a, uint64_t nonce)
{
	size_t lo = 0, hi = a->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (a->txs[mid]->e.tx.nonce < nonce)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* nonce moved past the pooled txs that follow it without a gap. */
static uint64_t run_end(const acct *a, uint64_t nonce)
{
	if (!a)
		return nonce;
	for (size_t i = lower_bound(a, nonce); i < a->n; i++) {
		if (a->txs[i]->e.tx.nonce != nonce)
			break;
		nonce++;
	}
	return nonce;
}

/* Recomputes a's pending run from a->base; entries that turn pending are
 * marked for the listener. */
static void refresh(txpool *p, acct *a)
{
	uint64_t want = a->base;
	size_t run = 0;
	while (run < a->n && a->txs[run]->e.tx.nonce == want) {
		run++;
		want++;
	}
	for (size_t i = 0; i < a->n; i++) {
		pooled *x = a->txs[i];
		bool pend = i < run;
		if (pend == x->e.pending)
			continue;
		x->e.pending = pend;
		x->notify = pend;
		if (pend) {
			p->npending++;
		} else {
			p->npending--;
		}
	}
	a->npending = run;
}

/* Tells the listener about a's entries that turned pending. */
static void notify(txpool *p, acct *a)
{
	for (size_t i = 0; i < a->npending; i++) {
		pooled *x = a->txs[i];
		if (!x->notify)
			continue;
		x->notify = false;
		if (p->listener)
			p->listener(p->listener_ctx, &x->e);
	}
}

/* Takes x out of the tables and its sender's list (which may be left empty:
 * see release) without freeing it. The caller refreshes the sender. */
static void unlink_entry(txpool *p, pooled *x)
{
	acct *a = x->a;
	size_t i = lower_bound(a, x->e.tx.nonce);
	memmove(&a->txs[i], &a->txs[i + 1], (a->n - i - 1) * sizeof *a->txs);
	a->n--;
	if (x->e.pending)
		p->npending--;
	x->e.pending = false;
	if (i < a->npending)
		a->npending--;
	ptable_del(&p->by_hash, x);
	p->count--;
}

/* Frees a sender with no transactions left. Returns true if it did. */
static bool release(txpool *p, acct *a)
{
	if (a->n)
		return false;
	ptable_del(&p->by_sender, a);
	if (a->prev)
		a->prev->next = a->next;
	else
		p->senders = a->next;
	if (a->next)
		a->next->prev = a->prev;
	free(a->txs);
	free(a);
	return true;
}

/* The transaction to evict so that t (from sender list own, maybe NULL)
 * fits a full pool: the cheapest at the base fee among the last of each
 * sender's list, so no sender is left with a gap (own's last only when it
 * comes after t), the later arrival among equals. NULL if none is strictly
 * cheaper than t. Walks the senders: it runs only when the pool is full. */
static pooled *cheapest(const txpool *p, const tx *t, const acct *own,
                        const u256 *base_fee)
{
	pooled *best = NULL;
	for (const acct *a = p->senders; a; a = a->next) {
		pooled *last = a->txs[a->n - 1];
		if (a == own && last->e.tx.nonce < t->nonce)
			continue;
		int c = best ? cmp_price(&last->e.tx, &best->e.tx, base_fee) : -1;
		if (c < 0 || (c == 0 && last->e.seq > best->e.seq))
			best = last;
	}
	if (best && cmp_price(t, &best->e.tx, base_fee) > 0)
		return best;
	return NULL;
}

/* Every rule that needs the pool or the state, then the insertion. t has
 * passed the stateless rules; raw (n bytes, within the size limit) is its
 * encoding. On failure nothing has changed. The listener is not called:
 * the caller calls notify. */
static int add_checked(txpool *p, const txpool_env *env, const tx *t,
                       const address *sender, const uint8_t *raw, size_t n,
                       txpool_result *res, acct **touched)
{
	h256 hash;
	keccak256(raw, n, hash.b);
	if (ptable_get(&p->by_hash, &hash))
		return DURE_EPOOL_KNOWN;
	if (t->gas_limit > env->gas_limit)
		return DURE_EPOOL_GAS_LIMIT;
	if (u256_lt(tip_cap(t), &p->cfg.min_tip))
		return DURE_EPOOL_UNDERPRICED;
	if (p->cfg.refuse_below_base_fee && u256_lt(fee_cap(t), &env->base_fee))
		return DURE_ETR_BASE_FEE;

	uint64_t nonce = 0;
	u256 balance = U256_ZERO;
	bool has_code = false;
	int err = env->account(env->ctx, sender, &nonce, &balance, &has_code);
	if (err != DURE_OK)
		return err;
	if (has_code && !env->allow_sender_code) /* EIP-3607 */
		return DURE_ETR_SENDER_CODE;
	if (t->nonce < nonce)
		return DURE_EPOOL_NONCE_LOW;
	acct *a = ptable_get(&p->by_sender, sender);
	uint64_t next = run_end(a, nonce);
	if (t->nonce > next && t->nonce - next > p->cfg.max_nonce_gap)
		return DURE_EPOOL_NONCE_GAP;
	u256 cost;
	if (!max_cost(t, &cost) || u256_lt(&balance, &cost))
		return DURE_ETR_FUNDS;

	pooled *old = NULL, *victim = NULL;
	if (a) {
		size_t i = lower_bound(a, t->nonce);
		if (i < a->n && a->txs[i]->e.tx.nonce == t->nonce)
			old = a->txs[i];
	}
	if (old && !pays_replacement(t, &old->e.tx, p->cfg.price_bump))
		return DURE_EPOOL_REPLACE;
	if (!old && a && a->n >= p->cfg.account_slots) {
		/* A full sender makes room only for a nonce it needs first. */
		if (t->nonce > a->txs[a->n - 1]->e.tx.nonce)
			return DURE_EPOOL_FULL;
		victim = a->txs[a->n - 1];
	} else if (!old && p->count >= p->cfg.global_slots) {
		if (!(victim = cheapest(p, t, a, &env->base_fee)))
			return DURE_EPOOL_FULL;
	}

	/* Everything that can fail, before anything changes. */
	pooled *x = calloc(1, sizeof *x);
	if (!x)
		return DURE_ENOMEM;
	if (tx_dup(t, &x->e.tx) != DURE_OK || !(x->e.raw = malloc(n))) {
		pooled_free(x);
		return DURE_ENOMEM;
	}
	memcpy(x->e.raw, raw, n);
	x->e.raw_len = n;
	x->e.hash = hash;
	x->e.sender = *sender;
	bool fresh = !a;
	if (fresh) {
		if (!(a = calloc(1, sizeof *a))) {
			pooled_free(x);
			return DURE_ENOMEM;
		}
		a->addr = *sender;
		a->base = nonce;
	}
	if (a->n + 1 > a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 4;
		pooled **txs = realloc(a->txs, cap * sizeof *txs);
		if (!txs) {
			if (fresh)
				free(a);
			pooled_free(x);
			return DURE_ENOMEM;
		}
		a->txs = txs;
		a->cap = cap;
	}

	if (old) {
		res->replaced = true;
		res->replaced_hash = old->e.hash;
		unlink_entry(p, old);
		pooled_free(old);
	}
	acct *va = NULL;
	if (victim) {
		va = victim->a;
		unlink_entry(p, victim);
		pooled_free(victim);
	}
	if (fresh) {
		ptable_put(&p->by_sender, a);
		a->prev = NULL;
		a->next = p->senders;
		if (p->senders)
			p->senders->prev = a;
		p->senders = a;
	}
	x->a = a;
	x->e.seq = p->seq++;
	size_t at = lower_bound(a, t->nonce);
	memmove(&a->txs[at + 1], &a->txs[at], (a->n - at) * sizeof *a->txs);
	a->txs[at] = x;
	a->n++;
	ptable_put(&p->by_hash, x);
	p->count++;
	if (va && va != a) {
		refresh(p, va);
		release(p, va);
	}
	refresh(p, a);
	p->gen++;
	res->hash = hash;
	res->sender = *sender;
	res->pending = x->e.pending;
	*touched = a;
	return DURE_OK;
}

/* txpool_add without the stateless checks' signature part, shared with
 * txpool_on_head. */
static int add_unsigned(txpool *p, const txpool_env *env, const tx *t,
                        const address *sender, const uint8_t *raw, size_t n,
                        txpool_result *res, acct **touched)
{
	buf b = BUF_INIT;
	int err = DURE_OK;
	if (!raw) {
		if ((err = tx_encode(t, &b)) != DURE_OK)
			goto out;
		raw = b.data;
		n = b.len;
	}
	if (n > p->cfg.max_tx_size) {
		err = DURE_EPOOL_SIZE;
		goto out;
	}
	if ((err = validate_unsigned(t, env->rev, env->unlimited_code_size)) != DURE_OK ||
	    (err = tx_check_chain_id(t, env->chain_id)) != DURE_OK)
		goto out;
	err = add_checked(p, env, t, sender, raw, n, res, touched);
out:
	buf_free(&b);
	return err;
}

int txpool_add(txpool *p, const txpool_env *env, const tx *t,
               const address *sender, const uint8_t *raw, size_t n,
               txpool_result *result)
{
	memset(result, 0, sizeof *result);
	acct *a = NULL;
	int err = add_unsigned(p, env, t, sender, raw, n, result, &a);
	if (err != DURE_OK) {
		memset(result, 0, sizeof *result);
		return err;
	}
	notify(p, a);
	return DURE_OK;
}

int txpool_add_raw(txpool *p, const txpool_env *env, const uint8_t *raw,
                   size_t n, txpool_result *result)
{
	memset(result, 0, sizeof *result);
	if (n > p->cfg.max_tx_size)
		return DURE_EPOOL_SIZE;
	tx t;
	int err = tx_decode(raw, n, &t);
	if (err != DURE_OK)
		return err;
	address sender;
	acct *a = NULL;
	if ((err = tx_validate_limits(&t, env->rev, env->unlimited_code_size)) ==
	        DURE_OK &&
	    (err = tx_check_chain_id(&t, env->chain_id)) == DURE_OK &&
	    (err = tx_sender(&t, &sender)) == DURE_OK)
		err = add_checked(p, env, &t, &sender, raw, n, result, &a);
	tx_free(&t);
	if (err != DURE_OK) {
		memset(result, 0, sizeof *result);
		return err;
	}
	notify(p, a);
	return DURE_OK;
}

const txpool_entry *txpool_get(const txpool *p, const h256 *hash)
{
	pooled *x = ptable_get(&p->by_hash, hash);
	return x ? &x->e : NULL;
}

int txpool_remove(txpool *p, const h256 *hash)
{
	pooled *x = ptable_get(&p->by_hash, hash);
	if (!x)
		return DURE_ENOTFOUND;
	acct *a = x->a;
	unlink_entry(p, x);
	pooled_free(x);
	refresh(p, a);
	release(p, a);
	p->gen++;
	return DURE_OK;
}

int txpool_next_nonce(const txpool *p, const txpool_env *env,
                      const address *sender, uint64_t *nonce)
{
	*nonce = 0;
	uint64_t n = 0;
	u256 balance;
	bool has_code;
	int err = env->account(env->ctx, sender, &n, &balance, &has_code);
	if (err != DURE_OK)
		return err;
	*nonce = run_end(ptable_get(&p->by_sender, sender), n);
	return DURE_OK;
}

size_t txpool_pending_count(const txpool *p) { return p->npending; }

size_t txpool_queued_count(const txpool *p) { return p->count - p->npending; }

static int cmp_acct_addr(const void *x, const void *y)
{
	const acct *a = *(const acct *const *)x, *b = *(const acct *const *)y;
	return memcmp(a->addr.b, b->addr.b, sizeof a->addr.b);
}

/* The senders, in address order when sorted. Returns the array (caller
 * frees; NULL with *n zero for none) or NULL with *n nonzero on ENOMEM. */
static acct **senders(const txpool *p, bool sorted, size_t *n)
{
	*n = p->by_sender.count;
	if (*n == 0)
		return NULL;
	acct **v = malloc(*n * sizeof *v);
	if (!v)
		return NULL;
	size_t k = 0;
	for (acct *a = p->senders; a; a = a->next)
		v[k++] = a;
	if (sorted)
		qsort(v, k, sizeof *v, cmp_acct_addr);
	return v;
}

static int foreach(const txpool *p, bool pending,
                   int (*fn)(void *ctx, const txpool_entry *e), void *ctx)
{
	size_t ns;
	acct **v = senders(p, true, &ns);
	if (!v && ns)
		return DURE_ENOMEM;
	int rc = 0;
	for (size_t i = 0; i < ns && rc == 0; i++)
		for (size_t j = 0; j < v[i]->n && rc == 0; j++)
			if (v[i]->txs[j]->e.pending == pending)
				rc = fn(ctx, &v[i]->txs[j]->e);
	free(v);
	return rc;
}

int txpool_foreach_pending(const txpool *p,
                           int (*fn)(void *ctx, const txpool_entry *e), void *ctx)
{
	return foreach(p, true, fn, ctx);
}

int txpool_foreach_queued(const txpool *p,
                          int (*fn)(void *ctx, const txpool_entry *e), void *ctx)
{
	return foreach(p, false, fn, ctx);
}

/* The block iterator: a max-heap of each sender's next pending tx. */
typedef struct iter_head {
	const acct *a;
	size_t idx;             /* into a->txs */
	u256 tip;               /* effective tip of a->txs[idx] */
} iter_head;

struct txpool_iter {
	const txpool *p;
	uint64_t gen;           /* the pool's when the walk began */
	u256 base_fee, blob_base_fee;
	iter_head *heap;
	size_t n;
};

static const txpool_entry *head_entry(const iter_head *h)
{
	return &h->a->txs[h->idx]->e;
}

static bool better(const iter_head *x, const iter_head *y)
{
	int c = u256_cmp(&x->tip, &y->tip);
	if (c != 0)
		return c > 0;
	return head_entry(x)->seq < head_entry(y)->seq;
}

static void sift_down(txpool_iter *it, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, top = i;
		if (l < it->n && better(&it->heap[l], &it->heap[top]))
			top = l;
		if (r < it->n && better(&it->heap[r], &it->heap[top]))
			top = r;
		if (top == i)
			return;
		iter_head t = it->heap[i];
		it->heap[i] = it->heap[top];
		it->heap[top] = t;
		i = top;
	}
}

/* Points h at a->txs[idx] if that is pending and pays the block's fees. */
static bool head_at(const txpool_iter *it, const acct *a, size_t idx,
                    iter_head *h)
{
	if (idx >= a->npending)
		return false;
	const tx *t = &a->txs[idx]->e.tx;
	if (u256_lt(fee_cap(t), &it->base_fee))
		return false;
	if (t->type == TX_BLOB &&
	    u256_lt(&t->max_fee_per_blob_gas, &it->blob_base_fee))
		return false;
	h->a = a;
	h->idx = idx;
	h->tip = effective_tip(t, &it->base_fee);
	return true;
}

int txpool_iter_new(const txpool *p, const u256 *base_fee,
                    const u256 *blob_base_fee, txpool_iter **out)
{
	*out = NULL;
	txpool_iter *it = calloc(1, sizeof *it);
	if (!it)
		return DURE_ENOMEM;
	size_t ns;
	acct **v = senders(p, false, &ns);
	if (ns && (!v || !(it->heap = malloc(ns * sizeof *it->heap)))) {
		free(v);
		free(it);
		return DURE_ENOMEM;
	}
	it->p = p;
	it->gen = p->gen;
	it->base_fee = *base_fee;
	it->blob_base_fee = *blob_base_fee;
	for (size_t i = 0; i < ns; i++)
		if (head_at(it, v[i], 0, &it->heap[it->n]))
			it->n++;
	free(v);
	for (size_t i = it->n / 2; i-- > 0;)
		sift_down(it, i);
	*out = it;
	return DURE_OK;
}

const txpool_entry *txpool_iter_peek(const txpool_iter *it)
{
	if (it->gen != it->p->gen || it->n == 0)
		return NULL;
	return head_entry(&it->heap[0]);
}

static void pop(txpool_iter *it)
{
	it->heap[0] = it->heap[--it->n];
	sift_down(it, 0);
}

const txpool_entry *txpool_iter_next(txpool_iter *it)
{
	const txpool_entry *e = txpool_iter_peek(it);
	if (!e)
		return NULL;
	iter_head *h = &it->heap[0];
	if (head_at(it, h->a, h->idx + 1, h))
		sift_down(it, 0);
	else
		pop(it);
	return e;
}

void txpool_iter_skip_sender(txpool_iter *it)
{
	if (txpool_iter_peek(it))
		pop(it);
}

void txpool_iter_free(txpool_iter *it)
{
	if (!it)
		return;
	free(it->heap);
	free(it);
}

/* Re-checks a's transactions against its account at the new head. */
static void revalidate(txpool *p, const txpool_env *env, acct *a,
                       uint64_t nonce, const u256 *balance)
{
	for (size_t i = a->n; i-- > 0;) {
		pooled *x = a->txs[i];
		u256 cost;
		if (x->e.tx.nonce >= nonce && x->e.tx.gas_limit <= env->gas_limit &&
		    max_cost(&x->e.tx, &cost) && !u256_lt(balance, &cost))
			continue;
		unlink_entry(p, x);
		pooled_free(x);
	}
	a->base = nonce;
	refresh(p, a);
}

int txpool_on_head(txpool *p, const txpool_env *env, const tx *const *dropped,
                   const address *dropped_senders, size_t ndropped)
{
	int first = DURE_OK;
	p->gen++;
	size_t ns;
	acct **v = senders(p, false, &ns);
	if (!v && ns)
		return DURE_ENOMEM;
	for (size_t i = 0; i < ns; i++) {
		uint64_t nonce;
		u256 balance;
		bool has_code;
		int err = env->account(env->ctx, &v[i]->addr, &nonce, &balance, &has_code);
		if (err != DURE_OK) {
			if (first == DURE_OK)
				first = err;
			continue;
		}
		revalidate(p, env, v[i], nonce, &balance);
		release(p, v[i]);
	}
	for (size_t i = 0; i < ndropped; i++) {
		txpool_result res;
		acct *a;
		int err = add_unsigned(p, env, dropped[i], &dropped_senders[i], NULL, 0,
		                       &res, &a);
		if (err == DURE_ENOMEM && first == DURE_OK)
			first = err;
	}
	free(v);
	/* The listener hears once the pool is whole again; the walk is over
	 * the senders as they now are, since re-adds may have added some and
	 * evictions removed others. */
	if (!(v = senders(p, false, &ns)) && ns)
		return first == DURE_OK ? DURE_ENOMEM : first;
	for (size_t i = 0; i < ns; i++)
		notify(p, v[i]);
	free(v);
	return first;
}
