/* blr compare, blr table and blr report end to end (lib/report/compare.c, lib/report/tables.c), on results
 * directories written by hand and on one made by blr run. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_harness.h"

TestSuite(compare, .init = cli_setup, .fini = cli_teardown, .timeout = 240);

/* A results directory <name>/ with a manifest naming the experiment and a runs.csv whose
 * rows are "variant,seed,acc,nll" (status ok) after the header. */
static void write_dir(const char *name, const char *rows)
{
    char path[300], text[4096];
    snprintf(path, sizeof path, "%s/%s", cli_tmp, name);
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/manifest.json", name);
    snprintf(text, sizeof text, "{\n  \"experiment\": \"exp-%s\",\n  \"threads\": 1\n}\n", name);
    cli_write(path, text);
    snprintf(text, sizeof text, "variant,rule,base,seed,status,epochs,train_seconds,acc,nll,"
                                "objective\n%s", rows);
    snprintf(path, sizeof path, "%s/runs.csv", name);
    cli_write(path, text);
}

/* Variant v: A's acc (0.80, 0.82, 0.84), B's (0.90, 0.93, 0.94) on the same seeds:
 * differences (0.10, 0.11, 0.10), t = 31 with 2 df, p = 1 - 31/sqrt(963) = 0.001037.
 * se of A: sd 0.02 / sqrt(3) = 0.0115. Variant w is only in A. */
static const char rows_a[] =
    "v,sgd,dirac,0,ok,1,1,0.80,0.5,1\nv,sgd,dirac,1,ok,1,1,0.82,0.5,1\n"
    "v,sgd,dirac,2,ok,1,1,0.84,0.5,1\nw,sgd,dirac,0,ok,1,1,0.5,0.5,1\n";
static const char rows_b[] =
    "v,sgd,dirac,0,ok,1,1,0.90,0.4,1\nv,sgd,dirac,1,ok,1,1,0.93,0.4,1\n"
    "v,sgd,dirac,2,ok,1,1,0.94,0.4,1\n";

Test(compare, paired_over_the_same_seeds)
{
    write_dir("a", rows_a);
    write_dir("b", rows_b);
    cr_assert_eq(cli_run("compare %s/a %s/b", cli_tmp, cli_tmp), 0, "%s", cli_slurp(cli_errf));
    const char *out = cli_slurp(cli_out);
    cr_assert(strstr(out, "(exp-a); B: "), "%s", out);
    cr_assert(strstr(out, "| v | acc | 0.8200 ± 0.0115 (3) | 0.9233 ± 0.0120 (3) | +0.1033 | "
                          "paired, 3 seeds | 0.00104 |\n"), "%s", out);
    /* nll: equal differences -0.1 everywhere: t infinite, p 0. */
    cr_assert(strstr(out, "| v | nll | 0.5000 ± 0.0000 (3) | 0.4000 ± 0.0000 (3) | -0.1000 | "
                          "paired, 3 seeds | 0 |\n"), "%s", out);
    cr_assert_null(strstr(out, "| w |"), "w is only in A: %s", out);
    cr_assert(strstr(out, "p is not corrected for the 2 comparisons"), "%s", out);
}

/* B on other seeds: Welch. A acc (0.80, 0.82, 0.84), B (0.90, 0.92, 0.94): equal variances
 * and sizes, t = 0.1/sqrt(2 · 0.0004/3) = 6.124 with 4 df, p = 1 - x(1 + (1 - x²)/2),
 * x = t/sqrt(t² + 4) = 0.95059: p = 0.003602. */
Test(compare, welch_when_the_seeds_differ)
{
    write_dir("a", rows_a);
    write_dir("b", "v,sgd,dirac,3,ok,1,1,0.90,0.4,1\nv,sgd,dirac,4,ok,1,1,0.92,0.4,1\n"
                   "v,sgd,dirac,5,ok,1,1,0.94,0.4,1\n");
    cr_assert_eq(cli_run("compare %s/a %s/b", cli_tmp, cli_tmp), 0, "%s", cli_slurp(cli_errf));
    const char *out = cli_slurp(cli_out);
    cr_assert(strstr(out, "| +0.1000 | Welch | 0.0036 |\n"), "%s", out);
}

Test(compare, bad_input_exits_2_with_a_message)
{
    write_dir("a", rows_a);
    cr_assert_eq(cli_run("compare %s/a %s/none", cli_tmp, cli_tmp), 2);
    cr_assert(strstr(cli_slurp(cli_errf), "none/runs.csv: error: cannot read"), "%s",
              cli_slurp(cli_errf));
    write_dir("c", "x,sgd,dirac,0,ok,1,1,0.5,0.5,1\n");
    cr_assert_eq(cli_run("compare %s/a %s/c", cli_tmp, cli_tmp), 2);
    cr_assert(strstr(cli_slurp(cli_errf), "share no variant"), "%s", cli_slurp(cli_errf));
    write_dir("d", "v,sgd,dirac,0,fine,1,1,0.5,0.5,1\n");
    cr_assert_eq(cli_run("compare %s/a %s/d", cli_tmp, cli_tmp), 2);
    cr_assert(strstr(cli_slurp(cli_errf), "d/runs.csv:2: error: malformed run"), "%s",
              cli_slurp(cli_errf));
    write_dir("e", "v,sgd,dirac,0,ok,1,1,0.5,0.5,1\nv,sgd,dirac,0,ok,1,1,0.5,0.5,1\n");
    cr_assert_eq(cli_run("compare %s/a %s/e", cli_tmp, cli_tmp), 2);
    cr_assert(strstr(cli_slurp(cli_errf), "v seed 0 appears twice"), "%s", cli_slurp(cli_errf));
    cr_assert_eq(cli_run("compare %s/a", cli_tmp), 2);
}

