/* bft_byzantine: a BFT validator that equivocates, for network tests
 * (tests/net/bft_byzantine.mjs) against honest `dure` nodes.
 *
 *   bft_byzantine --datadir DIR --key KEYFILE --port P
 *                 --bootnodes ENODE[,..] [--verbosity N]
 *
 * DIR holds a chain `dure init` wrote (the network's genesis) and the
 * harness's node key (<DIR>/nodekey, created when absent); KEYFILE holds
 * a validator's secret key (64 hex). It speaks bft/1 only (no eth/68), on
 * 127.0.0.1 port P (TCP and UDP), finds peers through the bootnodes and
 * prints its enode URL on stdout once listening.
 *
 * Following the chain. Blocks of the proposals it sees (and its own) are
 * kept; a verified commit of a kept block whose parent is the head
 * imports it, and the commit becomes the head's (the extra data of its
 * own blocks). A kept block's extra data commits its parent too, which
 * covers a Commit message that never came.
 *
 * Misbehaviour, at height h = head + 1, with no WAL so that nothing stops
 * it from signing twice:
 *  - for every round r of h it sees a message of (and the round after
 *    it, so that its proposal is there when the others get to r + 1;
 *    round 0 once the others have had the time to start h), when it is
 *    the proposer of (h, r): two different empty blocks A and B
 *    (timestamps one second apart), a proposal for each; A goes to every
 *    other peer (even places in its list), B to the rest;
 *  - for every proposal of h it sees (round r, hash X): a prevote and a
 *    precommit for X to the even peers, a prevote and a precommit for nil
 *    to the odd ones.
 * Its peers relay what they take, so each of them ends up holding both
 * messages of a pair: evidence. Everything it signs is logged to stderr.
 *
 * Not for production: it exists to misbehave. */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "consensus/bft/rules.h"
#include "consensus/bft/valset.h"
#include "consensus/bft/vote.h"
#include "consensus/bft/wire.h"
#include "consensus/blockchain.h"
#include "consensus/builder.h"
#include "consensus/chain_engine.h"
#include "crypto/secp.h"
#include "db/db.h"
#include "net/enode.h"
#include "net/kad.h"
#include "net/server.h"
#include "store/store.h"

/* Blocks kept from proposals: a few rounds of the next two heights. */
#define KEPT_MAX 32
/* Rounds of a height it acts in, and proposals of a height it votes on;
 * later ones are ignored (a test network moves on long before). */
#define ROUNDS_MAX 64
#define VOTED_MAX 64
/* From its import of the head to its proposal of round 0: the honest
 * nodes start the next height a block time (1 s) after they decided, and
 * a proposal they get before is buffered as one of the next height,
 * where a second one counts for nothing, not as evidence. Their propose
 * timeout (3 s) is still running when it arrives. */
#define PROPOSE_DELAY_MS 1500

typedef struct kept {
	bool used;
	h256 hash;
	block b;
} kept;

typedef struct voted {
	uint32_t round;
	h256 hash;
} voted;

typedef struct byz byz;

typedef struct byz_peer {
	p2p_peer *p;
	size_t cap;
	char name[64];
	struct byz_peer *next;
} byz_peer;

struct byz {
	uv_loop_t *loop;
	int verbosity;
	uint8_t key[32];
	address self;
	uint64_t chain_id;

	db *d;
	store *s;
	chain_engines eng;
	blockchain *bc;
	bft_rules *rules;

	header head;
	h256 head_hash;
	bool has_tip;
	bft_commit tip;          /* the head's commit */
	kept kept[KEPT_MAX];
	bool has_next;
	bft_commit next;         /* a verified commit of height head + 1 */

	/* Height head + 1. */
	bool ready;              /* PROPOSE_DELAY_MS since the head passed */
	bool seen[ROUNDS_MAX];
	bool acted[ROUNDS_MAX];
	voted voted[VOTED_MAX];
	size_t nvoted;

	p2p_server *p2p;
	byz_peer *peers;         /* in arrival order: the halves stay put */
	uv_timer_t timer;
	uv_signal_t sigint, sigterm;
};

