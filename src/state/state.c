#include "state/state.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "crypto/keccak.h"
#include "rlp/rlp.h"
#include "trie/trie.h"

/* Per-account marks. F_EXISTS separates an account from a table entry that
 * only records a read or a warm mark; the others live for one transaction. */
enum {
	F_EXISTS = 1,
	F_TOUCHED = 2,
	F_CREATED = 4,
	F_DESTRUCTED = 8,
	F_WARM = 16,
};

typedef struct slot {
	u256 key;
	u256 value;      /* current */
	u256 original;   /* at the start of the transaction */
	u256 transient;  /* EIP-1153 */
	bool warm;
} slot;

/* An account's slots sit in a dense array that only grows (until the
 * account is wiped), so a slot's position names it for the whole
 * transaction and the journal needs no lookup to undo a write. They are
 * found through an open-addressing index of 64-bit buckets:
 *
 *   63            32 31             0
 *   +---------------+---------------+
 *   |  hash >> 32   | position + 1  |     0 = empty bucket
 *   +---------------+---------------+
 *
 * A probe compares the upper half (the hash's top bits) before it reads
 * the slot itself, so a lookup touches one slot. */
typedef uint64_t bucket;

typedef struct acct {
	address addr;
	uint8_t flags;
	bool visited;        /* scratch mark for state_end_tx */
	bool code_pending;   /* code_hash names code not loaded yet */
	bool wiped;          /* the storage of the block's start is gone */
	uint64_t nonce;
	u256 balance;
	uint8_t *code;       /* owned; NULL when empty */
	size_t code_len;
	h256 code_hash;      /* valid when code_len > 0 or code_pending */
	slot *slots;         /* dense, in the order they were added */
	uint32_t nslots;
	uint32_t slot_cap;   /* the index has twice as many buckets */
	bucket *index;
	unsigned shift;      /* 64 - log2(buckets): the top bits pick one */
	/* The account at the start of the block, as the backend had it. */
	bool existed;
	bool stored;         /* it had slots in the backend */
	state_account prior;
	/* When stored, the value of each slot at the start of the block, by
	 * position: beside the slots rather than in them, so that only
	 * accounts a backend holds storage for pay for it (others start at
	 * zero). */
	u256 *priors;
} acct;

enum jkind {
	J_FLAGS,
	J_NONCE,
	J_BALANCE,
	J_CODE,
	J_STORAGE,
	J_TRANSIENT,
	J_SLOT_WARM,
	J_LOG,
	J_ORIGINAL,
	J_WIPE,
};

/* prev_flags is also the previous code_pending of J_CODE and the previous
 * wiped of J_WIPE; pos is also the slot count of J_WIPE. */
typedef struct jentry {
	uint8_t kind;
	uint8_t prev_flags;
	uint32_t pos;        /* the slot's position, for storage kinds */
	acct *a;
	union {
		u256 value;
		uint64_t nonce;
		struct {
			uint8_t *p;
			size_t len;
			h256 hash;
		} code;
	} prev;
} jentry;

struct state {
	acct **accts;        /* open addressing, power-of-two capacity */
	size_t acct_cap;
	size_t acct_count;
	jentry *journal;
	size_t jlen, jcap;
	state_log *logs;
	size_t nlogs, logs_cap;
	acct *ripemd;        /* kept touched by a revert (see undo) */
	acct **scratch;      /* accounts seen by state_end_tx */
	size_t scratch_cap;
	acct *last;          /* the last account found; entries never move */
	bool failed;
	int err;             /* the first backend error, once failed */
	bool backed;         /* misses load from be */
	state_backend be;
	state_change *changes;       /* state_changes' scratch */
	size_t changes_cap;
	state_slot_change *cslots;
	size_t cslots_cap;
};

/* keccak256 of the empty string: the code hash of an account without code. */
static const h256 empty_code_hash = {{
	0xc5, 0xd2, 0x46, 0x01, 0x86, 0xf7, 0x23, 0x3c, 0x92, 0x7e, 0x7d,
	0xb2, 0xdc, 0xc7, 0x03, 0xc0, 0xe5, 0x00, 0xb6, 0x53, 0xca, 0x82,
	0x27, 0x3b, 0x7b, 0xfa, 0xd8, 0x04, 0x5d, 0x85, 0xa4, 0x70,
}};

/* ---- hashing ---- */

/* Every lookup of an account or a slot hashes its key, so the words fold
 * into one by independent multiplications by odd constants (which the CPU
 * overlaps) before a single finalising mix, rather than a chain of mixes. */
#define FOLD1 0x9e3779b97f4a7c15ULL
#define FOLD2 0xbf58476d1ce4e5b9ULL
#define FOLD3 0x94d049bb133111ebULL
#define FOLD4 0xd6e8feb86659fd93ULL

