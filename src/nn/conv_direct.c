/* conv_direct.c - direct convolution of one image: forward (and, with the flipped weights, the
 * input gradient) and weight gradient, register-blocked, with AVX-512, AVX2 and portable C code.
 *
 * Determinism (the crux): the three versions give identical bits, so the CPU never changes a
 * result. Each forward output is ONE fused multiply-add chain,
 *     acc = init; for ci, ky, kx (in that order): acc = fma(w[co][ci][ky][kx], in(...), acc)
 * with in(...) = 0 outside the image (the zero taps are still taken, in every version). The
 * vector code puts independent outputs (pixels of a row) in its lanes, so its width changes
 * nothing. The weight gradient is a sum over pixels; it is split into 16 fixed partial sums:
 * lane j takes the pixels x = x0 + j of the 16-pixel chunks x0 = 0, 16, .. of every row, rows in
 * order, each by one fma (a pixel past the row end or a tap outside the image adds fma(0, 0, .));
 * the 16 partials are then added in lane order (any split of the rows into strips, any blocking
 * of channels and taps keeps that order). AVX-512 holds the 16 lanes in one register,
 * AVX2 in two, the portable code in a loop. The build's -ffp-contract=off keeps the compiler
 * from fusing anything else; the portable code calls fmaf (correctly rounded by definition). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#include "pool4_avx2.h"
#include "pool4_avx512.h"
#include "transpose16_avx512.h"
#include "transpose8_avx2.h"
#endif

#include "seedsweep/conv_direct.h"
#include "seedsweep/simd.h"

static ConvPath conv_path = CONV_PATH_DEFAULT;

int conv_path_parse(const char *text, ConvPath *path) {
    if (!text || !*text) {
        *path = CONV_PATH_DEFAULT;
        return 0;
    }
    if (!strcmp(text, "direct3")) {
        *path = CONV_PATH_DIRECT3;
        return 0;
    }
    if (!strcmp(text, "direct2")) {
        *path = CONV_PATH_DIRECT2;
        return 0;
    }
    if (!strcmp(text, "direct")) {
        *path = CONV_PATH_DIRECT;
        return 0;
    }
    if (!strcmp(text, "im2col")) {
        *path = CONV_PATH_IM2COL;
        return 0;
    }
    return -1;
}

void conv_path_set(ConvPath path) { conv_path = path; }
ConvPath conv_path_get(void) { return conv_path; }
const char *conv_path_name(ConvPath path) {
    switch (path) {
    case CONV_PATH_IM2COL: return "im2col";
    case CONV_PATH_DIRECT: return "direct";
    case CONV_PATH_DIRECT2: return "direct2";
    case CONV_PATH_DIRECT3: break;
    }
    return "direct3";
}

static inline int ss_min3(int a, int b, int c) {
    int m = a < b ? a : b;
    return m < c ? m : c;
}

long conv_direct_partials_floats(int Cin, int Cout, int k) { return 16L * Cin * Cout * k * k; }

void conv_direct_dweight_finish(float *dweight, const float *partials, int Cin, int Cout, int k) {
    long n = (long)Cin * Cout * k * k;
    for (long i = 0; i < n; i++) {
        const float *l = partials + i * 16;
        float s = l[0];
        for (int j = 1; j < 16; j++) s += l[j];
        dweight[i] += s;
    }
}

/* ---- portable C: the definition the vector versions reproduce ---- */

static void forward_rows_portable(float *out, long ldo, const float *in, const float *weight, const float *bias,
                                  int Cin, int H, int W, int Cout, int k, int y0, int rows) {
    const int p = k / 2, kk = k * k;
    const long hw = (long)H * W;
    for (int r = 0; r < rows; r++)
        for (int co = 0; co < Cout; co++) {
            float *o = out + (long)co * ldo + (long)r * W;
            for (int x = 0; x < W; x++) {
                float acc = bias ? bias[co] : o[x];
                for (int ci = 0; ci < Cin; ci++)
                    for (int ky = 0; ky < k; ky++) {
                        int iy = y0 + r + ky - p;
                        const float *w = weight + ((long)co * Cin + ci) * kk + ky * k;
                        for (int kx = 0; kx < k; kx++) {
                            int ix = x + kx - p;
                            float v = iy >= 0 && iy < H && ix >= 0 && ix < W ? in[ci * hw + (long)iy * W + ix] : 0.0f;
                            acc = fmaf(w[kx], v, acc);
                        }
                    }
                o[x] = acc;
            }
        }
}

