/* Data sets (lib/io/data.h): IDX and CSV files load with the values written into them; every
 * class of bad input is rejected with a message naming the file and the record (IDX) or
 * LINE:COL (CSV); subsets and permutations are seeded, and Fisher–Yates is uniform.
 *
 * Fixtures are written per test into a fresh mkdtemp directory (IDX with zlib, so the
 * binary layout is spelled out byte by byte here). Every expected LINE:COL is counted by hand
 * from the fixture text next to it: line 1 is the header, columns are 1-based fields. */
#include <criterion/criterion.h>
#include <errno.h>
#include <gsl/gsl_cdf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "data.h"

#define DT_PATH 600
#define DT_MAX_FILES 16

static char dt_dir[64];
static char dt_files[DT_MAX_FILES][DT_PATH];
static int dt_n_files;
static char dt_err[1024];
static blr_dataset dt_set;

static void dt_setup(void)
{
    snprintf(dt_dir, sizeof dt_dir, "/tmp/blr-test-data-XXXXXX");
    cr_assert_not_null(mkdtemp(dt_dir));
    dt_n_files = 0;
    memset(&dt_set, 0, sizeof dt_set);
    dt_err[0] = '\0';
}

static void dt_teardown(void)
{
    blr_data_free(&dt_set);
    for (int i = 0; i < dt_n_files; i++)
        remove(dt_files[i]);
    rmdir(dt_dir);
}

TestSuite(data, .init = dt_setup, .fini = dt_teardown, .timeout = 60);

/* The path of a fixture in the temp directory; it is removed after the test. */
static const char *dt_path(const char *name)
{
    cr_assert_lt(dt_n_files, DT_MAX_FILES);
    char *p = dt_files[dt_n_files++];
    snprintf(p, DT_PATH, "%s/%s", dt_dir, name);
    return p;
}

static void dt_write(const char *path, const void *bytes, size_t len, int gz)
{
    if (gz) {
        gzFile f = gzopen(path, "wb");
        cr_assert_not_null(f, "cannot write %s", path);
        cr_assert_eq(gzwrite(f, bytes, (unsigned)len), (int)len);
        cr_assert_eq(gzclose(f), Z_OK);
    } else {
        FILE *f = fopen(path, "wb");
        cr_assert_not_null(f, "cannot write %s", path);
        cr_assert_eq(fwrite(bytes, 1, len, f), len);
        cr_assert_eq(fclose(f), 0);
    }
}

static size_t dt_put32(unsigned char *b, uint32_t v)
{
    b[0] = (unsigned char)(v >> 24);
    b[1] = (unsigned char)(v >> 16);
    b[2] = (unsigned char)(v >> 8);
    b[3] = (unsigned char)v;
    return 4;
}

/* An IDX file: magic, ndim big-endian sizes, then `len` payload bytes. */
static const char *dt_idx(const char *name, uint32_t magic, const uint32_t *dims, int ndim,
                          const unsigned char *payload, size_t len, int gz)
{
    unsigned char *b = malloc(4 + 4 * (size_t)ndim + len);
    cr_assert_not_null(b);
    size_t at = dt_put32(b, magic);
    for (int i = 0; i < ndim; i++)
        at += dt_put32(b + at, dims[i]);
    if (len)
        memcpy(b + at, payload, len);
    const char *p = dt_path(name);
    dt_write(p, b, at + len, gz);
    free(b);
    return p;
}

/* Three 2 x 3 images and their labels {2, 0, 7}. */
static const unsigned char dt_pixels[18] = {0, 255, 51, 102, 1, 254,   /* image 1 */
                                            10, 20, 30, 40, 50, 60,    /* image 2 */
                                            255, 0, 128, 127, 200, 3}; /* image 3 */
static const unsigned char dt_labels[3] = {2, 0, 7};

static const char *dt_images_file(const char *name, int gz)
{
    const uint32_t dims[3] = {3, 2, 3};
    return dt_idx(name, 0x803, dims, 3, dt_pixels, sizeof dt_pixels, gz);
}

static const char *dt_labels_file(const char *name, int gz)
{
    const uint32_t dims[1] = {3};
    return dt_idx(name, 0x801, dims, 1, dt_labels, sizeof dt_labels, gz);
}

static void dt_check_tiny(void)
{
    cr_assert_eq(dt_set.n, 3);
    cr_assert_eq(dt_set.d, 6);
    cr_assert_eq(dt_set.k, 8, "k = max label 7 + 1");
    cr_assert_null(dt_set.target);
    cr_assert_null(dt_set.feature_names);
    for (int i = 0; i < 18; i++)
        cr_assert_eq(dt_set.x[i], (float)dt_pixels[i] / 255.0f, "pixel %d", i);
    cr_assert_eq(dt_set.x[0], 0.0f);
    cr_assert_eq(dt_set.x[1], 1.0f);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(dt_set.label[i], dt_labels[i]);
}

Test(data, idx_gz_round_trip)
{
    const char *im = dt_images_file("im.gz", 1), *lb = dt_labels_file("lb.gz", 1);
    int rc = blr_data_load_idx(im, lb, &dt_set, dt_err, sizeof dt_err);
    cr_assert_eq(rc, 0, "%s", dt_err);
    dt_check_tiny();
}

Test(data, idx_plain_round_trip)
{
    const char *im = dt_images_file("im", 0), *lb = dt_labels_file("lb", 0);
    int rc = blr_data_load_idx(im, lb, &dt_set, dt_err, sizeof dt_err);
    cr_assert_eq(rc, 0, "%s", dt_err);
    dt_check_tiny();
}

/* Checks a real set: sizes, k = 10, every pixel in [0,1] with both ends used, and every
 * label in 0..9. */
