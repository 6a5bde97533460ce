/* The pool's view of the chain (txpool/txpool.h's txpool_env): the rules,
 * fees and gas limit of the block that would follow the head, and the
 * head's accounts. */
#ifndef DURE_CONSENSUS_POOL_ENV_H
#define DURE_CONSENSUS_POOL_ENV_H

#include "base/err.h"
#include "chain/block.h"
#include "consensus/blockchain.h"
#include "state/state.h"
#include "txpool/txpool.h"

/* Fills *out for the child of head (a header of bc's chain): its fork,
 * chain id, EIP-1559 base fee, blob base fee and gas limit (the head's),
 * with accounts read through `accounts` (borrowed: it must outlive every
 * use of *out). Returns DURE_OK or a header_base_fee error. */
DURE_WUR int blockchain_pool_env(const blockchain *bc, const header *head,
                                 const state_backend *accounts,
                                 txpool_env *out);

/* The head of bc moved from old_head (its hash before an import or a
 * rewind): re-validates the pool against the new head's state
 * (txpool_on_head), handing back the transactions of the blocks that
 * left the canonical chain, those from old_head down to the common
 * ancestor with the new chain, so that a reorg loses none. Returns DURE_OK,
 * DURE_ERANGE when more than BLOCKCHAIN_MAX_REORG blocks would come back,
 * or a db / txpool_on_head error; the pool is consistent either way. */
DURE_WUR int blockchain_pool_sync(blockchain *bc, txpool *pool,
                                  const h256 *old_head);

#endif
