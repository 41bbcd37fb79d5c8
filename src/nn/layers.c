/* layers.c - forward/backward pairs of every op (see layers.h for layouts and conventions).
 * Convolution = im2col on a strip of output rows + one cblas_sgemm; the sgemm runs on the
 * calling thread (the model sets OpenBLAS to one thread and parallelises over images). */
#include <cblas.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "seedsweep/layers.h"

void im2col_rows(float *col, const float *in, int C, int H, int W, int k, int y0, int rows) {
    int pad = k / 2;
    long n = (long)rows * W;
    for (int c = 0; c < C; c++) {
        for (int ky = 0; ky < k; ky++) {
            for (int kx = 0; kx < k; kx++) {
                float *dst = col + ((long)(c * k + ky) * k + kx) * n;
                int x_lo = pad - kx > 0 ? pad - kx : 0;            /* first x with ix >= 0 */
                int x_hi = W + pad - kx < W ? W + pad - kx : W;    /* one past last x with ix < W */
                for (int r = 0; r < rows; r++) {
                    int iy = y0 + r + ky - pad;
                    float *d = dst + (long)r * W;
                    if (iy < 0 || iy >= H || x_hi <= x_lo) {
                        memset(d, 0, sizeof(float) * (size_t)W);
                        continue;
                    }
                    const float *s = in + ((long)c * H + iy) * W + (kx - pad);
                    for (int x = 0; x < x_lo; x++) d[x] = 0.0f;
                    memcpy(d + x_lo, s + x_lo, sizeof(float) * (size_t)(x_hi - x_lo));
                    for (int x = x_hi; x < W; x++) d[x] = 0.0f;
                }
            }
        }
    }
}

void col2im_rows(float *din, const float *col, int C, int H, int W, int k, int y0, int rows) {
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

/* conv rows into out (row stride ldo), without bias: out[Cout][rows*W]. */
static void conv_rows_gemm(float *out, long ldo, float *col, const float *in, const float *weight,
                           int Cin, int H, int W, int Cout, int k, int y0, int rows) {
    int K = Cin * k * k;
    int n = rows * W;
    im2col_rows(col, in, Cin, H, W, k, y0, rows);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Cout, n, K, 1.0f, weight, K, col, n, 0.0f,
                out, (int)ldo);
}

/* dweight += dconv x col^T; din += col2im(weight^T x dconv). col must hold im2col of the rows. */
static void conv_rows_backward_gemm(float *din, float *dweight, const float *dconv, float *col,
                                    float *dcol, const float *in, const float *weight, int Cin, int H,
                                    int W, int Cout, int k, int y0, int rows) {
    int K = Cin * k * k;
    int n = rows * W;
    im2col_rows(col, in, Cin, H, W, k, y0, rows);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Cout, K, n, 1.0f, dconv, n, col, n, 1.0f,
                dweight, K);
    if (din) {
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, n, Cout, 1.0f, weight, K, dconv, n,
                    0.0f, dcol, n);
        col2im_rows(din, dcol, Cin, H, W, k, y0, rows);
    }
}

void conv_relu_forward_rows(float *out, float *col, const float *in, const float *weight,
                            const float *bias, int Cin, int H, int W, int Cout, int k, int y0, int rows) {
    long hw = (long)H * W;
    int n = rows * W;
    float *base = out + (long)y0 * W;
    conv_rows_gemm(base, hw, col, in, weight, Cin, H, W, Cout, k, y0, rows);
    for (int co = 0; co < Cout; co++) {
        float *o = base + co * hw;
        float b = bias[co];
        for (int i = 0; i < n; i++) {
            float v = o[i] + b;
            o[i] = v > 0.0f ? v : 0.0f;
        }
    }
}

void conv_relu_backward_rows(float *din, float *dweight, float *dbias, float *dconv, float *col,
                             float *dcol, const float *dout, const float *out, const float *in,
                             const float *weight, int Cin, int H, int W, int Cout, int k, int y0, int rows) {
    long hw = (long)H * W;
    int n = rows * W;
    for (int co = 0; co < Cout; co++) {
        const float *g = dout + co * hw + (long)y0 * W;
        const float *o = out + co * hw + (long)y0 * W;
        float *d = dconv + (long)co * n;
        float sum = 0.0f;
        for (int i = 0; i < n; i++) {
            d[i] = o[i] > 0.0f ? g[i] : 0.0f;
            sum += d[i];
        }
        dbias[co] += sum;
    }
    conv_rows_backward_gemm(din, dweight, dconv, col, dcol, in, weight, Cin, H, W, Cout, k, y0, rows);
}

void conv_relu_pool_forward_rows(float *pooled, uint8_t *argmax, float *conv, float *col,
                                 const float *in, const float *weight, const float *bias, int Cin,
                                 int H, int W, int Cout, int k, int y0, int rows) {
    int n = rows * W;
    int Hp = H / 2, Wp = W / 2;
    conv_rows_gemm(conv, n, col, in, weight, Cin, H, W, Cout, k, y0, rows);
    for (int co = 0; co < Cout; co++) {
        const float *c = conv + (long)co * n;
        float b = bias[co];
        for (int r = 0; r < rows; r += 2) {
            long prow = ((long)co * Hp + (y0 + r) / 2) * Wp;
            const float *top = c + (long)r * W, *bot = top + W;
            float *p = pooled + prow;
            uint8_t *a = argmax + prow;
            for (int x = 0; x < Wp; x++) {
                /* Bias first, then max: the same rounding as conv(bias) -> relu -> pool. First
                 * maximum wins ties, as PyTorch's CPU max_pool2d does. */
                float v0 = top[2 * x] + b, v1 = top[2 * x + 1] + b;
                float v2 = bot[2 * x] + b, v3 = bot[2 * x + 1] + b;
                float m = v0;
                uint8_t i = 0;
                if (v1 > m) { m = v1; i = 1; }
                if (v2 > m) { m = v2; i = 2; }
                if (v3 > m) { m = v3; i = 3; }
                p[x] = m > 0.0f ? m : 0.0f;
                a[x] = i;
            }
        }
    }
}

