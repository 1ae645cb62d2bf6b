/* The dense layers Y = act(X Wᵀ + b) (lib/nn/model_layers.h), forward and backward.
 *
 * Every product is one cblas_sgemm over the batch's rows: the forward pass, the weight
 * gradient δᵀ A and the input delta δ W; the bias gradient is a GEMV with a vector of ones.
 * The squared per-example gradients (sqgrad) of a dense layer factor as (δ_i²)(a_i²)ᵀ, so their
 * batch sum is one more GEMM on the squared deltas and inputs. */
#include "model_layers.h"

#include <cblas.h>
#include <string.h>

static const float *layer_input(const blr_model *m, const float *x, int l)
{
    return l == 0 ? x : m->act_in[l];
}

void blr_dense_forward(blr_model *m, const float *theta, const float *x, int n)
{
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
            blr_act_forward(m->spec.act, z, m->act_in[l + 1], (size_t)n * (size_t)d->n_out);
    }
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

float *blr_dense_backward(blr_model *m, const float *theta, const float *x, int n, float scale,
                          int first, float *grad, float *sqgrad)
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
         * whose act' is applied before the pooling, in blr_conv_backward. */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, d->n_in, d->n_out, 1.0f,
                    delta, d->n_out, theta + d->w_off, d->n_in, 0.0f, delta_in, d->n_in);
        if (l > 0)
            blr_act_backward(m->spec.act, a, delta_in, (size_t)n * (size_t)d->n_in);
        float *t = delta;
        delta = delta_in;
        delta_in = t;
    }
    return m->n_conv > 0 ? delta : NULL;
}

/* 2·n·in·out per GEMM: the forward product, the weight gradient and, except at the network's
 * first layer (whose input needs no delta), the delta product. */
double blr_dense_flops(const blr_model *m, int n)
{
    double flops = 0.0;
    for (int l = 0; l < m->n_layers; l++) {
        double gemm = 2.0 * n * (double)m->layer[l].n_in * (double)m->layer[l].n_out;
        flops += (l == 0 && m->n_conv == 0 ? 2.0 : 3.0) * gemm;
    }
    return flops;
}
