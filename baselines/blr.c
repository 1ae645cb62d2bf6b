/* The classic Bayesian learning rule for a diagonal Gaussian q = N(m, diag 1/S) — variational
 * online Newton (Khan & Rue 2021, "The Bayesian learning rule": the rule in the Gaussian's
 * natural parameters with a diagonal precision), in the scaling of docs/design.md §2/§4:
 *
 *     S <- (1-ρ) S + ρ ĥ/τ~,    m <- m - ρ ĝ/(τ~ S),    ρ = lr · lr_factor,
 *
 * ĝ = E_q[∇lbar] and ĥ ≈ E_q[∇²lbar] (diagonal), both including the prior δ~. On a
 * quadratic lbar with Hessian h its fixed point is E[ĝ] = 0 (m = the minimizer) and
 * S = h_ii/τ~: the mean-field optimum of L(q) = E_q[lbar] - τ~ H(q).
 *
 * Hessian estimate (cfg.hessian):
 *   price (default): ĥ = ∇ ⊙ ε/σ with θ = m + σ ⊙ ε, σ = S^-1/2 — Price's / Stein's identity
 *       E[∇ ε/σ] = E[∇²lbar]; unbiased but not positive, so S can turn non-positive.
 *   ggn: ĥ = sq + δ~, sq the batch mean of per-example squared data gradients
 *       (BLR_NEEDS_SQGRAD); the prior's curvature δ~ is added exactly. With per-example
 *       squared gradients this is the empirical Fisher, which equals the GGN only in
 *       expectation near an optimum (see vogn.c).
 * Each estimate is averaged over the step's mc samples.
 *
 * Choices a reviewer should know:
 *   - Initial precision S0 = hess_init/τ~: hess_init is read as an initial curvature of lbar,
 *     so σ0 = sqrt(τ~/hess_init) is the posterior sd of a quadratic with that curvature
 *     (the fixed point above). Default hess_init = 1.
 *   - ρ must be <= 1 (checked in init): the S update is then a convex combination of the
 *     old precision and the new estimate, as in the paper; lr_factor <= 1 keeps it so.
 *   - Repair: when the update leaves some S_i non-positive or non-finite (Price's estimate
 *     of a negative curvature, or a very large ρ ĥ), that coordinate keeps its previous S_i
 *     and counts once in m->invalid_updates; the mean step then uses the kept S_i. This is
 *     the failure the Lie-group rules avoid by construction (docs/design.md §3.7).
 *   - The mean step uses the new (repaired) S, as in Khan & Rue's natural-gradient step.
 * Defaults relied on (blr_method_cfg_defaults): lr 0.1, hess_init 1, hessian price, mc 1;
 * beta1/beta2 are not used. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rule.h"
#include "gauss_meanfield.h"
#include "threads.h"

/* Saved arrays first in buf: m, S; then the scratch sums and the mc slots of z. */
enum { SAVED_ARRAYS = 2, SCRATCH_SUMS = 2 };

typedef struct {
    blr_method_flat flat; /* buf, count, t (lib/method/rule.h) */
    float *mu, *prec; /* q = N(mu, 1/prec) */
    float *sg, *sh;   /* Σ ∇ and Σ (per-sample curvature estimate) over this step's samples */
    float *z;         /* slot 0 of the draws' ε/σ = (θ - m) S, the Price weight */
} vb_state;

static int vb_init(blr_method *m, const float *w0, const float *w1, char *err, size_t errlen)
{
    (void)w1;
    if (m->cfg.lr > 1.0) {
        snprintf(err, errlen,
                 "lr must be <= 1 for rule '%s': rho = lr * lr_factor weights a convex "
                 "combination of precisions (got %g)", m->ops->name, m->cfg.lr);
        return -1;
    }
    if (gmf_init_base(m, err, errlen) != 0)
        return -1;
    vb_state *s = blr_method_flat_new(m, sizeof *s, SAVED_ARRAYS + SCRATCH_SUMS + m->cfg.mc,
                                      SAVED_ARRAYS, err, errlen);
    if (!s)
        return -1;
    size_t n = m->n;
    s->mu = s->flat.buf;
    s->prec = s->flat.buf + n;
    s->sg = s->flat.buf + 2 * n;
    s->sh = s->flat.buf + 3 * n;
    s->z = s->flat.buf + 4 * n;
    const float s0 = (float)(m->cfg.hess_init / (m->cfg.temperature / m->cfg.n_data));
    for (size_t i = 0; i < n; i++) {
        s->mu[i] = w0[i];
        s->prec[i] = s0;
    }
    if (m->cfg.hessian == BLR_HESSIAN_GGN)
        m->flags |= BLR_NEEDS_SQGRAD;
    m->state = s;
    return 0;
}

