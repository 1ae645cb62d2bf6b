/* Adam (Kingma & Ba 2015, Algorithm 1) as a building block of the baselines that run it
 * on their parameters: `adam` on the point estimate w, `bbb` on (μ, ρ). The moment update
 * lives here once; each baseline keeps its moments m, v and its step count t, and says what
 * the gradient is. Everything is static inline: the file is included by those baselines only.
 * blr_adam_delta is forced inline (lib/prob/fastmath.h), so the loops that call it vectorize. */
#ifndef BLR_ADAM_MOMENTS_H
#define BLR_ADAM_MOMENTS_H

#include <math.h>
#include <stdio.h>

#include "fastmath.h"
#include "rule.h"

/* The scalars of one step, in float like the state they update. */
typedef struct {
    float beta1, beta1c; /* β1 and 1 - β1 */
    float beta2, beta2c; /* β2 and 1 - β2 */
    float step;          /* α lr_factor / (1 - β1^t): the step size with m's bias correction */
    float inv_bc2;       /* 1 / (1 - β2^t): v's bias correction */
    float eps;           /* ε */
} blr_adam_coef;

/* The coefficients of step t (1-based, the count after this step). The bias corrections are
 * computed in double from t, so a resumed run that restored t continues bit-identically. */
static inline blr_adam_coef blr_adam_coef_at(const blr_method_cfg *cfg, double lr_factor, long t)
{
    blr_adam_coef c;
    c.beta1 = (float)cfg->beta1;
    c.beta1c = (float)(1.0 - cfg->beta1);
    c.beta2 = (float)cfg->beta2;
    c.beta2c = (float)(1.0 - cfg->beta2);
    c.step = (float)(cfg->lr * lr_factor / (1.0 - pow(cfg->beta1, (double)t)));
    c.inv_bc2 = (float)(1.0 / (1.0 - pow(cfg->beta2, (double)t)));
    c.eps = (float)cfg->eps;
    return c;
}

/* Algorithm 1: m <- β1 m + (1-β1) g, v <- β2 v + (1-β2) g²; returns the decrement
 * α m̂ / (√v̂ + ε) with m̂ = m/(1-β1^t), v̂ = v/(1-β2^t) (ε outside the root, as in the paper). */
BLR_FASTMATH_INLINE float blr_adam_delta(blr_adam_coef c, float *m, float *v, float g)
{
    *m = c.beta1 * *m + c.beta1c * g;
    *v = c.beta2 * *v + c.beta2c * g * g;
    return c.step * *m / (sqrtf(*v * c.inv_bc2) + c.eps);
}

/* The state is float: lr and eps must survive the conversion (blr_method_check has already
 * made them finite and positive). */
static inline int blr_adam_check(const blr_method *m, char *err, size_t errlen)
{
    if (!isfinite((float)m->cfg.lr)) {
        snprintf(err, errlen, "%s: lr %g overflows float32", m->ops->name, m->cfg.lr);
        return -1;
    }
    if ((float)m->cfg.eps <= 0.0f) {
        snprintf(err, errlen, "%s: eps %g underflows float32", m->ops->name, m->cfg.eps);
        return -1;
    }
    return 0;
}

#endif
