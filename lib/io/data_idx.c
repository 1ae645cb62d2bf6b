/* IDX files (data.h: blr_data_load_idx), gzip or plain through zlib. */
#include "data.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "data_load.h"

#define IDX_MAX_PIXELS (1u << 20)
#define IDX_CHUNK_BYTES (1u << 22) /* bytes read per gzread: bounds the staging buffer */
#define IDX_MAX_INFLATE 1032u      /* deflate's largest expansion of its input */

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
        blr_data_fail(err, errlen, "%s: error: cannot open: %s", path, strerror(errno));
        return -1;
    }
    f->size = st.st_size;
    f->gz = gzdopen(fd, "rb");
    if (!f->gz) {
        close(fd);
        blr_data_fail(err, errlen, "%s: error: cannot open: out of memory", path);
        return -1;
    }
    unsigned char h[16];
    size_t got;
    if (idx_read_bytes(f, h, 4, &got) != 0) {
        blr_data_fail(err, errlen, "%s: record 0: cannot read the header: %s", path, idx_strerror(f));
        return -1;
    }
    const uint32_t expect = 0x00000800u | (uint32_t)ndim;
    if (got < 4) {
        blr_data_fail(err, errlen, "%s: record 0: the file ends inside the magic number "
                  "(expected 0x%08x, IDX %s)", path, (unsigned)expect, f->what);
        return -1;
    }
    const uint32_t magic = idx_be32(h);
    if (h[0] != 0 || h[1] != 0) {
        blr_data_fail(err, errlen, "%s: record 0: bad magic 0x%08x: not an IDX file (expected "
                  "0x%08x, IDX %s)", path, (unsigned)magic, (unsigned)expect, f->what);
        return -1;
    }
    if (h[2] != 0x08) {
        blr_data_fail(err, errlen, "%s: record 0: bad magic 0x%08x: element type 0x%02x is not "
                  "unsigned byte (0x08)", path, (unsigned)magic, h[2]);
        return -1;
    }
    if (h[3] != ndim) {
        blr_data_fail(err, errlen, "%s: record 0: bad magic 0x%08x: %d dimension%s, but IDX %s "
                  "have %d (magic 0x%08x)", path, (unsigned)magic, h[3], h[3] == 1 ? "" : "s",
                  f->what, ndim, (unsigned)expect);
        return -1;
    }
    if (idx_read_bytes(f, h, 4 * (size_t)ndim, &got) != 0) {
        blr_data_fail(err, errlen, "%s: record 0: cannot read the header: %s", path, idx_strerror(f));
        return -1;
    }
    if (got < 4 * (size_t)ndim) {
        blr_data_fail(err, errlen, "%s: record 0: the header ends after %zu of %d bytes", path,
                  got + 4, 4 + 4 * ndim);
        return -1;
    }
    for (int i = 0; i < ndim; i++) {
        f->dim[i] = idx_be32(h + 4 * i);
        if (f->dim[i] == 0) {
            blr_data_fail(err, errlen, "%s: record 0: the number of %s is 0", path, names[img][i]);
            return -1;
        }
    }
    if (img && (uint64_t)f->dim[1] * f->dim[2] > IDX_MAX_PIXELS) {
        blr_data_fail(err, errlen, "%s: record 0: images of %u x %u pixels exceed the limit of %u "
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
        blr_data_fail(err, errlen, "%s: record 0: the header announces %u %s (%llu bytes), more "
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
        blr_data_fail(err, errlen, "%s: record 1: cannot allocate a read buffer", f->path);
        return -1;
    }
    int rc = 0;
    for (size_t first = 0; first < n && rc == 0; first += per) {
        const size_t m = n - first < per ? n - first : per;
        size_t got;
        const int bad = idx_read_bytes(f, buf, m * rec, &got);
        const size_t whole = got / rec;
        if (bad) {
            blr_data_fail(err, errlen, "%s: record %zu: cannot read: %s", f->path, first + whole + 1,
                      idx_strerror(f));
            rc = -1;
        } else if (whole < m) {
            blr_data_fail(err, errlen, "%s: record %zu: the file is truncated: the header announces "
                      "%zu %s, but only %zu are complete", f->path, first + whole + 1, n, f->what,
                      first + whole);
            rc = -1;
        } else if (put(ctx, first, m, buf) != 0) {
            blr_data_fail(err, errlen, "%s: record %zu: out of memory", f->path, first + 1);
            rc = -1;
        }
    }
    /* Reading on past the last record also runs zlib's check of the gzip trailer (CRC and
     * length), so corruption anywhere in a .gz file is caught here if not before. */
    if (rc == 0) {
        size_t extra;
        if (idx_read_bytes(f, buf, 1, &extra) != 0) {
            blr_data_fail(err, errlen, "%s: record %zu: cannot read: %s (found after the last of "
                      "the %zu %s)", f->path, n + 1, idx_strerror(f), n, f->what);
            rc = -1;
        } else if (extra != 0) {
            blr_data_fail(err, errlen, "%s: record %zu: unexpected data after the last of the %zu "
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
    float *all = blr_data_grow(s->d->x, &s->cap, (first + count) * dim, sizeof *all);
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
    int *label = blr_data_grow(s->d->label, &s->cap, first + count, sizeof *label);
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
        blr_data_fail(err, errlen, "%s: record 0: %u labels, but %s has %u images", labels,
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
