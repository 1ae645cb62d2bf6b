/* `bbb`: Bayes by backprop (Blundell et al. 2015, §3.2) — q = N(μ, diag σ²) with
 * σ = softplus(ρ), reparameterized θ = μ + σ ⊙ ε, ε ~ N(0, I), and Adam (Kingma & Ba 2015)
 * on the concatenated vector (μ, ρ) of length 2P with one step count.
 *
 * It minimizes the objective of docs/design.md §2, L = E_q[lbar] - τ~ H(q) (Blundell et al.'s
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
#include "rule.h"
#include "fastmath.h"
#include "threads.h"

/* Saved arrays come first in buf: μ, ρ (the 2P vector Adam moves), m, v (2P each); then σ
 * (a cache of softplus(ρ)), the scratch sums and the mc slots of ε. */
enum { SAVED_ARRAYS = 6, SCRATCH_ARRAYS = 3 };

typedef struct {
    blr_method_flat flat; /* buf, count, t (lib/method/rule.h) */
    float *mu, *rho; /* q's parameters; rho = mu + n, so (μ, ρ) is one 2P vector */
    float *m, *v;    /* Adam's moments over (μ, ρ) */
    float *sigma;    /* softplus(ρ) */
    float *sg, *sge; /* Σ ∇ and Σ ∇ ⊙ ε over this step's samples */
    float *eps;      /* slot 0 of the ε drawn by sample */
} bbb_state;

/* log(1 + y) for y in [0, 1], as 2 atanh(s) with s = y/(2 + y) in [0, 1/3]: no 1 + y
 * rounds away a small y, and the odd series 2 (s + s³/3 + ... + s¹³/13) stops where the
 * first omitted term, s¹⁴/15 relative, is below 1.4e-8 (a quarter of float's rounding unit).
 * Branch-free float arithmetic, so the loops over it vectorize (lib/prob/fastmath.h has exp but no
 * log). */
BLR_FASTMATH_INLINE float bbb_log1p_unit(float y)
{
    const float s = y / (2.0f + y), s2 = s * s;
    float p = 1.0f / 13.0f;
    p = p * s2 + 1.0f / 11.0f;
    p = p * s2 + 1.0f / 9.0f;
    p = p * s2 + 1.0f / 7.0f;
    p = p * s2 + 1.0f / 5.0f;
    p = p * s2 + 1.0f / 3.0f;
    return 2.0f * s + (2.0f * s) * (s2 * p);
}

/* softplus(x) = log(1 + e^x) = max(x, 0) + log(1 + e^-|x|): e^-|x| <= 1 never overflows.
 * A NaN ρ stays NaN, so a diverged run shows as diverged. */
BLR_FASTMATH_INLINE float bbb_softplus(float x)
{
    const float e = blr_fastmath_exp(-blr_fastmath_from_bits(blr_fastmath_bits(x) & 0x7fffffffu));
    return blr_fastmath_select(x > 0.0f, x, 0.0f) + bbb_log1p_unit(e);
}

/* softplus'(x) = sigmoid(x) = 1/(1 + e^-x) for x >= 0 and e^x/(1 + e^x) below, again with
 * e = e^-|x| <= 1. */
BLR_FASTMATH_INLINE float bbb_sigmoid(float x)
{
    const float e = blr_fastmath_exp(-blr_fastmath_from_bits(blr_fastmath_bits(x) & 0x7fffffffu));
    return blr_fastmath_select(x >= 0.0f, 1.0f, e) / (1.0f + e);
}

/* softplus⁻¹(s) = log(e^s - 1) = s + log(1 - e^-s): no overflow for large s, and expm1
 * keeps the precision for small s. */
static double bbb_softplus_inv(double s)
{
    return s + log(-expm1(-s));
}

BLR_FASTMATH_INLINE void bbb_sigma_block(size_t len, float *restrict sigma,
                                         const float *restrict rho)
{
    for (size_t i = 0; i < len; i++)
        sigma[i] = bbb_softplus(rho[i]);
}

