/* Internal to the figure files (lib/plot*.c). The figures are gnuplot programs, plots/<fig>.gp
 * (README.md, "Restyling a figure"), copied into the results directory with the files they
 * load and run there; they read the CSV files, or a <fig>.dat that C writes where reading
 * them takes more than gnuplot does well. The public entry point is blr_report_plot
 * (lib/report/report.h). */
#ifndef BLR_PLOT_H
#define BLR_PLOT_H

#include <stddef.h>
#include <stdio.h>

#include "report.h"

#define CSV_MAX_FIELDS 64

typedef struct {
    FILE *f;
    char path[BLR_PATH_LEN + 128];
    long line;
    char *buf;
    size_t cap;
    char *field[CSV_MAX_FIELDS];
    int n_fields, n_header;
    int col[8]; /* positions of the requested columns */
} blr_plot_csv;

/* Opens dir/name and finds the n (<= 8) named columns. Returns 0, 1 when the file does not
 * exist (nothing set in err), -1 on error. */
int blr_plot_csv_open(blr_plot_csv *c, const char *dir, const char *name,
                      const char *const *cols, int n, char *err, size_t errlen);
/* Next data row, with as many fields as the header. Returns 1, 0 at the end, -1 on error. */
int blr_plot_csv_next(blr_plot_csv *c, char *err, size_t errlen);
const char *blr_plot_csv_field(const blr_plot_csv *c, int k); /* requested column k */
/* Requested column k as a number (an integer >= 0 when integer is set): 0 or -1. */
int blr_plot_csv_num(const blr_plot_csv *c, int k, int integer, double *x, char *err,
                     size_t errlen);
void blr_plot_csv_close(blr_plot_csv *c);

typedef struct {
    const char *dir;
    char (*var)[BLR_NAME_LEN]; /* the variants, in runs.csv's order */
    size_t n_var, cap_var;
} blr_plot_data;

/* runs.csv's variants (0, 1 when it is missing, -1 on error). */
int blr_plot_load_runs(blr_plot_data *d, char *err, size_t errlen);
int blr_plot_add_variant(blr_plot_data *d, const char *name, const char *where, char *err,
                         size_t errlen);

/* A file of a per-run directory (posterior/, filters/): "<variant>-s<seed>.csv". */
typedef struct {
    char file[BLR_NAME_LEN + 32];
    char variant[BLR_NAME_LEN];
    long seed;
} blr_plot_pick;
/* The file of the smallest seed per variant, sorted by variant name. Returns 0, 1 when there
 * is none (why in err), -1 on error; free *picks. */
int blr_plot_pick_files(const char *dir, const char *sub, blr_plot_pick **picks, size_t *n,
                        char *err, size_t errlen);

/* Each checks that its figure has data and writes what its program reads besides the CSV
 * files: 0, 1 when the figure has no data (why in err), -1 on error. */
int blr_plot_curves(blr_plot_data *d, char *err, size_t errlen);
int blr_plot_reliability(blr_plot_data *d, char *err, size_t errlen);
int blr_plot_posterior(blr_plot_data *d, char *err, size_t errlen);
int blr_plot_filters(blr_plot_data *d, char *err, size_t errlen);

/* Copies style.gp, runs.gp and <fig>.gp from the programs' directory into dir and runs
 * `gnuplot <fig>.gp` there, drawing <fig>.png.tmp and <fig>.svg.tmp, which become <fig>.png
 * and <fig>.svg only when gnuplot exits 0. Returns 0 or -1. */
int blr_plot_draw(const char *dir, const char *fig, char *err, size_t errlen);

#endif
