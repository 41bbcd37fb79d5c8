/* test_collapse.c - why runs collapse: model_train's collapse epoch and dead-ReLU
 * fractions on networks built by hand, where the answer is known:
 *  - every ReLU dead and only the output bias learning, on a one-class training set, from a bias
 *    that prefers the wrong class: epoch 1 predicts class 0 throughout, epoch 2 crosses over
 *    (both classes), epochs 3-4 predict class 1 throughout -> collapse epoch 3 (not 1: a
 *    one-class epoch followed by a mixed one does not count); every dead fraction is 1.0;
 *  - lr 0 and an output bias that wins for every image: collapse epoch 1;
 *  - an input-dependent network (bright images -> class 1, dark -> 0), lr 0: never collapses
 *    (0); one conv channel of 2 and 2 dense units of 3 dead: 0.5 and 2/3;
 *  - stopped at every batch boundary and resumed on a fresh model (the alive mask and the
 *    epoch's class travel in TrainPosition) a large-lr run whose units die mid-epoch gives
 *    bit-identical dead fractions and collapse epoch; resuming mid-epoch without the mask is
 *    refused. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "train_stopper.h"
#include "seedsweep/model.h"
#include "seedsweep/rng.h"

enum { SIZE = 4, COUNT = 20, BATCH = 2, EPOCHS = 4 };   /* 10 batches per epoch */

/* conv2 pool dense3 dense2 on 4x4x1: parameters in layer order, weight then bias; conv weights
 * [Cout][Cin][3][3], dense [out][in]; the pooled 2x2x2 output flattens CHW. */
enum { CONV_W = 0, CONV_B = 18, D1_W = 20, D1_B = 44, D2_W = 47, D2_B = 53, PARAMS = 55 };

static ImageSet make_set(int one_class) {
    uint8_t *pixels = malloc(COUNT * SIZE * SIZE), *labels = malloc(COUNT);
    for (int n = 0; n < COUNT; n++) {
        labels[n] = (uint8_t)(one_class ? 1 : n % 2);
        for (int i = 0; i < SIZE * SIZE; i++) pixels[n * SIZE * SIZE + i] = (uint8_t)(one_class ? 37 * i : 255 * labels[n]);
    }
    return (ImageSet){.count = COUNT, .h = SIZE, .w = SIZE, .c = 1, .pixels = pixels, .labels = labels};
}

static void free_set(ImageSet *set) {
    free((void *)set->pixels);
    free((void *)set->labels);
}

static TrainConfig config(float lr) {
    return (TrainConfig){.epochs = EPOCHS, .batch = BATCH, .lr = lr, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-7f,
                         .threads = 1};
}

/* Trains a hand-set model; fills dead[EPOCHS * 2]; returns the collapse epoch (-1 on failure). */
static int train_set(const ModelSpec *spec, const float *params, const ImageSet *set, float lr, float *dead) {
    Error err = {0};
    Model *model = model_create(spec, BATCH, 1, &err);
    if (!model || model_param_count(model) != PARAMS) {
        model_free(model);
        return -1;
    }
    memcpy(model_params(model), params, sizeof(float) * PARAMS);
    float loss[EPOCHS], acc[EPOCHS];
    TrainHistory h = {.loss = loss, .accuracy = acc, .dead_relu = dead};
    TrainConfig cfg = config(lr);
    int rc = model_train(model, set, &cfg, 3, &h, &err);
    model_free(model);
    return rc == SS_OK && h.epochs_done == EPOCHS ? h.collapse_epoch : -1;
}

static int all_equal(const float *dead, int n, float want) {
    for (int i = 0; i < n; i++)
        if (dead[i] != want) return 0;
    return 1;
}

static void constructed(const ModelSpec *spec) {
    float p[PARAMS] = {0}, dead[EPOCHS * 2];
    /* everything dead: negative biases, zero weights (their gradients stay 0) */
    p[CONV_B] = p[CONV_B + 1] = -1.0f;
    p[D1_B] = p[D1_B + 1] = p[D1_B + 2] = -1.0f;
    p[D2_B] = 1.0f;   /* class 0 ahead by 1; Adam moves each bias by about lr per step */
    ImageSet ones = make_set(1);
    int ce = train_set(spec, p, &ones, 1.0f / 30, dead);
    CHECK(ce == 3, "collapse: one class in epochs 1, 3 and 4 but both in epoch 2 -> collapse epoch 3 (got %d)", ce);
    CHECK(all_equal(dead, EPOCHS * 2, 1.0f), "collapse: every ReLU unit dead -> dead fraction 1.0 in every layer "
          "and epoch (epoch 1: %g %g)", dead[0], dead[1]);
    p[D2_B] = 0.0f;
    p[D2_B + 1] = 3.0f;
    ce = train_set(spec, p, &ones, 0.0f, dead);
    CHECK(ce == 1, "collapse: one class from the first image on -> collapse epoch 1 (got %d)", ce);
    free_set(&ones);

    /* bright images -> class 1, dark -> class 0 */
    memset(p, 0, sizeof p);
    p[CONV_W + 4] = 1.0f;             /* channel 0: the pixel itself (3x3 centre); channel 1: 0 -> dead */
    for (int i = 0; i < 4; i++) p[D1_W + i] = 1.0f;   /* unit 0 sums channel 0; units 1, 2: 0 -> dead */
    p[D2_B] = 2.0f;                   /* logit 0 = 2, logit 1 = unit 0 (4 for bright, 0 for dark) */
    p[D2_W + 3 * 1 + 0] = 1.0f;
    ImageSet two = make_set(0);
    ce = train_set(spec, p, &two, 0.0f, dead);
    CHECK(ce == 0, "collapse: an input-dependent network predicting both classes never collapses (got %d)", ce);
    int ok = 1;
    for (int e = 0; e < EPOCHS; e++) ok = ok && dead[2 * e] == 0.5f && dead[2 * e + 1] == (float)(2.0 / 3.0);
    CHECK(ok, "collapse: 1 of 2 conv channels and 2 of 3 dense units dead -> 0.5 and 2/3 (epoch 1: %g %g)", dead[0],
          dead[1]);
    free_set(&two);
}

