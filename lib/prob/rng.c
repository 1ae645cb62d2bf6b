/* Random streams: xoshiro256** (Blackman & Vigna) seeded through splitmix64 (rng.h).
 *
 * Bulk fills are the hot path of every noisy method (docs/design.md §6): blocks of independent
 * lanes, so that both the generator and the transforms are loops over arrays the compiler
 * vectorizes, and the blocks of a fill can go to different threads. */
#include "rng.h"

#include "rng_math.h"

#include <gsl/gsl_randist.h>

#include <math.h>
#include <string.h>

static const double rng_two_pi = 6.28318530717958647692;

/* splitmix64's finalizer: a bijection of 64-bit words with full avalanche. */
static uint64_t rng_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

#define RNG_GOLDEN 0x9e3779b97f4a7c15ULL

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* The three words are folded in one after another through the (bijective) mixer, so for
 * a fixed prefix distinct values of the next word give distinct splitmix64 states; the
 * four xoshiro words are then the next four splitmix64 outputs from that state. Four
 * consecutive outputs of a bijection of distinct inputs cannot all be zero. */
void blr_rng_init(blr_rng *r, uint64_t seed, uint64_t purpose, uint64_t index)
{
    uint64_t st = rng_mix(seed + RNG_GOLDEN);
    st = rng_mix((st ^ purpose) + RNG_GOLDEN);
    st = rng_mix((st ^ index) + RNG_GOLDEN);
    for (int i = 0; i < 4; i++) {
        st += RNG_GOLDEN;
        r->s[i] = rng_mix(st);
    }
    r->gsl = 0;
}

void blr_rng_use_gsl(blr_rng *r, int on)
{
    r->gsl = on != 0;
}

