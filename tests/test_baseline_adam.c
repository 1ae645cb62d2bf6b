/* baselines/adam.c: two steps against Algorithm 1 of Kingma & Ba (2015) written out here,
 * the point-mass interface (sample = mean, sd 0, entropy -inf, dirac base), convergence to
 * the exact posterior mean of Bayesian linear regression, and the configuration errors
 * (checkpoints: tests/test_conformance.c). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "fixture_linreg.h"
#include "rule.h"

#define ADAM_P 3

static blr_method_cfg adam_cfg(void)
{
    blr_method_cfg c;
    blr_method_cfg_defaults(&c);
    snprintf(c.rule, sizeof c.rule, "adam");
    c.n_data = 20.0;
    return c;
}

static blr_method *adam_make(const blr_method_cfg *c, size_t n, const float *w0)
{
    char err[256] = "";
    blr_method *m = NULL;
    cr_assert_eq(blr_method_create_ops(&m, &blr_baseline_adam_ops, c, n, w0, NULL, err,
                                       sizeof err),
                 0, "create: %s", err);
    return m;
}

/* ∇ of a fixed smooth function, Σ_i (1 + i)(θ_i - 0.3 i)²/2 + cos θ_i. */
static void adam_grad(const float *theta, float *grad)
{
    for (size_t i = 0; i < ADAM_P; i++)
        grad[i] = (float)((1.0 + (double)i) * (theta[i] - 0.3 * (double)i) - sin(theta[i]));
}

/* One step of the method: mc samples (all equal to w for a point mass), then step. */
static void adam_run(blr_method *m, blr_rng *r, int steps, double lr_factor)
{
    float theta[ADAM_P], g[ADAM_P];
    for (int t = 0; t < steps; t++) {
        for (int k = 0; k < m->cfg.mc; k++) {
            m->ops->sample(m, 0, theta, r);
            adam_grad(theta, g);
            m->ops->accumulate(m, 0, theta, g, NULL);
        }
        m->ops->step(m, lr_factor);
    }
}

/* Algorithm 1 by hand, in double, for two steps with lr factors 1 and 0.5 and two
 * accumulations per step (the second is a shifted gradient, so the average matters):
 * g_t = (∇ + ∇ + s)/2, m_t = β1 m + (1-β1) g_t, v_t = β2 v + (1-β2) g_t²,
 * w_t = w - α f_t (m_t/(1-β1^t)) / (sqrt(v_t/(1-β2^t)) + ε). ε = 1e-3 so it shows. */
Test(baseline_adam, two_steps_match_algorithm_1)
{
    blr_method_cfg c = adam_cfg();
    c.lr = 0.05;
    c.beta1 = 0.8;
    c.beta2 = 0.95;
    c.eps = 1e-3;
    const float w0[ADAM_P] = {0.4f, -1.2f, 2.0f};
    const float shift[ADAM_P] = {0.1f, -0.3f, 0.02f};
    const double factor[2] = {1.0, 0.5};
    blr_method *m = adam_make(&c, ADAM_P, w0);
    double w[ADAM_P], mom[ADAM_P] = {0}, v[ADAM_P] = {0};
    for (int i = 0; i < ADAM_P; i++)
        w[i] = w0[i];
    for (int t = 1; t <= 2; t++) {
        float theta[ADAM_P], g[ADAM_P], g2[ADAM_P];
        blr_rng r;
        blr_rng_init(&r, 1, BLR_RNG_TEST, 0);
        m->ops->sample(m, 0, theta, &r);
        adam_grad(theta, g);
        for (int i = 0; i < ADAM_P; i++)
            g2[i] = g[i] + shift[i];
        m->ops->accumulate(m, 0, theta, g, NULL);
        m->ops->accumulate(m, 0, theta, g2, NULL);
        m->ops->step(m, factor[t - 1]);
        float got[ADAM_P];
        m->ops->mean(m, got);
        for (int i = 0; i < ADAM_P; i++) {
            const double gt = ((double)g[i] + (double)g2[i]) / 2.0;
            mom[i] = c.beta1 * mom[i] + (1.0 - c.beta1) * gt;
            v[i] = c.beta2 * v[i] + (1.0 - c.beta2) * gt * gt;
            const double mhat = mom[i] / (1.0 - pow(c.beta1, t));
            const double vhat = v[i] / (1.0 - pow(c.beta2, t));
            w[i] -= c.lr * factor[t - 1] * mhat / (sqrt(vhat) + c.eps);
            cr_expect(fabs(got[i] - w[i]) < 1e-6 * (1.0 + fabs(w[i])),
                      "step %d, w[%d]: %.9g, by hand %.9g", t, i, got[i], w[i]);
        }
    }
    blr_method_free(m);
}

