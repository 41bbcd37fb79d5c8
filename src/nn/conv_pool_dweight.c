/* conv_pool_dweight.c - the weight and bias gradients of a layer with no input gradient (the
 * first layer) that fuses a 3x3 conv, ReLU and a 2x2 max pool, computed straight from the pooled
 * gradient: the full-resolution gradient, three quarters zeros, is never written or read back.
 * The default convolution path (SEEDSWEEP_CONV=direct2) runs it; see conv_direct.h.
 *
 * Each pooled pixel passes its gradient g (0 where the pooled value is not positive: ReLU) to
 * one conv pixel, its window's winner (dy, dx) from the forward pass's argmax; that pixel's taps
 * read the input at rows 2py+dy-1 .. 2py+dy+1 and columns 2px+dx-1 .. 2px+dx+1. The vector code
 * puts 16 pooled pixels of one output channel in its lanes: the input rows, zero-padded and split
 * into even and odd columns, give each tap's value for both dx by plain loads, and two blends
 * per tap pick the winner's.
 *
 * Determinism: the gradient of weight (co, ci, ky, kx) is 16 partial sums, lane l taking the
 * pooled pixels px = px0 + l of the 16-pixel chunks px0 = 0, 16, .. of every pooled row, rows in
 * order, each by ONE fma(g, input, partial) from +0; the partials are then added in lane order
 * (conv_direct_dweight_finish). The bias gradient is the same with plain additions of g. The
 * AVX-512 code holds the 16 lanes in one register, the AVX2 code in two passes of 8, the portable
 * code (the definition; fmaf is correctly rounded) in a loop: identical bits. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "seedsweep/conv_direct.h"
#include "seedsweep/simd.h"

/* Floats of one half row (even or odd columns of a padded input row): every chunk's loads,
 * including the one-pixel shift, stay inside it. */
static long half_row_floats(int W) { return ((long)W / 2 + 15) / 16 * 16 + 16; }

long conv_direct_pool_dweight_floats(int Cin, int H, int W, int Cout) {
    return 16L * Cout * (9L * Cin + 1) + 2L * (H + 2) * half_row_floats(W);
}

/* One input channel ci, all pooled rows, every output channel. */
typedef struct PoolPlane {
    const float *rows;  /* the padded input rows r = 0 .. H+1 (P[x+1] = in[r-1][x], 0 outside) split into
                         * halves: E_r[j] = P[2j] at rows + 2r*hr, O_r[j] = P[2j+1] at rows + (2r+1)*hr */
    long hr;            /* floats of one half row */
    const float *g, *p; /* pooled gradient and pooled values, channel 0 */
    const uint8_t *a;   /* the windows' winners, channel 0 */
    long plane;         /* Hp * Wp: the channel stride of g, p and a */
    int Hp, Wp, Cin, ci, Cout;
} PoolPlane;

static void split_row(float *E, float *O, long n, const float *in, int H, int W, int iy) {
    memset(E, 0, sizeof(float) * (size_t)n);
    memset(O, 0, sizeof(float) * (size_t)n);
    if (iy < 0 || iy >= H) return;
    const float *row = in + (long)iy * W;
    for (int x = 0; x < W; x += 2) O[x / 2] = row[x];     /* P[x + 1], x even */
    for (int x = 1; x < W; x += 2) E[(x + 1) / 2] = row[x]; /* P[x + 1], x odd */
}

