/* The method registry, configuration defaults and checks, creation, the step-size
 * schedule and the checkpoint helpers shared by every method (docs/design.md §5). */
#include "rule.h"

#include "baselines.h"
#include "fastmath.h"
#include "group.h"
#include "threads.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Read-only table: one line per method, in the order `blr list` shows them. */
static const blr_method_ops *const registry[] = {
    &blr_rule_sgd_ops,
    &blr_rule_additive_ops,
    &blr_rule_multiplicative_ops,
    &blr_rule_affine_ops,
    &blr_baseline_adam_ops,
    &blr_baseline_bbb_ops,
    &blr_baseline_blr_ops,
    &blr_baseline_vogn_ops,
    &blr_baseline_ivon_ops,
};

#define REGISTRY_COUNT (sizeof registry / sizeof registry[0])

const blr_method_ops *blr_method_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < REGISTRY_COUNT; i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

size_t blr_method_count(void)
{
    return REGISTRY_COUNT;
}

const blr_method_ops *blr_method_at(size_t i)
{
    return i < REGISTRY_COUNT ? registry[i] : NULL;
}

void blr_method_cfg_defaults(blr_method_cfg *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->base.kind = BLR_BASE_GAUSSIAN;
    cfg->base.nu = 0.0;
    cfg->base.scale = 1.0;
    cfg->lr = 0.1;
    cfg->lr2 = 0.01;
    cfg->beta1 = 0.9;
    cfg->beta2 = 0.999;
    cfg->temperature = 1.0;
    cfg->prior_precision = 1.0;
    cfg->n_data = 1.0;
    cfg->init_offset = 1e-5;
    cfg->init_a = 1.0;
    cfg->fisher = 0;
    cfg->mc = 1;
    cfg->eps = 1e-8;
    cfg->hess_init = 1.0;
    cfg->clip_radius = 0.0;
    cfg->init_sd = 1e-3;
    cfg->hessian = BLR_HESSIAN_PRICE;
}

static int check_positive(double x, const char *field, char *err, size_t errlen)
{
    if (isfinite(x) && x > 0.0)
        return 0;
    snprintf(err, errlen, "%s must be finite and > 0 (got %g)", field, x);
    return -1;
}

static int check_momentum(double x, const char *field, char *err, size_t errlen)
{
    if (x >= 0.0 && x < 1.0)
        return 0;
    snprintf(err, errlen, "%s must be in [0, 1) (got %g)", field, x);
    return -1;
}

/* The base a method actually uses: dirac for methods with their own family. */
static blr_base effective_base(const blr_method_ops *ops, const blr_base *b)
{
    if (ops->flags & BLR_NO_BASE) {
        blr_base d = {BLR_BASE_DIRAC, 0.0, 1.0};
        return d;
    }
    return *b;
}

/* Validates the base the method will use (dirac for methods with their own family)
 * against the method's flags and writes it, normalized by blr_base_init, to *out. */
static int check_base(const blr_method_ops *ops, const blr_method_cfg *cfg, blr_base *out,
                      char *err, size_t errlen)
{
    blr_base b = effective_base(ops, &cfg->base);
    if (blr_base_init(out, b.kind, b.nu, b.scale, err, errlen) != 0)
        return -1;
    const char *name = blr_base_name(b.kind);
    int positive = blr_base_is_positive(b.kind);
    if ((ops->flags & BLR_POSITIVE_BASE) && !positive) {
        snprintf(err, errlen,
                 "base: rule '%s' needs a base on (0,inf) (rayleigh, lognormal, exponential), "
                 "not '%s'", ops->name, name);
        return -1;
    }
    if ((ops->flags & BLR_SYMMETRIC_BASE) && positive) {
        snprintf(err, errlen, "base: rule '%s' needs a base on R, not '%s'", ops->name, name);
        return -1;
    }
    if ((ops->flags & BLR_DENSITY_BASE) && b.kind == BLR_BASE_DIRAC) {
        snprintf(err, errlen, "base: rule '%s' needs a base with a density, not 'dirac'",
                 ops->name);
        return -1;
    }
    if (cfg->fisher && b.kind == BLR_BASE_DIRAC) {
        snprintf(err, errlen, "fisher: rule '%s' with base 'dirac' has no Fisher constants",
                 ops->name);
        return -1;
    }
    return 0;
}

