/* The BFT driver's import gate and commit handling (driver.h, "Import"),
 * on real chains: a producer P with the four Hardhat validators (keys
 * and addresses from Hardhat's published default accounts) builds blocks
 * 1..4, block k + 1 carrying the commit of block k by three of them; a
 * follower F on the same genesis takes them through a driver. A block
 * without a commit is held, never the head; its child's extra data or a
 * peer's verified Commit makes it the head, whose commit is then sent to
 * every peer and stored as the tip; a block at a committed height
 * and one with no known parent are refused; a peer whose Commit is
 * signed by two of four (not more than two thirds), does not decode, or
 * whose message id is unknown is dropped with a ban. */
/* nftw (bft_chain.h) is X/Open. */
#define _XOPEN_SOURCE 700
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "bft_chain.h"
#include "consensus/bft/driver.h"
#include "consensus/bft/wire.h"
#include "consensus/builder.h"
#include "test.h"

static uint64_t head_of(node *n, h256 *hash)
{
	header h;
	if (blockchain_head(n->bc, &h, hash))
		abort();
	return h.number;
}

/* ---- the follower's driver and what it sends ---- */

typedef struct tlink {
	int id;
	bft_peer *p;
} tlink;

typedef struct sent {
	int to;
	uint64_t code;
	uint8_t m[512];
	size_t n;
} sent;

typedef struct harness {
	node *f;
	bft_driver *d;
	sent sends[64];
	size_t nsends;
	int dropped[8];
	bool banned[8];
	size_t ndrops;
} harness;

static int t_send(void *ctx, void *lk, uint64_t code, const uint8_t *p,
                  size_t n)
{
	harness *h = ctx;
	if (h->nsends == 64 || n > sizeof h->sends[0].m)
		abort();
	sent *s = &h->sends[h->nsends++];
	s->to = ((tlink *)lk)->id;
	s->code = code;
	memcpy(s->m, p, n);
	s->n = n;
	return 0;
}

/* As the node does: the peer is removed before drop returns. */
static void t_drop(void *ctx, void *lk, bool ban, const char *why)
{
	harness *h = ctx;
	tlink *l = lk;
	(void)why;
	if (h->ndrops == 8)
		abort();
	h->dropped[h->ndrops] = l->id;
	h->banned[h->ndrops++] = ban;
	bft_driver_peer_remove(h->d, l->p);
	l->p = NULL;
}

/* The node's import (src/node/netchain.c): a new head goes to the
 * driver. */
static int t_import(void *ctx, const block *b, import_result *res)
{
	harness *h = ctx;
	int err = blockchain_import(h->f->bc, b, res);
	if (!err && !res->known && res->canonical)
		bft_driver_on_head(h->d, b, &res->hash);
	return err;
}

static bool driver_open(harness *h, uv_loop_t *loop, txpool *pool)
{
	bft_driver_config cfg = {0};
	bft_transport tr = {.send = t_send, .drop = t_drop, .ctx = h};
	bft_chain_ops ops = {.import = t_import, .ctx = h};
	return bft_driver_new(loop, h->f->bc, h->f->eng.bft, pool, &cfg, &tr,
	                      &ops, &h->d) == DURE_OK;
}

static void connect_peer(harness *h, tlink *l, int id)
{
	l->id = id;
	l->p = bft_driver_peer_add(h->d, l, "peer");
	CHECK(l->p != NULL);
}

/* How many Commits of (height, hash) went to peer `to`. */
static int commits_to(const harness *h, int to, uint64_t height,
                      const h256 *hash)
{
	int k = 0;
	for (size_t i = 0; i < h->nsends; i++) {
		bft_commit c;
		const sent *s = &h->sends[i];
		if (s->to == to && s->code == BFT_WIRE_COMMIT &&
		    !bft_wire_commit_decode(s->m, s->n, &c) &&
		    c.height == height && h256_eq(&c.hash, hash))
			k++;
	}
	return k;
}

static void peer_commit(harness *h, tlink *l, const bft_commit *c)
{
	buf e;
	buf_init(&e);
	if (bft_wire_commit_encode(c, &e))
		abort();
	bft_driver_peer_msg(h->d, l->p, BFT_WIRE_COMMIT, e.data, e.len);
	buf_free(&e);
}

