/* Base distributions q0 of the Lie-group BLR (docs/design.md §3.2).
 *
 * A base is ξ = s·ε with ε in standard form (unit scale) and s = scale. Symmetric bases
 * live on R; rayleigh, lognormal and exponential live on (0,∞) and are the bases of the
 * multiplicative rule. Every function below is about ξ (the scale included) unless it
 * says "standard". */
#ifndef BLR_BASE_H
#define BLR_BASE_H

#include <stddef.h>
#include "rng.h"

typedef enum {
    BLR_BASE_DIRAC,
    BLR_BASE_GAUSSIAN,
    BLR_BASE_LAPLACE,
    BLR_BASE_STUDENT_T,
    BLR_BASE_UNIFORM,   /* standard form: uniform on (-sqrt(3), sqrt(3)), unit variance */
    BLR_BASE_RAYLEIGH,  /* standard form: Rayleigh(σ = 1) */
    BLR_BASE_LOGNORMAL, /* standard form: log ε ~ N(0, 1) */
    BLR_BASE_EXPONENTIAL, /* standard form: rate 1 */
    BLR_BASE_COUNT
} blr_base_kind;

typedef struct {
    blr_base_kind kind;
    double nu;    /* student-t degrees of freedom (> 0) */
    double scale; /* s > 0 */
} blr_base;

/* Name <-> kind ("dirac", "gaussian", "laplace", "student-t", "uniform", "rayleigh",
 * "lognormal", "exponential"). from_name returns 0 or -1 when unknown. */
const char *blr_base_name(blr_base_kind kind);
int blr_base_from_name(const char *name, blr_base_kind *kind);
/* 1 for bases on (0,∞), 0 for bases on R (dirac included). */
int blr_base_is_positive(blr_base_kind kind);

/* Validates and fills b. Returns 0, or -1 with a message in err (scale not finite or
 * not > 0, nu not finite or not > 0 for student-t). */
int blr_base_init(blr_base *b, blr_base_kind kind, double nu, double scale, char *err,
                  size_t errlen);

/* n draws of ξ into out. dirac writes zeros. */
void blr_base_sample(const blr_base *b, blr_rng *r, float *out, size_t n);
/* Reference sampler through GSL's own generators (slow; the `rng: gsl` path and tests). */
void blr_base_sample_gsl(const blr_base *b, unsigned long seed, double *out, size_t n);

double blr_base_logpdf(const blr_base *b, double x);
double blr_base_cdf(const blr_base *b, double x); /* via GSL's CDFs */
/* Differential entropy of ξ (nats). dirac: -INFINITY. */
double blr_base_entropy(const blr_base *b);
/* Mean and variance of ξ; returns 0, or -1 where the variance is infinite/undefined
 * (student-t with nu <= 2; mean then still set where it exists, NAN otherwise). */
int blr_base_moments(const blr_base *b, double *mean, double *var);
/* Fisher constants (docs/design.md §3.2) computed by GSL quadrature of ψ = (log q0)':
 * location F_v = E[ψ(ξ)²] (= F_v(standard)/s²) and log-scale F_u = E[(1 + ξ ψ(ξ))²].
 * Bases on (0,∞) have no finite location constant: *fv is set to NAN.
 * Returns 0, or -1 with a message (dirac, quadrature failure). */
int blr_base_fisher(const blr_base *b, double *fv, double *fu, char *err, size_t errlen);
/* Kolmogorov–Smirnov distance sup_x |F_n(x) - F(x)| between the sample x[0..n) and the
 * CDF of ξ; sorts x in place. Validates a sampler: at level α the critical value is about
 * sqrt(-log(α/2)/2)/sqrt(n) (1.95/sqrt(n) for α = 1e-3). */
double blr_base_ks(const blr_base *b, double *x, size_t n);

#endif
