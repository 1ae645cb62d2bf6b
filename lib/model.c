/* Dense and convolutional networks on one flat parameter buffer (docs/design.md §6).
 *
 * θ holds, layer after layer, W (out × in, row-major) then b (out), conv blocks first. A
 * pass is forward → head (loss and output delta) → backward, all on workspace sized at init
 * for max_batch rows; larger batches run chunk by chunk with the gradient GEMMs accumulating
 * (beta = 1), which is exact because the mean loss is a sum over rows.
 *
 * Convolutions run a chunk of examples at a time through im2col: the chunk's input patches
 * become one (c_in·k²) × (chunk·side_conv²) matrix, example after example along the columns,
 * so the forward product, the weight gradient and the input delta are one GEMM each per chunk
 * with W (c_out × c_in·k²). The chunk is the whole batch unless its columns would exceed
 * BLR_CONV_COL_BYTES. Activations keep the per-example (c_out, y, x) layout of the flattened
 * features; the GEMM's (c_out, chunk·side_conv²) output is transposed into it on the way
 * through the activation, and the pooled deltas are routed straight into the GEMM layout. */
#include "model.h"
#include "fastmath.h"

#include <cblas.h>
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

/* *total += rows · cols, failing instead of wrapping around. */
static int add_block(size_t *total, size_t rows, size_t cols)
{
    if (cols != 0 && rows > SIZE_MAX / cols)
        return -1;
    if (*total > SIZE_MAX - rows * cols)
        return -1;
    *total += rows * cols;
    return 0;
}

/* Carves the next rows × cols floats out of the workspace. */
static float *take(float **cursor, size_t rows, size_t cols)
{
    float *p = *cursor;
    *cursor += rows * cols;
    return p;
}

static size_t conv_in_size(const blr_conv *v)
{
    return (size_t)v->c_in * (size_t)v->side_in * (size_t)v->side_in;
}

static size_t conv_out_size(const blr_conv *v)
{
    return (size_t)v->c_out * (size_t)v->side_conv * (size_t)v->side_conv;
}

static size_t pool_size(const blr_conv *v)
{
    return (size_t)v->c_out * (size_t)v->side_pool * (size_t)v->side_pool;
}

static size_t patch_size(const blr_conv *v)
{
    return (size_t)v->c_in * (size_t)v->kernel * (size_t)v->kernel;
}

/* Lays the conv blocks out at the start of θ; *width becomes the flattened feature size. */
static int layout_conv(blr_model *m, size_t *P, int *width)
{
    const blr_model_spec *s = &m->spec;
    m->n_conv = s->n_conv;
    int c_in = s->image_channels, side = s->image_side;
    for (int c = 0; c < m->n_conv; c++) {
        blr_conv *v = &m->conv[c];
        v->c_in = c_in;
        v->side_in = side;
        v->c_out = s->conv_channels[c];
        v->kernel = s->kernel;
        v->side_conv = side - s->kernel + 1;
        v->side_pool = v->side_conv / 2;
        v->w_off = *P;
        if (add_block(P, (size_t)v->c_out, patch_size(v)) != 0)
            return -1;
        v->b_off = *P;
        if (add_block(P, (size_t)v->c_out, 1) != 0)
            return -1;
        c_in = v->c_out;
        side = v->side_pool;
    }
    size_t feat = (size_t)c_in * (size_t)side * (size_t)side;
    if (feat > INT32_MAX)
        return -1;
    *width = (int)feat;
    return 0;
}

static size_t max_size(size_t a, size_t b)
{
    return a > b ? a : b;
}

static size_t sat_mul(size_t a, size_t b)
{
    return b != 0 && a > SIZE_MAX / b ? SIZE_MAX : a * b;
}

/* Sets each block's most examples per chunk: max_batch, or fewer so that the chunk's im2col
 * columns stay within BLR_CONV_COL_BYTES (at least one example, whatever its size). */
