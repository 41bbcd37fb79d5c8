/* cmd_synth.c - 'seedsweep synth PRESET --out F.h5': synthetic fly-brain cell images (docs/design.md section 6). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "seedsweep/dataset.h"
#include "seedsweep/synth.h"

static void synth_help(void) {
    printf("usage: seedsweep synth fly1|fly2|fly3 --out FILE.h5 [--size PX] [--count N] [--seed S]\n"
           "                      [--channels 1|3] [--set KEY=VALUE ...]\n\n"
           "Synthetic stand-ins for the fly-brain cell images: 8-bit grayscale fluorescence-like fields of\n"
           "1-3 cells (soft edges, grainy cytoplasm, darker nucleus, 0-2 thin processes), specks of debris,\n"
           "optical blur, shot + read noise.\n"
           "Classes: 0 \"Control\" (few or no aggregates), 1 \"Snap29\" (many small bright aggregates).\n"
           "Each base image is stored with its copies rotated by 90, 180 and 270 degrees (consecutive\n"
           "images 4b..4b+3, names PRESET-BBBBB-rotDDD); classes alternate by base image, so they are\n"
           "balanced. Same preset, size and seed give the same file; an image does not depend on --count.\n\n"
           "  --out FILE.h5   output dataset (written atomically)\n"
           "  --size PX       image side, default 256 (lengths below scale with it)\n"
           "  --count N       number of images, default the preset's (400, 783, 719)\n"
           "  --seed S        default 0; the preset is mixed in, so fly1 and fly2 never share cells\n"
           "  --channels C    1 (default), or 3 identical channels (Keras loads mono PNGs as RGB)\n"
           "  --set KEY=V     change one parameter of the preset (repeatable); the cells stay the preset's\n"
           "                  (same random stream), the file's source attribute records every change.\n"
           "                  KEYs and their bounds:\n");
    synth_describe_keys(stdout);
    printf("\nPresets (lengths in pixels at 256x256, levels in 8-bit grey):\n");
    synth_describe_presets(stdout);
    printf("\nfly1 and fly2 differ a little; fly3 more (data/README.md has measured accuracies): with the\n"
           "paper's network, training on fly1 transfers well to fly2 and less well to fly3, while training\n"
           "on fly3 often never takes off in 9 epochs (one class for every image, ~50%%). fly3's brightness\n"
           "difference between classes is a shortcut that does not hold on fly1/fly2.\n\n"
           "example:\n  seedsweep synth fly1 --out data/fly1.h5\n"
           "  seedsweep synth fly3 --out /tmp/small.h5 --size 64 --count 40 --seed 7\n"
           "  seedsweep synth fly3 --out /tmp/fair.h5 --set control_brightness=1   # fly3 without its batch effect\n");
}

int cmd_synth(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        synth_help();
        return 0;
    }
    const char *preset = NULL, *out = NULL;
    long long size = 256, count = 0, seed = 0, channels = 1;
    const char *sets[64];   /* --set applies after the preset is known, in the order given */
    int set_count = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int takes_value = !strcmp(arg, "--out") || !strcmp(arg, "-o") || !strcmp(arg, "--size") ||
                          !strcmp(arg, "--count") || !strcmp(arg, "--seed") || !strcmp(arg, "--channels") ||
                          !strcmp(arg, "--set");
        if (takes_value && i + 1 >= argc) return cli_usage_error("synth", "%s needs a value", arg);
        if (!strcmp(arg, "--out") || !strcmp(arg, "-o")) out = argv[++i];
        else if (!strcmp(arg, "--set")) {
            if (set_count == (int)(sizeof sets / sizeof sets[0])) return cli_usage_error("synth", "more than 64 --set");
            sets[set_count++] = argv[++i];
        }
        else if (!strcmp(arg, "--channels")) {
            if (cli_parse_int(argv[++i], 1, 3, &channels) || channels == 2)
                return cli_usage_error("synth", "--channels '%s': expected 1 or 3", argv[i]);
        }
        else if (!strcmp(arg, "--size")) {
            if (cli_parse_int(argv[++i], 16, 4096, &size)) return cli_usage_error("synth", "--size '%s': expected 16 to 4096", argv[i]);
        } else if (!strcmp(arg, "--count")) {
            if (cli_parse_int(argv[++i], 5, 10000000, &count)) return cli_usage_error("synth", "--count '%s': expected 5 to 10000000", argv[i]);
        } else if (!strcmp(arg, "--seed")) {
            if (cli_parse_int(argv[++i], 0, (long long)(~0ull >> 1), &seed)) return cli_usage_error("synth", "--seed '%s': expected a non-negative integer", argv[i]);
        } else if (arg[0] == '-') return cli_usage_error("synth", "unknown option '%s'", arg);
        else if (!preset) preset = arg;
        else return cli_usage_error("synth", "unexpected argument '%s'", arg);
    }
    if (!preset) return cli_usage_error("synth", "missing PRESET (fly1, fly2 or fly3)");
    const SynthPreset *builtin = synth_find_preset(preset);
    if (!builtin) return cli_usage_error("synth", "unknown preset '%s' (expected fly1, fly2 or fly3)", preset);
    Error err;
    error_clear(&err);
    SynthPreset chosen = *builtin;
    for (int k = 0; k < set_count; k++)
        if (synth_preset_set(&chosen, sets[k], &err) != SS_OK) return cli_usage_error("synth", "%s", err.message);
    if (!out) return cli_usage_error("synth", "missing --out FILE.h5");
    long long images = count > 0 ? count : chosen.default_count;
    double bytes = (double)images * (double)size * (double)size * (double)channels;
    if (bytes > (double)dataset_memory_bound())
        return cli_usage_error("synth", "%lld images of %lldx%lldx%lld need %.1f GB; this machine holds at most %.1f GB "
                               "(half its memory)", images, size, size, channels, bytes / 1e9,
                               (double)dataset_memory_bound() / 1e9);
    if (cli_check_output("synth", out, NULL, 0)) return SS_ERR_INPUT;
    Dataset ds;
    if (synth_generate_from(&chosen, (int)size, count, (uint64_t)seed, (int)channels, &ds, &err) != SS_OK) return cli_fail(&err);
    int status = dataset_save(out, &ds, &err);
    if (status == SS_OK)
        printf("wrote %s: %lld images %dx%dx%d, classes Control/Snap29\n", out, (long long)ds.count, ds.width, ds.height,
               ds.channels);
    dataset_free(&ds);
    return status == SS_OK ? 0 : cli_fail(&err);
}
