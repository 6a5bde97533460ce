/* EIP-2124 fork identifiers, with EIP-6122's timestamp forks: what a node
 * sends in its Status so that a peer on another chain, or one that missed
 * a fork, is told apart before any block is exchanged.
 *
 *   FORK_HASH = CRC32(genesis hash || fork_1 || ... || fork_k), each fork
 *               an 8-byte big-endian block number or timestamp, for the
 *               forks the head has passed (IEEE CRC32, as zlib's)
 *   FORK_NEXT = the next fork not passed, or 0 when none is scheduled
 *   RLP:        [FORK_HASH (4 bytes, big-endian), FORK_NEXT]
 *
 * The forks are those of geth's gatherForks: every block-number fork
 * point of the chain (the rule forks through London, the DAO fork, the
 * difficulty-bomb delays and mergeNetsplitBlock), sorted, deduplicated
 * and without block 0; then the timestamp forks (Shanghai, Cancun),
 * sorted, deduplicated and without those at or before the genesis time.
 * The head passes a block fork by its number and a timestamp fork by its
 * time, and no timestamp fork before every block fork. */
#ifndef DURE_ETH_FORKID_H
#define DURE_ETH_FORKID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/bytes.h"
#include "base/err.h"
#include "chain/config.h"
#include "rlp/rlp.h"

typedef struct fork_id {
	uint8_t hash[4];   /* FORK_HASH: the CRC32, big-endian */
	uint64_t next;     /* FORK_NEXT */
} fork_id;

#define FORKID_MAX_FORKS 32

/* A chain's forks and the checksum after each: a plain value. */
typedef struct forkid_table {
	/* Block-number forks ascending, then timestamp forks ascending. */
	uint64_t forks[FORKID_MAX_FORKS];
	size_t nforks, nblock;   /* nblock: how many of forks are numbers */
	/* sums[i]: CRC32 of the genesis hash and forks[0..i). */
	uint32_t sums[FORKID_MAX_FORKS + 1];
} forkid_table;

/* Builds the table of chain c, whose genesis block has hash `genesis` and
 * timestamp genesis_time. A fork at CHAIN_NEVER is not scheduled, and
 * dao_block and the glacier blocks at 0 are none. Returns DURE_OK (the
 * table holds every fork a chain_config can name). */
DURE_WUR int forkid_table_init(const chain_config *c, const h256 *genesis,
                               uint64_t genesis_time, forkid_table *out);

/* The fork id of a head with this block number and timestamp. */
void forkid_at(const forkid_table *t, uint64_t head_number,
               uint64_t head_time, fork_id *out);

/* Whether a peer announcing `remote` may stay, for our head (number,
 * time): EIP-2124's rules as geth's forkid.NewFilter applies them, with
 * the timestamp forks of EIP-6122. Accepted: the same checksum, unless
 * the peer's next fork is one we have passed (1); a checksum of our past
 * whose next fork is the one we passed after it (2); a checksum of our
 * future (3). Everything else is refused (4). Returns DURE_OK or
 * DURE_EETH_FORKID. */
DURE_WUR int forkid_check(const forkid_table *t, uint64_t head_number,
                          uint64_t head_time, const fork_id *remote);

/* Appends f as RLP [hash, next]. Check buf_failed(b). */
void forkid_put(buf *b, const fork_id *f);

/* Takes the next item of c as a fork id: a list of exactly a 4-byte
 * string and a canonical 64-bit integer. On failure c->err is set and
 * *out zeroed. */
void forkid_take(rlp_cur *c, fork_id *out);

#endif
