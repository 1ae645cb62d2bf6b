/* The method interface of lib/method/rule.h and the three Lie-group rules, one step at a time:
 * the registry, configuration checks, `sgd` against a heavy-ball loop, each rule's update
 * against its algorithm written out here, entropies and posteriors against closed forms,
 * and the step-size schedule. Convergence is tests/test_exact.c; checkpoints are
 * tests/test_conformance.c. */
#include <criterion/criterion.h>
#include <math.h>
#include <omp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "group.h"
#include "rng.h"
#include "registry.h"
#include "threads.h"

#define P 7
#define PI 3.14159265358979323846
#define EULER_GAMMA 0.57721566490153286061

static blr_method_cfg rule_cfg(const char *rule, blr_base_kind base, double scale)
{
    blr_method_cfg c;
    blr_method_cfg_defaults(&c);
    snprintf(c.rule, sizeof c.rule, "%s", rule);
    c.base.kind = base;
    c.base.nu = 5.0;
    c.base.scale = scale;
    c.n_data = 50.0;
    return c;
}

static blr_method *rule_make(const blr_method_cfg *c, const float *w0, const float *w1)
{
    char err[256] = "";
    blr_method *m = NULL;
    cr_assert_eq(blr_method_create(&m, c, P, w0, w1, err, sizeof err), 0, "create: %s", err);
    return m;
}

static void rule_init_weights(float *w0, float *w1)
{
    blr_rng r;
    blr_rng_init(&r, 11, BLR_RNG_TEST, 0);
    for (size_t i = 0; i < P; i++) {
        w0[i] = (float)(0.5 * blr_rng_normal(&r));
        w1[i] = (float)(0.5 * blr_rng_normal(&r));
    }
}

/* ∇ of lbar(θ) = Σ_i c_i (θ_i - μ_i)² / 2 + sin(θ_i): a fixed smooth test function. */
static void rule_grad(const float *theta, float *grad)
{
    for (size_t i = 0; i < P; i++) {
        double c = 1.0 + 0.3 * (double)i, mu = 0.2 * (double)i - 0.5;
        grad[i] = (float)(c * (theta[i] - mu) + sin(theta[i]));
    }
}

/* ---- registry and defaults ------------------------------------------------------------ */

Test(rule, registry_lists_the_four_rules)
{
    const char *names[] = {"sgd", "lie-additive", "lie-multiplicative", "lie-affine"};
    size_t count = blr_method_count();
    for (size_t k = 0; k < 4; k++) {
        const blr_method_ops *ops = blr_method_find(names[k]);
        cr_assert_not_null(ops, "%s missing", names[k]);
        cr_assert_str_eq(ops->name, names[k]);
        cr_assert(ops->summary && ops->summary[0]);
        int listed = 0;
        for (size_t i = 0; i < count; i++)
            listed += blr_method_at(i) == ops;
        cr_assert_eq(listed, 1, "%s listed %d times", names[k], listed);
    }
    cr_assert_null(blr_method_at(count));
    cr_assert_null(blr_method_find("lie-nothing"));
    cr_assert_null(blr_method_find(NULL));
    cr_assert(blr_method_find("sgd")->flags & BLR_NO_BASE);
    cr_assert(blr_method_find("lie-multiplicative")->flags & BLR_NEEDS_TWO_INITS);
    cr_assert(blr_method_find("lie-multiplicative")->flags & BLR_POSITIVE_BASE);
    cr_assert(blr_method_find("lie-affine")->flags & BLR_SYMMETRIC_BASE);
}

/* The values documented in rule.h. */
Test(rule, defaults_are_documented_and_valid)
{
    blr_method_cfg c;
    blr_method_cfg_defaults(&c);
    cr_assert_eq(c.base.kind, BLR_BASE_GAUSSIAN);
    cr_assert_eq(c.base.scale, 1.0);
    cr_assert_eq(c.lr, 0.1);
    cr_assert_eq(c.lr2, 0.01);
    cr_assert_eq(c.beta1, 0.9);
    cr_assert_eq(c.beta2, 0.999);
    cr_assert_eq(c.temperature, 1.0);
    cr_assert_eq(c.prior_precision, 1.0);
    cr_assert_eq(c.init_offset, 1e-5);
    cr_assert_eq(c.init_a, 1.0);
    cr_assert_eq(c.fisher, 0);
    cr_assert_eq(c.mc, 1);
    cr_assert_eq(c.eps, 1e-8);
    cr_assert_eq(c.hess_init, 1.0);
    cr_assert_eq(c.clip_radius, 0.0);
    cr_assert_eq(c.init_sd, 1e-3);
    cr_assert_eq(c.hessian, BLR_HESSIAN_PRICE);
    char err[256];
    const char *ok[] = {"sgd", "lie-additive", "lie-affine"};
    for (size_t k = 0; k < 3; k++) {
        snprintf(c.rule, sizeof c.rule, "%s", ok[k]);
        cr_assert_eq(blr_method_check(&c, P, err, sizeof err), 0, "%s: %s", ok[k], err);
    }
}

/* ---- blr_method_check error paths ------------------------------------------------------ */

static void rule_expect_error(const blr_method_cfg *c, size_t n, const char *needle)
{
    char err[256] = "";
    cr_assert_eq(blr_method_check(c, n, err, sizeof err), -1, "accepted, expected '%s'",
                 needle);
    cr_assert(strstr(err, needle), "message '%s' does not name '%s'", err, needle);
    float w[P] = {0};
    blr_method stale, *m = &stale; /* create must reset it */
    err[0] = 0;
    cr_assert_eq(blr_method_create(&m, c, n, w, w, err, sizeof err), -1);
    cr_assert_null(m);
    cr_assert(strstr(err, needle), "create: message '%s' does not name '%s'", err, needle);
}