/* ---- stop at a boundary, resume on a fresh model ---- */

/* Stopper, stop_when_due, save_on_stop: tests/train_stopper.h */

/* A large-lr run of a Glorot-initialised model: fills dead[EPOCHS * 2], returns the collapse
 * epoch; stop_at > 0 stops there and resumes on another model. */
static int large_lr_run(const ModelSpec *spec, const ImageSet *set, int stop_at, float *dead, int *resumed) {
    Error err = {0};
    Model *model = model_create(spec, BATCH, 1, &err);
    Stopper s = {.stop_at = stop_at, .model = model, .state = malloc(model_state_size(model))};
    model_init(model, INIT_GLOROT_UNIFORM, 21);
    float loss[EPOCHS], acc[EPOCHS];
    TrainHistory h = {.loss = loss, .accuracy = acc, .dead_relu = dead}, h2 = h;
    int rc;
    *resumed = 0;
    if (!stop_at) {
        TrainConfig cfg = config(3.0f);
        rc = model_train(model, set, &cfg, 9, &h, &err);
    } else {
        Model *other = stop_then_resume(&s, set, config(3.0f), 9, &h, &h2, &rc);
        *resumed = other && rc == SS_OK;
        h = h2;
        if (other && s.position.next_image) {   /* the same position without the mask is refused */
            TrainPosition bare = s.position;
            bare.alive = NULL;
            model_state_restore(other, s.state);
            TrainConfig again = config(3.0f);
            again.threads = 2;
            again.resume = &bare;
            if (model_train(other, set, &again, 9, &h2, &err) != SS_ERR_INPUT) *resumed = 0;
        }
        if (!other) rc = SS_ERR_RUNTIME;
        model_free(other);
    }
    model_free(model);
    free(s.state);
    return rc == SS_OK ? h.collapse_epoch : -1;
}

static void resumes(const ModelSpec *spec) {
    ImageSet set = make_set(0);
    float want[EPOCHS * 2], got[EPOCHS * 2];
    int resumed = 0;
    int want_ce = large_lr_run(spec, &set, 0, want, &resumed);
    int varied = 0;   /* some dead fraction strictly between 0 and 1, or changing: the test can fail */
    for (int i = 0; i < EPOCHS * 2; i++) varied |= want[i] != want[i % 2];
    printf("# large-lr run: collapse epoch %d, dead fractions", want_ce);
    for (int i = 0; i < EPOCHS * 2; i++) printf(" %g", want[i]);
    printf("\n");
    CHECK(want_ce >= 0 && varied, "collapse: a large-lr run trains and its dead fractions change over epochs");
    int bad = 0, stops = 0;
    for (int stop_at = 1; stop_at < EPOCHS * COUNT / BATCH; stop_at++) {
        int ce = large_lr_run(spec, &set, stop_at, got, &resumed);
        stops++;
        if (!resumed || ce != want_ce || memcmp(got, want, sizeof want)) {
            if (!bad) printf("# first mismatch: stop at boundary %d: collapse %d vs %d\n", stop_at, ce, want_ce);
            bad++;
        }
    }
    CHECK(!bad, "collapse: stopped at each of %d boundaries and resumed on a fresh model: dead fractions and collapse "
          "epoch bit-identical; mid-epoch without the alive mask refused (%d mismatches)", stops, bad);
    free_set(&set);
}

int main(void) {
    ModelSpec spec;
    Error err = {0};
    int rc = model_spec_parse("4x4x1", "conv2 pool dense3 dense2", &spec, &err);
    CHECK(rc == SS_OK, "collapse spec parses %s", err.message);
    int64_t units = 0;
    int layers[MODEL_MAX_LAYERS];
    int n = model_relu_layers(&spec, layers, &units);
    char a[32], b[32];
    model_relu_layer_name(&spec, 0, a, sizeof a);
    model_relu_layer_name(&spec, 1, b, sizeof b);
    CHECK(n == 2 && units == 5 && !strcmp(a, "conv2@1"), "collapse: 2 ReLU layers, 5 units, named %s %s", a, b);
    constructed(&spec);
    resumes(&spec);
    return check_failures ? 1 : 0;
}
