/* The conv → act → max-pool blocks of a cnn (lib/nn/model_layers.h), forward and backward.
 *
 * Convolutions run a chunk of examples at a time through im2col: the chunk's input patches
 * become one (c_in·k²) × (chunk·side_conv²) matrix, example after example along the columns,
 * so the forward product, the weight gradient and the input delta are one GEMM each per chunk
 * with W (c_out × c_in·k²). The chunk is the whole batch unless its columns would exceed
 * BLR_CONV_COL_BYTES. Activations keep the per-example (c_out, y, x) layout of the flattened
 * features; the GEMM's (c_out, chunk·side_conv²) output is transposed into it on the way
 * through the activation, and the pooled deltas are routed straight into the GEMM layout. */
#include "model_layers.h"

#include <cblas.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* ---- layout and workspace ---- */

int blr_conv_layout(blr_model *m, size_t *P, int *width)
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

/* The blocks' share of the workspace is summed in the order blr_conv_take carves it. */
int blr_conv_work(blr_model *m, size_t *len)
{
    size_t B = (size_t)m->max_batch, sz[3];
    conv_chunks(m, BLR_CONV_COL_BYTES);
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

int blr_conv_take(blr_model *m, float **cur)
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

/* ---- im2col and pooling, per example ---- */

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

/* ---- forward ---- */

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

/* Each block's chunk of examples per GEMM: Z = W · im2col + b in GEMM layout (c_out ×
 * cn·side_conv²), act into the per-example layout, pool. */
void blr_conv_forward(blr_model *m, const float *theta, const float *x, int n)
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
                    blr_act_forward(m->spec.act,
                                    m->conv_z + (size_t)o * (size_t)L + (size_t)i * hw,
                                    a + (size_t)o * (size_t)hw, (size_t)hw);
                max_pool(v, a, m->pool_out[c] + (size_t)(i0 + i) * np,
                         m->pool_arg[c] + (size_t)(i0 + i) * np);
            }
        }
    }
}

/* ---- backward ---- */

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
            blr_act_backward(m->spec.act, a + (size_t)base, dz, (size_t)hw);
        }
    }
}

/* A chunk of examples at a time, like the forward pass. */
void blr_conv_backward(blr_model *m, const float *theta, const float *x, int n, float scale,
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

/* A conv counts as a dense layer with in = c_in · kernel², out = c_out applied at each of its
 * side_conv² positions; the first block's input needs no delta. */
double blr_conv_flops(const blr_model *m, int n)
{
    double flops = 0.0;
    for (int c = 0; c < m->n_conv; c++) {
        const blr_conv *v = &m->conv[c];
        double gemm = 2.0 * n * (double)patch_size(v) * v->c_out * v->side_conv * v->side_conv;
        flops += (c == 0 ? 2.0 : 3.0) * gemm;
    }
    return flops;
}
