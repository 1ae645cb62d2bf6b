/* Result files (docs/experiments.md, "Result files"): atomic writers, the CSV files, the
 * Markdown and LaTeX tables and manifest.json. Figures are in plot.c, the hash in sha256.c.
 *
 * Number formats: CSV and JSON numbers use %.9g (round-trips a float; NAN is "nan" in CSV,
 * null in JSON). Tables keep metrics as fractions (acc 0.8734, not 87.34 %), the mean with 4
 * significant digits and the sd with the same number of decimals, so the two line up; values
 * below 1e-3 or from 1e6 up switch to %.3e. A missing value is "–". */
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metrics.h"
#include "sha256.h"

const char *blr_status_name(blr_status s)
{
    switch (s) {
    case BLR_STATUS_OK: return "ok";
    case BLR_STATUS_DIVERGED: return "diverged";
    case BLR_STATUS_FAILED: return "failed";
    }
    return "unknown";
}

/* ---- atomic files ------------------------------------------------------------------------ */

/* mkdir -p of every directory above the last '/' of path. */
static int make_parents(const char *path, char *err, size_t errlen)
{
    char buf[BLR_PATH_LEN + 16];
    snprintf(buf, sizeof buf, "%s", path);
    char *last = strrchr(buf, '/');
    if (!last || last == buf)
        return 0;
    *last = '\0';
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        struct stat st;
        if (mkdir(buf, 0777) != 0 && (errno != EEXIST || stat(buf, &st) != 0 ||
                                      !S_ISDIR(st.st_mode))) {
            snprintf(err, errlen, "%s: error: cannot create directory: %s", buf,
                     errno == EEXIST ? "a file of that name exists" : strerror(errno));
            return -1;
        }
        if (c == '\0')
            return 0;
        *p = c;
    }
}

int blr_report_open(blr_report_file *rf, const char *dir, const char *name, char *err,
                    size_t errlen)
{
    rf->f = NULL;
    int n = snprintf(rf->path, sizeof rf->path, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof rf->path) {
        snprintf(err, errlen, "%s/%s: error: path longer than %zu bytes", dir, name,
                 sizeof rf->path - 1);
        return -1;
    }
    snprintf(rf->tmp, sizeof rf->tmp, "%s.tmp", rf->path);
    if (make_parents(rf->path, err, errlen) != 0)
        return -1;
    FILE *f = fopen(rf->tmp, "w");
    if (!f) {
        snprintf(err, errlen, "%s: error: cannot create: %s", rf->tmp, strerror(errno));
        return -1;
    }
    rf->f = f;
    return 0;
}

int blr_report_close(blr_report_file *rf, char *err, size_t errlen)
{
    FILE *f = rf->f;
    rf->f = NULL;
    if (!f) {
        snprintf(err, errlen, "%s: error: file is not open", rf->path);
        return -1;
    }
    /* ferror catches a failed earlier fprintf, fflush/fclose a full disk on the last block. */
    errno = 0;
    int bad = ferror(f) || fflush(f) != 0;
    /* An earlier fprintf's errno is gone by now; one more write to the file, which is
     * discarded anyway, fails for the same reason (a full disk, a size limit) and tells it. */
    if (bad && errno == 0) {
        clearerr(f);
        if (fputc('\n', f) != EOF)
            fflush(f);
    }
    int saved = errno ? errno : EIO;
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        saved = errno;
    }
    if (bad) {
        snprintf(err, errlen, "%s: error: write failed: %s", rf->tmp, strerror(saved));
        unlink(rf->tmp);
        return -1;
    }
    if (rename(rf->tmp, rf->path) != 0) {
        snprintf(err, errlen, "%s: error: cannot rename %s: %s", rf->path, rf->tmp,
                 strerror(errno));
        unlink(rf->tmp);
        return -1;
    }
    return 0;
}

void blr_report_abort(blr_report_file *rf)
{
    if (rf->f) {
        fclose(rf->f);
        unlink(rf->tmp);
    }
    rf->f = NULL;
}

