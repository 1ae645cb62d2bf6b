/* Figures of a results directory (CONTRACT "Outputs"): re-reads runs.csv, curves.csv,
 * reliability.csv, posterior/ and filters/, writes <fig>.dat and <fig>.gp, and runs gnuplot
 * in the directory so that `gnuplot <fig>.gp` there redraws <fig>.png and <fig>.svg. One
 * file per figure (lib/plot_*.c); this one picks what to draw. */
#include "plot.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* ---- entry point ------------------------------------------------------------------------- */

static size_t n_rows(const blr_plot_data *d, blr_figure id)
{
    /* Curves of runs that diverged in their first epoch have nothing gnuplot could draw. */
    switch (id) {
    case BLR_FIGURE_CURVES: return d->n_curve_finite;
    case BLR_FIGURE_RELIABILITY: return d->n_rel;
    case BLR_FIGURE_POSTERIOR: return d->n_post;
    case BLR_FIGURE_FILTERS: return d->n_filt;
    default: return d->n_runm;
    }
}

static int file_exists(const char *dir, const char *name)
{
    char path[BLR_PATH_LEN + 64];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0;
}

typedef int (*figure_loader)(blr_plot_data *, char *, size_t);
typedef int (*figure_writer)(blr_plot_data *, char *, size_t);

int blr_report_plot(const char *dir, unsigned figures, char *err, size_t errlen)
{
    static const struct {
        blr_figure id;
        const char *needs;
        figure_loader load;
        figure_writer write;
    } drawn[] = {
        {BLR_FIGURE_CURVES, "curves.csv", blr_plot_load_curves, blr_plot_curves},
        {BLR_FIGURE_RELIABILITY, "reliability.csv", blr_plot_load_reliability,
         blr_plot_reliability},
        {BLR_FIGURE_POSTERIOR, "posterior/*.csv", blr_plot_load_posterior, blr_plot_posterior},
        {BLR_FIGURE_FILTERS, "filters/*.csv", blr_plot_load_filters, blr_plot_filters},
        {BLR_FIGURE_ABLATION, "runs.csv", blr_plot_load_ablation, blr_plot_ablation},
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
    int rc = blr_plot_load_runs(&d, err, errlen) < 0 ? -1 : 0;
    int ready[N_DRAWN] = {0}, n_ready = 0;
    for (int k = 0; k < N_DRAWN && rc == 0; k++) {
        int asked = (figures >> drawn[k].id) & 1u;
        if (figures && !asked)
            continue;
        /* Every runs.csv has the ablation's data; unasked, it is redrawn only where it was
         * drawn before. */
        if (!figures && drawn[k].id == BLR_FIGURE_ABLATION && !file_exists(dir, "ablation.dat"))
            continue;
        int lr = drawn[k].load(&d, err, errlen);
        size_t rows = n_rows(&d, drawn[k].id);
        if (lr < 0)
            rc = -1;
        else if (lr == 0 && rows > 0)
            ready[k] = 1, n_ready++;
        else if (asked) {
            snprintf(err, errlen, "%s/%s: error: figure '%s' has no data (%s)", dir,
                     drawn[k].needs, blr_figure_name(drawn[k].id),
                     lr == 1 ? "no such file" : "no rows with values");
            rc = -1;
        }
    }
    if (rc == 0 && n_ready == 0) {
        snprintf(err, errlen, "%s: error: nothing to draw: no curves.csv, reliability.csv, "
                 "posterior/*.csv or filters/*.csv with data", dir);
        rc = -1;
    }
    char exe[BLR_PATH_LEN + 16];
    if (rc == 0 && blr_plot_find_gnuplot(exe, sizeof exe) != 0) {
        snprintf(err, errlen, "error: gnuplot not found in PATH; the figures need it "
                 "(Debian: apt-get install gnuplot-nox)");
        rc = -1;
    }
    for (int k = 0; k < N_DRAWN && rc == 0; k++)
        if (ready[k]) {
            rc = drawn[k].write(&d, err, errlen);
            if (rc == 0)
                rc = blr_plot_run_gnuplot(exe, dir, blr_figure_name(drawn[k].id), err, errlen);
        }
    blr_plot_data_free(&d);
    return rc;
}

