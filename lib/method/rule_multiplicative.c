/* The signed multiplicative Lie-group rule (Kıral et al. 2023, Alg. 2; docs/design.md §3.4):
 * θ = g+ ⊙ ξ+ - g- ⊙ ξ- on ((R>0)^P)^2, with ξ± ~ q0 on (0,∞) independently. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "group.h"
#include "rule.h"
#include "threads.h"

/* Saved arrays come first in buf: g+, g-, M+, M-; then the scratch sums, the mc slots of ξ+
 * and the mc slots of ξ-. */
enum { SAVED_ARRAYS = 4, SCRATCH_SUMS = 2 };
static const char *const mult_arrays[] = {"g+", "g-", "M+", "M-", NULL};

typedef struct {
    blr_method_flat flat; /* buf, count, t (lib/method/rule.h) */
    float *gp, *gm;     /* group element (g+, g-) */
    float *mp, *mm;     /* momenta M+, M- */
    float *sp, *sm;     /* Σ ∇ ⊙ g± ⊙ ξ± over this step's samples */
    float *xip, *xim;   /* slot 0 of the ξ± drawn by sample */
    double inv_fu;      /* 1/F_u of q0 under `fisher`, else 1 */
} mult_state;

static int mult_init(blr_method *m, const float *w0, const float *w1, char *err, size_t errlen)
{
    mult_state *s = blr_method_flat_new(m, sizeof *s, SAVED_ARRAYS + SCRATCH_SUMS + 2 * m->cfg.mc,
                                        SAVED_ARRAYS, err, errlen);
    if (!s)
        return -1;
    size_t n = m->n;
    double inv_fv;
    if (blr_method_fisher_scale(&m->cfg, &inv_fv, &s->inv_fu, err, errlen) != 0) {
        blr_method_flat_free(m);
        return -1;
    }
    float *p = s->flat.buf;
    s->gp = p;
    s->gm = p + n;
    s->mp = p + 2 * n;
    s->mm = p + 3 * n;
    s->sp = p + 4 * n;
    s->sm = p + 5 * n;
    s->xip = p + 6 * n;
    s->xim = p + (size_t)(6 + m->cfg.mc) * n;
    /* Two independent standard draws give the excitatory and inhibitory parts; the offset c
     * keeps g± > 0 where a draw is 0. */
    double c = m->cfg.init_offset;
    for (size_t i = 0; i < n; i++) {
        s->gp[i] = (float)(fabs(w0[i]) + c);
        s->gm[i] = (float)(fabs(w1[i]) + c);
    }
    m->state = s;
    return 0;
}

/* The arguments of a pass split over threads (blr_threads_for). */
typedef struct {
    mult_state *s;
    float *theta;
    const float *grad;
    float *xip, *xim; /* this sample's slots */
    int first;
} mult_pass;

static mult_pass mult_pass_slot(mult_state *s, const blr_method *m, int k)
{
    const size_t at = (size_t)k * m->n;
    return (mult_pass){.s = s, .xip = s->xip + at, .xim = s->xim + at};
}

static long mult_act_range(void *p, size_t lo, size_t hi)
{
    const mult_pass *a = p;
    const mult_state *s = a->s;
    blr_group_mult_act(hi - lo, s->gp + lo, s->gm + lo, a->xip + lo, a->xim + lo, a->theta + lo);
    return 0;
}

static void mult_sample(blr_method *m, int k, float *theta, blr_rng *rng)
{
    mult_state *s = m->state;
    mult_pass a = mult_pass_slot(s, m, k);
    a.theta = theta;
    blr_base_sample(&m->cfg.base, rng, a.xip, m->n);
    blr_base_sample(&m->cfg.base, rng, a.xim, m->n);
    blr_threads_for(m->n, mult_act_range, &a);
}

/* The first sample of a step assigns the sums instead of adding to them, so nothing has to
 * clear them (the pass is memory-bound, and this saves reading them); `first` is a constant
 * in each of the two loops of mult_accumulate_range, so both are branch-free and vectorize. */
BLR_FASTMATH_INLINE void mult_accumulate_block(size_t len, int first, float *restrict sp,
                                               float *restrict sm, const float *restrict gp,
                                               const float *restrict gm,
                                               const float *restrict xip,
                                               const float *restrict xim,
                                               const float *restrict grad)
{
    for (size_t i = 0; i < len; i++) {
        const float tp = grad[i] * gp[i] * xip[i], tm = grad[i] * gm[i] * xim[i];
        sp[i] = first ? tp : sp[i] + tp;
        sm[i] = first ? tm : sm[i] + tm;
    }
}

static long mult_accumulate_range(void *p, size_t lo, size_t hi)
{
    const mult_pass *a = p;
    mult_state *s = a->s;
    if (a->first) {
        BLR_FASTMATH_FOR_BLOCKS(i, len, lo, hi,
                                mult_accumulate_block(len, 1, s->sp + i, s->sm + i, s->gp + i,
                                                      s->gm + i, a->xip + i, a->xim + i,
                                                      a->grad + i));
    } else {
        BLR_FASTMATH_FOR_BLOCKS(i, len, lo, hi,
                                mult_accumulate_block(len, 0, s->sp + i, s->sm + i, s->gp + i,
                                                      s->gm + i, a->xip + i, a->xim + i,
                                                      a->grad + i));
    }
    return 0;
}