/* ---- CSV --------------------------------------------------------------------------------- */

static void csv_num(FILE *f, double x)
{
    if (isnan(x))
        fputs("nan", f);
    else if (isinf(x))
        fputs(x > 0 ? "inf" : "-inf", f);
    else
        fprintf(f, "%.9g", x);
}

/* RFC 4180 quoting, only when the text needs it. */
static void csv_str(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

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

static int higher_is_better(int m)
{
    return m == BLR_METRIC_ACC || m == BLR_METRIC_BAYES_ACC || m == BLR_METRIC_OOD_AUROC;
}

/* The hyperparameters of a run after its results, named as the experiment file's keys, so a
 * sweep can be analyzed from runs.csv alone: the base's, BLR_METHOD_HYPERS in its order,
 * then the train keys. `epochs` is taken (the epochs completed), so the planned count is
 * `planned_epochs`; `nu` is empty unless the base is a Student-t. */
static const char hyper_base[] = "nu,base_scale";
static const char hyper_train[] =
    "mc_train,mc_test,batch_size,planned_epochs,schedule,warmup_epochs,rng";

static void write_hyper_header(FILE *f)
{
    fputs(hyper_base, f);
    for (size_t i = 0; i < BLR_HYPER_COUNT; i++)
        fprintf(f, ",%s", blr_hypers[i].key);
    fprintf(f, ",%s", hyper_train);
}

/* summarize has refused runs of variants the experiment does not define. */
static const blr_variant *find_variant(const blr_experiment *ex, const char *name)
{
    for (int v = 0; v < ex->n_variants; v++)
        if (strcmp(ex->variants[v].name, name) == 0)
            return &ex->variants[v];
    return NULL;
}

static void write_hyper(FILE *f, const blr_variant *v)
{
    const blr_method_cfg *m = &v->method_cfg;
    const blr_train_cfg *t = &v->train;
    if (m->base.kind == BLR_BASE_STUDENT_T)
        csv_num(f, m->base.nu);
    fputc(',', f);
    csv_num(f, m->base.scale);
    for (size_t i = 0; i < BLR_HYPER_COUNT; i++) {
        const blr_hyper *h = &blr_hypers[i];
        double x = blr_hyper_get(m, h);
        fputc(',', f);
        if (h->type == BLR_HYPER_WORD)
            fputs(h->words[(int)x], f);
        else
            csv_num(f, x);
    }
    fprintf(f, ",%d,%d,%d,%d,%s,", t->mc_train, t->mc_test, t->batch_size, t->epochs,
            blr_schedule_names[t->schedule]);
    csv_num(f, t->warmup_epochs);
    fprintf(f, ",%s", t->rng_gsl ? "gsl" : "fast");
}

static void write_runs(FILE *f, const blr_experiment *ex, const blr_run_result *runs,
                       size_t n_runs)
{
    fputs("variant,rule,base,seed,status,epochs,train_seconds", f);
    for (int m = 0; m < BLR_METRIC_COUNT; m++)
        if (metric_selected(ex, m))
            fprintf(f, ",%s", blr_metric_name((blr_metric)m));
    fputs(",objective,posterior_sd_median,invalid_updates,peak_rss_mib,", f);
    write_hyper_header(f);
    fputc('\n', f);
    for (size_t i = 0; i < n_runs; i++) {
        const blr_run_result *r = &runs[i];
        csv_str(f, r->variant);
        fputc(',', f);
        csv_str(f, r->rule);
        fputc(',', f);
        csv_str(f, r->base);
        fprintf(f, ",%d,%s,%d,", r->seed, blr_status_name(r->status), r->epochs);
        csv_num(f, r->train_seconds);
        for (int m = 0; m < BLR_METRIC_COUNT; m++)
            if (metric_selected(ex, m)) {
                fputc(',', f);
                csv_num(f, r->metric[m]);
            }
        fputc(',', f);
        csv_num(f, r->objective);
        fputc(',', f);
        csv_num(f, r->posterior_sd_median);
        fprintf(f, ",%ld,", r->invalid_updates);
        csv_num(f, r->peak_rss_mib);
        fputc(',', f);
        write_hyper(f, find_variant(ex, r->variant));
        fputc('\n', f);
    }
}

static void write_curves(FILE *f, const blr_curve_row *c, size_t n)
{
    fputs("variant,seed,epoch,train_loss,acc,nll,ece,seconds,posterior_sd_median\n", f);
    for (size_t i = 0; i < n; i++) {
        csv_str(f, c[i].variant);
        fprintf(f, ",%d,%d", c[i].seed, c[i].epoch);
        const double v[] = {c[i].train_loss, c[i].acc, c[i].nll, c[i].ece, c[i].seconds,
                            c[i].posterior_sd_median};
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
            fputc(',', f);
            csv_num(f, v[k]);
        }
        fputc('\n', f);
    }
}

