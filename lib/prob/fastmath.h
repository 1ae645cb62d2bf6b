/* Float exp, expm1 and tanh for the hot loops: the activations of lib/nn/model.c and the
 * exponential maps of the Lie-group rules (docs/design.md §6).
 *
 * libm's expf/expm1f/tanhf are calls the compiler cannot vectorize, and glibc's tanhf alone
 * took about 30% of an SGD step. These are static inline, branch-free (selects go through
 * the bits, blr_fastmath_select) and use only float and 32-bit integer arithmetic, so a loop
 * over them vectorizes. At -O2, GCC 12 vectorizes a loop only when its trip count is a
 * known multiple of the vector length: callers run BLR_FASTMATH_BLOCK elements at a time
 * through a BLR_FASTMATH_INLINE block function (restrict-qualified), and the last
 * n mod BLR_FASTMATH_BLOCK elements through the same function with the remaining length,
 * which runs scalar with bit-identical results; BLR_FASTMATH_FOR_BLOCKS below writes that
 * loop.
 *
 * Accuracy against double-precision libm, measured over every float x with
 * 2^-27 <= |x| <= 110 and every 997th float elsewhere (an ulp is the spacing of floats at
 * the true value, so correct rounding is 0.5 ulp; tests/test_fastmath.c checks these bounds
 * on a dense sample):
 *   blr_fastmath_exp    <= 1.03 ulp, subnormal results included (an ulp there is 2^-149);
 *                       0 for x < -103.97, where the true value rounds to 0; +inf from
 *                       x = 88.72284 (the first float with e^x > FLT_MAX) on.
 *   blr_fastmath_expm1  <= 1.77 ulp; -1 for x < -17.33 (e^x below half an ulp of 1); +inf
 *                       from x = 88.72284 on; exactly x for |x| < 2^-25, ±0 and subnormals
 *                       included.
 *   blr_fastmath_tanh   <= 2.5 ulp; ±1 for |x| >= 9.1; exactly x for |x| < 2^-26; odd, so
 *                       tanh(-0) = -0.
 * NaN in gives NaN out for all three (divergence detection relies on it); ±inf give the
 * limits (exp: +inf, 0; expm1: +inf, -1; tanh: ±1). */
#ifndef BLR_FASTMATH_H
#define BLR_FASTMATH_H

#include <stdint.h>
#include <string.h>

/* Block functions and everything they call are forced inline: GCC's size heuristics would
 * otherwise leave a large block function out of line, its trip count unknown, unvectorized. */
#if defined(__GNUC__)
#define BLR_FASTMATH_INLINE static inline __attribute__((always_inline))
#else
#define BLR_FASTMATH_INLINE static inline
#endif

/* The functions whose loops are dominated by these transcendentals (the rules' steps, the
 * forward activation) are compiled once per x86 vector extension and picked at load time
 * (GCC's target_clones; an ifunc): AVX-512 and AVX2 run 16 and 8 floats per instruction
 * where the baseline x86-64 build has SSE2's 4. Neither target enables FMA, and -std=c11
 * keeps float contraction off, so every clone computes the same correctly rounded
 * operations in the same order: results are bit-identical across machines. Elsewhere the
 * macro is empty; -DBLR_FASTMATH_CLONES= on the command line turns the clones off. */
#if !defined(BLR_FASTMATH_CLONES) && defined(__GNUC__) && defined(__x86_64__) && \
    defined(__has_attribute)
#if __has_attribute(target_clones)
#define BLR_FASTMATH_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#ifndef BLR_FASTMATH_CLONES
#define BLR_FASTMATH_CLONES
#endif

/* Elements per vectorized block: a multiple of every x86 vector length (16 floats in
 * AVX-512), small enough that a block's operands stay in L1. */
#define BLR_FASTMATH_BLOCK 64

/* Runs stmt over the indices [lo, hi) block by block: with i the block's first index and
 * len the constant BLR_FASTMATH_BLOCK on every whole block, which the compiler vectorizes
 * for, then once on the remaining hi - i (possibly 0) elements. stmt calls the block
 * function, e.g. `BLR_FASTMATH_FOR_BLOCKS(i, len, lo, hi, f(len, x + i, y + i))`. */
#define BLR_FASTMATH_FOR_BLOCKS(i, len, lo, hi, stmt)                                         \
    do {                                                                                       \
        size_t i = (lo);                                                                       \
        for (; i + BLR_FASTMATH_BLOCK <= (hi); i += BLR_FASTMATH_BLOCK) {                     \
            const size_t len = BLR_FASTMATH_BLOCK;                                             \
            stmt;                                                                              \
        }                                                                                      \
        {                                                                                      \
            const size_t len = (hi) - i;                                                       \
            stmt;                                                                              \
        }                                                                                      \
    } while (0)

