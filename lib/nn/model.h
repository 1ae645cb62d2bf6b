/* Networks on one flat parameter buffer (docs/design.md §6).
 *
 * A model is a list of layers whose parameters are offsets into one float array θ of
 * length n_params; gradients and every optimizer state are flat arrays of the same length.
 * Dense layers compute Y = X Wᵀ + b with W stored row-major (out × in) through
 * cblas_sgemm. Activations and losses are float32 like the reference code; the returned
 * loss is accumulated in double.
 *
 * arch cnn: n_conv blocks conv → act → max-pool, then the dense layers of an mlp (hidden[]
 * may be empty) on the flattened features. Images are square, rows of x hold them
 * channel-major (c, y, x) like PyTorch's NCHW, so n_in = image_channels · image_side².
 * Convolutions are square kernel × kernel, stride 1, 'valid' padding (LeNet): a side s
 * becomes s - kernel + 1; each conv weight is stored (out channel, in channel, ky, kx)
 * row-major then its bias per out channel. Pooling is 2×2 with stride 2 and takes the floor
 * of an odd side (the last row/column is dropped). The default (blr_model_cnn_default):
 * 28×28×1 → conv5-32 → pool → conv5-64 → pool → dense-256 → dense-10, elu. */
#ifndef BLR_MODEL_H
#define BLR_MODEL_H

#include <stddef.h>
#include "rng.h"

#define BLR_MAX_LAYERS 16
#define BLR_MAX_CONV 4
/* Bound on a conv block's im2col scratch: a block runs as many examples per GEMM as fit
 * (at least one). Small enough to stay in a core's L2 cache, where the GEMM reads it: the
 * default cnn's second conv (51200 floats of columns per example) runs 5 examples per GEMM,
 * the first (14400) 18. */
#define BLR_CONV_COL_BYTES ((size_t)1 << 20)

typedef enum { BLR_ARCH_LINEAR, BLR_ARCH_MLP, BLR_ARCH_CNN } blr_arch;
typedef enum { BLR_ACT_TANH, BLR_ACT_RELU, BLR_ACT_ELU } blr_act;
/* Initial weights: PyTorch's default, or haiku's, which the paper's code used (its
 * models.py): see blr_model_init_params. */
typedef enum { BLR_INIT_PYTORCH, BLR_INIT_HAIKU } blr_init;
typedef enum { BLR_TASK_CLASSIFICATION, BLR_TASK_REGRESSION } blr_task;

typedef struct {
    blr_arch arch;
    int n_in;
    int n_out;                     /* classes, or 1 for regression */
    int n_hidden;                  /* mlp (>= 1) and cnn (>= 0): dense hidden layers */
    int hidden[BLR_MAX_LAYERS - 1];
    int n_conv;                    /* cnn only: conv+pool blocks, 1..BLR_MAX_CONV */
    int conv_channels[BLR_MAX_CONV]; /* cnn: output channels of each conv */
    int kernel;                    /* cnn: kernel side */
    int image_side;                /* cnn: input images are image_side² ... */
    int image_channels;            /* ... × image_channels */
    blr_act act;
    blr_init init;
    blr_task task;
    double noise_sd;               /* regression likelihood N(y; f(x), noise_sd²) */
} blr_model_spec;

typedef struct {
    int n_in, n_out;
    size_t w_off, b_off; /* offsets into θ */
} blr_dense;

/* One conv → act → pool block: c_in × side_in² in, c_out × side_conv² after the
 * convolution, c_out × side_pool² out. */
typedef struct {
    int c_in, side_in, c_out, side_conv, side_pool, kernel;
    size_t w_off, b_off;
    int chunk;     /* examples whose im2col columns go through one GEMM */
    int chunk_max; /* what the workspace holds: max_batch, or fewer when their columns would
                      exceed BLR_CONV_COL_BYTES; init sets chunk to it */
} blr_conv;

typedef struct {
    blr_model_spec spec;
    int n_conv; /* 0 unless cnn; conv parameters come first in θ, the dense ones after */
    blr_conv conv[BLR_MAX_CONV];
    int n_layers; /* dense layers */
    blr_dense layer[BLR_MAX_LAYERS];
    size_t n_params;
    int max_batch;
    /* Workspace owned by the model (allocated once by init): per layer its input activation
     * and pre-activation, the output, and backward deltas. No allocation after init. */
    float *work;
    size_t work_len;
    size_t arg_len;  /* ints in arg_work (cnn) */
    float **act_in;  /* act_in[l]: input of layer l (l >= 1; layer 0 reads the caller's batch,
                        so act_in[0] is NULL) */
    float **pre;     /* pre[l]: pre-activation of layer l */
    float *delta_a, *delta_b;
    float *ones;     /* max_batch ones, for bias gradients as a GEMV */
    float *sq_a, *sq_d; /* squared activations / deltas of a chunk of rows (sqgrad only) */
    int sq_rows;        /* rows per such chunk */
    /* cnn only (NULL otherwise), per block c: its activated conv output, its pooled output
     * (the last one is the dense layers' input) with the argmax of each pool window, and the
     * delta of the pooled output (c < n_conv - 1), all per example (channel, y, x); scratch
     * for a chunk of examples: their im2col columns side by side, their conv pre-activation
     * or delta in GEMM layout (c_out × chunk·side_conv²), and one example's gradient. */
    float *conv_act[BLR_MAX_CONV], *pool_out[BLR_MAX_CONV], *pool_delta[BLR_MAX_CONV];
    int *pool_arg[BLR_MAX_CONV];
    int *arg_work;
    float *col, *conv_z, *conv_g;
} blr_model;

