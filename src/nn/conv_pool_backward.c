/* conv_pool_backward.c - the backward pass of a layer fusing a 3x3 conv, ReLU and a 2x2 max pool,
 * from its pooled gradient, on the direct2 and direct3 (default) convolution paths (see
 * conv_direct.h). Each pooled pixel passes its gradient g (0 where the pooled value is not
 * positive: ReLU, marked POOL_STOPPED in its argmax byte) to one conv pixel, its window's winner;
 * so the full-resolution gradient (three quarters zeros) is never built. The stamps and patches
 * first list, per output channel, the windows with g != 0 (the winner's position, g), vectorized,
 * so the windows whose g is 0 (ReLU stops about half) cost nothing; the list is the same whichever
 * code builds it. The windows take every window, with no list. The vector stamps and windows are
 * in conv_pool_backward_simd.inc.
 *
 * Stamps (8 or more input channels): the input gradient is a sum of 3x3 stamps g * weight[co][ci]
 * around the winners, the weight gradient a sum of g times the input's 3x3 neighbourhood of each
 * winner: a quarter of the work of the dense convolutions. The input channels sit in the vector
 * lanes: the input is copied once into a zero-padded, pixel-major buffer [y][x][ci] (channels
 * padded to 16), the input gradient is summed in another and copied back to [ci][y][x] at the end.
 * Patches and windows (a first layer with fewer input channels): see below.
 *
 * Determinism: the lanes hold independent input channels, so the AVX-512, AVX2 and portable code
 * (the definition; fmaf is correctly rounded) give the same bits. The orders of the stamps:
 *   - per strip of POOL_STRIP pooled rows and output channel co, the windows with g != 0 (NaN
 *     included), in row-major order, are that strip's list;
 *   - din[ci][y][x]: from +0, strip by strip, co by co, window by window of the list, taps in
 *     order: din = fma(g, weight[co][ci][ky][kx], din) at (winner_y + ky - 1, winner_x + kx - 1);
 *   - dweight[co][ci][ky][kx]: one chain from +0 over the lists of all strips in order,
 *     fma(g, in[ci][winner_y + ky - 1][winner_x + kx - 1] (0 outside the image), .), then added
 *     to dweight;
 *   - dbias[co]: 16 partial sums from +0, lane l taking the windows px = px0 + l of the 16-window
 *     chunks px0 = 0, 16, .. of every pooled row, rows in order; added in lane order to dbias. */
#include <stdint.h>
#include <math.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "seedsweep/conv_direct.h"
#include "seedsweep/layers.h"
#include "seedsweep/simd.h"
#if defined(__x86_64__) && defined(__GNUC__)
#include "transpose16_avx512.h"
#include "transpose8_avx2.h"
#endif

#define POOL_STRIP 4 /* pooled rows per strip; the input gradient's summation order depends on it */

static long round16(long n) { return (n + 15) / 16 * 16; }

/* The scratch parts, in order, each a multiple of 16 floats. */
typedef struct Parts {
    long cp, plane, in_pm, din_pm, wt, acc, bsum, list;
} Parts;
static Parts parts(int Cin, int H, int W, int Cout) {
    Parts p = {.cp = round16(Cin), .plane = (long)(H + 2) * (W + 2)};
    p.in_pm = p.din_pm = p.plane * p.cp;
    p.wt = p.acc = 9L * Cout * p.cp;
    p.bsum = 16L * Cout;
    p.list = 2 * round16((long)POOL_STRIP * (W / 2) + 16); /* + a vector's slack */
    return p;
}

long conv_direct_pool_backward_floats(int Cin, int H, int W, int Cout) {
    const Parts p = parts(Cin, H, W, Cout);
    return p.in_pm + p.din_pm + p.wt + p.acc + p.bsum + p.list;
}

/* One output channel's list of n windows (pos: the winner's pixel in the padded buffers, g):
 * acc[t][ci] (its weight gradient, running) and, with din_pm, the input-gradient stamps with
 * wt[t][ci]. off[t]: tap t's offset in the padded pixel-major buffers. */
typedef struct Stamp {
    float *din_pm, *acc;
    const float *in_pm, *wt, *g;
    const int32_t *pos;
    long cp, off[9];
    int n;
} Stamp;

