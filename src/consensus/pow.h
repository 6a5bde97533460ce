/* The proof-of-work engine: Nakamoto consensus over a keccak-256 seal.
 *
 * The contract. A proof-of-work chain (chain_config.has_pow, its "pow"
 * object: target_block_time T, min_difficulty, block_reward) runs the EVM
 * rules of its forks as its config schedules them; a devnet schedules
 * every fork through Cancun at genesis with mergeNetsplitBlock 0, and the
 * EVM then reads PREVRANDAO as the header's mix hash, which this engine
 * requires to be zero: PREVRANDAO is 0 on such a chain, never a source of
 * randomness. The engine's rules for a header h, child of parent:
 *
 *   config   the chain has a "pow" object        else DURE_EBLOCK_FIELDS
 *   extra    at most 32 bytes of extra data      else DURE_EBLOCK_EXTRA_DATA
 *   time     h.timestamp at most POW_MAX_FUTURE_S seconds after the
 *            engine's clock (unix time)          else DURE_EBLOCK_FUTURE
 *   ommers   ommersHash = EMPTY_OMMERS_HASH, and the body carries none
 *                                                else DURE_EBLOCK_OMMERS
 *   mix      mixHash zero                        else DURE_EBLOCK_SEAL
 *   bound    h's and parent's difficulty at most POW_MAX_DIFFICULTY
 *            (2^128), which keeps the arithmetic below inside 256 bits;
 *            no chain that starts at a sane difficulty gets near it
 *                                                else DURE_EBLOCK_DIFFICULTY
 *   diff     h.difficulty = d(parent, h.timestamp) exactly
 *                                                else DURE_EBLOCK_DIFFICULTY
 *   seal     keccak256(S || nonce), read as a 256-bit big-endian
 *            integer, at most floor(2^256 / h.difficulty)
 *                                                else DURE_EBLOCK_SEAL
 *
 * where S = rlp(the header's field list without mixHash and nonce: every
 * other field in order, the optional London/Shanghai/Cancun tail fields
 * the header has included) and nonce is the header's 8 nonce bytes as they
 * are (the miner counts them as a big-endian integer). Difficulty 1 lets
 * every hash pass. This is not Ethash: no DAG and no mix digest, so a
 * seal costs one keccak to check.
 *
 * Difficulty. For a child at timestamp t (after the parent's, which
 * chain/validate.c enforces), dt = t - parent.timestamp and
 * step = parent.difficulty / POW_BOUND_DIVISOR:
 *
 *   dt <  T:  d = parent.difficulty + step * (T - dt) / T
 *   dt >= T:  d = parent.difficulty - step * min(dt - T, 2T) / T
 *   then      d = max(d, min_difficulty)
 *
 * (integer division, left to right). A block faster than T raises the
 * difficulty by up to 1/8, a slower one lowers it by up to 1/4 (reached
 * at dt = 3T). With parent.difficulty <= 2^128: step <= 2^125, the
 * multiplier is below 2^65, so every product is below 2^190; the increase
 * is at most step, the decrease at most 2 * step <= parent.difficulty / 4:
 * no step overflows or underflows.
 *
 * Reward (finalize): block_reward wei to the block's coinbase (a checked
 * add: a balance that would pass 2^256 - 1 fails the block with
 * DURE_ERANGE), nothing else (no ommer rewards). The priority fees were
 * paid to the coinbase by each transaction's execution
 * (chain/transition.c, transition_apply_opts: gas used times the
 * effective tip, credited after the refund), and the base fee is burnt
 * there too.
 *
 * Fork choice (prefer): the candidate head wins only when its total
 * difficulty is strictly greater than the current head's; on a tie the
 * head stays (first seen wins).
 *
 * prepare: difficulty d(parent, h.timestamp), nonce 0, mix hash 0, empty
 * ommers hash.
 *
 * A pow is used from the loop thread; pow_seal_* and pow_work_* are pure
 * functions of their arguments and safe on any thread. */
