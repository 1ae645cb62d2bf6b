/* Dense and convolutional networks on one flat parameter buffer (docs/design.md §6): what
 * every architecture shares. The layers themselves are lib/nn/model_dense.c and
 * lib/nn/model_conv.c (lib/nn/model_layers.h).
 *
 * θ holds, layer after layer, W (out × in, row-major) then b (out), conv blocks first. A
 * pass is forward → head (loss and output delta) → backward, all on workspace sized at init
 * for max_batch rows; larger batches run chunk by chunk with the gradient GEMMs accumulating
 * (beta = 1), which is exact because the mean loss is a sum over rows. */
#include "model_layers.h"
#include "fastmath.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rows per chunk of the squared-gradient GEMM: bounds the scratch for squared inputs
 * (chunk × n_in) independently of a large full batch. */
#define SQ_CHUNK 256
#define LOG_2PI 1.83787706640934548356

static const char *const arch_names[] = {"linear", "mlp", "cnn"};
static const char *const act_names[] = {"tanh", "relu", "elu"};
static const char *const init_names[] = {"pytorch", "haiku"};
#define N_ARCH ((int)(sizeof arch_names / sizeof arch_names[0]))
#define N_ACT ((int)(sizeof act_names / sizeof act_names[0]))
#define N_INIT ((int)(sizeof init_names / sizeof init_names[0]))

const char *blr_arch_name(blr_arch a)
{
    return (int)a >= 0 && (int)a < N_ARCH ? arch_names[a] : "unknown";
}

int blr_arch_from_name(const char *name, blr_arch *a)
{
    for (int i = 0; name && i < N_ARCH; i++)
        if (strcmp(name, arch_names[i]) == 0) {
            *a = (blr_arch)i;
            return 0;
        }
    return -1;
}

const char *blr_act_name(blr_act a)
{
    return (int)a >= 0 && (int)a < N_ACT ? act_names[a] : "unknown";
}

int blr_act_from_name(const char *name, blr_act *a)
{
    for (int i = 0; name && i < N_ACT; i++)
        if (strcmp(name, act_names[i]) == 0) {
            *a = (blr_act)i;
            return 0;
        }
    return -1;
}

const char *blr_init_name(blr_init i)
{
    return (int)i >= 0 && (int)i < N_INIT ? init_names[i] : "unknown";
}

int blr_init_from_name(const char *name, blr_init *i)
{
    for (int k = 0; name && k < N_INIT; k++)
        if (strcmp(name, init_names[k]) == 0) {
            *i = (blr_init)k;
            return 0;
        }
    return -1;
}

/* ---- construction ---- */

void blr_model_cnn_default(blr_model_spec *s)
{
    blr_model_spec d = {.arch = BLR_ARCH_CNN, .n_in = 28 * 28, .n_out = 10, .n_hidden = 1,
                        .hidden = {256}, .n_conv = 2, .conv_channels = {32, 64}, .kernel = 5,
                        .image_side = 28, .image_channels = 1, .act = BLR_ACT_ELU,
                        .task = BLR_TASK_CLASSIFICATION};
    *s = d;
}

static int check_cnn(const blr_model_spec *s, char *err, size_t errlen)
{
    if (s->n_conv < 1 || s->n_conv > BLR_MAX_CONV) {
        snprintf(err, errlen, "model: a cnn needs 1 to %d conv layers, got n_conv %d",
                 BLR_MAX_CONV, s->n_conv);
        return -1;
    }
    if (s->kernel < 1 || s->image_side < 1 || s->image_channels < 1) {
        snprintf(err, errlen, "model: cnn kernel (%d), image_side (%d) and image_channels (%d) "
                 "must be >= 1", s->kernel, s->image_side, s->image_channels);
        return -1;
    }
    if ((double)s->n_in != (double)s->image_channels * s->image_side * s->image_side) {
        snprintf(err, errlen, "model: cnn n_in (%d) must be image_channels · image_side² = "
                 "%d · %d²", s->n_in, s->image_channels, s->image_side);
        return -1;
    }
    int side = s->image_side;
    for (int c = 0; c < s->n_conv; c++) {
        if (s->conv_channels[c] < 1) {
            snprintf(err, errlen, "model: conv layer %d has %d channels, must be >= 1", c + 1,
                     s->conv_channels[c]);
            return -1;
        }
        int conv = side - s->kernel + 1;
        if (conv < 2) {
            snprintf(err, errlen, "model: conv layer %d: kernel %d on side %d leaves %d, "
                     "below the 2 a 2×2 pool needs", c + 1, s->kernel, side, conv);
            return -1;
        }
        side = conv / 2;
    }
    return 0;
}

