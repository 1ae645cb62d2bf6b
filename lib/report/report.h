/* Result files of a run (docs/experiments.md, "Result files"): runs.csv, curves.csv,
 * reliability.csv, summary.csv, table.md, table.tex, manifest.json,
 * posterior/<variant>-s<seed>.csv and gnuplot figures.
 *
 * Every file is written to "<name>.tmp" and renamed, so an interrupted run never leaves a
 * truncated file. Figures are drawn from the CSV files on disk, so `blr plot DIR` and a run
 * draw the same pictures. */
#ifndef BLR_REPORT_H
#define BLR_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"

typedef enum { BLR_STATUS_OK, BLR_STATUS_DIVERGED, BLR_STATUS_FAILED } blr_status;
const char *blr_status_name(blr_status s);

typedef struct {
    char variant[BLR_NAME_LEN];
    char rule[32];
    char base[32];
    int seed;
    blr_status status;
    int epochs;              /* epochs completed */
    double train_seconds;
    double metric[BLR_METRIC_COUNT]; /* NAN where not computed */
    double objective;        /* estimate of L(q) (docs/design.md §2) */
    double posterior_sd_median; /* median over coordinates of q's sd (scale) */
    long invalid_updates;
    double peak_rss_mib;  /* the process's peak so far */
    double rss_bound_mib; /* the largest memory bound of the runs so far (lib/run/runner.c) */
} blr_run_result;

typedef struct {
    char variant[BLR_NAME_LEN];
    int seed, epoch;
    double train_loss, acc, nll, ece, seconds; /* regression: acc = NAN, ece = NAN, nll */
    double posterior_sd_median; /* of q after the epoch, as blr_run_result's */
} blr_curve_row;

typedef struct {
    char variant[BLR_NAME_LEN];
    int seed;
    int bins;
    double conf[64], acc[64];
    long count[64];
} blr_reliability;

/* A file writer that writes to PATH.tmp and renames on close. */
typedef struct {
    char path[BLR_PATH_LEN + 8];
    char tmp[BLR_PATH_LEN + 16];
    void *f; /* FILE* */
} blr_report_file;
int blr_report_open(blr_report_file *rf, const char *dir, const char *name, char *err,
                    size_t errlen);
int blr_report_close(blr_report_file *rf, char *err, size_t errlen); /* fclose + rename */
void blr_report_abort(blr_report_file *rf);                          /* fclose + unlink */

/* A number (%.9g; nan, inf, -inf) and a text (quoted as RFC 4180 when it needs it) in CSV. */
void blr_report_csv_num(FILE *f, double x);
void blr_report_csv_str(FILE *f, const char *s);

/* Writes runs.csv, curves.csv, reliability.csv, summary.csv, table.md, table.tex in dir.
 * Columns follow ex->metrics (regression experiments: rmse/nll). Returns 0 or -1. */
int blr_report_write_tables(const char *dir, const blr_experiment *ex, const blr_run_result *runs,
                            size_t n_runs, const blr_curve_row *curves, size_t n_curves,
                            const blr_reliability *rel, size_t n_rel, char *err, size_t errlen);

/* Posterior of one run: index,mean,sd. */
int blr_report_write_posterior(const char *dir, const char *variant, int seed,
                               const float *mean, const float *sd, size_t n, char *err,
                               size_t errlen);

/* First-layer filters of one run for the filters figure: filters/<variant>-s<seed>.csv with
 * columns array,unit,row,c0..c{side-1}, one line per image row; arrays[a] holds `units`
 * filters of side² weights each, named names[a] ("mean", "g+", ...). */
int blr_report_write_filters(const char *dir, const char *variant, int seed,
                             const char *const *names, const float *const *arrays, int n_arrays,
                             int units, int side, char *err, size_t errlen);

/* Re-reads the CSV files in dir and draws the figures (curves, reliability, posterior when
 * posterior/ exists) with gnuplot: <fig>.gp, <fig>.dat, <fig>.png, <fig>.svg.
 * figures: bit mask of blr_figure; 0 means every figure whose data is present. */
int blr_report_plot(const char *dir, unsigned figures, char *err, size_t errlen);

/* manifest.json: the fields below (NULL strings are written as null), then "runs":
 * [{variant, seed, status, train_seconds, peak_rss_mib, rss_bound_mib}]. scored_on says
 * which examples the metrics come from ("test set", or "N validation examples held out of
 * the training set"). */
typedef struct {
    const char *experiment, *file, *file_sha256, *profile, *git_commit, *compiler, *cflags;
    const char *overrides; /* blr_experiment.overrides: "set k=v\n", "variant p\n", "seed n\n" */
    const char *gsl_version, *openblas_version, *yaml_version, *host, *start_utc, *end_utc;
    const char *scored_on;
    const char *shard; /* "K/N": the slice of the runs this directory is for (lib/run/jobs.h) */
    int threads;       /* per run */
    /* A -dirty build's diff against its commit: written to DIR/source.patch, its sha256 to
     * "source_patch_sha256", so the results name the exact code. Length 0 (a clean build): no
     * file, null. */
    const unsigned char *source_patch;
    size_t source_patch_len;
} blr_manifest;
int blr_report_write_manifest(const char *dir, const blr_manifest *man,
                              const blr_run_result *runs, size_t n_runs, char *err,
                              size_t errlen);


#endif
