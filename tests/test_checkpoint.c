/* test_checkpoint.c - checkpoints inside a task: model_train stopped at any batch
 * boundary and resumed from the saved state and position ends bit-identical to a run never
 * stopped; the checkpoint file round-trips and refuses every corruption (a flipped byte,
 * truncation, another job, task or shape, a position that does not fit); prune keeps only what
 * it is told; [train] checkpoint_every parses and refuses bad values naming the key. Last, the
 * size and write time of a checkpoint of the paper's network (docs/reliability.md, "Checkpoints"). */
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "train_stopper.h"
#include "seedsweep/checkpoint.h"
#include "seedsweep/jobfile.h"
#include "seedsweep/model.h"
#include "seedsweep/rng.h"

enum { SIZE = 12, COUNT = 70, BATCH = 16, EPOCHS = 3 };   /* 5 batches per epoch, the last one short */

static ImageSet make_set(void) {
    uint8_t *pixels = malloc(COUNT * SIZE * SIZE), *labels = malloc(COUNT);
    Rng rng = rng_stream(3, RNG_PURPOSE_TEST);
    for (int n = 0; n < COUNT; n++) {
        labels[n] = (uint8_t)(n % 2);
        for (int i = 0; i < SIZE * SIZE; i++)
            pixels[n * SIZE * SIZE + i] = (uint8_t)(rng_below(&rng, 120) + (labels[n] && i % 7 == 0 ? 130 : 0));
    }
    return (ImageSet){.count = COUNT, .h = SIZE, .w = SIZE, .c = 1, .pixels = pixels, .labels = labels};
}

/* Stopper, stop_when_due, save_on_stop: tests/train_stopper.h */

static TrainConfig config(void) {
    return (TrainConfig){.epochs = EPOCHS, .batch = BATCH, .lr = 3e-3f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-7f,
                         .threads = 1};
}

/* Trains uninterrupted; returns the final state (malloc'd) and fills history. */
static void *train_straight(const ModelSpec *spec, const ImageSet *set, float *loss, float *acc) {
    Error err = {0};
    Model *model = model_create(spec, BATCH, 1, &err);
    model_init(model, INIT_GLOROT_UNIFORM, 11);
    TrainConfig cfg = config();
    TrainHistory h = {.loss = loss, .accuracy = acc};
    model_train(model, set, &cfg, 5, &h, &err);
    void *state = malloc(model_state_size(model));
    model_state_save(model, state);
    model_free(model);
    return state;
}

/* Stops at boundary stop_at, resumes in a fresh model from the saved state; 1 when the final
 * state and history equal the straight run's bit for bit. */
static int stop_and_resume(const ModelSpec *spec, const ImageSet *set, int stop_at, const void *want_state,
                           const float *want_loss, const float *want_acc, TrainPosition *where) {
    Error err = {0};
    Model *model = model_create(spec, BATCH, 1, &err);
    size_t bytes = model_state_size(model);
    Stopper s = {.stop_at = stop_at, .model = model, .state = malloc(bytes)};
    model_init(model, INIT_GLOROT_UNIFORM, 11);
    float loss[EPOCHS], acc[EPOCHS];
    TrainHistory h = {.loss = loss, .accuracy = acc}, h2 = {.loss = loss, .accuracy = acc};
    int rc;
    Model *other = stop_then_resume(&s, set, config(), 5, &h, &h2, &rc);
    int same = 0;
    if (other) {
        *where = s.position;
        model_state_save(other, s.state);
        same = rc == SS_OK && h2.epochs_done == EPOCHS && !memcmp(s.state, want_state, bytes) &&
               !memcmp(loss, want_loss, sizeof loss) && !memcmp(acc, want_acc, sizeof acc);
    }
    model_free(other);
    model_free(model);
    free(s.state);
    return same;
}

static const char *DIR_NAME = "test_checkpoint.tmp.ckpt";

