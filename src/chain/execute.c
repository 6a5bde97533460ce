#include "chain/execute.h"

#include <stdlib.h>
#include <string.h>

#include "chain/transition.h"
#include "chain/tx.h"
#include "evm/host.h"

#define GWEI 1000000000ull

const address SYSTEM_ADDRESS = {{
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
}};

const address BEACON_ROOTS_ADDRESS = {{
	0x00, 0x0f, 0x3d, 0xf6, 0xd7, 0x32, 0x80, 0x7e, 0xf1, 0x31,
	0x9f, 0xb7, 0xb8, 0xbb, 0x85, 0x22, 0xd0, 0xbe, 0xac, 0x02,
}};

void block_result_free(block_result *r)
{
	for (size_t i = 0; i < r->nreceipts; i++)
		receipt_free(&r->receipts[i]);
	free(r->receipts);
	free(r->senders);
	memset(r, 0, sizeof *r);
}

int block_env_init(const chain_config *c, fork rev, const header *h,
                   block_env *out)
{
	memset(out, 0, sizeof *out);
	if ((rev >= FORK_LONDON && !h->has_base_fee) ||
	    (rev >= FORK_CANCUN &&
	     (!h->has_blob_gas || !h->has_parent_beacon_root)))
		return DURE_EBLOCK_FIELDS;
	out->coinbase = h->coinbase;
	out->number = h->number;
	out->timestamp = h->timestamp;
	out->gas_limit = h->gas_limit;
	if (h->has_base_fee)
		out->base_fee = h->base_fee;
	if (rev >= FORK_PARIS)
		out->prev_randao = h->mix_hash;
	else
		u256_to_be(&h->difficulty, out->prev_randao.b);
	if (h->has_blob_gas)
		out->excess_blob_gas = h->excess_blob_gas;
	out->chain_id = c->chain_id;
	out->unlimited_code_size = c->unlimited_code_size;
	out->allow_sender_code = c->dev_rules;
	return DURE_OK;
}

/* block_env_init with what the options add. */
static int make_env(const chain_config *c, fork rev, const header *h,
                    const block_exec_opts *o, block_env *out)
{
	int err = block_env_init(c, rev, h, out);
	out->codes = o->codes;
	out->block_hash = o->block_hash;
	out->block_hash_ctx = o->block_hash_ctx;
	return err;
}

/* The call's outcome is ignored: a missing contract or a failing one
 * changes nothing. */
int block_beacon_root_call(state *st, fork rev, const block_env *env,
                           const h256 *root)
{
	const tx bare = {.has_to = true, .to = BEACON_ROOTS_ADDRESS};
	const u256 price = U256_ZERO;
	u256 blob_fee = blob_base_fee(env->excess_blob_gas);
	evm_tx_context txc = transition_tx_context(&bare, env, &SYSTEM_ADDRESS,
	                                           &price, &blob_fee);
	transition_warm(st, rev, env, &bare, &SYSTEM_ADDRESS);
	evm_message msg = {
		.kind = EVM_CALL,
		.gas = BEACON_ROOTS_GAS,
		.recipient = BEACON_ROOTS_ADDRESS,
		.sender = SYSTEM_ADDRESS,
		.code_address = BEACON_ROOTS_ADDRESS,
		.input = root->b,
		.input_size = sizeof root->b,
	};
	evm_result r = transition_call(st, rev, env, &txc, &msg, NULL);
	evm_result_release(&r);
	/* The zero-value call touched the system address and the contract:
	 * EIP-161 removes them again when they are empty. */
	state_end_tx(st, true);
	return state_error(st);
}

/* The state root after a pre-Byzantium transaction. */
static int post_state(state *st, const block_exec_opts *o, h256 *out)
{
	if (o->intermediate_root)
		return o->intermediate_root(o->root_ctx, st, out);
	return state_root(st, out);
}