static int check_spec(const blr_model_spec *s, int max_batch, char *err, size_t errlen)
{
    if ((int)s->arch < 0 || (int)s->arch >= N_ARCH) {
        snprintf(err, errlen, "model: unknown architecture %d", (int)s->arch);
        return -1;
    }
    if (s->task != BLR_TASK_CLASSIFICATION && s->task != BLR_TASK_REGRESSION) {
        snprintf(err, errlen, "model: unknown task %d", (int)s->task);
        return -1;
    }
    if (s->n_in < 1 || s->n_out < 1) {
        snprintf(err, errlen, "model: n_in (%d) and n_out (%d) must be >= 1", s->n_in, s->n_out);
        return -1;
    }
    if (max_batch < 1) {
        snprintf(err, errlen, "model: max_batch (%d) must be >= 1", max_batch);
        return -1;
    }
    if (s->task == BLR_TASK_REGRESSION && !(isfinite(s->noise_sd) && s->noise_sd > 0)) {
        snprintf(err, errlen, "model: noise_sd (%g) must be finite and > 0 for regression",
                 s->noise_sd);
        return -1;
    }
    if (s->arch == BLR_ARCH_LINEAR)
        return 0;
    if (s->arch == BLR_ARCH_CNN && check_cnn(s, err, errlen) != 0)
        return -1;
    int min_hidden = s->arch == BLR_ARCH_MLP ? 1 : 0;
    if (s->n_hidden < min_hidden || s->n_hidden > BLR_MAX_LAYERS - 1) {
        if (s->arch == BLR_ARCH_CNN)
            snprintf(err, errlen, "model: a cnn takes 0 to %d dense hidden layers, got %d",
                     BLR_MAX_LAYERS - 1, s->n_hidden);
        else
            snprintf(err, errlen, "model: an mlp needs 1 to %d hidden layers, got %d (use "
                     "arch linear for none)", BLR_MAX_LAYERS - 1, s->n_hidden);
        return -1;
    }
    for (int i = 0; i < s->n_hidden; i++)
        if (s->hidden[i] < 1) {
            snprintf(err, errlen, "model: hidden layer %d has size %d, must be >= 1", i + 1,
                     s->hidden[i]);
            return -1;
        }
    if ((int)s->act < 0 || (int)s->act >= N_ACT) {
        snprintf(err, errlen, "model: unknown activation %d", (int)s->act);
        return -1;
    }
    return 0;
}

