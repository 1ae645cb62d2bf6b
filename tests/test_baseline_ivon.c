/* IVON (baselines/ivon.c; Shen et al. 2024, Algorithm 1) against exact answers:
 * the h-update keeps the posterior precision λ(h + δ) positive and finite under adversarial
 * gradients; on Bayesian linear regression it reaches the exact mean-field posterior; one
 * and two steps match the published equations evaluated by hand; samples are N(m, σ²) by a
 * KS test; bad configurations are refused by name (checkpoints: tests/test_conformance.c).
 *
 * Throughout, λ = n_data/temperature, δ = prior_precision/n_data and the posterior sd is
 * σ = 1/sqrt(λ(h + δ)), so a test reads h back from posterior() as 1/(λ σ²) - δ. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "base.h"
#include "fixture_linreg.h"
#include "group.h"
#include "rng.h"
#include "rule.h"

#define KS_C 1.9495 /* KS critical value × sqrt(n) at level 1e-3 */

static blr_method_cfg ivon_cfg(void)
{
    blr_method_cfg c;
    blr_method_cfg_defaults(&c);
    snprintf(c.rule, sizeof c.rule, "ivon");
    c.n_data = 100.0;
    c.temperature = 1.0;
    c.prior_precision = 1.0;
    return c;
}

static blr_method *ivon_make(const blr_method_cfg *c, size_t n, const float *w0)
{
    blr_method *m = NULL;
    char err[256];
    cr_assert_eq(blr_method_create_ops(&m, &blr_baseline_ivon_ops, c, n, w0, NULL, err,
                                       sizeof err), 0, "%s", err);
    return m;
}

static double ivon_lambda(const blr_method_cfg *c)
{
    return c->n_data / c->temperature;
}

static double ivon_delta(const blr_method_cfg *c)
{
    return c->prior_precision / c->n_data;
}

/* ---- (1) the h-update under adversarial gradients ----------------------------------- */

#define ADV_P 8

/* Per coordinate and step, one of: a data gradient ĝ = -K (θ - m), whose Price estimate
 * ĥ = ĝ (θ - m)/σ² = -K ε² is negative and up to 1e8 in size, or ĝ = ±K of random sign;
 * K = 10^U(-3, 8). The clip keeps the mean finite so every step's θ is finite. After each
 * step h must be positive and finite (the paper's update adds ½(1-β2)²(h - ĥ)²/(h + δ),
 * which outgrows any large |ĥ|). */
Test(baseline_ivon, h_stays_positive_under_adversarial_gradients)
{
    const double beta2s[] = {0.0, 0.5, 0.9, 0.999};
    for (size_t k = 0; k < 4; k++) {
        blr_method_cfg c = ivon_cfg();
        c.beta2 = beta2s[k];
        c.clip_radius = 1.0;
        const double lambda = ivon_lambda(&c), delta = ivon_delta(&c);
        float w0[ADV_P] = {0}, theta[ADV_P], mean[ADV_P], sd[ADV_P], grad[ADV_P], u[2];
        blr_method *m = ivon_make(&c, ADV_P, w0);
        blr_rng r;
        blr_rng_init(&r, 11, BLR_RNG_TEST, k);
        for (int t = 0; t < 3000; t++) {
            m->ops->mean(m, mean);
            m->ops->sample(m, 0, theta, &r);
            for (int i = 0; i < ADV_P; i++) {
                blr_rng_fill_uniform(&r, u, 2);
                const double mag = pow(10.0, -3.0 + 11.0 * u[0]);
                double g;
                if (i % 2 == 0)
                    g = -mag * ((double)theta[i] - mean[i]);
                else
                    g = u[1] < 0.5 ? -mag : mag;
                grad[i] = (float)(g + delta * theta[i]);
            }
            m->ops->accumulate(m, 0, theta, grad, NULL);
            m->ops->step(m, 1.0);
            m->ops->posterior(m, mean, sd);
            for (int i = 0; i < ADV_P; i++) {
                const double h = 1.0 / (lambda * (double)sd[i] * sd[i]) - delta;
                cr_assert(isfinite(sd[i]) && sd[i] > 0.0f && isfinite(h) && h > 0.0,
                          "beta2 %g, step %d, coordinate %d: sd %g, h %g", c.beta2, t, i,
                          sd[i], h);
                cr_assert(isfinite(mean[i]), "beta2 %g, step %d: mean[%d] %g", c.beta2, t, i,
                          mean[i]);
            }
        }
        blr_method_free(m);
    }
}

