/* CSV files (data.h: blr_data_load_csv, blr_data_load_csv_like). */
#include "data.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data_load.h"

#define CSV_MAX_CLASS 65535   /* k = max label + 1 sizes the output layer */
#define CSV_MAX_COLUMNS 65536 /* data.h documents it */
#define CSV_SHOW 40           /* at most this many characters of a bad cell are echoed */

/* ---- CSV ------------------------------------------------------------------------------ */

typedef struct {
    const char *path;
    char *err;
    size_t errlen;
    size_t line;
    int ncols;
    int target; /* 0-based column of the target */
    char (*names)[64];
    int *slot;  /* column -> its feature's index in a row of x; the target's is -1 */
} csv_reader;

static void csv_fail(const csv_reader *r, int col, const char *fmt, ...)
{
    if (!r->err || r->errlen == 0)
        return;
    int w = snprintf(r->err, r->errlen, "%s:%zu:%d: error: ", r->path, r->line, col);
    if (w < 0 || (size_t)w >= r->errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err + w, r->errlen - (size_t)w, fmt, ap);
    va_end(ap);
}

static char *csv_trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

/* Splits the line in place at every ',' into at most `max` trimmed fields; returns the
 * number of fields the line has (which may exceed max). */
static int csv_split(char *line, char **fields, int max)
{
    int n = 0;
    for (char *s = line;; n++) {
        char *comma = strchr(s, ',');
        if (comma)
            *comma = '\0';
        if (n < max)
            fields[n] = csv_trim(s);
        if (!comma)
            return n + 1;
        s = comma + 1;
    }
}

/* Quoting is not part of the format (data.h): say so rather than report "not a number". */
static int csv_quoted(const csv_reader *r, int col, const char *cell)
{
    if (strchr(cell, '"') == NULL)
        return 0;
    csv_fail(r, col, "quoted fields are not supported (%.*s)", CSV_SHOW, cell);
    return -1;
}

static int csv_name_ok(const csv_reader *r, char **f, int i)
{
    const int col = i + 1;
    const size_t len = strlen(f[i]);
    if (csv_quoted(r, col, f[i]) != 0)
        return -1;
    if (len == 0) {
        csv_fail(r, col, "column %d has an empty name", col);
        return -1;
    }
    if (len >= sizeof r->names[i]) {
        csv_fail(r, col, "column name '%.*s...' is longer than %zu characters", CSV_SHOW, f[i],
                 sizeof r->names[i] - 1);
        return -1;
    }
    return 0;
}

/* Column indices in the order of their names (ties by position), for finding repeated names
 * and for matching another file's columns, in O(n log n): a header may have 65536. */
typedef struct {
    const char *name;
    int col;
} csv_name_at;

static int csv_cmp_name(const void *a, const void *b)
{
    const csv_name_at *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->col > y->col) - (x->col < y->col);
}

static csv_name_at *csv_sorted_names(char (*names)[64], int n)
{
    csv_name_at *s = malloc((size_t)n * sizeof *s);
    for (int i = 0; s && i < n; i++)
        s[i] = (csv_name_at){names[i], i};
    if (s)
        qsort(s, (size_t)n, sizeof *s, csv_cmp_name);
    return s;
}

/* Reports the repeated name whose second appearance comes first in the header. */
static int csv_unique_names(const csv_reader *r, const csv_name_at *s)
{
    int dup = -1, first = -1;
    for (int i = 1, start = 0; i < r->ncols; i++) {
        if (strcmp(s[i].name, s[start].name) != 0)
            start = i;
        else if (dup < 0 || s[i].col < dup) {
            dup = s[i].col;
            first = s[start].col;
        }
    }
    if (dup < 0)
        return 0;
    csv_fail(r, dup + 1, "column '%s' appears twice (also column %d)", r->names[dup], first + 1);
    return -1;
}

/* Where each column's values go. Alone, the features keep the file's order; matched to
 * `like` (the training set), each column goes where the training file's column of that name
 * went, so a test file may order its columns differently but must have the same ones. */
static int csv_slots(csv_reader *r, const blr_dataset *like)
{
    for (int c = 0, j = 0; c < r->ncols && !like; c++)
        r->slot[c] = c == r->target ? -1 : j++;
    if (!like)
        return 0;
    char *seen = calloc((size_t)like->d, 1);
    csv_name_at *train = csv_sorted_names(like->feature_names, like->d);
    int rc = seen && train ? 0 : -1;
    if (rc)
        csv_fail(r, 1, "out of memory for %d columns", r->ncols);
    for (int c = 0; c < r->ncols && rc == 0; c++) {
        r->slot[c] = -1;
        if (c == r->target)
            continue;
        csv_name_at key = {r->names[c], -1};
        const csv_name_at *at = NULL;
        for (int lo = 0, hi = like->d; lo < hi && !at;) {
            int mid = lo + (hi - lo) / 2, k = strcmp(key.name, train[mid].name);
            if (k == 0)
                at = &train[mid];
            else if (k < 0)
                hi = mid;
            else
                lo = mid + 1;
        }
        if (!at) {
            csv_fail(r, c + 1, "column '%s' is not a feature of the training file", r->names[c]);
            rc = -1;
        } else {
            r->slot[c] = at->col;
            seen[at->col] = 1;
        }
    }
    for (int j = 0; j < like->d && rc == 0; j++)
        if (!seen[j]) {
            csv_fail(r, 1, "no column '%s', a feature of the training file",
                     like->feature_names[j]);
            rc = -1;
        }
    free(seen);
    free(train);
    return rc;
}

