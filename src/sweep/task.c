/* task.c - one task from start to finish: the plan's two seeds, model_init, model_train on the
 * training dataset, model_evaluate on every dataset (the training one included). */
#include "seedsweep/task.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "seedsweep/plan.h"

/* The network's view of a loaded dataset (no copy). */
static ImageSet image_set(const Dataset *ds) {
    return (ImageSet){.count = ds->count, .h = ds->height, .w = ds->width, .c = ds->channels,
                      .pixels = ds->images, .labels = ds->labels};
}

/* The task's resample of its training set (plan_sample_indices), copied into *pixels and *labels
 * (freed by the caller). */
static int resample(const JobSpec *job, const ImageSet *full, uint64_t sample_seed, ImageSet *out, uint8_t **pixels,
                    uint8_t **labels, Error *err) {
    const size_t image = (size_t)full->h * full->w * full->c;
    int64_t *indices = ss_calloc((size_t)full->count, sizeof *indices, err);
    if (!indices) return SS_ERR_RUNTIME;
    int64_t n = plan_sample_indices(job, sample_seed, full->count, indices);
    *pixels = ss_calloc((size_t)n, image, err);
    *labels = *pixels ? ss_calloc((size_t)n, 1, err) : NULL;
    if (!*labels) {
        free(indices);
        return SS_ERR_RUNTIME;
    }
    for (int64_t i = 0; i < n; i++) {
        memcpy(*pixels + (size_t)i * image, full->pixels + (size_t)indices[i] * image, image);
        (*labels)[i] = full->labels[indices[i]];
    }
    free(indices);
    *out = *full;
    out->count = n;
    out->pixels = *pixels;
    out->labels = *labels;
    return SS_OK;
}

int task_run(const TaskRunner *runner, int64_t task, TaskResult *r, Error *err) {
    const JobSpec *job = runner->job;
    PlanTask plan = plan_task(job, task);
    double t0 = ss_now();
    model_init(runner->model, job->init, plan.init_seed);
    TrainSettings settings;
    jobfile_train_settings(job, plan.grid, &settings);
    TrainConfig cfg = {.epochs = settings.epochs, .batch = settings.batch, .lr = settings.lr, .beta1 = settings.beta1,
                       .beta2 = settings.beta2, .eps = settings.eps, .threads = runner->threads,
                       .between_batches = runner->between_batches, .context = runner->context};
    TrainHistory history = {.loss = r->train_loss, .accuracy = r->train_accuracy};
    ImageSet train = image_set(&runner->sets[plan.dataset]);
    uint8_t *sample_pixels = NULL, *sample_labels = NULL;
    int rc = plan.sample_seed < 0 ? SS_OK
                                  : resample(job, &train, (uint64_t)plan.sample_seed, &train, &sample_pixels, &sample_labels, err);
    if (rc == SS_OK) rc = model_train(runner->model, &train, &cfg, plan.order_seed, &history, err);
    free(sample_pixels);
    free(sample_labels);
    if (rc != SS_OK) return rc;
    /* epochs not reached (training diverged, or this grid point trains fewer than the job's
     * largest epochs) are NaN in the results file */
    for (int e = history.epochs_done; e < job->epochs; e++) r->train_loss[e] = r->train_accuracy[e] = NAN;

    EvalConfig eval = {.between_batches = runner->between_batches, .context = runner->context};
    const int classes = model_spec(runner->model)->class_count;
    float *predictions = r->predictions;
    for (int d = 0; d < job->dataset_count; d++) {
        ImageSet set = image_set(&runner->sets[d]);
        EvalResult result;
        rc = model_evaluate(runner->model, &set, &eval, predictions, &result, err);
        if (rc != SS_OK) return rc;
        r->accuracy[d] = result.accuracy;
        r->loss[d] = result.loss;
        r->collapsed[d] = (int8_t)result.collapsed;
        predictions += set.count * classes;
    }
    r->task = task;
    r->status = history.diverged ? TASK_DIVERGED : TASK_DONE;
    r->seconds = ss_now() - t0;
    return SS_OK;
}
