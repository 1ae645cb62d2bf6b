/* The Lie groups of the paper (§4, Algorithms 1-3), coordinate-wise on flat arrays.
 *
 * additive        (R^P, +):            element w;        action w·ξ = w + ξ;      exp(X) = X
 * multiplicative  ((R>0)^P)^2, ×:      element (g+, g-); action g·(ξ+,ξ-) = g+ξ+ - g-ξ-;
 *                                                         exp(X+,X-) = (e^X+, e^X-)
 * diagonal affine (A>0, b):            element (A, b);   action (A,b)·ξ = Aξ + b;
 *                 (A,b)(A',b') = (AA', Ab' + b);          exp(u, v) = (e^u, v(e^u - 1)/u)
 *
 * The per-coordinate inline functions are the single place the rules take their group
 * operations from; the array functions loop over them, for tests and users, and the
 * multiplicative and affine rules' sample() act with the array actions (the additive rule
 * composes w into its draw in place, as it keeps no ξ). */
#ifndef BLR_GROUP_H
#define BLR_GROUP_H

#include <stddef.h>
#include "fastmath.h"

/* The per-coordinate functions are float, like the optimizer state they update, and
 * branch-free on lib/prob/fastmath.h, so the rules' loops over them vectorize. */

/* φ(x) = (exp(-α x) - 1)/x, the b-part of the affine exponential map along -α(u, v):
 * exp(-α u, -α v).b = v φ(u). Below |x| < 1e-6 the first-order series -α + α² x / 2 is
 * used (Algorithm 3): its error, the next term α³x²/6, is below float's rounding there for
 * any α < 500, and it avoids the division by x = 0. Both sides are computed and one is
 * selected. */
BLR_FASTMATH_INLINE float blr_group_affine_phi(float x, float alpha)
{
    const int small = blr_fastmath_from_bits(blr_fastmath_bits(x) & 0x7fffffffu) < 1e-6f;
    const float series = -alpha + alpha * alpha * x * 0.5f;
    const float closed = blr_fastmath_expm1(-alpha * x) / blr_fastmath_select(small, 1.0f, x);
    return blr_fastmath_select(small, series, closed);
}

/* One coordinate of each group. The rules build their update g <- g · exp(-α M) from
 * these, and the array functions below loop over them. */
BLR_FASTMATH_INLINE float blr_group_additive_compose1(float a, float b)
{
    return a + b;
}

BLR_FASTMATH_INLINE float blr_group_additive_exp1(float x)
{
    return x;
}

BLR_FASTMATH_INLINE float blr_group_mult_compose1(float a, float b)
{
    return a * b;
}

BLR_FASTMATH_INLINE float blr_group_mult_exp1(float x)
{
    return blr_fastmath_exp(x);
}

/* In exact arithmetic g · exp(x) > 0 for every x, but a huge x rounds it to 0 (absorbing:
 * 0 · exp(·) = 0 forever) or to inf (θ = inf · ξ). The rules store elements of (R>0, ×)
 * — g± and the affine A — clamped to [2^-40, 2^40]: far outside any weight scale of a
 * network, yet small enough that θ = g ξ and ∇ g ξ stay finite in float32. Each clamp
 * adds 1 to *saturated (an int, so a loop's count stays a vectorizable reduction; the rules
 * add it to their long total per block). A NaN (from a diverged gradient) passes through
 * unchanged so the caller sees the divergence. */
#define BLR_GROUP_POSITIVE_MIN 0x1p-40f
#define BLR_GROUP_POSITIVE_MAX 0x1p40f

BLR_FASTMATH_INLINE float blr_group_positive_clamp(float g, int *saturated)
{
    const int low = g < BLR_GROUP_POSITIVE_MIN, high = g > BLR_GROUP_POSITIVE_MAX;
    *saturated += low + high;
    return blr_fastmath_select(low, BLR_GROUP_POSITIVE_MIN,
                               blr_fastmath_select(high, BLR_GROUP_POSITIVE_MAX, g));
}

typedef struct {
    float a, b;
} blr_group_affine_elt;

BLR_FASTMATH_INLINE blr_group_affine_elt blr_group_affine_compose1(blr_group_affine_elt g,
                                                                   blr_group_affine_elt h)
{
    blr_group_affine_elt r = {g.a * h.a, g.a * h.b + g.b};
    return r;
}

/* exp(u, v) = (e^u, v (e^u - 1)/u); the b-part is v φ(u) at α = -1. */
BLR_FASTMATH_INLINE blr_group_affine_elt blr_group_affine_exp1(float u, float v)
{
    blr_group_affine_elt r = {blr_fastmath_exp(u), v * blr_group_affine_phi(u, -1.0f)};
    return r;
}

/* The step element of Algorithm 3, exp(-α2 u, ·) in the a-part and v φ(u) at α1 in the
 * b-part. With α1 = α2 = α it is exactly exp(-α u, -α v); the paper gives the two parts
 * their own step sizes. */
BLR_FASTMATH_INLINE blr_group_affine_elt blr_group_affine_step1(float u, float v, float alpha1,
                                                                float alpha2)
{
    blr_group_affine_elt r = {blr_fastmath_exp(-alpha2 * u), v * blr_group_affine_phi(u, alpha1)};
    return r;
}

/* Array forms. The actions run in every sample() and are vectorized; theta must not
 * overlap their inputs. */
void blr_group_additive_act(size_t n, const float *w, const float *xi, float *theta);
void blr_group_additive_compose(size_t n, const float *a, const float *b, float *out);
void blr_group_additive_inverse(size_t n, const float *a, float *out);
void blr_group_additive_exp(size_t n, const float *x, float *out);

void blr_group_mult_act(size_t n, const float *gp, const float *gm, const float *xip,
                        const float *xim, float *theta);
void blr_group_mult_compose(size_t n, const float *ap, const float *am, const float *bp,
                            const float *bm, float *outp, float *outm);
void blr_group_mult_inverse(size_t n, const float *gp, const float *gm, float *outp,
                            float *outm);
void blr_group_mult_exp(size_t n, const float *xp, const float *xm, float *outp, float *outm);

void blr_group_affine_act(size_t n, const float *a, const float *b, const float *xi,
                          float *theta);
void blr_group_affine_compose(size_t n, const float *a1, const float *b1, const float *a2,
                              const float *b2, float *aout, float *bout);
void blr_group_affine_inverse(size_t n, const float *a, const float *b, float *aout,
                              float *bout);
void blr_group_affine_exp(size_t n, const float *u, const float *v, float *aout, float *bout);

#endif
