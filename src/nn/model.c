/* model.c - the network as llm.c's gpt2_*: one arena planned from the spec, then forward,
 * backward and the Adam update over a batch. The layer walk is a table of steps planned once
 * (a conv fused with the pool after it is one step); forward walks it up, backward down.
 * Threads: convolutions run one image (or one group of small images) per OpenMP thread with
 * OpenBLAS on one thread, each work unit's conv weight gradients go to its own slot, and slots
 * are summed in unit order, so every result is bit-identical whatever the thread count. Dense
 * layers are small: one batched sgemm on the calling thread. Work units are handed out
 * dynamically (whichever worker is free takes the next), which balances load on shared
 * machines and cannot change results. */
#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "seedsweep/layers.h"
#include "seedsweep/model.h"
#include "seedsweep/rng.h"

/* Columns (rows*W) of a convolution strip: ~512 keeps the im2col block (K x 512 floats, 295 kB
 * for K = 144) in a Zen 2 core's 512 kB L2 between im2col and the sgemm that packs it;
 * measured on the seed network, larger strips were no faster and the first layer (K = 9,
 * memory-bound) clearly slower. */
#ifndef STRIP_COLUMNS
#define STRIP_COLUMNS 512
#endif
#ifndef STRIP_COLUMNS_SMALL_K
#define STRIP_COLUMNS_SMALL_K 512
#endif

typedef enum { STEP_CONV, STEP_POOL, STEP_DENSE } StepKind;

/* One step of the layer walk: a conv (with its fused pool when one follows), a pool on its own,
 * or a dense layer. Flatten has no step: its output is its input. */
typedef struct Step {
    StepKind kind;
    int layer;                  /* spec layer (the conv of a fused pair): weights, timers */
    int64_t in_size, out_size;  /* floats per image */
    const float *in;            /* [B][in_size]: the model input or an earlier step's out */
    float *out;                 /* [B][out_size] */
    uint8_t *argmax;            /* pool winners (pool or fused conv), else NULL */
    int has_din;                /* an input gradient is wanted (not the first layer) */
    int relu;                   /* dense: a hidden layer (the last feeds the softmax) */
    ConvShape conv;             /* conv: images = per work unit (group), rows = strips */
} Step;

/* The buffer sizes model_create plans from the spec (floats unless said). */
typedef struct ArenaSizes {
    int64_t max_act;            /* the largest activation of one image (backward ping-pong) */
    int64_t col, conv, dconv;   /* per-thread ConvScratch (see layers.h) */
    int64_t conv_weights;       /* the largest conv layer's weights (flipped copy, dflipped) */
} ArenaSizes;

struct Model {
    ModelSpec spec;
    int max_batch, threads;                  /* workspaces exist for `threads` workers */
    int active_threads;                      /* how many run now (<= threads) */
    int64_t param_count, conv_param_count;   /* conv params are the arena's prefix */
    float *params, *grads, *adam_m, *adam_v;
    int64_t adam_t;
    int64_t weight_offset[MODEL_MAX_LAYERS], bias_offset[MODEL_MAX_LAYERS];
    Step steps[MODEL_MAX_LAYERS];
    int step_count;
    int units_used[MODEL_MAX_LAYERS];        /* conv step: gradient slots filled by the last backward */
    float *act[MODEL_MAX_LAYERS];            /* batch outputs per spec layer; NULL for a fused conv */
    uint8_t *argmax[MODEL_MAX_LAYERS];       /* pool winners */
    float *input;                            /* [B][C][H][W] */
    float *dact[2];                          /* backward ping-pong, largest activation */
    float *slots;                            /* [B][conv_param_count] per-unit conv grads */
    float *flipped;                          /* one layer's conv weights, flipped (backward) */
    float *probs, *losses;
    uint8_t *labels;
    int count;                               /* images in the last forward */
    ConvScratch *work;                       /* one per thread */
    ModelObserver observer;                  /* around every step (model_observe) */
    void *block;                             /* every buffer above lives in this one block */
};

static int64_t layer_out_size(const LayerSpec *L) { return (int64_t)L->out_h * L->out_w * L->out_c; }
static int64_t layer_in_size(const LayerSpec *L) { return (int64_t)L->in_h * L->in_w * L->in_c; }
static int64_t align_up(int64_t bytes) { return (bytes + 63) & ~(int64_t)63; }
static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

/* Parameter offsets in layer order, weight then bias; convolutions come first in every spec the
 * parser accepts, so their parameters are the arena's prefix (the per-unit slots hold only it). */
