/* Array forms of the three Lie groups of group.h: each loops over the per-coordinate
 * operations, so there is one definition of every group operation. */
#include "group.h"

void blr_group_additive_act(size_t n, const float *w, const float *xi, float *theta)
{
    for (size_t i = 0; i < n; i++)
        theta[i] = w[i] + xi[i];
}

void blr_group_additive_compose(size_t n, const float *a, const float *b, float *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (float)blr_group_additive_compose1(a[i], b[i]);
}

void blr_group_additive_inverse(size_t n, const float *a, float *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = -a[i];
}

void blr_group_additive_exp(size_t n, const float *x, float *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (float)blr_group_additive_exp1(x[i]);
}

void blr_group_mult_act(size_t n, const float *gp, const float *gm, const float *xip,
                        const float *xim, float *theta)
{
    for (size_t i = 0; i < n; i++)
        theta[i] = gp[i] * xip[i] - gm[i] * xim[i];
}

void blr_group_mult_compose(size_t n, const float *ap, const float *am, const float *bp,
                            const float *bm, float *outp, float *outm)
{
    for (size_t i = 0; i < n; i++) {
        outp[i] = (float)blr_group_mult_compose1(ap[i], bp[i]);
        outm[i] = (float)blr_group_mult_compose1(am[i], bm[i]);
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
        outp[i] = (float)blr_group_mult_exp1(xp[i]);
        outm[i] = (float)blr_group_mult_exp1(xm[i]);
    }
}

void blr_group_affine_act(size_t n, const float *a, const float *b, const float *xi,
                          float *theta)
{
    for (size_t i = 0; i < n; i++)
        theta[i] = a[i] * xi[i] + b[i];
}

void blr_group_affine_compose(size_t n, const float *a1, const float *b1, const float *a2,
                              const float *b2, float *aout, float *bout)
{
    for (size_t i = 0; i < n; i++) {
        blr_group_affine_elt g = {a1[i], b1[i]}, h = {a2[i], b2[i]};
        blr_group_affine_elt r = blr_group_affine_compose1(g, h);
        aout[i] = (float)r.a;
        bout[i] = (float)r.b;
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
        aout[i] = (float)r.a;
        bout[i] = (float)r.b;
    }
}
