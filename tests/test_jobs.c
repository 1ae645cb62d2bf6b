#define _DEFAULT_SOURCE /* realpath */
/* Runs as jobs, end to end (README: Long runs and clusters): worker processes, kill -9 and
 * --resume, SIGINT/SIGTERM, shards and blr merge, MPI; each checked against a plain
 * one-process run (--jobs 1) of the same experiment, on a CSV regression and on a small
 * Fashion-MNIST classification. Only times and memory may differ. */
#include <criterion/criterion.h>

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli_harness.h"

TestSuite(jobs, .init = cli_setup, .fini = cli_teardown, .timeout = 600);

static const char fm_yaml[] =
    "name: fm\n"
    "data: {set: fashion-mnist, train_subset: 1500, test_subset: 300}\n"
    "model: {arch: mlp, hidden: [32], activation: relu}\n"
    "train: {epochs: 3, batch_size: 50, mc_test: 4}\n"
    "seeds: [0, 1]\n"
    "methods:\n"
    "  - {name: sgd, rule: sgd, lr: 0.1}\n"
    "  - {name: mult, rule: lie-multiplicative, base: rayleigh, lr: 10, temperature: 0.01}\n"
    "  - {name: affine, rule: lie-affine, base: student-t, nu: 5, base_scale: 0.005, lr: 0.2,"
    " lr2: 0.05}\n"
    "report: {posterior: true, figures: [curves, reliability, filters]}\n";

/* Writes the experiment `name` (csv or fm) into cli_tmp; 0 when its data is missing. */
static int write_experiment(const char *name)
{
    if (strcmp(name, "csv") == 0) {
        cli_write_csv();
        cli_write("csv.yaml", cli_csv_yaml);
        return 1;
    }
    struct stat st;
    if (stat("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz", &st) != 0)
        return 0;
    cli_write("fm.yaml", fm_yaml);
    return 1;
}

/* The blr program by an absolute path: the commands run in cli_tmp. */
static const char *bin(void)
{
    static char path[4096];
    cr_assert_not_null(realpath(cli_bin(), path), "%s not found", cli_bin());
    return path;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Starts `sh -c CMD` (run in cli_tmp, output to cli_out/cli_errf) in a process group of its
 * own, so that the whole of it, workers included, can be signalled. */
static pid_t spawn(const char *cmd)
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        setpgid(0, 0);
        char full[4096];
        snprintf(full, sizeof full, "cd '%s' && exec %s >'%s' 2>'%s' </dev/null", cli_tmp, cmd,
                 cli_out, cli_errf);
        execl("/bin/sh", "sh", "-c", full, (char *)NULL);
        _exit(127);
    }
    setpgid(pid, pid);
    return pid;
}

