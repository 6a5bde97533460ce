#include "chain/config.h"

#include <string.h>

#include "base/hex.h"

/* The keys of the forks scheduled by block number, in fork order. Spurious
 * Dragon is two keys in geth (EIP-155 and EIP-158), which must agree here;
 * Paris is read apart (mergeNetsplitBlock or the terminal difficulty). */
static const struct {
	fork f;
	const char *key;
} block_forks[] = {
	{FORK_HOMESTEAD, "homesteadBlock"},
	{FORK_TANGERINE, "eip150Block"},
	{FORK_SPURIOUS, "eip158Block"},
	{FORK_BYZANTIUM, "byzantiumBlock"},
	{FORK_CONSTANTINOPLE, "constantinopleBlock"},
	{FORK_PETERSBURG, "petersburgBlock"},
	{FORK_ISTANBUL, "istanbulBlock"},
	{FORK_BERLIN, "berlinBlock"},
	{FORK_LONDON, "londonBlock"},
};

int chain_json_u256(const json_t *v, u256 *out)
{
	*out = U256_ZERO;
	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return DURE_EJSON;
		*out = u256_from_u64((uint64_t)json_integer_value(v));
		return DURE_OK;
	}
	if (json_is_string(v) && u256_from_string(json_string_value(v), out) == 0)
		return DURE_OK;
	return DURE_EJSON;
}

/* Reads an optional key: absent or null leaves *out at CHAIN_NEVER. A
 * value of 2^64-1 would read as "never", so it is refused. */
static int opt_u64(const json_t *o, const char *key, uint64_t *out)
{
	*out = CHAIN_NEVER;
	const json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return DURE_OK;
	u256 x;
	if (chain_json_u256(v, &x) || !u256_fits_u64(&x) ||
	    x.w[0] == CHAIN_NEVER)
		return DURE_EJSON;
	*out = x.w[0];
	return DURE_OK;
}

/* A rule-less fork point: absent reads as 0, which EIP-2124 skips as it
 * skips a fork at genesis, so that every "none" is the same value. */
static int opt_point(const json_t *o, const char *key, uint64_t *out)
{
	int err = opt_u64(o, key, out);
	if (*out == CHAIN_NEVER)
		*out = 0;
	return err;
}

static bool in_order(uint64_t prev, uint64_t at)
{
	return at == CHAIN_NEVER || (prev != CHAIN_NEVER && prev <= at);
}

static int read_pow(const json_t *o, chain_pow *p)
{
	if (!json_is_object(o))
		return DURE_EJSON;
	u256 t;
	if (chain_json_u256(json_object_get(o, "targetBlockTime"), &t) ||
	    !u256_fits_u64(&t) || t.w[0] == 0)
		return DURE_EJSON;
	p->target_block_time = t.w[0];
	if (chain_json_u256(json_object_get(o, "minimumDifficulty"),
	                    &p->min_difficulty) ||
	    u256_is_zero(&p->min_difficulty))
		return DURE_EJSON;
	const json_t *r = json_object_get(o, "blockReward");
	if (r && !json_is_null(r) && chain_json_u256(r, &p->block_reward))
		return DURE_EJSON;
	return DURE_OK;
}

/* One validator: "0x..." (power 1) or {"address": "0x...", "power": n}. */
static int read_validator(const json_t *v, address *a, uint64_t *power)
{
	const json_t *addr = v;
	*power = 1;
	if (json_is_object(v)) {
		addr = json_object_get(v, "address");
		u256 p;
		if (chain_json_u256(json_object_get(v, "power"), &p) ||
		    !u256_fits_u64(&p) || p.w[0] == 0)
			return DURE_EJSON;
		*power = p.w[0];
	}
	if (!json_is_string(addr) ||
	    hex_decode_exact(json_string_value(addr), a->b, sizeof a->b))
		return DURE_EJSON;
	return DURE_OK;
}

