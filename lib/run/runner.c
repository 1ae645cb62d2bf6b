/* The experiment runner (runner.h): every (variant, seed) of an experiment is initialized,
 * trained, evaluated and written by the same code, so methods differ only in their
 * blr_method_ops. The runner's state and the evaluation of a trained run are
 * lib/run/run_eval.h and lib/run/run_eval.c. */
#include "run_eval.h"
#include "threads.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "exact.h"
#include "files.h"
#include "report.h"
#include "step.h"

/* A forward and backward pass costs about three forward passes (blr_runner_cost). */
#define GRAD_COST 3.0

static double peak_rss_mib(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return NAN;
    return (double)ru.ru_maxrss / 1024.0;
}


static int load_data(const blr_experiment *ex, run_data *d, char *err, size_t errlen)
{
    const blr_data_cfg *c = &ex->data;
    int rc;
    memset(d, 0, sizeof *d);
    if (strcmp(c->set, "csv") == 0) {
        const char *target = c->target[0] ? c->target : NULL;
        int cls = c->task == BLR_TASK_CLASSIFICATION;
        rc = blr_data_load_csv(c->train_path, target, cls, &d->train, err, errlen);
        if (rc == 0 && c->validation == 0)
            rc = blr_data_load_csv_like(c->test_path, target, cls, &d->train, &d->test, err,
                                        errlen);
    } else {
        char p[4][512];
        if (blr_data_standard_paths(c->set, p) != 0) {
            snprintf(err, errlen, "%s: error: unknown data set '%s'", ex->path, c->set);
            return -1;
        }
        rc = blr_data_load_idx(p[0], p[1], &d->train, err, errlen);
        if (rc == 0 && c->validation == 0)
            rc = blr_data_load_idx(p[2], p[3], &d->test, err, errlen);
    }
    /* Tuning (docs/design.md §7) scores on examples held out of the training set; the test set is
     * not even read. */
    blr_rng rng;
    if (rc == 0 && c->validation > 0) {
        blr_rng_init(&rng, 0, BLR_RNG_SUBSET, 3);
        char why[256];
        rc = blr_data_split(&d->train, c->validation, &rng, &d->test, why, sizeof why);
        if (rc != 0)
            snprintf(err, errlen, "%s: error: validation: %s", ex->path, why);
    }
    if (rc == 0 && c->ood[0]) {
        char p[4][512];
        rc = blr_data_standard_paths(c->ood, p);
        if (rc != 0)
            snprintf(err, errlen, "%s: error: unknown ood set '%s'", ex->path, c->ood);
        else
            rc = blr_data_load_idx(p[2], p[3], &d->ood, err, errlen);
        d->has_ood = rc == 0;
    }
    if (rc == 0 && d->train.d != d->test.d) {
        snprintf(err, errlen, "%s: error: train has %d features but test has %d", ex->path,
                 d->train.d, d->test.d);
        rc = -1;
    }
    if (rc == 0 && d->has_ood && d->ood.d != d->train.d) {
        snprintf(err, errlen, "%s: error: ood set '%s' has %d features, the data %d", ex->path,
                 c->ood, d->ood.d, d->train.d);
        rc = -1;
    }
    d->loaded_bytes = blr_data_bytes(&d->train) + blr_data_bytes(&d->test) +
                      blr_data_bytes(&d->ood);
    /* Subsets are drawn once per experiment, not per seed: seeds vary the initialization,
     * the data order and the noise, never which examples exist. */
    if (rc == 0) {
        blr_rng_init(&rng, 0, BLR_RNG_SUBSET, 0);
        rc = blr_data_subset(&d->train, c->train_subset, &rng, err, errlen);
    }
    if (rc == 0) {
        blr_rng_init(&rng, 0, BLR_RNG_SUBSET, 1);
        rc = blr_data_subset(&d->test, c->test_subset, &rng, err, errlen);
    }
    if (rc == 0 && d->has_ood) {
        blr_rng_init(&rng, 0, BLR_RNG_SUBSET, 2);
        rc = blr_data_subset(&d->ood, c->test_subset, &rng, err, errlen);
    }
    if (rc != 0) {
        blr_data_free(&d->train);
        blr_data_free(&d->test);
        blr_data_free(&d->ood);
    }
    return rc;
}

