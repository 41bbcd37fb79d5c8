/* pool4_avx2.h - the 2x2 max pool + ReLU of 8 windows at once (AVX2), for the pooling kernel of
 * layers.c and the fused one-channel convolution of conv_direct.c: v0, v1 the window's top row,
 * v2, v3 its bottom row (each vector 8 windows, or 8 channels of one window). The same compares in
 * the same order as layers.c's pool_relu_one and pool4_avx512.h: the first maximum wins ties,
 * ReLU after the max, max(0, m) being m < 0 ? 0 : m with NaN passed through. Included where x86-64
 * intrinsics are. */
#ifndef SEEDSWEEP_POOL4_AVX2_H
#define SEEDSWEEP_POOL4_AVX2_H

#include <immintrin.h>

#include "seedsweep/layers.h"

/* *value = relu(max of the window), *winner = its index 0..3 (row-major), plus POOL_STOPPED
 * (layers.h) where *value is not positive. */
static inline __attribute__((target("avx2"), always_inline)) void pool4_avx2(__m256 v0, __m256 v1, __m256 v2, __m256 v3,
                                                                             __m256 *value, __m256i *winner) {
    const __m256i one = _mm256_set1_epi32(1), two = _mm256_set1_epi32(2);
    const __m256 c1 = _mm256_cmp_ps(v1, v0, _CMP_GT_OQ), c3 = _mm256_cmp_ps(v3, v2, _CMP_GT_OQ);
    /* vmaxps(a, b) is a > b ? a : b (b when either is NaN): the blends of the compares above */
    const __m256 m01 = _mm256_max_ps(v1, v0), m23 = _mm256_max_ps(v3, v2);
    const __m256 c = _mm256_cmp_ps(m23, m01, _CMP_GT_OQ);
    const __m256i i01 = _mm256_and_si256(_mm256_castps_si256(c1), one);
    const __m256i i23 = _mm256_add_epi32(two, _mm256_and_si256(_mm256_castps_si256(c3), one));
    *value = _mm256_max_ps(_mm256_setzero_ps(), _mm256_max_ps(m23, m01)); /* max(0, NaN) = NaN */
    const __m256i live = _mm256_castps_si256(_mm256_cmp_ps(*value, _mm256_setzero_ps(), _CMP_GT_OQ));
    *winner = _mm256_or_si256(_mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(i01), _mm256_castsi256_ps(i23), c)),
                              _mm256_andnot_si256(live, _mm256_set1_epi32(POOL_STOPPED)));
}

#endif
