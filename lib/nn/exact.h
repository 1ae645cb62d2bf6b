/* Exact posteriors, where theory gives one, for checking what the methods reach. */
#ifndef BLR_EXACT_H
#define BLR_EXACT_H

#include <stddef.h>

/* Bayesian linear regression y = xᵀw + c + N(0, σ²), prior N(0, I/δ) on (w, c), tempered by
 * τ: q ∝ exp(-N lbar/τ) (docs/design.md §2) is Gaussian with precision H/τ, H = X̃ᵀX̃/σ² + δI,
 * X̃ = [X 1], and mean H⁻¹X̃ᵀy/σ². Writes d+1 values (weights, then the intercept) into mean,
 * the mean-field optimum's sd_i = sqrt(τ/H_ii) into mf_sd, and the exact marginal sd
 * sqrt(τ (H⁻¹)_ii) into sd (either may be NULL). x is n × d row-major.
 * Returns 0, or -1 with a message. */
int blr_exact_linreg(const float *x, const float *y, size_t n, int d, double noise_sd,
                     double prior_precision, double temperature, double *mean, double *mf_sd,
                     double *sd, char *err, size_t errlen);

#endif
