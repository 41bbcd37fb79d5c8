/* layers.c - the convolutions' forward/backward pairs (see layers.h for layouts and
 * conventions; pool, dense and softmax: pool_dense_softmax.c). Convolution = im2col on a strip
 * of output rows + one cblas_sgemm (or the direct kernels of conv_direct.c); the sgemm runs on
 * the calling thread (the model sets OpenBLAS to one thread and parallelises over images). */
#include <cblas.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif
#include <stdlib.h>
#include <string.h>

#include "seedsweep/conv_direct.h"
#include "seedsweep/conv_images.h"
#include "seedsweep/layers.h"
#include "seedsweep/simd.h"

/* Data-movement loops the compiler vectorises: in the portable build (Makefile ARCH) they are also
 * compiled for AVX2 and the copy the CPU supports is chosen at load time (GCC target_clones).
 * They hold no reductions and no contractible multiply-adds, so every copy computes identical bits. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__AVX2__) && !defined(__SANITIZE_ADDRESS__)
#define SS_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define SS_VECTOR_CLONES
#endif

/* im2col with explicit strides: column block row stride ldcol, input channel stride cstride
 * (H*W for one image; larger when the channels of a group of images are interleaved). */
SS_VECTOR_CLONES static void im2col_strided(float *col, long ldcol, const float *in, long cstride, int C, int H, int W, int k,
                           int y0, int rows) {
    int pad = k / 2;
    for (int c = 0; c < C; c++) {
        for (int ky = 0; ky < k; ky++) {
            for (int kx = 0; kx < k; kx++) {
                float *dst = col + ((long)(c * k + ky) * k + kx) * ldcol;
                int x_lo = pad - kx > 0 ? pad - kx : 0;            /* first x with ix >= 0 */
                int x_hi = W + pad - kx < W ? W + pad - kx : W;    /* one past last x with ix < W */
                for (int r = 0; r < rows; r++) {
                    int iy = y0 + r + ky - pad;
                    float *d = dst + (long)r * W;
                    if (iy < 0 || iy >= H || x_hi <= x_lo) {
                        memset(d, 0, sizeof(float) * (size_t)W);
                        continue;
                    }
                    const float *s = in + c * cstride + (long)iy * W + (kx - pad);
                    for (int x = 0; x < x_lo; x++) d[x] = 0.0f;
                    memcpy(d + x_lo, s + x_lo, sizeof(float) * (size_t)(x_hi - x_lo));
                    for (int x = x_hi; x < W; x++) d[x] = 0.0f;
                }
            }
        }
    }
}

void im2col_rows(float *col, const float *in, int C, int H, int W, int k, int y0, int rows) {
    im2col_strided(col, (long)rows * W, in, (long)H * W, C, H, W, k, y0, rows);
}

SS_VECTOR_CLONES void col2im_rows(float *din, const float *col, int C, int H, int W, int k, int y0, int rows) {
    int pad = k / 2;
    long n = (long)rows * W;
    for (int c = 0; c < C; c++) {
        for (int ky = 0; ky < k; ky++) {
            for (int kx = 0; kx < k; kx++) {
                const float *src = col + ((long)(c * k + ky) * k + kx) * n;
                int x_lo = pad - kx > 0 ? pad - kx : 0;
                int x_hi = W + pad - kx < W ? W + pad - kx : W;
                for (int r = 0; r < rows; r++) {
                    int iy = y0 + r + ky - pad;
                    if (iy < 0 || iy >= H) continue;
                    const float *s = src + (long)r * W;
                    float *d = din + ((long)c * H + iy) * W + (kx - pad);
                    for (int x = x_lo; x < x_hi; x++) d[x] += s[x];
                }
            }
        }
    }
}

/* out rows [y0, y0+rows) (row stride ldo per channel) += weight x im2col(in). beta = 1: the
 * caller pre-fills out (bias, or zeros), which also spares OpenBLAS its separate beta pass. */
static void conv_rows_gemm(float *out, long ldo, float *col, const float *in, const float *weight,
                           const ConvShape *s, int y0, int rows) {
    int K = s->in_c * s->k * s->k;
    int n = rows * s->w;
    im2col_rows(col, in, s->in_c, s->h, s->w, s->k, y0, rows);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s->out_c, n, K, 1.0f, weight, K, col, n, 1.0f, out,
                (int)ldo);
}

void conv_flip_weights(float *flipped, const float *weight, int Cin, int Cout, int k) {
    int kk = k * k;
    for (int co = 0; co < Cout; co++)
        for (int ci = 0; ci < Cin; ci++)
            for (int t = 0; t < kk; t++)
                flipped[((long)ci * Cout + co) * kk + (kk - 1 - t)] = weight[((long)co * Cin + ci) * kk + t];
}

