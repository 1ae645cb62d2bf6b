/* VOGN — variational online Gauss-Newton with Adam-like momentum (Osawa et al. 2019,
 * "Practical deep learning with Bayesian principles", Algorithm 1), a diagonal Gaussian
 * q = N(m, diag σ²), in the scaling of docs/design.md §2/§4: the paper's dataset size N becomes the
 * effective sample size N/τ and its prior precision δ becomes the weight decay δ~ = δ/N, so
 * its σ = 1/sqrt(N(s + δ~)) reads σ² = τ~/(s + δ~).
 *
 * One step, with ĝ and ĥ averaged over the step's mc samples (docs/design.md §4):
 *     ĝ  = mean(∇ - δ~ θ) + δ~ m     data gradient at the samples, prior gradient at the mean
 *     ĥ  = mean(sq)                  per-example squared data gradients (BLR_NEEDS_SQGRAD)
 *     g_m <- β1 g_m + (1-β1) ĝ,  ĝ_m = g_m/(1 - β1^t)           (momentum, bias-corrected)
 *     s   <- β2 s   + (1-β2) ĥ                                     (data curvature)
 *     m   <- m - α ĝ_m/(s + δ~),  α = lr · lr_factor,   σ² = τ~/(s + δ~).
 * How the prior enters: exactly, never through ĥ — its gradient δ~ m at the mean (the
 * interface's ∇ carries δ~ θ at the sample; subtracting it and adding δ~ m has the same
 * expectation and less noise) and its curvature δ~ added to s.
 *
 * Fixed point on a quadratic lbar: E[ĝ] = E_q[∇lbar] = 0, so m is the minimizer, and
 * s = E_q[sq], so σ_i² = τ~/(E_q[sq_i] + δ~) — the mean-field posterior of docs/design.md §2 with
 * the data Hessian's diagonal replaced by E_q[sq]. For the exact per-example GGN that is the
 * GGN; with squared per-example gradients it is the empirical Fisher, which matches the
 * Hessian only in expectation over the label noise at the optimum (tests derive the gap).
 *
 * Choices a reviewer should know:
 *   - s starts at hess_init (an initial data curvature; default 1), not at 0, so it needs no
 *     bias correction and σ0² = τ~/(hess_init + δ~) is defined before the first step; only
 *     the momentum, started at 0, is bias-corrected as in Adam.
 *   - `hessian` is ignored: VOGN's curvature is the squared-gradient one by definition.
 *   - prior_precision must be > 0 (checked in init): with δ~ = 0 a coordinate whose
 *     gradients vanish would get s + δ~ = 0 and an infinite σ.
 * Defaults relied on (blr_method_cfg_defaults): lr 0.1, beta1 0.9, beta2 0.999,
 * hess_init 1, mc 1. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rule.h"
#include "gauss_meanfield.h"
#include "threads.h"

/* Saved arrays first in buf: m, s, g_m; then the scratch sums. */
enum { SAVED_ARRAYS = 3, ALL_ARRAYS = 5 };

typedef struct {
    blr_method_flat flat; /* buf, count, t (lib/method/rule.h) */
    float *mu, *curv, *mom; /* m, s, g_m */
    float *sg, *sh;         /* Σ (∇ - δ~θ) and Σ sq over this step's samples */
} vogn_state;

static int vogn_init(blr_method *m, const float *w0, const float *w1, char *err,
                     size_t errlen)
{
    (void)w1;
    if (!(m->cfg.prior_precision > 0.0)) {
        snprintf(err, errlen,
                 "prior_precision must be > 0 for rule '%s': sigma^2 = tau~/(s + delta~) "
                 "is infinite where s = 0 (got %g)", m->ops->name, m->cfg.prior_precision);
        return -1;
    }
    if (gmf_init_base(m, err, errlen) != 0)
        return -1;
    vogn_state *s = blr_method_flat_new(m, sizeof *s, ALL_ARRAYS, SAVED_ARRAYS, err, errlen);
    if (!s)
        return -1;
    size_t n = m->n;
    s->mu = s->flat.buf;
    s->curv = s->flat.buf + n;
    s->mom = s->flat.buf + 2 * n;
    s->sg = s->flat.buf + 3 * n;
    s->sh = s->flat.buf + 4 * n;
    for (size_t i = 0; i < n; i++) {
        s->mu[i] = w0[i];
        s->curv[i] = (float)m->cfg.hess_init;
    }
    m->flags |= BLR_NEEDS_SQGRAD;
    m->state = s;
    return 0;
}

