/* The VOGN baseline (baselines/vogn.c, docs/design.md §4) against exact answers:
 * (a) fed the exact per-example Gauss-Newton curvature on Bayesian linear regression it
 *     reaches the exact mean-field posterior (mean within 0.1 sd, sd within 10%);
 * (b) fed per-example squared gradients (the empirical Fisher, what a training run gives it)
 *     it reaches the mean and the mean-field posterior of the empirical Fisher, computed
 *     in closed form here, whose gap to the exact sd is bounded by the theory below;
 * (c) two steps by hand; entropy; errors (checkpoints: tests/test_conformance.c). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "registry.h"
#include "fixture_linreg.h"
#include "rule.h"

static void vg_cfg(blr_method_cfg *c)
{
    blr_method_cfg_defaults(c);
    snprintf(c->rule, sizeof c->rule, "vogn");
    c->n_data = LR_N;
    c->temperature = 1.0;
    c->prior_precision = 1.0;
}

static blr_method *vg_create(const blr_method_cfg *c, size_t n, const float *w0)
{
    char err[256];
    blr_method *m = NULL;
    cr_assert_eq(blr_method_create_ops(&m, &blr_baseline_vogn_ops, c, n, w0, NULL, err,
                                       sizeof err), 0, "%s", err);
    cr_assert(m->flags & BLR_NEEDS_SQGRAD);
    return m;
}

/* The per-example GGN of the Gaussian likelihood, (1/N) Σ_n x_nj²/σ² (independent of θ for
 * a linear model); its mean is the data Hessian's diagonal. */
static void vg_ggn_diag(const exact_linreg *p, float *sq)
{
    for (int j = 0; j < LR_D; j++) {
        double a = 0.0;
        for (int n = 0; n < LR_N; n++)
            a += p->x[n][j] * p->x[n][j];
        sq[j] = (float)(a / (LR_N * p->sigma * p->sigma));
    }
}

/* Steps t0 .. t0+steps-1 of a full-batch cosine run of `total` steps; `sq` is the exact GGN
 * when ggn is set, the fixture's squared per-example gradients otherwise. */
static void vg_train(blr_method *m, const exact_linreg *p, int ggn, blr_rng *r, long t0,
                     long steps, long total)
{
    float theta[LR_D], grad[LR_D], sq[LR_D];
    if (ggn)
        vg_ggn_diag(p, sq);
    for (long t = t0; t < t0 + steps; t++) {
        for (int s = 0; s < m->cfg.mc; s++) {
            m->ops->sample(m, 0, theta, r);
            exact_linreg_grad(p, theta, grad);
            if (!ggn)
                exact_linreg_sqgrad(p, theta, sq);
            m->ops->accumulate(m, 0, theta, grad, sq);
        }
        m->ops->step(m, blr_schedule_factor(BLR_SCHEDULE_COSINE, t, total, 0));
    }
}

/* ---- (a), (b) linear regression ------------------------------------------------------------ */

/* lr = 0.2 is a fifth of a diagonal Newton step, stable for the correlated columns; β2 = 0.99
 * forgets hess_init = 1 (β2^2000 ≈ 2e-9) and averages s over ~100 steps × mc = 16 draws.
 * With squared gradients the first steps are slow: far from the optimum the residuals, so
 * s, are large and the steps α ĝ/(s + δ~) small; 2000 steps leave ample time. */
static void vg_fit(const exact_linreg *p, int ggn, float *mean, float *sd)
{
    blr_method_cfg c;
    vg_cfg(&c);
    c.lr = 0.2;
    c.beta2 = 0.99;
    c.mc = 16;
    float w0[LR_D] = {0};
    blr_method *m = vg_create(&c, LR_D, w0);
    blr_rng r;
    blr_rng_init(&r, 13, BLR_RNG_TEST, (uint64_t)ggn);
    vg_train(m, p, ggn, &r, 0, 2000, 2000);
    m->ops->posterior(m, mean, sd);
    cr_expect_eq(m->invalid_updates, 0);
    blr_method_free(m);
}

static void vg_expect_mean(const exact_linreg *p, const float *mean)
{
    for (int i = 0; i < LR_D; i++)
        cr_expect(fabs(mean[i] - p->mean[i]) <= 0.1 * p->mf_sd[i], "mean[%d] %g, exact %g (sd %g)",
                  i, mean[i], p->mean[i], p->mf_sd[i]);
}

Test(baseline_vogn, ggn_meanfield)
{
    exact_linreg p;
    exact_linreg_make(&p);
    float mean[LR_D], sd[LR_D];
    vg_fit(&p, 1, mean, sd);
    vg_expect_mean(&p, mean);
    for (int i = 0; i < LR_D; i++)
        cr_expect(fabs(sd[i] - p.mf_sd[i]) <= 0.1 * p.mf_sd[i], "sd[%d] %g, mean-field %g", i,
                  sd[i], p.mf_sd[i]);
}