/* Shared by both backward passes once dconv (the gradient at the conv output, Cout x H x W)
 * is built. With an input gradient wanted, one im2col of dconv per strip feeds both sgemms:
 *   din      += flipped[Cin][Cout*k*k] x im2col(dconv)          (the transposed conv)
 *   dflipped += in[Cin][strip] x im2col(dconv)^T                  (= dweight, flipped)
 * since dweight[co][ci][t] = sum_p dconv[co][p] in[ci][p + t] = sum_q in[ci][q] dconv[co][q - t]:
 * the input itself needs no im2col. dflipped (scratch, Cin*Cout*k*k) is flipped back into
 * dweight at the end. Without an input gradient (first layer): dweight += dconv x im2col(in)^T. */
static void conv_backward_from_dconv(float *din, float *dweight, const float *in, const float *weight_flipped,
                                     const ConvShape *s, const ConvScratch *scratch) {
    const int Cin = s->in_c, H = s->h, W = s->w, Cout = s->out_c, k = s->k, rows = s->rows;
    float *col = scratch->col, *dflipped = scratch->dflipped;
    const float *dconv = scratch->dconv;
    int K = Cin * k * k, Kt = Cout * k * k, kk = k * k;
    long hw = (long)H * W;
    if (!din) {
        for (int y0 = 0; y0 < H; y0 += rows) {
            int r = H - y0 < rows ? H - y0 : rows;
            int n = r * W;
            im2col_rows(col, in, Cin, H, W, k, y0, r);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Cout, K, n, 1.0f, dconv + (long)y0 * W, (int)hw,
                        col, n, 1.0f, dweight, K);
        }
        return;
    }
    memset(dflipped, 0, sizeof(float) * (size_t)Cin * Kt);
    for (int y0 = 0; y0 < H; y0 += rows) {
        int r = H - y0 < rows ? H - y0 : rows;
        int n = r * W;
        im2col_rows(col, dconv, Cout, H, W, k, y0, r);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Cin, n, Kt, 1.0f, weight_flipped, Kt, col, n, 1.0f,
                    din + (long)y0 * W, (int)hw);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Cin, Kt, n, 1.0f, in + (long)y0 * W, (int)hw, col, n,
                    1.0f, dflipped, Kt);
    }
    for (int co = 0; co < Cout; co++)
        for (int ci = 0; ci < Cin; ci++)
            for (int t = 0; t < kk; t++)
                dweight[((long)co * Cin + ci) * kk + t] += dflipped[((long)ci * Cout + co) * kk + (kk - 1 - t)];
}

SS_VECTOR_CLONES static void fill_bias_rows(float *out, long ldo, const float *bias, int Cout, int n) {
    for (int co = 0; co < Cout; co++) {
        float *o = out + co * ldo, b = bias[co];
        for (int i = 0; i < n; i++) o[i] = b;
    }
}

/* The direct kernels (conv_direct.c) replace im2col + sgemm in the strip lowering unless
 * SEEDSWEEP_CONV=im2col selected the previous lowering (kept bit for bit). Their weight gradient
 * keeps 16 partial sums per weight in col, which holds them when rows*w >= 16*min(in_c, out_c)
 * (col is max(in_c, out_c)*k*k x rows*w); a layer where it does not stays on im2col. The choice
 * depends on the shapes alone, never on the thread count. */
static int use_direct(const ConvShape *s) {
    return conv_path_get() != CONV_PATH_IM2COL &&
           16L * (s->in_c < s->out_c ? s->in_c : s->out_c) <= (long)s->rows * s->w;
}

static void relu_rows(float *out, long ldo, int Cout, long n) {
    for (int co = 0; co < Cout; co++) {
        float *o = out + co * ldo;
        for (long i = 0; i < n; i++) o[i] = o[i] < 0.0f ? 0.0f : o[i]; /* NaN passes, as in PyTorch */
    }
}

/* From scratch->dconv [out_c][h][w]: din = its conv with the flipped weights (the transposed
 * conv); dweight += its correlation with the input, the 16 partial sums in scratch->col. */
static void direct_backward_from_dconv(float *din, float *dweight, const float *in, const float *weight_flipped,
                                       const ConvShape *s, const ConvScratch *scratch) {
    const int Cin = s->in_c, H = s->h, W = s->w, Cout = s->out_c, k = s->k;
    long hw = (long)H * W;
    if (din) { /* written: each input-gradient chain starts at +0, as it would from zeroed memory */
        memset(scratch->dflipped, 0, sizeof(float) * (size_t)Cin);
        conv_direct_forward_rows(din, hw, scratch->dconv, weight_flipped, scratch->dflipped, Cout, H, W, Cin, k, 0, H);
    }
    memset(scratch->col, 0, sizeof(float) * (size_t)conv_direct_partials_floats(Cin, Cout, k));
    conv_direct_dweight_rows(scratch->col, scratch->dconv, hw, in, Cin, H, W, Cout, k, 0, H);
    conv_direct_dweight_finish(dweight, scratch->col, Cin, Cout, k);
}

