/* The method interface (docs/design.md §5) and the registry of methods.
 *
 * Every optimizer — the Lie-group rules of lib/ and the baselines of baselines/ — is one
 * blr_method_ops table over flat float arrays of length P. A training step is
 *
 *     for each sample k < mc:  sample(k, θ_k) ; ∇_k = ∇ lbar_B(θ_k) ; accumulate(k, θ_k, ∇_k, sq_k)
 *     step(lr_factor)
 *
 * where the k-th sample's draw is kept in slot k, so that the mc samples may all be drawn
 * first and accumulated after their gradients were computed in parallel (lib/step.c); the
 * accumulates still come in the order k = 0, 1, ... so the sums do not depend on threads.
 *
 * where ∇ already includes the prior term δ~ θ (docs/design.md §2) and sq, when the method asks
 * for it (BLR_NEEDS_SQGRAD), is the minibatch mean of per-example squared gradients of the
 * data term. The training loop knows nothing else about any method. */
#ifndef BLR_RULE_H
#define BLR_RULE_H

#include <stddef.h>
#include <stdio.h>
#include "base.h"
#include "rng.h"

typedef enum { BLR_HESSIAN_PRICE, BLR_HESSIAN_GGN } blr_hessian_kind;
#define BLR_HESSIAN_COUNT 2
extern const char *const blr_hessian_names[BLR_HESSIAN_COUNT]; /* as written in YAML */

/* Hyperparameters of one method; the defaults of blr_method_cfg_defaults in brackets.
 * Unused fields are ignored by methods that do not need them, but blr_method_check still
 * validates every field, so a value that makes no sense is an error wherever it is set. */
typedef struct {
    char rule[32];        /* registry name: "lie-affine", "sgd", ... [""] */
    blr_base base;        /* q0 (kind, nu, scale) [gaussian, nu 0, scale 1] */
    double lr;            /* α (additive, multiplicative); α1, the b step (affine) [0.1] */
    double lr2;           /* α2, the A step (affine) [0.01] */
    double beta1;         /* momentum of the gradient / location direction [0.9] */
    double beta2;         /* momentum of the log-scale direction (affine), 2nd moment (adam)
                           * [0.999] */
    double temperature;   /* τ [1] */
    double prior_precision; /* δ [1] */
    double n_data;        /* N, so τ~ = τ/N and δ~ = δ/N [1; the runner sets it] */
    double init_offset;   /* c in g± = |w0±| + c (multiplicative), > 0 [1e-5] */
    double init_a;        /* A at start (affine) [1] */
    int fisher;           /* divide algebra directions by q0's Fisher constants [0] */
    int mc;               /* MC samples per step: accumulate calls per step, and the slots
                           * sample keeps its draws in [1] */
    /* baselines (docs/design.md §4) */
    double eps;           /* adam's ε [1e-8] */
    double hess_init;     /* initial Hessian / precision estimate (ivon, blr, vogn) [1] */
    double clip_radius;   /* ivon's update clipping; <= 0 means off [0] */
    double init_sd;       /* bbb: initial σ [1e-3] */
    blr_hessian_kind hessian; /* [price] */
} blr_method_cfg;

void blr_method_cfg_defaults(blr_method_cfg *cfg);

enum {
    BLR_NEEDS_SQGRAD = 1u << 0,   /* accumulate wants per-example squared gradients */
    BLR_NEEDS_TWO_INITS = 1u << 1, /* init wants two independent initial draws w0, w1 */
    BLR_POSITIVE_BASE = 1u << 2,  /* q0 must live on (0,∞) */
    BLR_SYMMETRIC_BASE = 1u << 3, /* q0 must live on R */
    BLR_NO_BASE = 1u << 4,        /* the method has its own family; `base` is ignored */
    BLR_DENSITY_BASE = 1u << 5    /* q0 must have a density (not dirac) */
};

typedef struct blr_method blr_method;

