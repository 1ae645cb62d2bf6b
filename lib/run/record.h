/* Per-run records and checkpoints: what makes a (variant, seed) of an experiment a job of its
 * own, that finishes, is interrupted, resumes and travels between processes independently of
 * the others.
 *
 * A run's record is a directory runs/<variant>-s<seed>/ of its results directory:
 *   result.csv             its runs.csv row, its curve rows and its reliability diagram,
 *                          every number as a C99 hex float, so it reads back to the bit;
 *   posterior/, filters/   its files of those names, laid out as in the results directory.
 * A run writes its record as runs/<id>.tmp/ and renames it when complete, so a record either
 * exists whole or not at all. The experiment's tables and figures are derived from whatever
 * records exist (lib/run/resultdir.h).
 *
 * A checkpoint, runs/<id>.ckpt, is where an unfinished run continues from: the position in
 * training (epoch, row, step), the loss sum of the epoch so far, the training noise stream,
 * the curve rows so far, the seconds spent, and the method's state through its save/load.
 * Written to .tmp and renamed; deleted when the record lands. */
#ifndef BLR_RECORD_H
#define BLR_RECORD_H

#include <stddef.h>

#include "config.h"
#include "report.h"
#include "rng.h"
#include "rule.h"

/* "<variant>-s<seed>" into id (BLR_NAME_LEN + 16). */
void blr_record_id(const char *variant, int seed, char *id, size_t len);

/* Writes dir/result.csv: the result, n_curves curve rows and, when rel is not NULL, the
 * reliability diagram. Returns 0 or -1 with a message. */
int blr_record_write(const char *dir, const blr_run_result *res, const blr_curve_row *curves,
                     int n_curves, const blr_reliability *rel, char *err, size_t errlen);

/* Reads dir/result.csv back: the result, up to max_curves curve rows (*n_curves of them), and
 * the diagram (*has_rel 0 when the record has none); curves or rel NULL: not read. Returns 0 or -1 with a message naming
 * the file and line. */
int blr_record_read(const char *dir, blr_run_result *res, blr_curve_row *curves,
                    int max_curves, int *n_curves, blr_reliability *rel, int *has_rel,
                    char *err, size_t errlen);

/* A record directory as one buffer, for sending it to another process (MPI): every regular
 * file under dir, as (relative path, size, bytes). pack allocates *buf (free it); unpack
 * writes the files under dir, creating directories. Both return 0 or -1 with a message. */
int blr_record_pack(const char *dir, char **buf, size_t *len, char *err, size_t errlen);
int blr_record_unpack(const char *buf, size_t len, const char *dir, char *err, size_t errlen);

/* Where a run stands between two steps. */
typedef struct {
    int epoch;        /* the epoch in progress (1-based), or the next one when row is 0 */
    size_t row;       /* rows of this epoch's permutation already trained on */
    long step;        /* optimizer steps so far (the schedule's position) */
    double loss_sum;  /* Σ batch loss × rows over this epoch so far */
    double seconds;   /* training seconds spent before this process */
    blr_rng noise;    /* the training noise stream */
    long invalid_updates;
    int threads;      /* threads of the run: GEMM sums depend on them (README:
                       * Reproducibility), so a run continues only with the same count */
    int n_curves;     /* curve rows so far (one per finished epoch) */
} blr_checkpoint;

/* Writes path (through path.tmp): ck, its n_curves rows of curves, then m's state. */
int blr_checkpoint_save(const char *path, const blr_checkpoint *ck, const blr_curve_row *curves,
                        const blr_method *m, char *err, size_t errlen);
/* Reads path into ck, curves (room for max_curves) and m, which must have been created with
 * the run's configuration. Returns 0, 1 when there is no checkpoint, -1 with a message when it
 * is unreadable or belongs to another run (variant, seed, rule, size). */
int blr_checkpoint_load(const char *path, blr_checkpoint *ck, blr_curve_row *curves,
                        int max_curves, blr_method *m, char *err, size_t errlen);

/* Test hook for crash tests: when the environment variable BLR_CRASH_AT is "NAME:N", the N-th
 * call with NAME (1-based, counted per process) kills the process with SIGKILL, as a power
 * cut would. Points: "checkpoint" (half a checkpoint written), "record" (a record complete
 * but not yet renamed), "tables" (between two result files of the summary). */
void blr_crashpoint(const char *name);

#endif
