/* PLACEHOLDER: replaced by the module owner. */
#include "node/fixtures.h"

void fx_run_tx(fx_ctx *ctx, json_t *root)
{
	(void)root;
	fx_fail(ctx, "(file)", "runner not written yet");
}