static void plan_parameters(Model *m) {
    const ModelSpec *spec = &m->spec;
    int64_t off = 0;
    for (int l = 0; l < spec->layer_count; l++) {
        const LayerSpec *S = &spec->layers[l];
        if (S->kind != LAYER_CONV && S->kind != LAYER_DENSE) continue;
        int64_t fan_in = S->kind == LAYER_CONV ? (int64_t)S->in_c * S->kernel * S->kernel : layer_in_size(S);
        m->weight_offset[l] = off;
        off += fan_in * S->units;
        m->bias_offset[l] = off;
        off += S->units;
        if (S->kind == LAYER_CONV) m->conv_param_count = off;
    }
    m->param_count = off;
}

/* A conv's lowering and its scratch needs: strips of rows (even when fused with a pool) for
 * large images, groups of G whole images (one sgemm) for images smaller than a strip. G depends
 * on the shapes only, never on the thread count, so results do not either. */
static ConvShape plan_conv(const LayerSpec *S, int fused, int max_batch, ArenaSizes *z) {
    int64_t K = (int64_t)S->in_c * S->kernel * S->kernel;
    int64_t rows = (K <= 27 ? STRIP_COLUMNS_SMALL_K : STRIP_COLUMNS) / S->in_w;
    if (fused) rows &= ~(int64_t)1;
    if (rows < (fused ? 2 : 1)) rows = fused ? 2 : 1;
    if (rows > S->in_h) rows = S->in_h;
    int64_t hw = (int64_t)S->in_h * S->in_w, G = hw < STRIP_COLUMNS ? STRIP_COLUMNS / hw : 1;
    if (G > max_batch) G = max_batch;
    int64_t n = G > 1 ? G * hw : rows * S->in_w, cmax = S->in_c > S->units ? S->in_c : S->units;
    const ConvShape shape = {.in_c = S->in_c, .h = S->in_h, .w = S->in_w, .out_c = S->units, .k = S->kernel,
                             .pool = fused, .images = (int)G, .rows = G > 1 ? 0 : (int)rows};
    z->col = max64(z->col, conv_col_floats(&shape));
    z->conv = max64(z->conv, cmax * n);
    z->dconv = max64(z->dconv, (int64_t)S->units * (G > 1 ? n : hw));
    z->conv_weights = max64(z->conv_weights, K * S->units);
    return shape;
}

/* The step table (pointers come later, from the arena) and the scratch sizes. */
static void plan_steps(Model *m, ArenaSizes *z) {
    const ModelSpec *spec = &m->spec;
    const int L = spec->layer_count;
    z->max_act = layer_in_size(&spec->layers[0]);
    m->step_count = 0;
    for (int l = 0; l < L; l++) {
        const LayerSpec *S = &spec->layers[l];
        if (S->kind == LAYER_FLATTEN) continue;
        Step *st = &m->steps[m->step_count++];
        const int fused = S->kind == LAYER_CONV && l + 1 < L && spec->layers[l + 1].kind == LAYER_POOL;
        const LayerSpec *last = fused ? &spec->layers[l + 1] : S;
        *st = (Step){.kind = S->kind == LAYER_CONV ? STEP_CONV : S->kind == LAYER_POOL ? STEP_POOL : STEP_DENSE,
                     .layer = l, .in_size = layer_in_size(S), .out_size = layer_out_size(last), .has_din = l > 0,
                     .relu = S->kind == LAYER_DENSE && l + 1 < L};
        if (st->kind == STEP_CONV) st->conv = plan_conv(S, fused, m->max_batch, z);
        z->max_act = max64(z->max_act, st->out_size);
        if (fused) l++;
    }
}

/* Hands out 64-byte aligned pieces of one block; with no block it only counts, so one list of
 * buffers (arena_layout) both sizes the block and points into it. */
typedef struct Arena { char *base; int64_t used; } Arena;
static void *arena_take(Arena *a, int64_t bytes) {
    void *p = a->base ? a->base + a->used : NULL;
    a->used += align_up(bytes);
    return p;
}

/* Every buffer of the model, in block order (llm.c's malloc_and_point_*). The activations of
 * spec layers: a fused conv has none (its step writes the pool's), flatten aliases its input. */
