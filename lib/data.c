/* Data sets (data.h): IDX and CSV loaders, seeded subsets, shuffles and minibatch gathers.
 *
 * Loaders validate everything before a caller sees a row, so a bad file is reported once,
 * with its place (IDX record, CSV line and field), instead of surfacing later as NaN losses.
 * Destination arrays grow with what was actually read, never with what a header claims: a
 * corrupt count cannot make a loader reserve gigabytes. */
#include "data.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define DATA_FASHION_DIR "/usr/share/datasets/fashion-mnist"
#define DATA_ROOT "data"
#define IDX_MAX_PIXELS (1u << 20)
#define IDX_CHUNK_BYTES (1u << 22) /* bytes read per gzread: bounds the staging buffer */
#define IDX_MAX_INFLATE 1032u      /* deflate's largest expansion of its input */
#define CSV_MAX_CLASS 65535        /* k = max label + 1 sizes the output layer */
#define CSV_MAX_COLUMNS 65536      /* data.h documents it */
#define CSV_SHOW 40                /* at most this many characters of a bad cell are echoed */

static void data_fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Returns p with room for `need` elements (at least doubling the capacity, so n appends
 * cost O(n) copies), or NULL with p untouched when memory runs out. */
static void *data_grow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return p;
    size_t c = *cap > SIZE_MAX / 2 ? SIZE_MAX : 2 * *cap;
    if (c < need)
        c = need;
    if (c > SIZE_MAX / elem)
        return NULL;
    void *q = realloc(p, c * elem);
    if (q)
        *cap = c;
    return q;
}

size_t blr_data_bytes(const blr_dataset *d)
{
    return d->n * ((size_t)d->d * sizeof *d->x + (d->label ? sizeof *d->label : 0) +
                   (d->target ? sizeof *d->target : 0));
}

void blr_data_free(blr_dataset *d)
{
    if (!d)
        return;
    free(d->x);
    free(d->label);
    free(d->target);
    free(d->feature_names);
    memset(d, 0, sizeof *d);
}

/* ---- IDX ------------------------------------------------------------------------------ */

typedef struct {
    const char *path;
    const char *what; /* "images" or "labels", for messages */
    gzFile gz;
    uint32_t dim[3];
    off_t size; /* bytes on disk */
} idx_file;

