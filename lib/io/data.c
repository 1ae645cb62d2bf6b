/* Data sets (data.h): what every loader shares, seeded subsets, shuffles, minibatch gathers
 * and where the standard sets live. The loaders are data_idx.c and data_csv.c. */
#include "data.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data_load.h"
#include "files.h"

#define DATA_FASHION_DIR "/usr/share/datasets/fashion-mnist"

void blr_data_fail(char *err, size_t errlen, const char *fmt, ...)
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
void *blr_data_grow(void *p, size_t *cap, size_t need, size_t elem)
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
        blr_data_fail(err, errlen, "data: out of memory for a subset of %zu of %zu examples", k,
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
        blr_data_fail(err, errlen, "cannot hold out %zu of %zu examples (need 0 < k < %zu)", k,
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
        blr_data_fail(err, errlen, "data: out of memory holding out %zu of %zu examples", k, d->n);
        return -1;
    }
    blr_data_free(d);
    *d = kept;
    return 0;
}

/* ---- standard sets ------------------------------------------------------------------------ */

int blr_data_home(char *dir, size_t len)
{
    return blr_files_share_dir("", "scripts/fetch-data.sh", dir, len);
}

/* The four files of a set in dir. Returns 0, or -1 when a path does not fit. */
static int set_paths(const char *dir, char paths[4][512])
{
    static const char *const files[4] = {"train-images-idx3-ubyte.gz",
                                          "train-labels-idx1-ubyte.gz",
                                          "t10k-images-idx3-ubyte.gz",
                                          "t10k-labels-idx1-ubyte.gz"};
    for (int i = 0; i < 4; i++) {
        int w = snprintf(paths[i], sizeof paths[i], "%s/%s", dir, files[i]);
        if (w < 0 || (size_t)w >= sizeof paths[i])
            return -1;
    }
    return 0;
}

int blr_data_standard_paths(const char *set, char paths[4][512])
{
    const char *env;
    if (set && strcmp(set, "fashion-mnist") == 0) {
        env = getenv("BLR_FASHION_DIR");
        return set_paths(env && *env ? env : DATA_FASHION_DIR, paths);
    }
    if (!set || strcmp(set, "mnist") != 0)
        return -1;
    char dir[1024];
    env = getenv("BLR_DATA_DIR");
    if (env && *env) {
        int w = snprintf(dir, sizeof dir, "%s/mnist", env);
        return w > 0 && (size_t)w < sizeof dir ? set_paths(dir, paths) : -1;
    }
    /* The current directory's data/ only when it holds the set: an installed blr run from
     * any directory goes on to its own. */
    if (set_paths("data/mnist", paths) == 0 && access(paths[0], R_OK) == 0)
        return 0;
    char home[512];
    blr_data_home(home, sizeof home);
    snprintf(dir, sizeof dir, "%s/data/mnist", home);
    return set_paths(dir, paths);
}
