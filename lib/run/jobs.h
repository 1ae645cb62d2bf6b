/* Runs as jobs (README: Long runs and clusters): every (variant, seed) of an experiment is an
 * independent job. `blr run` runs a slice of them (every run, or shard K of N) into a results
 * directory (lib/run/resultdir.h), several at a time in forked worker processes, skipping finished
 * runs and continuing interrupted ones from their checkpoints on --resume; `blr merge`
 * combines shard directories. A run's results depend only on (experiment, profile, variant,
 * seed, threads per run, code version): not on the number of jobs, the shard, the order in
 * which runs finish or interruptions. */
#ifndef BLR_JOBS_H
#define BLR_JOBS_H

#include <signal.h>
#include <stddef.h>

#include "config.h"
#include "resultdir.h"
#include "runner.h"

typedef struct {
    const char *out_dir; /* NULL: results/<name> */
    int threads;         /* per run; 0: chosen with jobs (blr_jobs_plan) */
    int jobs;            /* runs at a time; 0: chosen */
    int shard, shards;   /* K of N (1-based); 0, 0: every run (or, resuming, the dir's) */
    int resume;
    int quiet;           /* no progress line */
    const volatile sig_atomic_t *stop; /* set by a signal handler: checkpoint and stop */
    /* For manifest.json: how this program was built; git_commit is the code version. */
    const char *git_commit, *compiler, *cflags;
    const unsigned char *source_patch; /* a -dirty build's diff (blr_manifest) */
    size_t source_patch_len;
} blr_jobs_opts;

/* Exit statuses of blr_jobs_run and blr_jobs_merge, as `blr` returns them (3: the caller
 * turns an interruption into 128 + the signal). UNWRITTEN: the results directory's files
 * (manifest, tables, figures) could not be written, a disk full, say; the message names the
 * file and the system's reason. */
enum {
    BLR_JOBS_OK, BLR_JOBS_NOT_OK, BLR_JOBS_BAD_INPUT, BLR_JOBS_INTERRUPTED, BLR_JOBS_UNWRITTEN
};

/* Jobs × threads for `runs` runs on `cores` cores, given what the user set (0: not set):
 * as many single-threaded runs side by side as there are cores (two 1-thread runs do ~1.5×
 * the work of one 2-thread run here), the spare cores going to each run's threads when there
 * are fewer runs than cores. */
void blr_jobs_plan(int cores, int runs, int threads, int jobs, int *out_jobs, int *out_threads);

/* Deals n runs of the given costs to `shards` slices, longest first to the least loaded
 * (ties: the lower index), so the slices' costs are balanced and every process computes the
 * same slices. shard_of[i] is run i's slice, 1-based. */
void blr_jobs_shards(const double *cost, int n, int shards, int *shard_of);

/* The runs of one process: its results directory, its slice of the runs still to do (longest
 * first) and a progress line over them. blr_jobs_run is prepare + the forked workers +
 * finish; the MPI engine (cli/mpi_engine.c) deals the same pending runs to ranks. */
typedef struct {
    const blr_experiment *ex;
    const blr_jobs_opts *o;
    blr_runner *runner;
    blr_resultdir rd;
    blr_identity id;
    int n_runs;   /* of the experiment */
    int n_slice;  /* in this process's slice (shard) */
    int *pending; /* runs to do here, longest first */
    int n_pending;
    double *cost; /* of every run */
    char start[32];
    struct blr_jobs_progress *progress;
} blr_jobs;

/* Checks and opens the results directory, loads the data, chooses the slice and the pending
 * runs, starts the directory (fresh or resumed). threads_default is the threads per run when
 * neither the user nor a resumed directory set them. Returns 0, or BLR_JOBS_BAD_INPUT with a
 * message (nothing in an existing directory changed). */
int blr_jobs_prepare(blr_jobs *j, const blr_experiment *ex, const blr_jobs_opts *o,
                     int threads_default, char *err, size_t errlen);
/* Summarizes the directory. Returns BLR_JOBS_OK when every run of the slice is there and ok,
 * BLR_JOBS_NOT_OK otherwise (err says which), BLR_JOBS_UNWRITTEN when the summary cannot be
 * written. */
int blr_jobs_finish(blr_jobs *j, char *err, size_t errlen);
void blr_jobs_free(blr_jobs *j);

/* The progress line: a run's news (blr_runner's reports), a finished run, and the line itself,
 * redrawn at most 4 times a second on a terminal, every 10 s (and at every finished run) in a
 * log; `ranks` running runs listed. */
void blr_jobs_progress_note(blr_jobs *j, const blr_progress *p);
void blr_jobs_progress_done(blr_jobs *j, int run);
void blr_jobs_progress_show(blr_jobs *j, int force);

/* `blr run`: prepare, up to `jobs` runs at a time in forked workers, finish. Returns a
 * BLR_JOBS_* status; dir receives the results directory. */
int blr_jobs_run(const blr_experiment *ex, const blr_jobs_opts *o, char *dir, size_t dirlen,
                 char *err, size_t errlen);

/* `blr merge OUT DIR...`: the shard directories' records into OUT, summarized, after checking
 * that they come from the same experiment, profile, code and threads per run, and that every
 * run of the experiment is in exactly one of them. Returns a BLR_JOBS_* status. */
int blr_jobs_merge(const char *out, const char *const *dirs, int n_dirs, const blr_jobs_opts *o,
                   char *err, size_t errlen);

#endif
