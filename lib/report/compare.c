/* `blr compare` and `blr table` (compare.h): results directories read back from runs.csv. */
#include "compare.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

/* ---- reading ----------------------------------------------------------------------------- */

#define MAX_FIELDS 256

/* Splits one CSV line in place into fields (RFC 4180 quotes, "" inside quotes); returns the
 * count, or -1 for an unterminated quote or more than MAX_FIELDS fields. */
static int split_csv(char *line, char **field)
{
    int n = 0;
    char *p = line;
    line[strcspn(line, "\r\n")] = '\0';
    for (;;) {
        if (n == MAX_FIELDS)
            return -1;
        char *out = p;
        field[n++] = p;
        if (*p == '"') {
            for (p++;; p++) {
                if (*p == '\0')
                    return -1;
                if (*p == '"' && p[1] == '"')
                    p++;
                else if (*p == '"')
                    break;
                *out++ = *p;
            }
            p++;
            if (*p != ',' && *p != '\0')
                return -1;
        } else {
            while (*p && *p != ',')
                *out++ = *p++;
        }
        int last = *p == '\0';
        *out = '\0';
        if (last)
            return n;
        p++;
    }
}

static int column(char **head, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(head[i], name) == 0)
            return i;
    return -1;
}

/* A number of runs.csv ("nan", "inf" included); an empty cell is NAN. */
static int parse_num(const char *s, double *x)
{
    char *end;
    if (!*s) {
        *x = NAN;
        return 0;
    }
    errno = 0;
    *x = strtod(s, &end);
    return *end ? -1 : 0;
}

typedef struct {
    int variant, rule, base, seed, status, epochs, seconds, objective, sd_median, invalid, rss;
    int metric[BLR_METRIC_COUNT];
} runs_columns;

static int parse_run(char **f, int nf, const runs_columns *c, blr_run_result *r)
{
    memset(r, 0, sizeof *r);
    if (nf <= c->status || nf <= c->seed || nf <= c->variant || !f[c->variant][0] ||
        strlen(f[c->variant]) >= sizeof r->variant)
        return -1;
    snprintf(r->variant, sizeof r->variant, "%s", f[c->variant]);
    if (c->rule >= 0 && c->rule < nf)
        snprintf(r->rule, sizeof r->rule, "%s", f[c->rule]);
    if (c->base >= 0 && c->base < nf)
        snprintf(r->base, sizeof r->base, "%s", f[c->base]);
    char *end;
    long seed = strtol(f[c->seed], &end, 10);
    if (*end || end == f[c->seed] || seed < 0 || seed > 1000000000)
        return -1;
    r->seed = (int)seed;
    if (strcmp(f[c->status], "ok") == 0)
        r->status = BLR_STATUS_OK;
    else if (strcmp(f[c->status], "diverged") == 0)
        r->status = BLR_STATUS_DIVERGED;
    else if (strcmp(f[c->status], "failed") == 0)
        r->status = BLR_STATUS_FAILED;
    else
        return -1;
    /* The optional columns: a directory from an older blr may lack some. */
    double x;
    struct {
        int col;
        double *to;
    } nums[] = {{c->seconds, &r->train_seconds}, {c->objective, &r->objective},
                {c->sd_median, &r->posterior_sd_median}, {c->rss, &r->peak_rss_mib}};
    for (size_t k = 0; k < sizeof nums / sizeof *nums; k++) {
        *nums[k].to = NAN;
        if (nums[k].col >= 0 && (nums[k].col >= nf || parse_num(f[nums[k].col], nums[k].to)))
            return -1;
    }
    for (int m = 0; m < BLR_METRIC_COUNT; m++) {
        r->metric[m] = NAN;
        if (c->metric[m] >= 0 && (c->metric[m] >= nf || parse_num(f[c->metric[m]], &r->metric[m])))
            return -1;
    }
    if (c->epochs >= 0 && c->epochs < nf && parse_num(f[c->epochs], &x) == 0 && isfinite(x))
        r->epochs = (int)x;
    if (c->invalid >= 0 && c->invalid < nf && parse_num(f[c->invalid], &x) == 0 && isfinite(x))
        r->invalid_updates = (long)x;
    return 0;
}

