/* test_conv_direct.c - the direct convolution kernels against a double-precision reference and
 * against the im2col + sgemm lowering they replace, over every shape class the network spec
 * allows (1..65 channels, odd and 1x1 images, widths around the vector blocks, k 1..7, pooled or
 * not), forward and backward; and the AVX-512, AVX2 and portable code bit for bit, the kernels
 * alone and whole pooled layers (whose pooling and unpooling kernels also come in three versions)
 * on data full of ties, signed zeros and a NaN. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "seedsweep/conv_direct.h"
#include "seedsweep/simd.h"
#include "seedsweep/layers.h"
#include "seedsweep/rng.h"

static Rng rng;
static float *random_array(long n, float scale) {
    float *a = malloc(sizeof(float) * (size_t)(n > 0 ? n : 1));
    for (long i = 0; i < n; i++) a[i] = (float)((2.0 * rng_uniform(&rng) - 1.0) * scale);
    return a;
}
static float *zeros(long n) { return calloc((size_t)(n > 0 ? n : 1), sizeof(float)); }

typedef struct Shape {
    int Cin, H, W, Cout, k, rows;
} Shape;

/* ---- the kernels alone: forward, accumulating forward (input gradient), weight gradient ---- */
typedef struct KernelOut {
    float *out, *acc, *dweight;
} KernelOut;

static void run_kernels(KernelOut *r, const Shape *s, const float *in, const float *w, const float *b,
                        const float *dconv, const float *start) {
    long hw = (long)s->H * s->W, kk = (long)s->k * s->k;
    r->out = zeros(s->Cout * hw);
    r->acc = malloc(sizeof(float) * (size_t)(s->Cout * hw));
    memcpy(r->acc, start, sizeof(float) * (size_t)(s->Cout * hw));
    r->dweight = zeros(s->Cout * s->Cin * kk);
    for (int y0 = 0; y0 < s->H; y0 += s->rows) {
        int n = s->H - y0 < s->rows ? s->H - y0 : s->rows;
        conv_direct_forward_rows(r->out + (long)y0 * s->W, hw, in, w, b, s->Cin, s->H, s->W, s->Cout, s->k, y0, n);
        conv_direct_forward_rows(r->acc + (long)y0 * s->W, hw, in, w, NULL, s->Cin, s->H, s->W, s->Cout, s->k, y0, n);
    }
    float *partials = zeros(conv_direct_partials_floats(s->Cin, s->Cout, s->k));
    for (int y0 = 0; y0 < s->H; y0 += s->rows) {   /* strips of dconv rows, as the pooled layers feed them */
        int n = s->H - y0 < s->rows ? s->H - y0 : s->rows;
        float *strip = malloc(sizeof(float) * (size_t)(s->Cout * n * s->W));
        for (int co = 0; co < s->Cout; co++)
            memcpy(strip + (long)co * n * s->W, dconv + co * hw + (long)y0 * s->W, sizeof(float) * (size_t)(n * s->W));
        conv_direct_dweight_rows(partials, strip, (long)n * s->W, in, s->Cin, s->H, s->W, s->Cout, s->k, y0, n);
        free(strip);
    }
    conv_direct_dweight_finish(r->dweight, partials, s->Cin, s->Cout, s->k);
    free(partials);
}

static void free_kernel_out(KernelOut *r) {
    free(r->out);
    free(r->acc);
    free(r->dweight);
}

static void use_best_isa(void) {
    if (simd_use("avx512") != 0 && simd_use("avx2") != 0) simd_use("portable");
}