static int csv_header(csv_reader *r, char *line, const char *target, const blr_dataset *like)
{
    int n = 1;
    for (const char *s = line; *s && n <= CSV_MAX_COLUMNS; s++)
        n += *s == ',';
    if (n > CSV_MAX_COLUMNS) {
        csv_fail(r, 1, "more than %d columns", CSV_MAX_COLUMNS);
        return -1;
    }
    char **f = malloc((size_t)n * sizeof *f);
    r->names = malloc((size_t)n * sizeof *r->names);
    r->slot = malloc((size_t)n * sizeof *r->slot);
    if (!f || !r->names || !r->slot) {
        free(f);
        csv_fail(r, 1, "out of memory for %d columns", n);
        return -1;
    }
    csv_split(line, f, n);
    r->ncols = n;
    r->target = target && *target ? -1 : n - 1;
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        rc = csv_name_ok(r, f, i);
        if (rc == 0) {
            memcpy(r->names[i], f[i], strlen(f[i]) + 1);
            if (r->target < 0 && strcmp(f[i], target) == 0)
                r->target = i;
        }
    }
    free(f);
    csv_name_at *sorted = rc == 0 ? csv_sorted_names(r->names, n) : NULL;
    if (rc == 0 && !sorted) {
        csv_fail(r, 1, "out of memory for %d columns", n);
        rc = -1;
    }
    if (rc == 0)
        rc = csv_unique_names(r, sorted);
    free(sorted);
    if (rc == 0 && r->target < 0) {
        csv_fail(r, 1, "no column named '%s'", target);
        rc = -1;
    }
    if (rc == 0 && n < 2) {
        csv_fail(r, 1, "no feature columns: the header names only the target '%s'",
                 r->names[r->target]);
        rc = -1;
    }
    return rc == 0 ? csv_slots(r, like) : rc;
}

/* A whole cell as a finite number that fits a float (features and targets are float). */
static int csv_number(const csv_reader *r, int col, const char *cell, float *out)
{
    if (*cell == '\0') {
        csv_fail(r, col, "column '%s': empty cell", r->names[col - 1]);
        return -1;
    }
    char *end;
    double v = strtod(cell, &end);
    if (end == cell || *end != '\0') {
        csv_fail(r, col, "column '%s': '%.*s' is not a number", r->names[col - 1], CSV_SHOW,
                 cell);
        return -1;
    }
    if (!isfinite(v)) {
        csv_fail(r, col, "column '%s': '%.*s' is not a finite number", r->names[col - 1],
                 CSV_SHOW, cell);
        return -1;
    }
    if (fabs(v) > FLT_MAX) {
        csv_fail(r, col, "column '%s': '%.*s' is out of the float range", r->names[col - 1],
                 CSV_SHOW, cell);
        return -1;
    }
    *out = (float)v;
    return 0;
}

static int csv_class(const csv_reader *r, int col, const char *cell, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(cell, &end, 10);
    if (*cell == '\0' || end == cell || *end != '\0') {
        csv_fail(r, col, "column '%s': '%.*s' is not a class label (an integer >= 0)",
                 r->names[col - 1], CSV_SHOW, cell);
        return -1;
    }
    if (v < 0) {
        csv_fail(r, col, "column '%s': class label %.*s is negative", r->names[col - 1],
                 CSV_SHOW, cell);
        return -1;
    }
    if (errno == ERANGE || v > CSV_MAX_CLASS) {
        csv_fail(r, col, "column '%s': class label %.*s is larger than %d", r->names[col - 1],
                 CSV_SHOW, cell, CSV_MAX_CLASS);
        return -1;
    }
    *out = (int)v;
    return 0;
}

typedef struct {
    size_t cap_x, cap_y;
    char **fields;
} csv_rows;

/* Room for one more row. */
static int csv_room(blr_dataset *d, csv_rows *rows, int classification)
{
    const size_t n = d->n + 1;
    float *x = blr_data_grow(d->x, &rows->cap_x, n * (size_t)d->d, sizeof *x);
    if (!x)
        return -1;
    d->x = x;
    if (classification) {
        int *label = blr_data_grow(d->label, &rows->cap_y, n, sizeof *label);
        if (!label)
            return -1;
        d->label = label;
    } else {
        float *target = blr_data_grow(d->target, &rows->cap_y, n, sizeof *target);
        if (!target)
            return -1;
        d->target = target;
    }
    return 0;
}

