/* Tables across results directories, from their runs.csv: `blr compare DIR_A DIR_B` (one
 * experiment against another, variant by variant) and `blr table DIR...` (one paper table
 * from several experiments). The statistics follow tables.h. */
#ifndef BLR_COMPARE_H
#define BLR_COMPARE_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "report.h"
#include "tables.h"

/* A results directory as read back: its runs (runs.csv), the variants in the order they
 * first appear, the metric columns it has, and the Holm-adjusted p-values of its
 * summary.csv (the † of its table.md) when summary.csv has them. */
typedef struct {
    char dir[BLR_PATH_LEN];
    char name[64]; /* manifest.json's experiment; the directory when there is none */
    blr_run_result *runs;
    size_t n_runs;
    char variants[BLR_MAX_VARIANTS][BLR_NAME_LEN];
    int n_variants;
    unsigned metrics; /* bit (1u << blr_metric) per column of runs.csv */
    int has_holm;     /* summary.csv has <metric>_p_holm columns */
    double p_holm[BLR_MAX_VARIANTS][BLR_METRIC_COUNT];
} blr_resultset;

/* Reads dir/runs.csv (and manifest.json's experiment name, summary.csv's p_holm columns).
 * Returns 0, or -1 with a message naming the file (and line) when runs.csv is missing or
 * malformed. blr_resultset_free releases it. */
int blr_resultset_read(const char *dir, blr_resultset *rs, char *err, size_t errlen);
void blr_resultset_free(blr_resultset *rs);
/* Index of variant name in rs, or -1. */
int blr_resultset_variant(const blr_resultset *rs, const char *name);

/* The Markdown comparison of b against a: per shared variant and metric, both mean ± se (n),
 * the difference b - a, the test (paired over the seeds when both have the same ones,
 * Welch's otherwise) and its p. Returns 0, or -1 with a message when they share no variant
 * or no metric. */
int blr_compare_write(FILE *f, const blr_resultset *a, const blr_resultset *b, char *err,
                      size_t errlen);

/* One table of sets[0..n): rows the variants (those named in `variants`, comma-separated,
 * in that order; NULL: every variant in order of first appearance), columns experiment ×
 * metric (the comma-separated `metrics`; NULL: those every set has) and n per experiment.
 * Returns 0, or -1 with a message for an unknown metric or variant. */
int blr_compare_table(FILE *f, const blr_resultset *sets, int n, const char *metrics,
                      const char *variants, blr_table_style st, char *err, size_t errlen);

#endif
