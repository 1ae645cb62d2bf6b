/* Summaries and tables of a results directory; the statistical rules are in tables.h.
 *
 * Number formats: tables keep metrics as fractions (acc 0.8734, not 87.34 %), the mean with 4
 * significant digits and the standard error with the same number of decimals, so the two
 * line up; values below 1e-3 or from 1e6 up switch to %.3e. A missing value is "–". */
#include "tables.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "metrics.h"

/* Summary quantities: the metrics, then three run properties. */
enum { Q_OBJECTIVE = BLR_METRIC_COUNT, Q_TRAIN_SECONDS, Q_SD_MEDIAN, Q_COUNT };

static double quantity(const blr_run_result *r, int q)
{
    switch (q) {
    case Q_OBJECTIVE: return r->objective;
    case Q_TRAIN_SECONDS: return r->train_seconds;
    case Q_SD_MEDIAN: return r->posterior_sd_median;
    default: return r->metric[q];
    }
}

static const char *quantity_name(int q)
{
    switch (q) {
    case Q_OBJECTIVE: return "objective";
    case Q_TRAIN_SECONDS: return "train_seconds";
    case Q_SD_MEDIAN: return "posterior_sd_median";
    default: return blr_metric_name((blr_metric)q);
    }
}

static int metric_selected(const blr_experiment *ex, int m) { return (ex->metrics >> m) & 1u; }

int blr_table_direction(int m)
{
    if (m == BLR_METRIC_HOYER || m == BLR_METRIC_NEAR_ZERO)
        return -1;
    return m == BLR_METRIC_ACC || m == BLR_METRIC_BAYES_ACC || m == BLR_METRIC_OOD_AUROC;
}

/* ---- statistics -------------------------------------------------------------------------- */

typedef struct {
    const char *rule, *base;
    int n, n_ok, n_diverged, n_failed;
    double mean[Q_COUNT], sd[Q_COUNT], se[Q_COUNT]; /* over the ok runs; sd, se NAN below 2 */
    double p[BLR_METRIC_COUNT];      /* paired t-test against the reference (NAN: itself, or
                                        fewer than 2 pairs) */
    size_t pairs[BLR_METRIC_COUNT];  /* the seeds that test paired */
    double p_holm[BLR_METRIC_COUNT]; /* Holm-adjusted over the variants with at least
                                        BLR_MIN_PAIRS pairs; NAN for the others */
} variant_summary;

/* The header says what; NAN values are kept on purpose (tables.h). */
void blr_table_stats(const blr_run_result *runs, size_t n_runs, const char *variant, int q,
                     double *mean, double *sd, double *se)
{
    double x[BLR_MAX_SEEDS];
    size_t n = 0;
    for (size_t i = 0; i < n_runs && n < BLR_MAX_SEEDS; i++)
        if (runs[i].status == BLR_STATUS_OK && strcmp(runs[i].variant, variant) == 0)
            x[n++] = quantity(&runs[i], q);
    blr_metrics_mean_sd(x, n, mean, sd);
    *se = *sd / sqrt((double)n);
}

size_t blr_table_values(const blr_run_result *runs, size_t n_runs, const char *variant,
                        int metric, double *x, int *seeds)
{
    size_t n = 0;
    for (size_t i = 0; i < n_runs && n < BLR_MAX_SEEDS; i++) {
        const blr_run_result *r = &runs[i];
        if (r->status == BLR_STATUS_OK && strcmp(r->variant, variant) == 0 &&
            isfinite(r->metric[metric])) {
            x[n] = r->metric[metric];
            seeds[n++] = r->seed;
        }
    }
    return n;
}

double blr_table_paired_p(const blr_run_result *runs_a, size_t n_a, const char *a,
                          const blr_run_result *runs_b, size_t n_b, const char *b, int metric,
                          size_t *pairs)
{
    double xa[BLR_MAX_SEEDS], xb[BLR_MAX_SEEDS], pa[BLR_MAX_SEEDS], pb[BLR_MAX_SEEDS];
    int sa[BLR_MAX_SEEDS], sb[BLR_MAX_SEEDS];
    size_t na = blr_table_values(runs_a, n_a, a, metric, xa, sa);
    size_t nb = blr_table_values(runs_b, n_b, b, metric, xb, sb);
    size_t n = 0;
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++)
            if (sa[i] == sb[j]) {
                pa[n] = xa[i];
                pb[n++] = xb[j];
                break;
            }
    *pairs = n;
    return blr_metrics_paired_p(pa, pb, n);
}

