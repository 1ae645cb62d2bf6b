/* The SLURM recipes of scripts/slurm/ end to end: scripts/slurm/selftest.sh starts a one-node
 * SLURM cluster in a temporary directory, runs a tiny experiment plainly, as a 3-task job array
 * with a dependent merge job, and (when srun offers pmix and blr has --mpi) as an MPI job, and
 * checks that every way gives the same results. It needs root and the slurm-wlm and munge
 * packages; without them it exits 77 and the test is skipped. The blr under test is the one
 * named by BLR_BIN (make test sets it). */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* The script stops its cluster on every exit; `timeout` makes it exit (TERM, which it traps)
 * well before Criterion's own timeout would kill this process and leave the daemons behind. */
TestSuite(slurm, .timeout = 200);

Test(slurm, array_merge_and_mpi_match_a_plain_run)
{
    /* The script's output goes to a temporary file, read and removed before any assertion
     * (a failed assertion or a skip leaves the test without running what follows it). */
    char tmp[] = "/tmp/blr-slurm-test-XXXXXX";
    cr_assert_not_null(mkdtemp(tmp));
    const char *bin = getenv("BLR_BIN");
    char out[300], cmd[1024];
    snprintf(out, sizeof out, "%s/selftest.log", tmp);
    snprintf(cmd, sizeof cmd,
             "timeout -k 15 150 bash scripts/slurm/selftest.sh '%s' >'%s' 2>&1 </dev/null",
             bin ? bin : "build/blr", out);
    int st = system(cmd);

    static char log[1 << 15];
    log[0] = '\0';
    FILE *f = fopen(out, "r");
    if (f) {
        size_t n = fread(log, 1, sizeof log - 1, f);
        log[n] = '\0';
        fclose(f);
    }
    remove(out);
    rmdir(tmp);

    cr_assert(WIFEXITED(st), "selftest.sh did not exit normally:\n%s", log);
    if (WEXITSTATUS(st) == 77)
        cr_skip_test("no one-node SLURM here: %s", log);
    cr_assert_eq(WEXITSTATUS(st), 0, "scripts/slurm/selftest.sh exited %d:\n%s",
                 WEXITSTATUS(st), log);
}