typedef struct {
    size_t offset;
    const char *name;
} rule_double_field;

Test(rule, check_rejects_bad_numbers)
{
    const rule_double_field positive[] = {
        {offsetof(blr_method_cfg, lr), "lr"},
        {offsetof(blr_method_cfg, lr2), "lr2"},
        {offsetof(blr_method_cfg, temperature), "temperature"},
        {offsetof(blr_method_cfg, n_data), "n_data"},
        {offsetof(blr_method_cfg, init_offset), "init_offset"},
        {offsetof(blr_method_cfg, init_a), "init_a"},
        {offsetof(blr_method_cfg, eps), "eps"},
        {offsetof(blr_method_cfg, hess_init), "hess_init"},
        {offsetof(blr_method_cfg, init_sd), "init_sd"},
    };
    const double not_positive[] = {0.0, -1.0, NAN, INFINITY};
    for (size_t f = 0; f < sizeof positive / sizeof positive[0]; f++)
        for (size_t k = 0; k < 4; k++) {
            blr_method_cfg c = rule_cfg("lie-affine", BLR_BASE_GAUSSIAN, 1.0);
            *(double *)((char *)&c + positive[f].offset) = not_positive[k];
            rule_expect_error(&c, P, positive[f].name);
        }
    const rule_double_field momentum[] = {
        {offsetof(blr_method_cfg, beta1), "beta1"},
        {offsetof(blr_method_cfg, beta2), "beta2"},
    };
    const double outside[] = {1.0, -0.1, 1.5, NAN};
    for (size_t f = 0; f < 2; f++)
        for (size_t k = 0; k < 4; k++) {
            blr_method_cfg c = rule_cfg("lie-affine", BLR_BASE_GAUSSIAN, 1.0);
            *(double *)((char *)&c + momentum[f].offset) = outside[k];
            rule_expect_error(&c, P, momentum[f].name);
        }
    const double bad_prior[] = {-1e-3, NAN, INFINITY};
    for (size_t k = 0; k < 3; k++) {
        blr_method_cfg c = rule_cfg("lie-affine", BLR_BASE_GAUSSIAN, 1.0);
        c.prior_precision = bad_prior[k];
        rule_expect_error(&c, P, "prior_precision");
    }
    blr_method_cfg c = rule_cfg("lie-affine", BLR_BASE_GAUSSIAN, 1.0);
    c.clip_radius = NAN;
    rule_expect_error(&c, P, "clip_radius");
    c = rule_cfg("lie-affine", BLR_BASE_GAUSSIAN, 1.0);
    c.mc = 0;
    rule_expect_error(&c, P, "mc");
    c = rule_cfg("lie-affine", BLR_BASE_GAUSSIAN, 1.0);
    c.hessian = (blr_hessian_kind)7;
    rule_expect_error(&c, P, "hessian");
    /* the boundary values are fine */
    char err[256];
    c = rule_cfg("lie-affine", BLR_BASE_GAUSSIAN, 1.0);
    c.prior_precision = 0.0;
    c.beta1 = c.beta2 = 0.0;
    cr_assert_eq(blr_method_check(&c, P, err, sizeof err), 0, "%s", err);
}

Test(rule, check_rejects_unknown_rule_and_empty_model)
{
    blr_method_cfg c = rule_cfg("lie-nothing", BLR_BASE_GAUSSIAN, 1.0);
    rule_expect_error(&c, P, "lie-nothing");
    c = rule_cfg("lie-affine", BLR_BASE_GAUSSIAN, 1.0);
    rule_expect_error(&c, 0, "n = 0");
}

Test(rule, check_rejects_bases_that_do_not_fit)
{
    blr_method_cfg c = rule_cfg("lie-multiplicative", BLR_BASE_GAUSSIAN, 1.0);
    rule_expect_error(&c, P, "gaussian");
    c = rule_cfg("lie-multiplicative", BLR_BASE_DIRAC, 1.0);
    rule_expect_error(&c, P, "dirac");
    c = rule_cfg("lie-affine", BLR_BASE_RAYLEIGH, 1.0);
    rule_expect_error(&c, P, "rayleigh");
    c = rule_cfg("lie-affine", BLR_BASE_DIRAC, 1.0);
    rule_expect_error(&c, P, "dirac");
    c = rule_cfg("lie-additive", BLR_BASE_EXPONENTIAL, 1.0);
    rule_expect_error(&c, P, "exponential");
    c = rule_cfg("lie-additive", BLR_BASE_DIRAC, 1.0);
    c.fisher = 1;
    rule_expect_error(&c, P, "fisher");
    c = rule_cfg("sgd", BLR_BASE_GAUSSIAN, 1.0);
    c.fisher = 1;
    rule_expect_error(&c, P, "fisher");
    /* invalid bases, through blr_base_init */
    c = rule_cfg("lie-affine", BLR_BASE_GAUSSIAN, 0.0);
    rule_expect_error(&c, P, "scale");
    c = rule_cfg("lie-affine", BLR_BASE_STUDENT_T, 1.0);
    c.base.nu = -2.0;
    rule_expect_error(&c, P, "nu");
    c = rule_cfg("lie-affine", BLR_BASE_GAUSSIAN, 1.0);
    c.base.kind = BLR_BASE_COUNT;
    rule_expect_error(&c, P, "base");
    /* sgd ignores its base, even an invalid one */
    char err[256];
    c = rule_cfg("sgd", BLR_BASE_RAYLEIGH, -3.0);
    cr_assert_eq(blr_method_check(&c, P, err, sizeof err), 0, "%s", err);
    /* dirac is fine for lie-additive */
    c = rule_cfg("lie-additive", BLR_BASE_DIRAC, 1.0);
    cr_assert_eq(blr_method_check(&c, P, err, sizeof err), 0, "%s", err);
}

