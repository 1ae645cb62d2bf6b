/* One optimizer step on a minibatch: the samples drawn in order, their gradients on W
 * workers at once, accumulated in order (lib/run/step.h). */
#include "step.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fastmath.h"
#include "threads.h"

int blr_step_init(blr_step *s, const blr_model_spec *spec, int max_batch, int mc,
                  int need_sqgrad, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    if (mc < 1) {
        snprintf(err, errlen, "step: mc must be >= 1 (got %d)", mc);
        return -1;
    }
    const int threads = blr_threads_get();
    const int workers = threads < 1 ? 1 : threads < mc ? threads : mc;
    s->mc = mc;
    s->models = calloc((size_t)workers, sizeof *s->models);
    if (!s->models) {
        snprintf(err, errlen, "step: out of memory");
        return -1;
    }
    /* workers counts the initialized workspaces, so that a failure frees just those. */
    for (; s->workers < workers; s->workers++) {
        if (blr_model_init(&s->models[s->workers], spec, max_batch, err, errlen) != 0) {
            blr_step_free(s);
            return -1;
        }
    }
    s->n_params = s->models[0].n_params;
    const size_t len = (size_t)mc * s->n_params;
    s->theta = malloc(len * sizeof(float));
    s->grad = malloc(len * sizeof(float));
    s->sqgrad = need_sqgrad ? malloc(len * sizeof(float)) : NULL;
    s->loss = malloc((size_t)mc * sizeof *s->loss);
    if (!s->theta || !s->grad || (need_sqgrad && !s->sqgrad) || !s->loss) {
        snprintf(err, errlen, "step: out of memory for %d samples of %zu parameters", mc,
                 s->n_params);
        blr_step_free(s);
        return -1;
    }
    return 0;
}

void blr_step_free(blr_step *s)
{
    for (int w = 0; w < s->workers; w++)
        blr_model_free(&s->models[w]);
    free(s->models);
    free(s->theta);
    free(s->grad);
    free(s->sqgrad);
    free(s->loss);
    memset(s, 0, sizeof *s);
}

size_t blr_step_bytes(const blr_step *s)
{
    size_t bytes = (size_t)s->mc * (s->n_params * sizeof(float) * (s->sqgrad ? 3 : 2) +
                                    sizeof *s->loss);
    for (int w = 0; w < s->workers; w++)
        bytes += blr_model_workspace_bytes(&s->models[w]);
    return bytes;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return 1e3 * (double)ts.tv_sec + 1e-6 * (double)ts.tv_nsec;
}

typedef struct {
    const float *theta;
    float *grad;
    float prior_tilde;
} step_prior_pass;

BLR_FASTMATH_INLINE void step_prior_block(size_t len, float *restrict grad,
                                          const float *restrict theta, float prior_tilde)
{
    for (size_t j = 0; j < len; j++)
        grad[j] += prior_tilde * theta[j];
}

BLR_FASTMATH_CLONES static long step_prior_range(void *p, size_t lo, size_t hi)
{
    const step_prior_pass *a = p;
    BLR_FASTMATH_FOR_BLOCKS(j, len, lo, hi,
                            step_prior_block(len, a->grad + j, a->theta + j, a->prior_tilde));
    return 0;
}

/* The minibatch whose gradients a step's workers compute. */
typedef struct {
    blr_step *s;
    const float *x, *target;
    const int *label;
    int n;
    float prior_tilde;
} step_batch;

/* Sample k's gradient on workspace w, plus the prior term (docs/design.md §2: methods get the
 * gradient of lbar_B, the data term plus δ~ θ). On a worker, the prior pass runs on the
 * worker's thread alone (blr_threads_for does not open a region inside one). */
static void step_gradient(void *ctx, int w, long k)
{
    const step_batch *b = ctx;
    blr_step *s = b->s;
    const size_t at = (size_t)k * s->n_params;
    step_prior_pass a = {
        .theta = s->theta + at, .grad = s->grad + at, .prior_tilde = b->prior_tilde};
    s->loss[k] = blr_model_loss_grad(&s->models[w], a.theta, b->x, b->label, b->target, b->n,
                                     a.grad, s->sqgrad ? s->sqgrad + at : NULL);
    blr_threads_for(s->n_params, step_prior_range, &a);
}

double blr_step_run(blr_step *s, blr_method *m, blr_rng *noise, const float *x,
                    const int *label, const float *target, int n, double prior_tilde,
                    double lr_factor, blr_step_times *times)
{
    const int mc = m->cfg.mc < s->mc ? m->cfg.mc : s->mc;
    const int workers = s->workers < mc ? s->workers : mc;
    const size_t P = s->n_params;
    const float pt = (float)prior_tilde;
    double t0 = times ? now_ms() : 0.0;
    for (int k = 0; k < mc; k++)
        m->ops->sample(m, k, s->theta + (size_t)k * P, noise);
    double t1 = times ? now_ms() : 0.0;
    step_batch batch = {
        .s = s, .x = x, .target = target, .label = label, .n = n, .prior_tilde = pt};
    blr_threads_items(workers, mc, step_gradient, &batch);
    double t2 = times ? now_ms() : 0.0;
    double sum = 0.0;
    for (int k = 0; k < mc; k++) {
        const size_t at = (size_t)k * P;
        m->ops->accumulate(m, k, s->theta + at, s->grad + at, s->sqgrad ? s->sqgrad + at : NULL);
        sum += s->loss[k];
    }
    m->ops->step(m, lr_factor);
    if (times) {
        double t3 = now_ms();
        times->sample = t1 - t0;
        times->fwdbwd = t2 - t1;
        times->update = t3 - t2;
    }
    return sum / mc;
}