static void conv_chunks(blr_model *m, size_t budget)
{
    for (int c = 0; c < m->n_conv; c++) {
        blr_conv *v = &m->conv[c];
        size_t per = sat_mul(patch_size(v), (size_t)v->side_conv * (size_t)v->side_conv);
        size_t fit = budget / sizeof(float) / per;
        fit = fit < 1 ? 1 : fit;
        v->chunk = v->chunk_max = fit < (size_t)m->max_batch ? (int)fit : m->max_batch;
    }
}

/* The chunk scratch: sz[0] im2col columns, sz[1] a conv output (or its delta) in GEMM
 * layout, both for a block's chunk_max examples, and sz[2] one example's gradient of a block
 * (W and b) for sqgrad. A product that overflows saturates, so add_block rejects it. */
static void conv_scratch(const blr_model *m, size_t sz[3])
{
    sz[0] = sz[1] = sz[2] = 0;
    for (int c = 0; c < m->n_conv; c++) {
        const blr_conv *v = &m->conv[c];
        size_t hw = (size_t)v->side_conv * (size_t)v->side_conv, p = patch_size(v);
        size_t chunk = (size_t)v->chunk_max;
        sz[0] = max_size(sz[0], sat_mul(chunk, sat_mul(p, hw)));
        sz[1] = max_size(sz[1], sat_mul(chunk, conv_out_size(v)));
        sz[2] = max_size(sz[2], sat_mul(p + 1, (size_t)v->c_out));
    }
}

/* Adds the cnn's share of the float workspace to *len (in the order conv_take carves it). */
static int conv_work(const blr_model *m, size_t *len)
{
    size_t B = (size_t)m->max_batch, sz[3];
    for (int c = 0; c < m->n_conv; c++) {
        const blr_conv *v = &m->conv[c];
        if (add_block(len, B, conv_out_size(v)) != 0 || add_block(len, B, pool_size(v)) != 0 ||
            (c < m->n_conv - 1 && add_block(len, B, pool_size(v)) != 0))
            return -1;
    }
    conv_scratch(m, sz);
    for (int j = 0; j < 3; j++)
        if (add_block(len, sz[j], 1) != 0)
            return -1;
    return 0;
}

