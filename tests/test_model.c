/* Networks on a flat buffer: gradients (dense, conv and pooling layers) against central
 * differences of an independent double-precision reference forward pass, squared
 * per-example gradients against brute force, chunked batches and batched convolutions
 * against one example at a time, softmax stability,
 * initialization, layouts by hand, and every init error path. */
#include <criterion/criterion.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "rng.h"

#define REF_MAX_WIDTH 64
#define REF_MAX_IMAGE 512
#define LOG_2PI 1.83787706640934548356

static double ref_act(blr_act act, double z)
{
    switch (act) {
    case BLR_ACT_TANH:
        return tanh(z);
    case BLR_ACT_RELU:
        return z > 0 ? z : 0;
    case BLR_ACT_ELU:
        return z > 0 ? z : exp(z) - 1;
    }
    return NAN;
}

/* A cnn's conv blocks on one example by their definition, in double: z[o][y][x] = b[o] +
 * Σ_{c,ky,kx} W[o][c][ky][kx] in[c][y+ky][x+kx] ('valid', stride 1), then act, then the
 * max of each 2×2 window at stride 2 (an odd side's last row and column dropped). The
 * parameter offsets come from the documented layout alone: per block W (c_out × c_in × k ×
 * k) then b, from θ[0]. Writes the flattened (channel, y, x) features, returns their count. */
static int ref_conv(const blr_model_spec *s, const double *th, const float *x, double *out)
{
    double in[REF_MAX_IMAGE], z[REF_MAX_IMAGE];
    int ch = s->image_channels, side = s->image_side, k = s->kernel;
    cr_assert(s->n_in <= REF_MAX_IMAGE);
    for (int j = 0; j < s->n_in; j++)
        in[j] = x[j];
    size_t w_off = 0;
    for (int c = 0; c < s->n_conv; c++) {
        int co = s->conv_channels[c], sc = side - k + 1, sp = sc / 2;
        size_t b_off = w_off + (size_t)(co * ch * k * k);
        cr_assert(co * sc * sc <= REF_MAX_IMAGE);
        for (int o = 0; o < co; o++)
            for (int y = 0; y < sc; y++)
                for (int xx = 0; xx < sc; xx++) {
                    double v = th[b_off + (size_t)o];
                    for (int ci = 0; ci < ch; ci++)
                        for (int ky = 0; ky < k; ky++)
                            for (int kx = 0; kx < k; kx++)
                                v += th[w_off + (size_t)(((o * ch + ci) * k + ky) * k + kx)] *
                                     in[(ci * side + y + ky) * side + xx + kx];
                    z[(o * sc + y) * sc + xx] = ref_act(s->act, v);
                }
        for (int o = 0; o < co; o++)
            for (int y = 0; y < sp; y++)
                for (int xx = 0; xx < sp; xx++) {
                    const double *w = z + (o * sc + 2 * y) * sc + 2 * xx;
                    in[(o * sp + y) * sp + xx] = fmax(fmax(w[0], w[1]), fmax(w[sc], w[sc + 1]));
                }
        w_off = b_off + (size_t)co;
        ch = co;
        side = sp;
    }
    for (int j = 0; j < ch * side * side; j++)
        out[j] = in[j];
    return ch * side * side;
}

/* The reference: per example, a plain loop over layers, neurons and inputs in double, then
 * the per-example NLL (log-sum-exp in double, or the Gaussian density). Writes the network
 * outputs of each row into out (n × n_out) when out is not NULL. Uses only the documented
 * layout: per layer W (out × in, row-major) at w_off and b at b_off. */
static double ref_loss(const blr_model *m, const double *th, const float *x, const int *label,
                       const float *target, int n, double *out)
{
    double sum = 0.0;
    int k = m->spec.n_out;
    for (int i = 0; i < n; i++) {
        double a[REF_MAX_IMAGE], z[REF_MAX_WIDTH];
        if (m->spec.arch == BLR_ARCH_CNN)
            ref_conv(&m->spec, th, x + i * m->spec.n_in, a);
        for (int c = 0; m->spec.arch != BLR_ARCH_CNN && c < m->spec.n_in; c++)
            a[c] = x[i * m->spec.n_in + c];
        for (int l = 0; l < m->n_layers; l++) {
            const blr_dense *d = &m->layer[l];
            for (int j = 0; j < d->n_out; j++) {
                z[j] = th[d->b_off + (size_t)j];
                for (int c = 0; c < d->n_in; c++)
                    z[j] += th[d->w_off + (size_t)(j * d->n_in + c)] * a[c];
            }
            if (l < m->n_layers - 1)
                for (int j = 0; j < d->n_out; j++)
                    a[j] = ref_act(m->spec.act, z[j]);
        }
        for (int j = 0; out && j < k; j++)
            out[i * k + j] = z[j];
        if (m->spec.task == BLR_TASK_CLASSIFICATION) {
            double zmax = z[0], s = 0.0;
            for (int j = 1; j < k; j++)
                zmax = z[j] > zmax ? z[j] : zmax;
            for (int j = 0; j < k; j++)
                s += exp(z[j] - zmax);
            sum += log(s) + zmax - z[label[i]];
        } else {
            double sd = m->spec.noise_sd;
            for (int j = 0; j < k; j++) {
                double r = (z[j] - target[i * k + j]) / sd;
                sum += 0.5 * r * r + log(sd) + 0.5 * LOG_2PI;
            }
        }
    }
    return sum / n;
}

/* A batch of n rows: inputs, labels and targets from the test stream. */
typedef struct {
    float x[64 * 200];
    int label[64];
    float target[64 * 4];
} batch;

static void make_batch(batch *b, const blr_model *m, int n, uint64_t seed)
{
    blr_rng r;
    blr_rng_init(&r, seed, BLR_RNG_TEST, 1);
    for (int i = 0; i < n * m->spec.n_in; i++)
        b->x[i] = (float)blr_rng_normal(&r);
    for (int i = 0; i < n; i++)
        b->label[i] = (int)blr_rng_below(&r, (uint64_t)m->spec.n_out);
    for (int i = 0; i < n * m->spec.n_out; i++)
        b->target[i] = (float)blr_rng_normal(&r);
}

/* All of θ (biases too) from N(0, 0.6²), so no coordinate sits at a special value. */
static float *random_theta(const blr_model *m, uint64_t seed)
{
    float *th = malloc(m->n_params * sizeof(float));
    cr_assert(th);
    blr_rng r;
    blr_rng_init(&r, seed, BLR_RNG_TEST, 2);
    for (size_t j = 0; j < m->n_params; j++)
        th[j] = (float)(0.6 * blr_rng_normal(&r));
    return th;
}

static blr_model_spec mlp_spec(blr_act act, blr_task task, int n_out)
{
    blr_model_spec s = {.arch = BLR_ARCH_MLP, .n_in = 5, .n_out = n_out, .n_hidden = 2,
                        .hidden = {4, 6}, .act = act, .task = task, .noise_sd = 0.7};
    return s;
}

