/* The engine a chain names: a data directory's chain is opened under the
 * consensus its genesis config chose, by every command that opens it
 * (`dure node`, `dure import`): proof of work when the config has a
 * "pow" object, else the post-merge rules. */
#ifndef DURE_CONSENSUS_CHAIN_ENGINE_H
#define DURE_CONSENSUS_CHAIN_ENGINE_H

#include "base/err.h"
#include "consensus/blockchain.h"
#include "consensus/pow.h"
#include "store/store.h"

/* Opens the chain in s (see blockchain_open; opts may be NULL) under its
 * engine. For a proof-of-work chain *pw is the engine, attached to *out,
 * which the caller frees with pow_free after blockchain_free; else *pw is
 * NULL. Returns as blockchain_open, or DURE_ENOMEM; on failure *out and
 * *pw are NULL. */
DURE_WUR int chain_engine_open(store *s, const blockchain_opts *opts,
                               pow **pw, blockchain **out);

#endif