static int conv_take(blr_model *m, float **cur)
{
    size_t B = (size_t)m->max_batch, sz[3], args = 0;
    for (int c = 0; c < m->n_conv; c++) {
        const blr_conv *v = &m->conv[c];
        m->conv_act[c] = take(cur, B, conv_out_size(v));
        m->pool_out[c] = take(cur, B, pool_size(v));
        if (c < m->n_conv - 1)
            m->pool_delta[c] = take(cur, B, pool_size(v));
        args += B * pool_size(v);
    }
    conv_scratch(m, sz);
    m->col = take(cur, sz[0], 1);
    m->conv_z = take(cur, sz[1], 1);
    m->conv_g = take(cur, sz[2], 1);
    m->arg_work = malloc(args * sizeof(int));
    m->arg_len = args;
    if (!m->arg_work)
        return -1;
    int *a = m->arg_work;
    for (int c = 0; c < m->n_conv; c++) {
        m->pool_arg[c] = a;
        a += B * pool_size(&m->conv[c]);
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
    if (spec->arch == BLR_ARCH_CNN && layout_conv(m, &P, &width) != 0)
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
    if (m->n_conv > 0) {
        conv_chunks(m, BLR_CONV_COL_BYTES);
        if (conv_work(m, &len) != 0)
            goto too_big;
    }
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
    if (m->n_conv > 0 && conv_take(m, &cur) != 0) {
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

int blr_model_set_conv_chunk(blr_model *m, int chunk, char *err, size_t errlen)
{
    if (m->n_conv == 0) {
        snprintf(err, errlen, "model: conv chunk applies to a cnn only");
        return -1;
    }
    if (chunk < 1) {
        snprintf(err, errlen, "model: conv chunk %d must be >= 1", chunk);
        return -1;
    }
    for (int c = 0; c < m->n_conv; c++) {
        blr_conv *v = &m->conv[c];
        v->chunk = chunk < v->chunk_max ? chunk : v->chunk_max;
    }
    return 0;
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
 * (lib/fastmath.h) so the loops vectorize, with tanh and elu's expm1 from fastmath. */
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

BLR_FASTMATH_CLONES static void act_forward(blr_act act, const float *z, float *a, size_t len)
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

static void act_backward(blr_act act, const float *a, float *delta, size_t len)
{
    BLR_FASTMATH_FOR_BLOCKS(j, n, 0, len, act_backward_block(act, n, a + j, delta + j));
}

/* ---- passes ---- */

static const float *layer_input(const blr_model *m, const float *x, int l)
{
    return l == 0 ? x : m->act_in[l];
}

/* dst[0..n) = src[0..n), dst[0..n) += src[0..n) and dst[0..n) = value: the rows of im2col
 * are short (side_conv floats), so they go in fixed blocks that the compiler turns into
 * vector moves (a constant-size memcpy is inlined; a plain copy loop would become a memmove
 * call per row). */
#define RUN_BLOCK 8
static inline void copy_run(float *restrict dst, const float *restrict src, int n)
{
    int x = 0;
    for (; x + RUN_BLOCK <= n; x += RUN_BLOCK)
        memcpy(dst + x, src + x, RUN_BLOCK * sizeof(float));
    if (x < n)
        memcpy(dst + x, src + x, (size_t)(n - x) * sizeof(float));
}

static inline void add_run(float *restrict dst, const float *restrict src, int n)
{
    int x = 0;
    for (; x + RUN_BLOCK <= n; x += RUN_BLOCK)
        for (int j = 0; j < RUN_BLOCK; j++)
            dst[x + j] += src[x + j];
    for (; x < n; x++)
        dst[x] += src[x];
}

static inline void fill_run(float *dst, float value, int n)
{
    int x = 0;
    for (; x + RUN_BLOCK <= n; x += RUN_BLOCK)
        for (int j = 0; j < RUN_BLOCK; j++)
            dst[x + j] = value;
    for (; x < n; x++)
        dst[x] = value;
}

/* Patches of one example's c_in × side_in² input as rows of a (c_in·k²) × side_conv² block
 * of col whose rows are ld apart: row (ch, ky, kx) holds in[ch][y + ky][x + kx] over the
 * output positions (y, x). */
static void im2col(const blr_conv *v, const float *in, float *col, size_t ld)
{
    int k = v->kernel, so = v->side_conv, si = v->side_in;
    for (int ch = 0; ch < v->c_in; ch++)
        for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++, col += ld) {
                const float *src = in + ((size_t)ch * (size_t)si + (size_t)ky) * (size_t)si + kx;
                for (int y = 0; y < so; y++)
                    copy_run(col + (size_t)y * (size_t)so, src + (size_t)y * (size_t)si, so);
            }
}

/* The adjoint of im2col: in = Σ of the patch entries of the block at their input position. */
static void col2im(const blr_conv *v, const float *col, size_t ld, float *in)
{
    int k = v->kernel, so = v->side_conv, si = v->side_in;
    memset(in, 0, conv_in_size(v) * sizeof(float));
    for (int ch = 0; ch < v->c_in; ch++)
        for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++, col += ld) {
                float *dst = in + ((size_t)ch * (size_t)si + (size_t)ky) * (size_t)si + kx;
                for (int y = 0; y < so; y++)
                    add_run(dst + (size_t)y * (size_t)si, col + (size_t)y * (size_t)so, so);
            }
}

/* 2×2 max-pooling with stride 2 of one example, remembering where each max came from
 * (the first of equal values, in the order top-left, top-right, bottom-left, bottom-right)
 * for the backward pass. A tournament of selects rather than branches: on real inputs which
 * entry wins is unpredictable. */
static void max_pool(const blr_conv *v, const float *a, float *out, int *arg)
{
    int sc = v->side_conv, sp = v->side_pool;
    for (int ch = 0; ch < v->c_out; ch++)
        for (int y = 0; y < sp; y++) {
            int row = (ch * sc + 2 * y) * sc;
            const float *r0 = a + row, *r1 = r0 + sc;
            for (int x = 0; x < sp; x++) {
                float tl = r0[2 * x], tr = r0[2 * x + 1], bl = r1[2 * x], br = r1[2 * x + 1];
                int right_top = tr > tl, right_bottom = br > bl;
                float top = right_top ? tr : tl, bottom = right_bottom ? br : bl;
                int lower = bottom > top;
                *out++ = lower ? bottom : top;
                *arg++ = row + 2 * x + right_top + lower * (sc + right_bottom - right_top);
            }
        }
}

static const float *conv_input(const blr_model *m, const float *x, int c, int i)
{
    const float *base = c == 0 ? x : m->pool_out[c - 1];
    return base + (size_t)i * conv_in_size(&m->conv[c]);
}

/* im2col of the examples i0 .. i0 + cn - 1 of block c's input into m->col, side by side:
 * example i's columns start at column (i - i0)·side_conv² of rows cn·side_conv² long. */
static void im2col_chunk(blr_model *m, const float *x, int c, int i0, int cn)
{
    const blr_conv *v = &m->conv[c];
    size_t hw = (size_t)v->side_conv * (size_t)v->side_conv, ld = (size_t)cn * hw;
    for (int i = 0; i < cn; i++)
        im2col(v, conv_input(m, x, c, i0 + i), m->col + (size_t)i * hw, ld);
}

/* The conv blocks on n <= max_batch rows, each block's chunk of examples per GEMM: Z =
 * W · im2col + b in GEMM layout (c_out × cn·side_conv²), act into the per-example layout,
 * pool. */
static void conv_forward(blr_model *m, const float *theta, const float *x, int n)
{
    for (int c = 0; c < m->n_conv; c++) {
        const blr_conv *v = &m->conv[c];
        int hw = v->side_conv * v->side_conv, p = (int)patch_size(v);
        size_t no = conv_out_size(v), np = pool_size(v);
        for (int i0 = 0; i0 < n; i0 += v->chunk) {
            int cn = n - i0 < v->chunk ? n - i0 : v->chunk, L = cn * hw;
            im2col_chunk(m, x, c, i0, cn);
            for (int o = 0; o < v->c_out; o++)
                fill_run(m->conv_z + (size_t)o * (size_t)L, theta[v->b_off + (size_t)o], L);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, v->c_out, L, p, 1.0f,
                        theta + v->w_off, p, m->col, L, 1.0f, m->conv_z, L);
            for (int i = 0; i < cn; i++) {
                float *a = m->conv_act[c] + (size_t)(i0 + i) * no;
                for (int o = 0; o < v->c_out; o++)
                    act_forward(m->spec.act, m->conv_z + (size_t)o * (size_t)L + (size_t)i * hw,
                                a + (size_t)o * (size_t)hw, (size_t)hw);
                max_pool(v, a, m->pool_out[c] + (size_t)(i0 + i) * np,
                         m->pool_arg[c] + (size_t)(i0 + i) * np);
            }
        }
    }
}

/* The dense layers' input: the rows of x, or a cnn's pooled features. */
static const float *features(const blr_model *m, const float *x)
{
    return m->n_conv > 0 ? m->pool_out[m->n_conv - 1] : x;
}

/* n <= max_batch rows; leaves the last layer's output (logits or mean) in pre[L-1]. */
static void forward(blr_model *m, const float *theta, const float *x, int n)
{
    if (m->n_conv > 0) {
        conv_forward(m, theta, x, n);
        x = features(m, x);
    }
    for (int l = 0; l < m->n_layers; l++) {
        const blr_dense *d = &m->layer[l];
        float *z = m->pre[l];
        for (int i = 0; i < n; i++)
            memcpy(z + (size_t)i * (size_t)d->n_out, theta + d->b_off,
                   (size_t)d->n_out * sizeof(float));
        /* Z = X Wᵀ + b */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, d->n_out, d->n_in, 1.0f,
                    layer_input(m, x, l), d->n_in, theta + d->w_off, d->n_in, 1.0f, z,
                    d->n_out);
        if (l < m->n_layers - 1)
            act_forward(m->spec.act, z, m->act_in[l + 1], (size_t)n * (size_t)d->n_out);
    }
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

/* out (+)= scale · 1ᵀ A for a rows × cols A, the bias gradient as a GEMV. With overwrite, out
 * is zeroed here rather than by beta = 0: some BLAS builds scale y by a multiply, which would
 * keep NaN garbage in a fresh buffer. */
static void col_sums(const blr_model *m, const float *a, int rows, int cols, float scale,
                     int overwrite, float *out)
{
    if (overwrite)
        memset(out, 0, (size_t)cols * sizeof(float));
    cblas_sgemv(CblasRowMajor, CblasTrans, rows, cols, scale, a, cols, m->ones, 1, 1.0f, out, 1);
}

/* Adds scale · Σ_i (δ_i²)(a_i²)ᵀ and scale · Σ_i δ_i² for one layer into sq (beta 0 on the
 * first contribution), in row chunks of sq_rows. */
static void sq_layer(blr_model *m, const blr_dense *d, const float *a, const float *delta,
                     int n, float scale, int first, float *sq)
{
    for (int r0 = 0; r0 < n; r0 += m->sq_rows) {
        int rows = n - r0 < m->sq_rows ? n - r0 : m->sq_rows;
        size_t na = (size_t)rows * (size_t)d->n_in, nd = (size_t)rows * (size_t)d->n_out;
        const float *ac = a + (size_t)r0 * (size_t)d->n_in;
        const float *dc = delta + (size_t)r0 * (size_t)d->n_out;
        for (size_t j = 0; j < na; j++)
            m->sq_a[j] = ac[j] * ac[j];
        for (size_t j = 0; j < nd; j++)
            m->sq_d[j] = dc[j] * dc[j];
        float beta = first && r0 == 0 ? 0.0f : 1.0f;
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d->n_out, d->n_in, rows, scale,
                    m->sq_d, d->n_out, m->sq_a, d->n_in, beta, sq + d->w_off, d->n_in);
        col_sums(m, m->sq_d, rows, d->n_out, scale, beta == 0.0f, sq + d->b_off);
    }
}