static blr_model_spec linear_spec(blr_task task, int n_out)
{
    blr_model_spec s = {.arch = BLR_ARCH_LINEAR, .n_in = 5, .n_out = n_out, .task = task,
                        .noise_sd = 0.7};
    return s;
}

/* 8×8 images of 2 channels, kernel 3: conv 2 → 3 channels at side 6, pool to 3, 27 features,
 * a dense hidden layer of 4, n_out outputs. */
static blr_model_spec cnn_spec(blr_act act, blr_task task, int n_out)
{
    blr_model_spec s = {.arch = BLR_ARCH_CNN, .n_in = 2 * 8 * 8, .n_out = n_out,
                        .n_hidden = 1, .hidden = {4}, .n_conv = 1, .conv_channels = {3},
                        .kernel = 3, .image_side = 8, .image_channels = 2, .act = act,
                        .task = task, .noise_sd = 0.7};
    return s;
}

/* Two blocks on 10×10×2, kernel 3: side 10 → conv 8 → pool 4 → conv 2 → pool 1; channels 3
 * then 4, so 4 features go straight into the output layer (no dense hidden layer). */
static blr_model_spec cnn2_spec(blr_act act, blr_task task, int n_out)
{
    blr_model_spec s = {.arch = BLR_ARCH_CNN, .n_in = 2 * 10 * 10, .n_out = n_out,
                        .n_hidden = 0, .n_conv = 2, .conv_channels = {3, 4}, .kernel = 3,
                        .image_side = 10, .image_channels = 2, .act = act, .task = task,
                        .noise_sd = 0.7};
    return s;
}

static void init_ok(blr_model *m, const blr_model_spec *s, int max_batch)
{
    char err[256] = "";
    cr_assert_eq(blr_model_init(m, s, max_batch, err, sizeof err), 0, "init failed: %s", err);
}

/* Central differences of the double reference (h = 1e-5) against the analytic float gradient,
 * and the float loss against the reference loss. */
static void check_gradient(const blr_model_spec *s)
{
    enum { N = 3 };
    blr_model m;
    init_ok(&m, s, N);
    batch b;
    make_batch(&b, &m, N, 11);
    float *th = random_theta(&m, 12);
    float *grad = malloc(m.n_params * sizeof(float));
    double *thd = malloc(m.n_params * sizeof(double));
    cr_assert(grad && thd);
    for (size_t j = 0; j < m.n_params; j++)
        thd[j] = th[j];

    double loss = blr_model_loss_grad(&m, th, b.x, b.label, b.target, N, grad, NULL);
    double ref = ref_loss(&m, thd, b.x, b.label, b.target, N, NULL);
    cr_assert(fabs(loss - ref) <= 1e-5 * fmax(1.0, fabs(ref)), "loss %.9g, reference %.9g", loss,
              ref);
    cr_assert(fabs(blr_model_loss(&m, th, b.x, b.label, b.target, N) - ref) <=
              1e-5 * fmax(1.0, fabs(ref)));

    const double h = 1e-5;
    for (size_t j = 0; j < m.n_params; j++) {
        double keep = thd[j];
        thd[j] = keep + h;
        double up = ref_loss(&m, thd, b.x, b.label, b.target, N, NULL);
        thd[j] = keep - h;
        double down = ref_loss(&m, thd, b.x, b.label, b.target, N, NULL);
        thd[j] = keep;
        double fd = (up - down) / (2 * h);
        cr_assert(fabs(grad[j] - fd) <= 1e-3 * fabs(fd) + 1e-5,
                  "%s/%s: d loss/d θ[%zu]: analytic %.9g, central difference %.9g",
                  blr_arch_name(s->arch), blr_act_name(s->act), j, grad[j], fd);
    }
    free(th);
    free(grad);
    free(thd);
    blr_model_free(&m);
}

Test(model, grad_linear_classification)
{
    blr_model_spec s = linear_spec(BLR_TASK_CLASSIFICATION, 3);
    check_gradient(&s);
}

Test(model, grad_linear_regression)
{
    blr_model_spec s = linear_spec(BLR_TASK_REGRESSION, 1);
    check_gradient(&s);
}

Test(model, grad_mlp_classification_each_activation)
{
    for (int a = BLR_ACT_TANH; a <= BLR_ACT_ELU; a++) {
        blr_model_spec s = mlp_spec((blr_act)a, BLR_TASK_CLASSIFICATION, 3);
        check_gradient(&s);
    }
}

Test(model, grad_mlp_regression_each_activation)
{
    for (int a = BLR_ACT_TANH; a <= BLR_ACT_ELU; a++) {
        blr_model_spec s = mlp_spec((blr_act)a, BLR_TASK_REGRESSION, 1);
        check_gradient(&s);
    }
}

Test(model, grad_mlp_regression_two_outputs)
{
    blr_model_spec s = mlp_spec(BLR_ACT_TANH, BLR_TASK_REGRESSION, 2);
    check_gradient(&s);
}

Test(model, grad_cnn_each_activation)
{
    for (int a = BLR_ACT_TANH; a <= BLR_ACT_ELU; a++) {
        blr_model_spec s = cnn_spec((blr_act)a, BLR_TASK_CLASSIFICATION, 3);
        check_gradient(&s);
        s = cnn2_spec((blr_act)a, BLR_TASK_REGRESSION, 2);
        check_gradient(&s);
    }
}

/* An odd conv side: 9×9×1, kernel 3 → 7 → pool 3, the last row and column of the conv
 * output never reach the loss (their gradient path is zero). */
Test(model, grad_cnn_odd_side)
{
    blr_model_spec s = cnn_spec(BLR_ACT_ELU, BLR_TASK_CLASSIFICATION, 3);
    s.image_side = 9;
    s.image_channels = 1;
    s.n_in = 81;
    check_gradient(&s);
}

/* A cnn by hand. 3×3 image [1 2 3; 4 5 6; 7 8 9], kernel 2, one channel, W = [1 0; 0 1],
 * b = 0, relu: conv z(y,x) = in(y,x) + in(y+1,x+1) = [6 8; 12 14], all positive, pool → 14
 * (at (1,1), patch [5 6; 8 9]). Dense w = 0.5, b = 1: f = 8. Target 7, sd 1: r = 1,
 * loss = ½ + ½ log 2π. ∂/∂w = r·14 = 14, ∂/∂b = 1, ∂/∂Wconv = r·w·patch = [2.5 3 4 4.5],
 * ∂/∂bconv = r·w = 0.5. θ = [Wconv (4), bconv, w, b]. */
