/* Choosing a tuning's grid points (tune.h). The candidates are read from runs.csv and
 * grouped by the variant of the final experiment each grid point belongs to (the config's
 * tuned_as), never by parsing names. */
#include "tune.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "config.h"
#include "report.h"
#include "resultdir.h"
#include "runner.h"

typedef struct {
    char tuned_as[BLR_NAME_LEN], variant[BLR_NAME_LEN], grid[256];
    int runs, ok;
    double sum; /* of the metric over the ok runs */
} candidate;

typedef struct {
    candidate *c;
    size_t n, cap;
    blr_tune_cfg rule;       /* the first round's metric and direction */
    char file[BLR_PATH_LEN], sha[65], scored[128], name[64];
} tuning;

static candidate *candidate_of(tuning *t, const blr_variant *v)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->c[i].variant, v->name) == 0 && strcmp(t->c[i].grid, v->grid) == 0 &&
            strcmp(t->c[i].tuned_as, v->tuned_as) == 0)
            return &t->c[i];
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        candidate *c = realloc(t->c, cap * sizeof *c);
        if (!c)
            return NULL;
        t->c = c;
        t->cap = cap;
    }
    candidate *c = &t->c[t->n++];
    memset(c, 0, sizeof *c);
    snprintf(c->tuned_as, sizeof c->tuned_as, "%s", v->tuned_as);
    snprintf(c->variant, sizeof c->variant, "%s", v->name);
    snprintf(c->grid, sizeof c->grid, "%s", v->grid);
    return c;
}

/* Counts every run of ex in the candidates, and the ok ones' metric from dir/runs.csv (the
 * summary of the records, which committed tunings keep without the records). */
static int read_runs(tuning *t, const blr_experiment *ex, const char *dir, char *err,
                     size_t errlen)
{
    blr_resultset *rs = calloc(1, sizeof *rs);
    if (!rs) {
        snprintf(err, errlen, "error: out of memory");
        return 2;
    }
    int rc = blr_resultset_read(dir, rs, err, errlen) == 0 ? 0 : 2;
    const blr_metric m = t->rule.metric;
    if (rc == 0 && !(rs->metrics & (1u << m))) {
        snprintf(err, errlen, "%s/runs.csv: error: no %s column (the tuning's metric)", dir,
                 blr_metric_name(m));
        rc = 2;
    }
    for (int v = 0; rc == 0 && v < ex->n_variants; v++) {
        candidate *c = candidate_of(t, &ex->variants[v]);
        if (!c) {
            snprintf(err, errlen, "error: out of memory");
            rc = 2;
            break;
        }
        c->runs += ex->n_seeds;
    }
    for (size_t i = 0; rc == 0 && i < rs->n_runs; i++) {
        const blr_run_result *r = &rs->runs[i];
        if (r->status != BLR_STATUS_OK || !isfinite(r->metric[m]))
            continue;
        for (int v = 0; v < ex->n_variants; v++) {
            if (strcmp(ex->variants[v].name, r->variant) != 0)
                continue;
            candidate *c = candidate_of(t, &ex->variants[v]);
            c->ok++;
            c->sum += r->metric[m];
        }
    }
    blr_resultset_free(rs);
    free(rs);
    return rc;
}

/* Adds one round's runs. */
static int read_round(tuning *t, const char *dir, int first, char *err, size_t errlen)
{
    blr_identity id;
    if (blr_identity_read(dir, &id, err, errlen) != 0)
        return 2;
    blr_config_opts o;
    if (blr_config_opts_parse(id.overrides, id.profile, &o) != 0) {
        snprintf(err, errlen, "%s: error: manifest.json's overrides are not blr's", dir);
        return 2;
    }
    o.tune = 1;
    o.tuned = NULL;
    blr_experiment *ex = malloc(sizeof *ex);
    if (!ex) {
        snprintf(err, errlen, "error: out of memory");
        return 2;
    }
    int rc = blr_config_load_opts(id.file, &o, ex, err, errlen) == 0 ? 0 : 2;
    if (rc == 0 && first) {
        t->rule = ex->tune;
        snprintf(t->file, sizeof t->file, "%s", id.file);
        snprintf(t->sha, sizeof t->sha, "%s", id.file_sha256);
        snprintf(t->name, sizeof t->name, "%s", ex->name);
        if (ex->data.validation)
            snprintf(t->scored, sizeof t->scored, "%zu validation examples held out of the "
                     "training set", ex->data.validation);
    } else if (rc == 0 && t->rule.present && strcmp(id.file, t->file) != 0) {
        snprintf(err, errlen, "%s: error: a round of another file (%s, not %s)", dir, id.file,
                 t->file);
        rc = 2;
    }
    if (rc == 0)
        rc = read_runs(t, ex, dir, err, errlen);
    free(ex);
    return rc;
}