/* The worst a single step can do: writing s = h + δ, the update is
 * s' = β2 s + (1-β2)(ĥ + δ) + ½(1-β2)²(s - ĥ - δ)²/s, a parabola in ĥ whose minimum
 * s' = s/2 sits at ĥ = h - s/(1-β2). Feeding that ĥ every step (ĝ = ĥ σ²/(θ - m), so that
 * ĝ (θ - m)/σ² = ĥ) halves s each step. Returns how many steps h + δ was seen halved; fails
 * if it ever stops being positive and finite. *went_negative reports whether h < 0 was seen.
 * Halving is checked while s > s_check: with δ > 0, ĥ ≈ -δ carries the float error of the
 * gradients (~1e-9 here) and ĥ + δ - s cancels once s nears that size. */
static int worst_case_run(blr_method *m, int steps, double s_check, int *went_negative)
{
    const double lambda = ivon_lambda(&m->cfg), delta = ivon_delta(&m->cfg);
    const double beta2 = m->cfg.beta2;
    enum { N = 4 };
    float theta[N], mean[N], sd[N], grad[N];
    blr_rng r;
    blr_rng_init(&r, 12, BLR_RNG_TEST, 0);
    int halved = 0;
    *went_negative = 0;
    for (int t = 0; t < steps; t++) {
        m->ops->posterior(m, mean, sd);
        m->ops->sample(m, 0, theta, &r);
        double s_old[N];
        for (int i = 0; i < N; i++) {
            const double sig2 = (double)sd[i] * sd[i];
            s_old[i] = 1.0 / (lambda * sig2);
            const double hhat = (s_old[i] - delta) - s_old[i] / (1.0 - beta2);
            grad[i] = (float)(hhat * sig2 / ((double)theta[i] - mean[i]) + delta * theta[i]);
        }
        m->ops->accumulate(m, 0, theta, grad, NULL);
        m->ops->step(m, 1.0);
        m->ops->posterior(m, mean, sd);
        for (int i = 0; i < N; i++) {
            const double s = 1.0 / (lambda * (double)sd[i] * sd[i]);
            cr_assert(isfinite(s) && s > 0.0, "step %d: h + delta = %g", t, s);
            if (s_old[i] > s_check && s_old[i] / 2 > BLR_GROUP_POSITIVE_MIN) {
                cr_expect(fabs(s / (s_old[i] / 2) - 1.0) < 1e-4,
                          "step %d, coordinate %d: h + delta %g, expected half of %g", t, i, s,
                          s_old[i]);
                halved++;
            }
            *went_negative |= s - delta < 0.0;
        }
    }
    return halved;
}

/* With δ = 0.01, h itself goes negative (it tends to -δ): the published update guarantees
 * h + δ > 0, not h > 0. */
Test(baseline_ivon, worst_case_halves_the_precision_and_h_plus_delta_stays_positive)
{
    blr_method_cfg c = ivon_cfg();
    c.beta2 = 0.9;
    c.clip_radius = 1.0;
    const float w0[4] = {0.5f, -1.0f, 0.0f, 2.0f};
    blr_method *m = ivon_make(&c, 4, w0);
    int went_negative;
    /* s_old = 1.01/2^k > 1e-4 for k = 0..13: 14 halvings checked per coordinate */
    cr_expect_eq(worst_case_run(m, 60, 1e-4, &went_negative), 4 * 14);
    cr_expect(went_negative, "h never went below 0");
    blr_method_free(m);
}