int blr_model_init(blr_model *m, const blr_model_spec *spec, int max_batch, char *err,
                   size_t errlen)
{
    memset(m, 0, sizeof *m);
    if (check_spec(spec, max_batch, err, errlen) != 0)
        return -1;
    m->spec = *spec;
    m->max_batch = max_batch;
    m->n_layers = spec->arch == BLR_ARCH_LINEAR ? 1 : spec->n_hidden + 1;

    int width = spec->n_in, max_in = 0, max_out = 0;
    size_t P = 0;
    if (spec->arch == BLR_ARCH_CNN && blr_conv_layout(m, &P, &width) != 0)
        goto too_big;
    for (int l = 0; l < m->n_layers; l++) {
        blr_dense *d = &m->layer[l];
        d->n_in = width;
        d->n_out = l == m->n_layers - 1 ? spec->n_out : spec->hidden[l];
        width = d->n_out;
        d->w_off = P;
        if (add_block(&P, (size_t)d->n_out, (size_t)d->n_in) != 0)
            goto too_big;
        d->b_off = P;
        if (add_block(&P, (size_t)d->n_out, 1) != 0)
            goto too_big;
        max_in = d->n_in > max_in ? d->n_in : max_in;
        max_out = d->n_out > max_out ? d->n_out : max_out;
    }
    m->n_params = P;

    size_t B = (size_t)max_batch, len = 0;
    m->sq_rows = max_batch < SQ_CHUNK ? max_batch : SQ_CHUNK;
    for (int l = 0; l < m->n_layers; l++) {
        if (l > 0 && add_block(&len, B, (size_t)m->layer[l].n_in) != 0)
            goto too_big;
        if (add_block(&len, B, (size_t)m->layer[l].n_out) != 0)
            goto too_big;
    }
    /* A cnn also backpropagates into the features, the first dense layer's input. */
    size_t delta_width = (size_t)max_out;
    if (m->n_conv > 0 && (size_t)m->layer[0].n_in > delta_width)
        delta_width = (size_t)m->layer[0].n_in;
    if (m->n_conv > 0 && blr_conv_work(m, &len) != 0)
        goto too_big;
    if (add_block(&len, B, 2 * delta_width) != 0 || add_block(&len, B, 1) != 0 ||
        add_block(&len, (size_t)m->sq_rows, (size_t)max_in + (size_t)max_out) != 0 ||
        len > SIZE_MAX / sizeof(float))
        goto too_big;

    m->work = malloc(len * sizeof(float));
    m->act_in = calloc(2 * (size_t)m->n_layers, sizeof(float *));
    if (!m->work || !m->act_in) {
        blr_model_free(m);
        snprintf(err, errlen, "model: out of memory for a workspace of %zu floats", len);
        return -1;
    }
    m->work_len = len;
    m->pre = m->act_in + m->n_layers;
    float *cur = m->work;
    for (int l = 0; l < m->n_layers; l++) {
        if (l > 0)
            m->act_in[l] = take(&cur, B, (size_t)m->layer[l].n_in);
        m->pre[l] = take(&cur, B, (size_t)m->layer[l].n_out);
    }
    if (m->n_conv > 0 && blr_conv_take(m, &cur) != 0) {
        blr_model_free(m);
        snprintf(err, errlen, "model: out of memory for the pooling argmax");
        return -1;
    }
    m->delta_a = take(&cur, B, delta_width);
    m->delta_b = take(&cur, B, delta_width);
    m->ones = take(&cur, B, 1);
    m->sq_a = take(&cur, (size_t)m->sq_rows, (size_t)max_in);
    m->sq_d = take(&cur, (size_t)m->sq_rows, (size_t)max_out);
    for (int i = 0; i < max_batch; i++)
        m->ones[i] = 1.0f;
    return 0;

too_big:
    snprintf(err, errlen, "model: parameter or workspace size overflows (max_batch %d)",
             max_batch);
    return -1;
}

void blr_model_free(blr_model *m)
{
    free(m->work);
    free(m->act_in);
    free(m->arg_work);
    m->arg_work = NULL;
    m->conv_z = m->col = m->conv_g = NULL;
    for (int c = 0; c < BLR_MAX_CONV; c++) {
        m->conv_act[c] = m->pool_out[c] = m->pool_delta[c] = NULL;
        m->pool_arg[c] = NULL;
    }
    m->work = NULL;
    m->act_in = m->pre = NULL;
    m->delta_a = m->delta_b = m->ones = m->sq_a = m->sq_d = NULL;
    m->work_len = 0;
    m->arg_len = 0;
}

size_t blr_model_workspace_bytes(const blr_model *m)
{
    return m->work_len * sizeof *m->work + m->arg_len * sizeof *m->arg_work +
           (m->act_in ? 2 * (size_t)m->n_layers * sizeof *m->act_in : 0);
}

/* Truncation at two sd, haiku's TruncatedNormal: Φ(-2). */
#define PHI_MINUS_2 0.022750131948179209

/* The weights of one layer (n_out × fan_in) and its bias, by the scheme of
 * blr_model_init_params. */
static void init_weights(blr_init scheme, blr_rng *rng, float *theta, size_t w_off,
                         size_t b_off, size_t n_out, size_t fan_in, float bias)
{
    size_t nw = n_out * fan_in;
    float *w = theta + w_off;
    double k = 1.0 / sqrt((double)fan_in);
    blr_rng_fill_uniform(rng, w, nw);
    if (scheme == BLR_INIT_HAIKU)
        for (size_t j = 0; j < nw; j++) /* inversion: u ∈ [0, 1) onto [Φ(-2), Φ(2)) */
            w[j] = (float)(k * gsl_cdf_ugaussian_Pinv(PHI_MINUS_2 +
                                                      w[j] * (1.0 - 2.0 * PHI_MINUS_2)));
    else
        for (size_t j = 0; j < nw; j++)
            w[j] = (2.0f * w[j] - 1.0f) * (float)k;
    for (size_t j = 0; j < n_out; j++)
        theta[b_off + j] = scheme == BLR_INIT_HAIKU ? bias : 0.0f;
}

