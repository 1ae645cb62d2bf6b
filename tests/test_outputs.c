/* What blr does around its outputs: a results directory is locked against a second process,
 * which is told who holds it, and a write that fails (a full disk) is an error with the file
 * and the system's reason, a non-zero exit, and no "results:" line. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli_harness.h"

TestSuite(outputs, .init = cli_setup, .fini = cli_teardown, .timeout = 120);

/* Files may grow to `blocks` of 512 bytes (the shell's ulimit -f), and writing past that
 * fails with EFBIG instead of killing the process: a disk that fills up at that size. */
static int run_with_file_limit(int blocks, const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "trap '' XFSZ; ulimit -f %d; exec %s %s >'%s' 2>'%s' </dev/null",
             blocks, cli_bin(), args, cli_out, cli_errf);
    int st = system(cmd);
    cr_assert(WIFEXITED(st), "blr did not exit normally: %s", cmd);
    return WEXITSTATUS(st);
}

Test(outputs, a_failed_write_is_an_error_without_a_results_line)
{
    cli_write_csv();
    cli_write("tiny.yaml", cli_csv_yaml);
    char args[1024];
    snprintf(args, sizeof args, "run %s/tiny.yaml --out %s/res --quiet", cli_tmp, cli_tmp);
    /* 4 KiB: the manifest and the run records fit, the tables and figures do not. */
    int rc = run_with_file_limit(8, args);
    const char *err = cli_slurp(cli_errf);
    cr_assert_eq(rc, 4, "exit %d: %s", rc, err);
    cr_assert(strstr(err, "File too large"), "no reason in: %s", err);
    cr_assert(strstr(err, "/res/"), "no file named in: %s", err);
    cr_assert_null(strstr(cli_slurp(cli_out), "results:"), "%s", cli_slurp(cli_out));
    /* Without --quiet the same is said. */
    snprintf(args, sizeof args, "run %s/tiny.yaml --out %s/res2", cli_tmp, cli_tmp);
    cr_assert_eq(run_with_file_limit(8, args), 4);
    cr_assert(strstr(cli_slurp(cli_errf), "File too large"), "%s", cli_slurp(cli_errf));
}

Test(outputs, a_second_run_into_a_directory_is_told_who_holds_it)
{
    cli_write_csv();
    /* Long enough to be still running when the second one starts. */
    char yaml[2048];
    snprintf(yaml, sizeof yaml, "%s", cli_csv_yaml);
    char *epochs = strstr(yaml, "epochs: 20");
    cr_assert_not_null(epochs);
    memcpy(epochs, "epochs: 99", 10);
    cli_write("long.yaml", yaml);
    char file[600], out[600], manifest[700];
    snprintf(file, sizeof file, "%s/long.yaml", cli_tmp);
    snprintf(out, sizeof out, "%s/res", cli_tmp);
    snprintf(manifest, sizeof manifest, "%s/manifest.json", out);
    pid_t first = fork();
    cr_assert(first >= 0);
    if (first == 0) {
        freopen("/dev/null", "w", stderr);
        execl(cli_bin(), "blr", "run", file, "--out", out, "--quiet", "--jobs", "1",
              (char *)NULL);
        _exit(127);
    }
    struct stat st;
    for (int i = 0; i < 1000 && stat(manifest, &st) != 0; i++)
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    int rc = cli_run("run %s --out %s --quiet", file, out);
    kill(first, SIGTERM);
    waitpid(first, NULL, 0);
    char want[128];
    snprintf(want, sizeof want, "in use by blr process %d (", (int)first);
    const char *err = cli_slurp(cli_errf);
    cr_assert_eq(rc, 2, "exit %d: %s", rc, err);
    cr_assert(strstr(err, want), "'%s' not in: %s", want, err);
    cr_assert(strstr(err, "run"), "the holder's command is not named: %s", err);
}
