/* layer_timer.c - per-layer clocks as an observer of the model's layer walk (layer_timer.h). */
#include "seedsweep/layer_timer.h"

#include <string.h>

static void step_begin(void *context, int layer, int backward) {
    (void)layer;
    (void)backward;
    ((LayerTimer *)context)->started = ss_now();
}

static void step_end(void *context, int layer, int backward) {
    LayerTimer *timer = context;
    (backward ? timer->backward : timer->forward)[layer] += ss_now() - timer->started;
}

void layer_timer_attach(LayerTimer *timer, Model *model) {
    memset(timer, 0, sizeof *timer);
    model_observe(model, &(ModelObserver){.step_begin = step_begin, .step_end = step_end, .context = timer});
}

void layer_timer_read(const LayerTimer *timer, int layer_count, double *forward, double *backward) {
    for (int l = 0; l < layer_count; l++) {
        forward[l] = timer->forward[l];
        backward[l] = timer->backward[l];
    }
}