void blr_model_init_params(const blr_model *m, blr_rng *rng, float *theta)
{
    blr_init s = m->spec.init;
    for (int c = 0; c < m->n_conv; c++) {
        const blr_conv *v = &m->conv[c];
        init_weights(s, rng, theta, v->w_off, v->b_off, (size_t)v->c_out, patch_size(v), 0.0f);
    }
    for (int l = 0; l < m->n_layers; l++) {
        const blr_dense *d = &m->layer[l];
        init_weights(s, rng, theta, d->w_off, d->b_off, (size_t)d->n_out, (size_t)d->n_in,
                     0.05f);
    }
}

/* ---- activations ---- */

/* The activations are elementwise over n × width values: they run block by block
 * (lib/prob/fastmath.h) so the loops vectorize, with tanh and elu's expm1 from fastmath. */
BLR_FASTMATH_INLINE void act_forward_block(blr_act act, size_t len, const float *restrict z,
                                           float *restrict a)
{
    switch (act) {
    case BLR_ACT_TANH:
        for (size_t j = 0; j < len; j++)
            a[j] = blr_fastmath_tanh(z[j]);
        break;
    case BLR_ACT_RELU:
        for (size_t j = 0; j < len; j++)
            a[j] = z[j] > 0.0f ? z[j] : 0.0f;
        break;
    case BLR_ACT_ELU: /* α = 1 */
        for (size_t j = 0; j < len; j++)
            a[j] = blr_fastmath_select(z[j] > 0.0f, z[j], blr_fastmath_expm1(z[j]));
        break;
    }
}

BLR_FASTMATH_CLONES void blr_act_forward(blr_act act, const float *z, float *a, size_t len)
{
    BLR_FASTMATH_FOR_BLOCKS(j, n, 0, len, act_forward_block(act, n, z + j, a + j));
}

/* delta *= act'(z), written through the activation's output a = act(z) so the backward
 * pass needs no transcendental: tanh' = 1 - a², relu' = [a > 0], elu' = a + 1 for z <= 0. */
BLR_FASTMATH_INLINE void act_backward_block(blr_act act, size_t len, const float *restrict a,
                                            float *restrict delta)
{
    switch (act) {
    case BLR_ACT_TANH:
        for (size_t j = 0; j < len; j++)
            delta[j] *= 1.0f - a[j] * a[j];
        break;
    case BLR_ACT_RELU:
        for (size_t j = 0; j < len; j++)
            delta[j] = a[j] > 0.0f ? delta[j] : 0.0f;
        break;
    case BLR_ACT_ELU:
        for (size_t j = 0; j < len; j++)
            delta[j] *= blr_fastmath_select(a[j] > 0.0f, 1.0f, a[j] + 1.0f);
        break;
    }
}

void blr_act_backward(blr_act act, const float *a, float *delta, size_t len)
{
    BLR_FASTMATH_FOR_BLOCKS(j, n, 0, len, act_backward_block(act, n, a + j, delta + j));
}

/* ---- passes ---- */

/* The dense layers' input: the rows of x, or a cnn's pooled features. */
static const float *features(const blr_model *m, const float *x)
{
    return m->n_conv > 0 ? m->pool_out[m->n_conv - 1] : x;
}

/* n <= max_batch rows; leaves the last layer's output (logits or mean) in pre[L-1]. */
static void forward(blr_model *m, const float *theta, const float *x, int n)
{
    if (m->n_conv > 0) {
        blr_conv_forward(m, theta, x, n);
        x = features(m, x);
    }
    blr_dense_forward(m, theta, x, n);
}

/* Softmax of one row into p, stable for any logits: shifted by their max, so every exp is
 * at most 1 and the sum is in [1, k]. Returns log Σ_c exp(z_c - zmax) and the max in *zmax;
 * the caller adds zmax - z_y itself, since adding a huge zmax first would swamp the log. */
static double softmax_row(const float *z, int k, float *p, float *zmax_out)
{
    float zmax = z[0];
    for (int c = 1; c < k; c++)
        zmax = z[c] > zmax ? z[c] : zmax;
    *zmax_out = zmax;
    double s = 0.0;
    for (int c = 0; c < k; c++) {
        p[c] = expf(z[c] - zmax);
        s += p[c];
    }
    float inv = (float)(1.0 / s);
    for (int c = 0; c < k; c++)
        p[c] *= inv;
    return log(s);
}

/* Summed negative log-likelihood of n rows given pre[L-1], and into delta (n × n_out) its
 * per-example gradient with respect to the outputs: softmax - onehot, or (f - y)/sd². */
