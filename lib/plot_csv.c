/* Reading back our own result CSV files for the figures, and what the figures share
 * (lib/plot.h). */
#include "plot.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Splits s in place at commas, undoing RFC 4180 quotes. Returns 0, or the 1-based column of
 * a malformed field (negative: too many fields). */
static int csv_split(char *s, char **field, int *n)
{
    int k = 0;
    for (;;) {
        if (k == CSV_MAX_FIELDS)
            return -1;
        field[k++] = s;
        if (*s != '"') {
            char *comma = strchr(s, ',');
            if (!comma)
                break;
            *comma = '\0';
            s = comma + 1;
            continue;
        }
        char *out = s, *r = s + 1;
        for (;;) {
            if (*r == '\0')
                return k;
            if (*r == '"' && r[1] != '"')
                break;
            if (*r == '"')
                r++;
            *out++ = *r++;
        }
        r++;
        if (*r != ',' && *r != '\0')
            return k;
        char sep = *r;
        *out = '\0';
        if (sep == '\0')
            break;
        s = r + 1;
    }
    *n = k;
    return 0;
}

/* Reads the next non-empty line into c->field. Returns 1, 0 at the end, -1 on error. */
static int csv_read_line(blr_plot_csv *c, char *err, size_t errlen)
{
    for (;;) {
        errno = 0;
        ssize_t len = getline(&c->buf, &c->cap, c->f);
        if (len < 0) {
            if (ferror(c->f)) {
                snprintf(err, errlen, "%s:%ld: error: cannot read: %s", c->path, c->line + 1,
                         strerror(errno ? errno : EIO));
                return -1;
            }
            return 0;
        }
        c->line++;
        while (len > 0 && (c->buf[len - 1] == '\n' || c->buf[len - 1] == '\r'))
            c->buf[--len] = '\0';
        if (len == 0)
            continue;
        int bad = csv_split(c->buf, c->field, &c->n_fields);
        if (bad < 0) {
            snprintf(err, errlen, "%s:%ld: error: more than %d fields", c->path, c->line,
                     CSV_MAX_FIELDS);
            return -1;
        }
        if (bad > 0) {
            snprintf(err, errlen, "%s:%ld:%d: error: malformed quoted field", c->path, c->line,
                     bad);
            return -1;
        }
        return 1;
    }
}

void blr_plot_csv_close(blr_plot_csv *c)
{
    if (c->f)
        fclose(c->f);
    free(c->buf);
    c->f = NULL;
    c->buf = NULL;
}

/* Opens dir/name and finds the n named columns. Returns 0, 1 when the file does not exist
 * (nothing set in err), -1 on error. */
int blr_plot_csv_open(blr_plot_csv *c, const char *dir, const char *name, const char *const *cols,
                    int n, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    snprintf(c->path, sizeof c->path, "%s/%s", dir, name);
    c->f = fopen(c->path, "r");
    if (!c->f) {
        if (errno == ENOENT)
            return 1;
        snprintf(err, errlen, "%s: error: cannot open: %s", c->path, strerror(errno));
        return -1;
    }
    int rc = csv_read_line(c, err, errlen);
    if (rc == 0)
        snprintf(err, errlen, "%s:1: error: no header line", c->path);
    if (rc != 1) {
        blr_plot_csv_close(c);
        return -1;
    }
    c->n_header = c->n_fields;
    for (int k = 0; k < n; k++) {
        c->col[k] = -1;
        for (int j = 0; j < c->n_fields && c->col[k] < 0; j++)
            if (strcmp(c->field[j], cols[k]) == 0)
                c->col[k] = j;
        if (c->col[k] < 0) {
            snprintf(err, errlen, "%s:%ld: error: the header has no column '%s'", c->path,
                     c->line, cols[k]);
            blr_plot_csv_close(c);
            return -1;
        }
    }
    return 0;
}

/* Next data row, with as many fields as the header. Returns 1, 0 at the end, -1 on error. */
int blr_plot_csv_next(blr_plot_csv *c, char *err, size_t errlen)
{
    int rc = csv_read_line(c, err, errlen);
    if (rc == 1 && c->n_fields != c->n_header) {
        snprintf(err, errlen, "%s:%ld:%d: error: %d fields, the header has %d", c->path,
                 c->line, (c->n_fields < c->n_header ? c->n_fields : c->n_header) + 1,
                 c->n_fields, c->n_header);
        return -1;
    }
    return rc;
}

const char *blr_plot_csv_field(const blr_plot_csv *c, int k) { return c->field[c->col[k]]; }

int blr_plot_csv_find(const blr_plot_csv *c, const char *name)
{
    for (int j = 0; j < c->n_header; j++)
        if (strcmp(c->field[j], name) == 0)
            return j;
    return -1;
}

int blr_plot_csv_double(const blr_plot_csv *c, int k, double *x, char *err, size_t errlen)
{
    const char *s = blr_plot_csv_field(c, k);
    char *end;
    *x = strtod(s, &end);
    if (end == s || *end != '\0') {
        snprintf(err, errlen, "%s:%ld:%d: error: '%s' is not a number", c->path, c->line,
                 c->col[k] + 1, s);
        return -1;
    }
    return 0;
}

int blr_plot_csv_long(const blr_plot_csv *c, int k, long lo, long *x, char *err, size_t errlen)
{
    const char *s = blr_plot_csv_field(c, k);
    char *end;
    errno = 0;
    *x = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno != 0 || *x < lo || *x > 2147483647L) {
        snprintf(err, errlen, "%s:%ld:%d: error: '%s' is not an integer >= %ld", c->path,
                 c->line, c->col[k] + 1, s, lo);
        return -1;
    }
    return 0;
}


/* ---- what the figures share -------------------------------------------------------------- */

