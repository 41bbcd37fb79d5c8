/* task.c - one task from start to finish: the plan's two seeds, model_init, model_train on the
 * training dataset, model_evaluate on every dataset (the training one included). */
#include "seedsweep/task.h"

#include <math.h>

#include "seedsweep/plan.h"

/* The network's view of a loaded dataset (no copy). */
static ImageSet image_set(const Dataset *ds) {
    return (ImageSet){.count = ds->count, .h = ds->height, .w = ds->width, .c = ds->channels,
                      .pixels = ds->images, .labels = ds->labels};
}

int task_run(const TaskRunner *runner, int64_t task, TaskResult *r, Error *err) {
    const JobSpec *job = runner->job;
    PlanTask plan = plan_task(job, task);
    double t0 = ss_now();
    model_init(runner->model, job->init, plan.init_seed);
    TrainConfig cfg = {.epochs = job->epochs, .batch = job->batch, .lr = job->lr, .beta1 = job->beta1,
                       .beta2 = job->beta2, .eps = job->eps, .threads = runner->threads,
                       .between_batches = runner->between_batches, .context = runner->context};
    TrainHistory history = {.loss = r->train_loss, .accuracy = r->train_accuracy};
    ImageSet train = image_set(&runner->sets[plan.dataset]);
    int rc = model_train(runner->model, &train, &cfg, plan.order_seed, &history, err);
    if (rc != SS_OK) return rc;
    /* epochs not reached (training diverged) are NaN in the results file */
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
