/* The three Lie groups of lib/prob/group.h: group axioms, the one-parameter subgroups of exp,
 * the action property g·(h·ξ) = (gh)·ξ, and φ against its series on both sides of the
 * branch point. Random elements come from a seeded stream; float results are compared
 * with a relative tolerance a few ulps wide. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>

#include "group.h"
#include "rng.h"

#define N 64
#define TOL 1e-5

static void assert_close(const float *x, const float *y, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        double scale = fmax(1.0, fmax(fabs(x[i]), fabs(y[i])));
        cr_assert(fabs((double)x[i] - y[i]) <= TOL * scale, "%s[%zu]: %.9g vs %.9g", what, i,
                  x[i], y[i]);
    }
}

static void fill_normal(blr_rng *r, float *x, double sd)
{
    for (size_t i = 0; i < N; i++)
        x[i] = (float)(sd * blr_rng_normal(r));
}

/* Positive elements e^z, z ~ N(0, 1). */
static void fill_positive(blr_rng *r, float *x)
{
    for (size_t i = 0; i < N; i++)
        x[i] = (float)exp(blr_rng_normal(r));
}

static void fill_const(float *x, float c)
{
    for (size_t i = 0; i < N; i++)
        x[i] = c;
}

Test(group, additive_axioms)
{
    blr_rng r;
    blr_rng_init(&r, 1, BLR_RNG_TEST, 0);
    float a[N], b[N], c[N], zero[N], t1[N], t2[N], t3[N], xi[N];
    fill_normal(&r, a, 2);
    fill_normal(&r, b, 2);
    fill_normal(&r, c, 2);
    fill_normal(&r, xi, 1);
    fill_const(zero, 0);
    /* (ab)c = a(bc) */
    blr_group_additive_compose(N, a, b, t1);
    blr_group_additive_compose(N, t1, c, t2);
    blr_group_additive_compose(N, b, c, t1);
    blr_group_additive_compose(N, a, t1, t3);
    assert_close(t2, t3, N, "associativity");
    /* ae = ea = a */
    blr_group_additive_compose(N, a, zero, t1);
    assert_close(t1, a, N, "right identity");
    blr_group_additive_compose(N, zero, a, t1);
    assert_close(t1, a, N, "left identity");
    /* a a^-1 = a^-1 a = e */
    blr_group_additive_inverse(N, a, t1);
    blr_group_additive_compose(N, a, t1, t2);
    assert_close(t2, zero, N, "right inverse");
    blr_group_additive_compose(N, t1, a, t2);
    assert_close(t2, zero, N, "left inverse");
    /* exp(X) exp(-X) = e */
    blr_group_additive_exp(N, a, t1);
    blr_group_additive_inverse(N, a, t2);
    blr_group_additive_exp(N, t2, t3);
    blr_group_additive_compose(N, t1, t3, t2);
    assert_close(t2, zero, N, "exp(X) exp(-X)");
    /* g·(h·ξ) = (gh)·ξ */
    blr_group_additive_act(N, b, xi, t1);
    blr_group_additive_act(N, a, t1, t2);
    blr_group_additive_compose(N, a, b, t1);
    blr_group_additive_act(N, t1, xi, t3);
    assert_close(t2, t3, N, "action");
}