static void stamp_portable(const Stamp *s) {
    for (int e = 0; e < s->n; e++) {
        const long p = s->pos[e] * s->cp;
        const float g = s->g[e];
        for (int t = 0; t < 9; t++)
            for (long ci = 0; ci < s->cp; ci++) {
                s->acc[t * s->cp + ci] = fmaf(g, s->in_pm[p + s->off[t] + ci], s->acc[t * s->cp + ci]);
                if (s->din_pm) s->din_pm[p + s->off[t] + ci] = fmaf(g, s->wt[t * s->cp + ci], s->din_pm[p + s->off[t] + ci]);
            }
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#define SS_POOL_BACKWARD_SIMD 1
/* conv_pool_backward_simd.inc's, defined with the windows below */
__attribute__((target("avx512f,avx2,fma"))) static void stamp_avx512(const Stamp *s);
__attribute__((target("avx2,fma"))) static void stamp_avx2(const Stamp *s);
#endif

static void stamp(const Stamp *s) {
#ifdef SS_POOL_BACKWARD_SIMD
    if (simd_level() == SIMD_AVX512) {
        stamp_avx512(s);
        return;
    }
    if (simd_level() == SIMD_AVX2) {
        stamp_avx2(s);
        return;
    }
#endif
    stamp_portable(s);
}

/* One output channel's pooled rows [py0, py1): the windows with g != 0 (pos, g; returns how many)
 * and the bias lanes (bl[16]). */
typedef struct ListIn {
    const float *dpooled; /* channel co */
    const uint8_t *argmax; /* POOL_STOPPED marks the windows whose g is 0 */
    int py0, py1, Wp, W2;
} ListIn;

static int list_portable(int32_t *pos, float *gl, float *bl, const ListIn *L) {
    int n = 0;
    for (int py = L->py0; py < L->py1; py++) {
        const long o = (long)py * L->Wp;
        for (int px = 0; px < L->Wp; px++) {
            const int a = L->argmax[o + px];
            const float v = a & POOL_STOPPED ? 0.0f : L->dpooled[o + px];
            bl[px % 16] += v;
            pos[n] = (2 * py + ((a >> 1) & 1) + 1) * L->W2 + 2 * px + (a & 1) + 1;
            gl[n] = v;
            n += v != 0.0f; /* a NaN is listed */
        }
    }
    return n;
}

/* The input [Cin][H][W] into the padded pixel-major buffer (rows and columns 1..), and back. */
static void to_pixel_major_portable(float *pm, const float *in, int Cin, int H, int W, long cp) {
    const long hw = (long)H * W;
    for (int y = 0; y < H; y++) /* row by row: a row's pixels stay in L1 while its channels arrive */
        for (int ci = 0; ci < Cin; ci++) {
            const float *row = in + ci * hw + (long)y * W;
            float *o = pm + ((long)(y + 1) * (W + 2) + 1) * cp + ci;
            for (int x = 0; x < W; x++) o[x * cp] = row[x];
        }
}
static void from_pixel_major_portable(float *out, const float *pm, int Cin, int H, int W, long cp) {
    const long hw = (long)H * W;
    for (int y = 0; y < H; y++)
        for (int ci = 0; ci < Cin; ci++) {
            const float *i = pm + ((long)(y + 1) * (W + 2) + 1) * cp + ci;
            float *row = out + ci * hw + (long)y * W;
            for (int x = 0; x < W; x++) row[x] = i[x * cp];
        }
}

#ifdef SS_POOL_BACKWARD_SIMD
/* The winners of a chunk of `full` (8 or 16) windows, m of them in the row, as bytes (0 past m):
 * the chunk's own bytes when whole, else a copy (nothing read past the row). */
static inline __m128i winner_bytes(const uint8_t *a, int m, int full) {
    if (m == full) return full == 16 ? _mm_loadu_si128((const __m128i *)a) : _mm_loadl_epi64((const __m128i *)a);
    uint8_t tmp[16] = {0};
    memcpy(tmp, a, (size_t)m);
    return _mm_loadu_si128((const __m128i *)tmp);
}

__attribute__((target("avx512f,avx2,fma,popcnt"))) static int list_avx512(int32_t *pos, float *gl, float *bl,
                                                                          const ListIn *L) {
    const __m512 zero = _mm512_setzero_ps();
    const __m512i one = _mm512_set1_epi32(1), two = _mm512_set1_epi32(2), w2 = _mm512_set1_epi32(L->W2);
    const __m512i stopped = _mm512_set1_epi32(POOL_STOPPED);
    const __m512i iota2 = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    __m512 b = _mm512_loadu_ps(bl);
    int n = 0;
    for (int py = L->py0; py < L->py1; py++) {
        const long o = (long)py * L->Wp;
        const __m512i row = _mm512_add_epi32(_mm512_set1_epi32((2 * py + 1) * L->W2 + 1), iota2);
        for (int px0 = 0; px0 < L->Wp; px0 += 16) {
            const int m = L->Wp - px0 < 16 ? L->Wp - px0 : 16;
            const __mmask16 lanes = (__mmask16)((1u << m) - 1u);
            const __m512i a = _mm512_cvtepu8_epi32(winner_bytes(L->argmax + o + px0, m, 16));
            const __m512 v = _mm512_maskz_loadu_ps(_mm512_testn_epi32_mask(a, stopped) & lanes, L->dpooled + o + px0);
            /* (2py + dy + 1) * W2 + 2px + dx + 1 */
            const __m512i p = _mm512_add_epi32(_mm512_add_epi32(row, _mm512_set1_epi32(2 * px0)),
                                               _mm512_add_epi32(_mm512_maskz_mov_epi32(_mm512_test_epi32_mask(a, two), w2),
                                                                _mm512_and_si512(a, one)));
            const __mmask16 live = _mm512_cmp_ps_mask(v, zero, _CMP_NEQ_UQ) & lanes; /* a NaN is listed */
            b = _mm512_add_ps(b, v);
            /* compressed in registers, stored whole (the next store overwrites the rest): a
             * compressing store to memory is slow on some CPUs */
            _mm512_storeu_si512(pos + n, _mm512_maskz_compress_epi32(live, p));
            _mm512_storeu_ps(gl + n, _mm512_maskz_compress_ps(live, v));
            n += __builtin_popcount(live);
        }
    }
    _mm512_storeu_ps(bl, b);
    return n;
}

__attribute__((target("avx512f"))) static void to_pixel_major_avx512(float *pm, const float *in, int Cin, int H,
                                                                     int W, long cp) {
    const long hw = (long)H * W;
    for (int y = 0; y < H; y++)
        for (int cb = 0; cb < Cin; cb += 16)
            for (int x0 = 0; x0 < W; x0 += 16) {
                const int m = W - x0 < 16 ? W - x0 : 16;
                const __mmask16 lanes = (__mmask16)((1u << m) - 1u);
                __m512 r[16];
                for (int j = 0; j < 16; j++)
                    r[j] = cb + j < Cin ? _mm512_maskz_loadu_ps(lanes, in + (cb + j) * hw + (long)y * W + x0)
                                        : _mm512_setzero_ps();
                transpose16_avx512(r);
                float *o = pm + ((long)(y + 1) * (W + 2) + x0 + 1) * cp + cb;
                for (int i = 0; i < m; i++) _mm512_storeu_ps(o + i * cp, r[i]);
            }
}
__attribute__((target("avx512f"))) static void from_pixel_major_avx512(float *out, const float *pm, int Cin, int H,
                                                                       int W, long cp) {
    const long hw = (long)H * W;
    for (int y = 0; y < H; y++)
        for (int cb = 0; cb < Cin; cb += 16)
            for (int x0 = 0; x0 < W; x0 += 16) {
                const int m = W - x0 < 16 ? W - x0 : 16;
                const __mmask16 lanes = (__mmask16)((1u << m) - 1u);
                const float *i = pm + ((long)(y + 1) * (W + 2) + x0 + 1) * cp + cb;
                __m512 r[16];
                for (int j = 0; j < 16; j++) r[j] = j < m ? _mm512_loadu_ps(i + j * cp) : _mm512_setzero_ps();
                transpose16_avx512(r);
                for (int c = 0; c < 16 && cb + c < Cin; c++)
                    _mm512_mask_storeu_ps(out + (cb + c) * hw + (long)y * W + x0, lanes, r[c]);
            }
}

/* compress8[m]: the lanes set in m, in order (then 0): AVX2's stand-in for a compressing permute. */
static int32_t compress8[256][8];
__attribute__((constructor)) static void compress8_init(void) {
    for (int m = 0; m < 256; m++) {
        int k = 0;
        for (int i = 0; i < 8; i++)
            if (m >> i & 1) compress8[m][k++] = i;
        while (k < 8) compress8[m][k++] = 0;
    }
}

__attribute__((target("avx2,fma,popcnt"))) static int list_avx2(int32_t *pos, float *gl, float *bl, const ListIn *L) {
    const __m256 zero = _mm256_setzero_ps();
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), iota2 = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);
    /* by winner byte (0..7, POOL_STOPPED = 4): its offset in the window, and whether g passes */
    const __m256i offset = _mm256_setr_epi32(0, 1, L->W2, L->W2 + 1, 0, 1, L->W2, L->W2 + 1);
    const __m256 pass = _mm256_castsi256_ps(_mm256_setr_epi32(-1, -1, -1, -1, 0, 0, 0, 0));
    __m256 b[2] = {_mm256_loadu_ps(bl), _mm256_loadu_ps(bl + 8)};
    int n = 0;
    for (int py = L->py0; py < L->py1; py++) {
        const long o = (long)py * L->Wp;
        /* the top left pixels of windows px0 .. px0 + 7 */
        __m256i corner = _mm256_add_epi32(_mm256_set1_epi32((2 * py + 1) * L->W2 + 1), iota2);
        for (int px0 = 0; px0 < L->Wp; px0 += 8) {
            const int m = L->Wp - px0 < 8 ? L->Wp - px0 : 8;
            const __m256i lanes = _mm256_cmpgt_epi32(_mm256_set1_epi32(m), iota);
            const __m256 gv = m == 8 ? _mm256_loadu_ps(L->dpooled + o + px0) : _mm256_maskload_ps(L->dpooled + o + px0, lanes);
            const __m256i a = _mm256_cvtepu8_epi32(winner_bytes(L->argmax + o + px0, m, 8));
            const __m256 v = _mm256_and_ps(gv, _mm256_permutevar8x32_ps(pass, a));
            const __m256i p = _mm256_add_epi32(corner, _mm256_permutevar8x32_epi32(offset, a));
            corner = _mm256_add_epi32(corner, _mm256_set1_epi32(16));
            const int live = _mm256_movemask_ps(_mm256_cmp_ps(v, zero, _CMP_NEQ_UQ)) & ((1 << m) - 1); /* NaN listed */
            b[px0 / 8 % 2] = _mm256_add_ps(b[px0 / 8 % 2], v); /* +0 in the lanes past the row */
            const __m256i idx = _mm256_loadu_si256((const __m256i *)compress8[live]);
            _mm256_storeu_si256((__m256i *)(pos + n), _mm256_permutevar8x32_epi32(p, idx));
            _mm256_storeu_ps(gl + n, _mm256_permutevar8x32_ps(v, idx));
            n += __builtin_popcount(live);
        }
    }
    _mm256_storeu_ps(bl, b[0]);
    _mm256_storeu_ps(bl + 8, b[1]);
    return n;
}

