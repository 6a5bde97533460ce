/* The chain side of `dure node` (node/netchain.h). */
#include "node/netchain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/bft.h"
#include "api/debug.h"
#include "api/eth_chain.h"
#include "api/eth_pool.h"
#include "api/eth_state.h"
#include "api/subscribe.h"
#include "base/clock.h"
#include "consensus/bft/driver.h"
#include "consensus/bft/wire.h"
#include "consensus/blockchain.h"
#include "consensus/chain_engine.h"
#include "consensus/miner.h"
#include "consensus/pool_env.h"
#include "consensus/pow.h"
#include "crypto/ecies.h"
#include "eth/handler.h"
#include "eth/proto.h"
#include "net/p2pproto.h"
#include "store/store.h"
#include "txpool/txpool.h"

/* The p2p server's handle of a peer and the place of a capability (eth/68
 * or bft/1) among its own: what the eth engine and the BFT driver call a
 * link. */
typedef struct link {
	p2p_peer *p;
	size_t cap;
	union {
		eth_peer *ep;
		bft_peer *bp;
	};
} link;

struct netchain {
	uv_loop_t *loop;
	netchain_opts o;
	store *s;
	chain_engines eng;
	blockchain *bc;
	txpool *pool;
	eth *eth;
	miner *mn;
	bft_driver *bft;
	p2p_proto protos[2];
	p2p_cap caps[2];
	size_t nprotos;
	uv_timer_t tick, flush;
	bool tick_on;
	api_ctx actx;
	api_eth_chain *ec;
	api_subs *subs;
	api_eth_state *es;
	api_debug *dbg;
};

/* ---- the one import ---- */

static void new_head(netchain *nc, const h256 *old_head)
{
	int err = blockchain_pool_sync(nc->bc, nc->pool, old_head);
	if (err)
		fprintf(stderr, "WARN  chain: pool update: %s\n", dure_strerror(err));
	store *s = nc->s;
	db_txn *t;
	if (db_begin_read(store_db(s), &t))
		return;
	h256 hash;
	block b = {0};
	u256 td;
	err = store_head(s, t, &hash);
	if (!err)
		err = store_block(s, t, &hash, &b);
	if (!err)
		err = store_td(s, t, &hash, &td);
	db_abort(t);
	if (err) {
		block_free(&b);
		return;
	}
	if (nc->o.verbosity >= 3)
		fprintf(stderr, "INFO  chain: head #%llu %02x%02x%02x%02x.. txs %zu "
		        "gas %llu\n", (unsigned long long)b.h.number, hash.b[0],
		        hash.b[1], hash.b[2], hash.b[3], b.ntxs,
		        (unsigned long long)b.h.gas_used);
	eth_new_head(nc->eth, &b, &hash, &td);
	if (nc->bft)
		bft_driver_on_head(nc->bft, &b, &hash);
	/* A route that cannot be worked out (memory ran out, or a branch
	 * longer than a route holds) is told as the head alone, as an
	 * extension of the chain would be. */
	chain_route r;
	bool routed = (nc->ec || nc->subs) &&
	              blockchain_route(nc->bc, old_head, &hash, &r) == DURE_OK;
	if (!routed)
		r = (chain_route){NULL, 0, &hash, 1};
	if (nc->ec)
		api_filters_on_head(nc->ec, r.removed, r.nremoved, r.added,
		                    r.nadded);
	if (nc->subs)
		api_subs_on_head(nc->subs, r.removed, r.nremoved, r.added, r.nadded);
	if (routed)
		blockchain_route_free(&r);
	if (nc->mn && (err = miner_restart(nc->mn)))
		fprintf(stderr, "WARN  miner: %s\n", dure_strerror(err));
	block_free(&b);
}

static int import(void *ctx, const block *b, import_result *res)
{
	netchain *nc = ctx;
	header h;
	h256 old;
	int err = blockchain_head(nc->bc, &h, &old);
	if (!err)
		err = blockchain_import(nc->bc, b, res);
	if (!err && !res->known && res->canonical)
		new_head(nc, &old);
	return err;
}

/* What eth/68 and its sync import with on a BFT chain: only committed
 * blocks become the head. */
static int import_gated(void *ctx, const block *b, import_result *res)
{
	netchain *nc = ctx;
	return bft_driver_import(nc->bft, b, res);
}

static void on_sealed(void *ctx, const block *b)
{
	netchain *nc = ctx;
	import_result r;
	int err = import(nc, b, &r);
	if (err)
		fprintf(stderr, "WARN  miner: sealed block #%llu does not import: "
		        "%s\n", (unsigned long long)b->h.number, dure_strerror(err));
	else if (nc->o.verbosity >= 3)
		fprintf(stderr, "INFO  miner: sealed block #%llu (%zu txs)\n",
		        (unsigned long long)b->h.number, b->ntxs);
}

static void on_flush(uv_timer_t *t)
{
	netchain *nc = t->data;
	eth_flush(nc->eth);
}