static void mult_accumulate(blr_method *m, int k, const float *theta, const float *grad,
                            const float *sqgrad)
{
    (void)theta;
    (void)sqgrad;
    mult_state *s = m->state;
    mult_pass a = mult_pass_slot(s, m, k);
    a.grad = grad;
    a.first = s->flat.count == 0;
    blr_threads_for(m->n, mult_accumulate_range, &a);
    s->flat.count++;
}

/* The scalars of one step, in float like the state they update. */
typedef struct {
    float avg;            /* 1/count */
    float tau;            /* τ~ = τ/N */
    float inv_fu;         /* 1/F_u under `fisher`, else 1 */
    float beta1, beta1c;  /* β1 and 1 - β1 */
    float alpha;          /* α times the schedule's factor */
} mult_coef;

/* Algorithm 2: X± = ±E[∇ ⊙ g± ⊙ ξ±] - τ~ (÷ F_u under `fisher`); M± <- β1 M± + (1-β1) X±;
 * g± <- g± · exp(-α M±). The -τ~ is the derivative of -τ~ H(q) in log g±. A step so large
 * that g± leaves float32's range is saturated (blr_group_positive_clamp); returns how many
 * were. */
BLR_FASTMATH_INLINE int mult_step_block(size_t len, mult_coef c, float *restrict gp,
                                        float *restrict gm, float *restrict mp, float *restrict mm,
                                        const float *restrict sp, const float *restrict sm)
{
    int saturated = 0;
    for (size_t i = 0; i < len; i++) {
        const float xp = (sp[i] * c.avg - c.tau) * c.inv_fu;
        const float xm = (-sm[i] * c.avg - c.tau) * c.inv_fu;
        mp[i] = c.beta1 * mp[i] + c.beta1c * xp;
        mm[i] = c.beta1 * mm[i] + c.beta1c * xm;
        gp[i] = blr_group_positive_clamp(
            blr_group_mult_compose1(gp[i], blr_group_mult_exp1(-c.alpha * mp[i])), &saturated);
        gm[i] = blr_group_positive_clamp(
            blr_group_mult_compose1(gm[i], blr_group_mult_exp1(-c.alpha * mm[i])), &saturated);
    }
    return saturated;
}

typedef struct {
    mult_state *s;
    mult_coef c;
} mult_step_pass;

BLR_FASTMATH_CLONES static long mult_step_range(void *p, size_t lo, size_t hi)
{
    const mult_step_pass *a = p;
    mult_state *s = a->s;
    long saturated = 0;
    BLR_FASTMATH_FOR_BLOCKS(i, len, lo, hi,
                            saturated += mult_step_block(len, a->c, s->gp + i, s->gm + i, s->mp + i,
                                                         s->mm + i, s->sp + i, s->sm + i));
    return saturated;
}

static void mult_step(blr_method *m, double lr_factor)
{
    mult_state *s = m->state;
    mult_step_pass a = {.s = s};
    a.c.avg = (float)(s->flat.count > 0 ? 1.0 / s->flat.count : 0.0);
    a.c.tau = (float)(m->cfg.temperature / m->cfg.n_data);
    a.c.inv_fu = (float)s->inv_fu;
    a.c.beta1 = (float)m->cfg.beta1;
    a.c.beta1c = (float)(1.0 - m->cfg.beta1);
    a.c.alpha = (float)(m->cfg.lr * lr_factor);
    m->invalid_updates += blr_threads_for(m->n, mult_step_range, &a);
    s->flat.count = 0;
}

/* The point estimate "at g" of the paper: θ with ξ± replaced by 1. */
static void mult_mean(const blr_method *m, float *theta)
{
    const mult_state *s = m->state;
    for (size_t i = 0; i < m->n; i++)
        theta[i] = s->gp[i] - s->gm[i];
}

/* Var θ = (g+² + g-²) Var ξ, ξ+ and ξ- being independent. */
static void mult_posterior(const blr_method *m, float *mean, float *sd)
{
    const mult_state *s = m->state;
    double sd_xi = blr_method_base_sd(&m->cfg.base);
    for (size_t i = 0; i < m->n; i++) {
        double gp = s->gp[i], gm = s->gm[i];
        mean[i] = (float)(gp - gm);
        sd[i] = (float)(sd_xi * sqrt(gp * gp + gm * gm));
    }
}

/* The entropy of the lifted 2P-dimensional distribution of (g+ ξ+, g- ξ-), the one the rule
 * descends (its log g± derivative is the -τ~ of X±): Σ log g+ + Σ log g- + 2P H(q0).
 * θ itself, their difference, has no closed-form entropy. */
static double mult_entropy(const blr_method *m)
{
    const mult_state *s = m->state;
    double sum = 0.0;
    for (size_t i = 0; i < m->n; i++)
        sum += log(s->gp[i]) + log(s->gm[i]);
    return sum + 2.0 * (double)m->n * blr_base_entropy(&m->cfg.base);
}

const blr_method_ops blr_rule_multiplicative_ops = {
    .name = "lie-multiplicative",
    .summary = "signed multiplicative Lie-group BLR (Algorithm 2): theta = g+ xi+ - g- xi-",
    .flags = BLR_NEEDS_TWO_INITS | BLR_POSITIVE_BASE,
    .uses = BLR_USES(lr) | BLR_USES(beta1) | BLR_USES(init_offset) | BLR_USES(fisher),
    .init = mult_init,
    .sample = mult_sample,
    .accumulate = mult_accumulate,
    .step = mult_step,
    .mean = mult_mean,
    .posterior = mult_posterior,
    .entropy = mult_entropy,
    .save = blr_method_flat_save,
    .load = blr_method_flat_load,
    .free = blr_method_flat_free,
    .arrays = mult_arrays,
};