static void corrupt_file(const char *path, long offset, int truncate_to) {
    FILE *f = fopen(path, "r+b");
    if (!f) return;
    if (truncate_to >= 0) {
        fclose(f);
        if (truncate(path, truncate_to)) perror("truncate");
        return;
    }
    fseek(f, offset, SEEK_SET);
    int c = fgetc(f);
    fseek(f, offset, SEEK_SET);
    fputc(c ^ 0x20, f);
    fclose(f);
}

static void file_tests(const ModelSpec *spec) {
    Error err = {0};
    Model *model = model_create(spec, BATCH, 1, &err);
    model_init(model, INIT_GLOROT_UNIFORM, 2);
    char sha[65];
    memset(sha, 'a', 64);
    sha[64] = 0;
    CheckpointKey key = {.job_sha256 = sha, .task = 4, .train_count = COUNT, .epochs = EPOCHS, .batch = BATCH,
                         .state_bytes = model_state_size(model), .relu_layers = 2, .relu_units = 12};
    float loss[EPOCHS] = {0.5f, 0.25f, NAN}, acc[EPOCHS] = {0.75f, 0.875f, NAN};
    float dead[EPOCHS * 2] = {0.25f, 0.5f, 1.0f, 0.125f, NAN, NAN};
    const uint8_t alive[12] = {1, 0, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0};
    void *state = malloc(key.state_bytes);
    model_state_save(model, state);
    int64_t steps = 2 * 5 + 32 / BATCH;   /* Adam's steps at epoch 2, image 32: one per mini-batch */
    memcpy(state, &steps, sizeof steps);
    Checkpoint out = {.phase = CHECKPOINT_TRAINING, .seconds = 12.5,
                      .position = {.epoch = 2, .next_image = 32, .loss_sum = 17.25, .correct = 20, .order_counter = 99,
                                   .collapse_epoch = 2, .epoch_class = 1, .alive = alive},
                      .train_loss = loss, .train_accuracy = acc, .state = state, .dead_relu = dead};
    char path[512];
    checkpoint_path(DIR_NAME, 4, path, sizeof path);
    int rc = checkpoint_write(DIR_NAME, &key, &out, &err);
    CHECK(rc == SS_OK, "checkpoint writes (%s)", err.message);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (size_t)st.st_size == 192 + 8 * EPOCHS + key.state_bytes + 4 * EPOCHS * 2 + 12 + 64,
          "checkpoint file is header + history + state + dead fractions + alive mask + checksum");
    Checkpoint in;
    int found = 0;
    rc = checkpoint_read(DIR_NAME, &key, &in, &found, &err);
    CHECK(rc == SS_OK && found && in.position.epoch == 2 && in.position.next_image == 32 &&
              in.position.loss_sum == 17.25 && in.position.correct == 20 && in.position.order_counter == 99 &&
              in.seconds == 12.5 && !memcmp(in.train_loss, loss, 8) && !memcmp(in.state, state, key.state_bytes) &&
              in.position.collapse_epoch == 2 && in.position.epoch_class == 1 && !memcmp(in.dead_relu, dead, 16) &&
              in.position.alive && !memcmp(in.position.alive, alive, 12),
          "checkpoint reads back what was written (collapse state, dead fractions and alive mask included)");
    if (rc == SS_OK) checkpoint_free(&in);

    CheckpointKey other = key;
    other.task = 5;
    rc = checkpoint_read(DIR_NAME, &other, &in, &found, &err);
    CHECK(rc == SS_OK && !found, "checkpoint: a task without one reads as absent");

    /* each refusal names the file and says why */
    struct {
        const char *name, *why;
        CheckpointKey key;
    } foreign[] = {{"another job", "another job", key}, {"another shape", "other shapes", key}};
    char other_sha[65];
    memcpy(other_sha, sha, 65);
    other_sha[0] = 'b';
    foreign[0].key.job_sha256 = other_sha;
    foreign[1].key.batch = BATCH / 2;
    for (int i = 0; i < 2; i++) {
        rc = checkpoint_read(DIR_NAME, &foreign[i].key, &in, &found, &err);
        CHECK(rc == SS_ERR_INPUT && strstr(err.message, path) && strstr(err.message, foreign[i].why),
              "checkpoint refused: %s (%s)", foreign[i].name, err.message);
    }
    CheckpointKey more_epochs = key;
    more_epochs.epochs = EPOCHS + 1;
    rc = checkpoint_read(DIR_NAME, &more_epochs, &in, &found, &err);
    CHECK(rc == SS_ERR_INPUT && strstr(err.message, "bytes"), "checkpoint refused: other size (%s)", err.message);

    /* a copy renamed to another task's name */
    char moved[512];
    checkpoint_path(DIR_NAME, 6, moved, sizeof moved);
    CheckpointKey six = key;
    six.task = 6;
    checkpoint_write(DIR_NAME, &key, &out, &err);
    rename(path, moved);
    rc = checkpoint_read(DIR_NAME, &six, &in, &found, &err);
    CHECK(rc == SS_ERR_INPUT && strstr(err.message, "another task"), "checkpoint refused: another task's (%s)",
          err.message);

    long offsets[] = {0, 100, 192 + 3, (long)(192 + 8 * EPOCHS + key.state_bytes / 2), (long)st.st_size - 1};
    for (int i = 0; i < 5; i++) {
        checkpoint_write(DIR_NAME, &key, &out, &err);
        corrupt_file(path, offsets[i], -1);
        rc = checkpoint_read(DIR_NAME, &key, &in, &found, &err);
        CHECK(rc == SS_ERR_INPUT && found && strstr(err.message, path) && strstr(err.message, "checksum"),
              "checkpoint refused: byte %ld flipped (%s)", offsets[i], err.message);
    }
    checkpoint_write(DIR_NAME, &key, &out, &err);
    corrupt_file(path, 0, (int)st.st_size - 1000);
    rc = checkpoint_read(DIR_NAME, &key, &in, &found, &err);
    CHECK(rc == SS_ERR_INPUT && strstr(err.message, path) && strstr(err.message, "truncated"),
          "checkpoint refused: truncated (%s)", err.message);

    /* forged checkpoints with a valid checksum: values out of range, or a state that does not fit the
     * phase and position it claims, are refused (the task starts over) */
    {
        struct {
            const char *name, *why;
            int phase, epoch;
            int64_t next_image, correct, steps;
            double seconds;
            float first_weight, first_accuracy;
        } forged[] = {
            {"evaluating with untrained weights", "claims to be trained", CHECKPOINT_EVALUATING, EPOCHS, 0, 0, 0, 1, 0, 0.5f},
            {"evaluating after too few epochs", "claims to be trained", CHECKPOINT_EVALUATING, 2, 0, 0, 10, 1, 0, 0.5f},
            {"training state of another position", "step count", CHECKPOINT_TRAINING, 2, 32, 20, 11, 1, 0, 0.5f},
            {"task time -inf", "task time", CHECKPOINT_TRAINING, 2, 32, 20, 12, -INFINITY, 0, 0.5f},
            {"task time NaN", "task time", CHECKPOINT_TRAINING, 2, 32, 20, 12, NAN, 0, 0.5f},
            {"task time negative", "task time", CHECKPOINT_TRAINING, 2, 32, 20, 12, -1, 0, 0.5f},
            {"a NaN weight", "non-finite weights", CHECKPOINT_TRAINING, 2, 32, 20, 12, 1, NAN, 0.5f},
            {"accuracy 1.5 in the history", "training accuracy", CHECKPOINT_TRAINING, 2, 32, 20, 12, 1, 0, 1.5f},
            {"position off a batch boundary", "position", CHECKPOINT_TRAINING, 2, 33, 20, 12, 1, 0, 0.5f},
            {"more correct than seen", "position", CHECKPOINT_TRAINING, 2, 32, 33, 12, 1, 0, 0.5f},
        };
        void *forged_state = malloc(key.state_bytes);
        for (size_t i = 0; i < sizeof forged / sizeof forged[0]; i++) {
            memcpy(forged_state, state, key.state_bytes);
            memcpy(forged_state, &forged[i].steps, sizeof(int64_t));
            if (isnan(forged[i].first_weight)) memcpy((char *)forged_state + sizeof(int64_t), &forged[i].first_weight, 4);
            float history_accuracy[EPOCHS] = {forged[i].first_accuracy, 0.875f, NAN};
            Checkpoint f = out;
            f.phase = forged[i].phase;
            f.seconds = forged[i].seconds;
            f.position.epoch = forged[i].epoch;
            f.position.next_image = forged[i].next_image;
            f.position.correct = forged[i].correct;
            if (f.phase == CHECKPOINT_EVALUATING) f.position.loss_sum = 0, f.position.collapse_epoch = 0;
            f.state = forged_state;
            f.train_accuracy = history_accuracy;
            checkpoint_write(DIR_NAME, &key, &f, &err);
            rc = checkpoint_read(DIR_NAME, &key, &in, &found, &err);
            CHECK(rc == SS_ERR_INPUT && found && strstr(err.message, path) && strstr(err.message, forged[i].why),
                  "checkpoint refused: forged, %s (%s)", forged[i].name, err.message);
            if (rc == SS_OK) checkpoint_free(&in);
        }
        int64_t trained = EPOCHS * 5;
        memcpy(forged_state, state, key.state_bytes);
        memcpy(forged_state, &trained, sizeof trained);
        Checkpoint f = out;
        f.phase = CHECKPOINT_EVALUATING;
        f.position = (TrainPosition){.epoch = EPOCHS, .collapse_epoch = 0, .epoch_class = -1};
        float full_loss[EPOCHS] = {0.5f, 0.25f, 0.2f}, full_accuracy[EPOCHS] = {0.75f, 0.875f, 0.9f};
        f.train_loss = full_loss;
        f.train_accuracy = full_accuracy;
        f.state = forged_state;
        checkpoint_write(DIR_NAME, &key, &f, &err);
        rc = checkpoint_read(DIR_NAME, &key, &in, &found, &err);
        CHECK(rc == SS_OK && found && in.phase == CHECKPOINT_EVALUATING, "checkpoint: a consistent evaluating one is read (%s)",
              err.message);
        if (rc == SS_OK) checkpoint_free(&in);
        free(forged_state);
    }

    /* the directory: a symbolic link to someone's folder, or one others can write, is refused and
     * nothing is pruned there */
    {
        const char *victim = "test_checkpoint_victim", *link_dir = "test_checkpoint_link.ckpt";
        mkdir(victim, 0700);
        char bait[256];
        snprintf(bait, sizeof bait, "%s/task-1.ckpt", victim);
        fclose(fopen(bait, "w"));
        unlink(link_dir);
        CHECK(symlink(victim, link_dir) == 0, "checkpoint: make a link");
        rc = checkpoint_dir_check(link_dir, &err);
        CHECK(rc == SS_ERR_INPUT && strstr(err.message, "symbolic link"), "checkpoint dir: a link is refused (%s)", err.message);
        checkpoint_prune(link_dir, NULL, 0);
        CHECK(access(bait, F_OK) == 0, "checkpoint dir: prune through a link deletes nothing");
        rc = checkpoint_write(link_dir, &key, &out, &err);
        CHECK(rc != SS_OK && strstr(err.message, "symbolic link"), "checkpoint dir: no checkpoint written through a link (%s)",
              err.message);
        unlink(link_dir);
        chmod(victim, 0777);
        rc = checkpoint_dir_check(victim, &err);
        CHECK(rc == SS_ERR_INPUT && strstr(err.message, "written by other users"), "checkpoint dir: mode 0777 refused (%s)",
              err.message);
        unlink(bait);
        rmdir(victim);
        CHECK(checkpoint_dir_check(victim, &err) == SS_OK, "checkpoint dir: an absent one is fine");
    }

    /* prune: keep task 4, drop 6, leave foreign names alone; NULL drops everything */
    checkpoint_write(DIR_NAME, &key, &out, &err);
    checkpoint_write(DIR_NAME, &six, &out, &err);
    char stray[600];
    snprintf(stray, sizeof stray, "%s/.task-7.ckpt.tmp.abcdef", DIR_NAME);
    fclose(fopen(stray, "w"));
    uint8_t keep[8] = {0, 0, 0, 0, 1, 0, 0, 0};
    int removed = checkpoint_prune(DIR_NAME, keep, 8);
    CHECK(removed == 1 && access(path, F_OK) == 0 && access(moved, F_OK) != 0 && access(stray, F_OK) != 0,
          "checkpoint prune keeps the pending task's, removes the recorded task's and a writer's temporary");
    checkpoint_remove(DIR_NAME, 4);
    CHECK(access(path, F_OK) != 0, "checkpoint remove");
    checkpoint_write(DIR_NAME, &key, &out, &err);
    checkpoint_prune(DIR_NAME, NULL, 0);
    CHECK(access(DIR_NAME, F_OK) != 0, "checkpoint prune (all) removes the files and the directory");
    free(state);
    model_free(model);
}

