/* The test chain generator; see chaingen.h.
 *
 * The token's runtime code, assembled by hand (offsets in hex; the stack
 * is shown bottom to top after each line that changes it):
 *
 *   00  CALLVALUE PUSH2 revert JUMPI        non-payable
 *   05  PUSH0 CALLDATALOAD PUSH1 e0 SHR     [sel]
 *   0a  DUP1 PUSH4 a9059cbb EQ
 *       PUSH2 transfer JUMPI                [sel]
 *   15  PUSH4 70a08231 EQ
 *       PUSH2 balanceOf JUMPI               []
 *   1f  revert: JUMPDEST PUSH0 PUSH0 REVERT
 *   23  transfer: JUMPDEST POP              []
 *   25  PUSH1 44 CALLDATASIZE LT
 *       PUSH2 revert JUMPI                  calldata below 68 bytes
 *   2d  PUSH1 04 CALLDATALOAD               [to]
 *   30  DUP1 PUSH1 a0 SHR
 *       PUSH2 revert JUMPI                  high bits set in to
 *   38  PUSH1 24 CALLDATALOAD               [to value]
 *   3b  CALLER PUSH0 MSTORE                 mem[0..32) = caller; mem[32..64)
 *                                           stays 0: the mapping's slot
 *   3e  PUSH1 40 PUSH0 SHA3                 [to value fslot]
 *   42  DUP1 SLOAD                          [to value fslot fbal]
 *   44  DUP3 DUP2 LT PUSH2 revert JUMPI     fbal < value
 *   4b  DUP3 SWAP1 SUB                      [to value fslot fbal-value]
 *   4e  SWAP1 SSTORE                        [to value]
 *   50  DUP2 PUSH0 MSTORE PUSH1 40 PUSH0 SHA3  [to value tslot]
 *   57  DUP1 SLOAD DUP3 ADD                 [to value tslot tbal+value]
 *   5b  SWAP1 SSTORE                        [to value]
 *   5d  PUSH0 MSTORE                        [to]        mem[0..32) = value
 *   5f  CALLER PUSH32 topic PUSH1 20 PUSH0
 *       LOG3                                []  Transfer(caller, to, value)
 *   85  PUSH1 01 PUSH0 MSTORE PUSH1 20 PUSH0 RETURN     true
 *   8d  balanceOf: JUMPDEST                 []
 *   8e  PUSH1 24 CALLDATASIZE LT PUSH2 revert JUMPI
 *   96  PUSH1 04 CALLDATALOAD DUP1 PUSH1 a0 SHR PUSH2 revert JUMPI
 *   a1  PUSH0 MSTORE PUSH1 40 PUSH0 SHA3 SLOAD          [balance]
 *   a8  PUSH0 MSTORE PUSH1 20 PUSH0 RETURN
 *
 * The receiving balance is not checked for overflow: the genesis gives the
 * holders far less than 2^256 in total, so no sum can wrap. A transfer to
 * oneself reads the balance it has just written and leaves it as it was. */
#include "tools/chaingen.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/hex.h"
#include "chain/block.h"
#include "chain/config.h"
#include "chain/genesis.h"
#include "chain/tx.h"
#include "chain/validate.h"
#include "consensus/blockchain.h"
#include "consensus/builder.h"
#include "consensus/engine.h"
#include "consensus/pow.h"
#include "crypto/keccak.h"
#include "crypto/secp.h"
#include "db/db.h"
#include "store/store.h"