int blr_resultset_variant(const blr_resultset *rs, const char *name)
{
    for (int v = 0; v < rs->n_variants; v++)
        if (strcmp(rs->variants[v], name) == 0)
            return v;
    return -1;
}

/* A file of dir, or NULL; path gets its name for messages. */
static FILE *open_in(const char *dir, const char *name, char *path, size_t len)
{
    snprintf(path, len, "%s/%s", dir, name);
    return fopen(path, "r");
}

static int read_runs(FILE *f, const char *path, blr_resultset *rs, char *err, size_t errlen)
{
    char *line = NULL, *field[MAX_FIELDS];
    size_t cap = 0, alloc = 0;
    runs_columns c = {0};
    int rc = 0;
    long lineno = 0;
    while (rc == 0 && getline(&line, &cap, f) >= 0) {
        lineno++;
        int nf = split_csv(line, field);
        if (nf < 0) {
            snprintf(err, errlen, "%s:%ld: error: malformed CSV line", path, lineno);
            rc = -1;
        } else if (lineno == 1) {
            c = (runs_columns){column(field, nf, "variant"), column(field, nf, "rule"),
                               column(field, nf, "base"), column(field, nf, "seed"),
                               column(field, nf, "status"), column(field, nf, "epochs"),
                               column(field, nf, "train_seconds"),
                               column(field, nf, "objective"),
                               column(field, nf, "posterior_sd_median"),
                               column(field, nf, "invalid_updates"),
                               column(field, nf, "peak_rss_mib"), {0}};
            for (int m = 0; m < BLR_METRIC_COUNT; m++) {
                c.metric[m] = column(field, nf, blr_metric_name((blr_metric)m));
                rs->metrics |= c.metric[m] >= 0 ? 1u << m : 0;
            }
            if (c.variant < 0 || c.seed < 0 || c.status < 0) {
                snprintf(err, errlen, "%s:1: error: not a runs.csv of blr (no variant, seed "
                         "and status columns)", path);
                rc = -1;
            }
        } else if (nf == 1 && !field[0][0]) {
            continue;
        } else {
            if (rs->n_runs == alloc) {
                size_t grown = alloc ? 2 * alloc : 64;
                blr_run_result *p = realloc(rs->runs, grown * sizeof *p);
                if (!p) {
                    snprintf(err, errlen, "%s: error: out of memory", path);
                    rc = -1;
                    break;
                }
                rs->runs = p;
                alloc = grown;
            }
            blr_run_result *r = &rs->runs[rs->n_runs];
            if (parse_run(field, nf, &c, r) != 0) {
                snprintf(err, errlen, "%s:%ld: error: malformed run (variant, seed, status "
                         "ok/diverged/failed and numbers expected)", path, lineno);
                rc = -1;
                break;
            }
            for (size_t i = 0; i < rs->n_runs && rc == 0; i++)
                if (rs->runs[i].seed == r->seed && strcmp(rs->runs[i].variant, r->variant) == 0) {
                    snprintf(err, errlen, "%s:%ld: error: %s seed %d appears twice", path,
                             lineno, r->variant, r->seed);
                    rc = -1;
                }
            if (rc == 0 && blr_resultset_variant(rs, r->variant) < 0) {
                if (rs->n_variants == BLR_MAX_VARIANTS) {
                    snprintf(err, errlen, "%s:%ld: error: more than %d variants", path, lineno,
                             BLR_MAX_VARIANTS);
                    rc = -1;
                } else {
                    snprintf(rs->variants[rs->n_variants++], BLR_NAME_LEN, "%s", r->variant);
                }
            }
            rs->n_runs += rc == 0;
        }
    }
    if (rc == 0 && lineno == 0) {
        snprintf(err, errlen, "%s: error: empty file", path);
        rc = -1;
    }
    free(line);
    return rc;
}