BLR_FASTMATH_INLINE uint32_t blr_fastmath_bits(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

BLR_FASTMATH_INLINE float blr_fastmath_from_bits(uint32_t u)
{
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* c ? a : b through the bits. A conditional expression would let the compiler branch
 * (it specializes each side for the value the comparison implies), and at -O2 with
 * -ftrapping-math a branch around float arithmetic stops vectorization. */
BLR_FASTMATH_INLINE float blr_fastmath_select(int c, float a, float b)
{
    const uint32_t m = 0u - (uint32_t)c;
    return blr_fastmath_from_bits((blr_fastmath_bits(a) & m) | (blr_fastmath_bits(b) & ~m));
}

/* 2^k for k in [-126, 127], built in the exponent field (in unsigned arithmetic: for a NaN
 * argument k is garbage, and the result is multiplied into a NaN anyway). */
BLR_FASTMATH_INLINE float blr_fastmath_pow2(int32_t k)
{
    return blr_fastmath_from_bits(((uint32_t)k + 127u) << 23);
}

/* x = n ln 2 + r with n = round(x / ln 2) and |r| <= ln(2)/2 (plus rounding), for
 * |x| < 2^22 ln 2. Adding 1.5·2^23 rounds x/ln 2 to an integer in the low mantissa bits,
 * read back as n without a float-to-int conversion (which would be undefined for NaN).
 * ln 2 = ln2_hi + ln2_lo + 5.5e-14 with ln2_hi's low 9 bits zero, so n·ln2_hi and
 * x - n·ln2_hi are exact for |n| <= 2^9 (Cody–Waite); r errs by under an ulp of r. */
typedef struct {
    float r;
    int32_t n;
} blr_fastmath_reduced;

BLR_FASTMATH_INLINE blr_fastmath_reduced blr_fastmath_reduce(float x)
{
    const float shift = 0x1.8p23f, log2e = 1.44269504088896341f;
    const float ln2_hi = 0x1.62e400p-1f, ln2_lo = 0x1.7f7d1cp-20f;
    const float t = x * log2e + shift;
    const float n = t - shift;
    blr_fastmath_reduced red;
    red.n = (int32_t)(blr_fastmath_bits(t) - blr_fastmath_bits(shift));
    red.r = (x - n * ln2_hi) - n * ln2_lo;
    return red;
}

/* e^r - 1 on |r| <= 0.3466 by its Taylor series to r^7 (Horner). The first omitted term
 * r^8/8! is at most 1.8e-8 relative to |e^r - 1| >= 0.83|r|, under a third of float's
 * rounding unit 2^-24. */
BLR_FASTMATH_INLINE float blr_fastmath_expm1_reduced(float r)
{
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    return r + (r * r) * p;
}

/* e^x = 2^n e^r. x is first clamped to [-104, 89], outside which the float result is 0 or
 * inf anyway (a NaN fails both comparisons and passes through). 2^n is applied as
 * 2^h · 2^(n-h), h = n/2, so both factors are normal floats for n in [-150, 128] and the
 * second product rounds once into the subnormal range or overflows to inf when the true
 * value does. */
BLR_FASTMATH_INLINE float blr_fastmath_exp(float x)
{
    float xc = blr_fastmath_select(x < -104.0f, -104.0f, x);
    xc = blr_fastmath_select(xc > 89.0f, 89.0f, xc);
    const blr_fastmath_reduced red = blr_fastmath_reduce(xc);
    const int32_t h = red.n / 2;
    const float p = 1.0f + blr_fastmath_expm1_reduced(red.r);
    return (p * blr_fastmath_pow2(h)) * blr_fastmath_pow2(red.n - h);
}

/* e^x - 1 = 2^n (1 + q) - 1 with q = e^r - 1, evaluated as 2 (s q + (s - 1/2)) with
 * s = 2^(n-1): s q and the final doubling are exact, s - 1/2 is exact for the n where it
 * matters, so the only roundings are q's and one addition, and for n = 0 the result is q
 * itself (no cancellation near 0). x is clamped to [-20, 89] (e^-20 is below half an ulp
 * of 1, and e^89 overflows); the doubling overflows to inf exactly when the true value
 * exceeds FLT_MAX. For |x| < 2^-25, e^x - 1 rounds to x; returning x keeps -0 and
 * subnormals exact where the formula would lose them. */
BLR_FASTMATH_INLINE float blr_fastmath_expm1(float x)
{
    float xc = blr_fastmath_select(x < -20.0f, -20.0f, x);
    xc = blr_fastmath_select(xc > 89.0f, 89.0f, xc);
    const blr_fastmath_reduced red = blr_fastmath_reduce(xc);
    const float q = blr_fastmath_expm1_reduced(red.r);
    const float s = blr_fastmath_pow2(red.n - 1);
    const float y = 2.0f * (s * q + (s - 0.5f));
    const float ax = blr_fastmath_from_bits(blr_fastmath_bits(x) & 0x7fffffffu);
    return blr_fastmath_select(ax < 0x1p-25f, x, y);
}

/* tanh|x| = -e/(e + 2) with e = e^(-2|x|) - 1 in (-1, 0]: no overflow, no cancellation
 * (e + 2 is in (1, 2]), and near 0 it is |x| to first order; the sign is copied back. */
BLR_FASTMATH_INLINE float blr_fastmath_tanh(float x)
{
    const uint32_t sign = blr_fastmath_bits(x) & 0x80000000u;
    const float ax = blr_fastmath_from_bits(blr_fastmath_bits(x) ^ sign);
    const float e = blr_fastmath_expm1(-2.0f * ax);
    const float t = -e / (e + 2.0f);
    return blr_fastmath_from_bits(blr_fastmath_bits(t) | sign);
}

#endif