static int read_bft(const json_t *o, chain_bft *b)
{
	const json_t *vals = json_is_object(o) ? json_object_get(o, "validators")
	                                       : NULL;
	size_t n = json_array_size(vals);
	if (!json_is_array(vals) || n == 0 || n > CHAIN_BFT_MAX_VALIDATORS)
		return DURE_EJSON;
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		if (read_validator(json_array_get(vals, i), &b->addr[i],
		                   &b->power[i]) ||
		    b->power[i] > CHAIN_BFT_MAX_TOTAL_POWER - total)
			return DURE_EJSON;
		total += b->power[i];
		for (size_t j = 0; j < i; j++)
			if (address_eq(&b->addr[j], &b->addr[i]))
				return DURE_EJSON;
	}
	b->n = n;
	const json_t *admin = json_object_get(o, "admin");
	const json_t *contract = json_object_get(o, "contract");
	if (!admin != !contract)
		return DURE_EJSON;
	if (admin) {
		if (!json_is_string(admin) || !json_is_string(contract) ||
		    hex_decode_exact(json_string_value(admin), b->admin.b,
		                     sizeof b->admin.b) ||
		    hex_decode_exact(json_string_value(contract), b->contract.b,
		                     sizeof b->contract.b))
			return DURE_EJSON;
		b->has_admin = true;
	}
	return DURE_OK;
}

static int read_config(const json_t *config, chain_config *c)
{
	if (!json_is_object(config))
		return DURE_EJSON;
	u256 id;
	if (chain_json_u256(json_object_get(config, "chainId"), &id) ||
	    !u256_fits_u64(&id))
		return DURE_EJSON;
	c->chain_id = id.w[0];

	for (int f = 0; f < FORK_COUNT_; f++)
		c->activation[f] = CHAIN_NEVER;
	c->activation[FORK_FRONTIER] = 0;
	for (size_t i = 0; i < sizeof block_forks / sizeof block_forks[0]; i++)
		if (opt_u64(config, block_forks[i].key,
		            &c->activation[block_forks[i].f]))
			return DURE_EJSON;
	uint64_t eip155;
	if (opt_u64(config, "eip155Block", &eip155) ||
	    eip155 != c->activation[FORK_SPURIOUS])
		return DURE_EJSON;
	/* geth: Petersburg left out of a Constantinople chain starts with it. */
	if (c->activation[FORK_PETERSBURG] == CHAIN_NEVER)
		c->activation[FORK_PETERSBURG] = c->activation[FORK_CONSTANTINOPLE];
	if (opt_u64(config, "mergeNetsplitBlock", &c->activation[FORK_PARIS]) ||
	    opt_u64(config, "shanghaiTime", &c->activation[FORK_SHANGHAI]) ||
	    opt_u64(config, "cancunTime", &c->activation[FORK_CANCUN]))
		return DURE_EJSON;

	const json_t *unl = json_object_get(config, "allowUnlimitedContractSize");
	if (unl && !json_is_boolean(unl))
		return DURE_EJSON;
	c->unlimited_code_size = json_is_true(unl);
	const json_t *dev = json_object_get(config, "dureDevChain");
	if (dev && !json_is_boolean(dev))
		return DURE_EJSON;
	c->dev_rules = json_is_true(dev);

	if (opt_point(config, "daoForkBlock", &c->dao_block) ||
	    opt_point(config, "muirGlacierBlock", &c->muir_glacier_block) ||
	    opt_point(config, "arrowGlacierBlock", &c->arrow_glacier_block) ||
	    opt_point(config, "grayGlacierBlock", &c->gray_glacier_block))
		return DURE_EJSON;
	const json_t *pow = json_object_get(config, "pow");
	if (pow && !json_is_null(pow)) {
		int err = read_pow(pow, &c->pow);
		if (err)
			return err;
		c->has_pow = true;
	}
	const json_t *bft = json_object_get(config, "bft");
	if (bft && !json_is_null(bft)) {
		int err = read_bft(bft, &c->bft);
		if (err)
			return err;
		if (c->has_pow)
			return DURE_EJSON;
		c->has_bft = true;
	}

	const json_t *ttd = json_object_get(config, "terminalTotalDifficulty");
	if (ttd && !json_is_null(ttd)) {
		if (chain_json_u256(ttd, &c->ttd))
			return DURE_EJSON;
		c->has_ttd = true;
	}

	/* Each scheduled fork needs the one before it, no later than itself.
	 * Paris by total difficulty has no number to compare, and the timed
	 * forks none with the numbered ones. */
	for (int f = FORK_HOMESTEAD; f <= FORK_PARIS; f++)
		if (!in_order(c->activation[f - 1], c->activation[f]))
			return DURE_EJSON;
	bool paris = c->activation[FORK_PARIS] != CHAIN_NEVER || c->has_ttd;
	if ((paris && c->activation[FORK_LONDON] == CHAIN_NEVER) ||
	    (!paris && c->activation[FORK_SHANGHAI] != CHAIN_NEVER) ||
	    !in_order(c->activation[FORK_SHANGHAI], c->activation[FORK_CANCUN]))
		return DURE_EJSON;
	return DURE_OK;
}

