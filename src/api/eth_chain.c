/* Chain-reading eth_ methods and polling filters (see eth_chain.h). */
#include "api/eth_chain.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "api/ethjson.h"
#include "chain/transition.h"
#include "chain/validate.h"
#include "crypto/keccak.h"
#include "eth/handler.h"
#include "store/store.h"
#include "txpool/txpool.h"

/* EIP-1474 "limit exceeded", and the generic server error geth uses for
 * "filter not found", "unknown block" and kin. */
#define RPC_LIMIT_EXCEEDED (-32005)
#define RPC_SERVER_ERROR (-32000)

/* Where one item (an address or a topic) sets its three bits in a
 * 2048-bit logs bloom. */
typedef struct bloom_probe {
	uint8_t byte[3];
	uint8_t mask[3];
} bloom_probe;

typedef struct topic_set {
	h256 *v;                 /* owned; n 0: any topic (a wildcard) */
	bloom_probe *probes;     /* owned, one per v */
	size_t n;
} topic_set;

/* A decoded filter criteria object. */
typedef struct log_query {
	bool has_hash;
	h256 hash;
	bool has_from, has_to;
	api_block_id from, to;
	address *addrs;          /* owned; none: any address */
	bloom_probe *addr_probes;
	size_t naddrs;
	topic_set topics[4];
	size_t npos;             /* positions given, wildcards included */
} log_query;

enum filter_kind { FILTER_LOGS, FILTER_BLOCKS, FILTER_PENDING };

typedef struct filter {
	enum filter_kind kind;
	uint8_t id[16];
	uint64_t last_used;      /* clock ms */
	log_query q;             /* FILTER_LOGS */
	uint64_t next;           /* FILTER_LOGS: first block not yet reported */
	/* FILTER_BLOCKS, FILTER_PENDING: the hashes to report; FILTER_LOGS:
	 * the blocks whose logs are to be reported removed, oldest first. */
	h256 *queue;
	size_t nqueue, capqueue;
} filter;

struct api_eth_chain {
	api_ctx *ctx;
	const dure_clock *clock;
	api_pool_lookup_fn pool_fn;
	void *pool_arg;
	filter *filters[API_FILTERS_MAX];
	uint8_t id_key[32];      /* filter ids: keccak(id_key || counter) */
	uint64_t id_counter;
};

static store *S(const api_eth_chain *ec)
{
	return blockchain_store(ec->ctx->bc);
}

static void reply_code(rpc_call *call, int code, const char *msg)
{
	rpc_reply_error(call, code, msg, NULL);
}

/* Checks params and replies the error when they are malformed. */
static bool params_ok(rpc_call *call, const json_t *params, size_t nreq,
                      size_t nmax)
{
	api_err e;
	if (ethjson_params(params, nreq, nmax, &e) == 0)
		return true;
	api_reply_err(call, &e);
	return false;
}

/* Replies the decoder error e of argument i, returning false, when err is
 * set. */
static bool arg_ok(rpc_call *call, int err, api_err *e, unsigned i)
{
	if (!err)
		return true;
	if (err == DURE_ENOMEM) {
		api_reply_internal(call, err);
		return false;
	}
	api_err_arg(e, i);
	api_reply_err(call, e);
	return false;
}

static int begin(const api_eth_chain *ec, db_txn **t)
{
	return db_begin_read(store_db(S(ec)), t);
}

static int head_number(const api_eth_chain *ec, db_txn *t, uint64_t *num,
                       header *h)
{
	h256 hash;
	int err = store_head(S(ec), t, &hash);
	if (!err)
		err = store_header(S(ec), t, &hash, h);
	*num = err ? 0 : h->number;
	return err;
}

/* ---- web3_, net_, simple eth_ ---- */

static void m_client_version(rpc_call *call, json_t *params, void *arg)
{
	api_eth_chain *ec = arg;
	if (params_ok(call, params, 0, 0))
		api_reply_json(call, json_string(ec->ctx->client_version
		                                     ? ec->ctx->client_version : ""));
}

static void m_sha3(rpc_call *call, json_t *params, void *arg)
{
	(void)arg;
	if (!params_ok(call, params, 1, 1))
		return;
	api_err e;
	buf b = BUF_INIT;
	if (!arg_ok(call, ethjson_get_data(ethjson_param(params, 0),
	                                   ETHJSON_DATA_MAX, &b, &e), &e, 0)) {
		buf_free(&b);
		return;
	}
	h256 h;
	keccak256(b.data, b.len, h.b);
	buf_free(&b);
	api_reply_json(call, ethjson_hash(&h));
}

static void m_net_version(rpc_call *call, json_t *params, void *arg)
{
	api_eth_chain *ec = arg;
	if (!params_ok(call, params, 0, 0))
		return;
	char s[24];
	snprintf(s, sizeof s, "%" PRIu64, blockchain_config(ec->ctx->bc)->chain_id);
	api_reply_json(call, json_string(s));
}

static void m_chain_id(rpc_call *call, json_t *params, void *arg)
{
	api_eth_chain *ec = arg;
	if (params_ok(call, params, 0, 0))
		api_reply_json(call,
		               ethjson_u64(blockchain_config(ec->ctx->bc)->chain_id));
}

static void m_block_number(rpc_call *call, json_t *params, void *arg)
{
	api_eth_chain *ec = arg;
	if (!params_ok(call, params, 0, 0))
		return;
	db_txn *t;
	int err = begin(ec, &t);
	uint64_t n = 0;
	header h;
	if (!err)
		err = head_number(ec, t, &n, &h);
	db_abort(t);
	if (err)
		api_reply_internal(call, err);
	else
		api_reply_json(call, ethjson_u64(n));
}

/* geth's answer: false, or the sync's first, current and highest block. */
static void m_syncing(rpc_call *call, json_t *params, void *arg)
{
	api_eth_chain *ec = arg;
	if (!params_ok(call, params, 0, 0))
		return;
	eth_sync_info si = {0};
	if (ec->ctx->eth)
		eth_sync_status(ec->ctx->eth, &si);
	if (!si.syncing) {
		rpc_reply(call, json_false());
		return;
	}
	json_t *o = json_object();
	if (o && (json_object_set_new(o, "startingBlock", ethjson_u64(si.start)) ||
	          json_object_set_new(o, "currentBlock", ethjson_u64(si.current)) ||
	          json_object_set_new(o, "highestBlock", ethjson_u64(si.highest)))) {
		json_decref(o);
		o = NULL;
	}
	api_reply_json(call, o);
}

/* ---- fees ---- */

static fork next_fork(const api_eth_chain *ec, const header *head)
{
	return chain_config_fork(blockchain_config(ec->ctx->bc), head->number + 1,
	                         head->timestamp + 1);
}

/* What a mined transaction paid its block's producer per gas. */
static u256 effective_tip(const tx *t, const header *h)
{
	u256 price = ethjson_effective_gas_price(t, h->has_base_fee ? &h->base_fee
	                                                          : NULL);
	u256 tip;
	if (!h->has_base_fee)
		return price;
	if (u256_sub_underflow(&tip, &price, &h->base_fee))
		return u256_from_u64(0);
	return tip;
}

/* Anvil's lowest_suggestion_tip: the smallest tip paid in the head block,
 * at least API_MIN_PRIORITY_FEE. */
static int suggest_tip(const api_eth_chain *ec, db_txn *t, const header *head,
                       u256 *out)
{
	*out = u256_from_u64(API_MIN_PRIORITY_FEE);
	h256 hash;
	block b = {0};
	int err = store_head(S(ec), t, &hash);
	if (!err)
		err = store_block(S(ec), t, &hash, &b);
	if (err)
		return err;
	bool any = false;
	u256 min = u256_from_u64(0);
	for (size_t i = 0; i < b.ntxs; i++) {
		u256 tip = effective_tip(&b.txs[i], head);
		if (!any || u256_lt(&tip, &min))
			min = tip;
		any = true;
	}
	block_free(&b);
	if (any && u256_gt(&min, out))
		*out = min;
	return DURE_OK;
}

/* The base fee of the block after head: the one the node will give it
 * when head is the chain's head (a dev node's setNextBlockBaseFeePerGas),
 * else EIP-1559's. */