static void dweight_rows_portable(float *partials, const float *dconv, long ldd, const float *in, int Cin, int H,
                                  int W, int Cout, int k, int y0, int rows) {
    const int p = k / 2, kk = k * k;
    const long hw = (long)H * W;
    for (int co = 0; co < Cout; co++)
        for (int ci = 0; ci < Cin; ci++)
            for (int t = 0; t < kk; t++) {
                const int ky = t / k, kx = t % k;
                float *l = partials + (((long)co * Cin + ci) * kk + t) * 16;
                for (int j = 0; j < 16; j++) {
                    float acc = l[j];
                    for (int r = 0; r < rows; r++) {
                        const int iy = y0 + r + ky - p, rv = iy >= 0 && iy < H;
                        for (int x = j; x - j < W; x += 16) {
                            const int ix = x + kx - p;
                            float d = x < W ? dconv[(long)co * ldd + (long)r * W + x] : 0.0f;
                            float v = x < W && rv && ix >= 0 && ix < W ? in[ci * hw + (long)iy * W + ix] : 0.0f;
                            acc = fmaf(d, v, acc);
                        }
                    }
                    l[j] = acc;
                }
            }
}


/* ---- shifted copies of input rows for the weight gradient ----
 * S[kx][j][x] = in[y0 + j - k/2][x + kx - k/2] for j < rows + k - 1 and x < wpad (W rounded up to
 * 16), 0 outside the image and past the row end: each tap's input is then a whole, aligned row. */
#define SHIFTED_FLOATS_L1 6144   /* what a strip's copies take when rows are not too wide: L1 */
#define SHIFTED_FLOATS_MAX 16384 /* the buffer (on the stack): the widest rows that still use it */
static long shifted_row_floats(int W) { return ((long)W + 15) / 16 * 16; }

/* Rows per strip so that S fits SHIFTED_FLOATS_L1 (or, for wide rows, SHIFTED_FLOATS_MAX), or 0
 * when one row does not fit. */
static int shifted_strip_rows(int W, int k) {
    long per = (long)k * shifted_row_floats(W);
    long n = SHIFTED_FLOATS_L1 / per - (k - 1);
    if (n < 1) n = SHIFTED_FLOATS_MAX / per - (k - 1);
    return n < 1 ? 0 : (int)n; /* at most SHIFTED_FLOATS_MAX / 16 */
}

void conv_direct_pad_rows4(float *P, long pw, const float *in, int H, int W, int y) {
    for (int j = 0; j < 4; j++) {
        const int iy = y - 1 + j;
        float *row = P + j * pw;
        row[0] = row[W + 1] = 0.0f;
        if (iy < 0 || iy >= H)
            memset(row + 1, 0, sizeof(float) * (size_t)W);
        else
            memcpy(row + 1, in + (long)iy * W, sizeof(float) * (size_t)W);
    }
}

/* ---- vector versions, compiled for their instruction set whatever -march says ---- */
#if defined(__x86_64__) && defined(__GNUC__)
#define SS_CONV_SIMD 1

