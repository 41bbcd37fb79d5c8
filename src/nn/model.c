/* model.c - memory plan, forward/backward over a batch, Adam, training and evaluation.
 * Threads: convolutions run one image per OpenMP thread with OpenBLAS on one thread, each
 * image's conv weight gradients go to its own slot, and slots are summed in image order, so
 * every result is bit-identical whatever the thread count. Dense layers are small: one
 * batched sgemm on the calling thread. Images are handed out dynamically (whichever worker is
 * free takes the next), which balances load on shared machines and cannot change results. */
#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
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

struct Model {
    ModelSpec spec;
    int max_batch, threads;                  /* workspaces exist for `threads` workers */
    int active_threads;                      /* how many run now (<= threads) */
    int64_t param_count, conv_param_count;   /* conv params are the arena's prefix */
    float *params, *grads, *adam_m, *adam_v;
    int64_t adam_t;
    int64_t weight_offset[MODEL_MAX_LAYERS], bias_offset[MODEL_MAX_LAYERS];
    int fused[MODEL_MAX_LAYERS];             /* conv l is fused with the pool at l+1 */
    ConvShape conv[MODEL_MAX_LAYERS];        /* conv l: its shape; images = per call (group), rows = strips */
    int units_used[MODEL_MAX_LAYERS];        /* conv: gradient slots filled by the last backward */
    float *act[MODEL_MAX_LAYERS];            /* batch outputs; NULL for a fused conv */
    uint8_t *argmax[MODEL_MAX_LAYERS];       /* pool winners */
    float *input;                            /* [B][C][H][W] */
    float *dact[2];                          /* backward ping-pong, largest activation */
    float *slots;                            /* [B][conv_param_count] per-image conv grads */
    float *flipped;                          /* one layer's conv weights, flipped (backward) */
    float *probs, *losses;
    uint8_t *labels;
    int64_t *eval_index;                     /* [B] image numbers of an evaluation batch */
    int count;                               /* images in the last forward */
    ConvScratch *work;                       /* one per thread */
    double time_forward[MODEL_MAX_LAYERS], time_backward[MODEL_MAX_LAYERS];
    void *block;                             /* every buffer above lives in this one block */
};

static int64_t layer_out_size(const LayerSpec *L) { return (int64_t)L->out_h * L->out_w * L->out_c; }
static int64_t layer_in_size(const LayerSpec *L) { return (int64_t)L->in_h * L->in_w * L->in_c; }

static int64_t align_up(int64_t bytes) { return (bytes + 63) & ~(int64_t)63; }

/* One piece on purpose (llm.c's fill_in_parameter_sizes + malloc_and_point_parameters): the
 * per-layer plan, then the PLAN list of sizes and the TAKE list of pointers, which must name the
 * same buffers in the same order and are easiest to check side by side. */