static int better(const tuning *t, double a, double b)
{
    return t->rule.maximize ? a > b : a < b;
}

static int write_choices(const tuning *t, const char *out_dir, char *err, size_t errlen)
{
    blr_report_file md, yaml;
    if (blr_report_open(&md, out_dir, "choice.md", err, errlen) != 0)
        return 4;
    if (blr_report_open(&yaml, out_dir, "choice.yaml", err, errlen) != 0) {
        blr_report_abort(&md);
        return 4;
    }
    FILE *m = md.f, *y = yaml.f;
    const char *metric = blr_metric_name(t->rule.metric), *dir = t->rule.maximize ? "max" : "min";
    fprintf(m, "# Tuning choices: %s (%s)\n\nFor each variant, the grid point with the %s mean "
            "validation %s over its seeds, among the points whose runs all ended ok; scored on "
            "%s.\n\n| variant | chosen | validation %s | grid points | all runs ok |\n"
            "|---|---|---:|---:|---:|\n", t->name, t->file,
            t->rule.maximize ? "highest" : "lowest", metric,
            t->scored[0] ? t->scored : "the validation split", metric);
    fprintf(y, "# blr tune's choices for %s: blr run %s --tuned %s applies them.\n"
            "file: %s\nfile_sha256: %s\nmetric: %s\ndirection: %s\nchoices:\n", t->file,
            t->file, out_dir, t->file, t->sha, metric, dir);
    for (size_t i = 0; i < t->n; i++) {
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(t->c[j].tuned_as, t->c[i].tuned_as) == 0;
        if (seen)
            continue;
        const candidate *best = NULL;
        int points = 0, all_ok = 0;
        for (size_t j = i; j < t->n; j++) {
            const candidate *c = &t->c[j];
            if (strcmp(c->tuned_as, t->c[i].tuned_as) != 0)
                continue;
            points++;
            if (c->runs == 0 || c->ok < c->runs)
                continue;
            all_ok++;
            if (!best || better(t, c->sum / c->ok, best->sum / best->ok))
                best = c;
        }
        if (best) {
            fprintf(m, "| %s | %s | %.6g | %d | %d |\n", best->tuned_as,
                    best->grid[0] ? best->grid : "(nothing tuned)", best->sum / best->ok,
                    points, all_ok);
            fprintf(y, "  %s: {%s}\n", best->tuned_as, best->grid);
        } else {
            fprintf(m, "| %s | none: no grid point with all runs ok | - | %d | 0 |\n",
                    t->c[i].tuned_as, points);
        }
    }
    if (blr_report_close(&md, err, errlen) != 0) {
        blr_report_abort(&yaml);
        return 4;
    }
    return blr_report_close(&yaml, err, errlen) == 0 ? 0 : 4;
}

int blr_tune_choose(const char *const *dirs, int n_dirs, const char *out_dir, char *err,
                    size_t errlen)
{
    tuning t;
    memset(&t, 0, sizeof t);
    int rc = 0;
    for (int d = 0; d < n_dirs && rc == 0; d++)
        rc = read_round(&t, dirs[d], d == 0, err, errlen);
    if (rc == 0)
        rc = write_choices(&t, out_dir, err, errlen);
    free(t.c);
    return rc;
}