SS_VECTOR_CLONES void conv_relu_forward(float *out, const float *in, const float *weight, const float *bias,
                                        const ConvShape *s, const ConvScratch *scratch) {
    const int H = s->h, W = s->w, Cout = s->out_c, rows = s->rows;
    long hw = (long)H * W;
    if (use_direct(s)) {
        for (int y0 = 0; y0 < H; y0 += rows) {
            int r = H - y0 < rows ? H - y0 : rows;
            conv_direct_forward_rows(out + (long)y0 * W, hw, in, weight, bias, s->in_c, H, W, Cout, s->k, y0, r);
            relu_rows(out + (long)y0 * W, hw, Cout, (long)r * W);
        }
        return;
    }
    for (int y0 = 0; y0 < H; y0 += rows) {
        int r = H - y0 < rows ? H - y0 : rows;
        int n = r * W;
        float *base = out + (long)y0 * W;
        fill_bias_rows(base, hw, bias, Cout, n);
        conv_rows_gemm(base, hw, scratch->col, in, weight, s, y0, r);
        for (int co = 0; co < Cout; co++) {
            float *o = base + co * hw;
            for (int i = 0; i < n; i++) o[i] = o[i] < 0.0f ? 0.0f : o[i]; /* NaN passes, as in PyTorch */
        }
    }
}

void conv_relu_backward(float *din, float *dweight, float *dbias, const float *dout, const float *out,
                        const float *in, const float *weight_flipped, const ConvShape *s, const ConvScratch *scratch) {
    const int Cout = s->out_c;
    const long hw = (long)s->h * s->w;
    float *dconv = scratch->dconv;
    for (int co = 0; co < Cout; co++) {
        const float *g = dout + co * hw, *o = out + co * hw;
        float *d = dconv + co * hw;
        float sum = 0.0f;
        for (long i = 0; i < hw; i++) {
            d[i] = o[i] > 0.0f ? g[i] : 0.0f;
            sum += d[i];
        }
        dbias[co] += sum;
    }
    if (use_direct(s))
        direct_backward_from_dconv(din, dweight, in, weight_flipped, s, scratch);
    else
        conv_backward_from_dconv(din, dweight, in, weight_flipped, s, scratch);
}

/* Runtime dispatch. The default build targets a baseline ISA (Makefile ARCH), so one binary runs
 * on every node of a cluster and under valgrind; the two pooling kernels below also come in AVX2
 * and AVX-512 versions, compiled for their ISA whatever -march says and chosen at load time
 * (simd.h). All versions give bit-identical results: the same comparisons in the same order, and
 * the unpool sum keeps the AVX2 version's 8-lane accumulation order in the scalar and AVX-512
 * ones. So neither the build flags nor the CPU's vector width ever change a result (only the BLAS
 * kernel does; see docs/performance.md). */
#if defined(__x86_64__) && defined(__GNUC__)
#define SS_AVX2_DISPATCH 1
#include "pool4_avx2.h"
#include "pool4_avx512.h"
#endif

/* One 2x2 window x of a row: p[x] = relu(max of the window), a[x] = its winner (first maximum
 * wins ties, as PyTorch's CPU max_pool2d; ReLU after the max since they commute; NaN passes
 * through ReLU as in PyTorch), plus POOL_STOPPED where p[x] is not positive (ReLU passes no
 * gradient: the backward kernels need not read p). */
static inline void pool_relu_one(float *p, uint8_t *a, const float *top, const float *bot, int x) {
    float v0 = top[2 * x], v1 = top[2 * x + 1], v2 = bot[2 * x], v3 = bot[2 * x + 1];
    float m01 = v1 > v0 ? v1 : v0, m23 = v3 > v2 ? v3 : v2;
    uint8_t i01 = v1 > v0, i23 = 2 + (v3 > v2);
    float m = m23 > m01 ? m23 : m01;
    a[x] = (uint8_t)((m23 > m01 ? i23 : i01) | (m > 0.0f ? 0 : POOL_STOPPED));
    p[x] = m < 0.0f ? 0.0f : m;
}

#ifdef SS_AVX2_DISPATCH
/* 8 windows at a time, then the scalar tail: identical to pool_relu_one on every window. */
__attribute__((target("avx2"))) static void pool_relu_row_avx2(float *p, uint8_t *a, const float *top,
                                                               const float *bot, int Wp) {
    int x = 0;
    for (; x + 8 <= Wp; x += 8) {
        __m256 t0 = _mm256_loadu_ps(top + 2 * x), t1 = _mm256_loadu_ps(top + 2 * x + 8);
        __m256 b0 = _mm256_loadu_ps(bot + 2 * x), b1 = _mm256_loadu_ps(bot + 2 * x + 8);
        /* de-interleave even / odd columns, then undo the per-lane order */
        __m256 v0 = _mm256_shuffle_ps(t0, t1, _MM_SHUFFLE(2, 0, 2, 0));
        __m256 v1 = _mm256_shuffle_ps(t0, t1, _MM_SHUFFLE(3, 1, 3, 1));
        __m256 v2 = _mm256_shuffle_ps(b0, b1, _MM_SHUFFLE(2, 0, 2, 0));
        __m256 v3 = _mm256_shuffle_ps(b0, b1, _MM_SHUFFLE(3, 1, 3, 1));
        v0 = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(v0), _MM_SHUFFLE(3, 1, 2, 0)));
        v1 = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(v1), _MM_SHUFFLE(3, 1, 2, 0)));
        v2 = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(v2), _MM_SHUFFLE(3, 1, 2, 0)));
        v3 = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(v3), _MM_SHUFFLE(3, 1, 2, 0)));
        __m256 value;
        __m256i idx;
        pool4_avx2(v0, v1, v2, v3, &value, &idx);
        _mm256_storeu_ps(p + x, value);
        __m128i w16 = _mm_packus_epi32(_mm256_castsi256_si128(idx), _mm256_extracti128_si256(idx, 1));
        _mm_storel_epi64((__m128i *)(a + x), _mm_packus_epi16(w16, w16));
    }
    for (; x < Wp; x++) pool_relu_one(p, a, top, bot, x);
}
#endif

