/* model_spec.c - the `input = HxWxC` / `layers = conv16 pool ... dense2` mini-language:
 * words parsed, shapes inferred, every mistake reported at parse time with the word and its
 * 1-based position. A dense layer right after a conv or pool flattens its input implicitly
 * (CHW order, as PyTorch's nn.Flatten), so `flatten` is optional. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seedsweep/model_spec.h"

#define MAX_DIM 65536

/* Parses a positive decimal integer at *p (advancing it); 0 on failure. */
static long parse_count(const char **p) {
    if (!isdigit((unsigned char)**p)) return 0;
    long v = 0;
    while (isdigit((unsigned char)**p)) {
        v = v * 10 + (**p - '0');
        if (v > MAX_DIM) return 0;
        (*p)++;
    }
    return v;
}

static int parse_input(const char *input, ModelSpec *spec, Error *err) {
    const char *p = input ? input : "";
    while (isspace((unsigned char)*p)) p++;
    long dims[3] = {0, 0, 1};
    int n = 0;
    for (; n < 3; n++) {
        dims[n] = parse_count(&p);
        if (dims[n] <= 0) break;
        if (*p != 'x' && *p != 'X') { n++; break; }
        p++;
    }
    while (isspace((unsigned char)*p)) p++;
    if (n < 2 || dims[0] <= 0 || dims[1] <= 0 || dims[2] <= 0 || *p)
        return error_set(err, SS_ERR_INPUT,
                         "input: '%s' is not a shape; expected HxWxC, e.g. 256x256x1", input ? input : "");
    if (dims[0] * dims[1] * dims[2] > (1L << 26))
        return error_set(err, SS_ERR_INPUT, "input: '%s' is too large (at most 2^26 values per image)", input);
    spec->input_h = (int)dims[0];
    spec->input_w = (int)dims[1];
    spec->input_c = (int)dims[2];
    return SS_OK;
}

/* The shape flowing through the words: each layer's output is the next one's input. */
typedef struct ParseState {
    int h, w, c;
    int flat;           /* a flatten or dense has been seen: no more spatial layers */
    int64_t params;
    int position;       /* 1-based index of the word being read */
    const char *word;
} ParseState;

static int word_error(const ParseState *st, Error *err, const char *what) {
    return error_set(err, SS_ERR_INPUT, "layers: word %d '%s': %s", st->position, st->word, what);
}

static int parse_conv(ParseState *st, LayerSpec *L, Error *err) {
    const char *q = st->word + 4;
    long units = parse_count(&q), kernel = 3;
    if (units > 0 && *q == 'k') {
        q++;
        kernel = parse_count(&q);
    }
    if (units <= 0 || kernel <= 0 || *q)
        return word_error(st, err, "expected convN or convNkK (N filters, odd kernel K), e.g. conv16 or conv16k5");
    if (kernel % 2 == 0 || kernel > 31)
        return word_error(st, err, "the kernel size must be odd and at most 31 ('same' padding)");
    if (st->flat) return word_error(st, err, "a convolution cannot follow flatten or dense");
    L->kind = LAYER_CONV;
    L->units = (int)units;
    L->kernel = (int)kernel;
    L->out_h = st->h; L->out_w = st->w; L->out_c = (int)units;
    st->params += (int64_t)units * st->c * kernel * kernel + units;
    st->c = (int)units;
    return SS_OK;
}

static int parse_pool(ParseState *st, LayerSpec *L, Error *err) {
    if (st->flat) return word_error(st, err, "pooling cannot follow flatten or dense");
    if (st->h % 2 || st->w % 2)
        return error_set(err, SS_ERR_INPUT,
                         "layers: word %d '%s': cannot pool a %dx%d input with 2x2 stride 2: both sizes must be even (>= 2)",
                         st->position, st->word, st->h, st->w);
    L->kind = LAYER_POOL;
    L->kernel = 2;
    st->h /= 2; st->w /= 2;
    L->out_h = st->h; L->out_w = st->w; L->out_c = st->c;
    return SS_OK;
}

static int parse_flatten(ParseState *st, LayerSpec *L, Error *err) {
    if (st->flat) return word_error(st, err, "the input is already flat (flatten or dense before)");
    L->kind = LAYER_FLATTEN;
    st->c = st->h * st->w * st->c; st->h = 1; st->w = 1;
    L->out_h = 1; L->out_w = 1; L->out_c = st->c;
    st->flat = 1;
    return SS_OK;
}