static void write_reliability(FILE *f, const blr_reliability *rel, size_t n)
{
    fputs("variant,seed,bin,conf,acc,count\n", f);
    for (size_t i = 0; i < n; i++)
        for (int b = 0; b < rel[i].bins; b++) {
            csv_str(f, rel[i].variant);
            fprintf(f, ",%d,%d,", rel[i].seed, b);
            csv_num(f, rel[i].conf[b]);
            fputc(',', f);
            csv_num(f, rel[i].acc[b]);
            fprintf(f, ",%ld\n", rel[i].count[b]);
        }
}

/* ---- summary ----------------------------------------------------------------------------- */

typedef struct {
    const char *rule, *base;
    int n, n_ok, n_diverged, n_failed;
    double mean[Q_COUNT], sd[Q_COUNT]; /* over the ok runs; sd with n-1, NAN when n_ok < 2 */
    double p[BLR_METRIC_COUNT]; /* paired t-test against the reference variant, over the seeds
                                   where both runs are ok; NAN for the reference itself */
} variant_summary;

/* Mean and sd (n-1) of quantity q over the ok runs of a variant. Both passes work on
 * differences from the first ok value, so equal values give exactly that value and sd 0. */
static void ok_stats(const char *variant, const blr_run_result *runs, size_t n_runs,
                     const blr_run_result *first_ok, int q, int n_ok, double *mean, double *sd)
{
    *mean = *sd = NAN;
    if (n_ok == 0)
        return;
    double x0 = quantity(first_ok, q), s1 = 0.0, s2 = 0.0;
    for (size_t i = 0; i < n_runs; i++)
        if (runs[i].status == BLR_STATUS_OK && strcmp(runs[i].variant, variant) == 0)
            s1 += quantity(&runs[i], q) - x0;
    double shift = s1 / n_ok;
    *mean = x0 + shift;
    for (size_t i = 0; i < n_runs; i++)
        if (runs[i].status == BLR_STATUS_OK && strcmp(runs[i].variant, variant) == 0) {
            double d = quantity(&runs[i], q) - x0 - shift;
            s2 += d * d;
        }
    if (n_ok > 1)
        *sd = sqrt(s2 / (n_ok - 1));
}

