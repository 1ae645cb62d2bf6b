/* curves.dat (per epoch, over the ok seeds: test NLL, accuracy, median posterior sd) and
 * reliability.dat (per confidence bin, pooled over the ok seeds), for plots/curves.gp and
 * plots/reliability.gp. Runs that runs.csv says are not ok stay out: a diverged seed's
 * exploding NLL would stretch the axis and shift the mean; the key counts them instead. */
#include "plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int v, bin;
    double x[3]; /* curves: nll acc sd; reliability: conf acc count */
} row;

static int cmp_row(const void *a, const void *b)
{
    const row *x = a, *y = b;
    return x->v != y->v ? (x->v > y->v) - (x->v < y->v) : (x->bin > y->bin) - (x->bin < y->bin);
}

/* The ok runs' rows of curves.csv (by epoch; curves set) or reliability.csv (by bin), sorted
 * by variant and bin; *bins: the largest bin + 1. Returns 0, 1 without rows (why in err), -1
 * on error. */
static int load(blr_plot_data *d, int curves, row **rows, size_t *n, int *bins, char *err,
                size_t errlen)
{
    static const char *const cols[2][6] = {{"variant", "seed", "bin", "conf", "acc", "count"},
                                           {"variant", "seed", "epoch", "nll", "acc"}};
    blr_plot_csv c;
    size_t cap = 0;
    *rows = NULL;
    *n = 0;
    *bins = 0;
    int rc = blr_plot_csv_open(&c, d->dir, curves ? "curves.csv" : "reliability.csv",
                               cols[curves], 6 - curves, err, errlen);
    if (rc == 1)
        snprintf(err, errlen, "no such file");
    /* Results made before curves.csv had posterior_sd_median are drawn without its panel. */
    int col_sd = rc == 0 ? blr_plot_csv_find(&c, "posterior_sd_median") : -1;
    while (rc == 0 && (rc = blr_plot_csv_next(&c, err, errlen)) == 1) {
        char where[BLR_PATH_LEN + 160];
        snprintf(where, sizeof where, "%s:%ld:%d", c.path, c.line, c.col[0] + 1);
        row r = {.v = blr_plot_variant_index(d, blr_plot_csv_field(&c, 0), where, err, errlen)};
        long seed, bin;
        rc = r.v < 0 || blr_plot_csv_long(&c, 1, 0, &seed, err, errlen) != 0 ||
             blr_plot_csv_long(&c, 2, 0, &bin, err, errlen) != 0 ||
             blr_plot_csv_double(&c, 3, &r.x[0], err, errlen) != 0 ||
             blr_plot_csv_double(&c, 4, &r.x[1], err, errlen) != 0 ||
             (!curves && blr_plot_csv_double(&c, 5, &r.x[2], err, errlen) != 0) ? -1 : 0;
        r.bin = (int)bin;
        *bins = rc == 0 && bin >= *bins ? r.bin + 1 : *bins;
        if (curves)
            r.x[2] = col_sd < 0 ? NAN : strtod(c.field[col_sd], NULL);
        if (rc != 0 || !blr_plot_run_ok(d, r.v, seed) || !isfinite(r.x[0]) ||
            (!curves && r.x[2] <= 0.0))
            continue;
        if (blr_plot_grow((void **)rows, &cap, *n, sizeof r) != 0) {
            snprintf(err, errlen, "error: out of memory");
            rc = -1;
        } else {
            (*rows)[(*n)++] = r;
        }
    }
    blr_plot_csv_close(&c);
    if (rc == 0 && *n == 0)
        snprintf(err, errlen, "no rows with values");
    qsort(*rows, *n, sizeof **rows, cmp_row);
    return rc < 0 ? -1 : rc == 1 || *n == 0;
}

/* The key row of variant v (see the .dat's first line); then its block. */
static void key_row(FILE *f, const blr_plot_data *d, size_t v)
{
    blr_plot_str(f, d->var[v].name);
    fprintf(f, " %d %d %d", d->var[v].runs, d->var[v].ok, d->var[v].diverged);
}

static void next_block(FILE *f, const blr_plot_data *d, size_t v)
{
    fprintf(f, "\n\n# %s\n", d->var[v].name);
}