static void free_data(run_data *d)
{
    blr_data_free(&d->train);
    blr_data_free(&d->test);
    blr_data_free(&d->ood);
}

static void runner_free_workspaces(runner *r)
{
    blr_model_free(&r->model);
    for (int w = 1; w < r->workers; w++)
        blr_model_free(&r->extra[w - 1]);
    free(r->extra);
    free(r->chunk_loss);
    free(r->theta);
    free(r->w0);
    free(r->w1);
    free(r->sd);
    free(r->xb);
    free(r->tb);
    free(r->out);
    free(r->lb);
    free(r->perm);
    free(r->probs);
    free(r->probs_ood);
    free(r->mu);
    free(r->mus);
    free(r->y);
    const blr_experiment *ex = r->ex;
    run_data d = r->data;
    double load_peak = r->load_peak_mib;
    memset(r, 0, sizeof *r);
    r->ex = ex;
    r->data = d;
    r->load_peak_mib = load_peak;
}

static int train_batch_size(const blr_train_cfg *t, size_t n)
{
    return (t->batch_size == 0 || (size_t)t->batch_size > n) ? (int)n : t->batch_size;
}

/* malloc for the runner's buffers, counted for the memory bound of a run. */
static void *runner_alloc(runner *r, size_t bytes)
{
    r->buffer_bytes += bytes;
    return malloc(bytes);
}

/* The model's shape: the experiment's, with the data's input and output sizes. */
static blr_model_spec runner_spec(const blr_experiment *ex, const run_data *d)
{
    blr_model_spec spec = ex->model;
    spec.task = ex->data.task;
    spec.noise_sd = ex->data.noise_sd;
    spec.n_in = d->train.d;
    spec.n_out = ex->data.task == BLR_TASK_CLASSIFICATION ? d->train.k : 1;
    if (ex->data.task == BLR_TASK_CLASSIFICATION && d->test.k > spec.n_out)
        spec.n_out = d->test.k;
    return spec;
}

/* The workspaces of the experiment's runs for `threads` threads: one evaluation worker per
 * thread, and buffers for the largest batch and mc_test of its variants. */
