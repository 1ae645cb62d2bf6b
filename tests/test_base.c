/* Base distributions (lib/prob/base.c): both samplers by KS tests against GSL's CDFs, densities
 * against GSL's pdfs, Fisher constants against closed forms (docs/design.md §3.2 and below),
 * entropy and moments against independent quadrature, and every error path. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_randist.h>

#include "base.h"
#include "rng.h"

#define N_KS 100000
/* KS critical value at α = 1e-3: sqrt(-log(α/2)/2) = 1.9495 (asymptotic Kolmogorov law). */
#define KS_C 1.9495

typedef struct {
    blr_base_kind kind;
    double nu, scale;
} base_case;

/* Every base with a density, at unit and non-unit scale; student-t at the ν the paper
 * uses (3, 5), at ν = 1.5 (infinite variance) and ν = 0.5 (no mean). */
static const base_case cases[] = {
    {BLR_BASE_GAUSSIAN, 0, 1},    {BLR_BASE_GAUSSIAN, 0, 0.3},  {BLR_BASE_LAPLACE, 0, 1},
    {BLR_BASE_LAPLACE, 0, 0.3},   {BLR_BASE_STUDENT_T, 3, 1},   {BLR_BASE_STUDENT_T, 5, 0.3},
    {BLR_BASE_STUDENT_T, 1.5, 1}, {BLR_BASE_STUDENT_T, 0.5, 1}, {BLR_BASE_UNIFORM, 0, 1},
    {BLR_BASE_UNIFORM, 0, 0.3},
    {BLR_BASE_RAYLEIGH, 0, 1},    {BLR_BASE_RAYLEIGH, 0, 0.3},  {BLR_BASE_LOGNORMAL, 0, 1},
    {BLR_BASE_LOGNORMAL, 0, 0.3}, {BLR_BASE_EXPONENTIAL, 0, 1}, {BLR_BASE_EXPONENTIAL, 0, 0.3},
};
#define N_CASES (sizeof cases / sizeof cases[0])

static blr_base make_base(const base_case *c)
{
    blr_base b;
    char err[128];
    cr_assert_eq(blr_base_init(&b, c->kind, c->nu, c->scale, err, sizeof err), 0, "%s", err);
    return b;
}

/* ---- independent quadrature of E[g(ξ)] over the support, g = 1 for the total mass ---- */

typedef struct {
    const blr_base *b;
    int what; /* Q_MASS, Q_NEGLOG (−log q), or Q_POW + k (ξ^k, k = 1..4 about `center`) */
    double center;
} quad_arg;

enum { Q_MASS, Q_NEGLOG, Q_POW };

static double quad_integrand(double x, void *p)
{
    const quad_arg *a = p;
    const double lq = blr_base_logpdf(a->b, x);
    const double q = exp(lq);
    if (q == 0.0)
        return 0.0;
    if (a->what == Q_MASS)
        return q;
    if (a->what == Q_NEGLOG)
        return -lq * q;
    return pow(x - a->center, a->what - Q_POW) * q;
}

/* Bases on R are split at 0 (Laplace's kink); uniform is integrated over its interval.
 * GSL's aborting error handler is turned off so a failure names the case instead. */
static double quad_expect(const blr_base *b, int what, double center)
{
    enum { LIMIT = 500 };
    const double epsabs = 1e-13, epsrel = 1e-10; /* epsabs: the odd moments are 0 */
    gsl_set_error_handler_off();
    gsl_integration_workspace *ws = gsl_integration_workspace_alloc(LIMIT);
    quad_arg arg = {b, what, center};
    gsl_function f = {quad_integrand, &arg};
    double v = 0.0, part = 0.0, abserr;
    int st;
    if (b->kind == BLR_BASE_UNIFORM) {
        const double a = sqrt(3.0) * b->scale;
        st = gsl_integration_qags(&f, -a, a, epsabs, epsrel, LIMIT, ws, &v, &abserr);
    } else {
        st = gsl_integration_qagiu(&f, 0, epsabs, epsrel, LIMIT, ws, &v, &abserr);
        if (st == 0 && !blr_base_is_positive(b->kind))
            st = gsl_integration_qagil(&f, 0, epsabs, epsrel, LIMIT, ws, &part, &abserr);
    }
    gsl_integration_workspace_free(ws);
    cr_assert_eq(st, 0, "quadrature of %s(nu %g, scale %g), integrand %d: %s",
                 blr_base_name(b->kind), b->nu, b->scale, what, gsl_strerror(st));
    return v + part;
}