int blr_table_bold_row(const blr_run_result *runs, size_t n_runs, const char *const *variants,
                       const double *mean, int n_rows, int metric)
{
    int dir = blr_table_direction(metric), best = -1, second = -1;
    if (dir < 0)
        return -1;
    for (int i = 0; i < n_rows; i++) {
        if (isnan(mean[i]))
            continue;
        if (best < 0 || (dir ? mean[i] > mean[best] : mean[i] < mean[best])) {
            second = best;
            best = i;
        } else if (second < 0 || (dir ? mean[i] > mean[second] : mean[i] < mean[second])) {
            second = i;
        }
    }
    if (best < 0 || second < 0 || mean[best] == mean[second])
        return -1;
    size_t pairs;
    double p = blr_table_paired_p(runs, n_runs, variants[best], runs, n_runs, variants[second],
                                  metric, &pairs);
    return pairs >= BLR_MIN_PAIRS && p < BLR_SIGNIFICANCE ? best : -1;
}

void blr_table_bold_note(FILE *f)
{
    fprintf(f, "**Bold**: a column's best mean (higher is better for acc, bayes_acc, ood_auroc, "
               "lower for the rest; hoyer and near_zero are not ranked), only where it differs "
               "from the runner-up's by a two-sided paired t-test over at least %d seeds "
               "(p < %g); otherwise nothing in the column is bold.\n", BLR_MIN_PAIRS,
            BLR_SIGNIFICANCE);
}

static int summarize(const blr_experiment *ex, const blr_run_result *runs, size_t n_runs,
                     variant_summary *sum, char *err, size_t errlen)
{
    for (size_t i = 0; i < n_runs; i++) {
        int found = 0;
        for (int v = 0; v < ex->n_variants && !found; v++)
            found = strcmp(runs[i].variant, ex->variants[v].name) == 0;
        if (!found) {
            snprintf(err, errlen, "error: run %zu has variant '%s', which experiment '%s' does "
                     "not define", i, runs[i].variant, ex->name);
            return -1;
        }
    }
    const char *reference = ex->variants[ex->reference].name;
    for (int v = 0; v < ex->n_variants; v++) {
        variant_summary *s = &sum[v];
        memset(s, 0, sizeof *s);
        /* Without a run there is no resolved base (methods with their own family report
         * "dirac"), so it stays empty rather than guessed. */
        s->rule = ex->variants[v].method_cfg.rule;
        s->base = "";
        for (size_t i = 0; i < n_runs; i++) {
            const blr_run_result *r = &runs[i];
            if (strcmp(r->variant, ex->variants[v].name) != 0)
                continue;
            if (s->n++ == 0) {
                s->rule = r->rule;
                s->base = r->base;
            }
            if (r->status == BLR_STATUS_DIVERGED)
                s->n_diverged++;
            else if (r->status == BLR_STATUS_FAILED)
                s->n_failed++;
            else
                s->n_ok++;
        }
        for (int q = 0; q < Q_COUNT; q++)
            blr_table_stats(runs, n_runs, ex->variants[v].name, q, &s->mean[q], &s->sd[q],
                            &s->se[q]);
        for (int q = 0; q < BLR_METRIC_COUNT; q++)
            s->p[q] = v == ex->reference ? NAN
                                         : blr_table_paired_p(runs, n_runs, ex->variants[v].name,
                                                              runs, n_runs, reference, q,
                                                              &s->pairs[q]);
    }
    /* One Holm family per metric column: the variants tested against the reference. */
    double p[BLR_MAX_VARIANTS], adj[BLR_MAX_VARIANTS];
    for (int q = 0; q < BLR_METRIC_COUNT; q++) {
        for (int v = 0; v < ex->n_variants; v++)
            p[v] = sum[v].pairs[q] >= BLR_MIN_PAIRS ? sum[v].p[q] : NAN;
        blr_metrics_holm(p, (size_t)ex->n_variants, adj);
        for (int v = 0; v < ex->n_variants; v++)
            sum[v].p_holm[q] = adj[v];
    }
    return 0;
}

