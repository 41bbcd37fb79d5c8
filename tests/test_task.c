/* test_task.c - one task of a sweep without MPI or files (task_run, linked against the core
 * only): a task's rows are complete and plausible; its result depends on the job and the task
 * number only (not on what the model ran before, nor on the thread count); different seeds give
 * different results; a stop mid-training or mid-evaluation leaves a checkpoint, and the rerun
 * resumes from it bit-identical to a task never stopped; a damaged checkpoint is refused and the
 * task starts over, again bit-identical. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "seedsweep/checkpoint.h"
#include "seedsweep/job_results.h"
#include "seedsweep/rng.h"
#include "seedsweep/task.h"

enum { SIZE = 12, COUNT_A = 40, COUNT_B = 24 };

/* epochs 2, batch 8: 5 training boundaries per epoch on a, 10 in all */
static const char *JOB = "[sweep]\nseeds = 0-2\ntrain = a b\n[datasets]\na = a.h5\nb = b.h5\n"
                         "[model]\ninput = 12x12x1\nlayers = conv4 pool dense8 dense2\n"
                         "[train]\nepochs = 2\nbatch = 8\ncheckpoint_every = off\n";

/* Two classes told apart by a bright stripe, with noise. */
static void make_set(Dataset *ds, int64_t count, uint64_t seed) {
    Error err = {0};
    dataset_alloc(ds, count, SIZE, SIZE, 1, 2, &err);
    ds->class_names[0] = strdup("dark");
    ds->class_names[1] = strdup("striped");
    Rng rng = rng_stream(seed, RNG_PURPOSE_TEST);
    for (int64_t n = 0; n < count; n++) {
        ds->labels[n] = (uint8_t)(n % 2);
        uint8_t *p = dataset_image(ds, n);
        for (int i = 0; i < SIZE * SIZE; i++) p[i] = (uint8_t)(rng_below(&rng, 100) + (ds->labels[n] && i % SIZE == 5 ? 150 : 0));
    }
}

/* between_batches: stops at its stop_at-th call (0: never). */
typedef struct Stop {
    int calls, stop_at;
} Stop;
static int stop_when_due(void *context) {
    Stop *s = context;
    return ++s->calls == s->stop_at;
}

typedef struct Fixture {
    JobSpec job;
    Dataset sets[2];
    ResultsShape shape;
    char dir[64];               /* the checkpoint directory */
} Fixture;

/* task_run of task on a fresh model (threads threads) into r; stop as in Stop. */
static int run(const Fixture *f, int64_t task, int threads, int stop_at, const char *checkpoint_dir, TaskResult *r,
               Error *err) {
    Model *model = model_create(&f->job.model, f->job.batch, threads, err);
    if (!model) return SS_ERR_RUNTIME;
    Stop stop = {.stop_at = stop_at};
    TaskRunner runner = {.job = &f->job, .sets = f->sets, .model = model, .threads = threads,
                         .between_batches = stop_when_due, .context = &stop, .checkpoint_dir = checkpoint_dir};
    int rc = task_run(&runner, task, r, err);
    model_free(model);
    return rc;
}

/* Every row and scalar of two results equal bit for bit. */
static int same_result(const TaskResult *a, const TaskResult *b, const ResultsShape *shape) {
    const size_t D = (size_t)shape->dataset_count, E = (size_t)shape->epochs;
    return a->task == b->task && a->status == b->status && a->collapse_epoch == b->collapse_epoch &&
           !memcmp(a->accuracy, b->accuracy, 4 * D) && !memcmp(a->loss, b->loss, 4 * D) &&
           !memcmp(a->collapsed, b->collapsed, D) && !memcmp(a->train_loss, b->train_loss, 4 * E) &&
           !memcmp(a->train_accuracy, b->train_accuracy, 4 * E) &&
           !memcmp(a->dead_relu, b->dead_relu, 4 * E * (size_t)shape->relu_layer_count) &&
           !memcmp(a->predictions, b->predictions, 4 * (size_t)results_prediction_count(shape));
}

static void plausible(const Fixture *f, const TaskResult *r) {
    int ok = r->task == 1 && r->status == TASK_DONE && r->seconds > 0 && r->collapse_epoch >= 0;
    for (int d = 0; d < 2; d++) ok = ok && r->accuracy[d] >= 0 && r->accuracy[d] <= 1 && isfinite(r->loss[d]);
    for (int e = 0; e < 2; e++) ok = ok && isfinite(r->train_loss[e]) && r->train_accuracy[e] >= 0;
    int rows = 1;
    for (int64_t i = 0; i < results_prediction_count(&f->shape) / 2; i++) {
        float s = r->predictions[2 * i] + r->predictions[2 * i + 1];
        rows = rows && fabsf(s - 1.0f) < 1e-5f;
    }
    CHECK(ok && rows, "task 1 done: accuracy, loss and history finite, every prediction row a softmax (acc a=%g b=%g)",
          r->accuracy[0], r->accuracy[1]);
}

