/* `blr bench --suite DIR` (`make bench`): the reference timings of docs/design.md §6,
 * written as results files — bench.csv (every method × batch 32/128/512 × 1 or 4 MC samples,
 * median ms per step and its parts), sampling.csv (bulk draws per second of every base, ours
 * next to GSL's reference sampler), gemm.csv (sgemm on the network's own shapes: the time a
 * step cannot go below), and bench.png/.svg with its .gp and .dat. */
#include "bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>

#include "base.h"
#include "plot.h"
#include "rule.h"

static const int suite_batch[] = {32, 128, 512};
static const int suite_mc[] = {1, 4};
/* The host's speed drifts (other tenants): every measurement is repeated in ROUNDS rounds
 * spread over the suite's run, and the fastest round kept, so that a slow phase does not
 * decide a cell. */
enum { N_BATCH = 3, N_MC = 2, REF_BATCH = 128, ROUNDS = 3 };

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ---- sampling ---------------------------------------------------------------------------- */

double blr_bench_sampling(const blr_base *b, size_t n, int reps, int gsl)
{
    float *f = gsl ? NULL : malloc(n * sizeof *f);
    double *d = gsl ? malloc(n * sizeof *d) : NULL;
    double t[32];
    reps = reps < 1 ? 1 : reps > 32 ? 32 : reps;
    if (!f && !d)
        return NAN;
    blr_rng rng;
    blr_rng_init(&rng, 0, BLR_RNG_BENCH, 1);
    for (int r = -1; r < reps; r++) {
        double a = now_s();
        if (gsl)
            blr_base_sample_gsl(b, (unsigned long)r + 2, d, n);
        else
            blr_base_sample(b, &rng, f, n);
        if (r >= 0)
            t[r] = now_s() - a;
    }
    free(f);
    free(d);
    qsort(t, (size_t)reps, sizeof *t, cmp_double);
    return (double)n / t[reps / 2];
}

/* ---- sgemm on the network's shapes ------------------------------------------------------- */

/* One dense layer's three products in a step: forward X·Wᵀ, the weight gradient δᵀ·X and
 * (not for the first layer, whose input needs none) the input gradient δ·W. */
int blr_bench_gemm(const blr_model_spec *spec, int batch, int reps, blr_bench_gemm_row *rows,
                   int max_rows, int *n_rows, char *err, size_t errlen)
{
    if (spec->arch != BLR_ARCH_MLP) {
        snprintf(err, errlen, "bench: the sgemm bound is computed for arch mlp only");
        return -1;
    }
    int widths[BLR_MAX_LAYERS + 1], n_layers = spec->n_hidden + 1;
    widths[0] = 784;
    for (int l = 0; l < spec->n_hidden; l++)
        widths[l + 1] = spec->hidden[l];
    widths[n_layers] = 10;
    /* Every operand fits in a square of the largest of the batch and the widths. */
    size_t side = (size_t)batch;
    for (int l = 0; l <= n_layers; l++)
        side = (size_t)widths[l] > side ? (size_t)widths[l] : side;
    size_t big = side * side;
    float *a = calloc(big * 3, sizeof *a);
    if (!a) {
        snprintf(err, errlen, "bench: out of memory");
        return -1;
    }
    float *bm = a + big, *c = a + 2 * big;
    *n_rows = 0;
    reps = reps < 1 ? 1 : reps > 64 ? 64 : reps;
    for (int l = 0; l < n_layers; l++) {
        int in = widths[l], out = widths[l + 1];
        const struct {
            const char *what;
            CBLAS_TRANSPOSE ta, tb;
            int m, n, k;
        } g[3] = {
            {"forward", CblasNoTrans, CblasTrans, batch, out, in},
            {"weight-grad", CblasTrans, CblasNoTrans, out, in, batch},
            {"input-grad", CblasNoTrans, CblasNoTrans, batch, in, out},
        };
        for (int k = 0; k < (l == 0 ? 2 : 3); k++) {
            if (*n_rows == max_rows) {
                free(a);
                snprintf(err, errlen, "bench: more than %d products", max_rows);
                return -1;
            }
            double t[64];
            int lda = g[k].ta == CblasNoTrans ? g[k].k : g[k].m;
            int ldb = g[k].tb == CblasNoTrans ? g[k].n : g[k].k;
            for (int r = -2; r < reps; r++) {
                double s = now_s();
                cblas_sgemm(CblasRowMajor, g[k].ta, g[k].tb, g[k].m, g[k].n, g[k].k, 1.0f, a, lda,
                            bm, ldb, 0.0f, c, g[k].n);
                if (r >= 0)
                    t[r] = now_s() - s;
            }
            qsort(t, (size_t)reps, sizeof *t, cmp_double);
            blr_bench_gemm_row *row = &rows[(*n_rows)++];
            snprintf(row->what, sizeof row->what, "layer%d-%s", l + 1, g[k].what);
            row->m = g[k].m;
            row->n = g[k].n;
            row->k = g[k].k;
            row->ms = 1e3 * t[reps / 2];
            row->gflops = 2.0 * g[k].m * g[k].n * g[k].k / (t[reps / 2] * 1e9);
        }
    }
    free(a);
    return 0;
}

/* ---- the suite --------------------------------------------------------------------------- */

/* Cell c of bench.csv: method c / (N_BATCH N_MC), then batch, then mc. */
static blr_bench_opts suite_cell(const blr_bench_suite_opts *o, size_t c)
{
    const int bi = (int)(c / N_MC % N_BATCH), mi = (int)(c % N_MC);
    blr_bench_opts b = {.spec = o->spec, .batch = suite_batch[bi], .mc = suite_mc[mi],
                        .threads = o->threads,
                        .rule = blr_method_at(c / (N_BATCH * N_MC))->name};
    /* About the same work for every cell: fewer steps where a step is long. */
    b.steps = o->steps * REF_BATCH / (suite_batch[bi] * suite_mc[mi]);
    b.steps = b.steps < 20 ? 20 : b.steps;
    return b;
}