static int summary_column(const blr_experiment *ex, int q)
{
    return q >= BLR_METRIC_COUNT || metric_selected(ex, q);
}

static void write_summary(FILE *f, const blr_experiment *ex, const variant_summary *sum)
{
    fputs("variant,rule,base,n_ok,n", f);
    for (int q = 0; q < Q_COUNT; q++)
        if (summary_column(ex, q)) {
            const char *n = quantity_name(q);
            fprintf(f, ",%s_mean,%s_sd,%s_se", n, n, n);
            if (q < BLR_METRIC_COUNT)
                fprintf(f, ",%s_p,%s_p_holm", n, n);
        }
    fputc('\n', f);
    for (int v = 0; v < ex->n_variants; v++) {
        const variant_summary *s = &sum[v];
        blr_report_csv_str(f, ex->variants[v].name);
        fputc(',', f);
        blr_report_csv_str(f, s->rule);
        fputc(',', f);
        blr_report_csv_str(f, s->base);
        fprintf(f, ",%d,%d", s->n_ok, s->n);
        for (int q = 0; q < Q_COUNT; q++)
            if (summary_column(ex, q)) {
                const double x[] = {s->mean[q], s->sd[q], s->se[q],
                                    q < BLR_METRIC_COUNT ? s->p[q] : 0,
                                    q < BLR_METRIC_COUNT ? s->p_holm[q] : 0};
                for (int k = 0; k < (q < BLR_METRIC_COUNT ? 5 : 3); k++) {
                    fputc(',', f);
                    blr_report_csv_num(f, x[k]);
                }
            }
        fputc('\n', f);
    }
}

/* ---- tables ------------------------------------------------------------------------------ */

void blr_table_text(FILE *f, const char *s, blr_table_style st)
{
    for (; *s; s++) {
        if (st == BLR_TABLE_MD && strchr("\\`*_|[]<>", *s))
            fprintf(f, "\\%c", *s);
        else if (st == BLR_TABLE_TEX && strchr("_&%$#{}", *s))
            fprintf(f, "\\%c", *s);
        else if (st == BLR_TABLE_TEX && *s == '\\')
            fputs("\\textbackslash{}", f);
        else if (st == BLR_TABLE_TEX && *s == '~')
            fputs("\\textasciitilde{}", f);
        else if (st == BLR_TABLE_TEX && *s == '^')
            fputs("\\textasciicircum{}", f);
        else
            fputc(*s, f);
    }
}

void blr_table_format(double mean, double spread, char *ms, char *ss, size_t len)
{
    double a = fabs(mean);
    if (a != 0.0 && (a < 1e-3 || a >= 1e6)) {
        snprintf(ms, len, "%.3e", mean);
        snprintf(ss, len, "%.3e", spread);
        return;
    }
    int d = a == 0.0 ? 4 : 3 - (int)floor(log10(a));
    d = d < 0 ? 0 : d > 6 ? 6 : d;
    snprintf(ms, len, "%.*f", d, mean);
    snprintf(ss, len, "%.*f", d, spread);
}

void blr_table_cell(FILE *f, double mean, double se, int bold, int mark, blr_table_style st)
{
    if (isnan(mean)) {
        fputs(st == BLR_TABLE_TEX ? "--" : "–", f);
        return;
    }
    char ms[48], ss[48];
    blr_table_format(mean, se, ms, ss, sizeof ms);
    int has_se = !isnan(se);
    if (st == BLR_TABLE_MD)
        fprintf(f, "%s%s%s%s%s%s", bold ? "**" : "", ms, has_se ? " ± " : "", has_se ? ss : "",
                bold ? "**" : "", mark ? " †" : "");
    else
        fprintf(f, "$%s%s%s%s%s%s$", bold ? "\\mathbf{" : "", ms, has_se ? " \\pm " : "",
                has_se ? ss : "", bold ? "}" : "", mark ? "^{\\dagger}" : "");
}