Test(model, cnn_by_hand)
{
    blr_model_spec s = {.arch = BLR_ARCH_CNN, .n_in = 9, .n_out = 1, .n_conv = 1,
                        .conv_channels = {1}, .kernel = 2, .image_side = 3,
                        .image_channels = 1, .act = BLR_ACT_RELU,
                        .task = BLR_TASK_REGRESSION, .noise_sd = 1.0};
    blr_model m;
    init_ok(&m, &s, 1);
    cr_assert_eq(m.n_params, 7);
    float th[7] = {1, 0, 0, 1, 0, 0.5f, 1}, x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, y = 7, g[7];
    float sq[7], f;
    const double want[7] = {2.5, 3, 4, 4.5, 0.5, 14, 1};
    double loss = blr_model_loss_grad(&m, th, x, NULL, &y, 1, g, sq);
    cr_assert(fabs(loss - (0.5 + 0.5 * LOG_2PI)) < 1e-6, "loss %.9g", loss);
    for (int j = 0; j < 7; j++) {
        cr_assert(fabs(g[j] - want[j]) < 1e-5, "grad[%d] %g, by hand %g", j, g[j], want[j]);
        cr_assert(fabs(sq[j] - want[j] * want[j]) < 1e-4, "sqgrad[%d] %g", j, sq[j]);
    }
    blr_model_predict(&m, th, x, 1, &f);
    cr_assert_eq(f, 8.0f);
    blr_model_free(&m);
}

/* One hand-worked regression step. x = 3, w = 2, b = 1, y = 5, sd = 0.5: f = 7, r = f - y = 2,
 * loss = ½(r/sd)² + log sd + ½ log 2π = 8 + log 0.5 + ½ log 2π,
 * ∂/∂w = r/sd² · x = 8 · 3 = 24, ∂/∂b = r/sd² = 8. */
Test(model, regression_by_hand)
{
    blr_model_spec s = {.arch = BLR_ARCH_LINEAR, .n_in = 1, .n_out = 1,
                        .task = BLR_TASK_REGRESSION, .noise_sd = 0.5};
    blr_model m;
    init_ok(&m, &s, 1);
    float th[2] = {2, 1}, x = 3, y = 5, g[2], f;
    double loss = blr_model_loss_grad(&m, th, &x, NULL, &y, 1, g, NULL);
    cr_assert(fabs(loss - (8 + log(0.5) + 0.5 * LOG_2PI)) < 1e-6, "loss %.9g", loss);
    cr_assert(fabs(g[0] - 24) < 1e-5 && fabs(g[1] - 8) < 1e-5, "grad %g %g", g[0], g[1]);
    blr_model_predict(&m, th, &x, 1, &f);
    cr_assert_eq(f, 7.0f);
    blr_model_free(&m);
}

/* sqgrad = (1/n) Σ_i g_i² where g_i is the gradient of example i alone, obtained here by n
 * separate single-row calls; grad must equal (1/n) Σ_i g_i as well. */
static void check_sqgrad(const blr_model_spec *s, int n, int max_batch)
{
    blr_model m, one;
    init_ok(&m, s, max_batch);
    init_ok(&one, s, 1);
    size_t P = m.n_params;
    float *x = malloc((size_t)n * (size_t)s->n_in * sizeof(float));
    float *target = malloc((size_t)n * (size_t)s->n_out * sizeof(float));
    int *label = malloc((size_t)n * sizeof(int));
    float *grad = malloc(P * sizeof(float)), *sq = malloc(P * sizeof(float));
    float *gi = malloc(P * sizeof(float));
    double *mean = calloc(P, sizeof(double)), *msq = calloc(P, sizeof(double));
    cr_assert(x && target && label && grad && sq && gi && mean && msq);
    blr_rng r;
    blr_rng_init(&r, 21, BLR_RNG_TEST, 3);
    for (int i = 0; i < n * s->n_in; i++)
        x[i] = (float)blr_rng_normal(&r);
    for (int i = 0; i < n * s->n_out; i++)
        target[i] = (float)blr_rng_normal(&r);
    for (int i = 0; i < n; i++)
        label[i] = (int)blr_rng_below(&r, (uint64_t)s->n_out);
    float *th = random_theta(&m, 22);

    double loss = blr_model_loss_grad(&m, th, x, label, target, n, grad, sq);
    double loss_sum = 0.0;
    for (int i = 0; i < n; i++) {
        loss_sum += blr_model_loss_grad(&one, th, x + i * s->n_in, label + i,
                                        target + i * s->n_out, 1, gi, NULL);
        for (size_t j = 0; j < P; j++) {
            mean[j] += (double)gi[j] / n;
            msq[j] += (double)gi[j] * gi[j] / n;
        }
    }
    cr_assert(fabs(loss - loss_sum / n) <= 1e-5 * fmax(1.0, fabs(loss)));
    for (size_t j = 0; j < P; j++) {
        cr_assert(fabs(grad[j] - mean[j]) <= 1e-4 * fabs(mean[j]) + 1e-6,
                  "grad[%zu] %.9g, mean of per-example %.9g", j, grad[j], mean[j]);
        cr_assert(fabs(sq[j] - msq[j]) <= 1e-4 * fabs(msq[j]) + 1e-7,
                  "sqgrad[%zu] %.9g, brute force %.9g", j, sq[j], msq[j]);
    }
    free(x);
    free(target);
    free(label);
    free(grad);
    free(sq);
    free(gi);
    free(mean);
    free(msq);
    free(th);
    blr_model_free(&m);
    blr_model_free(&one);
}

Test(model, sqgrad_brute_force)
{
    blr_model_spec s = mlp_spec(BLR_ACT_ELU, BLR_TASK_CLASSIFICATION, 3);
    check_sqgrad(&s, 5, 5);
    s = mlp_spec(BLR_ACT_RELU, BLR_TASK_REGRESSION, 1);
    check_sqgrad(&s, 5, 5);
    s = linear_spec(BLR_TASK_CLASSIFICATION, 3);
    check_sqgrad(&s, 5, 5);
}

/* Conv weights: the per-example gradient is a sum over positions, squared afterwards. With
 * max_batch 2 the five rows also run in three chunks. */
Test(model, sqgrad_brute_force_cnn)
{
    blr_model_spec s = cnn_spec(BLR_ACT_ELU, BLR_TASK_CLASSIFICATION, 3);
    check_sqgrad(&s, 5, 5);
    check_sqgrad(&s, 5, 2);
    s = cnn2_spec(BLR_ACT_TANH, BLR_TASK_REGRESSION, 2);
    check_sqgrad(&s, 5, 5);
    check_sqgrad(&s, 5, 2);
}

/* 300 rows: more than the squared-gradient GEMM's row chunk (256), and, with max_batch 7,
 * forty-three batch chunks of which the last is partial. */
Test(model, sqgrad_brute_force_chunked)
{
    blr_model_spec s = mlp_spec(BLR_ACT_TANH, BLR_TASK_CLASSIFICATION, 3);
    check_sqgrad(&s, 300, 300);
    check_sqgrad(&s, 300, 7);
}

