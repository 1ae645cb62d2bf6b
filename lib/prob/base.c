/* Base distributions q0 of the Lie-group BLR (base.h, docs/design.md §3.2).
 *
 * Everything is written once for the standard form ε (unit scale) and mapped to ξ = s·ε:
 * logpdf(x) = logpdf_std(x/s) - log s, H(ξ) = H(ε) + log s, mean and sd scale by s. */
#include "base.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>

#include "rng_math.h"

static const char *const base_names[BLR_BASE_COUNT] = {
    [BLR_BASE_DIRAC] = "dirac",         [BLR_BASE_GAUSSIAN] = "gaussian",
    [BLR_BASE_LAPLACE] = "laplace",     [BLR_BASE_STUDENT_T] = "student-t",
    [BLR_BASE_UNIFORM] = "uniform",     [BLR_BASE_RAYLEIGH] = "rayleigh",
    [BLR_BASE_LOGNORMAL] = "lognormal", [BLR_BASE_EXPONENTIAL] = "exponential",
};

/* Out-of-range kinds get a printable name instead of NULL so callers can print any kind. */
const char *blr_base_name(blr_base_kind kind)
{
    if ((int)kind < 0 || kind >= BLR_BASE_COUNT)
        return "unknown";
    return base_names[kind];
}

int blr_base_from_name(const char *name, blr_base_kind *kind)
{
    if (!name)
        return -1;
    for (int k = 0; k < BLR_BASE_COUNT; k++) {
        if (strcmp(name, base_names[k]) == 0) {
            *kind = (blr_base_kind)k;
            return 0;
        }
    }
    return -1;
}

int blr_base_is_positive(blr_base_kind kind)
{
    return kind == BLR_BASE_RAYLEIGH || kind == BLR_BASE_LOGNORMAL ||
           kind == BLR_BASE_EXPONENTIAL;
}

/* nu is stored only for student-t (0 otherwise) so a base that ignores it never carries
 * a stale value into reports. */
int blr_base_init(blr_base *b, blr_base_kind kind, double nu, double scale, char *err,
                  size_t errlen)
{
    if ((int)kind < 0 || kind >= BLR_BASE_COUNT) {
        snprintf(err, errlen, "base: unknown kind %d", (int)kind);
        return -1;
    }
    if (!isfinite(scale) || !(scale > 0)) {
        snprintf(err, errlen, "base %s: scale must be finite and > 0 (got %g)", base_names[kind],
                 scale);
        return -1;
    }
    if (kind == BLR_BASE_STUDENT_T && (!isfinite(nu) || !(nu > 0))) {
        snprintf(err, errlen, "base student-t: nu must be finite and > 0 (got %g)", nu);
        return -1;
    }
    b->kind = kind;
    b->nu = kind == BLR_BASE_STUDENT_T ? nu : 0.0;
    b->scale = scale;
    return 0;
}

/* ---- sampling ----------------------------------------------------------------------- */

/* Each base is one transform of random words (lib/prob/rng.h's blr_rng_fill), scale included,
 * so that a draw is a single pass over out in L1-sized chunks. */
typedef struct {
    float s;    /* scale */
    float nu;   /* student-t degrees of freedom */
    double nud; /* the same in double, for the small-ν path */
} base_ctx;

BLR_FASTMATH_CLONES static void base_gaussian_chunk(const uint64_t *w, float *out, const void *p)
{
    const float s = ((const base_ctx *)p)->s;
    for (size_t i = 0; i < BLR_RNG_CHUNK; i++) {
        const blr_rng_pair z = blr_rng_normal_pair(w[i]);
        out[2 * i] = s * z.c;
        out[2 * i + 1] = s * z.s;
    }
}

BLR_FASTMATH_CLONES static void base_lognormal_chunk(const uint64_t *w, float *out, const void *p)
{
    const float s = ((const base_ctx *)p)->s;
    for (size_t i = 0; i < BLR_RNG_CHUNK; i++) {
        const blr_rng_pair z = blr_rng_normal_pair(w[i]);
        out[2 * i] = s * blr_fastmath_exp(z.c);
        out[2 * i + 1] = s * blr_fastmath_exp(z.s);
    }
}

/* Laplace(s) = s·E with a fair sign: E = -log u from a half's top bits, the sign from its
 * bit 0. */
BLR_FASTMATH_CLONES static void base_laplace_chunk(const uint64_t *w, float *out, const void *p)
{
    const float s = ((const base_ctx *)p)->s;
    for (size_t i = 0; i < BLR_RNG_CHUNK; i++) {
        const uint32_t hi = (uint32_t)(w[i] >> 32), lo = (uint32_t)w[i];
        out[2 * i] = blr_rng_signed(s * blr_rng_exponential(hi), hi);
        out[2 * i + 1] = blr_rng_signed(s * blr_rng_exponential(lo), lo);
    }
}

