/* test_model.c - the model as a whole: spec parsing and its errors, initialisers, gradients of
 * whole networks against finite differences, and agreement with PyTorch on the fixtures made
 * by tests/fixtures/make_torch_fixtures.py (loss, logits, every gradient, weights after one
 * Adam step). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "seedsweep/layer_timer.h"
#include "seedsweep/model.h"
#include "seedsweep/rng.h"

#define SEED_LAYERS                                                                                      \
    "conv16 pool conv16 pool conv16 pool conv32 pool conv32 conv32 pool conv64 pool conv64 pool conv64 " \
    "pool flatten dense512 dense50 dense2"

static void check_parse_error(const char *input, const char *layers, const char *expect) {
    ModelSpec spec;
    Error err = {0};
    int rc = model_spec_parse(input, layers, &spec, &err);
    CHECK(rc == SS_ERR_INPUT && strstr(err.message, expect), "spec_rejects '%s' / '%s' -> %s", input, layers,
          err.message);
}

static void test_spec(void) {
    ModelSpec spec;
    Error err = {0};
    int rc = model_spec_parse("256x256x1", SEED_LAYERS, &spec, &err);
    const LayerSpec *last_pool = &spec.layers[16];
    CHECK(rc == SS_OK && spec.layer_count == 21 && spec.class_count == 2, "spec_seed_network_parses %s", err.message);
    CHECK(last_pool->out_h == 1 && last_pool->out_w == 1 && last_pool->out_c == 64, "spec_seed_shapes_inferred");
    /* 160 + 2320 + 2320 + 4640 + 9248 + 9248 + 18496 + 36928 + 36928 + 33280 + 25650 + 102 */
    CHECK(spec.param_count == 179320, "spec_seed_param_count (%lld)", (long long)spec.param_count);
    rc = model_spec_parse("32x32x3", "conv8k5 pool dense10", &spec, &err);
    CHECK(rc == SS_OK && spec.layers[0].kernel == 5 && spec.layers[2].in_c == 8 && spec.layers[2].in_h == 16 &&
              spec.param_count == 8 * 3 * 25 + 8 + 16 * 16 * 8 * 10 + 10,
          "spec_kernel_size_and_auto_flatten %s", err.message);
    rc = model_spec_parse(" 28x28 ", "flatten dense2", &spec, &err);
    CHECK(rc == SS_OK && spec.input_c == 1, "spec_input_without_channels_is_mono");
    check_parse_error("256x256x1", "conv16 pool conv16 blah dense2", "word 4 'blah'");
    check_parse_error("6x6x1", "conv4 pool pool dense2", "word 3 'pool'");
    check_parse_error("1x1x1", "pool dense2", "word 1 'pool'");
    check_parse_error("8x8x1", "conv4 pool conv4", "word 3 'conv4'");
    check_parse_error("8x8x1", "conv4 flatten dense1", "at least 2 classes");
    check_parse_error("8x8x1", "flatten dense8 conv4 dense2", "word 3 'conv4'");
    check_parse_error("8x8x1", "dense8 pool dense2", "word 2 'pool'");
    check_parse_error("8x8x1", "conv4k4 dense2", "word 1 'conv4k4'");
    check_parse_error("8x8x1", "conv0 dense2", "word 1 'conv0'");
    check_parse_error("8x8x1", "flatten flatten dense2", "word 2 'flatten'");
    check_parse_error("8x8x1", "", "empty");
    check_parse_error("8xx8", "dense2", "input");
    check_parse_error("0x8x1", "dense2", "input");
    InitKind kind;
    CHECK(init_kind_parse("he_normal", &kind, &err) == SS_OK && kind == INIT_HE_NORMAL, "init_kind_he_normal");
    CHECK(init_kind_parse("zeros", &kind, &err) == SS_ERR_INPUT, "init_kind_rejects_unknown");
}

