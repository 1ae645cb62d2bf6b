/* Fuzz corpus replay: every file under tests/fuzz/corpus/<harness>/ goes through the same
 * harness body that `make fuzz` drives (tests/fuzz/), one Criterion test per file. The seeds
 * and every crash input added after a fuzzing run are thereby regression tests of the
 * ordinary suite, under ASan + UBSan too with `make SAN=1 test`. A crash shows as that
 * parameter's crash, with the sanitizer's report on stderr; the file is named in the log
 * (--verbose) and in any assertion message. Paths are relative: run from the top. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz.h"

#define FC_ROOT "tests/fuzz/corpus"
#define FC_PATH 512
#define FC_MAX_CASES 4096

typedef int (*fc_body)(const uint8_t *, size_t);

static const struct {
    const char *name;
    fc_body body;
} fc_harnesses[] = {
    {"yaml", blr_fuzz_yaml},
    {"csv", blr_fuzz_csv},
    {"idx", blr_fuzz_idx},
};
#define FC_N_HARNESSES (sizeof fc_harnesses / sizeof fc_harnesses[0])

/* Held in Criterion's shared memory, so plain arrays rather than pointers. */
typedef struct {
    size_t harness; /* index into fc_harnesses */
    char path[FC_PATH];
} fc_case;

static int fc_visible(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

/* The corpus files of one harness in name order, so parameter numbers are stable; -1 when
 * the directory cannot be read. */
static int fc_scan(size_t h, struct dirent ***names)
{
    char dir[FC_PATH];
    snprintf(dir, sizeof dir, "%s/%s", FC_ROOT, fc_harnesses[h].name);
    return scandir(dir, names, fc_visible, alphasort);
}

static void fc_free_cases(struct criterion_test_params *p)
{
    cr_free(p->params);
}

ParameterizedTestParameters(fuzz_corpus, replay)
{
    fc_case *cases = cr_malloc(FC_MAX_CASES * sizeof *cases);
    size_t n = 0;
    for (size_t h = 0; cases && h < FC_N_HARNESSES; h++) {
        struct dirent **names;
        int m = fc_scan(h, &names);
        for (int i = 0; i < m; i++) {
            if (n < FC_MAX_CASES) {
                cases[n].harness = h;
                snprintf(cases[n].path, FC_PATH, "%s/%s/%s", FC_ROOT, fc_harnesses[h].name,
                         names[i]->d_name);
                n++;
            }
            free(names[i]);
        }
        if (m >= 0)
            free(names);
    }
    return cr_make_param_array(fc_case, cases, n, fc_free_cases);
}

ParameterizedTest(fc_case *c, fuzz_corpus, replay, .timeout = 60)
{
    cr_log_info("%s", c->path);
    FILE *f = fopen(c->path, "rb");
    cr_assert_not_null(f, "cannot open %s", c->path);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    long len = ftell(f);
    cr_assert_geq(len, 0, "%s: cannot tell its size", c->path);
    rewind(f);
    /* One byte more than needed: malloc(0) may return NULL for an empty file. */
    uint8_t *data = malloc((size_t)len + 1);
    cr_assert_not_null(data);
    cr_assert_eq(fread(data, 1, (size_t)len, f), (size_t)len, "cannot read %s", c->path);
    fclose(f);
    cr_assert_eq(fc_harnesses[c->harness].body(data, (size_t)len), 0, "%s", c->path);
    free(data);
}

/* Guards the replay against passing vacuously: run from elsewhere, or with a corpus
 * directory gone, it would have no parameters at all. */
Test(fuzz_corpus, every_harness_has_seeds)
{
    for (size_t h = 0; h < FC_N_HARNESSES; h++) {
        struct dirent **names;
        int m = fc_scan(h, &names);
        cr_expect_gt(m, 0, "%s/%s: no corpus files (run the tests from the top)", FC_ROOT,
                     fc_harnesses[h].name);
        for (int i = 0; i < m; i++)
            free(names[i]);
        if (m >= 0)
            free(names);
    }
}