static void on_pending(void *ctx, const txpool_entry *e)
{
	netchain *nc = ctx;
	eth_tx_pending(nc->eth, e);
	/* Out on the loop's next turn, with whatever else this turn queues,
	 * not at the next tick. */
	if (nc->tick_on && !uv_is_active((uv_handle_t *)&nc->flush))
		uv_timer_start(&nc->flush, on_flush, 0, 0);
	if (nc->ec)
		api_filters_on_pending_tx(nc->ec, &e->hash);
	if (nc->subs)
		api_subs_on_pending_tx(nc->subs, &e->hash);
	if (nc->bft)
		bft_driver_tx_pending(nc->bft);
	/* A better transaction set: the miner rebuilds (rate-limited). */
	int err = nc->mn ? miner_restart(nc->mn) : DURE_OK;
	if (err)
		fprintf(stderr, "WARN  miner: %s\n", dure_strerror(err));
}

/* ---- the eth engine and the BFT driver on the p2p server ---- */

static int tr_send(void *ctx, void *lk, uint64_t code, const uint8_t *p,
                   size_t n)
{
	(void)ctx;
	link *l = lk;
	return p2p_peer_send(l->p, l->cap, code, p, n);
}

static void tr_drop(void *ctx, void *lk, bool ban, const char *why)
{
	(void)ctx;
	link *l = lk;
	p2p_peer_drop(l->p, ban ? P2P_DISC_PROTOCOL : P2P_DISC_SUBPROTOCOL, ban,
	              why);
}

static void *on_peer(void *ctx, p2p_peer *p, size_t cap)
{
	netchain *nc = ctx;
	link *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	*l = (link){.p = p, .cap = cap};
	char name[64];
	p2p_peer_name(p, name, sizeof name);
	l->ep = eth_peer_add(nc->eth, l, p2p_peer_id(p), name);
	if (!l->ep) {
		free(l);
		return NULL;
	}
	return l;
}

static void on_msg(void *ctx, void *st, uint64_t code, const uint8_t *d,
                   size_t n)
{
	netchain *nc = ctx;
	link *l = st;
	eth_peer_msg(nc->eth, l->ep, code, d, n);
}

static void on_gone(void *ctx, void *st)
{
	netchain *nc = ctx;
	link *l = st;
	eth_peer_remove(nc->eth, l->ep);
	free(l);
}

static void *bft_on_peer(void *ctx, p2p_peer *p, size_t cap)
{
	netchain *nc = ctx;
	link *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	*l = (link){.p = p, .cap = cap};
	char name[64];
	p2p_peer_name(p, name, sizeof name);
	l->bp = bft_driver_peer_add(nc->bft, l, name);
	if (!l->bp) {
		free(l);
		return NULL;
	}
	return l;
}

static void bft_on_msg(void *ctx, void *st, uint64_t code, const uint8_t *d,
                       size_t n)
{
	netchain *nc = ctx;
	link *l = st;
	bft_driver_peer_msg(nc->bft, l->bp, code, d, n);
}

static void bft_on_gone(void *ctx, void *st)
{
	netchain *nc = ctx;
	link *l = st;
	bft_driver_peer_remove(nc->bft, l->bp);
	free(l);
}

static void on_tick(uv_timer_t *t)
{
	netchain *nc = t->data;
	eth_tick(nc->eth);
}

/* ---- lifecycle ---- */

