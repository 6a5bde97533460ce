#include "chain/validate.h"

#include <stdbool.h>
#include <string.h>

#include "chain/transition.h"

/* The optional tail fields a header of fork rev must carry, and no
 * others. */
static bool fields_match(fork rev, const header *h)
{
	return h->has_base_fee == (rev >= FORK_LONDON) &&
	       h->has_withdrawals_root == (rev >= FORK_SHANGHAI) &&
	       h->has_blob_gas == (rev >= FORK_CANCUN) &&
	       h->has_parent_beacon_root == (rev >= FORK_CANCUN);
}

/* London starts at a block number, so a header is London iff its number
 * has reached the fork's. */
static bool is_london(const chain_config *c, const header *h)
{
	return h->number >= c->activation[FORK_LONDON];
}

int header_check_gas_limit(uint64_t parent_limit, uint64_t gas_limit)
{
	uint64_t diff = parent_limit > gas_limit ? parent_limit - gas_limit
	                                         : gas_limit - parent_limit;
	if (diff >= parent_limit / GAS_LIMIT_BOUND_DIVISOR ||
	    gas_limit < GAS_LIMIT_MIN)
		return DURE_EBLOCK_GAS_LIMIT;
	return DURE_OK;
}

int header_base_fee(const chain_config *c, const header *parent, u256 *out)
{
	*out = U256_ZERO;
	if (!is_london(c, parent)) {
		*out = u256_from_u64(BASE_FEE_INITIAL);
		return DURE_OK;
	}
	if (!parent->has_base_fee)
		return DURE_EBLOCK_FIELDS;
	uint64_t target = parent->gas_limit / ELASTICITY_MULTIPLIER;
	/* A target of 0 (a genesis gas limit below 2) has nothing to move
	 * toward. */
	if (parent->gas_used == target || target == 0) {
		*out = parent->base_fee;
		return DURE_OK;
	}
	bool up = parent->gas_used > target;
	u256 delta = u256_from_u64(up ? parent->gas_used - target
	                              : target - parent->gas_used);
	/* change = floor(fee * delta / (8 * target)), which may need more
	 * than 256 bits before the division: with fee = q * div + r, it is
	 * q * delta + floor(r * delta / div), where r * delta < 2^131. q *
	 * delta is at most the change, so it overflows only when the fee
	 * going up would. */
	u256 div = u256_from_u64(target);
	u256 eight = u256_from_u64(BASE_FEE_CHANGE_DENOMINATOR);
	div = u256_mul(&div, &eight);
	u256 q = u256_div(&parent->base_fee, &div);
	u256 r = u256_mod(&parent->base_fee, &div);
	u256 change, lo = u256_mul(&r, &delta);
	lo = u256_div(&lo, &div);
	if (u256_mul_overflow(&change, &q, &delta) ||
	    u256_add_overflow(&change, &change, &lo))
		return DURE_ERANGE;
	if (!up) {
		*out = u256_sub(&parent->base_fee, &change);
		return DURE_OK;
	}
	if (u256_is_zero(&change))
		change = u256_from_u64(1);
	if (u256_add_overflow(out, &parent->base_fee, &change)) {
		*out = U256_ZERO;
		return DURE_ERANGE;
	}
	return DURE_OK;
}

int header_excess_blob_gas(const header *parent, uint64_t *out)
{
	*out = 0;
	if (!parent->has_blob_gas)
		return DURE_OK;
	u256 a = u256_from_u64(parent->excess_blob_gas);
	u256 b = u256_from_u64(parent->blob_gas_used);
	u256 sum = u256_add(&a, &b);
	u256 target = u256_from_u64(TARGET_BLOB_GAS_PER_BLOCK);
	if (u256_lt(&sum, &target))
		return DURE_OK;
	u256 excess = u256_sub(&sum, &target);
	if (!u256_fits_u64(&excess))
		return DURE_ERANGE;
	*out = excess.w[0];
	return DURE_OK;
}

