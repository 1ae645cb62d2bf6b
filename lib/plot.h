/* Internal to the figure files (lib/plot*.c): what they read back from a results directory and
 * the gnuplot text they share. The public entry point is blr_report_plot (lib/report.h).
 *
 * Every .dat holds one gnuplot index block per variant (two blank lines apart), in the
 * experiment's order (first appearance in runs.csv). A variant keeps its colour in every
 * figure. Variant names are drawn with `noenhanced` so '-' and '_' stay literal. */
#ifndef BLR_PLOT_H
#define BLR_PLOT_H

#include <stddef.h>
#include <stdio.h>

#include "report.h"

#define CSV_MAX_FIELDS 64
#define POST_MAX_COORDS 40 /* more error bars per coordinate would be unreadable */
#define N_COLORS 8
#define FILT_MAX_ARRAYS 3  /* mean, g+, g- */
#define FILT_UNITS 16
#define FILT_SIDE 28

/* ---- reading our own CSV files ---- */

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
int blr_plot_csv_double(const blr_plot_csv *c, int k, double *x, char *err, size_t errlen);
int blr_plot_csv_long(const blr_plot_csv *c, int k, long lo, long *x, char *err, size_t errlen);
void blr_plot_csv_close(blr_plot_csv *c);

/* ---- what was read ---- */

typedef struct {
    char (*name)[BLR_NAME_LEN];
    size_t n, cap;
} blr_plot_names;

typedef struct {
    int v, epoch;
    double nll, acc, sd; /* sd: median posterior sd, NAN where curves.csv has none */
} blr_plot_curve_pt;

typedef struct {
    int v, bin;
    double conf, acc;
    long count;
} blr_plot_rel_pt;

typedef struct {
    int v; /* -1: the exact posterior */
    long seed;
    size_t n_coords; /* the file's coordinates (only the first POST_MAX_COORDS are kept) */
    double mean[POST_MAX_COORDS], sd[POST_MAX_COORDS];
} blr_plot_post_run;

/* First-layer filters of one run (filters/<variant>-s<seed>.csv): n_arrays arrays of
 * `units` side × side images. */
typedef struct {
    int v;
    long seed;
    int n_arrays, units;
    char array[FILT_MAX_ARRAYS][8];
    float px[FILT_MAX_ARRAYS][FILT_UNITS][FILT_SIDE * FILT_SIDE];
} blr_plot_filter_run;

/* The ablation figure's metrics of one ok run (NAN where runs.csv has no such column). */
enum { ABL_NLL, ABL_ECE, ABL_AUROC, ABL_COUNT };
typedef struct {
    int v;
    double x[ABL_COUNT];
} blr_plot_run_metrics;

typedef struct {
    const char *dir;
    blr_plot_names names;
    blr_plot_curve_pt *curve;
    size_t n_curve, cap_curve, n_curve_finite; /* rows with a finite nll */
    blr_plot_rel_pt *rel;
    size_t n_rel, cap_rel;
    blr_plot_post_run *post;
    size_t n_post, cap_post;
    blr_plot_filter_run *filt;
    size_t n_filt, cap_filt;
    blr_plot_run_metrics *runm;
    size_t n_runm, cap_runm;
} blr_plot_data;


int blr_plot_grow(void **p, size_t *cap, size_t n, size_t size);
/* "validation" when dir/manifest.json says the metrics were scored on held-out training
 * examples (data: validation), else "test". */
const char *blr_plot_scored_set(const char *dir);
/* Index of a variant, added at the end when new; -1 (message in err) on failure. */
int blr_plot_variant_index(blr_plot_data *d, const char *name, const blr_plot_csv *c, char *err,
                           size_t errlen);
void blr_plot_data_free(blr_plot_data *d);
/* Mean and sd (n-1) of the finite values; sd is 0 with fewer than two. */
void blr_plot_stats(const double *x, size_t n, double *mean, double *sd, int *count);

/* Loaders return 0, 1 when their file is missing, -1 on error; writers write <fig>.dat and
 * <fig>.gp and return 0 or -1. */
int blr_plot_load_runs(blr_plot_data *d, char *err, size_t errlen);
int blr_plot_load_curves(blr_plot_data *d, char *err, size_t errlen);
int blr_plot_load_reliability(blr_plot_data *d, char *err, size_t errlen);
int blr_plot_load_posterior(blr_plot_data *d, char *err, size_t errlen);
int blr_plot_load_filters(blr_plot_data *d, char *err, size_t errlen);
int blr_plot_load_ablation(blr_plot_data *d, char *err, size_t errlen);
int blr_plot_curves(blr_plot_data *d, char *err, size_t errlen);
int blr_plot_reliability(blr_plot_data *d, char *err, size_t errlen);
int blr_plot_posterior(blr_plot_data *d, char *err, size_t errlen);
int blr_plot_filters(blr_plot_data *d, char *err, size_t errlen);
int blr_plot_ablation(blr_plot_data *d, char *err, size_t errlen);

/* ---- gnuplot text ---- */

void blr_plot_gp_str(FILE *f, const char *s); /* a single-quoted gnuplot string */
void blr_plot_dat_num(FILE *f, double x);     /* " %.9g", or " nan" */
/* The script's head: colours, then a loop over png and svg that the caller's plot commands
 * and blr_plot_gp_end close. */
void blr_plot_gp_preamble(FILE *f, const char *fig, const char *about, int width, int height);
void blr_plot_gp_end(FILE *f);
/* A multiplot's legend strip at the bottom (see plot_gnuplot.c). */
void blr_plot_gp_key_strip(FILE *f, int height, int rows);
int blr_plot_lt(int v); /* a variant's line type ... */
int blr_plot_dt(int v); /* ... and dash type */
/* gnuplot's path from PATH (0), and `gnuplot <fig>.gp` run in dir (0, or -1 with gnuplot's
 * complaint in err). */
int blr_plot_find_gnuplot(char *exe, size_t len);
int blr_plot_run_gnuplot(const char *exe, const char *dir, const char *fig, char *err,
                         size_t errlen);

#endif