const uint8_t CHAINGEN_TOKEN_CODE[] = {
	0x34, 0x61, 0x00, 0x1f, 0x57,
	0x5f, 0x35, 0x60, 0xe0, 0x1c,
	0x80, 0x63, 0xa9, 0x05, 0x9c, 0xbb, 0x14, 0x61, 0x00, 0x23, 0x57,
	0x63, 0x70, 0xa0, 0x82, 0x31, 0x14, 0x61, 0x00, 0x8d, 0x57,
	0x5b, 0x5f, 0x5f, 0xfd,
	0x5b, 0x50,
	0x60, 0x44, 0x36, 0x10, 0x61, 0x00, 0x1f, 0x57,
	0x60, 0x04, 0x35,
	0x80, 0x60, 0xa0, 0x1c, 0x61, 0x00, 0x1f, 0x57,
	0x60, 0x24, 0x35,
	0x33, 0x5f, 0x52,
	0x60, 0x40, 0x5f, 0x20,
	0x80, 0x54,
	0x82, 0x81, 0x10, 0x61, 0x00, 0x1f, 0x57,
	0x82, 0x90, 0x03,
	0x90, 0x55,
	0x81, 0x5f, 0x52, 0x60, 0x40, 0x5f, 0x20,
	0x80, 0x54, 0x82, 0x01,
	0x90, 0x55,
	0x5f, 0x52,
	0x33, 0x7f,
	0xdd, 0xf2, 0x52, 0xad, 0x1b, 0xe2, 0xc8, 0x9b,
	0x69, 0xc2, 0xb0, 0x68, 0xfc, 0x37, 0x8d, 0xaa,
	0x95, 0x2b, 0xa7, 0xf1, 0x63, 0xc4, 0xa1, 0x16,
	0x28, 0xf5, 0x5a, 0x4d, 0xf5, 0x23, 0xb3, 0xef,
	0x60, 0x20, 0x5f, 0xa3,
	0x60, 0x01, 0x5f, 0x52, 0x60, 0x20, 0x5f, 0xf3,
	0x5b,
	0x60, 0x24, 0x36, 0x10, 0x61, 0x00, 0x1f, 0x57,
	0x60, 0x04, 0x35, 0x80, 0x60, 0xa0, 0x1c, 0x61, 0x00, 0x1f, 0x57,
	0x5f, 0x52, 0x60, 0x40, 0x5f, 0x20, 0x54,
	0x5f, 0x52, 0x60, 0x20, 0x5f, 0xf3,
};
const size_t CHAINGEN_TOKEN_CODE_LEN = sizeof CHAINGEN_TOKEN_CODE;

const address CHAINGEN_TOKEN_ADDRESS = {{
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0e, 0xc2, 0x0c,
}};

const h256 CHAINGEN_TRANSFER_TOPIC = {{
	0xdd, 0xf2, 0x52, 0xad, 0x1b, 0xe2, 0xc8, 0x9b,
	0x69, 0xc2, 0xb0, 0x68, 0xfc, 0x37, 0x8d, 0xaa,
	0x95, 0x2b, 0xa7, 0xf1, 0x63, 0xc4, 0xa1, 0x16,
	0x28, 0xf5, 0x5a, 0x4d, 0xf5, 0x23, 0xb3, 0xef,
}};

/* Each account's ether and each holder's tokens: 10^24 (a million ether),
 * enough for every fee of a hundred full blocks whose base fee climbs
 * 12.5% a block, and a total far from overflowing. */
#define FUNDS_HEX "0xd3c21bcecceda1000000"
#define TIP_WEI 1000000000ull          /* 1 gwei */
#define ERC20_GAS_LIMIT 60000          /* a transfer to a new holder: ~51k */
#define TRANSFER_GAS 21000
/* One recipient in NEW_ONE_IN is an address never seen before. */
#define NEW_ONE_IN 10

/* Nonces a pow block may try: at the chain's difficulty 1 the first
 * seals. */
#define SEAL_TRIES 16

#define STR_(x) #x
#define STR(x) STR_(x)

