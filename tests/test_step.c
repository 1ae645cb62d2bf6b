/* lib/run/step.c: one training step equals the plain loop of docs/design.md §5, does not depend on the
 * thread count when its samples run on workers, allocates nothing, and reports its errors. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "alloc_count.h"
#include "model.h"
#include "registry.h"
#include "step.h"
#include "threads.h"

enum { BATCH = 24, N_IN = 784, STEPS = 3 };

/* Large enough that OpenBLAS splits its GEMMs over threads and the prior pass is threaded. */
static blr_model_spec step_spec(void)
{
    blr_model_spec s = {.arch = BLR_ARCH_MLP, .n_in = N_IN, .n_out = 10, .n_hidden = 1,
                        .hidden = {48}, .act = BLR_ACT_TANH, .task = BLR_TASK_CLASSIFICATION};
    return s;
}

typedef struct {
    blr_model model;
    float x[BATCH * N_IN];
    int label[BATCH];
    float *w0, *w1;
} step_fixture;

static void fixture_init(step_fixture *f)
{
    char err[256] = "";
    blr_model_spec spec = step_spec();
    cr_assert_eq(blr_model_init(&f->model, &spec, BATCH, err, sizeof err), 0, "%s", err);
    size_t P = f->model.n_params;
    f->w0 = malloc(P * sizeof(float));
    f->w1 = malloc(P * sizeof(float));
    cr_assert(f->w0 && f->w1);
    blr_rng r;
    blr_rng_init(&r, 41, BLR_RNG_TEST, 0);
    blr_rng_fill_uniform(&r, f->x, BATCH * N_IN);
    for (int i = 0; i < BATCH; i++)
        f->label[i] = (int)blr_rng_below(&r, 10);
    blr_model_init_params(&f->model, &r, f->w0);
    blr_model_init_params(&f->model, &r, f->w1);
}

static void fixture_free(step_fixture *f)
{
    blr_model_free(&f->model);
    free(f->w0);
    free(f->w1);
}

static blr_method_cfg step_cfg(const blr_method_ops *ops, int mc)
{
    blr_method_cfg c;
    char err[256] = "";
    blr_method_cfg_defaults(&c);
    snprintf(c.rule, sizeof c.rule, "%s", ops->name);
    if (ops->flags & BLR_POSITIVE_BASE)
        cr_assert_eq(blr_base_init(&c.base, BLR_BASE_RAYLEIGH, 0, 1, err, sizeof err), 0);
    else
        cr_assert_eq(blr_base_init(&c.base, BLR_BASE_GAUSSIAN, 0, 0.01, err, sizeof err), 0);
    c.n_data = 1000;
    c.lr = 1e-3;
    c.lr2 = 1e-3;
    c.mc = mc;
    return c;
}

static blr_method *method_new(const step_fixture *f, const blr_method_cfg *c)
{
    char err[256] = "";
    blr_method *m = NULL;
    cr_assert_eq(blr_method_create(&m, c, f->model.n_params, f->w0, f->w1, err, sizeof err), 0,
                 "%s: %s", c->rule, err);
    return m;
}

/* STEPS steps through blr_step_run; the losses into loss, q's mean and sd after them. */
static void run_steps(step_fixture *f, const blr_method_cfg *c, int threads, double *loss,
                      float *mean, float *sd)
{
    blr_threads_set(threads);
    blr_method *m = method_new(f, c);
    blr_step s;
    char err[256] = "";
    cr_assert_eq(blr_step_init(&s, &f->model.spec, BATCH, c->mc,
                               (m->flags & BLR_NEEDS_SQGRAD) != 0, err, sizeof err),
                 0, "%s", err);
    blr_rng noise;
    blr_rng_init(&noise, 42, BLR_RNG_TEST, 0);
    for (int t = 0; t < STEPS; t++)
        loss[t] = blr_step_run(&s, m, &noise, f->x, f->label, NULL, BATCH, 0.01, 1.0, NULL);
    m->ops->posterior(m, mean, sd);
    blr_step_free(&s);
    blr_method_free(m);
}

Test(step, equals_the_plain_loop_of_the_method_interface)
{
    step_fixture f;
    fixture_init(&f);
    size_t P = f.model.n_params;
    float *theta = malloc(P * sizeof(float)), *grad = malloc(P * sizeof(float));
    float *sq = malloc(P * sizeof(float)), *mean[2], *sd[2];
    for (int i = 0; i < 2; i++) {
        mean[i] = malloc(P * sizeof(float));
        sd[i] = malloc(P * sizeof(float));
    }
    for (size_t k = 0; k < blr_method_count(); k++) {
        blr_method_cfg c = step_cfg(blr_method_at(k), 2);
        double loss[STEPS];
        run_steps(&f, &c, 1, loss, mean[0], sd[0]);

        blr_method *m = method_new(&f, &c);
        int need_sq = (m->flags & BLR_NEEDS_SQGRAD) != 0;
        blr_rng noise;
        blr_rng_init(&noise, 42, BLR_RNG_TEST, 0);
        for (int t = 0; t < STEPS; t++) {
            double sum = 0.0;
            for (int s = 0; s < c.mc; s++) {
                m->ops->sample(m, s, theta, &noise);
                sum += blr_model_loss_grad(&f.model, theta, f.x, f.label, NULL, BATCH, grad,
                                           need_sq ? sq : NULL);
                for (size_t j = 0; j < P; j++)
                    grad[j] += 0.01f * theta[j];
                m->ops->accumulate(m, s, theta, grad, need_sq ? sq : NULL);
            }
            m->ops->step(m, 1.0);
            cr_assert_eq(loss[t], sum / c.mc, "%s step %d: loss %.17g, plain loop %.17g",
                         c.rule, t, loss[t], sum / c.mc);
        }
        m->ops->posterior(m, mean[1], sd[1]);
        blr_method_free(m);
        cr_assert_eq(memcmp(mean[0], mean[1], P * sizeof(float)), 0, "%s: mean differs", c.rule);
        cr_assert_eq(memcmp(sd[0], sd[1], P * sizeof(float)), 0, "%s: sd differs", c.rule);
    }
    for (int i = 0; i < 2; i++) {
        free(mean[i]);
        free(sd[i]);
    }
    free(theta);
    free(grad);
    free(sq);
    fixture_free(&f);
}

