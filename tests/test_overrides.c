/* Command-line overrides (--set PATH=VALUE) and run selection (--variant, --seed): applied
 * after the profile, checked like the file, recorded in manifest.json, and part of what a
 * resumed or merged directory must agree on. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cli_harness.h"
#include "config.h"

TestSuite(overrides, .init = cli_setup, .fini = cli_teardown, .timeout = 120);

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

Test(overrides, set_changes_a_key_and_a_method_by_name)
{
    cli_write_csv();
    cli_write("tiny.yaml", cli_csv_yaml);
    int rc = cli_run("check %s/tiny.yaml --set train.epochs=3 --set methods.sgd.lr=0.5 "
                     "--set 'seeds=[4]'", cli_tmp);
    cr_assert_eq(rc, 0, "%s", cli_slurp(cli_errf));
    const char *out = cli_slurp(cli_out);
    cr_assert(strstr(out, "\nsgd,sgd,-,4,3,10,1,0.5,"), "%s", out);
    cr_assert(strstr(out, "\naffine-laplace,lie-affine,laplace,4,3,10,1,0.05,"), "%s", out);
    /* A list item by index works too. */
    cr_assert_eq(cli_run("check %s/tiny.yaml --set methods.1.lr=0.25", cli_tmp), 0);
    cr_assert(strstr(cli_slurp(cli_out), "\naffine-gaussian,lie-affine,gaussian,0,20,10,1,0.25,"),
              "%s", cli_slurp(cli_out));
}

/* Each mistake names the --set argument it is in, and exits 2. */
static void set_fails(const char *arg, const char *fragment)
{
    int rc = cli_run("check %s/tiny.yaml --set '%s'", cli_tmp, arg);
    const char *err = cli_slurp(cli_errf);
    char want[512];
    snprintf(want, sizeof want, "--set %s: error: %s", arg, fragment);
    cr_assert_eq(rc, 2, "exit %d for --set %s", rc, arg);
    cr_assert(strstr(err, want), "'%s' not in: %s", want, err);
}

Test(overrides, a_bad_set_names_its_argument)
{
    cli_write_csv();
    cli_write("tiny.yaml", cli_csv_yaml);
    set_fails("methods.nope.lr=1", "no list item named 'nope' (names: sgd, affine;");
    set_fails("train.epoch=1", "unknown key 'epoch' (did you mean 'epochs'?)");
    set_fails("train.epochs=abc", "expected an integer, got 'abc'");
    set_fails("methods.sgd.lr2=1", "lr2 does not apply to rule sgd");
    set_fails("seeds=[0, 1", "did not find expected ',' or ']'");
    set_fails("name.x=1", "'x' is inside the single value 'tiny'");
    set_fails("train.epochs", "expected PATH=VALUE");
    set_fails("train.epochs=", "the value is empty");
    set_fails("train..epochs=1", "an empty name in the path");
}

Test(overrides, variant_and_seed_select_runs_and_are_recorded)
{
    cli_write_csv();
    cli_write("tiny.yaml", cli_csv_yaml);
    int rc = cli_run("run %s/tiny.yaml --variant 'affine-l*' --seed 1 --set train.epochs=2 "
                     "--out %s/res --quiet", cli_tmp, cli_tmp);
    cr_assert_eq(rc, 0, "%s", cli_slurp(cli_errf));
    const char *runs = cli_file("res/runs.csv");
    cr_assert_eq(count_lines(runs), 2, "%s", runs);
    cr_assert(strstr(runs, "\naffine-laplace,lie-affine,laplace,1,ok,2,"), "%s", runs);
    cr_assert(strstr(cli_file("res/manifest.json"), "\"overrides\": \"set train.epochs=2\\n"
                                                    "variant affine-l*\\nseed 1\\n\""),
              "%s", cli_file("res/manifest.json"));
    /* Resuming with other overrides would mix two experiments. */
    rc = cli_run("run %s/tiny.yaml --variant 'affine-l*' --seed 1 --set train.epochs=3 "
                 "--out %s/res --resume --quiet", cli_tmp, cli_tmp);
    cr_assert_eq(rc, 2);
    cr_assert(strstr(cli_slurp(cli_errf), "other overrides"), "%s", cli_slurp(cli_errf));
    cr_assert_eq(cli_run("check %s/tiny.yaml --variant 'zz*'", cli_tmp), 2);
    cr_assert(strstr(cli_slurp(cli_errf), "--variant 'zz*' matches none of the variants"));
    cr_assert_eq(cli_run("check %s/tiny.yaml --seed 7", cli_tmp), 2);
    cr_assert(strstr(cli_slurp(cli_errf), "--seed 7 is not one of the file's seeds"));
}

/* Shards run with overrides merge into what one process with them gives: merge reads the
 * overrides back from the shards' manifests. */
Test(overrides, shards_with_overrides_merge)
{
    cli_write_csv();
    cli_write("tiny.yaml", cli_csv_yaml);
    for (int k = 1; k <= 2; k++)
        cr_assert_eq(cli_run("run %s/tiny.yaml --set train.epochs=2 --shard %d/2 --out %s/s%d "
                             "--quiet --threads 1", cli_tmp, k, cli_tmp, k), 0, "%s",
                     cli_slurp(cli_errf));
    cr_assert_eq(cli_run("merge %s/m %s/s1 %s/s2", cli_tmp, cli_tmp, cli_tmp), 0, "%s",
                 cli_slurp(cli_errf));
    cr_assert_eq(cli_run("run %s/tiny.yaml --set train.epochs=2 --out %s/one --quiet "
                         "--threads 1", cli_tmp, cli_tmp), 0);
    cli_assert_same_results("m", "one");
}

Test(overrides, the_recorded_text_reads_back)
{
    char text[] = "set train.epochs=1\nset methods.a.lr=[1, 2]\nvariant a*\nseed 3\nseed 0\n";
    blr_config_opts o;
    cr_assert_eq(blr_config_opts_parse(text, "full", &o), 0);
    cr_assert_str_eq(o.profile, "full");
    cr_assert_eq(o.n_sets, 2);
    cr_assert_str_eq(o.sets[1], "methods.a.lr=[1, 2]");
    cr_assert_str_eq(o.variant, "a*");
    cr_assert(o.n_seeds == 2 && o.seeds[0] == 3 && o.seeds[1] == 0);
    char bad[] = "frobnicate\n";
    cr_assert_eq(blr_config_opts_parse(bad, "", &o), -1);
}
