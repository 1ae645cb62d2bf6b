/* Evaluation metrics (classification, regression, sparsity); see metrics.h for definitions.
 * Empty inputs give NAN for averages (there is nothing to average). Labels outside [0, k)
 * count as wrong predictions and as probability 0, so no function reads outside a row. */
#include "metrics.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>

#define NLL_FLOOR 1e-12
#define LOG_2PI 1.83787706640934548356

/* The predicted class: the first index of the row's maximum. */
static int argmax(const double *p, int k)
{
    int best = 0;
    for (int c = 1; c < k; c++)
        if (p[c] > p[best])
            best = c;
    return best;
}

static double prob_of_label(const double *p, int k, int y)
{
    return y >= 0 && y < k ? p[y] : 0.0;
}

double blr_metrics_accuracy(const double *probs, const int *labels, size_t n, int k)
{
    if (n == 0 || k < 1)
        return NAN;
    size_t hits = 0;
    for (size_t i = 0; i < n; i++)
        hits += argmax(probs + i * (size_t)k, k) == labels[i];
    return (double)hits / (double)n;
}

double blr_metrics_nll(const double *probs, const int *labels, size_t n, int k)
{
    if (n == 0 || k < 1)
        return NAN;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        double p = prob_of_label(probs + i * (size_t)k, k, labels[i]);
        sum -= log(p > NLL_FLOOR ? p : NLL_FLOOR);
    }
    return sum / (double)n;
}

/* The bin of a confidence in [0, 1]: equal widths, 1.0 in the last bin. */
static int conf_bin(double conf, int bins)
{
    int b = (int)(conf * bins);
    return b < 0 ? 0 : b >= bins ? bins - 1 : b;
}

void blr_metrics_reliability(const double *probs, const int *labels, size_t n, int k, int bins,
                             double *conf, double *acc, long *count)
{
    if (bins < 1)
        return;
    for (int b = 0; b < bins; b++) {
        conf[b] = acc[b] = 0.0;
        count[b] = 0;
    }
    for (size_t i = 0; k >= 1 && i < n; i++) {
        const double *p = probs + i * (size_t)k;
        int c = argmax(p, k), b = conf_bin(p[c], bins);
        conf[b] += p[c];
        acc[b] += c == labels[i];
        count[b]++;
    }
    for (int b = 0; b < bins; b++) {
        conf[b] = count[b] ? conf[b] / (double)count[b] : NAN;
        acc[b] = count[b] ? acc[b] / (double)count[b] : NAN;
    }
}

/* ECE = Σ_b (n_b / n) |acc_b - conf_b| over the non-empty bins (Guo et al. 2017). */
double blr_metrics_ece(const double *probs, const int *labels, size_t n, int k, int bins)
{
    if (n == 0 || k < 1 || bins < 1)
        return NAN;
    double *conf = malloc(2 * (size_t)bins * sizeof(double));
    long *count = malloc((size_t)bins * sizeof(long));
    double ece = NAN;
    if (conf && count) {
        double *acc = conf + bins;
        blr_metrics_reliability(probs, labels, n, k, bins, conf, acc, count);
        ece = 0.0;
        for (int b = 0; b < bins; b++)
            if (count[b])
                ece += (double)count[b] / (double)n * fabs(acc[b] - conf[b]);
    }
    free(conf);
    free(count);
    return ece;
}

double blr_metrics_brier(const double *probs, const int *labels, size_t n, int k)
{
    if (n == 0 || k < 1)
        return NAN;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double *p = probs + i * (size_t)k;
        for (int c = 0; c < k; c++) {
            double e = p[c] - (c == labels[i]);
            sum += e * e;
        }
    }
    return sum / (double)n;
}

