/* model.h - the network: memory plan, forward/backward and the Adam update over one batch (the
 * spec it is built from: model_spec.h; training and evaluation over image sets: train.h).
 * Layout: one arena for all parameters, one for all gradients, one per Adam moment. */
#ifndef SEEDSWEEP_MODEL_H
#define SEEDSWEEP_MODEL_H

#include "seedsweep/common.h"
#include "seedsweep/model_spec.h"

/* The network's view of a set of images: count images of h x w x c bytes, NHWC, side by side
 * in pixels, and one label each. Callers build it from wherever the images live (the sweep
 * from a Dataset); nothing here knows the file formats. */
typedef struct ImageSet {
    int64_t count;
    int h, w, c;
    const uint8_t *pixels;  /* h*w*c per image */
    const uint8_t *labels;  /* one per image, each < the model's class_count */
    const int64_t *picks;   /* NULL: image i is the i-th of pixels/labels; else count indices into them
                             * (a resample of a set, e.g. vary = sample, without copying its images) */
} ImageSet;

/* Where image i of the set lies in its pixels and labels. */
static inline int64_t image_set_at(const ImageSet *set, int64_t i) { return set->picks ? set->picks[i] : i; }

typedef struct Model Model;

/* Plans all memory for batches up to max_batch; nothing is allocated later. */
Model *model_create(const ModelSpec *spec, int max_batch, int threads, Error *err);
void model_free(Model *model);
const ModelSpec *model_spec(const Model *model);
void model_init(Model *model, InitKind init, uint64_t seed);   /* stream (seed, RNG_PURPOSE_INIT) */
float *model_params(Model *model);                              /* the parameter arena */
float *model_grads(Model *model);                               /* the gradient arena */
int64_t model_param_count(const Model *model);
/* The training state as one plain buffer (checkpoints; no file format here): the Adam step
 * count, then parameters, first and second moments, in arena order. */
size_t model_state_size(const Model *model);
void model_state_save(const Model *model, void *buffer);
void model_state_restore(Model *model, const void *buffer);

/* One batch. input: count images, each CHW float (already scaled; NULL: those model_load_images
 * put in place); labels may be NULL (loss then reported as 0). count <= max_batch. */
float model_forward(Model *model, const float *input, const uint8_t *labels, int count);
void model_backward(Model *model);          /* grad arena = d(mean loss)/d(params) of the last forward */
void model_adam_reset(Model *model);        /* zero moments and the step counter */
void model_adam_step(Model *model, float lr, float beta1, float beta2, float eps);
const float *model_logits(const Model *model);  /* [count][class_count] of the last forward */
const float *model_probs(const Model *model);   /* softmax of the logits */
/* The predicted class of one softmax row: the first maximum. */
int model_predicted_class(const float *probs, int class_count);
const float *model_losses(const Model *model);  /* [count] cross-entropy per image of the last forward */
const uint8_t *model_labels(const Model *model); /* [count] the labels of the last forward */
/* The batch output of spec layer `layer` in the last forward ([count][out_h*out_w*out_c]); NULL
 * for a conv fused with the pool after it (read the pool's: relu and max commute). */
const float *model_layer_output(const Model *model, int layer);
int model_max_batch(const Model *model);
int model_threads(const Model *model);
/* Worker threads from now on: 1..model_threads (fewer than planned, never more: workspaces are
 * sized at creation); anything else: all. Results do not depend on it. */
void model_use_threads(Model *model, int threads);
/* Images index[0..count) of set (index NULL: first, first+1, ...) into the model's input and
 * labels, NHWC uint8 -> CHW float / 255: the next model_forward(model, NULL, model_labels(model), count). */
void model_load_images(Model *model, const ImageSet *set, const int64_t *index, int64_t first, int count);

/* Observers of the layer walk (members may be NULL): called before and after every step of
 * model_forward (backward 0) and model_backward (backward 1); layer is the spec layer (a conv
 * fused with its pool: the conv). The layer timers of `seedsweep bench --profile` are one
 * (layer_timer.h). observer NULL: none; the struct is copied. */
typedef struct ModelObserver {
    void (*step_begin)(void *context, int layer, int backward);
    void (*step_end)(void *context, int layer, int backward);
    void *context;
} ModelObserver;
void model_observe(Model *model, const ModelObserver *observer);

#endif
