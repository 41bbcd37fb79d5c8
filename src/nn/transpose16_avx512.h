/* transpose16_avx512.h - a 16 x 16 transpose of floats in AVX-512 registers: r[i] lane j becomes
 * r[j] lane i. Shared by the fused one-channel convolution of conv_direct.c (pixels x channels to
 * the channel-major output) and conv_pool_backward.c (its pixel-major copies). Pure data movement:
 * no result depends on it beyond where the values land. Included where x86-64 intrinsics are. */
#ifndef SEEDSWEEP_TRANSPOSE16_AVX512_H
#define SEEDSWEEP_TRANSPOSE16_AVX512_H

#include <immintrin.h>

static inline __attribute__((target("avx512f"), always_inline)) void transpose16_avx512(__m512 r[16]) {
    __m512 a[16], b[16], c[16];
    for (int i = 0; i < 16; i += 2) {
        a[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        a[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int g = 0; g < 16; g += 4) {
        b[g] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(a[g]), _mm512_castps_pd(a[g + 2])));
        b[g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(a[g]), _mm512_castps_pd(a[g + 2])));
        b[g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(a[g + 1]), _mm512_castps_pd(a[g + 3])));
        b[g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(a[g + 1]), _mm512_castps_pd(a[g + 3])));
    }
    for (int h = 0; h < 16; h += 8)
        for (int i = h; i < h + 4; i++) {
            c[i] = _mm512_shuffle_f32x4(b[i], b[i + 4], 0x88);
            c[i + 4] = _mm512_shuffle_f32x4(b[i], b[i + 4], 0xdd);
        }
    for (int i = 0; i < 8; i++) {
        r[i] = _mm512_shuffle_f32x4(c[i], c[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(c[i], c[i + 8], 0xdd);
    }
}

#endif
