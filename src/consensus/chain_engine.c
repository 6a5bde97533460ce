#include "consensus/chain_engine.h"

int chain_engine_open(store *s, const blockchain_opts *opts, pow **pw,
                      blockchain **out)
{
	*pw = NULL;
	*out = NULL;
	/* The config is read with the chain; the engine does not change
	 * what blockchain_open reads, so the first open only learns it. */
	blockchain *probe;
	int err = blockchain_open(s, engine_merge(), opts, &probe);
	if (err)
		return err;
	if (!blockchain_config(probe)->has_pow) {
		*out = probe;
		return DURE_OK;
	}
	blockchain_free(probe);
	err = pow_new(NULL, pw);
	if (!err)
		err = blockchain_open(s, pow_engine(*pw), opts, out);
	if (err) {
		pow_free(*pw);
		*pw = NULL;
		return err;
	}
	pow_attach(*pw, *out);
	return DURE_OK;
}