/* With δ = 0 (prior_precision 0) nothing cancels: s = h halves exactly each step, from
 * h0 = 1 to the floor 2^-40 in 40 steps, and is then saturated there and counted in
 * invalid_updates (4 coordinates × the 20 steps after). */
Test(baseline_ivon, worst_case_without_prior_is_saturated_at_the_floor)
{
    blr_method_cfg c = ivon_cfg();
    c.beta2 = 0.9;
    c.prior_precision = 0.0;
    c.clip_radius = 1.0;
    const float w0[4] = {0.5f, -1.0f, 0.0f, 2.0f};
    blr_method *m = ivon_make(&c, 4, w0);
    int went_negative;
    cr_expect_eq(worst_case_run(m, 60, 0.0, &went_negative), 4 * 39);
    cr_expect_not(went_negative);
    cr_expect_eq(m->invalid_updates, 4 * 20);
    float mean[4], sd[4];
    m->ops->posterior(m, mean, sd);
    for (int i = 0; i < 4; i++)
        cr_expect(fabs(100.0 * (double)sd[i] * sd[i] * BLR_GROUP_POSITIVE_MIN - 1.0) < 1e-6,
                  "coordinate %d not at the floor: sd %g", i, sd[i]);
    blr_method_free(m);
}

/* ---- (2) Bayesian linear regression: the exact mean-field posterior ------------------- */

/* λ = 1/τ~ = 100, δ = δ~ = 0.01. The fixed point of the h-update is E[ĥ] = the Hessian of
 * the data term, diag XᵀX/(Nσ²), so σ² = 1/(λ(h + δ)) = τ~/h_ii = mf_sd²; the mean's fixed
 * point solves E[∇] = 0 at the posterior mean. β2 = 0.999 averages ĥ over ~1000 steps: its
 * relative noise (Var ĥ/h² of order a few, over mc = 4) then moves h by ~2% and biases it
 * by ½(1-β2) Var ĥ/h² < 0.5%, well inside the 10% on the sd (about 20% on h + δ).
 * h starts at 1 and needs a few 1/(1-β2) to settle, hence 6000 steps. lr 0.1 with
 * h0 = 1 makes the first (unpreconditioned) steps α(h0+δ)h/s ≈ 1 at most with β1 = 0.9,
 * which heavy ball tolerates; the cosine schedule averages out the mean's noise. */
static void ivon_linreg_fit(const exact_linreg *p, uint64_t seed, float *mean, float *sd)
{
    blr_method_cfg c = ivon_cfg();
    c.n_data = LR_N;
    c.lr = 0.1;
    c.beta1 = 0.9;
    c.beta2 = 0.999;
    c.hess_init = 1.0;
    c.mc = 4;
    cr_assert(fabs(1.0 / ivon_lambda(&c) - p->tau_tilde) < 1e-15);
    cr_assert(fabs(ivon_delta(&c) - p->prior_tilde) < 1e-15);
    float w0[LR_D] = {0};
    blr_method *m = ivon_make(&c, LR_D, w0);
    blr_rng r;
    blr_rng_init(&r, seed, BLR_RNG_TEST, 200);
    exact_linreg_train(p, m, &r, 0, 6000, 6000, 0);
    m->ops->posterior(m, mean, sd);
    cr_expect_eq(m->invalid_updates, 0, "%ld saturated updates", m->invalid_updates);
    blr_method_free(m);
}