static int next_base_fee(const api_eth_chain *ec, const header *head,
                         bool *has, u256 *out)
{
	*has = next_fork(ec, head) >= FORK_LONDON;
	*out = u256_from_u64(0);
	if (!*has)
		return DURE_OK;
	const api_ctx *c = ec->ctx;
	header next;
	if (c->next_header && !c->next_header(c->next_header_ctx, &next) &&
	    next.number == head->number + 1 && next.has_base_fee) {
		*out = next.base_fee;
		return DURE_OK;
	}
	return header_base_fee(blockchain_config(c->bc), head, out);
}

static void m_max_priority_fee(rpc_call *call, json_t *params, void *arg)
{
	api_eth_chain *ec = arg;
	if (!params_ok(call, params, 0, 0))
		return;
	db_txn *t;
	header h;
	uint64_t n;
	u256 tip;
	int err = begin(ec, &t);
	if (!err && !(err = head_number(ec, t, &n, &h)))
		err = suggest_tip(ec, t, &h, &tip);
	db_abort(t);
	if (err)
		api_reply_internal(call, err);
	else
		api_reply_json(call, ethjson_u256(&tip));
}

static void m_gas_price(rpc_call *call, json_t *params, void *arg)
{
	api_eth_chain *ec = arg;
	if (!params_ok(call, params, 0, 0))
		return;
	db_txn *t;
	header h;
	uint64_t n;
	u256 tip, fee = u256_from_u64(0), price;
	bool has_fee = false;
	int err = begin(ec, &t);
	if (!err && !(err = head_number(ec, t, &n, &h)) &&
	    !(err = suggest_tip(ec, t, &h, &tip)))
		err = next_base_fee(ec, &h, &has_fee, &fee);
	db_abort(t);
	if (!err && u256_add_overflow(&price, &fee, &tip))
		err = DURE_ERANGE;
	if (err)
		api_reply_internal(call, err);
	else
		api_reply_json(call, ethjson_u256(&price));
}

static void m_blob_base_fee(rpc_call *call, json_t *params, void *arg)
{
	api_eth_chain *ec = arg;
	if (!params_ok(call, params, 0, 0))
		return;
	db_txn *t;
	header h;
	uint64_t n, excess = 0;
	int err = begin(ec, &t);
	if (!err && !(err = head_number(ec, t, &n, &h)))
		err = header_excess_blob_gas(&h, &excess);
	db_abort(t);
	if (err) {
		api_reply_internal(call, err);
		return;
	}
	u256 fee = blob_base_fee(excess);
	api_reply_json(call, ethjson_u256(&fee));
}

/* geth's math.HexOrDecimal64: a JSON integer, a decimal string or a "0x"
 * quantity. */
static int get_count(const json_t *v, uint64_t *out, api_err *e)
{
	*out = 0;
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (uint64_t)json_integer_value(v);
		return DURE_OK;
	}
	if (json_is_string(v) && json_string_length(v) > 0 &&
	    json_string_length(v) <= 19 &&
	    strspn(json_string_value(v), "0123456789") == json_string_length(v)) {
		*out = strtoull(json_string_value(v), NULL, 10);
		return DURE_OK;
	}
	return ethjson_get_u64(v, out, e);
}

typedef struct tip_gas {
	u256 tip;
	uint64_t gas;
} tip_gas;

static int tip_cmp(const void *a, const void *b)
{
	return u256_cmp(&((const tip_gas *)a)->tip, &((const tip_gas *)b)->tip);
}

/* The rewards of one block at the percentiles, as geth computes them:
 * transactions sorted by tip, each weighing the gas it used. */
static int block_rewards(const api_eth_chain *ec, db_txn *t, const h256 *hash,
                         const header *h, const double *pct, size_t npct,
                         json_t **out)
{
	*out = NULL;
	block b = {0};
	receipt *r = NULL;
	size_t nr = 0;
	tip_gas *v = NULL;
	int err = store_block(S(ec), t, hash, &b);
	if (!err && b.ntxs)
		err = store_receipts(S(ec), t, hash, &r, &nr);
	if (!err && nr != b.ntxs)
		err = DURE_EDB_CORRUPT;
	if (!err && b.ntxs && !(v = calloc(b.ntxs, sizeof *v)))
		err = DURE_ENOMEM;
	json_t *a = err ? NULL : json_array();
	if (!err && !a)
		err = DURE_ENOMEM;
	if (!err) {
		for (size_t i = 0; i < b.ntxs; i++) {
			v[i].tip = effective_tip(&b.txs[i], h);
			v[i].gas = r[i].cumulative_gas -
			           (i ? r[i - 1].cumulative_gas : 0);
		}
		if (b.ntxs)
			qsort(v, b.ntxs, sizeof *v, tip_cmp);
		size_t idx = 0;
		uint64_t sum = b.ntxs ? v[0].gas : 0;
		for (size_t i = 0; i < npct && !err; i++) {
			u256 zero = u256_from_u64(0);
			if (b.ntxs) {
				uint64_t threshold = (uint64_t)((double)h->gas_used *
				                                pct[i] / 100);
				while (sum < threshold && idx + 1 < b.ntxs)
					sum += v[++idx].gas;
			}
			if (json_array_append_new(a, ethjson_u256(b.ntxs ? &v[idx].tip
			                                                 : &zero)))
				err = DURE_ENOMEM;
		}
	}
	free(v);
	for (size_t i = 0; i < nr; i++)
		receipt_free(&r[i]);
	free(r);
	block_free(&b);
	if (err)
		json_decref(a);
	else
		*out = a;
	return err;
}

static int fee_history(const api_eth_chain *ec, db_txn *t, uint64_t count,
                       uint64_t newest, const double *pct, size_t npct,
                       json_t *o)
{
	if (count > newest + 1)
		count = newest + 1;
	uint64_t oldest = newest + 1 - count;
	json_t *base = json_array(), *ratio = json_array(),
	       *blob_base = json_array(), *blob_ratio = json_array(),
	       *rewards = npct ? json_array() : NULL;
	bool ok = base && ratio && blob_base && blob_ratio && (!npct || rewards);
	int err = ok ? DURE_OK : DURE_ENOMEM;
	header h;
	for (uint64_t n = oldest; n <= newest && !err; n++) {
		h256 hash;
		if ((err = store_canonical(S(ec), t, n, &hash)) != 0 ||
		    (err = store_header(S(ec), t, &hash, &h)) != 0)
			break;
		u256 zero = u256_from_u64(0);
		u256 bbf = h.has_blob_gas ? blob_base_fee(h.excess_blob_gas) : zero;
		double r = h.gas_limit ? (double)h.gas_used / (double)h.gas_limit : 0;
		double br = (double)h.blob_gas_used / MAX_BLOB_GAS_PER_BLOCK;
		ok = !json_array_append_new(base, ethjson_u256(h.has_base_fee
		                                               ? &h.base_fee : &zero)) &&
		     !json_array_append_new(ratio, json_real(r)) &&
		     !json_array_append_new(blob_base, ethjson_u256(&bbf)) &&
		     !json_array_append_new(blob_ratio, json_real(br));
		if (!ok)
			err = DURE_ENOMEM;
		json_t *rw;
		if (!err && npct &&
		    !(err = block_rewards(ec, t, &hash, &h, pct, npct, &rw)) &&
		    json_array_append_new(rewards, rw))
			err = DURE_ENOMEM;
	}
	/* The arrays of fees also hold the next block's, derived from the
	 * newest block. */
	bool has_fee;
	u256 next_fee, next_blob = u256_from_u64(0);
	uint64_t excess;
	if (!err)
		err = next_base_fee(ec, &h, &has_fee, &next_fee);
	if (!err && next_fork(ec, &h) >= FORK_CANCUN &&
	    !(err = header_excess_blob_gas(&h, &excess)))
		next_blob = blob_base_fee(excess);
	if (!err && (json_array_append_new(base, ethjson_u256(&next_fee)) ||
	             json_array_append_new(blob_base, ethjson_u256(&next_blob))))
		err = DURE_ENOMEM;
	if (!err) {
		ok = !json_object_set_new(o, "oldestBlock", ethjson_u64(oldest));
		if (npct)
			ok = ok && !json_object_set(o, "reward", rewards);
		ok = ok && !json_object_set(o, "baseFeePerGas", base) &&
		     !json_object_set(o, "gasUsedRatio", ratio) &&
		     !json_object_set(o, "baseFeePerBlobGas", blob_base) &&
		     !json_object_set(o, "blobGasUsedRatio", blob_ratio);
		if (!ok)
			err = DURE_ENOMEM;
	}
	json_decref(base);
	json_decref(ratio);
	json_decref(blob_base);
	json_decref(blob_ratio);
	json_decref(rewards);
	return err;
}

