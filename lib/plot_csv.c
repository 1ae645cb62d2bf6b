/* Reading back our own result CSV files for the figures (lib/plot.h). */
#include "plot.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading our own CSV files ----------------------------------------------------------- */


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


/* ---- what was read ----------------------------------------------------------------------- */

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

/* Index of a variant, added at the end when new. Returns -1 (message in err) on failure. */
int blr_plot_variant_index(blr_plot_data *d, const char *name, const blr_plot_csv *c, char *err,
                         size_t errlen)
{
    for (size_t i = 0; i < d->names.n; i++)
        if (strcmp(d->names.name[i], name) == 0)
            return (int)i;
    if (strlen(name) >= BLR_NAME_LEN || !name[0]) {
        snprintf(err, errlen, "%s:%ld:%d: error: variant name is empty or longer than %d bytes",
                 c->path, c->line, c->col[0] + 1, BLR_NAME_LEN - 1);
        return -1;
    }
    if (blr_plot_grow((void **)&d->names.name, &d->names.cap, d->names.n,
                      sizeof *d->names.name) != 0) {
        snprintf(err, errlen, "error: out of memory");
        return -1;
    }
    snprintf(d->names.name[d->names.n], BLR_NAME_LEN, "%s", name);
    return (int)d->names.n++;
}

const char *blr_plot_scored_set(const char *dir)
{
    char path[BLR_PATH_LEN + 32], buf[4096];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return "test";
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *key = strstr(buf, "\"scored_on\": \"");
    const char *end = key ? strchr(key + 14, '"') : NULL;
    const char *val = key ? strstr(key + 14, "validation") : NULL;
    return val && end && val < end ? "validation" : "test";
}

void blr_plot_data_free(blr_plot_data *d)
{
    free(d->names.name);
    free(d->curve);
    free(d->rel);
    free(d->post);
    free(d->filt);
    free(d->runm);
}

/* Returns 0, 1 when the file is missing, -1 on error. */
int blr_plot_load_runs(blr_plot_data *d, char *err, size_t errlen)
{
    static const char *const cols[] = {"variant"};
    blr_plot_csv c;
    int rc = blr_plot_csv_open(&c, d->dir, "runs.csv", cols, 1, err, errlen);
    if (rc != 0)
        return rc;
    while ((rc = blr_plot_csv_next(&c, err, errlen)) == 1)
        if (blr_plot_variant_index(d, blr_plot_csv_field(&c, 0), &c, err, errlen) < 0) {
            rc = -1;
            break;
        }
    blr_plot_csv_close(&c);
    return rc;
}

