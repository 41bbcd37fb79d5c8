/* train.h - training and evaluation over image sets: the epoch loop, its resume position
 * (checkpoints) and the model_evaluate pass. One batch at a time through model.h's forward,
 * backward and update; the collapse diagnostics watch the loop (train_diagnostics.h). */
#ifndef SEEDSWEEP_TRAIN_H
#define SEEDSWEEP_TRAIN_H

#include "seedsweep/model.h"

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
    /* Why runs collapse (train_diagnostics.h): the collapse epoch over the epochs before (TrainHistory's
     * collapse_epoch so far), the one class that epoch predicted so far (-1: no image yet, -2:
     * several classes: all the collapse epoch needs of the set of classes predicted), and
     * alive[model_relu_units] (1: that ReLU unit was > 0 for some image of the epoch so far).
     * at_boundary's alive points into the diagnostics' buffer (valid during the call); resume's may be
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

/* An observer of the epoch loop (members may be NULL). model_train runs the collapse
 * diagnostics through it (train_diagnostics.h), so the loop itself holds only the order, the
 * batches, the statistics and the boundary protocol. */
typedef struct TrainObserver {
    /* An epoch starts; from: the position resumed inside it (next_image > 0), else NULL. */
    void (*epoch_begin)(void *context, int epoch, const TrainPosition *from);
    /* A batch's forward pass is done (its backward not yet): count images in model_probs,
     * model_labels and model_layer_output. */
    void (*batch_done)(void *context, const Model *model, int count);
    /* The epoch ended (diverged: on a non-finite loss, its history entries are NaN). */
    void (*epoch_end)(void *context, int epoch, int diverged);
    /* The observer's part of a boundary position: collapse_epoch, epoch_class, alive. */
    void (*fill_position)(void *context, TrainPosition *position, int epoch_ends);
    void *context;
} TrainObserver;

typedef struct EvalResult {
    float accuracy;         /* fraction correct on the whole set */
    float loss;             /* mean cross-entropy (summed in blocks: see model_evaluate) */
    int collapsed;          /* 1 when one class was predicted for every image */
} EvalResult;

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

/* On divergence (a non-finite batch loss) training stops before that batch's update; the
 * epoch it happened in is counted in epochs_done and its loss/accuracy entries are NaN. */

#endif
