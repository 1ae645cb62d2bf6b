/* Tuning as a feature: a tune: section (a grid per method entry, a validation split),
 * `blr tune` that runs it and chooses per variant of the final experiment, `blr run --tuned`
 * that uses the choice, `blr tune --choose` over several rounds, and every mistake. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_harness.h"

TestSuite(tune, .init = cli_setup, .fini = cli_teardown, .timeout = 180);

#define TUNE_HEAD                                                                            \
    "name: t\n"                                                                              \
    "data: {set: csv, train: reg.csv, test: reg.csv, task: regression, target: y,\n"         \
    "       noise_sd: 0.5}\n"                                                                \
    "model: {arch: linear}\n"                                                                \
    "train: {epochs: 4, batch_size: 10, mc_test: 4}\n"                                       \
    "seeds: [0, 1]\n"

static const char tuned_yaml[] =
    TUNE_HEAD
    "methods:\n"
    "  - {name: sgd, rule: sgd, lr: 0.05}\n"
    "  - {name: affine, rule: lie-affine, base: [gaussian, laplace], base_scale: 0.1,\n"
    "     lr: 0.05, lr2: 0.01}\n"
    "tune:\n"
    "  validation: 10\n"
    "  grid:\n"
    "    sgd: {lr: [0.01, 0.05]}\n"
    "    affine: {lr: [0.01, 0.05]}\n";

/* The value of key in the choice of variant, from choice.yaml ("  sgd: {lr: 0.05}"). */
static double chosen(const char *choice, const char *variant, const char *key)
{
    char pat[128];
    snprintf(pat, sizeof pat, "\n  %s: {", variant);
    const char *p = strstr(choice, pat);
    cr_assert_not_null(p, "no choice for %s in:\n%s", variant, choice);
    snprintf(pat, sizeof pat, "%s: ", key);
    p = strstr(p + 1, pat);
    cr_assert_not_null(p, "no %s for %s in:\n%s", key, variant, choice);
    return atof(p + strlen(pat));
}

/* The value of a runs.csv column in the row of variant (seed 0). */
static double runs_value(const char *runs, const char *variant, const char *column)
{
    char head[4096];
    snprintf(head, sizeof head, "%.*s", (int)strcspn(runs, "\n"), runs);
    int col = 0;
    for (char *f = strtok(head, ","); f && strcmp(f, column) != 0; f = strtok(NULL, ","))
        col++;
    char pat[128];
    snprintf(pat, sizeof pat, "\n%s,", variant);
    const char *row = strstr(runs, pat);
    cr_assert_not_null(row, "no row %s", variant);
    row++;
    for (int i = 0; i < col; i++)
        row = strchr(row, ',') + 1;
    return atof(row);
}

Test(tune, tune_chooses_per_variant_and_run_uses_the_choice)
{
    cli_write_csv();
    cli_write("t.yaml", tuned_yaml);
    int rc = cli_run("tune %s/t.yaml --out %s/T --quiet", cli_tmp, cli_tmp);
    cr_assert_eq(rc, 0, "%s", cli_slurp(cli_errf));
    cr_assert(strstr(cli_slurp(cli_out), "choice: "), "%s", cli_slurp(cli_out));
    const char *runs = cli_file("T/runs.csv");
    /* The grid, on the first seed only, scored on the validation split. */
    cr_assert(strstr(runs, "\nsgd-lr0.01,sgd,dirac,0,ok,"), "%s", runs);
    cr_assert(strstr(runs, "\naffine-laplace-lr0.05,lie-affine,laplace,0,ok,"), "%s", runs);
    cr_assert_null(strstr(runs, ",1,ok,"), "%s", runs);
    cr_assert(strstr(cli_file("T/manifest.json"), "10 validation examples"));
    char choice[4096];
    snprintf(choice, sizeof choice, "%s", cli_file("T/choice.yaml"));
    double lr_sgd = chosen(choice, "sgd", "lr");
    chosen(choice, "affine-gaussian", "lr");
    chosen(choice, "affine-laplace", "lr");
    cr_assert(strstr(cli_file("T/choice.md"), "| affine-laplace | lr: "), "%s",
              cli_file("T/choice.md"));
    /* The final seeds with the chosen values, on the test set. */
    rc = cli_run("run %s/t.yaml --tuned %s/T --out %s/F --quiet", cli_tmp, cli_tmp, cli_tmp);
    cr_assert_eq(rc, 0, "%s", cli_slurp(cli_errf));
    cr_assert(runs_value(cli_file("F/runs.csv"), "sgd", "lr") == lr_sgd);
    cr_assert(strstr(cli_file("F/manifest.json"), "tuned "), "%s", cli_file("F/manifest.json"));
    cr_assert(strstr(cli_file("F/manifest.json"), "\"scored_on\": \"test set\""));
    /* A choice made for another version of the file is refused. */
    char changed[sizeof tuned_yaml + 32];
    snprintf(changed, sizeof changed, "%s# changed\n", tuned_yaml);
    cli_write("t.yaml", changed);
    rc = cli_run("run %s/t.yaml --tuned %s/T --out %s/G --quiet", cli_tmp, cli_tmp, cli_tmp);
    cr_assert_eq(rc, 2);
    cr_assert(strstr(cli_slurp(cli_errf), "another version"), "%s", cli_slurp(cli_errf));
}