/* Backpropagates the per-example output deltas in delta_a through the dense layers of n
 * rows whose input is x and adds scale times the summed gradients into grad (and the squared
 * ones into sqgrad); first = 1 overwrites instead. delta_a and delta_b are clobbered. For a
 * cnn, returns the delta of x (one of them); NULL otherwise. */
static float *dense_backward(blr_model *m, const float *theta, const float *x, int n,
                             float scale, int first, float *grad, float *sqgrad)
{
    float *delta = m->delta_a, *delta_in = m->delta_b;
    float beta = first ? 0.0f : 1.0f;
    for (int l = m->n_layers - 1; l >= 0; l--) {
        const blr_dense *d = &m->layer[l];
        const float *a = layer_input(m, x, l);
        /* dW = δᵀ A, db = δᵀ 1 */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d->n_out, d->n_in, n, scale,
                    delta, d->n_out, a, d->n_in, beta, grad + d->w_off, d->n_in);
        col_sums(m, delta, n, d->n_out, scale, first, grad + d->b_off);
        if (sqgrad)
            sq_layer(m, d, a, delta, n, scale, first, sqgrad);
        if (l == 0 && m->n_conv == 0)
            break;
        /* δ_in = (δ W) ⊙ act'(input of this layer); a cnn's features are pooled activations,
         * whose act' is applied before the pooling, in conv_backward. */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, d->n_in, d->n_out, 1.0f,
                    delta, d->n_out, theta + d->w_off, d->n_in, 0.0f, delta_in, d->n_in);
        if (l > 0)
            act_backward(m->spec.act, a, delta_in, (size_t)n * (size_t)d->n_in);
        float *t = delta;
        delta = delta_in;
        delta_in = t;
    }
    return m->n_conv > 0 ? delta : NULL;
}