Test(rule, create_needs_the_initial_draws)
{
    char err[256] = "";
    float w[P] = {0};
    blr_method *m = NULL;
    blr_method_cfg c = rule_cfg("lie-multiplicative", BLR_BASE_RAYLEIGH, 1.0);
    cr_assert_eq(blr_method_create(&m, &c, P, w, NULL, err, sizeof err), -1);
    cr_assert_null(m);
    cr_assert(strstr(err, "w1"), "%s", err);
    c = rule_cfg("lie-affine", BLR_BASE_GAUSSIAN, 1.0);
    cr_assert_eq(blr_method_create(&m, &c, P, NULL, NULL, err, sizeof err), -1);
    cr_assert(strstr(err, "initial weights"), "%s", err);
    blr_method_free(NULL);
}

/* ---- sgd is heavy-ball SGD ------------------------------------------------------------- */

/* Heavy-ball SGD written out: m <- β m + (1-β) g; w <- w - α f_t m, in float like the
 * rule's state, with β, 1 - β and α f_t rounded to float. With mc = 2 the gradient is the
 * mean of two evaluations at w. */
Test(rule, sgd_is_bit_identical_to_heavy_ball)
{
    float w0[P], w1[P], w[P], mom[P] = {0}, theta[P], g[P], g2[P], g_ref[P];
    rule_init_weights(w0, w1);
    memcpy(w, w0, sizeof w);
    blr_method_cfg c = rule_cfg("sgd", BLR_BASE_GAUSSIAN, 1.0); /* base ignored */
    c.lr = 0.07;
    c.beta1 = 0.8;
    c.mc = 2;
    blr_method *m = rule_make(&c, w0, NULL);
    cr_assert_eq(m->cfg.base.kind, BLR_BASE_DIRAC);
    cr_assert(isinf(m->ops->entropy(m)) && m->ops->entropy(m) < 0);
    blr_rng r;
    blr_rng_init(&r, 5, BLR_RNG_TEST, 0);
    const long T = 40;
    for (long t = 0; t < T; t++) {
        for (int s = 0; s < 2; s++) {
            m->ops->sample(m, 0, theta, &r);
            cr_assert(memcmp(theta, w, sizeof w) == 0, "step %ld: sample is not w", t);
            rule_grad(theta, g);
            for (size_t i = 0; i < P; i++)
                g[i] *= (float)(1.0 + 0.5 * s); /* two different "minibatches" */
            m->ops->accumulate(m, 0, theta, g, NULL);
            if (s == 0)
                memcpy(g2, g, sizeof g);
        }
        double f = blr_schedule_factor(BLR_SCHEDULE_COSINE, t, T, 3);
        m->ops->step(m, f);
        const float beta = 0.8f, one_minus_beta = 0.2f, alpha = (float)(0.07 * f);
        for (size_t i = 0; i < P; i++) {
            g_ref[i] = g2[i] + g[i];
            float gbar = g_ref[i] * 0.5f;
            mom[i] = beta * mom[i] + one_minus_beta * gbar;
            w[i] = w[i] - alpha * mom[i];
        }
        m->ops->mean(m, theta);
        cr_assert(memcmp(theta, w, sizeof w) == 0, "step %ld differs", t);
    }
    blr_method_free(m);
}

/* ---- one step of each rule against its algorithm -------------------------------------- */

/* Algorithm 1 with Fisher scaling: X = E[∇]/F_v with F_v = F_v(standard)/s². Closed forms
 * (docs/design.md §3.2): gaussian F_v = 1, student-t(ν) F_v = (ν+1)/(ν+3). */
Test(rule, additive_fisher_step)
{
    const blr_base_kind kinds[] = {BLR_BASE_GAUSSIAN, BLR_BASE_STUDENT_T};
    const double fv_std[] = {1.0, 6.0 / 8.0}, s = 0.3;
    for (size_t k = 0; k < 2; k++) {
        float w0[P], w1[P], theta[P], g[P], w[P];
        rule_init_weights(w0, w1);
        blr_method_cfg c = rule_cfg("lie-additive", kinds[k], s);
        c.fisher = 1;
        c.lr = 0.5;
        c.beta1 = 0.6;
        blr_method *m = rule_make(&c, w0, NULL);
        blr_rng r;
        blr_rng_init(&r, 9, BLR_RNG_TEST, k);
        m->ops->sample(m, 0, theta, &r);
        rule_grad(theta, g);
        m->ops->accumulate(m, 0, theta, g, NULL);
        m->ops->step(m, 1.0);
        m->ops->mean(m, w);
        for (size_t i = 0; i < P; i++) {
            double want = w0[i] - 0.5 * (1.0 - 0.6) * g[i] * s * s / fv_std[k];
            cr_assert(fabs(w[i] - want) <= 1e-5 * fmax(1.0, fabs(want)), "%zu: %g vs %g", i,
                      w[i], want);
        }
        blr_method_free(m);
    }
}

