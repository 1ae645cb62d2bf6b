/* End-to-end tests of the `blr` program (docs/design.md §9, docs/experiments.md): the binary
 * named by the BLR_BIN environment variable (make test sets it) runs on small experiments
 * written into a temporary directory. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "registry.h"
#include "sha256.h"
#include "report.h"

#include "cli_harness.h"

TestSuite(cli, .init = cli_setup, .fini = cli_teardown, .timeout = 240);

Test(cli, help_and_version)
{
    cr_assert_eq(cli_run("--help"), 0);
    const char *out = cli_slurp(cli_out);
    for (const char *c = "run\0merge\0--resume\0--jobs\0--shard\0--mpi\0check\0list\0bench\0plot\0"; *c;
         c += strlen(c) + 1)
        cr_assert(strstr(out, c), "--help does not mention %s", c);
    cr_assert_eq(cli_run("--version"), 0);
    cr_assert(strncmp(cli_slurp(cli_out), "blr ", 4) == 0);
}

/* The "source_patch_sha256" manifest.json of results directory dir gives: the sha256 of its
 * source.patch, or null when it has none. */
static void assert_patch_hash(const char *dir)
{
    char p[300], want[128], hex[65];
    snprintf(p, sizeof p, "%s/%s/source.patch", cli_tmp, dir);
    if (blr_sha256_file(p, hex) == 0)
        snprintf(want, sizeof want, "\"source_patch_sha256\": \"%s\",", hex);
    else
        snprintf(want, sizeof want, "\"source_patch_sha256\": null,");
    snprintf(p, sizeof p, "%s/manifest.json", dir);
    cr_assert(strstr(cli_file(p), want), "%s has not %s", p, want);
}

/* A -dirty build writes its diff against the commit into each results directory as
 * source.patch, with the sha256 in manifest.json; a clean build (CI's) writes neither, and
 * `blr --version` says which this build is. A merge keeps the shards' patch (faked here), not
 * the merging build's. */
Test(cli, source_patch_follows_the_build)
{
    cli_write_csv();
    cli_write("p.yaml", "name: p\ndata: {set: csv, train: reg.csv, test: reg.csv, "
                        "task: regression}\nmodel: {arch: linear}\ntrain: {epochs: 1}\n"
                        "seeds: [0, 1]\nmethods: [{name: s, rule: sgd}]\n");
    cr_assert_eq(cli_run("--version"), 0);
    int dirty = strstr(cli_slurp(cli_out), "-byte patch") != NULL;
    cr_assert_eq(cli_run("run %s/p.yaml --out %s/r --quiet", cli_tmp, cli_tmp), 0, "%s",
                 cli_slurp(cli_errf));
    cr_assert_eq(cli_exists("r/source.patch"), dirty);
    assert_patch_hash("r");
    /* The code version names the patch too, so that two different uncommitted changes are
     * two versions to --resume and merge. */
    char hex[65], p[300], want[64];
    snprintf(p, sizeof p, "%s/r/source.patch", cli_tmp);
    if (dirty && blr_sha256_file(p, hex) == 0) {
        snprintf(want, sizeof want, "-dirty+%.12s\",", hex);
        cr_assert(strstr(cli_file("r/manifest.json"), want), "no '%s' in %s", want,
                  cli_file("r/manifest.json"));
    } else {
        cr_assert_null(strstr(cli_file("r/manifest.json"), "-dirty"));
    }
    for (int k = 1; k <= 2; k++) {
        cr_assert_eq(cli_run("run %s/p.yaml --out %s/s%d --shard %d/2 --quiet", cli_tmp,
                             cli_tmp, k, k), 0, "%s", cli_slurp(cli_errf));
        char name[32];
        snprintf(name, sizeof name, "s%d/source.patch", k);
        cli_write(name, "fake\n");
    }
    cr_assert_eq(cli_run("merge %s/m %s/s1 %s/s2", cli_tmp, cli_tmp, cli_tmp), 0, "%s",
                 cli_slurp(cli_errf));
    cr_assert_str_eq(cli_file("m/source.patch"), "fake\n");
    assert_patch_hash("m");
}

