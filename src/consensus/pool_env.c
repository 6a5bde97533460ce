#include "consensus/pool_env.h"

#include <stdlib.h>
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

/* The transactions of the non-canonical blocks from hash down to the
 * first canonical one, appended to *blocks (each a block to free). */
static int collect_dropped(store *s, db_txn *t, h256 hash, block **blocks,
                           address ***senders, size_t *nblocks)
{
	for (;;) {
		uint64_t number;
		h256 canon;
		int err = store_number(s, t, &hash, &number);
		if (err)
			return err;
		err = store_canonical(s, t, number, &canon);
		if (!err && h256_eq(&canon, &hash))
			return DURE_OK;
		if (err && err != DURE_ENOTFOUND)
			return err;
		if (*nblocks >= BLOCKCHAIN_MAX_REORG)
			return DURE_ERANGE;
		block *nb = realloc(*blocks, (*nblocks + 1) * sizeof *nb);
		if (!nb)
			return DURE_ENOMEM;
		*blocks = nb;
		address **ns = realloc(*senders, (*nblocks + 1) * sizeof *ns);
		if (!ns)
			return DURE_ENOMEM;
		*senders = ns;
		block *b = &nb[*nblocks];
		address *snd = NULL;
		size_t nsnd = 0;
		err = store_block(s, t, &hash, b);
		if (err)
			return err;
		err = store_senders(s, t, &hash, &snd, &nsnd);
		if (!err && nsnd != b->ntxs)
			err = DURE_EDB_CORRUPT;
		if (err) {
			free(snd);
			block_free(b);
			return err;
		}
		ns[*nblocks] = snd;
		(*nblocks)++;
		hash = b->h.parent_hash;
	}
}

int blockchain_pool_sync(blockchain *bc, txpool *pool, const h256 *old_head)
{
	store *s = blockchain_store(bc);
	db_txn *t;
	int err = db_begin_read(store_db(s), &t);
	if (err)
		return err;
	block *blocks = NULL;
	address **senders = NULL;
	size_t nblocks = 0, ntx = 0;
	const tx **txs = NULL;
	address *from = NULL;
	err = collect_dropped(s, t, *old_head, &blocks, &senders, &nblocks);
	for (size_t i = 0; !err && i < nblocks; i++)
		ntx += blocks[i].ntxs;
	if (!err && ntx) {
		txs = calloc(ntx, sizeof *txs);
		from = calloc(ntx, sizeof *from);
		if (!txs || !from)
			err = DURE_ENOMEM;
	}
	/* Oldest block first, so a sender's nonces come back in order. */
	size_t k = 0;
	for (size_t i = nblocks; !err && i-- > 0;)
		for (size_t j = 0; j < blocks[i].ntxs; j++, k++) {
			txs[k] = &blocks[i].txs[j];
			from[k] = senders[i][j];
		}
	h256 hash;
	header head;
	if (!err)
		err = store_head(s, t, &hash);
	if (!err)
		err = store_header(s, t, &hash, &head);
	store_view v = {s, t};
	state_backend be;
	store_view_backend(&v, &be);
	txpool_env env;
	if (!err)
		err = blockchain_pool_env(bc, &head, &be, &env);
	if (!err)
		err = txpool_on_head(pool, &env, txs, from, k);
	free(txs);
	free(from);
	for (size_t i = 0; i < nblocks; i++) {
		block_free(&blocks[i]);
		free(senders[i]);
	}
	free(blocks);
	free(senders);
	db_abort(t);
	return err;
}
