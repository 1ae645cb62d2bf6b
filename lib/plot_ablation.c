/* The ablation figure (issue M3, paper Sec. 5.2: "making q0 more heavy-tailed improves
 * calibration"): per variant, the mean ± sd over seeds of the model-averaged NLL, ECE and the
 * OOD AUROC, from runs.csv.
 *
 * Variants that differ only in Fisher scaling are drawn side by side: a name ending in
 * "-fisher" or "-no-fisher" (how a `fisher: [false, true]` list expands) is drawn at the
 * position of the name without that suffix, as the "fisher on" or "fisher off" series. */
#include "plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const abl_columns[ABL_COUNT][2] = {
    /* preferred column, fallback when the experiment did not average over q */
    [ABL_NLL] = {"bayes_nll", "nll"},
    [ABL_ECE] = {"bayes_ece", "ece"},
    [ABL_AUROC] = {"ood_auroc", "ood_auroc"},
};
static const char *const abl_titles[ABL_COUNT] = {"NLL (lower is better)",
                                                  "ECE (lower is better)",
                                                  "OOD AUROC (higher is better)"};

int blr_plot_load_ablation(blr_plot_data *d, char *err, size_t errlen)
{
    static const char *const cols[] = {"variant", "status"};
    blr_plot_csv c;
    int rc = blr_plot_csv_open(&c, d->dir, "runs.csv", cols, 2, err, errlen);
    if (rc != 0)
        return rc;
    /* The header is still in c.field: find the metric columns present. */
    int col[ABL_COUNT];
    for (int m = 0; m < ABL_COUNT; m++) {
        col[m] = -1;
        for (int alt = 0; alt < 2 && col[m] < 0; alt++)
            for (int j = 0; j < c.n_header; j++)
                if (strcmp(c.field[j], abl_columns[m][alt]) == 0)
                    col[m] = j;
    }
    while ((rc = blr_plot_csv_next(&c, err, errlen)) == 1) {
        int v = blr_plot_variant_index(d, blr_plot_csv_field(&c, 0), &c, err, errlen);
        if (v < 0 || blr_plot_grow((void **)&d->runm, &d->cap_runm, d->n_runm,
                                   sizeof *d->runm) != 0) {
            if (v >= 0)
                snprintf(err, errlen, "error: out of memory");
            rc = -1;
            break;
        }
        if (strcmp(blr_plot_csv_field(&c, 1), "ok") != 0)
            continue;
        blr_plot_run_metrics *r = &d->runm[d->n_runm++];
        r->v = v;
        for (int m = 0; m < ABL_COUNT; m++)
            r->x[m] = col[m] < 0 ? NAN : strtod(c.field[col[m]], NULL);
    }
    blr_plot_csv_close(&c);
    return rc < 0 ? -1 : 0;
}