static void jobfile_tests(void) {
    const char *base = "[sweep]\nseeds = 0\ntrain = a\n[datasets]\na = a.h5\n[model]\ninput = 8x8x1\n"
                       "layers = dense2\n[train]\nepochs = 4\nbatch = 2\n";
    struct {
        const char *value;
        int kind;
        double seconds;
        int epochs;
    } good[] = {{NULL, CHECKPOINT_SECONDS, CHECKPOINT_DEFAULT_SECONDS, 0}, {"off", CHECKPOINT_OFF, 0, 0},
                {"300s", CHECKPOINT_SECONDS, 300, 0}, {"45", CHECKPOINT_SECONDS, 45, 0},
                {"5m", CHECKPOINT_SECONDS, 300, 0}, {"1.5 h", CHECKPOINT_SECONDS, 5400, 0},
                {"1 epoch", CHECKPOINT_EPOCHS, 0, 1}, {"2e", CHECKPOINT_EPOCHS, 0, 2},
                {"3 epochs", CHECKPOINT_EPOCHS, 0, 3}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char text[600];
        snprintf(text, sizeof text, "%s%s%s%s", base, good[i].value ? "checkpoint_every = " : "",
                 good[i].value ? good[i].value : "", good[i].value ? "\n" : "");
        JobSpec job;
        Error err = {0};
        int rc = jobfile_parse_text(text, "job.ini", &job, &err);
        const CheckpointEvery *c = &job.checkpoint_every;
        CHECK(rc == SS_OK && (int)c->kind == good[i].kind &&
                  (c->kind != CHECKPOINT_SECONDS || c->seconds == good[i].seconds) &&
                  (c->kind != CHECKPOINT_EPOCHS || c->epochs == good[i].epochs),
              "checkpoint_every '%s' parses (%s)", good[i].value ? good[i].value : "(default)", err.message);
        if (rc == SS_OK) jobfile_free(&job);
    }
    const char *bad[] = {"never", "0s", "-5m", "0.5s", "1.5 epochs", "2 weeks", "0 epochs", "", "nan", "3 e p"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[600];
        snprintf(text, sizeof text, "%scheckpoint_every = %s\n", base, bad[i]);
        JobSpec job;
        Error err = {0};
        int rc = jobfile_parse_text(text, "job.ini", &job, &err);
        CHECK(rc == SS_ERR_INPUT && strstr(err.message, "[train] checkpoint_every (line 12)"),
              "checkpoint_every '%s' refused naming the key (%s)", bad[i], err.message);
        if (rc == SS_OK) jobfile_free(&job);
    }
}