#ifdef SS_AVX2_DISPATCH
/* 16 windows at a time (columns de-interleaved by one permute each, pool4_avx512.h), then the AVX2
 * code: identical to pool_relu_one on every window. */
__attribute__((target("avx512f"))) static void pool_relu_row_avx512(float *p, uint8_t *a, const float *top,
                                                                   const float *bot, int Wp) {
    int x = 0;
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    for (; x + 16 <= Wp; x += 16) {
        __m512 t0 = _mm512_loadu_ps(top + 2 * x), t1 = _mm512_loadu_ps(top + 2 * x + 16);
        __m512 b0 = _mm512_loadu_ps(bot + 2 * x), b1 = _mm512_loadu_ps(bot + 2 * x + 16);
        __m512 value;
        __m512i winner;
        pool4_avx512(_mm512_permutex2var_ps(t0, even, t1), _mm512_permutex2var_ps(t0, odd, t1),
                     _mm512_permutex2var_ps(b0, even, b1), _mm512_permutex2var_ps(b0, odd, b1), &value, &winner);
        _mm512_storeu_ps(p + x, value);
        _mm_storeu_si128((__m128i *)(a + x), _mm512_cvtepi32_epi8(winner));
    }
    pool_relu_row_avx2(p + x, a + x, top + 2 * x, bot + 2 * x, Wp - x);
}
#endif

static void pool_relu_row(float *p, uint8_t *a, const float *top, const float *bot, int Wp) {
#ifdef SS_AVX2_DISPATCH
    if (simd_level() == SIMD_AVX512) {
        pool_relu_row_avx512(p, a, top, bot, Wp);
        return;
    }
    if (simd_level() == SIMD_AVX2) {
        pool_relu_row_avx2(p, a, top, bot, Wp);
        return;
    }
#endif
    for (int x = 0; x < Wp; x++) pool_relu_one(p, a, top, bot, x);
}

/* The adjoint for one window x: the gradient g reaches the window's winner where the pooled
 * value is positive (ReLU), zero elsewhere; writes (not adds) both conv rows; returns the value
 * passed on (for the bias gradient). */
static inline float unpool_relu_one(float *top, float *bot, const float *g, const float *p, const uint8_t *a,
                                    int x) {
    float v = p[x] > 0.0f ? g[x] : 0.0f;
    top[2 * x] = a[x] == 0 ? v : 0.0f;
    top[2 * x + 1] = a[x] == 1 ? v : 0.0f;
    bot[2 * x] = a[x] == 2 ? v : 0.0f;
    bot[2 * x + 1] = a[x] == 3 ? v : 0.0f;
    return v;
}