/* A point mass at w: every draw is w, sd 0, entropy -inf, and the reported base is dirac
 * whatever cfg says (BLR_NO_BASE). */
Test(baseline_adam, point_mass_interface)
{
    blr_method_cfg c = adam_cfg();
    cr_assert_eq(blr_base_init(&c.base, BLR_BASE_STUDENT_T, 5.0, 2.0, NULL, 0), 0);
    const float w0[ADAM_P] = {0.4f, -1.2f, 2.0f};
    blr_method *m = adam_make(&c, ADAM_P, w0);
    cr_expect_eq(m->cfg.base.kind, BLR_BASE_DIRAC);
    cr_expect_eq(m->flags & BLR_NEEDS_SQGRAD, 0u);
    blr_rng r;
    blr_rng_init(&r, 3, BLR_RNG_TEST, 0);
    adam_run(m, &r, 3, 1.0);
    float theta[ADAM_P], mean[ADAM_P], sd[ADAM_P];
    m->ops->sample(m, 0, theta, &r);
    m->ops->posterior(m, mean, sd);
    for (int i = 0; i < ADAM_P; i++) {
        cr_expect_eq(theta[i], mean[i]);
        cr_expect_eq(sd[i], 0.0f);
        cr_expect_neq(mean[i], w0[i], "w[%d] did not move", i);
    }
    double h = m->ops->entropy(m);
    cr_expect(isinf(h) && h < 0, "entropy %g", h);
    blr_method_free(m);
}

/* lbar is quadratic, so its minimizer is the posterior mean; full-batch Adam with a cosine
 * decay reaches it. α = 0.05 crosses the distance |μ| ≈ 2 from w0 = 0 in a few hundred
 * steps; the decay removes Adam's ±α oscillation around the minimum. */
Test(baseline_adam, reaches_the_posterior_mean)
{
    exact_linreg p;
    exact_linreg_make(&p);
    blr_method_cfg c;
    blr_method_cfg_defaults(&c);
    c.n_data = LR_N;
    c.lr = 0.05;
    const float w0[LR_D] = {0};
    blr_method *m = adam_make(&c, LR_D, w0);
    blr_rng r;
    blr_rng_init(&r, 5, BLR_RNG_TEST, 0);
    exact_linreg_train(&p, m, &r, 0, 3000, 3000, 0);
    float mean[LR_D];
    m->ops->mean(m, mean);
    for (int i = 0; i < LR_D; i++)
        cr_expect(fabs(mean[i] - p.mean[i]) <= 0.1 * p.mf_sd[i], "mean[%d] %g, exact %g (sd %g)",
                  i, mean[i], p.mean[i], p.mf_sd[i]);
    blr_method_free(m);
}

/* Creation fails with a message naming the field. */
static void adam_expect_error(const blr_method_cfg *c, const char *field)
{
    const float w0[ADAM_P] = {0};
    char err[256] = "";
    blr_method *m = (blr_method *)&err; /* must be reset to NULL */
    cr_expect_eq(blr_method_create_ops(&m, &blr_baseline_adam_ops, c, ADAM_P, w0, NULL, err,
                                       sizeof err),
                 -1, "%s accepted", field);
    cr_expect_null(m);
    cr_expect(strstr(err, field) != NULL, "message '%s' does not name %s", err, field);
}

Test(baseline_adam, bad_configurations)
{
    blr_method_cfg c = adam_cfg();
    c.lr = 1e39; /* finite in double, inf in float */
    adam_expect_error(&c, "lr");
    c = adam_cfg();
    c.lr = NAN;
    adam_expect_error(&c, "lr");
    c = adam_cfg();
    c.eps = 1e-50;
    adam_expect_error(&c, "eps");
    c = adam_cfg();
    c.eps = 0.0;
    adam_expect_error(&c, "eps");
    c = adam_cfg();
    c.beta1 = 1.0;
    adam_expect_error(&c, "beta1");
    c = adam_cfg();
    c.beta2 = -0.1;
    adam_expect_error(&c, "beta2");
    c = adam_cfg();
    const float w0[ADAM_P] = {0};
    char err[256] = "";
    blr_method *m = NULL;
    cr_expect_eq(blr_method_create_ops(&m, &blr_baseline_adam_ops, &c, 0, w0, NULL, err,
                                       sizeof err),
                 -1);
    cr_expect(strstr(err, "adam") != NULL, "message '%s' does not name the rule", err);
}
