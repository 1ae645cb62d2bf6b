/* Running a figure's gnuplot program in a results directory (lib/report/plot.h).
 *
 * The programs (plots/<fig>.gp) are found in the directory named by the environment variable
 * BLR_PLOTS_DIR, else where blr_files_share_dir finds plots/ (installed, in the repository, or
 * the install prefix's). */
#include "plot.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "files.h"

extern char **environ;

static int has_program(const char *dir, const char *fig)
{
    char p[BLR_PATH_LEN + 64];
    snprintf(p, sizeof p, "%s/%s.gp", dir, fig);
    return access(p, R_OK) == 0;
}

static int find_programs(const char *fig, char *dir, size_t len, char *err, size_t errlen)
{
    const char *env = getenv("BLR_PLOTS_DIR");
    if (env && *env) {
        snprintf(dir, len, "%s", env);
        if (has_program(dir, fig))
            return 0;
        snprintf(err, errlen, "%s/%s.gp: error: no such program (BLR_PLOTS_DIR)", env, fig);
        return -1;
    }
    char gp[64];
    snprintf(gp, sizeof gp, "%s.gp", fig);
    if (blr_files_share_dir("plots", gp, dir, len) == 0)
        return 0;
    snprintf(err, errlen, "error: no gnuplot program %s.gp: set BLR_PLOTS_DIR to the "
             "repository's plots/ or run `make install`", fig);
    return -1;
}

/* A copy, not a link: a results directory keeps the program that drew it. */
static int copy_program(const char *from, const char *dir, const char *name, char *err,
                        size_t errlen)
{
    char src[BLR_PATH_LEN + 64], buf[8192];
    snprintf(src, sizeof src, "%s/%s", from, name);
    FILE *in = fopen(src, "r");
    blr_report_file rf;
    if (!in) {
        snprintf(err, errlen, "%s: error: cannot read: %s", src, strerror(errno));
        return -1;
    }
    if (blr_report_open(&rf, dir, name, err, errlen) != 0) {
        fclose(in);
        return -1;
    }
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, in)) > 0)
        fwrite(buf, 1, got, rf.f);
    int bad = ferror(in);
    fclose(in);
    if (bad) {
        blr_report_abort(&rf);
        snprintf(err, errlen, "%s: error: cannot read", src);
        return -1;
    }
    return blr_report_close(&rf, err, errlen);
}

/* Runs `gnuplot <script>` in dir (through gnuplot's own `cd`: posix_spawn cannot change the
 * directory), with its stderr, for the error message, in msg. Returns gnuplot's wait status,
 * or -1 with err set. */
static int run_gnuplot(const char *dir, const char *script, char *msg, size_t msglen, char *err,
                       size_t errlen)
{
    char cd[2 * BLR_PATH_LEN + 32];
    size_t at = (size_t)snprintf(cd, sizeof cd, "tmp = '.tmp'; cd '");
    for (const char *p = dir; *p && at < sizeof cd - 3; p++) {
        if (*p == '\'')
            cd[at++] = '\''; /* a single-quoted gnuplot string doubles its quotes */
        cd[at++] = *p;
    }
    snprintf(cd + at, sizeof cd - at, "'");
    int fd[2];
    if (pipe(fd) != 0) {
        snprintf(err, errlen, "error: cannot run gnuplot: pipe: %s", strerror(errno));
        return -1;
    }
    /* gnuplot's stdout is not ours (the library never prints there). A process group of its
     * own: a terminal's Ctrl-C, meant for blr, which finishes its summary first, does not stop
     * gnuplot halfway. */
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fd[1], 2);
    posix_spawn_file_actions_addclose(&fa, fd[0]);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    char *const argv[] = {"gnuplot", "-e", cd, (char *)script, NULL};
    pid_t pid;
    int e = posix_spawnp(&pid, "gnuplot", &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close(fd[1]);
    if (e != 0) {
        close(fd[0]);
        if (e == ENOENT)
            snprintf(err, errlen, "error: gnuplot not found in PATH; the figures need it "
                     "(Debian: apt-get install gnuplot-nox)");
        else
            snprintf(err, errlen, "error: cannot run gnuplot: %s", strerror(e));
        return -1;
    }
    size_t used = 0;
    ssize_t got;
    char sink[512];
    while ((got = read(fd[0], sink, sizeof sink)) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            break;
        size_t take = (size_t)got < msglen - 1 - used ? (size_t)got : msglen - 1 - used;
        memcpy(msg + used, sink, take);
        used += take;
    }
    close(fd[0]);
    msg[used] = '\0';
    /* gnuplot's message spans lines (the line, a caret, the reason); keep it on one. */
    for (char *p = msg; *p; p++)
        *p = *p == '\n' || *p == '\r' || *p == '\t' ? ' ' : *p;
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            snprintf(err, errlen, "error: waiting for gnuplot: %s", strerror(errno));
            return -1;
        }
    return status;
}

int blr_plot_draw(const char *dir, const char *fig, char *err, size_t errlen)
{
    char from[BLR_PATH_LEN], script[64], msg[400];
    snprintf(script, sizeof script, "%s.gp", fig);
    if (find_programs(fig, from, sizeof from, err, errlen) != 0 ||
        copy_program(from, dir, "style.gp", err, errlen) != 0 ||
        copy_program(from, dir, "runs.gp", err, errlen) != 0 ||
        copy_program(from, dir, script, err, errlen) != 0)
        return -1;
    int status = run_gnuplot(dir, script, msg, sizeof msg, err, errlen);
    if (status == -1)
        return -1;
    static const char *const ext[] = {"png", "svg"};
    char tmp[2][BLR_PATH_LEN + 80], out[2][BLR_PATH_LEN + 64];
    int drawn = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    for (int k = 0; k < 2; k++) {
        struct stat st;
        snprintf(out[k], sizeof out[k], "%s/%s.%s", dir, fig, ext[k]);
        snprintf(tmp[k], sizeof tmp[k], "%s/%s.%s.tmp", dir, fig, ext[k]);
        drawn &= stat(tmp[k], &st) == 0 && st.st_size > 0;
    }
    for (int k = 0; k < 2; k++)
        if (drawn == 1 && rename(tmp[k], out[k]) != 0) {
            snprintf(err, errlen, "%s: error: cannot rename it to %s.%s: %s", tmp[k], fig,
                     ext[k], strerror(errno));
            drawn = -1;
        }
    for (int k = 0; k < 2; k++)
        unlink(tmp[k]); /* what is left of a failed drawing */
    if (drawn)
        return drawn == 1 ? 0 : -1;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        snprintf(err, errlen, "%s/%s: error: gnuplot drew no %s.png and %s.svg; figure '%s' "
                 "left as it was", dir, script, fig, fig, fig);
    else if (WIFEXITED(status))
        snprintf(err, errlen, "%s/%s: error: gnuplot exited with status %d: %s; figure '%s' "
                 "left as it was", dir, script, WEXITSTATUS(status), msg, fig);
    else
        snprintf(err, errlen, "%s/%s: error: gnuplot killed by signal %d; figure '%s' left as "
                 "it was", dir, script, WIFSIGNALED(status) ? WTERMSIG(status) : 0, fig);
    return -1;
}