static inline uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static inline uint64_t addr_hash(const address *a)
{
	uint64_t w0, w1;
	uint32_t w2;
	memcpy(&w0, a->b, 8);
	memcpy(&w1, a->b + 8, 8);
	memcpy(&w2, a->b + 16, 4);
	return mix(w0 ^ w1 * FOLD1 ^ w2 * FOLD2);
}

/* Slot keys are small integers or keccak outputs. One multiplication
 * spreads either into the top bits, which pick the bucket (Fibonacci
 * hashing), so the slot index needs no finalising mix. */
static inline uint64_t key_hash(const u256 *k)
{
	return (k->w[0] ^ k->w[1] * FOLD1 ^ k->w[2] * FOLD2 ^
	        k->w[3] * FOLD3) * FOLD4;
}

/* ---- account table ---- */

int state_new(state **out)
{
	state *st = calloc(1, sizeof *st);
	if (!st) {
		*out = NULL;
		return DURE_ENOMEM;
	}
	*out = st;
	return DURE_OK;
}

int state_new_backed(const state_backend *b, state **out)
{
	int err = state_new(out);
	if (err)
		return err;
	(*out)->backed = true;
	(*out)->be = *b;
	return DURE_OK;
}

static void free_slots(acct *a)
{
	free(a->slots);
	free(a->index);
	free(a->priors);
	a->slots = NULL;
	a->index = NULL;
	a->priors = NULL;
	a->slot_cap = a->nslots = 0;
}

static void clear_logs(state *st)
{
	for (size_t i = 0; i < st->nlogs; i++)
		free(st->logs[i].data);
	st->nlogs = 0;
}

void state_free(state *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->jlen; i++)
		if (st->journal[i].kind == J_CODE)
			free(st->journal[i].prev.code.p);
	for (size_t i = 0; i < st->acct_cap; i++) {
		acct *a = st->accts[i];
		if (a) {
			free(a->code);
			free_slots(a);
			free(a);
		}
	}
	clear_logs(st);
	free(st->logs);
	free(st->accts);
	free(st->journal);
	free(st->scratch);
	free(st->changes);
	free(st->cslots);
	free(st);
}

bool state_failed(const state *st) { return st->failed; }

int state_error(const state *st)
{
	if (!st->failed)
		return DURE_OK;
	return st->err ? st->err : DURE_ENOMEM;
}

/* Records a backend error; an earlier failure stays the one reported. */
static void backend_failed(state *st, int err)
{
	if (!st->failed)
		st->err = err;
	st->failed = true;
}

/* SLOAD and SSTORE run millions of times per block, so the lookups on
 * their path are inlined into them (HOT); the paths that add an entry are
 * kept out of line (COLD) so that the common case stays short. */
#define HOT static inline __attribute__((always_inline))
#define COLD static __attribute__((noinline, cold))

static acct *probe(state *st, const address *a)
{
	if (st->acct_cap == 0)
		return NULL;
	size_t mask = st->acct_cap - 1;
	for (size_t i = addr_hash(a) & mask;; i = (i + 1) & mask) {
		acct *e = st->accts[i];
		if (!e)
			return NULL;
		if (address_eq(&e->addr, a)) {
			st->last = e;
			return e;
		}
	}
}

HOT acct *find(state *st, const address *a)
{
	/* A frame asks about its own account again and again. */
	if (st->last && address_eq(&st->last->addr, a))
		return st->last;
	return probe(st, a);
}

static bool grow_accts(state *st)
{
	size_t cap = st->acct_cap ? st->acct_cap * 2 : 64;
	acct **tab = calloc(cap, sizeof *tab);
	if (!tab)
		return false;
	for (size_t i = 0; i < st->acct_cap; i++) {
		acct *e = st->accts[i];
		if (!e)
			continue;
		size_t j = addr_hash(&e->addr) & (cap - 1);
		while (tab[j])
			j = (j + 1) & (cap - 1);
		tab[j] = e;
	}
	free(st->accts);
	st->accts = tab;
	st->acct_cap = cap;
	return true;
}

/* Fills e, just added, from the backend: the account at the start of the
 * block, or nothing when the backend has none. Code waits for a read. */
static void load_acct(state *st, acct *e)
{
	state_account sa;
	int err = st->be.account(st->be.ctx, &e->addr, &sa);
	if (err) {
		if (err != DURE_ENOTFOUND)
			backend_failed(st, err);
		return;
	}
	e->existed = true;
	e->prior = sa;
	e->stored = !h256_eq(&sa.storage_root, &TRIE_EMPTY_ROOT);
	e->flags = F_EXISTS;
	e->nonce = sa.nonce;
	e->balance = sa.balance;
	if (!h256_eq(&sa.code_hash, &empty_code_hash)) {
		e->code_hash = sa.code_hash;
		e->code_pending = true;
	}
}

/* Adds the table entry of a, which is not in the table, loading it in a
 * backed state: so an account is asked for once, found or not. */