static void plane_portable(float *part, float *bpart, const PoolPlane *r) {
    for (int co = 0; co < r->Cout; co++) {
        float *acc = part + ((long)co * r->Cin + r->ci) * 9 * 16;
        for (int py = 0; py < r->Hp; py++) {
            const long o = co * r->plane + (long)py * r->Wp;
            const float *g = r->g + o, *p = r->p + o, *half = r->rows + 4L * py * r->hr;
            const uint8_t *a = r->a + o;
            for (int px = 0; px < r->Wp; px++) {
                const int l = px % 16, dx = a[px] & 1, dy = (a[px] >> 1) & 1;
                const float v = p[px] > 0.0f ? g[px] : 0.0f;
                for (int ky = 0; ky < 3; ky++)
                    for (int kx = 0; kx < 3; kx++) { /* column 2px+dx+kx of P: half (dx+kx)%2, index px+(dx+kx)/2 */
                        const int c = dx + kx;
                        const float x = half[(2L * (dy + ky) + c % 2) * r->hr + px + c / 2];
                        acc[(ky * 3 + kx) * 16 + l] = fmaf(v, x, acc[(ky * 3 + kx) * 16 + l]);
                    }
                if (r->ci == 0) bpart[co * 16 + l] += v;
            }
        }
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#define SS_POOL_DWEIGHT_SIMD 1
/* n winners' bytes (n <= 16) as 16 bytes, zeros past n. */
static inline __m128i load_winners(const uint8_t *a, int n) {
    if (n >= 16) return _mm_loadu_si128((const __m128i *)a);
    uint8_t tmp[16] = {0};
    memcpy(tmp, a, (size_t)n);
    return _mm_loadu_si128((const __m128i *)tmp);
}

__attribute__((target("avx512f,avx2,fma"))) static void plane_avx512(float *part, float *bpart, const PoolPlane *r) {
    const __m512 zero = _mm512_setzero_ps();
    const __m512i one = _mm512_set1_epi32(1), two = _mm512_set1_epi32(2);
    const long hr = r->hr;
    for (int co = 0; co < r->Cout; co++) {
        float *accp = part + ((long)co * r->Cin + r->ci) * 9 * 16;
        __m512 acc[9], bacc = _mm512_loadu_ps(bpart + co * 16);
        for (int t = 0; t < 9; t++) acc[t] = _mm512_loadu_ps(accp + t * 16);
        for (int py = 0; py < r->Hp; py++) {
            const long o = co * r->plane + (long)py * r->Wp;
            const float *g = r->g + o, *p = r->p + o, *half = r->rows + 4L * py * hr;
            const uint8_t *a = r->a + o;
            for (int px0 = 0; px0 < r->Wp; px0 += 16) {
                const int n = r->Wp - px0 < 16 ? r->Wp - px0 : 16;
                const __mmask16 live = (__mmask16)((1u << n) - 1u);
                const __m512 pv = _mm512_maskz_loadu_ps(live, p + px0);
                const __m512 gv = _mm512_maskz_loadu_ps(_mm512_cmp_ps_mask(pv, zero, _CMP_GT_OQ) & live, g + px0);
                const __m512i ai = _mm512_cvtepu8_epi32(load_winners(a + px0, n));
                const __mmask16 mdx = _mm512_test_epi32_mask(ai, one), mdy = _mm512_test_epi32_mask(ai, two);
                __m512 B[4][3]; /* B[j][kx]: input row 2py-1+j at column 2px+dx+kx-1 */
                for (int j = 0; j < 4; j++) {
                    const float *E = half + 2L * j * hr + px0, *O = E + hr;
                    const __m512 e0 = _mm512_loadu_ps(E), o0 = _mm512_loadu_ps(O);
                    const __m512 e1 = _mm512_loadu_ps(E + 1), o1 = _mm512_loadu_ps(O + 1);
                    B[j][0] = _mm512_mask_blend_ps(mdx, e0, o0);
                    B[j][1] = _mm512_mask_blend_ps(mdx, o0, e1);
                    B[j][2] = _mm512_mask_blend_ps(mdx, e1, o1);
                }
                for (int ky = 0; ky < 3; ky++)
                    for (int kx = 0; kx < 3; kx++)
                        acc[ky * 3 + kx] = _mm512_mask3_fmadd_ps(
                            gv, _mm512_mask_blend_ps(mdy, B[ky][kx], B[ky + 1][kx]), acc[ky * 3 + kx], live);
                if (r->ci == 0) bacc = _mm512_mask_add_ps(bacc, live, bacc, gv);
            }
        }
        for (int t = 0; t < 9; t++) _mm512_storeu_ps(accp + t * 16, acc[t]);
        _mm512_storeu_ps(bpart + co * 16, bacc);
    }
}

/* The 16 lanes as two passes of 8: lanes 0-7 of every chunk, then lanes 8-15 (each partial's
 * pixels still in order). */
__attribute__((target("avx2,fma"))) static void plane_avx2(float *part, float *bpart, const PoolPlane *r) {
    const __m256 zero = _mm256_setzero_ps();
    const __m256i one = _mm256_set1_epi32(1), two = _mm256_set1_epi32(2);
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const long hr = r->hr;
    for (int co = 0; co < r->Cout; co++) {
        float *accp = part + ((long)co * r->Cin + r->ci) * 9 * 16;
        for (int h = 0; h < 16; h += 8) {
            __m256 acc[9], bacc = _mm256_loadu_ps(bpart + co * 16 + h);
            for (int t = 0; t < 9; t++) acc[t] = _mm256_loadu_ps(accp + t * 16 + h);
            for (int py = 0; py < r->Hp; py++) {
                const long o = co * r->plane + (long)py * r->Wp;
                const float *g = r->g + o, *p = r->p + o, *half = r->rows + 4L * py * hr;
                const uint8_t *a = r->a + o;
                for (int x = h; x < r->Wp; x += 16) {
                    const int n = r->Wp - x < 8 ? r->Wp - x : 8;
                    const __m256i live = _mm256_cmpgt_epi32(_mm256_set1_epi32(n), iota);
                    const __m256 pv = _mm256_maskload_ps(p + x, live);
                    const __m256 gv =
                        _mm256_and_ps(_mm256_maskload_ps(g + x, live), _mm256_cmp_ps(pv, zero, _CMP_GT_OQ));
                    const __m256i ai = _mm256_cvtepu8_epi32(load_winners(a + x, n));
                    const __m256 mdx = _mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_and_si256(ai, one), one));
                    const __m256 mdy = _mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_and_si256(ai, two), two));
                    __m256 B[4][3];
                    for (int j = 0; j < 4; j++) {
                        const float *E = half + 2L * j * hr + x, *O = E + hr;
                        const __m256 e0 = _mm256_loadu_ps(E), o0 = _mm256_loadu_ps(O);
                        const __m256 e1 = _mm256_loadu_ps(E + 1), o1 = _mm256_loadu_ps(O + 1);
                        B[j][0] = _mm256_blendv_ps(e0, o0, mdx);
                        B[j][1] = _mm256_blendv_ps(o0, e1, mdx);
                        B[j][2] = _mm256_blendv_ps(e1, o1, mdx);
                    }
                    for (int ky = 0; ky < 3; ky++)
                        for (int kx = 0; kx < 3; kx++) {
                            const __m256 v = _mm256_blendv_ps(B[ky][kx], B[ky + 1][kx], mdy);
                            const __m256 s = _mm256_fmadd_ps(gv, v, acc[ky * 3 + kx]);
                            acc[ky * 3 + kx] =
                                n == 8 ? s : _mm256_blendv_ps(acc[ky * 3 + kx], s, _mm256_castsi256_ps(live));
                        }
                    if (r->ci == 0) bacc = _mm256_add_ps(bacc, gv); /* gv is +0 in dead lanes */
                }
            }
            for (int t = 0; t < 9; t++) _mm256_storeu_ps(accp + t * 16 + h, acc[t]);
            _mm256_storeu_ps(bpart + co * 16 + h, bacc);
        }
    }
}
#endif