/* The paper network (about 180k parameters): checkpoint bytes and write time. */
static void paper_size(void) {
    ModelSpec spec;
    Error err = {0};
    model_spec_parse("256x256x1",
                     "conv16 pool conv16 pool conv16 pool conv32 pool conv32 conv32 pool conv64 pool conv64 pool "
                     "conv64 pool flatten dense512 dense50 dense2",
                     &spec, &err);
    Model *model = model_create(&spec, 1, 1, &err);
    if (!model) return;
    model_init(model, INIT_GLOROT_UNIFORM, 1);
    char sha[65];
    memset(sha, 'c', 64);
    sha[64] = 0;
    float history[9] = {0};
    CheckpointKey key = {.job_sha256 = sha, .task = 0, .train_count = 400, .epochs = 9, .batch = 20,
                         .state_bytes = model_state_size(model)};
    void *state = malloc(key.state_bytes);
    model_state_save(model, state);
    Checkpoint c = {.train_loss = history, .train_accuracy = history, .state = state};
    double best = 1e9;
    for (int i = 0; i < 5; i++) {
        double t0 = ss_now();
        checkpoint_write(DIR_NAME, &key, &c, &err);
        double t = ss_now() - t0;
        if (t < best) best = t;
    }
    char path[512];
    checkpoint_path(DIR_NAME, 0, path, sizeof path);
    struct stat st;
    int ok = stat(path, &st) == 0;
    CHECK(ok && (size_t)st.st_size == 192 + 72 + key.state_bytes + 64,
          "paper network: %lld parameters, checkpoint %.2f MB, written (sha256 + fsync + rename) in %.1f ms at best",
          (long long)model_param_count(model), ok ? st.st_size / 1e6 : 0.0, best * 1e3);
    checkpoint_prune(DIR_NAME, NULL, 0);
    free(state);
    model_free(model);
}

