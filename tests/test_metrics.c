/* Metrics on small cases worked out by hand (each computation is in the comment above it). */
#include <criterion/criterion.h>
#include <math.h>

#include "metrics.h"

#define LOG_2PI 1.83787706640934548356

static void near(double got, double want, double tol, const char *what)
{
    cr_assert(fabs(got - want) <= tol, "%s: got %.12g, want %.12g", what, got, want);
}

/* Rows (k = 3) and labels:
 *   (0.7, 0.2, 0.1) y=0: predicts 0, right
 *   (0.1, 0.3, 0.6) y=1: predicts 2, wrong
 *   (0.2, 0.5, 0.3) y=1: predicts 1, right
 *   (0.4, 0.4, 0.2) y=1: a tie goes to the first index, predicts 0, wrong
 * accuracy = 2/4 = 0.5; NLL = -(log 0.7 + log 0.3 + log 0.5 + log 0.4)/4. */
static const double P4[12] = {0.7, 0.2, 0.1, 0.1, 0.3, 0.6, 0.2, 0.5, 0.3, 0.4, 0.4, 0.2};
static const int Y4[4] = {0, 1, 1, 1};

Test(metrics, accuracy)
{
    near(blr_metrics_accuracy(P4, Y4, 4, 3), 0.5, 1e-15, "accuracy");
    /* The first row alone: right, 1; an out-of-range label is never right. */
    near(blr_metrics_accuracy(P4, Y4, 1, 3), 1.0, 0, "accuracy of one");
    const int bad[1] = {3};
    near(blr_metrics_accuracy(P4, bad, 1, 3), 0.0, 0, "label out of range");
    cr_assert(isnan(blr_metrics_accuracy(P4, Y4, 0, 3)));
}

Test(metrics, nll)
{
    near(blr_metrics_nll(P4, Y4, 4, 3), -(log(0.7) + log(0.3) + log(0.5) + log(0.4)) / 4, 1e-14,
         "nll");
    /* p_y = 1 and p_y = 0: (-log 1 - log 1e-12)/2 = 12 log(10)/2 = 6 log 10. */
    const double p[4] = {1, 0, 1, 0};
    const int y[2] = {0, 1};
    near(blr_metrics_nll(p, y, 2, 2), 6 * log(10.0), 1e-12, "nll with a zero probability");
    cr_assert(isnan(blr_metrics_nll(p, y, 0, 2)));
}

/* k = 2, 20 bins of width 0.05:
 *   (0.92, 0.08) y=0: conf 0.92, bin (int)18.4 = 18, right
 *   (0.92, 0.08) y=1: conf 0.92, bin 18, wrong
 *   (0.28, 0.72) y=1: conf 0.72, bin (int)14.4 = 14, right
 *   (0.74, 0.26) y=0: conf 0.74, bin (int)14.8 = 14, right
 * bin 18: acc 0.5, conf 0.92, |gap| 0.42; bin 14: acc 1, conf 0.73, |gap| 0.27;
 * ECE = (2/4)·0.42 + (2/4)·0.27 = 0.345. */
static const double PE[8] = {0.92, 0.08, 0.92, 0.08, 0.28, 0.72, 0.74, 0.26};
static const int YE[4] = {0, 1, 1, 0};

Test(metrics, ece_two_bins)
{
    near(blr_metrics_ece(PE, YE, 4, 2, BLR_ECE_BINS), 0.345, 1e-12, "ece");
    /* A confidence of exactly 1 falls in the last bin: (1, 0) y=0 alone is calibrated, 0. */
    const double one[2] = {1, 0};
    const int y0[1] = {0};
    near(blr_metrics_ece(one, y0, 1, 2, BLR_ECE_BINS), 0.0, 0, "ece of a sure, right answer");
    cr_assert(isnan(blr_metrics_ece(PE, YE, 0, 2, BLR_ECE_BINS)));
    cr_assert(isnan(blr_metrics_ece(PE, YE, 4, 2, 0)));
}

/* The same four rows: bins 14 and 18 as above, every other bin empty (NAN, count 0); and
 * (1, 0) lands in bin 19. */
Test(metrics, reliability)
{
    double conf[BLR_ECE_BINS], acc[BLR_ECE_BINS];
    long count[BLR_ECE_BINS];
    blr_metrics_reliability(PE, YE, 4, 2, BLR_ECE_BINS, conf, acc, count);
    for (int b = 0; b < BLR_ECE_BINS; b++) {
        if (b == 14 || b == 18)
            continue;
        cr_assert(count[b] == 0 && isnan(conf[b]) && isnan(acc[b]), "bin %d not empty", b);
    }
    cr_assert(count[14] == 2 && count[18] == 2);
    near(conf[14], 0.73, 1e-15, "conf 14");
    near(acc[14], 1.0, 0, "acc 14");
    near(conf[18], 0.92, 1e-15, "conf 18");
    near(acc[18], 0.5, 0, "acc 18");
    const double one[2] = {1, 0};
    const int y0[1] = {0};
    blr_metrics_reliability(one, y0, 1, 2, BLR_ECE_BINS, conf, acc, count);
    cr_assert(count[19] == 1 && conf[19] == 1.0 && acc[19] == 1.0);
}

