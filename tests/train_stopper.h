/* train_stopper.h - for the C unit tests of checkpoints and collapse tracking (test_checkpoint.c,
 * test_collapse.c): stops model_train at the stop_at-th mini-batch boundary and keeps the model
 * state and position saved there, as a checkpoint would (position.alive belongs to the model until
 * the hook returns, so it is copied); then resumes from them on another model, as another rank would. */
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

/* Trains s->model (initialised by the caller) under cfg, stopped at boundary s->stop_at into
 * first; when it stopped and saved, restores the saved state into a fresh model with 2 threads
 * and trains on from the saved position into resumed (whose arrays hold the history so far: only
 * the state, position and history travel). Returns that model (the caller frees it) with *rc the
 * resumed run's status, or NULL (*rc: the first run's) when the stop never came. */
static Model *stop_then_resume(Stopper *s, const ImageSet *set, TrainConfig cfg, uint64_t order_seed,
                               TrainHistory *first, TrainHistory *resumed, int *rc) {
    Error err = {0};
    TrainConfig again = cfg;
    cfg.between_batches = stop_when_due;
    cfg.context = s;
    cfg.at_boundary = save_on_stop;
    cfg.boundary_context = s;
    *rc = model_train(s->model, set, &cfg, order_seed, first, &err);
    if (*rc != SS_INTERRUPTED || !s->saved) return NULL;
    Model *other = model_create(model_spec(s->model), cfg.batch, 2, &err);
    if (!other) return NULL;
    model_state_restore(other, s->state);
    again.threads = 2;
    again.resume = &s->position;
    *rc = model_train(other, set, &again, order_seed, resumed, &err);
    return other;
}

#endif
