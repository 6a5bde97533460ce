/* The BFT write-ahead log: every message a validator signs is appended and
 * synced to disk before it leaves the node, so that after a crash at any
 * instant the validator replays what it signed and never signs a second,
 * different message for the same height, round and step.
 *
 * The file is a sequence of records:
 *
 *   u32 length   (big-endian: bytes of kind, height and payload)
 *   u32 crc      (CRC-32C of those bytes, big-endian)
 *   u8  kind     (the caller's tag)
 *   u64 height   (big-endian)
 *   payload
 *
 * Appends are written with one write and synced (fdatasync) before
 * bft_wal_append returns. A crash can leave the last record torn: opening
 * drops a torn or unreadable tail (its message was never sent, since the
 * sync comes first) and truncates the file there. A bad record followed
 * by good ones is not a torn write but damage, and opening refuses the
 * file (DURE_EBFT_WAL) rather than forget what was signed.
 *
 * One bft_wal per file and process; not thread-safe. */
#ifndef DURE_CONSENSUS_BFT_WAL_H
#define DURE_CONSENSUS_BFT_WAL_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* A record's payload is at most this (a proposal with its block). */
#define BFT_WAL_RECORD_MAX (16u << 20)

typedef struct bft_wal bft_wal;

/* Opens (creating it, mode 0600, when missing) the log at path, reads it
 * and drops a torn tail as above. Returns DURE_OK, DURE_EIO, DURE_ENOMEM,
 * or DURE_EBFT_WAL for a damaged file; *out is NULL on failure. */
DURE_WUR int bft_wal_open(const char *path, bft_wal **out);

/* Closes w; NULL is ignored. */
void bft_wal_free(bft_wal *w);

/* Appends a record and syncs it. n at most BFT_WAL_RECORD_MAX (else
 * DURE_EINVAL). Returns DURE_OK, DURE_ENOMEM (nothing written), or
 * DURE_EIO: the file is cut back to its last whole record, and when even
 * that cannot be synced the log is broken and refuses every later append
 * with DURE_EIO until it is opened again. On any error the caller must
 * not send the message. */
DURE_WUR int bft_wal_append(bft_wal *w, uint8_t kind, uint64_t height,
                            const uint8_t *p, size_t n);

/* Calls fn for every record in file order with its kind, height and
 * payload (valid during the call, until fn appends). fn may append
 * (records appended during the replay are not replayed) but must not
 * prune. Stops at the first nonzero return of
 * fn and returns it; else DURE_OK, or DURE_EIO/DURE_ENOMEM. */
typedef int (*bft_wal_fn)(void *ctx, uint8_t kind, uint64_t height,
                          const uint8_t *p, size_t n);
DURE_WUR int bft_wal_replay(bft_wal *w, bft_wal_fn fn, void *ctx);

/* Drops every record of a height below `height`: writes the rest to a new
 * file, syncs it, renames it over the log and syncs the directory, so a
 * crash leaves either the old or the new log whole. Returns DURE_OK,
 * DURE_ENOMEM or DURE_EIO; the old log is then still in use, except when
 * only the directory sync failed: the new file is in use, and the log is
 * broken (as for bft_wal_append) since a crash could bring back the old
 * name. */
DURE_WUR int bft_wal_prune(bft_wal *w, uint64_t height);

/* Records in the log now, and the bytes they take. */
size_t bft_wal_count(const bft_wal *w);
uint64_t bft_wal_size(const bft_wal *w);

#endif