/* Sets key to v in o; returns false when jansson could not. */
static bool set_u64(json_t *o, const char *key, uint64_t v)
{
	if (v == CHAIN_NEVER)
		return true;
	if (v <= (uint64_t)INT64_MAX)
		return json_object_set_new(o, key, json_integer((json_int_t)v)) == 0;
	char hex[67];
	u256 x = u256_from_u64(v);
	u256_to_hex(&x, hex);
	return json_object_set_new(o, key, json_string(hex)) == 0;
}

/* A rule-less fork point: none (0) is left out. */
static bool set_point(json_t *o, const char *key, uint64_t v)
{
	return v == 0 || set_u64(o, key, v);
}

/* The "bft" object, or NULL when jansson could not (json_object_set_new
 * then fails too). The *_new calls take their value even when they
 * fail. */
static json_t *bft_to_json(const chain_bft *b)
{
	json_t *vals = json_array();
	for (size_t i = 0; vals && i < b->n; i++) {
		char hex[2 + 40 + 1] = "0x";
		hex_encode(b->addr[i].b, sizeof b->addr[i].b, hex + 2);
		json_t *v = json_object();
		if (!v || json_object_set_new(v, "address", json_string(hex)) ||
		    !set_u64(v, "power", b->power[i])) {
			json_decref(v);
			json_decref(vals);
			return NULL;
		}
		if (json_array_append_new(vals, v)) {
			json_decref(vals);
			return NULL;
		}
	}
	json_t *o = vals ? json_object() : NULL;
	if (!o) {
		json_decref(vals);
		return NULL;
	}
	if (json_object_set_new(o, "validators", vals)) {
		json_decref(o);
		return NULL;
	}
	if (b->has_admin) {
		char admin[2 + 40 + 1] = "0x", contract[2 + 40 + 1] = "0x";
		hex_encode(b->admin.b, sizeof b->admin.b, admin + 2);
		hex_encode(b->contract.b, sizeof b->contract.b, contract + 2);
		if (json_object_set_new(o, "admin", json_string(admin)) ||
		    json_object_set_new(o, "contract", json_string(contract))) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

int chain_config_to_json(const chain_config *c, json_t **out)
{
	*out = NULL;
	json_t *o = json_object();
	bool ok = o && set_u64(o, "chainId", c->chain_id);
	for (size_t i = 0; ok && i < sizeof block_forks / sizeof block_forks[0];
	     i++)
		ok = set_u64(o, block_forks[i].key, c->activation[block_forks[i].f]);
	ok = ok && set_u64(o, "eip155Block", c->activation[FORK_SPURIOUS]) &&
	     set_u64(o, "mergeNetsplitBlock", c->activation[FORK_PARIS]) &&
	     set_u64(o, "shanghaiTime", c->activation[FORK_SHANGHAI]) &&
	     set_u64(o, "cancunTime", c->activation[FORK_CANCUN]);
	if (ok && c->has_ttd) {
		char hex[67];
		u256_to_hex(&c->ttd, hex);
		ok = json_object_set_new(o, "terminalTotalDifficulty",
		                         json_string(hex)) == 0;
	}
	if (ok && c->unlimited_code_size)
		ok = json_object_set_new(o, "allowUnlimitedContractSize",
		                         json_true()) == 0;
	if (ok && c->dev_rules)
		ok = json_object_set_new(o, "dureDevChain", json_true()) == 0;
	ok = ok && set_point(o, "daoForkBlock", c->dao_block) &&
	     set_point(o, "muirGlacierBlock", c->muir_glacier_block) &&
	     set_point(o, "arrowGlacierBlock", c->arrow_glacier_block) &&
	     set_point(o, "grayGlacierBlock", c->gray_glacier_block);
	if (ok && c->has_pow) {
		char d[79], r[79];
		u256_to_dec(&c->pow.min_difficulty, d);
		u256_to_dec(&c->pow.block_reward, r);
		json_t *p = json_object();
		ok = p && set_u64(p, "targetBlockTime", c->pow.target_block_time) &&
		     json_object_set_new(p, "minimumDifficulty", json_string(d)) == 0 &&
		     json_object_set_new(p, "blockReward", json_string(r)) == 0;
		if (ok)
			ok = json_object_set_new(o, "pow", p) == 0;
		else
			json_decref(p);
	}
	if (ok && c->has_bft)
		ok = json_object_set_new(o, "bft", bft_to_json(&c->bft)) == 0;
	if (!ok) {
		json_decref(o);
		return DURE_ENOMEM;
	}
	*out = o;
	return DURE_OK;
}

int chain_config_from_json(const json_t *config, chain_config *out)
{
	memset(out, 0, sizeof *out);
	int err = read_config(config, out);
	if (err)
		memset(out, 0, sizeof *out);
	return err;
}

/* A transition network: the forks up to `base` from genesis, those after
 * it up to `next` at `at` (a block number, a timestamp from Shanghai on);
 * Paris among them starts at the terminal total difficulty `ttd`. */
static const struct {
	const char *name;
	fork base, next;
	uint64_t at, ttd;
} transitions[] = {
	{"FrontierToHomesteadAt5", FORK_FRONTIER, FORK_HOMESTEAD, 5, 0},
	{"HomesteadToEIP150At5", FORK_HOMESTEAD, FORK_TANGERINE, 5, 0},
	/* The DAO fork changes balances, not rules: Homestead throughout. */
	{"HomesteadToDaoAt5", FORK_HOMESTEAD, FORK_HOMESTEAD, 5, 0},
	{"EIP158ToByzantiumAt5", FORK_SPURIOUS, FORK_BYZANTIUM, 5, 0},
	{"ByzantiumToConstantinopleFixAt5", FORK_BYZANTIUM, FORK_PETERSBURG, 5, 0},
	{"BerlinToLondonAt5", FORK_BERLIN, FORK_LONDON, 5, 0},
	{"ArrowGlacierToParisAtDiffC0000", FORK_LONDON, FORK_PARIS, 0, 0xC0000},
	{"ParisToShanghaiAtTime15k", FORK_PARIS, FORK_SHANGHAI, 15000, 0},
	{"ShanghaiToCancunAtTime15k", FORK_SHANGHAI, FORK_CANCUN, 15000, 0},
};

static void network_config(fork base, fork next, uint64_t at, uint64_t ttd,
                           chain_config *c)
{
	c->chain_id = 1;
	for (int f = 0; f < FORK_COUNT_; f++)
		c->activation[f] = f <= (int)base ? 0
		                 : f <= (int)next ? at : CHAIN_NEVER;
	if (base >= FORK_PARIS) {
		c->has_ttd = true;
	} else if (next >= FORK_PARIS) {
		c->activation[FORK_PARIS] = CHAIN_NEVER;
		c->has_ttd = true;
		c->ttd = u256_from_u64(ttd);
	}
}

int chain_config_for_network(const char *network, chain_config *out)
{
	memset(out, 0, sizeof *out);
	fork f;
	if (fork_from_name(network, &f) == 0) {
		network_config(f, f, 0, 0, out);
		return DURE_OK;
	}
	for (size_t i = 0; i < sizeof transitions / sizeof transitions[0]; i++) {
		if (strcmp(network, transitions[i].name) == 0) {
			network_config(transitions[i].base, transitions[i].next,
			               transitions[i].at, transitions[i].ttd, out);
			return DURE_OK;
		}
	}
	return DURE_EINVAL;
}

/* The fork by number and time, with `merged` saying whether a chain that
 * merges by total difficulty has reached it. */
static fork fork_at(const chain_config *c, uint64_t number,
                    uint64_t timestamp, bool merged)
{
	fork f = FORK_FRONTIER;
	while (f < FORK_LONDON && c->activation[f + 1] <= number)
		f++;
	if (f < FORK_LONDON)
		return f;
	if (c->activation[FORK_PARIS] != CHAIN_NEVER)
		merged = c->activation[FORK_PARIS] <= number;
	if (!merged)
		return f;
	f = FORK_PARIS;
	while (f < FORK_CANCUN && c->activation[f + 1] <= timestamp)
		f++;
	return f;
}

fork chain_config_fork(const chain_config *c, uint64_t number,
                       uint64_t timestamp)
{
	return fork_at(c, number, timestamp,
	               c->has_ttd && u256_is_zero(&c->ttd));
}

fork chain_config_fork_td(const chain_config *c, uint64_t number,
                          uint64_t timestamp, const u256 *parent_td)
{
	return fork_at(c, number, timestamp,
	               c->has_ttd && !u256_lt(parent_td, &c->ttd));
}