static void dt_check_real(const char *im, const char *lb, size_t n)
{
    int rc = blr_data_load_idx(im, lb, &dt_set, dt_err, sizeof dt_err);
    cr_assert_eq(rc, 0, "%s", dt_err);
    cr_assert_eq(dt_set.n, n, "%s: %zu images, want %zu", im, dt_set.n, n);
    cr_assert_eq(dt_set.d, 784);
    cr_assert_eq(dt_set.k, 10);
    float lo = 1.0f, hi = 0.0f;
    for (size_t i = 0; i < n * 784; i++) {
        lo = dt_set.x[i] < lo ? dt_set.x[i] : lo;
        hi = dt_set.x[i] > hi ? dt_set.x[i] : hi;
    }
    cr_assert(lo == 0.0f && hi == 1.0f, "pixel range [%g, %g]", lo, hi);
    for (size_t i = 0; i < n; i++)
        cr_assert(dt_set.label[i] >= 0 && dt_set.label[i] < 10);
    blr_data_free(&dt_set);
}

static void dt_check_standard(const char *set, size_t n_train, size_t n_test)
{
    char p[4][512];
    cr_assert_eq(blr_data_standard_paths(set, p), 0);
    struct stat st;
    for (int i = 0; i < 4; i++)
        if (stat(p[i], &st) != 0)
            cr_skip_test("%s is not available (%s)", set, p[i]);
    dt_check_real(p[0], p[1], n_train);
    dt_check_real(p[2], p[3], n_test);
}

Test(data, real_fashion_mnist)
{
    unsetenv("BLR_FASHION_DIR");
    dt_check_standard("fashion-mnist", 60000, 10000);
}

/* scripts/fetch-data.sh splits the npm package's 10,000 digits into 8000 + 2000. The path
 * is relative: this runs from the project root, as `make test` does. */
Test(data, real_mnist)
{
    unsetenv("BLR_DATA_DIR");
    dt_check_standard("mnist", 8000, 2000);
}

/* ---- IDX errors ----------------------------------------------------------------------- */

/* The load fails, `out` is untouched, and the message starts with `prefix` and says `what`. */
static void dt_idx_fails(const char *im, const char *lb, const char *prefix, const char *what)
{
    int rc = blr_data_load_idx(im, lb, &dt_set, dt_err, sizeof dt_err);
    cr_assert_eq(rc, -1, "a bad IDX file loaded");
    cr_assert(dt_set.n == 0 && dt_set.x == NULL && dt_set.label == NULL);
    cr_assert_eq(strncmp(dt_err, prefix, strlen(prefix)), 0, "got  '%s'\nwant '%s...'", dt_err,
                 prefix);
    cr_assert_not_null(strstr(dt_err, what), "'%s' does not say '%s'", dt_err, what);
}

static void dt_idx_fails_at(const char *file, const char *im, const char *lb, int record,
                            const char *what)
{
    char prefix[DT_PATH + 32];
    snprintf(prefix, sizeof prefix, "%s: record %d: ", file, record);
    dt_idx_fails(im, lb, prefix, what);
}

Test(data, idx_bad_magic)
{
    const uint32_t dims[3] = {3, 2, 3};
    const char *lb = dt_labels_file("lb.gz", 1);
    const char *im = dt_idx("zip.gz", 0x504b0304, dims, 3, dt_pixels, 18, 1);
    dt_idx_fails_at(im, im, lb, 0, "bad magic 0x504b0304: not an IDX file");
    im = dt_idx("float.gz", 0x00000d03, dims, 3, dt_pixels, 18, 1);
    dt_idx_fails_at(im, im, lb, 0, "element type 0x0d is not unsigned byte");
    /* Files swapped: the labels' magic in the images' place. */
    im = dt_images_file("im.gz", 1);
    dt_idx_fails_at(lb, lb, im, 0, "bad magic 0x00000801: 1 dimension, but IDX images have 3");
    dt_idx_fails_at(im, im, im, 0, "bad magic 0x00000803: 3 dimensions, but IDX labels have 1");
}

Test(data, idx_wrong_dims)
{
    const char *lb = dt_labels_file("lb.gz", 1);
    const uint32_t two[2] = {3, 6};
    const char *im = dt_idx("two.gz", 0x802, two, 2, dt_pixels, 18, 1);
    dt_idx_fails_at(im, im, lb, 0, "bad magic 0x00000802: 2 dimensions, but IDX images have 3");
    const uint32_t zero_rows[3] = {3, 0, 3};
    im = dt_idx("rows.gz", 0x803, zero_rows, 3, dt_pixels, 18, 1);
    dt_idx_fails_at(im, im, lb, 0, "the number of rows is 0");
    const uint32_t zero_n[3] = {0, 2, 3};
    im = dt_idx("empty.gz", 0x803, zero_n, 3, NULL, 0, 1);
    dt_idx_fails_at(im, im, lb, 0, "the number of images is 0");
    /* 1024 x 1025 = 2^20 + 1024 pixels, just over the limit of 2^20. */
    const uint32_t huge[3] = {3, 1024, 1025};
    im = dt_idx("huge.gz", 0x803, huge, 3, dt_pixels, 18, 1);
    dt_idx_fails_at(im, im, lb, 0, "exceed the limit of 1048576 pixels");
    const uint32_t zero_labels[1] = {0};
    im = dt_images_file("im.gz", 1);
    lb = dt_idx("lb0.gz", 0x801, zero_labels, 1, NULL, 0, 1);
    dt_idx_fails_at(lb, im, lb, 0, "the number of labels is 0");
}