typedef struct {
    const char *name;    /* as written in YAML `rule:` */
    const char *summary; /* one line for `blr list` */
    unsigned flags;
    /* Allocates m->state. w1 is NULL unless BLR_NEEDS_TWO_INITS. */
    int (*init)(blr_method *m, const float *w0, const float *w1, char *err, size_t errlen);
    /* θ ~ q. Keeps what it drew in slot k (0 <= k < cfg.mc) for accumulate(k, ...); a
     * sample that is not accumulated (evaluation) may use any slot between steps. */
    void (*sample)(blr_method *m, int k, float *theta, blr_rng *rng);
    void (*accumulate)(blr_method *m, int k, const float *theta, const float *grad,
                       const float *sqgrad);
    /* Moves q with the averaged accumulations, then clears them. */
    void (*step)(blr_method *m, double lr_factor);
    void (*mean)(const blr_method *m, float *theta);              /* point estimate */
    void (*posterior)(const blr_method *m, float *mean, float *sd); /* sd: scale if no variance */
    /* Entropy of q in nats, as the method parameterizes it (docs/design.md §2); -INFINITY for
     * point masses. */
    double (*entropy)(const blr_method *m);
    int (*save)(const blr_method *m, FILE *f);
    int (*load)(blr_method *m, FILE *f);
    void (*free)(blr_method *m);
    /* Optional (NULL = none): names of the leading arrays of the flat state (blr_method_flat
     * below), NULL-terminated, for figures that show a method's own parameters (the filters
     * figure draws lie-multiplicative's "g+" and "g-"). */
    const char *const *arrays;
} blr_method_ops;

struct blr_method {
    const blr_method_ops *ops;
    unsigned flags;         /* in effect: ops->flags, plus what init adds for this cfg (e.g.
                             * BLR_NEEDS_SQGRAD for a Gauss-Newton Hessian); the training loop
                             * reads these */
    blr_method_cfg cfg;
    size_t n;               /* P */
    void *state;
    size_t state_arrays;    /* arrays of P floats the state holds, for the memory bound of a
                             * run (blr_method_flat_new sets it; a method with another
                             * layout sets it in init) */
    long invalid_updates;   /* coordinates repaired by the method: classic BLR's non-positive
                             * precisions, the Lie-group rules' saturated scales
                             * (blr_group_positive_clamp) */
};

/* Registry. find returns NULL for an unknown name; count/at enumerate for `blr list`. */
const blr_method_ops *blr_method_find(const char *name);
size_t blr_method_count(void);
const blr_method_ops *blr_method_at(size_t i);

/* Checks cfg against the method (finite positive step sizes, momenta in [0,1), a base that
 * fits, n > 0) without allocating. Returns 0 or -1 with a message. */
int blr_method_check(const blr_method_cfg *cfg, size_t n, char *err, size_t errlen);
/* check + allocate + init. A BLR_NO_BASE method gets the dirac base in m->cfg whatever
 * cfg->base says; that is how `sgd` is lie-additive with the dirac base (the same ops
 * functions under another name). */
int blr_method_create(blr_method **out, const blr_method_cfg *cfg, size_t n, const float *w0,
                      const float *w1, char *err, size_t errlen);
/* The same for an ops table that need not be in the registry (tests of a method being
 * written; cfg->rule is not looked up). */
int blr_method_create_ops(blr_method **out, const blr_method_ops *ops, const blr_method_cfg *cfg,
                          size_t n, const float *w0, const float *w1, char *err, size_t errlen);
void blr_method_free(blr_method *m);

/* Step-size factor at step t (0-based) of T: constant 1, or cosine 0.5(1 + cos(π t/T))
 * (0 from t = T on), with a linear warm-up (t+1)/warmup replacing it for t < warmup
 * (warmup <= 0: none). The cosine is not shifted by the warm-up.
 * cosine-epoch is the paper's code's schedule (its train.py): t, T and warmup count epochs,
 * and the cosine starts after the warm-up, 0.5(1 + cos(π (t - warmup)/(T - warmup))). Its
 * `--epochs E` trains E + 1 epochs with T = E + 1, so it never reaches 0. */
typedef enum {
    BLR_SCHEDULE_CONSTANT, BLR_SCHEDULE_COSINE, BLR_SCHEDULE_COSINE_EPOCH
} blr_schedule;
#define BLR_SCHEDULE_COUNT 3
extern const char *const blr_schedule_names[BLR_SCHEDULE_COUNT]; /* as written in YAML */
double blr_schedule_factor(blr_schedule s, long t, long total, long warmup);