Test(group, multiplicative_axioms)
{
    blr_rng r;
    blr_rng_init(&r, 2, BLR_RNG_TEST, 0);
    float ap[N], am[N], bp[N], bm[N], cp[N], cm[N], one[N], xp[N], xm[N];
    float t1p[N], t1m[N], t2p[N], t2m[N], t3p[N], t3m[N], th1[N], th2[N];
    fill_positive(&r, ap);
    fill_positive(&r, am);
    fill_positive(&r, bp);
    fill_positive(&r, bm);
    fill_positive(&r, cp);
    fill_positive(&r, cm);
    fill_positive(&r, xp);
    fill_positive(&r, xm);
    fill_const(one, 1);
    blr_group_mult_compose(N, ap, am, bp, bm, t1p, t1m);
    blr_group_mult_compose(N, t1p, t1m, cp, cm, t2p, t2m);
    blr_group_mult_compose(N, bp, bm, cp, cm, t1p, t1m);
    blr_group_mult_compose(N, ap, am, t1p, t1m, t3p, t3m);
    assert_close(t2p, t3p, N, "associativity +");
    assert_close(t2m, t3m, N, "associativity -");
    blr_group_mult_compose(N, ap, am, one, one, t1p, t1m);
    assert_close(t1p, ap, N, "right identity +");
    assert_close(t1m, am, N, "right identity -");
    blr_group_mult_compose(N, one, one, ap, am, t1p, t1m);
    assert_close(t1p, ap, N, "left identity +");
    assert_close(t1m, am, N, "left identity -");
    blr_group_mult_inverse(N, ap, am, t1p, t1m);
    blr_group_mult_compose(N, ap, am, t1p, t1m, t2p, t2m);
    assert_close(t2p, one, N, "right inverse +");
    assert_close(t2m, one, N, "right inverse -");
    blr_group_mult_compose(N, t1p, t1m, ap, am, t2p, t2m);
    assert_close(t2p, one, N, "left inverse +");
    assert_close(t2m, one, N, "left inverse -");
    /* exp(X) exp(-X) = e for X = log a (any real X) */
    float lp[N], lm[N], nlp[N], nlm[N];
    for (size_t i = 0; i < N; i++) {
        lp[i] = logf(ap[i]);
        lm[i] = logf(am[i]);
        nlp[i] = -lp[i];
        nlm[i] = -lm[i];
    }
    blr_group_mult_exp(N, lp, lm, t1p, t1m);
    blr_group_mult_exp(N, nlp, nlm, t2p, t2m);
    blr_group_mult_compose(N, t1p, t1m, t2p, t2m, t3p, t3m);
    assert_close(t3p, one, N, "exp(X) exp(-X) +");
    assert_close(t3m, one, N, "exp(X) exp(-X) -");
    /* ξ± > 0 are themselves group elements and the group acts on them by left
     * multiplication; θ = g+ξ+ - g-ξ- is that action followed by the difference, so
     * g·(h·ξ) = (gh)·ξ. */
    blr_group_mult_compose(N, bp, bm, xp, xm, t1p, t1m);
    blr_group_mult_act(N, ap, am, t1p, t1m, th1);
    blr_group_mult_compose(N, ap, am, bp, bm, t2p, t2m);
    blr_group_mult_act(N, t2p, t2m, xp, xm, th2);
    assert_close(th1, th2, N, "action");
}

Test(group, affine_axioms)
{
    blr_rng r;
    blr_rng_init(&r, 3, BLR_RNG_TEST, 0);
    float a1[N], b1[N], a2[N], b2[N], a3[N], b3[N], one[N], zero[N], xi[N];
    float ta[N], tb[N], ua[N], ub[N], va[N], vb[N], th1[N], th2[N];
    fill_positive(&r, a1);
    fill_positive(&r, a2);
    fill_positive(&r, a3);
    fill_normal(&r, b1, 2);
    fill_normal(&r, b2, 2);
    fill_normal(&r, b3, 2);
    fill_normal(&r, xi, 1);
    fill_const(one, 1);
    fill_const(zero, 0);
    blr_group_affine_compose(N, a1, b1, a2, b2, ta, tb);
    blr_group_affine_compose(N, ta, tb, a3, b3, ua, ub);
    blr_group_affine_compose(N, a2, b2, a3, b3, ta, tb);
    blr_group_affine_compose(N, a1, b1, ta, tb, va, vb);
    assert_close(ua, va, N, "associativity A");
    assert_close(ub, vb, N, "associativity b");
    blr_group_affine_compose(N, a1, b1, one, zero, ta, tb);
    assert_close(ta, a1, N, "right identity A");
    assert_close(tb, b1, N, "right identity b");
    blr_group_affine_compose(N, one, zero, a1, b1, ta, tb);
    assert_close(ta, a1, N, "left identity A");
    assert_close(tb, b1, N, "left identity b");
    blr_group_affine_inverse(N, a1, b1, ta, tb);
    blr_group_affine_compose(N, a1, b1, ta, tb, ua, ub);
    assert_close(ua, one, N, "right inverse A");
    assert_close(ub, zero, N, "right inverse b");
    blr_group_affine_compose(N, ta, tb, a1, b1, ua, ub);
    assert_close(ua, one, N, "left inverse A");
    assert_close(ub, zero, N, "left inverse b");
    /* exp(u, v) exp(-u, -v) = e, with some u inside the series branch of φ */
    float u[N], v[N], nu[N], nv[N];
    fill_normal(&r, u, 1);
    fill_normal(&r, v, 1);
    u[0] = 0.0f;
    u[1] = 3e-7f;
    u[2] = -5e-7f;
    for (size_t i = 0; i < N; i++) {
        nu[i] = -u[i];
        nv[i] = -v[i];
    }
    blr_group_affine_exp(N, u, v, ta, tb);
    blr_group_affine_exp(N, nu, nv, ua, ub);
    blr_group_affine_compose(N, ta, tb, ua, ub, va, vb);
    assert_close(va, one, N, "exp(X) exp(-X) A");
    assert_close(vb, zero, N, "exp(X) exp(-X) b");
    /* (A,b)·((A',b')·ξ) = ((A,b)(A',b'))·ξ */
    blr_group_affine_act(N, a2, b2, xi, th1);
    blr_group_affine_act(N, a1, b1, th1, th2);
    blr_group_affine_compose(N, a1, b1, a2, b2, ta, tb);
    blr_group_affine_act(N, ta, tb, xi, th1);
    assert_close(th1, th2, N, "action");
}

