/* The experiment runner (issue M1 "Runner"): every (variant, seed) of an experiment is
 * initialized, trained, evaluated and written by the same code, so methods differ only in
 * their blr_method_ops. */
#include "runner.h"
#include "threads.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>
#include <gsl/gsl_version.h>
#include <yaml.h>

#include "data.h"
#include "exact.h"
#include "metrics.h"
#include "model.h"
#include "report.h"
#include "rule.h"
#include "step.h"

/* Evaluation runs in chunks of this many rows, so the models' workspaces stay small; the
 * chunks are shared among the evaluation workers. */
#define EVAL_CHUNK 500

typedef struct {
    blr_dataset train, test, ood;
    int has_ood;
    size_t loaded_bytes; /* the sets as read, before subsets were drawn */
} run_data;

typedef struct {
    const blr_experiment *ex;
    const blr_runner_opts *opts;
    run_data *data;
    blr_model model; /* evaluation worker 0's workspace; its spec and n_params serve all */
    blr_model *extra; /* workers 1 .. workers-1 */
    int workers;
    float *theta, *w0, *w1, *sd;
    float *xb, *tb;
    float *out;          /* workers × EVAL_CHUNK × n_out predictions */
    double *chunk_loss;  /* a mean loss per chunk of the training set */
    size_t buffer_bytes; /* runner_alloc's and the workspaces' bytes: everything here but θ,
                          * w0, w1 and sd, which are P floats each */
    size_t rss_bound;    /* the largest memory bound of the runs so far */
    int *lb;
    size_t *perm;
    double *probs, *probs_ood, *mu; /* accumulators in double */
    double *mus, *y; /* regression: mc_test × n test predictions (a row per sample), targets */
    /* progress */
    long epochs_done, epochs_total;
    double seconds_done, last_progress;
    int tty;
} runner;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One updating line on a terminal, at most 10 a second; plain lines elsewhere (a log file),
 * at most one every 10 seconds, plus the last epoch of every run. */
