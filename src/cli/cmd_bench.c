/* cmd_bench.c - `seedsweep bench`: training-step and evaluation throughput of a network on
 * random data, next to the BLAS's own sgemm rate, so the numbers can be read as a fraction
 * of what the machine's BLAS can do. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "commands.h"
#include "seedsweep/blas.h"
#include "seedsweep/conv_direct.h"
#include "seedsweep/layer_timer.h"
#include "seedsweep/model.h"
#include "seedsweep/rng.h"
#include "seedsweep/simd.h"
#include "seedsweep/stats.h"

#define SEED_LAYERS                                                                                      \
    "conv16 pool conv16 pool conv16 pool conv32 pool conv32 conv32 pool conv64 pool conv64 pool conv64 " \
    "pool flatten dense512 dense50 dense2"

static void print_help(void) {
    printf("usage: seedsweep bench [--model SPEC] [--input HxWxC] [--batch N] [--threads N] [--seconds S] [--profile]\n\n"
           "Training-step throughput (forward, backward, Adam) and evaluation throughput of a network on\n"
           "random data. Defaults: the network of docs/design.md section 1, input 256x256x1, batch 20, 1 thread,\n"
           "5 seconds per measurement. Results (weights) do not depend on --threads; speed does.\n"
           "  --model SPEC   layer words, e.g. 'conv16 pool conv32 pool dense64 dense2'\n"
           "  --profile      also print milliseconds per layer, forward and backward, per training step,\n"
           "                 each layer's GFLOP/s and their fraction of the sgemm rate\n\n"
           "Rates use the median step time; train_images_per_cpu_s divides by the process's CPU time\n"
           "instead (all threads), which shows the code's efficiency on a machine shared with others.\n"
           "The last lines are: images_per_s X (training),\n"
           "gflops Y (useful training FLOP/s: forward, weight and input gradients),\n"
           "sgemm_gflops Z (the BLAS's sgemm on a 2048^3 gemm with the same threads),\n"
           "train_fraction_of_sgemm F (Y / Z). The second line names the convolution path (SEEDSWEEP_CONV).\n\n"
           "example:\n  OMP_PROC_BIND=close seedsweep bench --threads 2 --seconds 10 --profile\n");
}

/* Process CPU seconds (all threads): on a shared machine, images per CPU-second show the
 * code's efficiency where wall-clock rates show mostly the neighbours' load. */
static double cpu_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static const char *kind_name(LayerKind kind) {
    switch (kind) {
    case LAYER_CONV: return "conv";
    case LAYER_POOL: return "pool";
    case LAYER_FLATTEN: return "flatten";
    default: return "dense";
    }
}

/* A whole decimal int, else -1 (atoi took "8x" as 8 and "x" as 0): refused by the range checks. */
static int strict_int(const char *text) {
    long long v;
    return cli_parse_int(text, 0, 1000000000, &v) ? -1 : (int)v;
}

typedef struct BenchOptions {
    const char *layers, *input;
    int batch, threads, profile;
    double seconds;
} BenchOptions;

/* 0 and *o filled, or the exit status of a usage error (already printed). */
static int parse_options(int argc, char **argv, BenchOptions *o) {
    *o = (BenchOptions){.layers = SEED_LAYERS, .input = "256x256x1", .batch = 20, .threads = 1, .seconds = 5.0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        if (!strcmp(a, "--profile")) o->profile = 1;
        else if (!strcmp(a, "--model") && has_value) o->layers = argv[++i];
        else if (!strcmp(a, "--input") && has_value) o->input = argv[++i];
        else if (!strcmp(a, "--batch") && has_value) o->batch = strict_int(argv[++i]);
        else if (!strcmp(a, "--threads") && has_value) o->threads = strict_int(argv[++i]);
        else if (!strcmp(a, "--seconds") && has_value) {
            char *end;
            o->seconds = strtod(argv[++i], &end);
            if (*end || end == argv[i]) o->seconds = -1.0;
        } else return cli_usage_error("bench", "unexpected argument '%s'", a);
    }
    if (o->batch < 1 || o->batch > 100000) return cli_usage_error("bench", "--batch must be an integer in 1..100000");
    if (o->threads < 1 || o->threads > 1024) return cli_usage_error("bench", "--threads must be an integer in 1..1024");
    /* inf or 1e308 would measure forever */
    if (!(o->seconds > 0.0 && o->seconds <= 3600.0)) return cli_usage_error("bench", "--seconds must be in (0, 3600]");
    return 0;
}