BLR_FASTMATH_CLONES static void bbb_refresh_sigma(bbb_state *s, size_t n)
{
    BLR_FASTMATH_FOR_BLOCKS(i, len, 0, n, bbb_sigma_block(len, s->sigma + i, s->rho + i));
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
    bbb_state *s = blr_method_flat_new(m, sizeof *s, SAVED_ARRAYS + SCRATCH_ARRAYS + m->cfg.mc,
                                       SAVED_ARRAYS, err, errlen);
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

/* θ = μ + σ ⊙ ε (the reparameterization, Blundell et al. §3.2 step 2) — the diagonal affine
 * group's action with A = σ, b = μ — in the pass after the draw. */
static void bbb_sample(blr_method *m, int k, float *theta, blr_rng *rng)
{
    bbb_state *s = m->state;
    float *eps = s->eps + (size_t)k * m->n;
    blr_rng_fill_normal(rng, eps, m->n);
    blr_method_affine_act(m->n, s->sigma, s->mu, eps, theta);
}

/* One sample's terms ∇ and ∇ ⊙ ε. */
static void bbb_accumulate(blr_method *m, int k, const float *theta, const float *grad,
                           const float *sqgrad)
{
    (void)theta;
    (void)sqgrad;
    bbb_state *s = m->state;
    blr_method_sum_gradient_xi(&s->flat, s->sg, s->sge, grad, s->eps + (size_t)k * m->n, m->n);
}

/* The scalars of one step, in float like the state they update. */
typedef struct {
    blr_adam_coef adam;
    float avg; /* 1/count */
    float tau; /* τ~ = τ/N */
} bbb_coef;

/* The reparameterized gradients of L = E_q[lbar] - τ~ Σ log σ (Blundell et al. §3.2
 * steps 4-5, with the entropy in closed form):
 *   ∇_μ L = E[∇],   ∇_ρ L = (E[∇ ⊙ ε] - τ~/σ) ⊙ sigmoid(ρ)   (dσ/dρ = sigmoid(ρ)),
 * then one Adam step (Algorithm 1, blr_adam_delta) on (μ, ρ), and σ follows ρ. */
BLR_FASTMATH_INLINE void bbb_step_block(size_t len, bbb_coef c, float *restrict mu,
                                        float *restrict rho, float *restrict m_mu,
                                        float *restrict m_rho, float *restrict v_mu,
                                        float *restrict v_rho, float *restrict sigma,
                                        const float *restrict sg, const float *restrict sge)
{
    for (size_t i = 0; i < len; i++) {
        const float g_mu = sg[i] * c.avg;
        const float g_rho = (sge[i] * c.avg - c.tau / sigma[i]) * bbb_sigmoid(rho[i]);
        mu[i] -= blr_adam_delta(c.adam, &m_mu[i], &v_mu[i], g_mu);
        rho[i] -= blr_adam_delta(c.adam, &m_rho[i], &v_rho[i], g_rho);
        sigma[i] = bbb_softplus(rho[i]);
    }
}

typedef struct {
    bbb_state *s;
    bbb_coef c;
    size_t n; /* P: ρ's moments follow μ's in m and v */
} bbb_step_pass;

BLR_FASTMATH_CLONES static long bbb_step_range(void *p, size_t lo, size_t hi)
{
    const bbb_step_pass *a = p;
    bbb_state *s = a->s;
    float *mr = s->m + a->n, *vr = s->v + a->n;
    BLR_FASTMATH_FOR_BLOCKS(i, len, lo, hi,
                            bbb_step_block(len, a->c, s->mu + i, s->rho + i, s->m + i, mr + i,
                                           s->v + i, vr + i, s->sigma + i, s->sg + i, s->sge + i));
    return 0;
}

static void bbb_step(blr_method *m, double lr_factor)
{
    bbb_state *s = m->state;
    size_t n = m->n;
    /* no sample this step: the sums hold the last step's, and E[·] over nothing is 0 */
    if (s->flat.count == 0) {
        memset(s->sg, 0, n * sizeof *s->sg);
        memset(s->sge, 0, n * sizeof *s->sge);
    }
    s->flat.t++;
    bbb_step_pass a = {.s = s, .n = n};
    a.c.adam = blr_adam_coef_at(&m->cfg, lr_factor, s->flat.t);
    a.c.avg = (float)(s->flat.count > 0 ? 1.0 / s->flat.count : 0.0);
    a.c.tau = (float)(m->cfg.temperature / m->cfg.n_data);
    blr_threads_for(n, bbb_step_range, &a);
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
    .uses = BLR_USES(lr) | BLR_USES(beta1) | BLR_USES(beta2) | BLR_USES(eps) |
            BLR_USES(init_sd),
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
