/* The harness of the end-to-end tests (tests/test_cli.c, tests/test_jobs.c): the `blr` program
 * named by the BLR_BIN environment variable (make test sets it) runs on small experiments
 * written into a temporary directory, cli_tmp, made by cli_setup and removed by cli_teardown.
 * Relative names are relative to cli_tmp. */
#ifndef BLR_CLI_HARNESS_H
#define BLR_CLI_HARNESS_H

#include <stddef.h>

extern char cli_tmp[256];
extern char cli_out[300], cli_errf[300]; /* the last command's stdout and stderr */

void cli_setup(void);
void cli_teardown(void);
const char *cli_bin(void);
/* Runs `blr ARGS` with stdout and stderr to files; returns the exit status. */
int cli_run(const char *fmt, ...);
/* The whole of a small file (stdout, stderr, a result file) as a static string; "" when it
 * cannot be read. cli_file takes a name relative to cli_tmp. */
const char *cli_slurp(const char *path);
const char *cli_file(const char *name);
void cli_write(const char *name, const char *text);
int cli_exists(const char *name);
/* The first line of a result file. */
const char *cli_header(const char *name);
/* reg.csv: a small regression data set, y = 1 + 2 x1 - x2 + noise; cli_csv_yaml is an
 * experiment on it (2 seeds, sgd and lie-affine with two bases, posteriors). */
void cli_write_csv(void);
extern const char cli_csv_yaml[];
/* A classification CSV of n rows: 3 features, a label in {0, 1, 2}. */
void cli_write_cls(const char *name, int n);
/* Asserts that results directories a and b (relative to cli_tmp) hold the same results: their
 * tables equal but for the time and memory columns, posterior/ and filters/ byte for byte. */
void cli_assert_same_results(const char *a, const char *b);
/* 1 when a .tmp file is left anywhere under dir. */
int cli_tmp_files(const char *dir);

#endif