/* exp restricted to a line is a homomorphism: exp(sX) exp(tX) = exp((s+t)X). The affine
 * case checks the b-part formula v (e^u - 1)/u beyond what exp(X) exp(-X) = e can see.
 * In float (group.h, lib/prob/fastmath.h) the two sides take three exponentials (each at most
 * 1.77 ulp off) and about ten roundings: 12 FLT_EPSILON relative covers them. Rounding an
 * argument x to float moves e^x by a further |x| 2^-24 relative. */
Test(group, affine_exp_one_parameter_subgroup)
{
    const double us[] = {-2.0, -1e-3, 4e-7, 0.7, 3.0}, s = 0.3, t = 1.9, v = -1.3;
    for (size_t k = 0; k < sizeof us / sizeof us[0]; k++) {
        const double u = us[k];
        blr_group_affine_elt g = blr_group_affine_exp1((float)(s * u), (float)(s * v));
        blr_group_affine_elt h = blr_group_affine_exp1((float)(t * u), (float)(t * v));
        blr_group_affine_elt gh = blr_group_affine_compose1(g, h);
        blr_group_affine_elt e = blr_group_affine_exp1((float)((s + t) * u), (float)((s + t) * v));
        const double tol =
            12.0 * FLT_EPSILON + (fabs(s * u) + fabs(t * u) + fabs((s + t) * u)) * FLT_EPSILON / 2;
        cr_assert(fabs(gh.a - e.a) <= tol * e.a, "u=%g: A %.9g vs %.9g", u, gh.a, e.a);
        cr_assert(fabs(gh.b - e.b) <= tol * fabs(e.b), "u=%g: b %.9g vs %.9g", u, gh.b, e.b);
    }
}

/* Reference: the Taylor series of (exp(-αx) - 1)/x to four terms,
 * -α + α²x/2 - α³x²/6 + α⁴x³/24, whose remainder α⁵x⁴/120 is below 1e-20 relative for
 * |αx| <= 1e-5. */
static double phi_series4(double x, double alpha)
{
    double ax = alpha * x;
    return -alpha * (1.0 - ax / 2.0 + ax * ax / 6.0 - ax * ax * ax / 24.0);
}

/* φ is float: the closed form errs by expm1 (at most 1.77 ulp, lib/prob/fastmath.h), the
 * rounding of -αx and of the division; the series by one addition; both by the rounding of
 * α to float. 4 FLT_EPSILON relative to α (4 to 8 ulp) covers each. Near the switch the
 * series' second term α²x/2 is itself within float's resolution of α for α <= 1, so this
 * checks the branches agree to float precision, not the second term there. */