static void m_fee_history(rpc_call *call, json_t *params, void *arg)
{
	api_eth_chain *ec = arg;
	if (!params_ok(call, params, 2, 3))
		return;
	api_err e;
	uint64_t count;
	api_block_id id;
	if (!arg_ok(call, get_count(ethjson_param(params, 0), &count, &e), &e,
	            0) ||
	    !arg_ok(call, ethjson_get_block_number(ethjson_param(params, 1), &id,
	                                           &e), &e, 1))
		return;
	const json_t *pv = ethjson_param(params, 2);
	double pct[API_FEE_HISTORY_PERCENTILES_MAX];
	size_t npct = 0;
	if (pv && !json_is_array(pv)) {
		api_errf(&e, "json: cannot unmarshal non-array into Go value of "
		             "type []float64");
		arg_ok(call, DURE_EINVAL, &e, 2);
		return;
	}
	if (pv && json_array_size(pv) > API_FEE_HISTORY_PERCENTILES_MAX) {
		api_errf(&e, "invalid reward percentile: over the query limit %d",
		         API_FEE_HISTORY_PERCENTILES_MAX);
		api_reply_err(call, &e);
		return;
	}
	for (size_t i = 0; pv && i < json_array_size(pv); i++) {
		const json_t *p = json_array_get(pv, i);
		if (!json_is_number(p)) {
			api_errf(&e, "json: cannot unmarshal non-number into Go value "
			             "of type float64");
			arg_ok(call, DURE_EINVAL, &e, 2);
			return;
		}
		pct[npct] = json_number_value(p);
		if (pct[npct] < 0 || pct[npct] > 100) {
			api_errf(&e, "invalid reward percentile: %f", pct[npct]);
			api_reply_err(call, &e);
			return;
		}
		if (npct && pct[npct] <= pct[npct - 1]) {
			api_errf(&e, "invalid reward percentile: #%zu:%f >= #%zu:%f",
			         npct - 1, pct[npct - 1], npct, pct[npct]);
			api_reply_err(call, &e);
			return;
		}
		npct++;
	}
	if (count > API_FEE_HISTORY_BLOCKS_MAX)
		count = API_FEE_HISTORY_BLOCKS_MAX;
	db_txn *t;
	header head, h;
	h256 hash;
	uint64_t head_num = 0;
	int err = begin(ec, &t);
	if (!err)
		err = head_number(ec, t, &head_num, &head);
	if (!err && id.kind == API_BLOCK_NUMBER && id.number > head_num) {
		db_abort(t);
		char msg[128];
		snprintf(msg, sizeof msg, "request beyond head block: requested %"
		         PRIu64 ", head %" PRIu64, id.number, head_num);
		reply_code(call, RPC_SERVER_ERROR, msg);
		return;
	}
	if (!err)
		err = api_block_resolve(ec->ctx, t, &id, &h, &hash);
	json_t *o = err ? NULL : json_object();
	if (!err && !o)
		err = DURE_ENOMEM;
	if (!err && count == 0) {
		/* geth answers a zero count with only the oldest block, 0. */
		if (json_object_set_new(o, "oldestBlock", ethjson_u64(0)) ||
		    json_object_set_new(o, "gasUsedRatio", json_null()))
			err = DURE_ENOMEM;
	} else if (!err)
		err = fee_history(ec, t, count, h.number, pct, npct, o);
	db_abort(t);
	if (err) {
		json_decref(o);
		api_reply_internal(call, err);
		return;
	}
	rpc_reply(call, o);
}

/* ---- blocks ---- */

/* Replies the block (h, hash) read in t: its object, with full
 * transactions when full is set. */
static void reply_block(rpc_call *call, const api_eth_chain *ec, db_txn *t,
                        const h256 *hash, bool full)
{
	block b = {0};
	u256 td;
	json_t *o = NULL;
	address *senders = NULL;
	size_t ns = 0;
	int err = store_block(S(ec), t, hash, &b);
	if (!err)
		err = store_td(S(ec), t, hash, &td);
	/* The stored senders when the block was executed; else recovered. */
	if (!err && full && (err = store_senders(S(ec), t, hash, &senders, &ns)) ==
	                    DURE_ENOTFOUND)
		err = DURE_OK;
	if (!err)
		err = ethjson_block(&b, hash, &td, full,
		                    senders && ns == b.ntxs ? senders : NULL, &o);
	free(senders);
	block_free(&b);
	if (err == DURE_ENOTFOUND)
		rpc_reply(call, NULL);
	else if (err)
		api_reply_internal(call, err);
	else
		rpc_reply(call, o);
}

/* Decodes argument 0 as a block number (by_hash false) or a block hash,
 * resolves it in a new read transaction *t, and writes the block's
 * header and hash. Returns true when a block was found; otherwise it
 * replied (null for an unknown block, or the error) and ended *t. */
static bool arg_block(rpc_call *call, const api_eth_chain *ec,
                      const json_t *params, bool by_hash, db_txn **t,
                      header *h, h256 *hash)
{
	api_err e;
	api_block_id id = {0};
	int err;
	if (by_hash) {
		id.kind = API_BLOCK_HASH;
		err = ethjson_get_hash(ethjson_param(params, 0), &id.hash, &e);
	} else
		err = ethjson_get_block_number(ethjson_param(params, 0), &id, &e);
	if (!arg_ok(call, err, &e, 0))
		return false;
	if ((err = begin(ec, t)) != 0) {
		api_reply_internal(call, err);
		return false;
	}
	err = api_block_resolve(ec->ctx, *t, &id, h, hash);
	if (!err)
		return true;
	db_abort(*t);
	*t = NULL;
	if (err == DURE_ENOTFOUND)
		rpc_reply(call, NULL);
	else
		api_reply_internal(call, err);
	return false;
}

/* The block the node would seal now (api_ctx.pending_block). */
static void reply_pending(rpc_call *call, const api_eth_chain *ec, bool full)
{
	block b;
	address *senders;
	json_t *o = NULL;
	int err = ec->ctx->pending_block(ec->ctx->pending_block_ctx, &b,
	                                 &senders);
	if (!err) {
		err = ethjson_block(&b, NULL, NULL, full, senders, &o);
		block_free(&b);
		free(senders);
	}
	if (err)
		api_reply_internal(call, err);
	else
		rpc_reply(call, o);
}

static void get_block(rpc_call *call, json_t *params, void *arg, bool by_hash)
{
	api_eth_chain *ec = arg;
	if (!params_ok(call, params, 2, 2))
		return;
	api_err e;
	bool full;
	if (!arg_ok(call, ethjson_get_bool(ethjson_param(params, 1), &full, &e),
	            &e, 1))
		return;
	const json_t *tag = ethjson_param(params, 0);
	if (!by_hash && ec->ctx->pending_block && json_is_string(tag) &&
	    !strcmp(json_string_value(tag), "pending")) {
		reply_pending(call, ec, full);
		return;
	}
	db_txn *t;
	header h;
	h256 hash;
	if (!arg_block(call, ec, params, by_hash, &t, &h, &hash))
		return;
	reply_block(call, ec, t, &hash, full);
	db_abort(t);
}

static void m_block_by_number(rpc_call *call, json_t *params, void *arg)
{
	get_block(call, params, arg, false);
}

static void m_block_by_hash(rpc_call *call, json_t *params, void *arg)
{
	get_block(call, params, arg, true);
}