enum { MAX_STEPS = 4096 };

/* Steps timed one by one for at least `seconds` (and 3 steps): training steps (forward, backward,
 * Adam) when labels is non-NULL, else evaluation (forward only). Rates come from the median step
 * time, robust when other work shares the cores. */
typedef struct StepTiming {
    int64_t steps;
    double images_per_s, images_per_cpu_s, seconds;
    double wall[MAX_STEPS], cpu[MAX_STEPS];
} StepTiming;

static void time_steps(Model *model, const float *data, const uint8_t *labels, int batch, double seconds, StepTiming *out) {
    out->steps = 0;
    double t0 = ss_now(), t = t0;
    while ((t - t0 < seconds || out->steps < 3) && out->steps < MAX_STEPS) {
        double s0 = ss_now(), c0 = cpu_seconds();
        model_forward(model, data, labels, batch);
        if (labels) {
            model_backward(model);
            model_adam_step(model, 1e-3f, 0.9f, 0.999f, 1e-7f);
        }
        t = ss_now();
        out->cpu[out->steps] = cpu_seconds() - c0;
        out->wall[out->steps++] = t - s0;
    }
    out->seconds = t - t0;
    out->images_per_s = batch / stats_median(out->wall, out->steps);
    out->images_per_cpu_s = batch / stats_median(out->cpu, out->steps);
}

/* Milliseconds per training step in each layer, from the layer clocks before (f0, b0) and after (f1, b1). */
static void print_profile(const ModelSpec *spec, int batch, const StepTiming *timing, const double *f0, const double *b0,
                          const double *f1, const double *b1, double sgemm) {
    printf("profile (ms per training step of %d images; *_sgemm: the rate over the sgemm rate below)\n", batch);
    printf("  %-3s %-8s %-14s %10s %10s %9s %9s %9s %9s\n", "#", "layer", "output", "forward", "backward", "fwd_GF/s",
           "bwd_GF/s", "fwd_sgemm", "bwd_sgemm");
    double tf = 0, tb = 0;
    const int64_t steps = timing->steps;
    for (int l = 0; l < spec->layer_count; l++) {
        const LayerSpec *S = &spec->layers[l];
        double fw = 1e3 * (f1[l] - f0[l]) / steps, bw = 1e3 * (b1[l] - b0[l]) / steps;
        char shape[32], name[24];
        snprintf(shape, sizeof shape, "%dx%dx%d", S->out_h, S->out_w, S->out_c);
        if (S->kind == LAYER_CONV || S->kind == LAYER_DENSE) snprintf(name, sizeof name, "%s%d", kind_name(S->kind), S->units);
        else snprintf(name, sizeof name, "%s", kind_name(S->kind));
        double macs = layer_forward_macs(S);
        if (macs > 0) {
            double fr = fw > 0 ? 2e-6 * macs * batch / fw : 0.0, br = bw > 0 ? 2e-6 * macs * batch * (l == 0 ? 1 : 2) / bw : 0.0;
            printf("  %-3d %-8s %-14s %10.2f %10.2f %9.1f %9.1f %9.2f %9.2f\n", l + 1, name, shape, fw, bw, fr, br,
                   sgemm > 0 ? fr / sgemm : 0.0, sgemm > 0 ? br / sgemm : 0.0);
        } else
            printf("  %-3d %-8s %-14s %10.2f %10.2f%s\n", l + 1, name, shape, fw, bw,
                   S->kind == LAYER_POOL && l > 0 && spec->layers[l - 1].kind == LAYER_CONV ? "  (fused into the conv)" : "");
        tf += fw;
        tb += bw;
    }
    double step = timing->seconds / steps;
    printf("  total layers %.2f ms forward, %.2f ms backward; whole step %.2f ms = %.1f GFLOP/s = %.2f of sgemm\n", tf,
           tb, 1e3 * step, batch * model_train_flops(spec) / step / 1e9,
           sgemm > 0 ? batch * model_train_flops(spec) / step / 1e9 / sgemm : 0.0);
}