uint64_t blr_rng_next(blr_rng *r)
{
    uint64_t *s = r->s;
    const uint64_t out = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

/* k·2^-53 with k uniform on 1..2^53-1: exactly representable, so never 0 or 1.
 * k = 0 (probability 2^-53) is redrawn rather than shifted, keeping the grid uniform. */
double blr_rng_uniform(blr_rng *r)
{
    uint64_t k;
    do {
        k = blr_rng_next(r) >> 11;
    } while (k == 0);
    return (double)k * 0x1p-53;
}

/* Box–Muller; the second normal of the pair is dropped because the stream carries no
 * cache, which keeps a stream's state exactly its four words. */
double blr_rng_normal(blr_rng *r)
{
    const double u1 = blr_rng_uniform(r);
    const double u2 = blr_rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(rng_two_pi * u2);
}

/* Rejection below 2^64 mod n makes the accepted range a multiple of n (unbiased);
 * it rejects with probability < n/2^64. n = 0 has no valid answer: returns 0. */
uint64_t blr_rng_below(blr_rng *r, uint64_t n)
{
    if (n == 0)
        return 0;
    const uint64_t threshold = (0 - n) % n;
    uint64_t x;
    do {
        x = blr_rng_next(r);
    } while (x < threshold);
    return x % n;
}

/* The lanes of one block: BLR_RNG_LANES xoshiro256** states side by side, word k of every
 * lane in s[k][0..LANES), so one step of all lanes is a loop the compiler vectorizes (the
 * multiplications by 5 and 9 are written as shifts and adds, which every vector extension
 * has for 64-bit lanes). */
typedef struct {
    uint64_t s[4][BLR_RNG_LANES];
} rng_lanes;

/* Lane l of block j continues a splitmix64 sequence started from (key, j) the way
 * blr_rng_init starts one from (seed, purpose, index): the lanes get consecutive outputs,
 * four each, so no lane state is all zeros. */
static void rng_lanes_seed(rng_lanes *l, uint64_t key, uint64_t block)
{
    uint64_t st = rng_mix(key + RNG_GOLDEN);
    st = rng_mix((st ^ block) + RNG_GOLDEN);
    for (int lane = 0; lane < BLR_RNG_LANES; lane++)
        for (int k = 0; k < 4; k++) {
            st += RNG_GOLDEN;
            l->s[k][lane] = rng_mix(st);
        }
}

/* BLR_RNG_CHUNK words, word lane + LANES·i being lane's i-th output. */
BLR_FASTMATH_CLONES static void rng_lanes_next(rng_lanes *restrict l, uint64_t *restrict w)
{
    for (int i = 0; i < BLR_RNG_CHUNK / BLR_RNG_LANES; i++) {
        uint64_t *restrict out = w + i * BLR_RNG_LANES;
        for (int k = 0; k < BLR_RNG_LANES; k++) {
            const uint64_t s0 = l->s[0][k], s1 = l->s[1][k], s2 = l->s[2][k], s3 = l->s[3][k];
            const uint64_t x = (s1 << 2) + s1;
            const uint64_t y = rotl(x, 7);
            out[k] = (y << 3) + y;
            const uint64_t t = s1 << 17;
            const uint64_t n2 = s2 ^ s0, n3 = s3 ^ s1;
            l->s[1][k] = s1 ^ n2;
            l->s[0][k] = s0 ^ n3;
            l->s[2][k] = n2 ^ t;
            l->s[3][k] = rotl(n3, 45);
        }
    }
}

/* Block j of a fill: n <= BLR_RNG_BLOCK floats into out. A short last chunk is transformed
 * whole into a buffer and cut, so the values of a block do not depend on n. */
static void rng_fill_block(uint64_t key, uint64_t j, float *out, size_t n, unsigned per_word,
                           blr_rng_transform fn, const void *ctx)
{
    rng_lanes l;
    uint64_t w[BLR_RNG_CHUNK];
    float tail[2 * BLR_RNG_CHUNK];
    const size_t per_chunk = (size_t)BLR_RNG_CHUNK * per_word;
    rng_lanes_seed(&l, key, j);
    for (size_t done = 0; done < n; done += per_chunk) {
        rng_lanes_next(&l, w);
        if (n - done >= per_chunk) {
            fn(w, out + done, ctx);
        } else {
            fn(w, tail, ctx);
            memcpy(out + done, tail, (n - done) * sizeof *out);
        }
    }
}

void blr_rng_fill(blr_rng *r, float *out, size_t n, unsigned per_word, blr_rng_transform fn,
                  const void *ctx)
{
    const uint64_t key = blr_rng_next(r);
    const size_t blocks = (n + BLR_RNG_BLOCK - 1) / BLR_RNG_BLOCK;
#pragma omp parallel for schedule(static) if (blocks > 1)
    for (size_t j = 0; j < blocks; j++) {
        const size_t off = j * BLR_RNG_BLOCK;
        const size_t len = n - off < BLR_RNG_BLOCK ? n - off : BLR_RNG_BLOCK;
        rng_fill_block(key, j, out + off, len, per_word, fn, ctx);
    }
}

/* The standard transforms: two floats per word, the high half first. */
BLR_FASTMATH_CLONES static void rng_uniform_chunk(const uint64_t *w, float *out, const void *ctx)
{
    (void)ctx;
    for (size_t i = 0; i < BLR_RNG_CHUNK; i++) {
        out[2 * i] = blr_rng_unit((uint32_t)(w[i] >> 32));
        out[2 * i + 1] = blr_rng_unit((uint32_t)w[i]);
    }
}

BLR_FASTMATH_CLONES static void rng_exponential_chunk(const uint64_t *w, float *out,
                                                      const void *ctx)
{
    (void)ctx;
    for (size_t i = 0; i < BLR_RNG_CHUNK; i++) {
        out[2 * i] = blr_rng_exponential((uint32_t)(w[i] >> 32));
        out[2 * i + 1] = blr_rng_exponential((uint32_t)w[i]);
    }
}

BLR_FASTMATH_CLONES static void rng_normal_chunk(const uint64_t *w, float *out, const void *ctx)
{
    (void)ctx;
    for (size_t i = 0; i < BLR_RNG_CHUNK; i++) {
        const blr_rng_pair z = blr_rng_normal_pair(w[i]);
        out[2 * i] = z.c;
        out[2 * i + 1] = z.s;
    }
}

/* A GSL mt19937 seeded with the next word of r (GSL uses its low 32 bits), or NULL when
 * GSL cannot allocate one (only possible with its error handler off). */
gsl_rng *blr_rng_gsl_open(blr_rng *r)
{
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    if (g)
        gsl_rng_set(g, (unsigned long)blr_rng_next(r));
    return g;
}

enum { RNG_UNIFORM, RNG_NORMAL, RNG_EXPONENTIAL };

/* The reference path of the standard fills; 0 when r does not ask for it. The fill has no
 * error return: if GSL cannot allocate its generator the draws are NAN. */
static int rng_fill_gsl(blr_rng *r, int law, float *out, size_t n)
{
    if (!r->gsl)
        return 0;
    gsl_rng *g = blr_rng_gsl_open(r);
    for (size_t i = 0; i < n; i++)
        out[i] = !g                     ? NAN
                 : law == RNG_UNIFORM ? (float)gsl_rng_uniform_pos(g)
                 : law == RNG_NORMAL  ? (float)gsl_ran_gaussian_ziggurat(g, 1.0)
                                      : (float)gsl_ran_exponential(g, 1.0);
    gsl_rng_free(g);
    return 1;
}

void blr_rng_fill_uniform(blr_rng *r, float *out, size_t n)
{
    if (!rng_fill_gsl(r, RNG_UNIFORM, out, n))
        blr_rng_fill(r, out, n, 2, rng_uniform_chunk, NULL);
}

void blr_rng_fill_normal(blr_rng *r, float *out, size_t n)
{
    if (!rng_fill_gsl(r, RNG_NORMAL, out, n))
        blr_rng_fill(r, out, n, 2, rng_normal_chunk, NULL);
}

void blr_rng_fill_exponential(blr_rng *r, float *out, size_t n)
{
    if (!rng_fill_gsl(r, RNG_EXPONENTIAL, out, n))
        blr_rng_fill(r, out, n, 2, rng_exponential_chunk, NULL);
}
