/* The Lie-group rules against exact answers (docs/design.md §3.8):
 * (a) on Bayesian linear regression the affine rule reaches the exact mean-field
 *     posterior (mean = posterior mean, sd_i = sqrt(τ~/h_ii)) for several symmetric bases;
 * (b) with Fisher scaling and a Gaussian base one affine step is one classic BLR step up to
 *     O(α²);
 * (c) the multiplicative rule decreases its objective on logistic regression and keeps
 *     g± positive and finite under a huge step. */
#include <criterion/criterion.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <string.h>

#include "base.h"
#include "rng.h"
#include "registry.h"

/* ---- (a) Bayesian linear regression ----------------------------------------------------- */

#include "fixture_linreg.h"

/* Step sizes: the base scale s = 0.05 is near the posterior sd (sqrt(τ~/h_ii) ≈ 0.04-0.06),
 * so A stays near init_a = 1 and the b step α1 A² h stays well below 1 at α1 = 0.05 (the
 * largest eigenvalue of h is about 10); log A relaxes at rate 2 α2 τ~ = 0.04 per step at
 * α2 = 2, slow enough that the large gradients of the first steps (b starts at 0, |μ| ≈ 2)
 * do not throw A around. 16 samples per step and the cosine decay bring the noise of the
 * final iterate well inside the tolerance. */
static void exact_affine_fit(const exact_linreg *p, blr_base_kind kind, double nu, double scale,
                             float *mean, float *sd)
{
    blr_method_cfg c;
    blr_method_cfg_defaults(&c);
    snprintf(c.rule, sizeof c.rule, "lie-affine");
    c.base.kind = kind;
    c.base.nu = nu;
    c.base.scale = scale;
    c.n_data = LR_N;
    c.temperature = 1.0;
    c.prior_precision = 1.0;
    c.lr = 0.05;
    c.lr2 = 2.0;
    c.beta1 = 0.9;
    c.beta2 = 0.9;
    c.mc = 16;
    float w0[LR_D] = {0};
    char err[256];
    blr_method *m = NULL;
    cr_assert_eq(blr_method_create(&m, &c, LR_D, w0, NULL, err, sizeof err), 0, "%s", err);
    blr_rng r;
    blr_rng_init(&r, 7, BLR_RNG_TEST, (uint64_t)kind);
    exact_linreg_train(p, m, &r, 0, 3000, 3000, 0);
    m->ops->posterior(m, mean, sd);
    cr_expect_eq(m->invalid_updates, 0, "%s: %ld saturated updates", blr_base_name(kind),
                 m->invalid_updates);
    blr_method_free(m);
}

static void exact_check_meanfield(blr_base_kind kind, double nu, double scale)
{
    exact_linreg p;
    exact_linreg_make(&p);
    float mean[LR_D], sd[LR_D];
    /* the test can tell the mean-field answer from the full posterior's marginals */
    double apart = 0.0;
    for (int i = 0; i < LR_D; i++)
        apart = fmax(apart, p.full_sd[i] / p.mf_sd[i] - 1.0);
    cr_assert_gt(apart, 0.2);
    exact_affine_fit(&p, kind, nu, scale, mean, sd);
    for (int i = 0; i < LR_D; i++) {
        cr_expect(fabs(mean[i] - p.mean[i]) <= 0.1 * p.mf_sd[i],
                  "%s: mean[%d] %g, exact %g (sd %g)", blr_base_name(kind), i, mean[i],
                  p.mean[i], p.mf_sd[i]);
        cr_expect(fabs(sd[i] - p.mf_sd[i]) <= 0.1 * p.mf_sd[i], "%s: sd[%d] %g, mean-field %g",
                  blr_base_name(kind), i, sd[i], p.mf_sd[i]);
    }
}

Test(rule_exact, affine_gaussian_meanfield)
{
    exact_check_meanfield(BLR_BASE_GAUSSIAN, 0.0, 0.05);
}

Test(rule_exact, affine_laplace_meanfield)
{
    exact_check_meanfield(BLR_BASE_LAPLACE, 0.0, 0.05);
}

Test(rule_exact, affine_student_t_meanfield)
{
    exact_check_meanfield(BLR_BASE_STUDENT_T, 5.0, 0.05);
}

