/* Array forms of the three Lie groups of group.h: each loops over the per-coordinate
 * operations, so there is one definition of every group operation. The actions run in every
 * sample() of the rules, so they go block by block (lib/prob/fastmath.h) to vectorize; the other
 * operations are for tests and users and stay plain loops. */
#include "group.h"

BLR_FASTMATH_INLINE void additive_act_block(size_t len, const float *restrict w,
                                            const float *restrict xi, float *restrict theta)
{
    for (size_t i = 0; i < len; i++)
        theta[i] = blr_group_additive_compose1(w[i], xi[i]);
}

void blr_group_additive_act(size_t n, const float *w, const float *xi, float *theta)
{
    BLR_FASTMATH_FOR_BLOCKS(i, len, 0, n, additive_act_block(len, w + i, xi + i, theta + i));
}

void blr_group_additive_compose(size_t n, const float *a, const float *b, float *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = blr_group_additive_compose1(a[i], b[i]);
}

void blr_group_additive_inverse(size_t n, const float *a, float *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = -a[i];
}

void blr_group_additive_exp(size_t n, const float *x, float *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = blr_group_additive_exp1(x[i]);
}

BLR_FASTMATH_INLINE void mult_act_block(size_t len, const float *restrict gp,
                                        const float *restrict gm, const float *restrict xip,
                                        const float *restrict xim, float *restrict theta)
{
    for (size_t i = 0; i < len; i++)
        theta[i] = blr_group_mult_compose1(gp[i], xip[i]) - blr_group_mult_compose1(gm[i], xim[i]);
}

void blr_group_mult_act(size_t n, const float *gp, const float *gm, const float *xip,
                        const float *xim, float *theta)
{
    BLR_FASTMATH_FOR_BLOCKS(i, len, 0, n,
                            mult_act_block(len, gp + i, gm + i, xip + i, xim + i, theta + i));
}

void blr_group_mult_compose(size_t n, const float *ap, const float *am, const float *bp,
                            const float *bm, float *outp, float *outm)
{
    for (size_t i = 0; i < n; i++) {
        outp[i] = blr_group_mult_compose1(ap[i], bp[i]);
        outm[i] = blr_group_mult_compose1(am[i], bm[i]);
    }
}

void blr_group_mult_inverse(size_t n, const float *gp, const float *gm, float *outp,
                            float *outm)
{
    for (size_t i = 0; i < n; i++) {
        outp[i] = 1.0f / gp[i];
        outm[i] = 1.0f / gm[i];
    }
}

void blr_group_mult_exp(size_t n, const float *xp, const float *xm, float *outp, float *outm)
{
    for (size_t i = 0; i < n; i++) {
        outp[i] = blr_group_mult_exp1(xp[i]);
        outm[i] = blr_group_mult_exp1(xm[i]);
    }
}

/* (A, b)·ξ = A ξ + b is the b-part of (A, b)(1, ξ). */
BLR_FASTMATH_INLINE void affine_act_block(size_t len, const float *restrict a,
                                          const float *restrict b, const float *restrict xi,
                                          float *restrict theta)
{
    for (size_t i = 0; i < len; i++)
        theta[i] = a[i] * xi[i] + b[i];
}

void blr_group_affine_act(size_t n, const float *a, const float *b, const float *xi,
                          float *theta)
{
    BLR_FASTMATH_FOR_BLOCKS(i, len, 0, n, affine_act_block(len, a + i, b + i, xi + i, theta + i));
}

void blr_group_affine_compose(size_t n, const float *a1, const float *b1, const float *a2,
                              const float *b2, float *aout, float *bout)
{
    for (size_t i = 0; i < n; i++) {
        blr_group_affine_elt g = {a1[i], b1[i]}, h = {a2[i], b2[i]};
        blr_group_affine_elt r = blr_group_affine_compose1(g, h);
        aout[i] = r.a;
        bout[i] = r.b;
    }
}

/* (A, b)^-1 = (1/A, -b/A): (A, b)(1/A, -b/A) = (1, -b + b). */
void blr_group_affine_inverse(size_t n, const float *a, const float *b, float *aout,
                              float *bout)
{
    for (size_t i = 0; i < n; i++) {
        float ai = a[i], bi = b[i];
        aout[i] = 1.0f / ai;
        bout[i] = -bi / ai;
    }
}

void blr_group_affine_exp(size_t n, const float *u, const float *v, float *aout, float *bout)
{
    for (size_t i = 0; i < n; i++) {
        blr_group_affine_elt r = blr_group_affine_exp1(u[i], v[i]);
        aout[i] = r.a;
        bout[i] = r.b;
    }
}