static void test_init(void) {
    ModelSpec spec;
    Error err = {0};
    model_spec_parse("16x16x2", "conv32 pool flatten dense40 dense2", &spec, &err);
    Model *m = model_create(&spec, 2, 1, &err);
    int64_t n = model_param_count(m);
    float *a = malloc(sizeof(float) * n);
    model_init(m, INIT_GLOROT_UNIFORM, 5);
    memcpy(a, model_params(m), sizeof(float) * n);
    model_init(m, INIT_GLOROT_UNIFORM, 5);
    CHECK(!memcmp(a, model_params(m), sizeof(float) * n), "init_same_seed_same_weights");
    model_init(m, INIT_GLOROT_UNIFORM, 6);
    CHECK(memcmp(a, model_params(m), sizeof(float) * n), "init_other_seed_other_weights");
    /* conv: fan_in 2*9, fan_out 32*9 -> limit sqrt(6/306); dense: 8*8*32 -> 40. */
    const float *w = model_params(m);
    double limit = sqrt(6.0 / (18 + 288)), worst = 0, sum2 = 0;
    for (int i = 0; i < 32 * 18; i++) {
        worst = fmax(worst, fabs(w[i]));
        sum2 += (double)w[i] * w[i];
    }
    double rms = sqrt(sum2 / (32 * 18));
    CHECK(worst <= limit && worst > 0.9 * limit && fabs(rms - limit / sqrt(3.0)) < 0.1 * limit,
          "init_glorot_uniform_conv_limit (max %.4f rms %.4f limit %.4f)", worst, rms, limit);
    int biases_zero = 1;
    for (int i = 32 * 18; i < 32 * 18 + 32; i++) biases_zero &= w[i] == 0.0f;
    CHECK(biases_zero, "init_biases_zero");
    model_init(m, INIT_HE_NORMAL, 5);
    const float *dense = model_params(m) + 32 * 18 + 32;
    int fan_in = 8 * 8 * 32;
    double stddev = sqrt(2.0 / fan_in), s2 = 0, mx = 0;
    for (int i = 0; i < fan_in * 40; i++) {
        s2 += (double)dense[i] * dense[i];
        mx = fmax(mx, fabs(dense[i]));
    }
    /* Keras truncated normal: stddev sqrt(2/fan_in) after truncation at 2 sigma of the pre-scaled normal. */
    double got = sqrt(s2 / (fan_in * 40.0));
    CHECK(fabs(got - stddev) < 0.03 * stddev && mx <= 2 * stddev / 0.87962566103423978 + 1e-6,
          "init_he_normal_truncated (rms %.5f want %.5f)", got, stddev);
    free(a);
    model_free(m);
}

/* The whole network's gradient against central differences of its mean loss. */
static void test_model_fd(const char *input, const char *layers, int batch, int threads) {
    ModelSpec spec;
    Error err = {0};
    Model *m = NULL;
    if (model_spec_parse(input, layers, &spec, &err) || !(m = model_create(&spec, batch, threads, &err))) {
        CHECK(0, "model_gradient_fd %s '%s': %s", input, layers, err.message);
        return;
    }
    model_init(m, INIT_HE_NORMAL, 11);
    int64_t n = model_param_count(m);
    float *p = model_params(m);
    Rng rng = rng_stream(3, RNG_PURPOSE_TEST);
    for (int64_t i = 0; i < n; i++) p[i] += (float)(0.02 * (rng_uniform(&rng) - 0.5)); /* non-zero biases */
    int64_t image = (int64_t)spec.input_h * spec.input_w * spec.input_c;
    float *x = malloc(sizeof(float) * image * batch);
    uint8_t labels[16];
    for (int64_t i = 0; i < image * batch; i++) x[i] = (float)rng_uniform(&rng);
    for (int b = 0; b < batch; b++) labels[b] = (uint8_t)(b % spec.class_count);
    model_forward(m, x, labels, batch);
    model_backward(m);
    float *g = malloc(sizeof(float) * n);
    memcpy(g, model_grads(m), sizeof(float) * n);
    const float h = 0x1p-10f;
    double worst = 0, scale = 1e-3;
    double *numeric = malloc(sizeof(double) * n);
    for (int64_t i = 0; i < n; i++) {
        float saved = p[i];
        p[i] = saved + h;
        double up = model_forward(m, x, labels, batch);
        p[i] = saved - h;
        double down = model_forward(m, x, labels, batch);
        p[i] = saved;
        numeric[i] = (up - down) / (2.0 * h);
        scale = fmax(scale, fabs(numeric[i]));
    }
    for (int64_t i = 0; i < n; i++) worst = fmax(worst, fabs(numeric[i] - g[i]));
    CHECK(worst / scale < 3e-2, "model_gradient_fd %s '%s' batch %d threads %d (err %.2g of %.3g)", input, layers,
          batch, threads, worst / scale, scale);
    free(numeric); free(g); free(x);
    model_free(m);
}

