/* Internal to the network files; the public interface is lib/nn/model.h.
 *
 * lib/nn/model.c holds what every architecture shares: the spec, θ's layout, the workspace, the
 * initial weights, the activations, the forward/backward drivers and the loss. Each kind of
 * layer has its own file with an explicit forward and backward pass, as in karpathy/llm.c:
 * lib/nn/model_dense.c the dense layers, lib/nn/model_conv.c the conv → act → pool blocks. A pass
 * runs the conv blocks (if any) then the dense layers, and back in the reverse order. */
#ifndef BLR_MODEL_LAYERS_H
#define BLR_MODEL_LAYERS_H

#include <stddef.h>
#include <stdint.h>

#include "fastmath.h"
#include "model.h"

/* *total += rows · cols, failing instead of wrapping around: init sums the workspace with it
 * before allocating. */
static inline int add_block(size_t *total, size_t rows, size_t cols)
{
    if (cols != 0 && rows > SIZE_MAX / cols)
        return -1;
    if (*total > SIZE_MAX - rows * cols)
        return -1;
    *total += rows * cols;
    return 0;
}

/* Carves the next rows × cols floats out of the workspace, in the order add_block summed it. */
static inline float *take(float **cursor, size_t rows, size_t cols)
{
    float *p = *cursor;
    *cursor += rows * cols;
    return p;
}

/* Weights of one conv output channel: its c_in · kernel² patch. */
static inline size_t patch_size(const blr_conv *v)
{
    return (size_t)v->c_in * (size_t)v->kernel * (size_t)v->kernel;
}

/* ---- activations (lib/nn/model.c), elementwise over len values ---- */

/* Declared with its clones as defined: clang calls a multiversioned function through its
 * resolver only where the declaration says it is one. */
BLR_FASTMATH_CLONES void blr_act_forward(blr_act act, const float *z, float *a, size_t len);
/* delta *= act'(z), from the activation's output a = act(z). */
void blr_act_backward(blr_act act, const float *a, float *delta, size_t len);

/* ---- dense layers (lib/nn/model_dense.c) ---- */

/* Runs the dense layers on n <= max_batch rows of x (the input, or a cnn's pooled
 * features); leaves the last layer's output (logits or mean) in pre[n_layers - 1]. */
void blr_dense_forward(blr_model *m, const float *theta, const float *x, int n);
/* Backpropagates the per-example output deltas in delta_a through the dense layers of n
 * rows whose input is x and adds scale times the summed gradients into grad (and the squared
 * ones into sqgrad); first = 1 overwrites instead. delta_a and delta_b are clobbered. For a
 * cnn, returns the delta of x (one of them); NULL otherwise. */
float *blr_dense_backward(blr_model *m, const float *theta, const float *x, int n, float scale,
                          int first, float *grad, float *sqgrad);
/* The dense layers' GEMM flops of a forward + backward pass on n rows (blr_model_flops). */
double blr_dense_flops(const blr_model *m, int n);

/* ---- conv blocks (lib/nn/model_conv.c) ---- */

/* Lays the conv blocks out at the start of θ from *P on; *width becomes the flattened feature
 * size. Returns -1 when a size overflows. */
int blr_conv_layout(blr_model *m, size_t *P, int *width);
/* Sets each block's examples per GEMM (within BLR_CONV_COL_BYTES of im2col columns) and adds
 * the blocks' share of the float workspace to *len. Returns -1 when it overflows. */
int blr_conv_work(blr_model *m, size_t *len);
/* Carves that share out of the workspace at *cur and allocates the pooling argmaxes.
 * Returns -1 when out of memory. */
int blr_conv_take(blr_model *m, float **cur);
/* The conv blocks on n <= max_batch rows of x; the last block's pooled output is the dense
 * layers' input. */
void blr_conv_forward(blr_model *m, const float *theta, const float *x, int n);
/* Backpropagates delta (n × features, the delta of the last pooled output) through the conv
 * blocks, adding scale times the gradients (and squared per-example gradients) into grad and
 * sqgrad; first = 1 overwrites instead. */
void blr_conv_backward(blr_model *m, const float *theta, const float *x, int n, float scale,
                       int first, const float *delta, float *grad, float *sqgrad);
/* The conv blocks' GEMM flops of a forward + backward pass on n rows (blr_model_flops). */
double blr_conv_flops(const blr_model *m, int n);

#endif