static void arena_layout(Model *m, const ArenaSizes *z, Arena *a) {
    const ModelSpec *spec = &m->spec;
    const int64_t B = m->max_batch, P = m->param_count;
    m->params = arena_take(a, sizeof(float) * P);
    m->grads = arena_take(a, sizeof(float) * P);
    m->adam_m = arena_take(a, sizeof(float) * P);
    m->adam_v = arena_take(a, sizeof(float) * P);
    m->input = arena_take(a, sizeof(float) * B * layer_in_size(&spec->layers[0]));
    for (int l = 0; l < spec->layer_count; l++) {
        const LayerSpec *S = &spec->layers[l];
        const int fused_conv = S->kind == LAYER_CONV && l + 1 < spec->layer_count && spec->layers[l + 1].kind == LAYER_POOL;
        m->act[l] = NULL;
        if (S->kind == LAYER_FLATTEN) m->act[l] = l == 0 ? m->input : m->act[l - 1];
        else if (!fused_conv) m->act[l] = arena_take(a, sizeof(float) * B * layer_out_size(S));
        if (S->kind == LAYER_POOL) m->argmax[l] = arena_take(a, (int64_t)B * layer_out_size(S));
    }
    m->dact[0] = arena_take(a, sizeof(float) * B * z->max_act);
    m->dact[1] = arena_take(a, sizeof(float) * B * z->max_act);
    m->slots = arena_take(a, sizeof(float) * B * m->conv_param_count);
    m->probs = arena_take(a, sizeof(float) * B * spec->class_count);
    m->losses = arena_take(a, sizeof(float) * B);
    m->labels = arena_take(a, B);
    m->flipped = arena_take(a, sizeof(float) * z->conv_weights);
    m->work = arena_take(a, sizeof(ConvScratch) * m->threads);
    for (int t = 0; t < m->threads; t++) {
        ConvScratch s = {.col = arena_take(a, sizeof(float) * z->col), .conv = arena_take(a, sizeof(float) * z->conv),
                         .dconv = arena_take(a, sizeof(float) * z->dconv),
                         .dflipped = arena_take(a, sizeof(float) * z->conv_weights)};
        if (a->base) m->work[t] = s;
    }
}

/* Each step's input and output buffers, once the arena holds the activations. */
static void link_steps(Model *m) {
    for (int i = 0; i < m->step_count; i++) {
        Step *st = &m->steps[i];
        const int last = st->kind == STEP_CONV && st->conv.pool ? st->layer + 1 : st->layer;
        st->in = st->layer == 0 ? m->input : m->act[st->layer - 1];
        st->out = m->act[last];
        st->argmax = st->kind == STEP_POOL || (st->kind == STEP_CONV && st->conv.pool) ? m->argmax[last] : NULL;
    }
}

Model *model_create(const ModelSpec *spec, int max_batch, int threads, Error *err) {
    if (max_batch < 1 || threads < 1) {
        error_set(err, SS_ERR_INPUT, "model: batch (%d) and threads (%d) must be at least 1", max_batch, threads);
        return NULL;
    }
    Model *m = ss_calloc(1, sizeof *m, err);
    if (!m) return NULL;
    *m = (Model){.spec = *spec, .max_batch = max_batch, .threads = threads, .active_threads = threads};
    ArenaSizes sizes = {0};
    plan_parameters(m);
    plan_steps(m, &sizes);
    Arena plan = {0};
    arena_layout(m, &sizes, &plan);   /* sizes only */
    m->block = aligned_alloc(64, (size_t)plan.used);
    if (!m->block) {
        error_set(err, SS_ERR_RUNTIME, "model: out of memory (%.1f MB for a batch of %d)", plan.used / 1e6, max_batch);
        free(m);
        return NULL;
    }
    memset(m->block, 0, (size_t)plan.used);
    Arena take = {.base = m->block};
    arena_layout(m, &sizes, &take);
    link_steps(m);
    /* Our parallelism is over images; a multi-threaded BLAS underneath would oversubscribe
     * the cores and could change summation order with the thread count. */
    openblas_set_num_threads(1);
    return m;
}

void model_free(Model *model) {
    if (!model) return;
    free(model->block);
    free(model);
}

const ModelSpec *model_spec(const Model *model) { return &model->spec; }
float *model_params(Model *model) { return model->params; }
float *model_grads(Model *model) { return model->grads; }
int64_t model_param_count(const Model *model) { return model->param_count; }
int model_max_batch(const Model *model) { return model->max_batch; }
const float *model_logits(const Model *model) { return model->act[model->spec.layer_count - 1]; }
const float *model_probs(const Model *model) { return model->probs; }
const float *model_losses(const Model *model) { return model->losses; }
const uint8_t *model_labels(const Model *model) { return model->labels; }
const float *model_layer_output(const Model *model, int layer) { return model->act[layer]; }
int model_threads(const Model *model) { return model->threads; }