Test(rule_exact, affine_uniform_meanfield)
{
    exact_check_meanfield(BLR_BASE_UNIFORM, 0.0, 0.05);
}

/* sgd (the additive rule on a point mass) is the τ -> 0 limit: it reaches the posterior mean
 * (docs/design.md §3.8). α = 0.05 keeps α·λ_max(h) ≈ 0.5 < 2. */
Test(rule_exact, sgd_reaches_posterior_mean)
{
    exact_linreg p;
    exact_linreg_make(&p);
    blr_method_cfg c;
    blr_method_cfg_defaults(&c);
    snprintf(c.rule, sizeof c.rule, "sgd");
    c.n_data = LR_N;
    c.lr = 0.05;
    c.beta1 = 0.9;
    float w0[LR_D] = {0}, theta[LR_D];
    char err[256];
    blr_method *m = NULL;
    cr_assert_eq(blr_method_create(&m, &c, LR_D, w0, NULL, err, sizeof err), 0, "%s", err);
    blr_rng r;
    blr_rng_init(&r, 8, BLR_RNG_TEST, 0);
    exact_linreg_train(&p, m, &r, 0, 3000, 3000, 0);
    m->ops->mean(m, theta);
    for (int i = 0; i < LR_D; i++)
        cr_expect(fabs(theta[i] - p.mean[i]) <= 0.1 * p.mf_sd[i], "mean[%d] %g, exact %g (sd %g)",
                  i, theta[i], p.mean[i], p.mf_sd[i]);
    blr_method_free(m);
}

/* ---- (b) Fisher-scaled affine step = classic BLR step + O(α²) --------------------------- */

#define Q_D 3

/* lbar(θ) = ½ (θ - μ)ᵀ H (θ - μ), so ∇ = H(θ - μ). */
static const double q_h[Q_D][Q_D] = {{2.0, 0.5, 0.0}, {0.5, 1.5, 0.3}, {0.0, 0.3, 1.0}};
static const double q_mu[Q_D] = {0.4, -0.8, 1.2};

/* One affine step of size α (α1 = α2 = α, β = 0, fisher, gaussian base of scale s) from
 * b = w0, A = 1, against one classic BLR step from the same q = N(b, σ²), σ = s, computed
 * with the same draws: ĝ = mean ∇, ĥ = mean ∇ ⊙ ε/σ (Price), S' = S + α(ĥ - τ~ S),
 * m' = b - α σ² ĝ. Returns the largest gaps of the means and of the precisions (relative). */
static void exact_blr_gap(double alpha, double *gap_mean, double *gap_prec)
{
    const double s = 0.5, tau = 0.1;
    const float w0[Q_D] = {-0.3f, 0.2f, 0.9f};
    blr_method_cfg c;
    blr_method_cfg_defaults(&c);
    snprintf(c.rule, sizeof c.rule, "lie-affine");
    c.base.kind = BLR_BASE_GAUSSIAN;
    c.base.scale = s;
    c.fisher = 1;
    c.lr = c.lr2 = alpha;
    c.beta1 = c.beta2 = 0.0;
    c.temperature = 1.0;
    c.n_data = 1.0 / tau;
    c.mc = 4;
    char err[256];
    blr_method *m = NULL;
    cr_assert_eq(blr_method_create(&m, &c, Q_D, w0, NULL, err, sizeof err), 0, "%s", err);
    blr_rng r;
    blr_rng_init(&r, 99, BLR_RNG_TEST, 0);
    double gbar[Q_D] = {0}, hbar[Q_D] = {0};
    for (int k = 0; k < c.mc; k++) {
        float theta[Q_D], grad[Q_D];
        m->ops->sample(m, 0, theta, &r);
        for (int i = 0; i < Q_D; i++) {
            double g = 0.0;
            for (int j = 0; j < Q_D; j++)
                g += q_h[i][j] * ((double)theta[j] - q_mu[j]);
            grad[i] = (float)g;
        }
        m->ops->accumulate(m, 0, theta, grad, NULL);
        for (int i = 0; i < Q_D; i++) {
            gbar[i] += grad[i] / (double)c.mc;
            hbar[i] += grad[i] * ((double)theta[i] - w0[i]) / (s * s) / (double)c.mc;
        }
    }
    m->ops->step(m, 1.0);
    float mean[Q_D], sd[Q_D];
    m->ops->posterior(m, mean, sd);
    *gap_mean = *gap_prec = 0.0;
    for (int i = 0; i < Q_D; i++) {
        double S = 1.0 / (s * s);
        double S_blr = S + alpha * (hbar[i] - tau * S);
        double m_blr = w0[i] - alpha * s * s * gbar[i];
        double S_aff = 1.0 / ((double)sd[i] * sd[i]);
        *gap_mean = fmax(*gap_mean, fabs(mean[i] - m_blr));
        *gap_prec = fmax(*gap_prec, fabs(S_aff - S_blr) / S);
    }
    blr_method_free(m);
}

