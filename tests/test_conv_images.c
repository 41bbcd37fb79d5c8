/* test_conv_images.c - the small-image kernels (conv_images.h) against a double-precision
 * reference and the AVX-512, AVX2 and portable code bit for bit, over 1..70 channels (vector
 * blocks and their tails), images of 1x1 to 16x16 and odd ones, k 1..5, groups of 1..20 images,
 * on random data and on small integers full of exact zeros, -0 and ties; then whole conv layers
 * of the group lowering on SEEDSWEEP_CONV=direct3 (direct2 runs the same kernels) against im2col
 * + sgemm, pooled or not, forward and backward, the input gradient written over garbage. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "seedsweep/conv_direct.h"
#include "seedsweep/conv_images.h"
#include "seedsweep/layers.h"
#include "seedsweep/rng.h"
#include "seedsweep/simd.h"

static Rng rng;
static float *random_array(long n, float scale, int integers) {
    float *a = malloc(sizeof(float) * (size_t)(n > 0 ? n : 1));
    for (long i = 0; i < n; i++) {
        float v = (float)((2.0 * rng_uniform(&rng) - 1.0) * scale);
        a[i] = integers ? (float)(int)(2.5f * v) : v; /* integers: -2..2, a third of them zeros */
        if (integers && a[i] == 0.0f && rng_uniform(&rng) < 0.5) a[i] = -0.0f;
    }
    return a;
}
static float *zeros(long n) { return calloc((size_t)(n > 0 ? n : 1), sizeof(float)); }

static void use_best_isa(void) {
    if (simd_use("avx512") != 0 && simd_use("avx2") != 0) simd_use("portable");
}

typedef struct Shape {
    int G, Cin, H, W, Cout, k;
} Shape;

/* ---- the kernels alone, on the group layout of layers.c: in image-major, out and dconv
 * [channel][G*H*W] ---- */
typedef struct KernelOut {
    float *out, *out0, *dweight;
} KernelOut;

static void run_kernels(KernelOut *r, const Shape *s, const float *in, const float *w, const float *b,
                        const float *dconv, const float *start) {
    long hw = (long)s->H * s->W, n = s->G * hw, nw = (long)s->Cout * s->Cin * s->k * s->k;
    float *scratch = malloc(sizeof(float) * (size_t)conv_images_scratch_floats(s->Cin, s->H, s->W, s->Cout, s->k));
    r->out = random_array(s->Cout * n, 1.0f, 0); /* written, whatever it held */
    r->out0 = random_array(s->Cout * n, 1.0f, 0);
    r->dweight = malloc(sizeof(float) * (size_t)nw);
    memcpy(r->dweight, start, sizeof(float) * (size_t)nw);
    conv_images_forward(r->out, hw, n, in, s->Cin * hw, hw, w, b, s->G, s->Cin, s->H, s->W, s->Cout, s->k, scratch);
    conv_images_forward(r->out0, hw, n, in, s->Cin * hw, hw, w, NULL, s->G, s->Cin, s->H, s->W, s->Cout, s->k,
                        scratch);
    conv_images_dweight(r->dweight, dconv, hw, n, in, s->Cin * hw, hw, s->G, s->Cin, s->H, s->W, s->Cout, s->k,
                        scratch);
    free(scratch);
}

static void free_kernel_out(KernelOut *r) { free(r->out), free(r->out0), free(r->dweight); }

