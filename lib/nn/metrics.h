/* Evaluation metrics. Inputs are double (averaged probabilities of model averaging are
 * accumulated in double); every function is pure. Averages over an empty input (n = 0) are
 * NAN; a label outside [0, k) counts as a wrong prediction with probability 0. */
#ifndef BLR_METRICS_H
#define BLR_METRICS_H

#include <stddef.h>

#define BLR_ECE_BINS 20

/* probs: n × k row-major class probabilities; labels in [0, k). */
double blr_metrics_accuracy(const double *probs, const int *labels, size_t n, int k);
/* Mean -log p(y) with p clamped below at 1e-12 (so a zero probability is finite). */
double blr_metrics_nll(const double *probs, const int *labels, size_t n, int k);
/* Expected calibration error over `bins` equal-width bins of the max probability
 * (bin min((int)(conf·bins), bins-1)): Σ_b (n_b/n)|acc_b - conf_b|. Allocates `bins` counters;
 * NAN on allocation failure or bins < 1. */
double blr_metrics_ece(const double *probs, const int *labels, size_t n, int k, int bins);
/* Per-bin mean confidence, accuracy and count (arrays of `bins`); empty bins get conf and
 * acc NAN and count 0. */
void blr_metrics_reliability(const double *probs, const int *labels, size_t n, int k, int bins,
                             double *conf, double *acc, long *count);
/* Mean over examples of Σ_c (p_c - [y = c])². */
double blr_metrics_brier(const double *probs, const int *labels, size_t n, int k);
/* Predictive entropy of each row, into ent (n). */
void blr_metrics_entropy(const double *probs, size_t n, int k, double *ent);
/* Area under the ROC curve for telling positives from negatives by score (higher = more
 * positive): the Mann-Whitney statistic, ties counted one half. Allocates a sorted copy;
 * returns NAN when either set is empty or on allocation failure. */
double blr_metrics_auroc(const double *pos, size_t npos, const double *neg, size_t nneg);

/* Regression. mu: S × n predicted means from S samples (S = 1 at the point estimate). */
double blr_metrics_rmse(const double *mu, const double *y, size_t n);
/* -mean_i log( (1/S) Σ_s N(y_i; mu[s, i], sd²) ), by log-sum-exp. */
double blr_metrics_gauss_nll(const double *mu, size_t S, const double *y, size_t n, double sd);

/* Sparsity of a weight vector: Hoyer's measure (sqrt(n) - |w|_1/|w|_2)/(sqrt(n) - 1) in [0,1]
 * (0 for all-equal magnitudes, 1 for one nonzero; 0 for an all-zero vector and for n < 2), and
 * the fraction of coordinates with |w_i| < 1e-3 max|w| (0 for an all-zero vector, NAN for
 * n = 0). */
double blr_metrics_hoyer(const float *w, size_t n);
double blr_metrics_near_zero(const float *w, size_t n);

/* Two-sided p-value of the paired t-test of H0: E[a - b] = 0 over n pairs (n - 1 degrees
 * of freedom, GSL's t CDF). NAN for n < 2. Equal differences (sd 0) give 1 when they are 0
 * and 0 otherwise: the t statistic is 0 or infinite. */
double blr_metrics_paired_p(const double *a, const double *b, size_t n);
/* Two-sided p-value of Welch's t-test of H0: E[a] = E[b] for unpaired samples of unequal
 * variance (Welch–Satterthwaite degrees of freedom). NAN when either has fewer than 2 values;
 * both sd 0 give 1 for equal means and 0 otherwise. */
double blr_metrics_welch_p(const double *a, size_t na, const double *b, size_t nb);
/* Mean and sd (n - 1) of x; NAN mean for n = 0, NAN sd for n < 2. */
void blr_metrics_mean_sd(const double *x, size_t n, double *mean, double *sd);
/* Holm–Bonferroni adjusted p-values of a family of n tests: adj[i] < alpha rejects
 * hypothesis i at family-wise error alpha. NAN entries of p are not in the family (their
 * adj is NAN and they do not count in m). */
void blr_metrics_holm(const double *p, size_t n, double *adj);

#endif
