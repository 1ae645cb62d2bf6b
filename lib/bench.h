/* Timing of optimizer steps on a synthetic problem (`blr bench`). */
#ifndef BLR_BENCH_H
#define BLR_BENCH_H

#include <stddef.h>
#include "model.h"

typedef struct {
    blr_model_spec spec; /* arch, hidden, act; n_in 784 and n_out 10 */
    int batch, mc, steps, threads;
    const char *rule;
} blr_bench_opts;

typedef struct {
    double ms_per_step;   /* median over steps */
    double ms_sample, ms_fwdbwd, ms_update; /* medians of the parts */
    double gflops;        /* forward+backward flops per step / median step time */
} blr_bench_result;

int blr_bench_run(const blr_bench_opts *o, blr_bench_result *res, char *err, size_t errlen);

#endif
