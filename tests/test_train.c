/* test_train.c - learning and determinism: a small net on a generated two-class image set
 * (bright blobs vs none) must reach >= 95% test accuracy in a few epochs, and training must
 * be bit-identical run to run and for 1 vs 2 threads. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "seedsweep/train.h"
#include "seedsweep/rng.h"

enum { SIZE = 24 };

/* Class 1 images carry 3 bright Gaussian blobs on a noisy background; class 0 only noise. */
static void make_blobs(ImageSet *set, int64_t count, uint64_t seed) {
    uint8_t *pixels = calloc((size_t)count * SIZE * SIZE, 1), *labels = calloc((size_t)count, 1);
    *set = (ImageSet){.count = count, .h = SIZE, .w = SIZE, .c = 1, .pixels = pixels, .labels = labels};
    Rng rng = rng_stream(seed, RNG_PURPOSE_TEST);
    for (int64_t n = 0; n < count; n++) {
        int label = (int)(n & 1);
        labels[n] = (uint8_t)label;
        float img[SIZE * SIZE];
        for (int i = 0; i < SIZE * SIZE; i++) img[i] = 40.0f + 30.0f * (float)rng_uniform(&rng);
        if (label)
            for (int blob = 0; blob < 3; blob++) {
                double cx = 3 + rng_uniform(&rng) * (SIZE - 6), cy = 3 + rng_uniform(&rng) * (SIZE - 6);
                for (int y = 0; y < SIZE; y++)
                    for (int x = 0; x < SIZE; x++) {
                        double d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
                        img[y * SIZE + x] += (float)(150.0 * exp(-d2 / 3.0));
                    }
            }
        for (int i = 0; i < SIZE * SIZE; i++) pixels[n * SIZE * SIZE + i] = (uint8_t)(img[i] > 255 ? 255 : img[i]);
    }
}

static void free_blobs(ImageSet *set) {
    free((void *)set->pixels);
    free((void *)set->labels);
}

/* Trains from seed 7; returns a malloc'd copy of the final weights. */
static float *train_once(const ModelSpec *spec, const ImageSet *train, int threads, int epochs, TrainHistory *h,
                         EvalResult *eval, const ImageSet *test) {
    Error err = {0};
    Model *model = model_create(spec, 16, threads, &err);
    if (!model) return NULL;
    model_init(model, INIT_GLOROT_UNIFORM, 7);
    TrainConfig cfg = {.epochs = epochs, .batch = 16, .lr = 1e-3f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-7f,
                       .threads = threads};
    int rc = model_train(model, train, &cfg, 7, h, &err);
    if (rc) printf("train: %s\n", err.message);
    if (eval) model_evaluate(model, test, NULL, NULL, eval, &err);
    float *w = malloc(sizeof(float) * model_param_count(model));
    memcpy(w, model_params(model), sizeof(float) * model_param_count(model));
    model_free(model);
    return w;
}

static int interrupt_after_two(void *context) { return ++*(int *)context >= 2; }
static int count_calls(void *context) { return ++*(int *)context, 0; }

/* images [first, first + count) of set, as a set of their own */
static ImageSet slice(const ImageSet *set, int64_t first, int64_t count) {
    ImageSet part = *set;
    part.count = count;
    part.pixels += first * set->h * set->w * set->c;
    part.labels += first;
    return part;
}

