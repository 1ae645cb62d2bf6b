/* The diagonal affine Lie-group rule (Kıral et al. 2023, Alg. 3; docs/design.md §3.5):
 * θ = b + A ⊙ ξ with A > 0, on the group (A, b)(A', b') = (AA', Ab' + b). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "group.h"
#include "rule.h"
#include "threads.h"

/* Saved arrays come first in buf: A, b, MU, MV; then the scratch sums and the mc slots of ξ. */
enum { SAVED_ARRAYS = 4, SCRATCH_SUMS = 2 };

typedef struct {
    blr_method_flat flat; /* buf, count, t (lib/method/rule.h) */
    float *a, *b;       /* group element (A, b) */
    float *mu, *mv;     /* momenta of the log-scale and location directions */
    float *su, *sv;     /* Σ ξ ⊙ ∇ and Σ ∇ over this step's samples */
    float *xi;          /* slot 0 of the ξ drawn by sample */
    double inv_fu, inv_fv; /* 1/F_u, 1/F_v of q0 under `fisher`, else 1 */
} affine_state;

static int affine_init(blr_method *m, const float *w0, const float *w1, char *err,
                       size_t errlen)
{
    (void)w1;
    affine_state *s = blr_method_flat_new(m, sizeof *s, SAVED_ARRAYS + SCRATCH_SUMS + m->cfg.mc,
                                          SAVED_ARRAYS, err, errlen);
    if (!s)
        return -1;
    size_t n = m->n;
    if (blr_method_fisher_scale(&m->cfg, &s->inv_fv, &s->inv_fu, err, errlen) != 0) {
        blr_method_flat_free(m);
        return -1;
    }
    float *p = s->flat.buf;
    s->a = p;
    s->b = p + n;
    s->mu = p + 2 * n;
    s->mv = p + 3 * n;
    s->su = p + 4 * n;
    s->sv = p + 5 * n;
    s->xi = p + 6 * n;
    for (size_t i = 0; i < n; i++) {
        s->a[i] = (float)m->cfg.init_a;
        s->b[i] = w0[i];
    }
    m->state = s;
    return 0;
}

static void affine_sample(blr_method *m, int k, float *theta, blr_rng *rng)
{
    affine_state *s = m->state;
    float *xi = s->xi + (size_t)k * m->n;
    blr_base_sample(&m->cfg.base, rng, xi, m->n);
    blr_method_affine_act(m->n, s->a, s->b, xi, theta);
}

/* One sample's terms ξ ⊙ ∇ and ∇ (A, the same for every sample of a step, is applied once
 * in the step). */
static void affine_accumulate(blr_method *m, int k, const float *theta, const float *grad,
                              const float *sqgrad)
{
    (void)theta;
    (void)sqgrad;
    affine_state *s = m->state;
    blr_method_sum_gradient_xi(&s->flat, s->sv, s->su, grad, s->xi + (size_t)k * m->n, m->n);
}

/* The scalars of one step, in float like the state they update. */
typedef struct {
    float avg;                  /* 1/count */
    float tau;                  /* τ~ = τ/N */
    float inv_fu, inv_fv;       /* 1/F_u, 1/F_v under `fisher`, else 1 */
    float beta1, beta1c;        /* β1 and 1 - β1 (location) */
    float beta2, beta2c;        /* β2 and 1 - β2 (log-scale) */
    float alpha1, alpha2;       /* α1, α2 times the schedule's factor */
} affine_coef;

/* Algorithm 3: U = E[A ⊙ ξ ⊙ ∇] - τ~ = A ⊙ E[ξ ⊙ ∇] - τ~, V = E[A ⊙ ∇] = A ⊙ E[∇]
 * (÷ F_u, F_v under `fisher`); MU <- β2 MU + (1-β2) U, MV <- β1 MV + (1-β1) V;
 * (A, b) <- (A, b) · (exp(-α2 MU), MV φ_α1(MU)), i.e. b <- b + A ⊙ MV ⊙ φ(MU) with the old A
 * and A <- A ⊙ exp(-α2 MU). An A that leaves float32's range is saturated
 * (blr_group_positive_clamp); returns how many were. */