/* Everything but the base. */
static int check_fields(const blr_method_ops *ops, const blr_method_cfg *cfg, size_t n,
                        char *err, size_t errlen)
{
    if (n == 0) {
        snprintf(err, errlen, "rule '%s': the model has no parameters (n = 0)", ops->name);
        return -1;
    }
    if (check_positive(cfg->lr, "lr", err, errlen) ||
        check_positive(cfg->lr2, "lr2", err, errlen) ||
        check_positive(cfg->temperature, "temperature", err, errlen) ||
        check_positive(cfg->n_data, "n_data", err, errlen) ||
        check_positive(cfg->init_offset, "init_offset", err, errlen) ||
        check_positive(cfg->init_a, "init_a", err, errlen) ||
        check_positive(cfg->eps, "eps", err, errlen) ||
        check_positive(cfg->hess_init, "hess_init", err, errlen) ||
        check_positive(cfg->init_sd, "init_sd", err, errlen) ||
        check_momentum(cfg->beta1, "beta1", err, errlen) ||
        check_momentum(cfg->beta2, "beta2", err, errlen))
        return -1;
    if (!(isfinite(cfg->prior_precision) && cfg->prior_precision >= 0.0)) {
        snprintf(err, errlen, "prior_precision must be finite and >= 0 (got %g)",
                 cfg->prior_precision);
        return -1;
    }
    if (!isfinite(cfg->clip_radius)) {
        snprintf(err, errlen, "clip_radius must be finite (<= 0 means off)");
        return -1;
    }
    if (cfg->mc < 1) {
        snprintf(err, errlen, "mc must be >= 1 (got %d)", cfg->mc);
        return -1;
    }
    if (cfg->hessian != BLR_HESSIAN_PRICE && cfg->hessian != BLR_HESSIAN_GGN) {
        snprintf(err, errlen, "hessian: unknown kind %d", (int)cfg->hessian);
        return -1;
    }
    return 0;
}

/* check + the validated base; returns the method's ops or NULL with a message. */
/* Every check of cfg against the method ops (field ranges, a base that fits). */
static int check_ops(const blr_method_ops *ops, const blr_method_cfg *cfg, size_t n,
                     blr_base *base, char *err, size_t errlen)
{
    if (check_fields(ops, cfg, n, err, errlen) != 0 ||
        check_base(ops, cfg, base, err, errlen) != 0)
        return -1;
    return 0;
}

static const blr_method_ops *check_all(const blr_method_cfg *cfg, size_t n, blr_base *base,
                                       char *err, size_t errlen)
{
    const blr_method_ops *ops = blr_method_find(cfg->rule);
    if (!ops) {
        snprintf(err, errlen, "rule: unknown rule '%s'", cfg->rule);
        return NULL;
    }
    return check_ops(ops, cfg, n, base, err, errlen) == 0 ? ops : NULL;
}

int blr_method_check(const blr_method_cfg *cfg, size_t n, char *err, size_t errlen)
{
    blr_base base;
    return check_all(cfg, n, &base, err, errlen) ? 0 : -1;
}

int blr_method_create(blr_method **out, const blr_method_cfg *cfg, size_t n, const float *w0,
                      const float *w1, char *err, size_t errlen)
{
    *out = NULL;
    const blr_method_ops *ops = blr_method_find(cfg->rule);
    if (!ops) {
        snprintf(err, errlen, "rule: unknown rule '%s'", cfg->rule);
        return -1;
    }
    return blr_method_create_ops(out, ops, cfg, n, w0, w1, err, errlen);
}

int blr_method_create_ops(blr_method **out, const blr_method_ops *ops, const blr_method_cfg *cfg,
                          size_t n, const float *w0, const float *w1, char *err, size_t errlen)
{
    *out = NULL;
    blr_base base;
    if (check_ops(ops, cfg, n, &base, err, errlen) != 0)
        return -1;
    if (!w0 || ((ops->flags & BLR_NEEDS_TWO_INITS) && !w1)) {
        snprintf(err, errlen, "rule '%s': missing initial weights%s", ops->name,
                 (ops->flags & BLR_NEEDS_TWO_INITS) ? " (it needs two draws, w0 and w1)" : "");
        return -1;
    }
    blr_method *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errlen, "rule '%s': out of memory", ops->name);
        return -1;
    }
    m->ops = ops;
    m->flags = ops->flags;
    m->cfg = *cfg;
    m->cfg.base = base;
    m->n = n;
    if (ops->init(m, w0, (ops->flags & BLR_NEEDS_TWO_INITS) ? w1 : NULL, err, errlen) != 0) {
        free(m);
        return -1;
    }
    *out = m;
    return 0;
}