static int runner_workspaces(runner *r, int threads, char *err, size_t errlen)
{
    if (r->threads_ready == threads)
        return 0;
    runner_free_workspaces(r);
    blr_threads_set(threads);
    const blr_experiment *ex = r->ex;
    const run_data *d = &r->data;
    int max_batch = 1, max_mc = 1;
    for (int v = 0; v < ex->n_variants; v++) {
        int b = train_batch_size(&ex->variants[v].train, d->train.n);
        if (b > max_batch)
            max_batch = b;
        if (ex->variants[v].train.mc_test > max_mc)
            max_mc = ex->variants[v].train.mc_test;
    }
    blr_model_spec spec = runner_spec(ex, d);
    if (blr_model_init(&r->model, &spec, EVAL_CHUNK, err, errlen) != 0)
        return -1;
    r->workers = 1;
    threads = blr_threads_get();
    if (threads > 1) {
        r->extra = calloc((size_t)threads - 1, sizeof *r->extra);
        if (!r->extra) {
            snprintf(err, errlen, "out of memory for %d evaluation workers", threads);
            return -1;
        }
        for (; r->workers < threads; r->workers++)
            if (blr_model_init(&r->extra[r->workers - 1], &spec, EVAL_CHUNK, err, errlen) != 0)
                return -1;
    }
    size_t P = r->model.n_params, n_eval = d->test.n > d->ood.n ? d->test.n : d->ood.n;
    size_t n_max = d->train.n > n_eval ? d->train.n : n_eval;
    int k = spec.n_out;
    r->theta = malloc(P * sizeof(float));
    r->w0 = malloc(P * sizeof(float));
    r->w1 = malloc(P * sizeof(float));
    r->sd = malloc(P * sizeof(float));
    r->xb = runner_alloc(r, (size_t)max_batch * (size_t)spec.n_in * sizeof(float));
    r->tb = runner_alloc(r, (size_t)max_batch * sizeof(float));
    r->lb = runner_alloc(r, (size_t)max_batch * sizeof(int));
    r->out = runner_alloc(r, (size_t)r->workers * EVAL_CHUNK * (size_t)k * sizeof(float));
    r->chunk_loss = runner_alloc(r, (d->train.n / EVAL_CHUNK + 1) * sizeof(double));
    r->perm = runner_alloc(r, n_max * sizeof(size_t));
    r->probs = runner_alloc(r, n_eval * (size_t)k * sizeof(double));
    r->probs_ood = runner_alloc(r, n_eval * (size_t)k * sizeof(double));
    r->mu = runner_alloc(r, n_eval * sizeof(double));
    if (!r->theta || !r->w0 || !r->w1 || !r->sd || !r->xb || !r->tb ||
        !r->lb || !r->out || !r->chunk_loss || !r->perm || !r->probs || !r->probs_ood ||
        !r->mu) {
        snprintf(err, errlen, "out of memory for a model of %zu parameters", P);
        return -1;
    }
    if (spec.task == BLR_TASK_REGRESSION) {
        r->mus = runner_alloc(r, (size_t)max_mc * d->test.n * sizeof(double));
        r->y = runner_alloc(r, d->test.n * sizeof(double));
        if (!r->mus || !r->y) {
            snprintf(err, errlen, "out of memory for %d samples of %zu test predictions",
                     max_mc, d->test.n);
            return -1;
        }
        for (size_t i = 0; i < d->test.n; i++)
            r->y[i] = d->test.target[i];
    }
    for (int w = 0; w < r->workers; w++)
        r->buffer_bytes += blr_model_workspace_bytes(eval_model(r, w));
    r->threads_ready = threads;
    return 0;
}

blr_runner_view blr_runner_view_of(const blr_runner *r)
{
    return (blr_runner_view){.train = &r->data.train, .test = &r->data.test,
                             .ood = &r->data.ood, .loaded_bytes = r->data.loaded_bytes,
                             .spec = runner_spec(r->ex, &r->data), .eval_chunk = EVAL_CHUNK};
}

int blr_runner_open(blr_runner **out, const blr_experiment *ex, char *err, size_t errlen)
{
    runner *r = calloc(1, sizeof *r);
    *out = NULL;
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return 2;
    }
    r->ex = ex;
    if (load_data(ex, &r->data, err, errlen) != 0) {
        free(r);
        return 2;
    }
    r->load_peak_mib = peak_rss_mib();
    *out = r;
    return 0;
}

void blr_runner_close(blr_runner *r)
{
    if (!r)
        return;
    runner_free_workspaces(r);
    free_data(&r->data);
    free(r);
}

int blr_runner_runs(const blr_experiment *ex)
{
    return ex->n_variants * ex->n_seeds;
}

void blr_runner_run_at(const blr_experiment *ex, int i, int *variant, int *seed)
{
    *variant = i % ex->n_variants;
    *seed = ex->seeds[i / ex->n_variants];
}

void blr_runner_run_id(const blr_experiment *ex, int i, char *id, size_t len)
{
    int v, seed;
    blr_runner_run_at(ex, i, &v, &seed);
    blr_record_id(ex->variants[v].name, seed, id, len);
}

/* The same before training: asked of a one-parameter instance of the method. */
static int eval_samples(const blr_variant *v)
{
    blr_method_cfg cfg = v->method_cfg;
    cfg.mc = 1;
    float w[2] = {0.0f, 0.0f};
    blr_method *m = NULL;
    char err[256];
    if (blr_method_create(&m, &cfg, 1, w, w + 1, err, sizeof err) != 0)
        return v->train.mc_test;
    int S = blr_eval_samples_of(m, v);
    blr_method_free(m);
    return S;
}

