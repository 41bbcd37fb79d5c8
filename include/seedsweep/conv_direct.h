/* conv_direct.h - direct convolution kernels ('same' zero padding, stride 1, odd k) of one image,
 * the default lowering of the conv layers; im2col + sgemm (layers.c) stays selectable
 * (SEEDSWEEP_CONV=im2col) and is the reference the kernels are tested against.
 * Layouts as layers.h: in[Cin][H][W], weight[Cout][Cin][k][k]. Every result is bit-identical
 * whichever code runs (AVX-512, AVX2 or portable C, simd.h): each output is one fused multiply-add chain
 * in a fixed order (see conv_direct.c), only its speed depends on the CPU. */
#ifndef SEEDSWEEP_CONV_DIRECT_H
#define SEEDSWEEP_CONV_DIRECT_H

#include <stdint.h>

/* Which lowering the conv layers use. Process-wide, set once at start-up (the CLI reads
 * SEEDSWEEP_CONV); the results file records it. direct3 (the default): the direct kernels on
 * strips of large images and conv_images.h's on groups of small ones, the pooled layers' backward
 * pass from the pooled gradient, a first layer's weight gradient by windows; direct2: the same
 * with a first layer's weight gradient by lists and patches; direct: the same strips with the
 * dense backward pass, im2col + sgemm on the groups; im2col: im2col + sgemm everywhere. Each
 * reproduces the files it made bit for bit. */
typedef enum ConvPath { CONV_PATH_DIRECT = 0, CONV_PATH_IM2COL = 1, CONV_PATH_DIRECT2 = 2, CONV_PATH_DIRECT3 = 3 } ConvPath;
#define CONV_PATH_DEFAULT CONV_PATH_DIRECT3
/* "direct3", "direct2", "direct" or "im2col" (NULL or "" = the default): 0, else -1 and *path
 * untouched. */
int conv_path_parse(const char *text, ConvPath *path);
void conv_path_set(ConvPath path);
ConvPath conv_path_get(void);
const char *conv_path_name(ConvPath path);

/* Forward rows [y0, y0+rows) of all Cout channels: out[co][r][x] (channel stride ldo, row
 * stride W, r relative to y0) = init + sum over ci, ky, kx of weight * in ('same' padding),
 * where init = bias[co], or the value already in out when bias is NULL (accumulates: the
 * transposed conv of the input gradient). */
void conv_direct_forward_rows(float *out, long ldo, const float *in, const float *weight, const float *bias,
                              int Cin, int H, int W, int Cout, int k, int y0, int rows);

/* Weight gradient dweight[co][ci][ky][kx] += sum over pixels of dconv[co][y][x] *
 * in[ci][y+ky-k/2][x+kx-k/2], in three steps so that the gradient rows can be produced one strip
 * at a time: partials (conv_direct_partials_floats, zeroed by the caller) take every strip of
 * dconv rows in order (rows y0.., dconv row r of channel co at dconv + co*ldd + r*W), then
 * conv_direct_dweight_finish adds their sums into dweight. The summation order depends only on
 * H and W, not on how the rows are split into strips. */
long conv_direct_partials_floats(int Cin, int Cout, int k);
void conv_direct_dweight_rows(float *partials, const float *dconv, long ldd, const float *in, int Cin, int H, int W,
                              int Cout, int k, int y0, int rows);
void conv_direct_dweight_finish(float *dweight, const float *partials, int Cin, int Cout, int k);

/* A conv with bias, ReLU and 2x2 max pool fused, for output rows [y0, y0+rows) (y0, rows, H even):
 * pooled[co][y/2][x/2] and argmax (each window's first maximum, row-major, as layers.c's
 * pooling), each conv value the same fused multiply-add chain as conv_direct_forward_rows.
 * 0 when done; -1 when this CPU or shape has no such kernel (there is one for Cin 1, k 3, W up to
 * 4096: AVX-512 for Cout a multiple of 16 and W of 32, AVX2 for Cout a multiple of 8 and W of
 * 16), and nothing was written. */
int conv_direct_pool1_rows(float *pooled, uint8_t *argmax, const float *in, const float *weight, const float *bias,
                           int Cin, int H, int W, int Cout, int k, int y0, int rows);

/* The 4 input rows around the row pair y, y + 1 (y - 1 .. y + 2) of one channel in[H][W], zero-padded:
 * P[j * pw + x + 1] = in[y - 1 + j][x], 0 outside the image (x = -1 and W included; pw >= W + 2).
 * The fused first-layer kernels' input, forward and backward. */
void conv_direct_pad_rows4(float *P, long pw, const float *in, int H, int W, int y);

/* The weight and bias gradients of a layer with no input gradient (the first) fusing a 3x3 conv,
 * ReLU and 2x2 max pool, from its pooled gradient and argmax (conv_relu_pool_forward's, its
 * POOL_STOPPED marks included; H and W may be odd): dweight[co][ci][ky][kx] += and dbias[co] +=.
 * The kernels for such layers with fewer than 8 input channels, each with its own order
 * (conv_pool_backward.c): the direct2 path's lists and patches, the direct3 path's windows
 * (output channels in the lanes, every window). scratch holds the matching _floats. */
long conv_direct_pool_dweight_floats(int Cin, int H, int W, int Cout);
void conv_direct_pool_dweight(float *dweight, float *dbias, const float *dpooled, const uint8_t *argmax,
                              const float *in, int Cin, int H, int W, int Cout, float *scratch);
long conv_direct_pool_windows_floats(int Cin, int H, int W, int Cout);
void conv_direct_pool_windows(float *dweight, float *dbias, const float *dpooled, const uint8_t *argmax,
                              const float *in, int Cin, int H, int W, int Cout, float *scratch);

/* The backward pass of a layer fusing a 3x3 conv, ReLU and 2x2 max pool, from its pooled gradient
 * and argmax (as above; conv_pool_backward.c): din (when not NULL) WRITTEN, dweight and dbias added to. weight_flipped
 * as conv_flip_weights makes it (not read without din); scratch holds conv_direct_pool_backward_floats. The direct2
 * and direct3 paths' kernel for such layers with 8 or more input channels. */
long conv_direct_pool_backward_floats(int Cin, int H, int W, int Cout);
void conv_direct_pool_backward(float *din, float *dweight, float *dbias, const float *dpooled, const uint8_t *argmax,
                               const float *in, const float *weight_flipped, int Cin, int H, int W, int Cout,
                               float *scratch);

#endif