/* A batch larger than max_batch is processed in chunks: same loss, gradients and predictions
 * as a model whose workspace holds the whole batch. */
Test(model, chunked_batch_matches_whole)
{
    enum { N = 9 };
    blr_model_spec s = mlp_spec(BLR_ACT_TANH, BLR_TASK_CLASSIFICATION, 3);
    blr_model small, big;
    init_ok(&small, &s, 4);
    init_ok(&big, &s, N);
    batch b;
    make_batch(&b, &big, N, 31);
    float *th = random_theta(&big, 32);
    size_t P = big.n_params;
    float *g1 = malloc(P * sizeof(float)), *g2 = malloc(P * sizeof(float));
    float *q1 = malloc(P * sizeof(float)), *q2 = malloc(P * sizeof(float));
    float p1[N * 3], p2[N * 3];
    cr_assert(g1 && g2 && q1 && q2);
    double l1 = blr_model_loss_grad(&small, th, b.x, b.label, NULL, N, g1, q1);
    double l2 = blr_model_loss_grad(&big, th, b.x, b.label, NULL, N, g2, q2);
    cr_assert(fabs(l1 - l2) < 1e-6 * fmax(1, fabs(l2)));
    cr_assert(fabs(blr_model_loss(&small, th, b.x, b.label, NULL, N) - l2) < 1e-6 * fmax(1, l2));
    for (size_t j = 0; j < P; j++) {
        cr_assert(fabs(g1[j] - g2[j]) <= 1e-5 * fabs(g2[j]) + 1e-7, "grad[%zu]", j);
        cr_assert(fabs(q1[j] - q2[j]) <= 1e-5 * fabs(q2[j]) + 1e-7, "sqgrad[%zu]", j);
    }
    blr_model_predict(&small, th, b.x, N, p1);
    blr_model_predict(&big, th, b.x, N, p2);
    for (int j = 0; j < N * 3; j++)
        cr_assert(fabs(p1[j] - p2[j]) < 1e-6);
    free(th);
    free(g1);
    free(g2);
    free(q1);
    free(q2);
    blr_model_free(&small);
    blr_model_free(&big);
}

/* |got - want| within float rounding of a sum: relative 1e-4, plus 1e-5 of the largest
 * |want| for coordinates where terms cancel. */
static void expect_close(const float *got, const double *want, size_t len, const char *what,
                         int chunk)
{
    double big = 0.0;
    for (size_t j = 0; j < len; j++)
        big = fmax(big, fabs(want[j]));
    for (size_t j = 0; j < len; j++)
        cr_assert(fabs(got[j] - want[j]) <= 1e-4 * fabs(want[j]) + 1e-5 * big,
                  "chunk %d: %s[%zu] batched %.9g, one at a time %.9g", chunk, what, j, got[j],
                  want[j]);
}

/* The batched convolution (several examples' im2col columns in one GEMM) against the same
 * examples one at a time through a model whose workspace holds a single row: the mean loss,
 * the gradient and squared gradient as means of the per-example ones, and the predictions
 * row by row. Repeated for every conv chunk from 1 to n, so chunks that divide n and chunks
 * that leave a partial last chunk are both covered, and with max_batch below n so that the
 * conv chunks also run inside the outer row chunks. */
static void check_batched_conv(const blr_model_spec *s, const float *theta, int n)
{
    blr_model one, m;
    init_ok(&one, s, 1);
    size_t P = one.n_params, k = (size_t)s->n_out;
    batch b;
    make_batch(&b, &one, n, 71);
    float *g = malloc(P * sizeof(float)), *q = malloc(P * sizeof(float));
    float *out = malloc((size_t)n * k * sizeof(float));
    double *mean = calloc(P, sizeof(double)), *msq = calloc(P, sizeof(double));
    double *pred = malloc((size_t)n * k * sizeof(double)), loss = 0.0;
    cr_assert(g && q && out && mean && msq && pred);
    for (int i = 0; i < n; i++) {
        loss += blr_model_loss_grad(&one, theta, b.x + i * s->n_in, b.label + i,
                                    b.target + (size_t)i * k, 1, g, NULL) / n;
        for (size_t j = 0; j < P; j++) {
            mean[j] += (double)g[j] / n;
            msq[j] += (double)g[j] * g[j] / n;
        }
        blr_model_predict(&one, theta, b.x + i * s->n_in, 1, out);
        for (size_t c = 0; c < k; c++)
            pred[(size_t)i * k + c] = out[c];
    }
    const int max_batch[2] = {n, n - 2};
    for (int mb = 0; mb < 2; mb++) {
        init_ok(&m, s, max_batch[mb]);
        for (int chunk = 1; chunk <= max_batch[mb]; chunk++) {
            char err[256] = "";
            cr_assert_eq(blr_model_set_conv_chunk(&m, chunk, err, sizeof err), 0, "%s", err);
            double l = blr_model_loss_grad(&m, theta, b.x, b.label, b.target, n, g, q);
            cr_assert(fabs(l - loss) <= 1e-5 * fmax(1.0, fabs(loss)),
                      "chunk %d: loss %.9g, one at a time %.9g", chunk, l, loss);
            cr_assert(fabs(blr_model_loss(&m, theta, b.x, b.label, b.target, n) - loss) <=
                      1e-5 * fmax(1.0, fabs(loss)));
            expect_close(g, mean, P, "grad", chunk);
            expect_close(q, msq, P, "sqgrad", chunk);
            blr_model_predict(&m, theta, b.x, n, out);
            expect_close(out, pred, (size_t)n * k, "prediction", chunk);
        }
        blr_model_free(&m);
    }
    free(g);
    free(q);
    free(out);
    free(mean);
    free(msq);
    free(pred);
    blr_model_free(&one);
}

Test(model, batched_conv_matches_one_at_a_time)
{
    blr_model_spec specs[3] = {cnn_spec(BLR_ACT_ELU, BLR_TASK_CLASSIFICATION, 3),
                               cnn2_spec(BLR_ACT_TANH, BLR_TASK_REGRESSION, 2),
                               cnn2_spec(BLR_ACT_RELU, BLR_TASK_CLASSIFICATION, 4)};
    specs[2].image_side = 11; /* odd sides: 11 → conv 9 → pool 4 → conv 2 → pool 1 */
    specs[2].n_in = 2 * 11 * 11;
    for (int t = 0; t < 3; t++) {
        blr_model m;
        init_ok(&m, &specs[t], 1);
        float *th = random_theta(&m, 72 + (uint64_t)t);
        blr_model_free(&m);
        check_batched_conv(&specs[t], th, 7);
        free(th);
    }
}

/* The default cnn at its own size, initialized as in training (random θ of sd 0.6 would
 * saturate every unit); its second conv holds fewer examples per chunk than the batch (see
 * conv_chunk_bound), so the chunk boundaries occur without lowering the chunk too. */