static int write_csvs(const char *dir, const blr_bench_suite_opts *o, FILE *progress,
                      double bound[N_BATCH], char *err, size_t errlen)
{
    blr_report_file rf;
    if (blr_report_open(&rf, dir, "sampling.csv", err, errlen) != 0)
        return -1;
    fputs("base,n,draws_per_s,gsl_draws_per_s\n", rf.f);
    for (int k = 0; k < BLR_BASE_COUNT; k++) {
        blr_base b;
        if (k == BLR_BASE_DIRAC || blr_base_init(&b, (blr_base_kind)k, 5.0, 1.0, err, errlen))
            continue;
        double fast = blr_bench_sampling(&b, o->sample_n, 9, 0);
        double ref = blr_bench_sampling(&b, o->sample_n / 4, 3, 1);
        fprintf(rf.f, "%s,%zu,%.4g,%.4g\n", blr_base_name(b.kind), o->sample_n, fast, ref);
        if (progress)
            fprintf(progress, "bench: sampling %s %.0f M/s (GSL %.0f M/s)\n",
                    blr_base_name(b.kind), fast / 1e6, ref / 1e6);
    }
    if (blr_report_close(&rf, err, errlen) != 0)
        return -1;

    if (blr_report_open(&rf, dir, "gemm.csv", err, errlen) != 0)
        return -1;
    fputs("batch,product,m,n,k,ms,gflops\n", rf.f);
    for (int bi = 0; bi < N_BATCH; bi++) {
        blr_bench_gemm_row rows[3 * BLR_MAX_LAYERS], round_rows[3 * BLR_MAX_LAYERS];
        int n = 0;
        double best = INFINITY;
        for (int round = 0; round < ROUNDS; round++) {
            if (blr_bench_gemm(&o->spec, suite_batch[bi], 21, round_rows, 3 * BLR_MAX_LAYERS, &n,
                               err, errlen) != 0) {
                blr_report_abort(&rf);
                return -1;
            }
            double ms = 0.0;
            for (int i = 0; i < n; i++)
                ms += round_rows[i].ms;
            if (ms < best) {
                best = ms;
                memcpy(rows, round_rows, (size_t)n * sizeof *rows);
            }
        }
        double ms = 0.0, flops = 0.0;
        for (int i = 0; i < n; i++) {
            fprintf(rf.f, "%d,%s,%d,%d,%d,%.4f,%.2f\n", suite_batch[bi], rows[i].what,
                    rows[i].m, rows[i].n, rows[i].k, rows[i].ms, rows[i].gflops);
            ms += rows[i].ms;
            flops += 2.0 * rows[i].m * rows[i].n * rows[i].k;
        }
        bound[bi] = ms;
        fprintf(rf.f, "%d,bound,,,,%.4f,%.2f\n", suite_batch[bi], ms, flops / (ms * 1e6));
        if (progress)
            fprintf(progress, "bench: sgemm bound at batch %d: %.3f ms (%.0f GFLOP/s)\n",
                    suite_batch[bi], ms, flops / (ms * 1e6));
    }
    if (blr_report_close(&rf, err, errlen) != 0)
        return -1;

    if (blr_report_open(&rf, dir, "bench.csv", err, errlen) != 0)
        return -1;
    fputs("method,batch,mc,threads,steps,ms_per_step,ms_sample,ms_fwdbwd,ms_update,gflops,"
          "bound_ms\n", rf.f);
    const size_t n_cells = blr_method_count() * N_BATCH * N_MC;
    blr_bench_result *best = malloc(n_cells * sizeof *best);
    if (!best) {
        blr_report_abort(&rf);
        snprintf(err, errlen, "bench: out of memory");
        return -1;
    }
    for (int round = 0; round < ROUNDS; round++)
        for (size_t c = 0; c < n_cells; c++) {
            blr_bench_opts b = suite_cell(o, c);
            blr_bench_result r;
            if (blr_bench_run(&b, &r, err, errlen) != 0) {
                free(best);
                blr_report_abort(&rf);
                return -1;
            }
            if (round == 0 || r.ms_per_step < best[c].ms_per_step)
                best[c] = r;
            if (progress && round == ROUNDS - 1)
                fprintf(progress, "bench: %s batch %d mc %d: %.3f ms/step\n", b.rule, b.batch,
                        b.mc, best[c].ms_per_step);
        }
    for (size_t c = 0; c < n_cells; c++) {
        blr_bench_opts b = suite_cell(o, c);
        const blr_bench_result *r = &best[c];
        fprintf(rf.f, "%s,%d,%d,%d,%d,%.4f,%.4f,%.4f,%.4f,%.2f,%.4f\n", b.rule, b.batch, b.mc,
                b.threads, b.steps, r->ms_per_step, r->ms_sample, r->ms_fwdbwd, r->ms_update,
                r->gflops, b.mc * bound[c / N_MC % N_BATCH]);
    }
    free(best);
    return blr_report_close(&rf, err, errlen);
}

int blr_bench_suite(const char *dir, const blr_bench_suite_opts *o, FILE *progress, char *err,
                    size_t errlen)
{
    double bound[N_BATCH];
    /* plots/bench.gp draws bench.png from bench.csv. */
    if (write_csvs(dir, o, progress, bound, err, errlen) != 0)
        return -1;
    return blr_plot_draw(dir, "bench", err, errlen);
}
