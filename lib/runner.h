/* The experiment runner: for each (variant, seed) initialize, train, evaluate, and write
 * the result files of CONTRACT "Outputs". */
#ifndef BLR_RUNNER_H
#define BLR_RUNNER_H

#include <stddef.h>
#include "config.h"

typedef struct {
    const char *out_dir; /* NULL: results/<name> */
    int threads;         /* OpenBLAS threads; 0 = leave OpenBLAS's default */
    int quiet;           /* no progress on stderr */
    /* For manifest.json: how this program was built. */
    const char *git_commit, *compiler, *cflags;
} blr_runner_opts;

/* Returns 0 when every run is ok, 1 when some run diverged or failed (the others are still
 * written), 2 on bad input (a data file that does not load; nothing is written). */
int blr_runner_run(const blr_experiment *ex, const blr_runner_opts *opts, char *err,
                   size_t errlen);

#endif