BLR_FASTMATH_CLONES static void base_exponential_chunk(const uint64_t *w, float *out,
                                                       const void *p)
{
    const float s = ((const base_ctx *)p)->s;
    for (size_t i = 0; i < BLR_RNG_CHUNK; i++) {
        out[2 * i] = s * blr_rng_exponential((uint32_t)(w[i] >> 32));
        out[2 * i + 1] = s * blr_rng_exponential((uint32_t)w[i]);
    }
}

/* Rayleigh: F^-1(1 - u) = s·sqrt(-2 log u) = s·sqrt(2E). */
BLR_FASTMATH_CLONES static void base_rayleigh_chunk(const uint64_t *w, float *out, const void *p)
{
    const float s = ((const base_ctx *)p)->s;
    for (size_t i = 0; i < BLR_RNG_CHUNK; i++) {
        out[2 * i] = s * sqrtf(2.0f * blr_rng_exponential((uint32_t)(w[i] >> 32)));
        out[2 * i + 1] = s * sqrtf(2.0f * blr_rng_exponential((uint32_t)w[i]));
    }
}

/* Uniform on (-√3 s, √3 s): 2u - 1 is exact on the grid of blr_rng_unit and symmetric
 * about 0. */
BLR_FASTMATH_CLONES static void base_uniform_chunk(const uint64_t *w, float *out, const void *p)
{
    const float hw = ((const base_ctx *)p)->s * 1.7320508075688772f;
    for (size_t i = 0; i < BLR_RNG_CHUNK; i++) {
        out[2 * i] = hw * (2.0f * blr_rng_unit((uint32_t)(w[i] >> 32)) - 1.0f);
        out[2 * i + 1] = hw * (2.0f * blr_rng_unit((uint32_t)w[i]) - 1.0f);
    }
}

/* Student-t by Bailey's polar method (Bailey 1994, Math. Comp. 62): for a point uniform in
 * the unit disc at angle θ and squared radius W, T = cos θ·sqrt(ν(W^(-2/ν) - 1)) is exactly
 * t_ν. θ and W are independent, θ uniform and W uniform on (0,1), so no rejection is needed:
 * W = e^-E with E = -log u from the word's high half, cos θ from its low half, and
 * T = cos θ·sqrt(ν·expm1(2E/ν)). One t per word. E <= 24 ln 2, so 2E/ν stays below
 * float's exp overflow (88.7) for ν >= 0.5; smaller ν takes the double path below. */
BLR_FASTMATH_CLONES static void base_student_t_chunk(const uint64_t *w, float *out,
                                                     const void *p)
{
    const float s = ((const base_ctx *)p)->s, nu = ((const base_ctx *)p)->nu;
    const float two_over_nu = 2.0f / nu;
    for (size_t i = 0; i < BLR_RNG_CHUNK; i++) {
        const float cs = blr_rng_circle((uint32_t)w[i]).c;
        const float e = blr_rng_exponential((uint32_t)(w[i] >> 32));
        out[i] = s * cs * sqrtf(nu * blr_fastmath_expm1(two_over_nu * e));
    }
}

/* The same for ν < 0.5, where the t's themselves approach float's range: in double (scalar
 * libm; such heavy tails are for ablations, not the hot path). */
static void base_student_t_small_nu_chunk(const uint64_t *w, float *out, const void *p)
{
    const base_ctx *c = p;
    for (size_t i = 0; i < BLR_RNG_CHUNK; i++) {
        const double cs = blr_rng_circle((uint32_t)w[i]).c;
        const double e = blr_rng_exponential((uint32_t)(w[i] >> 32));
        out[i] = (float)(c->s * cs * sqrt(c->nud * expm1(2.0 * e / c->nud)));
    }
}

static double base_gsl_draw(const blr_base *b, gsl_rng *g);

/* Fast bulk path: one blr_rng_fill with the base's transform; or the reference path when r
 * asks for it (blr_rng_use_gsl), whose draws are NAN if GSL cannot allocate. */
