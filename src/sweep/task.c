/* task.c - one task from start to finish: the plan's two seeds, model_init, model_train on the
 * training dataset, model_evaluate on every dataset (the training one included).
 * Checkpoints: a task first looks for its checkpoint and, when one is trusted, restores
 * the model's state and continues from its position instead of model_init; while it trains, it
 * saves one at a batch boundary when a stop is requested or checkpoint_every is due, and when a
 * stop arrives during evaluation it saves the trained weights. The file format is checkpoint.c's. */
#include "seedsweep/task.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "seedsweep/checkpoint.h"
#include "seedsweep/plan.h"
#include "seedsweep/progress.h"
#include "seedsweep/train.h"

/* The network's view of a loaded dataset (no copy). */
static ImageSet image_set(const Dataset *ds) {
    return (ImageSet){.count = ds->count, .h = ds->height, .w = ds->width, .c = ds->channels,
                      .pixels = ds->images, .labels = ds->labels};
}

/* One task's checkpointing: what a save needs, and when the last one was. */
typedef struct TaskCheckpoints {
    const TaskRunner *runner;
    CheckpointKey key;
    TaskResult *result;         /* its train_loss/train_accuracy hold the history so far */
    double started, last_save;  /* ss_now() */
    double seconds_before;      /* the task's time in earlier runs */
} TaskCheckpoints;

static void save(TaskCheckpoints *c, int phase, const TrainPosition *position, int diverged) {
    Model *model = c->runner->model;
    Error err = {0};
    Checkpoint ckpt = {.phase = phase, .diverged = diverged, .position = *position, .rank = c->runner->rank,
                       .seconds = c->seconds_before + ss_now() - c->started,
                       .train_loss = c->result->train_loss, .train_accuracy = c->result->train_accuracy,
                       .dead_relu = c->result->dead_relu};
    ckpt.state = malloc(c->key.state_bytes);
    if (!ckpt.state) {
        error_set(&err, SS_ERR_RUNTIME, "out of memory for the model state");
    } else {
        model_state_save(model, ckpt.state);
        checkpoint_write(c->runner->checkpoint_dir, &c->key, &ckpt, &err);
        free(ckpt.state);
    }
    if (err.code) progress_checkpoint_failed(c->runner->rank, c->key.task, &err);
    c->last_save = ss_now();
}

/* model_train's boundary hook: save on a stop, or when checkpoint_every is due. */
static void at_boundary(void *context, const TrainPosition *position, int stopping) {
    TaskCheckpoints *c = context;
    const CheckpointEvery *every = &c->runner->job->checkpoint_every;
    int due = stopping;
    if (position->epoch < c->key.epochs) {   /* after the last epoch, evaluation is next anyway */
        if (every->kind == CHECKPOINT_SECONDS && ss_now() - c->last_save >= every->seconds) due = 1;
        if (every->kind == CHECKPOINT_EPOCHS && position->next_image == 0 && position->epoch % every->epochs == 0)
            due = 1;
    }
    if (due) save(c, CHECKPOINT_TRAINING, position, 0);
}

/* The task's trusted checkpoint into ckpt (1), or 0: none, or refused with a warning. */
static int load_checkpoint(TaskCheckpoints *c, Checkpoint *ckpt) {
    int found = 0;
    Error err = {0};
    if (checkpoint_read(c->runner->checkpoint_dir, &c->key, ckpt, &found, &err) != SS_OK) {
        progress_checkpoint_refused(c->runner->rank, c->key.task, &err);
        return 0;
    }
    return found;
}

/* The task's resample of its training set (plan_sample_indices): a view of full's images through
 * *picks (freed by the caller), so the node's one copy of the images stays the only one. */
static int resample(const JobSpec *job, const ImageSet *full, uint64_t sample_seed, ImageSet *out, int64_t **picks,
                    Error *err) {
    *picks = ss_calloc((size_t)full->count, sizeof **picks, err);
    if (!*picks) return SS_ERR_RUNTIME;
    int64_t n = plan_sample_indices(job, sample_seed, full->count, *picks);
    *out = *full;
    out->count = n;
    out->picks = *picks;
    return SS_OK;
}

/* Continues a task from its trusted checkpoint: restores the model and the history so far, then
 * trains on from the saved position (or goes straight to evaluation). A position that does not
 * fit is never trusted: the warning names the file and *resumed drops to 0 (the caller starts over). */
