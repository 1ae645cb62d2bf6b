/* Random bits to floats: the branch-free transforms that lib/prob/rng.c's standard fills and
 * lib/prob/base.c's base samplers apply to blocks of 64-bit words (docs/design.md §6).
 *
 * Each 32-bit half of a word gives a uniform u from its top 23 bits (blr_rng_unit) and
 * leaves 9 low bits for a sign or for the octant of an angle (blr_rng_circle). Everything
 * is static inline float arithmetic with selects through the bits, so a block loop over
 * these vectorizes (see lib/prob/fastmath.h for why that takes fixed trip counts and the
 * BLR_FASTMATH_CLONES attribute on the calling function). */
#ifndef BLR_RNG_MATH_H
#define BLR_RNG_MATH_H

#include <math.h>
#include <stdint.h>

#include "fastmath.h"

/* 23 random bits as (k + 1/2)·2^-23, k in 0..2^23-1: the values lie in [2^-24, 1 - 2^-24],
 * are exact in float (k + 1/2 needs 24 significant bits) and the grid is symmetric about
 * 1/2, so inverse-CDF transforms of u and 1-u are mirror images. (24 bits would round
 * the top value to 1.0f.) */
BLR_FASTMATH_INLINE float blr_rng_unit(uint32_t h)
{
    return ((float)(int32_t)(h >> 9) + 0.5f) * 0x1p-23f;
}

/* Natural log of a positive normal float (libm's logf is a call the compiler cannot
 * vectorize). x = 2^e·m with m in [√½, √2): mantissas at or above √2's (0x3504f3) are
 * halved by lowering their exponent field, and e goes up one. Then log m = 2 atanh(s) =
 * 2(s + s³/3 + ... + s⁹/9 + ...), s = (m-1)/(m+1) in [-0.172, 0.172], and the terms after
 * s⁹ add a relative 2s^10/11 < 2e-9, under float's rounding. m - 1 is exact, so log stays
 * accurate relative to itself near x = 1, where Box–Muller takes a square root of it. */
BLR_FASTMATH_INLINE float blr_rng_log(float x)
{
    const uint32_t b = blr_fastmath_bits(x);
    const uint32_t mant = b & 0x007fffffu;
    const uint32_t high = (uint32_t)(mant >= 0x3504f3u);
    const float e = (float)((int32_t)(b >> 23) - 127 + (int32_t)high);
    const float m = blr_fastmath_from_bits(mant | (0x3f800000u - (high << 23)));
    const float s = (m - 1.0f) / (m + 1.0f);
    const float s2 = s * s;
    float p = 1.0f / 9.0f;
    p = p * s2 + 1.0f / 7.0f;
    p = p * s2 + 1.0f / 5.0f;
    p = p * s2 + 1.0f / 3.0f;
    p = p * s2 + 1.0f;
    return e * 0.693147180559945309f + 2.0f * s * p;
}

/* A standard exponential -log u from a half; u never reaches 0 or 1, so the result lies in
 * [2^-24 (about), 24 ln 2]. -log u is the inverse CDF at 1 - u, which has the law of u. */
BLR_FASTMATH_INLINE float blr_rng_exponential(uint32_t h)
{
    return -blr_rng_log(blr_rng_unit(h));
}

/* x with its sign flipped when bit 0 of h is set (a fair sign independent of
 * blr_rng_unit(h), which reads only the top 23 bits). */
BLR_FASTMATH_INLINE float blr_rng_signed(float x, uint32_t h)
{
    return blr_fastmath_from_bits(blr_fastmath_bits(x) ^ (h << 31));
}

/* (cos θ, sin θ) as (c, s) for θ uniform on the circle, from one half, without a range reduction:
 * its top 23 bits give φ uniform on (-π/4, π/4) and its low three bits swap (cos φ, sin φ)
 * and flip each sign. Those 8 maps send the sector |θ| < π/4 onto each quarter of the
 * circle exactly twice, so θ is uniform. On |φ| <= π/4 the Taylor series of sin to φ⁹ and
 * of cos to φ^10 are accurate to (π/4)^11/11! ≈ 2e-9, under float's rounding. */
typedef struct {
    float c, s;
} blr_rng_pair;

BLR_FASTMATH_INLINE blr_rng_pair blr_rng_circle(uint32_t h)
{
    const float a = (blr_rng_unit(h) - 0.5f) * 1.57079632679489662f, a2 = a * a;
    const float sn =
        a * (1.0f + a2 * (-1.0f / 6.0f +
                          a2 * (1.0f / 120.0f + a2 * (-1.0f / 5040.0f + a2 / 362880.0f))));
    const float cs =
        1.0f + a2 * (-0.5f + a2 * (1.0f / 24.0f +
                                   a2 * (-1.0f / 720.0f + a2 * (1.0f / 40320.0f - a2 / 3628800.0f))));
    const uint32_t swap = 0u - (h & 1u);
    const uint32_t cb = blr_fastmath_bits(cs), sb = blr_fastmath_bits(sn);
    blr_rng_pair p;
    p.c = blr_fastmath_from_bits(((cb & ~swap) | (sb & swap)) ^ ((h & 2u) << 30));
    p.s = blr_fastmath_from_bits(((sb & ~swap) | (cb & swap)) ^ ((h & 4u) << 29));
    return p;
}

/* Box–Muller: (c, s) = (r cos θ, r sin θ) with r = sqrt(2E), E = -log u from the word's high half
 * and θ from its low half, is a pair of independent N(0,1); r <= sqrt(48 ln 2) ≈ 5.77
 * (P(|z| > 5.77) ≈ 8e-9). */
BLR_FASTMATH_INLINE blr_rng_pair blr_rng_normal_pair(uint64_t w)
{
    const float r = sqrtf(2.0f * blr_rng_exponential((uint32_t)(w >> 32)));
    blr_rng_pair z = blr_rng_circle((uint32_t)w);
    z.c *= r;
    z.s *= r;
    return z;
}

#endif
