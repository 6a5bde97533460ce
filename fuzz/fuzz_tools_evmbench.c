/* Fuzz target for the benchmark file readers: the hex notation with
 * "(Kx..)" repeats and the ".inputs" files.
 *
 * Checks that arbitrary text never crashes either reader nor grows past the
 * cap, that a failed decode leaves the buffer as it was, and that a
 * successful parse gives cases with names and sizes within the cap. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "fuzz.h"
#include "tools/evmbench.h"

#define CAP 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	buf b = BUF_INIT;
	if (buf_push(&b, 0x99))
		return 0;
	int err = evmbench_hex_decode(text, size, CAP, &b);
	if (b.len > 1 + CAP || b.data[0] != 0x99 || (err && b.len != 1))
		abort();
	buf_free(&b);

	evmbench_input *in;
	size_t n;
	err = evmbench_inputs_parse(text, size, CAP, &in, &n);
	if (err && (in || n))
		abort();
	for (size_t i = 0; i < n; i++) {
		if (!in[i].name[0] || in[i].input_size > CAP ||
		    in[i].expected_size > CAP ||
		    (in[i].input_size && !in[i].input))
			abort();
	}
	evmbench_inputs_free(in, n);
	return 0;
}