/* -Σ p log p, with 0 log 0 = 0 (its limit). */
void blr_metrics_entropy(const double *probs, size_t n, int k, double *ent)
{
    for (size_t i = 0; i < n; i++) {
        const double *p = probs + i * (size_t)k;
        double h = 0.0;
        for (int c = 0; c < k; c++)
            if (p[c] > 0.0)
                h -= p[c] * log(p[c]);
        ent[i] = h;
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* First index in sorted s[0..n) whose value is >= v (or > v when strict). */
static size_t bound(const double *s, size_t n, double v, int strict)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strict ? s[mid] <= v : s[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Mann-Whitney: AUROC = P(score_pos > score_neg) + ½ P(equal), counted exactly by binary
 * search of each positive among the sorted negatives, O((npos + nneg) log nneg). NaN scores
 * have no order, so any NaN gives NAN. */
double blr_metrics_auroc(const double *pos, size_t npos, const double *neg, size_t nneg)
{
    if (npos == 0 || nneg == 0)
        return NAN;
    double *s = malloc(nneg * sizeof(double));
    if (!s)
        return NAN;
    double u = NAN;
    for (size_t j = 0; j < nneg; j++) {
        if (isnan(neg[j]))
            goto done;
        s[j] = neg[j];
    }
    qsort(s, nneg, sizeof(double), cmp_double);
    u = 0.0;
    for (size_t i = 0; i < npos; i++) {
        if (isnan(pos[i])) {
            u = NAN;
            goto done;
        }
        size_t below = bound(s, nneg, pos[i], 0), not_above = bound(s, nneg, pos[i], 1);
        u += (double)below + 0.5 * (double)(not_above - below);
    }
    u /= (double)npos * (double)nneg;
done:
    free(s);
    return u;
}

double blr_metrics_rmse(const double *mu, const double *y, size_t n)
{
    if (n == 0)
        return NAN;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        double e = mu[i] - y[i];
        sum += e * e;
    }
    return sqrt(sum / (double)n);
}

/* The mixture density is summed in log space: shifting by the largest component keeps it
 * finite when every sample's mean is far from y. */
double blr_metrics_gauss_nll(const double *mu, size_t S, const double *y, size_t n, double sd)
{
    if (S == 0 || n == 0 || !(sd > 0.0))
        return NAN;
    double sum = 0.0, norm = log(sd) + 0.5 * LOG_2PI + log((double)S);
    for (size_t i = 0; i < n; i++) {
        double zmax = -INFINITY;
        for (size_t s = 0; s < S; s++) {
            double z = (y[i] - mu[s * n + i]) / sd, lp = -0.5 * z * z;
            zmax = lp > zmax ? lp : zmax;
        }
        double acc = 0.0;
        for (size_t s = 0; s < S; s++) {
            double z = (y[i] - mu[s * n + i]) / sd;
            acc += exp(-0.5 * z * z - zmax);
        }
        sum += norm - zmax - log(acc);
    }
    return sum / (double)n;
}

/* Hoyer (2004): 1 - (|w|_1/|w|_2 - 1)/(sqrt(n) - 1), rewritten as in the header. Rounding can
 * push a constant vector a hair outside [0, 1], hence the clamp. Fewer than two coordinates
 * have no measurable sparsity: 0. */
double blr_metrics_hoyer(const float *w, size_t n)
{
    if (n < 2)
        return 0.0;
    double l1 = 0.0, l2 = 0.0;
    for (size_t i = 0; i < n; i++) {
        l1 += fabs((double)w[i]);
        l2 += (double)w[i] * w[i];
    }
    if (l2 == 0.0)
        return 0.0;
    double rn = sqrt((double)n), h = (rn - l1 / sqrt(l2)) / (rn - 1.0);
    return h < 0.0 ? 0.0 : h > 1.0 ? 1.0 : h;
}

/* Relative to the largest magnitude, so the measure does not depend on the weights' scale;
 * an all-zero vector has no scale and gives 0. */
double blr_metrics_near_zero(const float *w, size_t n)
{
    if (n == 0)
        return NAN;
    double wmax = 0.0;
    for (size_t i = 0; i < n; i++)
        wmax = fabs((double)w[i]) > wmax ? fabs((double)w[i]) : wmax;
    size_t small = 0;
    for (size_t i = 0; i < n; i++)
        small += fabs((double)w[i]) < 1e-3 * wmax;
    return (double)small / (double)n;
}

double blr_metrics_paired_p(const double *a, const double *b, size_t n)
{
    if (n < 2)
        return NAN;
    double mean = 0.0, ss = 0.0;
    for (size_t i = 0; i < n; i++)
        mean += a[i] - b[i];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++) {
        double d = a[i] - b[i] - mean;
        ss += d * d;
    }
    if (ss == 0.0)
        return mean == 0.0 ? 1.0 : 0.0;
    double t = mean / sqrt(ss / (double)(n - 1) / (double)n);
    return 2.0 * gsl_cdf_tdist_Q(fabs(t), (double)(n - 1));
}

/* Differences from the first value in both passes, so equal values give exactly that value
 * and sd 0 (a sum of equal large values rounds; a sum of zeros does not). */
void blr_metrics_mean_sd(const double *x, size_t n, double *mean, double *sd)
{
    *mean = *sd = NAN;
    if (n == 0)
        return;
    double s1 = 0.0, s2 = 0.0;
    for (size_t i = 0; i < n; i++)
        s1 += x[i] - x[0];
    double shift = s1 / (double)n;
    *mean = x[0] + shift;
    for (size_t i = 0; i < n; i++) {
        double d = x[i] - x[0] - shift;
        s2 += d * d;
    }
    if (n > 1)
        *sd = sqrt(s2 / (double)(n - 1));
}

double blr_metrics_welch_p(const double *a, size_t na, const double *b, size_t nb)
{
    if (na < 2 || nb < 2)
        return NAN;
    double ma, sa, mb, sb;
    blr_metrics_mean_sd(a, na, &ma, &sa);
    blr_metrics_mean_sd(b, nb, &mb, &sb);
    double va = sa * sa / (double)na, vb = sb * sb / (double)nb, v = va + vb;
    if (v == 0.0)
        return ma == mb ? 1.0 : 0.0;
    /* Welch–Satterthwaite degrees of freedom. */
    double df = v * v / (va * va / (double)(na - 1) + vb * vb / (double)(nb - 1));
    return 2.0 * gsl_cdf_tdist_Q(fabs(ma - mb) / sqrt(v), df);
}

/* Step-down: sorted ascending, the k-th smallest p (from 0) is multiplied by the m - k
 * hypotheses still in play, and an adjusted p is never below the one before it, so a
 * hypothesis is rejected only when every smaller one is. Without sorting: a p's rank is the
 * count of smaller ones (tied p share the lowest rank, the largest multiplier, as the sorted
 * running maximum gives them), and its adjusted value is the largest term of the p up to it.
 * Cubic in n, but n is the number of variants of an experiment. */
void blr_metrics_holm(const double *p, size_t n, double *adj)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        m += !isnan(p[i]);
    for (size_t i = 0; i < n; i++) {
        adj[i] = NAN;
        if (isnan(p[i]))
            continue;
        double worst = 0.0;
        for (size_t j = 0; j < n; j++) {
            if (isnan(p[j]) || p[j] > p[i])
                continue;
            size_t rank = 0;
            for (size_t k = 0; k < n; k++)
                rank += !isnan(p[k]) && p[k] < p[j];
            double a = (double)(m - rank) * p[j];
            worst = a > worst ? a : worst;
        }
        adj[i] = worst < 1.0 ? worst : 1.0;
    }
}
