/* IVON — improved variational online Newton (Shen et al. 2024, "Variational learning is
 * effective for large deep networks", Algorithm 1; docs/design.md §4): q = N(m, σ²) per coordinate,
 * σ = 1/sqrt(λ(h + δ)), with the Price Hessian estimate, the h-update that keeps the posterior
 * precision positive, and bias-corrected momentum.
 *
 * In the objective of docs/design.md §2 the paper's effective sample size is λ = N/τ = n_data /
 * temperature and its weight decay δ = δ~ = prior_precision / n_data. Hyperparameters read:
 * lr (α) [0.1], beta1 [0.9], beta2 [0.999; the paper uses 0.99999 with many steps],
 * hess_init (h0) [1], clip_radius [0 = off], mc [1], temperature, prior_precision, n_data.
 * Only the price Hessian estimate is implemented, so `hessian` is not in `.uses` (ggn is
 * refused); `base`, lr2, eps and init_sd are not read either.
 *
 * Two choices a reviewer should know:
 * - The step size is rescaled as α_t <- (h0 + δ) α_t, the "optional" line of Algorithm 1 that
 *   the authors' code applies by default: a step then starts at the size of an SGD step of
 *   rate α (since h ≈ h0 early on), so lr ranges are comparable across methods.
 * - The state keeps s = h + δ rather than h. The paper's h-update is, in s,
 *   s <- ½ s (1 + (1 + x)²), x = (1 - β2)(ĥ - h)/s (the same polynomial, expanded), which is
 *   positive term by term in floating point too. It guarantees s = h + δ > 0 — h itself can
 *   dip below 0 (to no less than (h - δ)/2) when h < δ, as the published update allows.
 *   An s that leaves [2^-40, 2^40] is saturated there and counted in invalid_updates, as the
 *   Lie-group rules' scales are (blr_group_positive_clamp). */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rule.h"
#include "gauss_meanfield.h"
#include "group.h"
#include "threads.h"

/* Saved arrays come first in buf: m, s, g; then the scratch sums and the mc slots of ε. */
enum { SAVED_ARRAYS = 3, SCRATCH_SUMS = 2 };

typedef struct {
    blr_method_flat flat; /* buf, count, t (lib/method/rule.h) */
    float *m;      /* posterior mean */
    float *s;      /* h + δ: the posterior precision divided by λ */
    float *g;      /* momentum of the data gradient (not bias-corrected) */
    float *sum_g;  /* Σ ĝ over this step's samples, ĝ = ∇ - δ θ the data gradient */
    float *sum_ge; /* Σ ĝ ⊙ ε, ε = (θ - m)/σ the last standardized draw */
    float *eps;    /* slot 0 of the ε drawn by sample */
    double lambda; /* λ = N/τ */
    double delta;  /* δ = δ~ */
} ivon_state;

static int ivon_check(const blr_method_cfg *cfg, char *err, size_t errlen)
{
    if (cfg->hessian != BLR_HESSIAN_PRICE) {
        snprintf(err, errlen, "hessian: ivon implements only the price estimate");
        return -1;
    }
    const double lambda = cfg->n_data / cfg->temperature;
    const double s0 = cfg->hess_init + cfg->prior_precision / cfg->n_data;
    const double sd0 = 1.0 / sqrt(lambda * s0);
    if (!(isfinite(lambda) && s0 >= BLR_GROUP_POSITIVE_MIN && s0 <= BLR_GROUP_POSITIVE_MAX &&
          sd0 > 0.0 && sd0 < BLR_GROUP_POSITIVE_MAX)) {
        snprintf(err, errlen,
                 "hess_init: ivon's initial h + delta = hess_init + prior_precision/n_data = %g "
                 "(ess = n_data/temperature = %g, initial sd %g) is outside [2^-40, 2^40]",
                 s0, lambda, sd0);
        return -1;
    }
    return 0;
}

static int ivon_init(blr_method *m, const float *w0, const float *w1, char *err, size_t errlen)
{
    (void)w1;
    if (ivon_check(&m->cfg, err, errlen) != 0 || gmf_init_base(m, err, errlen) != 0)
        return -1;
    ivon_state *s = blr_method_flat_new(m, sizeof *s, SAVED_ARRAYS + SCRATCH_SUMS + m->cfg.mc,
                                        SAVED_ARRAYS, err, errlen);
    if (!s)
        return -1;
    const size_t n = m->n;
    s->m = s->flat.buf;
    s->s = s->flat.buf + n;
    s->g = s->flat.buf + 2 * n;
    s->sum_g = s->flat.buf + 3 * n;
    s->sum_ge = s->flat.buf + 4 * n;
    s->eps = s->flat.buf + 5 * n;
    s->lambda = m->cfg.n_data / m->cfg.temperature;
    s->delta = m->cfg.prior_precision / m->cfg.n_data;
    const float s0 = (float)(m->cfg.hess_init + s->delta);
    for (size_t i = 0; i < n; i++) {
        s->m[i] = w0[i];
        s->s[i] = s0;
    }
    m->state = s;
    return 0;
}

