/* Random streams (lib/prob/rng.c): reproducibility, stream independence, the open-interval
 * guarantees, and the distributions of every draw function (moments and KS tests against
 * GSL's CDFs; chi-square for the integers). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>

#include <omp.h>
#include <string.h>

#include "base.h"
#include "rng.h"
#include "rng_math.h"

#define N_STAT 100000
/* KS critical value at α = 1e-3: sqrt(-log(α/2)/2) = 1.9495 (asymptotic Kolmogorov law). */
#define KS_C 1.9495

/* Inverse of an odd number modulo 2^64 by Newton's iteration x <- x(2 - ax): each step
 * doubles the correct low bits, and a·a ≡ 1 (mod 8) gives 3 to start, so 5 steps suffice. */
static uint64_t inv_odd(uint64_t a)
{
    uint64_t x = a;
    for (int i = 0; i < 5; i++)
        x *= 2 - a * x;
    return x;
}

static uint64_t rotr64(uint64_t x, int k)
{
    return (x >> k) | (x << (64 - k));
}

/* A state whose next xoshiro256** output is y: the output is rotl(s1·5, 7)·9 and depends on
 * s[1] only, so s[1] = rotr(y·9^-1, 7)·5^-1. The other words only need to be nonzero. */
static void rng_force_next(blr_rng *r, uint64_t y)
{
    r->s[0] = 0x0123456789abcdefULL;
    r->s[1] = rotr64(y * inv_odd(9), 7) * inv_odd(5);
    r->s[2] = 0xfedcba9876543210ULL;
    r->s[3] = 0x0f1e2d3c4b5a6978ULL;
}

/* Sample mean and variance (two passes, in double). */
static void mean_var_f(const float *x, size_t n, double *mean, double *var)
{
    double m = 0.0, v = 0.0;
    for (size_t i = 0; i < n; i++)
        m += x[i];
    m /= (double)n;
    for (size_t i = 0; i < n; i++)
        v += (x[i] - m) * (x[i] - m);
    *mean = m;
    *var = v / (double)(n - 1);
}

/* Checks sample moments against (mean, var) within 5 standard errors; mu4 is the fourth
 * central moment of the law, which sets the standard error of the sample variance. */
static void expect_moments(const float *x, size_t n, double mean, double var, double mu4,
                           const char *what)
{
    double m, v;
    mean_var_f(x, n, &m, &v);
    const double se_m = sqrt(var / (double)n);
    const double se_v = sqrt((mu4 - var * var) / (double)n);
    cr_expect(fabs(m - mean) < 5 * se_m, "%s: mean %g, expected %g ± 5·%g", what, m, mean, se_m);
    cr_expect(fabs(v - var) < 5 * se_v, "%s: variance %g, expected %g ± 5·%g", what, v, var,
              se_v);
}

Test(rng, same_name_same_stream)
{
    blr_rng a, b;
    blr_rng_init(&a, 42, BLR_RNG_TRAIN_NOISE, 3);
    blr_rng_init(&b, 42, BLR_RNG_TRAIN_NOISE, 3);
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(blr_rng_next(&a), blr_rng_next(&b), "word %d differs", i);

    float x[1001], y[1001];
    blr_rng_init(&a, 7, BLR_RNG_TEST, 0);
    blr_rng_init(&b, 7, BLR_RNG_TEST, 0);
    blr_rng_fill_normal(&a, x, 1001);
    blr_rng_fill_normal(&b, y, 1001);
    for (int i = 0; i < 1001; i++)
        cr_assert_eq(x[i], y[i], "normal %d differs", i);
}

/* Distinct names, including ones differing in a single bit of one word or with the words
 * permuted, must start unrelated streams: no shared word among the first few. */
Test(rng, different_names_different_streams)
{
    const uint64_t names[][3] = {
        {0, 1, 0}, {0, 1, 1}, {0, 2, 0}, {1, 1, 0}, {1, 0, 0}, {0, 0, 1}, {0, 0, 0},
        {42, BLR_RNG_TRAIN_NOISE, 0}, {42, BLR_RNG_TEST_NOISE, 0}, {42, BLR_RNG_TRAIN_NOISE, 1},
        {43, BLR_RNG_TRAIN_NOISE, 0}, {1ULL << 63, 1, 0},
    };
    enum { K = sizeof names / sizeof names[0], W = 8 };
    uint64_t w[K][W];
    for (int k = 0; k < K; k++) {
        blr_rng r;
        blr_rng_init(&r, names[k][0], names[k][1], names[k][2]);
        for (int j = 0; j < W; j++)
            w[k][j] = blr_rng_next(&r);
    }
    for (int a = 0; a < K; a++)
        for (int b = a + 1; b < K; b++)
            for (int i = 0; i < W; i++)
                for (int j = 0; j < W; j++)
                    cr_expect_neq(w[a][i], w[b][j], "streams %d and %d share a word", a, b);
}