#ifdef SS_AVX2_DISPATCH
/* Windows x .. x+7: writes both conv rows, returns the values passed on. */
static inline __attribute__((target("avx2"), always_inline)) __m256 unpool8_avx2(float *top, float *bot, const float *g,
                                                                               const float *p, const uint8_t *a,
                                                                               int x) {
    const __m256 zero = _mm256_setzero_ps();
    __m256 v = _mm256_and_ps(_mm256_loadu_ps(g + x), _mm256_cmp_ps(_mm256_loadu_ps(p + x), zero, _CMP_GT_OQ));
    __m256i idx = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(a + x)));
    __m256 e0 = _mm256_and_ps(v, _mm256_castsi256_ps(_mm256_cmpeq_epi32(idx, _mm256_set1_epi32(0))));
    __m256 o0 = _mm256_and_ps(v, _mm256_castsi256_ps(_mm256_cmpeq_epi32(idx, _mm256_set1_epi32(1))));
    __m256 e1 = _mm256_and_ps(v, _mm256_castsi256_ps(_mm256_cmpeq_epi32(idx, _mm256_set1_epi32(2))));
    __m256 o1 = _mm256_and_ps(v, _mm256_castsi256_ps(_mm256_cmpeq_epi32(idx, _mm256_set1_epi32(3))));
    __m256 lo = _mm256_unpacklo_ps(e0, o0), hi = _mm256_unpackhi_ps(e0, o0);
    _mm256_storeu_ps(top + 2 * x, _mm256_permute2f128_ps(lo, hi, 0x20));
    _mm256_storeu_ps(top + 2 * x + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
    lo = _mm256_unpacklo_ps(e1, o1);
    hi = _mm256_unpackhi_ps(e1, o1);
    _mm256_storeu_ps(bot + 2 * x, _mm256_permute2f128_ps(lo, hi, 0x20));
    _mm256_storeu_ps(bot + 2 * x + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
    return v;
}

/* From window x on, with the 8 lane sums so far: the blocks of 8, the lanes summed in order, the
 * scalar tail (a fixed reduction order: the sum depends on nothing but the data). */
static inline __attribute__((target("avx2"), always_inline)) void unpool_rest_avx2(float *top, float *bot,
                                                                                 const float *g, const float *p,
                                                                                 const uint8_t *a, int Wp, int x,
                                                                                 __m256 acc, float *sum) {
    float s = 0.0f, lanes[8];
    for (; x + 8 <= Wp; x += 8) acc = _mm256_add_ps(acc, unpool8_avx2(top, bot, g, p, a, x));
    _mm256_storeu_ps(lanes, acc);
    for (int i = 0; i < 8; i++) s += lanes[i];
    for (; x < Wp; x++) s += unpool_relu_one(top, bot, g, p, a, x);
    *sum += s;
}

__attribute__((target("avx2"))) static void unpool_relu_row_avx2(float *top, float *bot, const float *g,
                                                                 const float *p, const uint8_t *a, int Wp,
                                                                 float *sum) {
    unpool_rest_avx2(top, bot, g, p, a, Wp, 0, _mm256_setzero_ps(), sum);
}
#endif

#ifdef SS_AVX2_DISPATCH
/* 16 windows at a time; the sum takes the two halves of each block in turn into 8 lanes, so it
 * adds the same values in the same order as the AVX2 version (blocks of 8, lanes in order). */
__attribute__((target("avx512f"))) static void unpool_relu_row_avx512(float *top, float *bot, const float *g,
                                                                     const float *p, const uint8_t *a, int Wp,
                                                                     float *sum) {
    int x = 0;
    const __m512 zero = _mm512_setzero_ps();
    const __m512i lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i hi = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    __m256 acc = _mm256_setzero_ps();
    for (; x + 16 <= Wp; x += 16) {
        __m512 v = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(_mm512_loadu_ps(p + x), zero, _CMP_GT_OQ), _mm512_loadu_ps(g + x));
        __m512i idx = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(a + x)));
        __m512 e0 = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(idx, _mm512_set1_epi32(0)), v);
        __m512 o0 = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(idx, _mm512_set1_epi32(1)), v);
        __m512 e1 = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(idx, _mm512_set1_epi32(2)), v);
        __m512 o1 = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(idx, _mm512_set1_epi32(3)), v);
        _mm512_storeu_ps(top + 2 * x, _mm512_permutex2var_ps(e0, lo, o0));
        _mm512_storeu_ps(top + 2 * x + 16, _mm512_permutex2var_ps(e0, hi, o0));
        _mm512_storeu_ps(bot + 2 * x, _mm512_permutex2var_ps(e1, lo, o1));
        _mm512_storeu_ps(bot + 2 * x + 16, _mm512_permutex2var_ps(e1, hi, o1));
        acc = _mm256_add_ps(acc, _mm512_castps512_ps256(v));
        acc = _mm256_add_ps(acc, _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
    }
    unpool_rest_avx2(top, bot, g, p, a, Wp, x, acc, sum);
}
#endif

static void unpool_relu_row(float *top, float *bot, const float *g, const float *p, const uint8_t *a, int Wp,
                            float *sum) {
#ifdef SS_AVX2_DISPATCH
    if (simd_level() == SIMD_AVX512) {
        unpool_relu_row_avx512(top, bot, g, p, a, Wp, sum);
        return;
    }
    if (simd_level() == SIMD_AVX2) {
        unpool_relu_row_avx2(top, bot, g, p, a, Wp, sum);
        return;
    }
#endif
    /* the AVX2 version's order: 8 lanes over the whole blocks of 8, lanes summed in order, tail */
    float lanes[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f}, s = 0.0f;
    int x = 0;
    for (; x + 8 <= Wp; x += 8)
        for (int i = 0; i < 8; i++) lanes[i] += unpool_relu_one(top, bot, g, p, a, x + i);
    for (int i = 0; i < 8; i++) s += lanes[i];
    for (; x < Wp; x++) s += unpool_relu_one(top, bot, g, p, a, x);
    *sum += s;
}