BLR_FASTMATH_INLINE void ivon_sample_block(size_t len, float lambda, float *restrict theta,
                                           const float *restrict mean, const float *restrict prec,
                                           const float *restrict eps)
{
    for (size_t i = 0; i < len; i++)
        theta[i] = mean[i] + gmf_sd(prec[i], 0.0f, lambda) * eps[i];
}

/* The arguments of the sample and accumulate passes split over threads (blr_threads_for). */
typedef struct {
    ivon_state *s;
    float *out;                      /* sample: θ */
    const float *theta, *grad, *eps; /* accumulate: θ, ∇; both: this sample's slot of ε */
    int first;
} ivon_pass;

BLR_FASTMATH_CLONES static long ivon_sample_range(void *p, size_t lo, size_t hi)
{
    const ivon_pass *a = p;
    const ivon_state *s = a->s;
    const float lambda = (float)s->lambda;
    BLR_FASTMATH_FOR_BLOCKS(i, len, lo, hi,
                            ivon_sample_block(len, lambda, a->out + i, s->m + i, s->s + i,
                                              a->eps + i));
    return 0;
}

/* θ = m + σ ε, ε ~ N(0, 1) (Algorithm 1, line 2), in the pass after the draw. */
static void ivon_sample(blr_method *m, int k, float *theta, blr_rng *rng)
{
    ivon_state *s = m->state;
    ivon_pass a = {.s = s, .out = theta, .eps = s->eps + (size_t)k * m->n};
    blr_rng_fill_normal(rng, s->eps + (size_t)k * m->n, m->n);
    blr_threads_for(m->n, ivon_sample_range, &a);
}

/* ∇ includes the prior term δ θ at the sampled θ; IVON applies weight decay at the mean
 * (line 7), so it accumulates the data gradient ĝ = ∇ - δ θ, and ĝ ⊙ ε for Price's
 * estimate ĥ = ĝ ⊙ (θ - m)/σ² = ĝ ⊙ ε/σ (line 3). The first sample of a step assigns the
 * sums instead of adding to them, so nothing has to clear them; `first` is a constant where
 * ivon_accumulate_run is inlined, so each of its two loops is branch-free and vectorizes. */
BLR_FASTMATH_INLINE void ivon_accumulate_block(size_t len, int first, float delta,
                                               float *restrict sum_g, float *restrict sum_ge,
                                               const float *restrict theta,
                                               const float *restrict grad,
                                               const float *restrict eps)
{
    for (size_t i = 0; i < len; i++) {
        const float gd = grad[i] - delta * theta[i], ge = gd * eps[i];
        sum_g[i] = first ? gd : sum_g[i] + gd;
        sum_ge[i] = first ? ge : sum_ge[i] + ge;
    }
}

BLR_FASTMATH_INLINE void ivon_accumulate_run(const ivon_pass *a, int first, size_t lo,
                                             size_t hi)
{
    ivon_state *s = a->s;
    const float delta = (float)s->delta;
    BLR_FASTMATH_FOR_BLOCKS(i, len, lo, hi,
                            ivon_accumulate_block(len, first, delta, s->sum_g + i, s->sum_ge + i,
                                                  a->theta + i, a->grad + i, a->eps + i));
}

static long ivon_accumulate_range(void *p, size_t lo, size_t hi)
{
    const ivon_pass *a = p;
    if (a->first)
        ivon_accumulate_run(a, 1, lo, hi);
    else
        ivon_accumulate_run(a, 0, lo, hi);
    return 0;
}

static void ivon_accumulate(blr_method *m, int k, const float *theta, const float *grad,
                            const float *sqgrad)
{
    (void)sqgrad;
    ivon_state *s = m->state;
    ivon_pass a = {.s = s,
                   .theta = theta,
                   .grad = grad,
                   .eps = s->eps + (size_t)k * m->n,
                   .first = s->flat.count == 0};
    blr_threads_for(m->n, ivon_accumulate_range, &a);
    s->flat.count++;
}

/* The scalars of one step, in float like the state they update. */
typedef struct {
    float avg;            /* 1/count */
    float lambda;         /* λ */
    float delta;          /* δ */
    float beta1, beta1c;  /* β1 and 1 - β1 */
    float beta2c;         /* 1 - β2 */
    float inv_debias;     /* 1/(1 - β1^t) */
    float alpha;          /* α (h0 + δ) times the schedule's factor */
    float clip;           /* clip_radius, or +inf when clipping is off */
} ivon_coef;

