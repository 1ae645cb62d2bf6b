/* The hyperparameter list's table, configuration defaults and checks, creation, the
 * step-size schedule and the checkpoint helpers shared by every method (docs/design.md §5). */
#include "rule.h"

#include "fastmath.h"
#include "group.h"
#include "threads.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *const blr_schedule_names[BLR_SCHEDULE_COUNT] = {"constant", "cosine",
                                                            "cosine-epoch"};
const char *const blr_hessian_names[BLR_HESSIAN_COUNT] = {"price", "ggn"};

#define HYPER_ROW(k, t, d, range, s, doc_)                                                     \
    {.key = #k, .type = BLR_HYPER_##t, .scope = BLR_HYPER_##s,                                 \
     .off = offsetof(blr_method_cfg, k), .def = (d), .def_text = #d, range, .doc = doc_},
const blr_hyper blr_hypers[BLR_HYPER_COUNT] = {BLR_METHOD_HYPERS(HYPER_ROW)};

const blr_hyper *blr_hyper_find(const char *key)
{
    for (size_t i = 0; i < BLR_HYPER_COUNT; i++)
        if (strcmp(blr_hypers[i].key, key) == 0)
            return &blr_hypers[i];
    return NULL;
}

double blr_hyper_get(const blr_method_cfg *cfg, const blr_hyper *h)
{
    const char *field = (const char *)cfg + h->off;
    return h->type == BLR_HYPER_NUM ? *(const double *)(const void *)field
                                    : *(const int *)(const void *)field;
}

void blr_hyper_set(blr_method_cfg *cfg, const blr_hyper *h, double v)
{
    char *field = (char *)cfg + h->off;
    if (h->type == BLR_HYPER_NUM)
        *(double *)(void *)field = v;
    else
        *(int *)(void *)field = (int)v;
}

void blr_hyper_range_text(const blr_hyper *h, char *buf, size_t size)
{
    if (h->type == BLR_HYPER_WORD) {
        size_t used = 0;
        for (size_t i = 0; i < h->n_words && used < size; i++)
            used += (size_t)snprintf(buf + used, size - used, "%s`%s`",
                                     i == 0 ? "" : i + 1 < h->n_words ? ", " : " or ",
                                     h->words[i]);
    } else if (h->type == BLR_HYPER_BOOL)
        snprintf(buf, size, "true or false");
    else if (isinf(h->lo) && isinf(h->hi))
        snprintf(buf, size, "finite");
    else if (isinf(h->hi))
        snprintf(buf, size, "%s %g", h->lo_open ? ">" : "≥", h->lo);
    else
        snprintf(buf, size, "%c%g, %g%c", h->lo_open ? '(' : '[', h->lo, h->hi,
                 h->hi_open ? ')' : ']');
}

int blr_method_uses(const blr_method_ops *ops, const blr_hyper *h)
{
    return h->scope == BLR_HYPER_TRAIN || (ops->uses >> (h - blr_hypers) & 1u);
}

void blr_method_cfg_defaults(blr_method_cfg *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->base.kind = BLR_BASE_GAUSSIAN;
    cfg->base.nu = 0.0;
    cfg->base.scale = 1.0;
    for (size_t i = 0; i < BLR_HYPER_COUNT; i++)
        blr_hyper_set(cfg, &blr_hypers[i], blr_hypers[i].def);
    cfg->n_data = 1.0;
    cfg->mc = 1;
}

/* x within [lo, hi] (each bound open or closed) and finite; else a message naming key. */
static int check_range(const char *key, double x, double lo, int lo_open, double hi,
                       int hi_open, char *err, size_t errlen)
{
    if (isfinite(x) && (lo_open ? x > lo : x >= lo) && (hi_open ? x < hi : x <= hi))
        return 0;
    if (isinf(lo) && isinf(hi))
        snprintf(err, errlen, "%s must be finite (got %g)", key, x);
    else if (isinf(hi))
        snprintf(err, errlen, "%s must be finite and %s %g (got %g)", key, lo_open ? ">" : ">=",
                 lo, x);
    else
        snprintf(err, errlen, "%s must be in %c%g, %g%c (got %g)", key, lo_open ? '(' : '[',
                 lo, hi, hi_open ? ')' : ']', x);
    return -1;
}

static int check_hyper(const blr_hyper *h, const blr_method_cfg *cfg, char *err, size_t errlen)
{
    double x = blr_hyper_get(cfg, h);
    if (h->type != BLR_HYPER_WORD)
        return check_range(h->key, x, h->lo, h->lo_open, h->hi, h->hi_open, err, errlen);
    if (x >= 0 && x < (double)h->n_words)
        return 0;
    snprintf(err, errlen, "%s: unknown kind %d", h->key, (int)x);
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
    for (size_t i = 0; i < BLR_HYPER_COUNT; i++)
        if (check_hyper(&blr_hypers[i], cfg, err, errlen) != 0)
            return -1;
    if (check_range("n_data", cfg->n_data, 0, 1, INFINITY, 0, err, errlen) != 0)
        return -1;
    if (cfg->mc < 1) {
        snprintf(err, errlen, "mc must be >= 1 (got %d)", cfg->mc);
        return -1;
    }
    return 0;
}

/* Every check of cfg against the method ops (field ranges, a base that fits). */
static int check_ops(const blr_method_ops *ops, const blr_method_cfg *cfg, size_t n,
                     blr_base *base, char *err, size_t errlen)
{
    if (check_fields(ops, cfg, n, err, errlen) != 0 ||
        check_base(ops, cfg, base, err, errlen) != 0)
        return -1;
    return 0;
}

int blr_method_check_ops(const blr_method_ops *ops, const blr_method_cfg *cfg, size_t n,
                         char *err, size_t errlen)
{
    blr_base base;
    return check_ops(ops, cfg, n, &base, err, errlen);
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
