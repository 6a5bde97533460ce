/* What the JSON-RPC namespaces of api/ serve from: the chain, the pool,
 * and, in a dev node, the dev engine's edits to the head's state. One
 * api_ctx per running node, owned by node/ and borrowed by every method
 * registered with it; it must outlive the rpc registry that serves them.
 * Everything runs on the loop thread. */
#ifndef DURE_API_API_H
#define DURE_API_API_H

#include <stdbool.h>
#include <stdint.h>

#include "consensus/blockchain.h"
#include "state/state.h"

typedef struct eth eth;
typedef struct txpool txpool;
typedef struct txpool_result txpool_result;
typedef struct txpool_env txpool_env;

/* An unlocked account: eth_accounts lists it, eth_sendTransaction and the
 * eth_sign family sign with its key. */
typedef struct api_account {
	address addr;
	uint8_t key[32];
} api_account;

typedef struct api_ctx {
	blockchain *bc;
	txpool *pool;              /* NULL: a node without a pool */
	const char *client_version;/* web3_clientVersion */
	/* The state edits a dev node holds on top of the head's state
	 * (anvil_setBalance and kin) until its next block carries them:
	 * wraps `below` (a backend reading the head's state) into *out, which
	 * reads the edits first and works from *scratch (state.h's state_overlay,
	 * the caller's storage).
	 * NULL outside a dev node. Used for every read of the latest and
	 * pending state. */
	void (*head_overlay)(void *octx, const state_backend *below,
	                     state_overlay *scratch, state_backend *out);
	void *overlay_ctx;
	const api_account *accounts; /* borrowed; naccounts of them */
	size_t naccounts;
	/* Called once a transaction from eth_sendRawTransaction or
	 * eth_sendTransaction entered the pool, before the call is answered:
	 * a dev node that automines seals it into a block here, so that its
	 * receipt exists when the client gets the hash. Returns DURE_OK or
	 * an error the call answers with. NULL: nothing to do. */
	int (*submitted)(void *sctx, const txpool_result *r);
	void *submit_ctx;
	/* True for an address eth_sendTransaction sends from without a key
	 * (a dev node's impersonated accounts): its transactions carry a
	 * placeholder signature and the pool and chain take the sender as
	 * given. NULL: none. */
	bool (*impersonated)(void *ictx, const address *a);
	void *imp_ctx;
	/* The pool's view of the block after head (consensus/pool_env.h's
	 * blockchain_pool_env, which NULL means): a dev node's has the gas
	 * limit and base fee its producer will give that block. */
	int (*pool_env)(void *pctx, const header *head,
	                const state_backend *accounts, txpool_env *out);
	void *pool_env_ctx;
	/* The header fields the block after the head will carry (number,
	 * timestamp, gas limit, base fee, coinbase, mix hash, excess blob
	 * gas): calls at "pending" run in that block, as Anvil and geth run
	 * them. NULL: "pending" calls run in the head block. */
	int (*next_header)(void *nctx, header *out);
	void *next_header_ctx;
	/* The block the node would seal now from its pool, not imported
	 * (eth_getBlockByNumber at "pending"): *out freed with block_free,
	 * *senders (one per transaction) with free. NULL: "pending" names
	 * the head. */
	int (*pending_block)(void *pctx, block *out, address **senders);
	void *pending_block_ctx;
	/* What block b (hash) did to the state before its transactions that
	 * no transaction explains (a dev node's edits), applied to st when
	 * replaying it for a trace. NULL: nothing. */
	int (*replay_begin)(void *rctx, state *st, const block *b,
	                    const h256 *hash);
	void *replay_ctx;
	/* The state after the pool's transactions run in the next block
	 * (what "pending" reads, as Anvil serves it), over below (the head's
	 * state, which must outlive it): a new state in *out, freed with
	 * state_free. NULL: "pending" reads the head's state. */
	int (*pending_state)(void *pctx, const state_backend *below,
	                     state **out);
	void *pending_state_ctx;
	/* The eth/68 engine of a network node, for eth_syncing; NULL in a
	 * dev node. */
	const eth *eth;
} api_ctx;

#endif