/* Algorithm 1, lines 3-7, with E over this step's samples:
 *   ĝ = E[∇ - δ θ],  ĥ = E[ĝ ⊙ ε] / σ          (σ of the draws, i.e. the old h)
 *   g <- β1 g + (1 - β1) ĝ
 *   h <- β2 h + (1 - β2) ĥ + ½ (1 - β2)² (h - ĥ)²/(h + δ)
 *        i.e. s <- ½ s (1 + (1 + x)²), x = (1 - β2)(ĥ - h)/s, s = h + δ
 *   m <- m - α (h0 + δ) clip((g/(1 - β1^t) + δ m)/(h + δ), ±clip_radius)   (new h and g)
 * An s that overflows float is inf here and saturates at the clamp's maximum; a NaN passes
 * both the clamp and the clip (comparisons, not fmin/fmax), so a diverged run shows as
 * diverged. Returns the number of saturated s. */
BLR_FASTMATH_INLINE int ivon_step_block(size_t len, ivon_coef c, float *restrict mean,
                                        float *restrict prec, float *restrict mom,
                                        const float *restrict sum_g, const float *restrict sum_ge)
{
    int saturated = 0;
    for (size_t i = 0; i < len; i++) {
        const float si = prec[i];
        const float ghat = sum_g[i] * c.avg;
        const float hhat = sum_ge[i] * c.avg * sqrtf(c.lambda * si);
        mom[i] = c.beta1 * mom[i] + c.beta1c * ghat;
        const float x = c.beta2c * (hhat + c.delta - si) / si;
        const float snew = blr_group_positive_clamp(0.5f * si * (1.0f + (1.0f + x) * (1.0f + x)),
                                                    &saturated);
        prec[i] = snew;
        float u = (mom[i] * c.inv_debias + c.delta * mean[i]) / snew;
        u = blr_fastmath_select(u > c.clip, c.clip, u);
        u = blr_fastmath_select(u < -c.clip, -c.clip, u);
        mean[i] = mean[i] - c.alpha * u;
    }
    return saturated;
}

typedef struct {
    ivon_state *s;
    ivon_coef c;
} ivon_step_pass;

BLR_FASTMATH_CLONES static long ivon_step_range(void *p, size_t lo, size_t hi)
{
    const ivon_step_pass *a = p;
    ivon_state *s = a->s;
    long saturated = 0;
    BLR_FASTMATH_FOR_BLOCKS(i, len, lo, hi,
                            saturated += ivon_step_block(len, a->c, s->m + i, s->s + i, s->g + i,
                                                         s->sum_g + i, s->sum_ge + i));
    return saturated;
}

static void ivon_step(blr_method *m, double lr_factor)
{
    ivon_state *s = m->state;
    const blr_method_cfg *cfg = &m->cfg;
    size_t n = m->n;
    /* no sample this step: the sums hold the last step's, and E[·] over nothing is 0 */
    if (s->flat.count == 0) {
        memset(s->sum_g, 0, n * sizeof *s->sum_g);
        memset(s->sum_ge, 0, n * sizeof *s->sum_ge);
    }
    s->flat.t++;
    ivon_step_pass a = {.s = s};
    ivon_coef *c = &a.c;
    c->avg = (float)(s->flat.count > 0 ? 1.0 / s->flat.count : 0.0);
    c->lambda = (float)s->lambda;
    c->delta = (float)s->delta;
    c->beta1 = (float)cfg->beta1;
    c->beta1c = (float)(1.0 - cfg->beta1);
    c->beta2c = (float)(1.0 - cfg->beta2);
    c->inv_debias = (float)(1.0 / (1.0 - pow(cfg->beta1, (double)s->flat.t)));
    c->alpha = (float)(cfg->lr * lr_factor * (cfg->hess_init + s->delta));
    c->clip = cfg->clip_radius > 0.0 && cfg->clip_radius < FLT_MAX ? (float)cfg->clip_radius
                                                                   : INFINITY;
    m->invalid_updates += blr_threads_for(n, ivon_step_range, &a);
    s->flat.count = 0;
}

static void ivon_mean(const blr_method *m, float *theta)
{
    const ivon_state *s = m->state;
    memcpy(theta, s->m, m->n * sizeof *theta);
}

/* σ = 1/sqrt(λ s), s = h + δ. */
static void ivon_posterior(const blr_method *m, float *mean, float *sd)
{
    const ivon_state *s = m->state;
    gmf_posterior(m->n, s->m, s->s, 0.0f, (float)s->lambda, mean, sd);
}

static double ivon_entropy(const blr_method *m)
{
    const ivon_state *s = m->state;
    return gmf_entropy(m->n, s->s, 0.0, s->lambda);
}

const blr_method_ops blr_baseline_ivon_ops = {
    .name = "ivon",
    .summary = "improved variational online Newton (Shen et al. 2024), Price Hessian",
    .flags = BLR_NO_BASE,
    .uses = BLR_USES(lr) | BLR_USES(beta1) | BLR_USES(beta2) | BLR_USES(hess_init) |
            BLR_USES(clip_radius),
    .init = ivon_init,
    .sample = ivon_sample,
    .accumulate = ivon_accumulate,
    .step = ivon_step,
    .mean = ivon_mean,
    .posterior = ivon_posterior,
    .entropy = ivon_entropy,
    .save = blr_method_flat_save,
    .load = blr_method_flat_load,
    .free = blr_method_flat_free,
};