/* `blr data where` follows BLR_DATA_DIR (the rest of the search order: test_data.c). */
Test(cli, data_where_and_its_usage)
{
    setenv("BLR_DATA_DIR", cli_tmp, 1);
    int rc = cli_run("data where");
    unsetenv("BLR_DATA_DIR");
    cr_assert_eq(rc, 0, "%s", cli_slurp(cli_errf));
    char want[400];
    snprintf(want, sizeof want, "mnist: %s/mnist (missing: blr data fetch)\n", cli_tmp);
    cr_assert(strstr(cli_slurp(cli_out), want), "%s", cli_slurp(cli_out));
    cr_assert_eq(cli_run("data"), 2);
    cr_assert_eq(cli_run("data fetch --into x"), 2);
    cr_assert(strstr(cli_slurp(cli_errf), "only --dir DIR"), "%s", cli_slurp(cli_errf));
}

Test(cli, bad_usage_exits_2)
{
    cr_assert_eq(cli_run("frobnicate"), 2);
    cr_assert(strstr(cli_slurp(cli_errf), "unknown command 'frobnicate'"));
    cr_assert_eq(cli_run(""), 2);
    cr_assert_eq(cli_run("run"), 2);
    cr_assert(strstr(cli_slurp(cli_errf), "missing the experiment file"));
    cr_assert_eq(cli_run("run x.yaml --threads zero"), 2);
    cr_assert_eq(cli_run("bench --rule nosuch"), 2);
    cr_assert(strstr(cli_slurp(cli_errf), "unknown rule 'nosuch'"));
    cr_assert_eq(cli_run("bench --hidden 12,x"), 2);
    cr_assert_eq(cli_run("bench --suite x --rule sgd"), 2);
    cr_assert(strstr(cli_slurp(cli_errf), "--suite times every method on an mlp"));
    cr_assert_eq(cli_run("bench --suite x --arch cnn"), 2);
    cr_assert_eq(cli_run("plot"), 2);
}

/* make bench's suite end to end on a tiny network: every method × batch × mc in bench.csv
 * with positive times and the bound beside them, the bound of each batch in gemm.csv, a
 * rate for every base but dirac in sampling.csv, and the figure. */
