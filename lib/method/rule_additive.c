/* The additive Lie-group rule (Kıral et al. 2023, Alg. 1; docs/design.md §3.3):
 * θ = w + ξ on (R^P, +).
 *
 * `sgd` is this rule with the dirac base (ξ ≡ 0), where it is exactly heavy-ball SGD:
 * the registry lists the same functions under the name "sgd" with BLR_NO_BASE, and
 * blr_method_create gives every BLR_NO_BASE method the dirac base. There is no second
 * implementation. */
#include <stdlib.h>
#include <string.h>

#include "group.h"
#include "rule.h"
#include "threads.h"

/* The arrays saved in a checkpoint come first in buf: w, m; then the scratch sum. */
enum { SAVED_ARRAYS = 2, ALL_ARRAYS = 3 };

typedef struct {
    blr_method_flat flat; /* buf, count, t (lib/method/rule.h) */
    float *w, *m;   /* group element and momentum */
    float *sum;     /* Σ ∇ over this step's samples */
    double inv_fv;  /* 1/F_v of q0 under `fisher`, else 1 */
} additive_state;

static int additive_init(blr_method *m, const float *w0, const float *w1, char *err,
                         size_t errlen)
{
    (void)w1;
    additive_state *s = blr_method_flat_new(m, sizeof *s, ALL_ARRAYS, SAVED_ARRAYS, err, errlen);
    if (!s)
        return -1;
    size_t n = m->n;
    double inv_fu;
    if (blr_method_fisher_scale(&m->cfg, &s->inv_fv, &inv_fu, err, errlen) != 0) {
        blr_method_flat_free(m);
        return -1;
    }
    s->w = s->flat.buf;
    s->m = s->flat.buf + n;
    s->sum = s->flat.buf + 2 * n;
    for (size_t i = 0; i < n; i++)
        s->w[i] = w0[i];
    m->state = s;
    return 0;
}

/* θ = w · ξ = w + ξ in place: accumulate does not need ξ, so the draw goes straight into θ. */
BLR_FASTMATH_INLINE void additive_act_block(size_t len, const float *restrict w,
                                            float *restrict theta)
{
    for (size_t i = 0; i < len; i++)
        theta[i] = blr_group_additive_compose1(w[i], theta[i]);
}

/* The arguments of a pass split over threads (blr_threads_for). */
typedef struct {
    additive_state *s;
    float *theta;
} additive_pass;

static long additive_act_range(void *p, size_t lo, size_t hi)
{
    const additive_pass *a = p;
    BLR_FASTMATH_FOR_BLOCKS(i, len, lo, hi, additive_act_block(len, a->s->w + i, a->theta + i));
    return 0;
}

/* With the dirac base ξ ≡ 0 and θ = w exactly: `sgd` draws nothing. */
static void additive_sample(blr_method *m, int k, float *theta, blr_rng *rng)
{
    (void)k; /* accumulate needs only ∇: nothing is kept */
    additive_state *s = m->state;
    if (m->cfg.base.kind == BLR_BASE_DIRAC) {
        memcpy(theta, s->w, m->n * sizeof *theta);
        return;
    }
    blr_base_sample(&m->cfg.base, rng, theta, m->n);
    additive_pass a = {.s = s, .theta = theta};
    blr_threads_for(m->n, additive_act_range, &a);
}

static void additive_accumulate(blr_method *m, int k, const float *theta, const float *grad,
                                const float *sqgrad)
{
    (void)k;
    (void)theta;
    (void)sqgrad;
    additive_state *s = m->state;
    blr_method_sum_gradient(&s->flat, s->sum, grad, m->n);
}

/* The scalars of one step, in float like the state they update. */
typedef struct {
    float scale;          /* 1/count (÷ F_v under `fisher`) */
    float beta1, beta1c;  /* β1 and 1 - β1 */
    float alpha;          /* α times the schedule's factor */
} additive_coef;