/* Work of each part of a run, in rows through the network. */
typedef struct {
    double epoch_train, epoch_eval, final_eval;
} run_cost;

static run_cost cost_parts(const runner *r, const blr_variant *v)
{
    const run_data *d = &r->data;
    double n = (double)d->train.n, t = (double)d->test.n, o = (double)d->ood.n;
    run_cost c = {.epoch_train = GRAD_COST * n * v->train.mc_train, .epoch_eval = t};
    c.final_eval = t + eval_samples(v) * (t + o + n);
    return c;
}

double blr_runner_cost(const blr_runner *r, int i)
{
    int v, seed;
    blr_runner_run_at(r->ex, i, &v, &seed);
    run_cost c = cost_parts(r, &r->ex->variants[v]);
    return r->ex->variants[v].train.epochs * (c.epoch_train + c.epoch_eval) + c.final_eval;
}

static int all_finite(const float *x, size_t n)
{
    float s = 0.0f;
    for (size_t i = 0; i < n; i++)
        s += x[i] * 0.0f;
    return s == 0.0f;
}

/* One run in progress: its variant, method and training step, and the training state a
 * checkpoint saves. */
typedef struct {
    const blr_variant *v;
    int seed;
    blr_method *m;
    blr_step step;
    blr_checkpoint ck;
    blr_curve_row *curves; /* one per epoch */
    const char *ckpt;      /* where checkpoints go; NULL: none */
    run_cost cost;
    double t0;             /* the run's start on now_seconds(), earlier sessions included */
    int batch;             /* rows per step */
    int per_epoch;         /* the schedule moves once an epoch, not once a step */
    long total, warmup;    /* the schedule's length and warm-up, in its units */
    double prior_tilde;    /* prior precision / N */
} train_run;

/* Where the run's checkpoint goes: the training state `ck` with its curve rows and method. */
static int save_checkpoint(const train_run *tr, blr_checkpoint ck, char *err, size_t errlen)
{
    ck.seconds = now_seconds() - tr->t0;
    ck.invalid_updates = tr->m->invalid_updates;
    return blr_checkpoint_save(tr->ckpt, &ck, tr->curves, tr->m, err, errlen);
}

/* The result's identity, every metric NAN until measured. */
static void start_result(blr_run_result *res, const blr_variant *v, int seed)
{
    memset(res, 0, sizeof *res);
    for (int k = 0; k < BLR_METRIC_COUNT; k++)
        res->metric[k] = NAN;
    res->objective = res->posterior_sd_median = res->rss_bound_mib = NAN;
    snprintf(res->variant, sizeof res->variant, "%s", v->name);
    snprintf(res->rule, sizeof res->rule, "%s", v->method_cfg.rule);
    res->seed = seed;
}

/* The variant's method on the seed's initial weights and its training step; the schedule.
 * Returns -1 with a message when either cannot be made (nothing is left to free then). */
static int start_training(runner *r, train_run *tr, blr_run_result *res, char *err,
                          size_t errlen)
{
    const blr_dataset *d = &r->data.train;
    const blr_train_cfg *t = &tr->v->train;
    blr_method_cfg cfg = tr->v->method_cfg;
    cfg.n_data = (double)d->n;
    blr_config_train_into(&cfg, t);
    snprintf(res->base, sizeof res->base, "%s", blr_base_name(cfg.base.kind));

    /* Every variant of a seed starts from the same weights and sees the same data order. */
    blr_rng rng;
    blr_rng_init(&rng, (uint64_t)tr->seed, BLR_RNG_INIT, 0);
    blr_model_init_params(&r->model, &rng, r->w0);
    blr_rng_init(&rng, (uint64_t)tr->seed, BLR_RNG_INIT, 1);
    blr_model_init_params(&r->model, &rng, r->w1);
    tr->m = NULL;
    if (blr_method_create(&tr->m, &cfg, r->model.n_params, r->w0, r->w1, err, errlen) != 0)
        return -1;
    /* The base in effect: methods with their own family (sgd: dirac) set it in init. */
    snprintf(res->base, sizeof res->base, "%s", blr_base_name(tr->m->cfg.base.kind));
    tr->batch = train_batch_size(t, d->n);
    long steps_per_epoch = (long)((d->n + (size_t)tr->batch - 1) / (size_t)tr->batch);
    tr->total = steps_per_epoch * t->epochs;
    tr->warmup = (long)(t->warmup_epochs * steps_per_epoch);
    tr->per_epoch = t->schedule == BLR_SCHEDULE_COSINE_EPOCH;
    if (tr->per_epoch) {
        tr->total = t->epochs;
        tr->warmup = (long)t->warmup_epochs;
    }
    tr->prior_tilde = t->prior_precision / (double)d->n;
    if (blr_step_init(&tr->step, &r->model.spec, tr->batch, t->mc_train,
                      (tr->m->flags & BLR_NEEDS_SQGRAD) != 0, err, errlen) != 0) {
        blr_method_free(tr->m);
        return -1;
    }
    return 0;
}