static void check_kernels(const Shape *s) {
    long hw = (long)s->H * s->W, kk = (long)s->k * s->k, nw = s->Cout * s->Cin * kk;
    int p = s->k / 2;
    float *in = random_array(s->Cin * hw, 1.0f), *w = random_array(nw, 0.5f), *b = random_array(s->Cout, 0.1f);
    float *dconv = random_array(s->Cout * hw, 1.0f), *start = random_array(s->Cout * hw, 1.0f);
    double *ref_out = calloc((size_t)(s->Cout * hw), sizeof(double)), *ref_dw = calloc((size_t)nw, sizeof(double));
    for (int co = 0; co < s->Cout; co++)
        for (int y = 0; y < s->H; y++)
            for (int x = 0; x < s->W; x++) {
                double a = 0.0;
                for (int ci = 0; ci < s->Cin; ci++)
                    for (int ky = 0; ky < s->k; ky++)
                        for (int kx = 0; kx < s->k; kx++) {
                            int iy = y + ky - p, ix = x + kx - p;
                            if (iy < 0 || iy >= s->H || ix < 0 || ix >= s->W) continue;
                            double v = in[ci * hw + (long)iy * s->W + ix];
                            a += w[((long)co * s->Cin + ci) * kk + ky * s->k + kx] * v;
                            ref_dw[((long)co * s->Cin + ci) * kk + ky * s->k + kx] += dconv[co * hw + (long)y * s->W + x] * v;
                        }
                ref_out[co * hw + (long)y * s->W + x] = a;
            }
    double *ref_bias = malloc(sizeof(double) * (size_t)(s->Cout * hw)), *ref_acc = malloc(sizeof(double) * (size_t)(s->Cout * hw));
    for (long i = 0; i < s->Cout * hw; i++) {
        ref_bias[i] = ref_out[i] + b[i / hw];
        ref_acc[i] = ref_out[i] + start[i];
    }
    const char *isas[] = {"portable", "avx2", "avx512"};
    KernelOut base = {0};
    for (int i = 0; i < 3; i++) {
        if (simd_use(isas[i]) != 0) {
            SKIP("conv_direct %s: not on this CPU", isas[i]);
            continue;
        }
        KernelOut r;
        run_kernels(&r, s, in, w, b, dconv, start);
        double e1 = rel_err(r.out, ref_bias, s->Cout * hw), e2 = rel_err(r.acc, ref_acc, s->Cout * hw);
        double e3 = rel_err(r.dweight, ref_dw, nw);
        CHECK(e1 < 1e-5 && e2 < 1e-5 && e3 < 1e-5,
              "conv_direct_%s_vs_double Cin%d %dx%d Cout%d k%d rows%d (forward %.2g, accumulate %.2g, dweight %.2g)",
              isas[i], s->Cin, s->H, s->W, s->Cout, s->k, s->rows, e1, e2, e3);
        if (i == 0) {
            base = r;
            continue;
        }
        CHECK(same_bits(r.out, base.out, s->Cout * hw) && same_bits(r.acc, base.acc, s->Cout * hw) &&
                  same_bits(r.dweight, base.dweight, nw),
              "conv_direct_%s_bit_identical_to_portable Cin%d %dx%d Cout%d k%d", isas[i], s->Cin, s->H, s->W, s->Cout,
              s->k);
        free_kernel_out(&r);
    }
    free_kernel_out(&base);
    use_best_isa();
    free(in), free(w), free(b), free(dconv), free(start), free(ref_out), free(ref_dw), free(ref_bias), free(ref_acc);
}

/* ---- the conv layers on the direct path against the same layers on im2col + sgemm ---- */
typedef struct LayerOut {
    float *out, *din, *dweight, *dbias, *dweight_first, *dbias_first;
    uint8_t *argmax;
} LayerOut;

static void run_layer(LayerOut *r, const Shape *s, int pooled, const float *in, const float *w, const float *b,
                      const float *R) {
    long hw = (long)s->H * s->W, kk = (long)s->k * s->k, nw = s->Cout * s->Cin * kk;
    long n = (long)s->rows * s->W, Cmax = s->Cin > s->Cout ? s->Cin : s->Cout;
    long out_n = pooled ? (long)s->Cout * (s->H / 2) * (s->W / 2) : s->Cout * hw;
    ConvShape shape = {.in_c = s->Cin, .h = s->H, .w = s->W, .out_c = s->Cout, .k = s->k, .pool = pooled,
                       .images = 1, .rows = s->rows};
    ConvScratch scratch = {.col = zeros(conv_col_floats(&shape)), .conv = zeros(Cmax * n), .dconv = zeros(s->Cout * hw),
                           .dflipped = zeros(nw)};
    float *flipped = zeros(nw);
    conv_flip_weights(flipped, w, s->Cin, s->Cout, s->k);
    r->out = zeros(out_n);
    r->argmax = calloc((size_t)out_n + 1, 1);
    r->din = random_array(s->Cin * hw, 1.0f); /* garbage: conv_backward writes din */
    for (long i = 0; i < s->Cin * hw; i += 7) r->din[i] = NAN;
    r->dweight = zeros(nw), r->dbias = zeros(s->Cout);
    r->dweight_first = zeros(nw), r->dbias_first = zeros(s->Cout);
    uint8_t *argmax = pooled ? r->argmax : NULL;
    conv_forward(r->out, argmax, in, w, b, &shape, &scratch);
    conv_backward(r->din, r->dweight, r->dbias, R, r->out, argmax, in, flipped, &shape, &scratch);
    conv_backward(NULL, r->dweight_first, r->dbias_first, R, r->out, argmax, in, NULL, &shape, &scratch);
    free(scratch.col), free(scratch.conv), free(scratch.dconv), free(scratch.dflipped), free(flipped);
}

