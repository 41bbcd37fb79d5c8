/* layers.h - the network's ops as forward/backward pairs over plain float arrays (llm.c style).
 * Layout: one image is CHW (channel-major), a batch is images side by side. Conv weights are
 * [Cout][Cin][k][k] and dense weights [out][in], as in PyTorch. Backward functions ACCUMULATE
 * (+=) into every gradient they produce (dinput, dweight, dbias); callers zero them first.
 * Convolutions work on a strip of output rows [y0, y0+rows) of one image at a time so the
 * im2col buffer stays in cache; BLAS (cblas_sgemm) does the arithmetic. */
#ifndef SEEDSWEEP_LAYERS_H
#define SEEDSWEEP_LAYERS_H

#include <stdint.h>

/* col[(c*k+ky)*k+kx][r*W+x] = in[c][y0+r+ky-k/2][x+kx-k/2] ('same' zero padding). */
void im2col_rows(float *col, const float *in, int C, int H, int W, int k, int y0, int rows);
/* The adjoint: din[c][..][..] += col[..][..]. */
void col2im_rows(float *din, const float *col, int C, int H, int W, int k, int y0, int rows);

/* out[Cout][H][W] = relu(conv(in) + bias) for output rows [y0, y0+rows); col: K*rows*W scratch. */
void conv_relu_forward_rows(float *out, float *col, const float *in, const float *weight,
                            const float *bias, int Cin, int H, int W, int Cout, int k, int y0, int rows);
/* Gradients of the rows above given dout (full image) and out (post-ReLU). dconv: Cout*rows*W
 * scratch, col/dcol: K*rows*W scratch; din may be NULL (first layer). */
void conv_relu_backward_rows(float *din, float *dweight, float *dbias, float *dconv, float *col,
                             float *dcol, const float *dout, const float *out, const float *in,
                             const float *weight, int Cin, int H, int W, int Cout, int k, int y0, int rows);

/* Fused conv + bias + ReLU + 2x2/2 max pool: pooled[Cout][H/2][W/2] for conv rows [y0, y0+rows)
 * (y0 and rows even). argmax (0..3, row-major in the window) remembers the winner so the
 * backward pass never needs the full-resolution conv output. conv: Cout*rows*W scratch. */
void conv_relu_pool_forward_rows(float *pooled, uint8_t *argmax, float *conv, float *col,
                                 const float *in, const float *weight, const float *bias, int Cin,
                                 int H, int W, int Cout, int k, int y0, int rows);
void conv_relu_pool_backward_rows(float *din, float *dweight, float *dbias, float *dconv, float *col,
                                  float *dcol, const float *dpooled, const float *pooled,
                                  const uint8_t *argmax, const float *in, const float *weight, int Cin,
                                  int H, int W, int Cout, int k, int y0, int rows);

/* 2x2 stride-2 max pool of one image (H, W even). */
void maxpool_forward(float *out, uint8_t *argmax, const float *in, int C, int H, int W);
void maxpool_backward(float *din, const float *dout, const uint8_t *argmax, int C, int H, int W);

/* out[B][Out] = in[B][In] x weight^T + bias, then ReLU when relu != 0. */
void dense_forward(float *out, const float *in, const float *weight, const float *bias, int B, int In,
                   int Out, int relu);
/* With relu, dout is masked IN PLACE by out > 0 first. din may be NULL. */
void dense_backward(float *din, float *dweight, float *dbias, float *dout, const float *out,
                    const float *in, const float *weight, int B, int In, int Out, int relu);

/* probs = softmax(logits) per row; losses[b] = -log probs[b][label[b]]. */
void softmax_xent_forward(float *probs, float *losses, const float *logits, const uint8_t *labels,
                          int B, int C);
/* dlogits += (probs - onehot(label)) * scale; scale = 1/B for the batch-mean loss. */
void softmax_xent_backward(float *dlogits, const float *probs, const uint8_t *labels, int B, int C,
                           float scale);

/* The BLAS underneath (src/nn/blas.c keeps cblas.h inside src/nn/). */
const char *blas_core_name(void);   /* openblas_get_corename() */
const char *blas_config(void);      /* openblas_get_config() */
/* Measured sgemm rate (GFLOP/s) on an n x n x n gemm with BLAS using `threads` threads for
 * about `seconds`; BLAS is set back to one thread afterwards (the model's setting). */
double blas_sgemm_gflops(int n, int threads, double seconds);

#endif
