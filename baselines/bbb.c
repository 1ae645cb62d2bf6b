/* `bbb`: Bayes by backprop (Blundell et al. 2015, §3.2) — q = N(μ, diag σ²) with
 * σ = softplus(ρ), reparameterized θ = μ + σ ⊙ ε, ε ~ N(0, I), and Adam (Kingma & Ba 2015)
 * on the concatenated vector (μ, ρ) of length 2P with one step count.
 *
 * It minimizes the objective of DESIGN §2, L = E_q[lbar] - τ~ H(q) (Blundell et al.'s
 * KL(q‖prior) - E_q[log p(D|θ)], divided by N/τ: the Gaussian prior is inside lbar as
 * δ~ θ, and the closed-form entropy Σ log σ + const replaces the sampled log q).
 *
 * Hyperparameters (blr_method_cfg, defaults of blr_method_cfg_defaults): lr α [0.1], beta1
 * [0.9], beta2 [0.999], eps [1e-8], init_sd σ0 [1e-3], mc [1]; temperature τ and n_data N
 * give τ~ = τ/N. μ starts at w0, σ at init_sd. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "adam_moments.h"
#include "baselines.h"

/* Saved arrays come first in buf: μ, ρ (the 2P vector Adam moves), m, v (2P each); then σ
 * (a cache of softplus(ρ)), the scratch sums and ε. */
enum { SAVED_ARRAYS = 6, ALL_ARRAYS = 10 };

typedef struct {
    blr_method_flat flat; /* buf, count, t (lib/rule.h) */
    float *mu, *rho; /* q's parameters; rho = mu + n, so (μ, ρ) is one 2P vector */
    float *m, *v;    /* Adam's moments over (μ, ρ) */
    float *sigma;    /* softplus(ρ) */
    float *sg, *sge; /* Σ ∇ and Σ ∇ ⊙ ε over this step's samples */
    float *eps;      /* the last ε drawn */
} bbb_state;

/* softplus(x) = log(1 + e^x), without overflow for large x. */
static float bbb_softplus(float x)
{
    return x > 0.0f ? x + log1pf(expf(-x)) : log1pf(expf(x));
}

/* softplus'(x) = 1/(1 + e^-x), without overflow for very negative x. */
static float bbb_sigmoid(float x)
{
    if (x >= 0.0f)
        return 1.0f / (1.0f + expf(-x));
    const float e = expf(x);
    return e / (1.0f + e);
}

/* softplus⁻¹(s) = log(e^s - 1) = s + log(1 - e^-s): no overflow for large s, and expm1
 * keeps the precision for small s. */
static double bbb_softplus_inv(double s)
{
    return s + log(-expm1(-s));
}

static void bbb_refresh_sigma(bbb_state *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        s->sigma[i] = bbb_softplus(s->rho[i]);
}

static int bbb_init(blr_method *m, const float *w0, const float *w1, char *err, size_t errlen)
{
    (void)w1;
    if (blr_adam_check(m, err, errlen) != 0)
        return -1;
    const float rho0 = (float)bbb_softplus_inv(m->cfg.init_sd);
    const float sd0 = bbb_softplus(rho0);
    if (!isfinite(rho0) || !(sd0 > 0.0f) || !isfinite(sd0)) {
        snprintf(err, errlen, "%s: init_sd %g is outside float32's range", m->ops->name,
                 m->cfg.init_sd);
        return -1;
    }
    bbb_state *s = blr_method_flat_new(m, sizeof *s, ALL_ARRAYS, SAVED_ARRAYS, err, errlen);
    if (!s)
        return -1;
    size_t n = m->n;
    /* the family reported in runs.csv's base column */
    if (blr_base_init(&m->cfg.base, BLR_BASE_GAUSSIAN, 0, 1, err, errlen) != 0) {
        blr_method_flat_free(m);
        return -1;
    }
    float *p = s->flat.buf;
    s->mu = p;
    s->rho = p + n;
    s->m = p + 2 * n;
    s->v = p + 4 * n;
    s->sigma = p + 6 * n;
    s->sg = p + 7 * n;
    s->sge = p + 8 * n;
    s->eps = p + 9 * n;
    for (size_t i = 0; i < n; i++) {
        s->mu[i] = w0[i];
        s->rho[i] = rho0;
    }
    bbb_refresh_sigma(s, n);
    m->state = s;
    return 0;
}

