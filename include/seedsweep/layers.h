/* layers.h - the network's ops as forward/backward pairs over plain float arrays (llm.c style).
 * Layout: one image is CHW (channel-major), a batch is images side by side. Conv weights are
 * [Cout][Cin][k][k] and dense weights [out][in], as in PyTorch. Backward functions ACCUMULATE
 * (+=) into every gradient they produce (dinput, dweight, dbias); callers zero them first.
 * Convolutions are im2col + cblas_sgemm, on strips of output rows of one image or on groups of
 * whole small images (ConvShape). The convolutions live in layers.c, the other ops in
 * pool_dense_softmax.c. */
#ifndef SEEDSWEEP_LAYERS_H
#define SEEDSWEEP_LAYERS_H

#include <stdint.h>

/* col[(c*k+ky)*k+kx][r*W+x] = in[c][y0+r+ky-k/2][x+kx-k/2] ('same' zero padding). */
void im2col_rows(float *col, const float *in, int C, int H, int W, int k, int y0, int rows);
/* The adjoint: din[c][..][..] += col[..][..]. */
void col2im_rows(float *din, const float *col, int C, int H, int W, int k, int y0, int rows);

/* One convolution call: a 'same'-padded k x k conv (zero padding k/2) + bias + ReLU of `images`
 * images of in_c x h x w into out_c channels, then a 2x2 stride-2 max pool when pool (h, w even).
 * Two lowerings, chosen by rows (the model picks them from the shapes alone, never from the
 * thread count, so results do not depend on it):
 *   rows > 0: one image (images == 1) in strips of `rows` output rows (even when pooled; the
 *             last strip may be shorter), so that the im2col block stays in cache;
 *   rows == 0: the group: `images` whole images at once, one sgemm over images*h*w columns (for
 *             small images one sgemm beats many tiny ones); weight gradients summed over them. */
typedef struct ConvShape {
    int in_c, h, w;     /* one input image */
    int out_c, k;       /* output channels; kernel size (odd) */
    int pool;           /* 1: fused 2x2/2 max pool; the output is pooled[out_c][h/2][w/2] */
    int images;         /* images in this call, each contiguous CHW, side by side */
    int rows;           /* strip rows, or 0 for the group lowering (see above) */
} ConvShape;

/* Work buffers of one call (one set per thread); n = rows*w for strips, images*h*w for a group.
 *   col:      max(in_c, out_c)*k*k x n         im2col block (both lowerings, both passes)
 *   conv:     max(in_c, out_c) x n             forward: conv output before pooling/ReLU;
 *                                              group backward: the input gradient before it is
 *                                              scattered back to the images
 *   dconv:    out_c x h*w (strips), out_c x n (group)   backward: gradient at the conv output
 *   dflipped: in_c*out_c*k*k                   strip backward: weight gradient, flipped layout
 *                                              (im2col), or in_c zeros where the direct kernel
 *                                              starts the input gradient */
typedef struct ConvScratch {
    float *col, *conv, *dconv, *dflipped;
} ConvScratch;
/* Floats of col for a shape: the im2col block above, or more where a direct2 or direct3 kernel
 * needs it. */
long conv_col_floats(const ConvShape *shape);

/* Forward: out = relu(conv(in) + bias) [out_c][h][w] per image, or with pool the pooled
 * [out_c][h/2][w/2] and argmax (0..3, row-major in the window: each window's winner, so the
 * backward pass never needs the full-resolution conv output of the batch; plus POOL_STOPPED
 * where the pooled value is not positive, so ReLU passes no gradient; NULL without pool).
 * weight [out_c][in_c][k][k], bias [out_c]. Dispatches on shape->pool and shape->rows. */
#define POOL_STOPPED 4
void conv_forward(float *out, uint8_t *argmax, const float *in, const float *weight, const float *bias,
                  const ConvShape *shape, const ConvScratch *scratch);
/* Backward, given dout and out (post-ReLU, pooled with pool) and argmax: WRITES din (whatever it
 * held) and ACCUMULATES into dweight and dbias. din = conv of the masked gradient with the flipped weights
 * (conv_flip_weights), the same im2col + sgemm shape as the forward pass, and that im2col also
 * gives dweight (see layers.c); din and weight_flipped may be NULL (first layer: no input
 * gradient). */
void conv_backward(float *din, float *dweight, float *dbias, const float *dout, const float *out,
                   const uint8_t *argmax, const float *in, const float *weight_flipped, const ConvShape *shape,
                   const ConvScratch *scratch);
/* flipped[ci][co][ky][kx] = weight[co][ci][k-1-ky][k-1-kx]: the weights of the transposed conv. */
void conv_flip_weights(float *flipped, const float *weight, int Cin, int Cout, int k);

/* The lowerings conv_forward/conv_backward dispatch to (tests/test_layers.c checks each through
 * them): strips of one image (shape->rows > 0) and groups of whole images (shape->rows == 0);
 * shape->pool must match the function. */
void conv_relu_forward(float *out, const float *in, const float *weight, const float *bias,
                       const ConvShape *shape, const ConvScratch *scratch);
void conv_relu_backward(float *din, float *dweight, float *dbias, const float *dout, const float *out,
                        const float *in, const float *weight_flipped, const ConvShape *shape,
                        const ConvScratch *scratch);
void conv_relu_pool_forward(float *pooled, uint8_t *argmax, const float *in, const float *weight,
                            const float *bias, const ConvShape *shape, const ConvScratch *scratch);
void conv_relu_pool_backward(float *din, float *dweight, float *dbias, const float *dpooled, const float *pooled,
                             const uint8_t *argmax, const float *in, const float *weight_flipped,
                             const ConvShape *shape, const ConvScratch *scratch);
void conv_relu_forward_group(float *out, const float *in, const float *weight, const float *bias,
                             const ConvShape *shape, const ConvScratch *scratch);
void conv_relu_backward_group(float *din, float *dweight, float *dbias, const float *dout, const float *out,
                              const float *in, const float *weight_flipped, const ConvShape *shape,
                              const ConvScratch *scratch);
void conv_relu_pool_forward_group(float *pooled, uint8_t *argmax, const float *in, const float *weight,
                                  const float *bias, const ConvShape *shape, const ConvScratch *scratch);
void conv_relu_pool_backward_group(float *din, float *dweight, float *dbias, const float *dpooled,
                                   const float *pooled, const uint8_t *argmax, const float *in,
                                   const float *weight_flipped, const ConvShape *shape,
                                   const ConvScratch *scratch);

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