static uint32_t idx_be32(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

/* Reads up to `want` bytes into buf, counting them in *got (a short count means the end of
 * the file); returns -1 on a read or decompression error, with *got the bytes before it. */
static int idx_read_bytes(idx_file *f, unsigned char *buf, size_t want, size_t *got)
{
    *got = 0;
    while (*got < want) {
        int r = gzread(f->gz, buf + *got, (unsigned)(want - *got));
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        *got += (size_t)r;
    }
    return 0;
}

/* zlib prefixes its messages with the name given to gzdopen ("<fd:3>: "); the caller's
 * message already names the file, so that prefix is dropped. */
static const char *idx_strerror(idx_file *f)
{
    int code;
    const char *msg = gzerror(f->gz, &code);
    if (code == Z_ERRNO)
        return strerror(errno);
    const char *colon = strncmp(msg, "<fd:", 4) == 0 ? strstr(msg, ": ") : NULL;
    return colon ? colon + 2 : msg;
}

/* Opens through a descriptor rather than gzopen so that a failure has a reliable errno. */
static int idx_open(idx_file *f, const char *path, int ndim, char *err, size_t errlen)
{
    static const char *const names[2][3] = {{"labels", "", ""}, {"images", "rows", "columns"}};
    const int img = ndim == 3;
    f->path = path;
    f->what = names[img][0];
    int fd = open(path, O_RDONLY);
    struct stat st;
    st.st_size = 0;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        fd = -1;
        errno = EISDIR;
    }
    if (fd < 0) {
        data_fail(err, errlen, "%s: error: cannot open: %s", path, strerror(errno));
        return -1;
    }
    f->size = st.st_size;
    f->gz = gzdopen(fd, "rb");
    if (!f->gz) {
        close(fd);
        data_fail(err, errlen, "%s: error: cannot open: out of memory", path);
        return -1;
    }
    unsigned char h[16];
    size_t got;
    if (idx_read_bytes(f, h, 4, &got) != 0) {
        data_fail(err, errlen, "%s: record 0: cannot read the header: %s", path, idx_strerror(f));
        return -1;
    }
    const uint32_t expect = 0x00000800u | (uint32_t)ndim;
    if (got < 4) {
        data_fail(err, errlen, "%s: record 0: the file ends inside the magic number "
                  "(expected 0x%08x, IDX %s)", path, (unsigned)expect, f->what);
        return -1;
    }
    const uint32_t magic = idx_be32(h);
    if (h[0] != 0 || h[1] != 0) {
        data_fail(err, errlen, "%s: record 0: bad magic 0x%08x: not an IDX file (expected "
                  "0x%08x, IDX %s)", path, (unsigned)magic, (unsigned)expect, f->what);
        return -1;
    }
    if (h[2] != 0x08) {
        data_fail(err, errlen, "%s: record 0: bad magic 0x%08x: element type 0x%02x is not "
                  "unsigned byte (0x08)", path, (unsigned)magic, h[2]);
        return -1;
    }
    if (h[3] != ndim) {
        data_fail(err, errlen, "%s: record 0: bad magic 0x%08x: %d dimension%s, but IDX %s "
                  "have %d (magic 0x%08x)", path, (unsigned)magic, h[3], h[3] == 1 ? "" : "s",
                  f->what, ndim, (unsigned)expect);
        return -1;
    }
    if (idx_read_bytes(f, h, 4 * (size_t)ndim, &got) != 0) {
        data_fail(err, errlen, "%s: record 0: cannot read the header: %s", path, idx_strerror(f));
        return -1;
    }
    if (got < 4 * (size_t)ndim) {
        data_fail(err, errlen, "%s: record 0: the header ends after %zu of %d bytes", path,
                  got + 4, 4 + 4 * ndim);
        return -1;
    }
    for (int i = 0; i < ndim; i++) {
        f->dim[i] = idx_be32(h + 4 * i);
        if (f->dim[i] == 0) {
            data_fail(err, errlen, "%s: record 0: the number of %s is 0", path, names[img][i]);
            return -1;
        }
    }
    if (img && (uint64_t)f->dim[1] * f->dim[2] > IDX_MAX_PIXELS) {
        data_fail(err, errlen, "%s: record 0: images of %u x %u pixels exceed the limit of %u "
                  "pixels", path, (unsigned)f->dim[1], (unsigned)f->dim[2], IDX_MAX_PIXELS);
        return -1;
    }
    /* A gzip stream that cannot hold the count its header announces is refused before it
     * is read: a 1 MB file inflating to a gigabyte under a count of 2^31 would otherwise be
     * inflated and stored to its end first. Deflate expands at most 1032:1. A plain file
     * needs no such bound: what is stored never exceeds what it holds. */
    const uint64_t need = (uint64_t)f->dim[0] * (img ? (uint64_t)f->dim[1] * f->dim[2] : 1);
    const uint64_t most = (uint64_t)f->size * IDX_MAX_INFLATE;
    if (!gzdirect(f->gz) && need > most) {
        data_fail(err, errlen, "%s: record 0: the header announces %u %s (%llu bytes), more "
                  "than the file can hold (at most %llu bytes once inflated)", path,
                  (unsigned)f->dim[0], f->what, (unsigned long long)need,
                  (unsigned long long)most);
        return -1;
    }
    return 0;
}

/* Reads all dim[0] records of `rec` bytes, handing each chunk to the caller's `put`, which
 * stores records [first, first + count). A short file names its first missing record. */
typedef int (*idx_put_fn)(void *ctx, size_t first, size_t count, const unsigned char *bytes);

static int idx_read_records(idx_file *f, size_t rec, idx_put_fn put, void *ctx, char *err,
                            size_t errlen)
{
    const size_t n = f->dim[0];
    size_t per = IDX_CHUNK_BYTES / rec;
    if (per == 0)
        per = 1;
    unsigned char *buf = malloc(per * rec);
    if (!buf) {
        data_fail(err, errlen, "%s: record 1: cannot allocate a read buffer", f->path);
        return -1;
    }
    int rc = 0;
    for (size_t first = 0; first < n && rc == 0; first += per) {
        const size_t m = n - first < per ? n - first : per;
        size_t got;
        const int bad = idx_read_bytes(f, buf, m * rec, &got);
        const size_t whole = got / rec;
        if (bad) {
            data_fail(err, errlen, "%s: record %zu: cannot read: %s", f->path, first + whole + 1,
                      idx_strerror(f));
            rc = -1;
        } else if (whole < m) {
            data_fail(err, errlen, "%s: record %zu: the file is truncated: the header announces "
                      "%zu %s, but only %zu are complete", f->path, first + whole + 1, n, f->what,
                      first + whole);
            rc = -1;
        } else if (put(ctx, first, m, buf) != 0) {
            data_fail(err, errlen, "%s: record %zu: out of memory", f->path, first + 1);
            rc = -1;
        }
    }
    /* Reading on past the last record also runs zlib's check of the gzip trailer (CRC and
     * length), so corruption anywhere in a .gz file is caught here if not before. */
    if (rc == 0) {
        size_t extra;
        if (idx_read_bytes(f, buf, 1, &extra) != 0) {
            data_fail(err, errlen, "%s: record %zu: cannot read: %s (found after the last of "
                      "the %zu %s)", f->path, n + 1, idx_strerror(f), n, f->what);
            rc = -1;
        } else if (extra != 0) {
            data_fail(err, errlen, "%s: record %zu: unexpected data after the last of the %zu "
                      "%s the header announces", f->path, n + 1, n, f->what);
            rc = -1;
        }
    }
    free(buf);
    return rc;
}