static void test_driver(void)
{
	node p, f;
	CHECK(node_open(&p));
	CHECK(node_open(&f));
	h256 g;
	CHECK_EQ_INT(head_of(&f, &g), 0);

	/* P: blocks 1..4, each after the first with its parent's commit by
	 * keys 2, 1, 3 (set 0, 1, 2). */
	static const int three[3] = {2, 1, 3}, two[2] = {2, 1};
	block b[5];
	memset(b, 0, sizeof b);
	h256 h[5];
	bft_commit ck;
	buf enc;
	buf_init(&enc);
	for (int k = 1; k <= 4; k++) {
		build_opts o = {.coinbase = addrs[k % 4], .extra = enc.data,
		                .extra_len = enc.len};
		import_result r;
		CHECK_EQ_INT(blockchain_build(p.bc, &o, NULL, 0, &b[k], NULL),
		             DURE_OK);
		CHECK_EQ_INT(blockchain_import(p.bc, &b[k], &r), DURE_OK);
		CHECK(r.canonical);
		h[k] = r.hash;
		bft_signed_commit((uint64_t)k, &h[k], 0, BFT_STEP_PRECOMMIT,
		                  three, NULL, 3, &ck);
		buf_reset(&enc);
		bft_commit_encode(&ck, &enc);
		CHECK(!buf_failed(&enc));
	}
	buf_free(&enc);

	uv_loop_t loop;
	CHECK_EQ_INT(uv_loop_init(&loop), 0);
	txpool *pool;
	CHECK_EQ_INT(txpool_new(NULL, &pool), DURE_OK);
	static harness hs;
	hs.f = &f;
	CHECK(driver_open(&hs, &loop, pool));
	bft_driver_status st;
	bft_driver_status_get(hs.d, &st);
	CHECK(!st.has_commit && !st.validator);

	/* 1. Block 1, well formed but without a commit: held. */
	import_result r;
	h256 hh;
	CHECK_EQ_INT(bft_driver_import(hs.d, &b[1], &r), DURE_OK);
	CHECK(!r.canonical && !r.known);
	CHECK(h256_eq(&r.hash, &h[1]));
	CHECK_EQ_INT(head_of(&f, &hh), 0);
	CHECK(h256_eq(&hh, &g));

	/* 2. Block 2 carries block 1's commit: block 1 is the head, block 2
	 * is held. */
	CHECK_EQ_INT(bft_driver_import(hs.d, &b[2], &r), DURE_OK);
	CHECK(!r.canonical);
	CHECK_EQ_INT(head_of(&f, &hh), 1);
	CHECK(h256_eq(&hh, &h[1]));
	bft_driver_status_get(hs.d, &st);
	CHECK(st.has_commit && st.commit.height == 1 &&
	      h256_eq(&st.commit.hash, &h[1]) && st.commit.n == 3);

	/* 3. Peers connect and are told the head's commit; a's Commit of
	 * block 2 (the one in block 3's extra) makes block 2 the head, whose
	 * commit goes to b but not back to a. */
	tlink la, lb;
	connect_peer(&hs, &la, 1);
	connect_peer(&hs, &lb, 2);
	CHECK_EQ_INT(hs.sends[0].code, BFT_WIRE_STATUS);
	CHECK_EQ_INT(commits_to(&hs, 1, 1, &h[1]), 1);
	CHECK_EQ_INT(commits_to(&hs, 2, 1, &h[1]), 1);
	bft_commit c2;
	CHECK_EQ_INT(bft_commit_decode(b[3].h.extra, b[3].h.extra_len, 2, &h[2],
	                               &c2),
	             DURE_OK);
	peer_commit(&hs, &la, &c2);
	CHECK_EQ_INT(hs.ndrops, 0);
	CHECK_EQ_INT(head_of(&f, &hh), 2);
	CHECK(h256_eq(&hh, &h[2]));
	/* The new head's commit goes to every peer, the one it came from
	 * too (our own message, like our votes). */
	CHECK_EQ_INT(commits_to(&hs, 2, 2, &h[2]), 1);
	CHECK_EQ_INT(commits_to(&hs, 1, 2, &h[2]), 1);
	bft_driver_status_get(hs.d, &st);
	CHECK_EQ_INT(st.peers, 2);

	/* The tip commit is in the store: a new driver reads it. */
	bft_driver_stop(hs.d);
	bft_driver_free(hs.d);
	hs.d = NULL;
	CHECK(driver_open(&hs, &loop, pool));
	bft_driver_status_get(hs.d, &st);
	CHECK(st.has_commit && st.commit.height == 2 &&
	      h256_eq(&st.commit.hash, &h[2]) && st.commit.n == 3);
	CHECK_EQ_INT(st.peers, 0);

	/* 4. Another block 2 (another timestamp, so another hash): its
	 * height is committed already. */
	block alt = b[2];
	alt.h.timestamp++;
	h256 ah;
	bool known = true;
	CHECK_EQ_INT(header_hash(&alt.h, &ah), DURE_OK);
	CHECK(!h256_eq(&ah, &h[2]));
	CHECK_EQ_INT(bft_driver_import(hs.d, &alt, &r), DURE_EBFT_COMMIT);
	CHECK_EQ_INT(head_of(&f, &hh), 2);
	CHECK(h256_eq(&hh, &h[2]));
	CHECK_EQ_INT(blockchain_known(f.bc, &ah, &known), DURE_OK);
	CHECK(!known);

	/* 5. Block 4 while block 3 is neither the head nor held. */
	CHECK_EQ_INT(bft_driver_import(hs.d, &b[4], &r),
	             DURE_EBLOCK_UNKNOWN_PARENT);
	CHECK_EQ_INT(head_of(&f, &hh), 2);

	/* 7, first half. Block 3 without its commit: held. */
	CHECK_EQ_INT(bft_driver_import(hs.d, &b[3], &r), DURE_OK);
	CHECK(!r.canonical);
	CHECK_EQ_INT(head_of(&f, &hh), 2);

	/* 6. A commit of block 3 by two of four does not import it and gets
	 * its sender banned; so do bytes that are no Commit and an unknown
	 * message id. */
	tlink lc, ld, le, lf;
	connect_peer(&hs, &lc, 3);
	connect_peer(&hs, &ld, 4);
	connect_peer(&hs, &le, 5);
	connect_peer(&hs, &lf, 6);
	bft_commit weak;
	bft_signed_commit(3, &h[3], 0, BFT_STEP_PRECOMMIT, two, NULL, 2, &weak);
	peer_commit(&hs, &ld, &weak);
	CHECK_EQ_INT(head_of(&f, &hh), 2);
	static const uint8_t junk[3] = {0xc2, 0x01, 0x02};
	bft_driver_peer_msg(hs.d, le.p, BFT_WIRE_COMMIT, junk, sizeof junk);
	bft_driver_peer_msg(hs.d, lf.p, 0x04, NULL, 0);
	CHECK_EQ_INT(head_of(&f, &hh), 2);
	CHECK_EQ_INT(hs.ndrops, 3);
	CHECK(hs.dropped[0] == 4 && hs.banned[0]);
	CHECK(hs.dropped[1] == 5 && hs.banned[1]);
	CHECK(hs.dropped[2] == 6 && hs.banned[2]);
	bft_driver_status_get(hs.d, &st);
	CHECK_EQ_INT(st.peers, 1);
	CHECK(st.commit.height == 2);

	/* 7, second half. Block 4 proves block 3, which becomes the head
	 * with that commit, told to the peer; block 4 is held. */
	CHECK_EQ_INT(bft_driver_import(hs.d, &b[4], &r), DURE_OK);
	CHECK(!r.canonical);
	CHECK(h256_eq(&r.hash, &h[4]));
	CHECK_EQ_INT(head_of(&f, &hh), 3);
	CHECK(h256_eq(&hh, &h[3]));
	bft_driver_status_get(hs.d, &st);
	CHECK(st.has_commit && st.commit.height == 3 &&
	      h256_eq(&st.commit.hash, &h[3]) && st.commit.n == 3);
	CHECK_EQ_INT(commits_to(&hs, 3, 3, &h[3]), 1);

	bft_driver_stop(hs.d);
	bft_driver_free(hs.d);
	/* Never started: the driver left no handles on the loop. */
	CHECK_EQ_INT(uv_loop_close(&loop), 0);
	txpool_free(pool);
	for (int k = 1; k <= 4; k++)
		block_free(&b[k]);
	node_close(&f);
	node_close(&p);
}

static void test_all(void)
{
	bft_keys_setup();
	test_driver();
}

TEST_MAIN(test_all)