/* Its exit status, or 128 + the signal that killed it. */
static int finish(pid_t pid)
{
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* `blr ARGS` run in cli_tmp; its exit status. */
static int blr_in_tmp(const char *fmt, ...)
{
    char args[2048], cmd[2600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "%s %s", bin(), args);
    return finish(spawn(cmd));
}

static void sleep_seconds(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

/* The plain one-process run of experiment `name` into <name>-plain; returns its wall time. */
static double plain_run(const char *name)
{
    double t0 = now_seconds();
    cr_assert_eq(blr_in_tmp("run %s.yaml --out %s-plain --jobs 1 --threads 1 --quiet", name, name), 0,
                 "%s", cli_slurp(cli_errf));
    return now_seconds() - t0;
}

/* Jobs, shards + merge and MPI give the plain run's results. */
static void check_parallel_engines(const char *name)
{
    char plain[64], out[64];
    snprintf(plain, sizeof plain, "%s-plain", name);
    plain_run(name);
    cr_assert(!cli_tmp_files(plain));

    cr_assert_eq(blr_in_tmp("run %s.yaml --out %s-jobs3 --jobs 3 --threads 1", name, name),
                 0, "%s", cli_slurp(cli_errf));
    snprintf(out, sizeof out, "%s-jobs3", name);
    cli_assert_same_results(plain, out);
    /* The progress line counts finished runs. */
    cr_assert(strstr(cli_slurp(cli_errf), "[6/6]"), "%s", cli_slurp(cli_errf));

    for (int k = 1; k <= 3; k++) {
        char cmd[512];
        snprintf(cmd, sizeof cmd, "run %%s.yaml --out %%s-shard%d --shard %d/3 --threads 1 --quiet", k,
                 k);
        cr_assert_eq(blr_in_tmp(cmd, name, name), 0, "%s", cli_slurp(cli_errf));
        snprintf(out, sizeof out, "%s-shard%d/manifest.json", name, k);
        char want[32];
        snprintf(want, sizeof want, "\"shard\": \"%d/3\"", k);
        cr_assert(strstr(cli_file(out), want), "%s", cli_file(out));
    }
    char cmd[512];
    snprintf(cmd, sizeof cmd, "merge %%s-merged %s-shard3 %s-shard1 %s-shard2", name, name,
             name);
    cr_assert_eq(blr_in_tmp(cmd, name), 0, "%s", cli_slurp(cli_errf));
    snprintf(out, sizeof out, "%s-merged", name);
    cli_assert_same_results(plain, out);

    if (system("command -v mpirun >/dev/null 2>&1") != 0)
        return;
    /* OpenMPI's own allocations outlive MPI_Finalize: no leak check of them. */
    snprintf(cmd, sizeof cmd, "env ASAN_OPTIONS=detect_leaks=0 mpirun --allow-run-as-root "
             "--oversubscribe -np 3 %s run %s.yaml --out %s-mpi --mpi --threads 1 --quiet", bin(), name,
             name);
    cr_assert_eq(finish(spawn(cmd)), 0, "%s", cli_slurp(cli_errf));
    snprintf(out, sizeof out, "%s-mpi", name);
    cli_assert_same_results(plain, out);
}

Test(jobs, csv_jobs_shards_and_mpi_match_a_plain_run)
{
    write_experiment("csv");
    check_parallel_engines("csv");
}

Test(jobs, fashion_mnist_jobs_shards_and_mpi_match_a_plain_run)
{
    if (!write_experiment("fm"))
        cr_skip_test("dataset-fashion-mnist is not installed");
    check_parallel_engines("fm");
}

/* kill -9 of the whole process group at several moments of a run, then --resume: the
 * plain run's results. Moments are fractions of the plain run's wall time, so they fall in
 * loading, training, evaluation and writing whatever the machine's speed. */
static void check_kill_and_resume(const char *name)
{
    double t = plain_run(name);
    char plain[64], out[64];
    snprintf(plain, sizeof plain, "%s-plain", name);
    static const double at[] = {0.15, 0.35, 0.55, 0.75, 0.95};
    for (size_t k = 0; k < sizeof at / sizeof *at; k++) {
        snprintf(out, sizeof out, "%s-killed%zu", name, k);
        char cmd[512];
        snprintf(cmd, sizeof cmd, "%s run %s.yaml --out %s --jobs 2 --threads 1", bin(), name, out);
        pid_t pid = spawn(cmd);
        sleep_seconds(at[k] * t);
        kill(-pid, SIGKILL);
        finish(pid);
        /* The workers, now children of init, are gone only once it reaped them. */
        for (int w = 0; w < 500 && kill(-pid, 0) == 0; w++)
            sleep_seconds(0.01);
        int rc = blr_in_tmp("run %s.yaml --out %s --resume --quiet", name, out);
        cr_assert_eq(rc, 0, "resume after kill at %.2f s: %s", at[k] * t, cli_slurp(cli_errf));
        cli_assert_same_results(plain, out);
        cr_assert(!cli_tmp_files(out));
    }
    /* Deterministic crashes: half a checkpoint written, a record complete but not renamed
     * (in a worker: the others go on), between two summary files (in the parent). */
    static const char *const points[] = {"checkpoint:2", "record:1", "tables:1"};
    for (size_t k = 0; k < sizeof points / sizeof *points; k++) {
        snprintf(out, sizeof out, "%s-crash%zu", name, k);
        char cmd[512];
        snprintf(cmd, sizeof cmd, "env BLR_CRASH_AT=%s %s run %s.yaml --out %s --jobs 2 --threads 1",
                 points[k], bin(), name, out);
        int rc = finish(spawn(cmd));
        cr_assert_neq(rc, 0, "%s did not crash", points[k]);
        rc = blr_in_tmp("run %s.yaml --out %s --resume --quiet", name, out);
        cr_assert_eq(rc, 0, "resume after %s: %s", points[k], cli_slurp(cli_errf));
        cli_assert_same_results(plain, out);
    }
}

Test(jobs, csv_killed_at_any_moment_resumes_to_the_same_results)
{
    write_experiment("csv");
    check_kill_and_resume("csv");
}

Test(jobs, fashion_mnist_killed_at_any_moment_resumes_to_the_same_results)
{
    if (!write_experiment("fm"))
        cr_skip_test("dataset-fashion-mnist is not installed");
    check_kill_and_resume("fm");
}

/* SIGTERM to blr alone, SIGINT to its whole group (a terminal's Ctrl-C): checkpoints,
 * 143 / 130, how to resume, no .tmp left; the resumed run gives the plain run's results. */
Test(jobs, signals_save_checkpoints_and_resume)
{
    if (!write_experiment("fm"))
        cr_skip_test("dataset-fashion-mnist is not installed");
    double t = plain_run("fm");
    static const int sig[] = {SIGTERM, SIGINT};
    for (int k = 0; k < 2; k++) {
        char out[32], cmd[512];
        snprintf(out, sizeof out, "fm-sig%d", sig[k]);
        snprintf(cmd, sizeof cmd, "%s run fm.yaml --out %s --jobs 2 --threads 1", bin(), out);
        pid_t pid = spawn(cmd);
        sleep_seconds(0.6 * t);
        kill(sig[k] == SIGINT ? -pid : pid, sig[k]);
        int rc = finish(pid);
        if (rc == 0)
            continue; /* it finished first: nothing to check */
        cr_assert_eq(rc, 128 + sig[k], "%s", cli_slurp(cli_errf));
        cr_assert(strstr(cli_slurp(cli_errf), "--resume"), "%s", cli_slurp(cli_errf));
        cr_assert(!cli_tmp_files(out), "a .tmp file was left in %s", out);
        cr_assert_eq(blr_in_tmp("run fm.yaml --out %s --resume --quiet", out), 0, "%s",
                     cli_slurp(cli_errf));
        cli_assert_same_results("fm-plain", out);
    }
}

/* checkpoint_every: a checkpoint only every 2 epochs still resumes to the same results. */
Test(jobs, checkpoint_every_is_honoured)
{
    write_experiment("csv");
    char y[4096];
    snprintf(y, sizeof y, "%s", cli_csv_yaml);
    char *at = strstr(y, "  mc_test: 8\n");
    cr_assert_not_null(at);
    static const char every[] = "  checkpoint_every: 7\n";
    memmove(at + strlen(every), at, strlen(at) + 1);
    memcpy(at, every, strlen(every));
    cli_write("csv.yaml", y);
    plain_run("csv");
    /* 20 epochs, a checkpoint after epochs 7 and 14: a third is never written... */
    char cmd[512];
    snprintf(cmd, sizeof cmd, "env BLR_CRASH_AT=checkpoint:3 %s run csv.yaml --out c3 --jobs 1 --threads 1",
             bin());
    cr_assert_eq(finish(spawn(cmd)), 0, "%s", cli_slurp(cli_errf));
    /* ... and killed while writing its second, every run resumes from its first. */
    snprintf(cmd, sizeof cmd, "env BLR_CRASH_AT=checkpoint:2 %s run csv.yaml --out c --jobs 1 --threads 1",
             bin());
    cr_assert_eq(finish(spawn(cmd)), 1, "%s", cli_slurp(cli_errf));
    cr_assert(cli_exists("c/runs/sgd-s0.ckpt") && cli_exists("c/runs/sgd-s0.ckpt.tmp"));
    cr_assert_eq(blr_in_tmp("run csv.yaml --out c --resume --quiet"), 0, "%s",
                 cli_slurp(cli_errf));
    cli_assert_same_results("csv-plain", "c");
    cli_write("bad.yaml", "name: b\ndata: {set: csv, train: reg.csv, test: reg.csv, task: "
                          "regression}\nmodel: {arch: linear}\ntrain: {checkpoint_every: 0}\n"
                          "methods: [{name: s, rule: sgd}]\n");
    cr_assert_eq(blr_in_tmp("check bad.yaml"), 2);
    cr_assert(strstr(cli_slurp(cli_errf), "checkpoint_every"), "%s", cli_slurp(cli_errf));
}

/* A run into a directory of another experiment's results starts clean: nothing of the old
 * one survives (its records, posterior files, filters figure). */
Test(jobs, a_rerun_starts_clean)
{
    if (!write_experiment("fm"))
        cr_skip_test("dataset-fashion-mnist is not installed");
    write_experiment("csv");
    cr_assert_eq(blr_in_tmp("run fm.yaml --out d --quiet"), 0, "%s",
                 cli_slurp(cli_errf));
    cr_assert(cli_exists("d/filters.png") && cli_exists("d/runs/mult-s1"));
    cr_assert_eq(blr_in_tmp("run csv.yaml --out d --quiet"), 0, "%s",
                 cli_slurp(cli_errf));
    static const char *const gone[] = {"d/filters.png", "d/filters", "d/runs/mult-s1",
                                       "d/posterior/mult-s1.csv", "d/reliability.png"};
    for (size_t k = 0; k < sizeof gone / sizeof *gone; k++)
        cr_assert(!cli_exists(gone[k]), "%s survived the re-run", gone[k]);
    cr_assert(cli_exists("d/posterior/exact-s0.csv") && cli_exists("d/runs/sgd-s1"));
    /* A directory made before runs were jobs (no shard in its manifest, no runs/) is a
     * results directory too: a new run replaces it. */
    char old[300];
    snprintf(old, sizeof old, "%s/old", cli_tmp);
    cr_assert_eq(mkdir(old, 0777), 0);
    cli_write("old/manifest.json", "{\n  \"experiment\": \"x\",\n  \"file\": \"x.yaml\",\n"
                                   "  \"file_sha256\": \"ab\",\n  \"profile\": \"\",\n"
                                   "  \"git_commit\": \"58dd9fce9ae8\",\n  \"threads\": 2,\n"
                                   "  \"runs\": []\n}\n");
    cli_write("old/ablation.png", "stale");
    cr_assert_eq(blr_in_tmp("run csv.yaml --out old --quiet"), 0, "%s", cli_slurp(cli_errf));
    cr_assert(!cli_exists("old/ablation.png") && cli_exists("old/runs/sgd-s1"));
}

/* Refused commands exit 2 with a message and change nothing in an existing directory. */
Test(jobs, refusals_exit_2_and_keep_the_directory)
{
    write_experiment("csv");
    cli_write("other.yaml", "name: other\ndata: {set: csv, train: reg.csv, test: reg.csv, "
                            "task: regression}\nmodel: {arch: linear}\n"
                            "methods: [{name: s, rule: sgd}]\n");
    cr_assert_eq(blr_in_tmp("run csv.yaml --out d --threads 1 --quiet"), 0);
    cr_assert_eq(blr_in_tmp("run csv.yaml --out s1 --shard 1/2 --quiet"), 0);
    cr_assert_eq(blr_in_tmp("run csv.yaml --out s2 --shard 2/2 --quiet"), 0);
    cr_assert_eq(blr_in_tmp("run other.yaml --out o --quiet"), 0);
    char foreign[300];
    snprintf(foreign, sizeof foreign, "%s/foreign", cli_tmp);
    cr_assert_eq(mkdir(foreign, 0777), 0);
    cli_write("foreign/notes.txt", "mine\n");
    cli_write("file.txt", "x\n");
    char snap[1024];
    snprintf(snap, sizeof snap, "cd '%s' && find d s1 s2 foreign -type f | sort | xargs md5sum",
             cli_tmp);
    char before[1400], after[1400];
    snprintf(before, sizeof before, "(%s) >'%s/before'", snap, cli_tmp);
    snprintf(after, sizeof after, "(%s) >'%s/after'", snap, cli_tmp);
    cr_assert_eq(system(before), 0);
    static const struct {
        const char *args, *says;
    } bad[] = {
        {"run other.yaml --out d --resume", "cannot resume"},
        {"run csv.yaml --out d --resume --threads 2", "threads per run"},
        {"run csv.yaml --out d --resume --shard 2/2", "shard"},
        {"run csv.yaml --out foreign --resume", "not a results directory"},
        {"run csv.yaml --out foreign", "not a results directory"},
        {"run csv.yaml --out nowhere --resume", "nothing to resume"},
        {"run csv.yaml --out file.txt", "not a directory"},
        {"run csv.yaml --out d --shard 3/2", "--shard"},
        {"run csv.yaml --out d --shard 0/2", "--shard"},
        {"run csv.yaml --out d --jobs 0", "--jobs"},
        {"run csv.yaml --out d --mpi", "mpirun"},
        {"merge m s1", "in none of"},
        {"merge m s1 s1", "in both"},
        {"merge m s1 o", "another experiment"},
        {"merge s2 s1 s2", "cannot be one of the shards"},
        {"merge m foreign", "not a results directory"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        cr_assert_eq(blr_in_tmp("%s%s", bad[k].args, ""), 2, "%s", bad[k].args);
        cr_assert(strstr(cli_slurp(cli_errf), bad[k].says), "%s: %s", bad[k].args,
                  cli_slurp(cli_errf));
    }
    cr_assert_eq(system(after), 0);
    cr_assert_str_eq(cli_file("before"), cli_file("after"));
    cr_assert(!cli_exists("nowhere") && !cli_exists("m"));
}

/* scripts/suite.sh (make paper): SIGTERM to the script alone stops blr with its checkpoints
 * and leaves no half-written times file; RESUME=1 then finishes with the plain results. */
Test(jobs, suite_stops_cleanly_and_resumes)
{
    if (!write_experiment("fm"))
        cr_skip_test("dataset-fashion-mnist is not installed");
    char script[4096], cmd[8192];
    cr_assert_not_null(realpath("scripts/suite.sh", script), "run the tests from the top");
    snprintf(cmd, sizeof cmd, "cd '%s' && mkdir -p scripts experiments && cp '%s' scripts/ && "
             "cp fm.yaml experiments/", cli_tmp, script);
    cr_assert_eq(system(cmd), 0);
    double t = plain_run("fm");
    snprintf(cmd, sizeof cmd, "bash scripts/suite.sh %s s fm", bin());
    pid_t pid = spawn(cmd);
    sleep_seconds(0.6 * t);
    kill(pid, SIGTERM);
    int rc = finish(pid);
    if (rc != 0) {
        cr_assert_eq(rc, 143, "%s", cli_slurp(cli_errf));
        cr_assert(!cli_exists("results/s-times.csv.tmp"));
        cr_assert(!cli_tmp_files("results"));
        cr_assert(strstr(cli_slurp(cli_errf), "RESUME=1"), "%s", cli_slurp(cli_errf));
    }
    snprintf(cmd, sizeof cmd, "env RESUME=1 bash scripts/suite.sh %s s fm", bin());
    cr_assert_eq(finish(spawn(cmd)), 0, "%s", cli_slurp(cli_errf));
    cr_assert(strstr(cli_file("results/s-times.csv"), "\ntotal,"));
    cli_assert_same_results("fm-plain", "results/fm");
}