Model *model_create(const ModelSpec *spec, int max_batch, int threads, Error *err) {
    if (max_batch < 1 || threads < 1) {
        error_set(err, SS_ERR_INPUT, "model: batch (%d) and threads (%d) must be at least 1", max_batch, threads);
        return NULL;
    }
    Model *m = ss_calloc(1, sizeof *m, err);
    if (!m) return NULL;
    m->spec = *spec;
    m->max_batch = max_batch;
    m->threads = threads;
    m->active_threads = threads;
    const int B = max_batch, L = spec->layer_count;

    /* Parameter offsets: layer order, weight then bias. */
    int64_t off = 0, conv_end = 0, max_act = layer_in_size(&spec->layers[0]);
    int64_t ws_col = 0, ws_conv = 0, ws_dconv = 0, max_conv_weights = 0;
    for (int l = 0; l < L; l++) {
        const LayerSpec *S = &spec->layers[l];
        if (S->kind == LAYER_CONV || S->kind == LAYER_DENSE) {
            int64_t fan_in = S->kind == LAYER_CONV ? (int64_t)S->in_c * S->kernel * S->kernel : layer_in_size(S);
            m->weight_offset[l] = off;
            off += fan_in * S->units;
            m->bias_offset[l] = off;
            off += S->units;
            if (S->kind == LAYER_CONV) conv_end = off;
        }
        if (S->kind == LAYER_CONV) {
            m->fused[l] = l + 1 < L && spec->layers[l + 1].kind == LAYER_POOL;
            int64_t K = (int64_t)S->in_c * S->kernel * S->kernel;
            int64_t rows = (K <= 27 ? STRIP_COLUMNS_SMALL_K : STRIP_COLUMNS) / S->in_w;
            if (m->fused[l]) rows &= ~(int64_t)1;
            if (rows < (m->fused[l] ? 2 : 1)) rows = m->fused[l] ? 2 : 1;
            if (rows > S->in_h) rows = S->in_h;
            /* Images smaller than a strip are convolved G at a time (one sgemm). G depends on
             * the shapes only, never on the thread count, so results do not either. */
            int64_t hw = (int64_t)S->in_h * S->in_w, G = hw < STRIP_COLUMNS ? STRIP_COLUMNS / hw : 1;
            if (G > B) G = B;
            m->conv[l] = (ConvShape){.in_c = S->in_c, .h = S->in_h, .w = S->in_w, .out_c = S->units,
                                     .k = S->kernel, .pool = m->fused[l], .images = (int)G,
                                     .rows = G > 1 ? 0 : (int)rows};
            int64_t n = rows * S->in_w, Kmax = (int64_t)(S->in_c > S->units ? S->in_c : S->units) * S->kernel * S->kernel;
            if (G > 1) n = G * hw;
            if (Kmax * n > ws_col) ws_col = Kmax * n;
            int64_t cmax = S->in_c > S->units ? S->in_c : S->units;
            if (cmax * n > ws_conv) ws_conv = cmax * n;
            if ((int64_t)S->units * (G > 1 ? n : hw) > ws_dconv) ws_dconv = (int64_t)S->units * (G > 1 ? n : hw);
            if (K * S->units > max_conv_weights) max_conv_weights = K * S->units;
        }
        if (!(S->kind == LAYER_CONV && m->fused[l]) && layer_out_size(S) > max_act) max_act = layer_out_size(S);
    }
    m->param_count = off;
    m->conv_param_count = conv_end;

    /* One block for everything: sizes first, then pointers. */
    int64_t total = 0;
#define PLAN(bytes) (total += align_up((int64_t)(bytes)))
    for (int i = 0; i < 4; i++) PLAN(sizeof(float) * m->param_count);
    PLAN(sizeof(float) * B * layer_in_size(&spec->layers[0]));
    for (int l = 0; l < L; l++) {
        const LayerSpec *S = &spec->layers[l];
        if ((S->kind == LAYER_CONV && !m->fused[l]) || S->kind == LAYER_POOL || S->kind == LAYER_DENSE)
            PLAN(sizeof(float) * B * layer_out_size(S));
        if (S->kind == LAYER_POOL) PLAN((size_t)B * layer_out_size(S));
    }
    PLAN(sizeof(float) * B * max_act);
    PLAN(sizeof(float) * B * max_act);
    PLAN(sizeof(float) * B * m->conv_param_count);
    PLAN(sizeof(float) * B * spec->class_count);
    PLAN(sizeof(float) * B);
    PLAN(B);
    PLAN(sizeof(int64_t) * B);
    PLAN(sizeof(float) * max_conv_weights);
    PLAN(sizeof(ConvScratch) * threads);
    for (int t = 0; t < threads; t++) {
        PLAN(sizeof(float) * ws_col);
        PLAN(sizeof(float) * ws_conv);
        PLAN(sizeof(float) * ws_dconv);
        PLAN(sizeof(float) * max_conv_weights);
    }
#undef PLAN
    m->block = aligned_alloc(64, (size_t)total);
    if (!m->block) {
        error_set(err, SS_ERR_RUNTIME, "model: out of memory (%.1f MB for a batch of %d)", total / 1e6, B);
        free(m);
        return NULL;
    }
    memset(m->block, 0, (size_t)total);
    char *cursor = m->block;
#define TAKE(bytes) (cursor += align_up((int64_t)(bytes)), (void *)(cursor - align_up((int64_t)(bytes))))
    m->params = TAKE(sizeof(float) * m->param_count);
    m->grads = TAKE(sizeof(float) * m->param_count);
    m->adam_m = TAKE(sizeof(float) * m->param_count);
    m->adam_v = TAKE(sizeof(float) * m->param_count);
    m->input = TAKE(sizeof(float) * B * layer_in_size(&spec->layers[0]));
    for (int l = 0; l < L; l++) {
        const LayerSpec *S = &spec->layers[l];
        if ((S->kind == LAYER_CONV && !m->fused[l]) || S->kind == LAYER_POOL || S->kind == LAYER_DENSE)
            m->act[l] = TAKE(sizeof(float) * B * layer_out_size(S));
        else if (S->kind == LAYER_FLATTEN)
            m->act[l] = l == 0 ? m->input : m->act[l - 1];
        if (S->kind == LAYER_POOL) m->argmax[l] = TAKE((size_t)B * layer_out_size(S));
    }
    m->dact[0] = TAKE(sizeof(float) * B * max_act);
    m->dact[1] = TAKE(sizeof(float) * B * max_act);
    m->slots = TAKE(sizeof(float) * B * m->conv_param_count);
    m->probs = TAKE(sizeof(float) * B * spec->class_count);
    m->losses = TAKE(sizeof(float) * B);
    m->labels = TAKE(B);
    m->eval_index = TAKE(sizeof(int64_t) * B);
    m->flipped = TAKE(sizeof(float) * max_conv_weights);
    m->work = TAKE(sizeof(ConvScratch) * threads);
    for (int t = 0; t < threads; t++) {
        m->work[t].col = TAKE(sizeof(float) * ws_col);
        m->work[t].conv = TAKE(sizeof(float) * ws_conv);
        m->work[t].dconv = TAKE(sizeof(float) * ws_dconv);
        m->work[t].dflipped = TAKE(sizeof(float) * max_conv_weights);
    }
#undef TAKE
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
const float *model_logits(const Model *model) { return model->act[model->spec.layer_count - 1]; }
const float *model_probs(const Model *model) { return model->probs; }
int model_threads(const Model *model) { return model->threads; }

void model_layer_times(const Model *model, double *forward, double *backward) {
    for (int l = 0; l < model->spec.layer_count; l++) {
        forward[l] = model->time_forward[l];
        backward[l] = model->time_backward[l];
    }
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

static const float *layer_input(const Model *m, int l) { return l == 0 ? m->input : m->act[l - 1]; }

static void forward_layers(Model *m, int B) {
    const ModelSpec *spec = &m->spec;
    for (int l = 0; l < spec->layer_count; l++) {
        const LayerSpec *S = &spec->layers[l];
        double t0 = ss_now();
        const float *in = layer_input(m, l);
        int64_t in_size = layer_in_size(S);
        if (S->kind == LAYER_CONV) {
            const float *w = m->params + m->weight_offset[l], *bias = m->params + m->bias_offset[l];
            const ConvShape *shape = &m->conv[l];
            const int fused = shape->pool, G = shape->images, units = (B + G - 1) / G;
            const int64_t out_size = layer_out_size(fused ? &spec->layers[l + 1] : S);
            float *out = fused ? m->act[l + 1] : m->act[l];
            uint8_t *argmax = fused ? m->argmax[l + 1] : NULL;
#pragma omp parallel for num_threads(m->active_threads) schedule(dynamic, 1)
            for (int u = 0; u < units; u++) {
                ConvShape call = *shape;   /* the last group may be short */
                const int b = u * G;
                call.images = B - b < G ? B - b : G;
                conv_forward(out + b * out_size, argmax ? argmax + b * out_size : NULL, in + b * in_size, w, bias,
                             &call, &m->work[omp_get_thread_num()]);
            }
            m->time_forward[l] += ss_now() - t0;
            if (fused) l++;
            continue;
        }
        if (S->kind == LAYER_POOL) {
            int64_t out_size = layer_out_size(S);
#pragma omp parallel for num_threads(m->active_threads) schedule(dynamic, 1)
            for (int b = 0; b < B; b++)
                maxpool_forward(m->act[l] + b * out_size, m->argmax[l] + b * out_size, in + b * in_size, S->in_c,
                                S->in_h, S->in_w);
        } else if (S->kind == LAYER_DENSE) {
            dense_forward(m->act[l], in, m->params + m->weight_offset[l], m->params + m->bias_offset[l], B,
                          (int)in_size, S->units, l + 1 < spec->layer_count);
        }
        m->time_forward[l] += ss_now() - t0;
    }
}

float model_forward(Model *model, const float *input, const uint8_t *labels, int count) {
    const ModelSpec *spec = &model->spec;
    if (count > model->max_batch) count = model->max_batch;
    model->count = count;
    if (input && input != model->input)
        memcpy(model->input, input, sizeof(float) * count * layer_in_size(&spec->layers[0]));
    if (labels && labels != model->labels) memcpy(model->labels, labels, (size_t)count);
    else if (!labels) memset(model->labels, 0, (size_t)count);
    forward_layers(model, count);
    softmax_xent_forward(model->probs, model->losses, model_logits(model), model->labels, count,
                         spec->class_count);
    if (!labels) return 0.0f;
    double sum = 0.0;
    for (int b = 0; b < count; b++) sum += model->losses[b];
    return (float)(sum / count);
}

/* One walk from the loss back to the input, kept whole because the ping-pong of dact[cur] and
 * dact[1 - cur] runs through every branch; each layer kind's branch is a few calls into layers.c. */
void model_backward(Model *m) {
    const ModelSpec *spec = &m->spec;
    const int B = m->count, L = spec->layer_count;
    memset(m->grads, 0, sizeof(float) * m->param_count);
    int cur = 0;
    memset(m->dact[cur], 0, sizeof(float) * B * spec->class_count);
    softmax_xent_backward(m->dact[cur], m->probs, m->labels, B, spec->class_count, 1.0f / B);
    for (int l = L - 1; l >= 0; l--) {
        const LayerSpec *S = &spec->layers[l];
        double t0 = ss_now();
        const float *in = layer_input(m, l);
        int64_t in_size = layer_in_size(S);
        if (S->kind == LAYER_FLATTEN) continue;
        if (S->kind == LAYER_DENSE) {
            float *din = l > 0 ? m->dact[1 - cur] : NULL;
            if (din) memset(din, 0, sizeof(float) * B * in_size);
            dense_backward(din, m->grads + m->weight_offset[l], m->grads + m->bias_offset[l], m->dact[cur], m->act[l],
                           in, m->params + m->weight_offset[l], B, (int)in_size, S->units, l + 1 < L);
            cur = 1 - cur;
            m->time_backward[l] += ss_now() - t0;
            continue;
        }
        if (S->kind == LAYER_POOL && !(l > 0 && m->fused[l - 1])) {
            int64_t out_size = layer_out_size(S);
            float *din = l > 0 ? m->dact[1 - cur] : NULL;
            if (din) {
                const float *dout = m->dact[cur];
#pragma omp parallel for num_threads(m->active_threads) schedule(dynamic, 1)
                for (int b = 0; b < B; b++) {
                    memset(din + b * in_size, 0, sizeof(float) * in_size);
                    maxpool_backward(din + b * in_size, dout + b * out_size, m->argmax[l] + b * out_size, S->in_c,
                                     S->in_h, S->in_w);
                }
            }
            cur = 1 - cur;
            m->time_backward[l] += ss_now() - t0;
            continue;
        }
        /* A convolution, alone or fused with the pool at l (then the conv is at l - 1). */
        int fused = S->kind == LAYER_POOL;
        int c = fused ? l - 1 : l;
        const LayerSpec *C = &spec->layers[c];
        const float *cin = layer_input(m, c);
        int64_t cin_size = layer_in_size(C), out_size = layer_out_size(S);
        const float *w = m->params + m->weight_offset[c];
        float *din_all = c > 0 ? m->dact[1 - cur] : NULL;
        const float *dout = m->dact[cur];
        int64_t wo = m->weight_offset[c], bo = m->bias_offset[c];
        if (din_all) conv_flip_weights(m->flipped, w, C->in_c, C->units, C->kernel);
        const float *flipped = din_all ? m->flipped : NULL;
        const ConvShape *shape = &m->conv[c];
        const int G = shape->images, units = (B + G - 1) / G;
        m->units_used[c] = units;
#pragma omp parallel for num_threads(m->active_threads) schedule(dynamic, 1)
        for (int u = 0; u < units; u++) {
            ConvShape call = *shape;   /* the last group may be short */
            const int b = u * G;
            call.images = B - b < G ? B - b : G;
            float *slot = m->slots + u * m->conv_param_count;
            float *din = din_all ? din_all + b * cin_size : NULL;
            /* this layer's part of the slot: zeroed here, while it is about to be hot */
            memset(slot + wo, 0, sizeof(float) * (size_t)(bo + C->units - wo));
            if (din) memset(din, 0, sizeof(float) * cin_size * call.images);
            conv_backward(din, slot + wo, slot + bo, dout + b * out_size, m->act[l] + b * out_size,
                          fused ? m->argmax[l] + b * out_size : NULL, cin + b * cin_size, flipped, &call,
                          &m->work[omp_get_thread_num()]);
        }
        cur = 1 - cur;
        m->time_backward[c] += ss_now() - t0;
        if (fused) l--;
    }
    /* Sum each conv layer's per-image (or per-group) gradients in slot order: each element's
     * sum has the same order whatever the thread count (threads split elements, not slots). */
    int64_t n = m->conv_param_count;
    float *grads = m->grads;
    const float *slots = m->slots;
    for (int c = 0; c < L; c++) {
        if (spec->layers[c].kind != LAYER_CONV) continue;
        int64_t first = m->weight_offset[c], last = m->bias_offset[c] + spec->layers[c].units;
        int units = m->units_used[c];
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

/* NHWC uint8 images -> CHW floats / 255 (Keras divides by 255). */
static void load_batch(Model *m, const ImageSet *set, const int64_t *index, int count) {
    const int H = set->h, W = set->w, C = set->c;
    const int64_t hw = (int64_t)H * W, image = hw * C;
#pragma omp parallel for num_threads(m->active_threads) schedule(static)
    for (int b = 0; b < count; b++) {
        const int64_t at = image_set_at(set, index[b]);
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

static int check_images(const Model *m, const ImageSet *set, const char *what, Error *err) {
    const ModelSpec *s = &m->spec;
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

int model_predicted_class(const float *probs, int class_count) {
    int best = 0;
    for (int j = 1; j < class_count; j++)
        if (probs[j] > probs[best]) best = j;
    return best;
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

int model_relu_layers(const ModelSpec *spec, int *layers, int64_t *units) {
    int count = 0;
    int64_t total = 0;
    for (int l = 0; l < spec->layer_count; l++) {
        const LayerSpec *S = &spec->layers[l];
        if (S->kind == LAYER_CONV || (S->kind == LAYER_DENSE && l + 1 < spec->layer_count)) {
            if (layers) layers[count] = l;
            count++;
            total += S->units;
        }
    }
    if (units) *units = total;
    return count;
}

void model_relu_layer_name(const ModelSpec *spec, int k, char *out, size_t size) {
    int layers[MODEL_MAX_LAYERS];
    int n = model_relu_layers(spec, layers, NULL);
    if (k < 0 || k >= n) {
        snprintf(out, size, "?");
        return;
    }
    const LayerSpec *S = &spec->layers[layers[k]];
    snprintf(out, size, "%s%d@%d", S->kind == LAYER_CONV ? "conv" : "dense", S->units, layers[k] + 1);
}

/* Marks the ReLU units that fired (> 0) for some image of the last forward (count images). A conv
 * fused with its 2x2 pool is read after the pool: relu(max(window)) > 0 somewhere iff the conv
 * output is > 0 somewhere. Units already alive are skipped, so a healthy network costs little. */
static void mark_alive(const Model *m, int count, uint8_t *alive) {
    const ModelSpec *spec = &m->spec;
    int layers[MODEL_MAX_LAYERS];
    int n = model_relu_layers(spec, layers, NULL);
    for (int k = 0; k < n; k++) {
        int l = layers[k];
        const LayerSpec *S = &spec->layers[l];
        if (S->kind == LAYER_DENSE) {
            const float *out = m->act[l];
            for (int u = 0; u < S->units; u++)
                for (int b = 0; b < count && !alive[u]; b++) alive[u] = out[(int64_t)b * S->units + u] > 0.0f;
        } else {
            const LayerSpec *O = m->fused[l] ? &spec->layers[l + 1] : S;
            const float *out = m->fused[l] ? m->act[l + 1] : m->act[l];
            const int64_t hw = (int64_t)O->out_h * O->out_w, image = hw * S->units;
            for (int u = 0; u < S->units; u++)
                for (int b = 0; b < count && !alive[u]; b++) {
                    const float *p = out + b * image + u * hw;
                    for (int64_t start = 0; start < hw && !alive[u]; start += 256) {   /* blocks: vectorizable */
                        const int64_t end = start + 256 < hw ? start + 256 : hw;
                        int any = 0;
                        for (int64_t i = start; i < end; i++) any |= p[i] > 0.0f;
                        alive[u] = (uint8_t)any;
                    }
                }
        }
        alive += S->units;
    }
}

/* The fraction of dead units of each ReLU layer into dead[relu layers]. */
static void dead_fractions(const ModelSpec *spec, const uint8_t *alive, float *dead) {
    int layers[MODEL_MAX_LAYERS];
    int n = model_relu_layers(spec, layers, NULL);
    for (int k = 0; k < n; k++) {
        int units = spec->layers[layers[k]].units, dead_units = 0;
        for (int u = 0; u < units; u++) dead_units += !alive[u];
        dead[k] = (float)((double)dead_units / units);
        alive += units;
    }
}

static void identity_shuffle(Rng *rng, int64_t *order, int64_t count) {
    for (int64_t i = 0; i < count; i++) order[i] = i;
    rng_shuffle(rng, order, count);
}

/* One piece: the epoch loop, the batch loop and the boundary protocol (stop, checkpoint, resume)
 * share the partial statistics, whose summation order fixes the results bit for bit. */
int model_train(Model *model, const ImageSet *train, const TrainConfig *cfg, uint64_t order_seed,
                TrainHistory *history, Error *err) {
    history->epochs_done = 0;
    history->diverged = 0;
    history->collapse_epoch = 0;
    if (cfg->epochs < 0 || cfg->batch < 1 || cfg->batch > model->max_batch)
        return error_set(err, SS_ERR_INPUT, "train: batch %d must be in 1..%d and epochs (%d) >= 0", cfg->batch,
                         model->max_batch, cfg->epochs);
    if (check_images(model, train, "train", err)) return err->code;
    const TrainPosition *from = cfg->resume;
    if (from && check_position(from, train, cfg, err)) return err->code;
    int64_t relu_units = 0;
    const int relu_layers = model_relu_layers(&model->spec, NULL, &relu_units);
    if (from && from->next_image && !from->alive)
        return error_set(err, SS_ERR_INPUT, "train: resuming inside epoch %d needs the ReLU units' state", from->epoch + 1);
    int64_t *order = ss_calloc((size_t)train->count, sizeof *order, err);
    if (!order) return err->code;
    uint8_t *alive = ss_calloc((size_t)relu_units + 1, 1, err);
    if (!alive) {
        free(order);
        return err->code;
    }
    history->collapse_epoch = from ? from->collapse_epoch : 0;
    const int classes = model->spec.class_count;
    Rng rng = rng_stream(order_seed, RNG_PURPOSE_ORDER);
    if (from) {
        /* Philox is counter-based but rng_below rejects draws, so an epoch's shuffle uses a
         * data-dependent number of them: replay the earlier shuffles (cheap next to one batch). */
        for (int e = 0; e < from->epoch; e++) identity_shuffle(&rng, order, train->count);
        if (rng.counter != from->order_counter) {
            free(order);
            free(alive);
            return error_set(err, SS_ERR_INPUT,
                             "train: the data order replayed to epoch %d is at draw %llu, the saved position says %llu",
                             from->epoch + 1, (unsigned long long)rng.counter,
                             (unsigned long long)from->order_counter);
        }
        history->epochs_done = from->epoch;
    } else {
        model_adam_reset(model);
    }
    /* cfg->threads may ask for fewer workers than the model was planned for (never more:
     * workspaces are sized at creation); results are the same either way. */
    model->active_threads = cfg->threads >= 1 && cfg->threads < model->threads ? cfg->threads : model->threads;
    int status = SS_OK;
    for (int epoch = from ? from->epoch : 0; epoch < cfg->epochs && status == SS_OK && !history->diverged; epoch++) {
        const uint64_t epoch_counter = rng.counter;
        identity_shuffle(&rng, order, train->count);
        const int resuming = from && epoch == from->epoch;
        double loss_sum = resuming ? from->loss_sum : 0.0;
        int64_t correct = resuming ? from->correct : 0;
        int epoch_class = resuming && from->next_image ? from->epoch_class : -1;
        if (resuming && from->next_image) memcpy(alive, from->alive, (size_t)relu_units);
        else memset(alive, 0, (size_t)relu_units);
        for (int64_t start = resuming ? from->next_image : 0; start < train->count; start += cfg->batch) {
            int count = (int)(train->count - start < cfg->batch ? train->count - start : cfg->batch);
            load_batch(model, train, order + start, count);
            float loss = model_forward(model, NULL, model->labels, count);
            if (!isfinite(loss)) {
                history->diverged = 1;
                break;
            }
            for (int b = 0; b < count; b++) {
                loss_sum += model->losses[b];
                const int predicted = model_predicted_class(model->probs + b * classes, classes);
                correct += predicted == model->labels[b];
                if (epoch_class == -1) epoch_class = predicted;
                else if (epoch_class != predicted) epoch_class = -2;
            }
            mark_alive(model, count, alive);
            model_backward(model);
            model_adam_step(model, cfg->lr, cfg->beta1, cfg->beta2, cfg->eps);
            const int epoch_ends = start + count >= train->count;
            if (epoch_ends) {
                history->loss[epoch] = (float)(loss_sum / train->count);
                history->accuracy[epoch] = (float)((double)correct / train->count);
                history->epochs_done = epoch + 1;
                if (history->dead_relu) dead_fractions(&model->spec, alive, history->dead_relu + (int64_t)epoch * relu_layers);
                if (epoch_class < 0) history->collapse_epoch = 0;
                else if (!history->collapse_epoch) history->collapse_epoch = epoch + 1;
            }
            const int stop = cfg->between_batches && cfg->between_batches(cfg->context);
            if (cfg->at_boundary) {
                TrainPosition here = {.epoch = epoch, .next_image = start + count, .loss_sum = loss_sum,
                                      .correct = correct, .order_counter = epoch_counter,
                                      .collapse_epoch = history->collapse_epoch, .epoch_class = epoch_class,
                                      .alive = alive};
                if (epoch_ends)
                    here = (TrainPosition){.epoch = epoch + 1, .order_counter = rng.counter,
                                           .collapse_epoch = history->collapse_epoch, .epoch_class = -1,
                                           .alive = alive};
                cfg->at_boundary(cfg->boundary_context, &here, stop);
            }
            if (stop) {
                status = error_set(err, SS_INTERRUPTED, "train: interrupted in epoch %d", epoch + 1);
                break;
            }
        }
        if (history->diverged) {
            history->loss[epoch] = history->accuracy[epoch] = NAN;
            for (int k = 0; history->dead_relu && k < relu_layers; k++)
                history->dead_relu[(int64_t)epoch * relu_layers + k] = NAN;
            history->epochs_done = epoch + 1;
        }
    }
    free(order);
    free(alive);
    model->active_threads = model->threads;
    return status;
}

/* Images per loss block: whole batches, at least 256 images (see model.h). */
static int64_t loss_block(int batch) { return (int64_t)batch * (batch >= 256 ? 1 : (256 + batch - 1) / batch); }

int model_evaluate(Model *model, const ImageSet *set, const EvalConfig *cfg, float *probs, EvalResult *result,
                   Error *err) {
    memset(result, 0, sizeof *result);
    if (check_images(model, set, "evaluate", err)) return err->code;
    const int classes = model->spec.class_count;
    const int64_t block = loss_block(model->max_batch);
    int64_t *index = model->eval_index;
    double loss_sum = 0.0, block_sum = 0.0;
    int64_t correct = 0;
    int first_prediction = -1, collapsed = 1;
    for (int64_t start = 0; start < set->count; start += model->max_batch) {
        int count = (int)(set->count - start < model->max_batch ? set->count - start : model->max_batch);
        for (int b = 0; b < count; b++) index[b] = start + b;
        load_batch(model, set, index, count);
        model_forward(model, NULL, model->labels, count);
        for (int b = 0; b < count; b++) {
            const float *p = model->probs + b * classes;
            int predicted = model_predicted_class(p, classes);
            if (first_prediction < 0) first_prediction = predicted;
            if (predicted != first_prediction) collapsed = 0;
            correct += predicted == model->labels[b];
            block_sum += model->losses[b];
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
