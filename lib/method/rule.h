/* The method interface (docs/design.md §5) and the list of method hyperparameters.
 *
 * Every optimizer — the Lie-group rules of lib/ and the baselines of baselines/ — is one
 * blr_method_ops table over flat float arrays of length P. A training step is
 *
 *     for each sample k < mc:  sample(k, θ_k) ; ∇_k = ∇ lbar_B(θ_k) ; accumulate(k, θ_k, ∇_k, sq_k)
 *     step(lr_factor)
 *
 * where the k-th sample's draw is kept in slot k, so that the mc samples may all be drawn
 * first and accumulated after their gradients were computed in parallel (lib/run/step.c); the
 * accumulates still come in the order k = 0, 1, ... so the sums do not depend on threads.
 *
 * where ∇ already includes the prior term δ~ θ (docs/design.md §2) and sq, when the method asks
 * for it (BLR_NEEDS_SQGRAD), is the minibatch mean of per-example squared gradients of the
 * data term. The training loop knows nothing else about any method. The methods by name are
 * registry.h's, which sits above this interface and every method. */
#ifndef BLR_RULE_H
#define BLR_RULE_H

#include <stddef.h>
#include <stdio.h>
#include "base.h"
#include "rng.h"

typedef enum { BLR_HESSIAN_PRICE, BLR_HESSIAN_GGN } blr_hessian_kind;
#define BLR_HESSIAN_COUNT 2
extern const char *const blr_hessian_names[BLR_HESSIAN_COUNT]; /* as written in YAML */

/* The hyperparameters of a method, one line each: adding one is a line here (the struct
 * field, its default, its range check, its YAML key, its runs.csv column and its row of the
 * method-key table in docs/experiments.md all follow, and a test compares that table with
 * this list). A method names the METHOD keys it reads in its ops' `uses`; a key written for
 * a rule that does not use it is an error in an experiment file.
 *
 *   X(key, type, default, range, scope, doc)
 *
 * key      the field of blr_method_cfg and the YAML key
 * type     NUM (double), BOOL (int: YAML true/false) or WORD (int: the index of a name)
 * default  what blr_method_cfg_defaults sets (docs show it as written here)
 * range    BLR_ABOVE(a), BLR_AT_LEAST(a), BLR_UNIT ([0, 1)), BLR_FINITE, BLR_FLAG, or
 *          BLR_WORDS(names, count); blr_method_check refuses values outside it
 * scope    METHOD: a key of a method entry; TRAIN: a key of the train section (that a method
 *          entry may override) which the methods read too, so it applies to every rule
 * doc      one line for the docs table (without the rules: they follow from `uses`)
 *
 * The runs.csv columns come in this order; the docs table too. Not here: `rule` and `base`
 * (names that select code), `nu` and `base_scale` (fields of the base, checked by
 * blr_base_init), and n_data and mc (set by the runner from the data and `mc_train`). */
#define BLR_METHOD_HYPERS(X)                                                                   \
    X(lr, NUM, 0.1, BLR_ABOVE(0), METHOD,                                                      \
      "α (additive, multiplicative, the baselines); α1, the b step (affine)")                  \
    X(lr2, NUM, 0.01, BLR_ABOVE(0), METHOD, "α2, the A step (affine)")                         \
    X(beta1, NUM, 0.9, BLR_UNIT, METHOD, "momentum of the gradient (of the location: affine)") \
    X(beta2, NUM, 0.999, BLR_UNIT, METHOD,                                                     \
      "momentum of the log-scale direction (affine); of the second moment (the baselines)")    \
    X(temperature, NUM, 1, BLR_ABOVE(0), TRAIN, "τ")                                           \
    X(prior_precision, NUM, 1, BLR_AT_LEAST(0), TRAIN, "δ")                                    \
    X(init_offset, NUM, 1e-5, BLR_ABOVE(0), METHOD, "c in g± = |w0±| + c (multiplicative)")    \
    X(init_a, NUM, 1, BLR_ABOVE(0), METHOD, "A at the start (affine)")                         \
    X(fisher, BOOL, 0, BLR_FLAG, METHOD,                                                       \
      "divide the Lie-algebra directions by q0's Fisher constants")                           \
    X(eps, NUM, 1e-8, BLR_ABOVE(0), METHOD, "Adam's ε")                                        \
    X(hess_init, NUM, 1, BLR_ABOVE(0), METHOD,                                                 \
      "initial curvature (blr: S0 = hess_init·N/τ; vogn: s0; ivon: h0)")                       \
    X(hessian, WORD, BLR_HESSIAN_PRICE, BLR_WORDS(blr_hessian_names, BLR_HESSIAN_COUNT),       \
      METHOD, "the Hessian estimate: `price` (∇·ε/σ) or `ggn` (per-example squared gradients)") \
    X(clip_radius, NUM, 0, BLR_FINITE, METHOD, "elementwise clipping of the update; ≤ 0 = off") \
    X(init_sd, NUM, 1e-3, BLR_ABOVE(0), METHOD, "the initial σ")

