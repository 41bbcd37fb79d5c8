/* train_diagnostics.h - why runs collapse, watched from the training loop: per epoch the
 * fraction of dead ReLU units of each layer and the collapse epoch (TrainHistory's dead_relu and
 * collapse_epoch), measured on the forward passes training already makes. A TrainObserver
 * (train.h) that model_train attaches; its state travels in TrainPosition for resumes. */
#ifndef SEEDSWEEP_TRAIN_DIAGNOSTICS_H
#define SEEDSWEEP_TRAIN_DIAGNOSTICS_H

#include "seedsweep/train.h"

typedef struct TrainDiagnostics {
    const ModelSpec *spec;
    TrainHistory *history;      /* dead_relu (may be NULL) and collapse_epoch are written here */
    int relu_layers;
    int64_t relu_units;
    uint8_t *alive;             /* [relu_units]: 1 once the unit was > 0 for an image of the epoch */
    int epoch_class;            /* the one class predicted this epoch so far; -1 none yet, -2 several */
} TrainDiagnostics;

/* Starts from `from` (NULL: a fresh run): SS_ERR_INPUT when a position inside an epoch lacks the
 * units' state; SS_ERR_RUNTIME when out of memory. */
int train_diagnostics_init(TrainDiagnostics *d, const ModelSpec *spec, TrainHistory *history,
                           const TrainPosition *from, Error *err);
void train_diagnostics_free(TrainDiagnostics *d);
TrainObserver train_diagnostics_observer(TrainDiagnostics *d);

#endif