/* The fixed point of VOGN with squared gradients, in closed form. s_j -> E_q[sq_j] with
 * sq_j = (1/N) Σ_n x_nj² r_n²/σ⁴, r_n = x_n θ - y_n, and under q = N(μ, diag v):
 * E_q[r_n²] = (x_n μ - y_n)² + Σ_k x_nk² v_k. So v_j = τ~/(E_q[sq_j] + δ~) with μ the exact
 * posterior mean (ĝ is the true gradient, so the mean is unaffected); v enters E_q[sq] only
 * through a term O(τ~), so iterating from the mean-field v converges in a few rounds. */
static void vg_ef_fixed_point(const exact_linreg *p, double *sd)
{
    double v[LR_D];
    for (int j = 0; j < LR_D; j++)
        v[j] = p->mf_sd[j] * p->mf_sd[j];
    const double s4 = pow(p->sigma, 4);
    for (int it = 0; it < 50; it++) {
        double f[LR_D] = {0};
        for (int n = 0; n < LR_N; n++) {
            double res = -p->y[n], spread = 0.0;
            for (int k = 0; k < LR_D; k++) {
                res += p->x[n][k] * p->mean[k];
                spread += p->x[n][k] * p->x[n][k] * v[k];
            }
            for (int j = 0; j < LR_D; j++)
                f[j] += p->x[n][j] * p->x[n][j] * (res * res + spread) / (s4 * LR_N);
        }
        for (int j = 0; j < LR_D; j++)
            v[j] = p->tau_tilde / (f[j] + p->prior_tilde);
    }
    for (int j = 0; j < LR_D; j++)
        sd[j] = sqrt(v[j]);
}

/* How far the empirical-Fisher posterior may be from the exact mean-field one, in theory.
 * At the optimum r_n ≈ e_n (label noise, N(0, σ²), up to the fit's leverage), so the data
 * part F_j = (1/(Nσ⁴)) Σ x_nj² r_n² has mean ≈ (1 - D/N)·H_j, H_j = (1/(Nσ²)) Σ x_nj², and,
 * r_n²/σ² being χ²₁ (variance 2), sd sqrt(2 Σ x_nj⁴)/(Nσ²). Relative to h_jj = H_j + δ~:
 *     F_j + δ~ = h_jj (1 + b + z ρ_j),  b ≈ -D/N,  ρ_j = sqrt(2 Σ x_nj⁴)/(Nσ² h_jj),
 * z standard normal, and sd ∝ (F_j + δ~)^-½ moves by ≈ -½(b + z ρ_j). For |z| <= 2:
 *     |sd/mf_sd - 1| <= D/(2N) + ρ_j   (+ the 10% the method itself is allowed).
 * With N = 100 and Gaussian columns ρ_j ≈ sqrt(6/N) ≈ 0.25: the empirical Fisher can be
 * ~13% off in sd at one standard deviation of the noise, so the 10% tolerance of the exact
 * mean-field test is out of reach in principle, not by tuning (on this fixture the closed
 * form below puts coordinate 3 13% low). The tight check is against the closed form. */
static double vg_ef_band(const exact_linreg *p, int j)
{
    double s2 = 0.0, s4 = 0.0;
    for (int n = 0; n < LR_N; n++) {
        double a = p->x[n][j] * p->x[n][j];
        s2 += a;
        s4 += a * a;
    }
    double ns2 = LR_N * p->sigma * p->sigma;
    double h = s2 / ns2 + p->prior_tilde;
    return (double)LR_D / (2.0 * LR_N) + sqrt(2.0 * s4) / (ns2 * h);
}

Test(baseline_vogn, empirical_fisher_meanfield)
{
    exact_linreg p;
    exact_linreg_make(&p);
    float mean[LR_D], sd[LR_D];
    double ef_sd[LR_D];
    vg_ef_fixed_point(&p, ef_sd);
    vg_fit(&p, 0, mean, sd);
    vg_expect_mean(&p, mean);
    for (int i = 0; i < LR_D; i++) {
        cr_expect(fabs(sd[i] - ef_sd[i]) <= 0.1 * ef_sd[i],
                  "sd[%d] %g, empirical-Fisher mean-field %g", i, sd[i], ef_sd[i]);
        double band = 0.1 + vg_ef_band(&p, i);
        cr_expect(fabs(sd[i] / p.mf_sd[i] - 1.0) <= band,
                  "sd[%d] %g vs exact mean-field %g: off by more than the theory's %g", i,
                  sd[i], p.mf_sd[i], band);
    }
}

/* ---- (c) two steps by hand ------------------------------------------------------------------ */

/* τ~ = 1/N = 0.5, δ~ = 0.6/2 = 0.3, s0 = hess_init = 0.7, β1 = 0.8, β2 = 0.5, α = 0.4, mc = 2,
 * P = 2. From m0 = (0.5, -1):
 *   σ0² = τ~/(s0 + δ~) = 0.5/1.0 = 0.5 and the draws are θ = m0 + σ0 ε with ε the rng's.
 * Step 1 (t = 1), gradients ∇^(k) and squares sq^(k) chosen below:
 *   ĝ = mean_k(∇^(k) - δ~ θ^(k)) + δ~ m0,  ĥ = mean_k sq^(k)
 *   g_m = (1-β1) ĝ,  ĝ_m = g_m/(1-β1) = ĝ,  s1 = β2 s0 + (1-β2) ĥ
 *   m1 = m0 - α ĝ/(s1 + δ~),  σ1² = τ~/(s1 + δ~).
 * Step 2 (t = 2, lr_factor ½): g_m' = β1 g_m + (1-β1) ĝ', ĝ_m' = g_m'/(1-β1²),
 *   s2 = β2 s1 + (1-β2) ĥ', m2 = m1 - ½ α ĝ_m'/(s2 + δ~). */
