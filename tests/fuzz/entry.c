/* libFuzzer entry point, compiled once per harness with -DBLR_FUZZ_TARGET=blr_fuzz_<name>
 * (the Makefile's fuzz rules): the bodies live in fuzz_<name>.c, shared with the corpus
 * replay in the test suite. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return BLR_FUZZ_TARGET(data, size);
}