static int run_txs(state *st, fork rev, const block *b,
                   const block_env *env, const block_exec_opts *o,
                   block_result *out)
{
	for (size_t i = 0; i < b->ntxs; i++) {
		const tx *t = &b->txs[i];
		receipt *rc = &out->receipts[i];
		address from = {{0}};
		int err = tx_validate_limits(t, rev, env->unlimited_code_size);
		if (err == DURE_OK)
			err = tx_check_chain_id(t, env->chain_id);
		if (err == DURE_OK) {
			if (o->senders)
				from = o->senders[i];
			else
				err = tx_sender(t, &from);
		}
		const block_gas used = {out->gas_used, out->blob_gas_used};
		if (err == DURE_OK)
			err = transition_apply(st, rev, env, t, &from, &used, NULL,
			                       NULL, rc);
		if (err != DURE_OK) {
			out->bad_tx = i;
			return err;
		}
		out->senders[i] = from;
		out->nreceipts = i + 1;
		if (rev < FORK_BYZANTIUM) {
			err = post_state(st, o, &rc->post_state);
			if (err != DURE_OK)
				return err;
			rc->has_post_state = true;
		}
		out->gas_used = rc->cumulative_gas;
		/* transition_apply kept the blob gas within the block's cap. */
		out->blob_gas_used += (uint64_t)t->blob_hashes_len * GAS_PER_BLOB;
	}
	return DURE_OK;
}

/* EIP-4895: withdrawals credit balances outside the gas accounting. */
static int withdraw(state *st, const block *b)
{
	const u256 gwei = u256_from_u64(GWEI);
	for (size_t i = 0; i < b->nwithdrawals; i++) {
		const withdrawal *w = &b->withdrawals[i];
		u256 wei = u256_from_u64(w->amount_gwei);
		wei = u256_mul(&wei, &gwei);
		if (!state_add_balance(st, &w->addr, &wei))
			return DURE_ERANGE;
	}
	return DURE_OK;
}

int block_run(state *st, const chain_config *c, fork rev, const block *b,
              const block_exec_opts *opts, block_result *out)
{
	static const block_exec_opts none = {0};
	const block_exec_opts *o = opts ? opts : &none;
	memset(out, 0, sizeof *out);
	out->bad_tx = SIZE_MAX;
	block_env env;
	int err = make_env(c, rev, &b->h, o, &env);
	if (err == DURE_OK && b->has_withdrawals != (rev >= FORK_SHANGHAI))
		err = DURE_EBLOCK_WITHDRAWALS;
	if (err == DURE_OK && b->ntxs) {
		out->receipts = calloc(b->ntxs, sizeof *out->receipts);
		out->senders = calloc(b->ntxs, sizeof *out->senders);
		if (!out->receipts || !out->senders)
			err = DURE_ENOMEM;
	}
	if (err == DURE_OK && o->begin)
		err = o->begin(o->begin_ctx, st, b, rev);
	if (err == DURE_OK && rev >= FORK_CANCUN)
		err = block_beacon_root_call(st, rev, &env, &b->h.parent_beacon_root);
	if (err == DURE_OK)
		err = run_txs(st, rev, b, &env, o, out);
	if (err == DURE_OK)
		err = withdraw(st, b);
	if (err == DURE_OK && o->finalize)
		err = o->finalize(o->finalize_ctx, st, b, rev);
	if (err == DURE_OK) {
		state_end_tx(st, rev >= FORK_SPURIOUS);
		err = state_error(st);
	}
	if (err == DURE_OK)
		err = block_receipts_root(out->receipts, out->nreceipts,
		                          &out->receipts_root);
	if (err != DURE_OK) {
		size_t bad = out->bad_tx;
		block_result_free(out);
		out->bad_tx = bad;
		return err;
	}
	block_bloom(out->receipts, out->nreceipts, out->bloom);
	return DURE_OK;
}

int block_result_check(const block_result *r, const header *h)
{
	if (r->gas_used != h->gas_used)
		return DURE_EBLOCK_GAS_USED;
	if (r->blob_gas_used != (h->has_blob_gas ? h->blob_gas_used : 0))
		return DURE_EBLOCK_BLOB_GAS_USED;
	if (!h256_eq(&r->receipts_root, &h->receipts_root))
		return DURE_EBLOCK_RECEIPTS_ROOT;
	if (memcmp(r->bloom, h->bloom, sizeof r->bloom) != 0)
		return DURE_EBLOCK_BLOOM;
	return DURE_OK;
}

int block_execute(state *st, const chain_config *c, fork rev,
                  const block *b, const block_exec_opts *opts,
                  block_result *out)
{
	int err = block_run(st, c, rev, b, opts, out);
	if (err != DURE_OK)
		return err;
	err = block_result_check(out, &b->h);
	if (err != DURE_OK) {
		block_result_free(out);
		out->bad_tx = SIZE_MAX;
	}
	return err;
}
