/* The one thread-count knob (DESIGN §6): OpenBLAS's threads for the GEMMs and the OpenMP
 * threads that share the blocks of the elementwise passes (random fills, optimizer steps).
 *
 * What does and does not depend on the count: every elementwise pass computes each element
 * by the same operations whatever thread computes it, and random fills seed each block
 * from the block's index (lib/rng.h), so those are bit-identical for any count. OpenBLAS
 * may split a GEMM's inner sums differently for another count, so a gradient computed with
 * multi-threaded GEMMs is bit-identical only for the same count. A training step with
 * several MC samples runs each sample's GEMMs on one thread (lib/step.h), and evaluation
 * each chunk of rows (lib/runner.c), so those do not depend on the count. */
#ifndef BLR_THREADS_H
#define BLR_THREADS_H

#include <stddef.h>

/* n > 0 sets both to n; n <= 0 leaves the defaults (all cores for both). */
void blr_threads_set(int n);
/* The count in effect (OpenBLAS's; the two are set together). */
int blr_threads_get(void);

/* A pass over [0, n) cut into one contiguous share [lo, hi) per thread, each a whole number
 * of BLR_FASTMATH_BLOCKs (the last share ends at n), so a vectorized block loop runs the
 * same blocks whatever the count. fn returns a count (e.g. saturated coordinates);
 * blr_threads_for returns the sum over the shares. Passes shorter than BLR_THREADS_MIN
 * run on the calling thread, where a parallel region would cost more than it saves; so do
 * passes called from inside a parallel region (a step's workers, lib/step.h). */
#define BLR_THREADS_MIN 16384
typedef long (*blr_threads_fn)(void *ctx, size_t lo, size_t hi);
long blr_threads_for(size_t n, blr_threads_fn fn, void *ctx);

#endif
