/* The malloc/calloc/realloc wrappers behind blr_test_alloc_count (ld --wrap). */
#include <stdatomic.h>

#include "alloc_count.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

static atomic_size_t alloc_count;

void *__wrap_malloc(size_t n)
{
    atomic_fetch_add(&alloc_count, 1);
    return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
    atomic_fetch_add(&alloc_count, 1);
    return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
    atomic_fetch_add(&alloc_count, 1);
    return __real_realloc(p, n);
}

size_t blr_test_alloc_count(void)
{
    return atomic_load(&alloc_count);
}
