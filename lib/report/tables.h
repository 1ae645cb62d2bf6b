/* Summaries of a results directory (docs/experiments.md, "Result files"): summary.csv,
 * table.md, table.tex and the directory's README.md, and the statistics the tables and
 * `blr compare` / `blr table` (compare.h) share.
 *
 * The rules, the same in every table:
 * - a cell is mean ± standard error (sd / √n) over the ok runs, with n = ok runs / runs;
 *   summary.csv has the sd too;
 * - † marks a variant that differs from the reference by a two-sided paired t-test over the
 *   seeds where both runs are ok, Holm-corrected per column over the variants compared with
 *   the reference (adjusted p < 0.05); a variant with fewer than 3 paired seeds is not tested
 *   (no mark), and a sentence under the table says so;
 * - bold is the best mean of a column only where it differs from the runner-up's by the same
 *   paired test over at least 3 seeds, p < 0.05; otherwise nothing in the column is bold. */
#ifndef BLR_TABLES_H
#define BLR_TABLES_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "report.h"

#define BLR_SIGNIFICANCE 0.05
#define BLR_MIN_PAIRS 3 /* fewer paired seeds: no significance mark, no bold */

typedef enum { BLR_TABLE_MD, BLR_TABLE_TEX } blr_table_style;

/* 1 when larger is better (acc, bayes_acc, ood_auroc), 0 when smaller is, -1 when the metric
 * is not ranked (hoyer, near_zero describe the filters). */
int blr_table_direction(int metric);
/* The markup-escaped text s. */
void blr_table_text(FILE *f, const char *s, blr_table_style st);
/* mean ± se (digits as blr_table_format), bold and †; "–" for a NAN mean, no ± for a NAN se. */
void blr_table_cell(FILE *f, double mean, double se, int bold, int mark, blr_table_style st);
/* mean with 4 significant digits and spread with the same decimals, into ms and ss. */
void blr_table_format(double mean, double spread, char *ms, char *ss, size_t len);
/* The metric values of `variant`'s ok runs with finite values, in runs' order, with their
 * seeds; returns how many (at most BLR_MAX_SEEDS). */
size_t blr_table_values(const blr_run_result *runs, size_t n_runs, const char *variant,
                        int metric, double *x, int *seeds);
/* Mean, sd and se of quantity q (a blr_metric, or the objective, train_seconds and
 * posterior_sd_median after them) over the ok runs of variant; NAN values are kept, so a
 * metric that came out NAN shows as NAN rather than being dropped silently. */
void blr_table_stats(const blr_run_result *runs, size_t n_runs, const char *variant, int q,
                     double *mean, double *sd, double *se);
/* Paired t-test p of variant a (in runs_a) against variant b (in runs_b) over the seeds where
 * both runs are ok and finite; *pairs gets their count. */
double blr_table_paired_p(const blr_run_result *runs_a, size_t n_a, const char *a,
                          const blr_run_result *runs_b, size_t n_b, const char *b, int metric,
                          size_t *pairs);
/* The row to bold in one column (rows named variants[i], column means mean[i]), or -1 when
 * the best does not differ significantly from the runner-up (see the rules above). */
int blr_table_bold_row(const blr_run_result *runs, size_t n_runs, const char *const *variants,
                       const double *mean, int n_rows, int metric);
/* The sentence under a table about bold (Markdown). */
void blr_table_bold_note(FILE *f);

/* summary.csv, table.md and table.tex of runs in dir. Returns 0 or -1 with a message. */
int blr_tables_write(const char *dir, const blr_experiment *ex, const blr_run_result *runs,
                     size_t n_runs, char *err, size_t errlen);
/* dir/README.md: what ran, the table, the figures in dir, the manifest's key facts. */
int blr_tables_write_page(const char *dir, const blr_experiment *ex, const blr_run_result *runs,
                          size_t n_runs, const blr_manifest *man, char *err, size_t errlen);

#endif