/* The transaction count (uncles false) or ommer count of a block. */
static void block_count(rpc_call *call, json_t *params, void *arg,
                        bool by_hash, bool uncles)
{
	api_eth_chain *ec = arg;
	if (!params_ok(call, params, 1, 1))
		return;
	db_txn *t;
	header h;
	h256 hash;
	if (!arg_block(call, ec, params, by_hash, &t, &h, &hash))
		return;
	block b = {0};
	int err = store_block(S(ec), t, &hash, &b);
	db_abort(t);
	size_t n = uncles ? b.nommers : b.ntxs;
	block_free(&b);
	if (err)
		api_reply_internal(call, err);
	else
		api_reply_json(call, ethjson_u64(n));
}

static void m_tx_count_by_number(rpc_call *call, json_t *params, void *arg)
{
	block_count(call, params, arg, false, false);
}

static void m_tx_count_by_hash(rpc_call *call, json_t *params, void *arg)
{
	block_count(call, params, arg, true, false);
}

static void m_uncle_count_by_number(rpc_call *call, json_t *params, void *arg)
{
	block_count(call, params, arg, false, true);
}

static void m_uncle_count_by_hash(rpc_call *call, json_t *params, void *arg)
{
	block_count(call, params, arg, true, true);
}

/* An index argument (hexutil.Uint). */
static bool arg_index(rpc_call *call, const json_t *params, unsigned i,
                      uint64_t *out)
{
	api_err e;
	int err = ethjson_get_u64(ethjson_param(params, i), out, &e);
	if (!err && *out > UINT32_MAX) {
		api_errf(&e, "json: cannot unmarshal hex number > 32 bits into Go "
		             "value of type hexutil.Uint");
		err = DURE_EINVAL;
	}
	return arg_ok(call, err, &e, i);
}

static void uncle_by_index(rpc_call *call, json_t *params, void *arg,
                           bool by_hash)
{
	api_eth_chain *ec = arg;
	if (!params_ok(call, params, 2, 2))
		return;
	uint64_t idx;
	if (!arg_index(call, params, 1, &idx))
		return;
	db_txn *t;
	header h;
	h256 hash;
	if (!arg_block(call, ec, params, by_hash, &t, &h, &hash))
		return;
	block b = {0};
	int err = store_block(S(ec), t, &hash, &b);
	db_abort(t);
	json_t *o = NULL;
	if (!err && idx < b.nommers) {
		/* geth prints an uncle as a block of that header alone. */
		block u = {0};
		u.h = b.ommers[idx];
		u.has_withdrawals = u.h.has_withdrawals_root;
		err = ethjson_block(&u, NULL, NULL, false, NULL, &o);
	}
	block_free(&b);
	if (err)
		api_reply_internal(call, err);
	else
		rpc_reply(call, o);
}

static void m_uncle_by_number(rpc_call *call, json_t *params, void *arg)
{
	uncle_by_index(call, params, arg, false);
}

static void m_uncle_by_hash(rpc_call *call, json_t *params, void *arg)
{
	uncle_by_index(call, params, arg, true);
}

/* ---- transactions and receipts ---- */

/* The sum of the log counts of r[0..n): the block index of the first log
 * of receipt n. */
static uint64_t logs_before(const receipt *r, size_t n)
{
	uint64_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += r[i].nlogs;
	return k;
}

/* The sender of transaction idx of block b (hash): as its execution had
 * it (the store keeps it; a dev node's impersonated transactions have no
 * signature to recover it from), else recovered. */
static int sender_of(const api_eth_chain *ec, db_txn *t, const block *b,
                     const h256 *hash, size_t idx, address *from)
{
	address *s;
	size_t n;
	int err = store_senders(S(ec), t, hash, &s, &n);
	if (err && err != DURE_ENOTFOUND)
		return err;
	if (!err) {
		bool ok = n == b->ntxs;
		if (ok)
			*from = s[idx];
		free(s);
		if (ok)
			return DURE_OK;
	}
	return tx_sender(&b->txs[idx], from);
}

/* The object of transaction idx of block b (hash), read in t. */
static int tx_object(const api_eth_chain *ec, db_txn *t, const block *b,
                     const h256 *hash, size_t idx, json_t **out)
{
	*out = NULL;
	address from;
	int err = sender_of(ec, t, b, hash, idx, &from);
	api_tx_loc loc = {&b->h, hash, idx};
	return err ? err : ethjson_tx(&b->txs[idx], NULL, &from, &loc, out);
}

/* The receipt object of transaction idx of b (hash), whose receipts are
 * r, read in t. */
static int receipt_object(const api_eth_chain *ec, db_txn *t, const block *b,
                          const h256 *hash, receipt *r, size_t idx,
                          json_t **out)
{
	*out = NULL;
	address from;
	h256 th;
	int err = sender_of(ec, t, b, hash, idx, &from);
	if (!err)
		err = tx_hash(&b->txs[idx], &th);
	if (err)
		return err;
	/* The store keeps the consensus encoding, which has only the
	 * cumulative gas. */
	r[idx].gas_used = r[idx].cumulative_gas -
	                  (idx ? r[idx - 1].cumulative_gas : 0);
	api_tx_loc loc = {&b->h, hash, idx};
	return ethjson_receipt(&r[idx], &b->txs[idx], &th, &from, &loc,
	                       logs_before(r, idx), out);
}

static void free_receipts(receipt *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		receipt_free(&r[i]);
	free(r);
}

/* Where a mined transaction is: its block (read into *b) and index.
 * DURE_ENOTFOUND when it is not canonical. */
static int find_tx(const api_eth_chain *ec, db_txn *t, const h256 *txh,
                   block *b, h256 *bhash, size_t *idx)
{
	uint64_t num;
	uint32_t i;
	int err = store_tx_lookup(S(ec), t, txh, &num, &i);
	if (!err)
		err = store_canonical(S(ec), t, num, bhash);
	if (!err)
		err = store_block(S(ec), t, bhash, b);
	if (!err && i >= b->ntxs) {
		block_free(b);
		err = DURE_EDB_CORRUPT;
	}
	*idx = i;
	return err;
}

static void m_tx_by_hash(rpc_call *call, json_t *params, void *arg)
{
	api_eth_chain *ec = arg;
	if (!params_ok(call, params, 1, 1))
		return;
	api_err e;
	h256 txh;
	if (!arg_ok(call, ethjson_get_hash(ethjson_param(params, 0), &txh, &e),
	            &e, 0))
		return;
	db_txn *t;
	block b = {0};
	h256 bhash;
	size_t idx;
	json_t *o = NULL;
	int err = begin(ec, &t);
	if (!err && !(err = find_tx(ec, t, &txh, &b, &bhash, &idx))) {
		err = tx_object(ec, t, &b, &bhash, idx, &o);
		block_free(&b);
	}
	db_abort(t);
	if (err == DURE_ENOTFOUND && ec->pool_fn) {
		tx p = {0};
		address from;
		err = ec->pool_fn(ec->pool_arg, &txh, &p, &from);
		if (!err) {
			err = ethjson_tx(&p, &txh, &from, NULL, &o);
			tx_free(&p);
		}
	}
	if (err == DURE_ENOTFOUND)
		rpc_reply(call, NULL);
	else if (err)
		api_reply_internal(call, err);
	else
		rpc_reply(call, o);
}

static void tx_by_index(rpc_call *call, json_t *params, void *arg,
                        bool by_hash)
{
	api_eth_chain *ec = arg;
	if (!params_ok(call, params, 2, 2))
		return;
	uint64_t idx;
	if (!arg_index(call, params, 1, &idx))
		return;
	db_txn *t;
	header h;
	h256 hash;
	if (!arg_block(call, ec, params, by_hash, &t, &h, &hash))
		return;
	block b = {0};
	json_t *o = NULL;
	int err = store_block(S(ec), t, &hash, &b);
	if (!err && idx < b.ntxs)
		err = tx_object(ec, t, &b, &hash, idx, &o);
	db_abort(t);
	block_free(&b);
	if (err)
		api_reply_internal(call, err);
	else
		rpc_reply(call, o);
}

static void m_tx_by_number_index(rpc_call *call, json_t *params, void *arg)
{
	tx_by_index(call, params, arg, false);
}

static void m_tx_by_hash_index(rpc_call *call, json_t *params, void *arg)
{
	tx_by_index(call, params, arg, true);
}