/* (0.7, 0.2, 0.1) y=0: 0.3² + 0.2² + 0.1² = 0.14; (0.1, 0.3, 0.6) y=1: 0.1² + 0.7² + 0.6² =
 * 0.86; mean 0.5. */
Test(metrics, brier)
{
    near(blr_metrics_brier(P4, Y4, 2, 3), 0.5, 1e-15, "brier");
    cr_assert(isnan(blr_metrics_brier(P4, Y4, 0, 3)));
}

/* (½, ½, 0, 0): log 2 (0 log 0 = 0); (1, 0, 0, 0): 0; (¼, ¼, ¼, ¼): log 4. */
Test(metrics, entropy)
{
    const double p[12] = {0.5, 0.5, 0, 0, 1, 0, 0, 0, 0.25, 0.25, 0.25, 0.25};
    double h[3];
    blr_metrics_entropy(p, 3, 4, h);
    near(h[0], log(2.0), 1e-15, "entropy of a coin");
    near(h[1], 0.0, 0, "entropy of a sure thing");
    near(h[2], log(4.0), 1e-15, "entropy of a uniform");
}

/* Mixed case: pos {0.8, 0.4, 0.6}, neg {0.5, 0.4, 0.1}. Pairs won by the positive:
 * 0.8 beats all 3; 0.4 beats 0.1, ties 0.4 (½), loses to 0.5: 1.5; 0.6 beats all 3.
 * U = 7.5 over 9 pairs: 5/6. */
Test(metrics, auroc)
{
    const double hi[2] = {3, 4}, lo[2] = {1, 2}, same[3] = {1, 1, 1};
    near(blr_metrics_auroc(hi, 2, lo, 2), 1.0, 0, "perfect");
    near(blr_metrics_auroc(lo, 2, hi, 2), 0.0, 0, "reversed");
    near(blr_metrics_auroc(same, 3, same, 2), 0.5, 0, "all ties");
    const double pos[3] = {0.8, 0.4, 0.6}, neg[3] = {0.5, 0.4, 0.1};
    near(blr_metrics_auroc(pos, 3, neg, 3), 5.0 / 6.0, 1e-15, "mixed");
    cr_assert(isnan(blr_metrics_auroc(pos, 0, neg, 3)));
    cr_assert(isnan(blr_metrics_auroc(pos, 3, neg, 0)));
    const double with_nan[2] = {0.3, NAN};
    cr_assert(isnan(blr_metrics_auroc(with_nan, 2, neg, 3)));
    cr_assert(isnan(blr_metrics_auroc(pos, 3, with_nan, 2)));
}

/* mu (1, 2, 3), y (2, 2, 5): squared errors 1, 0, 4; RMSE = sqrt(5/3). */
Test(metrics, rmse)
{
    const double mu[3] = {1, 2, 3}, y[3] = {2, 2, 5};
    near(blr_metrics_rmse(mu, y, 3), sqrt(5.0 / 3.0), 1e-15, "rmse");
    cr_assert(isnan(blr_metrics_rmse(mu, y, 0)));
}

Test(metrics, gauss_nll)
{
    /* S = 1, sd = 2, mu (0, 1), y (1, 1): per row ½((y-μ)/sd)² + log sd + ½ log 2π with
     * ½(1/2)² = 0.125 and 0, mean 0.0625 + log 2 + ½ log 2π. */
    const double mu1[2] = {0, 1}, y1[2] = {1, 1};
    near(blr_metrics_gauss_nll(mu1, 1, y1, 2, 2.0), 0.0625 + log(2.0) + 0.5 * LOG_2PI, 1e-14,
         "S = 1");
    /* S = 2, n = 1, sd = 1, y = 0, means 0 and 2: densities e^0/sqrt(2π) and e^-2/sqrt(2π),
     * mixture (1 + e^-2)/(2 sqrt(2π)), NLL = -log((1 + e^-2)/2) + ½ log 2π. */
    const double mu2[2] = {0, 2}, y0[1] = {0};
    near(blr_metrics_gauss_nll(mu2, 2, y0, 1, 1.0), -log((1 + exp(-2.0)) / 2) + 0.5 * LOG_2PI,
         1e-14, "S = 2");
    /* Both means 1000 sd away: each density e^-500000/sqrt(2π) underflows in double, yet the
     * NLL is exactly 500000 + ½ log 2π. */
    const double far[2] = {1000, 1000};
    near(blr_metrics_gauss_nll(far, 2, y0, 1, 1.0), 500000 + 0.5 * LOG_2PI, 1e-9, "far");
    cr_assert(isnan(blr_metrics_gauss_nll(mu1, 0, y1, 2, 1.0)));
    cr_assert(isnan(blr_metrics_gauss_nll(mu1, 1, y1, 0, 1.0)));
    cr_assert(isnan(blr_metrics_gauss_nll(mu1, 1, y1, 2, 0.0)));
}

