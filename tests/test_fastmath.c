/* lib/prob/fastmath.h against double-precision libm: the documented ulp bounds over dense samples
 * of each function's whole finite range and over every float near the points where the
 * evaluation changes (range-reduction boundaries, overflow and underflow thresholds, the
 * small-argument switch), the edge cases (±0, subnormals, ±inf, NaN), and the library's
 * vectorized block loops (model activations, rule steps) against their scalar tails, bit for
 * bit. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "fastmath.h"
#include "model.h"
#include "rng.h"
#include "registry.h"

/* The bounds documented in lib/prob/fastmath.h. */
#define EXP_ULPS 1.03
#define EXPM1_ULPS 1.77
#define TANH_ULPS 2.5

static float fastmath_float(uint32_t bits)
{
    float x;
    memcpy(&x, &bits, sizeof x);
    return x;
}

static uint32_t fastmath_bits(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

/* Error of got in ulps of the true value want: |got - want| / 2^(e-23) for |want| in
 * [2^e, 2^(e+1)), the spacing never below the smallest subnormal 2^-149. A true value that
 * rounds to ±inf (the conversion to float rounds correctly) must give that inf exactly. */
static double fastmath_ulps(float got, double want)
{
    if (isnan(want))
        return isnan(got) ? 0.0 : INFINITY;
    if (isinf((float)want))
        return got == (float)want ? 0.0 : INFINITY;
    if (!isfinite(got))
        return INFINITY;
    int e;
    frexp(want, &e);
    double ulp = fmax(ldexp(1.0, e - 24), ldexp(1.0, -149));
    return fabs((double)got - want) / ulp;
}

typedef enum { FM_EXP, FM_EXPM1, FM_TANH } fastmath_fn;

static float fastmath_eval(fastmath_fn f, float x)
{
    switch (f) {
    case FM_EXP:
        return blr_fastmath_exp(x);
    case FM_EXPM1:
        return blr_fastmath_expm1(x);
    case FM_TANH:
        return blr_fastmath_tanh(x);
    }
    return NAN;
}

static double fastmath_ref(fastmath_fn f, float x)
{
    switch (f) {
    case FM_EXP:
        return exp((double)x);
    case FM_EXPM1:
        return expm1((double)x);
    case FM_TANH:
        return tanh((double)x);
    }
    return NAN;
}

typedef struct {
    double worst;
    float at;
    long count;
} fastmath_err;

static void fastmath_check(fastmath_fn f, float x, fastmath_err *err)
{
    double u = fastmath_ulps(fastmath_eval(f, x), fastmath_ref(f, x));
    if (!(u <= err->worst)) {
        err->worst = u;
        err->at = x;
    }
    err->count++;
}

/* Every stride-th float of one sign from 0 up to magnitude lim. */
static void fastmath_sweep(fastmath_fn f, float lim, uint32_t stride, fastmath_err *err)
{
    const uint32_t top = fastmath_bits(lim);
    for (uint32_t b = 0; b <= top; b += stride) {
        fastmath_check(f, fastmath_float(b), err);
        fastmath_check(f, fastmath_float(b | 0x80000000u), err);
    }
}

/* Every float within `width` floats of x. */
static void fastmath_window(fastmath_fn f, float x, uint32_t width, fastmath_err *err)
{
    const uint32_t b = fastmath_bits(x);
    for (uint32_t k = b - width; k != b + width; k++)
        fastmath_check(f, fastmath_float(k), err);
}

static void fastmath_expect_bound(fastmath_fn f, const char *name, double bound,
                                  const float *points, size_t npoints)
{
    fastmath_err err = {0.0, 0.0f, 0};
    fastmath_sweep(f, 120.0f, 1009, &err);
    for (size_t k = 0; k < npoints; k++)
        fastmath_window(f, points[k], 4096, &err);
    cr_assert(err.count > 2000000, "%s: only %ld points", name, err.count);
    cr_assert(err.worst <= bound, "%s: %.4f ulp at x = %.9g (%a), bound %.2f", name, err.worst,
              err.at, err.at, bound);
}

/* ±k ln(2)/2: where round(x/ln 2) changes and the reduced argument jumps. */
static size_t fastmath_reduction_edges(float *points, size_t max)
{
    size_t n = 0;
    for (int k = 1; k <= 9 && n + 2 <= max; k += 2) {
        points[n++] = (float)(k * 0.34657359027997264);
        points[n++] = (float)(-k * 0.34657359027997264);
    }
    return n;
}

Test(fastmath, exp_within_bound)
{
    float points[24];
    size_t n = fastmath_reduction_edges(points, 16);
    points[n++] = 88.7228390f;   /* ln FLT_MAX: overflow */
    points[n++] = -87.3365448f;  /* ln FLT_MIN: results turn subnormal */
    points[n++] = -103.972077f;  /* ln 2^-150: results round to 0 */
    points[n++] = 0x1p-24f;      /* e^x rounds to 1 on either side */
    points[n++] = -0x1p-25f;
    fastmath_expect_bound(FM_EXP, "exp", EXP_ULPS, points, n);
}

Test(fastmath, expm1_within_bound)
{
    float points[24];
    size_t n = fastmath_reduction_edges(points, 16);
    points[n++] = 88.7228390f;  /* overflow */
    points[n++] = -17.3286795f; /* ln 2^-25: the result rounds to -1 */
    points[n++] = 0x1p-25f;     /* the switch to returning x */
    points[n++] = -0x1p-25f;
    fastmath_expect_bound(FM_EXPM1, "expm1", EXPM1_ULPS, points, n);
}

Test(fastmath, tanh_within_bound)
{
    float points[24];
    size_t n = fastmath_reduction_edges(points, 16);
    for (size_t k = 0; k < n; k++)
        points[k] *= 0.5f; /* tanh reduces -2|x| */
    points[n++] = 9.01091290f;  /* tanh rounds to 1 beyond */
    points[n++] = -9.01091290f;
    points[n++] = 0x1p-26f;     /* expm1's switch at 2|x| = 2^-25 */
    points[n++] = -0x1p-26f;
    fastmath_expect_bound(FM_TANH, "tanh", TANH_ULPS, points, n);
}

static int fastmath_same(float a, float b)
{
    return fastmath_bits(a) == fastmath_bits(b);
}

Test(fastmath, exp_edges)
{
    cr_assert_eq(blr_fastmath_exp(0.0f), 1.0f);
    cr_assert_eq(blr_fastmath_exp(-0.0f), 1.0f);
    cr_assert_eq(blr_fastmath_exp(0x1p-149f), 1.0f);
    /* the largest float below ln FLT_MAX stays finite, the next one overflows */
    cr_assert(isfinite(blr_fastmath_exp(88.7228317f)));
    cr_assert(isinf(blr_fastmath_exp(88.7228394f)));
    const float huge[] = {104.0f, 1e4f, 1e30f, FLT_MAX, INFINITY};
    for (size_t k = 0; k < sizeof huge / sizeof huge[0]; k++) {
        cr_assert(isinf(blr_fastmath_exp(huge[k])) && blr_fastmath_exp(huge[k]) > 0, "exp(%g)",
                  huge[k]);
        cr_assert(fastmath_same(blr_fastmath_exp(-huge[k]), 0.0f), "exp(-%g)", huge[k]);
    }
    cr_assert(isinf(blr_fastmath_exp(89.0f)));
    /* e^-87.5 is subnormal (below 2^-126 = e^-87.34), e^-103.9 too, e^-104 rounds to 0 */
    float sub = blr_fastmath_exp(-87.5f), tiny = blr_fastmath_exp(-103.9f);
    cr_assert(sub > 0.0f && sub < FLT_MIN);
    cr_assert(tiny > 0.0f && tiny < 0x1p-148f);
    cr_assert_eq(blr_fastmath_exp(-104.0f), 0.0f);
}

Test(fastmath, expm1_edges)
{
    cr_assert(fastmath_same(blr_fastmath_expm1(0.0f), 0.0f));
    cr_assert(fastmath_same(blr_fastmath_expm1(-0.0f), -0.0f));
    const float tiny[] = {1e-30f, -1e-30f, 1e-40f, -1e-40f, 0x1p-149f, -0x1p-149f, 0x1p-26f};
    for (size_t k = 0; k < sizeof tiny / sizeof tiny[0]; k++)
        cr_assert(fastmath_same(blr_fastmath_expm1(tiny[k]), tiny[k]), "expm1(%a)", tiny[k]);
    const float low[] = {-17.5f, -20.0f, -50.0f, -1e30f, -FLT_MAX, -INFINITY};
    for (size_t k = 0; k < sizeof low / sizeof low[0]; k++)
        cr_assert_eq(blr_fastmath_expm1(low[k]), -1.0f, "expm1(%g)", low[k]);
    cr_assert(isfinite(blr_fastmath_expm1(88.7228317f)));
    const float high[] = {88.7228394f, 89.0f, 1e30f, FLT_MAX, INFINITY};
    for (size_t k = 0; k < sizeof high / sizeof high[0]; k++)
        cr_assert(isinf(blr_fastmath_expm1(high[k])) && blr_fastmath_expm1(high[k]) > 0,
                  "expm1(%g)", high[k]);
}

Test(fastmath, tanh_edges)
{
    cr_assert(fastmath_same(blr_fastmath_tanh(0.0f), 0.0f));
    cr_assert(fastmath_same(blr_fastmath_tanh(-0.0f), -0.0f));
    const float tiny[] = {1e-30f, -1e-30f, 1e-40f, -0x1p-149f, 0x1.fffffep-27f};
    for (size_t k = 0; k < sizeof tiny / sizeof tiny[0]; k++)
        cr_assert(fastmath_same(blr_fastmath_tanh(tiny[k]), tiny[k]), "tanh(%a)", tiny[k]);
    const float big[] = {9.1f, 20.0f, 1e30f, FLT_MAX, INFINITY};
    for (size_t k = 0; k < sizeof big / sizeof big[0]; k++) {
        cr_assert_eq(blr_fastmath_tanh(big[k]), 1.0f, "tanh(%g)", big[k]);
        cr_assert_eq(blr_fastmath_tanh(-big[k]), -1.0f, "tanh(-%g)", big[k]);
    }
    /* odd, bit for bit */
    blr_rng r;
    blr_rng_init(&r, 3, BLR_RNG_TEST, 900);
    for (int k = 0; k < 1000; k++) {
        float x = (float)(4.0 * blr_rng_normal(&r));
        cr_assert(fastmath_same(blr_fastmath_tanh(-x), -blr_fastmath_tanh(x)), "tanh(%a)", x);
    }
}

/* Divergence detection relies on NaN coming out of every function, whatever its sign or
 * payload. */
Test(fastmath, nan_propagates)
{
    const uint32_t nans[] = {0x7fc00000u, 0xffc00000u, 0x7f800001u, 0xff812345u, 0x7fffffffu};
    for (size_t k = 0; k < sizeof nans / sizeof nans[0]; k++) {
        float x = fastmath_float(nans[k]);
        cr_assert(isnan(blr_fastmath_exp(x)), "exp(%08x)", nans[k]);
        cr_assert(isnan(blr_fastmath_expm1(x)), "expm1(%08x)", nans[k]);
        cr_assert(isnan(blr_fastmath_tanh(x)), "tanh(%08x)", nans[k]);
    }
}

/* ---- the vectorized block loops against their scalar tails ---------------------------- */

/* Some values of every regime, 64 of them (one block). */
static void fastmath_pattern(float *z)
{
    const float special[] = {0.0f, -0.0f, 1e-30f, -1e-30f, 0x1p-26f, 0.34f, -0.35f, 0.7f,
                             -1.0f, 2.5f, -5.0f, 9.5f, -12.0f, 20.0f, -88.0f, 88.0f};
    const size_t ns = sizeof special / sizeof special[0];
    for (size_t j = 0; j < BLR_FASTMATH_BLOCK; j++)
        z[j] = j < ns ? special[j] : (float)(((double)j - 40.0) * 0.37);
}

/* The same block function run as one vectorized block and element by element. */
BLR_FASTMATH_INLINE void fastmath_block(size_t len, const float *restrict x, float *restrict e,
                                        float *restrict m, float *restrict t)
{
    for (size_t i = 0; i < len; i++) {
        e[i] = blr_fastmath_exp(x[i]);
        m[i] = blr_fastmath_expm1(x[i]);
        t[i] = blr_fastmath_tanh(x[i]);
    }
}

Test(fastmath, block_equals_scalar)
{
    float x[BLR_FASTMATH_BLOCK], e[BLR_FASTMATH_BLOCK], m[BLR_FASTMATH_BLOCK];
    float t[BLR_FASTMATH_BLOCK];
    fastmath_pattern(x);
    fastmath_block(BLR_FASTMATH_BLOCK, x, e, m, t);
    for (size_t i = 0; i < BLR_FASTMATH_BLOCK; i++) {
        float e1, m1, t1;
        fastmath_block(1, x + i, &e1, &m1, &t1);
        cr_assert(fastmath_same(e[i], e1) && fastmath_same(m[i], m1) && fastmath_same(t[i], t1),
                  "x = %a", x[i]);
    }
}

/* A one-input network whose hidden unit j has pre-activation pattern[j mod 64] (weight
 * pattern value, input 1, bias 0; -0 comes out as 0 + -0 = +0): units 128 to 190 run in the
 * scalar tail of the activation loop, the others in vectorized blocks; all equal the scalar
 * fastmath function of their pre-activation. */
Test(fastmath, model_activations_match_scalar)
{
    const int width = 3 * BLR_FASTMATH_BLOCK - 1;
    float z[BLR_FASTMATH_BLOCK];
    fastmath_pattern(z);
    for (int act = BLR_ACT_TANH; act <= BLR_ACT_ELU; act++) {
        blr_model_spec s = {.arch = BLR_ARCH_MLP, .n_in = 1, .n_out = 1, .n_hidden = 1,
                            .hidden = {width}, .act = (blr_act)act,
                            .task = BLR_TASK_REGRESSION, .noise_sd = 1.0};
        blr_model m;
        char err[256];
        cr_assert_eq(blr_model_init(&m, &s, 1, err, sizeof err), 0, "%s", err);
        float *theta = calloc(m.n_params, sizeof *theta), x = 1.0f, out;
        cr_assert_not_null(theta);
        for (int j = 0; j < width; j++)
            theta[m.layer[0].w_off + (size_t)j] = z[j % BLR_FASTMATH_BLOCK];
        blr_model_predict(&m, theta, &x, 1, &out);
        for (int j = 0; j < width; j++) {
            float zj = m.pre[0][j], want;
            cr_assert_eq(zj, z[j % BLR_FASTMATH_BLOCK], "unit %d", j);
            if (act == BLR_ACT_TANH)
                want = blr_fastmath_tanh(zj);
            else if (act == BLR_ACT_RELU)
                want = zj > 0.0f ? zj : 0.0f;
            else
                want = zj > 0.0f ? zj : blr_fastmath_expm1(zj);
            cr_assert(fastmath_same(m.act_in[1][j], want), "%s unit %d: %a vs %a",
                      blr_act_name((blr_act)act), j, m.act_in[1][j], want);
        }
        free(theta);
        blr_model_free(&m);
    }
}

/* ∇ of Σ_j c_j (θ_j - μ_j)²/2 + sin θ_j with c_j, μ_j depending on j only, scaled by 30
 * so that the affine rule's U and V are O(1) and its exponentials far from trivial. */
static void fastmath_grad(const float *theta, float *grad, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        double c = 1.0 + 0.1 * (double)(j % 7), mu = 0.05 * (double)j - 1.0;
        grad[j] = (float)(30.0 * (c * (theta[j] - mu) + sin(theta[j])));
    }
}