/* Algorithm 2, two steps (so the momentum matters), with the ξ± the method drew
 * reproduced from the same stream: sample draws ξ+ then ξ- with blr_base_sample. With
 * `fisher` and the Rayleigh(1) base, 1 + εψ(ε) = 2 - ε² and E[(2 - ε²)²] = 4 - 4·2 + 8 = 4
 * (E ε² = 2, E ε⁴ = 8), so X± is divided by F_u = 4. */
Test(rule, multiplicative_steps_match_algorithm_2)
{
    for (int fisher = 0; fisher <= 1; fisher++) {
        float w0[P], w1[P], theta[P], g[P], xp[P], xm[P], mean[P], sd[P];
        rule_init_weights(w0, w1);
        blr_method_cfg c = rule_cfg("lie-multiplicative", BLR_BASE_RAYLEIGH, 1.0);
        c.lr = 0.3;
        c.beta1 = 0.5;
        c.init_offset = 0.01;
        c.fisher = fisher;
        c.mc = 2;
        blr_method *m = rule_make(&c, w0, w1);
        double gp[P], gm[P], mp[P] = {0}, mm[P] = {0}, tau = 1.0 / 50.0, fu = fisher ? 4.0 : 1.0;
        for (size_t i = 0; i < P; i++) {
            gp[i] = fabs((double)w0[i]) + 0.01;
            gm[i] = fabs((double)w1[i]) + 0.01;
        }
        blr_rng r, copy;
        blr_rng_init(&r, 21, BLR_RNG_TEST, (uint64_t)fisher);
        for (int t = 0; t < 2; t++) {
            double sp[P] = {0}, sm[P] = {0};
            for (int s = 0; s < 2; s++) {
                copy = r;
                m->ops->sample(m, 0, theta, &r);
                blr_base_sample(&m->cfg.base, &copy, xp, P);
                blr_base_sample(&m->cfg.base, &copy, xm, P);
                rule_grad(theta, g);
                m->ops->accumulate(m, 0, theta, g, NULL);
                for (size_t i = 0; i < P; i++) {
                    cr_assert(fabs(theta[i] - (gp[i] * xp[i] - gm[i] * xm[i])) < 1e-5);
                    sp[i] += g[i] * gp[i] * xp[i] / 2.0;
                    sm[i] += g[i] * gm[i] * xm[i] / 2.0;
                }
            }
            m->ops->step(m, 1.0);
            for (size_t i = 0; i < P; i++) {
                mp[i] = 0.5 * mp[i] + 0.5 * (sp[i] - tau) / fu;
                mm[i] = 0.5 * mm[i] + 0.5 * (-sm[i] - tau) / fu;
                gp[i] *= exp(-0.3 * mp[i]);
                gm[i] *= exp(-0.3 * mm[i]);
            }
        }
        m->ops->posterior(m, mean, sd);
        double sd_xi = sqrt((4.0 - PI) / 2.0); /* Rayleigh(1) */
        for (size_t i = 0; i < P; i++) {
            double want = gp[i] - gm[i], want_sd = sd_xi * sqrt(gp[i] * gp[i] + gm[i] * gm[i]);
            cr_assert(fabs(mean[i] - want) <= 1e-5, "fisher %d, %zu: %g vs %g", fisher, i,
                      mean[i], want);
            cr_assert(fabs(sd[i] - want_sd) <= 1e-5 * want_sd);
        }
        /* lifted entropy: Σ log g± + 2P H(Rayleigh(1)), H = 1 + log(1/√2) + γ/2 */
        double h = 2.0 * P * (1.0 - 0.5 * log(2.0) + EULER_GAMMA / 2.0);
        for (size_t i = 0; i < P; i++)
            h += log(gp[i]) + log(gm[i]);
        cr_assert(fabs(m->ops->entropy(m) - h) < 1e-4, "%g vs %g", m->ops->entropy(m), h);
        blr_method_free(m);
    }
}

/* Algorithm 3, two steps, with ξ reproduced from the same stream. With `fisher` and a
 * Laplace base of scale s: F_u = 1, F_v = 1/s² (docs/design.md §3.2). */