/* The range column: value bounds, each open or closed (an infinite bound still requires a
 * finite value), or the names of a WORD. */
#define BLR_ABOVE(a) .lo = (a), .hi = INFINITY, .lo_open = 1
#define BLR_AT_LEAST(a) .lo = (a), .hi = INFINITY
#define BLR_UNIT .lo = 0, .hi = 1, .hi_open = 1
#define BLR_FINITE .lo = -INFINITY, .hi = INFINITY
#define BLR_FLAG .lo = 0, .hi = 1
#define BLR_WORDS(names, count) .words = (names), .n_words = (count)

#define BLR_HYPER_FIELD_NUM double
#define BLR_HYPER_FIELD_BOOL int
#define BLR_HYPER_FIELD_WORD int
#define BLR_HYPER_FIELD(key, type, def, range, scope, doc) BLR_HYPER_FIELD_##type key;

/* Hyperparameters of one method. Unused fields are ignored by methods that do not need them,
 * but blr_method_check still validates every field, so a value that makes no sense is an
 * error wherever it is set. */
typedef struct {
    char rule[32];        /* registry name: "lie-affine", "sgd", ... [""] */
    blr_base base;        /* q0 (kind, nu, scale) [gaussian, nu 0, scale 1] */
    BLR_METHOD_HYPERS(BLR_HYPER_FIELD)
    double n_data;        /* N, so τ~ = τ/N and δ~ = δ/N [1; the runner sets it] */
    int mc;               /* MC samples per step: accumulate calls per step, and the slots
                           * sample keeps its draws in [1] */
} blr_method_cfg;

/* BLR_HYPER_<key>: the index of a key in the list, so BLR_USES(lr) | BLR_USES(beta1) is an
 * ops' `uses`. */
#define BLR_HYPER_INDEX(key, ...) BLR_HYPER_##key,
enum { BLR_METHOD_HYPERS(BLR_HYPER_INDEX) BLR_HYPER_COUNT };
#define BLR_USES(key) (1ull << BLR_HYPER_##key)
_Static_assert(BLR_HYPER_COUNT <= 64, "an ops' uses is a 64-bit mask");

typedef enum { BLR_HYPER_NUM, BLR_HYPER_BOOL, BLR_HYPER_WORD } blr_hyper_type;
typedef enum { BLR_HYPER_METHOD, BLR_HYPER_TRAIN } blr_hyper_scope;

/* One line of the list, for code that walks it (config, runs.csv, the docs test). */
typedef struct {
    const char *key;
    blr_hyper_type type;
    blr_hyper_scope scope;
    size_t off;               /* of the field in blr_method_cfg */
    double def;
    const char *def_text;     /* the default as written in the list */
    double lo, hi;            /* NUM, BOOL: the range */
    int lo_open, hi_open;
    const char *const *words; /* WORD: its names, n_words of them */
    size_t n_words;
    const char *doc;
} blr_hyper;

extern const blr_hyper blr_hypers[BLR_HYPER_COUNT]; /* in the list's order */
/* The line of `key`, or NULL. */
const blr_hyper *blr_hyper_find(const char *key);
/* A field's value (an int field as a double), and setting it. */
double blr_hyper_get(const blr_method_cfg *cfg, const blr_hyper *h);
void blr_hyper_set(blr_method_cfg *cfg, const blr_hyper *h, double v);
/* The text of a range ("> 0", "[0, 1)", "`price` or `ggn`", ...) for docs. */
void blr_hyper_range_text(const blr_hyper *h, char *buf, size_t size);

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
    /* The METHOD keys of BLR_METHOD_HYPERS the method reads: BLR_USES(lr) | ... */
    unsigned long long uses;
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

/* Checks cfg against the method ops (every hyperparameter in its range, a base that fits,
 * n > 0) without allocating; cfg->rule is not looked up (registry.h does that). Returns 0 or
 * -1 with a message. */
/* Whether the method reads hyperparameter h: a METHOD key its `uses` names, or any TRAIN key. */
int blr_method_uses(const blr_method_ops *ops, const blr_hyper *h);
int blr_method_check_ops(const blr_method_ops *ops, const blr_method_cfg *cfg, size_t n,
                         char *err, size_t errlen);
/* check + allocate + init. A BLR_NO_BASE method gets the dirac base in m->cfg whatever
 * cfg->base says; that is how `sgd` is lie-additive with the dirac base (the same ops
 * functions under another name). */
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

#endif