/* Σ over the L columns of each of the rows of dz (rows ld apart), in double, into out;
 * RUN_BLOCK partial sums per row keep the additions independent so that they pipeline. */
static void row_sums(const float *dz, int rows, int L, size_t ld, float *out)
{
    for (int o = 0; o < rows; o++) {
        const float *r = dz + (size_t)o * ld;
        double part[RUN_BLOCK] = {0}, sb = 0.0;
        int j = 0;
        for (; j + RUN_BLOCK <= L; j += RUN_BLOCK)
            for (int t = 0; t < RUN_BLOCK; t++)
                part[t] += r[j + t];
        for (; j < L; j++)
            sb += r[j];
        for (int t = 0; t < RUN_BLOCK; t++)
            sb += part[t];
        out[o] = (float)sb;
    }
}

/* The gradient of a conv block from a chunk's conv delta dz (c_out × L, L = cn·side_conv²,
 * in m->conv_z) and its im2col columns (in m->col): dW = dz colᵀ, db = dz 1, added scaled
 * into grad as one GEMM. With sqgrad each example's gradient dz_i col_iᵀ (its own
 * side_conv² columns of both) is formed in conv_g instead so that its square can be added
 * too: VOGN's per-example squared gradient needs the sum over positions before the square. */
static void conv_grad_chunk(blr_model *m, const blr_conv *v, int cn, float scale, float *grad,
                            float *sqgrad)
{
    int hw = v->side_conv * v->side_conv, p = (int)patch_size(v), L = cn * hw;
    size_t nw = (size_t)v->c_out * (size_t)p;
    if (!sqgrad) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, v->c_out, p, L, scale, m->conv_z,
                    L, m->col, L, 1.0f, grad + v->w_off, p);
        row_sums(m->conv_z, v->c_out, L, (size_t)L, m->conv_g);
        for (int o = 0; o < v->c_out; o++)
            grad[v->b_off + (size_t)o] += scale * m->conv_g[o];
        return;
    }
    float *g = m->conv_g;
    /* W and b are adjacent in θ (b_off = w_off + nw), so one loop covers both. */
    float *gr = grad + v->w_off, *sq = sqgrad + v->w_off;
    for (int i = 0; i < cn; i++) {
        const float *dz = m->conv_z + (size_t)i * (size_t)hw;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, v->c_out, p, hw, 1.0f, dz, L,
                    m->col + (size_t)i * (size_t)hw, L, 0.0f, g, p);
        row_sums(dz, v->c_out, hw, (size_t)L, g + nw);
        for (size_t j = 0; j < nw + (size_t)v->c_out; j++) {
            gr[j] += scale * g[j];
            sq[j] += scale * g[j] * g[j];
        }
    }
}