Test(data, idx_truncated_header)
{
    const char *lb = dt_labels_file("lb", 0);
    const unsigned char two[2] = {0, 0};
    const char *im = dt_path("im2");
    dt_write(im, two, 2, 0);
    dt_idx_fails_at(im, im, lb, 0, "ends inside the magic number");
    /* Magic and two of the three sizes: 12 of 16 header bytes. */
    const unsigned char part[12] = {0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2};
    im = dt_path("im12");
    dt_write(im, part, sizeof part, 1);
    dt_idx_fails_at(im, im, lb, 0, "the header ends after 12 of 16 bytes");
}

/* 18 pixel bytes are three 6-pixel images; 14 bytes hold two whole images and 2 pixels of
 * the third, so record 3 is the first missing one. */
Test(data, idx_truncated_images)
{
    const uint32_t dims[3] = {3, 2, 3};
    const char *lb = dt_labels_file("lb.gz", 1);
    const char *im = dt_idx("short.gz", 0x803, dims, 3, dt_pixels, 14, 1);
    dt_idx_fails_at(im, im, lb, 3, "truncated: the header announces 3 images, but only 2");
    im = dt_idx("short", 0x803, dims, 3, dt_pixels, 6, 0);
    dt_idx_fails_at(im, im, lb, 2, "only 1 are complete");
    im = dt_idx("none", 0x803, dims, 3, NULL, 0, 0);
    dt_idx_fails_at(im, im, lb, 1, "only 0 are complete");
}

/* A gzip file whose header announces 2^31 - 1 images of 28 x 28: no deflate stream of its
 * size inflates that far, so the header alone is refused, before any record is inflated. */
Test(data, idx_count_beyond_what_the_gzip_file_can_hold)
{
    const uint32_t dims[3] = {2147483647u, 28, 28};
    const char *lb = dt_labels_file("lb.gz", 1);
    const char *im = dt_idx("bomb.gz", 0x803, dims, 3, dt_pixels, 18, 1);
    dt_idx_fails_at(im, im, lb, 0, "the header announces 2147483647 images (1683627179248 "
                                   "bytes), more than the file can hold");
    const uint32_t n_labels[1] = {2147483647u};
    lb = dt_idx("lbomb.gz", 0x801, n_labels, 1, dt_labels, 3, 1);
    im = dt_images_file("im.gz", 1);
    dt_idx_fails_at(lb, im, lb, 0, "the header announces 2147483647 labels");
}

/* Labels are read before the images, so a count the labels file does not bear out is
 * reported before the (784 times larger) images are read. */
Test(data, idx_labels_are_read_first)
{
    const uint32_t dims[3] = {3, 2, 3}, three[1] = {3};
    const char *im = dt_idx("short.gz", 0x803, dims, 3, dt_pixels, 14, 1);
    const char *lb = dt_idx("lb-short.gz", 0x801, three, 1, dt_labels, 2, 1);
    dt_idx_fails_at(lb, im, lb, 3, "the header announces 3 labels, but only 2");
}

/* N images of 2 x 2 pseudo-random (poorly compressible) pixels and N zero labels, gzipped. */
enum { DT_N = 2000, DT_D = 4 };

static void dt_noise_files(const char **im, const char **lb)
{
    unsigned char *px = malloc(DT_N * DT_D);
    unsigned char *lab = calloc(DT_N, 1);
    cr_assert(px && lab);
    uint32_t v = 1;
    for (int i = 0; i < DT_N * DT_D; i++) { /* a small LCG */
        v = v * 1103515245u + 12345u;
        px[i] = (unsigned char)(v >> 24);
    }
    const uint32_t dims[3] = {DT_N, 2, 2}, ldims[1] = {DT_N};
    *im = dt_idx("noise.gz", 0x803, dims, 3, px, DT_N * DT_D, 1);
    *lb = dt_idx("lb.gz", 0x801, ldims, 1, lab, DT_N, 1);
    free(px);
    free(lab);
}

/* The load fails and the message names a record of the file: 0..N, or N + 1 when the
 * damage only shows in the gzip trailer's check. zlib decodes ahead in blocks of several
 * KiB, so damage can surface while an earlier record (even the header) is being read. */
static void dt_fails_in_records(const char *im, const char *lb)
{
    int rc = blr_data_load_idx(im, lb, &dt_set, dt_err, sizeof dt_err);
    cr_assert_eq(rc, -1, "a damaged file loaded");
    unsigned long rec = 0;
    char format[DT_PATH + 16];
    snprintf(format, sizeof format, "%s: record %%lu: ", im);
    cr_assert_eq(sscanf(dt_err, format, &rec), 1, "'%s' names no record", dt_err);
    cr_assert(rec <= DT_N + 1, "record %lu of %d: %s", rec, DT_N, dt_err);
}

/* A gzip stream cut in the middle: whatever decompresses before the cut counts, and the
 * message names the first image that did not. */
Test(data, idx_truncated_gzip_stream)
{
    const char *im, *lb;
    dt_noise_files(&im, &lb);
    struct stat st;
    cr_assert_eq(stat(im, &st), 0);
    cr_assert_eq(truncate(im, st.st_size / 2), 0);
    dt_fails_in_records(im, lb);
    cr_assert_not_null(strstr(dt_err, "truncated"), "%s", dt_err);
}

/* One byte flipped in the middle of the compressed data: a decoding error, or at the
 * latest the CRC-32 of the trailer, must catch it. */