COLD acct *add_acct(state *st, const address *a)
{
	if (st->failed)
		return NULL;
	if ((st->acct_count + 1) * 2 > st->acct_cap && !grow_accts(st)) {
		st->failed = true;
		return NULL;
	}
	acct *e = calloc(1, sizeof *e);
	if (!e) {
		st->failed = true;
		return NULL;
	}
	e->addr = *a;
	size_t mask = st->acct_cap - 1;
	size_t i = addr_hash(a) & mask;
	while (st->accts[i])
		i = (i + 1) & mask;
	st->accts[i] = e;
	st->acct_count++;
	if (st->backed)
		load_acct(st, e);
	return e;
}

/* Finds or adds the table entry of a (not necessarily an existing account).
 * Returns NULL, with the sticky flag set, when out of memory. */
HOT acct *get(state *st, const address *a)
{
	acct *e = find(st, a);
	return e ? e : add_acct(st, a);
}

/* The entry of a for a read: in memory alone a miss is an account that
 * does not exist, in a backed state it is one not loaded yet. */
HOT acct *lookup(state *st, const address *a)
{
	acct *e = find(st, a);
	return e || !st->backed ? e : add_acct(st, a);
}

/* ---- slot table of one account ---- */

/* The slot of key, whose key_hash is h, or NULL. */
HOT slot *find_slot(const acct *a, const u256 *key, uint64_t h)
{
	if (!a->index)
		return NULL;
	size_t mask = ((size_t)a->slot_cap << 1) - 1;
	uint32_t tag = (uint32_t)(h >> 32);
	for (size_t i = (size_t)(h >> a->shift);; i = (i + 1) & mask) {
		bucket b = a->index[i];
		if (!b)
			return NULL;
		if ((uint32_t)(b >> 32) == tag) {
			slot *s = &a->slots[(uint32_t)b - 1];
			if (u256_eq(&s->key, key))
				return s;
		}
	}
}

static void index_put(acct *a, uint64_t h, uint32_t pos)
{
	size_t mask = ((size_t)a->slot_cap << 1) - 1;
	size_t i = (size_t)(h >> a->shift);
	while (a->index[i])
		i = (i + 1) & mask;
	a->index[i] = (h >> 32 << 32) | (pos + 1);
}

/* Doubles the slot array and rebuilds the index at twice its size. */
static bool grow_slots(acct *a)
{
	uint32_t cap = a->slot_cap ? a->slot_cap * 2 : 8;
	if (cap > UINT32_MAX / 4)
		return false;
	slot *tab = realloc(a->slots, cap * sizeof *tab);
	if (!tab)
		return false;
	a->slots = tab;
	if (a->stored) {
		u256 *p = realloc(a->priors, cap * sizeof *p);
		if (!p)
			return false;
		a->priors = p;
	}
	bucket *idx = calloc((size_t)cap * 2, sizeof *idx);
	if (!idx)
		return false;
	free(a->index);
	a->index = idx;
	a->slot_cap = cap;
	a->shift = 64 - (unsigned)__builtin_ctzll((uint64_t)cap * 2);
	for (uint32_t i = 0; i < a->nslots; i++)
		index_put(a, key_hash(&a->slots[i].key), i);
	return true;
}

/* Whether the backend still holds slots of a that are not in memory:
 * never for an account in memory alone (it did not exist before). */
static bool slots_stored(const acct *a)
{
	return a->stored && !a->wiped;
}

/* Sets the slot at pos of a to the backend's value, which is the value at
 * the start of both the block and the transaction. */
static void load_slot_value(state *st, acct *a, uint32_t pos)
{
	slot *s = &a->slots[pos];
	a->priors[pos] = U256_ZERO;
	if (st->failed)
		return;
	u256 v;
	int err = st->be.storage(st->be.ctx, &a->addr, &s->key, &v);
	if (err) {
		if (err != DURE_ENOTFOUND)
			backend_failed(st, err);
		return;
	}
	s->value = s->original = a->priors[pos] = v;
}

/* Adds the slot for key, which a does not have: zero, or loaded when the
 * backend holds a's storage. */
COLD slot *add_slot(state *st, acct *a, const u256 *key, uint64_t h)
{
	if (a->nslots == a->slot_cap && !grow_slots(a)) {
		st->failed = true;
		return NULL;
	}
	uint32_t pos = a->nslots++;
	slot *s = &a->slots[pos];
	memset(s, 0, sizeof *s);
	s->key = *key;
	index_put(a, h, pos);
	if (slots_stored(a))
		load_slot_value(st, a, pos);
	else if (a->stored)
		a->priors[pos] = U256_ZERO;
	return s;
}

/* Finds or adds a zero slot. The pointer is valid until the next insertion
 * into the same account; its position until the account is wiped. */
HOT slot *get_slot(state *st, acct *a, const u256 *key)
{
	uint64_t h = key_hash(key);
	slot *s = find_slot(a, key, h);
	return s ? s : add_slot(st, a, key, h);
}