#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define DWS_CB 4
#define DWS_TB 3
#define SIMD(name) name##_avx2
#define VT __m256
#define VL 8
#define FWD_CB 4
#define FWD_NV 2
#define DW_CB 4
#define DW_TB 3
static inline __m256i lanes_avx2(int lo, int hi) {
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_and_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32(hi), iota),
                            _mm256_cmpgt_epi32(iota, _mm256_set1_epi32(lo - 1)));
}
#define VLOAD(p) _mm256_loadu_ps(p)
#define VMASK_T __m256i
#define VMASK(lo, hi) lanes_avx2((lo), (hi))
#define VMLOADM(p, m) _mm256_maskload_ps((p), (m))
#define VZERO _mm256_setzero_ps()
#define VMLOAD(p, lo, hi) _mm256_maskload_ps((p), lanes_avx2((lo), (hi)))
#define VSTORE(p, v) _mm256_storeu_ps((p), (v))
#define VMSTORE(p, v, hi) _mm256_maskstore_ps((p), lanes_avx2(0, (hi)), (v))
#define VSET1(x) _mm256_set1_ps(x)
#define VFMA(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#define SIMD_SHIFT_LANES 0
#include "conv_direct_simd.inc"
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
#define DWS_CB 3
#define DWS_TB 9
#define SIMD(name) name##_avx512
#define VT __m512
#define VL 16
#define FWD_CB 8
#define FWD_NV 2
#define DW_CB 2
#define DW_TB 9
static inline __mmask16 lanes_avx512(int lo, int hi) {
    if (hi <= lo) return 0;
    return (__mmask16)(((1u << hi) - 1u) & ~((1u << lo) - 1u));
}
#define VLOAD(p) _mm512_loadu_ps(p)
#define VMASK_T __mmask16
#define VMASK(lo, hi) lanes_avx512((lo), (hi))
#define VMLOADM(p, m) _mm512_maskz_loadu_ps((m), (p))
#define VZERO _mm512_setzero_ps()
#define VMLOAD(p, lo, hi) _mm512_maskz_loadu_ps(lanes_avx512((lo), (hi)), (p))
#define VSTORE(p, v) _mm512_storeu_ps((p), (v))
#define VMSTORE(p, v, hi) _mm512_mask_storeu_ps((p), lanes_avx512(0, (hi)), (v))
#define VSET1(x) _mm512_set1_ps(x)
#define VFMA(a, b, c) _mm512_fmadd_ps((a), (b), (c))
/* row pixels x0-1 .. x0+14 and x0+1 .. x0+16 from its chunks at x0-16, x0 and x0+16; lanes >= n zeroed */
#define SIMD_SHIFT_LANES 1
#define SHIFT_IN_LEFT(mid, left) \
    _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(mid), _mm512_castps_si512(left), 15))
#define SHIFT_IN_RIGHT(right, mid) \
    _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(right), _mm512_castps_si512(mid), 1))
#include "conv_direct_simd.inc"

/* ---- one input channel, 3x3, pool fused (AVX-512): the 16 output channels of a pixel in the
 * lanes. Each lane's chain is the portable code's (bias, then the 9 taps in order, zero outside
 * the image); the pool compares 4 pixels' vectors as layers.c's pooling does (pool4_avx512.h),
 * and a 16x16 transpose turns 16 pooled pixels x 16 channels into the [channel][row][x] layout. */
#define POOL1_MAX_W 4096 /* the widest rows of this kernel (its padded input rows are on the stack) */
/* Pooled window px of the row pair held in P (4 padded rows: P[j][x + 1] = input row y - 1 + j
 * at x, 0 outside): its 16 channels' pooled value and winner. */
static inline __attribute__((always_inline)) void pool1_window_avx512(__m512 *value, __m512i *winner,
                                                                      const float *P, long pw,
                                                                      const __m512 wv[9], __m512 bv, int px) {
    __m512 v[4], b[4][4]; /* the window's 4 x 4 input pixels, each broadcast once */
#pragma GCC unroll 4
    for (int j = 0; j < 4; j++)
#pragma GCC unroll 4
        for (int i = 0; i < 4; i++) b[j][i] = _mm512_set1_ps(P[j * pw + 2 * px + i]);
#pragma GCC unroll 4
    for (int q = 0; q < 4; q++) v[q] = bv;
#pragma GCC unroll 3
    for (int ky = 0; ky < 3; ky++)
#pragma GCC unroll 3
        for (int kx = 0; kx < 3; kx++)
#pragma GCC unroll 4
            for (int q = 0; q < 4; q++) v[q] = _mm512_fmadd_ps(wv[ky * 3 + kx], b[q / 2 + ky][q % 2 + kx], v[q]);
    pool4_avx512(v[0], v[1], v[2], v[3], value, winner);
}