static void m_receipt(rpc_call *call, json_t *params, void *arg)
{
	api_eth_chain *ec = arg;
	if (!params_ok(call, params, 1, 1))
		return;
	api_err e;
	h256 txh;
	if (!arg_ok(call, ethjson_get_hash(ethjson_param(params, 0), &txh, &e),
	            &e, 0))
		return;
	db_txn *t;
	block b = {0};
	h256 bhash;
	size_t idx, nr = 0;
	receipt *r = NULL;
	json_t *o = NULL;
	int err = begin(ec, &t);
	if (!err && !(err = find_tx(ec, t, &txh, &b, &bhash, &idx))) {
		err = store_receipts(S(ec), t, &bhash, &r, &nr);
		if (!err && nr != b.ntxs)
			err = DURE_EDB_CORRUPT;
		if (!err)
			err = receipt_object(ec, t, &b, &bhash, r, idx, &o);
		free_receipts(r, nr);
		block_free(&b);
	}
	db_abort(t);
	if (err == DURE_ENOTFOUND)
		rpc_reply(call, NULL);
	else if (err)
		api_reply_internal(call, err);
	else
		rpc_reply(call, o);
}

static void m_block_receipts(rpc_call *call, json_t *params, void *arg)
{
	api_eth_chain *ec = arg;
	if (!params_ok(call, params, 1, 1))
		return;
	api_err e;
	api_block_id id;
	if (!arg_ok(call, ethjson_get_block_id(ethjson_param(params, 0), &id, &e),
	            &e, 0))
		return;
	db_txn *t;
	header h;
	h256 hash;
	block b = {0};
	receipt *r = NULL;
	size_t nr = 0;
	json_t *a = NULL;
	int err = begin(ec, &t);
	if (!err && !(err = api_block_resolve(ec->ctx, t, &id, &h, &hash)) &&
	    !(err = store_block(S(ec), t, &hash, &b))) {
		if (b.ntxs)
			err = store_receipts(S(ec), t, &hash, &r, &nr);
		if (!err && nr != b.ntxs)
			err = DURE_EDB_CORRUPT;
		if (!err && !(a = json_array()))
			err = DURE_ENOMEM;
		for (size_t i = 0; !err && i < b.ntxs; i++) {
			json_t *o;
			if (!(err = receipt_object(ec, t, &b, &hash, r, i, &o)) &&
			    json_array_append_new(a, o))
				err = DURE_ENOMEM;
		}
	}
	free_receipts(r, nr);
	block_free(&b);
	db_abort(t);
	if (err) {
		json_decref(a);
		if (err == DURE_ENOTFOUND)
			rpc_reply(call, NULL);
		else
			api_reply_internal(call, err);
		return;
	}
	rpc_reply(call, a);
}

/* ---- logs ---- */

static void probe_of(const uint8_t *p, size_t n, bloom_probe *out)
{
	uint8_t h[32];
	keccak256(p, n, h);
	for (int i = 0; i < 3; i++) {
		unsigned bit = ((unsigned)h[2 * i] << 8 | h[2 * i + 1]) & 2047;
		out->byte[i] = (uint8_t)(255 - bit / 8);
		out->mask[i] = (uint8_t)(1u << (bit % 8));
	}
}

static bool bloom_has(const uint8_t bloom[256], const bloom_probe *p)
{
	for (int i = 0; i < 3; i++)
		if (!(bloom[p->byte[i]] & p->mask[i]))
			return false;
	return true;
}

static bool bloom_any(const uint8_t bloom[256], const bloom_probe *p,
                      size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (bloom_has(bloom, &p[i]))
			return true;
	return false;
}

/* Whether a block with this bloom may hold a log q matches. */
static bool query_may_match(const log_query *q, const uint8_t bloom[256])
{
	if (q->naddrs && !bloom_any(bloom, q->addr_probes, q->naddrs))
		return false;
	for (size_t i = 0; i < q->npos; i++)
		if (q->topics[i].n &&
		    !bloom_any(bloom, q->topics[i].probes, q->topics[i].n))
			return false;
	return true;
}

static bool log_matches(const log_query *q, const state_log *l)
{
	if (q->naddrs) {
		size_t i = 0;
		while (i < q->naddrs && !address_eq(&q->addrs[i], &l->addr))
			i++;
		if (i == q->naddrs)
			return false;
	}
	if (q->npos > l->ntopics)
		return false;
	for (size_t p = 0; p < q->npos; p++) {
		const topic_set *ts = &q->topics[p];
		size_t i = 0;
		while (i < ts->n && !h256_eq(&ts->v[i], &l->topics[p]))
			i++;
		if (ts->n && i == ts->n)
			return false;
	}
	return true;
}

static void query_free(log_query *q)
{
	free(q->addrs);
	free(q->addr_probes);
	for (size_t i = 0; i < 4; i++) {
		free(q->topics[i].v);
		free(q->topics[i].probes);
	}
	memset(q, 0, sizeof *q);
}

static int query_addresses(const json_t *v, log_query *q, api_err *e)
{
	size_t n = json_is_array(v) ? json_array_size(v) : 1;
	if (!json_is_array(v) && !json_is_string(v)) {
		api_errf(e, "invalid addresses in query");
		return DURE_EINVAL;
	}
	if (n > API_LOGS_ADDRESSES_MAX) {
		api_errf(e, "exceed max addresses");
		return DURE_EINVAL;
	}
	if (n == 0)
		return DURE_OK;
	q->addrs = calloc(n, sizeof *q->addrs);
	q->addr_probes = calloc(n, sizeof *q->addr_probes);
	if (!q->addrs || !q->addr_probes)
		return DURE_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const json_t *a = json_is_array(v) ? json_array_get(v, i) : v;
		api_err why;
		if (ethjson_get_address(a, &q->addrs[i], &why)) {
			if (json_is_array(v))
				api_errf(e, "invalid address at index %zu: %s", i, why.msg);
			else
				api_errf(e, "invalid address: %s", why.msg);
			return DURE_EINVAL;
		}
		probe_of(q->addrs[i].b, 20, &q->addr_probes[i]);
	}
	q->naddrs = n;
	return DURE_OK;
}

static int query_topic(const json_t *v, topic_set *ts, api_err *e)
{
	if (json_is_null(v))
		return DURE_OK;
	size_t n = json_is_array(v) ? json_array_size(v) : 1;
	if (!json_is_array(v) && !json_is_string(v)) {
		api_errf(e, "invalid topic(s)");
		return DURE_EINVAL;
	}
	if (n > API_LOGS_SUBTOPICS_MAX) {
		api_errf(e, "exceed max addresses or topics per search position");
		return DURE_EINVAL;
	}
	/* A null among the alternatives matches anything, as geth reads it. */
	for (size_t i = 0; json_is_array(v) && i < n; i++)
		if (json_is_null(json_array_get(v, i)))
			return DURE_OK;
	if (n == 0)
		return DURE_OK;
	ts->v = calloc(n, sizeof *ts->v);
	ts->probes = calloc(n, sizeof *ts->probes);
	if (!ts->v || !ts->probes)
		return DURE_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const json_t *h = json_is_array(v) ? json_array_get(v, i) : v;
		if (ethjson_get_hash(h, &ts->v[i], e)) {
			api_errf(e, "invalid topic(s)");
			return DURE_EINVAL;
		}
		probe_of(ts->v[i].b, 32, &ts->probes[i]);
	}
	ts->n = n;
	return DURE_OK;
}

/* Decodes a filter criteria object. Returns DURE_OK, DURE_EINVAL with *e
 * set, or DURE_ENOMEM; *q is to be freed with query_free either way. */