Test(rule, affine_steps_match_algorithm_3)
{
    const double s = 0.4, a1 = 0.2, a2 = 0.05, b1 = 0.7, b2 = 0.9, tau = 2.0 / 50.0;
    for (int fisher = 0; fisher <= 1; fisher++) {
        float w0[P], w1[P], theta[P], g[P], xi[P], mean[P], sd[P];
        rule_init_weights(w0, w1);
        blr_method_cfg c = rule_cfg("lie-affine", BLR_BASE_LAPLACE, s);
        c.lr = a1;
        c.lr2 = a2;
        c.beta1 = b1;
        c.beta2 = b2;
        c.temperature = 2.0;
        c.init_a = 0.8;
        c.fisher = fisher;
        blr_method *m = rule_make(&c, w0, NULL);
        double A[P], B[P], MU[P] = {0}, MV[P] = {0}, fu = 1.0, fv = fisher ? 1.0 / (s * s) : 1.0;
        for (size_t i = 0; i < P; i++) {
            A[i] = 0.8;
            B[i] = w0[i];
        }
        blr_rng r, copy;
        blr_rng_init(&r, 31, BLR_RNG_TEST, (uint64_t)fisher);
        for (int t = 0; t < 2; t++) {
            double f = t == 0 ? 1.0 : 0.5;
            copy = r;
            m->ops->sample(m, 0, theta, &r);
            blr_base_sample(&m->cfg.base, &copy, xi, P);
            rule_grad(theta, g);
            m->ops->accumulate(m, 0, theta, g, NULL);
            m->ops->step(m, f);
            for (size_t i = 0; i < P; i++) {
                double u = (A[i] * xi[i] * g[i] - tau) / fu, v = A[i] * g[i] / fv;
                MU[i] = b2 * MU[i] + (1 - b2) * u;
                MV[i] = b1 * MV[i] + (1 - b1) * v;
                /* φ(x) = (exp(-α1 x) - 1)/x; |MU| is far from 0 here */
                B[i] += A[i] * MV[i] * (exp(-a1 * f * MU[i]) - 1.0) / MU[i];
                A[i] *= exp(-a2 * f * MU[i]);
            }
        }
        m->ops->posterior(m, mean, sd);
        double sd_xi = sqrt(2.0) * s; /* Laplace(s): variance 2 s² */
        for (size_t i = 0; i < P; i++) {
            cr_assert(fabs(mean[i] - B[i]) <= 1e-5, "fisher %d, b[%zu]: %g vs %g", fisher, i,
                      mean[i], B[i]);
            cr_assert(fabs(sd[i] - A[i] * sd_xi) <= 1e-5 * A[i] * sd_xi, "sd[%zu]", i);
        }
        /* H = Σ log A + P H(Laplace(s)), H(Laplace(s)) = 1 + log(2s) */
        double h = P * (1.0 + log(2.0 * s));
        for (size_t i = 0; i < P; i++)
            h += log(A[i]);
        cr_assert(fabs(m->ops->entropy(m) - h) < 1e-4, "%g vs %g", m->ops->entropy(m), h);
        blr_method_free(m);
    }
}

/* ---- the fused passes against plain loops --------------------------------------------- */

/* The rules' sample, accumulate and step are fused passes, run BLR_FASTMATH_BLOCK elements at
 * a time and then a scalar tail, and the first accumulate of a step assigns the sums. Each
 * rule runs here beside a plain loop of the same float arithmetic — sums cleared, then added
 * to — and both must agree bit for bit (compared with ==, which also equates a cleared sum's
 * 0 + (-0) = +0 with an assigned -0): at sizes below, at and above the block, with 1, 3, 0
 * (E over no samples is 0) and 2 samples per step. */
#define FUSED_NMAX 165 /* two blocks of 64 and a tail of 37 */
static const size_t fused_sizes[] = {5, 64, FUSED_NMAX};
static const int fused_samples[] = {1, 3, 0, 2};
static const double fused_factors[] = {1.0, 0.5, 0.25, 0.8};
#define FUSED_STEPS 4

static blr_method *fused_make(const blr_method_cfg *c, size_t n, const float *w0)
{
    char err[256] = "";
    blr_method *m = NULL;
    cr_assert_eq(blr_method_create(&m, c, n, w0, NULL, err, sizeof err), 0, "create: %s", err);
    return m;
}

/* N(0, s²) draws in float, for initial weights and stand-in gradients. */
static void fused_fill(blr_rng *r, float *x, size_t n, double s)
{
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(s * blr_rng_normal(r));
}

/* Algorithm 1 as plain float loops: X = E[∇] (÷ F_v), m <- β1 m + (1-β1) X, w <- w - α m. */
Test(rule, additive_fused_passes_match_plain_loops)
{
    for (int fisher = 0; fisher <= 1; fisher++)
        for (size_t z = 0; z < sizeof fused_sizes / sizeof *fused_sizes; z++) {
            const size_t n = fused_sizes[z];
            float w[FUSED_NMAX], mom[FUSED_NMAX] = {0}, sum[FUSED_NMAX], xi[FUSED_NMAX];
            float theta[FUSED_NMAX], g[FUSED_NMAX], out[FUSED_NMAX];
            blr_rng r, copy, gr;
            blr_rng_init(&gr, 3, BLR_RNG_TEST, n);
            fused_fill(&gr, w, n, 0.5);
            blr_method_cfg c = rule_cfg("lie-additive", BLR_BASE_STUDENT_T, 0.3);
            c.lr = 0.3;
            c.beta1 = 0.7;
            c.fisher = fisher;
            blr_method *m = fused_make(&c, n, w);
            double inv_fv, inv_fu;
            char err[256] = "";
            cr_assert_eq(blr_method_fisher_scale(&c, &inv_fv, &inv_fu, err, sizeof err), 0, "%s",
                         err);
            blr_rng_init(&r, 19, BLR_RNG_TEST, n);
            for (int t = 0; t < FUSED_STEPS; t++) {
                for (size_t i = 0; i < n; i++)
                    sum[i] = 0.0f;
                for (int k = 0; k < fused_samples[t]; k++) {
                    copy = r;
                    m->ops->sample(m, 0, theta, &r);
                    blr_base_sample(&c.base, &copy, xi, n);
                    for (size_t i = 0; i < n; i++)
                        cr_assert(theta[i] == w[i] + xi[i], "n %zu step %d: theta[%zu]", n, t, i);
                    fused_fill(&gr, g, n, 1.0);
                    m->ops->accumulate(m, 0, theta, g, NULL);
                    for (size_t i = 0; i < n; i++)
                        sum[i] += g[i];
                }
                m->ops->step(m, fused_factors[t]);
                const int k = fused_samples[t];
                const float scale = (float)((k > 0 ? 1.0 / k : 0.0) * inv_fv);
                const float beta = (float)c.beta1, betac = (float)(1.0 - c.beta1);
                const float alpha = (float)(c.lr * fused_factors[t]);
                for (size_t i = 0; i < n; i++) {
                    const float x = sum[i] * scale;
                    mom[i] = beta * mom[i] + betac * x;
                    w[i] = w[i] - alpha * mom[i];
                }
                m->ops->mean(m, out);
                for (size_t i = 0; i < n; i++)
                    cr_assert(out[i] == w[i], "fisher %d n %zu step %d: w[%zu] %a, plain %a",
                              fisher, n, t, i, out[i], w[i]);
            }
            blr_method_free(m);
        }
}

