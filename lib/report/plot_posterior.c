/* posterior.dat for plots/posterior.gp, which reads the posterior files themselves: which file
 * stands for each method (its smallest seed), the exact posterior first, then runs.csv's
 * order, then methods it does not list in name order. */
#include "plot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int blr_plot_posterior(blr_plot_data *d, char *err, size_t errlen)
{
    blr_plot_pick *p;
    size_t n;
    int rc = blr_plot_pick_files(d->dir, "posterior", &p, &n, err, errlen);
    blr_report_file rf;
    for (size_t k = 0; k < n && rc == 0; k++) {
        size_t v = 0;
        while (v < d->n_var && strcmp(d->var[v], p[k].variant) != 0)
            v++;
        if (v == d->n_var && strcmp(p[k].variant, "exact") != 0)
            rc = blr_plot_add_variant(d, p[k].variant, p[k].file, err, errlen);
    }
    if (rc == 0)
        rc = blr_report_open(&rf, d->dir, "posterior.dat", err, errlen);
    if (rc == 0) {
        fputs("# method file seed (files: index,mean,sd)\n", rf.f);
        for (size_t v = 0; v <= d->n_var; v++)
            for (size_t k = 0; k < n; k++)
                if (strcmp(p[k].variant, v ? d->var[v - 1] : "exact") == 0)
                    fprintf(rf.f, "\"%s\" \"posterior/%s\" %ld\n", p[k].variant, p[k].file,
                            p[k].seed);
        rc = blr_report_close(&rf, err, errlen);
    }
    free(p);
    return rc;
}
