/* conv_images.c - direct convolution of whole small images, the output channels in the lanes
 * (see conv_images.h).
 *
 * Determinism: each forward output is ONE fused multiply-add chain,
 *     acc = init; for ci, ky, kx (in that order): acc = fma(w[co][ci][ky][kx], in(...), acc)
 * with in(...) = 0 outside the image (the zero taps are still taken), as conv_direct.c's
 * kernels do; each weight gradient is ONE chain from +0 over the images, rows and columns in
 * order, acc = fma(dconv, in(...), acc), added to dweight at the end. The vector code puts
 * output channels in its lanes (independent outputs) and blocks pixels or taps in registers
 * (independent chains), so its width changes nothing; the portable code is the definition
 * (fmaf is correctly rounded) and the build's -ffp-contract=off keeps the compiler from fusing
 * anything else.
 * Both kernels copy each image into a zero-padded buffer first (every tap is then a plain load)
 * and work on a pixel-major copy [pixel][channel] of their channel-major data. */
#include <math.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "seedsweep/conv_images.h"
#include "seedsweep/simd.h"

#define LANES_MAX 16 /* the widest vector; channel counts are padded to it in the scratch sizes */

static long round_up(long n, long m) { return (n + m - 1) / m * m; }

/* The scratch of a forward call: transposed weights [Cin*k*k][cp], bias [cp], padded images
 * [Cin][H+2p][W+2p], pixel-major output [H*W][cp]; of a weight-gradient call: its sums
 * [Cin*k*k + 1][cp] (the last row takes the unused taps of a tap block), the padded image and
 * the pixel-major gradient. Each part starts on a 64-byte boundary. */
static long forward_floats(int Cin, int H, int W, int Cout, int k) {
    const long cp = round_up(Cout, LANES_MAX), plane = (long)(H + k - 1) * (W + k - 1);
    return round_up((long)Cin * k * k * cp, 16) + cp + round_up(Cin * plane, 16) + (long)H * W * cp;
}
static long dweight_floats(int Cin, int H, int W, int Cout, int k) {
    const long cp = round_up(Cout, LANES_MAX), plane = (long)(H + k - 1) * (W + k - 1);
    return round_up(((long)Cin * k * k + 1) * cp, 16) + round_up(Cin * plane, 16) + (long)H * W * cp;
}

long conv_images_scratch_floats(int Cin, int H, int W, int Cout, int k) {
    long a = forward_floats(Cin, H, W, Cout, k), b = forward_floats(Cout, H, W, Cin, k);
    long c = dweight_floats(Cin, H, W, Cout, k), m = a > b ? a : b;
    return (m > c ? m : c) + 16; /* + 16: the caller's buffer may start anywhere */
}

static float *align64(float *p) { return (float *)(((unsigned long)p + 63) & ~63UL); }

/* P[c][y + p][x + p] = image channel c at (y, x), 0 in the border of width p = k/2. */
static void pad_image(float *P, const float *in, long in_cs, int C, int H, int W, int k) {
    const int p = k / 2, PW = W + 2 * p;
    const long plane = (long)(H + 2 * p) * PW;
    memset(P, 0, sizeof(float) * (size_t)(C * plane));
    for (int c = 0; c < C; c++)
        for (int y = 0; y < H; y++)
            memcpy(P + c * plane + (long)(y + p) * PW + p, in + c * in_cs + (long)y * W, sizeof(float) * (size_t)W);
}

/* T[i][c] = src channel c, pixel i, for c < C; 0 for C <= c < cp. */
static void to_pixel_major(float *T, long cp, const float *src, long cs, int C, long hw) {
    for (long i = 0; i < hw; i++) {
        float *t = T + i * cp;
        for (int c = 0; c < C; c++) t[c] = src[c * cs + i];
        for (long c = C; c < cp; c++) t[c] = 0.0f;
    }
}

static void from_pixel_major(float *dst, long cs, const float *T, long cp, int C, long hw) {
    for (int c = 0; c < C; c++) {
        float *d = dst + c * cs;
        for (long i = 0; i < hw; i++) d[i] = T[i * cp + c];
    }
}

/* wT[(ci*k*k + t)][co] = weight[co][ci][t], 0 for Cout <= co < cp. */
static void transpose_weights(float *wT, long cp, const float *weight, int Cin, int Cout, int k) {
    const int kk = k * k;
    for (int ci = 0; ci < Cin; ci++)
        for (int t = 0; t < kk; t++) {
            float *w = wT + ((long)ci * kk + t) * cp;
            for (int co = 0; co < Cout; co++) w[co] = weight[((long)co * Cin + ci) * kk + t];
            for (long co = Cout; co < cp; co++) w[co] = 0.0f;
        }
}

/* ---- portable C: the definition the vector versions reproduce ---- */