Test(data, idx_corrupt_gzip_stream)
{
    const char *im, *lb;
    dt_noise_files(&im, &lb);
    struct stat st;
    cr_assert_eq(stat(im, &st), 0);
    FILE *f = fopen(im, "r+b");
    cr_assert_not_null(f);
    cr_assert_eq(fseek(f, st.st_size / 2, SEEK_SET), 0);
    int c = fgetc(f);
    cr_assert_neq(c, EOF);
    cr_assert_eq(fseek(f, st.st_size / 2, SEEK_SET), 0);
    fputc(c ^ 0x5a, f);
    cr_assert_eq(fclose(f), 0);
    dt_fails_in_records(im, lb);
}

Test(data, idx_extra_data)
{
    const uint32_t dims[3] = {2, 1, 3}; /* 2 images of 3 pixels, but 18 bytes follow */
    const char *lb2 = dt_idx("lb2", 0x801, (const uint32_t[]){2}, 1, dt_labels, 2, 0);
    const char *im = dt_idx("long", 0x803, dims, 3, dt_pixels, 18, 0);
    dt_idx_fails_at(im, im, lb2, 3, "unexpected data after the last of the 2 images");
}

Test(data, idx_label_count_mismatch)
{
    const char *im = dt_images_file("im.gz", 1);
    const char *lb = dt_idx("lb2.gz", 0x801, (const uint32_t[]){2}, 1, dt_labels, 2, 1);
    char what[DT_PATH + 64];
    snprintf(what, sizeof what, "2 labels, but %s has 3 images", im);
    dt_idx_fails_at(lb, im, lb, 0, what);
}

Test(data, idx_truncated_labels)
{
    const char *im = dt_images_file("im.gz", 1);
    const char *lb = dt_idx("lb.gz", 0x801, (const uint32_t[]){3}, 1, dt_labels, 2, 1);
    dt_idx_fails_at(lb, im, lb, 3, "the header announces 3 labels, but only 2");
}

Test(data, idx_missing_file)
{
    const char *lb = dt_labels_file("lb.gz", 1);
    const char *im = dt_path("absent.gz");
    char want[DT_PATH + 64];
    snprintf(want, sizeof want, "%s: error: cannot open: %s", im, strerror(ENOENT));
    cr_assert_eq(blr_data_load_idx(im, lb, &dt_set, dt_err, sizeof dt_err), -1);
    cr_assert_str_eq(dt_err, want);
    im = dt_images_file("im.gz", 1);
    snprintf(want, sizeof want, "%s: error: cannot open: %s", dt_dir, strerror(EISDIR));
    cr_assert_eq(blr_data_load_idx(im, dt_dir, &dt_set, dt_err, sizeof dt_err), -1);
    cr_assert_str_eq(dt_err, want);
}

/* ---- CSV ------------------------------------------------------------------------------ */

static const char *dt_csv(const char *name, const char *text)
{
    const char *p = dt_path(name);
    dt_write(p, text, strlen(text), 0);
    return p;
}

static void dt_csv_ok(const char *text, const char *target, int classification)
{
    const char *p = dt_csv("ok.csv", text);
    int rc = blr_data_load_csv(p, target, classification, &dt_set, dt_err, sizeof dt_err);
    cr_assert_eq(rc, 0, "%s", dt_err);
}

/* The load fails with exactly "PATH:LINE:COL: error: message". */
static void dt_csv_fails(const char *text, const char *target, int classification, int line,
                         int col, const char *message)
{
    const char *p = dt_csv("bad.csv", text);
    int rc = blr_data_load_csv(p, target, classification, &dt_set, dt_err, sizeof dt_err);
    cr_assert_eq(rc, -1, "a bad CSV file loaded:\n%s", text);
    cr_assert(dt_set.n == 0 && dt_set.x == NULL && dt_set.feature_names == NULL);
    char want[DT_PATH + 256];
    snprintf(want, sizeof want, "%s:%d:%d: error: %s", p, line, col, message);
    cr_assert_str_eq(dt_err, want);
    remove(p);
    dt_n_files--;
}

Test(data, csv_regression)
{
    /* Spaces and tabs around cells, CRLF, and blank lines at the end are all allowed. */
    dt_csv_ok(" a ,\tb , y\r\n1,2,3\r\n 4 , 5e-1 ,-6.25\r\n\n  \n", NULL, 0);
    cr_assert_eq(dt_set.n, 2);
    cr_assert_eq(dt_set.d, 2);
    cr_assert_eq(dt_set.k, 0);
    cr_assert_null(dt_set.label);
    const float x[4] = {1, 2, 4, 0.5f}, y[2] = {3, -6.25f};
    for (int i = 0; i < 4; i++)
        cr_assert_eq(dt_set.x[i], x[i]);
    cr_assert(dt_set.target[0] == y[0] && dt_set.target[1] == y[1]);
    cr_assert_str_eq(dt_set.feature_names[0], "a");
    cr_assert_str_eq(dt_set.feature_names[1], "b");
}

Test(data, csv_classification)
{
    dt_csv_ok("x1,x2,label\n0.5,1,2\n-1,0,0\n3,4,+5\n7,8,2", NULL, 1);
    cr_assert_eq(dt_set.n, 4);
    cr_assert_eq(dt_set.d, 2);
    cr_assert_eq(dt_set.k, 6, "k = max label 5 + 1");
    cr_assert_null(dt_set.target);
    const int lab[4] = {2, 0, 5, 2};
    const float x[8] = {0.5f, 1, -1, 0, 3, 4, 7, 8};
    for (int i = 0; i < 4; i++)
        cr_assert_eq(dt_set.label[i], lab[i]);
    for (int i = 0; i < 8; i++)
        cr_assert_eq(dt_set.x[i], x[i]);
}

