/* Fuzzes the transaction pool with a small pool (8 slots, 4 per sender) so
 * that replacement, eviction and the sender limit all happen. The input is
 * a list of operations:
 *   0 len bytes...                      raw bytes into txpool_add_raw
 *   1 key type nonce tip cap gas flip   a tx signed with key 1..3, one byte
 *                                       of its encoding flipped unless flip
 *                                       is 0, into txpool_add_raw
 *   2 index                             txpool_remove of a pooled tx
 *   3 key nonce balance                 the head moves: the account changes,
 *                                       the last signed tx comes back as
 *                                       dropped
 * After each one the pool's invariants must hold: the counts match the
 * walks; every entry is found by its hash, which is keccak256 of its bytes;
 * each sender's nonces increase, the pending ones run without a gap from
 * the account's nonce and the queued ones do not continue that run; the
 * limits hold; and the block iterator yields each pending tx at most once,
 * each sender's in nonce order. */
#include <stdlib.h>
#include <string.h>

#include "chain/tx.h"
#include "crypto/keccak.h"
#include "crypto/secp.h"
#include "fuzz.h"
#include "txpool/txpool.h"

#define GLOBAL 8
#define PER_SENDER 4
#define MAX_OPS 48

typedef struct fake {
	address addr[4];
	uint64_t nonce[4];
	u256 balance[4];
	uint8_t key[4][32];
} fake;

static fake F;

static int account(void *ctx, const address *a, uint64_t *nonce, u256 *balance,
                   bool *has_code)
{
	*nonce = 0;
	*balance = U256_ZERO;
	*has_code = false;
	for (int i = 1; i <= 3; i++)
		if (address_eq(a, &F.addr[i])) {
			*nonce = F.nonce[i];
			*balance = F.balance[i];
		}
	return DURE_OK;
}

typedef struct seen {
	const txpool *p;
	bool pending;           /* which walk */
	size_t n;
	address last_sender;
	uint64_t last_nonce;    /* of the sender's previous entry */
	bool have_last;
	h256 hashes[GLOBAL];
	size_t nh;
} seen;

static uint64_t account_nonce(const address *a)
{
	uint64_t n;
	u256 b;
	bool c;
	if (account(NULL, a, &n, &b, &c) != DURE_OK)
		abort();
	return n;
}

static int visit(void *ctx, const txpool_entry *e)
{
	seen *s = ctx;
	s->n++;
	if (txpool_get(s->p, &e->hash) != e || e->pending != s->pending)
		abort();
	h256 h;
	keccak256(e->raw, e->raw_len, h.b);
	if (!h256_eq(&h, &e->hash))
		abort();
	bool same = s->have_last && address_eq(&s->last_sender, &e->sender);
	if (same && e->tx.nonce <= s->last_nonce)
		abort();
	if (s->have_last && !same &&
	    memcmp(s->last_sender.b, e->sender.b, 20) > 0)
		abort();
	uint64_t acct = account_nonce(&e->sender);
	if (s->pending) {
		uint64_t want = same ? s->last_nonce + 1 : acct;
		if (e->tx.nonce != want)
			abort();
	} else {
		txpool_env env = {0};
		env.account = account;
		uint64_t next;
		if (txpool_next_nonce(s->p, &env, &e->sender, &next) != DURE_OK ||
		    e->tx.nonce <= next || e->tx.nonce < acct)
			abort();
	}
	s->last_sender = e->sender;
	s->last_nonce = e->tx.nonce;
	s->have_last = true;
	if (s->nh < GLOBAL)
		s->hashes[s->nh++] = e->hash;
	return 0;
}

static void check(const txpool *p, const u256 *base_fee, seen *all)
{
	seen pend = {.p = p, .pending = true};
	seen queued = {.p = p, .pending = false};
	if (txpool_foreach_pending(p, visit, &pend) != DURE_OK ||
	    txpool_foreach_queued(p, visit, &queued) != DURE_OK)
		abort();
	if (pend.n != txpool_pending_count(p) || queued.n != txpool_queued_count(p) ||
	    pend.n + queued.n > GLOBAL)
		abort();
	*all = pend;
	for (size_t i = 0; i < queued.nh && all->nh < GLOBAL; i++)
		all->hashes[all->nh++] = queued.hashes[i];
	for (int k = 1; k <= 3; k++) {
		size_t mine = 0;
		for (size_t i = 0; i < all->nh; i++)
			mine += address_eq(&txpool_get(p, &all->hashes[i])->sender, &F.addr[k]);
		if (mine > PER_SENDER)
			abort();
	}

	txpool_iter *it;
	u256 blob = U256_ZERO;
	if (txpool_iter_new(p, base_fee, &blob, &it) != DURE_OK)
		abort();
	const txpool_entry *got[GLOBAL + 1];
	size_t n = 0;
	const txpool_entry *e;
	while ((e = txpool_iter_next(it))) {
		if (n == GLOBAL || !e->pending)
			abort();
		for (size_t i = 0; i < n; i++)
			if (got[i] == e || (address_eq(&got[i]->sender, &e->sender) &&
			                    got[i]->tx.nonce >= e->tx.nonce))
				abort();
		got[n++] = e;
	}
	txpool_iter_free(it);
}