/* Pairs the ok runs of a variant with the reference's ok runs of the same seed. */
static double paired_p(const blr_run_result *runs, size_t n_runs, const char *variant,
                       const char *reference, int m)
{
    double a[BLR_MAX_SEEDS], b[BLR_MAX_SEEDS];
    size_t n = 0;
    for (size_t i = 0; i < n_runs; i++) {
        const blr_run_result *x = &runs[i];
        if (x->status != BLR_STATUS_OK || strcmp(x->variant, variant) != 0 ||
            !isfinite(x->metric[m]))
            continue;
        for (size_t j = 0; j < n_runs && n < BLR_MAX_SEEDS; j++) {
            const blr_run_result *y = &runs[j];
            if (y->status == BLR_STATUS_OK && y->seed == x->seed &&
                strcmp(y->variant, reference) == 0 && isfinite(y->metric[m])) {
                a[n] = x->metric[m];
                b[n++] = y->metric[m];
                break;
            }
        }
    }
    return blr_metrics_paired_p(a, b, n);
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
    for (int v = 0; v < ex->n_variants; v++) {
        variant_summary *s = &sum[v];
        memset(s, 0, sizeof *s);
        /* Without a run there is no resolved base (methods with their own family report
         * "dirac"), so it stays empty rather than guessed. */
        s->rule = ex->variants[v].method_cfg.rule;
        s->base = "";
        const blr_run_result *first_ok = NULL;
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
            else if (s->n_ok++ == 0)
                first_ok = r;
        }
        for (int q = 0; q < Q_COUNT; q++)
            ok_stats(ex->variants[v].name, runs, n_runs, first_ok, q, s->n_ok, &s->mean[q],
                     &s->sd[q]);
        for (int q = 0; q < BLR_METRIC_COUNT; q++)
            s->p[q] = v == ex->reference ? NAN
                                         : paired_p(runs, n_runs, ex->variants[v].name,
                                                    ex->variants[ex->reference].name, q);
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
            fprintf(f, ",%s_mean,%s_sd", quantity_name(q), quantity_name(q));
            if (q < BLR_METRIC_COUNT)
                fprintf(f, ",%s_p", quantity_name(q));
        }
    fputc('\n', f);
    for (int v = 0; v < ex->n_variants; v++) {
        const variant_summary *s = &sum[v];
        csv_str(f, ex->variants[v].name);
        fputc(',', f);
        csv_str(f, s->rule);
        fputc(',', f);
        csv_str(f, s->base);
        fprintf(f, ",%d,%d", s->n_ok, s->n);
        for (int q = 0; q < Q_COUNT; q++)
            if (summary_column(ex, q)) {
                fputc(',', f);
                csv_num(f, s->mean[q]);
                fputc(',', f);
                csv_num(f, s->sd[q]);
                if (q < BLR_METRIC_COUNT) {
                    fputc(',', f);
                    csv_num(f, s->p[q]);
                }
            }
        fputc('\n', f);
    }
}

/* ---- tables ------------------------------------------------------------------------------ */

typedef enum { STYLE_MD, STYLE_TEX } table_style;

/* Escapes the characters with a meaning in the table's markup. */
static void put_text(FILE *f, const char *s, table_style st)
{
    for (; *s; s++) {
        if (st == STYLE_MD && strchr("\\`*_|[]<>", *s))
            fprintf(f, "\\%c", *s);
        else if (st == STYLE_TEX && strchr("_&%$#{}", *s))
            fprintf(f, "\\%c", *s);
        else if (st == STYLE_TEX && *s == '\\')
            fputs("\\textbackslash{}", f);
        else if (st == STYLE_TEX && *s == '~')
            fputs("\\textasciitilde{}", f);
        else if (st == STYLE_TEX && *s == '^')
            fputs("\\textasciicircum{}", f);
        else
            fputc(*s, f);
    }
}

/* Mean with 4 significant digits; sd with the mean's decimals (see the file comment). */
static void format_pair(double mean, double sd, char *ms, char *ss, size_t len)
{
    double a = fabs(mean);
    if (a != 0.0 && (a < 1e-3 || a >= 1e6)) {
        snprintf(ms, len, "%.3e", mean);
        snprintf(ss, len, "%.3e", sd);
        return;
    }
    int d = a == 0.0 ? 4 : 3 - (int)floor(log10(a));
    d = d < 0 ? 0 : d > 6 ? 6 : d;
    snprintf(ms, len, "%.*f", d, mean);
    snprintf(ss, len, "%.*f", d, sd);
}

/* Significance level of the tables' marks (a paired t-test over seeds: docs/experiments.md). */
#define SIGNIFICANCE 0.05