int main(void) {
    ImageSet train, test;
    make_blobs(&train, 600, 1);
    make_blobs(&test, 400, 2);
    Error err = {0};
    ModelSpec spec;
    int rc = model_spec_parse("24x24x1", "conv8 pool conv8 pool dense16 dense2", &spec, &err);
    CHECK(rc == SS_OK, "train_spec_parses %s", err.message);

    float loss[4], acc[4];
    TrainHistory h = {.loss = loss, .accuracy = acc};
    EvalResult eval;
    float *w1 = train_once(&spec, &train, 1, 4, &h, &eval, &test);
    printf("epochs: loss %.4f %.4f %.4f %.4f accuracy %.3f %.3f %.3f %.3f; test accuracy %.4f loss %.4f\n", loss[0],
           loss[1], loss[2], loss[3], acc[0], acc[1], acc[2], acc[3], eval.accuracy, eval.loss);
    CHECK(h.epochs_done == 4 && !h.diverged, "train_runs_all_epochs (%d)", h.epochs_done);
    CHECK(loss[3] < loss[0], "train_loss_decreases (%.4f -> %.4f)", loss[0], loss[3]);
    CHECK(eval.accuracy >= 0.95f, "train_blobs_test_accuracy_95 (%.4f)", eval.accuracy);
    CHECK(!eval.collapsed, "train_not_collapsed");

    float loss2[2], acc2[2];
    TrainHistory h2 = {.loss = loss2, .accuracy = acc2};
    float *a = train_once(&spec, &train, 1, 2, &h2, NULL, NULL);
    float *b = train_once(&spec, &train, 1, 2, &h2, NULL, NULL);
    float *c = train_once(&spec, &train, 2, 2, &h2, NULL, NULL);
    size_t bytes = sizeof(float) * (size_t)spec.param_count;
    CHECK(a && b && !memcmp(a, b, bytes), "train_bit_identical_twice");
    CHECK(a && c && !memcmp(a, c, bytes), "train_bit_identical_threads_1_vs_2");

    /* Interruption: the callback's non-zero return stops training with SS_INTERRUPTED. */
    Model *model = model_create(&spec, 16, 1, &err);
    model_init(model, INIT_GLOROT_UNIFORM, 1);
    int calls = 0;
    TrainConfig cfg = {.epochs = 2, .batch = 16, .lr = 1e-3f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-7f,
                       .threads = 1, .between_batches = interrupt_after_two, .context = &calls};
    rc = model_train(model, &train, &cfg, 1, &h2, &err);
    CHECK(rc == SS_INTERRUPTED && calls == 2, "train_interrupt_callback (rc %d, calls %d)", rc, calls);

    /* Divergence: a non-finite weight makes the loss NaN; stop, flag, return OK. */
    model_init(model, INIT_GLOROT_UNIFORM, 1);
    model_params(model)[model_param_count(model) - 1] = INFINITY;
    float lossd[50], accd[50];
    TrainHistory hd = {.loss = lossd, .accuracy = accd};
    TrainConfig bad = {.epochs = 50, .batch = 16, .lr = 1e-3f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-7f, .threads = 1};
    rc = model_train(model, &train, &bad, 1, &hd, &err);
    CHECK(rc == SS_OK && hd.diverged, "train_divergence_flagged (rc %d, diverged %d after %d epochs)", rc, hd.diverged,
          hd.epochs_done);

    /* Evaluate: probabilities sum to 1, and batch mismatch errors are reported. */
    float *probs = malloc(sizeof(float) * 2 * test.count);
    model_init(model, INIT_GLOROT_UNIFORM, 3);
    rc = model_evaluate(model, &test, NULL, probs, &eval, &err);
    double worst = 0;
    for (int64_t i = 0; i < test.count; i++) worst = fmax(worst, fabs(probs[2 * i] + probs[2 * i + 1] - 1.0));
    CHECK(rc == SS_OK && worst < 1e-5, "evaluate_probs_sum_to_one (%.2g)", worst);
    /* Collapse: a huge bias on class 0 makes every prediction class 0; accuracy is then the
     * class-0 proportion (half of the alternating test labels). */

    /* The loss is summed in blocks of 256 images (16 batches of 16), each block's mean rounded
     * to float: exactly what evaluating the two blocks apart and weighting their means gives
     * (the sweep's results files depend on this order). */
    EvalResult whole, first, rest;
    float *part_probs = malloc(sizeof(float) * 2 * test.count);
    ImageSet head = slice(&test, 0, 256), tail = slice(&test, 256, test.count - 256);
    int same = 0;
    for (int seed = 0; seed < 20; seed++) {   /* one seed's losses may round alike either way */
        model_init(model, INIT_HE_NORMAL, (uint64_t)seed);
        rc = model_evaluate(model, &test, NULL, probs, &whole, &err);
        rc |= model_evaluate(model, &head, NULL, part_probs, &first, &err);
        rc |= model_evaluate(model, &tail, NULL, part_probs + 2 * 256, &rest, &err);
        float blocked = (float)(((double)first.loss * 256 + (double)rest.loss * (test.count - 256)) / test.count);
        same += rc == SS_OK && whole.loss == blocked && !memcmp(probs, part_probs, sizeof(float) * 2 * test.count);
    }
    CHECK(same == 20, "evaluate_loss_in_blocks_of_256 (%d of 20 inits agree)", same);
    free(part_probs);

    /* The hook runs between batches (25 batches of 16: 24 calls) and can interrupt. */
    calls = 0;
    EvalConfig counting = {.between_batches = count_calls, .context = &calls};
    rc = model_evaluate(model, &test, &counting, probs, &eval, &err);
    CHECK(rc == SS_OK && calls == 24 && eval.loss == whole.loss, "evaluate_hook_between_batches (rc %d, calls %d)", rc,
          calls);
    calls = 0;
    EvalConfig stopping = {.between_batches = interrupt_after_two, .context = &calls};
    rc = model_evaluate(model, &test, &stopping, probs, &eval, &err);
    CHECK(rc == SS_INTERRUPTED && calls == 2, "evaluate_interrupt_callback (rc %d, calls %d)", rc, calls);

    model_params(model)[model_param_count(model) - 2] = 1e4f;
    rc = model_evaluate(model, &test, NULL, probs, &eval, &err);
    CHECK(rc == SS_OK && eval.collapsed && fabs(eval.accuracy - 0.5) < 1e-6 && isfinite(eval.loss),
          "evaluate_collapsed_flag (collapsed %d accuracy %.4f loss %g)", eval.collapsed, eval.accuracy, eval.loss);
    ImageSet wrong = test;
    wrong.w = 23;
    rc = model_evaluate(model, &wrong, NULL, probs, &eval, &err);
    CHECK(rc == SS_ERR_INPUT && strstr(err.message, "24x24x1"), "evaluate_rejects_other_image_size (%s)", err.message);
    TrainConfig big = cfg;
    big.batch = 17;
    big.between_batches = NULL;
    rc = model_train(model, &train, &big, 1, &h2, &err);
    CHECK(rc == SS_ERR_INPUT, "train_rejects_batch_above_max (%s)", err.message);
    const float tie[3] = {0.2f, 0.4f, 0.4f};
    CHECK(model_predicted_class(tie, 3) == 1, "predicted_class_is_first_maximum");
    model_free(model);
    free(probs);
    free(w1); free(a); free(b); free(c);
    free_blobs(&train);
    free_blobs(&test);
    return check_exit();
}
