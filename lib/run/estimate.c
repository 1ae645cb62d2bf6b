/* Steps and a memory bound of a run, before it runs (estimate.h). The bound adds what
 * lib/run/runner.c allocates for a run: the data, θ with its two initial draws and the posterior
 * sd (4 P floats), the method's state arrays, the step's per-sample gradients, the model
 * workspaces of training and evaluation, the evaluation buffers, the curve rows, and 64 MiB
 * for the program. A model's workspace is affine in its batch rows, so two small models
 * give it for any batch without allocating it. */
#include "estimate.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "report.h"

#define MIB (1024.0 * 1024.0)
#define GIB (1024.0 * MIB)

static const char *const part_names[BLR_EST_PARTS] = {
    "the data (data: set, train_subset)",
    "the model and the method's state (model:, mc_train)",
    "the training batch (batch_size)",
    "evaluation (mc_test, the test set)",
    "the curves (epochs)",
    "the program",
};

const char *blr_estimate_part_name(blr_est_part k)
{
    return k < BLR_EST_PARTS ? part_names[k] : "unknown";
}

double blr_estimate_machine_bytes(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
    return pages > 0 && size > 0 ? (double)pages * (double)size : 1e300;
}

/* Workspace bytes of the model for `rows` rows, from models of one and two rows. */
static int workspace_line(const blr_model_spec *spec, double *fixed, double *per_row,
                          size_t *params, char *err, size_t errlen)
{
    blr_model m;
    double w[2];
    for (int rows = 1; rows <= 2; rows++) {
        if (blr_model_init(&m, spec, rows, err, errlen) != 0)
            return 2;
        w[rows - 1] = (double)blr_model_workspace_bytes(&m);
        *params = m.n_params;
        blr_model_free(&m);
    }
    *per_row = w[1] - w[0];
    *fixed = w[0] - *per_row;
    return 0;
}

int blr_estimate_run(const blr_runner_view *view, const blr_variant *v, int threads,
                     double limit, blr_estimate *e, char *err, size_t errlen)
{
    const blr_train_cfg *t = &v->train;
    const blr_dataset *tr = view->train, *te = view->test, *ood = view->ood;
    double fixed, per_row;
    size_t P;
    int rc = workspace_line(&view->spec, &fixed, &per_row, &P, err, errlen);
    if (rc)
        return rc;
    double floats = 4.0 * (double)P;
    /* The state is sized by the method, which allocates it: first make sure that even the
     * smallest state (θ and its companions alone) can be allocated. */
    if (6.0 * floats > limit) {
        snprintf(err, errlen, "variant %s: a model of %zu parameters needs at least %.1f GiB, "
                 "more than the %.1f GiB available", v->name, P, 6.0 * floats / GIB,
                 limit / GIB);
        return 2;
    }
    blr_method_cfg cfg = v->method_cfg;
    cfg.n_data = (double)tr->n;
    blr_config_train_into(&cfg, t);
    float *w = calloc(2 * P, sizeof *w);
    blr_method *m = NULL;
    if (!w) {
        snprintf(err, errlen, "variant %s: out of memory for %zu parameters", v->name, P);
        return 2;
    }
    rc = blr_method_create(&m, &cfg, P, w, w + P, err, errlen) == 0 ? 0 : 2;
    free(w);
    if (rc)
        return rc;
    size_t arrays = m->state_arrays;
    int sqgrad = (m->flags & BLR_NEEDS_SQGRAD) != 0;
    blr_method_free(m);

    size_t B = t->batch_size == 0 || (size_t)t->batch_size > tr->n ? tr->n
                                                                    : (size_t)t->batch_size;
    long long per_epoch = (long long)((tr->n + B - 1) / B);
    e->steps = per_epoch * t->epochs;
    int workers = threads < t->mc_train ? threads : t->mc_train;
    double n_eval = (double)(te->n > ood->n ? te->n : ood->n);
    double n_max = (double)tr->n > n_eval ? (double)tr->n : n_eval;
    double k = view->spec.n_out;
    e->part[BLR_EST_DATA] = (double)view->loaded_bytes;
    e->part[BLR_EST_STATE] = ((double)arrays + 4.0) * floats +
                             (double)t->mc_train * floats * (sqgrad ? 3.0 : 2.0);
    e->part[BLR_EST_BATCH] = workers * (fixed + per_row * (double)B) +
                             (double)B * ((double)view->spec.n_in + 2.0) * 4.0;
    e->part[BLR_EST_EVAL] = threads * (fixed + per_row * view->eval_chunk) +
                            threads * (double)view->eval_chunk * k * 4.0 +
                            n_eval * (2.0 * k + 1.0) * 8.0 + n_max * 8.0 +
                            (double)tr->n / view->eval_chunk * 8.0;
    if (view->spec.task == BLR_TASK_REGRESSION)
        e->part[BLR_EST_EVAL] += ((double)t->mc_test + 1.0) * (double)te->n * 8.0;
    e->part[BLR_EST_CURVES] = (double)t->epochs * sizeof(blr_curve_row);
    e->part[BLR_EST_PROGRAM] = 64.0 * MIB;
    e->bytes = 0.0;
    e->largest = BLR_EST_DATA;
    for (int p = 0; p < BLR_EST_PARTS; p++) {
        e->bytes += e->part[p];
        if (e->part[p] > e->part[e->largest])
            e->largest = (blr_est_part)p;
    }
    return 0;
}

int blr_estimate_fits(const blr_experiment *ex, const blr_runner_view *view, int threads,
                      double limit, char *err, size_t errlen)
{
    double summary = 0.0;
    for (int v = 0; v < ex->n_variants; v++) {
        blr_estimate e;
        char why[512];
        if (blr_estimate_run(view, &ex->variants[v], threads, limit, &e, why, sizeof why)) {
            snprintf(err, errlen, "%s: error: %s", ex->path, why);
            return 2;
        }
        if (e.bytes > limit) {
            snprintf(err, errlen, "%s: error: variant %s needs about %.1f GiB, more than the "
                     "%.1f GiB this machine has; %.1f GiB of it for %s", ex->path,
                     ex->variants[v].name, e.bytes / GIB, limit / GIB,
                     e.part[e.largest] / GIB, blr_estimate_part_name(e.largest));
            return 2;
        }
        summary += (double)ex->n_seeds * ((double)ex->variants[v].train.epochs *
                                           sizeof(blr_curve_row) +
                                           sizeof(blr_run_result) + sizeof(blr_reliability));
    }
    if (summary > limit) {
        snprintf(err, errlen, "%s: error: the summary of the %d runs needs about %.1f GiB for "
                 "their curves (epochs), more than the %.1f GiB this machine has", ex->path,
                 blr_runner_runs(ex), summary / GIB, limit / GIB);
        return 2;
    }
    return 0;
}
