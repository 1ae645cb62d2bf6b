/* Networks on one flat parameter buffer (DESIGN §6).
 *
 * A model is a list of layers whose parameters are offsets into one float array θ of
 * length n_params; gradients and every optimizer state are flat arrays of the same length.
 * Dense layers compute Y = X Wᵀ + b with W stored row-major (out × in) through
 * cblas_sgemm. Activations and losses are float32 like the reference code; the returned
 * loss is accumulated in double. */
#ifndef BLR_MODEL_H
#define BLR_MODEL_H

#include <stddef.h>
#include "rng.h"

#define BLR_MAX_LAYERS 16

typedef enum { BLR_ARCH_LINEAR, BLR_ARCH_MLP } blr_arch;
typedef enum { BLR_ACT_TANH, BLR_ACT_RELU, BLR_ACT_ELU } blr_act;
typedef enum { BLR_TASK_CLASSIFICATION, BLR_TASK_REGRESSION } blr_task;

typedef struct {
    blr_arch arch;
    int n_in;
    int n_out;                     /* classes, or 1 for regression */
    int n_hidden;                  /* mlp only */
    int hidden[BLR_MAX_LAYERS - 1];
    blr_act act;
    blr_task task;
    double noise_sd;               /* regression likelihood N(y; f(x), noise_sd²) */
} blr_model_spec;

typedef struct {
    int n_in, n_out;
    size_t w_off, b_off; /* offsets into θ */
} blr_dense;

typedef struct {
    blr_model_spec spec;
    int n_layers;
    blr_dense layer[BLR_MAX_LAYERS];
    size_t n_params;
    int max_batch;
    /* Workspace owned by the model (allocated once by init): per layer its input activation
     * and pre-activation, the output, and backward deltas. No allocation after init. */
    float *work;
    size_t work_len;
    float **act_in;  /* act_in[l]: input of layer l (l >= 1; layer 0 reads the caller's batch,
                        so act_in[0] is NULL) */
    float **pre;     /* pre[l]: pre-activation of layer l */
    float *delta_a, *delta_b;
    float *ones;     /* max_batch ones, for bias gradients as a GEMV */
    float *sq_a, *sq_d; /* squared activations / deltas of a chunk of rows (sqgrad only) */
    int sq_rows;        /* rows per such chunk */
} blr_model;

const char *blr_arch_name(blr_arch a);
int blr_arch_from_name(const char *name, blr_arch *a);
const char *blr_act_name(blr_act a);
int blr_act_from_name(const char *name, blr_act *a);

/* Builds the layer list and workspace for batches of up to max_batch rows.
 * Returns 0, or -1 with a message (sizes < 1, too many layers, an mlp without hidden layers,
 * max_batch < 1, noise_sd not finite and > 0 for regression, unknown arch/act/task, no memory).
 *
 * Batches: the functions below take any n >= 1. A batch larger than max_batch is processed in
 * chunks of max_batch rows (the same result up to float summation order), so max_batch sizes
 * the workspace, never a limit on correctness. For n < 1, or a label outside [0, n_out), or a
 * missing label/target array, the losses return NAN and the gradients are filled with NAN. */
int blr_model_init(blr_model *m, const blr_model_spec *spec, int max_batch, char *err,
                   size_t errlen);
void blr_model_free(blr_model *m);

/* Standard initialization into θ: weights U(-k, k) with k = 1/sqrt(fan_in) (PyTorch's
 * default), biases zero. Draws layer by layer, each W in row-major order, through
 * blr_rng_fill_uniform: the same stream gives the same θ. */
void blr_model_init_params(const blr_model *m, blr_rng *rng, float *theta);

/* Forward pass on n rows of x (n × n_in, row-major). Writes n × n_out outputs
 * into out: class probabilities (softmax) for classification, the predicted mean for
 * regression. Nothing is written when n < 1. */
void blr_model_predict(blr_model *m, const float *theta, const float *x, int n, float *out);

/* Mean per-example loss over the batch (negative log-likelihood: softmax cross-entropy, or
 * Gaussian NLL with the fixed noise sd including its constant, summed over the n_out outputs
 * of a row; target is n × n_out), and into grad (n_params, overwritten) the
 * gradient of that mean. When sqgrad is not NULL it receives the batch mean of squared
 * per-example gradients (Σ_i a_i² ⊗ δ_i² / n for dense layers: one extra GEMM).
 * label is used for classification, target for regression. */
double blr_model_loss_grad(blr_model *m, const float *theta, const float *x, const int *label,
                           const float *target, int n, float *grad, float *sqgrad);

/* Mean loss only (no gradient). */
double blr_model_loss(blr_model *m, const float *theta, const float *x, const int *label,
                      const float *target, int n);

/* Floating-point operations of one forward + backward pass on n rows (for bench): the GEMMs
 * only, 2·n·in·out each for the forward product, the weight gradient and, except at the first
 * layer (whose input needs no delta), the delta product. The sqgrad GEMM is not counted. */
double blr_model_flops(const blr_model *m, int n);

#endif