static uint32_t slot_pos(const acct *a, const slot *s)
{
	return (uint32_t)(s - a->slots);
}

/* ---- journal ---- */

static jentry *journal_push(state *st, enum jkind kind, acct *a)
{
	if (st->jlen == st->jcap) {
		size_t cap = st->jcap ? st->jcap * 2 : 256;
		jentry *j = realloc(st->journal, cap * sizeof *j);
		if (!j) {
			st->failed = true;
			return NULL;
		}
		st->journal = j;
		st->jcap = cap;
	}
	jentry *e = &st->journal[st->jlen++];
	e->kind = (uint8_t)kind;
	e->a = a;
	return e;
}

static void set_flags(state *st, acct *a, uint8_t flags)
{
	if (a->flags == flags)
		return;
	jentry *e = journal_push(st, J_FLAGS, a);
	if (!e)
		return;
	e->prev_flags = a->flags;
	a->flags = flags;
}

/* The entry of a, made to exist and marked touched. */
static acct *touched(state *st, const address *a)
{
	acct *e = get(st, a);
	if (e)
		set_flags(st, e, e->flags | F_EXISTS | F_TOUCHED);
	return e;
}

/* ---- reads ---- */

static acct *live(state *st, const address *a)
{
	acct *e = lookup(st, a);
	return e && (e->flags & F_EXISTS) ? e : NULL;
}

bool state_exists(state *st, const address *a) { return live(st, a) != NULL; }

static bool has_code(const acct *e)
{
	return e->code_len || e->code_pending;
}

static bool acct_empty(const acct *e)
{
	return e->nonce == 0 && u256_is_zero(&e->balance) && !has_code(e);
}

bool state_is_empty(state *st, const address *a)
{
	const acct *e = live(st, a);
	return !e || acct_empty(e);
}

uint64_t state_nonce(state *st, const address *a)
{
	const acct *e = live(st, a);
	return e ? e->nonce : 0;
}

u256 state_balance(state *st, const address *a)
{
	const acct *e = live(st, a);
	return e ? e->balance : U256_ZERO;
}

/* Loads e's code by its hash. The hash of a non-empty code names bytes
 * the backend must have, so their absence is an error too; on an error the
 * code reads as none and stays pending. */
COLD void load_code(state *st, acct *e)
{
	if (st->failed)
		return;
	const uint8_t *p;
	size_t n;
	int err = st->be.code(st->be.ctx, &e->code_hash, &p, &n);
	if (err == DURE_OK && n == 0)
		err = DURE_ENOTFOUND;
	if (err) {
		backend_failed(st, err);
		return;
	}
	uint8_t *copy = malloc(n);
	if (!copy) {
		st->failed = true;
		return;
	}
	memcpy(copy, p, n);
	e->code = copy;
	e->code_len = n;
	e->code_pending = false;
}

const uint8_t *state_code(state *st, const address *a, size_t *len)
{
	acct *e = live(st, a);
	if (e && e->code_pending)
		load_code(st, e);
	*len = e ? e->code_len : 0;
	return e ? e->code : NULL;
}

h256 state_code_hash(state *st, const address *a)
{
	const acct *e = live(st, a);
	if (!e)
		return (h256){{0}};
	return has_code(e) ? e->code_hash : empty_code_hash;
}

/* The slot of key in e for a read, loaded on a miss when the backend
 * holds e's storage; NULL reads as zero. */
static const slot *read_slot(state *st, acct *e, const u256 *key)
{
	uint64_t h = key_hash(key);
	const slot *s = find_slot(e, key, h);
	if (!s && slots_stored(e))
		s = add_slot(st, e, key, h);
	return s;
}

u256 state_storage(state *st, const address *a, const u256 *key)
{
	acct *e = live(st, a);
	const slot *s = e ? read_slot(st, e, key) : NULL;
	return s ? s->value : U256_ZERO;
}

u256 state_storage_original(state *st, const address *a, const u256 *key)
{
	acct *e = live(st, a);
	const slot *s = e ? read_slot(st, e, key) : NULL;
	return s ? s->original : U256_ZERO;
}

bool state_has_storage(state *st, const address *a)
{
	const acct *e = live(st, a);
	if (!e)
		return false;
	if (slots_stored(e))
		return true;
	for (uint32_t i = 0; i < e->nslots; i++)
		if (!u256_is_zero(&e->slots[i].value))
			return true;
	return false;
}

u256 state_transient(state *st, const address *a, const u256 *key)
{
	const acct *e = find(st, a);
	const slot *s = e ? find_slot(e, key, key_hash(key)) : NULL;
	return s ? s->transient : U256_ZERO;
}

bool state_created_in_tx(state *st, const address *a)
{
	const acct *e = find(st, a);
	return e && (e->flags & F_CREATED);
}