/* The extreme halves map strictly inside (0,1): all-ones to the largest value, zero to the
 * smallest (floats); the extreme words to the largest value and to a redraw (doubles, whose
 * grid would otherwise include 0). */
Test(rng, extreme_words_stay_open)
{
    cr_expect_eq(blr_rng_unit(~0u), 1.0f - 0x1p-24f);
    cr_expect_eq(blr_rng_unit(0), 0x1p-24f);

    blr_rng r;
    rng_force_next(&r, ~0ULL);
    const double hi = blr_rng_uniform(&r);
    cr_expect(hi < 1.0 && hi == 1.0 - 0x1p-53, "all-ones word gave %a", hi);
    rng_force_next(&r, 0);
    const double lo = blr_rng_uniform(&r);
    cr_expect(lo > 0.0 && lo < 1.0, "zero word gave %a", lo);
}

/* The extreme uniforms 2^-24 (half 0) and 1 - 2^-24 (all ones) through the transforms,
 * to float accuracy: -log(2^-24) = 24 ln 2 and -log(1 - 2^-24) ≈ 2^-24; the second catches
 * a log that is only accurate in absolute terms near 1. A pair of normals from one word
 * has radius sqrt(-2 log u) for the u of its high half. */
Test(rng, extreme_words_transforms)
{
    const double e0 = blr_rng_exponential(0);
    cr_expect(fabs(e0 - 24 * log(2.0)) < 1e-6 * 24 * log(2.0), "exp(half 0) = %.9g", e0);
    const double e1 = -log1p(-0x1p-24), got = blr_rng_exponential(~0u);
    cr_expect(fabs(got - e1) < 1e-6 * e1, "exp(all ones) = %.9g", got);

    blr_rng_pair z = blr_rng_normal_pair(0);
    const double r0 = hypot(z.c, z.s);
    cr_expect(fabs(r0 - sqrt(48 * log(2.0))) < 1e-6 * r0, "radius(word 0) = %.9g", r0);
    z = blr_rng_normal_pair(~0ULL);
    const double r1 = hypot(z.c, z.s);
    cr_expect(fabs(r1 - sqrt(2 * e1)) < 1e-6 * r1, "radius(all ones) = %.9g", r1);
}

/* The octant bits of blr_rng_circle: each of the 8 maps of one φ lands on the unit circle,
 * and together they are the 8 points (±cos φ, ±sin φ), (±sin φ, ±cos φ). */
Test(rng, circle_octants)
{
    const uint32_t top = 0x12345u << 9;
    const double pi = 3.14159265358979323846;
    const double phi = (((double)(top >> 9) + 0.5) * 0x1p-23 - 0.5) * pi / 2;
    for (uint32_t k = 0; k < 8; k++) {
        const blr_rng_pair p = blr_rng_circle(top | k);
        cr_expect(fabs(hypot(p.c, p.s) - 1.0) < 1e-6, "octant %u: radius %g", k,
                  hypot(p.c, p.s));
        const double x = k & 1 ? sin(phi) : cos(phi), y = k & 1 ? cos(phi) : sin(phi);
        cr_expect(fabs(p.c - (k & 2 ? -x : x)) < 1e-6 && fabs(p.s - (k & 4 ? -y : y)) < 1e-6,
                  "octant %u: (%g, %g)", k, p.c, p.s);
    }
}

Test(rng, uniform_open_interval)
{
    static float x[N_STAT];
    blr_rng r;
    blr_rng_init(&r, 1, BLR_RNG_TEST, 0);
    for (int rep = 0; rep < 10; rep++) {
        blr_rng_fill_uniform(&r, x, N_STAT);
        for (size_t i = 0; i < N_STAT; i++)
            cr_assert(x[i] > 0.0f && x[i] < 1.0f, "draw %zu = %a", i, x[i]);
    }
    for (int i = 0; i < N_STAT; i++) {
        const double u = blr_rng_uniform(&r);
        cr_assert(u > 0.0 && u < 1.0, "draw %d = %a", i, u);
    }
}

/* Uniform(0,1): mean 1/2, variance 1/12, fourth central moment 1/80.
 * N(0,1): mean 0, variance 1, fourth moment 3. Exp(1): mean 1, variance 1, fourth central
 * moment 9 (E(X-1)⁴ = E X⁴ - 4E X³ + 6E X² - 4E X + 1 = 24 - 24 + 12 - 4 + 1). */