static void forward_portable(float *out, long out_gs, long out_cs, const float *in, long in_gs, long in_cs,
                             const float *weight, const float *bias, int G, int Cin, int H, int W, int Cout, int k) {
    const int p = k / 2, kk = k * k;
    for (int g = 0; g < G; g++)
        for (int co = 0; co < Cout; co++)
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++) {
                    float acc = bias ? bias[co] : 0.0f;
                    for (int ci = 0; ci < Cin; ci++)
                        for (int ky = 0; ky < k; ky++)
                            for (int kx = 0; kx < k; kx++) {
                                const int iy = y + ky - p, ix = x + kx - p;
                                float v = iy >= 0 && iy < H && ix >= 0 && ix < W
                                              ? in[g * in_gs + ci * in_cs + (long)iy * W + ix]
                                              : 0.0f;
                                acc = fmaf(weight[((long)co * Cin + ci) * kk + ky * k + kx], v, acc);
                            }
                    out[g * out_gs + co * out_cs + (long)y * W + x] = acc;
                }
}

static void dweight_portable(float *dweight, const float *dconv, long d_gs, long d_cs, const float *in, long in_gs,
                             long in_cs, int G, int Cin, int H, int W, int Cout, int k) {
    const int p = k / 2, kk = k * k;
    for (int co = 0; co < Cout; co++)
        for (int ci = 0; ci < Cin; ci++)
            for (int t = 0; t < kk; t++) {
                const int ky = t / k, kx = t % k;
                float acc = 0.0f;
                for (int g = 0; g < G; g++)
                    for (int y = 0; y < H; y++)
                        for (int x = 0; x < W; x++) {
                            const int iy = y + ky - p, ix = x + kx - p;
                            float v = iy >= 0 && iy < H && ix >= 0 && ix < W
                                          ? in[g * in_gs + ci * in_cs + (long)iy * W + ix]
                                          : 0.0f;
                            acc = fmaf(dconv[g * d_gs + co * d_cs + (long)y * W + x], v, acc);
                        }
                dweight[((long)co * Cin + ci) * kk + t] += acc;
            }
}

/* ---- vector versions, compiled for their instruction set whatever -march says ---- */
#if defined(__x86_64__) && defined(__GNUC__)
#define SS_IMAGES_SIMD 1

#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define SIMD(name) name##_avx2
#define VT __m256
#define VL 8
#define VLOAD(p) _mm256_loadu_ps(p)
#define VSTORE(p, v) _mm256_storeu_ps((p), (v))
#define VZERO _mm256_setzero_ps()
#define VSET1(x) _mm256_set1_ps(x)
#define VFMA(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#define FWD_NV_MAX 2
#define FWD_PB_1 12
#define FWD_PB_2 6
#define FWD_PB_3 1
#define FWD_PB_4 1
#define DW_NV_MAX 3
#define DW_TB 3
#include "conv_images_simd.inc"
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
#define SIMD(name) name##_avx512
#define VT __m512
#define VL 16
#define VLOAD(p) _mm512_loadu_ps(p)
#define VSTORE(p, v) _mm512_storeu_ps((p), (v))
#define VZERO _mm512_setzero_ps()
#define VSET1(x) _mm512_set1_ps(x)
#define VFMA(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define FWD_NV_MAX 4
#define FWD_PB_1 14
#define FWD_PB_2 12
#define FWD_PB_3 8
#define FWD_PB_4 6
#define DW_NV_MAX 2
#define DW_TB 9
#include "conv_images_simd.inc"
#pragma GCC pop_options
#endif

void conv_images_forward(float *out, long out_gs, long out_cs, const float *in, long in_gs, long in_cs,
                         const float *weight, const float *bias, int G, int Cin, int H, int W, int Cout, int k,
                         float *scratch) {
#ifdef SS_IMAGES_SIMD
    if (simd_level() == SIMD_AVX512) {
        images_forward_avx512(out, out_gs, out_cs, in, in_gs, in_cs, weight, bias, G, Cin, H, W, Cout, k, scratch);
        return;
    }
    if (simd_level() == SIMD_AVX2) {
        images_forward_avx2(out, out_gs, out_cs, in, in_gs, in_cs, weight, bias, G, Cin, H, W, Cout, k, scratch);
        return;
    }
#endif
    (void)scratch;
    forward_portable(out, out_gs, out_cs, in, in_gs, in_cs, weight, bias, G, Cin, H, W, Cout, k);
}

void conv_images_dweight(float *dweight, const float *dconv, long d_gs, long d_cs, const float *in, long in_gs,
                         long in_cs, int G, int Cin, int H, int W, int Cout, int k, float *scratch) {
#ifdef SS_IMAGES_SIMD
    if (simd_level() == SIMD_AVX512) {
        images_dweight_avx512(dweight, dconv, d_gs, d_cs, in, in_gs, in_cs, G, Cin, H, W, Cout, k, scratch);
        return;
    }
    if (simd_level() == SIMD_AVX2) {
        images_dweight_avx2(dweight, dconv, d_gs, d_cs, in, in_gs, in_cs, G, Cin, H, W, Cout, k, scratch);
        return;
    }
#endif
    (void)scratch;
    dweight_portable(dweight, dconv, d_gs, d_cs, in, in_gs, in_cs, G, Cin, H, W, Cout, k);
}