/* ---- sampling ---------------------------------------------------------------------- */

static void expect_ks(const blr_base *b, double *x, const char *sampler)
{
    const double crit = KS_C / sqrt((double)N_KS);
    const double d = blr_base_ks(b, x, N_KS);
    cr_expect(d < crit, "%s(nu %g, scale %g), %s sampler: KS distance %g >= %g",
              blr_base_name(b->kind), b->nu, b->scale, sampler, d, crit);
}

/* KS test of N_KS draws of the fast sampler from stream (seed, BLR_RNG_TEST, index). */
static void expect_ks_fast(const base_case *bc, uint64_t seed, uint64_t index)
{
    static float f[N_KS];
    static double x[N_KS];
    const blr_base b = make_base(bc);
    blr_rng r;
    blr_rng_init(&r, seed, BLR_RNG_TEST, index);
    blr_base_sample(&b, &r, f, N_KS);
    for (size_t i = 0; i < N_KS; i++)
        x[i] = f[i];
    expect_ks(&b, x, "fast");
}

Test(base, ks_fast_sampler)
{
    for (size_t c = 0; c < N_CASES; c++)
        expect_ks_fast(&cases[c], 11, c);
}

/* Student-t below ν = 0.5 takes lib/prob/base.c's double path (its float path would overflow in
 * e^(2E/ν)); ν = 0.5 is the first on the float path, and ν = 30 is nearly Gaussian. */
Test(base, ks_fast_student_t_paths)
{
    const double nus[] = {0.2, 0.49, 0.5, 30};
    for (size_t c = 0; c < sizeof nus / sizeof nus[0]; c++) {
        const base_case bc = {BLR_BASE_STUDENT_T, nus[c], 0.7};
        expect_ks_fast(&bc, 13, c);
    }
}

/* A stream switched to the reference path draws each fill from a GSL mt19937 seeded with
 * its next word, through GSL's own sampler of the base: reproduced here by hand. */
Test(base, gsl_path_is_gsl)
{
    enum { N = 1000 };
    float f[N];
    for (size_t c = 0; c < N_CASES; c++) {
        const blr_base b = make_base(&cases[c]);
        blr_rng r, copy;
        blr_rng_init(&r, 14, BLR_RNG_TEST, c);
        blr_rng_use_gsl(&r, 1);
        copy = r;
        blr_base_sample(&b, &r, f, N);
        gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
        gsl_rng_set(g, (unsigned long)blr_rng_next(&copy));
        double want[N];
        for (size_t i = 0; i < N; i++) {
            const double s = b.scale;
            switch (b.kind) {
            case BLR_BASE_GAUSSIAN: want[i] = gsl_ran_gaussian_ziggurat(g, s); break;
            case BLR_BASE_LAPLACE: want[i] = gsl_ran_laplace(g, s); break;
            case BLR_BASE_STUDENT_T: want[i] = s * gsl_ran_tdist(g, b.nu); break;
            case BLR_BASE_UNIFORM: want[i] = gsl_ran_flat(g, -sqrt(3.0) * s, sqrt(3.0) * s); break;
            case BLR_BASE_RAYLEIGH: want[i] = gsl_ran_rayleigh(g, s); break;
            case BLR_BASE_LOGNORMAL: want[i] = gsl_ran_lognormal(g, log(s), 1.0); break;
            default: want[i] = gsl_ran_exponential(g, s); break;
            }
            cr_assert_eq(f[i], (float)want[i], "%s case %zu: draw %zu", blr_base_name(b.kind), c,
                         i);
        }
        gsl_rng_free(g);
    }
}

