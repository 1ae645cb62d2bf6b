/* Thread count for OpenBLAS and OpenMP together (threads.h). */
#include "threads.h"

#include <cblas.h>
#include <omp.h>

#include "fastmath.h"

void blr_threads_set(int n)
{
    if (n <= 0)
        return;
    openblas_set_num_threads(n);
    omp_set_num_threads(n);
}

int blr_threads_get(void)
{
    return openblas_get_num_threads();
}

void blr_threads_items(int workers, long items, blr_threads_item_fn fn, void *ctx)
{
    if (workers <= 1) {
        for (long i = 0; i < items; i++)
            fn(ctx, 0, i);
        return;
    }
#pragma omp parallel num_threads(workers)
    {
        omp_set_num_threads(1);
#pragma omp for schedule(static, 1)
        for (long i = 0; i < items; i++)
            fn(ctx, omp_get_thread_num(), i);
    }
}

long blr_threads_for(size_t n, blr_threads_fn fn, void *ctx)
{
    if (n < BLR_THREADS_MIN || omp_get_max_threads() == 1 || omp_in_parallel())
        return fn(ctx, 0, n);
    const size_t blocks = n / BLR_FASTMATH_BLOCK;
    long total = 0;
#pragma omp parallel reduction(+ : total)
    {
        const size_t t = (size_t)omp_get_num_threads(), k = (size_t)omp_get_thread_num();
        const size_t lo = blocks * k / t * BLR_FASTMATH_BLOCK;
        const size_t hi = k + 1 == t ? n : blocks * (k + 1) / t * BLR_FASTMATH_BLOCK;
        if (lo < hi)
            total += fn(ctx, lo, hi);
    }
    return total;
}