int netchain_open(uv_loop_t *loop, db *d, const netchain_opts *o,
                  netchain **out)
{
	*out = NULL;
	netchain *nc = calloc(1, sizeof *nc);
	if (!nc)
		return DURE_ENOMEM;
	nc->loop = loop;
	nc->o = *o;
	int err = store_open(d, &nc->s);
	if (!err) {
		db_txn *t;
		h256 g;
		err = db_begin_read(d, &t);
		if (!err) {
			err = store_genesis(nc->s, t, &g);
			db_abort(t);
		}
	}
	if (!err)
		err = chain_engine_open(nc->s, NULL, &nc->eng, &nc->bc);
	bool is_pow = nc->eng.pw != NULL;
	uint64_t chain_id = nc->bc ? blockchain_config(nc->bc)->chain_id : 0;
	if (!err && ((o->mine && !is_pow) || (o->bft_key && !nc->eng.bft)))
		err = DURE_EINVAL;
	uint64_t seed = 0;
	if (!err)
		err = crypto_random((uint8_t *)&seed, sizeof seed);
	txpool_config pc = {.hash_seed = seed};
	if (!err)
		err = txpool_new(&pc, &nc->pool);
	if (!err && nc->eng.bft) {
		bft_driver_config bc = {
			.key = o->bft_key,
			.wal_path = o->bft_wal,
			.block_time_ms = o->bft_block_time_ms,
			.wait_txs = o->bft_wait_txs,
			.verbosity = o->verbosity,
		};
		bft_transport btr = {.send = tr_send, .drop = tr_drop, .ctx = nc};
		bft_chain_ops bops = {.import = import, .ctx = nc};
		err = bft_driver_new(loop, nc->bc, nc->eng.bft, nc->pool, &bc, &btr,
		                     &bops, &nc->bft);
	}
	eth_config ec = {
		.network_id = o->network_id ? o->network_id : chain_id,
		.verbosity = o->verbosity,
		.seed = seed ^ 0x5bd1e995u,
	};
	eth_transport tr = {.send = tr_send, .drop = tr_drop, .ctx = nc};
	eth_chain_ops ops = {.import = nc->bft ? import_gated : import,
	                     .ctx = nc};
	if (!err)
		err = eth_new(nc->bc, nc->pool, &ec, &tr, &ops, &nc->eth);
	if (!err && o->mine) {
		miner_config mc = {.threads = o->miner_threads ? o->miner_threads : 1,
		                   .etherbase = o->etherbase};
		err = miner_new(loop, nc->bc, nc->pool, &mc, on_sealed, nc, &nc->mn);
	}
	if (err) {
		netchain_free(nc);
		return err;
	}
	txpool_set_listener(nc->pool, on_pending, nc);
	nc->protos[0] = (p2p_proto){
		.name = "eth",
		.version = ETH_VERSION,
		.on_peer = on_peer,
		.on_msg = on_msg,
		.on_gone = on_gone,
		.ctx = nc,
	};
	nc->caps[0] = (p2p_cap){.name = "eth", .version = ETH_VERSION,
	                        .msg_count = ETH_MSG_COUNT};
	nc->nprotos = 1;
	if (nc->bft) {
		nc->protos[1] = (p2p_proto){
			.name = BFT_WIRE_NAME,
			.version = BFT_WIRE_VERSION,
			.on_peer = bft_on_peer,
			.on_msg = bft_on_msg,
			.on_gone = bft_on_gone,
			.ctx = nc,
		};
		nc->caps[1] = (p2p_cap){.name = BFT_WIRE_NAME,
		                        .version = BFT_WIRE_VERSION,
		                        .msg_count = BFT_WIRE_MSG_COUNT};
		nc->nprotos = 2;
	}
	nc->actx = (api_ctx){
		.bc = nc->bc,
		.pool = nc->pool,
		.client_version = o->client_version,
		.accounts = o->accounts,
		.naccounts = o->naccounts,
		.eth = nc->eth,
	};
	*out = nc;
	return DURE_OK;
}

const p2p_cap *netchain_caps(const netchain *nc, size_t *n)
{
	*n = nc->nprotos;
	return nc->caps;
}

const p2p_proto *netchain_protos(const netchain *nc, size_t *n)
{
	*n = nc->nprotos;
	return nc->protos;
}

int netchain_register(netchain *nc, rpc_registry *reg)
{
	int err = api_eth_chain_new(&nc->actx, NULL, &nc->ec);
	if (!err)
		err = api_subs_new(&nc->actx, &nc->subs);
	if (!err) {
		api_eth_chain_set_pool_lookup(nc->ec, api_txpool_lookup, nc->pool);
		err = api_eth_chain_register(reg, nc->ec);
	}
	if (!err)
		err = api_subs_register(reg, nc->subs);
	if (!err)
		err = api_eth_state_register(reg, &nc->actx, API_ETH_GAS_CAP, &nc->es);
	if (!err)
		err = api_debug_register(reg, &nc->actx, API_ETH_GAS_CAP, &nc->dbg);
	if (!err)
		err = api_eth_pool_register(reg, &nc->actx);
	if (!err && nc->bft)
		err = api_bft_register(reg, nc->bft);
	return err;
}

int netchain_start(netchain *nc)
{
	uv_timer_init(nc->loop, &nc->tick);
	uv_timer_init(nc->loop, &nc->flush);
	nc->tick.data = nc->flush.data = nc;
	nc->tick_on = true;
	uv_timer_start(&nc->tick, on_tick, ETH_TICK_MS, ETH_TICK_MS);
	if (nc->bft)
		return bft_driver_start(nc->bft);
	return nc->mn ? miner_start(nc->mn) : DURE_OK;
}

static void on_closed(uv_handle_t *h) { (void)h; }

void netchain_stop(netchain *nc)
{
	if (nc->tick_on) {
		uv_close((uv_handle_t *)&nc->tick, on_closed);
		uv_close((uv_handle_t *)&nc->flush, on_closed);
		nc->tick_on = false;
	}
	bft_driver_stop(nc->bft);
	/* The miner joins its threads and closes its handle here, while the
	 * loop still runs to close it. */
	miner_free(nc->mn);
	nc->mn = NULL;
}

void netchain_free(netchain *nc)
{
	if (!nc)
		return;
	miner_free(nc->mn);
	eth_free(nc->eth);
	bft_driver_free(nc->bft);
	api_eth_chain_free(nc->ec);
	api_subs_free(nc->subs);
	api_eth_state_free(nc->es);
	api_debug_free(nc->dbg);
	txpool_free(nc->pool);
	blockchain_free(nc->bc);
	chain_engines_free(&nc->eng);
	store_free(nc->s);
	free(nc);
}
