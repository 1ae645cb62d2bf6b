/* Figures of a results directory: the gnuplot programs of plots/ draw them from the CSV files
 * (lib/report/plot.h). This file picks what to draw. */
#include "plot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef int (*figure_writer)(blr_plot_data *, char *, size_t);

/* plots/ablation.gp reads runs.csv itself. */
static int ablation(blr_plot_data *d, char *err, size_t errlen)
{
    snprintf(err, errlen, "no runs");
    return d->n_var == 0;
}

int blr_report_plot(const char *dir, unsigned figures, char *err, size_t errlen)
{
    static const struct {
        blr_figure id;
        const char *needs;
        figure_writer write;
    } drawn[] = {
        {BLR_FIGURE_CURVES, "curves.csv", blr_plot_curves},
        {BLR_FIGURE_RELIABILITY, "reliability.csv", blr_plot_reliability},
        {BLR_FIGURE_POSTERIOR, "posterior/*.csv", blr_plot_posterior},
        {BLR_FIGURE_FILTERS, "filters/*.csv", blr_plot_filters},
        {BLR_FIGURE_ABLATION, "runs.csv", ablation},
    };
    enum { N_DRAWN = sizeof drawn / sizeof drawn[0] };
    if (figures >> BLR_FIGURE_COUNT) {
        snprintf(err, errlen, "error: unknown figure bits 0x%x", figures);
        return -1;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: error: not a results directory", dir);
        return -1;
    }
    blr_plot_data d = {.dir = dir};
    int rc = blr_plot_load_runs(&d, err, errlen) < 0 ? -1 : 0, ready[N_DRAWN] = {0}, n_ready = 0;
    for (int k = 0; k < N_DRAWN && rc == 0; k++) {
        int asked = (figures >> drawn[k].id) & 1u;
        char path[BLR_PATH_LEN + 32];
        snprintf(path, sizeof path, "%s/ablation.gp", dir);
        /* Every runs.csv has the ablation's data; unasked, it is redrawn only where it was
         * drawn before. */
        if ((figures && !asked) ||
            (!figures && drawn[k].id == BLR_FIGURE_ABLATION && stat(path, &st) != 0))
            continue;
        int wr = drawn[k].write(&d, err, errlen);
        if (wr < 0)
            rc = -1;
        else if (wr == 0)
            ready[k] = 1, n_ready++;
        else if (asked) {
            char why[64];
            snprintf(why, sizeof why, "%s", err);
            snprintf(err, errlen, "%s/%s: error: figure '%s' has no data (%s)", dir,
                     drawn[k].needs, blr_figure_name(drawn[k].id), why);
            rc = -1;
        }
    }
    if (rc == 0 && n_ready == 0) {
        snprintf(err, errlen, "%s: error: nothing to draw: no curves.csv, reliability.csv, "
                 "posterior/*.csv or filters/*.csv with data", dir);
        rc = -1;
    }
    for (int k = 0; k < N_DRAWN && rc == 0; k++)
        if (ready[k])
            rc = blr_plot_draw(dir, blr_figure_name(drawn[k].id), err, errlen);
    free(d.var);
    return rc;
}