static void put_cell(FILE *f, double mean, double sd, int bold, int mark, table_style st)
{
    if (isnan(mean)) {
        fputs(st == STYLE_TEX ? "--" : "–", f);
        return;
    }
    char ms[48], ss[48];
    format_pair(mean, sd, ms, ss, sizeof ms);
    int has_sd = !isnan(sd);
    if (st == STYLE_MD)
        fprintf(f, "%s%s%s%s%s%s", bold ? "**" : "", ms, has_sd ? " ± " : "", has_sd ? ss : "",
                bold ? "**" : "", mark ? " †" : "");
    else
        fprintf(f, "$%s%s%s%s%s%s$", bold ? "\\mathbf{" : "", ms, has_sd ? " \\pm " : "",
                has_sd ? ss : "", bold ? "}" : "", mark ? "^{\\dagger}" : "");
}

/* best[m]: the best mean of metric m over the variants (NAN when none has one). */
static void best_means(const blr_experiment *ex, const variant_summary *sum,
                       double best[BLR_METRIC_COUNT])
{
    for (int m = 0; m < BLR_METRIC_COUNT; m++) {
        best[m] = NAN;
        /* Sparsity describes the filters; neither direction is better. */
        if (m == BLR_METRIC_HOYER || m == BLR_METRIC_NEAR_ZERO)
            continue;
        for (int v = 0; v < ex->n_variants; v++) {
            double x = sum[v].mean[m];
            if (isnan(x))
                continue;
            if (isnan(best[m]) || (higher_is_better(m) ? x > best[m] : x < best[m]))
                best[m] = x;
        }
    }
}

static void write_table(FILE *f, const blr_experiment *ex, const variant_summary *sum,
                        table_style st)
{
    const char *sep = st == STYLE_MD ? " | " : " & ";
    const char *end = st == STYLE_MD ? " |\n" : " \\\\\n";
    double best[BLR_METRIC_COUNT];
    best_means(ex, sum, best);
    if (st == STYLE_TEX) {
        fputs("% ", f);
        for (const char *p = ex->title; *p; p++)
            fputc(*p == '\n' || *p == '\r' ? ' ' : *p, f);
        fprintf(f, " (%s): mean +/- sd over the ok runs; best mean per column in bold; "
                   "n = ok runs / runs; dagger: differs from ", ex->name);
        put_text(f, ex->variants[ex->reference].name, st);
        fputs(" (paired t-test over seeds, p < 0.05)\n\\begin{tabular}{l", f);
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
            put_text(f, blr_metric_name((blr_metric)m), st);
        }
    fprintf(f, "%s%s%s", sep, st == STYLE_MD ? "n" : "$n$", end);
    if (st == STYLE_MD) {
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
        if (st == STYLE_MD)
            fputs("| ", f);
        put_text(f, ex->variants[v].name, st);
        for (int m = 0; m < BLR_METRIC_COUNT; m++)
            if (metric_selected(ex, m)) {
                fputs(sep, f);
                put_cell(f, s->mean[m], s->sd[m], !isnan(s->mean[m]) && s->mean[m] == best[m],
                         s->p[m] < SIGNIFICANCE, st);
            }
        fprintf(f, "%s%d/%d%s", sep, s->n_ok, s->n, end);
    }
    if (st == STYLE_TEX) {
        fputs("\\bottomrule\n\\end{tabular}\n", f);
    } else {
        fputs("\nmean ± sd over the ok runs of each variant; best mean per column in bold "
              "(higher is better for acc, bayes_acc, ood_auroc, lower for the rest; hoyer and "
              "near_zero are not ranked); "
              "n = ok runs / runs; † differs from ", f);
        put_text(f, ex->variants[ex->reference].name, st);
        fputs(" (two-sided paired t-test over the seeds where both runs are ok, p < 0.05).\n", f);
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
        fputs(first ? (st == STYLE_TEX ? "% not ok: " : "Not ok: ") : "; ", f);
        first = 0;
        put_text(f, ex->variants[v].name, st);
        if (s->n_diverged)
            fprintf(f, " %d diverged", s->n_diverged);
        if (s->n_failed)
            fprintf(f, "%s %d failed", s->n_diverged ? "," : "", s->n_failed);
    }
    if (!first)
        fputs(".\n", f);
}

/* ---- writers ----------------------------------------------------------------------------- */