/* Without a tune: section the lists of hyperparameters are the grid, and lists of bases keep
 * their variants apart whatever the keys' order; a second round widens the grid. */
Test(tune, a_file_without_a_tune_section_and_two_rounds)
{
    cli_write_csv();
    cli_write("l.yaml", TUNE_HEAD
              "methods:\n"
              "  - {name: affine, rule: lie-affine, lr: [0.01, 0.05], base: [gaussian, laplace],\n"
              "     base_scale: 0.1, lr2: 0.01}\n");
    cr_assert_eq(cli_run("tune %s/l.yaml --out %s/R1 --quiet", cli_tmp, cli_tmp), 2);
    cr_assert(strstr(cli_slurp(cli_errf), "never on the test set"), "%s", cli_slurp(cli_errf));
    int rc = cli_run("tune %s/l.yaml --set data.validation=10 --out %s/R1 --quiet", cli_tmp,
                     cli_tmp);
    cr_assert_eq(rc, 0, "%s", cli_slurp(cli_errf));
    const char *choice = cli_file("R1/choice.yaml");
    cr_assert(strstr(choice, "\n  affine-gaussian: {lr: "), "%s", choice);
    cr_assert(strstr(choice, "\n  affine-laplace: {lr: "), "%s", choice);
    rc = cli_run("tune %s/l.yaml --set data.validation=10 --set 'methods.affine.lr=[0.1]' "
                 "--out %s/R2 --quiet", cli_tmp, cli_tmp);
    cr_assert_eq(rc, 0, "%s", cli_slurp(cli_errf));
    rc = cli_run("tune --choose %s/R1 %s/R2 --out %s/C", cli_tmp, cli_tmp, cli_tmp);
    cr_assert_eq(rc, 0, "%s", cli_slurp(cli_errf));
    /* Three grid points per variant over the two rounds. */
    cr_assert(strstr(cli_file("C/choice.md"), " | 3 | 3 |"), "%s", cli_file("C/choice.md"));
    cr_assert_eq(cli_run("tune --choose %s/nowhere", cli_tmp), 2);
}

static void tune_fails(const char *tune_section, const char *fragment)
{
    char yaml[2048];
    snprintf(yaml, sizeof yaml, "%s%s", TUNE_HEAD
             "methods:\n  - {name: sgd, rule: sgd}\n  - {name: adam, rule: adam}\n",
             tune_section);
    cli_write("bad.yaml", yaml);
    int rc = cli_run("check %s/bad.yaml", cli_tmp);
    cr_assert_eq(rc, 2, "exit %d for:\n%s", rc, tune_section);
    cr_assert(strstr(cli_slurp(cli_errf), fragment), "'%s' not in: %s", fragment,
              cli_slurp(cli_errf));
    cr_assert(strstr(cli_slurp(cli_errf), "bad.yaml:"), "no position: %s", cli_slurp(cli_errf));
    cr_assert_eq(cli_run("tune %s/bad.yaml --out %s/x", cli_tmp, cli_tmp), 2);
}

Test(tune, mistakes_in_a_tune_section)
{
    cli_write_csv();
    tune_fails("tune: {validation: 10, grid: {}}\n", "an empty grid: nothing to tune");
    tune_fails("tune: {validation: 10, grid: {sgd: {}}}\n", "an empty grid for 'sgd'");
    tune_fails("tune: {validation: 10, grid: {sdg: {lr: [1]}}}\n",
               "no method entry named 'sdg' to tune");
    tune_fails("tune: {validation: 10, grid: {sgd: {lr: 0.1}}}\n",
               "the values to try for sgd.lr: a non-empty list");
    tune_fails("tune: {validation: 10, grid: {sgd: {lr: [0.1, 0.2]}, adam: {lr: [0.1]}}}\n",
               "an unequal budget: 1 grid points for 'adam' but 2 for 'sgd'");
    tune_fails("tune: {grid: {sgd: {lr: [1]}}}\n", "missing required key 'validation'");
    tune_fails("tune: {validation: 10, metric: nlll, grid: {sgd: {lr: [1]}}}\n",
               "unknown metric 'nlll' (did you mean 'nll'?)");
    tune_fails("tune: {validation: 10, grid: {sgd: {lr2: [1, 2]}}}\n",
               "lr2 does not apply to rule sgd");
}
