/* `blr bench`: median time of an optimizer step, split into its parts, on synthetic data of
 * the MNIST shape. The data and the initial weights are random but seeded, so two runs time
 * the same work. */
#include "bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rng.h"
#include "step.h"
#include "threads.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return 1e3 * (double)ts.tv_sec + 1e-6 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *x, int n)
{
    qsort(x, (size_t)n, sizeof *x, cmp_double);
    return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

int blr_bench_run(const blr_bench_opts *o, blr_bench_result *res, char *err, size_t errlen)
{
    if (o->batch < 1 || o->mc < 1 || o->steps < 1) {
        snprintf(err, errlen, "bench: batch, mc and steps must be >= 1");
        return -1;
    }
    const blr_method_ops *ops = blr_method_find(o->rule);
    if (!ops) {
        snprintf(err, errlen, "bench: unknown rule '%s'", o->rule);
        return -1;
    }
    blr_threads_set(o->threads);
    blr_model model;
    blr_model_spec spec = o->spec;
    spec.n_in = 784;
    spec.n_out = 10;
    spec.task = BLR_TASK_CLASSIFICATION;
    if (blr_model_init(&model, &spec, o->batch, err, errlen) != 0)
        return -1;
    size_t P = model.n_params, nx = (size_t)o->batch * 784;
    float *w0 = malloc(P * sizeof(float)), *w1 = malloc(P * sizeof(float));
    float *x = malloc(nx * sizeof(float));
    int *label = malloc((size_t)o->batch * sizeof(int));
    double *t_step = malloc((size_t)o->steps * 4 * sizeof(double));
    blr_method *m = NULL;
    blr_step step = {0};
    int rc = -1;
    if (!w0 || !w1 || !x || !label || !t_step) {
        snprintf(err, errlen, "bench: out of memory");
        goto done;
    }
    blr_rng rng;
    blr_rng_init(&rng, 0, BLR_RNG_BENCH, 0);
    blr_rng_fill_uniform(&rng, x, nx);
    for (int i = 0; i < o->batch; i++)
        label[i] = (int)blr_rng_below(&rng, 10);
    blr_model_init_params(&model, &rng, w0);
    blr_model_init_params(&model, &rng, w1);
    blr_method_cfg cfg;
    blr_method_cfg_defaults(&cfg);
    snprintf(cfg.rule, sizeof cfg.rule, "%s", o->rule);
    cfg.n_data = 60000;
    cfg.mc = o->mc;
    cfg.lr = 1e-3; /* small, so that thousands of steps stay finite on random labels */
    cfg.lr2 = 1e-4;
    if (ops->flags & BLR_POSITIVE_BASE)
        blr_base_init(&cfg.base, BLR_BASE_RAYLEIGH, 0, 1, err, errlen);
    else
        blr_base_init(&cfg.base, BLR_BASE_GAUSSIAN, 0, 1e-3, err, errlen);
    if (blr_method_create(&m, &cfg, P, w0, w1, err, errlen) != 0 ||
        blr_step_init(&step, &spec, o->batch, o->mc, (m->flags & BLR_NEEDS_SQGRAD) != 0, err,
                      errlen) != 0)
        goto done;
    double *t_sample = t_step + o->steps, *t_fb = t_sample + o->steps, *t_upd = t_fb + o->steps;
    /* A few untimed steps let OpenBLAS start its threads and the caches warm up. */
    int warm = o->steps < 10 ? o->steps : 10;
    for (int s = -warm; s < o->steps; s++) {
        blr_step_times t;
        blr_threads_adapt(o->threads);
        double a = now_ms();
        blr_step_run(&step, m, &rng, x, label, NULL, o->batch, cfg.prior_precision / cfg.n_data,
                     1.0, &t);
        double e = now_ms();
        if (s >= 0) {
            t_step[s] = e - a;
            t_sample[s] = t.sample;
            t_fb[s] = t.fwdbwd;
            t_upd[s] = t.update;
        }
    }
    res->ms_per_step = median(t_step, o->steps);
    res->ms_sample = median(t_sample, o->steps);
    res->ms_fwdbwd = median(t_fb, o->steps);
    res->ms_update = median(t_upd, o->steps);
    res->gflops = o->mc * blr_model_flops(&model, o->batch) / (res->ms_per_step * 1e6);
    rc = 0;
done:
    blr_step_free(&step);
    blr_method_free(m);
    blr_model_free(&model);
    free(w0);
    free(w1);
    free(x);
    free(label);
    free(t_step);
    return rc;
}
