/* Internal to the figure files (lib/plot*.c). C writes only data: <fig>.dat, read by the
 * gnuplot program plots/<fig>.gp, which is copied into the results directory with
 * plots/style.gp and run there (README.md, "Restyling a figure"). The public entry point is
 * blr_report_plot (lib/report.h).
 *
 * Every .dat begins with a key block (gnuplot index 0), one row per data block that follows,
 * names double-quoted; its first comment line names the columns. Variants keep the order of
 * their first appearance in runs.csv, so a variant has the same line style in every figure. */
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
/* The header's column named name, or -1. */
int blr_plot_csv_find(const blr_plot_csv *c, const char *name);
int blr_plot_csv_double(const blr_plot_csv *c, int k, double *x, char *err, size_t errlen);
int blr_plot_csv_long(const blr_plot_csv *c, int k, long lo, long *x, char *err, size_t errlen);
void blr_plot_csv_close(blr_plot_csv *c);

/* The variants, and per variant its runs in runs.csv: how many, how many ok, diverged. */
typedef struct {
    char name[BLR_NAME_LEN];
    int runs, ok, diverged;
} blr_plot_variant;

/* A run that is in runs.csv and not ok: its curves and bins stay out of the means. */
typedef struct {
    int v;
    long seed;
} blr_plot_run;

typedef struct {
    const char *dir;
    blr_plot_variant *var;
    size_t n_var, cap_var;
    blr_plot_run *bad;
    size_t n_bad, cap_bad;
} blr_plot_data;

int blr_plot_grow(void **p, size_t *cap, size_t n, size_t size);
/* Index of a variant, added at the end when new; -1 (message in err) on failure. */
int blr_plot_variant_index(blr_plot_data *d, const char *name, const char *where, char *err,
                           size_t errlen);
int blr_plot_run_ok(const blr_plot_data *d, int v, long seed);
/* Reads runs.csv (0, 1 when missing, -1 on error). */
int blr_plot_load_runs(blr_plot_data *d, char *err, size_t errlen);
void blr_plot_data_free(blr_plot_data *d);
/* Mean and sd (n-1) of the finite values; sd is 0 with fewer than two. */
void blr_plot_stats(const double *x, size_t n, double *mean, double *sd, int *count);
/* " %.9g", or " nan"; and a double-quoted gnuplot string. */
void blr_plot_num(FILE *f, double x);
void blr_plot_str(FILE *f, const char *s);

/* A file of a per-run directory (posterior/, filters/): "<variant>-s<seed>.csv" (the variant
 * may contain "-s"). */
typedef struct {
    char file[BLR_NAME_LEN + 32];
    char variant[BLR_NAME_LEN];
    long seed;
} blr_plot_pick;
/* The file of the smallest seed per variant, sorted by variant name. Returns 0 (*n may be
 * 0), 1 when sub is missing, -1 on error; free *picks. */
int blr_plot_pick_files(const char *dir, const char *sub, blr_plot_pick **picks, size_t *n,
                        char *err, size_t errlen);

/* Each writes <fig>.dat: 0, 1 when the figure has no data, -1 on error. */
int blr_plot_curves(blr_plot_data *d, char *err, size_t errlen);
int blr_plot_reliability(blr_plot_data *d, char *err, size_t errlen);
int blr_plot_posterior(blr_plot_data *d, char *err, size_t errlen);
int blr_plot_filters(blr_plot_data *d, char *err, size_t errlen);

/* Copies style.gp and <fig>.gp from the programs' directory (blr_plot_programs) into dir and
 * runs `gnuplot <fig>.gp` there, drawing <fig>.png.tmp and <fig>.svg.tmp, which become
 * <fig>.png and <fig>.svg only when gnuplot exits 0. Returns 0 or -1. */
int blr_plot_draw(const char *dir, const char *fig, char *err, size_t errlen);

#endif