void conv_relu_pool_backward_rows(float *din, float *dweight, float *dbias, float *dconv, float *col,
                                  float *dcol, const float *dpooled, const float *pooled,
                                  const uint8_t *argmax, const float *in, const float *weight, int Cin,
                                  int H, int W, int Cout, int k, int y0, int rows) {
    int n = rows * W;
    int Hp = H / 2, Wp = W / 2;
    memset(dconv, 0, sizeof(float) * (size_t)Cout * n);
    for (int co = 0; co < Cout; co++) {
        float *d = dconv + (long)co * n;
        float sum = 0.0f;
        for (int r = 0; r < rows; r += 2) {
            long prow = ((long)co * Hp + (y0 + r) / 2) * Wp;
            const float *g = dpooled + prow, *p = pooled + prow;
            const uint8_t *a = argmax + prow;
            float *top = d + (long)r * W;
            for (int x = 0; x < Wp; x++) {
                /* The gradient reaches the window's winner only where ReLU let it through;
                 * branch-free scatter: winner a sits at row a/2, column a%2 of the window. */
                float v = p[x] > 0.0f ? g[x] : 0.0f;
                top[2 * x + (a[x] >> 1) * W + (a[x] & 1)] = v;
                sum += v;
            }
        }
        dbias[co] += sum;
    }
    conv_rows_backward_gemm(din, dweight, dconv, col, dcol, in, weight, Cin, H, W, Cout, k, y0, rows);
}

void maxpool_forward(float *out, uint8_t *argmax, const float *in, int C, int H, int W) {
    int Hp = H / 2, Wp = W / 2;
    for (int c = 0; c < C; c++) {
        for (int y = 0; y < Hp; y++) {
            const float *top = in + ((long)c * H + 2 * y) * W, *bot = top + W;
            float *o = out + ((long)c * Hp + y) * Wp;
            uint8_t *a = argmax + ((long)c * Hp + y) * Wp;
            for (int x = 0; x < Wp; x++) {
                float m = top[2 * x];
                uint8_t i = 0;
                if (top[2 * x + 1] > m) { m = top[2 * x + 1]; i = 1; }
                if (bot[2 * x] > m) { m = bot[2 * x]; i = 2; }
                if (bot[2 * x + 1] > m) { m = bot[2 * x + 1]; i = 3; }
                o[x] = m;
                a[x] = i;
            }
        }
    }
}

void maxpool_backward(float *din, const float *dout, const uint8_t *argmax, int C, int H, int W) {
    int Hp = H / 2, Wp = W / 2;
    for (int c = 0; c < C; c++) {
        for (int y = 0; y < Hp; y++) {
            float *top = din + ((long)c * H + 2 * y) * W, *bot = top + W;
            const float *g = dout + ((long)c * Hp + y) * Wp;
            const uint8_t *a = argmax + ((long)c * Hp + y) * Wp;
            for (int x = 0; x < Wp; x++) {
                float *dst = a[x] < 2 ? top + 2 * x + a[x] : bot + 2 * x + (a[x] - 2);
                *dst += g[x];
            }
        }
    }
}

void dense_forward(float *out, const float *in, const float *weight, const float *bias, int B, int In,
                   int Out, int relu) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, Out, In, 1.0f, in, In, weight, In, 0.0f, out,
                Out);
    for (int b = 0; b < B; b++) {
        float *o = out + (long)b * Out;
        for (int j = 0; j < Out; j++) {
            float v = o[j] + bias[j];
            o[j] = (relu && !(v > 0.0f)) ? 0.0f : v;
        }
    }
}

void dense_backward(float *din, float *dweight, float *dbias, float *dout, const float *out,
                    const float *in, const float *weight, int B, int In, int Out, int relu) {
    if (relu)
        for (long i = 0; i < (long)B * Out; i++)
            if (!(out[i] > 0.0f)) dout[i] = 0.0f;
    for (int b = 0; b < B; b++)
        for (int j = 0; j < Out; j++) dbias[j] += dout[(long)b * Out + j];
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Out, In, B, 1.0f, dout, Out, in, In, 1.0f,
                dweight, In);
    if (din)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, In, Out, 1.0f, dout, Out, weight, In,
                    1.0f, din, In);
}

void softmax_xent_forward(float *probs, float *losses, const float *logits, const uint8_t *labels,
                          int B, int C) {
    for (int b = 0; b < B; b++) {
        const float *z = logits + (long)b * C;
        float *p = probs + (long)b * C;
        float m = -FLT_MAX;
        for (int j = 0; j < C; j++) m = z[j] > m ? z[j] : m;
        double sum = 0.0;
        for (int j = 0; j < C; j++) sum += exp((double)z[j] - m);
        for (int j = 0; j < C; j++) p[j] = (float)(exp((double)z[j] - m) / sum);
        /* -log softmax from the log-sum-exp, not log(p): exact for confident predictions. */
        if (losses) losses[b] = (float)(log(sum) - ((double)z[labels ? labels[b] : 0] - m));
    }
}

void softmax_xent_backward(float *dlogits, const float *probs, const uint8_t *labels, int B, int C,
                           float scale) {
    for (int b = 0; b < B; b++)
        for (int j = 0; j < C; j++) {
            float target = labels[b] == j ? 1.0f : 0.0f;
            dlogits[(long)b * C + j] += (probs[(long)b * C + j] - target) * scale;
        }
}