Test(model, batched_conv_matches_one_at_a_time_default_cnn)
{
    blr_model_spec s;
    blr_model_cnn_default(&s);
    blr_model m;
    init_ok(&m, &s, 1);
    float *th = malloc(m.n_params * sizeof(float));
    cr_assert(th);
    blr_rng r;
    blr_rng_init(&r, 73, BLR_RNG_TEST, 5);
    blr_model_init_params(&m, &r, th);
    for (int o = 0; o < m.conv[0].c_out; o++) /* non-zero conv biases, so db is exercised */
        th[m.conv[0].b_off + (size_t)o] = 0.1f * (float)(o % 5) - 0.2f;
    blr_model_free(&m);
    check_batched_conv(&s, th, 7);
    free(th);
}

/* Each block runs as many examples per GEMM as fit BLR_CONV_COL_BYTES of im2col columns
 * (c_in·k² × side_conv² floats each), at most max_batch and at least one. Default cnn:
 * columns of 25·576 = 14400 and 800·64 = 51200 floats; 1 MiB = 262144 floats holds
 * 262144 / 14400 = 18 and 262144 / 51200 = 5 examples. A 1 × 512² image with kernel 3 has
 * 9 · 510² = 2340900 floats of columns per example, beyond the bound: chunk 1. */
Test(model, conv_chunk_bound)
{
    blr_model_spec s;
    blr_model_cnn_default(&s);
    blr_model m;
    init_ok(&m, &s, 128);
    for (int c = 0; c < 2; c++) {
        const blr_conv *v = &m.conv[c];
        size_t cols = (size_t)v->c_in * 25 * (size_t)(v->side_conv * v->side_conv);
        size_t fit = BLR_CONV_COL_BYTES / sizeof(float) / cols;
        cr_assert_eq(v->chunk_max, fit < 128 ? (int)fit : 128, "block %d", c);
        cr_assert_eq(v->chunk, v->chunk_max);
    }
    cr_assert(BLR_CONV_COL_BYTES != (size_t)1 << 20 ||
              (m.conv[0].chunk_max == 18 && m.conv[1].chunk_max == 5));
    blr_model_free(&m);
    init_ok(&m, &s, 3); /* max_batch caps the chunk of the first block */
    cr_assert(m.conv[0].chunk_max == 3 && m.conv[1].chunk_max <= 3);
    blr_model_free(&m);

    s.image_side = 512;
    s.n_in = 512 * 512;
    s.n_conv = 1;
    s.kernel = 3;
    s.conv_channels[0] = 1;
    init_ok(&m, &s, 2);
    cr_assert_eq(m.conv[0].chunk_max, 1);
    blr_model_free(&m);
}

/* blr_model_set_conv_chunk: clamps to each block's workspace, refuses chunk < 1 and models
 * without conv layers, naming the problem. */
Test(model, set_conv_chunk)
{
    blr_model_spec s;
    blr_model_cnn_default(&s);
    blr_model m;
    char err[256] = "";
    init_ok(&m, &s, 10);
    cr_assert_eq(blr_model_set_conv_chunk(&m, 7, err, sizeof err), 0, "%s", err);
    cr_assert(m.conv[0].chunk == 7 && m.conv[1].chunk == m.conv[1].chunk_max &&
              m.conv[1].chunk_max < 7);
    cr_assert_eq(blr_model_set_conv_chunk(&m, 0, err, sizeof err), -1);
    cr_assert(strstr(err, "chunk 0") != NULL, "message '%s'", err);
    cr_assert_eq(m.conv[0].chunk, 7, "a refused chunk changed the model");
    blr_model_free(&m);
    blr_model_spec mlp = mlp_spec(BLR_ACT_TANH, BLR_TASK_CLASSIFICATION, 3);
    init_ok(&m, &mlp, 4);
    err[0] = '\0';
    cr_assert_eq(blr_model_set_conv_chunk(&m, 2, err, sizeof err), -1);
    cr_assert(strstr(err, "cnn") != NULL, "message '%s'", err);
    blr_model_free(&m);
}

/* grad and sqgrad are overwritten: a buffer full of NaN before the call is finite after it
 * and equals a buffer that held other garbage. */
Test(model, gradients_overwrite)
{
    blr_model_spec s = mlp_spec(BLR_ACT_RELU, BLR_TASK_CLASSIFICATION, 3);
    blr_model m;
    init_ok(&m, &s, 4);
    batch b;
    make_batch(&b, &m, 4, 41);
    float *th = random_theta(&m, 42);
    size_t P = m.n_params;
    float *g1 = malloc(P * sizeof(float)), *g2 = malloc(P * sizeof(float));
    float *q1 = malloc(P * sizeof(float)), *q2 = malloc(P * sizeof(float));
    cr_assert(g1 && g2 && q1 && q2);
    for (size_t j = 0; j < P; j++) {
        g1[j] = q1[j] = NAN;
        g2[j] = q2[j] = 123.0f;
    }
    blr_model_loss_grad(&m, th, b.x, b.label, NULL, 4, g1, q1);
    blr_model_loss_grad(&m, th, b.x, b.label, NULL, 4, g2, q2);
    for (size_t j = 0; j < P; j++)
        cr_assert(isfinite(g1[j]) && g1[j] == g2[j] && isfinite(q1[j]) && q1[j] == q2[j],
                  "coordinate %zu", j);
    free(th);
    free(g1);
    free(g2);
    free(q1);
    free(q2);
    blr_model_free(&m);
}

/* Logits (L, L, 0) from a 1 → 3 linear model with x = 1, W = (L, L, 0)ᵀ, b = 0. Exactly:
 * p = (1/(2 + e^-L), same, e^-L/(2 + e^-L)), so for L = 1e30 (or 1000, where exp(L)
 * overflows in float): p = (½, ½, 0), -log p_0 = log 2, -log p_2 = L + log 2, and the
 * gradient w.r.t. the logits for label 0 is p - e_0 = (-½, ½, 0) (times x = 1 for W, b). */
Test(model, softmax_stable_for_huge_logits)
{
    blr_model_spec s = {.arch = BLR_ARCH_LINEAR, .n_in = 1, .n_out = 3,
                        .task = BLR_TASK_CLASSIFICATION};
    blr_model m;
    init_ok(&m, &s, 1);
    const float big[2] = {1000.0f, 1e30f};
    for (int t = 0; t < 2; t++) {
        float L = big[t], th[6] = {L, L, 0, 0, 0, 0}, x = 1, g[6], p[3];
        int y0 = 0, y2 = 2;
        double l0 = blr_model_loss_grad(&m, th, &x, &y0, NULL, 1, g, NULL);
        cr_assert(fabs(l0 - log(2.0)) < 1e-6, "L = %g: loss %.9g", L, l0);
        const float want[3] = {-0.5f, 0.5f, 0.0f};
        for (int c = 0; c < 3; c++)
            cr_assert(fabs(g[c] - want[c]) < 1e-6 && fabs(g[3 + c] - want[c]) < 1e-6);
        double l2 = blr_model_loss(&m, th, &x, &y2, NULL, 1);
        cr_assert(fabs(l2 - ((double)L + log(2.0))) <= 1e-6 * (double)L, "loss %.9g", l2);
        blr_model_predict(&m, th, &x, 1, p);
        cr_assert(fabs(p[0] - 0.5f) < 1e-7 && fabs(p[1] - 0.5f) < 1e-7 && p[2] == 0.0f);
    }
    blr_model_free(&m);
}

