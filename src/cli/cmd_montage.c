/* cmd_montage.c - 'seedsweep montage FILE.h5 -o GRID.png': a labelled grid of a dataset's images. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "seedsweep/dataset.h"
#include "seedsweep/montage.h"

static void montage_help(void) {
    printf("usage: seedsweep montage FILE.h5 -o GRID.png [--count N]\n\n"
           "Draws N images (default 32) in a grid, shared out evenly among the classes and evenly spaced\n"
           "through each class's images, each under a coloured strip naming its class. Large images are\n"
           "shrunk (area average) to at most 128 px, small ones enlarged (nearest) to at least 64 px.\n\n"
           "  -o, --out GRID.png   output PNG (RGB)\n"
           "  --count N            number of tiles, default 32 (all images when the file holds fewer)\n\n"
           "example:\n  seedsweep montage data/fly1.h5 -o data/fly1-montage.png --count 24\n");
}

int cmd_montage(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        montage_help();
        return 0;
    }
    const char *path = NULL, *out = NULL;
    long long count = 32;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int takes_value = !strcmp(arg, "-o") || !strcmp(arg, "--out") || !strcmp(arg, "--count");
        if (takes_value && i + 1 >= argc) return cli_usage_error("montage", "%s needs a value", arg);
        if (!strcmp(arg, "-o") || !strcmp(arg, "--out")) out = argv[++i];
        else if (!strcmp(arg, "--count")) {
            if (cli_parse_int(argv[++i], 1, 4096, &count))
                return cli_usage_error("montage", "--count '%s': expected 1 to 4096", argv[i]);
        } else if (arg[0] == '-' && arg[1]) return cli_usage_error("montage", "unknown option '%s'", arg);
        else if (!path) path = arg;
        else return cli_usage_error("montage", "unexpected argument '%s'", arg);
    }
    if (!path) return cli_usage_error("montage", "missing FILE.h5");
    if (!out) return cli_usage_error("montage", "missing -o GRID.png");
    const char *inputs[] = {path};
    if (cli_check_output("montage", out, inputs, 1)) return SS_ERR_INPUT;
    Error err;
    error_clear(&err);
    Dataset ds;
    if (dataset_load(path, &ds, &err) != SS_OK) return cli_fail(&err);
    int status = montage_write(&ds, out, (int)count, &err);
    dataset_free(&ds);
    if (status != SS_OK) return cli_fail(&err);
    printf("wrote %s\n", out);
    return 0;
}