static void check_kernels(const Shape *s, int integers) {
    const long hw = (long)s->H * s->W, n = s->G * hw, kk = (long)s->k * s->k, nw = s->Cout * s->Cin * kk;
    const int p = s->k / 2;
    float *in = random_array(s->G * s->Cin * hw, 1.0f, integers), *w = random_array(nw, 0.5f, integers);
    float *b = random_array(s->Cout, 0.1f, integers), *dconv = random_array(s->Cout * n, 1.0f, integers);
    float *start = random_array(nw, 1.0f, integers);
    double *ref_out = calloc((size_t)(s->Cout * n), sizeof(double)), *ref_dw = calloc((size_t)nw, sizeof(double));
    double *ref_b = malloc(sizeof(double) * (size_t)(s->Cout * n));
    for (long i = 0; i < nw; i++) ref_dw[i] = start[i];
    for (int g = 0; g < s->G; g++)
        for (int co = 0; co < s->Cout; co++)
            for (int y = 0; y < s->H; y++)
                for (int x = 0; x < s->W; x++) {
                    const long o = co * n + g * hw + (long)y * s->W + x;
                    double a = 0.0;
                    for (int ci = 0; ci < s->Cin; ci++)
                        for (int ky = 0; ky < s->k; ky++)
                            for (int kx = 0; kx < s->k; kx++) {
                                int iy = y + ky - p, ix = x + kx - p;
                                if (iy < 0 || iy >= s->H || ix < 0 || ix >= s->W) continue;
                                double v = in[((long)g * s->Cin + ci) * hw + (long)iy * s->W + ix];
                                long t = ((long)co * s->Cin + ci) * kk + ky * s->k + kx;
                                a += w[t] * v;
                                ref_dw[t] += dconv[o] * v;
                            }
                    ref_out[o] = a;
                    ref_b[o] = a + b[co];
                }
    const char *isas[] = {"portable", "avx2", "avx512"};
    KernelOut base = {0};
    for (int i = 0; i < 3; i++) {
        if (simd_use(isas[i]) != 0) {
            SKIP("conv_images %s: not on this CPU", isas[i]);
            continue;
        }
        KernelOut r;
        run_kernels(&r, s, in, w, b, dconv, start);
        double e1 = rel_err(r.out, ref_b, s->Cout * n), e2 = rel_err(r.out0, ref_out, s->Cout * n);
        double e3 = rel_err(r.dweight, ref_dw, nw);
        CHECK(e1 < 1e-5 && e2 < 1e-5 && e3 < 1e-5,
              "conv_images_%s_vs_double G%d Cin%d %dx%d Cout%d k%d%s (forward %.2g, no bias %.2g, dweight %.2g)",
              isas[i], s->G, s->Cin, s->H, s->W, s->Cout, s->k, integers ? " integers" : "", e1, e2, e3);
        if (i == 0) {
            base = r;
            continue;
        }
        CHECK(same_bits(r.out, base.out, s->Cout * n) && same_bits(r.out0, base.out0, s->Cout * n) &&
                  same_bits(r.dweight, base.dweight, nw),
              "conv_images_%s_bit_identical_to_portable G%d Cin%d %dx%d Cout%d k%d%s", isas[i], s->G, s->Cin, s->H,
              s->W, s->Cout, s->k, integers ? " integers" : "");
        free_kernel_out(&r);
    }
    free_kernel_out(&base);
    use_best_isa();
    free(in), free(w), free(b), free(dconv), free(start), free(ref_out), free(ref_dw), free(ref_b);
}

/* ---- whole layers of the group lowering (ConvShape.rows 0) through conv_forward/backward ---- */
typedef struct LayerOut {
    float *out, *din, *dweight, *dbias, *dweight_first;
    uint8_t *argmax;
} LayerOut;

static void run_layer(LayerOut *r, const Shape *s, int pooled, const float *in, const float *w, const float *b,
                      const float *R) {
    const long hw = (long)s->H * s->W, n = s->G * hw, kk = (long)s->k * s->k, nw = s->Cout * s->Cin * kk;
    const long cmax = s->Cin > s->Cout ? s->Cin : s->Cout, out_n = s->G * s->Cout * (pooled ? hw / 4 : hw);
    long col = cmax * kk * n, need = conv_images_scratch_floats(s->Cin, s->H, s->W, s->Cout, s->k);
    ConvShape shape = {.in_c = s->Cin, .h = s->H, .w = s->W, .out_c = s->Cout, .k = s->k, .pool = pooled,
                       .images = s->G, .rows = 0};
    ConvScratch scratch = {.col = zeros(col > need ? col : need), .conv = zeros(cmax * n),
                           .dconv = zeros(s->Cout * n), .dflipped = zeros(nw)};
    float *flipped = zeros(nw);
    conv_flip_weights(flipped, w, s->Cin, s->Cout, s->k);
    r->out = zeros(out_n);
    r->argmax = calloc((size_t)out_n + 1, 1);
    r->din = random_array(s->G * s->Cin * hw, 1.0f, 0); /* garbage: conv_backward writes din */
    for (long i = 0; i < s->G * s->Cin * hw; i += 5) r->din[i] = NAN;
    r->dweight = zeros(nw), r->dbias = zeros(s->Cout), r->dweight_first = zeros(nw);
    float *dbias_first = zeros(s->Cout);
    uint8_t *argmax = pooled ? r->argmax : NULL;
    conv_forward(r->out, argmax, in, w, b, &shape, &scratch);
    conv_backward(r->din, r->dweight, r->dbias, R, r->out, argmax, in, flipped, &shape, &scratch);
    conv_backward(NULL, r->dweight_first, dbias_first, R, r->out, argmax, in, NULL, &shape, &scratch);
    free(scratch.col), free(scratch.conv), free(scratch.dconv), free(scratch.dflipped), free(flipped), free(dbias_first);
}

static void free_layer_out(LayerOut *r) {
    free(r->out), free(r->argmax), free(r->din), free(r->dweight), free(r->dbias), free(r->dweight_first);
}

