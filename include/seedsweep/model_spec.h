/* model_spec.h - the network's description: the `input = HxWxC` / `layers = conv16 pool ...
 * dense2` mini-language parsed into layer shapes, and what follows from the shapes alone
 * (parameter and FLOP counts, the ReLU layers). Nothing here allocates or computes a network. */
#ifndef SEEDSWEEP_MODEL_SPEC_H
#define SEEDSWEEP_MODEL_SPEC_H

#include <stddef.h>

#include "seedsweep/common.h"

#define MODEL_MAX_LAYERS 64

typedef enum { LAYER_CONV, LAYER_POOL, LAYER_FLATTEN, LAYER_DENSE } LayerKind;
typedef enum { INIT_GLOROT_UNIFORM, INIT_HE_NORMAL } InitKind;

typedef struct LayerSpec {
    LayerKind kind;
    int units;              /* conv: output channels; dense: outputs */
    int kernel;             /* conv kernel size (odd), pool size */
    int in_h, in_w, in_c;   /* inferred input shape */
    int out_h, out_w, out_c;/* inferred output shape (dense: 1x1xunits) */
} LayerSpec;

typedef struct ModelSpec {
    int input_h, input_w, input_c;
    int layer_count;
    LayerSpec layers[MODEL_MAX_LAYERS];
    int class_count;        /* units of the final dense layer (softmax) */
    int64_t param_count;
} ModelSpec;

/* input: "256x256x1"; layers: "conv16 pool ... dense2" (also "conv16k5" for 5x5).
 * Errors (SS_ERR_INPUT) name the word and its 1-based position. A dense layer right after a
 * conv or pool flattens implicitly; flattening is in CHW order (as PyTorch; Keras uses HWC,
 * which only permutes the first dense layer's weights). `pool` is 2x2 stride 2 and needs
 * even sizes. Dense layers but the last have ReLU; the last is softmax + cross-entropy.
 * The input shape is read first: after a failure, spec->input_h is 0 iff `input` was refused. */
int model_spec_parse(const char *input, const char *layers, ModelSpec *spec, Error *err);
int init_kind_parse(const char *text, InitKind *kind, Error *err);

/* The ReLU layers (convolutions and every dense layer but the last), in order: their spec layer
 * indices into layers (may be NULL; MODEL_MAX_LAYERS room) and the count; *units (may be NULL):
 * their units together (the length of TrainPosition.alive, train.h). */
int model_relu_layers(const ModelSpec *spec, int *layers, int64_t *units);
/* "conv16@1", "dense512@9": kind, units and the 1-based spec layer index of ReLU layer k. */
void model_relu_layer_name(const ModelSpec *spec, int k, char *out, size_t size);
/* Multiply-adds of one image through layer L's forward pass (pool and flatten: none counted). */
double layer_forward_macs(const LayerSpec *L);
/* Forward multiply-adds of one image through the convolutions and dense layers. */
double model_forward_macs(const ModelSpec *spec);
/* Useful FLOPs of training on one image: forward, weight gradients and input gradients (none
 * for the first layer), 2 FLOPs per multiply-add. */
double model_train_flops(const ModelSpec *spec);

#endif
