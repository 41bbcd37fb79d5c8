/* fuzz_model_spec.c - libFuzzer harness: model_spec_parse. The input is "INPUT\nLAYERS" (the first
 * line is the input shape, the rest the layer list); a parsed spec is checked for sane shapes
 * and, when small, built with model_create so that the shape arithmetic is exercised for real. */
#include "fuzz_common.h"
#include "seedsweep/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fuzz_string(data, size);
    char *layers = strchr(text, '\n');
    if (layers) *layers++ = 0;
    ModelSpec spec;
    Error err = {0};
    int rc = model_spec_parse(text, layers, &spec, &err);
    FUZZ_CHECK_ERROR(rc, err);
    if (rc == SS_OK) {
        if (spec.layer_count < 1 || spec.layer_count > MODEL_MAX_LAYERS || spec.class_count < 2) abort();
        for (int i = 0; i < spec.layer_count; i++) {
            const LayerSpec *L = &spec.layers[i];
            if (L->out_h < 1 || L->out_w < 1 || L->out_c < 1) abort();
        }
        if (spec.param_count < 1) abort();
        /* build only small models: memory is planned from the spec, and a huge but valid spec
         * would just exhaust the fuzzer's memory limit */
        int64_t activations = (int64_t)spec.input_h * spec.input_w * spec.input_c;
        for (int i = 0; i < spec.layer_count; i++) {
            const LayerSpec *L = &spec.layers[i];
            activations += (int64_t)L->out_h * L->out_w * L->out_c;
            if (L->kind == LAYER_CONV) activations += (int64_t)L->in_c * L->kernel * L->kernel * L->out_h * L->out_w;
        }
        if (spec.param_count < 200000 && activations < 200000) {
            Model *model = model_create(&spec, 2, 1, &err);
            if (model) {
                model_init(model, INIT_GLOROT_UNIFORM, 1);
                int64_t n = (int64_t)spec.input_h * spec.input_w * spec.input_c;
                float *input = calloc((size_t)(2 * n), sizeof(float));
                uint8_t labels[2] = {0, 1};
                if (input) {
                    for (int64_t i = 0; i < 2 * n; i++) input[i] = (float)(i % 7) / 7.0f;
                    model_forward(model, input, labels, 2);
                    model_backward(model);
                    free(input);
                }
                model_free(model);
            }
        }
    }
    free(text);
    return 0;
}
