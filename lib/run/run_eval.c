/* Evaluation of a run (lib/run/run_eval.h): test metrics at the point estimate, model averaging
 * over samples of q, and the first layer's filters. Each pass over a data set runs in
 * EVAL_CHUNK-row chunks shared among the runner's evaluation workers. */
#include "run_eval.h"
#include "threads.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "report.h"

int blr_eval_samples_of(const blr_method *m, const blr_variant *v)
{
    return isfinite(m->ops->entropy(m)) ? v->train.mc_test : 1;
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

/* Mean of lbar (data term + prior, docs/design.md §2) over the whole training set at θ. */
static double full_lbar(runner *r, const float *theta, double prior_tilde)
{
    const blr_dataset *d = &r->data.train;
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
    size_t n = r->data.test.n;
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

void blr_eval_point(runner *r, const blr_method *m, blr_run_result *res, blr_curve_row *row)
{
    const blr_dataset *d = &r->data.test;
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

int blr_eval_bayes(runner *r, blr_method *m, const blr_variant *v, int seed,
                   blr_run_result *res, blr_reliability *rel)
{
    const blr_dataset *d = &r->data.test, *o = &r->data.ood;
    int k = r->model.spec.n_out;
    int S = blr_eval_samples_of(m, v);
    double prior_tilde = v->train.prior_precision / (double)r->data.train.n;
    blr_rng rng;
    blr_rng_init(&rng, (uint64_t)seed, BLR_RNG_TEST_NOISE, 0);
    blr_rng_use_gsl(&rng, v->train.rng_gsl);
    int cls = r->model.spec.task == BLR_TASK_CLASSIFICATION;
    size_t width = cls ? (size_t)k : 1;
    double *acc = cls ? r->probs : r->mus;
    memset(acc, 0, (cls ? 1 : (size_t)S) * d->n * width * sizeof(double));
    if (r->data.has_ood)
        memset(r->probs_ood, 0, o->n * width * sizeof(double));
    double lbar = 0.0;
    r->prog.evals = S;
    for (int s = 0; s < S; s++) {
        if (stop_requested(r))
            return 1;
        m->ops->sample(m, 0, r->theta, &rng);
        predict_add(r, r->theta, d, cls ? acc : acc + (size_t)s * d->n);
        if (r->data.has_ood)
            predict_add(r, r->theta, o, r->probs_ood);
        lbar += full_lbar(r, r->theta, prior_tilde);
        r->prog.eval = s + 1;
        report_progress(r, (double)(d->n + o->n + r->data.train.n), 0);
    }
    /* Dirac methods are the τ -> 0 limit (docs/design.md §2): their entropy term is left out. */
    double h = m->ops->entropy(m);
    double tau_tilde = v->train.temperature / (double)r->data.train.n;
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
        if (r->data.has_ood) {
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
    return 0;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

double blr_eval_median_sd(runner *r, const blr_method *m)
{
    size_t P = r->model.n_params;
    m->ops->posterior(m, r->theta, r->sd);
    qsort(r->sd, P, sizeof(float), cmp_float);
    return P % 2 ? r->sd[P / 2] : 0.5 * ((double)r->sd[P / 2 - 1] + r->sd[P / 2]);
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

void blr_eval_filter_sparsity(const runner *r, const float *theta, blr_run_result *res)
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

int blr_eval_write_filters(const runner *r, const blr_method *m, const char *dir,
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

