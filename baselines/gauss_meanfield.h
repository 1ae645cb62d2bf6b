/* The diagonal Gaussian family shared by the baselines `blr` and `vogn` (docs/design.md §4): each
 * keeps a per-coordinate curvature p_i from which q's precision is (p_i + add) * scale —
 * `blr` stores the precision S itself (add 0, scale 1), `vogn` the data curvature s
 * (add δ~, scale 1/τ~, so σ² = τ~/(s + δ~)). Header-only, static inline. */
#ifndef BLR_BASELINES_GAUSS_MEANFIELD_H
#define BLR_BASELINES_GAUSS_MEANFIELD_H

#include <math.h>
#include <stddef.h>

#include "base.h"
#include "fastmath.h"
#include "rule.h"

/* Both methods report the Gaussian family in runs.csv's base column. */
static inline int gmf_init_base(blr_method *m, char *err, size_t errlen)
{
    return blr_base_init(&m->cfg.base, BLR_BASE_GAUSSIAN, 0, 1, err, errlen);
}

/* sd of coordinate i: 1/sqrt((p + add) scale). Forced inline (lib/prob/fastmath.h), so the
 * sampling loops that call it vectorize. */
BLR_FASTMATH_INLINE float gmf_sd(float p, float add, float scale)
{
    return 1.0f / sqrtf((p + add) * scale);
}

static inline void gmf_posterior(size_t n, const float *mu, const float *p, float add,
                                 float scale, float *mean, float *sd)
{
    for (size_t i = 0; i < n; i++) {
        mean[i] = mu[i];
        sd[i] = gmf_sd(p[i], add, scale);
    }
}

/* H(N(μ, diag σ²)) = Σ ½ log(2πe σ_i²), σ_i² = 1/((p_i + add) scale); in double (a reduction). */
static inline double gmf_entropy(size_t n, const float *p, double add, double scale)
{
    const double log_2pie = log(2.0 * 3.14159265358979323846) + 1.0;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += 0.5 * (log_2pie - log(((double)p[i] + add) * scale));
    return sum;
}

#endif
