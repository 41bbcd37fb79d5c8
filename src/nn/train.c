/* train.c - the epoch loop over an image set (shuffle, batches, statistics, the boundary
 * protocol of stops, checkpoints and resumes) and evaluation; every batch goes through
 * model.c's forward, backward and update. Observers (train.h) watch the loop. */
#include "seedsweep/train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "seedsweep/rng.h"
#include "seedsweep/train_diagnostics.h"

static int check_images(const Model *m, const ImageSet *set, const char *what, Error *err) {
    const ModelSpec *s = model_spec(m);
    if (set->h != s->input_h || set->w != s->input_w || set->c != s->input_c)
        return error_set(err, SS_ERR_INPUT, "%s: images are %dx%dx%d but the model's input is %dx%dx%d", what,
                         set->h, set->w, set->c, s->input_h, s->input_w, s->input_c);
    if (set->count < 1) return error_set(err, SS_ERR_INPUT, "%s: the dataset holds no images", what);
    for (int64_t i = 0; i < set->count; i++)
        if (set->labels[image_set_at(set, i)] >= s->class_count)
            return error_set(err, SS_ERR_INPUT, "%s: image %lld has label %d but the model has %d classes", what,
                             (long long)image_set_at(set, i), set->labels[image_set_at(set, i)], s->class_count);
    return SS_OK;
}

/* A position fits when it lies on a batch boundary of this data and config. */
static int check_position(const TrainPosition *from, const ImageSet *train, const TrainConfig *cfg, Error *err) {
    if (from->epoch < 0 || from->epoch > cfg->epochs || from->next_image < 0 || from->next_image >= train->count ||
        from->next_image % cfg->batch || (from->epoch == cfg->epochs && from->next_image) || from->correct < 0 ||
        from->correct > from->next_image)
        return error_set(err, SS_ERR_INPUT,
                         "train: cannot resume at epoch %d image %lld (%d epochs of %lld images in batches of %d)",
                         from->epoch + 1, (long long)from->next_image, cfg->epochs, (long long)train->count,
                         cfg->batch);
    return SS_OK;
}

static void identity_shuffle(Rng *rng, int64_t *order, int64_t count) {
    for (int64_t i = 0; i < count; i++) order[i] = i;
    rng_shuffle(rng, order, count);
}

/* Philox is counter-based but rng_below rejects draws, so an epoch's shuffle uses a
 * data-dependent number of them: replay the earlier shuffles (cheap next to one batch) and
 * check the counter the position saved. */
static int replay_order(Rng *rng, int64_t *order, int64_t count, const TrainPosition *from, Error *err) {
    for (int e = 0; e < from->epoch; e++) identity_shuffle(rng, order, count);
    if (rng->counter != from->order_counter)
        return error_set(err, SS_ERR_INPUT,
                         "train: the data order replayed to epoch %d is at draw %llu, the saved position says %llu",
                         from->epoch + 1, (unsigned long long)rng->counter, (unsigned long long)from->order_counter);
    return SS_OK;
}

/* One training run's state, shared by its epochs. */
typedef struct TrainRun {
    Model *model;
    const ImageSet *train;
    const TrainConfig *cfg;
    TrainHistory *history;
    const TrainObserver *observer;
    int64_t *order;             /* this epoch's permutation of the images */
    Rng rng;                    /* the order stream */
    Error *err;
} TrainRun;

/* At a batch boundary: the position reached (an epoch's end is the start of the next), with
 * the observer's part, to cfg->at_boundary. */
static void report_boundary(TrainRun *t, int epoch, int64_t next_image, double loss_sum, int64_t correct,
                            uint64_t epoch_counter, int stop) {
    const int epoch_ends = next_image >= t->train->count;
    TrainPosition here = {.epoch = epoch, .next_image = next_image, .loss_sum = loss_sum, .correct = correct,
                          .order_counter = epoch_counter};
    if (epoch_ends) here = (TrainPosition){.epoch = epoch + 1, .order_counter = t->rng.counter};
    if (t->observer->fill_position) t->observer->fill_position(t->observer->context, &here, epoch_ends);
    t->cfg->at_boundary(t->cfg->boundary_context, &here, stop);
}

/* One epoch, from its start or from the resume position inside it. The statistics are summed in
 * batch order: that order fixes the results bit for bit. */
