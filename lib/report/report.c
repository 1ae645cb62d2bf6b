/* Result files (docs/experiments.md, "Result files"): atomic writers, the CSV files and
 * manifest.json. The summary, tables and README.md are in tables.c, figures in plot.c.
 *
 * Number formats: CSV and JSON numbers use %.9g (round-trips a float; NAN is "nan" in CSV,
 * null in JSON). */
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sha256.h"
#include "tables.h"

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

void blr_report_csv_num(FILE *f, double x)
{
    if (isnan(x))
        fputs("nan", f);
    else if (isinf(x))
        fputs(x > 0 ? "inf" : "-inf", f);
    else
        fprintf(f, "%.9g", x);
}

/* RFC 4180 quoting, only when the text needs it. */
void blr_report_csv_str(FILE *f, const char *s)
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
        blr_report_csv_num(f, m->base.nu);
    fputc(',', f);
    blr_report_csv_num(f, m->base.scale);
    for (size_t i = 0; i < BLR_HYPER_COUNT; i++) {
        const blr_hyper *h = &blr_hypers[i];
        double x = blr_hyper_get(m, h);
        fputc(',', f);
        if (h->type == BLR_HYPER_WORD)
            fputs(h->words[(int)x], f);
        else
            blr_report_csv_num(f, x);
    }
    fprintf(f, ",%d,%d,%d,%d,%s,", t->mc_train, t->mc_test, t->batch_size, t->epochs,
            blr_schedule_names[t->schedule]);
    blr_report_csv_num(f, t->warmup_epochs);
    fprintf(f, ",%s", t->rng_gsl ? "gsl" : "fast");
}

static void write_runs(FILE *f, const blr_experiment *ex, const blr_run_result *runs,
                       size_t n_runs)
{
    fputs("variant,rule,base,seed,status,epochs,train_seconds", f);
    for (int m = 0; m < BLR_METRIC_COUNT; m++)
        if ((ex->metrics >> m) & 1u)
            fprintf(f, ",%s", blr_metric_name((blr_metric)m));
    fputs(",objective,posterior_sd_median,invalid_updates,peak_rss_mib,", f);
    write_hyper_header(f);
    fputc('\n', f);
    for (size_t i = 0; i < n_runs; i++) {
        const blr_run_result *r = &runs[i];
        blr_report_csv_str(f, r->variant);
        fputc(',', f);
        blr_report_csv_str(f, r->rule);
        fputc(',', f);
        blr_report_csv_str(f, r->base);
        fprintf(f, ",%d,%s,%d,", r->seed, blr_status_name(r->status), r->epochs);
        blr_report_csv_num(f, r->train_seconds);
        for (int m = 0; m < BLR_METRIC_COUNT; m++)
            if ((ex->metrics >> m) & 1u) {
                fputc(',', f);
                blr_report_csv_num(f, r->metric[m]);
            }
        fputc(',', f);
        blr_report_csv_num(f, r->objective);
        fputc(',', f);
        blr_report_csv_num(f, r->posterior_sd_median);
        fprintf(f, ",%ld,", r->invalid_updates);
        blr_report_csv_num(f, r->peak_rss_mib);
        fputc(',', f);
        write_hyper(f, find_variant(ex, r->variant));
        fputc('\n', f);
    }
}

static void write_curves(FILE *f, const blr_curve_row *c, size_t n)
{
    fputs("variant,seed,epoch,train_loss,acc,nll,ece,seconds,posterior_sd_median\n", f);
    for (size_t i = 0; i < n; i++) {
        blr_report_csv_str(f, c[i].variant);
        fprintf(f, ",%d,%d", c[i].seed, c[i].epoch);
        const double v[] = {c[i].train_loss, c[i].acc, c[i].nll, c[i].ece, c[i].seconds,
                            c[i].posterior_sd_median};
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
            fputc(',', f);
            blr_report_csv_num(f, v[k]);
        }
        fputc('\n', f);
    }
}

static void write_reliability(FILE *f, const blr_reliability *rel, size_t n)
{
    fputs("variant,seed,bin,conf,acc,count\n", f);
    for (size_t i = 0; i < n; i++)
        for (int b = 0; b < rel[i].bins; b++) {
            blr_report_csv_str(f, rel[i].variant);
            fprintf(f, ",%d,%d,", rel[i].seed, b);
            blr_report_csv_num(f, rel[i].conf[b]);
            fputc(',', f);
            blr_report_csv_num(f, rel[i].acc[b]);
            fprintf(f, ",%ld\n", rel[i].count[b]);
        }
}

/* ---- writers ----------------------------------------------------------------------------- */

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
    /* The summary first: it refuses runs of variants the experiment does not define before
     * any file is written. */
    if (blr_tables_write(dir, ex, runs, n_runs, err, errlen) != 0)
        return -1;
    static const char *const names[] = {"runs.csv", "curves.csv", "reliability.csv"};
    int rc = 0;
    for (int k = 0; k < 3 && rc == 0; k++) {
        blr_report_file rf;
        rc = blr_report_open(&rf, dir, names[k], err, errlen);
        if (rc != 0)
            break;
        if (k == 0)
            write_runs(rf.f, ex, runs, n_runs);
        else if (k == 1)
            write_curves(rf.f, curves, n_curves);
        else
            write_reliability(rf.f, rel, n_rel);
        rc = blr_report_close(&rf, err, errlen);
    }
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
        blr_report_csv_num(f, mean[i]);
        fputc(',', f);
        blr_report_csv_num(f, sd[i]);
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
                blr_report_csv_str(f, names[a]);
                fprintf(f, ",%d,%d", u, y);
                const float *px = arrays[a] + ((size_t)u * (size_t)side + (size_t)y) * (size_t)side;
                for (int c = 0; c < side; c++) {
                    fputc(',', f);
                    blr_report_csv_num(f, px[c]);
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

/* DIR/source.patch and its sha256 as hex. */
static int write_source_patch(const char *dir, const blr_manifest *man, char hex[65], char *err,
                              size_t errlen)
{
    blr_report_file rf;
    if (blr_report_open(&rf, dir, "source.patch", err, errlen) != 0)
        return -1;
    fwrite(man->source_patch, 1, man->source_patch_len, rf.f);
    blr_sha256 s;
    unsigned char digest[32];
    blr_sha256_init(&s);
    blr_sha256_update(&s, man->source_patch, man->source_patch_len);
    blr_sha256_final(&s, digest);
    blr_sha256_hex(digest, hex);
    return blr_report_close(&rf, err, errlen);
}

int blr_report_write_manifest(const char *dir, const blr_manifest *man,
                              const blr_run_result *runs, size_t n_runs, char *err,
                              size_t errlen)
{
    if (n_runs && !runs) {
        snprintf(err, errlen, "error: NULL array for %zu runs", n_runs);
        return -1;
    }
    char patch_sha256[65];
    if (man->source_patch_len &&
        write_source_patch(dir, man, patch_sha256, err, errlen) != 0)
        return -1;
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
        {"git_commit", man->git_commit},
        {"source_patch_sha256", man->source_patch_len ? patch_sha256 : NULL},
        {"compiler", man->compiler},
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