BLR_FASTMATH_INLINE int affine_step_block(size_t len, affine_coef c, float *restrict a,
                                          float *restrict b, float *restrict mu, float *restrict mv,
                                          const float *restrict su, const float *restrict sv)
{
    int saturated = 0;
    for (size_t i = 0; i < len; i++) {
        const float u = (a[i] * (su[i] * c.avg) - c.tau) * c.inv_fu;
        const float v = a[i] * (sv[i] * c.avg) * c.inv_fv;
        mu[i] = c.beta2 * mu[i] + c.beta2c * u;
        mv[i] = c.beta1 * mv[i] + c.beta1c * v;
        blr_group_affine_elt g = {a[i], b[i]};
        g = blr_group_affine_compose1(g, blr_group_affine_step1(mu[i], mv[i], c.alpha1,
                                                                 c.alpha2));
        a[i] = blr_group_positive_clamp(g.a, &saturated);
        b[i] = g.b;
    }
    return saturated;
}

typedef struct {
    affine_state *s;
    affine_coef c;
} affine_step_pass;

BLR_FASTMATH_CLONES static long affine_step_range(void *p, size_t lo, size_t hi)
{
    const affine_step_pass *x = p;
    affine_state *s = x->s;
    long saturated = 0;
    BLR_FASTMATH_FOR_BLOCKS(i, len, lo, hi,
                            saturated += affine_step_block(len, x->c, s->a + i, s->b + i, s->mu + i,
                                                           s->mv + i, s->su + i, s->sv + i));
    return saturated;
}

static void affine_step(blr_method *m, double lr_factor)
{
    affine_state *s = m->state;
    size_t n = m->n;
    /* no sample this step: the sums hold the last step's, and E[·] over nothing is 0 */
    if (s->flat.count == 0) {
        memset(s->su, 0, n * sizeof *s->su);
        memset(s->sv, 0, n * sizeof *s->sv);
    }
    affine_step_pass x = {.s = s};
    affine_coef *c = &x.c;
    c->avg = (float)(s->flat.count > 0 ? 1.0 / s->flat.count : 0.0);
    c->tau = (float)(m->cfg.temperature / m->cfg.n_data);
    c->inv_fu = (float)s->inv_fu;
    c->inv_fv = (float)s->inv_fv;
    c->beta1 = (float)m->cfg.beta1;
    c->beta1c = (float)(1.0 - m->cfg.beta1);
    c->beta2 = (float)m->cfg.beta2;
    c->beta2c = (float)(1.0 - m->cfg.beta2);
    c->alpha1 = (float)(m->cfg.lr * lr_factor);
    c->alpha2 = (float)(m->cfg.lr2 * lr_factor);
    m->invalid_updates += blr_threads_for(n, affine_step_range, &x);
    s->flat.count = 0;
}

static void affine_mean(const blr_method *m, float *theta)
{
    const affine_state *s = m->state;
    for (size_t i = 0; i < m->n; i++)
        theta[i] = s->b[i];
}

/* sd θ = A sd(ξ) (A s where q0 has no variance); the mean is b for the symmetric bases. */
static void affine_posterior(const blr_method *m, float *mean, float *sd)
{
    const affine_state *s = m->state;
    double sd_xi = blr_method_base_sd(&m->cfg.base);
    for (size_t i = 0; i < m->n; i++) {
        mean[i] = s->b[i];
        sd[i] = (float)(s->a[i] * sd_xi);
    }
}

/* θ = b + A ⊙ ξ: H(q) = Σ log A + P H(q0). */
static double affine_entropy(const blr_method *m)
{
    const affine_state *s = m->state;
    double sum = 0.0;
    for (size_t i = 0; i < m->n; i++)
        sum += log(s->a[i]);
    return sum + (double)m->n * blr_base_entropy(&m->cfg.base);
}

const blr_method_ops blr_rule_affine_ops = {
    .name = "lie-affine",
    .summary = "diagonal affine Lie-group BLR (Algorithm 3): theta = b + A xi",
    .flags = BLR_SYMMETRIC_BASE | BLR_DENSITY_BASE,
    .uses = BLR_USES(lr) | BLR_USES(lr2) | BLR_USES(beta1) | BLR_USES(beta2) |
            BLR_USES(init_a) | BLR_USES(fisher),
    .init = affine_init,
    .sample = affine_sample,
    .accumulate = affine_accumulate,
    .step = affine_step,
    .mean = affine_mean,
    .posterior = affine_posterior,
    .entropy = affine_entropy,
    .save = blr_method_flat_save,
    .load = blr_method_flat_load,
    .free = blr_method_flat_free,
};
