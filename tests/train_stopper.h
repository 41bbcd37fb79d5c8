/* train_stopper.h - for the C unit tests of checkpoints and collapse tracking: stops model_train at
 * the stop_at-th mini-batch boundary and keeps the model state and position saved there, as a
 * checkpoint would. position.alive belongs to the model until the hook returns, so it is copied. */
#ifndef SEEDSWEEP_TESTS_TRAIN_STOPPER_H
#define SEEDSWEEP_TESTS_TRAIN_STOPPER_H

#include <string.h>

#include "seedsweep/train.h"

typedef struct Stopper {
    int calls, stop_at, saved;
    Model *model;
    void *state;                /* model_state_size(model) bytes */
    TrainPosition position;
    uint8_t alive[64];          /* one byte per ReLU unit of the (small) test networks */
} Stopper;

static int stop_when_due(void *context) {
    Stopper *s = context;
    return ++s->calls == s->stop_at;
}

static void save_on_stop(void *context, const TrainPosition *position, int stopping) {
    Stopper *s = context;
    if (!stopping) return;
    int64_t units = 0;
    model_relu_layers(model_spec(s->model), NULL, &units);
    model_state_save(s->model, s->state);
    s->position = *position;
    memcpy(s->alive, position->alive, (size_t)units);
    s->position.alive = s->alive;
    s->saved = 1;
}

#endif