/* ---- determinism ---- */

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t *s, uint64_t n)
{
	return splitmix64(s) % n;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

void chaingen_key(uint64_t seed, uint64_t i, uint8_t out[32])
{
	uint8_t in[16];
	put_be64(in, seed);
	put_be64(in + 8, i);
	keccak256(in, sizeof in, out);
}

void chaingen_balance_slot(const address *a, h256 *out)
{
	uint8_t in[64] = {0};
	memcpy(in + 12, a->b, 20);
	keccak256(in, sizeof in, out->b);
}

/* ---- the generator's state ---- */

typedef struct gen {
	const chaingen_opts *o;
	uint64_t nkeys;          /* max(accounts, holders): keys derived */
	uint64_t nsenders;       /* accounts that may send */
	uint8_t (*keys)[32];
	address *addrs;
	uint64_t *nonces;        /* per account, as the chain will have them */
	address *fresh;          /* token holders added by the blocks */
	uint64_t nfresh, fresh_cap;
	uint64_t fresh_counter;  /* names the next fresh address */
	uint64_t rng;
	/* The most gas a transaction of each kind has used: [0] to an
	 * existing recipient, [1] to a fresh one. */
	uint64_t gas_seen[2];
	pow *pw;                 /* the engine of a pow chain, else NULL */
	db *d;
	store *s;
	blockchain *bc;
	char *dir;
} gen;

/* What the generator must undo when a transaction is taken back out of a
 * block that ran out of gas. */
typedef struct tx_note {
	uint64_t sender;
	bool fresh;
} tx_note;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress(const gen *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void progress(const gen *g, const char *fmt, ...)
{
	if (!g->o->progress)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(g->o->progress, fmt, ap);
	va_end(ap);
	fflush(g->o->progress);
}

static int derive_keys(gen *g)
{
	g->keys = malloc(g->nkeys * sizeof *g->keys);
	g->addrs = malloc(g->nkeys * sizeof *g->addrs);
	g->nonces = calloc(g->nkeys, sizeof *g->nonces);
	if (!g->keys || !g->addrs || !g->nonces)
		return DURE_ENOMEM;
	for (uint64_t i = 0; i < g->nkeys; i++) {
		uint8_t pub[64];
		chaingen_key(g->o->seed, i, g->keys[i]);
		if (secp_pubkey_create(g->keys[i], pub) != DURE_OK)
			return DURE_EKEY;
		secp_pubkey_address(pub, &g->addrs[i]);
		if ((i + 1) % 100000 == 0)
			progress(g, "keys: %" PRIu64 "/%" PRIu64 "\n", i + 1,
			         g->nkeys);
	}
	return DURE_OK;
}

static void put_hex(FILE *f, const uint8_t *p, size_t n)
{
	char s[2 * 32 + 1];
	for (size_t i = 0; i < n; i += 32) {
		size_t k = n - i < 32 ? n - i : 32;
		hex_encode(p + i, k, s);
		fputs(s, f);
	}
}

/* The genesis up to the alloc: the forks, the engine's part of the config
 * (post-merge or proof of work), and the rest, with the difficulty (0 or
 * 1) for its %s. */
static const char GENESIS_FORKS[] =
	"{\n"
	" \"config\": {\"chainId\": 1337, \"homesteadBlock\": 0,"
	" \"eip150Block\": 0, \"eip155Block\": 0, \"eip158Block\": 0,"
	" \"byzantiumBlock\": 0, \"constantinopleBlock\": 0,"
	" \"petersburgBlock\": 0, \"istanbulBlock\": 0, \"berlinBlock\": 0,"
	" \"londonBlock\": 0, \"mergeNetsplitBlock\": 0,";
static const char GENESIS_MERGE[] =
	" \"terminalTotalDifficulty\": 0, \"shanghaiTime\": 0,"
	" \"cancunTime\": 0},\n";
static const char GENESIS_POW[] =
	" \"shanghaiTime\": 0, \"cancunTime\": 0,\n"
	"  \"pow\": {\"targetBlockTime\": " STR(CHAINGEN_BLOCK_INTERVAL) ","
	" \"minimumDifficulty\": 1, \"blockReward\": \"0\"}},\n";
static const char GENESIS_REST[] =
	" \"nonce\": \"0x0\", \"timestamp\": \"0x0\", \"extraData\": \"0x\",\n"
	" \"gasLimit\": \"0x1c9c380\", \"difficulty\": \"%s\",\n"
	" \"baseFeePerGas\": \"0x3b9aca00\",\n"
	" \"mixHash\": \"0x0000000000000000000000000000000000000000000000000000000000000000\",\n"
	" \"coinbase\": \"0x0000000000000000000000000000000000000000\",\n"
	" \"alloc\": {\n";

/* The genesis: the funded accounts, then the token with one slot per
 * holder. Holders beyond the funded accounts hold tokens but no ether. */
static int write_genesis(gen *g)
{
	const chaingen_opts *o = g->o;
	FILE *f = fopen(o->genesis_out, "w");
	if (!f) {
		fprintf(stderr, "%s: %s\n", o->genesis_out, strerror(errno));
		return DURE_EIO;
	}
	static char iobuf[1 << 20];
	setvbuf(f, iobuf, _IOFBF, sizeof iobuf);
	fputs(GENESIS_FORKS, f);
	fputs(o->pow ? GENESIS_POW : GENESIS_MERGE, f);
	fprintf(f, GENESIS_REST, o->pow ? "0x1" : "0x0");
	for (uint64_t i = 0; i < o->accounts; i++) {
		fputs(i ? ",\n  \"0x" : "  \"0x", f);
		put_hex(f, g->addrs[i].b, 20);
		fputs("\": {\"balance\": \"" FUNDS_HEX "\"}", f);
	}
	if (o->kind == CHAINGEN_ERC20) {
		fputs(",\n  \"0x", f);
		put_hex(f, CHAINGEN_TOKEN_ADDRESS.b, 20);
		fputs("\": {\"balance\": \"0x0\", \"nonce\": \"0x1\", \"code\": \"0x",
		      f);
		put_hex(f, CHAINGEN_TOKEN_CODE, CHAINGEN_TOKEN_CODE_LEN);
		fputs("\",\n   \"storage\": {\n", f);
		for (uint64_t i = 0; i < o->holders; i++) {
			h256 slot;
			chaingen_balance_slot(&g->addrs[i], &slot);
			fputs(i ? ",\n    \"0x" : "    \"0x", f);
			put_hex(f, slot.b, 32);
			fputs("\": \"" FUNDS_HEX "\"", f);
		}
		fputs("}}", f);
	}
	fputs("\n }\n}\n", f);
	bool bad = ferror(f) != 0;
	if (fclose(f) != 0 || bad) {
		fprintf(stderr, "%s: write failed\n", o->genesis_out);
		return DURE_EIO;
	}
	return DURE_OK;
}

static int read_text(const char *path, buf *out)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return DURE_EIO;
	}
	uint8_t chunk[1 << 16];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		(void)buf_append(out, chunk, n);
	bool bad = ferror(f) != 0;
	fclose(f);
	if (bad)
		return DURE_EIO;
	return buf_failed(out) ? DURE_ENOMEM : DURE_OK;
}

