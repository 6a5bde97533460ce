/* The dure_ methods of a BFT node (consensus/bft/driver.h), neither taking
 * parameters (any given: RPC_INVALID_PARAMS, "too many arguments, want at
 * most 0"):
 *
 *   dure_bftStatus    the round the machine is in, its lock, the validator
 *                     set of its height and the head's commit:
 *     {height: Q, round: Q,
 *      step: "propose" | "prevote" | "precommit",
 *      decided: bool,
 *      lockedRound: n (-1: not locked), lockedHash: H | null,
 *      validRound: n (-1: none), validHash: H | null,
 *      proposer: A | null (the round's proposer is not in the set),
 *      validator: bool, self: A | null (not a validator),
 *      validators: [{address: A, power: Q, proposerPriority: "-12"}],
 *      totalPower: Q, peers: n,
 *      lastCommit: null | {height: Q, hash: H, round: Q,
 *                          signatures: [{validator: A, index: n,
 *                                        signature: D}]}}
 *   dure_bftEvidence  the equivocations recorded, oldest first:
 *     [{height: Q, round: Q, step: "proposal" | "prevote" | "precommit",
 *       validator: A, index: n, seenAt: n (ms since the epoch),
 *       first: D, second: D}]
 *     first and second are the two conflicting messages in their wire
 *     forms (consensus/bft/vote.h).
 *
 * Q is a quantity ("0x" + minimal hex), D data, A an address and H a hash
 * as api/ethjson.h prints them; n a JSON number. proposerPriority is a
 * decimal string because the signed 64-bit priority does not survive a
 * JavaScript number. A commit's indices are into the set of its own
 * height (commit_set), which a set change can make differ from the
 * status's.
 *
 * Everything runs on the loop thread. */
#ifndef DURE_API_BFT_H
#define DURE_API_BFT_H

#include <stddef.h>

#include <jansson.h>

#include "base/err.h"
#include "consensus/bft/driver.h"
#include "rpc/jsonrpc.h"

/* Registers both methods in reg, serving from d (borrowed; it must
 * outlive the registry). Returns DURE_OK or the first rpc_register
 * error. */
DURE_WUR int api_bft_register(rpc_registry *reg, bft_driver *d);

/* The dure_bftStatus result for st. A step outside the three, or an index
 * (proposer, commit signer) outside st->set, prints as null. Returns a new
 * reference, or NULL when memory runs out. */
json_t *api_bft_status_json(const bft_driver_status *st);

/* The dure_bftEvidence result for the n records ev[0..n) (n may be 0; ev
 * may then be NULL). A step outside the three prints as null. Returns a
 * new reference, or NULL when memory runs out. */
json_t *api_bft_evidence_json(const bft_evidence *ev, size_t n);

#endif