static void pool1_rows_avx512(float *pooled, uint8_t *argmax, const float *in, const float *weight,
                              const float *bias, int H, int W, int Cout, int y0, int rows) {
    const int Hp = H / 2, Wp = W / 2;
    const long pw = W + 2;
    float P[4 * (POOL1_MAX_W + 2)];
    for (int y = y0; y < y0 + rows; y += 2) {
        conv_direct_pad_rows4(P, pw, in, H, W, y);
        const long prow = (long)(y / 2) * Wp;
        for (int cg = 0; cg < Cout; cg += 16) {
            __m512 wv[9];
            for (int t = 0; t < 9; t++)
                wv[t] = _mm512_i32gather_ps(_mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                                               _mm512_set1_epi32(9)),
                                            weight + (long)cg * 9 + t, 4);
            const __m512 bv = _mm512_loadu_ps(bias + cg);
            for (int px0 = 0; px0 < Wp; px0 += 16) {
                __m512 value[16], win[16];
                for (int j = 0; j < 16; j++) {
                    __m512i w;
                    pool1_window_avx512(&value[j], &w, P, pw, wv, bv, px0 + j);
                    win[j] = _mm512_castsi512_ps(w);
                }
                transpose16_avx512(value);
                transpose16_avx512(win);
                for (int l = 0; l < 16; l++) {
                    const long o = (long)(cg + l) * Hp * Wp + prow + px0;
                    _mm512_storeu_ps(pooled + o, value[l]);
                    _mm_storeu_si128((__m128i *)(argmax + o), _mm512_cvtepi32_epi8(_mm512_castps_si512(win[l])));
                }
            }
        }
    }
}
#pragma GCC pop_options

/* The same for AVX2: 8 output channels in the lanes, the pool by pool4_avx2.h (the same compares),
 * an 8x8 transpose (transpose8_avx2.h) to the channel-major output. */
static inline __attribute__((target("avx2,fma"), always_inline)) void pool1_window_avx2(__m256 *value, __m256i *winner,
                                                                                      const float *P, long pw,
                                                                                      const __m256 wv[9], __m256 bv,
                                                                                      int px) {
    __m256 v[4];
#pragma GCC unroll 4
    for (int q = 0; q < 4; q++) v[q] = bv;
#pragma GCC unroll 3
    for (int ky = 0; ky < 3; ky++)
#pragma GCC unroll 3
        for (int kx = 0; kx < 3; kx++)
#pragma GCC unroll 4
            for (int q = 0; q < 4; q++)
                v[q] = _mm256_fmadd_ps(wv[ky * 3 + kx], _mm256_set1_ps(P[(q / 2 + ky) * pw + 2 * px + q % 2 + kx]), v[q]);
    pool4_avx2(v[0], v[1], v[2], v[3], value, winner);
}

__attribute__((target("avx2,fma"))) static void pool1_rows_avx2(float *pooled, uint8_t *argmax, const float *in,
                                                               const float *weight, const float *bias, int H, int W,
                                                               int Cout, int y0, int rows) {
    const int Hp = H / 2, Wp = W / 2;
    const long pw = W + 2;
    float P[4 * (POOL1_MAX_W + 2)];
    for (int y = y0; y < y0 + rows; y += 2) {
        conv_direct_pad_rows4(P, pw, in, H, W, y);
        const long prow = (long)(y / 2) * Wp;
        for (int cg = 0; cg < Cout; cg += 8) {
            __m256 wv[9];
            for (int t = 0; t < 9; t++)
                wv[t] = _mm256_i32gather_ps(weight + (long)cg * 9 + t, _mm256_setr_epi32(0, 9, 18, 27, 36, 45, 54, 63), 4);
            const __m256 bv = _mm256_loadu_ps(bias + cg);
            for (int px0 = 0; px0 < Wp; px0 += 8) {
                if (cg == 0 && y + 4 < H) { /* the next row pair's new input rows */
                    _mm_prefetch((const char *)(in + (long)(y + 3) * W + 2 * px0), _MM_HINT_T0);
                    _mm_prefetch((const char *)(in + (long)(y + 4) * W + 2 * px0), _MM_HINT_T0);
                }
                __m256 value[8];
                __m256i win[8];
                for (int j = 0; j < 8; j++) pool1_window_avx2(&value[j], &win[j], P, pw, wv, bv, px0 + j);
                /* winners as bytes while the channels are in the lanes: window j's in byte j % 4
                 * of half[j / 4], so that each channel's 8 bytes are two of its lanes */
                __m256i half[2];
                for (int h = 0; h < 2; h++)
                    half[h] = _mm256_or_si256(_mm256_or_si256(win[4 * h], _mm256_slli_epi32(win[4 * h + 1], 8)),
                                              _mm256_or_si256(_mm256_slli_epi32(win[4 * h + 2], 16),
                                                              _mm256_slli_epi32(win[4 * h + 3], 24)));
                transpose8_avx2(value);
                for (int l = 0; l < 8; l++)
                    _mm256_storeu_ps(pooled + (long)(cg + l) * Hp * Wp + prow + px0, value[l]);
                /* channel l's bytes: lanes l of half[0] and half[1], side by side */
                const __m256i lo = _mm256_unpacklo_epi32(half[0], half[1]), hi = _mm256_unpackhi_epi32(half[0], half[1]);
                const __m128i pair[4] = {_mm256_castsi256_si128(lo), _mm256_castsi256_si128(hi),
                                         _mm256_extracti128_si256(lo, 1), _mm256_extracti128_si256(hi, 1)};
                for (int l = 0; l < 8; l++) { /* pair[l / 2]: channel l - l % 2 in its low 8 bytes, the next above */
                    uint8_t *a = argmax + (long)(cg + l) * Hp * Wp + prow + px0;
                    if (l % 2 == 0)
                        _mm_storel_epi64((__m128i *)a, pair[l / 2]);
                    else
                        _mm_storeh_pd((double *)a, _mm_castsi128_pd(pair[l / 2]));
                }
            }
        }
    }
}