/* The generator's own store, initialised from the genesis it wrote, the
 * way `dure init` reads it. */
static int open_chain(gen *g)
{
	size_t n = strlen(g->o->out);
	g->dir = malloc(n + sizeof ".chaingen-XXXXXX");
	if (!g->dir)
		return DURE_ENOMEM;
	memcpy(g->dir, g->o->out, n);
	memcpy(g->dir + n, ".chaingen-XXXXXX", sizeof ".chaingen-XXXXXX");
	if (!mkdtemp(g->dir)) {
		fprintf(stderr, "%s: %s\n", g->dir, strerror(errno));
		free(g->dir);
		g->dir = NULL;
		return DURE_EIO;
	}
	/* One write transaction holds the whole genesis: a map sized from
	 * the file spares redoing it after DURE_EDB_FULL. LMDB's file is
	 * sparse, so the reservation costs nothing. */
	size_t gsize = 0;
	FILE *gf = fopen(g->o->genesis_out, "rb");
	if (gf) {
		if (fseek(gf, 0, SEEK_END) == 0 && ftell(gf) > 0)
			gsize = (size_t)ftell(gf);
		fclose(gf);
	}
	db_options dopts = {
		.no_sync = true,
		.initial_map = gsize > ((size_t)1 << 20) ? 64 * gsize : 0,
	};
	int err = db_open(g->dir, &dopts, &g->d);
	if (!err)
		err = store_open(g->d, &g->s);
	if (err)
		return err;

	double t0 = now_s();
	genesis gen_block;
	buf text = BUF_INIT;
	err = genesis_load(g->o->genesis_out, &gen_block);
	if (err)
		return err;
	double t1 = now_s();
	err = read_text(g->o->genesis_out, &text);
	h256 hash;
	if (!err)
		err = blockchain_init(g->s, &gen_block, &hash);
	genesis_free(&gen_block);
	buf_free(&text);
	if (err)
		return err;
	progress(g, "genesis: loaded in %.1f s, stored in %.1f s\n", t1 - t0,
	         now_s() - t1);
	const engine *e = engine_merge();
	if (g->o->pow) {
		if ((err = pow_new(NULL, &g->pw)))
			return err;
		e = pow_engine(g->pw);
	}
	err = blockchain_open(g->s, e, NULL, &g->bc);
	if (!err && g->pw)
		pow_attach(g->pw, g->bc);
	return err;
}

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		buf path = BUF_INIT;
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			buf_reset(&path);
			(void)buf_append(&path, dir, strlen(dir));
			(void)buf_push(&path, '/');
			(void)buf_append(&path, e->d_name, strlen(e->d_name) + 1);
			if (!buf_failed(&path))
				remove((const char *)path.data);
		}
		buf_free(&path);
		closedir(d);
	}
	remove(dir);
}