/* summary.csv's <metric>_p_holm columns, when it has them (older directories do not). */
static void read_holm(const char *dir, blr_resultset *rs)
{
    char path[BLR_PATH_LEN + 32], *line = NULL, *field[MAX_FIELDS], *head = NULL;
    size_t cap = 0;
    int col[BLR_METRIC_COUNT], nh = 0;
    char *hf[MAX_FIELDS];
    for (int v = 0; v < BLR_MAX_VARIANTS; v++)
        for (int m = 0; m < BLR_METRIC_COUNT; m++)
            rs->p_holm[v][m] = NAN;
    FILE *f = open_in(dir, "summary.csv", path, sizeof path);
    if (!f)
        return;
    while (getline(&line, &cap, f) >= 0) {
        if (!head) {
            head = strdup(line);
            nh = head ? split_csv(head, hf) : -1;
            for (int m = 0; m < BLR_METRIC_COUNT && nh > 0; m++) {
                char name[64];
                snprintf(name, sizeof name, "%s_p_holm", blr_metric_name((blr_metric)m));
                col[m] = column(hf, nh, name);
                rs->has_holm |= col[m] >= 0;
            }
            continue;
        }
        int nf = split_csv(line, field), v = nf > 0 ? blr_resultset_variant(rs, field[0]) : -1;
        for (int m = 0; m < BLR_METRIC_COUNT && v >= 0 && rs->has_holm; m++)
            if (col[m] >= 0 && col[m] < nf && parse_num(field[col[m]], &rs->p_holm[v][m]) != 0)
                rs->p_holm[v][m] = NAN;
    }
    free(head);
    free(line);
    fclose(f);
}

int blr_resultset_read(const char *dir, blr_resultset *rs, char *err, size_t errlen)
{
    memset(rs, 0, sizeof *rs);
    snprintf(rs->dir, sizeof rs->dir, "%s", dir);
    char path[BLR_PATH_LEN + 32];
    FILE *f = open_in(dir, "runs.csv", path, sizeof path);
    if (!f) {
        snprintf(err, errlen, "%s: error: cannot read (%s): not a results directory of blr",
                 path, strerror(errno));
        return -1;
    }
    int rc = read_runs(f, path, rs, err, errlen);
    fclose(f);
    if (rc != 0) {
        blr_resultset_free(rs);
        return -1;
    }
    read_holm(dir, rs);
    /* The experiment's name from manifest.json's first lines; else the directory's. */
    const char *base = strrchr(dir, '/') && strrchr(dir, '/')[1] ? strrchr(dir, '/') + 1 : dir;
    snprintf(rs->name, sizeof rs->name, "%s", base);
    f = open_in(dir, "manifest.json", path, sizeof path);
    char line[512];
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, " \"experiment\": \"%63[^\"]\"", rs->name) == 1)
            break;
    if (f)
        fclose(f);
    return 0;
}

void blr_resultset_free(blr_resultset *rs)
{
    free(rs->runs);
    rs->runs = NULL;
    rs->n_runs = 0;
}

/* ---- compare ----------------------------------------------------------------------------- */

/* "mean ± se (n)" of the finite values x of one side. */
static void put_side(FILE *f, const double *x, size_t n)
{
    double mean, sd;
    blr_metrics_mean_sd(x, n, &mean, &sd);
    blr_table_cell(f, mean, sd / sqrt((double)n), 0, 0, BLR_TABLE_MD);
    fprintf(f, " (%zu)", n);
}

static int same_seeds(const int *a, size_t na, const int *b, size_t nb)
{
    if (na != nb)
        return 0;
    for (size_t i = 0; i < na; i++) {
        size_t j = 0;
        while (j < nb && b[j] != a[i])
            j++;
        if (j == nb)
            return 0;
    }
    return 1;
}

