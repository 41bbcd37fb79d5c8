/* layers.h - the network's ops as forward/backward pairs over plain float arrays (llm.c style).
 * Layout: one image is CHW (channel-major), a batch is images side by side. Conv weights are
 * [Cout][Cin][k][k] and dense weights [out][in], as in PyTorch. Backward functions ACCUMULATE
 * (+=) into every gradient they produce (dinput, dweight, dbias); callers zero them first.
 * Convolutions are im2col + cblas_sgemm on strips of output rows of one image. */
#ifndef SEEDSWEEP_LAYERS_H
#define SEEDSWEEP_LAYERS_H

#include <stdint.h>

/* col[(c*k+ky)*k+kx][r*W+x] = in[c][y0+r+ky-k/2][x+kx-k/2] ('same' zero padding). */
void im2col_rows(float *col, const float *in, int C, int H, int W, int k, int y0, int rows);
/* The adjoint: din[c][..][..] += col[..][..]. */
void col2im_rows(float *din, const float *col, int C, int H, int W, int k, int y0, int rows);

/* Convolutions of one image, 'same' padding, processed in strips of `rows` output rows (the
 * last strip may be shorter) so that the im2col block stays in cache.
 * Forward: out[Cout][H][W] = relu(conv(in) + bias). col: Cin*k*k * rows*W scratch. */
void conv_relu_forward(float *out, float *col, const float *in, const float *weight, const float *bias,
                       int Cin, int H, int W, int Cout, int k, int rows);
/* Backward, given dout and out (post-ReLU). dconv: Cout*H*W scratch (the masked gradient);
 * col: max(Cin, Cout)*k*k * rows*W scratch; dflipped: Cin*Cout*k*k scratch. din = conv of
 * dconv with the flipped weights (conv_flip_weights), the same im2col + sgemm shape as the
 * forward pass, and that im2col of dconv also gives dweight (see layers.c); din and
 * weight_flipped may be NULL (first layer: no input gradient). */
void conv_relu_backward(float *din, float *dweight, float *dbias, float *dconv, float *col, float *dflipped,
                        const float *dout, const float *out, const float *in, const float *weight_flipped,
                        int Cin, int H, int W, int Cout, int k, int rows);
/* flipped[ci][co][ky][kx] = weight[co][ci][k-1-ky][k-1-kx]: the weights of the transposed conv. */
void conv_flip_weights(float *flipped, const float *weight, int Cin, int Cout, int k);

/* Fused conv + bias + ReLU + 2x2/2 max pool: pooled[Cout][H/2][W/2] (rows even). argmax (0..3,
 * row-major in the window) remembers each window's winner, so the backward pass never needs
 * the full-resolution conv output of the batch. conv: Cout * rows*W scratch. */
void conv_relu_pool_forward(float *pooled, uint8_t *argmax, float *conv, float *col, const float *in,
                            const float *weight, const float *bias, int Cin, int H, int W, int Cout, int k,
                            int rows);
void conv_relu_pool_backward(float *din, float *dweight, float *dbias, float *dconv, float *col, float *dflipped,
                             const float *dpooled, const float *pooled, const uint8_t *argmax, const float *in,
                             const float *weight_flipped, int Cin, int H, int W, int Cout, int k, int rows);

/* The same four ops on a group of G whole images at once: for small images one sgemm of
 * G*H*W columns beats G tiny ones. in/out/din/pooled/argmax hold G images, each contiguous as
 * above. Scratch: col max(Cin, Cout)*k*k x G*H*W; conv (forward) Cout x G*H*W; dconv Cout x
 * G*H*W and scratch Cin x G*H*W (backward). Weight gradients are summed over the group. */
void conv_relu_forward_group(float *out, float *conv, float *col, const float *in, const float *weight,
                             const float *bias, int Cin, int H, int W, int Cout, int k, int G);
void conv_relu_pool_forward_group(float *pooled, uint8_t *argmax, float *conv, float *col, const float *in,
                                  const float *weight, const float *bias, int Cin, int H, int W, int Cout, int k,
                                  int G);
void conv_relu_backward_group(float *din, float *dweight, float *dbias, float *dconv, float *scratch, float *col,
                              const float *dout, const float *out, const float *in, const float *weight_flipped,
                              int Cin, int H, int W, int Cout, int k, int G);
void conv_relu_pool_backward_group(float *din, float *dweight, float *dbias, float *dconv, float *scratch,
                                   float *col, const float *dpooled, const float *pooled, const uint8_t *argmax,
                                   const float *in, const float *weight_flipped, int Cin, int H, int W, int Cout,
                                   int k, int G);

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

#endif