__attribute__((target("avx2"))) static void to_pixel_major_avx2(float *pm, const float *in, int Cin, int H, int W,
                                                                long cp) {
    const long hw = (long)H * W;
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (int y = 0; y < H; y++)
        for (int cb = 0; cb < Cin; cb += 8)
            for (int x0 = 0; x0 < W; x0 += 8) {
                const int m = W - x0 < 8 ? W - x0 : 8;
                const __m256i lanes = _mm256_cmpgt_epi32(_mm256_set1_epi32(m), iota);
                __m256 r[8];
                for (int j = 0; j < 8; j++)
                    r[j] = cb + j < Cin ? _mm256_maskload_ps(in + (cb + j) * hw + (long)y * W + x0, lanes)
                                        : _mm256_setzero_ps();
                transpose8_avx2(r);
                float *o = pm + ((long)(y + 1) * (W + 2) + x0 + 1) * cp + cb;
                for (int i = 0; i < m; i++) _mm256_storeu_ps(o + i * cp, r[i]);
            }
}
__attribute__((target("avx2"))) static void from_pixel_major_avx2(float *out, const float *pm, int Cin, int H, int W,
                                                                  long cp) {
    const long hw = (long)H * W;
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (int y = 0; y < H; y++)
        for (int cb = 0; cb < Cin; cb += 8)
            for (int x0 = 0; x0 < W; x0 += 8) {
                const int m = W - x0 < 8 ? W - x0 : 8;
                const __m256i lanes = _mm256_cmpgt_epi32(_mm256_set1_epi32(m), iota);
                const float *i = pm + ((long)(y + 1) * (W + 2) + x0 + 1) * cp + cb;
                __m256 r[8];
                for (int j = 0; j < 8; j++) r[j] = j < m ? _mm256_loadu_ps(i + j * cp) : _mm256_setzero_ps();
                transpose8_avx2(r);
                for (int c = 0; c < 8 && cb + c < Cin; c++)
                    _mm256_maskstore_ps(out + (cb + c) * hw + (long)y * W + x0, lanes, r[c]);
            }
}
#endif

