/* The engine a chain names: a data directory's chain is opened under the
 * consensus its genesis config chose, by every command that opens it
 * (`dure node`, `dure import`): proof of work when the config has a
 * "pow" object, BFT when it has a "bft" object, else the post-merge
 * rules. */
#ifndef DURE_CONSENSUS_CHAIN_ENGINE_H
#define DURE_CONSENSUS_CHAIN_ENGINE_H

#include "base/err.h"
#include "consensus/bft/rules.h"
#include "consensus/blockchain.h"
#include "consensus/pow.h"
#include "store/store.h"

/* The engine state a chain was opened with: at most one is set. */
typedef struct chain_engines {
	pow *pw;         /* a proof-of-work chain's */
	bft_rules *bft;  /* a BFT chain's */
} chain_engines;

/* Opens the chain in s (see blockchain_open; opts may be NULL) under its
 * engine, whose state *e holds (attached to *out); the caller frees it
 * with chain_engines_free after blockchain_free. Returns as
 * blockchain_open, DURE_EINVAL (a "bft" set the rules refuse) or
 * DURE_ENOMEM; on failure *out is NULL and *e empty. */
DURE_WUR int chain_engine_open(store *s, const blockchain_opts *opts,
                               chain_engines *e, blockchain **out);

/* Frees what e holds and empties it. */
void chain_engines_free(chain_engines *e);

#endif