/* Helpers for methods' save/load: write/read n floats, returning 0 or -1. */
int blr_method_write_floats(FILE *f, const float *x, size_t n);
int blr_method_read_floats(FILE *f, float *x, size_t n);
/* A checkpoint starts with a header naming the rule and P; read_header returns -1 when it
 * does not match m (another rule, another size) or the file is short. Floats are stored in
 * the machine's byte order: checkpoints are for resuming on the same machine. */
int blr_method_write_header(const blr_method *m, FILE *f);
int blr_method_read_header(const blr_method *m, FILE *f);

/* The flat state every method keeps (docs/design.md §6): one allocation of `arrays` float arrays of
 * length P, of which the first `saved` are the checkpoint and the rest per-step scratch;
 * `count` accumulate calls since the last step; `t` steps taken (for bias corrections). A
 * draw kept per sample takes cfg.mc consecutive arrays, slot k of it at + k·P. A
 * method's state struct starts with this header, so that the shared new/save/load/free below
 * serve every method, and a checkpoint is: header, the saved arrays, t. */
typedef struct {
    float *buf;
    size_t arrays, saved;
    int count;
    long t;
} blr_method_flat;

/* Allocates a zeroed state struct of `size` bytes (starting with blr_method_flat) and its
 * arrays into m->state, and returns it; NULL with a message when out of memory. */
void *blr_method_flat_new(blr_method *m, size_t size, size_t arrays, size_t saved, char *err,
                          size_t errlen);
int blr_method_flat_save(const blr_method *m, FILE *f);
/* Loading happens between steps: the scratch arrays and count start empty. */
int blr_method_flat_load(blr_method *m, FILE *f);
void blr_method_flat_free(blr_method *m);
/* accumulate for a method whose sum is Σ ∇ (lie-additive, sgd, adam): sum = ∇ at the first
 * sample of a step (flat->count 0), so nothing has to clear it, else sum += ∇; counts the
 * sample. One vectorized pass over P, split over threads. */
void blr_method_sum_gradient(blr_method_flat *flat, float *sum, const float *grad, size_t n);
/* The same for a method that also sums ξ ⊙ ∇ with its draw ξ (lie-affine, bbb): sum = Σ ∇,
 * sum_xi = Σ ξ ⊙ ∇. */
void blr_method_sum_gradient_xi(blr_method_flat *flat, float *sum, float *sum_xi,
                                const float *grad, const float *xi, size_t n);

/* θ = A ⊙ ξ + b (blr_group_affine_act) in one pass over n split over threads: the sample
 * action of lie-affine, and bbb's reparameterization θ = μ + σ ⊙ ε. */
void blr_method_affine_act(size_t n, const float *a, const float *b, const float *xi,
                           float *theta);

/* The flat state's array named `name` in ops->arrays (length P), or NULL. */
const float *blr_method_array(const blr_method *m, const char *name);

/* Helper for methods with an option `fisher`: the reciprocals of q0's Fisher constants
 * (location 1/F_v, log-scale 1/F_u; docs/design.md §3.6), or 1 and 1 when cfg->fisher is off.
 * 1/F_v is NAN for bases on (0,∞). Returns 0 or -1 with a message. */
int blr_method_fisher_scale(const blr_method_cfg *cfg, double *inv_fv, double *inv_fu,
                            char *err, size_t errlen);

/* Helper for posterior(): the sd of ξ ~ q0, or its scale s where the variance is infinite
 * (student-t with nu <= 2). */
double blr_method_base_sd(const blr_base *b);

/* The ops tables of the Lie-group rules (lib/rule_*.c). */
extern const blr_method_ops blr_rule_additive_ops;       /* "lie-additive" */
extern const blr_method_ops blr_rule_sgd_ops;            /* "sgd" */
extern const blr_method_ops blr_rule_multiplicative_ops; /* "lie-multiplicative" */
extern const blr_method_ops blr_rule_affine_ops;         /* "lie-affine" */

#endif