Test(base, ks_gsl_sampler)
{
    static double x[N_KS];
    for (size_t c = 0; c < N_CASES; c++) {
        const blr_base b = make_base(&cases[c]);
        blr_base_sample_gsl(&b, 1000 + c, x, N_KS);
        expect_ks(&b, x, "gsl");
    }
}

/* Draws land on the support: never 0 or negative for the positive bases, inside
 * [-√3 s, √3 s] for uniform, finite always. */
Test(base, samples_on_support)
{
    static float f[N_KS];
    for (size_t c = 0; c < N_CASES; c++) {
        const blr_base b = make_base(&cases[c]);
        blr_rng r;
        blr_rng_init(&r, 12, BLR_RNG_TEST, c);
        blr_base_sample(&b, &r, f, N_KS);
        for (size_t i = 0; i < N_KS; i++) {
            cr_assert(isfinite(f[i]), "%s: draw %zu = %g", blr_base_name(b.kind), i, f[i]);
            if (blr_base_is_positive(b.kind))
                cr_assert(f[i] > 0, "%s: draw %zu = %g", blr_base_name(b.kind), i, f[i]);
            if (b.kind == BLR_BASE_UNIFORM)
                cr_assert(fabs(f[i]) <= (float)(sqrt(3.0) * b.scale), "uniform: draw %g", f[i]);
        }
    }
}

Test(base, samplers_reproducible)
{
    enum { N = 1001 };
    float a[N], b2[N];
    double g1[N], g2[N];
    for (size_t c = 0; c < N_CASES; c++) {
        const blr_base b = make_base(&cases[c]);
        blr_rng r1, r2;
        blr_rng_init(&r1, 13, BLR_RNG_TEST, 0);
        blr_rng_init(&r2, 13, BLR_RNG_TEST, 0);
        blr_base_sample(&b, &r1, a, N);
        blr_base_sample(&b, &r2, b2, N);
        cr_expect(memcmp(a, b2, sizeof a) == 0, "%s: fast sampler not reproducible",
                  blr_base_name(b.kind));
        blr_base_sample_gsl(&b, 5, g1, N);
        blr_base_sample_gsl(&b, 5, g2, N);
        cr_expect(memcmp(g1, g2, sizeof g1) == 0, "%s: gsl sampler not reproducible",
                  blr_base_name(b.kind));
        blr_base_sample_gsl(&b, 6, g2, N);
        cr_expect(memcmp(g1, g2, sizeof g1) != 0, "%s: gsl seeds 5 and 6 agree",
                  blr_base_name(b.kind));
    }
}

Test(base, dirac)
{
    blr_base b;
    char err[128];
    cr_assert_eq(blr_base_init(&b, BLR_BASE_DIRAC, 0, 1, err, sizeof err), 0);
    float f[5] = {1, 2, 3, 4, 5};
    double g[5] = {1, 2, 3, 4, 5};
    blr_rng r;
    blr_rng_init(&r, 14, BLR_RNG_TEST, 0);
    blr_base_sample(&b, &r, f, 5);
    blr_base_sample_gsl(&b, 1, g, 5);
    for (int i = 0; i < 5; i++) {
        cr_expect_eq(f[i], 0.0f);
        cr_expect_eq(g[i], 0.0);
    }
    cr_expect_eq(blr_base_cdf(&b, -1e-300), 0.0);
    cr_expect_eq(blr_base_cdf(&b, 0.0), 1.0);
    cr_expect(isinf(blr_base_entropy(&b)) && blr_base_entropy(&b) < 0);
    double m, v;
    cr_expect_eq(blr_base_moments(&b, &m, &v), 0);
    cr_expect(m == 0.0 && v == 0.0);
    cr_expect(blr_base_logpdf(&b, 0.5) == -INFINITY);
}

/* ---- densities, entropy, moments ------------------------------------------------------ */