void model_use_threads(Model *model, int threads) {
    model->active_threads = threads >= 1 && threads < model->threads ? threads : model->threads;
}

void model_observe(Model *model, const ModelObserver *observer) {
    model->observer = observer ? *observer : (ModelObserver){0};
}

size_t model_state_size(const Model *model) {
    return sizeof(int64_t) + 3 * sizeof(float) * (size_t)model->param_count;
}

void model_state_save(const Model *model, void *buffer) {
    char *out = buffer;
    const size_t arena = sizeof(float) * (size_t)model->param_count;
    memcpy(out, &model->adam_t, sizeof(int64_t));
    memcpy(out + sizeof(int64_t), model->params, arena);
    memcpy(out + sizeof(int64_t) + arena, model->adam_m, arena);
    memcpy(out + sizeof(int64_t) + 2 * arena, model->adam_v, arena);
}

void model_state_restore(Model *model, const void *buffer) {
    const char *in = buffer;
    const size_t arena = sizeof(float) * (size_t)model->param_count;
    memcpy(&model->adam_t, in, sizeof(int64_t));
    memcpy(model->params, in + sizeof(int64_t), arena);
    memcpy(model->adam_m, in + sizeof(int64_t) + arena, arena);
    memcpy(model->adam_v, in + sizeof(int64_t) + 2 * arena, arena);
}

/* Keras initialisers, drawn in arena order from one (seed, INIT) stream. glorot_uniform:
 * U(-a, a), a = sqrt(6 / (fan_in + fan_out)). he_normal: Keras's truncated normal, stddev
 * sqrt(2 / fan_in) / 0.87962566103423978, redrawn outside two stddevs. Biases zero. */
void model_init(Model *model, InitKind init, uint64_t seed) {
    Rng rng = rng_stream(seed, RNG_PURPOSE_INIT);
    const ModelSpec *spec = &model->spec;
    memset(model->params, 0, sizeof(float) * model->param_count);
    for (int l = 0; l < spec->layer_count; l++) {
        const LayerSpec *S = &spec->layers[l];
        if (S->kind != LAYER_CONV && S->kind != LAYER_DENSE) continue;
        double fan_in, fan_out;
        if (S->kind == LAYER_CONV) {
            fan_in = (double)S->kernel * S->kernel * S->in_c;
            fan_out = (double)S->kernel * S->kernel * S->units;
        } else {
            fan_in = (double)layer_in_size(S);
            fan_out = S->units;
        }
        int64_t n = (int64_t)fan_in * S->units;
        float *w = model->params + model->weight_offset[l];
        if (init == INIT_HE_NORMAL) {
            double stddev = sqrt(2.0 / fan_in) / 0.87962566103423978;
            for (int64_t i = 0; i < n; i++) {
                double z;
                do z = rng_normal(&rng); while (fabs(z) > 2.0);
                w[i] = (float)(z * stddev);
            }
        } else {
            double limit = sqrt(6.0 / (fan_in + fan_out));
            for (int64_t i = 0; i < n; i++) w[i] = (float)((2.0 * rng_uniform(&rng) - 1.0) * limit);
        }
    }
}

/* NHWC uint8 images -> CHW floats / 255 (Keras divides by 255), and their labels. */
void model_load_images(Model *m, const ImageSet *set, const int64_t *index, int64_t first, int count) {
    const int H = set->h, W = set->w, C = set->c;
    const int64_t hw = (int64_t)H * W, image = hw * C;
    if (count > m->max_batch) count = m->max_batch;
#pragma omp parallel for num_threads(m->active_threads) schedule(static)
    for (int b = 0; b < count; b++) {
        const int64_t at = image_set_at(set, index ? index[b] : first + b);
        const uint8_t *src = set->pixels + at * image;
        float *dst = m->input + b * image;
        if (C == 1) {
            for (int64_t i = 0; i < hw; i++) dst[i] = src[i] / 255.0f;
        } else {
            for (int64_t i = 0; i < hw; i++)
                for (int c = 0; c < C; c++) dst[c * hw + i] = src[i * C + c] / 255.0f;
        }
        m->labels[b] = set->labels[at];
    }
}

/* ---- forward ---- */