/* A stop at boundary stop_at leaves a checkpoint; the rerun resumes from it to want's result. */
static void stop_and_rerun(const Fixture *f, int stop_at, const char *when, const TaskResult *want) {
    TaskResult r;
    Error err = {0};
    task_result_alloc(&r, &f->shape, &err);
    char path[256];
    checkpoint_path(f->dir, 1, path, sizeof path);
    int rc = run(f, 1, 1, stop_at, f->dir, &r, &err);
    int saved = access(path, F_OK) == 0;
    CHECK(rc == SS_INTERRUPTED && saved, "task stopped %s: SS_INTERRUPTED, checkpoint %s left", when, path);
    rc = run(f, 1, 2, 0, f->dir, &r, &err);
    CHECK(rc == SS_OK && same_result(&r, want, &f->shape),
          "task stopped %s, rerun (2 threads) from the checkpoint: bit-identical to a task never stopped", when);
    checkpoint_prune(f->dir, NULL, 0);
    task_result_free(&r);
}

int main(void) {
    Fixture f;
    Error err = {0};
    CHECK(jobfile_parse_text(JOB, "task.ini", &f.job, &err) == SS_OK, "task job parses (%s)", err.message);
    make_set(&f.sets[0], COUNT_A, 1);
    make_set(&f.sets[1], COUNT_B, 2);
    job_results_shape(&f.job, f.sets, &f.shape);
    snprintf(f.dir, sizeof f.dir, "/tmp/seedsweep-test-task-%d.ckpt", (int)getpid());

    TaskResult want, r;
    task_result_alloc(&want, &f.shape, &err);
    task_result_alloc(&r, &f.shape, &err);
    CHECK(run(&f, 1, 1, 0, NULL, &want, &err) == SS_OK, "task 1 runs (%s)", err.message);
    plausible(&f, &want);

    /* the same task on a model that ran another task first, and with 2 threads */
    Model *model = model_create(&f.job.model, f.job.batch, 1, &err);
    TaskRunner runner = {.job = &f.job, .sets = f.sets, .model = model, .threads = 1};
    int rc = task_run(&runner, 4, &r, &err);
    rc = rc == SS_OK ? task_run(&runner, 1, &r, &err) : rc;
    model_free(model);
    CHECK(rc == SS_OK && same_result(&r, &want, &f.shape), "task 1 after task 4 on the same model: bit-identical");
    rc = run(&f, 1, 2, 0, NULL, &r, &err);
    CHECK(rc == SS_OK && same_result(&r, &want, &f.shape), "task 1 with 2 threads: bit-identical");
    rc = run(&f, 2, 1, 0, NULL, &r, &err);
    CHECK(rc == SS_OK && r.task == 2 && memcmp(r.predictions, want.predictions, 4 * (size_t)results_prediction_count(&f.shape)),
          "task 2 (another seed) predicts differently from task 1");

    stop_and_rerun(&f, 3, "mid-epoch 1 (boundary 3)", &want);
    stop_and_rerun(&f, 7, "mid-epoch 2 (boundary 7)", &want);
    stop_and_rerun(&f, 12, "during evaluation", &want);

    /* a damaged checkpoint is refused: the task starts over */
    rc = run(&f, 1, 1, 4, f.dir, &r, &err);
    char path[256];
    checkpoint_path(f.dir, 1, path, sizeof path);
    FILE *file = fopen(path, "r+b");
    if (file) {
        fseek(file, 200, SEEK_SET);
        fputc(0x5a, file);
        fclose(file);
    }
    rc = rc == SS_INTERRUPTED ? run(&f, 1, 1, 0, f.dir, &r, &err) : rc;
    CHECK(rc == SS_OK && same_result(&r, &want, &f.shape), "task with a damaged checkpoint starts over: bit-identical");
    checkpoint_prune(f.dir, NULL, 0);

    task_result_free(&want);
    task_result_free(&r);
    dataset_free(&f.sets[0]);
    dataset_free(&f.sets[1]);
    jobfile_free(&f.job);
    return check_exit();
}