static int train_epoch(TrainRun *t, int epoch) {
    const TrainConfig *cfg = t->cfg;
    const TrainObserver *o = t->observer;
    TrainHistory *h = t->history;
    const int64_t count_all = t->train->count;
    const int classes = model_spec(t->model)->class_count;
    const uint64_t epoch_counter = t->rng.counter;
    identity_shuffle(&t->rng, t->order, count_all);
    const TrainPosition *from = cfg->resume && epoch == cfg->resume->epoch ? cfg->resume : NULL;
    double loss_sum = from ? from->loss_sum : 0.0;
    int64_t correct = from ? from->correct : 0;
    if (o->epoch_begin) o->epoch_begin(o->context, epoch, from && from->next_image ? from : NULL);
    for (int64_t start = from ? from->next_image : 0; start < count_all; start += cfg->batch) {
        const int count = (int)(count_all - start < cfg->batch ? count_all - start : cfg->batch);
        model_load_images(t->model, t->train, t->order + start, 0, count);
        const float loss = model_forward(t->model, NULL, model_labels(t->model), count);
        if (!isfinite(loss)) {
            h->diverged = 1;
            break;
        }
        const float *losses = model_losses(t->model), *probs = model_probs(t->model);
        const uint8_t *labels = model_labels(t->model);
        for (int b = 0; b < count; b++) {
            loss_sum += losses[b];
            correct += model_predicted_class(probs + b * classes, classes) == labels[b];
        }
        if (o->batch_done) o->batch_done(o->context, t->model, count);
        model_backward(t->model);
        model_adam_step(t->model, cfg->lr, cfg->beta1, cfg->beta2, cfg->eps);
        if (start + count >= count_all) {
            h->loss[epoch] = (float)(loss_sum / count_all);
            h->accuracy[epoch] = (float)((double)correct / count_all);
            h->epochs_done = epoch + 1;
            if (o->epoch_end) o->epoch_end(o->context, epoch, 0);
        }
        const int stop = cfg->between_batches && cfg->between_batches(cfg->context);
        if (cfg->at_boundary) report_boundary(t, epoch, start + count, loss_sum, correct, epoch_counter, stop);
        if (stop) return error_set(t->err, SS_INTERRUPTED, "train: interrupted in epoch %d", epoch + 1);
    }
    if (h->diverged) {
        h->loss[epoch] = h->accuracy[epoch] = NAN;
        h->epochs_done = epoch + 1;
        if (o->epoch_end) o->epoch_end(o->context, epoch, 1);
    }
    return SS_OK;
}

int model_train(Model *model, const ImageSet *train, const TrainConfig *cfg, uint64_t order_seed,
                TrainHistory *history, Error *err) {
    history->epochs_done = 0;
    history->diverged = 0;
    history->collapse_epoch = 0;
    if (cfg->epochs < 0 || cfg->batch < 1 || cfg->batch > model_max_batch(model))
        return error_set(err, SS_ERR_INPUT, "train: batch %d must be in 1..%d and epochs (%d) >= 0", cfg->batch,
                         model_max_batch(model), cfg->epochs);
    if (check_images(model, train, "train", err)) return err->code;
    const TrainPosition *from = cfg->resume;
    if (from && check_position(from, train, cfg, err)) return err->code;
    TrainDiagnostics diagnostics;
    if (train_diagnostics_init(&diagnostics, model_spec(model), history, from, err)) return err->code;
    const TrainObserver observer = train_diagnostics_observer(&diagnostics);
    TrainRun run = {.model = model, .train = train, .cfg = cfg, .history = history, .observer = &observer,
                    .rng = rng_stream(order_seed, RNG_PURPOSE_ORDER), .err = err};
    run.order = ss_calloc((size_t)train->count, sizeof *run.order, err);
    int status = run.order ? SS_OK : err->code;
    if (status == SS_OK && from) {
        status = replay_order(&run.rng, run.order, train->count, from, err);
        if (status == SS_OK) history->epochs_done = from->epoch;
    } else if (status == SS_OK) {
        model_adam_reset(model);
    }
    model_use_threads(model, cfg->threads);
    for (int epoch = from ? from->epoch : 0; status == SS_OK && epoch < cfg->epochs && !history->diverged; epoch++)
        status = train_epoch(&run, epoch);
    model_use_threads(model, 0);
    free(run.order);
    train_diagnostics_free(&diagnostics);
    return status;
}

/* Images per loss block: whole batches, at least 256 images (see train.h). */
static int64_t loss_block(int batch) { return (int64_t)batch * (batch >= 256 ? 1 : (256 + batch - 1) / batch); }

int model_evaluate(Model *model, const ImageSet *set, const EvalConfig *cfg, float *probs, EvalResult *result,
                   Error *err) {
    memset(result, 0, sizeof *result);
    if (check_images(model, set, "evaluate", err)) return err->code;
    const int classes = model_spec(model)->class_count, max_batch = model_max_batch(model);
    const int64_t block = loss_block(max_batch);
    double loss_sum = 0.0, block_sum = 0.0;
    int64_t correct = 0;
    int first_prediction = -1, collapsed = 1;
    for (int64_t start = 0; start < set->count; start += max_batch) {
        const int count = (int)(set->count - start < max_batch ? set->count - start : max_batch);
        model_load_images(model, set, NULL, start, count);
        model_forward(model, NULL, model_labels(model), count);
        const float *batch_probs = model_probs(model), *losses = model_losses(model);
        const uint8_t *labels = model_labels(model);
        for (int b = 0; b < count; b++) {
            const float *p = batch_probs + b * classes;
            int predicted = model_predicted_class(p, classes);
            if (first_prediction < 0) first_prediction = predicted;
            if (predicted != first_prediction) collapsed = 0;
            correct += predicted == labels[b];
            block_sum += losses[b];
            if (probs) memcpy(probs + (start + b) * classes, p, sizeof(float) * classes);
        }
        int64_t end = start + count;
        if (end % block == 0 || end == set->count) {   /* a block ends: add its float-rounded mean */
            int64_t in_block = end % block ? end % block : block;
            loss_sum += (double)(float)(block_sum / in_block) * in_block;
            block_sum = 0.0;
        }
        if (end < set->count && cfg && cfg->between_batches && cfg->between_batches(cfg->context))
            return error_set(err, SS_INTERRUPTED, "evaluate: interrupted");
    }
    result->accuracy = (float)((double)correct / set->count);
    result->loss = (float)(loss_sum / set->count);
    result->collapsed = collapsed;
    return SS_OK;
}