int blr_compare_write(FILE *f, const blr_resultset *a, const blr_resultset *b, char *err,
                      size_t errlen)
{
    int shared = 0;
    for (int v = 0; v < a->n_variants; v++)
        shared += blr_resultset_variant(b, a->variants[v]) >= 0;
    if (!shared) {
        snprintf(err, errlen, "error: %s and %s share no variant (compare matches variants by "
                 "name)", a->dir, b->dir);
        return -1;
    }
    unsigned metrics = a->metrics & b->metrics;
    if (!metrics) {
        snprintf(err, errlen, "error: %s and %s share no metric column", a->dir, b->dir);
        return -1;
    }
    fprintf(f, "A: %s (%s); B: %s (%s)\n\n| variant | metric | A | B | B − A | test | p |\n"
               "|---|---|---:|---:|---:|---|---:|\n", a->dir, a->name, b->dir, b->name);
    int rows = 0;
    for (int v = 0; v < a->n_variants; v++) {
        const char *name = a->variants[v];
        if (blr_resultset_variant(b, name) < 0)
            continue;
        for (int m = 0; m < BLR_METRIC_COUNT; m++) {
            if (!((metrics >> m) & 1u))
                continue;
            double xa[BLR_MAX_SEEDS], xb[BLR_MAX_SEEDS];
            int sa[BLR_MAX_SEEDS], sb[BLR_MAX_SEEDS];
            size_t na = blr_table_values(a->runs, a->n_runs, name, m, xa, sa);
            size_t nb = blr_table_values(b->runs, b->n_runs, name, m, xb, sb);
            if (na == 0 && nb == 0)
                continue;
            rows++;
            fputs("| ", f);
            blr_table_text(f, name, BLR_TABLE_MD);
            fprintf(f, " | %s | ", blr_metric_name((blr_metric)m));
            put_side(f, xa, na);
            fputs(" | ", f);
            put_side(f, xb, nb);
            double ma, mb, sd;
            blr_metrics_mean_sd(xa, na, &ma, &sd);
            blr_metrics_mean_sd(xb, nb, &mb, &sd);
            char ds[48], unused[48];
            blr_table_format(mb - ma, NAN, ds, unused, sizeof ds);
            fprintf(f, " | %s%s | ", isnan(mb - ma) || mb - ma < 0 ? "" : "+",
                    isnan(mb - ma) ? "–" : ds);
            double p;
            size_t pairs = 0;
            if (same_seeds(sa, na, sb, nb)) {
                p = blr_table_paired_p(b->runs, b->n_runs, name, a->runs, a->n_runs, name, m,
                                       &pairs);
                fprintf(f, "paired, %zu seeds", pairs);
            } else {
                p = blr_metrics_welch_p(xb, nb, xa, na);
                fputs("Welch", f);
            }
            if (isnan(p))
                fputs(" | – |\n", f);
            else
                fprintf(f, " | %.3g |\n", p);
        }
    }
    fprintf(f, "\nmean ± standard error (n: ok runs with a value). Test: two-sided paired "
               "t-test over the seeds when both directories have the same seeds, else Welch's "
               "unpaired t-test; – when a side has fewer than 2 values. p is not corrected for "
               "the %d comparisons of this table; with fewer than %d seeds a small p means "
               "little.\n", rows, BLR_MIN_PAIRS);
    return 0;
}

/* ---- table ------------------------------------------------------------------------------- */

/* Splits a comma-separated list into at most max names (in place in buf). */
static int split_list(const char *list, char *buf, size_t len, char **names, int max)
{
    snprintf(buf, len, "%s", list);
    int n = 0;
    for (char *p = strtok(buf, ","); p; p = strtok(NULL, ",")) {
        if (n == max)
            return -1;
        names[n++] = p;
    }
    return n;
}