typedef enum { OUT_RUNS, OUT_CURVES, OUT_RELIABILITY, OUT_SUMMARY, OUT_MD, OUT_TEX } table_file;

typedef struct {
    const blr_experiment *ex;
    const blr_run_result *runs;
    size_t n_runs;
    const blr_curve_row *curves;
    size_t n_curves;
    const blr_reliability *rel;
    size_t n_rel;
    const variant_summary *sum;
} table_inputs;

static void write_body(FILE *f, table_file which, const table_inputs *in)
{
    switch (which) {
    case OUT_RUNS: write_runs(f, in->ex, in->runs, in->n_runs); break;
    case OUT_CURVES: write_curves(f, in->curves, in->n_curves); break;
    case OUT_RELIABILITY: write_reliability(f, in->rel, in->n_rel); break;
    case OUT_SUMMARY: write_summary(f, in->ex, in->sum); break;
    case OUT_MD: write_table(f, in->ex, in->sum, STYLE_MD); break;
    case OUT_TEX: write_table(f, in->ex, in->sum, STYLE_TEX); break;
    }
}

int blr_report_write_tables(const char *dir, const blr_experiment *ex, const blr_run_result *runs,
                            size_t n_runs, const blr_curve_row *curves, size_t n_curves,
                            const blr_reliability *rel, size_t n_rel, char *err, size_t errlen)
{
    if ((n_runs && !runs) || (n_curves && !curves) || (n_rel && !rel)) {
        snprintf(err, errlen, "error: NULL array for %zu runs, %zu curve rows, %zu diagrams",
                 n_runs, n_curves, n_rel);
        return -1;
    }
    for (size_t i = 0; i < n_rel; i++)
        if (rel[i].bins < 1 || rel[i].bins > 64) {
            snprintf(err, errlen, "error: reliability diagram of %s seed %d has %d bins "
                     "(1..64)", rel[i].variant, rel[i].seed, rel[i].bins);
            return -1;
        }
    variant_summary *sum = calloc(ex->n_variants > 0 ? (size_t)ex->n_variants : 1, sizeof *sum);
    if (!sum) {
        snprintf(err, errlen, "error: out of memory for the summary");
        return -1;
    }
    int rc = summarize(ex, runs, n_runs, sum, err, errlen);
    static const char *const names[] = {"runs.csv",    "curves.csv", "reliability.csv",
                                        "summary.csv", "table.md",   "table.tex"};
    const table_inputs in = {ex, runs, n_runs, curves, n_curves, rel, n_rel, sum};
    for (int k = OUT_RUNS; k <= OUT_TEX && rc == 0; k++) {
        blr_report_file rf;
        rc = blr_report_open(&rf, dir, names[k], err, errlen);
        if (rc == 0) {
            write_body(rf.f, (table_file)k, &in);
            rc = blr_report_close(&rf, err, errlen);
        }
    }
    free(sum);
    return rc;
}

/* Opens <sub>/<variant>-s<seed>.csv of dir, refusing names that are not file names. */
static int open_run_file(blr_report_file *rf, const char *dir, const char *sub,
                         const char *variant, int seed, char *err, size_t errlen)
{
    char name[BLR_NAME_LEN + 48];
    if (!variant[0] || strchr(variant, '/')) {
        snprintf(err, errlen, "error: variant name '%s' cannot be a file name", variant);
        return -1;
    }
    snprintf(name, sizeof name, "%s/%s-s%d.csv", sub, variant, seed);
    return blr_report_open(rf, dir, name, err, errlen);
}

int blr_report_write_posterior(const char *dir, const char *variant, int seed,
                               const float *mean, const float *sd, size_t n, char *err,
                               size_t errlen)
{
    blr_report_file rf;
    if (open_run_file(&rf, dir, "posterior", variant, seed, err, errlen) != 0)
        return -1;
    FILE *f = rf.f;
    fputs("index,mean,sd\n", f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%zu,", i);
        csv_num(f, mean[i]);
        fputc(',', f);
        csv_num(f, sd[i]);
        fputc('\n', f);
    }
    return blr_report_close(&rf, err, errlen);
}

