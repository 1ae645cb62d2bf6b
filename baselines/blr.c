/* The classic Bayesian learning rule for a diagonal Gaussian q = N(m, diag 1/S) — variational
 * online Newton (Khan & Rue 2021, "The Bayesian learning rule": the rule in the Gaussian's
 * natural parameters with a diagonal precision), in the scaling of DESIGN §2/§4:
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
 *     the failure the Lie-group rules avoid by construction (DESIGN §4).
 *   - The mean step uses the new (repaired) S, as in Khan & Rue's natural-gradient step.
 * Defaults relied on (blr_method_cfg_defaults): lr 0.1, hess_init 1, hessian price, mc 1;
 * beta1/beta2 are not used. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "baselines.h"
#include "gauss_meanfield.h"

/* Saved arrays first in buf: m, S; then the scratch sums and the mc slots of z. */
enum { SAVED_ARRAYS = 2, SCRATCH_SUMS = 2 };

typedef struct {
    blr_method_flat flat; /* buf, count, t (lib/rule.h) */
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

/* θ = m + ε/sqrt(S); z keeps ε sqrt(S) = ε/σ for Price's estimate. */
static void vb_sample(blr_method *m, int k, float *theta, blr_rng *rng)
{
    vb_state *s = m->state;
    float *z = s->z + (size_t)k * m->n;
    blr_rng_fill_normal(rng, z, m->n);
    for (size_t i = 0; i < m->n; i++) {
        const float r = sqrtf(s->prec[i]);
        theta[i] = s->mu[i] + z[i] / r;
        z[i] *= r;
    }
}

static void vb_accumulate(blr_method *m, int k, const float *theta, const float *grad,
                          const float *sqgrad)
{
    (void)theta;
    vb_state *s = m->state;
    const float *z = s->z + (size_t)k * m->n;
    const int price = m->cfg.hessian == BLR_HESSIAN_PRICE;
    for (size_t i = 0; i < m->n; i++) {
        s->sg[i] += grad[i];
        s->sh[i] += price ? grad[i] * z[i] : sqgrad[i];
    }
    s->flat.count++;
}

/* Khan & Rue 2021's variational online Newton for the diagonal Gaussian, in DESIGN §4's
 * scaling (the objective divided by τ~, so the loss is lbar/τ~):
 * S <- (1-ρ) S + ρ ĥ/τ~ (repaired as in the top comment), m <- m - ρ ĝ/(τ~ S). */
static void vb_step(blr_method *m, double lr_factor)
{
    vb_state *s = m->state;
    const double tau = m->cfg.temperature / m->cfg.n_data;
    const float avg = (float)(s->flat.count > 0 ? 1.0 / s->flat.count : 0.0);
    const float rho = (float)(m->cfg.lr * lr_factor);
    const float keep = 1.0f - rho;
    const float rho_tau = (float)(m->cfg.lr * lr_factor / tau);
    const float inv_tau = (float)(1.0 / tau);
    const float h_add = (float)(m->cfg.hessian == BLR_HESSIAN_GGN
                                    ? m->cfg.prior_precision / m->cfg.n_data : 0.0);
    long invalid = 0;
    for (size_t i = 0; i < m->n; i++) {
        const float h = s->sh[i] * avg + h_add;
        float prec = keep * s->prec[i] + rho_tau * h;
        if (!(prec > 0.0f && prec <= FLT_MAX)) {
            prec = s->prec[i];
            invalid++;
        }
        s->prec[i] = prec;
        s->mu[i] -= rho * s->sg[i] * avg * inv_tau / prec;
        s->sg[i] = s->sh[i] = 0.0f;
    }
    m->invalid_updates += invalid;
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
