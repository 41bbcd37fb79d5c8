/* test_layers.c - every layer's backward against central finite differences of its forward,
 * on small random shapes. The scalar loss is sum(R * out) for a fixed random R, accumulated in
 * double; FD step 2^-12; tolerance 2e-2 of the gradient's largest magnitude (float forward). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "seedsweep/layers.h"
#include "seedsweep/model.h"
#include "seedsweep/rng.h"

static Rng rng;
static float *random_array(long n, float scale) {
    float *a = malloc(sizeof(float) * (size_t)(n > 0 ? n : 1));
    for (long i = 0; i < n; i++) a[i] = (float)((2.0 * rng_uniform(&rng) - 1.0) * scale);
    return a;
}

typedef double (*LossFn)(void *ctx);

/* Largest |analytic - numeric| over the largest |numeric| (floored). */
static double fd_error(float *x, long n, const float *analytic, LossFn loss, void *ctx) {
    const float h = 0x1p-12f; /* small enough to rarely straddle a ReLU or max kink */
    double worst = 0.0, scale = 1e-3;
    double *numeric = malloc(sizeof(double) * (size_t)n);
    for (long i = 0; i < n; i++) {
        float saved = x[i];
        x[i] = saved + h;
        double up = loss(ctx);
        x[i] = saved - h;
        double down = loss(ctx);
        x[i] = saved;
        numeric[i] = (up - down) / (2.0 * h);
        if (fabs(numeric[i]) > scale) scale = fabs(numeric[i]);
    }
    for (long i = 0; i < n; i++) {
        double d = fabs(analytic[i] - numeric[i]);
        if (d > worst || d != d) worst = d != d ? INFINITY : d;
    }
    free(numeric);
    return worst / scale;
}

static double dot(const float *a, const float *r, long n) {
    double s = 0.0;
    for (long i = 0; i < n; i++) s += (double)a[i] * r[i];
    return s;
}

/* ---- convolution (optionally fused with pooling), processed in strips of `rows` ---- */
typedef struct ConvCase {
    int Cin, H, W, Cout, k, rows, pooled;
    ConvShape shape;
    ConvScratch scratch;
    float *in, *w, *b, *out, *R;
    uint8_t *argmax;
} ConvCase;

static long conv_out_size(const ConvCase *c) {
    return (long)c->Cout * (c->pooled ? (c->H / 2) * (c->W / 2) : c->H * c->W);
}

static void conv_case_forward(ConvCase *c) {
    conv_forward(c->out, c->pooled ? c->argmax : NULL, c->in, c->w, c->b, &c->shape, &c->scratch);
}

static double conv_case_loss(void *ctx) {
    ConvCase *c = ctx;
    conv_case_forward(c);
    return dot(c->out, c->R, conv_out_size(c));
}