#endif

void conv_direct_forward_rows(float *out, long ldo, const float *in, const float *weight, const float *bias,
                              int Cin, int H, int W, int Cout, int k, int y0, int rows) {
#ifdef SS_CONV_SIMD
    if (simd_level() == SIMD_AVX512) {
        forward_rows_avx512(out, ldo, in, weight, bias, Cin, H, W, Cout, k, y0, rows);
        return;
    }
    if (simd_level() == SIMD_AVX2) {
        forward_rows_avx2(out, ldo, in, weight, bias, Cin, H, W, Cout, k, y0, rows);
        return;
    }
#endif
    forward_rows_portable(out, ldo, in, weight, bias, Cin, H, W, Cout, k, y0, rows);
}

void conv_direct_dweight_rows(float *partials, const float *dconv, long ldd, const float *in, int Cin, int H, int W,
                              int Cout, int k, int y0, int rows) {
#ifdef SS_CONV_SIMD
    if (simd_level() == SIMD_AVX512) {
        dweight_rows_avx512(partials, dconv, ldd, in, Cin, H, W, Cout, k, y0, rows);
        return;
    }
    if (simd_level() == SIMD_AVX2) {
        dweight_rows_avx2(partials, dconv, ldd, in, Cin, H, W, Cout, k, y0, rows);
        return;
    }
#endif
    dweight_rows_portable(partials, dconv, ldd, in, Cin, H, W, Cout, k, y0, rows);
}

int conv_direct_pool1_rows(float *pooled, uint8_t *argmax, const float *in, const float *weight, const float *bias,
                           int Cin, int H, int W, int Cout, int k, int y0, int rows) {
#ifdef SS_CONV_SIMD
    const int shape = Cin == 1 && k == 3 && W <= POOL1_MAX_W && H % 2 == 0 && y0 % 2 == 0 && rows % 2 == 0 && bias;
    if (shape && simd_level() == SIMD_AVX512 && Cout % 16 == 0 && W % 32 == 0) {
        pool1_rows_avx512(pooled, argmax, in, weight, bias, H, W, Cout, y0, rows);
        return 0;
    }
    if (shape && simd_level() >= SIMD_AVX2 && Cout % 8 == 0 && W % 16 == 0) {
        pool1_rows_avx2(pooled, argmax, in, weight, bias, H, W, Cout, y0, rows);
        return 0;
    }
#endif
    (void)pooled, (void)argmax, (void)in, (void)weight, (void)bias, (void)Cin, (void)H, (void)W, (void)Cout, (void)k,
        (void)y0, (void)rows;
    return -1;
}
