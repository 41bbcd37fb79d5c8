/* pool_dense_softmax.c - the ops outside convolution, declared in layers.h with the rest: a 2x2
 * max pool on its own (a pool right after a conv is fused into it, layers.c), dense layers as one
 * batched sgemm, and softmax + cross-entropy. */
#include <cblas.h>
#include <float.h>
#include <math.h>

#include "seedsweep/layers.h"

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
            o[j] = (relu && v < 0.0f) ? 0.0f : v;
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
