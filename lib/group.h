/* The Lie groups of the paper (§4, Algorithms 1-3), coordinate-wise on flat arrays.
 *
 * additive        (R^P, +):            element w;        action w·ξ = w + ξ;      exp(X) = X
 * multiplicative  ((R>0)^P)^2, ×:      element (g+, g-); action g·(ξ+,ξ-) = g+ξ+ - g-ξ-;
 *                                                         exp(X+,X-) = (e^X+, e^X-)
 * diagonal affine (A>0, b):            element (A, b);   action (A,b)·ξ = Aξ + b;
 *                 (A,b)(A',b') = (AA', Ab' + b);          exp(u, v) = (e^u, v(e^u - 1)/u)
 *
 * The per-coordinate inline functions are the single place the rules take their group
 * operations from; the array functions exist for tests and users. */
#ifndef BLR_GROUP_H
#define BLR_GROUP_H

#include <math.h>
#include <stddef.h>

/* φ(x) = (exp(-α x) - 1)/x, the b-part of the affine exponential map along -α(u, v):
 * exp(-α u, -α v).b = v φ(u). Below |x| < 1e-6 the first-order series -α + α² x / 2
 * avoids the cancellation of the closed form (Algorithm 3). */
static inline double blr_group_affine_phi(double x, double alpha)
{
    if (fabs(x) < 1e-6)
        return -alpha + alpha * alpha * x / 2.0;
    return expm1(-alpha * x) / x;
}

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