Test(baseline_ivon, linreg_reaches_the_meanfield_posterior)
{
    exact_linreg p;
    exact_linreg_make(&p);
    const uint64_t seeds[] = {1, 2};
    for (size_t k = 0; k < 2; k++) {
        float mean[LR_D], sd[LR_D];
        ivon_linreg_fit(&p, seeds[k], mean, sd);
        for (int i = 0; i < LR_D; i++) {
            cr_expect(fabs(mean[i] - p.mean[i]) <= 0.1 * p.mf_sd[i],
                      "seed %lu: mean[%d] %g, exact %g (sd %g)", (unsigned long)seeds[k], i,
                      mean[i], p.mean[i], p.mf_sd[i]);
            cr_expect(fabs(sd[i] - p.mf_sd[i]) <= 0.1 * p.mf_sd[i],
                      "seed %lu: sd[%d] %g, mean-field %g", (unsigned long)seeds[k], i, sd[i],
                      p.mf_sd[i]);
        }
    }
}

/* ---- (3) steps by hand ---------------------------------------------------------------- */

#define H_P 3

/* The data gradient of lbar_data(θ) = Σ ½ a_i θ_i² + b_i θ_i, plus the prior term δ θ that
 * the training loop includes. */
static const double hand_a[H_P] = {2.0, 0.5, 4.0}, hand_b[H_P] = {-1.0, 0.3, 0.2};

static void hand_grad(const float *theta, double delta, float *grad, double *gdata)
{
    for (int i = 0; i < H_P; i++) {
        gdata[i] = hand_a[i] * theta[i] + hand_b[i];
        grad[i] = (float)(gdata[i] + delta * theta[i]);
    }
}

/* Two steps of Algorithm 1 with 2 samples each, evaluated in double from the published
 * equations with the θ the method drew:
 *   ĝ = mean_k ĝ_k, ĥ = mean_k ĝ_k (θ_k - m)/σ²,  σ² = 1/(λ(h + δ))
 *   g <- β1 g + (1-β1) ĝ
 *   h <- β2 h + (1-β2) ĥ + ½(1-β2)² (h - ĥ)²/(h + δ)
 *   m <- m - α (h0 + δ) clip((g/(1 - β1^t) + δ m)/(h + δ), ±r)
 * With λ = 10/2 = 5, δ = 0.5/10 = 0.05, h0 = 0.8: σ0² = 1/(5 · 0.85) = 0.2353. At t = 1 the
 * bias correction makes g/(1-β1) = ĝ exactly. The second step's lr_factor 0.5 halves α. */