static void print_header(const BenchOptions *o, const ModelSpec *spec) {
    const char *coretype = getenv("OPENBLAS_CORETYPE");
    printf("blas %s (%s)\n", blas_core_name(), blas_config());
    if (coretype)
        printf("warning: OPENBLAS_CORETYPE=%s is set: OpenBLAS may not use this CPU's best kernel\n", coretype);
    if (conv_path_get() == CONV_PATH_IM2COL)
        printf("conv im2col (SEEDSWEEP_CONV=im2col)\n");
    else
        printf("conv %s (%s kernels; SEEDSWEEP_CONV=direct3, direct2, direct or im2col selects the path)\n",
               conv_path_name(conv_path_get()), simd_level_name(simd_level()));
    printf("model input %s layers %s\n", o->input, o->layers);
    printf("batch %d threads %d params %lld forward_mflop_per_image %.1f train_mflop_per_image %.1f\n", o->batch,
           o->threads, (long long)spec->param_count, 2e-6 * model_forward_macs(spec), 1e-6 * model_train_flops(spec));
}

/* Times training (after one warm-up step), then evaluation, on random images; 0 or SS_ERR_RUNTIME. */
static int measure(Model *model, const ModelSpec *spec, const BenchOptions *o, Error *err) {
    const int batch = o->batch;
    int64_t image = (int64_t)spec->input_h * spec->input_w * spec->input_c;
    float *data = malloc(sizeof(float) * image * batch);
    uint8_t *labels = malloc((size_t)batch);
    StepTiming *train = malloc(sizeof *train), *eval = malloc(sizeof *eval);
    if (!data || !labels || !train || !eval) {
        free(data);
        free(labels);
        free(train);
        free(eval);
        return error_set(err, SS_ERR_RUNTIME, "bench: out of memory");
    }
    Rng rng = rng_stream(0, RNG_PURPOSE_TEST);
    for (int64_t i = 0; i < image * batch; i++) data[i] = (float)rng_uniform(&rng);
    for (int b = 0; b < batch; b++) labels[b] = (uint8_t)(b % spec->class_count);

    LayerTimer clocks;
    layer_timer_attach(&clocks, model);
    model_adam_reset(model);
    model_forward(model, data, labels, batch);
    model_backward(model);
    model_adam_step(model, 1e-3f, 0.9f, 0.999f, 1e-7f);
    double f0[MODEL_MAX_LAYERS], b0[MODEL_MAX_LAYERS], f1[MODEL_MAX_LAYERS], b1[MODEL_MAX_LAYERS];
    layer_timer_read(&clocks, spec->layer_count, f0, b0);   /* the per-layer clocks are read as differences */
    time_steps(model, data, labels, batch, o->seconds, train);
    layer_timer_read(&clocks, spec->layer_count, f1, b1);
    model_observe(model, NULL);
    time_steps(model, data, NULL, batch, o->seconds / 2, eval);

    double sgemm = blas_sgemm_gflops(2048, o->threads, 1.5);
    if (o->profile) print_profile(spec, batch, train, f0, b0, f1, b1, sgemm);
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    printf("peak_rss_mb %.1f\n", usage.ru_maxrss / 1024.0);
    printf("train_images_per_cpu_s %.2f\n", train->images_per_cpu_s);
    printf("eval_images_per_s %.2f\n", eval->images_per_s);
    printf("images_per_s %.2f\n", train->images_per_s);
    printf("gflops %.2f\n", train->images_per_s * model_train_flops(spec) / 1e9);
    printf("sgemm_gflops %.2f\n", sgemm);
    printf("train_fraction_of_sgemm %.3f\n", sgemm > 0 ? train->images_per_s * model_train_flops(spec) / 1e9 / sgemm : 0.0);
    free(data);
    free(labels);
    free(train);
    free(eval);
    return 0;
}

int cmd_bench(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        print_help();
        return 0;
    }
    BenchOptions o;
    int status = parse_options(argc, argv, &o);
    if (status) return status;
    Error err = {0};
    ModelSpec spec;
    if (model_spec_parse(o.input, o.layers, &spec, &err)) return cli_fail(&err);
    Model *model = model_create(&spec, o.batch, o.threads, &err);
    if (!model) return cli_fail(&err);
    if (blas_reserve(o.threads, &err) != SS_OK) {   /* OpenBLAS would spin where its buffers do not fit */
        model_free(model);
        return cli_fail(&err);
    }
    model_init(model, INIT_GLOROT_UNIFORM, 0);
    print_header(&o, &spec);
    status = measure(model, &spec, &o, &err);
    model_free(model);
    return status ? cli_fail(&err) : 0;
}