static void check_conv(int Cin, int H, int W, int Cout, int k, int rows, int pooled) {
    ConvCase c = {.Cin = Cin, .H = H, .W = W, .Cout = Cout, .k = k, .rows = rows, .pooled = pooled,
                  .shape = {.in_c = Cin, .h = H, .w = W, .out_c = Cout, .k = k, .pool = pooled, .images = 1,
                            .rows = rows}};
    long K = (long)Cin * k * k, n = (long)rows * W;
    c.in = random_array((long)Cin * H * W, 1.0f);
    c.w = random_array(Cout * K, 0.5f);
    c.b = random_array(Cout, 0.1f);
    c.out = calloc((size_t)Cout * H * W, sizeof(float));
    c.R = random_array(conv_out_size(&c), 1.0f);
    c.scratch.col = calloc((size_t)conv_col_floats(&c.shape), sizeof(float));
    c.scratch.conv = calloc((size_t)(Cout * n), sizeof(float));
    c.scratch.dconv = calloc((size_t)Cout * H * W, sizeof(float));
    c.scratch.dflipped = calloc((size_t)(Cout * K), sizeof(float));
    c.argmax = calloc((size_t)Cout * H * W, 1);
    float *din = calloc((size_t)Cin * H * W, sizeof(float)), *dw = calloc((size_t)(Cout * K), sizeof(float));
    float *db = calloc((size_t)Cout, sizeof(float));
    float *flipped = calloc((size_t)(Cout * K), sizeof(float));
    conv_flip_weights(flipped, c.w, Cin, Cout, k);
    conv_case_forward(&c);
    conv_backward(din, dw, db, c.R, c.out, pooled ? c.argmax : NULL, c.in, flipped, &c.shape, &c.scratch);
    const char *name = pooled ? "conv_relu_pool" : "conv_relu";
    double e;
    e = fd_error(c.in, (long)Cin * H * W, din, conv_case_loss, &c);
    CHECK(e < 2e-2, "%s_dinput_fd Cin%d %dx%d Cout%d k%d rows%d (err %.2g)", name, Cin, H, W, Cout, k, rows, e);
    e = fd_error(c.w, Cout * K, dw, conv_case_loss, &c);
    CHECK(e < 2e-2, "%s_dweight_fd Cin%d %dx%d Cout%d k%d rows%d (err %.2g)", name, Cin, H, W, Cout, k, rows, e);
    e = fd_error(c.b, Cout, db, conv_case_loss, &c);
    CHECK(e < 2e-2, "%s_dbias_fd Cin%d %dx%d Cout%d k%d rows%d (err %.2g)", name, Cin, H, W, Cout, k, rows, e);
    free(c.in); free(c.w); free(c.b); free(c.out); free(c.R); free(c.scratch.col); free(c.scratch.conv);
    free(c.scratch.dconv); free(c.scratch.dflipped); free(c.argmax); free(din); free(dw); free(db); free(flipped);
}

/* ---- the same on a group of G images through the *_group functions ---- */
typedef struct GroupCase {
    int Cin, H, W, Cout, k, G, pooled;
    ConvShape shape;
    ConvScratch scratch;
    float *in, *w, *b, *out, *R;
    uint8_t *argmax;
} GroupCase;

static long group_out_size(const GroupCase *c) {
    return (long)c->G * c->Cout * (c->pooled ? (c->H / 2) * (c->W / 2) : c->H * c->W);
}

static double group_case_loss(void *ctx) {
    GroupCase *c = ctx;
    conv_forward(c->out, c->pooled ? c->argmax : NULL, c->in, c->w, c->b, &c->shape, &c->scratch);
    return dot(c->out, c->R, group_out_size(c));
}

static void check_group(int Cin, int H, int W, int Cout, int k, int G, int pooled) {
    GroupCase c = {.Cin = Cin, .H = H, .W = W, .Cout = Cout, .k = k, .G = G, .pooled = pooled,
                   .shape = {.in_c = Cin, .h = H, .w = W, .out_c = Cout, .k = k, .pool = pooled, .images = G,
                             .rows = 0}};
    long hw = (long)H * W, n = G * hw, K = (long)Cin * k * k;
    c.in = random_array(G * Cin * hw, 1.0f);
    c.w = random_array(Cout * K, 0.5f);
    c.b = random_array(Cout, 0.1f);
    c.out = calloc((size_t)(G * Cout * hw), sizeof(float));
    c.R = random_array(group_out_size(&c), 1.0f);
    c.scratch.col = calloc((size_t)conv_col_floats(&c.shape), sizeof(float));
    c.scratch.conv = calloc((size_t)((Cin > Cout ? Cin : Cout) * n), sizeof(float));
    c.scratch.dconv = calloc((size_t)(Cout * n), sizeof(float));
    c.argmax = calloc((size_t)(G * Cout * hw), 1);
    float *din = calloc((size_t)(G * Cin * hw), sizeof(float)), *dw = calloc((size_t)(Cout * K), sizeof(float));
    float *db = calloc((size_t)Cout, sizeof(float)), *flipped = calloc((size_t)(Cout * K), sizeof(float));
    conv_flip_weights(flipped, c.w, Cin, Cout, k);
    group_case_loss(&c);
    conv_backward(din, dw, db, c.R, c.out, pooled ? c.argmax : NULL, c.in, flipped, &c.shape, &c.scratch);
    double e1 = fd_error(c.in, G * Cin * hw, din, group_case_loss, &c);
    double e2 = fd_error(c.w, Cout * K, dw, group_case_loss, &c);
    double e3 = fd_error(c.b, Cout, db, group_case_loss, &c);
    CHECK(e1 < 2e-2 && e2 < 2e-2 && e3 < 2e-2, "%s_group_fd G%d Cin%d %dx%d Cout%d k%d (dinput %.2g dweight %.2g dbias %.2g)",
          pooled ? "conv_relu_pool" : "conv_relu", G, Cin, H, W, Cout, k, e1, e2, e3);
    free(c.in); free(c.w); free(c.b); free(c.out); free(c.R); free(c.scratch.col); free(c.scratch.conv);
    free(c.scratch.dconv); free(c.argmax); free(din); free(dw); free(db); free(flipped);
}