/* The training state at the start: fresh, or the checkpoint's. Returns -1 with a message
 * when a checkpoint cannot be read or continued. */
static int resume_training(runner *r, train_run *tr, char *err, size_t errlen)
{
    const blr_train_cfg *t = &tr->v->train;
    tr->ck = (blr_checkpoint){.epoch = 1, .threads = r->threads_ready};
    blr_rng_init(&tr->ck.noise, (uint64_t)tr->seed, BLR_RNG_TRAIN_NOISE, 0);
    blr_rng_use_gsl(&tr->ck.noise, t->rng_gsl);
    int loaded = tr->ckpt ? blr_checkpoint_load(tr->ckpt, &tr->ck, tr->curves, t->epochs, tr->m,
                                                err, errlen)
                          : 1;
    if (loaded == 0 && tr->ck.threads != r->threads_ready) {
        snprintf(err, errlen, "%s: error: the run was started with %d threads and continues "
                 "only with as many (its sums depend on them): resume with --threads %d",
                 tr->ckpt, tr->ck.threads, tr->ck.threads);
        loaded = -1;
    }
    if (loaded < 0)
        return -1;
    tr->m->invalid_updates = tr->ck.invalid_updates;
    return 0;
}

/* The steps of epoch ck.epoch from row ck.row on, in the epoch's shuffled order. Returns 1
 * when o->stop asked to stop (ck then says where), 0 otherwise; a loss that is not finite
 * sets *status. */
static int train_epoch(runner *r, train_run *tr, blr_status *status)
{
    const blr_dataset *d = &r->data.train;
    const blr_train_cfg *t = &tr->v->train;
    blr_checkpoint *ck = &tr->ck;
    int B = tr->batch;
    blr_rng shuffle;
    blr_rng_init(&shuffle, (uint64_t)tr->seed, BLR_RNG_SHUFFLE, (uint64_t)ck->epoch);
    blr_data_permutation(r->perm, d->n, &shuffle);
    for (; ck->row < d->n; ck->row += (size_t)B, ck->step++) {
        if (stop_requested(r))
            return 1;
        int nb = (int)(d->n - ck->row < (size_t)B ? d->n - ck->row : (size_t)B);
        blr_data_gather(d, r->perm + ck->row, (size_t)nb, r->xb, d->label ? r->lb : NULL,
                        d->target ? r->tb : NULL);
        double lr_factor = blr_schedule_factor(t->schedule,
                                               tr->per_epoch ? ck->epoch - 1 : ck->step,
                                               tr->total, tr->warmup);
        double batch_loss = blr_step_run(&tr->step, tr->m, &ck->noise, r->xb, r->lb, r->tb, nb,
                                         tr->prior_tilde, lr_factor, NULL);
        if (!isfinite(batch_loss)) {
            *status = BLR_STATUS_DIVERGED;
            return 0;
        }
        ck->loss_sum += batch_loss * nb;
        report_progress(r, tr->cost.epoch_train * nb / (double)d->n, 0);
    }
    return 0;
}

