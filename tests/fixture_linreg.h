/* A Bayesian linear-regression problem with a known exact posterior, shared by the tests
 * that check methods against it (test_exact.c, test_baselines_exact.c). Header-only: every
 * function is static inline (a file may use only some), and the including file links GSL
 * and Criterion. */
#ifndef BLR_TEST_FIXTURE_LINREG_H
#define BLR_TEST_FIXTURE_LINREG_H

#include <criterion/criterion.h>
#include <gsl/gsl_linalg.h>
#include <math.h>

#include "rng.h"
#include "rule.h"

#define LR_N 100
#define LR_D 4

/* lbar(θ) = (1/N) Σ_n ½ (y_n - x_n θ)²/σ² + δ~/2 ‖θ‖²; its Hessian h = XᵀX/(Nσ²) + δ~ I and
 * its minimizer solves h θ = Xᵀy/(Nσ²). q ∝ exp(-N lbar/τ) is N(μ, (h/τ~)^-1), and the
 * mean-field optimum has the same mean and sd_i = sqrt(τ~/h_ii). */
typedef struct {
    double x[LR_N][LR_D], y[LR_N];
    double sigma, prior_tilde, tau_tilde;
    double mean[LR_D], mf_sd[LR_D], full_sd[LR_D];
} exact_linreg;

static inline void exact_linreg_make(exact_linreg *p)
{
    blr_rng r;
    blr_rng_init(&r, 2023, BLR_RNG_TEST, 100);
    const double w_true[LR_D] = {1.0, -0.5, 0.25, 2.0};
    p->sigma = 0.5;
    p->prior_tilde = 1.0 / LR_N;
    p->tau_tilde = 1.0 / LR_N;
    for (int n = 0; n < LR_N; n++) {
        /* correlated columns, so the mean-field sd differs from the full posterior's */
        double z = blr_rng_normal(&r);
        p->y[n] = 0.0;
        for (int j = 0; j < LR_D; j++) {
            p->x[n][j] = 0.7 * z + blr_rng_normal(&r) * (0.5 + 0.25 * j);
            p->y[n] += p->x[n][j] * w_true[j];
        }
        p->y[n] += p->sigma * blr_rng_normal(&r);
    }
    gsl_matrix *h = gsl_matrix_alloc(LR_D, LR_D);
    gsl_vector *rhs = gsl_vector_alloc(LR_D), *mu = gsl_vector_alloc(LR_D);
    double s2n = p->sigma * p->sigma * LR_N;
    for (int i = 0; i < LR_D; i++) {
        double b = 0.0;
        for (int n = 0; n < LR_N; n++)
            b += p->x[n][i] * p->y[n];
        gsl_vector_set(rhs, i, b / s2n);
        for (int j = 0; j < LR_D; j++) {
            double a = 0.0;
            for (int n = 0; n < LR_N; n++)
                a += p->x[n][i] * p->x[n][j];
            gsl_matrix_set(h, i, j, a / s2n + (i == j ? p->prior_tilde : 0.0));
        }
        p->mf_sd[i] = sqrt(p->tau_tilde / gsl_matrix_get(h, i, i));
    }
    cr_assert_eq(gsl_linalg_cholesky_decomp1(h), 0);
    gsl_linalg_cholesky_solve(h, rhs, mu);
    gsl_linalg_cholesky_invert(h);
    for (int i = 0; i < LR_D; i++) {
        p->mean[i] = gsl_vector_get(mu, i);
        p->full_sd[i] = sqrt(p->tau_tilde * gsl_matrix_get(h, i, i));
    }
    gsl_matrix_free(h);
    gsl_vector_free(rhs);
    gsl_vector_free(mu);
}

static inline void exact_linreg_grad(const exact_linreg *p, const float *theta, float *grad)
{
    double g[LR_D] = {0};
    for (int n = 0; n < LR_N; n++) {
        double res = -p->y[n];
        for (int j = 0; j < LR_D; j++)
            res += p->x[n][j] * theta[j];
        for (int j = 0; j < LR_D; j++)
            g[j] += p->x[n][j] * res;
    }
    for (int j = 0; j < LR_D; j++)
        grad[j] = (float)(g[j] / (p->sigma * p->sigma * LR_N) + p->prior_tilde * theta[j]);
}

/* The mean over examples of squared per-example gradients of the data term (what
 * blr_model_loss_grad writes into sqgrad): (1/N) Σ_n (x_nj r_n / σ²)², r_n = x_n θ - y_n. */
static inline void exact_linreg_sqgrad(const exact_linreg *p, const float *theta, float *sq)
{
    double s[LR_D] = {0};
    double s4 = pow(p->sigma, 4);
    for (int n = 0; n < LR_N; n++) {
        double res = -p->y[n];
        for (int j = 0; j < LR_D; j++)
            res += p->x[n][j] * theta[j];
        for (int j = 0; j < LR_D; j++)
            s[j] += p->x[n][j] * p->x[n][j] * res * res / s4;
    }
    for (int j = 0; j < LR_D; j++)
        sq[j] = (float)(s[j] / LR_N);
}

/* Steps t0 .. t0+steps-1 of a full-batch run on the fixture: m->cfg.mc samples per step,
 * the squared per-example gradients when the method asks for them, and the cosine schedule
 * over `total` steps after `warmup` linear warm-up steps. */
static inline void exact_linreg_train(const exact_linreg *p, blr_method *m, blr_rng *r, long t0,
                                      long steps, long total, long warmup)
{
    float theta[LR_D], grad[LR_D], sq[LR_D];
    for (long t = t0; t < t0 + steps; t++) {
        for (int s = 0; s < m->cfg.mc; s++) {
            m->ops->sample(m, 0, theta, r);
            exact_linreg_grad(p, theta, grad);
            if (m->flags & BLR_NEEDS_SQGRAD)
                exact_linreg_sqgrad(p, theta, sq);
            m->ops->accumulate(m, 0, theta, grad, (m->flags & BLR_NEEDS_SQGRAD) ? sq : NULL);
        }
        m->ops->step(m, blr_schedule_factor(BLR_SCHEDULE_COSINE, t, total, warmup));
    }
}

#endif