/* Algorithm 3 as plain float loops: U = A ⊙ E[ξ ⊙ ∇] - τ~, V = A ⊙ E[∇] (÷ F_u, F_v),
 * MU <- β2 MU + (1-β2) U, MV <- β1 MV + (1-β1) V, (A, b) <- (A, b) · step(MU, MV), the step
 * element and the product from group.h's coordinate functions (tests/test_group.c checks
 * those against the closed forms). With q0 = N(0, 1), posterior() reports sd = A exactly. A
 * large α2 drives some A to the clamp, which must be counted the same. */
Test(rule, affine_fused_passes_match_plain_loops)
{
    for (int fisher = 0; fisher <= 1; fisher++)
        for (size_t z = 0; z < sizeof fused_sizes / sizeof *fused_sizes; z++) {
            const size_t n = fused_sizes[z];
            float a[FUSED_NMAX], b[FUSED_NMAX], mu[FUSED_NMAX] = {0}, mv[FUSED_NMAX] = {0};
            float su[FUSED_NMAX], sv[FUSED_NMAX], xi[FUSED_NMAX], theta[FUSED_NMAX];
            float g[FUSED_NMAX], mean[FUSED_NMAX], sd[FUSED_NMAX];
            blr_rng r, copy, gr;
            blr_rng_init(&gr, 4, BLR_RNG_TEST, n);
            fused_fill(&gr, b, n, 0.5);
            blr_method_cfg c = rule_cfg("lie-affine", BLR_BASE_GAUSSIAN, 1.0);
            c.lr = 0.2;
            c.lr2 = 6.0; /* some A reach the clamp, none overflows b to NaN */
            c.beta1 = 0.7;
            c.beta2 = 0.6;
            c.temperature = 2.0;
            c.init_a = 0.8;
            c.fisher = fisher;
            blr_method *m = fused_make(&c, n, b);
            for (size_t i = 0; i < n; i++)
                a[i] = 0.8f;
            double inv_fv, inv_fu;
            char err[256] = "";
            cr_assert_eq(blr_method_fisher_scale(&c, &inv_fv, &inv_fu, err, sizeof err), 0, "%s",
                         err);
            long saturated = 0;
            blr_rng_init(&r, 23, BLR_RNG_TEST, n);
            for (int t = 0; t < FUSED_STEPS; t++) {
                for (size_t i = 0; i < n; i++)
                    su[i] = sv[i] = 0.0f;
                for (int k = 0; k < fused_samples[t]; k++) {
                    copy = r;
                    m->ops->sample(m, 0, theta, &r);
                    blr_base_sample(&c.base, &copy, xi, n);
                    for (size_t i = 0; i < n; i++)
                        cr_assert(theta[i] == a[i] * xi[i] + b[i], "n %zu step %d: theta[%zu]",
                                  n, t, i);
                    fused_fill(&gr, g, n, 1.0);
                    m->ops->accumulate(m, 0, theta, g, NULL);
                    for (size_t i = 0; i < n; i++) {
                        su[i] += xi[i] * g[i];
                        sv[i] += g[i];
                    }
                }
                m->ops->step(m, fused_factors[t]);
                const int k = fused_samples[t];
                const float avg = (float)(k > 0 ? 1.0 / k : 0.0);
                const float tau = (float)(c.temperature / c.n_data);
                const float fu = (float)inv_fu, fv = (float)inv_fv;
                const float b1 = (float)c.beta1, b1c = (float)(1.0 - c.beta1);
                const float b2 = (float)c.beta2, b2c = (float)(1.0 - c.beta2);
                const float al1 = (float)(c.lr * fused_factors[t]);
                const float al2 = (float)(c.lr2 * fused_factors[t]);
                int sat = 0;
                for (size_t i = 0; i < n; i++) {
                    const float u = (a[i] * (su[i] * avg) - tau) * fu;
                    const float v = a[i] * (sv[i] * avg) * fv;
                    mu[i] = b2 * mu[i] + b2c * u;
                    mv[i] = b1 * mv[i] + b1c * v;
                    const blr_group_affine_elt old = {a[i], b[i]};
                    const blr_group_affine_elt nw =
                        blr_group_affine_compose1(old, blr_group_affine_step1(mu[i], mv[i], al1,
                                                                              al2));
                    a[i] = blr_group_positive_clamp(nw.a, &sat);
                    b[i] = nw.b;
                }
                saturated += sat;
                m->ops->posterior(m, mean, sd);
                for (size_t i = 0; i < n; i++) {
                    cr_assert(mean[i] == b[i], "fisher %d n %zu step %d: b[%zu] %a, plain %a",
                              fisher, n, t, i, mean[i], b[i]);
                    cr_assert(sd[i] == a[i], "fisher %d n %zu step %d: A[%zu] %a, plain %a",
                              fisher, n, t, i, sd[i], a[i]);
                }
                cr_assert_eq(m->invalid_updates, saturated, "fisher %d n %zu step %d", fisher, n,
                             t);
            }
            if (n == FUSED_NMAX)
                cr_assert(saturated > 0, "fisher %d: no A reached the clamp", fisher);
            blr_method_free(m);
        }
}

