/* The curves figure (test NLL, accuracy and the median posterior sd per epoch) and the
 * reliability diagram. */
#include "plot.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int blr_plot_load_curves(blr_plot_data *d, char *err, size_t errlen)
{
    static const char *const cols[] = {"variant", "epoch", "nll", "acc"};
    blr_plot_csv c;
    int rc = blr_plot_csv_open(&c, d->dir, "curves.csv", cols, 4, err, errlen);
    if (rc != 0)
        return rc;
    /* Results made before curves.csv had this column are still drawn, without its panel. */
    int sd_col = -1;
    for (int j = 0; j < c.n_header; j++)
        if (strcmp(c.field[j], "posterior_sd_median") == 0)
            sd_col = j;
    while ((rc = blr_plot_csv_next(&c, err, errlen)) == 1) {
        blr_plot_curve_pt p;
        long epoch;
        p.sd = sd_col < 0 ? NAN : strtod(c.field[sd_col], NULL);
        p.v = blr_plot_variant_index(d, blr_plot_csv_field(&c, 0), &c, err, errlen);
        if (p.v < 0 || blr_plot_csv_long(&c, 1, 0, &epoch, err, errlen) != 0 ||
            blr_plot_csv_double(&c, 2, &p.nll, err, errlen) != 0 ||
            blr_plot_csv_double(&c, 3, &p.acc, err, errlen) != 0) {
            rc = -1;
            break;
        }
        p.epoch = (int)epoch;
        if (blr_plot_grow((void **)&d->curve, &d->cap_curve, d->n_curve, sizeof p) != 0) {
            snprintf(err, errlen, "error: out of memory");
            rc = -1;
            break;
        }
        d->curve[d->n_curve++] = p;
        d->n_curve_finite += isfinite(p.nll) != 0;
    }
    blr_plot_csv_close(&c);
    return rc;
}

int blr_plot_load_reliability(blr_plot_data *d, char *err, size_t errlen)
{
    static const char *const cols[] = {"variant", "bin", "conf", "acc", "count"};
    blr_plot_csv c;
    int rc = blr_plot_csv_open(&c, d->dir, "reliability.csv", cols, 5, err, errlen);
    if (rc != 0)
        return rc;
    while ((rc = blr_plot_csv_next(&c, err, errlen)) == 1) {
        blr_plot_rel_pt p;
        long bin;
        p.v = blr_plot_variant_index(d, blr_plot_csv_field(&c, 0), &c, err, errlen);
        if (p.v < 0 || blr_plot_csv_long(&c, 1, 0, &bin, err, errlen) != 0 ||
            blr_plot_csv_double(&c, 2, &p.conf, err, errlen) != 0 ||
            blr_plot_csv_double(&c, 3, &p.acc, err, errlen) != 0 ||
            blr_plot_csv_long(&c, 4, 0, &p.count, err, errlen) != 0) {
            rc = -1;
            break;
        }
        p.bin = (int)bin;
        if (blr_plot_grow((void **)&d->rel, &d->cap_rel, d->n_rel, sizeof p) != 0) {
            snprintf(err, errlen, "error: out of memory");
            rc = -1;
            break;
        }
        d->rel[d->n_rel++] = p;
    }
    blr_plot_csv_close(&c);
    return rc;
}

/* "<variant>-s<seed>.csv" (the variant may contain "-s") or "exact.csv". Returns 0 when the
 * name has that form. */

/* ---- curves ------------------------------------------------------------------------------ */

static int cmp_curve(const void *a, const void *b)
{
    const blr_plot_curve_pt *x = a, *y = b;
    if (x->v != y->v)
        return (x->v > y->v) - (x->v < y->v);
    return (x->epoch > y->epoch) - (x->epoch < y->epoch);
}