/* GSL's own pdf of ξ for each case (student-t through the change of variables x = s·t). */
static double gsl_pdf(const blr_base *b, double x)
{
    const double s = b->scale;
    switch (b->kind) {
    case BLR_BASE_GAUSSIAN:
        return gsl_ran_gaussian_pdf(x, s);
    case BLR_BASE_LAPLACE:
        return gsl_ran_laplace_pdf(x, s);
    case BLR_BASE_STUDENT_T:
        return gsl_ran_tdist_pdf(x / s, b->nu) / s;
    case BLR_BASE_UNIFORM:
        return gsl_ran_flat_pdf(x, -sqrt(3.0) * s, sqrt(3.0) * s);
    case BLR_BASE_RAYLEIGH:
        return gsl_ran_rayleigh_pdf(x, s);
    case BLR_BASE_LOGNORMAL:
        return gsl_ran_lognormal_pdf(x, log(s), 1.0);
    case BLR_BASE_EXPONENTIAL:
        return gsl_ran_exponential_pdf(x, s);
    default:
        return NAN;
    }
}

Test(base, logpdf_matches_gsl_pdf)
{
    const double pts[] = {-7.5, -2.0, -1.7, -0.4, -1e-3, 1e-3, 0.25, 0.9, 1.7, 3.0, 12.0};
    for (size_t c = 0; c < N_CASES; c++) {
        const blr_base b = make_base(&cases[c]);
        for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
            const double x = pts[i] * b.scale;
            const double want = gsl_pdf(&b, x);
            const double got = exp(blr_base_logpdf(&b, x));
            cr_expect(fabs(got - want) <= 1e-12 + 1e-10 * want,
                      "%s(scale %g) at %g: %.17g vs %.17g", blr_base_name(b.kind), b.scale, x, got,
                      want);
        }
    }
}

Test(base, logpdf_integrates_to_one)
{
    for (size_t c = 0; c < N_CASES; c++) {
        const blr_base b = make_base(&cases[c]);
        const double mass = quad_expect(&b, Q_MASS, 0);
        cr_expect(fabs(mass - 1.0) < 1e-8, "%s(scale %g): mass %.12g", blr_base_name(b.kind),
                  b.scale, mass);
    }
}

Test(base, entropy_matches_quadrature)
{
    for (size_t c = 0; c < N_CASES; c++) {
        const blr_base b = make_base(&cases[c]);
        const double h = quad_expect(&b, Q_NEGLOG, 0);
        cr_expect(fabs(blr_base_entropy(&b) - h) < 1e-8, "%s(nu %g, scale %g): %.12g vs %.12g",
                  blr_base_name(b.kind), b.nu, b.scale, blr_base_entropy(&b), h);
    }
}

/* Closed forms of the standard form, hand-checked from the textbook definitions:
 * Laplace(b = 1) variance 2b² = 2; t_ν variance ν/(ν-2); uniform on (-√3, √3) variance
 * (2√3)²/12 = 1; Rayleigh(1) mean √(π/2), variance (4-π)/2; lognormal(0,1) mean e^(1/2),
 * variance (e-1)e; exponential(1) mean 1, variance 1. ξ = sε scales them by s and s². */
