/* Every table of the chain store, drawn once (as reth's tables list).
 * Nothing outside store/ opens these by name.
 *
 *   table            key                               value
 *   ---------------  --------------------------------  -----------------------------------
 *   meta             "head"                            hash of the head block (32)
 *                    "genesis"                         hash of block 0 (32)
 *                    "chain_config"                    the chain's config (geth's JSON)
 *                    "state_root"                      root of the flat state (32)
 *   header_numbers   hash (32)                         number (8, big-endian)
 *   headers          number (8) || hash (32)           header RLP
 *   bodies           number (8) || hash (32)           body RLP: [[tx...], [ommer...], [withdrawal...]?]
 *   receipts         number (8) || hash (32)           RLP list of receipt encodings (strings)
 *   senders          number (8) || hash (32)           sender of each transaction (20 each)
 *   td               number (8) || hash (32)           total difficulty (32, big-endian)
 *   canonical        number (8)                        hash (32)
 *   tx_lookup        tx hash (32)                      number (8) || index (4)
 *   accounts         address (20)                      rlp[nonce, balance, storageRoot, codeHash]
 *   storage          address (20) || slot (32)         value, minimal big-endian (never zero)
 *   code             code hash (32)                    code
 *   account_trie     path                              trie node RLP
 *   storage_trie     address (20) || path              trie node RLP
 *   account_changes  number (8) || address (20)        flags (1) || prior account RLP (if existed)
 *   storage_changes  number (8) || address (20) || slot (32)   prior value, minimal (empty: zero)
 *
 * Senders are kept for every executed block (a dev node's impersonated
 * transactions carry no signature that recovers them, and reading them
 * beats recovering them per RPC call).
 *
 * Written by store.c only, each block import in one write transaction.
 * Blocks sort by number under their number || hash keys, so a range of
 * blocks is one cursor walk. The flat state (accounts, storage, code) and
 * the tries are the head's; account_changes and storage_changes hold, for
 * every canonical block but genesis, the value each key had before the
 * block, which is what unwinding a block restores.
 *
 * A trie path is its nibbles packed two to a byte (the first in the high
 * half) followed by one byte holding the nibble count, so that paths of
 * odd and even length never collide. account_changes flags: bit 0 the
 * account existed before the block, bit 1 the block wiped its storage. */
#ifndef DURE_STORE_TABLES_H
#define DURE_STORE_TABLES_H

enum store_table {
	T_META,
	T_HEADER_NUMBERS,
	T_HEADERS,
	T_BODIES,
	T_RECEIPTS,
	T_SENDERS,
	T_TD,
	T_CANONICAL,
	T_TX_LOOKUP,
	T_ACCOUNTS,
	T_STORAGE,
	T_CODE,
	T_ACCOUNT_TRIE,
	T_STORAGE_TRIE,
	T_ACCOUNT_CHANGES,
	T_STORAGE_CHANGES,
	T_COUNT_
};

#define STORE_TABLE_NAMES                                                     \
	{"meta", "header_numbers", "headers", "bodies", "receipts", "senders", "td",         \
	 "canonical", "tx_lookup", "accounts", "storage", "code",                 \
	 "account_trie", "storage_trie", "account_changes", "storage_changes"}

enum {
	CHANGE_EXISTED = 1,
	CHANGE_WIPED = 2,
};

#endif