/* The scalars of the step, in float like the state. */
typedef struct {
    float avg;     /* 1/count */
    float rho;     /* ρ = lr lr_factor */
    float keep;    /* 1 - ρ */
    float rho_tau; /* ρ/τ~ */
    float inv_tau; /* 1/τ~ */
    float h_add;   /* δ~ for the Gauss-Newton estimate (its prior curvature), else 0 */
} vb_coef;

/* The arguments of a pass split over threads (blr_threads_for). */
typedef struct {
    vb_state *s;
    vb_coef c;
    float *out;                  /* sample: θ */
    const float *grad, *sqgrad;  /* accumulate */
    float *z;                    /* this sample's slot of z */
    int first;
} vb_pass;

BLR_FASTMATH_INLINE void vb_sample_block(size_t len, float *restrict theta, float *restrict z,
                                         const float *restrict mu, const float *restrict prec)
{
    for (size_t i = 0; i < len; i++) {
        const float r = sqrtf(prec[i]);
        theta[i] = mu[i] + z[i] / r;
        z[i] *= r;
    }
}

BLR_FASTMATH_CLONES static long vb_sample_range(void *p, size_t lo, size_t hi)
{
    const vb_pass *a = p;
    const vb_state *s = a->s;
    BLR_FASTMATH_FOR_BLOCKS(i, len, lo, hi,
                            vb_sample_block(len, a->out + i, a->z + i, s->mu + i, s->prec + i));
    return 0;
}

/* θ = m + ε/sqrt(S); z keeps ε sqrt(S) = ε/σ for Price's estimate. */
static void vb_sample(blr_method *m, int k, float *theta, blr_rng *rng)
{
    vb_state *s = m->state;
    vb_pass a = {.s = s, .out = theta, .z = s->z + (size_t)k * m->n};
    blr_rng_fill_normal(rng, a.z, m->n);
    blr_threads_for(m->n, vb_sample_range, &a);
}

/* ∇, and the curvature estimate: Price's ∇ ⊙ z or the Gauss-Newton squares. The first
 * sample of a step assigns the sums instead of adding to them; `first` and `price` are
 * constants in each loop of vb_accumulate_range, so all are branch-free and vectorize. */
BLR_FASTMATH_INLINE void vb_accumulate_block(size_t len, int first, int price,
                                             float *restrict sg, float *restrict sh,
                                             const float *restrict grad,
                                             const float *restrict z,
                                             const float *restrict sqgrad)
{
    for (size_t i = 0; i < len; i++) {
        const float h = price ? grad[i] * z[i] : sqgrad[i];
        sg[i] = first ? grad[i] : sg[i] + grad[i];
        sh[i] = first ? h : sh[i] + h;
    }
}

BLR_FASTMATH_INLINE void vb_accumulate_run(const vb_pass *a, int first, int price, size_t lo,
                                           size_t hi)
{
    vb_state *s = a->s;
    BLR_FASTMATH_FOR_BLOCKS(i, len, lo, hi,
                            vb_accumulate_block(len, first, price, s->sg + i, s->sh + i,
                                                a->grad + i, price ? a->z + i : NULL,
                                                price ? NULL : a->sqgrad + i));
}

static long vb_accumulate_range(void *p, size_t lo, size_t hi)
{
    const vb_pass *a = p;
    const int price = a->sqgrad == NULL;
    if (a->first && price)
        vb_accumulate_run(a, 1, 1, lo, hi);
    else if (a->first)
        vb_accumulate_run(a, 1, 0, lo, hi);
    else if (price)
        vb_accumulate_run(a, 0, 1, lo, hi);
    else
        vb_accumulate_run(a, 0, 0, lo, hi);
    return 0;
}