/* ---- max pool ---- */
typedef struct PoolCase { int C, H, W; float *in, *out, *R; uint8_t *argmax; } PoolCase;
static double pool_case_loss(void *ctx) {
    PoolCase *p = ctx;
    maxpool_forward(p->out, p->argmax, p->in, p->C, p->H, p->W);
    return dot(p->out, p->R, (long)p->C * (p->H / 2) * (p->W / 2));
}

/* ---- dense ---- */
typedef struct DenseCase { int B, In, Out, relu; float *in, *w, *b, *out, *R; } DenseCase;
static double dense_case_loss(void *ctx) {
    DenseCase *d = ctx;
    dense_forward(d->out, d->in, d->w, d->b, d->B, d->In, d->Out, d->relu);
    return dot(d->out, d->R, (long)d->B * d->Out);
}

/* ---- softmax + cross-entropy (mean over the batch) ---- */
typedef struct XentCase { int B, C; float *logits, *probs, *losses; uint8_t *labels; } XentCase;
static double xent_case_loss(void *ctx) {
    XentCase *x = ctx;
    softmax_xent_forward(x->probs, x->losses, x->logits, x->labels, x->B, x->C);
    double s = 0;
    for (int b = 0; b < x->B; b++) s += x->losses[b];
    return s / x->B;
}