/* The conv delta of examples i0 .. i0 + cn - 1 of block c in GEMM layout (m->conv_z, c_out ×
 * cn·side_conv²) from the delta dpool of the pooled outputs: max-pooling routes each pooled
 * delta to its window's argmax, positions that were no max (or dropped by an odd side) get
 * zero; then the activation's derivative. */
static void conv_delta_chunk(blr_model *m, int c, const float *dpool, int i0, int cn)
{
    const blr_conv *v = &m->conv[c];
    int hw = v->side_conv * v->side_conv;
    size_t L = (size_t)cn * (size_t)hw, np = pool_size(v), no = conv_out_size(v);
    size_t ppc = (size_t)v->side_pool * (size_t)v->side_pool;
    memset(m->conv_z, 0, (size_t)v->c_out * L * sizeof(float));
    for (int i = 0; i < cn; i++) {
        const float *dp = dpool + (size_t)(i0 + i) * np;
        const int *arg = m->pool_arg[c] + (size_t)(i0 + i) * np;
        const float *a = m->conv_act[c] + (size_t)(i0 + i) * no;
        for (int o = 0; o < v->c_out; o++) {
            /* Channel o's windows lie in its own side_conv² positions (o·hw onwards). */
            float *dz = m->conv_z + (size_t)o * L + (size_t)i * (size_t)hw;
            int base = o * hw;
            for (size_t j = (size_t)o * ppc; j < (size_t)(o + 1) * ppc; j++)
                dz[arg[j] - base] = dp[j];
            act_backward(m->spec.act, a + (size_t)base, dz, (size_t)hw);
        }
    }
}