Test(rng, moments)
{
    static float x[N_STAT];
    blr_rng r;
    blr_rng_init(&r, 2, BLR_RNG_TEST, 0);
    blr_rng_fill_uniform(&r, x, N_STAT);
    expect_moments(x, N_STAT, 0.5, 1.0 / 12.0, 1.0 / 80.0, "fill_uniform");
    blr_rng_fill_normal(&r, x, N_STAT);
    expect_moments(x, N_STAT, 0.0, 1.0, 3.0, "fill_normal");
    blr_rng_fill_exponential(&r, x, N_STAT);
    expect_moments(x, N_STAT, 1.0, 1.0, 9.0, "fill_exponential");
    for (size_t i = 0; i < N_STAT; i++)
        x[i] = (float)blr_rng_uniform(&r);
    expect_moments(x, N_STAT, 0.5, 1.0 / 12.0, 1.0 / 80.0, "uniform");
    for (size_t i = 0; i < N_STAT; i++)
        x[i] = (float)blr_rng_normal(&r);
    expect_moments(x, N_STAT, 0.0, 1.0, 3.0, "normal");
}

/* KS tests through blr_base_ks: N(0,1) is the gaussian base at scale 1 (its CDF is GSL's
 * gsl_cdf_gaussian_P(x, 1) = gsl_cdf_ugaussian_P(x)), Exp(1) the exponential base at
 * scale 1, and u ~ Uniform(0,1) iff √3(2u - 1) ~ the uniform base at scale 1, whose CDF
 * there is u. */
static void expect_ks(blr_base_kind kind, const double *x, size_t n, const char *what)
{
    static double y[N_STAT];
    blr_base b;
    char err[128];
    cr_assert_eq(blr_base_init(&b, kind, 0, 1, err, sizeof err), 0, "%s", err);
    for (size_t i = 0; i < n; i++)
        y[i] = kind == BLR_BASE_UNIFORM ? sqrt(3.0) * (2.0 * x[i] - 1.0) : x[i];
    const double d = blr_base_ks(&b, y, n);
    cr_expect(d < KS_C / sqrt((double)n), "%s: KS distance %g >= %g", what, d,
              KS_C / sqrt((double)n));
}

Test(rng, ks_fills_and_scalars)
{
    static float f[N_STAT];
    static double x[N_STAT];
    blr_rng r;
    blr_rng_init(&r, 3, BLR_RNG_TEST, 0);
    blr_rng_fill_uniform(&r, f, N_STAT);
    for (size_t i = 0; i < N_STAT; i++)
        x[i] = f[i];
    expect_ks(BLR_BASE_UNIFORM, x, N_STAT, "fill_uniform");
    blr_rng_fill_normal(&r, f, N_STAT);
    for (size_t i = 0; i < N_STAT; i++)
        x[i] = f[i];
    expect_ks(BLR_BASE_GAUSSIAN, x, N_STAT, "fill_normal");
    blr_rng_fill_exponential(&r, f, N_STAT);
    for (size_t i = 0; i < N_STAT; i++)
        x[i] = f[i];
    expect_ks(BLR_BASE_EXPONENTIAL, x, N_STAT, "fill_exponential");
    for (size_t i = 0; i < N_STAT; i++)
        x[i] = blr_rng_uniform(&r);
    expect_ks(BLR_BASE_UNIFORM, x, N_STAT, "uniform");
    for (size_t i = 0; i < N_STAT; i++)
        x[i] = blr_rng_normal(&r);
    expect_ks(BLR_BASE_GAUSSIAN, x, N_STAT, "normal");
}

/* Box–Muller's two outputs of a pair are independent normals only together: the even and
 * the odd positions must each be N(0,1), and uncorrelated (|r| < 5/√n). */
Test(rng, ks_normal_pair_halves)
{
    static float f[2 * N_STAT];
    static double x[N_STAT];
    blr_rng r;
    blr_rng_init(&r, 4, BLR_RNG_TEST, 0);
    blr_rng_fill_normal(&r, f, 2 * N_STAT);
    double sxy = 0.0;
    for (size_t i = 0; i < N_STAT; i++)
        sxy += (double)f[2 * i] * f[2 * i + 1];
    cr_expect(fabs(sxy / N_STAT) < 5.0 / sqrt(N_STAT), "pair correlation %g", sxy / N_STAT);
    for (int half = 0; half < 2; half++) {
        for (size_t i = 0; i < N_STAT; i++)
            x[i] = f[2 * i + half];
        expect_ks(BLR_BASE_GAUSSIAN, x, N_STAT, half ? "odd positions" : "even positions");
    }
}

/* A fill of n is the first n values of a longer fill from the same state, for n cutting a
 * word's pair, a chunk and a block (BLR_RNG_BLOCK) anywhere; and it takes exactly one word
 * of the stream. */