Test(data, csv_named_target)
{
    /* The target first: features are the other columns, in file order. */
    dt_csv_ok("y,a,b\n1,2,3\n4,5,6\n", "y", 0);
    cr_assert_eq(dt_set.d, 2);
    cr_assert(dt_set.target[0] == 1 && dt_set.target[1] == 4);
    const float x[4] = {2, 3, 5, 6};
    for (int i = 0; i < 4; i++)
        cr_assert_eq(dt_set.x[i], x[i]);
    cr_assert_str_eq(dt_set.feature_names[0], "a");
    cr_assert_str_eq(dt_set.feature_names[1], "b");
    blr_data_free(&dt_set);
    /* "" means the last column, like NULL. */
    dt_csv_ok("y,a,b\n1,2,3\n", "", 0);
    cr_assert_eq(dt_set.target[0], 3.0f);
    cr_assert_str_eq(dt_set.feature_names[0], "y");
}

/* The bundled regression problem: the header its generator writes, 100 rows. */
Test(data, csv_bundled_linreg)
{
    const char *p = "experiments/data/linreg.csv";
    struct stat st;
    if (stat(p, &st) != 0)
        cr_skip_test("run from the project root to find %s", p);
    int rc = blr_data_load_csv(p, "y", 0, &dt_set, dt_err, sizeof dt_err);
    cr_assert_eq(rc, 0, "%s", dt_err);
    cr_assert_eq(dt_set.n, 100);
    cr_assert_eq(dt_set.d, 5);
    static const char *const names[5] = {"x1", "x2", "x3", "x4", "x5"};
    for (int j = 0; j < 5; j++)
        cr_assert_str_eq(dt_set.feature_names[j], names[j]);
}

Test(data, csv_not_a_number)
{
    /* line 3, field 2 */
    dt_csv_fails("a,b,y\n1,2,3\n4,abc,6\n", NULL, 0, 3, 2, "column 'b': 'abc' is not a number");
    dt_csv_fails("a,b,y\n1,2x,3\n", NULL, 0, 2, 2, "column 'b': '2x' is not a number");
    dt_csv_fails("a,b,y\n1,,3\n", NULL, 0, 2, 2, "column 'b': empty cell");
    dt_csv_fails("a,b,y\n1,2,zz\n", NULL, 0, 2, 3, "column 'y': 'zz' is not a number");
    dt_csv_fails("a,b,y\n1,\"2\",3\n", NULL, 0, 2, 2, "quoted fields are not supported (\"2\")");
}

Test(data, csv_not_finite)
{
    dt_csv_fails("a,b,y\nnan,2,3\n", NULL, 0, 2, 1, "column 'a': 'nan' is not a finite number");
    dt_csv_fails("a,b,y\n1,inf,3\n", NULL, 0, 2, 2, "column 'b': 'inf' is not a finite number");
    dt_csv_fails("a,b,y\n1,2,-Infinity\n", NULL, 0, 2, 3,
                 "column 'y': '-Infinity' is not a finite number");
    dt_csv_fails("a,b,y\n1e999,2,3\n", NULL, 0, 2, 1,
                 "column 'a': '1e999' is not a finite number");
    /* A finite double beyond FLT_MAX (about 3.4e38) would become inf as a float. */
    dt_csv_fails("a,b,y\n1,1e39,3\n", NULL, 0, 2, 2, "column 'b': '1e39' is out of the float range");
}

Test(data, csv_field_count)
{
    /* Too few: the first missing field is column 3; too many: the first extra is column 4. */
    dt_csv_fails("a,b,y\n1,2,3\n4,5\n", NULL, 0, 3, 3, "expected 3 fields as in the header, found 2");
    dt_csv_fails("a,b,y\n1,2,3,4\n", NULL, 0, 2, 4, "expected 3 fields as in the header, found 4");
}

Test(data, csv_missing_target)
{
    dt_csv_fails("a,b,c\n1,2,3\n", "y", 0, 1, 1, "no column named 'y'");
}

Test(data, csv_bad_class_labels)
{
    dt_csv_fails("a,label\n1,0\n2,-1\n", NULL, 1, 3, 2, "column 'label': class label -1 is negative");
    dt_csv_fails("a,label\n1,1.5\n", NULL, 1, 2, 2,
                 "column 'label': '1.5' is not a class label (an integer >= 0)");
    dt_csv_fails("a,label\n1,cat\n", NULL, 1, 2, 2,
                 "column 'label': 'cat' is not a class label (an integer >= 0)");
    dt_csv_fails("a,label\n1,65536\n", NULL, 1, 2, 2,
                 "column 'label': class label 65536 is larger than 65535");
}

Test(data, csv_empty_and_header_only)
{
    dt_csv_fails("", NULL, 0, 1, 1, "empty file: a header line naming the columns is required");
    dt_csv_fails("\n\n", NULL, 0, 1, 1, "the header line is empty");
    dt_csv_fails("a,y\n", NULL, 0, 1, 1, "no data rows after the header");
    dt_csv_fails("a,y\n\n\n", NULL, 0, 1, 1, "no data rows after the header");
}

Test(data, csv_bad_header)
{
    dt_csv_fails("a,,y\n1,2,3\n", NULL, 0, 1, 2, "column 2 has an empty name");
    dt_csv_fails("a,b,a\n1,2,3\n", NULL, 0, 1, 3, "column 'a' appears twice (also column 1)");
    dt_csv_fails("y\n1\n", NULL, 0, 1, 1, "no feature columns: the header names only the target 'y'");
    dt_csv_fails("\"a\",y\n1,2\n", NULL, 0, 1, 1, "quoted fields are not supported (\"a\")");
    char text[200];
    snprintf(text, sizeof text, "%s,y\n1,2\n",
             "c234567890123456789012345678901234567890123456789012345678901234"); /* 64 */
    dt_csv_fails(text, NULL, 0, 1, 1,
                 "column name 'c234567890123456789012345678901234567890...' is longer than 63 "
                 "characters");
}