bool state_selfdestructed(state *st, const address *a)
{
	const acct *e = find(st, a);
	return e && (e->flags & F_DESTRUCTED);
}

const state_log *state_logs(const state *st, size_t *n)
{
	*n = st->nlogs;
	return st->logs;
}

/* ---- mutations ---- */

void state_create_account(state *st, const address *a) { touched(st, a); }

void state_touch(state *st, const address *a) { touched(st, a); }

void state_set_nonce(state *st, const address *a, uint64_t nonce)
{
	acct *e = touched(st, a);
	if (!e || e->nonce == nonce)
		return;
	jentry *j = journal_push(st, J_NONCE, e);
	if (!j)
		return;
	j->prev.nonce = e->nonce;
	e->nonce = nonce;
}

/* Sets e's balance, journaled, and marks e touched. */
static void put_balance(state *st, acct *e, const u256 *balance)
{
	set_flags(st, e, e->flags | F_EXISTS | F_TOUCHED);
	if (u256_eq(&e->balance, balance))
		return;
	jentry *j = journal_push(st, J_BALANCE, e);
	if (!j)
		return;
	j->prev.value = e->balance;
	e->balance = *balance;
}

void state_set_balance(state *st, const address *a, const u256 *balance)
{
	acct *e = get(st, a);
	if (e)
		put_balance(st, e, balance);
}

bool state_add_balance(state *st, const address *a, const u256 *v)
{
	u256 sum, cur = state_balance(st, a);
	if (u256_add_overflow(&sum, &cur, v))
		return false;
	state_set_balance(st, a, &sum);
	return true;
}

bool state_sub_balance(state *st, const address *a, const u256 *v)
{
	u256 diff, cur = state_balance(st, a);
	if (u256_sub_underflow(&diff, &cur, v))
		return false;
	state_set_balance(st, a, &diff);
	return true;
}

bool state_transfer(state *st, const address *from, const address *to,
                    const u256 *v)
{
	acct *f = get(st, from);
	acct *t = get(st, to);
	if (!f || !t)
		return false;
	u256 fb = f->flags & F_EXISTS ? f->balance : U256_ZERO;
	u256 tb = t->flags & F_EXISTS ? t->balance : U256_ZERO;
	u256 fnew, tnew;
	if (u256_sub_underflow(&fnew, &fb, v))
		return false;
	if (f == t) {
		put_balance(st, f, &fb);
		return true;
	}
	if (u256_add_overflow(&tnew, &tb, v))
		return false;
	put_balance(st, f, &fnew);
	put_balance(st, t, &tnew);
	return true;
}

void state_set_code(state *st, const address *a, const uint8_t *code,
                    size_t n)
{
	acct *e = touched(st, a);
	if (!e)
		return;
	uint8_t *copy = NULL;
	if (n) {
		copy = malloc(n);
		if (!copy) {
			st->failed = true;
			return;
		}
		memcpy(copy, code, n);
	}
	jentry *j = journal_push(st, J_CODE, e);
	if (!j) {
		free(copy);
		return;
	}
	j->prev.code.p = e->code;
	j->prev.code.len = e->code_len;
	j->prev.code.hash = e->code_hash;
	j->prev_flags = e->code_pending;
	e->code_pending = false;
	e->code = copy;
	e->code_len = n;
	if (n)
		keccak256(copy, n, e->code_hash.b);
}

/* Writes the current value of slot s of e, journaled. */
static void write_slot(state *st, acct *e, slot *s, const u256 *value)
{
	if (u256_eq(&s->value, value))
		return;
	jentry *j = journal_push(st, J_STORAGE, e);
	if (!j)
		return;
	j->pos = slot_pos(e, s);
	j->prev.value = s->value;
	s->value = *value;
}

void state_set_storage(state *st, const address *a, const u256 *key,
                       const u256 *value)
{
	acct *e = touched(st, a);
	slot *s = e ? get_slot(st, e, key) : NULL;
	if (s)
		write_slot(st, e, s, value);
}

void state_store_slot(state *st, const address *a, const u256 *key,
                      const u256 *value, u256 *original, u256 *current)
{
	acct *e = get(st, a);
	slot *s = e ? get_slot(st, e, key) : NULL;
	if (!s) {
		*original = *current = U256_ZERO;
		return;
	}
	bool exists = e->flags & F_EXISTS;
	*original = exists ? s->original : U256_ZERO;
	*current = exists ? s->value : U256_ZERO;
	set_flags(st, e, e->flags | F_EXISTS | F_TOUCHED);
	write_slot(st, e, s, value);
}

void state_set_transient(state *st, const address *a, const u256 *key,
                         const u256 *value)
{
	acct *e = get(st, a);
	slot *s = e ? get_slot(st, e, key) : NULL;
	if (!s || u256_eq(&s->transient, value))
		return;
	jentry *j = journal_push(st, J_TRANSIENT, e);
	if (!j)
		return;
	j->pos = slot_pos(e, s);
	j->prev.value = s->transient;
	s->transient = *value;
}

