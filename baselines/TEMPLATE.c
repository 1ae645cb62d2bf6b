/* TEMPLATE for a new method — copy to baselines/<name>.c, rename `template` throughout, and
 * replace the update with yours. `make test` compiles this file (it is not linked), so it
 * stays a working starting point: plain gradient descent on a point mass.
 *
 * Adding a method takes one line outside this file (baselines/README.md):
 *   lib/method/registry.h, BLR_METHODS:  X(blr_baseline_<name>_ops)
 * and `.uses` below names the hyperparameters it reads (lib/method/rule.h, BLR_METHOD_HYPERS); use
 * it in an experiment: - {name: mine, rule: <name>, lr: 0.1}
 * tests/test_conformance.c then checks it against the interface automatically; add a
 * tests/test_baseline_<name>.c for its own math (tests/fixture_linreg.h has an exact posterior).
 *
 * What the training loop guarantees (lib/method/rule.h): per step, `mc` times sample -> gradient ->
 * accumulate, then one step(lr_factor). The gradient already includes the prior term δ~θ of
 * the objective (docs/design.md §2), so every method minimizes the same L(q). */
#include <math.h>

#include "rule.h"

/* The arrays of the state, in one allocation: the first SAVED_ARRAYS make the checkpoint
 * (blr_method_flat_save), the rest are per-step scratch that a load clears. A method that
 * keeps its draws for accumulate adds m->cfg.mc arrays, one slot per sample (lib/method/rule.h). */
enum { SAVED_ARRAYS = 1, ALL_ARRAYS = 2 };

typedef struct {
    blr_method_flat flat; /* first: the shared new/save/load/free use it */
    float *w;             /* the point estimate */
    float *sum;           /* Σ ∇ over this step's samples */
} template_state;

static int template_init(blr_method *m, const float *w0, const float *w1, char *err,
                         size_t errlen)
{
    (void)w1;
    /* The family this method reports in runs.csv's base column. */
    if (blr_base_init(&m->cfg.base, BLR_BASE_DIRAC, 0, 1, err, errlen) != 0)
        return -1;
    template_state *s = blr_method_flat_new(m, sizeof *s, ALL_ARRAYS, SAVED_ARRAYS, err, errlen);
    if (!s)
        return -1;
    s->w = s->flat.buf;
    s->sum = s->flat.buf + m->n;
    for (size_t i = 0; i < m->n; i++)
        s->w[i] = w0[i];
    return 0;
}

static void template_mean(const blr_method *m, float *theta)
{
    const template_state *s = m->state;
    for (size_t i = 0; i < m->n; i++)
        theta[i] = s->w[i];
}

/* A point mass: every draw is the mean. A method with noise draws from rng here and
 * keeps the draw in slot k for accumulate(k, ...). */
static void template_sample(blr_method *m, int k, float *theta, blr_rng *rng)
{
    (void)k;
    (void)rng;
    template_mean(m, theta);
}

static void template_accumulate(blr_method *m, int k, const float *theta, const float *grad,
                                const float *sqgrad)
{
    (void)k;
    (void)theta;
    (void)sqgrad;
    template_state *s = m->state;
    for (size_t i = 0; i < m->n; i++)
        s->sum[i] += grad[i];
    s->flat.count++;
}

/* The update: w <- w - α E[∇] (cite the paper and equation of yours here). */
static void template_step(blr_method *m, double lr_factor)
{
    template_state *s = m->state;
    float scale = (float)(m->cfg.lr * lr_factor / (s->flat.count > 0 ? s->flat.count : 1));
    for (size_t i = 0; i < m->n; i++) {
        s->w[i] -= scale * s->sum[i];
        s->sum[i] = 0.0f;
    }
    s->flat.count = 0;
}

static void template_posterior(const blr_method *m, float *mean, float *sd)
{
    template_mean(m, mean);
    for (size_t i = 0; i < m->n; i++)
        sd[i] = 0.0f;
}

static double template_entropy(const blr_method *m)
{
    (void)m;
    return -INFINITY; /* a point mass */
}

const blr_method_ops blr_baseline_template_ops = {
    .name = "template",
    .summary = "gradient descent on a point mass (the starting point for a new method)",
    .flags = BLR_NO_BASE,
    .uses = BLR_USES(lr),
    .init = template_init,
    .sample = template_sample,
    .accumulate = template_accumulate,
    .step = template_step,
    .mean = template_mean,
    .posterior = template_posterior,
    .entropy = template_entropy,
    .save = blr_method_flat_save,
    .load = blr_method_flat_load,
    .free = blr_method_flat_free,
};