void blr_base_sample(const blr_base *b, blr_rng *r, float *out, size_t n)
{
    if (r->gsl && b->kind != BLR_BASE_DIRAC) {
        gsl_rng *g = blr_rng_gsl_open(r);
        for (size_t i = 0; i < n; i++)
            out[i] = g ? (float)base_gsl_draw(b, g) : NAN;
        gsl_rng_free(g);
        return;
    }
    const base_ctx c = {(float)b->scale, (float)b->nu, b->nu};
    switch (b->kind) {
    case BLR_BASE_DIRAC:
        memset(out, 0, n * sizeof *out);
        break;
    case BLR_BASE_GAUSSIAN:
        blr_rng_fill(r, out, n, 2, base_gaussian_chunk, &c);
        break;
    case BLR_BASE_LAPLACE:
        blr_rng_fill(r, out, n, 2, base_laplace_chunk, &c);
        break;
    case BLR_BASE_STUDENT_T:
        blr_rng_fill(r, out, n, 1,
                     b->nu >= 0.5 ? base_student_t_chunk : base_student_t_small_nu_chunk, &c);
        break;
    case BLR_BASE_UNIFORM:
        blr_rng_fill(r, out, n, 2, base_uniform_chunk, &c);
        break;
    case BLR_BASE_RAYLEIGH:
        blr_rng_fill(r, out, n, 2, base_rayleigh_chunk, &c);
        break;
    case BLR_BASE_LOGNORMAL:
        blr_rng_fill(r, out, n, 2, base_lognormal_chunk, &c);
        break;
    case BLR_BASE_EXPONENTIAL:
        blr_rng_fill(r, out, n, 2, base_exponential_chunk, &c);
        break;
    case BLR_BASE_COUNT:
        break;
    }
}

static double base_gsl_draw(const blr_base *b, gsl_rng *g)
{
    const double s = b->scale;
    switch (b->kind) {
    case BLR_BASE_GAUSSIAN:
        return gsl_ran_gaussian_ziggurat(g, s);
    case BLR_BASE_LAPLACE:
        return gsl_ran_laplace(g, s);
    case BLR_BASE_STUDENT_T:
        return s * gsl_ran_tdist(g, b->nu);
    case BLR_BASE_UNIFORM:
        return gsl_ran_flat(g, -sqrt(3.0) * s, sqrt(3.0) * s);
    case BLR_BASE_RAYLEIGH:
        return gsl_ran_rayleigh(g, s);
    case BLR_BASE_LOGNORMAL:
        return gsl_ran_lognormal(g, log(s), 1.0);
    case BLR_BASE_EXPONENTIAL:
        return gsl_ran_exponential(g, s);
    case BLR_BASE_DIRAC:
    case BLR_BASE_COUNT:
        break;
    }
    return 0.0;
}

/* The interface has no error return: if GSL cannot allocate its generator (only possible
 * when its error handler is off) the draws are NAN, which no caller can mistake for data. */
void blr_base_sample_gsl(const blr_base *b, unsigned long seed, double *out, size_t n)
{
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    if (g)
        gsl_rng_set(g, seed);
    for (size_t i = 0; i < n; i++)
        out[i] = g ? base_gsl_draw(b, g) : NAN;
    gsl_rng_free(g);
}

/* ---- densities ---------------------------------------------------------------------- */

/* log of the student-t normalizer 1/(sqrt(ν) B(ν/2, 1/2)); GSL's lnbeta is thread-safe
 * where lgamma (signgam) is not. */
static double base_t_lognorm(double nu)
{
    return -0.5 * log(nu) - gsl_sf_lnbeta(0.5 * nu, 0.5);
}

static double base_logpdf_std(const blr_base *b, double e)
{
    switch (b->kind) {
    case BLR_BASE_DIRAC:
        return e == 0.0 ? INFINITY : -INFINITY;
    case BLR_BASE_GAUSSIAN:
        return -0.5 * e * e - 0.5 * log(2.0 * M_PI);
    case BLR_BASE_LAPLACE:
        return -fabs(e) - M_LN2;
    case BLR_BASE_STUDENT_T:
        return base_t_lognorm(b->nu) - 0.5 * (b->nu + 1.0) * log1p(e * e / b->nu);
    case BLR_BASE_UNIFORM:
        return fabs(e) <= M_SQRT3 ? -log(2.0 * M_SQRT3) : -INFINITY;
    case BLR_BASE_RAYLEIGH:
        return e > 0 ? log(e) - 0.5 * e * e : -INFINITY;
    case BLR_BASE_LOGNORMAL:
        return e > 0 ? -log(e) - 0.5 * log(e) * log(e) - 0.5 * log(2.0 * M_PI) : -INFINITY;
    case BLR_BASE_EXPONENTIAL:
        return e >= 0 ? -e : -INFINITY;
    case BLR_BASE_COUNT:
        break;
    }
    return NAN;
}

