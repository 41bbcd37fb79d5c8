/* model.h - the network: spec parsing, memory plan, forward/backward, Adam,
 * training and evaluation. The contract the sweep relies on.
 * Layout: one arena for all parameters, one for all gradients, one per Adam moment. */
#ifndef SEEDSWEEP_MODEL_H
#define SEEDSWEEP_MODEL_H

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

/* Where a training run stands at a mini-batch boundary: enough, with the model's state
 * (model_state_save) and the history of the epochs before, to resume bit-identically. The data
 * order needs no saving: epoch E's permutation is re-derived by replaying the shuffles of epochs
 * 0..E-1 from (order_seed, RNG_PURPOSE_ORDER); order_counter checks that replay. */
typedef struct TrainPosition {
    int epoch;              /* the epoch to continue (0-based); == epochs: training is complete */
    int64_t next_image;     /* images of that epoch already trained on (a multiple of batch) */
    double loss_sum;        /* that epoch's partial statistics, summed in batch order */
    int64_t correct;
    uint64_t order_counter; /* the order stream's counter before that epoch's shuffle */
    /* Why runs collapse: the collapse epoch over the epochs before (TrainHistory's
     * collapse_epoch so far), the one class that epoch predicted so far (-1: no image yet, -2:
     * several classes: all the collapse epoch needs of the set of classes predicted), and
     * alive[model_relu_units] (1: that ReLU unit was > 0 for some image of the epoch so far).
     * at_boundary's alive points into the model's buffer (valid during the call); resume's may be
     * NULL only at an epoch boundary (next_image == 0). */
    int collapse_epoch;
    int epoch_class;
    const uint8_t *alive;
} TrainPosition;

typedef struct TrainConfig {
    int epochs, batch;
    float lr, beta1, beta2, eps;   /* Adam, Keras/PyTorch semantics */
    int threads;                   /* worker threads (<= model_create's; 0: all); results do not depend on it */
    /* Called between mini-batches (may be NULL): lets the sweep poll MPI and signals.
     * Returning non-zero aborts training with SS_INTERRUPTED. */
    int (*between_batches)(void *context);
    void *context;
    /* Resume from here (may be NULL: start over with fresh Adam moments). The caller has
     * restored the model's state saved at that position and filled the history of the epochs
     * before it; the result is bit-identical to a run that was never stopped. */
    const TrainPosition *resume;
    /* Called at every mini-batch boundary after between_batches (may be NULL) with the
     * position reached and whether between_batches just asked to stop: the place to save a
     * checkpoint (model_state_save + the position). A boundary that ends an epoch is reported
     * as the start of the next, with that epoch's history entry already written. */
    void (*at_boundary)(void *boundary_context, const TrainPosition *position, int stopping);
    void *boundary_context;
} TrainConfig;

typedef struct EvalConfig {
    /* Called between mini-batches (may be NULL), as TrainConfig's: evaluating every dataset
     * can take a sizeable share of a task, and the sweep must keep polling meanwhile.
     * Returning non-zero aborts the evaluation with SS_INTERRUPTED. */
    int (*between_batches)(void *context);
    void *context;
} EvalConfig;

typedef struct TrainHistory {
    float *loss;            /* [epochs] mean cross-entropy over the epoch's images */
    float *accuracy;        /* [epochs] training accuracy over the epoch's images */
    int epochs_done;
    int diverged;           /* 1 when a loss became non-finite; training stopped there */
    /* [epochs][model_relu_layers] fraction of dead units per ReLU layer (may be NULL): a unit (conv
     * output channel or hidden dense unit) is dead in an epoch when its ReLU output was 0 for every
     * training image of that epoch (measured on the forward pass each batch already makes). */
    float *dead_relu;
    /* The first epoch (1-based) after which one class was predicted for every training image of
     * that epoch and of every later epoch; 0: never. A diverged epoch does not count. */
    int collapse_epoch;
} TrainHistory;

typedef struct EvalResult {
    float accuracy;         /* fraction correct on the whole set */
    float loss;             /* mean cross-entropy (summed in blocks: see model_evaluate) */
    int collapsed;          /* 1 when one class was predicted for every image */
} EvalResult;

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

/* The ReLU layers (convolutions and every dense layer but the last), in order: their spec layer
 * indices into layers (may be NULL; MODEL_MAX_LAYERS room) and the count; *units (may be NULL):
 * their units together (the length of TrainPosition.alive). */
int model_relu_layers(const ModelSpec *spec, int *layers, int64_t *units);
/* "conv16@1", "dense512@9": kind, units and the 1-based spec layer index of ReLU layer k. */
void model_relu_layer_name(const ModelSpec *spec, int k, char *out, size_t size);

/* One training run from the current weights: shuffles with (order_seed, RNG_PURPOSE_ORDER)
 * every epoch. history arrays must hold cfg->epochs entries. With cfg->resume it continues
 * from that position (SS_ERR_INPUT when the position does not fit this data and config). */
int model_train(Model *model, const ImageSet *train, const TrainConfig *cfg, uint64_t order_seed,
                TrainHistory *history, Error *err);
/* Predicts every image in batches of the model's max_batch. probs: count*class_count softmax
 * outputs (may be NULL); cfg may be NULL (no hook). The loss is the mean over blocks of whole
 * batches of at least 256 images, each block's mean rounded to float: the sweep once evaluated
 * in such slices, and results files stay bit-identical across versions. */
int model_evaluate(Model *model, const ImageSet *set, const EvalConfig *cfg, float *probs, EvalResult *result,
                   Error *err);
/* The predicted class of one softmax row: the first maximum. */
int model_predicted_class(const float *probs, int class_count);

/* On divergence (a non-finite batch loss) training stops before that batch's update; the
 * epoch it happened in is counted in epochs_done and its loss/accuracy entries are NaN. */

/* Lower-level steps, for tests and the benchmark. input: count images, each CHW float
 * (already scaled); labels may be NULL (loss then reported as 0). count <= max_batch. */
float model_forward(Model *model, const float *input, const uint8_t *labels, int count);
void model_backward(Model *model);          /* grad arena = d(mean loss)/d(params) of the last forward */
void model_adam_reset(Model *model);        /* zero moments and the step counter */
void model_adam_step(Model *model, float lr, float beta1, float beta2, float eps);
const float *model_logits(const Model *model);  /* [count][class_count] of the last forward */
const float *model_probs(const Model *model);   /* softmax of the logits */
int model_threads(const Model *model);
/* Seconds spent in each spec layer since creation (a conv fused with its pool counts under the
 * conv); forward and backward must hold spec->layer_count entries. */
void model_layer_times(const Model *model, double *forward, double *backward);
/* Multiply-adds of one image through layer L's forward pass (pool and flatten: none counted). */
double layer_forward_macs(const LayerSpec *L);
/* Forward multiply-adds of one image through the convolutions and dense layers. */
double model_forward_macs(const ModelSpec *spec);
/* Useful FLOPs of training on one image: forward, weight gradients and input gradients (none
 * for the first layer), 2 FLOPs per multiply-add. */
double model_train_flops(const ModelSpec *spec);

#endif