/* ---- PyTorch fixtures ---- */
typedef struct Fixture {
    int count;
    char names[16][32];
    float *data[16];
    uint64_t size[16];
} Fixture;

static int fixture_load(const char *path, Fixture *fx) {
    memset(fx, 0, sizeof *fx);
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    char magic[6];
    int ok = fread(magic, 1, 6, f) == 6 && !memcmp(magic, "SSFX1\n", 6);
    while (ok && fx->count < 16) {
        uint32_t len;
        if (fread(&len, 4, 1, f) != 1) break;
        if (len >= 32 || fread(fx->names[fx->count], 1, len, f) != len) { ok = 0; break; }
        fx->names[fx->count][len] = 0;
        uint64_t n;
        ok = fread(&n, 8, 1, f) == 1 && n < (1u << 26);
        if (!ok) break;
        fx->data[fx->count] = malloc(sizeof(float) * (n ? n : 1));
        ok = fread(fx->data[fx->count], sizeof(float), n, f) == n;
        fx->size[fx->count++] = n;
    }
    fclose(f);
    return ok ? 0 : -1;
}

static const float *fixture_get(const Fixture *fx, const char *name, uint64_t *size) {
    for (int i = 0; i < fx->count; i++)
        if (!strcmp(fx->names[i], name)) {
            *size = fx->size[i];
            return fx->data[i];
        }
    *size = 0;
    return NULL;
}

/* Worst over the parameter tensors (each layer's weight, then bias) of ||ours - torch|| / ||torch||:
 * float sums of thousands of terms in another order differ by ~1e-7 of the tensor's scale, but
 * an element that nearly cancels can differ by more relative to itself, so elementwise
 * comparison is reported separately with a floor. */
static double tensor_norm_error(const ModelSpec *spec, const float *ours, const float *torch, char *worst_name) {
    double worst = 0;
    int64_t off = 0;
    for (int l = 0; l < spec->layer_count; l++) {
        const LayerSpec *S = &spec->layers[l];
        if (S->kind != LAYER_CONV && S->kind != LAYER_DENSE) continue;
        int64_t sizes[2] = {(int64_t)S->units * S->in_c * S->in_h * S->in_w, S->units};
        if (S->kind == LAYER_CONV) sizes[0] = (int64_t)S->units * S->in_c * S->kernel * S->kernel;
        for (int part = 0; part < 2; part++) {
            double d2 = 0, t2 = 0;
            for (int64_t i = off; i < off + sizes[part]; i++) {
                d2 += ((double)ours[i] - torch[i]) * ((double)ours[i] - torch[i]);
                t2 += (double)torch[i] * torch[i];
            }
            double e = t2 > 0 ? sqrt(d2 / t2) : sqrt(d2);
            if (e > worst || e != e) {
                worst = e != e ? INFINITY : e;
                sprintf(worst_name, "layer %d %s", l + 1, part ? "bias" : "weight");
            }
            off += sizes[part];
        }
    }
    return worst;
}

/* Relative difference against PyTorch with a floor of 1e-3 of the tensor's largest value,
 * so entries that are zero up to rounding (dead units, cancelling sums) do not dominate. */
static double rel_to_torch(const float *ours, const float *torch, uint64_t n) {
    double biggest = 0;
    for (uint64_t i = 0; i < n; i++) biggest = fmax(biggest, fabs(torch[i]));
    return max_rel_diff(ours, torch, (long)n, fmax(1e-3 * biggest, 1e-30));
}