void conv_relu_pool_forward(float *pooled, uint8_t *argmax, const float *in, const float *weight,
                            const float *bias, const ConvShape *s, const ConvScratch *scratch) {
    const int H = s->h, W = s->w, Cout = s->out_c, rows = s->rows;
    float *conv = scratch->conv;
    int Hp = H / 2, Wp = W / 2, direct = use_direct(s);
    for (int y0 = 0; y0 < H; y0 += rows) {
        int r = H - y0 < rows ? H - y0 : rows;
        int n = r * W;
        if (direct && conv_direct_pool1_rows(pooled, argmax, in, weight, bias, s->in_c, H, W, Cout, s->k, y0, r) == 0)
            continue; /* conv, ReLU and pool in one kernel */
        if (direct) {
            conv_direct_forward_rows(conv, n, in, weight, bias, s->in_c, H, W, Cout, s->k, y0, r);
        } else {
            fill_bias_rows(conv, n, bias, Cout, n);
            conv_rows_gemm(conv, n, scratch->col, in, weight, s, y0, r);
        }
        for (int co = 0; co < Cout; co++) {
            const float *c = conv + (long)co * n;
            for (int rr = 0; rr < r; rr += 2) {
                long prow = ((long)co * Hp + (y0 + rr) / 2) * Wp;
                pool_relu_row(pooled + prow, argmax + prow, c + (long)rr * W, c + (long)(rr + 1) * W, Wp);
            }
        }
    }
}

/* The direct2 and direct3 paths' pooled backward for 3x3 kernels, on the shapes alone: from 8
 * input channels conv_pool_backward.c's stamps (their scratch in col, see conv_col_floats), else,
 * for a first layer, its patches (direct2) or windows (direct3), their scratch in dconv (out_c x h
 * x w) when it fits. */
static int own_kernels_everywhere(void) { /* direct2, direct3: also on groups of small images */
    return conv_path_get() == CONV_PATH_DIRECT2 || conv_path_get() == CONV_PATH_DIRECT3;
}
static int pool_stamps_shape(const ConvShape *s) { return s->rows > 0 && s->pool && s->k == 3 && s->in_c >= 8; }
static int use_pool_backward(const ConvShape *s) { return own_kernels_everywhere() && pool_stamps_shape(s); }
static long pool_dweight_floats(const ConvShape *s) {
    return conv_path_get() == CONV_PATH_DIRECT3 ? conv_direct_pool_windows_floats(s->in_c, s->h, s->w, s->out_c)
                                               : conv_direct_pool_dweight_floats(s->in_c, s->h, s->w, s->out_c);
}
static int use_pool_dweight(const ConvShape *s) {
    return own_kernels_everywhere() && s->k == 3 && s->in_c < 8 &&
           pool_dweight_floats(s) <= (long)s->out_c * s->h * s->w;
}

long conv_col_floats(const ConvShape *s) {
    const long kk = (long)s->k * s->k, cmax = s->in_c > s->out_c ? s->in_c : s->out_c;
    long n = s->rows > 0 ? (long)s->rows * s->w : (long)s->images * s->h * s->w, col = cmax * kk * n;
    if (s->rows == 0 && s->images > 1) {
        long c = conv_images_scratch_floats(s->in_c, s->h, s->w, s->out_c, s->k);
        col = c > col ? c : col;
    }
    if (pool_stamps_shape(s)) { /* whatever the path: the size depends on the shape alone */
        long c = conv_direct_pool_backward_floats(s->in_c, s->h, s->w, s->out_c);
        col = c > col ? c : col;
    }
    return col;
}

void conv_relu_pool_backward(float *din, float *dweight, float *dbias, const float *dpooled, const float *pooled,
                             const uint8_t *argmax, const float *in, const float *weight_flipped,
                             const ConvShape *s, const ConvScratch *scratch) {
    const int Cin = s->in_c, H = s->h, W = s->w, Cout = s->out_c, k = s->k, rows = s->rows;
    float *dconv = scratch->dconv, *col = scratch->col;
    int Hp = H / 2, Wp = W / 2;
    long hw = (long)H * W;
    if (use_pool_backward(s)) {
        conv_direct_pool_backward(din, dweight, dbias, dpooled, argmax, in, weight_flipped, Cin, H, W, Cout,
                                  col);
        return;
    }
    if (!din && use_pool_dweight(s)) { /* no input gradient (first layer): from the pooled gradient */
        if (conv_path_get() == CONV_PATH_DIRECT3)
            conv_direct_pool_windows(dweight, dbias, dpooled, argmax, in, Cin, H, W, Cout, dconv);
        else
            conv_direct_pool_dweight(dweight, dbias, dpooled, argmax, in, Cin, H, W, Cout, dconv);
        return;
    }
    if (!din) {
        /* No input gradient (first layer): rebuild dconv one strip at a time, so it stays in
         * cache between the unpooling and the weight-gradient sgemm. */
        int K = Cin * k * k, direct = use_direct(s);
        if (direct) memset(col, 0, sizeof(float) * (size_t)conv_direct_partials_floats(Cin, Cout, k));
        for (int y0 = 0; y0 < H; y0 += rows) {
            int r = H - y0 < rows ? H - y0 : rows;
            int n = r * W;
            for (int co = 0; co < Cout; co++) {
                float *d = dconv + (long)co * n;
                long pc = (long)co * Hp * Wp + (long)(y0 / 2) * Wp;
                float sum = 0.0f;
                for (int y = 0; y < r / 2; y++)
                    unpool_relu_row(d + 2L * y * W, d + (2L * y + 1) * W, dpooled + pc + (long)y * Wp,
                                    pooled + pc + (long)y * Wp, argmax + pc + (long)y * Wp, Wp, &sum);
                dbias[co] += sum;
            }
            if (direct) {
                conv_direct_dweight_rows(col, dconv, n, in, Cin, H, W, Cout, k, y0, r);
                continue;
            }
            im2col_rows(col, in, Cin, H, W, k, y0, r);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Cout, K, n, 1.0f, dconv, n, col, n, 1.0f, dweight, K);
        }
        if (direct) conv_direct_dweight_finish(dweight, col, Cin, Cout, k);
        return;
    }
    for (int co = 0; co < Cout; co++) {
        float *d = dconv + co * hw;
        long pc = (long)co * Hp * Wp;
        float sum = 0.0f;
        for (int y = 0; y < Hp; y++)
            unpool_relu_row(d + 2L * y * W, d + (2L * y + 1) * W, dpooled + pc + (long)y * Wp, pooled + pc + (long)y * Wp,
                            argmax + pc + (long)y * Wp, Wp, &sum);
        dbias[co] += sum;
    }
    if (use_direct(s))
        direct_backward_from_dconv(din, dweight, in, weight_flipped, s, scratch);
    else
        conv_backward_from_dconv(din, dweight, in, weight_flipped, s, scratch);
}

