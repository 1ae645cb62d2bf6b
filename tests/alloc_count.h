/* Heap allocations made by code linked into the test binary (the link wraps malloc, calloc
 * and realloc: see TEST_LDFLAGS in the Makefile), so a test can assert that a hot path
 * allocates nothing. Shared libraries' own allocations are not seen. */
#ifndef BLR_TEST_ALLOC_COUNT_H
#define BLR_TEST_ALLOC_COUNT_H

#include <stddef.h>

size_t blr_test_alloc_count(void);

#endif
