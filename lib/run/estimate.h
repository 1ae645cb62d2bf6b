/* What a run will need, known before it starts: its optimizer steps and a bound on its
 * memory, part by part. `blr check` prints them; `blr check` and `blr run` refuse an
 * experiment whose run, or whose summary of all runs, needs more memory than the machine
 * has, before any training (a mistyped `epochs: 1000000000` would otherwise ask for 144 GB
 * when its curves are allocated). */
#ifndef BLR_ESTIMATE_H
#define BLR_ESTIMATE_H

#include <stddef.h>

#include "config.h"
#include "runner.h"

typedef enum {
    BLR_EST_DATA,    /* the sets as read */
    BLR_EST_STATE,   /* θ and the initial draws, the method's state, the MC gradients */
    BLR_EST_BATCH,   /* the training batch's activations */
    BLR_EST_EVAL,    /* evaluation buffers: predictions of the test (and OOD) sets */
    BLR_EST_CURVES,  /* one row per epoch */
    BLR_EST_PROGRAM, /* the program, its libraries and thread stacks */
    BLR_EST_PARTS
} blr_est_part;

typedef struct {
    long long steps;              /* optimizer steps */
    double part[BLR_EST_PARTS];   /* bytes */
    double bytes;                 /* their sum */
    blr_est_part largest;         /* the part with the most bytes */
} blr_estimate;

/* "the curves (epochs)": the part and the keys that size it, for messages. */
const char *blr_estimate_part_name(blr_est_part k);

/* Steps and memory of a run of variant v with `threads` threads. Builds the variant's model
 * and method to learn their sizes, but allocates nothing that grows with the batch, the
 * epochs or the samples. Returns 0, or 2 with a message when the model or method cannot be
 * built (or their state alone exceeds `limit` bytes). */
int blr_estimate_run(const blr_runner_view *view, const blr_variant *v, int threads,
                     double limit, blr_estimate *e, char *err, size_t errlen);

/* The machine's physical memory in bytes. */
double blr_estimate_machine_bytes(void);

/* 0 when every variant's run and the summary of all runs fit in `limit` bytes; else 2 with
 * "FILE: error: variant V needs about X GiB, most of it for <part> ...". */
int blr_estimate_fits(const blr_experiment *ex, const blr_runner_view *view, int threads,
                      double limit, char *err, size_t errlen);

#endif