int blr_compare_table(FILE *f, const blr_resultset *sets, int n, const char *metrics,
                      const char *variants, blr_table_style st, char *err, size_t errlen)
{
    int cols[BLR_METRIC_COUNT], n_cols = 0;
    char buf[4096], *names[BLR_MAX_VARIANTS];
    if (metrics) {
        int k = split_list(metrics, buf, sizeof buf, names, BLR_METRIC_COUNT);
        for (int i = 0; i < k; i++) {
            blr_metric m;
            if (blr_metric_from_name(names[i], &m) != 0) {
                snprintf(err, errlen, "error: unknown metric '%s' (blr list shows them)",
                         names[i]);
                return -1;
            }
            for (int s = 0; s < n; s++)
                if (!((sets[s].metrics >> m) & 1u)) {
                    snprintf(err, errlen, "error: %s/runs.csv has no metric '%s'", sets[s].dir,
                             names[i]);
                    return -1;
                }
            cols[n_cols++] = (int)m;
        }
        if (k <= 0) {
            snprintf(err, errlen, "error: --metrics needs names like acc,nll");
            return -1;
        }
    } else {
        unsigned common = ~0u;
        for (int s = 0; s < n; s++)
            common &= sets[s].metrics;
        for (int m = 0; m < BLR_METRIC_COUNT; m++)
            if ((common >> m) & 1u)
                cols[n_cols++] = m;
    }
    /* The rows: the named variants, each in at least one set; else every variant. */
    const char *rows[BLR_MAX_VARIANTS];
    int n_rows = 0;
    if (variants) {
        n_rows = split_list(variants, buf, sizeof buf, names, BLR_MAX_VARIANTS);
        for (int i = 0; i < n_rows; i++) {
            int found = 0;
            for (int s = 0; s < n && !found; s++)
                found = blr_resultset_variant(&sets[s], names[i]) >= 0;
            if (!found) {
                snprintf(err, errlen, "error: no directory has variant '%s'", names[i]);
                return -1;
            }
            rows[i] = names[i];
        }
        if (n_rows <= 0) {
            snprintf(err, errlen, "error: --variants needs names like sgd,additive");
            return -1;
        }
    } else {
        for (int s = 0; s < n; s++)
            for (int v = 0; v < sets[s].n_variants; v++) {
                int seen = 0;
                for (int i = 0; i < n_rows && !seen; i++)
                    seen = strcmp(rows[i], sets[s].variants[v]) == 0;
                if (!seen && n_rows < BLR_MAX_VARIANTS)
                    rows[n_rows++] = sets[s].variants[v];
            }
    }
    if (n_cols == 0) {
        snprintf(err, errlen, "error: the directories share no metric column");
        return -1;
    }
    const char *sep = st == BLR_TABLE_MD ? " | " : " & ";
    const char *end = st == BLR_TABLE_MD ? " |\n" : " \\\\\n";
    if (st == BLR_TABLE_TEX) {
        fputs("\\begin{tabular}{l", f);
        for (int s = 0; s < n; s++) {
            for (int c = 0; c < n_cols; c++)
                fputc('r', f);
            fputc('r', f);
        }
        fputs("}\n\\toprule\n", f);
        for (int s = 0; s < n; s++) {
            fprintf(f, " & \\multicolumn{%d}{c}{", n_cols + 1);
            blr_table_text(f, sets[s].name, st);
            fputc('}', f);
        }
        fputs(end, f);
    } else {
        fputs("| ", f);
    }
    fputs(st == BLR_TABLE_MD ? "variant" : "", f);
    for (int s = 0; s < n; s++) {
        for (int c = 0; c < n_cols; c++) {
            fputs(sep, f);
            if (n > 1 && st == BLR_TABLE_MD) {
                blr_table_text(f, sets[s].name, st);
                fputc(' ', f);
            }
            blr_table_text(f, blr_metric_name((blr_metric)cols[c]), st);
        }
        fprintf(f, "%s%s", sep, st == BLR_TABLE_MD ? "n" : "$n$");
    }
    fputs(end, f);
    if (st == BLR_TABLE_MD) {
        fputs("|---", f);
        for (int k = 0; k < n * (n_cols + 1); k++)
            fputs("|---:", f);
        fputs("|\n", f);
    } else {
        fputs("\\midrule\n", f);
    }
    /* Bold per column, within one experiment's rows. */
    int bold[64][BLR_METRIC_COUNT];
    double mean[BLR_MAX_VARIANTS][BLR_METRIC_COUNT], se[BLR_MAX_VARIANTS][BLR_METRIC_COUNT];
    for (int s = 0; s < n && s < 64; s++)
        for (int c = 0; c < n_cols; c++) {
            double col_mean[BLR_MAX_VARIANTS], sd;
            for (int r = 0; r < n_rows; r++) {
                blr_table_stats(sets[s].runs, sets[s].n_runs, rows[r], cols[c], &mean[r][c], &sd,
                                &se[r][c]);
                col_mean[r] = mean[r][c];
            }
            bold[s][c] = blr_table_bold_row(sets[s].runs, sets[s].n_runs, rows, col_mean, n_rows,
                                            cols[c]);
        }
    for (int r = 0; r < n_rows; r++) {
        if (st == BLR_TABLE_MD)
            fputs("| ", f);
        blr_table_text(f, rows[r], st);
        for (int s = 0; s < n; s++) {
            int v = blr_resultset_variant(&sets[s], rows[r]), n_ok = 0, n_all = 0;
            for (size_t i = 0; i < sets[s].n_runs; i++)
                if (strcmp(sets[s].runs[i].variant, rows[r]) == 0) {
                    n_all++;
                    n_ok += sets[s].runs[i].status == BLR_STATUS_OK;
                }
            for (int c = 0; c < n_cols; c++) {
                double m, sd, e;
                blr_table_stats(sets[s].runs, sets[s].n_runs, rows[r], cols[c], &m, &sd, &e);
                fputs(sep, f);
                blr_table_cell(f, m, e, s < 64 && bold[s][c] == r,
                               v >= 0 && sets[s].p_holm[v][cols[c]] < BLR_SIGNIFICANCE, st);
            }
            fputs(sep, f);
            if (v >= 0)
                fprintf(f, "%d/%d", n_ok, n_all);
            else
                fputs(st == BLR_TABLE_MD ? "–" : "--", f);
        }
        fputs(end, f);
    }
    if (st == BLR_TABLE_TEX) {
        fputs("\\bottomrule\n\\end{tabular}\n", f);
        return 0;
    }
    fputs("\nmean ± standard error over the ok runs; n = ok runs / runs.\n", f);
    blr_table_bold_note(f);
    fprintf(f, "† as in each experiment's table.md: differs from its reference variant by a "
               "two-sided paired t-test over the seeds, Holm-corrected per column over the "
               "variants compared with it (adjusted p < %g); no mark with fewer than %d paired "
               "seeds.\n", BLR_SIGNIFICANCE, BLR_MIN_PAIRS);
    for (int s = 0; s < n; s++) {
        int tested = 0;
        for (int v = 0; v < sets[s].n_variants; v++)
            for (int c = 0; c < n_cols; c++)
                tested |= !isnan(sets[s].p_holm[v][cols[c]]);
        if (!sets[s].has_holm)
            fprintf(f, "%s: its summary.csv predates the Holm-corrected p-values, so its columns "
                       "carry no † (`blr report %s` rewrites it).\n", sets[s].name, sets[s].dir);
        else if (!tested)
            fprintf(f, "%s: no significance marks: fewer than %d seeds are paired with its "
                       "reference.\n", sets[s].name, BLR_MIN_PAIRS);
    }
    return 0;
}