static float vogn_prior(const blr_method *m)
{
    return (float)(m->cfg.prior_precision / m->cfg.n_data);
}

static float vogn_inv_tau(const blr_method *m)
{
    return (float)(m->cfg.n_data / m->cfg.temperature);
}

/* The scalars of a pass, in float like the state. */
typedef struct {
    float prior, inv_tau;  /* δ~, 1/τ~ */
    float avg;             /* 1/count */
    float b1, b1c, b2, b2c; /* β1, 1 - β1, β2, 1 - β2 */
    float step;            /* α lr_factor / (1 - β1^t) */
} vogn_coef;

/* The arguments of a pass split over threads (blr_threads_for). */
typedef struct {
    vogn_state *s;
    vogn_coef c;
    float *out;                         /* sample: θ, holding ε */
    const float *theta, *grad, *sqgrad; /* accumulate */
    int first;
} vogn_pass;

BLR_FASTMATH_INLINE void vogn_sample_block(size_t len, vogn_coef c, float *restrict theta,
                                           const float *restrict mu, const float *restrict curv)
{
    for (size_t i = 0; i < len; i++)
        theta[i] = mu[i] + gmf_sd(curv[i], c.prior, c.inv_tau) * theta[i];
}

BLR_FASTMATH_CLONES static long vogn_sample_range(void *p, size_t lo, size_t hi)
{
    const vogn_pass *a = p;
    const vogn_state *s = a->s;
    BLR_FASTMATH_FOR_BLOCKS(i, len, lo, hi,
                            vogn_sample_block(len, a->c, a->out + i, s->mu + i, s->curv + i));
    return 0;
}

/* θ = m + σ ε, σ² = τ~/(s + δ~); ε is drawn into θ itself, since accumulate needs only θ. */
static void vogn_sample(blr_method *m, int k, float *theta, blr_rng *rng)
{
    (void)k;
    vogn_pass a = {.s = m->state, .c = {.prior = vogn_prior(m), .inv_tau = vogn_inv_tau(m)},
                   .out = theta};
    blr_rng_fill_normal(rng, theta, m->n);
    blr_threads_for(m->n, vogn_sample_range, &a);
}

/* The data gradient ∇ - δ~ θ and the squared gradients. The first sample of a step assigns
 * the sums instead of adding to them; `first` is a constant in each loop of
 * vogn_accumulate_range, so both are branch-free and vectorize. */
BLR_FASTMATH_INLINE void vogn_accumulate_block(size_t len, int first, float prior,
                                               float *restrict sg, float *restrict sh,
                                               const float *restrict theta,
                                               const float *restrict grad,
                                               const float *restrict sqgrad)
{
    for (size_t i = 0; i < len; i++) {
        const float g = grad[i] - prior * theta[i];
        sg[i] = first ? g : sg[i] + g;
        sh[i] = first ? sqgrad[i] : sh[i] + sqgrad[i];
    }
}

BLR_FASTMATH_INLINE void vogn_accumulate_run(const vogn_pass *a, int first, size_t lo,
                                             size_t hi)
{
    vogn_state *s = a->s;
    BLR_FASTMATH_FOR_BLOCKS(i, len, lo, hi,
                            vogn_accumulate_block(len, first, a->c.prior, s->sg + i, s->sh + i,
                                                  a->theta + i, a->grad + i, a->sqgrad + i));
}

static long vogn_accumulate_range(void *p, size_t lo, size_t hi)
{
    const vogn_pass *a = p;
    if (a->first)
        vogn_accumulate_run(a, 1, lo, hi);
    else
        vogn_accumulate_run(a, 0, lo, hi);
    return 0;
}