static void gen_free(gen *g)
{
	blockchain_free(g->bc);
	pow_free(g->pw);
	store_free(g->s);
	db_close(g->d);
	if (g->dir)
		remove_dir(g->dir);
	free(g->dir);
	free(g->keys);
	free(g->addrs);
	free(g->nonces);
	free(g->fresh);
}

/* ---- transactions ---- */

static int push_fresh(gen *g, address *out)
{
	if (g->nfresh == g->fresh_cap) {
		uint64_t cap = g->fresh_cap ? 2 * g->fresh_cap : 1024;
		address *p = realloc(g->fresh, cap * sizeof *p);
		if (!p)
			return DURE_ENOMEM;
		g->fresh = p;
		g->fresh_cap = cap;
	}
	/* Nobody holds the key of a fresh address; it only receives. */
	uint8_t in[24], h[32];
	memcpy(in, "fresh", 5);
	memset(in + 5, 0, 3);
	put_be64(in + 8, g->o->seed);
	put_be64(in + 16, g->fresh_counter++);
	keccak256(in, sizeof in, h);
	memcpy(out->b, h + 12, 20);
	g->fresh[g->nfresh++] = *out;
	return DURE_OK;
}

/* The recipient of the next transfer from sender: one in NEW_ONE_IN a
 * fresh address, else a known one (a funded account for ether, a holder
 * for tokens), never the sender. */
static int pick_recipient(gen *g, uint64_t sender, address *to, bool *fresh)
{
	*fresh = below(&g->rng, NEW_ONE_IN) == 0;
	if (*fresh)
		return push_fresh(g, to);
	uint64_t known = g->o->kind == CHAINGEN_ERC20 ? g->o->holders
	                                               : g->o->accounts;
	for (;;) {
		uint64_t k = below(&g->rng, known + g->nfresh);
		if (k == sender)
			continue;
		*to = k < known ? g->addrs[k] : g->fresh[k - known];
		return DURE_OK;
	}
}

