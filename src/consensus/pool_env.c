#include "consensus/pool_env.h"

#include <string.h>

#include "chain/transition.h"
#include "chain/validate.h"
#include "crypto/keccak.h"

static int read_account(void *ctx, const address *a, uint64_t *nonce,
                        u256 *balance, bool *has_code)
{
	const state_backend *be = ctx;
	state_account acc;
	int err = be->account(be->ctx, a, &acc);
	*nonce = 0;
	*balance = u256_from_u64(0);
	*has_code = false;
	if (err == DURE_ENOTFOUND)
		return DURE_OK;
	if (err)
		return err;
	h256 empty;
	keccak256(NULL, 0, empty.b);
	*nonce = acc.nonce;
	*balance = acc.balance;
	*has_code = !h256_eq(&acc.code_hash, &empty);
	return DURE_OK;
}

int blockchain_pool_env(const blockchain *bc, const header *head,
                        const state_backend *accounts, txpool_env *out)
{
	const chain_config *c = blockchain_config(bc);
	memset(out, 0, sizeof *out);
	/* The child's fork: its number and a timestamp one past the head's,
	 * the earliest it can have. */
	out->rev = chain_config_fork(c, head->number + 1, head->timestamp + 1);
	out->chain_id = c->chain_id;
	out->gas_limit = head->gas_limit;
	out->unlimited_code_size = c->unlimited_code_size;
	out->allow_sender_code = c->dev_rules;
	int err = DURE_OK;
	if (out->rev >= FORK_LONDON && head->has_base_fee)
		err = header_base_fee(c, head, &out->base_fee);
	if (!err && out->rev >= FORK_CANCUN) {
		uint64_t excess = 0;
		if (head->has_blob_gas)
			err = header_excess_blob_gas(head, &excess);
		out->blob_base_fee = blob_base_fee(excess);
	}
	out->account = read_account;
	out->ctx = (void *)accounts;
	if (err)
		memset(out, 0, sizeof *out);
	return err;
}
