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
    const __m256 c1 = _mm256_cmp_ps(v1, v0, _CMP_GT_OQ), c3 = _mm256_cmp_ps(v3, v2, _CMP_GT_OQ);
    /* vmaxps(a, b) is a > b ? a : b (b when either is NaN): the blends of the compares above */
    const __m256 m01 = _mm256_max_ps(v1, v0), m23 = _mm256_max_ps(v3, v2);
    const __m256 c = _mm256_cmp_ps(m23, m01, _CMP_GT_OQ);
    *value = _mm256_max_ps(_mm256_setzero_ps(), _mm256_max_ps(m23, m01)); /* max(0, NaN) = NaN */
    /* the compares are -1 (true) or 0: 2 where the bottom row wins, minus its row's compare */
    const __m256i right = _mm256_castps_si256(_mm256_blendv_ps(c1, c3, c));
    const __m256i index = _mm256_sub_epi32(_mm256_and_si256(_mm256_castps_si256(c), _mm256_set1_epi32(2)), right);
    const __m256 stopped = _mm256_cmp_ps(*value, _mm256_setzero_ps(), _CMP_NGT_UQ); /* not > 0, NaN included */
    *winner = _mm256_or_si256(index, _mm256_and_si256(_mm256_castps_si256(stopped), _mm256_set1_epi32(POOL_STOPPED)));
}

#endif