Test(compare, table_across_experiments)
{
    write_dir("a", rows_a);
    write_dir("b", rows_b);
    cr_assert_eq(cli_run("table %s/a %s/b --metrics acc", cli_tmp, cli_tmp), 0, "%s",
                 cli_slurp(cli_errf));
    const char *out = cli_slurp(cli_out);
    cr_assert(strstr(out, "| variant | exp-a acc | n | exp-b acc | n |\n"), "%s", out);
    /* v's best acc in a against the runner-up w: one paired seed, so no bold. */
    cr_assert(strstr(out, "| v | 0.8200 ± 0.0115 | 3/3 | 0.9233 ± 0.0120 | 3/3 |\n"), "%s", out);
    cr_assert(strstr(out, "| w | 0.5000 | 1/1 | – | – |\n"), "%s", out);
    /* Without summary.csv there are no Holm-corrected p-values to mark with. */
    cr_assert(strstr(out, "exp-a: its summary.csv predates the Holm-corrected p-values"), "%s",
              out);
    cr_assert_eq(cli_run("table %s/a --variants w --format tex", cli_tmp), 0, "%s",
                 cli_slurp(cli_errf));
    out = cli_slurp(cli_out);
    cr_assert(strstr(out, "\\multicolumn{3}{c}{exp-a}"), "%s", out);
    cr_assert(strstr(out, "\nw & $0.5000$ & $0.5000$ & 1/1 \\\\\n"), "%s", out);
    cr_assert_null(strstr(out, "\nv &"), "%s", out);
}

Test(compare, table_bad_input_exits_2)
{
    write_dir("a", rows_a);
    cr_assert_eq(cli_run("table %s/a --metrics acc,foo", cli_tmp), 2);
    cr_assert(strstr(cli_slurp(cli_errf), "unknown metric 'foo'"), "%s", cli_slurp(cli_errf));
    cr_assert_eq(cli_run("table %s/a --metrics rmse", cli_tmp), 2);
    cr_assert(strstr(cli_slurp(cli_errf), "a/runs.csv has no metric 'rmse'"), "%s",
              cli_slurp(cli_errf));
    cr_assert_eq(cli_run("table %s/a --variants nobody", cli_tmp), 2);
    cr_assert(strstr(cli_slurp(cli_errf), "no directory has variant 'nobody'"), "%s",
              cli_slurp(cli_errf));
    cr_assert_eq(cli_run("table %s/a --format html", cli_tmp), 2);
    cr_assert_eq(cli_run("table %s/a %s/missing", cli_tmp, cli_tmp), 2);
    cr_assert(strstr(cli_slurp(cli_errf), "missing/runs.csv: error"), "%s", cli_slurp(cli_errf));
    cr_assert_eq(cli_run("table"), 2);
}

/* A run writes README.md; blr report rewrites the same summary, tables and page from
 * runs.csv alone; blr table marks what table.md marks. Two seeds: no marks, and the
 * sentence saying why. */
Test(compare, run_page_and_report_rewrite_agree)
{
    cli_write_csv();
    cli_write("tiny.yaml", cli_csv_yaml);
    cr_assert_eq(cli_run("run %s/tiny.yaml --out %s/res --quiet", cli_tmp, cli_tmp), 0, "%s",
                 cli_slurp(cli_errf));
    char page[16384], table[8192], summary[8192];
    snprintf(page, sizeof page, "%s", cli_file("res/README.md"));
    snprintf(table, sizeof table, "%s", cli_file("res/table.md"));
    snprintf(summary, sizeof summary, "%s", cli_file("res/summary.csv"));
    cr_assert(strstr(page, "# tiny: "), "%s", page);
    cr_assert(strstr(page, "3 variants × 2 seeds (0, 1). Variants: sgd, affine-gaussian, "
                           "affine-laplace; reference: sgd."), "%s", page);
    cr_assert(strstr(page, table), "the page holds the table: %s", page);
    cr_assert(strstr(page, "![curves](curves.png)\n"), "%s", page);
    cr_assert(strstr(page, "![posterior](posterior.png)\n"), "%s", page);
    cr_assert(strstr(page, "| scored on | test set |"), "%s", page);
    cr_assert(strstr(table, "No significance marks: fewer than 3 seeds are paired with sgd.\n"),
              "%s", table);
    cr_assert_null(strstr(table, "†"), "%s", table);
    cr_assert(strstr(summary, "rmse_se,rmse_p,rmse_p_holm"), "%s", summary);

    /* The rewrite from runs.csv gives the same table; summary.csv's last digits may move,
     * since runs.csv keeps 9 significant digits of each value. */
    char path[300];
    snprintf(path, sizeof path, "%s/res/table.md", cli_tmp);
    cr_assert(remove(path) == 0);
    cr_assert_eq(cli_run("report %s/res", cli_tmp), 0, "%s", cli_slurp(cli_errf));
    cr_assert_str_eq(cli_file("res/table.md"), table);
    cr_assert_str_eq(cli_header("res/summary.csv"), strtok(summary, "\n"));
    cr_assert(strstr(cli_file("res/README.md"), table));

    cr_assert_eq(cli_run("table %s/res --metrics rmse", cli_tmp), 0, "%s", cli_slurp(cli_errf));
    cr_assert(strstr(cli_slurp(cli_out), "tiny: no significance marks: fewer than 3 seeds"),
              "%s", cli_slurp(cli_out));

    cr_assert_eq(cli_run("report %s/nowhere", cli_tmp), 2);
    cr_assert(strstr(cli_slurp(cli_errf), "manifest.json"), "%s", cli_slurp(cli_errf));
    cr_assert_eq(cli_run("report %s/res --experiment %s/none.yaml", cli_tmp, cli_tmp), 2);
}
