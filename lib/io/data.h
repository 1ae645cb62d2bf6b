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
    char target_name[64];      /* CSV only: the target column's name (else "") */
} blr_dataset;

/* IDX images (magic 0x00000803, n × rows × cols bytes) and labels (0x00000801). gz or plain
 * (zlib reads both). Pixels are scaled to [0,1]; k = max label + 1 (nothing assumes 10).
 * Every size must be > 0, rows × cols <= 2^20, the two counts equal, and each file exactly
 * as long as its header says. Errors: "FILE: record N: message", where record 0 is the header
 * and record i the i-th image or label (1-based), e.g. the first missing one of a truncated
 * file; a file that cannot be opened gives "FILE: error: cannot open: <reason>".
 * Returns 0, or -1 on error; `out` is written only on success. */
int blr_data_load_idx(const char *images, const char *labels, blr_dataset *out, char *err,
                      size_t errlen);

/* CSV with a header line. target names the target column (NULL or "": the last column).
 * classification: the target cells are integer class labels 0..65535 (k = max + 1);
 * regression: numbers. Feature cells and regression targets must be whole finite numbers in
 * float range (strtod syntax; nan and inf are rejected). Separator ','; spaces around cells
 * are trimmed; CRLF is fine; empty lines may only end the file; every row has the header's
 * number of fields. Quoted fields are not supported (a '"' is an error). Column names are
 * unique, non-empty, at most 63 characters; a file has at most 65536 columns, and rows as
 * many as memory holds. A UTF-8 byte order mark before the header is skipped.
 * feature_names holds the d feature columns' names, target_name the target's.
 * Errors: "FILE:LINE:COL: error: message" (LINE counts the header; COL is the 1-based field),
 * or "FILE: error: cannot open: <reason>". Returns 0, or -1 on error; `out` is written only
 * on success. */
int blr_data_load_csv(const char *path, const char *target, int classification,
                      blr_dataset *out, char *err, size_t errlen);
/* The same for a file that must have the columns of `like` (a test file and its training
 * set): matched by name, in any order, the features stored in like's order. An empty target
 * means like's target. A column like lacks, or one of like's it lacks, is an error. */
int blr_data_load_csv_like(const char *path, const char *target, int classification,
                           const blr_dataset *like, blr_dataset *out, char *err,
                           size_t errlen);

/* Bytes of the examples held (x, label, target), for the memory bound of a run. */
size_t blr_data_bytes(const blr_dataset *d);

/* Frees every array and zeroes *d; safe on a zeroed struct and on NULL. */
void blr_data_free(blr_dataset *d);

/* Keeps k examples chosen by a seeded shuffle: the first k of blr_data_permutation(n, rng),
 * in that order. k = 0 or k >= n keeps all in their order and draws nothing from rng.
 * Fails (-1) only when out of memory, leaving d unchanged. */
int blr_data_subset(blr_dataset *d, size_t k, blr_rng *rng, char *err, size_t errlen);
/* Moves k examples of d, chosen by a seeded shuffle, into *held (a new data set; free it with
 * blr_data_free); d keeps the other n - k in their order. Needs 0 < k < n. */
int blr_data_split(blr_dataset *d, size_t k, blr_rng *rng, blr_dataset *held, char *err,
                   size_t errlen);

/* Fisher-Yates permutation of 0..n-1 into idx. */
void blr_data_permutation(size_t *idx, size_t n, blr_rng *rng);

/* Copies the rows idx[0..m) into x (m × d) and label/target (either may be NULL). */
void blr_data_gather(const blr_dataset *d, const size_t *idx, size_t m, float *x, int *label,
                     float *target);

/* Where the standard data sets live (README, Install): "fashion-mnist" in the Debian package's
 * directory /usr/share/datasets/fashion-mnist, or the directory the environment variable
 * BLR_FASHION_DIR names. "mnist" in R/mnist for the first data root R of: the environment
 * variable BLR_DATA_DIR; data in the current directory, when data/mnist holds the set; this
 * program's own, blr_data_home's data. Fills the four paths (train images/labels, test
 * images/labels). Returns 0, or -1 for an unknown set or a path longer than 511 characters. */
int blr_data_standard_paths(const char *set, char paths[4][512]);
/* This program's own home for data: the directory holding scripts/fetch-data.sh and data/,
 * into which `blr data fetch` puts data/mnist; found by blr_files_share_dir (<prefix>/share/lieblr
 * when installed, the repository for build/blr). Returns 0, or -1 when no fetch script was
 * found (dir then names the install prefix's share/lieblr). */
int blr_data_home(char *dir, size_t len);

#endif
