/* Random streams: xoshiro256** (Blackman & Vigna) seeded through splitmix64 (rng.h).
 *
 * Bulk fills are the hot path of every noisy method (DESIGN §6): they work in fixed-size
 * blocks so the integer-to-float and Box–Muller passes are plain loops over arrays the
 * compiler can vectorize, and each 64-bit word yields two floats. */
#include "rng.h"

#include "fastmath.h"

#include <math.h>
#include <string.h>

#define RNG_BLOCK 256 /* words per block: the block and its float buffers fit in L1 */

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

/* 23 random bits as (k + 1/2)·2^-23, k in 0..2^23-1: the values lie in [2^-24, 1 - 2^-24],
 * are exact in float (k + 1/2 needs 24 significant bits) and the grid is symmetric about
 * 1/2, so inverse-CDF transforms of u and 1-u are mirror images. (24 bits would round
 * the top value to 1.0f.) The low 9 bits of the half are left for rng_block_normal. */
static inline float rng_half_to_float(uint32_t h)
{
    return ((float)(int32_t)(h >> 9) + 0.5f) * 0x1p-23f;
}

static inline uint32_t rng_float_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static inline float rng_bits_float(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* Natural log of a positive normal float, branch-free so block loops vectorize (libm's
 * logf is a call the compiler cannot vectorize). x = 2^e·m with m in [√½, √2): mantissas
 * at or above √2's (0x3504f3) are halved by lowering their exponent field, and e goes up
 * one. Then log m = 2 atanh(s) = 2(s + s³/3 + ... + s⁹/9 + ...), s = (m-1)/(m+1) in
 * [-0.172, 0.172], and the terms after s⁹ add a relative 2s^10/11 < 2e-9, under float's
 * rounding. m - 1 is exact, so log stays accurate relative to itself near x = 1, where
 * Box–Muller takes a square root of it. */
static inline float rng_log(float x)
{
    const uint32_t b = rng_float_bits(x);
    const uint32_t mant = b & 0x007fffffu;
    const uint32_t high = (uint32_t)(mant >= 0x3504f3u);
    const float e = (float)((int32_t)(b >> 23) - 127 + (int32_t)high);
    const float m = rng_bits_float(mant | (0x3f800000u - (high << 23)));
    const float s = (m - 1.0f) / (m + 1.0f);
    const float s2 = s * s;
    float p = 1.0f / 9.0f;
    p = p * s2 + 1.0f / 7.0f;
    p = p * s2 + 1.0f / 5.0f;
    p = p * s2 + 1.0f / 3.0f;
    p = p * s2 + 1.0f;
    return e * 0.693147180559945309f + 2.0f * s * p;
}

/* A block turns RNG_BLOCK words into 2·RNG_BLOCK floats, the pair from word i landing in
 * out[2i], out[2i+1]. Fixed trip counts let the compiler vectorize without epilogues. */
typedef void (*rng_block_fn)(const uint64_t *w, float *out);

BLR_FASTMATH_CLONES static void rng_block_uniform(const uint64_t *w, float *out)
{
    for (size_t i = 0; i < RNG_BLOCK; i++) {
        out[2 * i] = rng_half_to_float((uint32_t)(w[i] >> 32));
        out[2 * i + 1] = rng_half_to_float((uint32_t)w[i]);
    }
}

BLR_FASTMATH_CLONES static void rng_block_exponential(const uint64_t *w, float *out)
{
    for (size_t i = 0; i < RNG_BLOCK; i++) {
        out[2 * i] = -rng_log(rng_half_to_float((uint32_t)(w[i] >> 32)));
        out[2 * i + 1] = -rng_log(rng_half_to_float((uint32_t)w[i]));
    }
}

/* Box–Muller: (r cos θ, r sin θ) with r = sqrt(-2 log u), θ uniform on the circle, is a
 * pair of independent N(0,1). The high half gives u; u never reaches 0 or 1, so log is
 * finite and r <= sqrt(2·24·ln 2) ≈ 5.77 (P(|z| > 5.77) ≈ 8e-9). θ is drawn without a
 * range reduction: the low half gives φ uniform on (-π/4, π/4) from its top 23 bits and
 * three independent fair bits from its low ones, which swap (cos φ, sin φ) and flip each
 * sign. Those 8 maps send the sector |θ| < π/4 onto each quarter of the circle exactly
 * twice, so θ is uniform on the circle. On |φ| <= π/4 the Taylor series of sin to φ⁹ and
 * of cos to φ^10 are accurate to (π/4)^11/11! ≈ 2e-9, under float's rounding. */
BLR_FASTMATH_CLONES static void rng_block_normal(const uint64_t *w, float *out)
{
    float rad[RNG_BLOCK], phi[RNG_BLOCK];
    uint32_t bits[RNG_BLOCK];
    for (size_t i = 0; i < RNG_BLOCK; i++) {
        const uint32_t lo = (uint32_t)w[i];
        rad[i] = -2.0f * rng_log(rng_half_to_float((uint32_t)(w[i] >> 32)));
        phi[i] = (rng_half_to_float(lo) - 0.5f) * 1.57079632679489662f;
        bits[i] = lo & 7u;
    }
    for (size_t i = 0; i < RNG_BLOCK; i++)
        rad[i] = sqrtf(rad[i]);
    for (size_t i = 0; i < RNG_BLOCK; i++) {
        const float a = phi[i], a2 = a * a;
        const float sn =
            a * (1.0f + a2 * (-1.0f / 6.0f +
                              a2 * (1.0f / 120.0f + a2 * (-1.0f / 5040.0f + a2 / 362880.0f))));
        const float cs =
            1.0f + a2 * (-0.5f + a2 * (1.0f / 24.0f +
                                       a2 * (-1.0f / 720.0f +
                                             a2 * (1.0f / 40320.0f - a2 / 3628800.0f))));
        const uint32_t swap = 0u - (bits[i] & 1u);
        const uint32_t cb = rng_float_bits(cs), sb = rng_float_bits(sn);
        const uint32_t x = ((cb & ~swap) | (sb & swap)) ^ ((bits[i] & 2u) << 30);
        const uint32_t y = ((sb & ~swap) | (cb & swap)) ^ ((bits[i] & 4u) << 29);
        out[2 * i] = rad[i] * rng_bits_float(x);
        out[2 * i + 1] = rad[i] * rng_bits_float(y);
    }
}

/* Consumes ceil(n/2) words whatever the block structure: a short last block draws only
 * the words it needs and pads with zero words whose floats are discarded, so an odd n
 * keeps the first float of its last pair and fills of even lengths concatenate. */
static void rng_fill(blr_rng *r, float *out, size_t n, rng_block_fn block)
{
    uint64_t w[RNG_BLOCK];
    while (n >= 2 * RNG_BLOCK) {
        for (size_t i = 0; i < RNG_BLOCK; i++)
            w[i] = blr_rng_next(r);
        block(w, out);
        out += 2 * RNG_BLOCK;
        n -= 2 * RNG_BLOCK;
    }
    if (n > 0) {
        float tail[2 * RNG_BLOCK];
        const size_t nw = (n + 1) / 2;
        for (size_t i = 0; i < RNG_BLOCK; i++)
            w[i] = i < nw ? blr_rng_next(r) : 0;
        block(w, tail);
        memcpy(out, tail, n * sizeof *out);
    }
}

void blr_rng_fill_uniform(blr_rng *r, float *out, size_t n)
{
    rng_fill(r, out, n, rng_block_uniform);
}

void blr_rng_fill_normal(blr_rng *r, float *out, size_t n)
{
    rng_fill(r, out, n, rng_block_normal);
}

void blr_rng_fill_exponential(blr_rng *r, float *out, size_t n)
{
    rng_fill(r, out, n, rng_block_exponential);
}