Test(model, predict_probabilities_and_means)
{
    enum { N = 6 };
    blr_model_spec s = mlp_spec(BLR_ACT_ELU, BLR_TASK_CLASSIFICATION, 4);
    blr_model m;
    init_ok(&m, &s, N);
    batch b;
    make_batch(&b, &m, N, 51);
    float *th = random_theta(&m, 52), p[N * 4];
    double *thd = malloc(m.n_params * sizeof(double)), z[N * 4];
    cr_assert(thd);
    for (size_t j = 0; j < m.n_params; j++)
        thd[j] = th[j];
    blr_model_predict(&m, th, b.x, N, p);
    ref_loss(&m, thd, b.x, b.label, NULL, N, z);
    for (int i = 0; i < N; i++) {
        double sum = 0, zsum = 0;
        for (int c = 0; c < 4; c++) {
            cr_assert(p[i * 4 + c] >= 0 && p[i * 4 + c] <= 1);
            sum += p[i * 4 + c];
            zsum += exp(z[i * 4 + c]);
        }
        cr_assert(fabs(sum - 1) < 1e-6, "row %d sums to %.9g", i, sum);
        for (int c = 0; c < 4; c++)
            cr_assert(fabs(p[i * 4 + c] - exp(z[i * 4 + c]) / zsum) < 1e-6);
    }
    free(th);
    blr_model_free(&m);

    s = mlp_spec(BLR_ACT_TANH, BLR_TASK_REGRESSION, 2);
    init_ok(&m, &s, N);
    th = random_theta(&m, 53);
    for (size_t j = 0; j < m.n_params; j++)
        thd[j] = th[j];
    blr_model_predict(&m, th, b.x, N, p);
    ref_loss(&m, thd, b.x, NULL, b.target, N, z);
    for (int j = 0; j < N * 2; j++)
        cr_assert(fabs(p[j] - z[j]) < 1e-5, "mean %d: %.9g vs %.9g", j, p[j], z[j]);
    free(th);
    free(thd);
    blr_model_free(&m);
}

/* mlp 5 → 4 → 6 → 3: W0 at 0 (20), b0 at 20 (4), W1 at 24 (24), b1 at 48 (6), W2 at 54 (18),
 * b2 at 72 (3): 75 parameters. Flops on n = 2 rows: 2·2·20·2 + 2·2·24·3 + 2·2·18·3 = 664. */
Test(model, layout_and_flops)
{
    blr_model_spec s = mlp_spec(BLR_ACT_TANH, BLR_TASK_CLASSIFICATION, 3);
    blr_model m;
    init_ok(&m, &s, 2);
    cr_assert_eq(m.n_layers, 3);
    cr_assert_eq(m.n_params, 75);
    const size_t w[3] = {0, 24, 54}, bo[3] = {20, 48, 72};
    for (int l = 0; l < 3; l++)
        cr_assert(m.layer[l].w_off == w[l] && m.layer[l].b_off == bo[l], "layer %d", l);
    cr_assert_eq(blr_model_flops(&m, 2), 664.0);
    blr_model_free(&m);

    /* linear 5 → 3 (hidden sizes are ignored): 18 parameters, flops 2·n·15·2 = 240 at n = 4. */
    s = linear_spec(BLR_TASK_CLASSIFICATION, 3);
    s.n_hidden = 3;
    init_ok(&m, &s, 4);
    cr_assert(m.n_layers == 1 && m.n_params == 18);
    cr_assert_eq(blr_model_flops(&m, 4), 240.0);
    blr_model_free(&m);
}

/* The default cnn by hand. 28×28×1 → conv5-32: side 24, W 32·1·25 = 800 at 0, b at 800;
 * pool → 12; conv5-64: side 8, W 64·32·25 = 51200 at 832, b at 52032; pool → 4: 64·16 =
 * 1024 features; dense 1024 → 256: W at 52096 (262144), b at 314240; 256 → 10: W at 314496
 * (2560), b at 317056; 317066 parameters. Flops at n = 1: conv1 2·25·32·576 = 921600 (×2, no
 * input delta), conv2 2·800·64·64 = 6553600 (×3), dense 2·1024·256 = 524288 (×3, the
 * features need a delta) and 2·256·10 = 5120 (×3): 1843200 + 19660800 + 1572864 + 15360 =
 * 23092224. */
Test(model, cnn_default_layout_and_flops)
{
    blr_model_spec s;
    blr_model_cnn_default(&s);
    blr_model m;
    init_ok(&m, &s, 1);
    cr_assert(m.n_conv == 2 && m.n_layers == 2);
    cr_assert(m.conv[0].w_off == 0 && m.conv[0].b_off == 800 && m.conv[0].side_conv == 24 &&
              m.conv[0].side_pool == 12);
    cr_assert(m.conv[1].w_off == 832 && m.conv[1].b_off == 52032 && m.conv[1].side_conv == 8 &&
              m.conv[1].side_pool == 4 && m.conv[1].c_in == 32);
    cr_assert(m.layer[0].n_in == 1024 && m.layer[0].n_out == 256 && m.layer[0].w_off == 52096 &&
              m.layer[0].b_off == 314240);
    cr_assert(m.layer[1].w_off == 314496 && m.layer[1].b_off == 317056);
    cr_assert_eq(m.n_params, 317066);
    cr_assert_eq(blr_model_flops(&m, 1), 23092224.0);
    cr_assert_eq(s.act, BLR_ACT_ELU);
    blr_model_free(&m);
}

/* Conv weights U(-k, k) with PyTorch's conv fan_in, k = 1/sqrt(c_in · kernel²): for the
 * default's second conv k = 1/sqrt(800); 51200 draws, so the largest |w| is within 0.1% of
 * k unless P(|w| < 0.999k)^51200 = 0.999^51200 ≈ 6e-23 fails. Biases zero. */
