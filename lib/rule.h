/* The method interface (DESIGN §5) and the registry of methods.
 *
 * Every optimizer — the Lie-group rules of lib/ and the baselines of baselines/ — is one
 * blr_method_ops table over flat float arrays of length P. A training step is
 *
 *     for each of mc samples:  sample(θ) ; ∇ = ∇ lbar_B(θ) ; accumulate(θ, ∇, sq)
 *     step(lr_factor)
 *
 * where ∇ already includes the prior term δ~ θ (DESIGN §2) and sq, when the method asks
 * for it (BLR_NEEDS_SQGRAD), is the minibatch mean of per-example squared gradients of the
 * data term. The training loop knows nothing else about any method. */
#ifndef BLR_RULE_H
#define BLR_RULE_H

#include <stddef.h>
#include <stdio.h>
#include "base.h"
#include "rng.h"

typedef enum { BLR_HESSIAN_PRICE, BLR_HESSIAN_GGN } blr_hessian_kind;

/* Hyperparameters of one method. Unused fields are ignored by methods that do not need
 * them; blr_method_cfg_defaults fills the documented defaults. */
typedef struct {
    char rule[32];        /* registry name: "lie-affine", "sgd", ... */
    blr_base base;        /* q0 (kind, nu, scale) */
    double lr;            /* α (additive, multiplicative); α1, the b step (affine) */
    double lr2;           /* α2, the A step (affine) */
    double beta1;         /* momentum of the gradient / location direction */
    double beta2;         /* momentum of the log-scale direction (affine), 2nd moment (adam) */
    double temperature;   /* τ */
    double prior_precision; /* δ */
    double n_data;        /* N, so τ~ = τ/N and δ~ = δ/N */
    double init_offset;   /* c in g± = |w0±| + c (multiplicative) */
    double init_a;        /* A at start (affine) */
    int fisher;           /* divide algebra directions by q0's Fisher constants */
    int mc;               /* MC samples per step (accumulate calls per step) */
    /* baselines (M2) */
    double eps;           /* adam's ε */
    double hess_init;     /* initial Hessian / precision estimate (ivon, blr, vogn) */
    double clip_radius;   /* ivon's update clipping; <= 0 means off */
    double init_sd;       /* bbb: initial σ */
    blr_hessian_kind hessian;
} blr_method_cfg;

void blr_method_cfg_defaults(blr_method_cfg *cfg);

enum {
    BLR_NEEDS_SQGRAD = 1u << 0,   /* accumulate wants per-example squared gradients */
    BLR_NEEDS_TWO_INITS = 1u << 1, /* init wants two independent initial draws w0, w1 */
    BLR_POSITIVE_BASE = 1u << 2,  /* q0 must live on (0,∞) */
    BLR_SYMMETRIC_BASE = 1u << 3, /* q0 must live on R */
    BLR_NO_BASE = 1u << 4         /* the method has its own family; `base` is ignored */
};

typedef struct blr_method blr_method;

typedef struct {
    const char *name;    /* as written in YAML `rule:` */
    const char *summary; /* one line for `blr list` */
    unsigned flags;
    /* Allocates m->state. w1 is NULL unless BLR_NEEDS_TWO_INITS. */
    int (*init)(blr_method *m, const float *w0, const float *w1, char *err, size_t errlen);
    /* θ ~ q. Remembers what it drew for the next accumulate. */
    void (*sample)(blr_method *m, float *theta, blr_rng *rng);
    void (*accumulate)(blr_method *m, const float *theta, const float *grad, const float *sqgrad);
    /* Moves q with the averaged accumulations, then clears them. */
    void (*step)(blr_method *m, double lr_factor);
    void (*mean)(const blr_method *m, float *theta);              /* point estimate */
    void (*posterior)(const blr_method *m, float *mean, float *sd); /* sd: scale if no variance */
    /* Entropy of q in nats, as the method parameterizes it (DESIGN §2); -INFINITY for
     * point masses. */
    double (*entropy)(const blr_method *m);
    int (*save)(const blr_method *m, FILE *f);
    int (*load)(blr_method *m, FILE *f);
    void (*free)(blr_method *m);
} blr_method_ops;

struct blr_method {
    const blr_method_ops *ops;
    blr_method_cfg cfg;
    size_t n;               /* P */
    void *state;
    long invalid_updates;   /* coordinates repaired by the method (classic BLR) */
};

/* Registry. find returns NULL for an unknown name; count/at enumerate for `blr list`. */
const blr_method_ops *blr_method_find(const char *name);
size_t blr_method_count(void);
const blr_method_ops *blr_method_at(size_t i);

/* Checks cfg against the method (finite positive step sizes, momenta in [0,1), a base that
 * fits, n > 0) without allocating. Returns 0 or -1 with a message. */
int blr_method_check(const blr_method_cfg *cfg, size_t n, char *err, size_t errlen);
/* check + allocate + init. `sgd` is lie-additive with the dirac base. */
int blr_method_create(blr_method **out, const blr_method_cfg *cfg, size_t n, const float *w0,
                      const float *w1, char *err, size_t errlen);
void blr_method_free(blr_method *m);

/* Step-size factor at step t of T: constant 1, or cosine 0.5(1 + cos(π t/T)), with a linear
 * warm-up over the first `warmup` steps. */
typedef enum { BLR_SCHEDULE_CONSTANT, BLR_SCHEDULE_COSINE } blr_schedule;
double blr_schedule_factor(blr_schedule s, long t, long total, long warmup);

/* Helpers for methods' save/load: write/read n floats, returning 0 or -1. */
int blr_method_write_floats(FILE *f, const float *x, size_t n);
int blr_method_read_floats(FILE *f, float *x, size_t n);

#endif