#ifndef DURE_CONSENSUS_POW_H
#define DURE_CONSENSUS_POW_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "chain/block.h"
#include "chain/config.h"
#include "consensus/blockchain.h"
#include "consensus/engine.h"
#include "crypto/keccak.h"
#include "u256/u256.h"

/* A header this far (seconds) ahead of the engine's clock is refused. */
#define POW_MAX_FUTURE_S 15
/* The share of the parent's difficulty one block can move it by. */
#define POW_BOUND_DIVISOR 8
/* The largest difficulty a header may carry: 2^128 (see above). */
#define POW_MAX_DIFFICULTY ((u256){{0, 0, 1, 0}})

typedef struct pow pow;

/* Creates the engine, reading unix time in milliseconds from wall (a
 * fake clock in tests; borrowed, it must outlive the engine; NULL: the
 * system's, dure_unix_ms). A pow is created before the blockchain
 * (blockchain_open takes its engine), then attached to it (pow_attach).
 * Returns DURE_OK or DURE_ENOMEM (*out NULL). */
DURE_WUR int pow_new(const dure_clock *wall, pow **out);

/* Frees p. NULL is a no-op. */
void pow_free(pow *p);

/* The engine to open the blockchain with; valid while p lives. */
const engine *pow_engine(pow *p);

/* Attaches the blockchain opened with pow_engine(p) (borrowed): the
 * engine's finalize, which the interface hands no config, reads the
 * block reward from its config. Until then finalize fails every block
 * with DURE_EINVAL, so that none is run without its reward. */
void pow_attach(pow *p, const blockchain *bc);

/* Writes to *out the difficulty d(parent, timestamp) of c's chain (see
 * above); a timestamp not after the parent's counts as dt = 0. Returns
 * DURE_OK, or DURE_EBLOCK_DIFFICULTY (*out zeroed) when the parent's
 * difficulty is above POW_MAX_DIFFICULTY. c must have has_pow. */
DURE_WUR int pow_difficulty(const chain_config *c, const header *parent,
                            uint64_t timestamp, u256 *out);

/* Writes to *target floor(2^256 / *difficulty), the largest seal hash
 * that passes; for difficulty 1 (and 0, read as 1) 2^256 - 1, which
 * every hash passes. */
void pow_target(const u256 *difficulty, u256 *target);

/* Appends S, the RLP of h's fields without mixHash and nonce (see
 * above), to out. Returns DURE_OK, DURE_ENOMEM, or DURE_EBLOCK_FORMAT for
 * optional fields that do not form a prefix of the tail (as
 * header_encode). */
DURE_WUR int pow_seal_rlp(const header *h, buf *out);

/* Writes keccak256(S || h.nonce) to out. Returns DURE_OK or
 * pow_seal_rlp's error (out zeroed). */
DURE_WUR int pow_seal_hash(const header *h, uint8_t out[32]);

/* Checks h's seal against its own difficulty. Returns DURE_OK,
 * DURE_EBLOCK_SEAL when the hash is above the target, or pow_seal_rlp's
 * error. */
DURE_WUR int pow_check_seal(const header *h);

/* The search for one header's nonce: S absorbed into a keccak context
 * once (the context is a plain value, copied per attempt, so that an
 * attempt hashes only the 8 nonce bytes and the padding), and the target
 * as 32 big-endian bytes, compared bytewise. */
typedef struct pow_work {
	keccak_ctx mid;          /* keccak state after S */
	uint8_t target[32];      /* pow_target of the difficulty, big-endian */
} pow_work;

/* Sets *out up for h (its difficulty, and S from every field but mixHash
 * and nonce). Returns DURE_OK or pow_seal_rlp's error (*out zeroed). */
DURE_WUR int pow_work_init(const header *h, pow_work *out);

/* Tries the nonces start, start + 1, ..., start + count - 1 (mod 2^64),
 * each as 8 big-endian bytes. Returns true with *nonce the first that
 * seals, or false (*nonce untouched) when none does. */
bool pow_work_search(const pow_work *w, uint64_t start, uint64_t count,
                     uint64_t *nonce);

/* Writes n as the header's 8 nonce bytes (big-endian). */
void pow_put_nonce(uint64_t n, uint8_t out[8]);

#endif