/* The curve row of the epoch just trained: the training loss and, while the run is ok, the
 * test metrics and posterior spread at the point estimate (which also catches a divergence
 * that left every loss finite). */
static void end_epoch(runner *r, train_run *tr, blr_run_result *res, blr_status *status)
{
    blr_checkpoint *ck = &tr->ck;
    tr->m->ops->mean(tr->m, r->theta);
    if (*status == BLR_STATUS_OK && !all_finite(r->theta, r->model.n_params))
        *status = BLR_STATUS_DIVERGED;
    blr_curve_row *row = &tr->curves[ck->epoch - 1];
    snprintf(row->variant, sizeof row->variant, "%s", tr->v->name);
    row->seed = tr->seed;
    row->epoch = ck->epoch;
    row->train_loss = *status == BLR_STATUS_OK ? ck->loss_sum / (double)r->data.train.n : NAN;
    row->seconds = now_seconds() - tr->t0;
    if (*status == BLR_STATUS_OK) {
        blr_eval_point(r, tr->m, NULL, row);
        row->posterior_sd_median = blr_eval_median_sd(r, tr->m);
    } else {
        row->acc = row->nll = row->ece = row->posterior_sd_median = NAN;
    }
    res->epochs = ck->n_curves = ck->epoch;
    r->prog.epoch = ck->epoch;
    report_progress(r, tr->cost.epoch_eval, 1);
    ck->row = 0;
    ck->loss_sum = 0.0;
}

/* The epochs left, each followed by its curve row and, every checkpoint_every epochs, a
 * checkpoint of where the next one starts. Returns 0 when training ended (ok or diverged:
 * *status), 1 when stopped by o->stop, -1 when a checkpoint could not be written. */
static int train_epochs(runner *r, train_run *tr, blr_run_result *res, blr_status *status,
                        char *err, size_t errlen)
{
    const blr_train_cfg *t = &tr->v->train;
    for (; tr->ck.epoch <= t->epochs && *status == BLR_STATUS_OK; tr->ck.epoch++) {
        if (train_epoch(r, tr, status))
            return 1;
        end_epoch(r, tr, res, status);
        if (*status == BLR_STATUS_OK && tr->ckpt && tr->ck.epoch < t->epochs &&
            tr->ck.epoch % t->checkpoint_every == 0) {
            blr_checkpoint next = tr->ck;
            next.epoch++;
            if (save_checkpoint(tr, next, err, errlen) != 0)
                return -1;
        }
    }
    return 0;
}

/* The bound of README: Performance: data + (state arrays + 4) P floats + the buffers and
 * workspaces of training and evaluation + 64 MiB for the program, its libraries and their
 * thread stacks. */
static double rss_bound_mib(const runner *r, const train_run *tr)
{
    size_t bound = r->data.loaded_bytes + r->buffer_bytes +
                   (tr->m->state_arrays + 4) * r->model.n_params * sizeof(float) +
                   blr_step_bytes(&tr->step) + ((size_t)64 << 20);
    return (double)bound / (1 << 20);
}

/* The trained run's final metrics: at the point estimate (with the sparsity of its first-layer
 * filters, and the filters figure's data for the first seed), then model averaging. Returns 1
 * when o->stop stopped the averaging, 0 otherwise. */
static int evaluate_run(runner *r, const train_run *tr, const char *rec, blr_run_result *res,
                        blr_reliability *rel, int *has_rel, char *err, size_t errlen)
{
    blr_curve_row final_row;
    blr_eval_point(r, tr->m, res, &final_row);
    blr_eval_filter_sparsity(r, r->theta, res);
    if ((r->ex->figures & (1u << BLR_FIGURE_FILTERS)) && tr->seed == r->ex->seeds[0] &&
        blr_eval_write_filters(r, tr->m, rec, tr->v->name, tr->seed, err, errlen) != 0)
        res->status = BLR_STATUS_FAILED;
    int stopped = blr_eval_bayes(r, tr->m, tr->v, tr->seed, res, rel);
    *has_rel = r->model.spec.task == BLR_TASK_CLASSIFICATION;
    return stopped;
}