void blr_method_free(blr_method *m)
{
    if (!m)
        return;
    m->ops->free(m);
    free(m);
}

const char *const blr_schedule_names[BLR_SCHEDULE_COUNT] = {"constant", "cosine",
                                                            "cosine-epoch"};
const char *const blr_hessian_names[BLR_HESSIAN_COUNT] = {"price", "ggn"};

double blr_schedule_factor(blr_schedule s, long t, long total, long warmup)
{
    if (warmup > 0 && t < warmup)
        return (double)(t + 1) / (double)warmup;
    if (s == BLR_SCHEDULE_CONSTANT || total <= 0)
        return 1.0;
    if (s == BLR_SCHEDULE_COSINE_EPOCH && warmup > 0) {
        t -= warmup;
        total -= warmup;
        if (total <= 0)
            return 1.0;
    }
    if (t > total)
        t = total;
    return 0.5 * (1.0 + cos(3.14159265358979323846 * (double)t / (double)total));
}

int blr_method_write_floats(FILE *f, const float *x, size_t n)
{
    return fwrite(x, sizeof *x, n, f) == n ? 0 : -1;
}

int blr_method_read_floats(FILE *f, float *x, size_t n)
{
    return fread(x, sizeof *x, n, f) == n ? 0 : -1;
}

/* Header: a magic tag, the rule name in a fixed 32-byte field, and P as uint64. */
static const char checkpoint_magic[8] = {'L', 'I', 'E', 'B', 'L', 'R', 'C', '1'};

int blr_method_write_header(const blr_method *m, FILE *f)
{
    char name[32] = {0};
    snprintf(name, sizeof name, "%s", m->ops->name);
    uint64_t n = (uint64_t)m->n;
    if (fwrite(checkpoint_magic, 1, sizeof checkpoint_magic, f) != sizeof checkpoint_magic ||
        fwrite(name, 1, sizeof name, f) != sizeof name || fwrite(&n, sizeof n, 1, f) != 1)
        return -1;
    return 0;
}

int blr_method_read_header(const blr_method *m, FILE *f)
{
    char magic[sizeof checkpoint_magic], name[32], want[32] = {0};
    uint64_t n;
    if (fread(magic, 1, sizeof magic, f) != sizeof magic || fread(name, 1, sizeof name, f) !=
        sizeof name || fread(&n, sizeof n, 1, f) != 1)
        return -1;
    snprintf(want, sizeof want, "%s", m->ops->name);
    if (memcmp(magic, checkpoint_magic, sizeof magic) != 0 ||
        memcmp(name, want, sizeof name) != 0 || n != (uint64_t)m->n)
        return -1;
    return 0;
}

void *blr_method_flat_new(blr_method *m, size_t size, size_t arrays, size_t saved, char *err,
                          size_t errlen)
{
    blr_method_flat *s = calloc(1, size);
    if (!s || !(s->buf = calloc(arrays * m->n, sizeof(float)))) {
        free(s);
        snprintf(err, errlen, "%s: out of memory for %zu parameters", m->ops->name, m->n);
        return NULL;
    }
    s->arrays = arrays;
    s->saved = saved;
    m->state = s;
    m->state_arrays = arrays;
    return s;
}

int blr_method_flat_save(const blr_method *m, FILE *f)
{
    const blr_method_flat *s = m->state;
    uint64_t t = (uint64_t)s->t;
    if (blr_method_write_header(m, f) != 0 ||
        blr_method_write_floats(f, s->buf, s->saved * m->n) != 0 ||
        fwrite(&t, sizeof t, 1, f) != 1)
        return -1;
    return 0;
}

int blr_method_flat_load(blr_method *m, FILE *f)
{
    blr_method_flat *s = m->state;
    uint64_t t;
    if (blr_method_read_header(m, f) != 0 ||
        blr_method_read_floats(f, s->buf, s->saved * m->n) != 0 ||
        fread(&t, sizeof t, 1, f) != 1 || t > (uint64_t)LONG_MAX)
        return -1;
    s->t = (long)t;
    memset(s->buf + s->saved * m->n, 0, (s->arrays - s->saved) * m->n * sizeof(float));
    s->count = 0;
    return 0;
}