Test(group, phi_branches_agree)
{
    const double alphas[] = {0.01, 1.0, 3.0};
    /* both sides of the switch at |x| = 1e-6, and 0 */
    const double xs[] = {0.0, 1e-9, -1e-9, 0.99e-6, -0.99e-6, 1.01e-6, -1.01e-6, 5e-6, -5e-6};
    for (size_t a = 0; a < sizeof alphas / sizeof alphas[0]; a++) {
        double alpha = alphas[a], tol = 4.0 * FLT_EPSILON * alpha;
        for (size_t k = 0; k < sizeof xs / sizeof xs[0]; k++) {
            double x = xs[k], want = phi_series4(x, alpha);
            double got = blr_group_affine_phi((float)x, (float)alpha);
            cr_assert(fabs(got - want) <= tol, "phi(%g, %g) = %.9g, want %.9g", x, alpha, got,
                      want);
            /* the b-part of exp(-α(x, 1)) is φ(x) by definition of φ */
            blr_group_affine_elt e = blr_group_affine_exp1((float)(-alpha * x), (float)-alpha);
            cr_assert(fabs(e.b - want) <= tol, "exp b-part at x=%g: %.9g vs %.9g", x, e.b, want);
        }
    }
    /* away from 0 the closed form itself: φ(1) at α = 1 is e^-1 - 1 */
    double want = exp(-1.0) - 1.0;
    cr_assert(fabs(blr_group_affine_phi(1.0f, 1.0f) - want) <= 4.0 * FLT_EPSILON * fabs(want));
    want = (exp(1.0) - 1.0) / -2.0;
    cr_assert(fabs(blr_group_affine_phi(-2.0f, 0.5f) - want) <= 4.0 * FLT_EPSILON * fabs(want));
}

/* The step element of Algorithm 3 with one step size is exp(-α(u, v)). The arguments of
 * exp1 are formed in float as step1 forms them, so the A-parts are the same computation;
 * the b-parts, v φ_α(u) against (-αv) φ_-1(-αu), differ by a few roundings. */
Test(group, affine_step_is_exp_with_equal_steps)
{
    const float us[] = {-1.5f, 2e-7f, 0.0f, 0.4f}, v = 0.8f, alpha = 0.3f;
    for (size_t k = 0; k < sizeof us / sizeof us[0]; k++) {
        blr_group_affine_elt s = blr_group_affine_step1(us[k], v, alpha, alpha);
        blr_group_affine_elt e = blr_group_affine_exp1(-alpha * us[k], -alpha * v);
        cr_assert_eq(s.a, e.a, "u=%g: %.9g vs %.9g", us[k], s.a, e.a);
        cr_assert(fabs(s.b - e.b) <= 4.0 * FLT_EPSILON * fabs(e.b), "u=%g: %.9g vs %.9g", us[k],
                  s.b, e.b);
    }
}

/* Values in [2^-40, 2^40] pass untouched; 0, the smallest subnormal, negatives and inf
 * saturate and are counted; NaN passes through. */
Test(group, positive_clamp)
{
    int n = 0;
    cr_assert_eq(blr_group_positive_clamp(1.5f, &n), 1.5f);
    cr_assert_eq(blr_group_positive_clamp(0x1p-40f, &n), 0x1p-40f);
    cr_assert_eq(blr_group_positive_clamp(0x1p40f, &n), 0x1p40f);
    cr_assert_eq(n, 0);
    cr_assert_eq(blr_group_positive_clamp(0.0f, &n), 0x1p-40f);
    cr_assert_eq(blr_group_positive_clamp(0x1p-149f, &n), 0x1p-40f);
    cr_assert_eq(blr_group_positive_clamp(-2.0f, &n), 0x1p-40f);
    cr_assert_eq(blr_group_positive_clamp(INFINITY, &n), 0x1p40f);
    cr_assert_eq(blr_group_positive_clamp(0x1p41f, &n), 0x1p40f);
    cr_assert_eq(n, 5);
    cr_assert(isnan(blr_group_positive_clamp(NAN, &n)));
    cr_assert_eq(n, 5);
    /* the bounds are exact powers of two and representable in float */
    cr_assert_eq((double)(float)BLR_GROUP_POSITIVE_MIN, ldexp(1.0, -40));
    cr_assert_eq((double)(float)BLR_GROUP_POSITIVE_MAX, ldexp(1.0, 40));
}