typedef struct {
    blr_dataset *d;
    size_t cap;
} idx_sink;

static int idx_put_images(void *ctx, size_t first, size_t count, const unsigned char *bytes)
{
    idx_sink *s = ctx;
    const size_t dim = (size_t)s->d->d;
    float *all = data_grow(s->d->x, &s->cap, (first + count) * dim, sizeof *all);
    if (!all)
        return -1;
    s->d->x = all;
    float *x = all + first * dim;
    for (size_t j = 0; j < count * dim; j++)
        x[j] = (float)bytes[j] / 255.0f;
    return 0;
}

static int idx_put_labels(void *ctx, size_t first, size_t count, const unsigned char *bytes)
{
    idx_sink *s = ctx;
    int *label = data_grow(s->d->label, &s->cap, first + count, sizeof *label);
    if (!label)
        return -1;
    s->d->label = label;
    for (size_t j = 0; j < count; j++) {
        s->d->label[first + j] = bytes[j];
        if (bytes[j] >= s->d->k)
            s->d->k = bytes[j] + 1;
    }
    return 0;
}

int blr_data_load_idx(const char *images, const char *labels, blr_dataset *out, char *err,
                      size_t errlen)
{
    blr_dataset d = {0};
    idx_file fi = {0}, fl = {0};
    int rc = idx_open(&fi, images, 3, err, errlen);
    if (rc == 0)
        rc = idx_open(&fl, labels, 1, err, errlen);
    if (rc == 0 && fl.dim[0] != fi.dim[0]) {
        data_fail(err, errlen, "%s: record 0: %u labels, but %s has %u images", labels,
                  (unsigned)fl.dim[0], images, (unsigned)fi.dim[0]);
        rc = -1;
    }
    /* Labels first: a byte per record, so a count their file does not bear out is found
     * before the images, 784 times larger, are read. */
    if (rc == 0) {
        idx_sink sl = {&d, 0};
        rc = idx_read_records(&fl, 1, idx_put_labels, &sl, err, errlen);
    }
    if (rc == 0) {
        d.d = (int)(fi.dim[1] * fi.dim[2]);
        idx_sink si = {&d, 0};
        rc = idx_read_records(&fi, (size_t)d.d, idx_put_images, &si, err, errlen);
    }
    if (fi.gz)
        gzclose(fi.gz);
    if (fl.gz)
        gzclose(fl.gz);
    if (rc != 0) {
        blr_data_free(&d);
        return -1;
    }
    d.n = fi.dim[0];
    *out = d;
    return 0;
}

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
    float *x = data_grow(d->x, &rows->cap_x, n * (size_t)d->d, sizeof *x);
    if (!x)
        return -1;
    d->x = x;
    if (classification) {
        int *label = data_grow(d->label, &rows->cap_y, n, sizeof *label);
        if (!label)
            return -1;
        d->label = label;
    } else {
        float *target = data_grow(d->target, &rows->cap_y, n, sizeof *target);
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
        data_fail(r->err, r->errlen, "%s: error: cannot read: %s", r->path, strerror(errno));
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
        data_fail(err, errlen, "%s: error: cannot open: %s", path, strerror(errno));
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
            data_fail(err, errlen, "%s: error: cannot read: %s", path, strerror(errno));
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
            data_fail(err, errlen, "%s: error: out of memory", path);
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

/* ---- subsets, shuffles, batches ---------------------------------------------------------- */

void blr_data_permutation(size_t *idx, size_t n, blr_rng *rng)
{
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    /* Fisher–Yates, from the top: position i takes a uniform pick of the i + 1 left. */
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)blr_rng_below(rng, i);
        size_t t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}

void blr_data_gather(const blr_dataset *d, const size_t *idx, size_t m, float *x, int *label,
                     float *target)
{
    const size_t dim = (size_t)d->d;
    for (size_t i = 0; i < m; i++) {
        memcpy(x + i * dim, d->x + idx[i] * dim, dim * sizeof *x);
        if (label && d->label)
            label[i] = d->label[idx[i]];
        if (target && d->target)
            target[i] = d->target[idx[i]];
    }
}