Test(data, csv_blank_line_inside)
{
    /* The blank line 3 is followed by data, so it is reported. */
    dt_csv_fails("a,y\n1,2\n\n3,4\n", NULL, 0, 3, 1,
                 "empty line inside the data (only the end of the file may have empty lines)");
}

Test(data, csv_byte_order_mark_is_skipped)
{
    dt_csv_ok("\xef\xbb\xbf" "a,y\n1,2\n", NULL, 0);
    cr_assert_str_eq(dt_set.feature_names[0], "a");
    cr_assert_str_eq(dt_set.target_name, "y");
}

/* n column names "c0,c1,...", the last one repeating `dup` when dup >= 0. */
static char *dt_wide_header(int n, int dup)
{
    char *s = malloc((size_t)n * 8 + 16);
    cr_assert_not_null(s);
    size_t o = 0;
    for (int i = 0; i < n; i++)
        o += (size_t)sprintf(s + o, "%sc%d", i ? "," : "", i == n - 1 && dup >= 0 ? dup : i);
    strcpy(s + o, "\n");
    return s;
}

/* Names are checked for repeats by sorting: a header of 65536 columns with the repeat at
 * its end is still reported at the right columns. One more column is over the limit. */
Test(data, csv_wide_headers)
{
    char *h = dt_wide_header(65536, 3);
    dt_csv_fails(h, NULL, 0, 1, 65536, "column 'c3' appears twice (also column 4)");
    free(h);
    h = dt_wide_header(65537, -1);
    dt_csv_fails(h, NULL, 0, 1, 1, "more than 65536 columns");
    free(h);
}

/* A test file is read against its training set: columns by name, in any order; the target
 * by the training set's when none is named. */
Test(data, csv_columns_are_matched_by_name)
{
    blr_dataset train;
    const char *p = dt_csv("train.csv", "a,b,y\n1,2,3\n");
    cr_assert_eq(blr_data_load_csv(p, NULL, 0, &train, dt_err, sizeof dt_err), 0, "%s", dt_err);
    p = dt_csv("test.csv", "b,y,a\n20,30,10\n");
    cr_assert_eq(blr_data_load_csv_like(p, NULL, 0, &train, &dt_set, dt_err, sizeof dt_err), 0,
                 "%s", dt_err);
    cr_assert(dt_set.d == 2 && dt_set.x[0] == 10.0f && dt_set.x[1] == 20.0f);
    cr_assert(dt_set.target[0] == 30.0f);
    cr_assert_str_eq(dt_set.feature_names[0], "a");
    blr_data_free(&dt_set);
    p = dt_csv("test2.csv", "a,y\n1,3\n");
    cr_assert_eq(blr_data_load_csv_like(p, NULL, 0, &train, &dt_set, dt_err, sizeof dt_err), -1);
    cr_assert(strstr(dt_err, "test2.csv:1:1: error: no column 'b', a feature of the training "
                             "file"), "%s", dt_err);
    blr_data_free(&train);
}

Test(data, csv_unopenable)
{
    const char *p = dt_path("absent.csv");
    char want[DT_PATH + 64];
    snprintf(want, sizeof want, "%s: error: cannot open: %s", p, strerror(ENOENT));
    cr_assert_eq(blr_data_load_csv(p, NULL, 0, &dt_set, dt_err, sizeof dt_err), -1);
    cr_assert_str_eq(dt_err, want);
}

/* ---- subsets, permutations, gathers -------------------------------------------------------- */

/* n examples whose single feature is the row index and whose label is index mod 3. */
static void dt_indexed(size_t n)
{
    dt_set.n = n;
    dt_set.d = 2;
    dt_set.k = 3;
    dt_set.x = malloc(2 * n * sizeof *dt_set.x);
    dt_set.label = malloc(n * sizeof *dt_set.label);
    cr_assert(dt_set.x && dt_set.label);
    for (size_t i = 0; i < n; i++) {
        dt_set.x[2 * i] = (float)i;
        dt_set.x[2 * i + 1] = -(float)i;
        dt_set.label[i] = (int)(i % 3);
    }
}

static void dt_subset(uint64_t seed, size_t k, size_t *rows)
{
    blr_data_free(&dt_set);
    dt_indexed(50);
    blr_rng r;
    blr_rng_init(&r, seed, BLR_RNG_TEST, 0);
    cr_assert_eq(blr_data_subset(&dt_set, k, &r, dt_err, sizeof dt_err), 0, "%s", dt_err);
    cr_assert_eq(dt_set.n, k);
    for (size_t i = 0; i < k; i++) {
        rows[i] = (size_t)dt_set.x[2 * i];
        cr_assert_eq(dt_set.x[2 * i + 1], -(float)rows[i], "row %zu was torn apart", i);
        cr_assert_eq(dt_set.label[i], (int)(rows[i] % 3), "label left behind its row");
    }
}

Test(data, subset_is_seeded)
{
    size_t a[10], b[10], c[10];
    dt_subset(1, 10, a);
    dt_subset(1, 10, b);
    dt_subset(2, 10, c);
    cr_assert_arr_eq(a, b, sizeof a, "the same seed gave different subsets");
    cr_assert(memcmp(a, c, sizeof a) != 0, "seeds 1 and 2 gave the same subset");
    for (int i = 0; i < 10; i++)
        for (int j = 0; j < i; j++)
            cr_assert_neq(a[i], a[j], "row %zu drawn twice", a[i]);
    /* The documented rule: the first k entries of the permutation from the same stream. */
    size_t idx[50];
    blr_rng r;
    blr_rng_init(&r, 1, BLR_RNG_TEST, 0);
    blr_data_permutation(idx, 50, &r);
    for (int i = 0; i < 10; i++)
        cr_assert_eq(a[i], idx[i]);
}

