/* Thread count for OpenBLAS and OpenMP together (threads.h). */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "threads.h"

#include <sched.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

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

int blr_threads_cores(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 && n < 4096 ? (int)n : 1;
}

static double seconds(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU seconds all cores spent busy since boot (/proc/stat), or -1. */
static double busy_seconds(void)
{
    FILE *f = fopen("/proc/stat", "r");
    unsigned long long v[8] = {0};
    int n = f ? fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
                       &v[3], &v[4], &v[5], &v[6], &v[7])
              : 0;
    if (f)
        fclose(f);
    long tick = sysconf(_SC_CLK_TCK);
    if (n < 4 || tick <= 0)
        return -1.0;
    /* user nice system idle iowait irq softirq steal: all but idle and iowait are busy. */
    return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)tick;
}

int blr_threads_adapt(int wanted)
{
    static double last_wall = -1.0, last_busy, last_own;
    static int current;
    double wall = seconds(CLOCK_MONOTONIC);
    if (last_wall >= 0.0 && wall - last_wall < 0.2 && current)
        return current;
    double busy = busy_seconds(), own = seconds(CLOCK_PROCESS_CPUTIME_ID);
    int n = wanted;
    if (last_wall >= 0.0 && busy >= 0.0) {
        double others = (busy - last_busy - (own - last_own)) / (wall - last_wall);
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        /* A core counts as taken from 3/4 of it on: short bursts of other work (a shell
         * command, a daemon) stay below that over 0.2 s, a competing busy process does not. */
        long free = cores - (long)(others + 0.25);
        if (free < n)
            n = free > 1 ? (int)free : 1;
    }
    if (n != current)
        blr_threads_set(n);
    current = n;
    last_wall = wall;
    last_busy = busy;
    last_own = own;
    return current;
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
