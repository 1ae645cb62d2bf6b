/* `blr check` runs everything but the training, and `blr run` rejects nothing that `check`
 * could have known: both go over one corpus of bad inputs (data that does not load, data
 * that does not fit together, sizes that cannot run), and over inputs that are fine though
 * unusual. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cli_harness.h"

TestSuite(check, .init = cli_setup, .fini = cli_teardown, .timeout = 120);

/* A regression experiment on train.csv / test.csv: data_extra is appended to its data
 * section ("  key: value\n"), method_extra to its one method entry (", key: value"). */
static void write_experiment(const char *data_extra, const char *method_extra)
{
    char yaml[2048];
    snprintf(yaml, sizeof yaml,
             "name: c\n"
             "data:\n"
             "  set: csv\n"
             "  train: train.csv\n"
             "  test: test.csv\n"
             "  task: regression\n"
             "  target: y\n"
             "%s"
             "model: {arch: linear}\n"
             "train:\n"
             "  epochs: 2\n"
             "  batch_size: 10\n"
             "methods:\n"
             "  - {name: sgd, rule: sgd, lr: 0.05%s}\n",
             data_extra, method_extra);
    cli_write("c.yaml", yaml);
}

static void write_csv(const char *name, const char *header, int rows, const char *bad_row)
{
    char text[4096];
    size_t o = (size_t)snprintf(text, sizeof text, "%s\n", header);
    int cols = 1;
    for (const char *s = header; *s; s++)
        cols += *s == ',';
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            o += (size_t)snprintf(text + o, sizeof text - o, "%d%s", i % (3 + 2 * j),
                                  j + 1 < cols ? "," : "\n");
    if (bad_row)
        snprintf(text + o, sizeof text - o, "%s\n", bad_row);
    cli_write(name, text);
}

typedef struct {
    const char *why;
    const char *train_header, *test_header, *bad_train_row, *data_extra, *method_extra;
    const char *fragment; /* what check's message says; NULL: check and run accept it */
} case_t;

static const case_t corpus[] = {
    {"a bad cell", "a,b,y", "a,b,y", "1,x,2", "", "", "train.csv:22:2: error: column 'b'"},
    {"a missing column in test", "a,b,y", "a,y", NULL, "", "",
     "test.csv:1:1: error: no column 'b', a feature of the training file"},
    {"an extra column in test", "a,y", "a,b,y", NULL, "", "",
     "test.csv:1:2: error: column 'b' is not a feature of the training file"},
    {"validation of all the examples", "a,b,y", "a,b,y", NULL, "  validation: 20\n", "",
     "validation"},
    {"epochs that cannot be stored", "a,b,y", "a,b,y", NULL, "", ", epochs: 1000000000",
     "the curves (epochs)"},
    {"samples that cannot be stored", "a,b,y", "a,b,y", NULL, "", ", mc_test: 2147483647",
     "evaluation (mc_test"},
    {"test columns in another order", "a,b,y", "y,b,a", NULL, "", "", NULL},
    {"a byte order mark", "\xef\xbb\xbf" "a,b,y", "a,b,y", NULL, "", "", NULL},
};

static void run_case(const case_t *c)
{
    write_csv("train.csv", c->train_header, 20, c->bad_train_row);
    write_csv("test.csv", c->test_header, 10, NULL);
    write_experiment(c->data_extra, c->method_extra);
    int rc = cli_run("check %s/c.yaml", cli_tmp);
    const char *err = cli_slurp(cli_errf);
    if (c->fragment) {
        cr_assert_eq(rc, 2, "%s: check exit %d: %s", c->why, rc, err);
        cr_assert(strstr(err, c->fragment), "%s: '%s' not in: %s", c->why, c->fragment, err);
    } else {
        cr_assert_eq(rc, 0, "%s: check exit %d: %s", c->why, rc, err);
    }
    /* What check refused, run refuses too, before training: no run record is made. */
    rc = cli_run("run %s/c.yaml --out %s/res-%d --quiet", cli_tmp, cli_tmp,
                 (int)(c - corpus));
    err = cli_slurp(cli_errf);
    if (c->fragment) {
        cr_assert_eq(rc, 2, "%s: run exit %d: %s", c->why, rc, err);
        cr_assert(strstr(err, c->fragment), "%s: run says: %s", c->why, err);
    } else {
        cr_assert_eq(rc, 0, "%s: run exit %d: %s", c->why, rc, err);
    }
}