/* The list of one output channel's rows (ListIn): the same entries whichever code builds it. */
static int list(int32_t *pos, float *gl, float *bl, const ListIn *L) {
#ifdef SS_POOL_BACKWARD_SIMD
    if (simd_level() == SIMD_AVX512) return list_avx512(pos, gl, bl, L);
    if (simd_level() == SIMD_AVX2) return list_avx2(pos, gl, bl, L);
#endif
    return list_portable(pos, gl, bl, L);
}

void conv_direct_pool_backward(float *din, float *dweight, float *dbias, const float *dpooled, const uint8_t *argmax,
                               const float *in, const float *weight_flipped, int Cin, int H, int W, int Cout,
                               float *scratch) {
    const Parts P = parts(Cin, H, W, Cout);
    const int Hp = H / 2, Wp = W / 2, W2 = W + 2;
    const long cp = P.cp, pplane = (long)Hp * Wp;
    float *in_pm = scratch, *din_pm = in_pm + P.in_pm, *wt = din_pm + P.din_pm, *acc = wt + P.wt;
    float *bsum = acc + P.acc, *gl = bsum + P.bsum;
    int32_t *pos = (int32_t *)(gl + P.list / 2);

    memset(in_pm, 0, sizeof(float) * (size_t)P.in_pm);
#ifdef SS_POOL_BACKWARD_SIMD
    if (simd_level() == SIMD_AVX512)
        to_pixel_major_avx512(in_pm, in, Cin, H, W, cp);
    else if (simd_level() == SIMD_AVX2)
        to_pixel_major_avx2(in_pm, in, Cin, H, W, cp);
    else
#endif
        to_pixel_major_portable(in_pm, in, Cin, H, W, cp);
    if (din) memset(din_pm, 0, sizeof(float) * (size_t)P.din_pm);
    memset(wt, 0, sizeof(float) * (size_t)(P.wt + P.acc + P.bsum));
    for (int co = 0; din && co < Cout; co++) /* wt[co][t][ci] = weight[co][ci][t] = flipped[ci][co][8 - t] */
        for (int t = 0; t < 9; t++)
            for (int ci = 0; ci < Cin; ci++) wt[((long)co * 9 + t) * cp + ci] = weight_flipped[((long)ci * Cout + co) * 9 + 8 - t];

    Stamp s = {.din_pm = din ? din_pm : NULL, .in_pm = in_pm, .g = gl, .pos = pos, .cp = cp};
    for (int t = 0; t < 9; t++) s.off[t] = ((long)(t / 3 - 1) * W2 + (t % 3 - 1)) * cp;
    for (int py0 = 0; py0 < Hp; py0 += POOL_STRIP) {
        const int py1 = py0 + POOL_STRIP < Hp ? py0 + POOL_STRIP : Hp;
        for (int co = 0; co < Cout; co++) {
            const ListIn L = {.dpooled = dpooled + co * pplane, .argmax = argmax + co * pplane, .py0 = py0,
                              .py1 = py1, .Wp = Wp, .W2 = W2};
            const int n = list(pos, gl, bsum + co * 16, &L);
            s.acc = acc + (long)co * 9 * cp, s.wt = wt + (long)co * 9 * cp, s.n = n;
            stamp(&s);
        }
    }

    for (int co = 0; co < Cout; co++)
        for (int ci = 0; ci < Cin; ci++)
            for (int t = 0; t < 9; t++) dweight[((long)co * Cin + ci) * 9 + t] += acc[((long)co * 9 + t) * cp + ci];
    conv_direct_dweight_finish(dbias, bsum, 1, Cout, 1); /* the 16 bias lanes, in lane order */
    if (din) {
#ifdef SS_POOL_BACKWARD_SIMD
        if (simd_level() == SIMD_AVX512)
            from_pixel_major_avx512(din, din_pm, Cin, H, W, cp);
        else if (simd_level() == SIMD_AVX2)
            from_pixel_major_avx2(din, din_pm, Cin, H, W, cp);
        else
#endif
            from_pixel_major_portable(din, din_pm, Cin, H, W, cp);
    }
}