/* One-hot: |w|_1 = |w|_2, (2 - 1)/(2 - 1) = 1. Equal magnitudes (2, -2, 2, -2): |w|_1 = 8,
 * |w|_2 = 4, (2 - 2)/1 = 0. (3, 4, 0, 0): |w|_1 = 7, |w|_2 = 5, (2 - 1.4)/1 = 0.6. */
Test(metrics, hoyer)
{
    const float onehot[4] = {0, 0, -3, 0}, flat[4] = {2, -2, 2, -2}, mixed[4] = {3, 4, 0, 0};
    const float zero[4] = {0, 0, 0, 0};
    near(blr_metrics_hoyer(onehot, 4), 1.0, 1e-15, "one-hot");
    near(blr_metrics_hoyer(flat, 4), 0.0, 1e-15, "constant magnitude");
    near(blr_metrics_hoyer(mixed, 4), 0.6, 1e-15, "(3,4,0,0)");
    near(blr_metrics_hoyer(zero, 4), 0.0, 0, "zero vector");
    near(blr_metrics_hoyer(onehot, 1), 0.0, 0, "one coordinate");
    /* Three equal coordinates: sqrt(3) - 3c/sqrt(3c²) is 0 in exact arithmetic, but rounds to
     * about -3e-16 in double; the measure must still lie in [0, 1]. */
    const float three[3] = {0.1096f, 0.1096f, 0.1096f};
    double h = blr_metrics_hoyer(three, 3);
    cr_assert(h >= 0.0 && h <= 1e-15, "constant vector of 3: %.3g", h);
}

/* (1, 1e-4, -5e-4, 0.5, 0): max 1, threshold 1e-3; 1e-4, 5e-4 and 0 are below: 3/5. The
 * threshold scales with the max, so 1000 times the vector gives the same 3/5. */
Test(metrics, near_zero)
{
    const float w[5] = {1, 1e-4f, -5e-4f, 0.5f, 0}, w1000[5] = {1000, 0.1f, -0.5f, 500, 0};
    const float zero[3] = {0, 0, 0};
    near(blr_metrics_near_zero(w, 5), 0.6, 1e-15, "near zero");
    near(blr_metrics_near_zero(w1000, 5), 0.6, 1e-15, "scaled");
    near(blr_metrics_near_zero(zero, 3), 0.0, 0, "zero vector");
    cr_assert(isnan(blr_metrics_near_zero(w, 0)));
}

/* Student t CDFs in closed form: 1 degree of freedom (Cauchy) gives the two-sided p
 * 1 - 2 atan(|t|)/π; 2 degrees give 1 - |t|/sqrt(2 + t²).
 * Pairs with differences (1, 3): mean 2, sd sqrt(2), t = 2/(sqrt(2)/sqrt(2)) = 2, 1 df.
 * Differences (0.5, -0.5, 1.5): mean 0.5, sd 1, t = 0.5/(1/sqrt(3)) = sqrt(3)/2, 2 df. */
Test(metrics, paired_t_test_p_values)
{
    const double a1[2] = {2.0, 5.0}, b1[2] = {1.0, 2.0};
    near(blr_metrics_paired_p(a1, b1, 2), 1.0 - 2.0 * atan(2.0) / acos(-1.0), 1e-12, "1 df");
    const double a2[3] = {1.0, 0.0, 2.0}, b2[3] = {0.5, 0.5, 0.5};
    double t = sqrt(3.0) / 2.0;
    near(blr_metrics_paired_p(a2, b2, 3), 1.0 - t / sqrt(2.0 + t * t), 1e-12, "2 df");
    /* The test is symmetric in its arguments. */
    near(blr_metrics_paired_p(b2, a2, 3), 1.0 - t / sqrt(2.0 + t * t), 1e-12, "swapped");
}