double blr_base_logpdf(const blr_base *b, double x)
{
    return base_logpdf_std(b, x / b->scale) - log(b->scale);
}

double blr_base_cdf(const blr_base *b, double x)
{
    const double s = b->scale;
    switch (b->kind) {
    case BLR_BASE_DIRAC:
        return x < 0 ? 0.0 : 1.0;
    case BLR_BASE_GAUSSIAN:
        return gsl_cdf_gaussian_P(x, s);
    case BLR_BASE_LAPLACE:
        return gsl_cdf_laplace_P(x, s);
    case BLR_BASE_STUDENT_T:
        return gsl_cdf_tdist_P(x / s, b->nu);
    case BLR_BASE_UNIFORM:
        return gsl_cdf_flat_P(x, -M_SQRT3 * s, M_SQRT3 * s);
    case BLR_BASE_RAYLEIGH:
        return gsl_cdf_rayleigh_P(x, s);
    case BLR_BASE_LOGNORMAL:
        return gsl_cdf_lognormal_P(x, log(s), 1.0);
    case BLR_BASE_EXPONENTIAL:
        return gsl_cdf_exponential_P(x, s);
    case BLR_BASE_COUNT:
        break;
    }
    return NAN;
}

/* Closed forms for the standard form; the scale adds log s. */
double blr_base_entropy(const blr_base *b)
{
    double h = NAN;
    const double nu = b->nu;
    switch (b->kind) {
    case BLR_BASE_DIRAC:
        return -INFINITY;
    case BLR_BASE_GAUSSIAN:
    case BLR_BASE_LOGNORMAL: /* log ε ~ N(0,1) and dε = ε d(log ε): H = E[log ε] + H(N) */
        h = 0.5 * log(2.0 * M_PI * M_E);
        break;
    case BLR_BASE_LAPLACE:
        h = 1.0 + M_LN2;
        break;
    case BLR_BASE_STUDENT_T:
        h = 0.5 * (nu + 1.0) * (gsl_sf_psi(0.5 * (nu + 1.0)) - gsl_sf_psi(0.5 * nu)) -
            base_t_lognorm(nu);
        break;
    case BLR_BASE_UNIFORM:
        h = log(2.0 * M_SQRT3);
        break;
    case BLR_BASE_RAYLEIGH: /* σ = 1: 1 + log(σ/√2) + γ/2 */
        h = 1.0 - 0.5 * M_LN2 + 0.5 * M_EULER;
        break;
    case BLR_BASE_EXPONENTIAL:
        h = 1.0;
        break;
    case BLR_BASE_COUNT:
        break;
    }
    return h + log(b->scale);
}

int blr_base_moments(const blr_base *b, double *mean, double *var)
{
    double m = 0.0, v = 0.0;
    int rc = 0;
    switch (b->kind) {
    case BLR_BASE_DIRAC:
        break;
    case BLR_BASE_GAUSSIAN:
    case BLR_BASE_UNIFORM:
        v = 1.0;
        break;
    case BLR_BASE_LAPLACE:
        v = 2.0;
        break;
    case BLR_BASE_STUDENT_T:
        if (b->nu > 2) {
            v = b->nu / (b->nu - 2.0);
        } else {
            /* E|T| is infinite for ν <= 1, E T² for ν <= 2 */
            m = b->nu > 1 ? 0.0 : NAN;
            v = b->nu > 1 ? INFINITY : NAN;
            rc = -1;
        }
        break;
    case BLR_BASE_RAYLEIGH:
        m = sqrt(M_PI / 2.0);
        v = (4.0 - M_PI) / 2.0;
        break;
    case BLR_BASE_LOGNORMAL:
        m = exp(0.5);
        v = (M_E - 1.0) * M_E;
        break;
    case BLR_BASE_EXPONENTIAL:
        m = 1.0;
        v = 1.0;
        break;
    case BLR_BASE_COUNT:
        m = v = NAN;
        rc = -1;
        break;
    }
    *mean = m * b->scale;
    *var = v * b->scale * b->scale;
    return rc;
}

/* ---- Fisher constants (docs/design.md §3.2) ------------------------------------------ */

/* ψ = (log q0)' of the standard form. Laplace's is undefined at 0, a null set. */
static double base_psi_std(const blr_base *b, double e)
{
    switch (b->kind) {
    case BLR_BASE_GAUSSIAN:
        return -e;
    case BLR_BASE_LAPLACE:
        return e > 0 ? -1.0 : 1.0;
    case BLR_BASE_STUDENT_T:
        return -(b->nu + 1.0) * e / (b->nu + e * e);
    case BLR_BASE_RAYLEIGH:
        return 1.0 / e - e;
    case BLR_BASE_LOGNORMAL:
        return -(1.0 + log(e)) / e;
    case BLR_BASE_EXPONENTIAL:
        return -1.0;
    case BLR_BASE_DIRAC:
    case BLR_BASE_UNIFORM:
    case BLR_BASE_COUNT:
        break;
    }
    return NAN;
}