/* Splits a variant name into its position label and series (0 off, 1 on, 2 neither). */
static int fisher_series(const char *name, char *label, size_t len)
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
    size_t nv = d->names.n;
    char (*label)[BLR_NAME_LEN] = calloc(nv ? nv : 1, sizeof *label);
    int *series = calloc(nv ? nv : 1, sizeof *series), *pos = calloc(nv ? nv : 1, sizeof *pos);
    double *x = calloc(d->n_runm ? d->n_runm : 1, sizeof *x);
    if (!label || !series || !pos || !x) {
        free(label);
        free(series);
        free(pos);
        free(x);
        snprintf(err, errlen, "error: out of memory");
        return -1;
    }
    /* Positions in order of first appearance of each label. */
    int n_pos = 0;
    int used[3] = {0, 0, 0};
    for (size_t v = 0; v < nv; v++) {
        series[v] = fisher_series(d->names.name[v], label[v], sizeof label[v]);
        used[series[v]] = 1;
        pos[v] = -1;
        for (size_t u = 0; u < v && pos[v] < 0; u++)
            if (strcmp(label[u], label[v]) == 0)
                pos[v] = pos[u];
        if (pos[v] < 0)
            pos[v] = n_pos++;
    }
    blr_report_file rf;
    int rc = blr_report_open(&rf, d->dir, "ablation.dat", err, errlen);
    static const char *const series_name[3] = {"fisher off", "fisher on", "no fisher pair"};
    static const double offset[3] = {-0.12, 0.12, 0.0};
    int block[3] = {-1, -1, -1}, n_blocks = 0, has[ABL_COUNT] = {0};
    for (int s = 0; s < 3 && rc == 0; s++) {
        if (!used[s])
            continue;
        block[s] = n_blocks;
        fprintf(rf.f, "%s# %s: position label", n_blocks++ ? "\n\n" : "", series_name[s]);
        for (int m = 0; m < ABL_COUNT; m++)
            fprintf(rf.f, " %s_mean %s_sd", abl_columns[m][0], abl_columns[m][0]);
        fputs(" n (ok runs with values)\n", rf.f);
        for (size_t v = 0; v < nv; v++) {
            if (series[v] != s)
                continue;
            fprintf(rf.f, "%.2f ", pos[v] + offset[s]);
            blr_plot_gp_str(rf.f, label[v]);
            int n_ok = 0, n_first = -1;
            for (int m = 0; m < ABL_COUNT; m++) {
                size_t k = 0;
                for (size_t i = 0; i < d->n_runm; i++)
                    if (d->runm[i].v == (int)v)
                        x[k++] = d->runm[i].x[m];
                double mean, sd;
                blr_plot_stats(x, k, &mean, &sd, &n_ok);
                n_first = n_first < 0 && n_ok > 0 ? n_ok : n_first;
                has[m] |= isfinite(mean);
                blr_plot_dat_num(rf.f, mean);
                blr_plot_dat_num(rf.f, sd);
            }
            fprintf(rf.f, " %d\n", n_first > 0 ? n_first : 0);
        }
    }
    if (rc == 0)
        rc = blr_report_close(&rf, err, errlen);
    if (rc == 0 && !has[ABL_NLL] && !has[ABL_ECE] && !has[ABL_AUROC]) {
        snprintf(err, errlen, "%s/runs.csv: error: figure 'ablation' needs a column nll, ece or "
                 "ood_auroc (or their bayes_ forms) with values", d->dir);
        rc = -1;
    }
    if (rc == 0)
        rc = blr_report_open(&rf, d->dir, "ablation.gp", err, errlen);
    if (rc == 0) {
        FILE *f = rf.f;
        int width = 160 + 60 * n_pos, n_panels = 0;
        width = width < 500 ? 500 : width;
        for (int m = 0; m < ABL_COUNT; m++)
            n_panels += has[m];
        blr_plot_gp_preamble(f, "ablation",
                             "Base-distribution ablation: mean +/- sd over the ok runs of "
                             "each variant (model-averaged metrics where the experiment has "
                             "them).",
                             width, n_panels * 260 + 60);
        fprintf(f, "set multiplot layout %d,1 title \"ablation of q0: mean ± sd over seeds\"\n"
                   "set xrange [-0.6:%d.6]\nset key outside right top vertical\n"
                   "set bmargin 6\nset xtics rotate by -30 nomirror (",
                n_panels, n_pos - 1);
        for (int p = 0; p < n_pos; p++) {
            size_t v = 0;
            while (pos[v] != p)
                v++;
            blr_plot_gp_str(f, label[v]);
            fprintf(f, " %d%s", p, p + 1 < n_pos ? ", " : ")\n");
        }
        for (int m = 0; m < ABL_COUNT; m++) {
            if (!has[m])
                continue;
            fputs("set title ", f);
            blr_plot_gp_str(f, abl_titles[m]);
            fputs("\nplot ", f);
            int first = 1;
            for (int s = 0; s < 3; s++) {
                if (block[s] < 0)
                    continue;
                fprintf(f, "%s'ablation.dat' index %d using 1:%d:%d with yerrorbars "
                           "lt %d pt %d ps 1.2 title '%s'",
                        first ? "" : ", \\\n     ", block[s], 3 + 2 * m, 4 + 2 * m,
                        blr_plot_lt(s), s == 1 ? 9 : 7, series_name[s]);
                first = 0;
            }
            fputc('\n', f);
        }
        fputs("unset multiplot\n", f);
        blr_plot_gp_end(f);
        rc = blr_report_close(&rf, err, errlen);
    }
    free(label);
    free(series);
    free(pos);
    free(x);
    return rc;
}
