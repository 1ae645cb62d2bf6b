/* `blr bench --suite DIR` (`make bench`): the reference timings of the performance issue (M4),
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

/* bench.dat: block 0, the batch-128 one-sample parts per method; block 1.., ms/step against
 * the batch per method (one sample); the last block, the sgemm bound against the batch. */
static int write_figure(const char *dir, double bound[N_BATCH], char *err, size_t errlen)
{
    static const char *const cols[] = {"method", "batch", "mc", "ms_per_step", "ms_sample",
                                       "ms_fwdbwd", "ms_update"};
    blr_plot_csv c;
    if (blr_plot_csv_open(&c, dir, "bench.csv", cols, 7, err, errlen) != 0)
        return -1;
    enum { MAX_M = 64 };
    char names[MAX_M][32];
    double parts[MAX_M][3], curve[MAX_M][N_BATCH];
    int n = 0, rc;
    while ((rc = blr_plot_csv_next(&c, err, errlen)) == 1) {
        const char *name = blr_plot_csv_field(&c, 0);
        long batch, mc;
        if (blr_plot_csv_long(&c, 1, 1, &batch, err, errlen) ||
            blr_plot_csv_long(&c, 2, 1, &mc, err, errlen)) {
            rc = -1;
            break;
        }
        int m = 0;
        while (m < n && strcmp(names[m], name) != 0)
            m++;
        if (m == n && n < MAX_M)
            snprintf(names[n++], sizeof names[0], "%s", name);
        if (m == MAX_M || mc != 1)
            continue;
        double v[4];
        for (int k = 0; k < 4; k++)
            if (blr_plot_csv_double(&c, 3 + k, &v[k], err, errlen) != 0)
                rc = -1;
        if (rc < 0)
            break;
        for (int bi = 0; bi < N_BATCH; bi++)
            if (batch == suite_batch[bi])
                curve[m][bi] = v[0];
        if (batch == REF_BATCH)
            parts[m][0] = v[1], parts[m][1] = v[2], parts[m][2] = v[3];
    }
    blr_plot_csv_close(&c);
    if (rc < 0)
        return -1;
    blr_report_file rf;
    if (blr_report_open(&rf, dir, "bench.dat", err, errlen) != 0)
        return -1;
    fputs("# batch 128, one MC sample: method sample fwdbwd update (ms, medians)\n", rf.f);
    for (int m = 0; m < n; m++)
        fprintf(rf.f, "%s %.4f %.4f %.4f\n", names[m], parts[m][0], parts[m][1], parts[m][2]);
    for (int m = 0; m < n; m++) {
        fprintf(rf.f, "\n\n# %s, one MC sample: batch ms_per_step\n", names[m]);
        for (int bi = 0; bi < N_BATCH; bi++)
            fprintf(rf.f, "%d %.4f\n", suite_batch[bi], curve[m][bi]);
    }
    fputs("\n\n# sgemm bound of one forward+backward: batch ms\n", rf.f);
    for (int bi = 0; bi < N_BATCH; bi++)
        fprintf(rf.f, "%d %.4f\n", suite_batch[bi], bound[bi]);
    if (blr_report_close(&rf, err, errlen) != 0 ||
        blr_report_open(&rf, dir, "bench.gp", err, errlen) != 0)
        return -1;
    FILE *f = rf.f;
    blr_plot_gp_preamble(f, "bench",
                         "Median ms per optimizer step (blr bench --suite): parts at batch 128, "
                         "and against the batch size, next to the sgemm bound.",
                         1100, 480);
    fprintf(f, "set multiplot layout 1,2\n"
               "set title \"batch 128, one MC sample (dashed: sgemm bound %.2f ms)\"\n"
               "set style data histograms\nset style histogram rowstacked\n"
               "set style fill solid 0.8 border -1\nset boxwidth 0.7\n"
               "set xtics rotate by -35 nomirror\nset ylabel \"ms per step\"\n"
               "set yrange [0:*]\nset key top left\n"
               "plot 'bench.dat' index 0 using 2:xtic(1) title 'sample' lt 1, \\\n"
               "     '' index 0 using 3 title 'forward+backward' lt 2, \\\n"
               "     '' index 0 using 4 title 'update' lt 3, \\\n"
               "     %.4f with lines dt 2 lc rgb 'black' lw 2 notitle\n"
               "set style data linespoints\nset xtics norotate (32, 128, 512)\n"
               "set logscale xy\nset xrange [24:680]\nset yrange [*:*]\n"
               "set title \"one MC sample, against the batch size\"\n"
               "set xlabel \"batch size\"\nset key outside right top\nplot ",
            bound[1], bound[1]);
    for (int m = 0; m < n; m++) {
        fprintf(f, "'bench.dat' index %d using 1:2 lt %d dt %d title ", m + 1, blr_plot_lt(m),
                blr_plot_dt(m));
        blr_plot_gp_str(f, names[m]);
        fputs(", \\\n     ", f);
    }
    fprintf(f, "'bench.dat' index %d using 1:2 with lines dt 2 lc rgb 'black' lw 2 "
               "title 'sgemm bound'\nunset multiplot\n", n + 1);
    blr_plot_gp_end(f);
    return blr_report_close(&rf, err, errlen);
}

int blr_bench_suite(const char *dir, const blr_bench_suite_opts *o, FILE *progress, char *err,
                    size_t errlen)
{
    double bound[N_BATCH];
    char exe[BLR_PATH_LEN + 16];
    if (write_csvs(dir, o, progress, bound, err, errlen) != 0 ||
        write_figure(dir, bound, err, errlen) != 0)
        return -1;
    if (blr_plot_find_gnuplot(exe, sizeof exe) != 0) {
        snprintf(err, errlen, "error: gnuplot not found in PATH; bench.png needs it");
        return -1;
    }
    return blr_plot_run_gnuplot(exe, dir, "bench", err, errlen);
}