/* 1 when variant v is not the reference and some column of it has fewer than BLR_MIN_PAIRS
 * seeds paired with the reference, so it carries no mark there. */
static int short_of_pairs(const blr_experiment *ex, const variant_summary *sum, int v)
{
    int shortfall = 0;
    for (int m = 0; m < BLR_METRIC_COUNT && v != ex->reference; m++)
        shortfall |= metric_selected(ex, m) && sum[v].pairs[m] < BLR_MIN_PAIRS;
    return shortfall;
}

/* The sentences under table.md about the marks: what † means, and which variants were not
 * tested for want of paired seeds. */
static void marks_note(FILE *f, const blr_experiment *ex, const variant_summary *sum)
{
    const char *ref = ex->variants[ex->reference].name;
    int untested = 0;
    for (int v = 0; v < ex->n_variants; v++)
        untested += short_of_pairs(ex, sum, v);
    if (untested && untested == ex->n_variants - 1) {
        fprintf(f, "No significance marks: fewer than %d seeds are paired with ", BLR_MIN_PAIRS);
        blr_table_text(f, ref, BLR_TABLE_MD);
        fputs(".\n", f);
        return;
    }
    fputs("† differs from ", f);
    blr_table_text(f, ref, BLR_TABLE_MD);
    fprintf(f, ": two-sided paired t-test over the seeds where both runs are ok, Holm-corrected "
               "per column over the variants compared with it (adjusted p < %g).\n",
            BLR_SIGNIFICANCE);
    if (untested) {
        fprintf(f, "Not tested (fewer than %d seeds paired with ", BLR_MIN_PAIRS);
        blr_table_text(f, ref, BLR_TABLE_MD);
        fputs(", so no mark): ", f);
        const char *sep = "";
        for (int v = 0; v < ex->n_variants; v++)
            if (short_of_pairs(ex, sum, v)) {
                fputs(sep, f);
                sep = ", ";
                blr_table_text(f, ex->variants[v].name, BLR_TABLE_MD);
            }
        fputs(".\n", f);
    }
}