/* ---- Patches (SEEDSWEEP_CONV=direct2): a first layer (no input gradient) with fewer than 8 input
 * channels ----
 * The weight gradient of output channel co is the sum over its listed windows of g times the
 * winner's 3x3 input patch, per input channel. A patch is three rows of 4 floats of a zero-padded
 * copy of the input, taken into one vector (row ky in lanes 4ky .. 4ky+3, the 4th float of each row
 * unused), so one fused multiply-add takes all 9 taps of a window.
 * Determinism: the lanes hold independent taps. The lists are those of one pooled row (see above),
 * channel by channel (co outer); list entry j of each row goes to partial sum j % 4 (from +0; four
 * chains instead of one, for the adder's latency): partial = fma(g, in[ci][winner + (ky-1,
 * kx-1)], partial), then dweight += ((p0 + p1) + p2) + p3. The bias as the stamps' (16 lanes). */
#define PATCH_PARTIALS 4

static long patch_plane(int H, int W) { return round16((long)(H + 2) * (W + 2) + 4); }

long conv_direct_pool_dweight_floats(int Cin, int H, int W, int Cout) {
    return Cin * patch_plane(H, W) + 16L * PATCH_PARTIALS * Cin * Cout + 16L * Cout + 2 * round16(W / 2 + 16);
}

typedef struct Patches {
    const float *pad; /* the padded input, channel ci at pad + ci * plane, rows of W2 */
    long plane;
    int W2, Cin;
} Patches;

/* One list into the partials part[ci][PATCH_PARTIALS][16] of one output channel. */
static void patches_portable(float *part, const int32_t *pos, const float *gl, int n, const Patches *P) {
    for (int j = 0; j < n; j++)
        for (int ci = 0; ci < P->Cin; ci++) {
            const float *src = P->pad + ci * P->plane + pos[j] - P->W2 - 1;
            float *acc = part + ((long)ci * PATCH_PARTIALS + j % PATCH_PARTIALS) * 16;
            for (int ky = 0; ky < 3; ky++)
                for (int kx = 0; kx < 3; kx++) acc[4 * ky + kx] = fmaf(gl[j], src[ky * P->W2 + kx], acc[4 * ky + kx]);
        }
}

#ifdef SS_POOL_BACKWARD_SIMD
__attribute__((target("avx512f,avx2,fma"))) static void patches_avx512(float *part, const int32_t *pos, const float *gl,
                                                                       int n, const Patches *P) {
    const long w2 = P->W2;
    for (int ci = 0; ci < P->Cin; ci++) {
        float *pp = part + (long)ci * PATCH_PARTIALS * 16;
        __m512 acc[PATCH_PARTIALS];
        for (int k = 0; k < PATCH_PARTIALS; k++) acc[k] = _mm512_loadu_ps(pp + k * 16);
        const float *base = P->pad + ci * P->plane - w2 - 1;
        int j = 0;
#define PATCH512(k)                                                                                                 \
    do {                                                                                                            \
        const float *src = base + pos[j + (k)];                                                                     \
        const __m512 v = _mm512_insertf32x4(                                                                        \
            _mm512_insertf32x4(_mm512_zextps128_ps512(_mm_loadu_ps(src)), _mm_loadu_ps(src + w2), 1),              \
            _mm_loadu_ps(src + 2 * w2), 2);                                                                         \
        acc[k] = _mm512_fmadd_ps(_mm512_set1_ps(gl[j + (k)]), v, acc[k]);                                           \
    } while (0)
        for (; j + PATCH_PARTIALS <= n; j += PATCH_PARTIALS) {
            PATCH512(0);
            PATCH512(1);
            PATCH512(2);
            PATCH512(3);
        }
        for (int k = 0; j + k < n; k++) { /* the last entries: partials 0 .. n%4 - 1 */
            if (k == 0) PATCH512(0);
            if (k == 1) PATCH512(1);
            if (k == 2) PATCH512(2);
        }
#undef PATCH512
        for (int k = 0; k < PATCH_PARTIALS; k++) _mm512_storeu_ps(pp + k * 16, acc[k]);
    }
}

/* AVX2: two entries (partials 2h and 2h + 1) side by side in each vector, a patch row per vector:
 * three fused multiply-adds for two windows; the last n % 4 entries one at a time. */