int main(void) {
    rng = rng_stream(42, RNG_PURPOSE_TEST);

    /* im2col and col2im are adjoint: <col2im(c), x> == <c, im2col(x)>. */
    {
        int C = 3, H = 7, W = 6, k = 5, y0 = 2, rows = 3;
        long K = (long)C * k * k, n = (long)rows * W;
        float *x = random_array((long)C * H * W, 1.0f), *c = random_array(K * n, 1.0f);
        float *colx = calloc((size_t)(K * n), sizeof(float)), *cx = calloc((size_t)C * H * W, sizeof(float));
        im2col_rows(colx, x, C, H, W, k, y0, rows);
        col2im_rows(cx, c, C, H, W, k, y0, rows);
        double a = dot(cx, x, (long)C * H * W), b = dot(colx, c, K * n);
        CHECK(fabs(a - b) < 1e-4 * (fabs(a) + 1), "im2col_col2im_adjoint (%.6f vs %.6f)", a, b);
        free(x); free(c); free(colx); free(cx);
    }

    check_conv(2, 6, 5, 3, 3, 2, 0);   /* strips of 2 rows, last strip short: 6 = 2+2+2 */
    check_conv(2, 7, 5, 3, 3, 3, 0);   /* 7 = 3+3+1 */
    check_conv(3, 5, 6, 2, 5, 5, 0);   /* 5x5 kernel */
    check_conv(1, 6, 6, 4, 3, 6, 0);   /* one input channel (the first layer) */
    check_conv(2, 6, 8, 3, 3, 2, 1);   /* fused pool, strips of 2 */
    check_conv(3, 8, 6, 2, 3, 4, 1);
    check_conv(2, 6, 6, 3, 5, 6, 1);   /* fused pool, 5x5 kernel */
    check_conv(1, 8, 8, 4, 1, 8, 1);   /* 1x1 kernel */
    check_conv(2, 4, 22, 3, 3, 2, 1);  /* 11 windows a row: the 8-wide vector path and its tail */
    check_conv(2, 5, 17, 2, 3, 3, 0);
    check_group(2, 4, 4, 3, 3, 3, 1);
    check_group(3, 4, 6, 2, 3, 2, 0);
    check_group(2, 2, 2, 4, 3, 4, 1);   /* 2x2 images, as the seed network's last conv */
    check_group(2, 5, 3, 2, 5, 3, 0);   /* 5x5 kernel larger than the image */
    check_conv(8, 6, 10, 3, 3, 2, 1);  /* 8 input channels and more, pooled, 3x3: the direct2 and direct3 stamps */
    check_conv(17, 6, 8, 2, 3, 2, 1);  /* input channels past one vector */

    {
        PoolCase p = {.C = 3, .H = 6, .W = 8};
        long n = (long)p.C * p.H * p.W, m = n / 4;
        p.in = random_array(n, 1.0f);
        p.out = calloc((size_t)m, sizeof(float));
        p.R = random_array(m, 1.0f);
        p.argmax = calloc((size_t)m, 1);
        float *din = calloc((size_t)n, sizeof(float));
        pool_case_loss(&p);
        maxpool_backward(din, p.R, p.argmax, p.C, p.H, p.W);
        double e = fd_error(p.in, n, din, pool_case_loss, &p);
        CHECK(e < 2e-2, "maxpool_dinput_fd (err %.2g)", e);
        free(p.in); free(p.out); free(p.R); free(p.argmax); free(din);
    }

    for (int relu = 0; relu <= 1; relu++) {
        DenseCase d = {.B = 5, .In = 7, .Out = 4, .relu = relu};
        d.in = random_array(d.B * d.In, 1.0f);
        d.w = random_array(d.Out * d.In, 0.5f);
        d.b = random_array(d.Out, 0.2f);
        d.out = calloc((size_t)(d.B * d.Out), sizeof(float));
        d.R = random_array(d.B * d.Out, 1.0f);
        float *dout = malloc(sizeof(float) * (size_t)(d.B * d.Out));
        memcpy(dout, d.R, sizeof(float) * (size_t)(d.B * d.Out));
        float *din = calloc((size_t)(d.B * d.In), sizeof(float)), *dw = calloc((size_t)(d.Out * d.In), sizeof(float));
        float *db = calloc((size_t)d.Out, sizeof(float));
        dense_case_loss(&d);
        dense_backward(din, dw, db, dout, d.out, d.in, d.w, d.B, d.In, d.Out, relu);
        double e1 = fd_error(d.in, d.B * d.In, din, dense_case_loss, &d);
        double e2 = fd_error(d.w, d.Out * d.In, dw, dense_case_loss, &d);
        double e3 = fd_error(d.b, d.Out, db, dense_case_loss, &d);
        CHECK(e1 < 2e-2 && e2 < 2e-2 && e3 < 2e-2, "dense%s_fd (dinput %.2g, dweight %.2g, dbias %.2g)",
              relu ? "_relu" : "", e1, e2, e3);
        free(d.in); free(d.w); free(d.b); free(d.out); free(d.R); free(dout); free(din); free(dw); free(db);
    }

    {
        XentCase x = {.B = 4, .C = 3};
        x.logits = random_array(12, 3.0f);
        x.probs = calloc(12, sizeof(float));
        x.losses = calloc(4, sizeof(float));
        uint8_t labels[4] = {0, 2, 1, 2};
        x.labels = labels;
        float *dl = calloc(12, sizeof(float));
        xent_case_loss(&x);
        softmax_xent_backward(dl, x.probs, labels, 4, 3, 0.25f);
        double e = fd_error(x.logits, 12, dl, xent_case_loss, &x);
        CHECK(e < 2e-2, "softmax_xent_dlogits_fd (err %.2g)", e);
        /* A confident, right prediction: loss tiny but exact (log-sum-exp, no log(0)). */
        float big[2] = {100.0f, -100.0f}, p[2], l;
        uint8_t lab = 1;
        softmax_xent_forward(p, &l, big, &lab, 1, 2);
        CHECK(isfinite(l) && fabs(l - 200.0f) < 1e-3, "softmax_xent_confident_wrong_is_finite (%g)", l);
        free(x.logits); free(x.probs); free(x.losses); free(dl);
    }
    return check_exit();
}
