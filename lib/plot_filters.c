/* The filters figure (paper Sec. 5.1, Fig. 3): first-layer weights of an MLP on 28×28 images,
 * one row of panels per variant (the first seed's run), one panel per array: the point
 * estimate, and for the multiplicative rule its excitatory g+ and inhibitory g- parts. A panel
 * is a 4×4 grid of the first 16 hidden units' filters.
 *
 * Each filter is scaled by its own largest magnitude, as filter pictures usually are, so that
 * the shape (where the weight sits) shows and not the overall size; the titles give the mean
 * Hoyer sparsity of the shown filters at their real scale. */
#include "plot.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define GRID 4                                  /* 4×4 filters per panel */
#define GAP 2                                   /* blank pixels between filters */
#define PANEL (GRID * FILT_SIDE + (GRID - 1) * GAP)

/* filters/<variant>-s<seed>.csv: array,unit,row,c0..c27, one line per image row. */
static int load_filter_file(blr_plot_data *d, const char *file, blr_plot_filter_run *run,
                            char *err, size_t errlen)
{
    static const char *const cols[] = {"array", "unit", "row", "c0"};
    char name[512]; /* "filters/" and a directory entry's name (at most 255 bytes) */
    snprintf(name, sizeof name, "filters/%s", file);
    blr_plot_csv c;
    int rc = blr_plot_csv_open(&c, d->dir, name, cols, 4, err, errlen);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    if (c.n_header != 3 + FILT_SIDE) {
        snprintf(err, errlen, "%s:1: error: %d columns, a filter row needs %d", c.path,
                 c.n_header, 3 + FILT_SIDE);
        blr_plot_csv_close(&c);
        return -1;
    }
    while ((rc = blr_plot_csv_next(&c, err, errlen)) == 1) {
        const char *array = blr_plot_csv_field(&c, 0);
        int a = 0;
        while (a < run->n_arrays && strcmp(run->array[a], array) != 0)
            a++;
        long unit, row;
        if (blr_plot_csv_long(&c, 1, 0, &unit, err, errlen) != 0 ||
            blr_plot_csv_long(&c, 2, 0, &row, err, errlen) != 0) {
            rc = -1;
            break;
        }
        if ((a == run->n_arrays && a == FILT_MAX_ARRAYS) || strlen(array) >= 8 ||
            unit >= FILT_UNITS || row >= FILT_SIDE) {
            snprintf(err, errlen, "%s:%ld: error: array '%s' unit %ld row %ld is outside the "
                     "%d arrays x %d units x %d rows a filter file holds", c.path, c.line, array,
                     unit, row, FILT_MAX_ARRAYS, FILT_UNITS, FILT_SIDE);
            rc = -1;
            break;
        }
        if (a == run->n_arrays)
            snprintf(run->array[run->n_arrays++], sizeof run->array[0], "%s", array);
        if (unit + 1 > run->units)
            run->units = (int)unit + 1;
        for (int x = 0; x < FILT_SIDE; x++) {
            const char *s = c.field[3 + x];
            char *end;
            double v = strtod(s, &end);
            if (end == s || *end) {
                snprintf(err, errlen, "%s:%ld:%d: error: '%s' is not a number", c.path, c.line,
                         4 + x, s);
                rc = -1;
                break;
            }
            run->px[a][unit][row * FILT_SIDE + x] = (float)v;
        }
        if (rc < 0)
            break;
    }
    blr_plot_csv_close(&c);
    return rc < 0 ? -1 : 0;
}

int blr_plot_load_filters(blr_plot_data *d, char *err, size_t errlen)
{
    char path[BLR_PATH_LEN + 16];
    snprintf(path, sizeof path, "%s/filters", d->dir);
    DIR *dir = opendir(path);
    if (!dir) {
        if (errno == ENOENT)
            return 1;
        snprintf(err, errlen, "%s: error: cannot open: %s", path, strerror(errno));
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(dir)) != NULL) {
        size_t len = strlen(e->d_name);
        const char *dash = strrchr(e->d_name, '-');
        if (len < 5 || strcmp(e->d_name + len - 4, ".csv") != 0 || !dash || dash[1] != 's')
            continue;
        char variant[BLR_NAME_LEN];
        snprintf(variant, sizeof variant, "%.*s", (int)(dash - e->d_name), e->d_name);
        int v = -1;
        for (size_t i = 0; i < d->names.n && v < 0; i++)
            if (strcmp(d->names.name[i], variant) == 0)
                v = (int)i;
        /* Only variants of runs.csv are drawn (a stale file of a renamed variant is not). */
        if (v < 0)
            continue;
        if (blr_plot_grow((void **)&d->filt, &d->cap_filt, d->n_filt, sizeof *d->filt) != 0) {
            snprintf(err, errlen, "error: out of memory");
            rc = -1;
            break;
        }
        blr_plot_filter_run *run = &d->filt[d->n_filt];
        memset(run, 0, sizeof *run);
        run->v = v;
        run->seed = strtol(dash + 2, NULL, 10);
        rc = load_filter_file(d, e->d_name, run, err, errlen);
        /* One run per variant: the lowest seed, whatever order readdir gives. */
        size_t k = 0;
        while (k < d->n_filt && d->filt[k].v != v)
            k++;
        if (rc == 0 && run->n_arrays > 0 && k == d->n_filt)
            d->n_filt++;
        else if (rc == 0 && run->n_arrays > 0 && run->seed < d->filt[k].seed)
            d->filt[k] = *run;
    }
    closedir(dir);
    return rc;
}

