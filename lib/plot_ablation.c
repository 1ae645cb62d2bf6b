/* ablation.dat for plots/ablation.gp (paper Sec. 5.2: "making q0 more heavy-tailed improves
 * calibration"): per variant, the mean ± sd over its ok seeds of NLL, ECE and OOD AUROC from
 * runs.csv, the model average's where the experiment has it.
 *
 * Variants that differ only in Fisher scaling share a position: a name ending in "-fisher" or
 * "-no-fisher" (how a `fisher: [false, true]` list expands, experiments/ablation-q0.yaml) is
 * drawn at the position of the name without it, in the series "with" or "without"; a variant
 * without such a twin (uniform q0, whose Fisher information is infinite) in a third. */
#include "plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { NLL, ECE, AUROC, N_METRICS, N_SERIES = 3 };

/* Splits a variant name into its position label and series (0 without, 1 with, 2 no twin). */
static int series_of(const char *name, char *label, size_t len)
{
    static const char *const suffix[2] = {"-no-fisher", "-fisher"};
    size_t n = strlen(name);
    for (int s = 0; s < 2; s++) {
        size_t k = strlen(suffix[s]);
        if (n > k && strcmp(name + n - k, suffix[s]) == 0) {
            snprintf(label, len, "%.*s", (int)(n - k), name);
            return s;
        }
    }
    snprintf(label, len, "%s", name);
    return 2;
}

int blr_plot_ablation(blr_plot_data *d, char *err, size_t errlen)
{
    static const char *const metric[N_METRICS][2] = {
        {"bayes_nll", "nll"}, {"bayes_ece", "ece"}, {"ood_auroc", "ood_auroc"}};
    static const char *const cols[] = {"variant", "status"};
    blr_plot_csv c;
    int rc = blr_plot_csv_open(&c, d->dir, "runs.csv", cols, 2, err, errlen), col[N_METRICS];
    const char *used[N_METRICS];
    if (rc == 1)
        snprintf(err, errlen, "no such file");
    for (int m = 0; m < N_METRICS && rc == 0; m++) {
        int alt = blr_plot_csv_find(&c, metric[m][0]) < 0;
        col[m] = blr_plot_csv_find(&c, metric[m][alt]);
        used[m] = metric[m][alt];
    }
    size_t nv = d->n_var, n = 0, cap = 0;
    double (*x)[N_METRICS] = NULL;
    int *of = NULL, has[N_METRICS] = {0};
    while (rc == 0 && (rc = blr_plot_csv_next(&c, err, errlen)) == 1) {
        rc = 0;
        if (strcmp(blr_plot_csv_field(&c, 1), "ok") != 0)
            continue;
        size_t cap_of = cap;
        if (blr_plot_grow((void **)&x, &cap, n, sizeof *x) != 0 ||
            blr_plot_grow((void **)&of, &cap_of, n, sizeof *of) != 0) {
            snprintf(err, errlen, "error: out of memory");
            rc = -1;
            break;
        }
        for (of[n] = 0; strcmp(d->var[of[n]].name, blr_plot_csv_field(&c, 0)) != 0;)
            of[n]++; /* blr_plot_load_runs has added every variant */
        for (int m = 0; m < N_METRICS; m++)
            x[n][m] = col[m] < 0 ? NAN : strtod(c.field[col[m]], NULL);
        n++;
    }
    blr_plot_csv_close(&c);
    char (*label)[BLR_NAME_LEN] = calloc(nv + 1, sizeof *label);
    int *series = calloc(nv + 1, sizeof *series), *pos = calloc(nv + 1, sizeof *pos), n_pos = 0;
    double *y = calloc(n + 1, sizeof *y);
    if (rc == 0 && (!label || !series || !pos || !y)) {
        snprintf(err, errlen, "error: out of memory");
        rc = -1;
    }
    for (size_t v = 0; v < nv && rc == 0; v++) {
        series[v] = series_of(d->var[v].name, label[v], sizeof label[v]);
        pos[v] = -1;
        for (size_t u = 0; u < v && pos[v] < 0; u++)
            pos[v] = strcmp(label[u], label[v]) == 0 ? pos[u] : -1;
        pos[v] = pos[v] < 0 ? n_pos++ : pos[v];
    }
    for (size_t i = 0; i < n && rc == 0; i++)
        for (int m = 0; m < N_METRICS; m++)
            has[m] |= isfinite(x[i][m]);
    if (rc == 0 && !has[NLL] && !has[ECE] && !has[AUROC]) {
        snprintf(err, errlen, "no column nll, ece or ood_auroc (or their bayes_ forms) with "
                 "values");
        rc = 1;
    }
    blr_report_file rf;
    if (rc == 0)
        rc = blr_report_open(&rf, d->dir, "ablation.dat", err, errlen);
    if (rc == 0) {
        fputs("# column has_values, per metric (NLL, ECE, OOD AUROC)\n", rf.f);
        for (int m = 0; m < N_METRICS; m++)
            fprintf(rf.f, "\"%s\" %d\n", used[m], has[m]);
        fputs("\n\n# position label, then per series (without Fisher scaling, with it, no "
              "twin): ok runs\n", rf.f);
        for (int p = 0; p < n_pos; p++) {
            int ok[N_SERIES] = {0}, runs[N_SERIES] = {0};
            size_t first = nv;
            for (size_t v = nv; v-- > 0;)
                if (pos[v] == p) {
                    first = v;
                    ok[series[v]] += d->var[v].ok;
                    runs[series[v]] += d->var[v].runs;
                }
            fprintf(rf.f, "%d ", p);
            blr_plot_str(rf.f, label[first]);
            for (int s = 0; s < N_SERIES; s++)
                fprintf(rf.f, " %d %d", ok[s], runs[s]);
            fputc('\n', rf.f);
        }
        for (int s = 0; s < N_SERIES; s++) {
            fprintf(rf.f, "\n\n# series %d: position label, then per metric mean sd over the "
                          "ok runs\n", s);
            int rows = 0;
            for (size_t v = 0; v < nv; v++) {
                if (series[v] != s)
                    continue;
                fprintf(rf.f, "%d ", pos[v]);
                blr_plot_str(rf.f, label[v]);
                for (int m = 0; m < N_METRICS; m++) {
                    size_t k = 0;
                    for (size_t i = 0; i < n; i++)
                        if (of[i] == (int)v)
                            y[k++] = x[i][m];
                    double mean, sd;
                    int cnt;
                    blr_plot_stats(y, k, &mean, &sd, &cnt);
                    blr_plot_num(rf.f, mean);
                    blr_plot_num(rf.f, sd);
                }
                fputc('\n', rf.f);
                rows++;
            }
            if (!rows)
                fputs("nan nan\n", rf.f); /* an empty block would merge indexes */
        }
        rc = blr_report_close(&rf, err, errlen);
    }
    free(x);
    free(of);
    free(label);
    free(series);
    free(pos);
    free(y);
    return rc;
}