static void write_table(FILE *f, const blr_experiment *ex, const blr_run_result *runs,
                        size_t n_runs, const variant_summary *sum, blr_table_style st)
{
    const char *sep = st == BLR_TABLE_MD ? " | " : " & ";
    const char *end = st == BLR_TABLE_MD ? " |\n" : " \\\\\n";
    const char *names[BLR_MAX_VARIANTS];
    double mean[BLR_MAX_VARIANTS];
    int bold[BLR_METRIC_COUNT];
    for (int m = 0; m < BLR_METRIC_COUNT; m++) {
        for (int v = 0; v < ex->n_variants; v++) {
            names[v] = ex->variants[v].name;
            mean[v] = sum[v].mean[m];
        }
        bold[m] = blr_table_bold_row(runs, n_runs, names, mean, ex->n_variants, m);
    }
    if (st == BLR_TABLE_TEX) {
        fputs("% ", f);
        for (const char *p = ex->title; *p; p++)
            fputc(*p == '\n' || *p == '\r' ? ' ' : *p, f);
        fprintf(f, " (%s): mean +/- standard error over the ok runs; n = ok runs / runs; bold: "
                   "the best mean where it differs from the runner-up's (paired t-test, >= %d "
                   "seeds, p < %g); dagger: differs from ", ex->name, BLR_MIN_PAIRS,
                BLR_SIGNIFICANCE);
        blr_table_text(f, ex->variants[ex->reference].name, st);
        fprintf(f, " (paired t-test over seeds, Holm-corrected per column, >= %d seeds, "
                   "p < %g)\n\\begin{tabular}{l", BLR_MIN_PAIRS, BLR_SIGNIFICANCE);
        for (int m = 0; m < BLR_METRIC_COUNT; m++)
            if (metric_selected(ex, m))
                fputc('r', f);
        fputs("r}\n\\toprule\n", f);
    } else {
        fputs("| ", f);
    }
    fputs("variant", f);
    for (int m = 0; m < BLR_METRIC_COUNT; m++)
        if (metric_selected(ex, m)) {
            fputs(sep, f);
            blr_table_text(f, blr_metric_name((blr_metric)m), st);
        }
    fprintf(f, "%s%s%s", sep, st == BLR_TABLE_MD ? "n" : "$n$", end);
    if (st == BLR_TABLE_MD) {
        fputs("|---", f);
        for (int m = 0; m < BLR_METRIC_COUNT; m++)
            if (metric_selected(ex, m))
                fputs("|---:", f);
        fputs("|---:|\n", f);
    } else {
        fputs("\\midrule\n", f);
    }
    for (int v = 0; v < ex->n_variants; v++) {
        const variant_summary *s = &sum[v];
        if (st == BLR_TABLE_MD)
            fputs("| ", f);
        blr_table_text(f, ex->variants[v].name, st);
        for (int m = 0; m < BLR_METRIC_COUNT; m++)
            if (metric_selected(ex, m)) {
                fputs(sep, f);
                blr_table_cell(f, s->mean[m], s->se[m], bold[m] == v,
                               s->p_holm[m] < BLR_SIGNIFICANCE, st);
            }
        fprintf(f, "%s%d/%d%s", sep, s->n_ok, s->n, end);
    }
    if (st == BLR_TABLE_TEX) {
        fputs("\\bottomrule\n\\end{tabular}\n", f);
    } else {
        fputs("\nmean ± standard error over the ok runs of each variant (sd in summary.csv); "
              "n = ok runs / runs.\n", f);
        blr_table_bold_note(f);
        marks_note(f, ex, sum);
        if (ex->data.validation > 0)
            fprintf(f, "Scored on %zu validation examples held out of the training set, not on "
                       "the test set.\n", ex->data.validation);
    }
    /* Runs that did not finish are counted, never dropped silently. */
    int first = 1;
    for (int v = 0; v < ex->n_variants; v++) {
        const variant_summary *s = &sum[v];
        if (s->n_diverged == 0 && s->n_failed == 0)
            continue;
        fputs(first ? (st == BLR_TABLE_TEX ? "% not ok: " : "Not ok: ") : "; ", f);
        first = 0;
        blr_table_text(f, ex->variants[v].name, st);
        if (s->n_diverged)
            fprintf(f, " %d diverged", s->n_diverged);
        if (s->n_failed)
            fprintf(f, "%s %d failed", s->n_diverged ? "," : "", s->n_failed);
    }
    if (!first)
        fputs(".\n", f);
}

/* ---- writers ----------------------------------------------------------------------------- */

static variant_summary *summary_of(const blr_experiment *ex, const blr_run_result *runs,
                                   size_t n_runs, char *err, size_t errlen)
{
    if (n_runs && !runs) {
        snprintf(err, errlen, "error: NULL array for %zu runs", n_runs);
        return NULL;
    }
    variant_summary *sum = calloc(ex->n_variants > 0 ? (size_t)ex->n_variants : 1, sizeof *sum);
    if (!sum)
        snprintf(err, errlen, "error: out of memory for the summary");
    else if (summarize(ex, runs, n_runs, sum, err, errlen) != 0) {
        free(sum);
        sum = NULL;
    }
    return sum;
}

int blr_tables_write(const char *dir, const blr_experiment *ex, const blr_run_result *runs,
                     size_t n_runs, char *err, size_t errlen)
{
    variant_summary *sum = summary_of(ex, runs, n_runs, err, errlen);
    if (!sum)
        return -1;
    static const char *const names[] = {"summary.csv", "table.md", "table.tex"};
    int rc = 0;
    for (int k = 0; k < 3 && rc == 0; k++) {
        blr_report_file rf;
        rc = blr_report_open(&rf, dir, names[k], err, errlen);
        if (rc != 0)
            break;
        if (k == 0)
            write_summary(rf.f, ex, sum);
        else
            write_table(rf.f, ex, runs, n_runs, sum, k == 1 ? BLR_TABLE_MD : BLR_TABLE_TEX);
        rc = blr_report_close(&rf, err, errlen);
    }
    free(sum);
    return rc;
}

