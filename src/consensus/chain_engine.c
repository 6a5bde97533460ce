#include "consensus/chain_engine.h"

int chain_engine_open(store *s, const blockchain_opts *opts,
                      chain_engines *e, blockchain **out)
{
	*e = (chain_engines){0};
	*out = NULL;
	/* The config is read with the chain; the engine does not change
	 * what blockchain_open reads, so the first open only learns it. */
	blockchain *probe;
	int err = blockchain_open(s, engine_merge(), opts, &probe);
	if (err)
		return err;
	chain_config c = *blockchain_config(probe);
	if (!c.has_pow && !c.has_bft) {
		*out = probe;
		return DURE_OK;
	}
	blockchain_free(probe);
	const engine *eng;
	if (c.has_pow) {
		err = pow_new(NULL, &e->pw);
		eng = err ? NULL : pow_engine(e->pw);
	} else {
		err = bft_rules_new(&c, &e->bft);
		eng = err ? NULL : bft_rules_engine(e->bft);
	}
	if (!err)
		err = blockchain_open(s, eng, opts, out);
	if (!err && e->bft && (err = bft_rules_load(e->bft, s)) != 0) {
		blockchain_free(*out);
		*out = NULL;
	}
	if (err) {
		chain_engines_free(e);
		return err;
	}
	if (e->pw)
		pow_attach(e->pw, *out);
	return DURE_OK;
}

void chain_engines_free(chain_engines *e)
{
	pow_free(e->pw);
	bft_rules_free(e->bft);
	*e = (chain_engines){0};
}
