/* The curves and reliability figures: plots/curves.gp and plots/reliability.gp read
 * curves.csv, reliability.csv and runs.csv themselves. Here only the check that there is
 * something to draw, with the file, line and column of whatever cannot be read. */
#include "plot.h"

#include <math.h>
#include <stdio.h>

/* Returns 0 when the file has a row with a value (a finite NLL; a bin with predictions), 1
 * when it has none or is missing (why in err), -1 on error. */
static int check(const blr_plot_data *d, int curves, char *err, size_t errlen)
{
    static const char *const cols[2][6] = {{"variant", "seed", "bin", "conf", "acc", "count"},
                                           {"variant", "seed", "epoch", "nll", "acc"}};
    blr_plot_csv c;
    int rc = blr_plot_csv_open(&c, d->dir, curves ? "curves.csv" : "reliability.csv",
                               cols[curves], 6 - curves, err, errlen), rows = 0;
    if (rc == 1)
        snprintf(err, errlen, "no such file");
    while (rc == 0 && (rc = blr_plot_csv_next(&c, err, errlen)) == 1) {
        double x[6] = {0};
        for (int k = 1; k < 6 - curves && rc == 1; k++) /* seed and epoch or bin: integers */
            rc = blr_plot_csv_num(&c, k, k < 3, &x[k], err, errlen) == 0 ? 1 : -1;
        rows += rc == 1 && isfinite(x[3]) && (curves || x[5] > 0);
        rc = rc == 1 ? 0 : -1;
    }
    blr_plot_csv_close(&c);
    if (rc == 0 && rows == 0)
        snprintf(err, errlen, "no rows with values");
    return rc < 0 ? -1 : rc == 1 || rows == 0;
}

int blr_plot_curves(blr_plot_data *d, char *err, size_t errlen) { return check(d, 1, err, errlen); }

int blr_plot_reliability(blr_plot_data *d, char *err, size_t errlen)
{
    return check(d, 0, err, errlen);
}