/* What a run that ended adds to its result: the posterior's spread and file when it ended ok,
 * why not otherwise, and its memory peak. */
static void end_run(runner *r, const train_run *tr, blr_status status, const char *rec,
                    blr_run_result *res, char *err, size_t errlen)
{
    if (status == BLR_STATUS_OK) {
        res->posterior_sd_median = blr_eval_median_sd(r, tr->m);
        if (r->ex->posterior) {
            tr->m->ops->posterior(tr->m, r->theta, r->sd);
            if (blr_report_write_posterior(rec, tr->v->name, tr->seed, r->theta, r->sd,
                                           r->model.n_params, err, errlen) != 0)
                res->status = BLR_STATUS_FAILED;
        }
    } else {
        snprintf(err, errlen, "%s seed %d diverged in epoch %d", tr->v->name, tr->seed,
                 res->epochs);
    }
    /* A forked worker's own peak leaves out the loading of the data in its parent. */
    res->peak_rss_mib = fmax(peak_rss_mib(), r->load_peak_mib);
}

/* Trains run i, continuing from the checkpoint ckpt when there is one (ckpt NULL: no
 * checkpoints), and fills its result, curve rows (one per epoch) and reliability diagram
 * (*has_rel); the filters and posterior files go into the record directory rec. Returns 0
 * when the run ended (ok, diverged or failed: res->status, and err says why it did not end
 * ok), 1 when stopped by o->stop after saving a checkpoint, -1 on an error that leaves no
 * result (a checkpoint that cannot be read or written). */
static int run_one(runner *r, int i, const char *rec, const char *ckpt, blr_run_result *res,
                   blr_curve_row *curves, blr_reliability *rel, int *has_rel, char *err,
                   size_t errlen)
{
    int vi;
    train_run tr = {.curves = curves, .ckpt = ckpt};
    blr_runner_run_at(r->ex, i, &vi, &tr.seed);
    tr.v = &r->ex->variants[vi];
    start_result(res, tr.v, tr.seed);
    *has_rel = 0;
    if (start_training(r, &tr, res, err, errlen) != 0) {
        res->status = BLR_STATUS_FAILED;
        return 0;
    }
    int rc = resume_training(r, &tr, err, errlen);
    blr_status status = BLR_STATUS_OK;
    if (rc == 0) {
        const blr_train_cfg *t = &tr.v->train;
        res->epochs = tr.ck.n_curves;
        tr.cost = cost_parts(r, tr.v);
        r->cost = t->epochs * (tr.cost.epoch_train + tr.cost.epoch_eval) + tr.cost.final_eval;
        r->prog = (blr_progress){.run = i, .epoch = tr.ck.n_curves, .epochs = t->epochs};
        report_progress(r, tr.ck.n_curves * (tr.cost.epoch_train + tr.cost.epoch_eval) +
                               tr.cost.epoch_train * (double)tr.ck.row / (double)r->data.train.n,
                        1);
        tr.t0 = now_seconds() - tr.ck.seconds;
        rc = train_epochs(r, &tr, res, &status, err, errlen);
    }
    if (rc >= 0) {
        res->train_seconds = now_seconds() - tr.t0;
        res->rss_bound_mib = rss_bound_mib(r, &tr);
        res->status = status;
        res->invalid_updates = tr.m->invalid_updates;
    }
    blr_step_free(&tr.step);
    if (rc == 0 && status == BLR_STATUS_OK)
        rc = evaluate_run(r, &tr, rec, res, rel, has_rel, err, errlen);
    if (rc == 1 && ckpt && save_checkpoint(&tr, tr.ck, err, errlen) != 0)
        rc = -1;
    else if (rc == 0)
        end_run(r, &tr, status, rec, res, err, errlen);
    blr_method_free(tr.m);
    return rc;
}

/* A linear model on a regression problem has a known posterior (lib/nn/exact.h): written as the
 * posterior of variant "exact" (the mean-field optimum: its mean and sd_i = sqrt(τ/H_ii)),
 * mapped onto the model's parameter offsets, for the posterior figure. */