/* ---- groups of small images: one sgemm over G whole images, or (SEEDSWEEP_CONV=direct2, direct3)
 * conv_images.h's kernels over them ----
 * Group layout of scratch: [channel][G*H*W], image g at columns g*H*W. */

static int use_images(void) { return own_kernels_everywhere(); }

static void group_im2col(float *col, const float *images, long image_stride, long cstride, int C, int H, int W,
                         int k, int G) {
    long hw = (long)H * W;
    for (int g = 0; g < G; g++)
        im2col_strided(col + g * hw, G * hw, images + g * image_stride, cstride, C, H, W, k, 0, H);
}

/* conv[Cout][G*HW] = bias + weight x im2col(images) */
static void group_conv(float *conv, float *col, const float *in, const float *weight, const float *bias,
                       const ConvShape *s) {
    const int Cin = s->in_c, H = s->h, W = s->w, Cout = s->out_c, k = s->k, G = s->images;
    long hw = (long)H * W, n = G * hw;
    int K = Cin * k * k;
    if (use_images()) {
        conv_images_forward(conv, hw, n, in, Cin * hw, hw, weight, bias, G, Cin, H, W, Cout, k, col);
        return;
    }
    group_im2col(col, in, Cin * hw, hw, Cin, H, W, k, G);
    if (bias) fill_bias_rows(conv, n, bias, Cout, (int)n);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Cout, (int)n, K, 1.0f, weight, K, col, (int)n,
                bias ? 1.0f : 0.0f, conv, (int)n);
}

/* From dconv[Cout][G*HW] (work->dconv): dweight += dconv x im2col(in)^T; din += flipped conv of
 * dconv, built in work->conv (Cin x G*HW) and scattered back to the images. */
static void group_backward_from_dconv(float *din, float *dweight, const float *in, const float *weight_flipped,
                                      const ConvShape *s, const ConvScratch *work) {
    const int Cin = s->in_c, H = s->h, W = s->w, Cout = s->out_c, k = s->k, G = s->images;
    const float *dconv = work->dconv;
    float *scratch = work->conv, *col = work->col;
    long hw = (long)H * W, n = G * hw;
    int K = Cin * k * k, Kt = Cout * k * k;
    if (use_images()) { /* din written: each chain starts at +0 */
        conv_images_dweight(dweight, dconv, hw, n, in, Cin * hw, hw, G, Cin, H, W, Cout, k, col);
        if (din) conv_images_forward(din, Cin * hw, hw, dconv, hw, n, weight_flipped, NULL, G, Cout, H, W, Cin, k, col);
        return;
    }
    group_im2col(col, in, Cin * hw, hw, Cin, H, W, k, G);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Cout, K, (int)n, 1.0f, dconv, (int)n, col, (int)n, 1.0f,
                dweight, K);
    if (!din) return;
    group_im2col(col, dconv, hw, n, Cout, H, W, k, G);   /* image g at column g*HW, channel stride G*HW */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Cin, (int)n, Kt, 1.0f, weight_flipped, Kt, col, (int)n,
                0.0f, scratch, (int)n);
    for (int g = 0; g < G; g++)
        for (int ci = 0; ci < Cin; ci++) {
            const float *src = scratch + ci * n + g * hw;
            float *d = din + ((long)g * Cin + ci) * hw;
            for (long i = 0; i < hw; i++) d[i] += src[i];
        }
}