/* The subset is the first k entries of blr_data_permutation(n), so it is a uniform draw of k
 * examples in random order. k = 0 or k >= n leaves the set (and the stream) untouched. */
int blr_data_subset(blr_dataset *d, size_t k, blr_rng *rng, char *err, size_t errlen)
{
    if (k == 0 || k >= d->n)
        return 0;
    size_t *idx = malloc(d->n * sizeof *idx);
    float *x = malloc(k * (size_t)d->d * sizeof *x);
    int *label = d->label ? malloc(k * sizeof *label) : NULL;
    float *target = d->target ? malloc(k * sizeof *target) : NULL;
    if (!idx || !x || (d->label && !label) || (d->target && !target)) {
        free(idx);
        free(x);
        free(label);
        free(target);
        data_fail(err, errlen, "data: out of memory for a subset of %zu of %zu examples", k,
                  d->n);
        return -1;
    }
    blr_data_permutation(idx, d->n, rng);
    blr_data_gather(d, idx, k, x, label, target);
    free(idx);
    free(d->x);
    free(d->label);
    free(d->target);
    d->x = x;
    d->label = label;
    d->target = target;
    d->n = k;
    return 0;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* Fills out with the examples idx[0..m) of d (a new data set with d's shape). */
static int gather_new(const blr_dataset *d, const size_t *idx, size_t m, blr_dataset *out)
{
    memset(out, 0, sizeof *out);
    out->n = m;
    out->d = d->d;
    out->k = d->k;
    out->x = malloc(m * (size_t)d->d * sizeof *out->x);
    out->label = d->label ? malloc(m * sizeof *out->label) : NULL;
    out->target = d->target ? malloc(m * sizeof *out->target) : NULL;
    out->feature_names = d->feature_names ? malloc((size_t)d->d * sizeof *d->feature_names)
                                          : NULL;
    if (!out->x || (d->label && !out->label) || (d->target && !out->target) ||
        (d->feature_names && !out->feature_names)) {
        blr_data_free(out);
        return -1;
    }
    if (d->feature_names)
        memcpy(out->feature_names, d->feature_names, (size_t)d->d * sizeof *d->feature_names);
    blr_data_gather(d, idx, m, out->x, out->label, out->target);
    return 0;
}

int blr_data_split(blr_dataset *d, size_t k, blr_rng *rng, blr_dataset *held, char *err,
                   size_t errlen)
{
    if (k == 0 || k >= d->n) {
        data_fail(err, errlen, "cannot hold out %zu of %zu examples (need 0 < k < %zu)", k,
                  d->n, d->n);
        return -1;
    }
    size_t *idx = malloc(d->n * sizeof *idx);
    blr_dataset kept;
    int rc = -1;
    if (idx) {
        blr_data_permutation(idx, d->n, rng);
        /* The kept examples stay in file order, so a later subset draw sees them as if the
         * held-out ones had never been there. */
        qsort(idx, d->n - k, sizeof *idx, cmp_size);
        if (gather_new(d, idx + (d->n - k), k, held) == 0) {
            if (gather_new(d, idx, d->n - k, &kept) == 0)
                rc = 0;
            else
                blr_data_free(held);
        }
    }
    free(idx);
    if (rc != 0) {
        data_fail(err, errlen, "data: out of memory holding out %zu of %zu examples", k, d->n);
        return -1;
    }
    blr_data_free(d);
    *d = kept;
    return 0;
}

/* ---- standard sets ------------------------------------------------------------------------ */

int blr_data_standard_paths(const char *set, char paths[4][512])
{
    static const char *const files[4] = {"train-images-idx3-ubyte.gz",
                                          "train-labels-idx1-ubyte.gz",
                                          "t10k-images-idx3-ubyte.gz",
                                          "t10k-labels-idx1-ubyte.gz"};
    const char *env, *dir, *sub;
    if (set && strcmp(set, "fashion-mnist") == 0) {
        env = getenv("BLR_FASHION_DIR");
        dir = env && *env ? env : DATA_FASHION_DIR;
        sub = "";
    } else if (set && strcmp(set, "mnist") == 0) {
        env = getenv("BLR_DATA_DIR");
        dir = env && *env ? env : DATA_ROOT;
        sub = "/mnist";
    } else {
        return -1;
    }
    for (int i = 0; i < 4; i++) {
        int w = snprintf(paths[i], sizeof paths[i], "%s%s/%s", dir, sub, files[i]);
        if (w < 0 || (size_t)w >= sizeof paths[i])
            return -1;
    }
    return 0;
}