__attribute__((target("avx2,fma"))) static void patches_avx2(float *part, const int32_t *pos, const float *gl, int n,
                                                             const Patches *P) {
    const long w2 = P->W2;
    const __m256i first = _mm256_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1), second = _mm256_setr_epi32(2, 2, 2, 2, 3, 3, 3, 3);
    for (int ci = 0; ci < P->Cin; ci++) {
        float *pp = part + (long)ci * PATCH_PARTIALS * 16;
        const float *base = P->pad + ci * P->plane - w2 - 1;
        int j = 0;
        __m256 pair[2][3]; /* [h][row]: partial 2h's row in the low half, partial 2h + 1's in the high */
        for (int h = 0; h < 2; h++)
            for (int r = 0; r < 3; r++) pair[h][r] = _mm256_loadu2_m128(pp + (2 * h + 1) * 16 + 4 * r, pp + 2 * h * 16 + 4 * r);
        for (; j + PATCH_PARTIALS <= n; j += PATCH_PARTIALS) {
            const __m256 g4 = _mm256_broadcast_ps((const __m128 *)(gl + j));
            for (int h = 0; h < 2; h++) {
                const float *s0 = base + pos[j + 2 * h], *s1 = base + pos[j + 2 * h + 1];
                const __m256 g = _mm256_permutevar8x32_ps(g4, h ? second : first);
                for (int r = 0; r < 3; r++)
                    pair[h][r] = _mm256_fmadd_ps(g, _mm256_loadu2_m128(s1 + r * w2, s0 + r * w2), pair[h][r]);
            }
        }
        for (int h = 0; h < 2; h++)
            for (int r = 0; r < 3; r++) _mm256_storeu2_m128(pp + (2 * h + 1) * 16 + 4 * r, pp + 2 * h * 16 + 4 * r, pair[h][r]);
        __m256 lo[PATCH_PARTIALS]; /* rows 0 and 1 of the patch */
        __m128 hi[PATCH_PARTIALS]; /* row 2 */
        for (int k = 0; k < PATCH_PARTIALS; k++) lo[k] = _mm256_loadu_ps(pp + k * 16), hi[k] = _mm_loadu_ps(pp + k * 16 + 8);
#define PATCH256(k)                                                                                                 \
    do {                                                                                                            \
        const float *src = base + pos[j + (k)];                                                                     \
        const __m256 v = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(src)), _mm_loadu_ps(src + w2), 1); \
        const __m256 g = _mm256_broadcast_ss(gl + j + (k));                                                         \
        lo[k] = _mm256_fmadd_ps(g, v, lo[k]);                                                                       \
        hi[k] = _mm_fmadd_ps(_mm256_castps256_ps128(g), _mm_loadu_ps(src + 2 * w2), hi[k]);                        \
    } while (0)
        for (int k = 0; j + k < n; k++) {
            if (k == 0) PATCH256(0);
            if (k == 1) PATCH256(1);
            if (k == 2) PATCH256(2);
        }
#undef PATCH256
        for (int k = 0; k < PATCH_PARTIALS; k++) _mm256_storeu_ps(pp + k * 16, lo[k]), _mm_storeu_ps(pp + k * 16 + 8, hi[k]);
    }
}
#endif

void conv_direct_pool_dweight(float *dweight, float *dbias, const float *dpooled, const uint8_t *argmax,
                              const float *in, int Cin, int H, int W, int Cout, float *scratch) {
    const int Hp = H / 2, Wp = W / 2, W2 = W + 2;
    const long plane = patch_plane(H, W), pplane = (long)Hp * Wp, npart = 16L * PATCH_PARTIALS * Cin;
    float *pad = scratch, *part = pad + Cin * plane, *bl = part + npart * Cout, *gl = bl + 16L * Cout;
    int32_t *pos = (int32_t *)(gl + round16(W / 2 + 16));
    memset(pad, 0, sizeof(float) * (size_t)(Cin * plane + npart * Cout + 16L * Cout));
    for (int ci = 0; ci < Cin; ci++)
        for (int y = 0; y < H; y++)
            memcpy(pad + ci * plane + (long)(y + 1) * W2 + 1, in + ((long)ci * H + y) * W, sizeof(float) * (size_t)W);
    const Patches P = {.pad = pad, .plane = plane, .W2 = W2, .Cin = Cin};
    for (int co = 0; co < Cout; co++)
        for (int py = 0; py < Hp; py++) {
            const ListIn L = {.dpooled = dpooled + co * pplane, .argmax = argmax + co * pplane, .py0 = py,
                              .py1 = py + 1, .Wp = Wp, .W2 = W2};
            const int n = list(pos, gl, bl + co * 16, &L);
            float *pc = part + co * npart;
#ifdef SS_POOL_BACKWARD_SIMD
            if (simd_level() == SIMD_AVX512)
                patches_avx512(pc, pos, gl, n, &P);
            else if (simd_level() == SIMD_AVX2)
                patches_avx2(pc, pos, gl, n, &P);
            else
#endif
                patches_portable(pc, pos, gl, n, &P);
        }
    for (int co = 0; co < Cout; co++)
        for (int ci = 0; ci < Cin; ci++)
            for (int t = 0; t < 9; t++) {
                const float *pp = part + co * npart + (long)ci * PATCH_PARTIALS * 16 + 4 * (t / 3) + t % 3;
                dweight[((long)co * Cin + ci) * 9 + t] += ((pp[0] + pp[16]) + pp[32]) + pp[48];
            }
    conv_direct_dweight_finish(dbias, bl, 1, Cout, 1); /* the 16 bias lanes, in lane order */
}