/* Mean and sd (n-1) of the finite values; sd is 0 with fewer than two. */
void blr_plot_stats(const double *x, size_t n, double *mean, double *sd, int *count)
{
    double s = 0.0, ss = 0.0;
    int k = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i])) {
            s += x[i];
            k++;
        }
    *mean = k ? s / k : NAN;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]))
            ss += (x[i] - *mean) * (x[i] - *mean);
    *sd = k > 1 ? sqrt(ss / (k - 1)) : 0.0;
    *count = k;
}

/* One panel of the curves figure: its columns in curves.dat (mean; mean ± sd is the band). */
typedef struct {
    const char *title, *ylabel;
    int col;      /* of the mean; sd follows it */
    double scale; /* accuracy in % */
    int log_y;
} curve_panel;

int blr_plot_curves(blr_plot_data *d, char *err, size_t errlen)
{
    qsort(d->curve, d->n_curve, sizeof *d->curve, cmp_curve);
    int has_acc = 0, has_sd = 0, max_epoch = 0;
    for (size_t i = 0; i < d->n_curve; i++) {
        has_acc |= isfinite(d->curve[i].acc);
        has_sd |= isfinite(d->curve[i].sd) && d->curve[i].sd > 0.0;
        if (d->curve[i].epoch > max_epoch)
            max_epoch = d->curve[i].epoch;
    }
    double *x = malloc(d->n_curve * sizeof *x);
    int *shown = calloc(d->names.n, sizeof *shown);
    blr_report_file rf;
    if (!x || !shown) {
        free(x);
        free(shown);
        snprintf(err, errlen, "error: out of memory");
        return -1;
    }
    int rc = blr_report_open(&rf, d->dir, "curves.dat", err, errlen);
    int n_blocks = 0;
    for (size_t i = 0; i < d->n_curve && rc == 0;) {
        int v = d->curve[i].v;
        fprintf(rf.f, "%s# variant %s: epoch nll_mean nll_sd nll_n acc_mean acc_sd acc_n "
                      "posterior_sd_median_mean _sd _n\n",
                n_blocks ? "\n\n" : "", d->names.name[v]);
        while (i < d->n_curve && d->curve[i].v == v) {
            size_t j = i;
            while (j < d->n_curve && d->curve[j].v == v && d->curve[j].epoch == d->curve[i].epoch)
                j++;
            fprintf(rf.f, "%d", d->curve[i].epoch);
            for (int q = 0; q < 3; q++) {
                for (size_t k = i; k < j; k++)
                    x[k - i] = q == 0 ? d->curve[k].nll : q == 1 ? d->curve[k].acc
                                                                 : d->curve[k].sd;
                double m, s;
                int k;
                blr_plot_stats(x, j - i, &m, &s, &k);
                blr_plot_dat_num(rf.f, m);
                blr_plot_dat_num(rf.f, s);
                fprintf(rf.f, " %d", k);
            }
            fputc('\n', rf.f);
            i = j;
        }
        shown[v] = 1;
        n_blocks++;
    }
    free(x);
    if (rc == 0)
        rc = blr_report_close(&rf, err, errlen);
    if (rc == 0)
        rc = blr_report_open(&rf, d->dir, "curves.gp", err, errlen);
    if (rc != 0) {
        free(shown);
        return -1;
    }
    FILE *f = rf.f;
    const char *set = blr_plot_scored_set(d->dir);
    char nll_title[64], nll_label[64], acc_title[64], acc_label[64];
    snprintf(nll_title, sizeof nll_title, "%s NLL (point estimate)", set);
    snprintf(nll_label, sizeof nll_label, "%s NLL (nats)", set);
    snprintf(acc_title, sizeof acc_title, "%s accuracy (point estimate)", set);
    snprintf(acc_label, sizeof acc_label, "%s accuracy (%%)", set);
    curve_panel panel[3];
    int n_panels = 0;
    panel[n_panels++] = (curve_panel){nll_title, nll_label, 2, 1.0, 0};
    if (has_acc)
        panel[n_panels++] = (curve_panel){acc_title, acc_label, 5, 100.0, 0};
    if (has_sd)
        panel[n_panels++] = (curve_panel){"median posterior sd of q", "sd (log scale)", 8, 1.0,
                                          1};
    int width = n_panels == 1 ? 700 : 500 * n_panels, height = 450;
    int legend_cols = 2 + 2 * n_panels, legend_rows = (n_blocks + legend_cols - 1) / legend_cols;
    double bottom = (64.0 + 18.0 * legend_rows) / height; /* room for x label and legend */
    blr_plot_gp_preamble(f, "curves",
                         "Per epoch: lines = mean over seeds, bands = ±1 sd (0 with one seed).",
                         width, height);
    fprintf(f, "set multiplot\nunset key\nset xlabel \"epoch\"\n"
               "set bmargin at screen %.3f\nset tmargin at screen 0.93\n%s",
            bottom, max_epoch <= 12 ? "set xtics 1\n" : "");
    for (int p = 0; p < n_panels; p++) {
        double w = 1.0 / n_panels;
        double left = p * w + (n_panels == 1 ? 0.11 : 0.07 * 2 * w);
        double right = (p + 1) * w - 0.02;
        fprintf(f, "set lmargin at screen %.3f\nset rmargin at screen %.3f\n", left, right);
        fprintf(f, "set ylabel \"%s\"\nset title \"%s\"\n%s\n", panel[p].ylabel,
                panel[p].title,
                /* A line on a decade would sit on the log axis' edge: pad it. */
                panel[p].log_y ? "set logscale y\nset offsets 0, 0, graph 0.05, graph 0.05"
                               : "unset logscale y\nset offsets 0, 0, 0, 0");
        int c = panel[p].col;
        double k = panel[p].scale;
        fputs("plot", f);
        int block = 0;
        for (size_t v = 0; v < d->names.n; v++) {
            if (!shown[v])
                continue;
            /* On a log axis the band's lower edge stays above 0 (a tenth of the mean). */
            char lo[96];
            if (panel[p].log_y)
                snprintf(lo, sizeof lo, "($%d-$%d > 0 ? $%d-$%d : $%d/10)", c, c + 1, c, c + 1, c);
            else
                snprintf(lo, sizeof lo, "(%g*($%d-$%d))", k, c, c + 1);
            fprintf(f, "%s 'curves.dat' index %d using 1:%s:(%g*($%d+$%d)) with filledcurves "
                       "fs transparent solid 0.2 noborder lt %d notitle, \\\n"
                       "     '' index %d using 1:(%g*$%d) with lines lt %d dt %d notitle",
                    block ? ", \\\n    " : "", block, lo, k, c, c + 1, blr_plot_lt((int)v),
                    block, k, c, blr_plot_lt((int)v), blr_plot_dt((int)v));
            block++;
        }
        fputc('\n', f);
    }
    fputs("unset logscale y\n", f);
    blr_plot_gp_key_strip(f, height, legend_rows);
    int block = 0;
    for (size_t v = 0; v < d->names.n; v++) {
        if (!shown[v])
            continue;
        fprintf(f, "%s 2 with lines lt %d dt %d title ", block++ ? ", \\\n    " : "",
                blr_plot_lt((int)v), blr_plot_dt((int)v));
        blr_plot_gp_str(f, d->names.name[v]);
    }
    fputc('\n', f);
    fputs("unset multiplot\n", f);
    blr_plot_gp_end(f);
    free(shown);
    return blr_report_close(&rf, err, errlen);
}