/* Additive: mean w, sd of ξ, entropy P H(q0); gaussian H(N(0, s²)) = log(s √(2πe)). */
Test(rule, additive_posterior_and_entropy)
{
    float w0[P], w1[P], mean[P], sd[P];
    rule_init_weights(w0, w1);
    blr_method_cfg c = rule_cfg("lie-additive", BLR_BASE_GAUSSIAN, 0.25);
    blr_method *m = rule_make(&c, w0, NULL);
    m->ops->posterior(m, mean, sd);
    for (size_t i = 0; i < P; i++) {
        cr_assert_eq(mean[i], w0[i]);
        cr_assert_float_eq(sd[i], 0.25, 1e-7);
    }
    double h = P * log(0.25 * sqrt(2.0 * PI * exp(1.0)));
    cr_assert(fabs(m->ops->entropy(m) - h) < 1e-9, "%g vs %g", m->ops->entropy(m), h);
    blr_method_free(m);
}

/* ---- schedule --------------------------------------------------------------------------- */

/* cosine 0.5(1 + cos(π t/T)): 1 at t = 0, (1 + √2/2)/2 at T/4, 1/2 at T/2, 0 at T;
 * warm-up (t+1)/w for t < w. */
Test(rule, schedule_values)
{
    const double eps = 1e-15;
    cr_assert(fabs(blr_schedule_factor(BLR_SCHEDULE_CONSTANT, 0, 100, 0) - 1.0) < eps);
    cr_assert(fabs(blr_schedule_factor(BLR_SCHEDULE_CONSTANT, 99, 100, 0) - 1.0) < eps);
    cr_assert(fabs(blr_schedule_factor(BLR_SCHEDULE_COSINE, 0, 100, 0) - 1.0) < eps);
    cr_assert(fabs(blr_schedule_factor(BLR_SCHEDULE_COSINE, 25, 100, 0) -
                   (1.0 + sqrt(2.0) / 2.0) / 2.0) < eps);
    cr_assert(fabs(blr_schedule_factor(BLR_SCHEDULE_COSINE, 50, 100, 0) - 0.5) < eps);
    cr_assert(fabs(blr_schedule_factor(BLR_SCHEDULE_COSINE, 100, 100, 0)) < eps);
    cr_assert(fabs(blr_schedule_factor(BLR_SCHEDULE_COSINE, 150, 100, 0)) < eps);
    cr_assert(fabs(blr_schedule_factor(BLR_SCHEDULE_COSINE, 0, 100, 4) - 0.25) < eps);
    cr_assert(fabs(blr_schedule_factor(BLR_SCHEDULE_COSINE, 2, 100, 4) - 0.75) < eps);
    cr_assert(fabs(blr_schedule_factor(BLR_SCHEDULE_CONSTANT, 3, 100, 4) - 1.0) < eps);
    cr_assert(fabs(blr_schedule_factor(BLR_SCHEDULE_CONSTANT, 4, 100, 4) - 1.0) < eps);
    cr_assert(fabs(blr_schedule_factor(BLR_SCHEDULE_COSINE, 50, 100, 4) - 0.5) < eps);
}

/* cosine-epoch, the paper's code's train.py: t counts epochs, the warm-up factors are
 * (t+1)/w and the cosine starts after them, 0.5(1 + cos(π (t - w)/(T - w))). Its MLP command
 * (--epochs 25 → T = 26, no warm-up) and its CNN command (--epochs 180 --warmup 3 → T = 181). */
Test(rule, schedule_per_epoch_values)
{
    const double eps = 1e-15, pi = 3.14159265358979323846;
    const blr_schedule s = BLR_SCHEDULE_COSINE_EPOCH;
    cr_assert(fabs(blr_schedule_factor(s, 0, 26, 0) - 1.0) < eps);
    cr_assert(fabs(blr_schedule_factor(s, 13, 26, 0) - 0.5) < eps);
    cr_assert(fabs(blr_schedule_factor(s, 25, 26, 0) - 0.5 * (1.0 + cos(pi * 25 / 26))) < eps);
    cr_assert(blr_schedule_factor(s, 25, 26, 0) > 0.003, "the last epoch still moves");
    cr_assert(fabs(blr_schedule_factor(s, 0, 181, 3) - 1.0 / 3) < eps);
    cr_assert(fabs(blr_schedule_factor(s, 1, 181, 3) - 2.0 / 3) < eps);
    cr_assert(fabs(blr_schedule_factor(s, 2, 181, 3) - 1.0) < eps);
    cr_assert(fabs(blr_schedule_factor(s, 3, 181, 3) - 1.0) < eps);
    cr_assert(fabs(blr_schedule_factor(s, 92, 181, 3) - 0.5) < eps);
    cr_assert(fabs(blr_schedule_factor(s, 4, 4, 4) - 1.0) < eps, "all warm-up: no cosine");
    cr_assert_str_eq(blr_schedule_names[s], "cosine-epoch");
}