/* Backpropagates delta (n × features, the delta of the last pooled output) through the conv
 * blocks, a chunk of examples at a time, adding scale times the gradients (and squared
 * per-example gradients) into grad and sqgrad; first = 1 overwrites instead. */
static void conv_backward(blr_model *m, const float *theta, const float *x, int n, float scale,
                          int first, const float *delta, float *grad, float *sqgrad)
{
    size_t conv_params = m->conv[m->n_conv - 1].b_off + (size_t)m->conv[m->n_conv - 1].c_out;
    if (first) {
        memset(grad, 0, conv_params * sizeof(float));
        if (sqgrad)
            memset(sqgrad, 0, conv_params * sizeof(float));
    }
    for (int c = m->n_conv - 1; c >= 0; c--) {
        const blr_conv *v = &m->conv[c];
        int hw = v->side_conv * v->side_conv, p = (int)patch_size(v);
        const float *dpool = c == m->n_conv - 1 ? delta : m->pool_delta[c];
        for (int i0 = 0; i0 < n; i0 += v->chunk) {
            int cn = n - i0 < v->chunk ? n - i0 : v->chunk, L = cn * hw;
            conv_delta_chunk(m, c, dpool, i0, cn);
            im2col_chunk(m, x, c, i0, cn);
            conv_grad_chunk(m, v, cn, scale, grad, sqgrad);
            if (c == 0)
                continue;
            /* δ of the input: col2im(Wᵀ dz), the columns no longer needed hold Wᵀ dz. */
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, p, L, v->c_out, 1.0f,
                        theta + v->w_off, p, m->conv_z, L, 0.0f, m->col, L);
            for (int i = 0; i < cn; i++)
                col2im(v, m->col + (size_t)i * (size_t)hw, (size_t)L,
                       m->pool_delta[c - 1] + (size_t)(i0 + i) * conv_in_size(v));
        }
    }
}

static void backward(blr_model *m, const float *theta, const float *x, int n, float scale,
                     int first, float *grad, float *sqgrad)
{
    float *delta = dense_backward(m, theta, features(m, x), n, scale, first, grad, sqgrad);
    if (delta)
        conv_backward(m, theta, x, n, scale, first, delta, grad, sqgrad);
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
    double flops = 0.0;
    for (int c = 0; c < m->n_conv; c++) {
        const blr_conv *v = &m->conv[c];
        double gemm = 2.0 * n * (double)patch_size(v) * v->c_out * v->side_conv * v->side_conv;
        flops += (c == 0 ? 2.0 : 3.0) * gemm;
    }
    for (int l = 0; l < m->n_layers; l++) {
        double gemm = 2.0 * n * (double)m->layer[l].n_in * (double)m->layer[l].n_out;
        flops += (l == 0 && m->n_conv == 0 ? 2.0 : 3.0) * gemm;
    }
    return flops;
}