Test(data, subset_keeps_all_when_k_is_0_or_at_least_n)
{
    const size_t ks[3] = {0, 50, 51};
    for (int t = 0; t < 3; t++) {
        blr_data_free(&dt_set);
        dt_indexed(50);
        blr_rng r, fresh;
        blr_rng_init(&r, 9, BLR_RNG_TEST, 0);
        fresh = r;
        cr_assert_eq(blr_data_subset(&dt_set, ks[t], &r, dt_err, sizeof dt_err), 0);
        cr_assert_eq(dt_set.n, 50);
        for (size_t i = 0; i < 50; i++)
            cr_assert_eq(dt_set.x[2 * i], (float)i, "k = %zu reordered the rows", ks[t]);
        cr_assert_eq(blr_rng_next(&r), blr_rng_next(&fresh), "k = %zu used the stream", ks[t]);
    }
}

Test(data, subset_of_regression_targets)
{
    dt_indexed(20);
    free(dt_set.label);
    dt_set.label = NULL;
    dt_set.k = 0;
    dt_set.target = malloc(20 * sizeof *dt_set.target);
    cr_assert_not_null(dt_set.target);
    for (int i = 0; i < 20; i++)
        dt_set.target[i] = 0.5f * (float)i;
    blr_rng r;
    blr_rng_init(&r, 3, BLR_RNG_TEST, 0);
    cr_assert_eq(blr_data_subset(&dt_set, 7, &r, dt_err, sizeof dt_err), 0);
    cr_assert_null(dt_set.label);
    for (int i = 0; i < 7; i++)
        cr_assert_eq(dt_set.target[i], 0.5f * dt_set.x[2 * i]);
}

Test(data, permutation_is_a_permutation)
{
    enum { N = 1000 };
    size_t idx[N];
    unsigned char seen[N] = {0};
    blr_rng r;
    blr_rng_init(&r, 4, BLR_RNG_TEST, 0);
    blr_data_permutation(idx, N, &r);
    size_t fixed = 0;
    for (int i = 0; i < N; i++) {
        cr_assert_lt(idx[i], (size_t)N);
        cr_assert_eq(seen[idx[i]]++, 0, "%zu appears twice", idx[i]);
        fixed += idx[i] == (size_t)i;
    }
    /* Fixed points of a uniform permutation are about Poisson(1): 20 would be P < 1e-18. */
    cr_assert_lt(fixed, 20);
    blr_data_permutation(idx, 1, &r);
    cr_assert_eq(idx[0], 0);
    blr_data_permutation(idx, 0, &r); /* nothing to do, nothing written */
}

/* Every one of the 4! = 24 orders of 4 items must be equally likely. Pearson's chi-square
 * over 24000 draws has 23 degrees of freedom; its p-value comes from GSL. Common slips
 * fail it outright: Sattolo's variant (j < i) only makes the 6 cyclic orders, and drawing j
 * from all n at every step favours some orders (n^n = 256 paths onto 24 orders). */
Test(data, permutation_is_uniform)
{
    enum { ITEMS = 4, ORDERS = 24, DRAWS = 24000 };
    long count[ORDERS] = {0};
    blr_rng r;
    blr_rng_init(&r, 5, BLR_RNG_TEST, 0);
    for (int t = 0; t < DRAWS; t++) {
        size_t idx[ITEMS];
        blr_data_permutation(idx, ITEMS, &r);
        /* Lehmer code: the rank of the order among all 24. */
        int rank = 0;
        for (int i = 0; i < ITEMS; i++) {
            int smaller = 0;
            for (int j = i + 1; j < ITEMS; j++)
                smaller += idx[j] < idx[i];
            rank = rank * (ITEMS - i) + smaller;
        }
        count[rank]++;
    }
    const double expect = (double)DRAWS / ORDERS;
    double chi2 = 0.0;
    for (int o = 0; o < ORDERS; o++)
        chi2 += (count[o] - expect) * (count[o] - expect) / expect;
    double p = gsl_cdf_chisq_Q(chi2, ORDERS - 1);
    cr_assert_gt(p, 1e-4, "chi2 %.1f on %d dof: p = %.3g", chi2, ORDERS - 1, p);
}

Test(data, gather)
{
    dt_indexed(6);
    dt_set.target = malloc(6 * sizeof *dt_set.target);
    cr_assert_not_null(dt_set.target);
    for (int i = 0; i < 6; i++)
        dt_set.target[i] = 10.0f + (float)i;
    const size_t idx[4] = {5, 0, 5, 2};
    float x[8], t[4];
    int lab[4];
    blr_data_gather(&dt_set, idx, 4, x, lab, t);
    for (int i = 0; i < 4; i++) {
        cr_assert(x[2 * i] == (float)idx[i] && x[2 * i + 1] == -(float)idx[i]);
        cr_assert_eq(lab[i], (int)(idx[i] % 3));
        cr_assert_eq(t[i], 10.0f + (float)idx[i]);
    }
    /* Either output may be left out. */
    float x2[8];
    blr_data_gather(&dt_set, idx, 4, x2, NULL, NULL);
    cr_assert_arr_eq(x, x2, sizeof x);
}

