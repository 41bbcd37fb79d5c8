/* train_diagnostics.c - dead ReLU units and the collapse epoch, as an observer of model_train
 * (train_diagnostics.h). */
#include "seedsweep/train_diagnostics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int train_diagnostics_init(TrainDiagnostics *d, const ModelSpec *spec, TrainHistory *history,
                           const TrainPosition *from, Error *err) {
    *d = (TrainDiagnostics){.spec = spec, .history = history, .epoch_class = -1};
    d->relu_layers = model_relu_layers(spec, NULL, &d->relu_units);
    if (from && from->next_image && !from->alive)
        return error_set(err, SS_ERR_INPUT, "train: resuming inside epoch %d needs the ReLU units' state", from->epoch + 1);
    d->alive = ss_calloc((size_t)d->relu_units + 1, 1, err);
    if (!d->alive) return err->code;
    history->collapse_epoch = from ? from->collapse_epoch : 0;
    return SS_OK;
}

void train_diagnostics_free(TrainDiagnostics *d) {
    free(d->alive);
    d->alive = NULL;
}

static void epoch_begin(void *context, int epoch, const TrainPosition *from) {
    TrainDiagnostics *d = context;
    (void)epoch;
    d->epoch_class = from ? from->epoch_class : -1;
    if (from) memcpy(d->alive, from->alive, (size_t)d->relu_units);
    else memset(d->alive, 0, (size_t)d->relu_units);
}

/* Marks the ReLU units that fired (> 0) for some image of the last forward. A conv fused with
 * its 2x2 pool is read after the pool: relu(max(window)) > 0 somewhere iff the conv output is
 * > 0 somewhere. Units already alive are skipped, so a healthy network costs little. */
static void mark_alive(const TrainDiagnostics *d, const Model *model, int count) {
    const ModelSpec *spec = d->spec;
    int layers[MODEL_MAX_LAYERS];
    const int n = model_relu_layers(spec, layers, NULL);
    uint8_t *alive = d->alive;
    for (int k = 0; k < n; k++) {
        const int l = layers[k];
        const LayerSpec *S = &spec->layers[l];
        if (S->kind == LAYER_DENSE) {
            const float *out = model_layer_output(model, l);
            for (int u = 0; u < S->units; u++)
                for (int b = 0; b < count && !alive[u]; b++) alive[u] = out[(int64_t)b * S->units + u] > 0.0f;
        } else {
            const int fused = l + 1 < spec->layer_count && spec->layers[l + 1].kind == LAYER_POOL;
            const LayerSpec *O = fused ? &spec->layers[l + 1] : S;
            const float *out = model_layer_output(model, fused ? l + 1 : l);
            const int64_t hw = (int64_t)O->out_h * O->out_w, image = hw * S->units;
            for (int u = 0; u < S->units; u++)
                for (int b = 0; b < count && !alive[u]; b++) {
                    const float *p = out + b * image + u * hw;
                    for (int64_t start = 0; start < hw && !alive[u]; start += 256) {   /* blocks: vectorizable */
                        const int64_t end = start + 256 < hw ? start + 256 : hw;
                        int any = 0;
                        for (int64_t i = start; i < end; i++) any |= p[i] > 0.0f;
                        alive[u] = (uint8_t)any;
                    }
                }
        }
        alive += S->units;
    }
}

static void batch_done(void *context, const Model *model, int count) {
    TrainDiagnostics *d = context;
    const int classes = d->spec->class_count;
    const float *probs = model_probs(model);
    for (int b = 0; b < count; b++) {
        const int predicted = model_predicted_class(probs + b * classes, classes);
        if (d->epoch_class == -1) d->epoch_class = predicted;
        else if (d->epoch_class != predicted) d->epoch_class = -2;
    }
    mark_alive(d, model, count);
}

/* The epoch's dead fractions per ReLU layer, and the collapse epoch: set by the first of a run
 * of one-class epochs, cleared by an epoch that predicted several classes. A diverged epoch
 * leaves the collapse epoch alone and has NaN fractions. */
static void epoch_end(void *context, int epoch, int diverged) {
    TrainDiagnostics *d = context;
    TrainHistory *h = d->history;
    float *dead = h->dead_relu ? h->dead_relu + (int64_t)epoch * d->relu_layers : NULL;
    if (diverged) {
        for (int k = 0; dead && k < d->relu_layers; k++) dead[k] = NAN;
        return;
    }
    const uint8_t *alive = d->alive;
    int layers[MODEL_MAX_LAYERS];
    model_relu_layers(d->spec, layers, NULL);
    for (int k = 0; dead && k < d->relu_layers; k++) {
        const int units = d->spec->layers[layers[k]].units;
        int dead_units = 0;
        for (int u = 0; u < units; u++) dead_units += !alive[u];
        dead[k] = (float)((double)dead_units / units);
        alive += units;
    }
    if (d->epoch_class < 0) h->collapse_epoch = 0;
    else if (!h->collapse_epoch) h->collapse_epoch = epoch + 1;
}

static void fill_position(void *context, TrainPosition *position, int epoch_ends) {
    TrainDiagnostics *d = context;
    position->collapse_epoch = d->history->collapse_epoch;
    position->epoch_class = epoch_ends ? -1 : d->epoch_class;
    position->alive = d->alive;
}

TrainObserver train_diagnostics_observer(TrainDiagnostics *d) {
    return (TrainObserver){.epoch_begin = epoch_begin, .batch_done = batch_done, .epoch_end = epoch_end,
                           .fill_position = fill_position, .context = d};
}