static void vogn_accumulate(blr_method *m, int k, const float *theta, const float *grad,
                            const float *sqgrad)
{
    (void)k;
    vogn_state *s = m->state;
    vogn_pass a = {.s = s,
                   .c = {.prior = vogn_prior(m)},
                   .theta = theta,
                   .grad = grad,
                   .sqgrad = sqgrad,
                   .first = s->flat.count == 0};
    blr_threads_for(m->n, vogn_accumulate_range, &a);
    s->flat.count++;
}

/* Osawa et al. 2019, Algorithm 1 in docs/design.md §4's scaling — the equations of the top
 * comment: momentum with bias correction, curvature average, preconditioned mean step. */
BLR_FASTMATH_INLINE void vogn_step_block(size_t len, vogn_coef c, float *restrict mu,
                                         float *restrict curv, float *restrict mom,
                                         const float *restrict sg, const float *restrict sh)
{
    for (size_t i = 0; i < len; i++) {
        const float g = sg[i] * c.avg + c.prior * mu[i];
        mom[i] = c.b1 * mom[i] + c.b1c * g;
        curv[i] = c.b2 * curv[i] + c.b2c * sh[i] * c.avg;
        mu[i] -= c.step * mom[i] / (curv[i] + c.prior);
    }
}

BLR_FASTMATH_CLONES static long vogn_step_range(void *p, size_t lo, size_t hi)
{
    const vogn_pass *a = p;
    vogn_state *s = a->s;
    BLR_FASTMATH_FOR_BLOCKS(i, len, lo, hi,
                            vogn_step_block(len, a->c, s->mu + i, s->curv + i, s->mom + i,
                                            s->sg + i, s->sh + i));
    return 0;
}

static void vogn_step(blr_method *m, double lr_factor)
{
    vogn_state *s = m->state;
    /* no sample this step: the sums hold the last step's, and E[·] over nothing is 0 */
    if (s->flat.count == 0) {
        memset(s->sg, 0, m->n * sizeof *s->sg);
        memset(s->sh, 0, m->n * sizeof *s->sh);
    }
    s->flat.t++;
    vogn_pass a = {.s = s};
    a.c.avg = (float)(s->flat.count > 0 ? 1.0 / s->flat.count : 0.0);
    a.c.prior = vogn_prior(m);
    a.c.b1 = (float)m->cfg.beta1;
    a.c.b1c = (float)(1.0 - m->cfg.beta1);
    a.c.b2 = (float)m->cfg.beta2;
    a.c.b2c = (float)(1.0 - m->cfg.beta2);
    a.c.step = (float)(m->cfg.lr * lr_factor / (1.0 - pow(m->cfg.beta1, (double)s->flat.t)));
    blr_threads_for(m->n, vogn_step_range, &a);
    s->flat.count = 0;
}

static void vogn_mean(const blr_method *m, float *theta)
{
    const vogn_state *s = m->state;
    memcpy(theta, s->mu, m->n * sizeof *theta);
}

static void vogn_posterior(const blr_method *m, float *mean, float *sd)
{
    const vogn_state *s = m->state;
    gmf_posterior(m->n, s->mu, s->curv, vogn_prior(m), vogn_inv_tau(m), mean, sd);
}

static double vogn_entropy(const blr_method *m)
{
    const vogn_state *s = m->state;
    return gmf_entropy(m->n, s->curv, m->cfg.prior_precision / m->cfg.n_data,
                       m->cfg.n_data / m->cfg.temperature);
}

const blr_method_ops blr_baseline_vogn_ops = {
    .name = "vogn",
    .summary = "VOGN (Osawa et al. 2019): Adam-like variational online Gauss-Newton",
    .flags = BLR_NO_BASE | BLR_NEEDS_SQGRAD,
    .uses = BLR_USES(lr) | BLR_USES(beta1) | BLR_USES(beta2) | BLR_USES(hess_init),
    .init = vogn_init,
    .sample = vogn_sample,
    .accumulate = vogn_accumulate,
    .step = vogn_step,
    .mean = vogn_mean,
    .posterior = vogn_posterior,
    .entropy = vogn_entropy,
    .save = blr_method_flat_save,
    .load = blr_method_flat_load,
    .free = blr_method_flat_free,
};
