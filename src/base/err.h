/* Error codes shared by every layer.
 *
 * Functions that can fail return one of these (0 is success) and write their
 * results through out-parameters. The set is one enum so that a code can travel
 * up through layers unchanged and still print a precise message.
 * Add new codes to the section of their module, and a message to err.c. */
#ifndef DURE_BASE_ERR_H
#define DURE_BASE_ERR_H

#define DURE_WUR __attribute__((warn_unused_result))

typedef enum dure_err {
	DURE_OK = 0,

	/* base */
	DURE_ENOMEM,          /* allocation failed */
	DURE_EINVAL,          /* invalid argument */
	DURE_EIO,             /* read or write failed */
	DURE_ENOTFOUND,       /* key or item not present */
	DURE_ERANGE,          /* value out of range for its destination */
	DURE_EHEX_ODD,        /* hex string has an odd number of digits */
	DURE_EHEX_DIGIT,      /* hex string has a non-hex character */
	DURE_EHEX_LENGTH,     /* hex string decodes to the wrong length */
	DURE_EJSON,           /* malformed JSON or missing field */

	/* crypto */
	DURE_ESIG,            /* signature invalid or not recoverable */
	DURE_EKEY,            /* private or public key invalid */
	DURE_EECIES_FORMAT,   /* ECIES message too short or malformed */
	DURE_EECIES_MAC,      /* ECIES message authentication failed */

	/* rlp */
	DURE_ERLP_TRUNCATED,  /* a length runs past the end of the input */
	DURE_ERLP_SINGLE_BYTE,/* a single byte below 0x80 encoded as a string */
	DURE_ERLP_NONMINIMAL, /* long form used for a short payload */
	DURE_ERLP_LEN_ZERO,   /* length of length has a leading zero byte */
	DURE_ERLP_TRAILING,   /* bytes left after the item or list */
	DURE_ERLP_EXPECTED_LIST,
	DURE_ERLP_EXPECTED_STRING,
	DURE_ERLP_INT_ZERO,   /* integer with a leading zero byte */
	DURE_ERLP_INT_SIZE,   /* integer too large for its type */
	DURE_ERLP_SIZE,       /* string of the wrong fixed size */
	DURE_ERLP_DEPTH,      /* nesting deeper than the decoder allows */
	DURE_ERLP_END,        /* read past the end of a list */

	/* chain / transactions */
	DURE_ETX_TYPE,        /* unknown or unsupported transaction type */
	DURE_ETX_FORMAT,      /* wrong number or shape of fields */
	DURE_ETX_TO_SIZE,     /* recipient not 20 bytes (nor empty where allowed) */
	DURE_ETX_TYPE_FORK,   /* tx type not yet enabled at this fork */
	DURE_ETX_V,           /* legacy v or typed y parity not allowed */
	DURE_ETX_CHAIN_ID,    /* signed for another chain */
	DURE_ETX_SIG_RANGE,   /* r or s zero or not below secp256k1n */
	DURE_ETX_HIGH_S,      /* s above secp256k1n/2 (EIP-2) */
	DURE_ETX_NONCE_MAX,   /* nonce 2^64-1 (EIP-2681) */
	DURE_ETX_FEE_OVERFLOW,/* gas limit times fee overflows 256 bits */
	DURE_ETX_TIP_ABOVE_MAX, /* max priority fee above max fee (EIP-1559) */
	DURE_ETX_INTRINSIC_GAS, /* gas limit below intrinsic gas */
	DURE_ETX_INITCODE_SIZE, /* initcode above 49152 bytes (EIP-3860) */
	DURE_ETX_BLOB_COUNT,  /* blob tx with no or too many blob hashes */
	DURE_ETX_BLOB_VERSION,/* blob versioned hash of unknown version */

	/* chain / state transition (a tx the state rejects) */
	DURE_ETR_NONCE,       /* tx nonce differs from the sender's nonce */
	DURE_ETR_SENDER_CODE, /* sender has code (EIP-3607) */
	DURE_ETR_FUNDS,       /* balance below gas * max fee + value + blob fee */
	DURE_ETR_BLOCK_GAS,   /* tx gas limit above the gas left in the block */
	DURE_ETR_BASE_FEE,    /* max fee (or gas price) below the base fee */
	DURE_ETR_BLOB_FEE,    /* max fee per blob gas below the blob base fee */
	DURE_ETR_BLOB_CREATE, /* blob tx without a recipient */
	DURE_ETR_BLOB_GAS,    /* tx blob gas above what is left in the block */

	/* chain / blocks (a block the chain rejects) */
	DURE_EBLOCK_FORMAT,   /* malformed block or header structure */
	DURE_EBLOCK_FIELDS,   /* header fields present or absent wrongly for the fork */
	DURE_EBLOCK_UNKNOWN_PARENT, /* parent not known */
	DURE_EBLOCK_NUMBER,   /* number is not parent's + 1 */
	DURE_EBLOCK_TIMESTAMP,/* timestamp not after the parent's */
	DURE_EBLOCK_GAS_LIMIT,/* gas limit out of bounds */
	DURE_EBLOCK_GAS_USED_OVER, /* gas used above the gas limit */
	DURE_EBLOCK_GAS_USED, /* gas used differs from execution */
	DURE_EBLOCK_EXTRA_DATA, /* extra data too long */
	DURE_EBLOCK_BASE_FEE, /* base fee differs from EIP-1559's */
	DURE_EBLOCK_BLOB_GAS_USED, /* blob gas used differs from the txs' or above the max */
	DURE_EBLOCK_EXCESS_BLOB_GAS, /* excess blob gas differs from EIP-4844's */
	DURE_EBLOCK_DIFFICULTY, /* difficulty wrong for the engine */
	DURE_EBLOCK_NONCE,    /* nonce wrong for the engine */
	DURE_EBLOCK_SEAL,     /* proof of work or seal invalid */
	DURE_EBLOCK_OMMERS,   /* ommers not allowed or invalid */
	DURE_EBLOCK_OMMERS_HASH, /* ommers hash differs from the body's */
	DURE_EBLOCK_TX_ROOT,  /* transactions root differs from the body's */
	DURE_EBLOCK_RECEIPTS_ROOT, /* receipts root differs from execution */
	DURE_EBLOCK_STATE_ROOT, /* state root differs from execution */
	DURE_EBLOCK_BLOOM,    /* logs bloom differs from execution */
	DURE_EBLOCK_WITHDRAWALS, /* withdrawals present or absent wrongly for the fork */
	DURE_EBLOCK_WITHDRAWALS_ROOT, /* withdrawals root differs from the body's */
	DURE_EBLOCK_BEACON_ROOT, /* parent beacon root system call failed */
	DURE_EBLOCK_REORG_DEPTH, /* reorg deeper than allowed */
	DURE_EBLOCK_GENESIS,  /* genesis differs from the data directory's */
	DURE_EBLOCK_FUTURE,   /* timestamp too far ahead of the local clock */

	/* p2p / rlpx transport and devp2p base protocol */
	DURE_ERLPX_STATE,     /* call not valid in the session's current state */
	DURE_ERLPX_AUTH_SIZE, /* handshake size prefix out of range */
	DURE_ERLPX_AUTH,      /* malformed auth or ack body */
	DURE_ERLPX_AUTH_SIG,  /* auth signature does not recover a valid key */
	DURE_ERLPX_HEADER_MAC,/* frame header MAC mismatch */
	DURE_ERLPX_FRAME_MAC, /* frame MAC mismatch */
	DURE_ERLPX_FRAME_SIZE,/* frame larger than the session's cap */
	DURE_ERLPX_MSG_ID,    /* frame without a valid RLP message id */
	DURE_ERLPX_MSG_SIZE,  /* message (uncompressed) larger than the cap */
	DURE_ERLPX_SNAPPY,    /* corrupt snappy-compressed message */
	DURE_EP2P_HELLO,      /* malformed Hello, or first message not Hello */
	DURE_EP2P_IDENTITY,   /* Hello node id differs from the handshake key */
	DURE_EP2P_NO_CAPS,    /* no capability shared with the peer */
	DURE_EP2P_MSG,        /* malformed base-protocol message */
	DURE_EP2P_MSG_ID,     /* message id beyond every shared capability */
	DURE_EP2P_DISCONNECTED, /* session ended by a Disconnect */

	/* eth protocol (eth/68) */
	DURE_EETH_MSG,        /* malformed eth message */
	DURE_EETH_TOO_MANY,   /* more items in an eth message than allowed */
	DURE_EETH_VERSION,    /* Status with another protocol version */
	DURE_EETH_NETWORK,    /* Status with another network id */
	DURE_EETH_GENESIS,    /* Status with another genesis block */
	DURE_EETH_FORKID,     /* fork id incompatible with ours (EIP-2124) */
	DURE_EETH_UNEXPECTED, /* message out of turn (before Status, unasked reply) */

	/* p2p / discovery (discv4, ENR, enode, node database) */
	DURE_EDISC_SIZE,      /* discovery packet too short or above 1280 bytes */
	DURE_EDISC_HASH,      /* discovery packet hash does not match its contents */
	DURE_EDISC_TYPE,      /* unknown discovery packet type */
	DURE_EDISC_FORMAT,    /* malformed discovery packet data */
	DURE_EENODE,          /* malformed enode URL */
	DURE_ENODEKEY,        /* malformed nodekey file */
	DURE_EENR,            /* malformed, oversized or unsigned node record */
	DURE_EBUSY,           /* too many requests in flight */
	DURE_EDB,             /* database (LMDB) operation failed */
	DURE_EDISC_RATE,      /* discovery query over its source IP's rate limit */

	/* db, trie, store */
	DURE_EDB_FULL,        /* database map full; the write must be retried */
	DURE_EDB_CORRUPT,     /* a stored record is malformed */
	DURE_EPROOF_DEPTH,    /* state too far below the head to prove */
	DURE_ETRIE_MISSING,   /* a trie node the root refers to is missing or wrong */

	/* rpc */
	DURE_ERPC_METHOD_EXISTS, /* method name already registered */
	DURE_ERPC_LISTEN,     /* cannot bind or listen on the RPC address */
	DURE_ERPC_DEFERRED,   /* a handler deferred its reply (needs the async API) */

	/* txpool */
	DURE_EPOOL_KNOWN,     /* transaction already in the pool */
	DURE_EPOOL_NONCE_LOW, /* nonce below the sender's account nonce */
	DURE_EPOOL_UNDERPRICED, /* fee below the pool's floor or the base fee */
	DURE_EPOOL_REPLACE,   /* replacement without the required fee bump */
	DURE_EPOOL_SIZE,      /* encoded transaction above the pool's size limit */
	DURE_EPOOL_GAS_LIMIT, /* gas limit above the block gas limit */
	DURE_EPOOL_FULL,      /* pool or sender slots full, nothing cheaper to evict */
	DURE_EPOOL_NONCE_GAP, /* nonce too far ahead of the sender's next nonce */

	/* keys: mnemonics, HD derivation, keystore files */
	DURE_EMNEMONIC,       /* mnemonic with an unknown word or bad checksum */
	DURE_EHD_PATH,        /* malformed BIP-32 derivation path */
	DURE_EKEYSTORE_FORMAT,/* malformed or unsupported keystore file */
	DURE_EKEYSTORE_MAC,   /* keystore MAC mismatch: wrong password */

	/* bft consensus */
	DURE_EBFT_MSG,        /* malformed bft message, vote, commit or WAL record */
	DURE_EBFT_SIGNER,     /* signed by an address outside the validator set */
	DURE_EBFT_COMMIT,     /* commit without precommits of > 2/3 of the power */
	DURE_EBFT_CONFLICT,   /* a second, different vote for one height/round/step */
	DURE_EBFT_DUPLICATE,  /* the same vote again: already counted */
	DURE_EBFT_STALE,      /* bft message already held, decided or out of the window */
	DURE_EBFT_WAL,        /* write-ahead log unreadable or not synced */

	/* node / evm benchmarks */
	DURE_EBENCH_DIFF,     /* a repeated benchmark run's result differs */

	DURE_ERR_COUNT_
} dure_err;

/* Returns a static, human-readable message for err (never NULL). */
const char *dure_strerror(int err);

#endif
