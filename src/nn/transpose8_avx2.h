/* transpose8_avx2.h - an 8 x 8 transpose of floats in AVX2 registers: r[i] lane j becomes r[j]
 * lane i. Shared by the fused one-channel convolution of conv_direct.c and conv_pool_backward.c's
 * pixel-major copies. Pure data movement. Included where x86-64 intrinsics are. */
#ifndef SEEDSWEEP_TRANSPOSE8_AVX2_H
#define SEEDSWEEP_TRANSPOSE8_AVX2_H

#include <immintrin.h>

static inline __attribute__((target("avx2"), always_inline)) void transpose8_avx2(__m256 r[8]) {
    __m256 a[8], b[8];
    for (int i = 0; i < 8; i += 2) {
        a[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        a[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int g = 0; g < 8; g += 4) {
        b[g] = _mm256_shuffle_ps(a[g], a[g + 2], _MM_SHUFFLE(1, 0, 1, 0));
        b[g + 1] = _mm256_shuffle_ps(a[g], a[g + 2], _MM_SHUFFLE(3, 2, 3, 2));
        b[g + 2] = _mm256_shuffle_ps(a[g + 1], a[g + 3], _MM_SHUFFLE(1, 0, 1, 0));
        b[g + 3] = _mm256_shuffle_ps(a[g + 1], a[g + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm256_permute2f128_ps(b[i], b[i + 4], 0x20);
        r[i + 4] = _mm256_permute2f128_ps(b[i], b[i + 4], 0x31);
    }
}

#endif