static int resume_from(TaskCheckpoints *c, const Checkpoint *saved, const TrainSettings *settings,
                       const ImageSet *train, uint64_t order_seed, TrainConfig *cfg, TrainHistory *history,
                       int *resumed, Error *err) {
    const TaskRunner *runner = c->runner;
    TaskResult *r = c->result;
    const int64_t task = c->key.task;
    char path[4096];
    checkpoint_path(runner->checkpoint_dir, task, path, sizeof path);
    model_state_restore(runner->model, saved->state);
    const size_t epochs_done = sizeof(float) * (size_t)saved->position.epoch;
    memcpy(r->train_loss, saved->train_loss, epochs_done);
    memcpy(r->train_accuracy, saved->train_accuracy, epochs_done);
    memcpy(r->dead_relu, saved->dead_relu, epochs_done * (size_t)c->key.relu_layers);
    c->seconds_before = saved->seconds;
    int evaluating = saved->phase == CHECKPOINT_EVALUATING;
    int trained = evaluating || saved->position.epoch == settings->epochs;
    progress_task_resumed(runner->rank, task, path, trained, saved->position.epoch + !trained,
                          saved->position.next_image / settings->batch + 1, settings->epochs);
    if (evaluating) {
        history->epochs_done = saved->position.epoch;
        history->diverged = saved->diverged;
        history->collapse_epoch = saved->position.collapse_epoch;
        return SS_OK;
    }
    cfg->resume = &saved->position;
    int rc = model_train(runner->model, train, cfg, order_seed, history, err);
    if (rc == SS_ERR_INPUT) {
        Error refused;
        error_set(&refused, SS_ERR_INPUT, "%s: %s", path, err->message);
        progress_checkpoint_refused(runner->rank, task, &refused);
        error_clear(err);
        *resumed = 0;
        c->seconds_before = 0;
        rc = SS_OK;
    }
    return rc;
}

/* Every dataset through the trained network into the task's rows; a stop during evaluation saves
 * the trained state, so the rerun only evaluates. */
static int evaluate_all(TaskCheckpoints *c, const TrainHistory *history, Error *err) {
    const TaskRunner *runner = c->runner;
    TaskResult *r = c->result;
    EvalConfig eval = {.between_batches = runner->between_batches, .context = runner->context};
    const int classes = model_spec(runner->model)->class_count;
    float *predictions = r->predictions;
    for (int d = 0; d < runner->job->dataset_count; d++) {
        ImageSet set = image_set(&runner->sets[d]);
        EvalResult result;
        int rc = model_evaluate(runner->model, &set, &eval, predictions, &result, err);
        if (rc == SS_INTERRUPTED && runner->checkpoint_dir) {
            TrainPosition trained = {.epoch = history->epochs_done, .collapse_epoch = history->collapse_epoch,
                                     .epoch_class = -1};
            save(c, CHECKPOINT_EVALUATING, &trained, history->diverged);
        }
        if (rc != SS_OK) return rc;
        r->accuracy[d] = result.accuracy;
        r->loss[d] = result.loss;
        r->collapsed[d] = (int8_t)result.collapsed;
        predictions += set.count * classes;
    }
    return SS_OK;
}

int task_run(const TaskRunner *runner, int64_t task, TaskResult *r, Error *err) {
    const JobSpec *job = runner->job;
    PlanTask plan = plan_task(job, task);
    double t0 = ss_now();
    TrainSettings settings;   /* the job's [train] values, or this task's grid point */
    jobfile_train_settings(job, plan.grid, &settings);
    ImageSet train = image_set(&runner->sets[plan.dataset]);
    int64_t *sample_picks = NULL;
    if (plan.sample_seed >= 0) {
        int rc = resample(job, &train, (uint64_t)plan.sample_seed, &train, &sample_picks, err);
        if (rc != SS_OK) return rc;
    }
    TaskCheckpoints c = {.runner = runner, .result = r, .started = t0, .last_save = t0,
                         .key = {.job_sha256 = job->sha256, .task = task, .train_count = train.count,
                                 .epochs = settings.epochs, .batch = settings.batch,
                                 .state_bytes = model_state_size(runner->model)}};
    c.key.relu_layers = model_relu_layers(model_spec(runner->model), NULL, &c.key.relu_units);
    Checkpoint saved = {0};
    int resumed = runner->checkpoint_dir && load_checkpoint(&c, &saved);
    TrainConfig cfg = {.epochs = settings.epochs, .batch = settings.batch, .lr = settings.lr, .beta1 = settings.beta1,
                       .beta2 = settings.beta2, .eps = settings.eps, .threads = runner->threads,
                       .between_batches = runner->between_batches, .context = runner->context,
                       .at_boundary = runner->checkpoint_dir ? at_boundary : NULL, .boundary_context = &c};
    TrainHistory history = {.loss = r->train_loss, .accuracy = r->train_accuracy, .dead_relu = r->dead_relu};
    int rc = SS_OK;
    if (resumed) {
        rc = resume_from(&c, &saved, &settings, &train, plan.order_seed, &cfg, &history, &resumed, err);
        checkpoint_free(&saved);
    }
    if (!resumed && rc == SS_OK) {
        cfg.resume = NULL;
        model_init(runner->model, job->init, plan.init_seed);
        rc = model_train(runner->model, &train, &cfg, plan.order_seed, &history, err);
    }
    free(sample_picks);
    if (rc != SS_OK) return rc;
    /* epochs not reached (training diverged, or this grid point trains fewer than the job's
     * largest epochs) are NaN in the results file */
    for (int e = history.epochs_done; e < job->epochs; e++) r->train_loss[e] = r->train_accuracy[e] = NAN;
    for (int64_t i = (int64_t)history.epochs_done * c.key.relu_layers; i < (int64_t)job->epochs * c.key.relu_layers; i++)
        r->dead_relu[i] = NAN;
    r->collapse_epoch = history.collapse_epoch;
    rc = evaluate_all(&c, &history, err);
    if (rc != SS_OK) return rc;
    r->task = task;
    r->status = history.diverged ? TASK_DIVERGED : TASK_DONE;
    r->seconds = c.seconds_before + ss_now() - t0;
    return SS_OK;
}
