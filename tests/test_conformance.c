/* Every registered method honours the method interface (docs/design.md §5): shapes and
 * finiteness of sample / mean / posterior, determinism under a fixed seed, a save/load round
 * trip that continues bit-identically, and no heap allocation in sample, accumulate or step. A
 * new method is covered the moment it is registered. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc_count.h"
#include "fixture_linreg.h"
#include "registry.h"

#define CONF_STEPS 20

static void conf_cfg(const blr_method_ops *ops, blr_method_cfg *cfg)
{
    blr_method_cfg_defaults(cfg);
    snprintf(cfg->rule, sizeof cfg->rule, "%s", ops->name);
    cfg->n_data = LR_N;
    cfg->lr = 1e-2;
    cfg->lr2 = 1e-2;
    cfg->mc = 2;
    if (ops->flags & BLR_POSITIVE_BASE)
        cr_assert_eq(blr_base_init(&cfg->base, BLR_BASE_RAYLEIGH, 0, 1, NULL, 0), 0);
    else
        cr_assert_eq(blr_base_init(&cfg->base, BLR_BASE_GAUSSIAN, 0, 0.05, NULL, 0), 0);
}

/* A method of n <= LR_D parameters. */
static blr_method *conf_create_n(const blr_method_ops *ops, size_t n)
{
    blr_method_cfg cfg;
    conf_cfg(ops, &cfg);
    float w0[LR_D] = {0.1f, -0.2f, 0.3f, 0.05f}, w1[LR_D] = {-0.3f, 0.1f, 0.2f, -0.15f};
    blr_method *m = NULL;
    char err[256];
    cr_assert_eq(blr_method_create(&m, &cfg, n, w0, w1, err, sizeof err), 0, "%s: %s",
                 ops->name, err);
    return m;
}

static blr_method *conf_create(const blr_method_ops *ops)
{
    return conf_create_n(ops, LR_D);
}

/* steps full-batch steps of m on the fixture, drawing from r. */
static void conf_train(blr_method *m, const exact_linreg *p, blr_rng *r, int steps)
{
    exact_linreg_train(p, m, r, 0, steps, 4 * steps, 0);
}

static void conf_state(const blr_method *m, float mean[LR_D], float sd[LR_D])
{
    m->ops->posterior(m, mean, sd);
}

static void conf_expect_same(const blr_method *a, const blr_method *b, const char *what)
{
    float ma[LR_D], sa[LR_D], mb[LR_D], sb[LR_D];
    conf_state(a, ma, sa);
    conf_state(b, mb, sb);
    cr_expect(memcmp(ma, mb, sizeof ma) == 0 && memcmp(sa, sb, sizeof sa) == 0,
              "%s: %s differ", a->ops->name, what);
}

Test(conformance, shapes_and_finite_outputs)
{
    exact_linreg p;
    exact_linreg_make(&p);
    for (size_t i = 0; i < blr_method_count(); i++) {
        const blr_method_ops *ops = blr_method_at(i);
        cr_assert(ops->name && ops->summary && ops->init && ops->sample && ops->accumulate &&
                      ops->step && ops->mean && ops->posterior && ops->entropy && ops->save &&
                      ops->load && ops->free,
                  "method %zu has a missing entry", i);
        blr_method *m = conf_create(ops);
        blr_rng r;
        blr_rng_init(&r, 1, BLR_RNG_TEST, i);
        conf_train(m, &p, &r, CONF_STEPS);
        /* One guard past the end of each array: a method writing P+1 values is caught. */
        float theta[LR_D + 1], mean[LR_D + 1], sd[LR_D + 1];
        theta[LR_D] = mean[LR_D] = sd[LR_D] = 12345.0f;
        m->ops->sample(m, 0, theta, &r);
        m->ops->mean(m, mean);
        for (int j = 0; j < LR_D; j++)
            cr_expect(isfinite(theta[j]) && isfinite(mean[j]), "%s: non-finite output", ops->name);
        m->ops->posterior(m, mean, sd);
        for (int j = 0; j < LR_D; j++)
            cr_expect(isfinite(mean[j]) && isfinite(sd[j]) && sd[j] >= 0.0f,
                      "%s: posterior[%d] = (%g, %g)", ops->name, j, mean[j], sd[j]);
        cr_expect(theta[LR_D] == 12345.0f && mean[LR_D] == 12345.0f && sd[LR_D] == 12345.0f,
                  "%s: wrote past n", ops->name);
        double h = m->ops->entropy(m);
        cr_expect(!isnan(h) && h != INFINITY, "%s: entropy %g", ops->name, h);
        blr_method_free(m);
    }
}