Test(rule_exact, fisher_affine_step_is_blr_to_first_order)
{
    double gm1, gp1, gm2, gp2;
    exact_blr_gap(0.1, &gm1, &gp1);
    exact_blr_gap(0.05, &gm2, &gp2);
    cr_assert(gm1 / gm2 >= 3.0 && gm1 / gm2 <= 5.0, "mean gaps %g, %g: ratio %g", gm1, gm2,
              gm1 / gm2);
    cr_assert(gp1 / gp2 >= 3.0 && gp1 / gp2 <= 5.0, "precision gaps %g, %g: ratio %g", gp1, gp2,
              gp1 / gp2);
}

/* ---- (c) multiplicative rule on logistic regression ------------------------------------- */

#define LG_N 200
#define LG_D 5

typedef struct {
    double x[LG_N][LG_D], y[LG_N]; /* y = ±1 */
    double prior_tilde;
} exact_logreg;

static void exact_logreg_make(exact_logreg *p)
{
    blr_rng r;
    blr_rng_init(&r, 2023, BLR_RNG_TEST, 200);
    const double w_true[LG_D] = {1.5, -1.0, 0.5, 0.0, 2.0};
    p->prior_tilde = 1.0 / LG_N;
    for (int n = 0; n < LG_N; n++) {
        double z = 0.0;
        for (int j = 0; j < LG_D; j++) {
            p->x[n][j] = blr_rng_normal(&r);
            z += p->x[n][j] * w_true[j];
        }
        p->y[n] = blr_rng_uniform(&r) < 1.0 / (1.0 + exp(-z)) ? 1.0 : -1.0;
    }
}

/* lbar(θ) = (1/N) Σ log(1 + exp(-y xθ)) + δ~/2 ‖θ‖²; grad may be NULL. */
static double exact_logreg_eval(const exact_logreg *p, const float *theta, float *grad)
{
    double loss = 0.0, g[LG_D] = {0}, sq = 0.0;
    for (int n = 0; n < LG_N; n++) {
        double z = 0.0;
        for (int j = 0; j < LG_D; j++)
            z += p->x[n][j] * theta[j];
        double yz = p->y[n] * z;
        loss += yz > 0 ? log1p(exp(-yz)) : -yz + log1p(exp(yz));
        double d = -p->y[n] / (1.0 + exp(yz)); /* d/dz log(1 + e^{-yz}) */
        for (int j = 0; j < LG_D; j++)
            g[j] += d * p->x[n][j];
    }
    for (int j = 0; j < LG_D; j++) {
        sq += (double)theta[j] * theta[j];
        if (grad)
            grad[j] = (float)(g[j] / LG_N + p->prior_tilde * theta[j]);
    }
    return loss / LG_N + p->prior_tilde / 2.0 * sq;
}

static blr_method *exact_logreg_method(double lr)
{
    blr_method_cfg c;
    blr_method_cfg_defaults(&c);
    snprintf(c.rule, sizeof c.rule, "lie-multiplicative");
    c.base.kind = BLR_BASE_RAYLEIGH;
    c.base.scale = 1.0;
    c.lr = lr;
    c.beta1 = 0.9;
    c.n_data = LG_N;
    c.mc = 2;
    float w0[LG_D], w1[LG_D];
    blr_rng r;
    blr_rng_init(&r, 5, BLR_RNG_TEST, 200);
    for (int j = 0; j < LG_D; j++) {
        w0[j] = (float)(0.3 * blr_rng_normal(&r));
        w1[j] = (float)(0.3 * blr_rng_normal(&r));
    }
    char err[256];
    blr_method *m = NULL;
    cr_assert_eq(blr_method_create(&m, &c, LG_D, w0, w1, err, sizeof err), 0, "%s", err);
    return m;
}