static void init(void)
{
	static bool done;
	if (done)
		return;
	for (int i = 1; i <= 3; i++) {
		F.key[i][31] = (uint8_t)i;
		uint8_t pub[64];
		if (secp_pubkey_create(F.key[i], pub) != DURE_OK)
			abort();
		secp_pubkey_address(pub, &F.addr[i]);
	}
	done = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	init();
	for (int i = 1; i <= 3; i++) {
		F.nonce[i] = 0;
		F.balance[i] = u256_from_u64(1000000000000000ULL);
	}
	txpool_config cfg = {0};
	cfg.account_slots = PER_SENDER;
	cfg.global_slots = GLOBAL;
	cfg.max_nonce_gap = 6;
	cfg.hash_seed = 1;
	txpool *p;
	if (txpool_new(&cfg, &p) != DURE_OK)
		abort();
	txpool_env env = {0};
	env.rev = FORK_CANCUN;
	env.chain_id = 1;
	env.base_fee = u256_from_u64(7);
	env.gas_limit = 100000;
	env.account = account;
	tx last;
	memset(&last, 0, sizeof last);
	address last_sender = {{0}};
	bool have_last = false;
	seen all;
	memset(&all, 0, sizeof all);

	size_t i = 0;
	for (int ops = 0; ops < MAX_OPS && i < size; ops++) {
		uint8_t op = data[i++] % 4;
		txpool_result r;
		if (op == 0 && i < size) {
			size_t len = data[i++];
			if (len > size - i)
				len = size - i;
			if (txpool_add_raw(p, &env, data + i, len, &r) == DURE_OK &&
			    !txpool_get(p, &r.hash))
				abort();
			i += len;
		} else if (op == 1 && size - i >= 7) {
			const uint8_t *a = data + i;
			i += 7;
			int key = 1 + a[0] % 3;
			tx t;
			memset(&t, 0, sizeof t);
			t.type = a[1] % 4;
			t.has_chain_id = true;
			t.chain_id = 1;
			t.nonce = a[2] % 12;
			t.max_priority_fee = u256_from_u64(a[3] % 16);
			t.max_fee = u256_from_u64(a[4] % 32);
			t.gas_price = t.max_fee;
			t.gas_limit = 21000 + (uint64_t)a[5] * 400;
			t.has_to = true;
			memset(t.to.b, 0x44, 20);
			/* t owns nothing: no data or access list, and the blob hash
			 * is this one on the stack. */
			h256 blob = {{0x01}};
			if (t.type == TX_BLOB) {
				t.blob_hashes = &blob;
				t.blob_hashes_len = 1;
			}
			buf b = BUF_INIT;
			if (tx_sign(&t, F.key[key]) != DURE_OK || tx_encode(&t, &b) != DURE_OK)
				abort();
			if (a[6] && b.len)
				b.data[a[6] % b.len] ^= a[6];
			int err = txpool_add_raw(p, &env, b.data, b.len, &r);
			if (err == DURE_OK && !txpool_get(p, &r.hash))
				abort();
			if (t.type != TX_BLOB && !a[6]) {
				tx_free(&last);
				last = t;
				last_sender = F.addr[key];
				have_last = true;
			}
			buf_free(&b);
		} else if (op == 2 && i < size) {
			uint8_t k = data[i++];
			if (all.nh) {
				h256 h = all.hashes[k % all.nh];
				if (txpool_remove(p, &h) != DURE_OK || txpool_get(p, &h))
					abort();
			}
		} else if (op == 3 && size - i >= 3) {
			int key = 1 + data[i] % 3;
			F.nonce[key] = data[i + 1] % 8;
			F.balance[key] = u256_from_u64((uint64_t)data[i + 2] * 10000000000ULL);
			i += 3;
			const tx *dropped[1] = {&last};
			if (txpool_on_head(p, &env, dropped, &last_sender, have_last) != DURE_OK)
				abort();
		}
		check(p, &env.base_fee, &all);
	}
	tx_free(&last);
	txpool_free(p);
	return 0;
}