int blr_plot_grow(void **p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? 2 * *cap : 64;
    void *q = realloc(*p, c * size);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

int blr_plot_variant_index(blr_plot_data *d, const char *name, const char *where, char *err,
                           size_t errlen)
{
    for (size_t i = 0; i < d->n_var; i++)
        if (strcmp(d->var[i].name, name) == 0)
            return (int)i;
    if (strlen(name) >= BLR_NAME_LEN || !name[0]) {
        snprintf(err, errlen, "%s: error: variant name is empty or longer than %d bytes", where,
                 BLR_NAME_LEN - 1);
        return -1;
    }
    if (blr_plot_grow((void **)&d->var, &d->cap_var, d->n_var, sizeof *d->var) != 0) {
        snprintf(err, errlen, "error: out of memory");
        return -1;
    }
    memset(&d->var[d->n_var], 0, sizeof *d->var);
    snprintf(d->var[d->n_var].name, BLR_NAME_LEN, "%s", name);
    return (int)d->n_var++;
}

int blr_plot_run_ok(const blr_plot_data *d, int v, long seed)
{
    for (size_t i = 0; i < d->n_bad; i++)
        if (d->bad[i].v == v && d->bad[i].seed == seed)
            return 0;
    return 1;
}

int blr_plot_load_runs(blr_plot_data *d, char *err, size_t errlen)
{
    static const char *const cols[] = {"variant", "seed", "status"};
    blr_plot_csv c;
    int rc = blr_plot_csv_open(&c, d->dir, "runs.csv", cols, 3, err, errlen);
    while (rc == 0 && (rc = blr_plot_csv_next(&c, err, errlen)) == 1) {
        rc = 0;
        char where[BLR_PATH_LEN + 160];
        snprintf(where, sizeof where, "%s:%ld:%d", c.path, c.line, c.col[0] + 1);
        int v = blr_plot_variant_index(d, blr_plot_csv_field(&c, 0), where, err, errlen);
        long seed;
        if (v < 0 || blr_plot_csv_long(&c, 1, 0, &seed, err, errlen) != 0) {
            rc = -1;
            break;
        }
        const char *status = blr_plot_csv_field(&c, 2);
        int ok = strcmp(status, "ok") == 0;
        d->var[v].runs++;
        d->var[v].ok += ok;
        d->var[v].diverged += strcmp(status, "diverged") == 0;
        if (!ok && blr_plot_grow((void **)&d->bad, &d->cap_bad, d->n_bad, sizeof *d->bad) != 0) {
            snprintf(err, errlen, "error: out of memory");
            rc = -1;
        } else if (!ok) {
            d->bad[d->n_bad++] = (blr_plot_run){v, seed};
        }
    }
    blr_plot_csv_close(&c);
    return rc;
}

void blr_plot_data_free(blr_plot_data *d)
{
    free(d->var);
    free(d->bad);
}

void blr_plot_stats(const double *x, size_t n, double *mean, double *sd, int *count)
{
    double s = 0.0, ss = 0.0;
    int k = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i])) {
            s += x[i];
            k++;
        }
    *mean = k ? s / k : NAN;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]))
            ss += (x[i] - *mean) * (x[i] - *mean);
    *sd = k > 1 ? sqrt(ss / (k - 1)) : 0.0;
    *count = k;
}

void blr_plot_num(FILE *f, double x)
{
    if (isnan(x))
        fputs(" nan", f);
    else
        fprintf(f, " %.9g", x);
}

/* gnuplot's data files have no escape inside a quoted string: a '"' becomes a '\''. */
void blr_plot_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++)
        fputc(*s == '"' ? '\'' : *s, f);
    fputc('"', f);
}

static int cmp_pick(const void *a, const void *b)
{
    return strcmp(((const blr_plot_pick *)a)->variant, ((const blr_plot_pick *)b)->variant);
}

int blr_plot_pick_files(const char *dir, const char *sub, blr_plot_pick **picks, size_t *n,
                        char *err, size_t errlen)
{
    char path[BLR_PATH_LEN + 32];
    snprintf(path, sizeof path, "%s/%s", dir, sub);
    *picks = NULL;
    *n = 0;
    DIR *dp = opendir(path);
    if (!dp) {
        if (errno == ENOENT)
            return 1;
        snprintf(err, errlen, "%s: error: cannot open directory: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 0;
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(dp)) != NULL) {
        blr_plot_pick p;
        size_t len = strlen(e->d_name), i = len - 4;
        if (len < 5 || len >= sizeof p.file || strcmp(e->d_name + i, ".csv") != 0)
            continue;
        snprintf(p.file, sizeof p.file, "%s", e->d_name);
        while (i > 0 && e->d_name[i - 1] >= '0' && e->d_name[i - 1] <= '9')
            i--;
        if (i == len - 4 || i < 3 || e->d_name[i - 1] != 's' || e->d_name[i - 2] != '-' ||
            i - 2 >= BLR_NAME_LEN)
            continue;
        snprintf(p.variant, sizeof p.variant, "%.*s", (int)(i - 2), e->d_name);
        p.seed = strtol(e->d_name + i, NULL, 10);
        size_t k = 0;
        while (k < *n && strcmp((*picks)[k].variant, p.variant) != 0)
            k++;
        if (k == *n && blr_plot_grow((void **)picks, &cap, *n, sizeof p) != 0) {
            snprintf(err, errlen, "error: out of memory");
            rc = -1;
        } else if (k == *n || p.seed < (*picks)[k].seed) {
            (*picks)[k] = p;
            *n += k == *n;
        }
    }
    closedir(dp);
    /* readdir's order is arbitrary. */
    qsort(*picks, *n, sizeof **picks, cmp_pick);
    return rc;
}
