/* Internal to the runner: lib/run/runner.c trains a run, lib/run/run_eval.c evaluates it. The public
 * interface is lib/run/runner.h.
 *
 * The runner's state is here because evaluation reads its data, its evaluation workers and
 * their buffers, and reports its progress through it. */
#ifndef BLR_RUN_EVAL_H
#define BLR_RUN_EVAL_H

#include <stddef.h>
#include <time.h>

#include "data.h"
#include "model.h"
#include "record.h"
#include "rule.h"
#include "runner.h"

/* Evaluation runs in chunks of this many rows, so the models' workspaces stay small; the
 * chunks are shared among the evaluation workers. */
#define EVAL_CHUNK 500

typedef struct {
    blr_dataset train, test, ood;
    int has_ood;
    size_t loaded_bytes; /* the sets as read, before subsets were drawn */
} run_data;

typedef struct blr_runner runner;
struct blr_runner {
    const blr_experiment *ex;
    run_data data;
    double load_peak_mib; /* peak RSS when the data was loaded, maybe in a parent process */
    /* The workspaces below are made by the first run, for the thread count of its
     * blr_run_opts (threads_ready), and made again for another count. */
    int threads_ready;
    blr_model model; /* evaluation worker 0's workspace; its spec and n_params serve all */
    blr_model *extra; /* workers 1 .. workers-1 */
    int workers;
    float *theta, *w0, *w1, *sd;
    float *xb, *tb;
    float *out;          /* workers × EVAL_CHUNK × n_out predictions */
    double *chunk_loss;  /* a mean loss per chunk of the training set */
    size_t buffer_bytes; /* runner_alloc's and the workspaces' bytes: everything here but θ,
                          * w0, w1 and sd, which are P floats each */
    int *lb;
    size_t *perm;
    double *probs, *probs_ood, *mu; /* accumulators in double */
    double *mus, *y; /* regression: mc_test × n test predictions (a row per sample), targets */
    /* The run in progress: its options and what it reports. */
    const blr_run_opts *o;
    blr_progress prog;
    double cost, last_report;
};

static inline blr_model *eval_model(runner *r, int w)
{
    return w == 0 ? &r->model : &r->extra[w - 1];
}

static inline double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Tells o->progress where the run stands: `done` more rows of work, at most 4 reports a
 * second unless `now` (an epoch or the run ended). */
static inline void report_progress(runner *r, double done, int now)
{
    r->prog.fraction += done / r->cost;
    if (r->prog.fraction > 1.0)
        r->prog.fraction = 1.0;
    double t = now_seconds();
    if (!r->o->progress || (!now && t - r->last_report < 0.25))
        return;
    r->last_report = t;
    r->o->progress(r->o->progress_ctx, &r->prog);
}

static inline int stop_requested(const runner *r)
{
    return r->o->stop && *r->o->stop;
}

/* Samples of q that model averaging draws for variant v: mc_test, or one for a point mass
 * (entropy -inf), whose every draw is the same θ and so the exact average. */
int blr_eval_samples_of(const blr_method *m, const blr_variant *v);

/* Test metrics at the point estimate (left in r->theta), for the learning curves and, with
 * res, the final table. */
void blr_eval_point(runner *r, const blr_method *m, blr_run_result *res, blr_curve_row *row);

/* Model averaging over mc_test samples of q (the "bayes_" metrics), OOD AUROC of the
 * predictive entropy, the reliability diagram, and the objective estimate L(q). Returns 1
 * when o->stop stopped it, 0 otherwise. */
int blr_eval_bayes(runner *r, blr_method *m, const blr_variant *v, int seed,
                   blr_run_result *res, blr_reliability *rel);

/* The median of q's per-parameter sd (r->sd is clobbered). */
double blr_eval_median_sd(runner *r, const blr_method *m);

/* Sparsity of the point estimate's first-layer filters, averaged over units (the paper's
 * claim that multiplicative filters are sparse, Sec. 5.1). theta holds the point estimate. */
void blr_eval_filter_sparsity(const runner *r, const float *theta, blr_run_result *res);

/* The filters figure's data into the record directory dir. Returns -1 with a message when
 * the first layer does not take 28×28 images or a file cannot be written. */
int blr_eval_write_filters(const runner *r, const blr_method *m, const char *dir,
                           const char *variant, int seed, char *err, size_t errlen);

#endif