static int parse_dense(ParseState *st, LayerSpec *L, Error *err) {
    const char *q = st->word + 5;
    long units = parse_count(&q);
    if (units <= 0 || *q) return word_error(st, err, "expected denseN (N outputs), e.g. dense512");
    L->kind = LAYER_DENSE;
    L->units = (int)units;
    int64_t in = (int64_t)st->h * st->w * st->c;   /* implicit flatten */
    st->params += in * units + units;
    st->h = 1; st->w = 1; st->c = (int)units;
    L->out_h = 1; L->out_w = 1; L->out_c = st->c;
    st->flat = 1;
    return SS_OK;
}

/* One word into the next layer, its input the shape so far. */
static int parse_word(ParseState *st, LayerSpec *L, Error *err) {
    memset(L, 0, sizeof *L);
    L->in_h = st->h; L->in_w = st->w; L->in_c = st->c;
    if (!strncmp(st->word, "conv", 4)) return parse_conv(st, L, err);
    if (!strcmp(st->word, "pool") || !strcmp(st->word, "pool2")) return parse_pool(st, L, err);
    if (!strcmp(st->word, "flatten")) return parse_flatten(st, L, err);
    if (!strncmp(st->word, "dense", 5)) return parse_dense(st, L, err);
    return word_error(st, err, "unknown layer; expected convN, convNkK, pool, flatten or denseN");
}

/* The whole network's checks, once every word is read. */
static int finish_spec(ModelSpec *spec, const ParseState *st, Error *err) {
    if (spec->layer_count == 0)
        return error_set(err, SS_ERR_INPUT, "layers: empty; expected e.g. 'conv16 pool flatten dense2'");
    const LayerSpec *last = &spec->layers[spec->layer_count - 1];
    if (last->kind != LAYER_DENSE)
        return word_error(st, err, "the last layer must be denseN (N classes, softmax), e.g. dense2");
    if (last->units < 2) return word_error(st, err, "the last layer needs at least 2 classes");
    if (st->params > ((int64_t)1 << 31))
        return error_set(err, SS_ERR_INPUT, "layers: %lld parameters is too many (at most 2^31)", (long long)st->params);
    spec->class_count = last->units;
    spec->param_count = st->params;
    return SS_OK;
}

/* One pass over the words (separated by spaces or commas), each layer's shape inferred from the
 * one before it. */
int model_spec_parse(const char *input, const char *layers, ModelSpec *spec, Error *err) {
    memset(spec, 0, sizeof *spec);
    if (parse_input(input, spec, err)) return err->code;
    char word[64] = "";
    ParseState st = {.h = spec->input_h, .w = spec->input_w, .c = spec->input_c, .word = word};
    const char *p = layers ? layers : "";
    for (;;) {
        while (isspace((unsigned char)*p) || *p == ',') p++;
        if (!*p) break;
        const char *start = p;
        while (*p && !isspace((unsigned char)*p) && *p != ',') p++;
        int len = (int)(p - start);
        snprintf(word, sizeof word, "%.*s", len > 60 ? 60 : len, start);
        st.position++;
        if (spec->layer_count >= MODEL_MAX_LAYERS)
            return error_set(err, SS_ERR_INPUT, "layers: word %d '%s': more than %d layers", st.position, word,
                             MODEL_MAX_LAYERS);
        if (parse_word(&st, &spec->layers[spec->layer_count], err)) return err->code;
        spec->layer_count++;
    }
    return finish_spec(spec, &st, err);
}

int init_kind_parse(const char *text, InitKind *kind, Error *err) {
    if (text && !strcmp(text, "glorot_uniform")) { *kind = INIT_GLOROT_UNIFORM; return SS_OK; }
    if (text && !strcmp(text, "he_normal")) { *kind = INIT_HE_NORMAL; return SS_OK; }
    return error_set(err, SS_ERR_INPUT, "init: '%s' is not an initializer; expected glorot_uniform or he_normal",
                     text ? text : "");
}

double layer_forward_macs(const LayerSpec *L) {
    if (L->kind == LAYER_CONV) return (double)L->out_h * L->out_w * L->out_c * L->in_c * L->kernel * L->kernel;
    if (L->kind == LAYER_DENSE) return (double)L->in_h * L->in_w * L->in_c * L->units;
    return 0.0;
}

double model_forward_macs(const ModelSpec *spec) {
    double macs = 0.0;
    for (int l = 0; l < spec->layer_count; l++) macs += layer_forward_macs(&spec->layers[l]);
    return macs;
}

/* The backward pass costs one forward's multiply-adds for the weight gradients and one for the
 * input gradients, which the first layer does not need. */
double model_train_flops(const ModelSpec *spec) {
    double flops = 0.0;
    for (int l = 0; l < spec->layer_count; l++) flops += 2.0 * layer_forward_macs(&spec->layers[l]) * (l == 0 ? 2 : 3);
    return flops;
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
