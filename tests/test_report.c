/* Result files (lib/report/report.c), figures (lib/report/plot.c) and SHA-256 (lib/io/sha256.c). Every
 * expected text below is written out by hand from the inputs of its test. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "report.h"
#include "sha256.h"

/* ---- helpers ----------------------------------------------------------------------------- */

static char *make_tmpdir(void)
{
    char *d = malloc(64);
    cr_assert_not_null(d);
    snprintf(d, 64, "/tmp/blr_report_XXXXXX");
    cr_assert_not_null(mkdtemp(d));
    return d;
}

static void remove_tree(char *dir)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
    free(dir);
}

static int exists(const char *dir, const char *name)
{
    char path[512];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0;
}

static char *slurp(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    cr_assert_eq(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
}

static void put_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

/* Line k (0-based) of text, into buf. */
static const char *line_of(const char *text, int k, char *buf, size_t len)
{
    for (; k > 0 && text; k--) {
        text = strchr(text, '\n');
        if (text)
            text++;
    }
    cr_assert_not_null(text);
    size_t n = strcspn(text, "\n");
    cr_assert_lt(n, len);
    memcpy(buf, text, n);
    buf[n] = '\0';
    return buf;
}

static blr_experiment *experiment(const char *const *variants, int n, unsigned metrics)
{
    blr_experiment *ex = calloc(1, sizeof *ex);
    cr_assert_not_null(ex);
    snprintf(ex->name, sizeof ex->name, "unit");
    snprintf(ex->title, sizeof ex->title, "unit test");
    ex->n_variants = n;
    for (int v = 0; v < n; v++) {
        snprintf(ex->variants[v].name, sizeof ex->variants[v].name, "%s", variants[v]);
        snprintf(ex->variants[v].method_cfg.rule, sizeof ex->variants[v].method_cfg.rule, "sgd");
    }
    ex->metrics = metrics;
    return ex;
}

static blr_run_result run(const char *variant, int seed, blr_status st)
{
    blr_run_result r;
    memset(&r, 0, sizeof r);
    snprintf(r.variant, sizeof r.variant, "%s", variant);
    snprintf(r.rule, sizeof r.rule, "sgd");
    snprintf(r.base, sizeof r.base, "dirac");
    r.seed = seed;
    r.status = st;
    for (int m = 0; m < BLR_METRIC_COUNT; m++)
        r.metric[m] = NAN;
    r.objective = r.posterior_sd_median = r.peak_rss_mib = NAN;
    return r;
}

#define BIT(m) (1u << (m))

/* ---- atomic files ------------------------------------------------------------------------ */

Test(report, atomic_write_renames_on_close_and_creates_directories)
{
    char *d = make_tmpdir(), err[512];
    blr_report_file rf;
    cr_assert_eq(blr_report_open(&rf, d, "sub/deeper/x.txt", err, sizeof err), 0, "%s", err);
    fputs("hello\n", rf.f);
    cr_assert(exists(d, "sub/deeper/x.txt.tmp"));
    cr_assert_not(exists(d, "sub/deeper/x.txt"));
    cr_assert_eq(blr_report_close(&rf, err, sizeof err), 0, "%s", err);
    cr_assert_not(exists(d, "sub/deeper/x.txt.tmp"));
    char *s = slurp(d, "sub/deeper/x.txt");
    cr_assert_str_eq(s, "hello\n");
    free(s);
    remove_tree(d);
}

Test(report, abort_leaves_nothing)
{
    char *d = make_tmpdir(), err[512];
    blr_report_file rf;
    cr_assert_eq(blr_report_open(&rf, d, "y.csv", err, sizeof err), 0, "%s", err);
    fputs("partial", rf.f);
    blr_report_abort(&rf);
    cr_assert_not(exists(d, "y.csv"));
    cr_assert_not(exists(d, "y.csv.tmp"));
    remove_tree(d);
}

Test(report, open_reports_a_file_in_the_way_of_a_directory)
{
    char *d = make_tmpdir(), err[512];
    put_file(d, "posterior", "not a directory\n");
    blr_report_file rf;
    cr_assert_eq(blr_report_open(&rf, d, "posterior/a-s0.csv", err, sizeof err), -1);
    cr_assert(strstr(err, "/posterior: error: cannot create directory"), "%s", err);
    remove_tree(d);
}

Test(report, close_reports_a_failed_rename_and_removes_the_tmp_file)
{
    char *d = make_tmpdir(), err[512];
    /* A non-empty directory where the file should go: rename(2) must fail. */
    char path[512];
    snprintf(path, sizeof path, "%s/z.csv", d);
    cr_assert_eq(mkdir(path, 0777), 0);
    put_file(d, "z.csv/keep", "x");
    blr_report_file rf;
    cr_assert_eq(blr_report_open(&rf, d, "z.csv", err, sizeof err), 0, "%s", err);
    fputs("data\n", rf.f);
    cr_assert_eq(blr_report_close(&rf, err, sizeof err), -1);
    cr_assert(strstr(err, "z.csv: error: cannot rename"), "%s", err);
    cr_assert_not(exists(d, "z.csv.tmp"));
    remove_tree(d);
}

/* ---- CSV files --------------------------------------------------------------------------- */

/* The hyperparameter columns runs.csv ends with. */
#define HYPER                                                                                 \
    "nu,base_scale,lr,lr2,beta1,beta2,temperature,prior_precision,init_offset,init_a,fisher,"  \
    "eps,hess_init,hessian,clip_radius,init_sd,mc_train,mc_test,batch_size,planned_epochs,"   \
    "schedule,warmup_epochs,rng"

Test(report, runs_csv_header_and_row)
{
    char *d = make_tmpdir(), err[512], line[512];
    const char *names[] = {"affine-laplace"};
    blr_experiment *ex = experiment(names, 1,
                                    BIT(BLR_METRIC_ACC) | BIT(BLR_METRIC_NLL) |
                                        BIT(BLR_METRIC_OOD_AUROC));
    blr_variant *v = &ex->variants[0];
    blr_method_cfg_defaults(&v->method_cfg);
    v->method_cfg.base = (blr_base){BLR_BASE_STUDENT_T, 3.0, 0.005};
    v->method_cfg.lr2 = 0.05;
    v->method_cfg.prior_precision = 25; /* as the config copies it from the variant's train */
    v->train = (blr_train_cfg){.epochs = 26, .batch_size = 50, .mc_train = 32, .mc_test = 8,
                               .prior_precision = 25, .temperature = 1,
                               .schedule = BLR_SCHEDULE_COSINE_EPOCH, .warmup_epochs = 0.5,
                               .rng_gsl = 1};
    blr_run_result r = run("affine-laplace", 2, BLR_STATUS_OK);
    snprintf(r.rule, sizeof r.rule, "lie-affine");
    snprintf(r.base, sizeof r.base, "laplace");
    r.epochs = 5;
    r.train_seconds = 1.5;
    r.metric[BLR_METRIC_ACC] = 1.0 / 3.0; /* %.9g: 0.333333333 */
    r.metric[BLR_METRIC_NLL] = 0.25;
    r.metric[BLR_METRIC_ECE] = 0.125;     /* not selected: no column */
    r.objective = -1.25;
    r.posterior_sd_median = 0.125;
    r.invalid_updates = 3;
    r.peak_rss_mib = 12.5;
    cr_assert_eq(blr_report_write_tables(d, ex, &r, 1, NULL, 0, NULL, 0, err, sizeof err), 0,
                 "%s", err);
    char *s = slurp(d, "runs.csv");
    cr_assert_str_eq(line_of(s, 0, line, sizeof line),
                     "variant,rule,base,seed,status,epochs,train_seconds,acc,nll,ood_auroc,"
                     "objective,posterior_sd_median,invalid_updates,peak_rss_mib," HYPER);
    cr_assert_str_eq(line_of(s, 1, line, sizeof line),
                     "affine-laplace,lie-affine,laplace,2,ok,5,1.5,0.333333333,0.25,nan,-1.25,"
                     "0.125,3,12.5,3,0.005,0.1,0.05,0.9,0.999,1,25,1e-05,1,0,1e-08,1,price,0,"
                     "0.001,32,8,50,26,cosine-epoch,0.5,gsl");
    free(s);
    for (const char *const *f = (const char *const[]){"curves.csv", "reliability.csv",
                                                       "summary.csv", "table.md", "table.tex",
                                                       NULL};
         *f; f++) {
        cr_assert(exists(d, *f), "%s missing", *f);
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%s.tmp", *f);
        cr_assert_not(exists(d, tmp));
    }
    free(ex);
    remove_tree(d);
}

Test(report, regression_columns_follow_the_metric_order)
{
    char *d = make_tmpdir(), err[512], line[512];
    const char *names[] = {"sgd"};
    blr_experiment *ex = experiment(names, 1, BIT(BLR_METRIC_RMSE) | BIT(BLR_METRIC_NLL) |
                                                  BIT(BLR_METRIC_BAYES_RMSE));
    blr_run_result r = run("sgd", 0, BLR_STATUS_DIVERGED);
    cr_assert_eq(blr_report_write_tables(d, ex, &r, 1, NULL, 0, NULL, 0, err, sizeof err), 0,
                 "%s", err);
    char *s = slurp(d, "runs.csv");
    cr_assert_str_eq(line_of(s, 0, line, sizeof line),
                     "variant,rule,base,seed,status,epochs,train_seconds,rmse,nll,bayes_rmse,"
                     "objective,posterior_sd_median,invalid_updates,peak_rss_mib," HYPER);
    cr_assert_str_eq(line_of(s, 1, line, sizeof line),
                     "sgd,sgd,dirac,0,diverged,0,0,nan,nan,nan,nan,nan,0,nan,"
                     ",0,0,0,0,0,0,0,0,0,0,0,0,price,0,0,0,0,0,0,constant,0,fast");
    free(s);
    free(ex);
    remove_tree(d);
}

Test(report, curves_and_reliability_rows_quote_names)
{
    char *d = make_tmpdir(), err[512], line[512];
    const char *names[] = {"a"};
    blr_experiment *ex = experiment(names, 1, BIT(BLR_METRIC_ACC));
    blr_curve_row c = {.seed = 1, .epoch = 2, .train_loss = 0.5, .acc = 0.75, .nll = NAN,
                       .ece = 0.0625, .seconds = 3, .posterior_sd_median = 0.125};
    snprintf(c.variant, sizeof c.variant, "x,\"y\"");
    blr_reliability rel;
    memset(&rel, 0, sizeof rel);
    snprintf(rel.variant, sizeof rel.variant, "a");
    rel.seed = 4;
    rel.bins = 2;
    rel.conf[0] = 0.25;
    rel.acc[0] = 0.5;
    rel.count[0] = 7;
    rel.conf[1] = NAN;
    rel.acc[1] = NAN;
    cr_assert_eq(blr_report_write_tables(d, ex, NULL, 0, &c, 1, &rel, 1, err, sizeof err), 0,
                 "%s", err);
    char *s = slurp(d, "curves.csv");
    cr_assert_str_eq(s, "variant,seed,epoch,train_loss,acc,nll,ece,seconds,posterior_sd_median\n"
                        "\"x,\"\"y\"\"\",1,2,0.5,0.75,nan,0.0625,3,0.125\n");
    free(s);
    s = slurp(d, "reliability.csv");
    cr_assert_str_eq(s, "variant,seed,bin,conf,acc,count\na,4,0,0.25,0.5,7\na,4,1,nan,nan,0\n");
    free(s);
    /* No runs: the variant's row says 0/0 and its metric is missing. */
    s = slurp(d, "table.md");
    cr_assert_str_eq(line_of(s, 2, line, sizeof line), "| a | – | 0/0 |");
    free(s);
    free(ex);
    remove_tree(d);
}

Test(report, summary_mean_and_sd_over_ok_runs)
{
    char *d = make_tmpdir(), err[512], line[512];
    const char *names[] = {"a", "b", "c"};
    blr_experiment *ex = experiment(names, 3, BIT(BLR_METRIC_ACC));
    blr_run_result r[6];
    /* a: ok runs with acc 0.5, 0.75, 1.0 -> mean 0.75, sd sqrt((0.25² + 0 + 0.25²)/2) = 0.25;
     * its diverged run (acc 0) does not count. train_seconds 1, 2, 3 -> mean 2, sd 1. */
    const double acc[4] = {0.5, 0.75, 1.0, 0.0};
    for (int i = 0; i < 4; i++) {
        r[i] = run("a", i, i == 3 ? BLR_STATUS_DIVERGED : BLR_STATUS_OK);
        r[i].metric[BLR_METRIC_ACC] = acc[i];
        r[i].train_seconds = i + 1;
        r[i].objective = 2.0;
        r[i].posterior_sd_median = 0.0;
    }
    /* b: one ok run -> sd nan. c: only a failed run -> mean nan. */
    r[4] = run("b", 0, BLR_STATUS_OK);
    r[4].metric[BLR_METRIC_ACC] = 0.125;
    r[4].train_seconds = 4;
    r[4].objective = 1;
    r[4].posterior_sd_median = 0.5;
    r[5] = run("c", 0, BLR_STATUS_FAILED);
    cr_assert_eq(blr_report_write_tables(d, ex, r, 6, NULL, 0, NULL, 0, err, sizeof err), 0,
                 "%s", err);
    char *s = slurp(d, "summary.csv");
    cr_assert_str_eq(line_of(s, 0, line, sizeof line),
                     "variant,rule,base,n_ok,n,acc_mean,acc_sd,acc_se,acc_p,acc_p_holm,"
                     "objective_mean,objective_sd,objective_se,train_seconds_mean,"
                     "train_seconds_sd,train_seconds_se,posterior_sd_median_mean,"
                     "posterior_sd_median_sd,posterior_sd_median_se");
    /* se = sd/sqrt(3): acc 0.25/sqrt(3) = 0.144337567, train_seconds 1/sqrt(3). acc_p and
     * acc_p_holm: nan for the reference a, for b (one pair) and for c (no ok run). */
    cr_assert_str_eq(line_of(s, 1, line, sizeof line),
                     "a,sgd,dirac,3,4,0.75,0.25,0.144337567,nan,nan,2,0,0,2,1,0.577350269,0,0,0");
    cr_assert_str_eq(line_of(s, 2, line, sizeof line),
                     "b,sgd,dirac,1,1,0.125,nan,nan,nan,nan,1,nan,nan,4,nan,nan,0.5,nan,nan");
    cr_assert_str_eq(line_of(s, 3, line, sizeof line),
                     "c,sgd,dirac,0,1,nan,nan,nan,nan,nan,nan,nan,nan,nan,nan,nan,nan,nan,nan");
    free(s);
    /* The table counts the runs that did not finish; a's best mean is not bold: the
     * runner-up b shares one seed with it. */
    s = slurp(d, "table.md");
    cr_assert_str_eq(line_of(s, 2, line, sizeof line), "| a | 0.7500 ± 0.1443 | 3/4 |");
    cr_assert_str_eq(line_of(s, 3, line, sizeof line), "| b | 0.1250 | 1/1 |");
    cr_assert_str_eq(line_of(s, 4, line, sizeof line), "| c | – | 0/1 |");
    cr_assert(strstr(s, "Not ok: a 1 diverged; c 1 failed.\n"), "%s", s);
    free(s);
    free(ex);
    remove_tree(d);
}

/* Two variants, two runs each. acc: a 0.875/0.925 (mean 0.9, sd 0.05/sqrt(2), se 0.025),
 * b 0.8/0.8; nll: a 0.5/0.5, b 0.25/0.35 (mean 0.3, sd 0.1/sqrt(2), se 0.05).
 * Best means: acc (higher) a, nll (lower) b; with two seeds neither is bold nor marked. */
static blr_experiment *two_variant_tables(const char *dir, const char *a, const char *b)
{
    const char *names[] = {a, b};
    blr_experiment *ex = experiment(names, 2, BIT(BLR_METRIC_ACC) | BIT(BLR_METRIC_NLL) |
                                                  BIT(BLR_METRIC_BAYES_ACC));
    const double acc[4] = {0.875, 0.925, 0.8, 0.8}, nll[4] = {0.5, 0.5, 0.25, 0.35};
    blr_run_result r[4];
    for (int i = 0; i < 4; i++) {
        r[i] = run(i < 2 ? a : b, i % 2, BLR_STATUS_OK);
        r[i].metric[BLR_METRIC_ACC] = acc[i];
        r[i].metric[BLR_METRIC_NLL] = nll[i];
    }
    char err[512];
    cr_assert_eq(blr_report_write_tables(dir, ex, r, 4, NULL, 0, NULL, 0, err, sizeof err), 0,
                 "%s", err);
    return ex;
}

Test(report, table_md_with_two_seeds_has_no_bold_and_no_marks_and_says_so)
{
    char *d = make_tmpdir(), line[512];
    blr_experiment *ex = two_variant_tables(d, "a", "b");
    char *s = slurp(d, "table.md");
    cr_assert_str_eq(line_of(s, 0, line, sizeof line), "| variant | acc | nll | bayes\\_acc | n |");
    cr_assert_str_eq(line_of(s, 1, line, sizeof line), "|---|---:|---:|---:|---:|");
    cr_assert_str_eq(line_of(s, 2, line, sizeof line),
                     "| a | 0.9000 ± 0.0250 | 0.5000 ± 0.0000 | – | 2/2 |");
    cr_assert_str_eq(line_of(s, 3, line, sizeof line),
                     "| b | 0.8000 ± 0.0000 | 0.3000 ± 0.0500 | – | 2/2 |");
    cr_assert_null(strstr(s, "Not ok"));
    cr_assert_null(strstr(s, "†\n"), "%s", s);
    cr_assert(strstr(s, "\nNo significance marks: fewer than 3 seeds are paired with a.\n"),
              "%s", s);
    cr_assert(strstr(s, "only where it differs from the runner-up's by a two-sided paired "
                        "t-test over at least 3 seeds"), "%s", s);
    free(s);
    free(ex);
    remove_tree(d);
}

/* Reference a: acc (0.80, 0.82, 0.84), se 0.02/sqrt(3) = 0.0115. b: (0.90, 0.93, 0.94),
 * differences (0.10, 0.11, 0.10), t = 31 with 2 df, p = 1 - 31/sqrt(2 + 31²) = 0.001037;
 * c: (0.81, 0.81, 0.85), differences (0.01, -0.01, 0.01): t = 0.5, p = 1 - 0.5/1.5 = 2/3.
 * Holm over {b, c}: b 2 × 0.001037 = 0.002075 (marked), c max(0.002075, 2/3) (not).
 * Bold: b's best mean against the runner-up c, differences (0.09, 0.12, 0.09): t = 10,
 * p = 1 - 10/sqrt(102) = 0.0099 < 0.05. */
Test(report, tables_mark_significant_differences_from_the_reference)
{
    char *d = make_tmpdir(), line[512], err[512];
    const char *names[] = {"a", "b", "c"};
    blr_experiment *ex = experiment(names, 3, BIT(BLR_METRIC_ACC));
    const double acc[9] = {0.80, 0.82, 0.84, 0.90, 0.93, 0.94, 0.81, 0.81, 0.85};
    blr_run_result r[9];
    for (int i = 0; i < 9; i++) {
        r[i] = run(names[i / 3], i % 3, BLR_STATUS_OK);
        r[i].metric[BLR_METRIC_ACC] = acc[i];
    }
    cr_assert_eq(blr_report_write_tables(d, ex, r, 9, NULL, 0, NULL, 0, err, sizeof err), 0,
                 "%s", err);
    char *s = slurp(d, "table.md");
    cr_assert_str_eq(line_of(s, 2, line, sizeof line), "| a | 0.8200 ± 0.0115 | 3/3 |");
    cr_assert_str_eq(line_of(s, 3, line, sizeof line), "| b | **0.9233 ± 0.0120** † | 3/3 |");
    cr_assert_str_eq(line_of(s, 4, line, sizeof line), "| c | 0.8233 ± 0.0133 | 3/3 |");
    cr_assert(strstr(s, "† differs from a: two-sided paired t-test over the seeds where both "
                        "runs are ok, Holm-corrected per column"), "%s", s);
    cr_assert_null(strstr(s, "fewer than 3 seeds"), "%s", s);
    free(s);
    s = slurp(d, "table.tex");
    cr_assert(strstr(s, "$\\mathbf{0.9233 \\pm 0.0120}^{\\dagger}$"), "%s", s);
    free(s);
    s = slurp(d, "summary.csv");
    double p, holm;
    cr_assert(strstr(line_of(s, 1, line, sizeof line), ",nan,nan,"), "reference: %s", line);
    cr_assert_eq(sscanf(line_of(s, 2, line, sizeof line),
                        "b,sgd,dirac,3,3,%*[^,],%*[^,],%*[^,],%lf,%lf", &p, &holm), 2, "%s", line);
    cr_assert(fabs(p - (1 - 31 / sqrt(963))) < 1e-6 && fabs(holm - 2 * p) < 1e-9,
              "b: p %.9g, holm %.9g", p, holm);
    cr_assert_eq(sscanf(line_of(s, 3, line, sizeof line),
                        "c,sgd,dirac,3,3,%*[^,],%*[^,],%*[^,],%lf,%lf", &p, &holm), 2, "%s", line);
    cr_assert(fabs(p - 2.0 / 3.0) < 1e-6 && fabs(holm - p) < 1e-9, "c: p %.9g, holm %.9g", p,
              holm);
    free(s);
    /* Another reference moves the marks: against b, a (p 0.001037, Holm 0.002075) and c
     * (p 0.0099, Holm max(0.002075, 0.0099)) both differ. */
    ex->reference = 1;
    cr_assert_eq(blr_report_write_tables(d, ex, r, 9, NULL, 0, NULL, 0, err, sizeof err), 0,
                 "%s", err);
    s = slurp(d, "table.md");
    cr_assert_str_eq(line_of(s, 2, line, sizeof line), "| a | 0.8200 ± 0.0115 † | 3/3 |");
    cr_assert_str_eq(line_of(s, 3, line, sizeof line), "| b | **0.9233 ± 0.0120** | 3/3 |");
    cr_assert_str_eq(line_of(s, 4, line, sizeof line), "| c | 0.8233 ± 0.0133 † | 3/3 |");
    free(s);
    free(ex);
    remove_tree(d);
}

/* Holm against raw p: three variants against a over 3 seeds; differences (d, d + e, d - e)
 * give t = d sqrt(3) / e with 2 df, p = 1 - t/sqrt(2 + t²). d = 0.1: b e = 0.001
 * (p 3.33e-5), c e = 0.03 (p 0.02871), x e = 0.035 (p 0.03849): all below 0.05 raw.
 * Holm, m = 3: b 3 × 3.33e-5 = 1.0e-4 (marked); c 2 × 0.02871 = 0.05743, x max(0.05743,
 * 0.03849) = 0.05743 (not marked). */
Test(report, holm_correction_removes_marks_that_the_raw_test_would_give)
{
    char *d = make_tmpdir(), line[512], err[512];
    const char *names[] = {"a", "b", "c", "x"};
    blr_experiment *ex = experiment(names, 4, BIT(BLR_METRIC_NLL));
    const double rows[4][3] = {{0.5, 0.5, 0.5}, {0.6, 0.601, 0.599}, {0.6, 0.63, 0.57},
                               {0.6, 0.635, 0.565}};
    const double raw[4] = {NAN, 3.333166676e-05, 0.0287141376, 0.0384911703};
    const double holm[4] = {NAN, 3 * raw[1], 2 * raw[2], 2 * raw[2]};
    blr_run_result r[12];
    for (int i = 0; i < 12; i++) {
        r[i] = run(names[i / 3], i % 3, BLR_STATUS_OK);
        r[i].metric[BLR_METRIC_NLL] = rows[i / 3][i % 3];
    }
    cr_assert_eq(blr_report_write_tables(d, ex, r, 12, NULL, 0, NULL, 0, err, sizeof err), 0,
                 "%s", err);
    char *s = slurp(d, "table.md");
    cr_assert(strstr(line_of(s, 3, line, sizeof line), " † |"), "b: %s", line);
    cr_assert_null(strstr(line_of(s, 4, line, sizeof line), "†"), "c: %s", line);
    cr_assert_null(strstr(line_of(s, 5, line, sizeof line), "†"), "x: %s", line);
    free(s);
    s = slurp(d, "summary.csv");
    for (int v = 1; v < 4; v++) {
        double p, h;
        cr_assert_eq(sscanf(line_of(s, v + 1, line, sizeof line),
                            "%*[^,],sgd,dirac,3,3,%*[^,],%*[^,],%*[^,],%lf,%lf", &p, &h), 2,
                     "%s", line);
        cr_assert(fabs(p - raw[v]) < 1e-6 * raw[v] && fabs(h - holm[v]) < 1e-6 * holm[v],
                  "%s: p %.9g holm %.9g", names[v], p, h);
    }
    free(s);
    free(ex);
    remove_tree(d);
}

Test(report, table_tex_has_booktabs_rules_and_escapes)
{
    char *d = make_tmpdir(), line[512];
    blr_experiment *ex = two_variant_tables(d, "my_var", "b&c");
    char *s = slurp(d, "table.tex");
    cr_assert_str_eq(line_of(s, 1, line, sizeof line), "\\begin{tabular}{lrrrr}");
    cr_assert_str_eq(line_of(s, 2, line, sizeof line), "\\toprule");
    cr_assert_str_eq(line_of(s, 3, line, sizeof line),
                     "variant & acc & nll & bayes\\_acc & $n$ \\\\");
    cr_assert_str_eq(line_of(s, 4, line, sizeof line), "\\midrule");
    cr_assert_str_eq(line_of(s, 5, line, sizeof line),
                     "my\\_var & $0.9000 \\pm 0.0250$ & $0.5000 \\pm 0.0000$ & -- & "
                     "2/2 \\\\");
    cr_assert_str_eq(line_of(s, 6, line, sizeof line),
                     "b\\&c & $0.8000 \\pm 0.0000$ & $0.3000 \\pm 0.0500$ & -- & "
                     "2/2 \\\\");
    cr_assert_str_eq(line_of(s, 7, line, sizeof line), "\\bottomrule");
    cr_assert_str_eq(line_of(s, 8, line, sizeof line), "\\end{tabular}");
    free(s);
    free(ex);
    remove_tree(d);
}

Test(report, table_precision_follows_the_magnitude)
{
    char *d = make_tmpdir(), err[512], line[512];
    const char *names[] = {"a", "b", "c"};
    blr_experiment *ex = experiment(names, 3, BIT(BLR_METRIC_RMSE));
    /* 12.3125 (exact in binary) -> 4 significant digits = 2 decimals: 12.31;
     * 0.000125 -> below 1e-3: %.3e; 0 -> 4 decimals. One seed: nothing is bold. */
    const double v[3] = {12.3125, 0.000125, 0.0};
    blr_run_result r[3];
    for (int i = 0; i < 3; i++) {
        r[i] = run(names[i], 0, BLR_STATUS_OK);
        r[i].metric[BLR_METRIC_RMSE] = v[i];
    }
    cr_assert_eq(blr_report_write_tables(d, ex, r, 3, NULL, 0, NULL, 0, err, sizeof err), 0,
                 "%s", err);
    char *s = slurp(d, "table.md");
    cr_assert_str_eq(line_of(s, 2, line, sizeof line), "| a | 12.31 | 1/1 |");
    cr_assert_str_eq(line_of(s, 3, line, sizeof line), "| b | 1.250e-04 | 1/1 |");
    cr_assert_str_eq(line_of(s, 4, line, sizeof line), "| c | 0.0000 | 1/1 |");
    free(s);
    free(ex);
    remove_tree(d);
}

Test(report, write_tables_rejects_bad_input)
{
    char *d = make_tmpdir(), err[512];
    const char *names[] = {"a"};
    blr_experiment *ex = experiment(names, 1, BIT(BLR_METRIC_ACC));
    blr_run_result r = run("stranger", 0, BLR_STATUS_OK);
    cr_assert_eq(blr_report_write_tables(d, ex, &r, 1, NULL, 0, NULL, 0, err, sizeof err), -1);
    cr_assert(strstr(err, "variant 'stranger'"), "%s", err);
    cr_assert_not(exists(d, "runs.csv"));

    blr_reliability rel;
    memset(&rel, 0, sizeof rel);
    snprintf(rel.variant, sizeof rel.variant, "a");
    rel.bins = 65;
    cr_assert_eq(blr_report_write_tables(d, ex, NULL, 0, NULL, 0, &rel, 1, err, sizeof err), -1);
    cr_assert(strstr(err, "65 bins"), "%s", err);

    char missing[600];
    snprintf(missing, sizeof missing, "%s/file", d);
    put_file(d, "file", "x");
    cr_assert_eq(blr_report_write_tables(missing, ex, NULL, 0, NULL, 0, NULL, 0, err,
                                         sizeof err), -1);
    cr_assert(strstr(err, "/file: error: cannot create directory"), "%s", err);
    free(ex);
    remove_tree(d);
}

Test(report, posterior_file)
{
    char *d = make_tmpdir(), err[512];
    const float mean[2] = {0.5f, -1.0f}, sd[2] = {0.25f, NAN};
    cr_assert_eq(blr_report_write_posterior(d, "affine-gaussian", 3, mean, sd, 2, err,
                                            sizeof err), 0, "%s", err);
    char *s = slurp(d, "posterior/affine-gaussian-s3.csv");
    cr_assert_str_eq(s, "index,mean,sd\n0,0.5,0.25\n1,-1,nan\n");
    free(s);
    cr_assert_eq(blr_report_write_posterior(d, "a/b", 0, mean, sd, 2, err, sizeof err), -1);
    cr_assert(strstr(err, "'a/b'"), "%s", err);
    remove_tree(d);
}

/* ---- manifest ---------------------------------------------------------------------------- */

Test(report, manifest_json_text)
{
    char *d = make_tmpdir(), err[512];
    blr_manifest man = {
        .experiment = "quick", .file = "dir \"q\"\\x.yaml\nnext", .file_sha256 = "ab",
        .profile = "", .overrides = "set train.epochs=1\n", .git_commit = "abc-dirty",
        .compiler = "cc\t1", .cflags = "-O2",
        .gsl_version = "2.7", .openblas_version = NULL, .yaml_version = "0.2.5",
        .host = "h\x01", .start_utc = "s", .end_utc = "e", .scored_on = "test set",
        .shard = "2/3", .threads = 2,
    };
    blr_run_result r[2] = {run("sgd", 0, BLR_STATUS_OK), run("a\"b", 1, BLR_STATUS_DIVERGED)};
    r[0].train_seconds = 1.25;
    r[1].train_seconds = NAN;
    r[0].peak_rss_mib = 3.5;
    r[1].peak_rss_mib = NAN;
    r[0].rss_bound_mib = 70.25;
    r[1].rss_bound_mib = NAN;
    cr_assert_eq(blr_report_write_manifest(d, &man, r, 2, err, sizeof err), 0, "%s", err);
    char *s = slurp(d, "manifest.json");
    cr_assert_str_eq(s, "{\n"
                        "  \"experiment\": \"quick\",\n"
                        "  \"file\": \"dir \\\"q\\\"\\\\x.yaml\\nnext\",\n"
                        "  \"file_sha256\": \"ab\",\n"
                        "  \"profile\": \"\",\n"
                        "  \"overrides\": \"set train.epochs=1\\n\",\n"
                        "  \"git_commit\": \"abc-dirty\",\n"
                        "  \"source_patch_sha256\": null,\n"
                        "  \"compiler\": \"cc\\t1\",\n"
                        "  \"cflags\": \"-O2\",\n"
                        "  \"gsl_version\": \"2.7\",\n"
                        "  \"openblas_version\": null,\n"
                        "  \"yaml_version\": \"0.2.5\",\n"
                        "  \"host\": \"h\\u0001\",\n"
                        "  \"start_utc\": \"s\",\n"
                        "  \"end_utc\": \"e\",\n"
                        "  \"scored_on\": \"test set\",\n"
                        "  \"shard\": \"2/3\",\n"
                        "  \"threads\": 2,\n"
                        "  \"runs\": [\n"
                        "    {\"variant\": \"sgd\", \"seed\": 0, \"status\": \"ok\", "
                        "\"train_seconds\": 1.25, \"peak_rss_mib\": 3.5, "
                        "\"rss_bound_mib\": 70.25},\n"
                        "    {\"variant\": \"a\\\"b\", \"seed\": 1, \"status\": \"diverged\", "
                        "\"train_seconds\": null, \"peak_rss_mib\": null, "
                        "\"rss_bound_mib\": null}\n"
                        "  ]\n"
                        "}\n");
    free(s);
    cr_assert_eq(blr_report_write_manifest(d, &man, NULL, 0, err, sizeof err), 0, "%s", err);
    s = slurp(d, "manifest.json");
    cr_assert(strstr(s, "  \"threads\": 2,\n  \"runs\": []\n}\n"), "%s", s);
    free(s);
    cr_assert(!exists(d, "source.patch"), "a clean build wrote a patch");
    remove_tree(d);
}

/* A -dirty build's patch (here a fake one, "abc": FIPS 180-4's first example) lands in
 * source.patch byte for byte, its sha256 in the manifest. */
Test(report, manifest_writes_the_source_patch)
{
    char *d = make_tmpdir(), err[512];
    static const unsigned char patch[] = {'a', 'b', 'c'};
    blr_manifest man = {.experiment = "quick", .git_commit = "abc-dirty",
                        .source_patch = patch, .source_patch_len = sizeof patch};
    cr_assert_eq(blr_report_write_manifest(d, &man, NULL, 0, err, sizeof err), 0, "%s", err);
    char *s = slurp(d, "source.patch");
    cr_assert_str_eq(s, "abc");
    free(s);
    s = slurp(d, "manifest.json");
    cr_assert(strstr(s, "  \"git_commit\": \"abc-dirty\",\n  \"source_patch_sha256\": "
                        "\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\",\n"),
              "%s", s);
    free(s);
    remove_tree(d);
}

Test(report, status_names)
{
    cr_assert_str_eq(blr_status_name(BLR_STATUS_OK), "ok");
    cr_assert_str_eq(blr_status_name(BLR_STATUS_DIVERGED), "diverged");
    cr_assert_str_eq(blr_status_name(BLR_STATUS_FAILED), "failed");
}

/* ---- SHA-256: FIPS 180-4 example vectors (NIST CSRC "SHA256.pdf", "SHA2_Additional") ---- */

static void sha_hex(const void *data, size_t n, size_t chunk, char hex[65])
{
    blr_sha256 s;
    unsigned char dg[32];
    blr_sha256_init(&s);
    const unsigned char *p = data;
    for (size_t at = 0; at < n; at += chunk)
        blr_sha256_update(&s, p + at, n - at < chunk ? n - at : chunk);
    blr_sha256_final(&s, dg);
    blr_sha256_hex(dg, hex);
}

Test(report_sha256, standard_vectors_in_any_chunking)
{
    static const struct {
        const char *msg, *hex;
    } v[] = {
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmn"
         "opqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    };
    char hex[65];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        for (size_t chunk = 1; chunk <= 200; chunk += 63) {
            sha_hex(v[i].msg, strlen(v[i].msg), chunk, hex);
            cr_assert_str_eq(hex, v[i].hex, "vector %zu, chunks of %zu", i, chunk);
        }
}

Test(report_sha256, one_million_a)
{
    size_t n = 1000000;
    char *a = malloc(n), hex[65];
    memset(a, 'a', n);
    sha_hex(a, n, 4096, hex);
    cr_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
}

Test(report_sha256, file_hash_and_missing_file)
{
    char *d = make_tmpdir(), path[512], hex[65];
    put_file(d, "abc.txt", "abc");
    snprintf(path, sizeof path, "%s/abc.txt", d);
    cr_assert_eq(blr_sha256_file(path, hex), 0);
    cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    snprintf(path, sizeof path, "%s/none.txt", d);
    cr_assert_eq(blr_sha256_file(path, hex), -1);
    cr_assert_str_eq(hex, "");
    remove_tree(d);
}

/* ---- figures ----------------------------------------------------------------------------- */

static int have_gnuplot(void) { return system("command -v gnuplot >/dev/null 2>&1") == 0; }

/* What a figure's program computed: gnuplot run in d with the -e commands `commands` (loads
 * and prints; print writes to stderr), what it printed. Free it. */
static char *gnuplot_prints(const char *d, const char *commands)
{
    char cmd[1600];
    snprintf(cmd, sizeof cmd, "cd '%s' && gnuplot -e 'set terminal dumb' %s >/dev/null 2>out.txt",
             d, commands);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    return slurp(d, "out.txt");
}

/* Two variants over two seeds and two epochs, reliability diagrams, posterior files. */
static void write_fixture(const char *d)
{
    char err[512];
    const char *names[] = {"affine-student-t", "sgd"};
    blr_experiment *ex = experiment(names, 2, BIT(BLR_METRIC_ACC) | BIT(BLR_METRIC_NLL));
    blr_run_result r[4];
    blr_curve_row c[8];
    blr_reliability rel[4];
    memset(rel, 0, sizeof rel);
    for (int i = 0; i < 4; i++) {
        r[i] = run(names[i % 2], i / 2, BLR_STATUS_OK);
        r[i].metric[BLR_METRIC_ACC] = 0.8;
        snprintf(rel[i].variant, sizeof rel[i].variant, "%s", names[i % 2]);
        rel[i].seed = i / 2;
        rel[i].bins = 10;
        for (int e = 0; e < 2; e++) {
            blr_curve_row *row = &c[2 * i + e];
            memset(row, 0, sizeof *row);
            snprintf(row->variant, sizeof row->variant, "%s", names[i % 2]);
            row->seed = i / 2;
            row->epoch = e + 1;
            /* affine-student-t epoch 1: nll 0.5 (seed 0), 0.7 (seed 1) -> mean 0.6,
             * sd sqrt(0.1² + 0.1²) = 0.141421356. */
            row->nll = e == 0 && i % 2 == 0 ? (i / 2 ? 0.7 : 0.5) : 0.4;
            row->acc = 0.5 + 0.1 * e;
        }
    }
    /* affine-student-t bin 5: seed 0 count 10 at (conf 0.5, acc 0.4), seed 1 count 30 at
     * (0.7, 0.8) -> pooled conf (5 + 21)/40 = 0.65, acc (4 + 24)/40 = 0.7, count 40.
     * Bin 3 is empty in both seeds and must not be drawn. */
    for (int i = 0; i < 4; i++)
        for (int b = 4; b < 10; b++) {
            rel[i].conf[b] = rel[i].acc[b] = (b + 0.5) / 10;
            rel[i].count[b] = 5;
        }
    rel[0].conf[5] = 0.5, rel[0].acc[5] = 0.4, rel[0].count[5] = 10;
    rel[2].conf[5] = 0.7, rel[2].acc[5] = 0.8, rel[2].count[5] = 30;
    cr_assert_eq(blr_report_write_tables(d, ex, r, 4, c, 8, rel, 4, err, sizeof err), 0, "%s",
                 err);
    const float m[3] = {1, 2, 3}, s[3] = {0.1f, 0.2f, 0.3f};
    const char *post[] = {"sgd", "affine-student-t", "exact"};
    for (int i = 0; i < 3; i++)
        cr_assert_eq(blr_report_write_posterior(d, post[i], 0, m, s, 3, err, sizeof err), 0);
    cr_assert_eq(blr_report_write_posterior(d, "sgd", 7, m, s, 2, err, sizeof err), 0);
    free(ex);
}

Test(report_plot, draws_every_figure_with_its_script_and_data)
{
    if (!have_gnuplot())
        cr_skip_test("gnuplot is not in PATH");
    char *d = make_tmpdir(), err[512];
    write_fixture(d);
    cr_assert_eq(blr_report_plot(d, 0, err, sizeof err), 0, "%s", err);
    const char *figs[] = {"curves", "reliability", "posterior"};
    const char *ext[] = {"png", "svg", "gp"};
    for (int f = 0; f < 3; f++)
        for (int e = 0; e < 3; e++) {
            char name[64];
            snprintf(name, sizeof name, "%s.%s", figs[f], ext[e]);
            cr_assert(exists(d, name), "%s missing", name);
            snprintf(name, sizeof name, "%s.%s.tmp", figs[f], ext[e]);
            cr_assert_not(exists(d, name), "%s left behind", name);
        }
    char *png = slurp(d, "curves.png");
    cr_assert_eq(memcmp(png, "\x89PNG\r\n\x1a\n", 8), 0);
    free(png);
    char *svg = slurp(d, "reliability.svg");
    cr_assert(strstr(svg, "<svg"));
    free(svg);

    /* What the programs draw, read back from their own variables: affine-student-t's epoch
     * 1 NLL, mean and sample sd over its two seeds; no panel for the posterior sd (0 here).
     * Its reliability bin 5 pooled over the seeds (count-weighted), its ECE = sum over bins
     * of count × |acc - conf| / all predictions = (28 - 26) / 90; bin 3 is empty. */
    char *out = gnuplot_prints(d, "-e 'load \"curves.gp\"' -e 'print mean(1, 1, 1), sd(1, 1, 1), "
                               "mean(2, 2, 2), shown[1], shown[2], shown[3], names' "
                               "-e 'load \"reliability.gp\"' -e 'print conf(1, 5), acc(1, 5), "
                               "n[at2(1, 5)], n[at2(1, 3)], ece[1], total[1], bins'");
    cr_assert_str_eq(out, "0.6 0.14142135623731 60.0 1 1 0  affine-student-t sgd \n"
                          "0.65 0.7 40.0 0 0.0222222222222222 90.0 10\n");
    free(out);
    char *dat;
    /* sgd has seeds 0 and 7: seed 0 is drawn; exact comes first. */
    dat = slurp(d, "posterior.dat");
    cr_assert(strstr(dat, "\n\"exact\" \"posterior/exact-s0.csv\" 0\n"
                          "\"affine-student-t\" \"posterior/affine-student-t-s0.csv\" 0\n"
                          "\"sgd\" \"posterior/sgd-s0.csv\" 0\n"), "%s", dat);
    free(dat);
    /* The programs that drew the figures sit beside them, and redraw them from inside the
     * directory. */
    for (int f = 0; f < 3; f++) {
        char name[64], *copy, *orig;
        snprintf(name, sizeof name, "%s.gp", figs[f]);
        copy = slurp(d, name);
        orig = slurp("plots", name);
        cr_assert_str_eq(copy, orig, "%s is not a copy of plots/%s", name, name);
        free(copy);
        free(orig);
    }
    cr_assert(exists(d, "style.gp") && exists(d, "runs.gp"));
    char cmd[600];
    snprintf(cmd, sizeof cmd, "cd '%s' && rm reliability.png && gnuplot reliability.gp", d);
    cr_assert_eq(system(cmd), 0);
    cr_assert(exists(d, "reliability.png"));
    remove_tree(d);
}

/* Width and height of a PNG, from its IHDR chunk (bytes 16-23, big-endian). */
static void png_size(const char *dir, const char *name, unsigned long *w, unsigned long *h)
{
    char *png = slurp(dir, name);
    const unsigned char *p = (const unsigned char *)png;
    cr_assert_eq(memcmp(p, "\x89PNG\r\n\x1a\n", 8), 0);
    *w = (unsigned long)p[16] << 24 | (unsigned long)p[17] << 16 | (unsigned long)p[18] << 8 |
         p[19];
    *h = (unsigned long)p[20] << 24 | (unsigned long)p[21] << 16 | (unsigned long)p[22] << 8 |
         p[23];
    free(png);
}

static void put_posteriors(const char *d, const char *const *files, int n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/posterior", d);
    cr_assert_eq(mkdir(path, 0777), 0);
    for (int k = 0; k < n; k += 2)
        put_file(d, files[k], files[k + 1]);
}

/* Panel (b) of the posterior figure, (mean - exact mean) / exact sd, as plots/posterior.gp
 * computes it: read back through gnuplot's table output from its own functions. */
Test(report_plot, posterior_against_exact_adds_mean_error_and_sd_ratio_panels)
{
    if (!have_gnuplot())
        cr_skip_test("gnuplot is not in PATH");
    char *d = make_tmpdir(), err[512];
    /* Exact: coordinate 0 mean 1 sd 0.5, 1: mean -2 sd 0.25, 2: sd 0 (nothing to measure
     * against). affine: z = (1.1 - 1) / 0.5 = 0.2, sd ratio 0.55 / 0.5 = 1.1; sgd is a point
     * mass. No runs.csv: name order after exact. */
    const char *files[] = {"posterior/exact-s0.csv", "index,mean,sd\n0,1,0.5\n1,-2,0.25\n2,0,0\n",
                           "posterior/affine-s0.csv",
                           "index,mean,sd\n0,1.1,0.55\n1,-2.05,0.2\n2,3,0.1\n",
                           "posterior/sgd-s0.csv", "index,mean,sd\n0,1,0\n1,-2,0\n2,0,0\n"};
    put_posteriors(d, files, 6);
    cr_assert_eq(blr_report_plot(d, 1u << BLR_FIGURE_POSTERIOR, err, sizeof err), 0, "%s",
                 err);
    char *dat = slurp(d, "posterior.dat");
    cr_assert(strstr(dat, "\n\"exact\" \"posterior/exact-s0.csv\" 0\n\"affine\" "
                          "\"posterior/affine-s0.csv\" 0\n\"sgd\""), "%s", dat);
    free(dat);
    unsigned long w, h;
    png_size(d, "posterior.png", &w, &h);
    cr_assert(w == 1000 && h == 900, "%lux%lu", w, h);
    char *out = gnuplot_prints(d, "-e 'load \"posterior.gp\"' -e 'print sprintf(\"z %g ratio %g "
                               "mass %d %d\", z(0, 1.1), ratio(0, 0.55), point_mass[2], "
                               "point_mass[3])'");
    cr_assert(strstr(out, "z 0.2 ratio 1.1 mass 0 1"), "%s", out);
    free(out);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "cd '%s' && rm posterior.png posterior.svg && gnuplot posterior.gp",
             d);
    cr_assert_eq(system(cmd), 0);
    cr_assert(exists(d, "posterior.png") && exists(d, "posterior.svg"));
    remove_tree(d);
}

/* Exact N(0, 1) twice; "far" has z = 8 and sd ratio 0.04, past ±10 tolerances and [0.5, 2]:
 * one far-off method would squeeze a linear axis and hide everyone else's errors, so (b)
 * turns to an asinh axis and (c) to a log axis. */
Test(report_plot, far_off_method_gets_asinh_and_log_axes)
{
    if (!have_gnuplot())
        cr_skip_test("gnuplot is not in PATH");
    char *d = make_tmpdir(), err[512];
    const char *files[] = {"posterior/exact-s0.csv", "index,mean,sd\n0,0,1\n1,0,1\n",
                           "posterior/far-s0.csv", "index,mean,sd\n0,8,0.04\n1,0,1\n"};
    put_posteriors(d, files, 4);
    cr_assert_eq(blr_report_plot(d, 0, err, sizeof err), 0, "%s", err);
    char *out = gnuplot_prints(d, "-e 'load \"posterior.gp\"' "
                               "-e 'print z_scaled, r_scaled, zmax, rmin'");
    cr_assert_str_eq(out, "1 1 8.0 0.04\n");
    free(out);
    remove_tree(d);
}

Test(report_plot, posterior_without_exact_is_one_panel)
{
    if (!have_gnuplot())
        cr_skip_test("gnuplot is not in PATH");
    char *d = make_tmpdir(), err[512], line[512];
    const char *files[] = {"posterior/a-s3.csv", "index,mean,sd\n0,1,0.5\n1,-2,0\n"};
    put_posteriors(d, files, 2);
    cr_assert_eq(blr_report_plot(d, 0, err, sizeof err), 0, "%s", err);
    char *dat = slurp(d, "posterior.dat");
    cr_assert_str_eq(line_of(dat, 1, line, sizeof line), "\"a\" \"posterior/a-s3.csv\" 3");
    free(dat);
    unsigned long w, h;
    png_size(d, "posterior.png", &w, &h);
    cr_assert(w == 1000 && h == 520, "%lux%lu", w, h);
    remove_tree(d);
}

Test(report_plot, asked_figures_need_their_data)
{
    if (!have_gnuplot())
        cr_skip_test("gnuplot is not in PATH");
    char *d = make_tmpdir(), err[512];
    put_file(d, "curves.csv", "variant,seed,epoch,train_loss,acc,nll,ece,seconds\n"
                              "a,0,1,0.5,nan,0.4,nan,1\n");
    cr_assert_eq(blr_report_plot(d, 1u << BLR_FIGURE_CURVES, err, sizeof err), 0, "%s", err);
    cr_assert(exists(d, "curves.png"));
    cr_assert_not(exists(d, "reliability.gp"));
    cr_assert_eq(blr_report_plot(d, 1u << BLR_FIGURE_RELIABILITY, err, sizeof err), -1);
    cr_assert(strstr(err, "/reliability.csv: error: figure 'reliability' has no data"), "%s",
              err);
    cr_assert_eq(blr_report_plot(d, 1u << BLR_FIGURE_POSTERIOR, err, sizeof err), -1);
    cr_assert(strstr(err, "posterior"), "%s", err);
    cr_assert_eq(blr_report_plot(d, 1u << BLR_FIGURE_FILTERS, err, sizeof err), -1);
    cr_assert(strstr(err, "/filters/*.csv: error: figure 'filters' has no data (no such file)"),
              "%s", err);
    remove_tree(d);
}

Test(report_plot, empty_or_missing_directory_is_an_error)
{
    char *d = make_tmpdir(), err[512];
    cr_assert_eq(blr_report_plot(d, 0, err, sizeof err), -1);
    cr_assert(strstr(err, "nothing to draw"), "%s", err);
    /* A regression run leaves a header-only reliability.csv: still nothing to draw. */
    put_file(d, "reliability.csv", "variant,seed,bin,conf,acc,count\n");
    cr_assert_eq(blr_report_plot(d, 0, err, sizeof err), -1);
    cr_assert(strstr(err, "nothing to draw"), "%s", err);
    /* Every run diverged in its first epoch: no value to draw. */
    put_file(d, "curves.csv", "variant,seed,epoch,train_loss,acc,nll,ece,seconds\n"
                              "a,0,1,nan,nan,nan,nan,1\n");
    cr_assert_eq(blr_report_plot(d, 0, err, sizeof err), -1);
    cr_assert(strstr(err, "nothing to draw"), "%s", err);
    cr_assert_eq(blr_report_plot(d, 1u << BLR_FIGURE_CURVES, err, sizeof err), -1);
    cr_assert(strstr(err, "/curves.csv: error: figure 'curves' has no data (no rows with "
                          "values)"), "%s", err);
    char gone[600];
    snprintf(gone, sizeof gone, "%s/none", d);
    cr_assert_eq(blr_report_plot(gone, 0, err, sizeof err), -1);
    cr_assert(strstr(err, "/none: error: not a results directory"), "%s", err);
    remove_tree(d);
}

Test(report_plot, malformed_csv_names_file_line_and_column)
{
    char *d = make_tmpdir(), err[512];
    const char *header = "variant,seed,epoch,train_loss,acc,nll,ece,seconds\n";
    char text[512];
    snprintf(text, sizeof text, "%sa,0,1,0.5,0.8,0.4,0.1,1\na,0,2,0.5,abc,0.4,0.1,1\n", header);
    put_file(d, "curves.csv", text);
    cr_assert_eq(blr_report_plot(d, 0, err, sizeof err), -1);
    cr_assert(strstr(err, "/curves.csv:3:5: error: 'abc' is not a number"), "%s", err);

    snprintf(text, sizeof text, "%sa,0,1,0.5\n", header);
    put_file(d, "curves.csv", text);
    cr_assert_eq(blr_report_plot(d, 0, err, sizeof err), -1);
    cr_assert(strstr(err, "/curves.csv:2:5: error: 4 fields, the header has 8"), "%s", err);

    put_file(d, "curves.csv", "variant,seed,epoch\n");
    cr_assert_eq(blr_report_plot(d, 0, err, sizeof err), -1);
    cr_assert(strstr(err, "/curves.csv:1: error: the header has no column 'nll'"), "%s", err);

    snprintf(text, sizeof text, "%s\"a,0,1,0.5,0.8,0.4,0.1,1\n", header);
    put_file(d, "curves.csv", text);
    cr_assert_eq(blr_report_plot(d, 0, err, sizeof err), -1);
    cr_assert(strstr(err, "/curves.csv:2:1: error: malformed quoted field"), "%s", err);

    put_file(d, "curves.csv", "");
    cr_assert_eq(blr_report_plot(d, 0, err, sizeof err), -1);
    cr_assert(strstr(err, "/curves.csv:1: error: no header line"), "%s", err);

    put_file(d, "reliability.csv", "variant,seed,bin,conf,acc,count\nb,0,-1,0.5,0.5,3\n");
    cr_assert_eq(blr_report_plot(d, 1u << BLR_FIGURE_RELIABILITY, err, sizeof err), -1);
    cr_assert(strstr(err, "/reliability.csv:2:3: error: '-1' is not an integer >= 0"), "%s",
              err);
    remove_tree(d);
}

Test(report_plot, unreadable_csv_is_an_error)
{
    char *d = make_tmpdir(), err[512], path[512];
    /* A directory named runs.csv opens but cannot be read (root reads any file, so
     * permissions would not do). */
    snprintf(path, sizeof path, "%s/runs.csv", d);
    cr_assert_eq(mkdir(path, 0777), 0);
    cr_assert_eq(blr_report_plot(d, 0, err, sizeof err), -1);
    cr_assert(strstr(err, "/runs.csv:1: error: cannot read"), "%s", err);
    remove_tree(d);
}

Test(report_plot, gnuplot_failures_are_reported)
{
    char *d = make_tmpdir(), err[512], bin[600];
    put_file(d, "curves.csv", "variant,seed,epoch,train_loss,acc,nll,ece,seconds\n"
                              "a,0,1,0.5,0.8,0.4,0.1,1\n");
    char *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
    /* No gnuplot anywhere in PATH. */
    snprintf(bin, sizeof bin, "%s/bin", d);
    cr_assert_eq(mkdir(bin, 0777), 0);
    setenv("PATH", bin, 1);
    cr_assert_eq(blr_report_plot(d, 0, err, sizeof err), -1);
    cr_assert(strstr(err, "gnuplot not found in PATH"), "%s", err);
    /* A gnuplot that fails: its status and message come back. */
    put_file(d, "bin/gnuplot", "#!/bin/sh\necho \"bad line\" >&2\nexit 3\n");
    snprintf(bin, sizeof bin, "%s/bin/gnuplot", d);
    cr_assert_eq(chmod(bin, 0755), 0);
    cr_assert_eq(blr_report_plot(d, 0, err, sizeof err), -1);
    cr_assert(strstr(err, "/curves.gp: error: gnuplot exited with status 3: bad line"), "%s",
              err);
    /* One that exits 0 having drawn nothing is no better. */
    put_file(d, "bin/gnuplot", "#!/bin/sh\nexit 0\n");
    cr_assert_eq(blr_report_plot(d, 0, err, sizeof err), -1);
    cr_assert(strstr(err, "/curves.gp: error: gnuplot drew no curves.png"), "%s", err);
    if (old)
        setenv("PATH", old, 1);
    free(old);
    remove_tree(d);
}

/* A figure's program that fails (here: BLR_PLOTS_DIR holds a curves.gp that draws half a
 * figure, then stops on an error) is an error naming the figure; the figure it was to
 * replace stays as it was, and no temporary file is left behind. */
Test(report_plot, a_failed_redraw_keeps_the_old_figure)
{
    if (!have_gnuplot())
        cr_skip_test("gnuplot is not in PATH");
    char *d = make_tmpdir(), err[512], progs[600];
    put_file(d, "curves.csv", "variant,seed,epoch,train_loss,acc,nll,ece,seconds\n"
                              "a,0,1,0.5,0.8,0.4,0.1,1\n");
    cr_assert_eq(blr_report_plot(d, 0, err, sizeof err), 0, "%s", err);
    char *before = slurp(d, "curves.png");
    snprintf(progs, sizeof progs, "%s/progs", d);
    cr_assert_eq(mkdir(progs, 0777), 0);
    put_file(d, "progs/style.gp", "if (!exists(\"tmp\")) { tmp = \"\" }\n");
    put_file(d, "progs/runs.gp", "");
    put_file(d, "progs/curves.gp", "load \"style.gp\"\nset terminal pngcairo\n"
                                   "set output \"curves.png\" . tmp\nplot x\nplot nosuch(x)\n");
    setenv("BLR_PLOTS_DIR", progs, 1);
    cr_assert_eq(blr_report_plot(d, 0, err, sizeof err), -1);
    cr_assert(strstr(err, "/curves.gp: error: gnuplot exited with status 1: "), "%s", err);
    cr_assert(strstr(err, "undefined function: nosuch"), "%s", err);
    cr_assert(strstr(err, "figure 'curves' left as it was"), "%s", err);
    cr_assert_not(exists(d, "curves.png.tmp"));
    cr_assert_not(exists(d, "curves.svg.tmp"));
    char *after = slurp(d, "curves.png");
    cr_assert_eq(memcmp(before, after, 8), 0);
    cr_assert_str_eq(before + 8, after + 8, "curves.png was overwritten");
    free(before);
    free(after);
    /* A BLR_PLOTS_DIR without the figure's program says so. */
    put_file(d, "reliability.csv", "variant,seed,bin,conf,acc,count\na,0,5,0.5,0.5,3\n");
    cr_assert_eq(blr_report_plot(d, 1u << BLR_FIGURE_RELIABILITY, err, sizeof err), -1);
    cr_assert(strstr(err, "/progs/reliability.gp: error: no such program (BLR_PLOTS_DIR)"), "%s",
              err);
    unsetenv("BLR_PLOTS_DIR");
    remove_tree(d);
}

/* Filters of two variants, seeds 0 and 3 of "mult" (the figure shows the lowest seed). Unit u
 * of "mean" is a one-hot image at pixel (u, u) times -2: scaled to its own max |w| it is -1
 * there and 0 elsewhere; a one-hot filter has Hoyer measure 1. */
static void write_filter_fixture(const char *d, int units)
{
    char err[512];
    static float w[3][16 * 28 * 28];
    memset(w, 0, sizeof w);
    for (int u = 0; u < units; u++) {
        w[0][u * 784 + u * 28 + u] = -2.0f;
        for (int i = 0; i < 784; i++)
            w[1][u * 784 + i] = w[2][u * 784 + i] = 0.5f;
    }
    const char *one[] = {"mean"}, *three[] = {"mean", "g+", "g-"};
    const float *a1[] = {w[0]}, *a3[] = {w[0], w[1], w[2]};
    cr_assert_eq(blr_report_write_filters(d, "add", 0, one, a1, 1, units, 28, err, sizeof err),
                 0, "%s", err);
    cr_assert_eq(blr_report_write_filters(d, "mult", 3, three, a3, 3, units, 28, err,
                                          sizeof err), 0, "%s", err);
    cr_assert_eq(blr_report_write_filters(d, "mult", 0, three, a3, 3, units, 28, err,
                                          sizeof err), 0, "%s", err);
}

Test(report_plot, filters_figure_from_the_filter_files)
{
    if (!have_gnuplot())
        cr_skip_test("gnuplot is not in PATH");
    char *d = make_tmpdir(), err[512], line[512];
    const char *names[] = {"add", "mult"};
    blr_experiment *ex = experiment(names, 2, BIT(BLR_METRIC_ACC));
    blr_run_result r[2] = {run("add", 0, BLR_STATUS_OK), run("mult", 0, BLR_STATUS_OK)};
    cr_assert_eq(blr_report_write_tables(d, ex, r, 2, NULL, 0, NULL, 0, err, sizeof err), 0);
    write_filter_fixture(d, 2);
    char *s = slurp(d, "filters/add-s0.csv");
    cr_assert(strncmp(s, "array,unit,row,c0,c1,", 21) == 0, "%s", line_of(s, 0, line, 512));
    /* Unit 1, row 1: -2 at column 1. */
    cr_assert_str_eq(line_of(s, 1 + 28 + 1, line, sizeof line),
                     "mean,1,1,0,-2,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0");
    free(s);
    cr_assert_eq(blr_report_plot(d, 1u << BLR_FIGURE_FILTERS, err, sizeof err), 0, "%s", err);
    cr_assert(exists(d, "filters.png") && exists(d, "filters.svg"));
    s = slurp(d, "filters.dat");
    /* The key: variant seed array hoyer units row column, one row per panel; add has one
     * array, mult (lowest seed 0) three. */
    cr_assert(strstr(s, "\n\"add\" 0 \"mean\" 1.000 2 1 1\n\"mult\" 0 \"mean\" 1.000 2 2 1\n"
                        "\"mult\" 0 \"g+\" 0.000 2 2 2\n\"mult\" 0 \"g-\" 0.000 2 2 3\n"), "%s", s);
    cr_assert_null(strstr(s, " 3 \""), "seed 3 is not drawn: %s", s);
    /* Panel row 0 of add: unit 0's pixel (0,0) is -1 after scaling, then 27 zeros, the gap,
     * unit 1's row 0 (zeros), then the empty grid cells. */
    cr_assert(strstr(s, "\n# add, mean\n-1.0000 0.0000"), "%s", s);
    free(s);
    free(ex);
    remove_tree(d);
}

Test(report_plot, filter_files_are_checked)
{
    char *d = make_tmpdir(), err[512];
    const char *names[] = {"add"};
    blr_experiment *ex = experiment(names, 1, BIT(BLR_METRIC_ACC));
    blr_run_result r = run("add", 0, BLR_STATUS_OK);
    cr_assert_eq(blr_report_write_tables(d, ex, &r, 1, NULL, 0, NULL, 0, err, sizeof err), 0);
    char sub[512];
    snprintf(sub, sizeof sub, "%s/filters", d);
    cr_assert_eq(mkdir(sub, 0755), 0);
    put_file(d, "filters/add-s0.csv", "array,unit,row,c0\nmean,0,0,1\n");
    cr_assert_eq(blr_report_plot(d, 1u << BLR_FIGURE_FILTERS, err, sizeof err), -1);
    cr_assert(strstr(err, "filters/add-s0.csv:1: error: 4 columns, a filter row needs 31"), "%s",
              err);
    const float w[784] = {0};
    const float *a[] = {w};
    const char *n[] = {"mean"};
    cr_assert_eq(blr_report_write_filters(d, "a/b", 0, n, a, 1, 1, 28, err, sizeof err), -1);
    cr_assert(strstr(err, "cannot be a file name"), "%s", err);
    free(ex);
    remove_tree(d);
}

/* Four variants over two seeds: g-no-fisher / g-fisher share position 0, t-no-fisher /
 * t-fisher position 1. g-fisher bayes_nll: 0.3 and 0.5 -> mean 0.4, sd 0.141421356. */
Test(report_plot, ablation_figure_pairs_fisher_off_and_on)
{
    if (!have_gnuplot())
        cr_skip_test("gnuplot is not in PATH");
    char *d = make_tmpdir(), err[512];
    const char *names[] = {"g-no-fisher", "g-fisher", "t-no-fisher", "t-fisher"};
    blr_experiment *ex = experiment(names, 4, BIT(BLR_METRIC_BAYES_NLL) |
                                                  BIT(BLR_METRIC_BAYES_ECE));
    blr_run_result r[8];
    for (int i = 0; i < 8; i++) {
        r[i] = run(names[i % 4], i / 4, BLR_STATUS_OK);
        r[i].metric[BLR_METRIC_BAYES_NLL] =
            0.3 + 0.1 * (i % 4) + (i == 1 ? -0.1 : i == 5 ? 0.1 : 0.0);
        r[i].metric[BLR_METRIC_BAYES_ECE] = 0.01 * (i % 4 + 1);
    }
    r[7].status = BLR_STATUS_DIVERGED;
    cr_assert_eq(blr_report_write_tables(d, ex, r, 8, NULL, 0, NULL, 0, err, sizeof err), 0);
    /* Unasked, the ablation figure is not drawn for a plain results directory. */
    cr_assert_eq(blr_report_plot(d, 0, err, sizeof err), -1);
    cr_assert_not(exists(d, "ablation.gp"));
    cr_assert_eq(blr_report_plot(d, 1u << BLR_FIGURE_ABLATION, err, sizeof err), 0, "%s", err);
    cr_assert(exists(d, "ablation.png") && exists(d, "ablation.svg"));
    /* plots/ablation.gp summarises runs.csv itself: the model average's columns (no
     * ood_auroc, so no OOD panel), per variant the mean and sample sd over the ok runs, the
     * Fisher twins at one position (g at 0, t at 1), t-fisher's diverged seed under t. */
    char *s = gnuplot_prints(d, "-e 'load \"ablation.gp\"' -e 'print metric[1], metric[2], has[3], "
                             "panels, mean[2], sd[2], mean[4], sd[4], pos(\"g-fisher\"), "
                             "pos(\"t-no-fisher\"), series(\"t-no-fisher\"), "
                             "series(\"g-fisher\"), np' -e 'print tick[2]'");
    cr_assert_str_eq(s, "bayes_nll bayes_ece 0 2 0.4 0.141421356237309 0.6 0 0 1 1 2 2\n"
                        "t\nFisher-scaled runs:\n1/2 diverged\n");
    free(s);
    /* Drawn once, `blr plot DIR` redraws it. */
    cr_assert_eq(remove(strcat(strcpy(err, d), "/ablation.png")), 0);
    cr_assert_eq(blr_report_plot(d, 0, err, sizeof err), 0, "%s", err);
    cr_assert(exists(d, "ablation.png"));
    free(ex);
    remove_tree(d);
}

/* plots/sweep.gp draws a metric against a hyperparameter from runs.csv alone: per group
 * (here lr) the mean over the ok seeds at each x, and the count of runs not ok; sweep.dat
 * holds what the lines show. Too few arguments: usage and exit status 2. */
Test(report_plot, the_sweep_figure_averages_ok_seeds_and_counts_the_rest)
{
    char *d = make_tmpdir(), cmd[1024];
    put_file(d, "runs.csv",
             "variant,rule,base,seed,status,acc,bayes_nll,lr,mc_train\n"
             "m-lr50-mc1,lie-multiplicative,rayleigh,0,diverged,nan,nan,50,1\n"
             "m-lr50-mc1,lie-multiplicative,rayleigh,1,ok,0.5,1.5,50,1\n"
             "m-lr50-mc4,lie-multiplicative,rayleigh,0,ok,0.9,0.25,50,4\n"
             "m-lr50-mc4,lie-multiplicative,rayleigh,1,ok,0.8,0.75,50,4\n"
             "m-lr20-mc1,lie-multiplicative,rayleigh,0,ok,0.6,0.5,20,1\n"
             "m-lr20-mc4,lie-multiplicative,rayleigh,0,ok,0.7,0.4,20,4\n"
             "m-lr20-mc1,lie-multiplicative,rayleigh,1,ok,0.8,0.7,20,1\n"
             "m-lr20-mc4,lie-multiplicative,rayleigh,1,ok,0.7,0.6,20,4\n");
    snprintf(cmd, sizeof cmd,
             "gnuplot -c plots/sweep.gp '%s' mc_train lr '' 'acc bayes_nll' log2 2>/dev/null",
             d);
    cr_assert_eq(system(cmd), 0, "run the tests from the top: %s", cmd);
    char *png = slurp(d, "sweep.png");
    cr_assert_eq(memcmp(png, "\x89PNG\r\n\x1a\n", 8), 0);
    free(png);
    cr_assert(exists(d, "sweep.svg"));
    char *dat = slurp(d, "sweep.dat");
    const char *want[] = {"\"acc, lr 20\"\n# x y type\n 1  0.7  i\n 4  0.7  i\n",
                          "\"acc, lr 50\"\n# x y type\n 1  0.5  i\n 4  0.85  i\n",
                          "\"bayes_nll, lr 50\"\n# x y type\n 1  1.5  i\n 4  0.5  i\n",
                          "\"runs not ok, lr 50\"\n# x y type\n 1  1  i\n 4  0  i\n",
                          "\"runs not ok, lr 20\"\n# x y type\n 1  0  i\n 4  0  i\n"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_assert(strstr(dat, want[i]), "%s not in\n%s", want[i], dat);
    free(dat);
    snprintf(cmd, sizeof cmd, "gnuplot -c plots/sweep.gp '%s' mc_train >/dev/null 2>&1", d);
    int rc = system(cmd);
    cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 2, "status %d", rc);
    remove_tree(d);
}
