/* conv_images.h - direct convolution of whole small images ('same' zero padding, stride 1, odd
 * k): the kernels of the group lowering (images smaller than one strip, layers.c) on the
 * default convolution path, SEEDSWEEP_CONV=direct3 (and direct2). The output channels sit in the vector lanes,
 * so an image of 2 x 2 pixels keeps the lanes as busy as one of 16 x 16.
 * Layouts: image g, channel c, pixel i of an array with image stride gs and channel stride cs is
 * at [g*gs + c*cs + i]; weight[Cout][Cin][k][k]. Every result is bit-identical whichever code
 * runs (AVX-512, AVX2 or portable C, simd.h): each output is one fused multiply-add chain in a
 * fixed order (see conv_images.c). */
#ifndef SEEDSWEEP_CONV_IMAGES_H
#define SEEDSWEEP_CONV_IMAGES_H

/* Floats of the scratch the two kernels need for these shapes (either direction: also enough for
 * the transposed conv of the input gradient, Cin and Cout swapped). */
long conv_images_scratch_floats(int Cin, int H, int W, int Cout, int k);

/* out[g][co][y][x] = init + sum over ci, ky, kx of weight * in ('same' padding), for G images,
 * where init = bias[co], or +0 when bias is NULL. WRITES out. */
void conv_images_forward(float *out, long out_gs, long out_cs, const float *in, long in_gs, long in_cs,
                         const float *weight, const float *bias, int G, int Cin, int H, int W, int Cout, int k,
                         float *scratch);

/* dweight[co][ci][ky][kx] += the sum over images g, rows y, columns x (in that order, from +0)
 * of dconv[g][co][y][x] * in[g][ci][y+ky-k/2][x+kx-k/2] (0 outside the image). */
void conv_images_dweight(float *dweight, const float *dconv, long d_gs, long d_cs, const float *in, long in_gs,
                         long in_cs, int G, int Cin, int H, int W, int Cout, int k, float *scratch);

#endif