/* The page's list of names ("a, b, c"), markup-escaped. */
static void page_list(FILE *f, const blr_experiment *ex)
{
    for (int v = 0; v < ex->n_variants; v++) {
        fputs(v ? ", " : "", f);
        blr_table_text(f, ex->variants[v].name, BLR_TABLE_MD);
    }
}

static const char *or_unknown(const char *s) { return s && s[0] ? s : "unknown"; }

int blr_tables_write_page(const char *dir, const blr_experiment *ex, const blr_run_result *runs,
                          size_t n_runs, const blr_manifest *man, char *err, size_t errlen)
{
    variant_summary *sum = summary_of(ex, runs, n_runs, err, errlen);
    if (!sum)
        return -1;
    blr_report_file rf;
    if (blr_report_open(&rf, dir, "README.md", err, errlen) != 0) {
        free(sum);
        return -1;
    }
    FILE *f = rf.f;
    int n_ok = 0;
    for (size_t i = 0; i < n_runs; i++)
        n_ok += runs[i].status == BLR_STATUS_OK;
    fputs("# ", f);
    blr_table_text(f, ex->name, BLR_TABLE_MD);
    fputs(": ", f);
    for (const char *p = ex->title; *p; p++)
        fputc(*p == '\n' || *p == '\r' ? ' ' : *p, f);
    fprintf(f, "\n\nWhat ran: `%s`%s%s%s, %d variants × %d seeds (", ex->path,
            man->profile && man->profile[0] ? " (profile `" : "",
            man->profile && man->profile[0] ? man->profile : "",
            man->profile && man->profile[0] ? "`)" : "", ex->n_variants, ex->n_seeds);
    for (int s = 0; s < ex->n_seeds; s++)
        fprintf(f, "%s%d", s ? ", " : "", ex->seeds[s]);
    fputs("). Variants: ", f);
    page_list(f, ex);
    fputs("; reference: ", f);
    blr_table_text(f, ex->variants[ex->reference].name, BLR_TABLE_MD);
    fprintf(f, ". %zu runs here, %d ok. Scored on the %s.\n\n## Results\n\n", n_runs, n_ok,
            or_unknown(man->scored_on));
    write_table(f, ex, runs, n_runs, sum, BLR_TABLE_MD);
    fputs("\nPer run: [runs.csv](runs.csv); per variant with sd and p-values: "
          "[summary.csv](summary.csv); LaTeX: [table.tex](table.tex).\n", f);
    /* The figures drawn into this directory: the experiment's, and a sweep's when
     * plots/sweep.gp drew one. */
    int first = 1;
    for (int k = 0; k <= BLR_FIGURE_COUNT; k++) {
        const char *name = k < BLR_FIGURE_COUNT ? blr_figure_name((blr_figure)k) : "sweep";
        char png[BLR_PATH_LEN + 80];
        struct stat st;
        snprintf(png, sizeof png, "%s/%s.png", dir, name);
        if (stat(png, &st) != 0)
            continue;
        fprintf(f, "%s![%s](%s.png)\n", first ? "\n## Figures\n\n" : "\n", name, name);
        first = 0;
    }
    fprintf(f, "\n## Manifest\n\n| | |\n|---|---|\n| experiment file sha256 | `%.12s` |\n"
               "| commit | `%s` |\n| compiler | %s |\n| run | %s to %s UTC on `%s`, %d "
               "thread%s per run |\n| scored on | %s |\n\nAll facts: [manifest.json]"
               "(manifest.json).\n", or_unknown(man->file_sha256), or_unknown(man->git_commit),
            or_unknown(man->compiler), or_unknown(man->start_utc), or_unknown(man->end_utc),
            or_unknown(man->host), man->threads, man->threads == 1 ? "" : "s",
            or_unknown(man->scored_on));
    free(sum);
    return blr_report_close(&rf, err, errlen);
}