static void hand_check(double clip)
{
    blr_method_cfg c = ivon_cfg();
    c.n_data = 10.0;
    c.temperature = 2.0;
    c.prior_precision = 0.5;
    c.hess_init = 0.8;
    c.lr = 0.3;
    c.beta1 = 0.9;
    c.beta2 = 0.7;
    c.mc = 2;
    c.clip_radius = clip;
    const double lambda = 5.0, delta = 0.05, h0 = 0.8;
    const float w0[H_P] = {0.4f, -1.2f, 0.1f};
    blr_method *m = ivon_make(&c, H_P, w0);
    blr_rng r;
    blr_rng_init(&r, 13, BLR_RNG_TEST, clip > 0);
    double mu[H_P], h[H_P], g[H_P] = {0};
    for (int i = 0; i < H_P; i++) {
        mu[i] = w0[i];
        h[i] = h0;
    }
    const double factors[2] = {1.0, 0.5};
    for (int t = 1; t <= 2; t++) {
        double gsum[H_P] = {0}, hsum[H_P] = {0};
        for (int k = 0; k < 2; k++) {
            float theta[H_P], grad[H_P];
            double gd[H_P];
            m->ops->sample(m, 0, theta, &r);
            hand_grad(theta, delta, grad, gd);
            for (int i = 0; i < H_P; i++) {
                gsum[i] += gd[i] / 2;
                hsum[i] += gd[i] * ((double)theta[i] - mu[i]) * lambda * (h[i] + delta) / 2;
            }
            m->ops->accumulate(m, 0, theta, grad, NULL);
        }
        m->ops->step(m, factors[t - 1]);
        float mean[H_P], sd[H_P];
        m->ops->posterior(m, mean, sd);
        for (int i = 0; i < H_P; i++) {
            g[i] = c.beta1 * g[i] + (1 - c.beta1) * gsum[i];
            const double d = h[i] - hsum[i];
            h[i] = c.beta2 * h[i] + (1 - c.beta2) * hsum[i] +
                   0.5 * (1 - c.beta2) * (1 - c.beta2) * d * d / (h[i] + delta);
            double u = (g[i] / (1 - pow(c.beta1, t)) + delta * mu[i]) / (h[i] + delta);
            if (clip > 0) {
                cr_assert(fabs(u) > clip, "step %d: move %g of coordinate %d is not clipped",
                          t, u, i);
                u = u > 0 ? clip : -clip;
            }
            mu[i] -= c.lr * factors[t - 1] * (h0 + delta) * u;
            const double sd_hand = 1.0 / sqrt(lambda * (h[i] + delta));
            cr_expect(fabs(sd[i] - sd_hand) <= 1e-5 * sd_hand, "step %d: sd[%d] %.8g, hand %.8g",
                      t, i, sd[i], sd_hand);
            cr_expect(fabs(mean[i] - mu[i]) <= 1e-5 * (1.0 + fabs(mu[i])),
                      "step %d: mean[%d] %.8g, hand %.8g", t, i, mean[i], mu[i]);
            mu[i] = mean[i]; /* the next step starts from the method's own float state */
            h[i] = 1.0 / (lambda * (double)sd[i] * sd[i]) - delta;
        }
    }
    blr_method_free(m);
}

Test(baseline_ivon, two_steps_match_algorithm_1)
{
    hand_check(0.0);
}

/* With r = 1e-3 every move (g/(1-β1^t) + δ m)/(h + δ) is clipped (hand_check asserts it),
 * so each coordinate moves by exactly α (h0 + δ) 1e-3 against the sign of its move. */
Test(baseline_ivon, clip_bounds_each_move)
{
    hand_check(1e-3);
}

/* ---- the fused passes against plain loops --------------------------------------------- */

#define FUSED_NMAX 165 /* two blocks of BLR_FASTMATH_BLOCK = 64 and a tail of 37 */

/* sample, accumulate and step are fused passes run 64 elements at a time and then a scalar
 * tail, and the first accumulate of a step assigns the sums. Here they run beside plain float
 * loops of Algorithm 1 in the same arithmetic (the sums cleared, then added to), which must
 * agree bit for bit (==, so a cleared sum's 0 + (-0) = +0 equals an assigned -0): sizes
 * below, at and above the block; 1, 3, 0 (E over nothing is 0) and 2 samples per step; the
 * clip off and on (r = 0.5 clips roughly half of the moves, which are about N(0, 1)). m and
 * σ = 1/sqrt(λ s) are read from posterior(); g is checked through the later steps. */