/* Welch with equal sizes and equal variances is Student's t with 2(n - 1) df. a (1, 2, 3),
 * b (4, 5, 6): t = 3/sqrt(1/3 + 1/3) = 3.674, 4 df, where the two-sided p is
 * 1 - x (1 + (1 - x²)/2) with x = t/sqrt(t² + 4); two values each: 2 df. */
Test(metrics, welch_t_test_p_values)
{
    const double a[3] = {1.0, 2.0, 3.0}, b[3] = {4.0, 5.0, 6.0};
    double t = 3.0 / sqrt(2.0 / 3.0), x = t / sqrt(t * t + 4.0);
    near(blr_metrics_welch_p(a, 3, b, 3), 1.0 - x * (1.0 + (1.0 - x * x) / 2.0), 1e-12, "4 df");
    near(blr_metrics_welch_p(b, 3, a, 3), 1.0 - x * (1.0 + (1.0 - x * x) / 2.0), 1e-12, "swap");
    /* (0, 2) against (1, 3): sd sqrt(2) each, t = 1/sqrt(1 + 1), 2 df. */
    const double c[2] = {0.0, 2.0}, d[2] = {1.0, 3.0};
    t = 1.0 / sqrt(2.0);
    near(blr_metrics_welch_p(c, 2, d, 2), 1.0 - t / sqrt(2.0 + t * t), 1e-12, "2 df");
    cr_assert(isnan(blr_metrics_welch_p(a, 1, b, 3)), "one value has no variance");
    near(blr_metrics_welch_p(a, 3, a, 3), 1.0, 1e-12, "identical samples");
    const double k1[2] = {1.0, 1.0}, k2[2] = {2.0, 2.0};
    near(blr_metrics_welch_p(k1, 2, k2, 2), 0.0, 0, "constant samples that differ");
}

/* Holm by hand. p = (0.01, 0.04, 0.03, 0.005), m = 4; sorted 0.005, 0.01, 0.03, 0.04 times
 * 4, 3, 2, 1: 0.02, 0.03, 0.06, 0.04, running maximum 0.02, 0.03, 0.06, 0.06. At 0.05 the
 * first two are rejected (0.005, 0.01), the others not, though 0.04 × 1 alone is below. */
Test(metrics, holm_adjusted_p_values)
{
    const double p[4] = {0.01, 0.04, 0.03, 0.005};
    double adj[4];
    blr_metrics_holm(p, 4, adj);
    const double want[4] = {0.03, 0.06, 0.06, 0.02};
    for (int i = 0; i < 4; i++)
        near(adj[i], want[i], 1e-15, "holm");
    /* NAN is outside the family: m = 2 here. Ties share the larger multiplier. */
    const double q[4] = {0.02, NAN, 0.02, NAN};
    blr_metrics_holm(q, 4, adj);
    near(adj[0], 0.04, 1e-15, "tie");
    near(adj[2], 0.04, 1e-15, "tie");
    cr_assert(isnan(adj[1]) && isnan(adj[3]));
    /* Capped at 1; a single test is its own adjusted p. */
    const double big[2] = {0.6, 0.7};
    blr_metrics_holm(big, 2, adj);
    near(adj[0], 1.0, 0, "cap");
    near(adj[1], 1.0, 0, "cap");
    blr_metrics_holm(p, 1, adj);
    near(adj[0], 0.01, 0, "one test");
}

Test(metrics, mean_and_sd)
{
    const double x[3] = {0.5, 0.75, 1.0}, k[3] = {0.1, 0.1, 0.1};
    double m, sd;
    blr_metrics_mean_sd(x, 3, &m, &sd);
    near(m, 0.75, 0, "mean");
    near(sd, 0.25, 1e-15, "sd");
    /* Equal values give exactly that value and sd 0. */
    blr_metrics_mean_sd(k, 3, &m, &sd);
    cr_assert(m == 0.1 && sd == 0.0);
    blr_metrics_mean_sd(x, 1, &m, &sd);
    cr_assert(m == 0.5 && isnan(sd));
    blr_metrics_mean_sd(x, 0, &m, &sd);
    cr_assert(isnan(m) && isnan(sd));
}

Test(metrics, paired_t_test_edge_cases)
{
    const double a[3] = {1.0, 2.0, 3.0}, b[3] = {0.0, 1.0, 2.0};
    cr_assert(isnan(blr_metrics_paired_p(a, b, 1)), "one pair has no variance estimate");
    cr_assert(isnan(blr_metrics_paired_p(a, b, 0)));
    /* Equal differences: t is infinite (p 0) unless they are all 0 (p 1). */
    near(blr_metrics_paired_p(a, b, 3), 0.0, 0, "constant shift");
    near(blr_metrics_paired_p(a, a, 3), 1.0, 0, "identical");
}