Test(base, moments_closed_forms)
{
    const double closed[][2] = {
        {0, 1}, {0, 1}, {0, 2}, {0, 2}, {0, 3.0}, {0, 5.0 / 3.0}, {0, INFINITY}, {NAN, NAN},
        {0, 1}, {0, 1},
        {sqrt(M_PI / 2), (4 - M_PI) / 2}, {sqrt(M_PI / 2), (4 - M_PI) / 2},
        {exp(0.5), (exp(1) - 1) * exp(1)}, {exp(0.5), (exp(1) - 1) * exp(1)}, {1, 1}, {1, 1},
    };
    cr_assert_eq(sizeof closed / sizeof closed[0], N_CASES);
    for (size_t c = 0; c < N_CASES; c++) {
        const blr_base b = make_base(&cases[c]);
        double m, v;
        const int rc = blr_base_moments(&b, &m, &v);
        const double s = b.scale;
        if (isnan(closed[c][0])) {
            cr_expect(rc == -1 && isnan(m) && isnan(v), "%s(nu %g): mean %g, variance %g, rc %d",
                      blr_base_name(b.kind), b.nu, m, v, rc);
            continue;
        }
        cr_expect(fabs(m - closed[c][0] * s) < 1e-12, "%s: mean %g", blr_base_name(b.kind), m);
        if (isinf(closed[c][1])) {
            cr_expect_eq(rc, -1, "%s(nu %g): infinite variance must return -1",
                         blr_base_name(b.kind), b.nu);
            cr_expect(isinf(v));
        } else {
            cr_expect_eq(rc, 0);
            cr_expect(fabs(v - closed[c][1] * s * s) < 1e-12, "%s(scale %g): variance %g",
                      blr_base_name(b.kind), s, v);
            /* the same from quadrature, independent of the formulas above */
            const double qm = quad_expect(&b, Q_POW + 1, 0);
            const double qv = quad_expect(&b, Q_POW + 2, qm);
            cr_expect(fabs(qm - m) < 1e-7 * (1 + fabs(m)) && fabs(qv - v) < 1e-7 * (1 + v),
                      "%s(scale %g): quadrature mean %g var %g", blr_base_name(b.kind), s, qm, qv);
        }
    }
}

/* Student-t with ν <= 2: the variance is infinite (1 < ν <= 2) or undefined with the mean
 * (ν <= 1). */
Test(base, moments_heavy_student_t)
{
    blr_base b;
    char err[128];
    double m, v;
    cr_assert_eq(blr_base_init(&b, BLR_BASE_STUDENT_T, 2, 1, err, sizeof err), 0);
    cr_expect_eq(blr_base_moments(&b, &m, &v), -1);
    cr_expect(m == 0.0 && isinf(v));
    cr_assert_eq(blr_base_init(&b, BLR_BASE_STUDENT_T, 1, 1, err, sizeof err), 0);
    cr_expect_eq(blr_base_moments(&b, &m, &v), -1);
    cr_expect(isnan(m));
}

/* Sample moments of 10^5 fast draws within 5 standard errors of blr_base_moments; the
 * standard error of the sample variance uses the fourth central moment from quadrature,
 * so cases without one (t with ν <= 4) check the mean only. */
Test(base, moments_match_samples)
{
    static float f[N_KS];
    for (size_t c = 0; c < N_CASES; c++) {
        const blr_base b = make_base(&cases[c]);
        double m, v;
        if (blr_base_moments(&b, &m, &v) != 0)
            continue;
        blr_rng r;
        blr_rng_init(&r, 15, BLR_RNG_TEST, c);
        blr_base_sample(&b, &r, f, N_KS);
        double sm = 0, sv = 0;
        for (size_t i = 0; i < N_KS; i++)
            sm += f[i];
        sm /= N_KS;
        for (size_t i = 0; i < N_KS; i++)
            sv += (f[i] - sm) * (f[i] - sm);
        sv /= N_KS - 1;
        cr_expect(fabs(sm - m) < 5 * sqrt(v / N_KS), "%s(scale %g): sample mean %g vs %g",
                  blr_base_name(b.kind), b.scale, sm, m);
        if (b.kind == BLR_BASE_STUDENT_T && b.nu <= 4)
            continue;
        const double mu4 = quad_expect(&b, Q_POW + 4, m);
        const double se = sqrt((mu4 - v * v) / N_KS);
        cr_expect(fabs(sv - v) < 5 * se, "%s(scale %g): sample variance %g vs %g ± 5·%g",
                  blr_base_name(b.kind), b.scale, sv, v, se);
    }
}

/* ---- Fisher constants --------------------------------------------------------------- */