static void progress(runner *r, int last, const char *fmt, ...)
{
    double now = now_seconds();
    if (r->opts->quiet || (!last && now - r->last_progress < (r->tty ? 0.1 : 10.0)))
        return;
    r->last_progress = now;
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (r->tty)
        fprintf(stderr, "\r\033[K%s", line);
    else
        fprintf(stderr, "%s\n", line);
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
            rc = blr_data_load_csv(c->test_path, target, cls, &d->test, err, errlen);
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
    /* Tuning (DESIGN §7) scores on examples held out of the training set; the test set is
     * not even read. */
    blr_rng rng;
    if (rc == 0 && c->validation > 0) {
        blr_rng_init(&rng, 0, BLR_RNG_SUBSET, 3);
        rc = blr_data_split(&d->train, c->validation, &rng, &d->test, err, errlen);
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

static blr_model *eval_model(runner *r, int w)
{
    return w == 0 ? &r->model : &r->extra[w - 1];
}

static void runner_free(runner *r)
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

static int runner_init(runner *r, const blr_experiment *ex, const blr_runner_opts *opts,
                       run_data *d, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->ex = ex;
    r->opts = opts;
    r->data = d;
    r->tty = isatty(STDERR_FILENO);
    int max_batch = 1, max_mc = 1;
    for (int v = 0; v < ex->n_variants; v++) {
        int b = train_batch_size(&ex->variants[v].train, d->train.n);
        if (b > max_batch)
            max_batch = b;
        if (ex->variants[v].train.mc_test > max_mc)
            max_mc = ex->variants[v].train.mc_test;
        r->epochs_total += (long)ex->variants[v].train.epochs * ex->n_seeds;
    }
    blr_model_spec spec = ex->model;
    spec.task = ex->data.task;
    spec.noise_sd = ex->data.noise_sd;
    spec.n_in = d->train.d;
    spec.n_out = ex->data.task == BLR_TASK_CLASSIFICATION ? d->train.k : 1;
    if (ex->data.task == BLR_TASK_CLASSIFICATION && d->test.k > spec.n_out)
        spec.n_out = d->test.k;
    if (blr_model_init(&r->model, &spec, EVAL_CHUNK, err, errlen) != 0)
        return -1;
    r->workers = 1;
    int threads = blr_threads_get();
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
    return 0;
}

/* An evaluation pass over the EVAL_CHUNK-row chunks of d, shared among all the workers
 * (blr_threads_items), also when there are fewer chunks: each chunk then runs on one thread
 * whatever the thread count and writes its own rows, so evaluation is bit-identical for any
 * count by construction. */
typedef struct {
    runner *r;
    const float *theta;
    const blr_dataset *d;
    double *acc; /* predict_add's sums */
} eval_pass;

static long eval_chunk_count(const blr_dataset *d)
{
    return (long)((d->n + EVAL_CHUNK - 1) / EVAL_CHUNK);
}

static int chunk_rows(const blr_dataset *d, size_t chunk)
{
    size_t row = chunk * EVAL_CHUNK;
    return (int)(d->n - row < EVAL_CHUNK ? d->n - row : EVAL_CHUNK);
}

static void predict_chunk(void *ctx, int w, long chunk)
{
    const eval_pass *p = ctx;
    runner *r = p->r;
    const int k = r->model.spec.n_out, m = chunk_rows(p->d, (size_t)chunk);
    const size_t row = (size_t)chunk * EVAL_CHUNK;
    float *out = r->out + (size_t)w * EVAL_CHUNK * (size_t)k;
    blr_model_predict(eval_model(r, w), p->theta, p->d->x + row * (size_t)p->d->d, m, out);
    for (size_t j = 0; j < (size_t)m * (size_t)k; j++)
        p->acc[row * (size_t)k + j] += out[j];
}

/* Adds the predictions of θ on every row of d to acc (n × k, or n for regression), so that
 * model averaging is a sum over samples divided by their count. */
static void predict_add(runner *r, const float *theta, const blr_dataset *d, double *acc)
{
    eval_pass p = {.r = r, .theta = theta, .d = d, .acc = acc};
    blr_threads_items(r->workers, eval_chunk_count(d), predict_chunk, &p);
}

static void loss_chunk(void *ctx, int w, long chunk)
{
    const eval_pass *p = ctx;
    const blr_dataset *d = p->d;
    const size_t row = (size_t)chunk * EVAL_CHUNK;
    p->r->chunk_loss[chunk] =
        blr_model_loss(eval_model(p->r, w), p->theta, d->x + row * (size_t)d->d,
                       d->label ? d->label + row : NULL, d->target ? d->target + row : NULL,
                       chunk_rows(d, (size_t)chunk));
}

/* Mean of lbar (data term + prior, DESIGN §2) over the whole training set at θ. */
static double full_lbar(runner *r, const float *theta, double prior_tilde)
{
    const blr_dataset *d = &r->data->train;
    eval_pass p = {.r = r, .theta = theta, .d = d};
    blr_threads_items(r->workers, eval_chunk_count(d), loss_chunk, &p);
    double sum = 0.0, sq = 0.0;
    for (size_t c = 0; c * EVAL_CHUNK < d->n; c++)
        sum += chunk_rows(d, c) * r->chunk_loss[c];
    for (size_t j = 0; j < r->model.n_params; j++)
        sq += (double)theta[j] * theta[j];
    return sum / (double)d->n + 0.5 * prior_tilde * sq;
}

static void classification_metrics(const double *probs, const blr_dataset *d, int k,
                                   double *acc, double *nll, double *ece, double *brier)
{
    *acc = blr_metrics_accuracy(probs, d->label, d->n, k);
    *nll = blr_metrics_nll(probs, d->label, d->n, k);
    *ece = blr_metrics_ece(probs, d->label, d->n, k, BLR_ECE_BINS);
    if (brier)
        *brier = blr_metrics_brier(probs, d->label, d->n, k);
}

/* RMSE of the mean prediction and NLL of the predictive, the mixture of the S samples'
 * Gaussians; mus holds S rows of n test predictions (S = 1 at the point estimate). */
static void regression_metrics(runner *r, const double *mus, int S, double *rmse, double *nll)
{
    size_t n = r->data->test.n;
    const double *mean = mus;
    if (S > 1) {
        for (size_t i = 0; i < n; i++) {
            double sum = 0.0;
            for (int s = 0; s < S; s++)
                sum += mus[(size_t)s * n + i];
            r->mu[i] = sum / S;
        }
        mean = r->mu;
    }
    *rmse = blr_metrics_rmse(mean, r->y, n);
    *nll = blr_metrics_gauss_nll(mus, (size_t)S, r->y, n, r->model.spec.noise_sd);
}

/* Test metrics at the point estimate, for the learning curves and the final table. */
static void evaluate_point(runner *r, const blr_method *m, blr_run_result *res,
                           blr_curve_row *row)
{
    const blr_dataset *d = &r->data->test;
    int k = r->model.spec.n_out;
    m->ops->mean(m, r->theta);
    if (r->model.spec.task == BLR_TASK_CLASSIFICATION) {
        memset(r->probs, 0, d->n * (size_t)k * sizeof(double));
        predict_add(r, r->theta, d, r->probs);
        double brier;
        classification_metrics(r->probs, d, k, &row->acc, &row->nll, &row->ece, &brier);
        if (res) {
            res->metric[BLR_METRIC_ACC] = row->acc;
            res->metric[BLR_METRIC_NLL] = row->nll;
            res->metric[BLR_METRIC_ECE] = row->ece;
            res->metric[BLR_METRIC_BRIER] = brier;
        }
    } else {
        memset(r->mu, 0, d->n * sizeof(double));
        predict_add(r, r->theta, d, r->mu);
        double rmse;
        regression_metrics(r, r->mu, 1, &rmse, &row->nll);
        row->acc = NAN;
        row->ece = NAN;
        if (res) {
            res->metric[BLR_METRIC_RMSE] = rmse;
            res->metric[BLR_METRIC_NLL] = row->nll;
        }
    }
}

/* Model averaging over mc_test samples of q (the "bayes_" metrics), OOD AUROC of the
 * predictive entropy, the reliability diagram, and the objective estimate L(q). */
static void evaluate_bayes(runner *r, blr_method *m, const blr_variant *v, int seed,
                           blr_run_result *res, blr_reliability *rel)
{
    const blr_dataset *d = &r->data->test, *o = &r->data->ood;
    int k = r->model.spec.n_out;
    /* A point mass (entropy -inf) gives the same θ every draw: one sample is the exact
     * average. */
    int S = isfinite(m->ops->entropy(m)) ? v->train.mc_test : 1;
    double prior_tilde = v->train.prior_precision / (double)r->data->train.n;
    blr_rng rng;
    blr_rng_init(&rng, (uint64_t)seed, BLR_RNG_TEST_NOISE, 0);
    blr_rng_use_gsl(&rng, v->train.rng_gsl);
    int cls = r->model.spec.task == BLR_TASK_CLASSIFICATION;
    size_t width = cls ? (size_t)k : 1;
    double *acc = cls ? r->probs : r->mus;
    memset(acc, 0, (cls ? 1 : (size_t)S) * d->n * width * sizeof(double));
    if (r->data->has_ood)
        memset(r->probs_ood, 0, o->n * width * sizeof(double));
    double lbar = 0.0;
    for (int s = 0; s < S; s++) {
        m->ops->sample(m, 0, r->theta, &rng);
        predict_add(r, r->theta, d, cls ? acc : acc + (size_t)s * d->n);
        if (r->data->has_ood)
            predict_add(r, r->theta, o, r->probs_ood);
        lbar += full_lbar(r, r->theta, prior_tilde);
    }
    /* Dirac methods are the τ -> 0 limit (DESIGN §2): their entropy term is left out. */
    double h = m->ops->entropy(m);
    double tau_tilde = v->train.temperature / (double)r->data->train.n;
    res->objective = lbar / S - (isfinite(h) ? tau_tilde * h : 0.0);
    if (cls) {
        for (size_t j = 0; j < d->n * width; j++)
            acc[j] /= S;
        classification_metrics(acc, d, k, &res->metric[BLR_METRIC_BAYES_ACC],
                               &res->metric[BLR_METRIC_BAYES_NLL],
                               &res->metric[BLR_METRIC_BAYES_ECE],
                               &res->metric[BLR_METRIC_BAYES_BRIER]);
        snprintf(rel->variant, sizeof rel->variant, "%s", v->name);
        rel->seed = seed;
        rel->bins = BLR_ECE_BINS;
        blr_metrics_reliability(acc, d->label, d->n, k, BLR_ECE_BINS, rel->conf, rel->acc,
                                rel->count);
        if (r->data->has_ood) {
            for (size_t j = 0; j < o->n * width; j++)
                r->probs_ood[j] /= S;
            /* Entropies overwrite the averaged probabilities row by row: entropy i only
             * reads row i, which sits at or after position i. */
            double *ent_in = r->mu, *ent_out = r->probs_ood;
            blr_metrics_entropy(acc, d->n, k, ent_in);
            blr_metrics_entropy(r->probs_ood, o->n, k, ent_out);
            res->metric[BLR_METRIC_OOD_AUROC] = blr_metrics_auroc(ent_out, o->n, ent_in, d->n);
        }
    } else {
        regression_metrics(r, acc, S, &res->metric[BLR_METRIC_BAYES_RMSE],
                           &res->metric[BLR_METRIC_BAYES_NLL]);
    }
}

static int all_finite(const float *x, size_t n)
{
    float s = 0.0f;
    for (size_t i = 0; i < n; i++)
        s += x[i] * 0.0f;
    return s == 0.0f;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static double median_sd(runner *r, const blr_method *m)
{
    size_t P = r->model.n_params;
    m->ops->posterior(m, r->theta, r->sd);
    qsort(r->sd, P, sizeof(float), cmp_float);
    return P % 2 ? r->sd[P / 2] : 0.5 * ((double)r->sd[P / 2 - 1] + r->sd[P / 2]);
}

static double peak_rss_mib(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return NAN;
    return (double)ru.ru_maxrss / 1024.0;
}

/* The first layer's filters: one row of `cols` weights per unit (the conv kernels of a cnn). */
static void first_layer(const blr_model *m, size_t *off, size_t *rows, size_t *cols)
{
    if (m->n_conv > 0) {
        const blr_conv *v = &m->conv[0];
        *off = v->w_off;
        *rows = (size_t)v->c_out;
        *cols = (size_t)v->c_in * (size_t)v->kernel * (size_t)v->kernel;
    } else {
        *off = m->layer[0].w_off;
        *rows = (size_t)m->layer[0].n_out;
        *cols = (size_t)m->layer[0].n_in;
    }
}

/* Sparsity of the point estimate's first-layer filters, averaged over units (the paper's
 * claim that multiplicative filters are sparse, Sec. 5.1). theta holds the point estimate. */
static void filter_sparsity(const runner *r, const float *theta, blr_run_result *res)
{
    size_t off, rows, cols;
    first_layer(&r->model, &off, &rows, &cols);
    double h = 0.0, z = 0.0;
    for (size_t u = 0; u < rows; u++) {
        h += blr_metrics_hoyer(theta + off + u * cols, cols);
        z += blr_metrics_near_zero(theta + off + u * cols, cols);
    }
    res->metric[BLR_METRIC_HOYER] = h / (double)rows;
    res->metric[BLR_METRIC_NEAR_ZERO] = z / (double)rows;
}

/* The filters figure's data: the first FILTER_UNITS units of the point estimate and of the
 * method's own arrays that have a meaning as weights (g+, g- of the multiplicative rule). */
enum { FILTER_UNITS = 16, FILTER_SIDE = 28 };

static int write_filters(const runner *r, const blr_method *m, const char *dir,
                         const char *variant, int seed, char *err, size_t errlen)
{
    static const char *const own[] = {"g+", "g-"};
    size_t off, rows, cols;
    first_layer(&r->model, &off, &rows, &cols);
    if (cols != (size_t)FILTER_SIDE * FILTER_SIDE) {
        snprintf(err, errlen, "filters figure: the first layer has %zu inputs, not a %dx%d image",
                 cols, FILTER_SIDE, FILTER_SIDE);
        return -1;
    }
    const char *names[3] = {"mean"};
    const float *arrays[3] = {r->theta + off};
    int n = 1;
    for (int k = 0; k < 2; k++) {
        const float *a = blr_method_array(m, own[k]);
        if (a) {
            names[n] = own[k];
            arrays[n++] = a + off;
        }
    }
    int units = rows < FILTER_UNITS ? (int)rows : FILTER_UNITS;
    return blr_report_write_filters(dir, variant, seed, names, arrays, n, units, FILTER_SIDE,
                                    err, errlen);
}

/* Trains one (variant, seed) and fills its result, curve rows (one per epoch) and
 * reliability diagram. Returns the run status. */
static blr_status run_one(runner *r, const blr_variant *v, int seed, const char *out_dir,
                          blr_run_result *res, blr_curve_row *curves, blr_reliability *rel,
                          char *err, size_t errlen)
{
    const blr_dataset *tr = &r->data->train;
    size_t P = r->model.n_params;
    const blr_train_cfg *t = &v->train;
    memset(res, 0, sizeof *res);
    for (int i = 0; i < BLR_METRIC_COUNT; i++)
        res->metric[i] = NAN;
    res->objective = res->posterior_sd_median = res->rss_bound_mib = NAN;
    snprintf(res->variant, sizeof res->variant, "%s", v->name);
    snprintf(res->rule, sizeof res->rule, "%s", v->method_cfg.rule);
    res->seed = seed;

    blr_method_cfg cfg = v->method_cfg;
    cfg.n_data = (double)tr->n;
    cfg.mc = t->mc_train;
    cfg.temperature = t->temperature;
    cfg.prior_precision = t->prior_precision;
    snprintf(res->base, sizeof res->base, "%s", blr_base_name(cfg.base.kind));

    /* Every variant of a seed starts from the same weights and sees the same data order. */
    blr_rng rng;
    blr_rng_init(&rng, (uint64_t)seed, BLR_RNG_INIT, 0);
    blr_model_init_params(&r->model, &rng, r->w0);
    blr_rng_init(&rng, (uint64_t)seed, BLR_RNG_INIT, 1);
    blr_model_init_params(&r->model, &rng, r->w1);
    blr_method *m = NULL;
    if (blr_method_create(&m, &cfg, P, r->w0, r->w1, err, errlen) != 0) {
        res->status = BLR_STATUS_FAILED;
        return res->status;
    }
    /* The base in effect: methods with their own family (sgd: dirac) set it in init. */
    snprintf(res->base, sizeof res->base, "%s", blr_base_name(m->cfg.base.kind));
    int B = train_batch_size(t, tr->n);
    long steps_per_epoch = (long)((tr->n + (size_t)B - 1) / (size_t)B);
    long total = steps_per_epoch * t->epochs, warmup = (long)(t->warmup_epochs * steps_per_epoch);
    double prior_tilde = t->prior_precision / (double)tr->n;
    blr_step train_step;
    if (blr_step_init(&train_step, &r->model.spec, B, t->mc_train,
                      (m->flags & BLR_NEEDS_SQGRAD) != 0, err, errlen) != 0) {
        blr_method_free(m);
        res->status = BLR_STATUS_FAILED;
        return res->status;
    }
    blr_rng noise;
    blr_rng_init(&noise, (uint64_t)seed, BLR_RNG_TRAIN_NOISE, 0);
    blr_rng_use_gsl(&noise, t->rng_gsl);
    double t0 = now_seconds();
    blr_status status = BLR_STATUS_OK;
    long step = 0;
    for (int epoch = 1; epoch <= t->epochs && status == BLR_STATUS_OK; epoch++) {
        blr_rng shuffle;
        blr_rng_init(&shuffle, (uint64_t)seed, BLR_RNG_SHUFFLE, (uint64_t)epoch);
        blr_data_permutation(r->perm, tr->n, &shuffle);
        double loss_sum = 0.0;
        for (size_t start = 0; start < tr->n; start += (size_t)B, step++) {
            int nb = (int)(tr->n - start < (size_t)B ? tr->n - start : (size_t)B);
            blr_data_gather(tr, r->perm + start, (size_t)nb, r->xb, tr->label ? r->lb : NULL,
                            tr->target ? r->tb : NULL);
            double batch_loss =
                blr_step_run(&train_step, m, &noise, r->xb, r->lb, r->tb, nb, prior_tilde,
                             blr_schedule_factor(t->schedule, step, total, warmup), NULL);
            if (!isfinite(batch_loss)) {
                status = BLR_STATUS_DIVERGED;
                break;
            }
            loss_sum += batch_loss * nb;
        }
        m->ops->mean(m, r->theta);
        if (status == BLR_STATUS_OK && !all_finite(r->theta, P))
            status = BLR_STATUS_DIVERGED;
        double elapsed = now_seconds() - t0;
        blr_curve_row *row = &curves[epoch - 1];
        snprintf(row->variant, sizeof row->variant, "%s", v->name);
        row->seed = seed;
        row->epoch = epoch;
        row->train_loss = status == BLR_STATUS_OK ? loss_sum / (double)tr->n : NAN;
        row->seconds = elapsed;
        if (status == BLR_STATUS_OK)
            evaluate_point(r, m, NULL, row);
        else
            row->acc = row->nll = row->ece = NAN;
        res->epochs = epoch;
        r->epochs_done++;
        double per_epoch = (r->seconds_done + elapsed) / (double)r->epochs_done;
        progress(r, epoch == t->epochs || status != BLR_STATUS_OK,
                 "%s seed %d epoch %d/%d loss %.4f test nll %.4f  %.0fs left", v->name, seed,
                 epoch, t->epochs, row->train_loss, row->nll,
                 per_epoch * (double)(r->epochs_total - r->epochs_done));
    }
    res->train_seconds = now_seconds() - t0;
    /* The bound of M4 (README: Performance): data + (state arrays + 4) P floats + the
     * buffers and workspaces of training and evaluation + 64 MiB for the program, its
     * libraries and their thread stacks. */
    size_t bound = r->data->loaded_bytes + r->buffer_bytes +
                   (m->state_arrays + 4) * P * sizeof(float) + blr_step_bytes(&train_step) +
                   ((size_t)64 << 20);
    if (bound > r->rss_bound)
        r->rss_bound = bound;
    res->rss_bound_mib = (double)r->rss_bound / (1 << 20);
    blr_step_free(&train_step);
    r->seconds_done += res->train_seconds;
    res->status = status;
    res->invalid_updates = m->invalid_updates;
    if (status == BLR_STATUS_OK) {
        blr_curve_row final_row;
        evaluate_point(r, m, res, &final_row);
        filter_sparsity(r, r->theta, res);
        if ((r->ex->figures & (1u << BLR_FIGURE_FILTERS)) && seed == r->ex->seeds[0] &&
            write_filters(r, m, out_dir, v->name, seed, err, errlen) != 0)
            res->status = BLR_STATUS_FAILED;
        evaluate_bayes(r, m, v, seed, res, rel);
        res->posterior_sd_median = median_sd(r, m);
        if (r->ex->posterior) {
            m->ops->posterior(m, r->theta, r->sd);
            if (blr_report_write_posterior(out_dir, v->name, seed, r->theta, r->sd, P, err,
                                           errlen) != 0)
                res->status = BLR_STATUS_FAILED;
        }
    } else {
        snprintf(err, errlen, "%s seed %d diverged in epoch %d", v->name, seed, res->epochs);
    }
    res->peak_rss_mib = peak_rss_mib();
    blr_method_free(m);
    return res->status;
}

/* A linear model on a regression problem has a known posterior (lib/exact.h): written as the
 * posterior of variant "exact" (the mean-field optimum: its mean and sd_i = sqrt(τ/H_ii)),
 * mapped onto the model's parameter offsets, for the posterior figure. */
static int write_exact_posterior(runner *r, const blr_experiment *ex, const char *dir,
                                 char *err, size_t errlen)
{
    const blr_dataset *d = &r->data->train;
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

static int mkdir_p(const char *path)
{
    char buf[BLR_PATH_LEN];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

static void utc_now(char *buf, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int write_outputs(runner *r, const char *dir, const blr_run_result *runs, size_t n_runs,
                         const blr_curve_row *curves, size_t n_curves, const blr_reliability *rel,
                         size_t n_rel, const char *start, char *err, size_t errlen)
{
    const blr_experiment *ex = r->ex;
    if (blr_report_write_tables(dir, ex, runs, n_runs, curves, n_curves, rel, n_rel, err,
                                errlen) != 0)
        return -1;
    char sha[65] = "", end[32], host[256] = "", threads_cfg[64];
    blr_report_sha256_file(ex->path, sha);
    utc_now(end, sizeof end);
    gethostname(host, sizeof host - 1);
    char *config = openblas_get_config(), scored[96] = "test set";
    if (ex->data.validation > 0)
        snprintf(scored, sizeof scored, "%zu validation examples held out of the training set",
                 ex->data.validation);
    snprintf(threads_cfg, sizeof threads_cfg, "%s", config ? config : "unknown");
    blr_manifest man = {
        .experiment = ex->name, .file = ex->path, .file_sha256 = sha, .profile = ex->profile,
        .git_commit = r->opts->git_commit ? r->opts->git_commit : "unknown",
        .compiler = r->opts->compiler ? r->opts->compiler : "unknown",
        .cflags = r->opts->cflags ? r->opts->cflags : "unknown",
        .gsl_version = GSL_VERSION, .openblas_version = threads_cfg,
        .yaml_version = yaml_get_version_string(), .host = host, .start_utc = start,
        .end_utc = end, .scored_on = scored, .threads = blr_threads_get(),
    };
    if (blr_report_write_manifest(dir, &man, runs, n_runs, err, errlen) != 0)
        return -1;
    return blr_report_plot(dir, ex->figures, err, errlen);
}

int blr_runner_run(const blr_experiment *ex, const blr_runner_opts *opts, char *err,
                   size_t errlen)
{
    run_data data;
    if (load_data(ex, &data, err, errlen) != 0)
        return 2;
    /* Before runner_init, which sizes the evaluation workers by the thread count. */
    blr_threads_set(opts->threads > 0 ? opts->threads : ex->threads);
    runner r;
    if (runner_init(&r, ex, opts, &data, err, errlen) != 0) {
        runner_free(&r);
        free_data(&data);
        return 2;
    }
    char dir[BLR_PATH_LEN];
    if (opts->out_dir)
        snprintf(dir, sizeof dir, "%s", opts->out_dir);
    else
        snprintf(dir, sizeof dir, "results/%s", ex->name);
    int rc = 0;
    size_t n_runs = (size_t)ex->n_variants * (size_t)ex->n_seeds, n_curves = 0;
    long max_epochs = 0;
    for (int v = 0; v < ex->n_variants; v++)
        max_epochs += ex->variants[v].train.epochs;
    blr_run_result *runs = calloc(n_runs, sizeof *runs);
    blr_curve_row *curves = calloc((size_t)max_epochs * (size_t)ex->n_seeds, sizeof *curves);
    blr_reliability *rel = calloc(n_runs, sizeof *rel);
    char start[32];
    utc_now(start, sizeof start);
    if (!runs || !curves || !rel) {
        snprintf(err, errlen, "out of memory for %zu runs", n_runs);
        rc = 2;
    } else if (mkdir_p(dir) != 0) {
        snprintf(err, errlen, "%s: error: cannot create directory: %s", dir, strerror(errno));
        rc = 2;
    } else if (ex->posterior && ex->model.arch == BLR_ARCH_LINEAR &&
               ex->data.task == BLR_TASK_REGRESSION &&
               write_exact_posterior(&r, ex, dir, err, errlen) != 0) {
        rc = 1;
    }
    size_t n_rel = 0, i = 0;
    char run_err[512];
    for (int s = 0; s < ex->n_seeds && rc != 2; s++) {
        for (int v = 0; v < ex->n_variants; v++, i++) {
            const blr_variant *var = &ex->variants[v];
            run_err[0] = '\0';
            blr_status st = run_one(&r, var, ex->seeds[s], dir, &runs[i], curves + n_curves,
                                    &rel[n_rel], run_err, sizeof run_err);
            n_curves += (size_t)runs[i].epochs;
            if (st == BLR_STATUS_OK && r.model.spec.task == BLR_TASK_CLASSIFICATION)
                n_rel++;
            if (st != BLR_STATUS_OK) {
                rc = 1;
                if (!opts->quiet)
                    fprintf(stderr, "%s%s: %s\n", r.tty ? "\r\033[K" : "",
                            blr_status_name(st), run_err);
                snprintf(err, errlen, "%s", run_err);
            }
        }
    }
    if (!opts->quiet && r.tty)
        fputc('\n', stderr);
    if (rc != 2) {
        char werr[512];
        if (write_outputs(&r, dir, runs, n_runs, curves, n_curves, rel, n_rel, start, werr,
                          sizeof werr) != 0) {
            snprintf(err, errlen, "%s", werr);
            rc = 1;
        }
    }
    free(runs);
    free(curves);
    free(rel);
    runner_free(&r);
    free_data(&data);
    return rc;
}