static int query_decode(const json_t *v, log_query *q, api_err *e)
{
	memset(q, 0, sizeof *q);
	if (!json_is_object(v)) {
		api_errf(e, "json: cannot unmarshal non-object into Go value of "
		            "type filters.FilterCriteria");
		return DURE_EINVAL;
	}
	const json_t *bh = json_object_get(v, "blockHash");
	const json_t *from = json_object_get(v, "fromBlock");
	const json_t *to = json_object_get(v, "toBlock");
	const json_t *addr = json_object_get(v, "address");
	const json_t *topics = json_object_get(v, "topics");
	int err;
	if (bh && !json_is_null(bh)) {
		if ((from && !json_is_null(from)) || (to && !json_is_null(to))) {
			api_errf(e, "cannot specify both BlockHash and FromBlock/ToBlock,"
			            " choose one or the other");
			return DURE_EINVAL;
		}
		if ((err = ethjson_get_hash(bh, &q->hash, e)) != 0)
			return err;
		q->has_hash = true;
	}
	if (from && !json_is_null(from)) {
		if ((err = ethjson_get_block_number(from, &q->from, e)) != 0)
			return err;
		q->has_from = true;
	}
	if (to && !json_is_null(to)) {
		if ((err = ethjson_get_block_number(to, &q->to, e)) != 0)
			return err;
		q->has_to = true;
	}
	if (addr && !json_is_null(addr) &&
	    (err = query_addresses(addr, q, e)) != 0)
		return err;
	if (topics && !json_is_null(topics)) {
		if (!json_is_array(topics)) {
			api_errf(e, "invalid topic(s)");
			return DURE_EINVAL;
		}
		if (json_array_size(topics) > 4) {
			api_errf(e, "exceed max topics");
			return DURE_EINVAL;
		}
		q->npos = json_array_size(topics);
		for (size_t i = 0; i < q->npos; i++)
			if ((err = query_topic(json_array_get(topics, i), &q->topics[i],
			                       e)) != 0)
				return err;
	}
	return DURE_OK;
}

struct api_log_filter {
	log_query q;
};

int api_log_filter_new(const json_t *criteria, api_log_filter **out,
                       api_err *e)
{
	*out = NULL;
	api_log_filter *f = calloc(1, sizeof *f);
	if (!f)
		return DURE_ENOMEM;
	int err = query_decode(criteria, &f->q, e);
	if (err) {
		api_log_filter_free(f);
		return err;
	}
	*out = f;
	return DURE_OK;
}

void api_log_filter_free(api_log_filter *f)
{
	if (!f)
		return;
	query_free(&f->q);
	free(f);
}

/* Whether a numeric fromBlock or toBlock of q leaves block `number` out
 * (a tag bounds nothing). */
static bool query_bounds(const log_query *q, uint64_t number)
{
	if (q->has_from && q->from.kind == API_BLOCK_NUMBER &&
	    q->from.number > number)
		return false;
	return !(q->has_to && q->to.kind == API_BLOCK_NUMBER &&
	         q->to.number < number);
}

bool api_log_filter_block(const api_log_filter *f, uint64_t number,
                          const uint8_t bloom[256])
{
	return query_bounds(&f->q, number) && query_may_match(&f->q, bloom);
}

bool api_log_filter_match(const api_log_filter *f, const state_log *l)
{
	return log_matches(&f->q, l);
}

/* Appends to out the logs of block (hash, h) that q matches, marked
 * removed or not; *count counts every log appended. Returns DURE_OK,
 * DURE_ERANGE when the count passes API_LOGS_RESULT_MAX, or a store
 * error. */
static int block_logs(const api_eth_chain *ec, db_txn *t, const h256 *hash,
                      const header *h, const log_query *q, bool removed,
                      json_t *out, size_t *count)
{
	/* No gas used: no transactions, no logs. */
	if (h->gas_used == 0 || !query_may_match(q, h->bloom))
		return DURE_OK;
	block b = {0};
	receipt *r = NULL;
	size_t nr = 0;
	int err = store_receipts(S(ec), t, hash, &r, &nr);
	if (!err)
		err = store_block(S(ec), t, hash, &b);
	if (!err && nr != b.ntxs)
		err = DURE_EDB_CORRUPT;
	uint64_t log_index = 0;
	for (size_t i = 0; !err && i < nr; i++) {
		h256 th;
		bool have_hash = false;
		for (size_t j = 0; !err && j < r[i].nlogs; j++, log_index++) {
			if (!log_matches(q, &r[i].logs[j]))
				continue;
			if (!have_hash && (err = tx_hash(&b.txs[i], &th)) != 0)
				break;
			have_hash = true;
			if (++*count > API_LOGS_RESULT_MAX) {
				err = DURE_ERANGE;
				break;
			}
			api_log_loc loc = {hash, h->number, &th, i, log_index,
			                   removed};
			if (json_array_append_new(out, ethjson_log(&r[i].logs[j], &loc)))
				err = DURE_ENOMEM;
		}
	}
	free_receipts(r, nr);
	block_free(&b);
	return err;
}

static int range_logs(const api_eth_chain *ec, db_txn *t, const log_query *q,
                      uint64_t lo, uint64_t hi, json_t *out, size_t *count)
{
	for (uint64_t n = lo; n <= hi; n++) {
		h256 hash;
		header h;
		int err = store_canonical(S(ec), t, n, &hash);
		if (!err)
			err = store_header(S(ec), t, &hash, &h);
		if (!err)
			err = block_logs(ec, t, &hash, &h, q, false, out, count);
		if (err)
			return err;
		if (n == UINT64_MAX)
			break;
	}
	return DURE_OK;
}

static uint64_t tag_number(const api_block_id *id, uint64_t head)
{
	switch (id->kind) {
	case API_BLOCK_EARLIEST:
		return 0;
	case API_BLOCK_NUMBER:
		return id->number;
	case API_BLOCK_LATEST:
	case API_BLOCK_PENDING:
	case API_BLOCK_SAFE:
	case API_BLOCK_FINALIZED:
	case API_BLOCK_HASH:
		break;
	}
	return head;
}

/* The reply of a query error: code and message. */
typedef struct query_fail {
	int code;
	char msg[API_ERR_MAX];
} query_fail;

/* Runs q as eth_getLogs does into *out (a new array). Returns DURE_OK,
 * DURE_EINVAL with *f filled (the query's range is refused, or too many
 * results), or a store error. */
static int query_run(const api_eth_chain *ec, db_txn *t, const log_query *q,
                     json_t **out, query_fail *f)
{
	*out = json_array();
	if (!*out)
		return DURE_ENOMEM;
	int err;
	if (q->has_hash) {
		header h;
		size_t count = 0;
		err = store_header(S(ec), t, &q->hash, &h);
		if (err == DURE_ENOTFOUND) {
			f->code = RPC_SERVER_ERROR;
			snprintf(f->msg, sizeof f->msg, "unknown block");
			err = DURE_EINVAL;
		} else if (!err)
			err = block_logs(ec, t, &q->hash, &h, q, false, *out, &count);
	} else {
		header head;
		uint64_t head_num;
		if ((err = head_number(ec, t, &head_num, &head)) != 0)
			goto done;
		uint64_t lo = q->has_from ? tag_number(&q->from, head_num) : head_num;
		uint64_t hi = q->has_to ? tag_number(&q->to, head_num) : head_num;
		if (q->has_from && q->has_to && q->from.kind == API_BLOCK_NUMBER &&
		    q->to.kind == API_BLOCK_NUMBER && lo > hi) {
			f->code = RPC_INVALID_PARAMS;
			snprintf(f->msg, sizeof f->msg, "invalid block range params");
			err = DURE_EINVAL;
			goto done;
		}
		if (hi > head_num)
			hi = head_num;
		if (lo > hi)
			goto done;
		if (hi - lo >= API_LOGS_RANGE_MAX) {
			f->code = RPC_LIMIT_EXCEEDED;
			snprintf(f->msg, sizeof f->msg, "exceed maximum block range: %d",
			         API_LOGS_RANGE_MAX);
			err = DURE_EINVAL;
			goto done;
		}
		size_t count = 0;
		err = range_logs(ec, t, q, lo, hi, *out, &count);
	}
done:
	if (err == DURE_ERANGE) {
		f->code = RPC_LIMIT_EXCEEDED;
		snprintf(f->msg, sizeof f->msg,
		         "query returned more than %d results", API_LOGS_RESULT_MAX);
		err = DURE_EINVAL;
	}
	if (err) {
		json_decref(*out);
		*out = NULL;
	}
	return err;
}

static void reply_query(rpc_call *call, int err, json_t *out,
                        const query_fail *f)
{
	if (err == DURE_EINVAL)
		reply_code(call, f->code, f->msg);
	else if (err)
		api_reply_internal(call, err);
	else
		rpc_reply(call, out);
}

