/* The harness of the end-to-end tests (cli_harness.h). */
#include "cli_harness.h"

#include <criterion/criterion.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

char cli_tmp[256];
char cli_out[300], cli_errf[300];

void cli_setup(void)
{
    snprintf(cli_tmp, sizeof cli_tmp, "/tmp/blr-cli-XXXXXX");
    cr_assert_not_null(mkdtemp(cli_tmp));
    snprintf(cli_out, sizeof cli_out, "%s/stdout", cli_tmp);
    snprintf(cli_errf, sizeof cli_errf, "%s/stderr", cli_tmp);
}

void cli_teardown(void)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", cli_tmp);
    cr_assert_eq(system(cmd), 0);
}

const char *cli_bin(void)
{
    const char *b = getenv("BLR_BIN");
    return b ? b : "build/blr";
}

/* Runs `blr ARGS` with stdout and stderr to files; returns the exit status. */
int cli_run(const char *fmt, ...)
{
    char args[2048], cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "%s %s >'%s' 2>'%s' </dev/null", cli_bin(), args, cli_out,
             cli_errf);
    int st = system(cmd);
    cr_assert(WIFEXITED(st), "blr did not exit normally: %s", cmd);
    return WEXITSTATUS(st);
}

/* The whole of a small file (stdout, stderr, a result file) as a static string. */
const char *cli_slurp(const char *path)
{
    static char buf[1 << 16];
    FILE *f = fopen(path, "r");
    buf[0] = '\0';
    if (!f)
        return buf;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

const char *cli_file(const char *name)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", cli_tmp, name);
    return cli_slurp(p);
}

void cli_write(const char *name, const char *text)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", cli_tmp, name);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

int cli_exists(const char *name)
{
    char p[600];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", cli_tmp, name);
    return stat(p, &st) == 0;
}

/* The first line of a result file. */
const char *cli_header(const char *name)
{
    static char line[4096];
    const char *s = cli_file(name);
    size_t n = strcspn(s, "\n");
    snprintf(line, sizeof line, "%.*s", (int)n, s);
    return line;
}

/* A small regression data set: y = 1 + 2 x1 - x2 + noise, from a fixed table. */
void cli_write_csv(void)
{
    FILE *f;
    char p[600];
    snprintf(p, sizeof p, "%s/reg.csv", cli_tmp);
    f = fopen(p, "w");
    cr_assert_not_null(f);
    fputs("x1,x2,y\n", f);
    for (int i = 0; i < 40; i++) {
        double x1 = (i % 7) / 3.0 - 1.0, x2 = (i % 5) / 2.0 - 1.0;
        double noise = ((i * 37) % 11 - 5) / 20.0;
        fprintf(f, "%.6f,%.6f,%.6f\n", x1, x2, 1.0 + 2.0 * x1 - x2 + noise);
    }
    fclose(f);
}

const char cli_csv_yaml[] =
    "name: tiny\n"
    "data:\n"
    "  set: csv\n"
    "  train: reg.csv\n"
    "  test: reg.csv\n"
    "  task: regression\n"
    "  target: y\n"
    "  noise_sd: 0.5\n"
    "model:\n"
    "  arch: linear\n"
    "train:\n"
    "  epochs: 20\n"
    "  batch_size: 10\n"
    "  mc_test: 8\n"
    "seeds: [0, 1]\n"
    "methods:\n"
    "  - name: sgd\n"
    "    rule: sgd\n"
    "    lr: 0.05\n"
    "  - name: affine\n"
    "    rule: lie-affine\n"
    "    base: [gaussian, laplace]\n"
    "    base_scale: 0.1\n"
    "    lr: 0.05\n"
    "    lr2: 0.01\n"
    "report:\n"
    "  posterior: true\n";

/* A classification CSV of n rows: 3 features, a label in {0, 1, 2}. */
void cli_write_cls(const char *name, int n)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", cli_tmp, name);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    fputs("x1,x2,x3,y\n", f);
    for (int i = 0; i < n; i++) {
        double x1 = (i % 13) / 6.0 - 1.0, x2 = (i % 7) / 3.0 - 1.0, x3 = (i % 5) / 2.0 - 1.0;
        fprintf(f, "%.6f,%.6f,%.6f,%d\n", x1, x2, x3, (x1 + x2 > 0) + (x3 > 0.4));
    }
    fclose(f);
}


/* text without the columns, named in its header line, that hold times or memory: they are
 * the only ones allowed to differ between two runs of the same experiment. */
static void without_timing(const char *text, char *out, size_t len)
{
    static const char *const timing[] = {"train_seconds", "train_seconds_mean",
                                         "train_seconds_sd", "train_seconds_se", "seconds",
                                         "peak_rss_mib",
                                         "rss_bound_mib"};
    int drop[256] = {0}, field = 0, header = 1;
    size_t o = 0;
    const char *start = text;
    for (const char *c = text;; c++) {
        if (*c != ',' && *c != '\n' && *c)
            continue;
        size_t n = (size_t)(c - start);
        if (header && field < 256)
            for (size_t k = 0; k < sizeof timing / sizeof *timing; k++)
                drop[field] |= strlen(timing[k]) == n && strncmp(start, timing[k], n) == 0;
        if (field >= 256 || !drop[field]) {
            if (o + n + 2 >= len)
                break;
            memcpy(out + o, start, n);
            o += n;
            out[o++] = ',';
        }
        field++;
        if (*c == '\n') {
            out[o++] = '\n';
            field = 0;
            header = 0;
        }
        if (!*c)
            break;
        start = c + 1;
    }
    out[o] = '\0';
}

void cli_assert_same_results(const char *a, const char *b)
{
    static const char *const tables[] = {"runs.csv", "curves.csv", "reliability.csv",
                                         "summary.csv", "table.md"};
    static char ta[1 << 17], tb[1 << 17];
    for (size_t k = 0; k < sizeof tables / sizeof *tables; k++) {
        char pa[600], pb[600];
        snprintf(pa, sizeof pa, "%s/%s", a, tables[k]);
        snprintf(pb, sizeof pb, "%s/%s", b, tables[k]);
        without_timing(cli_file(pa), ta, sizeof ta);
        without_timing(cli_file(pb), tb, sizeof tb);
        cr_assert_gt(strlen(ta), 10, "%s is missing or empty", pa);
        cr_assert_str_eq(ta, tb, "%s differs from %s", pb, pa);
    }
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "cd '%s' && for d in posterior filters; do if [ -d %s/$d ]; "
             "then diff -r %s/$d %s/$d >/dev/null || exit 1; elif [ -d %s/$d ]; then exit 1; "
             "fi; done", cli_tmp, a, a, b, b);
    cr_assert_eq(system(cmd), 0, "posterior/ or filters/ differ between %s and %s", a, b);
}

int cli_tmp_files(const char *dir)
{
    char cmd[800];
    snprintf(cmd, sizeof cmd, "test -z \"$(find '%s/%s' -name '*.tmp')\"", cli_tmp, dir);
    return system(cmd) != 0;
}