/* ---- Windows (SEEDSWEEP_CONV=direct3, the default): a first layer (no input gradient) with fewer
 * than 8 input channels, as the patches compute it but in another order and without lists ----
 * The weight gradient of output channel co is the sum over its windows of g times the input around
 * the winner (g = 0 where ReLU stopped the window: POOL_STOPPED). The vector code puts the output
 * channels in the lanes and takes every window, live or not: per window, the 4 x 4 input pixels
 * around it (its 2 x 2 and one on each side, from 4 zero-padded rows) sit in vectors of two rows,
 * and each lane picks its tap by its own winner with one permute, so a window costs 9 fused
 * multiply-adds per vector of channels, with no list and no gather. The pooled gradients and
 * winners of 8 (16) windows are transposed to channels in the lanes first.
 * Determinism: one chain per weight element, from +0, over every window in row-major order:
 * acc = fma(g, in[ci][winner_y + ky - 1][winner_x + kx - 1] (0 outside the image), acc), the
 * stopped windows with g = +0; then dweight += acc. dbias: acc = acc + g over the same windows,
 * from +0; dbias += acc. Each lane is one channel's chain, so every code gives the same bits. */

static long pad_row_floats(int W) { return round16(W + 2); }
static long acc_lanes(int Cout) { return round16(Cout); }

long conv_direct_pool_windows_floats(int Cin, int H, int W, int Cout) {
    (void)H;
    return Cin * 4 * pad_row_floats(W) + (9L * Cin + 1) * acc_lanes(Cout);
}

/* One pooled row's windows: rows = the 4 padded input rows of each input channel (ci at
 * rows + ci * 4 * pw), dp / am = the row's gradients and winners of channel 0 (channel planes
 * `plane` apart), acc[(ci * 9 + t) * lanes + co] and bacc[co] the chains. */
typedef struct WindowRow {
    const float *rows, *dp;
    const uint8_t *am;
    long pw, plane, lanes;
    int Wp, Cin, Cout;
} WindowRow;

static void windows_portable(float *acc, float *bacc, const WindowRow *R) {
    for (int co = 0; co < R->Cout; co++)
        for (int px = 0; px < R->Wp; px++) {
            const int a = R->am[co * R->plane + px];
            const float g = a & POOL_STOPPED ? 0.0f : R->dp[co * R->plane + px];
            bacc[co] += g;
            for (int ci = 0; ci < R->Cin; ci++)
                for (int t = 0; t < 9; t++) {
                    /* padded row dy + ky, column 2px + dx + kx: input (2py + dy + ky - 1, 2px + dx + kx - 1) */
                    const float x = R->rows[(ci * 4L + (a >> 1 & 1) + t / 3) * R->pw + 2 * px + (a & 1) + t % 3];
                    float *s = acc + ((long)ci * 9 + t) * R->lanes + co;
                    *s = fmaf(g, x, *s);
                }
        }
}

#ifdef SS_POOL_BACKWARD_SIMD
/* The next pooled row's gradients and winners of channel c at window px (8 windows on): the
 * channels' rows are many streams, which the hardware prefetchers leave late. */
static inline void prefetch_next_row(const WindowRow *R, int c, int px) {
    _mm_prefetch((const char *)(R->dp + c * R->plane + R->Wp + px), _MM_HINT_T0);
    if (px % 64 == 0) _mm_prefetch((const char *)(R->am + c * R->plane + R->Wp + px), _MM_HINT_T0);
}

/* Channels c0 .. c0 + 7 (those past Cout: g = 0) of windows px0 .. px0 + m - 1: g (0 where
 * stopped) and the winner, one vector of channels per window. */