/* Empties e's storage inside a transaction, journaled: every slot then
 * reads zero as current and as original value, and those the backend holds
 * no longer count. Slots added after it are zero without a load, so undoing
 * it loads them (see undo). */
static void wipe_storage(state *st, acct *e)
{
	jentry *j = journal_push(st, J_WIPE, e);
	if (!j)
		return;
	j->pos = e->nslots;
	j->prev_flags = e->wiped;
	e->wiped = true;
	for (uint32_t i = 0; i < e->nslots; i++) {
		slot *s = &e->slots[i];
		write_slot(st, e, s, &U256_ZERO);
		if (u256_is_zero(&s->original))
			continue;
		j = journal_push(st, J_ORIGINAL, e);
		if (!j)
			return;
		j->pos = i;
		j->prev.value = s->original;
		s->original = U256_ZERO;
	}
}

void state_mark_created(state *st, const address *a)
{
	acct *e = get(st, a);
	if (!e)
		return;
	set_flags(st, e, e->flags | F_CREATED);
	if (slots_stored(e))
		wipe_storage(st, e);
}

bool state_mark_selfdestruct(state *st, const address *a)
{
	acct *e = get(st, a);
	if (!e)
		return false;
	bool first = !(e->flags & F_DESTRUCTED);
	set_flags(st, e, e->flags | F_DESTRUCTED);
	return first;
}

bool state_warm_account(state *st, const address *a)
{
	acct *e = get(st, a);
	if (!e)
		return false;
	bool was = e->flags & F_WARM;
	set_flags(st, e, e->flags | F_WARM);
	return was;
}

/* Marks slot s of e warm; returns whether it was warm before. */
static bool warm_slot(state *st, acct *e, slot *s)
{
	if (s->warm)
		return true;
	jentry *j = journal_push(st, J_SLOT_WARM, e);
	if (j) {
		j->pos = slot_pos(e, s);
		s->warm = true;
	}
	return false;
}

bool state_warm_slot(state *st, const address *a, const u256 *key)
{
	acct *e = get(st, a);
	slot *s = e ? get_slot(st, e, key) : NULL;
	return s && warm_slot(st, e, s);
}

/* state_load_slot when the slot may be cold or not yet in the table. */
COLD bool load_slot_slow(state *st, const address *a, const u256 *key,
                         u256 *value)
{
	acct *e = get(st, a);
	slot *s = e ? get_slot(st, e, key) : NULL;
	if (!s) {
		*value = U256_ZERO;
		return false;
	}
	*value = e->flags & F_EXISTS ? s->value : U256_ZERO;
	return warm_slot(st, e, s);
}

bool state_load_slot(state *st, const address *a, const u256 *key,
                     u256 *value)
{
	/* Most SLOADs read a warm slot of the account that ran the last one:
	 * that case reads and writes nothing else and makes no call, and
	 * everything else starts over on the slow path. */
	const acct *e = st->last;
	if (e && (e->flags & F_EXISTS) && address_eq(&e->addr, a)) {
		const slot *s = find_slot(e, key, key_hash(key));
		if (s && s->warm) {
			*value = s->value;
			return true;
		}
	}
	return load_slot_slow(st, a, key, value);
}

void state_add_log(state *st, const address *a, const h256 *topics,
                   size_t ntopics, const uint8_t *data, size_t data_size)
{
	if (st->failed || ntopics > 4)
		return;
	if (st->nlogs == st->logs_cap) {
		size_t cap = st->logs_cap ? st->logs_cap * 2 : 8;
		state_log *l = realloc(st->logs, cap * sizeof *l);
		if (!l) {
			st->failed = true;
			return;
		}
		st->logs = l;
		st->logs_cap = cap;
	}
	uint8_t *copy = NULL;
	if (data_size) {
		copy = malloc(data_size);
		if (!copy) {
			st->failed = true;
			return;
		}
		memcpy(copy, data, data_size);
	}
	if (!journal_push(st, J_LOG, NULL)) {
		free(copy);
		return;
	}
	state_log *l = &st->logs[st->nlogs++];
	memset(l, 0, sizeof *l);
	l->addr = *a;
	if (ntopics)
		memcpy(l->topics, topics, ntopics * sizeof *topics);
	l->ntopics = ntopics;
	l->data = copy;
	l->data_size = data_size;
}

/* ---- snapshots ---- */

size_t state_snapshot(const state *st) { return st->jlen; }

/* RIPEMD-160's precompile (0x03) stays touched when the frame that touched
 * it reverts: mainnet block 2675119 deleted it that way under EIP-161, and
 * every client since keeps the quirk so that history replays. */
static bool is_ripemd(const address *a)
{
	static const address ripemd = {{[19] = 3}};
	return address_eq(a, &ripemd);
}