/* One call per work unit: an image (strips) or a group of images; the last group may be short. */
static void conv_step_forward(Model *m, const Step *st, int B) {
    const float *w = m->params + m->weight_offset[st->layer], *bias = m->params + m->bias_offset[st->layer];
    const int G = st->conv.images, units = (B + G - 1) / G;
#pragma omp parallel for num_threads(m->active_threads) schedule(dynamic, 1)
    for (int u = 0; u < units; u++) {
        ConvShape call = st->conv;
        const int b = u * G;
        call.images = B - b < G ? B - b : G;
        conv_forward(st->out + b * st->out_size, st->argmax ? st->argmax + b * st->out_size : NULL,
                     st->in + b * st->in_size, w, bias, &call, &m->work[omp_get_thread_num()]);
    }
}

static void pool_step_forward(Model *m, const Step *st, int B) {
    const LayerSpec *S = &m->spec.layers[st->layer];
#pragma omp parallel for num_threads(m->active_threads) schedule(dynamic, 1)
    for (int b = 0; b < B; b++)
        maxpool_forward(st->out + b * st->out_size, st->argmax + b * st->out_size, st->in + b * st->in_size, S->in_c,
                        S->in_h, S->in_w);
}

static void step_forward(Model *m, const Step *st, int B) {
    switch (st->kind) {
    case STEP_CONV: conv_step_forward(m, st, B); break;
    case STEP_POOL: pool_step_forward(m, st, B); break;
    case STEP_DENSE:
        dense_forward(st->out, st->in, m->params + m->weight_offset[st->layer], m->params + m->bias_offset[st->layer],
                      B, (int)st->in_size, (int)st->out_size, st->relu);
        break;
    }
}

float model_forward(Model *model, const float *input, const uint8_t *labels, int count) {
    const ModelSpec *spec = &model->spec;
    const ModelObserver *o = &model->observer;
    if (count > model->max_batch) count = model->max_batch;
    model->count = count;
    if (input && input != model->input)
        memcpy(model->input, input, sizeof(float) * count * layer_in_size(&spec->layers[0]));
    if (labels && labels != model->labels) memcpy(model->labels, labels, (size_t)count);
    else if (!labels) memset(model->labels, 0, (size_t)count);
    for (int i = 0; i < model->step_count; i++) {
        const Step *st = &model->steps[i];
        if (o->step_begin) o->step_begin(o->context, st->layer, 0);
        step_forward(model, st, count);
        if (o->step_end) o->step_end(o->context, st->layer, 0);
    }
    softmax_xent_forward(model->probs, model->losses, model_logits(model), model->labels, count,
                         spec->class_count);
    if (!labels) return 0.0f;
    double sum = 0.0;
    for (int b = 0; b < count; b++) sum += model->losses[b];
    return (float)(sum / count);
}

/* ---- backward: each step reads dout and writes din (NULL for the first layer) ---- */

/* Per work unit into its own slot of conv gradients (summed in sum_conv_slots). */
static void conv_step_backward(Model *m, const Step *st, int B, float *din_all, const float *dout) {
    const int c = st->layer, G = st->conv.images, units = (B + G - 1) / G;
    const int64_t wo = m->weight_offset[c], bo = m->bias_offset[c];
    if (din_all) conv_flip_weights(m->flipped, m->params + wo, st->conv.in_c, st->conv.out_c, st->conv.k);
    const float *flipped = din_all ? m->flipped : NULL;
    m->units_used[c] = units;
#pragma omp parallel for num_threads(m->active_threads) schedule(dynamic, 1)
    for (int u = 0; u < units; u++) {
        ConvShape call = st->conv;
        const int b = u * G;
        call.images = B - b < G ? B - b : G;
        float *slot = m->slots + u * m->conv_param_count;
        float *din = din_all ? din_all + b * st->in_size : NULL;
        /* this layer's part of the slot: zeroed here, while it is about to be hot */
        memset(slot + wo, 0, sizeof(float) * (size_t)(bo + call.out_c - wo));
        conv_backward(din, slot + wo, slot + bo, dout + b * st->out_size, st->out + b * st->out_size,
                      st->argmax ? st->argmax + b * st->out_size : NULL, st->in + b * st->in_size, flipped, &call,
                      &m->work[omp_get_thread_num()]);
    }
}

static void pool_step_backward(Model *m, const Step *st, int B, float *din, const float *dout) {
    const LayerSpec *S = &m->spec.layers[st->layer];
    if (!din) return;
#pragma omp parallel for num_threads(m->active_threads) schedule(dynamic, 1)
    for (int b = 0; b < B; b++) {
        memset(din + b * st->in_size, 0, sizeof(float) * st->in_size);
        maxpool_backward(din + b * st->in_size, dout + b * st->out_size, st->argmax + b * st->out_size, S->in_c,
                         S->in_h, S->in_w);
    }
}

