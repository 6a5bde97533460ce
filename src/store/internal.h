/* What the store's own modules (store.c, history.c) share and nothing
 * outside store/ uses: the table handles and the record codecs of
 * tables.h. */
#ifndef DURE_STORE_INTERNAL_H
#define DURE_STORE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "state/state.h"
#include "store/store.h"
#include "store/tables.h"

/* The handle of table t (enum store_table) of s. */
db_table store_table(const store *s, enum store_table t);

/* v big-endian into p[0..8): block numbers in keys. */
void store_put_be64(uint8_t *p, uint64_t v);

/* An accounts record (rlp[nonce, balance, storageRoot, codeHash]).
 * Returns DURE_OK or DURE_EDB_CORRUPT with *out zeroed. */
DURE_WUR int store_account_decode(const uint8_t *p, size_t n,
                                  state_account *out);

#endif
