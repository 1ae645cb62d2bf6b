/* Random streams: seeded, splittable, bit-reproducible.
 *
 * Every random quantity in a run comes from a stream named by (seed, purpose, index):
 * the run seed, what the numbers are for, and e.g. the MC sample or epoch. Streams with
 * different names are independent, so adding a method or an MC sample never changes the
 * draws of another. The generator is xoshiro256** seeded through splitmix64. */
#ifndef BLR_RNG_H
#define BLR_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t s[4];
} blr_rng;

/* What a stream is for. Values are part of the reproducibility contract: never reorder. */
enum {
    BLR_RNG_INIT = 1,        /* initial weights (index 0: w0, 1: the second draw w1) */
    BLR_RNG_SUBSET = 2,      /* data subsets (index 0: train, 1: test, 2: ood) */
    BLR_RNG_SHUFFLE = 3,     /* minibatch order (index: epoch) */
    BLR_RNG_TRAIN_NOISE = 4, /* MC samples during training */
    BLR_RNG_TEST_NOISE = 5,  /* MC samples for model averaging at evaluation */
    BLR_RNG_BENCH = 6,
    BLR_RNG_TEST = 7         /* unit tests */
};

void blr_rng_init(blr_rng *r, uint64_t seed, uint64_t purpose, uint64_t index);
uint64_t blr_rng_next(blr_rng *r);
/* Uniform on the open interval (0,1), 53 random bits. */
double blr_rng_uniform(blr_rng *r);
/* Standard normal (double precision, for tests and setup, not the hot path). */
double blr_rng_normal(blr_rng *r);
/* Uniform integer in [0, n), unbiased; 0 when n = 0. */
uint64_t blr_rng_below(blr_rng *r, uint64_t n);

/* Bulk fills of n floats. Uniform is on (0,1) open (the 2^23 midpoints (k + 1/2)·2^-23),
 * normal is standard. Every fill takes ceil(n/2) words of the stream, two floats per
 * word, so fills of even lengths concatenate: fill(a) then fill(b) equals fill(a + b). */
void blr_rng_fill_uniform(blr_rng *r, float *out, size_t n);
void blr_rng_fill_normal(blr_rng *r, float *out, size_t n);
/* Standard exponential (rate 1): -log u of the open uniforms. */
void blr_rng_fill_exponential(blr_rng *r, float *out, size_t n);

#endif