Test(data, free_is_safe_and_zeroes)
{
    blr_dataset z = {0};
    blr_data_free(&z);
    blr_data_free(NULL);
    dt_indexed(3);
    blr_data_free(&dt_set);
    cr_assert(dt_set.n == 0 && dt_set.d == 0 && dt_set.k == 0 && dt_set.x == NULL &&
              dt_set.label == NULL);
    blr_data_free(&dt_set);
}

Test(data, standard_paths)
{
    char p[4][512];
    unsetenv("BLR_FASHION_DIR");
    unsetenv("BLR_DATA_DIR");
    cr_assert_eq(blr_data_standard_paths("fashion-mnist", p), 0);
    cr_assert_str_eq(p[0], "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz");
    cr_assert_str_eq(p[1], "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz");
    cr_assert_str_eq(p[2], "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");
    cr_assert_str_eq(p[3], "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz");
    setenv("BLR_FASHION_DIR", "/f", 1);
    setenv("BLR_DATA_DIR", "/r", 1);
    cr_assert_eq(blr_data_standard_paths("fashion-mnist", p), 0);
    cr_assert_str_eq(p[1], "/f/train-labels-idx1-ubyte.gz");
    cr_assert_eq(blr_data_standard_paths("mnist", p), 0);
    cr_assert_str_eq(p[2], "/r/mnist/t10k-images-idx3-ubyte.gz");
    cr_assert_eq(blr_data_standard_paths("cifar10", p), -1);
    cr_assert_eq(blr_data_standard_paths(NULL, p), -1);
    char longdir[600];
    memset(longdir, 'a', sizeof longdir - 1);
    longdir[sizeof longdir - 1] = '\0';
    setenv("BLR_DATA_DIR", longdir, 1);
    cr_assert_eq(blr_data_standard_paths("mnist", p), -1, "a path that does not fit");
}

/* Without BLR_DATA_DIR, mnist is read from ./data when it holds the set, else from the data/
 * of this program's home: for build/tests/blr_tests, the repository that has
 * scripts/fetch-data.sh. */
Test(data, mnist_search_order)
{
    char tmp[] = "/tmp/blr_data_XXXXXX", home[512], p[4][512], script[600];
    cr_assert_not_null(mkdtemp(tmp));
    cr_assert_eq(chdir(tmp), 0);
    unsetenv("BLR_DATA_DIR");
    cr_assert_eq(blr_data_home(home, sizeof home), 0);
    snprintf(script, sizeof script, "%s/scripts/fetch-data.sh", home);
    cr_assert_eq(access(script, R_OK), 0, "%s", script);
    cr_assert_eq(blr_data_standard_paths("mnist", p), 0);
    char want[1024];
    snprintf(want, sizeof want, "%s/data/mnist/t10k-images-idx3-ubyte.gz", home);
    cr_assert_str_eq(p[2], want, "an empty current directory");
    cr_assert_eq(system("mkdir -p data/mnist && touch data/mnist/train-images-idx3-ubyte.gz"),
                 0);
    cr_assert_eq(blr_data_standard_paths("mnist", p), 0);
    cr_assert_str_eq(p[2], "data/mnist/t10k-images-idx3-ubyte.gz", "./data holds mnist");
    cr_assert_eq(system("rm -r data"), 0);
    cr_assert_eq(chdir("/"), 0);
    cr_assert_eq(rmdir(tmp), 0);
}

/* The held-out rows are the last k of the seeded permutation; the kept rows stay in file
 * order; together they are every row once, with their labels. */
Test(data, split_holds_out_a_seeded_subset)
{
    dt_indexed(30);
    blr_rng r, same;
    blr_rng_init(&r, 4, BLR_RNG_TEST, 0);
    same = r;
    blr_dataset held;
    cr_assert_eq(blr_data_split(&dt_set, 8, &r, &held, dt_err, sizeof dt_err), 0, "%s", dt_err);
    cr_assert_eq(dt_set.n, 22);
    cr_assert_eq(held.n, 8);
    cr_assert_eq(held.d, 2);
    cr_assert_eq(held.k, 3);
    size_t idx[30];
    blr_data_permutation(idx, 30, &same);
    int seen[30] = {0};
    for (size_t i = 0; i < 8; i++) {
        cr_assert_eq(held.x[2 * i], (float)idx[22 + i], "held-out row %zu", i);
        cr_assert_eq(held.label[i], (int)(idx[22 + i] % 3));
        seen[idx[22 + i]]++;
    }
    for (size_t i = 0; i < 22; i++) {
        size_t row = (size_t)dt_set.x[2 * i];
        cr_assert(i == 0 || dt_set.x[2 * i] > dt_set.x[2 * (i - 1)], "kept rows out of order");
        cr_assert_eq(dt_set.x[2 * i + 1], -(float)row);
        cr_assert_eq(dt_set.label[i], (int)(row % 3));
        seen[row]++;
    }
    for (int i = 0; i < 30; i++)
        cr_assert_eq(seen[i], 1, "row %d appears %d times", i, seen[i]);
    blr_data_free(&held);
}

Test(data, split_needs_a_proper_part)
{
    dt_indexed(5);
    blr_rng r;
    blr_rng_init(&r, 1, BLR_RNG_TEST, 0);
    blr_dataset held;
    cr_assert_eq(blr_data_split(&dt_set, 0, &r, &held, dt_err, sizeof dt_err), -1);
    cr_assert(strstr(dt_err, "cannot hold out 0 of 5 examples"), "%s", dt_err);
    cr_assert_eq(blr_data_split(&dt_set, 5, &r, &held, dt_err, sizeof dt_err), -1);
    cr_assert(strstr(dt_err, "cannot hold out 5 of 5 examples"), "%s", dt_err);
    cr_assert_eq(dt_set.n, 5, "a refused split leaves the data alone");
}
