/* Choosing from a tuning (`blr tune`): for every variant of the final experiment, the grid
 * point with the best mean validation metric over its seeds, among the points whose runs
 * all ended ok (docs/design.md §7). A tuning is a results directory made by `blr tune`, or
 * by `blr run` of a file without a tune: section whose lists are the grid. */
#ifndef BLR_TUNE_H
#define BLR_TUNE_H

#include <stddef.h>

/* Chooses from the finished runs of dirs[0..n_dirs) (the rounds of one tuning: a later round
 * widening an earlier one's grid) and writes out_dir/choice.md and out_dir/choice.yaml,
 * whose choices `blr run FILE --tuned out_dir` applies. Returns 0, or 2 with a message (a
 * directory that is not a tuning, rounds of different files) or 4 when a file cannot be
 * written. */
int blr_tune_choose(const char *const *dirs, int n_dirs, const char *out_dir, char *err,
                    size_t errlen);

#endif