/* Standard-form closed forms. Symmetric bases, from docs/design.md §3.2: Gaussian F_v = 1, F_u = 2;
 * Laplace 1 and 1; t_ν (ν+1)/(ν+3) and 2ν/(ν+3); F_v scales by 1/s², F_u does not.
 *
 * Positive bases (F_v is not finite: NAN), derived by hand:
 *  Rayleigh(1): q = x e^(-x²/2), ψ = 1/x - x, 1 + xψ = 2 - x²;
 *    E[(2 - x²)²] = 4 - 4E x² + E x⁴ = 4 - 4·2 + 8 = 4   (E x^(2k) = 2^k k!).
 *  exponential(1): ψ = -1, 1 + xψ = 1 - x; E[(1 - x)²] = Var x = 1.
 *  lognormal: log q = -log x - (log x)²/2 + c, ψ = -(1 + log x)/x, 1 + xψ = -log x = -Z
 *    with Z ~ N(0,1); E[Z²] = 1. */
typedef struct {
    blr_base_kind kind;
    double nu, fv, fu;
} fisher_case;

Test(base, fisher_closed_forms)
{
    const fisher_case fc[] = {
        {BLR_BASE_GAUSSIAN, 0, 1, 2},
        {BLR_BASE_LAPLACE, 0, 1, 1},
        {BLR_BASE_STUDENT_T, 3, 4.0 / 6.0, 6.0 / 6.0},
        {BLR_BASE_STUDENT_T, 5, 6.0 / 8.0, 10.0 / 8.0},
        {BLR_BASE_STUDENT_T, 1, 2.0 / 4.0, 2.0 / 4.0},
        {BLR_BASE_STUDENT_T, 0.5, 1.5 / 3.5, 1.0 / 3.5},
        {BLR_BASE_RAYLEIGH, 0, NAN, 4},
        {BLR_BASE_EXPONENTIAL, 0, NAN, 1},
        {BLR_BASE_LOGNORMAL, 0, NAN, 1},
    };
    const double scales[] = {1.0, 0.3, 0.005};
    for (size_t k = 0; k < sizeof fc / sizeof fc[0]; k++) {
        for (size_t j = 0; j < sizeof scales / sizeof scales[0]; j++) {
            blr_base b;
            char err[256];
            const double s = scales[j];
            cr_assert_eq(blr_base_init(&b, fc[k].kind, fc[k].nu, s, err, sizeof err), 0);
            double fv = 0, fu = 0;
            cr_assert_eq(blr_base_fisher(&b, &fv, &fu, err, sizeof err), 0, "%s", err);
            const char *name = blr_base_name(fc[k].kind);
            if (isnan(fc[k].fv))
                cr_expect(isnan(fv), "%s: F_v = %g, expected NAN", name, fv);
            else
                cr_expect(fabs(fv * s * s - fc[k].fv) < 1e-8, "%s(nu %g, s %g): F_v = %.12g",
                          name, fc[k].nu, s, fv);
            cr_expect(fabs(fu - fc[k].fu) < 1e-8, "%s(nu %g, s %g): F_u = %.12g", name, fc[k].nu,
                      s, fu);
        }
    }
}

Test(base, fisher_errors)
{
    blr_base b;
    char err[256] = "";
    double fv = 7, fu = 7;
    cr_assert_eq(blr_base_init(&b, BLR_BASE_DIRAC, 0, 1, err, sizeof err), 0);
    cr_expect_eq(blr_base_fisher(&b, &fv, &fu, err, sizeof err), -1);
    cr_expect(strstr(err, "dirac") != NULL, "message: %s", err);
    cr_expect(fv == 7 && fu == 7, "outputs written on error");
    err[0] = 0;
    cr_assert_eq(blr_base_init(&b, BLR_BASE_UNIFORM, 0, 1, err, sizeof err), 0);
    cr_expect_eq(blr_base_fisher(&b, &fv, &fu, err, sizeof err), -1);
    cr_expect(strstr(err, "uniform") != NULL, "message: %s", err);
}

/* ---- init, names ---------------------------------------------------------------------- */