Test(baseline_vogn, two_steps_by_hand)
{
    blr_method_cfg c;
    vg_cfg(&c);
    c.n_data = 2.0;
    c.prior_precision = 0.6;
    c.hess_init = 0.7;
    c.beta1 = 0.8;
    c.beta2 = 0.5;
    c.lr = 0.4;
    c.mc = 2;
    const double tau = 0.5, delta = 0.3, b1 = 0.8, b2 = 0.5, alpha = 0.4;
    const float w0[2] = {0.5f, -1.0f};
    const float grads[2][2][2] = {{{1.0f, -2.0f}, {0.5f, 3.0f}}, {{-0.25f, 1.5f}, {2.0f, -1.0f}}};
    const float sqs[2][2][2] = {{{4.0f, 0.2f}, {1.0f, 9.0f}}, {{0.3f, 2.5f}, {6.0f, 0.1f}}};
    const double factor[2] = {1.0, 0.5};
    blr_method *m = vg_create(&c, 2, w0);
    blr_rng r, copy;
    blr_rng_init(&r, 21, BLR_RNG_TEST, 0);
    double mu[2] = {0.5, -1.0}, s[2] = {0.7, 0.7}, gm[2] = {0.0, 0.0};
    for (int t = 0; t < 2; t++) {
        double gsum[2] = {0}, hsum[2] = {0};
        for (int k = 0; k < 2; k++) {
            float theta[2], eps[2];
            copy = r;
            blr_rng_fill_normal(&copy, eps, 2);
            m->ops->sample(m, 0, theta, &r);
            for (int i = 0; i < 2; i++) {
                double want = mu[i] + sqrt(tau / (s[i] + delta)) * eps[i];
                cr_expect_float_eq(theta[i], want, 1e-5, "step %d draw %d theta[%d]", t, k, i);
                gsum[i] += grads[t][k][i] - delta * theta[i];
                hsum[i] += sqs[t][k][i];
            }
            m->ops->accumulate(m, 0, theta, grads[t][k], sqs[t][k]);
        }
        m->ops->step(m, factor[t]);
        for (int i = 0; i < 2; i++) {
            double g = gsum[i] / 2.0 + delta * mu[i];
            gm[i] = b1 * gm[i] + (1.0 - b1) * g;
            s[i] = b2 * s[i] + (1.0 - b2) * hsum[i] / 2.0;
            mu[i] -= factor[t] * alpha * gm[i] / (1.0 - pow(b1, t + 1)) / (s[i] + delta);
        }
        float mean[2], sd[2];
        m->ops->posterior(m, mean, sd);
        for (int i = 0; i < 2; i++) {
            cr_expect_float_eq(mean[i], mu[i], 1e-5, "step %d mean[%d] %g, by hand %g", t, i,
                               mean[i], mu[i]);
            cr_expect_float_eq(sd[i], sqrt(tau / (s[i] + delta)), 1e-5, "step %d sd[%d]", t, i);
        }
    }
    /* H = Σ ½ log(2πe σ²) */
    double want = 0.0;
    for (int i = 0; i < 2; i++)
        want += 0.5 * (log(2.0 * 3.14159265358979323846 * tau / (s[i] + delta)) + 1.0);
    cr_expect_float_eq(m->ops->entropy(m), want, 1e-5);
    blr_method_free(m);
}

/* ---- errors ----------------------------------------------------------------------------- */

static void vg_expect_error(const blr_method_cfg *c, const char *field)
{
    float w0[LR_D] = {0};
    char err[256] = "";
    blr_method *m = NULL;
    cr_expect_eq(blr_method_create_ops(&m, &blr_baseline_vogn_ops, c, LR_D, w0, NULL, err,
                                       sizeof err), -1, "%s accepted", field);
    cr_expect_null(m);
    cr_expect_not_null(strstr(err, field), "message '%s' does not name %s", err, field);
}

Test(baseline_vogn, bad_config)
{
    blr_method_cfg c;
    vg_cfg(&c);
    c.prior_precision = 0.0;
    vg_expect_error(&c, "prior_precision");
    vg_cfg(&c);
    c.beta2 = 1.0;
    vg_expect_error(&c, "beta2");
    vg_cfg(&c);
    c.beta1 = -0.1;
    vg_expect_error(&c, "beta1");
    vg_cfg(&c);
    c.hess_init = INFINITY;
    vg_expect_error(&c, "hess_init");
    vg_cfg(&c);
    c.lr = 0.0;
    vg_expect_error(&c, "lr");
}