Test(baseline_ivon, fused_passes_match_plain_loops)
{
    static const size_t sizes[] = {5, 64, FUSED_NMAX};
    static const int samples[] = {1, 3, 0, 2};
    static const double factors[] = {1.0, 0.5, 0.25, 0.8};
    for (int clip = 0; clip <= 1; clip++)
        for (size_t z = 0; z < sizeof sizes / sizeof *sizes; z++) {
            const size_t n = sizes[z];
            blr_method_cfg c = ivon_cfg();
            c.lr = 0.2;
            c.beta1 = 0.8;
            c.beta2 = 0.9;
            c.clip_radius = clip ? 0.5 : 0.0;
            float mu[FUSED_NMAX], s[FUSED_NMAX], g[FUSED_NMAX] = {0}, sg[FUSED_NMAX];
            float sge[FUSED_NMAX], eps[FUSED_NMAX], theta[FUSED_NMAX], grad[FUSED_NMAX];
            float mean[FUSED_NMAX], sd[FUSED_NMAX];
            blr_rng r, copy, gr;
            blr_rng_init(&gr, 8, BLR_RNG_TEST, n);
            for (size_t i = 0; i < n; i++)
                mu[i] = (float)(0.5 * blr_rng_normal(&gr));
            blr_method *m = ivon_make(&c, n, mu);
            const float lambda = (float)ivon_lambda(&c), delta = (float)ivon_delta(&c);
            for (size_t i = 0; i < n; i++)
                s[i] = (float)(c.hess_init + ivon_delta(&c));
            long saturated = 0;
            blr_rng_init(&r, 29, BLR_RNG_TEST, n);
            for (int t = 1; t <= 4; t++) {
                for (size_t i = 0; i < n; i++)
                    sg[i] = sge[i] = 0.0f;
                for (int k = 0; k < samples[t - 1]; k++) {
                    copy = r;
                    m->ops->sample(m, 0, theta, &r);
                    blr_rng_fill_normal(&copy, eps, n);
                    for (size_t i = 0; i < n; i++) {
                        const float sigma = 1.0f / sqrtf(s[i] * lambda);
                        cr_assert(theta[i] == mu[i] + sigma * eps[i], "n %zu t %d: theta[%zu]",
                                  n, t, i);
                        grad[i] = (float)blr_rng_normal(&gr);
                    }
                    m->ops->accumulate(m, 0, theta, grad, NULL);
                    for (size_t i = 0; i < n; i++) {
                        const float gd = grad[i] - delta * theta[i];
                        sg[i] += gd;
                        sge[i] += gd * eps[i];
                    }
                }
                m->ops->step(m, factors[t - 1]);
                const int k = samples[t - 1];
                const float avg = (float)(k > 0 ? 1.0 / k : 0.0);
                const float b1 = (float)c.beta1, b1c = (float)(1.0 - c.beta1);
                const float b2c = (float)(1.0 - c.beta2);
                const float inv_debias = (float)(1.0 / (1.0 - pow(c.beta1, t)));
                const float alpha = (float)(c.lr * factors[t - 1] * (c.hess_init + ivon_delta(&c)));
                const float r_clip = (float)c.clip_radius;
                int sat = 0;
                for (size_t i = 0; i < n; i++) {
                    const float ghat = sg[i] * avg;
                    const float hhat = sge[i] * avg * sqrtf(lambda * s[i]);
                    g[i] = b1 * g[i] + b1c * ghat;
                    const float x = b2c * (hhat + delta - s[i]) / s[i];
                    s[i] = blr_group_positive_clamp(0.5f * s[i] * (1.0f + (1.0f + x) * (1.0f + x)),
                                                    &sat);
                    float u = (g[i] * inv_debias + delta * mu[i]) / s[i];
                    if (clip)
                        u = u > r_clip ? r_clip : u < -r_clip ? -r_clip : u;
                    mu[i] = mu[i] - alpha * u;
                }
                saturated += sat;
                m->ops->posterior(m, mean, sd);
                for (size_t i = 0; i < n; i++) {
                    cr_assert(mean[i] == mu[i], "clip %d n %zu t %d: m[%zu] %a, plain %a", clip,
                              n, t, i, mean[i], mu[i]);
                    const float sd_plain = 1.0f / sqrtf(s[i] * lambda);
                    cr_assert(sd[i] == sd_plain, "clip %d n %zu t %d: sd[%zu] %a, plain %a", clip,
                              n, t, i, sd[i], sd_plain);
                }
                cr_assert_eq(m->invalid_updates, saturated);
            }
            blr_method_free(m);
        }
}

/* ---- sampling, posterior, entropy ----------------------------------------------------- */

/* At init q = N(w0, σ0²), σ0 = 1/sqrt(λ(h0 + δ)): (θ - w0)/σ0 must be N(0,1) (KS against
 * GSL's Gaussian CDF through blr_base_ks), posterior() must report (w0, σ0), and the
 * entropy is Σ ½ log(2πe σ0²). */