int blr_plot_curves(blr_plot_data *d, char *err, size_t errlen)
{
    row *r;
    size_t n;
    int bins, rc = load(d, 1, &r, &n, &bins, err, errlen), has[3] = {0};
    for (size_t i = 0; i < n; i++)
        for (int q = 1; q < 3; q++)
            has[q] |= isfinite(r[i].x[q]) && r[i].x[q] > 0.0;
    const char *set = "test";
    char path[BLR_PATH_LEN + 32], buf[4096];
    snprintf(path, sizeof path, "%s/manifest.json", d->dir);
    FILE *m = rc == 0 ? fopen(path, "r") : NULL;
    if (m) {
        buf[fread(buf, 1, sizeof buf - 1, m)] = '\0';
        fclose(m);
        const char *key = strstr(buf, "\"scored_on\": \"");
        const char *end = key ? strchr(key + 14, '"') : NULL, *val = NULL;
        val = key ? strstr(key + 14, "validation") : NULL;
        set = val && end && val < end ? "validation" : set;
    }
    blr_report_file rf;
    if (rc == 0)
        rc = blr_report_open(&rf, d->dir, "curves.dat", err, errlen);
    if (rc != 0) {
        free(r);
        return rc;
    }
    fprintf(rf.f, "# variant runs ok diverged has_acc has_sd scored_on; then per variant, "
                  "over its ok seeds: epoch nll_mean nll_sd nll_n acc_mean acc_sd acc_n "
                  "posterior_sd_median_mean _sd _n\n");
    for (size_t v = 0; v < d->n_var; v++) {
        key_row(rf.f, d, v);
        fprintf(rf.f, " %d %d \"%s\"\n", has[1], has[2], set);
    }
    double *x = malloc((n ? n : 1) * sizeof *x);
    for (size_t v = 0, i = 0; v < d->n_var && x; v++) {
        next_block(rf.f, d, v);
        if (i == n || r[i].v != (int)v)
            fputs("nan nan\n", rf.f); /* no curve: an empty block would merge indexes */
        while (i < n && r[i].v == (int)v) {
            size_t j = i;
            while (j < n && r[j].v == (int)v && r[j].bin == r[i].bin)
                j++;
            fprintf(rf.f, "%d", r[i].bin);
            for (int q = 0; q < 3; q++) {
                double mean, sd;
                int k;
                for (size_t e = i; e < j; e++)
                    x[e - i] = r[e].x[q];
                blr_plot_stats(x, j - i, &mean, &sd, &k);
                blr_plot_num(rf.f, mean);
                blr_plot_num(rf.f, sd);
                fprintf(rf.f, " %d", k);
            }
            fputc('\n', rf.f);
            i = j;
        }
    }
    free(r);
    if (!x) {
        blr_report_abort(&rf);
        snprintf(err, errlen, "error: out of memory");
        return -1;
    }
    free(x);
    return blr_report_close(&rf, err, errlen);
}

int blr_plot_reliability(blr_plot_data *d, char *err, size_t errlen)
{
    row *r;
    size_t n;
    blr_report_file rf;
    int bins, rc = load(d, 0, &r, &n, &bins, err, errlen);
    if (rc == 0)
        rc = blr_report_open(&rf, d->dir, "reliability.dat", err, errlen);
    if (rc != 0) {
        free(r);
        return rc;
    }
    fprintf(rf.f, "# variant runs ok diverged ece predictions bins; then per variant, pooled "
                  "over its ok seeds (count-weighted), the bins with predictions: bin conf "
                  "acc count\n");
    double ece[2] = {0};
    for (size_t pass = 0; pass < 2; pass++)
        for (size_t v = 0, i = 0; v < d->n_var; v++) {
            if (pass)
                next_block(rf.f, d, v);
            ece[0] = ece[1] = 0.0;
            if (pass && (i == n || r[i].v != (int)v))
                fputs("nan nan\n", rf.f);
            while (i < n && r[i].v == (int)v) {
                double sc = 0.0, sa = 0.0, cnt = 0.0;
                for (int bin = r[i].bin; i < n && r[i].v == (int)v && r[i].bin == bin; i++) {
                    sc += r[i].x[2] * r[i].x[0];
                    sa += r[i].x[2] * r[i].x[1];
                    cnt += r[i].x[2];
                }
                ece[0] += fabs(sa - sc);
                ece[1] += cnt;
                if (pass)
                    fprintf(rf.f, "%d %.9g %.9g %.0f\n", r[i - 1].bin, sc / cnt, sa / cnt, cnt);
            }
            if (!pass) {
                key_row(rf.f, d, v);
                blr_plot_num(rf.f, ece[1] > 0 ? ece[0] / ece[1] : NAN);
                fprintf(rf.f, " %.0f %d\n", ece[1], bins);
            }
        }
    free(r);
    return blr_report_close(&rf, err, errlen);
}