/* With mc >= 2 the samples' gradients run on workers with single-threaded GEMMs, so 1, 2
 * and 3 threads (3 workers, or 2 workers and a sample left over) give the same bits. */
Test(step, samples_on_workers_are_independent_of_thread_count)
{
    step_fixture f;
    fixture_init(&f);
    size_t P = f.model.n_params;
    float *mean[3], *sd[3];
    for (int i = 0; i < 3; i++) {
        mean[i] = malloc(P * sizeof(float));
        sd[i] = malloc(P * sizeof(float));
    }
    for (size_t k = 0; k < blr_method_count(); k++) {
        for (int mc = 2; mc <= 3; mc++) {
            blr_method_cfg c = step_cfg(blr_method_at(k), mc);
            double loss[3][STEPS];
            for (int threads = 1; threads <= 3; threads++) {
                run_steps(&f, &c, threads, loss[threads - 1], mean[threads - 1], sd[threads - 1]);
                cr_assert(isfinite(loss[threads - 1][STEPS - 1]), "%s", c.rule);
                if (threads == 1)
                    continue;
                cr_assert_eq(memcmp(loss[0], loss[threads - 1], sizeof loss[0]), 0,
                             "%s mc %d: losses differ with %d threads", c.rule, mc, threads);
                cr_assert_eq(memcmp(mean[0], mean[threads - 1], P * sizeof(float)), 0,
                             "%s mc %d: mean differs with %d threads", c.rule, mc, threads);
                cr_assert_eq(memcmp(sd[0], sd[threads - 1], P * sizeof(float)), 0,
                             "%s mc %d: sd differs with %d threads", c.rule, mc, threads);
            }
        }
    }
    for (int i = 0; i < 3; i++) {
        free(mean[i]);
        free(sd[i]);
    }
    fixture_free(&f);
}

Test(step, allocates_nothing_per_step)
{
    step_fixture f;
    fixture_init(&f);
    blr_threads_set(2);
    for (size_t k = 0; k < blr_method_count(); k++) {
        for (int mc = 1; mc <= 3; mc += 2) {
            blr_method_cfg c = step_cfg(blr_method_at(k), mc);
            blr_method *m = method_new(&f, &c);
            blr_step s;
            char err[256] = "";
            cr_assert_eq(blr_step_init(&s, &f.model.spec, BATCH, mc,
                                       (m->flags & BLR_NEEDS_SQGRAD) != 0, err, sizeof err),
                         0, "%s", err);
            blr_rng noise;
            blr_rng_init(&noise, 43, BLR_RNG_TEST, 0);
            blr_step_run(&s, m, &noise, f.x, f.label, NULL, BATCH, 0.01, 1.0, NULL);
            size_t before = blr_test_alloc_count();
            blr_step_times times;
            for (int t = 0; t < STEPS; t++)
                blr_step_run(&s, m, &noise, f.x, f.label, NULL, BATCH - t, 0.01, 1.0, &times);
            cr_assert_eq(blr_test_alloc_count(), before, "%s mc %d allocated in a step", c.rule,
                         mc);
            cr_assert(times.sample >= 0.0 && times.fwdbwd > 0.0 && times.update >= 0.0);
            blr_step_free(&s);
            blr_method_free(m);
        }
    }
    fixture_free(&f);
}

Test(step, init_errors)
{
    blr_step s;
    char err[256] = "";
    blr_model_spec spec = step_spec();
    cr_assert_eq(blr_step_init(&s, &spec, BATCH, 0, 0, err, sizeof err), -1);
    cr_assert(strstr(err, "mc must be >= 1"), "%s", err);
    blr_step_free(&s);
    blr_threads_set(2);
    spec.hidden[0] = 0;
    err[0] = '\0';
    cr_assert_eq(blr_step_init(&s, &spec, BATCH, 2, 0, err, sizeof err), -1);
    cr_assert(err[0] != '\0');
    cr_assert_eq(s.models, NULL, "a failed init leaves nothing allocated");
    blr_step_free(&s);
    err[0] = '\0';
    spec = step_spec();
    cr_assert_eq(blr_step_init(&s, &spec, 0, 2, 0, err, sizeof err), -1);
    cr_assert(err[0] != '\0');
    blr_step_free(&s);
}