/* Runs `steps` steps of rule with P = n on a gaussian base; the noise of coordinate j is
 * the same for every n (fills concatenate, rng.h), so the first coordinates must come out
 * the same whether they ran in vectorized blocks (large n) or in the scalar tail. */
static void fastmath_run_rule(const char *rule, size_t n, int steps, float *mean, float *sd)
{
    blr_method_cfg c;
    blr_method_cfg_defaults(&c);
    snprintf(c.rule, sizeof c.rule, "%s", rule);
    c.base.kind = BLR_BASE_GAUSSIAN;
    c.base.scale = 0.5;
    c.lr = 0.05;
    c.lr2 = 0.02;
    c.beta1 = 0.5;
    c.beta2 = 0.8;
    c.n_data = 10.0;
    c.mc = 2;
    float *w0 = malloc(n * sizeof *w0), *theta = malloc(n * sizeof *theta);
    float *grad = malloc(n * sizeof *grad);
    cr_assert(w0 && theta && grad);
    for (size_t j = 0; j < n; j++)
        w0[j] = (float)(0.3 * sin((double)j));
    blr_method *m = NULL;
    char err[256];
    cr_assert_eq(blr_method_create(&m, &c, n, w0, w0, err, sizeof err), 0, "%s", err);
    for (int t = 0; t < steps; t++) {
        for (int k = 0; k < c.mc; k++) {
            /* each sample draws from a fresh stream, so its noise is the same for every n */
            blr_rng rk;
            blr_rng_init(&rk, 17, BLR_RNG_TEST, 1000 + (uint64_t)(t * c.mc + k));
            m->ops->sample(m, 0, theta, &rk);
            fastmath_grad(theta, grad, n);
            m->ops->accumulate(m, 0, theta, grad, NULL);
        }
        m->ops->step(m, 1.0);
    }
    m->ops->posterior(m, mean, sd);
    blr_method_free(m);
    free(w0);
    free(theta);
    free(grad);
}

