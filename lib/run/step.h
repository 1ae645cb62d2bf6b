/* One optimizer step of a method on one minibatch (docs/design.md §5), the training loop's inner
 * part, shared by `blr run` (lib/run/runner.c) and `blr bench` (lib/run/bench.c):
 *
 *     for k < mc:  sample(k, θ_k)                              in order, from the noise stream
 *     for k < mc:  ∇_k = ∇ lbar_B(θ_k) = data term + δ~ θ_k     (docs/design.md §2), concurrently
 *     for k < mc:  accumulate(k, θ_k, ∇_k, sq_k)                in order
 *     step(lr_factor)
 *
 * The mc gradients are independent, so W = min(threads, mc) workers compute them at once,
 * each with its own model workspace and single-threaded GEMMs. On two cores that beats one
 * gradient at a time with two-threaded GEMMs, which scale poorly on the network's small
 * products (batch 128, 4 samples, fastest of 5 interleaved runs: sgd 6.8 -> 5.7 ms,
 * lie-multiplicative 7.8 -> 5.8 ms against one gradient at a time). Cutting one sample's rows
 * into chunks for the workers does not pay: the GEMMs' per-call cost, O(P) packing and
 * weight-gradient writes, does not shrink with the rows (batch 64 on one thread costs 1.0
 * ms against 1.35 ms for 128), so with W = 1 (mc = 1 or one thread) the GEMMs instead use
 * every thread.
 *
 * What depends on the thread count: the draws and the order of accumulation do not; with
 * W > 1 each sample's GEMMs are the single-threaded ones, so a step with mc >= 2 is
 * bit-identical with 1 thread and with any other count. */
#ifndef BLR_STEP_H
#define BLR_STEP_H

#include <stddef.h>

#include "model.h"
#include "rng.h"
#include "rule.h"

typedef struct {
    int workers;       /* W: model workspaces */
    int mc;            /* samples per step it was sized for */
    size_t n_params;   /* P */
    blr_model *models; /* W workspaces for batches of up to max_batch rows */
    float *theta;      /* mc × P: the samples */
    float *grad;       /* mc × P: their gradients */
    float *sqgrad;     /* mc × P: their squared-gradient means, when asked for (else NULL) */
    double *loss;      /* mc: their batch losses */
} blr_step;

/* Milliseconds of one step's parts, for bench: the draws, the gradients with their prior
 * terms (wall time of the concurrent part), and accumulate + step. */
typedef struct {
    double sample, fwdbwd, update;
} blr_step_times;

/* Sizes a step for up to mc samples of batches of up to max_batch rows, with W =
 * min(blr_threads_get(), mc) workers; squared gradients are computed (and their buffers
 * allocated) only when need_sqgrad, i.e. when the method has BLR_NEEDS_SQGRAD. Returns 0, or
 * -1 with a message (the model's errors, mc < 1, no memory). */
int blr_step_init(blr_step *s, const blr_model_spec *spec, int max_batch, int mc,
                  int need_sqgrad, char *err, size_t errlen);
void blr_step_free(blr_step *s);
/* Bytes it holds: the samples' buffers and the workers' model workspaces. */
size_t blr_step_bytes(const blr_step *s);

/* One step of m on the n rows x (labels or targets as for blr_model_loss_grad), with
 * m->cfg.mc samples (at most the mc of init) drawn from noise and the prior term
 * prior_tilde·θ; the method's step gets lr_factor. Returns the mean over the samples of the
 * batch's mean loss (data term only), NAN or ±inf when a sample's loss was. times may be
 * NULL. */
double blr_step_run(blr_step *s, blr_method *m, blr_rng *noise, const float *x,
                    const int *label, const float *target, int n, double prior_tilde,
                    double lr_factor, blr_step_times *times);

#endif