Test(check, check_and_run_agree_over_the_bad_input_corpus)
{
    for (size_t i = 0; i < sizeof corpus / sizeof *corpus; i++)
        run_case(&corpus[i]);
}

/* Test columns are matched by name: a test file with its columns reversed scores exactly as
 * the same file in the training order. */
Test(check, test_columns_are_matched_by_name)
{
    write_csv("train.csv", "a,b,y", 20, NULL);
    write_csv("test.csv", "a,b,y", 10, NULL);
    write_experiment("", "");
    cr_assert_eq(cli_run("run %s/c.yaml --out %s/same --quiet", cli_tmp, cli_tmp), 0);
    /* The same rows with the columns in the order y, b, a. */
    char text[1024];
    size_t o = (size_t)snprintf(text, sizeof text, "y,b,a\n");
    for (int i = 0; i < 10; i++)
        o += (size_t)snprintf(text + o, sizeof text - o, "%d,%d,%d\n", i % 7, i % 5, i % 3);
    cli_write("test.csv", text);
    cr_assert_eq(cli_run("run %s/c.yaml --out %s/swapped --quiet", cli_tmp, cli_tmp), 0);
    cli_assert_same_results("same", "swapped");
}

Test(check, check_prints_steps_and_memory_per_run)
{
    write_csv("train.csv", "a,b,y", 20, NULL);
    write_csv("test.csv", "a,b,y", 10, NULL);
    write_experiment("", "");
    cr_assert_eq(cli_run("check %s/c.yaml", cli_tmp), 0, "%s", cli_slurp(cli_errf));
    const char *out = cli_slurp(cli_out);
    cr_assert(strstr(out, "20 training examples, 10 scored on"), "%s", out);
    cr_assert(strstr(out, "variant,rule,base,seed,epochs,batch_size,mc_train,lr,steps,"
                          "memory_mib\n"), "%s", out);
    /* 20 examples in batches of 10 for 2 epochs: 4 steps. */
    const char *row = strstr(out, "\nsgd,sgd,-,0,2,10,1,0.05,4,");
    cr_assert_not_null(row, "%s", out);
    cr_assert(atof(row + strlen("\nsgd,sgd,-,0,2,10,1,0.05,4,")) >= 64.0, "%s", out);
}

/* A corrupt IDX file of a standard set is found by check, not first by run. */
Test(check, check_reads_every_idx_record)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s/data/mnist", cli_tmp);
    char cmd[800];
    snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
    cr_assert_eq(system(cmd), 0);
    static const char *const names[4] = {
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};
    for (int f = 0; f < 4; f++) {
        char p[700];
        snprintf(p, sizeof p, "%s/%s", dir, names[f]);
        gzFile gz = gzopen(p, "wb");
        cr_assert_not_null(gz);
        int img = f % 2 == 0;
        unsigned char h[16] = {0, 0, 8, img ? 3 : 1, 0, 0, 0, 4, 0, 0, 0, 28, 0, 0, 0, 28};
        gzwrite(gz, h, img ? 16 : 8);
        /* The training images stop after 3 of the 4 announced. */
        int n = f == 0 ? 3 : 4;
        unsigned char rec[784] = {0};
        for (int i = 0; i < n; i++)
            gzwrite(gz, rec, img ? 784 : 1);
        gzclose(gz);
    }
    cli_write("m.yaml", "name: m\ndata: {set: mnist}\nmodel: {arch: linear}\n"
                        "methods: [{name: sgd, rule: sgd}]\n");
    char env[700];
    snprintf(env, sizeof env, "%s/data", cli_tmp);
    setenv("BLR_DATA_DIR", env, 1);
    int rc = cli_run("check %s/m.yaml", cli_tmp);
    unsetenv("BLR_DATA_DIR");
    cr_assert_eq(rc, 2, "%s", cli_slurp(cli_out));
    cr_assert(strstr(cli_slurp(cli_errf), "train-images-idx3-ubyte.gz: record 4: the file is "
                                          "truncated"), "%s", cli_slurp(cli_errf));
}
