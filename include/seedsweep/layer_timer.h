/* layer_timer.h - seconds spent in each spec layer, forward and backward: a ModelObserver
 * (model.h) that `seedsweep bench --profile` attaches. A conv fused with its pool counts under
 * the conv. Nothing else in the model keeps time. */
#ifndef SEEDSWEEP_LAYER_TIMER_H
#define SEEDSWEEP_LAYER_TIMER_H

#include "seedsweep/model.h"

typedef struct LayerTimer {
    double forward[MODEL_MAX_LAYERS], backward[MODEL_MAX_LAYERS];   /* seconds per spec layer */
    double started;                                                 /* the running step's start */
} LayerTimer;

/* Zeroes the clocks and makes them observe model (model_observe(model, NULL) detaches). */
void layer_timer_attach(LayerTimer *timer, Model *model);
/* The clocks so far into forward[layer_count] and backward[layer_count]. */
void layer_timer_read(const LayerTimer *timer, int layer_count, double *forward, double *backward);

#endif