__attribute__((target("avx2,fma"))) static inline void window_lanes_avx2(__m256 g[8], __m256 a[8], const WindowRow *R,
                                                                         int c0, int px0, int m) {
    const __m256i lanes = _mm256_cmpgt_epi32(_mm256_set1_epi32(m), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    const __m256 pass = _mm256_castsi256_ps(_mm256_setr_epi32(-1, -1, -1, -1, 0, 0, 0, 0)); /* by winner byte */
    for (int c = 0; c < 8; c++) {
        if (c0 + c >= R->Cout) {
            g[c] = _mm256_setzero_ps(), a[c] = _mm256_setzero_ps();
            continue;
        }
        const float *dp = R->dp + (c0 + c) * R->plane + px0;
        prefetch_next_row(R, c0 + c, px0);
        const __m256 gv = m == 8 ? _mm256_loadu_ps(dp) : _mm256_maskload_ps(dp, lanes);
        const __m256i av = _mm256_cvtepu8_epi32(winner_bytes(R->am + (c0 + c) * R->plane + px0, m, 8));
        g[c] = _mm256_and_ps(gv, _mm256_permutevar8x32_ps(pass, av));
        a[c] = _mm256_castsi256_ps(av);
    }
    transpose8_avx2(g);
    transpose8_avx2(a);
}

/* The same for channels c0 .. c0 + 15 of windows px0 .. px0 + m - 1 (AVX-512). */
__attribute__((target("avx512f,avx2,fma"))) static inline void window_lanes_avx512(__m512 g[16], __m512 a[16],
                                                                                 const WindowRow *R, int c0, int px0,
                                                                                 int m) {
    const __mmask16 lanes = (__mmask16)((1u << m) - 1u);
    const __m512i stopped = _mm512_set1_epi32(POOL_STOPPED);
    for (int c = 0; c < 16; c++) {
        if (c0 + c >= R->Cout) {
            g[c] = _mm512_setzero_ps(), a[c] = _mm512_setzero_ps();
            continue;
        }
        prefetch_next_row(R, c0 + c, px0);
        prefetch_next_row(R, c0 + c, px0 + 8);
        const __m512i av = _mm512_cvtepu8_epi32(winner_bytes(R->am + (c0 + c) * R->plane + px0, m, 16));
        g[c] = _mm512_maskz_loadu_ps(_mm512_testn_epi32_mask(av, stopped) & lanes, R->dp + (c0 + c) * R->plane + px0);
        a[c] = _mm512_castsi512_ps(av);
    }
    transpose16_avx512(g);
    transpose16_avx512(a);
}

/* The stamps and the windows, once per instruction set. */
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define SIMD(name) name##_avx2
#define VT __m256
#define VL 8
#define VLOAD(p) _mm256_loadu_ps(p)
#define VSTORE(p, v) _mm256_storeu_ps((p), (v))
#define VSET1(x) _mm256_set1_ps(x)
#define VFMA(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#define VADD(a, b) _mm256_add_ps((a), (b))
#define VI __m256i
#define VI_SET1(x) _mm256_set1_epi32(x)
#define VI_ADD(a, b) _mm256_add_epi32((a), (b))
#define VCASTI(v) _mm256_castps_si256(v)
#define CORNER _mm256_setr_epi32(0, 1, 4, 5, 0, 1, 4, 5)
#define PICK_I(t, i) _mm256_permutevar8x32_epi32((t), (i))
#define PICK(v, i) _mm256_permutevar8x32_ps((v), (i))
#define TWO_ROWS(hi, lo) _mm256_loadu2_m128((hi), (lo))
#define STAMP_WEIGHTS_IN_REGISTERS 0
#include "conv_pool_backward_simd.inc"
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
#define SIMD(name) name##_avx512
#define VT __m512
#define VL 16
#define VLOAD(p) _mm512_loadu_ps(p)
#define VSTORE(p, v) _mm512_storeu_ps((p), (v))
#define VSET1(x) _mm512_set1_ps(x)
#define VFMA(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define VADD(a, b) _mm512_add_ps((a), (b))
#define VI __m512i
#define VI_SET1(x) _mm512_set1_epi32(x)
#define VI_ADD(a, b) _mm512_add_epi32((a), (b))
#define VCASTI(v) _mm512_castps_si512(v)
#define CORNER _mm512_setr_epi32(0, 1, 4, 5, 0, 1, 4, 5, 0, 1, 4, 5, 0, 1, 4, 5)
#define PICK_I(t, i) _mm512_permutexvar_epi32((i), (t))
#define PICK(v, i) _mm512_permutexvar_ps((i), (v))
#define TWO_ROWS(hi, lo) _mm512_castps256_ps512(_mm256_loadu2_m128((hi), (lo)))
#define STAMP_WEIGHTS_IN_REGISTERS 1
#include "conv_pool_backward_simd.inc"
#pragma GCC pop_options
#endif

void conv_direct_pool_windows(float *dweight, float *dbias, const float *dpooled, const uint8_t *argmax,
                              const float *in, int Cin, int H, int W, int Cout, float *scratch) {
    const int Hp = H / 2, Wp = W / 2;
    const long pw = pad_row_floats(W), lanes = acc_lanes(Cout), plane = (long)Hp * Wp;
    float *rows = scratch, *acc = rows + Cin * 4 * pw, *bacc = acc + 9L * Cin * lanes;
    memset(acc, 0, sizeof(float) * (size_t)((9L * Cin + 1) * lanes));
    for (int py = 0; py < Hp; py++) {
        for (int ci = 0; ci < Cin; ci++) conv_direct_pad_rows4(rows + ci * 4 * pw, pw, in + (long)ci * H * W, H, W, 2 * py);
        const WindowRow R = {.rows = rows, .dp = dpooled + (long)py * Wp, .am = argmax + (long)py * Wp, .pw = pw,
                             .plane = plane, .lanes = lanes, .Wp = Wp, .Cin = Cin, .Cout = Cout};
#ifdef SS_POOL_BACKWARD_SIMD
        if (simd_level() == SIMD_AVX512)
            windows_avx512(acc, bacc, &R);
        else if (simd_level() == SIMD_AVX2)
            windows_avx2(acc, bacc, &R);
        else
#endif
            windows_portable(acc, bacc, &R);
    }
    for (int co = 0; co < Cout; co++) {
        for (int ci = 0; ci < Cin; ci++)
            for (int t = 0; t < 9; t++) dweight[((long)co * Cin + ci) * 9 + t] += acc[((long)ci * 9 + t) * lanes + co];
        dbias[co] += bacc[co];
    }
}