/* Fills s with the default LeNet-like cnn above for classification (n_in, n_out, act set). */
void blr_model_cnn_default(blr_model_spec *s);

const char *blr_arch_name(blr_arch a);
int blr_arch_from_name(const char *name, blr_arch *a);
const char *blr_act_name(blr_act a);
int blr_act_from_name(const char *name, blr_act *a);
const char *blr_init_name(blr_init i);
int blr_init_from_name(const char *name, blr_init *i);

/* Builds the layer list and workspace for batches of up to max_batch rows.
 * Returns 0, or -1 with a message (sizes < 1, too many layers, an mlp without hidden layers,
 * max_batch < 1, noise_sd not finite and > 0 for regression, unknown arch/act/task, no memory;
 * for a cnn also n_conv out of range, a kernel larger than the image, a conv output side
 * below 2, or n_in != image_channels · image_side²).
 *
 * Batches: the functions below take any n >= 1. A batch larger than max_batch is processed in
 * chunks of max_batch rows (the same result up to float summation order), so max_batch sizes
 * the workspace, never a limit on correctness. For n < 1, or a label outside [0, n_out), or a
 * missing label/target array, the losses return NAN and the gradients are filled with NAN. */
int blr_model_init(blr_model *m, const blr_model_spec *spec, int max_batch, char *err,
                   size_t errlen);
void blr_model_free(blr_model *m);

/* Runs each conv block of a cnn at most chunk examples per GEMM (never more than its
 * chunk_max, the workspace's): the same results up to float summation order, for tests of
 * the chunk boundaries and for timing. Returns 0, or -1 with a message for a model without
 * conv layers or chunk < 1. */
int blr_model_set_conv_chunk(blr_model *m, int chunk, char *err, size_t errlen);

/* Bytes of the workspace init allocated (activations, deltas, im2col columns, pool argmaxes). */
size_t blr_model_workspace_bytes(const blr_model *m);

/* Initialization into θ by spec.init, k = 1/sqrt(fan_in):
 *   pytorch: weights U(-k, k) (nn.Linear's and nn.Conv2d's default), biases zero;
 *   haiku:   weights normal(0, k²) truncated to ±2k (hk.Linear's and hk.Conv2D's default,
 *            whose sd is ≈ 0.88 k), dense biases 0.05 and conv biases zero (the paper's
 *            models.py).
 * Draws layer by layer, each W in row-major order, through blr_rng_fill_uniform: the same
 * stream gives the same θ. */
void blr_model_init_params(const blr_model *m, blr_rng *rng, float *theta);

/* Forward pass on n rows of x (n × n_in, row-major). Writes n × n_out outputs
 * into out: class probabilities (softmax) for classification, the predicted mean for
 * regression. Nothing is written when n < 1. */
void blr_model_predict(blr_model *m, const float *theta, const float *x, int n, float *out);

/* Mean per-example loss over the batch (negative log-likelihood: softmax cross-entropy, or
 * Gaussian NLL with the fixed noise sd including its constant, summed over the n_out outputs
 * of a row; target is n × n_out), and into grad (n_params, overwritten) the
 * gradient of that mean. When sqgrad is not NULL it receives the batch mean of squared
 * per-example gradients (Σ_i a_i² ⊗ δ_i² / n for dense layers: one extra GEMM; for conv
 * layers the per-example gradient is a sum over positions, so it is formed per example:
 * the conv weight gradient then runs as n per-example GEMMs on the batched deltas instead
 * of one per chunk, plus O(n · c_out · c_in · kernel²) squaring and accumulation).
 * label is used for classification, target for regression. */
double blr_model_loss_grad(blr_model *m, const float *theta, const float *x, const int *label,
                           const float *target, int n, float *grad, float *sqgrad);

/* Mean loss only (no gradient). */
double blr_model_loss(blr_model *m, const float *theta, const float *x, const int *label,
                      const float *target, int n);

/* Floating-point operations of one forward + backward pass on n rows (for bench): the GEMMs
 * only, 2·n·in·out each for the forward product, the weight gradient and, except at the first
 * layer (whose input needs no delta), the delta product. A conv counts as a dense layer with
 * in = c_in · kernel², out = c_out applied at each of its side_conv² positions. The sqgrad
 * GEMM is not counted. */
double blr_model_flops(const blr_model *m, int n);

#endif
