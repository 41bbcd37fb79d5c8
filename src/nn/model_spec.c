/* model_spec.c - the `input = HxWxC` / `layers = conv16 pool ... dense2` mini-language:
 * words parsed, shapes inferred, every mistake reported at parse time with the word and its
 * 1-based position. A dense layer right after a conv or pool flattens its input implicitly
 * (CHW order, as PyTorch's nn.Flatten), so `flatten` is optional. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seedsweep/model.h"

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

/* One pass over the words that infers each layer's shape from the one before it; kept whole
 * so a word's checks and the shape it produces read together. */
int model_spec_parse(const char *input, const char *layers, ModelSpec *spec, Error *err) {
    memset(spec, 0, sizeof *spec);
    if (parse_input(input, spec, err)) return err->code;
    int h = spec->input_h, w = spec->input_w, c = spec->input_c;
    int flat = 0;   /* a flatten or dense has been seen: no more spatial layers */
    const char *p = layers ? layers : "";
    int position = 0;
    int64_t params = 0;
    char word[64] = "";
    for (;;) {
        while (isspace((unsigned char)*p) || *p == ',') p++;
        if (!*p) break;
        const char *start = p;
        while (*p && !isspace((unsigned char)*p) && *p != ',') p++;
        int len = (int)(p - start);
        snprintf(word, sizeof word, "%.*s", len > 60 ? 60 : len, start);
        position++;
        if (spec->layer_count >= MODEL_MAX_LAYERS)
            return error_set(err, SS_ERR_INPUT, "layers: word %d '%s': more than %d layers", position, word,
                             MODEL_MAX_LAYERS);
        LayerSpec *L = &spec->layers[spec->layer_count];
        memset(L, 0, sizeof *L);
        L->in_h = h; L->in_w = w; L->in_c = c;
        const char *q = word;
        if (!strncmp(word, "conv", 4)) {
            q = word + 4;
            long units = parse_count(&q), kernel = 3;
            if (units > 0 && *q == 'k') {
                q++;
                kernel = parse_count(&q);
            }
            if (units <= 0 || kernel <= 0 || *q)
                return error_set(err, SS_ERR_INPUT,
                                 "layers: word %d '%s': expected convN or convNkK (N filters, odd kernel K), e.g. conv16 or conv16k5",
                                 position, word);
            if (kernel % 2 == 0 || kernel > 31)
                return error_set(err, SS_ERR_INPUT,
                                 "layers: word %d '%s': the kernel size must be odd and at most 31 ('same' padding)",
                                 position, word);
            if (flat)
                return error_set(err, SS_ERR_INPUT,
                                 "layers: word %d '%s': a convolution cannot follow flatten or dense", position, word);
            L->kind = LAYER_CONV;
            L->units = (int)units;
            L->kernel = (int)kernel;
            L->out_h = h; L->out_w = w; L->out_c = (int)units;
            params += (int64_t)units * c * kernel * kernel + units;
            c = (int)units;
        } else if (!strcmp(word, "pool") || !strcmp(word, "pool2")) {
            if (flat)
                return error_set(err, SS_ERR_INPUT,
                                 "layers: word %d '%s': pooling cannot follow flatten or dense", position, word);
            if (h % 2 || w % 2)
                return error_set(err, SS_ERR_INPUT,
                                 "layers: word %d '%s': cannot pool a %dx%d input with 2x2 stride 2: both sizes must be even (>= 2)",
                                 position, word, h, w);
            L->kind = LAYER_POOL;
            L->kernel = 2;
            h /= 2; w /= 2;
            L->out_h = h; L->out_w = w; L->out_c = c;
        } else if (!strcmp(word, "flatten")) {
            if (flat)
                return error_set(err, SS_ERR_INPUT,
                                 "layers: word %d '%s': the input is already flat (flatten or dense before)", position, word);
            L->kind = LAYER_FLATTEN;
            c = h * w * c; h = 1; w = 1;
            L->out_h = 1; L->out_w = 1; L->out_c = c;
            flat = 1;
        } else if (!strncmp(word, "dense", 5)) {
            q = word + 5;
            long units = parse_count(&q);
            if (units <= 0 || *q)
                return error_set(err, SS_ERR_INPUT, "layers: word %d '%s': expected denseN (N outputs), e.g. dense512",
                                 position, word);
            L->kind = LAYER_DENSE;
            L->units = (int)units;
            int64_t in = (int64_t)h * w * c;   /* implicit flatten */
            params += in * units + units;
            h = 1; w = 1; c = (int)units;
            L->out_h = 1; L->out_w = 1; L->out_c = c;
            flat = 1;
        } else {
            return error_set(err, SS_ERR_INPUT,
                             "layers: word %d '%s': unknown layer; expected convN, convNkK, pool, flatten or denseN",
                             position, word);
        }
        spec->layer_count++;
    }
    if (spec->layer_count == 0)
        return error_set(err, SS_ERR_INPUT, "layers: empty; expected e.g. 'conv16 pool flatten dense2'");
    const LayerSpec *last = &spec->layers[spec->layer_count - 1];
    if (last->kind != LAYER_DENSE)
        return error_set(err, SS_ERR_INPUT,
                         "layers: word %d '%s': the last layer must be denseN (N classes, softmax), e.g. dense2",
                         position, word);
    if (last->units < 2)
        return error_set(err, SS_ERR_INPUT, "layers: word %d '%s': the last layer needs at least 2 classes", position,
                         word);
    if (params > ((int64_t)1 << 31))
        return error_set(err, SS_ERR_INPUT, "layers: %lld parameters is too many (at most 2^31)", (long long)params);
    spec->class_count = last->units;
    spec->param_count = params;
    return SS_OK;
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
