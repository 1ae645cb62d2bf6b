/* Reading back our own result CSV files for the figures (lib/report/plot.h). */
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
    for (int k = 0;; s++) {
        if (k == CSV_MAX_FIELDS)
            return -1;
        field[k++] = s;
        if (*s != '"') {
            s += strcspn(s, ",");
        } else {
            char *out = s;
            for (s++; *s && !(*s == '"' && s[1] != '"'); s++)
                *out++ = *s == '"' ? *++s : *s;
            if (*s != '"' || (s[1] != ',' && s[1] != '\0'))
                return k;
            *out = '\0';
            s++;
        }
        *n = k;
        if (*s == '\0')
            return 0;
        *s = '\0';
    }
}

/* Reads the next non-empty line into c->field. Returns 1, 0 at the end, -1 on error. */
static int csv_read_line(blr_plot_csv *c, char *err, size_t errlen)
{
    ssize_t len;
    do {
        errno = 0;
        if ((len = getline(&c->buf, &c->cap, c->f)) < 0) {
            if (!ferror(c->f))
                return 0;
            snprintf(err, errlen, "%s:%ld: error: cannot read: %s", c->path, c->line + 1,
                     strerror(errno ? errno : EIO));
            return -1;
        }
        c->line++;
        while (len > 0 && (c->buf[len - 1] == '\n' || c->buf[len - 1] == '\r'))
            c->buf[--len] = '\0';
    } while (len == 0);
    int bad = csv_split(c->buf, c->field, &c->n_fields);
    if (bad < 0)
        snprintf(err, errlen, "%s:%ld: error: more than %d fields", c->path, c->line,
                 CSV_MAX_FIELDS);
    else if (bad > 0)
        snprintf(err, errlen, "%s:%ld:%d: error: malformed quoted field", c->path, c->line, bad);
    return bad ? -1 : 1;
}

void blr_plot_csv_close(blr_plot_csv *c)
{
    if (c->f)
        fclose(c->f);
    free(c->buf);
    c->f = NULL;
    c->buf = NULL;
}

int blr_plot_csv_open(blr_plot_csv *c, const char *dir, const char *name,
                      const char *const *cols, int n, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    snprintf(c->path, sizeof c->path, "%s/%s", dir, name);
    if (!(c->f = fopen(c->path, "r"))) {
        if (errno == ENOENT)
            return 1;
        snprintf(err, errlen, "%s: error: cannot open: %s", c->path, strerror(errno));
        return -1;
    }
    int rc = csv_read_line(c, err, errlen);
    if (rc == 0)
        snprintf(err, errlen, "%s:1: error: no header line", c->path);
    c->n_header = c->n_fields;
    for (int k = 0; k < n && rc == 1; k++) {
        for (c->col[k] = 0; c->col[k] < c->n_header; c->col[k]++)
            if (strcmp(c->field[c->col[k]], cols[k]) == 0)
                break;
        if (c->col[k] == c->n_header) {
            snprintf(err, errlen, "%s:%ld: error: the header has no column '%s'", c->path,
                     c->line, cols[k]);
            rc = -1;
        }
    }
    if (rc != 1)
        blr_plot_csv_close(c);
    return rc == 1 ? 0 : -1;
}

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

int blr_plot_csv_num(const blr_plot_csv *c, int k, int integer, double *x, char *err,
                     size_t errlen)
{
    const char *s = blr_plot_csv_field(c, k);
    char *end;
    *x = strtod(s, &end);
    if (end != s && *end == '\0' && (!integer || (*x >= 0 && *x <= 2147483647.0 &&
                                                  *x == floor(*x) && !strpbrk(s, ".eEnN"))))
        return 0;
    snprintf(err, errlen, "%s:%ld:%d: error: '%s' is not %s", c->path, c->line, c->col[k] + 1,
             s, integer ? "an integer >= 0" : "a number");
    return -1;
}

int blr_plot_load_runs(blr_plot_data *d, char *err, size_t errlen)
{
    static const char *const cols[] = {"variant"};
    blr_plot_csv c;
    int rc = blr_plot_csv_open(&c, d->dir, "runs.csv", cols, 1, err, errlen);
    while (rc == 0 && (rc = blr_plot_csv_next(&c, err, errlen)) == 1) {
        const char *v = blr_plot_csv_field(&c, 0);
        size_t k = 0;
        while (k < d->n_var && strcmp(d->var[k], v) != 0)
            k++;
        rc = k < d->n_var ? 0 : blr_plot_add_variant(d, v, c.path, err, errlen);
    }
    blr_plot_csv_close(&c);
    return rc;
}

int blr_plot_add_variant(blr_plot_data *d, const char *name, const char *where, char *err,
                         size_t errlen)
{
    if (strlen(name) >= BLR_NAME_LEN || !name[0]) {
        snprintf(err, errlen, "%s: error: variant name is empty or longer than %d bytes", where,
                 BLR_NAME_LEN - 1);
        return -1;
    }
    if (d->n_var == d->cap_var) {
        size_t cap = d->cap_var ? 2 * d->cap_var : 64;
        void *p = realloc(d->var, cap * sizeof *d->var);
        if (!p) {
            snprintf(err, errlen, "error: out of memory");
            return -1;
        }
        d->var = p;
        d->cap_var = cap;
    }
    snprintf(d->var[d->n_var++], BLR_NAME_LEN, "%s", name);
    return 0;
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
            snprintf(err, errlen, "no such file");
        else
            snprintf(err, errlen, "%s: error: cannot open directory: %s", path, strerror(errno));
        return errno == ENOENT ? 1 : -1;
    }
    size_t cap = 0;
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(dp)) != NULL) {
        blr_plot_pick p;
        size_t len = strlen(e->d_name), i = len - 4;
        if (len < 5 || len >= sizeof p.file || strcmp(e->d_name + i, ".csv") != 0)
            continue;
        while (i > 0 && e->d_name[i - 1] >= '0' && e->d_name[i - 1] <= '9')
            i--;
        if (i == len - 4 || i < 3 || e->d_name[i - 1] != 's' || e->d_name[i - 2] != '-' ||
            i - 2 >= BLR_NAME_LEN)
            continue;
        memcpy(p.file, e->d_name, len + 1); /* len < sizeof p.file, checked above */
        snprintf(p.variant, sizeof p.variant, "%.*s", (int)(i - 2), e->d_name);
        p.seed = strtol(e->d_name + i, NULL, 10);
        size_t k = 0;
        while (k < *n && strcmp((*picks)[k].variant, p.variant) != 0)
            k++;
        if (k == *n && *n == cap) {
            void *q = realloc(*picks, (cap = cap ? 2 * cap : 16) * sizeof p);
            if (!q) {
                snprintf(err, errlen, "error: out of memory");
                rc = -1;
                break;
            }
            *picks = q;
        }
        if (k == *n || p.seed < (*picks)[k].seed) {
            (*picks)[k] = p;
            *n += k == *n;
        }
    }
    closedir(dp);
    /* readdir's order is arbitrary. */
    qsort(*picks, *n, sizeof **picks, cmp_pick);
    if (rc == 0 && *n == 0)
        snprintf(err, errlen, "no such file");
    return rc < 0 ? -1 : *n == 0;
}