static int write_exact_posterior(runner *r, const blr_experiment *ex, const char *dir,
                                 char *err, size_t errlen)
{
    const blr_dataset *d = &r->data.train;
    const blr_dense *L = &r->model.layer[0];
    size_t P = r->model.n_params, D = (size_t)d->d;
    double *mean = malloc((D + 1) * sizeof(double)), *sd = malloc((D + 1) * sizeof(double));
    float *mf = malloc(P * sizeof(float)), *sf = malloc(P * sizeof(float));
    int rc = -1;
    if (!mean || !sd || !mf || !sf)
        snprintf(err, errlen, "out of memory for the exact posterior");
    else if (blr_exact_linreg(d->x, d->target, d->n, d->d, r->model.spec.noise_sd,
                              ex->variants[0].train.prior_precision,
                              ex->variants[0].train.temperature, mean, sd, NULL, err,
                              errlen) == 0) {
        for (size_t i = 0; i <= D; i++) {
            size_t p = i < D ? L->w_off + i : L->b_off;
            mf[p] = (float)mean[i];
            sf[p] = (float)sd[i];
        }
        rc = blr_report_write_posterior(dir, "exact", 0, mf, sf, P, err, errlen);
    }
    free(mean);
    free(sd);
    free(mf);
    free(sf);
    return rc;
}
int blr_runner_train(blr_runner *r, int i, const char *dir, const blr_run_opts *o, char *err,
                     size_t errlen)
{
    if (runner_workspaces(r, o->threads, err, errlen) != 0)
        return -1;
    r->o = o;
    r->last_report = 0.0;
    const blr_experiment *ex = r->ex;
    char id[BLR_NAME_LEN + 16], rec[BLR_PATH_LEN], tmp[BLR_PATH_LEN + 8], ckpt[BLR_PATH_LEN + 8];
    blr_runner_run_id(ex, i, id, sizeof id);
    int n = snprintf(rec, sizeof rec, "%s/runs/%s", dir, id);
    if (n < 0 || (size_t)n >= sizeof rec) {
        snprintf(err, errlen, "%s: error: path longer than %zu bytes", dir, sizeof rec - 1);
        return -1;
    }
    snprintf(tmp, sizeof tmp, "%s.tmp", rec);
    snprintf(ckpt, sizeof ckpt, "%s.ckpt", rec);
    /* What an earlier process left of this record, before it was complete. */
    if (blr_files_remove_tree(tmp, err, errlen) != 0)
        return -1;
    int v, seed;
    blr_runner_run_at(ex, i, &v, &seed);
    blr_curve_row *curves = calloc((size_t)ex->variants[v].train.epochs, sizeof *curves);
    if (!curves) {
        snprintf(err, errlen, "out of memory for %d curve rows", ex->variants[v].train.epochs);
        return -1;
    }
    blr_run_result res;
    blr_reliability rel;
    int has_rel;
    int rc = run_one(r, i, tmp, o->checkpoints ? ckpt : NULL, &res, curves, &rel, &has_rel, err,
                     errlen);
    char werr[512];
    if (rc == 0 && i == 0 && ex->posterior && ex->model.arch == BLR_ARCH_LINEAR &&
        ex->data.task == BLR_TASK_REGRESSION &&
        write_exact_posterior(r, ex, tmp, werr, sizeof werr) != 0) {
        res.status = BLR_STATUS_FAILED;
        snprintf(err, errlen, "%s", werr);
    }
    if (rc == 0 && blr_record_write(tmp, &res, curves, res.epochs, has_rel ? &rel : NULL, err,
                                    errlen) != 0)
        rc = -1;
    free(curves);
    if (rc != 0)
        return rc;
    blr_crashpoint("record");
    if (rename(tmp, rec) != 0) {
        snprintf(err, errlen, "%s: error: cannot rename to %s: %s", tmp, rec, strerror(errno));
        return -1;
    }
    unlink(ckpt);
    return 0;
}