static void check_layer(const Shape *s, int pooled) {
    const long hw = (long)s->H * s->W, nw = s->Cout * s->Cin * (long)s->k * s->k;
    const long out_n = s->G * s->Cout * (pooled ? hw / 4 : hw), in_n = s->G * s->Cin * hw;
    float *in = random_array(in_n, 1.0f, 0), *w = random_array(nw, 0.5f, 0), *b = random_array(s->Cout, 0.1f, 0);
    float *R = random_array(out_n, 1.0f, 0);
    LayerOut a, d;
    conv_path_set(CONV_PATH_IM2COL);
    run_layer(&a, s, pooled, in, w, b, R);
    conv_path_set(CONV_PATH_DIRECT3);
    run_layer(&d, s, pooled, in, w, b, R);
    double e_out = rel_err_f(d.out, a.out, out_n), e_din = rel_err_f(d.din, a.din, in_n);
    double e_dw = rel_err_f(d.dweight, a.dweight, nw), e_db = rel_err_f(d.dbias, a.dbias, s->Cout);
    double e_dw1 = rel_err_f(d.dweight_first, a.dweight_first, nw);
    int same_argmax = !pooled || memcmp(a.argmax, d.argmax, (size_t)out_n) == 0;
    CHECK(e_out < 1e-5 && e_din < 1e-5 && e_dw < 1e-5 && e_db < 1e-5 && e_dw1 < 1e-5 && same_argmax,
          "conv%s_group_direct3_vs_im2col G%d Cin%d %dx%d Cout%d k%d (out %.2g din %.2g dweight %.2g dbias %.2g "
          "dweight_first_layer %.2g argmax %s)",
          pooled ? "_pool" : "", s->G, s->Cin, s->H, s->W, s->Cout, s->k, e_out, e_din, e_dw, e_db, e_dw1,
          same_argmax ? "same" : "differs");
    /* the direct3 layer's bits do not depend on the vector code */
    const char *best = simd_level_name(simd_level()), *isas[] = {"portable", "avx2"};
    for (int i = 0; i < 2; i++) {
        if (!strcmp(isas[i], best) || simd_use(isas[i]) != 0) continue;
        LayerOut r;
        run_layer(&r, s, pooled, in, w, b, R);
        CHECK(same_bits(r.out, d.out, out_n) && same_bits(r.din, d.din, in_n) && same_bits(r.dweight, d.dweight, nw) &&
                  same_bits(r.dbias, d.dbias, s->Cout) && same_bits(r.dweight_first, d.dweight_first, nw),
              "conv%s_group_direct3_%s_bit_identical_to_%s G%d Cin%d %dx%d Cout%d", pooled ? "_pool" : "", isas[i],
              best, s->G, s->Cin, s->H, s->W, s->Cout);
        free_layer_out(&r);
        use_best_isa();
    }
    conv_path_set(CONV_PATH_DIRECT3);
    free_layer_out(&a), free_layer_out(&d);
    free(in), free(w), free(b), free(R);
}

int main(void) {
    rng = rng_stream(29, RNG_PURPOSE_TEST);
    const Shape kernel_shapes[] = {
        {1, 1, 1, 1, 1, 3},    {20, 64, 1, 1, 64, 3}, {3, 3, 1, 1, 5, 1},   {20, 64, 2, 2, 64, 3},
        {20, 64, 4, 4, 64, 3}, {8, 32, 8, 8, 64, 3},  {2, 32, 16, 16, 32, 3}, {2, 16, 16, 16, 32, 3},
        {4, 17, 5, 7, 33, 3},  {3, 65, 3, 3, 70, 3},  {2, 5, 9, 11, 3, 5},  {5, 2, 1, 20, 9, 3},
        {5, 3, 20, 1, 16, 3},  {2, 8, 6, 6, 48, 5},   {1, 1, 12, 12, 16, 3}, {6, 9, 4, 6, 1, 3},
    };
    for (size_t i = 0; i < sizeof kernel_shapes / sizeof kernel_shapes[0]; i++) {
        check_kernels(&kernel_shapes[i], 0);
        check_kernels(&kernel_shapes[i], 1);
    }
    use_best_isa();
    printf("conv_images isa %s\n", simd_level_name(simd_level()));

    const Shape layer_shapes[] = {
        {2, 32, 16, 16, 32, 3}, {8, 32, 8, 8, 64, 3}, {20, 64, 4, 4, 64, 3}, {20, 64, 2, 2, 64, 3},
        {7, 3, 6, 10, 5, 3},    {3, 17, 4, 4, 33, 5}, {20, 64, 1, 1, 64, 3}, {4, 1, 5, 9, 16, 1},
    };
    for (size_t i = 0; i < sizeof layer_shapes / sizeof layer_shapes[0]; i++) {
        const Shape *s = &layer_shapes[i];
        check_layer(s, 0);
        if (s->H % 2 == 0 && s->W % 2 == 0) check_layer(s, 1);
    }
    return check_failures ? 1 : 0;
}