/* Algorithm 1: X = E[∇] (÷ F_v under `fisher`); m <- β1 m + (1-β1) X;
 * w <- w · exp(-α m) = w - α m. */
BLR_FASTMATH_INLINE void additive_step_block(size_t len, additive_coef c, float *restrict w,
                                             float *restrict mom, const float *restrict sum)
{
    for (size_t i = 0; i < len; i++) {
        const float x = sum[i] * c.scale;
        mom[i] = c.beta1 * mom[i] + c.beta1c * x;
        w[i] = blr_group_additive_compose1(w[i], blr_group_additive_exp1(-c.alpha * mom[i]));
    }
}

typedef struct {
    additive_state *s;
    additive_coef c;
} additive_step_pass;

static long additive_step_range(void *p, size_t lo, size_t hi)
{
    const additive_step_pass *a = p;
    additive_state *s = a->s;
    BLR_FASTMATH_FOR_BLOCKS(i, len, lo, hi,
                            additive_step_block(len, a->c, s->w + i, s->m + i, s->sum + i));
    return 0;
}

static void additive_step(blr_method *m, double lr_factor)
{
    additive_state *s = m->state;
    /* no sample this step: the sum holds the last step's, and E[∇] over nothing is 0 */
    if (s->flat.count == 0)
        memset(s->sum, 0, m->n * sizeof *s->sum);
    additive_step_pass a = {.s = s};
    a.c.scale = (float)((s->flat.count > 0 ? 1.0 / s->flat.count : 0.0) * s->inv_fv);
    a.c.beta1 = (float)m->cfg.beta1;
    a.c.beta1c = (float)(1.0 - m->cfg.beta1);
    a.c.alpha = (float)(m->cfg.lr * lr_factor);
    blr_threads_for(m->n, additive_step_range, &a);
    s->flat.count = 0;
}

static void additive_mean(const blr_method *m, float *theta)
{
    const additive_state *s = m->state;
    for (size_t i = 0; i < m->n; i++)
        theta[i] = s->w[i];
}

static void additive_posterior(const blr_method *m, float *mean, float *sd)
{
    const additive_state *s = m->state;
    float sd_xi = (float)blr_method_base_sd(&m->cfg.base);
    for (size_t i = 0; i < m->n; i++) {
        mean[i] = s->w[i];
        sd[i] = sd_xi;
    }
}

/* θ = w + ξ is a shift of q0^P, so H(q) = P H(q0) (-inf for dirac). */
static double additive_entropy(const blr_method *m)
{
    return (double)m->n * blr_base_entropy(&m->cfg.base);
}

const blr_method_ops blr_rule_additive_ops = {
    .name = "lie-additive",
    .summary = "additive Lie-group BLR (Algorithm 1): theta = w + xi, momentum on E[grad]",
    .flags = BLR_SYMMETRIC_BASE,
    .uses = BLR_USES(lr) | BLR_USES(beta1) | BLR_USES(fisher),
    .init = additive_init,
    .sample = additive_sample,
    .accumulate = additive_accumulate,
    .step = additive_step,
    .mean = additive_mean,
    .posterior = additive_posterior,
    .entropy = additive_entropy,
    .save = blr_method_flat_save,
    .load = blr_method_flat_load,
    .free = blr_method_flat_free,
};

const blr_method_ops blr_rule_sgd_ops = {
    .name = "sgd",
    .summary = "SGD with heavy-ball momentum (= lie-additive with the dirac base)",
    .flags = BLR_NO_BASE,
    .uses = BLR_USES(lr) | BLR_USES(beta1),
    .init = additive_init,
    .sample = additive_sample,
    .accumulate = additive_accumulate,
    .step = additive_step,
    .mean = additive_mean,
    .posterior = additive_posterior,
    .entropy = additive_entropy,
    .save = blr_method_flat_save,
    .load = blr_method_flat_load,
    .free = blr_method_flat_free,
};