/* A signed transaction from a random sender into *t. */
static int make_tx(gen *g, const header *h, tx *t, tx_note *note)
{
	memset(t, 0, sizeof *t);
	uint64_t s = below(&g->rng, g->nsenders);
	address to;
	bool fresh;
	int err = pick_recipient(g, s, &to, &fresh);
	if (err)
		return err;
	t->type = TX_DYNAMIC_FEE;
	t->has_chain_id = true;
	t->chain_id = CHAINGEN_CHAIN_ID;
	t->nonce = g->nonces[s];
	t->max_priority_fee = u256_from_u64(TIP_WEI);
	u256 two = u256_from_u64(2), tip = u256_from_u64(TIP_WEI);
	u256 fee = u256_mul(&h->base_fee, &two);
	t->max_fee = u256_add(&fee, &tip);
	t->has_to = true;
	/* Amounts up to a million base units: a holder's 10^24 lasts. */
	u256 amount = u256_from_u64(1 + below(&g->rng, 1000000));
	if (g->o->kind == CHAINGEN_ERC20) {
		t->gas_limit = ERC20_GAS_LIMIT;
		t->to = CHAINGEN_TOKEN_ADDRESS;
		t->data = calloc(1, 68);
		if (!t->data) {
			if (fresh)
				g->nfresh--;
			return DURE_ENOMEM;
		}
		t->data_size = 68;
		static const uint8_t sel[4] = {0xa9, 0x05, 0x9c, 0xbb};
		memcpy(t->data, sel, 4);
		memcpy(t->data + 16, to.b, 20);
		u256_to_be(&amount, t->data + 36);
	} else {
		t->gas_limit = TRANSFER_GAS;
		t->to = to;
		t->value = amount;
	}
	err = tx_sign(t, g->keys[s]);
	if (err) {
		tx_free(t);
		if (fresh)
			g->nfresh--;
		return err;
	}
	g->nonces[s]++;
	note->sender = s;
	note->fresh = fresh;
	return DURE_OK;
}

/* Takes transactions [keep, n) back out of b, last first, so that each
 * sender's nonce and the fresh list return to what they were. */
static void untake(gen *g, block *b, const tx_note *notes, size_t keep)
{
	while (b->ntxs > keep) {
		size_t i = --b->ntxs;
		tx_free(&b->txs[i]);
		g->nonces[notes[i].sender]--;
		if (notes[i].fresh)
			g->nfresh--;
	}
}

/* ---- blocks ---- */

/* Whether one more transaction of this kind fits: the gas the block's
 * transactions have used so far is at most est (the largest each kind has
 * used), and the next one needs its whole gas limit left in the block. */
static bool fits(const gen *g, uint64_t est, uint64_t budget,
                 const header *h)
{
	uint64_t gl = g->o->kind == CHAINGEN_ERC20 ? ERC20_GAS_LIMIT
	                                           : TRANSFER_GAS;
	uint64_t worst = g->gas_seen[0] > g->gas_seen[1] ? g->gas_seen[0]
	                                                 : g->gas_seen[1];
	return est + worst <= budget && est + gl <= h->gas_limit;
}

static int fill_block(gen *g, block *b, tx_note *notes, address *senders,
                      size_t cap)
{
	uint64_t budget = g->o->gas_per_block ? g->o->gas_per_block
	                                      : b->h.gas_limit;
	uint64_t est = 0;
	while (b->ntxs < cap) {
		if (!g->o->txs_per_block && !fits(g, est, budget, &b->h))
			break;
		size_t i = b->ntxs;
		int err = make_tx(g, &b->h, &b->txs[i], &notes[i]);
		if (err)
			return err;
		senders[i] = g->addrs[notes[i].sender];
		est += g->gas_seen[notes[i].fresh];
		b->ntxs++;
	}
	return DURE_OK;
}

static void learn_gas(gen *g, const tx_note *notes, const block_result *r)
{
	for (size_t i = 0; i < r->nreceipts; i++) {
		uint64_t *seen = &g->gas_seen[notes[i].fresh];
		if (r->receipts[i].gas_used > *seen)
			*seen = r->receipts[i].gas_used;
	}
}

/* Writes the nonce that seals a pow header into it. */
static int seal(header *h)
{
	pow_work w;
	uint64_t nonce;
	int err = pow_work_init(h, &w);
	if (err)
		return err;
	if (!pow_work_search(&w, 0, SEAL_TRIES, &nonce))
		return DURE_EBLOCK_SEAL;
	pow_put_nonce(nonce, h->nonce);
	return DURE_OK;
}