/* The setup of the tests that run every registered method: small steps, a base that fits,
 * mc samples per step, and two independent initial weight vectors. */
static blr_method_cfg every_method_cfg(const blr_method_ops *ops, int mc)
{
    int positive = (ops->flags & BLR_POSITIVE_BASE) != 0;
    blr_method_cfg c = rule_cfg(ops->name, positive ? BLR_BASE_RAYLEIGH : BLR_BASE_GAUSSIAN,
                                positive ? 1.0 : 0.01);
    c.lr = 1e-3;
    c.lr2 = 1e-3;
    c.mc = mc;
    return c;
}

static void every_method_weights(uint64_t seed, float *w0, float *w1, size_t n)
{
    blr_rng init;
    blr_rng_init(&init, seed, BLR_RNG_TEST, 0);
    fused_fill(&init, w0, n, 0.1);
    fused_fill(&init, w1, n, 0.1);
}

/* The passes of every method are split over threads in whole blocks and the random fills
 * seed each block by its index (lib/prob/threads.h, lib/prob/rng.h), so a method's trajectory is
 * bit-identical for 1, 2 and 3 threads: P large enough to be split, two MC samples per step,
 * stand-in gradients (and per-example squares) from a fixed stream. */
Test(rule, every_method_is_independent_of_thread_count)
{
    enum { NT = 3 * BLR_THREADS_MIN + 77, STEPS = 3 };
    static float w0[NT], w1[NT], theta[NT], grad[NT], sq[NT], mean[3][NT], sd[3][NT];
    every_method_weights(31, w0, w1, NT);
    for (size_t k = 0; k < blr_method_count(); k++) {
        const blr_method_ops *ops = blr_method_at(k);
        blr_method_cfg c = every_method_cfg(ops, 2);
        for (int threads = 1; threads <= 3; threads++) {
            omp_set_num_threads(threads);
            char err[256] = "";
            blr_method *m = NULL;
            cr_assert_eq(blr_method_create(&m, &c, NT, w0, w1, err, sizeof err), 0, "%s: %s",
                         ops->name, err);
            blr_rng noise, g;
            blr_rng_init(&noise, 32, BLR_RNG_TEST, k);
            blr_rng_init(&g, 33, BLR_RNG_TEST, k);
            for (int t = 0; t < STEPS; t++) {
                for (int s = 0; s < c.mc; s++) {
                    m->ops->sample(m, 0, theta, &noise);
                    blr_rng_fill_normal(&g, grad, NT);
                    for (size_t i = 0; i < NT; i++)
                        sq[i] = grad[i] * grad[i];
                    m->ops->accumulate(m, 0, theta, grad, sq);
                }
                m->ops->step(m, 1.0);
            }
            m->ops->posterior(m, mean[threads - 1], sd[threads - 1]);
            blr_method_free(m);
            if (threads > 1) {
                cr_assert_eq(memcmp(mean[0], mean[threads - 1], sizeof mean[0]), 0,
                             "%s: mean differs with %d threads", ops->name, threads);
                cr_assert_eq(memcmp(sd[0], sd[threads - 1], sizeof sd[0]), 0,
                             "%s: sd differs with %d threads", ops->name, threads);
            }
        }
    }
}

/* Sample k keeps its draw in slot k: drawing all mc samples first and accumulating them
 * after (what lib/run/step.c does) moves q exactly as sample, accumulate, sample, accumulate. */
Test(rule, every_method_keeps_each_sample_in_its_slot)
{
    enum { NS = 1000, MC = 3, STEPS = 2 };
    static float w0[NS], w1[NS], theta[MC][NS], grad[MC][NS], sq[MC][NS], mean[2][NS], sd[2][NS];
    every_method_weights(34, w0, w1, NS);
    for (size_t k = 0; k < blr_method_count(); k++) {
        const blr_method_ops *ops = blr_method_at(k);
        blr_method_cfg c = every_method_cfg(ops, MC);
        for (int batched = 0; batched <= 1; batched++) {
            blr_method *m = rule_make(&c, w0, w1);
            blr_rng noise, g;
            blr_rng_init(&noise, 35, BLR_RNG_TEST, k);
            blr_rng_init(&g, 36, BLR_RNG_TEST, k);
            for (int t = 0; t < STEPS; t++) {
                for (int s = 0; s < MC; s++) {
                    blr_rng_fill_normal(&g, grad[s], NS);
                    for (size_t i = 0; i < NS; i++)
                        sq[s][i] = grad[s][i] * grad[s][i];
                }
                if (batched) {
                    for (int s = 0; s < MC; s++)
                        m->ops->sample(m, s, theta[s], &noise);
                    for (int s = 0; s < MC; s++)
                        m->ops->accumulate(m, s, theta[s], grad[s], sq[s]);
                } else {
                    for (int s = 0; s < MC; s++) {
                        m->ops->sample(m, 0, theta[0], &noise);
                        m->ops->accumulate(m, 0, theta[0], grad[s], sq[s]);
                    }
                }
                m->ops->step(m, 1.0);
            }
            m->ops->posterior(m, mean[batched], sd[batched]);
            blr_method_free(m);
        }
        cr_assert_eq(memcmp(mean[0], mean[1], sizeof mean[0]), 0, "%s: mean differs", ops->name);
        cr_assert_eq(memcmp(sd[0], sd[1], sizeof sd[0]), 0, "%s: sd differs", ops->name);
    }
}