static void undo(state *st, jentry *j)
{
	acct *a = j->a;
	switch ((enum jkind)j->kind) {
	case J_FLAGS:
		if ((a->flags & F_TOUCHED) && !(j->prev_flags & F_TOUCHED) &&
		    is_ripemd(&a->addr)) {
			a->flags = j->prev_flags | F_EXISTS | F_TOUCHED;
			st->ripemd = a;
		} else {
			a->flags = j->prev_flags;
		}
		break;
	case J_NONCE:
		a->nonce = j->prev.nonce;
		break;
	case J_BALANCE:
		a->balance = j->prev.value;
		break;
	case J_CODE:
		free(a->code);
		a->code = j->prev.code.p;
		a->code_len = j->prev.code.len;
		a->code_hash = j->prev.code.hash;
		a->code_pending = j->prev_flags;
		break;
	case J_STORAGE:
		a->slots[j->pos].value = j->prev.value;
		break;
	case J_TRANSIENT:
		a->slots[j->pos].transient = j->prev.value;
		break;
	case J_SLOT_WARM:
		a->slots[j->pos].warm = false;
		break;
	case J_LOG:
		st->nlogs--;
		free(st->logs[st->nlogs].data);
		break;
	case J_ORIGINAL:
		a->slots[j->pos].original = j->prev.value;
		break;
	case J_WIPE:
		/* The slots added since read zero without asking the backend:
		 * now they get the values it holds. */
		a->wiped = j->prev_flags;
		if (slots_stored(a))
			for (uint32_t i = j->pos; i < a->nslots; i++)
				load_slot_value(st, a, i);
		break;
	}
}

void state_revert(state *st, size_t id)
{
	while (st->jlen > id)
		undo(st, &st->journal[--st->jlen]);
}

/* ---- end of transaction ---- */

/* Deletes a at the end of a transaction: with it goes every slot, those
 * in memory and those the backend holds. */
static void wipe(acct *a)
{
	free(a->code);
	a->code = NULL;
	a->code_len = 0;
	a->code_pending = false;
	a->wiped = true;
	a->nonce = 0;
	a->balance = U256_ZERO;
	free_slots(a);
	a->flags = 0;
}

static void remember(state *st, acct *a, size_t *n)
{
	if (a->visited)
		return;
	if (*n == st->scratch_cap) {
		size_t cap = st->scratch_cap ? st->scratch_cap * 2 : 64;
		acct **s = realloc(st->scratch, cap * sizeof *s);
		if (!s) {
			st->failed = true;
			return;
		}
		st->scratch = s;
		st->scratch_cap = cap;
	}
	a->visited = true;
	st->scratch[(*n)++] = a;
}

void state_end_tx(state *st, bool delete_empty)
{
	size_t n = 0;
	if (st->ripemd)
		remember(st, st->ripemd, &n);
	st->ripemd = NULL;
	/* Only what the journal names can carry per-transaction marks, so the
	 * work is proportional to the transaction, not to the state. */
	for (size_t i = 0; i < st->jlen; i++) {
		jentry *j = &st->journal[i];
		if (!j->a)
			continue;
		remember(st, j->a, &n);
		slot *s = j->a->slots;
		switch ((enum jkind)j->kind) {
		case J_STORAGE:
		case J_ORIGINAL:
			s[j->pos].original = s[j->pos].value;
			break;
		case J_TRANSIENT:
			s[j->pos].transient = U256_ZERO;
			break;
		case J_SLOT_WARM:
			s[j->pos].warm = false;
			break;
		case J_CODE:
			free(j->prev.code.p);
			break;
		case J_FLAGS:
		case J_NONCE:
		case J_BALANCE:
		case J_LOG:
		case J_WIPE:
			break;
		}
	}
	for (size_t i = 0; i < n; i++) {
		acct *a = st->scratch[i];
		a->visited = false;
		if ((a->flags & F_DESTRUCTED) ||
		    (delete_empty && (a->flags & F_TOUCHED) && acct_empty(a)))
			wipe(a);
		else
			a->flags &= F_EXISTS;
	}
	st->jlen = 0;
	clear_logs(st);
}

/* ---- the block's changes ---- */

/* The slots of a to list, written to out when it is not NULL; returns
 * their count. Once wiped, the store drops every stored slot itself, so the
 * list is every non-zero slot, with a zero prior: a slot loaded before the
 * wipe went with it. */
static size_t changed_slots(const acct *a, state_slot_change *out)
{
	if (!(a->flags & F_EXISTS))
		return 0;
	size_t n = 0;
	for (uint32_t i = 0; i < a->nslots; i++) {
		const slot *s = &a->slots[i];
		const u256 *prior = slots_stored(a) ? &a->priors[i] : &U256_ZERO;
		if (u256_eq(&s->value, prior))
			continue;
		if (out)
			out[n] = (state_slot_change){s->key, *prior, s->value};
		n++;
	}
	return n;
}