static void m_get_logs(rpc_call *call, json_t *params, void *arg)
{
	api_eth_chain *ec = arg;
	if (!params_ok(call, params, 1, 1))
		return;
	api_err e;
	log_query q;
	int err = query_decode(ethjson_param(params, 0), &q, &e);
	if (!arg_ok(call, err, &e, 0)) {
		query_free(&q);
		return;
	}
	db_txn *t;
	json_t *out = NULL;
	query_fail f;
	if (!(err = begin(ec, &t)))
		err = query_run(ec, t, &q, &out, &f);
	db_abort(t);
	query_free(&q);
	reply_query(call, err, out, &f);
}

/* ---- filters ---- */

static void filter_free(filter *f)
{
	if (!f)
		return;
	query_free(&f->q);
	free(f->queue);
	free(f);
}

static void filters_expire(api_eth_chain *ec)
{
	uint64_t now = dure_clock_now(ec->clock);
	for (size_t i = 0; i < API_FILTERS_MAX; i++) {
		filter *f = ec->filters[i];
		if (f && now - f->last_used >= API_FILTER_TIMEOUT_MS) {
			filter_free(f);
			ec->filters[i] = NULL;
		}
	}
}

/* Installs f (taking it) and replies its id, or the error. */
static void filter_install(rpc_call *call, api_eth_chain *ec, filter *f)
{
	filters_expire(ec);
	size_t slot = 0;
	while (slot < API_FILTERS_MAX && ec->filters[slot])
		slot++;
	if (slot == API_FILTERS_MAX) {
		filter_free(f);
		reply_code(call, RPC_LIMIT_EXCEEDED, "too many filters installed");
		return;
	}
	uint8_t seed[40], h[32];
	memcpy(seed, ec->id_key, 32);
	uint64_t c = ++ec->id_counter;
	memcpy(seed + 32, &c, 8);
	keccak256(seed, sizeof seed, h);
	memcpy(f->id, h, sizeof f->id);
	f->last_used = dure_clock_now(ec->clock);
	json_t *id = ethjson_data(f->id, sizeof f->id);
	if (!id) {
		filter_free(f);
		api_reply_internal(call, DURE_ENOMEM);
		return;
	}
	ec->filters[slot] = f;
	rpc_reply(call, id);
}

/* The filter named by argument 0, touched, or NULL after replying
 * "filter not found". */
static filter *filter_arg(rpc_call *call, api_eth_chain *ec,
                          const json_t *params)
{
	filters_expire(ec);
	const json_t *v = ethjson_param(params, 0);
	uint8_t id[16];
	api_err e;
	if (!json_is_string(v)) {
		api_errf(&e, "json: cannot unmarshal non-string into Go value of "
		             "type rpc.ID");
		arg_ok(call, DURE_EINVAL, &e, 0);
		return NULL;
	}
	if (ethjson_get_fixed(v, id, sizeof id, &e) == 0)
		for (size_t i = 0; i < API_FILTERS_MAX; i++) {
			filter *f = ec->filters[i];
			if (f && memcmp(f->id, id, sizeof id) == 0) {
				f->last_used = dure_clock_now(ec->clock);
				return f;
			}
		}
	reply_code(call, RPC_SERVER_ERROR, "filter not found");
	return NULL;
}

static void m_new_filter(rpc_call *call, json_t *params, void *arg)
{
	api_eth_chain *ec = arg;
	if (!params_ok(call, params, 1, 1))
		return;
	filter *f = calloc(1, sizeof *f);
	if (!f) {
		api_reply_internal(call, DURE_ENOMEM);
		return;
	}
	f->kind = FILTER_LOGS;
	api_err e;
	int err = query_decode(ethjson_param(params, 0), &f->q, &e);
	if (!err && f->q.has_hash) {
		api_errf(&e, "can't specify blockHash in a filter");
		err = DURE_EINVAL;
	}
	db_txn *t = NULL;
	header head;
	uint64_t head_num = 0;
	if (!err && (err = begin(ec, &t)) == 0)
		err = head_number(ec, t, &head_num, &head);
	db_abort(t);
	if (err) {
		filter_free(f);
		if (err == DURE_EINVAL)
			arg_ok(call, err, &e, 0);
		else
			api_reply_internal(call, err);
		return;
	}
	f->next = head_num + 1;
	filter_install(call, ec, f);
}

static void new_hash_filter(rpc_call *call, json_t *params, void *arg,
                            enum filter_kind kind)
{
	api_eth_chain *ec = arg;
	if (!params_ok(call, params, 0, kind == FILTER_PENDING ? 1 : 0))
		return;
	filter *f = calloc(1, sizeof *f);
	if (!f) {
		api_reply_internal(call, DURE_ENOMEM);
		return;
	}
	f->kind = kind;
	filter_install(call, ec, f);
}

static void m_new_block_filter(rpc_call *call, json_t *params, void *arg)
{
	new_hash_filter(call, params, arg, FILTER_BLOCKS);
}

static void m_new_pending_filter(rpc_call *call, json_t *params, void *arg)
{
	new_hash_filter(call, params, arg, FILTER_PENDING);
}

/* The logs of the blocks queued as removed since f's last poll, then
 * those of the canonical blocks sealed since, within its range. A tag as
 * fromBlock adds no bound beyond "since the last poll". */
static int filter_poll_logs(api_eth_chain *ec, filter *f, json_t **out,
                            query_fail *qf)
{
	*out = NULL;
	db_txn *t;
	header head;
	uint64_t head_num;
	int err = begin(ec, &t);
	if (!err)
		err = head_number(ec, t, &head_num, &head);
	if (err) {
		db_abort(t);
		return err;
	}
	uint64_t lo = f->next;
	if (f->q.has_from && f->q.from.kind == API_BLOCK_NUMBER &&
	    f->q.from.number > lo)
		lo = f->q.from.number;
	uint64_t hi = f->q.has_to ? tag_number(&f->q.to, head_num) : head_num;
	if (hi > head_num)
		hi = head_num;
	if (hi >= lo && hi - lo >= API_LOGS_RANGE_MAX)
		hi = lo + API_LOGS_RANGE_MAX - 1;
	size_t count = 0;
	if (!(*out = json_array()))
		err = DURE_ENOMEM;
	for (size_t i = 0; !err && i < f->nqueue; i++) {
		header h;
		err = store_header(S(ec), t, &f->queue[i], &h);
		if (!err)
			err = block_logs(ec, t, &f->queue[i], &h, &f->q, true, *out,
			                 &count);
	}
	if (!err && lo <= hi)
		err = range_logs(ec, t, &f->q, lo, hi, *out, &count);
	db_abort(t);
	if (err == DURE_ERANGE) {
		qf->code = RPC_LIMIT_EXCEEDED;
		snprintf(qf->msg, sizeof qf->msg,
		         "query returned more than %d results", API_LOGS_RESULT_MAX);
		err = DURE_EINVAL;
	}
	if (err) {
		json_decref(*out);
		*out = NULL;
		return err;
	}
	f->nqueue = 0;
	f->next = lo <= hi ? hi + 1 : (f->next > head_num + 1 ? f->next
	                                                      : head_num + 1);
	return DURE_OK;
}

static json_t *hashes_json_reply(const h256 *h, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, ethjson_hash(&h[i]))) {
			json_decref(a);
			a = NULL;
		}
	return a;
}

static void m_filter_changes(rpc_call *call, json_t *params, void *arg)
{
	api_eth_chain *ec = arg;
	if (!params_ok(call, params, 1, 1))
		return;
	filter *f = filter_arg(call, ec, params);
	if (!f)
		return;
	if (f->kind == FILTER_LOGS) {
		json_t *out;
		query_fail qf;
		int err = filter_poll_logs(ec, f, &out, &qf);
		reply_query(call, err, out, &qf);
		return;
	}
	json_t *a = hashes_json_reply(f->queue, f->nqueue);
	if (a)
		f->nqueue = 0;
	api_reply_json(call, a);
}

