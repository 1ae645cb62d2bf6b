/* The one thread-count knob (docs/design.md §6): OpenBLAS's threads for the GEMMs and the OpenMP
 * threads that share the blocks of the elementwise passes (random fills, optimizer steps).
 *
 * What does and does not depend on the count: every elementwise pass computes each element
 * by the same operations whatever thread computes it, and random fills seed each block
 * from the block's index (lib/prob/rng.h), so those are bit-identical for any count. OpenBLAS
 * may split a GEMM's inner sums differently for another count, so a gradient computed with
 * multi-threaded GEMMs is bit-identical only for the same count. A training step with
 * several MC samples runs each sample's GEMMs on one thread (lib/run/step.h), and evaluation
 * each chunk of rows (lib/run/run_eval.c), so those do not depend on the count. */
#ifndef BLR_THREADS_H
#define BLR_THREADS_H

#include <stddef.h>

/* n > 0 sets both to n; n <= 0 leaves the defaults (all cores for both). */
void blr_threads_set(int n);
/* The count in effect (OpenBLAS's; the two are set together). */
int blr_threads_get(void);

/* The cores this process may run on (its CPU affinity: a SLURM task's, a taskset's), at
 * least 1. */
int blr_threads_cores(void);

/* Sets the count to `wanted`, or fewer when other processes keep cores busy: the cores they
 * used over the last 0.2 s or more (from /proc/stat, less this process's own time; a core
 * when they used 3/4 of it) are left to them. Re-measures at most every 0.2 s; returns the count in effect. For work whose
 * results do not depend on the count (timing: `blr bench`): with two threads on two cores
 * and one competing busy process, a step waits at every barrier for the thread the
 * scheduler took away (sgd, batch 128: 1.2 ms idle, 5 ms so), and one thread does it in
 * 1.6 ms. */
int blr_threads_adapt(int wanted);

/* A pass over [0, n) cut into one contiguous share [lo, hi) per thread, each a whole number
 * of BLR_FASTMATH_BLOCKs (the last share ends at n), so a vectorized block loop runs the
 * same blocks whatever the count. fn returns a count (e.g. saturated coordinates);
 * blr_threads_for returns the sum over the shares. Passes shorter than BLR_THREADS_MIN
 * run on the calling thread, where a parallel region would cost more than it saves; so do
 * passes called from inside a parallel region (a step's workers, lib/run/step.h). */
#define BLR_THREADS_MIN 16384
typedef long (*blr_threads_fn)(void *ctx, size_t lo, size_t hi);
long blr_threads_for(size_t n, blr_threads_fn fn, void *ctx);

/* Independent items of work (MC samples' gradients, evaluation chunks) on `workers`
 * threads: fn(ctx, w, item) for every item in [0, items), dealt round-robin, w the thread's
 * index < workers (e.g. its model workspace). Each item runs single-threaded whatever its
 * GEMMs' sizes: OpenBLAS runs a GEMM called inside a parallel region on the calling thread
 * (0.3.21 does so itself; nthreads-var 1 says so to builds that would split it), and
 * blr_threads_for does not open a region inside one. So an item's result does not depend on
 * `workers` as long as it is > 1, even with fewer items than workers. workers <= 1 runs
 * the items in order on the calling thread, whose GEMMs then use every thread. */
typedef void (*blr_threads_item_fn)(void *ctx, int worker, long item);
void blr_threads_items(int workers, long items, blr_threads_item_fn fn, void *ctx);

#endif
