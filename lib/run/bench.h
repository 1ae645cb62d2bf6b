/* Timing of optimizer steps on a synthetic problem (`blr bench`). */
#ifndef BLR_BENCH_H
#define BLR_BENCH_H

#include <stddef.h>
#include <stdio.h>

#include "base.h"
#include "model.h"
#include "registry.h" /* a benchmark names its rule */

typedef struct {
    blr_model_spec spec; /* arch, hidden, act; n_in 784 and n_out 10 */
    int batch, mc, steps, threads;
    const char *rule;
} blr_bench_opts;

typedef struct {
    double ms_per_step;   /* median over steps */
    double ms_sample, ms_fwdbwd, ms_update; /* medians of the parts (blr_step_times: the
                                             * draws; the gradients with the prior term; the
                                             * accumulates and the method's step) */
    double gflops;        /* forward+backward flops per step / median step time */
} blr_bench_result;

int blr_bench_run(const blr_bench_opts *o, blr_bench_result *res, char *err, size_t errlen);

/* Bulk draws per second of a base into n floats (gsl = 0), or through GSL's reference sampler
 * into n doubles (gsl = 1): the median of reps fills, one thread. */
double blr_bench_sampling(const blr_base *b, size_t n, int reps, int gsl);

/* The sgemm products of one forward+backward of an mlp at this batch, each timed (median of
 * reps) with the OpenBLAS threads in effect; their summed time bounds a step from below. */
typedef struct {
    char what[40];
    int m, n, k;
    double ms, gflops;
} blr_bench_gemm_row;
int blr_bench_gemm(const blr_model_spec *spec, int batch, int reps, blr_bench_gemm_row *rows,
                   int max_rows, int *n_rows, char *err, size_t errlen);

/* The reference timings (`blr bench --suite DIR`, `make bench`): DIR/bench.csv (every method ×
 * batch 32, 128, 512 × 1 or 4 MC samples; `steps` is the step count at batch 128 with one
 * sample, scaled down for larger work), sampling.csv, gemm.csv and the figure bench.png. Each
 * cell and each batch's sgemm bound is the fastest of 3 rounds spread over the run. */
typedef struct {
    blr_model_spec spec; /* an mlp */
    int threads, steps;
    size_t sample_n;     /* draws per timed fill */
} blr_bench_suite_opts;
int blr_bench_suite(const char *dir, const blr_bench_suite_opts *o, FILE *progress, char *err,
                    size_t errlen);

#endif