void blr_method_flat_free(blr_method *m)
{
    blr_method_flat *s = m->state;
    if (s)
        free(s->buf);
    free(s);
    m->state = NULL;
}

const float *blr_method_array(const blr_method *m, const char *name)
{
    const blr_method_flat *flat = m->state;
    for (size_t k = 0; m->ops->arrays && m->ops->arrays[k]; k++)
        if (strcmp(m->ops->arrays[k], name) == 0 && k < flat->arrays)
            return flat->buf + k * m->n;
    return NULL;
}

int blr_method_fisher_scale(const blr_method_cfg *cfg, double *inv_fv, double *inv_fu,
                            char *err, size_t errlen)
{
    *inv_fv = *inv_fu = 1.0;
    if (!cfg->fisher)
        return 0;
    double fv, fu;
    char msg[160];
    if (blr_base_fisher(&cfg->base, &fv, &fu, msg, sizeof msg) != 0) {
        snprintf(err, errlen, "fisher: %s", msg);
        return -1;
    }
    *inv_fv = 1.0 / fv;
    *inv_fu = 1.0 / fu;
    return 0;
}

/* `first` and whether sum_xi is kept are constants in each of the loops of
 * sum_gradient_range, so all are branch-free and vectorize. */
BLR_FASTMATH_INLINE void sum_gradient_block(size_t len, int first, float *restrict sum,
                                            const float *restrict grad)
{
    for (size_t i = 0; i < len; i++)
        sum[i] = first ? grad[i] : sum[i] + grad[i];
}

BLR_FASTMATH_INLINE void sum_gradient_xi_block(size_t len, int first, float *restrict sum,
                                               float *restrict sum_xi,
                                               const float *restrict grad,
                                               const float *restrict xi)
{
    for (size_t i = 0; i < len; i++) {
        const float xg = xi[i] * grad[i];
        sum[i] = first ? grad[i] : sum[i] + grad[i];
        sum_xi[i] = first ? xg : sum_xi[i] + xg;
    }
}

typedef struct {
    float *sum, *sum_xi; /* sum_xi NULL: Σ ∇ only */
    const float *grad, *xi;
    int first;
} sum_gradient_pass;

BLR_FASTMATH_INLINE void sum_gradient_run(const sum_gradient_pass *a, int first, size_t lo,
                                          size_t hi)
{
    if (a->sum_xi) {
        BLR_FASTMATH_FOR_BLOCKS(i, len, lo, hi,
                                sum_gradient_xi_block(len, first, a->sum + i, a->sum_xi + i,
                                                      a->grad + i, a->xi + i));
    } else {
        BLR_FASTMATH_FOR_BLOCKS(i, len, lo, hi,
                                sum_gradient_block(len, first, a->sum + i, a->grad + i));
    }
}

static long sum_gradient_range(void *p, size_t lo, size_t hi)
{
    const sum_gradient_pass *a = p;
    if (a->first)
        sum_gradient_run(a, 1, lo, hi);
    else
        sum_gradient_run(a, 0, lo, hi);
    return 0;
}

void blr_method_sum_gradient(blr_method_flat *flat, float *sum, const float *grad, size_t n)
{
    blr_method_sum_gradient_xi(flat, sum, NULL, grad, NULL, n);
}

void blr_method_sum_gradient_xi(blr_method_flat *flat, float *sum, float *sum_xi,
                                const float *grad, const float *xi, size_t n)
{
    sum_gradient_pass a = {
        .sum = sum, .sum_xi = sum_xi, .grad = grad, .xi = xi, .first = flat->count == 0};
    blr_threads_for(n, sum_gradient_range, &a);
    flat->count++;
}

typedef struct {
    const float *a, *b, *xi;
    float *theta;
} affine_act_pass;

static long affine_act_range(void *p, size_t lo, size_t hi)
{
    const affine_act_pass *x = p;
    blr_group_affine_act(hi - lo, x->a + lo, x->b + lo, x->xi + lo, x->theta + lo);
    return 0;
}

void blr_method_affine_act(size_t n, const float *a, const float *b, const float *xi,
                           float *theta)
{
    affine_act_pass x = {.a = a, .b = b, .xi = xi, .theta = theta};
    blr_threads_for(n, affine_act_range, &x);
}

double blr_method_base_sd(const blr_base *b)
{
    double mean, var;
    return blr_base_moments(b, &mean, &var) == 0 ? sqrt(var) : b->scale;
}