Test(rng, fills_are_prefixes)
{
    enum { N = 3 * BLR_RNG_BLOCK + 37 };
    static float whole[N], part[N];
    void (*fill[3])(blr_rng *, float *, size_t) = {blr_rng_fill_uniform, blr_rng_fill_normal,
                                                   blr_rng_fill_exponential};
    const size_t cuts[] = {1, 2, 511, 512, 513, BLR_RNG_BLOCK - 1, BLR_RNG_BLOCK,
                           BLR_RNG_BLOCK + 1, 2 * BLR_RNG_BLOCK + 600, N - 1};
    for (int k = 0; k < 3; k++) {
        blr_rng a, b;
        blr_rng_init(&a, 5, BLR_RNG_TEST, (uint64_t)k);
        fill[k](&a, whole, N);
        for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
            blr_rng_init(&b, 5, BLR_RNG_TEST, (uint64_t)k);
            fill[k](&b, part, cuts[c]);
            for (size_t i = 0; i < cuts[c]; i++)
                cr_assert_eq(whole[i], part[i], "fill %d of %zu: element %zu differs", k,
                             cuts[c], i);
            cr_assert_eq(blr_rng_next(&a), blr_rng_next(&b), "fill %d of %zu: stream moved "
                         "by more than one word", k, cuts[c]);
            blr_rng_init(&a, 5, BLR_RNG_TEST, (uint64_t)k);
            blr_rng_next(&a);
        }
    }
}

/* Blocks are seeded from (key, block) alone, so a fill is bit-identical whatever the
 * number of threads sharing its blocks: every standard fill and every base, with 1, 2 and
 * 3 threads, on a length that leaves the threads unequal shares and a short last block. */
Test(rng, fills_independent_of_thread_count)
{
    enum { N = 7 * BLR_RNG_BLOCK + 123 };
    static float ref[N], got[N];
    for (int kind = -3; kind < BLR_BASE_COUNT; kind++) {
        for (int threads = 1; threads <= 3; threads++) {
            omp_set_num_threads(threads);
            blr_rng r;
            blr_rng_init(&r, 9, BLR_RNG_TEST, (uint64_t)(kind + 3));
            float *out = threads == 1 ? ref : got;
            if (kind == -3)
                blr_rng_fill_uniform(&r, out, N);
            else if (kind == -2)
                blr_rng_fill_normal(&r, out, N);
            else if (kind == -1)
                blr_rng_fill_exponential(&r, out, N);
            else {
                blr_base b;
                char err[128];
                cr_assert_eq(blr_base_init(&b, (blr_base_kind)kind, 3, 0.5, err, sizeof err), 0,
                             "%s", err);
                blr_base_sample(&b, &r, out, N);
            }
            if (threads > 1)
                cr_assert_eq(memcmp(ref, got, sizeof ref), 0, "fill %d differs with %d threads",
                             kind, threads);
        }
    }
}

/* Chi-square goodness of fit of counts against equal expected counts. */
static double chisq_p(const unsigned *count, int bins, double total)
{
    const double e = total / bins;
    double chi2 = 0.0;
    for (int j = 0; j < bins; j++)
        chi2 += (count[j] - e) * (count[j] - e) / e;
    return gsl_cdf_chisq_Q(chi2, bins - 1);
}

Test(rng, below_range_and_uniformity)
{
    enum { DRAWS = 100000, BINS = 10 };
    blr_rng r;
    blr_rng_init(&r, 6, BLR_RNG_TEST, 0);
    cr_expect_eq(blr_rng_below(&r, 1), 0);
    cr_expect_eq(blr_rng_below(&r, 0), 0);
    const uint64_t ns[] = {2, 7, 1000, 60000, (1ULL << 63) + 1, ~0ULL};
    for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++)
        for (int i = 0; i < 1000; i++)
            cr_assert_lt(blr_rng_below(&r, ns[k]), ns[k]);

    unsigned count[BINS] = {0};
    for (int i = 0; i < DRAWS; i++)
        count[blr_rng_below(&r, BINS)]++;
    const double p = chisq_p(count, BINS, DRAWS);
    cr_expect(p > 1e-4, "below(10): chi-square p = %g", p);
}

/* n = 3·2^62: a plain x mod n would put half of all draws below 2^62 instead of a third,
 * which the chi-square of the three equal thirds [0, 2^62), [2^62, 2^63), [2^63, n) sees at
 * once; an unbiased method passes. */
Test(rng, below_unbiased_for_large_n)
{
    enum { DRAWS = 30000 };
    const uint64_t n = 3ULL << 62;
    blr_rng r;
    blr_rng_init(&r, 7, BLR_RNG_TEST, 0);
    unsigned count[3] = {0};
    for (int i = 0; i < DRAWS; i++)
        count[blr_rng_below(&r, n) >> 62]++;
    const double p = chisq_p(count, 3, DRAWS);
    cr_expect(p > 1e-4, "below(3·2^62): thirds %u %u %u, chi-square p = %g", count[0], count[1],
              count[2], p);
}