/* ---- reliability ------------------------------------------------------------------------- */

static int cmp_rel(const void *a, const void *b)
{
    const blr_plot_rel_pt *x = a, *y = b;
    if (x->v != y->v)
        return (x->v > y->v) - (x->v < y->v);
    return (x->bin > y->bin) - (x->bin < y->bin);
}

int blr_plot_reliability(blr_plot_data *d, char *err, size_t errlen)
{
    qsort(d->rel, d->n_rel, sizeof *d->rel, cmp_rel);
    double *ece = calloc(d->names.n, sizeof *ece);
    long *total = calloc(d->names.n, sizeof *total);
    int *shown = calloc(d->names.n, sizeof *shown);
    blr_report_file rf;
    int rc = -1;
    if (!ece || !total || !shown)
        snprintf(err, errlen, "error: out of memory");
    else
        rc = blr_report_open(&rf, d->dir, "reliability.dat", err, errlen);
    int n_blocks = 0;
    for (size_t i = 0; i < d->n_rel && rc == 0;) {
        int v = d->rel[i].v;
        fprintf(rf.f, "%s# variant %s, pooled over seeds: bin conf acc count\n",
                n_blocks ? "\n\n" : "", d->names.name[v]);
        /* Pooling a bin over seeds weights each seed's mean confidence and accuracy by its
         * count, which gives the diagram of all test predictions together. */
        while (i < d->n_rel && d->rel[i].v == v) {
            int bin = d->rel[i].bin;
            double sc = 0.0, sa = 0.0;
            long n = 0;
            for (; i < d->n_rel && d->rel[i].v == v && d->rel[i].bin == bin; i++)
                if (d->rel[i].count > 0) {
                    sc += d->rel[i].count * d->rel[i].conf;
                    sa += d->rel[i].count * d->rel[i].acc;
                    n += d->rel[i].count;
                }
            if (n == 0)
                continue;
            fprintf(rf.f, "%d", bin);
            blr_plot_dat_num(rf.f, sc / n);
            blr_plot_dat_num(rf.f, sa / n);
            fprintf(rf.f, " %ld\n", n);
            ece[v] += fabs(sa - sc);
            total[v] += n;
        }
        shown[v] = total[v] > 0;
        n_blocks += shown[v];
    }
    if (rc == 0)
        rc = blr_report_close(&rf, err, errlen);
    if (rc == 0 && n_blocks == 0) {
        snprintf(err, errlen, "%s/reliability.csv: error: no bin with a count > 0", d->dir);
        rc = -1;
    }
    if (rc == 0)
        rc = blr_report_open(&rf, d->dir, "reliability.gp", err, errlen);
    if (rc == 0) {
        FILE *f = rf.f;
        int cols = n_blocks <= 3 ? n_blocks : n_blocks == 4 ? 2 : n_blocks <= 9 ? 3 : 4;
        int rows = (n_blocks + cols - 1) / cols;
        blr_plot_gp_preamble(f, "reliability",
                    "Reliability diagrams: per confidence bin, mean confidence vs accuracy, "
                    "pooled over seeds (count-weighted); empty bins omitted.",
                    40 + 320 * cols, 50 + 310 * rows);
        fprintf(f, "set multiplot layout %d,%d title \"reliability, pooled over seeds "
                   "(dashed: perfect calibration)\"\n"
                   "set size ratio -1\nset xrange [0:1]\nset yrange [0:1]\n"
                   "set xtics 0.2\nset ytics 0.2\nunset key\n"
                   "set xlabel \"confidence\"\nset ylabel \"accuracy\"\n",
                rows, cols);
        int block = 0;
        for (size_t v = 0; v < d->names.n; v++) {
            if (!shown[v])
                continue;
            char title[BLR_NAME_LEN + 64];
            snprintf(title, sizeof title, "%s (ECE %.4f)", d->names.name[v],
                     ece[v] / (double)total[v]);
            fputs("set title ", f);
            blr_plot_gp_str(f, title);
            fprintf(f, "\nplot x with lines dt 2 lw 1 lc rgb '#777777', \\\n"
                        "     'reliability.dat' index %d using 2:3 with linespoints lt %d "
                        "dt %d\n",
                    block++, blr_plot_lt((int)v), blr_plot_dt((int)v));
        }
        fputs("unset multiplot\n", f);
        blr_plot_gp_end(f);
        rc = blr_report_close(&rf, err, errlen);
    }
    free(ece);
    free(total);
    free(shown);
    return rc;
}