static void test_fixture(const char *name, const char *input, const char *layers, int threads) {
    char path[256];
    snprintf(path, sizeof path, "tests/fixtures/%s.bin", name);
    Fixture fx;
    if (fixture_load(path, &fx)) {
        CHECK(0, "torch_fixture_%s_readable (%s)", name, path);
        return;
    }
    ModelSpec spec;
    Error err = {0};
    model_spec_parse(input, layers, &spec, &err);
    uint64_t nx, nl, np, nz, nloss, ng, na;
    const float *x = fixture_get(&fx, "input", &nx), *lab = fixture_get(&fx, "labels", &nl);
    const float *p0 = fixture_get(&fx, "params", &np), *logits = fixture_get(&fx, "logits", &nz);
    const float *loss = fixture_get(&fx, "loss", &nloss), *grads = fixture_get(&fx, "grads", &ng);
    const float *p1 = fixture_get(&fx, "params_after_adam", &na);
    int batch = (int)nl;
    Model *m = model_create(&spec, batch, threads, &err);
    CHECK(m && x && lab && p0 && logits && loss && grads && p1 && (int64_t)np == model_param_count(m) &&
              ng == np && na == np && nz == (uint64_t)batch * spec.class_count,
          "torch_fixture_%s_shapes (params %llu vs %lld)", name, (unsigned long long)np,
          m ? (long long)model_param_count(m) : -1LL);
    if (!m || (int64_t)np != model_param_count(m)) return;
    uint8_t labels[64];
    for (int b = 0; b < batch; b++) labels[b] = (uint8_t)lab[b];
    memcpy(model_params(m), p0, sizeof(float) * np);
    float ours = model_forward(m, x, labels, batch);
    model_backward(m);
    model_adam_reset(m);
    model_adam_step(m, 1e-3f, 0.9f, 0.999f, 1e-7f);
    double e_loss = fabs(ours - loss[0]) / fabs(loss[0]);
    double e_logits = rel_to_torch(model_logits(m), logits, nz);
    double e_grads = rel_to_torch(model_grads(m), grads, ng);
    char worst_tensor[64] = "";
    double e_grad_norm = tensor_norm_error(&spec, model_grads(m), grads, worst_tensor);
    double e_after = rel_to_torch(model_params(m), p1, na);
    CHECK(e_loss < 1e-4, "torch_%s_loss (ours %.7f torch %.7f, rel %.2g) threads %d", name, ours, loss[0], e_loss,
          threads);
    CHECK(e_logits < 1e-4, "torch_%s_logits (rel %.2g)", name, e_logits);
    CHECK(e_grad_norm < 1e-4, "torch_%s_every_gradient_tensor (worst %.2g: %s)", name, e_grad_norm, worst_tensor);
    CHECK(e_grads < 1e-3, "torch_%s_all_gradients_elementwise (rel %.2g over %llu, floor 1e-3 of max)", name,
          e_grads, (unsigned long long)ng);
    CHECK(e_after < 1e-4, "torch_%s_weights_after_adam (rel %.2g)", name, e_after);
    for (int i = 0; i < fx.count; i++) free(fx.data[i]);
    model_free(m);
}

/* Bit-identical gradients whatever the thread count (per-image slots, fixed reduction order). */
static void test_thread_invariance(void) {
    ModelSpec spec;
    Error err = {0};
    model_spec_parse("64x64x1", "conv8 pool conv8 conv16 pool conv16 pool flatten dense32 dense2", &spec, &err);
    int64_t image = 64 * 64;
    const int batch = 7;
    float *x = malloc(sizeof(float) * image * batch), *g1 = malloc(sizeof(float) * spec.param_count);
    uint8_t labels[7] = {0, 1, 1, 0, 1, 0, 0};
    Rng rng = rng_stream(8, RNG_PURPOSE_TEST);
    for (int64_t i = 0; i < image * batch; i++) x[i] = (float)rng_uniform(&rng);
    int same = 1;
    for (int threads = 1; threads <= 3; threads++) {
        Model *m = model_create(&spec, batch, threads, &err);
        model_init(m, INIT_GLOROT_UNIFORM, 4);
        model_forward(m, x, labels, batch);
        model_backward(m);
        if (threads == 1) memcpy(g1, model_grads(m), sizeof(float) * spec.param_count);
        else same &= !memcmp(g1, model_grads(m), sizeof(float) * spec.param_count);
        model_free(m);
    }
    CHECK(same, "gradients_bit_identical_for_1_2_3_threads");
    free(x);
    free(g1);
}

/* The layer walk as its observers see it: one step per conv (its pool fused in), pool or dense
 * layer, flatten none; forward up, backward down, begin and end paired. Observing changes nothing. */
