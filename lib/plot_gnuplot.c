/* gnuplot text shared by every figure and running gnuplot (lib/plot.h). */
#include "plot.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- gnuplot text ------------------------------------------------------------------------ */

/* A gnuplot single-quoted string: only ' needs doubling. */
void blr_plot_gp_str(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

void blr_plot_dat_num(FILE *f, double x)
{
    if (isnan(x))
        fputs(" nan", f);
    else
        fprintf(f, " %.9g", x);
}

/* Okabe–Ito colours (distinguishable with colour-blindness); variants past the eighth reuse
 * them with a dash pattern. */
void blr_plot_gp_preamble(FILE *f, const char *fig, const char *about, int width, int height)
{
    static const char *const colors[N_COLORS] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                                 "#E69F00", "#56B4E9", "#000000", "#999999"};
    fprintf(f, "# %s\n# Data: %s.dat. Redraw %s.png and %s.svg: gnuplot %s.gp (in this "
               "directory).\n", about, fig, fig, fig, fig);
    for (int i = 0; i < N_COLORS; i++)
        fprintf(f, "set linetype %d lc rgb '%s' lw 2 pt 7 ps 0.7\n", i + 1, colors[i]);
    fprintf(f, "set linetype cycle %d\n", N_COLORS);
    /* reset: each format starts from defaults (reset keeps the linetypes). */
    fprintf(f, "do for [fmt in \"png svg\"] {\n"
               "reset\nset encoding utf8\n"
               "if (fmt eq \"png\") {\n"
               "    set terminal pngcairo size %d,%d font \"sans,10\" noenhanced\n"
               "} else {\n"
               "    set terminal svg size %d,%d font \"sans,10\" noenhanced "
               "background rgb \"white\"\n"
               "}\n"
               "set output \"%s.\" . fmt\n"
               "set grid lc rgb '#dddddd' lt 1 lw 1\n",
            width, height, width, height, fig);
}

void blr_plot_gp_end(FILE *f) { fputs("set output\n}\n", f); }

/* A multiplot's legend gets its own full-width strip at the bottom, so it never covers data:
 * an empty plot whose only visible part is the key. Ends at "plot"; the caller adds one
 * sample per entry with y = 2, outside the strip's [0:1]. */
void blr_plot_gp_key_strip(FILE *f, int height, int rows)
{
    fprintf(f, "set lmargin at screen 0.02\nset rmargin at screen 0.98\n"
               "set bmargin at screen 0.01\nset tmargin at screen %.3f\n"
               "unset border\nunset tics\nunset xlabel\nunset ylabel\nunset title\n"
               "unset grid\nunset object\nunset arrow\nset xrange [0:1]\nset yrange [0:1]\n"
               "set key center center horizontal maxrows %d samplen 3 width 2\nplot",
            (6.0 + 18.0 * rows) / height, rows);
}

int blr_plot_lt(int v) { return v % N_COLORS + 1; }
int blr_plot_dt(int v) { return v / N_COLORS + 1; }

/* ---- running gnuplot --------------------------------------------------------------------- */

/* The PATH search happens here, before fork: the child may only make async-signal-safe
 * calls, which execv is and execvp is not. Returns 0 with the program's path in exe. */
int blr_plot_find_gnuplot(char *exe, size_t len)
{
    const char *path = getenv("PATH");
    while (path && *path) {
        size_t n = strcspn(path, ":");
        snprintf(exe, len, "%.*s/gnuplot", n ? (int)n : 1, n ? path : ".");
        if (access(exe, X_OK) == 0)
            return 0;
        path += n + (path[n] == ':');
    }
    return -1;
}

/* Runs `gnuplot <fig>.gp` with dir as the working directory; on failure err holds gnuplot's
 * first complaint. */
int blr_plot_run_gnuplot(const char *exe, const char *dir, const char *fig, char *err,
                       size_t errlen)
{
    char script[64];
    snprintf(script, sizeof script, "%s.gp", fig);
    int fd[2];
    if (pipe(fd) != 0) {
        snprintf(err, errlen, "error: cannot run gnuplot: pipe: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "error: cannot run gnuplot: fork: %s", strerror(errno));
        close(fd[0]);
        close(fd[1]);
        return -1;
    }
    if (pid == 0) {
        /* Only async-signal-safe calls between fork and exec. gnuplot's stdout is not ours
         * to use (the library never prints to stdout); its stderr comes back through the
         * pipe for the error message. */
        /* A process group of its own: a terminal's Ctrl-C, meant for blr, which finishes its
         * summary before it stops, does not cut a figure off half-written. */
        setpgid(0, 0);
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
        }
        dup2(fd[1], 2);
        close(fd[0]);
        if (chdir(dir) != 0)
            _exit(126);
        char *const argv[] = {"gnuplot", script, NULL};
        execv(exe, argv);
        _exit(127);
    }
    close(fd[1]);
    char msg[400];
    size_t used = 0;
    ssize_t got;
    char sink[512];
    while ((got = read(fd[0], sink, sizeof sink)) != 0) {
        if (got < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        size_t take = (size_t)got < sizeof msg - 1 - used ? (size_t)got : sizeof msg - 1 - used;
        memcpy(msg + used, sink, take);
        used += take;
    }
    close(fd[0]);
    msg[used] = '\0';
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            snprintf(err, errlen, "error: waiting for gnuplot: %s", strerror(errno));
            return -1;
        }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    /* gnuplot's message spans lines (the line, a caret, the reason); keep it on one. */
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    if (WIFEXITED(status) && WEXITSTATUS(status) == 126)
        snprintf(err, errlen, "%s: error: cannot enter the directory to run gnuplot", dir);
    else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        snprintf(err, errlen, "error: cannot execute gnuplot (install gnuplot-nox)");
    else if (WIFEXITED(status))
        snprintf(err, errlen, "%s/%s: error: gnuplot exited with status %d: %s", dir, script,
                 WEXITSTATUS(status), msg);
    else
        snprintf(err, errlen, "%s/%s: error: gnuplot killed by signal %d", dir, script,
                 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return -1;
}