void conv_direct_pool_dweight(float *dweight, float *dbias, const float *dpooled, const float *pooled,
                              const uint8_t *argmax, const float *in, int Cin, int H, int W, int Cout, float *scratch) {
    const int Hp = H / 2, Wp = W / 2;
    const long hr = half_row_floats(W), npart = 16L * Cout * 9 * Cin;
    float *part = scratch, *bpart = part + npart, *rows = bpart + 16L * Cout;
    memset(part, 0, sizeof(float) * (size_t)(npart + 16L * Cout));
    PoolPlane r = {.rows = rows, .hr = hr, .g = dpooled, .p = pooled, .a = argmax, .plane = (long)Hp * Wp,
                   .Hp = Hp, .Wp = Wp, .Cin = Cin, .Cout = Cout};
    for (int ci = 0; ci < Cin; ci++) {
        for (int y = 0; y < H + 2; y++)
            split_row(rows + 2L * y * hr, rows + (2L * y + 1) * hr, hr, in + (long)ci * H * W, H, W, y - 1);
        r.ci = ci;
#ifdef SS_POOL_DWEIGHT_SIMD
        if (simd_level() == SIMD_AVX512)
            plane_avx512(part, bpart, &r);
        else if (simd_level() == SIMD_AVX2)
            plane_avx2(part, bpart, &r);
        else
#endif
            plane_portable(part, bpart, &r);
    }
    conv_direct_dweight_finish(dweight, part, Cin, Cout, 3);
    for (int co = 0; co < Cout; co++) {
        float s = bpart[co * 16];
        for (int l = 1; l < 16; l++) s += bpart[co * 16 + l];
        dbias[co] += s;
    }
}