static int build_block(gen *g, FILE *out, uint64_t *ntx, uint64_t *gas)
{
	header parent;
	h256 phash;
	int err = blockchain_head(g->bc, &parent, &phash);
	if (err)
		return err;
	static const char extra[] = "dure chaingen";
	uint64_t number = parent.number + 1;
	uint8_t num[8];
	put_be64(num, number);
	build_opts bo = {
		.timestamp = parent.timestamp + CHAINGEN_BLOCK_INTERVAL,
		.extra = (const uint8_t *)extra,
		.extra_len = sizeof extra - 1,
	};
	bo.coinbase.b[18] = 0x0c;
	bo.coinbase.b[19] = 0x0b;
	/* A pow chain's mix hash is zero: PREVRANDAO is 0 there. */
	if (!g->o->pow)
		keccak256(num, sizeof num, bo.prev_randao.b);
	memset(bo.parent_beacon_root.b, 0xbe, 32);
	/* The transactions being tried (pend) and the block built of them. */
	block pend = {0}, b = {0};
	pend.h.number = number;
	pend.h.gas_limit = parent.gas_limit;
	/* The fee caps of the transactions follow the child's base fee. */
	if ((err = header_base_fee(blockchain_config(g->bc), &parent,
	                           &pend.h.base_fee)))
		return err;
	size_t cap = g->o->txs_per_block
	           ? g->o->txs_per_block
	           : parent.gas_limit / TRANSFER_GAS + 1;
	pend.txs = calloc(cap, sizeof *pend.txs);
	tx_note *notes = calloc(cap, sizeof *notes);
	address *senders = calloc(cap, sizeof *senders);
	block_result res = {0};
	buf enc = BUF_INIT;
	if (!pend.txs || !notes || !senders) {
		err = DURE_ENOMEM;
		goto out;
	}
	if ((err = fill_block(g, &pend, notes, senders, cap)))
		goto out;
	bo.senders = senders;
	uint64_t budget = g->o->gas_per_block ? g->o->gas_per_block
	                                      : parent.gas_limit;
	for (;;) {
		err = blockchain_build(g->bc, &bo, pend.txs, pend.ntxs, &b, &res);
		if (g->o->txs_per_block)
			break;
		/* Over the block's gas or the budget: the estimates were low
		 * (the first block, or a dearer transaction than any before).
		 * Drop the transactions that did not fit and run again. */
		size_t keep = pend.ntxs;
		if (err == DURE_ETR_BLOCK_GAS && res.bad_tx < pend.ntxs)
			keep = res.bad_tx;
		else if (!err && res.gas_used > budget)
			for (keep = 0; keep < res.nreceipts &&
			     res.receipts[keep].cumulative_gas <= budget; keep++)
				;
		if (keep == pend.ntxs || keep == 0)
			break;
		learn_gas(g, notes, &res);
		block_result_free(&res);
		block_free(&b);
		untake(g, &pend, notes, keep);
	}
	if (err) {
		fprintf(stderr, "chaingen: block %" PRIu64 ": tx %zu: %s\n",
		        number, res.bad_tx, dure_strerror(err));
		goto out;
	}
	learn_gas(g, notes, &res);
	if (g->pw && (err = seal(&b.h))) {
		fprintf(stderr, "chaingen: block %" PRIu64 " does not seal: %s\n",
		        number, dure_strerror(err));
		goto out;
	}
	import_result ir;
	if ((err = blockchain_import(g->bc, &b, &ir))) {
		fprintf(stderr, "chaingen: block %" PRIu64 " does not import: %s\n",
		        number, dure_strerror(err));
		goto out;
	}
	if ((err = block_encode(&b, &enc)))
		goto out;
	if (fwrite(enc.data, 1, enc.len, out) != enc.len) {
		fprintf(stderr, "%s: write failed\n", g->o->out);
		err = DURE_EIO;
		goto out;
	}
	*ntx = b.ntxs;
	*gas = res.gas_used;
out:
	buf_free(&enc);
	block_result_free(&res);
	block_free(&b);
	block_free(&pend);
	free(notes);
	free(senders);
	return err;
}

