/* blr_exact_linreg against a posterior worked out by hand. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "exact.h"

/* x = (0, 1, 2), y = (1, 2, 4), σ = 1, δ = 1, τ = 2; parameters (w, c).
 * X̃ᵀX̃ = [[5, 3], [3, 3]], so H = [[6, 3], [3, 4]], det H = 15, H⁻¹ = [[4, -3], [-3, 6]]/15.
 * X̃ᵀy = (0 + 2 + 8, 1 + 2 + 4) = (10, 7); mean = H⁻¹(10, 7) = ((40 - 21)/15, (-30 + 42)/15)
 * = (19/15, 12/15). Mean-field sd: sqrt(τ/H_ii) = (sqrt(2/6), sqrt(2/4)); exact marginal sd:
 * sqrt(τ (H⁻¹)_ii) = (sqrt(8/15), sqrt(12/15)). */
Test(exact_posterior, linreg_by_hand)
{
    const float x[] = {0, 1, 2}, y[] = {1, 2, 4};
    double mean[2], mf[2], sd[2];
    char err[128];
    cr_assert_eq(blr_exact_linreg(x, y, 3, 1, 1.0, 1.0, 2.0, mean, mf, sd, err, sizeof err), 0,
                 "%s", err);
    cr_assert_float_eq(mean[0], 19.0 / 15, 1e-12);
    cr_assert_float_eq(mean[1], 12.0 / 15, 1e-12);
    cr_assert_float_eq(mf[0], sqrt(2.0 / 6), 1e-12);
    cr_assert_float_eq(mf[1], sqrt(2.0 / 4), 1e-12);
    cr_assert_float_eq(sd[0], sqrt(8.0 / 15), 1e-12);
    cr_assert_float_eq(sd[1], sqrt(12.0 / 15), 1e-12);
}

Test(exact_posterior, rejects_bad_arguments)
{
    const float x[] = {1, 1}, y[] = {1, 1};
    double mean[2];
    char err[128] = "";
    cr_assert_eq(blr_exact_linreg(x, y, 2, 1, 0.0, 1.0, 1.0, mean, NULL, NULL, err, sizeof err), -1);
    cr_assert(strstr(err, "noise_sd"));
    cr_assert_eq(blr_exact_linreg(x, y, 0, 1, 1.0, 1.0, 1.0, mean, NULL, NULL, err, sizeof err), -1);
    /* Two identical rows and no prior: XᵀX is singular. */
    cr_assert_eq(blr_exact_linreg(x, y, 2, 1, 1.0, 0.0, 1.0, mean, NULL, NULL, err, sizeof err), -1);
    cr_assert(strstr(err, "not positive definite"), "%s", err);
}