static void vb_accumulate(blr_method *m, int k, const float *theta, const float *grad,
                          const float *sqgrad)
{
    (void)theta;
    vb_state *s = m->state;
    vb_pass a = {.s = s,
                 .grad = grad,
                 .sqgrad = m->cfg.hessian == BLR_HESSIAN_PRICE ? NULL : sqgrad,
                 .z = s->z + (size_t)k * m->n,
                 .first = s->flat.count == 0};
    blr_threads_for(m->n, vb_accumulate_range, &a);
    s->flat.count++;
}

/* Khan & Rue 2021's variational online Newton for the diagonal Gaussian, in docs/design.md §4's
 * scaling (the objective divided by τ~, so the loss is lbar/τ~):
 * S <- (1-ρ) S + ρ ĥ/τ~ (repaired as in the top comment), m <- m - ρ ĝ/(τ~ S). */
/* The repair count is an int, so the loop's count stays a vectorizable reduction. */
BLR_FASTMATH_INLINE int vb_step_block(size_t len, vb_coef c, float *restrict mu,
                                      float *restrict prec, const float *restrict sg,
                                      const float *restrict sh)
{
    int invalid = 0;
    for (size_t i = 0; i < len; i++) {
        const float h = sh[i] * c.avg + c.h_add;
        const float old = prec[i], p = c.keep * old + c.rho_tau * h;
        const int bad = !(p > 0.0f) | (p > FLT_MAX);
        invalid += bad;
        const float kept = blr_fastmath_select(bad, old, p);
        prec[i] = kept;
        mu[i] -= c.rho * sg[i] * c.avg * c.inv_tau / kept;
    }
    return invalid;
}

BLR_FASTMATH_CLONES static long vb_step_range(void *p, size_t lo, size_t hi)
{
    const vb_pass *a = p;
    vb_state *s = a->s;
    long invalid = 0;
    BLR_FASTMATH_FOR_BLOCKS(i, len, lo, hi,
                            invalid += vb_step_block(len, a->c, s->mu + i, s->prec + i, s->sg + i,
                                                     s->sh + i));
    return invalid;
}

static void vb_step(blr_method *m, double lr_factor)
{
    vb_state *s = m->state;
    /* no sample this step: the sums hold the last step's, and E[·] over nothing is 0 */
    if (s->flat.count == 0) {
        memset(s->sg, 0, m->n * sizeof *s->sg);
        memset(s->sh, 0, m->n * sizeof *s->sh);
    }
    const double tau = m->cfg.temperature / m->cfg.n_data;
    vb_pass a = {.s = s};
    a.c.avg = (float)(s->flat.count > 0 ? 1.0 / s->flat.count : 0.0);
    a.c.rho = (float)(m->cfg.lr * lr_factor);
    a.c.keep = 1.0f - a.c.rho;
    a.c.rho_tau = (float)(m->cfg.lr * lr_factor / tau);
    a.c.inv_tau = (float)(1.0 / tau);
    a.c.h_add = (float)(m->cfg.hessian == BLR_HESSIAN_GGN ? m->cfg.prior_precision / m->cfg.n_data
                                                          : 0.0);
    m->invalid_updates += blr_threads_for(m->n, vb_step_range, &a);
    s->flat.count = 0;
}

static void vb_mean(const blr_method *m, float *theta)
{
    const vb_state *s = m->state;
    memcpy(theta, s->mu, m->n * sizeof *theta);
}

static void vb_posterior(const blr_method *m, float *mean, float *sd)
{
    const vb_state *s = m->state;
    gmf_posterior(m->n, s->mu, s->prec, 0.0f, 1.0f, mean, sd);
}

static double vb_entropy(const blr_method *m)
{
    const vb_state *s = m->state;
    return gmf_entropy(m->n, s->prec, 0.0, 1.0);
}

const blr_method_ops blr_baseline_blr_ops = {
    .name = "blr",
    .summary = "classic Bayesian learning rule / variational online Newton, diagonal Gaussian",
    .flags = BLR_NO_BASE,
    .uses = BLR_USES(lr) | BLR_USES(hess_init) | BLR_USES(hessian),
    .init = vb_init,
    .sample = vb_sample,
    .accumulate = vb_accumulate,
    .step = vb_step,
    .mean = vb_mean,
    .posterior = vb_posterior,
    .entropy = vb_entropy,
    .save = blr_method_flat_save,
    .load = blr_method_flat_load,
    .free = blr_method_flat_free,
};