static void exact_logreg_step(const exact_logreg *p, blr_method *m, blr_rng *r, double f)
{
    float theta[LG_D], grad[LG_D];
    for (int s = 0; s < m->cfg.mc; s++) {
        m->ops->sample(m, 0, theta, r);
        exact_logreg_eval(p, theta, grad);
        m->ops->accumulate(m, 0, theta, grad, NULL);
    }
    m->ops->step(m, f);
}

#define LG_K 4000

/* Per-draw values of lbar(θ_k) - τ~ H(q) for K draws from a fixed stream: at the start and
 * at the end the same base draws ξ are pushed through different g (common random
 * numbers), so the paired difference has a small MC error. */
static void exact_objective_draws(const exact_logreg *p, blr_method *m, double *out)
{
    blr_rng r;
    blr_rng_init(&r, 77, BLR_RNG_TEST, 201);
    double tau = m->cfg.temperature / m->cfg.n_data, h = m->ops->entropy(m);
    float theta[LG_D];
    for (int k = 0; k < LG_K; k++) {
        m->ops->sample(m, 0, theta, &r);
        out[k] = exact_logreg_eval(p, theta, NULL) - tau * h;
    }
}

/* The rule is descent on L(q) = E_q[lbar] - τ~ H(q) in log g± (H the lifted entropy), so
 * with a moderate step L must go down by many standard errors. */
Test(rule_exact, multiplicative_decreases_objective)
{
    static exact_logreg p;
    static double before[LG_K], after[LG_K];
    exact_logreg_make(&p);
    blr_method *m = exact_logreg_method(0.05);
    exact_objective_draws(&p, m, before);
    blr_rng r;
    blr_rng_init(&r, 8, BLR_RNG_TEST, 202);
    const long T = 400;
    for (long t = 0; t < T; t++)
        exact_logreg_step(&p, m, &r, blr_schedule_factor(BLR_SCHEDULE_COSINE, t, T, 0));
    exact_objective_draws(&p, m, after);
    double mean = 0.0, var = 0.0, l0 = 0.0, l1 = 0.0;
    for (int k = 0; k < LG_K; k++) {
        mean += (before[k] - after[k]) / LG_K;
        l0 += before[k] / LG_K;
        l1 += after[k] / LG_K;
    }
    for (int k = 0; k < LG_K; k++)
        var += (before[k] - after[k] - mean) * (before[k] - after[k] - mean) / (LG_K - 1);
    double se = sqrt(var / LG_K);
    cr_assert(mean > 5.0 * se, "objective %g -> %g: decrease %g, standard error %g", l0, l1, mean,
              se);
    cr_assert_eq(m->invalid_updates, 0);
    blr_method_free(m);
}

/* g± <- g± exp(-α M±) keeps g± > 0 in exact arithmetic at any α; with α = 1e3 every g± must
 * stay positive and finite in float32 too. The entropy Σ log g± + const is finite exactly
 * when every g± is in (0, ∞). */
Test(rule_exact, multiplicative_huge_step_keeps_g_positive)
{
    static exact_logreg p;
    exact_logreg_make(&p);
    blr_method *m = exact_logreg_method(1e3);
    blr_rng r;
    blr_rng_init(&r, 9, BLR_RNG_TEST, 203);
    float mean[LG_D], sd[LG_D];
    for (int t = 0; t < 200; t++) {
        exact_logreg_step(&p, m, &r, 1.0);
        double h = m->ops->entropy(m);
        m->ops->posterior(m, mean, sd);
        cr_assert(isfinite(h), "step %d: entropy %g, so some g is 0 or inf", t, h);
        for (int j = 0; j < LG_D; j++)
            cr_assert(isfinite(mean[j]) && isfinite(sd[j]) && sd[j] > 0, "step %d: g[%d]", t, j);
    }
    /* such a step leaves float32's range: the saturation was needed and is reported */
    cr_assert_gt(m->invalid_updates, 0);
    blr_method_free(m);
}