int blr_report_write_filters(const char *dir, const char *variant, int seed,
                             const char *const *names, const float *const *arrays, int n_arrays,
                             int units, int side, char *err, size_t errlen)
{
    blr_report_file rf;
    if (open_run_file(&rf, dir, "filters", variant, seed, err, errlen) != 0)
        return -1;
    FILE *f = rf.f;
    fputs("array,unit,row", f);
    for (int c = 0; c < side; c++)
        fprintf(f, ",c%d", c);
    fputc('\n', f);
    for (int a = 0; a < n_arrays; a++)
        for (int u = 0; u < units; u++)
            for (int y = 0; y < side; y++) {
                csv_str(f, names[a]);
                fprintf(f, ",%d,%d", u, y);
                const float *px = arrays[a] + ((size_t)u * (size_t)side + (size_t)y) * (size_t)side;
                for (int c = 0; c < side; c++) {
                    fputc(',', f);
                    csv_num(f, px[c]);
                }
                fputc('\n', f);
            }
    return blr_report_close(&rf, err, errlen);
}

/* ---- manifest.json ----------------------------------------------------------------------- */

static void json_str(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

static void json_num(FILE *f, double x)
{
    if (isfinite(x))
        fprintf(f, "%.9g", x);
    else
        fputs("null", f); /* JSON has no NaN or infinity */
}

int blr_report_write_manifest(const char *dir, const blr_manifest *man,
                              const blr_run_result *runs, size_t n_runs, char *err,
                              size_t errlen)
{
    if (n_runs && !runs) {
        snprintf(err, errlen, "error: NULL array for %zu runs", n_runs);
        return -1;
    }
    blr_report_file rf;
    if (blr_report_open(&rf, dir, "manifest.json", err, errlen) != 0)
        return -1;
    FILE *f = rf.f;
    const struct {
        const char *key, *value;
    } fields[] = {
        {"experiment", man->experiment}, {"file", man->file},
        {"file_sha256", man->file_sha256}, {"profile", man->profile},
        {"overrides", man->overrides ? man->overrides : ""},
        {"git_commit", man->git_commit}, {"compiler", man->compiler},
        {"cflags", man->cflags}, {"gsl_version", man->gsl_version},
        {"openblas_version", man->openblas_version}, {"yaml_version", man->yaml_version},
        {"host", man->host}, {"start_utc", man->start_utc}, {"end_utc", man->end_utc},
        {"scored_on", man->scored_on}, {"shard", man->shard},
    };
    fputs("{\n", f);
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        fprintf(f, "  \"%s\": ", fields[i].key);
        json_str(f, fields[i].value);
        fputs(",\n", f);
    }
    fprintf(f, "  \"threads\": %d,\n  \"runs\": [", man->threads);
    for (size_t i = 0; i < n_runs; i++) {
        fputs(i ? ",\n    {\"variant\": " : "\n    {\"variant\": ", f);
        json_str(f, runs[i].variant);
        fprintf(f, ", \"seed\": %d, \"status\": ", runs[i].seed);
        json_str(f, blr_status_name(runs[i].status));
        fputs(", \"train_seconds\": ", f);
        json_num(f, runs[i].train_seconds);
        fputs(", \"peak_rss_mib\": ", f);
        json_num(f, runs[i].peak_rss_mib);
        fputs(", \"rss_bound_mib\": ", f);
        json_num(f, runs[i].rss_bound_mib);
        fputc('}', f);
    }
    fputs(n_runs ? "\n  ]\n}\n" : "]\n}\n", f);
    return blr_report_close(&rf, err, errlen);
}

int blr_report_sha256_file(const char *path, char hex[65])
{
    hex[0] = '\0';
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    blr_sha256 s;
    blr_sha256_init(&s);
    unsigned char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        blr_sha256_update(&s, buf, n);
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return -1;
    unsigned char digest[32];
    blr_sha256_final(&s, digest);
    blr_sha256_hex(digest, hex);
    return 0;
}