Test(conformance, same_seed_same_state)
{
    exact_linreg p;
    exact_linreg_make(&p);
    for (size_t i = 0; i < blr_method_count(); i++) {
        const blr_method_ops *ops = blr_method_at(i);
        blr_method *a = conf_create(ops), *b = conf_create(ops);
        blr_rng ra, rb;
        blr_rng_init(&ra, 2, BLR_RNG_TEST, i);
        blr_rng_init(&rb, 2, BLR_RNG_TEST, i);
        conf_train(a, &p, &ra, CONF_STEPS);
        conf_train(b, &p, &rb, CONF_STEPS);
        conf_expect_same(a, b, "two runs with the same seed");
        blr_method_free(a);
        blr_method_free(b);
    }
}

Test(conformance, checkpoint_continues_bit_identically)
{
    exact_linreg p;
    exact_linreg_make(&p);
    for (size_t i = 0; i < blr_method_count(); i++) {
        const blr_method_ops *ops = blr_method_at(i);
        blr_method *a = conf_create(ops), *b = conf_create(ops);
        blr_rng r;
        blr_rng_init(&r, 3, BLR_RNG_TEST, i);
        conf_train(a, &p, &r, CONF_STEPS);
        FILE *f = tmpfile();
        cr_assert_not_null(f);
        cr_assert_eq(a->ops->save(a, f), 0, "%s: save failed", ops->name);
        rewind(f);
        cr_assert_eq(b->ops->load(b, f), 0, "%s: load failed", ops->name);
        fclose(f);
        blr_rng rb = r;
        conf_train(a, &p, &r, CONF_STEPS);
        conf_train(b, &p, &rb, CONF_STEPS);
        conf_expect_same(a, b, "the run and its restored checkpoint");
        blr_method_free(a);
        blr_method_free(b);
    }
}

/* A checkpoint names its rule and size and is read whole: another method's file, another
 * size's and a file one byte short are all refused. */
Test(conformance, checkpoint_refuses_a_wrong_file)
{
    exact_linreg p;
    exact_linreg_make(&p);
    size_t count = blr_method_count();
    for (size_t i = 0; i < count; i++) {
        const blr_method_ops *ops = blr_method_at(i), *other = blr_method_at((i + 1) % count);
        blr_method *a = conf_create(ops);
        blr_rng r;
        blr_rng_init(&r, 5, BLR_RNG_TEST, i);
        conf_train(a, &p, &r, 3);
        FILE *f = tmpfile();
        cr_assert_not_null(f);
        cr_assert_eq(a->ops->save(a, f), 0, "%s: save failed", ops->name);
        long len = ftell(f);

        blr_method *b = conf_create(other);
        rewind(f);
        cr_expect_eq(b->ops->load(b, f), -1, "%s's checkpoint loaded into %s", ops->name,
                     other->name);
        blr_method_free(b);
        b = conf_create_n(ops, LR_D - 1);
        rewind(f);
        cr_expect_eq(b->ops->load(b, f), -1, "%s: a checkpoint of another size loaded",
                     ops->name);
        blr_method_free(b);
        cr_assert_eq(fflush(f), 0);
        cr_assert_eq(ftruncate(fileno(f), len - 1), 0);
        b = conf_create(ops);
        rewind(f);
        cr_expect_eq(b->ops->load(b, f), -1, "%s: a truncated checkpoint loaded", ops->name);
        blr_method_free(b);
        fclose(f);
        blr_method_free(a);
    }
}

Test(conformance, no_allocation_in_the_hot_path)
{
    exact_linreg p;
    exact_linreg_make(&p);
    for (size_t i = 0; i < blr_method_count(); i++) {
        const blr_method_ops *ops = blr_method_at(i);
        blr_method *m = conf_create(ops);
        blr_rng r;
        blr_rng_init(&r, 4, BLR_RNG_TEST, i);
        size_t before = blr_test_alloc_count();
        conf_train(m, &p, &r, CONF_STEPS);
        cr_expect_eq(blr_test_alloc_count(), before, "%s: %zu allocations in %d steps",
                     ops->name, blr_test_alloc_count() - before, CONF_STEPS);
        blr_method_free(m);
    }
}

/* The counter itself works, so the test above can fail. */
Test(conformance, allocation_counter_counts)
{
    size_t before = blr_test_alloc_count();
    void *x = malloc(16);
    cr_assert_not_null(x);
    free(x);
    cr_assert_eq(blr_test_alloc_count(), before + 1);
}