static double head(blr_model *m, const int *label, const float *target, int n, float *delta)
{
    int k = m->spec.n_out;
    const float *f = m->pre[m->n_layers - 1];
    double sum = 0.0;
    if (m->spec.task == BLR_TASK_CLASSIFICATION) {
        for (int i = 0; i < n; i++) {
            const float *z = f + (size_t)i * (size_t)k;
            float *g = delta + (size_t)i * (size_t)k, zmax;
            double log_s = softmax_row(z, k, g, &zmax);
            /* -log p_y = log Σ exp(z - zmax) + (zmax - z_y) */
            sum += log_s + ((double)zmax - (double)z[label[i]]);
            g[label[i]] -= 1.0f;
        }
        return sum;
    }
    double sd = m->spec.noise_sd, inv_var = 1.0 / (sd * sd);
    double per_output_const = log(sd) + 0.5 * LOG_2PI;
    for (size_t j = 0; j < (size_t)n * (size_t)k; j++) {
        double r = (double)f[j] - (double)target[j];
        sum += 0.5 * r * r * inv_var + per_output_const;
        delta[j] = (float)(r * inv_var);
    }
    return sum;
}

static void backward(blr_model *m, const float *theta, const float *x, int n, float scale,
                     int first, float *grad, float *sqgrad)
{
    float *delta = blr_dense_backward(m, theta, features(m, x), n, scale, first, grad, sqgrad);
    if (delta)
        blr_conv_backward(m, theta, x, n, scale, first, delta, grad, sqgrad);
}

static int batch_ok(const blr_model *m, const int *label, const float *target, int n)
{
    if (n < 1)
        return 0;
    if (m->spec.task == BLR_TASK_REGRESSION)
        return target != NULL;
    if (!label)
        return 0;
    for (int i = 0; i < n; i++)
        if (label[i] < 0 || label[i] >= m->spec.n_out)
            return 0;
    return 1;
}

/* The loss of n rows, chunk by chunk; with grad, also the gradients of the mean. */
static double run(blr_model *m, const float *theta, const float *x, const int *label,
                  const float *target, int n, float *grad, float *sqgrad)
{
    if (!batch_ok(m, label, target, n)) {
        for (size_t j = 0; grad && j < m->n_params; j++)
            grad[j] = NAN;
        for (size_t j = 0; sqgrad && j < m->n_params; j++)
            sqgrad[j] = NAN;
        return NAN;
    }
    int k = m->spec.n_out;
    /* δ is the per-example gradient; 1/n turns the sums over rows into the batch mean. */
    float scale = (float)(1.0 / n);
    double sum = 0.0;
    for (int r0 = 0; r0 < n; r0 += m->max_batch) {
        int rows = n - r0 < m->max_batch ? n - r0 : m->max_batch;
        const float *xc = x + (size_t)r0 * (size_t)m->spec.n_in;
        forward(m, theta, xc, rows);
        sum += head(m, label ? label + r0 : NULL, target ? target + (size_t)r0 * (size_t)k : NULL,
                    rows, m->delta_a);
        if (grad)
            backward(m, theta, xc, rows, scale, r0 == 0, grad, sqgrad);
    }
    return sum / n;
}

double blr_model_loss_grad(blr_model *m, const float *theta, const float *x, const int *label,
                           const float *target, int n, float *grad, float *sqgrad)
{
    return run(m, theta, x, label, target, n, grad, sqgrad);
}

double blr_model_loss(blr_model *m, const float *theta, const float *x, const int *label,
                      const float *target, int n)
{
    return run(m, theta, x, label, target, n, NULL, NULL);
}

void blr_model_predict(blr_model *m, const float *theta, const float *x, int n, float *out)
{
    int k = m->spec.n_out;
    for (int r0 = 0; r0 < n; r0 += m->max_batch) {
        int rows = n - r0 < m->max_batch ? n - r0 : m->max_batch;
        forward(m, theta, x + (size_t)r0 * (size_t)m->spec.n_in, rows);
        const float *f = m->pre[m->n_layers - 1];
        float *o = out + (size_t)r0 * (size_t)k;
        if (m->spec.task == BLR_TASK_REGRESSION) {
            memcpy(o, f, (size_t)rows * (size_t)k * sizeof(float));
            continue;
        }
        for (int i = 0; i < rows; i++) {
            float zmax;
            softmax_row(f + (size_t)i * (size_t)k, k, o + (size_t)i * (size_t)k, &zmax);
        }
    }
}

double blr_model_flops(const blr_model *m, int n)
{
    return blr_conv_flops(m, n) + blr_dense_flops(m, n);
}
