/* Data sets: IDX (gzip or plain) and CSV loaders, seeded subsets and shuffles, minibatches.
 * Errors name the file and the record (IDX) or FILE:LINE:COL (CSV). */
#ifndef BLR_DATA_H
#define BLR_DATA_H

#include <stddef.h>
#include "rng.h"

typedef struct {
    size_t n;      /* examples */
    int d;         /* features */
    int k;         /* classes (classification), 0 for regression */
    float *x;      /* n × d row-major */
    int *label;    /* n, classification only (else NULL) */
    float *target; /* n, regression only (else NULL) */
    char (*feature_names)[64]; /* CSV only: d column names (else NULL) */
} blr_dataset;

/* IDX images (magic 0x00000803, n × rows × cols bytes) and labels (0x00000801). gz or plain
 * (zlib's gzopen reads both). Pixels are scaled to [0,1]; k = max label + 1 (at least 10 for
 * idx digit sets is NOT assumed: k is the max label + 1). Errors: "FILE: record N: message"
 * (record 0 is the header). */
int blr_data_load_idx(const char *images, const char *labels, blr_dataset *out, char *err,
                      size_t errlen);

/* CSV with a header line. target names the target column (NULL: the last column).
 * classification: the target cells are integer class labels >= 0; regression: numbers.
 * Errors: "FILE:LINE:COL: error: message" (LINE counts the header; COL is 1-based). */
int blr_data_load_csv(const char *path, const char *target, int classification,
                      blr_dataset *out, char *err, size_t errlen);

void blr_data_free(blr_dataset *d);

/* Keeps k examples chosen by a seeded shuffle (k = 0 or k >= n keeps all, in shuffled order
 * only when k > 0 and k < n). */
int blr_data_subset(blr_dataset *d, size_t k, blr_rng *rng, char *err, size_t errlen);

/* Fisher-Yates permutation of 0..n-1 into idx. */
void blr_data_permutation(size_t *idx, size_t n, blr_rng *rng);

/* Copies the rows idx[0..m) into x (m × d) and label/target (either may be NULL). */
void blr_data_gather(const blr_dataset *d, const size_t *idx, size_t m, float *x, int *label,
                     float *target);

/* Where the standard data sets live: Fashion-MNIST from the Debian package
 * (BLR_FASHION_DIR, overridable by the environment variable BLR_FASHION_DIR), MNIST under
 * data/mnist of the project (BLR_DATA_DIR env overrides the data/ root). Fills the four
 * paths (train images/labels, test images/labels). Returns 0, or -1 for an unknown set. */
int blr_data_standard_paths(const char *set, char paths[4][512]);

#endif