Test(base, init_errors)
{
    blr_base b;
    char err[256];
    const double bad_scale[] = {0.0, -1.0, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad_scale / sizeof bad_scale[0]; i++) {
        err[0] = 0;
        cr_expect_eq(blr_base_init(&b, BLR_BASE_GAUSSIAN, 0, bad_scale[i], err, sizeof err), -1,
                     "scale %g accepted", bad_scale[i]);
        cr_expect(strstr(err, "scale") != NULL, "message: %s", err);
    }
    const double bad_nu[] = {0.0, -3.0, NAN, INFINITY};
    for (size_t i = 0; i < sizeof bad_nu / sizeof bad_nu[0]; i++) {
        err[0] = 0;
        cr_expect_eq(blr_base_init(&b, BLR_BASE_STUDENT_T, bad_nu[i], 1, err, sizeof err), -1,
                     "nu %g accepted", bad_nu[i]);
        cr_expect(strstr(err, "nu") != NULL, "message: %s", err);
    }
    err[0] = 0;
    cr_expect_eq(blr_base_init(&b, BLR_BASE_COUNT, 0, 1, err, sizeof err), -1);
    cr_expect(strstr(err, "kind") != NULL, "message: %s", err);
    err[0] = 0;
    cr_expect_eq(blr_base_init(&b, (blr_base_kind)-1, 0, 1, err, sizeof err), -1);
    cr_expect(strstr(err, "kind") != NULL, "message: %s", err);

    /* nu is ignored (and not stored) outside student-t, even when it is not a number */
    cr_expect_eq(blr_base_init(&b, BLR_BASE_LAPLACE, NAN, 0.5, err, sizeof err), 0);
    cr_expect(b.kind == BLR_BASE_LAPLACE && b.nu == 0.0 && b.scale == 0.5);
    cr_expect_eq(blr_base_init(&b, BLR_BASE_STUDENT_T, 4, 2, err, sizeof err), 0);
    cr_expect(b.kind == BLR_BASE_STUDENT_T && b.nu == 4 && b.scale == 2);
}

Test(base, names)
{
    const char *names[BLR_BASE_COUNT] = {"dirac",   "gaussian", "laplace",   "student-t",
                                         "uniform", "rayleigh", "lognormal", "exponential"};
    const int positive[BLR_BASE_COUNT] = {0, 0, 0, 0, 0, 1, 1, 1};
    for (int k = 0; k < BLR_BASE_COUNT; k++) {
        blr_base_kind kind = BLR_BASE_COUNT;
        cr_expect_str_eq(blr_base_name((blr_base_kind)k), names[k]);
        cr_expect_eq(blr_base_from_name(names[k], &kind), 0, "%s", names[k]);
        cr_expect_eq(kind, (blr_base_kind)k);
        cr_expect_eq(blr_base_is_positive((blr_base_kind)k), positive[k], "%s", names[k]);
    }
    blr_base_kind kind = BLR_BASE_GAUSSIAN;
    cr_expect_eq(blr_base_from_name("student_t", &kind), -1);
    cr_expect_eq(blr_base_from_name("Gaussian", &kind), -1);
    cr_expect_eq(blr_base_from_name("", &kind), -1);
    cr_expect_eq(blr_base_from_name(NULL, &kind), -1);
    cr_expect_eq(kind, BLR_BASE_GAUSSIAN, "kind written on failure");
    cr_expect_str_eq(blr_base_name(BLR_BASE_COUNT), "unknown");
}

/* KS distance of a tiny sample worked by hand: x = {0.1, 0.6} against uniform on
 * (-√3, √3) mapped to (0,1) is sup over F_n of |F_n - F| at the order statistics
 * u = {0.1, 0.6}: max(1/2 - 0.1, 0.1 - 0, 1 - 0.6, 0.6 - 1/2) = 0.4. */
Test(base, ks_by_hand)
{
    blr_base b;
    char err[128];
    cr_assert_eq(blr_base_init(&b, BLR_BASE_UNIFORM, 0, 1, err, sizeof err), 0);
    double x[2] = {sqrt(3.0) * (2 * 0.6 - 1), sqrt(3.0) * (2 * 0.1 - 1)};
    cr_expect(fabs(blr_base_ks(&b, x, 2) - 0.4) < 1e-12, "KS = %g", blr_base_ks(&b, x, 2));
    cr_expect(x[0] < x[1], "sample not sorted");
}