int main(void) {
    ImageSet set = make_set();
    Error err = {0};
    ModelSpec spec;
    int rc = model_spec_parse("12x12x1", "conv4 pool dense8 dense2", &spec, &err);
    CHECK(rc == SS_OK, "checkpoint spec parses %s", err.message);
    float loss[EPOCHS], acc[EPOCHS];
    void *want = train_straight(&spec, &set, loss, &acc[0]);

    /* 5 boundaries per epoch: 1 = after the first batch, 5 = an epoch's end, 7 = mid-epoch 2,
     * 15 = the end of training (resume has nothing left to train) */
    int stops[] = {1, 3, 5, 6, 7, 10, 13, 15};
    for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++) {
        TrainPosition at = {0};
        int same = stop_and_resume(&spec, &set, stops[i], want, loss, acc, &at);
        CHECK(same, "train stopped at boundary %d (epoch %d image %lld), resumed on another model with 2 threads: "
              "bit-identical weights, moments, step and history", stops[i], at.epoch + 1, (long long)at.next_image);
    }

    /* positions that do not fit are refused before training */
    Model *model = model_create(&spec, BATCH, 1, &err);
    model_init(model, INIT_GLOROT_UNIFORM, 11);
    TrainHistory h = {.loss = loss, .accuracy = acc};
    TrainPosition misaligned = {.epoch = 1, .next_image = 20}, counter = {.epoch = 1, .order_counter = 12345},
                  late = {.epoch = EPOCHS + 1};
    TrainConfig cfg = config();
    cfg.resume = &misaligned;
    CHECK(model_train(model, &set, &cfg, 5, &h, &err) == SS_ERR_INPUT, "train refuses a position off the batch grid");
    cfg.resume = &late;
    CHECK(model_train(model, &set, &cfg, 5, &h, &err) == SS_ERR_INPUT, "train refuses an epoch past the end");
    cfg.resume = &counter;
    rc = model_train(model, &set, &cfg, 5, &h, &err);
    CHECK(rc == SS_ERR_INPUT && strstr(err.message, "data order"), "train refuses a data-order position that does "
          "not replay (%s)", err.message);
    model_free(model);

    file_tests(&spec);
    jobfile_tests();
    paper_size();
    free(want);
    free((void *)set.pixels);
    free((void *)set.labels);
    return check_failures ? 1 : 0;
}