typedef struct StepLog { int count, open, layers[64], backward[64]; } StepLog;
static void log_begin(void *context, int layer, int backward) {
    StepLog *log = context;
    if (log->count < 64) log->layers[log->count] = layer, log->backward[log->count] = backward;
    log->open++;
}
static void log_end(void *context, int layer, int backward) {
    StepLog *log = context;
    if (log->count < 64 && (log->layers[log->count] != layer || log->backward[log->count] != backward)) log->open += 100;
    log->count++;
    log->open--;
}

static void test_observers(void) {
    ModelSpec spec;
    Error err = {0};
    model_spec_parse("64x64x1", "conv8 pool conv8 conv16 pool conv16 pool flatten dense32 dense2", &spec, &err);
    const int batch = 5;
    float *x = malloc(sizeof(float) * 64 * 64 * batch), *g = malloc(sizeof(float) * spec.param_count);
    uint8_t labels[5] = {0, 1, 1, 0, 1};
    Rng rng = rng_stream(9, RNG_PURPOSE_TEST);
    for (int64_t i = 0; i < 64 * 64 * batch; i++) x[i] = (float)rng_uniform(&rng);
    Model *m = model_create(&spec, batch, 2, &err);
    model_init(m, INIT_GLOROT_UNIFORM, 4);
    model_forward(m, x, labels, batch);
    model_backward(m);
    memcpy(g, model_grads(m), sizeof(float) * spec.param_count);
    StepLog log = {0};
    model_observe(m, &(ModelObserver){.step_begin = log_begin, .step_end = log_end, .context = &log});
    model_forward(m, x, labels, batch);
    model_backward(m);
    const int want[12] = {0, 2, 3, 5, 8, 9, 9, 8, 5, 3, 2, 0};
    int order = log.count == 12 && log.open == 0;
    for (int i = 0; order && i < 12; i++) order = log.layers[i] == want[i] && log.backward[i] == (i >= 6);
    CHECK(order, "model_steps_seen_by_observer (%d steps, %d unpaired; fused pools and flatten are no steps)",
          log.count, log.open);
    CHECK(!memcmp(g, model_grads(m), sizeof(float) * spec.param_count), "model_observer_changes_no_gradient");
    LayerTimer timer;
    layer_timer_attach(&timer, m);
    model_forward(m, x, labels, batch);
    model_backward(m);
    model_observe(m, NULL);
    double fw[MODEL_MAX_LAYERS], bw[MODEL_MAX_LAYERS];
    layer_timer_read(&timer, spec.layer_count, fw, bw);
    CHECK(fw[0] > 0 && bw[0] > 0 && fw[9] > 0 && bw[9] > 0 && fw[1] == 0 && bw[1] == 0 && fw[7] == 0,
          "layer_timer_counts_steps_under_their_layer (conv1 %.2g/%.2g s, fused pool %.2g, flatten %.2g)", fw[0],
          bw[0], fw[1], fw[7]);
    model_forward(m, x, labels, batch);
    double fw2[MODEL_MAX_LAYERS], bw2[MODEL_MAX_LAYERS];
    layer_timer_read(&timer, spec.layer_count, fw2, bw2);
    CHECK(fw2[0] == fw[0] && fw2[9] == fw[9], "model_observe_null_detaches");
    model_free(m);
    free(x);
    free(g);
}

int main(void) {
    test_spec();
    test_thread_invariance();
    test_observers();
    test_init();
    test_model_fd("8x8x2", "conv3 pool conv4k5 conv3 pool flatten dense6 dense3", 3, 1);
    test_model_fd("8x8x2", "conv3 pool conv4k5 conv3 pool flatten dense6 dense3", 3, 2);
    test_model_fd("8x8x1", "pool conv3 pool dense5 dense2", 2, 1);
    test_model_fd("4x4x3", "flatten dense7 dense2", 2, 1);
    test_fixture("seed_narrow", "256x256x1",
                 "conv4 pool conv4 pool conv4 pool conv8 pool conv8 conv8 pool conv16 pool conv16 pool conv16 pool "
                 "flatten dense128 dense12 dense2", 1);
    test_fixture("seed_narrow", "256x256x1",
                 "conv4 pool conv4 pool conv4 pool conv8 pool conv8 conv8 pool conv16 pool conv16 pool conv16 pool "
                 "flatten dense128 dense12 dense2", 2);
    test_fixture("mixed", "16x16x3", "conv6 pool conv5k5 conv4 pool dense10 dense3", 1);
    return check_exit();
}