static int cmp_filter_run(const void *a, const void *b)
{
    const blr_plot_filter_run *x = a, *y = b;
    return (x->v > y->v) - (x->v < y->v);
}

static const char *array_title(const char *array)
{
    if (strcmp(array, "g+") == 0)
        return "g+ (excitatory)";
    if (strcmp(array, "g-") == 0)
        return "g- (inhibitory)";
    return "point estimate";
}

/* One panel: PANEL × PANEL values, NaN in the gaps (drawn as background). */
static void write_panel(FILE *f, const blr_plot_filter_run *run, int a)
{
    for (int y = 0; y < PANEL; y++) {
        for (int x = 0; x < PANEL; x++) {
            int gy = y / (FILT_SIDE + GAP), gx = x / (FILT_SIDE + GAP);
            int py = y % (FILT_SIDE + GAP), px = x % (FILT_SIDE + GAP);
            int unit = gy * GRID + gx;
            if (py >= FILT_SIDE || px >= FILT_SIDE || unit >= run->units) {
                fputs(x ? " nan" : "nan", f);
                continue;
            }
            const float *w = run->px[a][unit];
            double wmax = 0.0;
            for (int i = 0; i < FILT_SIDE * FILT_SIDE; i++)
                wmax = fabs((double)w[i]) > wmax ? fabs((double)w[i]) : wmax;
            double v = wmax > 0.0 ? w[py * FILT_SIDE + px] / wmax : 0.0;
            fprintf(f, x ? " %.4f" : "%.4f", v);
        }
        fputc('\n', f);
    }
}

static double shown_hoyer(const blr_plot_filter_run *run, int a)
{
    double h = 0.0;
    for (int u = 0; u < run->units; u++)
        h += blr_metrics_hoyer(run->px[a][u], FILT_SIDE * FILT_SIDE);
    return h / run->units;
}

int blr_plot_filters(blr_plot_data *d, char *err, size_t errlen)
{
    qsort(d->filt, d->n_filt, sizeof *d->filt, cmp_filter_run);
    blr_report_file rf;
    if (blr_report_open(&rf, d->dir, "filters.dat", err, errlen) != 0)
        return -1;
    int max_arrays = 1, block = 0;
    for (size_t r = 0; r < d->n_filt; r++) {
        const blr_plot_filter_run *run = &d->filt[r];
        max_arrays = run->n_arrays > max_arrays ? run->n_arrays : max_arrays;
        for (int a = 0; a < run->n_arrays; a++) {
            fprintf(rf.f, "%s# %s seed %ld, %s: %d filters, each scaled to its max |w|\n",
                    block++ ? "\n\n" : "", d->names.name[run->v], run->seed, run->array[a],
                    run->units);
            write_panel(rf.f, run, a);
        }
    }
    if (blr_report_close(&rf, err, errlen) != 0)
        return -1;
    if (blr_report_open(&rf, d->dir, "filters.gp", err, errlen) != 0)
        return -1;
    FILE *f = rf.f;
    int rows = (int)d->n_filt;
    blr_plot_gp_preamble(f, "filters",
                         "First-layer filters (first 16 hidden units, first seed) as 28x28 "
                         "images, each scaled by its own largest magnitude.",
                         30 + 300 * max_arrays, 60 + 300 * rows);
    fprintf(f, "set multiplot layout %d,%d title \"first-layer filters of the first 16 units "
               "(each scaled to its largest |w|; red +, blue -)\"\n"
               "unset key\nunset tics\nunset grid\nunset border\nset size ratio -1\n"
               "set xrange [-0.5:%d.5]\nset yrange [%d.5:-0.5]\nset cbtics 0.5\n",
            rows, max_arrays, PANEL - 1, PANEL - 1);
    block = 0;
    for (size_t r = 0; r < d->n_filt; r++) {
        const blr_plot_filter_run *run = &d->filt[r];
        for (int a = 0; a < max_arrays; a++) {
            if (a >= run->n_arrays) {
                fputs("set multiplot next\n", f);
                continue;
            }
            /* g± are positive: a one-sided scale; the signed point estimate: a two-sided one. */
            int positive = strcmp(run->array[a], "mean") != 0;
            fputs(positive ? "set palette defined (0 'white', 1 '#b2182b')\nset cbrange [0:1]\n"
                           : "set palette defined (-1 '#2166ac', 0 'white', 1 '#b2182b')\n"
                             "set cbrange [-1:1]\n",
                  f);
            /* Two title lines (variant; array and sparsity): a gnuplot double-quoted string,
             * whose \n is a line break. */
            fputs("set title \"", f);
            for (const char *p = d->names.name[run->v]; *p; p++)
                fprintf(f, "%s%c", *p == '"' || *p == '\\' ? "\\" : "", *p);
            fprintf(f, "\\n%s, Hoyer %.3f\"\nplot 'filters.dat' index %d matrix with image "
                       "pixels\n", array_title(run->array[a]), shown_hoyer(run, a), block++);
        }
    }
    fputs("unset multiplot\n", f);
    blr_plot_gp_end(f);
    return blr_report_close(&rf, err, errlen);
}
