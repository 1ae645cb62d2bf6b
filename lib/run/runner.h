/* The experiment runner: trains one (variant, seed) of an experiment — initialize, train,
 * evaluate — and writes it as a run record (record.h). Every run goes through the same code,
 * so methods differ only in their blr_method_ops; which runs happen where and when is
 * lib/run/jobs.h's business. */
#ifndef BLR_RUNNER_H
#define BLR_RUNNER_H

#include <signal.h>
#include <stddef.h>

#include "config.h"
#include "data.h"

/* Where a run is, for a progress line. */
typedef struct {
    int run;           /* its index in the experiment's run list (blr_runner_run_at) */
    int epoch, epochs; /* epochs finished, of */
    int eval, evals;   /* model-averaging samples done, of (0, 0 while training) */
    double fraction;   /* of the run's estimated work (blr_runner_cost) done */
} blr_progress;

typedef struct {
    int threads;          /* of this run (blr_threads_set); its GEMM sums depend on them */
    int checkpoints;      /* write runs/<id>.ckpt every `checkpoint_every` epochs and continue
                           * from one found there */
    const volatile sig_atomic_t *stop; /* set (by a signal handler): save a checkpoint at the
                                        * next step and return */
    void (*progress)(void *ctx, const blr_progress *p); /* NULL: none */
    void *progress_ctx;
} blr_run_opts;

typedef struct blr_runner blr_runner;

/* Loads the experiment's data (subsets drawn, validation split made). Returns 0, or 2 (bad
 * input: a data file that does not load) with a message. ex must outlive the runner. */
int blr_runner_open(blr_runner **out, const blr_experiment *ex, char *err, size_t errlen);
void blr_runner_close(blr_runner *r);

/* The experiment's runs, in its order: run i is seed i / n_variants, variant i % n_variants. */
int blr_runner_runs(const blr_experiment *ex);
void blr_runner_run_at(const blr_experiment *ex, int i, int *variant, int *seed);
/* "<variant>-s<seed>" of run i. */
void blr_runner_run_id(const blr_experiment *ex, int i, char *id, size_t len);
/* Estimated work of run i, in rows through the network (a gradient counts three): for
 * balancing shards, scheduling the longest runs first and the time-left estimate. */
double blr_runner_cost(const blr_runner *r, int i);

/* The data and network as the runs see them (subsets drawn), for blr_estimate_run. */
typedef struct {
    const blr_dataset *train, *test, *ood; /* ood->n is 0 without an ood set */
    size_t loaded_bytes;                    /* the sets as read, before subsets */
    blr_model_spec spec;                    /* the experiment's, with the data's sizes */
    int eval_chunk;                         /* rows of an evaluation chunk */
} blr_runner_view;
blr_runner_view blr_runner_view_of(const blr_runner *r);

/* Trains run i and writes its record dir/runs/<id>/ (record.h). Returns 0 when the record was
 * written (the run ok, diverged or failed: its status says which), 1 when o->stop stopped it
 * (a checkpoint was written), -1 with a message when no record could be written. */
int blr_runner_train(blr_runner *r, int i, const char *dir, const blr_run_opts *o, char *err,
                     size_t errlen);

#endif