Test(cli, bench_suite_writes_every_cell)
{
    /* One thread leaves a core to Criterion's runner: with both cores busy for seconds, its
     * runner (libcriterion 2.4) leaks 48 bytes, which LeakSanitizer fails the SAN build for. */
    cr_assert_eq(cli_run("bench --suite %s/b --hidden 8 --steps 20 --threads 1", cli_tmp), 0,
                 "%s", cli_slurp(cli_errf));
    const char *csv = cli_file("b/bench.csv");
    cr_assert(strncmp(csv, "method,batch,mc,threads,steps,ms_per_step,", 42) == 0, "%s", csv);
    size_t rows = 0, good = 0;
    const char *bad = NULL;
    for (const char *line = strchr(csv, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        char rule[64];
        int batch, mc, threads, steps;
        double ms, sample, fb, update, gflops, bound;
        int ok = sscanf(line + 1, "%63[^,],%d,%d,%d,%d,%lf,%lf,%lf,%lf,%lf,%lf", rule, &batch,
                        &mc, &threads, &steps, &ms, &sample, &fb, &update, &gflops,
                        &bound) == 11 &&
                 blr_method_find(rule) && ms > 0 && fb > 0 && sample >= 0 && update >= 0 &&
                 bound > 0;
        good += ok;
        if (!ok && !bad)
            bad = line + 1;
        rows++;
    }
    cr_assert_eq(good, rows, "a bad row: %.200s", bad ? bad : "");
    cr_assert_eq(rows, blr_method_count() * 3 * 2);
    const char *gemm = cli_file("b/gemm.csv");
    cr_assert(strstr(gemm, "\n32,bound,") && strstr(gemm, "\n128,bound,") &&
                  strstr(gemm, "\n512,bound,"),
              "%s", gemm);
    const char *sampling = cli_file("b/sampling.csv");
    for (int k = 0; k < BLR_BASE_COUNT; k++) {
        char row[64];
        snprintf(row, sizeof row, "\n%s,", blr_base_name((blr_base_kind)k));
        cr_assert((strstr(sampling, row) != NULL) == (k != BLR_BASE_DIRAC), "%s: %s",
                  blr_base_name((blr_base_kind)k), sampling);
    }
    /* The figure, and the programs that drew it from bench.csv. */
    cr_assert(cli_exists("b/bench.png") && cli_exists("b/bench.gp") && cli_exists("b/style.gp"));
}

Test(cli, list_names_every_kind)
{
    cr_assert_eq(cli_run("list"), 0);
    const char *out = cli_slurp(cli_out);
    const char *want[] = {"sgd", "lie-additive", "lie-multiplicative", "lie-affine", "gaussian",
                          "student-t", "rayleigh", "fashion-mnist", "mlp", "cnn", "bayes_nll",
                          "hoyer", "reliability", "filters", "ablation"};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        cr_assert(strstr(out, want[i]), "blr list does not name %s", want[i]);
}

Test(cli, csv_run_writes_every_file)
{
    cli_write_csv();
    cli_write("tiny.yaml", cli_csv_yaml);
    cr_assert_eq(cli_run("check %s/tiny.yaml", cli_tmp), 0, "%s", cli_slurp(cli_errf));
    const char *list = cli_slurp(cli_out);
    cr_assert(strstr(list, "3 variants x 2 seeds = 6 runs"), "%s", list);
    cr_assert(strstr(list, "affine-laplace,lie-affine,laplace,1,"), "%s", list);

    cr_assert_eq(cli_run("run %s/tiny.yaml --out %s/res --quiet", cli_tmp, cli_tmp), 0, "%s",
                 cli_slurp(cli_errf));
    cr_assert_str_eq(cli_slurp(cli_errf), "", "--quiet printed to stderr");
    const char *files[] = {"runs.csv", "curves.csv", "summary.csv", "table.md", "table.tex",
                           "manifest.json", "posterior/sgd-s0.csv",
                           "posterior/affine-laplace-s1.csv", "posterior/exact-s0.csv",
                           "curves.png", "curves.svg", "curves.gp", "style.gp", "runs.gp",
                           "posterior.png", "posterior.gp", "posterior.dat"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char p[300];
        snprintf(p, sizeof p, "res/%s", files[i]);
        cr_assert(cli_exists(p), "missing %s", files[i]);
    }
    const char *h = cli_header("res/runs.csv");
    cr_assert(strncmp(h, "variant,rule,base,seed,status,epochs,train_seconds,", 51) == 0, "%s", h);
    cr_assert(strstr(h, "rmse") && strstr(h, "objective"), "%s", h);
    cr_assert_str_eq(cli_header("res/curves.csv"), "variant,seed,epoch,train_loss,acc,nll,ece,seconds,"
                                                       "posterior_sd_median");
    cr_assert(strstr(cli_file("res/runs.csv"), "affine-gaussian,lie-affine,gaussian,1,ok,20,"));
    cr_assert(strstr(cli_header("res/posterior/sgd-s0.csv"), "index,mean,sd"));
    const char *md = cli_file("res/table.md");
    cr_assert(strstr(md, "sgd") && strstr(md, "affine-gaussian") && strstr(md, "affine-laplace"));
    cr_assert(strstr(cli_file("res/manifest.json"), "\"experiment\""));
    cr_assert(!cli_exists("res/runs.csv.tmp"));

    /* `blr plot` redraws from the CSV files alone. */
    cr_assert_eq(cli_run("plot %s/res", cli_tmp), 0, "%s", cli_slurp(cli_errf));
    cr_assert_eq(cli_run("plot %s/nothing-here", cli_tmp), 2);
}

/* Every registered method runs end to end through the CLI and reports ok. */
Test(cli, every_method_runs)
{
    cli_write_csv();
    char y[8192];
    int len = snprintf(y, sizeof y,
                       "name: all\n"
                       "data: {set: csv, train: reg.csv, test: reg.csv, task: regression,"
                       " noise_sd: 0.5}\n"
                       "model: {arch: linear}\n"
                       "train: {epochs: 5, batch_size: 10, mc_test: 4}\n"
                       "methods:\n");
    for (size_t i = 0; i < blr_method_count(); i++) {
        const blr_method_ops *o = blr_method_at(i);
        const char *base = (o->flags & BLR_NO_BASE)         ? ""
                           : (o->flags & BLR_POSITIVE_BASE) ? ", base: rayleigh"
                                                            : ", base: gaussian, base_scale: 0.1";
        len += snprintf(y + len, sizeof y - (size_t)len, "  - {name: m%zu, rule: %s, lr: 0.01%s}\n",
                        i, o->name, base);
    }
    cli_write("all.yaml", y);
    cr_assert_eq(cli_run("run %s/all.yaml --out %s/res --quiet", cli_tmp, cli_tmp), 0, "%s",
                 cli_slurp(cli_errf));
    const char *runs = cli_file("res/runs.csv");
    for (size_t i = 0; i < blr_method_count(); i++) {
        char row[128];
        snprintf(row, sizeof row, "\nm%zu,%s,", i, blr_method_at(i)->name);
        const char *at = strstr(runs, row);
        cr_assert_not_null(at, "no row for %s", blr_method_at(i)->name);
        char line[512];
        snprintf(line, sizeof line, "%.*s", (int)strcspn(at + 1, "\n"), at + 1);
        cr_expect(strstr(line, ",0,ok,"), "%s did not end ok: %s", blr_method_at(i)->name, line);
    }
}

Test(cli, same_seed_same_numbers)
{
    cli_write_csv();
    cli_write("tiny.yaml", cli_csv_yaml);
    cr_assert_eq(cli_run("run %s/tiny.yaml --out %s/a --quiet", cli_tmp, cli_tmp), 0);
    cr_assert_eq(cli_run("run %s/tiny.yaml --out %s/b --quiet", cli_tmp, cli_tmp), 0);
    char a[1 << 16];
    snprintf(a, sizeof a, "%s", cli_file("a/posterior/affine-laplace-s1.csv"));
    cr_assert_gt(strlen(a), 20);
    cr_assert_str_eq(a, cli_file("b/posterior/affine-laplace-s1.csv"));
}

/* With mc_train >= 2 every sample's gradient runs on one thread, and evaluation chunks
 * always do, so a whole run is the same to the bit for 1, 2 and 3 threads. The 1100
 * training rows make three evaluation chunks (the objective's full pass), the 400 test rows
 * one chunk, fewer than the threads; hidden layers of 128 make GEMMs that OpenBLAS would
 * split. */
Test(cli, runs_with_mc_2_are_independent_of_threads)
{
    cli_write_cls("cls.csv", 1100);
    cli_write_cls("cls-test.csv", 400);
    static const char cls[] = "name: cls\n"
                              "data: {set: csv, train: cls.csv, test: cls-test.csv,"
                              " task: classification, target: y}\n"
                              "model: {arch: mlp, hidden: [128, 128], activation: tanh}\n"
                              "train: {epochs: 2, batch_size: 100, mc_train: 2, mc_test: 3}\n"
                              "methods:\n"
                              "  - {name: affine, rule: lie-affine, base: gaussian,"
                              " base_scale: 0.01, lr: 0.1, lr2: 0.01}\n"
                              "  - {name: ivon, rule: ivon, lr: 0.1}\n"
                              "report: {posterior: true}\n";
    cli_write("cls.yaml", cls);
    char three[1024];
    snprintf(three, sizeof three, "%sthreads: 3\n", cls);
    cli_write("cls3.yaml", three);
    for (int t = 1; t <= 3; t++) {
        /* 3 threads come from the file's `threads:`, the others from --threads. */
        if (t < 3)
            cr_assert_eq(cli_run("run %s/cls.yaml --out %s/t%d --threads %d --quiet", cli_tmp,
                                 cli_tmp, t, t),
                         0, "%s", cli_slurp(cli_errf));
        else
            cr_assert_eq(cli_run("run %s/cls3.yaml --out %s/t3 --quiet", cli_tmp, cli_tmp), 0,
                         "%s", cli_slurp(cli_errf));
        char name[64];
        snprintf(name, sizeof name, "t%d/manifest.json", t);
        char want[32];
        snprintf(want, sizeof want, "\"threads\": %d,", t);
        cr_assert(strstr(cli_file(name), want), "%s", cli_file(name));
    }
    cr_assert(strstr(cli_file("t1/runs.csv"), "affine,lie-affine,gaussian,0,ok,2,"), "%s",
              cli_file("t1/runs.csv"));
    cr_assert_gt(strlen(cli_file("t1/posterior/ivon-s0.csv")), 100);
    cli_assert_same_results("t1", "t2");
    cli_assert_same_results("t1", "t3");
}

/* schedule: cosine-epoch holds the factor for a whole epoch: its first epoch is the constant
 * schedule's to the bit, while the per-step cosine already decays within it. model: init
 * haiku starts elsewhere. runs.csv names every hyperparameter of the run. */
Test(cli, per_epoch_cosine_and_haiku_init)
{
    cli_write_cls("cls.csv", 300);
    cli_write_cls("cls-test.csv", 100);
    const char *sched[] = {"constant", "cosine-epoch", "cosine", "constant"};
    for (int i = 0; i < 4; i++) {
        char yaml[1024], name[32];
        snprintf(yaml, sizeof yaml,
                 "name: s%d\n"
                 "data: {set: csv, train: cls.csv, test: cls-test.csv, task: classification,"
                 " target: y}\n"
                 "model: {arch: mlp, hidden: [16], init: %s}\n"
                 "train: {epochs: 1, batch_size: 50, schedule: %s}\n"
                 "methods: [{name: a, rule: lie-additive, base_scale: 0.01, lr: 0.5}]\n"
                 "report: {posterior: true}\n",
                 i, i == 3 ? "haiku" : "pytorch", sched[i]);
        snprintf(name, sizeof name, "s%d.yaml", i);
        cli_write(name, yaml);
        cr_assert_eq(cli_run("run %s/s%d.yaml --out %s/s%d --quiet", cli_tmp, i, cli_tmp, i), 0,
                     "%s", cli_slurp(cli_errf));
    }
    char first[1 << 14];
    snprintf(first, sizeof first, "%s", cli_file("s0/posterior/a-s0.csv"));
    cr_assert_gt(strlen(first), 100);
    cr_assert_str_eq(cli_file("s1/posterior/a-s0.csv"), first);
    cr_assert_str_neq(cli_file("s2/posterior/a-s0.csv"), first);
    cr_assert_str_neq(cli_file("s3/posterior/a-s0.csv"), first);
    cr_assert(strstr(cli_header("s1/runs.csv"), ",lr,lr2,") &&
                  strstr(cli_header("s1/runs.csv"), ",mc_train,mc_test,batch_size,"),
              "%s", cli_header("s1/runs.csv"));
    cr_assert(strstr(cli_file("s1/runs.csv"), ",1,32,50,1,cosine-epoch,0,fast\n"), "%s",
              cli_file("s1/runs.csv"));
}

Test(cli, divergence_is_reported_not_dropped)
{
    cli_write_csv();
    char y[4096];
    snprintf(y, sizeof y, "%s", cli_csv_yaml);
    char *lr = strstr(y, "lr: 0.05");
    memcpy(lr, "lr: 1e30", 8);
    cli_write("div.yaml", y);
    cr_assert_eq(cli_run("run %s/div.yaml --out %s/res --quiet", cli_tmp, cli_tmp), 1);
    const char *runs = cli_file("res/runs.csv");
    cr_assert(strstr(runs, "sgd,sgd,dirac,0,diverged,"), "%s", runs);
    cr_assert(strstr(runs, "affine-gaussian,lie-affine,gaussian,0,ok,"), "%s", runs);
    cr_assert(strstr(cli_slurp(cli_errf), "diverged"));
}

/* Each class of bad input: exit 2, a positioned message, and no results directory. */
static void cli_expect_bad(const char *yaml, const char *fragment)
{
    cli_write("bad.yaml", yaml);
    int rc = cli_run("run %s/bad.yaml --out %s/res --quiet", cli_tmp, cli_tmp);
    const char *err = cli_slurp(cli_errf);
    cr_assert_eq(rc, 2, "exit %d for %s", rc, fragment);
    cr_assert(strstr(err, fragment), "expected '%s' in: %s", fragment, err);
    cr_assert(strstr(err, "bad.yaml:"), "no file position in: %s", err);
    cr_assert(!cli_exists("res"), "a results directory was written for bad input");
    cr_assert_eq(cli_run("check %s/bad.yaml", cli_tmp), 2);
}

Test(cli, bad_input_gets_position_and_exit_2)
{
    cli_write_csv();
    cli_expect_bad("name: x\ndata: [\n", "error");
    char y[4096];
    snprintf(y, sizeof y, "%snme: y\n", cli_csv_yaml);
    cli_expect_bad(y, "unknown key 'nme'");
    snprintf(y, sizeof y, "%s", cli_csv_yaml);
    memcpy(strstr(y, "rule: lie-affine"), "rule: lie-afine ", 16);
    cli_expect_bad(y, "lie-afine");
    snprintf(y, sizeof y, "%s", cli_csv_yaml);
    memcpy(strstr(y, "train: reg.csv"), "train: no.csv ", 14);
    cli_expect_bad(y, "no.csv");
    snprintf(y, sizeof y, "%s", cli_csv_yaml);
    memcpy(strstr(y, "epochs: 20"), "epochs: -2", 10);
    cli_expect_bad(y, "epochs");
    cli_expect_bad("name: x\ndata:\n  set: csv\n  train: reg.csv\n  test: reg.csv\n"
                   "model:\n  arch: linear\nmethods:\n  - name: m\n    rule: lie-multiplicative\n"
                   "    base: gaussian\n",
                   "gaussian");
}

Test(cli, bad_data_file_gets_record_and_exit_2)
{
    cli_write("reg.csv", "x1,x2,y\n1,2,3\n4,oops,6\n");
    cli_write("tiny.yaml", cli_csv_yaml);
    cr_assert_eq(cli_run("run %s/tiny.yaml --out %s/res --quiet", cli_tmp, cli_tmp), 2);
    cr_assert(strstr(cli_slurp(cli_errf), "reg.csv:3:2: error:"), "%s", cli_slurp(cli_errf));
    cr_assert(!cli_exists("res"));
}

/* ASan's shadow memory and freed-block quarantine double the RSS: no memory bound there. */
#ifdef __SANITIZE_ADDRESS__
static const int cli_under_asan = 1;
#else
static const int cli_under_asan = 0;
#endif

/* Every run of manifest.json stayed within the memory bound of docs/design.md §6, which data
 * (all of Fashion-MNIST is read before a subset is drawn) rather than its 64 MiB allowance
 * makes up. */
static void cli_check_memory_bound(const char *man, int runs)
{
    const char *at = man;
    int n = 0;
    while ((at = strstr(at, "\"peak_rss_mib\": "))) {
        double peak = 0, bound = 0;
        cr_assert_eq(sscanf(at, "\"peak_rss_mib\": %lf, \"rss_bound_mib\": %lf", &peak, &bound),
                     2, "%s", man);
        cr_assert(peak > 64 && peak <= bound, "peak RSS %g MiB, bound %g MiB", peak, bound);
        at++;
        n++;
    }
    cr_assert_eq(n, runs, "%s", man);
}

Test(cli, fashion_mnist_subset_run)
{
    struct stat st;
    if (stat("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz", &st) != 0)
        cr_skip_test("dataset-fashion-mnist is not installed");
    cli_write("fm.yaml",
              "name: fm\n"
              "data: {set: fashion-mnist, train_subset: 500, test_subset: 300}\n"
              "model: {arch: mlp, hidden: [32], activation: relu}\n"
              "train: {epochs: 2, batch_size: 50, mc_test: 4}\n"
              "methods:\n"
              "  - {name: sgd, rule: sgd, lr: 0.1}\n"
              "  - {name: mult, rule: lie-multiplicative, base: rayleigh, lr: 10, temperature: 0.01}\n"
              "  - {name: affine, rule: lie-affine, base: student-t, nu: 5, base_scale: 0.005,"
              " lr: 0.2, lr2: 0.05}\n");
    cr_assert_eq(cli_run("run %s/fm.yaml --out %s/res --quiet", cli_tmp, cli_tmp), 0, "%s",
                 cli_slurp(cli_errf));
    const char *h = cli_header("res/runs.csv");
    const char *cols[] = {"acc", "nll", "ece", "bayes_acc", "bayes_nll", "bayes_ece", "objective"};
    for (size_t i = 0; i < sizeof cols / sizeof *cols; i++)
        cr_assert(strstr(h, cols[i]), "runs.csv lacks %s: %s", cols[i], h);
    const char *files[] = {"curves.csv", "summary.csv", "table.md", "table.tex", "manifest.json",
                           "curves.png", "reliability.png", "reliability.gp", "style.gp"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char p[300];
        snprintf(p, sizeof p, "res/%s", files[i]);
        cr_assert(cli_exists(p), "missing %s", files[i]);
    }
    const char *runs = cli_file("res/runs.csv");
    cr_assert(strstr(runs, "mult,lie-multiplicative,rayleigh,0,ok,2,"), "%s", runs);
    if (!cli_under_asan)
        cli_check_memory_bound(cli_file("res/manifest.json"), 3);
}

/* The paper suite's pieces end to end on a small scale: a cnn, scoring on a validation split,
 * the filters and ablation figures (on an mlp), a chosen reference variant and the sparsity
 * metrics. */
Test(cli, cnn_validation_filters_and_ablation)
{
    struct stat st;
    if (stat("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz", &st) != 0)
        cr_skip_test("dataset-fashion-mnist is not installed");
    cli_write("cnn.yaml",
              "name: cnn\n"
              "data: {set: fashion-mnist, validation: 200, train_subset: 300}\n"
              "model: {arch: cnn, conv: [4, 8], kernel: 5, hidden: [16], activation: elu}\n"
              "train: {epochs: 1, batch_size: 50, mc_test: 2}\n"
              "methods: [{name: sgd, rule: sgd, lr: 0.1}, {name: vogn, rule: vogn, lr: 0.1}]\n"
              "report: {metrics: [acc, nll, hoyer], reference: vogn}\n");
    cr_assert_eq(cli_run("run %s/cnn.yaml --out %s/c --quiet", cli_tmp, cli_tmp), 0, "%s",
                 cli_slurp(cli_errf));
    cr_assert(strstr(cli_file("c/manifest.json"),
                     "\"scored_on\": \"200 validation examples held out of the training set\""));
    const char *table = cli_file("c/table.md");
    cr_assert(strstr(table, "No significance marks: fewer than 3 seeds are paired with vogn."),
              "%s", table);
    cr_assert(strstr(table, "Scored on 200 validation examples"), "%s", table);
    cr_assert(strstr(cli_header("c/runs.csv"), ",acc,nll,hoyer,objective,"));

    cli_write("fl.yaml",
              "name: fl\n"
              "data: {set: fashion-mnist, train_subset: 300, test_subset: 100}\n"
              "model: {arch: mlp, hidden: [20]}\n"
              "train: {epochs: 1, batch_size: 50, mc_test: 2}\n"
              "seeds: [1, 0]\n"
              "methods:\n"
              "  - {name: add, rule: lie-additive, lr: 0.1, base_scale: 0.001}\n"
              "  - {name: mult, rule: lie-multiplicative, base: rayleigh, lr: 10,"
              " temperature: 0.01}\n"
              "  - {name: t, rule: lie-affine, base: student-t, nu: 5, fisher: [false, true],"
              " lr: 0.2, lr2: 10}\n"
              "report: {metrics: [nll, bayes_nll, bayes_ece, near_zero],"
              " figures: [filters, ablation]}\n");
    cr_assert_eq(cli_run("run %s/fl.yaml --out %s/f --quiet", cli_tmp, cli_tmp), 0, "%s",
                 cli_slurp(cli_errf));
    /* Filters are written for the experiment's first seed (1), g± only for mult. */
    cr_assert(cli_exists("f/filters/add-s1.csv") && !cli_exists("f/filters/add-s0.csv"));
    cr_assert(strstr(cli_file("f/filters.dat"), "\n\"mult\" 1 \"g-\" "), "%s",
              cli_file("f/filters.dat"));
    cr_assert_null(strstr(cli_file("f/filters.dat"), "\"add\" 1 \"g+\""));
    const char *figs[] = {"f/filters.png", "f/filters.svg", "f/filters.gp", "f/filters.dat",
                          "f/ablation.png", "f/ablation.svg", "f/ablation.gp", "f/style.gp"};
    for (size_t i = 0; i < sizeof figs / sizeof *figs; i++)
        cr_assert(cli_exists(figs[i]), "missing %s", figs[i]);
    cr_assert_eq(cli_run("plot %s/f", cli_tmp), 0, "%s", cli_slurp(cli_errf));
}