static void free_layer_out(LayerOut *r) {
    free(r->out), free(r->argmax), free(r->din), free(r->dweight), free(r->dbias), free(r->dweight_first),
        free(r->dbias_first);
}

static void check_layer(const Shape *s, int pooled) {
    long hw = (long)s->H * s->W, kk = (long)s->k * s->k, nw = s->Cout * s->Cin * kk;
    long out_n = pooled ? (long)s->Cout * (s->H / 2) * (s->W / 2) : s->Cout * hw;
    float *in = random_array(s->Cin * hw, 1.0f), *w = random_array(nw, 0.5f), *b = random_array(s->Cout, 0.1f);
    float *R = random_array(out_n, 1.0f);
    LayerOut a, d;
    conv_path_set(CONV_PATH_IM2COL);
    run_layer(&a, s, pooled, in, w, b, R);
    const ConvPath paths[] = {CONV_PATH_DIRECT, CONV_PATH_DIRECT2, CONV_PATH_DIRECT3};
    for (int path = 0; path < 3; path++) {
    conv_path_set(paths[path]);
    run_layer(&d, s, pooled, in, w, b, R);
    double e_out = rel_err_f(d.out, a.out, out_n), e_din = rel_err_f(d.din, a.din, s->Cin * hw);
    double e_dw = rel_err_f(d.dweight, a.dweight, nw), e_db = rel_err_f(d.dbias, a.dbias, s->Cout);
    double e_dw1 = rel_err_f(d.dweight_first, a.dweight_first, nw);
    int same_argmax = !pooled || memcmp(a.argmax, d.argmax, (size_t)out_n) == 0;
    double e_db1 = rel_err_f(d.dbias_first, a.dbias_first, s->Cout);
    CHECK(e_out < 1e-5 && e_din < 1e-5 && e_dw < 1e-5 && e_db < 1e-5 && e_dw1 < 1e-5 && e_db1 < 1e-5 && same_argmax,
          "conv%s_%s_vs_im2col Cin%d %dx%d Cout%d k%d rows%d (out %.2g din %.2g dweight %.2g dbias %.2g "
          "dweight_first_layer %.2g dbias_first_layer %.2g argmax %s)",
          pooled ? "_pool" : "", conv_path_name(conv_path_get()), s->Cin, s->H, s->W, s->Cout, s->k, s->rows, e_out,
          e_din, e_dw, e_db, e_dw1, e_db1, same_argmax ? "same" : "differs");
    free_layer_out(&d);
    }
    free_layer_out(&a);
    free(in), free(w), free(b), free(R);
}

/* A pooled layer on small integers (ties in every window, zero outputs; with rounded) or random
 * values (every chain rounds: an order changed shows), biases of -0 and +0 and, with nan, one NaN
 * input pixel: out, argmax and every gradient bit-identical whichever code
 * (portable, AVX2, AVX-512) runs the pooling, the unpooling and the convolutions. */
