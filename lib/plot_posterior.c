/* posterior.dat for plots/posterior.gp, which reads the posterior files themselves: which file
 * stands for each method (its smallest seed), the exact posterior first when there is one. */
#include "plot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int blr_plot_posterior(blr_plot_data *d, char *err, size_t errlen)
{
    blr_plot_pick *p;
    size_t n;
    int rc = blr_plot_pick_files(d->dir, "posterior", &p, &n, err, errlen);
    if (rc == 0 && n == 0)
        rc = 1;
    if (rc == 1)
        snprintf(err, errlen, "no such file");
    /* Methods that runs.csv does not list follow its own, in name order. */
    int *v = rc == 0 ? calloc(n, sizeof *v) : NULL;
    for (size_t k = 0; k < n && rc == 0; k++) {
        v[k] = strcmp(p[k].variant, "exact") == 0 ? -1 :
               blr_plot_variant_index(d, p[k].variant, p[k].file, err, errlen);
        rc = v[k] < -1 ? -1 : 0;
    }
    blr_report_file rf;
    if (rc == 0)
        rc = blr_report_open(&rf, d->dir, "posterior.dat", err, errlen);
    if (rc == 0) {
        fputs("# method file seed (files: index,mean,sd), the exact posterior first\n", rf.f);
        for (int w = -1; w < (int)d->n_var; w++)
            for (size_t k = 0; k < n; k++)
                if (v[k] == w) {
                    blr_plot_str(rf.f, p[k].variant);
                    fprintf(rf.f, " \"posterior/%s\" %ld\n", p[k].file, p[k].seed);
                }
        rc = blr_report_close(&rf, err, errlen);
    }
    free(v);
    free(p);
    return rc;
}
