/* Shared by the BFT chain tests: the four Hardhat validators (keys and
 * addresses from Hardhat's published default accounts) and a Cancun chain
 * 1337 of them on LMDB in a temporary directory. Call bft_keys_setup
 * first. */
#ifndef DURE_TEST_BFT_CHAIN_H
#define DURE_TEST_BFT_CHAIN_H

/* nftw and its flags are X/Open: a test that includes this defines
 * _XOPEN_SOURCE 700 before any header. */
#include <ftw.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "chain/genesis.h"
#include "consensus/bft/vote.h"
#include "consensus/chain_engine.h"
#include "db/db.h"
#include "store/store.h"

static const char *const hh_keys[4] = {
	"ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
	"59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
	"5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
	"7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
};
static const char *const hh_addrs[4] = {
	"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
	"0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
	"0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc",
	"0x90f79bf6eb2c4f870365e785982e1f101e93b906",
};
/* The set sorts by address: 0x3c44 (key 2), 0x7099 (1), 0x90f7 (3),
 * 0xf39f (0). */
static const int set_index_of_key[4] = {3, 1, 0, 2};

static uint8_t keys[4][32];
static address addrs[4];

static inline void bft_keys_setup(void)
{
	for (int k = 0; k < 4; k++)
		if (hex_decode_exact(hh_keys[k], keys[k], 32) ||
		    hex_decode_exact(hh_addrs[k], addrs[k].b, 20))
			abort();
}

/* The commit of (height, hash, round) signed with votes of `step` by keys
 * who[0..n), at set indices idx[i] (NULL: the keys' places in the genesis
 * set), entries in the order given. */
static inline void bft_signed_commit(uint64_t height, const h256 *hash,
                                     uint32_t round, uint8_t step,
                                     const int *who, const uint32_t *idx,
                                     size_t n, bft_commit *c)
{
	memset(c, 0, sizeof *c);
	c->height = height;
	c->round = round;
	c->hash = *hash;
	for (size_t i = 0; i < n; i++) {
		bft_vote v = {.step = step, .height = height, .round = round,
		              .hash = *hash};
		if (bft_vote_sign(&v, 1337, keys[who[i]]))
			abort();
		c->sigs[i].index = idx ? idx[i]
		                       : (uint32_t)set_index_of_key[who[i]];
		memcpy(c->sigs[i].sig, v.sig, BFT_SIG_LEN);
	}
	c->n = n;
}

typedef struct node {
	char dir[64];
	db *d;
	store *s;
	chain_engines eng;
	blockchain *bc;
} node;

static inline int rm_entry(const char *path, const struct stat *sb,
                           int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(path);
}

/* A Cancun chain 1337 with the four validators of power 1 (mode below;
 * with an admin, validators 0 and 1 are funded). Returns DURE_OK or the
 * first error, chain_engine_open's included. */
#define CONTRACT "0x0000000000000000000000000000000000000bf7"

enum {
	BFT_PLAIN,       /* the set never changes */
	BFT_ADMIN,       /* validator 0 changes it through CONTRACT */
	BFT_ADMIN_CODE,  /* ... and the genesis puts code at CONTRACT */
};

static inline int node_open_with(node *n, int mode)
{
	memset(n, 0, sizeof *n);
	strcpy(n->dir, "/tmp/dure-bft-XXXXXX");
	if (!mkdtemp(n->dir))
		return DURE_EIO;
	json_t *j = json_pack(
	    "{s:{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,"
	    "s:{s:[s,s,s,s]}},"
	    "s:{},s:s,s:s,s:s,s:i}",
	    "config", "chainId", 1337, "homesteadBlock", 0, "eip150Block", 0,
	    "eip155Block", 0, "eip158Block", 0, "byzantiumBlock", 0,
	    "constantinopleBlock", 0, "petersburgBlock", 0, "istanbulBlock", 0,
	    "berlinBlock", 0, "londonBlock", 0, "mergeNetsplitBlock", 0,
	    "shanghaiTime", 0, "cancunTime", 0, "bft", "validators",
	    hh_addrs[0], hh_addrs[1], hh_addrs[2], hh_addrs[3],
	    "alloc", "gasLimit", "0x1c9c380", "difficulty", "0x1",
	    "baseFeePerGas", "0x3b9aca00", "timestamp", 0x1000);
	if (j && mode != BFT_PLAIN) {
		json_t *bft = json_object_get(json_object_get(j, "config"), "bft");
		json_object_set_new(bft, "admin", json_string(hh_addrs[0]));
		json_object_set_new(bft, "contract", json_string(CONTRACT));
		for (int k = 0; k < 2; k++)
			json_object_set_new(json_object_get(j, "alloc"), hh_addrs[k],
			                    json_pack("{s:s}", "balance",
			                              "0x56bc75e2d63100000"));
		if (mode == BFT_ADMIN_CODE)
			json_object_set_new(json_object_get(j, "alloc"), CONTRACT,
			                    json_pack("{s:s}", "code", "0x00"));
	}
	genesis g = {0};
	h256 hash;
	int err = j ? DURE_OK : DURE_ENOMEM;
	if (!err)
		err = db_open(n->dir, &(db_options){.no_sync = true}, &n->d);
	if (!err)
		err = store_open(n->d, &n->s);
	if (!err)
		err = genesis_from_json(j, &g);
	if (!err && !g.config.has_bft)
		err = DURE_EINVAL;
	if (!err)
		err = blockchain_init(n->s, &g, &hash);
	if (!err)
		err = chain_engine_open(n->s, NULL, &n->eng, &n->bc);
	genesis_free(&g);
	json_decref(j);
	return err;
}

static inline bool node_open(node *n)
{
	return node_open_with(n, BFT_PLAIN) == DURE_OK;
}

static inline void node_close(node *n)
{
	blockchain_free(n->bc);
	chain_engines_free(&n->eng);
	store_free(n->s);
	db_close(n->d);
	nftw(n->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

#endif