typedef struct {
    const blr_base *b;
    int log_scale; /* 0: ψ² (location), 1: (1 + εψ)² (log-scale) */
} base_fisher_arg;

static double base_fisher_integrand(double e, void *p)
{
    const base_fisher_arg *a = p;
    const double q = exp(base_logpdf_std(a->b, e));
    if (q == 0.0) /* avoids 0·∞ where ψ blows up at the edge of the support */
        return 0.0;
    const double psi = base_psi_std(a->b, e);
    const double g = a->log_scale ? 1.0 + e * psi : psi;
    return g * g * q;
}

/* E over the standard form; bases on R are integrated as two half-lines so Laplace's kink
 * at 0 is an endpoint of both rather than an interior point of one. */
static int base_fisher_expect(const blr_base *b, int log_scale, gsl_integration_workspace *ws,
                              double *value)
{
    enum { LIMIT = 200 };
    const double epsrel = 1e-10;
    base_fisher_arg arg = {b, log_scale};
    gsl_function f = {base_fisher_integrand, &arg};
    double right, left = 0.0, abserr;
    int status = gsl_integration_qagiu(&f, 0.0, 0.0, epsrel, LIMIT, ws, &right, &abserr);
    if (status == 0 && !blr_base_is_positive(b->kind))
        status = gsl_integration_qagil(&f, 0.0, 0.0, epsrel, LIMIT, ws, &left, &abserr);
    *value = left + right;
    return status;
}

/* With ξ = s·ε, ψ_ξ(x) = ψ(x/s)/s, so F_v = F_v(standard)/s² and ξψ_ξ(ξ) = εψ(ε) leaves F_u
 * unchanged: integrating the standard form keeps the quadrature well scaled for any s. */
int blr_base_fisher(const blr_base *b, double *fv, double *fu, char *err, size_t errlen)
{
    if (b->kind == BLR_BASE_DIRAC) {
        snprintf(err, errlen, "base dirac: no density, so no Fisher constants");
        return -1;
    }
    if (b->kind == BLR_BASE_UNIFORM) {
        snprintf(err, errlen,
                 "base uniform: its support moves with location and scale, so its Fisher "
                 "information is not finite");
        return -1;
    }
    if ((int)b->kind < 0 || b->kind >= BLR_BASE_COUNT) {
        snprintf(err, errlen, "base: unknown kind %d", (int)b->kind);
        return -1;
    }
    /* GSL's default handler aborts; the caller gets an error code instead. */
    gsl_error_handler_t *old_handler = gsl_set_error_handler_off();
    gsl_integration_workspace *ws = gsl_integration_workspace_alloc(200);
    int rc = -1;
    if (!ws) {
        snprintf(err, errlen, "base %s: out of memory for the Fisher quadrature",
                 base_names[b->kind]);
        goto done;
    }
    double v = NAN, u = NAN;
    int status = GSL_SUCCESS;
    if (!blr_base_is_positive(b->kind))
        status = base_fisher_expect(b, 0, ws, &v);
    if (status == GSL_SUCCESS)
        status = base_fisher_expect(b, 1, ws, &u);
    if (status != GSL_SUCCESS) {
        snprintf(err, errlen, "base %s: Fisher quadrature failed: %s", base_names[b->kind],
                 gsl_strerror(status));
        goto done;
    }
    *fv = v / (b->scale * b->scale);
    *fu = u;
    rc = 0;
done:
    gsl_integration_workspace_free(ws);
    gsl_set_error_handler(old_handler);
    return rc;
}

/* ---- goodness of fit ---------------------------------------------------------------- */

static int base_cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The empirical CDF jumps from i/n to (i+1)/n at the i-th order statistic, so the
 * supremum is attained just before or at one of them. */
double blr_base_ks(const blr_base *b, double *x, size_t n)
{
    if (n == 0)
        return NAN;
    qsort(x, n, sizeof *x, base_cmp_double);
    double d = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double f = blr_base_cdf(b, x[i]);
        const double above = (double)(i + 1) / (double)n - f;
        const double below = f - (double)i / (double)n;
        if (above > d)
            d = above;
        if (below > d)
            d = below;
    }
    return d;
}