static void m_filter_logs(rpc_call *call, json_t *params, void *arg)
{
	api_eth_chain *ec = arg;
	if (!params_ok(call, params, 1, 1))
		return;
	filter *f = filter_arg(call, ec, params);
	if (!f)
		return;
	if (f->kind != FILTER_LOGS) {
		reply_code(call, RPC_SERVER_ERROR, "filter not found");
		return;
	}
	db_txn *t;
	json_t *out = NULL;
	query_fail qf;
	int err = begin(ec, &t);
	if (!err)
		err = query_run(ec, t, &f->q, &out, &qf);
	db_abort(t);
	reply_query(call, err, out, &qf);
}

static void m_uninstall_filter(rpc_call *call, json_t *params, void *arg)
{
	api_eth_chain *ec = arg;
	if (!params_ok(call, params, 1, 1))
		return;
	filters_expire(ec);
	const json_t *v = ethjson_param(params, 0);
	uint8_t id[16];
	api_err e;
	if (!json_is_string(v)) {
		api_errf(&e, "json: cannot unmarshal non-string into Go value of "
		             "type rpc.ID");
		arg_ok(call, DURE_EINVAL, &e, 0);
		return;
	}
	bool found = false;
	if (ethjson_get_fixed(v, id, sizeof id, &e) == 0)
		for (size_t i = 0; i < API_FILTERS_MAX && !found; i++)
			if (ec->filters[i] &&
			    memcmp(ec->filters[i]->id, id, sizeof id) == 0) {
				filter_free(ec->filters[i]);
				ec->filters[i] = NULL;
				found = true;
			}
	rpc_reply(call, json_boolean(found));
}

static void queue_hash(filter *f, const h256 *h)
{
	if (f->nqueue == f->capqueue) {
		if (f->capqueue == API_FILTER_QUEUE_MAX)
			return;
		size_t cap = f->capqueue ? 2 * f->capqueue : 16;
		if (cap > API_FILTER_QUEUE_MAX)
			cap = API_FILTER_QUEUE_MAX;
		h256 *q = realloc(f->queue, cap * sizeof *q);
		if (!q)
			return;
		f->queue = q;
		f->capqueue = cap;
	}
	f->queue[f->nqueue++] = *h;
}

/* The number of the first block of a run (UINT64_MAX for none, or when
 * it cannot be read). */
static uint64_t first_number(const api_eth_chain *ec, db_txn *t,
                             const h256 *hashes, size_t n)
{
	uint64_t number;
	if (!n || store_number(S(ec), t, &hashes[0], &number))
		return UINT64_MAX;
	return number;
}

/* A log filter learns of a route: the removed blocks it reported, or
 * that were sealed before it was installed (geth reports those too),
 * are queued to be reported removed; blocks added below its next block
 * (the new branch) are reported at the next poll. */
static void logs_on_route(filter *f, uint64_t removed0, const h256 *removed,
                          size_t nremoved, uint64_t added0)
{
	for (size_t k = 0; removed0 != UINT64_MAX && k < nremoved; k++)
		if (removed0 + k < f->next && query_bounds(&f->q, removed0 + k))
			queue_hash(f, &removed[k]);
	if (added0 < f->next)
		f->next = added0;
}

void api_filters_on_head(api_eth_chain *ec, const h256 *removed,
                         size_t nremoved, const h256 *added, size_t nadded)
{
	filters_expire(ec);
	bool logs = false;
	for (size_t i = 0; i < API_FILTERS_MAX && !logs; i++)
		logs = ec->filters[i] && ec->filters[i]->kind == FILTER_LOGS;
	/* Only log filters need the route's block numbers. */
	uint64_t removed0 = UINT64_MAX, added0 = UINT64_MAX;
	db_txn *t;
	if (logs && (nremoved || nadded) && begin(ec, &t) == DURE_OK) {
		removed0 = first_number(ec, t, removed, nremoved);
		added0 = first_number(ec, t, added, nadded);
		db_abort(t);
	}
	for (size_t i = 0; i < API_FILTERS_MAX; i++) {
		filter *f = ec->filters[i];
		if (f && f->kind == FILTER_LOGS)
			logs_on_route(f, removed0, removed, nremoved, added0);
		for (size_t k = 0; f && f->kind == FILTER_BLOCKS && k < nadded; k++)
			queue_hash(f, &added[k]);
	}
}

void api_filters_on_pending_tx(api_eth_chain *ec, const h256 *hash)
{
	for (size_t i = 0; i < API_FILTERS_MAX; i++) {
		filter *f = ec->filters[i];
		if (f && f->kind == FILTER_PENDING)
			queue_hash(f, hash);
	}
}

/* ---- lifetime and registration ---- */

int api_eth_chain_new(api_ctx *ctx, const dure_clock *clock,
                      api_eth_chain **out)
{
	api_eth_chain *ec = calloc(1, sizeof *ec);
	*out = NULL;
	if (!ec)
		return DURE_ENOMEM;
	ec->ctx = ctx;
	ec->clock = clock;
	/* Filter ids only need to be hard to guess; without getrandom the
	 * clock and the address of ec still make them unique. */
	if (getrandom(ec->id_key, sizeof ec->id_key, 0) !=
	    (ssize_t)sizeof ec->id_key) {
		uint64_t seed[2] = {dure_monotonic_ns(), (uint64_t)(uintptr_t)ec};
		keccak256((const uint8_t *)seed, sizeof seed, ec->id_key);
	}
	*out = ec;
	return DURE_OK;
}

void api_eth_chain_free(api_eth_chain *ec)
{
	if (!ec)
		return;
	for (size_t i = 0; i < API_FILTERS_MAX; i++)
		filter_free(ec->filters[i]);
	free(ec);
}

int api_txpool_lookup(void *pool, const h256 *hash, tx *out, address *from)
{
	const txpool_entry *e = txpool_get(pool, hash);
	memset(out, 0, sizeof *out);
	if (!e)
		return DURE_ENOTFOUND;
	*from = e->sender;
	return tx_decode(e->raw, e->raw_len, out);
}

void api_eth_chain_set_pool_lookup(api_eth_chain *ec, api_pool_lookup_fn fn,
                                   void *arg)
{
	ec->pool_fn = fn;
	ec->pool_arg = fn ? arg : NULL;
}

int api_eth_chain_register(rpc_registry *reg, api_eth_chain *ec)
{
	static const rpc_method methods[] = {
		{"web3_clientVersion", m_client_version},
		{"web3_sha3", m_sha3},
		{"net_version", m_net_version},
		{"eth_chainId", m_chain_id},
		{"eth_blockNumber", m_block_number},
		{"eth_syncing", m_syncing},
		{"eth_gasPrice", m_gas_price},
		{"eth_maxPriorityFeePerGas", m_max_priority_fee},
		{"eth_blobBaseFee", m_blob_base_fee},
		{"eth_feeHistory", m_fee_history},
		{"eth_getBlockByNumber", m_block_by_number},
		{"eth_getBlockByHash", m_block_by_hash},
		{"eth_getBlockTransactionCountByNumber", m_tx_count_by_number},
		{"eth_getBlockTransactionCountByHash", m_tx_count_by_hash},
		{"eth_getUncleCountByBlockNumber", m_uncle_count_by_number},
		{"eth_getUncleCountByBlockHash", m_uncle_count_by_hash},
		{"eth_getUncleByBlockNumberAndIndex", m_uncle_by_number},
		{"eth_getUncleByBlockHashAndIndex", m_uncle_by_hash},
		{"eth_getTransactionByHash", m_tx_by_hash},
		{"eth_getTransactionByBlockNumberAndIndex", m_tx_by_number_index},
		{"eth_getTransactionByBlockHashAndIndex", m_tx_by_hash_index},
		{"eth_getTransactionReceipt", m_receipt},
		{"eth_getBlockReceipts", m_block_receipts},
		{"eth_getLogs", m_get_logs},
		{"eth_newFilter", m_new_filter},
		{"eth_newBlockFilter", m_new_block_filter},
		{"eth_newPendingTransactionFilter", m_new_pending_filter},
		{"eth_getFilterChanges", m_filter_changes},
		{"eth_getFilterLogs", m_filter_logs},
		{"eth_uninstallFilter", m_uninstall_filter},
	};
	return rpc_register_all(reg, methods, sizeof methods / sizeof *methods,
	                        ec);
}