Test(fastmath, rule_blocks_match_scalar_tail)
{
    const char *rules[] = {"lie-additive", "lie-affine"};
    const size_t small = BLR_FASTMATH_BLOCK - 1, big = 2 * BLR_FASTMATH_BLOCK + 5;
    for (size_t k = 0; k < 2; k++) {
        float ms[2 * BLR_FASTMATH_BLOCK + 5], ss[2 * BLR_FASTMATH_BLOCK + 5];
        float mb[2 * BLR_FASTMATH_BLOCK + 5], sb[2 * BLR_FASTMATH_BLOCK + 5];
        fastmath_run_rule(rules[k], small, 4, ms, ss);
        fastmath_run_rule(rules[k], big, 4, mb, sb);
        for (size_t j = 0; j < small; j++)
            cr_assert(fastmath_same(ms[j], mb[j]) && fastmath_same(ss[j], sb[j]),
                      "%s coordinate %zu: (%a, %a) vs (%a, %a)", rules[k], j, ms[j], ss[j], mb[j],
                      sb[j]);
    }
}

/* A step that overflows every g± (X± = -τ~ for all coordinates, with ξ = 0 before the first
 * sample, and α huge) saturates each one exactly once: the count, an integer reduction in
 * the vectorized loop, must be 2P whatever P mod the block length. */
Test(fastmath, saturation_count_in_blocks)
{
    const size_t sizes[] = {1, BLR_FASTMATH_BLOCK - 1, BLR_FASTMATH_BLOCK,
                            3 * BLR_FASTMATH_BLOCK + 7};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        blr_method_cfg c;
        blr_method_cfg_defaults(&c);
        snprintf(c.rule, sizeof c.rule, "lie-multiplicative");
        c.base.kind = BLR_BASE_RAYLEIGH;
        c.lr = 1e6;
        c.n_data = 1.0;
        float *w = calloc(n, sizeof *w), *g = calloc(n, sizeof *g);
        cr_assert(w && g);
        blr_method *m = NULL;
        char err[256];
        cr_assert_eq(blr_method_create(&m, &c, n, w, w, err, sizeof err), 0, "%s", err);
        m->ops->accumulate(m, 0, w, g, NULL);
        m->ops->step(m, 1.0);
        cr_assert_eq(m->invalid_updates, 2 * (long)n, "P = %zu: %ld saturated", n,
                     m->invalid_updates);
        blr_method_free(m);
        free(w);
        free(g);
    }
}