Test(model, cnn_init_params)
{
    blr_model_spec s;
    blr_model_cnn_default(&s);
    blr_model m;
    init_ok(&m, &s, 1);
    float *th = malloc(m.n_params * sizeof(float));
    cr_assert(th);
    blr_rng r;
    blr_rng_init(&r, 5, BLR_RNG_TEST, 4);
    blr_model_init_params(&m, &r, th);
    for (int c = 0; c < 2; c++) {
        const blr_conv *v = &m.conv[c];
        double k = 1.0 / sqrt(v->c_in * v->kernel * v->kernel), big = 0.0;
        for (size_t j = v->w_off; j < v->b_off; j++) {
            cr_assert(fabs(th[j]) <= k * (1 + 1e-6), "θ[%zu] = %g beyond %g", j, th[j], k);
            big = fmax(big, fabs(th[j]));
        }
        if (c == 1)
            cr_assert(big > 0.999 * k, "largest |w| %g of bound %g", big, k);
        for (int o = 0; o < v->c_out; o++)
            cr_assert_eq(th[v->b_off + (size_t)o], 0.0f);
    }
    free(th);
    blr_model_free(&m);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Kolmogorov-Smirnov distance of n draws w (sorted here) from the CDF F of a layer whose
 * weights have scale k. */
static double ks_distance(double *w, size_t n, double (*F)(double x, double k), double k)
{
    qsort(w, n, sizeof(double), cmp_double);
    double D = 0.0;
    for (size_t j = 0; j < n; j++) {
        double f = F(w[j], k);
        D = fmax(D, fmax((double)(j + 1) / n - f, f - (double)j / n));
    }
    return D;
}

static double uniform_cdf(double x, double k) { return gsl_cdf_flat_P(x, -k, k); }

/* normal(0, k²) truncated to ±2k. */
static double truncated_normal_cdf(double x, double k)
{
    const double lo = gsl_cdf_ugaussian_P(-2.0);
    return (gsl_cdf_ugaussian_P(x / k) - lo) / (1.0 - 2.0 * lo);
}

/* init haiku (the paper's code): weights normal(0, k²) truncated to ±2k, k = 1/sqrt(fan_in),
 * by a KS test against that truncated CDF from GSL's Φ (critical value 1.95/sqrt(n), level
 * ~0.001); dense biases 0.05, conv biases zero; their sd ≈ 0.88 k. A pytorch init from the
 * same stream differs. */
Test(model, haiku_init_is_a_truncated_normal)
{
    blr_model_spec s;
    blr_model_cnn_default(&s);
    s.conv_channels[0] = 4;
    s.conv_channels[1] = 8;
    s.hidden[0] = 128;
    s.init = BLR_INIT_HAIKU;
    blr_model m;
    init_ok(&m, &s, 1);
    size_t P = m.n_params;
    float *th = malloc(P * sizeof(float)), *pt = malloc(P * sizeof(float));
    double *w = malloc(P * sizeof(double));
    cr_assert(th && pt && w);
    blr_rng r;
    blr_rng_init(&r, 7, BLR_RNG_INIT, 0);
    blr_model_init_params(&m, &r, th);
    m.spec.init = BLR_INIT_PYTORCH;
    blr_rng_init(&r, 7, BLR_RNG_INIT, 0);
    blr_model_init_params(&m, &r, pt);
    cr_assert(memcmp(th, pt, P * sizeof(float)) != 0);
    for (int l = 0; l < m.n_conv + m.n_layers; l++) {
        int conv = l < m.n_conv;
        size_t w_off = conv ? m.conv[l].w_off : m.layer[l - m.n_conv].w_off;
        size_t b_off = conv ? m.conv[l].b_off : m.layer[l - m.n_conv].b_off;
        size_t n_out = conv ? (size_t)m.conv[l].c_out : (size_t)m.layer[l - m.n_conv].n_out;
        size_t nw = b_off - w_off, fan_in = nw / n_out;
        double k = 1.0 / sqrt((double)fan_in), ss = 0.0;
        for (size_t j = 0; j < nw; j++) {
            w[j] = th[w_off + j];
            cr_assert(fabs(w[j]) <= 2.0 * k * (1 + 1e-6), "layer %d: %g beyond 2k", l, w[j]);
            ss += w[j] * w[j];
        }
        for (size_t j = 0; j < n_out; j++)
            cr_assert_eq(th[b_off + j], conv ? 0.0f : 0.05f, "layer %d bias %zu", l, j);
        double D = ks_distance(w, nw, truncated_normal_cdf, k);
        cr_assert(D < 1.95 / sqrt((double)nw), "layer %d: KS distance %g over %zu weights", l,
                  D, nw);
        if (nw > 10000)
            cr_assert(fabs(sqrt(ss / nw) / k - 0.8796) < 0.02, "layer %d: sd %g k", l,
                      sqrt(ss / nw) / k);
    }
    free(w);
    free(th);
    free(pt);
    blr_model_free(&m);
}

/* Weights U(-k, k), k = 1/sqrt(fan_in): within the bound, uniform by a KS test against GSL's
 * flat CDF (critical value 1.95/sqrt(n) ~ level 0.001), biases zero, and a function of the
 * stream only. */
Test(model, init_params)
{
    blr_model_spec s = {.arch = BLR_ARCH_MLP, .n_in = 100, .n_out = 7, .n_hidden = 1,
                        .hidden = {40}, .act = BLR_ACT_RELU};
    blr_model m;
    init_ok(&m, &s, 1);
    size_t P = m.n_params;
    float *a = malloc(P * sizeof(float)), *b = malloc(P * sizeof(float));
    float *c = malloc(P * sizeof(float));
    cr_assert(a && b && c);
    blr_rng r;
    blr_rng_init(&r, 5, BLR_RNG_INIT, 0);
    blr_model_init_params(&m, &r, a);
    blr_rng_init(&r, 5, BLR_RNG_INIT, 0);
    blr_model_init_params(&m, &r, b);
    blr_rng_init(&r, 6, BLR_RNG_INIT, 0);
    blr_model_init_params(&m, &r, c);
    cr_assert(memcmp(a, b, P * sizeof(float)) == 0, "same stream, different θ");
    cr_assert(memcmp(a, c, P * sizeof(float)) != 0, "different streams, same θ");
    for (int l = 0; l < m.n_layers; l++) {
        const blr_dense *d = &m.layer[l];
        size_t nw = (size_t)d->n_in * (size_t)d->n_out;
        double k = 1.0 / sqrt(d->n_in);
        for (int j = 0; j < d->n_out; j++)
            cr_assert_eq(a[d->b_off + (size_t)j], 0.0f);
        double *w = malloc(nw * sizeof(double));
        cr_assert(w);
        for (size_t j = 0; j < nw; j++) {
            w[j] = a[d->w_off + j];
            cr_assert(fabs(w[j]) <= k, "layer %d weight %zu = %g beyond %g", l, j, w[j], k);
        }
        double D = ks_distance(w, nw, uniform_cdf, k);
        cr_assert(D < 1.95 / sqrt((double)nw), "layer %d: KS distance %g over %zu weights", l, D,
                  nw);
        free(w);
    }
    free(a);
    free(b);
    free(c);
    blr_model_free(&m);
}

/* Each bad spec is refused with a message naming the offending field. */
static void expect_init_error(const blr_model_spec *s, int max_batch, const char *word)
{
    blr_model m;
    char err[256] = "";
    cr_assert_eq(blr_model_init(&m, s, max_batch, err, sizeof err), -1, "accepted (%s)", word);
    cr_assert(strstr(err, word) != NULL, "message '%s' does not name '%s'", err, word);
    blr_model_free(&m);
}

Test(model, init_errors)
{
    blr_model_spec ok = mlp_spec(BLR_ACT_TANH, BLR_TASK_REGRESSION, 1), s;
    s = ok;
    s.n_in = 0;
    expect_init_error(&s, 4, "n_in");
    s = ok;
    s.n_out = 0;
    expect_init_error(&s, 4, "n_out");
    s = ok;
    s.hidden[1] = 0;
    expect_init_error(&s, 4, "hidden layer 2");
    s = ok;
    s.n_hidden = 0;
    expect_init_error(&s, 4, "hidden layers");
    s = ok;
    s.n_hidden = BLR_MAX_LAYERS;
    expect_init_error(&s, 4, "hidden layers");
    expect_init_error(&ok, 0, "max_batch");
    const double bad_sd[4] = {0.0, -1.0, NAN, INFINITY};
    for (int i = 0; i < 4; i++) {
        s = ok;
        s.noise_sd = bad_sd[i];
        expect_init_error(&s, 4, "noise_sd");
    }
    s = ok;
    s.arch = (blr_arch)7;
    expect_init_error(&s, 4, "architecture");
    s = ok;
    s.act = (blr_act)-1;
    expect_init_error(&s, 4, "activation");
    s = ok;
    s.task = (blr_task)9;
    expect_init_error(&s, 4, "task");

    blr_model_spec cnn = cnn_spec(BLR_ACT_ELU, BLR_TASK_CLASSIFICATION, 3);
    s = cnn;
    s.n_conv = 0;
    expect_init_error(&s, 4, "n_conv");
    s = cnn;
    s.n_conv = BLR_MAX_CONV + 1;
    expect_init_error(&s, 4, "n_conv");
    s = cnn;
    s.kernel = 0;
    expect_init_error(&s, 4, "kernel");
    s = cnn;
    s.image_side = 0;
    expect_init_error(&s, 4, "image_side");
    s = cnn;
    s.image_channels = 0;
    expect_init_error(&s, 4, "image_channels");
    s = cnn;
    s.n_in = 127;
    expect_init_error(&s, 4, "n_in");
    s = cnn;
    s.conv_channels[0] = 0;
    expect_init_error(&s, 4, "conv layer 1");
    s = cnn;
    s.kernel = 8; /* 8 - 8 + 1 = 1, no 2×2 window */
    expect_init_error(&s, 4, "kernel 8");
    s = cnn2_spec(BLR_ACT_ELU, BLR_TASK_CLASSIFICATION, 3);
    s.kernel = 4; /* 10 → 7 → 3 → 0 */
    expect_init_error(&s, 4, "conv layer 2");
    s = cnn;
    s.n_hidden = -1;
    expect_init_error(&s, 4, "hidden layers");
    s = cnn;
    s.hidden[0] = 0;
    expect_init_error(&s, 4, "hidden layer 1");
    s = cnn;
    s.act = (blr_act)3;
    expect_init_error(&s, 4, "activation");

    /* The boundaries are accepted: BLR_MAX_LAYERS - 1 hidden layers, and any noise_sd for
     * classification, which has no noise. */
    blr_model m;
    char err[256];
    s = ok;
    s.n_hidden = BLR_MAX_LAYERS - 1;
    for (int i = 0; i < s.n_hidden; i++)
        s.hidden[i] = 2;
    cr_assert_eq(blr_model_init(&m, &s, 1, err, sizeof err), 0, "%s", err);
    cr_assert_eq(m.n_layers, BLR_MAX_LAYERS);
    blr_model_free(&m);
    s = ok;
    s.task = BLR_TASK_CLASSIFICATION;
    s.noise_sd = 0.0;
    cr_assert_eq(blr_model_init(&m, &s, 1, err, sizeof err), 0, "%s", err);
    blr_model_free(&m);
}

/* An empty batch, a label outside [0, n_out) or a missing label/target array: NAN loss and
 * NAN gradients, nothing read out of bounds. */
Test(model, invalid_batches)
{
    blr_model_spec s = linear_spec(BLR_TASK_CLASSIFICATION, 3);
    blr_model m;
    init_ok(&m, &s, 2);
    batch b;
    make_batch(&b, &m, 2, 61);
    float *th = random_theta(&m, 62), g[18], q[18];
    int bad_hi[2] = {0, 3}, bad_lo[2] = {-1, 0};
    cr_assert(isnan(blr_model_loss_grad(&m, th, b.x, b.label, NULL, 0, g, q)));
    for (int j = 0; j < 18; j++)
        cr_assert(isnan(g[j]) && isnan(q[j]));
    cr_assert(isnan(blr_model_loss_grad(&m, th, b.x, bad_hi, NULL, 2, g, NULL)));
    cr_assert(isnan(g[0]));
    cr_assert(isnan(blr_model_loss(&m, th, b.x, bad_lo, NULL, 2)));
    cr_assert(isnan(blr_model_loss(&m, th, b.x, NULL, b.target, 2)));
    blr_model_free(&m);
    s = linear_spec(BLR_TASK_REGRESSION, 1);
    init_ok(&m, &s, 2);
    cr_assert(isnan(blr_model_loss(&m, th, b.x, b.label, NULL, 2)));
    cr_assert(isfinite(blr_model_loss(&m, th, b.x, NULL, b.target, 2)));
    free(th);
    blr_model_free(&m);
}

Test(model, names)
{
    const char *arch[3] = {"linear", "mlp", "cnn"}, *act[3] = {"tanh", "relu", "elu"};
    for (int i = 0; i < 3; i++) {
        blr_arch a;
        cr_assert_eq(blr_arch_from_name(arch[i], &a), 0);
        cr_assert_str_eq(blr_arch_name(a), arch[i]);
    }
    for (int i = 0; i < 3; i++) {
        blr_act a;
        cr_assert_eq(blr_act_from_name(act[i], &a), 0);
        cr_assert_str_eq(blr_act_name(a), act[i]);
    }
    blr_arch a;
    blr_act f;
    cr_assert_eq(blr_arch_from_name("CNN", &a), -1);
    cr_assert_eq(blr_arch_from_name(NULL, &a), -1);
    cr_assert_eq(blr_act_from_name("sigmoid", &f), -1);
    cr_assert_eq(blr_act_from_name("TANH", &f), -1);
    cr_assert_str_eq(blr_arch_name((blr_arch)5), "unknown");
    cr_assert_str_eq(blr_act_name((blr_act)5), "unknown");
}
