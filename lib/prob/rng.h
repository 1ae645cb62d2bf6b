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

#include <gsl/gsl_rng.h>

typedef struct {
    uint64_t s[4];
    int gsl; /* bulk draws through GSL's generator and samplers (blr_rng_use_gsl) */
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
/* The reference path (YAML `rng: gsl`): with on != 0, every bulk fill from r and every
 * blr_base_sample with r draws one word of r as the seed of a fresh GSL mt19937 and takes
 * its values from GSL's samplers (gsl_rng_uniform_pos, gsl_ran_gaussian_ziggurat,
 * gsl_ran_exponential, ...), serially; it allocates per fill and is 10-40 times slower. */
void blr_rng_use_gsl(blr_rng *r, int on);
/* The GSL generator of one reference-path fill: a new mt19937 seeded with the next word of r
 * (its low 32 bits), or NULL when GSL cannot allocate it. The caller frees it. */
gsl_rng *blr_rng_gsl_open(blr_rng *r);
/* Uniform on the open interval (0,1), 53 random bits. */
double blr_rng_uniform(blr_rng *r);
/* Standard normal (double precision, for tests and setup, not the hot path). */
double blr_rng_normal(blr_rng *r);
/* Uniform integer in [0, n), unbiased; 0 when n = 0. */
uint64_t blr_rng_below(blr_rng *r, uint64_t n);

/* Bulk fills (docs/design.md §6). A fill of n floats takes one word of r as its key and cuts
 * out[0..n) into blocks of BLR_RNG_BLOCK floats; block j comes from BLR_RNG_LANES
 * interleaved xoshiro256** lanes seeded from (key, j) alone. Blocks are independent, so they
 * are spread over the threads (blr_threads_set) and a fill is the same for any thread
 * count; a fill of n is the first n values of a fill of m > n from the same state. Both
 * numbers are part of the reproducibility contract.
 *
 * A transform turns BLR_RNG_CHUNK words w[] (all random bits) into BLR_RNG_CHUNK · per_word
 * floats (per_word 1 or 2), reading its parameters from ctx; it is called on a fixed-size
 * chunk so that its loops vectorize (lib/prob/rng_math.h has the building blocks). */
#define BLR_RNG_BLOCK 4096
#define BLR_RNG_LANES 8
#define BLR_RNG_CHUNK 256
typedef void (*blr_rng_transform)(const uint64_t *w, float *out, const void *ctx);
void blr_rng_fill(blr_rng *r, float *out, size_t n, unsigned per_word, blr_rng_transform fn,
                  const void *ctx);

/* Standard fills: uniform on (0,1) open (the 2^23 midpoints (k + 1/2)·2^-23), standard
 * normal (Box–Muller), standard exponential (-log u). */
void blr_rng_fill_uniform(blr_rng *r, float *out, size_t n);
void blr_rng_fill_normal(blr_rng *r, float *out, size_t n);
void blr_rng_fill_exponential(blr_rng *r, float *out, size_t n);

#endif