static void check_pool_isas(const Shape *s, int nan, int rounded, ConvPath path) {
    long hw = (long)s->H * s->W, nw = s->Cout * s->Cin * (long)s->k * s->k;
    long out_n = (long)s->Cout * (s->H / 2) * (s->W / 2);
    float *in = random_array(s->Cin * hw, 1.0f), *w = random_array(nw, 1.0f), *b = zeros(s->Cout);
    float *R = random_array(out_n, 1.0f);
    for (long i = 0; rounded && i < s->Cin * hw; i++) in[i] = (float)(int)(2.5f * in[i]);
    for (long i = 0; rounded && i < nw; i++) w[i] = (float)(int)(1.5f * w[i]);
    for (int co = 0; co < s->Cout; co += 2) b[co] = -0.0f;
    if (nan) in[hw / 2 + 3] = NAN;
    const char *isas[] = {"portable", "avx2", "avx512"};
    LayerOut base = {0};
    conv_path_set(path);
    for (int i = 0; i < 3; i++) {
        if (simd_use(isas[i]) != 0) {
            SKIP("pooled layer %s: not on this CPU", isas[i]);
            continue;
        }
        LayerOut r;
        run_layer(&r, s, 1, in, w, b, R);
        if (i == 0) {
            base = r;
            continue;
        }
        CHECK(same_bits(r.out, base.out, out_n) && !memcmp(r.argmax, base.argmax, (size_t)out_n) &&
                  same_bits(r.din, base.din, s->Cin * hw) && same_bits(r.dweight, base.dweight, nw) &&
                  same_bits(r.dbias, base.dbias, s->Cout) && same_bits(r.dweight_first, base.dweight_first, nw) &&
                  same_bits(r.dbias_first, base.dbias_first, s->Cout),
              "pooled_layer_%s_bit_identical_to_portable %s path Cin%d %dx%d Cout%d%s%s", isas[i],
              conv_path_name(path), s->Cin, s->H, s->W, s->Cout, rounded ? " small integers" : " random",
              nan ? " with a NaN" : "");
        free_layer_out(&r);
    }
    free_layer_out(&base);
    use_best_isa();
    free(in), free(w), free(b), free(R);
}

/* conv_direct_pool_dweight (patches) or conv_direct_pool_windows alone, on random pooled values (a
 * third not positive: ReLU), winners and gradients: against a double-precision sum over each
 * window's winner, and every ISA bit for bit against the portable code (with nan: a NaN input
 * pixel and a NaN gradient at a pixel that ReLU stops). */
