/* filters.dat for plots/filters.gp (paper Sec. 5.1, Fig. 3): first-layer weights of an MLP on
 * 28×28 images, the lowest seed's run of each variant, per array (the point estimate, and for
 * the multiplicative rule its excitatory g+ and inhibitory g- parts) a 4×4 grid of the first
 * 16 hidden units' filters.
 *
 * Each filter is scaled by its own largest magnitude, as filter pictures usually are, so that
 * the shape (where the weight sits) shows and not the overall size; the key gives the mean
 * Hoyer sparsity of the shown filters at their real scale. */
#include "plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define SIDE 28
#define UNITS 16
#define ARRAYS 3 /* mean, g+, g- */
#define GRID 4   /* 4×4 filters per panel */
#define GAP 2    /* blank pixels between filters */
#define PANEL (GRID * SIDE + (GRID - 1) * GAP)

typedef struct {
    int n_arrays, units;
    char array[ARRAYS][8];
    float px[ARRAYS][UNITS][SIDE * SIDE];
} filters;

/* filters/<variant>-s<seed>.csv: array,unit,row,c0..c27, one line per image row. */
static int load_file(const char *dir, const char *file, filters *run, char *err, size_t errlen)
{
    static const char *const cols[] = {"array", "unit", "row"};
    char name[BLR_NAME_LEN + 48];
    snprintf(name, sizeof name, "filters/%s", file);
    blr_plot_csv c;
    if (blr_plot_csv_open(&c, dir, name, cols, 3, err, errlen) != 0)
        return -1;
    int rc = c.n_header == 3 + SIDE ? 0 : -1;
    if (rc)
        snprintf(err, errlen, "%s:1: error: %d columns, a filter row needs %d", c.path,
                 c.n_header, 3 + SIDE);
    while (rc == 0 && (rc = blr_plot_csv_next(&c, err, errlen)) == 1) {
        const char *array = blr_plot_csv_field(&c, 0);
        int a = 0;
        while (a < run->n_arrays && strcmp(run->array[a], array) != 0)
            a++;
        double unit, row, w;
        rc = blr_plot_csv_num(&c, 1, 1, &unit, err, errlen) != 0 ||
             blr_plot_csv_num(&c, 2, 1, &row, err, errlen) != 0 ? -1 : 0;
        if (rc == 0 && ((a == run->n_arrays && a == ARRAYS) || strlen(array) >= 8 ||
                        unit >= UNITS || row >= SIDE)) {
            snprintf(err, errlen, "%s:%ld: error: array '%s' unit %g row %g is outside the "
                     "%d arrays x %d units x %d rows a filter file holds", c.path, c.line, array,
                     unit, row, ARRAYS, UNITS, SIDE);
            rc = -1;
        }
        if (rc == 0 && a == run->n_arrays)
            snprintf(run->array[run->n_arrays++], sizeof run->array[0], "%s", array);
        if (rc == 0 && unit + 1 > run->units)
            run->units = (int)unit + 1;
        for (int x = 0; x < SIDE && rc == 0; x++) {
            c.col[3] = 3 + x; /* the pixels, read as requested column 3 */
            rc = blr_plot_csv_num(&c, 3, 0, &w, err, errlen);
            run->px[a][(int)unit][(int)row * SIDE + x] = (float)w;
        }
    }
    blr_plot_csv_close(&c);
    return rc;
}

/* One panel: PANEL × PANEL values, NaN in the gaps (drawn as background). */
static void write_panel(FILE *f, const filters *run, int a)
{
    for (int y = 0; y < PANEL; y++) {
        for (int x = 0; x < PANEL; x++) {
            int py = y % (SIDE + GAP), px = x % (SIDE + GAP);
            int unit = y / (SIDE + GAP) * GRID + x / (SIDE + GAP);
            if (py >= SIDE || px >= SIDE || unit >= run->units) {
                fputs(x ? " nan" : "nan", f);
                continue;
            }
            const float *w = run->px[a][unit];
            double wmax = 0.0;
            for (int i = 0; i < SIDE * SIDE; i++)
                wmax = fmax(wmax, fabs((double)w[i]));
            fprintf(f, x ? " %.4f" : "%.4f", wmax > 0.0 ? w[py * SIDE + px] / wmax : 0.0);
        }
        fputc('\n', f);
    }
}

int blr_plot_filters(blr_plot_data *d, char *err, size_t errlen)
{
    blr_plot_pick *p;
    size_t n, shown = 0;
    int rc = blr_plot_pick_files(d->dir, "filters", &p, &n, err, errlen);
    filters *run = rc == 0 ? calloc(n ? n : 1, sizeof *run) : NULL;
    int *row = rc == 0 ? calloc(n ? n : 1, sizeof *row) : NULL;
    if (rc == 0 && (!run || !row)) {
        snprintf(err, errlen, "error: out of memory");
        rc = -1;
    }
    /* Only variants of runs.csv are drawn (not a stale file of a renamed variant), in its
     * order: one row of panels each. */
    for (size_t v = 0; v < d->n_var && rc == 0; v++)
        for (size_t k = 0; k < n && rc == 0; k++)
            if (strcmp(p[k].variant, d->var[v]) == 0) {
                rc = load_file(d->dir, p[k].file, &run[k], err, errlen);
                row[k] = run[k].n_arrays ? (int)++shown : 0;
            }
    if (rc == 0 && shown == 0) {
        snprintf(err, errlen, "no filter rows of a variant in runs.csv");
        rc = 1;
    }
    blr_report_file rf;
    if (rc == 0)
        rc = blr_report_open(&rf, d->dir, "filters.dat", err, errlen);
    if (rc == 0) {
        fputs("# variant seed array hoyer units row column; then per panel, each filter scaled "
              "to its largest |w|\n", rf.f);
        for (int pass = 0; pass < 2; pass++)
            for (size_t r = 1; r <= shown; r++)
                for (size_t k = 0; k < n; k++)
                    for (int a = 0; a < run[k].n_arrays && row[k] == (int)r; a++) {
                        if (pass) {
                            fprintf(rf.f, "\n\n# %s, %s\n", p[k].variant, run[k].array[a]);
                            write_panel(rf.f, &run[k], a);
                            continue;
                        }
                        double h = 0.0;
                        for (int u = 0; u < run[k].units; u++)
                            h += blr_metrics_hoyer(run[k].px[a][u], SIDE * SIDE);
                        fprintf(rf.f, "\"%s\" %ld \"%s\" %.3f %d %zu %d\n", p[k].variant,
                                p[k].seed, run[k].array[a],
                                h / run[k].units, run[k].units, r, a + 1);
                    }
        rc = blr_report_close(&rf, err, errlen);
    }
    free(row);
    free(run);
    free(p);
    return rc;
}