static void dense_step_backward(Model *m, const Step *st, int B, float *din, float *dout) {
    const int l = st->layer;
    if (din) memset(din, 0, sizeof(float) * B * st->in_size);
    dense_backward(din, m->grads + m->weight_offset[l], m->grads + m->bias_offset[l], dout, st->out, st->in,
                   m->params + m->weight_offset[l], B, (int)st->in_size, (int)st->out_size, st->relu);
}

/* Sum each conv layer's per-unit gradients in slot order: each element's sum has the same order
 * whatever the thread count (threads split elements, not slots). */
static void sum_conv_slots(Model *m) {
    const int64_t n = m->conv_param_count;
    for (int i = 0; i < m->step_count; i++) {
        const Step *st = &m->steps[i];
        if (st->kind != STEP_CONV) continue;
        const int64_t first = m->weight_offset[st->layer], last = m->bias_offset[st->layer] + st->conv.out_c;
        const int units = m->units_used[st->layer];
        float *grads = m->grads;
        const float *slots = m->slots;
#pragma omp parallel for num_threads(m->active_threads) schedule(static)
        for (int64_t start = first; start < last; start += 4096) {
            int64_t end = start + 4096 < last ? start + 4096 : last;
            for (int u = 0; u < units; u++) {
                const float *slot = slots + u * n;
                for (int64_t i = start; i < end; i++) grads[i] += slot[i];
            }
        }
    }
}

void model_backward(Model *m) {
    const ModelSpec *spec = &m->spec;
    const ModelObserver *o = &m->observer;
    const int B = m->count;
    memset(m->grads, 0, sizeof(float) * m->param_count);
    int cur = 0;   /* dact[cur]: the gradient at the current step's output; dact[1 - cur]: at its input */
    memset(m->dact[cur], 0, sizeof(float) * B * spec->class_count);
    softmax_xent_backward(m->dact[cur], m->probs, m->labels, B, spec->class_count, 1.0f / B);
    for (int i = m->step_count - 1; i >= 0; i--) {
        const Step *st = &m->steps[i];
        float *din = st->has_din ? m->dact[1 - cur] : NULL;
        if (o->step_begin) o->step_begin(o->context, st->layer, 1);
        switch (st->kind) {
        case STEP_CONV: conv_step_backward(m, st, B, din, m->dact[cur]); break;
        case STEP_POOL: pool_step_backward(m, st, B, din, m->dact[cur]); break;
        case STEP_DENSE: dense_step_backward(m, st, B, din, m->dact[cur]); break;
        }
        if (o->step_end) o->step_end(o->context, st->layer, 1);
        cur = 1 - cur;
    }
    sum_conv_slots(m);
}

/* ---- update ---- */

void model_adam_reset(Model *model) {
    memset(model->adam_m, 0, sizeof(float) * model->param_count);
    memset(model->adam_v, 0, sizeof(float) * model->param_count);
    model->adam_t = 0;
}

/* PyTorch's Adam (torch.optim.Adam, foreach off): m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 * w -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps). Keras puts eps outside the
 * bias correction instead (eps_hat); with eps = 1e-7 the two differ only when sqrt(v) ~ eps.
 * We follow PyTorch because the reference fixtures come from it. */
void model_adam_step(Model *model, float lr, float beta1, float beta2, float eps) {
    model->adam_t++;
    double bc1 = 1.0 - pow(beta1, (double)model->adam_t);
    double bc2 = 1.0 - pow(beta2, (double)model->adam_t);
    float step = (float)(lr / bc1);
    float bc2_sqrt = (float)sqrt(bc2);
    float *w = model->params, *g = model->grads, *mm = model->adam_m, *vv = model->adam_v;
    float one_b1 = 1.0f - beta1, one_b2 = 1.0f - beta2;
    for (int64_t i = 0; i < model->param_count; i++) {
        mm[i] = beta1 * mm[i] + one_b1 * g[i];
        vv[i] = beta2 * vv[i] + one_b2 * g[i] * g[i];
        float denom = sqrtf(vv[i]) / bc2_sqrt + eps;
        w[i] -= step * (mm[i] / denom);
    }
}

int model_predicted_class(const float *probs, int class_count) {
    int best = 0;
    for (int j = 1; j < class_count; j++)
        if (probs[j] > probs[best]) best = j;
    return best;
}