static void check_pool_dweight(const Shape *s, int nan, int windows) {
    const int Hp = s->H / 2, Wp = s->W / 2;
    const long hw = (long)s->H * s->W, plane = (long)Hp * Wp, nw = (long)s->Cout * s->Cin * 9;
    float *in = random_array(s->Cin * hw, 1.0f), *g = random_array(s->Cout * plane, 1.0f);
    float *p = random_array(s->Cout * plane, 1.0f);
    uint8_t *a = malloc((size_t)(s->Cout * plane + 1));
    for (long i = 0; i < s->Cout * plane; i++) {
        a[i] = (uint8_t)(rng_uniform(&rng) * 4.0) & 3;
        if (p[i] < -0.33f) p[i] = i % 2 ? 0.0f : -0.0f;
    }
    if (nan && plane > 0) {
        in[hw / 2] = NAN;
        p[plane / 2] = -1.0f, g[plane / 2] = NAN;
    }
    for (long i = 0; i < s->Cout * plane; i++) /* as the forward pass marks them */
        if (!(p[i] > 0.0f)) a[i] |= POOL_STOPPED;
    double *ref_dw = calloc((size_t)nw, sizeof(double)), *ref_db = calloc((size_t)s->Cout, sizeof(double));
    for (int co = 0; co < s->Cout; co++)
        for (long q = 0; q < plane; q++) {
            const long i = co * plane + q;
            const double v = p[i] > 0.0f ? g[i] : 0.0;
            const int y = (int)(q / Wp) * 2 + (a[i] >> 1 & 1), x = (int)(q % Wp) * 2 + (a[i] & 1);
            ref_db[co] += v;
            for (int ci = 0; ci < s->Cin; ci++)
                for (int t = 0; t < 9; t++) {
                    const int iy = y + t / 3 - 1, ix = x + t % 3 - 1;
                    if (v != 0.0 && iy >= 0 && iy < s->H && ix >= 0 && ix < s->W)
                        ref_dw[((long)co * s->Cin + ci) * 9 + t] += v * in[ci * hw + (long)iy * s->W + ix];
                }
        }
    const long nscratch = windows ? conv_direct_pool_windows_floats(s->Cin, s->H, s->W, s->Cout)
                                  : conv_direct_pool_dweight_floats(s->Cin, s->H, s->W, s->Cout);
    const char *kernel = windows ? "windows" : "patches";
    const char *isas[] = {"portable", "avx2", "avx512"};
    float *base_dw = NULL, *base_db = NULL, *dw_start = random_array(nw, 1.0f), *db_start = random_array(s->Cout, 1.0f);
    for (int i = 0; i < 3; i++) {
        if (simd_use(isas[i]) != 0) {
            SKIP("pool_dweight %s %s: not on this CPU", kernel, isas[i]);
            continue;
        }
        float *dw = malloc(sizeof(float) * (size_t)nw), *db = malloc(sizeof(float) * (size_t)s->Cout);
        float *dw0 = malloc(sizeof(float) * (size_t)nw), *db0 = malloc(sizeof(float) * (size_t)s->Cout);
        float *scratch = random_array(nscratch, 1.0f); /* garbage: the kernel starts its sums itself */
        memcpy(dw, dw_start, sizeof(float) * (size_t)nw), memcpy(db, db_start, sizeof(float) * (size_t)s->Cout);
        memcpy(dw0, dw, sizeof(float) * (size_t)nw), memcpy(db0, db, sizeof(float) * (size_t)s->Cout);
        (windows ? conv_direct_pool_windows : conv_direct_pool_dweight)(dw, db, g, a, in, s->Cin, s->H, s->W, s->Cout,
                                                                        scratch);
        if (!nan) { /* adds into what is there */
            for (long j = 0; j < nw; j++) dw0[j] = dw[j] - dw0[j];
            for (int j = 0; j < s->Cout; j++) db0[j] = db[j] - db0[j];
            double e1 = rel_err(dw0, ref_dw, nw), e2 = rel_err(db0, ref_db, s->Cout);
            CHECK(e1 < 1e-5 && e2 < 1e-5, "pool_dweight_%s_%s_vs_double Cin%d %dx%d Cout%d (dweight %.2g dbias %.2g)",
                  kernel, isas[i], s->Cin, s->H, s->W, s->Cout, e1, e2);
        }
        free(dw0), free(db0), free(scratch);
        if (i == 0) {
            base_dw = dw, base_db = db;
            continue;
        }
        CHECK(same_bits(dw, base_dw, nw) && same_bits(db, base_db, s->Cout),
              "pool_dweight_%s_%s_bit_identical_to_portable Cin%d %dx%d Cout%d%s", kernel, isas[i], s->Cin, s->H, s->W,
              s->Cout, nan ? " with a NaN" : "");
        free(dw), free(db);
    }
    use_best_isa();
    free(base_dw), free(base_db), free(dw_start), free(db_start), free(in), free(g), free(p), free(a), free(ref_dw), free(ref_db);
}