Test(baseline_ivon, samples_posterior_and_entropy_at_init)
{
    enum { N = 4000 };
    blr_method_cfg c = ivon_cfg();
    c.hess_init = 3.0;
    const double sigma0 = 1.0 / sqrt(100.0 * (3.0 + 0.01));
    static float w0[N], theta[N], mean[N], sd[N];
    static double z[N];
    for (int i = 0; i < N; i++)
        w0[i] = (float)(0.001 * (i % 97) - 0.05);
    blr_method *m = ivon_make(&c, N, w0);
    blr_rng r;
    blr_rng_init(&r, 14, BLR_RNG_TEST, 0);
    m->ops->sample(m, 0, theta, &r);
    for (int i = 0; i < N; i++)
        z[i] = ((double)theta[i] - w0[i]) / sigma0;
    blr_base b;
    char err[128];
    cr_assert_eq(blr_base_init(&b, BLR_BASE_GAUSSIAN, 0, 1, err, sizeof err), 0, "%s", err);
    const double d = blr_base_ks(&b, z, N);
    cr_expect(d < KS_C / sqrt((double)N), "KS distance %g", d);
    m->ops->posterior(m, mean, sd);
    for (int i = 0; i < N; i++) {
        cr_assert_eq(mean[i], w0[i]);
        cr_assert(fabs(sd[i] - sigma0) <= 1e-6 * sigma0, "sd[%d] %g, expected %g", i, sd[i],
                  sigma0);
    }
    /* h0 + δ is stored in float (relative error < 6e-8), which moves each ½ log σ² by < 3e-8 */
    const double h = N * 0.5 * log(2.0 * M_PI * M_E * sigma0 * sigma0);
    cr_expect(fabs(m->ops->entropy(m) - h) <= N * 3e-8, "entropy %.12g, expected %.12g",
              m->ops->entropy(m), h);
    cr_expect_eq(m->cfg.base.kind, BLR_BASE_GAUSSIAN);
    blr_method_free(m);
}

/* ---- (4) errors ------------------------------------------------------------------------- */

static void expect_refused(const blr_method_cfg *c, const char *field)
{
    const float w0[H_P] = {0};
    blr_method *m = NULL;
    char err[256] = "";
    cr_expect_eq(blr_method_create_ops(&m, &blr_baseline_ivon_ops, c, H_P, w0, NULL, err,
                                       sizeof err), -1, "accepted a bad %s", field);
    cr_expect_null(m);
    cr_expect(strstr(err, field) != NULL, "message '%s' does not name %s", err, field);
}

Test(baseline_ivon, bad_configurations_are_refused_by_name)
{
    blr_method_cfg c = ivon_cfg();
    c.hessian = BLR_HESSIAN_GGN;
    expect_refused(&c, "hessian");
    c = ivon_cfg();
    c.hess_init = 0.0;
    expect_refused(&c, "hess_init");
    c = ivon_cfg();
    c.hess_init = 1e20; /* h + δ past the top of the range kept for it */
    expect_refused(&c, "hess_init");
    c = ivon_cfg();
    c.n_data = 1e300;
    c.temperature = 1e-300; /* ess = n_data/temperature overflows */
    expect_refused(&c, "hess_init");
    c = ivon_cfg();
    c.lr = -0.1;
    expect_refused(&c, "lr");
    c = ivon_cfg();
    c.beta2 = 1.0;
    expect_refused(&c, "beta2");
    c = ivon_cfg();
    c.clip_radius = NAN;
    expect_refused(&c, "clip_radius");
    c = ivon_cfg();
    c.mc = 0;
    expect_refused(&c, "mc");
    c = ivon_cfg();
    c.temperature = 0.0;
    expect_refused(&c, "temperature");
}