static void logf_(const byz *z, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void logf_(const byz *z, int level, const char *fmt, ...)
{
	if (z->verbosity < level)
		return;
	static const char *const tags[] = {"", "ERROR", "WARN ", "INFO ",
	                                   "DEBUG"};
	fprintf(stderr, "%s byz: ", tags[level < 5 ? level : 4]);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The first bytes of a hash, for logs. */
static const char *short_hash(const h256 *h, char out[12])
{
	snprintf(out, 12, "%02x%02x%02x%02x..", h->b[0], h->b[1], h->b[2],
	         h->b[3]);
	return out;
}

/* ---- peers ---- */

/* Sends to the peers of one half: 0 the even places, 1 the odd. */
static void send_half(byz *z, unsigned half, uint64_t code, const buf *m)
{
	unsigned i = 0;
	for (byz_peer *p = z->peers; p; p = p->next, i++) {
		if (i % 2 != half)
			continue;
		int err = p2p_peer_send(p->p, p->cap, code, m->data, m->len);
		if (err)
			logf_(z, 4, "send to %s: %s", p->name,
			      dure_strerror(err));
	}
}

/* ---- blocks and commits ---- */

static kept *kept_find(byz *z, const h256 *hash)
{
	for (size_t i = 0; i < KEPT_MAX; i++)
		if (z->kept[i].used && h256_eq(&z->kept[i].hash, hash))
			return &z->kept[i];
	return NULL;
}

/* Takes b (owned) unless it is kept already; the lowest block gives way
 * when all places are taken. */
static void kept_put(byz *z, const h256 *hash, block *b)
{
	if (kept_find(z, hash)) {
		block_free(b);
		return;
	}
	kept *slot = NULL;
	for (size_t i = 0; i < KEPT_MAX && !slot; i++)
		if (!z->kept[i].used)
			slot = &z->kept[i];
	for (size_t i = 0; i < KEPT_MAX && !slot; i++)
		if (!slot || z->kept[i].b.h.number < slot->b.h.number)
			slot = &z->kept[i];
	if (slot->used)
		block_free(&slot->b);
	slot->used = true;
	slot->hash = *hash;
	slot->b = *b;
	memset(b, 0, sizeof *b);
}

static void prune(byz *z)
{
	for (size_t i = 0; i < KEPT_MAX; i++) {
		kept *k = &z->kept[i];
		if (k->used && k->b.h.number <= z->head.number) {
			block_free(&k->b);
			memset(k, 0, sizeof *k);
		}
	}
	z->has_next = false;
}

static void on_timer(uv_timer_t *t);

/* The head moved: a new height to misbehave in. */
static void new_height(byz *z)
{
	prune(z);
	z->ready = false;
	memset(z->seen, 0, sizeof z->seen);
	memset(z->acted, 0, sizeof z->acted);
	z->seen[0] = true;
	z->nvoted = 0;
	uv_timer_start(&z->timer, on_timer, PROPOSE_DELAY_MS, 0);
}

/* Imports the head's child when its commit and the block are here. */
static void advance(byz *z)
{
	const bft_commit *c = &z->next;
	kept *k = z->has_next ? kept_find(z, &c->hash) : NULL;
	if (!k || !h256_eq(&k->b.h.parent_hash, &z->head_hash))
		return;
	import_result r;
	int err = blockchain_import(z->bc, &k->b, &r);
	if (!err && !r.canonical) {
		logf_(z, 1, "committed block #%" PRIu64 " is not the head",
		      c->height);
		z->has_next = false;
		return;
	}
	if (!err) {
		z->tip = *c;
		z->has_tip = true;
		err = blockchain_head(z->bc, &z->head, &z->head_hash);
	}
	if (err) {
		logf_(z, 1, "committed block #%" PRIu64 " does not import: %s",
		      c->height, dure_strerror(err));
		z->has_next = false;
		return;
	}
	char hs[12];
	logf_(z, 3, "head #%" PRIu64 " %s", z->head.number,
	      short_hash(&z->head_hash, hs));
	new_height(z);
}

/* A commit decoded from a peer or a block's extra data. Only the head's
 * child's counts: the set of a later height may change with the blocks
 * before it (consensus/bft/rules.h), and without eth/68 those blocks come
 * only one at a time anyway. */
static void learn_commit(byz *z, const bft_commit *c)
{
	if (c->height != z->head.number + 1 || z->has_next)
		return;
	int err = bft_rules_check_commit(z->rules, &z->head_hash, c);
	if (err) {
		logf_(z, 2, "commit of #%" PRIu64 " refused: %s", c->height,
		      dure_strerror(err));
		return;
	}
	z->next = *c;
	z->has_next = true;
	advance(z);
}

/* ---- misbehaviour ---- */

static void sign_vote(byz *z, uint8_t step, uint64_t height, uint32_t round,
                      const h256 *hash, buf *out)
{
	bft_vote v = {.step = step, .height = height, .round = round,
	              .nil = hash == NULL};
	if (hash)
		v.hash = *hash;
	int err = bft_vote_sign(&v, z->chain_id, z->key);
	if (!err)
		err = bft_wire_vote_encode(&v, out);
	if (err)
		logf_(z, 1, "cannot sign a vote: %s", dure_strerror(err));
}

/* Prevote and precommit X to one half, nil to the other. */
static void vote_both(byz *z, const bft_proposal *p)
{
	for (size_t i = 0; i < z->nvoted; i++)
		if (z->voted[i].round == p->round &&
		    h256_eq(&z->voted[i].hash, &p->hash))
			return;
	if (z->nvoted == VOTED_MAX)
		return;
	z->voted[z->nvoted++] = (voted){.round = p->round, .hash = p->hash};
	static const uint8_t steps[] = {BFT_STEP_PREVOTE, BFT_STEP_PRECOMMIT};
	for (size_t i = 0; i < sizeof steps; i++) {
		buf x, nil;
		buf_init(&x);
		buf_init(&nil);
		sign_vote(z, steps[i], p->height, p->round, &p->hash, &x);
		sign_vote(z, steps[i], p->height, p->round, NULL, &nil);
		if (x.len && nil.len && !buf_failed(&x) && !buf_failed(&nil)) {
			send_half(z, 0, BFT_WIRE_VOTE, &x);
			send_half(z, 1, BFT_WIRE_VOTE, &nil);
			char hs[12];
			logf_(z, 3, "signed %s #%" PRIu64 " round %" PRIu32
			      " for %s and for nil",
			      steps[i] == BFT_STEP_PREVOTE ? "prevote"
			                                   : "precommit",
			      p->height, p->round, short_hash(&p->hash, hs));
		}
		buf_free(&x);
		buf_free(&nil);
	}
}

/* An empty child of the head at timestamp ts, as the proposer's block,
 * kept; its proposal for round `round` appended to out. */
static int build_proposal(byz *z, uint32_t round, uint64_t ts,
                          bft_proposal *p, buf *out)
{
	buf extra;
	buf_init(&extra);
	if (z->head.number > 0)
		bft_commit_encode(&z->tip, &extra);
	int err = buf_failed(&extra) ? DURE_ENOMEM : DURE_OK;
	build_opts bo = {
		.coinbase = z->self,
		.timestamp = ts,
		.extra = extra.data,
		.extra_len = extra.len,
	};
	block b;
	memset(&b, 0, sizeof b);
	if (!err)
		err = blockchain_build(z->bc, &bo, NULL, 0, &b, NULL);
	buf_free(&extra);
	*p = (bft_proposal){.height = z->head.number + 1, .round = round,
	                    .pol_round = -1};
	if (!err)
		err = header_hash(&b.h, &p->hash);
	if (!err)
		err = bft_proposal_sign(p, z->chain_id, z->key);
	if (!err)
		err = bft_wire_proposal_encode(p, &b, out);
	if (!err && buf_failed(out))
		err = DURE_ENOMEM;
	if (!err)
		kept_put(z, &p->hash, &b);
	block_free(&b);
	return err;
}

static void propose_twice(byz *z, uint32_t round)
{
	uint64_t h = z->head.number + 1;
	if (z->head.number > 0 && !z->has_tip) {
		logf_(z, 2, "#%" PRIu64 " round %" PRIu32 ": no commit of the "
		      "head to propose on", h, round);
		return;
	}
	uint64_t now = dure_unix_ms() / 1000;
	uint64_t ts = now > z->head.timestamp ? now : z->head.timestamp + 1;
	bft_proposal pa, pb;
	buf a, b;
	buf_init(&a);
	buf_init(&b);
	int err = build_proposal(z, round, ts, &pa, &a);
	if (!err)
		err = build_proposal(z, round, ts + 1, &pb, &b);
	if (err) {
		logf_(z, 1, "#%" PRIu64 " round %" PRIu32 ": cannot propose: "
		      "%s", h, round, dure_strerror(err));
	} else {
		send_half(z, 0, BFT_WIRE_PROPOSAL, &a);
		send_half(z, 1, BFT_WIRE_PROPOSAL, &b);
		char ha[12], hb[12];
		logf_(z, 3, "signed proposals #%" PRIu64 " round %" PRIu32
		      ": %s (ts %" PRIu64 ") and %s (ts %" PRIu64 ")", h, round,
		      short_hash(&pa.hash, ha), ts, short_hash(&pb.hash, hb),
		      ts + 1);
	}
	buf_free(&a);
	buf_free(&b);
}

/* Proposes in the rounds seen that it has not acted in, where it is the
 * proposer. */
static void act(byz *z)
{
	if (!z->ready)
		return;
	bft_valset set, pre;
	int err = bft_rules_sets(z->rules, &z->head_hash, z->head.number + 1,
	                         &set, &pre);
	if (err) {
		logf_(z, 1, "no validator set after the head: %s",
		      dure_strerror(err));
		return;
	}
	for (uint32_t r = 0; r < ROUNDS_MAX; r++) {
		if (!z->seen[r] || z->acted[r])
			continue;
		z->acted[r] = true;
		size_t pick = bft_valset_proposer(&pre, r);
		if (address_eq(&pre.v[pick].addr, &z->self))
			propose_twice(z, r);
	}
}

static void on_timer(uv_timer_t *t)
{
	byz *z = t->data;
	z->ready = true;
	act(z);
}

/* A validator's message of round r of the next height. */
static void see_round(byz *z, uint32_t r)
{
	for (uint32_t k = r; k <= r + 1 && k < ROUNDS_MAX; k++)
		z->seen[k] = true;
	act(z);
}

/* Height is one or two above the head. */
static bool signed_by_validator(byz *z, const address *a, uint64_t height)
{
	bft_valset set;
	return !bft_rules_sets(z->rules, &z->head_hash, height, &set, NULL) &&
	       bft_valset_index(&set, a) >= 0;
}

/* ---- bft/1 messages ---- */

static void msg_proposal(byz *z, byz_peer *from, const uint8_t *m, size_t n)
{
	bft_wire_proposal wp;
	int err = bft_wire_proposal_decode(m, n, &wp);
	if (err) {
		logf_(z, 2, "bad proposal from %s: %s", from->name,
		      dure_strerror(err));
		return;
	}
	const bft_proposal *p = &wp.prop;
	address a;
	if (p->height <= z->head.number || p->height > z->head.number + 2 ||
	    bft_proposal_signer(p, z->chain_id, &a) ||
	    !signed_by_validator(z, &a, p->height)) {
		block_free(&wp.blk);
		return;
	}
	/* The block's extra data commits its parent. */
	kept *parent = kept_find(z, &wp.blk.h.parent_hash);
	bft_commit c;
	if (parent && !bft_commit_decode(wp.blk.h.extra, wp.blk.h.extra_len,
	                                 parent->b.h.number, &parent->hash, &c))
		learn_commit(z, &c);
	kept_put(z, &p->hash, &wp.blk);
	advance(z);
	if (p->height != z->head.number + 1)
		return;
	vote_both(z, p);
	see_round(z, p->round);
}

static void msg_vote(byz *z, const uint8_t *m, size_t n)
{
	bft_vote v;
	address a;
	if (bft_wire_vote_decode(m, n, &v) || v.height != z->head.number + 1 ||
	    bft_vote_signer(&v, z->chain_id, &a) ||
	    !signed_by_validator(z, &a, v.height))
		return;
	see_round(z, v.round);
}

static void msg_commit(byz *z, const uint8_t *m, size_t n)
{
	bft_commit c;
	if (!bft_wire_commit_decode(m, n, &c))
		learn_commit(z, &c);
}

/* ---- the p2p server ---- */

static void *on_peer(void *ctx, p2p_peer *p, size_t cap)
{
	byz *z = ctx;
	byz_peer *bp = calloc(1, sizeof *bp);
	if (!bp)
		return NULL;
	*bp = (byz_peer){.p = p, .cap = cap};
	p2p_peer_name(p, bp->name, sizeof bp->name);
	byz_peer **tail = &z->peers;
	while (*tail)
		tail = &(*tail)->next;
	*tail = bp;
	logf_(z, 3, "peer %s", bp->name);
	bft_wire_status st = {.height = z->head.number + 1};
	buf e;
	buf_init(&e);
	if (!bft_wire_status_encode(&st, &e) && !buf_failed(&e) &&
	    p2p_peer_send(p, cap, BFT_WIRE_STATUS, e.data, e.len))
		logf_(z, 4, "status to %s not sent", bp->name);
	buf_free(&e);
	return bp;
}

static void on_msg(void *ctx, void *st, uint64_t code, const uint8_t *d,
                   size_t n)
{
	byz *z = ctx;
	byz_peer *bp = st;
	switch (code) {
	case BFT_WIRE_PROPOSAL:
		msg_proposal(z, bp, d, n);
		break;
	case BFT_WIRE_VOTE:
		msg_vote(z, d, n);
		break;
	case BFT_WIRE_COMMIT:
		msg_commit(z, d, n);
		break;
	default:
		/* Status: where the peer is does not change what it signs. */
		break;
	}
}

static void on_gone(void *ctx, void *st)
{
	byz *z = ctx;
	byz_peer *bp = st;
	for (byz_peer **pp = &z->peers; *pp; pp = &(*pp)->next)
		if (*pp == bp) {
			*pp = bp->next;
			break;
		}
	logf_(z, 3, "peer %s gone", bp->name);
	free(bp);
}

static void on_closed(uv_handle_t *h) { (void)h; }

static void on_signal(uv_signal_t *sig, int signum)
{
	(void)signum;
	byz *z = sig->data;
	p2p_server_stop(z->p2p);
	z->p2p = NULL;
	uv_close((uv_handle_t *)&z->timer, on_closed);
	uv_close((uv_handle_t *)&z->sigint, on_closed);
	uv_close((uv_handle_t *)&z->sigterm, on_closed);
}

/* ---- setup ---- */

static int open_chain(byz *z, const char *datadir)
{
	char path[4096];
	if (snprintf(path, sizeof path, "%s/db", datadir) >= (int)sizeof path)
		return DURE_EINVAL;
	db_options o = {.no_sync = true};
	int err = db_open(path, &o, &z->d);
	if (!err)
		err = store_open(z->d, &z->s);
	if (!err)
		err = chain_engine_open(z->s, NULL, &z->eng, &z->bc);
	if (!err && !(z->rules = z->eng.bft))
		err = DURE_EINVAL;
	if (!err)
		err = blockchain_head(z->bc, &z->head, &z->head_hash);
	if (err)
		return err;
	z->chain_id = blockchain_config(z->bc)->chain_id;
	/* Its own blocks carry the head's commit, which a restart does not
	 * know: the harness is meant to start from genesis. */
	if (z->head.number > 0)
		logf_(z, 2, "head #%" PRIu64 " without its commit: no "
		      "proposals until the next block", z->head.number);
	return DURE_OK;
}

static void close_chain(byz *z)
{
	for (size_t i = 0; i < KEPT_MAX; i++)
		block_free(&z->kept[i].b);
	blockchain_free(z->bc);
	chain_engines_free(&z->eng);
	store_free(z->s);
	db_close(z->d);
}

static int parse_bootnodes(const char *list, enode *out, size_t max,
                           size_t *n)
{
	*n = 0;
	const char *p = list;
	while (*p) {
		size_t len = strcspn(p, ",");
		char url[ENODE_URL_MAX + 64];
		if (len >= sizeof url || (len && *n == max))
			return DURE_ERANGE;
		memcpy(url, p, len);
		url[len] = 0;
		if (len) {
			int err = enode_parse(url, &out[*n]);
			if (err)
				return err;
			(*n)++;
		}
		p += len + (p[len] == ',');
	}
	return DURE_OK;
}

static const char usage[] =
	"usage: bft_byzantine --datadir DIR --key KEYFILE --port P\n"
	"                     --bootnodes ENODE[,..] [--verbosity N]\n";

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"datadir", required_argument, NULL, 'd'},
		{"key", required_argument, NULL, 'k'},
		{"port", required_argument, NULL, 'p'},
		{"bootnodes", required_argument, NULL, 'b'},
		{"verbosity", required_argument, NULL, 'v'},
		{0, 0, 0, 0},
	};
	const char *datadir = NULL, *keyfile = NULL, *boot = NULL;
	long port = -1, verbosity = 3;
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		char *end = NULL;
		switch (c) {
		case 'd': datadir = optarg; break;
		case 'k': keyfile = optarg; break;
		case 'b': boot = optarg; break;
		case 'p':
			port = strtol(optarg, &end, 10);
			if (*end || port < 1 || port > 65535)
				port = -1;
			break;
		case 'v':
			verbosity = strtol(optarg, &end, 10);
			if (*end || verbosity < 0 || verbosity > 10)
				verbosity = -1;
			break;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (!datadir || !keyfile || !boot || port < 0 || verbosity < 0 ||
	    optind < argc) {
		fputs(usage, stderr);
		return 2;
	}

	static byz z; /* large (kept blocks' headers): not on the stack */
	z.verbosity = (int)verbosity;
	uint8_t pub[64];
	int err = nodekey_load(keyfile, z.key);
	if (!err)
		err = secp_pubkey_create(z.key, pub);
	if (err) {
		fprintf(stderr, "bft_byzantine: --key %s: %s\n", keyfile,
		        dure_strerror(err));
		return 1;
	}
	secp_pubkey_address(pub, &z.self);
	p2p_server_config pc = {0};
	enode boots[KAD_MAX_BOOTNODES];
	err = parse_bootnodes(boot, boots, KAD_MAX_BOOTNODES, &pc.nbootnodes);
	if (err) {
		fprintf(stderr, "bft_byzantine: --bootnodes: %s\n",
		        dure_strerror(err));
		return 2;
	}
	if ((err = open_chain(&z, datadir)) != 0 ||
	    (err = nodekey_load_or_create(datadir, pc.seckey)) != 0) {
		fprintf(stderr, "bft_byzantine: %s: %s\n", datadir,
		        dure_strerror(err));
		close_chain(&z);
		return 1;
	}
	if (!signed_by_validator(&z, &z.self, z.head.number + 1)) {
		fprintf(stderr, "bft_byzantine: --key is not a validator's\n");
		close_chain(&z);
		return 1;
	}

	uv_loop_t loop;
	if (uv_loop_init(&loop)) {
		close_chain(&z);
		return 1;
	}
	z.loop = &loop;
	uv_timer_init(&loop, &z.timer);
	z.timer.data = &z;
	static const p2p_cap caps[] = {{.name = BFT_WIRE_NAME,
	                                .version = BFT_WIRE_VERSION,
	                                .msg_count = BFT_WIRE_MSG_COUNT}};
	p2p_proto proto = {
		.name = BFT_WIRE_NAME,
		.version = BFT_WIRE_VERSION,
		.on_peer = on_peer,
		.on_msg = on_msg,
		.on_gone = on_gone,
		.ctx = &z,
	};
	static const uint8_t lo[4] = {127, 0, 0, 1};
	memcpy(pc.bind.ip, lo, sizeof lo);
	pc.bind.ip_len = 4;
	pc.bind.tcp = pc.bind.udp = (uint16_t)port;
	pc.advertise = pc.bind;
	pc.rlpx = true;
	peer_config_default(&pc.peers);
	pc.caps = caps;
	pc.ncaps = 1;
	pc.protos = &proto;
	pc.nprotos = 1;
	pc.client_id = "Dure-byzantine/test";
	pc.bootnodes = boots;
	pc.verbosity = z.verbosity;
	err = p2p_server_start(&loop, &pc, &z.p2p);
	explicit_bzero(pc.seckey, sizeof pc.seckey);
	if (err) {
		fprintf(stderr, "bft_byzantine: p2p on port %ld: %s\n", port,
		        dure_strerror(err));
		uv_close((uv_handle_t *)&z.timer, on_closed);
	} else {
		char url[ENODE_URL_MAX];
		const enode *self = p2p_server_self(z.p2p);
		if (enode_format(self, url, sizeof url) == 0) {
			printf("%s\n", url);
			fflush(stdout);
		}
		logf_(&z, 3, "validator %02x%02x%02x%02x.. misbehaving from "
		      "height %" PRIu64, z.self.b[0], z.self.b[1], z.self.b[2],
		      z.self.b[3], z.head.number + 1);
		uv_signal_init(&loop, &z.sigint);
		uv_signal_init(&loop, &z.sigterm);
		z.sigint.data = z.sigterm.data = &z;
		uv_signal_start(&z.sigint, on_signal, SIGINT);
		uv_signal_start(&z.sigterm, on_signal, SIGTERM);
		new_height(&z);
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&loop))
		logf_(&z, 2, "handles left open at exit");
	close_chain(&z);
	explicit_bzero(z.key, sizeof z.key);
	return err ? 1 : 0;
}