static bool acct_changed(const acct *a, size_t nslots)
{
	bool exists = a->flags & F_EXISTS;
	if (exists != a->existed || nslots || (a->wiped && a->stored))
		return true;
	if (!exists)
		return false;
	const h256 *ch = has_code(a) ? &a->code_hash : &empty_code_hash;
	return a->nonce != a->prior.nonce ||
	       !u256_eq(&a->balance, &a->prior.balance) ||
	       !h256_eq(ch, &a->prior.code_hash);
}

static void describe(const acct *a, state_change *c)
{
	memset(c, 0, sizeof *c);
	c->addr = a->addr;
	c->existed = a->existed;
	if (a->existed)
		c->prior = a->prior;
	c->storage_wiped = a->wiped;
	c->exists = a->flags & F_EXISTS;
	if (!c->exists)
		return;
	c->nonce = a->nonce;
	c->balance = a->balance;
	c->code_hash = has_code(a) ? a->code_hash : empty_code_hash;
	const h256 *before = a->existed ? &a->prior.code_hash : &empty_code_hash;
	if (!h256_eq(&c->code_hash, before)) {
		c->code = a->code;
		c->code_len = a->code_len;
	}
}

int state_changes(state *st, const state_change **changes, size_t *n)
{
	*changes = NULL;
	*n = 0;
	if (st->failed)
		return state_error(st);
	size_t nc = 0, ns = 0;
	for (size_t i = 0; i < st->acct_cap; i++) {
		const acct *a = st->accts[i];
		if (!a)
			continue;
		size_t k = changed_slots(a, NULL);
		if (acct_changed(a, k)) {
			nc++;
			ns += k;
		}
	}
	if (nc > st->changes_cap) {
		state_change *c = realloc(st->changes, nc * sizeof *c);
		if (!c)
			return DURE_ENOMEM;
		st->changes = c;
		st->changes_cap = nc;
	}
	if (ns > st->cslots_cap) {
		state_slot_change *c = realloc(st->cslots, ns * sizeof *c);
		if (!c)
			return DURE_ENOMEM;
		st->cslots = c;
		st->cslots_cap = ns;
	}
	size_t ci = 0, si = 0;
	for (size_t i = 0; i < st->acct_cap; i++) {
		const acct *a = st->accts[i];
		if (!a)
			continue;
		size_t k = changed_slots(a, ns ? st->cslots + si : NULL);
		if (!acct_changed(a, k))
			continue;
		state_change *c = &st->changes[ci++];
		describe(a, c);
		c->slots = k ? st->cslots + si : NULL;
		c->nslots = k;
		si += k;
	}
	*changes = st->changes;
	*n = nc;
	return DURE_OK;
}

/* ---- state root ---- */

static int storage_root(const acct *a, h256 *out)
{
	trie *t;
	int err = trie_new(&t);
	if (err)
		return err;
	buf val = BUF_INIT;
	for (uint32_t i = 0; i < a->nslots && !err; i++) {
		const slot *s = &a->slots[i];
		if (u256_is_zero(&s->value))
			continue;
		uint8_t k[32], hk[32];
		u256_to_be(&s->key, k);
		keccak256(k, 32, hk);
		buf_reset(&val);
		rlp_put_u256(&val, &s->value);
		err = buf_failed(&val) ? DURE_ENOMEM
		                       : trie_put(t, hk, 32, val.data, val.len);
	}
	if (!err)
		err = trie_root(t, out);
	buf_free(&val);
	trie_free(t);
	return err;
}

int state_root(state *st, h256 *out)
{
	trie *t;
	int err = st->backed ? DURE_EINVAL
	                     : st->failed ? state_error(st) : trie_new(&t);
	if (err) {
		memset(out, 0, sizeof *out);
		return err;
	}
	buf val = BUF_INIT;
	for (size_t i = 0; i < st->acct_cap && !err; i++) {
		const acct *a = st->accts[i];
		if (!a || !(a->flags & F_EXISTS))
			continue;
		h256 sroot, hk;
		err = storage_root(a, &sroot);
		if (err)
			break;
		const h256 *ch = a->code_len ? &a->code_hash : &empty_code_hash;
		buf_reset(&val);
		size_t mark = rlp_list_begin(&val);
		rlp_put_u64(&val, a->nonce);
		rlp_put_u256(&val, &a->balance);
		rlp_put_bytes(&val, sroot.b, 32);
		rlp_put_bytes(&val, ch->b, 32);
		rlp_list_end(&val, mark);
		keccak256(a->addr.b, 20, hk.b);
		err = buf_failed(&val) ? DURE_ENOMEM
		                       : trie_put(t, hk.b, 32, val.data, val.len);
	}
	if (!err)
		err = trie_root(t, out);
	if (err)
		memset(out, 0, sizeof *out);
	buf_free(&val);
	trie_free(t);
	return err;
}
