/* The libFuzzer entry point every target in fuzz/ defines. Each target
 * returns 0 and aborts on a broken invariant, so a crash is a finding. */
#ifndef DURE_FUZZ_H
#define DURE_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