int main(void) {
    rng = rng_stream(23, RNG_PURPOSE_TEST);
    const Shape kernel_shapes[] = {
        {1, 1, 1, 1, 3, 1},    {1, 1, 1, 16, 3, 1},  {3, 1, 1, 5, 1, 1},  {16, 1, 1, 16, 3, 1},
        {1, 7, 9, 16, 3, 2},   {2, 13, 5, 3, 5, 3},  {1, 40, 37, 16, 3, 2}, {16, 19, 70, 16, 3, 4},
        {17, 9, 33, 9, 3, 4},  {5, 12, 48, 12, 7, 5}, {16, 24, 128, 16, 3, 4}, {65, 6, 18, 66, 3, 6},
        {32, 8, 8, 64, 3, 8},  {64, 4, 4, 64, 3, 4}, {1, 2, 2, 2, 3, 2},   {8, 3, 17, 8, 1, 1},
        /* row ends at, just before and just after the 16-pixel chunks and the 32-pixel blocks */
        {3, 5, 16, 4, 3, 2},   {2, 4, 32, 9, 3, 4},  {2, 5, 31, 8, 3, 1},  {4, 3, 47, 17, 3, 3},
        {1, 6, 64, 16, 3, 2},  {2, 4, 15, 3, 3, 4},  {1, 3, 256, 16, 3, 2}, {16, 2, 33, 16, 3, 1},
        /* rows too wide for the weight gradient's shifted copies (k 3 past 1808 pixels, k 5 past
         * 640), wide rows one strip row at a time (1000), and many strips (80 rows of 64) */
        {2, 3, 2100, 3, 3, 3}, {1, 2, 1300, 2, 5, 2}, {1, 3, 1000, 2, 3, 3}, {3, 80, 64, 5, 3, 80},
        /* the AVX2 forward's padded copies: a strip's rows too many (one output row's at a time),
         * and one output row's too many (masked loads) */
        {16, 8, 200, 4, 3, 8}, {16, 3, 400, 4, 3, 3},
    };
    for (size_t i = 0; i < sizeof kernel_shapes / sizeof kernel_shapes[0]; i++) check_kernels(&kernel_shapes[i]);
    use_best_isa();
    printf("conv_direct isa %s\n", simd_level_name(simd_level()));

    /* layers: rows * W >= 16 * min(Cin, Cout) keeps them on the direct path (else im2col) */
    const Shape layer_shapes[] = {
        {1, 40, 36, 16, 3, 2}, {1, 7, 9, 3, 3, 2},   {16, 20, 64, 16, 3, 4}, {3, 10, 34, 5, 5, 2},
        {17, 6, 50, 9, 3, 6},  {2, 2, 16, 2, 3, 2},  {32, 16, 32, 32, 3, 16}, {1, 8, 8, 1, 1, 2},
        {65, 4, 272, 66, 3, 4},
    };
    for (size_t i = 0; i < sizeof layer_shapes / sizeof layer_shapes[0]; i++) {
        const Shape *s = &layer_shapes[i];
        check_layer(s, 0);
        if (s->H % 2 == 0 && s->W % 2 == 0 && s->rows % 2 == 0) check_layer(s, 1);
    }
    /* pooled widths: 1, 3, 8, 15, 16, 17, 27 (16 + 8 + 3), 40 windows: every block and tail */
    const Shape pool_shapes[] = {
        {1, 4, 2, 3, 3, 2},  {2, 6, 6, 4, 3, 2},    {1, 8, 16, 16, 3, 2}, {3, 4, 30, 5, 3, 4},
        {1, 6, 32, 16, 3, 2}, {4, 4, 34, 6, 3, 2},  {1, 10, 54, 16, 3, 2}, {16, 8, 80, 16, 3, 4},
        /* one input channel, 16k output channels, rows of 32k: the fused one-channel kernel */
        {1, 4, 64, 32, 3, 2}, {1, 8, 96, 16, 3, 4},
        /* 8+ input channels on direct2 (the stamps): padded lanes, two and four vectors of
         * channels, strips and 16-window chunks cut by the image edge */
        {8, 6, 34, 5, 3, 2}, {17, 4, 18, 3, 3, 4}, {64, 2, 36, 8, 3, 2}, {32, 10, 66, 16, 3, 2},
    };
    for (size_t i = 0; i < sizeof pool_shapes / sizeof pool_shapes[0]; i++) {
        for (int mode = 0; mode < 3; mode++) { /* small integers (ties), with a NaN, random (rounding) */
            check_pool_isas(&pool_shapes[i], mode == 1, mode < 2, CONV_PATH_DIRECT);
            check_pool_isas(&pool_shapes[i], mode == 1, mode < 2, CONV_PATH_DIRECT2);
            check_pool_isas(&pool_shapes[i], mode == 1, mode < 2, CONV_PATH_DIRECT3);
        }
    }
    /* the first-layer gradients from the pooled gradient: odd sizes, one window, pooled widths
     * around the 8- and 16-pixel chunks, several input channels, channel counts off 16 */
    const Shape pool_dweight_shapes[] = {
        {1, 2, 2, 1, 3, 0},   {1, 5, 7, 3, 3, 0},   {2, 7, 31, 16, 3, 0}, {1, 4, 32, 16, 3, 0},
        {1, 6, 34, 17, 3, 0}, {3, 9, 66, 5, 3, 0},  {1, 12, 256, 16, 3, 0}, {4, 3, 17, 2, 3, 0},
        {1, 1, 8, 4, 3, 0},   {2, 8, 1, 3, 3, 0},
    };
    for (size_t i = 0; i < sizeof pool_dweight_shapes / sizeof pool_dweight_shapes[0]; i++)
        for (int nan = 0; nan < 2; nan++)
            for (int windows = 0; windows < 2; windows++) check_pool_dweight(&pool_dweight_shapes[i], nan, windows);
    return check_failures ? 1 : 0;
}