/* The gas limit within the bound of the parent's, which counts double at
 * the London fork block (EIP-1559's elasticity). */
static int check_gas_limit(const chain_config *c, fork rev,
                           const header *parent, const header *h)
{
	uint64_t parent_limit = parent->gas_limit;
	if (rev >= FORK_LONDON && !is_london(c, parent) &&
	    __builtin_mul_overflow(parent_limit, ELASTICITY_MULTIPLIER,
	                           &parent_limit))
		return DURE_EBLOCK_GAS_LIMIT;
	return header_check_gas_limit(parent_limit, h->gas_limit);
}

static int check_blob_gas(const header *parent, const header *h)
{
	if (h->blob_gas_used > MAX_BLOB_GAS_PER_BLOCK ||
	    h->blob_gas_used % GAS_PER_BLOB != 0)
		return DURE_EBLOCK_BLOB_GAS_USED;
	uint64_t want;
	if (header_excess_blob_gas(parent, &want) != DURE_OK ||
	    want != h->excess_blob_gas)
		return DURE_EBLOCK_EXCESS_BLOB_GAS;
	return DURE_OK;
}

size_t header_extra_max(const chain_config *c)
{
	return c->has_bft ? HEADER_EXTRA_MAX : EXTRA_DATA_MAX;
}

int header_validate(const chain_config *c, fork rev, const header *parent,
                    const header *h)
{
	if (!fields_match(rev, h))
		return DURE_EBLOCK_FIELDS;
	if (h->extra_len > header_extra_max(c))
		return DURE_EBLOCK_EXTRA_DATA;
	if (parent->number == UINT64_MAX || h->number != parent->number + 1)
		return DURE_EBLOCK_NUMBER;
	if (h->timestamp <= parent->timestamp)
		return DURE_EBLOCK_TIMESTAMP;
	if (h->gas_limit > GAS_LIMIT_MAX)
		return DURE_EBLOCK_GAS_LIMIT;
	/* A dev chain's producer sets the gas limit (chain_config.dev_rules),
	 * within the absolute bounds. */
	int err = !c->dev_rules                ? check_gas_limit(c, rev, parent, h)
	          : h->gas_limit < GAS_LIMIT_MIN ? DURE_EBLOCK_GAS_LIMIT
	                                         : DURE_OK;
	if (err != DURE_OK)
		return err;
	if (h->gas_used > h->gas_limit)
		return DURE_EBLOCK_GAS_USED_OVER;
	if (rev >= FORK_LONDON && !c->dev_rules) {
		u256 want;
		if (header_base_fee(c, parent, &want) != DURE_OK ||
		    !u256_eq(&want, &h->base_fee))
			return DURE_EBLOCK_BASE_FEE;
	}
	if (rev >= FORK_CANCUN)
		return check_blob_gas(parent, h);
	return DURE_OK;
}

int body_validate(fork rev, const block *b)
{
	h256 root;
	int err = block_tx_root(b->txs, b->ntxs, &root);
	if (err != DURE_OK)
		return err;
	if (!h256_eq(&root, &b->h.tx_root))
		return DURE_EBLOCK_TX_ROOT;
	err = block_ommers_hash(b->ommers, b->nommers, &root);
	if (err != DURE_OK)
		return err;
	if (!h256_eq(&root, &b->h.ommers_hash))
		return DURE_EBLOCK_OMMERS_HASH;
	if (b->has_withdrawals != (rev >= FORK_SHANGHAI))
		return DURE_EBLOCK_WITHDRAWALS;
	if (!b->has_withdrawals)
		return DURE_OK;
	err = block_withdrawals_root(b->withdrawals, b->nwithdrawals, &root);
	if (err != DURE_OK)
		return err;
	if (!b->h.has_withdrawals_root ||
	    !h256_eq(&root, &b->h.withdrawals_root))
		return DURE_EBLOCK_WITHDRAWALS_ROOT;
	return DURE_OK;
}
