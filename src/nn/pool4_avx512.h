/* pool4_avx512.h - the 2x2 max pool + ReLU of 16 windows at once (AVX-512), for the pooling kernel
 * of layers.c and the fused one-channel convolution of conv_direct.c: v0, v1 the window's top row,
 * v2, v3 its bottom row (each vector 16 windows, or 16 channels of one window). The same compares
 * in the same order as layers.c's pool_relu_one: the first maximum wins ties, ReLU after the max,
 * vmaxps(0, m) being m < 0 ? 0 : m with NaN passed through. Included where x86-64 intrinsics are. */
#ifndef SEEDSWEEP_POOL4_AVX512_H
#define SEEDSWEEP_POOL4_AVX512_H

#include <immintrin.h>

#include "seedsweep/layers.h"

/* *value = relu(max of the window), *winner = its index 0..3 (row-major), plus POOL_STOPPED
 * (layers.h) where *value is not positive. */
static inline __attribute__((target("avx512f"), always_inline)) void pool4_avx512(__m512 v0, __m512 v1, __m512 v2,
                                                                                  __m512 v3, __m512 *value,
                                                                                  __m512i *winner) {
    const __mmask16 c1 = _mm512_cmp_ps_mask(v1, v0, _CMP_GT_OQ), c3 = _mm512_cmp_ps_mask(v3, v2, _CMP_GT_OQ);
    /* vmaxps(a, b) is a > b ? a : b (b when either is NaN): the blends of the compares above */
    const __m512 m01 = _mm512_max_ps(v1, v0), m23 = _mm512_max_ps(v3, v2);
    const __mmask16 c = _mm512_cmp_ps_mask(m23, m01, _CMP_GT_OQ);
    const __m512i i01 = _mm512_maskz_mov_epi32(c1, _mm512_set1_epi32(1));
    const __m512i i23 = _mm512_mask_mov_epi32(_mm512_set1_epi32(2), c3, _mm512_set1_epi32(3));
    *value = _mm512_max_ps(_mm512_setzero_ps(), _mm512_max_ps(m23, m01));
    const __mmask16 live = _mm512_cmp_ps_mask(*value, _mm512_setzero_ps(), _CMP_GT_OQ);
    const __m512i w = _mm512_mask_blend_epi32(c, i01, i23);
    *winner = _mm512_mask_or_epi32(w, (__mmask16)~live, w, _mm512_set1_epi32(POOL_STOPPED));
}

#endif