static int csv_row(const csv_reader *r, char *line, int classification, blr_dataset *d,
                   csv_rows *rows)
{
    int nf = csv_split(line, rows->fields, r->ncols);
    if (nf != r->ncols) {
        csv_fail(r, (nf < r->ncols ? nf : r->ncols) + 1,
                 "expected %d fields as in the header, found %d", r->ncols, nf);
        return -1;
    }
    if (csv_room(d, rows, classification) != 0) {
        csv_fail(r, 1, "out of memory after %zu rows", d->n);
        return -1;
    }
    float *x = d->x + d->n * (size_t)d->d;
    for (int c = 0; c < r->ncols; c++) {
        const char *cell = rows->fields[c];
        if (csv_quoted(r, c + 1, cell) != 0)
            return -1;
        int rc;
        if (c != r->target)
            rc = csv_number(r, c + 1, cell, &x[r->slot[c]]);
        else if (classification)
            rc = csv_class(r, c + 1, cell, &d->label[d->n]);
        else
            rc = csv_number(r, c + 1, cell, &d->target[d->n]);
        if (rc != 0)
            return -1;
    }
    if (classification && d->label[d->n] >= d->k)
        d->k = d->label[d->n] + 1;
    d->n++;
    return 0;
}

static int csv_blank(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    return *s == '\0';
}

/* Reads the rows after the header; blank lines may only end the file. */
static int csv_body(csv_reader *r, FILE *fp, int classification, blr_dataset *d)
{
    csv_rows rows = {0, 0, malloc((size_t)r->ncols * sizeof(char *))};
    if (!rows.fields) {
        csv_fail(r, 1, "out of memory for %d columns", r->ncols);
        return -1;
    }
    char *line = NULL;
    size_t cap = 0, blank = 0;
    int rc = 0;
    while (rc == 0 && getline(&line, &cap, fp) >= 0) {
        r->line++;
        if (csv_blank(line)) {
            if (blank == 0)
                blank = r->line;
            continue;
        }
        if (blank != 0) {
            r->line = blank;
            csv_fail(r, 1, "empty line inside the data (only the end of the file may have "
                     "empty lines)");
            rc = -1;
        } else {
            rc = csv_row(r, line, classification, d, &rows);
        }
    }
    if (rc == 0 && ferror(fp)) {
        blr_data_fail(r->err, r->errlen, "%s: error: cannot read: %s", r->path, strerror(errno));
        rc = -1;
    }
    if (rc == 0 && d->n == 0) {
        r->line = 1;
        csv_fail(r, 1, "no data rows after the header");
        rc = -1;
    }
    free(line);
    free(rows.fields);
    return rc;
}

int blr_data_load_csv_like(const char *path, const char *target, int classification,
                           const blr_dataset *like, blr_dataset *out, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        blr_data_fail(err, errlen, "%s: error: cannot open: %s", path, strerror(errno));
        return -1;
    }
    csv_reader r = {path, err, errlen, 1, 0, 0, NULL, NULL};
    blr_dataset d = {0};
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;
    errno = 0;
    if (like && (!target || !*target))
        target = like->target_name;
    if (getline(&line, &cap, fp) < 0) {
        if (ferror(fp))
            blr_data_fail(err, errlen, "%s: error: cannot read: %s", path, strerror(errno));
        else
            csv_fail(&r, 1, "empty file: a header line naming the columns is required");
        rc = -1;
    } else {
        /* Spreadsheets save "CSV UTF-8" with a byte order mark, which is no part of a name. */
        if (strncmp(line, "\xef\xbb\xbf", 3) == 0)
            memmove(line, line + 3, strlen(line + 3) + 1);
        if (csv_blank(line)) {
            csv_fail(&r, 1, "the header line is empty");
            rc = -1;
        } else {
            rc = csv_header(&r, line, target, like);
        }
    }
    free(line);
    if (rc == 0) {
        d.d = r.ncols - 1;
        rc = csv_body(&r, fp, classification, &d);
    }
    fclose(fp);
    if (rc == 0) {
        d.feature_names = malloc((size_t)d.d * sizeof *d.feature_names);
        if (!d.feature_names) {
            blr_data_fail(err, errlen, "%s: error: out of memory", path);
            rc = -1;
        }
    }
    if (rc == 0) {
        for (int c = 0; c < r.ncols; c++)
            if (c != r.target)
                memcpy(d.feature_names[r.slot[c]], r.names[c], sizeof r.names[c]);
        memcpy(d.target_name, r.names[r.target], sizeof d.target_name);
    }
    free(r.names);
    free(r.slot);
    if (rc != 0) {
        blr_data_free(&d);
        return -1;
    }
    *out = d;
    return 0;
}

int blr_data_load_csv(const char *path, const char *target, int classification,
                      blr_dataset *out, char *err, size_t errlen)
{
    return blr_data_load_csv_like(path, target, classification, NULL, out, err, errlen);
}