void conv_relu_backward_group(float *din, float *dweight, float *dbias, const float *dout, const float *out,
                              const float *in, const float *weight_flipped, const ConvShape *s,
                              const ConvScratch *scratch) {
    const int Cout = s->out_c, G = s->images;
    float *dconv = scratch->dconv;
    long hw = (long)s->h * s->w, n = G * hw;
    for (int co = 0; co < Cout; co++) {
        float sum = 0.0f;
        for (int g = 0; g < G; g++) {
            const float *gr = dout + ((long)g * Cout + co) * hw, *o = out + ((long)g * Cout + co) * hw;
            float *d = dconv + co * n + g * hw;
            for (long i = 0; i < hw; i++) {
                d[i] = o[i] > 0.0f ? gr[i] : 0.0f;
                sum += d[i];
            }
        }
        dbias[co] += sum;
    }
    group_backward_from_dconv(din, dweight, in, weight_flipped, s, scratch);
}

void conv_relu_pool_backward_group(float *din, float *dweight, float *dbias, const float *dpooled,
                                   const float *pooled, const uint8_t *argmax, const float *in,
                                   const float *weight_flipped, const ConvShape *s, const ConvScratch *scratch) {
    const int H = s->h, W = s->w, Cout = s->out_c, G = s->images;
    float *dconv = scratch->dconv;
    long hw = (long)H * W, n = G * hw, phw = hw / 4;
    int Wp = W / 2;
    for (int co = 0; co < Cout; co++) {
        float sum = 0.0f;
        for (int g = 0; g < G; g++) {
            float *d = dconv + co * n + g * hw;
            long pc = ((long)g * Cout + co) * phw;
            for (int y = 0; y < H / 2; y++)
                unpool_relu_row(d + 2L * y * W, d + (2L * y + 1) * W, dpooled + pc + (long)y * Wp,
                                pooled + pc + (long)y * Wp, argmax + pc + (long)y * Wp, Wp, &sum);
        }
        dbias[co] += sum;
    }
    group_backward_from_dconv(din, dweight, in, weight_flipped, s, scratch);
}

void conv_relu_forward_group(float *out, const float *in, const float *weight, const float *bias,
                             const ConvShape *s, const ConvScratch *scratch) {
    const int Cout = s->out_c, G = s->images;
    long hw = (long)s->h * s->w, n = G * hw;
    group_conv(scratch->conv, scratch->col, in, weight, bias, s);
    for (int g = 0; g < G; g++)
        for (int co = 0; co < Cout; co++) {
            const float *c = scratch->conv + co * n + g * hw;
            float *o = out + ((long)g * Cout + co) * hw;
            for (long i = 0; i < hw; i++) o[i] = c[i] < 0.0f ? 0.0f : c[i];
        }
}

void conv_relu_pool_forward_group(float *pooled, uint8_t *argmax, const float *in, const float *weight,
                                  const float *bias, const ConvShape *s, const ConvScratch *scratch) {
    const int H = s->h, W = s->w, Cout = s->out_c, G = s->images;
    long hw = (long)H * W, n = G * hw, phw = hw / 4;
    int Wp = W / 2;
    group_conv(scratch->conv, scratch->col, in, weight, bias, s);
    for (int g = 0; g < G; g++)
        for (int co = 0; co < Cout; co++) {
            const float *c = scratch->conv + co * n + g * hw;
            long prow = ((long)g * Cout + co) * phw;
            for (int y = 0; y < H / 2; y++)
                pool_relu_row(pooled + prow + (long)y * Wp, argmax + prow + (long)y * Wp, c + 2L * y * W,
                              c + (2L * y + 1) * W, Wp);
        }
}

void conv_forward(float *out, uint8_t *argmax, const float *in, const float *weight, const float *bias,
                  const ConvShape *shape, const ConvScratch *scratch) {
    if (shape->rows > 0 && shape->pool) conv_relu_pool_forward(out, argmax, in, weight, bias, shape, scratch);
    else if (shape->rows > 0) conv_relu_forward(out, in, weight, bias, shape, scratch);
    else if (shape->pool) conv_relu_pool_forward_group(out, argmax, in, weight, bias, shape, scratch);
    else conv_relu_forward_group(out, in, weight, bias, shape, scratch);
}

void conv_backward(float *din, float *dweight, float *dbias, const float *dout, const float *out,
                   const uint8_t *argmax, const float *in, const float *weight_flipped, const ConvShape *shape,
                   const ConvScratch *scratch) {
    /* din is written: the direct kernels write it, the sgemm lowerings add into zeros */
    if (din && !(shape->rows > 0 ? use_direct(shape) : use_images()))
        memset(din, 0, sizeof(float) * (size_t)shape->in_c * shape->h * shape->w * shape->images);
    if (shape->rows > 0 && shape->pool)
        conv_relu_pool_backward(din, dweight, dbias, dout, out, argmax, in, weight_flipped, shape, scratch);
    else if (shape->rows > 0)
        conv_relu_backward(din, dweight, dbias, dout, out, in, weight_flipped, shape, scratch);
    else if (shape->pool)
        conv_relu_pool_backward_group(din, dweight, dbias, dout, out, argmax, in, weight_flipped, shape, scratch);
    else
        conv_relu_backward_group(din, dweight, dbias, dout, out, in, weight_flipped, shape, scratch);
}