/* θ = μ + σ ⊙ ε (the reparameterization, Blundell et al. §3.2 step 2). */
static void bbb_sample(blr_method *m, float *theta, blr_rng *rng)
{
    bbb_state *s = m->state;
    blr_rng_fill_normal(rng, s->eps, m->n);
    for (size_t i = 0; i < m->n; i++)
        theta[i] = s->mu[i] + s->sigma[i] * s->eps[i];
}

static void bbb_accumulate(blr_method *m, const float *theta, const float *grad,
                           const float *sqgrad)
{
    (void)theta;
    (void)sqgrad;
    bbb_state *s = m->state;
    for (size_t i = 0; i < m->n; i++) {
        s->sg[i] += grad[i];
        s->sge[i] += grad[i] * s->eps[i];
    }
    s->flat.count++;
}

/* The reparameterized gradients of L = E_q[lbar] - τ~ Σ log σ (Blundell et al. §3.2
 * steps 4-5, with the entropy in closed form):
 *   ∇_μ L = E[∇],   ∇_ρ L = (E[∇ ⊙ ε] - τ~/σ) ⊙ sigmoid(ρ)   (dσ/dρ = sigmoid(ρ)),
 * then one Adam step (Algorithm 1, blr_adam_delta) on (μ, ρ), and σ follows ρ. */
static void bbb_step(blr_method *m, double lr_factor)
{
    bbb_state *s = m->state;
    size_t n = m->n;
    s->flat.t++;
    const blr_adam_coef c = blr_adam_coef_at(&m->cfg, lr_factor, s->flat.t);
    const float avg = (float)(s->flat.count > 0 ? 1.0 / s->flat.count : 0.0);
    const float tau = (float)(m->cfg.temperature / m->cfg.n_data);
    for (size_t i = 0; i < n; i++) {
        const float g_mu = s->sg[i] * avg;
        const float g_rho = (s->sge[i] * avg - tau / s->sigma[i]) * bbb_sigmoid(s->rho[i]);
        s->mu[i] -= blr_adam_delta(c, &s->m[i], &s->v[i], g_mu);
        s->rho[i] -= blr_adam_delta(c, &s->m[n + i], &s->v[n + i], g_rho);
        s->sigma[i] = bbb_softplus(s->rho[i]);
        s->sg[i] = s->sge[i] = 0.0f;
    }
    s->flat.count = 0;
}

static void bbb_mean(const blr_method *m, float *theta)
{
    const bbb_state *s = m->state;
    memcpy(theta, s->mu, m->n * sizeof(float));
}

static void bbb_posterior(const blr_method *m, float *mean, float *sd)
{
    const bbb_state *s = m->state;
    memcpy(mean, s->mu, m->n * sizeof(float));
    memcpy(sd, s->sigma, m->n * sizeof(float));
}

/* H(N(μ, diag σ²)) = Σ ½ log(2πe σ²) = Σ log σ + P ½ log(2πe). */
static double bbb_entropy(const blr_method *m)
{
    const bbb_state *s = m->state;
    double sum = 0.0;
    for (size_t i = 0; i < m->n; i++)
        sum += log(s->sigma[i]);
    return sum + 0.5 * (double)m->n * log(2.0 * 3.14159265358979323846 * exp(1.0));
}

/* σ is a cache of softplus(ρ): recompute it after a load. */
static int bbb_load(blr_method *m, FILE *f)
{
    if (blr_method_flat_load(m, f) != 0)
        return -1;
    bbb_refresh_sigma(m->state, m->n);
    return 0;
}

const blr_method_ops blr_baseline_bbb_ops = {
    .name = "bbb",
    .summary = "Bayes by backprop (Blundell et al. 2015): N(mu, softplus(rho)^2), Adam",
    .flags = BLR_NO_BASE,
    .init = bbb_init,
    .sample = bbb_sample,
    .accumulate = bbb_accumulate,
    .step = bbb_step,
    .mean = bbb_mean,
    .posterior = bbb_posterior,
    .entropy = bbb_entropy,
    .save = blr_method_flat_save,
    .load = bbb_load,
    .free = blr_method_flat_free,
};
