/* `adam` (Kingma & Ba 2015, Algorithm 1) on a point mass q = δ(θ - w): the τ -> 0 limit of
 * the objective of docs/design.md §2, like `sgd`. The gradient the training loop passes already
 * contains the prior term δ~ θ, so weight decay is L2 through the objective (not AdamW's
 * decoupled decay), exactly as for the Lie-group rules.
 *
 * Hyperparameters (blr_method_cfg, defaults of blr_method_cfg_defaults): lr α [0.1], beta1
 * [0.9], beta2 [0.999], eps [1e-8]; the schedule's lr_factor multiplies α. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "adam_moments.h"
#include "rule.h"
#include "threads.h"

/* Saved arrays come first in buf: w, m, v; then the scratch sum. */
enum { SAVED_ARRAYS = 3, ALL_ARRAYS = 4 };

typedef struct {
    blr_method_flat flat; /* buf, count, t (lib/method/rule.h) */
    float *w;    /* the point estimate */
    float *m, *v; /* Adam's first and second moments */
    float *sum;  /* Σ ∇ over this step's samples */
} adam_state;

static int adam_init(blr_method *m, const float *w0, const float *w1, char *err, size_t errlen)
{
    (void)w1;
    if (blr_adam_check(m, err, errlen) != 0)
        return -1;
    adam_state *s = blr_method_flat_new(m, sizeof *s, ALL_ARRAYS, SAVED_ARRAYS, err, errlen);
    if (!s)
        return -1;
    size_t n = m->n;
    /* the family reported in runs.csv's base column */
    if (blr_base_init(&m->cfg.base, BLR_BASE_DIRAC, 0, 1, err, errlen) != 0) {
        blr_method_flat_free(m);
        return -1;
    }
    s->w = s->flat.buf;
    s->m = s->flat.buf + n;
    s->v = s->flat.buf + 2 * n;
    s->sum = s->flat.buf + 3 * n;
    memcpy(s->w, w0, n * sizeof(float));
    m->state = s;
    return 0;
}

static void adam_mean(const blr_method *m, float *theta)
{
    const adam_state *s = m->state;
    memcpy(theta, s->w, m->n * sizeof(float));
}

/* A point mass: every draw is w. */
static void adam_sample(blr_method *m, int k, float *theta, blr_rng *rng)
{
    (void)k;
    (void)rng;
    adam_mean(m, theta);
}

static void adam_accumulate(blr_method *m, int k, const float *theta, const float *grad,
                            const float *sqgrad)
{
    (void)k;
    (void)theta;
    (void)sqgrad;
    adam_state *s = m->state;
    blr_method_sum_gradient(&s->flat, s->sum, grad, m->n);
}

/* Algorithm 1 with g = E[∇] (the mean of this step's accumulations):
 * w <- w - α lr_factor m̂ / (√v̂ + ε) (the moments in blr_adam_delta). */
BLR_FASTMATH_INLINE void adam_step_block(size_t len, blr_adam_coef c, float avg,
                                         float *restrict w, float *restrict mom,
                                         float *restrict v, const float *restrict sum)
{
    for (size_t i = 0; i < len; i++)
        w[i] -= blr_adam_delta(c, &mom[i], &v[i], sum[i] * avg);
}

typedef struct {
    adam_state *s;
    blr_adam_coef c;
    float avg; /* 1/count */
} adam_step_pass;

BLR_FASTMATH_CLONES static long adam_step_range(void *p, size_t lo, size_t hi)
{
    const adam_step_pass *a = p;
    adam_state *s = a->s;
    BLR_FASTMATH_FOR_BLOCKS(i, len, lo, hi,
                            adam_step_block(len, a->c, a->avg, s->w + i, s->m + i, s->v + i,
                                            s->sum + i));
    return 0;
}

static void adam_step(blr_method *m, double lr_factor)
{
    adam_state *s = m->state;
    s->flat.t++;
    adam_step_pass a = {.s = s,
                        .c = blr_adam_coef_at(&m->cfg, lr_factor, s->flat.t),
                        .avg = (float)(s->flat.count > 0 ? 1.0 / s->flat.count : 0.0)};
    blr_threads_for(m->n, adam_step_range, &a);
    s->flat.count = 0;
}

static void adam_posterior(const blr_method *m, float *mean, float *sd)
{
    adam_mean(m, mean);
    memset(sd, 0, m->n * sizeof(float));
}

static double adam_entropy(const blr_method *m)
{
    (void)m;
    return -INFINITY; /* a point mass */
}

const blr_method_ops blr_baseline_adam_ops = {
    .name = "adam",
    .summary = "Adam (Kingma & Ba 2015) on a point mass; weight decay through the prior term",
    .flags = BLR_NO_BASE,
    .uses = BLR_USES(lr) | BLR_USES(beta1) | BLR_USES(beta2) | BLR_USES(eps),
    .init = adam_init,
    .sample = adam_sample,
    .accumulate = adam_accumulate,
    .step = adam_step,
    .mean = adam_mean,
    .posterior = adam_posterior,
    .entropy = adam_entropy,
    .save = blr_method_flat_save,
    .load = blr_method_flat_load,
    .free = blr_method_flat_free,
};