static int check_opts(const chaingen_opts *o)
{
	if (!o->out || !o->genesis_out || o->accounts < 2)
		return DURE_EINVAL;
	if (o->kind == CHAINGEN_ERC20 && o->holders < 2)
		return DURE_EINVAL;
	/* More transactions than the gas limit allows could never be valid. */
	if (o->txs_per_block > CHAINGEN_GAS_LIMIT / TRANSFER_GAS)
		return DURE_EINVAL;
	return DURE_OK;
}

int chaingen_run(const chaingen_opts *opts)
{
	chaingen_opts o = *opts;
	if (o.kind == CHAINGEN_ERC20 && o.holders == 0)
		o.holders = o.accounts;
	if (o.kind == CHAINGEN_TRANSFER)
		o.holders = 0;
	int err = check_opts(&o);
	if (err)
		return err;
	gen g = {.o = &o, .rng = o.seed ^ 0x636861696e67656eull};
	g.nkeys = o.accounts > o.holders ? o.accounts : o.holders;
	g.nsenders = o.kind == CHAINGEN_ERC20 && o.holders < o.accounts
	           ? o.holders : o.accounts;
	/* Until a block has shown what each kind costs, assume the least a
	 * transaction can cost: the first block is filled past its gas and
	 * trimmed. */
	g.gas_seen[0] = g.gas_seen[1] = TRANSFER_GAS;
	double t0 = now_s();
	FILE *out = NULL;
	char *tmp = NULL;        /* the chain file while it is written */
	if ((err = derive_keys(&g)))
		goto done;
	progress(&g, "keys: %" PRIu64 " in %.1f s\n", g.nkeys, now_s() - t0);
	if ((err = write_genesis(&g)))
		goto done;
	if ((err = open_chain(&g)))
		goto done;
	/* Written beside o.out and renamed over it once whole, so that a run
	 * that fails leaves no chain cut short under the name asked for. */
	size_t olen = strlen(o.out);
	if (!(tmp = malloc(olen + sizeof ".partial"))) {
		err = DURE_ENOMEM;
		goto done;
	}
	memcpy(tmp, o.out, olen);
	memcpy(tmp + olen, ".partial", sizeof ".partial");
	if (!(out = fopen(tmp, "wb"))) {
		fprintf(stderr, "%s: %s\n", tmp, strerror(errno));
		free(tmp);
		tmp = NULL;
		err = DURE_EIO;
		goto done;
	}
	uint64_t total_tx = 0, total_gas = 0;
	double tb = now_s();
	for (uint64_t i = 0; i < o.blocks; i++) {
		uint64_t ntx = 0, gas = 0;
		double t1 = now_s();
		if ((err = build_block(&g, out, &ntx, &gas)))
			goto done;
		total_tx += ntx;
		total_gas += gas;
		progress(&g, "block %" PRIu64 ": %" PRIu64 " txs, %" PRIu64
		         " gas, %.2f s\n", i + 1, ntx, gas, now_s() - t1);
	}
	progress(&g, "%" PRIu64 " blocks, %" PRIu64 " txs, %.1f Mgas in %.1f s"
	         " (%" PRIu64 " fresh recipients)\n", o.blocks, total_tx,
	         (double)total_gas / 1e6, now_s() - tb, g.nfresh);
done:
	if (out && fclose(out) != 0 && !err) {
		fprintf(stderr, "%s: write failed\n", o.out);
		err = DURE_EIO;
	}
	if (tmp && !err && rename(tmp, o.out) != 0) {
		fprintf(stderr, "%s: %s\n", o.out, strerror(errno));
		err = DURE_EIO;
	}
	if (tmp && err)
		(void)remove(tmp);
	free(tmp);
	gen_free(&g);
	return err;
}
